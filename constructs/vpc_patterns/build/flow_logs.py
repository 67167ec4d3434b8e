"""Flow logs with every option: targets, destinations, format, saved queries.

Two layers, as everywhere in this library:

* :func:`plan_flow_logs` is pure Python. It validates every option against the
  network's :class:`~vpc_patterns.plan.VpcPlan` and the published VPC Flow
  Logs field list (:data:`FLOW_LOG_FIELDS`) and returns a frozen
  :class:`FlowLogPlan`: which resources get a flow log, to which destination,
  in which format, and the CloudWatch Logs Insights queries for that format.
  A bad option raises :class:`~vpc_patterns.errors.ConfigError` naming the
  value and what is accepted, before any resource exists.
* :class:`FlowLogs` turns that plan into resources: a KMS-encrypted log group
  (reusing the network's logs key when it has one), a hardened S3 bucket with
  its own access-log bucket, one ``AWS::EC2::FlowLog`` per target and
  destination, and the saved queries.

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

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Mapping, Sequence, Union

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge, managed_policy
from vpc_patterns.errors import ConfigError
from vpc_patterns.build.keys import logs_key
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.network import VpcPlan
from vpc_patterns.build.vpc import DEFAULT_FLOW_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS
from vpc_patterns.plan.naming import pascal

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc

# --------------------------------------------------------------------------
# The published field list (data), each field with the record version that
# introduced it. Source: Amazon VPC User Guide, "Flow log records", table of
# available fields. A custom format may use any of these, in any order.
# --------------------------------------------------------------------------

#: Field name -> flow-log record version that introduced it. ``None``: a
#: field newer than version 8 (``resource-id`` came with regional NAT
#: gateways, ``encryption-status`` with VPC Encryption Controls, both 2025)
#: whose version number is not pinned here.
FLOW_LOG_FIELDS: Mapping[str, int | None] = {
    # version 2: the default format, in its fixed order
    "version": 2, "account-id": 2, "interface-id": 2, "srcaddr": 2, "dstaddr": 2,
    "srcport": 2, "dstport": 2, "protocol": 2, "packets": 2, "bytes": 2,
    "start": 2, "end": 2, "action": 2, "log-status": 2,
    # version 3
    "vpc-id": 3, "subnet-id": 3, "instance-id": 3, "tcp-flags": 3, "type": 3,
    "pkt-srcaddr": 3, "pkt-dstaddr": 3,
    # version 4
    "region": 4, "az-id": 4, "sublocation-type": 4, "sublocation-id": 4,
    # version 5
    "pkt-src-aws-service": 5, "pkt-dst-aws-service": 5, "flow-direction": 5,
    "traffic-path": 5,
    # version 7: Amazon ECS
    "ecs-cluster-arn": 7, "ecs-cluster-name": 7, "ecs-container-instance-arn": 7,
    "ecs-container-instance-id": 7, "ecs-container-id": 7, "ecs-second-container-id": 7,
    "ecs-service-name": 7, "ecs-task-definition-arn": 7, "ecs-task-arn": 7,
    "ecs-task-id": 7,
    # version 8: VPC Block Public Access
    "reject-reason": 8,
    # newer
    "resource-id": None, "encryption-status": None,
}

#: AWS's default format: the version 2 fields in their fixed order. Used when
#: ``log_format=None`` (no ``LogFormat`` property at all).
AWS_DEFAULT_FIELDS: tuple[str, ...] = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
)

#: The library's default format: AWS's default fields first, in AWS's order
#: (so tools that read the first 14 columns keep working), then the fields
#: that answer the questions flow logs exist for. ``subnet-id`` lets the saved
#: queries say which subnet rejects; ``flow-direction`` separates ingress from
#: egress rejections; ``pkt-srcaddr``/``pkt-dstaddr`` show the real endpoints
#: behind a NAT or load balancer; ``tcp-flags`` tells who opened a connection.
#: Only fields up to version 5 (2021, every region): ``reject-reason`` and the
#: ECS fields are opt-in.
DEFAULT_FIELDS: tuple[str, ...] = AWS_DEFAULT_FIELDS + (
    "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr",
    "pkt-dstaddr", "az-id", "flow-direction", "traffic-path", "pkt-src-aws-service",
    "pkt-dst-aws-service",
)

#: AWS accepts a maximum aggregation interval of 60 or 600 seconds.
AGGREGATION_INTERVALS = (60, 600)
#: 600 s (AWS's default): up to ten times fewer records than 60 s, so less
#: ingestion and storage cost; Nitro instances aggregate at 60 s or less anyway.
#: Choose 60 where rejected traffic must show up within minutes.
DEFAULT_AGGREGATION_INTERVAL = 600
#: Rows each saved query returns: a "top N" that fits one console page.
DEFAULT_QUERY_LIMIT = 25
#: S3 lifecycle defaults. Flow logs are read mostly in the first weeks
#: (incident response); 30 days is also the earliest S3 allows a transition to
#: Standard-IA. After 90 days Glacier Instant Retrieval costs about a third of
#: Standard-IA and still answers Athena queries in milliseconds, which keeps
#: PCI DSS 10.7's "three months immediately available" true for the whole year.
#: Expiry after 365 days matches the CloudWatch retention default (a year of
#: network logs: PCI DSS 10.7 and most audit regimes).
DEFAULT_IA_AFTER_DAYS = 30
DEFAULT_GLACIER_IR_AFTER_DAYS = 90
DEFAULT_EXPIRE_AFTER_DAYS = 365
#: Flow-log objects are never overwritten; noncurrent versions exist only after
#: an expiry or a deletion, and are kept 30 days as an undo window.
DEFAULT_NONCURRENT_EXPIRE_DAYS = 30
#: Server access logs of the flow-log bucket: kept as long as the logs they
#: describe.
DEFAULT_ACCESS_LOGS_EXPIRE_DAYS = 365
#: S3 bills Standard-IA for at least 30 days and Glacier Instant Retrieval for
#: at least 90; a lifecycle that moves objects sooner pays for time not used.
_MIN_DAYS_IN_IA = 30
#: Key prefix of the flow-log bucket's server access logs in the access-log bucket.
ACCESS_LOG_PREFIX = "flow-log-bucket/"
#: Incomplete multipart uploads (an interrupted delivery) are removed after a week.
ABORT_MULTIPART_AFTER_DAYS = 7

_FIELD_REF = re.compile(r"^\$\{([a-z0-9-]+)\}$")
_ENI_ID = re.compile(r"^eni-[0-9a-f]{8}([0-9a-f]{9})?$")
_CONSTRUCT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")


class TrafficType(str, Enum):
    """Which flows are recorded."""

    #: Both: rejected flows show rules that are too restrictive, accepted
    #: flows show rules that are too permissive. The default.
    ALL = "ALL"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class FileFormat(str, Enum):
    """Object format of an S3 destination."""

    #: Gzipped text, one record a line. The default: readable by any tool.
    PLAIN_TEXT = "plain-text"
    #: Apache Parquet: columnar, about 20% smaller and much faster and cheaper
    #: to query with Athena.
    PARQUET = "parquet"


# --------------------------------------------------------------------------
# Options (frozen, validated)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowLogTarget:
    """What a flow log records: the whole VPC, a tier's subnets, one subnet,
    or one network interface. Made by the static factories."""

    kind: str
    #: Named ``tier_name`` so it does not collide with the ``tier`` factory.
    tier_name: str | None = None
    az_index: int | None = None
    eni_id: str | None = None
    name: str | None = None

    @staticmethod
    def vpc() -> "FlowLogTarget":
        """Every interface in the VPC (the default target)."""
        return FlowLogTarget("vpc")

    @staticmethod
    def tier(name: str) -> "FlowLogTarget":
        """One flow log per subnet of tier ``name``."""
        return FlowLogTarget("tier", tier_name=name)

    @staticmethod
    def subnet(tier: str, az_index: int) -> "FlowLogTarget":
        """The subnet of ``tier`` in AZ slot ``az_index`` (0-based)."""
        return FlowLogTarget("subnet", tier_name=tier, az_index=az_index)

    @staticmethod
    def network_interface(eni_id: str, *, name: str | None = None) -> "FlowLogTarget":
        """One interface: a literal id (``eni-0123...``) or a token such as
        ``nat_instance.network_interface.ref``. ``name`` (letters and digits)
        names its construct; required for a token, whose value is unknown at
        synthesis."""
        return FlowLogTarget("eni", eni_id=eni_id, name=name)


@dataclass(frozen=True)
class CloudWatchDestination:
    """Deliver to a CloudWatch Logs group encrypted with a KMS key (rotation on).

    :param retention_days: one of CloudWatch's accepted values; default 365
        (a year of network logs: PCI DSS 10.7 and most audit regimes).
    :param saved_queries: save the CloudWatch Logs Insights queries of
        :func:`insights_queries` next to the group (default True: they are
        free, and they are the reason to send flow logs to CloudWatch).
    :param query_limit: rows per saved query (default 25).
    """

    retention_days: int = DEFAULT_FLOW_LOG_RETENTION_DAYS
    saved_queries: bool = True
    query_limit: int = DEFAULT_QUERY_LIMIT


@dataclass(frozen=True)
class S3Destination:
    """Deliver to a hardened S3 bucket (SSE-KMS with its own rotated key,
    versioning, TLS 1.2+ only, all public access blocked, bucket-owner
    enforced, server access logging to a second hardened bucket).

    :param file_format: ``"plain-text"`` (default) or ``"parquet"``.
    :param hive_compatible_partitions: ``key=value`` prefixes
        (``year=2026/month=01/...``) that Athena and Glue discover as
        partitions without a crawler. Default False (AWS's layout).
    :param per_hour_partition: one prefix per hour instead of per day, for
        queries over short time ranges of a busy VPC. Default False.
    :param prefix: optional key prefix before ``AWSLogs/`` (not ``AWSLogs``
        itself, no leading or trailing ``/``).
    :param infrequent_access_after_days: move to Standard-IA (None: never).
        Default 30, the earliest S3 allows.
    :param glacier_ir_after_days: move to Glacier Instant Retrieval (None:
        never). Default 90.
    :param expire_after_days: delete after this many days. Default 365.
    :param noncurrent_versions_expire_after_days: default 30.
    :param access_logs_expire_after_days: expiry of the server access logs
        bucket. Default 365.
    """

    file_format: FileFormat | str = FileFormat.PLAIN_TEXT
    hive_compatible_partitions: bool = False
    per_hour_partition: bool = False
    prefix: str | None = None
    infrequent_access_after_days: int | None = DEFAULT_IA_AFTER_DAYS
    glacier_ir_after_days: int | None = DEFAULT_GLACIER_IR_AFTER_DAYS
    expire_after_days: int = DEFAULT_EXPIRE_AFTER_DAYS
    noncurrent_versions_expire_after_days: int = DEFAULT_NONCURRENT_EXPIRE_DAYS
    access_logs_expire_after_days: int = DEFAULT_ACCESS_LOGS_EXPIRE_DAYS


Destination = Union[CloudWatchDestination, S3Destination]


class _UseDefault:
    """Sentinel: the library's :data:`DEFAULT_FIELDS` format."""

    def __repr__(self) -> str:
        return "DEFAULT_FIELDS"


DEFAULT_FORMAT = _UseDefault()


# --------------------------------------------------------------------------
# The plan (output of validation)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowLogResource:
    """One resource that gets a flow log per destination."""

    #: construct id stem, e.g. ``Vpc``, ``PrivateAz1``, ``NatEni``
    key: str
    #: ``VPC`` | ``Subnet`` | ``NetworkInterface`` (CloudFormation's ResourceType)
    resource_type: str
    #: subnet construct id in the network (Subnet), the ENI id or token
    #: (NetworkInterface), None for the VPC
    ref: str | None = None


@dataclass(frozen=True)
class FlowLogPlan:
    """Everything :class:`FlowLogs` builds, as data."""

    resources: tuple[FlowLogResource, ...]
    cloudwatch: CloudWatchDestination | None
    s3: S3Destination | None
    traffic_type: TrafficType
    #: the record fields in order (AWS's default fields when ``log_format`` is None)
    fields: tuple[str, ...]
    #: the ``LogFormat`` property, or None for AWS's default format
    log_format: str | None
    max_aggregation_interval: int
    #: saved query name -> CloudWatch Logs Insights query string
    queries: Mapping[str, str] = field(default_factory=dict)

    @property
    def record_version(self) -> int | None:
        """The version AWS writes in records of this format (the highest
        version among its fields; None when a field's version is not pinned)."""
        versions = [FLOW_LOG_FIELDS[f] for f in self.fields]
        return None if None in versions else max(v for v in versions if v is not None)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} {value!r} must be True or False")


