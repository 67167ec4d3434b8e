"""Property tests: the pure validators and plan functions, and the cdk.json
parser, given arbitrary values (text with newlines and non-ASCII digits,
bools, floats, lists, dicts, None), either accept them or raise ConfigError;
no other exception escapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpc_patterns as _c
from stacks.config import parse_environments
from vpc_patterns import ConfigError
from vpc_patterns.plan.flow_logs import CloudWatchDestination, FlowLogTarget, plan_flow_logs
from vpc_patterns.plan.nacl.rules import AclRule
from vpc_patterns.plan.nat import NatProvider
from vpc_patterns.plan.network import plan_network
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgPeer, SgRule
from vpc_patterns.plan.tiers import Tier
from vpc_patterns.plan.vpn import TunnelOptions

# Strings that look almost valid: a valid value with a newline, a non-ASCII
# digit or a space added, next to arbitrary text.
_NEAR_VALID = [
    "10.0.0.0/16", "10.0.0.0/16\n", "10.0.0.0/1\u0666", "app", "app\n", "a\u0661",
    "us-east-1a", "us-east-1a\n", "us-east-\u0661a", "use1-az1", "use1-az1\n",
    "use\u0661-az1", "sg-0123456789abcdef0\n", "pl-0123abcd\n", "eni-0123abcd\n",
    "t4g.nano", "t4g.nano\n", "t\u0664g.nano", "s3", "s3\n", "dynamodb", "tcp", "allow",
    "0.0.0.0/0", "0.0.0.0/0\n", "ikev2", "AES256", "vpc", "tier", "public", "private",
    "isolated", "gateway_per_az", "instances", "80", "\u0668\u0660", "",
]
_TEXT = st.one_of(st.sampled_from(_NEAR_VALID), st.text(max_size=12))
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=True), _TEXT,
)
ANY = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=3),
        st.tuples(inner, inner),
    ),
    max_leaves=6,
)

_FUZZ = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _only_config_errors(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except ConfigError:
        pass


@_FUZZ
@given(st.dictionaries(
    st.sampled_from(["cidr", "max_azs", "availability_zones", "availability_zone_ids",
                     "az_slots", "gateway_endpoints"]), ANY, max_size=3))
def test_plan_network_options(kw: dict[str, Any]) -> None:
    if "availability_zones" in kw and "availability_zone_ids" in kw:
        del kw["availability_zone_ids"]
    _only_config_errors(lambda: plan_network(**kw))


@_FUZZ
@given(ANY, ANY, ANY, ANY, ANY, ANY)
def test_tier(name: Any, kind: Any, mask: Any, reserved: Any, block: Any, mpip: Any) -> None:
    _only_config_errors(lambda: plan_network(
        tiers=[Tier(name, kind, mask, reserved, block, mpip)]))
    _only_config_errors(lambda: plan_network(
        tiers=[Tier("web", "public"), Tier(name, kind, mask, reserved)]))


@_FUZZ
@given(st.sampled_from(["gateways", "instances", "regional_gateway", "parse"]), ANY, ANY, ANY)
def test_nat_provider(factory: str, a: Any, b: Any, c: Any) -> None:
    def run() -> None:
        if factory == "gateways":
            nat = NatProvider.gateways(a)
        elif factory == "instances":
            nat = NatProvider.instances(instance_type=a, count=b, allowed_ports=c)
        elif factory == "regional_gateway":
            nat = NatProvider.regional_gateway(az_addresses=a)
        else:
            nat = NatProvider.parse(a)
        plan_network(nat=nat)
    _only_config_errors(run)


@_FUZZ
@given(ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY)
def test_acl_rule(number: Any, action: Any, protocol: Any, ports: Any, cidr: Any,
                  egress: Any, description: Any, reply: Any) -> None:
    _only_config_errors(lambda: AclRule(number, action, protocol, ports, cidr, egress=egress,
                                        description=description, reply=reply))


@_FUZZ
@given(ANY, ANY, ANY, ANY, ANY, ANY, ANY)
def test_security_groups(peer: Any, ports: Any, desc: Any, protocol: Any, name: Any,
                         gdesc: Any, rules: Any) -> None:
    _only_config_errors(lambda: SgPeer.of(peer))
    _only_config_errors(lambda: SgPeer.cidr(peer))
    _only_config_errors(lambda: SgPeer.prefix_list(peer))
    _only_config_errors(lambda: SgPeer.group(peer))
    _only_config_errors(lambda: SgRule(peer, ports, desc, protocol))
    _only_config_errors(lambda: SecurityGroupSpec(name, gdesc, ingress=rules))
    _only_config_errors(lambda: SecurityGroupSpec("app", "App", egress=rules))


@_FUZZ
@given(st.dictionaries(st.sampled_from([
    "inside_cidr", "ike_versions", "phase1_encryption", "phase1_integrity", "phase1_dh_groups",
    "phase2_encryption", "phase2_integrity", "phase2_dh_groups", "phase1_lifetime_seconds",
    "phase2_lifetime_seconds", "dpd_timeout_seconds", "dpd_timeout_action", "startup_action",
]), ANY, max_size=3), ANY)
def test_tunnel_options(kw: dict[str, Any], data: Any) -> None:
    _only_config_errors(lambda: TunnelOptions(**kw))
    _only_config_errors(lambda: TunnelOptions.from_dict(data))


_PLAN = plan_network()


@_FUZZ
@given(st.sampled_from(["tier", "subnet", "eni", "raw"]), ANY, ANY, ANY, ANY)
def test_flow_log_target(factory: str, a: Any, b: Any, dest_kw: Any, other: Any) -> None:
    def run() -> None:
        if factory == "tier":
            target = FlowLogTarget.tier(a)
        elif factory == "subnet":
            target = FlowLogTarget.subnet(a, b)
        elif factory == "eni":
            target = FlowLogTarget.network_interface(a, name=b)
        else:
            target = FlowLogTarget(a, b, other)
        plan_flow_logs(_PLAN, targets=[target])
    _only_config_errors(run)

    def dest() -> None:
        kw = dict(dest_kw) if isinstance(dest_kw, dict) else {}
        kw = {k: v for k, v in kw.items()
              if k in ("retention_days", "saved_queries", "query_limit")}
        plan_flow_logs(_PLAN, destinations=[CloudWatchDestination(**kw)],
                       traffic_type=a, max_aggregation_interval=other)
    _only_config_errors(dest)


_ENV_KEYS = [
    "cidr", "max_azs", "availability_zones", "availability_zone_ids", "az_slots", "nat",
    "nat_instance_type", "tiers", "flow_log_retention_days", "flow_log_destinations",
    "flow_log_traffic_type", "flow_log_aggregation_seconds", "flow_log_s3_format",
    "monitoring", "dashboard", "logs_removal_policy", "interface_endpoints",
    "demo_host_with_extra_eni", "vpn", "hybrid_dns", "encryption_control",
    "block_public_access_exclusions", "direct_connect_gateway_id", "account", "region",
    "description",
]
_VPN = st.fixed_dictionaries({}, optional={
    "customer_gateway_ip": ANY, "on_premises_cidrs": ANY, "routing": ANY,
    "on_premises_tcp_ports": ANY, "customer_asn": ANY, "tunnels": ANY,
})
_TIER_DICT = st.fixed_dictionaries(
    {"name": ANY, "kind": st.one_of(st.sampled_from(["public", "private", "isolated"]), ANY)},
    optional={"cidr_mask": ANY, "reserved": ANY})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_ENV_KEYS), ANY, max_size=3), _VPN,
       st.lists(_TIER_DICT, max_size=2), ANY)
def test_parse_environments(env: dict[str, Any], vpn: dict[str, Any],
                            tiers: list[dict[str, Any]], top: Any) -> None:
    _only_config_errors(lambda: parse_environments({"dev": env}))
    _only_config_errors(lambda: parse_environments({"dev": {"vpn": vpn}}))
    _only_config_errors(lambda: parse_environments({"dev": {"tiers": tiers}}))
    _only_config_errors(lambda: parse_environments(top))


# --- the CDK constructs: hand-written wrong-type cases (hypothesis would be
# too slow through jsii) ----------------------------------------------------
_CONSTRUCT_CASES: dict[str, Callable[[Any, Any, str], Any]] = {
    "vpc-name-list": lambda st, net, i: _c.BestPracticeVpc(st, i, name=["a"]),
    "vpc-flow-log-int": lambda st, net, i: _c.BestPracticeVpc(st, i, flow_log=1),
    "vpc-public-ports-bool": lambda st, net, i: _c.BestPracticeVpc(
        st, i, public_ingress_ports=[True]),
    "vpc-public-ports-int": lambda st, net, i: _c.BestPracticeVpc(st, i, public_ingress_ports=443),
    "vpc-acl-rules-list": lambda st, net, i: _c.BestPracticeVpc(st, i, acl_rules=[1]),
    "vpc-intents-str": lambda st, net, i: _c.BestPracticeVpc(st, i, intents="x"),
    "vpc-retention-bool": lambda st, net, i: _c.BestPracticeVpc(
        st, i, flow_log_retention_days=True),
    "vpc-tiers-str": lambda st, net, i: _c.BestPracticeVpc(st, i, tiers="public"),
    "vpc-tiers-list-of-str": lambda st, net, i: _c.BestPracticeVpc(st, i, tiers=["public"]),
    "flow-logs-targets-str": lambda st, net, i: _c.FlowLogs(st, i, network=net, targets="vpc"),
    "flow-logs-destinations-dict": lambda st, net, i: _c.FlowLogs(
        st, i, network=net, destinations={"a": 1}),
    "flow-logs-network-str": lambda st, net, i: _c.FlowLogs(st, i, network="vpc-1"),
    "flow-logs-name-list": lambda st, net, i: _c.FlowLogs(st, i, network=net, name=["a"]),
    "monitoring-dashboard-int": lambda st, net, i: _c.NetworkMonitoring(
        st, i, network=net, dashboard=1),
    "monitoring-dashboard-name-newline": lambda st, net, i: _c.NetworkMonitoring(
        st, i, network=net, dashboard_name="a\n"),
    "sgs-groups-str": lambda st, net, i: _c.WorkloadSecurityGroups(
        st, i, network=net, groups="app"),
    "sgs-groups-dicts": lambda st, net, i: _c.WorkloadSecurityGroups(
        st, i, network=net, groups=[{"name": "a"}]),
    "sgs-name-list": lambda st, net, i: _c.WorkloadSecurityGroups(
        st, i, network=net, groups=[_c.SecurityGroupSpec("app", "App")], name=["x"]),
    "sgs-name-too-long": lambda st, net, i: _c.WorkloadSecurityGroups(
        st, i, network=net, groups=[_c.SecurityGroupSpec("app", "App")], name="n" * 300),
    "endpoints-services-str": lambda st, net, i: _c.InterfaceEndpoints(
        st, i, network=net, services="ssm"),
    "endpoints-services-int": lambda st, net, i: _c.InterfaceEndpoints(
        st, i, network=net, services=[1]),
    "endpoints-tier-list": lambda st, net, i: _c.InterfaceEndpoints(
        st, i, network=net, services=["ssm"], tier=["private"]),
    "endpoints-service-azs-list": lambda st, net, i: _c.InterfaceEndpoints(
        st, i, network=net, services=["ssm"], service_azs=["a"]),
    "endpoints-name-too-long": lambda st, net, i: _c.InterfaceEndpoints(
        st, i, network=net, services=["ssm"], name="n" * 300),
    "eni-az-index-bool": lambda st, net, i: _c.ExtraNetworkInterface(
        st, i, network=net, tier="private", az_index=True, security_groups=[], description="x"),
    "eni-tier-list": lambda st, net, i: _c.ExtraNetworkInterface(
        st, i, network=net, tier=["private"], az_index=0, security_groups=[], description="x"),
    "eni-groups-str": lambda st, net, i: _c.ExtraNetworkInterface(
        st, i, network=net, tier="private", az_index=0, security_groups="sg-0123abcd",
        description="x"),
    "vpn-ip-list": lambda st, net, i: _c.SiteToSiteVpn(
        st, i, network=net, customer_gateway_ip=["203.0.113.1"]),
    "vpn-asn-bool": lambda st, net, i: _c.SiteToSiteVpn(
        st, i, network=net, customer_gateway_ip="203.0.113.1", customer_bgp_asn=True,
        routing="bgp"),
    "vpn-routes-str": lambda st, net, i: _c.SiteToSiteVpn(
        st, i, network=net, customer_gateway_ip="203.0.113.1", static_routes="10.0.0.0/8"),
    "vpn-output-prefix-newline": lambda st, net, i: _c.SiteToSiteVpn(
        st, i, network=net, customer_gateway_ip="203.0.113.1",
        static_routes=["172.16.0.0/16"], output_prefix="Vpn\n"),
    "peering-tiers-str": lambda st, net, i: _c.VpcPeering(
        st, i, requester=net, accepter=net, requester_tiers="private"),
}


@pytest.fixture(scope="module")
def stack_and_network() -> tuple[Any, Any]:
    import aws_cdk as cdk

    app = cdk.App()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="us-east-1"))
    return stack, _c.BestPracticeVpc(stack, "Net", max_azs=2)


@pytest.mark.parametrize("case", sorted(_CONSTRUCT_CASES))
def test_constructs_refuse_wrong_types(case: str, stack_and_network: tuple[Any, Any]) -> None:
    stack, net = stack_and_network
    construct_id = f"Case{sorted(_CONSTRUCT_CASES).index(case)}"
    with pytest.raises(ConfigError):
        _CONSTRUCT_CASES[case](stack, net, construct_id)
    assert stack.node.try_find_child(construct_id) is None  # nothing was created


_ENVS = parse_environments({"hub": {"cidr": "10.1.0.0/16"}, "spoke": {"cidr": "10.2.0.0/16"}})


@_FUZZ
@given(st.fixed_dictionaries({}, optional={"hub": ANY, "spokes": ANY, "tcp_ports": ANY}), ANY)
def test_parse_peering(raw: dict[str, Any], other: Any) -> None:
    from stacks.config import parse_peering

    _only_config_errors(lambda: parse_peering(raw, _ENVS))
    _only_config_errors(lambda: parse_peering(other, _ENVS))
