"""cdk.json context: every bad value raises ConfigError naming its key.

Pure Python (no CDK import), so these run in milliseconds.
"""

from __future__ import annotations

import copy

import pytest

from stacks.config import CONTEXT_KEY, parse_environments
from vpc_patterns import ConfigError, NatKind, plan_network
from vpc_patterns.cli.main import main as cli_main

from .conftest import CDK_CONTEXT

GOOD = CDK_CONTEXT[CONTEXT_KEY]


def test_reference_environments_parse() -> None:
    envs = parse_environments(copy.deepcopy(GOOD))
    assert envs["dev"].max_azs == 2 and envs["dev"].nat.kind is NatKind.INSTANCE
    assert envs["prod"].max_azs == 3 and envs["prod"].nat.kind is NatKind.GATEWAY
    assert envs["prod"].nat.count is None  # one per AZ
    assert envs["dev"].account is None and envs["prod"].region is None  # env-agnostic


def test_context_as_json_string_is_accepted() -> None:
    import json

    assert set(parse_environments(json.dumps(GOOD))) == set(GOOD)


def _without(env: str, key: str) -> dict:
    raw = copy.deepcopy(GOOD)
    del raw[env][key]
    return raw


def _with(env: str, **changes: object) -> dict:
    raw = copy.deepcopy(GOOD)
    raw[env].update(changes)
    return raw


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        pytest.param(None, CONTEXT_KEY, id="missing"),
        pytest.param({}, CONTEXT_KEY, id="empty"),
        pytest.param("{not json", "not valid JSON", id="bad-json"),
        pytest.param({"Prod": {}}, "Prod", id="bad-env-name"),
        pytest.param({"dev": []}, f"{CONTEXT_KEY}.dev", id="env-not-object"),
        pytest.param(_with("dev", colour="blue"), f"{CONTEXT_KEY}.dev.colour", id="unknown-key"),
        pytest.param(_with("dev", max_azs="2"), f"{CONTEXT_KEY}.dev.max_azs", id="max-azs-string"),
        pytest.param(_with("dev", max_azs=True), f"{CONTEXT_KEY}.dev.max_azs", id="max-azs-bool"),
        pytest.param(_with("prod", max_azs=7), f"{CONTEXT_KEY}.prod: max_azs 7", id="max-azs-7"),
        pytest.param(_with("prod", cidr="10.20.0.0/33"), "'10.20.0.0/33'", id="bad-cidr"),
        pytest.param(_with("prod", cidr=16), f"{CONTEXT_KEY}.prod.cidr", id="cidr-int"),
        pytest.param(_with("prod", nat="nat-gateway"), f"{CONTEXT_KEY}.prod.nat", id="unknown-nat"),
        pytest.param(_with("prod", nat_instance_type="t4g.nano"), "nat_instance_type",
                     id="type-without-instances"),
        pytest.param(_with("dev", nat_instance_type="huge"), "'huge'", id="bad-instance-type"),
        pytest.param(_with("dev", logs_removal_policy="keep"), "logs_removal_policy",
                     id="removal-policy"),
        pytest.param(_with("dev", account="1234"), f"{CONTEXT_KEY}.dev.account", id="account"),
        pytest.param(_with("dev", region="Mars"), f"{CONTEXT_KEY}.dev.region", id="region"),
        pytest.param(_with("dev", tiers=[{"name": "a"}]), "tiers[0]", id="tier-no-kind"),
        pytest.param(_with("dev", tiers=[{"name": "a", "kind": "dmz"}]), "tiers[0].kind",
                     id="tier-kind"),
        pytest.param(_with("dev", tiers=[{"name": "a", "kind": "public", "size": 3}]), "tiers[0]",
                     id="tier-extra-key"),
        pytest.param(_with("dev", availability_zones="eu-west-1a"), "availability_zones",
                     id="azs-not-list"),
        pytest.param(_with("dev", flow_log_retention_days="30"), "flow_log_retention_days",
                     id="retention-string"),
        pytest.param(_with("dev", flow_log_destinations=["cloudwatch", "kinesis"]), "'kinesis'",
                     id="flow-destination"),
        pytest.param(_with("dev", flow_log_traffic_type="SOME"), "flow_log_traffic_type",
                     id="traffic-type"),
        pytest.param(_with("dev", flow_log_aggregation_seconds=300), "flow_log_aggregation_seconds",
                     id="aggregation"),
        pytest.param(_with("dev", monitoring="yes"), f"{CONTEXT_KEY}.dev.monitoring",
                     id="monitoring-string"),
        pytest.param(_with("dev", interface_endpoints=["SSM"]), "'SSM'", id="endpoint-name"),
        pytest.param(_with("dev", vpn={"customer_gateway_ip": "203.0.113.10"}), "on_premises_cidrs",
                     id="vpn-no-cidrs"),
        pytest.param(_with("dev", vpn={"customer_gateway_ip": "203.0.113.10",
                                       "on_premises_cidrs": ["172.16.0.0/16"],
                                       "routing": "ospf"}),
                     "routing", id="vpn-routing"),
        pytest.param(_with("dev", vpn={"ip": "1.2.3.4"}), "unknown keys", id="vpn-unknown-key"),
        pytest.param(_with("prod", direct_connect_gateway_id="dxgw-123"), "'dxgw-123'",
                     id="dx-gateway-id"),
        pytest.param(_without("dev", "nat"), f"{CONTEXT_KEY}.dev.nat_instance_type",
                     id="instance-type-without-nat"),
        pytest.param(_with("dev", tiers=[{"name": "a", "kind": "public", "reserved": "false"}]),
                     "reserved", id="reserved-string"),
        pytest.param(_with("dev", flow_log_s3_format="parquet"), "flow_log_s3_format",
                     id="s3-format-without-s3"),
        pytest.param(_with("dev", direct_connect_gateway_id="5f294f92-bafb-4011-916d-9b0b0a1b2c3d"),
                     "direct_connect_gateway_id", id="dx-without-vpn"),
        pytest.param(_with("dev", hybrid_dns={"forward_domains": {"corp.example": ["172.16.0.2"]}}),
                     f"{CONTEXT_KEY}.dev.hybrid_dns is set but {CONTEXT_KEY}.dev.vpn is not",
                     id="dns-without-vpn"),
        pytest.param(_with("prod", hybrid_dns={"forward_domains": {}}), "forward_domains",
                     id="dns-no-domains"),
        pytest.param(_with("prod", hybrid_dns={"forward_domains": {"a.example": "172.16.0.2"}}),
                     "forward_domains", id="dns-ips-not-list"),
        pytest.param(_with("prod", hybrid_dns={"forward_domains": {"a.example": ["172.16.0.2"]},
                                               "zones": []}), "unknown keys", id="dns-unknown-key"),
        pytest.param(_with("prod", hybrid_dns={"forward_domains": {"a.example": ["172.16.0.2"]},
                                               "inbound_ips": ["10.99.0.10", "10.99.1.10"]}),
                     f"{CONTEXT_KEY}.prod: ", id="dns-ip-outside-tier"),
        pytest.param(_with("prod", encryption_control="strict"), "encryption_control",
                     id="encryption-mode"),
        pytest.param(_with("prod", block_public_access_exclusions="public"),
                     "block_public_access_exclusions", id="bpa-exclusions-not-list"),
    ],
)
def test_bad_context_names_the_key(raw: object, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_environments(raw)
    assert needle in str(err.value)


def test_cli_prints_plan_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["plan", "--cidr", "10.1.0.0/16", "--max-azs", "2"]) == 0
    out = capsys.readouterr().out
    # public /24s at the start of the VPC, private /20s in the upper half.
    assert "10.1.0.0/24" in out and "10.1.1.0/24" in out
    assert "10.1.128.0/20" in out and "10.1.144.0/20" in out
    assert "10.1.2.0/24" not in out  # only two AZs


