"""Proofs about a tier's network ACL, exact over every packet: rules that never
match, replies that are dropped, and "reply" rules that admit more than replies.

* **shadowing** (:func:`shadow_findings`): a rule that can never match
  because lower-numbered rules take every packet it matches. With a different
  action it is *shadowed* (it has no effect, the other rule wins); with the
  same action it is *redundant* (dead);
* **return traffic** (:func:`missing_returns`): a stateless ACL cannot tell a
  reply from a request, so each allow rule says which it is for: a *flow*
  rule (the default) admits requests, a rule with ``reply=True`` admits
  replies to flows the other direction lets out. For every packet a flow rule
  admits, every reply to it must be admitted by the other direction; an empty
  result is a proof that no reply to an allowed request is dropped. A rule
  that breaks it is reported with the rule that blocks the reply;
* **unsolicited packets** (:func:`unsolicited_replies`): the converse, so that
  ``reply=True`` cannot hide an open door: a reply rule must admit nothing but
  replies to what the other direction's flow rules let out. A deny that
  narrows a flow on one side only shows up here (the other side still admits
  that peer's "replies");
* **remote administration** (:func:`remote_admin_findings`): ``reply=True``
  does not exempt a rule from this one. An allow rule for 0.0.0.0/0 or ::/0
  that matches a remote-administration port (SSH 22, RDP 3389 by default) is
  reported, as AWS Control Tower's CT.EC2.PR.5 reads entries: one by one. A
  stateless ACL cannot tell a reply to port 3389 from a new RDP connection.

What a reply is
---------------
A reply to TCP or UDP goes back to the peer's ephemeral port (any port of
the range: the client chose it); replies from outside the VPC are *required*
only on :attr:`~.merge.AclPlan.reply_ports` (the range without the
remote-administration ports, which no rule may admit from 0.0.0.0/0), but
any port of the range may be one (:func:`unsolicited_replies`). ICMP is
evaluated by type and code (:data:`~.space.TYPED_SPACES`): an echo request
(timestamp, information, address-mask request) is answered by its reply
type; an ICMP *error* (destination unreachable, e.g. "fragmentation needed",
time exceeded, parameter problem, redirect, source quench) and a reply type
are answered by nothing (RFC 1122: no ICMP error about an ICMP error), and an
error may answer any packet the other direction lets out, from any address (it
comes from a router on the way). Another protocol is answered by the same
protocol back to the peer.

The analysis is exact, not sampled: the address line (IPv4 and IPv6) is cut
into cells at every rule's CIDR boundaries, and each cell is evaluated with
:func:`~vpc_patterns.plan.nacl.space.first_match`, the evaluator the template
analyzer uses too. A set of packets (a *region*) is, per cell, the ports of
each protocol it holds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from vpc_patterns.plan.nacl.merge import AclPlan, TierAcl
from vpc_patterns.plan.nacl.rules import EPHEMERAL_PORTS, AclAction, AclProtocol, AclRule
from vpc_patterns.plan.nacl.space import (
    ALL,
    EVERY_ADDRESS,
    ICMP,
    IPV6_OFFSET,
    NO_PORTS,
    OTHER,
    PORTED,
    TCP,
    TYPED_SPACES,
    UDP,
    IntervalSet,
    Match,
    cells,
    describe_icmp,
    family,
    first_match,
    icmp_span,
    network_set,
)


class FindingKind(str, Enum):
    #: a rule never matches, and a rule that takes its packets has the other
    #: action: the rule has no effect at all.
    SHADOWED = "shadowed"
    #: a rule never matches; the rules that take its packets have its action.
    REDUNDANT = "redundant"
    #: an admitted packet's reply is denied by the other direction.
    MISSING_RETURN = "missing-return"
    #: a rule marked ``reply=True`` admits packets that answer nothing the
    #: other direction lets out.
    UNSOLICITED = "unsolicited"
    #: an allow rule for 0.0.0.0/0 or ::/0 matches a remote-administration
    #: port (SSH, RDP): what CT.EC2.PR.5 rejects, whether or not the rule is
    #: marked ``reply=True``.
    REMOTE_ADMIN = "remote-admin"


@dataclass(frozen=True)
class AclFinding:
    """A warning about an ACL (an error with ``findings_as_errors``).

    :ivar rule: the rule concerned: the dead rule (shadowed/redundant), or
        the rule whose admitted packets have no way back (missing-return).
    :ivar by: the rules responsible: those that take the dead rule's packets,
        or the deny rules of the other direction that block the replies (empty
        when the implicit deny ``*`` blocks them).
    :ivar detail: for missing-return, the replies that are blocked, as
        ``"<direction> <protocol> [<ports>] <cidr>"`` strings.
    """

    kind: FindingKind
    tier: str
    rule: AclRule
    by: tuple[AclRule, ...]
    message: str
    detail: tuple[str, ...] = ()

    @property
    def egress(self) -> bool:
        return self.rule.egress


# --------------------------------------------------------------------------
# Rules as sets, and regions of packets
# --------------------------------------------------------------------------

#: The protocols the plan tells apart: a rule names tcp, udp, icmp or all.
PLAN_PROTOCOLS: tuple[int, ...] = (TCP, UDP, ICMP, OTHER)
_PROTOCOL_KEYS: Mapping[AclProtocol, int] = {
    AclProtocol.TCP: TCP, AclProtocol.UDP: UDP, AclProtocol.ICMP: ICMP, AclProtocol.ALL: ALL,
}
_NAMES: Mapping[int, str] = {TCP: "tcp", UDP: "udp", ICMP: "icmp", OTHER: "other"}

#: cell ``(lo, hi)`` of the address line -> protocol key -> ports (never empty)
Region = dict[tuple[int, int], dict[int, IntervalSet]]


def rule_match(rule: AclRule) -> Match:
    """What ``rule`` matches, in the terms of the shared algebra (ICMP over
    IPv6 is the key :data:`~.space.ICMP` too: a rule's CIDR fixes its family;
    an ICMP rule's "ports" are its type-code numbers, :func:`~.space.icmp_span`,
    evaluated with :data:`~.space.TYPED_SPACES`)."""
    if rule.icmp is not None:
        ports: IntervalSet | None = icmp_span(*rule.icmp)
    else:
        ports = None if rule.ports is None else IntervalSet.single(*rule.ports)
    return Match(_PROTOCOL_KEYS[AclProtocol(rule.protocol)], ports, network_set(rule.network))


#: ICMP request types and the type that answers each, per address family
#: (ICMPv4: echo, timestamp, information, address mask; ICMPv6: echo).
_ICMP_ANSWERS: Mapping[int, tuple[tuple[int, int], ...]] = {
    4: ((8, 0), (13, 14), (15, 16), (17, 18)),
    6: ((128, 129),),
}
#: ICMP error types per family: each may answer any packet, none is answered.
#: ICMPv4: destination unreachable (fragmentation needed is 3/4), source
#: quench, redirect, time exceeded, parameter problem; ICMPv6: destination
#: unreachable, packet too big, time exceeded, parameter problem.
ICMP_ERROR_TYPES: Mapping[int, tuple[int, ...]] = {4: (3, 4, 5, 11, 12), 6: (1, 2, 3, 4)}


def _icmp_answers(types: IntervalSet, fam: int) -> IntervalSet:
    out = IntervalSet()
    for request, answer in _ICMP_ANSWERS[fam]:
        if types & icmp_span(request):
            out = out | icmp_span(answer)
    return out


def _icmp_errors(fam: int) -> IntervalSet:
    out = IntervalSet()
    for t in ICMP_ERROR_TYPES[fam]:
        out = out | icmp_span(t)
    return out


def _add(region: Region, cell: tuple[int, int], proto: int, ports: IntervalSet) -> None:
    if ports:
        protos = region.setdefault(cell, {})
        protos[proto] = protos[proto] | ports if proto in protos else ports


def _meet(a: Region, b: Region) -> Region:
    out: Region = {}
    for cell, protos in a.items():
        other = b.get(cell)
        if other:
            for p, s in protos.items():
                if p in other:
                    _add(out, cell, p, s & other[p])
    return out


def _minus(a: Region, b: Region) -> Region:
    out: Region = {}
    for cell, protos in a.items():
        other = b.get(cell, {})
        for p, s in protos.items():
            _add(out, cell, p, s - other[p] if p in other else s)
    return out


def _join(regions: Iterable[Region]) -> Region:
    out: Region = {}
    for r in regions:
        for cell, protos in r.items():
            for p, s in protos.items():
                _add(out, cell, p, s)
    return out


@dataclass(frozen=True)
class Evaluation:
    """First-match evaluation of one direction of an ACL, as regions."""

    rules: tuple[AclRule, ...]
    #: per rule (same order): the packets it decides
    hits: tuple[Region, ...]
    #: the packets no rule matches (the implicit deny)
    default: Region
    #: per rule: every packet it matches, decided by it or not
    matches: tuple[Region, ...]


def evaluate_acl(acl: TierAcl, *, boundaries: Iterable[str] = ()) -> dict[bool, Evaluation]:
    """Both directions of ``acl`` (``{False: inbound, True: outbound}``) over
    one partition of the address line, so their regions combine. ICMP is
    evaluated by type and code (:data:`~.space.TYPED_SPACES`). ``boundaries``:
    CIDRs every cell lies wholly inside or outside of (besides the rules'),
    e.g. the VPC's."""
    rules = {False: acl.inbound, True: acl.outbound}
    matches = {e: [rule_match(r) for r in rules[e]] for e in (False, True)}
    parts = cells(EVERY_ADDRESS, [m.addresses for e in (False, True) for m in matches[e]]
                  + [network_set(b) for b in boundaries])
    out: dict[bool, Evaluation] = {}
    for egress in (False, True):
        ms = matches[egress]
        hits: list[Region] = [{} for _ in ms]
        wide: list[Region] = [{} for _ in ms]
        default: Region = {}
        for c in parts:
            cell = c.ranges[0]
            inside = [(i, m) for i, m in enumerate(ms) if m.addresses.contains(cell[0])]
            for i, m in inside:
                for p in PLAN_PROTOCOLS:
                    _add(wide[i], cell, p, m.span(p, TYPED_SPACES))
            pieces, rest = first_match(inside, PLAN_PROTOCOLS, TYPED_SPACES)
            for piece in pieces:
                _add(hits[piece.index], cell, piece.proto, piece.ports)
            for p, s in rest.items():
                _add(default, cell, p, s)
        out[egress] = Evaluation(rules[egress], tuple(hits), default, tuple(wide))
    return out


def _replies(hit: Region, back: IntervalSet) -> Region:
    """The packets that answer ``hit`` (besides ICMP errors): TCP/UDP to
    ``back`` (the peer's ephemeral ports), the reply type of each ICMP request
    type, the same protocol back to the peer for other protocols. ICMP errors
    and replies are answered by nothing."""
    out: Region = {}
    for cell, protos in hit.items():
        for p, s in protos.items():
            if p in PORTED:
                _add(out, cell, p, back)
            elif p == ICMP:
                _add(out, cell, p, _icmp_answers(s, family(cell[0])))
            else:
                _add(out, cell, p, NO_PORTS)
    return out


def _errors_everywhere(cells_: Iterable[tuple[int, int]]) -> Region:
    """ICMP errors from (or to) every address: what may answer any packet."""
    out: Region = {}
    for cell in cells_:
        _add(out, cell, ICMP, _icmp_errors(family(cell[0])))
    return out


def _cidrs(cls: type, spans: Sequence[tuple[int, int]]) -> list:
    nets: list = []
    for a0, a1 in spans:
        nets.extend(ipaddress.summarize_address_range(cls(a0), cls(a1)))
    return list(ipaddress.collapse_addresses(nets))


_ADDR_MAX = {4: 2**32 - 1, 6: 2**128 - 1}
_NOTHING = IntervalSet()


def _port_bands(region: Region, bridge: IntervalSet = _NOTHING,
                ) -> dict[tuple[tuple[int, str], int, int], tuple[list[tuple[int, int]],
                                                                  IntervalSet]]:
    """``region`` by family, protocol and port range: the fewest port ranges
    such that each has one address set, those addresses (family-local), and
    the ``bridge`` ports (the reply gaps) the range runs over without holding
    them. The result depends only on the set of packets, not on the cells."""
    by_key: dict[tuple[int, int], list[tuple[tuple[int, int], IntervalSet]]] = {}
    for cell, protos in region.items():
        for proto, ports in protos.items():
            by_key.setdefault((family(cell[0]), proto), []).append((cell, ports))
    groups: dict[tuple[tuple[int, str], int, int], tuple[list[tuple[int, int]], IntervalSet]] = {}
    for (fam, proto), items in by_key.items():
        base = IPV6_OFFSET if fam == 6 else 0
        points = sorted({x for _, ports in items for lo, hi in ports.ranges for x in (lo, hi + 1)})
        bands: list[tuple[int, int, IntervalSet, IntervalSet]] = []
        for p0, nxt in pairwise(points):
            where = IntervalSet.of(*(cell for cell, ports in items if ports.contains(p0)))
            if not where:
                continue
            if bands and bands[-1][2] == where:
                lo, hi, _, holes = bands[-1]
                between = IntervalSet.single(hi + 1, p0 - 1) if hi + 1 < p0 else _NOTHING
                if bridge.issuperset(between):
                    bands[-1] = (lo, nxt - 1, where, holes | between)
                    continue
            bands.append((p0, nxt - 1, where, _NOTHING))
        for p0, p1, where, holes in bands:
            groups[((fam, _NAMES[proto]), p0, p1)] = (
                [(lo - base, hi - base) for lo, hi in where], holes)
    return groups


def _describe(region: Region, *, egress: bool, limit: int = 4,
              bridge: IntervalSet = _NOTHING) -> tuple[str, ...]:
    groups = _port_bands(region, bridge)
    out: list[str] = []
    for (k, p0, p1), (spans, skipped) in sorted(groups.items()):
        fam, proto = k
        cls = ipaddress.IPv4Address if fam == 4 else ipaddress.IPv6Address
        nets = _cidrs(cls, sorted(spans))
        # "0.0.0.0/0 except 10.0.0.0/16" reads better than 17 fragments of it.
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        cover = ipaddress.ip_network(f"{cls(lo)}/{_ADDR_MAX[fam].bit_length()}")
        while int(cover.broadcast_address) < hi:
            cover = cover.supernet()
        gaps: list[tuple[int, int]] = []
        cursor = int(cover.network_address)
        for a0, a1 in sorted(spans):
            if a0 > cursor:
                gaps.append((cursor, a0 - 1))
            cursor = max(cursor, a1 + 1)
        if cursor <= int(cover.broadcast_address):
            gaps.append((cursor, int(cover.broadcast_address)))
        holes = _cidrs(cls, gaps)
        if gaps and len(holes) < len(nets):
            shown = f"{cover} except " + ", ".join(str(n) for n in holes[:limit])
            if len(holes) > limit:
                shown += f" and {len(holes) - limit} more"
        else:
            shown = ", ".join(str(n) for n in nets[:limit])
            if len(nets) > limit:
                shown += f" and {len(nets) - limit} more"
        if proto in ("tcp", "udp"):
            ports = f" {p0}" if p0 == p1 else f" {p0}-{p1}"
            if skipped:
                ports += f" but {skipped.describe_ports()}"
        elif proto == "icmp":
            types = describe_icmp(IntervalSet.single(p0, p1))
            ports = "" if types == "every type" else f" {types}"
        else:
            ports = ""
        what = "other protocols" if proto == "other" else proto
        out.append(
            f"{'outbound' if egress else 'inbound'} {what}{ports} "
            f"{'to' if egress else 'from'} {shown}"
        )
    return tuple(out)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def shadow_findings(acl: TierAcl) -> tuple[AclFinding, ...]:
    """Rules that can never match, per direction: *shadowed* when a rule that
    takes their packets has the other action, *redundant* otherwise."""
    findings: list[AclFinding] = []
    ev = evaluate_acl(acl)
    for egress in (False, True):
        d = ev[egress]
        for i, (r, hit) in enumerate(zip(d.rules, d.hits)):
            if hit:
                continue
            by = tuple(e for e, eh in zip(d.rules[:i], d.hits[:i]) if _meet(eh, d.matches[i]))
            opposite = [e for e in by if e.action != r.action]
            kind = FindingKind.SHADOWED if opposite else FindingKind.REDUNDANT
            takers = "; ".join(f"{acl.origin(e)} {e}" for e in by)
            if kind is FindingKind.SHADOWED:
                tail = (
                    f"with the opposite action, so it has no effect; number it below "
                    f"{min(e.number for e in opposite)} if it should win"
                )
            else:
                tail = "with the same action, so it is dead and can be removed"
            findings.append(
                AclFinding(
                    kind=kind,
                    tier=acl.tier,
                    rule=r,
                    by=by,
                    message=(
                        f"tier {acl.tier!r}: {acl.origin(r)} {r} never matches: {takers} "
                        f"take{'s' if len(by) == 1 else ''} all its packets first, {tail}"
                    ),
                )
            )
    return tuple(findings)


def _targets(
    acl_plan: AclPlan | TierAcl, ephemeral_ports: tuple[int, int] | None
) -> tuple[Sequence[TierAcl], tuple[int, int]]:
    if isinstance(acl_plan, TierAcl):
        return (acl_plan,), ephemeral_ports or EPHEMERAL_PORTS
    return acl_plan.acls, ephemeral_ports or acl_plan.ephemeral_ports


def _gaps(acl_plan: AclPlan | TierAcl, remote_admin_ports: Sequence[int] | None) -> IntervalSet:
    if remote_admin_ports is None:
        remote_admin_ports = () if isinstance(acl_plan, TierAcl) else acl_plan.remote_admin_ports
    return IntervalSet.of(*((p, p) for p in remote_admin_ports))


def missing_returns(
    acl_plan: AclPlan | TierAcl, *, ephemeral_ports: tuple[int, int] | None = None,
    remote_admin_ports: Sequence[int] | None = None,
) -> tuple[AclFinding, ...]:
    """Every packet a flow rule admits whose reply the other direction does not.

    A reply to a TCP or UDP packet goes back to the peer's address on the
    ephemeral range (any port of it: the client chose it) -- except, for peers
    outside the VPC, the ``remote_admin_ports``, which an ACL may not admit
    from 0.0.0.0/0 (default: the plan's; none for a single :class:`TierAcl`,
    which knows no VPC, so ports given for one apply to every peer); an ICMP
    request is
    answered by its reply type, an ICMP error or reply by nothing; another
    protocol by itself back to the peer.
    Rules marked ``reply=True`` open no flow and are not asked for replies.
    Each finding names the flow rule, the rules that block the replies (or the
    implicit deny), and the blocked replies. An empty result proves that no
    reply to a request the ACLs admit is dropped.
    """
    acls, eph = _targets(acl_plan, ephemeral_ports)
    gaps = _gaps(acl_plan, remote_admin_ports)
    # the gaps are for peers outside the VPC (the reply rules from 0.0.0.0/0)
    vpc_cidr = acl_plan.vpc_cidr if isinstance(acl_plan, AclPlan) else None
    vpc = network_set(vpc_cidr) if vpc_cidr is not None else _NOTHING
    findings: list[AclFinding] = []
    for acl in acls:
        ev = evaluate_acl(acl, boundaries=[vpc_cidr] if vpc_cidr is not None else [])
        for egress in (False, True):
            this, other = ev[egress], ev[not egress]
            blockers: list[tuple[AclRule | None, Region]] = [
                (r, h) for r, h in zip(other.rules, other.hits) if r.action is AclAction.DENY and h
            ]
            blockers.append((None, other.default))
            for r, hit in zip(this.rules, this.hits):
                if r.action is not AclAction.ALLOW or r.reply or not hit:
                    continue
                need = _replies(hit, IntervalSet.single(*eph))
                if gaps:
                    need = _minus(need, {c: {p: gaps for p in PORTED} for c in need
                                         if not vpc.contains(c[0])})
                parts: list[Region] = []
                by: list[AclRule] = []
                implicit = False
                for blocker, region in blockers:
                    m = _meet(need, region)
                    if m:
                        parts.append(m)
                        if blocker is None:
                            implicit = True
                        else:
                            by.append(blocker)
                if not parts:
                    continue
                missing = _join(parts)
                detail = _describe(missing, egress=not egress, bridge=gaps)
                blocked_by = ", ".join(f"{acl.origin(b)} {b}" for b in by)
                if implicit:
                    blocked_by = (
                        blocked_by + " and " if blocked_by else ""
                    ) + "the implicit deny (no rule admits them)"
                findings.append(
                    AclFinding(
                        kind=FindingKind.MISSING_RETURN,
                        tier=acl.tier,
                        rule=r,
                        by=tuple(by),
                        detail=detail,
                        message=(
                            f"tier {acl.tier!r}: {acl.origin(r)} {r} admits requests whose "
                            f"replies ({'; '.join(detail)}) are blocked by {blocked_by}: "
                            "admit them with a reply=True rule, or narrow the rule"
                        ),
                    )
                )
    return tuple(findings)


def unsolicited_replies(
    acl_plan: AclPlan | TierAcl, *, ephemeral_ports: tuple[int, int] | None = None
) -> tuple[AclFinding, ...]:
    """Packets a ``reply=True`` rule admits that answer no flow of the other
    direction: the rule is broader than the replies it exists for (or a deny
    on the other side narrowed the flows it answers). ``by`` holds the flow
    rules whose replies the rule does admit."""
    acls, eph = _targets(acl_plan, ephemeral_ports)
    findings: list[AclFinding] = []
    for acl in acls:
        ev = evaluate_acl(acl)
        for egress in (False, True):
            this, other = ev[egress], ev[not egress]
            flows = [
                (r, h) for r, h in zip(other.rules, other.hits)
                if r.action is AclAction.ALLOW and not r.reply and h
            ]
            answered = _join(_replies(h, IntervalSet.single(*eph)) for _, h in flows)
            if any(r.action is AclAction.ALLOW and h for r, h in zip(other.rules, other.hits)):
                every_cell = set(this.default) | {c for h in this.hits for c in h}
                answered = _join([answered, _errors_everywhere(every_cell)])
            for r, hit, wide in zip(this.rules, this.hits, this.matches):
                if not r.reply or not hit:
                    continue
                extra = _minus(hit, answered)
                if not extra:
                    continue
                detail = _describe(extra, egress=egress)
                answering = tuple(f for f, h in flows
                                  if _meet(_replies(h, IntervalSet.single(*eph)), wide))
                findings.append(
                    AclFinding(
                        kind=FindingKind.UNSOLICITED,
                        tier=acl.tier,
                        rule=r,
                        by=answering,
                        detail=detail,
                        message=(
                            f"tier {acl.tier!r}: {acl.origin(r)} {r} is marked reply=True but also "
                            f"admits packets that answer nothing the "
                            f"{'inbound' if egress else 'outbound'} rules let out "
                            f"({'; '.join(detail)}): narrow it, deny those peers on this side "
                            "too, or drop reply=True if they are requests"
                        ),
                    )
                )
    return tuple(findings)


#: CIDRs that mean "every address" to CT.EC2.PR.5.
_EVERYWHERE = ("0.0.0.0/0", "::/0")


def remote_admin_findings(
    acl_plan: AclPlan | TierAcl, *, remote_admin_ports: Sequence[int] | None = None
) -> tuple[AclFinding, ...]:
    """Inbound allow rules for 0.0.0.0/0 or ::/0 that match a
    remote-administration port (default: the plan's ``remote_admin_ports``;
    for a single :class:`TierAcl`, SSH and RDP): protocol ``all``, or TCP or
    UDP on a range that holds one. ``reply=True`` exempts nothing: a reply
    rule from anywhere on 1024-65535 admits new RDP connections to 3389 as
    well. A rule that earlier denies keep those ports from is reported too
    (CT.EC2.PR.5 reads each entry alone); the message says which it is."""
    if remote_admin_ports is None:
        if isinstance(acl_plan, TierAcl):
            from vpc_patterns.plan.nacl.policy import DEFAULT_REMOTE_ADMIN_PORTS

            remote_admin_ports = DEFAULT_REMOTE_ADMIN_PORTS
        else:
            remote_admin_ports = acl_plan.remote_admin_ports
    admin = sorted(set(remote_admin_ports))
    if not admin:
        return ()
    acls = (acl_plan,) if isinstance(acl_plan, TierAcl) else acl_plan.acls
    findings: list[AclFinding] = []
    for acl in acls:
        ev = evaluate_acl(acl)[False]
        for r, hit in zip(ev.rules, ev.hits):
            if r.action is not AclAction.ALLOW or r.cidr not in _EVERYWHERE:
                continue
            protos: tuple[str, ...]
            if r.protocol is AclProtocol.ALL:
                protos = ("tcp", "udp")
                open_ports = admin
            elif r.protocol in (AclProtocol.TCP, AclProtocol.UDP) and r.ports is not None:
                protos = (r.protocol.value,)
                open_ports = [p for p in admin if r.ports[0] <= p <= r.ports[1]]
            else:
                continue
            if not open_ports:
                continue
            keys = [TCP if x == "tcp" else UDP for x in protos]
            reached = [p for p in open_ports
                       if any(by_proto.get(k, IntervalSet()).contains(p)
                              for by_proto in hit.values() for k in keys)]
            if reached:
                effect = (f"and packets to {', '.join(map(str, reached))} from there reach it: "
                          "the port is open to the internet at this layer")
            else:
                effect = ("though earlier rules take those packets first; CT.EC2.PR.5 reads "
                          "each entry alone")
            ports_text = ", ".join(map(str, open_ports))
            fix = ("name protocols and ports" if r.protocol is AclProtocol.ALL
                   else f"split the range around {ports_text}")
            marked = " (reply=True exempts nothing here)" if r.reply else ""
            findings.append(AclFinding(
                kind=FindingKind.REMOTE_ADMIN,
                tier=acl.tier,
                rule=r,
                by=(),
                detail=tuple(f"inbound {p} {ports_text} from {r.cidr}" for p in protos),
                message=(
                    f"tier {acl.tier!r}: {acl.origin(r)} {r}{marked} admits remote "
                    f"administration ({'/'.join(x.upper() for x in protos)} {ports_text}) from "
                    f"{r.cidr}, {effect}: {fix} or name a narrower CIDR (AWS Control Tower "
                    "CT.EC2.PR.5)"
                ),
            ))
    return tuple(findings)
