"""DirectConnectAssociation: the custom resource and its least-privilege role
(the handler's logic is tested in tests/test_handlers.py).

The construct app is synthesized once for the module with the four cdk-nag
packs as validation plugins:

* ``DxWithVpn``: the association on a SiteToSiteVpn's gateway (the
  network's logs key, default allowed prefix = the VPC CIDR);
* ``DxOnly``: a VirtualPrivateGateway without VPN, wider allowed prefixes;
  and a gateway given by id, with its own logs key;
* ``ReferenceLike``: what stacks/connectivity.py adds to the prod
  reference stack (ACL rules, the example VPN, Direct Connect turned on).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations

from stacks.connectivity import (
    DIRECT_CONNECT_CONTEXT_KEY,
    EXAMPLE_DIRECT_CONNECT_GATEWAY_ID,
    EXAMPLE_ON_PREMISES_CIDRS,
    add_direct_connect,
    add_site_to_site_vpn,
    direct_connect_enabled,
    merged_acl_rules,
)
from vpc_patterns import BestPracticeVpc, ConfigError
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.default_sg import INLINE_CODE_LIMIT
from vpc_patterns.build.direct_connect import (
    HANDLER_SOURCE,
    HANDLER_TIMEOUT_SECONDS,
    RESOURCE_TYPE,
    SCOPED_ACTIONS,
    UNSCOPED_ACTIONS,
    DirectConnectAssociation,
)
from vpc_patterns.build.vpn import SiteToSiteVpn, VirtualPrivateGateway
from vpc_patterns.plan.direct_connect import parse_allowed_prefixes, parse_direct_connect_gateway_id
from vpc_patterns.plan.vpn import on_premises_acl_rules

from .lint_helpers import cfn_lint
from .template_helpers import check_handler

DXGW = "5f294f92-bafb-4011-916d-9b0b0a1b2c3d"
DXGW2 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
VGW = "vgw-0123456789abcdef0"


# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------


@dataclass
class Built:
    stack: Stack
    tpl: dict[str, Any]

    def lid(self, construct: Any) -> str:
        child = construct.node.default_child or construct
        return self.stack.resolve(child.logical_id)

    def props(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]["Properties"]

    def res(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("dx")
    app = App(context=cdk_context, outdir=str(out))
    a = Stack(app, "DxWithVpn")
    net = BestPracticeVpc(a, "Network", cidr="10.20.0.0/16", max_azs=2)
    vpn = SiteToSiteVpn(a, "Vpn", network=net, customer_gateway_ip="203.0.113.10",
                        static_routes=["172.16.0.0/16"])
    dx = DirectConnectAssociation(a, "DirectConnect", vpn_gateway=vpn,
                                  direct_connect_gateway_id=DXGW)
    b = Stack(app, "DxOnly")
    net_b = BestPracticeVpc(b, "Network", cidr="10.30.0.0/16", max_azs=2)
    gw = VirtualPrivateGateway(b, "Gateway", network=net_b, amazon_side_asn=64700)
    dx_b = DirectConnectAssociation(b, "DirectConnect", vpn_gateway=gw,
                                    direct_connect_gateway_id=DXGW2,
                                    allowed_prefixes=["10.30.0.0/16", "10.0.0.0/8"])
    dx_id = DirectConnectAssociation(b, "ById", vpn_gateway=VGW,
                                     direct_connect_gateway_id=DXGW,
                                     allowed_prefixes=["10.99.0.0/16"])
    r = Stack(app, "ReferenceLike")
    net_r = BestPracticeVpc(r, "Network", cidr="10.20.0.0/16", acl_rules=merged_acl_rules(
        on_premises_acl_rules(EXAMPLE_ON_PREMISES_CIDRS, {"private": [443]}), {"private": []}))
    vpn_r = add_site_to_site_vpn(r, net_r)
    dx_r = add_direct_connect(r, vpn_r, enabled=True)
    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()

    def load(stack: Stack) -> Built:
        return Built(stack, json.loads((out / f"{stack.artifact_id}.template.json").read_text()))

    return {"out": out, "a": load(a), "b": load(b), "net": net, "vpn": vpn, "dx": dx,
            "gw": gw, "dx_b": dx_b, "dx_id": dx_id, "net_b": net_b, "r": load(r),
            "vpn_r": vpn_r, "dx_r": dx_r, "net_r": net_r}


def test_four_nag_packs_report_no_finding(built: dict) -> None:
    report = json.loads((built["out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cfn_lint_clean(built: dict) -> None:
    for tpl in sorted(built["out"].glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


def _acknowledged(root: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in root.node.find_all():
        for m in c.node.metadata:
            if m.type == "aws:cdk:acknowledged-rules":
                out.setdefault(c.node.path, set()).update(k.split("::", 1)[1] for k in m.data)
    return out


def test_acknowledgments_are_the_unscoped_update_and_the_handler_rules(built: dict) -> None:
    """AwsSolutions IAM5 on the handler's policy (UpdateDirectConnectGateway-
    Association has no resource-level permission); LambdaInsideVPC,
    LambdaDLQ and LambdaConcurrency (NIST, HIPAA, PCI) come from
    inline_handler as for every deploy-time handler of the library, with
    Control Tower's Lambda-in-VPC rule (CT.LAMBDA.PR.3, the cfn-guard
    plugin's acknowledgment)."""
    acks = _acknowledged(built["dx"])
    assert acks["DxWithVpn/DirectConnect/HandlerPolicy"] == {"AwsSolutions-IAM5[Resource::*]"}
    assert acks["DxWithVpn/DirectConnect/Handler"] == {
        "NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC",
        "PCI.DSS.321-LambdaInsideVPC", "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
        "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency",
        "lambda_inside_vpc_check"}
    assert set(acks) == {"DxWithVpn/DirectConnect/HandlerPolicy", "DxWithVpn/DirectConnect/Handler"}


