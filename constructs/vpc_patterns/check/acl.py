"""Stateless network ACL evaluation over sets of addresses and ports.

An ACL direction is evaluated like AWS does: entries in ascending RuleNumber,
the first entry that matches a packet decides, and the implicit rule ``*``
denies what no entry matched. Evaluation is done per *cell* (a range of remote
addresses that every entry either fully holds or does not touch), so a
decision covers every port of every protocol at once: a :class:`Decision` is
the list of port segments per protocol with the entry that decided each.

The evaluation itself is the shared ACL algebra of
:mod:`vpc_patterns.plan.nacl.space` (the plan's proofs use it too): addresses
of both families live on one integer line, an entry is a
:class:`~vpc_patterns.plan.nacl.space.Match` and a cell is decided by
:func:`~vpc_patterns.plan.nacl.space.first_match`. IPv4 entries come from
:meth:`NetworkAcl.ordered`; an IPv6 entry is evaluated when its CIDR is known.

A *flow* (:func:`evaluate_flow`) crosses several ACLs: the request leaves the
source subnet (its ACL's egress), enters the destination subnet (ingress), and
-- because ACLs are stateless -- the reply must cross the same ACLs the other
way, to the client's ephemeral port (1024-65535).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from vpc_patterns.check.model import AclEntry, NetworkAcl, protocol_name
from vpc_patterns.check.ranges import ALL_PORTS, EPHEMERAL, NO_PORTS
from vpc_patterns.plan.nacl.space import (
    ICMP,
    OTHER,
    TCP,
    UDP,
    IntervalSet,
    Match,
    address_point,
    cells,
    containing,
    first_match,
    network_set,
    port_space,
)

__all__ = [
    "ICMP",
    "OTHER",
    "PROTOCOL_ORDER",
    "TCP",
    "UDP",
    "AclEvaluator",
    "AclHop",
    "CellResult",
    "Decision",
    "FlowResult",
    "PortMap",
    "Segment",
    "direct_hops",
    "entry_match",
    "evaluate_flow",
    "evaluated_entries",
    "port_space",
    "proto_label",
    "reply_space",
]


def reply_space(proto: int) -> IntervalSet:
    """Ports a reply goes to: the client's ephemeral port for TCP and UDP;
    ICMP and other protocols have no ports."""
    return EPHEMERAL if proto in (TCP, UDP) else NO_PORTS


def proto_label(proto: int) -> str:
    if proto == OTHER:
        return "other protocols"
    return protocol_name(proto)


#: Display order of protocols: TCP, UDP, ICMP, numbered ones, the rest.
PROTOCOL_ORDER = {TCP: 0, UDP: 1, ICMP: 2, OTHER: 1000}

# ---------------------------------------------------------------------------
# Port maps
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PortMap:
    """Ports per IP protocol: ``{6: IntervalSet, 17: ..., 1: NO_PORTS...}``.
    Protocols without ports (ICMP, ``OTHER``) hold the pseudo-port 0."""

    items: tuple[tuple[int, IntervalSet], ...] = ()

    @staticmethod
    def of(mapping: Mapping[int, IntervalSet]) -> PortMap:
        return PortMap(tuple(sorted((p, s) for p, s in mapping.items() if s)))

    @staticmethod
    def everything(protocols: Iterable[int]) -> PortMap:
        return PortMap.of({p: port_space(p) for p in protocols})

    def get(self, proto: int) -> IntervalSet:
        for p, s in self.items:
            if p == proto:
                return s
        return IntervalSet()

    def protocols(self) -> tuple[int, ...]:
        return tuple(p for p, _ in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def _combine(self, other: PortMap, op: str) -> PortMap:
        protos = set(self.protocols()) | set(other.protocols())
        out: dict[int, IntervalSet] = {}
        for p in protos:
            a, b = self.get(p), other.get(p)
            out[p] = a | b if op == "|" else (a & b if op == "&" else a - b)
        return PortMap.of(out)

    def __or__(self, other: PortMap) -> PortMap:
        return self._combine(other, "|")

    def __and__(self, other: PortMap) -> PortMap:
        return self._combine(other, "&")

    def __sub__(self, other: PortMap) -> PortMap:
        return self._combine(other, "-")

    def issuperset(self, other: PortMap) -> bool:
        return not (other - self)

    def describe(self) -> str:
        if not self.items:
            return "nothing"
        if (OTHER in self.protocols() and self.get(TCP) == ALL_PORTS and self.get(UDP) == ALL_PORTS
                and ICMP in self.protocols()):
            return "all traffic"
        parts = []
        for p, s in sorted(self.items, key=lambda i: PROTOCOL_ORDER.get(i[0], i[0] + 10)):
            if p in (TCP, UDP):
                parts.append(f"{proto_label(p)} {s.describe_ports()}")
            else:
                parts.append(proto_label(p))
        return "; ".join(parts)

    def to_dict(self) -> dict[str, list[list[int]]]:
        return {proto_label(p): [list(r) for r in s.ranges] for p, s in self.items}


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Ports of one protocol decided by one entry (``entry`` None: the
    implicit ``*`` deny)."""

    proto: int
    ports: IntervalSet
    allow: bool
    entry: AclEntry | None
    acl: str
    egress: bool

    @property
    def label(self) -> str:
        if self.entry is not None:
            return self.entry.label
        return (f"ACL {self.acl} {'egress' if self.egress else 'ingress'} rule * "
                "(implicit deny): deny all traffic")

    @property
    def entry_id(self) -> str:
        return self.entry.logical_id if self.entry is not None else f"{self.acl} rule *"


