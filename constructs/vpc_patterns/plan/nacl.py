"""Network ACLs per tier, as data: rules, merge with user rules, and proofs.

Nothing here imports aws_cdk. :func:`plan_acls` turns a :class:`~vpc_patterns.plan.VpcPlan`
into one ACL per tier (:class:`AclPlan`), merges the user's rules, and checks
the result; :mod:`vpc_patterns.nacl_construct` only turns it into resources.

How AWS evaluates a network ACL
-------------------------------
An ACL is *stateless* and has two independent rule lists, inbound and
outbound. A packet is compared with the rules of its direction in ascending
rule number; the first rule that matches decides (allow or deny) and the rest
are never looked at; a packet no rule matches is denied (the ``*`` rule).
A rule matches on protocol, on the *destination* port (TCP and UDP) and on the
peer's CIDR (the source for inbound rules, the destination for outbound ones).
Because nothing is remembered, the reply to every admitted packet must be
admitted again, by a rule of the other direction, on the peer's *ephemeral*
port (see :data:`EPHEMERAL_PORTS`).

Merge order (the contract with user rules)
------------------------------------------
* Library rules have fixed numbers: :data:`LIBRARY_RULE_STEP` apart, starting
  at :data:`LIBRARY_RULE_STEP` (100, 200, 300, ...), in the order listed in
  :func:`library_rules`. Variable-length groups (public ports, the tiers an
  isolated tier admits) come after the fixed rules of the same purpose.
  Library numbers depend on the plan and the options only, never on user
  rules; an option that adds library rules (a public port, an admitted tier,
  ``internet_icmp``) may move later library rules up a slot, which
  CloudFormation applies as in-place updates (an entry's logical id is its
  direction and number).
* User rules keep the numbers the user gave them; they are never renumbered.
* Every rule of a direction is then evaluated by number, lowest first,
  whatever its origin. So a user rule numbered 1..99 runs before every
  library rule (deny lists go there), one numbered 101..199 runs after library
  rule 100 and before 200, and one above the last library rule only sees
  packets no library rule matched.
* A user rule with the number of a library rule (same ACL, same direction),
  or two user rules with one number, raise :class:`ConfigError` naming both.

What is checked
---------------
* every rule (:class:`AclRule`): number 1..32766, action, protocol, ports
  0..65535 with from <= to, a valid CIDR, a description;
* per ACL and direction: unique numbers and the AWS quota on rules
  (:data:`DEFAULT_RULES_PER_DIRECTION`);
* **shadowing** (:func:`shadow_findings`): a rule that can never match
  because lower-numbered rules take every packet it matches. With a different
  action it is *shadowed* (it has no effect, the other rule wins); with the
  same action it is *redundant* (dead). Reported in :attr:`AclPlan.findings`;
  ``findings_as_errors=True`` turns them into a ConfigError;
* **return traffic** (:func:`missing_returns`): a stateless ACL cannot tell a
  reply from a request, so each allow rule says which it is for: a *flow*
  rule (the default) admits requests, a rule with ``reply=True`` admits
  replies to flows the other direction lets out. For every packet a flow rule
  admits, every reply to it must be admitted by the other direction; an empty
  result is a proof that no reply to an allowed request is dropped. The
  library's own ACLs pass it (tested); a user rule that breaks it is reported
  with the rule that blocks the reply;
* **unsolicited packets** (:func:`unsolicited_replies`): the converse, so that
  ``reply=True`` cannot hide an open door: a reply rule must admit nothing but
  replies to what the other direction's flow rules let out. A user deny that
  narrows a flow on one side only shows up here (the other side still admits
  that peer's "replies").

The analysis is exact: rules are turned into boxes (protocol x destination
port range x address range) and evaluated as sets, not by sampling.
"""

from __future__ import annotations

import ipaddress
from dataclasses import KW_ONLY, dataclass
from enum import Enum
from typing import Iterable, Mapping, Sequence

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import SubnetKind, VpcPlan

# --------------------------------------------------------------------------
# Defaults and AWS limits, each with the reason for it.
# --------------------------------------------------------------------------

