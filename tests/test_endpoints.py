"""InterfaceEndpoints: placement per AZ, the HTTPS-from-the-VPC group, private
DNS, policy, AZ availability, cost, and every ConfigError.

One app, synthesized once for the module with the four cdk-nag packs as
validation plugins (synthesis raises on any unacknowledged finding):

* ``Agnostic``: environment-agnostic stack, 3 AZs by index, the five services
  a private workload managed through SSM needs, with an endpoint policy; and a
  second set in the isolated tier without private DNS, one service limited to
  two AZs by ``service_azs``, with an extra security group.
* ``Known``: region us-east-1, AZs named by id; one service placed from the
  availability table (patched for the test: the shipped table is empty), one
  from ``service_azs``, one in every AZ.

Expectations come from the network plan and the options, never from
synthesized output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match

from vpc_patterns import BestPracticeVpc, ConfigError, NatProvider, Tier, plan_network
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.endpoints import InterfaceEndpoints
from vpc_patterns.plan import endpoints as endpoints_module
from vpc_patterns.plan.endpoints import (
    HTTPS_PORT,
    plan_interface_endpoints,
    validate_service_name,
)
from vpc_patterns.plan.prices import region_prices

from .lint_helpers import cfn_lint

SSM_SET = ["ssm", "ssmmessages", "ec2messages", "logs", "kms"]
AZ_IDS = ["use1-az1", "use1-az2", "use1-az4"]
ACCOUNT = "111111111111"


def _policy(account: str) -> iam.PolicyDocument:
    return iam.PolicyDocument(statements=[iam.PolicyStatement(
        principals=[iam.AnyPrincipal()], actions=["*"], resources=["*"],
        conditions={"StringEquals": {"aws:PrincipalAccount": account}},
    )])


@dataclass
class Built:
    stack: Stack
    net: BestPracticeVpc
    eps: dict[str, InterfaceEndpoints]
    tpl: dict[str, Any]

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)

    def props(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]["Properties"]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl["Resources"].items() if v["Type"] == type_}

    def subnet_refs(self, tier: str, az_indexes: list[int] | None = None) -> list[dict]:
        return [{"Ref": self.lid(self.net.subnets[s.construct_id])}
                for s in self.net.plan.subnets_of(tier)
                if az_indexes is None or s.az.index in az_indexes]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("endpoints")
    app = App(context=cdk_context, outdir=str(out))
    result: dict[str, Built] = {}

    agn = Stack(app, "Agnostic")
    net = BestPracticeVpc(agn, "Network", cidr="10.20.0.0/16")
    extra = ec2.CfnSecurityGroup(agn, "PeerClients", group_description="Clients from a peer",
                                 vpc_id=net.vpc_id, security_group_egress=[
                                     ec2.CfnSecurityGroup.EgressProperty(
                                         ip_protocol="tcp", from_port=443, to_port=443,
                                         cidr_ip="10.20.0.0/16", description="HTTPS in the VPC")])
    main = InterfaceEndpoints(agn, "Endpoints", network=net, services=SSM_SET,
                              policy=_policy(agn.account))
    iso = InterfaceEndpoints(agn, "IsolatedEndpoints", network=net, services=["sts", "ecr.api"],
                             tier="isolated", private_dns=False,
                             service_azs={"sts": ["az1", "az3", "az5"]},
                             security_groups=[extra])
    result["agnostic"] = Built(agn, net, {"main": main, "iso": iso}, {})

    known = Stack(app, "Known", env=Environment(account=ACCOUNT, region="us-east-1"))
    knet = BestPracticeVpc(known, "Network", cidr="10.21.0.0/16", availability_zone_ids=AZ_IDS,
                           nat=NatProvider.single_gateway())
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(endpoints_module.SERVICE_AZ_IDS, ("us-east-1", "email-smtp"),
                   frozenset({"use1-az1", "use1-az4", "use1-az5"}))
        kep = InterfaceEndpoints(known, "Endpoints", network=knet,
                                 services=["email-smtp", "lambda", "sts"],
                                 service_azs={"lambda": ["use1-az2", "use1-az6"]})
    result["known"] = Built(known, knet, {"main": kep}, {})

    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()  # raises on any unacknowledged cdk-nag finding
    for b in result.values():
        b.tpl = json.loads((out / f"{b.stack.artifact_id}.template.json").read_text())
    result["_out"] = out  # type: ignore[assignment]
    return result


# --------------------------------------------------------------------------
# Placement, group, DNS, policy
# --------------------------------------------------------------------------


def test_one_interface_endpoint_per_service(built: dict) -> None:
    b: Built = built["agnostic"]
    endpoints = b.of_type("AWS::EC2::VPCEndpoint")
    interface = {k: v for k, v in endpoints.items()
                 if v["Properties"]["VpcEndpointType"] == "Interface"}
    assert len(interface) == len(SSM_SET) + 2
    for service in SSM_SET:
        p = b.props(b.eps["main"].endpoints[service])
        assert p["VpcEndpointType"] == "Interface"
        assert p["VpcId"] == {"Ref": b.lid(b.net.cfn_vpc)}
        assert p["ServiceName"] == {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"},
                                                      f".{service}"]]}


def test_interfaces_in_one_subnet_per_az_of_the_private_tier(built: dict) -> None:
    b: Built = built["agnostic"]
    private = b.net.plan.subnets_of("private")
    assert len({s.az.index for s in private}) == len(private) == 3
    for service in SSM_SET:
        assert b.props(b.eps["main"].endpoints[service])["SubnetIds"] == b.subnet_refs("private")


def test_security_group_admits_https_from_the_literal_vpc_cidr_only(built: dict) -> None:
    b: Built = built["agnostic"]
    group = b.props(b.eps["main"].security_group)
    [ingress] = group["SecurityGroupIngress"]
    assert {k: ingress[k] for k in ("IpProtocol", "FromPort", "ToPort", "CidrIp")} == {
        "IpProtocol": "tcp", "FromPort": HTTPS_PORT, "ToPort": HTTPS_PORT,
        "CidrIp": b.net.plan.cidr,
    }
    assert ingress["CidrIp"] == "10.20.0.0/16"  # a literal string, not a token
    assert set(ingress) == {"IpProtocol", "FromPort", "ToPort", "CidrIp", "Description"}
    # egress restricted: only the rule that matches no packet
    [egress] = group["SecurityGroupEgress"]
    assert egress["CidrIp"] == "255.255.255.255/32" and egress["IpProtocol"] == "icmp"
    assert group["VpcId"] == {"Ref": b.lid(b.net.cfn_vpc)}
    gid = {"Fn::GetAtt": [b.lid(b.eps["main"].security_group), "GroupId"]}
    for service in SSM_SET:
        assert b.props(b.eps["main"].endpoints[service])["SecurityGroupIds"] == [gid]


def test_private_dns_on_and_policy_on_every_endpoint(built: dict) -> None:
    b: Built = built["agnostic"]
    for service in SSM_SET:
        p = b.props(b.eps["main"].endpoints[service])
        assert p["PrivateDnsEnabled"] is True
        [stmt] = p["PolicyDocument"]["Statement"]
        assert stmt["Principal"] == {"AWS": "*"} and stmt["Effect"] == "Allow"
        assert stmt["Condition"] == {
            "StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}
    for service in ("sts", "ecr.api"):
        p = b.props(b.eps["iso"].endpoints[service])
        assert p["PrivateDnsEnabled"] is False
        assert "PolicyDocument" not in p


def test_service_azs_limit_a_service_and_extra_groups_are_added(built: dict) -> None:
    b: Built = built["agnostic"]
    iso = b.eps["iso"]
    # az5 is not an AZ of this 3-AZ network: accepted (the service's region-wide list)
    assert b.props(iso.endpoints["sts"])["SubnetIds"] == b.subnet_refs("isolated", [0, 2])
    assert b.props(iso.endpoints["ecr.api"])["SubnetIds"] == b.subnet_refs("isolated")
    assert b.props(iso.endpoints["sts"])["SecurityGroupIds"] == [
        {"Fn::GetAtt": [b.lid(iso.security_group), "GroupId"]},
        {"Fn::GetAtt": ["PeerClients", "GroupId"]},
    ]
    assert iso.plan.endpoint("sts").placed_by == "service_azs"
    assert iso.plan.endpoint("ecr.api").placed_by == "all AZs"


def test_env_agnostic_stack_uses_every_az_with_an_info_note(built: dict) -> None:
    b: Built = built["agnostic"]
    for service in SSM_SET:
        assert b.eps["main"].plan.endpoint(service).placed_by == "all AZs"
    notes = Annotations.from_stack(b.stack).find_info(
        "/Agnostic/Endpoints", Match.string_like_regexp("environment-agnostic"))
    assert len(notes) == 1
    assert "ssm, ssmmessages, ec2messages, logs, kms" in notes[0].entry.data
    assert "service_azs" in notes[0].entry.data


def test_known_region_uses_literal_names_the_table_and_service_azs(built: dict) -> None:
    b: Built = built["known"]
    ep = b.eps["main"]
    ids = {s.az.zone_id: s.az.index for s in b.net.plan.subnets_of("private")}
    smtp = b.props(ep.endpoints["email-smtp"])
    assert smtp["ServiceName"] == "com.amazonaws.us-east-1.email-smtp"
    assert smtp["SubnetIds"] == b.subnet_refs("private", [ids["use1-az1"], ids["use1-az4"]])
    assert ep.plan.endpoint("email-smtp").placed_by == "SERVICE_AZ_IDS"
    assert b.props(ep.endpoints["lambda"])["SubnetIds"] == b.subnet_refs("private",
                                                                          [ids["use1-az2"]])
    assert b.props(ep.endpoints["sts"])["SubnetIds"] == b.subnet_refs("private")
    notes = Annotations.from_stack(b.stack).find_info("/Known/Endpoints", Match.any_value())
    assert len(notes) == 1 and "sts" in notes[0].entry.data
    assert "email-smtp" not in notes[0].entry.data and "lambda" not in notes[0].entry.data


def test_names_tags_and_no_nag_finding(built: dict) -> None:
    b: Built = built["agnostic"]
    tags = b.props(b.eps["main"].endpoints["logs"])
    assert {"Key": "Name", "Value": "Agnostic/Network/endpoint-logs"} in tags["Tags"]
    report = json.loads((built["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_monthly_cost_is_endpoint_azs_times_hourly_price(built: dict) -> None:
    plan = built["agnostic"].eps["main"].plan
    assert plan.endpoint_azs == 15
    hourly = float(region_prices("us-east-1").interface_endpoint_az_hour)
    assert plan.monthly_usd() == round(15 * hourly * 730, 2) == 109.5
    assert "15 endpoint-AZs" in plan.table()


def test_cfn_lint_is_clean(built: dict) -> None:
    out: Path = built["_out"]
    for name in ("Agnostic", "Known"):
        assert cfn_lint(out / f"{name}.template.json") == [], name


# --------------------------------------------------------------------------
# The plan, pure Python
# --------------------------------------------------------------------------


def test_plan_table_applies_only_to_networks_named_by_az_id() -> None:
    table = {("eu-west-1", "sts"): frozenset({"euw1-az2"})}
    by_id = plan_network(availability_zone_ids=["euw1-az1", "euw1-az2", "euw1-az3"])
    p = plan_interface_endpoints(by_id, ["sts"], region="eu-west-1", az_table=table)
    assert [s.az.zone_id for s in p.endpoint("sts").subnets] == ["euw1-az2"]
    assert p.notes == ()
    by_name = plan_network(availability_zones=["eu-west-1a", "eu-west-1b"])
    p = plan_interface_endpoints(by_name, ["sts"], region="eu-west-1", az_table=table)
    assert len(p.endpoint("sts").subnets) == 2
    assert "SERVICE_AZ_IDS applies only to networks that name AZs by id" in p.notes[0]
    with pytest.raises(ConfigError, match=r"'sts' offers endpoints in eu-west-1 only in euw1-az2"):
        plan_interface_endpoints(plan_network(availability_zone_ids=["euw1-az1"]), ["sts"],
                                 region="eu-west-1", az_table=table)


def test_shipped_availability_table_is_empty() -> None:
    assert endpoints_module.SERVICE_AZ_IDS == {}


@pytest.mark.parametrize("service", ["ssm", "ecr.api", "logs", "execute-api", "sagemaker.runtime",
                                     "ec2messages", "s3-outposts"])
def test_good_service_names(service: str) -> None:
    assert validate_service_name(service) == service


@pytest.mark.parametrize("service, message", [
    ("SSM", "'SSM' is not a short AWS service name"),
    ("ecr..api", "'ecr..api' is not a short AWS service name"),
    ("ssm ", "'ssm ' is not a short AWS service name"),
    ("ecr.", "'ecr.' is not a short AWS service name"),
    ("-ssm", "'-ssm' is not a short AWS service name"),
    ("", "'' is not a short AWS service name"),
    ("com.amazonaws.us-east-1.ssm", "full endpoint service name; give the short name ('ssm')"),
    ("s3", "'s3' is served by the network's gateway endpoint"),
    ("dynamodb", "'dynamodb' is served by the network's gateway endpoint"),
    (5, "service 5 must be a string"),
])
def test_bad_service_names(service: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=_re(message)):
        validate_service_name(service)


def _re(text: str) -> str:
    import re

    return re.escape(text)


# --------------------------------------------------------------------------
# ConfigErrors through the construct: nothing is added to the scope
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(cdk_context: dict) -> tuple[Stack, BestPracticeVpc]:
    app = App(context=cdk_context)
    stack = Stack(app, "Scratch")
    net = BestPracticeVpc(stack, "Network", cidr="10.50.0.0/16", max_azs=2, tiers=[
        Tier("public", "public"), Tier("private", "private"),
        Tier("spare", "isolated", reserved=True)])
    InterfaceEndpoints(stack, "First", network=net, services=["ssm"])
    return stack, net


@pytest.mark.parametrize("kwargs, message", [
    (dict(services=["ssm", "SSM"]), "service 'SSM' is not a short AWS service name"),
    (dict(services=["ecr.api", "ecr-api"], allow_unlisted=True),
     "service 'ecr-api' is listed twice (or as 'ecr.api'"),
    (dict(services=[]), "services is empty"),
    (dict(services="ssm"), "services 'ssm' must be a list"),
    (dict(services=["kms"], tier="data"),
     "tier 'data' is not a tier of this VPC; tiers with subnets: public, private"),
    (dict(services=["kms"], tier="spare"), "tier 'spare' is not a tier of this VPC (reserved"),
    (dict(services=["kms"], service_azs={"sts": ["az1"]}),
     "service_azs names service 'sts', which is not in services (kms)"),
    (dict(services=["kms"], service_azs={"kms": ["us-east-1a"]}),
     "service_azs['kms']: 'us-east-1a' is not an AZ slot of the network: 'az1', 'az2', ...; "
     "this network names its AZs by index (az1, az2)"),
    (dict(services=["kms"], service_azs={"kms": ["az3", "az4"]}),
     "service_azs['kms'] = ['az3', 'az4'] leaves 'kms' in none of tier 'private''s AZs (az1, az2)"),
    (dict(services=["kms"], service_azs={"kms": []}), "service_azs['kms'] [] must be a non-empty"),
    (dict(services=["kms"], service_azs=["az1"]), "service_azs ['az1'] must map service -> list"),
    (dict(services=["kms", "ssm"]),
     "service 'ssm' already has a private-DNS interface endpoint in this VPC (Scratch/First/Ssm)"),
    (dict(services=["kms"], private_dns="yes"), "private_dns 'yes' must be True or False"),
    (dict(services=["kms"], security_groups=[f"sg-0000000000000000{i}" for i in range(5)]),
     "network interface 'Scratch/Bad (every endpoint interface)' would have 6 security groups; "
     "AWS allows 5"),
    (dict(services=["kms"], security_groups=["default"]),
     "'default' is not a security group id"),
    (dict(services=["kms"], policy={"Statement": []}), "must be an aws_iam.PolicyDocument"),
    (dict(services=["kms"], policy=iam.PolicyDocument(statements=[iam.PolicyStatement(
        actions=["kms:*"], resources=["*"])])), "policy is not a valid endpoint policy"),
])
def test_config_errors_name_the_value(scratch: tuple, kwargs: dict, message: str) -> None:
    stack, net = scratch
    with pytest.raises(ConfigError, match=_re(message)):
        InterfaceEndpoints(stack, "Bad", network=net, **kwargs)
    assert stack.node.try_find_child("Bad") is None


def test_private_dns_off_allows_a_second_endpoint_for_a_service(scratch: tuple) -> None:
    stack, net = scratch
    second = InterfaceEndpoints(stack, "NoDns", network=net, services=["ssm"], private_dns=False)
    assert set(second.endpoints) == {"ssm"}


def test_az_names_must_be_in_the_known_region(cdk_context: dict) -> None:
    app = App(context=cdk_context)
    stack = Stack(app, "Named", env=Environment(account=ACCOUNT, region="eu-west-1"))
    net = BestPracticeVpc(stack, "Network", availability_zones=["eu-west-1a", "eu-west-1b"])
    with pytest.raises(ConfigError, match=_re("AZ 'us-east-1a' is not in the stack's region "
                                              "'eu-west-1'")):
        InterfaceEndpoints(stack, "E", network=net, services=["ssm"],
                           service_azs={"ssm": ["us-east-1a"]})
    with pytest.raises(ConfigError, match=_re("'euw1-az1' is not an AZ name such as 'us-east-1a'; "
                                              "this network names its AZs by name")):
        InterfaceEndpoints(stack, "E", network=net, services=["ssm"],
                           service_azs={"ssm": ["euw1-az1"]})
    ok = InterfaceEndpoints(stack, "E", network=net, services=["ssm"],
                            service_azs={"ssm": ["eu-west-1b", "eu-west-1c"]})
    assert [s.az.name for s in ok.plan.endpoint("ssm").subnets] == ["eu-west-1b"]


def test_network_must_be_a_best_practice_vpc(scratch: tuple) -> None:
    stack, net = scratch
    with pytest.raises(ConfigError, match=r"is not a vpc_patterns\.BestPracticeVpc"):
        InterfaceEndpoints(stack, "Bad", network=net.vpc, services=["ssm"])
