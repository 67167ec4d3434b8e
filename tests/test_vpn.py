"""SiteToSiteVpn and VirtualPrivateGateway: resources, tunnel options, keys,
propagation, alarms, outputs; ConfigError for every refused input.

One app, synthesized once for the module with the four cdk-nag packs as
validation plugins (synthesis fails on any unacknowledged finding):

* ``VpnStatic``: the fixed example of tests/fixtures/vpn (static routing,
  generated keys, tunnel 2 with its own options, a library-made alarm topic);
* ``VpnBgp``: BGP, ASNs of its own, the keys in a secret the user gives;
* ``VpnTiers``: custom tiers, propagation to chosen tiers only, the user's topic;
* ``VpnShared``: one VirtualPrivateGateway shared by two VPNs (one without
  alarms), on a network whose ACLs admit the on-premises CIDR.

The ConfigError tests call the pure validation (vpn_plan) or build into a
throw-away stack; none synthesizes.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match

from vpc_patterns import BestPracticeVpc, ConfigError, Tier
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.vpn import (
    ALARM_PERIOD_SECONDS,
    OUTPUT_NAMES,
    TUNNEL_STATE_METRIC,
    VPN_DIMENSION,
    VPN_NAMESPACE,
    SiteToSiteVpn,
    VirtualPrivateGateway,
)
from vpc_patterns.plan.network import SubnetKind
from vpc_patterns.plan.vpn import (
    DEFAULT_INSIDE_CIDRS,
    RESERVED_INSIDE_CIDRS,
    TunnelOptions,
    on_premises_acl_rules,
    plan_vpn,
)

from .lint_helpers import cfn_lint

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
USER_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:vpn-keys-AbCdEf"
#: Tunnel 2 of the fixed example: what an older device may need.
EXAMPLE_TUNNEL2 = TunnelOptions(
    inside_cidr="169.254.20.4/30", ike_versions=["ikev1", "ikev2"], phase1_encryption=["AES128"],
    phase1_integrity=["SHA2-256"], phase1_dh_groups=[14], phase2_encryption=["AES128"],
    phase2_integrity=["SHA2-256"], phase2_dh_groups=[14], startup_action="add",
    dpd_timeout_action="clear", dpd_timeout_seconds=40)
ON_PREM = ["172.16.0.0/16", "192.168.50.0/24"]


@dataclass
class Built:
    stack: Stack
    network: BestPracticeVpc
    vpns: dict[str, SiteToSiteVpn]
    tpl: dict[str, Any]

    def lid(self, construct: Any) -> str:
        node = getattr(construct, "node", None)
        child = node.default_child if node is not None and node.default_child else construct
        return self.stack.resolve(child.logical_id)

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl["Resources"].items() if v["Type"] == type_}

    def props(self, construct: Any) -> dict:
        return self.tpl["Resources"][self.lid(construct)]["Properties"]

    def ref(self, construct: Any) -> dict:
        return {"Ref": self.lid(construct)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("vpn")
    app = App(context=cdk_context, outdir=str(out))
    stacks: dict[str, tuple] = {}

    s = Stack(app, "VpnStatic")
    net = BestPracticeVpc(s, "Network", cidr="10.20.0.0/16", max_azs=2)
    vpn = SiteToSiteVpn(s, "OnPremVpn", network=net, customer_gateway_ip="203.0.113.10",
                        static_routes=ON_PREM, tunnels=(TunnelOptions(), EXAMPLE_TUNNEL2))
    stacks["static"] = (s, net, {"OnPremVpn": vpn})

    b = Stack(app, "VpnBgp")
    net = BestPracticeVpc(b, "Network", cidr="10.30.0.0/16", max_azs=2)
    keys = secretsmanager.Secret.from_secret_complete_arn(b, "Keys", USER_SECRET_ARN)
    vpn = SiteToSiteVpn(b, "Vpn", network=net, customer_gateway_ip="198.51.100.7", routing="bgp",
                        customer_bgp_asn=65010, amazon_side_asn=64600, psk_secret=keys,
                        announced_routes=["172.16.0.0/16"])
    stacks["bgp"] = (b, net, {"Vpn": vpn})

    t = Stack(app, "VpnTiers")
    net = BestPracticeVpc(t, "Network", cidr="10.40.0.0/16", max_azs=3, tiers=[
        Tier("public", "public"), Tier("app", "private", cidr_mask=21),
        Tier("batch", "private", cidr_mask=21),
        Tier("data", "isolated"), Tier("later", "isolated", reserved=True)])
    topic = sns.Topic(t, "OpsTopic", master_key=kms.Key(t, "OpsKey", enable_key_rotation=True),
                      enforce_ssl=True)
    vpn = SiteToSiteVpn(t, "Vpn", network=net, customer_gateway_ip="192.0.2.44",
                        static_routes=["172.31.0.0/16"], propagate_to_tiers=["batch", "data"],
                        alarm_topic=topic)
    stacks["tiers"] = (t, net, {"Vpn": vpn})

    sh = Stack(app, "VpnShared")
    net = BestPracticeVpc(sh, "Network", cidr="10.50.0.0/16", max_azs=2,
                          acl_rules=on_premises_acl_rules(
                              ["172.16.0.0/16", "172.17.0.0/16"],
                              {"private": [443, 22], "isolated": [5432]}))
    gateway = VirtualPrivateGateway(sh, "Gateway", network=net, amazon_side_asn=4200000001)
    a = SiteToSiteVpn(sh, "SiteA", network=net, customer_gateway_ip="203.0.113.20",
                      static_routes=["172.16.0.0/16"], virtual_private_gateway=gateway)
    c = SiteToSiteVpn(sh, "SiteB", network=net, customer_gateway_ip="203.0.113.30",
                      customer_bgp_asn=65020, static_routes=["172.17.0.0/16"],
                      virtual_private_gateway=gateway, alarms=False,
                      tunnels=(TunnelOptions(inside_cidr="169.254.30.0/30"),
                               TunnelOptions(inside_cidr="169.254.30.4/30")))
    stacks["shared"] = (sh, net, {"SiteA": a, "SiteB": c, "_gateway": gateway})

    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()
    result: dict[str, Any] = {
        k: Built(st, n, v, json.loads((out / f"{st.artifact_id}.template.json").read_text()))
        for k, (st, n, v) in stacks.items()
    }
    result["_out"] = out
    return result


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _dynamic_ref(value: Any) -> str:
    """The text of a ``{{resolve:...}}`` value (Fn::Join of literals and Refs)."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