#: AWS accepts rule numbers 1..32766; 32767 is the implicit deny-all ``*`` rule.
MIN_RULE_NUMBER, MAX_RULE_NUMBER = 1, 32766
#: Library rules are this far apart (100, 200, ...) so a user can insert up to
#: 99 rules between any two of them without renumbering anything.
LIBRARY_RULE_STEP = 100
#: The range replies come back to. AWS's guidance for ACLs: it covers Linux
#: (32768-60999), Windows Server 2008 and later (49152-65535), and Elastic Load
#: Balancing, NAT gateways and Lambda (1024-65535).
EPHEMERAL_PORTS: tuple[int, int] = (1024, 65535)
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
#: AWS's default quota: 20 rules per ACL per direction (raisable to 40).
#: Rules past the quota fail at deploy time, so the plan refuses them.
DEFAULT_RULES_PER_DIRECTION = 20
#: The hard maximum AWS allows after a quota increase.
MAX_RULES_PER_DIRECTION = 40
#: Longest rule description kept (descriptions live in the plan and in the
#: CloudFormation metadata; NACL entries themselves carry none).
MAX_DESCRIPTION_CHARS = 255

ANY_IPV4 = "0.0.0.0/0"


class AclAction(str, Enum):
    ALLOW = "allow"
    DENY = "deny"


class AclProtocol(str, Enum):
    """What a rule matches. ``icmp`` matches every ICMP type and code: filtering
    ICMP types at a stateless subnet firewall is how path-MTU discovery gets
    broken; finer ICMP control belongs in security groups. ``all`` matches every
    IP protocol and every port."""

    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ALL = "all"


#: IANA protocol numbers, as CloudFormation's ``NetworkAclEntry.Protocol``
#: wants them (ICMP over IPv6 is 58, see :attr:`AclRule.protocol_number`).
PROTOCOL_NUMBERS: Mapping[AclProtocol, int] = {
    AclProtocol.TCP: 6,
    AclProtocol.UDP: 17,
    AclProtocol.ICMP: 1,
    AclProtocol.ALL: -1,
}
ICMPV6_PROTOCOL_NUMBER = 58


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AclRule:
    """One numbered ACL entry.

    ``AclRule(150, "deny", "tcp", (22, 22), "203.0.113.0/24", description="...")``

    :param number: 1..32766; lower numbers are evaluated first.
    :param action: ``"allow"`` or ``"deny"``.
    :param protocol: ``"tcp"``, ``"udp"``, ``"icmp"`` or ``"all"``.
    :param ports: ``(from, to)`` destination ports, 0..65535, from <= to, for
        tcp and udp (an int ``p`` means ``(p, p)``); ``None`` for icmp and all.
    :param cidr: the peer: source of an inbound rule, destination of an
        outbound one. IPv4 or IPv6, written as its network address.
    :param egress: ``False`` (default) for inbound, ``True`` for outbound.
    :param description: why the rule exists (required; shown in findings and
        in the plan table).
    :param reply: ``True`` if the rule exists to admit replies to flows opened
        from the other direction (the ephemeral range, typically): the
        return-traffic check then asks no replies for its packets, and
        checks instead that it admits only replies (see the module doc).
    """

    number: int
    action: AclAction | str
    protocol: AclProtocol | str
    ports: tuple[int, int] | int | None
    cidr: str
    _: KW_ONLY
    egress: bool = False
    description: str
    reply: bool = False

    def __post_init__(self) -> None:
        n = self.number
        desc = self.description
        label = f"NACL rule {n!r}" + (f" ({desc!r})" if isinstance(desc, str) and desc else "")
        if isinstance(n, bool) or not isinstance(n, int):
            raise ConfigError(
                f"{label}: number {n!r} must be an integer {MIN_RULE_NUMBER}..{MAX_RULE_NUMBER}"
            )
        if not MIN_RULE_NUMBER <= n <= MAX_RULE_NUMBER:
            raise ConfigError(
                f"{label}: number {n} is out of range; accepted "
                f"{MIN_RULE_NUMBER}..{MAX_RULE_NUMBER} "
                "(32767 is AWS's implicit deny-all rule)"
            )
        try:
            object.__setattr__(self, "action", AclAction(self.action))
        except ValueError:
            raise ConfigError(
                f"{label}: action {self.action!r} is unknown; accepted: allow, deny"
            ) from None
        try:
            object.__setattr__(self, "protocol", AclProtocol(self.protocol))
        except ValueError:
            raise ConfigError(
                f"{label}: protocol {self.protocol!r} is unknown; accepted: "
                + ", ".join(p.value for p in AclProtocol)
            ) from None
        object.__setattr__(self, "ports", _check_ports(self.ports, self.protocol, label))
        if not isinstance(self.egress, bool):
            raise ConfigError(
                f"{label}: egress {self.egress!r} must be True (outbound) or False (inbound)"
            )
        if not isinstance(self.reply, bool):
            raise ConfigError(
                f"{label}: reply {self.reply!r} must be True (admits replies) or False"
            )
        if self.reply and self.action != AclAction.ALLOW:
            raise ConfigError(
                f"{label}: reply=True marks an allow rule that admits replies; a deny "
                "rule admits nothing, drop reply=True"
            )
        if not isinstance(desc, str) or not desc.strip():
            raise ConfigError(f"{label}: description {desc!r} must say why the rule exists")
        if len(desc) > MAX_DESCRIPTION_CHARS:
            raise ConfigError(
                f"{label}: description is {len(desc)} characters; at most {MAX_DESCRIPTION_CHARS}"
            )
        object.__setattr__(self, "cidr", _parse_cidr(self.cidr, label))

    # -- derived ----------------------------------------------------------
    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr)

    @property
    def protocol_number(self) -> int:
        """The CloudFormation ``Protocol`` value (ICMP over IPv6 is 58)."""
        if self.protocol is AclProtocol.ICMP and self.network.version == 6:
            return ICMPV6_PROTOCOL_NUMBER
        return PROTOCOL_NUMBERS[AclProtocol(self.protocol)]

    @property
    def direction(self) -> str:
        return "outbound" if self.egress else "inbound"

    def summary(self) -> str:
        """``allow tcp 443 from 0.0.0.0/0`` -- the rule in words."""
        what = self.protocol.value if isinstance(self.protocol, AclProtocol) else str(self.protocol)
        if self.ports is not None:
            lo, hi = self.ports  # type: ignore[misc]
            what += f" {lo}" if lo == hi else f" {lo}-{hi}"
        peer = "to" if self.egress else "from"
        act = self.action.value if isinstance(self.action, AclAction) else str(self.action)
        return f"{act} {what} {peer} {self.cidr}" + (" (replies)" if self.reply else "")

    def __str__(self) -> str:
        return f"{self.direction} rule {self.number} ({self.summary()}, {self.description!r})"


