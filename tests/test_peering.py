"""VpcPeering: routes both ways across two stacks, external peers (another
account, another region), DNS resolution, the overlap registry, ACL rules for
peer-opened flows (the DNS handler's API calls are tested in
tests/test_handlers.py).

One app, synthesized once for the module with the four cdk-nag packs as
validation plugins (synthesis raises on any unacknowledged finding), every
stack environment-agnostic:

* ``Requester`` holds network A (10.20.0.0/16, 3 AZs) and three peerings:
  A <-> B (network of the ``Accepter`` stack: routes on A's private tier and
  B's private and public tiers, DNS on), A -> a VPC of another account and
  region (DNS on: requester side only), A -> a VPC of this account in another
  region (DNS on: both sides, each in its region).
* ``Accepter`` holds network B (10.30.0.0/16, 2 AZs) and a peering from B's
  isolated tier to a VPC of this account and region (no DNS).
* ``Combined`` holds network C with every construct of this part: interface
  endpoints, a peering to A (in another stack), and an instance with an extra
  network interface; C's private ACL admits HTTPS opened from A
  (:func:`peer_acl_rules`).

Expectations come from the network plans, never from synthesized output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, Tier, plan_network
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.default_sg import HANDLER_TIMEOUT_SECONDS
from vpc_patterns.build.endpoints import InterfaceEndpoints
from vpc_patterns.build.eni import ExtraNetworkInterface
from vpc_patterns.build.peering import HANDLER_SOURCE, VpcPeering
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.plan.nacl import plan_acls
from vpc_patterns.plan.peering import PEER_ACL_FIRST_NUMBER, PeerVpc, peer_acl_rules
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgRule

from .lint_helpers import cfn_lint
from .nag_helpers import findings_by_path, switch_off_acknowledgments
from .template_helpers import check_handler

OTHER_ACCOUNT = "222233334444"
ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/PeeringAccepter"
CROSS = PeerVpc("vpc-0a1b2c3d4e5f60718", "10.40.0.0/16", owner_id=OTHER_ACCOUNT,
                region="eu-west-1", role_arn=ROLE)
REGIONAL = PeerVpc("vpc-0123456789abcdef0", "10.41.0.0/16", region="eu-central-1")
LOCAL = PeerVpc("vpc-0fedcba9876543210", "10.50.0.0/16")


@dataclass
class Built:
    stacks: dict[str, Stack]
    nets: dict[str, BestPracticeVpc]
    peerings: dict[str, VpcPeering]
    tpl: dict[str, dict]
    out: Path

    def lid(self, construct: Any) -> str:
        return Stack.of(construct).resolve(construct.logical_id)

    def res(self, stack: str, construct: Any) -> dict:
        return self.tpl[stack]["Resources"][self.lid(construct)]

    def of_type(self, stack: str, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl[stack]["Resources"].items() if v["Type"] == type_}

    def export_of(self, stack: str, construct: Any) -> dict:
        """The Fn::ImportValue another stack uses for ``construct``'s Ref."""
        ref = {"Ref": self.lid(construct)}
        names = [o["Export"]["Name"] for o in self.tpl[stack].get("Outputs", {}).values()
                 if o.get("Value") == ref and "Export" in o]
        assert len(names) == 1, f"{stack} exports {ref} {len(names)} times"
        return {"Fn::ImportValue": names[0]}

    def routes(self, stack: str, destination: str) -> dict[str, dict]:
        return {k: v["Properties"] for k, v in self.of_type(stack, "AWS::EC2::Route").items()
                if v["Properties"].get("DestinationCidrBlock") == destination}


