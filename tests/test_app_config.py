"""cdk.json context: every bad value raises ConfigError naming its key.

Pure Python (no CDK import), so these run in milliseconds.
"""

from __future__ import annotations

import copy

import pytest

from vpc_patterns import ConfigError, NatKind
from vpc_patterns.__main__ import main as cli_main
from vpc_patterns.config import CONTEXT_KEY, parse_environments

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
        pytest.param(_with("prod", nat_instance_type="t4g.nano"), "nat_instance_type", id="type-without-instances"),
        pytest.param(_with("dev", nat_instance_type="huge"), "'huge'", id="bad-instance-type"),
        pytest.param(_with("dev", logs_removal_policy="keep"), "logs_removal_policy", id="removal-policy"),
        pytest.param(_with("dev", account="1234"), f"{CONTEXT_KEY}.dev.account", id="account"),
        pytest.param(_with("dev", region="Mars"), f"{CONTEXT_KEY}.dev.region", id="region"),
        pytest.param(_with("dev", tiers=[{"name": "a"}]), "tiers[0]", id="tier-no-kind"),
        pytest.param(_with("dev", tiers=[{"name": "a", "kind": "dmz"}]), "tiers[0].kind", id="tier-kind"),
        pytest.param(_with("dev", tiers=[{"name": "a", "kind": "public", "size": 3}]), "tiers[0]", id="tier-extra-key"),
        pytest.param(_with("dev", availability_zones="eu-west-1a"), "availability_zones", id="azs-not-list"),
        pytest.param(_with("dev", flow_log_retention_days="30"), "flow_log_retention_days", id="retention-string"),
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
