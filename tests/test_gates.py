"""The scanner gates of `make synth`: AWS Control Tower's proactive controls
(cfn-guard, from cdklabs-cdk-validator-cfnguard) and checkov.

The reference app is synthesized once for the module with the cfn-guard plugin
on (as `make synth` runs it): synthesis itself would raise on a finding that is
not suppressed. Both scanners then run on its templates from the command line,
where the suppressions are read from the templates' Metadata alone; hand-edited
templates show that each scanner does fail what it is about.

checkov runs from ``$CHECKOV`` or ``.venv-checkov/bin/checkov`` (`make test`
installs it); cfn-guard from the bundle of the installed Python package
(requirements.txt). A test skips only when its tool is not installed.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from vpc_patterns.check import gates as g

from .conftest import CDK_CONTEXT, ROOT

CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))


def _need_guard() -> None:
    if g.bundle_archive() is None:
        pytest.skip("cdklabs-cdk-validator-cfnguard is not installed (pip install -r "
                    "requirements.txt): no cfn-guard binary or Control Tower rules")


def _need_checkov() -> Path:
    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed at {CHECKOV} (make .venv-checkov/.installed)")
    return CHECKOV


# --------------------------------------------------------------------------
# Fixtures: one synthesis with the plugin, one unpacked bundle
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The reference app as `make synth` builds it: cdk-nag packs and the
    Control Tower plugin (returned, to read what it ran)."""
    _need_guard()
    from aws_cdk import App, Validations

    from stacks.app_builder import build_app
    from vpc_patterns.build.compliance import ControlTowerChecks

    out = tmp_path_factory.mktemp("gates-cdk.out")
    app = App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(out))
    build_app(app, compliance=True, cfn_guard=False)
    plugin = ControlTowerChecks()
    Validations.of(app).add_plugins(plugin)
    app.synth()  # raises on any unsuppressed finding of any plugin
    return out, plugin


@pytest.fixture(scope="module")
def out(synthesized: tuple[Path, Any]) -> Path:
    return synthesized[0]


@pytest.fixture(scope="module")
def templates(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.template.json"))}


@pytest.fixture(scope="module")
def guard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(cfn-guard binary, the folder the bundle was unpacked into)."""
    _need_guard()
    dest = tmp_path_factory.mktemp("guard")
    binary, _ = g.unpack_guard(dest)
    return binary, dest


@pytest.fixture(scope="module")
def rules() -> tuple[g.GuardRule, ...]:
    _need_guard()
    return g.control_tower_rules()


@pytest.fixture(scope="module")
def report(out: Path, guard: tuple[Path, Path]) -> g.GateReport:
    """Both scanners on the reference templates, from the command line's code."""
    return g.scan([out], checkov=_need_checkov(), guard_dir=guard[1])


def _guard(guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...], tpl: dict,
           tmp_path: Path, only: tuple[str, ...] = ()) -> list[g.Finding]:
    path = tmp_path / "edited.template.json"
    path.write_text(json.dumps(tpl))
    chosen = [r for r in rules if not only or r.control in only]
    found = g.guard_findings(g.run_guard(guard[0], [r.path(guard[1]) for r in chosen], [path]),
                             rules)
    return g.unsuppressed(found, {path.name: tpl})


def _checkov(tpl: dict, tmp_path: Path) -> tuple[list[g.Finding], list[g.Finding]]:
    path = tmp_path / "edited.template.json"
    path.write_text(json.dumps(tpl))
    return g.checkov_findings(g.run_checkov(_need_checkov(), [path]))


# --------------------------------------------------------------------------
# The reference app passes both, with every suppression explained
# --------------------------------------------------------------------------


