"""HTTP API in front of the ingest, lock, Telegram webhook and api functions.

Authentication is in the apps (bearer token for ingest/lock/api, Telegram's secret-token header
for the webhook), identical to `nudge serve`; the API adds throttling and access logs.
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_logs as logs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.bundling import function_code
from infra.config import EnvConfig
from infra.data_stack import DataStack
from infra.lambda_function import LambdaPlacement, NudgeFunction
from infra.llm_stack import LlmStack
from infra.network_stack import NetworkStack
from infra.pipeline_stack import PipelineStack

# nudge.aws.lock: conditional UpdateItem to acquire/renew/release, consistent GetItem to read.
LOCK_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","method":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status",'
    '"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",'
    '"integrationError":"$context.integrationErrorMessage"}'
)


@jsii.implements(apigw.IAccessLogSettings)
class JsonAccessLogs:
    """Access log settings for an HTTP API stage: one JSON line per request into `log_group`."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


# The api function's routes (nudge.faces.http.api_app; docs/openapi.json documents them all).
API_ROUTES = (
    ("/messages", ("GET", "POST")),
    ("/summarization/start", ("POST",)),
    ("/summarization/status/{job_id}", ("GET",)),
    ("/summarization/result/{job_id}", ("GET",)),
    ("/replies/generate", ("POST",)),
    ("/replies/approve", ("POST",)),
    ("/replies/update-reply", ("POST",)),
    ("/replies/custom", ("POST",)),
    ("/system/status", ("GET",)),
    ("/openapi.json", ("GET",)),
    ("/docs", ("GET",)),
)


