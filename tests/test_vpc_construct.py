"""BestPracticeVpc synthesizes the network its plan describes.

Every stack of this module lives in one App and is synthesized once (module
fixtures); the tests read ``Template.to_json()`` and follow Ref/GetAtt links
by logical id, so each expectation is derived from the plan (``plan.py``), not
copied from synthesized output.
"""

from __future__ import annotations

import ipaddress
import re

import pytest
from aws_cdk import App, CfnResource, RemovalPolicy, Stack, TagManager, Tags
from aws_cdk.assertions import Template

import vpc_patterns
from vpc_patterns import BestPracticeVpc, ConfigError, SubnetKind, Tier, default_tiers
from vpc_patterns.build.default_sg import HANDLER_TIMEOUT_SECONDS
from vpc_patterns.plan.flow_logs import plan_builtin_flow_log

from .template_helpers import (
    SynthedVpc,
    as_list,
    az_select_index,
    check_handler,
    getatt,
    ref,
    statements,
    tags,
)

VPC_ID = "Net"
AZ_NAMES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
AZ_IDS = ("euw1-az1", "euw1-az2", "euw1-az3")

T_SUBNET = "AWS::EC2::Subnet"
T_RT = "AWS::EC2::RouteTable"
T_ROUTE = "AWS::EC2::Route"
T_ASSOC = "AWS::EC2::SubnetRouteTableAssociation"
T_NAT = "AWS::EC2::NatGateway"


# --------------------------------------------------------------------------
# Template helpers
# --------------------------------------------------------------------------


