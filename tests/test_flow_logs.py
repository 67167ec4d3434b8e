"""FlowLogs: targets, destinations, bucket hardening, format, saved queries.

Two apps, each synthesized once for the module:

* ``checked``: the four cdk-nag packs (AwsSolutions, NIST 800-53 r5, HIPAA
  Security, PCI DSS 3.2.1) run as validation plugins, as ``make synth`` runs
  its packs: a prod-like NAT-gateway network with flow logs to CloudWatch and
  S3, and a dev-like NAT-instance network with cheaper choices plus subnet and
  interface flow logs. Synthesis itself fails on any unacknowledged finding.
* ``variants``: option combinations the compliance stacks do not need (own
  logs key, custom format, a subnet target, the duplicate-log warning).

Expectations are derived from the options and the network plan, and links are
followed by logical id, not copied from synthesized output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack, Validations
from aws_cdk.assertions import Annotations, Match, Template

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, plan_network
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.flow_logs import FlowLogs
from vpc_patterns.plan.flow_logs import (
    AWS_DEFAULT_FIELDS,
    DEFAULT_FIELDS,
    FLOW_LOG_FIELDS,
    CloudWatchDestination,
    FlowLogTarget,
    S3Destination,
    TrafficType,
    insights_name,
    insights_queries,
    plan_builtin_flow_log,
    plan_flow_logs,
)

from .lint_helpers import cfn_lint
from .nag_helpers import findings_by_path, switch_off_acknowledgments

CUSTOM_FORMAT = (
    "${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action} ${reject-reason}"
)


@dataclass
class Built:
    stack: Stack
    network: BestPracticeVpc
    logs: dict[str, FlowLogs]
    tpl: dict[str, Any]
    template: Template

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl["Resources"].items() if v["Type"] == type_}

    def props(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]["Properties"]


def _synth(
    app: App, out: Path, built: dict[str, tuple[Stack, BestPracticeVpc, dict]]
) -> dict[str, Built]:
    app.synth()
    result = {}
    for name, (stack, net, logs) in built.items():
        tpl = json.loads((out / f"{stack.artifact_id}.template.json").read_text())
        result[name] = Built(stack, net, logs, tpl, Template.from_json(tpl))
    return result


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("flow-logs-checked")
    app = App(context=cdk_context, outdir=str(out))
    built: dict[str, tuple[Stack, BestPracticeVpc, dict]] = {}

    prod = Stack(app, "FlowLogsProd")
    net = BestPracticeVpc(prod, "Network", cidr="10.20.0.0/16", flow_log=False)
    logs = FlowLogs(
        prod, "FlowLogs", network=net,
        destinations=[CloudWatchDestination(),
                      S3Destination(file_format="parquet", hive_compatible_partitions=True)],
        max_aggregation_interval=60,
    )
    built["prod"] = (prod, net, {"main": logs})

    dev = Stack(app, "FlowLogsDev")
    dnet = BestPracticeVpc(dev, "Network", cidr="10.10.0.0/16", max_azs=2,
                           nat=NatProvider.instances(), flow_log=False,
                           logs_removal_policy=RemovalPolicy.DESTROY)
    main = FlowLogs(dev, "FlowLogs", network=dnet,
                    destinations=[CloudWatchDestination(retention_days=30)],
                    traffic_type="REJECT", removal_policy=RemovalPolicy.DESTROY)
    nat = FlowLogs(
        dev, "NatFlowLogs", network=dnet,
        targets=[FlowLogTarget.tier("public"),
                 FlowLogTarget.network_interface(
                     dnet.nat_instances["NatAz1"].network_interface.ref, name="NatAz1Eni")],
        destinations=[S3Destination(per_hour_partition=True, prefix="nat/flows",
                                    infrequent_access_after_days=None, glacier_ir_after_days=None,
                                    expire_after_days=30)],
        log_format=None,
    )
    built["dev"] = (dev, dnet, {"main": main, "nat": nat})

    Validations.of(app).add_plugins(*compliance_plugins(app))
    result = _synth(app, out, built)
    result["_out"] = out  # type: ignore[assignment]
    return result


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("flow-logs-variants")
    app = App(context=cdk_context, outdir=str(out))
    built: dict[str, tuple[Stack, BestPracticeVpc, dict]] = {}

    own = Stack(app, "OwnKey")
    net = BestPracticeVpc(own, "Network", flow_log=False, restrict_default_security_group=False)
    logs = FlowLogs(own, "FlowLogs", network=net,
                    targets=[FlowLogTarget.subnet("private", 1)], log_format=CUSTOM_FORMAT)
    built["own"] = (own, net, {"main": logs})

    dup = Stack(app, "Duplicate")
    dnet = BestPracticeVpc(dup, "Network")  # keeps its own VPC flow log
    built["dup"] = (dup, dnet, {"main": FlowLogs(dup, "FlowLogs", network=dnet)})
    return _synth(app, out, built)


# --------------------------------------------------------------------------
# Compliance and lint
# --------------------------------------------------------------------------


def test_four_nag_packs_report_no_finding(checked: dict) -> None:
    # The fixture's synthesis would have raised on any finding; the report is empty.
    report = json.loads((checked["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


#: Every finding the four packs raise on a network with full flow logs when
#: no acknowledgment is recorded, path -> rules. Each one is acknowledged in
#: the library with its reason; this control shows the packs are live and
#: that no acknowledgment is recorded for a finding that does not occur.
RAW_FINDINGS = {
    "Network/PublicRouteTable/DefaultRoute": {
        f"{p}-VPCNoUnrestrictedRouteToIGW"
        for p in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")},
    "Network/Resource": {
        f"{p}-VPCDefaultSecurityGroupClosed"
        for p in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")},
    "Network/RestrictDefaultSecurityGroup/Handler": {
        "NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC",
        "PCI.DSS.321-LambdaInsideVPC",
        "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
        "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency"},
}


def test_packs_are_live_and_every_acknowledgment_is_needed(
    tmp_path: Path, cdk_context: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative control: with acknowledgments switched off, synthesis fails
    with exactly the findings the library acknowledges."""
    switch_off_acknowledgments(monkeypatch)
    app = App(context=cdk_context, outdir=str(tmp_path))
    stack = Stack(app, "Unacknowledged")
    net = BestPracticeVpc(stack, "Network", max_azs=1, nat=NatProvider.single_gateway(),
                          flow_log=False)
    FlowLogs(stack, "FlowLogs", network=net,
             destinations=[CloudWatchDestination(), S3Destination()])
    Validations.of(app).add_plugins(*compliance_plugins(app))
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    found = findings_by_path(tmp_path, "Unacknowledged")
    network = {k: v for k, v in found.items() if k.startswith("Network/")}
    expected = dict(RAW_FINDINGS)
    for acl in net.network_acls.plan.acls:  # AwsSolutions-VPC3 on every ACL and entry
        expected[f"Network/NetworkAcls/{acl.construct_id}"] = {"AwsSolutions-VPC3"}
        for r in acl.rules:
            entry = f"{'Egress' if r.egress else 'Ingress'}{r.number}"
            expected[f"Network/NetworkAcls/{acl.construct_id}/{entry}"] = {"AwsSolutions-VPC3"}
    assert network == expected
    buckets = {k: v for k, v in found.items() if k.startswith("FlowLogs/")}
    replication = {f"{p}-S3BucketReplicationEnabled"
                   for p in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")}
    kms = {f"{p}-S3DefaultEncryptionKMS"
           for p in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")}
    assert sorted(map(sorted, buckets.values())) == sorted(
        [sorted(replication), sorted(replication | kms)])


def test_cfn_lint_clean(checked: dict) -> None:
    for tpl in sorted(checked["_out"].glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


# --------------------------------------------------------------------------
# Destinations
# --------------------------------------------------------------------------


def test_prod_logs_the_vpc_to_both_destinations(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    fls = b.of_type("AWS::EC2::FlowLog")
    assert len(fls) == 2
    by_dest = {v["Properties"]["LogDestinationType"]: v["Properties"] for v in fls.values()}
    assert set(by_dest) == {"cloud-watch-logs", "s3"}
    for p in by_dest.values():
        assert p["ResourceType"] == "VPC"
        assert p["ResourceId"] == {"Ref": b.lid(b.network.cfn_vpc)}
        assert p["TrafficType"] == "ALL"
        assert p["MaxAggregationInterval"] == 60
        assert p["LogFormat"] == " ".join(f"${{{f}}}" for f in DEFAULT_FIELDS)
    cw = by_dest["cloud-watch-logs"]
    assert cw["LogGroupName"] == {"Ref": b.lid(logs.log_group)}
    role = b.lid(logs.role.node.default_child)
    assert cw["DeliverLogsPermissionArn"] == {"Fn::GetAtt": [role, "Arn"]}
    s3 = by_dest["s3"]
    assert s3["LogDestination"] == {"Fn::GetAtt": [b.lid(logs.bucket.node.default_child), "Arn"]}
    assert s3["DestinationOptions"] == {"FileFormat": "parquet", "HiveCompatiblePartitions": True,
                                        "PerHourPartition": False}


def test_cloudwatch_group_reuses_the_network_key_and_keeps_a_year(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    assert logs.logs_key is b.network.logs_key
    p = b.props(logs.log_group)
    assert p["RetentionInDays"] == 365
    assert p["KmsKeyId"] == {"Fn::GetAtt": [b.lid(b.network.logs_key.node.default_child), "Arn"]}
    assert b.tpl["Resources"][b.lid(logs.log_group)]["DeletionPolicy"] == "Retain"


def test_delivery_role_trusts_only_this_accounts_flow_logs(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    trust = b.props(logs.role.node.default_child)["AssumeRolePolicyDocument"]["Statement"]
    assert len(trust) == 1
    assert trust[0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":vpc-flow-log/*" in json.dumps(trust[0]["Condition"]["ArnLike"])
    group = b.lid(logs.log_group)
    policies = [v for v in b.of_type("AWS::IAM::ManagedPolicy").values()
                if v["Properties"]["Roles"] == [{"Ref": b.lid(logs.role.node.default_child)}]]
    assert len(policies) == 1
    (stmt,) = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    assert stmt["Resource"] == {"Fn::GetAtt": [group, "Arn"]}
    assert "logs:PutLogEvents" in stmt["Action"]


# --------------------------------------------------------------------------
# S3 bucket hardening
# --------------------------------------------------------------------------


def _bucket_policy(b: Built, bucket_lid: str) -> list[dict]:
    (pol,) = [v for v in b.of_type("AWS::S3::BucketPolicy").values()
              if v["Properties"]["Bucket"] == {"Ref": bucket_lid}]
    return pol["Properties"]["PolicyDocument"]["Statement"]


def test_flow_log_bucket_is_hardened(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    access = b.lid(logs.access_logs_bucket.node.default_child)
    key = b.lid(logs.bucket_key.node.default_child)
    b.template.has_resource("AWS::S3::Bucket", {
        "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "BucketKeyEnabled": True,
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]}},
            }]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": access},
                                     "LogFilePrefix": "flow-log-bucket/"},
            "LifecycleConfiguration": {"Rules": [Match.object_like({
                "Status": "Enabled",
                "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
                                {"StorageClass": "GLACIER_IR", "TransitionInDays": 90}],
                "ExpirationInDays": 365,
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            })]},
        },
        "DeletionPolicy": "Retain",
    })
    assert b.props(logs.bucket_key.node.default_child)["EnableKeyRotation"] is True
    assert b.tpl["Resources"][key]["DeletionPolicy"] == "Retain"


