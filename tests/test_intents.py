"""Intents: factories, serialisation, defaults, verdicts with their paths on
hand-written broken templates, the reference templates, and the verify CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vpc_patterns import ConfigError, Tier
from vpc_patterns.check import (
    NetworkAnalyzer,
    Template,
    build_models,
    evaluate,
    inferred_default_intents,
    path_text,
    verify_model,
    verify_paths,
)
from vpc_patterns.cli.main import main
from vpc_patterns.plan.intents import (
    METADATA_KEY,
    Intent,
    PortRange,
    default_intents,
    intents_from_metadata,
    intents_metadata,
)
from vpc_patterns.plan.network import plan_network

from .conftest import ROOT
from .network_templates import IGW, Net, app_data, public_acl, three_tier


def vpc_of(n: Net | dict):
    body = n.template() if isinstance(n, Net) else n
    return build_models(Template("t.template.json", "t", body))[0]


def check(n: Net, intent: Intent):
    m = vpc_of(n)
    return evaluate(intent, NetworkAnalyzer(m))


def texts(result) -> list[str]:
    return [path_text(f.path) for f in result.findings]


# ---------------------------------------------------------------------------
# Factories and validation
# ---------------------------------------------------------------------------


def test_factories_normalise_ports() -> None:
    i = Intent.internet_ingress_only(["public"], [443, "80", "8000-8010", (9000, 9001), 443])
    assert i.ports == (PortRange(80, 80), PortRange(443, 443), PortRange(8000, 8010),
                       PortRange(9000, 9001))
    assert Intent.reaches("app", "data", [5432]).only is True
    assert Intent.internet_ingress_only(["public"]).ports is None


@pytest.mark.parametrize("make, value", [
    (lambda: Intent.no_internet(""), "''"),
    (lambda: Intent.no_internet(3), "3"),
    (lambda: Intent.egress_only("bad tier!"), "'bad tier!'"),
    (lambda: Intent.egress_in_az(None), "None"),
    (lambda: Intent.internet_ingress_only("public", [80]), "'public'"),
    (lambda: Intent.internet_ingress_only(["public", "public"], [80]), "'public'"),
    (lambda: Intent.internet_ingress_only(["public"], [70000]), "70000"),
    (lambda: Intent.internet_ingress_only(["public"], ["443-80"]), "'443-80'"),
    (lambda: Intent.internet_ingress_only(["public"], ["http"]), "'http'"),
    (lambda: Intent.internet_ingress_only(["public"], []), "[]"),
    (lambda: Intent.internet_ingress_only(["public"], 443), "443"),
    (lambda: Intent.internet_ingress_only(["public"], [True]), "True"),
    (lambda: Intent.internet_ingress_only(["public"], [80], protocol="icmp"), "'icmp'"),
    (lambda: Intent.gateway_endpoint("sqs", ["private"]), "'sqs'"),
    (lambda: Intent.gateway_endpoint("s3", "private"), "'private'"),
    (lambda: Intent.reaches("app", "data", [5432], only="yes"), "'yes'"),
    (lambda: Intent.reaches("app", "data", [-1]), "-1"),
    (lambda: Intent.reaches("app", "", [5432]), "''"),
    (lambda: Intent.reaches("app", "data", [5432], allow_icmp=1), "1"),
    (lambda: default_intents({"web": "public"}, public_icmp="yes"), "'yes'"),
])
def test_bad_input_raises_config_error_naming_the_value(make, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        make()
    assert value in str(err.value)


def test_round_trip_of_every_kind() -> None:
    intents = [
        Intent.no_internet("isolated"),
        Intent.egress_only("private"),
        Intent.internet_ingress_only(["public"], [80, 443]),
        Intent.internet_ingress_only([], None, exempt_return_rules=False),
        Intent.egress_in_az("private"),
        Intent.acl_returns_admitted(),
        Intent.gateway_endpoint("dynamodb", ["private", "isolated"]),
        Intent.reaches("app", "data", [5432, "6000-6010"], only=False, protocol="udp"),
    ]
    for i in intents:
        d = i.to_dict()
        assert json.loads(json.dumps(d)) == d
        assert Intent.from_dict(d) == i
        assert i.describe() and i.label.startswith(i.kind)
    assert Intent.reaches("app", "data", [5432]).to_dict() == {
        "kind": "reaches", "src": "app", "dst": "data", "ports": [5432], "only": True,
        "protocol": "tcp", "allow_icmp": False, "exempt_return_rules": True}


@pytest.mark.parametrize("data, value", [
    ({"kind": "teleport", "tier": "x"}, "'teleport'"),
    ({"tier": "x"}, "None"),
    ("no_internet", "'no_internet'"),
    ({"kind": "no_internet", "tier": "x", "colour": "red"}, "'colour'"),
    ({"kind": "no_internet"}, "no_internet"),
    ({"kind": "reaches", "src": "a", "dst": "b", "ports": ["x"]}, "'x'"),
])
def test_from_dict_refuses_malformed_input(data, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        Intent.from_dict(data)
    assert value in str(err.value)


def test_metadata_round_trip_and_version_check() -> None:
    intents = default_intents({"public": "public", "private": "private"})
    meta = intents_metadata(intents)
    assert meta["version"] == 1 and meta["intents"][0] == {"kind": "egress_only", "tier": "private"}
    assert intents_from_metadata(meta) == intents
    with pytest.raises(ConfigError, match="version 2"):
        intents_from_metadata({"version": 2, "intents": []})
    with pytest.raises(ConfigError, match="'intents'"):
        intents_from_metadata({"version": 1, "intents": {"kind": "no_internet"}})
    with pytest.raises(ConfigError, match="not an Intent"):
        intents_metadata([{"kind": "no_internet", "tier": "x"}])


# ---------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------


def test_default_intents_for_the_library_layout() -> None:
    labels = [i.label for i in default_intents(
        {"public": "public", "private": "private", "isolated": "isolated"})]
    assert labels == [
        "no_internet(isolated)",
        "egress_only(private)",
        "egress_in_az(private)",
        "internet_ingress_only(tiers=[public], ports=[80, 443])",
        "acl_returns_admitted()",
        "gateway_endpoint(s3, tiers=[private, isolated])",
        "gateway_endpoint(dynamodb, tiers=[private, isolated])",
    ]


def test_default_intents_follow_nat_endpoints_acl_and_plan_tiers() -> None:
    plan = plan_network(tiers=[Tier("web", "public"), Tier("app", "private"),
                               Tier("db", "isolated"), Tier("later", "isolated", reserved=True)])
    got = default_intents(plan.tiers, nat_per_az=False, gateway_endpoints=(), public_ports=None)
    assert [i.label for i in got] == [
        "no_internet(db)", "egress_only(app)",
        "internet_ingress_only(tiers=[web], ports=None)", "acl_returns_admitted()"]
    only_isolated = default_intents([("db", "isolated")])
    assert Intent.internet_ingress_only([], None) in only_isolated  # nothing reachable at all
    with pytest.raises(ConfigError, match="'dmz'"):
        default_intents({"x": "dmz"})


def test_inferred_defaults_read_the_layout_from_the_template() -> None:
    labels = [i.label for i in inferred_default_intents(vpc_of(three_tier()))]
    assert "egress_in_az(private)" in labels
    assert "internet_ingress_only(tiers=[public], ports=None)" in labels  # default ACL
    single = three_tier()
    single.props("PrivateAz2DefaultRoute")["NatGatewayId"] = single.ref("NatAz1")
    del single.res["NatAz2"], single.res["NatAz2Eip"]
    assert "egress_in_az(private)" not in [
        i.label for i in inferred_default_intents(vpc_of(single))]
    with_acl = [i.label for i in inferred_default_intents(vpc_of(public_acl(three_tier())))]
    assert "internet_ingress_only(tiers=[public], ports=[80, 443])" in with_acl
    bare = [i.label for i in inferred_default_intents(vpc_of(three_tier(endpoints=False)))]
    assert not any(x.startswith("gateway_endpoint") for x in bare)


# ---------------------------------------------------------------------------
# Verdicts on broken templates, with their paths
# ---------------------------------------------------------------------------


def test_library_layout_passes_every_default_intent() -> None:
    for n in (three_tier(), three_tier(azs=3), public_acl(three_tier())):
        v = verify_model(vpc_of(n))
        assert {r.intent.label: r.verdict for r in v.results if r.verdict != "pass"} == {}


def test_nat_route_into_another_az_fails_egress_in_az() -> None:
    n = three_tier(azs=3)
    n.props("PrivateAz1DefaultRoute")["NatGatewayId"] = n.ref("NatAz2")
    r = check(n, Intent.egress_in_az("private"))
    assert r.verdict == "fail"
    (f,) = r.findings
    assert "PrivateAz1RouteTable" in f.message and "NatAz2" in f.message
    assert [s.id for s in f.path][:4] == ["PrivateAz1", "PrivateAz1RouteTable",
                                         "PrivateAz1DefaultRoute", "NatAz2"]
    assert "subnet in az1, target in az2" in path_text(f.path)
    # the rest of the network is fine
    assert check(n, Intent.egress_only("private")).verdict == "pass"


def test_egress_in_az_is_unknown_when_azs_are_named_differently() -> None:
    n = three_tier()
    n.props("PrivateAz1")["AvailabilityZone"] = "us-east-1a"
    assert check(n, Intent.egress_in_az("private")).verdict == "unknown"


def test_isolated_subnet_routed_to_the_igw_fails_no_internet() -> None:
    n = three_tier()
    n.route("IsolatedIgwRoute", "IsolatedRouteTable", GatewayId=IGW)
    r = check(n, Intent.no_internet("isolated"))
    assert r.verdict == "fail"
    out = [f for f in r.findings if f.message.startswith("IsolatedAz1 reaches")]
    assert out and [s.id for s in out[0].path][:4] == [
        "IsolatedAz1", "IsolatedRouteTable", "IsolatedIgwRoute", "Igw"]
    assert any(f.message.startswith("IsolatedAz2 is reachable from the internet")
               for f in r.findings)
    assert check(n, Intent.internet_ingress_only(["public"])).verdict == "fail"


def test_isolated_route_with_acl_dropping_everything_passes_with_evidence() -> None:
    n = three_tier()
    n.route("IsolatedIgwRoute", "IsolatedRouteTable", GatewayId=IGW)
    n.acl("IsoAcl", "IsolatedAz1", "IsolatedAz2")
    n.entry("IsoAcl", 100, egress=False, cidr="10.0.0.0/16", protocol=-1)
    n.entry("IsoAcl", 100, egress=True, cidr="10.0.0.0/16", protocol=-1)
    r = check(n, Intent.no_internet("isolated"))
    assert r.verdict == "pass"
    assert any("network ACLs drop all" in e.message for e in r.evidence)


def test_private_subnet_with_an_igw_route_fails_egress_only() -> None:
    n = three_tier()
    n.props("PrivateAz2DefaultRoute").pop("NatGatewayId")
    n.props("PrivateAz2DefaultRoute")["GatewayId"] = IGW
    r = check(n, Intent.egress_only("private"))
    assert r.verdict == "fail"
    assert any("PrivateAz2 is reachable from the internet" in f.message for f in r.findings)
    no_route = three_tier()
    del no_route.res["PrivateAz1DefaultRoute"]
    r2 = check(no_route, Intent.egress_only("private"))
    assert (r2.verdict == "fail"
            and "PrivateAz1 does not reach the internet" in r2.findings[0].message)


def test_acl_without_ephemeral_return_fails_naming_the_entries() -> None:
    r = check(app_data(data_returns=False), Intent.acl_returns_admitted())
    assert r.verdict == "fail"
    f = r.findings[0]
    assert "admit TCP 5432 but drop the reply to ports 1024-65535" in f.message
    ids = [s.id for s in f.path]
    assert "DataAclIngress100" in ids and "DataAcl rule *" in ids
    assert "more flow(s) alike" in f.message  # the 4 app->data pairs are one finding


def test_acl_return_range_too_narrow_names_the_denying_entry() -> None:
    n = app_data(data_returns=False)
    n.entry("DataAcl", 90, egress=True, action="deny", cidr="10.0.0.0/16", ports=(1024, 32767))
    n.entry("DataAcl", 100, egress=True, cidr="10.0.0.0/16", ports=(1024, 65535))
    r = check(n, Intent.acl_returns_admitted())
    assert r.verdict == "fail"
    f = r.findings[0]
    assert "drop the reply to ports 1024-32767" in f.message and "DataAclEgress90" in f.message
    assert check(app_data(), Intent.acl_returns_admitted()).verdict == "pass"


def _private_acl_split_around_rdp(n: Net, *, inside_gap: bool = False) -> Net:
    """The private tier's ACL as the library builds it under CT.EC2.PR.5:
    TCP out, replies from 0.0.0.0/0 on 1024-3388 and 3390-65535; inside the
    VPC everything in (or, with ``inside_gap``, the same hole there)."""
    n.acl("PrivAcl", "PrivateAz1", "PrivateAz2")
    n.entry("PrivAcl", 90, egress=True, cidr="10.0.0.0/16", protocol=-1)
    n.entry("PrivAcl", 100, egress=True, ports=(0, 65535))
    if inside_gap:
        n.entry("PrivAcl", 90, egress=False, cidr="10.0.0.0/16", ports=(3389, 3389),
                action="deny")
    n.entry("PrivAcl", 100, egress=False, cidr="10.0.0.0/16", protocol=-1)
    n.entry("PrivAcl", 200, egress=False, ports=(1024, 3388))
    n.entry("PrivAcl", 210, egress=False, ports=(3390, 65535))
    return n


def test_reply_hole_at_rdp_from_outside_passes_by_default_and_fails_when_asked() -> None:
    n = _private_acl_split_around_rdp(three_tier())
    ok = check(n, Intent.acl_returns_admitted())
    assert ok.verdict == "pass", texts(ok)
    assert "from outside the VPC but 3389" in ok.summary
    strict = check(n, Intent.acl_returns_admitted(except_ports=()))
    assert strict.verdict == "fail"
    assert any("-> internet" in f.message and "drop the reply to ports 3389" in f.message
               for f in strict.findings), texts(strict)


def test_reply_hole_at_rdp_inside_the_vpc_fails_even_by_default() -> None:
    """The exception is for peers outside the VPC (what CT.EC2.PR.5 is about):
    a reply from a VPC neighbour dropped on 3389 is a real gap."""
    r = check(_private_acl_split_around_rdp(three_tier(), inside_gap=True),
              Intent.acl_returns_admitted())
    assert r.verdict == "fail"
    assert any("drop the reply to ports 3389" in f.message and "internet" not in f.message
               and "PrivAclIngress90" in f.message for f in r.findings), texts(r)


def test_endpoint_missing_from_one_route_table_fails_naming_it() -> None:
    n = three_tier()
    n.props("S3Endpoint")["RouteTableIds"] = [n.ref("PrivateAz1RouteTable"),
                                              n.ref("IsolatedRouteTable")]
    r = check(n, Intent.gateway_endpoint("s3", ["private", "isolated"]))
    assert r.verdict == "fail"
    (f,) = r.findings
    assert "route table PrivateAz2RouteTable of PrivateAz2" in f.message
    assert [s.id for s in f.path][:2] == ["PrivateAz2", "PrivateAz2RouteTable"]
    assert "NatAz2" in path_text(f.path)  # where S3 traffic goes instead
    assert check(n, Intent.gateway_endpoint("dynamodb", ["private", "isolated"])).verdict == "pass"
    none = check(three_tier(endpoints=False), Intent.gateway_endpoint("s3", ["private"]))
    assert none.verdict == "fail" and "no s3 gateway endpoint" in none.summary


def test_reaches_app_to_data_on_5432_only() -> None:
    r = check(app_data(), Intent.reaches("app", "data", [5432]))
    assert r.verdict == "pass" and len(r.evidence) == 4


def test_reaches_fails_when_the_acl_also_admits_ssh() -> None:
    r = check(app_data(ssh=True), Intent.reaches("app", "data", [5432]))
    assert r.verdict == "fail"
    f = r.findings[0]
    assert f.message == "AppAz1 also reaches DataAz1 on TCP 22"
    assert [s.id for s in f.path] == ["AppAz1", "AppAclEgress105", "DataAclIngress110", "DataAz1"]
    assert "rule 110" in path_text(f.path)
    # without `only`, the extra port is allowed
    assert check(app_data(ssh=True),
                 Intent.reaches("app", "data", [5432], only=False)).verdict == "pass"


def test_reaches_fails_when_a_required_port_is_blocked() -> None:
    r = check(app_data(), Intent.reaches("app", "data", [22]))
    assert r.verdict == "fail"
    f = r.findings[0]
    assert f.message.startswith("AppAz1 does not reach DataAz1 on TCP 22: "
                                "the request is dropped by "
                                "ACL AppAcl egress rule * (implicit deny)")
    assert [s.id for s in f.path] == ["AppAz1", "AppAcl rule *", "DataAz1"]


def test_icmp_is_an_extra_unless_allowed() -> None:
    n = app_data()
    n.entry("AppAcl", 130, egress=True, cidr="10.0.32.0/19", protocol=1)
    n.entry("DataAcl", 130, egress=False, cidr="10.0.128.0/17", protocol=1)
    n.entry("DataAcl", 130, egress=True, cidr="10.0.128.0/17", protocol=1)
    n.entry("AppAcl", 130, egress=False, cidr="10.0.32.0/19", protocol=1)
    r = check(n, Intent.reaches("app", "data", [5432]))
    assert r.verdict == "fail" and r.findings[0].message == "AppAz1 also reaches DataAz1 on ICMP"
    assert "DataAclIngress130" in [s.id for s in r.findings[0].path]
    assert check(n, Intent.reaches("app", "data", [5432], allow_icmp=True)).verdict == "pass"
    pub = public_acl(three_tier())
    pub.entry("PublicAcl", 140, egress=False, protocol=1)
    # stateless: without ICMP out, the echo reply is dropped and nothing is reachable
    assert check(pub, Intent.internet_ingress_only(["public"], [80, 443])).verdict == "pass"
    pub.entry("PublicAcl", 140, egress=True, protocol=1)
    assert check(pub, Intent.internet_ingress_only(["public"], [80, 443])).verdict == "fail"
    assert check(pub, Intent.internet_ingress_only(["public"], [80, 443],
                                                   allow_icmp=True)).verdict == "pass"


def test_reply_rules_recorded_by_the_construct_override_the_shape() -> None:
    """An ACL entry marked ``Metadata.vpc_patterns.reply`` is a return rule
    whatever its shape; ``reply: false`` makes an ephemeral-shaped entry count."""
    n = app_data(ssh=True)
    for lid in ("DataAclIngress110", "AppAclEgress105"):
        n.res[lid]["Metadata"] = {METADATA_KEY: {"reply": True}}
    assert check(n, Intent.reaches("app", "data", [5432])).verdict == "pass"
    m = app_data()
    for lid in ("DataAclIngress200", "AppAclEgress200"):
        m.res[lid]["Metadata"] = {METADATA_KEY: {"reply": False}}
    r = check(m, Intent.reaches("app", "data", [5432]))
    assert r.verdict == "fail" and "TCP 1024-5431, 5433-65535" in r.findings[0].message


def test_return_rules_are_exempt_unless_asked() -> None:
    strict = Intent.reaches("app", "data", [5432], exempt_return_rules=False)
    r = check(app_data(), strict)
    assert r.verdict == "fail"
    assert r.findings[0].message == "AppAz1 also reaches DataAz1 on TCP 1024-5431, 5433-65535"


def test_internet_ingress_only_with_public_acl() -> None:
    assert check(public_acl(three_tier()),
                 Intent.internet_ingress_only(["public"], [80, 443])).verdict == "pass"
    r = check(public_acl(three_tier(), extra_port=22),
              Intent.internet_ingress_only(["public"], [80, 443]))
    assert r.verdict == "fail"
    assert "PublicAclIngress115" in [s.id for s in r.findings[0].path]
    # the default ACL admits every port: the port list cannot hold
    r2 = check(three_tier(), Intent.internet_ingress_only(["public"], [80, 443]))
    assert r2.verdict == "fail" and "TCP 0-79, 81-442, 444-65535" in r2.findings[0].message


def test_unknown_intrinsics_give_unknown_not_a_crash() -> None:
    n = three_tier()
    n.route("ParamRoute", "IsolatedRouteTable", {"Ref": "CidrParam"}, GatewayId=IGW)
    assert check(n, Intent.no_internet("isolated")).verdict == "unknown"
    m = app_data()
    m.props("DataAclIngress100")["CidrBlock"] = {"Fn::ImportValue": "app-cidr"}
    r = check(m, Intent.reaches("app", "data", [5432]))
    assert r.verdict == "unknown" and "CIDR unknown" in r.summary
    e = three_tier()
    e.props("S3Endpoint")["ServiceName"] = {"Ref": "ServiceParam"}
    assert check(e, Intent.gateway_endpoint("s3", ["private"])).verdict == "unknown"


def test_intent_on_a_missing_tier_fails() -> None:
    r = check(three_tier(), Intent.no_internet("data"))
    assert r.verdict == "fail" and "no subnet of tier 'data'" in r.summary


def test_recorded_intents_replace_the_defaults() -> None:
    n = app_data(ssh=True)
    n.res["Vpc"]["Metadata"] = {METADATA_KEY: intents_metadata(
        [Intent.reaches("app", "data", [5432]), Intent.no_internet("data")])}
    v = verify_model(vpc_of(n))
    assert v.source == "recorded"
    assert [(r.intent.label, r.verdict) for r in v.results] == [
        ("reaches(app, data, ports=[5432])", "fail"), ("no_internet(data)", "pass"),
        # checked on every VPC, whatever is recorded
        ("tiers_match_topology()", "pass")]


# ---------------------------------------------------------------------------
# The reference templates and the CLI
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(reference_app) -> Path:
    """The reference app's templates (tests/conftest.py synthesizes it once)."""
    return reference_app.out


