"""The reference app's connectivity, as cdk.json wires it: prod gets the
interface endpoints and the demo host with its extra interface, "shared"
(10.30.0.0/16) is the hub peered with prod and dev (vpc_patterns:peering).
Synthesized once with the four cdk-nag packs (as `make synth`), then cfn-lint
and `verify` on every template.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.connectivity import PROD_ENDPOINT_SERVICES
from stacks.peering_stack import peer_acl_rules_for

from .lint_helpers import cfn_lint


@pytest.fixture(scope="module")
def assembly(reference_app) -> dict:
    # Synthesized with the four packs (tests/conftest.py): any unacknowledged
    # finding would have raised.
    stacks = reference_app.stacks
    prod = stacks["prod"]
    assert prod.interface_endpoints is not None and prod.demo_host is not None
    return {"out": reference_app.out, "stacks": stacks, "endpoints": prod.interface_endpoints,
            "eni": prod.demo_host[1]}


def _tpl(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.template.json").read_text())


def test_nag_clean_lint_clean_and_verified(assembly: dict) -> None:
    out = assembly["out"]
    report = json.loads((out / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    from vpc_patterns.check.verify import verify_paths

    for path in sorted(out.glob("*.template.json")):
        assert cfn_lint(path) == [], path.name
    verified = verify_paths([out])
    assert verified.count("fail") == 0 and verified.count("unknown") == 0


def test_prod_endpoints_cost_and_policy(assembly: dict) -> None:
    ep = assembly["endpoints"]
    assert tuple(ep.endpoints) == PROD_ENDPOINT_SERVICES
    assert ep.plan.endpoint_azs == 15 and ep.plan.monthly_usd() == 109.5
    prod = _tpl(assembly["out"], "vpc-patterns-prod")
    stack = assembly["stacks"]["prod"]
    props = prod["Resources"][stack.resolve(ep.endpoints["ssm"].logical_id)]["Properties"]
    [stmt] = props["PolicyDocument"]["Statement"]
    assert stmt["Condition"] == {
        "StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}


def test_demo_host_interface_has_the_last_usable_address(assembly: dict) -> None:
    eni = assembly["eni"]
    assert eni.plan.private_ip == "10.20.143.254"  # private az1 is 10.20.128.0/20
    assert eni.plan.device_index == 1


def test_hub_peers_with_each_spoke_and_routes_both_ways(assembly: dict) -> None:
    out = assembly["out"]
    tpl = _tpl(out, "vpc-patterns-peering")
    routes = [r["Properties"] for r in tpl["Resources"].values() if r["Type"] == "AWS::EC2::Route"]
    by_dest: dict[str, int] = {}
    for r in routes:
        by_dest[r["DestinationCidrBlock"]] = by_dest.get(r["DestinationCidrBlock"], 0) + 1
    # hub (2 private tables) -> prod and dev; prod (3) and dev (2) -> hub
    assert by_dest == {"10.20.0.0/16": 2, "10.10.0.0/16": 2, "10.30.0.0/16": 5}
    assert all("Fn::ImportValue" in json.dumps(r["RouteTableId"]) for r in routes)
    # the network stacks import nothing: they do not depend on each other
    for env in ("dev", "prod", "shared"):
        assert "Fn::ImportValue" not in json.dumps(_tpl(out, f"vpc-patterns-{env}"))


def test_acl_rules_for_the_spokes() -> None:
    rules = peer_acl_rules_for(["10.30.0.0/16"], [443, 22])
    assert [(r.number, r.ports, r.cidr) for r in rules["private"]] == [
        (1000, (443, 443), "10.30.0.0/16"), (1010, (22, 22), "10.30.0.0/16")]
