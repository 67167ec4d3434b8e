"""Fixed monthly cost: known answers computed by hand over small hand-written
templates (no CDK), the dated price file, region choice, and the cost CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from vpc_patterns import ConfigError
from vpc_patterns.check import Template, build_models
from vpc_patterns.check.cost import detect_region, estimate_monthly_cost, money
from vpc_patterns.cli.main import main
from vpc_patterns.plan.prices import DEFAULT_REGION, PriceTable, load_prices, price_files

from .network_templates import Net, three_tier

HOURS = 730
REQUIRED_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
REQUIRED_TYPES = ("t4g.nano", "t4g.micro", "t4g.small", "t3.nano", "t3.micro", "t3.small",
                  "c6gn.medium")


def model(n: Net | dict, path: str = "t.template.json"):
    body = n.template() if isinstance(n, Net) else n
    return build_models(Template(path, Path(path).name.split(".")[0], body))[0]


def line(est, key: str):
    (found,) = [ln for ln in est.lines if ln.key == key]
    return found


def nat_instances(n: Net, types: list[str], *, asg: bool = True) -> Net:
    """Replace the NAT gateways of a three-tier net by NAT instances as the
    library synthesizes them: a fixed interface (source/dest check off) the
    private routes target, and a group of one whose launch template names the
    instance type (``asg=False``: plain AWS::EC2::Instance resources)."""
    for i, itype in enumerate(types, start=1):
        del n.res[f"NatAz{i}"], n.res[f"NatAz{i}Eip"]
        if asg:
            tag = [{"Key": "vpc-patterns:nat-interface", "Value": f"nat-az{i}"}]
            n.add(f"NatAz{i}Interface", "AWS::EC2::NetworkInterface",
                  SubnetId=n.ref(f"PublicAz{i}"), SourceDestCheck=False, Tags=tag)
            n.add(f"NatAz{i}Template", "AWS::EC2::LaunchTemplate",
                  LaunchTemplateData={"InstanceType": itype, "NetworkInterfaces": [
                      {"AssociatePublicIpAddress": True, "DeviceIndex": 0}]})
            n.add(f"NatAz{i}Group", "AWS::AutoScaling::AutoScalingGroup", MinSize="1",
                  MaxSize="1", LaunchTemplate={"LaunchTemplateId": n.ref(f"NatAz{i}Template"),
                                               "Version": "1"},
                  Tags=[{**tag[0], "PropagateAtLaunch": True}])
            target = {"NetworkInterfaceId": n.ref(f"NatAz{i}Interface")}
        else:
            n.add(f"NatAz{i}Instance", "AWS::EC2::Instance", InstanceType=itype,
                  SubnetId=n.ref(f"PublicAz{i}"), SourceDestCheck=False, ImageId="ami-1")
            target = {"InstanceId": n.ref(f"NatAz{i}Instance")}
        props = n.props(f"PrivateAz{i}DefaultRoute")
        del props["NatGatewayId"]
        props.update(target)
    return n


def interface_endpoint(n: Net, lid: str, service: str, subnets: list[str],
                       region: str = "${AWS::Region}") -> Net:
    name = ({"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, f".{service}"]]}
            if region.startswith("$") else f"com.amazonaws.{region}.{service}")
    return n.add(lid, "AWS::EC2::VPCEndpoint", VpcId=n.ref("Vpc"), VpcEndpointType="Interface",
                 ServiceName=name, SubnetIds=[n.ref(s) for s in subnets])


def vpn(n: Net, count: int = 1) -> Net:
    n.add("Vgw", "AWS::EC2::VPNGateway", Type="ipsec.1")
    n.add("VgwAttach", "AWS::EC2::VPCGatewayAttachment", VpcId=n.ref("Vpc"),
          VpnGatewayId=n.ref("Vgw"))
    for i in range(count):
        n.add(f"Vpn{i}", "AWS::EC2::VPNConnection", VpnGatewayId=n.ref("Vgw"),
              CustomerGatewayId=f"cgw-{i}", Type="ipsec.1", StaticRoutesOnly=True)
    return n


# ---------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------


def test_three_nat_gateways_in_us_east_1() -> None:
    est = estimate_monthly_cost(model(three_tier(3)), "us-east-1")
    nat = line(est, "nat_gateway")
    assert (nat.count, nat.unit_price, nat.hours) == (3, Decimal("0.045"), HOURS)
    assert nat.monthly == Decimal("98.55")  # 3 x 0.045 x 730
    eip = line(est, "public_ipv4")
    assert (eip.count, eip.unit_price) == (3, Decimal("0.005"))
    assert eip.monthly == Decimal("10.95")  # 3 EIPs x 0.005 x 730
    assert est.total == Decimal("109.50") and est.complete
    assert money(est.total) == "$109.50"
    assert [ln.key for ln in est.lines] == ["nat_gateway", "public_ipv4"]
    assert nat.resources == ("NatAz1", "NatAz2", "NatAz3")


def test_single_nat_gateway_in_eu_west_1() -> None:
    n = three_tier(2)
    n.props("PrivateAz2DefaultRoute")["NatGatewayId"] = n.ref("NatAz1")
    del n.res["NatAz2"], n.res["NatAz2Eip"]
    est = estimate_monthly_cost(model(n), "eu-west-1")
    assert line(est, "nat_gateway").monthly == Decimal("35.04")  # 0.048 x 730
    assert line(est, "public_ipv4").monthly == Decimal("3.65")  # 0.005 x 730
    assert est.total == Decimal("38.69")
    assert est.region == "eu-west-1" and est.region_name == "Europe (Ireland)"
    assert not est.region_assumed


def test_nat_instances_priced_by_type_with_their_public_addresses() -> None:
    est = estimate_monthly_cost(model(nat_instances(three_tier(2), ["t4g.nano", "t4g.nano"])))
    inst = line(est, "nat_instance:t4g.nano")
    assert (inst.count, inst.unit_price) == (2, Decimal("0.0042"))
    assert inst.monthly == Decimal("6.132")  # 2 x 0.0042 x 730
    assert line(est, "public_ipv4").monthly == Decimal("7.30")  # 2 x 0.005 x 730
    assert est.total == Decimal("13.432") and money(est.total) == "$13.43"
    assert not any(ln.key == "nat_gateway" for ln in est.lines)
    assert "one public address per NAT instance" in line(est, "public_ipv4").note


def test_nat_instances_of_two_types_are_two_lines() -> None:
    n = nat_instances(three_tier(3), ["t3.micro", "t3.micro", "t4g.small"])
    est = estimate_monthly_cost(model(n), "eu-central-1")
    assert line(est, "nat_instance:t3.micro").monthly == Decimal("17.52")  # 2 x 0.012 x 730
    assert line(est, "nat_instance:t4g.small").monthly == Decimal("14.016")  # 0.0192 x 730
    assert line(est, "public_ipv4").count == 3
    assert est.total == Decimal("17.52") + Decimal("14.016") + Decimal("10.95")


def test_plain_ec2_nat_instance() -> None:
    n = nat_instances(three_tier(1), ["c6gn.medium"], asg=False)
    est = estimate_monthly_cost(model(n), "ap-southeast-1")
    assert line(est, "nat_instance:c6gn.medium").unit_price == Decimal("0.0499")
    assert est.total == Decimal("0.0499") * HOURS + Decimal("0.005") * HOURS


def test_unknown_instance_type_is_an_unpriced_line_not_a_guess() -> None:
    n = nat_instances(three_tier(2), ["t4g.nano", "m7g.large"])
    est = estimate_monthly_cost(model(n))
    odd = line(est, "nat_instance:m7g.large")
    assert odd.unit_price is None and odd.monthly is None
    assert "m7g.large is not in the price file" in odd.note and "t4g.nano" in odd.note
    assert not est.complete
    assert est.total == Decimal("0.0042") * HOURS + 2 * Decimal("0.005") * HOURS
    assert "+ unpriced items" in est.summary()


def test_interfaces_that_are_not_nat_are_not_priced() -> None:
    n = three_tier(2)
    n.add("AppEni", "AWS::EC2::NetworkInterface", SubnetId=n.ref("PrivateAz1"))
    est = estimate_monthly_cost(model(n))
    assert [ln.key for ln in est.lines] == ["nat_gateway", "public_ipv4"]


def test_private_nat_gateway_pays_hours_but_no_elastic_ip() -> None:
    n = three_tier(2)
    n.props("NatAz2")["ConnectivityType"] = "private"
    est = estimate_monthly_cost(model(n))
    assert line(est, "nat_gateway").count == 2
    assert line(est, "nat_gateway").note == "1 private (no Elastic IP)"
    assert line(est, "public_ipv4").count == 1


def test_interface_endpoints_per_az_hour() -> None:
    n = three_tier(3, endpoints=True)  # gateway endpoints: free
    subnets = ["PrivateAz1", "PrivateAz2", "PrivateAz3"]
    interface_endpoint(n, "SsmEndpoint", "ssm", subnets)
    interface_endpoint(n, "KmsEndpoint", "kms", subnets[:2])
    est = estimate_monthly_cost(model(n), "eu-central-1")
    ep = line(est, "interface_endpoint")
    assert (ep.count, ep.unit_price) == (5, Decimal("0.012"))
    assert ep.monthly == Decimal("43.80")  # 5 AZ-hours x 0.012 x 730
    assert ep.resources == ("SsmEndpoint (ssm, 3 AZ)", "KmsEndpoint (kms, 2 AZ)")


def test_interface_endpoint_with_unresolved_subnets_counts_one_az_and_says_so() -> None:
    n = three_tier(1)
    n.add("Ep", "AWS::EC2::VPCEndpoint", VpcId=n.ref("Vpc"), VpcEndpointType="Interface",
          ServiceName="com.amazonaws.us-east-1.sqs", SubnetIds={"Fn::ImportValue": "subnets"})
    est = estimate_monthly_cost(model(n))
    assert line(est, "interface_endpoint").count == 1
    assert any("Ep: its subnets are not resolvable" in x for x in est.notes)


def test_vpn_connections_per_hour() -> None:
    est = estimate_monthly_cost(model(vpn(three_tier(2), count=2)), "us-west-2")
    v = line(est, "vpn_connection")
    assert (v.count, v.monthly) == (2, Decimal("73.00"))  # 2 x 0.05 x 730
    assert est.total == Decimal("73.00") + 2 * Decimal("32.85") + 2 * Decimal("3.65")


def test_nothing_with_an_hourly_charge_costs_nothing() -> None:
    n = Net().igw()
    n.subnet("PublicAz1", "public", "public", 0, "10.0.0.0/24")
    n.route_table("PublicRouteTable", "PublicAz1")
    n.route("PublicDefaultRoute", "PublicRouteTable", GatewayId=n.ref("Igw"))
    n.endpoint("S3Endpoint", "s3", "PublicRouteTable")
    est = estimate_monthly_cost(model(n))
    assert est.lines == () and est.total == 0 and est.complete
    assert "no fixed charge" in est.format_text(verbose=True)


# ---------------------------------------------------------------------------
# Region
# ---------------------------------------------------------------------------


def test_environment_agnostic_template_assumes_us_east_1_and_says_so() -> None:
    est = estimate_monthly_cost(model(three_tier(2)))
    assert DEFAULT_REGION == "us-east-1"
    assert est.region == "us-east-1" and est.region_assumed
    assert "assumed" in est.region_text and "names no region" in est.region_text
    assert "us-east-1" in est.summary()


def test_region_from_literal_az_names() -> None:
    n = three_tier(2)
    for lid in ["PublicAz1", "PrivateAz1", "IsolatedAz1"]:
        n.props(lid)["AvailabilityZone"] = "us-west-2a"
    m = model(n)
    assert detect_region(m)[0] == "us-west-2"
    est = estimate_monthly_cost(m)
    assert est.region == "us-west-2" and not est.region_assumed
    assert "AZ name us-west-2a" in est.region_text


def test_region_from_an_endpoint_service_name() -> None:
    n = interface_endpoint(three_tier(2), "Ep", "ssm", ["PrivateAz1"], region="ap-southeast-1")
    est = estimate_monthly_cost(model(n))
    assert est.region == "ap-southeast-1"
    assert line(est, "nat_gateway").unit_price == Decimal("0.059")
    assert line(est, "interface_endpoint").unit_price == Decimal("0.013")


def test_region_from_the_cdk_out_manifest(tmp_path: Path) -> None:
    tpl = three_tier(2).write(tmp_path / "net-prod.template.json")
    manifest = {"artifacts": {"net-prod": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/eu-central-1",
        "properties": {"templateFile": "net-prod.template.json"}}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    est = estimate_monthly_cost(model(json.loads(tpl.read_text()), str(tpl)))
    assert est.region == "eu-central-1" and "manifest.json" in est.region_text
    assert line(est, "nat_gateway").unit_price == Decimal("0.052")
    manifest["artifacts"]["net-prod"]["environment"] = "aws://unknown-account/unknown-region"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert estimate_monthly_cost(model(json.loads(tpl.read_text()), str(tpl))).region_assumed


def test_placeholder_az_names_do_not_name_a_region() -> None:
    n = three_tier(1)
    n.props("PublicAz1")["AvailabilityZone"] = "dummy1a"
    assert detect_region(model(n)) == (None, "")


def test_explicit_region_overrides_the_template() -> None:
    n = interface_endpoint(three_tier(1), "Ep", "ssm", ["PrivateAz1"], region="eu-west-1")
    assert estimate_monthly_cost(model(n), "us-east-1").region == "us-east-1"


def test_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        estimate_monthly_cost(model(three_tier(1)), "sa-east-1")
    assert "'sa-east-1'" in str(err.value)
    for r in REQUIRED_REGIONS:
        assert r in str(err.value)


def test_template_pinned_to_an_unlisted_region_is_a_config_error() -> None:
    n = three_tier(1)
    n.props("PublicAz1")["AvailabilityZone"] = "sa-east-1a"
    with pytest.raises(ConfigError) as err:
        estimate_monthly_cost(model(n))
    text = str(err.value)
    assert "pinned to region 'sa-east-1'" in text and "us-east-1" in text


# ---------------------------------------------------------------------------
# The price file
# ---------------------------------------------------------------------------


def test_price_file_is_dated_and_covers_the_required_regions_and_types() -> None:
    files = price_files()
    assert "prices-2026-11.json" in [f.name for f in files]
    table = load_prices()
    assert table.file == files[-1].name and table.date == files[-1].name[7:14]
    assert table.hours_per_month == HOURS and table.currency == "USD"
    assert table.source and any("data processing" in e for e in table.excludes)
    for code in REQUIRED_REGIONS:
        rp = table.region(code)
        assert rp.public_ipv4_hour == Decimal("0.005")
        assert rp.nat_gateway_hour > 0 and rp.interface_endpoint_az_hour > 0
        assert rp.vpn_connection_hour > 0
        for t in REQUIRED_TYPES:
            assert rp.ec2_hour[t] > 0, (code, t)
    assert table.region("us-east-1").nat_gateway_hour == Decimal("0.045")


def _table(**region: object) -> dict:
    base = {"nat_gateway_hour": 0.1, "interface_endpoint_az_hour": 0.01,
            "vpn_connection_hour": 0.05, "public_ipv4_hour": 0.005, "ec2_hour": {"t4g.nano": 0.01}}
    base.update(region)
    return {"date": "2030-01", "regions": {"xx-test-1": base}}


def test_a_custom_price_table_is_used_and_named() -> None:
    table = PriceTable.from_dict(_table(), "prices-2030-01.json")
    est = estimate_monthly_cost(model(three_tier(1)), "xx-test-1", prices=table)
    assert est.total == Decimal("0.1") * HOURS + Decimal("0.005") * HOURS
    assert est.price_date == "2030-01" and "2030-01" in est.disclaimer


@pytest.mark.parametrize("data, words", [
    ({"date": "Nov 2026", "regions": {}}, "'date'"),
    ({"date": "2030-01", "regions": {}}, "'regions'"),
    ({"date": "2030-01", "regions": {"Ohio": {}}}, "'Ohio' is not a region code"),
    (_table(nat_gateway_hour=-1), "is negative"),
    (_table(nat_gateway_hour="cheap"), "must be a number"),
    (_table(public_ipv4_hour=None), "public_ipv4_hour None must be a number"),
    (_table(ec2_hour=[1]), "ec2_hour must be an object"),
    ({**_table(), "hours_per_month": 0}, "hours_per_month"),
])
def test_malformed_price_tables_are_refused(data: dict, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        PriceTable.from_dict(data, "bad.json")
    assert words in str(err.value) and "bad.json" in str(err.value)


def test_estimate_names_its_date_and_what_it_excludes() -> None:
    est = estimate_monthly_cost(model(three_tier(2)))
    assert "2026-11" in est.disclaimer and "prices-2026-11.json" in est.disclaimer
    assert "excludes data processing" in est.disclaimer and "data transfer" in est.disclaimer
    assert "excludes data processing and transfer" in est.summary()
    data = est.to_dict()
    json.dumps(data)
    assert data["total"] == 73.0  # 2 x 0.045 x 730 + 2 x 0.005 x 730
    assert [ln["monthly"] for ln in data["lines"]] == [65.7, 7.3]
    text = est.format_text(verbose=True)
    assert "NAT gateway hours" in text and "2 x $0.045/h x 730 h = $65.70" in text


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def test_cost_cli_one_line_per_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    three_tier(3).write(tmp_path / "prod.template.json")
    nat_instances(three_tier(2), ["t4g.nano", "t4g.nano"]).write(tmp_path / "dev.template.json")
    assert main(["cost", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("dev: $13.43/month") and out[1].startswith("prod: $109.50/month")
    assert "us-east-1 (assumed" in out[0] and "excludes data processing" in out[0]
    assert main(["cost", "--verbose", str(tmp_path)]) == 0
    verbose = capsys.readouterr().out
    assert "NAT instance hours t4g.nano" in verbose and "3 x $0.045/h x 730 h = $98.55" in verbose
    assert "2026-11" in verbose.splitlines()[-1]
    assert main(["cost", "--json", "--region", "eu-west-1",
                 str(tmp_path / "prod.template.json")]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert data["region"] == "eu-west-1" and data["total"] == 116.07  # 3 x (0.048 + 0.005) x 730


def test_cost_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = three_tier(1).write(tmp_path / "x.template.json")
    assert main(["cost", "--region", "mars-east-1", str(path)]) == 2
    assert "known regions" in capsys.readouterr().err
    assert main(["cost", str(tmp_path / "missing.json")]) == 2
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "s3only.template.json").write_text(
        json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}))
    assert main(["cost", str(tmp_path / "empty")]) == 0
    assert "no VPC" in capsys.readouterr().out
