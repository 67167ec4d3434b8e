"""Cross-stack analysis: templates read together, ``Fn::ImportValue`` of
route tables and VPCs exported by another template (a peering stack that adds
routes to the route tables of two network stacks), and the reference app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vpc_patterns.check import (
    NetworkAnalyzer,
    TargetKind,
    Template,
    build_linked,
    build_models,
    verify_paths,
    verify_templates,
)
from vpc_patterns.cli.main import main

from .network_templates import IGW, Net

HUB_CIDR = "10.30.0.0/16"
SPOKE_CIDR = "10.20.0.0/16"


def network(name: str, cidr: str) -> dict[str, Any]:
    """public / private / isolated in one AZ, with exports of the VPC id,
    its CIDR and the private and isolated route tables (names written in the
    three ways a template may: literal, Fn::Join, Fn::Sub)."""
    base = cidr.split("/")[0].rsplit(".", 2)[0]  # "10.30"
    n = Net(cidr).igw()
    n.subnet("PublicAz1", "public", "public", 0, f"{base}.0.0/24")
    n.subnet("PrivateAz1", "private", "private", 0, f"{base}.128.0/20")
    n.subnet("IsolatedAz1", "isolated", "isolated", 0, f"{base}.32.0/22")
    n.route_table("PublicRouteTable", "PublicAz1")
    n.route("PublicDefaultRoute", "PublicRouteTable", GatewayId=IGW)
    n.nat_gateway("NatAz1", "PublicAz1")
    n.route_table("PrivateRouteTable", "PrivateAz1")
    n.route("PrivateDefaultRoute", "PrivateRouteTable", NatGatewayId=n.ref("NatAz1"))
    n.route_table("IsolatedRouteTable", "IsolatedAz1")
    body = n.template()
    body["Outputs"] = {
        "VpcOut": {"Value": {"Ref": "Vpc"}, "Export": {"Name": f"{name}:Vpc"}},
        "CidrOut": {"Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
                    "Export": {"Name": {"Fn::Join": [":", [name, "Cidr"]]}}},
        "PrivateOut": {"Value": {"Ref": "PrivateRouteTable"},
                       "Export": {"Name": {"Fn::Sub": f"{name}:PrivateRt"}}},
        "IsolatedOut": {"Value": {"Fn::GetAtt": ["IsolatedRouteTable", "RouteTableId"]},
                        "Export": {"Name": f"{name}:IsolatedRt"}},
    }
    return body


def imp(name: str) -> dict[str, Any]:
    return {"Fn::ImportValue": name}


def peering(*, isolated_route: bool = True, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A template with no VPC: the peering connection hub <-> spoke and the
    routes on both sides, every id imported."""
    res: dict[str, Any] = {
        "Pcx": {"Type": "AWS::EC2::VPCPeeringConnection",
                "Properties": {"VpcId": imp("hub:Vpc"),
                               "PeerVpcId": {"Fn::ImportValue": {"Fn::Sub": "spoke:Vpc"}}}},
        "HubToSpoke": {"Type": "AWS::EC2::Route",
                       "Properties": {"RouteTableId": imp("hub:PrivateRt"),
                                      "DestinationCidrBlock": imp("spoke:Cidr"),
                                      "VpcPeeringConnectionId": {"Ref": "Pcx"}}},
        "SpokeToHub": {"Type": "AWS::EC2::Route",
                       "Properties": {"RouteTableId": {"Fn::ImportValue": {
                           "Fn::Join": ["", ["spoke", ":PrivateRt"]]}},
                           "DestinationCidrBlock": HUB_CIDR,
                           "VpcPeeringConnectionId": {"Ref": "Pcx"}}},
    }
    if isolated_route:
        res["SpokeIsolatedToHub"] = {"Type": "AWS::EC2::Route",
                                     "Properties": {"RouteTableId": imp("spoke:IsolatedRt"),
                                                    "DestinationCidrBlock": imp("hub:Cidr"),
                                                    "VpcPeeringConnectionId": {"Ref": "Pcx"}}}
    res.update(extra or {})
    return {"Resources": res}


def templates(hub_cidr: str = HUB_CIDR, **kw: Any) -> list[Template]:
    return [Template("hub.template.json", "hub", network("hub", hub_cidr)),
            Template("spoke.template.json", "spoke", network("spoke", SPOKE_CIDR)),
            Template("peering.template.json", "peering", peering(**kw))]


