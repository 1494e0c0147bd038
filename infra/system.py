"""The whole system for one environment: seven stacks (eight with the GitHub CI/CD roles), their
order, tags and nag checks."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, Stack, Tags

from infra.api_stack import ApiStack
from infra.config import EnvConfig, load_config
from infra.data_stack import DataStack
from infra.github_stack import GitHubStack
from infra.llm_stack import LlmStack
from infra.monitoring_stack import MonitoringStack
from infra.nag import add_checks
from infra.network_stack import NetworkStack
from infra.pipeline_stack import PipelineStack
from infra.schedule_stack import ScheduleStack


@dataclass(frozen=True, slots=True)
class NudgeSystem:
    config: EnvConfig
    network: NetworkStack
    data: DataStack
    llm: LlmStack
    pipeline: PipelineStack
    api: ApiStack
    schedules: ScheduleStack
    monitoring: MonitoringStack
    github: GitHubStack | None = None  # only with github_repository set (CI/CD roles)

    @property
    def stacks(self) -> list[Stack]:
        found = [self.network, self.data, self.llm, self.pipeline, self.api, self.schedules,
                 self.monitoring]
        return found + ([self.github] if self.github is not None else [])


def build(app: App, *, nag: bool = True) -> NudgeSystem:
    """Add the stacks of `-c env=<name>` to `app`; env-agnostic unless account/region are given."""
    config = load_config(app.node)
    env = Environment(account=config.account, region=config.region)
    prefix = config.prefix

    def props(what: str) -> dict:
        return {"env": env, "config": config, "description": f"Nudge ({config.name}): {what}"}

    network = NetworkStack(app, f"{prefix}-Network", **props("VPC, endpoints, security groups"))
    data = DataStack(app, f"{prefix}-Data", network=network,
                     **props("Postgres, DynamoDB, secrets, model bucket, image repository"))
    llm = LlmStack(app, f"{prefix}-Llm", network=network, data=data,
                   **props("llm_service on ECS Fargate behind an internal load balancer"))
    pipeline = PipelineStack(app, f"{prefix}-Pipeline", network=network, data=data, llm=llm,
                             **props("job and import queues, enrich and import functions, uploads"))
    api = ApiStack(app, f"{prefix}-Api", network=network, data=data, llm=llm, pipeline=pipeline,
                   **props("HTTP API: ingest, lock, Telegram webhook"))
    schedules = ScheduleStack(app, f"{prefix}-Schedules", network=network, data=data, llm=llm,
                              **props("digest and reminder schedules"))
    monitoring = MonitoringStack(app, f"{prefix}-Monitoring", data=data, llm=llm, api=api,
                                 schedules=schedules, pipeline=pipeline,
                                 **props("dashboard, alarms, SNS topic"))
    github = GitHubStack(app, f"{prefix}-GitHub", ingest_token_secret=data.ingest_token_secret,
                         **props("GitHub Actions OIDC roles for diff, deploy and the collector")) \
        if config.github_repository else None
    Tags.of(app).add("project", "nudge")
    Tags.of(app).add("environment", config.name)
    if nag:
        add_checks(app)
    return NudgeSystem(config, network, data, llm, pipeline, api, schedules, monitoring, github)
