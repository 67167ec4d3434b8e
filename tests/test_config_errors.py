"""Every ConfigError plan_network raises names the value that caused it.

One parametrized case per error; each asserts the message contains the
offending value (and, where useful, what would be accepted).
"""

from __future__ import annotations

import re

import pytest

import vpc_patterns
from vpc_patterns import ConfigError, NatProvider, Tier, plan_network
from vpc_patterns.errors import ConfigError as ErrorsConfigError

PUBLIC = Tier("public", "public")
PRIVATE = Tier("private", "private")
ISOLATED = Tier("isolated", "isolated")


def case(case_id: str, match: str, **kwargs):
    """A plan_network call expected to raise ConfigError matching ``match``."""
    return pytest.param(kwargs, match, id=case_id)


def lit(value: object) -> str:
    """Regex matching ``repr(value)`` literally, as the messages quote values."""
    return re.escape(repr(value))


CASES = [
    # --- VPC CIDR -----------------------------------------------------------
    case("cidr-three-octets", lit("10.0.0/16") + ".*not an IPv4 CIDR", cidr="10.0.0/16"),
    case("cidr-banana", lit("banana"), cidr="banana"),
    case("cidr-no-prefix", lit("10.0.0.0") + ".*no prefix length", cidr="10.0.0.0"),
    case("cidr-not-a-string", r"cidr 167772160 must be a string", cidr=167772160),
    case(
        "cidr-host-bits",
        lit("10.0.1.0/16") + r".*host bits.*'10\.0\.0\.0/16'",
        cidr="10.0.1.0/16",
    ),
    case("cidr-prefix-15", lit("10.0.0.0/15") + r".*/15", cidr="10.0.0.0/15"),
    case("cidr-prefix-29", lit("10.0.0.0/29") + r".*/29", cidr="10.0.0.0/29"),
    case("cidr-loopback", lit("127.0.0.0/16") + r".*127\.0\.0\.0/8", cidr="127.0.0.0/16"),
    case("cidr-link-local", lit("169.254.0.0/16") + r".*169\.254\.0\.0/16", cidr="169.254.0.0/16"),
    case("cidr-multicast", lit("224.0.0.0/16"), cidr="224.0.0.0/16"),
    case("cidr-ipv6", lit("2001:db8::/56") + ".*IPv6", cidr="2001:db8::/56"),
    # --- max_azs ------------------------------------------------------------
    case("max-azs-0", r"max_azs 0 .*1\.\.6", max_azs=0),
    case("max-azs-7", r"max_azs 7 .*1\.\.6", max_azs=7),
    case("max-azs-str", r"max_azs '3' must be an integer", max_azs="3"),
    case("max-azs-float", r"max_azs 2\.5 must be an integer", max_azs=2.5),
    case("max-azs-bool", r"max_azs True must be an integer", max_azs=True),
    # --- tiers --------------------------------------------------------------
    case("tiers-empty", r"tiers is empty", tiers=[]),
    case("tiers-entry-str", lit("public") + r" is not a vpc_patterns\.Tier", tiers=["public"]),
    case(
        "tiers-entry-tuple",
        re.escape("('app', 'private')") + r" is not a vpc_patterns\.Tier",
        tiers=[PUBLIC, ("app", "private")],
    ),
    case(
        "tier-duplicate-name",
        r"tier name 'app' duplicates 'app'",
        tiers=[PUBLIC, Tier("app", "private"), Tier("app", "isolated")],
    ),
    case(
        "tier-duplicate-name-case",
        r"tier name 'App' duplicates 'app'",
        tiers=[PUBLIC, Tier("app", "private"), Tier("App", "isolated")],
    ),
    case(
        "tier-duplicate-name-dash",
        r"tier name 'myApp' duplicates 'my-app'",
        tiers=[PUBLIC, Tier("my-app", "private"), Tier("myApp", "isolated")],
    ),
    case("tier-name-digit-first", r"tier name '1app' is not", tiers=[Tier("1app", "isolated")]),
    case("tier-name-space", r"tier name 'my app' is not", tiers=[Tier("my app", "isolated")]),
    case("tier-name-underscore", r"tier name 'my_app' is not", tiers=[Tier("my_app", "isolated")]),
    case("tier-name-empty", r"tier name '' is not accepted", tiers=[Tier("", "isolated")]),
    case("tier-name-too-long", r"tier name 'a{33}' is not", tiers=[Tier("a" * 33, "isolated")]),
    case("tier-name-none", r"tier name None is not accepted", tiers=[Tier(None, "isolated")]),
    case(
        "tier-unknown-kind",
        r"tier 'dmz' has kind 'dmz'; accepted: public, private, isolated",
        tiers=[Tier("dmz", "dmz")],
    ),
    case(
        "tier-cidr-mask-29",
        r"tier 'data' cidr_mask /29 is outside AWS's subnet range",
        tiers=[Tier("data", "isolated", 29)],
    ),
    case(
        "tier-cidr-mask-15",
        r"tier 'data' cidr_mask /15 is outside",
        tiers=[Tier("data", "isolated", 15)],
    ),
    case(
        "tier-cidr-mask-str",
        r"tier 'data' cidr_mask '24' must be an integer",
        tiers=[Tier("data", "isolated", "24")],
    ),
    case(
        "tier-mask-larger-than-vpc",
        r"tier 'data' cidr_mask /18 is larger than the VPC 10\.0\.0\.0/20",
        cidr="10.0.0.0/20",
        tiers=[Tier("data", "isolated", 18)],
    ),
    case(
        "tier-default-mask-too-small",
        r"tier 'public'.*/24 VPC would be /32",
        cidr="10.0.0.0/24",
    ),
    case(
        "tier-block-larger-than-vpc",
        r"tier 'data': 8 slots of /20 need a /17 block, larger than the VPC 10\.0\.0\.0/20",
        cidr="10.0.0.0/20",
        tiers=[Tier("data", "isolated", 20)],
    ),
    case(
        "plan-does-not-fit",
        r"do not fit in 10\.0\.0\.0/16 \(65536 addresses\): tier 'c' finds no free /17"
        r".*needs at least 98304 addresses",
        # three /17 blocks (8 slots of /20) in a /16: a and b fill it, c finds no room
        tiers=[Tier("a", "isolated", 20), Tier("b", "isolated", 20), Tier("c", "isolated", 20)],
        nat=NatProvider.none(),
    ),
    case(
        "map-public-ip-on-private-tier",
        r"tier 'private' is private but sets map_public_ip_on_launch",
        tiers=[PUBLIC, Tier("private", "private", map_public_ip_on_launch=True)],
    ),
    case(
        "map-public-ip-on-isolated-tier",
        r"tier 'data' is isolated but sets map_public_ip_on_launch",
        tiers=[Tier("data", "isolated", map_public_ip_on_launch=True)],
        nat=NatProvider.none(),
    ),
    # --- pinned blocks (defaults: public /24 x 8 slots -> a /21 block) ----------
    case(
        "block-misaligned",
        r"tier 'public' block '10\.0\.4\.0/21' is not an aligned IPv4 CIDR",
        tiers=[Tier("public", "public", block="10.0.4.0/21"), ISOLATED],
    ),
    case(
        "block-garbage",
        r"tier 'public' block 'here' is not an aligned IPv4 CIDR",
        tiers=[Tier("public", "public", block="here"), ISOLATED],
    ),
    case(
        "block-outside-vpc",
        r"tier 'public' block '10\.1\.0\.0/21' is not inside the VPC 10\.0\.0\.0/16",
        tiers=[Tier("public", "public", block="10.1.0.0/21"), ISOLATED],
    ),
    case(
        "block-ipv6",
        r"tier 'public' block '2001:db8::/61' is not inside the VPC",
        tiers=[Tier("public", "public", block="2001:db8::/61"), ISOLATED],
    ),
    case(
        "block-wrong-size",
        r"tier 'public' block '10\.0\.0\.0/22' must be a /21 \(8 slots of /24\)",
        tiers=[Tier("public", "public", block="10.0.0.0/22"), ISOLATED],
    ),
    case(
        "block-overlaps-pinned",
        r"tier 'isolated' block '10\.0\.0\.0/19' overlaps tier 'public' block 10\.0\.0\.0/21",
        tiers=[
            Tier("public", "public", block="10.0.0.0/21"),
            Tier("isolated", "isolated", block="10.0.0.0/19"),
        ],
    ),
    # --- az_slots and AZs ---------------------------------------------------
    case("az-slots-0", r"az_slots 0 must be an integer from 1 to 8", az_slots=0),
    case("az-slots-9", r"az_slots 9 must be an integer from 1 to 8", az_slots=9),
    case("az-slots-str", r"az_slots '8' must be an integer", az_slots="8"),
    case(
        "more-azs-than-slots",
        r"4 AZs do not fit az_slots 2",
        max_azs=4,
        az_slots=2,
    ),
    case(
        "more-listed-azs-than-slots",
        r"3 AZs do not fit az_slots 2",
        availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
        az_slots=2,
    ),
    case(
        "azs-names-and-ids",
        r"availability_zones and availability_zone_ids are both set",
        availability_zones=["us-east-1a"],
        availability_zone_ids=["use1-az1"],
    ),
    case(
        "az-name-malformed",
        r"availability_zones entry 'us-east-1' is not an AZ name",
        availability_zones=["us-east-1"],
    ),
    case(
        "az-name-is-an-id",
        r"availability_zones entry 'use1-az1' is not an AZ name",
        availability_zones=["use1-az1"],
    ),
    case(
        "az-name-not-str",
        r"availability_zones entry 1 is not an AZ name",
        availability_zones=[1],
    ),
    case(
        "az-names-a-string",
        r"availability_zones 'us-east-1a' must be a non-empty list",
        availability_zones="us-east-1a",
    ),
    case(
        "az-names-empty",
        r"availability_zones \[\] must be a non-empty list",
        availability_zones=[],
    ),
    case(
        "az-id-malformed",
        r"availability_zone_ids entry 'use1az1' is not an AZ id",
        availability_zone_ids=["use1az1"],
    ),
    case(
        "az-id-is-a-name",
        r"availability_zone_ids entry 'us-east-1a' is not an AZ id",
        availability_zone_ids=["us-east-1a"],
    ),
    case(
        "az-name-duplicate",
        r"availability_zones lists 'us-east-1b' more than once",
        availability_zones=["us-east-1a", "us-east-1b", "us-east-1b"],
    ),
    case(
        "az-id-duplicate",
        r"availability_zone_ids lists 'use1-az2' more than once",
        availability_zone_ids=["use1-az2", "use1-az2"],
    ),
    case(
        "az-names-two-regions",
        r"spans several regions \(eu-west-1, us-east-1\)",
        availability_zones=["us-east-1a", "eu-west-1a"],
    ),
    case(
        "az-ids-two-regions",
        r"spans several regions \(euw1, use1\)",
        availability_zone_ids=["use1-az1", "euw1-az1"],
    ),
    case(
        "az-names-seven",
        r"availability_zones lists 7 AZs; at most 6",
        availability_zones=[f"us-east-1{c}" for c in "abcdefg"],
    ),
    case(
        "max-azs-conflicts-with-list",
        r"max_azs 2 conflicts with availability_zones \(3 AZs\)",
        max_azs=2,
        availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
    ),
    case(
        "max-azs-conflicts-with-ids",
        r"max_azs 3 conflicts with availability_zone_ids \(1 AZs\)",
        max_azs=3,
        availability_zone_ids=["use1-az1"],
    ),
    # --- NAT ----------------------------------------------------------------
    case(
        "nat-not-a-provider",
        r"nat 'single-gateway' is not a NatProvider",
        nat="single-gateway",
    ),
    case(
        "nat-needs-public-tier",
        r"NAT strategy 'gateway' needs a public tier",
        tiers=[PRIVATE, ISOLATED],
    ),
    case(
        "nat-instances-need-public-tier",
        r"NAT strategy 'instance' needs a public tier",
        tiers=[PRIVATE],
        nat=NatProvider.instances(),
    ),
    case(
        "nat-public-tier-only-reserved",
        r"NAT strategy 'gateway' needs a public tier",
        tiers=[Tier("public", "public", reserved=True), PRIVATE],
    ),
    case(
        "private-tier-without-nat",
        r"tier 'private' is private .*NatProvider\.none\(\)",
        nat=NatProvider.none(),
    ),
    case(
        "nat-count-0",
        r"NAT count 0 must be between 1 and the number of AZs \(3\)",
        nat=NatProvider.gateways(0),
    ),
    case(
        "nat-count-above-azs",
        r"NAT count 4 must be between 1 and the number of AZs \(3\)",
        nat=NatProvider.gateways(4),
    ),
    case(
        "nat-count-above-listed-azs",
        r"NAT count 3 must be between 1 and the number of AZs \(2\)",
        availability_zones=["us-east-1a", "us-east-1b"],
        nat=NatProvider.gateways(3),
    ),
    case(
        "nat-count-not-int",
        r"NAT count 1\.5 must be between 1",
        nat=NatProvider.gateways(1.5),
    ),
    case(
        "nat-instance-count-above-azs",
        r"NAT count 2 must be between 1 and the number of AZs \(1\)",
        max_azs=1,
        nat=NatProvider.instances(count=2),
    ),
    case(
        "nat-instance-type-no-family",
        r"NAT instance type 'nano' is not an EC2 instance type",
        nat=NatProvider.instances(instance_type="nano"),
    ),
    case(
        "nat-instance-type-uppercase",
        r"NAT instance type 'T4G\.NANO' is not an EC2 instance type",
        nat=NatProvider.instances(instance_type="T4G.NANO"),
    ),
    case(
        "nat-instance-type-empty",
        r"NAT instance type '' is not an EC2 instance type",
        nat=NatProvider.instances(instance_type=""),
    ),
    case(
        "nat-allowed-ports-empty",
        r"NAT instance allowed_ports \(\) must be a non-empty list of TCP ports 1\.\.65535",
        nat=NatProvider.instances(allowed_ports=()),
    ),
    case(
        "nat-allowed-ports-zero",
        r"NAT instance allowed_ports \(443, 0\) must be",
        nat=NatProvider.instances(allowed_ports=(443, 0)),
    ),
    case(
        "nat-allowed-ports-too-high",
        r"NAT instance allowed_ports \(65536,\) must be",
        nat=NatProvider.instances(allowed_ports=[65536]),
    ),
    case(
        "nat-allowed-ports-str",
        r"NAT instance allowed_ports \('443',\) must be",
        nat=NatProvider.instances(allowed_ports=["443"]),
    ),
    # --- gateway endpoints ----------------------------------------------------
    case(
        "gateway-endpoint-unknown",
        r"gateway endpoint 'sqs' is unknown; AWS offers gateway endpoints only for s3, dynamodb",
        gateway_endpoints=["s3", "sqs"],
    ),
    case(
        "gateway-endpoint-case",
        r"gateway endpoint 'S3' is unknown",
        gateway_endpoints=["S3"],
    ),
]


