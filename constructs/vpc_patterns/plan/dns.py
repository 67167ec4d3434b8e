"""Hybrid DNS as data: Route 53 Resolver endpoints, forwarding rules, query
logging and the network ACL rules DNS needs, validated without any CDK import.

:func:`plan_dns` checks every option of :class:`~vpc_patterns.build.dns.HybridDns`
against the network's plan and what Route 53 Resolver accepts, and returns a
frozen :class:`DnsPlan`; the construct only turns it into CloudFormation.
:func:`dns_acl_rules` gives the network ACL rules that admit DNS between the
endpoints' tier and the on-premises network, for ``BestPracticeVpc(acl_rules=...)``.

What AWS asks of a resolver endpoint (``AWS::Route53Resolver::ResolverEndpoint``):

* ``Direction`` ``INBOUND`` (the on-premises DNS servers forward queries for
  the VPC's names to it) or ``OUTBOUND`` (Route 53 Resolver forwards queries
  matching a ``FORWARD`` rule from it to the on-premises servers);
* ``IpAddresses``: at least two, in different Availability Zones, each a
  ``SubnetId`` and optionally a fixed ``Ip`` of that subnet (one network
  interface each, billed per hour);
* ``SecurityGroupIds``: inbound endpoints need TCP and UDP 53 admitted from
  the on-premises resolvers, outbound endpoints TCP and UDP to the target
  servers' port.

Protocol: Do53 only (plain DNS over UDP and TCP), which is what on-premises
DNS servers forward with and what ``FORWARD`` rules send by default; the
queries cross the private VPN or Direct Connect link, not the internet.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.flow_logs import DEFAULT_FLOW_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import SubnetKind, VpcPlan
from vpc_patterns.plan.tiers import AWS_RESERVED_PER_SUBNET

#: The DNS port (Do53, UDP and TCP).
DNS_PORT = 53
#: Private subnets: the workloads whose names the on-premises network looks
#: up live there, and the VPN's routes reach them by default.
DEFAULT_ENDPOINT_TIER = "private"
#: Route 53 Resolver wants at least two addresses per endpoint, in two AZs.
MIN_ENDPOINT_ADDRESSES = 2
#: Query logs are network logs: kept as long as the flow logs (a year).
DEFAULT_QUERY_LOG_RETENTION_DAYS = DEFAULT_FLOW_LOG_RETENTION_DAYS
#: First number of the ACL rules :func:`dns_acl_rules` makes (below the
#: library's first rule, 100; the VPN helper starts at 10, so DNS sits after
#: its rules without sharing a number for up to 20 of them).
DEFAULT_DNS_ACL_FIRST_NUMBER = 30
#: Route 53 Resolver's limit on a rule's DomainName.
MAX_DOMAIN_CHARS = 256
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)\Z")


@dataclass(frozen=True)
class ForwardTarget:
    """One on-premises DNS server a FORWARD rule sends queries to."""

    ip: str
    port: int = DNS_PORT


@dataclass(frozen=True)
class ForwardRulePlan:
    """One ``FORWARD`` rule: queries for ``domain`` (and its subdomains) go
    to ``targets`` through the outbound endpoint."""

    domain: str
    targets: tuple[ForwardTarget, ...]
    construct_id: str


@dataclass(frozen=True)
class EndpointAddress:
    """One address of an endpoint: the subnet (construct id) and, when fixed,
    the IP."""

    subnet: str
    az_index: int
    ip: str | None = None


@dataclass(frozen=True)
class EndpointPlan:
    direction: str  # "INBOUND" | "OUTBOUND"
    addresses: tuple[EndpointAddress, ...]
    construct_id: str


@dataclass(frozen=True)
class DnsPlan:
    """A validated hybrid DNS set-up."""

    tier: str
    tier_kind: SubnetKind
    vpc_cidr: str
    on_premises_cidrs: tuple[str, ...]
    inbound: EndpointPlan | None
    outbound: EndpointPlan | None
    rules: tuple[ForwardRulePlan, ...]
    query_logging: bool
    query_log_retention_days: int

    @property
    def endpoints(self) -> tuple[EndpointPlan, ...]:
        return tuple(e for e in (self.inbound, self.outbound) if e is not None)

    @property
    def address_count(self) -> int:
        """Network interfaces of all endpoints (what AWS bills per hour)."""
        return sum(len(e.addresses) for e in self.endpoints)

    def target_ips(self) -> tuple[str, ...]:
        """Every forward target address, once, in rule order."""
        out: list[str] = []
        for r in self.rules:
            out += [t.ip for t in r.targets if t.ip not in out]
        return tuple(out)

    def target_ports(self) -> tuple[int, ...]:
        return tuple(sorted({t.port for r in self.rules for t in r.targets}))


# --------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------


def parse_domain(value: Any, name: str = "forward_domains") -> str:
    """A domain name, lower case and without the final dot."""
    if not isinstance(value, str) or not value.strip(" ."):
        raise ConfigError(f"{name}: domain {value!r} is not a domain name; give e.g. "
                          "'corp.example.com'")
    text = value.strip().lower().rstrip(".")
    if len(text) > MAX_DOMAIN_CHARS - 1:
        raise ConfigError(f"{name}: domain {value!r} is longer than Route 53 Resolver accepts "
                          f"({MAX_DOMAIN_CHARS} characters)")
    for label in text.split("."):
        if not _LABEL.match(label):
            raise ConfigError(
                f"{name}: domain {value!r} has label {label!r}; a label is 1-63 letters, digits, "
                "'-' or '_', not starting or ending with '-'")
    return text


def _parse_target(value: Any, domain: str, vpc: ipaddress.IPv4Network) -> ForwardTarget:
    what = f"forward_domains[{domain!r}]"
    if not isinstance(value, str):
        raise ConfigError(f"{what}: target {value!r} must be an IPv4 address, optionally with "
                          "':port' (e.g. '172.16.0.10' or '172.16.0.10:5353')")
    host, _, port_text = value.strip().partition(":")
    port = DNS_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ConfigError(f"{what}: target {value!r} has port {port_text!r}; accepted 1..65535")
        port = int(port_text)
    try:
        ip = ipaddress.IPv4Address(host)
    except ValueError:
        raise ConfigError(f"{what}: target {value!r} is not an IPv4 address such as "
                          "'172.16.0.10'") from None
    if (ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified
            or ip.is_reserved or ip == ipaddress.IPv4Address("255.255.255.255")):
        raise ConfigError(f"{what}: target {value!r} is not a unicast address a DNS server can "
                          "have (loopback, link-local, multicast and reserved are refused)")
    if ip == vpc.network_address + 2:
        raise ConfigError(f"{what}: target {value!r} is the VPC's own resolver (VPC CIDR + 2); "
                          "forwarding to it is not supported by AWS and would loop: give the "
                          "on-premises DNS servers")
    return ForwardTarget(str(ip), port)


def _parse_cidrs(value: Any, vpc: ipaddress.IPv4Network) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"on_premises_cidrs {value!r} must be a list of on-premises CIDRs, "
                          "e.g. ['172.16.0.0/16']")
    out: list[str] = []
    for c in value:
        try:
            net = ipaddress.IPv4Network(c) if isinstance(c, str) else None
        except ValueError:
            net = None
        if net is None:
            raise ConfigError(f"on_premises_cidrs: {c!r} is not an aligned IPv4 CIDR such as "
                              "'172.16.0.0/16'")
        if net.prefixlen == 0:
            raise ConfigError("on_premises_cidrs: 0.0.0.0/0 would admit DNS queries from "
                              "anywhere; give the on-premises resolvers' ranges")
        if net.overlaps(vpc):
            raise ConfigError(f"on_premises_cidrs: {c!r} overlaps the VPC CIDR {vpc}; give only "
                              "the on-premises ranges whose DNS servers query the VPC")
        if str(net) in out:
            raise ConfigError(f"on_premises_cidrs lists {c!r} more than once")
        out.append(str(net))
    return tuple(out)


def _endpoint_tier(plan: VpcPlan, tier: Any) -> tuple[str, SubnetKind, tuple[Any, ...]]:
    names = [t.tier for t in plan.tiers]
    if not isinstance(tier, str) or tier not in names:
        raise ConfigError(f"tier {tier!r} is not a tier of this network; tiers: "
                          f"{', '.join(names)}")
    block = plan.tier_block(tier)
    if block.reserved:
        raise ConfigError(f"tier {tier!r} is reserved (planned, not built): it has no subnets "
                          "for the resolver endpoints")
    if block.kind is SubnetKind.PUBLIC:
        raise ConfigError(f"tier {tier!r} is public; resolver endpoints answer only the VPC and "
                          "the on-premises network, so place them in a private or isolated "
                          "tier (whose route tables learn the on-premises routes)")
    subnets = plan.subnets_of(tier)
    if len({s.az.index for s in subnets}) < MIN_ENDPOINT_ADDRESSES:
        raise ConfigError(
            f"tier {tier!r} has subnets in {len(subnets)} Availability Zone(s); Route 53 "
            f"Resolver endpoints need addresses in at least {MIN_ENDPOINT_ADDRESSES} AZs, so one "
            "AZ failing does not stop name resolution: build the network with max_azs >= 2")
    return tier, block.kind, subnets


def _addresses(subnets: tuple[Any, ...], ips: Any, name: str) -> tuple[EndpointAddress, ...]:
    if ips is None:
        return tuple(EndpointAddress(s.construct_id, s.az.index) for s in subnets)
    if isinstance(ips, str) or not isinstance(ips, Iterable):
        raise ConfigError(f"{name} {ips!r} must be a list of IPv4 addresses, one per AZ")
    out: list[EndpointAddress] = []
    for value in ips:
        try:
            ip = ipaddress.IPv4Address(value) if isinstance(value, str) else None
        except ValueError:
            ip = None
        if ip is None:
            raise ConfigError(f"{name}: {value!r} is not an IPv4 address")
        home = [s for s in subnets if ip in ipaddress.ip_network(s.cidr)]
        if not home:
            cidrs = ", ".join(s.cidr for s in subnets)
            raise ConfigError(f"{name}: {value!r} is in no subnet of the endpoints' tier "
                              f"({cidrs})")
        net = ipaddress.ip_network(home[0].cidr)
        offset = int(ip) - int(net.network_address)
        if offset < AWS_RESERVED_PER_SUBNET - 1 or ip == net.broadcast_address:
            raise ConfigError(
                f"{name}: {value!r} is reserved by AWS in subnet {net} (its first four and "
                "last addresses: network, router, DNS, future use, broadcast)")
        if any(a.subnet == home[0].construct_id for a in out):
            raise ConfigError(f"{name}: two addresses in subnet {net}; give one per AZ, so the "
                              "endpoint survives the loss of one")
        out.append(EndpointAddress(home[0].construct_id, home[0].az.index, str(ip)))
    if len(out) < MIN_ENDPOINT_ADDRESSES:
        raise ConfigError(f"{name} lists {len(out)} address(es); an endpoint needs at least "
                          f"{MIN_ENDPOINT_ADDRESSES}, in different AZs")
    return tuple(out)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} {value!r} must be True or False")
    return value


def plan_dns(
    plan: VpcPlan,
    *,
    tier: str = DEFAULT_ENDPOINT_TIER,
    on_premises_cidrs: Sequence[str] = (),
    forward_domains: Mapping[str, Sequence[str]] | None = None,
    inbound: bool = True,
    outbound: bool = True,
    inbound_ips: Sequence[str] | None = None,
    outbound_ips: Sequence[str] | None = None,
    query_logging: bool = True,
    query_log_retention_days: int = DEFAULT_QUERY_LOG_RETENTION_DAYS,
) -> DnsPlan:
    """Validate hybrid DNS options against the network's plan.

    Args:
        plan: the network's :class:`VpcPlan`.
        tier: the tier whose subnets hold the endpoints' addresses; private
            or isolated, with subnets in at least two AZs. Default:
            ``"private"`` (:data:`DEFAULT_ENDPOINT_TIER`): where the
            workloads live, and the VPN's routes reach it by default.
        on_premises_cidrs: the ranges of the on-premises DNS servers that
            query the inbound endpoint. Default: ``()``: nothing can be
            guessed; an inbound endpoint needs at least one.
        forward_domains: domain -> target DNS servers (``"ip"`` or
            ``"ip:port"``) of one FORWARD rule each. Default: ``None``: no
            rule; an outbound endpoint needs at least one.
        inbound: build the inbound endpoint. Default: ``True``: on-premises
            clients resolve the VPC's private names.
        outbound: build the outbound endpoint and the rules. Default:
            ``True``: workloads resolve the on-premises names.
        inbound_ips: fixed addresses of the inbound endpoint, one per AZ, in
            the tier's subnets. Default: ``None``: AWS picks them (the
            on-premises servers then need them from
            ``list-resolver-endpoint-ip-addresses``).
        outbound_ips: fixed addresses of the outbound endpoint. Default:
            ``None``: AWS picks them; nobody needs to know them.
        query_logging: log every query of the VPC to CloudWatch Logs.
            Default: ``True``: DNS logs show what resolved what, for incident
            response.
        query_log_retention_days: a CloudWatch Logs retention. Default:
            ``365`` (:data:`DEFAULT_QUERY_LOG_RETENTION_DAYS`): a year, as the
            flow logs.
    """
    vpc = ipaddress.IPv4Network(plan.cidr)
    want_in, want_out = _flag("inbound", inbound), _flag("outbound", outbound)
    want_logs = _flag("query_logging", query_logging)
    if not (want_in or want_out):
        raise ConfigError("inbound and outbound are both False; a hybrid DNS set-up needs at "
                          "least one endpoint")
    name, kind, subnets = _endpoint_tier(plan, tier)
    cidrs = _parse_cidrs(on_premises_cidrs, vpc)
    if want_in and not cidrs:
        raise ConfigError("inbound=True needs on_premises_cidrs: the ranges of the on-premises "
                          "DNS servers allowed to query the inbound endpoint, e.g. "
                          "['172.16.0.0/16']")
    if not want_in and cidrs:
        raise ConfigError("on_premises_cidrs is given with inbound=False; the ranges only admit "
                          "queries to the inbound endpoint: drop them or set inbound=True")
    if not want_in and inbound_ips is not None:
        raise ConfigError("inbound_ips is given with inbound=False; drop it or set inbound=True")
    if not want_out and outbound_ips is not None:
        raise ConfigError("outbound_ips is given with outbound=False; drop it or set "
                          "outbound=True")
    domains = {} if forward_domains is None else forward_domains
    if not isinstance(domains, Mapping):
        raise ConfigError(f"forward_domains {domains!r} must map domains to target DNS servers, "
                          "e.g. {'corp.example.com': ['172.16.0.10', '172.16.1.10']}")
    if want_out and not domains:
        raise ConfigError("outbound=True needs forward_domains (domain -> on-premises DNS "
                          "servers), e.g. {'corp.example.com': ['172.16.0.10']}; or set "
                          "outbound=False")
    if not want_out and domains:
        raise ConfigError("forward_domains is given with outbound=False; FORWARD rules send "
                          "queries through the outbound endpoint: set outbound=True")
    rules: list[ForwardRulePlan] = []
    for raw, targets in domains.items():
        domain = parse_domain(raw)
        if any(r.domain == domain for r in rules):
            raise ConfigError(f"forward_domains names {domain!r} more than once")
        if isinstance(targets, str) or not isinstance(targets, Iterable):
            raise ConfigError(f"forward_domains[{raw!r}] {targets!r} must be a list of DNS "
                              "server addresses")
        parsed = tuple(_parse_target(t, domain, vpc) for t in targets)
        if not parsed:
            raise ConfigError(f"forward_domains[{raw!r}] is empty; give at least one DNS server")
        if len(set(parsed)) != len(parsed):
            raise ConfigError(f"forward_domains[{raw!r}] lists a server more than once")
        rules.append(ForwardRulePlan(domain, parsed, f"Forward{pascal(domain.replace('.', '-'))}"))
    if isinstance(query_log_retention_days, bool) or \
            query_log_retention_days not in LOG_RETENTION_DAYS:
        raise ConfigError(f"query_log_retention_days {query_log_retention_days!r} is not a "
                          "CloudWatch Logs retention; accepted: "
                          f"{', '.join(map(str, LOG_RETENTION_DAYS))}")
    inbound_plan = EndpointPlan("INBOUND", _addresses(subnets, inbound_ips, "inbound_ips"),
                                "InboundEndpoint") if want_in else None
    outbound_plan = EndpointPlan("OUTBOUND", _addresses(subnets, outbound_ips, "outbound_ips"),
                                 "OutboundEndpoint") if want_out else None
    if inbound_plan and outbound_plan:
        fixed = {a.ip for a in inbound_plan.addresses if a.ip} & {
            a.ip for a in outbound_plan.addresses if a.ip}
        if fixed:
            raise ConfigError(f"inbound_ips and outbound_ips share {sorted(fixed)[0]}; each "
                              "endpoint address is its own network interface")
    return DnsPlan(
        tier=name, tier_kind=kind, vpc_cidr=str(vpc), on_premises_cidrs=cidrs,
        inbound=inbound_plan, outbound=outbound_plan, rules=tuple(rules),
        query_logging=want_logs, query_log_retention_days=query_log_retention_days,
    )


def dns_acl_rules(dns: DnsPlan, *,
                  first_number: int = DEFAULT_DNS_ACL_FIRST_NUMBER) -> dict[str, list[Any]]:
    """Network ACL rules of the endpoints' tier that admit DNS (TCP and UDP)
    between the endpoints and the on-premises network only, for
    ``BestPracticeVpc(acl_rules=...)``.

    Inbound endpoint: in, DNS from each on-premises CIDR; out, TCP and UDP
    replies (the ephemeral range) to it. Outbound endpoint: out, DNS to each
    target server outside the VPC (its port); in, TCP and UDP replies from
    it. Reply rules carry ``reply=True``, so the library's return-traffic
    check pairs them with the requests. Numbers start at ``first_number``
    and stay below the library's first rule (100).

    Args:
        dns: the :class:`DnsPlan`.
        first_number: the first rule number. Default: ``30``
            (:data:`DEFAULT_DNS_ACL_FIRST_NUMBER`): before every library rule
            and after the VPN helper's first rules.
    """
    from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, LIBRARY_RULE_STEP, AclRule

    vpc = ipaddress.IPv4Network(dns.vpc_cidr)
    Entry = tuple[str, Any, str, str]  # protocol, ports, cidr, why
    in_req: list[Entry] = []
    in_rep: list[Entry] = []
    out_req: list[Entry] = []
    out_rep: list[Entry] = []
    for proto in ("udp", "tcp"):
        name = proto.upper()
        if dns.inbound is not None:
            for c in dns.on_premises_cidrs:
                in_req.append((proto, DNS_PORT, c, f"{name} DNS queries from on-premises {c} to "
                               "the inbound resolver endpoint"))
                out_rep.append((proto, EPHEMERAL_PORTS, c, f"{name} DNS answers to on-premises "
                                f"{c}"))
        if dns.outbound is not None:
            for t in dict.fromkeys(t for r in dns.rules for t in r.targets):
                if ipaddress.IPv4Address(t.ip) in vpc:
                    continue  # the library's rules admit the VPC
                cidr = f"{t.ip}/32"
                out_req.append((proto, t.port, cidr, f"{name} DNS queries of the outbound "
                                f"resolver endpoint to {t.ip}"))
                if not any(x[0] == proto and x[2] == cidr for x in in_rep):
                    in_rep.append((proto, EPHEMERAL_PORTS, cidr, f"{name} DNS answers from "
                                   f"{t.ip}"))
    # Requests first: a reply rule (the ephemeral range) must not take a
    # request to a server listening on a high port.
    ins = [(*e, False) for e in in_req] + [(*e, True) for e in in_rep]
    outs = [(*e, False) for e in out_req] + [(*e, True) for e in out_rep]
    if not isinstance(first_number, int) or isinstance(first_number, bool):
        raise ConfigError(f"first_number {first_number!r} must be an integer 1..99")
    last = first_number + max(len(ins), len(outs)) - 1
    if first_number < 1 or last >= LIBRARY_RULE_STEP:
        raise ConfigError(
            f"{max(len(ins), len(outs))} DNS ACL rules from number {first_number} would reach "
            f"{last}; they must stay in 1..{LIBRARY_RULE_STEP - 1}, below the library's rules: "
            "lower first_number or give fewer on-premises ranges and servers")
    rules = [AclRule(first_number + i, "allow", p, ports, c, description=why, reply=reply)
             for i, (p, ports, c, why, reply) in enumerate(ins)]
    rules += [AclRule(first_number + i, "allow", p, ports, c, egress=True, description=why,
                      reply=reply)
              for i, (p, ports, c, why, reply) in enumerate(outs)]
    return {dns.tier: rules}


__all__ = [
    "DEFAULT_DNS_ACL_FIRST_NUMBER", "DEFAULT_ENDPOINT_TIER", "DEFAULT_QUERY_LOG_RETENTION_DAYS",
    "DNS_PORT", "MIN_ENDPOINT_ADDRESSES", "DnsPlan", "EndpointAddress", "EndpointPlan",
    "ForwardRulePlan", "ForwardTarget", "dns_acl_rules", "parse_domain", "plan_dns",
]
