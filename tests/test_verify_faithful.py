"""``verify`` is faithful: hand-edited templates, broken and correct, each
with the verdict a network engineer reviewing it before a deploy would give.

Every case starts from a small layout the library builds (tests/network_templates.py)
or from the reference app's prod template, changes one thing, and states the
verdict of the intents that thing touches, with the reason in the words the
finding must use. "unknown" is a verdict of its own: the template does not
decide it, and the CLI fails on it unless ``--lenient``.

Count of templates here: ``len(CASES)`` plus the reference-template and
CLI cases below (see the closing note of the truth issue).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.network_templates import IGW, Net, public_acl, three_tier
from vpc_patterns.check import verify_paths
from vpc_patterns.check.cfn import Template
from vpc_patterns.check.parser import build_models
from vpc_patterns.check.results import IntentResult
from vpc_patterns.check.verify import verify_model
from vpc_patterns.cli.main import main
from vpc_patterns.plan.intents import Intent

APP_BLOCK = "10.0.128.0/17"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def results(n: Net | dict, *intents: Intent) -> dict[str, IntentResult]:
    body = n.template() if isinstance(n, Net) else n
    (model,) = build_models(Template("t.template.json", "t", body))
    v = verify_model(model, list(intents) if intents else None)
    return {r.intent.label: r for r in v.results}


def messages(r: IntentResult) -> str:
    return "\n".join(f.message for f in r.findings)


def dual(n: Net) -> Net:
    """The layout with an Amazon-provided IPv6 block on the VPC."""
    return n.add("VpcIpv6", "AWS::EC2::VPCCidrBlock", VpcId=n.ref("Vpc"),
                 AmazonProvidedIpv6CidrBlock=True)


def route6(n: Net, lid: str, rt: str, dest: str = "::/0", **target: Any) -> Net:
    return n.add(lid, "AWS::EC2::Route", RouteTableId=n.ref(rt), DestinationIpv6CidrBlock=dest,
                 **target)


def eigw(n: Net) -> Net:
    return n.add("Eigw", "AWS::EC2::EgressOnlyInternetGateway", VpcId=n.ref("Vpc"))


def iso_default(n: Net, **target: Any) -> Net:
    return n.add("IsoDefault", "AWS::EC2::Route", RouteTableId=n.ref("IsolatedRouteTable"),
                 DestinationCidrBlock="0.0.0.0/0", **target)


def vpn(n: Net, *, tables: tuple[str, ...], static: bool, learned: list[str] | None = None) -> Net:
    n.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1")
    n.add("VgwAttachment", "AWS::EC2::VPCGatewayAttachment", VpcId=n.ref("Vpc"),
          VpnGatewayId=n.ref("Vgw"))
    n.add("Vpn", "AWS::EC2::VPNConnection", VpnGatewayId=n.ref("Vgw"), CustomerGatewayId="cgw-1",
          StaticRoutesOnly=static, Type="ipsec.1")
    if static:
        n.add("VpnRoute", "AWS::EC2::VPNConnectionRoute", VpnConnectionId=n.ref("Vpn"),
              DestinationCidrBlock="172.16.0.0/16")
    if learned is not None:
        n.res["Vpn"]["Metadata"] = {"vpc_patterns": {"learned_routes": learned}}
    return n.add("Propagation", "AWS::EC2::VPNGatewayRoutePropagation", VpnGatewayId=n.ref("Vgw"),
                 RouteTableIds=[n.ref(t) for t in tables])


def private_acl(n: Net, *out: tuple[int, tuple[int, int] | None]) -> Net:
    """The private subnets' own ACL: in, everything (replies included); out,
    only the (protocol, ports) given."""
    n.acl("PrivAcl", "PrivateAz1", "PrivateAz2")
    n.entry("PrivAcl", 100, egress=False, protocol=-1)
    for i, (proto, ports) in enumerate(out):
        n.entry("PrivAcl", 100 + 10 * i, egress=True, protocol=proto, ports=ports)
    return n


def nat_eni(n: Net, *, sdc: Any = False, eip: bool = True) -> Net:
    """AZ 1's private route through a NAT interface in the public subnet
    instead of the NAT gateway."""
    props: dict[str, Any] = {"SubnetId": n.ref("PublicAz1")}
    if sdc is not None:
        props["SourceDestCheck"] = sdc
    n.add("NatEni", "AWS::EC2::NetworkInterface", **props)
    if eip:
        n.add("NatEniEip", "AWS::EC2::EIP", Domain="vpc")
        n.add("NatEniEipAssoc", "AWS::EC2::EIPAssociation", NetworkInterfaceId=n.ref("NatEni"),
              AllocationId={"Fn::GetAtt": ["NatEniEip", "AllocationId"]})
    route = n.props("PrivateAz1DefaultRoute")
    del route["NatGatewayId"]
    route["NetworkInterfaceId"] = n.ref("NatEni")
    return n


def nat_instance(n: Net, *, public_subnet_maps: bool) -> Net:
    n.props("PublicAz1")["MapPublicIpOnLaunch"] = public_subnet_maps
    n.add("NatHost", "AWS::EC2::Instance", SubnetId=n.ref("PublicAz1"), SourceDestCheck=False,
          InstanceType="t4g.nano", ImageId="ami-12345678")
    route = n.props("PrivateAz1DefaultRoute")
    del route["NatGatewayId"]
    route["InstanceId"] = n.ref("NatHost")
    return n


def prefix_list(n: Net, *cidrs: str) -> Net:
    return n.add("Partners", "AWS::EC2::PrefixList", AddressFamily="IPv4", MaxEntries=5,
                 PrefixListName="partners", Entries=[{"Cidr": c} for c in cidrs])


# -- workloads and groups (app -> data on 5432) -----------------------------
def app_data_groups(*, db_rule: dict[str, Any], app_egress: list[dict] | None = None,
                    db_subnets: tuple[str, ...] = ("IsolatedAz1", "IsolatedAz2")) -> Net:
    """three_tier with an ECS service in the private tier and a database in
    the isolated one, each with its security group."""
    n = three_tier()
    app_sg: dict[str, Any] = {"VpcId": n.ref("Vpc"), "GroupDescription": "app"}
    if app_egress is not None:
        app_sg["SecurityGroupEgress"] = app_egress
    n.add("AppSg", "AWS::EC2::SecurityGroup", **app_sg)
    n.add("DbSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="db",
          SecurityGroupIngress=[db_rule])
    n.add("AppService", "AWS::ECS::Service", Cluster="c", TaskDefinition="t",
          NetworkConfiguration={"AwsvpcConfiguration": {
              "Subnets": [n.ref("PrivateAz1"), n.ref("PrivateAz2")],
              "SecurityGroups": [{"Fn::GetAtt": ["AppSg", "GroupId"]}]}})
    n.add("DbSubnets", "AWS::RDS::DBSubnetGroup", DBSubnetGroupDescription="db",
          SubnetIds=[n.ref(s) for s in db_subnets])
    n.add("Db", "AWS::RDS::DBCluster", Engine="aurora-postgresql",
          DBSubnetGroupName=n.ref("DbSubnets"),
          VpcSecurityGroupIds=[{"Fn::GetAtt": ["DbSg", "GroupId"]}])
    return n


def from_group(group: str, port: int = 5432) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "SourceSecurityGroupId": {"Fn::GetAtt": [group, "GroupId"]}}


def from_cidr(cidr: str, port: int = 5432) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": cidr}


REACHES = Intent.reaches("private", "isolated", [5432], only=False)
R_LABEL = REACHES.label


# ---------------------------------------------------------------------------
# the cases: template, intent label, verdict, words the findings must use
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    build: Callable[[], Net]
    label: str
    verdict: str
    words: str = ""
    intents: tuple[Intent, ...] = ()


def _with(n: Net, fn: Callable[[Net], Any]) -> Net:
    fn(n)
    return n


CASES: dict[str, Case] = {
    # --- the layout as built: every default holds -------------------------
    "as built": Case(three_tier, "no_internet(isolated)", "pass"),
    "as built, structure": Case(three_tier, "tiers_match_topology()", "pass"),
    "as built, dual-stack": Case(lambda: dual(three_tier()), "no_internet(isolated)", "pass"),
    # --- IPv6 -------------------------------------------------------------
    "isolated ::/0 to the internet gateway": Case(
        lambda: route6(dual(three_tier()), "IsoV6", "IsolatedRouteTable", GatewayId=IGW),
        "no_internet(isolated)", "fail", "is reachable from the internet"),
    "isolated ::/0 to the internet gateway, structure": Case(
        lambda: route6(dual(three_tier()), "IsoV6", "IsolatedRouteTable", GatewayId=IGW),
        "tiers_match_topology()", "fail", "its routes make it public"),
    "isolated ::/0 to an egress-only gateway": Case(
        lambda: route6(eigw(dual(three_tier())), "IsoV6", "IsolatedRouteTable",
                       EgressOnlyInternetGatewayId={"Ref": "Eigw"}),
        "no_internet(isolated)", "fail", "reaches the internet"),
    "isolated ::/0 to an egress-only gateway, not inbound": Case(
        lambda: route6(eigw(dual(three_tier())), "IsoV6", "IsolatedRouteTable",
                       EgressOnlyInternetGatewayId={"Ref": "Eigw"}),
        "internet_ingress_only(tiers=[public], ports=None)", "pass"),
    # no IPv6 block: no IPv6 packet exists in this VPC for the route to carry
    "IPv4-only VPC with an IPv6 route on the isolated table": Case(
        lambda: route6(three_tier(), "IsoV6", "IsolatedRouteTable", GatewayId=IGW),
        "no_internet(isolated)", "pass"),
    "private ::/0 egress-only, public ::/0 to the gateway": Case(
        lambda: _with(route6(eigw(dual(three_tier())), "PubV6", "PublicRouteTable",
                             GatewayId=IGW),
                      lambda n: [route6(n, f"PrivV6{i}", f"PrivateAz{i}RouteTable",
                                        EgressOnlyInternetGatewayId={"Ref": "Eigw"})
                                 for i in (1, 2)]),
        "egress_only(private)", "pass"),
    "private ::/0 to the internet gateway": Case(
        lambda: _with(dual(three_tier()),
                      lambda n: [route6(n, f"PrivV6{i}", f"PrivateAz{i}RouteTable", GatewayId=IGW)
                                 for i in (1, 2)]),
        "egress_only(private)", "fail", "is reachable from the internet"),
    "isolated NAT64 prefix to a NAT gateway": Case(
        lambda: route6(dual(three_tier()), "Iso64", "IsolatedRouteTable", "64:ff9b::/96",
                       NatGatewayId={"Ref": "NatAz1"}),
        "no_internet(isolated)", "fail", "NAT64"),
    "isolated global IPv6 to a NAT gateway (no NAT64 for it)": Case(
        lambda: route6(dual(three_tier()), "IsoNat6", "IsolatedRouteTable", "2600::/16",
                       NatGatewayId={"Ref": "NatAz1"}),
        "no_internet(isolated)", "pass"),
    "isolated ACL drops IPv6, routes still public": Case(
        lambda: _with(route6(dual(three_tier()), "IsoV6", "IsolatedRouteTable", GatewayId=IGW),
                      lambda n: n.acl("IsoAcl", "IsolatedAz1", "IsolatedAz2")),
        "tiers_match_topology()", "fail", "its routes make it public"),
    "isolated ACL drops IPv6, so no path": Case(
        lambda: _with(route6(dual(three_tier()), "IsoV6", "IsolatedRouteTable", GatewayId=IGW),
                      lambda n: n.acl("IsoAcl", "IsolatedAz1", "IsolatedAz2")),
        "no_internet(isolated)", "pass"),
    # --- prefix lists -----------------------------------------------------
    "isolated route to a prefix list not in the template": Case(
        lambda: three_tier().route("IsoPl", "IsolatedRouteTable", "pl-0123456789abcdef0",
                                   GatewayId=IGW),
        "no_internet(isolated)", "unknown", "whose entries the template does not hold"),
    "isolated route to a template prefix list of private ranges": Case(
        lambda: _with(prefix_list(three_tier(), "172.20.0.0/16"),
                      lambda n: n.add("IsoPl", "AWS::EC2::Route",
                                      RouteTableId=n.ref("IsolatedRouteTable"),
                                      DestinationPrefixListId={"Fn::GetAtt": ["Partners",
                                                                              "PrefixListId"]},
                                      GatewayId=IGW)),
        "no_internet(isolated)", "pass"),
    "isolated route to a template prefix list with a public range": Case(
        lambda: _with(prefix_list(three_tier(), "172.20.0.0/16", "198.51.100.0/24"),
                      lambda n: n.add("IsoPl", "AWS::EC2::Route",
                                      RouteTableId=n.ref("IsolatedRouteTable"),
                                      DestinationPrefixListId={"Ref": "Partners"},
                                      GatewayId=IGW)),
        "no_internet(isolated)", "fail", "reaches the internet"),
    # --- route targets ----------------------------------------------------
    "isolated default route to a carrier gateway": Case(
        lambda: iso_default(three_tier(), CarrierGatewayId="cagw-0123456789abcdef0"),
        "no_internet(isolated)", "fail", "reaches the internet"),
    "isolated default route to a Cloud WAN core network": Case(
        lambda: iso_default(three_tier(),
                            CoreNetworkArn="arn:aws:networkmanager::1:core-network/x"),
        "no_internet(isolated)", "unknown", "depends on networks beyond this template"),
    "isolated default route to an Outposts local gateway": Case(
        lambda: iso_default(three_tier(), LocalGatewayId="lgw-0123456789abcdef0"),
        "no_internet(isolated)", "unknown", "local-gateway"),
    "isolated default route to a Gateway Load Balancer endpoint": Case(
        lambda: iso_default(three_tier(), VpcEndpointId="vpce-0123456789abcdef0"),
        "no_internet(isolated)", "unknown", "Gateway Load Balancer"),
    "isolated default route to a transit gateway": Case(
        lambda: iso_default(three_tier(), TransitGatewayId="tgw-0123456789abcdef0"),
        "no_internet(isolated)", "unknown", "transit-gateway"),
    "isolated default route with a target property not modelled": Case(
        lambda: iso_default(three_tier(), OdbNetworkArn="arn:aws:odb:::odb-network/x"),
        "no_internet(isolated)", "unknown", "does not model"),
    "isolated default route with no target": Case(
        lambda: iso_default(three_tier()),
        "no_internet(isolated)", "unknown", "(no target)"),
    "isolated default route to a literal interface": Case(
        lambda: iso_default(three_tier(), NetworkInterfaceId="eni-0123456789abcdef0"),
        "no_internet(isolated)", "unknown", "not in the template"),
    # --- route propagation ------------------------------------------------
    "BGP propagation into the isolated tier, undeclared": Case(
        lambda: vpn(three_tier(), tables=("IsolatedRouteTable",), static=False),
        "no_internet(isolated)", "unknown", "learned by BGP"),
    "BGP propagation into the isolated tier, routes declared": Case(
        lambda: vpn(three_tier(), tables=("IsolatedRouteTable",), static=False,
                    learned=["172.16.0.0/16"]),
        "no_internet(isolated)", "pass"),
    "static VPN propagation into the isolated tier": Case(
        lambda: vpn(three_tier(), tables=("IsolatedRouteTable",), static=True),
        "no_internet(isolated)", "pass"),
    "BGP propagation into the private tier may shadow the NAT": Case(
        lambda: vpn(three_tier(), tables=("PrivateAz1RouteTable", "PrivateAz2RouteTable"),
                    static=False),
        "egress_in_az(private)", "unknown", "shadowing the NAT route"),
    # --- what counts as egress --------------------------------------------
    "private ACL admits UDP out only": Case(
        lambda: private_acl(three_tier(), (17, None)),
        "egress_only(private)", "fail", "does not reach the internet on TCP 443"),
    "private ACL admits TCP 80 out only": Case(
        lambda: private_acl(three_tier(), (6, (80, 80))),
        "egress_only(private)", "fail", "it reaches it on TCP 80 only"),
    "private ACL admits TCP 443 out": Case(
        lambda: private_acl(three_tier(), (6, (443, 443))),
        "egress_only(private)", "pass"),
    # --- NAT validity -----------------------------------------------------
    "NAT gateway in a private subnet": Case(
        lambda: _with(three_tier(), lambda n: n.props("NatAz1").update(
            SubnetId=n.ref("PrivateAz1"))),
        "egress_only(private)", "fail", "does not route to an attached internet gateway"),
    "private NAT gateway": Case(
        lambda: _with(three_tier(), lambda n: n.props("NatAz1").update(
            ConnectivityType="private")),
        "egress_only(private)", "fail", "is private (no internet)"),
    "NAT interface with source/dest check left on": Case(
        lambda: nat_eni(three_tier(), sdc=None),
        "egress_only(private)", "fail", "source/destination check on"),
    "NAT interface without a public address": Case(
        lambda: nat_eni(three_tier(), eip=False),
        "egress_only(private)", "fail", "has no public address"),
    "NAT interface with check off and an Elastic IP": Case(
        lambda: nat_eni(three_tier()),
        "egress_only(private)", "pass"),
    "NAT interface whose check is a parameter": Case(
        lambda: nat_eni(three_tier(), sdc={"Ref": "CheckParam"}),
        "egress_only(private)", "unknown", "source/destination check of NatEni is not decidable"),
    "NAT instance with a public address at launch": Case(
        lambda: nat_instance(three_tier(), public_subnet_maps=True),
        "egress_only(private)", "pass"),
    "NAT instance without a public address": Case(
        lambda: nat_instance(three_tier(), public_subnet_maps=False),
        "egress_only(private)", "fail", "has no public address"),
    # --- shadowing --------------------------------------------------------
    "more specific routes send AZ 1 to AZ 2's NAT": Case(
        lambda: three_tier()
        .route("Shadow1", "PrivateAz1RouteTable", "0.0.0.0/1", NatGatewayId={"Ref": "NatAz2"})
        .route("Shadow2", "PrivateAz1RouteTable", "128.0.0.0/1", NatGatewayId={"Ref": "NatAz2"}),
        "egress_in_az(private)", "fail", "in another AZ"),
    # --- topology against tags (no plan record: the tags say the kind) -----
    "isolated-tagged subnet moved to the public route table": Case(
        lambda: _with(three_tier(), lambda n: n.props("IsolatedAz1Assoc").update(
            RouteTableId=n.ref("PublicRouteTable"))),
        "tiers_match_topology()", "fail", "IsolatedAz1 is isolated (tier isolated) by its tags, "
                                          "but its routes make it public"),
    "internet gateway detached: the public tier is isolated": Case(
        lambda: _with(three_tier(), lambda n: n.res.pop("IgwAttachment")),
        "tiers_match_topology()", "fail", "its routes make it isolated"),
    # --- security groups joined with the ACLs -----------------------------
    "database group admits 5432 from the app group": Case(
        lambda: app_data_groups(db_rule=from_group("AppSg")),
        R_LABEL, "pass", intents=(REACHES,)),
    "database group admits 3306 only": Case(
        lambda: app_data_groups(db_rule=from_group("AppSg", 3306)),
        R_LABEL, "fail", "the network ACLs admit it but security group(s) DbSg of Db do not "
                         "admit it", intents=(REACHES,)),
    "database group admits a group attached to nothing here": Case(
        lambda: app_data_groups(db_rule=from_group("DbSg")),
        R_LABEL, "fail", "security group(s) DbSg of Db do not admit it", intents=(REACHES,)),
    "database group admits the app block": Case(
        lambda: app_data_groups(db_rule=from_cidr(APP_BLOCK)),
        R_LABEL, "pass", intents=(REACHES,)),
    "database group admits one /24 of the app tier": Case(
        lambda: app_data_groups(db_rule=from_cidr("10.0.128.0/24")),
        R_LABEL, "fail", "cover only part of", intents=(REACHES,)),
    "app group lets only 443 out": Case(
        lambda: app_data_groups(db_rule=from_group("AppSg"),
                                app_egress=[from_cidr("0.0.0.0/0", 443)]),
        R_LABEL, "fail", "security group(s) AppSg of AppService do not admit it (egress",
        intents=(REACHES,)),
    "database group admits a prefix list": Case(
        lambda: app_data_groups(db_rule={"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                         "SourcePrefixListId": "pl-0123456789abcdef0"}),
        R_LABEL, "unknown", "is not decidable", intents=(REACHES,)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_verdict_a_network_engineer_would_give(name: str) -> None:
    case = CASES[name]
    got = results(case.build(), *case.intents)
    assert case.label in got, sorted(got)
    r = got[case.label]
    assert r.verdict == case.verdict, (name, r.verdict, messages(r))
    if case.words:
        assert case.words in messages(r), (name, messages(r))


def test_the_case_count_meets_the_bar() -> None:
    assert len(CASES) >= 40


def test_a_group_attached_to_nothing_is_undecidable_not_blocking() -> None:
    # The database group admits a group no workload of the template carries:
    # a workload made elsewhere may carry it, so the layer cannot decide.
    n = app_data_groups(db_rule=from_group("OtherSg"))
    n.add("OtherSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="other")
    r = results(n, REACHES)[R_LABEL]
    assert r.verdict == "unknown" and "attached to nothing the template places" in messages(r)


def test_without_workloads_the_flow_is_decided_at_subnet_level() -> None:
    r = results(three_tier(), REACHES)[R_LABEL]
    assert r.verdict == "pass"
    assert all("(routes and network ACLs)" in e.message for e in r.evidence)


# ---------------------------------------------------------------------------
# the reference app's prod template, hand-edited
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod(reference_app) -> dict[str, Any]:
    return json.loads((reference_app.out / "vpc-patterns-prod.template.json").read_text())


def _record(res: dict) -> dict | None:
    return res.get("Metadata", {}).get("vpc_patterns", {}).get("subnet")


def _find(t: dict, kind: str, az: str) -> str:
    return next(lid for lid, r in t["Resources"].items()
                if r["Type"] == "AWS::EC2::Subnet" and (_record(r) or {}).get("kind") == kind
                and _record(r)["az"] == az)


def _assoc(t: dict, subnet: str) -> str:
    return next(lid for lid, r in t["Resources"].items()
                if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation"
                and r["Properties"]["SubnetId"] == {"Ref": subnet})


def _retag(res: dict, tier: str, kind: str) -> None:
    for tag in res["Properties"]["Tags"]:
        if tag["Key"] in ("vpc-patterns:tier", "aws-cdk:subnet-name"):
            tag["Value"] = tier
        if tag["Key"] == "aws-cdk:subnet-type":
            tag["Value"] = kind.capitalize()


def test_prod_as_synthesized_passes_everything(prod: dict) -> None:
    got = results(prod)
    assert {k: r.verdict for k, r in got.items()} == {k: "pass" for k in got}
    assert "tiers_match_topology()" in got


def test_prod_isolated_subnet_retagged_public_and_moved_fails(prod: dict) -> None:
    """The trick the tags allowed: call an isolated subnet public and move it
    to the public route table. The plan's record still says isolated."""
    t = copy.deepcopy(prod)
    iso, pub = _find(t, "isolated", "az1"), _find(t, "public", "az1")
    _retag(t["Resources"][iso], "public", "public")
    t["Resources"][_assoc(t, iso)]["Properties"]["RouteTableId"] = \
        t["Resources"][_assoc(t, pub)]["Properties"]["RouteTableId"]
    got = results(t)
    assert got["no_internet(isolated)"].verdict == "fail"
    assert f"{iso} reaches the internet" in messages(got["no_internet(isolated)"])
    topo = messages(got["tiers_match_topology()"])
    assert got["tiers_match_topology()"].verdict == "fail"
    assert f"{iso}: its tags say tier public, the plan's record says isolated" in topo
    assert f"{iso} is isolated (tier isolated) by the plan's record, but its routes make it " \
           "public" in topo


