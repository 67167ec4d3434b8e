"""Hybrid DNS: the plan (plan_dns, dns_acl_rules), the HybridDns construct,
and the cost of its endpoints.

One app synthesized once for the module with the four cdk-nag packs as
validation plugins (synthesis fails on any unacknowledged finding):

* ``DnsFull``: inbound and outbound endpoints in the private tier, two
  forwarded domains, the network's ACLs admitting DNS (dns_acl_rules);
* ``DnsInboundOnly``: an inbound endpoint with fixed addresses in the isolated
  tier, 90 days of query logs, and the output the operator's tool reads.

The ConfigError tests call plan_dns on a plan; none synthesizes.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations

from vpc_patterns import BestPracticeVpc, ConfigError
from vpc_patterns.build.compliance import compliance_plugins
from vpc_patterns.build.dns import HybridDns
from vpc_patterns.check import load_template
from vpc_patterns.check.cost import estimate_monthly_cost, resolver_endpoints_of
from vpc_patterns.check.parser import build_models
from vpc_patterns.plan.dns import (
    DEFAULT_DNS_ACL_FIRST_NUMBER,
    DEFAULT_QUERY_LOG_RETENTION_DAYS,
    dns_acl_rules,
    plan_dns,
)
from vpc_patterns.plan.flow_logs import DEFAULT_FLOW_LOG_RETENTION_DAYS
from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, FindingKind, plan_acls
from vpc_patterns.plan.network import plan_network
from vpc_patterns.plan.prices import load_prices

from .lint_helpers import cfn_lint

CIDR = "10.20.0.0/16"
ON_PREM = ["172.16.0.0/16", "192.168.50.0/24"]
DOMAINS = {"corp.example.com": ["172.16.0.10", "172.16.1.10"],
           "Legacy.Example.": ["192.168.50.5:5353"]}


def _plan(**kw: Any) -> Any:
    return plan_network(cidr=CIDR, max_azs=kw.pop("max_azs", 2), **kw)


def _full(**kw: Any) -> Any:
    args: dict[str, Any] = {"on_premises_cidrs": ON_PREM, "forward_domains": DOMAINS}
    args.update(kw)
    return plan_dns(_plan(), **args)


# --------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------


def test_plan_puts_one_address_per_az_of_the_tier() -> None:
    dns = _full()
    vpc = _plan()
    assert dns.inbound is not None and dns.outbound is not None
    for ep in dns.endpoints:
        assert [a.subnet for a in ep.addresses] == [s.construct_id
                                                    for s in vpc.subnets_of("private")]
        assert len({a.az_index for a in ep.addresses}) == 2
    assert dns.address_count == 4
    assert [r.domain for r in dns.rules] == ["corp.example.com", "legacy.example"]
    assert [(t.ip, t.port) for t in dns.rules[1].targets] == [("192.168.50.5", 5353)]
    assert dns.query_logging and dns.query_log_retention_days == DEFAULT_FLOW_LOG_RETENTION_DAYS
    assert DEFAULT_QUERY_LOG_RETENTION_DAYS == 365


def test_fixed_addresses_land_in_the_subnets_that_hold_them() -> None:
    vpc = _plan(max_azs=3)
    subs = vpc.subnets_of("private")
    ips = [str(ipaddress.ip_network(s.cidr).network_address + 10) for s in subs[1:]]
    dns = plan_dns(vpc, on_premises_cidrs=ON_PREM, outbound=False, inbound_ips=ips)
    assert dns.inbound is not None
    assert [(a.subnet, a.ip) for a in dns.inbound.addresses] == [
        (s.construct_id, ip) for s, ip in zip(subs[1:], ips, strict=True)]


def _first_private_subnet() -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(_plan().subnets_of("private")[0].cidr)


@pytest.mark.parametrize("kw, message", [
    ({"inbound": False, "outbound": False}, "at least one endpoint"),
    ({"tier": "nope"}, "not a tier"),
    ({"tier": "public"}, "is public"),
    ({"on_premises_cidrs": []}, "inbound=True needs on_premises_cidrs"),
    ({"on_premises_cidrs": ["10.20.0.0/24"]}, "overlaps the VPC CIDR"),
    ({"on_premises_cidrs": ["172.16.0.1/16"]}, "not an aligned IPv4 CIDR"),
    ({"on_premises_cidrs": ["0.0.0.0/0"]}, "anywhere"),
    ({"on_premises_cidrs": "172.16.0.0/16"}, "must be a list"),
    ({"forward_domains": {}}, "outbound=True needs forward_domains"),
    ({"forward_domains": {"a..b": ["172.16.0.10"]}}, "label"),
    ({"forward_domains": {"-bad.example": ["172.16.0.10"]}}, "label"),
    ({"forward_domains": {"a.example": ["172.16.0.10"], "A.example.": ["172.16.0.11"]}},
     "more than once"),
    ({"forward_domains": {"a.example": []}}, "is empty"),
    ({"forward_domains": {"a.example": "172.16.0.10"}}, "must be a list"),
    ({"forward_domains": {"a.example": ["nope"]}}, "not an IPv4 address"),
    ({"forward_domains": {"a.example": ["172.16.0.10:0"]}}, "port"),
    ({"forward_domains": {"a.example": ["127.0.0.1"]}}, "not a unicast address"),
    ({"forward_domains": {"a.example": ["10.20.0.2"]}}, "VPC's own resolver"),
    ({"query_log_retention_days": 10}, "query_log_retention_days"),
    ({"query_logging": "yes"}, "True or False"),
    ({"inbound": False}, "on_premises_cidrs is given with inbound=False"),
    ({"outbound": False}, "forward_domains is given with outbound=False"),
    ({"inbound_ips": ["172.16.0.5", "10.20.0.5"]}, "in no subnet"),
    ({"inbound_ips": ["10.20.0.1"]}, None),  # placeholder, replaced below
])
def test_plan_refuses(kw: dict, message: str | None) -> None:
    if message is None:  # reserved address: the subnet's first four and last addresses
        net = _first_private_subnet()
        for bad in (net.network_address + 2, net.broadcast_address):
            with pytest.raises(ConfigError, match="reserved by AWS"):
                _full(inbound_ips=[str(bad), str(net.network_address + 300)])
        return
    with pytest.raises(ConfigError, match=message):
        _full(**kw)


def test_plan_refuses_a_single_az_network_and_says_why() -> None:
    with pytest.raises(ConfigError, match=r"at least 2 AZs.*max_azs >= 2"):
        plan_dns(_plan(max_azs=1), on_premises_cidrs=ON_PREM, forward_domains=DOMAINS)


def test_plan_refuses_fixed_addresses_that_do_not_spread_over_azs() -> None:
    net = _first_private_subnet()
    a, b = str(net.network_address + 10), str(net.network_address + 11)
    with pytest.raises(ConfigError, match="one per AZ"):
        _full(inbound_ips=[a, b])
    with pytest.raises(ConfigError, match="at least 2"):
        _full(inbound_ips=[a])
    other = ipaddress.IPv4Network(_plan().subnets_of("private")[1].cidr).network_address + 10
    with pytest.raises(ConfigError, match="share"):
        _full(inbound_ips=[a, str(other)], outbound_ips=[a, str(other + 1)])


# --------------------------------------------------------------------------
# ACL rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["private", "isolated"])
def test_acl_rules_admit_dns_with_no_finding(tier: str) -> None:
    dns = _full(tier=tier)
    rules = dns_acl_rules(dns)
    assert set(rules) == {tier}
    entries = rules[tier]
    assert all(DEFAULT_DNS_ACL_FIRST_NUMBER <= r.number < 100 for r in entries)
    acl = plan_acls(_plan(), user_rules=rules)
    assert acl.findings == ()
    assert not [f for f in acl.findings if f.kind is FindingKind.MISSING_RETURN]
    inbound = {(r.protocol.value, r.ports, r.cidr) for r in entries if not r.egress
               and not r.reply}
    assert inbound == {(p, (53, 53), c) for p in ("tcp", "udp") for c in ON_PREM}
    outbound = {(r.protocol.value, r.ports, r.cidr) for r in entries if r.egress and not r.reply}
    assert outbound == {(p, (port, port), f"{ip}/32") for p in ("tcp", "udp") for ip, port in
                        (("172.16.0.10", 53), ("172.16.1.10", 53), ("192.168.50.5", 5353))}
    replies = {(r.egress, r.cidr) for r in entries if r.reply}
    assert {(True, c) for c in ON_PREM} <= replies
    assert all(r.ports == EPHEMERAL_PORTS for r in entries if r.reply)
    # Nothing names anything but the on-premises ranges and servers.
    assert all(any(ipaddress.ip_network(r.cidr).subnet_of(ipaddress.ip_network(c))
                   for c in ON_PREM) for r in entries)


def test_acl_rules_leave_vpc_servers_to_the_library_and_stay_below_100() -> None:
    dns = _full(inbound=False, on_premises_cidrs=[],
                forward_domains={"in.vpc.example": ["10.20.0.50"]})
    assert dns_acl_rules(dns) == {"private": []}
    with pytest.raises(ConfigError, match="below the library's rules"):
        dns_acl_rules(_full(), first_number=95)


# --------------------------------------------------------------------------
# Construct
# --------------------------------------------------------------------------


@dataclass
class Built:
    stack: Stack
    dns: HybridDns
    tpl: dict[str, Any]
    path: Path

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.tpl["Resources"].items() if v["Type"] == type_}

    def lid(self, construct: Any) -> str:
        return self.stack.resolve(construct.logical_id)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, cdk_context: dict) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("dns")
    app = App(context=cdk_context, outdir=str(out))
    stacks: dict[str, tuple[Stack, HybridDns]] = {}

    s = Stack(app, "DnsFull")
    rules = dns_acl_rules(_full())
    net = BestPracticeVpc(s, "Network", cidr=CIDR, max_azs=2, acl_rules=rules)
    stacks["full"] = (s, HybridDns(s, "Dns", network=net, on_premises_cidrs=ON_PREM,
                                   forward_domains=DOMAINS))

    i = Stack(app, "DnsInboundOnly")
    net = BestPracticeVpc(i, "Network", cidr=CIDR, max_azs=2)
    subs = net.plan.subnets_of("isolated")
    fixed = [str(ipaddress.ip_network(x.cidr).network_address + 10) for x in subs]
    stacks["inbound"] = (i, HybridDns(i, "Resolver", network=net, tier="isolated",
                                      on_premises_cidrs=["172.16.0.0/16"], outbound=False,
                                      inbound_ips=fixed, query_logging=True,
                                      query_log_retention_days=90))

    Validations.of(app).add_plugins(*compliance_plugins(app))
    app.synth()
    result: dict[str, Any] = {}
    for k, (st, d) in stacks.items():
        p = out / f"{st.artifact_id}.template.json"
        result[k] = Built(st, d, json.loads(p.read_text()), p)
    result["_out"] = out
    return result


def test_four_nag_packs_report_no_finding(built: dict) -> None:
    report = json.loads((built["_out"] / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cfn_lint_clean(built: dict) -> None:
    for tpl in sorted(built["_out"].glob("*.template.json")):
        assert cfn_lint(tpl) == [], tpl.name


def test_endpoints_sit_in_the_tier_subnets_of_two_azs(built: dict) -> None:
    b = built["full"]
    eps = b.of_type("AWS::Route53Resolver::ResolverEndpoint")
    assert sorted(e["Properties"]["Direction"] for e in eps.values()) == ["INBOUND", "OUTBOUND"]
    subnets = {b.lid(b.dns.network.subnets[s.construct_id])
               for s in b.dns.network.plan.subnets_of("private")}
    for e in eps.values():
        refs = [a["SubnetId"]["Ref"] for a in e["Properties"]["IpAddresses"]]
        assert sorted(refs) == sorted(subnets)
        assert e["Properties"]["Protocols"] == ["Do53"]
        (sg,) = e["Properties"]["SecurityGroupIds"]
        assert sg["Fn::GetAtt"][1] == "GroupId"


def _group(b: Built, name: str) -> dict:
    return b.tpl["Resources"][b.lid(b.dns.security_groups.cfn_groups[name])]["Properties"]


def test_security_groups_admit_only_dns_between_endpoints_and_on_premises(built: dict) -> None:
    b = built["full"]
    inbound = _group(b, "inbound-resolver")
    got = {(r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"])
           for r in inbound["SecurityGroupIngress"]}
    assert got == {(p, 53, 53, c) for p in ("tcp", "udp") for c in ON_PREM}
    assert all(r["Description"] for r in inbound["SecurityGroupIngress"])
    # no egress but the rule matching nothing (AWS's allow-all removed)
    assert [r["CidrIp"] for r in inbound["SecurityGroupEgress"]] == ["255.255.255.255/32"]
    outbound = _group(b, "outbound-resolver")
    assert "SecurityGroupIngress" not in outbound
    got = {(r["IpProtocol"], r["FromPort"], r["CidrIp"]) for r in outbound["SecurityGroupEgress"]}
    assert got == {(p, port, f"{ip}/32") for p in ("tcp", "udp") for ip, port in
                   (("172.16.0.10", 53), ("172.16.1.10", 53), ("192.168.50.5", 5353))}


def test_forward_rules_use_the_outbound_endpoint_and_are_associated(built: dict) -> None:
    b = built["full"]
    rules = b.of_type("AWS::Route53Resolver::ResolverRule")
    by_domain = {r["Properties"]["DomainName"]: (k, r["Properties"]) for k, r in rules.items()}
    assert set(by_domain) == {"corp.example.com", "legacy.example"}
    out_lid = b.lid(b.dns.outbound_endpoint)
    for _lid, props in by_domain.values():
        assert props["RuleType"] == "FORWARD"
        assert props["ResolverEndpointId"] == {"Fn::GetAtt": [out_lid, "ResolverEndpointId"]}
    assert by_domain["legacy.example"][1]["TargetIps"] == [{"Ip": "192.168.50.5", "Port": "5353"}]
    assocs = b.of_type("AWS::Route53Resolver::ResolverRuleAssociation")
    vpc = {"Ref": b.lid(b.dns.network.cfn_vpc)}
    assert sorted(a["Properties"]["ResolverRuleId"]["Fn::GetAtt"][0] for a in assocs.values()) \
        == sorted(lid for lid, _ in by_domain.values())
    assert all(a["Properties"]["VPCId"] == vpc for a in assocs.values())


def test_query_logs_go_to_a_log_group_encrypted_with_the_network_key(built: dict) -> None:
    b = built["full"]
    group = b.tpl["Resources"][b.lid(b.dns.log_group)]
    assert group["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [b.lid(b.dns.network.logs_key.node.default_child), "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"
    (cfg,) = b.of_type("AWS::Route53Resolver::ResolverQueryLoggingConfig").values()
    assert cfg["Properties"]["DestinationArn"] == {"Fn::GetAtt": [b.lid(b.dns.log_group), "Arn"]}
    (assoc,) = b.of_type("AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation").values()
    assert assoc["Properties"]["ResourceId"] == {"Ref": b.lid(b.dns.network.cfn_vpc)}


def test_network_acls_carry_the_dns_rules(built: dict) -> None:
    b = built["full"]
    entries = b.of_type("AWS::EC2::NetworkAclEntry").values()
    dns = {(e["Properties"]["RuleNumber"], e["Properties"]["CidrBlock"]) for e in entries
           if e["Properties"]["RuleNumber"] < 100}
    assert (DEFAULT_DNS_ACL_FIRST_NUMBER, ON_PREM[0]) in dns


def test_inbound_only_with_fixed_addresses_and_its_own_key(built: dict) -> None:
    b = built["inbound"]
    (ep,) = b.of_type("AWS::Route53Resolver::ResolverEndpoint").values()
    ips = [a["Ip"] for a in ep["Properties"]["IpAddresses"]]
    assert all(ip.endswith(".10") for ip in ips) and len(ips) == 2
    assert not b.of_type("AWS::Route53Resolver::ResolverRule")
    assert b.dns.logs_key is b.dns.network.logs_key
    assert b.tpl["Resources"][b.lid(b.dns.log_group)]["Properties"]["RetentionInDays"] == 90
    outputs = b.tpl["Outputs"]
    assert outputs["ResolverInboundResolverIps"]["Value"] == ",".join(ips)
    assert "ResolverInboundEndpointId" in outputs


def test_own_logs_key_when_the_network_has_none() -> None:
    from aws_cdk.assertions import Template as Tpl

    stack = Stack(App(), "NoKey")
    net = BestPracticeVpc(stack, "Network", cidr=CIDR, max_azs=2, flow_log=False,
                          restrict_default_security_group=False)
    assert net.logs_key is None
    dns = HybridDns(stack, "Dns", network=net, on_premises_cidrs=ON_PREM, outbound=False)
    tpl = Tpl.from_stack(stack).to_json()
    keys = [k for k, v in tpl["Resources"].items() if v["Type"] == "AWS::KMS::Key"]
    assert keys == [stack.resolve(dns.logs_key.node.default_child.logical_id)]
    group = tpl["Resources"][stack.resolve(dns.log_group.logical_id)]
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [keys[0], "Arn"]}


def test_construct_refuses_bad_input_before_any_resource() -> None:
    stack = Stack(App(), "Bad")
    net = BestPracticeVpc(stack, "Network", max_azs=1, flow_log=False, network_acls=False,
                          restrict_default_security_group=False)
    before = len(stack.node.find_all())
    with pytest.raises(ConfigError, match="at least 2 AZs"):
        HybridDns(stack, "Dns", network=net, on_premises_cidrs=ON_PREM, forward_domains=DOMAINS)
    with pytest.raises(ConfigError, match="not a BestPracticeVpc"):
        HybridDns(stack, "Dns2", network=object(), on_premises_cidrs=ON_PREM)  # type: ignore
    assert len(stack.node.find_all()) == before


# --------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------


def test_cost_prices_resolver_endpoints_per_address_hour(built: dict) -> None:
    b = built["full"]
    (model,) = build_models(load_template(b.path))
    assert sorted(n for _, n in resolver_endpoints_of(model)) == [2, 2]
    est = estimate_monthly_cost(model, "us-east-1")
    (line,) = [ln for ln in est.lines if ln.key == "resolver_endpoint"]
    price = load_prices().region("us-east-1").resolver_endpoint_eni_hour
    assert price == Decimal("0.125")
    assert line.count == 4 and line.monthly == Decimal("0.125") * 4 * 730  # 365 USD a month
    other = estimate_monthly_cost(model, "eu-west-1")
    (line,) = [ln for ln in other.lines if ln.key == "resolver_endpoint"]
    assert line.monthly is None and "no Resolver endpoint price" in line.note


def test_price_file_names_the_source_of_the_resolver_price() -> None:
    from vpc_patterns.plan.prices import price_files

    data = json.loads(price_files()[-1].read_text())
    src = data["sources"]["resolver_endpoint_eni_hour"]
    assert "route-53-resolver-endpoint-costs" in src["url"] and src["read"]
