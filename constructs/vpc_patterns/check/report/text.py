"""Text and numbers the report's tables and its diagram both show: usable
addresses of a subnet, AZ order, port and route-target wording."""

from __future__ import annotations

import ipaddress

from vpc_patterns.check.model import TargetKind, VpcModel, az_display, protocol_name
from vpc_patterns.check.ranges import IntervalSet
from vpc_patterns.plan.network import AWS_RESERVED_PER_SUBNET

#: AWS reserves the first four addresses and the last one of every subnet.
RESERVED_PER_SUBNET = AWS_RESERVED_PER_SUBNET
KIND_ORDER = {"public": 0, "private": 1, "isolated": 2}
NO_TIER = "(no tier)"


def az_sort_key(key: str) -> tuple[int, int, str]:
    kind, _, value = key.partition(":")
    rank = {"index": 0, "name": 1, "id": 2}.get(kind, 3)
    num = int(value) if kind == "index" and value.isdigit() else 0
    return rank, num, value


def usable(cidr: ipaddress.IPv4Network | None) -> int | None:
    """Addresses a subnet offers: its size less the 5 AWS reserves."""
    if cidr is None:
        return None
    return max(0, cidr.num_addresses - RESERVED_PER_SUBNET)


def ports_text(protocol: int | None, ports: IntervalSet | None) -> str:
    name = protocol_name(protocol)
    if protocol in (6, 17):
        return f"{name} {(ports.describe_ports() if ports is not None else 'all ports')}"
    return name


def short_target(model: VpcModel, kind: TargetKind, ref: str, az: str | None) -> str:
    where = f" {az_display(az)}" if az else ""
    return {
        TargetKind.LOCAL: "local",
        TargetKind.INTERNET_GATEWAY: "internet gateway",
        TargetKind.EGRESS_ONLY_IGW: "egress-only IGW",
        TargetKind.NAT_GATEWAY: f"NAT gateway{where}",
        TargetKind.NAT_INSTANCE: f"NAT instance{where}",
        TargetKind.PEERING: f"peering {ref}",
        TargetKind.VPN_GATEWAY: "VPN gateway",
        TargetKind.TRANSIT_GATEWAY: "transit gateway",
        TargetKind.GATEWAY_ENDPOINT: "gateway endpoint",
        TargetKind.VPC_ENDPOINT: f"endpoint {ref}",
    }.get(kind, ref or kind.value)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "\u2026"