def _check_int(name: str, value: object, lo: int, hi: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{name} {value!r} must be an integer from {lo} to {hi} ({why})")
    return value


def parse_log_format(log_format: object) -> tuple[tuple[str, ...], str | None]:
    """Validate a custom format and return (fields, LogFormat string).

    Accepts the :data:`DEFAULT_FORMAT` sentinel, ``None`` (AWS's default
    format), a string of ``${field}`` references separated by single spaces,
    or a sequence of field names (``["srcaddr", "dstaddr", ...]``)."""
    if log_format is DEFAULT_FORMAT:
        names: list[str] = list(DEFAULT_FIELDS)
    elif log_format is None:
        return AWS_DEFAULT_FIELDS, None
    elif isinstance(log_format, str):
        if not log_format.strip():
            raise ConfigError("log_format '' is empty; give '${field} ${field} ...' or None "
                              "for AWS's default format")
        parts = log_format.split(" ")
        names = []
        for part in parts:
            m = _FIELD_REF.match(part)
            if not m:
                raise ConfigError(
                    f"log_format {log_format!r}: {part!r} is not a field reference; the format "
                    "is '${field}' references separated by single spaces, e.g. "
                    "'${srcaddr} ${dstaddr} ${action}'"
                )
            names.append(m.group(1))
    elif isinstance(log_format, (list, tuple)):
        names = []
        for item in log_format:
            if not isinstance(item, str):
                raise ConfigError(f"log_format entry {item!r} must be a field name string")
            m = _FIELD_REF.match(item)
            names.append(m.group(1) if m else item)
    else:
        raise ConfigError(
            f"log_format {log_format!r} must be a '${{field}} ...' string, a list of field "
            "names, or None (AWS's default format)"
        )
    if not names:
        raise ConfigError("log_format lists no field; give at least one, or None for AWS's default")
    for n in names:
        if n not in FLOW_LOG_FIELDS:
            import difflib

            close = difflib.get_close_matches(n, FLOW_LOG_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"log_format field {n!r} is not a VPC Flow Logs field{hint}; accepted: "
                + ", ".join(FLOW_LOG_FIELDS)
            )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"log_format lists field {dup[0]!r} more than once")
    return tuple(names), " ".join(f"${{{n}}}" for n in names)


