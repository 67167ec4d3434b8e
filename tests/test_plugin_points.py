"""Plug-in points: a NAT kind or a route kind is added in one place.

Every question the library asks about a NAT kind goes to its strategy object
(``vpc_patterns.plan.nat``): its route target, hourly price entry,
monitoring kind, whether instance options apply, whether it routes egress.
These tests swap in a strategy that answers differently and check that each
place that used to branch on :class:`NatKind` follows the answer: the
intents, the plan CLI, the app config, the alarms and the dashboard. A source
scan checks that no other module names a ``NatKind`` member, and that every
route is rendered by the one renderer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from stacks.config import parse_environment
from vpc_patterns.check.parser_routes import HOP_PROPERTIES
from vpc_patterns.cli.main import main as cli_main
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan import monitoring as plan_monitoring
from vpc_patterns.plan import nat as plan_nat
from vpc_patterns.plan.intents import plan_intents
from vpc_patterns.plan.monitoring import (
    AlarmSpec,
    AlarmThresholds,
    GraphSpec,
    MetricSpec,
    NatMonitoring,
    plan_alarms,
    plan_dashboard_rows,
    register_nat_monitoring,
)
from vpc_patterns.plan.nat import (
    NAT_GATEWAY_HOUR,
    NatGatewayStrategy,
    NatInstanceStrategy,
    NatKind,
    NatPlan,
    NatProvider,
    register_nat_strategy,
)
from vpc_patterns.plan.network import VpcPlan, plan_network
from vpc_patterns.plan.routes import RouteTarget

LIBRARY = Path(__file__).resolve().parent.parent / "constructs" / "vpc_patterns"
STACKS = LIBRARY.parent.parent / "stacks"
#: The two modules that define the NAT kinds: the strategies and the builders.
NAT_KIND_HOMES = {LIBRARY / "plan" / "nat.py", LIBRARY / "build" / "nat.py"}


def _sources() -> list[Path]:
    return sorted([*LIBRARY.rglob("*.py"), *STACKS.rglob("*.py")])


@pytest.fixture
def swap_strategy(monkeypatch: pytest.MonkeyPatch):
    """Register a strategy class for its kind for one test (the original
    is restored afterwards)."""
    def swap(cls: type[plan_nat.NatStrategy]) -> None:
        monkeypatch.setitem(plan_nat._STRATEGIES, cls.kind, plan_nat._STRATEGIES[cls.kind])
        register_nat_strategy(cls)
    return swap


@pytest.fixture
def fake_monitoring(monkeypatch: pytest.MonkeyPatch):
    """Register a monitoring kind ``fake`` (one alarm and one graph per NAT)
    for one test."""
    monkeypatch.setitem(plan_monitoring._MONITORING, "fake", None)

    @register_nat_monitoring
    class FakeMonitoring(NatMonitoring):
        kind = "fake"

        def alarms(self, nat: NatPlan, plan: VpcPlan, t: AlarmThresholds) -> list[AlarmSpec]:
            return [AlarmSpec(
                key=f"{nat.construct_id}Fake", nat=nat.construct_id, dimension="NatGatewayId",
                description=f"fake alarm of {nat.construct_id}",
                metrics=(MetricSpec("m", "Fake/NAT", "FakeMetric", "Sum"),), expression=None,
                threshold=7, comparison="GreaterThanThreshold",
                period_seconds=t.period_seconds, evaluation_periods=1, datapoints_to_alarm=1,
                treat_missing_data="missing")]

        def graphs(self, nat: NatPlan, plan: VpcPlan) -> tuple[GraphSpec, ...]:
            return (GraphSpec(f"fake {nat.construct_id}", nat.construct_id, "NatGatewayId",
                              (MetricSpec("x", "Fake/NAT", "FakeMetric", "Sum"),), width=24),)

    return FakeMonitoring


# --------------------------------------------------------------------------
# Only the strategy and builder modules name NatKind members
# --------------------------------------------------------------------------


def test_natkind_members_are_named_only_where_the_kinds_are_defined() -> None:
    offenders = []
    for path in _sources():
        if path in NAT_KIND_HOMES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "NatKind"):
                offenders.append(f"{path.relative_to(LIBRARY.parent.parent)}:{node.lineno}")
    assert offenders == []
    # the scan does see the homes' members (it would find a misplaced one)
    homes = "".join(p.read_text(encoding="utf-8") for p in sorted(NAT_KIND_HOMES))
    assert "NatKind.GATEWAY" in homes and "NatKind.INSTANCE" in homes


def test_no_module_compares_a_nat_kind_with_a_literal() -> None:
    """``n.kind.value == 'gateway'`` and the like: a branch on the kind's name."""
    offenders = []
    names = {k.value for k in NatKind}
    for path in _sources():
        if path in NAT_KIND_HOMES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            kind_side = any(isinstance(s, ast.Attribute) and s.attr == "value"
                            and isinstance(s.value, ast.Attribute) and s.value.attr == "kind"
                            for s in sides)
            literal = any(isinstance(s, ast.Constant) and s.value in names for s in sides)
            if kind_side and literal:
                offenders.append(f"{path.relative_to(LIBRARY.parent.parent)}:{node.lineno}")
    assert offenders == []