def test_cli_reports_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["plan", "--cidr", "10.0.0.0/22"]) == 2
    assert "/30" in capsys.readouterr().err


def _peering(**raw: object) -> object:
    from stacks.config import parse_peering

    return parse_peering(raw, parse_environments(copy.deepcopy(GOOD)))


def test_reference_peering_parses() -> None:
    from stacks.config import PEERING_KEY, parse_peering

    p = parse_peering(CDK_CONTEXT[PEERING_KEY], parse_environments(copy.deepcopy(GOOD)))
    assert p is not None and p.hub == "shared" and set(p.spokes) == {"prod", "dev"}
    assert p.tcp_ports == (443,)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        pytest.param(dict(hub="nowhere", spokes=["prod"]), "'nowhere'", id="unknown-hub"),
        pytest.param(dict(hub="shared", spokes=[]), "spokes", id="no-spokes"),
        pytest.param(dict(hub="shared", spokes=["shared"]), "'shared'", id="hub-as-spoke"),
        pytest.param(dict(hub="shared", spokes=["prod", "prod"]), "'prod'", id="spoke-twice"),
        pytest.param(dict(hub="shared", spokes=["prod"], tcp_ports=[0]), "tcp_ports",
                     id="bad-port"),
        pytest.param(dict(hub="shared", spokes=["prod"], mesh=True), "mesh", id="unknown-key"),
    ],
)
def test_bad_peering_names_the_key(raw: dict, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        _peering(**raw)
    assert needle in str(err.value) and "vpc_patterns:peering" in str(err.value)


def test_reference_hybrid_dns_and_controls_parse() -> None:
    envs = parse_environments(copy.deepcopy(GOOD))
    prod = envs["prod"]
    assert prod.hybrid_dns is not None and prod.encryption_control == "monitor"
    dns = prod.hybrid_dns_plan(plan_network(**prod.network_options()))
    assert dns is not None and dns.inbound is not None and dns.outbound is not None
    # two fixed addresses per endpoint (the minimum), in the private tier's AZ 1 and 2
    assert [(a.ip, a.az_index) for a in dns.inbound.addresses] == [
        ("10.20.128.53", 0), ("10.20.144.53", 1)]
    assert [a.ip for a in dns.outbound.addresses] == ["10.20.128.54", "10.20.144.54"]
    assert all(e.block_public_access_exclusions == ("public",) for e in envs.values())
    assert envs["shared"].nat.kind is NatKind.REGIONAL_GATEWAY


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("ingress", "ingress"), ("bidirectional", "bidirectional"), ("off", None)])
def test_block_public_access_context(raw: object, expected: str | None) -> None:
    from stacks.config import parse_block_public_access

    assert parse_block_public_access(raw) == expected