@dataclass(frozen=True)
class Decision:
    """One ACL, one direction, one cell of remote addresses: every port of
    every protocol, with the entry that decided it."""

    acl: NetworkAcl
    egress: bool
    segments: tuple[Segment, ...]
    #: entries that could not be evaluated (unknown CIDR, rule number...).
    uncertain: tuple[str, ...] = ()

    def admitted(self, proto: int) -> IntervalSet:
        out = IntervalSet()
        for s in self.segments:
            if s.proto == proto and s.allow:
                out = out | s.ports
        return out

    def by_return_rules(self, proto: int) -> IntervalSet:
        """Ports admitted by an entry shaped like an ephemeral-return rule."""
        out = IntervalSet()
        for s in self.segments:
            if s.proto == proto and s.allow and s.entry is not None and s.entry.is_return_rule:
                out = out | s.ports
        return out

    def deciding(self, proto: int, ports: IntervalSet, allow: bool | None = None) -> list[Segment]:
        return [s for s in self.segments
                if s.proto == proto and (s.ports & ports) and (allow is None or s.allow == allow)]


def evaluated_entries(acl: NetworkAcl, egress: bool) -> tuple[AclEntry, ...]:
    """The entries of one direction in evaluation order: the IPv4 entries
    (:meth:`NetworkAcl.ordered`) and the IPv6 entries whose CIDR is known, by
    rule number (a packet only ever matches entries of its own family)."""
    v6 = [e for e in acl.entries if e.egress == egress and e.ipv6 and e.cidr is not None]
    if not v6:
        return acl.ordered(egress)
    return tuple(sorted(
        (*acl.ordered(egress), *v6),
        key=lambda e: (e.rule_number is None, e.rule_number or 0, e.logical_id),
    ))


def entry_match(entry: AclEntry) -> Match | None:
    """What an entry matches, or None when it cannot be evaluated (unknown
    CIDR, protocol, action or number)."""
    if entry.uncertain or entry.cidr is None or entry.protocol is None:
        return None
    return Match(entry.protocol, entry.ports, network_set(entry.cidr))


Address = int | str | ipaddress.IPv4Address | ipaddress.IPv6Address