def by_name(models) -> dict[str, Any]:
    return {m.template_name: m for m in models}


# ---------------------------------------------------------------------------
# Hand-written templates
# ---------------------------------------------------------------------------


def test_route_lookup_from_each_side_goes_to_the_peering() -> None:
    linked = build_linked(templates())
    models = by_name(linked.models)
    assert set(models) == {"hub", "spoke"}
    for side, dest in (("hub", SPOKE_CIDR), ("spoke", HUB_CIDR)):
        an = NetworkAnalyzer(models[side])
        look = an.route_lookup("PrivateAz1", dest)
        assert look.route is not None, side
        assert look.route.target.kind is TargetKind.PEERING
        assert look.route.target.ref == "peering/Pcx"
        assert look.route.logical_id.startswith("peering/")
        assert "from template peering" in look.route.notes
        # a single address of the peer too, and the rest still leaves by the NAT
        assert an.route_lookup("PrivateAz1", dest.replace("0.0/16", "1.7")).route.target.kind \
            is TargetKind.PEERING
        assert an.route_lookup("PrivateAz1", "8.8.8.8").route.target.kind is TargetKind.NAT_GATEWAY
    # the peering is on both sides, with the peer's CIDR
    (hp,), (sp,) = models["hub"].peerings, models["spoke"].peerings
    assert (hp.logical_id, hp.peer_vpc, hp.peer_cidrs) == (
        "peering/Pcx", "spoke/Vpc", (SPOKE_CIDR,))
    assert (sp.logical_id, sp.peer_vpc, sp.peer_cidrs) == ("peering/Pcx", "hub/Vpc", (HUB_CIDR,))
    assert any("template peering adds through Fn::ImportValue" in n for n in models["hub"].notes)
    assert linked.merged_into("peering.template.json") == ("hub/Vpc", "spoke/Vpc")


def test_each_template_alone_is_unchanged() -> None:
    for t in templates()[:2]:
        assert build_linked([t]).models == tuple(build_models(t))
    # the network templates hold no peering route of their own
    hub = build_models(templates()[0])[0]
    assert NetworkAnalyzer(hub).route_lookup("PrivateAz1", SPOKE_CIDR).route.target.kind \
        is TargetKind.NAT_GATEWAY
    assert hub.peerings == ()


def test_intents_still_pass_and_the_peering_template_is_reported() -> None:
    report = verify_templates(templates())
    assert [v.model.template_name for v in report.vpcs] == ["hub", "spoke"]
    for v in report.vpcs:
        got = {r.intent.label: r.verdict for r in v.results}
        assert "no_internet(isolated)" in got and "acl_returns_admitted()" in got
        assert set(got.values()) == {"pass"}, (v.model.key, got)
    assert report.without_vpc == ()
    assert report.attached_only == ("peering.template.json",)
    assert report.merged_into("peering.template.json") == ("hub/Vpc", "spoke/Vpc")
    text = report.format_text()
    assert "nothing to verify" not in text
    assert "peering.template.json: no AWS::EC2::VPC of its own; its resources were merged " \
           "into hub/Vpc, spoke/Vpc (3 route(s), 1 peering connection(s))" in text
    data = report.to_dict()
    assert {x["kind"] for x in data["cross_template"]} == {"route", "peering"}
    json.dumps(data)


@pytest.mark.parametrize("hub_cidr", [HUB_CIDR, "52.30.0.0/16"])
def test_a_peering_route_on_an_isolated_table_is_not_internet(hub_cidr: str) -> None:
    # the second case: a VPC on public addresses, so the peer's range is
    # internet address space; the peering still does not lead to the internet
    ts = templates(hub_cidr)
    ts[2] = Template("peering.template.json", "peering", peering(extra={
        "SpokeIsolatedToHub": {"Type": "AWS::EC2::Route",
                               "Properties": {"RouteTableId": imp("spoke:IsolatedRt"),
                                              "DestinationCidrBlock": imp("hub:Cidr"),
                                              "VpcPeeringConnectionId": {"Ref": "Pcx"}}}}))
    report = verify_templates(ts)
    spoke = next(v for v in report.vpcs if v.model.template_name == "spoke")
    an = spoke.analyzer
    look = an.route_lookup("IsolatedAz1", hub_cidr)
    assert look.route is not None and look.route.target.kind is TargetKind.PEERING
    assert str(look.route.cidr) == hub_cidr
    egress = an.internet_egress("IsolatedAz1")
    assert egress.verdict == "no"
    assert an.internet_ingress("IsolatedAz1").verdict == "no"
    got = {r.intent.label: r.verdict for r in spoke.results}
    assert got["no_internet(isolated)"] == "pass"
    # the isolated subnet is still taken as isolated from its routes
    assert spoke.model.subnet("IsolatedAz1").kind == "isolated"


