"""Integer interval sets for IPv4 addresses and ports (pure Python).

Network ACL evaluation works on *sets* (every address of a subnet, every port
of a range), so rules are evaluated over elementary intervals: the boundaries
of every CIDR and port range that matters split the space into cells in which
every rule either matches entirely or not at all. One representative per cell
then gives the exact answer for the whole cell.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Iterator

ADDRESS_MAX = 2**32 - 1
PORT_MAX = 65535


@dataclass(frozen=True)
class IntervalSet:
    """A normalised set of integers: sorted, disjoint, non-adjacent ranges,
    each ``(lo, hi)`` inclusive."""

    ranges: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(*ranges: tuple[int, int]) -> "IntervalSet":
        return IntervalSet(_normalise(ranges))

    @staticmethod
    def single(lo: int, hi: int | None = None) -> "IntervalSet":
        return IntervalSet(((lo, lo if hi is None else hi),))

    # -- algebra ---------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: "IntervalSet") -> "IntervalSet":
        return IntervalSet(_normalise(self.ranges + other.ranges))

    def __and__(self, other: "IntervalSet") -> "IntervalSet":
        out: list[tuple[int, int]] = []
        i = j = 0
        a, b = self.ranges, other.ranges
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def __sub__(self, other: "IntervalSet") -> "IntervalSet":
        out: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            cur = lo
            for olo, ohi in other.ranges:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
                if cur > hi:
                    break
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def issuperset(self, other: "IntervalSet") -> bool:
        return not (other - self)

    def contains(self, value: int) -> bool:
        return any(lo <= value <= hi for lo, hi in self.ranges)

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.ranges)

    # -- presentation ------------------------------------------------------
    def describe_ports(self) -> str:
        if self.ranges == ((0, PORT_MAX),):
            return "all ports"
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)

    def describe_addresses(self) -> str:
        return ", ".join(str(c) for c in self.to_cidrs())

    def to_cidrs(self) -> list[ipaddress.IPv4Network]:
        nets: list[ipaddress.IPv4Network] = []
        for lo, hi in self.ranges:
            nets.extend(ipaddress.summarize_address_range(
                ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)))
        return nets


def _normalise(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    items = sorted((lo, hi) for lo, hi in ranges if lo <= hi)
    out: list[tuple[int, int]] = []
    for lo, hi in items:
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


ALL_PORTS = IntervalSet.single(0, PORT_MAX)
#: The return range AWS documents for network ACLs: clients (Linux, Windows,
#: ELB, NAT gateways, Lambda) pick their source port somewhere in it, so a
#: stateless ACL must admit all of it for replies to reach every client.
EPHEMERAL = IntervalSet.single(1024, PORT_MAX)
#: Pseudo port set for protocols without ports (ICMP and the rest).
NO_PORTS = IntervalSet.single(0, 0)
ALL_ADDRESSES = IntervalSet.single(0, ADDRESS_MAX)


def cidr_set(cidr: str | ipaddress.IPv4Network) -> IntervalSet:
    net = ipaddress.ip_network(cidr, strict=False) if isinstance(cidr, str) else cidr
    return IntervalSet.single(int(net.network_address), int(net.broadcast_address))


def parse_cidr(value: object) -> ipaddress.IPv4Network | None:
    """An IPv4 network from a string, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


#: Address ranges that are never "the internet": private use (RFC 1918),
#: shared address space (RFC 6598), loopback, link-local, "this network",
#: multicast and reserved. Every other IPv4 address counts as an internet
#: address (documentation ranges included, so examples can use them).
NON_INTERNET = (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
)


def internet_space(exclude: Iterable[str | ipaddress.IPv4Network] = ()) -> IntervalSet:
    """Every internet address, less ``exclude`` (the VPC's own CIDRs)."""
    out = ALL_ADDRESSES
    for c in (*NON_INTERNET, *exclude):
        out = out - cidr_set(c)
    return out


def cells(space: IntervalSet, splitters: Iterable[IntervalSet]) -> list[IntervalSet]:
    """Split ``space`` into elementary intervals: every splitter either holds
    a whole cell or none of it."""
    points: set[int] = set()
    for s in splitters:
        for lo, hi in s.ranges:
            points.add(lo)
            points.add(hi + 1)
    out: list[IntervalSet] = []
    for lo, hi in space.ranges:
        cuts = sorted(p for p in points if lo < p <= hi)
        start = lo
        for p in cuts:
            out.append(IntervalSet.single(start, p - 1))
            start = p
        out.append(IntervalSet.single(start, hi))
    return out