class ApiStack(Stack):
    """Routes: POST /ingest, GET /outbox, POST /outbox/{id}/claim|sent (the collector's outbox, on
    the ingest function), POST /lock, PUT|DELETE /lock/{name}, POST /telegram/webhook, GET /health,
    and the API's (API_ROUTES)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvConfig,
        network: NetworkStack,
        data: DataStack,
        llm: LlmStack,
        pipeline: PipelineStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        placement = LambdaPlacement.create(self, config, network.vpc, network.lambda_sg)
        auth_env = {"INGEST_API_TOKEN_SECRET_ARN": data.ingest_token_secret.secret_arn}
        lock_env = {"LOCK_TABLE_NAME": data.lock_table.table_name}

        self.ingest = NudgeFunction(
            self, "IngestFunction", placement=placement, code=function_code("ingest"),
            service="ingest", description="POST /ingest: WhatsApp exports and collector pushes",
            environment={**data.database_environment(), **auth_env, **lock_env,
                         "LLM_BASE_URL": llm.base_url,
                         "JOBS_QUEUE_URL": pipeline.jobs_queue.queue_url,
                         # tells the user "sent ✓" as soon as the collector reports (outbox)
                         "TELEGRAM_BOT_TOKEN_SECRET_ARN": data.bot_token_secret.secret_arn},
            memory_mib=1024,
        )  # fmt: skip
        self.lock = NudgeFunction(
            self, "LockFunction", placement=placement, code=function_code("lock"),
            service="lock", description="/lock: the collector's lease with fencing tokens",
            environment={**auth_env, **lock_env}, memory_mib=256,
        )  # fmt: skip
        self.webhook = NudgeFunction(
            self, "TelegramWebhookFunction", placement=placement,
            code=function_code("telegram_webhook"), service="telegram",
            description="POST /telegram/webhook: the bot's updates",
            environment={
                **data.database_environment(),
                "LLM_BASE_URL": llm.base_url,
                "LLM_CHAT_TIER": config.llm_chat_tier,
                "TELEGRAM_BOT_TOKEN_SECRET_ARN": data.bot_token_secret.secret_arn,
                "TELEGRAM_WEBHOOK_SECRET_ARN": data.webhook_secret.secret_arn,
                "TELEGRAM_ALLOWED_USER_IDS": config.telegram_allowed_user_ids,
                "DEDUP_TABLE_NAME": data.dedup_table.table_name,
                "IMPORT_QUEUE_URL": pipeline.import_queue.queue_url,
                "UPLOAD_BUCKET_NAME": pipeline.upload_bucket.bucket_name,
            },
            memory_mib=512,
        )  # fmt: skip
        self.api_function = NudgeFunction(
            self, "ApiFunction", placement=placement, code=function_code("api"),
            service="api",
            description="The HTTP API: /messages, /summarization, /replies, /system/status, /docs",
            environment={**data.database_environment(), **auth_env, **lock_env,
                         "LLM_BASE_URL": llm.base_url, "LLM_CHAT_TIER": config.llm_chat_tier,
                         "JOBS_QUEUE_URL": pipeline.jobs_queue.queue_url},
            memory_mib=1024,
        )  # fmt: skip
        self._grant(data)
        # The ingest queues the enrichment of what it stored; the webhook keeps an upload in the
        # bucket and queues its import (nudge.faces.telegram.uploads).
        pipeline.jobs_queue.grant_send_messages(self.ingest.function)
        pipeline.jobs_queue.grant_send_messages(self.api_function.function)  # summarizations
        pipeline.import_queue.grant_send_messages(self.webhook.function)
        pipeline.upload_bucket.grant_put(self.webhook.function)
        NagSuppressions.add_resource_suppressions(self.webhook.function, [
            {"id": "AwsSolutions-IAM5", "reason": "Writes new uploads under per-upload keys "
             "(uploads/<user>/<uuid>/<file>) in the expiring upload bucket.",
             "appliesTo": [{"regex": "/^Action::s3:(PutObject|Abort).*$/"},
                           {"regex": "/^Resource::.*UploadBucket.*\\*$/"}]},
        ], apply_to_children=True)  # fmt: skip
        self.api = self._http_api(config)
        CfnOutput(self, "ApiUrl", value=self.api.api_endpoint)
        CfnOutput(self, "WebhookUrl", value=f"{self.api.api_endpoint}/telegram/webhook")

    def _grant(self, data: DataStack) -> None:
        """Least privilege: each function gets exactly the tables and secrets it reads."""
        assert data.db_secret is not None
        ingest, lock, webhook = self.ingest.function, self.lock.function, self.webhook.function
        api = self.api_function.function
        for function in (ingest, webhook, api):
            data.db_secret.grant_read(function)
        for function in (ingest, lock, api):
            data.ingest_token_secret.grant_read(function)
        for function in (ingest, api):
            data.lock_table.grant(function, "dynamodb:GetItem")  # checks X-Lock-Fence
        data.lock_table.grant(lock, *LOCK_ACTIONS)
        data.dedup_table.grant(webhook, "dynamodb:PutItem")  # conditional put claims update_id
        data.bot_token_secret.grant_read(webhook)
        data.bot_token_secret.grant_read(ingest)  # the outbox's outcomes, told at once
        data.webhook_secret.grant_read(webhook)

    def _http_api(self, config: EnvConfig) -> apigw.HttpApi:
        api = apigw.HttpApi(
            self,
            "HttpApi",
            description=f"Nudge {config.name}: ingest, lock, Telegram webhook, API",
            create_default_stage=False,
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal_policy
        )
        api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api_throttle_rate, burst_limit=config.api_throttle_burst
            ),
            access_log_settings=JsonAccessLogs(access_logs),
        )

        def integration(name: str, fn: NudgeFunction) -> integrations.HttpLambdaIntegration:
            return integrations.HttpLambdaIntegration(
                name, fn.function, timeout=Duration.seconds(29),
                payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0,
            )  # fmt: skip

        ingest = integration("Ingest", self.ingest)
        lock = integration("Lock", self.lock)
        webhook = integration("TelegramWebhook", self.webhook)
        routes = [
            ("/ingest", [apigw.HttpMethod.POST], ingest),
            ("/outbox", [apigw.HttpMethod.GET], ingest),
            ("/outbox/{id}/claim", [apigw.HttpMethod.POST], ingest),
            ("/outbox/{id}/sent", [apigw.HttpMethod.POST], ingest),
            ("/health", [apigw.HttpMethod.GET], ingest),
            ("/lock", [apigw.HttpMethod.POST], lock),
            ("/lock/{name}", [apigw.HttpMethod.PUT, apigw.HttpMethod.DELETE], lock),
            ("/telegram/webhook", [apigw.HttpMethod.POST], webhook),
        ]
        api_target = integration("Api", self.api_function)
        routes += [(path, [apigw.HttpMethod(m) for m in methods], api_target)
                   for path, methods in API_ROUTES]
        for path, methods, target in routes:
            api.add_routes(path=path, methods=methods, integration=target)
        NagSuppressions.add_resource_suppressions(api, [
            {"id": "AwsSolutions-APIG4", "reason": "Authorization happens in the apps: bearer "
             "token (ingest, lock, api) and Telegram's secret-token header (webhook), exactly as "
             "in `nudge serve`; /health, /docs and /openapi.json are public by contract."}],
            apply_to_children=True)  # fmt: skip
        return api