def test_unresolvable_imports_stay_unknown() -> None:
    extra = {
        # a route table nobody exports
        "Orphan": {"Type": "AWS::EC2::Route",
                   "Properties": {"RouteTableId": imp("elsewhere:Rt"),
                                  "DestinationCidrBlock": "10.99.0.0/16",
                                  "VpcPeeringConnectionId": {"Ref": "Pcx"}}},
        # an import whose name the template does not determine
        "Vague": {"Type": "AWS::EC2::Route",
                  "Properties": {"RouteTableId": {"Fn::ImportValue": {
                      "Fn::Sub": "${AWS::StackName}:Rt"}},
                      "DestinationCidrBlock": "10.98.0.0/16",
                      "VpcPeeringConnectionId": {"Ref": "Pcx"}}},
        # a known route table, a target nobody exports: may reach the internet
        "Default": {"Type": "AWS::EC2::Route",
                    "Properties": {"RouteTableId": imp("spoke:IsolatedRt"),
                                   "DestinationCidrBlock": "0.0.0.0/0",
                                   "GatewayId": imp("elsewhere:Igw")}},
        # a peering to a VPC nobody exports
        "Pcx2": {"Type": "AWS::EC2::VPCPeeringConnection",
                 "Properties": {"VpcId": imp("hub:Vpc"), "PeerVpcId": imp("elsewhere:Vpc")}},
    }
    ts = templates()
    ts[2] = Template("peering.template.json", "peering", peering(extra=extra))
    report = verify_templates(ts)
    unresolved = {x.resource: x.text for x in report.cross_template if x.vpc is None}
    assert set(unresolved) == {"Orphan", "Vague", "Pcx2"}
    assert "'elsewhere:Rt' is exported by no loaded template" in unresolved["Orphan"]
    assert "name the template does not determine" in unresolved["Vague"]
    text = report.format_text()
    assert "  unknown: route Orphan: RouteTableId: Fn::ImportValue 'elsewhere:Rt'" in text
    spoke = next(v for v in report.vpcs if v.model.template_name == "spoke")
    got = {r.intent.label: r.verdict for r in spoke.results}
    assert got["no_internet(isolated)"] == "unknown"
    assert spoke.analyzer.internet_egress("IsolatedAz1").verdict == "unknown"
    hub = next(v for v in report.vpcs if v.model.template_name == "hub")
    pcx2 = next(p for p in hub.model.peerings if p.logical_id == "peering/Pcx2")
    assert pcx2.peer_cidrs == () and "elsewhere:Vpc" in pcx2.peer_vpc
    assert report.exit_code() == 1  # unknown fails by default
    assert report.exit_code(lenient=True) == 0  # unknown, not fail


def test_the_peering_template_alone_or_without_one_side(tmp_path: Path) -> None:
    ts = templates()
    for t in ts:
        (tmp_path / f"{t.name}.template.json").write_text(json.dumps(t.body))
    alone = verify_paths([tmp_path / "peering.template.json"])
    assert alone.vpcs == () and alone.attached_only == (str(tmp_path / "peering.template.json"),)
    assert "none of them loaded" in alone.format_text()
    assert "nothing to verify" not in alone.format_text()
    # hub and peering only: the spoke side stays unresolved, the hub side joins
    half = verify_paths([tmp_path / "hub.template.json", tmp_path / "peering.template.json"])
    (hub,) = half.vpcs
    (p,) = hub.model.peerings
    assert p.peer_cidrs == () and "spoke:Vpc" in p.peer_vpc
    assert hub.analyzer.route_lookup("PrivateAz1", SPOKE_CIDR).route.target.kind \
        is TargetKind.NAT_GATEWAY  # the route's destination (spoke:Cidr) is unknown
    assert any(r.cidr is None and r.logical_id == "peering/HubToSpoke"
               for rt in hub.model.route_tables for r in rt.routes)
    # a folder, through the CLI
    assert main(["verify", str(tmp_path)]) == 0


