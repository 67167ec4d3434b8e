"""The network of one VPC as data: what the analyzer reads.

:class:`VpcModel` holds one ``AWS::EC2::VPC`` of one template: subnets (tier,
AZ, CIDR), route tables with every route and its target, network ACLs with
their entries, security groups with their rules, endpoints, NATs, gateways,
VPN connections and peerings. Values a template does not determine are
``None`` and explained in ``notes``. :mod:`.parser` builds these from a
template; :mod:`.linker` joins the models of templates read together.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum
from typing import Any

from vpc_patterns.check.ranges import IntervalSet

#: Logical ids of things CloudFormation creates implicitly.
MAIN_ROUTE_TABLE = "(main route table)"
DEFAULT_ACL = "(default network ACL)"
DEFAULT_SG = "(default security group)"
IMPLICIT_DENY = "*"


class TargetKind(str, Enum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_IGW = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    NAT_INSTANCE = "nat-instance"
    PEERING = "peering"
    VPN_GATEWAY = "vpn-gateway"
    TRANSIT_GATEWAY = "transit-gateway"
    GATEWAY_ENDPOINT = "gateway-endpoint"
    VPC_ENDPOINT = "vpc-endpoint"
    CARRIER_GATEWAY = "carrier-gateway"
    LOCAL_GATEWAY = "local-gateway"
    CORE_NETWORK = "core-network"
    OTHER = "other"
    UNKNOWN = "unknown"


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a route sends traffic."""

    kind: TargetKind
    #: logical id of the target resource, or the literal id (``igw-...``),
    #: or "" for the local route.
    ref: str
    resource_type: str | None = None
    #: NAT gateway / NAT instance interface or instance: its subnet and AZ key.
    subnet: str | None = None
    az: str | None = None
    #: a NAT gateway with ConnectivityType private (no internet).
    private_nat: bool = False
    #: gateway endpoint: the service (``s3``, ``dynamodb``).
    service: str | None = None
    #: NAT instance / ENI: its security groups (logical ids).
    security_groups: tuple[str, ...] = ()
    #: internet or VPN gateway: attached to this VPC in the template.
    attached: bool = True
    #: NAT instance: source/destination check (None: not decidable), and
    #: whether its interface holds a public address (None: not decidable).
    source_dest_check: bool | None = False
    public_address: bool | None = True

    @property
    def label(self) -> str:
        if self.kind is TargetKind.LOCAL:
            return "local"
        where = f" in {self.subnet} ({az_display(self.az)})" if self.subnet else ""
        return f"{self.kind.value} {self.ref}{where}"


@dataclass(frozen=True)
class Route:
    #: the AWS::EC2::Route logical id, or a description of an implicit route
    #: ("(local)", "(s3 endpoint S3GatewayEndpoint)", "(propagated from Vgw)").
    logical_id: str
    route_table: str
    #: text of the destination: a CIDR, ``prefix-list:<service or id>``, an
    #: IPv6 CIDR, or ``unknown``.
    destination: str
    #: the destination of either family (``ipv6`` says which); None when
    #: the template does not determine it, or it is a prefix list.
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    target: Target
    #: local | template | endpoint | propagated
    origin: str = "template"
    prefix_list: str | None = None
    ipv6: bool = False
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        rid = f" [{self.logical_id}]" if self.origin == "template" else f" {self.logical_id}"
        return f"route {self.destination}{rid}"


@dataclass(frozen=True)
class RouteTable:
    logical_id: str
    routes: tuple[Route, ...]
    subnets: tuple[str, ...]
    tier: str | None = None
    #: the VPC's main route table, which CloudFormation cannot declare: it
    #: holds only the local route unless changed outside the template.
    implicit: bool = False
    #: VPN gateways whose routes propagate here.
    propagating_gateways: tuple[str, ...] = ()
    #: a propagating VPN gateway may learn destinations by BGP, which no
    #: template shows.
    dynamic_propagation: bool = False


