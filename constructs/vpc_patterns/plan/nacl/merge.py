"""Network ACLs per tier, as data: one ACL per tier with subnets, the library's
rules merged with the user's, and the merge checked.

:func:`plan_acls` turns a :class:`~vpc_patterns.plan.network.VpcPlan` into one
:class:`TierAcl` per tier (an :class:`AclPlan`); nothing here imports aws_cdk,
:class:`vpc_patterns.build.nacl.TierNetworkAcls` only turns it into resources.

Merge order (the contract with user rules)
------------------------------------------
* Library rules (:func:`~.policy.library_rules`) have fixed numbers:
  :data:`~.rules.LIBRARY_RULE_STEP` apart, starting at
  :data:`~.rules.LIBRARY_RULE_STEP` (100, 200, 300, ...). An option that adds
  library rules (a public port, an admitted tier, a remote-admin port, a
  private address range, ``icmp_echo``) may move later library rules up a
  slot, which CloudFormation applies as in-place updates (an entry's logical
  id is its direction and number).
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
* each rule when it is made (:class:`~.rules.AclRule`);
* per ACL and direction: unique numbers and the AWS quota on rules
  (:data:`~.rules.DEFAULT_RULES_PER_DIRECTION`);
* the proofs of :mod:`~vpc_patterns.plan.nacl.proofs` (shadowed and redundant
  rules, missing return traffic, unsolicited replies, remote-administration
  ports open to 0.0.0.0/0), reported in
  :attr:`AclPlan.findings`; ``findings_as_errors=True`` turns them into a
  ConfigError.
"""

from __future__ import annotations

import inspect
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nacl.policy import (
    DEFAULT_ICMP_ECHO,
    DEFAULT_INTERNET_ICMP,
    DEFAULT_ISOLATED_SERVICE_PORTS,
    DEFAULT_PRIVATE_ADDRESS_RANGES,
    DEFAULT_PUBLIC_INGRESS_PORTS,
    DEFAULT_REMOTE_ADMIN_PORTS,
    library_rules,
    split_around,
)
from vpc_patterns.plan.nacl.rules import (
    DEFAULT_RULES_PER_DIRECTION,
    EPHEMERAL_PORTS,
    MAX_RULES_PER_DIRECTION,
    AclAction,
    AclProtocol,
    AclRule,
)
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import SubnetKind, VpcPlan

if TYPE_CHECKING:
    from vpc_patterns.plan.nacl.proofs import AclFinding

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
        self, *, egress: bool, protocol: str, address: str, port: int | None = None,
        icmp: tuple[int, int] | None = None,
    ) -> tuple[AclAction, AclRule | None]:
        """What the ACL does with one packet, by plain first-match over the
        rules (``None`` as the rule means the implicit deny ``*``).

        ``protocol`` is ``tcp``, ``udp``, ``icmp`` or any other protocol name
        (matched only by ``all`` rules); ``port`` is the destination port, for
        tcp and udp; ``icmp`` the ``(type, code)`` of an ICMP packet (without
        it, only rules for every ICMP type match); ``address`` the peer
        address (source when inbound)."""
        addr = ipaddress.ip_address(address)
        for r in self.outbound if egress else self.inbound:
            if addr.version != r.network.version or addr not in r.network:
                continue
            if r.protocol is AclProtocol.ALL:
                return AclAction(r.action), r
            if r.protocol.value != protocol:
                continue
            if r.ports is not None:
                lo, hi = r.ports
                if port is None or not lo <= port <= hi:
                    continue
            if r.icmp is not None:
                rt, rc = r.icmp
                if icmp is None or icmp[0] != rt or (rc != -1 and icmp[1] != rc):
                    continue
            return AclAction(r.action), r
        return AclAction.DENY, None


