"""VPC Block Public Access and Encryption Controls: plan validation (pure),
the constructs (one synthesized app, checked by the four cdk-nag packs and
cfn-lint), and ``verify`` over hand-edited templates with BPA."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, plan_network
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.vpc_controls import (
    BlockPublicAccess,
    BlockPublicAccessExclusions,
    EncryptionControls,
)
from vpc_patterns.check.answers import NO, YES
from vpc_patterns.check.cfn import Template
from vpc_patterns.check.verify import verify_templates
from vpc_patterns.plan.flow_log_format import parse_log_format
from vpc_patterns.plan.vpc_controls import (
    plan_block_public_access,
    plan_bpa_exclusions,
    plan_encryption_control,
)

from .lint_helpers import cfn_lint
from .network_templates import three_tier

PLAN = plan_network(max_azs=2)


# --------------------------------------------------------------------------
# plan layer
# --------------------------------------------------------------------------

def test_bpa_modes_map_to_cloudformation_values() -> None:
    assert plan_block_public_access().internet_gateway_block_mode == "block-bidirectional"
    assert plan_block_public_access(mode="ingress").internet_gateway_block_mode == "block-ingress"
    with pytest.raises(ConfigError, match=r"mode 'block-ingress'.*'bidirectional'"):
        plan_block_public_access(mode="block-ingress")


def test_exclusions_one_per_subnet_of_each_tier() -> None:
    p = plan_bpa_exclusions(PLAN, tiers=["public"], mode="egress")
    assert [(e.construct_id, e.subnet) for e in p.exclusions] == [
        ("PublicAz1", "PublicAz1"), ("PublicAz2", "PublicAz2")]
    assert {e.internet_gateway_exclusion_mode for e in p.exclusions} == {"allow-egress"}
    v = plan_bpa_exclusions(PLAN, vpc=True)
    assert [(e.construct_id, e.subnet, e.internet_gateway_exclusion_mode)
            for e in v.exclusions] == [("Vpc", None, "allow-bidirectional")]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "name nothing"),
    ({"tiers": ["web"]}, "'web' is not a tier of this network"),
    ({"tiers": ["public", "public"]}, "'public' is excluded twice"),
    ({"tiers": ["public"], "vpc": True}, "redundant"),
    ({"tiers": ["public"], "mode": "allow-egress"}, "not an exclusion mode"),
    ({"tiers": "public"}, "must be a list"),
])
def test_bad_exclusions_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_bpa_exclusions(PLAN, **kwargs)


def test_exclusions_across_constructs_on_one_network() -> None:
    tiers = plan_bpa_exclusions(PLAN, tiers=["public"])
    with pytest.raises(ConfigError, match="'public' is excluded twice"):
        plan_bpa_exclusions(PLAN, tiers=["public"], existing=[tiers])
    with pytest.raises(ConfigError, match="redundant"):
        plan_bpa_exclusions(PLAN, vpc=True, existing=[tiers])
    whole = plan_bpa_exclusions(PLAN, vpc=True)
    with pytest.raises(ConfigError, match="already excluded"):
        plan_bpa_exclusions(PLAN, tiers=["private"], existing=[whole])
    assert plan_bpa_exclusions(PLAN, tiers=["private"], existing=[tiers]).tiers == ("private",)


def test_encryption_monitor_by_default_and_enforce_names_what_it_needs() -> None:
    p = plan_encryption_control(PLAN)
    assert p.properties == {"Mode": "monitor"}
    with pytest.raises(ConfigError, match=r"'internet_gateway'.*'nat_gateway'.*add "
                                          r"\['internet_gateway', 'nat_gateway'\]"):
        plan_encryption_control(PLAN, mode="enforce")
    with pytest.raises(ConfigError, match="'nat_gateway' \\(NAT gateway"):
        plan_encryption_control(PLAN, mode="enforce", exclusions=["internet_gateway"])
    ok = plan_encryption_control(PLAN, mode="enforce",
                                 exclusions=["nat_gateway", "internet_gateway", "lambda"])
    assert ok.properties == {"Mode": "enforce", "InternetGatewayExclusionInput": "enable",
                             "NatGatewayExclusionInput": "enable",
                             "LambdaExclusionInput": "enable"}
    with pytest.raises(ConfigError, match="'virtual_private_gateway'"):
        plan_encryption_control(PLAN, mode="enforce",
                                exclusions=["nat_gateway", "internet_gateway"],
                                attached=["virtual_private_gateway"])


def test_encryption_enforce_refuses_nat_instances_and_bad_names() -> None:
    inst = plan_network(max_azs=2, nat=NatProvider.instances())
    with pytest.raises(ConfigError, match="NAT instance"):
        plan_encryption_control(inst, mode="enforce", exclusions=["internet_gateway"])
    with pytest.raises(ConfigError, match="'igw' is not an exclusion"):
        plan_encryption_control(PLAN, exclusions=["igw"])
    with pytest.raises(ConfigError, match="named twice"):
        plan_encryption_control(PLAN, exclusions=["lambda", "lambda"])
    with pytest.raises(ConfigError, match="'monitor' or 'enforce'"):
        plan_encryption_control(PLAN, mode="audit")


def test_flow_log_format_accepts_encryption_status() -> None:
    fields, fmt = parse_log_format(["srcaddr", "dstaddr", "encryption-status"])
    assert fields[-1] == "encryption-status"
    assert fmt == "${srcaddr} ${dstaddr} ${encryption-status}"


# --------------------------------------------------------------------------
# constructs
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("vpc-controls")
    app = App(context=cdk_context, outdir=str(out))
    base = Stack(app, "ControlsBaseline")
    bpa = BlockPublicAccess(base, "BlockPublicAccess", mode="ingress")
    stack = Stack(app, "ControlsNetwork")
    net = BestPracticeVpc(stack, "Network", max_azs=2)
    excl = BlockPublicAccessExclusions(stack, "PublicExclusions", network=net, tiers=["public"])
    errors: dict[str, str] = {}
    for name, build in {
        "second options": lambda: BlockPublicAccess(Stack(app, "Other"), "Bpa"),
        "twice": lambda: BlockPublicAccessExclusions(stack, "Again", network=net,
                                                     tiers=["public"]),
        "enforce": lambda: EncryptionControls(stack, "Bad", network=net, mode="enforce"),
        "not a network": lambda: EncryptionControls(stack, "Bad2", network=stack),
    }.items():
        with pytest.raises(ConfigError) as err:
            build()
        errors[name] = str(err.value)
    enc = EncryptionControls(stack, "Encryption", network=net, mode="enforce",
                             exclusions=["internet_gateway", "nat_gateway"])
    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()
    templates = {p.name.split(".")[0]: json.loads(p.read_text())
                 for p in out.glob("*.template.json")}
    return {"out": out, "templates": templates, "errors": errors, "bpa": bpa, "excl": excl,
            "enc": enc}


def _of_type(t: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in t["Resources"].items() if v["Type"] == type_}


def test_constructs_synthesize_the_planned_resources(synthesized: dict[str, Any]) -> None:
    base = synthesized["templates"]["ControlsBaseline"]
    net = synthesized["templates"]["ControlsNetwork"]
    (opts,) = _of_type(base, "AWS::EC2::VPCBlockPublicAccessOptions").values()
    assert opts["Properties"] == {"InternetGatewayBlockMode": "block-ingress"}
    excl = _of_type(net, "AWS::EC2::VPCBlockPublicAccessExclusion")
    subnets = {lid for lid, r in _of_type(net, "AWS::EC2::Subnet").items()
               if any(t["Value"] == "Public" for t in r["Properties"]["Tags"])}
    assert {e["Properties"]["SubnetId"]["Ref"] for e in excl.values()} == subnets
    assert {e["Properties"]["InternetGatewayExclusionMode"] for e in excl.values()} == {
        "allow-bidirectional"}
    (enc,) = _of_type(net, "AWS::EC2::VPCEncryptionControl").values()
    vpc_id = next(iter(_of_type(net, "AWS::EC2::VPC")))
    assert enc["Properties"] == {"VpcId": {"Ref": vpc_id}, "Mode": "enforce",
                                 "InternetGatewayExclusionInput": "enable",
                                 "NatGatewayExclusionInput": "enable"}


def test_constructs_refuse_with_the_reason(synthesized: dict[str, Any]) -> None:
    e = synthesized["errors"]
    assert "one designated stack" in e["second options"]
    assert "excluded twice" in e["twice"]
    assert "add ['internet_gateway', 'nat_gateway'] to exclusions" in e["enforce"]
    assert "not a vpc_patterns.BestPracticeVpc" in e["not a network"]


def test_cfn_lint_reports_nothing(synthesized: dict[str, Any]) -> None:
    for tpl in sorted(synthesized["out"].glob("Controls*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


def test_encryption_enforce_rechecks_what_is_attached_later(cdk_context: dict) -> None:
    from vpc_patterns.build.vpn import VirtualPrivateGateway

    app = App(context=cdk_context)
    stack = Stack(app, "Late")
    net = BestPracticeVpc(stack, "Network", max_azs=1, flow_log=False)
    EncryptionControls(stack, "Encryption", network=net, mode="enforce",
                       exclusions=["internet_gateway", "nat_gateway"])
    VirtualPrivateGateway(stack, "Vgw", network=net)
    with pytest.raises(Exception, match="virtual_private_gateway"):
        app.synth()


# --------------------------------------------------------------------------
# check layer: hand-edited templates
# --------------------------------------------------------------------------

def _bpa(mode: str) -> dict[str, Any]:
    return {"Type": "AWS::EC2::VPCBlockPublicAccessOptions",
            "Properties": {"InternetGatewayBlockMode": mode}}


def _exclusion(mode: str, **target: Any) -> dict[str, Any]:
    return {"Type": "AWS::EC2::VPCBlockPublicAccessExclusion",
            "Properties": {"InternetGatewayExclusionMode": mode, **target}}


def _results(report: Any) -> dict[str, Any]:
    (v,) = report.vpcs
    return {r.intent.label: r for r in v.results}


def test_ingress_block_with_public_tier_excluded() -> None:
    n = three_tier()
    n.res["Bpa"] = _bpa("block-ingress")
    for i in (1, 2):
        n.res[f"PublicAz{i}Exclusion"] = _exclusion("allow-bidirectional",
                                                    SubnetId={"Ref": f"PublicAz{i}"})
    report = verify_templates([Template("net.json", "net", n.template())])
    res = _results(report)
    assert {r.verdict for r in res.values()} == {"pass"}
    an = report.vpcs[0].analyzer
    ing = an.internet_ingress("PublicAz1")
    assert ing.verdict == YES
    assert [s.id for s in ing.paths[0].steps if s.kind == "block-public-access"] == [
        "net/Bpa", "net/PublicAz1Exclusion"]
    # block-ingress: the NAT gateway still carries the private tier out
    assert an.internet_egress("PrivateAz1").verdict == YES
    assert not any("has no VPC Block Public Access exclusion" in x
                   for x in report.vpcs[0].model.notes)


def test_bidirectional_block_without_exclusions_blocks_the_nat_path() -> None:
    n = three_tier()
    n.res["Bpa"] = _bpa("block-bidirectional")
    report = verify_templates([Template("net.json", "net", n.template())])
    res = _results(report)
    eg = res["egress_only(private)"]
    assert eg.verdict == "fail"
    assert "blocked by VPC Block Public Access net/Bpa (block-bidirectional) at the NAT " \
           "gateway of subnet PublicAz1" in eg.findings[0].message
    assert eg.findings[0].path[-1].kind == "block-public-access"
    ingress = next(r for k, r in res.items() if k.startswith("internet_ingress_only"))
    assert ingress.verdict == "pass"
    assert "VPC Block Public Access blocks the internet from tier(s) public" in ingress.summary
    assert any(f.path and f.path[-1].id == "net/Bpa" for f in ingress.evidence)
    notes = report.vpcs[0].model.notes
    assert any("public tier public has no VPC Block Public Access exclusion" in x
               for x in notes)


def test_egress_exclusion_of_the_nat_subnets_reopens_the_nat_path() -> None:
    n = three_tier()
    n.res["Bpa"] = _bpa("block-bidirectional")
    n.res["VpcExclusion"] = _exclusion("allow-egress", VpcId={"Ref": "Vpc"})
    report = verify_templates([Template("net.json", "net", n.template())])
    an = report.vpcs[0].analyzer
    assert an.internet_egress("PrivateAz1").verdict == YES
    assert an.internet_ingress("PublicAz1").verdict == NO
    assert _results(report)["egress_only(private)"].verdict == "pass"


def test_bpa_in_another_template_of_the_folder(tmp_path: Path) -> None:
    from vpc_patterns.check.verify import verify_paths

    n = three_tier()
    n.res["Bpa"] = _bpa("block-bidirectional")
    base = {"Resources": {"Bpa": n.res.pop("Bpa")}}
    (tmp_path / "Baseline.template.json").write_text(json.dumps(base))
    n.write(tmp_path / "Network.template.json")
    report = verify_paths([tmp_path])
    (v,) = report.vpcs
    assert _results(report)["egress_only(private)"].verdict == "fail"
    assert any("from template Baseline" in x for x in v.model.notes)
    assert any(x.kind == "block-public-access" and x.vpc == v.model.key
               for x in report.cross_template)
    alone = verify_paths([tmp_path / "Network.template.json"])
    assert _results(alone)["egress_only(private)"].verdict == "pass"


def test_an_undetermined_bpa_mode_is_an_open_question() -> None:
    n = three_tier()
    n.res["Bpa"] = _bpa({"Ref": "Mode"})  # type: ignore[arg-type]
    res = _results(verify_templates([Template("net.json", "net", n.template())]))
    assert res["egress_only(private)"].verdict == "unknown"


def test_encryption_controls_are_noted() -> None:
    n = three_tier()
    n.res["Enc"] = {"Type": "AWS::EC2::VPCEncryptionControl",
                    "Properties": {"VpcId": {"Ref": "Vpc"}, "Mode": "enforce",
                                   "InternetGatewayExclusionInput": "enable"}}
    report = verify_templates([Template("net.json", "net", n.template())])
    notes = report.vpcs[0].model.notes
    assert any("mode enforce; exclusions: internet_gateway" in x for x in notes)
    assert any("drops the traffic of this VPC's nat gateway" in x for x in notes)
    assert {r.verdict for r in report.vpcs[0].results} == {"pass"}
