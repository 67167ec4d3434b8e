"""Flow-log options and their plan, in pure Python.

:func:`plan_flow_logs` validates every option against the network's
:class:`~vpc_patterns.plan.VpcPlan` and returns a frozen :class:`FlowLogPlan`:
which resources get a flow log (:class:`FlowLogTarget`), to which destination
(:class:`CloudWatchDestination`, :class:`S3Destination`), in which record
format, and the saved CloudWatch Logs Insights queries for that format. A bad
option raises :class:`~vpc_patterns.errors.ConfigError` naming the value and
what is accepted, before any resource exists. The record format (field list,
format parsing, queries) is :mod:`vpc_patterns.plan.flow_log_format`, whose
names are re-exported here. :func:`plan_builtin_flow_log` plans the flow log
a :class:`~vpc_patterns.BestPracticeVpc` builds itself (``flow_log=True``).
:mod:`vpc_patterns.build.flow_logs` turns either plan into resources. The
module runs past 500 lines: the target and destination types document
every option with its default and reason, and both plans share the validators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.flow_log_format import (
    AWS_DEFAULT_FIELDS,
    DEFAULT_FIELDS,
    DEFAULT_FORMAT,
    DEFAULT_QUERY_LIMIT,
    FLOW_LOG_FIELDS,
    TrafficType,
    insights_name,
    insights_queries,
    parse_log_format,
)
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import VpcPlan

# --------------------------------------------------------------------------
# Defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
    2192, 2557, 2922, 3288, 3653,
)
#: One year: PCI DSS 10.7 and most audit regimes ask for a year of network logs.
DEFAULT_FLOW_LOG_RETENTION_DAYS = 365
#: AWS accepts a maximum aggregation interval of 60 or 600 seconds.
AGGREGATION_INTERVALS = (60, 600)
#: 600 s (AWS's default): up to ten times fewer records than 60 s, so less
#: ingestion and storage cost; Nitro instances aggregate at 60 s or less anyway.
#: Choose 60 where rejected traffic must show up within minutes.
DEFAULT_AGGREGATION_INTERVAL = 600
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

_ENI_ID = re.compile(r"^eni-[0-9a-f]{8}([0-9a-f]{9})?\Z")
_CONSTRUCT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}\Z")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*\Z")


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
    or one network interface. Made by the static factories.

    Args:
        kind: ``"vpc"``, ``"tier"``, ``"subnet"`` or ``"eni"``; the factory
            sets it.
        tier_name: the tier of a ``tier`` or ``subnet`` target. Default:
            ``None``: only those two kinds name a tier.
        az_index: the AZ slot (0-based) of a ``subnet`` target. Default:
            ``None``: only a subnet target names one.
        eni_id: the interface of an ``eni`` target. Default: ``None``: only
            an interface target names one.
        name: construct name of an ``eni`` target (letters and digits).
            Default: ``None``: derived from a literal id; a token's value is
            unknown at synthesis, so a token needs one.
    """

    kind: str
    #: Named ``tier_name`` so it does not collide with the ``tier`` factory.
    tier_name: str | None = None
    az_index: int | None = None
    eni_id: str | None = None
    name: str | None = None

    @staticmethod
    def vpc() -> FlowLogTarget:
        """Every interface in the VPC (the default target)."""
        return FlowLogTarget("vpc")

    @staticmethod
    def tier(name: str) -> FlowLogTarget:
        """One flow log per subnet of a tier.

        Args:
            name: the tier's name.
        """
        return FlowLogTarget("tier", tier_name=name)

    @staticmethod
    def subnet(tier: str, az_index: int) -> FlowLogTarget:
        """One subnet.

        Args:
            tier: the tier's name.
            az_index: the subnet's AZ slot (0-based).
        """
        return FlowLogTarget("subnet", tier_name=tier, az_index=az_index)

    @staticmethod
    def network_interface(eni_id: str, *, name: str | None = None) -> FlowLogTarget:
        """One network interface.

        Args:
            eni_id: a literal id (``eni-0123...``) or a token such as
                ``nat_instance.network_interface.ref``.
            name: letters and digits; names the flow log's construct. Default:
                ``None``: derived from a literal id; required for a token,
                whose value is unknown at synthesis.
        """
        return FlowLogTarget("eni", eni_id=eni_id, name=name)


@dataclass(frozen=True)
class CloudWatchDestination:
    """Deliver to a CloudWatch Logs group encrypted with a KMS key (rotation on).

    Args:
        retention_days: one of CloudWatch's accepted retention values. Default:
            ``365`` (:data:`DEFAULT_FLOW_LOG_RETENTION_DAYS`): a year of network
            logs is what PCI DSS 10.7 and most audit regimes ask for.
        saved_queries: save the CloudWatch Logs Insights queries of
            :func:`insights_queries` next to the group. Default: ``True``: they
            are free, and they are the reason to send flow logs to CloudWatch.
        query_limit: rows each saved query returns. Default: ``25``
            (:data:`DEFAULT_QUERY_LIMIT`): a "top N" that fits one console page.
    """

    retention_days: int = DEFAULT_FLOW_LOG_RETENTION_DAYS
    saved_queries: bool = True
    query_limit: int = DEFAULT_QUERY_LIMIT