# --------------------------------------------------------------------------
# Compliance, lint, intents
# --------------------------------------------------------------------------


def test_four_nag_packs_report_no_finding(built: dict) -> None:
    report = json.loads((built["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cfn_lint_clean(built: dict) -> None:
    for tpl in sorted(built["_out"].glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


def test_network_intents_still_pass(built: dict) -> None:
    """The propagated on-premises routes give no tier a path to the internet."""
    from vpc_patterns.check import verify_paths

    report = verify_paths([built["_out"]])
    assert report.exit_code(strict=True) == 0, report.format_text(verbose=False)


ACK_METADATA = "aws:cdk:acknowledged-rules"
ROTATION_RULES = {"AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled",
                  "HIPAA.Security-SecretsManagerRotationEnabled"}


def _acknowledged(root: Any) -> dict[str, set[str]]:
    """Construct path -> rules acknowledged on it, under ``root``."""
    out: dict[str, set[str]] = {}
    for c in root.node.find_all():
        for m in c.node.metadata:
            if m.type == ACK_METADATA:
                out.setdefault(c.node.path, set()).update(k.split("::", 1)[1] for k in m.data)
    return out


def test_only_secret_rotation_is_acknowledged_and_only_on_generated_secrets(built: dict) -> None:
    """Per pack: AwsSolutions SMG4, NIST 800-53 r5 and HIPAA
    SecretsManagerRotationEnabled (PCI DSS 3.2.1 has no rotation rule); on
    the two secrets the construct generates, nowhere else."""
    assert _acknowledged(built["static"].vpns["OnPremVpn"]) == {
        f"VpnStatic/OnPremVpn/Tunnel{i}PreSharedKey": ROTATION_RULES for i in (1, 2)}
    assert _acknowledged(built["bgp"].vpns["Vpn"]) == {}  # the user's secret: nothing made
    for vpn in (built["shared"].vpns["SiteA"], built["shared"].vpns["_gateway"]):
        assert set().union(*_acknowledged(vpn).values() or [set()]) <= ROTATION_RULES


# --------------------------------------------------------------------------
# Gateways
# --------------------------------------------------------------------------


def test_customer_gateway_vpn_gateway_and_attachment(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    assert b.props(vpn.customer_gateway) == {
        "BgpAsn": 65000, "IpAddress": "203.0.113.10", "Type": "ipsec.1",
        "Tags": [{"Key": "Name", "Value": "VpnStatic/Network/OnPremVpn/cgw"}]}
    vgw = b.props(vpn.gateway.resource)
    assert (vgw["Type"], vgw["AmazonSideAsn"]) == ("ipsec.1", 64512)
    att = b.props(vpn.gateway.attachment)
    assert att == {"VpcId": b.ref(b.network.cfn_vpc), "VpnGatewayId": b.ref(vpn.gateway.resource)}
    conn = b.props(vpn.connection)
    assert conn["CustomerGatewayId"] == b.ref(vpn.customer_gateway)
    assert conn["VpnGatewayId"] == b.ref(vpn.gateway.resource)
    assert conn["Type"] == "ipsec.1"


def test_bgp_asns_and_routing(built: dict) -> None:
    b = built["bgp"]
    vpn = b.vpns["Vpn"]
    assert b.props(vpn.customer_gateway)["BgpAsn"] == 65010
    assert b.props(vpn.gateway.resource)["AmazonSideAsn"] == 64600
    assert b.props(vpn.connection)["StaticRoutesOnly"] is False
    assert b.of_type("AWS::EC2::VPNConnectionRoute") == {}
    # what the device announces is recorded for verify, not routed statically
    (lid,) = b.of_type("AWS::EC2::VPNConnection")
    assert b.tpl["Resources"][lid]["Metadata"]["vpc_patterns"] == {
        "learned_routes": ["172.16.0.0/16"]}


def test_documentation_address_is_accepted_with_an_info(built: dict) -> None:
    b = built["static"]
    Annotations.from_stack(b.stack).has_info(
        "/VpnStatic/OnPremVpn", Match.string_like_regexp("documentation address"))


# --------------------------------------------------------------------------
# Tunnels and keys
# --------------------------------------------------------------------------


def _values(items: list[dict]) -> list:
    return [i["Value"] for i in items]


def test_tunnel_options_are_the_requested_ones(built: dict) -> None:
    b = built["static"]
    t1, t2 = b.props(b.vpns["OnPremVpn"].connection)["VpnTunnelOptionsSpecifications"]
    assert t1["TunnelInsideCidr"] == DEFAULT_INSIDE_CIDRS[0] == "169.254.10.0/30"
    assert _values(t1["IKEVersions"]) == ["ikev2"]
    for phase in (1, 2):
        assert _values(t1[f"Phase{phase}EncryptionAlgorithms"]) == ["AES256-GCM-16", "AES256"]
        assert _values(t1[f"Phase{phase}IntegrityAlgorithms"]) == ["SHA2-384", "SHA2-256"]
        assert _values(t1[f"Phase{phase}DHGroupNumbers"]) == [20, 19, 14]
    assert (t1["Phase1LifetimeSeconds"], t1["Phase2LifetimeSeconds"]) == (28800, 3600)
    assert (t1["DPDTimeoutSeconds"], t1["DPDTimeoutAction"], t1["StartupAction"]) == (
        30, "restart", "start")

    assert t2["TunnelInsideCidr"] == "169.254.20.4/30"
    assert _values(t2["IKEVersions"]) == ["ikev1", "ikev2"]
    for phase in (1, 2):
        assert _values(t2[f"Phase{phase}EncryptionAlgorithms"]) == ["AES128"]
        assert _values(t2[f"Phase{phase}IntegrityAlgorithms"]) == ["SHA2-256"]
        assert _values(t2[f"Phase{phase}DHGroupNumbers"]) == [14]
    assert (t2["DPDTimeoutSeconds"], t2["DPDTimeoutAction"], t2["StartupAction"]) == (
        40, "clear", "add")


def test_pre_shared_keys_are_dynamic_references_to_one_secret_per_tunnel(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    specs = b.props(vpn.connection)["VpnTunnelOptionsSpecifications"]
    for i, (spec, secret) in enumerate(zip(specs, vpn.psk_secrets, strict=True), start=1):
        assert _dynamic_ref(spec["PreSharedKey"]) == (
            f"{{{{resolve:secretsmanager:<{b.lid(secret)}>:SecretString:tunnel{i}::}}}}")
        gen = b.props(secret)["GenerateSecretString"]
        assert gen == {"SecretStringTemplate": "{}", "GenerateStringKey": f"tunnel{i}",
                       "PasswordLength": 32, "ExcludePunctuation": True, "IncludeSpace": False,
                       "ExcludeCharacters": "0"}
        assert b.props(secret)["KmsKeyId"] == {"Fn::GetAtt": [b.lid(vpn.psk_key), "Arn"]}
    assert b.props(vpn.psk_key)["EnableKeyRotation"] is True


def test_a_given_secret_serves_both_tunnels(built: dict) -> None:
    b = built["bgp"]
    specs = b.props(b.vpns["Vpn"].connection)["VpnTunnelOptionsSpecifications"]
    assert [_dynamic_ref(s["PreSharedKey"]) for s in specs] == [
        f"{{{{resolve:secretsmanager:{USER_SECRET_ARN}:SecretString:tunnel{i}::}}}}"
        for i in (1, 2)]
    assert b.vpns["Vpn"].psk_key is None
    assert not [k for k in b.of_type("AWS::KMS::Key") if "PreSharedKeys" in k]


_KEY_LIKE = re.compile(r"^[A-Za-z0-9._]{8,64}$")


def _looks_like_a_key(s: str) -> bool:
    return bool(_KEY_LIKE.match(s) and re.search(r"[a-z]", s) and re.search(r"[A-Z]", s)
                and re.search(r"\d", s))


def test_the_key_heuristic_catches_a_key() -> None:
    assert _looks_like_a_key("Q7rT2mX9pL4sV8nBw1Kz")  # what GenerateSecretString makes
    assert not _looks_like_a_key("AES256-GCM-16") and not _looks_like_a_key("ikev2")


@pytest.mark.parametrize("name", ["static", "bgp", "tiers", "shared"])
def test_no_template_string_looks_like_a_key(built: dict, name: str) -> None:
    """No literal that could be a pre-shared key (8..64 letters, digits, '.'
    or '_', mixing upper case, lower case and digits), other than logical
    ids and names the template uses, and every PreSharedKey is a dynamic
    reference."""
    b = built[name]
    tpl = b.tpl
    known = set(tpl["Resources"]) | set(tpl.get("Outputs", {})) | set(tpl.get("Parameters", {}))
    for s in _strings(tpl):
        assert s in known or not _looks_like_a_key(s), f"{s!r} in {name} looks like a key"
    found = 0
    for res in b.of_type("AWS::EC2::VPNConnection").values():
        for spec in res["Properties"]["VpnTunnelOptionsSpecifications"]:
            assert _dynamic_ref(spec["PreSharedKey"]).startswith("{{resolve:secretsmanager:")
            found += 1
    assert found == 2 * len(b.of_type("AWS::EC2::VPNConnection")) > 0


# --------------------------------------------------------------------------
# Routes and propagation
# --------------------------------------------------------------------------


def test_one_connection_route_per_on_premises_cidr(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    routes = b.of_type("AWS::EC2::VPNConnectionRoute")
    assert sorted(r["Properties"]["DestinationCidrBlock"] for r in routes.values()) == ON_PREM
    assert all(r["Properties"]["VpnConnectionId"] == b.ref(vpn.connection)
               for r in routes.values())
    assert b.props(vpn.connection)["StaticRoutesOnly"] is True


def _propagated_tables(b: Built) -> set[str]:
    (prop,) = b.of_type("AWS::EC2::VPNGatewayRoutePropagation").values()
    return {r["Ref"] for r in prop["Properties"]["RouteTableIds"]}


def test_propagation_on_exactly_the_private_and_isolated_route_tables(built: dict) -> None:
    b = built["static"]
    plan = b.network.plan
    want = {b.lid(b.network.route_tables[rt.construct_id]) for rt in plan.route_tables
            if rt.kind in (SubnetKind.PRIVATE, SubnetKind.ISOLATED)}
    public = {b.lid(b.network.route_tables[rt.construct_id]) for rt in plan.route_tables
              if rt.kind is SubnetKind.PUBLIC}
    assert len(want) == 3 and public  # 2 private (one per AZ) + 1 isolated
    assert _propagated_tables(b) == want
    (prop,) = b.of_type("AWS::EC2::VPNGatewayRoutePropagation").values()
    gw = b.vpns["OnPremVpn"].gateway
    assert prop["DependsOn"] == [b.lid(gw.attachment)]
    assert prop["Properties"]["VpnGatewayId"] == b.ref(gw.resource)


def test_propagation_on_chosen_tiers_only(built: dict) -> None:
    b = built["tiers"]
    plan = b.network.plan
    want = {b.lid(b.network.route_tables[rt.construct_id]) for rt in plan.route_tables
            if rt.tier in ("batch", "data")}
    assert len(want) == 4  # batch: one per AZ (3), data: shared (1)
    assert _propagated_tables(b) == want


def test_a_shared_gateway_serves_two_vpns(built: dict) -> None:
    b = built["shared"]
    gateway = b.vpns["_gateway"]
    assert len(b.of_type("AWS::EC2::VPNGateway")) == 1
    assert b.props(gateway.resource)["AmazonSideAsn"] == 4200000001
    conns = b.of_type("AWS::EC2::VPNConnection")
    assert len(conns) == 2
    assert {json.dumps(c["Properties"]["VpnGatewayId"]) for c in conns.values()} == {
        json.dumps(b.ref(gateway.resource))}
    assert len(b.of_type("AWS::EC2::CustomerGateway")) == 2
    # SiteB has no alarms, SiteA its two.
    assert len(b.of_type("AWS::CloudWatch::Alarm")) == 2
    assert b.vpns["SiteB"].alarms == {} and b.vpns["SiteB"].topic is None


def test_on_premises_acl_rules_reach_the_network_acls(built: dict) -> None:
    b = built["shared"]
    entries = [e["Properties"] for e in b.of_type("AWS::EC2::NetworkAclEntry").values()]
    onprem = [e for e in entries if e.get("CidrBlock", "").startswith("172.1")]
    allowed = [e for e in onprem if e["RuleAction"] == "allow"]
    inbound = {(e["CidrBlock"], e["PortRange"]["From"]) for e in allowed if not e.get("Egress")}
    assert inbound == {(c, p) for c in ("172.16.0.0/16", "172.17.0.0/16")
                       for p in (443, 22, 5432)}
    # the isolated tier stays closed to the private ranges the sites live in
    denied = {(e["CidrBlock"], bool(e.get("Egress"))) for e in onprem if e["RuleAction"] == "deny"}
    assert denied == {("172.16.0.0/12", False), ("172.16.0.0/12", True)}
    assert b.network.network_acls is not None
    assert b.network._acl_plan.findings == ()


# --------------------------------------------------------------------------
# Alarms
# --------------------------------------------------------------------------


def test_tunnel_state_alarms_per_connection(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    alarms = {k: b.props(a) for k, a in vpn.alarms.items()}
    assert set(alarms) == {"TunnelDown", "BothTunnelsDown"}
    for a in alarms.values():
        assert (a["Namespace"], a["MetricName"]) == (VPN_NAMESPACE, TUNNEL_STATE_METRIC) == (
            "AWS/VPN", "TunnelState")
        assert a["Dimensions"] == [{"Name": VPN_DIMENSION, "Value": b.ref(vpn.connection)}]
        assert VPN_DIMENSION == "VpnId"
        assert a["Period"] == ALARM_PERIOD_SECONDS == 300
        assert a["ComparisonOperator"] == "LessThanThreshold"
        assert a["EvaluationPeriods"] == a["DatapointsToAlarm"] == 1
        assert a["AlarmActions"] == a["OKActions"] == [b.ref(vpn.topic)]
    down, both = alarms["TunnelDown"], alarms["BothTunnelsDown"]
    assert (down["Statistic"], down["Threshold"], down["TreatMissingData"]) == (
        "Minimum", 1, "missing")
    assert (both["Statistic"], both["Threshold"], both["TreatMissingData"]) == (
        "Maximum", 0.5, "breaching")


def test_library_topic_is_encrypted_and_tls_only(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    topic = b.props(vpn.topic)
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [b.lid(vpn.topic_key), "Arn"]}
    assert b.props(vpn.topic_key)["EnableKeyRotation"] is True
    (policy,) = b.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    tls_only = {"Bool": {"aws:SecureTransport": "false"}}
    assert any(s["Effect"] == "Deny" and s["Condition"] == tls_only for s in statements)
    publish = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in publish] == [{"Service": "cloudwatch.amazonaws.com"}]


def test_a_given_topic_is_used_and_none_is_made(built: dict) -> None:
    b = built["tiers"]
    vpn = b.vpns["Vpn"]
    assert vpn.topic_key is None
    assert len(b.of_type("AWS::SNS::Topic")) == 1
    for a in vpn.alarms.values():
        assert b.props(a)["AlarmActions"] == [{"Ref": b.lid(vpn.topic)}]


# --------------------------------------------------------------------------
# Outputs (what the operator's tool reads)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name, fixture, stack", [
    ("static", "outputs-static.json", "VpnStatic"), ("bgp", "outputs-bgp.json", "VpnBgp")])
def test_fixture_outputs_match_the_synthesized_ones(built: dict, name: str, fixture: str,
                                                    stack: str) -> None:
    """tests/fixtures/vpn holds what `cdk deploy --outputs-file` writes for
    these stacks, ids made up: same keys, same literal values."""
    b = built[name]
    fixture_outs = json.loads((FIXTURES / fixture).read_text())[stack]
    (vpn,) = [v for k, v in b.vpns.items() if not k.startswith("_")]
    mine = {k: v for k, v in fixture_outs.items() if k in vpn.output_keys.values()}
    assert set(mine) == set(vpn.output_keys.values())
    for key, out in b.tpl["Outputs"].items():
        if key in mine and isinstance(out["Value"], str):
            assert mine[key] == out["Value"], key


def test_outputs_name_everything_the_operator_needs(built: dict) -> None:
    b = built["static"]
    vpn = b.vpns["OnPremVpn"]
    keys = vpn.output_keys
    assert set(keys) == set(OUTPUT_NAMES)
    assert all(k.startswith("OnPremVpn") for k in keys.values())
    outs = b.tpl["Outputs"]
    assert outs[keys["VpnConnectionId"]]["Value"] == b.ref(vpn.connection)
    assert outs[keys["VpnGatewayId"]]["Value"] == b.ref(vpn.gateway.resource)
    assert outs[keys["CustomerGatewayId"]]["Value"] == b.ref(vpn.customer_gateway)
    assert outs[keys["Tunnel1PskSecretArn"]]["Value"] == b.ref(vpn.psk_secrets[0])
    assert outs[keys["StaticRoutes"]]["Value"] == ",".join(ON_PREM)
    assert [outs[keys[f"Tunnel{i}InsideCidr"]]["Value"] for i in (1, 2)] == [
        "169.254.10.0/30", "169.254.20.4/30"]
    tunnels = [TunnelOptions.from_dict(t) for t in json.loads(outs[keys["TunnelOptions"]]["Value"])]
    assert tunnels == list(vpn.plan.tunnels)
    assert "StaticRoutes" not in built["bgp"].vpns["Vpn"].output_keys


# --------------------------------------------------------------------------
# ConfigError: every refused input names the value
# --------------------------------------------------------------------------


def _plan(**kw: Any):
    base: dict[str, Any] = {"customer_gateway_ip": "203.0.113.10",
                            "static_routes": ["172.16.0.0/16"]}
    base.update(kw)
    return plan_vpn("10.0.0.0/16", **base)


@pytest.mark.parametrize("cidr", ["10.0.0.0/30", "169.253.255.252/30", "192.0.2.0/30"])
def test_inside_cidr_outside_link_local_is_refused(cidr: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"{cidr!r} is outside 169.254.0.0/16")):
        TunnelOptions(inside_cidr=cidr)


def test_reused_inside_cidr_is_refused() -> None:
    same = TunnelOptions(inside_cidr="169.254.30.0/30")
    with pytest.raises(ConfigError, match=r"'169\.254\.30\.0/30' is already used by tunnel 1"):
        _plan(tunnels=(same, same))
    with pytest.raises(ConfigError, match=r"'169\.254\.10\.0/30' is already used"):
        _plan(tunnels=(TunnelOptions(), TunnelOptions(inside_cidr="169.254.10.0/30")))


@pytest.mark.parametrize("cidr", RESERVED_INSIDE_CIDRS)
def test_reserved_inside_cidr_is_refused(cidr: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"{cidr!r} is reserved by AWS")):
        TunnelOptions(inside_cidr=cidr)


@pytest.mark.parametrize("cidr, why", [("169.254.30.0/29", "is a /29"),
                                       ("169.254.30.1/30", "is not an IPv4 CIDR"),
                                       ("fd00::/126", "is not an IPv4 CIDR")])
def test_inside_cidr_must_be_an_aligned_slash_30(cidr: str, why: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"{cidr!r} {why}")):
        TunnelOptions(inside_cidr=cidr)


@pytest.mark.parametrize("asn", [0, -1, 2147483648, "65000", True])
def test_customer_asn_out_of_range_is_refused(asn: Any) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"customer_bgp_asn {asn!r} is out of range")):
        _plan(customer_bgp_asn=asn)


