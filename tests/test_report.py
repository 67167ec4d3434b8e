"""The network plan report: Markdown and one self-contained HTML page per
stack, over the reference templates (synthesized once, in-process) and small
hand-written ones (tests/network_templates.py), and the report CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vpc_patterns.check import verify_paths
from vpc_patterns.check.cost import estimate_monthly_cost, money
from vpc_patterns.check.report import (
    RESERVED_PER_SUBNET,
    build_stack_reports,
    render_html,
    render_markdown,
    usable,
    write_reports,
)
from vpc_patterns.cli.main import main

from .network_templates import IGW, Net, public_acl, three_tier

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def reference(reference_app) -> Path:
    """The reference app's templates (tests/conftest.py synthesizes it once)."""
    return reference_app.out


@pytest.fixture(scope="module")
def written(reference: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    out = tmp_path_factory.mktemp("report")
    return {st.name: (st, md, html) for st, md, html in write_reports([reference], out)}


def parse_html(text: str) -> ET.Element:
    """The page parses as XML (every element closed, no named entities)."""
    assert text.startswith("<!DOCTYPE html>")
    return ET.fromstring(text[len("<!DOCTYPE html>"):])


def assert_self_contained(text: str, root: ET.Element) -> None:
    for el in root.iter():
        for attr in ("src", "href", "{http://www.w3.org/1999/xlink}href", "action", "data"):
            value = el.get(attr)
            if value is not None:
                assert not re.match(r"\s*(https?:|//|ftp:)", value, re.IGNORECASE), (
                    el.tag, attr, value)
                assert value.startswith("#"), (el.tag, attr, value)  # in-page anchors only
        tag = el.tag.split("}")[-1]
        assert tag not in ("link", "iframe", "img", "object", "embed", "base")
        if tag == "script":
            assert el.get("src") is None
    assert not re.search(r"url\(|@import", text)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)


def subnet_rects(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}rect")
            if "subnet" in (el.get("class") or "").split() and el.get("data-subnet")]


def links(root: ET.Element, kind: str) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}path")
            if f"link-{kind}" in (el.get("class") or "").split() and el.get("data-src")]


def report_of(n: Net, tmp_path: Path, name: str = "net", **kw):
    path = n.write(tmp_path / f"{name}.template.json")
    (st,) = build_stack_reports(verify_paths([path]), **kw)
    return st, render_markdown(st), render_html(st)


# ---------------------------------------------------------------------------
# The reference templates
# ---------------------------------------------------------------------------


def test_one_markdown_and_one_html_per_stack(written: dict) -> None:
    # the peering stack holds no VPC, so it has no report of its own
    assert set(written) == {"vpc-patterns-dev", "vpc-patterns-prod", "vpc-patterns-shared"}
    for name, (_, md, html) in written.items():
        assert md.name == f"{name}.md" and html.name == f"{name}.html"
        assert md.stat().st_size > 1000 and html.stat().st_size > 1000


@pytest.mark.parametrize("stack", ["vpc-patterns-dev", "vpc-patterns-prod"])
def test_markdown_holds_every_cidr_intent_and_the_cost(written: dict, reference: Path,
                                                       stack: str) -> None:
    _, md_path, _ = written[stack]
    md = md_path.read_text()
    # The page is built from the whole folder (peering routes from another
    # template join this VPC), so compare with the same view.
    report = verify_paths([reference])
    (v,) = [x for x in report.vpcs if x.model.template_name == stack]
    for s in v.model.subnets:
        assert f"`{s.cidr}` ({usable(s.cidr):,} usable)" in md
        assert f"| `{s.logical_id}` |" in md
    assert f"`{v.model.cidrs[0]}`" in md
    assert v.results
    for r in v.results:
        assert f"- **{r.verdict.upper()}** `{r.intent.label}`" in md
    est = estimate_monthly_cost(v.model)
    assert f"**{money(est.total)}**" in md and f"{money(est.total)}/month" in md
    assert "excludes data processing" in md and "2026-11" in md
    assert "us-east-1 (assumed" in md
    for rt in v.model.route_tables:
        assert f"**`{rt.logical_id}`**" in md
    for acl in v.model.network_acls:
        assert f"**`{acl.logical_id}`**" in md
    assert "| * | deny | all traffic |" in md
    for g in v.model.security_groups:
        assert f"**{g.name or g.logical_id}**" in md
    for ep in v.model.gateway_endpoints:
        assert f"| `{ep.logical_id}` | gateway | {ep.service} |" in md
    if not v.model.vpn_connections and not v.model.peerings:
        assert "No VPN connection or peering." in md


