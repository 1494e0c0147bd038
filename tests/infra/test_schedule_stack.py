"""Schedules: the digest at the user's local time, reminders every 15 minutes, retries and a DLQ."""

from __future__ import annotations

import pytest

from tests.infra.conftest import Synth, one, resources

pytest.importorskip("aws_cdk")


def _schedules(synth: Synth) -> dict[str, dict]:
    found = resources(synth.raw(synth.system.schedules), "AWS::Scheduler::Schedule")
    return {k.rstrip("0123456789ABCDEF"): v["Properties"] for k, v in found.items()}


def test_digest_is_checked_every_15_minutes_in_the_users_time_zone(each_env: Synth) -> None:
    digest = _schedules(each_env)["DigestSchedule"]
    assert digest["ScheduleExpression"] == "cron(0/15 * * * ? *)"
    assert digest["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert digest["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert "Summarize" in str(digest["Target"]["Arn"])


def test_reminders_run_every_15_minutes(each_env: Synth) -> None:
    reminders = _schedules(each_env)["ReminderSchedule"]
    assert reminders["ScheduleExpression"] == "rate(15 minutes)"
    assert "Remind" in str(reminders["Target"]["Arn"])


def test_schedules_pass_their_scheduled_time_so_retries_are_idempotent(each_env: Synth) -> None:
    for schedule in _schedules(each_env).values():
        assert schedule["Target"]["Input"] == '{"scheduled_time":"<aws.scheduler.scheduled-time>"}'


def test_schedules_retry_and_end_in_the_dead_letter_queue(dev: Synth, prod: Synth) -> None:
    for synth, retries in ((dev, 2), (prod, 3)):
        for schedule in _schedules(synth).values():
            target = schedule["Target"]
            assert target["RetryPolicy"]["MaximumRetryAttempts"] == retries
            assert "DeadLetterQueue" in str(target["DeadLetterConfig"]["Arn"])


def test_function_failures_also_reach_the_dead_letter_queue(dev: Synth) -> None:
    template = dev.raw(dev.system.schedules)
    configs = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    assert len(configs) == 2
    for config in configs:
        destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        assert "DeadLetterQueue" in str(destination)
    queue = one(template, "AWS::SQS::Queue")["Properties"]
    assert queue["SqsManagedSseEnabled"] is True


def test_digest_time_and_time_zone_are_context_settings() -> None:
    from aws_cdk import App

    from infra.config import load_config
    from tests.infra.conftest import cdk_context

    app = App(context=cdk_context("prod", digest_time="7:30", timezone="America/New_York"))
    config = load_config(app.node)
    assert config.digest_hour_minute == (7, 30)
    assert config.timezone == "America/New_York"
