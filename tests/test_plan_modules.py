"""The plan halves of the construct modules and the price loader.

Each construct module with a pure part has a plan module of the same name:
the plan module must import without loading aws_cdk, the build module must
hand out the very same objects under the old names (code written against
``vpc_patterns.build.<name>`` and the legacy ``vpc_patterns.<name>`` keeps
working), and prices come only from the dated price file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from vpc_patterns import ConfigError, plan_network
from vpc_patterns.plan import prices
from vpc_patterns.plan.endpoints import plan_interface_endpoints
from vpc_patterns.plan.peering import DEFAULT_PEER_TCP_PORTS, peer_acl_rules

PLAN_MODULES = ("flow_logs", "flow_log_format", "monitoring", "endpoints", "eni", "peering",
                "direct_connect", "prices")

#: build module -> names it must re-export from the plan module of the same name.
RE_EXPORTS = {
    "flow_logs": ("FlowLogTarget", "CloudWatchDestination", "S3Destination", "TrafficType",
                  "FileFormat", "parse_log_format", "insights_queries", "plan_flow_logs",
                  "FlowLogPlan", "FlowLogResource", "DEFAULT_FIELDS", "FLOW_LOG_FIELDS"),
    "monitoring": ("AlarmThresholds", "plan_alarms", "AlarmSpec", "MetricSpec", "is_burstable",
                   "NATGW_NAMESPACE", "ASG_DIMENSION"),
    "endpoints": ("validate_service_name", "plan_interface_endpoints", "EndpointPlacement",
                  "InterfaceEndpointsPlan", "SERVICE_AZ_IDS", "HTTPS_PORT"),
    "eni": ("InterfacePlan", "check_private_ip", "plan_interface", "DEFAULT_DEVICE_INDEX"),
    "peering": ("PeerVpc", "PeeringRecord", "check_peer_cidr", "peer_acl_rules",
                "PEER_ACL_FIRST_NUMBER", "DEFAULT_PEER_TCP_PORTS"),
    "direct_connect": ("parse_direct_connect_gateway_id", "parse_allowed_prefixes"),
}


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_plan_modules_do_not_load_aws_cdk() -> None:
    imports = "; ".join(f"import vpc_patterns.plan.{m}" for m in PLAN_MODULES)
    loaded = _run(f"import sys; {imports}; "
                  "print(sorted({k.split('.')[0] for k in sys.modules} & "
                  "{'aws_cdk', 'constructs', 'jsii'}))")
    assert loaded == "[]"


def test_build_modules_hand_out_the_plan_objects() -> None:
    pairs = json.dumps(RE_EXPORTS)
    out = _run(
        "import importlib, json\n"
        f"for m, names in json.loads({pairs!r}).items():\n"
        "    plan = importlib.import_module('vpc_patterns.plan.' + m)\n"
        "    build = importlib.import_module('vpc_patterns.build.' + m)\n"
        "    for n in names:\n"
        "        assert getattr(build, n) is getattr(plan, n), (m, n)\n"
        "import warnings\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from vpc_patterns.flow_logs import FlowLogTarget\n"
        "from vpc_patterns.plan.flow_logs import FlowLogTarget as planned\n"
        "assert FlowLogTarget is planned\n"
        "from vpc_patterns.build.endpoints import INTERFACE_ENDPOINT_HOURLY_USD\n"
        "print(INTERFACE_ENDPOINT_HOURLY_USD)\n"
    )
    # The name of earlier releases is the price file's us-east-1 price.
    assert out == "0.01"


# ---------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------


def test_region_prices_reads_the_newest_price_file() -> None:
    newest = prices.price_files()[-1]
    raw = json.loads(newest.read_text(encoding="utf-8"))["regions"]["eu-west-1"]
    rp = prices.region_prices("eu-west-1")
    assert rp is prices.load_prices().region("eu-west-1")
    assert rp.nat_gateway_hour == Decimal(str(raw["nat_gateway_hour"]))
    assert prices.region_prices().code == prices.DEFAULT_REGION == "us-east-1"
    with pytest.raises(ConfigError, match="known regions"):
        prices.region_prices("xx-nowhere-1")


def test_per_gb_price_is_optional(tmp_path: Path) -> None:
    region = {"nat_gateway_hour": 0.1, "interface_endpoint_az_hour": 0.02,
              "vpn_connection_hour": 0.05, "public_ipv4_hour": 0.005}
    table = prices.PriceTable.from_dict(
        {"date": "2031-02", "regions": {"xx-test-1": region,
                                        "xx-test-2": {**region, "interface_endpoint_gb": 0.03}}})
    assert table.region("xx-test-1").interface_endpoint_gb is None
    assert table.region("xx-test-2").interface_endpoint_gb == Decimal("0.03")
    with pytest.raises(ConfigError, match="interface_endpoint_gb"):
        prices.PriceTable.from_dict(
            {"date": "2031-02", "regions": {"xx-test-1": {**region, "interface_endpoint_gb": -1}}})
    # A file passed by path is read as well as the bundled ones.
    path = tmp_path / "prices-2031-02.json"
    path.write_text(json.dumps({"date": "2031-02", "regions": {"xx-test-1": region}}))
    assert prices.load_prices(path).region("xx-test-1").interface_endpoint_az_hour \
        == Decimal("0.02")


def test_endpoint_cost_comes_from_the_price_file() -> None:
    plan = plan_interface_endpoints(plan_network(max_azs=3), ["ssm", "logs"])
    us = prices.region_prices("us-east-1")
    # 2 services x 3 AZs x the file's hourly price x the file's hours a month.
    want = float(round(6 * us.interface_endpoint_az_hour * prices.load_prices().hours_per_month,
                       2))
    assert plan.monthly_usd() == want == 43.8
    assert plan.monthly_usd(hourly=0.02) == 87.6
    assert f"+ ${us.interface_endpoint_gb}/GB (us-east-1)" in plan.table()


# ---------------------------------------------------------------------------
# Peering default
# ---------------------------------------------------------------------------


def test_peer_acl_rules_default_to_the_named_ports() -> None:
    assert DEFAULT_PEER_TCP_PORTS == (443,)
    default = peer_acl_rules("10.30.0.0/16")
    assert default == peer_acl_rules("10.30.0.0/16", [443])
    assert [r.ports for r in default] == [(443, 443)]