def _check_ports(ports: object, protocol: AclProtocol, label: str) -> tuple[int, int] | None:
    if protocol in (AclProtocol.ICMP, AclProtocol.ALL):
        if ports is not None:
            raise ConfigError(
                f"{label}: ports {ports!r} given for protocol {protocol.value!r}; ports apply to "
                "tcp and udp only (icmp and all match every port): use ports=None"
            )
        return None
    if ports is None:
        raise ConfigError(
            f"{label}: protocol {protocol.value!r} needs ports=(from, to), e.g. (443, 443), or "
            "(0, 65535) for every port"
        )
    if isinstance(ports, int) and not isinstance(ports, bool):
        ports = (ports, ports)
    if isinstance(ports, list):
        ports = tuple(ports)
    if (
        not isinstance(ports, tuple)
        or len(ports) != 2
        or any(isinstance(p, bool) or not isinstance(p, int) for p in ports)
    ):
        raise ConfigError(f"{label}: ports {ports!r} must be a pair of integers (from, to)")
    lo, hi = ports
    for p in (lo, hi):
        if not 0 <= p <= 65535:
            raise ConfigError(
                f"{label}: port {p} in ports {ports!r} is out of range; accepted 0..65535"
            )
    if lo > hi:
        raise ConfigError(
            f"{label}: port range {lo}-{hi} is out of order; write it as ({hi}, {lo})"
        )
    return (lo, hi)


def _parse_cidr(cidr: object, label: str) -> str:
    """The canonical text of a CIDR (IPv4 or IPv6), or ConfigError."""
    if not isinstance(cidr, str) or "/" not in cidr:
        raise ConfigError(
            f"{label}: cidr {cidr!r} is not a CIDR; expected e.g. '10.0.0.0/16', '0.0.0.0/0' "
            "or '2001:db8::/32'"
        )
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ConfigError(
            f"{label}: cidr {cidr!r} is not a valid IPv4 or IPv6 CIDR; expected e.g. '10.0.0.0/16'"
        ) from None
    if ipaddress.ip_interface(cidr).ip != net.network_address:
        raise ConfigError(
            f"{label}: cidr {cidr!r} has host bits set; the network address is {str(net)!r}"
        )
    return str(net)


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------

