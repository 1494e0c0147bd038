"""Settings: plain values locally, Secrets Manager ARNs on AWS, validated once."""

import json

import boto3
from moto import mock_aws

from nudge.aws.secrets import database_url
from nudge.config import load_settings


def test_database_url_quotes_the_generated_password() -> None:
    secret = {"username": "nudge", "password": "p@ss/w:rd?", "host": "db.internal", "port": 5432}
    url = database_url(secret, {"DB_NAME": "nudge"})
    assert url == "postgresql://nudge:p%40ss%2Fw%3Ard%3F@db.internal:5432/nudge?sslmode=require"


def test_database_url_falls_back_to_the_environment_for_the_host() -> None:
    url = database_url({"username": "u", "password": "p"},
                       {"DB_HOST": "h", "DB_PORT": "6543", "DB_NAME": "n"})
    assert url == "postgresql://u:p@h:6543/n?sslmode=require"


@mock_aws
def test_settings_read_tokens_and_the_database_from_secrets_manager(monkeypatch) -> None:
    from aws_lambda_powertools.utilities import parameters

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    parameters.clear_caches()
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    bot = client.create_secret(Name="bot", SecretString="123:abc")["ARN"]
    db = client.create_secret(Name="db", SecretString=json.dumps(
        {"username": "u", "password": "p", "host": "rds", "port": 5432}))["ARN"]
    settings = load_settings({"TELEGRAM_BOT_TOKEN_SECRET_ARN": bot, "DB_SECRET_ARN": db,
                              "DB_NAME": "nudge"})
    assert settings.telegram_bot_token == "123:abc"
    assert settings.database_url == "postgresql://u:p@rds:5432/nudge?sslmode=require"


def test_a_plain_value_wins_over_a_secret_and_nothing_is_fetched() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "local", "TELEGRAM_BOT_TOKEN_SECRET_ARN": "arn:x"})
    assert settings.telegram_bot_token == "local"


def test_a_digest_time_that_is_not_hh_mm_is_a_clear_error() -> None:
    import pytest

    from nudge.errors import InputError

    assert load_settings({"NUDGE_DIGEST_TIME": "07:30"}).digest_time == "07:30"
    with pytest.raises(InputError, match="NUDGE_DIGEST_TIME"):
        load_settings({"NUDGE_DIGEST_TIME": "8am"})