class Synth(SynthedVpc):
    def default_route(self, rt_lid: str) -> dict:
        defaults = [r for r in self.routes_of(rt_lid)
                    if r["Properties"].get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert len(defaults) == 1, f"{rt_lid} has {len(defaults)} default routes"
        return defaults[0]


def build(app: App, stack_name: str, *, tag_cost_center: bool = False,
          **kwargs) -> tuple[Stack, BestPracticeVpc]:
    stack = Stack(app, stack_name)
    vpc = BestPracticeVpc(stack, VPC_ID, **kwargs)
    if tag_cost_center:
        Tags.of(stack).add("CostCenter", "42")
    return stack, vpc


# --------------------------------------------------------------------------
# Fixtures: one App, one synthesis, many stacks
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synths(cdk_context) -> dict[str, Synth]:
    app = App(context=cdk_context)
    built = {
        "default": build(app, "Default"),
        "wider": build(app, "Wider", max_azs=4),
        "appended": build(
            app, "Appended", tiers=[*default_tiers(), Tier("extra", "isolated")]
        ),
        "names": build(app, "Names", availability_zones=list(AZ_NAMES)),
        "ids": build(app, "Ids", availability_zone_ids=list(AZ_IDS)),
        "public_ip": build(
            app, "PublicIp",
            tiers=[Tier("public", "public", map_public_ip_on_launch=True),
                   Tier("private", "private"), Tier("isolated", "isolated")],
        ),
        "no_flow_log": build(app, "NoFlowLog", flow_log=False),
        "retention30": build(app, "Retention30", flow_log_retention_days=30),
        "no_restrict": build(app, "NoRestrict", restrict_default_security_group=False),
        "tagged": build(app, "Tagged", tag_cost_center=True),
        "named": build(app, "Named", name="corp-net"),
        "destroy": build(app, "Destroy", logs_removal_policy=RemovalPolicy.DESTROY),
        "no_endpoints": build(app, "NoEndpoints", gateway_endpoints=()),
        "reserved": build(
            app, "Reserved",
            tiers=[*default_tiers(), Tier("future", "private", cidr_mask=21, reserved=True)],
        ),
        "isolated_only": build(
            app, "IsolatedOnly", tiers=[Tier("isolated", "isolated")],
            nat=vpc_patterns.NatProvider.none(),
        ),
    }
    return {
        key: Synth(stack, vpc, Template.from_stack(stack).to_json())
        for key, (stack, vpc) in built.items()
    }


@pytest.fixture(scope="module")
def d(synths) -> Synth:
    return synths["default"]


# --------------------------------------------------------------------------
# VPC and subnets
# --------------------------------------------------------------------------


def test_one_vpc_with_default_cidr_and_dns(d: Synth):
    _, vpc = d.only("AWS::EC2::VPC")
    p = vpc["Properties"]
    assert p["CidrBlock"] == "10.0.0.0/16" == vpc_patterns.plan.DEFAULT_CIDR
    assert p["EnableDnsSupport"] is True
    assert p["EnableDnsHostnames"] is True


def test_nine_subnets_three_tiers_by_three_azs(d: Synth):
    subnets = d.of_type(T_SUBNET)
    assert len(subnets) == 9 == len(d.plan.subnets)
    vpc_lid = d.vpc_lid()
    for s in subnets.values():
        assert s["Properties"]["VpcId"] == {"Ref": vpc_lid}


def test_each_subnet_cidr_is_the_planned_one(d: Synth):
    for tier in ("public", "private", "isolated"):
        for i in range(3):
            planned = d.plan.subnet(tier, i)
            lid = d.subnet_lid(planned.construct_id)
            assert d.props(lid)["CidrBlock"] == planned.cidr, (tier, i)


def test_subnet_cidrs_are_inside_vpc_and_disjoint(d: Synth):
    vpc = ipaddress.ip_network(d.props(d.vpc_lid())["CidrBlock"])
    nets = [ipaddress.ip_network(s["Properties"]["CidrBlock"])
            for s in d.of_type(T_SUBNET).values()]
    assert all(n.subnet_of(vpc) for n in nets)
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_default_tier_sizes_scale_with_vpc(d: Synth):
    # /16 VPC: public /24, private /20, isolated /22 (DEFAULT_MASK_OFFSET 8/4/6).
    expected = {"public": 24, "private": 20, "isolated": 22}
    for s in d.plan.subnets:
        cidr = d.props(d.subnet_lid(s.construct_id))["CidrBlock"]
        assert ipaddress.ip_network(cidr).prefixlen == expected[s.tier], s


def test_subnets_use_getazs_select_by_az_index(d: Synth):
    for s in d.plan.subnets:
        subnet = d.res[d.subnet_lid(s.construct_id)]
        assert az_select_index(subnet) == s.az.index
        assert "AvailabilityZoneId" not in subnet["Properties"]
    # and nowhere a hard-coded AZ name
    for subnet in d.of_type(T_SUBNET).values():
        assert not isinstance(subnet["Properties"]["AvailabilityZone"], str)


def test_explicit_az_names_are_used_verbatim(synths):
    n = synths["names"]
    subnets = n.of_type(T_SUBNET)
    assert len(subnets) == 9
    for s in n.plan.subnets:
        p = n.props(n.subnet_lid(s.construct_id))
        assert p["AvailabilityZone"] == AZ_NAMES[s.az.index]
        assert "AvailabilityZoneId" not in p


def test_az_ids_give_availability_zone_id_and_no_name(synths):
    z = synths["ids"]
    subnets = z.of_type(T_SUBNET)
    assert len(subnets) == 9
    for s in z.plan.subnets:
        p = z.props(z.subnet_lid(s.construct_id))
        assert p["AvailabilityZoneId"] == AZ_IDS[s.az.index]
        assert "AvailabilityZone" not in p


def test_public_subnets_do_not_map_public_ips_by_default(d: Synth):
    public = d.subnets_of_kind(SubnetKind.PUBLIC)
    assert len(public) == 3
    for lid in public:
        assert d.props(lid)["MapPublicIpOnLaunch"] is False
    for lid, s in d.of_type(T_SUBNET).items():
        assert s["Properties"].get("MapPublicIpOnLaunch", False) is False, lid


def test_map_public_ip_on_launch_flips_only_that_public_tier(synths):
    p = synths["public_ip"]
    public = set(p.subnets_of_kind(SubnetKind.PUBLIC))
    assert len(public) == 3
    for lid, s in p.of_type(T_SUBNET).items():
        expected = lid in public
        assert s["Properties"].get("MapPublicIpOnLaunch", False) is expected, lid


# --------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------


def test_igw_attached_to_the_vpc(d: Synth):
    igw, _ = d.only("AWS::EC2::InternetGateway")
    _, att = d.only("AWS::EC2::VPCGatewayAttachment")
    assert att["Properties"]["InternetGatewayId"] == {"Ref": igw}
    assert att["Properties"]["VpcId"] == {"Ref": d.vpc_lid()}


def test_public_subnets_route_default_to_igw_after_attachment(d: Synth):
    igw, _ = d.only("AWS::EC2::InternetGateway")
    attach, _ = d.only("AWS::EC2::VPCGatewayAttachment")
    for lid in d.subnets_of_kind(SubnetKind.PUBLIC):
        route = d.default_route(d.route_table_of(lid))
        assert route["Properties"]["GatewayId"] == {"Ref": igw}
        assert "NatGatewayId" not in route["Properties"]
        assert attach in as_list(route.get("DependsOn", [])), (
            "a route to the IGW before the IGW is attached fails to create"
        )


def test_every_subnet_has_exactly_one_route_table(d: Synth):
    assocs = d.of_type(T_ASSOC)
    assert len(assocs) == 9
    rts = set(d.of_type(T_RT))
    for lid in d.of_type(T_SUBNET):
        assert d.route_table_of(lid) in rts


def test_private_default_route_goes_to_same_az_nat_gateway(d: Synth):
    public = set(d.subnets_of_kind(SubnetKind.PUBLIC))
    private = d.subnets_of_kind(SubnetKind.PRIVATE)
    assert len(private) == 3
    nat_subnets_seen = set()
    for lid in private:
        az = az_select_index(d.res[lid])
        route = d.default_route(d.route_table_of(lid))
        assert "GatewayId" not in route["Properties"]
        nat = ref(route["Properties"]["NatGatewayId"])
        assert d.res[nat]["Type"] == T_NAT
        nat_subnet = ref(d.props(nat)["SubnetId"])
        assert nat_subnet in public, "a NAT gateway must sit in a public subnet"
        assert az_select_index(d.res[nat_subnet]) == az, f"{lid} leaves through another AZ"
        nat_subnets_seen.add(nat_subnet)
    assert len(nat_subnets_seen) == 3


def test_private_subnets_each_have_their_own_route_table(d: Synth):
    tables = [d.route_table_of(lid) for lid in d.subnets_of_kind(SubnetKind.PRIVATE)]
    assert len(set(tables)) == 3


def test_isolated_route_tables_have_no_routes(d: Synth):
    isolated = d.subnets_of_kind(SubnetKind.ISOLATED)
    assert len(isolated) == 3
    tables = {d.route_table_of(lid) for lid in isolated}
    for rt in tables:
        assert d.routes_of(rt) == [], f"isolated route table {rt} has routes"


def test_no_private_or_isolated_table_routes_to_igw(d: Synth):
    igw, _ = d.only("AWS::EC2::InternetGateway")
    public_tables = {d.route_table_of(lid) for lid in d.subnets_of_kind(SubnetKind.PUBLIC)}
    other_tables = {
        d.route_table_of(lid)
        for kind in (SubnetKind.PRIVATE, SubnetKind.ISOLATED)
        for lid in d.subnets_of_kind(kind)
    }
    assert public_tables.isdisjoint(other_tables)
    for route in d.of_type(T_ROUTE).values():
        p = route["Properties"]
        if p.get("GatewayId") == {"Ref": igw}:
            assert ref(p["RouteTableId"]) in public_tables
        if ref(p["RouteTableId"]) in other_tables:
            assert "GatewayId" not in p


def test_nat_gateways_have_elastic_ips(d: Synth):
    nats = d.of_type(T_NAT)
    eips = d.of_type("AWS::EC2::EIP")
    assert len(nats) == 3 and len(eips) == 3
    used = set()
    for nat in nats.values():
        eip, attr = getatt(nat["Properties"]["AllocationId"])
        assert attr == "AllocationId" and eip in eips
        used.add(eip)
    assert used == set(eips)
    for eip in eips.values():
        assert eip["Properties"]["Domain"] == "vpc"


# --------------------------------------------------------------------------
# Gateway endpoints
# --------------------------------------------------------------------------


def _service_suffix(endpoint: dict) -> str:
    """Last literal part of ServiceName: com.amazonaws.<region><suffix>."""
    return endpoint["Properties"]["ServiceName"]["Fn::Join"][1][-1]


@pytest.mark.parametrize("service", ["s3", "dynamodb"])
def test_gateway_endpoint_serves_private_and_isolated_tables(d: Synth, service: str):
    endpoints = d.of_type("AWS::EC2::VPCEndpoint")
    assert len(endpoints) == 2
    matching = [e for e in endpoints.values() if _service_suffix(e) == f".{service}"]
    assert len(matching) == 1, f"no single endpoint for {service}"
    p = matching[0]["Properties"]
    assert p["VpcEndpointType"] == "Gateway"
    assert p["VpcId"] == {"Ref": d.vpc_lid()}
    expected = {
        d.route_table_of(lid)
        for kind in (SubnetKind.PRIVATE, SubnetKind.ISOLATED)
        for lid in d.subnets_of_kind(kind)
    }
    public_tables = {d.route_table_of(lid) for lid in d.subnets_of_kind(SubnetKind.PUBLIC)}
    got = [ref(r) for r in p["RouteTableIds"]]
    assert len(got) == len(set(got)), "route table listed twice"
    assert set(got) == expected
    assert public_tables.isdisjoint(got)


def test_gateway_endpoint_service_names_are_regional(d: Synth):
    names = set()
    for e in d.of_type("AWS::EC2::VPCEndpoint").values():
        join = e["Properties"]["ServiceName"]["Fn::Join"]
        assert join[0] == ""
        parts = join[1]
        assert parts[0] == "com.amazonaws."
        assert parts[1] == {"Ref": "AWS::Region"}
        names.add(parts[2])
    assert names == {".s3", ".dynamodb"}


# --------------------------------------------------------------------------
# Flow log
# --------------------------------------------------------------------------


def _flow_log_chain(s: Synth) -> tuple[dict, dict, str, dict]:
    _, fl = s.only("AWS::EC2::FlowLog")
    group_lid = ref(fl["Properties"]["LogGroupName"])
    group = s.res[group_lid]
    assert group["Type"] == "AWS::Logs::LogGroup"
    key_lid, attr = getatt(group["Properties"]["KmsKeyId"])
    assert attr == "Arn"
    return fl, group, key_lid, s.res[key_lid]


def test_flow_log_captures_all_vpc_traffic(d: Synth):
    fl, *_ = _flow_log_chain(d)
    p = fl["Properties"]
    assert p["ResourceType"] == "VPC"
    assert p["ResourceId"] == {"Ref": d.vpc_lid()}
    assert p["TrafficType"] == "ALL"
    assert p["LogDestinationType"] == "cloud-watch-logs"


def test_flow_log_group_keeps_a_year_encrypted_with_rotating_key(d: Synth):
    _, group, _, key = _flow_log_chain(d)
    assert group["Properties"]["RetentionInDays"] == 365
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True


def _logs_principal(stmt: dict) -> bool:
    principal = stmt.get("Principal", {})
    svc = principal.get("Service") if isinstance(principal, dict) else None
    return "logs." in str(svc)


def test_logs_key_policy_lets_cloudwatch_logs_use_it(d: Synth):
    _, _, _, key = _flow_log_chain(d)
    stmts = [s for s in statements(key["Properties"]["KeyPolicy"])
             if s["Effect"] == "Allow" and _logs_principal(s)]
    assert stmts, "CloudWatch Logs cannot use the key: log group creation would fail"
    actions = {a for s in stmts for a in as_list(s["Action"])}

    def covered(action: str) -> bool:
        return any(re.fullmatch(a.replace("*", ".*"), action) for a in actions)

    for needed in ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey",
                   "kms:DescribeKey"):
        assert covered(needed), needed
    # Scoped to log groups by the encryption context, not to any caller.
    for s in stmts:
        cond = str(s.get("Condition", {}))
        assert "kms:EncryptionContext:aws:logs:arn" in cond and "log-group:" in cond