LIBRARY = "library"
USER = "user"


@dataclass(frozen=True)
class TierAcl:
    """The network ACL of one tier, associated with every subnet of the tier."""

    tier: str
    kind: SubnetKind
    construct_id: str
    #: the tier's block (one CIDR for all its AZ slots)
    block: str
    #: construct ids of the tier's subnets (``BestPracticeVpc.subnets`` keys)
    subnets: tuple[str, ...]
    library_rules: tuple[AclRule, ...]
    user_rules: tuple[AclRule, ...] = ()

    @property
    def rules(self) -> tuple[AclRule, ...]:
        """Every rule, inbound then outbound, each direction by number."""
        return tuple(
            sorted(self.library_rules + self.user_rules, key=lambda r: (r.egress, r.number))
        )

    @property
    def inbound(self) -> tuple[AclRule, ...]:
        return tuple(r for r in self.rules if not r.egress)

    @property
    def outbound(self) -> tuple[AclRule, ...]:
        return tuple(r for r in self.rules if r.egress)

    def origin(self, rule: AclRule) -> str:
        """``"library"`` or ``"user"``."""
        return USER if rule in self.user_rules else LIBRARY

    def rule(self, number: int, *, egress: bool = False) -> AclRule:
        for r in self.rules:
            if r.number == number and r.egress == egress:
                return r
        raise KeyError(
            f"tier {self.tier!r} has no {'outbound' if egress else 'inbound'} rule {number}"
        )

    def decide(
        self, *, egress: bool, protocol: str, address: str, port: int | None = None
    ) -> tuple[AclAction, AclRule | None]:
        """What the ACL does with one packet, by plain first-match over the
        rules (``None`` as the rule means the implicit deny ``*``).

        ``protocol`` is ``tcp``, ``udp``, ``icmp`` or any other protocol name
        (matched only by ``all`` rules); ``port`` is the destination port, for
        tcp and udp; ``address`` the peer address (source when inbound)."""
        addr = ipaddress.ip_address(address)
        for r in self.outbound if egress else self.inbound:
            if addr not in r.network:
                continue
            if r.protocol is AclProtocol.ALL:
                return AclAction(r.action), r
            if r.protocol.value != protocol:
                continue
            if r.ports is not None:
                lo, hi = r.ports  # type: ignore[misc]
                if port is None or not lo <= port <= hi:
                    continue
            return AclAction(r.action), r
        return AclAction.DENY, None


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


@dataclass(frozen=True)
class AclPlan:
    """One ACL per tier that has subnets, and what the checks found."""

    vpc_cidr: str
    acls: tuple[TierAcl, ...]
    findings: tuple[AclFinding, ...] = ()
    ephemeral_ports: tuple[int, int] = EPHEMERAL_PORTS

    def acl(self, tier: str) -> TierAcl:
        for a in self.acls:
            if a.tier == tier:
                return a
        raise KeyError(f"no network ACL for tier {tier!r}")

    def table(self) -> str:
        lines: list[str] = []
        for a in self.acls:
            lines.append(
                f"{a.construct_id}: tier {a.tier} ({a.kind.value}), subnets {', '.join(a.subnets)}"
            )
            for r in a.rules:
                lines.append(
                    f"  {r.direction:<8} {r.number:>5}  {r.summary():<48} "
                    f"{a.origin(r):<7} {r.description}"
                )
        for f in self.findings:
            lines.append(f"{f.kind.value}: {f.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "vpc_cidr": self.vpc_cidr,
            "acls": [
                {
                    "tier": a.tier,
                    "id": a.construct_id,
                    "subnets": list(a.subnets),
                    "rules": [
                        {
                            "number": r.number,
                            "egress": r.egress,
                            "action": r.action.value,
                            "protocol": r.protocol.value,
                            "ports": list(r.ports) if r.ports else None,
                            "cidr": r.cidr,
                            "origin": a.origin(r),
                            "description": r.description,
                        }
                        for r in a.rules
                    ],
                }
                for a in self.acls
            ],
            "findings": [
                {"kind": f.kind.value, "tier": f.tier, "message": f.message} for f in self.findings
            ],
        }