def test_cost_figures_of_the_reference_stacks(written: dict) -> None:
    dev = written["vpc-patterns-dev"][0].vpcs[0].cost
    prod = written["vpc-patterns-prod"][0].vpcs[0].cost
    items = {ln.key: money(ln.monthly) for ln in dev.lines}
    # dev: 2 x t4g.nano NAT instances (2 x 0.0042 x 730) + their 2 public addresses
    assert items["nat_instance:t4g.nano"] == "$6.13" and items["public_ipv4"] == "$7.30"
    items = {ln.key: money(ln.monthly) for ln in prod.lines}
    # prod: 3 NAT gateways (3 x 0.045 x 730) + their 3 Elastic IPs (3 x 0.005 x 730),
    # 5 interface endpoints in 3 AZs (15 x 0.01 x 730), one VPN connection (0.05 x 730),
    # hybrid DNS: 2 inbound + 2 outbound resolver addresses (4 x 0.125 x 730)
    assert items == {"nat_gateway": "$98.55", "public_ipv4": "$10.95",
                     "interface_endpoint": "$109.50", "vpn_connection": "$36.50",
                     "resolver_endpoint": "$365.00"}
    for est in (dev, prod):
        assert est.total == sum(ln.monthly for ln in est.lines) and est.complete
        assert est.region_assumed and est.region == "us-east-1"
    assert (money(dev.total), money(prod.total)) == ("$13.43", "$620.50")


def test_free_space_of_the_prod_vpc(written: dict) -> None:
    st = written["vpc-patterns-prod"][0]
    (space,) = st.vpcs[0].space
    assert (space.cidr, space.size) == ("10.20.0.0/16", 65536)
    # 3 x /24 + 3 x /20 + 3 x /22 = 768 + 12288 + 3072
    assert space.allocated == 16128 and space.free == 65536 - 16128
    assert "10.20.64.0/18" in space.free_blocks
    md = written["vpc-patterns-prod"][1].read_text()
    assert "| `10.20.0.0/16` | 65,536 | 16,128 | 49,408 |" in md
    assert "753 usable of 768" in md  # public tier: 3 x (256 - 5)
    assert RESERVED_PER_SUBNET == 5


@pytest.mark.parametrize("stack, subnets, azs", [("vpc-patterns-dev", 6, 2),
                                                 ("vpc-patterns-prod", 9, 3)])
