"""NAT alarms as data: thresholds and the alarm of each NAT.

Pure Python: :class:`AlarmThresholds` (frozen, validated in
``__post_init__``) and :func:`plan_alarms`, which derives every alarm of the
network's :class:`~vpc_patterns.plan.VpcPlan` as data (:class:`AlarmSpec`:
metric, statistic, threshold, comparison, periods), and
:func:`plan_dashboard_rows`, the dashboard graph of each NAT
(:class:`GraphSpec`). What a NAT gets depends on its strategy's
``monitoring_kind``: one :class:`NatMonitoring` per kind, registered with
:func:`register_nat_monitoring`, holds both its alarms and its graphs.
:class:`vpc_patterns.build.monitoring.NetworkMonitoring` turns the specs into
CloudWatch alarms, a topic and a dashboard.

What is alarmed, per NAT
------------------------
NAT gateway (namespace ``AWS/NATGateway``, dimension ``NatGatewayId``):

* ``ErrorPortAllocation`` (Sum) above ``port_allocation_errors`` (0) in one
  period: the gateway ran out of source ports to one destination (55,000
  simultaneous connections per destination IP and port); connections fail.
* ``PacketsDropCount`` (Sum) above ``packets_dropped`` per period, sustained.
* connection success: ``ConnectionEstablishedCount / ConnectionAttemptCount``
  (Sums, metric math) below ``connection_success_ratio``, evaluated only in
  periods with at least ``min_connection_attempts`` attempts (a ratio of
  1 of 2 says nothing).
* bandwidth: ``BytesOutToDestination + BytesInFromDestination`` (Sum, the
  internet side, both directions) above ``bandwidth_utilization`` of
  ``bandwidth_limit_gbps`` expressed as bytes per period. A NAT gateway
  starts at 5 Gbps and scales automatically up to 100 Gbps; past 100 Gbps it
  drops packets. The default limit is that 100 Gbps ceiling; pass 5 to be told
  whenever traffic leaves the baseline. Both directions are summed and
  compared with the one limit, which errs on the early side.

Regional NAT gateway: the same ``AWS/NATGateway`` alarms and graphs by its
``NatGatewayId`` (AWS documents no metrics or dimensions of its own for it),
so one alarm covers all its AZs together.

NAT instance (namespace ``AWS/EC2``, dimension ``AutoScalingGroupName`` of
its group of one; detailed monitoring is on, so 1-minute data):

* ``StatusCheckFailed`` (Maximum) at or above 1 for two consecutive minutes,
  or no data (no running instance): that AZ has no egress until the group's
  replacement is up.
* ``CPUCreditBalance`` (Minimum) below ``cpu_credit_balance``, only for
  burstable types (``t2``, ``t3``, ``t3a``, ``t4g``...): in standard mode the
  instance is throttled to its baseline, in unlimited mode (the default for
  t3/t4g) it starts paying surplus credits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nat import NatPlan
from vpc_patterns.plan.network import VpcPlan

# --------------------------------------------------------------------------
# Defaults, each a named constant with the reason for it.
# --------------------------------------------------------------------------

#: Any port-allocation error is a failed connection: alarm on the first.
DEFAULT_PORT_ALLOCATION_ERRORS = 0
#: AWS says any drop may be a transient gateway issue; 100 packets per period,
#: sustained over ``sustained_periods``, separates a real problem from noise.
DEFAULT_PACKETS_DROPPED = 100
#: Healthy egress establishes nearly every connection it attempts; below 90%
#: a destination, a security group or the port budget is failing.
DEFAULT_CONNECTION_SUCCESS_RATIO = 0.9
#: Fewer attempts than this in a period leave the ratio undefined (not alarmed).
DEFAULT_MIN_CONNECTION_ATTEMPTS = 100
#: The NAT gateway's ceiling: 5 Gbps baseline, automatic scaling up to 100 Gbps.
NAT_GATEWAY_BASELINE_GBPS = 5.0
NAT_GATEWAY_MAX_GBPS = 100.0
DEFAULT_BANDWIDTH_LIMIT_GBPS = NAT_GATEWAY_MAX_GBPS
#: Alarm at 80% of the limit: time to split traffic before packets drop.
DEFAULT_BANDWIDTH_UTILIZATION = 0.8
#: A credit is one vCPU-minute at 100%. 20 credits is about three hours of a
#: t4g.nano's earnings (6 per hour): time to react before throttling or
#: surplus charges.
DEFAULT_CPU_CREDIT_BALANCE = 20.0
#: NAT gateway metrics are per minute; 5-minute sums smooth bursts.
DEFAULT_PERIOD_SECONDS = 300
#: Sustained problems only (drops, ratio, bandwidth, credits): 3 periods in a
#: row, i.e. 15 minutes with the default period.
DEFAULT_SUSTAINED_PERIODS = 3
#: Status checks: EC2 publishes them every minute; two failed minutes in a row.
STATUS_CHECK_PERIOD_SECONDS = 60
STATUS_CHECK_PERIODS = 2
#: CPUCreditBalance is published every 5 minutes whatever the monitoring level.
CPU_CREDIT_PERIOD_SECONDS = 300

_BURSTABLE = re.compile(r"^t[0-9][a-z]*\.")

NATGW_NAMESPACE = "AWS/NATGateway"
EC2_NAMESPACE = "AWS/EC2"
NATGW_DIMENSION = "NatGatewayId"
ASG_DIMENSION = "AutoScalingGroupName"



def is_burstable(instance_type: str) -> bool:
    """True for burstable (CPU credit) instance families: t2, t3, t3a, t4g..."""
    return bool(_BURSTABLE.match(instance_type))


def _number(name: str, value: object, lo: float, hi: float, why: str, *,
            integer: bool = False, lo_open: bool = False) -> None:
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{name} {value!r} must be {kind} ({why})")
    assert isinstance(value, (int, float))
    if (value <= lo if lo_open else value < lo) or value > hi:
        low = f"above {lo:g}" if lo_open else f"from {lo:g}"
        raise ConfigError(f"{name} {value!r} is out of range; accepted {low} to {hi:g} ({why})")


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds and timing; bad values raise :class:`ConfigError`.
    Each default is a module constant with its reason.

    Args:
        port_allocation_errors: ``ErrorPortAllocation`` per period above which
            a NAT gateway alarms. Default: ``0``
            (:data:`DEFAULT_PORT_ALLOCATION_ERRORS`): any port-allocation error
            is a connection failing now, so alarm on the first.
        packets_dropped: ``PacketsDropCount`` per period above which a NAT
            gateway alarms, for ``sustained_periods``. Default: ``100``
            (:data:`DEFAULT_PACKETS_DROPPED`): AWS says any drop may be a
            transient gateway issue; 100 sustained separates a problem from
            noise.
        connection_success_ratio: established / attempted connections below
            which a NAT gateway alarms. Default: ``0.9``
            (:data:`DEFAULT_CONNECTION_SUCCESS_RATIO`): healthy egress
            establishes nearly every connection; below 90% a destination, a
            security group or the port budget is failing.
        min_connection_attempts: attempts per period needed before the ratio
            is judged. Default: ``100`` (:data:`DEFAULT_MIN_CONNECTION_ATTEMPTS`):
            with fewer, a few refused connections would swing the ratio.
        bandwidth_limit_gbps: the bandwidth the utilization alarm measures
            against. Default: ``100.0`` (:data:`DEFAULT_BANDWIDTH_LIMIT_GBPS`):
            a NAT gateway's ceiling (5 Gbps baseline, scaling to 100 Gbps).
        bandwidth_utilization: fraction of ``bandwidth_limit_gbps`` at which a
            NAT gateway alarms. Default: ``0.8``
            (:data:`DEFAULT_BANDWIDTH_UTILIZATION`): time to split traffic
            before packets drop.
        cpu_credit_balance: CPU credits below which a burstable (``t*``) NAT
            instance alarms. Default: ``20.0``
            (:data:`DEFAULT_CPU_CREDIT_BALANCE`): about three hours of a
            t4g.nano's earnings, time to react before throttling or surplus
            charges.
        period_seconds: the alarms' period, a multiple of 60 up to 86400.
            Default: ``300`` (:data:`DEFAULT_PERIOD_SECONDS`): NAT gateway
            metrics are per minute; 5-minute sums smooth bursts.
        sustained_periods: periods in a row a sustained problem (drops, ratio,
            bandwidth, credits) must last. Default: ``3``
            (:data:`DEFAULT_SUSTAINED_PERIODS`): 15 minutes with the default
            period, so short bursts do not page anyone.
    """

    port_allocation_errors: int = DEFAULT_PORT_ALLOCATION_ERRORS
    packets_dropped: int = DEFAULT_PACKETS_DROPPED
    connection_success_ratio: float = DEFAULT_CONNECTION_SUCCESS_RATIO
    min_connection_attempts: int = DEFAULT_MIN_CONNECTION_ATTEMPTS
    bandwidth_limit_gbps: float = DEFAULT_BANDWIDTH_LIMIT_GBPS
    bandwidth_utilization: float = DEFAULT_BANDWIDTH_UTILIZATION
    cpu_credit_balance: float = DEFAULT_CPU_CREDIT_BALANCE
    period_seconds: int = DEFAULT_PERIOD_SECONDS
    sustained_periods: int = DEFAULT_SUSTAINED_PERIODS

    def __post_init__(self) -> None:
        _number("port_allocation_errors", self.port_allocation_errors, 0, 1e9,
                "errors per period above which to alarm; 0 alarms on the first", integer=True)
        _number("packets_dropped", self.packets_dropped, 0, 1e12,
                "dropped packets per period above which to alarm", integer=True)
        _number("connection_success_ratio", self.connection_success_ratio, 0, 1,
                "established / attempted connections below which to alarm", lo_open=True)
        _number("min_connection_attempts", self.min_connection_attempts, 1, 1e12,
                "attempts per period needed before the ratio is judged", integer=True)
        _number("bandwidth_limit_gbps", self.bandwidth_limit_gbps, 0, NAT_GATEWAY_MAX_GBPS,
                "a NAT gateway carries 5 Gbps and scales to 100 Gbps", lo_open=True)
        _number("bandwidth_utilization", self.bandwidth_utilization, 0, 1,
                "fraction of bandwidth_limit_gbps at which to alarm", lo_open=True)
        _number("cpu_credit_balance", self.cpu_credit_balance, 0, 1e6,
                "CPU credits below which a burstable NAT instance alarms")
        if (isinstance(self.period_seconds, bool) or not isinstance(self.period_seconds, int)
                or self.period_seconds < 60 or self.period_seconds % 60
                or self.period_seconds > 86400):
            raise ConfigError(
                f"period_seconds {self.period_seconds!r} must be a multiple of 60 from 60 to "
                "86400 (NAT gateway metrics are published per minute)"
            )
        _number("sustained_periods", self.sustained_periods, 1, 100,
                "periods in a row a sustained problem must last", integer=True)
        if self.period_seconds * self.sustained_periods > 86400:
            window = self.period_seconds * self.sustained_periods
            raise ConfigError(
                f"period_seconds x sustained_periods = {window} s exceeds one day, the "
                "longest a CloudWatch alarm evaluates"
            )

    @property
    def bandwidth_bytes_per_period(self) -> float:
        """``bandwidth_utilization`` of ``bandwidth_limit_gbps`` as bytes per
        ``period_seconds``: Gbps x 10^9 / 8 bits x seconds x utilization.
        Defaults: 100 Gbps -> 12.5 GB/s x 300 s x 0.8 = 3.0e12 bytes."""
        return (self.bandwidth_limit_gbps * 1e9 / 8 * self.period_seconds
                * self.bandwidth_utilization)


