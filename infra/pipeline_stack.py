"""The enrichment pipeline: SQS queues (each with a dead-letter queue) feeding two Lambdas, and
the bucket Telegram uploads wait in.

- jobs queue -> enrich function: background jobs (nudge.features.jobs), above all the enrichment
  of newly stored messages through llm_service (the backlog itself lives in Postgres);
- imports queue -> import function (15 minutes): a Telegram upload the webhook put in the upload
  bucket is stored, the counts go to the chat;
- upload bucket: S3-managed encryption, no public access, TLS only, objects expire after a day.

A job that fails is retried by SQS, then parked in its dead-letter queue; the Monitoring stack
alarms on dead-letter depth and on the age of the oldest waiting job.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.bundling import function_code
from infra.config import EnvConfig
from infra.data_stack import DataStack
from infra.lambda_function import LambdaPlacement, NudgeFunction
from infra.llm_stack import LlmStack
from infra.network_stack import NetworkStack

ENRICH_TIMEOUT = Duration.minutes(5)
IMPORT_TIMEOUT = Duration.minutes(15)
UPLOAD_EXPIRY_DAYS = 1


class PipelineStack(Stack):
    """Queues, dead-letter queues, the enrich and import functions and the upload bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvConfig,
        network: NetworkStack,
        data: DataStack,
        llm: LlmStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        # AWS's advice for a Lambda event source: visibility timeout >= 6 x the function timeout.
        self.jobs_queue, self.jobs_dlq = self._queue("Jobs", ENRICH_TIMEOUT, max_receives=5)
        self.import_queue, self.import_dlq = self._queue("Imports", IMPORT_TIMEOUT, max_receives=3)
        self.upload_bucket = s3.Bucket(
            self,
            "UploadBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(
                expiration=Duration.days(UPLOAD_EXPIRY_DAYS),
                abort_incomplete_multipart_upload_after=Duration.days(1))],
            removal_policy=config.removal_policy,
            auto_delete_objects=not config.is_prod,
        )  # fmt: skip
        NagSuppressions.add_resource_suppressions(self.upload_bucket, [
            {"id": "AwsSolutions-S1", "reason": "Uploads live here for minutes (a day at most); "
             "access logs would keep a record of them longer than the data itself."}])  # fmt: skip

        placement = LambdaPlacement.create(self, config, network.vpc, network.lambda_sg)
        assert data.db_secret is not None
        self.enrich = NudgeFunction(
            self, "EnrichFunction", placement=placement, code=function_code("enrich"),
            service="enrich", description="Queued jobs: enrichment of stored messages, summarizations",
            environment={**data.database_environment(), "LLM_BASE_URL": llm.base_url,
                         "LLM_CHAT_TIER": config.llm_chat_tier,  # summarization jobs
                         "JOBS_QUEUE_URL": self.jobs_queue.queue_url},
            memory_mib=1024, timeout=ENRICH_TIMEOUT,
        )  # fmt: skip
        self.importer = NudgeFunction(
            self, "ImportFunction", placement=placement, code=function_code("import_upload"),
            service="import_upload", description="Telegram uploads: store, count, queue enrichment",
            environment={
                **data.database_environment(),
                "JOBS_QUEUE_URL": self.jobs_queue.queue_url,
                "UPLOAD_BUCKET_NAME": self.upload_bucket.bucket_name,
                "TELEGRAM_BOT_TOKEN_SECRET_ARN": data.bot_token_secret.secret_arn,
                "TELEGRAM_ALLOWED_USER_IDS": config.telegram_allowed_user_ids,
            },
            memory_mib=2048, timeout=IMPORT_TIMEOUT,
        )  # fmt: skip
        for fn, queue in ((self.enrich, self.jobs_queue), (self.importer, self.import_queue)):
            fn.function.add_event_source(sources.SqsEventSource(
                queue, batch_size=1, report_batch_item_failures=True, max_concurrency=2))
            data.db_secret.grant_read(fn.function)
            self.jobs_queue.grant_send_messages(fn.function)  # more enrichment, as a new job
        data.bot_token_secret.grant_read(self.importer.function)
        self.upload_bucket.grant_read(self.importer.function)
        self.upload_bucket.grant_delete(self.importer.function)
        NagSuppressions.add_resource_suppressions(self.importer.function, [
            {"id": "AwsSolutions-IAM5", "reason": "Reads and deletes any upload: object keys "
             "are made per upload (uploads/<user>/<uuid>/<file>).",
             "appliesTo": [{"regex": "/^Action::s3:(GetObject|GetBucket|List|DeleteObject).*$/"},
                           {"regex": "/^Resource::<UploadBucket[0-9A-F]+\\.Arn>/\\*$/"}]},
        ], apply_to_children=True)  # fmt: skip
        CfnOutput(self, "UploadBucketName", value=self.upload_bucket.bucket_name)

    def _queue(self, name: str, timeout: Duration, *, max_receives: int) -> tuple[sqs.Queue, sqs.Queue]:
        dead = sqs.Queue(
            self, f"{name}DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            retention_period=Duration.days(14), removal_policy=self.config.removal_policy,
        )  # fmt: skip
        NagSuppressions.add_resource_suppressions(dead, [
            {"id": "AwsSolutions-SQS3", "reason": "This queue is the dead-letter queue."}])
        queue = sqs.Queue(
            self, f"{name}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            visibility_timeout=Duration.seconds(timeout.to_seconds() * 6),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead, max_receive_count=max_receives),
            removal_policy=self.config.removal_policy,
        )  # fmt: skip
        return queue, dead
