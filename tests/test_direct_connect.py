"""DirectConnectAssociation: the custom resource, its least-privilege role, and
the handler's logic against a stubbed Direct Connect API (botocore Stubber,
no network).

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

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_cdk import App, Stack, Validations
from botocore.stub import Stubber

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

DXGW = "5f294f92-bafb-4011-916d-9b0b0a1b2c3d"
DXGW2 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
VGW = "vgw-0123456789abcdef0"
ASSOC = "c2b3f1a4-0d5e-4f6a-9b7c-8d9e0f1a2b3c"
ASSOC2 = "d3c4f2b5-1e6f-4a7b-8c8d-9e0f1a2b3c4e"


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
    from cfnlint import api

    for tpl in sorted(built["out"].glob("*.template.json")):
        matches = api.lint_file(tpl, config=api.ManualArgs(regions=["us-east-1"]))
        assert [str(m) for m in matches] == [], tpl.name


def _acknowledged(root: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in root.node.find_all():
        for m in c.node.metadata:
            if m.type == "aws:cdk:acknowledged-rules":
                out.setdefault(c.node.path, set()).update(k.split("::", 1)[1] for k in m.data)
    return out


def test_acknowledgments_are_the_unscoped_update_and_the_handler_rules(built: dict) -> None:
    """AwsSolutions IAM5 on the handler's policy (UpdateDirectConnectGateway-
    Association has no resource-level permission); LambdaInsideVPC and
    LambdaDLQ (NIST, HIPAA, PCI) come from inline_handler as for every
    deploy-time handler of the library, with Control Tower's Lambda-in-VPC
    rule (CT.LAMBDA.PR.3, the cfn-guard plugin's acknowledgment)."""
    acks = _acknowledged(built["dx"])
    assert acks["DxWithVpn/DirectConnect/HandlerPolicy"] == {"AwsSolutions-IAM5[Resource::*]"}
    assert acks["DxWithVpn/DirectConnect/Handler"] == {
        "NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC",
        "PCI.DSS.321-LambdaInsideVPC", "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
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
    # Associated after the gateway is attached, removed before it is detached.
    assert res["DependsOn"] == [a.lid(vpn.gateway.attachment)]


def test_wider_allowed_prefixes_and_a_gateway_by_id(built: dict) -> None:
    b: Built = built["b"]
    assert b.props(built["dx_b"].resource)["AllowedPrefixes"] == ["10.30.0.0/16", "10.0.0.0/8"]
    assert b.props(built["dx_b"].resource)["VirtualGatewayId"] == {
        "Ref": b.lid(built["gw"].resource)}
    by_id = b.res(built["dx_id"].resource)
    assert by_id["Properties"]["VirtualGatewayId"] == VGW
    assert "DependsOn" not in by_id


def test_handler_function(built: dict) -> None:
    a: Built = built["a"]
    fn = a.props(built["dx"].function)
    assert fn["Code"]["ZipFile"] == HANDLER_SOURCE.read_text()
    assert len(fn["Code"]["ZipFile"]) <= 4096
    assert fn["Timeout"] == HANDLER_TIMEOUT_SECONDS == 900
    assert fn["Runtime"].startswith("python3.") and fn["Handler"] == "index.handler"
    assert fn["ReservedConcurrentExecutions"] == 1
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


# --------------------------------------------------------------------------
# The handler, against a stubbed Direct Connect API
# --------------------------------------------------------------------------


def _load_handler() -> Any:
    spec = importlib.util.spec_from_file_location("dx_handler_under_test", HANDLER_SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Context:
    """A Lambda context whose remaining time drops by ``step`` ms per call."""

    def __init__(self, remaining_ms: int = 900_000, step: int = 15_000) -> None:
        self.remaining, self.step = remaining_ms, step

    def get_remaining_time_in_millis(self) -> int:
        self.remaining -= self.step
        return self.remaining


@dataclass
class Harness:
    module: Any
    stub: Stubber
    responses: list[dict]
    sleeps: list[float]

    def event(self, kind: str, props: dict | None = None, old: dict | None = None,
              physical: str | None = None) -> dict:
        e = {"RequestType": kind, "ResponseURL": "https://cloudformation-custom-resource.invalid/r",
             "StackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/s/1",
             "RequestId": "req-1", "LogicalResourceId": "DirectConnect",
             "ResourceProperties": props or PROPS}
        if old is not None:
            e["OldResourceProperties"] = old
        if physical is not None:
            e["PhysicalResourceId"] = physical
        return e

    def run(self, event: dict, ctx: Context | None = None) -> dict:
        self.module.handler(event, ctx or Context())
        self.stub.assert_no_pending_responses()
        assert len(self.responses) == 1
        return self.responses.pop()


PROPS = {"ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:f",
         "DirectConnectGatewayId": DXGW, "VirtualGatewayId": VGW,
         "AllowedPrefixes": ["10.20.0.0/16"]}


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    module = _load_handler()
    client = boto3.client("directconnect", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    module.DX[:] = [client]
    responses: list[dict] = []
    sleeps: list[float] = []

    def urlopen(req: Any, timeout: float) -> None:
        assert req.get_method() == "PUT" and req.full_url.startswith("https://cloudformation-")
        responses.append(json.loads(req.data))

    monkeypatch.setattr(module.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(module.time, "sleep", sleeps.append)
    with Stubber(client) as stub:
        yield Harness(module, stub, responses, sleeps)


def _assoc(state: str, aid: str = ASSOC, prefixes: list[str] | None = None,
           error: str | None = None) -> dict:
    a = {"associationId": aid, "associationState": state, "directConnectGatewayId": DXGW,
         "virtualGatewayId": VGW,
         "allowedPrefixesToDirectConnectGateway": [
             {"cidr": c} for c in prefixes or ["10.20.0.0/16"]]}
    if error:
        a["stateChangeError"] = error
    return a


def _describe(stub: Stubber, *states: str, aid: str = ASSOC, gw: str = DXGW) -> None:
    for s in states:
        body = {"directConnectGatewayAssociations": [] if s == "gone" else [_assoc(s, aid)]}
        stub.add_response("describe_direct_connect_gateway_associations", body,
                          {"directConnectGatewayId": gw, "associationId": aid})


def test_create_associates_and_waits_for_associated(harness: Harness) -> None:
    harness.stub.add_response(
        "create_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("associating")},
        {"directConnectGatewayId": DXGW, "virtualGatewayId": VGW,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/16"}]})
    _describe(harness.stub, "associating", "associating", "associated")
    r = harness.run(harness.event("Create"))
    assert (r["Status"], r["PhysicalResourceId"], r["Data"]) == (
        "SUCCESS", ASSOC, {"AssociationId": ASSOC})
    assert harness.sleeps == [harness.module.POLL_S] * 2


def test_create_that_never_completes_fails_before_the_timeout_with_the_id(
        harness: Harness) -> None:
    """FAILED with the association id, so the rollback's Delete removes it."""
    harness.stub.add_response(
        "create_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("associating")}, None)
    # 80 s, 65 s, 50 s left: poll again; 35 s left (< 45 s margin): give up.
    _describe(harness.stub, *["associating"] * 4)
    r = harness.run(harness.event("Create"), Context(remaining_ms=95_000, step=15_000))
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == ASSOC
    assert len(harness.sleeps) == 3
    assert "still associating, not associated, at the timeout" in r["Reason"]


def test_create_reports_the_state_change_error(harness: Harness) -> None:
    harness.stub.add_response(
        "create_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("associating")}, None)
    harness.stub.add_response(
        "describe_direct_connect_gateway_associations",
        {"directConnectGatewayAssociations": [_assoc("associating", error="prefix overlap")]},
        None)
    r = harness.run(harness.event("Create"))
    assert r["Status"] == "FAILED" and "prefix overlap" in r["Reason"]


def test_create_api_error_is_reported_and_nothing_is_left_to_delete(harness: Harness) -> None:
    harness.stub.add_client_error(
        "create_direct_connect_gateway_association", "DirectConnectClientException",
        "The virtual private gateway is already associated")
    r = harness.run(harness.event("Create"))
    assert r["Status"] == "FAILED" and "already associated" in r["Reason"]
    assert r["PhysicalResourceId"] == "none-req-1"
    # The rollback's Delete of that id calls nothing.
    r = harness.run(harness.event("Delete", physical=r["PhysicalResourceId"]))
    assert r["Status"] == "SUCCESS"


def test_update_of_prefixes_adds_and_removes_only_the_difference(harness: Harness) -> None:
    old = {**PROPS, "AllowedPrefixes": ["10.20.0.0/16", "10.0.0.0/8"]}
    new = {**PROPS, "AllowedPrefixes": ["10.20.0.0/16", "10.20.0.0/15"]}
    harness.stub.add_response(
        "update_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": _assoc("updating")},
        {"associationId": ASSOC,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/15"}],
         "removeAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.0.0.0/8"}]})
    _describe(harness.stub, "updating", "associated")
    r = harness.run(harness.event("Update", new, old, ASSOC))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_update_without_a_change_calls_nothing(harness: Harness) -> None:
    r = harness.run(harness.event("Update", PROPS, dict(PROPS), ASSOC))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_update_to_another_gateway_disassociates_first(harness: Harness) -> None:
    new = {**PROPS, "DirectConnectGatewayId": DXGW2}
    _describe(harness.stub, "associated")  # old association, on the old gateway
    harness.stub.add_response("delete_direct_connect_gateway_association",
                              {"directConnectGatewayAssociation": _assoc("disassociating")},
                              {"associationId": ASSOC})
    _describe(harness.stub, "disassociating", "disassociated")
    harness.stub.add_response(
        "create_direct_connect_gateway_association",
        {"directConnectGatewayAssociation": {**_assoc("associating", ASSOC2),
                                             "directConnectGatewayId": DXGW2}},
        {"directConnectGatewayId": DXGW2, "virtualGatewayId": VGW,
         "addAllowedPrefixesToDirectConnectGateway": [{"cidr": "10.20.0.0/16"}]})
    _describe(harness.stub, "associated", aid=ASSOC2, gw=DXGW2)
    r = harness.run(harness.event("Update", new, dict(PROPS), ASSOC))
    # A new physical id: CloudFormation's cleanup then deletes the old one (gone already).
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC2)


def test_delete_disassociates_and_waits(harness: Harness) -> None:
    _describe(harness.stub, "associated")
    harness.stub.add_response("delete_direct_connect_gateway_association",
                              {"directConnectGatewayAssociation": _assoc("disassociating")},
                              {"associationId": ASSOC})
    _describe(harness.stub, "disassociating", "gone")
    r = harness.run(harness.event("Delete", physical=ASSOC))
    assert (r["Status"], r["PhysicalResourceId"]) == ("SUCCESS", ASSOC)


def test_delete_of_an_association_already_gone_succeeds(harness: Harness) -> None:
    harness.stub.add_client_error("describe_direct_connect_gateway_associations",
                                  "DirectConnectClientException", "not found")
    r = harness.run(harness.event("Delete", physical=ASSOC))
    assert r["Status"] == "SUCCESS"


def test_delete_while_disassociating_only_waits(harness: Harness) -> None:
    _describe(harness.stub, "disassociating", "disassociated")
    r = harness.run(harness.event("Delete", physical=ASSOC))
    assert r["Status"] == "SUCCESS"


def test_access_denied_is_not_mistaken_for_not_found(harness: Harness) -> None:
    harness.stub.add_client_error("describe_direct_connect_gateway_associations",
                                  "AccessDeniedException", "not authorized", 400)
    r = harness.run(harness.event("Delete", physical=ASSOC))
    assert r["Status"] == "FAILED" and "not authorized" in r["Reason"]


def test_handler_client_is_made_lazily() -> None:
    """Importing the handler makes no client (no region or credentials are
    needed until CloudFormation calls it)."""
    module = _load_handler()
    assert module.DX == []
    assert Path(module.__file__) == HANDLER_SOURCE
