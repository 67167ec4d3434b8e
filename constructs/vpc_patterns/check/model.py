"""The network of one VPC as data, built from a CloudFormation template.

:func:`build_models` reads a :class:`~.cfn.Template` and returns one
:class:`VpcModel` per ``AWS::EC2::VPC``: subnets (tier, AZ, CIDR), route
tables with every route and its target, network ACLs with their entries,
security groups with their rules, endpoints, NATs, gateways, VPN connections
and peerings. Values the template does not determine (unresolvable intrinsics)
are ``None`` and listed in ``notes``; nothing here raises on an odd template.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Iterator, Mapping, Sequence

from vpc_patterns.check.cfn import Export, ExportIndex, Resolver, Template, export_index
from vpc_patterns.check.ranges import ALL_PORTS, IntervalSet
from vpc_patterns.plan.naming import (
    METADATA_KEY,
    TAG_AZ,
    TAG_CDK_SUBNET_NAME,
    TAG_CDK_SUBNET_TYPE,
    TAG_NAT_INTERFACE,
    TAG_TIER,
)

# Tags the library puts on subnets (other templates may lack them) and the
# metadata key of the recorded intents: one home, vpc_patterns.plan.naming.
TAG_CDK_TYPE = TAG_CDK_SUBNET_TYPE
TAG_CDK_NAME = TAG_CDK_SUBNET_NAME

#: Logical ids of things CloudFormation creates implicitly.
MAIN_ROUTE_TABLE = "(main route table)"
DEFAULT_ACL = "(default network ACL)"
DEFAULT_SG = "(default security group)"
IMPLICIT_DENY = "*"

_CDK_KIND = {"public": "public", "private": "private", "isolated": "isolated"}
_PROTOCOL_NAMES = {"all": -1, "-1": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


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
    cidr: ipaddress.IPv4Network | None
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

    @property
    def label(self) -> str:
        bits = [b for b in (self.tier, self.az_label, str(self.cidr) if self.cidr else "CIDR unknown") if b]
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
    cidr: ipaddress.IPv4Network | None
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
        return IMPLICIT_DENY if self.rule_number is None and self.implicit else str(self.rule_number)

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
        ports = f" {self.ports.describe_ports()}" if self.ports is not None and self.protocol in (6, 17) else ""
        arrow = "to" if self.egress else "from"
        return f"{self.group} {'egress' if self.egress else 'ingress'}: {proto}{ports} {arrow} {self.peer_kind} {self.peer}"


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


@dataclass(frozen=True)
class NatInstance:
    """A NAT instance (or any appliance) a route targets: a network
    interface or an instance."""

    logical_id: str
    resource_type: str
    subnet: str | None
    az: str | None
    security_groups: tuple[str, ...] = ()
    source_dest_check: bool | None = None
    instance_type: str | None = None


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


def parse_protocol(res: Resolver, value: Any) -> int | None:
    s = res.string(value)
    if s is None:
        return None
    s = s.strip().lower()
    if s in _PROTOCOL_NAMES:
        return _PROTOCOL_NAMES[s]
    try:
        return int(s)
    except ValueError:
        return None


def _az_key(res: Resolver, props: Mapping[str, Any]) -> str:
    if "AvailabilityZoneId" in props:
        v = res.string(props["AvailabilityZoneId"])
        return f"id:{v}" if v else "unknown"
    az = props.get("AvailabilityZone")
    if az is None:
        return "unknown"
    literal = res.string(az)
    if literal is not None:
        return f"name:{literal}"
    if isinstance(az, Mapping) and len(az) == 1 and "Fn::Select" in az:
        v = az["Fn::Select"]
        if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 2:
            idx = res.integer(v[0])
            lst = v[1]
            if idx is not None and isinstance(lst, Mapping) and "Fn::GetAZs" in lst:
                return f"index:{idx}"
    return "unknown"


def _service_of(name: str) -> str | None:
    """``com.amazonaws.<region>.s3`` -> ``s3``."""
    last = name.rsplit(".", 1)[-1].strip()
    if "${" in last:
        return None
    return last or None


def _az_of(subnets: Mapping[str, Mapping[str, Any]], subnet: str | None) -> str | None:
    return subnets[subnet]["az"] if subnet is not None and subnet in subnets else None


def _kind_from_routes(tables: Sequence["RouteTable"], rt_id: str) -> str:
    """public (a default route to an internet gateway), private (to a NAT)
    or isolated, for subnets the template does not tag."""
    for rt in tables:
        if rt.logical_id != rt_id:
            continue
        kinds = {r.target.kind for r in rt.routes if r.cidr is not None and r.cidr.prefixlen == 0}
        if TargetKind.INTERNET_GATEWAY in kinds:
            return "public"
        if kinds & {TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE}:
            return "private"
    return "isolated"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _refs(res: Resolver, value: Any) -> tuple[list[str], int]:
    """Logical ids of a list of refs, and how many entries were not refs."""
    items = res.items(value)
    if items is None:
        return [], 1
    ids: list[str] = []
    missing = 0
    for i in items:
        r = res.ref(i)
        if r is None:
            missing += 1
        else:
            ids.append(r)
    return ids, missing


# ---------------------------------------------------------------------------
# Builder
# ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, template: Template, exports: ExportIndex | None = None) -> None:
        self.t = template
        self.r = Resolver(template, exports)
        self.exports = exports
        #: what build() found, reused by the cross-template pass
        self._parts: dict[str, Any] | None = None
        self.by_type: dict[str, list[str]] = defaultdict(list)
        for lid, res in template.resources.items():
            if isinstance(res, Mapping) and isinstance(res.get("Type"), str):
                self.by_type[res["Type"]].append(lid)
        self.notes: dict[str, list[str]] = defaultdict(list)  # vpc -> notes
        self.template_notes: list[str] = []

    # -- small helpers ----------------------------------------------------
    def of(self, type_: str) -> list[str]:
        return self.by_type.get(type_, [])

    def vpc_of(self, lid: str) -> str | None:
        v = self.r.ref(self.r.props(lid).get("VpcId"))
        return v if self.r.type_of(v) == "AWS::EC2::VPC" else None

    def note(self, vpc: str | None, text: str) -> None:
        if vpc is None:
            self.template_notes.append(text)
        else:
            self.notes[vpc].append(text)

    # -- build -------------------------------------------------------------
    def build(self) -> list[VpcModel]:
        vpcs = self.of("AWS::EC2::VPC")
        if not vpcs:
            return []
        subnet_vpc = {s: self.vpc_of(s) for s in self.of("AWS::EC2::Subnet")}
        for s, v in subnet_vpc.items():
            if v is None:
                self.template_notes.append(
                    f"subnet {s}: VpcId is not a VPC of this template; left out")
        cidrs = self._vpc_cidrs(vpcs)
        subnets_raw = {s: self._subnet_raw(s) for s, v in subnet_vpc.items() if v}
        gateways = self._gateways()
        nat_gw = self._nat_gateways(subnets_raw)
        nat_inst = self._nat_instances(subnets_raw)
        route_tables = self._route_tables(vpcs, subnet_vpc, subnets_raw, gateways, nat_gw, nat_inst)
        acls = self._acls(vpcs, subnet_vpc)
        sgs = self._security_groups()
        gw_eps, if_eps = self._endpoints()
        vpns = self._vpn_connections()
        peerings = self._peerings(cidrs)
        self._parts = {"gateways": gateways, "nat_gw": nat_gw, "nat_inst": nat_inst}

        models: list[VpcModel] = []
        for vpc in vpcs:
            subs = []
            for s, v in subnet_vpc.items():
                if v != vpc:
                    continue
                raw = subnets_raw[s]
                rt_id = route_tables["assoc"].get(s, MAIN_ROUTE_TABLE)
                kind, tier = raw["kind"], raw["tier"]
                if kind is None:
                    kind = _kind_from_routes(route_tables["tables"][vpc], rt_id)
                    tier = tier or kind
                    self.note(vpc, f"subnet {s} has no aws-cdk:subnet-type tag: taken as {kind} "
                                   f"(tier {tier}) from its routes")
                subs.append(Subnet(
                    logical_id=s, tier=tier, kind=kind, az=raw["az"],
                    az_label=raw["az_label"], cidr=raw["cidr"],
                    route_table=rt_id,
                    network_acl=acls["assoc"].get(s, DEFAULT_ACL),
                    name=raw["name"],
                ))
            rts = route_tables["tables"][vpc]
            vpc_acls = acls["acls"][vpc]
            meta = self.t.resources[vpc].get("Metadata")
            metadata = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
            vpc_sgs = tuple(sg for sg in sgs if (sg.vpc or self.vpc_of(sg.logical_id)) == vpc)
            models.append(VpcModel(
                template=self.t.path,
                template_name=self.t.name,
                logical_id=vpc,
                cidrs=tuple(cidrs[vpc]),
                name=self.r.tags(vpc).get("Name"),
                subnets=tuple(subs),
                route_tables=rts,
                network_acls=vpc_acls,
                security_groups=vpc_sgs,
                gateway_endpoints=tuple(g for g, v in gw_eps if v == vpc),
                interface_endpoints=tuple(g for g, v in if_eps if v == vpc),
                nat_gateways=tuple(n for n in nat_gw.values()
                                   if n.subnet and subnet_vpc.get(n.subnet) == vpc),
                nat_instances=tuple(n for n in nat_inst.values()
                                    if n.subnet and subnet_vpc.get(n.subnet) == vpc),
                gateways=tuple(g for g, vs in gateways.values() if vpc in vs or not vs),
                vpn_connections=tuple(c for c in vpns
                                      if c.gateway and vpc in gateways.get(c.gateway, (None, ()))[1]),
                peerings=tuple(p for p, v in peerings if v == vpc),
                metadata=metadata,
                notes=tuple(dict.fromkeys(self.notes[vpc] + self.template_notes)),
            ))
        return models

    def _vpc_cidrs(self, vpcs: list[str]) -> dict[str, list[ipaddress.IPv4Network]]:
        out: dict[str, list[ipaddress.IPv4Network]] = {}
        for v in vpcs:
            c = self.r.cidr(self.r.props(v).get("CidrBlock"))
            out[v] = [c] if c else []
            if c is None:
                self.note(v, "the VPC CIDR is not a literal (IPAM pool or intrinsic): local routes "
                             "cover an unknown range")
        for lid in self.of("AWS::EC2::VPCCidrBlock"):
            owner = self.vpc_of(lid)
            if owner is None:
                continue
            p = self.r.props(lid)
            if "Ipv6CidrBlock" in p or "AmazonProvidedIpv6CidrBlock" in p or "Ipv6IpamPoolId" in p:
                continue
            c = self.r.cidr(p.get("CidrBlock"))
            if c is None:
                self.note(owner, f"secondary CIDR {lid} is not a literal")
            else:
                out[owner].append(c)
        return out

    def _subnet_raw(self, s: str) -> dict[str, Any]:
        props = self.r.props(s)
        tags = self.r.tags(s)
        tier = tags.get(TAG_TIER) or tags.get(TAG_CDK_NAME)
        cdk_type = (tags.get(TAG_CDK_TYPE) or "").lower()
        az = _az_key(self.r, props)
        cidr = self.r.cidr(props.get("CidrBlock"))
        if cidr is None:
            self.note(self.vpc_of(s), f"subnet {s}: CIDR is not resolvable from the template")
        if az == "unknown":
            self.note(self.vpc_of(s), f"subnet {s}: AZ is not resolvable from the template")
        return {
            "tier": tier,
            "kind": _CDK_KIND.get(cdk_type),
            "az": az,
            "az_label": tags.get(TAG_AZ) or az_display(az),
            "cidr": cidr,
            "name": tags.get("Name"),
        }

    def _gateways(self) -> dict[str, tuple[Gateway, tuple[str, ...]]]:
        """gateway logical id -> (Gateway, VPCs it is attached to)."""
        attached: dict[str, set[str]] = defaultdict(set)
        for lid in self.of("AWS::EC2::VPCGatewayAttachment"):
            p = self.r.props(lid)
            v = self.vpc_of(lid)
            for key in ("InternetGatewayId", "VpnGatewayId"):
                g = self.r.ref(p.get(key))
                if g and v:
                    attached[g].add(v)
        for lid in self.of("AWS::EC2::TransitGatewayAttachment") + \
                self.of("AWS::EC2::TransitGatewayVpcAttachment"):
            g = self.r.ref(self.r.props(lid).get("TransitGatewayId"))
            v = self.vpc_of(lid)
            if g and v:
                attached[g].add(v)
        out: dict[str, tuple[Gateway, tuple[str, ...]]] = {}
        for type_, kind in (("AWS::EC2::InternetGateway", TargetKind.INTERNET_GATEWAY),
                            ("AWS::EC2::VPNGateway", TargetKind.VPN_GATEWAY),
                            ("AWS::EC2::TransitGateway", TargetKind.TRANSIT_GATEWAY)):
            for lid in self.of(type_):
                asn = self.r.integer(self.r.props(lid).get("AmazonSideAsn"))
                vs = tuple(sorted(attached.get(lid, ())))
                out[lid] = (Gateway(lid, kind, bool(vs), asn), vs)
        for lid in self.of("AWS::EC2::EgressOnlyInternetGateway"):
            v = self.vpc_of(lid)
            out[lid] = (Gateway(lid, TargetKind.EGRESS_ONLY_IGW, v is not None), (v,) if v else ())
        return out

    def _nat_gateways(self, subnets: Mapping[str, Mapping[str, Any]]) -> dict[str, NatGateway]:
        out: dict[str, NatGateway] = {}
        for lid in self.of("AWS::EC2::NatGateway"):
            p = self.r.props(lid)
            sub = self.r.ref(p.get("SubnetId"))
            ctype = (self.r.string(p.get("ConnectivityType")) or "public").lower()
            out[lid] = NatGateway(lid, sub, _az_of(subnets, sub),
                                  private=ctype == "private")
        return out

    def _nat_instances(self, subnets: Mapping[str, Mapping[str, Any]]) -> dict[str, NatInstance]:
        # instance types of self-healing NAT groups, by the interface tag they share
        types_by_tag: dict[str, str] = {}
        for asg in self.of("AWS::AutoScaling::AutoScalingGroup"):
            tag = self.r.tags(asg).get(TAG_NAT_INTERFACE)
            lt = self.r.ref(_mapping(self.r.props(asg).get("LaunchTemplate")).get("LaunchTemplateId"))
            if tag and lt:
                itype = self.r.string(
                    _mapping(self.r.props(lt).get("LaunchTemplateData")).get("InstanceType"))
                if itype:
                    types_by_tag[tag] = itype
        out: dict[str, NatInstance] = {}
        for lid in self.of("AWS::EC2::NetworkInterface"):
            p = self.r.props(lid)
            sub = self.r.ref(p.get("SubnetId"))
            groups, _ = _refs(self.r, p.get("GroupSet"))
            tag = self.r.tags(lid).get(TAG_NAT_INTERFACE)
            out[lid] = NatInstance(
                lid, "AWS::EC2::NetworkInterface", sub,
                _az_of(subnets, sub), tuple(groups),
                self.r.boolean(p.get("SourceDestCheck")),
                types_by_tag.get(tag) if tag else None,
            )
        for lid in self.of("AWS::EC2::Instance"):
            p = self.r.props(lid)
            sub = self.r.ref(p.get("SubnetId"))
            nis = self.r.items(p.get("NetworkInterfaces")) or []
            groups, _ = _refs(self.r, p.get("SecurityGroupIds"))
            for ni in nis:
                if isinstance(ni, Mapping) and str(ni.get("DeviceIndex", "0")) == "0":
                    sub = sub or self.r.ref(ni.get("SubnetId"))
                    more, _ = _refs(self.r, ni.get("GroupSet"))
                    groups += more
            out[lid] = NatInstance(
                lid, "AWS::EC2::Instance", sub, _az_of(subnets, sub),
                tuple(groups), self.r.boolean(p.get("SourceDestCheck")),
                self.r.string(p.get("InstanceType")),
            )
        return out

    def _target(self, props: Mapping[str, Any], gateways: Mapping[str, tuple[Gateway, tuple[str, ...]]],
                nat_gw: Mapping[str, NatGateway], nat_inst: Mapping[str, NatInstance],
                vpc: str, owner: str | None = None) -> Target:
        """The target of a route. ``owner``: path of the template whose route
        table holds the route (default: this one); an ``Fn::ImportValue`` of a
        resource of a loaded template is named ``<template>/<logical id>``
        unless that template is the owner."""
        keys = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "InstanceId",
                "VpcPeeringConnectionId", "TransitGatewayId", "VpcEndpointId",
                "EgressOnlyInternetGatewayId", "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn")
        present = [k for k in keys if k in props]
        if not present:
            return Target(TargetKind.UNKNOWN, "(no target)")
        key = present[0]
        value = props[key]
        lid = self.r.ref(value)
        literal = self.r.string(value)
        rtype = self.r.type_of(lid)
        ref = lid or literal or json.dumps(value, sort_keys=True)
        exp = self.r.imported(value) if lid is None else None
        if exp is not None and exp.logical_id is not None:
            rtype = exp.resource_type
            owner_path = self.t.path if owner is None else owner
            ref = exp.logical_id if exp.template.path == owner_path \
                else f"{exp.template.name}/{exp.logical_id}"
        if key in ("CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn"):
            return Target(TargetKind.OTHER, ref, rtype)
        if key == "GatewayId":
            if rtype == "AWS::EC2::InternetGateway" or (literal or "").startswith("igw-"):
                att = vpc in gateways[lid][1] if lid is not None and lid in gateways else True
                return Target(TargetKind.INTERNET_GATEWAY, ref, rtype, attached=att)
            if rtype == "AWS::EC2::VPNGateway" or (literal or "").startswith("vgw-"):
                att = vpc in gateways[lid][1] if lid is not None and lid in gateways else True
                return Target(TargetKind.VPN_GATEWAY, ref, rtype, attached=att)
            if literal == "local":
                return Target(TargetKind.LOCAL, "")
            return Target(TargetKind.UNKNOWN, ref, rtype)
        if key == "NatGatewayId":
            n = nat_gw.get(lid or "")
            if n is not None:
                return Target(TargetKind.NAT_GATEWAY, ref, rtype, subnet=n.subnet, az=n.az,
                              private_nat=n.private)
            return Target(TargetKind.NAT_GATEWAY if (literal or "").startswith("nat-")
                          or rtype == "AWS::EC2::NatGateway" else TargetKind.UNKNOWN, ref, rtype)
        if key in ("NetworkInterfaceId", "InstanceId"):
            n2 = nat_inst.get(lid or "")
            if n2 is not None:
                return Target(TargetKind.NAT_INSTANCE, ref, rtype, subnet=n2.subnet, az=n2.az,
                              security_groups=n2.security_groups)
            return Target(TargetKind.NAT_INSTANCE if literal or rtype in (
                "AWS::EC2::NetworkInterface", "AWS::EC2::Instance") else TargetKind.UNKNOWN,
                ref, rtype)
        if key == "EgressOnlyInternetGatewayId":
            return Target(TargetKind.EGRESS_ONLY_IGW, ref, rtype)
        kind = {"VpcPeeringConnectionId": TargetKind.PEERING,
                "TransitGatewayId": TargetKind.TRANSIT_GATEWAY,
                "VpcEndpointId": TargetKind.VPC_ENDPOINT}[key]
        return Target(kind, ref, rtype)

    def _route_tables(self, vpcs: list[str], subnet_vpc: Mapping[str, str | None],
                      subnets: Mapping[str, Mapping[str, Any]],
                      gateways: Mapping[str, tuple[Gateway, tuple[str, ...]]],
                      nat_gw: Mapping[str, NatGateway], nat_inst: Mapping[str, NatInstance]) -> dict[str, Any]:
        rt_vpc = {rt: self.vpc_of(rt) for rt in self.of("AWS::EC2::RouteTable")}
        assoc: dict[str, str] = {}
        for lid in self.of("AWS::EC2::SubnetRouteTableAssociation"):
            p = self.r.props(lid)
            s, rt = self.r.ref(p.get("SubnetId")), self.r.ref(p.get("RouteTableId"))
            if rt not in rt_vpc:
                rt = None
            if s is not None and rt is not None and rt_vpc[rt] != subnet_vpc.get(s):
                if rt_vpc[rt] is None and subnet_vpc.get(s):
                    rt_vpc[rt] = subnet_vpc[s]
                    self.note(subnet_vpc[s], f"route table {rt}: VpcId is not resolvable; taken "
                                             f"to be the VPC of its subnet {s}")
                else:
                    self.note(subnet_vpc.get(s), f"route table association {lid}: route table {rt} "
                                                 "is not in the subnet's VPC; ignored")
                    continue
            if s is None or rt is None:
                self.note(subnet_vpc.get(s or ""), f"route table association {lid}: subnet or route "
                                                   "table is not a resource of this template")
                continue
            if s in assoc:
                self.note(subnet_vpc.get(s), f"subnet {s} has several route table associations "
                                             f"({assoc[s]}, {rt}); CloudFormation refuses that")
            assoc[s] = rt
        routes: dict[str, list[Route]] = defaultdict(list)
        vpc_cidrs = {v: self._vpc_cidrs_quiet(v) for v in vpcs}
        for lid in self.of("AWS::EC2::Route"):
            p = self.r.props(lid)
            rt = self.r.ref(p.get("RouteTableId"))
            if rt is None or rt not in rt_vpc:
                exp = self.r.imported(p.get("RouteTableId")) if self.exports is not None else None
                if exp is not None and exp.logical_id is not None:
                    # a route table of another loaded template: see cross_routes()
                    self.template_notes.append(
                        f"route {lid}: its route table is not a resource of this template: "
                        f"Fn::ImportValue of {exp.template.name}/{exp.logical_id}, analysed with "
                        f"the VPCs of {exp.template.name}")
                    continue
                if self.exports is not None and self.r.is_import(p.get("RouteTableId")):
                    self.template_notes.append(
                        f"route {lid}: its route table is an import the loaded templates do not "
                        f"resolve ({self.r.import_problem(p.get('RouteTableId'))}); left out")
                    continue
                self.template_notes.append(f"route {lid}: its route table is not a resource of this "
                                           "template; left out")
                continue
            vpc = rt_vpc[rt] or ""
            target = self._target(p, gateways, nat_gw, nat_inst, vpc)
            route, vpc_notes = self._route(lid, rt, p, target)
            for n in vpc_notes:
                self.note(rt_vpc[rt], n)
            routes[rt].append(route)
        # gateway endpoints add a prefix-list route to each route table they name
        for lid in self.of("AWS::EC2::VPCEndpoint"):
            p = self.r.props(lid)
            etype = (self.r.string(p.get("VpcEndpointType")) or "Gateway").lower()
            if etype != "gateway":
                continue
            service = _service_of(self.r.text(p.get("ServiceName")))
            ids, _ = _refs(self.r, p.get("RouteTableIds"))
            for rt in ids:
                if rt in rt_vpc:
                    routes[rt].append(Route(
                        f"({service or 'unknown service'} endpoint {lid})", rt,
                        f"prefix-list:{service or '?'}", None,
                        Target(TargetKind.GATEWAY_ENDPOINT, lid, "AWS::EC2::VPCEndpoint",
                               service=service),
                        origin="endpoint", prefix_list=service))
        # VPN gateway route propagation
        propagating: dict[str, list[str]] = defaultdict(list)
        for lid in self.of("AWS::EC2::VPNGatewayRoutePropagation"):
            p = self.r.props(lid)
            g = self.r.ref(p.get("VpnGatewayId")) or self.r.text(p.get("VpnGatewayId"))
            ids, missing = _refs(self.r, p.get("RouteTableIds"))
            if missing:
                self.template_notes.append(f"route propagation {lid}: {missing} route table(s) not "
                                           "in this template")
            for rt in ids:
                propagating[rt].append(g)
        conns = self._vpn_connections()
        tables: dict[str, list[RouteTable]] = defaultdict(list)
        for rt, owner in rt_vpc.items():
            if owner is None:
                self.template_notes.append(f"route table {rt}: VpcId is not a VPC of this template")
                continue
            vpc = owner
            rlist = [Route("(local)", rt, str(c), c, Target(TargetKind.LOCAL, ""), origin="local")
                     for c in vpc_cidrs[vpc]]
            rlist += routes.get(rt, [])
            dynamic = False
            for g in propagating.get(rt, []):
                gconns = [c for c in conns if c.gateway == g]
                if not gconns or any(c.static_routes_only is not True for c in gconns):
                    dynamic = True
                gw = gateways.get(g)
                att = vpc in gw[1] if gw else True
                for c in gconns:
                    for dest in c.static_routes:
                        cidr = self.r.cidr(dest)
                        rlist.append(Route(f"(propagated from {g} via {c.logical_id})", rt,
                                           dest, cidr,
                                           Target(TargetKind.VPN_GATEWAY, g, "AWS::EC2::VPNGateway",
                                                  attached=att),
                                           origin="propagated"))
            tier = self.r.tags(rt).get(TAG_TIER)
            tables[vpc].append(RouteTable(
                rt, tuple(rlist), tuple(s for s, t in assoc.items() if t == rt), tier,
                propagating_gateways=tuple(propagating.get(rt, [])), dynamic_propagation=dynamic,
            ))
        out_tables: dict[str, tuple[RouteTable, ...]] = {}
        for vpc in vpcs:
            lst = tables.get(vpc, [])
            orphans = tuple(s for s, v in subnet_vpc.items() if v == vpc and s not in assoc)
            if orphans:
                lst.append(RouteTable(
                    MAIN_ROUTE_TABLE,
                    tuple(Route("(local)", MAIN_ROUTE_TABLE, str(c), c, Target(TargetKind.LOCAL, ""),
                                origin="local") for c in vpc_cidrs[vpc]),
                    orphans, implicit=True))
                self.note(vpc, "subnets without a route table association use the main route "
                               f"table, assumed to hold only the local route: {', '.join(orphans)}")
            out_tables[vpc] = tuple(lst)
        return {"assoc": assoc, "tables": out_tables}

    def _route(self, name: str, rt: str, p: Mapping[str, Any], target: Target,
               extra_notes: tuple[str, ...] = ()) -> tuple[Route, list[str]]:
        """One AWS::EC2::Route as a :class:`Route`, and the notes for its VPC."""
        if "DestinationIpv6CidrBlock" in p:
            return Route(name, rt, self.r.text(p["DestinationIpv6CidrBlock"]), None,
                         target, ipv6=True, notes=extra_notes), []
        if "DestinationPrefixListId" in p:
            pl = self.r.text(p["DestinationPrefixListId"])
            return Route(name, rt, f"prefix-list:{pl}", None, target, prefix_list=pl,
                         notes=extra_notes), []
        notes: list[str] = []
        vpc_notes: list[str] = []
        cidr = self.r.cidr(p.get("DestinationCidrBlock"))
        if cidr is None:
            notes.append("destination is not resolvable from the template")
            vpc_notes.append(f"route {name}: destination is not resolvable")
        if target.kind is TargetKind.UNKNOWN:
            vpc_notes.append(f"route {name}: target {target.ref} is not resolvable")
        return Route(name, rt, str(cidr) if cidr else "unknown", cidr, target,
                     notes=tuple(notes) + extra_notes), vpc_notes

    def _vpc_cidrs_quiet(self, vpc: str) -> list[ipaddress.IPv4Network]:
        out = []
        c = self.r.cidr(self.r.props(vpc).get("CidrBlock"))
        if c:
            out.append(c)
        for lid in self.of("AWS::EC2::VPCCidrBlock"):
            if self.vpc_of(lid) == vpc:
                c2 = self.r.cidr(self.r.props(lid).get("CidrBlock"))
                if c2:
                    out.append(c2)
        return out

    def _acl_ref(self, value: Any) -> str | None:
        """An ACL logical id, or DEFAULT_ACL@vpc for GetAtt VPC.DefaultNetworkAcl."""
        if isinstance(value, Mapping) and "Fn::GetAtt" in value:
            v = value["Fn::GetAtt"]
            if isinstance(v, str):
                v = v.split(".", 1)
            if isinstance(v, Sequence) and len(v) == 2 and v[1] == "DefaultNetworkAcl" \
                    and self.r.type_of(v[0]) == "AWS::EC2::VPC":
                return f"{DEFAULT_ACL}@{v[0]}"
        lid = self.r.ref(value)
        return lid if self.r.type_of(lid) == "AWS::EC2::NetworkAcl" else None

    def _acls(self, vpcs: list[str], subnet_vpc: Mapping[str, str | None]) -> dict[str, Any]:
        acl_vpc: dict[str, str | None] = {a: self.vpc_of(a) for a in self.of("AWS::EC2::NetworkAcl")}
        assoc: dict[str, str] = {}
        for lid in self.of("AWS::EC2::SubnetNetworkAclAssociation"):
            p = self.r.props(lid)
            s = self.r.ref(p.get("SubnetId"))
            a = self._acl_ref(p.get("NetworkAclId"))
            if s is None or a is None:
                self.template_notes.append(f"ACL association {lid}: subnet or ACL is not a resource "
                                           "of this template; left out")
                continue
            if a.startswith(DEFAULT_ACL):
                continue  # associating with the default ACL is what no association means
            if acl_vpc.get(a) != subnet_vpc.get(s):
                if acl_vpc.get(a) is None and subnet_vpc.get(s):
                    acl_vpc[a] = subnet_vpc[s]
                    self.note(subnet_vpc[s], f"network ACL {a}: VpcId is not resolvable; taken to "
                                             f"be the VPC of its subnet {s}")
                else:
                    self.note(subnet_vpc.get(s), f"ACL association {lid}: ACL {a} is not in the "
                                                 "subnet's VPC; ignored")
                    continue
            assoc[s] = a
        entries: dict[str, list[AclEntry]] = defaultdict(list)
        for lid in self.of("AWS::EC2::NetworkAclEntry"):
            p = self.r.props(lid)
            a = self._acl_ref(p.get("NetworkAclId"))
            if a is None:
                self.template_notes.append(f"ACL entry {lid}: its ACL is not a resource of this "
                                           "template; left out")
                continue
            name = DEFAULT_ACL if a.startswith(DEFAULT_ACL) else a
            entries[a].append(self._acl_entry(lid, name, p, self._reply_flag(lid)))
        out: dict[str, list[NetworkAcl]] = defaultdict(list)
        for a, vpc in acl_vpc.items():
            if vpc is None:
                self.template_notes.append(f"network ACL {a}: VpcId is not a VPC of this template")
                continue
            ents = entries.get(a, [])
            self._check_duplicates(vpc, a, ents)
            out[vpc].append(NetworkAcl(a, tuple(ents), tuple(s for s, x in assoc.items() if x == a)))
        for vpc in vpcs:
            users = tuple(s for s, v in subnet_vpc.items() if v == vpc and s not in assoc)
            extra = entries.get(f"{DEFAULT_ACL}@{vpc}", [])
            default_entries = [
                AclEntry(f"{DEFAULT_ACL} rule 100 {d}", DEFAULT_ACL, 100, -1, None,
                         ipaddress.IPv4Network("0.0.0.0/0"), egress=eg, allow=True, implicit=True)
                for eg, d in ((False, "ingress"), (True, "egress"))
            ]
            out[vpc].append(NetworkAcl(DEFAULT_ACL, tuple(default_entries + extra), users,
                                       default=True))
        return {"assoc": assoc, "acls": {v: tuple(out.get(v, ())) for v in vpcs}}

    def _check_duplicates(self, vpc: str, acl: str, ents: list[AclEntry]) -> None:
        seen: dict[tuple[bool, int], str] = {}
        for e in ents:
            if e.rule_number is None:
                continue
            key = (e.egress, e.rule_number)
            if key in seen:
                self.note(vpc, f"network ACL {acl}: entries {seen[key]} and {e.logical_id} share "
                               f"{'egress' if e.egress else 'ingress'} rule {e.rule_number}; "
                               "CloudFormation refuses that")
            seen[key] = e.logical_id

    def _reply_flag(self, lid: str) -> bool | None:
        meta = _mapping(_mapping(self.t.resources.get(lid)).get("Metadata")).get(METADATA_KEY)
        flag = _mapping(meta).get("reply")
        return flag if isinstance(flag, bool) else None

    def _acl_entry(self, lid: str, acl: str, p: Mapping[str, Any], reply: bool | None) -> AclEntry:
        uncertain: list[str] = []
        rule = self.r.integer(p.get("RuleNumber"))
        if rule is None:
            uncertain.append("rule number unknown")
        proto = parse_protocol(self.r, p.get("Protocol"))
        if proto is None:
            uncertain.append("protocol unknown")
        action = (self.r.string(p.get("RuleAction")) or "").lower()
        allow = {"allow": True, "deny": False}.get(action)
        if allow is None:
            uncertain.append("rule action unknown")
        egress = self.r.boolean(p.get("Egress", False))
        if egress is None:
            uncertain.append("direction unknown")
            egress = False
        ipv6 = "Ipv6CidrBlock" in p and "CidrBlock" not in p
        cidr = None
        if not ipv6:
            cidr = self.r.cidr(p.get("CidrBlock"))
            if cidr is None:
                uncertain.append("CIDR unknown")
        ports: IntervalSet | None = None
        if proto in (6, 17):
            pr = p.get("PortRange")
            if isinstance(pr, Mapping):
                lo, hi = self.r.integer(pr.get("From")), self.r.integer(pr.get("To"))
                if lo is None or hi is None:
                    uncertain.append("port range unknown")
                    ports = ALL_PORTS
                else:
                    ports = IntervalSet.of((lo, hi)) & ALL_PORTS
            else:
                ports = ALL_PORTS
        return AclEntry(lid, acl, rule, proto, ports, cidr, egress, allow, ipv6=ipv6,
                        uncertain="; ".join(uncertain), reply=reply)

    def _sg_rule(self, lid: str, group: str, egress: bool, p: Mapping[str, Any]) -> SgRule:
        proto = parse_protocol(self.r, p.get("IpProtocol"))
        ports: IntervalSet | None = None
        if proto in (6, 17):
            lo, hi = self.r.integer(p.get("FromPort")), self.r.integer(p.get("ToPort"))
            ports = ALL_PORTS if lo is None or hi is None or lo < 0 else IntervalSet.of((lo, hi))
        side = "Destination" if egress else "Source"
        if "CidrIp" in p:
            kind, peer = "cidr", self.r.text(p["CidrIp"])
        elif "CidrIpv6" in p:
            kind, peer = "cidr6", self.r.text(p["CidrIpv6"])
        elif f"{side}PrefixListId" in p:
            kind, peer = "prefix-list", self.r.text(p[f"{side}PrefixListId"])
        elif f"{side}SecurityGroupId" in p or "SourceSecurityGroupName" in p:
            v = p.get(f"{side}SecurityGroupId", p.get("SourceSecurityGroupName"))
            kind, peer = "security-group", self.r.ref(v) or self.r.text(v)
        else:
            kind, peer = "unknown", "?"
        return SgRule(lid, group, egress, proto, ports, kind, peer,
                      self.r.string(p.get("Description")) or "")

    def _security_groups(self) -> list[SecurityGroup]:
        rules: dict[str, list[SgRule]] = defaultdict(list)
        for type_, egress in (("AWS::EC2::SecurityGroupIngress", False),
                              ("AWS::EC2::SecurityGroupEgress", True)):
            for lid in self.of(type_):
                p = self.r.props(lid)
                g = self.r.ref(p.get("GroupId"))
                if g is not None and self.r.type_of(g) == "AWS::EC2::VPC":
                    g = f"{DEFAULT_SG}@{g}"  # GetAtt <VPC>.DefaultSecurityGroup
                if g is None:
                    self.template_notes.append(f"{lid}: security group is not a resource of this "
                                               "template; left out")
                    continue
                rules[g].append(self._sg_rule(lid, g, egress, p))
        out: list[SecurityGroup] = []
        for lid in self.of("AWS::EC2::SecurityGroup"):
            p = self.r.props(lid)
            inline: list[SgRule] = []
            for key, egress in (("SecurityGroupIngress", False), ("SecurityGroupEgress", True)):
                for i, rule in enumerate(self.r.items(p.get(key)) or []):
                    if isinstance(rule, Mapping):
                        inline.append(self._sg_rule(f"{lid}.{key}[{i}]", lid, egress, rule))
            if "SecurityGroupEgress" not in p and not any(r.egress for r in rules.get(lid, [])):
                inline.append(SgRule(f"{lid} (default egress)", lid, True, -1, None, "cidr",
                                     "0.0.0.0/0", "CloudFormation's default: all outbound"))
            out.append(SecurityGroup(lid, self.r.string(p.get("GroupDescription")) or "",
                                     tuple(inline + rules.get(lid, [])),
                                     self.r.string(p.get("GroupName")) or self.r.tags(lid).get("Name")))
        for key, extra in rules.items():
            if key.startswith(f"{DEFAULT_SG}@"):
                vpc = key.split("@", 1)[1]
                fixed = tuple(SgRule(r.logical_id, DEFAULT_SG, r.egress, r.protocol, r.ports,
                                     r.peer_kind, r.peer, r.description) for r in extra)
                out.append(SecurityGroup(key, "the VPC's default security group (rules added by "
                                              "the template)", fixed, vpc=vpc))
        return out

    def _endpoints(self) -> tuple[list[tuple[GatewayEndpoint, str | None]],
                                  list[tuple[InterfaceEndpoint, str | None]]]:
        gw: list[tuple[GatewayEndpoint, str | None]] = []
        itf: list[tuple[InterfaceEndpoint, str | None]] = []
        for lid in self.of("AWS::EC2::VPCEndpoint"):
            p = self.r.props(lid)
            etype = (self.r.string(p.get("VpcEndpointType")) or "Gateway").lower()
            name = self.r.text(p.get("ServiceName"))
            service = _service_of(name)
            vpc = self.vpc_of(lid)
            if service is None:
                self.note(vpc, f"endpoint {lid}: service name {name!r} is not resolvable")
            if etype == "gateway":
                ids, missing = _refs(self.r, p.get("RouteTableIds"))
                gw.append((GatewayEndpoint(lid, service, name, tuple(ids), missing), vpc))
            elif etype == "interface":
                subs, _ = _refs(self.r, p.get("SubnetIds"))
                sgs, _ = _refs(self.r, p.get("SecurityGroupIds"))
                itf.append((InterfaceEndpoint(lid, service, name, tuple(subs), tuple(sgs),
                                              self.r.boolean(p.get("PrivateDnsEnabled"))), vpc))
        return gw, itf

    def _vpn_connections(self) -> list[VpnConnection]:
        static: dict[str, list[str]] = defaultdict(list)
        for lid in self.of("AWS::EC2::VPNConnectionRoute"):
            p = self.r.props(lid)
            c = self.r.ref(p.get("VpnConnectionId"))
            if c:
                static[c].append(self.r.text(p.get("DestinationCidrBlock")))
        out = []
        for lid in self.of("AWS::EC2::VPNConnection"):
            p = self.r.props(lid)
            out.append(VpnConnection(
                lid, self.r.ref(p.get("VpnGatewayId")) or self.r.ref(p.get("TransitGatewayId")),
                self.r.ref(p.get("CustomerGatewayId")),
                self.r.boolean(p.get("StaticRoutesOnly", False)), tuple(static.get(lid, [])),
            ))
        return out

    def _peerings(self, cidrs: Mapping[str, list[ipaddress.IPv4Network]]) -> list[tuple[Peering, str | None]]:
        out: list[tuple[Peering, str | None]] = []
        for lid in self.of("AWS::EC2::VPCPeeringConnection"):
            p = self.r.props(lid)
            if self._peering_sides(lid) is not None:
                continue  # a VPC of another loaded template: see cross_peerings()
            peer_ref = self.r.ref(p.get("PeerVpcId"))
            peer_cidrs = tuple(str(c) for c in cidrs.get(peer_ref or "", []))
            peer_text = self.r.text(p.get("PeerVpcId"))
            if self.exports is not None and self.r.is_import(p.get("PeerVpcId")):
                peer_text = f"(unresolved import {self.r.import_name(p.get('PeerVpcId')) or '?'})"
                self.note(self.vpc_of(lid), f"peering connection {lid}: PeerVpcId: "
                                            f"{self.r.import_problem(p.get('PeerVpcId'))}")
            peer = Peering(lid, peer_ref or peer_text, peer_cidrs,
                           self.r.string(p.get("PeerOwnerId")), self.r.string(p.get("PeerRegion")))
            out.append((peer, self.vpc_of(lid)))
            if peer_ref and self.r.type_of(peer_ref) == "AWS::EC2::VPC":
                own = tuple(str(c) for c in cidrs.get(self.vpc_of(lid) or "", []))
                out.append((Peering(lid, self.vpc_of(lid) or "?", own), peer_ref))
        return out


    # -- across templates ----------------------------------------------------
    def _side(self, value: Any) -> tuple[str, str, str] | None:
        """(template path, template name, VPC logical id) of a VpcId: a VPC
        of this template or, through Fn::ImportValue, of another loaded one."""
        lid = self.r.ref(value)
        if lid is not None:
            return (self.t.path, self.t.name, lid) if self.r.type_of(lid) == "AWS::EC2::VPC" else None
        exp = self.r.imported(value)
        if exp is not None and exp.logical_id is not None \
                and exp.resource_type == "AWS::EC2::VPC":
            return exp.template.path, exp.template.name, exp.logical_id
        return None

    def _peering_sides(self, lid: str) -> tuple[tuple[str, str, str] | None, ...] | None:
        """Both sides of a peering connection when one is a VPC of another
        loaded template (None otherwise: build() handles it alone)."""
        if self.exports is None:
            return None
        p = self.r.props(lid)
        sides = (self._side(p.get("VpcId")), self._side(p.get("PeerVpcId")))
        if any(s is not None and s[0] != self.t.path for s in sides):
            return sides
        return None

    def cross_routes(self) -> Iterator[tuple[str, Mapping[str, Any], Export]]:
        """Routes whose route table is imported from another loaded template."""
        for lid in self.of("AWS::EC2::Route"):
            p = self.r.props(lid)
            exp = self.r.imported(p.get("RouteTableId"))
            if exp is not None and exp.logical_id is not None:
                yield lid, p, exp

    def cross_route(self, lid: str, p: Mapping[str, Any], owner: VpcModel,
                    rt: str) -> tuple[Route, list[str]]:
        """A route of this template for route table ``rt`` of ``owner`` (a
        VPC of another template): its id and this template's resources are
        named ``<template>/<logical id>``."""
        parts = self._parts or {"gateways": self._gateways(), "nat_gw": self._nat_gateways({}),
                                "nat_inst": self._nat_instances({})}
        self._parts = parts
        target = self._target(p, parts["gateways"], parts["nat_gw"], parts["nat_inst"], "",
                              owner=owner.template)
        own = self.t.resources

        def qualify(x: str) -> str:
            return f"{self.t.name}/{x}" if x in own else x

        target = dataclasses.replace(
            target, ref=qualify(target.ref),
            subnet=qualify(target.subnet) if target.subnet else target.subnet,
            security_groups=tuple(qualify(g) for g in target.security_groups))
        if target.kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE) and target.subnet is None:
            # an imported NAT of the owner's template: its subnet and AZ are known there
            n = next((x for x in owner.nat_gateways if x.logical_id == target.ref), None)
            ni = next((x for x in owner.nat_instances if x.logical_id == target.ref), None)
            if n is not None:
                target = dataclasses.replace(target, kind=TargetKind.NAT_GATEWAY, subnet=n.subnet,
                                             az=n.az, private_nat=n.private)
            elif ni is not None:
                target = dataclasses.replace(target, kind=TargetKind.NAT_INSTANCE, subnet=ni.subnet,
                                             az=ni.az, security_groups=ni.security_groups)
        return self._route(f"{self.t.name}/{lid}", rt, p, target,
                           (f"from template {self.t.name}",))

    def cross_peerings(self) -> Iterator[tuple[str, tuple[tuple[str, str, str] | None, ...]]]:
        for lid in self.of("AWS::EC2::VPCPeeringConnection"):
            sides = self._peering_sides(lid)
            if sides is not None:
                yield lid, sides

    def cross_unresolved(self) -> list[tuple[str, str]]:
        """Imports of route tables or VPCs that no loaded template resolves
        (for a template without VPC, whose notes no model carries)."""
        out: list[tuple[str, str]] = []
        if self.exports is None:
            return out
        checks = (("AWS::EC2::Route", "RouteTableId", "route"),
                  ("AWS::EC2::VPCPeeringConnection", "VpcId", "peering connection"),
                  ("AWS::EC2::VPCPeeringConnection", "PeerVpcId", "peering connection"))
        for type_, key, what in checks:
            for lid in self.of(type_):
                value = self.r.props(lid).get(key)
                if not self.r.is_import(value):
                    continue
                exp = self.r.imported(value)
                if exp is None or exp.logical_id is None:
                    out.append((lid, f"{what} {lid}: {key}: {self.r.import_problem(value)}"))
                elif exp.resource_type != {"RouteTableId": "AWS::EC2::RouteTable"}.get(
                        key, "AWS::EC2::VPC"):
                    text = (f"{what} {lid}: {key}: Fn::ImportValue {exp.name!r} is "
                            f"{exp.resource_type} {exp.template.name}/{exp.logical_id}")
                    out.append((lid, text))
        return out

    def peering_props(self, lid: str) -> tuple[str | None, str | None]:
        p = self.r.props(lid)
        return self.r.string(p.get("PeerOwnerId")), self.r.string(p.get("PeerRegion"))

    def side_text(self, lid: str, key: str) -> str:
        value = self.r.props(lid).get(key)
        if self.r.is_import(value):
            return f"(unresolved import {self.r.import_name(value) or '?'})"
        return self.r.text(value)


def build_models(template: Template) -> list[VpcModel]:
    """One :class:`VpcModel` per VPC of ``template`` (none if it has no VPC),
    from that template alone (``Fn::ImportValue`` stays unresolved)."""
    return _Builder(template).build()


@dataclass(frozen=True)
class CrossLink:
    """A resource of one template attached to (or meant for) a VPC of
    another loaded template through ``Fn::ImportValue``."""

    #: path and name of the template holding the resource
    template: str
    template_name: str
    resource: str
    #: route | peering | unresolved
    kind: str
    #: :attr:`VpcModel.key` of the VPC it joined (None: not resolved)
    vpc: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "stack": self.template_name,
                "resource": self.resource, "kind": self.kind, "vpc": self.vpc, "text": self.text}


@dataclass(frozen=True)
class LinkedModels:
    """The VPCs of templates read together, with what each template adds
    to the VPCs of the others."""

    models: tuple[VpcModel, ...]
    #: template path -> its own VPCs (every template read, in order)
    by_template: Mapping[str, tuple[VpcModel, ...]]
    links: tuple[CrossLink, ...] = ()

    def links_from(self, template_path: str) -> tuple[CrossLink, ...]:
        return tuple(x for x in self.links if x.template == template_path)

    def merged_into(self, template_path: str) -> tuple[str, ...]:
        """Keys of the VPCs the template's resources joined."""
        return tuple(dict.fromkeys(x.vpc for x in self.links_from(template_path) if x.vpc))


