"""A lease lock with fencing tokens, kept in one DynamoDB item per lock name.

Why a conditional write and not a lock server: a Lambda cannot heartbeat, so the lease is explicit
(`ttl_seconds`, 1..3600) and the caller renews it. Modelled on Amazon's DynamoDB Lock Client
(owner-only release, a record version) and Powertools idempotency's condition expression.

Item layout (partition key `pk`, string = the lock name):
    token       the current holder's secret (absent once released)
    holder      the owner name given on acquire (absent once released)
    fence       grows by 1 on every successful acquire; never reset by release
    expires_at  lease end, epoch milliseconds (0 once released)
    ttl         epoch seconds, well after the lease, for DynamoDB TTL to sweep dead locks; far
                enough out (FENCE_GRACE) that no stale writer can still be around when the fence
                counter disappears with the item.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nudge.errors import InputError, NudgeError

DEFAULT_LOCK_NAME = "collector"
MIN_TTL_SECONDS = 1
MAX_TTL_SECONDS = 3600
FENCE_GRACE = timedelta(days=7)
MAX_NAME_CHARS = 200

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`, the form every lock answer uses."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_millis(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


@dataclass(frozen=True, slots=True)
class Lease:
    """What a successful acquire hands the caller; `token` proves ownership later."""

    name: str
    owner: str
    token: str
    fence: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LockState:
    """The stored state of one lock, as read (holder/token None once released)."""

    name: str
    holder: str | None
    token: str | None
    fence: int
    expires_at: datetime


class LockTaken(NudgeError):
    """Someone else holds a live lease (HTTP 409)."""

    def __init__(self, name: str, holder: str | None, expires_at: datetime) -> None:
        super().__init__(f"lock {name!r} is held by {holder!r} until {iso_utc(expires_at)}")
        self.name = name
        self.holder = holder
        self.expires_at = expires_at


class LockLost(NudgeError):
    """The token is not (or no longer) the holder's: renew/release refused (HTTP 409)."""


def validate_ttl(value: object, field: str = "ttl_seconds") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{field}: must be an integer {MIN_TTL_SECONDS}..{MAX_TTL_SECONDS}")
    if not MIN_TTL_SECONDS <= value <= MAX_TTL_SECONDS:
        raise InputError(f"{field}: must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}")
    return value


def validate_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field}: must be a non-empty string")
    if len(value) > MAX_NAME_CHARS:
        raise InputError(f"{field}: longer than {MAX_NAME_CHARS} characters")
    return value


_NAMES = {
    "#pk": "pk", "#token": "token", "#holder": "holder", "#fence": "fence",
    "#exp": "expires_at", "#ttl": "ttl",
}


def _names_used(*expressions: str) -> dict[str, str]:
    """DynamoDB rejects unused placeholders, so pass only the ones these expressions mention."""
    text = " ".join(expressions)
    return {k: v for k, v in _NAMES.items() if k in text}


