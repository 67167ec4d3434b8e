"""NetworkMonitoring: one alarm set per NAT, the topic, the dashboard.

Two apps, each synthesized once for the module:

* ``checked``: the four cdk-nag packs run as validation plugins (synthesis
  fails on any unacknowledged finding): a NAT-gateway network (3 AZs) with
  flow logs and a library-made topic, and a NAT-instance network (t4g.nano,
  2 AZs).
* ``variants``: a user's topic, custom thresholds, a non-burstable NAT
  instance type, a single gateway.

Alarm expectations are derived from the plan's NATs and the thresholds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, Tier, plan_network
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.flow_logs import FlowLogs
from vpc_patterns.build.monitoring import NetworkMonitoring
from vpc_patterns.plan.flow_logs import S3Destination
from vpc_patterns.plan.monitoring import (
    ASG_DIMENSION,
    EC2_NAMESPACE,
    NATGW_DIMENSION,
    NATGW_NAMESPACE,
    AlarmThresholds,
    is_burstable,
    plan_alarms,
)

from .lint_helpers import cfn_lint

T_ALARM = "AWS::CloudWatch::Alarm"


@dataclass
class Built:
    stack: Stack
    network: BestPracticeVpc
    monitoring: NetworkMonitoring
    tpl: dict[str, Any]

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl["Resources"].items() if v["Type"] == type_}

    def alarm(self, key: str) -> dict:
        return self.tpl["Resources"][self.lid(self.monitoring.alarms[key].node.default_child)][
            "Properties"]

    def alarms_on(self, dimension: str, ref_lid: str) -> dict[str, dict]:
        """Alarms whose metrics (single or inside math) carry dimension = Ref ref_lid."""
        want = {"Name": dimension, "Value": {"Ref": ref_lid}}
        out = {}
        for lid, a in self.of_type(T_ALARM).items():
            p = a["Properties"]
            dims = list(p.get("Dimensions", []))
            for m in p.get("Metrics", []):
                dims += m.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
            if want in dims:
                out[lid] = p
        return out


def _synth(app: App, out: Path, built: dict) -> dict[str, Built]:
    app.synth()
    return {
        name: Built(stack, net, mon,
                    json.loads((out / f"{stack.artifact_id}.template.json").read_text()))
        for name, (stack, net, mon) in built.items()
    }


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("monitoring-checked")
    app = App(context=cdk_context, outdir=str(out))
    built = {}
    gw = Stack(app, "MonitoringGateways")
    net = BestPracticeVpc(gw, "Network", flow_log=False)
    logs = FlowLogs(gw, "FlowLogs", network=net)
    built["gw"] = (gw, net, NetworkMonitoring(gw, "Monitoring", network=net, flow_logs=logs))

    inst = Stack(app, "MonitoringInstances")
    inet = BestPracticeVpc(inst, "Network", max_azs=2, nat=NatProvider.instances(),
                           logs_removal_policy=RemovalPolicy.DESTROY)
    built["inst"] = (inst, inet, NetworkMonitoring(inst, "Monitoring", network=inet,
                                                    removal_policy=RemovalPolicy.DESTROY))
    Validations.of(app).add_plugins(*compliance_plugins(app))
    result = _synth(app, out, built)
    result["_out"] = out  # type: ignore[assignment]
    return result


CUSTOM = AlarmThresholds(bandwidth_limit_gbps=5, bandwidth_utilization=0.5, period_seconds=60,
                         sustained_periods=5, packets_dropped=10, connection_success_ratio=0.75,
                         min_connection_attempts=20)


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("monitoring-variants")
    app = App(context=cdk_context, outdir=str(out))
    built = {}
    user = Stack(app, "UserTopic")
    net = BestPracticeVpc(user, "Network", max_azs=2, nat=NatProvider.single_gateway())
    topic = sns.Topic(user, "OpsTopic",
                      master_key=kms.Key(user, "OpsKey", enable_key_rotation=True))
    built["user"] = (user, net, NetworkMonitoring(user, "Monitoring", network=net,
                                                  alarm_topic=topic, thresholds=CUSTOM,
                                                  dashboard_name="network-ops"))
    c7 = Stack(app, "NonBurstable")
    cnet = BestPracticeVpc(c7, "Network", max_azs=2,
                           nat=NatProvider.instances(instance_type="c7gn.medium", count=1))
    built["c7"] = (c7, cnet, NetworkMonitoring(c7, "Monitoring", network=cnet, dashboard=False))
    result = _synth(app, out, built)
    result["_topic"] = topic  # type: ignore[assignment]
    return result


# --------------------------------------------------------------------------
# Compliance and lint
# --------------------------------------------------------------------------


def test_four_nag_packs_report_no_finding(checked: dict) -> None:
    report = json.loads((checked["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cfn_lint_clean(checked: dict) -> None:
    for tpl in sorted(checked["_out"].glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


# --------------------------------------------------------------------------
# NAT gateways
# --------------------------------------------------------------------------


def test_one_alarm_set_per_nat_gateway(checked: dict) -> None:
    b = checked["gw"]
    gateways = b.network.nat_gateways
    assert len(gateways) == 3 == len(b.network.plan.nats)
    seen: set[str] = set()
    for gw in gateways.values():
        alarms = b.alarms_on(NATGW_DIMENSION, b.lid(gw))
        assert len(alarms) == 4, gw.node.path
        seen |= set(alarms)
    assert len(seen) == 12 == len(b.of_type(T_ALARM))


def test_port_allocation_and_drop_alarms(checked: dict) -> None:
    b = checked["gw"]
    for nat_id, gw in b.network.nat_gateways.items():
        port = b.alarm(f"{nat_id}PortAllocationErrors")
        assert (port["Namespace"], port["MetricName"], port["Statistic"]) == (
            NATGW_NAMESPACE, "ErrorPortAllocation", "Sum")
        assert port["Dimensions"] == [{"Name": NATGW_DIMENSION, "Value": {"Ref": b.lid(gw)}}]
        assert port["ComparisonOperator"] == "GreaterThanThreshold" and port["Threshold"] == 0
        assert port["EvaluationPeriods"] == 1 and port["Period"] == 300
        drop = b.alarm(f"{nat_id}PacketsDropped")
        assert (drop["MetricName"], drop["Statistic"], drop["Threshold"]) == (
            "PacketsDropCount", "Sum", 100)
        assert drop["ComparisonOperator"] == "GreaterThanThreshold"
        assert drop["EvaluationPeriods"] == drop["DatapointsToAlarm"] == 3
        assert port["TreatMissingData"] == drop["TreatMissingData"] == "notBreaching"


def _math(alarm: dict) -> tuple[str, dict[str, tuple[str, str, str, int]]]:
    expr = [m for m in alarm["Metrics"] if "Expression" in m]
    assert len(expr) == 1 and expr[0]["ReturnData"] is True
    inputs = {
        m["Id"]: (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
                  m["MetricStat"]["Stat"], m["MetricStat"]["Period"])
        for m in alarm["Metrics"] if "MetricStat" in m
    }
    assert all(not m["ReturnData"] for m in alarm["Metrics"] if "MetricStat" in m)
    return expr[0]["Expression"], inputs


def test_connection_success_ratio_is_metric_math(checked: dict) -> None:
    b = checked["gw"]
    a = b.alarm("NatAz2ConnectionSuccess")
    expr, inputs = _math(a)
    assert expr == "IF(attempts >= 100, established / attempts, 1)"
    assert inputs == {
        "established": (NATGW_NAMESPACE, "ConnectionEstablishedCount", "Sum", 300),
        "attempts": (NATGW_NAMESPACE, "ConnectionAttemptCount", "Sum", 300),
    }
    assert a["ComparisonOperator"] == "LessThanThreshold" and a["Threshold"] == 0.9
    assert a["EvaluationPeriods"] == 3


def test_bandwidth_alarm_is_80_percent_of_100_gbps_per_period(checked: dict) -> None:
    b = checked["gw"]
    a = b.alarm("NatAz3Bandwidth")
    expr, inputs = _math(a)
    assert expr == "out_to_dest + in_from_dest"
    assert {v[1] for v in inputs.values()} == {"BytesOutToDestination", "BytesInFromDestination"}
    # 100 Gbps = 12.5e9 bytes/s; x 300 s x 0.8
    assert a["Threshold"] == 100e9 / 8 * 300 * 0.8 == 3.0e12
    assert a["ComparisonOperator"] == "GreaterThanThreshold"


def test_custom_thresholds_reach_the_alarms(variants: dict) -> None:
    b = variants["user"]
    (nat_id,) = b.network.nat_gateways
    bw = b.alarm(f"{nat_id}Bandwidth")
    assert bw["Threshold"] == 5e9 / 8 * 60 * 0.5 == CUSTOM.bandwidth_bytes_per_period
    assert bw["EvaluationPeriods"] == 5
    assert all(m["MetricStat"]["Period"] == 60 for m in bw["Metrics"] if "MetricStat" in m)
    ratio = b.alarm(f"{nat_id}ConnectionSuccess")
    assert ratio["Threshold"] == 0.75 and "attempts >= 20" in _math(ratio)[0]
    assert b.alarm(f"{nat_id}PacketsDropped")["Threshold"] == 10


# --------------------------------------------------------------------------
# NAT instances
# --------------------------------------------------------------------------


def test_one_alarm_set_per_nat_instance(checked: dict) -> None:
    b = checked["inst"]
    assert len(b.network.nat_instances) == 2
    for nat_id, inst in b.network.nat_instances.items():
        group = b.lid(inst.auto_scaling_group)
        alarms = b.alarms_on(ASG_DIMENSION, group)
        assert len(alarms) == 2
        status = b.alarm(f"{nat_id}StatusCheckFailed")
        assert (status["Namespace"], status["MetricName"], status["Statistic"]) == (
            EC2_NAMESPACE, "StatusCheckFailed", "Maximum")
        assert status["Dimensions"] == [{"Name": ASG_DIMENSION, "Value": {"Ref": group}}]
        assert status["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert status["Threshold"] == 1 and status["Period"] == 60
        assert status["EvaluationPeriods"] == 2 and status["TreatMissingData"] == "breaching"
        credits = b.alarm(f"{nat_id}CpuCreditsLow")  # t4g.nano is burstable
        assert (credits["MetricName"], credits["Statistic"]) == ("CPUCreditBalance", "Minimum")
        assert credits["ComparisonOperator"] == "LessThanThreshold" and credits["Threshold"] == 20
    assert b.network.nat_gateways == {}


def test_no_credit_alarm_for_a_non_burstable_nat_instance(variants: dict) -> None:
    b = variants["c7"]
    names = sorted(a["Properties"]["MetricName"] for a in b.of_type(T_ALARM).values())
    assert names == ["StatusCheckFailed"]  # one NAT instance (count=1), no credits


# --------------------------------------------------------------------------
# Topic and actions
# --------------------------------------------------------------------------


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(checked: dict) -> None:
    for b in (checked["gw"], checked["inst"]):
        topic = {"Ref": b.lid(b.monitoring.topic.node.default_child)}
        for a in b.of_type(T_ALARM).values():
            p = a["Properties"]
            assert p["AlarmActions"] == [topic] and p["OKActions"] == [topic]
            assert p["ActionsEnabled"] is True and p["AlarmDescription"]


def test_library_topic_is_kms_encrypted_and_tls_only(checked: dict) -> None:
    b = checked["gw"]
    mon = b.monitoring
    topic_lid = b.lid(mon.topic.node.default_child)
    key_lid = b.lid(mon.topic_key.node.default_child)
    assert b.tpl["Resources"][topic_lid]["Properties"]["KmsMasterKeyId"] == {
        "Fn::GetAtt": [key_lid, "Arn"]}
    key = b.tpl["Resources"][key_lid]["Properties"]
    assert key["EnableKeyRotation"] is True
    (cw_key,) = [s for s in key["KeyPolicy"]["Statement"]
                 if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(cw_key["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    (policy,) = b.of_type("AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": topic_lid}]
    stmts = policy["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in stmts if s["Effect"] == "Deny"]
    assert deny["Action"] == "sns:Publish" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (allow,) = [s for s in stmts if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":alarm:*" in json.dumps(allow["Condition"]["ArnLike"])


def test_user_topic_is_used_and_none_is_created(variants: dict) -> None:
    b = variants["user"]
    topic = variants["_topic"]
    assert b.monitoring.topic is topic and b.monitoring.topic_key is None
    assert len(b.of_type("AWS::SNS::Topic")) == 1
    for a in b.of_type(T_ALARM).values():
        assert a["Properties"]["AlarmActions"] == [{"Ref": b.lid(topic.node.default_child)}]


# --------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------


def _dashboard_body(b: Built) -> str:
    (dash,) = b.of_type("AWS::CloudWatch::Dashboard").values()
    return json.dumps(dash["Properties"]["DashboardBody"])


def test_dashboard_shows_alarms_gateways_and_flow_log_queries(checked: dict) -> None:
    b = checked["gw"]
    body = _dashboard_body(b)
    for metric in ("BytesOutToDestination", "ConnectionAttemptCount", "ErrorPortAllocation",
                   "PacketsDropCount", "Network alarms"):
        assert metric in body
    for nat_id in b.network.nat_gateways:
        assert f"NAT gateway {nat_id}" in body
    for alarm in b.monitoring.alarms.values():  # every alarm on the status widget
        assert b.lid(alarm.node.default_child) in body
    assert "Flow logs: rejected-by-subnet" in body and "isIpv4InSubnet" in body


def test_dashboard_of_nat_instances_and_its_name(checked: dict, variants: dict) -> None:
    body = _dashboard_body(checked["inst"])
    assert "CPUCreditBalance" in body and "NetworkOut" in body and "StatusCheckFailed" in body
    (dash,) = variants["user"].of_type("AWS::CloudWatch::Dashboard").values()
    assert dash["Properties"]["DashboardName"] == "network-ops"
    assert variants["c7"].of_type("AWS::CloudWatch::Dashboard") == {}
    assert variants["c7"].monitoring.dashboard is None


# --------------------------------------------------------------------------
# Pure: thresholds, alarm plan, errors
# --------------------------------------------------------------------------


def test_alarm_plan_is_pure_and_complete() -> None:
    plan = plan_network(max_azs=3, nat=NatProvider.gateways(2))
    specs = plan_alarms(plan, AlarmThresholds())
    assert sorted(s.key for s in specs) == sorted(
        f"NatAz{i}{k}" for i in (1, 2)
        for k in ("PortAllocationErrors", "PacketsDropped", "ConnectionSuccess", "Bandwidth"))
    assert plan_alarms(plan_network(nat=NatProvider.instances(instance_type="m7g.large")),
                       AlarmThresholds())[0].metrics[0].metric_name == "StatusCheckFailed"


@pytest.mark.parametrize("itype,burstable", [
    ("t4g.nano", True), ("t3a.small", True), ("t2.micro", True), ("t3.2xlarge", True),
    ("c7gn.medium", False), ("m7g.large", False), ("trn1.2xlarge", False)])
def test_burstable_types(itype: str, burstable: bool) -> None:
    assert is_burstable(itype) is burstable


BAD_THRESHOLDS = [
    (dict(connection_success_ratio=1.5), r"connection_success_ratio 1\.5 is out of range"),
    (dict(connection_success_ratio=0),
     r"connection_success_ratio 0 is out of range; accepted above 0"),
    (dict(bandwidth_limit_gbps=200), r"bandwidth_limit_gbps 200 .*scales to 100 Gbps"),
    (dict(bandwidth_utilization=0), r"bandwidth_utilization 0 is out of range"),
    (dict(packets_dropped=-1), r"packets_dropped -1 is out of range"),
    (dict(packets_dropped=1.5), r"packets_dropped 1\.5 must be an integer"),
    (dict(port_allocation_errors=True), r"port_allocation_errors True must be an integer"),
    (dict(min_connection_attempts=0), r"min_connection_attempts 0 is out of range"),
    (dict(cpu_credit_balance="low"), r"cpu_credit_balance 'low' must be a number"),
    (dict(cpu_credit_balance=float("nan")), r"cpu_credit_balance nan must be a number"),
    (dict(period_seconds=90), r"period_seconds 90 must be a multiple of 60"),
    (dict(sustained_periods=0), r"sustained_periods 0 is out of range"),
    (dict(period_seconds=3600, sustained_periods=25), r"90000 s exceeds one day"),
]


@pytest.mark.parametrize("kwargs,match", [
    pytest.param(k, m, id=",".join(f"{n}={v}" for n, v in k.items())) for k, m in BAD_THRESHOLDS])
def test_bad_thresholds_raise_config_error(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        AlarmThresholds(**kwargs)


def test_construct_errors_before_any_resource(cdk_context: dict) -> None:
    app = App(context=cdk_context)
    stack = Stack(app, "Errors")
    isolated = BestPracticeVpc(stack, "Isolated", max_azs=1, nat=NatProvider.none(),
                               tiers=[Tier("data", "isolated")])
    with pytest.raises(ConfigError, match="no NAT and no flow_logs"):
        NetworkMonitoring(stack, "Monitoring", network=isolated)
    net = BestPracticeVpc(stack, "Net", max_azs=1, nat=NatProvider.single_gateway())
    s3_only = FlowLogs(stack, "S3Logs", network=net, destinations=[S3Destination()])
    with pytest.raises(ConfigError, match="no CloudWatch destination"):
        NetworkMonitoring(stack, "Monitoring", network=net, flow_logs=s3_only)
    bad: Any = {"period_seconds": 60}
    with pytest.raises(ConfigError, match=r"\{'period_seconds': 60\} must be an AlarmThresholds"):
        NetworkMonitoring(stack, "Monitoring", network=net, thresholds=bad)
    bad_topic: Any = "arn:aws:sns:x"
    with pytest.raises(ConfigError, match=r"alarm_topic 'arn:aws:sns:x' is not an sns.ITopic"):
        NetworkMonitoring(stack, "Monitoring", network=net, alarm_topic=bad_topic)
    with pytest.raises(ConfigError, match=r"dashboard_name 'my dash'"):
        NetworkMonitoring(stack, "Monitoring", network=net, dashboard_name="my dash")
    assert stack.node.try_find_child("Monitoring") is None
