"""The IPv6 plan (``vpc_patterns.plan.ipv6``): where the VPC's block comes
from, each tier's stack, and the /64 each subnet gets by the stable rule
(tier position x stride + AZ slot). Pure Python: no aws_cdk here.

The properties are the ones the module promises, over random layouts:
no two subnets share a /64; every /64 lies in its tier's aligned range and
in the block; appending a tier, raising ``max_azs`` or changing one tier's
stack never moves another subnet's /64.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vpc_patterns import ConfigError, NatProvider, SubnetKind, Tier, plan_network
from vpc_patterns.plan.ipv6 import Ipv6Block, stride, tier_range

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
NAMES = ("web", "app", "data", "edge", "cache", "mgmt", "batch", "ingress")
BYOIP = Ipv6Block("byoip", "ipv6pool-ec2-0123456789abcdef0", cidr="2001:db8:1200::/56")


@st.composite
def layouts(draw: st.DrawFn) -> dict:
    """Valid inputs: a public first tier (it holds the NATs), then up to 7
    more of any kind and stack, small enough masks to fit a /16."""
    n = draw(st.integers(1, 8))
    az_slots = draw(st.integers(1, 8))
    stacks = [None, "ipv4", "dual", "ipv6-only"]
    tiers = [Tier("web", "public", cidr_mask=24, ip_stack=draw(st.sampled_from([None, "dual"])))]
    for name in NAMES[1:n]:
        kind = draw(st.sampled_from(["public", "private", "isolated"]))
        tiers.append(Tier(name, kind, cidr_mask=24, ip_stack=draw(st.sampled_from(stacks)),
                          reserved=draw(st.booleans())))
    return {"tiers": tiers, "az_slots": az_slots,
            "max_azs": draw(st.integers(1, min(az_slots, 6))), "ipv6": BYOIP}


def indexes(plan) -> dict[tuple[str, int], int]:
    return {(s.tier, s.az.index): s.ipv6_index for s in plan.subnets if s.ipv6_index is not None}


@SETTINGS
@given(layouts())
def test_no_two_subnets_share_a_64_and_each_is_in_its_tier_range(kw: dict) -> None:
    plan = plan_network(**kw)
    got = indexes(plan)
    assert len(set(got.values())) == len(got)
    block = ipaddress.IPv6Network(BYOIP.cidr)
    for s in plan.subnets:
        if s.ip_stack == "ipv4":
            assert s.ipv6_index is None
            continue
        first, prefix = plan.tier_block(s.tier).ipv6_range
        net = ipaddress.IPv6Network(plan.ipv6_subnet(s))
        tier_net = ipaddress.IPv6Network(
            (int(block.network_address) + (first << 64), prefix))
        assert net.prefixlen == 64 and net.subnet_of(tier_net) and tier_net.subnet_of(block)
        # the range is aligned: one CIDR an ACL rule can name
        assert first % stride(kw["az_slots"]) == 0


@SETTINGS
@given(layouts(), st.sampled_from(["public", "private", "isolated"]))
def test_appending_a_tier_moves_no_64(kw: dict, kind: str) -> None:
    assume(len(kw["tiers"]) < len(NAMES))
    before = indexes(plan_network(**kw))
    name = NAMES[len(kw["tiers"])]
    after = indexes(plan_network(**{**kw, "tiers": [*kw["tiers"], Tier(name, kind,
                                                                        cidr_mask=24)]}))
    assert {k: v for k, v in after.items() if k[0] != name} == before


@SETTINGS
@given(layouts())
def test_raising_max_azs_moves_no_64(kw: dict) -> None:
    assume(kw["max_azs"] < min(kw["az_slots"], 6))
    before = indexes(plan_network(**kw))
    after = indexes(plan_network(**{**kw, "max_azs": kw["max_azs"] + 1}))
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) > len(before) or not before


@SETTINGS
@given(layouts(), st.data())
def test_changing_a_tier_stack_moves_no_other_tier(kw: dict, data: st.DataObject) -> None:
    i = data.draw(st.integers(1, len(kw["tiers"]) - 1)) if len(kw["tiers"]) > 1 else 0
    assume(i > 0)
    tiers = list(kw["tiers"])
    old = plan_network(**kw)
    for stack in ("ipv4", "dual", "ipv6-only"):
        tiers[i] = dataclasses.replace(kw["tiers"][i], ip_stack=stack)
        new = plan_network(**{**kw, "tiers": tiers})
        keep = {k: v for k, v in indexes(old).items() if k[0] != tiers[i].name}
        assert {k: v for k, v in indexes(new).items() if k[0] != tiers[i].name} == keep
        # the IPv4 plan does not move either: every tier keeps its block
        assert [t.block for t in new.tiers] == [t.block for t in old.tiers]
        if stack != "ipv4" and not tiers[i].reserved:
            first, _ = new.tier_block(tiers[i].name).ipv6_range
            assert sorted(v for k, v in indexes(new).items() if k[0] == tiers[i].name) == [
                first + a for a in range(kw["max_azs"])]


def test_the_rule_by_hand() -> None:
    """Three tiers, 8 slots: ranges #0, #8, #16 (each a /61); the AZ slot
    picks the /64 inside."""
    plan = plan_network(ipv6=BYOIP, max_azs=3)
    assert [(s.tier, s.az.index, s.ipv6_index, plan.ipv6_subnet(s)) for s in plan.subnets] == [
        ("public", 0, 0, "2001:db8:1200::/64"), ("public", 1, 1, "2001:db8:1200:1::/64"),
        ("public", 2, 2, "2001:db8:1200:2::/64"),
        ("private", 0, 8, "2001:db8:1200:8::/64"), ("private", 1, 9, "2001:db8:1200:9::/64"),
        ("private", 2, 10, "2001:db8:1200:a::/64"),
        ("isolated", 0, 16, "2001:db8:1200:10::/64"), ("isolated", 1, 17, "2001:db8:1200:11::/64"),
        ("isolated", 2, 18, "2001:db8:1200:12::/64")]
    assert [t.ipv6_range for t in plan.tiers] == [(0, 61), (8, 61), (16, 61)]
    assert tier_range(2, 3) == (8, 62) and stride(3) == 4 and stride(8) == 8


def test_amazon_block_keeps_numbers_not_cidrs() -> None:
    plan = plan_network(ipv6=Ipv6Block(), max_azs=2)
    assert all(plan.ipv6_subnet(s) is None for s in plan.subnets)
    assert [s.ipv6_index for s in plan.subnets_of("private")] == [8, 9]
    assert "/64 #8" in plan.table() and "IPv6: an Amazon-provided /56" in plan.table()
    data = plan.to_dict()
    assert data["ipv6"] == {"source": "amazon", "netmask": 56, "pool_id": None, "cidr": None}
    assert data["subnets"][0]["ip_stack"] == "dual"


def test_an_ipv4_plan_is_unchanged() -> None:
    plan = plan_network()
    assert plan.ipv6 is None and all(s.ip_stack == "ipv4" and s.ipv6_index is None
                                     for s in plan.subnets)
    data = plan.to_dict()
    assert "ipv6" not in data and "ip_stack" not in data["subnets"][0]
    assert "ipv6" not in plan.table().splitlines()[0]
    json.dumps(data)


def test_a_56_holds_32_tiers_of_8_and_says_what_would_fit() -> None:
    many = [Tier("web", "public", cidr_mask=28)] + [
        Tier(f"t{i}x", "isolated", cidr_mask=28) for i in range(32)]
    with pytest.raises(ConfigError, match=r"33 tiers x 8 /64s each \(az_slots 8\) need 264 /64s; "
                                          r"an Amazon-provided /56 holds 256: use at most 32 "
                                          r"tiers, fewer az_slots, or source='ipam' with a /52"):
        plan_network(cidr="10.0.0.0/16", tiers=many, ipv6=Ipv6Block())
    # four slots a tier: 33 ranges of 4 fit
    assert len(plan_network(cidr="10.0.0.0/16", tiers=many, ipv6=Ipv6Block(), az_slots=4,
                            max_azs=2).subnets) == 66


@pytest.mark.parametrize("kw, message", [
    ({"source": "cloud"}, "ipv6 source 'cloud' is not accepted; accepted: amazon, ipam, byoip"),
    ({"netmask": 48}, "an Amazon-provided block is always a /56"),
    ({"pool_id": "ipam-pool-0123456789abcdef0"}, "source 'amazon' takes no pool_id"),
    ({"source": "ipam"}, "ipv6 pool_id None is not a ipam pool id such as"),
    ({"source": "ipam", "pool_id": "ipam-pool-0123456789abcdef0", "netmask": 58},
     "ipv6 netmask /58 is not accepted from IPAM; accepted: /44, /48, /52, /56, /60"),
    ({"source": "ipam", "pool_id": "ipam-pool-0123456789abcdef0", "cidr": "2001:db8::/56"},
     "IPAM decides the block"),
    ({"source": "byoip", "pool_id": "ipv6pool-ec2-0123456789abcdef0", "cidr": "2001:db8::1/56"},
     "ipv6 cidr '2001:db8::1/56' must be an aligned IPv6 CIDR"),
    ({"source": "byoip", "pool_id": "ipv6pool-ec2-0123456789abcdef0", "cidr": "2001:db8::/60"},
     "is smaller than a /56"),
    ({"source": "byoip", "pool_id": "ipam-pool-0123456789abcdef0", "cidr": "2001:db8::/56"},
     "is not a byoip pool id"),
    ({"netmask": True}, "ipv6 netmask True must be an integer"),
])
def test_block_errors_name_the_value(kw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Ipv6Block(**kw)


def test_stack_errors_name_the_tier_and_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"tier 'private' ip_stack 'dual' needs an IPv6 block "
                                          r"on the VPC: give ipv6=Ipv6Block\(\)"):
        plan_network(tiers=[Tier("public", "public"), Tier("private", "private",
                                                           ip_stack="dual")])
    with pytest.raises(ConfigError, match="ip_stack 'v6' is not accepted; accepted: ipv4, dual"):
        plan_network(ipv6=Ipv6Block(), tiers=[Tier("public", "public", ip_stack="v6")])
    with pytest.raises(ConfigError, match="ipv6 'yes' is not an Ipv6Block"):
        plan_network(ipv6="yes")  # type: ignore[arg-type]


def test_nats_need_ipv4_in_the_first_public_tier() -> None:
    tiers = [Tier("public", "public", ip_stack="ipv6-only"), Tier("private", "private")]
    with pytest.raises(ConfigError, match="tier 'public' ip_stack 'ipv6-only': the NATs of the "
                                          "private tiers live in the first public tier"):
        plan_network(ipv6=Ipv6Block(), tiers=tiers)
    # a regional NAT gateway lives in no subnet
    plan = plan_network(ipv6=Ipv6Block(), tiers=tiers, nat=NatProvider.regional_gateway())
    assert plan.subnets_by_kind(SubnetKind.PUBLIC)[0].ip_stack == "ipv6-only"
    # without private tiers nothing needs a NAT
    plan_network(ipv6=Ipv6Block(), tiers=tiers[:1] + [Tier("data", "isolated")])


def test_cli_plans_ipv6(capsys: pytest.CaptureFixture[str]) -> None:
    from vpc_patterns.cli.main import main

    assert main(["plan", "--ipv6", "amazon", "--max-azs", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ipv6"]["source"] == "amazon"
    assert [s["ipv6_index"] for s in data["subnets"]] == [0, 1, 8, 9, 16, 17]
    assert main(["plan", "--ipv6", "byoip:ipv6pool-ec2-0123456789abcdef0:2001:db8:1200::/56",
                 "--max-azs", "1"]) == 0
    assert "2001:db8:1200:10::/64" in capsys.readouterr().out
    assert main(["plan", "--ipv6", "ipam:ipam-pool-0123456789abcdef0:50"]) == 2
    assert "ipv6 netmask /50 is not accepted from IPAM" in capsys.readouterr().err
    assert main(["plan", "--ipv6", "v6"]) == 2
    assert "expected amazon, ipam:POOL:NETMASK or byoip:POOL:CIDR" in capsys.readouterr().err
