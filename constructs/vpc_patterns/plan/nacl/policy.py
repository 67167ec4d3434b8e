"""The library's network ACL rules per tier kind (public, private, isolated),
with the defaults they are built from.

Library rules have fixed numbers: :data:`~.rules.LIBRARY_RULE_STEP` apart,
starting at :data:`~.rules.LIBRARY_RULE_STEP` (100, 200, 300, ...), in the
order :func:`library_rules` lists them. Variable-length groups (public ports,
the tiers an isolated tier admits) come after the fixed rules of the same
purpose. The numbers depend on the plan and the options only, never on user
rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vpc_patterns.plan.nacl.rules import (
    ANY_IPV4,
    EPHEMERAL_PORTS,
    ICMP_ECHO_REPLY,
    ICMP_ECHO_REQUEST,
    ICMP_FRAGMENTATION_NEEDED_TYPE_CODE,
    LIBRARY_RULE_STEP,
    AclRule,
)
from vpc_patterns.plan.network import SubnetKind, VpcPlan

# --------------------------------------------------------------------------
# Defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: What an internet-facing load balancer in a public tier serves: HTTP (to
#: redirect) and HTTPS. Ports inside the ephemeral range need no rule of their
#: own (the ephemeral rules already admit them from anywhere).
DEFAULT_PUBLIC_INGRESS_PORTS: tuple[int, ...] = (80, 443)
#: TCP ports an isolated tier may open towards the tiers it admits: HTTPS, for
#: the interface endpoints and internal APIs that live in the private tiers.
DEFAULT_ISOLATED_SERVICE_PORTS: tuple[int, ...] = (443,)
#: S3 and DynamoDB, the gateway-endpoint services, are HTTPS only.
GATEWAY_ENDPOINT_PORT = 443
#: All ICMP to and from the internet is not admitted by default: the tiers
#: that talk to the internet admit only what path-MTU discovery needs
#: (fragmentation needed, always) and, with ``icmp_echo``, ping replies. Turn
#: it on (``internet_icmp=True``) for every ICMP type both ways (traceroute,
#: being pinged from the internet).
DEFAULT_INTERNET_ICMP = False
#: Ping from the tiers that talk to the internet is not admitted by default:
#: an echo request is a way to send data out that no TCP/UDP rule shows
#: (ICMP tunnels), and nothing but diagnostics needs it.
DEFAULT_ICMP_ECHO = False
#: SSH and RDP: the remote-administration ports that AWS Control Tower's
#: CT.EC2.PR.5 (Security Hub EC2.21, CIS AWS 5.1) forbids an ACL entry to
#: admit from 0.0.0.0/0 or ::/0. Reach hosts through Session Manager, or
#: admit an administration range with a rule of your own.
DEFAULT_REMOTE_ADMIN_PORTS: tuple[int, ...] = (22, 3389)
#: Address space that is never the internet: RFC 1918 and the RFC 6598 shared
#: space, where VPCs, peered VPCs and on-premises networks are numbered.
#: S3 and DynamoDB, whose replies an isolated tier must admit from
#: 0.0.0.0/0 (an ACL cannot name a prefix list), never answer from there.
DEFAULT_PRIVATE_ADDRESS_RANGES: tuple[str, ...] = (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
)


@dataclass(frozen=True)
class _Lib:
    """A library rule before it gets its number."""

    action: str
    protocol: str
    ports: tuple[int, int] | None
    cidr: str
    why: str
    reply: bool = False
    icmp: tuple[int, int] | None = None


def _allow(protocol: str, ports: tuple[int, int] | None, cidr: str, why: str,
           *, reply: bool = False, icmp: tuple[int, int] | None = None) -> _Lib:
    return _Lib("allow", protocol, ports, cidr, why, reply, icmp)


def _deny(protocol: str, ports: tuple[int, int] | None, cidr: str, why: str) -> _Lib:
    return _Lib("deny", protocol, ports, cidr, why)


def _deny_all(cidr: str, why: str) -> _Lib:
    return _deny("all", None, cidr, why)


def _numbered(specs: Sequence[_Lib], *, egress: bool) -> tuple[AclRule, ...]:
    return tuple(
        AclRule((i + 1) * LIBRARY_RULE_STEP, x.action, x.protocol, x.ports, x.cidr,
                egress=egress, description=x.why, reply=x.reply, icmp=x.icmp)
        for i, x in enumerate(specs)
    )


def port_runs(ports: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted ports as the fewest contiguous ``(from, to)`` ranges."""
    runs: list[tuple[int, int]] = []
    for p in sorted(set(ports)):
        if runs and runs[-1][1] + 1 == p:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def split_around(span: tuple[int, int], excluded: Iterable[int]) -> list[tuple[int, int]]:
    """``span`` without the ``excluded`` ports, as contiguous ranges:
    ``split_around((1024, 65535), [3389])`` is ``[(1024, 3388), (3390, 65535)]``."""
    lo, hi = span
    out: list[tuple[int, int]] = []
    cur = lo
    for p in sorted(set(excluded)):
        if p < cur or p > hi:
            continue
        if p > cur:
            out.append((cur, p - 1))
        cur = p + 1
    if cur <= hi:
        out.append((cur, hi))
    return out


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def _internet_icmp_rules(*, internet_icmp: bool, icmp_echo: bool,
                         ) -> tuple[list[_Lib], list[_Lib]]:
    """ICMP rules (inbound, outbound) of a tier that talks to the internet."""
    anywhere = ANY_IPV4
    if internet_icmp:
        return (
            [_allow("icmp", None, anywhere, "ICMP from anywhere (internet_icmp): path-MTU "
                    "errors, ping replies, traceroute, and pings of this tier")],
            [_allow("icmp", None, anywhere, "ICMP to anywhere (internet_icmp): ping, replies "
                    "to pings, errors")],
        )
    ins = [_allow("icmp", None, anywhere, "Fragmentation needed (ICMP 3/4) from routers on "
                  "the way to outside hosts: path-MTU discovery", reply=True,
                  icmp=ICMP_FRAGMENTATION_NEEDED_TYPE_CODE)]
    outs: list[_Lib] = []
    if icmp_echo:
        ins.append(_allow("icmp", None, anywhere, "Echo replies to the pings this tier sends "
                          "(icmp_echo)", reply=True, icmp=(ICMP_ECHO_REPLY, -1)))
        outs.append(_allow("icmp", None, anywhere, "Echo requests (ping) to outside hosts "
                           "(icmp_echo)", icmp=(ICMP_ECHO_REQUEST, -1)))
    return ins, outs