@dataclass(frozen=True)
class Subnet:
    logical_id: str
    tier: str | None
    #: public | private | isolated, from the ``aws-cdk:subnet-type`` tag;
    #: None when untagged.
    kind: str | None
    #: stable AZ key: ``index:<i>`` (Fn::Select into Fn::GetAZs),
    #: ``name:<az name>``, ``id:<az id>``, or ``unknown``.
    az: str
    #: what people call the AZ: the ``vpc-patterns:az`` tag, else from the key.
    az_label: str
    cidr: ipaddress.IPv4Network | None
    route_table: str
    network_acl: str
    name: str | None = None
    #: the plan's record (``Metadata.vpc_patterns.subnet``: tier, kind, az,
    #: cidr) when the library wrote one; ``tier`` and ``kind`` come from it
    #: then, and the tags are only labels.
    record: tuple[tuple[str, str], ...] | None = None
    #: tier and kind the tags say, when they differ from the record.
    tag_tier: str | None = None
    tag_kind: str | None = None
    #: the subnet's IPv6 block: None when it has none or the template does
    #: not resolve it (``ipv6`` tells which).
    ipv6_cidr: ipaddress.IPv6Network | None = None
    #: the subnet has an IPv6 block (Ipv6CidrBlock, AWS::EC2::SubnetCidrBlock)
    ipv6: bool = False

    @property
    def label(self) -> str:
        cidr = str(self.cidr) if self.cidr else "CIDR unknown"
        bits = [b for b in (self.tier, self.az_label, cidr) if b]
        return f"subnet {self.logical_id} ({', '.join(bits)})"


@dataclass(frozen=True)
class AclEntry:
    logical_id: str
    acl: str
    rule_number: int | None
    #: -1 (all), 6 (TCP), 17 (UDP), 1 (ICMP) or another IP protocol number;
    #: None when unknown.
    protocol: int | None
    #: destination ports for TCP/UDP (None: not applicable / all).
    ports: IntervalSet | None
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    egress: bool
    allow: bool | None
    ipv6: bool = False
    implicit: bool = False
    #: why the entry cannot be evaluated exactly ("" when it can).
    uncertain: str = ""
    #: recorded by the construct (``Metadata["vpc_patterns"]["reply"]``):
    #: the entry admits only replies. None: not recorded, judged by shape.
    reply: bool | None = None

    @property
    def rule_label(self) -> str:
        if self.rule_number is None and self.implicit:
            return IMPLICIT_DENY
        return str(self.rule_number)

    @property
    def is_return_rule(self) -> bool:
        """An allow entry that admits replies: as recorded by the construct
        (``reply``), else by the shape of an ephemeral-return rule: TCP or UDP
        on a range that starts at or above 1024 and runs to 65535."""
        if not self.allow:
            return False
        if self.reply is not None:
            return self.reply
        if self.protocol not in (6, 17) or self.ports is None:
            return False
        r = self.ports.ranges
        return len(r) == 1 and r[0][0] >= 1024 and r[0][1] == 65535

    @property
    def label(self) -> str:
        direction = "egress" if self.egress else "ingress"
        action = "allow" if self.allow else "deny"
        proto = protocol_name(self.protocol)
        ports = ""
        if self.protocol in (6, 17) and self.ports is not None:
            ports = " " + self.ports.describe_ports()
        cidr = str(self.cidr) if self.cidr else ("IPv6" if self.ipv6 else "unknown CIDR")
        rid = "" if self.implicit else f" [{self.logical_id}]"
        return (f"ACL {self.acl} {direction} rule {self.rule_label}{rid}: "
                f"{action} {proto}{ports} {'to' if self.egress else 'from'} {cidr}")


@dataclass(frozen=True)
class NetworkAcl:
    logical_id: str
    entries: tuple[AclEntry, ...]
    subnets: tuple[str, ...]
    #: the VPC's default ACL (rule 100 allows all traffic both ways).
    default: bool = False

    def ordered(self, egress: bool) -> tuple[AclEntry, ...]:
        """Entries of one direction in evaluation order (RuleNumber ascending;
        entries with an unknown number last)."""
        return tuple(sorted(
            (e for e in self.entries if e.egress == egress and not e.ipv6),
            key=lambda e: (e.rule_number is None, e.rule_number or 0, e.logical_id),
        ))

    @property
    def uncertain(self) -> tuple[str, ...]:
        return tuple(f"{e.logical_id}: {e.uncertain}" for e in self.entries if e.uncertain)


