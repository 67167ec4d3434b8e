"""The :class:`FlowLogs` construct: flow logs with every option, as resources.

It validates its options with :func:`~vpc_patterns.plan.flow_logs.plan_flow_logs`
(pure Python, :mod:`vpc_patterns.plan.flow_logs`: targets, destinations,
format, saved queries) and turns the :class:`FlowLogPlan` into resources: a
KMS-encrypted log group (reusing the network's logs key when it has one), a
hardened S3 bucket with its own access-log bucket, one ``AWS::EC2::FlowLog``
per target and destination, and the saved queries. The option types are
importable from here too.

:func:`build_cloudwatch_flow_logs` is the one builder of flow logs to
CloudWatch Logs (log group, delivery role and policy, flow logs, queries):
:class:`FlowLogs` calls it with :data:`FLOW_LOGS_CLOUDWATCH_IDS`, and
:class:`~vpc_patterns.BestPracticeVpc` with :data:`BUILTIN_CLOUDWATCH_IDS`
for its own flow log (planned by
:func:`~vpc_patterns.plan.flow_logs.plan_builtin_flow_log`). The module is a
little over 500 lines because it re-exports the plan's option names (about 80
lines of imports and ``__all__``).

Example::

    net = BestPracticeVpc(stack, "Net", flow_log=False)
    FlowLogs(stack, "FlowLogs", network=net,
             targets=[FlowLogTarget.vpc()],
             destinations=[CloudWatchDestination(retention_days=365),
                           S3Destination(file_format="parquet",
                                         hive_compatible_partitions=True)],
             max_aggregation_interval=60)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Annotations, CfnTag, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from vpc_patterns.build.compliance import (
    configured_retention,
    managed_policy,
    suppress,
)
from vpc_patterns.build.keys import customer_key, logs_key
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.flow_logs import (
    ABORT_MULTIPART_AFTER_DAYS,
    ACCESS_LOG_PREFIX,
    AGGREGATION_INTERVALS,
    AWS_DEFAULT_FIELDS,
    DEFAULT_ACCESS_LOGS_EXPIRE_DAYS,
    DEFAULT_AGGREGATION_INTERVAL,
    DEFAULT_EXPIRE_AFTER_DAYS,
    DEFAULT_FIELDS,
    DEFAULT_FLOW_LOG_RETENTION_DAYS,
    DEFAULT_FORMAT,
    DEFAULT_GLACIER_IR_AFTER_DAYS,
    DEFAULT_IA_AFTER_DAYS,
    DEFAULT_NONCURRENT_EXPIRE_DAYS,
    DEFAULT_QUERY_LIMIT,
    FLOW_LOG_FIELDS,
    LOG_RETENTION_DAYS,
    CloudWatchDestination,
    Destination,
    FileFormat,
    FlowLogPlan,
    FlowLogResource,
    FlowLogTarget,
    S3Destination,
    TrafficType,
    insights_name,
    insights_queries,
    parse_log_format,
    plan_builtin_flow_log,
    plan_flow_logs,
)
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import VpcPlan

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc


# --------------------------------------------------------------------------
# Flow logs to CloudWatch Logs: the one builder, for FlowLogs and for the
# flow log BestPracticeVpc builds itself
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CloudWatchIds:
    """The construct ids (hence logical ids, which are API) of one CloudWatch
    Logs delivery under its scope. ``flow_log`` is formatted with the planned
    resource's ``key`` (``Vpc``, ``PrivateAz1``, ...)."""

    log_group: str
    role: str
    policy: str
    flow_log: str


#: The ids under a :class:`FlowLogs` construct.
FLOW_LOGS_CLOUDWATCH_IDS = CloudWatchIds("LogGroup", "DeliveryRole", "DeliveryPolicy",
                                         "{key}ToCloudWatch")
#: The ids of a BestPracticeVpc's own flow log, directly under the network.
BUILTIN_CLOUDWATCH_IDS = CloudWatchIds("FlowLogGroup", "FlowLogRole", "FlowLogPolicy", "FlowLog")


@dataclass(frozen=True)
class CloudWatchDelivery:
    """What :func:`build_cloudwatch_flow_logs` made."""

    log_group: logs.CfnLogGroup
    role: iam.Role
    policy: iam.ManagedPolicy
    #: construct id -> flow log, one per planned resource
    flow_logs: dict[str, ec2.CfnFlowLog]
    #: saved query name -> query definition
    queries: dict[str, logs.CfnQueryDefinition]


