"""The analyzer over small hand-written templates with known answers.

Pure Python (no CDK): templates are dicts built by tests/network_templates.py,
each a library-shaped layout with one thing changed.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from vpc_patterns.check import (
    NetworkAnalyzer,
    TargetKind,
    Template,
    TemplateError,
    build_models,
    load_paths,
    load_template,
    path_text,
)
from vpc_patterns.check.acl import ICMP, OTHER, TCP, UDP, PortMap
from vpc_patterns.check.model import DEFAULT_ACL, MAIN_ROUTE_TABLE
from vpc_patterns.check.ranges import EPHEMERAL, IntervalSet, cells, cidr_set, internet_space

from .network_templates import APP_BLOCK, IGW, Net, app_data, az, public_acl, three_tier


def model_of(n: Net | dict):
    body = n.template() if isinstance(n, Net) else n
    models = build_models(Template("t.template.json", "t", body))
    assert len(models) == 1
    return models[0]


def analyzer(n: Net) -> NetworkAnalyzer:
    return NetworkAnalyzer(model_of(n))


def tcp(*ranges: tuple[int, int] | int) -> PortMap:
    return PortMap.of({TCP: IntervalSet.of(*((r, r) if isinstance(r, int) else r for r in ranges))})


# ---------------------------------------------------------------------------
# Interval sets
# ---------------------------------------------------------------------------


def test_interval_set_algebra() -> None:
    a = IntervalSet.of((0, 10), (20, 30))
    b = IntervalSet.of((5, 25))
    assert (a & b).ranges == ((5, 10), (20, 25))
    assert (a | b).ranges == ((0, 30),)
    assert (a - b).ranges == ((0, 4), (26, 30))
    assert IntervalSet.of((1, 2), (3, 4)).ranges == ((1, 4),)  # adjacent ranges merge
    assert a.issuperset(IntervalSet.of((21, 29))) and not a.issuperset(b)
    assert EPHEMERAL.describe_ports() == "1024-65535"


def test_cells_split_space_at_every_boundary() -> None:
    space = cidr_set("10.0.0.0/16")
    parts = cells(space, [cidr_set("10.0.1.0/24"), cidr_set("0.0.0.0/0")])
    assert [p.describe_addresses() for p in parts] == [
        "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/23, 10.0.4.0/22, 10.0.8.0/21, 10.0.16.0/20, "
        "10.0.32.0/19, 10.0.64.0/18, 10.0.128.0/17"]


def test_internet_space_excludes_private_ranges_and_the_vpc() -> None:
    net = internet_space([ipaddress.ip_network("100.100.0.0/16")])
    for private in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254",
                    "100.64.0.1", "100.100.0.1", "224.0.0.1"):
        assert not net.contains(int(ipaddress.ip_address(private))), private
    for public in ("8.8.8.8", "52.95.110.1", "203.0.113.10"):
        assert net.contains(int(ipaddress.ip_address(public))), public


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def test_load_file_list_and_cdk_out_folder(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    (out / "assembly-Stage").mkdir(parents=True)
    three_tier().write(out / "a.template.json")
    app_data().write(out / "assembly-Stage" / "b.template.json")
    (out / "manifest.json").write_text("{}")
    names = [t.name for t in load_paths([out])]
    assert names == ["a", "b"]
    single = load_template(out / "a.template.json")
    assert single.name == "a" and "Vpc" in single.resources
    assert len(load_paths([out / "a.template.json", out / "assembly-Stage"])) == 2


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"AWSTemplateFormatVersion": "2010-09-09"}), "no Resources section"),
    (json.dumps([1, 2]), "no Resources section"),
])
def test_unreadable_templates_raise_template_error(
    tmp_path: Path, content: str, message: str
) -> None:
    p = tmp_path / "bad.template.json"
    p.write_text(content)
    with pytest.raises(TemplateError, match=message):
        load_template(p)


def test_missing_path_and_empty_folder_raise(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="no such file"):
        load_paths([tmp_path / "nope.json"])
    with pytest.raises(TemplateError, match="holds no"):
        load_paths([tmp_path])


def test_yaml_template_with_short_form_intrinsics(tmp_path: Path) -> None:
    p = tmp_path / "hand.yaml"
    p.write_text("""
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.9.0.0/16}}
  Sub:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]
      AvailabilityZone: !Select [0, !GetAZs '']
      Tags: [{Key: vpc-patterns:tier, Value: web}, {Key: aws-cdk:subnet-type, Value: Public}]
