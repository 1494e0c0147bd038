"""The llm_service container on Fargate in isolated subnets, behind an internal load balancer.

Image: by default the ECR repository from the data stack at tag `llm_image_tag` (pushed once, see
the README), so neither synth nor deploy needs Docker. `-c llm_image_from_asset=true` builds
llm_service/Dockerfile instead; synth only stages the folder, `cdk deploy` then needs Docker.
The load balancer (not Cloud Map) because its /health checks replace a stuck task and give the
healthy-host metrics the alarms watch.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, IgnoreMode, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.config import REPO_ROOT, EnvConfig
from infra.data_stack import DataStack
from infra.network_stack import LLM_LISTENER_PORT, NetworkStack

MODEL_LOAD_GRACE = Duration.minutes(5)  # download from S3 + load the GGUF before /health is 200


class LlmStack(Stack):
    """ECS cluster, task definition, service and internal ALB for the OpenAI-compatible LLM API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvConfig,
        network: NetworkStack,
        data: DataStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=network.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=True,
        )
        task = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=config.llm_cpu,
            memory_limit_mib=config.llm_memory_mib,
            ephemeral_storage_gib=config.llm_ephemeral_storage_gib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        data.model_bucket.grant_read(task.task_role)
        log_group = logs.LogGroup(
            self, "Logs", retention=config.log_retention, removal_policy=config.removal_policy
        )
        task.add_container(
            "llm",
            image=self._image(config, data),
            port_mappings=[ecs.PortMapping(container_port=config.llm_container_port)],
            environment={
                "MODEL_BUCKET": data.model_bucket.bucket_name,
                "CHAT_MODEL_KEY": config.chat_model_key,
                "EMBED_MODEL_KEY": config.embed_model_key,
                "SPEECH_MODEL_PREFIX": config.speech_model_prefix,
                "PORT": str(config.llm_container_port),
            },
            logging=ecs.LogDrivers.aws_logs(stream_prefix="llm", log_group=log_group),
        )
        capacity = "FARGATE_SPOT" if config.llm_use_spot else "FARGATE"
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=task,
            desired_count=config.llm_desired_count,
            vpc_subnets=isolated,
            security_groups=[network.llm_service_sg],
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=MODEL_LOAD_GRACE,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider=capacity, weight=1)
            ],
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=network.vpc,
            internet_facing=False,
            vpc_subnets=isolated,
            security_group=network.llm_lb_sg,
            drop_invalid_header_fields=True,
            idle_timeout=Duration.minutes(5),  # a long digest generation on a small model
        )
        listener = self.load_balancer.add_listener(
            "Http", port=LLM_LISTENER_PORT, protocol=elbv2.ApplicationProtocol.HTTP, open=False
        )
        self.target_group = listener.add_targets(
            "Tasks",
            port=config.llm_container_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path="/health",
                healthy_http_codes="200",
                interval=Duration.seconds(30),
                timeout=Duration.seconds(10),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        self.base_url = f"http://{self.load_balancer.load_balancer_dns_name}"
        CfnOutput(self, "LlmBaseUrl", value=self.base_url)
        self._suppressions(task)

    @staticmethod
    def _image(config: EnvConfig, data: DataStack) -> ecs.ContainerImage:
        if config.llm_image_from_asset:
            return ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file="llm_service/Dockerfile",
                ignore_mode=IgnoreMode.DOCKER,
                exclude=["*", "!llm_service", "llm_service/__pycache__"],
            )
        return ecs.ContainerImage.from_ecr_repository(data.llm_repository, config.llm_image_tag)

    def _suppressions(self, task: ecs.FargateTaskDefinition) -> None:
        NagSuppressions.add_resource_suppressions(task, [
            {"id": "AwsSolutions-ECS2", "reason": "The environment holds only the model bucket "
             "name, object keys and port: no secrets."},
            {"id": "AwsSolutions-IAM5", "reason": "Read access to every object of the model "
             "bucket (s3 Get*/List* on bucket/*) is the point; the bucket holds models only."}],
            apply_to_children=True)  # fmt: skip
        NagSuppressions.add_resource_suppressions(self.load_balancer, [
            {"id": "AwsSolutions-ELB2", "reason": "Internal ALB with one client (the Lambdas); "
             "access logs need a region-bound bucket policy and add little over the app logs."}],
            apply_to_children=True)  # fmt: skip
