"""The set algebra of network ACLs: integer interval sets, one address line for
IPv4 and IPv6, and first-match evaluation of ordered rules.

Both the plan's proofs (:mod:`vpc_patterns.plan.nacl.proofs`) and the
template analyzer (:mod:`vpc_patterns.check.acl`) evaluate ACLs with what is
here, so there is one definition of what a rule matches and of how the first
matching rule decides.

Addresses
    Both families live on one integer line: an IPv4 address is its 32-bit
    value (``0 .. 2**32-1``), an IPv6 address is its 128-bit value plus
    :data:`IPV6_OFFSET`. The offset leaves a gap after the IPv4 space, so an
    IPv4 and an IPv6 range never touch and never merge: a CIDR of either
    family is one interval, and ``0.0.0.0/0`` holds no IPv6 address.
Cells
    :func:`cells` splits an address set at the boundaries of the rules'
    CIDRs: within one cell every rule matches every address or none, so one
    representative address decides the whole cell, exactly.
First match
    :func:`first_match` takes the rules that match a cell, in evaluation
    order, and returns which ports of which protocol each one decides; what
    no rule takes is left for the implicit deny.
ICMP by type
    By default ICMP (and every protocol without ports) holds one pseudo-port.
    A caller that tells ICMP types apart passes ``spaces=``
    :data:`TYPED_SPACES` to :func:`port_space`, :meth:`Match.span` and
    :func:`first_match`: ICMP's "ports" are then ``type * 256 + code``
    (:func:`icmp_span`), and a match's ``ports`` for ICMP are the types and
    codes it names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PORT_MAX = 65535
IPV4_MAX = 2**32 - 1
#: Where IPv6 addresses start on the address line (past a gap after IPv4).
IPV6_OFFSET = 2**33
IPV6_MAX = IPV6_OFFSET + 2**128 - 1

#: Protocol keys: IANA numbers, -1 for a rule that matches every protocol, and
#: :data:`OTHER` for every protocol no rule names.
ALL, ICMP, TCP, UDP = -1, 1, 6, 17
OTHER = -2
#: Protocols with ports; the others hold the pseudo-port 0.
PORTED = (TCP, UDP)


# ---------------------------------------------------------------------------
# Interval sets
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalSet:
    """A normalised set of integers: sorted, disjoint, non-adjacent ranges,
    each ``(lo, hi)`` inclusive."""

    ranges: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(*ranges: tuple[int, int]) -> IntervalSet:
        return IntervalSet(_normalise(ranges))

    @staticmethod
    def single(lo: int, hi: int | None = None) -> IntervalSet:
        return IntervalSet(((lo, lo if hi is None else hi),))

    # -- algebra ---------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet(_normalise(self.ranges + other.ranges))

    def __and__(self, other: IntervalSet) -> IntervalSet:
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

    def __sub__(self, other: IntervalSet) -> IntervalSet:
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

    def issuperset(self, other: IntervalSet) -> bool:
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

    def to_cidrs(self) -> list[IPNetwork]:
        """The set as CIDRs (of either family), when it holds addresses."""
        return to_networks(self)


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
#: Pseudo port set for protocols without ports (ICMP and the rest).
NO_PORTS = IntervalSet.single(0, 0)


#: ICMP types and codes as one number each, ``type * 256 + code``.
ICMP_TYPE_CODES = IntervalSet.single(0, 0xFFFF)
#: Port spaces per protocol with ICMP evaluated by type and code (protocols
#: not listed hold the pseudo-port 0).
TYPED_SPACES: Mapping[int, IntervalSet] = MappingProxyType(
    {TCP: ALL_PORTS, UDP: ALL_PORTS, ICMP: ICMP_TYPE_CODES})


def icmp_span(icmp_type: int, code: int = -1) -> IntervalSet:
    """The ICMP type-code numbers of ``(type, code)`` (``-1``: every one)."""
    if icmp_type == -1:
        return ICMP_TYPE_CODES
    if code == -1:
        return IntervalSet.single(icmp_type * 256, icmp_type * 256 + 255)
    return IntervalSet.single(icmp_type * 256 + code)


def describe_icmp(types: IntervalSet) -> str:
    """ICMP type-code numbers in words: ``type 3 code 4``, ``type 8``,
    ``types 0-2``; ``every type`` for the whole space."""
    if types == ICMP_TYPE_CODES:
        return "every type"
    parts: list[str] = []
    for lo, hi in types.ranges:
        t0, c0 = divmod(lo, 256)
        t1, c1 = divmod(hi, 256)
        if c0 == 0 and c1 == 255:
            parts.append(f"type {t0}" if t0 == t1 else f"types {t0}-{t1}")
        elif t0 == t1:
            parts.append(f"type {t0} code {c0}" if c0 == c1 else f"type {t0} codes {c0}-{c1}")
        else:
            parts.append(f"type {t0} code {c0} to type {t1} code {c1}")
    return ", ".join(parts)


def port_space(proto: int, spaces: Mapping[int, IntervalSet] | None = None) -> IntervalSet:
    """Every port of ``proto``: 0-65535 for TCP and UDP, the pseudo-port 0 else;
    with ``spaces``, what it gives ``proto`` (the pseudo-port 0 if nothing)."""
    if spaces is not None:
        return spaces.get(proto, NO_PORTS)
    return ALL_PORTS if proto in PORTED else NO_PORTS


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


# ---------------------------------------------------------------------------
# The address line
# ---------------------------------------------------------------------------

IPV4_SPACE = IntervalSet.single(0, IPV4_MAX)
IPV6_SPACE = IntervalSet.single(IPV6_OFFSET, IPV6_MAX)
#: Every address of both families.
EVERY_ADDRESS = IPV4_SPACE | IPV6_SPACE


def address_point(address: int | str | IPAddress) -> int:
    """An address's place on the line; an ``int`` is taken as a place already."""
    if isinstance(address, int) and not isinstance(address, bool):
        return address
    # A bool is no place (it fails on .version below): only int and str are converted.
    ip = ipaddress.ip_address(address) if isinstance(address, str) else cast(IPAddress, address)
    return int(ip) + (IPV6_OFFSET if ip.version == 6 else 0)


