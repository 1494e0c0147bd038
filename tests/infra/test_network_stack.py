"""Network: private subnets, endpoints, one NAT in dev, and security groups that admit only Lambdas."""

from __future__ import annotations

import pytest

from tests.infra.conftest import Synth, resources

pytest.importorskip("aws_cdk")


def _logical_id(template: dict, prefix: str) -> str:
    groups = resources(template, "AWS::EC2::SecurityGroup")
    (found,) = [k for k in groups if k.startswith(prefix)]
    return found


def test_vpc_has_public_private_and_isolated_subnets_in_two_azs(dev: Synth) -> None:
    template = dev.raw(dev.system.network)
    subnets = resources(template, "AWS::EC2::Subnet").values()
    kinds = sorted(
        tag["Value"]
        for subnet in subnets
        for tag in subnet["Properties"]["Tags"]
        if tag["Key"] == "aws-cdk:subnet-type"
    )
    assert kinds == ["Isolated", "Isolated", "Private", "Private", "Public", "Public"]


def test_dev_has_one_nat_gateway_and_prod_one_per_az(dev: Synth, prod: Synth) -> None:
    assert len(resources(dev.raw(dev.system.network), "AWS::EC2::NatGateway")) == 1
    assert len(resources(prod.raw(prod.system.network), "AWS::EC2::NatGateway")) == 2


def test_gateway_endpoints_for_s3_and_dynamodb_and_interface_endpoints(each_env: Synth) -> None:
    template = each_env.raw(each_env.system.network)
    endpoints = resources(template, "AWS::EC2::VPCEndpoint").values()
    by_type: dict[str, list[str]] = {}
    for endpoint in endpoints:
        props = endpoint["Properties"]
        name = props["ServiceName"]
        service = name if isinstance(name, str) else str(name)
        by_type.setdefault(props.get("VpcEndpointType", "Gateway"), []).append(service)
    gateway = " ".join(by_type["Gateway"])
    interface = " ".join(by_type["Interface"])
    assert "s3" in gateway and "dynamodb" in gateway
    for service in ("secretsmanager", "logs", "ecr.api", "ecr.dkr"):
        assert service in interface, service


def test_dev_keeps_interface_endpoints_in_one_az_to_save_cost(dev: Synth, prod: Synth) -> None:
    def subnet_counts(synth: Synth) -> set[int]:
        template = synth.raw(synth.system.network)
        return {
            len(e["Properties"]["SubnetIds"])
            for e in resources(template, "AWS::EC2::VPCEndpoint").values()
            if e["Properties"].get("VpcEndpointType") == "Interface"
        }

    assert subnet_counts(dev) == {1}
    assert subnet_counts(prod) == {2}


def test_only_lambdas_reach_postgres_and_the_llm_load_balancer(each_env: Synth) -> None:
    template = each_env.raw(each_env.system.network)
    lambda_sg = _logical_id(template, "LambdaSg")
    db_sg = _logical_id(template, "DatabaseSg")
    lb_sg = _logical_id(template, "LlmLoadBalancerSg")
    service_sg = _logical_id(template, "LlmServiceSg")
    rules = {
        (
            r["Properties"]["GroupId"]["Fn::GetAtt"][0],
            r["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0],
            r["Properties"]["FromPort"],
        )
        for r in resources(template, "AWS::EC2::SecurityGroupIngress").values()
    }
    assert rules == {(db_sg, lambda_sg, 5432), (lb_sg, lambda_sg, 80), (service_sg, lb_sg, 8080)}
    for sg in (db_sg, lb_sg, service_sg):
        assert "SecurityGroupIngress" not in template["Resources"][sg]["Properties"]


def test_rejected_traffic_is_flow_logged(dev: Synth) -> None:
    dev.template(dev.system.network).has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "REJECT", "LogDestinationType": "cloud-watch-logs"}
    )