@pytest.mark.parametrize("asn", [64511, 65535, 65000000, 4199999999, 4294967295, 1])
def test_amazon_asn_out_of_range_is_refused(asn: int) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"amazon_side_asn {asn!r} is out of range")):
        _plan(amazon_side_asn=asn)


def test_amazon_asn_accepts_both_private_ranges() -> None:
    assert _plan(amazon_side_asn=65534).amazon_side_asn == 65534
    assert _plan(amazon_side_asn=4294967294).amazon_side_asn == 4294967294


def test_reserved_and_equal_asns_are_refused() -> None:
    with pytest.raises(ConfigError, match="customer_bgp_asn 7224 is reserved by AWS"):
        _plan(customer_bgp_asn=7224)
    with pytest.raises(ConfigError, match=r"9059 is reserved by AWS \(in eu-west-1\)"):
        _plan(customer_bgp_asn=9059, region="eu-west-1")
    assert _plan(customer_bgp_asn=9059, region="us-east-1").customer_bgp_asn == 9059
    with pytest.raises(ConfigError, match="customer_bgp_asn 64512 equals amazon_side_asn"):
        _plan(customer_bgp_asn=64512)


@pytest.mark.parametrize("ip, why", [
    ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"),
    ("100.64.0.1", "carrier-grade NAT"), ("127.0.0.1", "loopback"),
    ("169.254.1.1", "link-local"), ("224.0.0.5", "multicast"),
    ("255.255.255.255", "reserved"), ("0.1.2.3", "'this network'"),
    ("198.18.0.1", "benchmarking"),
])
def test_private_or_reserved_customer_ip_is_refused(ip: str, why: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"customer_gateway_ip {ip!r} is a {why}")):
        _plan(customer_gateway_ip=ip)