@dataclass(frozen=True)
class SgRule:
    logical_id: str
    group: str
    egress: bool
    protocol: int | None
    ports: IntervalSet | None
    #: cidr | cidr6 | prefix-list | security-group | unknown
    peer_kind: str
    peer: str
    description: str = ""

    @property
    def label(self) -> str:
        proto = protocol_name(self.protocol)
        ports = ""
        if self.ports is not None and self.protocol in (6, 17):
            ports = f" {self.ports.describe_ports()}"
        arrow = "to" if self.egress else "from"
        direction = "egress" if self.egress else "ingress"
        return f"{self.group} {direction}: {proto}{ports} {arrow} {self.peer_kind} {self.peer}"


@dataclass(frozen=True)
class SecurityGroup:
    logical_id: str
    description: str
    rules: tuple[SgRule, ...]
    name: str | None = None
    #: set only for the VPC's default group (logical id ``(default security
    #: group)@<vpc>``), whose VPC is not in a VpcId property
    vpc: str | None = None


@dataclass(frozen=True)
class Workload:
    """Something the template places in subnets with security groups: an
    instance, an interface, an endpoint, a function, a load balancer, a
    service, a database, a cache, a mount target, an Auto Scaling group."""

    logical_id: str
    resource_type: str
    subnets: tuple[str, ...]
    groups: tuple[str, ...]
    #: security groups it names that are not groups of this template
    unresolved_groups: int = 0


@dataclass(frozen=True)
class GatewayEndpoint:
    logical_id: str
    #: s3 | dynamodb | None (service name not resolvable)
    service: str | None
    service_name: str
    route_tables: tuple[str, ...]
    #: entries of RouteTableIds that are not route tables of this template.
    unresolved_route_tables: int = 0


@dataclass(frozen=True)
class InterfaceEndpoint:
    logical_id: str
    service: str | None
    service_name: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    private_dns: bool | None


@dataclass(frozen=True)
class NatGateway:
    logical_id: str
    subnet: str | None
    az: str | None
    private: bool = False
    #: AvailabilityMode regional: in no subnet, present in the VPC's AZs.
    regional: bool = False
    #: regional: the VPC it is in (VpcId); its manual-mode AZ keys, None in
    #: automatic mode; how many Elastic IPs it names (manual mode).
    vpc: str | None = None
    zones: tuple[str, ...] | None = None
    addresses: int = 0


@dataclass(frozen=True)
class NatInstance:
    """A NAT instance (or any appliance) a route targets: a network
    interface or an instance."""

    logical_id: str
    resource_type: str
    subnet: str | None
    az: str | None
    security_groups: tuple[str, ...] = ()
    #: True when absent (the EC2 default); None when not resolvable.
    source_dest_check: bool | None = None
    instance_type: str | None = None
    #: an Elastic IP associated with it, or a public address at launch
    #: (None: the template does not decide it).
    public_address: bool | None = None


@dataclass(frozen=True)
class Gateway:
    """An internet, egress-only internet, VPN or transit gateway."""

    logical_id: str
    kind: TargetKind
    attached: bool
    asn: int | None = None


@dataclass(frozen=True)
class VpnConnection:
    logical_id: str
    gateway: str | None
    customer_gateway: str | None
    static_routes_only: bool | None
    static_routes: tuple[str, ...] = ()
    #: BGP: the routes the user declares on-premises announces
    #: (``Metadata.vpc_patterns.learned_routes``); None when undeclared.
    learned_routes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Peering:
    logical_id: str
    peer_vpc: str
    peer_cidrs: tuple[str, ...] = ()
    peer_owner: str | None = None
    peer_region: str | None = None