@pytest.mark.parametrize(("kwargs", "match"), CASES)
def test_plan_network_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        plan_network(**kwargs)


@pytest.mark.parametrize(
    ("name", "match"),
    [
        pytest.param("per-az", r"NAT strategy 'per-az' is unknown; accepted: gateway-per-az, "
                     r"instances, none, regional-gateway, single-gateway", id="parse-unknown"),
        pytest.param(
            "Single-Gateway", r"NAT strategy 'Single-Gateway' is unknown", id="parse-case"
        ),
        pytest.param("", r"NAT strategy '' is unknown", id="parse-empty"),
    ],
)
def test_nat_provider_parse_unknown_name(name, match):
    with pytest.raises(ConfigError, match=match):
        NatProvider.parse(name)


# --- Known bugs: these should be ConfigErrors naming the value, and are not. ---


def test_nat_instance_type_none_is_a_config_error():
    with pytest.raises(ConfigError, match=r"NAT instance type None"):
        plan_network(nat=NatProvider.instances(instance_type=None))


def test_gateway_endpoints_given_as_a_string_names_the_string():
    with pytest.raises(ConfigError) as info:
        plan_network(gateway_endpoints="s3")
    assert "'s3'" in str(info.value)


# --- The exception type ------------------------------------------------------


def test_config_error_is_a_value_error_exported_by_the_package():
    assert issubclass(ConfigError, ValueError)
    assert vpc_patterns.ConfigError is ConfigError is ErrorsConfigError
    assert "ConfigError" in vpc_patterns.__all__
    with pytest.raises(ValueError):
        plan_network(cidr="banana")


