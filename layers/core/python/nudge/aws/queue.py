"""SQS queues and the upload bucket (S3): the same calls on AWS and on `nudge serve`'s moto server.

The queue carries jobs (JSON bodies, see nudge.features.jobs); the bucket holds uploaded exports
until the import job has stored them. boto3 is imported on first use, so code that never queues
never pays for it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

MAX_RECEIVES = 5  # deliveries of one message before SQS moves it to the dead-letter queue


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def aws_client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client in the configured region (endpoint: moto locally, AWS when None)."""
    import boto3

    return boto3.client(service, endpoint_url=endpoint_url or None, region_name=_region())


@dataclass(frozen=True, slots=True)
class Received:
    """One delivered message: its body and the receipt that deletes it once handled."""

    body: dict[str, Any]
    receipt: str
    receives: int  # 1 on the first delivery


class SqsQueue:
    def __init__(self, url: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        self.url = url
        self._client = client or aws_client("sqs", endpoint_url)

    def send(self, body: dict[str, Any], *, delay_seconds: int = 0) -> None:
        self._client.send_message(QueueUrl=self.url, MessageBody=json.dumps(body),
                                  DelaySeconds=max(0, min(int(delay_seconds), 900)))

    def receive(self, *, max_messages: int = 1, wait_seconds: int = 1) -> list[Received]:
        """Long-poll for up to `max_messages`; a body that is not a JSON object is kept raw."""
        answer = self._client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"])
        found = []
        for message in answer.get("Messages", []):
            try:
                body = json.loads(message["Body"])
            except ValueError:
                body = {"raw": message["Body"]}
            receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
            found.append(Received(body if isinstance(body, dict) else {"raw": body},
                                  message["ReceiptHandle"], receives))
        return found

    def delete(self, receipt: str) -> None:
        self._client.delete_message(QueueUrl=self.url, ReceiptHandle=receipt)

    def depth(self) -> int:
        """Messages waiting or in flight (approximate, as SQS counts them)."""
        attributes = self._client.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages",
                                               "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(value) for value in attributes.values())


def create_queue(client: Any, name: str, *, visibility_timeout: int = 60,
                 max_receives: int = MAX_RECEIVES) -> tuple[str, str]:
    """A queue with its dead-letter queue, as the CDK stack makes them (for local runs);
    returns (queue url, dead-letter queue url)."""
    dead = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = client.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility_timeout),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn,
                                     "maxReceiveCount": str(max_receives)}),
    })["QueueUrl"]
    return url, dead


class UploadStore:
    """Uploaded exports waiting for their import job (encrypted, expiring bucket on AWS)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, client: Any = None) -> None:
        self.bucket = bucket
        self._client = client or aws_client("s3", endpoint_url)

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                ServerSideEncryption="AES256")

    def get(self, key: str) -> bytes:
        return bytes(self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)


def create_bucket(client: Any, name: str) -> None:
    """The upload bucket, for local runs (moto); an existing one is fine."""
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=name)