def _validate_cloudwatch(d: CloudWatchDestination) -> None:
    if d.retention_days not in LOG_RETENTION_DAYS or isinstance(d.retention_days, bool):
        raise ConfigError(
            f"CloudWatchDestination retention_days {d.retention_days!r} is not a CloudWatch "
            f"Logs retention; accepted: {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    _check_bool("CloudWatchDestination saved_queries", d.saved_queries)
    _check_int("CloudWatchDestination query_limit", d.query_limit, 1, 10000,
               "CloudWatch Logs Insights returns at most 10,000 rows")


def _validate_s3(d: S3Destination) -> S3Destination:
    try:
        fmt = FileFormat(d.file_format)
    except ValueError:
        raise ConfigError(
            f"S3Destination file_format {d.file_format!r} is unknown; accepted: "
            + ", ".join(f.value for f in FileFormat)
        ) from None
    _check_bool("S3Destination hive_compatible_partitions", d.hive_compatible_partitions)
    _check_bool("S3Destination per_hour_partition", d.per_hour_partition)
    if d.prefix is not None:
        if (not isinstance(d.prefix, str) or not _PREFIX.match(d.prefix)
                or d.prefix.split("/")[0] == "AWSLogs" or len(d.prefix) > 512):
            raise ConfigError(
                f"S3Destination prefix {d.prefix!r} must be S3 key characters without a "
                "leading or trailing '/', at most 512 characters, and must not start with "
                "'AWSLogs' (the folder the service writes under)"
            )
    ia, gir = d.infrequent_access_after_days, d.glacier_ir_after_days
    if ia is not None:
        _check_int("S3Destination infrequent_access_after_days", ia, 30, 36500,
                   "S3 moves objects to Standard-IA no sooner than 30 days; None for never")
    if gir is not None:
        _check_int("S3Destination glacier_ir_after_days", gir, 1, 36500,
                   "days before moving to Glacier Instant Retrieval; None for never")
        if ia is not None and gir < ia + _MIN_DAYS_IN_IA:
            raise ConfigError(
                f"S3Destination glacier_ir_after_days {gir} must be at least "
                f"infrequent_access_after_days + {_MIN_DAYS_IN_IA} = {ia + _MIN_DAYS_IN_IA} "
                "(Standard-IA bills 30 days minimum)"
            )
    _check_int("S3Destination expire_after_days", d.expire_after_days, 1, 36500,
               "days before flow-log objects are deleted")
    last = max([x for x in (ia, gir) if x is not None], default=0)
    if d.expire_after_days <= last:
        raise ConfigError(
            f"S3Destination expire_after_days {d.expire_after_days} must be later than the last "
            f"transition (day {last}); S3 refuses an expiry before or at a transition"
        )
    _check_int("S3Destination noncurrent_versions_expire_after_days",
               d.noncurrent_versions_expire_after_days, 1, 36500, "undo window of versions")
    _check_int("S3Destination access_logs_expire_after_days", d.access_logs_expire_after_days,
               1, 36500, "days the bucket's server access logs are kept")
    return S3Destination(**{**d.__dict__, "file_format": fmt})


def _resolve_targets(
    plan: VpcPlan, targets: Sequence[FlowLogTarget]
) -> tuple[FlowLogResource, ...]:
    if isinstance(targets, (str, FlowLogTarget)) or not isinstance(targets, (list, tuple)) \
            or not targets:
        raise ConfigError(
            f"targets {targets!r} must be a non-empty list of FlowLogTarget "
            "(FlowLogTarget.vpc(), .tier(name), .subnet(tier, az_index), .network_interface(id))"
        )
    tiers = [t.tier for t in plan.tiers if plan.subnets_of(t.tier)]
    out: list[FlowLogResource] = []
    covered: dict[str, str] = {}  # subnet construct id -> what covers it
    has_vpc = False
    for t in targets:
        if not isinstance(t, FlowLogTarget):
            raise ConfigError(f"target {t!r} is not a FlowLogTarget")
        if t.kind == "vpc":
            if has_vpc:
                raise ConfigError("targets list FlowLogTarget.vpc() more than once")
            has_vpc = True
            out.append(FlowLogResource("Vpc", "VPC"))
        elif t.kind in ("tier", "subnet"):
            if t.tier_name not in tiers:
                raise ConfigError(
                    f"flow-log target tier {t.tier_name!r} has no subnets in this network; "
                    f"accepted: {', '.join(tiers) or 'none'}"
                )
            subs = plan.subnets_of(t.tier_name)
            if t.kind == "subnet":
                slots = [s.az.index for s in subs]
                if isinstance(t.az_index, bool) or t.az_index not in slots:
                    raise ConfigError(
                        f"flow-log target subnet az_index {t.az_index!r} of tier {t.tier_name!r} "
                        f"does not exist; accepted: {', '.join(map(str, slots))}"
                    )
                subs = tuple(s for s in subs if s.az.index == t.az_index)
            what = f"tier {t.tier_name!r}" if t.kind == "tier" else f"subnet {subs[0].construct_id}"
            for s in subs:
                if s.construct_id in covered:
                    raise ConfigError(
                        f"flow-log target {what} covers subnet {s.construct_id}, already "
                        f"covered by {covered[s.construct_id]}; each subnet once"
                    )
                covered[s.construct_id] = what
                out.append(FlowLogResource(s.construct_id, "Subnet", s.construct_id))
        elif t.kind == "eni":
            if not isinstance(t.eni_id, str) or not (
                _ENI_ID.match(t.eni_id) or is_token(t.eni_id)
            ):
                raise ConfigError(
                    f"flow-log target network interface {t.eni_id!r} is not an ENI id "
                    "('eni-' and 8 or 17 hex digits) or a CDK token such as a "
                    "CfnNetworkInterface's ref"
                )
            if t.name is not None and (not isinstance(t.name, str)
                                       or not _CONSTRUCT_NAME.match(t.name)):
                raise ConfigError(
                    f"flow-log target name {t.name!r} must be letters and digits, starting with "
                    "a letter (it names a construct)"
                )
            if t.name is None and is_token(t.eni_id):
                raise ConfigError(
                    "flow-log target network_interface(<token>) needs name=...: the id is unknown "
                    "at synthesis, and the construct id must be stable"
                )
            key = t.name or pascal(t.eni_id)
            out.append(FlowLogResource(key, "NetworkInterface", t.eni_id))
        else:
            raise ConfigError(f"flow-log target kind {t.kind!r} is unknown; use the factories")
    if has_vpc and covered:
        first = next(iter(covered.values()))
        raise ConfigError(
            f"flow-log target {first} is already covered by FlowLogTarget.vpc(); the VPC flow "
            "log records every subnet, a second one would duplicate its records"
        )
    keys = [r.key for r in out]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ConfigError(f"flow-log targets name {dup[0]!r} more than once")
    return tuple(out)


# --------------------------------------------------------------------------
# CloudWatch Logs Insights queries
# --------------------------------------------------------------------------

#: Field names are used as Insights identifiers: ``-`` becomes ``_``, and the
#: few names that read like query words are prefixed.
_INSIGHTS_RENAME = {"start": "flow_start", "end": "flow_end", "type": "ip_type"}


def insights_name(field_name: str) -> str:
    """The identifier a flow-log field gets in the saved queries' ``parse``."""
    return _INSIGHTS_RENAME.get(field_name, field_name.replace("-", "_"))


def insights_queries(fields: Sequence[str], traffic_type: TrafficType, vpc_cidr: str,
                     limit: int = DEFAULT_QUERY_LIMIT) -> dict[str, str]:
    """The saved queries for records of ``fields`` (in order).

    Every query starts with one ``parse`` of the whole record (a ``*`` per
    field, names from :func:`insights_name`), so it is valid for default and
    custom formats alike, then:

    * ``rejected-by-subnet``: rejected flows per subnet (per interface when
      the format has no ``subnet-id``), and per direction when it has
      ``flow-direction``: a tier whose ACL or security groups are too strict
      tops this list;
    * ``rejected-by-destination-port``: per port and protocol: the service a
      rule forgot, or the port scanners probe;
    * ``rejected-by-source``: per source address, with how many ports each
      tried: scanners and misconfigured clients;
    * ``accepted-from-outside-by-port`` (unless only REJECT is logged):
      accepted flows from addresses outside the VPC per destination port,
      sorted by distinct sources: a port open to the internet that should not
      be shows many sources (replies to outbound connections spread over
      ephemeral ports and stay low).

    Raises :class:`ConfigError` when the format lacks a field they need, or
    when only ACCEPT is logged (there would be no rejected flow to show)."""
    if traffic_type is TrafficType.ACCEPT:
        raise ConfigError(
            "saved_queries need rejected flows, but traffic_type is 'ACCEPT'; log 'ALL' or "
            "'REJECT', or set CloudWatchDestination(saved_queries=False)"
        )
    need = ("action", "srcaddr", "dstport")
    missing = [f for f in need if f not in fields]
    if "subnet-id" not in fields and "interface-id" not in fields:
        missing.append("subnet-id (or interface-id)")
    if missing:
        raise ConfigError(
            f"saved_queries need the flow-log fields {', '.join(missing)}, missing from the "
            "log format; add them or set CloudWatchDestination(saved_queries=False)"
        )
    n = insights_name
    parse = (
        'parse @message "' + " ".join("*" for _ in fields) + '" as '
        + ", ".join(n(f) for f in fields)
    )
    rejected = f'{parse}\n| filter {n("action")} = "REJECT"'
    where = n("subnet-id") if "subnet-id" in fields else n("interface-id")
    by_where = where + (f', {n("flow-direction")}' if "flow-direction" in fields else "")
    packets = f', sum({n("packets")}) as rejected_packets' if "packets" in fields else ""
    by_port = n("dstport") + (f', {n("protocol")}' if "protocol" in fields else "")
    queries = {
        ("rejected-by-subnet" if "subnet-id" in fields else "rejected-by-interface"): (
            f"{rejected}\n| stats count(*) as rejected_flows{packets} by {by_where}"
            f"\n| sort rejected_flows desc\n| limit {limit}"
        ),
        "rejected-by-destination-port": (
            f"{rejected}\n| stats count(*) as rejected_flows, count_distinct({n('srcaddr')}) "
            f"as sources by {by_port}\n| sort rejected_flows desc\n| limit {limit}"
        ),
        "rejected-by-source": (
            f"{rejected}\n| stats count(*) as rejected_flows, count_distinct({n('dstport')}) "
            f"as ports_tried by {n('srcaddr')}\n| sort rejected_flows desc\n| limit {limit}"
        ),
    }
    if traffic_type is TrafficType.ALL:
        queries["accepted-from-outside-by-port"] = (
            f'{parse}\n| filter {n("action")} = "ACCEPT" and not '
            f'isIpv4InSubnet({n("srcaddr")}, "{vpc_cidr}")'
            f"\n| stats count(*) as accepted_flows, count_distinct({n('srcaddr')}) as sources "
            f"by {by_port}\n| sort sources desc\n| limit {limit}"
        )
    return queries


def plan_flow_logs(
    plan: VpcPlan,
    *,
    targets: Sequence[FlowLogTarget] = (FlowLogTarget.vpc(),),
    destinations: Sequence[Destination] = (CloudWatchDestination(),),
    traffic_type: TrafficType | str = TrafficType.ALL,
    log_format: object = DEFAULT_FORMAT,
    max_aggregation_interval: int = DEFAULT_AGGREGATION_INTERVAL,
) -> FlowLogPlan:
    """Validate every flow-log option against ``plan``. Pure Python."""
    try:
        traffic = TrafficType(traffic_type)
    except ValueError:
        raise ConfigError(
            f"traffic_type {traffic_type!r} is unknown; accepted: "
            + ", ".join(t.value for t in TrafficType)
        ) from None
    if (isinstance(max_aggregation_interval, bool)
            or max_aggregation_interval not in AGGREGATION_INTERVALS):
        raise ConfigError(
            f"max_aggregation_interval {max_aggregation_interval!r} is not accepted by VPC Flow "
            f"Logs; accepted: {' or '.join(map(str, AGGREGATION_INTERVALS))} (seconds)"
        )
    fields, fmt = parse_log_format(log_format)
    resources = _resolve_targets(plan, targets)
    if not isinstance(destinations, (list, tuple)) or not destinations:
        raise ConfigError(
            f"destinations {destinations!r} must be a non-empty list of CloudWatchDestination "
            "and/or S3Destination"
        )
    cw: CloudWatchDestination | None = None
    bucket: S3Destination | None = None
    for d in destinations:
        if isinstance(d, CloudWatchDestination):
            if cw is not None:
                raise ConfigError("destinations list CloudWatchDestination more than once")
            _validate_cloudwatch(d)
            cw = d
        elif isinstance(d, S3Destination):
            if bucket is not None:
                raise ConfigError("destinations list S3Destination more than once")
            bucket = _validate_s3(d)
        else:
            raise ConfigError(
                f"destination {d!r} is not a CloudWatchDestination or S3Destination"
            )
    queries: dict[str, str] = {}
    if cw is not None and cw.saved_queries:
        queries = insights_queries(fields, traffic, plan.cidr, cw.query_limit)
    return FlowLogPlan(
        resources=resources,
        cloudwatch=cw,
        s3=bucket,
        traffic_type=traffic,
        fields=fields,
        log_format=fmt,
        max_aggregation_interval=max_aggregation_interval,
        queries=queries,
    )


# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------


def logs_service_key(scope: Construct, id: str, *, description: str,
                     removal_policy: RemovalPolicy) -> kms.Key:
    """A KMS key (rotation on) that CloudWatch Logs of this account and region
    may use for its log groups (:func:`vpc_patterns.keys.logs_key`)."""
    return logs_key(scope, id, description=description, removal_policy=removal_policy)


class FlowLogs(Construct):
    """Flow logs of a :class:`~vpc_patterns.BestPracticeVpc`, with every option.

    All options are keyword-only; invalid ones raise :class:`ConfigError`
    before any resource exists.

    :param network: the network whose VPC, subnets or interfaces are logged.
    :param targets: :class:`FlowLogTarget` list; default the whole VPC.
    :param destinations: :class:`CloudWatchDestination` and/or
        :class:`S3Destination`; default CloudWatch Logs, 365 days.
    :param traffic_type: ``"ALL"`` (default), ``"ACCEPT"`` or ``"REJECT"``.
    :param log_format: the library's :data:`DEFAULT_FIELDS` by default; a
        ``"${field} ..."`` string or a list of field names; None for AWS's
        default format.
    :param max_aggregation_interval: 600 (default) or 60 seconds.
    :param removal_policy: of the log group and the logs key this construct
        creates (default RETAIN: flow logs are audit evidence). The S3 buckets
        and their key are always retained: CloudFormation cannot delete a
        non-empty bucket, and deleting the key would make the objects unreadable.
    :param name: prefix of ``Name`` tags and saved query names (default the
        construct path).

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
        network: "BestPracticeVpc",
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
            self._build_cloudwatch(self.plan.cloudwatch)
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
    def _resource_id(self, r: FlowLogResource) -> str:
        if r.resource_type == "VPC":
            return self.network.vpc_id
        if r.resource_type == "Subnet":
            assert r.ref is not None
            return self.network.subnets[r.ref].ref
        assert r.ref is not None
        return r.ref

    def _flow_log(self, r: FlowLogResource, dest: str, **props: object) -> ec2.CfnFlowLog:
        fl = ec2.CfnFlowLog(
            self, f"{r.key}To{dest}",
            resource_id=self._resource_id(r),
            resource_type=r.resource_type,
            traffic_type=self.plan.traffic_type.value,
            log_format=self.plan.log_format,
            max_aggregation_interval=self.plan.max_aggregation_interval,
            **props,  # type: ignore[arg-type]
        )
        Tags.of(fl).add("Name", f"{self._name}/{r.key.lower()}-to-{dest.lower()}")
        self.flow_logs[fl.node.id] = fl
        return fl

    # ------------------------------------------------------- CloudWatch Logs
    def _build_cloudwatch(self, d: CloudWatchDestination) -> None:
        stack = Stack.of(self)
        key = self.network.logs_key
        if key is None:
            key = logs_service_key(self, "LogsKey",
                                   description=f"Encrypts the flow logs of {self._name}",
                                   removal_policy=self._removal)
        self.logs_key = key
        group = logs.CfnLogGroup(self, "LogGroup", retention_in_days=d.retention_days,
                                 kms_key_id=key.key_arn)
        group.apply_removal_policy(self._removal)
        self.log_group = group
        self.role = iam.Role(
            self, "DeliveryRole",
            description=f"Lets VPC Flow Logs write the flow log group of {self._name}",
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
            self, "DeliveryPolicy", role=self.role,
            description="Write one flow log group (its Arn attribute covers its streams)",
            statements=[iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[group.attr_arn],
            )],
        )
        for r in self.plan.resources:
            fl = self._flow_log(r, "CloudWatch", log_destination_type="cloud-watch-logs",
                                log_group_name=group.ref,
                                deliver_logs_permission_arn=self.role.role_arn)
            fl.node.add_dependency(policy)
        for qname, text in self.plan.queries.items():
            self.queries[qname] = logs.CfnQueryDefinition(
                self, pascal(qname) + "Query",
                name=f"{self._name}/flow-logs/{qname}",
                query_string=text,
                log_group_names=[group.ref],
            )

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
        acknowledge_access_logs_bucket(access)

        key = kms.Key(
            self, "BucketKey",
            description=f"Encrypts the flow-log bucket of {self._name}",
            enable_key_rotation=True,
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
            fl = self._flow_log(r, "S3", log_destination_type="s3", log_destination=destination,
                                destination_options=options)
            # The service checks the bucket policy and the key when the flow log is created.
            fl.node.add_dependency(bucket.policy)
            fl.node.add_dependency(key)


# --------------------------------------------------------------------------
# cdk-nag acknowledgments of the buckets (scoped, with reasons)
# --------------------------------------------------------------------------


def acknowledge_access_logs_bucket(bucket: s3.Bucket) -> None:
    """The server-access-log bucket: SSE-S3 by necessity, one region."""
    for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"):
        acknowledge(
            bucket, f"{pack}-S3DefaultEncryptionKMS",
            "S3 delivers server access logs only to buckets encrypted with SSE-S3 (AES-256); "
            "SSE-KMS is not supported for a server-access-log destination bucket.",
        )
        acknowledge(
            bucket, f"{pack}-S3BucketReplicationEnabled",
            "Access logs of a regional log bucket; cross-region replication needs a bucket "
            "and key in another region, a disaster-recovery choice of the account owner.",
        )


def acknowledge_flow_log_bucket(bucket: s3.Bucket) -> None:
    """Cross-region replication is the only bucket rule left to the user."""
    for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"):
        acknowledge(
            bucket, f"{pack}-S3BucketReplicationEnabled",
            "Flow logs are regional audit records, versioned and retained; replicating them "
            "to another region needs a bucket and key there, which the account owner chooses.",
        )


__all__ = [
    "AGGREGATION_INTERVALS",
    "AWS_DEFAULT_FIELDS",
    "CloudWatchDestination",
    "DEFAULT_FIELDS",
    "DEFAULT_FORMAT",
    "FLOW_LOG_FIELDS",
    "FileFormat",
    "FlowLogPlan",
    "FlowLogResource",
    "FlowLogTarget",
    "FlowLogs",
    "S3Destination",
    "TrafficType",
    "insights_name",
    "insights_queries",
    "parse_log_format",
    "plan_flow_logs",
]