@dataclass(frozen=True)
class MetricSpec:
    id: str
    namespace: str
    metric_name: str
    statistic: str


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm, as data. The dimension value (gateway id or group name) is
    resolved by the construct from ``nat`` (the plan's NAT construct id)."""

    key: str
    nat: str
    dimension: str
    description: str
    metrics: tuple[MetricSpec, ...]
    #: metric math over the metrics' ids, or None for the single metric
    expression: str | None
    threshold: float
    comparison: str
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str


@dataclass(frozen=True)
class GraphSpec:
    """One dashboard graph of one NAT, as data: its title and metrics
    (``MetricSpec.id`` is unused), all with the dimension ``dimension`` of
    NAT ``nat`` (resolved by the construct) and the thresholds' period."""

    title: str
    nat: str
    dimension: str
    metrics: tuple[MetricSpec, ...]
    width: int = 8


class NatMonitoring:
    """The alarms and dashboard graphs of the NATs of one monitoring kind
    (a NAT strategy's ``monitoring_kind``). A new kind is a subclass with
    ``kind`` set, registered with :func:`register_nat_monitoring`."""

    kind: ClassVar[str]

    def alarms(self, nat: NatPlan, plan: VpcPlan, t: AlarmThresholds) -> list[AlarmSpec]:
        """The alarms of ``nat``."""
        raise NotImplementedError

    def graphs(self, nat: NatPlan, plan: VpcPlan) -> tuple[GraphSpec, ...]:
        """The dashboard row of ``nat``."""
        raise NotImplementedError


_M = TypeVar("_M", bound=type[NatMonitoring])
_MONITORING: dict[str, NatMonitoring] = {}


def register_nat_monitoring(cls: _M) -> _M:
    """Class decorator: make ``cls`` the monitoring of ``cls.kind``."""
    _MONITORING[cls.kind] = cls()
    return cls


def nat_monitoring(nat: NatPlan) -> NatMonitoring | None:
    """The monitoring of ``nat``'s strategy; None when it has none.
    ConfigError when its ``monitoring_kind`` is not registered."""
    kind = nat.strategy.monitoring_kind
    if kind is None:
        return None
    if kind not in _MONITORING:
        raise ConfigError(
            f"NAT {nat.construct_id}: monitoring kind {kind!r} has no alarms registered; "
            f"known: {', '.join(sorted(_MONITORING))}"
        )
    return _MONITORING[kind]


def _where(nat: NatPlan) -> str:
    return f"{nat.construct_id} ({nat.az.label})"


@register_nat_monitoring
class NatGatewayMonitoring(NatMonitoring):
    """NAT gateways: ``AWS/NATGateway`` metrics by ``NatGatewayId``."""

    kind = "nat-gateway"

    def alarms(self, nat: NatPlan, plan: VpcPlan, t: AlarmThresholds) -> list[AlarmSpec]:
        where = _where(nat)

        def gw(metric: str, stat: str = "Sum", mid: str = "m") -> MetricSpec:
            return MetricSpec(mid, NATGW_NAMESPACE, metric, stat)

        common: dict[str, Any] = {
            "nat": nat.construct_id, "dimension": NATGW_DIMENSION,
            "period_seconds": t.period_seconds, "treat_missing_data": "notBreaching",
        }
        return [
            AlarmSpec(
                key=f"{nat.construct_id}PortAllocationErrors",
                description=(f"NAT gateway {where}: more than {t.port_allocation_errors} "
                             "port allocation errors in a period; connections through it fail "
                             "(55,000 per destination IP and port)."),
                metrics=(gw("ErrorPortAllocation"),), expression=None,
                threshold=t.port_allocation_errors, comparison="GreaterThanThreshold",
                evaluation_periods=1, datapoints_to_alarm=1, **common),
            AlarmSpec(
                key=f"{nat.construct_id}PacketsDropped",
                description=(f"NAT gateway {where}: more than {t.packets_dropped} packets "
                             f"dropped per {t.period_seconds} s for "
                             f"{t.sustained_periods} periods."),
                metrics=(gw("PacketsDropCount"),), expression=None,
                threshold=t.packets_dropped, comparison="GreaterThanThreshold",
                evaluation_periods=t.sustained_periods,
                datapoints_to_alarm=t.sustained_periods, **common),
            AlarmSpec(
                key=f"{nat.construct_id}ConnectionSuccess",
                description=(f"NAT gateway {where}: under {t.connection_success_ratio:.0%} of "
                             "attempted connections established (periods with at least "
                             f"{t.min_connection_attempts} attempts) for {t.sustained_periods} "
                             "periods."),
                metrics=(gw("ConnectionEstablishedCount", mid="established"),
                         gw("ConnectionAttemptCount", mid="attempts")),
                expression=(f"IF(attempts >= {t.min_connection_attempts}, "
                            "established / attempts, 1)"),
                threshold=t.connection_success_ratio, comparison="LessThanThreshold",
                evaluation_periods=t.sustained_periods,
                datapoints_to_alarm=t.sustained_periods, **common),
            AlarmSpec(
                key=f"{nat.construct_id}Bandwidth",
                description=(f"NAT gateway {where}: bytes to and from the internet above "
                             f"{t.bandwidth_utilization:.0%} of "
                             f"{t.bandwidth_limit_gbps:g} Gbps "
                             f"({t.bandwidth_bytes_per_period:.4g} bytes per "
                             f"{t.period_seconds} s) for {t.sustained_periods} periods."),
                metrics=(gw("BytesOutToDestination", mid="out_to_dest"),
                         gw("BytesInFromDestination", mid="in_from_dest")),
                expression="out_to_dest + in_from_dest",
                threshold=t.bandwidth_bytes_per_period, comparison="GreaterThanThreshold",
                evaluation_periods=t.sustained_periods,
                datapoints_to_alarm=t.sustained_periods, **common),
        ]

    def graphs(self, nat: NatPlan, plan: VpcPlan) -> tuple[GraphSpec, ...]:
        label = _where(nat)

        def g(title: str, *metrics: tuple[str, str]) -> GraphSpec:
            return GraphSpec(f"NAT gateway {label}: {title}", nat.construct_id, NATGW_DIMENSION,
                             tuple(MetricSpec(n, NATGW_NAMESPACE, n, st) for n, st in metrics))

        return (
            g("bytes", ("BytesOutToDestination", "Sum"), ("BytesInFromDestination", "Sum")),
            g("connections", ("ConnectionAttemptCount", "Sum"),
              ("ConnectionEstablishedCount", "Sum"), ("ActiveConnectionCount", "Maximum")),
            g("errors and drops", ("ErrorPortAllocation", "Sum"), ("PacketsDropCount", "Sum")),
        )


@register_nat_monitoring
class RegionalNatGatewayMonitoring(NatGatewayMonitoring):
    """A regional NAT gateway: the NAT gateway alarms and graphs, by its one
    ``NatGatewayId`` (the metrics sum its AZs)."""

    kind = "regional-nat-gateway"


@register_nat_monitoring
class NatInstanceMonitoring(NatMonitoring):
    """NAT instances: ``AWS/EC2`` metrics by the ``AutoScalingGroupName`` of
    each instance's group of one."""

    kind = "nat-instance"

    def alarms(self, nat: NatPlan, plan: VpcPlan, t: AlarmThresholds) -> list[AlarmSpec]:
        where = _where(nat)
        specs = [AlarmSpec(
            key=f"{nat.construct_id}StatusCheckFailed",
            nat=nat.construct_id, dimension=ASG_DIMENSION,
            description=(f"NAT instance {where}: status check failed, or no instance "
                         "reporting, for two minutes; the AZ has no egress until the Auto "
                         "Scaling group's replacement is up."),
            metrics=(MetricSpec("m", EC2_NAMESPACE, "StatusCheckFailed", "Maximum"),),
            expression=None, threshold=1, comparison="GreaterThanOrEqualToThreshold",
            period_seconds=STATUS_CHECK_PERIOD_SECONDS,
            evaluation_periods=STATUS_CHECK_PERIODS, datapoints_to_alarm=STATUS_CHECK_PERIODS,
            treat_missing_data="breaching",
        )]
        itype = nat.instance_type or plan.nat.instance_type
        if is_burstable(itype):
            specs.append(AlarmSpec(
                key=f"{nat.construct_id}CpuCreditsLow",
                nat=nat.construct_id, dimension=ASG_DIMENSION,
                description=(f"NAT instance {where} ({itype}, burstable): CPU credit "
                             f"balance under {t.cpu_credit_balance:g}; throttling (standard) "
                             "or surplus charges (unlimited) follow."),
                metrics=(MetricSpec("m", EC2_NAMESPACE, "CPUCreditBalance", "Minimum"),),
                expression=None, threshold=t.cpu_credit_balance,
                comparison="LessThanThreshold",
                period_seconds=CPU_CREDIT_PERIOD_SECONDS,
                evaluation_periods=t.sustained_periods,
                datapoints_to_alarm=t.sustained_periods,
                treat_missing_data="missing",
            ))
        return specs

    def graphs(self, nat: NatPlan, plan: VpcPlan) -> tuple[GraphSpec, ...]:
        label = _where(nat)

        def g(title: str, *metrics: tuple[str, str]) -> GraphSpec:
            return GraphSpec(f"NAT instance {label}: {title}", nat.construct_id, ASG_DIMENSION,
                             tuple(MetricSpec(n, EC2_NAMESPACE, n, st) for n, st in metrics))

        health = [("StatusCheckFailed", "Maximum")]
        if is_burstable(nat.instance_type or plan.nat.instance_type):
            health.append(("CPUCreditBalance", "Minimum"))
        return (
            g("network", ("NetworkOut", "Sum"), ("NetworkIn", "Sum")),
            g("CPU", ("CPUUtilization", "Average")),
            g("health", *health),
        )


def plan_alarms(plan: VpcPlan, thresholds: AlarmThresholds) -> tuple[AlarmSpec, ...]:
    """Every alarm for every NAT of ``plan``, each from its strategy's
    monitoring kind. Pure Python."""
    specs: list[AlarmSpec] = []
    for nat in plan.nats:
        monitoring = nat_monitoring(nat)
        if monitoring is not None:
            specs += monitoring.alarms(nat, plan, thresholds)
    return tuple(specs)


def plan_dashboard_rows(plan: VpcPlan) -> tuple[tuple[GraphSpec, ...], ...]:
    """The dashboard row of every monitored NAT of ``plan``, in plan order."""
    rows: list[tuple[GraphSpec, ...]] = []
    for nat in plan.nats:
        monitoring = nat_monitoring(nat)
        if monitoring is not None:
            rows.append(monitoring.graphs(nat, plan))
    return tuple(rows)


__all__ = [
    "ASG_DIMENSION",
    "EC2_NAMESPACE",
    "NATGW_DIMENSION",
    "NATGW_NAMESPACE",
    "AlarmSpec",
    "AlarmThresholds",
    "GraphSpec",
    "MetricSpec",
    "NatGatewayMonitoring",
    "NatInstanceMonitoring",
    "NatMonitoring",
    "is_burstable",
    "nat_monitoring",
    "plan_alarms",
    "plan_dashboard_rows",
    "register_nat_monitoring",
]