def test_bucket_policy_denies_plain_http_and_old_tls_and_admits_log_delivery(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    bucket = b.lid(logs.bucket.node.default_child)
    stmts = _bucket_policy(b, bucket)
    denies = [s for s in stmts if s["Effect"] == "Deny"]
    assert {json.dumps(s["Condition"], sort_keys=True) for s in denies} == {
        json.dumps({"Bool": {"aws:SecureTransport": "false"}}),
        json.dumps({"NumericLessThan": {"s3:TlsVersion": 1.2}}),
    }
    for s in denies:  # the bucket and every object
        assert s["Action"] == "s3:*" and len(s["Resource"]) == 2
    (write,) = [s for s in stmts if s.get("Sid") == "AWSLogDeliveryWrite"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}, "s3:x-amz-acl": "bucket-owner-full-control"}
    assert "/AWSLogs/" in json.dumps(write["Resource"])
    (check,) = [s for s in stmts if s.get("Sid") == "AWSLogDeliveryCheck"]
    assert set(check["Action"]) == {"s3:GetBucketAcl", "s3:ListBucket"}
    assert check["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
    # the flow log waits for the policy and the key it is checked against
    s3_log = next(k for k, v in b.of_type("AWS::EC2::FlowLog").items()
              if v["Properties"]["LogDestinationType"] == "s3")
    deps = set(b.tpl["Resources"][s3_log]["DependsOn"])
    assert b.lid(logs.bucket_key.node.default_child) in deps
    assert b.lid(logs.bucket.policy.node.default_child) in deps


def test_bucket_key_lets_only_this_accounts_log_delivery_use_it(checked: dict) -> None:
    b = checked["prod"]
    key = b.props(b.logs["main"].bucket_key.node.default_child)
    (stmt,) = [s for s in key["KeyPolicy"]["Statement"]
               if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}]
    assert "kms:GenerateDataKey*" in stmt["Action"]
    assert stmt["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_access_log_bucket_is_separate_and_hardened(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    access = b.lid(logs.access_logs_bucket.node.default_child)
    p = b.tpl["Resources"][access]["Properties"]
    assert access != b.lid(logs.bucket.node.default_child)
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(p["PublicAccessBlockConfiguration"].values())
    assert p["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 365
    stmts = _bucket_policy(b, access)
    tls_only = {"Bool": {"aws:SecureTransport": "false"}}
    assert any(s["Effect"] == "Deny" and s["Condition"] == tls_only for s in stmts)
    (logging,) = [s for s in stmts if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}]
    assert logging["Condition"]["ArnLike"] == {
        "aws:SourceArn": {"Fn::GetAtt": [b.lid(logs.bucket.node.default_child), "Arn"]}}


# --------------------------------------------------------------------------
# Saved queries
# --------------------------------------------------------------------------


def _parsed_names(query: str) -> list[str]:
    m = re.match(r'^parse @message "([* ]+)" as ([a-z0-9_, ]+)\n', query)
    assert m, query
    stars, names = m.group(1).split(" "), m.group(2).split(", ")
    assert stars == ["*"] * len(names)
    return names


def test_prod_saves_four_queries_on_its_log_group(checked: dict) -> None:
    b = checked["prod"]
    logs = b.logs["main"]
    qs = {v["Properties"]["Name"]: v["Properties"]
          for v in b.of_type("AWS::Logs::QueryDefinition").values()}
    assert set(qs) == {f"FlowLogsProd/FlowLogs/flow-logs/{n}" for n in (
        "rejected-by-subnet", "rejected-by-destination-port", "rejected-by-source",
        "accepted-from-outside-by-port")}
    for q in qs.values():
        assert q["LogGroupNames"] == [{"Ref": b.lid(logs.log_group)}]
        assert _parsed_names(q["QueryString"]) == [insights_name(f) for f in DEFAULT_FIELDS]


def test_queries_group_rejections_by_subnet_port_and_source(checked: dict) -> None:
    q = checked["prod"].logs["main"].plan.queries
    for name in ("rejected-by-subnet", "rejected-by-destination-port", "rejected-by-source"):
        assert '\n| filter action = "REJECT"\n' in q[name]
        assert "| sort rejected_flows desc\n| limit 25" in q[name]
    assert "by subnet_id, flow_direction" in q["rejected-by-subnet"]
    assert "sum(packets) as rejected_packets" in q["rejected-by-subnet"]
    assert ("count_distinct(srcaddr) as sources by dstport, protocol"
            in q["rejected-by-destination-port"])
    assert "count_distinct(dstport) as ports_tried by srcaddr" in q["rejected-by-source"]
    accepted = q["accepted-from-outside-by-port"]
    assert 'filter action = "ACCEPT" and not isIpv4InSubnet(srcaddr, "10.20.0.0/16")' in accepted
    assert "| sort sources desc" in accepted


def test_reject_only_log_has_no_accepted_query(checked: dict) -> None:
    b = checked["dev"]
    assert set(b.logs["main"].plan.queries) == {
        "rejected-by-subnet", "rejected-by-destination-port", "rejected-by-source"}
    assert len(b.of_type("AWS::Logs::QueryDefinition")) == 3


def test_custom_format_queries_fall_back_to_interface(variants: dict) -> None:
    b = variants["own"]
    q = b.logs["main"].plan.queries
    assert set(q) == {"rejected-by-interface", "rejected-by-destination-port",
                      "rejected-by-source", "accepted-from-outside-by-port"}
    for text in q.values():
        assert _parsed_names(text) == ["interface_id", "srcaddr", "dstaddr", "dstport", "protocol",
                                       "action", "reject_reason"]
    assert "by interface_id\n" in q["rejected-by-interface"]
    assert "rejected_packets" not in q["rejected-by-interface"]  # no packets field


# --------------------------------------------------------------------------
# Dev: cheaper choices, subnet and interface targets, S3 options
# --------------------------------------------------------------------------


def test_dev_logs_rejections_for_a_month_and_deletes_with_the_stack(checked: dict) -> None:
    b = checked["dev"]
    main = b.logs["main"]
    (cw,) = [v for v in b.of_type("AWS::EC2::FlowLog").values()
             if v["Properties"]["LogDestinationType"] == "cloud-watch-logs"]
    assert cw["Properties"]["TrafficType"] == "REJECT"
    assert cw["Properties"]["MaxAggregationInterval"] == 600
    group = b.tpl["Resources"][b.lid(main.log_group)]
    assert group["Properties"]["RetentionInDays"] == 30
    assert group["DeletionPolicy"] == "Delete"


def test_tier_and_interface_targets(checked: dict) -> None:
    b = checked["dev"]
    nat = b.logs["nat"]
    s3_logs = [v["Properties"] for v in b.of_type("AWS::EC2::FlowLog").values()
               if v["Properties"]["LogDestinationType"] == "s3"]
    subnets = sorted(json.dumps(p["ResourceId"]) for p in s3_logs if p["ResourceType"] == "Subnet")
    expected = sorted(json.dumps({"Ref": b.lid(b.network.subnets[s.construct_id])})
                      for s in b.network.plan.subnets_of("public"))
    assert subnets == expected and len(expected) == 2
    (eni,) = [p for p in s3_logs if p["ResourceType"] == "NetworkInterface"]
    assert eni["ResourceId"] == {"Ref": b.lid(b.network.nat_instances["NatAz1"].network_interface)}
    for p in s3_logs:
        assert "LogFormat" not in p  # AWS's default format
        assert p["DestinationOptions"] == {"FileFormat": "plain-text",
                                           "HiveCompatiblePartitions": False,
                                           "PerHourPartition": True}
        assert p["LogDestination"] == {"Fn::Join": ["", [
            {"Fn::GetAtt": [b.lid(nat.bucket.node.default_child), "Arn"]}, "/nat/flows/"]]}
    write = next(s for s in _bucket_policy(b, b.lid(nat.bucket.node.default_child))
             if s.get("Sid") == "AWSLogDeliveryWrite")
    assert "/nat/flows/AWSLogs/" in json.dumps(write["Resource"])
    rules = b.tpl["Resources"][b.lid(nat.bucket.node.default_child)]["Properties"][
        "LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == 30 and "Transitions" not in rules[0]


def test_own_logs_key_when_the_network_has_none(variants: dict) -> None:
    b = variants["own"]
    logs = b.logs["main"]
    assert b.network.logs_key is None and logs.logs_key is not None
    key = b.props(logs.logs_key.node.default_child)
    assert key["EnableKeyRotation"] is True
    assert any(s.get("Principal") == {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"},
                                                                   ".amazonaws.com"]]}}
               for s in key["KeyPolicy"]["Statement"])
    (fl,) = b.of_type("AWS::EC2::FlowLog").values()
    assert fl["Properties"]["ResourceType"] == "Subnet"
    assert fl["Properties"]["ResourceId"] == {
        "Ref": b.lid(b.network.subnets[b.network.plan.subnet("private", 1).construct_id])}
    assert fl["Properties"]["LogFormat"] == CUSTOM_FORMAT


