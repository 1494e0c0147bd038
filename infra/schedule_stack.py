"""EventBridge Scheduler: the daily digest at the user's local time, reminders every 15 minutes.

Two failure paths end in the same dead-letter queue: the scheduler's own delivery retries
(target unreachable, throttled) and the Lambda's asynchronous retries (the function raised).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.bundling import function_code
from infra.config import EnvConfig
from infra.data_stack import DataStack
from infra.lambda_function import LambdaPlacement, NudgeFunction
from infra.llm_stack import LlmStack
from infra.network_stack import NetworkStack


class ScheduleStack(Stack):
    """The summarize and remind functions, their schedules and the dead-letter queue."""

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
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=config.removal_policy,
        )
        NagSuppressions.add_resource_suppressions(self.dead_letter_queue, [
            {"id": "AwsSolutions-SQS3", "reason": "This queue is the dead-letter queue."}
        ])  # fmt: skip

        placement = LambdaPlacement.create(self, config, network.vpc, network.lambda_sg)
        assert data.db_secret is not None
        common = {
            **data.database_environment(),
            "LLM_BASE_URL": llm.base_url,
            "LLM_CHAT_TIER": config.llm_chat_tier,
            "TELEGRAM_BOT_TOKEN_SECRET_ARN": data.bot_token_secret.secret_arn,
            "TELEGRAM_ALLOWED_USER_IDS": config.telegram_allowed_user_ids,
        }
        self.summarize = NudgeFunction(
            self, "SummarizeFunction", placement=placement, code=function_code("summarize"),
            service="summarize", description="Daily digest, sent to Telegram",
            environment=common, memory_mib=512, timeout=Duration.minutes(10),
        )  # fmt: skip
        self.remind = NudgeFunction(
            self, "RemindFunction", placement=placement, code=function_code("remind"),
            service="remind", description="Due reminders, sent to Telegram",
            environment=common, memory_mib=512, timeout=Duration.minutes(2),
        )  # fmt: skip
        for fn in (self.summarize, self.remind):
            data.db_secret.grant_read(fn.function)
            data.bot_token_secret.grant_read(fn.function)
            fn.function.configure_async_invoke(
                retry_attempts=1,
                max_event_age=Duration.hours(1),
                on_failure=destinations.SqsDestination(self.dead_letter_queue),
            )

        # Every 15 minutes in the user's zone: the function sends yesterday's digest once the user's
        # own digest time (set from Telegram, stored in Postgres) has passed, once per day.
        self.digest_schedule = self._schedule(
            "DigestSchedule",
            scheduler.ScheduleExpression.cron(minute="0/15", time_zone=TimeZone.of(config.timezone)),
            self.summarize,
            config,
            "Daily digest at the user's local time (checked every 15 minutes)",
            max_age=Duration.hours(2),
        )
        self.reminder_schedule = self._schedule(
            "ReminderSchedule",
            scheduler.ScheduleExpression.rate(Duration.minutes(config.reminder_every_minutes)),
            self.remind,
            config,
            "Reminders for messages that still need a reply",
            max_age=Duration.minutes(config.reminder_every_minutes),
        )
        NagSuppressions.add_stack_suppressions(self, [
            {"id": "AwsSolutions-IAM5", "reason": "The scheduler's target roles may invoke the "
             "function and its versions (<function arn>:*), as CDK's LambdaInvoke grants.",
             "appliesTo": [{"regex": "/^Resource::<(Summarize|Remind)Function[0-9A-F]+\\.Arn>:\\*$/"}]},
        ])  # fmt: skip

    def _schedule(
        self,
        construct_id: str,
        expression: scheduler.ScheduleExpression,
        fn: NudgeFunction,
        config: EnvConfig,
        description: str,
        *,
        max_age: Duration,
    ) -> scheduler.Schedule:
        target = targets.LambdaInvoke(
            fn.function,
            # A retried invocation carries the same time, which makes the functions idempotent.
            input=scheduler.ScheduleTargetInput.from_object(
                {"scheduled_time": scheduler.ContextAttribute.scheduled_time}
            ),
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=config.schedule_retry_attempts,
            max_event_age=max_age,
        )
        return scheduler.Schedule(
            self,
            construct_id,
            schedule=expression,
            target=target,
            description=f"Nudge {config.name}: {description}",
            time_window=scheduler.TimeWindow.off(),
        )
