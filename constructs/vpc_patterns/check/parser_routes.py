"""The routing half of the template parser: internet, VPN and transit
gateways, NAT gateways and NAT instances, route targets, route tables with
their routes (template, local, gateway-endpoint and propagated ones), VPN
connections and peering connections."""

from __future__ import annotations

import ipaddress
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from vpc_patterns.check.model import (
    MAIN_ROUTE_TABLE,
    Gateway,
    NatGateway,
    NatInstance,
    Peering,
    Route,
    RouteTable,
    Target,
    TargetKind,
    VpnConnection,
)
from vpc_patterns.check.parser_base import (
    TemplateReader,
    az_key,
    az_of,
    mapping,
    refs,
    service_of,
)
from vpc_patterns.check.ranges import parse_cidr6
from vpc_patterns.plan.naming import METADATA_KEY, TAG_NAT_INTERFACE, TAG_TIER
from vpc_patterns.plan.routes import RouteTarget

# The AWS::EC2::Route properties of the hops the library plans, from their
# target kinds, so a renamed or added kind cannot drift from what is read here.
_IGW = RouteTarget.INTERNET_GATEWAY.route_property
_NAT_GW = RouteTarget.NAT_GATEWAY.route_property
_NAT_ENI = RouteTarget.NAT_INSTANCE.route_property
_PEERING = RouteTarget.VPC_PEERING.route_property
#: Every hop property of AWS::EC2::Route, in the order a route's target is
#: looked for (a route has one).
HOP_PROPERTIES: tuple[str, ...] = (
    _IGW, _NAT_GW, _NAT_ENI, "InstanceId", _PEERING, "TransitGatewayId", "VpcEndpointId",
    "EgressOnlyInternetGatewayId", "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn",
)

#: The AWS::EC2::Route properties that are not its target.
_NOT_HOPS = frozenset({"RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock",
                       "DestinationPrefixListId"})


