"""Everything that holds state: Postgres, the DynamoDB tables, the app secrets, models and image.

The model bucket and the image repository live here (not in the LLM stack) because they must be
filled once before the LLM service can start: deploy this stack, upload/push, then the rest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import CfnOutput, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.config import REPO_ROOT, EnvConfig
from infra.lambda_function import LambdaPlacement, NudgeFunction
from infra.network_stack import POSTGRES_PORT, NetworkStack

POSTGRES_VERSION = rds.PostgresEngineVersion.VER_17_6  # RDS ships pgvector with every 17.x
DATABASE_NAME = "nudge"
MIGRATIONS_DIR = REPO_ROOT / "layers" / "core" / "python" / "nudge" / "store" / "migrations"
MIGRATION_RUNNER = MIGRATIONS_DIR.parent / "migrate.py"


def migrations_hash(folder: Path = MIGRATIONS_DIR, runner: Path = MIGRATION_RUNNER) -> str:
    """Content hash of the SQL files (and their runner): a change makes CloudFormation re-run."""
    digest = hashlib.sha256()
    files = sorted(folder.glob("*.sql")) + ([runner] if runner.is_file() else [])
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class DataStack(Stack):
    """RDS PostgreSQL + migrations, DynamoDB lock/dedup tables, secrets, model bucket, ECR repo."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvConfig,
        network: NetworkStack,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self._database(network)
        self.lock_table = self._table("LockTable", "pk", dynamodb.AttributeType.STRING)
        self.dedup_table = self._table("DedupTable", "pk", dynamodb.AttributeType.STRING)
        self._app_secrets()
        self._model_bucket()
        self._image_repository()
        self._migrations(network)

    # --- Postgres -------------------------------------------------------------------------
    def _database(self, network: NetworkStack) -> None:
        config = self.config
        self.database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            instance_type=ec2.InstanceType(config.db_instance_type),
            vpc=network.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[network.db_sg],
            port=POSTGRES_PORT,
            database_name=DATABASE_NAME,
            credentials=rds.Credentials.from_generated_secret(
                "nudge", secret_name=f"{config.prefix}/database"
            ),
            storage_type=rds.StorageType.GP3,
            allocated_storage=config.db_allocated_storage_gib,
            max_allocated_storage=config.db_max_allocated_storage_gib,
            storage_encrypted=True,
            multi_az=config.db_multi_az,
            backup_retention=config.backup_retention,
            delete_automated_backups=not config.is_prod,
            deletion_protection=config.is_prod,
            removal_policy=RemovalPolicy.SNAPSHOT if config.is_prod else RemovalPolicy.DESTROY,
            cloudwatch_logs_exports=["postgresql"],
            cloudwatch_logs_retention=config.log_retention,
            auto_minor_version_upgrade=True,
            parameters={"rds.force_ssl": "1"},
        )
        self.db_secret = self.database.secret
        assert self.db_secret is not None
        # The snapshot kept on deletion is useless without its password: keep the secret too.
        generated = self.database.node.try_find_child("Secret")
        if generated is not None:
            generated.node.default_child.apply_removal_policy(config.removal_policy)
        reasons = [
            {"id": "AwsSolutions-SMG4", "reason": "The Lambdas cache the database URL per warm "
             "container; rotation would need reconnect-on-auth-failure first. The database is "
             "only reachable from the Lambda security group in isolated subnets."},
            {"id": "AwsSolutions-RDS11", "reason": "Default port: obscurity adds nothing when "
             "only one security group may connect at all."},
        ]  # fmt: skip
        if not config.db_multi_az:
            reasons.append({"id": "AwsSolutions-RDS3", "reason": "One user: a single-AZ "
                            "instance plus automated backups is the accepted recovery plan."})
        if not config.is_prod:
            reasons.append({"id": "AwsSolutions-RDS10", "reason": "dev is disposable: no "
                            "deletion protection so `cdk destroy` works."})
        NagSuppressions.add_resource_suppressions(self.database, reasons, apply_to_children=True)
        self._suppress_log_retention_helper()

    def _suppress_log_retention_helper(self) -> None:
        """cloudwatch_logs_retention adds CDK's singleton LogRetention function to the stack."""
        for child in self.node.children:
            if child.node.id.startswith("LogRetention"):
                NagSuppressions.add_resource_suppressions(child, [
                    {"id": "AwsSolutions-IAM4", "reason": "CDK's LogRetention helper (sets the "
                     "RDS log group's retention) uses the AWS managed basic execution policy."},
                    {"id": "AwsSolutions-IAM5", "reason": "CDK's LogRetention helper may set "
                     "retention on any log group (Resource: *); it only runs at deploy time."}],
                    apply_to_children=True)  # fmt: skip

    # --- DynamoDB -------------------------------------------------------------------------
    def _table(
        self, construct_id: str, key: str, key_type: dynamodb.AttributeType
    ) -> dynamodb.TableV2:
        """On-demand, TTL on "ttl", point-in-time recovery: the lock and the webhook dedup."""
        return dynamodb.TableV2(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name=key, type=key_type),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute="ttl",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.config.is_prod,
            removal_policy=self.config.removal_policy,
        )

    # --- application secrets --------------------------------------------------------------
    def _app_secrets(self) -> None:
        """Ingest token and webhook secret are generated; the bot token is set by hand once."""
        prefix = self.config.prefix

        def secret(construct_id: str, name: str, description: str) -> secretsmanager.Secret:
            created = secretsmanager.Secret(
                self,
                construct_id,
                secret_name=f"{prefix}/{name}",
                description=description,
                # Telegram's secret_token allows A-Z a-z 0-9 _ -, so no punctuation anywhere.
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    exclude_punctuation=True, password_length=48
                ),
                removal_policy=self.config.removal_policy,
            )
            NagSuppressions.add_resource_suppressions(created, [
                {"id": "AwsSolutions-SMG4", "reason": "Static API credential: the bot token is "
                 "issued by BotFather, the ingest token is shared with the collector; both are "
                 "rotated by hand (README)."}])  # fmt: skip
            return created

        self.ingest_token_secret = secret(
            "IngestTokenSecret", "ingest-api-token", "Bearer token for POST /ingest and /lock"
        )
        self.webhook_secret = secret(
            "TelegramWebhookSecret",
            "telegram-webhook-secret",
            "X-Telegram-Bot-Api-Secret-Token expected on POST /telegram/webhook",
        )
        self.bot_token_secret = secret(
            "TelegramBotTokenSecret",
            "telegram-bot-token",
            "Telegram bot token from BotFather: replace the generated placeholder (README)",
        )

    # --- models and image -----------------------------------------------------------------
    def _model_bucket(self) -> None:
        self.model_bucket = s3.Bucket(
            self,
            "ModelBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=self.config.is_prod,
            removal_policy=self.config.removal_policy,
            auto_delete_objects=not self.config.is_prod,
        )
        NagSuppressions.add_resource_suppressions(self.model_bucket, [
            {"id": "AwsSolutions-S1", "reason": "Holds two public GGUF model files written by "
             "the operator; server access logs would cost more than they tell."}])  # fmt: skip
        CfnOutput(self, "ModelBucketName", value=self.model_bucket.bucket_name)

    def _image_repository(self) -> None:
        self.llm_repository = ecr.Repository(
            self,
            "LlmRepository",
            image_scan_on_push=True,
            encryption=ecr.RepositoryEncryption.AES_256,
            lifecycle_rules=[ecr.LifecycleRule(max_image_count=10)],
            removal_policy=self.config.removal_policy,
            empty_on_delete=not self.config.is_prod,
        )
        CfnOutput(self, "LlmRepositoryUri", value=self.llm_repository.repository_uri)

    # --- migrations -----------------------------------------------------------------------
    def _migrations(self, network: NetworkStack) -> None:
        """Custom resource whose handler applies the SQL migrations (incl. CREATE EXTENSION)."""
        placement = LambdaPlacement.create(self, self.config, network.vpc, network.lambda_sg)
        migration = NudgeFunction(
            self,
            "MigrationFunction",
            placement=placement,
            code=_lambda.Code.from_asset(str(REPO_ROOT / "infra" / "migration"),
                                         exclude=["**/__pycache__"]),
            service="migrate",
            description="Applies Nudge's SQL migrations (custom resource, every deploy)",
            environment=self.database_environment(),
            memory_mib=256,
            timeout=Duration.minutes(5),
        )  # fmt: skip
        assert self.db_secret is not None
        self.db_secret.grant_read(migration.function)
        provider_logs = logs.LogGroup(
            self,
            "MigrationProviderLogs",
            retention=self.config.log_retention,
            removal_policy=self.config.removal_policy,
        )
        provider = cr.Provider(
            self,
            "MigrationProvider",
            on_event_handler=migration.function,
            log_group=provider_logs,
        )
        resource = CustomResource(
            self,
            "Migrations",
            service_token=provider.service_token,
            resource_type="Custom::NudgeMigrations",
            properties={"MigrationsHash": migrations_hash()},
        )
        resource.node.add_dependency(self.database)
        NagSuppressions.add_resource_suppressions(provider, [
            {"id": "AwsSolutions-IAM4", "reason": "CDK provider framework: its onEvent function "
             "uses the AWS managed basic execution policy."},
            {"id": "AwsSolutions-IAM5", "reason": "CDK provider framework: may invoke every "
             "version of the migration function (<arn>:*)."},
            {"id": "AwsSolutions-L1", "reason": "CDK provider framework picks its own Node.js "
             "runtime for the framework function."}], apply_to_children=True)  # fmt: skip

    def database_environment(self) -> dict[str, str]:
        """What a function needs to build DATABASE_URL from the RDS secret."""
        assert self.db_secret is not None
        return {
            "DB_SECRET_ARN": self.db_secret.secret_arn,
            "DB_HOST": self.database.db_instance_endpoint_address,
            "DB_PORT": self.database.db_instance_endpoint_port,
            "DB_NAME": DATABASE_NAME,
        }
