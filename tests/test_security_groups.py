"""Security groups: declarations validated in pure Python, built as declared.

The construct half synthesizes one stack once for the module: a three-tier
workload (internet-facing load balancer, app, database) in a BestPracticeVpc,
plus an existing group referenced by id. Expectations come from the specs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk_nag
import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_ec2 as ec2

from vpc_patterns import BestPracticeVpc, ConfigError
from vpc_patterns.build.security_groups import NO_EGRESS_CIDR, WorkloadSecurityGroups
from vpc_patterns.plan.security_groups import (
    MAX_RULES_PER_DIRECTION,
    MAX_SECURITY_GROUPS_PER_INTERFACE,
    SecurityGroupSpec,
    SgPeer,
    SgRule,
    check_interface_security_groups,
    nag_rule_ids,
    plan_security_groups,
)

from .lint_helpers import cfn_lint

WORLD_REASON = "Internet-facing load balancer of the public web site; TLS terminates here"
GOSSIP_REASON = "Cluster membership protocol negotiates TCP and UDP ports at run time"
S3_PREFIX_LIST = "pl-63a5400a"
EXISTING_SG = "sg-0123456789abcdef0"


def specs() -> list[SecurityGroupSpec]:
    lb = SecurityGroupSpec(
        "lb",
        "Internet-facing load balancer",
        ingress=[
            SgRule("0.0.0.0/0", 443, "HTTPS from the internet", open_to_world_reason=WORLD_REASON),
            SgRule(
                "::/0", 443, "HTTPS from the internet over IPv6", open_to_world_reason=WORLD_REASON
            ),
        ],
        egress=[SgRule(SgPeer.group("app"), 8080, "To the app tier")],
    )
    app = SecurityGroupSpec(
        "app",
        "Application tier",
        ingress=[
            SgRule(SgPeer.group("lb"), 8080, "From the load balancer"),
            SgRule(
                SgPeer.group("app"),
                None,
                "Gossip between app nodes",
                protocol="all",
                all_protocols_reason=GOSSIP_REASON,
            ),
            SgRule(EXISTING_SG, (9100, 9100), "Metrics scraped by the shared monitoring group"),
        ],
        egress=[
            SgRule(S3_PREFIX_LIST, 443, "HTTPS to S3 through the gateway endpoint"),
            SgRule(SgPeer.group("db"), 5432, "PostgreSQL"),
        ],
    )
    db = SecurityGroupSpec(
        "db",
        "Database tier",
        ingress=[
            SgRule(SgPeer.group("app"), 5432, "PostgreSQL from the app tier"),
            SgRule(
                "10.30.0.0/16", None, "ICMP from the VPC for path MTU discovery", protocol="icmp"
            ),
        ],
    )
    return [lb, app, db]


# ================================================================ pure validation


def test_open_ingress_without_a_reason_is_refused_naming_the_rule() -> None:
    for world in ("0.0.0.0/0", "::/0"):
        with pytest.raises(ConfigError) as err:
            SecurityGroupSpec("web", "Web servers", ingress=[SgRule(world, 443, "HTTPS for all")])
        msg = str(err.value)
        assert "security group 'web' ingress rule 'HTTPS for all'" in msg
        assert f"open to the world ({world})" in msg and "open_to_world_reason" in msg


def test_open_egress_needs_no_reason_and_a_reason_on_a_closed_rule_is_refused() -> None:
    SecurityGroupSpec("web", "Web servers", egress=[SgRule("0.0.0.0/0", 443, "HTTPS out")])
    with pytest.raises(
        ConfigError, match=r"'Partners' .* has open_to_world_reason but is not ingress"
    ):
        SecurityGroupSpec(
            "web",
            "Web servers",
            ingress=[SgRule("192.0.2.0/24", 443, "Partners", open_to_world_reason=WORLD_REASON)],
        )


def test_reasons_must_be_specific() -> None:
    with pytest.raises(
        ConfigError, match=r"open_to_world_reason 'needed' is too short; give at least 40"
    ):
        SgRule("0.0.0.0/0", 443, "HTTPS", open_to_world_reason="needed")


def test_protocol_all_is_refused_without_a_reason() -> None:
    with pytest.raises(ConfigError) as err:
        SecurityGroupSpec(
            "app", "App", ingress=[SgRule(SgPeer.group("app"), None, "Everything", protocol="all")]
        )
    assert "'app' ingress rule 'Everything' (all from group app) uses protocol 'all'" in str(
        err.value
    )
    with pytest.raises(
        ConfigError, match="all_protocols_reason is given but the protocol is 'tcp'"
    ):
        SgRule("10.0.0.0/8", 443, "HTTPS", all_protocols_reason=GOSSIP_REASON)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(ports=(8080, 80)), "port range 8080-80 is out of order; write it as (80, 8080)"),
        (dict(ports=70000), "port 70000 is out of range; accepted 0..65535"),
        (dict(ports=None), "ports None must be a port or a pair (from, to) for tcp"),
        (dict(ports=22, protocol="icmp"), "ports 22 given for protocol 'icmp'"),
        (dict(protocol="sctp"), "protocol 'sctp' is unknown; accepted: tcp, udp, icmp, all"),
        (dict(description=""), "description '' is required"),
        (dict(description="Bob's access"), 'contains "\'", which EC2 refuses'),
        (dict(description="x" * 256), "description is 256 characters; at most 255"),
        (dict(peer="10.0.0.1/8"), "peer CIDR '10.0.0.1/8' has host bits set"),
        (dict(peer="app"), "to name a SecurityGroupSpec use SgPeer.group('app')"),
        (dict(peer="pl-xyz"), "managed prefix list id 'pl-xyz' is not of the form"),
        (dict(peer=42), "peer 42 must be a CIDR, a prefix list id, a SecurityGroupSpec"),
    ],
)
def test_bad_rule_raises_config_error_naming_the_value(kwargs: dict, fragment: str) -> None:
    args: dict[str, Any] = dict(peer="10.0.0.0/8", ports=443, description="A rule")
    args.update(kwargs)
    with pytest.raises(ConfigError) as err:
        SgRule(**args)
    assert fragment in str(err.value)


def test_group_level_checks() -> None:
    with pytest.raises(ConfigError, match="security group name 'web tier' is not accepted"):
        SecurityGroupSpec("web tier", "Web")
    with pytest.raises(ConfigError, match=r"security group 'web': description '' is required"):
        SecurityGroupSpec("web", "")
    dup = [SgRule("10.0.0.0/8", 443, "HTTPS"), SgRule("10.0.0.0/8", (443, 443), "HTTPS again")]
    with pytest.raises(ConfigError, match=r"'HTTPS again' .* duplicates rule 'HTTPS'"):
        SecurityGroupSpec("web", "Web", ingress=dup)
    many = [
        SgRule("10.0.0.0/8", p, f"Port {p}")
        for p in range(1000, 1000 + MAX_RULES_PER_DIRECTION + 1)
    ]
    with pytest.raises(ConfigError, match=r"'web' has 61 ingress rules; AWS's quota is 60"):
        SecurityGroupSpec("web", "Web", ingress=many)
    with pytest.raises(ConfigError, match="ingress must be a list of SgRule"):
        one = SgRule("10.0.0.0/8", 443, "HTTPS")
        SecurityGroupSpec("web", "Web", ingress=one)  # type: ignore[arg-type]


def test_set_level_checks() -> None:
    a = SecurityGroupSpec("app", "App")
    with pytest.raises(ConfigError, match="name 'App' duplicates 'app'"):
        plan_security_groups([a, SecurityGroupSpec("App", "Other")])
    orphan = SecurityGroupSpec("db", "Db", ingress=[SgRule(SgPeer.group("cache"), 6379, "Redis")])
    with pytest.raises(
        ConfigError, match="names group 'cache', which is not in the set; groups: app, db"
    ):
        plan_security_groups([a, orphan])
    outside = SecurityGroupSpec(
        "db", "Db", ingress=[SgRule(SecurityGroupSpec("cache", "Cache"), 6379, "Redis")]
    )
    with pytest.raises(
        ConfigError, match="names group spec 'cache', which is not among the groups"
    ):
        plan_security_groups([a, outside])
    with pytest.raises(ConfigError, match="groups is empty"):
        plan_security_groups([])


def test_references_are_by_group_and_resolved() -> None:
    plan = plan_security_groups(specs())
    app_in = plan.rules_of("app", ingress=True)
    assert [(r.peer_group, r.inline) for r in app_in] == [
        ("lb", False),
        ("app", False),
        (None, False),
    ]
    assert app_in[2].rule.peer.value == EXISTING_SG
    app_out = plan.rules_of("app", ingress=False)
    assert [(r.rule.peer.kind.value, r.inline) for r in app_out] == [
        ("prefix-list", True),
        ("group", False),
    ]
    # a spec object works as well as its name
    group_set = specs()
    viaobj = SecurityGroupSpec("web", "Web", ingress=[SgRule(group_set[0], 443, "From the LB")])
    assert plan_security_groups(group_set + [viaobj]).rules_of("web")[0].peer_group == "lb"


def test_nag_findings_a_rule_causes() -> None:
    def ids(peer: str, ports: Any, proto: str = "tcp", ingress: bool = True, **kw: Any) -> set[str]:
        r = SgRule(peer, ports, "A rule", protocol=proto, **kw)
        return set(nag_rule_ids(r, ingress=ingress))

    w = dict(open_to_world_reason=WORLD_REASON)
    packs = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
    assert ids("0.0.0.0/0", 443, **w) == {"AwsSolutions-EC23"}
    assert ids("0.0.0.0/0", 22, **w) == {"AwsSolutions-EC23"} | {
        f"{p}-EC2RestrictedSSH" for p in packs
    }
    assert ids("0.0.0.0/0", 3306, **w) == {"AwsSolutions-EC23"} | {
        f"{p}-EC2RestrictedCommonPorts" for p in packs
    }
    assert ids("0.0.0.0/0", None, "icmp", **w) == {"AwsSolutions-EC23"} | {
        f"{p}-EC2RestrictedSSH" for p in packs
    }
    assert ids("10.0.0.0/8", None, "all", all_protocols_reason=GOSSIP_REASON) == {
        f"{p}-EC2RestrictedCommonPorts" for p in packs
    }
    assert ids("10.0.0.0/8", 22) == set()
    assert ids("0.0.0.0/0", 22, ingress=False) == set()


# ================================================================ five per interface


def test_five_groups_per_interface() -> None:
    five = [f"sg-0000000000000000{i}" for i in range(5)]
    assert check_interface_security_groups(five, "Net/NatAz1/Interface") == tuple(five)
    assert (
        len(check_interface_security_groups(five + [five[0]], "eni")) == 5
    )  # a repeat counts once
    with pytest.raises(ConfigError) as err:
        check_interface_security_groups(five + ["sg-0000000000000000f"], "Net/NatAz1/Interface")
    msg = str(err.value)
    assert "network interface 'Net/NatAz1/Interface' would have 6 security groups" in msg
    assert f"AWS allows {MAX_SECURITY_GROUPS_PER_INTERFACE} per network interface" in msg
    assert (
        len(check_interface_security_groups(five + ["sg-0000000000000000f"], "eni", limit=16)) == 6
    )
    with pytest.raises(ConfigError, match=r"limit 17 must be 1\.\.16"):
        check_interface_security_groups(five, "eni", limit=17)
    with pytest.raises(ConfigError, match="where '' must name the network interface"):
        check_interface_security_groups(five, "")


# ================================================================ construct


@dataclass
class Synth:
    stack: Stack
    net: BestPracticeVpc
    sgs: WorkloadSecurityGroups
    tpl: dict[str, Any]

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)

    def res(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]


@pytest.fixture(scope="module")
def synth(cdk_context: dict) -> Synth:
    app = App(context=cdk_context)
    stack = Stack(app, "SgStack")
    net = BestPracticeVpc(stack, "Net", cidr="10.30.0.0/16", max_azs=2)
    sgs = WorkloadSecurityGroups(stack, "Workload", network=net, groups=specs())
    from aws_cdk.assertions import Template

    return Synth(stack, net, sgs, Template.from_stack(stack).to_json())


def _of_type(tpl: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] == type_}


def test_one_group_per_spec_in_the_vpc_with_its_description(synth: Synth) -> None:
    assert len(_of_type(synth.tpl, "AWS::EC2::SecurityGroup")) == 3
    vpc = synth.lid(synth.net.cfn_vpc)
    for spec in specs():
        p = synth.res(synth.sgs.cfn_groups[spec.name])["Properties"]
        assert p["GroupDescription"] == spec.description
        assert p["VpcId"] == {"Ref": vpc}
        assert {"Key": "Name", "Value": f"{synth.net.node.path}/{spec.name}"} in p["Tags"]


def test_no_group_keeps_the_default_allow_all_egress(synth: Synth) -> None:
    for name, group in synth.sgs.cfn_groups.items():
        egress = synth.res(group)["Properties"]["SecurityGroupEgress"]
        assert egress, name  # present, so AWS adds no allow-all rule
        assert all(e.get("CidrIp") != "0.0.0.0/0" for e in egress)
    for name in ("lb", "db"):  # no CIDR/prefix-list egress: the match-nothing rule
        [e] = synth.res(synth.sgs.cfn_groups[name])["Properties"]["SecurityGroupEgress"]
        assert (e["CidrIp"], e["IpProtocol"], e["FromPort"], e["ToPort"]) == (
            NO_EGRESS_CIDR,
            "icmp",
            252,
            86,
        )


def test_cidr_and_prefix_list_rules_are_inline_with_descriptions(synth: Synth) -> None:
    lb = synth.res(synth.sgs.cfn_groups["lb"])["Properties"]["SecurityGroupIngress"]
    assert sorted(
        (
            r.get("CidrIp") or r.get("CidrIpv6"),
            r["IpProtocol"],
            r["FromPort"],
            r["ToPort"],
            r["Description"],
        )
        for r in lb
    ) == [
        ("0.0.0.0/0", "tcp", 443, 443, "HTTPS from the internet"),
        ("::/0", "tcp", 443, 443, "HTTPS from the internet over IPv6"),
    ]
    [out] = synth.res(synth.sgs.cfn_groups["app"])["Properties"]["SecurityGroupEgress"]
    assert out == {
        "DestinationPrefixListId": S3_PREFIX_LIST,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "Description": "HTTPS to S3 through the gateway endpoint",
    }
    [icmp] = synth.res(synth.sgs.cfn_groups["db"])["Properties"]["SecurityGroupIngress"]
    assert (icmp["IpProtocol"], icmp["FromPort"], icmp["ToPort"], icmp["CidrIp"]) == (
        "icmp",
        -1,
        -1,
        "10.30.0.0/16",
    )


def test_group_rules_reference_groups_not_addresses(synth: Synth) -> None:
    gid = {n: synth.lid(g) for n, g in synth.sgs.cfn_groups.items()}
    ingress = [
        r["Properties"] for r in _of_type(synth.tpl, "AWS::EC2::SecurityGroupIngress").values()
    ]
    egress = [
        r["Properties"] for r in _of_type(synth.tpl, "AWS::EC2::SecurityGroupEgress").values()
    ]

    def src(p: dict) -> str:
        v = p.get("SourceSecurityGroupId") or p.get("DestinationSecurityGroupId")
        return v if isinstance(v, str) else v["Fn::GetAtt"][0]

    def grp(p: dict) -> str:
        return p["GroupId"]["Fn::GetAtt"][0]

    got_in = sorted(
        (grp(p), src(p), p["IpProtocol"], p.get("FromPort"), p["Description"]) for p in ingress
    )
    assert got_in == sorted(
        [
            (gid["app"], gid["lb"], "tcp", 8080, "From the load balancer"),
            (gid["app"], gid["app"], "-1", None, "Gossip between app nodes"),
            (
                gid["app"],
                EXISTING_SG,
                "tcp",
                9100,
                "Metrics scraped by the shared monitoring group",
            ),
            (gid["db"], gid["app"], "tcp", 5432, "PostgreSQL from the app tier"),
        ]
    )
    got_out = sorted((grp(p), src(p), p["IpProtocol"], p["FromPort"]) for p in egress)
    assert got_out == sorted(
        [(gid["lb"], gid["app"], "tcp", 8080), (gid["app"], gid["db"], "tcp", 5432)]
    )
    for p in ingress + egress:
        assert "CidrIp" not in p and "CidrIpv6" not in p


def _acks(construct: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in construct.node.metadata:
        if m.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
            out.update({k.split("::")[-1]: v for k, v in m.data.items()})
    return out


def test_reasons_become_acknowledgments_on_that_resource_only(synth: Synth) -> None:
    lb = _acks(synth.sgs.cfn_groups["lb"])
    assert set(lb) == {"AwsSolutions-EC23"} and WORLD_REASON in lb["AwsSolutions-EC23"]
    gossip = synth.sgs.rule_resources[("app", "ingress", 1)]
    acks = _acks(gossip)
    assert set(acks) == {
        f"{p}-EC2RestrictedCommonPorts" for p in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
    }
    assert all(GOSSIP_REASON in v and "Gossip between app nodes" in v for v in acks.values())
    for name in ("app", "db"):
        assert _acks(synth.sgs.cfn_groups[name]) == {}
    assert _acks(synth.sgs) == {}


def test_no_unacknowledged_nag_finding_in_any_of_the_four_packs(synth: Synth) -> None:
    prefix = synth.sgs.node.path + "/"
    for pack in (
        cdk_nag.AwsSolutionsChecks,
        cdk_nag.NIST80053R5Checks,
        cdk_nag.HIPAASecurityChecks,
        cdk_nag.PCIDSS321Checks,
    ):
        report = pack().validate_scope(synth.stack)
        ours = [
            (v.rule_name, r.construct_path)
            for v in report.violations
            for r in v.violating_resources
            if r.construct_path.startswith(prefix)
        ]
        assert ours == [], pack.__name__


def test_for_interface_hands_out_checked_groups(synth: Synth) -> None:
    got = synth.sgs.for_interface("Workload/AppInstance", "app", "db")
    assert got == [synth.sgs.groups["app"], synth.sgs.groups["db"]]
    extra = [
        ec2.SecurityGroup.from_security_group_id(
            synth.stack, f"Extra{i}", f"sg-0000000000000000{i}"
        )
        for i in range(4)
    ]
    with pytest.raises(ConfigError, match=r"'Workload/AppInstance' would have 6 security groups"):
        synth.sgs.for_interface("Workload/AppInstance", "app", "db", *extra)
    with pytest.raises(ConfigError, match="security group 'cache' is not in this set"):
        synth.sgs.for_interface("x", "cache")


def test_existing_isecuritygroup_as_peer(cdk_context: dict) -> None:
    stack = Stack(App(context=cdk_context), "Ext")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-12345678", availability_zones=["us-east-1a"]
    )
    shared = ec2.SecurityGroup.from_security_group_id(stack, "Shared", "sg-0fedcba9876543210")
    sgs = WorkloadSecurityGroups(
        stack,
        "W",
        vpc=vpc,
        groups=[
            SecurityGroupSpec(
                "svc", "Service", ingress=[SgRule(shared, 443, "HTTPS from the shared group")]
            ),
        ],
    )
    res = sgs.rule_resources[("svc", "ingress", 0)]
    assert stack.resolve(res.source_security_group_id) == "sg-0fedcba9876543210"
    with pytest.raises(ConfigError, match="give exactly one of network="):
        WorkloadSecurityGroups(stack, "W2", groups=[SecurityGroupSpec("x", "X")])


def test_bad_specs_raise_before_any_resource(cdk_context: dict) -> None:
    stack = Stack(App(context=cdk_context), "Bad")
    net = BestPracticeVpc(
        stack, "Net", max_azs=1, flow_log=False, restrict_default_security_group=False
    )
    with pytest.raises(ConfigError, match="open to the world"):
        WorkloadSecurityGroups(
            stack,
            "W",
            network=net,
            groups=[SecurityGroupSpec("web", "Web", ingress=[SgRule("0.0.0.0/0", 80, "HTTP")])],
        )
    assert stack.node.try_find_child("W") is None


def test_cfn_lint_is_clean(synth: Synth, tmp_path: Path) -> None:
    path = tmp_path / "sg.template.json"
    path.write_text(json.dumps(synth.tpl))
    assert cfn_lint(path) == []


@pytest.mark.parametrize("cidr", ["0.0.0.0/1", "128.0.0.0/1", "64.0.0.0/3", "2000::/3"])
def test_internet_wide_ranges_need_a_reason_too(cidr: str) -> None:
    # Splitting 0.0.0.0/0 into halves must not dodge the open-ingress check.
    from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgRule, plan_security_groups

    with pytest.raises(ConfigError, match=rf"open to the world \({re.escape(cidr)}\)"):
        spec = SecurityGroupSpec("web", "Web servers", ingress=[SgRule(cidr, 443, "HTTPS")])
        plan_security_groups([spec])
