"""LLM: Fargate service in isolated subnets behind an internal ALB, models from S3, no Docker at synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.conftest import Synth, one, synthesize

pytest.importorskip("aws_cdk")
from aws_cdk.assertions import Match


def test_service_runs_in_isolated_subnets_without_public_ip(each_env: Synth) -> None:
    service = one(each_env.raw(each_env.system.llm), "AWS::ECS::Service")["Properties"]
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert "isolated" in json.dumps(network["Subnets"]).lower()
    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True, "Rollback": True}  # fmt: skip


def test_load_balancer_is_internal_and_checks_health(each_env: Synth) -> None:
    template = each_env.template(each_env.system.llm)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal"}
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": "/health", "Port": 8080, "TargetType": "ip"},
    )


def test_task_reads_models_from_the_bucket_named_in_its_environment(dev: Synth) -> None:
    template = dev.template(dev.system.llm)
    template.has_resource_properties("AWS::ECS::TaskDefinition", {
        "ContainerDefinitions": [Match.object_like({"Environment": Match.array_with([
            {"Name": "MODEL_BUCKET", "Value": Match.any_value()},
            {"Name": "CHAT_MODEL_KEY", "Value": "models/SmolLM2-135M-Instruct.Q4_1.gguf"},
            {"Name": "EMBED_MODEL_KEY", "Value": "models/all-MiniLM-L6-v2.f16.gguf"},
        ])})],
    })  # fmt: skip
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement":
        Match.array_with([Match.object_like({"Action": Match.array_with(["s3:GetObject*"])})])}})


def test_sizes_come_from_the_environment(dev: Synth, prod: Synth) -> None:
    def size(synth: Synth) -> tuple[str, str]:
        task = one(synth.raw(synth.system.llm), "AWS::ECS::TaskDefinition")["Properties"]
        return task["Cpu"], task["Memory"]

    assert size(dev) == ("1024", "3072")
    assert size(prod) == ("2048", "8192")


def test_dev_uses_fargate_spot_and_prod_on_demand(dev: Synth, prod: Synth) -> None:
    def provider(synth: Synth) -> str:
        service = one(synth.raw(synth.system.llm), "AWS::ECS::Service")["Properties"]
        return service["CapacityProviderStrategy"][0]["CapacityProvider"]

    assert provider(dev) == "FARGATE_SPOT"
    assert provider(prod) == "FARGATE"


def test_default_image_comes_from_ecr_so_no_docker_is_needed(dev: Synth) -> None:
    task = one(dev.raw(dev.system.llm), "AWS::ECS::TaskDefinition")["Properties"]
    image = json.dumps(task["ContainerDefinitions"][0]["Image"])
    assert "LlmRepository" in image and ":latest" in image
    assets = json.loads(Path(_assets_file(dev)).read_text())
    assert assets.get("dockerImages", {}) == {}


def _assets_file(synth: Synth) -> str:
    return str(Path(synth.assembly.directory) / f"{synth.system.llm.stack_name}.assets.json")


def test_image_from_asset_only_when_the_flag_says_so(tmp_path: Path) -> None:
    synth = synthesize("dev", tmp_path, llm_image_from_asset=True)
    assets = json.loads(Path(_assets_file(synth)).read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["dockerFile"] == "llm_service/Dockerfile"
    staged = Path(synth.assembly.directory) / image["source"]["directory"]
    assert (staged / "llm_service" / "Dockerfile").is_file()
    assert not (staged / ".venv").exists() and not (staged / "tests").exists()