def test_plugin_ran_the_rules_that_apply_at_synthesis(synthesized: tuple[Path, Any]) -> None:
    out, plugin = synthesized
    # the network's own controls are among those run
    assert {"ct-ec2-pr-5", "ct-kms-pr-3", "ct-s3-pr-4", "ct-lambda-pr-3"} <= set(plugin.ran)
    # rules naming only types the app has none of are not (DynamoDB, ...);
    # a rule naming a type it has is, even if only as a reference (an
    # API Gateway stage's log group)
    assert not any(s.startswith(("ct-dynamodb", "ct-rds-pr-1-")) for s in plugin.ran)
    assert "ct-apigateway-pr-4" in plugin.ran
    assert len(plugin.ran) < len(plugin.rules) / 2
    vr = json.loads((out / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" or not r.get("violations")
               for r in vr["pluginReports"])


def test_zero_unsuppressed_findings(report: g.GateReport) -> None:
    assert [str(f) for f in report.unsuppressed] == []
    assert list(report.problems) == []
    assert report.passed
    # both scanners did find something: the suppressions are not idle
    assert report.findings["checkov"] and report.findings["cfn-guard"]


def test_every_suppression_has_a_specific_reason_and_a_real_rule(
        report: g.GateReport, rules: tuple[g.GuardRule, ...]) -> None:
    names = {r.name for r in rules}
    raised = {s: {(f.rule, f.template, f.logical_id) for f in report.findings[s]}
              for s in report.findings}
    assert report.suppressions
    for s in report.suppressions:
        assert len(s.reason.strip()) >= g.MIN_REASON, s
        # a reason names the resource's situation, not the rule's title
        assert s.reason.strip().lower() not in {"false positive", "n/a", "not applicable"}
        if s.scanner == "cfn-guard":
            assert s.rule in names, s  # a rule of the bundle
            assert s.reason.startswith(next(r.control for r in rules if r.name == s.rule))
        # the scanner raised exactly this check on exactly this resource
        # (checkov reports a skip only for a check it has)
        assert (s.rule, s.template, s.logical_id) in raised[s.scanner], s


def test_suppressed_counts_of_the_reference_app(report: g.GateReport) -> None:
    """The README's table: what is suppressed, by rule (everything else was fixed)."""
    counts: dict[tuple[str, str], int] = {}
    for s in report.suppressions:
        counts[(s.scanner, s.rule)] = counts.get((s.scanner, s.rule), 0) + 1
    assert counts == {
        ("checkov", "CKV_AWS_115"): 3, ("checkov", "CKV_AWS_116"): 3,
        ("checkov", "CKV_AWS_117"): 3,
        ("checkov", "CKV_AWS_18"): 1, ("checkov", "CKV_AWS_88"): 2,
        ("cfn-guard", "autoscaling_mixed_instances_policy_multiple_instance_types_check"): 2,
        ("cfn-guard", "autoscaling_multiple_az_check"): 2,
        ("cfn-guard", "cloudwatch_log_group_retention_period_check"): 2,
        ("cfn-guard", "ec2_instance_nitro_encryption_in_transit_check"): 1,
        ("cfn-guard", "ec2_instance_no_public_ip_check"): 1,
        ("cfn-guard", "ec2_launch_template_monitoring_enabled_check"): 1,
        ("cfn-guard", "ec2_launch_template_public_ip_disabled_check"): 2,
        ("cfn-guard", "lambda_inside_vpc_check"): 3,
        ("cfn-guard", "s3_bucket_default_encryption_kms_check"): 1,
        ("cfn-guard", "s3_bucket_logging_enabled_check"): 1,
        ("cfn-guard", "s3_bucket_object_lock_enabled_check"): 2,
    }


def test_fixed_controls_pass_without_suppression(report: g.GateReport) -> None:
    """Fixed, not suppressed: KMS grants (CT.KMS.PR.3), bucket event
    notifications (CT.S3.PR.4), the network ACLs (CT.EC2.PR.5) and the SSM
    policies' write actions (CKV_AWS_111)."""
    found = {f.control for f in report.findings["cfn-guard"]}
    assert not {"CT.KMS.PR.3", "CT.S3.PR.4", "CT.EC2.PR.5"} & found
    assert not any(f.rule == "CKV_AWS_111" for f in report.findings["checkov"])


def test_only_the_applicable_rules_find_what_all_rules_find(
        out: Path, guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...],
        report: g.GateReport) -> None:
    """The plugin runs only the rules naming a resource type of the templates:
    every rule at once finds the same (and takes about three times as long)."""
    paths = sorted(out.glob("*.template.json"))
    everything = g.guard_findings(
        g.run_guard(guard[0], [r.path(guard[1]) for r in rules], paths), rules)
    assert everything == list(report.findings["cfn-guard"])


def test_build_knows_each_control_by_its_rule_name(rules: tuple[g.GuardRule, ...]) -> None:
    from vpc_patterns.build.compliance import GUARD_RULES

    by_control = {r.control: r.name for r in rules}
    assert {c: by_control.get(c) for c in GUARD_RULES} == GUARD_RULES


# --------------------------------------------------------------------------
# Hand-edited templates: each gate fails what it is about
# --------------------------------------------------------------------------


def _template(*resources: tuple[str, dict]) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": dict(resources)}