def _route_tables(net: BestPracticeVpc, tiers: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for t in tiers:
        for s in net.plan.subnets_of(t):
            if s.route_table not in out:
                out.append(s.route_table)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> Built:
    out = tmp_path_factory.mktemp("peering")
    app = App(context=cdk_context, outdir=str(out))
    req = Stack(app, "Requester")
    acc = Stack(app, "Accepter")
    comb = Stack(app, "Combined")
    a = BestPracticeVpc(req, "Network", cidr="10.20.0.0/16")
    b = BestPracticeVpc(acc, "Network", cidr="10.30.0.0/16", max_azs=2,
                        nat=NatProvider.single_gateway())
    c = BestPracticeVpc(comb, "Network", cidr="10.60.0.0/16", max_azs=2,
                        nat=NatProvider.single_gateway(),
                        acl_rules={"private": peer_acl_rules("10.20.0.0/16", [443])})
    peerings = {
        "ab": VpcPeering(req, "AToB", requester=a, accepter=b,
                         accepter_tiers=("private", "public"), dns_resolution=True),
        "cross": VpcPeering(req, "AToPartner", requester=a, accepter=CROSS, dns_resolution=True),
        "regional": VpcPeering(req, "AToFrankfurt", requester=a, accepter=REGIONAL,
                               dns_resolution=True),
        "local": VpcPeering(acc, "BToLegacy", requester=b, accepter=LOCAL,
                            requester_tiers=("isolated",)),
        "ca": VpcPeering(comb, "CToA", requester=c, accepter=a),
    }
    InterfaceEndpoints(comb, "Endpoints", network=c, services=["ssm", "ssmmessages",
                                                                "ec2messages"])
    sgs = WorkloadSecurityGroups(comb, "Groups", network=c, groups=[SecurityGroupSpec(
        "mgmt", "Management interfaces",
        ingress=[SgRule("10.20.0.0/16", 443, "HTTPS from the peered network A")],
        egress=[SgRule("10.60.0.0/16", 443, "HTTPS to the interface endpoints")])])
    box = ec2.Instance(
        comb, "Box", vpc=c.vpc, vpc_subnets=ec2.SubnetSelection(subnets=[c.vpc.private_subnets[0]]),
        instance_type=ec2.InstanceType("t4g.nano"),
        machine_image=ec2.MachineImage.latest_amazon_linux2023(
            cpu_type=ec2.AmazonLinuxCpuType.ARM_64),
        security_group=sgs.groups["mgmt"], require_imdsv2=True, detailed_monitoring=True,
        disable_api_termination=True,
        block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
            8, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))])
    ExtraNetworkInterface(comb, "BoxMgmt", network=c, tier="private", az_index=0,
                          security_groups=[sgs.groups["mgmt"]], instance=box,
                          description="Management interface reachable from network A")
    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    tpl = {n: json.loads((out / f"{n}.template.json").read_text())
           for n in ("Requester", "Accepter", "Combined")}
    return Built({"req": req, "acc": acc, "comb": comb}, {"a": a, "b": b, "c": c}, peerings,
                 tpl, out)


# --------------------------------------------------------------------------
# Two networks of the app, two stacks
# --------------------------------------------------------------------------


def test_connection_joins_the_two_vpcs_across_stacks(built: Built) -> None:
    a, b = built.nets["a"], built.nets["b"]
    p = built.res("Requester", built.peerings["ab"].connection)
    assert p["Type"] == "AWS::EC2::VPCPeeringConnection"
    props = p["Properties"]
    assert props["VpcId"] == {"Ref": built.lid(a.cfn_vpc)}
    assert props["PeerVpcId"] == built.export_of("Accepter", b.cfn_vpc)
    assert not {"PeerOwnerId", "PeerRoleArn", "PeerRegion"} & set(props)


def test_requester_routes_to_the_accepter_cidr_on_its_private_tables_only(built: Built) -> None:
    a = built.nets["a"]
    pcx = {"Ref": built.lid(built.peerings["ab"].connection)}
    routes = [r for r in built.routes("Requester", "10.30.0.0/16").values()]
    want = [{"Ref": built.lid(a.route_tables[rt])} for rt in _route_tables(a, ("private",))]
    assert len(want) == 3
    assert sorted(json.dumps(r["RouteTableId"]) for r in routes) == sorted(map(json.dumps, want))
    assert all(r["VpcPeeringConnectionId"] == pcx for r in routes)
    others = {json.dumps({"Ref": built.lid(a.route_tables[rt])})
              for rt in _route_tables(a, ("public", "isolated"))}
    assert not others & {json.dumps(r["RouteTableId"]) for r in routes}