def test_custom_resource_properties_and_order(built: dict) -> None:
    a: Built = built["a"]
    dx, vpn = built["dx"], built["vpn"]
    res = a.res(dx.resource)
    assert res["Type"] == RESOURCE_TYPE == "Custom::DirectConnectGatewayAssociation"
    p = res["Properties"]
    assert p["DirectConnectGatewayId"] == DXGW
    assert p["VirtualGatewayId"] == {"Ref": a.lid(vpn.gateway.resource)}
    assert p["AllowedPrefixes"] == ["10.20.0.0/16"]  # default: the VPC CIDR
    assert p["ServiceToken"] == {"Fn::GetAtt": [a.lid(dx.function), "Arn"]}
    # Associated after the gateway is attached, removed before it is detached
    # (and invoked only once its invocations cannot be retried).
    assert res["DependsOn"] == sorted([a.lid(vpn.gateway.attachment),
                                       a.lid(dx.node.find_child("HandlerInvokeConfig"))])


def test_wider_allowed_prefixes_and_a_gateway_by_id(built: dict) -> None:
    b: Built = built["b"]
    assert b.props(built["dx_b"].resource)["AllowedPrefixes"] == ["10.30.0.0/16", "10.0.0.0/8"]
    assert b.props(built["dx_b"].resource)["VirtualGatewayId"] == {
        "Ref": b.lid(built["gw"].resource)}
    by_id = b.res(built["dx_id"].resource)
    assert by_id["Properties"]["VirtualGatewayId"] == VGW
    assert by_id["DependsOn"] == [b.lid(built["dx_id"].node.find_child("HandlerInvokeConfig"))]