def flow_log_resource_id(network: BestPracticeVpc, r: FlowLogResource) -> str:
    """The ``ResourceId`` of the flow log of ``r`` in ``network``."""
    if r.resource_type == "VPC":
        return network.vpc_id
    if r.resource_type == "Subnet":
        assert r.ref is not None
        return network.subnets[r.ref].ref
    assert r.ref is not None
    return r.ref


def cfn_flow_log(scope: Construct, id: str, plan: FlowLogPlan, resource_id: str,
                 r: FlowLogResource, **props: object) -> ec2.CfnFlowLog:
    """One ``AWS::EC2::FlowLog`` of ``r`` with the plan's traffic type, format
    and aggregation interval (None values are left out of the template)."""
    return ec2.CfnFlowLog(
        scope, id,
        resource_id=resource_id,
        resource_type=r.resource_type,
        traffic_type=plan.traffic_type.value,
        log_format=plan.log_format,
        max_aggregation_interval=plan.max_aggregation_interval,
        **props,  # type: ignore[arg-type]
    )


def build_cloudwatch_flow_logs(
    scope: Construct,
    plan: FlowLogPlan,
    *,
    network: BestPracticeVpc,
    ids: CloudWatchIds,
    key: kms.IKey,
    removal_policy: RemovalPolicy,
    role_description: str,
    policy_description: str,
    query_name_prefix: str = "",
    tags: Sequence[CfnTag] | None = None,
) -> CloudWatchDelivery:
    """The CloudWatch Logs delivery of ``plan`` (which must have a CloudWatch
    destination) under ``scope``: a log group encrypted with ``key``, a role
    only VPC Flow Logs of this account may assume (``aws:SourceAccount`` and
    ``aws:SourceArn`` conditions against the confused deputy), a managed
    policy that may write only that group, one flow log per planned resource
    (each depends on the policy, so its first delivery is allowed), and the
    plan's saved queries, named ``query_name_prefix + name``. ``tags`` (if
    any) are CfnTag properties of the log group and of each flow log."""
    d = plan.cloudwatch
    assert d is not None, "the plan has no CloudWatch destination"
    stack = Stack.of(scope)
    group = logs.CfnLogGroup(scope, ids.log_group, retention_in_days=d.retention_days,
                             kms_key_id=key.key_arn, tags=list(tags) if tags else None)
    group.apply_removal_policy(removal_policy)
    configured_retention(group, d.retention_days, "the CloudWatch destination's retention_days")
    role = iam.Role(
        scope, ids.role,
        description=role_description,
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": stack.format_arn(
                    service="ec2", resource="vpc-flow-log", resource_name="*")},
            },
        ),
    )
    policy = managed_policy(
        scope, ids.policy, role=role,
        description=policy_description,
        statements=[iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[group.attr_arn],
        )],
    )
    flow_logs: dict[str, ec2.CfnFlowLog] = {}
    for r in plan.resources:
        fl = cfn_flow_log(scope, ids.flow_log.format(key=r.key), plan,
                          flow_log_resource_id(network, r), r,
                          log_destination_type="cloud-watch-logs",
                          log_group_name=group.ref,
                          deliver_logs_permission_arn=role.role_arn,
                          tags=list(tags) if tags else None)
        fl.node.add_dependency(policy)
        flow_logs[fl.node.id] = fl
    queries = {
        qname: logs.CfnQueryDefinition(
            scope, pascal(qname) + "Query",
            name=query_name_prefix + qname,
            query_string=text,
            log_group_names=[group.ref],
        )
        for qname, text in plan.queries.items()
    }
    return CloudWatchDelivery(group, role, policy, flow_logs, queries)


# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------


def logs_service_key(scope: Construct, id: str, *, description: str,
                     removal_policy: RemovalPolicy) -> kms.Key:
    """A KMS key (rotation on) that CloudWatch Logs of this account and region
    may use for its log groups (:func:`vpc_patterns.build.keys.logs_key`)."""
    return logs_key(scope, id, description=description, removal_policy=removal_policy)