def library_rules(
    plan: VpcPlan,
    tier: str,
    *,
    public_ingress_ports: Sequence[int] = DEFAULT_PUBLIC_INGRESS_PORTS,
    reachable_from: Sequence[str] | None = None,
    isolated_service_ports: Sequence[int] = DEFAULT_ISOLATED_SERVICE_PORTS,
    ephemeral_ports: tuple[int, int] = EPHEMERAL_PORTS,
    internet_icmp: bool = DEFAULT_INTERNET_ICMP,
    icmp_echo: bool = DEFAULT_ICMP_ECHO,
    remote_admin_ports: Sequence[int] = DEFAULT_REMOTE_ADMIN_PORTS,
    private_address_ranges: Sequence[str] = DEFAULT_PRIVATE_ADDRESS_RANGES,
) -> tuple[AclRule, ...]:
    """The library's rules for one tier (inbound then outbound), numbered.

    No rule that admits packets from 0.0.0.0/0 covers a ``remote_admin_ports``
    port: the ephemeral (reply) ranges from anywhere are split around them
    (``1024-3388`` and ``3390-65535`` by default), so every entry read alone
    passes CT.EC2.PR.5. There is no explicit deny of those ports: it would
    also stop the peers and on-premises administrators your own rules admit
    above it (``peer_acl_rules`` numbers from 1000), and it adds nothing no
    rule admits; :func:`~.proofs.remote_admin_findings` reports any rule
    that does.

    public
        in: all from the VPC (packets the NATs forward for the private
        tiers, replies of load-balancer targets); TCP and UDP ephemeral
        replies from anywhere; ICMP fragmentation needed from anywhere; each
        ``public_ingress_ports`` port from anywhere.
        out: all to the VPC; TCP and UDP to anywhere (replies to internet
        clients, connections the NATs forward).
    private
        in: all from the VPC; TCP and UDP ephemeral replies from anywhere
        (replies to what went out through a NAT, or to peers and on-premises
        networks); ICMP fragmentation needed from anywhere.
        out: all to the VPC; TCP and UDP to anywhere (through a NAT).
    public and private, with ``icmp_echo``: echo replies from anywhere and
        echo requests to anywhere (ping from the tier); with
        ``internet_icmp``: every ICMP type from and to anywhere instead.
    isolated
        in: all from its own block (its subnets in other AZs: replication);
        TCP, UDP and ICMP from each tier of ``reachable_from`` (default: the
        private tiers); when a gateway endpoint serves the tier, a deny of
        the rest of the VPC and of ``private_address_ranges`` (peers and
        on-premises networks reach the tier only through rules numbered
        before these), then TCP ephemeral replies from anywhere (the
        endpoints' services can only be named as 0.0.0.0/0). No ICMP from
        outside the VPC: S3 and DynamoDB announce a 1500-byte MSS, so TCP
        never needs "fragmentation needed" on that path, and the rule slot is
        worth more to the rules that let a peer or on-premises range in (give
        your on-premises device MSS clamping, as AWS's VPN guide does).
        out: all to its own block; to each admitted tier TCP and UDP ephemeral
        replies, the ``isolated_service_ports`` (interface endpoints) and
        ICMP; with gateway endpoints, the same denies, then TCP 443 to
        anywhere (S3/DynamoDB; the tier has no route anywhere else).

    Rules that admit only replies carry ``reply=True`` (the ephemeral-range
    rules towards where the tier's own flows go, fragmentation needed, echo
    replies). Public and private tiers, which talk to the internet (and to
    peers and on-premises networks), admit fragmentation needed from anywhere:
    the routers that send it have any address.
    """
    tb = plan.tier_block(tier)
    vpc = plan.cidr
    eph = (ephemeral_ports[0], ephemeral_ports[1])
    open_eph = split_around(eph, remote_admin_ports)
    every = (0, 65535)
    anywhere = ANY_IPV4
    ins: list[_Lib] = []
    outs: list[_Lib] = []

    def replies_from_anywhere(protocol: str, why: str) -> list[_Lib]:
        gap = [p for p in sorted(set(remote_admin_ports)) if eph[0] <= p <= eph[1]]
        tail = f" (all but {_ranges_text(port_runs(gap))}, see remote_admin_ports)" if gap else ""
        return [_allow(protocol, r, anywhere, why + tail, reply=True) for r in open_eph]

    if tb.kind is SubnetKind.PUBLIC:
        ins = [_allow("all", None, vpc, "From the VPC: packets the NATs forward for the private "
                      "tiers, replies of load-balancer targets")]
        ins += replies_from_anywhere("tcp", "TCP replies to connections this tier and the NATs "
                                     "opened to the internet")
        ins += replies_from_anywhere("udp", "UDP replies (DNS, NTP to outside servers) for this "
                                     "tier and the NATs")
        outs = [
            _allow("all", None, vpc, "To the VPC: NAT replies to the private tiers, load "
                   "balancers to their targets"),
            _allow("tcp", every, anywhere, "TCP to the internet: replies to internet clients, "
                   "connections the NATs forward"),
            _allow("udp", every, anywhere, "UDP to the internet, forwarded by the NATs"),
        ]
    elif tb.kind is SubnetKind.PRIVATE:
        ins = [_allow("all", None, vpc, "From the VPC: load balancers, other tiers, this tier "
                      "in other AZs")]
        ins += replies_from_anywhere("tcp", "TCP replies to connections opened through a NAT "
                                     "or to peers and on-premises networks")
        ins += replies_from_anywhere("udp", "UDP replies (DNS, NTP to outside servers) through "
                                     "a NAT")
        outs = [
            _allow("all", None, vpc, "To the VPC: replies and calls to other tiers"),
            _allow("tcp", every, anywhere, "TCP to the internet through a NAT"),
            _allow("udp", every, anywhere, "UDP to the internet through a NAT"),
        ]
    if tb.kind is not SubnetKind.ISOLATED:
        icmp_in, icmp_out = _internet_icmp_rules(internet_icmp=internet_icmp,
                                                 icmp_echo=icmp_echo)
        ins += icmp_in
        outs += icmp_out
    if tb.kind is SubnetKind.PUBLIC:
        ins += [_allow("tcp", (p, p), anywhere, f"TCP {p} from the internet to internet-facing "
                       "load balancers")
                for p in public_ingress_ports
                if not any(lo <= p <= hi for lo, hi in open_eph)]
    if tb.kind is SubnetKind.ISOLATED:
        own = f"Tier {tier}'s own subnets in other AZs (replication, clustering)"
        ins = [_allow("all", None, tb.block, own)]
        outs = [_allow("all", None, tb.block, own)]
        for src in _admitted_tiers(plan, tier, reachable_from):
            sb = plan.tier_block(src).block
            ins += [
                _allow("tcp", every, sb, f"TCP from tier {src}, which may reach {tier}"),
                _allow("udp", every, sb, f"UDP from tier {src}, which may reach {tier}"),
                _allow("icmp", None, sb, f"ICMP from tier {src}"),
            ]
            outs.append(_allow("tcp", eph, sb, f"TCP replies to tier {src}", reply=True))
            outs += [_allow("tcp", (p, p), sb, f"TCP {p} to tier {src} (interface endpoints, "
                            "internal HTTPS APIs)")
                     for p in isolated_service_ports if not eph[0] <= p <= eph[1]]
            outs += [
                _allow("udp", eph, sb, f"UDP replies to tier {src}", reply=True),
                _allow("icmp", None, sb, f"ICMP to tier {src}: echo replies, errors about its "
                       "packets, ping"),
            ]
        if _has_gateway_endpoint(plan, tier):
            closed = _closed_ranges(vpc, private_address_ranges)
            for cidr in closed:
                what = ("The rest of the VPC" if cidr == vpc else
                        f"Private addresses {cidr} (the rest of the VPC, peers, on-premises "
                        "networks: private_address_ranges)" if _inside(vpc, cidr) else
                        f"Private addresses {cidr} (peers, on-premises networks: "
                        "private_address_ranges)")
                ins.append(_deny_all(cidr, f"{what}: only the tiers above and rules numbered "
                                     f"before this one may reach {tier}; before the endpoint "
                                     "replies, which only 0.0.0.0/0 can name"))
            ins += replies_from_anywhere("tcp", "Replies from S3/DynamoDB through the gateway "
                                         "endpoints")
            for cidr in closed:
                what = "the rest of the VPC" if cidr == vpc else f"private addresses {cidr}"
                outs.append(_deny_all(cidr, f"{tier} opens nothing to {what} but the tiers "
                                      "above and rules numbered before this one"))
            https = (GATEWAY_ENDPOINT_PORT, GATEWAY_ENDPOINT_PORT)
            outs.append(_allow("tcp", https, anywhere, "HTTPS to S3/DynamoDB through the "
                               "gateway endpoints (an ACL cannot name a prefix list; no other "
                               "route leaves the VPC)"))
    return _numbered(ins, egress=False) + _numbered(outs, egress=True)


def _inside(inner: str, outer: str) -> bool:
    a, b = ipaddress.ip_network(inner), ipaddress.ip_network(outer)
    return a.version == b.version and a.subnet_of(b)  # type: ignore[arg-type]


def _closed_ranges(vpc: str, private_address_ranges: Sequence[str]) -> list[str]:
    """What an isolated tier with gateway endpoints denies before the
    replies from anywhere: the VPC (unless a private range holds it) and the
    private ranges."""
    ranges = list(private_address_ranges)
    return ranges if any(_inside(vpc, r) for r in ranges) else [vpc, *ranges]


def _admitted_tiers(plan: VpcPlan, tier: str, reachable_from: Sequence[str] | None) -> list[str]:
    if reachable_from is None:
        return [t.tier for t in plan.tiers if t.kind is SubnetKind.PRIVATE and not t.reserved]
    out: list[str] = []
    for t in reachable_from:
        if t != tier and t not in out:
            out.append(t)
    return out


def _has_gateway_endpoint(plan: VpcPlan, tier: str) -> bool:
    tables = {s.route_table for s in plan.subnets_of(tier)}
    return any(tables & set(g.route_tables) for g in plan.gateway_endpoints)