def test_a_vpc_template_importing_from_another() -> None:
    """The peering connection and its routes in one network template, the
    peer's route table imported from the other: both sides join."""
    hub = network("hub", HUB_CIDR)
    hub["Resources"]["Pcx"] = {"Type": "AWS::EC2::VPCPeeringConnection",
                               "Properties": {"VpcId": {"Ref": "Vpc"},
                                              "PeerVpcId": imp("spoke:Vpc")}}
    hub["Resources"]["ToSpoke"] = {"Type": "AWS::EC2::Route", "Properties": {
        "RouteTableId": {"Ref": "PrivateRouteTable"}, "DestinationCidrBlock": SPOKE_CIDR,
        "VpcPeeringConnectionId": {"Ref": "Pcx"}}}
    hub["Resources"]["FromSpoke"] = {"Type": "AWS::EC2::Route", "Properties": {
        "RouteTableId": imp("spoke:PrivateRt"), "DestinationCidrBlock": HUB_CIDR,
        "VpcPeeringConnectionId": {"Ref": "Pcx"}}}
    models = by_name(build_linked([Template("hub.json", "hub", hub),
                                   Template("spoke.json", "spoke", network("spoke", SPOKE_CIDR))
                                   ]).models)
    assert models["hub"].peerings[0].peer_cidrs == (SPOKE_CIDR,)
    assert models["hub"].peerings[0].logical_id == "Pcx"
    assert models["spoke"].peerings[0].logical_id == "hub/Pcx"
    assert models["spoke"].peerings[0].peer_cidrs == (HUB_CIDR,)
    for side, dest, ref in (("hub", SPOKE_CIDR, "Pcx"), ("spoke", HUB_CIDR, "hub/Pcx")):
        t = NetworkAnalyzer(models[side]).route_lookup("PrivateAz1", dest).route.target
        assert (t.kind, t.ref) == (TargetKind.PEERING, ref)
    # the hub's own notes say where its cross-stack route went, not "left out"
    (note,) = [n for n in models["hub"].notes if "FromSpoke" in n]
    assert "spoke/PrivateRouteTable" in note and "left out" not in note


# ---------------------------------------------------------------------------
# The reference app
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(reference_app) -> Path:
    return reference_app.out


def test_reference_peering_joins_the_network_stacks(reference: Path) -> None:
    report = verify_paths([reference])
    vpcs = {v.model.template_name: v for v in report.vpcs}
    assert sorted(vpcs) == ["vpc-patterns-dev", "vpc-patterns-prod", "vpc-patterns-shared"]

    def peering_dests(name: str) -> set[str]:
        return {r.destination for rt in vpcs[name].model.route_tables for r in rt.routes
                if r.target.kind is TargetKind.PEERING}

    assert peering_dests("vpc-patterns-prod") == {"10.30.0.0/16"}
    assert peering_dests("vpc-patterns-shared") == {"10.20.0.0/16", "10.10.0.0/16"}
    prod = vpcs["vpc-patterns-prod"]
    for s in prod.model.subnets_of("private"):
        look = prod.analyzer.route_lookup(s.logical_id, "10.30.0.0/16")
        assert look.route is not None and look.route.target.kind is TargetKind.PEERING
        assert look.route.target.ref.startswith("vpc-patterns-peering/HubToProd")
    shared = vpcs["vpc-patterns-shared"]
    assert {(p.peer_vpc.split("/")[0], p.peer_cidrs) for p in shared.model.peerings} == {
        ("vpc-patterns-prod", ("10.20.0.0/16",)), ("vpc-patterns-dev", ("10.10.0.0/16",))}
    for v in report.vpcs:
        got = {r.intent.label: r.verdict for r in v.results}
        assert set(got.values()) == {"pass"}, (v.model.key, got)
    assert report.exit_code() == 0
    peering_path = str(reference / "vpc-patterns-peering.template.json")
    assert peering_path in report.attached_only and peering_path not in report.without_vpc
    assert set(report.merged_into(peering_path)) == {
        f"{n}/{vpcs[n].model.logical_id}" for n in vpcs}
    assert not [x for x in report.cross_template if x.vpc is None]
    assert "nothing to verify" not in report.format_text()