class FlowLogs(Construct):
    """Flow logs of a :class:`~vpc_patterns.BestPracticeVpc`, with every option.

    All options are keyword-only; invalid ones raise :class:`ConfigError`
    before any resource exists.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc` whose VPC, subnets
            or interfaces are logged.
        targets: :class:`FlowLogTarget` list (``.vpc()``, ``.tier(name)``,
            ``.subnet(tier, az_index)``, ``.network_interface(eni_id)``); a
            subnet logged twice is refused. Default: the whole VPC
            (``FlowLogTarget.vpc()``): every interface, including ones added
            later, with one flow log.
        destinations: :class:`CloudWatchDestination` and/or
            :class:`S3Destination`. Default: one ``CloudWatchDestination()``:
            a KMS-encrypted log group kept 365 days, with the saved Insights
            queries that make the logs useful.
        traffic_type: ``"ALL"``, ``"ACCEPT"`` or ``"REJECT"``. Default:
            ``"ALL"``: rejected flows show rules that are too restrictive,
            accepted flows rules that are too permissive; the other two are
            cheaper, narrower logs.
        log_format: a ``"${field} ..."`` string or a list of field names,
            each checked against the published flow-log fields; ``None`` for
            AWS's default format. Default: the library's
            :data:`DEFAULT_FIELDS`: AWS's 14 default fields in their order (so
            tools reading those columns keep working), then the fields that
            say which subnet, direction and real endpoint behind a NAT a flow
            had.
        max_aggregation_interval: 600 or 60 seconds. Default: ``600``
            (:data:`DEFAULT_AGGREGATION_INTERVAL`): AWS's default, up to ten
            times fewer records than 60 s; choose 60 where rejected traffic
            must show up within minutes.
        removal_policy: of the log group and the logs key this construct
            creates. Default: ``RemovalPolicy.RETAIN``: flow logs are audit
            evidence. The S3 buckets and their key are always retained:
            CloudFormation cannot delete a non-empty bucket, and deleting the
            key would make the objects unreadable.
        name: prefix of ``Name`` tags and saved query names. Default: ``None``:
            the construct path, unique in the app.

    Attributes: ``plan`` (:class:`FlowLogPlan`), ``flow_logs`` (construct id ->
    ``CfnFlowLog``), ``log_group``, ``logs_key``, ``role``, ``bucket``,
    ``bucket_key``, ``access_logs_bucket``, ``queries`` (name ->
    ``CfnQueryDefinition``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: BestPracticeVpc,
        targets: Sequence[FlowLogTarget] = (FlowLogTarget.vpc(),),
        destinations: Sequence[Destination] = (CloudWatchDestination(),),
        traffic_type: TrafficType | str = TrafficType.ALL,
        log_format: object = DEFAULT_FORMAT,
        max_aggregation_interval: int = DEFAULT_AGGREGATION_INTERVAL,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        name: str | None = None,
    ) -> None:
        net_plan = getattr(network, "plan", None)
        if not isinstance(net_plan, VpcPlan):
            raise ConfigError(f"network {network!r} is not a BestPracticeVpc (it has no plan)")
        if not isinstance(removal_policy, RemovalPolicy):
            raise ConfigError(f"removal_policy {removal_policy!r} must be an aws_cdk.RemovalPolicy")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 200):
            raise ConfigError(f"name {name!r} must be a string of 1..200 characters")
        self.plan: FlowLogPlan = plan_flow_logs(
            net_plan, targets=targets, destinations=destinations, traffic_type=traffic_type,
            log_format=log_format, max_aggregation_interval=max_aggregation_interval,
        )
        super().__init__(scope, id)
        self.network = network
        self._name = name or self.node.path
        self._removal = removal_policy
        self.flow_logs: dict[str, ec2.CfnFlowLog] = {}
        self.log_group: logs.CfnLogGroup | None = None
        self.logs_key: kms.IKey | None = None
        self.role: iam.Role | None = None
        self.bucket: s3.Bucket | None = None
        self.bucket_key: kms.Key | None = None
        self.access_logs_bucket: s3.Bucket | None = None
        self.queries: dict[str, logs.CfnQueryDefinition] = {}

        if self.plan.cloudwatch is not None:
            self._build_cloudwatch()
            logs_vpc = any(r.resource_type == "VPC" for r in self.plan.resources)
            if network.flow_log is not None and logs_vpc:
                Annotations.of(self).add_warning_v2(
                    "vpc_patterns:duplicate-flow-log",
                    "The network already has its own VPC flow log to CloudWatch Logs; build it "
                    "with flow_log=False so VPC records are not stored (and paid for) twice.",
                )
        if self.plan.s3 is not None:
            self._build_s3(self.plan.s3)

    # ------------------------------------------------------------ helpers
    def _register(self, fl: ec2.CfnFlowLog, r: FlowLogResource, dest: str) -> None:
        """Name ``fl`` (the flow log of ``r`` to ``dest``) and keep it in ``flow_logs``."""
        Tags.of(fl).add("Name", f"{self._name}/{r.key.lower()}-to-{dest.lower()}")
        self.flow_logs[fl.node.id] = fl

    # ------------------------------------------------------- CloudWatch Logs
    def _build_cloudwatch(self) -> None:
        key = self.network.logs_key
        if key is None:
            key = logs_service_key(self, "LogsKey",
                                   description=f"Encrypts the flow logs of {self._name}",
                                   removal_policy=self._removal)
        self.logs_key = key
        built = build_cloudwatch_flow_logs(
            self, self.plan, network=self.network, ids=FLOW_LOGS_CLOUDWATCH_IDS, key=key,
            removal_policy=self._removal,
            role_description=f"Lets VPC Flow Logs write the flow log group of {self._name}",
            policy_description="Write one flow log group (its Arn attribute covers its streams)",
            query_name_prefix=f"{self._name}/flow-logs/",
        )
        self.log_group = built.log_group
        self.role = built.role
        for r, fl in zip(self.plan.resources, built.flow_logs.values(), strict=True):
            self._register(fl, r, "CloudWatch")
        self.queries.update(built.queries)

    # ------------------------------------------------------------------- S3
    def _build_s3(self, d: S3Destination) -> None:
        stack = Stack.of(self)
        noncurrent = Duration.days(d.noncurrent_versions_expire_after_days)
        access = s3.Bucket(
            self, "AccessLogsBucket",
            # Server access logs can only be delivered to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(
                id="ExpireAccessLogs",
                expiration=Duration.days(d.access_logs_expire_after_days),
                noncurrent_version_expiration=noncurrent,
                abort_incomplete_multipart_upload_after=Duration.days(ABORT_MULTIPART_AFTER_DAYS),
            )],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.access_logs_bucket = access
        notify_eventbridge(access)
        acknowledge_access_logs_bucket(access)

        key = customer_key(
            self, "BucketKey",
            description=f"Encrypts the flow-log bucket of {self._name}",
            removal_policy=RemovalPolicy.RETAIN,
        )
        source = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn":
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"},
        }
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowLogDeliveryOfThisAccount",
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                     "kms:DescribeKey"],
            resources=["*"],
            conditions=source,
        ))
        self.bucket_key = key

        transitions = []
        if d.infrequent_access_after_days is not None:
            transitions.append(s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(d.infrequent_access_after_days)))
        if d.glacier_ir_after_days is not None:
            transitions.append(s3.Transition(
                storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                transition_after=Duration.days(d.glacier_ir_after_days)))
        bucket = s3.Bucket(
            self, "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            versioned=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(
                id="TierAndExpireFlowLogs",
                transitions=transitions or None,
                expiration=Duration.days(d.expire_after_days),
                noncurrent_version_expiration=noncurrent,
                abort_incomplete_multipart_upload_after=Duration.days(ABORT_MULTIPART_AFTER_DAYS),
            )],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = bucket
        # Server access logging through the target's bucket policy (not the
        # LogDeliveryWrite ACL the L2 would set: ACLs are disabled here).
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=access.bucket_name, log_file_prefix=ACCESS_LOG_PREFIX)
        access.add_to_resource_policy(iam.PolicyStatement(
            sid="S3ServerAccessLogsOfTheFlowLogBucket",
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[access.arn_for_objects(f"{ACCESS_LOG_PREFIX}*")],
            conditions={"ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                        "StringEquals": {"aws:SourceAccount": stack.account}},
        ))
        notify_eventbridge(bucket)
        acknowledge_flow_log_bucket(bucket)
        prefix = f"{d.prefix}/" if d.prefix else ""
        bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="AWSLogDeliveryWrite",
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"{prefix}AWSLogs/{stack.account}/*")],
            conditions={**source, "StringEquals": {
                **source["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"}},
        ))
        bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="AWSLogDeliveryCheck",
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            actions=["s3:GetBucketAcl", "s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions=source,
        ))
        destination = bucket.bucket_arn + (f"/{d.prefix}/" if d.prefix else "")
        # DestinationOptions is untyped JSON in the CDK: CloudFormation's own keys.
        options = {
            "FileFormat": FileFormat(d.file_format).value,
            "HiveCompatiblePartitions": d.hive_compatible_partitions,
            "PerHourPartition": d.per_hour_partition,
        }
        assert bucket.policy is not None
        for r in self.plan.resources:
            fl = cfn_flow_log(self, f"{r.key}ToS3", self.plan,
                              flow_log_resource_id(self.network, r), r,
                              log_destination_type="s3", log_destination=destination,
                              destination_options=options)
            self._register(fl, r, "S3")
            # The service checks the bucket policy and the key when the flow log is created.
            fl.node.add_dependency(bucket.policy)
            fl.node.add_dependency(key)


# --------------------------------------------------------------------------
# cdk-nag acknowledgments of the buckets (scoped, with reasons)
# --------------------------------------------------------------------------


#: Why neither bucket has S3 Object Lock (CT.S3.PR.9).
OBJECT_LOCK_REASON = (
    "Object Lock would make every log object undeletable for a fixed period, outliving the "
    "lifecycle expiry the configuration sets; versioning, SSL-only access and the retained "
    "bucket keep the records, and a compliance retention is the account owner's choice.")


def notify_eventbridge(bucket: s3.Bucket) -> None:
    """Send the bucket's object events to Amazon EventBridge (CT.S3.PR.4), as
    a property of the bucket: the L2's ``event_bridge_enabled`` would add a
    Lambda-backed custom resource to set it."""
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
        event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
            event_bridge_enabled=True))


def acknowledge_access_logs_bucket(bucket: s3.Bucket) -> None:
    """The server-access-log bucket: SSE-S3 by necessity, one region, and no
    access logs of its own (it is where they go)."""
    suppress(
        bucket, "S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES-256); "
        "SSE-KMS is not supported for a server-access-log destination bucket.",
        nag_in_packs=["S3DefaultEncryptionKMS"], guard=["CT.S3.PR.10"])
    suppress(
        bucket, "Access logs of a regional log bucket; cross-region replication needs a bucket "
        "and key in another region, a disaster-recovery choice of the account owner.",
        nag_in_packs=["S3BucketReplicationEnabled"])
    suppress(
        bucket, "This is the server-access-log destination of the flow-log bucket: logging its "
        "own access would log every log delivery into itself, or need yet another bucket.",
        checkov=["CKV_AWS_18"], guard=["CT.S3.PR.2"])
    suppress(bucket, OBJECT_LOCK_REASON, guard=["CT.S3.PR.9"])


def acknowledge_flow_log_bucket(bucket: s3.Bucket) -> None:
    """Cross-region replication and Object Lock are left to the user."""
    suppress(
        bucket, "Flow logs are regional audit records, versioned and retained; replicating them "
        "to another region needs a bucket and key there, which the account owner chooses.",
        nag_in_packs=["S3BucketReplicationEnabled"])
    suppress(bucket, OBJECT_LOCK_REASON, guard=["CT.S3.PR.9"])



#: The construct and its helpers, and the plan names importable from here.
__all__ = [
    "ABORT_MULTIPART_AFTER_DAYS",
    "ACCESS_LOG_PREFIX",
    "AGGREGATION_INTERVALS",
    "AWS_DEFAULT_FIELDS",
    "BUILTIN_CLOUDWATCH_IDS",
    "DEFAULT_ACCESS_LOGS_EXPIRE_DAYS",
    "DEFAULT_AGGREGATION_INTERVAL",
    "DEFAULT_EXPIRE_AFTER_DAYS",
    "DEFAULT_FIELDS",
    "DEFAULT_FLOW_LOG_RETENTION_DAYS",
    "DEFAULT_FORMAT",
    "DEFAULT_GLACIER_IR_AFTER_DAYS",
    "DEFAULT_IA_AFTER_DAYS",
    "DEFAULT_NONCURRENT_EXPIRE_DAYS",
    "DEFAULT_QUERY_LIMIT",
    "FLOW_LOGS_CLOUDWATCH_IDS",
    "FLOW_LOG_FIELDS",
    "LOG_RETENTION_DAYS",
    "CloudWatchDelivery",
    "CloudWatchDestination",
    "CloudWatchIds",
    "Destination",
    "FileFormat",
    "FlowLogPlan",
    "FlowLogResource",
    "FlowLogTarget",
    "FlowLogs",
    "S3Destination",
    "TrafficType",
    "acknowledge_access_logs_bucket",
    "acknowledge_flow_log_bucket",
    "build_cloudwatch_flow_logs",
    "cfn_flow_log",
    "flow_log_resource_id",
    "insights_name",
    "insights_queries",
    "logs_service_key",
    "notify_eventbridge",
    "parse_log_format",
    "plan_builtin_flow_log",
    "plan_flow_logs",
]