def point_address(point: int) -> IPAddress:
    """The address at a place of the line."""
    if 0 <= point <= IPV4_MAX:
        return ipaddress.IPv4Address(point)
    if IPV6_OFFSET <= point <= IPV6_MAX:
        return ipaddress.IPv6Address(point - IPV6_OFFSET)
    raise ValueError(f"{point} is no address: between the IPv4 and IPv6 spaces")


def family(point: int) -> int:
    """4 or 6: the family of the address at ``point``."""
    return point_address(point).version


def network_span(network: str | IPNetwork) -> tuple[int, int]:
    """The first and last place of a CIDR (either family) on the line."""
    net = ipaddress.ip_network(network, strict=False) if isinstance(network, str) else network
    base = IPV6_OFFSET if net.version == 6 else 0
    return base + int(net.network_address), base + int(net.broadcast_address)


def network_set(network: str | IPNetwork) -> IntervalSet:
    """A CIDR (either family) as a set of places."""
    lo, hi = network_span(network)
    return IntervalSet.single(lo, hi)


def to_networks(space: IntervalSet) -> list[IPNetwork]:
    """The fewest CIDRs covering exactly ``space``, IPv4 ones first."""
    nets: list[IPNetwork] = []
    for part in (space & IPV4_SPACE, space & IPV6_SPACE):
        for lo, hi in part.ranges:
            first, last = point_address(lo), point_address(hi)
            nets.extend(ipaddress.summarize_address_range(first, last))
    return nets


# ---------------------------------------------------------------------------
# First match
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """What one rule matches: a protocol key (:data:`ALL` for every protocol),
    destination ports (TCP and UDP; ``None``: every port) and the peer
    addresses."""

    protocol: int
    ports: IntervalSet | None
    addresses: IntervalSet

    def span(self, proto: int, spaces: Mapping[int, IntervalSet] | None = None) -> IntervalSet:
        """The ports of ``proto`` the rule matches (empty: another protocol);
        with ``spaces`` (e.g. :data:`TYPED_SPACES`), within ``proto``'s space
        there, and ``ports`` count for every protocol that has a space."""
        if spaces is not None:
            full = port_space(proto, spaces)
            if self.protocol == ALL:
                return full
            if self.protocol != proto:
                return IntervalSet()
            return full if self.ports is None else self.ports & full
        if self.protocol == ALL or (self.protocol == proto and proto not in PORTED):
            return port_space(proto)
        if self.protocol != proto:
            return IntervalSet()
        return ALL_PORTS if self.ports is None else self.ports


@dataclass(frozen=True)
class Piece:
    """Ports of one protocol decided by the rule at ``index``."""

    index: int
    proto: int
    ports: IntervalSet


def containing(matches: Sequence[Match | None], point: int) -> tuple[int, ...]:
    """Indices of the matches (``None``: a rule that cannot be evaluated)
    whose addresses hold ``point``."""
    return tuple(
        i for i, m in enumerate(matches) if m is not None and m.addresses.contains(point)
    )


def first_match(
    matches: Iterable[tuple[int, Match]], protocols: Sequence[int],
    spaces: Mapping[int, IntervalSet] | None = None,
) -> tuple[list[Piece], dict[int, IntervalSet]]:
    """First-match evaluation of one address cell.

    ``matches``: ``(index, match)`` of the rules whose addresses hold the
    cell, in evaluation order; ``protocols``: the protocol keys to decide
    (:data:`OTHER` stands for every protocol not listed). Returns the pieces
    each rule decides, rule by rule and, within a rule, in ``protocols``
    order; and what is left per protocol for the implicit deny. ``spaces``:
    the port space of each protocol (:func:`port_space`; default: ICMP and
    the rest hold one pseudo-port)."""
    remaining = {p: port_space(p, spaces) for p in protocols}
    pieces: list[Piece] = []
    for i, m in matches:
        if m.protocol == ALL:
            protos: Sequence[int] = protocols
        else:
            protos = (m.protocol,) if m.protocol in remaining else ()
        for p in protos:
            hit = remaining[p] & m.span(p, spaces)
            if hit:
                pieces.append(Piece(i, p, hit))
                remaining[p] = remaining[p] - hit
    return pieces, remaining