def test_second_vpc_flow_log_to_cloudwatch_is_flagged(variants: dict) -> None:
    b = variants["dup"]
    Annotations.from_stack(b.stack).has_warning(
        "/Duplicate/FlowLogs", Match.string_like_regexp("already has its own VPC flow log"))
    assert len(b.of_type("AWS::EC2::FlowLog")) == 2


# --------------------------------------------------------------------------
# Pure validation (no synthesis)
# --------------------------------------------------------------------------

PLAN = plan_network(cidr="10.0.0.0/16", max_azs=2)


def test_field_list_has_every_version() -> None:
    assert AWS_DEFAULT_FIELDS == tuple(f for f, v in FLOW_LOG_FIELDS.items() if v == 2)
    assert {"pkt-src-aws-service", "flow-direction", "traffic-path", "reject-reason",
            "ecs-task-id", "az-id", "tcp-flags"} <= set(FLOW_LOG_FIELDS)
    assert sum(1 for f in FLOW_LOG_FIELDS if f.startswith("ecs-")) == 10
    p = plan_flow_logs(PLAN)
    assert p.fields == DEFAULT_FIELDS and p.record_version == 5
    newer = plan_flow_logs(PLAN, log_format=["srcaddr", "reject-reason"],
                           destinations=[S3Destination()])
    assert newer.record_version == 8 and newer.queries == {}


