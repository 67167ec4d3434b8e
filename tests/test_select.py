"""Selection that cannot surprise: ``net.select(tier)`` is exactly one tier,
and a selection by subnet type that spans two tiers of one type warns at synth.

A layout with two isolated tiers (``data`` and ``cache``) is where
``SubnetSelection(subnet_type=PRIVATE_ISOLATED)`` gives a database subnet
group both tiers: AWS would then place the database in any of six subnets,
three of which the cache tier's ACL and routes were meant for. One App,
synthesized once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import Annotations as CdkAnnotations
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Annotations, Match, Template

from vpc_patterns import BestPracticeVpc, ConfigError, Tier
from vpc_patterns.build.selection import SELECTION_WARNING_ID

TIERS = [
    Tier("public", "public"),
    Tier("app", "private"),
    Tier("data", "isolated", cidr_mask=24),
    Tier("cache", "isolated", cidr_mask=24),
    Tier("later", "isolated", cidr_mask=24, reserved=True),
]


@dataclass
class Built:
    stack: Stack
    net: BestPracticeVpc
    tpl: dict[str, Any]
    warnings: list[Any]

    def subnets_tagged(self, tier: str) -> set[str]:
        """Logical ids of the template's subnets whose tier tag is ``tier``."""
        return {lid for lid, r in self.tpl["Resources"].items()
                if r["Type"] == "AWS::EC2::Subnet"
                and {"Key": "vpc-patterns:tier", "Value": tier} in r["Properties"]["Tags"]}

    def subnet_group(self, path_part: str, type_: str = "AWS::RDS::DBSubnetGroup") -> set[str]:
        (props,) = [r["Properties"] for lid, r in self.tpl["Resources"].items()
                    if r["Type"] == type_ and lid.startswith(path_part)]
        return {s["Ref"] for s in props["SubnetIds"]}

    def warnings_on(self, path: str) -> list[str]:
        return [w.entry.data for w in self.warnings if w.id.startswith(path)]


@pytest.fixture(scope="module")
def b() -> Built:
    stack = Stack(App(), "Shop")
    net = BestPracticeVpc(stack, "Net", cidr="10.20.0.0/16", tiers=TIERS)
    # the README's pattern: exactly one tier
    rds.SubnetGroup(stack, "ByTier", description="data tier", vpc=net.vpc,
                    vpc_subnets=net.select("data"))
    # by type, on a layout with two isolated tiers: spans data and cache
    rds.SubnetGroup(stack, "ByType", description="by type", vpc=net.vpc,
                    vpc_subnets=ec2.SubnetSelection(
                        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
    # by type where only one tier has that type: no surprise, no warning
    rds.SubnetGroup(stack, "Private", description="private by type", vpc=net.vpc,
                    vpc_subnets=ec2.SubnetSelection(
                        subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS))
    # an L1 given both isolated tiers by hand: the same span, the same warning
    ids = net.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
    elasticache.CfnSubnetGroup(stack, "CacheGroup", description="cache", subnet_ids=ids)
    tpl = Template.from_stack(stack).to_json()
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    return Built(stack, net, tpl, warnings)


def test_select_is_exactly_the_tier(b: Built) -> None:
    data = b.subnets_tagged("data")
    assert len(data) == 3
    assert b.subnet_group("ByTier") == data


def test_select_gives_no_warning(b: Built) -> None:
    assert b.warnings_on("/Shop/ByTier") == []


def test_by_type_spanning_two_tiers_warns_naming_them(b: Built) -> None:
    # what AWS would get: the subnets of both isolated tiers
    assert b.subnet_group("ByType") == b.subnets_tagged("data") | b.subnets_tagged("cache")
    (msg,) = b.warnings_on("/Shop/ByType")
    assert "isolated tiers 'data', 'cache'" in msg
    assert "select('data')" in msg
    assert SELECTION_WARNING_ID in msg


def test_by_type_with_one_tier_of_that_type_does_not_warn(b: Built) -> None:
    assert b.subnet_group("Private") == b.subnets_tagged("app")
    assert b.warnings_on("/Shop/Private") == []


def test_an_l1_given_two_tiers_warns_too(b: Built) -> None:
    (msg,) = b.warnings_on("/Shop/CacheGroup")
    assert "'data', 'cache'" in msg


def test_the_network_itself_draws_no_selection_warning(b: Built) -> None:
    assert [w for w in b.warnings if SELECTION_WARNING_ID in w.entry.data
            and w.id.startswith("/Shop/Net")] == []


def test_unknown_tier_names_the_tiers(b: Built) -> None:
    with pytest.raises(ConfigError, match=r"select\('db'\): no such tier; the network's tiers: "
                                          r"public, app, data, cache"):
        b.net.select("db")


def test_reserved_tier_is_refused(b: Built) -> None:
    with pytest.raises(ConfigError, match=r"tier 'later' is reserved .*tiers with subnets: "
                                          r"public, app, data, cache"):
        b.net.select("later")


def test_acknowledged_span_is_silent() -> None:
    stack = Stack(App(), "Ack")
    net = BestPracticeVpc(stack, "Net", cidr="10.20.0.0/16", tiers=TIERS, flow_log=False,
                          restrict_default_security_group=False, network_acls=False)
    group = rds.SubnetGroup(stack, "Both", description="both, on purpose", vpc=net.vpc,
                            vpc_subnets=ec2.SubnetSelection(
                                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
    CdkAnnotations.of(group).acknowledge_warning(SELECTION_WARNING_ID, "spans both on purpose")
    Template.from_stack(stack)
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("span"))
    assert found == []
