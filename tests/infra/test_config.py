"""Per-environment settings from cdk.json context, with single-key overrides from `-c`."""

from __future__ import annotations

import pytest

from tests.infra.conftest import cdk_context

pytest.importorskip("aws_cdk")
from aws_cdk import App, RemovalPolicy

from infra.config import load_config


def test_dev_is_small_and_disposable_prod_retains() -> None:
    dev = load_config(App(context=cdk_context("dev")).node)
    prod = load_config(App(context=cdk_context("prod")).node)
    assert dev.removal_policy == RemovalPolicy.DESTROY
    assert prod.removal_policy == RemovalPolicy.RETAIN
    assert (dev.nat_gateways, prod.nat_gateways) == (1, 2)
    assert dev.db_backup_retention_days < prod.db_backup_retention_days


def test_string_overrides_from_the_command_line_are_coerced() -> None:
    context = cdk_context("dev", llm_desired_count="0", llm_use_spot="false", alarm_email="a@b.c")
    config = load_config(App(context=context).node)
    assert config.llm_desired_count == 0
    assert config.llm_use_spot is False
    assert config.alarm_email == "a@b.c"


def test_unknown_environment_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="dev"):
        load_config(App(context=cdk_context("staging")).node)


def test_digest_time_must_be_hh_mm() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        load_config(App(context=cdk_context("dev", digest_time="8am")).node)
