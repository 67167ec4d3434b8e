"""The reference app as `make synth` builds it: both gates, names, snapshots.

Synthesized once for the module, with the cdk-nag packs on (as in make synth):
if any finding were unacknowledged, synthesis itself would raise here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.app_builder import build_app
from stacks.config import CONTEXT_KEY

from .conftest import CDK_CONTEXT, ROOT
from .lint_helpers import cfn_lint


@pytest.fixture(scope="module")
def assembly(reference_app) -> Path:
    """Built with the four packs on (tests/conftest.py): if any finding were
    unacknowledged, synthesis itself would have raised."""
    return reference_app.out


def _template(assembly: Path, env: str) -> dict:
    return json.loads((assembly / f"vpc-patterns-{env}.template.json").read_text())


def _types(t: dict, type_: str) -> dict:
    return {k: v for k, v in t["Resources"].items() if v["Type"] == type_}


def test_one_stack_per_environment_with_env_in_name(assembly: Path) -> None:
    names = sorted(p.name for p in assembly.glob("*.template.json"))
    envs = sorted(CDK_CONTEXT[CONTEXT_KEY])
    # plus the stack holding the peerings (vpc_patterns:peering in cdk.json)
    assert names == sorted([f"vpc-patterns-{e}.template.json" for e in envs]
                           + ["vpc-patterns-peering.template.json"])
    assert {"dev", "prod"} <= set(envs)


def test_no_unacknowledged_nag_findings(assembly: Path) -> None:
    report = json.loads((assembly / "validation-report.json").read_text())
    assert report["pluginReports"] == [] or all(
        not r.get("violations") for r in report["pluginReports"]
    )


def test_cfn_lint_zero_errors_and_warnings(assembly: Path) -> None:
    for tpl in sorted(assembly.glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


def test_stacks_are_env_agnostic_and_azs_need_no_lookup(assembly: Path) -> None:
    manifest = json.loads((assembly / "manifest.json").read_text())
    for name, art in manifest["artifacts"].items():
        if art["type"] == "aws:cloudformation:stack":
            assert art["environment"] == "aws://unknown-account/unknown-region", name
    assert "missing" not in manifest  # no context lookups were requested
    for env in ("dev", "prod"):
        for sub in _types(_template(assembly, env), "AWS::EC2::Subnet").values():
            az = sub["Properties"]["AvailabilityZone"]
            assert "Fn::Select" in az and az["Fn::Select"][1] == {"Fn::GetAZs": ""}


def test_prod_has_three_azs_and_a_nat_gateway_per_az(assembly: Path) -> None:
    t = _template(assembly, "prod")
    subnets = _types(t, "AWS::EC2::Subnet")
    azs = {json.dumps(s["Properties"]["AvailabilityZone"]) for s in subnets.values()}
    assert len(azs) == 3 and len(subnets) == 9
    nats = _types(t, "AWS::EC2::NatGateway")
    nat_azs = {
        json.dumps(subnets[n["Properties"]["SubnetId"]["Ref"]]["Properties"]["AvailabilityZone"])
        for n in nats.values()
    }
    assert len(nats) == 3 and nat_azs == azs


def test_dev_has_two_azs_and_nat_instances_not_gateways(assembly: Path) -> None:
    t = _template(assembly, "dev")
    subnets = _types(t, "AWS::EC2::Subnet")
    assert len({json.dumps(s["Properties"]["AvailabilityZone"]) for s in subnets.values()}) == 2
    assert _types(t, "AWS::EC2::NatGateway") == {}
    assert len(_types(t, "AWS::AutoScaling::AutoScalingGroup")) == 2


def _normalised(t: dict) -> dict:
    """Drop what changes with the CDK version, not with our code."""
    t = json.loads(json.dumps(t))
    t["Resources"] = {k: v for k, v in t["Resources"].items() if v["Type"] != "AWS::CDK::Metadata"}
    t.pop("Conditions", None)
    return t


@pytest.mark.parametrize("env", sorted([*CDK_CONTEXT[CONTEXT_KEY], "peering"]))
def test_snapshot(assembly: Path, env: str, snapshot) -> None:  # type: ignore[no-untyped-def]
    assert _normalised(_template(assembly, env)) == snapshot.use_extension(JSONSnapshotExtension)


def test_constructs_package_is_the_real_one() -> None:
    """constructs/ is a source root: it must never shadow the CDK's package."""
    import constructs

    import vpc_patterns

    assert "site-packages" in str(constructs.__file__)
    assert not (ROOT / "constructs" / "__init__.py").exists()
    assert Path(vpc_patterns.__file__).parent == ROOT / "constructs" / "vpc_patterns"


def test_pinned_environments_synthesize_with_every_pack(tmp_path: Path) -> None:
    """Stacks are env-agnostic unless an environment pins account and region:
    pinning every environment (peering needs them in one) must still pass the
    four packs, with no AZ lookup (subnets still use Fn::GetAZs by index)."""
    context = json.loads(json.dumps(CDK_CONTEXT))
    for env in context[CONTEXT_KEY].values():
        env.update(account="123456789012", region="eu-west-1")
    app = App(context=context, outdir=str(tmp_path))
    build_app(app, compliance=True)
    app.synth()  # raises on any unacknowledged finding
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    envs = {a["environment"] for a in manifest["artifacts"].values()
            if a["type"] == "aws:cloudformation:stack"}
    assert envs == {"aws://123456789012/eu-west-1"}
    assert "missing" not in manifest  # no context lookup was needed


