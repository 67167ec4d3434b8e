"""Differential test of the ACL set algebra against brute force.

The shared algebra (:mod:`vpc_patterns.plan.nacl.space`) decides whole sets of
packets at once, for the plan's proofs (:func:`evaluate_acl`, the findings)
and for the template analyzer (:meth:`AclEvaluator.decide`). Here an
independent evaluator, written from AWS's rules alone, decides one concrete
packet (protocol, destination port, peer address of either family) by first
match over the rules in number order, and every answer of the algebra is
compared with it on random rule sets of IPv4 and IPv6 CIDRs.

Packets are drawn at the boundaries of the rules' ports and CIDRs (one below,
on, one above), where an off-by-one or a family mix-up shows, and at random.

ICMP packets carry a type and a code; the plan's proofs tell them apart (a
rule may name one, ``icmp=(3, 4)``), so a packet's "port" there is
``type * 256 + code``. The analyzer does not read ICMP types yet: its
comparison uses rules without them.

What this catches (each checked by hand once, then reverted): in
``space.first_match``, not removing what a rule decided from what is left
(``remaining[p] = remaining[p] - hit``): a later rule then re-decides
packets an earlier one took; setting ``IPV6_OFFSET`` to 0 (IPv4 and IPv6 on
the same integers): ``::/96`` then matches IPv4 packets; ``lo < hi`` instead
of ``lo <= hi`` in ``IntervalSet.__and__``: single ports are lost.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import random
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpc_patterns.check.acl import OTHER, AclEvaluator
from vpc_patterns.check.model import AclEntry, NetworkAcl
from vpc_patterns.check.ranges import IntervalSet
from vpc_patterns.plan.nacl import (
    EPHEMERAL_PORTS,
    AclRule,
    TierAcl,
    evaluate_acl,
    missing_returns,
    unsolicited_replies,
)
from vpc_patterns.plan.nacl.space import address_point
from vpc_patterns.plan.network import SubnetKind

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: CIDRs that nest and overlap, in both families. ``::/96`` and
#: ``::a00:0/104`` hold the same integers as 0.0.0.0/0 and 10.0.0.0/8: only the
#: family tells them apart.
POOL = (
    "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.0.128.0/17", "10.0.1.0/24",
    "203.0.113.0/24", "203.0.113.128/25", "198.51.100.7/32",
    "::/0", "::/96", "::a00:0/104", "2001:db8::/32", "2001:db8::/48",
    "2001:db8:0:1::/64", "2001:db8::7/128",
)
PORT_POINTS = (0, 1, 22, 80, 443, 1023, 1024, 1025, 5000, 65534, 65535)
#: Protocols of packets: "gre" stands for any protocol no rule can name.
PACKET_PROTOCOLS = ("tcp", "udp", "icmp", "gre")
KEYS = {"tcp": 6, "udp": 17, "icmp": 1, "gre": OTHER}
#: ICMP (type, code) of rules, and of packets (ICMPv4 and ICMPv6 numbers).
RULE_ICMP = (None, None, (3, 4), (3, -1), (8, -1), (0, 0), (11, -1), (128, -1), (2, 0))
PACKET_ICMP = ((3, 4), (3, 0), (8, 0), (0, 0), (0, 1), (11, 0), (13, 0), (2, 0), (128, 0),
               (129, 0), (255, 255))
#: Per family: ICMP request type -> its reply type; the error types. From RFC 792/4443.
ICMP_ANSWER = {4: {8: 0, 13: 14, 15: 16, 17: 18}, 6: {128: 129}}
ICMP_ERRORS = {4: {3, 4, 5, 11, 12}, 6: {1, 2, 3, 4}}


def icmp_code(icmp: tuple[int, int]) -> int:
    """A packet's ICMP type and code as the plan's "port"."""
    return icmp[0] * 256 + icmp[1]
ENTRY_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "all": -1}


# ---------------------------------------------------------------------------
# The reference: first match, one packet at a time
# ---------------------------------------------------------------------------


def brute(rules: Sequence[AclRule], proto: str, port: int, address: Address) -> AclRule | None:
    """The rule that decides the packet, None for the implicit deny."""
    for r in sorted(rules, key=lambda x: x.number):
        net = ipaddress.ip_network(r.cidr)
        if net.version != address.version or address not in net:
            continue
        if r.protocol.value == "all":
            return r
        if r.protocol.value != proto:
            continue
        if proto in ("tcp", "udp"):
            lo, hi = r.ports  # type: ignore[misc]
            if not lo <= port <= hi:
                continue
        if proto == "icmp" and r.icmp is not None:
            t, c = divmod(port, 256)
            if t != r.icmp[0] or r.icmp[1] not in (-1, c):
                continue
        return r
    return None


def allows(r: AclRule | None) -> bool:
    return r is not None and r.action.value == "allow"


# ---------------------------------------------------------------------------
# Random rule sets
# ---------------------------------------------------------------------------


@st.composite
def cidrs(draw: st.DrawFn) -> str:
    base = ipaddress.ip_network(draw(st.sampled_from(POOL)))
    extra = draw(st.sampled_from((0, 0, 1, 3, 8)))
    if extra == 0 or base.prefixlen + extra > base.max_prefixlen:
        return str(base)
    subnets = 2**extra
    i = draw(st.integers(0, subnets - 1))
    size = base.num_addresses // subnets
    first = int(base.network_address) + i * size
    return str(ipaddress.ip_network(f"{base.network_address.__class__(first)}/"
                                    f"{base.prefixlen + extra}"))


@st.composite
def ports(draw: st.DrawFn) -> tuple[int, int]:
    point = st.sampled_from(PORT_POINTS) | st.integers(0, 65535)
    a, b = draw(point), draw(point)
    return (min(a, b), max(a, b))


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[AclRule, ...]:
    n = draw(st.integers(1, 9))
    numbers = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n, unique=True))
    rules = []
    for number in numbers:
        proto = draw(st.sampled_from(("tcp", "udp", "icmp", "all")))
        action = draw(st.sampled_from(("allow", "allow", "deny")))
        rules.append(AclRule(
            number, action, proto, draw(ports()) if proto in ("tcp", "udp") else None,
            draw(cidrs()), egress=draw(st.booleans()), description="random",
            reply=action == "allow" and draw(st.booleans()),
            icmp=draw(st.sampled_from(RULE_ICMP)) if proto == "icmp" else None,
        ))
    return tuple(rules)


def tier_acl(rules: Sequence[AclRule]) -> TierAcl:
    return TierAcl(tier="t", kind=SubnetKind.PRIVATE, construct_id="TNetworkAcl",
                   block="10.0.0.0/16", subnets=(), library_rules=(), user_rules=tuple(rules))


def network_acl(rules: Sequence[AclRule]) -> NetworkAcl:
    """The rules as the analyzer's model of a template would hold them."""
    entries = []
    for r in rules:
        net = ipaddress.ip_network(r.cidr)
        entries.append(AclEntry(
            f"{'Egress' if r.egress else 'Ingress'}{r.number}", "Acl", r.number,
            ENTRY_PROTOCOLS[r.protocol.value],
            None if r.ports is None else IntervalSet.single(*r.ports),  # type: ignore[misc]
            net,  # type: ignore[arg-type]
            r.egress, r.action.value == "allow", ipv6=net.version == 6,
        ))
    return NetworkAcl("Acl", tuple(entries), ())