class RouteParser(TemplateReader):
    """Reads what decides where traffic goes."""

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
            if (self.r.string(p.get("AvailabilityMode")) or "zonal").lower() == "regional":
                out[lid] = self._regional_nat_gateway(lid, p, private=ctype == "private")
                continue
            out[lid] = NatGateway(lid, sub, az_of(subnets, sub),
                                  private=ctype == "private")
        return out

    def _regional_nat_gateway(self, lid: str, p: Mapping[str, Any], *,
                              private: bool) -> NatGateway:
        """A regional NAT gateway: no subnet, its VPC from VpcId, and in
        manual mode (AvailabilityZoneAddresses) the AZ key of each entry."""
        entries = self.r.items(p.get("AvailabilityZoneAddresses")) if \
            "AvailabilityZoneAddresses" in p else None
        zones: tuple[str, ...] | None = None
        addresses = 0
        if entries is not None:
            zones = tuple(az_key(self.r, e) if isinstance(e, Mapping) else "unknown"
                          for e in entries)
            for e in entries:
                ids = self.r.items(mapping(e).get("AllocationIds")) or []
                addresses += len(ids)
        elif "AvailabilityZoneAddresses" in p:
            zones = ("unknown",)
        return NatGateway(lid, None, None, private=private, regional=True,
                          vpc=self.r.ref(p.get("VpcId")), zones=zones, addresses=addresses)

    def _nat_instances(self, subnets: Mapping[str, Mapping[str, Any]]) -> dict[str, NatInstance]:
        # instance types of self-healing NAT groups, by the interface tag they share
        types_by_tag: dict[str, str] = {}
        for asg in self.of("AWS::AutoScaling::AutoScalingGroup"):
            tag = self.r.tags(asg).get(TAG_NAT_INTERFACE)
            launch = mapping(self.r.props(asg).get("LaunchTemplate"))
            lt = self.r.ref(launch.get("LaunchTemplateId"))
            if tag and lt:
                itype = self.r.string(
                    mapping(self.r.props(lt).get("LaunchTemplateData")).get("InstanceType"))
                if itype:
                    types_by_tag[tag] = itype
        eip_on = self._elastic_ip_holders()
        out: dict[str, NatInstance] = {}
        for lid in self.of("AWS::EC2::NetworkInterface"):
            p = self.r.props(lid)
            sub = self.r.ref(p.get("SubnetId"))
            groups, _ = refs(self.r, p.get("GroupSet"))
            tag = self.r.tags(lid).get(TAG_NAT_INTERFACE)
            # an interface created on its own gets no public address at launch
            out[lid] = NatInstance(
                lid, "AWS::EC2::NetworkInterface", sub,
                az_of(subnets, sub), tuple(groups),
                self._source_dest_check(p),
                types_by_tag.get(tag) if tag else None,
                public_address=eip_on.get(lid, False),
            )
        for lid in self.of("AWS::EC2::Instance"):
            p = self.r.props(lid)
            sub = self.r.ref(p.get("SubnetId"))
            nis = self.r.items(p.get("NetworkInterfaces")) or []
            groups, _ = refs(self.r, p.get("SecurityGroupIds"))
            public: bool | None = None
            for ni in nis:
                if isinstance(ni, Mapping) and str(ni.get("DeviceIndex", "0")) == "0":
                    sub = sub or self.r.ref(ni.get("SubnetId"))
                    more, _ = refs(self.r, ni.get("GroupSet"))
                    groups += more
                    if "AssociatePublicIpAddress" in ni:
                        public = self.r.boolean(ni.get("AssociatePublicIpAddress"))
            if public is None and sub is not None and sub in subnets:
                # the subnet's MapPublicIpOnLaunch decides (default false)
                public = subnets[sub].get("map_public_ip", None)
            held = eip_on.get(lid)
            out[lid] = NatInstance(
                lid, "AWS::EC2::Instance", sub, az_of(subnets, sub),
                tuple(groups), self._source_dest_check(p),
                self.r.string(p.get("InstanceType")),
                public_address=True if held else public,
            )
        return out

    def _source_dest_check(self, p: Mapping[str, Any]) -> bool | None:
        """SourceDestCheck: absent is EC2's default (on); None when the
        template does not resolve it."""
        if "SourceDestCheck" not in p:
            return True
        return self.r.boolean(p.get("SourceDestCheck"))

    def _elastic_ip_holders(self) -> dict[str, bool]:
        """Interfaces and instances that an Elastic IP is associated with
        (``AWS::EC2::EIPAssociation``, or ``AWS::EC2::EIP`` with InstanceId)."""
        out: dict[str, bool] = {}
        for lid in self.of("AWS::EC2::EIPAssociation"):
            p = self.r.props(lid)
            for key in ("NetworkInterfaceId", "InstanceId"):
                held = self.r.ref(p.get(key))
                if held:
                    out[held] = True
        for lid in self.of("AWS::EC2::EIP"):
            held = self.r.ref(self.r.props(lid).get("InstanceId"))
            if held:
                out[held] = True
        return out

    def _target(self, props: Mapping[str, Any],
                gateways: Mapping[str, tuple[Gateway, tuple[str, ...]]],
                nat_gw: Mapping[str, NatGateway], nat_inst: Mapping[str, NatInstance],
                vpc: str, owner: str | None = None) -> Target:
        """The target of a route. ``owner``: path of the template whose route
        table holds the route (default: this one); an ``Fn::ImportValue`` of a
        resource of a loaded template is named ``<template>/<logical id>``
        unless that template is the owner."""
        present = [k for k in HOP_PROPERTIES if k in props]
        foreign = sorted(set(props) - set(HOP_PROPERTIES) - _NOT_HOPS)
        if foreign:
            # a target property this reader does not know (a newer one):
            # never taken to mean "no internet"
            return Target(TargetKind.UNKNOWN, f"({foreign[0]}: a target property this "
                          "checker does not model)")
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
        if key == "CarrierGatewayId":
            return Target(TargetKind.CARRIER_GATEWAY, ref, rtype)
        if key == "LocalGatewayId":
            return Target(TargetKind.LOCAL_GATEWAY, ref, rtype)
        if key == "CoreNetworkArn":
            return Target(TargetKind.CORE_NETWORK, ref, rtype)
        if key == _IGW:
            if rtype == "AWS::EC2::InternetGateway" or (literal or "").startswith("igw-"):
                att = vpc in gateways[lid][1] if lid is not None and lid in gateways else True
                return Target(TargetKind.INTERNET_GATEWAY, ref, rtype, attached=att)
            if rtype == "AWS::EC2::VPNGateway" or (literal or "").startswith("vgw-"):
                att = vpc in gateways[lid][1] if lid is not None and lid in gateways else True
                return Target(TargetKind.VPN_GATEWAY, ref, rtype, attached=att)
            if literal == "local":
                return Target(TargetKind.LOCAL, "")
            return Target(TargetKind.UNKNOWN, ref, rtype)
        if key == _NAT_GW:
            n = nat_gw.get(lid or "")
            if n is not None:
                return Target(TargetKind.NAT_GATEWAY, ref, rtype, subnet=n.subnet, az=n.az,
                              private_nat=n.private)
            return Target(TargetKind.NAT_GATEWAY if (literal or "").startswith("nat-")
                          or rtype == "AWS::EC2::NatGateway" else TargetKind.UNKNOWN, ref, rtype)
        if key in (_NAT_ENI, "InstanceId"):
            n2 = nat_inst.get(lid or "")
            if n2 is not None:
                return Target(TargetKind.NAT_INSTANCE, ref, rtype, subnet=n2.subnet, az=n2.az,
                              security_groups=n2.security_groups,
                              source_dest_check=n2.source_dest_check,
                              public_address=n2.public_address)
            return Target(TargetKind.NAT_INSTANCE if literal or rtype in (
                "AWS::EC2::NetworkInterface", "AWS::EC2::Instance") else TargetKind.UNKNOWN,
                ref, rtype, source_dest_check=None, public_address=None)
        if key == "EgressOnlyInternetGatewayId":
            return Target(TargetKind.EGRESS_ONLY_IGW, ref, rtype)
        kind = {_PEERING: TargetKind.PEERING,
                "TransitGatewayId": TargetKind.TRANSIT_GATEWAY,
                "VpcEndpointId": TargetKind.VPC_ENDPOINT}[key]
        return Target(kind, ref, rtype)

    def _route_tables(self, vpcs: list[str], subnet_vpc: Mapping[str, str | None],
                      subnets: Mapping[str, Mapping[str, Any]],
                      gateways: Mapping[str, tuple[Gateway, tuple[str, ...]]],
                      nat_gw: Mapping[str, NatGateway],
                      nat_inst: Mapping[str, NatInstance]) -> dict[str, Any]:
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
                self.note(subnet_vpc.get(s or ""),
                          f"route table association {lid}: subnet or route "
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
                self.template_notes.append(
                    f"route {lid}: its route table is not a resource of this template; left out")
                continue
            vpc = rt_vpc[rt] or ""
            target = self._target(p, gateways, nat_gw, nat_inst, vpc)
            for name, props in self._expanded(lid, p):
                route, vpc_notes = self._route(name, rt, props, target)
                for n in vpc_notes:
                    self.note(rt_vpc[rt], n)
                routes[rt].append(route)
        # gateway endpoints add a prefix-list route to each route table they name
        for lid in self.of("AWS::EC2::VPCEndpoint"):
            p = self.r.props(lid)
            etype = (self.r.string(p.get("VpcEndpointType")) or "Gateway").lower()
            if etype != "gateway":
                continue
            service = service_of(self.r.text(p.get("ServiceName")))
            ids, _ = refs(self.r, p.get("RouteTableIds"))
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
            ids, missing = refs(self.r, p.get("RouteTableIds"))
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
                if not gconns or any(c.static_routes_only is not True
                                     and c.learned_routes is None for c in gconns):
                    dynamic = True
                gw = gateways.get(g)
                att = vpc in gw[1] if gw else True
                for c in gconns:
                    learned = c.learned_routes if c.static_routes_only is not True else None
                    for dest in c.static_routes + (learned or ()):
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
                    tuple(Route("(local)", MAIN_ROUTE_TABLE, str(c), c,
                                Target(TargetKind.LOCAL, ""), origin="local")
                          for c in vpc_cidrs[vpc]),
                    orphans, implicit=True))
                self.note(vpc, "subnets without a route table association use the main route "
                               f"table, assumed to hold only the local route: {', '.join(orphans)}")
            out_tables[vpc] = tuple(lst)
        return {"assoc": assoc, "tables": out_tables}

    def _expanded(self, lid: str, p: Mapping[str, Any]
                  ) -> list[tuple[str, Mapping[str, Any]]]:
        """A route to a prefix list of this template (``AWS::EC2::PrefixList``
        with literal entries) as one route per entry, which is how the VPC
        router matches it; any other route as it is."""
        pl = self.r.ref(p.get("DestinationPrefixListId"))
        if pl is None or self.r.type_of(pl) != "AWS::EC2::PrefixList":
            return [(lid, p)]
        entries = self.r.items(self.r.props(pl).get("Entries"))
        cidrs = [self.r.string(mapping(e).get("Cidr")) for e in entries or ()]
        if not entries or any(c is None for c in cidrs):
            return [(lid, p)]
        family = (self.r.string(self.r.props(pl).get("AddressFamily")) or "IPv4").lower()
        key = "DestinationIpv6CidrBlock" if family == "ipv6" else "DestinationCidrBlock"
        rest = {k: v for k, v in p.items() if k != "DestinationPrefixListId"}
        return [(f"{lid} ({pl} entry {c})", {**rest, key: c}) for c in cidrs]

    def _route(self, name: str, rt: str, p: Mapping[str, Any], target: Target,
               extra_notes: tuple[str, ...] = ()) -> tuple[Route, list[str]]:
        """One AWS::EC2::Route as a :class:`Route`, and the notes for its VPC."""
        if "DestinationIpv6CidrBlock" in p:
            net6 = parse_cidr6(self.r.string(p["DestinationIpv6CidrBlock"]))
            text = str(net6) if net6 else self.r.text(p["DestinationIpv6CidrBlock"])
            return Route(name, rt, text, net6, target, ipv6=True, notes=extra_notes), \
                [] if net6 else [f"route {name}: IPv6 destination is not resolvable"]
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
                self._learned_routes(lid),
            ))
        return out

    def _learned_routes(self, lid: str) -> tuple[str, ...] | None:
        """The routes a BGP connection's user declares on-premises announces:
        ``Metadata: {vpc_patterns: {learned_routes: [CIDR, ...]}}`` on the
        connection. A declaration that is not a list of CIDR strings counts
        as none."""
        meta = self.t.resources.get(lid, {}).get("Metadata")
        if not isinstance(meta, Mapping):
            return None
        ours = meta.get(METADATA_KEY)
        routes = ours.get("learned_routes") if isinstance(ours, Mapping) else None
        if not isinstance(routes, list) or not all(
                isinstance(r, str) and self.r.cidr(r) is not None for r in routes):
            return None
        return tuple(routes)

    def _peerings(self, cidrs: Mapping[str, list[ipaddress.IPv4Network]]
                  ) -> list[tuple[Peering, str | None]]:
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

    def _side(self, value: Any) -> tuple[str, str, str] | None:
        """(template path, template name, VPC logical id) of a VpcId: a VPC
        of this template or, through Fn::ImportValue, of another loaded one."""
        lid = self.r.ref(value)
        if lid is not None:
            if self.r.type_of(lid) != "AWS::EC2::VPC":
                return None
            return self.t.path, self.t.name, lid
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