def test_field_list_and_string_formats_agree() -> None:
    a = plan_flow_logs(PLAN, log_format=["srcaddr", "dstaddr", "dstport", "action", "subnet-id"])
    b = plan_flow_logs(PLAN, log_format="${srcaddr} ${dstaddr} ${dstport} ${action} ${subnet-id}")
    assert a.log_format == b.log_format == "${srcaddr} ${dstaddr} ${dstport} ${action} ${subnet-id}"
    assert plan_flow_logs(PLAN, log_format=None).log_format is None


ERRORS = [
    ("unknown-field", dict(log_format="${srcaddr} ${dst-port} ${action}"),
     r"field 'dst-port' is not a VPC Flow Logs field \(did you mean 'dstport'\?\)"),
    ("unknown-field-in-list", dict(log_format=["srcaddr", "bogus"]), r"'bogus'.*accepted: version"),
    ("duplicate-field", dict(log_format="${srcaddr} ${srcaddr}"), r"'srcaddr' more than once"),
    ("malformed-format", dict(log_format="srcaddr,dstaddr"),
     r"'srcaddr,dstaddr' is not a field reference"),
    ("interval-300", dict(max_aggregation_interval=300),
     r"max_aggregation_interval 300 .*60 or 600"),
    ("interval-true", dict(max_aggregation_interval=True), r"max_aggregation_interval True"),
    ("traffic-deny", dict(traffic_type="DENY"), r"traffic_type 'DENY' .*ALL, ACCEPT, REJECT"),
    ("accept-with-queries", dict(traffic_type=TrafficType.ACCEPT), r"traffic_type is 'ACCEPT'"),
    ("queries-need-fields", dict(log_format="${srcaddr} ${action}"),
     r"need the flow-log fields dstport, subnet-id \(or interface-id\)"),
    ("unknown-tier", dict(targets=[FlowLogTarget.tier("web")]),
     r"tier 'web' .*public, private, isolated"),
    ("az-out-of-range", dict(targets=[FlowLogTarget.subnet("private", 2)]),
     r"az_index 2 .*accepted: 0, 1"),
    ("vpc-and-tier", dict(targets=[FlowLogTarget.vpc(), FlowLogTarget.tier("private")]),
     r"tier 'private' is already covered by FlowLogTarget.vpc\(\)"),
    ("tier-and-subnet",
     dict(targets=[FlowLogTarget.tier("private"), FlowLogTarget.subnet("private", 0)]),
     r"subnet PrivateAz1 covers subnet PrivateAz1, already covered by tier 'private'"),
    ("bad-eni", dict(targets=[FlowLogTarget.network_interface("eni-xyz")]),
     r"'eni-xyz' is not an ENI id"),
    ("token-eni-no-name", dict(targets=[FlowLogTarget.network_interface("${Token[TOKEN.42]}")]),
     r"needs name="),
    ("no-targets", dict(targets=[]), r"targets \[\] must be a non-empty list"),
    ("no-destinations", dict(destinations=[]), r"destinations \[\] must be a non-empty list"),
    ("two-cloudwatch", dict(destinations=[CloudWatchDestination(), CloudWatchDestination()]),
     r"CloudWatchDestination more than once"),
    ("retention-42", dict(destinations=[CloudWatchDestination(retention_days=42)]),
     r"retention_days 42 is not a CloudWatch Logs retention"),
    ("format-orc", dict(destinations=[S3Destination(file_format="orc")]),
     r"file_format 'orc' .*plain-text, parquet"),
    ("ia-too-early", dict(destinations=[S3Destination(infrequent_access_after_days=10)]),
     r"infrequent_access_after_days 10 .*30"),
    ("glacier-too-soon", dict(destinations=[S3Destination(glacier_ir_after_days=45)]),
     r"glacier_ir_after_days 45 must be at least .* = 60"),
    ("expire-before-transition", dict(destinations=[S3Destination(expire_after_days=60)]),
     r"expire_after_days 60 must be later than the last transition \(day 90\)"),
    ("prefix-awslogs", dict(destinations=[S3Destination(prefix="AWSLogs/x")]),
     r"prefix 'AWSLogs/x'"),
    ("prefix-slash", dict(destinations=[S3Destination(prefix="/logs")]), r"prefix '/logs'"),
    ("hive-not-bool", dict(destinations=[S3Destination(hive_compatible_partitions="yes")]),
     r"hive_compatible_partitions 'yes' must be True or False"),
]


