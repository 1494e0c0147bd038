"""Every lock transition against moto's DynamoDB, with a clock we move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from nudge.aws.lock import (  # noqa: E402
    FENCE_GRACE,
    DynamoLockStore,
    LockLost,
    LockTaken,
    create_lock_table,
)
from nudge.errors import InputError  # noqa: E402

TABLE = "locks-test"


class FakeClock:
    """A clock the test moves, so expiry is tested without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_lock_table(client, TABLE)
        yield client


@pytest.fixture
def store(dynamodb: object, clock: FakeClock) -> DynamoLockStore:
    return DynamoLockStore(dynamodb, TABLE, clock=clock)


def test_a_free_lock_is_acquired_with_fence_one_and_a_lease_of_the_asked_length(store, clock):
    lease = store.acquire("collector", "laptop", 60)

    assert lease.fence == 1
    assert lease.owner == "laptop"
    assert lease.expires_at == clock.now + timedelta(seconds=60)
    assert len(lease.token) >= 20


def test_a_held_lock_refuses_a_second_owner_and_names_the_holder(store, clock):
    first = store.acquire("collector", "laptop", 60)

    with pytest.raises(LockTaken) as taken:
        store.acquire("collector", "phone", 60)

    assert taken.value.holder == "laptop"
    assert taken.value.expires_at == first.expires_at


def test_a_held_lock_refuses_even_its_own_owner_a_second_lease(store):
    store.acquire("collector", "laptop", 60)

    with pytest.raises(LockTaken):
        store.acquire("collector", "laptop", 60)


def test_an_expired_lease_is_taken_by_another_owner_with_a_higher_fence(store, clock):
    first = store.acquire("collector", "laptop", 60)
    clock.advance(61)

    second = store.acquire("collector", "phone", 30)

    assert second.fence == first.fence + 1
    assert second.owner == "phone"
    assert store.state("collector").holder == "phone"


def test_a_lease_is_still_held_at_its_last_millisecond(store, clock):
    store.acquire("collector", "laptop", 60)
    clock.advance(60)

    with pytest.raises(LockTaken):
        store.acquire("collector", "phone", 60)


def test_the_holder_renews_and_the_lease_runs_from_now(store, clock):
    lease = store.acquire("collector", "laptop", 60)
    clock.advance(50)

    expires = store.renew("collector", lease.token, 60)

    assert expires == clock.now + timedelta(seconds=60)
    clock.advance(30)  # past the first lease's end, inside the renewed one
    with pytest.raises(LockTaken):
        store.acquire("collector", "phone", 60)


def test_renew_with_a_wrong_token_is_refused(store):
    store.acquire("collector", "laptop", 60)

    with pytest.raises(LockLost):
        store.renew("collector", "not-the-token", 60)


def test_renew_with_a_stale_token_after_takeover_is_refused(store, clock):
    stale = store.acquire("collector", "laptop", 60)
    clock.advance(61)
    store.acquire("collector", "phone", 60)

    with pytest.raises(LockLost):
        store.renew("collector", stale.token, 60)
    with pytest.raises(LockLost):
        store.release("collector", stale.token)
    assert store.state("collector").holder == "phone"


def test_renew_or_release_of_a_lock_that_never_existed_is_refused(store):
    with pytest.raises(LockLost):
        store.renew("nobody", "token", 60)
    with pytest.raises(LockLost):
        store.release("nobody", "token")


def test_the_holder_releases_and_the_next_acquire_gets_the_next_fence(store):
    lease = store.acquire("collector", "laptop", 600)

    store.release("collector", lease.token)
    after = store.state("collector")
    second = store.acquire("collector", "phone", 60)

    assert after is not None and after.holder is None and after.token is None
    assert after.fence == lease.fence  # the item (and its counter) survives release
    assert second.fence == lease.fence + 1


def test_release_with_a_wrong_token_is_refused_and_the_holder_keeps_the_lock(store):
    lease = store.acquire("collector", "laptop", 60)

    with pytest.raises(LockLost):
        store.release("collector", "wrong")

    assert store.state("collector").token == lease.token


def test_a_released_token_cannot_release_or_renew_again(store):
    lease = store.acquire("collector", "laptop", 60)
    store.release("collector", lease.token)

    with pytest.raises(LockLost):
        store.release("collector", lease.token)
    with pytest.raises(LockLost):
        store.renew("collector", lease.token, 60)


def test_the_item_carries_a_ttl_well_after_the_lease_so_the_fence_outlives_stale_writers(
    store, dynamodb, clock
):
    lease = store.acquire("collector", "laptop", 60)
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "collector"}})["Item"]

    ttl = datetime.fromtimestamp(int(item["ttl"]["N"]), UTC)
    assert ttl == (lease.expires_at + FENCE_GRACE).replace(microsecond=0)
    assert int(item["expires_at"]["N"]) == int(lease.expires_at.timestamp() * 1000)
    ttl_spec = dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl_spec["AttributeName"] == "ttl"


def test_fences_grow_by_one_on_every_acquire_across_many_cycles(store):
    fences = []
    for _ in range(5):
        lease = store.acquire("collector", "laptop", 60)
        fences.append(lease.fence)
        store.release("collector", lease.token)

    assert fences == [1, 2, 3, 4, 5]


def test_locks_with_different_names_are_independent(store):
    a = store.acquire("a", "laptop", 60)
    b = store.acquire("b", "laptop", 60)

    assert (a.fence, b.fence) == (1, 1)


@pytest.mark.parametrize("ttl", [0, 3601, -5, "60", 1.5, True, None])
def test_a_ttl_outside_one_to_3600_integer_seconds_is_an_input_error(store, ttl):
    with pytest.raises(InputError, match="ttl_seconds"):
        store.acquire("collector", "laptop", ttl)


@pytest.mark.parametrize(("name", "owner"), [("", "x"), ("x", ""), (None, "x"), ("x", 3)])
def test_an_empty_or_non_string_name_or_owner_is_an_input_error(store, name, owner):
    with pytest.raises(InputError):
        store.acquire(name, owner, 60)


class TestFenceCheck:
    """check_fence: which (token, fence) pairs may still write."""

    def state(self, **overrides):
        from nudge.aws.lock import LockState

        values = {"name": "collector", "holder": "laptop", "token": "t2", "fence": 2,
                  "expires_at": datetime(2024, 5, 1, tzinfo=UTC)}
        return LockState(**{**values, **overrides})

    def test_the_current_token_and_fence_may_write_even_after_the_lease_lapsed(self):
        from nudge.aws.lock import check_fence

        check_fence(self.state(), name="collector", token="t2", fence=2)

    @pytest.mark.parametrize(("token", "fence", "why"), [
        ("t1", 1, "stale fence 1"),
        ("t3", 3, "never issued"),
        ("other", 2, "not the current holder"),
    ])
    def test_older_unissued_or_mismatched_claims_are_refused(self, token, fence, why):
        from nudge.aws.lock import StaleFence, check_fence

        with pytest.raises(StaleFence, match=why):
            check_fence(self.state(), name="collector", token=token, fence=fence)

    def test_a_released_lock_refuses_its_last_token(self):
        from nudge.aws.lock import StaleFence, check_fence

        with pytest.raises(StaleFence, match="not the current holder"):
            check_fence(self.state(token=None, holder=None), name="collector", token="t2",
                        fence=2)

    def test_a_lock_that_does_not_exist_refuses_every_claim(self):
        from nudge.aws.lock import StaleFence, check_fence

        with pytest.raises(StaleFence, match="does not exist"):
            check_fence(None, name="collector", token="t", fence=1)
