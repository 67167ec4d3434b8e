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

from collections.abc import Sequence
from dataclasses import dataclass

from vpc_patterns.plan.nacl.rules import ANY_IPV4, EPHEMERAL_PORTS, LIBRARY_RULE_STEP, AclRule
from vpc_patterns.plan.network import SubnetKind, VpcPlan

# --------------------------------------------------------------------------
# Defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: What an internet-facing load balancer in a public tier serves: HTTP (to
#: redirect) and HTTPS. Ports inside the ephemeral range need no rule of their
#: own (the ephemeral rule already admits them from anywhere).
DEFAULT_PUBLIC_INGRESS_PORTS: tuple[int, ...] = (80, 443)
#: TCP ports an isolated tier may open towards the tiers it admits: HTTPS, for
#: the interface endpoints and internal APIs that live in the private tiers.
DEFAULT_ISOLATED_SERVICE_PORTS: tuple[int, ...] = (443,)
#: S3 and DynamoDB, the gateway-endpoint services, are HTTPS only.
GATEWAY_ENDPOINT_PORT = 443
#: ICMP to and from the internet is not admitted by default: the public tier
#: admits only its service ports and replies from the internet, and TCP's MSS
#: negotiation already fits segments to the internet's 1500-byte links. Turn
#: it on (``internet_icmp=True``) for path-MTU discovery errors and ping
#: through the NATs.
DEFAULT_INTERNET_ICMP = False


@dataclass(frozen=True)
class _Lib:
    """A library rule before it gets its number."""

    action: str
    protocol: str
    ports: tuple[int, int] | None
    cidr: str
    why: str
    reply: bool = False


def _allow(protocol: str, ports: tuple[int, int] | None, cidr: str, why: str,
           *, reply: bool = False) -> _Lib:
    return _Lib("allow", protocol, ports, cidr, why, reply)


def _deny_all(cidr: str, why: str) -> _Lib:
    return _Lib("deny", "all", None, cidr, why)


def _numbered(specs: Sequence[_Lib], *, egress: bool) -> tuple[AclRule, ...]:
    return tuple(
        AclRule((i + 1) * LIBRARY_RULE_STEP, x.action, x.protocol, x.ports, x.cidr,
                egress=egress, description=x.why, reply=x.reply)
        for i, x in enumerate(specs)
    )