# --- input that used to slip through (trailing newline, non-ASCII digits,
# wrong types, NAT instance port lists) --------------------------------------
ARABIC_ONE = "\u0661"  # ARABIC-INDIC DIGIT ONE: matches \d, not [0-9]
SLIPS = [
    case("tier-name-trailing-newline", r"tier name 'web\\n' is not accepted",
         tiers=[Tier("web\n", "public")]),
    case("az-name-trailing-newline", r"availability_zones entry 'us-east-1a\\n' is not an AZ name",
         availability_zones=["us-east-1a\n"]),
    case("az-name-arabic-digit", "availability_zones entry .* is not an AZ name",
         availability_zones=[f"us-east-{ARABIC_ONE}a"]),
    case("az-id-trailing-newline", r"availability_zone_ids entry 'use1-az1\\n' is not an AZ id",
         availability_zone_ids=["use1-az1\n"]),
    case("az-id-arabic-digit", "availability_zone_ids entry .* is not an AZ id",
         availability_zone_ids=[f"use{ARABIC_ONE}-az1"]),
    case("cidr-arabic-digit", "is not an IPv4 CIDR", cidr=f"10.0.0.0/{ARABIC_ONE}6"),
    case("availability-zones-not-a-list", r"availability_zones False must be a non-empty list",
         availability_zones=False),
    case("availability-zone-ids-a-float", r"availability_zone_ids 1\.5 must be a non-empty list",
         availability_zone_ids=1.5),
    case("gateway-endpoints-a-float", r"gateway_endpoints 0\.0 must be a list of service names",
         gateway_endpoints=0.0),
    case("nat-instance-type-trailing-newline",
         r"NAT instance type 't4g\.nano\\n' is not an EC2 instance type",
         nat=NatProvider.instances(instance_type="t4g.nano\n")),
    case("nat-instance-ports-duplicate",
         r"allowed_ports \(80, 443, 80\) list \[80\] more than once",
         nat=NatProvider.instances(allowed_ports=[80, 443, 80])),
    case("nat-instance-ports-over-60", r"allowed_ports has 61 ports.*at most 60 rules",
         nat=NatProvider.instances(allowed_ports=range(1, 62))),
    case("nat-instance-ports-times-private-tiers",
         r"30 ports x 3 private tiers = 90 ingress rules.*at most 60",
         tiers=[PUBLIC, Tier("a", "private", 24), Tier("b", "private", 24),
                Tier("c", "private", 24)],
         nat=NatProvider.instances(allowed_ports=range(1, 31))),
]


