"""VPC, endpoints and the security groups that decide who may talk to Postgres and the LLM.

Subnets: public (only the NAT gateway), private with egress (Lambdas: they must reach the Telegram
API), isolated (RDS, the LLM service and its internal load balancer: no route to the internet; AWS
services via endpoints). All ingress rules live here so the other stacks never reference each
other's security groups (no cross-stack cycles).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.config import EnvConfig

POSTGRES_PORT = 5432
LLM_LISTENER_PORT = 80


class NetworkStack(Stack):
    """The VPC and security groups every other stack places its resources in."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.40.0.0/16"),
            max_azs=config.max_azs,
            nat_gateways=config.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC,
                                        cidr_mask=24),
                ec2.SubnetConfiguration(name="lambda", cidr_mask=22,
                                        subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                ec2.SubnetConfiguration(name="isolated", cidr_mask=22,
                                        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDb": ec2.GatewayVpcEndpointOptions(
                    service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
                ),
            },
        )  # fmt: skip
        self._flow_logs(config)
        self._interface_endpoints(config)

        self.lambda_sg = ec2.SecurityGroup(
            self, "LambdaSg", vpc=self.vpc, allow_all_outbound=True,
            description="Nudge Lambdas: the only clients of Postgres and the LLM service",
        )  # fmt: skip
        self.db_sg = ec2.SecurityGroup(
            self, "DatabaseSg", vpc=self.vpc, allow_all_outbound=False,
            description="Nudge Postgres: reachable from the Lambdas only",
        )  # fmt: skip
        self.llm_lb_sg = ec2.SecurityGroup(
            self, "LlmLoadBalancerSg", vpc=self.vpc, allow_all_outbound=False,
            description="Nudge LLM internal load balancer: reachable from the Lambdas only",
        )  # fmt: skip
        self.llm_service_sg = ec2.SecurityGroup(
            self, "LlmServiceSg", vpc=self.vpc, allow_all_outbound=True,
            description="Nudge LLM tasks: reachable from their load balancer only",
        )  # fmt: skip
        self.db_sg.add_ingress_rule(
            self.lambda_sg, ec2.Port.tcp(POSTGRES_PORT), "Postgres from the Lambdas"
        )
        self.llm_lb_sg.add_ingress_rule(
            self.lambda_sg, ec2.Port.tcp(LLM_LISTENER_PORT), "LLM API from the Lambdas"
        )
        container_port = ec2.Port.tcp(config.llm_container_port)
        self.llm_lb_sg.add_egress_rule(self.llm_service_sg, container_port, "to the LLM tasks")
        self.llm_service_sg.add_ingress_rule(self.llm_lb_sg, container_port, "from the LLM LB")

    def _interface_endpoints(self, config: EnvConfig) -> None:
        """Private paths to the AWS APIs the isolated subnets need (ECR pull, logs, secrets).

        Each endpoint costs per AZ and hour, so dev keeps them in one AZ (config.endpoint_azs).
        """
        subnets = self.vpc.isolated_subnets[: config.endpoint_azs]
        services = {
            "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
            "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
            "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        }
        for name, service in services.items():
            endpoint = self.vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=service,
                private_dns_enabled=True,
                subnets=ec2.SubnetSelection(subnets=subnets),
            )
            NagSuppressions.add_resource_suppressions(endpoint, [
                {"id": "CdkNagValidationFailure", "reason": "EC23 cannot resolve the ingress "
                 "source: it is the VPC CIDR (a token), HTTPS only, never 0.0.0.0/0."}],
                apply_to_children=True)  # fmt: skip

    def _flow_logs(self, config: EnvConfig) -> None:
        """Rejected-traffic flow logs: cheap, and they show a missing security group rule."""
        group = logs.LogGroup(
            self, "FlowLogs", retention=config.log_retention, removal_policy=config.removal_policy
        )
        role = iam.Role(self, "FlowLogsRole",
                        assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"))
        self.vpc.add_flow_log(
            "RejectedFlows",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(group, role),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        NagSuppressions.add_resource_suppressions(
            role,
            [{"id": "AwsSolutions-IAM5", "reason": "CDK's flow-log role writes log streams "
              "under its own log group (log-group:*:* suffix)."}],
            apply_to_children=True,
        )  # fmt: skip