def test_every_route_is_rendered_by_the_one_renderer() -> None:
    makers = [p.relative_to(LIBRARY).as_posix() for p in _sources()
              if "CfnRoute(" in p.read_text(encoding="utf-8")]
    assert makers == ["build/routes.py"]


# --------------------------------------------------------------------------
# A strategy that answers differently is followed everywhere
# --------------------------------------------------------------------------


def test_intents_ask_the_strategy_whether_it_routes_egress(swap_strategy) -> None:
    plan = plan_network(nat=NatProvider.gateway_per_az())
    kinds = [i.kind for i in plan_intents(plan, (), True, public_ports=(80, 443))]
    assert "egress_in_az" in kinds

    class Unrouted(NatGatewayStrategy):
        routes_egress = False  # type: ignore[assignment]

    swap_strategy(Unrouted)
    kinds = [i.kind for i in plan_intents(plan, (), True, public_ports=(80, 443))]
    assert "egress_in_az" not in kinds
    assert "egress_only" in kinds


def test_plan_cli_counts_the_nats_priced_as_nat_gateways(swap_strategy, capsys) -> None:
    assert cli_main(["plan", "--nat", "instances"]) == 0
    assert "NAT gateways: 0 (~$0.00/month" in capsys.readouterr().out

    class PricedInstances(NatInstanceStrategy):
        hourly_price_key = NAT_GATEWAY_HOUR

    swap_strategy(PricedInstances)
    assert cli_main(["plan", "--nat", "instances"]) == 0
    out = capsys.readouterr().out
    # three AZs by default, one NAT each, now priced (and counted) as gateways
    plan = plan_network(nat=NatProvider.instances())
    assert len(plan.nats) == 3
    assert f"NAT gateways: 3 (~${plan.monthly_nat_gateway_usd():.2f}/month" in out
    assert plan.monthly_nat_gateway_usd() > 0


def test_app_config_asks_the_strategy_whether_instance_options_apply(swap_strategy) -> None:
    raw = {"nat": "gateway-per-az", "nat_instance_type": "t4g.small"}
    with pytest.raises(ConfigError, match="applies only to nat = 'instances'"):
        parse_environment("dev", raw)

    class GatewayWithInstanceOptions(NatGatewayStrategy):
        accepts_instance_options = True

    swap_strategy(GatewayWithInstanceOptions)
    nat = parse_environment("dev", raw).nat
    assert (nat.kind, nat.count, nat.instance_type) == (NatKind.GATEWAY, None, "t4g.small")


def test_instance_option_keeps_the_parsed_provider_otherwise() -> None:
    nat = parse_environment("dev", {"nat": "instances", "nat_instance_type": "t4g.small"}).nat
    assert nat == NatProvider.instances(instance_type="t4g.small")


def test_alarms_and_dashboard_rows_follow_the_monitoring_kind(
        swap_strategy, fake_monitoring) -> None:
    plan = plan_network(nat=NatProvider.gateways(2))
    assert {s.key for s in plan_alarms(plan, AlarmThresholds())} >= {
        "NatAz1PortAllocationErrors", "NatAz2Bandwidth"}

    class FakeMonitored(NatGatewayStrategy):
        monitoring_kind = "fake"

    swap_strategy(FakeMonitored)
    specs = plan_alarms(plan, AlarmThresholds())
    assert [s.key for s in specs] == ["NatAz1Fake", "NatAz2Fake"]
    rows = plan_dashboard_rows(plan)
    assert [[g.title for g in row] for row in rows] == [["fake NatAz1"], ["fake NatAz2"]]

    class Unmonitored(NatGatewayStrategy):
        monitoring_kind = None

    swap_strategy(Unmonitored)
    assert plan_alarms(plan, AlarmThresholds()) == ()
    assert plan_dashboard_rows(plan) == ()

    class UnknownMonitoring(NatGatewayStrategy):
        monitoring_kind = "nobody-registered-this"

    swap_strategy(UnknownMonitoring)
    with pytest.raises(ConfigError, match="'nobody-registered-this' has no alarms registered"):
        plan_alarms(plan, AlarmThresholds())