@dataclass(frozen=True)
class S3Destination:
    """Deliver to a hardened S3 bucket (SSE-KMS with its own rotated key,
    versioning, TLS 1.2+ only, all public access blocked, bucket-owner
    enforced, server access logging to a second hardened bucket).

    Args:
        file_format: ``"plain-text"`` or ``"parquet"``. Default:
            ``"plain-text"``: AWS's default, readable by any tool; Parquet is
            smaller and faster for Athena.
        hive_compatible_partitions: ``key=value`` prefixes
            (``year=2026/month=01/...``) that Athena and Glue discover as
            partitions without a crawler. Default: ``False``: AWS's layout,
            which existing tooling expects.
        per_hour_partition: one prefix per hour instead of per day, for
            queries over short time ranges of a busy VPC. Default: ``False``:
            a prefix per day suits most volumes.
        prefix: key prefix before ``AWSLogs/`` (not ``AWSLogs`` itself, no
            leading or trailing ``/``). Default: ``None``: the bucket holds only
            flow logs, so no prefix is needed.
        infrequent_access_after_days: move objects to Standard-IA (``None``:
            never). Default: ``30`` (:data:`DEFAULT_IA_AFTER_DAYS`): flow logs
            are read mostly in the first weeks, and 30 days is the earliest S3
            allows the transition.
        glacier_ir_after_days: move objects to Glacier Instant Retrieval
            (``None``: never). Default: ``90``
            (:data:`DEFAULT_GLACIER_IR_AFTER_DAYS`): about a third of the
            Standard-IA price and still answers Athena in milliseconds, so
            PCI DSS 10.7's "three months immediately available" stays true.
        expire_after_days: delete objects after this many days. Default:
            ``365`` (:data:`DEFAULT_EXPIRE_AFTER_DAYS`): matches the CloudWatch
            retention default, a year of network logs.
        noncurrent_versions_expire_after_days: delete noncurrent versions after
            this many days. Default: ``30``
            (:data:`DEFAULT_NONCURRENT_EXPIRE_DAYS`): flow-log objects are never
            overwritten, so noncurrent versions exist only after an expiry or a
            deletion, kept 30 days as an undo window.
        access_logs_expire_after_days: expiry of the server access logs bucket.
            Default: ``365`` (:data:`DEFAULT_ACCESS_LOGS_EXPIRE_DAYS`): kept as
            long as the logs they describe.
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


Destination = CloudWatchDestination | S3Destination



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
    #: the ``MaxAggregationInterval`` property (seconds), or None to leave it
    #: out (AWS's default, 600 s; only :func:`plan_builtin_flow_log` does)
    max_aggregation_interval: int | None
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
    if d.prefix is not None and (
        not isinstance(d.prefix, str) or not _PREFIX.match(d.prefix)
        or d.prefix.split("/")[0] == "AWSLogs" or len(d.prefix) > 512
    ):
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
    return _plan(plan, targets, destinations, traffic, log_format, max_aggregation_interval)


def plan_builtin_flow_log(
    plan: VpcPlan, *, retention_days: int = DEFAULT_FLOW_LOG_RETENTION_DAYS
) -> FlowLogPlan:
    """The flow log a :class:`~vpc_patterns.BestPracticeVpc` builds itself
    (``flow_log=True``): the whole VPC, all traffic, to CloudWatch Logs kept
    ``retention_days`` (its ``flow_log_retention_days`` option), in AWS's
    default format and aggregation interval (both properties left out), with
    no saved queries. Pure Python."""
    if isinstance(retention_days, bool) or retention_days not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"flow_log_retention_days {retention_days!r} is not a CloudWatch "
            f"Logs retention; accepted: {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return _plan(plan, (FlowLogTarget.vpc(),),
                 (CloudWatchDestination(retention_days=retention_days, saved_queries=False),),
                 TrafficType.ALL, None, None)


def _plan(
    plan: VpcPlan,
    targets: Sequence[FlowLogTarget],
    destinations: Sequence[Destination],
    traffic: TrafficType,
    log_format: object,
    max_aggregation_interval: int | None,
) -> FlowLogPlan:
    """The plan of validated ``traffic`` and ``max_aggregation_interval``;
    validates the format, targets and destinations."""
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


__all__ = [
    "ABORT_MULTIPART_AFTER_DAYS",
    "ACCESS_LOG_PREFIX",
    "AGGREGATION_INTERVALS",
    "AWS_DEFAULT_FIELDS",
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
    "FLOW_LOG_FIELDS",
    "LOG_RETENTION_DAYS",
    "CloudWatchDestination",
    "Destination",
    "FileFormat",
    "FlowLogPlan",
    "FlowLogResource",
    "FlowLogTarget",
    "S3Destination",
    "TrafficType",
    "insights_name",
    "insights_queries",
    "parse_log_format",
    "plan_builtin_flow_log",
    "plan_flow_logs",
]
