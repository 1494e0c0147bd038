"""Data: encrypted Postgres with backups and migrations, DynamoDB tables, secrets, retention."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.conftest import Synth, one, resources

pytest.importorskip("aws_cdk")
from aws_cdk.assertions import Match


def test_postgres_is_encrypted_private_backed_up_and_has_pgvector(each_env: Synth) -> None:
    template = each_env.raw(each_env.system.data)
    db = one(template, "AWS::RDS::DBInstance")["Properties"]
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"].startswith("17.")
    assert db["StorageEncrypted"] is True
    assert db["PubliclyAccessible"] is False if "PubliclyAccessible" in db else True
    assert db["BackupRetentionPeriod"] >= 1
    assert db["EnableCloudwatchLogsExports"] == ["postgresql"]
    subnet_group = one(template, "AWS::RDS::DBSubnetGroup")["Properties"]
    imported = str(subnet_group["SubnetIds"])
    assert "isolated" in imported.lower()


def test_database_credentials_are_a_generated_secret(dev: Synth) -> None:
    dev.template(dev.system.data).has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": "Nudge-dev/database", "GenerateSecretString": Match.object_like(
            {"SecretStringTemplate": '{"username":"nudge"}'})},
    )  # fmt: skip


def test_prod_retains_data_and_dev_cleans_up(dev: Synth, prod: Synth) -> None:
    def policies(synth: Synth, kind: str) -> set[str]:
        found = resources(synth.raw(synth.system.data), kind).values()
        return {r.get("DeletionPolicy", "Delete") for r in found}

    assert policies(dev, "AWS::RDS::DBInstance") == {"Delete"}
    assert policies(prod, "AWS::RDS::DBInstance") == {"Snapshot"}
    for kind in ("AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::ECR::Repository",
                 "AWS::SecretsManager::Secret"):  # fmt: skip
        assert policies(dev, kind) == {"Delete"}, kind
        assert policies(prod, kind) == {"Retain"}, kind
    prod_db = one(prod.raw(prod.system.data), "AWS::RDS::DBInstance")["Properties"]
    assert prod_db["DeletionProtection"] is True
    assert prod_db["BackupRetentionPeriod"] == 14


def test_lock_and_dedup_tables_are_on_demand_with_ttl_and_pitr(each_env: Synth) -> None:
    tables = resources(each_env.raw(each_env.system.data), "AWS::DynamoDB::GlobalTable")
    assert len(tables) == 2
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
        assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
        (replica,) = props["Replicas"]
        pitr = replica["PointInTimeRecoverySpecification"]
        assert pitr["PointInTimeRecoveryEnabled"] is True


def test_migrations_run_as_custom_resource_keyed_by_their_hash(dev: Synth) -> None:
    from infra.data_stack import migrations_hash

    template = dev.template(dev.system.data)
    template.has_resource_properties(
        "Custom::NudgeMigrations", {"MigrationsHash": migrations_hash()}
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handler.handler",
            "Runtime": "python3.11",
            "Environment": {"Variables": Match.object_like(
                {"DB_SECRET_ARN": Match.any_value(), "DB_NAME": "nudge"})},
            "VpcConfig": Match.object_like({"SubnetIds": Match.any_value()}),
        },
    )  # fmt: skip


def test_migrations_hash_changes_when_a_migration_changes(tmp_path: Path) -> None:
    from infra.data_stack import migrations_hash

    (tmp_path / "0001_vector.sql").write_text("CREATE EXTENSION IF NOT EXISTS vector;")
    runner = tmp_path / "migrate.py"
    before = migrations_hash(tmp_path, runner)
    assert migrations_hash(tmp_path, runner) == before
    (tmp_path / "0002_more.sql").write_text("CREATE TABLE t (id int);")
    assert migrations_hash(tmp_path, runner) != before


def test_model_bucket_is_private_encrypted_and_tls_only(dev: Synth) -> None:
    template = dev.template(dev.system.data)
    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": Match.any_value(),
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
    })  # fmt: skip
    template.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {
        "Statement": Match.array_with([Match.object_like({
            "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})  # fmt: skip


def test_app_secrets_exist_for_ingest_token_webhook_secret_and_bot_token(dev: Synth) -> None:
    names = {
        s["Properties"].get("Name")
        for s in resources(dev.raw(dev.system.data), "AWS::SecretsManager::Secret").values()
    }
    assert {"Nudge-dev/ingest-api-token", "Nudge-dev/telegram-webhook-secret",
            "Nudge-dev/telegram-bot-token"} <= names  # fmt: skip