@pytest.mark.parametrize(("kwargs", "match"), SLIPS)
def test_input_that_used_to_slip_through(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        plan_network(**kwargs)


@pytest.mark.parametrize("ports", [None, 443, 1.5, "443", {80: 1}])
def test_nat_instance_ports_not_a_list(ports: object) -> None:
    with pytest.raises(ConfigError, match=r"allowed_ports .* must be a non-empty list of TCP"):
        NatProvider.instances(allowed_ports=ports)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [[], {}, None, 3])
def test_nat_parse_refuses_non_strings(value: object) -> None:
    with pytest.raises(ConfigError, match=r"NAT strategy .* is unknown; accepted: gateway-per-az"):
        NatProvider.parse(value)  # type: ignore[arg-type]


def test_pure_ids_refuse_trailing_newline() -> None:
    from vpc_patterns.plan.flow_logs import FlowLogTarget, plan_flow_logs
    from vpc_patterns.plan.security_groups import SgPeer

    with pytest.raises(ConfigError, match="security group reference"):
        SgPeer.group("sg-0123456789abcdef0\n")
    with pytest.raises(ConfigError, match="managed prefix list id"):
        SgPeer.prefix_list("pl-0123abcd\n")
    with pytest.raises(ConfigError, match="is not an ENI id"):
        plan_flow_logs(plan_network(), targets=[FlowLogTarget.network_interface("eni-0123abcd\n")])
    # each accepts the same value without the newline
    SgPeer.group("sg-0123456789abcdef0")
    SgPeer.prefix_list("pl-0123abcd")
    plan_flow_logs(plan_network(), targets=[FlowLogTarget.network_interface("eni-0123abcd")])
