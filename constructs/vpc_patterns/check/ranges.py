"""Address and port sets for the template analyzer (pure Python).

Network ACL evaluation works on *sets* (every address of a subnet, every port
of a range), so rules are evaluated over elementary intervals: the boundaries
of every CIDR and port range that matters split the space into cells in which
every rule either matches entirely or not at all. One representative per cell
then gives the exact answer for the whole cell.

The algebra (:class:`IntervalSet`, :func:`cells`, the address line of both
families) is :mod:`vpc_patterns.plan.nacl.space`, shared with the plan's
proofs; this module adds what the analyzer needs on top: the IPv4 space it
models, the ephemeral range as a set, and the internet's addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from vpc_patterns.plan.nacl.rules import EPHEMERAL_PORTS
from vpc_patterns.plan.nacl.space import (
    ALL_PORTS,
    NO_PORTS,
    PORT_MAX,
    IntervalSet,
    cells,
    network_set,
)

__all__ = [
    "ADDRESS_MAX",
    "ALL_ADDRESSES",
    "ALL_PORTS",
    "EPHEMERAL",
    "NON_INTERNET",
    "NO_PORTS",
    "PORT_MAX",
    "IntervalSet",
    "cells",
    "cidr_set",
    "internet6_space",
    "internet_space",
    "parse_cidr",
    "parse_cidr6",
]

#: The last IPv4 address (the analyzer models the IPv4 space of templates).
ADDRESS_MAX = 2**32 - 1

#: The return range AWS documents for network ACLs: clients (Linux, Windows,
#: ELB, NAT gateways, Lambda) pick their source port somewhere in it, so a
#: stateless ACL must admit all of it for replies to reach every client.
EPHEMERAL = IntervalSet.single(*EPHEMERAL_PORTS)
ALL_ADDRESSES = IntervalSet.single(0, ADDRESS_MAX)


def cidr_set(cidr: str | ipaddress.IPv4Network | ipaddress.IPv6Network) -> IntervalSet:
    """A CIDR of either family as a set of the address line (an IPv4 CIDR's
    integers are its addresses')."""
    return network_set(cidr)


def _network(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def parse_cidr(value: object) -> ipaddress.IPv4Network | None:
    """An IPv4 network from a string, or None when it is not one."""
    net = _network(value)
    return net if isinstance(net, ipaddress.IPv4Network) else None


#: Address ranges that are never "the internet": private use (RFC 1918),
#: shared address space (RFC 6598), loopback, link-local, "this network",
#: multicast and reserved. Every other IPv4 address counts as an internet
#: address (documentation ranges included, so examples can use them).
NON_INTERNET = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
)


def parse_cidr6(value: object) -> ipaddress.IPv6Network | None:
    """An IPv6 network from a string, or None when it is not one."""
    net = _network(value)
    return net if isinstance(net, ipaddress.IPv6Network) else None


#: The IPv6 internet: global unicast, and the NAT64 well-known prefix, whose
#: addresses stand for the IPv4 internet behind a NAT gateway (RFC 6052).
IPV6_INTERNET = ("2000::/3", "64:ff9b::/96")
NAT64_PREFIX = "64:ff9b::/96"


def internet6_space(exclude: Iterable[str | ipaddress.IPv6Network] = ()) -> IntervalSet:
    """Every IPv6 internet address, less ``exclude`` (the VPC's own blocks)."""
    out = IntervalSet()
    for block in IPV6_INTERNET:
        out = out | cidr_set(block)
    for own in exclude:
        out = out - cidr_set(own)
    return out


def internet_space(exclude: Iterable[str | ipaddress.IPv4Network] = ()) -> IntervalSet:
    """Every internet address, less ``exclude`` (the VPC's own CIDRs)."""
    out = ALL_ADDRESSES
    for c in (*NON_INTERNET, *exclude):
        out = out - cidr_set(c)
    return out
