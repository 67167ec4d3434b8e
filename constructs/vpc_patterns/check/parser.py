"""Template -> :class:`~.model.VpcModel`: one model per ``AWS::EC2::VPC``.

:func:`build_models` reads a :class:`~.cfn.Template` alone. The parser is
assembled from :mod:`.parser_routes` (gateways, NATs, route tables, VPN,
peering) and :mod:`.parser_rules` (network ACLs, security groups, endpoints);
this module puts their results together per VPC. Values the template does not
determine (unresolvable intrinsics) are ``None`` and listed in ``notes``;
nothing here raises on an odd template.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from vpc_patterns.check.cfn import Template
from vpc_patterns.check.model import (
    DEFAULT_ACL,
    MAIN_ROUTE_TABLE,
    Subnet,
    VpcModel,
    az_display,
)
from vpc_patterns.check.parser_base import (
    CDK_KIND,
    TAG_CDK_NAME,
    TAG_CDK_TYPE,
    az_key,
    kind_from_routes,
)
from vpc_patterns.check.parser_controls import attach_controls, read_controls
from vpc_patterns.check.parser_routes import RouteParser
from vpc_patterns.check.parser_rules import RuleParser
from vpc_patterns.check.ranges import parse_cidr6
from vpc_patterns.plan.naming import METADATA_KEY, TAG_AZ, TAG_TIER
from vpc_patterns.plan.records import read_subnet_record


class Builder(RouteParser, RuleParser):
    """Builds the models of one template (``exports``: resolve
    ``Fn::ImportValue`` against templates read together, see :mod:`.linker`)."""

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
        workloads = self._workloads()
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
                rec = read_subnet_record(self.t.resources[s])
                if rec is not None and rec["kind"] in ("public", "private", "isolated"):
                    # the plan's record decides the tier; tags are labels
                    kind, tier = rec["kind"], rec["tier"]
                elif kind is None:
                    kind = kind_from_routes(route_tables["tables"][vpc], rt_id)
                    tier = tier or kind
                    self.note(vpc, f"subnet {s} has no aws-cdk:subnet-type tag: taken as {kind} "
                                   f"(tier {tier}) from its routes")
                subs.append(Subnet(
                    logical_id=s, tier=tier, kind=kind, az=raw["az"],
                    az_label=raw["az_label"], cidr=raw["cidr"],
                    route_table=rt_id,
                    network_acl=acls["assoc"].get(s, DEFAULT_ACL),
                    name=raw["name"],
                    record=tuple(sorted(rec.items())) if rec is not None else None,
                    tag_tier=raw["tier"], tag_kind=raw["kind"],
                    ipv6_cidr=raw["ipv6_cidr"], ipv6=raw["ipv6"],
                ))
            rts = route_tables["tables"][vpc]
            vpc_acls = acls["acls"][vpc]
            meta = self.t.resources[vpc].get("Metadata")
            metadata = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
            ipv6_blocks, has_ipv6 = self._ipv6_blocks(vpc)
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
                                   if (n.subnet and subnet_vpc.get(n.subnet) == vpc)
                                   or (n.regional and n.vpc == vpc)),
                nat_instances=tuple(n for n in nat_inst.values()
                                    if n.subnet and subnet_vpc.get(n.subnet) == vpc),
                gateways=tuple(g for g, vs in gateways.values() if vpc in vs or not vs),
                vpn_connections=tuple(
                    c for c in vpns
                    if c.gateway and vpc in gateways.get(c.gateway, (None, ()))[1]),
                peerings=tuple(p for p, v in peerings if v == vpc),
                metadata=metadata,
                notes=tuple(dict.fromkeys(self.notes[vpc] + self.template_notes)),
                workloads=tuple(w for w in workloads
                                if any(subnet_vpc.get(x) == vpc for x in w.subnets)),
                ipv6_cidrs=tuple(ipv6_blocks),
                has_ipv6=has_ipv6,
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
        az = az_key(self.r, props)
        cidr = self.r.cidr(props.get("CidrBlock"))
        if cidr is None:
            self.note(self.vpc_of(s), f"subnet {s}: CIDR is not resolvable from the template")
        if az == "unknown":
            self.note(self.vpc_of(s), f"subnet {s}: AZ is not resolvable from the template")
        return {
            "tier": tier,
            "kind": CDK_KIND.get(cdk_type),
            "az": az,
            "az_label": tags.get(TAG_AZ) or az_display(az),
            "cidr": cidr,
            "name": tags.get("Name"),
            "map_public_ip": (self.r.boolean(props.get("MapPublicIpOnLaunch"))
                              if "MapPublicIpOnLaunch" in props else False),
            **self._subnet_ipv6(s, props),
        }

    def _subnet_ipv6(self, s: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """The subnet's IPv6 block: its own Ipv6CidrBlock or an
        AWS::EC2::SubnetCidrBlock naming it (literal, or None when it is an
        intrinsic such as Fn::Select over Fn::Cidr of the VPC's block)."""
        values = [props["Ipv6CidrBlock"]] if "Ipv6CidrBlock" in props else []
        for lid in self.of("AWS::EC2::SubnetCidrBlock"):
            p = self.r.props(lid)
            if self.r.ref(p.get("SubnetId")) == s and "Ipv6CidrBlock" in p:
                values.append(p["Ipv6CidrBlock"])
        nets = [parse_cidr6(self.r.string(v)) for v in values]
        return {"ipv6": bool(values) or self.r.boolean(props.get("Ipv6Native")) is True,
                "ipv6_cidr": nets[0] if nets and nets[0] is not None else None}


def build_models(template: Template) -> list[VpcModel]:
    """One :class:`VpcModel` per VPC of ``template`` (none if it has no VPC),
    from that template alone (``Fn::ImportValue`` stays unresolved), with the
    VPC Block Public Access and Encryption Controls of the template."""
    b = Builder(template)
    reads = [read_controls(b)]
    return [attach_controls(m, reads) for m in b.build()]