def test_flow_log_role_can_write_only_to_its_group(d: Synth):
    fl, _, _, _ = _flow_log_chain(d)
    group_lid = ref(fl["Properties"]["LogGroupName"])
    role_lid, attr = getatt(fl["Properties"]["DeliverLogsPermissionArn"])
    assert attr == "Arn"
    role = d.res[role_lid]
    trust = statements(role["Properties"]["AssumeRolePolicyDocument"])
    assert any(s["Principal"].get("Service") == "vpc-flow-logs.amazonaws.com" for s in trust)
    policies = [p for p in d.of_type("AWS::IAM::ManagedPolicy").values()
                if {"Ref": role_lid} in p["Properties"].get("Roles", [])]
    stmts = [s for p in policies for s in statements(p["Properties"]["PolicyDocument"])]
    actions = {a for s in stmts for a in as_list(s["Action"])}
    assert "logs:PutLogEvents" in actions and "logs:CreateLogStream" in actions
    for s in stmts:
        assert s["Resource"] == {"Fn::GetAtt": [group_lid, "Arn"]}


def test_flow_log_role_trusts_only_this_accounts_flow_logs(d: Synth):
    fl, _, _, _ = _flow_log_chain(d)
    role_lid, _ = getatt(fl["Properties"]["DeliverLogsPermissionArn"])
    (stmt,) = statements(d.res[role_lid]["Properties"]["AssumeRolePolicyDocument"])
    assert stmt["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert stmt["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    # Only flow logs (any, of this account and region) may use the role.
    (arn,) = stmt["Condition"]["ArnLike"].values()
    assert list(stmt["Condition"]["ArnLike"]) == ["aws:SourceArn"]
    parts = arn["Fn::Join"][1]
    assert parts[-1] == ":vpc-flow-log/*" and {"Ref": "AWS::Region"} in parts


def test_flow_log_uses_aws_default_format_and_interval(d: Synth):
    fl, *_ = _flow_log_chain(d)
    assert "LogFormat" not in fl["Properties"]
    assert "MaxAggregationInterval" not in fl["Properties"]
    assert d.of_type("AWS::Logs::QueryDefinition") == {}


def test_flow_log_keeps_its_construct_ids(d: Synth):
    """Logical ids are API: the network's own flow log stays under these ids."""
    net = d.vpc
    assert net.flow_log is not None and net.flow_log_group is not None
    path = net.node.path
    assert net.flow_log.node.path == f"{path}/FlowLog"
    assert net.flow_log_group.node.path == f"{path}/FlowLogGroup"
    for cid in ("FlowLogRole", "FlowLogPolicy"):
        assert net.node.try_find_child(cid) is not None, cid
    fl_lid, fl = d.only("AWS::EC2::FlowLog")
    assert re.fullmatch(rf"{VPC_ID}FlowLog[0-9A-F]{{8}}", fl_lid)
    group_lid = ref(fl["Properties"]["LogGroupName"])
    assert re.fullmatch(rf"{VPC_ID}FlowLogGroup[0-9A-F]{{8}}", group_lid)
    role_lid, _ = getatt(fl["Properties"]["DeliverLogsPermissionArn"])
    assert re.fullmatch(rf"{VPC_ID}FlowLogRole[0-9A-F]{{8}}", role_lid)


def test_flow_log_plan_is_the_builtin_preset(synths):
    net = synths["retention30"].vpc
    assert net.flow_log_plan == plan_builtin_flow_log(net.plan, retention_days=30)
    assert synths["no_flow_log"].vpc.flow_log_plan is None


def test_flow_log_false_removes_the_flow_log(synths):
    s = synths["no_flow_log"]
    assert s.of_type("AWS::EC2::FlowLog") == {}
    assert not any("vpc-flow-logs" in str(r) for r in s.of_type("AWS::IAM::Role").values())
    # The default security group handler still runs (and logs with the key).
    assert len(s.of_type("Custom::VpcRestrictDefaultSG")) == 1


def test_flow_log_retention_is_configurable(synths):
    _, group, _, _ = _flow_log_chain(synths["retention30"])
    assert group["Properties"]["RetentionInDays"] == 30


# --------------------------------------------------------------------------
# Default security group
# --------------------------------------------------------------------------


def test_default_sg_restricted_by_custom_resource(d: Synth):
    _, cr = d.only("Custom::VpcRestrictDefaultSG")
    assert cr["Properties"]["DefaultSecurityGroupId"] == {
        "Fn::GetAtt": [d.vpc_lid(), "DefaultSecurityGroup"]
    }
    fn_lid, attr = getatt(cr["Properties"]["ServiceToken"])
    assert attr == "Arn" and d.res[fn_lid]["Type"] == "AWS::Lambda::Function"


def test_default_sg_handler_may_only_touch_that_security_group(d: Synth):
    _, cr = d.only("Custom::VpcRestrictDefaultSG")
    fn_lid, _ = getatt(cr["Properties"]["ServiceToken"])
    role_lid, _ = getatt(d.props(fn_lid)["Role"])
    managed = [p for p in d.of_type("AWS::IAM::ManagedPolicy").values()
               if {"Ref": role_lid} in p["Properties"].get("Roles", [])]
    inline = [p for p in d.of_type("AWS::IAM::Policy").values()
              if {"Ref": role_lid} in p["Properties"].get("Roles", [])]
    assert managed, "the handler has no permissions at all"
    assert "ManagedPolicyArns" not in d.props(role_lid)
    assert "Policies" not in d.props(role_lid)
    stmts = [s for p in managed + inline for s in statements(p["Properties"]["PolicyDocument"])]
    ec2_stmts = [s for s in stmts if any(a.startswith("ec2:") for a in as_list(s["Action"]))]
    ec2_actions = {a for s in ec2_stmts for a in as_list(s["Action"])}
    assert ec2_actions == {
        "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    }
    for s in stmts:
        assert s["Effect"] == "Allow"
        assert not any(a in ("*", "ec2:*") for a in as_list(s["Action"]))
    sg_att = {"Fn::GetAtt": [d.vpc_lid(), "DefaultSecurityGroup"]}
    for s in ec2_stmts:
        resources = as_list(s["Resource"])
        assert len(resources) == 1
        join = resources[0]["Fn::Join"][1]
        assert join[-1] == sg_att
        assert str(join[-2]).endswith(":security-group/")
        assert "Condition" not in s


def test_no_restrict_removes_the_custom_resource(synths):
    s = synths["no_restrict"]
    assert s.of_type("Custom::VpcRestrictDefaultSG") == {}
    assert s.of_type("AWS::Lambda::Function") == {}
    # the flow log is still there
    assert len(s.of_type("AWS::EC2::FlowLog")) == 1


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


_CDK_TYPE = {SubnetKind.PUBLIC: "Public", SubnetKind.PRIVATE: "Private",
             SubnetKind.ISOLATED: "Isolated"}


@pytest.mark.parametrize("key", ["default", "names", "ids"])
def test_subnet_tags_match_the_plan(synths, key: str):
    s = synths[key]
    names = set()
    assert len(s.of_type(T_SUBNET)) == len(s.plan.subnets)
    for planned in s.plan.subnets:
        t = tags(s.res[s.subnet_lid(planned.construct_id)])
        assert t["vpc-patterns:tier"] == planned.tier
        assert t["vpc-patterns:az"] == planned.az.label
        assert planned.tier in t["Name"] and planned.az.label in t["Name"]
        # what the CDK's own Vpc.fromLookup reads to classify subnets
        assert t["aws-cdk:subnet-name"] == planned.tier
        assert t["aws-cdk:subnet-type"] == _CDK_TYPE[planned.kind]
        names.add(t["Name"])
    assert len(names) == len(s.plan.subnets), "subnet Name tags are not unique"


def test_az_tag_is_the_zone_name_or_id_when_given(synths):
    for key, expected in (("names", AZ_NAMES), ("ids", AZ_IDS), ("default", ("az1", "az2", "az3"))):
        s = synths[key]
        for lid in s.of_type(T_SUBNET):
            t = tags(s.res[lid])
            assert t["vpc-patterns:az"] in expected


@pytest.mark.parametrize(
    "type_",
    ["AWS::EC2::VPC", "AWS::EC2::InternetGateway", T_RT, T_NAT, "AWS::EC2::EIP"],
)
def test_network_resources_have_name_tags(d: Synth, type_: str):
    found = d.of_type(type_)
    assert found
    names = [tags(r).get("Name") for r in found.values()]
    assert all(names), f"{type_} without Name tag"
    if len(found) > 1 and type_ != "AWS::EC2::EIP":
        assert len(set(names)) == len(names), f"{type_} Name tags collide"


def test_route_table_name_tags_name_tier_and_az(d: Synth):
    for planned in d.plan.subnets:
        rt = d.route_table_of(d.subnet_lid(planned.construct_id))
        name = tags(d.res[rt])["Name"]
        assert planned.tier in name
        if planned.kind is SubnetKind.PRIVATE:
            assert planned.az.label in name


def test_stack_tags_propagate(synths):
    s = synths["tagged"]
    for lid in [s.vpc_lid(), *s.of_type(T_SUBNET)]:
        assert tags(s.res[lid]).get("CostCenter") == "42", lid
    # the construct's own tags survive next to the stack's
    for lid in s.of_type(T_SUBNET):
        assert "vpc-patterns:tier" in tags(s.res[lid])
    assert "CostCenter" not in str(synths["default"].tpl)


# --------------------------------------------------------------------------
# Stability of CIDRs and logical ids
# --------------------------------------------------------------------------


def _subnet_cidrs(s: Synth) -> dict[str, str]:
    return {lid: r["Properties"]["CidrBlock"] for lid, r in s.of_type(T_SUBNET).items()}


@pytest.mark.parametrize("variant,extra", [("wider", 3), ("appended", 3)])
def test_growing_keeps_every_existing_subnet(synths, variant: str, extra: int):
    base = _subnet_cidrs(synths["default"])
    grown = _subnet_cidrs(synths[variant])
    assert len(base) == 9
    assert len(grown) == 9 + extra
    for lid, cidr in base.items():
        assert lid in grown, f"{variant}: subnet {lid} was renamed (would be replaced)"
        assert grown[lid] == cidr, f"{variant}: subnet {lid} moved {cidr} -> {grown[lid]}"
    # the new subnets do not overlap the old ones
    old = [ipaddress.ip_network(c) for c in base.values()]
    for lid in set(grown) - set(base):
        new = ipaddress.ip_network(grown[lid])
        assert not any(new.overlaps(o) for o in old), lid


def test_wider_vpc_adds_the_fourth_az_by_index(synths):
    w = synths["wider"]
    for tier in ("public", "private", "isolated"):
        planned = w.plan.subnet(tier, 3)
        lid = w.subnet_lid(planned.construct_id)
        assert az_select_index(w.res[lid]) == 3
        assert w.props(lid)["CidrBlock"] == planned.cidr
    assert len(w.of_type(T_NAT)) == 4


def test_route_table_ids_stable_when_growing(synths):
    base = set(synths["default"].of_type(T_RT))
    for variant in ("wider", "appended"):
        assert base <= set(synths[variant].of_type(T_RT)), variant


# --------------------------------------------------------------------------
# ConfigError at construction
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch_app(cdk_context) -> App:
    """An App that is never synthesized, for construction failures."""
    return App(context=cdk_context)


def test_bad_cidr_raises_config_error_and_builds_nothing(scratch_app):
    stack = Stack(scratch_app, "Bad")
    with pytest.raises(ConfigError, match="bad"):
        BestPracticeVpc(stack, "X", cidr="bad")
    assert stack.node.try_find_child("X") is None
    assert [c.node.id for c in stack.node.children if c.node.id == "X"] == []
    # the id is free: a valid network can be built under the same id afterwards
    ok = BestPracticeVpc(stack, "X")
    assert stack.node.try_find_child("X") is ok


def test_bad_retention_raises_config_error_naming_it(scratch_app):
    stack = Stack(scratch_app, "BadRetention")
    with pytest.raises(ConfigError, match=r"\b13\b"):
        BestPracticeVpc(stack, "X", flow_log_retention_days=13)
    assert stack.node.try_find_child("X") is None


def test_boolean_retention_is_refused(scratch_app):
    stack = Stack(scratch_app, "BoolRetention")
    with pytest.raises(ConfigError, match=r"flow_log_retention_days True"):
        BestPracticeVpc(stack, "X", flow_log_retention_days=True)
    assert stack.node.try_find_child("X") is None


def test_config_error_is_a_value_error(scratch_app):
    stack = Stack(scratch_app, "BadAzs")
    with pytest.raises(ValueError):
        BestPracticeVpc(stack, "X", max_azs=7)
    assert stack.node.try_find_child("X") is None


# --------------------------------------------------------------------------
# Documented options and guarantees (README "BestPracticeVpc" and "Route tables")
# --------------------------------------------------------------------------


def test_public_and_isolated_tiers_share_one_route_table_each(d: Synth):
    for kind in (SubnetKind.PUBLIC, SubnetKind.ISOLATED):
        tables = {d.route_table_of(lid) for lid in d.subnets_of_kind(kind)}
        assert len(tables) == 1, kind
    assert len(d.of_type(T_RT)) == 1 + 3 + 1


def test_reserved_tier_creates_nothing_and_moves_nothing(synths):
    r = synths["reserved"]
    assert _subnet_cidrs(r) == _subnet_cidrs(synths["default"])
    assert set(r.of_type(T_RT)) == set(synths["default"].of_type(T_RT))
    block = ipaddress.ip_network(r.plan.tier_block("future").block)
    for cidr in _subnet_cidrs(r).values():
        assert not ipaddress.ip_network(cidr).overlaps(block)


def test_no_internet_gateway_without_a_public_tier(synths):
    s = synths["isolated_only"]
    for type_ in ("AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", T_NAT,
                  "AWS::EC2::EIP", T_ROUTE):
        assert s.of_type(type_) == {}, type_
    assert len(s.of_type(T_SUBNET)) == 3
    (rt,) = {s.route_table_of(lid) for lid in s.of_type(T_SUBNET)}
    for ep in s.of_type("AWS::EC2::VPCEndpoint").values():
        assert [ref(x) for x in ep["Properties"]["RouteTableIds"]] == [rt]


def test_gateway_endpoints_can_be_turned_off(synths):
    s = synths["no_endpoints"]
    assert s.of_type("AWS::EC2::VPCEndpoint") == {}
    assert len(s.of_type(T_SUBNET)) == 9


def test_logs_retained_by_default(d: Synth):
    _, group, _key_lid, key = _flow_log_chain(d)
    for resource in (group, key):
        assert resource.get("DeletionPolicy") == "Retain"
        assert resource.get("UpdateReplacePolicy") == "Retain"


def test_logs_destroyed_when_asked(synths):
    _, group, _, key = _flow_log_chain(synths["destroy"])
    for resource in (group, key):
        assert resource.get("DeletionPolicy") == "Delete"


def test_name_option_prefixes_name_tags(synths):
    s = synths["named"]
    assert tags(s.res[s.vpc_lid()])["Name"] == "corp-net"
    names = [tags(r)["Name"] for r in s.res.values() if "Name" in tags(r)]
    assert len(names) >= 1 + 1 + 9 + 5 + 3 + 3
    assert all(n == "corp-net" or n.startswith("corp-net/") for n in names), names
    for planned in s.plan.subnets:
        name = tags(s.res[s.subnet_lid(planned.construct_id)])["Name"]
        assert name == f"corp-net/{planned.tier}-{planned.az.label}"


def test_default_sg_handler_is_small_and_logs_encrypted(d: Synth):
    _, cr = d.only("Custom::VpcRestrictDefaultSG")
    fn_lid, _ = getatt(cr["Properties"]["ServiceToken"])
    fn = d.props(fn_lid)
    assert fn["Runtime"] == "python3.14"
    # No reserved concurrency (it fails in new accounts), a ServiceTimeout
    # above the function's timeout, invocations never retried or run stale.
    assert "ReservedConcurrentExecutions" not in fn
    cr_lid, _ = d.only("Custom::VpcRestrictDefaultSG")
    assert check_handler(d.res, cr_lid) == fn
    assert fn["Timeout"] == HANDLER_TIMEOUT_SECONDS
    assert cr["Properties"]["ServiceTimeout"] == str(HANDLER_TIMEOUT_SECONDS + 60)
    assert "ZipFile" in fn["Code"], "inline code: no asset, no bundling"
    group_lid = ref(fn["LoggingConfig"]["LogGroup"])
    group = d.res[group_lid]
    assert group["Type"] == "AWS::Logs::LogGroup"
    _, _, logs_key, _ = _flow_log_chain(d)
    assert getatt(group["Properties"]["KmsKeyId"]) == (logs_key, "Arn")


def test_every_taggable_resource_has_a_name_tag(d: Synth):
    def taggable(c: CfnResource) -> bool:
        try:
            return bool(TagManager.is_taggable(c))
        except RuntimeError:
            # aws-cdk-lib 2.275's TagManager.isTaggable returns undefined for
            # CfnVPCEndpoint (its tags are managed differently); it does take
            # tags (Tags.of() reaches it), so it is checked like the others.
            return c.cfn_resource_type == "AWS::EC2::VPCEndpoint"

    missing = []
    for c in d.stack.node.find_all():
        if isinstance(c, CfnResource) and taggable(c):
            lid = d.lid(c)
            if "Name" not in tags(d.res[lid]):
                missing.append(f"{lid} ({d.res[lid]['Type']})")
    assert missing == []


# --------------------------------------------------------------------------
# Plug-in points: route targets and NAT builders
# --------------------------------------------------------------------------


def test_a_new_route_target_kind_renders_through_add_route(cdk_context):
    """A kind of hop the library does not plan itself (here a transit
    gateway) needs only a RouteTarget value: add_route fills the property the
    kind names, in the route table the plan names."""
    from vpc_patterns.plan.routes import RoutePlan, RouteTarget

    transit = RouteTarget("transit-gateway", "TransitGatewayId")
    app = App(context=cdk_context)
    stack, vpc = build(app, "Transit", gateway_endpoints=())
    vpc.add_route_target(transit, "Corp", "tgw-0123456789abcdef0")
    vpc.add_route("PrivateAz2RouteTable",
                  RoutePlan("10.100.0.0/16", transit, "Corp", construct_id="ToCorp"))
    s = Synth(stack, vpc, Template.from_stack(stack).to_json())
    rt_lid = s.lid(vpc.route_tables["PrivateAz2RouteTable"])
    corp = [r["Properties"] for r in s.routes_of(rt_lid)
            if r["Properties"]["DestinationCidrBlock"] == "10.100.0.0/16"]
    assert corp == [{"RouteTableId": {"Ref": rt_lid},
                     "DestinationCidrBlock": "10.100.0.0/16",
                     "TransitGatewayId": "tgw-0123456789abcdef0"}]
    # the planned default route of that table is still the only other route
    assert len(s.routes_of(rt_lid)) == 2
    assert "NatGatewayId" in s.default_route(rt_lid)["Properties"]


def test_every_route_uses_the_property_its_target_kind_names(synths):
    """Public routes carry GatewayId, private routes NatGatewayId, and no
    route carries a second hop property."""
    hop_props = {"GatewayId", "NatGatewayId", "NetworkInterfaceId", "TransitGatewayId",
                 "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId"}
    s = synths["default"]
    for rt in s.plan.route_tables:
        rt_lid = s.lid(s.vpc.route_tables[rt.construct_id])
        routes = s.routes_of(rt_lid)
        assert len(routes) == len(rt.routes)
        for planned, route in zip(rt.routes, routes):
            used = hop_props & set(route["Properties"])
            assert used == {planned.route_property}, rt.construct_id
            expected = "GatewayId" if rt.kind is SubnetKind.PUBLIC else "NatGatewayId"
            assert planned.route_property == expected
