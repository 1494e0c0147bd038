"""The GitHub CI/CD stack: OIDC only (no IAM users or keys), each role trusting one repository and
one kind of workflow run, and allowed no more than its job needs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import cdk_context, resources

pytest.importorskip("aws_cdk")
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_secretsmanager as secretsmanager

from infra.config import load_config
from infra.github_stack import GitHubStack
from infra.nag import add_checks, nag_findings

REPO = "acme/nudge"
SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:Nudge-dev/ingest-api-token-AbCdEf"


def synth(env: str = "dev", **overrides: Any) -> tuple[dict[str, Any], Any]:
    app = App(context=cdk_context(env, github_repository=REPO, **overrides))
    config = load_config(app.node)
    holder = Stack(app, "Holder")  # the secret comes from the Data stack in the real app
    secret = secretsmanager.Secret.from_secret_complete_arn(holder, "Token", SECRET_ARN)
    stack = GitHubStack(app, f"Nudge-{env}-GitHub", config=config, ingest_token_secret=secret,
                        env=Environment(account="123456789012", region="eu-central-1"))
    add_checks(app)
    assembly = app.synth()
    return assembly.get_stack_by_name(stack.stack_name).template, assembly


def _trust(role: dict[str, Any]) -> dict[str, Any]:
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


def _roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {logical.rstrip("0123456789ABCDEF"): role
            for logical, role in resources(template, "AWS::IAM::Role").items()}


@pytest.fixture(scope="module")
def dev() -> tuple[dict[str, Any], Any]:
    return synth()


def test_there_are_no_iam_users_or_access_keys_only_a_github_oidc_provider(dev) -> None:
    template, _ = dev
    assert not resources(template, "AWS::IAM::User") and not resources(template, "AWS::IAM::AccessKey")
    [provider] = resources(template, "AWS::IAM::OIDCProvider").values()
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]


def test_each_role_trusts_one_repository_and_one_kind_of_run(dev) -> None:
    roles = _roles(dev[0])
    subjects = {}
    for name, role in roles.items():
        trust = _trust(role)
        assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
        equals = trust["Condition"]["StringEquals"]
        assert equals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        subjects[name] = equals["token.actions.githubusercontent.com:sub"]
    assert subjects == {"DiffRole": f"repo:{REPO}:pull_request",
                        "DeployRole": f"repo:{REPO}:environment:dev",
                        "CollectorRole": f"repo:{REPO}:environment:dev-collector"}


def _policy_of(template: dict[str, Any], role: str) -> str:
    return json.dumps([p for p in resources(template, "AWS::IAM::Policy").values()
                       if any(r["Ref"].startswith(role) for r in p["Properties"]["Roles"])])


def test_a_pull_request_may_only_look_up_and_a_deploy_only_assume_the_cdk_bootstrap_roles(dev) -> None:
    template, _ = dev
    diff, deploy = _policy_of(template, "DiffRole"), _policy_of(template, "DeployRole")
    assert "cdk-hnb659fds-lookup-role" in diff and "deploy-role" not in diff
    for kind in ("deploy", "file-publishing", "image-publishing", "lookup"):
        assert f"cdk-hnb659fds-{kind}-role" in deploy
    assert json.loads(diff)[0]["Properties"]["PolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"


def test_the_collector_reads_the_exports_bucket_and_the_ingest_token_only(dev) -> None:
    collector = _policy_of(dev[0], "CollectorRole")
    assert "secretsmanager:GetSecretValue" in collector and SECRET_ARN in collector
    assert "s3:GetObject" in collector and "s3:PutObject" not in collector


def test_an_existing_provider_is_used_instead_of_a_second_one() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    template, _ = synth("prod", github_oidc_provider_arn=arn)
    assert not resources(template, "AWS::IAM::OIDCProvider")
    deploy = _trust(_roles(template)["DeployRole"])
    assert deploy["Principal"]["Federated"] == arn
    assert deploy["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == \
        f"repo:{REPO}:environment:prod"


def test_no_unsuppressed_aws_solutions_findings(dev) -> None:
    _, assembly = dev
    assert nag_findings(assembly) == []


def test_the_repository_must_be_owner_slash_name() -> None:
    with pytest.raises(ValueError, match="owner/name"):
        load_config(App(context=cdk_context("dev", github_repository="just-a-name")).node)
    assert load_config(App(context=cdk_context("dev")).node).github_repository == ""