def address_points(rules: Sequence[AclRule], rnd: random.Random) -> list[Address]:
    out: set[Address] = {ipaddress.ip_address(a) for a in ("0.0.0.0", "255.255.255.255", "::",
                                                           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}
    for r in rules:
        net = ipaddress.ip_network(r.cidr)
        lo, hi = int(net.network_address), int(net.broadcast_address)
        top = 2**net.max_prefixlen - 1
        cls = net.network_address.__class__
        for v in (lo - 1, lo, hi, hi + 1, rnd.randint(lo, hi)):
            if 0 <= v <= top:
                out.add(cls(v))
    return sorted(out, key=lambda a: (a.version, int(a)))


def port_points(rules: Sequence[AclRule]) -> list[int]:
    out = {0, 1023, 1024, 65535}
    for r in rules:
        if r.ports is not None:
            lo, hi = r.ports  # type: ignore[misc]
            out.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p <= 65535)
    return sorted(out)


def packets(rules: Sequence[AclRule], rnd: random.Random, limit: int = 160,
            icmp_types: bool = True) -> list[tuple[str, int, Address]]:
    """Packets at the rules' boundaries: ``(protocol, port, address)``, the
    port of an ICMP packet its :func:`icmp_code` (0 without ``icmp_types``)."""
    addrs, prts = address_points(rules, rnd), port_points(rules)
    icmp = [icmp_code(i) for i in PACKET_ICMP] if icmp_types else [0]
    every = [(p, port, a) for a in addrs for p in PACKET_PROTOCOLS
             for port in (prts if p in ("tcp", "udp") else icmp if p == "icmp" else (0,))]
    return rnd.sample(every, min(limit, len(every)))


# ---------------------------------------------------------------------------
# The comparisons
# ---------------------------------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _region_holds(region: dict, point: int, key: int, port: int) -> bool:
    for (lo, hi), protos in region.items():
        if lo <= point <= hi:
            return key in protos and protos[key].contains(port)
    return False