def test_peered_environments_must_share_account_and_region(tmp_path: Path) -> None:
    from vpc_patterns import ConfigError

    context = json.loads(json.dumps(CDK_CONTEXT))
    context[CONTEXT_KEY]["prod"].update(account="123456789012", region="eu-west-1")
    with pytest.raises(ConfigError, match=r"vpc_patterns:peering: spoke 'prod'"):
        build_app(App(context=context, outdir=str(tmp_path)), compliance=False)


def test_construct_errors_name_the_environment(tmp_path: Path) -> None:
    from vpc_patterns import ConfigError

    context = json.loads(json.dumps(CDK_CONTEXT))
    context[CONTEXT_KEY]["prod"]["interface_endpoints"] = ["s3"]
    with pytest.raises(ConfigError, match=r"^vpc_patterns:environments\.prod: .*'s3'"):
        build_app(App(context=context, outdir=str(tmp_path)), compliance=False)


def test_newer_vpc_controls_in_the_reference_app(assembly: Path) -> None:
    """shared leaves through one regional NAT gateway (no zonal one), prod has
    hybrid DNS over its VPN and Encryption Controls in monitor mode, every
    environment has Block Public Access exclusions for its public subnets, and
    the account-wide options are off unless asked (they would affect every
    VPC of the account)."""
    shared, prod = _template(assembly, "shared"), _template(assembly, "prod")
    (nat,) = _types(shared, "AWS::EC2::NatGateway").values()
    assert nat["Properties"]["AvailabilityMode"] == "regional"
    assert "SubnetId" not in nat["Properties"]
    endpoints = _types(prod, "AWS::Route53Resolver::ResolverEndpoint").values()
    assert sorted(e["Properties"]["Direction"] for e in endpoints) == ["INBOUND", "OUTBOUND"]
    assert all(len(e["Properties"]["IpAddresses"]) == 2 for e in endpoints)
    (control,) = _types(prod, "AWS::EC2::VPCEncryptionControl").values()
    assert control["Properties"]["Mode"] == "monitor"
    # monitor mode is read in the flow logs: every prod flow log records it
    flow_logs = _types(prod, "AWS::EC2::FlowLog").values()
    assert flow_logs and all("${encryption-status}" in f["Properties"]["LogFormat"]
                             for f in flow_logs)
    assert all("encryption-status" not in json.dumps(f) for f in
               _types(_template(assembly, "dev"), "AWS::EC2::FlowLog").values())
    for env in ("dev", "prod", "shared"):
        t = _template(assembly, env)
        public = {k for k in _types(t, "AWS::EC2::Subnet") if k.startswith("NetworkPublic")}
        excluded = {v["Properties"]["SubnetId"]["Ref"]
                    for v in _types(t, "AWS::EC2::VPCBlockPublicAccessExclusion").values()}
        assert excluded == public and public, env
        assert not _types(t, "AWS::EC2::VPCBlockPublicAccessOptions"), env


def test_block_public_access_options_on_request(tmp_path: Path) -> None:
    import copy

    context = copy.deepcopy(CDK_CONTEXT)
    context["vpc_patterns:block_public_access"] = "ingress"
    app = App(context=context, outdir=str(tmp_path))
    build_app(app, compliance=False)
    app.synth()
    found = [(p.name, r["Properties"]) for p in tmp_path.glob("*.template.json")
             for r in json.loads(p.read_text())["Resources"].values()
             if r["Type"] == "AWS::EC2::VPCBlockPublicAccessOptions"]
    assert found == [("vpc-patterns-dev.template.json",
                      {"InternetGatewayBlockMode": "block-ingress"})]


def test_the_cdks_own_validator_finds_nothing_either(tmp_path: Path) -> None:
    """The session runs with CDK_VALIDATION=false (cfn-lint covers the same
    templates); once, in a process of its own, the CDK's built-in
    CloudFormation validator runs on the whole reference app and finds
    nothing. A control stack with an ImageId the schema refuses shows that the
    validator really runs in that process, and not in this one."""
    import os
    import subprocess
    import sys

    control = (
        "from aws_cdk import App, Stack, aws_ec2 as ec2\n"
        "def control(outdir):\n"
        "    app = App(outdir=outdir)\n"
        "    ec2.CfnInstance(Stack(app, 'Control'), 'Bad', image_id='resolve:ssm:/x')\n"
        "    app.synth()\n"
    )
    script = control + (
        "import json, sys\n"
        "from stacks.app_builder import build_app\n"
        "app = App(context=json.loads(sys.argv[1]), outdir=sys.argv[2])\n"
        "build_app(app, compliance=True)\n"
        "app.synth()\n"
        "control(sys.argv[3])\n"
    )
    ref, ctl = tmp_path / "reference", tmp_path / "control"
    env = {**os.environ, "CDK_VALIDATION": "true"}
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(CDK_CONTEXT), str(ref),
                           str(ctl)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    def rules(out: Path) -> dict[str, list[str]]:
        f = out / "validation-report.json"
        report = json.loads(f.read_text()) if f.exists() else {"pluginReports": []}
        return {r["pluginName"]: [v["ruleName"] for v in r["violations"]]
                for r in report["pluginReports"]}

    assert rules(ctl).get("CloudFormation Validate") == ["E1152"], rules(ctl)
    assert rules(ref) == {} or all(v == [] for v in rules(ref).values()), rules(ref)
    # this session does not run it
    here = tmp_path / "here"
    subprocess.run([sys.executable, "-c", control + f"control({str(here)!r})\n"], cwd=ROOT,
                   capture_output=True, text=True, timeout=120, check=True)
    assert "CloudFormation Validate" not in rules(here)