# --------------------------------------------------------------------------
# Library rules
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# plan_acls
# --------------------------------------------------------------------------


def _check_port_list(name: str, ports: object, *, allow_empty: bool = True) -> tuple[int, ...]:
    if isinstance(ports, (str, bytes)) or not isinstance(ports, Iterable):
        raise ConfigError(f"{name} {ports!r} must be a list of TCP ports 1..65535, e.g. [80, 443]")
    out = tuple(ports)
    for p in out:
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535:
            raise ConfigError(f"{name} entry {p!r} is not a TCP port; accepted 1..65535")
        if out.count(p) > 1:
            raise ConfigError(f"{name} lists port {p} more than once")
    if not out and not allow_empty:
        raise ConfigError(f"{name} is empty")
    return out


def plan_acls(
    plan: VpcPlan,
    *,
    user_rules: Mapping[str, Sequence[AclRule]] | None = None,
    public_ingress_ports: Sequence[int] = DEFAULT_PUBLIC_INGRESS_PORTS,
    reachable_from: Mapping[str, Sequence[str]] | None = None,
    isolated_service_ports: Sequence[int] = DEFAULT_ISOLATED_SERVICE_PORTS,
    ephemeral_ports: tuple[int, int] = EPHEMERAL_PORTS,
    internet_icmp: bool = DEFAULT_INTERNET_ICMP,
    max_rules_per_direction: int = DEFAULT_RULES_PER_DIRECTION,
    findings_as_errors: bool = False,
) -> AclPlan:
    """One network ACL per tier with subnets, merged with ``user_rules``.

    :param user_rules: ``{tier name: [AclRule, ...]}``; numbers are kept (see
        the module's merge order).
    :param public_ingress_ports: TCP ports public tiers admit from anywhere.
    :param reachable_from: ``{isolated tier: [tier names]}``: which tiers may
        reach each isolated tier (by their block CIDR). Default: the private
        tiers. The tier's own block is always admitted.
    :param isolated_service_ports: TCP ports an isolated tier may open to the
        tiers it admits.
    :param ephemeral_ports: the reply range, ``(from, to)``.
    :param internet_icmp: admit ICMP to and from the internet in public and
        private tiers (see :data:`DEFAULT_INTERNET_ICMP`).
    :param max_rules_per_direction: your account's quota (AWS default 20,
        at most 40).
    :param findings_as_errors: raise ConfigError if any shadowed, redundant
        or missing-return finding exists, instead of only reporting them.
    """
    if not isinstance(plan, VpcPlan):
        raise ConfigError(f"plan {plan!r} is not a VpcPlan; build one with plan_network(...)")
    public_ingress_ports = _check_port_list("public_ingress_ports", public_ingress_ports)
    isolated_service_ports = _check_port_list("isolated_service_ports", isolated_service_ports)
    if (
        not isinstance(ephemeral_ports, (tuple, list))
        or len(ephemeral_ports) != 2
        or any(isinstance(p, bool) or not isinstance(p, int) for p in ephemeral_ports)
        or not 1 <= ephemeral_ports[0] <= ephemeral_ports[1] <= 65535
    ):
        raise ConfigError(
            f"ephemeral_ports {ephemeral_ports!r} must be (from, to) with "
            "1 <= from <= to <= 65535; "
            f"default {EPHEMERAL_PORTS}"
        )
    eph = (ephemeral_ports[0], ephemeral_ports[1])
    if (
        isinstance(max_rules_per_direction, bool)
        or not isinstance(max_rules_per_direction, int)
        or not 1 <= max_rules_per_direction <= MAX_RULES_PER_DIRECTION
    ):
        raise ConfigError(
            f"max_rules_per_direction {max_rules_per_direction!r} must be an integer "
            f"1..{MAX_RULES_PER_DIRECTION} (AWS default quota {DEFAULT_RULES_PER_DIRECTION})"
        )
    if not isinstance(internet_icmp, bool):
        raise ConfigError(f"internet_icmp {internet_icmp!r} must be True or False")
    if not isinstance(findings_as_errors, bool):
        raise ConfigError(f"findings_as_errors {findings_as_errors!r} must be True or False")

    active = [t for t in plan.tiers if not t.reserved and plan.subnets_of(t.tier)]
    active_names = [t.tier for t in active]
    all_names = [t.tier for t in plan.tiers]

    user_rules = {} if user_rules is None else user_rules
    if not isinstance(user_rules, Mapping):
        raise ConfigError(
            f"user_rules {user_rules!r} must be a mapping of tier name to a list of AclRule"
        )
    for tier, rules in user_rules.items():
        if tier not in active_names:
            reason = (
                "is reserved (it has no subnets)"
                if tier in all_names
                else "is not a tier of the plan"
            )
            raise ConfigError(
                f"user_rules names tier {tier!r}, which {reason}; tiers with an ACL: "
                f"{', '.join(active_names)}"
            )
        if (
            isinstance(rules, AclRule)
            or isinstance(rules, (str, bytes))
            or not isinstance(rules, Iterable)
        ):
            raise ConfigError(f"user_rules[{tier!r}] must be a list of AclRule, got {rules!r}")
        for r in rules:
            if not isinstance(r, AclRule):
                raise ConfigError(
                    f"user_rules[{tier!r}] entry {r!r} is not a vpc_patterns.nacl.AclRule"
                )

    reachable_from = {} if reachable_from is None else reachable_from
    if not isinstance(reachable_from, Mapping):
        raise ConfigError(
            f"reachable_from {reachable_from!r} must be a mapping of isolated tier "
            "to a list of tier names"
        )
    by_name = {t.tier: t for t in plan.tiers}
    for tier, sources in reachable_from.items():
        t = by_name.get(tier)
        if t is None or t.kind is not SubnetKind.ISOLATED or tier not in active_names:
            isolated = [n.tier for n in active if n.kind is SubnetKind.ISOLATED]
            raise ConfigError(
                f"reachable_from names tier {tier!r}, which is not an isolated tier with subnets; "
                f"accepted: {', '.join(isolated) or 'none (the plan has no isolated tier)'}"
            )
        if isinstance(sources, (str, bytes)) or not isinstance(sources, Iterable):
            raise ConfigError(
                f"reachable_from[{tier!r}] {sources!r} must be a list of tier names, "
                f"e.g. [{sources!r}]"
            )
        for s in sources:
            if s not in by_name:
                raise ConfigError(
                    f"reachable_from[{tier!r}] names tier {s!r}, which is not in the plan; "
                    f"tiers: {', '.join(all_names)}"
                )

    acls: list[TierAcl] = []
    for t in active:
        lib = library_rules(
            plan,
            t.tier,
            public_ingress_ports=public_ingress_ports,
            reachable_from=(list(reachable_from[t.tier]) if t.tier in reachable_from else None),
            isolated_service_ports=isolated_service_ports,
            ephemeral_ports=eph,
            internet_icmp=internet_icmp,
        )
        users = tuple(user_rules.get(t.tier, ()))
        _check_numbers(t.tier, lib, users)
        acl = TierAcl(
            tier=t.tier,
            kind=t.kind,
            construct_id=f"{pascal(t.tier)}NetworkAcl",
            block=t.block,
            subnets=tuple(s.construct_id for s in plan.subnets_of(t.tier)),
            library_rules=lib,
            user_rules=users,
        )
        for egress in (False, True):
            n = len(acl.outbound if egress else acl.inbound)
            if n > max_rules_per_direction:
                raise ConfigError(
                    f"the network ACL of tier {t.tier!r} would have {n} "
                    f"{'outbound' if egress else 'inbound'} rules; the quota is "
                    f"{max_rules_per_direction} per direction (AWS default "
                    f"{DEFAULT_RULES_PER_DIRECTION}, at most {MAX_RULES_PER_DIRECTION}): "
                    "drop rules, or raise the quota and pass max_rules_per_direction"
                )
        acls.append(acl)

    result = AclPlan(vpc_cidr=plan.cidr, acls=tuple(acls), ephemeral_ports=eph)
    findings = (
        tuple(f for a in result.acls for f in shadow_findings(a))
        + missing_returns(result)
        + unsolicited_replies(result)
    )
    result = AclPlan(vpc_cidr=plan.cidr, acls=tuple(acls), findings=findings, ephemeral_ports=eph)
    if findings_as_errors and findings:
        raise ConfigError(
            f"{len(findings)} network ACL finding(s) and findings_as_errors=True:\n"
            + "\n".join(f"- {f.kind.value}: {f.message}" for f in findings)
        )
    return result