def test_reference_templates_pass_every_default_intent(reference: Path) -> None:
    report = verify_paths([reference])
    assert sorted(v.model.template_name for v in report.vpcs) == [
        "vpc-patterns-dev", "vpc-patterns-prod", "vpc-patterns-shared"]
    for v in report.vpcs:
        # BestPracticeVpc records its intents on the VPC resource.
        assert v.source == "recorded"
        got = {r.intent.label: r.verdict for r in v.results}
        assert set(got.values()) == {"pass"}, (v.model.key, got)
        expected = {"no_internet(isolated)", "egress_only(private)",
                    "acl_returns_admitted()", "gateway_endpoint(s3, tiers=[private, isolated])",
                    "gateway_endpoint(dynamodb, tiers=[private, isolated])"}
        # AZ-local egress is an intent with a NAT in every AZ (prod's gateways,
        # dev's instances) and with shared's regional NAT gateway, which
        # handles each AZ's traffic in that AZ.
        assert "egress_in_az(private)" in got
        assert expected <= set(got)
    assert report.exit_code() == 0
    dev = next(v for v in report.vpcs if v.model.template_name == "vpc-patterns-dev")
    # dev's NAT instances forward only what their security group admits
    egress = [e.message for r in dev.results if r.intent.label == "egress_only(private)"
              for e in r.evidence]
    assert egress and all(m.endswith("on TCP 80, 443") for m in egress)