class AclEvaluator:
    """Evaluates ACL directions for remote addresses, with a cache keyed by
    the set of entries that match (so equal cells cost one evaluation).

    An address is a place of the shared address line (an ``int``: an IPv4
    address's integer, see :mod:`vpc_patterns.plan.nacl.space`) or an
    address of either family (``"2001:db8::1"``, an ``ipaddress`` object)."""

    def __init__(self, protocols: Sequence[int]) -> None:
        self.protocols = tuple(protocols)
        self._cache: dict[tuple[str, bool, tuple[int, ...]], Decision] = {}

    @staticmethod
    def protocols_of(acls: Iterable[NetworkAcl]) -> tuple[int, ...]:
        named = {TCP, UDP, ICMP}
        for a in acls:
            for e in a.entries:
                if e.protocol is not None and e.protocol >= 0:
                    named.add(e.protocol)
        return tuple(sorted(named)) + (OTHER,)

    def matching(self, acl: NetworkAcl, egress: bool, address: Address) -> tuple[int, ...]:
        """Positions (in :func:`evaluated_entries`) of the entries that match
        ``address``."""
        matches = [entry_match(e) for e in evaluated_entries(acl, egress)]
        return containing(matches, address_point(address))

    def decide(self, acl: NetworkAcl, egress: bool, address: Address) -> Decision:
        key = (acl.logical_id, egress, self.matching(acl, egress, address))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        entries = evaluated_entries(acl, egress)
        matches = [(i, entry_match(entries[i])) for i in key[2]]
        pieces, remaining = first_match(
            ((i, m) for i, m in matches if m is not None), self.protocols)
        segs: list[Segment] = [
            Segment(pc.proto, pc.ports, bool(entries[pc.index].allow), entries[pc.index],
                    acl.logical_id, egress)
            for pc in pieces
        ]
        for p, rem in remaining.items():
            if rem:
                segs.append(Segment(p, rem, False, None, acl.logical_id, egress))
        uncertain = tuple(f"{e.logical_id}: {e.uncertain}" for e in entries if e.uncertain)
        d = Decision(acl, egress, tuple(segs), uncertain)
        self._cache[key] = d
        return d

    def splitters(self, acl: NetworkAcl, egress: bool) -> list[IntervalSet]:
        return [network_set(e.cidr) for e in evaluated_entries(acl, egress)
                if e.cidr is not None]


# ---------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AclHop:
    """One ACL crossing of a flow. ``remote`` says which end of the flow the
    ACL sees as the remote address: ``"src"`` or ``"dst"``."""

    acl: NetworkAcl
    egress: bool
    subnet: str
    remote: str


@dataclass(frozen=True)
class CellResult:
    src: IntervalSet
    dst: IntervalSet
    request: tuple[Decision, ...]
    reply: tuple[Decision, ...]
    #: request ports every request hop admits
    req: PortMap
    #: ``req`` less the ports some hop admits only through a return rule
    req_counted: PortMap
    #: reply ports (the client's ephemeral port) every reply hop admits
    rep: PortMap

    def reply_full(self, proto: int) -> bool:
        return self.rep.get(proto).issuperset(reply_space(proto))

    def reply_any(self, proto: int) -> bool:
        return bool(self.rep.get(proto) & reply_space(proto))


@dataclass(frozen=True)
class FlowResult:
    """What the ACLs let through between two address sets."""

    src: IntervalSet
    dst: IntervalSet
    request_hops: tuple[AclHop, ...]
    reply_hops: tuple[AclHop, ...]
    cells: tuple[CellResult, ...]
    protocols: tuple[int, ...]
    #: a subnet CIDR was unknown and a wider range stood in for it
    approximate: bool = False
    uncertain: tuple[str, ...] = field(default=())

    def _agg(self, counted: bool, full: bool) -> PortMap:
        out: dict[int, IntervalSet] = {}
        first = True
        for c in self.cells:
            src = c.req_counted if counted else c.req
            cell_ports = {p: src.get(p) for p in self.protocols
                          if (c.reply_full(p) if full else c.reply_any(p))}
            if full:
                if first:
                    out = {p: cell_ports.get(p, IntervalSet()) for p in self.protocols}
                else:
                    out = {p: out.get(p, IntervalSet()) & cell_ports.get(p, IntervalSet())
                           for p in self.protocols}
            else:
                for p, s in cell_ports.items():
                    out[p] = out.get(p, IntervalSet()) | s
            first = False
        return PortMap.of(out)

    def connectable(self, *, counted: bool = False) -> PortMap:
        """Ports on which some source address reaches some destination
        address with the reply admitted on at least part of the return range.
        ``counted``: leave out ports a hop admits only through a return rule."""
        return self._agg(counted, full=False)

    def connectable_everywhere(self) -> PortMap:
        """Ports on which every source address reaches every destination
        address with the reply admitted on the whole return range."""
        return self._agg(False, full=True)

    def one_way(self) -> PortMap:
        out = PortMap()
        for c in self.cells:
            out = out | c.req
        return out

    # -- explanations ---------------------------------------------------
    def admitting(self, proto: int, ports: IntervalSet) -> list[Segment]:
        """Request-side segments that admit ``ports`` of ``proto`` (first cell
        where they pass every request hop)."""
        for c in self.cells:
            hit = c.req.get(proto) & ports
            if hit:
                out: list[Segment] = []
                for d in c.request:
                    out.extend(d.deciding(proto, hit, allow=True))
                return out
        return []

    def blocking(self, proto: int, ports: IntervalSet) -> tuple[str, list[Segment]]:
        """Why ``ports`` are not connectable everywhere: ("request", segs)
        or ("reply", segs) with the denying segments of the first failing hop."""
        for c in self.cells:
            for d in c.request:
                denied = d.deciding(proto, ports, allow=False)
                if denied:
                    return "request", denied
            if not c.reply_full(proto):
                for d in c.reply:
                    denied = d.deciding(proto, reply_space(proto), allow=False)
                    if denied:
                        return "reply", denied
        return "", []


