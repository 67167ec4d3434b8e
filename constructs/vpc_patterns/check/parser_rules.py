"""The filtering half of the template parser: network ACLs with their
entries and associations, security groups with their rules, and VPC
endpoints."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from vpc_patterns.check.model import (
    DEFAULT_ACL,
    DEFAULT_SG,
    AclEntry,
    GatewayEndpoint,
    InterfaceEndpoint,
    NetworkAcl,
    SecurityGroup,
    SgRule,
    Workload,
)
from vpc_patterns.check.parser_base import TemplateReader, mapping, parse_protocol, refs, service_of
from vpc_patterns.check.ranges import ALL_PORTS, IntervalSet, parse_cidr6
from vpc_patterns.plan.naming import METADATA_KEY


class RuleParser(TemplateReader):
    """Reads what decides which traffic passes."""

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
        acl_vpc: dict[str, str | None] = {
            a: self.vpc_of(a) for a in self.of("AWS::EC2::NetworkAcl")}
        assoc: dict[str, str] = {}
        for lid in self.of("AWS::EC2::SubnetNetworkAclAssociation"):
            p = self.r.props(lid)
            s = self.r.ref(p.get("SubnetId"))
            a = self._acl_ref(p.get("NetworkAclId"))
            if s is None or a is None:
                self.template_notes.append(
                    f"ACL association {lid}: subnet or ACL is not a resource of this template; "
                    "left out")
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
            users = tuple(s for s, x in assoc.items() if x == a)
            out[vpc].append(NetworkAcl(a, tuple(ents), users))
        for vpc in vpcs:
            users = tuple(s for s, v in subnet_vpc.items() if v == vpc and s not in assoc)
            extra = entries.get(f"{DEFAULT_ACL}@{vpc}", [])
            default_entries = [
                AclEntry(f"{DEFAULT_ACL} rule 100 {d}", DEFAULT_ACL, 100, -1, None,
                         ipaddress.IPv4Network("0.0.0.0/0"), egress=eg, allow=True, implicit=True)
                for eg, d in ((False, "ingress"), (True, "egress"))
            ]
            if self._ipv6_blocks(vpc)[1]:
                # AWS adds rule 101 for ::/0 both ways when a VPC gets an IPv6 block
                default_entries += [
                    AclEntry(f"{DEFAULT_ACL} rule 101 {d}", DEFAULT_ACL, 101, -1, None,
                             ipaddress.IPv6Network("::/0"), egress=eg, allow=True, implicit=True,
                             ipv6=True)
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
        meta = mapping(mapping(self.t.resources.get(lid)).get("Metadata")).get(METADATA_KEY)
        flag = mapping(meta).get("reply")
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
        cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
        if not ipv6:
            cidr = self.r.cidr(p.get("CidrBlock"))
            if cidr is None:
                uncertain.append("CIDR unknown")
        else:
            # an IPv6 entry whose block is an intrinsic stays out of the
            # evaluation (noted): it can only ever match IPv6 packets
            cidr = parse_cidr6(self.r.string(p.get("Ipv6CidrBlock")))
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
                                     self.r.string(p.get("GroupName"))
                                     or self.r.tags(lid).get("Name")))
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
            service = service_of(name)
            vpc = self.vpc_of(lid)
            if service is None:
                self.note(vpc, f"endpoint {lid}: service name {name!r} is not resolvable")
            if etype == "gateway":
                ids, missing = refs(self.r, p.get("RouteTableIds"))
                gw.append((GatewayEndpoint(lid, service, name, tuple(ids), missing), vpc))
            elif etype == "interface":
                subs, _ = refs(self.r, p.get("SubnetIds"))
                sgs, _ = refs(self.r, p.get("SecurityGroupIds"))
                itf.append((InterfaceEndpoint(lid, service, name, tuple(subs), tuple(sgs),
                                              self.r.boolean(p.get("PrivateDnsEnabled"))), vpc))
        return gw, itf

    def _ipv6_blocks(self, vpc: str) -> tuple[list[ipaddress.IPv6Network], bool]:
        """The VPC's literal IPv6 blocks, and whether it has any IPv6 block
        (an Amazon-provided or IPAM one is not literal)."""
        blocks: list[ipaddress.IPv6Network] = []
        has = False
        for lid in self.of("AWS::EC2::VPCCidrBlock"):
            if self.vpc_of(lid) != vpc:
                continue
            p = self.r.props(lid)
            if not ("Ipv6CidrBlock" in p or "AmazonProvidedIpv6CidrBlock" in p
                    or "Ipv6IpamPoolId" in p or "Ipv6Pool" in p):
                continue
            if p.get("AmazonProvidedIpv6CidrBlock") is False:
                continue
            has = True
            net = parse_cidr6(self.r.string(p.get("Ipv6CidrBlock")))
            if net is not None:
                blocks.append(net)
        return blocks, has

    # -- workloads ---------------------------------------------------------
    def _workloads(self) -> list[Workload]:
        """Every resource of a known type that the template places in subnets
        with security groups (see :class:`~.model.Workload`)."""
        out: list[Workload] = []
        for lid, res in self.t.resources.items():
            type_ = res.get("Type") if isinstance(res, Mapping) else None
            placed = _PLACEMENT.get(str(type_))
            if placed is None:
                continue
            p = self.r.props(lid)
            subnets_v, groups_v = placed(self, p)
            subnets, _ = refs(self.r, subnets_v) if subnets_v is not None else ([], 0)
            if not subnets:
                continue
            groups, missing = refs(self.r, groups_v) if groups_v is not None else ([], 0)
            groups = [g for g in groups if self.r.type_of(g) == "AWS::EC2::SecurityGroup"]
            out.append(Workload(lid, str(type_), tuple(subnets), tuple(groups), missing))
        return out

    def _subnet_group(self, name: Any, type_: str) -> Any:
        g = self.r.ref(name)
        if g is not None and self.r.type_of(g) == type_:
            return self.r.props(g).get("SubnetIds")
        return None

    def _first_interface(self, p: Mapping[str, Any], subnet_key: str, groups_key: str) -> Any:
        for ni in self.r.items(p.get("NetworkInterfaces")) or []:
            if isinstance(ni, Mapping) and str(ni.get("DeviceIndex", "0")) == "0":
                return ni.get(subnet_key), ni.get(groups_key)
        return None, None

    def _instance(self, p: Mapping[str, Any]) -> tuple[Any, Any]:
        if "SubnetId" in p:
            return [p["SubnetId"]], p.get("SecurityGroupIds")
        sub, groups = self._first_interface(p, "SubnetId", "GroupSet")
        return ([sub] if sub is not None else None), groups

    def _asg(self, p: Mapping[str, Any]) -> tuple[Any, Any]:
        lt = self.r.ref(mapping(p.get("LaunchTemplate")).get("LaunchTemplateId"))
        data = mapping(self.r.props(lt).get("LaunchTemplateData")) if lt else {}
        groups = data.get("SecurityGroupIds")
        if groups is None:
            _, groups = self._first_interface(data, "SubnetId", "Groups")
        return p.get("VPCZoneIdentifier"), groups


def _awsvpc(_: RuleParser, p: Mapping[str, Any]) -> tuple[Any, Any]:
    c = mapping(mapping(p.get("NetworkConfiguration")).get("AwsvpcConfiguration"))
    return c.get("Subnets"), c.get("SecurityGroups")


def _load_balancer(_: RuleParser, p: Mapping[str, Any]) -> tuple[Any, Any]:
    subnets = p.get("Subnets")
    if subnets is None and isinstance(p.get("SubnetMappings"), list):
        subnets = [mapping(m).get("SubnetId") for m in p["SubnetMappings"]]
    return subnets, p.get("SecurityGroups")


#: Where each known resource type names its subnets and security groups.
_PLACEMENT: dict[str, Any] = {
    "AWS::EC2::NetworkInterface": lambda r, p: ([p.get("SubnetId")], p.get("GroupSet")),
    "AWS::EC2::Instance": lambda r, p: r._instance(p),
    "AWS::EC2::VPCEndpoint": lambda r, p: (p.get("SubnetIds"), p.get("SecurityGroupIds")),
    "AWS::Lambda::Function": lambda r, p: (mapping(p.get("VpcConfig")).get("SubnetIds"),
                                           mapping(p.get("VpcConfig")).get("SecurityGroupIds")),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _load_balancer,
    "AWS::ECS::Service": _awsvpc,
    "AWS::RDS::DBInstance": lambda r, p: (
        r._subnet_group(p.get("DBSubnetGroupName"), "AWS::RDS::DBSubnetGroup"),
        p.get("VPCSecurityGroups")),
    "AWS::RDS::DBCluster": lambda r, p: (
        r._subnet_group(p.get("DBSubnetGroupName"), "AWS::RDS::DBSubnetGroup"),
        p.get("VpcSecurityGroupIds")),
    "AWS::ElastiCache::ReplicationGroup": lambda r, p: (
        r._subnet_group(p.get("CacheSubnetGroupName"), "AWS::ElastiCache::SubnetGroup"),
        p.get("SecurityGroupIds")),
    "AWS::ElastiCache::CacheCluster": lambda r, p: (
        r._subnet_group(p.get("CacheSubnetGroupName"), "AWS::ElastiCache::SubnetGroup"),
        p.get("VpcSecurityGroupIds")),
    "AWS::EFS::MountTarget": lambda r, p: ([p.get("SubnetId")], p.get("SecurityGroups")),
    "AWS::AutoScaling::AutoScalingGroup": lambda r, p: r._asg(p),
}