def test_html_is_well_formed_self_contained_and_draws_every_subnet(
        written: dict, stack: str, subnets: int, azs: int) -> None:
    st, _, html_path = written[stack]
    text = html_path.read_text()
    root = parse_html(text)
    assert_self_contained(text, root)
    svgs = list(root.iter(f"{SVG}svg"))
    assert len(svgs) == 1 and svgs[0].get("data-subnets") == str(subnets)
    rects = subnet_rects(root)
    assert len(rects) == subnets
    assert {r.get("data-subnet") for r in rects} == {s.logical_id for s in st.vpcs[0].model.subnets}
    model = st.vpcs[0].model
    headers = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "az"]
    assert headers == [f"az{i + 1}" for i in range(azs)]
    tiers = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tier"]
    assert tiers[:3] == ["public", "private", "isolated"]
    # every subnet's CIDR is written in its box
    cidrs = {t.text for t in root.iter(f"{SVG}text") if t.get("class") == "cidr"}
    assert cidrs == {str(s.cidr) for s in model.subnets}
    public = {s.logical_id for s in model.subnets if s.kind == "public"}
    private = {s.logical_id for s in model.subnets if s.kind == "private"}
    # each public subnet to the internet gateway, each private one to its own AZ's NAT
    assert {el.get("data-src") for el in links(root, "igw")} == public and len(public) == azs
    assert {el.get("data-src") for el in links(root, "nat")} == private and len(private) == azs
    assert not links(root, "nat-cross") and not links(root, "warn")
    endpoint_routes = {(s.logical_id, r.target.ref) for s in model.subnets
                       for r in model.route_table(s.route_table).routes if r.origin == "endpoint"}
    assert len(endpoint_routes) == 2 * 2 * azs  # S3 + DynamoDB from private and isolated
    assert {(el.get("data-src"), el.get("data-dst")) for el in links(root, "gwep")} \
        == endpoint_routes
    scripts = list(root.iter("script"))
    assert len(scripts) == 1 and "data-diagram-drawn" in (scripts[0].text or "")
    for r in st.vpcs[0].verification.results:
        assert r.intent.label in text


def test_prod_diagram_shows_nat_gateways_and_dev_nat_instances(written: dict) -> None:
    prod = parse_html(written["vpc-patterns-prod"][2].read_text())
    dev = parse_html(written["vpc-patterns-dev"][2].read_text())

    def badges(root: ET.Element, kind: str) -> int:
        return sum(1 for el in root.iter(f"{SVG}rect")
                   if f"badge-{kind}" in (el.get("class") or "").split()
                   and el.get("width") != "28")

    assert badges(prod, "natgw") == 3 and badges(prod, "nati") == 0
    assert badges(dev, "nati") == 2 and badges(dev, "natgw") == 0
    assert "NAT t4g.nano" in written["vpc-patterns-dev"][2].read_text()


def test_report_cli_on_the_reference(reference: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(reference), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"vpc-patterns-prod: \S+prod\.md and \S+prod\.html \(9 subnets; intents "
                     r"\d+ pass, 0 fail, 0 unknown, \$[\d,.]+/month fixed\)", out), out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "vpc-patterns-dev.html", "vpc-patterns-dev.md", "vpc-patterns-prod.html",
        "vpc-patterns-prod.md", "vpc-patterns-shared.html", "vpc-patterns-shared.md"]
    # plan and verify keep working next to the new subcommands
    assert main(["verify", str(reference)]) == 0
    assert main(["plan", "--cidr", "10.1.0.0/16", "--max-azs", "2"]) == 0
    assert main(["cost", str(reference)]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("vpc-patterns-")]
    assert [x.split(":")[0] for x in lines[-3:]] == [
        "vpc-patterns-dev", "vpc-patterns-prod", "vpc-patterns-shared"]


# ---------------------------------------------------------------------------
# Hand-written templates
# ---------------------------------------------------------------------------


def test_cross_az_nat_is_drawn_and_the_broken_intent_has_its_path(tmp_path: Path) -> None:
    n = three_tier(2)
    n.props("PrivateAz1DefaultRoute")["NatGatewayId"] = n.ref("NatAz2")
    st, md, html = report_of(n, tmp_path)
    assert st.verdict == "fail"
    assert "- **FAIL** `egress_in_az(private)`" in md
    assert ("path: `subnet PrivateAz1 (private, az1, 10.0.128.0/20) -> route table "
            "PrivateAz1RouteTable -> route 0.0.0.0/0 [PrivateAz1DefaultRoute] -> nat-gateway "
            "NatAz2 in PublicAz2 (az2)") in md
    root = parse_html(html)
    (cross,) = links(root, "nat-cross")
    assert (cross.get("data-src"), cross.get("data-dst")) == ("PrivateAz1", "NatAz2")
    assert len(links(root, "nat")) == 1
    assert "route to a NAT in another AZ" in html


