"""Per-environment settings, read once from CDK context so stacks never read context themselves.

cdk.json holds one block per environment under the context key "environments"; any single value can
be overridden on the command line (`-c timezone=Europe/Berlin`, `-c alarm_email=me@example.com`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

REPO_ROOT = Path(__file__).resolve().parent.parent

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


@dataclass(frozen=True, slots=True)
class EnvConfig:
    """Everything that differs between dev and prod (sizes, retention, schedule, contacts)."""

    name: str
    account: str | None
    region: str | None
    # network
    max_azs: int
    nat_gateways: int
    endpoint_azs: int
    # database
    db_instance_type: str
    db_allocated_storage_gib: int
    db_max_allocated_storage_gib: int
    db_multi_az: bool
    db_backup_retention_days: int
    # LLM service (Fargate)
    llm_cpu: int
    llm_memory_mib: int
    llm_ephemeral_storage_gib: int
    llm_desired_count: int
    llm_use_spot: bool
    llm_container_port: int
    llm_image_tag: str
    llm_image_from_asset: bool
    chat_model_key: str
    llm_chat_tier: str  # "tiny" | "capable": may the chat model write the digest's gist (LLM_CHAT_TIER)
    embed_model_key: str
    speech_model_prefix: str  # a CTranslate2 Whisper folder in the model bucket; "": no voice notes
    # API
    api_throttle_rate: int
    api_throttle_burst: int
    # schedules
    timezone: str
    digest_time: str
    reminder_every_minutes: int
    schedule_retry_attempts: int
    # operations
    log_retention_days: int
    alarm_email: str | None
    telegram_allowed_user_ids: str
    # CI/CD: "owner/name" of the GitHub repository whose workflows may deploy (empty: no GitHub
    # stack), and an existing GitHub OIDC provider of the account (None: the stack creates it)
    github_repository: str
    github_oidc_provider_arn: str | None
    skip_bundling: bool

    @property
    def prefix(self) -> str:
        """Stack and resource name prefix, e.g. "Nudge-dev"."""
        return f"Nudge-{self.name}"

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Keep data when a prod stack is deleted; let dev clean up after itself."""
        return RemovalPolicy.RETAIN if self.is_prod else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _retention(self.log_retention_days)

    @property
    def backup_retention(self) -> Duration:
        return Duration.days(self.db_backup_retention_days)

    @property
    def digest_hour_minute(self) -> tuple[int, int]:
        match = _TIME.match(self.digest_time)
        if not match:
            raise ValueError(f"digest_time must be HH:MM, got {self.digest_time!r}")
        return int(match.group(1)), int(match.group(2))


def _retention(days: int) -> logs.RetentionDays:
    by_days = {
        1: logs.RetentionDays.ONE_DAY,
        3: logs.RetentionDays.THREE_DAYS,
        5: logs.RetentionDays.FIVE_DAYS,
        7: logs.RetentionDays.ONE_WEEK,
        14: logs.RetentionDays.TWO_WEEKS,
        30: logs.RetentionDays.ONE_MONTH,
        60: logs.RetentionDays.TWO_MONTHS,
        90: logs.RetentionDays.THREE_MONTHS,
        180: logs.RetentionDays.SIX_MONTHS,
        365: logs.RetentionDays.ONE_YEAR,
    }
    if days not in by_days:
        raise ValueError(f"log_retention_days must be one of {sorted(by_days)}, got {days}")
    return by_days[days]


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _coerce(kind: Any, value: Any) -> Any:
    """Context from `-c key=value` arrives as a string; cdk.json gives JSON types."""
    if value is None:
        return None
    text = str(kind)
    if "bool" in text:
        return _as_bool(value)
    if "int" in text:
        return int(value)
    return str(value) if value != "" else None if "None" in text else ""


def load_config(node: Node) -> EnvConfig:
    """EnvConfig for `-c env=<name>` (default dev): cdk.json block, then single-key overrides."""
    name = str(node.try_get_context("env") or "dev")
    environments = node.try_get_context("environments") or {}
    if name not in environments:
        raise ValueError(f"unknown environment {name!r}; cdk.json defines {sorted(environments)}")
    values: dict[str, Any] = {"name": name, **environments[name]}
    for field in fields(EnvConfig):
        override = node.try_get_context(field.name)
        if override is not None and field.name != "name":
            values[field.name] = override
    missing = [f.name for f in fields(EnvConfig) if f.name not in values]
    for key in missing:
        if key in {"account", "region", "alarm_email", "github_oidc_provider_arn"}:
            values[key] = None
        elif key == "skip_bundling":
            values[key] = False
        elif key == "github_repository":
            values[key] = ""
        else:
            raise ValueError(f"environment {name!r} lacks setting {key!r} in cdk.json")
    unknown = set(values) - {f.name for f in fields(EnvConfig)}
    if unknown:
        raise ValueError(f"environment {name!r} has unknown settings {sorted(unknown)}")
    config = EnvConfig(**{f.name: _coerce(f.type, values[f.name]) for f in fields(EnvConfig)})
    config.digest_hour_minute  # noqa: B018 - validate early, with a clear message
    if config.github_repository and not _REPOSITORY.match(config.github_repository):
        raise ValueError(f"github_repository must be owner/name, got {config.github_repository!r}")
    return config
