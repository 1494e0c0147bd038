"""GitHub Actions → AWS without long-lived keys: GitHub's OIDC provider and three roles.

Each role trusts only short-lived GitHub OIDC tokens of one repository, narrowed by the token's
`sub` claim, and can do little by itself:
- DiffRole (`repo:<repo>:pull_request`): may assume the CDK bootstrap *lookup* role only, which is
  what `cdk diff --method template` uses: a pull request can read, never change, the stacks.
- DeployRole (`repo:<repo>:environment:<env>`): may assume the CDK bootstrap roles
  (deploy, file and image publishing, lookup); CloudFormation's execution role does the rest.
  The GitHub environment (dev for main, prod for tags) carries its own protection rules.
- CollectorRole (`repo:<repo>:environment:<env>-collector`): reads the exports bucket (where
  WhatsApp exports are dropped for the scheduled collector) and the ingest token secret.

The provider is created here unless `github_oidc_provider_arn` names the account's existing one
(an account holds one provider per URL: with dev and prod in one account, create it in one).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagSuppressions
from constructs import Construct

from infra.config import EnvConfig

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_TOKEN_HOST = "token.actions.githubusercontent.com"
CDK_QUALIFIER = "hnb659fds"  # `cdk bootstrap`'s default qualifier


class GitHubStack(Stack):
    """OIDC provider (or the existing one), DiffRole, DeployRole, CollectorRole, exports bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvConfig,
                 ingest_token_secret: secretsmanager.ISecret, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        repo = config.github_repository
        if not repo:
            raise ValueError("the GitHub stack needs github_repository (owner/name)")
        provider_arn = config.github_oidc_provider_arn or iam.OidcProviderNative(
            self, "GitHubOidcProvider", url=GITHUB_OIDC_URL, client_ids=["sts.amazonaws.com"],
        ).oidc_provider_arn

        def role(name: str, subject: str, description: str) -> iam.Role:
            principal = iam.WebIdentityPrincipal(provider_arn, conditions={
                "StringEquals": {f"{GITHUB_TOKEN_HOST}:aud": "sts.amazonaws.com",
                                 f"{GITHUB_TOKEN_HOST}:sub": f"repo:{repo}:{subject}"}})
            return iam.Role(self, name, assumed_by=principal, description=description,
                            max_session_duration=Duration.hours(1))

        def bootstrap_role(kind: str) -> str:
            return (f"arn:{self.partition}:iam::{self.account}:role/"
                    f"cdk-{CDK_QUALIFIER}-{kind}-role-{self.account}-{self.region}")

        self.diff_role = role("DiffRole", "pull_request",
                              f"GitHub pull requests of {repo}: cdk diff against {config.name}")
        self.diff_role.add_to_policy(iam.PolicyStatement(
            actions=["sts:AssumeRole"], resources=[bootstrap_role("lookup")]))

        self.deploy_role = role("DeployRole", f"environment:{config.name}",
                                f"GitHub environment {config.name} of {repo}: cdk deploy")
        self.deploy_role.add_to_policy(iam.PolicyStatement(
            actions=["sts:AssumeRole"],
            resources=[bootstrap_role(k) for k in ("deploy", "file-publishing", "image-publishing",
                                                   "lookup")]))

        self.exports_bucket = s3.Bucket(
            self, "ExportsBucket", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, versioned=False,
            removal_policy=config.removal_policy,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(30))],
        )  # fmt: skip
        NagSuppressions.add_resource_suppressions(self.exports_bucket, [
            {"id": "AwsSolutions-S1", "reason": "A drop box for WhatsApp exports the collector "
             "reads; CloudTrail data events are the audit trail if one is wanted."}])  # fmt: skip
        self.collector_role = role("CollectorRole", f"environment:{config.name}-collector",
                                   f"GitHub environment {config.name}-collector of {repo}: "
                                   "the scheduled collector")
        self.exports_bucket.grant_read(self.collector_role)
        ingest_token_secret.grant_read(self.collector_role)
        NagSuppressions.add_resource_suppressions(self.collector_role, [
            {"id": "AwsSolutions-IAM5", "reason": "Read access to every export in the exports "
             "bucket (s3:GetObject* on <bucket>/*, as Bucket.grant_read writes it).",
             "appliesTo": ["Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
                           {"regex": "/^Resource::<ExportsBucket[0-9A-F]+\\.Arn>\\/\\*$/"}]},
        ], apply_to_children=True)  # fmt: skip

        for name, value in (("DiffRoleArn", self.diff_role.role_arn),
                            ("DeployRoleArn", self.deploy_role.role_arn),
                            ("CollectorRoleArn", self.collector_role.role_arn),
                            ("ExportsBucketName", self.exports_bucket.bucket_name)):
            CfnOutput(self, name, value=value)