def _check_numbers(tier: str, lib: Sequence[AclRule], users: Sequence[AclRule]) -> None:
    seen: dict[tuple[bool, int], tuple[str, AclRule]] = {
        (r.egress, r.number): (LIBRARY, r) for r in lib
    }
    for r in users:
        key = (r.egress, r.number)
        if key in seen:
            origin, other = seen[key]
            taken = sorted(n for (e, n) in seen if e == r.egress)
            raise ConfigError(
                f"tier {tier!r}: user {r} has the number of {origin} {other}; numbers must "
                f"be unique per direction. {r.direction.capitalize()} numbers in use: "
                f"{', '.join(map(str, taken))}"
            )
        seen[key] = (USER, r)


# --------------------------------------------------------------------------
# Set algebra: boxes of (protocol key) x (port range) x (address range)
# --------------------------------------------------------------------------

_PORTED = ("tcp", "udp")
_PROTO_KEYS = ("tcp", "udp", "icmp", "other")
_ADDR_MAX = {4: 2**32 - 1, 6: 2**128 - 1}

# (family, proto) , port lo, port hi, addr lo, addr hi -- all inclusive
_Box = tuple[tuple[int, str], int, int, int, int]


def _universe() -> list[_Box]:
    return [
        ((fam, p), 0, 65535 if p in _PORTED else 0, 0, _ADDR_MAX[fam])
        for fam in (4, 6)
        for p in _PROTO_KEYS
    ]


