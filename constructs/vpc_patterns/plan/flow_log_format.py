"""The flow-log record: its fields, custom formats, and the saved queries.

* :data:`FLOW_LOG_FIELDS`: the published VPC Flow Logs field list, each field
  with the record version that introduced it; :data:`AWS_DEFAULT_FIELDS` and
  the library's :data:`DEFAULT_FIELDS`.
* :func:`parse_log_format`: validates a custom format (a ``${field} ...``
  string or a list of field names) and returns its fields and ``LogFormat``.
* :class:`TrafficType`: which flows are recorded.
* :func:`insights_queries`: the CloudWatch Logs Insights queries over records
  of a format (rejections by subnet, port and source; accepted flows from
  outside the VPC).

Pure Python; :mod:`vpc_patterns.plan.flow_logs` uses it to plan flow logs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from enum import Enum

from vpc_patterns.errors import ConfigError

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

#: Rows each saved query returns: a "top N" that fits one console page.
DEFAULT_QUERY_LIMIT = 25

_FIELD_REF = re.compile(r"^\$\{([a-z0-9-]+)\}\Z")


class TrafficType(str, Enum):
    """Which flows are recorded."""

    #: Both: rejected flows show rules that are too restrictive, accepted
    #: flows show rules that are too permissive. The default.
    ALL = "ALL"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class _UseDefault:
    """Sentinel: the library's :data:`DEFAULT_FIELDS` format."""

    def __repr__(self) -> str:
        return "DEFAULT_FIELDS"


DEFAULT_FORMAT = _UseDefault()


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



__all__ = [
    "AWS_DEFAULT_FIELDS",
    "DEFAULT_FIELDS",
    "DEFAULT_FORMAT",
    "DEFAULT_QUERY_LIMIT",
    "FLOW_LOG_FIELDS",
    "TrafficType",
    "insights_name",
    "insights_queries",
    "parse_log_format",
]