def _signature(evaluator: AclEvaluator, hops: Sequence[AclHop],
               address: int) -> tuple[tuple[int, ...], ...]:
    return tuple(evaluator.matching(h.acl, h.egress, address) for h in hops)


def _grouped_cells(evaluator: AclEvaluator, space: IntervalSet,
                   hops: Sequence[AclHop]) -> list[IntervalSet]:
    """Cells of ``space`` merged when every hop decides them alike."""
    if not space:
        return []
    splitters: list[IntervalSet] = []
    for h in hops:
        splitters.extend(evaluator.splitters(h.acl, h.egress))
    groups: dict[tuple[tuple[int, ...], ...], IntervalSet] = {}
    for c in cells(space, splitters):
        sig = _signature(evaluator, hops, c.ranges[0][0])
        groups[sig] = groups.get(sig, IntervalSet()) | c
    return list(groups.values())


def evaluate_flow(evaluator: AclEvaluator, src: IntervalSet, dst: IntervalSet,
                  request_hops: Sequence[AclHop], reply_hops: Sequence[AclHop],
                  *, approximate: bool = False) -> FlowResult:
    """Evaluate a flow from ``src`` to ``dst`` through the given hops."""
    src_side = [h for h in (*request_hops, *reply_hops) if h.remote == "src"]
    dst_side = [h for h in (*request_hops, *reply_hops) if h.remote == "dst"]
    results: list[CellResult] = []
    protos = evaluator.protocols
    for sc in _grouped_cells(evaluator, src, src_side):
        for dc in _grouped_cells(evaluator, dst, dst_side):
            ends = {"src": sc.ranges[0][0], "dst": dc.ranges[0][0]}
            req_d = tuple(evaluator.decide(h.acl, h.egress, ends[h.remote]) for h in request_hops)
            rep_d = tuple(evaluator.decide(h.acl, h.egress, ends[h.remote]) for h in reply_hops)
            req: dict[int, IntervalSet] = {}
            counted: dict[int, IntervalSet] = {}
            rep: dict[int, IntervalSet] = {}
            for p in protos:
                ports = port_space(p)
                ret = IntervalSet()
                for d in req_d:
                    ports = ports & d.admitted(p)
                    ret = ret | d.by_return_rules(p)
                req[p] = ports
                counted[p] = ports - ret
                back = port_space(p)
                for d in rep_d:
                    back = back & d.admitted(p)
                rep[p] = back
            results.append(CellResult(sc, dc, req_d, rep_d, PortMap.of(req), PortMap.of(counted),
                                      PortMap.of(rep)))
    uncertain = tuple(dict.fromkeys(
        u for c in results for d in (*c.request, *c.reply) for u in d.uncertain))
    return FlowResult(src, dst, tuple(request_hops), tuple(reply_hops), tuple(results), protos,
                      approximate, uncertain)


def direct_hops(src_acl: NetworkAcl, src_subnet: str, dst_acl: NetworkAcl | None,
                dst_subnet: str | None) -> tuple[list[AclHop], list[AclHop]]:
    """Hops of a flow between two subnets (or a subnet and the outside when
    the other end has no ACL of ours)."""
    req = [AclHop(src_acl, True, src_subnet, "dst")]
    rep: list[AclHop] = []
    if dst_acl is not None and dst_subnet is not None:
        req.append(AclHop(dst_acl, False, dst_subnet, "src"))
        rep.append(AclHop(dst_acl, True, dst_subnet, "src"))
    rep.append(AclHop(src_acl, False, src_subnet, "dst"))
    return req, rep
