"""The whole app: cdk-nag AwsSolutions passes, tags everywhere, one stack set per environment."""

from __future__ import annotations

import pytest

from tests.infra.conftest import Synth

pytest.importorskip("aws_cdk")
from aws_cdk import cx_api

from infra.nag import nag_findings

UNTAGGABLE = {  # CloudFormation types without a Tags property
    "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route", "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::IAM::Policy",
    "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::LayerVersion",
    "AWS::SecretsManager::SecretTargetAttachment", "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription", "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration", "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::ElasticLoadBalancingV2::Listener", "AWS::CloudWatch::Dashboard",
    "AWS::Scheduler::Schedule", "Custom::LogRetention", "Custom::S3AutoDeleteObjects",
    "Custom::VpcRestrictDefaultSG", "Custom::NudgeMigrations",
}  # fmt: skip


def test_no_unsuppressed_aws_solutions_findings(each_env: Synth) -> None:
    assert nag_findings(each_env.assembly) == []
    warnings = nag_findings(each_env.assembly, cx_api.SynthesisMessageLevel.WARNING)
    assert warnings == []


def test_the_app_has_seven_stacks_named_after_the_environment(dev: Synth, prod: Synth) -> None:
    assert [s.stack_name for s in dev.system.stacks] == [
        "Nudge-dev-Network", "Nudge-dev-Data", "Nudge-dev-Llm", "Nudge-dev-Pipeline", "Nudge-dev-Api",
        "Nudge-dev-Schedules", "Nudge-dev-Monitoring",
    ]  # fmt: skip
    assert all(s.stack_name.startswith("Nudge-prod-") for s in prod.system.stacks)


def _tags(props: dict) -> dict[str, str]:
    tags = props.get("Tags")
    if tags is None and props.get("Replicas"):  # DynamoDB global tables tag per replica
        tags = props["Replicas"][0].get("Tags")
    if isinstance(tags, dict):
        return tags
    return {t["Key"]: t["Value"] for t in tags or []}


def test_every_taggable_resource_carries_project_and_environment(each_env: Synth) -> None:
    name = each_env.system.config.name
    untagged = []
    for stack in each_env.system.stacks:
        for logical_id, resource in each_env.raw(stack)["Resources"].items():
            # CDK's singleton custom-resource providers are raw CfnResources: tags cannot reach.
            if resource["Type"] in UNTAGGABLE or "CustomResourceProvider" in logical_id:
                continue
            tags = _tags(resource.get("Properties", {}))
            if tags.get("project") != "nudge" or tags.get("environment") != name:
                untagged.append(f"{stack.stack_name}/{logical_id} ({resource['Type']})")
    assert untagged == []


def test_synth_needs_no_docker_by_default(each_env: Synth) -> None:
    for stack in each_env.system.stacks:
        artifact = each_env.assembly.get_stack_by_name(stack.stack_name)
        assert not [a for a in artifact.dependencies if "docker" in a.id.lower()]
