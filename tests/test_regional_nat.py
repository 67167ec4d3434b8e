"""NatProvider.regional_gateway: plan, build, monitoring, check and cost.

Pure tests cover the plan's validation and the check layer on hand-edited
templates; one synthesized app (three stacks) covers the builder, the four
cdk-nag packs and cfn-lint.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations

from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.monitoring import NetworkMonitoring
from vpc_patterns.build.vpc import BestPracticeVpc
from vpc_patterns.check import Template, build_models
from vpc_patterns.check.cost import estimate_monthly_cost
from vpc_patterns.check.verify import verify_model
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.intents import Intent
from vpc_patterns.plan.monitoring import AlarmThresholds, plan_alarms
from vpc_patterns.plan.nat import NatKind, NatProvider, hourly_list_price
from vpc_patterns.plan.network import Tier, plan_network

from .lint_helpers import cfn_lint

ALLOC_A = "eipalloc-0123456789abcdef0"
ALLOC_B = "eipalloc-0fedcba987654321f"
PRIVATE_ONLY = [Tier("app", "private"), Tier("data", "isolated")]


# --------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------


def test_private_tiers_without_public_tier_route_to_the_one_gateway() -> None:
    plan = plan_network(tiers=PRIVATE_ONLY, nat=NatProvider.regional_gateway())
    (nat,) = plan.nats
    assert nat.kind is NatKind.REGIONAL_GATEWAY and nat.subnet == "" and nat.az_addresses is None
    private = [rt for rt in plan.route_tables if rt.tier == "app"]
    assert len(private) == 3
    for rt in private:
        (route,) = rt.routes
        assert (route.destination, route.target_id, route.route_property) == (
            "0.0.0.0/0", "RegionalNatGateway", "NatGatewayId")
    assert all(not rt.routes for rt in plan.route_tables if rt.tier == "data")


def test_zonal_gateway_still_needs_a_public_tier() -> None:
    with pytest.raises(ConfigError, match="needs a public tier"):
        plan_network(tiers=PRIVATE_ONLY, nat=NatProvider.gateway_per_az())


def test_fixed_cost_is_one_gateway_hour_per_active_az() -> None:
    hour = hourly_list_price("nat_gateway_hour")
    auto = plan_network(tiers=PRIVATE_ONLY, max_azs=3, nat=NatProvider.regional_gateway())
    assert auto.monthly_nat_gateway_usd() == round(3 * hour * 730, 2)
    manual = plan_network(tiers=PRIVATE_ONLY, max_azs=2,
                          nat=NatProvider.regional_gateway(az_addresses={0: 1, 1: [ALLOC_A]}))
    assert manual.monthly_nat_gateway_usd() == round(2 * hour * 730, 2)


def test_manual_mode_by_index_name_and_id() -> None:
    by_index = plan_network(max_azs=2, nat=NatProvider.regional_gateway(
        az_addresses={1: [ALLOC_A, ALLOC_B], 0: 2}))
    (nat,) = by_index.nats
    assert nat.az_addresses is not None
    assert [(a.az.index, a.allocation_ids, a.eip_count) for a in nat.az_addresses] == [
        (0, (), 2), (1, (ALLOC_A, ALLOC_B), 0)]
    by_name = plan_network(availability_zones=["eu-west-1a", "eu-west-1b"],
                           nat=NatProvider.regional_gateway(
                               az_addresses={"eu-west-1a": 1, "eu-west-1b": 1}))
    assert [a.az.name for a in by_name.nats[0].az_addresses or ()] == ["eu-west-1a", "eu-west-1b"]
    by_id = plan_network(availability_zone_ids=["euw1-az1", "euw1-az2"],
                         nat=NatProvider.regional_gateway(
                             az_addresses={"euw1-az2": 1, "euw1-az1": [ALLOC_A]}))
    assert [a.az.zone_id for a in by_id.nats[0].az_addresses or ()] == ["euw1-az1", "euw1-az2"]


@pytest.mark.parametrize(("kwargs", "nat", "message"), [
    ({"max_azs": 2}, {0: 1, 2: 1}, "AZ 2, which the VPC does not use"),
    ({"max_azs": 2}, {0: 1, "eu-west-1a": 1}, "takes its AZs by index"),
    ({"availability_zones": ["eu-west-1a", "eu-west-1b"]}, {"eu-west-1a": 1, 1: 1},
     "AZ 1, which the VPC does not use"),
    ({"availability_zone_ids": ["euw1-az1", "euw1-az2"]}, {"euw1-az1": 1, "eu-west-1b": 1},
     "which the VPC does not use; its AZs \\(by id\\)"),
    ({"max_azs": 2}, {0: 1}, "leave out AZ 1"),
    ({"max_azs": 2}, {0: [], 1: 1}, "list of Elastic IP allocation ids is empty"),
    ({"max_azs": 2}, {0: ["eip-123"], 1: 1}, "not an Elastic IP allocation id"),
    ({"max_azs": 2}, {0: [ALLOC_A], 1: [ALLOC_A]}, "more than once"),
    ({"max_azs": 2}, {0: 0, 1: 1}, "EIP count 0 is out of range; accepted 1..8"),
    ({"max_azs": 2}, {0: 9, 1: 1}, "EIP count 9 is out of range"),
    ({"max_azs": 2}, {0: [f"eipalloc-{i:017x}" for i in range(9)], 1: 1}, "at most 8"),
    ({"max_azs": 2}, {}, "must name at least one AZ"),
])
def test_bad_az_addresses_are_refused(kwargs: dict[str, Any], nat: dict[Any, Any],
                                      message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_network(nat=NatProvider.regional_gateway(az_addresses=nat), **kwargs)


def test_options_that_do_not_go_together() -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        NatProvider.regional_gateway(az_addresses=[(0, 1)])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="must be a list of Elastic IP allocation ids"):
        NatProvider.regional_gateway(az_addresses={0: ALLOC_A})
    with pytest.raises(ConfigError, match=r"does not apply to NatProvider\.regional_gateway"):
        plan_network(nat=NatProvider(NatKind.REGIONAL_GATEWAY, count=2))
    with pytest.raises(ConfigError, match=r"az_addresses apply to NatProvider\.regional_gateway"):
        plan_network(nat=NatProvider(NatKind.GATEWAY, az_addresses=((0, 1),)))
    with pytest.raises(ConfigError, match="az_addresses apply"):
        plan_network(nat=NatProvider(NatKind.INSTANCE, az_addresses=((0, 1),)))


def test_alarms_use_the_nat_gateway_metrics_by_its_id() -> None:
    plan = plan_network(tiers=PRIVATE_ONLY, nat=NatProvider.regional_gateway())
    alarms = plan_alarms(plan, AlarmThresholds())
    assert alarms and {a.nat for a in alarms} == {"RegionalNatGateway"}
    assert {a.dimension for a in alarms} == {"NatGatewayId"}
    assert any(m.metric_name == "ErrorPortAllocation" for a in alarms for m in a.metrics)


# --------------------------------------------------------------------------
# Build (one app, three stacks)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("rnat")
    app = App(context=cdk_context, outdir=str(out))
    auto = Stack(app, "RegionalAuto")
    net = BestPracticeVpc(auto, "Network", cidr="10.60.0.0/16", max_azs=2, tiers=PRIVATE_ONLY,
                          nat=NatProvider.regional_gateway())
    NetworkMonitoring(auto, "Monitoring", network=net)
    manual = Stack(app, "RegionalManual")
    BestPracticeVpc(manual, "Network", cidr="10.61.0.0/16", max_azs=3,
                    nat=NatProvider.regional_gateway(az_addresses={0: 2, 1: [ALLOC_A], 2: 1}))
    named = Stack(app, "RegionalNamed", env={"account": "111111111111", "region": "eu-west-1"})
    BestPracticeVpc(named, "Network", cidr="10.62.0.0/16", tiers=PRIVATE_ONLY,
                    availability_zone_ids=["euw1-az1", "euw1-az2"],
                    nat=NatProvider.regional_gateway(
                        az_addresses={"euw1-az1": [ALLOC_B], "euw1-az2": 1}))
    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()
    result: dict[str, Any] = {
        s.stack_name: json.loads((out / f"{s.artifact_id}.template.json").read_text())
        for s in (auto, manual, named)}
    result["_out"] = out
    return result


def _of_type(body: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in body["Resources"].items() if r["Type"] == rtype}


def test_automatic_mode_template(built: dict[str, Any]) -> None:
    body = built["RegionalAuto"]
    (lid, gw), = _of_type(body, "AWS::EC2::NatGateway").items()
    props = gw["Properties"]
    assert props["AvailabilityMode"] == "regional"
    assert "SubnetId" not in props and "AvailabilityZoneAddresses" not in props
    (vpc,) = _of_type(body, "AWS::EC2::VPC")
    assert props["VpcId"] == {"Ref": vpc}
    assert len(_of_type(body, "AWS::EC2::InternetGateway")) == 1
    (attach,) = _of_type(body, "AWS::EC2::VPCGatewayAttachment")
    assert attach in gw["DependsOn"]
    assert _of_type(body, "AWS::EC2::EIP") == {}
    routes = _of_type(body, "AWS::EC2::Route").values()
    assert sorted(json.dumps(r["Properties"]["NatGatewayId"]) for r in routes) == \
        [json.dumps({"Ref": lid})] * 2
    assert not any("GatewayId" in r["Properties"] for r in routes)
    alarms = _of_type(body, "AWS::CloudWatch::Alarm").values()
    dims = [d for a in alarms for m in a["Properties"].get("Metrics", [])
            for d in m.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])]
    dims += [d for a in alarms for d in a["Properties"].get("Dimensions", [])]
    assert dims and all(d == {"Name": "NatGatewayId", "Value": {"Ref": lid}} for d in dims)


def test_manual_mode_creates_the_eips_it_asked_for(built: dict[str, Any]) -> None:
    body = built["RegionalManual"]
    (gw,) = _of_type(body, "AWS::EC2::NatGateway").values()
    eips = _of_type(body, "AWS::EC2::EIP")
    assert len(eips) == 3  # 2 in AZ 1, 1 in AZ 3
    entries = gw["Properties"]["AvailabilityZoneAddresses"]
    assert [e["AvailabilityZone"] for e in entries] == [
        {"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(3)]
    assert [len(e["AllocationIds"]) for e in entries] == [2, 1, 1]
    assert entries[1]["AllocationIds"] == [ALLOC_A]
    made = {e["Fn::GetAtt"][0] for i in (0, 2) for e in entries[i]["AllocationIds"]}
    assert made == set(eips)
    # the public tier's internet gateway is the one the regional gateway uses
    assert len(_of_type(body, "AWS::EC2::InternetGateway")) == 1


def test_az_ids_are_given_as_availability_zone_id(built: dict[str, Any]) -> None:
    (gw,) = _of_type(built["RegionalNamed"], "AWS::EC2::NatGateway").values()
    entries = gw["Properties"]["AvailabilityZoneAddresses"]
    assert [e["AvailabilityZoneId"] for e in entries] == ["euw1-az1", "euw1-az2"]
    assert entries[0]["AllocationIds"] == [ALLOC_B]


def test_four_nag_packs_report_no_finding(built: dict[str, Any]) -> None:
    report = json.loads((built["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cfn_lint_clean(built: dict[str, Any]) -> None:
    for tpl in sorted(Path(built["_out"]).glob("*.template.json")):
        assert cfn_lint(tpl, regions=["us-east-1", "eu-west-1"]) == [], tpl.name


# --------------------------------------------------------------------------
# Check layer on hand-edited templates
# --------------------------------------------------------------------------


def _model(body: dict[str, Any]) -> Any:
    (model,) = build_models(Template("t.template.json", "t", body))
    return model


def _verdicts(body: dict[str, Any], *intents: Intent) -> list[str]:
    return [r.verdict for r in verify_model(_model(body), list(intents)).results]


def test_regional_network_passes_egress_only_and_in_az(built: dict[str, Any]) -> None:
    body = built["RegionalAuto"]
    assert _verdicts(body, Intent.egress_only("app"), Intent.egress_in_az("app"),
                     Intent.no_internet("data")) == ["pass", "pass", "pass"]
    (nat,) = _model(body).nat_gateways
    assert nat.regional and nat.subnet is None and nat.zones is None


def test_without_internet_gateway_it_does_not_reach_the_internet(built: dict[str, Any]) -> None:
    body = copy.deepcopy(built["RegionalAuto"])
    for lid in list(_of_type(body, "AWS::EC2::VPCGatewayAttachment")):
        del body["Resources"][lid]
    for r in body["Resources"].values():
        r.pop("DependsOn", None)
    result = verify_model(_model(body), [Intent.egress_only("app")]).results[0]
    assert result.verdict == "fail"
    assert all("none is attached to the VPC" in f.message for f in result.findings)


def test_manual_mode_az_without_addresses_is_not_az_local(built: dict[str, Any]) -> None:
    body = copy.deepcopy(built["RegionalManual"])
    (gw,) = _of_type(body, "AWS::EC2::NatGateway").values()
    gw["Properties"]["AvailabilityZoneAddresses"].pop()  # AZ 3 loses its entry
    results = verify_model(_model(body), [Intent.egress_in_az("private"),
                                          Intent.egress_only("private")]).results
    assert [r.verdict for r in results] == ["fail", "fail"]
    assert len(results[0].findings) == 1  # only the subnet of AZ 3


def test_zonal_route_to_a_nat_in_no_known_subnet_is_not_a_pass(built: dict[str, Any]) -> None:
    """Dropping AvailabilityMode makes it a zonal gateway without subnet:
    the check cannot place it and must not pass."""
    body = copy.deepcopy(built["RegionalAuto"])
    (gw,) = _of_type(body, "AWS::EC2::NatGateway").values()
    del gw["Properties"]["AvailabilityMode"]
    assert "pass" not in _verdicts(body, Intent.egress_only("app"))


def test_cost_prices_gateway_hours_per_active_az(built: dict[str, Any]) -> None:
    auto = estimate_monthly_cost(_model(built["RegionalAuto"]), "us-east-1")
    lines = {line.key: line for line in auto.lines}
    assert lines["regional_nat_gateway"].count == 2  # two AZs with subnets
    assert lines["regional_nat_gateway"].unit_price == \
        auto_price("us-east-1")
    assert lines["public_ipv4"].count == 2
    manual = estimate_monthly_cost(_model(built["RegionalManual"]), "us-east-1")
    lines = {line.key: line for line in manual.lines}
    assert lines["regional_nat_gateway"].count == 3
    assert lines["public_ipv4"].count == 4  # 2 + 1 + 1 addresses listed
    assert "nat_gateway" not in lines


def auto_price(region: str) -> Any:
    from vpc_patterns.plan.prices import region_prices

    return region_prices(region).nat_gateway_hour


def test_price_file_cites_its_source() -> None:
    from vpc_patterns.plan.prices import price_files

    data = json.loads(price_files()[-1].read_text())
    source = data["sources"]["regional_nat_gateway"]
    assert "https://aws.amazon.com/vpc/pricing/" in source["urls"] and source["read"]


def test_default_intents_claim_az_local_egress_for_a_regional_gateway() -> None:
    """A regional gateway handles each AZ in that AZ, so the library records
    (and verify must prove) egress_in_az; a single zonal gateway does not."""
    from vpc_patterns.plan.intents import plan_intents

    def labels(nat: NatProvider) -> list[str]:
        plan = plan_network(max_azs=3, nat=nat)
        return [i.label for i in plan_intents(plan, (), True, public_ports=(80, 443))]

    assert "egress_in_az(private)" in labels(NatProvider.regional_gateway())
    assert "egress_in_az(private)" not in labels(NatProvider.single_gateway())
    assert NatProvider.parse("regional-gateway") == NatProvider.regional_gateway()