@dataclass(frozen=True)
class VpcModel:
    """One VPC of one template, as the analyzer sees it."""

    template: str
    template_name: str
    logical_id: str
    cidrs: tuple[ipaddress.IPv4Network, ...]
    name: str | None
    subnets: tuple[Subnet, ...]
    route_tables: tuple[RouteTable, ...]
    network_acls: tuple[NetworkAcl, ...]
    security_groups: tuple[SecurityGroup, ...] = ()
    gateway_endpoints: tuple[GatewayEndpoint, ...] = ()
    interface_endpoints: tuple[InterfaceEndpoint, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    nat_instances: tuple[NatInstance, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    vpn_connections: tuple[VpnConnection, ...] = ()
    peerings: tuple[Peering, ...] = ()
    #: the VPC resource's ``Metadata["vpc_patterns"]`` as found (None: absent).
    metadata: Any = None
    #: what the template did not determine, in words.
    notes: tuple[str, ...] = ()
    #: VPC Block Public Access and Encryption Controls that apply to the VPC
    #: (a :class:`~.parser_controls.VpcControls`; None: none were read).
    controls: Any = None
    #: the VPC's literal IPv6 blocks, and whether it has any IPv6 block at
    #: all (Amazon-provided and IPAM blocks are not literal).
    ipv6_cidrs: tuple[ipaddress.IPv6Network, ...] = ()
    has_ipv6: bool = False
    #: what the template places in the VPC's subnets, with its groups
    workloads: tuple[Workload, ...] = ()

    def workloads_in(self, subnet: str) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if subnet in w.subnets)

    @property
    def key(self) -> str:
        return f"{self.template_name}/{self.logical_id}"

    @property
    def cidr_text(self) -> str:
        return ", ".join(str(c) for c in self.cidrs) or "CIDR unknown"

    def subnet(self, logical_id: str) -> Subnet:
        for s in self.subnets:
            if s.logical_id == logical_id:
                return s
        raise KeyError(logical_id)

    def route_table(self, logical_id: str) -> RouteTable:
        for rt in self.route_tables:
            if rt.logical_id == logical_id:
                return rt
        raise KeyError(logical_id)

    def network_acl(self, logical_id: str) -> NetworkAcl:
        for a in self.network_acls:
            if a.logical_id == logical_id:
                return a
        raise KeyError(logical_id)

    def tiers(self) -> tuple[str, ...]:
        """Tier names in template order (subnets without a tier are left out)."""
        seen: list[str] = []
        for s in self.subnets:
            if s.tier is not None and s.tier not in seen:
                seen.append(s.tier)
        return tuple(seen)

    def subnets_of(self, tier: str) -> tuple[Subnet, ...]:
        return tuple(s for s in self.subnets if s.tier == tier)

    def tier_kinds(self) -> dict[str, str | None]:
        """Tier -> public/private/isolated (None when the subnets do not say,
        or disagree)."""
        out: dict[str, str | None] = {}
        for t in self.tiers():
            kinds = {s.kind for s in self.subnets_of(t)}
            out[t] = kinds.pop() if len(kinds) == 1 else None
        return out

    def gateway_endpoint(self, service: str) -> tuple[GatewayEndpoint, ...]:
        return tuple(g for g in self.gateway_endpoints if g.service == service)

    def has_custom_acls(self) -> bool:
        return any(not a.default for a in self.network_acls)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def protocol_name(p: int | None) -> str:
    return {None: "unknown protocol", -1: "all traffic", 6: "TCP", 17: "UDP", 1: "ICMP",
            58: "ICMPv6"}.get(p, f"protocol {p}")


def az_display(az: str | None) -> str:
    if az is None or az == "unknown":
        return "AZ unknown"
    kind, _, value = az.partition(":")
    if kind == "index":
        return f"az{int(value) + 1}"
    return value


#: names this module held before the parser and the linker had their own
#: modules: old imports still resolve (lazily: the parser imports this module).
_MOVED = {
    "parse_protocol": "vpc_patterns.check.parser_base",
    "TAG_CDK_TYPE": "vpc_patterns.check.parser_base",
    "TAG_CDK_NAME": "vpc_patterns.check.parser_base",
    "build_models": "vpc_patterns.check.parser",
    "CrossLink": "vpc_patterns.check.linker",
    "LinkedModels": "vpc_patterns.check.linker",
    "build_linked": "vpc_patterns.check.linker",
    "build_all": "vpc_patterns.check.linker",
}


def __getattr__(name: str) -> Any:
    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