def test_accepter_routes_back_on_the_chosen_tiers_through_imports(built: Built) -> None:
    b = built.nets["b"]
    pcx = {"Ref": built.lid(built.peerings["ab"].connection)}
    routes = built.routes("Requester", "10.20.0.0/16")
    tables = [built.export_of("Accepter", b.route_tables[rt])
              for rt in _route_tables(b, ("private", "public"))]
    assert len(tables) == 3  # two private tables (one per AZ) and the shared public one
    assert sorted(json.dumps(r["RouteTableId"]) for r in routes.values()) == \
        sorted(map(json.dumps, tables))
    assert all(r["VpcPeeringConnectionId"] == pcx for r in routes.values())
    # not on B's isolated table, and nothing of the peering lives in B's own template
    iso = b.route_tables[_route_tables(b, ("isolated",))[0]]
    assert "Fn::ImportValue" in json.dumps(tables) and built.lid(iso) not in json.dumps(routes)
    assert built.routes("Accepter", "10.20.0.0/16") == {}
    assert "Fn::ImportValue" not in json.dumps(built.tpl["Accepter"])


def test_network_stacks_do_not_depend_on_each_other(built: Built) -> None:
    req, acc, comb = built.stacks["req"], built.stacks["acc"], built.stacks["comb"]
    assert acc in req.dependencies and req not in acc.dependencies
    assert {req} <= set(comb.dependencies) and comb not in req.dependencies


def test_dns_custom_resource_sets_both_sides_for_networks_of_the_app(built: Built) -> None:
    pe = built.peerings["ab"]
    assert pe.dns is not None
    cr = built.of_type("Requester", "Custom::VpcPeeringDns")
    [props] = [v["Properties"] for k, v in cr.items() if k.startswith("AToB")]
    assert props["PeeringConnectionId"] == {"Ref": built.lid(pe.connection)}
    assert props["Sides"] == [{"Side": "Requester", "Region": {"Ref": "AWS::Region"}},
                              {"Side": "Accepter", "Region": {"Ref": "AWS::Region"}}]
    [lid] = [k for k in cr if k.startswith("AToB")]
    fn = check_handler(built.tpl["Requester"]["Resources"], lid)
    assert fn["Timeout"] == HANDLER_TIMEOUT_SECONDS
    assert props["ServiceTimeout"] == str(HANDLER_TIMEOUT_SECONDS + 60)


def test_dns_handler_may_only_modify_this_peering(built: Built) -> None:
    pe = built.peerings["ab"]
    pcx = built.lid(pe.connection)
    policies = {k: v["Properties"] for k, v in built.of_type(
        "Requester", "AWS::IAM::ManagedPolicy").items() if k.startswith("AToBDnsHandler")}
    [policy] = policies.values()
    stmts = policy["PolicyDocument"]["Statement"]
    ec2_stmts = [s for s in stmts if "ec2" in json.dumps(s["Action"])]
    assert [s["Action"] for s in ec2_stmts] == ["ec2:ModifyVpcPeeringConnectionOptions"]
    arn = json.dumps(ec2_stmts[0]["Resource"])
    assert ":vpc-peering-connection/" in arn and pcx in arn and "*" not in arn
    other = [s for s in stmts if s not in ec2_stmts]
    assert [s["Action"] for s in other] == [["logs:CreateLogStream", "logs:PutLogEvents"]]
    fns = built.of_type("Requester", "AWS::Lambda::Function")
    [code] = [v["Properties"]["Code"]["ZipFile"] for k, v in fns.items()
              if k.startswith("AToBDnsHandler")]
    assert code == HANDLER_SOURCE.read_text()


def test_no_dns_resource_when_dns_resolution_is_off(built: Built) -> None:
    assert built.peerings["local"].dns is None and built.peerings["ca"].dns is None
    assert built.of_type("Accepter", "Custom::VpcPeeringDns") == {}


# --------------------------------------------------------------------------
# VPCs outside the app
# --------------------------------------------------------------------------


def test_cross_account_and_region_properties(built: Built) -> None:
    props = built.res("Requester", built.peerings["cross"].connection)["Properties"]
    assert props["PeerOwnerId"] == OTHER_ACCOUNT
    assert props["PeerRoleArn"] == ROLE
    assert props["PeerRegion"] == "eu-west-1"
    assert props["PeerVpcId"] == "vpc-0a1b2c3d4e5f60718"
    a = built.nets["a"]
    routes = built.routes("Requester", "10.40.0.0/16")
    assert sorted(json.dumps(r["RouteTableId"]) for r in routes.values()) == sorted(
        json.dumps({"Ref": built.lid(a.route_tables[rt])}) for rt in _route_tables(a, ("private",)))
    assert built.peerings["cross"].accepter_routes == {}