def test_block_public_access_context_refuses_other_modes() -> None:
    from stacks.config import BLOCK_PUBLIC_ACCESS_KEY, parse_block_public_access

    with pytest.raises(ConfigError, match=BLOCK_PUBLIC_ACCESS_KEY):
        parse_block_public_access("on")


# --- cdk.json values that used to raise TypeError or slip through ----------
@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        pytest.param(_with("dev", tiers=[{"name": "web", "kind": ["public"]}]),
                     f"{CONTEXT_KEY}.dev.tiers[0].kind = ['public']; accepted: public",
                     id="tier-kind-list"),
        pytest.param(_with("dev", tiers=[{"name": "web", "kind": {"a": 1}}]),
                     f"{CONTEXT_KEY}.dev.tiers[0].kind", id="tier-kind-object"),
        pytest.param(_with("dev", account="\u0661" * 12), f"{CONTEXT_KEY}.dev.account",
                     id="account-arabic-digits"),
        pytest.param(_with("dev", region="eu-west-\u0661"), f"{CONTEXT_KEY}.dev.region",
                     id="region-arabic-digit"),
        pytest.param(_with("dev", region="eu-west-1\n"), f"{CONTEXT_KEY}.dev.region",
                     id="region-trailing-newline"),
        pytest.param(_with("dev", nat=["instances"]), f"{CONTEXT_KEY}.dev.nat",
                     id="nat-list"),
        pytest.param(_with("dev", availability_zones=["eu-west-1a\n"]),
                     "availability_zones entry 'eu-west-1a\\n' is not an AZ name",
                     id="az-trailing-newline"),
        pytest.param(_with("dev", description="x" * 1025), f"{CONTEXT_KEY}.dev.description is "
                     "1025 bytes (UTF-8); a CloudFormation stack description holds at most 1024",
                     id="description-over-1024-bytes"),
        pytest.param(_with("dev", description="\u00e9" * 513),  # 2 bytes each
                     "1026 bytes", id="description-over-1024-bytes-utf8"),
    ],
)
def test_bad_context_used_to_slip_through(raw: object, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_environments(raw)
    assert needle in str(err.value)


def test_description_of_1024_bytes_is_accepted() -> None:
    envs = parse_environments(_with("dev", description="x" * 1024))
    assert len(envs["dev"].description) == 1024


@pytest.mark.parametrize("hub", [["shared"], {"shared": 1}])
def test_peering_hub_not_a_string(hub: object) -> None:
    with pytest.raises(ConfigError, match=r"vpc_patterns:peering\.hub"):
        _peering(hub=hub, spokes=["prod"])


def test_peering_spoke_not_a_string() -> None:
    with pytest.raises(ConfigError, match=r"vpc_patterns:peering\.spokes entry"):
        _peering(hub="shared", spokes=[["prod"]])