def test_network_monitoring_renders_a_new_monitoring_kind(
        swap_strategy, fake_monitoring, cdk_context) -> None:
    """The construct renders whatever the monitoring kind plans, with the
    dimension value the NAT's builder gives (the gateway's id)."""
    from vpc_patterns.build.monitoring import NetworkMonitoring
    from vpc_patterns.build.vpc import BestPracticeVpc

    class FakeMonitored(NatGatewayStrategy):
        monitoring_kind = "fake"

    swap_strategy(FakeMonitored)
    stack = Stack(App(context=cdk_context), "Fake")
    net = BestPracticeVpc(stack, "Net", nat=NatProvider.single_gateway())
    mon = NetworkMonitoring(stack, "Mon", network=net)
    assert list(mon.alarms) == ["NatAz1Fake"]
    tpl = Template.from_stack(stack).to_json()
    alarms = [r["Properties"] for r in tpl["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"]
    gw_lid = stack.resolve(net.nat_gateways["NatAz1"].logical_id)
    assert len(alarms) == 1
    assert (alarms[0]["Namespace"], alarms[0]["MetricName"], alarms[0]["Threshold"]) == (
        "Fake/NAT", "FakeMetric", 7)
    assert alarms[0]["Dimensions"] == [{"Name": "NatGatewayId", "Value": {"Ref": gw_lid}}]
    (dash,) = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = str(dash["Properties"]["DashboardBody"])
    assert "fake NatAz1" in body and "FakeMetric" in body
    assert "NAT gateway NatAz1" not in body


# --------------------------------------------------------------------------
# Route kinds
# --------------------------------------------------------------------------


def test_the_route_parser_reads_every_planned_route_property() -> None:
    planned = [v for v in vars(RouteTarget).values() if isinstance(v, RouteTarget)]
    assert {t.value for t in planned} == {
        "internet-gateway", "nat-gateway", "nat-instance", "vpc-peering"}
    assert {t.route_property for t in planned} <= set(HOP_PROPERTIES)
    assert len(set(HOP_PROPERTIES)) == len(HOP_PROPERTIES)


def test_every_routing_strategy_uses_a_route_kind_the_parser_reads() -> None:
    for kind in NatKind:
        target = plan_nat.nat_strategy(kind).route_target
        if target is not None:
            assert target.route_property in HOP_PROPERTIES


def test_render_route_fills_the_property_of_any_target_kind_in_any_scope(cdk_context) -> None:
    """A route kind the library does not plan, rendered in another stack
    than its route table (as peering routes are): only the table's id
    crosses, as an import."""
    from aws_cdk import aws_ec2 as ec2

    from vpc_patterns.build.routes import render_route
    from vpc_patterns.plan.routes import RoutePlan

    app = App(context=cdk_context)
    home, other = Stack(app, "Home"), Stack(app, "Other")
    vpc = ec2.CfnVPC(home, "Vpc", cidr_block="10.0.0.0/16")
    table = ec2.CfnRouteTable(home, "Table", vpc_id=vpc.ref)
    kind = RouteTarget("egress-only-internet-gateway", "EgressOnlyInternetGatewayId")
    route = render_route(other, RoutePlan("0.0.0.0/0", kind, "Eigw", construct_id="ToEigw"),
                         table.ref, "eigw-0123456789abcdef0")
    assert route.node.path == "Other/ToEigw"
    props = Template.from_stack(other).to_json()["Resources"][
        other.resolve(route.logical_id)]["Properties"]
    assert props["EgressOnlyInternetGatewayId"] == "eigw-0123456789abcdef0"
    assert props["DestinationCidrBlock"] == "0.0.0.0/0"
    assert set(props["RouteTableId"]) == {"Fn::ImportValue"}