RDP_FROM_ANYWHERE_SG = ("Rdp", {"Type": "AWS::EC2::SecurityGroup", "Properties": {
    "GroupDescription": "RDP from anywhere", "VpcId": "vpc-12345678",
    "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                              "CidrIp": "0.0.0.0/0"}]}})
RDP_FROM_ANYWHERE_ACL = ("Rdp", {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
    "NetworkAclId": "acl-12345678", "RuleNumber": 100, "RuleAction": "allow", "Egress": False,
    "Protocol": 6, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 3389, "To": 3389}}})


def test_security_group_rdp_from_anywhere_fails_both(
        guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...], tmp_path: Path) -> None:
    tpl = _template(RDP_FROM_ANYWHERE_SG)
    assert {(f.control, f.logical_id) for f in _guard(guard, rules, tpl, tmp_path)} >= {
        ("CT.EC2.PR.4", "Rdp")}
    failed, _ = _checkov(tpl, tmp_path)
    assert ("CKV_AWS_25", "Rdp") in {(f.rule, f.logical_id) for f in failed}


def test_acl_entry_rdp_from_anywhere_fails_ct_ec2_pr_5(
        guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...], tmp_path: Path) -> None:
    """checkov has no CloudFormation check of network ACL entries: cfn-guard's
    CT.EC2.PR.5 is the gate here (and the old 'replies' entry 1024-65535 from
    anywhere, which includes 3389, fails it too)."""
    tpl = _template(RDP_FROM_ANYWHERE_ACL)
    assert [(f.control, f.logical_id) for f in _guard(guard, rules, tpl, tmp_path,
                                                       only=("CT.EC2.PR.5",))] == [
        ("CT.EC2.PR.5", "Rdp")]
    wide = copy.deepcopy(tpl)
    wide["Resources"]["Rdp"]["Properties"]["PortRange"] = {"From": 1024, "To": 65535}
    assert _guard(guard, rules, wide, tmp_path, only=("CT.EC2.PR.5",))
    narrow = copy.deepcopy(tpl)
    narrow["Resources"]["Rdp"]["Properties"]["PortRange"] = {"From": 443, "To": 443}
    assert _guard(guard, rules, narrow, tmp_path, only=("CT.EC2.PR.5",)) == []


def test_reference_key_without_the_grant_statement_fails(
        templates: dict[str, dict], guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...],
        tmp_path: Path) -> None:
    from vpc_patterns.build.keys import GRANTS_FOR_AWS_SERVICES_ONLY_SID

    tpl = copy.deepcopy(templates["vpc-patterns-dev.template.json"])
    keys = [lid for lid, r in tpl["Resources"].items() if r["Type"] == "AWS::KMS::Key"]
    assert keys
    assert _guard(guard, rules, tpl, tmp_path, only=("CT.KMS.PR.3",)) == []
    policy = tpl["Resources"][keys[0]]["Properties"]["KeyPolicy"]
    policy["Statement"] = [s for s in policy["Statement"]
                           if s.get("Sid") != GRANTS_FOR_AWS_SERVICES_ONLY_SID]
    assert [(f.control, f.logical_id)
            for f in _guard(guard, rules, tpl, tmp_path, only=("CT.KMS.PR.3",))] == [
        ("CT.KMS.PR.3", keys[0])]


def test_a_suppression_removed_from_the_template_fails_again(
        templates: dict[str, dict], guard: tuple[Path, Path], rules: tuple[g.GuardRule, ...],
        tmp_path: Path) -> None:
    """The suppressions live in the template: strip the handler's, and both
    scanners report it again."""
    tpl = copy.deepcopy(templates["vpc-patterns-shared.template.json"])
    handler = next(lid for lid, r in tpl["Resources"].items()
                   if r["Type"] == "AWS::Lambda::Function"
                   and "guard" in r.get("Metadata", {}))
    assert _guard(guard, rules, tpl, tmp_path, only=("CT.LAMBDA.PR.3",)) == []
    failed, skipped = _checkov(tpl, tmp_path)
    assert failed == [] and ("CKV_AWS_117", handler) in {(f.rule, f.logical_id)
                                                         for f in skipped}
    meta = tpl["Resources"][handler]["Metadata"]
    del meta["guard"], meta["checkov"]
    assert [(f.control, f.logical_id)
            for f in _guard(guard, rules, tpl, tmp_path, only=("CT.LAMBDA.PR.3",))] == [
        ("CT.LAMBDA.PR.3", handler)]
    failed, _ = _checkov(tpl, tmp_path)
    assert {("CKV_AWS_116", handler), ("CKV_AWS_117", handler)} <= {
        (f.rule, f.logical_id) for f in failed}


