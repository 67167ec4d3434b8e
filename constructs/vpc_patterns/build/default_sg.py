"""Empty the VPC's default security group.

CloudFormation creates the default security group with the VPC and has no
property to change its rules, so the only way is an API call at deploy time.
A small inline Lambda function (no asset, no bundling, so synthesis needs no
Docker and no network) revokes the two default rules on create, and restores
them on delete so that removing this construct gives back the AWS default.
Its role may touch only this one security group. A group that does not exist
fails a create or update; on delete it counts as already restored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
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
#: Largest inline (ZipFile) handler source, in characters. CloudFormation's
#: own limit was 4096 characters until 2022; it is now the 4 MB of the zip it
#: makes (AWS::Lambda::Function Code.ZipFile), but every copy of a handler is
#: template text, counted against the template's 1 MB, so the library keeps
#: each handler small.
INLINE_CODE_LIMIT = 16384
#: Lambda timeout of a handler, unless the construct needs longer: each
#: handler stops its work and answers FAILED before it.
HANDLER_TIMEOUT_SECONDS = 120
#: Age after which Lambda drops a queued invocation instead of running it
#: (CloudFormation invokes handlers asynchronously; 60 s is Lambda's minimum).
#: With no retries of a failed invocation either, a handler never runs after
#: CloudFormation has given up on it (see :func:`handler_resource`).
HANDLER_MAX_EVENT_AGE_SECONDS = 60


def inline_handler(scope: Construct, id: str, *, source: Path, description: str,
                   logs_key: kms.IKey, removal_policy: RemovalPolicy,
                   statements: list[iam.PolicyStatement],
                   timeout: int = HANDLER_TIMEOUT_SECONDS) -> lambda_.CfnFunction:
    """A Lambda function from an inline Python file, with its own encrypted log
    group and a role holding only ``statements`` plus writing its own logs.

    No reserved concurrency: a reservation comes out of the account's
    unreserved pool, which Lambda refuses to take below its minimum (10); a
    new or low-quota account is at that minimum, so even a reservation of 1
    fails the deploy ("below its minimum value of [10]"). The function's
    asynchronous invocations are not retried and expire after
    :data:`HANDLER_MAX_EVENT_AGE_SECONDS` (``{id}InvokeConfig``): a handler
    answers every request itself, and one that did not (a crash) must not run
    again after CloudFormation has stopped waiting (a Create run after the
    rollback's Delete would leave what it made behind)."""
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
        timeout=timeout,
        memory_size=128,
        role=role.role_arn,
        logging_config=lambda_.CfnFunction.LoggingConfigProperty(
            log_group=log_group.log_group_name, log_format="Text"),
    )
    # The function may run only once its permissions are attached.
    fn.node.add_dependency(policy)
    lambda_.CfnEventInvokeConfig(
        scope, f"{id}InvokeConfig",
        function_name=fn.ref,
        qualifier="$LATEST",
        maximum_retry_attempts=0,
        maximum_event_age_in_seconds=HANDLER_MAX_EVENT_AGE_SECONDS,
    )
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
    suppress(
        fn, "Runs once per stack operation, invoked only by CloudFormation. Reserved concurrency "
        "comes out of the account's unreserved pool, which Lambda refuses to take below its "
        "minimum (10); a new or low-quota account is at that minimum, so even a reservation "
        "of 1 fails the deploy.",
        nag_in_packs=["LambdaConcurrency"], checkov=["CKV_AWS_115"],
    )
    return fn


def handler_resource(scope: Construct, id: str, *, function: lambda_.CfnFunction,
                     resource_type: str, properties: dict[str, Any]) -> CustomResource:
    """The custom resource that ``function`` (from :func:`inline_handler`) serves.

    Its ``ServiceTimeout`` is the function's timeout plus
    :data:`HANDLER_MAX_EVENT_AGE_SECONDS`: the latest a handler's answer can
    come (it may wait that long in Lambda's queue, then runs at most its
    timeout). If the answer is lost, CloudFormation fails the operation then,
    not after its default hour. CloudFormation also passes ``ServiceTimeout``
    to the handler among the resource properties; the handlers read only
    their own."""
    timeout = function.timeout
    if not isinstance(timeout, int):
        raise TypeError(f"{function.node.path} has no timeout in seconds: {timeout!r}")
    resource = CustomResource(
        scope, id,
        service_token=function.attr_arn,
        service_timeout=Duration.seconds(timeout + HANDLER_MAX_EVENT_AGE_SECONDS),
        resource_type=resource_type,
        properties=properties,
    )
    # Invoked only once its invocations can no longer be retried.
    owner = function.node.scope
    if owner is None:  # pragma: no cover - a CfnFunction always has a scope
        raise TypeError(f"{function} has no scope")
    resource.node.add_dependency(owner.node.find_child(f"{function.node.id}InvokeConfig"))
    return resource


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
        self.resource = handler_resource(
            self, "Resource",
            function=self.function,
            resource_type="Custom::VpcRestrictDefaultSG",
            properties={"DefaultSecurityGroupId": security_group_id},
        )
