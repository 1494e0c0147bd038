"""The HTTP API's request and response bodies, as pydantic models: they validate requests and
write the OpenAPI document (docs/openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_ID = 2**63 - 1  # ids are Postgres bigints


def storable(value: str) -> str:
    """Text Postgres can store: no NUL character, valid UTF-8 (no lone surrogates)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Text = Annotated[str, AfterValidator(storable)]
Name = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(storable),
                 AfterValidator(nonblank)]
ReplyText = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(storable),
                      AfterValidator(nonblank)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Error(BaseModel):
    """Every answer other than 2xx (CONTRACTS.md); some add fields (the lock's holder, a job's
    status)."""

    model_config = ConfigDict(extra="allow")
    error: str


class Message(BaseModel):
    id: int
    chat: str
    sender: str | None
    from_me: bool
    sent_at: str = Field(description="wall-clock time as in the chat, YYYY-MM-DDTHH:MM:SS")
    kind: str
    text: str
    sentiment: float | None = Field(description="-1..1, null until the message is enriched")
    critical: bool
    score: float | None = Field(description="search relevance (with q), else null")


class MessagePage(BaseModel):
    messages: list[Message]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last page")


class ImportResult(BaseModel):
    chat: str
    inserted: int
    duplicates: int
    skipped: int


class SummarizationStart(BaseModel):
    """One day (`date`) or a range (`since`, optional `until`, at most 31 days); `chats` limits the
    digest to those chats (names as everywhere: exact, prefix or part, ignoring case)."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    chats: list[Name] | None = Field(default=None, max_length=50)


class Job(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    since: str
    until: str
    chats: list[str] | None
    error: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class DigestItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    sender: str
    sent_at: str
    text: str


class ChatDigest(BaseModel):
    model_config = ConfigDict(extra="allow")
    chat: str
    messages: int
    summary: str
    gist: str
    by: Literal["extractive", "llm"]
    key_points: list[DigestItem]
    plans: list[dict[str, Any]]
    tone: str
    turned_negative: bool
    topics: list[str]
    needs_reply: list[DigestItem]
    important: list[DigestItem]


class Digest(BaseModel):
    date: str
    llm: Literal["ok", "unavailable"]
    chats: list[ChatDigest]


class SummarizationResult(BaseModel):
    id: int
    status: Literal["done"]
    since: str
    until: str
    chats: list[str] | None
    digests: list[Digest] = Field(description="one digest per day, oldest first")


class GenerateReplies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chat: Name
    n: int = Field(default=3, ge=1, le=6)


class Reply(BaseModel):
    id: int
    text: str
    from_: Literal["yours", "llm", "template"] = Field(alias="from")


class Suggestions(BaseModel):
    chat: str
    replying_to: list[DigestItem]
    replies: list[Reply]
    language: str
    act: str
    message: str


class ApproveReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id


class UpdateReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id
    text: ReplyText


class Approved(BaseModel):
    id: int
    text: str
    approved: bool


class CustomReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chat: Name
    text: ReplyText


class OutgoingReply(BaseModel):
    id: int
    chat: str
    text: str
    source: Literal["custom", "approved", "edited"]
    status: str
    created_at: str


class LastDigest(BaseModel):
    day: str
    sent_at: str | None


class SystemStatus(BaseModel):
    status: Literal["ok", "failing"]
    failing: list[str] = Field(description="the parts that fail: database, llm, queue")
    checks: dict[str, dict[str, Any]]
    last_import_at: str | None
    last_digest: LastDigest | None
    last_reminder_at: str | None
