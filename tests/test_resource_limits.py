"""count_vpc_resources against what BestPracticeVpc synthesizes, the
500-resources-per-stack check and the warning at 80% of it, and names too
long for EC2's tag values and descriptions."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, Tier, plan_network
from vpc_patterns.build.vpc import STACK_RESOURCES_WARNING
from vpc_patterns.plan.limits import (
    MAX_STACK_RESOURCES,
    WARN_STACK_RESOURCES,
    check_generated_names,
    count_vpc_resources,
    stack_resources_warning,
)
from vpc_patterns.plan.nacl import plan_acls

LAYOUTS: dict[str, dict[str, Any]] = {
    "default": {},
    "nat-instances-reserved-tier": dict(
        max_azs=3, nat=NatProvider.instances(),
        tiers=[Tier("web", "public"), Tier("app", "private"), Tier("db", "isolated"),
               Tier("spare", "isolated", reserved=True)]),
    "regional-nat-manual-no-acls-no-logs": dict(
        max_azs=2, nat=NatProvider.regional_gateway(az_addresses={0: 2, 1: 1}),
        tiers=[Tier("app", "private")], network_acls=False, flow_log=False,
        restrict_default_security_group=False),
}
_PLAN_KEYS = ("cidr", "max_azs", "tiers", "nat", "gateway_endpoints")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_count_matches_synthesized_template(layout: str) -> None:
    kw = LAYOUTS[layout]
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="us-east-1"))
    BestPracticeVpc(stack, "Net", **kw)
    template = app.synth().get_stack_by_name("S").template
    plan = plan_network(**{k: v for k, v in kw.items() if k in _PLAN_KEYS})
    acl_plan = plan_acls(plan) if kw.get("network_acls", True) else None
    counts = count_vpc_resources(
        plan, acl_plan=acl_plan, flow_log=kw.get("flow_log", True),
        restrict_default_security_group=kw.get("restrict_default_security_group", True))
    assert sum(counts.values()) == len(template["Resources"])
    types = [r["Type"] for r in template["Resources"].values()]
    assert counts["subnets"] == types.count("AWS::EC2::Subnet")
    assert counts["routes"] == types.count("AWS::EC2::Route")
    assert counts.get("network ACL entries", 0) == types.count("AWS::EC2::NetworkAclEntry")


def test_default_count_by_reasoning() -> None:
    # 3 AZs x (public, private, isolated): 9 subnets and associations, 5 route
    # tables (1 public, 3 private, 1 isolated), 4 default routes, 3 NAT
    # gateways with 3 EIPs, the IGW and its attachment, 2 gateway endpoints.
    counts = count_vpc_resources(plan_network())
    assert counts["subnets"] == 9 and counts["route tables"] == 5
    assert counts["routes"] == 4 and counts["NATs"] == 6
    assert sum(counts.values()) == 1 + 2 + 9 + 5 + 9 + 4 + 6 + 2


def test_forty_tiers_in_six_azs_exceed_one_stack() -> None:
    tiers = [Tier(f"t{i}", "isolated", 26) for i in range(40)]
    with pytest.raises(ConfigError, match=r"needs 523 CloudFormation resources.*at most 500.*"
                                          r"another stack"):
        plan_network(max_azs=6, tiers=tiers)


def test_acls_push_a_network_over_the_limit_in_the_construct() -> None:
    tiers = [Tier(f"t{i}", "isolated", 26) for i in range(25)]
    plan = plan_network(max_azs=6, tiers=tiers)
    base = sum(count_vpc_resources(plan).values())
    assert base <= MAX_STACK_RESOURCES  # the network alone fits
    full = count_vpc_resources(plan, acl_plan=plan_acls(plan), flow_log=True,
                               restrict_default_security_group=True)
    assert sum(full.values()) > MAX_STACK_RESOURCES
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ConfigError, match=r"CloudFormation resources.*at most 500"):
        BestPracticeVpc(stack, "Net", max_azs=6, tiers=tiers)
    assert stack.node.try_find_child("Net") is None


def test_name_too_long_for_name_tag() -> None:
    plan = plan_network()
    check_generated_names(plan, "n" * 200)  # the longest suffix is short
    long_tier = plan_network(tiers=[Tier("a" * 32, "isolated")],
                             availability_zones=["ap-southeast-2a", "ap-southeast-2b"])
    # "<name>/<32 a's>-ap-southeast-2a" is len(name) + 49 characters
    check_generated_names(long_tier, "n" * 207)
    with pytest.raises(ConfigError, match=r"name 'n+'\.\.\. \(208 characters\) makes the Name "
                                          r"tag 257 characters long; EC2 accepts at most 256"):
        check_generated_names(long_tier, "n" * 208)


def test_name_too_long_for_nat_instance_description_in_construct() -> None:
    # "Fixed NAT interface of <name>/nat-az3; private routes point here":
    # 23 + len(name) + 8 + 27 characters, at most 255: name <= 197
    nat = NatProvider.instances()
    check_generated_names(plan_network(nat=nat), "n" * 197)
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ConfigError, match="NAT instance interface Description 256 characters"):
        BestPracticeVpc(stack, "Net", nat=nat, name="n" * 198)


def test_warning_from_80_percent_of_the_quota_up_to_it() -> None:
    assert WARN_STACK_RESOURCES == 400 == MAX_STACK_RESOURCES * 0.8
    assert stack_resources_warning({"subnets": 200, "routes": 199}) is None
    at = stack_resources_warning({"subnets": 210, "route table associations": 190})
    assert at is not None and at.startswith("the network needs 400 of the 500 ")
    assert "(80%: subnets 210, route table associations 190, ...)" in at
    full = stack_resources_warning({"subnets": 500})
    assert full is not None and "500 of the 500" in full and "(100%" in full
    # Over the quota it is an error, not a warning (check_stack_resources).
    assert stack_resources_warning({"subnets": 501}) is None


def test_a_network_at_80_percent_warns_with_its_count_and_what_to_split() -> None:
    # 31 isolated tiers in 6 AZs, no ACLs, flow log or default-SG restriction:
    # 186 subnets and as many associations, 31 route tables, the VPC and the
    # two gateway endpoints.
    kw: dict[str, Any] = dict(
        max_azs=6, tiers=[Tier(f"t{i}", "isolated", 26) for i in range(31)],
        network_acls=False, flow_log=False, restrict_default_security_group=False)
    app = cdk.App()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="us-east-1"))
    BestPracticeVpc(stack, "Net", **kw)
    assert len(app.synth().get_stack_by_name("S").template["Resources"]) == 406
    (warning,) = Annotations.from_stack(stack).find_warning("/S/Net", Match.any_value())
    text = warning.entry.data
    assert "needs 406 of the 500 CloudFormation resources" in text
    assert "subnets 186" in text and "route table associations 186" in text
    for advice in ("interface endpoints", "another stack", "fewer AZs (max_azs) or tiers"):
        assert advice in text
    assert STACK_RESOURCES_WARNING in text  # the id to acknowledge it with


def test_the_default_network_does_not_warn() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    BestPracticeVpc(stack, "Net")
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []
