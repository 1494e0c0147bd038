"""Pipeline: SQS queues with dead-letter queues feeding the enrich and import functions (in the
VPC, the import one with 15 minutes), the encrypted, expiring upload bucket, least privilege,
and alarms on dead-letter depth and on how long jobs wait."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import Synth, resources

pytest.importorskip("aws_cdk")


def _by_prefix(found: dict[str, dict], prefix: str) -> dict:
    [match] = [v for k, v in found.items() if k.startswith(prefix)]
    return match["Properties"]


def _functions(synth: Synth) -> dict[str, dict]:
    found = resources(synth.raw(synth.system.pipeline), "AWS::Lambda::Function")
    return {k: v["Properties"] for k, v in found.items()}


def _function(synth: Synth, prefix: str) -> dict:
    [props] = [v for k, v in _functions(synth).items() if k.startswith(prefix)]
    return props


def test_each_queue_has_a_dead_letter_queue_and_outlives_six_function_timeouts(each_env: Synth) -> None:
    queues = resources(each_env.raw(each_env.system.pipeline), "AWS::SQS::Queue")
    assert len(queues) == 4
    for name, timeout, receives in (("JobsQueue", 300, 5), ("ImportsQueue", 900, 3)):
        props = _by_prefix(queues, name)
        assert props["VisibilityTimeout"] == 6 * timeout
        assert props["RedrivePolicy"]["maxReceiveCount"] == receives
        assert "DeadLetterQueue" in json.dumps(props["RedrivePolicy"]["deadLetterTargetArn"])
    for props in (v["Properties"] for v in queues.values()):
        assert props["SqsManagedSseEnabled"] is True


def test_the_import_function_has_15_minutes_and_both_run_in_the_vpc(each_env: Synth) -> None:
    enrich, importer = _function(each_env, "EnrichFunction"), _function(each_env, "ImportFunction")
    assert importer["Timeout"] == 900 and enrich["Timeout"] == 300
    for props in (enrich, importer):
        assert props["VpcConfig"]["SubnetIds"]
        assert props["Environment"]["Variables"]["JOBS_QUEUE_URL"]
        assert props["Environment"]["Variables"]["DB_SECRET_ARN"]
    assert "LLM_BASE_URL" in enrich["Environment"]["Variables"]
    assert "UPLOAD_BUCKET_NAME" in importer["Environment"]["Variables"]


def test_the_queues_feed_the_functions_one_job_at_a_time_reporting_partial_failures(
        dev: Synth) -> None:
    mappings = resources(dev.raw(dev.system.pipeline), "AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 2
    for mapping in mappings.values():
        props = mapping["Properties"]
        assert props["BatchSize"] == 1
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_upload_bucket_is_encrypted_private_tls_only_and_expires_uploads_after_a_day(
        each_env: Synth) -> None:
    template = each_env.raw(each_env.system.pipeline)
    bucket = _by_prefix(resources(template, "AWS::S3::Bucket"), "UploadBucket")
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 1 and rule["Status"] == "Enabled"
    policy = _by_prefix(resources(template, "AWS::S3::BucketPolicy"), "UploadBucket")
    assert "aws:SecureTransport" in json.dumps(policy)


def _policy_text(synth: Synth, stack, function_prefix: str) -> str:
    policies = resources(synth.raw(stack), "AWS::IAM::Policy")
    return json.dumps([p for k, p in policies.items() if k.startswith(function_prefix)])


def test_only_the_faces_that_queue_may_send_and_only_the_webhook_may_upload(dev: Synth) -> None:
    api = dev.system.api
    ingest = _policy_text(dev, api, "IngestFunction")
    webhook = _policy_text(dev, api, "TelegramWebhookFunction")
    lock = _policy_text(dev, api, "LockFunction")
    assert "sqs:SendMessage" in ingest and "JobsQueue" in ingest and "s3:" not in ingest
    assert "sqs:SendMessage" in webhook and "ImportsQueue" in webhook
    assert "s3:PutObject" in webhook and "s3:GetObject" not in webhook
    assert "sqs:" not in lock and "s3:" not in lock
    importer = _policy_text(dev, dev.system.pipeline, "ImportFunction")
    assert "s3:GetObject" in importer and "s3:DeleteObject" in importer
    assert "s3:PutObject" not in importer


def test_dead_letters_and_waiting_jobs_are_alarmed(dev: Synth) -> None:
    found = resources(dev.raw(dev.system.monitoring), "AWS::CloudWatch::Alarm")
    alarms = {k.rstrip("0123456789ABCDEF"): v["Properties"] for k, v in found.items()}
    for name in ("Jobs", "Imports"):
        assert alarms[f"{name}DeadLetterQueueNotEmpty"]["MetricName"] == \
            "ApproximateNumberOfMessagesVisible"
        assert alarms[f"{name}QueueOldestMessageAge"]["MetricName"] == \
            "ApproximateAgeOfOldestMessage"
    assert alarms["JobsQueueOldestMessageAge"]["Threshold"] == 3600
    assert alarms["EnrichErrors"]["MetricName"] == "Errors"
    assert alarms["ImportErrors"]["MetricName"] == "Errors"
