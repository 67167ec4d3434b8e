"""TierNetworkAcls synthesizes what its AclPlan says, and passes the gates.

One App, synthesized once for the module: a default BestPracticeVpc with
network ACLs and a few user rules (a deny list before every library rule, a
new flow into the isolated tier with its reply rule), and a second network
whose user rule is dead, to show findings become warnings. Expectations come
from the plan, never from the template itself.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk_nag
import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Annotations, Match, Template

from vpc_patterns import BestPracticeVpc, ConfigError, plan_network
from vpc_patterns.build.nacl import VPC3_REASON, TierNetworkAcls
from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, AclPlan, AclRule, plan_acls

from .lint_helpers import cfn_lint

T_ACL = "AWS::EC2::NetworkAcl"
T_ENTRY = "AWS::EC2::NetworkAclEntry"
T_ASSOC = "AWS::EC2::SubnetNetworkAclAssociation"
T_SUBNET = "AWS::EC2::Subnet"
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "all": -1}

DENY_LIST = AclRule(50, "deny", "all", None, "198.51.100.0/24", description="Known bad network")
DENY_LIST_OUT = AclRule(
    50, "deny", "all", None, "198.51.100.0/24", egress=True, description="Known bad network"
)


def _iso_rules(public_block: str) -> list[AclRule]:
    return [
        AclRule(
            150, "allow", "tcp", (5432, 5432), public_block, description="Health checks from the LB"
        ),
        AclRule(
            150,
            "allow",
            "tcp",
            EPHEMERAL_PORTS,
            public_block,
            egress=True,
            reply=True,
            description="Replies to the LB health checks",
        ),
    ]


def vpc_without_acls(scope: Any, id: str, **kw: Any) -> BestPracticeVpc:
    """A BestPracticeVpc that makes no network ACLs of its own (once it has the
    ``network_acls`` option, which is on by default), so these tests own them."""
    if "network_acls" in inspect.signature(BestPracticeVpc.__init__).parameters:
        kw["network_acls"] = False
    return BestPracticeVpc(scope, id, **kw)


@dataclass
class Synth:
    stack: Stack
    net: BestPracticeVpc
    acls: TierNetworkAcls
    tpl: dict[str, Any]
    template: Template
    noisy_stack: Stack
    noisy: TierNetworkAcls


@pytest.fixture(scope="module")
def synth(cdk_context: dict) -> Synth:
    app = App(context=cdk_context)
    stack = Stack(app, "NaclStack")
    net = vpc_without_acls(stack, "Net", cidr="10.30.0.0/16")
    public_block = net.plan.tier_block("public").block
    acls = TierNetworkAcls(
        stack,
        "Acls",
        network=net,
        user_rules={"public": [DENY_LIST, DENY_LIST_OUT], "isolated": _iso_rules(public_block)},
    )
    noisy_stack = Stack(app, "NoisyStack")
    noisy_net = vpc_without_acls(
        noisy_stack, "Net", max_azs=2, flow_log=False, restrict_default_security_group=False
    )
    noisy = TierNetworkAcls(
        noisy_stack,
        "Acls",
        network=noisy_net,
        user_rules={
            "public": [
                AclRule(5000, "allow", "tcp", (443, 443), "0.0.0.0/0", description="HTTPS again"),
            ]
        },
    )
    template = Template.from_stack(stack)
    return Synth(stack, net, acls, template.to_json(), template, noisy_stack, noisy)


def _of_type(tpl: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] == type_}


def _ref(v: Any) -> str:
    assert isinstance(v, dict) and set(v) == {"Ref"}, v
    return v["Ref"]


def _logical_id(stack: Stack, construct: Any) -> str:
    return stack.resolve(construct.logical_id)


# ---------------------------------------------------------------- resources


def test_one_acl_per_tier_in_the_vpc(synth: Synth) -> None:
    acls = _of_type(synth.tpl, T_ACL)
    assert len(acls) == len(synth.acls.plan.acls) == 3
    vpc_id = _logical_id(synth.stack, synth.net.cfn_vpc)
    for tier, res in synth.acls.acls.items():
        lid = _logical_id(synth.stack, res)
        assert _ref(acls[lid]["Properties"]["VpcId"]) == vpc_id
        tags = {t["Key"]: t["Value"] for t in acls[lid]["Properties"]["Tags"]}
        assert tags["vpc-patterns:tier"] == tier and tags["Name"].endswith(f"/{tier}-acl")


def test_each_acl_holds_exactly_the_subnets_of_its_tier(synth: Synth) -> None:
    assocs = _of_type(synth.tpl, T_ASSOC)
    subnet_ids = set(_of_type(synth.tpl, T_SUBNET))
    acl_of_subnet: dict[str, str] = {}
    for a in assocs.values():
        sub = _ref(a["Properties"]["SubnetId"])
        assert sub not in acl_of_subnet, f"{sub} associated twice"
        acl_of_subnet[sub] = _ref(a["Properties"]["NetworkAclId"])
    assert set(acl_of_subnet) == subnet_ids  # every subnet, none left on the default ACL
    for s in synth.net.plan.subnets:
        sub = _logical_id(synth.stack, synth.net.subnets[s.construct_id])
        assert acl_of_subnet[sub] == _logical_id(synth.stack, synth.acls.acls[s.tier]), (
            s.construct_id
        )


def _entries_by_acl(synth: Synth) -> dict[str, dict[tuple[bool, int], dict]]:
    out: dict[str, dict[tuple[bool, int], dict]] = {}
    for e in _of_type(synth.tpl, T_ENTRY).values():
        p = e["Properties"]
        key = (bool(p.get("Egress", False)), p["RuleNumber"])
        acl = _ref(p["NetworkAclId"])
        assert key not in out.setdefault(acl, {}), f"duplicate rule {key} in {acl}"
        out[acl][key] = e
    return out


def test_entries_are_the_planned_rules_with_numbers_ports_and_directions(synth: Synth) -> None:
    entries = _entries_by_acl(synth)
    for acl in synth.acls.plan.acls:
        got = entries[_logical_id(synth.stack, synth.acls.acls[acl.tier])]
        assert set(got) == {(r.egress, r.number) for r in acl.rules}, acl.tier
        for r in acl.rules:
            e = got[(r.egress, r.number)]
            p = e["Properties"]
            assert p["Protocol"] == PROTOCOLS[r.protocol.value]
            assert p["RuleAction"] == r.action.value
            assert p["CidrBlock"] == r.cidr
            if r.ports is None:
                assert "PortRange" not in p
            else:
                assert p["PortRange"] == {"From": r.ports[0], "To": r.ports[1]}
            if r.protocol.value == "icmp":
                t, c = (-1, -1) if r.icmp is None else r.icmp
                assert p["Icmp"] == {"Code": c, "Type": t}
            else:
                assert "Icmp" not in p
            assert e["Metadata"]["vpc_patterns"]["description"] == r.description
            assert e["Metadata"]["vpc_patterns"]["origin"] == acl.origin(r)
            assert e["Metadata"]["vpc_patterns"]["reply"] is r.reply


def test_library_rules_mean_what_the_issue_asks(synth: Synth) -> None:
    plan = synth.net.plan
    entries = _entries_by_acl(synth)
    pub = entries[_logical_id(synth.stack, synth.acls.acls["public"])]
    inbound = {
        (p["Protocol"], json.dumps(p.get("PortRange")), p["CidrBlock"], p["RuleAction"])
        for p in (e["Properties"] for (eg, _), e in pub.items() if not eg)
    }
    assert (6, json.dumps({"From": 80, "To": 80}), "0.0.0.0/0", "allow") in inbound
    assert (6, json.dumps({"From": 443, "To": 443}), "0.0.0.0/0", "allow") in inbound
    for proto in (6, 17):  # replies from anywhere, on every ephemeral port but RDP's
        assert (proto, json.dumps({"From": 1024, "To": 3388}), "0.0.0.0/0", "allow") in inbound
        assert (proto, json.dumps({"From": 3390, "To": 65535}), "0.0.0.0/0", "allow") in inbound
    prv = entries[_logical_id(synth.stack, synth.acls.acls["private"])]
    assert prv[(False, 100)]["Properties"]["CidrBlock"] == plan.cidr
    iso = entries[_logical_id(synth.stack, synth.acls.acls["isolated"])]
    sources = {
        e["Properties"]["CidrBlock"]
        for (eg, _), e in iso.items()
        if not eg and e["Properties"]["RuleAction"] == "allow"
    }
    private_block = plan.tier_block("private").block
    public_block = plan.tier_block("public").block
    assert private_block in sources and plan.tier_block("isolated").block in sources
    # the only public-tier source is the user's health-check rule, on its one port
    from_public = [
        e["Properties"]
        for (eg, _), e in iso.items()
        if not eg and e["Properties"]["CidrBlock"] == public_block
    ]
    assert from_public == [{**from_public[0], "PortRange": {"From": 5432, "To": 5432}}]
    # the rest of the VPC is denied before the endpoint replies from anywhere
    deny = [n for (eg, n), e in iso.items() if not eg and e["Properties"]["RuleAction"] == "deny"]
    anyw = [
        n for (eg, n), e in iso.items() if not eg and e["Properties"]["CidrBlock"] == "0.0.0.0/0"
    ]
    assert deny and anyw and max(deny) < min(anyw)
    # ... and so is every private address range: peers and on-premises networks
    denied = {iso[(False, n)]["Properties"]["CidrBlock"] for n in deny}
    assert denied == {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"}
    assert {iso[(True, n)]["Properties"]["CidrBlock"] for (eg, n), e in iso.items()
            if eg and e["Properties"]["RuleAction"] == "deny"} == denied


def _ct_ec2_pr_5_violations(tpl: dict) -> list[str]:
    """CT.EC2.PR.5 as its guard rule reads a template: an inbound allow entry
    for 0.0.0.0/0 or ::/0 fails with protocol -1, TCP on a range holding 22 or
    3389, or UDP on one holding 3389 (or without a port range)."""
    bad = []
    for lid, e in _of_type(tpl, T_ENTRY).items():
        p = e["Properties"]
        if p.get("Egress") is True or p["RuleAction"] != "allow":
            continue
        if p.get("CidrBlock") != "0.0.0.0/0" and p.get("Ipv6CidrBlock") != "::/0":
            continue
        proto = int(p["Protocol"])
        ports = {6: (22, 3389), 17: (3389,)}.get(proto, ())
        rng = p.get("PortRange")
        if proto == -1 or (ports and rng is None) or any(
                int(rng["From"]) <= x <= int(rng["To"]) for x in ports):
            bad.append(lid)
    return bad


def test_no_entry_admits_ssh_or_rdp_from_anywhere(synth: Synth) -> None:
    """AWS Control Tower's proactive control CT.EC2.PR.5: the old public and
    private tiers admitted TCP/UDP 1024-65535 from 0.0.0.0/0 (3389 in it)."""
    assert _ct_ec2_pr_5_violations(synth.tpl) == []
    # the check does catch what it is about
    wide = {"Resources": {"E": {"Type": T_ENTRY, "Properties": {
        "RuleAction": "allow", "Protocol": 6, "CidrBlock": "0.0.0.0/0", "RuleNumber": 1,
        "PortRange": {"From": 1024, "To": 65535}, "NetworkAclId": "x"}}}}
    assert _ct_ec2_pr_5_violations(wide) == ["E"]


def _cfn_guard(dest: Path) -> tuple[Path, Path] | None:
    """The cfn-guard binary and the CT.EC2.PR.5 rule shipped in
    cdklabs-cdk-validator-cfnguard (requirements.txt), unpacked into ``dest``."""
    from vpc_patterns.check import gates

    if gates.bundle_archive() is None:
        return None
    guard, rules = gates.unpack_guard(dest)
    return guard, rules / "ec2" / "ct-ec2-pr-5.guard"


def test_cfn_guard_ct_ec2_pr_5_passes(synth: Synth, tmp_path: Path) -> None:
    """The real guard rule, when the validator package is installed."""
    import subprocess

    found = _cfn_guard(tmp_path / "guard")
    if found is None:
        pytest.skip("cdklabs-cdk-validator-cfnguard is not installed (pip): no cfn-guard binary")
    guard, rule = found
    path = tmp_path / "nacl.template.json"
    path.write_text(json.dumps(synth.tpl))
    run = subprocess.run([str(guard), "validate", "--rules", str(rule), "--data", str(path),
                          "--show-summary", "fail"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_fragmentation_needed_is_admitted_from_anywhere(synth: Synth) -> None:
    entries = _entries_by_acl(synth)
    for tier, expected in (("public", [{"Type": 3, "Code": 4}]),
                           ("private", [{"Type": 3, "Code": 4}]), ("isolated", [])):
        got = entries[_logical_id(synth.stack, synth.acls.acls[tier])]
        icmp = [e for (eg, _), e in got.items()
                if not eg and e["Properties"]["Protocol"] == 1
                and e["Properties"]["CidrBlock"] == "0.0.0.0/0"]
        assert [e["Properties"]["Icmp"] for e in icmp] == expected, tier
        assert all(e["Metadata"]["vpc_patterns"]["reply"] is True for e in icmp)


def test_user_deny_list_runs_before_every_library_rule(synth: Synth) -> None:
    pub = _entries_by_acl(synth)[_logical_id(synth.stack, synth.acls.acls["public"])]
    for egress in (False, True):
        numbers = sorted(n for (eg, n) in pub if eg == egress)
        assert numbers[0] == 50
        first = pub[(egress, 50)]["Properties"]
        assert (first["RuleAction"], first["Protocol"], first["CidrBlock"]) == (
            "deny",
            -1,
            "198.51.100.0/24",
        )
        assert numbers[1:] == [100 * i for i in range(1, len(numbers))]


def test_logical_ids_follow_direction_and_number(synth: Synth) -> None:
    entry = synth.acls.entries[("public", False, 500)]
    assert entry.node.id == "Ingress500" and entry.node.scope is synth.acls.acls["public"]
    assert synth.acls.entries[("public", True, 50)].node.id == "Egress50"


def test_plan_is_clean_and_the_user_flow_has_its_reply(synth: Synth) -> None:
    assert synth.acls.plan.findings == ()
    Annotations.from_stack(synth.stack).has_no_warning("*", Match.string_like_regexp("nacl"))


def test_findings_become_warnings_on_the_acl(synth: Synth) -> None:
    [f] = synth.noisy.plan.findings
    assert f.kind.value == "redundant"
    path = "/" + synth.noisy.acls["public"].node.path
    Annotations.from_stack(synth.noisy_stack).has_warning(
        path, Match.string_like_regexp(r"user inbound rule 5000 .* never matches")
    )


# ---------------------------------------------------------------- compliance gates

PACKS = (
    cdk_nag.AwsSolutionsChecks,
    cdk_nag.NIST80053R5Checks,
    cdk_nag.HIPAASecurityChecks,
    cdk_nag.PCIDSS321Checks,
)


def test_no_nag_finding_on_the_acls_in_any_of_the_four_packs(synth: Synth) -> None:
    prefix = synth.acls.node.path + "/"
    for pack in PACKS:
        report = pack().validate_scope(synth.stack)
        ours = [
            (v.rule_name, r.construct_path)
            for v in report.violations
            for r in v.violating_resources
            if r.construct_path.startswith(prefix)
        ]
        assert ours == [], pack.__name__


def test_vpc3_is_acknowledged_per_acl_with_its_reason(synth: Synth) -> None:
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    for res in synth.acls.acls.values():
        acks = [m.data for m in res.node.metadata if m.type == key]
        assert any(
            VPC3_REASON in d.values() and any(k.endswith("AwsSolutions-VPC3") for k in d)
            for d in acks
        )
    # nothing else of ours is acknowledged: entries inherit from their ACL only
    for entry in synth.acls.entries.values():
        assert not [m for m in entry.node.metadata if m.type == key]
    assert not [m for m in synth.acls.node.metadata if m.type == key]


def test_cfn_lint_is_clean(synth: Synth, tmp_path: Path) -> None:
    path = tmp_path / "nacl.template.json"
    path.write_text(json.dumps(synth.tpl))
    assert cfn_lint(path) == []


# ---------------------------------------------------------------- ConfigError


@pytest.fixture()
def scratch(cdk_context: dict) -> tuple[Stack, BestPracticeVpc]:
    stack = Stack(App(context=cdk_context), "Scratch")
    return stack, vpc_without_acls(
        stack, "Net", max_azs=1, flow_log=False, restrict_default_security_group=False
    )


def test_number_clash_is_refused_before_any_resource(
    scratch: tuple[Stack, BestPracticeVpc],
) -> None:
    stack, net = scratch
    clash = AclRule(100, "deny", "tcp", (22, 22), "0.0.0.0/0", description="Clashing rule")
    with pytest.raises(ConfigError, match=r"user inbound rule 100 .* library inbound rule 100"):
        TierNetworkAcls(stack, "Acls", network=net, user_rules={"private": [clash]})
    assert stack.node.try_find_child("Acls") is None


def test_port_range_out_of_order_names_the_range() -> None:
    with pytest.raises(ConfigError, match=r"port range 8080-80 is out of order"):
        AclRule(120, "allow", "tcp", (8080, 80), "10.0.0.0/8", description="Backwards")


def test_acl_plan_with_options_or_for_another_vpc_is_refused(
    scratch: tuple[Stack, BestPracticeVpc],
) -> None:
    stack, net = scratch
    good = plan_acls(net.plan)
    with pytest.raises(ConfigError, match="acl_plan is given together with public_ingress_ports"):
        TierNetworkAcls(stack, "A1", network=net, acl_plan=good, public_ingress_ports=(443,))
    other = plan_acls(plan_network(cidr="10.99.0.0/16", max_azs=1))
    with pytest.raises(ConfigError, match=r"made for VPC 10.99.0.0/16, but network is 10.0.0.0/16"):
        TierNetworkAcls(stack, "A2", network=net, acl_plan=other)
    wider = plan_acls(plan_network(max_azs=2))
    with pytest.raises(
        ConfigError, match=r"names subnet 'PublicAz2', which the network does not have"
    ):
        TierNetworkAcls(stack, "A3", network=net, acl_plan=wider)
    with pytest.raises(ConfigError, match="is not a BestPracticeVpc"):
        TierNetworkAcls(stack, "A4", network=stack)
    built = TierNetworkAcls(stack, "A5", network=net, acl_plan=good)
    assert isinstance(built.plan, AclPlan) and built.plan is good
    # an option given at plan_acls's own default is no conflict
    same = TierNetworkAcls(stack, "A7", network=net, acl_plan=good, internet_icmp=False,
                           ephemeral_ports=EPHEMERAL_PORTS, max_rules_per_direction=20,
                           icmp_echo=False, remote_admin_ports=(22, 3389))
    assert same.plan is good
    with pytest.raises(ConfigError, match="acl_plan is given together with icmp_echo"):
        TierNetworkAcls(stack, "A8", network=net, acl_plan=good, icmp_echo=True)
    # a subnet holds one ACL: a network that already has its ACLs is refused
    net.network_acls = built  # what BestPracticeVpc(network_acls=True) sets
    with pytest.raises(ConfigError, match="already has network ACLs; give your rules to it"):
        TierNetworkAcls(stack, "A6", network=net)


def test_new_options_reach_the_plan_and_the_entries(
    scratch: tuple[Stack, BestPracticeVpc],
) -> None:
    stack, net = scratch
    built = TierNetworkAcls(stack, "Acls", network=net, icmp_echo=True, remote_admin_ports=(),
                            private_address_ranges=("172.16.0.0/12",))
    assert built.plan == plan_acls(net.plan, icmp_echo=True, remote_admin_ports=(),
                                   private_address_ranges=("172.16.0.0/12",))
    tpl = Template.from_stack(stack).to_json()
    entries = {(e["Properties"]["NetworkAclId"]["Ref"], e["Properties"].get("Egress", False),
                e["Properties"]["RuleNumber"]): e["Properties"]
               for e in _of_type(tpl, T_ENTRY).values()}
    priv = stack.resolve(built.acls["private"].logical_id)
    echo = [p for (acl, eg, _), p in entries.items()
            if acl == priv and eg and p["Protocol"] == 1]
    assert [p["Icmp"] for p in echo] == [{"Type": 8, "Code": -1}]
    # remote_admin_ports=(): one reply range again (and CT.EC2.PR.5 would flag it)
    assert any(p.get("PortRange") == {"From": 1024, "To": 65535} and p["CidrBlock"] == "0.0.0.0/0"
               for (acl, eg, _), p in entries.items() if acl == priv and not eg)
    iso = stack.resolve(built.acls["isolated"].logical_id)
    assert {p["CidrBlock"] for (acl, eg, _), p in entries.items()
            if acl == iso and not eg and p["RuleAction"] == "deny"} == {"10.0.0.0/16",
                                                                        "172.16.0.0/12"}
