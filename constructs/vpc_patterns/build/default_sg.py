"""Empty the VPC's default security group.

CloudFormation creates the default security group with the VPC and has no
property to change its rules, so the only way is an API call at deploy time.
A small inline Lambda function (no asset, no bundling, so synthesis needs no
Docker and no network) revokes the two default rules on create, and restores
them on delete so that removing this construct gives back the AWS default.
Its role may touch only this one security group.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from vpc_patterns.build.compliance import managed_policy, suppress

HANDLER_SOURCE = Path(__file__).with_name("handlers") / "default_sg.py"
#: The newest Python runtime Lambda offers in this CDK version.
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Log retention of the handler's own logs: it runs once per deploy.
HANDLER_LOG_RETENTION_DAYS = 365
#: CloudFormation's limit for inline (ZipFile) code.
INLINE_CODE_LIMIT = 4096


def inline_handler(scope: Construct, id: str, *, source: Path, description: str,
                   logs_key: kms.IKey, removal_policy: RemovalPolicy,
                   statements: list[iam.PolicyStatement]) -> lambda_.CfnFunction:
    """A Lambda function from an inline Python file, with its own encrypted log
    group and a role holding only ``statements`` plus writing its own logs."""
    log_group = logs.LogGroup(
        scope, f"{id}Logs",
        encryption_key=logs_key,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=removal_policy,
    )
    role = iam.Role(
        scope, f"{id}Role",
        description=description,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
    )
    policy = managed_policy(
        scope, f"{id}Policy", role=role, description=description,
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
            *statements,
        ],
    )
    source_text = source.read_text()
    if len(source_text) > INLINE_CODE_LIMIT:
        raise ValueError(f"{source} is {len(source_text)} characters; inline code is limited "
                         f"to {INLINE_CODE_LIMIT}")
    # L1, not lambda_.Function: the L2 adds a DependsOn on the role that the
    # role's GetAtt already implies (cfn-lint W3005).
    fn = lambda_.CfnFunction(
        scope, id,
        description=description,
        runtime=HANDLER_RUNTIME.name,
        handler="index.handler",
        code=lambda_.CfnFunction.CodeProperty(zip_file=source_text),
        timeout=120,
        memory_size=128,
        role=role.role_arn,
        logging_config=lambda_.CfnFunction.LoggingConfigProperty(
            log_group=log_group.log_group_name, log_format="Text"),
        reserved_concurrent_executions=1,
    )
    # The function may run only once its permissions are attached.
    fn.node.add_dependency(policy)
    suppress(
        fn, "This deploy-time handler only calls AWS APIs once per stack operation; "
        "placing it inside the VPC it configures would make it depend on that VPC's NAT.",
        nag_in_packs=["LambdaInsideVPC"], checkov=["CKV_AWS_117"], guard=["CT.LAMBDA.PR.3"],
    )
    suppress(
        fn, "Invoked only by CloudFormation as a custom resource: a failure is reported "
        "to the stack operation, which fails and rolls back, so no event is lost.",
        nag_in_packs=["LambdaDLQ"], checkov=["CKV_AWS_116"],
    )
    return fn


class RestrictDefaultSecurityGroup(Construct):
    """Removes every rule from the given default security group at deploy time."""

    def __init__(self, scope: Construct, id: str, *, security_group_id: str,
                 logs_key: kms.IKey, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        sg_arn = stack.format_arn(service="ec2", resource="security-group",
                                  resource_name=security_group_id)
        self.function = inline_handler(
            self, "Handler",
            source=HANDLER_SOURCE,
            description="Removes the rules of one VPC's default security group",
            logs_key=logs_key,
            removal_policy=removal_policy,
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "ec2:RevokeSecurityGroupIngress",
                        "ec2:RevokeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:AuthorizeSecurityGroupEgress",
                    ],
                    resources=[sg_arn],
                )
            ],
        )
        self.resource = CustomResource(
            self, "Resource",
            service_token=self.function.attr_arn,
            resource_type="Custom::VpcRestrictDefaultSG",
            properties={"DefaultSecurityGroupId": security_group_id},
        )
