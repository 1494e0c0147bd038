"""Monitoring: an SNS topic, alarms on errors, throttles, DLQ depth and LLM health, a dashboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.conftest import Synth, one, resources, synthesize

pytest.importorskip("aws_cdk")


def _alarms(synth: Synth) -> dict[str, dict]:
    found = resources(synth.raw(synth.system.monitoring), "AWS::CloudWatch::Alarm")
    return {k.rstrip("0123456789ABCDEF"): v["Properties"] for k, v in found.items()}


def test_every_function_has_error_and_throttle_alarms(dev: Synth) -> None:
    alarms = _alarms(dev)
    for name in ("Ingest", "Lock", "Telegram", "Api", "Summarize", "Remind"):
        assert alarms[f"{name}Errors"]["MetricName"] == "Errors"
        assert alarms[f"{name}Throttles"]["MetricName"] == "Throttles"


def test_dlq_depth_and_llm_health_are_alarmed(dev: Synth) -> None:
    alarms = _alarms(dev)
    assert alarms["DeadLetterQueueNotEmpty"]["MetricName"] == (
        "ApproximateNumberOfMessagesVisible")
    assert alarms["LlmUnhealthyHosts"]["MetricName"] == "UnHealthyHostCount"
    assert alarms["LlmNoHealthyHost"]["MetricName"] == "HealthyHostCount"
    assert alarms["LlmNoHealthyHost"]["TreatMissingData"] == "breaching"
    assert alarms["LlmNoRunningTask"]["MetricName"] == "RunningTaskCount"
    assert alarms["LlmNoRunningTask"]["Namespace"] == "ECS/ContainerInsights"


def test_every_alarm_notifies_the_topic(dev: Synth) -> None:
    template = dev.raw(dev.system.monitoring)
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    for alarm in _alarms(dev).values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_dashboard_shows_powertools_metrics_by_service(dev: Synth) -> None:
    dashboard = one(dev.raw(dev.system.monitoring), "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "SEARCH" in body and "Nudge" in body


def test_alarm_email_subscribes_to_the_topic(tmp_path: Path) -> None:
    synth = synthesize("dev", tmp_path, alarm_email="ops@example.com")
    subscription = one(synth.raw(synth.system.monitoring), "AWS::SNS::Subscription")
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
