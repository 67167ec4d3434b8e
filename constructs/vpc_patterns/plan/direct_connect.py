"""Direct Connect inputs: the gateway id and the allowed prefixes.

:func:`parse_direct_connect_gateway_id` checks a Direct Connect gateway id (a
UUID); :func:`parse_allowed_prefixes` checks the prefixes the VPC may
advertise. Pure Python;
:class:`vpc_patterns.build.direct_connect.DirectConnectAssociation` builds
the association and documents how the pieces fit.

Allowed prefixes act as a filter on what the VPC advertises: AWS advertises
the VPC CIDR only when an allowed prefix equals it or contains it, so each
prefix given must cover the VPC CIDR (default: exactly the VPC CIDR).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from vpc_patterns.errors import ConfigError

#: Direct Connect gateway ids are UUIDs (lowercase hex).
DX_GATEWAY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
VGW_ID = re.compile(r"^vgw-[0-9a-f]{8}([0-9a-f]{9})?\Z")


def parse_direct_connect_gateway_id(value: Any) -> str:
    if not isinstance(value, str) or not DX_GATEWAY_ID.match(value):
        raise ConfigError(
            f"direct_connect_gateway_id {value!r} is not a Direct Connect gateway id; expected "
            "a lowercase UUID such as '5f294f92-bafb-4011-916d-9b0b0a1b2c3d' (Direct Connect "
            "console > Direct Connect gateways, or aws directconnect "
            "describe-direct-connect-gateways)")
    return value


def parse_allowed_prefixes(value: Any, vpc_cidr: str | None) -> tuple[str, ...]:
    """Allowed prefixes: IPv4 CIDRs, each equal to or wider than the VPC CIDR
    (AWS advertises the VPC CIDR only through a prefix that covers it)."""
    if value is None:
        if vpc_cidr is None:
            raise ConfigError("allowed_prefixes are needed when the gateway is given by id "
                              "without network (default: the network's VPC CIDR)")
        return (vpc_cidr,)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ConfigError(f"allowed_prefixes {value!r} must be a non-empty list of CIDRs, "
                          "e.g. ['10.20.0.0/16']")
    vpc = ipaddress.IPv4Network(vpc_cidr) if vpc_cidr else None
    out: list[str] = []
    for c in value:
        try:
            net = ipaddress.ip_network(c, strict=True) if isinstance(c, str) else None
        except ValueError:
            net = None
        if not isinstance(net, ipaddress.IPv4Network):
            raise ConfigError(f"allowed prefix {c!r} is not an aligned IPv4 CIDR such as "
                              f"{vpc_cidr or '10.0.0.0/16'!r}")
        if vpc is not None and not vpc.subnet_of(net):
            raise ConfigError(
                f"allowed prefix {c!r} does not cover the VPC CIDR {vpc}; AWS advertises the VPC "
                "CIDR only through an allowed prefix equal to it or wider (e.g. "
                f"{vpc} or {vpc.supernet()})")
        if str(net) in out:
            raise ConfigError(f"allowed_prefixes lists {c!r} more than once")
        out.append(str(net))
    return tuple(out)


__all__ = [
    "DX_GATEWAY_ID",
    "VGW_ID",
    "parse_allowed_prefixes",
    "parse_direct_connect_gateway_id",
]