def test_reasonless_or_stale_suppressions_fail_the_gate(
        templates: dict[str, dict], guard: tuple[Path, Path], tmp_path: Path) -> None:
    tpl = copy.deepcopy(templates["vpc-patterns-shared.template.json"])
    vpc = next(lid for lid, r in tpl["Resources"].items() if r["Type"] == "AWS::EC2::VPC")
    handler = next(lid for lid, r in tpl["Resources"].items()
                   if r["Type"] == "AWS::Lambda::Function" and "guard" in r.get("Metadata", {}))
    # a rule the VPC never fails, and a reason that says nothing
    tpl["Resources"][vpc].setdefault("Metadata", {})["guard"] = {
        "SuppressedRules": ["lambda_inside_vpc_check"],
        "SuppressionReasons": {"lambda_inside_vpc_check": "CT.LAMBDA.PR.3: ok"}}
    tpl["Resources"][handler]["Metadata"]["checkov"]["skip"][0]["comment"] = ""
    path = tmp_path / "vpc-patterns-shared.template.json"
    path.write_text(json.dumps(tpl))
    rep = g.scan([path], checkov=_need_checkov(), guard_dir=guard[1])
    assert not rep.passed
    text = "\n".join(rep.problems)
    assert f"lambda_inside_vpc_check on {path.name} {vpc} has no specific reason" in text
    assert f"lambda_inside_vpc_check on {path.name} {vpc} suppresses nothing" in text
    assert f"on {path.name} {handler} has no specific reason: ''" in text


def test_cli_exit_status(out: Path, tmp_path: Path) -> None:
    from vpc_patterns.cli.main import main

    _need_checkov()
    assert main(["gates", str(out), "--checkov", str(CHECKOV)]) == 0
    bad = tmp_path / "bad.template.json"
    bad.write_text(json.dumps(_template(RDP_FROM_ANYWHERE_SG)))
    assert main(["gates", str(bad), "--checkov", str(CHECKOV)]) == 1
    assert main(["gates", str(bad), "--checkov", str(tmp_path / "no-checkov")]) == 2


# --------------------------------------------------------------------------
# suppress(): one reason, every scanner, one resource
# --------------------------------------------------------------------------


def test_suppress_writes_each_convention_and_refuses_vague_reasons() -> None:
    from aws_cdk import App, Stack
    from aws_cdk import aws_ec2 as ec2

    from vpc_patterns.build.compliance import suppress

    stack = Stack(App(), "S")
    entry = ec2.CfnNetworkAclEntry(stack, "E", network_acl_id="acl-1", protocol=6,
                                   rule_action="allow", rule_number=1, cidr_block="0.0.0.0/0")
    reason = "A test entry that exists only to carry the suppressions of this test case."
    suppress(entry, reason, checkov=["CKV_AWS_1"], guard=["CT.EC2.PR.5"])
    suppress(entry, reason + " Again.", checkov=["CKV_AWS_2"], guard=["CT.EC2.PR.5"])
    meta = stack.resolve(entry.cfn_options.metadata)
    assert meta["checkov"]["skip"] == [{"id": "CKV_AWS_1", "comment": reason},
                                       {"id": "CKV_AWS_2", "comment": reason + " Again."}]
    assert meta["guard"]["SuppressedRules"] == ["nacl_no_unrestricted_ssh_rdp_check"]
    assert meta["guard"]["SuppressionReasons"] == {
        "nacl_no_unrestricted_ssh_rdp_check": f"CT.EC2.PR.5: {reason} Again."}
    with pytest.raises(ValueError, match="specific reason"):
        suppress(entry, "false positive", checkov=["CKV_AWS_3"])
    with pytest.raises(ValueError, match="GUARD_RULES"):
        suppress(entry, reason, guard=["CT.NOPE.PR.1"])
    with pytest.raises(ValueError, match="at least one rule"):
        suppress(entry, reason)


def test_a_plugin_that_cannot_run_fails_synthesis(tmp_path: Path) -> None:
    """The CDK reports a plugin that raises as a failure, yet synthesizes on:
    ControlTowerChecks turns that into a violation."""
    _need_guard()
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_ec2 as ec2

    from vpc_patterns.build.compliance import GUARD_DID_NOT_RUN, ControlTowerChecks

    class Broken:
        version = "0"

        def __init__(self, **_: object) -> None:
            pass

        def validate(self, _: object) -> None:
            raise RuntimeError("no cfn-guard binary")

    plugin = ControlTowerChecks()
    plugin._validator = Broken
    app = App(outdir=str(tmp_path))
    ec2.CfnSecurityGroup(Stack(app, "S"), "G", group_description="x")
    Validations.of(app).add_plugins(plugin)
    with pytest.raises(RuntimeError, match="ValidationFailed: ERROR cfn-guard did not run"):
        app.synth()
    vr = json.loads((tmp_path / "validation-report.json").read_text())
    assert [v["ruleName"] for r in vr["pluginReports"] for v in r["violations"]] == [
        GUARD_DID_NOT_RUN]
