"""Extra network interfaces as data: subnet, fixed address, device index.

:func:`plan_interface` places an extra interface in a tier and AZ of a network
plan and checks its device index and fixed private address
(:func:`check_private_ip`), returning an :class:`InterfacePlan`. Pure Python;
:class:`vpc_patterns.build.eni.ExtraNetworkInterface` builds the interface and
documents why these rules hold.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.lookup import tier_subnets
from vpc_patterns.plan.network import SubnetPlan, VpcPlan

#: 0 is the primary interface, which is never detached or replaced.
DEFAULT_DEVICE_INDEX = 1
#: The addresses AWS reserves at the start of every subnet, by offset.
RESERVED_OFFSETS = {0: "the network address", 1: "the VPC router", 2: "the Amazon DNS server",
                    3: "reserved by AWS for future use"}
#: EC2 accepts interface descriptions up to 255 characters.
MAX_DESCRIPTION_CHARS = 255


@dataclass(frozen=True)
class InterfacePlan:
    """Where the interface goes and how it attaches."""

    subnet: SubnetPlan
    private_ip: str | None
    device_index: int


def check_private_ip(ip: object, subnet_cidr: str, where: str) -> str:
    """``ip`` must be an IPv4 address inside ``subnet_cidr`` and not one of
    the five AWS reserves there."""
    net = ipaddress.ip_network(subnet_cidr)
    if not isinstance(ip, str):
        raise ConfigError(f"{where}: private_ip {ip!r} must be an IPv4 address as a string")
    try:
        addr = ipaddress.IPv4Address(ip)
    except ValueError:
        raise ConfigError(f"{where}: private_ip {ip!r} is not an IPv4 address") from None
    if addr not in net:
        raise ConfigError(
            f"{where}: private_ip {ip} is outside the subnet {subnet_cidr} "
            f"({net[0]}..{net[-1]}); usable: {net[4]}..{net[-2]}"
        )
    offset = int(addr) - int(net.network_address)
    reason = RESERVED_OFFSETS.get(offset)
    if addr == net.broadcast_address:
        reason = "the broadcast address"
    if reason is not None:
        raise ConfigError(
            f"{where}: private_ip {ip} is {reason} of subnet {subnet_cidr}, one of the five "
            f"addresses AWS reserves; usable: {net[4]}..{net[-2]}"
        )
    return str(addr)


def plan_interface(plan: VpcPlan, *, tier: str, az_index: object, private_ip: object,
                   device_index: object, where: str) -> InterfacePlan:
    subnets = tier_subnets(plan, tier, where)
    slots = [s.az.index for s in subnets]
    if isinstance(az_index, bool) or not isinstance(az_index, int) or az_index not in slots:
        raise ConfigError(
            f"{where}: az_index {az_index!r} is not an AZ of tier {tier!r}; accepted: "
            + ", ".join(f"{s.az.index} ({s.az.label})" for s in subnets)
        )
    subnet = plan.subnet(tier, az_index)
    if isinstance(device_index, bool) or not isinstance(device_index, int):
        raise ConfigError(f"{where}: device_index {device_index!r} must be an integer, 1 or more")
    if device_index == 0:
        raise ConfigError(
            f"{where}: device_index 0 is the instance's primary interface, which is never "
            "detached or replaced; attach extra interfaces at 1 or higher"
        )
    if device_index < 0:
        raise ConfigError(f"{where}: device_index {device_index} is negative; use 1 or higher")
    ip = None if private_ip is None else check_private_ip(private_ip, subnet.cidr, where)
    return InterfacePlan(subnet=subnet, private_ip=ip, device_index=device_index)


__all__ = [
    "DEFAULT_DEVICE_INDEX",
    "MAX_DESCRIPTION_CHARS",
    "RESERVED_OFFSETS",
    "InterfacePlan",
    "check_private_ip",
    "plan_interface",
]