def library_rules(
    plan: VpcPlan,
    tier: str,
    *,
    public_ingress_ports: Sequence[int] = DEFAULT_PUBLIC_INGRESS_PORTS,
    reachable_from: Sequence[str] | None = None,
    isolated_service_ports: Sequence[int] = DEFAULT_ISOLATED_SERVICE_PORTS,
    ephemeral_ports: tuple[int, int] = EPHEMERAL_PORTS,
    internet_icmp: bool = DEFAULT_INTERNET_ICMP,
) -> tuple[AclRule, ...]:
    """The library's rules for one tier (inbound then outbound), numbered.

    public
        in: all from the VPC (packets the NATs forward for the private tiers,
        replies of load-balancer targets); TCP and UDP ephemeral replies from
        anywhere; each ``public_ingress_ports`` port from anywhere.
        out: all to the VPC; TCP and UDP to anywhere (replies to internet
        clients, connections the NATs forward).
    private
        in: all from the VPC; TCP and UDP ephemeral replies from anywhere
        (replies to what went out through a NAT).
        out: all to the VPC; TCP and UDP to anywhere (through a NAT).
    public and private, with ``internet_icmp``: ICMP from anywhere (a reply
        rule: path-MTU errors, ping replies) and ICMP to anywhere.
    isolated
        in: all from its own block (its subnets in other AZs: replication);
        TCP, UDP and ICMP from each tier of ``reachable_from`` (default: the
        private tiers); when a gateway endpoint serves the tier, a deny of the
        rest of the VPC and then TCP ephemeral replies from anywhere (the
        endpoints' services can only be named as 0.0.0.0/0).
        out: all to its own block; to each admitted tier TCP and UDP ephemeral
        replies, ICMP and the ``isolated_service_ports`` (interface
        endpoints); with gateway endpoints, a deny of the rest of the VPC,
        then TCP 443 to anywhere (S3/DynamoDB; the tier has no route anywhere
        else).

    Rules that admit only replies carry ``reply=True`` (the ephemeral-range
    and ICMP rules towards where the tier's own flows go).
    """
    tb = plan.tier_block(tier)
    vpc = plan.cidr
    eph = (ephemeral_ports[0], ephemeral_ports[1])
    every = (0, 65535)
    anywhere = ANY_IPV4
    ins: list[_Lib]
    outs: list[_Lib]
    if tb.kind is SubnetKind.PUBLIC:
        ins = [
            _allow("all", None, vpc, "From the VPC: packets the NATs forward for the private "
                   "tiers, replies of load-balancer targets"),
            _allow("tcp", eph, anywhere, "TCP replies to connections this tier and the NATs "
                   "opened to the internet", reply=True),
            _allow("udp", eph, anywhere, "UDP replies (DNS, NTP to outside servers) for this "
                   "tier and the NATs", reply=True),
        ]
        ins += [_allow("tcp", (p, p), anywhere, f"TCP {p} from the internet to internet-facing "
                       "load balancers")
                for p in public_ingress_ports if not eph[0] <= p <= eph[1]]
        outs = [
            _allow("all", None, vpc, "To the VPC: NAT replies to the private tiers, load "
                   "balancers to their targets"),
            _allow("tcp", every, anywhere, "TCP to the internet: replies to internet clients, "
                   "connections the NATs forward"),
            _allow("udp", every, anywhere, "UDP to the internet, forwarded by the NATs"),
        ]
    elif tb.kind is SubnetKind.PRIVATE:
        ins = [
            _allow("all", None, vpc, "From the VPC: load balancers, other tiers, this tier "
                   "in other AZs"),
            _allow("tcp", eph, anywhere, "TCP replies to connections opened through a NAT",
                   reply=True),
            _allow("udp", eph, anywhere, "UDP replies (DNS, NTP to outside servers) through "
                   "a NAT", reply=True),
        ]
        outs = [
            _allow("all", None, vpc, "To the VPC: replies and calls to other tiers"),
            _allow("tcp", every, anywhere, "TCP to the internet through a NAT"),
            _allow("udp", every, anywhere, "UDP to the internet through a NAT"),
        ]
    if tb.kind is not SubnetKind.ISOLATED and internet_icmp:
        ins.insert(3, _allow("icmp", None, anywhere, "ICMP replies and errors about outgoing "
                             "traffic (path-MTU discovery)", reply=True))
        outs.append(_allow("icmp", None, anywhere, "ICMP to the internet: path-MTU discovery, "
                           "ping"))
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
                _allow("icmp", None, sb, f"ICMP replies to tier {src}", reply=True),
            ]
        if _has_gateway_endpoint(plan, tier):
            ins += [
                _deny_all(vpc, f"The rest of the VPC: only the tiers above may reach {tier}; "
                          "before the endpoint replies, which only 0.0.0.0/0 can name"),
                _allow("tcp", eph, anywhere, "Replies from S3/DynamoDB through the gateway "
                       "endpoints", reply=True),
            ]
            https = (GATEWAY_ENDPOINT_PORT, GATEWAY_ENDPOINT_PORT)
            outs += [
                _deny_all(vpc, f"The rest of the VPC: {tier} talks only to the tiers above"),
                _allow("tcp", https, anywhere, "HTTPS to S3/DynamoDB through the gateway "
                       "endpoints (an ACL cannot name a prefix list; no other route leaves "
                       "the VPC)"),
            ]
    return _numbered(ins, egress=False) + _numbered(outs, egress=True)


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
