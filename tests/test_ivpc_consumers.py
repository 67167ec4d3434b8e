"""``BestPracticeVpc.vpc`` is an ``ec2.IVpc`` that ordinary CDK constructs use.

Subnet selection by type and by tier name must return exactly the planned
subnets of the tier, with the AZ, route table and CIDR each really has, and
consumers (RDS, Lambda, security groups) must land in this VPC. One App,
synthesized once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from vpc_patterns import BestPracticeVpc, SubnetKind, Tier

from .template_helpers import getatt, ref

VPC_ID = "Net"
AZ_NAMES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
AZ_IDS = ("euw1-az1", "euw1-az2", "euw1-az3")
CUSTOM_TIERS = [
    Tier("public", "public"),
    Tier("app", "private"),
    # two /17 blocks would not fit next to the others: the second private tier is /22
    Tier("data-egress", "private", cidr_mask=22),
    Tier("db", "isolated"),
]
SUBNET_TYPE = {
    SubnetKind.PUBLIC: ec2.SubnetType.PUBLIC,
    SubnetKind.PRIVATE: ec2.SubnetType.PRIVATE_WITH_EGRESS,
    SubnetKind.ISOLATED: ec2.SubnetType.PRIVATE_ISOLATED,
}


@dataclass
class Built:
    stack: Stack
    net: BestPracticeVpc
    tpl: dict[str, Any] | None = None

    @property
    def res(self) -> dict[str, dict]:
        assert self.tpl is not None
        return self.tpl["Resources"]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.res.items() if v["Type"] == type_}

    def only(self, type_: str) -> tuple[str, dict]:
        found = self.of_type(type_)
        assert len(found) == 1, f"{len(found)} {type_}"
        return next(iter(found.items()))

    def props(self, lid: str) -> dict:
        return self.res[lid].get("Properties", {})

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)

    def vpc_lid(self) -> str:
        return self.only("AWS::EC2::VPC")[0]

    def planned_lids(self, *, tier: str | None = None, kind: SubnetKind | None = None) -> list[str]:
        plan = self.net.plan
        subs = plan.subnets_of(tier) if tier is not None else plan.subnets_by_kind(kind)
        return [self.resolve(self.net.subnets[s.construct_id].logical_id) for s in subs]

    def select_refs(self, **selection) -> list[str]:
        ids = self.resolve(self.net.vpc.select_subnets(**selection).subnet_ids)
        return [ref(i) for i in ids]

    def route_table_of(self, subnet_lid: str) -> str:
        tables = [ref(a["Properties"]["RouteTableId"])
                  for a in self.of_type("AWS::EC2::SubnetRouteTableAssociation").values()
                  if a["Properties"]["SubnetId"] == {"Ref": subnet_lid}]
        assert len(tables) == 1
        return tables[0]


@pytest.fixture(scope="module")
def built(cdk_context) -> dict[str, Built]:
    app = App(context=cdk_context)
    out: dict[str, Built] = {}

    stack = Stack(app, "Consumers")
    net = BestPracticeVpc(stack, VPC_ID)
    db = rds.DatabaseInstance(
        stack, "Db",
        engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
        vpc=net.vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    fn = lambda_.Function(
        stack, "Fn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
        timeout=Duration.seconds(5),
        vpc=net.vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    )
    sg = ec2.SecurityGroup(stack, "AppSg", vpc=net.vpc, description="consumer security group")
    elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=net.vpc, internet_facing=True)
    net.vpc.add_interface_endpoint("Ssm", service=ec2.InterfaceVpcEndpointAwsService.SSM)
    out["consumers"] = Built(stack, net)
    out["consumers"].extra = {"db": db, "fn": fn, "sg": sg}  # type: ignore[attr-defined]

    stack = Stack(app, "Custom")
    out["custom"] = Built(stack, BestPracticeVpc(stack, VPC_ID, tiers=CUSTOM_TIERS))
    stack = Stack(app, "Names")
    out["names"] = Built(stack, BestPracticeVpc(stack, VPC_ID, availability_zones=list(AZ_NAMES)))
    stack = Stack(app, "Ids")
    out["ids"] = Built(stack, BestPracticeVpc(stack, VPC_ID, availability_zone_ids=list(AZ_IDS)))

    for b in out.values():
        b.tpl = Template.from_stack(b.stack).to_json()
    return out


@pytest.fixture(scope="module")
def c(built) -> Built:
    return built["consumers"]


# --------------------------------------------------------------------------
# The IVpc itself
# --------------------------------------------------------------------------


def test_ivpc_id_and_cidr_are_this_vpc(c: Built):
    assert c.resolve(c.net.vpc.vpc_id) == {"Ref": c.vpc_lid()}
    assert c.resolve(c.net.vpc_id) == {"Ref": c.vpc_lid()}
    assert c.net.vpc.vpc_cidr_block == c.props(c.vpc_lid())["CidrBlock"]


def test_ivpc_availability_zones_are_getazs_indices(c: Built):
    azs = c.resolve(c.net.vpc.availability_zones)
    assert azs == [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(3)]


@pytest.mark.parametrize("kind", list(SubnetKind))
def test_select_by_subnet_type_returns_exactly_that_tier(c: Built, kind: SubnetKind):
    got = c.select_refs(subnet_type=SUBNET_TYPE[kind])
    expected = c.planned_lids(kind=kind)
    assert len(expected) == 3
    assert len(got) == len(set(got)) == 3
    assert set(got) == set(expected)
    for lid in got:
        assert c.res[lid]["Type"] == "AWS::EC2::Subnet"


@pytest.mark.parametrize("tier", ["public", "private", "isolated"])
def test_select_by_group_name(c: Built, tier: str):
    got = c.select_refs(subnet_group_name=tier)
    assert set(got) == set(c.planned_lids(tier=tier))
    assert len(got) == 3


@pytest.mark.parametrize("key", ["consumers", "names", "ids"])
def test_imported_subnets_carry_the_real_az_route_table_and_cidr(built, key: str):
    """Per subnet, what the IVpc says equals what the template builds: the AZ
    (used by one_per_az and multi-AZ services), the route table (used by
    gateway endpoints added later) and the CIDR (used by security rules)."""
    b = built[key]
    for planned in b.net.plan.subnets:
        lid = b.resolve(b.net.subnets[planned.construct_id].logical_id)
        sel = b.net.vpc.select_subnets(subnet_group_name=planned.tier)
        matches = [s for s in sel.subnets if b.resolve(s.subnet_id) == {"Ref": lid}]
        assert len(matches) == 1, planned
        imported = matches[0]
        real = b.props(lid)
        az = b.resolve(imported.availability_zone)
        if key == "ids":
            # resolved at deploy time from a subnet placed in the same AZ id
            other, attr = getatt(az)
            assert attr == "AvailabilityZone"
            assert b.props(other)["AvailabilityZoneId"] == real["AvailabilityZoneId"]
        else:
            assert az == real["AvailabilityZone"]
        assert b.resolve(imported.route_table.route_table_id) == {"Ref": b.route_table_of(lid)}
        assert imported.ipv4_cidr_block == real["CidrBlock"]


def test_az_names_reach_the_ivpc(built):
    assert list(built["names"].net.vpc.availability_zones) == list(AZ_NAMES)


def test_one_subnet_per_az_selection(c: Built):
    sel = c.net.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, one_per_az=True)
    got = [ref(i) for i in c.resolve(sel.subnet_ids)]
    assert set(got) == set(c.planned_lids(kind=SubnetKind.PRIVATE))


# --------------------------------------------------------------------------
# Consumers
# --------------------------------------------------------------------------


def test_rds_subnet_group_is_the_isolated_tier(c: Built):
    group_lid, group = c.only("AWS::RDS::DBSubnetGroup")
    got = [ref(s) for s in group["Properties"]["SubnetIds"]]
    assert len(got) == 3
    assert set(got) == set(c.planned_lids(kind=SubnetKind.ISOLATED))
    _, db = c.only("AWS::RDS::DBInstance")
    assert db["Properties"]["DBSubnetGroupName"] == {"Ref": group_lid}
    assert db["Properties"].get("PubliclyAccessible") is not True


def test_rds_security_group_in_this_vpc(c: Built):
    _, db = c.only("AWS::RDS::DBInstance")
    sgs = db["Properties"]["VPCSecurityGroups"]
    assert sgs
    for g in sgs:
        lid, attr = getatt(g)
        assert attr == "GroupId"
        assert c.props(lid)["VpcId"] == {"Ref": c.vpc_lid()}


def test_lambda_runs_in_private_subnets_with_sg_in_this_vpc(c: Built):
    fns = {k: v for k, v in c.of_type("AWS::Lambda::Function").items()
           if "VpcConfig" in v["Properties"]}
    assert len(fns) == 1, "only the consumer function is in the VPC"
    (_, fn), = fns.items()
    cfg = fn["Properties"]["VpcConfig"]
    got = [ref(s) for s in cfg["SubnetIds"]]
    assert len(got) == 3
    assert set(got) == set(c.planned_lids(kind=SubnetKind.PRIVATE))
    assert cfg["SecurityGroupIds"]
    for g in cfg["SecurityGroupIds"]:
        lid, attr = getatt(g)
        assert attr == "GroupId"
        assert c.res[lid]["Type"] == "AWS::EC2::SecurityGroup"
        assert c.props(lid)["VpcId"] == {"Ref": c.vpc_lid()}


def test_lambda_private_subnets_have_egress(c: Built):
    # PRIVATE_WITH_EGRESS is a promise: each chosen subnet routes 0.0.0.0/0 to a NAT.
    (_, fn), = [(k, v) for k, v in c.of_type("AWS::Lambda::Function").items()
                if "VpcConfig" in v["Properties"]]
    routes = c.of_type("AWS::EC2::Route")
    for s in fn["Properties"]["VpcConfig"]["SubnetIds"]:
        rt = c.route_table_of(ref(s))
        defaults = [r for r in routes.values()
                    if r["Properties"]["RouteTableId"] == {"Ref": rt}
                    and r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"]
        assert len(defaults) == 1
        assert "NatGatewayId" in defaults[0]["Properties"]


def test_security_group_gets_this_vpc(c: Built):
    sg = c.extra["sg"]  # type: ignore[attr-defined]
    lid = c.resolve(sg.node.default_child.logical_id)
    assert c.props(lid)["VpcId"] == {"Ref": c.vpc_lid()}
    assert c.props(lid)["GroupDescription"] == "consumer security group"


def test_internet_facing_alb_lands_in_public_subnets(c: Built):
    _, alb = c.only("AWS::ElasticLoadBalancingV2::LoadBalancer")
    p = alb["Properties"]
    assert p["Scheme"] == "internet-facing"
    got = [ref(x) for x in p["Subnets"]]
    assert len(got) == 3
    assert set(got) == set(c.planned_lids(kind=SubnetKind.PUBLIC))


def test_interface_endpoint_defaults_to_private_subnets(c: Built):
    eps = {k: v for k, v in c.of_type("AWS::EC2::VPCEndpoint").items()
           if v["Properties"].get("VpcEndpointType") == "Interface"}
    assert len(eps) == 1
    (ep,) = eps.values()
    assert ep["Properties"]["VpcId"] == {"Ref": c.vpc_lid()}
    got = [ref(x) for x in ep["Properties"]["SubnetIds"]]
    assert set(got) == set(c.planned_lids(kind=SubnetKind.PRIVATE))


def test_every_security_group_is_in_this_vpc(c: Built):
    for lid, sg in c.of_type("AWS::EC2::SecurityGroup").items():
        assert sg["Properties"]["VpcId"] == {"Ref": c.vpc_lid()}, lid


# --------------------------------------------------------------------------
# Custom tiers: two private tiers, selectable by name
# --------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["app", "data-egress"])
def test_custom_private_tiers_selectable_by_name(built, tier: str):
    b = built["custom"]
    got = b.select_refs(subnet_group_name=tier)
    expected = b.planned_lids(tier=tier)
    assert len(expected) == 3
    assert len(got) == 3
    assert set(got) == set(expected)
    for lid in got:
        assert {"Key": "vpc-patterns:tier", "Value": tier} in b.props(lid)["Tags"]


def test_custom_private_tiers_are_disjoint_and_cover_private_type(built):
    b = built["custom"]
    app = set(b.select_refs(subnet_group_name="app"))
    data = set(b.select_refs(subnet_group_name="data-egress"))
    assert app.isdisjoint(data)
    by_type = b.select_refs(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    assert set(by_type) == app | data
    assert len(by_type) == 6


def test_custom_isolated_tier_selectable(built):
    b = built["custom"]
    assert set(b.select_refs(subnet_group_name="db")) == set(b.planned_lids(tier="db"))
    assert set(b.select_refs(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)) == set(
        b.planned_lids(tier="db")
    )


def test_unknown_group_name_is_refused(built):
    b = built["custom"]
    with pytest.raises(Exception, match="nosuchtier"):
        b.net.vpc.select_subnets(subnet_group_name="nosuchtier")
