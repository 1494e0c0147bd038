"""Telegram retries a webhook call it saw fail or time out; each update_id is handled once.

A conditional put in DynamoDB claims the id (`attribute_not_exists(pk)`); the item expires through
the table's TTL after a day, long after Telegram stops retrying. The claim happens before handling,
so an update is handled at most once: a crash mid-way is not retried (the user may just ask again).
"""

from __future__ import annotations

import time
from typing import Any

TTL_SECONDS = 24 * 3600


class UpdateDedup:
    def __init__(self, table_name: str, *, client: Any = None, endpoint_url: str | None = None,
                 ttl_seconds: int = TTL_SECONDS) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds
        self._client = client
        self._endpoint_url = endpoint_url

    @property
    def client(self) -> Any:
        if self._client is None:  # boto3 loads on the first update, not at import
            from nudge.aws.lock import dynamodb_client

            self._client = dynamodb_client(self._endpoint_url)
        return self._client

    def first_time(self, update_id: int, *, bot: str = "") -> bool:
        """True exactly once per (bot, update_id); False for a retry of an update already claimed."""
        client = self.client
        item = {"pk": {"S": f"telegram-update#{bot}#{update_id}"},
                "ttl": {"N": str(int(time.time()) + self.ttl_seconds)}}
        try:
            try:
                client.put_item(TableName=self.table_name, Item=item,
                                ConditionExpression="attribute_not_exists(pk)")
            except client.exceptions.ResourceNotFoundException:
                if not self._endpoint_url:  # on AWS the stack owns the table
                    raise
                create_dedup_table(client, self.table_name)  # local moto: made on first use
                client.put_item(TableName=self.table_name, Item=item,
                                ConditionExpression="attribute_not_exists(pk)")
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def create_dedup_table(client: Any, table_name: str) -> None:
    """Create the table as the stack does (string key `pk`, TTL on `ttl`); for local runs and tests."""
    from nudge.aws.lock import create_lock_table

    create_lock_table(client, table_name)  # same shape: pk + ttl