def test_isolated_subnet_routed_to_the_internet_gateway(tmp_path: Path) -> None:
    n = three_tier(2)
    n.route("BadRoute", "IsolatedRouteTable", GatewayId=IGW)
    _, md, html = report_of(n, tmp_path)
    assert "- **FAIL** `no_internet(isolated)`" in md
    assert "[BadRoute] -> internet-gateway Igw" in md
    root = parse_html(html)
    assert {el.get("data-src") for el in links(root, "warn")} == {"IsolatedAz1", "IsolatedAz2"}
    assert len(links(root, "igw")) == 2


def test_vpn_peering_interface_endpoint_and_their_costs(tmp_path: Path) -> None:
    n = public_acl(three_tier(3))
    n.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1", AmazonSideAsn=64512)
    n.add("VgwAttach", "AWS::EC2::VPCGatewayAttachment", VpcId=n.ref("Vpc"),
          VpnGatewayId=n.ref("Vgw"))
    n.add("Cgw", "AWS::EC2::CustomerGateway", BgpAsn=65000, IpAddress="203.0.113.10",
          Type="ipsec.1")
    n.add("Vpn", "AWS::EC2::VPNConnection", VpnGatewayId=n.ref("Vgw"),
          CustomerGatewayId=n.ref("Cgw"), StaticRoutesOnly=True, Type="ipsec.1")
    n.add("VpnRoute", "AWS::EC2::VPNConnectionRoute", VpnConnectionId=n.ref("Vpn"),
          DestinationCidrBlock="192.168.0.0/16")
    n.add("Propagation", "AWS::EC2::VPNGatewayRoutePropagation", VpnGatewayId=n.ref("Vgw"),
          RouteTableIds=[n.ref("IsolatedRouteTable")])
    n.add("Peer", "AWS::EC2::VPCPeeringConnection", VpcId=n.ref("Vpc"), PeerVpcId="vpc-0abc")
    n.route("PeerRoute", "PrivateAz1RouteTable", "172.16.0.0/16",
            VpcPeeringConnectionId=n.ref("Peer"))
    n.add("EpSg", "AWS::EC2::SecurityGroup", VpcId=n.ref("Vpc"), GroupDescription="endpoints",
          SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                 "CidrIp": "10.0.0.0/16", "Description": "HTTPS in the VPC"}])
    n.add("SsmEndpoint", "AWS::EC2::VPCEndpoint", VpcId=n.ref("Vpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.eu-west-1.ssm", PrivateDnsEnabled=True,
          SubnetIds=[n.ref(f"PrivateAz{i}") for i in (1, 2, 3)],
          SecurityGroupIds=[{"Fn::GetAtt": ["EpSg", "GroupId"]}])
    st, md, html = report_of(n, tmp_path)
    # the endpoint's service name pins the region: eu-west-1 prices
    # 3 NAT x 0.048 + 3 EIP x 0.005 + 3 endpoint AZ x 0.011 + 1 VPN x 0.05, x 730 h
    assert money(st.vpcs[0].cost.total) == "$176.66"
    assert "| Site-to-Site VPN connection hours | 1 | $0.05/h | 730 | $36.50 |" in md
    assert "| Interface endpoint AZ-hours | 3 | $0.011/h | 730 | $24.09 |" in md
    assert "eu-west-1 (Europe (Ireland)), from the service name" in md
    assert "VPN connections:" in md and "| `Vpn` | `Vgw` | `Cgw` | yes | 192.168.0.0/16 |" in md
    assert "Peering connections:" in md and "| `Peer` | `vpc-0abc` |" in md
    assert "| `SsmEndpoint` | interface (3 AZ) | ssm |" in md
    assert "| **EpSg** |" in md and "TCP 443 (HTTPS in the VPC)" in md
    assert "| 115 " not in md and "| 130 | allow | all traffic | \u2013 | `10.0.0.0/16` |" in md
    root = parse_html(html)
    assert_self_contained(html, root)
    targets = {el.get("data-target") for el in root.iter(f"{SVG}g") if el.get("data-target")}
    assert targets == {"S3Endpoint", "DynamodbEndpoint", "SsmEndpoint", "Vgw", "Peer"}
    assert {el.get("data-src") for el in links(root, "vpn")} == {"IsolatedAz1", "IsolatedAz2",
                                                               "IsolatedAz3"}
    assert [el.get("data-src") for el in links(root, "peer")] == ["PrivateAz1"]
    assert len(links(root, "ifep")) == 3


def test_two_vpcs_in_one_template_make_one_page_with_two_diagrams(tmp_path: Path) -> None:
    n = three_tier(2)
    n.add("Other", "AWS::EC2::VPC", CidrBlock="172.20.0.0/16")
    n.add("OtherSub", "AWS::EC2::Subnet", VpcId=n.ref("Other"), CidrBlock="172.20.0.0/24",
          AvailabilityZone={"Fn::Select": [0, {"Fn::GetAZs": ""}]},
          Tags=[{"Key": "vpc-patterns:tier", "Value": "shared"}])
    st, md, html = report_of(n, tmp_path)
    assert len(st.vpcs) == 2 and "`172.20.0.0/24`" in md
    root = parse_html(html)
    assert len(list(root.iter(f"{SVG}svg"))) == 2
    assert len(subnet_rects(root)) == 7


def test_unknown_pinned_region_still_writes_the_report(tmp_path: Path) -> None:
    n = three_tier(1)
    n.props("PublicAz1")["AvailabilityZone"] = "sa-east-1a"
    st, md, _ = report_of(n, tmp_path)
    assert st.vpcs[0].cost is None
    assert "Not estimated: " in md and "pinned to region 'sa-east-1'" in md
    st2, _, _ = report_of(n, tmp_path, region="us-east-1")
    assert money(st2.vpcs[0].cost.total) == "$36.50"  # 0.045 x 730 + 0.005 x 730


def test_untagged_subnets_and_default_acl(tmp_path: Path) -> None:
    n = Net().igw()
    n.add("Sub", "AWS::EC2::Subnet", VpcId=n.ref("Vpc"), CidrBlock="10.0.0.0/28",
          AvailabilityZone="us-east-1a")
    n.route_table("Rt", "Sub")
    n.route("Default", "Rt", GatewayId=IGW)
    _, md, html = report_of(n, tmp_path)
    assert "`10.0.0.0/28` (11 usable)" in md  # 16 - 5
    assert "(default network ACL)" in md and "| 100 | allow | all traffic |" in md
    assert "us-east-1 (US East (N. Virginia)), from the AZ name us-east-1a" in md
    root = parse_html(html)
    assert len(subnet_rects(root)) == 1 and len(links(root, "igw")) == 1


def test_report_cli_errors_and_empty_input(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err
    bad = tmp_path / "bad.template.json"
    bad.write_text("{not json")
    assert main(["report", str(bad), "--out", str(tmp_path / "o")]) == 2
    good = three_tier(1).write(tmp_path / "good.template.json")
    assert main(["report", str(good), "--out", str(tmp_path / "o"), "--region", "mars-1"]) == 2
    assert "known regions" in capsys.readouterr().err and not (tmp_path / "o").exists()
    empty = tmp_path / "s3.template.json"
    empty.write_text(json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}))
    assert main(["report", str(empty), "--out", str(tmp_path / "o")]) == 0
    assert "nothing written" in capsys.readouterr().out
    failing = three_tier(2)
    failing.route("BadRoute", "IsolatedRouteTable", GatewayId=IGW)
    path = failing.write(tmp_path / "broken.template.json")
    # the report is written whatever the verdicts: `verify` is the gate
    assert main(["report", str(path), "--out", str(tmp_path / "o")]) == 0
    assert "fail" in (tmp_path / "o" / "broken.md").read_text().lower()
    assert main(["verify", str(path)]) == 1