@pytest.mark.parametrize("kwargs,match", [pytest.param(k, m, id=i) for i, k, m in ERRORS])
def test_config_errors_name_the_value(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        plan_flow_logs(PLAN, **kwargs)


def test_construct_raises_before_creating_anything(cdk_context: dict) -> None:
    app = App(context=cdk_context)
    stack = Stack(app, "Errors")
    net = BestPracticeVpc(stack, "Network", max_azs=1, nat=NatProvider.single_gateway())
    with pytest.raises(ConfigError, match=r"log_format field 'srcadr'"):
        FlowLogs(stack, "FlowLogs", network=net, log_format="${srcadr}")
    with pytest.raises(ConfigError, match=r"max_aggregation_interval 120"):
        FlowLogs(stack, "FlowLogs", network=net, max_aggregation_interval=120)
    with pytest.raises(ConfigError, match=r"is not a BestPracticeVpc"):
        FlowLogs(stack, "FlowLogs", network=object())  # type: ignore[arg-type]
    assert stack.node.try_find_child("FlowLogs") is None


def test_queries_are_pure_functions_of_the_format() -> None:
    q = insights_queries(AWS_DEFAULT_FIELDS, TrafficType.ALL, "10.9.0.0/16", limit=5)
    assert "rejected-by-interface" in q and all(t.endswith("| limit 5") for t in q.values())
    assert _parsed_names(q["rejected-by-source"])[10:12] == ["flow_start", "flow_end"]


def test_target_fields_are_plain_values() -> None:
    # Regression: a dataclass field named like the `tier` factory took the
    # factory function as its default.
    assert FlowLogTarget.vpc().tier_name is None
    assert FlowLogTarget.tier("private").tier_name == "private"
    assert FlowLogTarget.vpc() == FlowLogTarget.vpc()


def test_builtin_plan_is_the_whole_vpc_in_aws_format_without_queries() -> None:
    net = plan_network(cidr="10.9.0.0/16")
    p = plan_builtin_flow_log(net, retention_days=30)
    assert [(r.key, r.resource_type, r.ref) for r in p.resources] == [("Vpc", "VPC", None)]
    assert p.cloudwatch == CloudWatchDestination(retention_days=30, saved_queries=False)
    assert p.s3 is None and p.traffic_type is TrafficType.ALL
    assert p.fields == AWS_DEFAULT_FIELDS and p.log_format is None
    # Both properties left out: AWS's defaults, not a value of ours.
    assert p.max_aggregation_interval is None
    assert p.queries == {}
    # The same plan FlowLogs makes from the same choices, but for the interval.
    same = plan_flow_logs(net, log_format=None,
                          destinations=[CloudWatchDestination(30, saved_queries=False)])
    assert replace(same, max_aggregation_interval=None) == p
    assert plan_builtin_flow_log(net).cloudwatch.retention_days == 365  # type: ignore[union-attr]


@pytest.mark.parametrize("days", [13, 0, True, "365", None])
def test_builtin_plan_refuses_a_retention_cloudwatch_does_not_offer(days: object) -> None:
    with pytest.raises(ConfigError, match=rf"flow_log_retention_days {re.escape(repr(days))} "):
        plan_builtin_flow_log(plan_network(), retention_days=days)  # type: ignore[arg-type]


def test_plan_flow_logs_still_requires_an_interval() -> None:
    with pytest.raises(ConfigError, match=r"max_aggregation_interval None"):
        plan_flow_logs(plan_network(), max_aggregation_interval=None)  # type: ignore[arg-type]