""")
    m = build_models(load_template(p))[0]
    sub = m.subnet("Sub")
    assert (str(sub.cidr), sub.az, sub.tier, sub.kind) == (
        "10.9.1.0/24", "index:0", "web", "public")


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def test_subnets_carry_tier_kind_az_key_and_cidr() -> None:
    m = model_of(three_tier(azs=3))
    s = m.subnet("PrivateAz3")
    assert (s.tier, s.kind, s.az, s.az_label, str(s.cidr)) == (
        "private", "private", "index:2", "az3", "10.0.160.0/20")
    assert s.route_table == "PrivateAz3RouteTable" and s.network_acl == DEFAULT_ACL
    assert m.tiers() == ("public", "private", "isolated")
    assert m.tier_kinds() == {"public": "public", "private": "private", "isolated": "isolated"}


def test_az_keys_for_names_ids_and_unknown_values() -> None:
    n = Net()
    n.subnet("ByName", "a", "isolated", 0, "10.0.0.0/24", az_expr="eu-west-1a")
    n.subnet("ById", "a", "isolated", 1, "10.0.1.0/24", AvailabilityZoneId="euw1-az2")
    n.subnet("ByParam", "a", "isolated", 2, "10.0.2.0/24", az_expr={"Ref": "AzParam"})
    m = model_of(n)
    assert [m.subnet(s).az for s in ("ByName", "ById", "ByParam")] == [
        "name:eu-west-1a", "id:euw1-az2", "unknown"]
    assert any("ByParam: AZ is not resolvable" in note for note in m.notes)


def test_unresolvable_cidr_is_none_and_noted_not_a_crash() -> None:
    n = three_tier()
    n.props("PrivateAz1")["CidrBlock"] = {"Fn::ImportValue": "shared-cidr"}
    n.props("Vpc")["CidrBlock"] = {"Ref": "VpcCidrParam"}
    m = model_of(n)
    assert m.subnet("PrivateAz1").cidr is None and m.cidrs == ()
    assert any("PrivateAz1: CIDR is not resolvable" in x for x in m.notes)
    assert any("VPC CIDR is not a literal" in x for x in m.notes)
    an = NetworkAnalyzer(m)
    assert an.internet_egress("PrivateAz1").verdict == "yes"  # default ACL: CIDR does not matter


def test_route_targets_resolve_to_kinds_with_nat_subnet_and_az() -> None:
    n = three_tier()
    n.add("Peer", "AWS::EC2::VPCPeeringConnection", VpcId=n.ref("Vpc"), PeerVpcId="vpc-0abc")
    n.route("PeerRoute", "PrivateAz1RouteTable", "172.16.0.0/16",
            VpcPeeringConnectionId=n.ref("Peer"))
    n.add("Tgw", "AWS::EC2::TransitGateway")
    n.route("TgwRoute", "PrivateAz1RouteTable", "10.200.0.0/16", TransitGatewayId=n.ref("Tgw"))
    n.route("LiteralIgw", "IsolatedRouteTable", "198.51.100.0/24", GatewayId="igw-0123")
    n.add("Eni", "AWS::EC2::NetworkInterface", SubnetId=n.ref("PublicAz2"), SourceDestCheck=False)
    n.route("EniRoute", "IsolatedRouteTable", "203.0.113.0/24", NetworkInterfaceId=n.ref("Eni"))
    n.route("OddRoute", "IsolatedRouteTable", "192.0.2.0/24", GatewayId={"Fn::ImportValue": "gw"})
    m = model_of(n)
    routes = {r.logical_id: r for rt in m.route_tables for r in rt.routes}
    t = routes["PrivateAz1DefaultRoute"].target
    assert (t.kind, t.ref, t.subnet, t.az) == (
        TargetKind.NAT_GATEWAY, "NatAz1", "PublicAz1", "index:0")
    assert routes["PublicDefaultRoute"].target.kind is TargetKind.INTERNET_GATEWAY
    assert routes["PublicDefaultRoute"].target.attached
    assert routes["PeerRoute"].target.kind is TargetKind.PEERING
    assert routes["TgwRoute"].target.kind is TargetKind.TRANSIT_GATEWAY
    assert routes["LiteralIgw"].target.kind is TargetKind.INTERNET_GATEWAY
    eni = routes["EniRoute"].target
    assert (eni.kind, eni.subnet, eni.az) == (TargetKind.NAT_INSTANCE, "PublicAz2", "index:1")
    assert routes["OddRoute"].target.kind is TargetKind.UNKNOWN
    assert any("OddRoute: target" in x for x in m.notes)
    local = routes["(local)"]
    assert local.target.kind is TargetKind.LOCAL and str(local.cidr) == "10.0.0.0/16"


def test_gateway_endpoints_route_the_route_tables_they_list() -> None:
    m = model_of(three_tier())
    (s3,) = m.gateway_endpoint("s3")
    assert s3.service == "s3" and s3.service_name == "com.amazonaws.${AWS::Region}.s3"
    assert s3.route_tables == ("PrivateAz1RouteTable", "PrivateAz2RouteTable", "IsolatedRouteTable")
    iso = m.route_table("IsolatedRouteTable")
    assert {r.prefix_list for r in iso.routes if r.origin == "endpoint"} == {"s3", "dynamodb"}
    assert not any(r.origin == "endpoint" for r in m.route_table("PublicRouteTable").routes)


def test_vpn_propagation_adds_static_routes_and_flags_bgp() -> None:
    n = three_tier()
    n.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1")
    n.add("VgwAttach", "AWS::EC2::VPCGatewayAttachment", VpcId=n.ref("Vpc"),
          VpnGatewayId=n.ref("Vgw"))
    n.add("Vpn", "AWS::EC2::VPNConnection", VpnGatewayId=n.ref("Vgw"), CustomerGatewayId="cgw-1",
          StaticRoutesOnly=True, Type="ipsec.1")
    n.add("VpnRoute", "AWS::EC2::VPNConnectionRoute", VpnConnectionId=n.ref("Vpn"),
          DestinationCidrBlock="192.168.0.0/16")
    n.add("Bgp", "AWS::EC2::VPNConnection", VpnGatewayId=n.ref("Vgw"), CustomerGatewayId="cgw-2",
          Type="ipsec.1")
    n.add("Propagation", "AWS::EC2::VPNGatewayRoutePropagation", VpnGatewayId=n.ref("Vgw"),
          RouteTableIds=[n.ref("IsolatedRouteTable")])
    m = model_of(n)
    iso = m.route_table("IsolatedRouteTable")
    assert iso.propagating_gateways == ("Vgw",) and iso.dynamic_propagation
    (prop,) = [r for r in iso.routes if r.origin == "propagated"]
    assert str(prop.cidr) == "192.168.0.0/16" and prop.target.kind is TargetKind.VPN_GATEWAY
    assert not m.route_table("PrivateAz1RouteTable").propagating_gateways
    an = NetworkAnalyzer(m)
    look = an.route_lookup("IsolatedAz1", "192.168.4.0/24")
    assert look.route is prop and any("BGP" in x for x in look.notes)
    # the BGP connection's learned routes are not in the template: a default
    # route announced from on-premises would take internet traffic there, so
    # "no internet" cannot be decided
    eg = an.internet_egress("IsolatedAz1")
    assert eg.verdict == "unknown" and any("learned by BGP" in p.reason for p in eg.paths)
    assert {c.logical_id: c.static_routes_only for c in m.vpn_connections} == {
        "Vpn": True, "Bgp": False}
    # declared: what on-premises announces becomes propagated routes, and
    # on-premises is not the internet
    n.res["Bgp"]["Metadata"] = {"vpc_patterns": {"learned_routes": ["172.20.0.0/16"]}}
    m = model_of(n)
    iso = m.route_table("IsolatedRouteTable")
    assert not iso.dynamic_propagation
    assert sorted(str(r.cidr) for r in iso.routes if r.origin == "propagated") == [
        "172.20.0.0/16", "192.168.0.0/16"]
    assert NetworkAnalyzer(m).internet_egress("IsolatedAz1").verdict == "no"
    # a declaration that is not a list of CIDRs declares nothing
    n.res["Bgp"]["Metadata"] = {"vpc_patterns": {"learned_routes": "172.20.0.0/16"}}
    assert model_of(n).route_table("IsolatedRouteTable").dynamic_propagation


def test_network_acls_entries_and_associations() -> None:
    m = model_of(app_data())
    data = m.network_acl("DataAcl")
    assert data.subnets == ("DataAz1", "DataAz2")
    ingress = data.ordered(egress=False)
    assert [e.rule_number for e in ingress] == [100, 200]
    e = ingress[0]
    assert (e.protocol, e.ports.ranges, str(e.cidr), e.allow, e.egress) == (
        6, ((5432, 5432),), APP_BLOCK, True, False)
    assert ingress[1].is_return_rule and not e.is_return_rule
    assert m.subnet("PublicAz1").network_acl == DEFAULT_ACL
    default = m.network_acl(DEFAULT_ACL)
    assert default.default and default.subnets == ("PublicAz1", "PublicAz2")
    assert m.has_custom_acls()


def test_security_groups_inline_and_separate_rules() -> None:
    n = three_tier()
    n.add("WebSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="web",
          SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                 "CidrIp": "0.0.0.0/0", "Description": "https"}])
    n.add("AppSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="app",
          SecurityGroupEgress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                "DestinationPrefixListId": "pl-63a5400a"}])
    n.add("AppFromWeb", "AWS::EC2::SecurityGroupIngress",
          GroupId={"Fn::GetAtt": ["AppSg", "GroupId"]},
          IpProtocol="tcp", FromPort=8080, ToPort=8080,
          SourceSecurityGroupId={"Fn::GetAtt": ["WebSg", "GroupId"]})
    m = model_of(n)
    groups = {g.logical_id: g for g in m.security_groups}
    web = groups["WebSg"]
    assert [(r.egress, r.peer_kind, r.peer) for r in web.rules] == [
        (False, "cidr", "0.0.0.0/0"),
        (True, "cidr", "0.0.0.0/0"),  # + CloudFormation's default egress
    ]
    app = {r.logical_id: r for r in groups["AppSg"].rules}
    assert app["AppFromWeb"].peer_kind == "security-group" and app["AppFromWeb"].peer == "WebSg"
    assert app["AppFromWeb"].ports.ranges == ((8080, 8080),)
    assert app["AppSg.SecurityGroupEgress[0]"].peer_kind == "prefix-list"


def test_subnet_without_association_uses_main_route_table() -> None:
    n = three_tier()
    n.subnet("Loose", "spare", "isolated", 0, "10.0.200.0/24")
    m = model_of(n)
    assert m.subnet("Loose").route_table == MAIN_ROUTE_TABLE
    main = m.route_table(MAIN_ROUTE_TABLE)
    assert main.implicit and [r.target.kind for r in main.routes] == [TargetKind.LOCAL]


def test_fn_cidr_subnets_resolve_against_a_literal_vpc_cidr() -> None:
    n = Net(cidr="10.5.0.0/16")
    n.subnet("S", "a", "isolated", 0,
             {"Fn::Select": [3, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 8, "12"]}]})
    assert str(model_of(n).subnet("S").cidr) == "10.5.48.0/20"


def test_template_without_vpc_yields_no_model() -> None:
    assert build_models(Template("x", "x", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})) == []


# ---------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------


def test_private_subnet_egress_path_goes_through_its_nat_and_the_igw() -> None:
    an = analyzer(three_tier())
    ans = an.internet_egress("PrivateAz2")
    assert ans.verdict == "yes"
    (p,) = [p for p in ans.paths if p.verdict == "yes"]
    assert [s.id for s in p.steps] == [
        "PrivateAz2", "PrivateAz2RouteTable", "PrivateAz2DefaultRoute",
        "NatAz2", "PublicAz2", "PublicRouteTable", "PublicDefaultRoute", "Igw"]
    assert p.ports.describe() == "all traffic"
    assert an.internet_ingress("PrivateAz2").verdict == "no"
    assert an.internet_egress("IsolatedAz1").verdict == "no"


def test_public_subnet_is_reachable_from_the_internet_through_its_acl() -> None:
    an = analyzer(public_acl(three_tier()))
    ing = an.internet_ingress("PublicAz1")
    assert ing.verdict == "yes"
    # 1024-65535 is admitted by the return rule (rule 120): reachable, but not counted
    assert ing.ports == tcp(80, 443, (1024, 65535))
    assert ing.counted_ports == tcp(80, 443)


def test_internet_ingress_needs_the_return_route_to_the_igw() -> None:
    n = three_tier()
    n.props("PublicDefaultRoute")["DestinationCidrBlock"] = "203.0.113.0/24"
    an = analyzer(n)
    ing = an.internet_ingress("PublicAz1")
    yes = [p for p in ing.paths if p.verdict == "yes"]
    assert len(yes) == 1 and yes[0].addresses == cidr_set("203.0.113.0/24")
    no = [p for p in ing.paths if p.verdict == "no"]
    assert no and all("no route back" in p.reason for p in no)


def test_nat_instance_security_group_limits_egress_ports() -> None:
    n = three_tier(azs=1)
    n.add("NatSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="nat",
          SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                 "CidrIp": "10.0.128.0/17"}],
          SecurityGroupEgress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                "CidrIp": "0.0.0.0/0"}])
    n.add("NatEni", "AWS::EC2::NetworkInterface", SubnetId=n.ref("PublicAz1"),
          SourceDestCheck=False, GroupSet=[{"Fn::GetAtt": ["NatSg", "GroupId"]}])
    n.add("NatEip", "AWS::EC2::EIP", Domain="vpc")
    n.add("NatEipAssoc", "AWS::EC2::EIPAssociation", NetworkInterfaceId=n.ref("NatEni"),
          AllocationId={"Fn::GetAtt": ["NatEip", "AllocationId"]})
    del n.props("PrivateAz1DefaultRoute")["NatGatewayId"]
    n.props("PrivateAz1DefaultRoute")["NetworkInterfaceId"] = n.ref("NatEni")
    ans = analyzer(n).internet_egress("PrivateAz1")
    (p,) = ans.paths
    assert p.verdict == "yes" and p.security_group_limited and p.ports == tcp(443)


def test_nat_whose_subnet_has_no_igw_route_gives_no_egress() -> None:
    n = three_tier()
    del n.res["PublicDefaultRoute"]
    ans = analyzer(n).internet_egress("PrivateAz1")
    assert ans.verdict == "no"
    assert "does not route to an attached internet gateway" in ans.paths[0].reason


def test_acl_rules_are_evaluated_in_rule_number_order_first_match_wins() -> None:
    n = three_tier()
    n.acl("IsoAcl", "IsolatedAz1", "IsolatedAz2")
    # deny 22 at rule 90 beats the allow-all at 100, whatever their template order
    n.entry("IsoAcl", 100, egress=False, protocol=-1, cidr="10.0.0.0/16")
    n.entry("IsoAcl", 90, egress=False, action="deny", cidr="10.0.0.0/16", ports=(22, 22))
    n.entry("IsoAcl", 100, egress=True, protocol=-1, cidr="10.0.0.0/16")
    an = analyzer(n)
    f = an.flow("PrivateAz1", "IsolatedAz1")
    reach = f.connectable_everywhere()
    assert reach.get(TCP) == IntervalSet.of((0, 21), (23, 65535))
    assert reach.get(UDP) and ICMP in reach.protocols() and OTHER in reach.protocols()
    side, segs = f.blocking(TCP, IntervalSet.single(22))
    assert side == "request" and segs[0].entry.logical_id == "IsoAclIngress90"


def test_tier_matrix_both_directions_through_the_acls() -> None:
    an = analyzer(app_data())
    matrix = an.tier_matrix()
    app_to_data = matrix[("app", "data")]
    assert app_to_data.connectable(counted=True) == tcp(5432)
    assert app_to_data.connectable_everywhere().get(TCP).contains(5432)
    # data opens nothing towards app: its egress admits only the return range
    assert not matrix[("data", "app")].connectable(counted=True)
    # app subnets in different AZs: app's egress 443 to anywhere, but app's
    # ingress admits only returns
    assert not matrix[("app", "app")].connectable(counted=True)
    assert len(app_to_data.pairs) == 4


def test_stateless_reply_must_cross_both_acls() -> None:
    an = analyzer(app_data(data_returns=False))
    f = an.flow("AppAz1", "DataAz1")
    assert f.one_way() == tcp(5432, (1024, 65535))  # requests arrive
    assert not f.connectable()  # ... but no reply leaves the data subnet
    side, segs = f.blocking(TCP, IntervalSet.single(5432))
    assert side == "reply" and segs[0].entry is None and "rule *" in segs[0].label


def test_route_lookup_longest_prefix_match() -> None:
    n = three_tier()
    n.add("Peer", "AWS::EC2::VPCPeeringConnection", VpcId=n.ref("Vpc"), PeerVpcId="vpc-0abc")
    n.route("PeerWide", "PrivateAz1RouteTable", "172.16.0.0/12",
            VpcPeeringConnectionId=n.ref("Peer"))
    n.route("Blackhole", "PrivateAz1RouteTable", "172.16.9.0/24", GatewayId=IGW)
    an = analyzer(n)
    assert an.route_lookup("PrivateAz1", "172.16.1.0/24").route.logical_id == "PeerWide"
    assert an.route_lookup("PrivateAz1", "172.16.9.7").route.logical_id == "Blackhole"
    wide = an.route_lookup("PrivateAz1", "172.16.0.0/12")
    assert wide.route.logical_id == "PeerWide"
    assert [r.logical_id for r in wide.more_specific] == ["Blackhole"]
    assert an.route_lookup("PrivateAz1", "10.0.33.0/24").route.target.kind is TargetKind.LOCAL
    assert an.route_lookup("PrivateAz1", "8.8.8.8").route.logical_id == "PrivateAz1DefaultRoute"
    assert an.route_lookup("IsolatedAz1", "8.8.8.8").route is None
    assert "dropped" in path_text(an.route_lookup("IsolatedAz1", "8.8.8.8").steps)
    with pytest.raises(ValueError, match="not an IPv4 CIDR"):
        an.route_lookup("PrivateAz1", "somewhere")


def test_gateway_endpoint_route_and_its_fallback() -> None:
    n = three_tier()
    n.props("S3Endpoint")["RouteTableIds"] = [n.ref("PrivateAz1RouteTable")]
    an = analyzer(n)
    assert an.gateway_endpoint_route("PrivateAz1", "s3").route.target.ref == "S3Endpoint"
    miss = an.gateway_endpoint_route("PrivateAz2", "s3")
    assert miss.route is None
    assert [s.id for s in miss.steps][-2:] == ["PrivateAz2DefaultRoute", "NatAz2"]


def test_nat_routes_compare_azs_by_key() -> None:
    n = three_tier()
    n.props("PrivateAz1DefaultRoute")["NatGatewayId"] = n.ref("NatAz2")
    an = analyzer(n)
    (a1,) = an.nat_routes("PrivateAz1")
    (a2,) = an.nat_routes("PrivateAz2")
    assert a1.same_az is False and a2.same_az is True
    assert an.nat_routes("IsolatedAz1") == []


def test_two_vpcs_in_one_template_with_peering_both_ways() -> None:
    n = three_tier()
    n.add("Other", "AWS::EC2::VPC", CidrBlock="172.20.0.0/16")
    n.add("OtherSub", "AWS::EC2::Subnet", VpcId=n.ref("Other"), CidrBlock="172.20.0.0/24",
          AvailabilityZone=az(0), Tags=[{"Key": "vpc-patterns:tier", "Value": "shared"}])
    n.add("Peer", "AWS::EC2::VPCPeeringConnection", VpcId=n.ref("Vpc"), PeerVpcId=n.ref("Other"))
    n.route("ToOther", "PrivateAz1RouteTable", "172.20.0.0/16",
            VpcPeeringConnectionId=n.ref("Peer"))
    models = {m.logical_id: m for m in build_models(Template("t", "t", n.template()))}
    assert set(models) == {"Vpc", "Other"}
    assert [s.logical_id for s in models["Other"].subnets] == ["OtherSub"]
    assert models["Vpc"].peerings[0].peer_cidrs == ("172.20.0.0/16",)
    assert models["Other"].peerings[0].peer_cidrs == ("10.0.0.0/16",)
    an = NetworkAnalyzer(models["Vpc"])
    assert an.route_lookup("PrivateAz1", "172.20.0.5").route.target.kind is TargetKind.PEERING
    assert [r.logical_id for r in an.external_routes("PrivateAz1")] == ["ToOther"]


def test_interface_endpoints_are_modelled_for_reports() -> None:
    n = three_tier()
    n.add("EpSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="endpoints")
    n.add("SsmEndpoint", "AWS::EC2::VPCEndpoint", VpcId=n.ref("Vpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.eu-west-1.ssm", PrivateDnsEnabled=True,
          SubnetIds=[n.ref("PrivateAz1"), n.ref("PrivateAz2")],
          SecurityGroupIds=[{"Fn::GetAtt": ["EpSg", "GroupId"]}])
    (ep,) = model_of(n).interface_endpoints
    assert (ep.service, ep.subnets, ep.security_groups, ep.private_dns) == (
        "ssm", ("PrivateAz1", "PrivateAz2"), ("EpSg",), True)


_WEIRD = [{"Ref": "Param"}, {"Fn::ImportValue": "x"}, {"Fn::If": ["C", 1, 2]}, None, 7, "junk",
          [], {}, {"Fn::GetAtt": ["Nope", "X"]}, {"Fn::Select": ["a", []]}, {"Fn::Join": [1, 2]},
          True, -1, "0.0.0.0/0", {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", "x", 8]}]}]


def test_mangled_templates_never_crash_the_analyzer() -> None:
    """Hand edits can leave anything anywhere: every value replaced by an
    unresolvable intrinsic or junk still yields a model and verdicts."""
    import copy
    import random

    from vpc_patterns.check import verify_model

    rng = random.Random(5)
    bases = [three_tier().template(), app_data(ssh=True).template(),
             public_acl(three_tier()).template()]
    for _ in range(150):
        body = copy.deepcopy(rng.choice(bases))
        res = body["Resources"]
        for _ in range(rng.randint(1, 5)):
            lid = rng.choice(list(res))
            props = res[lid].get("Properties") if isinstance(res[lid], dict) else None
            if rng.random() < 0.15:
                res[lid] = copy.deepcopy(rng.choice(_WEIRD))
            elif isinstance(props, dict) and props:
                props[rng.choice(list(props))] = copy.deepcopy(rng.choice(_WEIRD))
        for m in build_models(Template("f", "f", body)):
            v = verify_model(m)
            assert all(r.verdict in ("pass", "fail", "unknown") for r in v.results)
            json.dumps([r.to_dict() for r in v.results])


def test_untagged_subnets_take_tier_and_kind_from_their_routes() -> None:
    n = three_tier()
    for lid in ("PublicAz1", "PrivateAz1", "IsolatedAz1"):
        n.props(lid)["Tags"] = []
    m = model_of(n)
    assert [(m.subnet(s).tier, m.subnet(s).kind)
            for s in ("PublicAz1", "PrivateAz1", "IsolatedAz1")] \
        == [("public", "public"), ("private", "private"), ("isolated", "isolated")]
    assert any("PrivateAz1 has no aws-cdk:subnet-type tag" in x for x in m.notes)


def test_rules_on_the_default_security_group_are_kept() -> None:
    n = three_tier()
    n.add("DefaultIn", "AWS::EC2::SecurityGroupIngress",
          GroupId={"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}, IpProtocol="-1",
          CidrIp="0.0.0.0/0")
    (sg,) = model_of(n).security_groups
    assert sg.logical_id == "(default security group)@Vpc"
    assert [(r.protocol, r.peer) for r in sg.rules] == [(-1, "0.0.0.0/0")]