def _rule_boxes(rule: AclRule) -> list[_Box]:
    net = rule.network
    a0, a1 = int(net.network_address), int(net.broadcast_address)
    fam = net.version
    if rule.protocol is AclProtocol.ALL:
        spans = [("tcp", 0, 65535), ("udp", 0, 65535), ("icmp", 0, 0), ("other", 0, 0)]
    elif rule.protocol is AclProtocol.ICMP:
        spans = [("icmp", 0, 0)]
    else:
        lo, hi = rule.ports  # type: ignore[misc]
        spans = [(rule.protocol.value, lo, hi)]
    return [((fam, p), lo, hi, a0, a1) for p, lo, hi in spans]


def _intersect(b: _Box, c: _Box) -> _Box | None:
    if b[0] != c[0]:
        return None
    p0, p1 = max(b[1], c[1]), min(b[2], c[2])
    a0, a1 = max(b[3], c[3]), min(b[4], c[4])
    if p0 > p1 or a0 > a1:
        return None
    return (b[0], p0, p1, a0, a1)


def _subtract(b: _Box, c: _Box) -> list[_Box]:
    i = _intersect(b, c)
    if i is None:
        return [b]
    k, p0, p1, a0, a1 = b
    _, q0, q1, c0, c1 = i
    out: list[_Box] = []
    if p0 < q0:
        out.append((k, p0, q0 - 1, a0, a1))
    if q1 < p1:
        out.append((k, q1 + 1, p1, a0, a1))
    if a0 < c0:
        out.append((k, q0, q1, a0, c0 - 1))
    if c1 < a1:
        out.append((k, q0, q1, c1 + 1, a1))
    return out


def _minus(region: Iterable[_Box], c: _Box) -> list[_Box]:
    return [x for b in region for x in _subtract(b, c)]


def _and(region: Iterable[_Box], boxes: Sequence[_Box]) -> list[_Box]:
    out: list[_Box] = []
    for b in region:
        for c in boxes:
            i = _intersect(b, c)
            if i is not None:
                out.append(i)
    return out


def _union(boxes: Iterable[_Box]) -> list[_Box]:
    region: list[_Box] = []
    for b in boxes:
        pieces = [b]
        for r in region:
            pieces = [x for p in pieces for x in _subtract(p, r)]
            if not pieces:
                break
        region.extend(pieces)
    return region


def _evaluate(rules: Sequence[AclRule]) -> tuple[list[tuple[AclRule, list[_Box]]], list[_Box]]:
    """First-match evaluation as sets: for each rule (by number) the packets it
    actually decides, and what falls through to the implicit deny."""
    unmatched = _universe()
    hits: list[tuple[AclRule, list[_Box]]] = []
    for r in sorted(rules, key=lambda x: x.number):
        rb = _rule_boxes(r)
        hit = _and(unmatched, rb)
        hits.append((r, hit))
        if hit:
            for b in rb:
                unmatched = _minus(unmatched, b)
    return hits, unmatched