def test_handler_function(built: dict) -> None:
    a: Built = built["a"]
    fn = a.props(built["dx"].function)
    assert fn["Code"]["ZipFile"] == HANDLER_SOURCE.read_text()
    assert len(fn["Code"]["ZipFile"]) <= INLINE_CODE_LIMIT
    assert fn["Timeout"] == HANDLER_TIMEOUT_SECONDS == 900
    assert fn["Runtime"].startswith("python3.") and fn["Handler"] == "index.handler"
    assert "ReservedConcurrentExecutions" not in fn
    assert check_handler(a.tpl["Resources"], a.lid(built["dx"].resource)) == fn
    # CloudFormation fails the association at 16 minutes if the answer is lost.
    assert a.props(built["dx"].resource)["ServiceTimeout"] == "960"
    logs = a.tpl["Resources"][fn["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    # The network's logs key (rotation on) encrypts the handler's log group.
    assert logs["KmsKeyId"] == {"Fn::GetAtt": [a.lid(built["net"].logs_key), "Arn"]}


def test_a_gateway_by_id_gets_its_own_logs_key(built: dict) -> None:
    b: Built = built["b"]
    fn = b.props(built["dx_id"].function)
    logs = b.tpl["Resources"][fn["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    key_lid = logs["KmsKeyId"]["Fn::GetAtt"][0]
    assert key_lid.startswith("ByIdLogsKey")
    assert b.tpl["Resources"][key_lid]["Properties"]["EnableKeyRotation"] is True


def test_least_privilege_policy(built: dict) -> None:
    a: Built = built["a"]
    policy = a.tpl["Resources"][a.lid(built["dx"].node.find_child("HandlerPolicy"))]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":directconnect::",
                             {"Ref": "AWS::AccountId"}, f":dx-gateway/{DXGW}"]]}
    by_resource = {json.dumps(s["Resource"], sort_keys=True): s for s in statements}
    scoped = by_resource[json.dumps(arn, sort_keys=True)]
    assert sorted(scoped["Action"]) == sorted(SCOPED_ACTIONS)
    star = by_resource['"*"']
    assert star["Action"] in (list(UNSCOPED_ACTIONS), UNSCOPED_ACTIONS[0])
    logs = [s for s in statements if s["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]]
    assert len(logs) == 1 and logs[0]["Resource"]["Fn::GetAtt"][1] == "Arn"
    assert len(statements) == 3
    actions = [a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                 else s["Action"])]
    assert not [x for x in actions if "*" in x]
    assert not [x for x in actions if x.startswith(("ec2:", "iam:"))]


def test_reference_wiring(built: dict) -> None:
    """stacks/connectivity.py: the example VPN with its keys in
    Secrets Manager, Direct Connect on the VPN's gateway, on-premises HTTPS
    admitted into the private tier."""
    r: Built = built["r"]
    vpn, dx = built["vpn_r"], built["dx_r"]
    assert r.props(vpn.customer_gateway)["IpAddress"] == "203.0.113.10"
    routes = [x["Properties"]["DestinationCidrBlock"] for x in r.tpl["Resources"].values()
              if x["Type"] == "AWS::EC2::VPNConnectionRoute"]
    assert routes == ["172.16.0.0/16"]
    assert len([x for x in r.tpl["Resources"].values()
                if x["Type"] == "AWS::SecretsManager::Secret"]) == 2
    p = r.props(dx.resource)
    assert p["DirectConnectGatewayId"] == EXAMPLE_DIRECT_CONNECT_GATEWAY_ID
    assert p["VirtualGatewayId"] == {"Ref": r.lid(vpn.gateway.resource)}
    entries = [x["Properties"] for x in r.tpl["Resources"].values()
               if x["Type"] == "AWS::EC2::NetworkAclEntry"
               and x["Properties"].get("CidrBlock") == "172.16.0.0/16"]
    assert sorted((e.get("Egress", False), e["PortRange"]["From"]) for e in entries) == [
        (False, 443), (True, 1024)]


def test_direct_connect_is_off_unless_asked(cdk_context: dict) -> None:
    stack = Stack(App(context=cdk_context), "Scratch")
    assert direct_connect_enabled(stack) is False
    on = Stack(App(context={**cdk_context, DIRECT_CONNECT_CONTEXT_KEY: "true"}), "On")
    assert direct_connect_enabled(on) is True
    bad = Stack(App(context={**cdk_context, DIRECT_CONNECT_CONTEXT_KEY: "yes"}), "Bad")
    with pytest.raises(ConfigError, match="vpc_patterns:direct_connect = 'yes' must be true"):
        direct_connect_enabled(bad)
    net = BestPracticeVpc(stack, "Network", max_azs=1, flow_log=False, network_acls=False)
    vpn = add_site_to_site_vpn(stack, net)
    assert add_direct_connect(stack, vpn) is None
    assert stack.node.try_find_child("DirectConnect") is None


def test_merged_acl_rules_keeps_every_tier_list() -> None:
    from vpc_patterns import AclRule

    a1 = AclRule(10, "allow", "tcp", 443, "172.16.0.0/16", description="HTTPS from on-premises")
    i1 = AclRule(10, "allow", "tcp", 5432, "172.16.0.0/16", description="PostgreSQL")
    b1 = AclRule(1000, "allow", "tcp", 443, "10.30.0.0/16", description="HTTPS from the hub")
    assert merged_acl_rules({"private": [a1], "isolated": [i1]}, {"private": [b1]}) == {
        "private": [a1, b1], "isolated": [i1]}


def test_merged_acl_rules_drops_a_later_copy_of_the_same_rule() -> None:
    """Two sets that each admit replies to one range: the second copy (another
    number, the same packets) is left out, the first keeps its number; a rule
    that differs in anything that decides packets is kept."""
    from vpc_patterns import AclRule

    first = AclRule(10, "allow", "tcp", (1024, 65535), "172.16.0.0/16", egress=True,
                    reply=True, description="TCP replies to on-premises")
    copy = AclRule(35, "allow", "tcp", (1024, 65535), "172.16.0.0/16", egress=True,
                   reply=True, description="TCP DNS answers to on-premises")
    udp = AclRule(34, "allow", "udp", (1024, 65535), "172.16.0.0/16", egress=True,
                  reply=True, description="UDP DNS answers to on-premises")
    merged = merged_acl_rules({"private": [first]}, {"private": [udp, copy]})
    assert merged == {"private": [first, udp]}


# --------------------------------------------------------------------------
# ConfigError
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "dxgw-0123456789", "5F294F92-BAFB-4011-916D-9B0B0A1B2C3D", "5f294f92bafb4011916d9b0b0a1b2c3d",
    "5f294f92-bafb-4011-916d-9b0bexample", "", None, 12345])