@SETTINGS
@given(rule_sets(), st.randoms(use_true_random=False))
def test_plan_regions_match_first_match(rules: tuple[AclRule, ...], rnd: random.Random) -> None:
    """Each packet is in the region of exactly the rule brute force picks
    (or in the implicit deny's), and TierAcl.decide agrees."""
    acl = tier_acl(rules)
    ev = evaluate_acl(acl)
    for egress in (False, True):
        d = ev[egress]
        mine = [r for r in rules if r.egress == egress]
        for proto, port, addr in packets(mine, rnd):
            expected = brute(mine, proto, port, addr)
            point, key = address_point(addr), KEYS[proto]
            holders = [r for r, hit in zip(d.rules, d.hits) if _region_holds(hit, point, key, port)]
            if _region_holds(d.default, point, key, port):
                holders.append(None)  # type: ignore[arg-type]
            assert holders == [expected], (egress, proto, port, str(addr))
            action, by = acl.decide(egress=egress, protocol=proto, address=str(addr),
                                    port=port if proto in ("tcp", "udp") else None,
                                    icmp=divmod(port, 256) if proto == "icmp" else None)
            assert by == expected and (action.value == "allow") == allows(expected)


@SETTINGS
@given(rule_sets(), st.randoms(use_true_random=False))
def test_analyzer_decisions_match_first_match(rules: tuple[AclRule, ...],
                                              rnd: random.Random) -> None:
    """The analyzer's Decision for a packet's address holds exactly one
    segment for its protocol and port: the entry brute force picks. (The
    analyzer reads no ICMP types: the rules here have none.)"""
    rules = tuple(dataclasses.replace(r, icmp=None) for r in rules)
    acl = network_acl(rules)
    evaluator = AclEvaluator(AclEvaluator.protocols_of([acl]))
    for egress in (False, True):
        mine = [r for r in rules if r.egress == egress]
        for proto, port, addr in packets(mine, rnd, icmp_types=False):
            expected = brute(mine, proto, port, addr)
            decision = evaluator.decide(acl, egress, addr)
            segs = [s for s in decision.segments
                    if s.proto == KEYS[proto] and s.ports.contains(port)]
            assert len(segs) == 1, (egress, proto, port, str(addr), segs)
            want = None if expected is None else (
                f"{'Egress' if egress else 'Ingress'}{expected.number}")
            got = None if segs[0].entry is None else segs[0].entry.logical_id
            assert got == want and segs[0].allow == allows(expected), (proto, port, str(addr))


def _flow_admits(rules: Sequence[AclRule], proto: str, port: int, addr: Address) -> bool:
    r = brute(rules, proto, port, addr)
    return allows(r) and not r.reply  # type: ignore[union-attr]


@SETTINGS
@given(rule_sets(), st.randoms(use_true_random=False))
def test_proofs_report_every_witness(rules: tuple[AclRule, ...], rnd: random.Random) -> None:
    """A request a flow rule admits whose reply the other side denies is
    reported (missing-return) for that rule; a packet a reply=True rule admits
    that answers no flow of the other side is reported (unsolicited). ICMP:
    only a request type needs (and solicits) its reply type; an error needs
    nothing, and answers any packet the other side lets out at all."""
    acl = tier_acl(rules)
    missing = {f.rule for f in missing_returns(acl)}
    unsolicited = {f.rule for f in unsolicited_replies(acl)}
    eph_lo, eph_hi = EPHEMERAL_PORTS
    for egress in (False, True):
        mine = [r for r in rules if r.egress == egress]
        other = [r for r in rules if r.egress != egress]
        back_ports = [p for p in port_points(other) if eph_lo <= p <= eph_hi]
        request_ports = port_points(other)
        for proto, port, addr in packets(mine, rnd, limit=80):
            r = brute(mine, proto, port, addr)
            if not allows(r):
                continue
            assert r is not None
            ported = proto in ("tcp", "udp")
            fam = addr.version
            icmp_type = port // 256
            if not r.reply:
                if proto == "icmp":
                    if icmp_type not in ICMP_ANSWER[fam]:
                        continue  # an error or a reply: nothing answers it
                    replies = [icmp_code((ICMP_ANSWER[fam][icmp_type], 0))]
                else:
                    replies = back_ports if ported else [0]
                if any(not allows(brute(other, proto, q, addr)) for q in replies):
                    assert r in missing, (r, proto, port, str(addr))
            else:
                if proto == "icmp" and icmp_type in ICMP_ERRORS[fam]:
                    answered = any(x.action.value == "allow" for x in other)
                elif proto == "icmp":
                    answered = any(_flow_admits(other, "icmp", icmp_code((q, c)), addr)
                                   for q, a in ICMP_ANSWER[fam].items() if a == icmp_type
                                   for c in (0, 1, 255))
                else:
                    answered = (not ported or eph_lo <= port <= eph_hi) and any(
                        _flow_admits(other, proto, q, addr)
                        for q in (request_ports if ported else [0]))
                if not answered:
                    assert r in unsolicited, (r, proto, port, str(addr))