def build_linked(templates: Iterable[Template]) -> LinkedModels:
    """Every VPC of ``templates``, with ``Fn::ImportValue`` resolved against
    the exports of the others: a route for an imported route table joins that
    table (id ``<template>/<logical id>``, noted with its template); a peering
    connection between VPCs of loaded templates appears on both sides with the
    peer's CIDRs. Unresolvable imports stay unknown, as in one template."""
    unique: dict[str, Template] = {}
    order: list[Template] = []
    for t in templates:
        order.append(t)
        unique.setdefault(t.path, t)
    index = export_index(unique.values())
    builders = {path: _Builder(t, index) for path, t in unique.items()}
    own: dict[str, list[VpcModel]] = {path: b.build() for path, b in builders.items()}
    by_key: dict[tuple[str, str], VpcModel] = {
        (m.template, m.logical_id): m for ms in own.values() for m in ms}

    add_routes: dict[tuple[str, str], dict[str, list[Route]]] = defaultdict(lambda: defaultdict(list))
    add_peerings: dict[tuple[str, str], list[Peering]] = defaultdict(list)
    add_notes: dict[tuple[str, str], list[str]] = defaultdict(list)
    summary: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    links: list[CrossLink] = []

    def name_of(side: tuple[str, str, str], viewer: str) -> str:
        return side[2] if side[0] == viewer else f"{side[1]}/{side[2]}"

    for b in builders.values():
        t = b.t
        for lid, props, exp in b.cross_routes():
            rt_id = exp.logical_id
            if rt_id is None or exp.resource_type != "AWS::EC2::RouteTable":
                continue  # reported by cross_unresolved()
            owner = next((m for m in own.get(exp.template.path, ())
                          if any(rt.logical_id == rt_id and not rt.implicit
                                 for rt in m.route_tables)), None)
            if owner is None:
                links.append(CrossLink(t.path, t.name, lid, "unresolved", None,
                                       f"route {lid}: route table {exp.template.name}/"
                                       f"{rt_id} is in no VPC of its template; left out"))
                continue
            key = (owner.template, owner.logical_id)
            route, notes = b.cross_route(lid, props, owner, rt_id)
            add_routes[key][rt_id].append(route)
            add_notes[key].extend(notes)
            summary[key][t.name].append(f"route {route.destination} -> {route.target.label}"
                                        f"\0{rt_id}")
            links.append(CrossLink(t.path, t.name, lid, "route", owner.key,
                                   f"route {route.destination} -> {route.target.label} joins route "
                                   f"table {rt_id} of {owner.key}"))
        for lid, sides in b.cross_peerings():
            owner_id, region = b.peering_props(lid)
            for i, side in enumerate(sides):
                if side is None:
                    continue
                m = by_key.get((side[0], side[2]))
                if m is None:
                    continue
                other = sides[1 - i]
                om = by_key.get((other[0], other[2])) if other is not None else None
                peer_name = name_of(other, side[0]) if other is not None else                     b.side_text(lid, "PeerVpcId" if i == 0 else "VpcId")
                peer_cidrs = tuple(str(c) for c in om.cidrs) if om is not None else ()
                pid = lid if side[0] == t.path else f"{t.name}/{lid}"
                requester = i == 0
                add_peerings[(m.template, m.logical_id)].append(Peering(
                    pid, peer_name, peer_cidrs, owner_id if requester else None,
                    region if requester else None))
                if side[0] != t.path:
                    summary[(m.template, m.logical_id)][t.name].append(
                        f"peering connection {pid} to {peer_name}")
                    links.append(CrossLink(t.path, t.name, lid, "peering", m.key,
                                           f"peering connection {lid}: "
                                           f"{'requester' if requester else 'accepter'} side "
                                           f"{m.key}, peer {peer_name} "
                                           f"({', '.join(peer_cidrs) or 'CIDR unknown'})"))
        for lid, text in b.cross_unresolved():
            links.append(CrossLink(t.path, t.name, lid, "unresolved", None, text))

    def merged(m: VpcModel) -> VpcModel:
        key = (m.template, m.logical_id)
        if key not in add_routes and key not in add_peerings:
            return m
        extra = add_routes.get(key, {})
        tables = tuple(dataclasses.replace(rt, routes=rt.routes + tuple(extra[rt.logical_id]))
                       if rt.logical_id in extra and not rt.implicit else rt
                       for rt in m.route_tables)
        notes = []
        for src, items in summary.get(key, {}).items():
            grouped: dict[str, list[str]] = {}
            for item in items:
                what, _, rt_id = item.partition("\0")
                grouped.setdefault(what, []).extend([rt_id] if rt_id else [])
            notes.append(f"template {src} adds through Fn::ImportValue: " + "; ".join(
                f"{what} in route table(s) {', '.join(rts)}" if rts else what
                for what, rts in grouped.items()))
        return dataclasses.replace(
            m, route_tables=tables, peerings=m.peerings + tuple(add_peerings.get(key, ())),
            notes=tuple(dict.fromkeys(m.notes + tuple(notes) + tuple(add_notes.get(key, ())))))

    final = {path: tuple(merged(m) for m in ms) for path, ms in own.items()}
    models = tuple(m for t in order for m in final[t.path])
    return LinkedModels(models, {t.path: final[t.path] for t in order}, tuple(links))


def build_all(templates: Iterable[Template]) -> list[VpcModel]:
    """Every VPC of ``templates`` read together (see :func:`build_linked`)."""
    return list(build_linked(templates).models)