def test_prod_retagged_only_is_reported(prod: dict) -> None:
    t = copy.deepcopy(prod)
    iso = _find(t, "isolated", "az2")
    _retag(t["Resources"][iso], "public", "public")
    got = results(t)
    assert got["no_internet(isolated)"].verdict == "pass"  # the routes did not change
    assert got["tiers_match_topology()"].verdict == "fail"
    assert "its tags say kind public, the plan's record says isolated" in \
        messages(got["tiers_match_topology()"])


def test_prod_isolated_table_gains_a_bgp_vpn(prod: dict) -> None:
    """prod's VPN is static; switched to BGP by hand, what on-premises
    announces into the isolated and private tiers is no longer known."""
    t = copy.deepcopy(prod)
    (conn,) = [r for r in t["Resources"].values() if r["Type"] == "AWS::EC2::VPNConnection"]
    conn["Properties"]["StaticRoutesOnly"] = False
    got = results(t)
    assert got["no_internet(isolated)"].verdict == "unknown"
    assert got["egress_in_az(private)"].verdict == "unknown"


# ---------------------------------------------------------------------------
# the CLI: unknown fails unless --lenient
# ---------------------------------------------------------------------------


def test_cli_fails_on_unknown_unless_lenient(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = CASES["isolated default route to a transit gateway"].build().write(
        tmp_path / "tgw.template.json")
    assert main(["verify", str(path)]) == 1
    assert "1 unknown" in capsys.readouterr().out
    assert main(["verify", "--lenient", str(path)]) == 0
    assert main(["verify", "--strict", str(path)]) == 1
    report = verify_paths([path])
    assert report.exit_code() == 1 and report.exit_code(lenient=True) == 0


def _alb(n: Net, *ports: int) -> Net:
    n.add("AlbSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="alb",
          SecurityGroupIngress=[from_cidr("0.0.0.0/0", p) for p in ports])
    return n.add("Alb", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                 Subnets=[n.ref("PublicAz1"), n.ref("PublicAz2")],
                 SecurityGroups=[{"Fn::GetAtt": ["AlbSg", "GroupId"]}])


def test_internet_findings_name_the_layer_that_admits_or_blocks() -> None:
    """The public ACL admits SSH from anywhere: the intent fails either way
    (the next workload placed there may not have the load balancer's
    group), and the finding says which layer lets it in."""
    intent = Intent.internet_ingress_only(["public"], [80, 443])
    blocked = results(_alb(public_acl(three_tier(), extra_port=22), 443), intent)[intent.label]
    assert blocked.verdict == "fail"
    assert "on TCP 22; the network ACLs admit it, and the security groups of what the " \
           "template places there: Alb (AWS::ElasticLoadBalancingV2::LoadBalancer): its " \
           "security groups admit none of it" in messages(blocked)
    opened = results(_alb(public_acl(three_tier(), extra_port=22), 443, 22), intent)[intent.label]
    assert "its security groups admit TCP 22" in messages(opened)
    bare = results(public_acl(three_tier(), extra_port=22), intent)[intent.label]
    assert "(the template places no workload there)" in messages(bare)


# ---------------------------------------------------------------------------
# what a workload cannot run without (an ECS service pulling its image)
# ---------------------------------------------------------------------------

NEEDS = "workloads_reach_their_needs()"


def _ecs(egress: list[dict] | None, *, endpoints: bool = False,
         endpoint_ingress: list[dict] | None = None) -> Net:
    """An ECS service in the private tier (NAT per AZ, S3 gateway endpoint);
    with ``endpoints``, ecr.api and ecr.dkr interface endpoints in the
    private subnets behind a group of their own."""
    n = three_tier()
    sg: dict[str, Any] = {"VpcId": n.ref("Vpc"), "GroupDescription": "tasks"}
    if egress is not None:
        sg["SecurityGroupEgress"] = egress
    n.add("TaskSg", "AWS::EC2::SecurityGroup", **sg)
    n.add("Service", "AWS::ECS::Service", Cluster="c", TaskDefinition="t",
          NetworkConfiguration={"AwsvpcConfiguration": {
              "Subnets": [n.ref("PrivateAz1"), n.ref("PrivateAz2")],
              "SecurityGroups": [{"Fn::GetAtt": ["TaskSg", "GroupId"]}]}})
    if endpoints:
        n.add("EndpointSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"),
              GroupDescription="endpoints",
              SecurityGroupIngress=endpoint_ingress or [from_cidr("10.0.0.0/16", 443)])
        for svc in ("ecr.api", "ecr.dkr"):
            n.add(f"Ecr{svc[4:].capitalize()}Endpoint", "AWS::EC2::VPCEndpoint",
                  VpcId=n.ref("Vpc"), VpcEndpointType="Interface",
                  ServiceName={"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"},
                                                 f".{svc}"]]},
                  SubnetIds=[n.ref("PrivateAz1"), n.ref("PrivateAz2")],
                  SecurityGroupIds=[{"Fn::GetAtt": ["EndpointSg", "GroupId"]}],
                  PrivateDnsEnabled=True)
    return n