def test_bad_direct_connect_gateway_id_is_refused(value: Any) -> None:
    with pytest.raises(ConfigError, match=re.escape(
            f"direct_connect_gateway_id {value!r} is not a Direct Connect gateway id")):
        parse_direct_connect_gateway_id(value)


def test_good_direct_connect_gateway_id() -> None:
    assert parse_direct_connect_gateway_id(DXGW) == DXGW


@pytest.mark.parametrize("prefixes, message", [
    (["10.20.0.0/17"], "allowed prefix '10.20.0.0/17' does not cover the VPC CIDR 10.20.0.0/16"),
    (["172.16.0.0/12"], "allowed prefix '172.16.0.0/12' does not cover the VPC CIDR"),
    (["10.20.0.1/16"], "allowed prefix '10.20.0.1/16' is not an aligned IPv4 CIDR"),
    (["10.20.0.0/16", "10.20.0.0/16"], "allowed_prefixes lists '10.20.0.0/16' more than once"),
    ([], "allowed_prefixes [] must be a non-empty list"),
    ("10.20.0.0/16", "allowed_prefixes '10.20.0.0/16' must be a non-empty list"),
])
def test_bad_allowed_prefixes_are_refused(prefixes: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_allowed_prefixes(prefixes, "10.20.0.0/16")


def test_allowed_prefixes_default_and_wider() -> None:
    assert parse_allowed_prefixes(None, "10.20.0.0/16") == ("10.20.0.0/16",)
    assert parse_allowed_prefixes(["10.20.0.0/15"], "10.20.0.0/16") == ("10.20.0.0/15",)
    with pytest.raises(ConfigError, match="allowed_prefixes are needed"):
        parse_allowed_prefixes(None, None)


def test_construct_errors_name_the_value(cdk_context: dict) -> None:
    stack = Stack(App(context=cdk_context), "Scratch")
    cases = [
        ({"vpn_gateway": "igw-0123abcd"}, "vpn_gateway 'igw-0123abcd' must be a SiteToSiteVpn"),
        ({"vpn_gateway": VGW}, "allowed_prefixes are needed"),
        ({"vpn_gateway": VGW, "allowed_prefixes": ["10.0.0.0/16"], "gateway_attachment": "att"},
         "gateway_attachment 'att' must be an ec2.CfnVPCGatewayAttachment"),
        ({"vpn_gateway": VGW, "direct_connect_gateway_id": "dxgw-1"},
         "direct_connect_gateway_id 'dxgw-1' is not"),
        ({"vpn_gateway": VGW, "allowed_prefixes": ["10.0.0.0/16"], "removal_policy": "retain"},
         "removal_policy 'retain' must be an aws_cdk.RemovalPolicy"),
    ]
    for kw, message in cases:
        args = {"direct_connect_gateway_id": DXGW, **kw}
        with pytest.raises(ConfigError, match=re.escape(message)):
            DirectConnectAssociation(stack, "Dx", **args)
    assert stack.node.try_find_child("Dx") is None