def _cidrs(cls: type, spans: Sequence[tuple[int, int]]) -> list:
    nets: list = []
    for a0, a1 in spans:
        nets.extend(ipaddress.summarize_address_range(cls(a0), cls(a1)))
    return list(ipaddress.collapse_addresses(nets))


def _describe(boxes: Sequence[_Box], *, egress: bool, limit: int = 4) -> tuple[str, ...]:
    groups: dict[tuple[tuple[int, str], int, int], list[tuple[int, int]]] = {}
    for k, p0, p1, a0, a1 in boxes:
        groups.setdefault((k, p0, p1), []).append((a0, a1))
    out: list[str] = []
    for (k, p0, p1), spans in sorted(groups.items()):
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
        ports = "" if proto not in _PORTED else (f" {p0}" if p0 == p1 else f" {p0}-{p1}")
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
    for rules in (acl.inbound, acl.outbound):
        hits, _ = _evaluate(rules)
        for i, (r, hit) in enumerate(hits):
            if hit:
                continue
            rb = _rule_boxes(r)
            by = tuple(e for e, eh in hits[:i] if eh and _and(eh, rb))
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


def _replies(hit: Iterable[_Box], eph: tuple[int, int]) -> list[_Box]:
    """The packets that answer ``hit``: TCP/UDP to the peer's ephemeral range,
    the same protocol back to the peer otherwise."""
    return _union(
        (k, eph[0], eph[1], a0, a1) if k[1] in _PORTED else (k, 0, 0, a0, a1)
        for k, _p0, _p1, a0, a1 in hit
    )


def missing_returns(
    acl_plan: AclPlan | TierAcl, *, ephemeral_ports: tuple[int, int] | None = None
) -> tuple[AclFinding, ...]:
    """Every packet a flow rule admits whose reply the other direction does not.

    A reply to a TCP or UDP packet goes back to the peer's address on the
    ephemeral range (any port of it: the client chose it); a reply to ICMP or
    another protocol is the same protocol back to the peer. Rules marked
    ``reply=True`` open no flow and are not asked for replies. Each finding
    names the flow rule, the rules that block the replies (or the implicit
    deny), and the blocked replies. An empty result proves that no reply to a
    request the ACLs admit is dropped.
    """
    acls, eph = _targets(acl_plan, ephemeral_ports)
    findings: list[AclFinding] = []
    for acl in acls:
        ev = {False: _evaluate(acl.inbound), True: _evaluate(acl.outbound)}
        for egress in (False, True):
            hits, _ = ev[egress]
            other_hits, other_default = ev[not egress]
            blockers: list[tuple[AclRule | None, list[_Box]]] = [
                (r, h) for r, h in other_hits if r.action is AclAction.DENY and h
            ]
            blockers.append((None, other_default))
            for r, hit in hits:
                if r.action is not AclAction.ALLOW or r.reply or not hit:
                    continue
                need = _replies(hit, eph)
                missing: list[_Box] = []
                by: list[AclRule] = []
                implicit = False
                for blocker, boxes in blockers:
                    m = _and(need, boxes)
                    if m:
                        missing.extend(m)
                        if blocker is None:
                            implicit = True
                        else:
                            by.append(blocker)
                if not missing:
                    continue
                detail = _describe(missing, egress=not egress)
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
        ev = {False: _evaluate(acl.inbound), True: _evaluate(acl.outbound)}
        for egress in (False, True):
            hits, _ = ev[egress]
            other_hits, _ = ev[not egress]
            flows = [
                (r, h) for r, h in other_hits if r.action is AclAction.ALLOW and not r.reply and h
            ]
            answered = _union(b for _, h in flows for b in _replies(h, eph))
            for r, hit in hits:
                if not r.reply or not hit:
                    continue
                extra = list(hit)
                for b in answered:
                    extra = _minus(extra, b)
                    if not extra:
                        break
                if not extra:
                    continue
                detail = _describe(extra, egress=egress)
                answering = tuple(f for f, h in flows if _and(_replies(h, eph), _rule_boxes(r)))
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