class DynamoLockStore:
    """The lock on a DynamoDB table (boto3 low-level client); `clock` is injectable for tests."""

    def __init__(self, client: Any, table_name: str, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def acquire(self, name: str, owner: str, ttl_seconds: int) -> Lease:
        """Take the lock if free or expired, bumping the fence in the same conditional write."""
        name, owner = validate_name(name, "name"), validate_name(owner, "owner")
        ttl_seconds = validate_ttl(ttl_seconds)
        now = self._clock()
        expires = now + timedelta(seconds=ttl_seconds)
        token = secrets.token_urlsafe(24)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": name}},
                UpdateExpression=(
                    "SET #token = :token, #holder = :owner, #exp = :exp, #ttl = :ttl "
                    "ADD #fence :one"
                ),
                ConditionExpression="attribute_not_exists(#pk) OR #exp < :now",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":token": {"S": token},
                    ":owner": {"S": owner},
                    ":exp": {"N": str(_millis(expires))},
                    ":ttl": {"N": str(int((expires + FENCE_GRACE).timestamp()))},
                    ":one": {"N": "1"},
                    ":now": {"N": str(_millis(now))},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            old = exc.response.get("Item") or self._get_item(name) or {}
            raise LockTaken(
                name, old.get("holder", {}).get("S"), _from_millis(old.get("expires_at", {"N": 0})["N"])
            ) from None
        fence = int(answer["Attributes"]["fence"]["N"])
        return Lease(name=name, owner=owner, token=token, fence=fence, expires_at=expires)

    def renew(self, name: str, token: str, ttl_seconds: int) -> datetime:
        """Extend the lease from now; only the token's holder may (a lapsed lease nobody took
        again is still theirs: the fence has not moved, so nothing was lost)."""
        ttl_seconds = validate_ttl(ttl_seconds)
        expires = self._clock() + timedelta(seconds=ttl_seconds)
        self._owner_update(
            name, token, "SET #exp = :exp, #ttl = :ttl",
            {
                ":exp": {"N": str(_millis(expires))},
                ":ttl": {"N": str(int((expires + FENCE_GRACE).timestamp()))},
            },
        )
        return expires

    def release(self, name: str, token: str) -> None:
        """Free the lock but keep the item (and so the fence counter) until TTL sweeps it."""
        sweep = self._clock() + FENCE_GRACE
        self._owner_update(
            name, token, "REMOVE #token, #holder SET #exp = :zero, #ttl = :ttl",
            {":zero": {"N": "0"}, ":ttl": {"N": str(int(sweep.timestamp()))}},
        )

    def state(self, name: str) -> LockState | None:
        """The lock as stored now (consistent read), or None if it never existed / was swept."""
        item = self._get_item(name)
        if item is None:
            return None
        return LockState(
            name=name,
            holder=item.get("holder", {}).get("S"),
            token=item.get("token", {}).get("S"),
            fence=int(item.get("fence", {"N": "0"})["N"]),
            expires_at=_from_millis(item.get("expires_at", {"N": "0"})["N"]),
        )

    def _owner_update(self, name: str, token: str, expression: str, values: dict) -> None:
        if not isinstance(token, str) or not token:
            raise InputError("token: must be a non-empty string")
        validate_name(name, "name")
        condition = "attribute_exists(#pk) AND #token = :t"
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": name}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names_used(expression, condition),
                ExpressionAttributeValues={**values, ":t": {"S": token}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            raise LockLost(f"lock {name!r} is not held with this token") from None

    def _get_item(self, name: str) -> dict | None:
        answer = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": name}}, ConsistentRead=True
        )
        return answer.get("Item")


def create_lock_table(client: Any, table_name: str) -> None:
    """Create the lock table as the CDK stack does (pk string key, TTL on `ttl`); for local runs."""
    try:
        client.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except client.exceptions.ResourceInUseException:
        return
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
    )


def dynamodb_client(endpoint_url: str | None = None) -> Any:
    """A boto3 DynamoDB client; boto3 is imported here so callers that never lock never pay for it."""
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client("dynamodb", endpoint_url=endpoint_url or None, region_name=region)


class StaleFence(NudgeError):
    """A write carries a fence/token that is not the lock's current one (HTTP 409)."""


def check_fence(state: LockState | None, *, name: str, token: str, fence: int) -> None:
    """Refuse a write unless (token, fence) is the lock's latest grant.

    Older fence → stale writer (someone acquired since). A fence never issued, or the right fence
    with another token (released, or forged) → refused too. A lapsed lease that nobody took since
    is accepted: no newer fence exists, so the write cannot overtake a newer holder's.
    """
    import hmac

    if state is None:
        raise StaleFence(f"lock {name!r} does not exist; acquire it before writing with a fence")
    if fence < state.fence:
        raise StaleFence(f"stale fence {fence}: lock {name!r} is at fence {state.fence}")
    if fence > state.fence:
        raise StaleFence(f"fence {fence} was never issued by lock {name!r} (at {state.fence})")
    if state.token is None or not hmac.compare_digest(state.token.encode(), token.encode()):
        raise StaleFence(f"token is not the current holder's of lock {name!r} "
                         "(released or taken over)")