@pytest.mark.parametrize("ip", ["2001:db8::1", "203.0.113.300", "vpn.example.com", None])
def test_customer_ip_must_be_ipv4(ip: Any) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"customer_gateway_ip {ip!r} is not an IPv4")):
        _plan(customer_gateway_ip=ip)


@pytest.mark.parametrize("ip", ["192.0.2.10", "198.51.100.10", "203.0.113.10", "52.95.110.1"])
def test_documentation_and_public_addresses_are_accepted(ip: str) -> None:
    assert _plan(customer_gateway_ip=ip).customer_gateway_ip == ip


@pytest.mark.parametrize("kw, message", [
    ({"ike_versions": ["ikev3"]}, "ike_versions: 'ikev3' is not accepted"),
    ({"ike_versions": []}, "ike_versions is empty"),
    ({"ike_versions": "ikev2"}, "ike_versions 'ikev2' must be a list"),
    ({"phase1_encryption": ["3DES"]}, "phase1_encryption: '3DES' is not accepted"),
    ({"phase2_encryption": ["AES256", "aes256"]},
     "phase2_encryption lists 'aes256' more than once"),
    ({"phase1_integrity": ["MD5"]}, "phase1_integrity: 'MD5' is not accepted"),
    ({"phase2_integrity": ["SHA2-224"]}, "phase2_integrity: 'SHA2-224' is not accepted"),
    ({"phase1_dh_groups": [5]}, "phase1_dh_groups: 5 is not a DH group"),
    ({"phase2_dh_groups": [1]}, "phase2_dh_groups: 1 is not a DH group"),
    ({"phase2_dh_groups": [25]}, "phase2_dh_groups: 25 is not a DH group"),
    ({"phase1_lifetime_seconds": 28801}, "phase1_lifetime_seconds 28801 is out of range"),
    ({"phase2_lifetime_seconds": 899}, "phase2_lifetime_seconds 899 is out of range"),
    ({"phase1_lifetime_seconds": 1800, "phase2_lifetime_seconds": 1800},
     "phase2_lifetime_seconds 1800 must be shorter"),
    ({"dpd_timeout_seconds": 29}, "dpd_timeout_seconds 29 is out of range"),
    ({"dpd_timeout_action": "hold"}, "dpd_timeout_action 'hold' is not accepted"),
    ({"startup_action": "initiate"}, "startup_action 'initiate' is not accepted"),
    ({"ike_versions": ["ikev1"]}, "startup_action 'start' with ike_versions ['ikev1']"),
])
def test_tunnel_option_errors_name_the_value(kw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        TunnelOptions(**kw)


def test_phase2_accepts_group_5_and_ikev1_with_add() -> None:
    t = TunnelOptions(phase2_dh_groups=[5], ike_versions=["IKEv1"], startup_action="add")
    assert t.phase2_dh_groups == (5,) and t.ike_versions == ("ikev1",)


@pytest.mark.parametrize("kw, message", [
    ({"static_routes": ["10.0.128.0/17"]}, "static route '10.0.128.0/17' overlaps the VPC CIDR"),
    ({"static_routes": ["0.0.0.0/0"]}, "static route '0.0.0.0/0' overlaps the VPC CIDR"),
    ({"static_routes": ["172.16.0.1/16"]}, "'172.16.0.1/16' is not an aligned IPv4 CIDR (did you"),
    ({"static_routes": ["169.254.0.0/24"]}, "'169.254.0.0/24' overlaps the link-local range"),
    ({"static_routes": ["172.16.0.0/16", "172.16.0.0/16"]}, "lists '172.16.0.0/16' more than once"),
    ({"static_routes": "172.16.0.0/16"}, "static_routes '172.16.0.0/16' must be a list"),
    ({"static_routes": []}, "routing 'static' needs at least one on-premises CIDR"),
    ({"routing": "bgp"}, "static_routes ['172.16.0.0/16'] are given with routing 'bgp'"),
    ({"routing": "ospf"}, "routing 'ospf' is not accepted"),
    ({"tunnels": (TunnelOptions(),)}, "must be two TunnelOptions"),
])
def test_vpn_errors_name_the_value(kw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _plan(**kw)


def test_tunnel_options_round_trip_through_json() -> None:
    t = EXAMPLE_TUNNEL2
    assert TunnelOptions.from_dict(json.loads(json.dumps(t.to_dict()))) == t
    with pytest.raises(ConfigError, match="unknown key 'phase3'"):
        TunnelOptions.from_dict({"phase3": 1})


@pytest.fixture
def scratch(cdk_context: dict) -> tuple[Stack, BestPracticeVpc]:
    stack = Stack(App(context=cdk_context), "Scratch")
    return stack, BestPracticeVpc(stack, "Network", max_azs=1, nat=None, flow_log=False,
                                  network_acls=False)


def test_construct_errors_name_the_value(scratch: tuple[Stack, BestPracticeVpc]) -> None:
    stack, net = scratch
    ok = {"network": net, "customer_gateway_ip": "203.0.113.10", "static_routes": ["172.16.0.0/16"]}
    cases = [
        ({"network": object()}, "is not a BestPracticeVpc"),
        ({"propagate_to_tiers": ["db"]}, "propagate_to_tiers names tier 'db', which this VPC"),
        ({"propagate_to_tiers": "private"}, "propagate_to_tiers 'private' must be a list"),
        ({"psk_secret": "my-secret"}, "psk_secret 'my-secret' is not a secretsmanager.ISecret"),
        ({"alarms": False, "alarm_topic": object()}, "needs alarms=True"),
        ({"output_prefix": "1vpn"}, "output_prefix '1vpn' must be a letter"),
        ({"amazon_side_asn": 100}, "amazon_side_asn 100 is out of range"),
        ({"announced_routes": ["172.18.0.0/16"]},
         "announced_routes ['172.18.0.0/16'] are given with routing 'static'"),
        ({"routing": "bgp", "static_routes": (), "announced_routes": ["10.0.0.0/8"]},
         "announced_routes entry '10.0.0.0/8' overlaps the VPC CIDR"),
        ({"routing": "bgp", "static_routes": (), "announced_routes": "172.18.0.0/16"},
         "announced_routes '172.18.0.0/16' must be a list"),
    ]
    for kw, message in cases:
        with pytest.raises(ConfigError, match=re.escape(message)):
            SiteToSiteVpn(stack, f"Vpn{len(stack.node.children)}", **{**ok, **kw})
    # Nothing was built by the refused calls.
    assert [c.node.id for c in stack.node.children if c.node.id.startswith("Vpn")] == []


def test_one_gateway_per_vpc(scratch: tuple[Stack, BestPracticeVpc]) -> None:
    stack, net = scratch
    gw = VirtualPrivateGateway(stack, "Gateway", network=net)
    with pytest.raises(ConfigError, match="already has virtual private gateway Scratch/Gateway"):
        SiteToSiteVpn(stack, "Vpn", network=net, customer_gateway_ip="203.0.113.10",
                      static_routes=["172.16.0.0/16"])
    first = SiteToSiteVpn(stack, "First", network=net, customer_gateway_ip="203.0.113.10",
                          static_routes=["172.16.0.0/16"], virtual_private_gateway=gw)
    with pytest.raises(ConfigError, match=re.escape(
            "inside_cidr '169.254.10.0/30' is already used by VPN Scratch/First on the same "
            "virtual private gateway")):
        SiteToSiteVpn(stack, "Second", network=net, customer_gateway_ip="203.0.113.11",
                      static_routes=["172.17.0.0/16"], virtual_private_gateway=gw)
    assert set(gw.inside_cidrs) == {"169.254.10.0/30", "169.254.10.4/30"}
    assert first.gateway is gw
    with pytest.raises(ConfigError, match="amazon_side_asn 64513 is given with virtual_private"):
        SiteToSiteVpn(stack, "Vpn", network=net, customer_gateway_ip="203.0.113.10",
                      static_routes=["172.16.0.0/16"], virtual_private_gateway=gw,
                      amazon_side_asn=64513)


def test_reserved_tier_cannot_receive_routes(cdk_context: dict) -> None:
    stack = Stack(App(context=cdk_context), "Scratch")
    net = BestPracticeVpc(stack, "Network", max_azs=1, flow_log=False, network_acls=False,
                          tiers=[Tier("public", "public"), Tier("private", "private"),
                                 Tier("later", "isolated", reserved=True)])
    with pytest.raises(ConfigError, match="tier 'later', which is reserved"):
        VirtualPrivateGateway(stack, "Gateway", network=net, propagate_to_tiers=["later"])


def test_on_premises_acl_rules_stay_below_the_library_rules() -> None:
    rules = on_premises_acl_rules(["172.16.0.0/16"], {"private": [443]})
    assert [(r.number, r.egress, r.cidr) for r in rules["private"]] == [
        (10, False, "172.16.0.0/16"), (10, True, "172.16.0.0/16")]
    assert rules["private"][1].reply is True
    many = [str(n) for n in ipaddress.ip_network("172.16.0.0/12").subnets(new_prefix=20)][:50]
    with pytest.raises(ConfigError, match="tier 'private': 100 on-premises ACL rules"):
        on_premises_acl_rules(many, {"private": [443, 22]})
