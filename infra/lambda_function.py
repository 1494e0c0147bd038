"""One Nudge Lambda function: same runtime, layers, VPC placement, logging and Powertools settings."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.bundling import ARCHITECTURE, RUNTIME, core_layer, deps_layer
from infra.config import EnvConfig

METRICS_NAMESPACE = "Nudge"


@dataclass(frozen=True, slots=True)
class LambdaPlacement:
    """What every function in a stack shares: config, network and the two layers."""

    config: EnvConfig
    vpc: ec2.IVpc
    security_group: ec2.ISecurityGroup
    layers: tuple[_lambda.ILayerVersion, ...]

    @classmethod
    def create(
        cls, scope: Construct, config: EnvConfig, vpc: ec2.IVpc, sg: ec2.ISecurityGroup
    ) -> LambdaPlacement:
        """Layers are built per stack (same asset, uploaded once) to avoid cross-stack exports."""
        layers = (core_layer(scope, config), deps_layer(scope, config))
        return cls(config=config, vpc=vpc, security_group=sg, layers=layers)


class NudgeFunction(Construct):
    """A Python 3.11 x86_64 function in the private subnets with its own log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        placement: LambdaPlacement,
        code: _lambda.Code,
        service: str,
        description: str,
        environment: dict[str, str],
        memory_mib: int = 512,
        timeout: Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        config = placement.config
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        self.function = _lambda.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=code,
            layers=list(placement.layers),
            description=description,
            memory_size=memory_mib,
            timeout=timeout or Duration.seconds(30),
            vpc=placement.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[placement.security_group],
            log_group=self.log_group,
            tracing=_lambda.Tracing.ACTIVE,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": "DEBUG" if not config.is_prod else "INFO",
                "NUDGE_TIMEZONE": config.timezone,
                "NUDGE_DIGEST_TIME": config.digest_time,
                "NUDGE_ENV": config.name,
                **environment,
            },
        )
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                {
                    "id": "AwsSolutions-IAM4",
                    "reason": "AWS managed Lambda basic + VPC execution policies: exactly the "
                    "log and ENI permissions a VPC function needs, maintained by AWS.",
                    "appliesTo": [
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaBasicExecutionRole",
                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                        "AWSLambdaVPCAccessExecutionRole",
                    ],
                },
                {
                    "id": "AwsSolutions-IAM5",
                    "reason": "X-Ray PutTraceSegments/PutTelemetryRecords support no resource "
                    "scoping (Resource: *).",
                    "appliesTo": ["Resource::*"],
                },
                {
                    "id": "AwsSolutions-L1",
                    "reason": "Python 3.11 on purpose: the project targets 3.11 (pyproject "
                    "requires-python <3.12) and the deps layer is built for cp311.",
                },
            ],
            apply_to_children=True,
        )