def test_cross_account_dns_sets_only_the_requester_side_and_says_so(built: Built) -> None:
    cr = built.of_type("Requester", "Custom::VpcPeeringDns")
    [props] = [v["Properties"] for k, v in cr.items() if k.startswith("AToPartner")]
    assert props["Sides"] == [{"Side": "Requester", "Region": {"Ref": "AWS::Region"}}]
    notes = Annotations.from_stack(built.stacks["req"]).find_info(
        "/Requester/AToPartner", Match.string_like_regexp("requester side only"))
    assert len(notes) == 1 and OTHER_ACCOUNT in notes[0].entry.data


def test_same_account_other_region_sets_each_side_in_its_region(built: Built) -> None:
    props = built.res("Requester", built.peerings["regional"].connection)["Properties"]
    assert props["PeerRegion"] == "eu-central-1" and "PeerOwnerId" not in props
    cr = built.of_type("Requester", "Custom::VpcPeeringDns")
    [sides] = [v["Properties"]["Sides"] for k, v in cr.items() if k.startswith("AToFrankfurt")]
    assert sides == [{"Side": "Requester", "Region": {"Ref": "AWS::Region"}},
                     {"Side": "Accepter", "Region": "eu-central-1"}]
    policies = built.of_type("Requester", "AWS::IAM::ManagedPolicy")
    [policy] = [v["Properties"] for k, v in policies.items()
                if k.startswith("AToFrankfurtDnsHandler")]
    [stmt] = [s for s in policy["PolicyDocument"]["Statement"]
              if s["Action"] == "ec2:ModifyVpcPeeringConnectionOptions"]
    assert len(stmt["Resource"]) == 2
    assert ":eu-central-1:" in json.dumps(stmt["Resource"][1])


def test_same_account_peer_routes_from_the_chosen_tier_only(built: Built) -> None:
    b = built.nets["b"]
    props = built.res("Accepter", built.peerings["local"].connection)["Properties"]
    assert props["PeerVpcId"] == "vpc-0fedcba9876543210"
    assert not {"PeerOwnerId", "PeerRoleArn", "PeerRegion"} & set(props)
    routes = built.routes("Accepter", "10.50.0.0/16")
    assert [r["RouteTableId"] for r in routes.values()] == [
        {"Ref": built.lid(b.route_tables[rt])} for rt in _route_tables(b, ("isolated",))]


# --------------------------------------------------------------------------
# The combined stack: all constructs of this part together
# --------------------------------------------------------------------------


def test_combined_stack_routes_both_ways_and_has_every_construct(built: Built) -> None:
    a, c = built.nets["a"], built.nets["c"]
    types = {v["Type"] for v in built.tpl["Combined"]["Resources"].values()}
    assert {"AWS::EC2::VPCEndpoint", "AWS::EC2::VPCPeeringConnection", "AWS::EC2::Instance",
            "AWS::EC2::NetworkInterface", "AWS::EC2::NetworkInterfaceAttachment"} <= types
    there = built.routes("Combined", "10.20.0.0/16")
    back = built.routes("Combined", "10.60.0.0/16")
    assert len(there) == len(_route_tables(c, ("private",))) == 2
    assert sorted(json.dumps(r["RouteTableId"]) for r in back.values()) == sorted(
        json.dumps(built.export_of("Requester", a.route_tables[rt]))
        for rt in _route_tables(a, ("private",)))