def test_verify_counts_the_prod_intents(reference: Path) -> None:
    # Timing is measured by `time python -m vpc_patterns verify`, not asserted here.
    prod = reference / "vpc-patterns-prod.template.json"
    report = verify_paths([prod])
    # the 7 recorded intents and the structural check every VPC gets
    assert report.count("pass") == 8


def _hand_edit(reference: Path, tmp_path: Path) -> Path:
    t = json.loads((reference / "vpc-patterns-prod.template.json").read_text())
    res = t["Resources"]
    rt = next(k for k, v in res.items() if v["Type"] == "AWS::EC2::RouteTable"
              and k.startswith("NetworkIsolatedRouteTable"))
    igw = next(k for k, v in res.items() if v["Type"] == "AWS::EC2::InternetGateway")
    res["HandAddedIsolatedIgwRoute"] = {"Type": "AWS::EC2::Route", "Properties": {
        "RouteTableId": {"Ref": rt}, "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": {"Ref": igw}}}
    out = tmp_path / "edited.template.json"
    out.write_text(json.dumps(t, indent=1))
    return out


def test_cli_on_a_hand_edited_template_exits_1_with_the_path(
        reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = _hand_edit(reference, tmp_path)
    assert main(["verify", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "FAIL     no_internet(isolated)" in out
    assert ("path: subnet NetworkIsolatedAz1" in out and "-> route 0.0.0.0/0 "
            "[HandAddedIsolatedIgwRoute] -> internet-gateway NetworkInternetGateway" in out)
    assert "PASS     egress_in_az(private)" in out


def test_cli_exit_codes_json_and_module_entry(
        reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(reference)]) == 0
    # dev and prod: 7 intents each; shared (single NAT gateway): 6; and
    # tiers_match_topology on each
    assert "24 intents in 3 VPC(s): 24 pass, 0 fail, 0 unknown" in capsys.readouterr().out
    assert main(["verify", "--json", str(reference / "vpc-patterns-prod.template.json")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"pass": 8, "fail": 0, "unknown": 0}
    assert data["vpcs"][0]["results"][0]["intent"] == {"kind": "no_internet", "tier": "isolated"}
    bad = tmp_path / "bad.template.json"
    bad.write_text("{")
    assert main(["verify", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    meta = three_tier()
    meta.res["Vpc"]["Metadata"] = {METADATA_KEY: {"version": 1, "intents": [{"kind": "nope"}]}}
    assert main(["verify", str(meta.write(tmp_path / "meta.template.json"))]) == 2
    assert "'nope'" in capsys.readouterr().err
    extra = tmp_path / "intents.json"
    extra.write_text(json.dumps([Intent.no_internet("public").to_dict()]))
    assert main(["verify", "--intents", str(extra),
                 str(reference / "vpc-patterns-dev.template.json")]) == 1
    capsys.readouterr()
    unknown = three_tier()
    unknown.route("ParamRoute", "IsolatedRouteTable", {"Ref": "CidrParam"}, GatewayId=IGW)
    path = unknown.write(tmp_path / "unknown.template.json")
    # an intent the template cannot decide is not a pass: it fails unless
    # the user asks for a report only
    assert main(["verify", str(path)]) == 1
    assert main(["verify", "--strict", str(path)]) == 1
    assert main(["verify", "--lenient", str(path)]) == 0
    capsys.readouterr()
    proc = subprocess.run([sys.executable, "-m", "vpc_patterns", "verify", str(reference)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "0 fail" in proc.stdout


def test_acl_returns_checked_for_peer_routes() -> None:
    n = app_data()
    n.add("Peer", "AWS::EC2::VPCPeeringConnection", VpcId=n.ref("Vpc"), PeerVpcId="vpc-0peer")
    n.route("ToPeer", "AppAz1RouteTable", "172.16.0.0/16", VpcPeeringConnectionId=n.ref("Peer"))
    n.entry("AppAcl", 120, egress=True, cidr="172.16.0.0/16", ports=(8443, 8443))
    r = check(n, Intent.acl_returns_admitted())
    assert r.verdict == "pass"  # app's ingress admits 1024-65535 from anywhere
    n.props("AppAclIngress100")["CidrBlock"] = "10.0.0.0/8"
    r = check(n, Intent.acl_returns_admitted())
    assert r.verdict == "fail"
    assert any(f.message.startswith("AppAz1 -> 172.16.0.0/16: "
                                    "the ACLs admit TCP 443, 8443 but drop")
               for f in r.findings)


def test_load_intents_file_accepts_list_or_metadata(tmp_path: Path) -> None:
    from vpc_patterns.check import load_intents_file

    items = [Intent.reaches("app", "data", [5432])]
    a = tmp_path / "a.json"
    a.write_text(json.dumps([i.to_dict() for i in items]))
    b = tmp_path / "b.json"
    b.write_text(json.dumps(intents_metadata(items)))
    assert load_intents_file(a) == load_intents_file(b) == tuple(items)
    c = tmp_path / "c.json"
    c.write_text("nope")
    with pytest.raises(ConfigError, match=r"c\.json"):
        load_intents_file(c)
