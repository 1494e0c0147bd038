"""One dashboard and the alarms that mean "the digest will not arrive" or "the bot is down".

Alarms go to an SNS topic (email subscription when `alarm_email` is set). The dashboard shows the
functions' Powertools metrics (namespace Nudge, any metric name, by service) with a SEARCH
expression, so a new metric shows up without touching this stack.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.api_stack import ApiStack
from infra.config import EnvConfig
from infra.data_stack import DataStack
from infra.lambda_function import METRICS_NAMESPACE, NudgeFunction
from infra.llm_stack import LlmStack
from infra.pipeline_stack import PipelineStack
from infra.schedule_stack import ScheduleStack

FIVE_MINUTES = Duration.minutes(5)


class MonitoringStack(Stack):
    """Dashboard, alarms and the SNS topic they notify."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvConfig,
        data: DataStack,
        llm: LlmStack,
        api: ApiStack,
        schedules: ScheduleStack,
        pipeline: PipelineStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic = sns.Topic(self, "AlarmTopic", display_name=f"Nudge {config.name} alarms",
                               enforce_ssl=True)  # fmt: skip
        NagSuppressions.add_resource_suppressions(self.topic, [
            {"id": "AwsSolutions-SNS2", "reason": "Alarm notifications carry no user data; "
             "CloudWatch cannot publish to a topic encrypted with the AWS managed key, and a "
             "customer key costs more than this topic protects."}])  # fmt: skip
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        functions = {
            "ingest": api.ingest, "lock": api.lock, "telegram": api.webhook, "api": api.api_function,
            "summarize": schedules.summarize, "remind": schedules.remind,
            "enrich": pipeline.enrich, "import": pipeline.importer,
        }  # fmt: skip
        for name, fn in functions.items():
            self._function_alarms(name, fn)
        self._api_alarms(api)
        self._alarm(
            "DeadLetterQueueNotEmpty",
            schedules.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=FIVE_MINUTES, statistic="Maximum"
            ),
            threshold=1,
            description="A scheduled digest or reminder failed after all retries",
        )
        self._pipeline_alarms(pipeline)
        self._llm_alarms(llm)
        self._database_alarms(data)
        self._dashboard(config, functions, api, schedules, pipeline, llm, data)

    # --- alarms ---------------------------------------------------------------------------
    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        periods: int = 1,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=missing,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _function_alarms(self, name: str, fn: NudgeFunction) -> None:
        title = name.capitalize()
        self._alarm(
            f"{title}Errors",
            fn.function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"The {name} function raised errors",
        )
        self._alarm(
            f"{title}Throttles",
            fn.function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"The {name} function was throttled",
        )

    def _api_alarms(self, api: ApiStack) -> None:
        self._alarm(
            "Api5xx",
            api.api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description="The HTTP API answered 5xx",
        )

    def _pipeline_alarms(self, pipeline: PipelineStack) -> None:
        """A job parked in a dead-letter queue, or jobs waiting too long (workers failing or
        too slow: imports not answered, messages not searchable)."""
        for name, dead in (("Jobs", pipeline.jobs_dlq), ("Imports", pipeline.import_dlq)):
            self._alarm(
                f"{name}DeadLetterQueueNotEmpty",
                dead.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"),
                threshold=1,
                description=f"A queued {name.lower()} job failed after all retries",
            )  # fmt: skip
        for name, queue, limit in (("Jobs", pipeline.jobs_queue, Duration.hours(1)),
                                   ("Imports", pipeline.import_queue, Duration.minutes(30))):
            self._alarm(
                f"{name}QueueOldestMessageAge",
                queue.metric_approximate_age_of_oldest_message(
                    period=FIVE_MINUTES, statistic="Maximum"),
                threshold=limit.to_seconds(),
                description=f"A {name.lower()} job has waited longer than "
                            f"{limit.to_human_string()}",
            )  # fmt: skip

    def _llm_alarms(self, llm: LlmStack) -> None:
        target_group = llm.target_group.metrics
        self._alarm(
            "LlmUnhealthyHosts",
            target_group.unhealthy_host_count(period=Duration.minutes(1), statistic="Maximum"),
            threshold=1,
            periods=5,
            description="An LLM service task fails its /health check",
        )
        self._alarm(
            "LlmNoHealthyHost",
            target_group.healthy_host_count(period=Duration.minutes(1), statistic="Minimum"),
            threshold=1,
            periods=5,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description="No healthy LLM service task: digests fall back to plain text",
        )
        running = cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={
                "ClusterName": llm.cluster.cluster_name,
                "ServiceName": llm.service.service_name,
            },
            period=Duration.minutes(1),
            statistic="Minimum",
        )
        self._alarm(
            "LlmNoRunningTask",
            running,
            threshold=1,
            periods=5,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description="The LLM service has no running task",
        )

    def _database_alarms(self, data: DataStack) -> None:
        self._alarm(
            "DatabaseLowStorage",
            data.database.metric_free_storage_space(period=FIVE_MINUTES, statistic="Minimum"),
            threshold=2 * 1024**3,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            description="Less than 2 GiB free on the database (autoscaling storage is capped)",
        )
        self._alarm(
            "DatabaseHighCpu",
            data.database.metric_cpu_utilization(period=FIVE_MINUTES, statistic="Average"),
            threshold=90,
            periods=3,
            description="Database CPU above 90% for 15 minutes (burstable credits run out)",
        )

    # --- dashboard ------------------------------------------------------------------------
    def _dashboard(
        self,
        config: EnvConfig,
        functions: dict[str, NudgeFunction],
        api: ApiStack,
        schedules: ScheduleStack,
        pipeline: PipelineStack,
        llm: LlmStack,
        data: DataStack,
    ) -> None:
        fns = {name: fn.function for name, fn in functions.items()}

        def per_function(
            label: str, metric_of: Callable[[_lambda.IFunction], cloudwatch.IMetric]
        ) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(
                title=label, width=8,
                left=[metric_of(fn).with_(label=name) for name, fn in fns.items()],
            )  # fmt: skip

        powertools = cloudwatch.MathExpression(
            expression=(
                f"SEARCH('{{{METRICS_NAMESPACE},service}} Namespace=\"{METRICS_NAMESPACE}\"', "
                "'Sum', 300)"
            ),
            using_metrics={},
            label="",
            period=FIVE_MINUTES,
        )
        tg = llm.target_group.metrics
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{config.prefix}", default_interval=Duration.days(1)
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# Nudge {config.name}\nPowertools metrics (namespace "
                f"`{METRICS_NAMESPACE}`), functions, API, schedules, LLM service, database.",
                width=24, height=2,
            ),
            cloudwatch.GraphWidget(title="Powertools metrics by service", left=[powertools],
                                   width=24),
            per_function("Invocations", lambda f: f.metric_invocations(statistic="Sum")),
            per_function("Errors", lambda f: f.metric_errors(statistic="Sum")),
            per_function("Duration p95", lambda f: f.metric_duration(statistic="p95")),
            cloudwatch.GraphWidget(title="HTTP API", width=8, left=[
                api.api.metric_count(statistic="Sum"),
                api.api.metric_client_error(statistic="Sum"),
                api.api.metric_server_error(statistic="Sum"),
            ], right=[api.api.metric_latency(statistic="p95")]),
            cloudwatch.GraphWidget(title="Dead-letter queues", width=8, left=[
                schedules.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    label="schedules"),
                pipeline.jobs_dlq.metric_approximate_number_of_messages_visible(label="jobs"),
                pipeline.import_dlq.metric_approximate_number_of_messages_visible(label="imports"),
            ]),
            cloudwatch.GraphWidget(title="Queues: oldest job (s)", width=8, left=[
                pipeline.jobs_queue.metric_approximate_age_of_oldest_message(label="jobs"),
                pipeline.import_queue.metric_approximate_age_of_oldest_message(label="imports"),
            ]),
            cloudwatch.GraphWidget(title="LLM service", width=8, left=[
                tg.healthy_host_count(), tg.unhealthy_host_count(),
            ], right=[tg.target_response_time(statistic="p95")]),
            cloudwatch.GraphWidget(title="LLM CPU / memory %", width=12, left=[
                llm.service.metric_cpu_utilization(), llm.service.metric_memory_utilization(),
            ]),
            cloudwatch.GraphWidget(title="Database", width=12, left=[
                data.database.metric_cpu_utilization(),
            ], right=[data.database.metric_database_connections()]),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )  # fmt: skip
