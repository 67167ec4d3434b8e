"""Change safety: hand-edited copies of the reference templates compared with
the originals, each with the warning a network engineer reviewing the
change set would raise (or none), and the CLI and synth plugin around it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack

from vpc_patterns import BestPracticeVpc, SiteToSiteVpn, Tier
from vpc_patterns.check.changes import (
    DELETED,
    MAY_BE_REPLACED,
    REPLACED,
    ChangeWarning,
    compare_paths,
    compare_templates,
)

from .conftest import ROOT

PRIVATE_AZ1 = "NetworkPrivateAz150211605"
PUBLIC_AZ1 = "NetworkPublicAz1ACB131D4"
NAT_AZ1 = "NetworkNatAz1DB8E4515"
VPN = "OnPremisesVpnConnection66CC1C19"
FLOW_LOG_GROUP = "FlowLogsLogGroupD4502E73"
PRIVATE_ACL_AZ1 = "NetworkNetworkAclsPrivateNetworkAclPrivateAz1AssociationAC232B74"


@pytest.fixture(scope="module")
def prod(reference_app) -> dict[str, Any]:
    return json.loads((reference_app.out / "vpc-patterns-prod.template.json").read_text())


def _edit(template: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(template)


def _by_rule(warnings: list[ChangeWarning]) -> dict[str, list[ChangeWarning]]:
    out: dict[str, list[ChangeWarning]] = {}
    for w in warnings:
        out.setdefault(w.rule, []).append(w)
    return out


def test_the_same_template_twice_warns_of_nothing(prod) -> None:
    assert compare_templates(prod, _edit(prod), stack="prod") == []


def test_tags_metadata_and_retention_are_in_place_updates(prod) -> None:
    new = _edit(prod)
    new["Resources"][PRIVATE_AZ1]["Properties"]["Tags"].append({"Key": "team", "Value": "x"})
    new["Resources"][PRIVATE_AZ1]["Metadata"] = {"note": "reviewed"}
    new["Resources"][FLOW_LOG_GROUP]["Properties"]["RetentionInDays"] = 30
    assert compare_templates(prod, new, stack="prod") == []


def test_a_re_planned_private_block_replaces_the_subnet_and_overlaps_itself(prod) -> None:
    """10.20.128.0/20 -> 10.20.128.0/21: the replacement is created while the old
    subnet still holds the block that contains the new one."""
    new = _edit(prod)
    new["Resources"][PRIVATE_AZ1]["Properties"]["CidrBlock"] = "10.20.128.0/21"
    rules = _by_rule(compare_templates(prod, new, stack="prod"))
    (w,) = rules["SubnetReplaced"]
    assert (w.logical_id, w.verdict, w.properties) == (PRIVATE_AZ1, REPLACED, ("CidrBlock",))
    assert "private" in w.resource and "10.20.128.0/20" in w.resource
    assert "overlaps the old subnet's own block" in w.consequence
    assert "rolls back" in w.consequence


def test_a_moved_public_subnet_carries_the_replacement_to_its_nat_gateway(prod) -> None:
    new = _edit(prod)
    new["Resources"][PUBLIC_AZ1]["Properties"]["CidrBlock"] = "10.20.3.0/24"
    rules = _by_rule(compare_templates(prod, new, stack="prod"))
    assert [w.logical_id for w in rules["SubnetReplaced"]] == [PUBLIC_AZ1]
    (nat,) = rules["NatGatewayReplaced"]
    assert nat.logical_id == NAT_AZ1 and nat.verdict == REPLACED
    assert "SubnetId" in nat.properties
    # the same Elastic IP would be asked for while the old gateway holds it
    assert "already associated" in nat.consequence


def test_a_renamed_elastic_ip_is_a_lost_egress_address(prod) -> None:
    new = _edit(prod)
    old_id = next(k for k in prod["Resources"] if k.startswith("NetworkNatAz1Eip"))
    new["Resources"]["NetworkNatAz1EipRenamed"] = new["Resources"].pop(old_id)
    new["Resources"][NAT_AZ1]["Properties"]["AllocationId"] = {
        "Fn::GetAtt": ["NetworkNatAz1EipRenamed", "AllocationId"]}
    rules = _by_rule(compare_templates(prod, new, stack="prod"))
    eips = rules["ElasticIpReplaced"]
    assert {w.previous_logical_id or w.logical_id for w in eips} >= {old_id}
    assert all("egress address is lost" in w.consequence for w in eips)
    # the gateway follows the new address: replaced, but not blocked by the old one
    (nat,) = rules["NatGatewayReplaced"]
    assert "already associated" not in nat.consequence
    assert "egress address changes" in nat.consequence


def test_vpn_routing_switch_with_the_same_inside_cidrs_is_refused_by_ec2(prod) -> None:
    new = _edit(prod)
    new["Resources"][VPN]["Properties"]["StaticRoutesOnly"] = False
    (w,) = _by_rule(compare_templates(prod, new, stack="prod"))["VpnConnectionReplaced"]
    assert w.verdict == REPLACED and w.properties == ("StaticRoutesOnly",)
    assert "169.254.10.0/30" in w.consequence and "EC2 refuses" in w.consequence


def test_vpn_routing_switch_with_the_library_defaults_takes_other_inside_cidrs() -> None:
    """The library's defaults give each routing mode its own pair, so the
    connection that replaces a static one with a BGP one is created beside it."""
    templates = {}
    for routing in ("static", "bgp"):
        app = App()
        stack = Stack(app, "Vpn")
        net = BestPracticeVpc(stack, "Net", cidr="10.60.0.0/16", max_azs=2,
                              tiers=[Tier("public", "public", 24), Tier("private", "private", 20)])
        SiteToSiteVpn(stack, "Site", network=net, customer_gateway_ip="203.0.113.10",
                      routing=routing,
                      static_routes=["172.16.0.0/16"] if routing == "static" else ())
        templates[routing] = app.synth().get_stack_by_name("Vpn").template
    (w,) = [w for w in compare_templates(templates["static"], templates["bgp"], stack="Vpn")
            if w.rule == "VpnConnectionReplaced"]
    assert w.verdict == REPLACED
    assert "EC2 refuses" not in w.consequence
    inside = {r: {s["TunnelInsideCidr"] for v in t["Resources"].values()
                  if v["Type"] == "AWS::EC2::VPNConnection"
                  for s in v["Properties"]["VpnTunnelOptionsSpecifications"]}
              for r, t in templates.items()}
    assert inside["static"] == {"169.254.10.0/30", "169.254.10.4/30"}
    assert inside["bgp"] == {"169.254.10.8/30", "169.254.10.12/30"}


def test_a_named_log_group_renamed_cannot_be_created(prod) -> None:
    new = _edit(prod)
    prod_named = _edit(prod)
    prod_named["Resources"][FLOW_LOG_GROUP]["Properties"]["LogGroupName"] = "/vpc/prod/flow"
    new = _edit(prod_named)
    new["Resources"]["FlowLogsLogGroupV2"] = new["Resources"].pop(FLOW_LOG_GROUP)
    rules = _by_rule(compare_templates(prod_named, new, stack="prod"))
    (w,) = rules["LogGroupReplaced"]
    assert w.previous_logical_id == FLOW_LOG_GROUP and w.logical_id == "FlowLogsLogGroupV2"
    assert "a log group named /vpc/prod/flow still exists" in w.consequence


def test_a_log_group_deleted_without_retain_loses_its_logs(prod) -> None:
    old = _edit(prod)
    old["Resources"][FLOW_LOG_GROUP]["DeletionPolicy"] = "Delete"
    new = _edit(old)
    del new["Resources"][FLOW_LOG_GROUP]
    (w,) = _by_rule(compare_templates(old, new, stack="prod"))["LogGroupReplaced"]
    assert w.verdict == DELETED and "deleted with all its logs" in w.consequence


def test_a_subnet_that_loses_its_acl_falls_back_to_the_default_acl(prod) -> None:
    new = _edit(prod)
    del new["Resources"][PRIVATE_ACL_AZ1]
    (w,) = _by_rule(compare_templates(prod, new, stack="prod"))["NetworkAclRemoved"]
    assert w.logical_id == PRIVATE_AZ1
    assert "default network ACL, which allows all" in w.consequence


def test_a_new_subnet_on_a_block_an_old_one_still_holds_cannot_be_created(prod) -> None:
    new = _edit(prod)
    moved = new["Resources"].pop(PRIVATE_AZ1)
    new["Resources"]["NetworkAppAz1Subnet"] = moved
    for r in new["Resources"].values():  # the associations follow the rename
        text = json.dumps(r)
        if PRIVATE_AZ1 in text:
            r.clear()
            r.update(json.loads(text.replace(PRIVATE_AZ1, "NetworkAppAz1Subnet")))
    rules = _by_rule(compare_templates(prod, new, stack="prod"))
    # a renamed construct: the same subnet under a new logical id, created
    # first on the block the old one still holds
    (w,) = rules["SubnetReplaced"]
    assert (w.previous_logical_id, w.logical_id) == (PRIVATE_AZ1, "NetworkAppAz1Subnet")
    assert "logical id changes" in w.cause
    assert "overlaps the old subnet's own block" in w.consequence
    assert "EC2 refuses" in w.consequence
    # a genuinely new subnet on a block an old one keeps: its own rule
    added = _edit(prod)
    block = dict(copy.deepcopy(prod["Resources"][PRIVATE_AZ1]))
    block["Properties"]["CidrBlock"] = "10.20.136.0/21"  # inside 10.20.128.0/20
    block["Properties"]["AvailabilityZone"] = {"Fn::Select": [1, {"Fn::GetAZs": ""}]}
    added["Resources"]["NetworkExtraSubnet"] = block
    (clash,) = _by_rule(compare_templates(prod, added, stack="prod"))["SubnetBlockConflict"]
    assert clash.logical_id == "NetworkExtraSubnet" and PRIVATE_AZ1 in clash.cause
    assert "EC2 refuses" in clash.consequence


def test_an_unresolvable_block_is_may_be_replaced_not_silence(prod) -> None:
    new = _edit(prod)
    new["Parameters"] = {**new.get("Parameters", {}), "Block": {"Type": "String"}}
    new["Resources"][PRIVATE_AZ1]["Properties"]["CidrBlock"] = {"Ref": "Block"}
    (w,) = _by_rule(compare_templates(prod, new, stack="prod"))["SubnetReplaced"]
    assert w.verdict == MAY_BE_REPLACED


def test_cli_exit_codes(prod, tmp_path: Path) -> None:
    old, same, changed = tmp_path / "old", tmp_path / "same", tmp_path / "changed"
    for d in (old, same, changed):
        d.mkdir()
    (old / "prod.template.json").write_text(json.dumps(prod))
    (same / "prod.template.json").write_text(json.dumps(prod))
    edited = _edit(prod)
    edited["Resources"][PRIVATE_AZ1]["Properties"]["CidrBlock"] = "10.20.128.0/21"
    (changed / "prod.template.json").write_text(json.dumps(edited))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vpc_patterns", "changes", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    assert run(str(old), str(same), "--fail-on-replace").returncode == 0
    warned = run(str(old), str(changed))
    assert warned.returncode == 0 and "SubnetReplaced" not in warned.stdout
    assert "prod: subnet" in warned.stdout and "is replaced" in warned.stdout
    gate = run(str(old), str(changed), "--fail-on-replace", "--json")
    assert gate.returncode == 1
    assert [w["rule"] for w in json.loads(gate.stdout)["warnings"]] == ["SubnetReplaced"]
    assert run(str(tmp_path / "missing"), str(changed)).returncode == 2
    report = compare_paths([old], [changed])
    assert report.compared == ("prod",)


def test_the_synth_plugin_warns_against_the_previous_templates(tmp_path: Path) -> None:
    """Validations.of(app).add_plugins(ChangeSafetyChecks(app)) with the previous
    templates in a folder: the re-planned subnet is a warning, synthesis succeeds."""
    from aws_cdk import Validations

    from vpc_patterns.build.change_safety import ChangeSafetyChecks

    def build(private_size: int, outdir: Path, previous: Path | None) -> ChangeSafetyChecks:
        app = App(outdir=str(outdir), context=(
            {"vpc_patterns:previous-templates": str(previous)} if previous else {}))
        stack = Stack(app, "Net")
        BestPracticeVpc(stack, "Vpc", cidr="10.70.0.0/16", max_azs=2,
                        tiers=[Tier("public", "public", 24),
                               Tier("private", "private", private_size)])
        plugin = ChangeSafetyChecks(app)
        Validations.of(app).add_plugins(plugin)
        app.synth()
        return plugin

    first = build(20, tmp_path / "first", None)
    assert first.report is None or first.report.warnings == ()
    second = build(21, tmp_path / "second", tmp_path / "first")
    assert second.report is not None and second.report.compared == ("Net",)
    rules = sorted({w.rule for w in second.report.warnings})
    assert "SubnetReplaced" in rules
    assert all(w.stack == "Net" for w in second.report.warnings)
