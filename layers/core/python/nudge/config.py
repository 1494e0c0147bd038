"""Settings read from the environment once, in one place (every variable is in the README)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nudge.aws.secrets import resolve_secrets
from nudge.errors import InputError


def _default_data_dir() -> Path:
    return Path(os.environ.get("NUDGE_DATA_DIR") or Path.home() / ".local" / "share" / "nudge")


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str | None
    me: str | None
    timezone: str
    digest_time: str  # HH:MM, the first user's digest time until they change it from Telegram
    llm_base_url: str | None
    llm_chat_model: str | None
    llm_embed_model: str | None
    ingest_api_token: str | None
    telegram_bot_token: str | None
    telegram_webhook_secret: str | None
    telegram_allowed_user_ids: frozenset[int]
    telegram_api_base_url: str
    lock_table_name: str
    dedup_table_name: str
    aws_endpoint_url: str | None
    user_id: int = 1  # the profile the CLI and the ingest token act for (NUDGE_USER)
    telegram_owner_id: int | None = None  # the first TELEGRAM_ALLOWED_USER_IDS: owns that profile
    llm_chat_tier: str | None = None  # "tiny" | "capable"; None: told by the chat model's size
    jobs_queue_url: str | None = None  # SQS queue of background jobs (enrichment, ...)
    import_queue_url: str | None = None  # SQS queue of upload imports (long jobs)
    upload_bucket: str | None = None  # S3 bucket holding uploads until they are imported
    llm_speech_model: str | None = None  # a CTranslate2 Whisper folder; None: Whisper base
    voice_max_seconds: float = 600.0  # longer voice notes are refused ("could not transcribe")
    keep_audio: bool = False  # keep voice-note audio after transcription (NUDGE_KEEP_AUDIO)

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"unknown time zone {self.timezone!r} (NUDGE_TIMEZONE)") from exc

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"


def _user_ids(raw: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in raw.replace(";", ",").split(",") if part.strip())
    except ValueError as exc:
        raise InputError(f"TELEGRAM_ALLOWED_USER_IDS must be numbers, got {raw!r}") from exc


def _digest_time(raw: str) -> str:
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", raw):
        raise InputError(f"NUDGE_DIGEST_TIME must be HH:MM, got {raw!r}")
    return raw


def load_settings(env: dict[str, str] | None = None, *, data_dir: Path | None = None) -> Settings:
    """Settings from `env` (default: the process environment); `data_dir` overrides NUDGE_DATA_DIR."""
    env = resolve_secrets(dict(os.environ if env is None else env))
    get = lambda name: env.get(name) or None  # noqa: E731 - empty means unset
    return Settings(
        data_dir=Path(data_dir or get("NUDGE_DATA_DIR") or _default_data_dir()).expanduser(),
        database_url=get("DATABASE_URL"),
        me=get("NUDGE_ME"),
        timezone=get("NUDGE_TIMEZONE") or "UTC",
        digest_time=_digest_time(get("NUDGE_DIGEST_TIME") or "08:00"),
        llm_base_url=get("LLM_BASE_URL"),
        llm_chat_model=get("LLM_CHAT_MODEL"),
        llm_embed_model=get("LLM_EMBED_MODEL"),
        ingest_api_token=get("INGEST_API_TOKEN"),
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
        telegram_allowed_user_ids=_user_ids(env.get("TELEGRAM_ALLOWED_USER_IDS", "")),
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org",
        lock_table_name=get("LOCK_TABLE_NAME") or "nudge-locks",
        dedup_table_name=get("DEDUP_TABLE_NAME") or "nudge-telegram-updates",
        aws_endpoint_url=get("AWS_ENDPOINT_URL"),
        user_id=_positive(get("NUDGE_USER") or "1", "NUDGE_USER"),
        telegram_owner_id=_first_id(env.get("TELEGRAM_ALLOWED_USER_IDS", "")),
        llm_chat_tier=_tier(get("LLM_CHAT_TIER")),
        jobs_queue_url=get("JOBS_QUEUE_URL"),
        import_queue_url=get("IMPORT_QUEUE_URL"),
        upload_bucket=get("UPLOAD_BUCKET_NAME"),
        llm_speech_model=get("LLM_SPEECH_MODEL"),
        voice_max_seconds=_seconds(get("NUDGE_VOICE_MAX_SECONDS") or "600",
                                   "NUDGE_VOICE_MAX_SECONDS"),
        keep_audio=(get("NUDGE_KEEP_AUDIO") or "").lower() in ("1", "true", "yes", "on"),
    )


def _first_id(raw: str) -> int | None:
    first = raw.replace(";", ",").split(",")[0].strip()
    return int(first) if first.lstrip("-").isdigit() else None


def _positive(raw: str, name: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(f"{name} must be a positive number, got {raw!r}")
    return int(raw)


def _seconds(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise InputError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _tier(raw: str | None) -> str | None:
    if raw is not None and raw not in ("tiny", "capable"):
        raise InputError(f"LLM_CHAT_TIER must be tiny or capable, got {raw!r}")
    return raw