def test_no_nag_finding_and_cfn_lint_clean(built: Built) -> None:
    report = json.loads((built.out / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    for name in built.tpl:
        assert cfn_lint(built.out / f"{name}.template.json") == [], name


def test_acl_admits_https_opened_from_the_peer(built: Built) -> None:
    acl = built.nets["c"].network_acls.plan.acl("private")
    action, rule = acl.decide(egress=False, protocol="tcp", port=443, address="10.20.5.9")
    assert action.value == "allow" and rule is not None and rule.number == PEER_ACL_FIRST_NUMBER
    # without the rule the library's ACL drops it (only replies >= 1024 come from outside the VPC)
    other = built.nets["a"].network_acls.plan.acl("private")
    assert other.decide(egress=False, protocol="tcp", port=443, address="10.60.5.9")[0].value \
        == "deny"
    # and the reply goes out through the library's TCP-to-anywhere rule
    assert acl.decide(egress=True, protocol="tcp", port=40000,
                      address="10.20.5.9")[0].value == "allow"


def test_peer_acl_rules_numbering_and_ephemeral_ports() -> None:
    rules = peer_acl_rules("10.20.0.0/16", [443, 22, 5432])
    assert [(r.number, r.ports, r.cidr, r.egress, r.action.value) for r in rules] == [
        (PEER_ACL_FIRST_NUMBER, (443, 443), "10.20.0.0/16", False, "allow"),
        (PEER_ACL_FIRST_NUMBER + 10, (22, 22), "10.20.0.0/16", False, "allow"),
    ]  # 5432 lies in the ephemeral range the library already admits
    with pytest.raises(ConfigError, match="tcp_ports: 70000 is not a port"):
        peer_acl_rules("10.20.0.0/16", [70000])
    with pytest.raises(ConfigError, match=r"has host bits set; the network is '10\.20\.0\.0/16'"):
        peer_acl_rules("10.20.0.1/16", [443])


def test_peer_acl_rules_pass_the_acl_checks() -> None:
    plan = plan_network(cidr="10.60.0.0/16", max_azs=2)
    acls = plan_acls(plan, user_rules={"private": peer_acl_rules("10.20.0.0/16", [443, 22]),
                                       "public": peer_acl_rules("10.20.0.0/16", [22])},
                     findings_as_errors=True)
    assert acls.findings == ()


def test_verify_still_proves_every_intent(built: Built) -> None:
    from vpc_patterns.check.verify import verify_paths

    report = verify_paths([built.out])
    assert len(report.vpcs) == 3
    assert report.count("fail") == 0 and report.count("unknown") == 0
    # routes on another stack's table are noted, not misread
    notes = [n for v in report.vpcs for n in v.model.notes]
    assert any("not a resource of this template" in n for n in notes)


# --------------------------------------------------------------------------
# ConfigError: overlaps (across every peering of a network), peers, tiers,
# environments. Nothing is added to the scope when one is raised.
# --------------------------------------------------------------------------


@pytest.fixture()
def two(cdk_context: dict) -> tuple[Stack, BestPracticeVpc, BestPracticeVpc]:
    app = App(context=cdk_context)
    stack = Stack(app, "Scratch")
    x = BestPracticeVpc(stack, "X", cidr="10.1.0.0/16", max_azs=1, nat=NatProvider.none(),
                        tiers=[Tier("private", "isolated"), Tier("spare", "isolated",
                                                                 reserved=True)],
                        flow_log=False, restrict_default_security_group=False)
    y = BestPracticeVpc(stack, "Y", cidr="10.2.0.0/16", max_azs=1, nat=NatProvider.none(),
                        tiers=[Tier("private", "isolated")], flow_log=False,
                        restrict_default_security_group=False)
    return stack, x, y


def _raises(stack: Stack, id: str, message: str, **kwargs: Any) -> None:
    import re

    with pytest.raises(ConfigError, match=re.escape(message)):
        VpcPeering(stack, id, **kwargs)
    assert stack.node.try_find_child(id) is None


def test_overlap_with_the_peer_names_both_ranges(two: tuple) -> None:
    stack, x, _ = two
    _raises(stack, "P", "Scratch/P: peer VPC vpc-0123456789abcdef0 10.1.128.0/17 overlaps "
            "Scratch/X 10.1.0.0/16", requester=x,
            accepter=PeerVpc("vpc-0123456789abcdef0", "10.1.128.0/17"))


def test_overlap_with_a_second_peering_of_the_same_vpc(two: tuple) -> None:
    stack, x, y = two
    VpcPeering(stack, "XToY", requester=x, accepter=y)
    _raises(stack, "XToOther", "Scratch/XToOther: peer VPC vpc-0123456789abcdef0 10.2.64.0/18 "
            "overlaps 10.2.0.0/16 (Scratch/Y 10.2.0.0/16), which Scratch/X 10.1.0.0/16 already "
            "peers with through Scratch/XToY", requester=x,
            accepter=PeerVpc("vpc-0123456789abcdef0", "10.2.64.0/18"))


def test_overlap_seen_from_the_accepter_side(two: tuple) -> None:
    """Y already peers with 10.9.0.0/16 (as requester); a network whose CIDR
    overlaps that cannot then peer with Y, even when Y is the accepter."""
    stack, x, y = two
    VpcPeering(stack, "YToLegacy", requester=y,
               accepter=PeerVpc("vpc-0123456789abcdef0", "10.1.0.0/24"))
    _raises(stack, "XToY", "Scratch/XToY: Scratch/X 10.1.0.0/16 overlaps 10.1.0.0/24 (peer VPC "
            "vpc-0123456789abcdef0 10.1.0.0/24), which Scratch/Y 10.2.0.0/16 already peers with "
            "through Scratch/YToLegacy", requester=x, accepter=y)


def test_the_same_pair_twice_is_refused(two: tuple) -> None:
    stack, x, y = two
    VpcPeering(stack, "First", requester=x, accepter=y)
    _raises(stack, "Again", "Scratch/Again: Scratch/Y 10.2.0.0/16 already peers with Scratch/X "
            "10.1.0.0/16 through Scratch/First; one peering per pair of VPCs", requester=y,
            accepter=x)


def test_a_failed_peering_leaves_no_trace_in_the_registry(two: tuple) -> None:
    stack, x, y = two
    _raises(stack, "Bad", "tier 'data' is not a tier of this VPC", requester=x, accepter=y,
            requester_tiers=("data",))
    VpcPeering(stack, "Good", requester=x, accepter=y)  # no overlap with the failed one


@pytest.mark.parametrize("kwargs, message", [
    (dict(requester_tiers=("data",)), "requester_tiers: tier 'data' is not a tier of this VPC; "
     "tiers with subnets: private"),
    (dict(requester_tiers=("spare",)), "tier 'spare' is not a tier of this VPC (reserved"),
    (dict(requester_tiers=()), "requester_tiers is empty"),
    (dict(requester_tiers="private"), "requester_tiers 'private' must be a list of tier names"),
    (dict(requester_tiers=("private", "private")), "tier 'private' is listed twice"),
    (dict(accepter_tiers=("public",)), "accepter_tiers: tier 'public' is not a tier of this VPC"),
    (dict(dns_resolution="yes"), "dns_resolution 'yes' must be True or False"),
])
def test_tier_and_option_errors(two: tuple, kwargs: dict, message: str) -> None:
    stack, x, y = two
    _raises(stack, "P", message, requester=x, accepter=y, **kwargs)


def test_accepter_tiers_for_an_external_vpc_and_self_peering(two: tuple) -> None:
    stack, x, _ = two
    _raises(stack, "P", "accepter_tiers ('private',) given for peer VPC vpc-0123456789abcdef0 "
            "10.9.0.0/16, which is outside this app", requester=x,
            accepter=PeerVpc("vpc-0123456789abcdef0", "10.9.0.0/16"), accepter_tiers=("private",))
    _raises(stack, "P", "requester and accepter are the same network", requester=x, accepter=x)
    _raises(stack, "P", "is not a vpc_patterns.BestPracticeVpc", requester=x.vpc,
            accepter=PeerVpc("vpc-0123456789abcdef0", "10.9.0.0/16"))


def test_networks_in_different_environments_are_refused(cdk_context: dict) -> None:
    app = App(context=cdk_context)
    east = Stack(app, "East", env=Environment(account="111111111111", region="us-east-1"))
    west = Stack(app, "West", env=Environment(account="111111111111", region="us-west-2"))
    kw = dict(max_azs=1, nat=NatProvider.none(), tiers=[Tier("private", "isolated")],
              flow_log=False, restrict_default_security_group=False)
    e = BestPracticeVpc(east, "Net", cidr="10.1.0.0/16", **kw)
    w = BestPracticeVpc(west, "Net", cidr="10.2.0.0/16", **kw)
    _raises(east, "EW", "requester stack East (account/region 111111111111/us-east-1) and "
            "accepter stack West (111111111111/us-west-2) are in different environments",
            requester=e, accepter=w)
    _raises(west, "EW", "the peering's stack West and the requester's stack East are in "
            "different environments", requester=e, accepter=w)


@pytest.mark.parametrize("kwargs, message", [
    (dict(vpc_id="vpc-123"), "PeerVpc vpc_id 'vpc-123' is not a VPC id"),
    (dict(cidr="10.9.0.1/16"), "PeerVpc cidr '10.9.0.1/16' has host bits set; the network is "
     "'10.9.0.0/16'"),
    (dict(cidr="10.9.0.0"), "PeerVpc cidr '10.9.0.0' is not an IPv4 CIDR"),
    (dict(cidr="fd00::/8"), "PeerVpc cidr 'fd00::/8' is IPv6"),
    (dict(cidr="${Token[TOKEN.1]}"), "must be a literal IPv4 CIDR"),
    (dict(owner_id="12345"), "PeerVpc owner_id '12345' is not an AWS account id"),
    (dict(owner_id=OTHER_ACCOUNT), f"PeerVpc owner_id '{OTHER_ACCOUNT}' needs role_arn"),
    (dict(role_arn=ROLE), "is given without owner_id"),
    (dict(owner_id="999999999999", role_arn=ROLE),
     f"is in account {OTHER_ACCOUNT}, not in the peer's account 999999999999"),
    (dict(owner_id=OTHER_ACCOUNT, role_arn="arn:aws:iam::x:role/r"), "is not an IAM role ARN"),
    (dict(region="Europe"), "PeerVpc region 'Europe' is not a region name"),
])
def test_peer_vpc_validation(kwargs: dict, message: str) -> None:
    import re

    args = dict(vpc_id="vpc-0123456789abcdef0", cidr="10.9.0.0/16") | kwargs
    with pytest.raises(ConfigError, match=re.escape(message)):
        PeerVpc(**args)


# --------------------------------------------------------------------------
# Negative control: the packs are live on these constructs, and the only
# acknowledgments they rely on are the DNS handler's three (from inline_handler)
# --------------------------------------------------------------------------


def test_packs_are_live_and_only_the_dns_handler_needs_acknowledgments(
    tmp_path: Path, cdk_context: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    switch_off_acknowledgments(monkeypatch)
    app = App(context=cdk_context, outdir=str(tmp_path))
    stack = Stack(app, "Raw")
    kw = dict(max_azs=1, nat=NatProvider.none(), tiers=[Tier("private", "isolated")])
    x = BestPracticeVpc(stack, "X", cidr="10.1.0.0/16", **kw)
    y = BestPracticeVpc(stack, "Y", cidr="10.2.0.0/16", **kw)
    VpcPeering(stack, "Peering", requester=x, accepter=y, dns_resolution=True)
    InterfaceEndpoints(stack, "Endpoints", network=x, services=["ssm"])
    sg = ec2.CfnSecurityGroup(stack, "Sg", group_description="Extra interface group",
                              vpc_id=x.vpc_id)
    ExtraNetworkInterface(stack, "Eni", network=x, tier="private", az_index=0,
                          security_groups=[sg], description="Spare interface")
    Validations.of(app).add_plugins(*compliance_plugins(app))
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    found = {path: rules for path, rules in findings_by_path(tmp_path, "Raw").items()
             if path.split("/")[0] in ("Peering", "Endpoints", "Eni")}
    packs = {"LambdaInsideVPC": ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"),
             "LambdaDLQ": ("NIST.800.53.R5", "HIPAA.Security"),
             "LambdaConcurrency": ("NIST.800.53.R5", "HIPAA.Security")}
    assert found == {"Peering/DnsHandler": {f"{p}-{r}" for r, ps in packs.items() for p in ps}}


def test_peering_routes_are_the_planned_ones_through_the_peering_target(built: Built) -> None:
    """plan_peering_routes decides each side's routes; VpcPeering renders
    exactly those, one per route table, under <side>Routes/<route table id>."""
    from vpc_patterns.plan.peering import plan_peering_routes
    from vpc_patterns.plan.routes import RouteTarget

    a, b = built.nets["a"], built.nets["b"]
    peering = built.peerings["ab"]
    path = peering.node.path
    sides = (("Requester", peering.requester_routes, a, ("private",), "10.30.0.0/16"),
             ("Accepter", peering.accepter_routes, b, ("private", "public"), "10.20.0.0/16"))
    for side, rendered, net, tiers, destination in sides:
        planned = plan_peering_routes(net.plan, tiers, destination, path)
        assert [rt for rt, _ in planned] == _route_tables(net, tiers) == list(rendered)
        for rt, route in planned:
            assert route.target is RouteTarget.VPC_PEERING
            assert route.route_property == "VpcPeeringConnectionId"
            assert (route.destination, route.target_id, route.construct_id) == (
                destination, path, rt)
            assert rendered[rt].node.path == f"{path}/{side}Routes/{rt}"
            props = built.res("Requester", rendered[rt])["Properties"]
            assert props["DestinationCidrBlock"] == destination
            assert props["VpcPeeringConnectionId"] == {"Ref": built.lid(peering.connection)}