@dataclass(frozen=True)
class AclPlan:
    """One ACL per tier that has subnets, and what the checks found."""

    vpc_cidr: str
    acls: tuple[TierAcl, ...]
    findings: tuple[AclFinding, ...] = ()
    ephemeral_ports: tuple[int, int] = EPHEMERAL_PORTS
    #: the ports no library rule admits from 0.0.0.0/0 (``remote_admin_ports``)
    remote_admin_ports: tuple[int, ...] = ()

    @property
    def reply_ports(self) -> tuple[tuple[int, int], ...]:
        """The ports replies from outside the VPC are admitted on: the
        ephemeral range without the remote-administration ports in it. A
        client whose reply port is one of those (a NAT gateway picks source
        ports from all of 1024-65535) gets no reply from outside."""
        return tuple(split_around(self.ephemeral_ports, self.remote_admin_ports))

    @property
    def reply_gaps(self) -> tuple[int, ...]:
        """The remote-administration ports inside the ephemeral range: the
        replies the library's ACLs deliberately do not admit from outside."""
        lo, hi = self.ephemeral_ports
        return tuple(p for p in sorted(set(self.remote_admin_ports)) if lo <= p <= hi)

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
                            "icmp": list(r.icmp) if r.icmp else None,
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
    icmp_echo: bool = DEFAULT_ICMP_ECHO,
    remote_admin_ports: Sequence[int] = DEFAULT_REMOTE_ADMIN_PORTS,
    private_address_ranges: Sequence[str] = DEFAULT_PRIVATE_ADDRESS_RANGES,
    max_rules_per_direction: int = DEFAULT_RULES_PER_DIRECTION,
    findings_as_errors: bool = False,
) -> AclPlan:
    """One network ACL per tier with subnets, merged with ``user_rules``.

    Args:
        plan: the :class:`VpcPlan` whose tiers get ACLs.
        user_rules: ``{tier name: [AclRule, ...]}``; numbers are kept (see the
            module's merge order). Default: ``None``: only the library's rules.
        public_ingress_ports: TCP ports public tiers admit from anywhere.
            Default: ``(80, 443)`` (:data:`DEFAULT_PUBLIC_INGRESS_PORTS`): what
            an internet-facing load balancer serves, HTTP (to redirect) and
            HTTPS.
        reachable_from: ``{isolated tier: [tier names]}``: which tiers may
            reach each isolated tier (by their block CIDR); the tier's own
            block is always admitted. Default: ``None``: the private tiers,
            where the workloads that use the data stores live.
        isolated_service_ports: TCP ports an isolated tier may open to the
            tiers it admits. Default: ``(443,)``
            (:data:`DEFAULT_ISOLATED_SERVICE_PORTS`): HTTPS, for the interface
            endpoints and internal APIs in the private tiers.
        ephemeral_ports: the reply range, ``(from, to)``. Default:
            ``(1024, 65535)`` (:data:`EPHEMERAL_PORTS`): AWS's guidance; it
            covers Linux, Windows, Elastic Load Balancing, NAT gateways and
            Lambda.
        internet_icmp: admit every ICMP type to and from the internet in
            public and private tiers (traceroute, being pinged). Default:
            ``False`` (:data:`DEFAULT_INTERNET_ICMP`): those tiers admit only
            what path-MTU discovery needs, ICMP "fragmentation needed" (type 3
            code 4, an error that answers packets they sent) from anywhere,
            always, and ping with ``icmp_echo``.
        icmp_echo: public and private tiers may ping outside hosts (echo
            requests to anywhere, echo replies from anywhere). Default:
            ``False`` (:data:`DEFAULT_ICMP_ECHO`): echo requests carry data out
            where no TCP/UDP rule shows it (ICMP tunnels), and only
            diagnostics need them.
        remote_admin_ports: TCP and UDP ports no library rule admits from
            0.0.0.0/0: the ephemeral (reply) ranges from anywhere are split
            around them, and a rule (yours too) admitting one from 0.0.0.0/0
            is a ``remote-admin`` finding; the return-traffic proof asks no
            reply on them. Default: ``(22,
            3389)`` (:data:`DEFAULT_REMOTE_ADMIN_PORTS`): SSH and RDP, which AWS
            Control Tower's CT.EC2.PR.5 (Security Hub EC2.21, CIS 5.1) forbids
            from 0.0.0.0/0; use Session Manager, or admit an administration
            range with a rule numbered below 100. The cost: a NAT gateway picks
            source ports from all of 1024-65535, so about one connection in
            64,512 through it is given 3389 and gets no reply (a retry is
            mapped to another port); ``()`` admits the whole range.
        private_address_ranges: address space that is never the internet; an
            isolated tier with gateway endpoints denies it (after its own
            block and its admitted tiers) before the replies from S3/DynamoDB,
            which only 0.0.0.0/0 can name, so a peer or on-premises network
            reaches the tier only through rules numbered before those denies
            (e.g. ``on_premises_acl_rules(cidrs, {"isolated": [5432]})``).
            IPv4 CIDRs, not 0.0.0.0/0, none inside the VPC or another.
            Default: RFC 1918 and RFC 6598, ``("10.0.0.0/8",
            "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")``
            (:data:`DEFAULT_PRIVATE_ADDRESS_RANGES`): where VPCs, peers and
            on-premises networks are numbered, and where S3 and DynamoDB
            never are; add any public-space range a peer or on-premises
            network uses (with VPN route propagation, its routes reach the
            isolated tier).
        max_rules_per_direction: your account's quota, at most 40. Default:
            ``20`` (:data:`DEFAULT_RULES_PER_DIRECTION`): AWS's default quota;
            rules past it would fail at deploy time, so the plan refuses them.
        findings_as_errors: raise ConfigError if any shadowed, redundant or
            missing-return finding exists. Default: ``False``: the findings are
            reported (as CDK warnings by the constructs), which
            ``cdk synth --strict`` fails on.
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
    for flag, value in (("internet_icmp", internet_icmp), ("icmp_echo", icmp_echo)):
        if not isinstance(value, bool):
            raise ConfigError(f"{flag} {value!r} must be True or False")
    remote_admin_ports = _check_port_list("remote_admin_ports", remote_admin_ports)
    both = sorted(set(public_ingress_ports) & set(remote_admin_ports))
    if both:
        raise ConfigError(
            f"public_ingress_ports lists {both[0]}, which remote_admin_ports closes to 0.0.0.0/0 "
            "(CT.EC2.PR.5); admit an administration range with a user rule instead, or drop "
            f"{both[0]} from remote_admin_ports"
        )
    private_address_ranges = _check_private_ranges(plan, private_address_ranges)
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
        if isinstance(rules, (AclRule, str, bytes)) or not isinstance(rules, Iterable):
            raise ConfigError(f"user_rules[{tier!r}] must be a list of AclRule, got {rules!r}")
        for r in rules:
            if not isinstance(r, AclRule):
                raise ConfigError(
                    f"user_rules[{tier!r}] entry {r!r} is not a vpc_patterns.AclRule"
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
            icmp_echo=icmp_echo,
            remote_admin_ports=remote_admin_ports,
            private_address_ranges=private_address_ranges,
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
                n_user = sum(1 for r in users if r.egress == egress)
                raise ConfigError(
                    f"the network ACL of tier {t.tier!r} would have {n} "
                    f"{'outbound' if egress else 'inbound'} rules ({n - n_user} of the "
                    f"library's, {n_user} of user_rules); the quota is "
                    f"{max_rules_per_direction} per direction (AWS default "
                    f"{DEFAULT_RULES_PER_DIRECTION}, at most {MAX_RULES_PER_DIRECTION}): "
                    f"drop user_rules{_rule_options(t.kind, egress)}, or raise the quota "
                    "and pass max_rules_per_direction"
                )
        acls.append(acl)

    # The proofs read the plans made here, so they import this module: import
    # them when they run.
    from vpc_patterns.plan.nacl.proofs import (
        missing_returns,
        remote_admin_findings,
        shadow_findings,
        unsolicited_replies,
    )

    result = AclPlan(vpc_cidr=plan.cidr, acls=tuple(acls), ephemeral_ports=eph,
                     remote_admin_ports=remote_admin_ports)
    findings = (
        tuple(f for a in result.acls for f in shadow_findings(a))
        + missing_returns(result)
        + unsolicited_replies(result)
        + remote_admin_findings(result)
    )
    result = AclPlan(vpc_cidr=plan.cidr, acls=tuple(acls), findings=findings, ephemeral_ports=eph,
                     remote_admin_ports=remote_admin_ports)
    if findings_as_errors and findings:
        raise ConfigError(
            f"{len(findings)} network ACL finding(s) and findings_as_errors=True:\n"
            + "\n".join(f"- {f.kind.value}: {f.message}" for f in findings)
        )
    return result


def _rule_options(kind: SubnetKind, egress: bool) -> str:
    """The plan_acls options that add library rules to ``kind``'s ACL in that
    direction, as the tail of a sentence (for the quota error)."""
    names = {
        (SubnetKind.PUBLIC, False): ["public_ingress_ports", "remote_admin_ports", "icmp_echo"],
        (SubnetKind.PUBLIC, True): ["icmp_echo"],
        (SubnetKind.PRIVATE, False): ["remote_admin_ports", "icmp_echo"],
        (SubnetKind.PRIVATE, True): ["icmp_echo"],
        (SubnetKind.ISOLATED, False): ["reachable_from", "private_address_ranges",
                                       "remote_admin_ports"],
        (SubnetKind.ISOLATED, True): ["reachable_from", "isolated_service_ports",
                                      "private_address_ranges"],
    }[(kind, egress)]
    return "".join(f", {n}" for n in names)


def _check_private_ranges(plan: VpcPlan, ranges: object) -> tuple[str, ...]:
    name = "private_address_ranges"
    if isinstance(ranges, (str, bytes)) or not isinstance(ranges, Iterable):
        raise ConfigError(
            f"{name} {ranges!r} must be a list of IPv4 CIDRs, e.g. ['10.0.0.0/8']; () for none"
        )
    out: list[ipaddress.IPv4Network] = []
    vpc = ipaddress.IPv4Network(plan.cidr)
    for r in ranges:
        try:
            net = ipaddress.ip_network(r) if isinstance(r, str) else None
        except ValueError:
            net = None
        if not isinstance(net, ipaddress.IPv4Network):
            raise ConfigError(
                f"{name} entry {r!r} is not an IPv4 CIDR written as its network address, "
                "e.g. '172.16.0.0/12' (the library's rules are IPv4)"
            )
        if net.prefixlen == 0:
            raise ConfigError(
                f"{name} entry {r!r} is every address: S3 and DynamoDB answer from public "
                "addresses, which an isolated tier must admit; name only private space"
            )
        if net.subnet_of(vpc) and net != vpc:
            raise ConfigError(
                f"{name} entry {r!r} lies inside the VPC {plan.cidr}, whose tiers the ACLs "
                "already tell apart; name ranges outside it"
            )
        for other in out:
            if net.overlaps(other):
                raise ConfigError(
                    f"{name} entries {str(other)!r} and {r!r} overlap; list each range once"
                )
        out.append(net)
    return tuple(str(n) for n in out)


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


def _plan_acls_defaults() -> Mapping[str, object]:
    return MappingProxyType({
        name: p.default
        for name, p in inspect.signature(plan_acls).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    })


#: The options of :func:`plan_acls` with their defaults (read from its
#: signature): ``{"public_ingress_ports": (80, 443), ...}``.
PLAN_ACLS_DEFAULTS: Mapping[str, object] = _plan_acls_defaults()