def test_tasks_with_the_default_egress_reach_the_registry_through_the_nat() -> None:
    r = results(_ecs(None))[NEEDS]
    assert r.verdict == "pass", messages(r)
    texts = [e.message for e in r.evidence]
    assert any("reaches ecr.dkr on TCP 443 ecr.dkr over the internet" in t for t in texts)
    assert any("reaches s3 on TCP 443 the S3 gateway endpoint" in t for t in texts)


def test_egress_to_the_vpc_only_breaks_image_pulls_through_the_nat() -> None:
    """The mistake the issue describes: 443 to the VPC only, no endpoints."""
    r = results(_ecs([from_cidr("10.0.0.0/16", 443)]))[NEEDS]
    assert r.verdict == "fail"
    assert "Service (AWS::ECS::Service) in PrivateAz1 may not reach ecr.api on TCP 443: ecr.api " \
           "over the internet: the security groups TaskSg of Service let no TCP 443 out to it" \
        in messages(r)


def test_egress_to_the_vpc_is_enough_with_the_endpoints_but_not_for_s3() -> None:
    r = results(_ecs([from_cidr("10.0.0.0/16", 443)], endpoints=True))[NEEDS]
    text = messages(r)
    assert r.verdict == "fail"
    assert "ecr.api" not in text and "ecr.dkr" not in text  # the endpoints take those
    assert "may not reach s3 on TCP 443: the S3 gateway endpoint (its prefix list)" in text
    ok = results(_ecs([from_cidr("10.0.0.0/16", 443),
                       {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                        "DestinationPrefixListId": "pl-63a5400a"}], endpoints=True))[NEEDS]
    # the S3 list's id is region-specific: the template does not say it is S3's
    assert ok.verdict == "unknown" and "prefix list the template does not resolve" in messages(ok)


def test_an_endpoint_group_that_refuses_the_tasks_fails() -> None:
    r = results(_ecs(None, endpoints=True,
                     endpoint_ingress=[from_cidr("10.0.0.0/24", 443)]))[NEEDS]
    assert r.verdict == "fail"
    assert "the ecr.api endpoint EcrApiEndpoint: security group(s) EndpointSg of EcrApiEndpoint " \
           "do not admit it (ingress, PrivateAz1)" in messages(r)


def test_the_check_is_added_only_where_such_a_workload_is() -> None:
    assert NEEDS not in results(three_tier())
    assert NEEDS in results(_ecs(None))
