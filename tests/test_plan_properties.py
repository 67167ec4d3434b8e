"""Tests of the pure-Python network plan (``vpc_patterns.plan``).

No aws_cdk import here: the plan must be usable (and testable) without the CDK.

The hypothesis tests check the invariants the module docstring promises over
random valid inputs; the example tests pin values derived by hand from the
documented algorithm (tier blocks of ``az_slots`` subnets rounded up to a power
of two, placed first-fit in declaration order; default masks from
``DEFAULT_MASK_OFFSET``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import itertools
import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vpc_patterns import ConfigError, NatKind, NatProvider, SubnetKind, Tier, plan_network
from vpc_patterns.plan.network import (
    DEFAULT_MASK_OFFSET,
    GATEWAY_ENDPOINT_SERVICES,
    RouteTarget,
    VpcPlan,
)

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------

PRIVATE_RANGES = tuple(
    ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
#: Tier names that cannot make construct ids collide (names ending in an AZ
#: suffix are refused: ``test_route_table_ids_unique_when_tier_name_ends_like_an_az_suffix``).
TIER_NAMES = ("web", "app", "data", "edge", "cache", "mgmt", "batch", "ingress")
KINDS = (SubnetKind.PUBLIC, SubnetKind.PRIVATE, SubnetKind.ISOLATED)
REGION, REGION_ID = "eu-west-1", "euw1"
AZ_NAMES = tuple(f"{REGION}{c}" for c in "abcdef")
AZ_IDS = tuple(f"{REGION_ID}-az{i}" for i in range(1, 7))

#: ConfigErrors a random (otherwise valid) input may legitimately hit: the
#: tiers do not fit the VPC, or a default mask is too small for a small VPC.
_EXPECTED_MISFIT = re.compile(r"do not fit|larger than the VPC|smaller than AWS's /28")


@st.composite
def vpc_cidrs(draw: st.DrawFn) -> str:
    """An aligned CIDR /16../24 inside one of the RFC 1918 ranges."""
    base = draw(st.sampled_from(PRIVATE_RANGES))
    prefix = draw(st.integers(16, 24))
    index = draw(st.integers(0, 2 ** (prefix - base.prefixlen) - 1))
    start = int(base.network_address) + index * 2 ** (32 - prefix)
    return str(ipaddress.ip_network((start, prefix)))


def draw_tier(draw: st.DrawFn, vpc_prefix: int, name: str, *, reserved_ok: bool = True) -> Tier:
    kind = draw(st.sampled_from(KINDS))
    if draw(st.booleans()):
        kind = kind.value  # the string form is accepted too
    # 8 slots need 3 more prefix bits than the subnet; keep most masks plausible.
    mask = draw(st.integers(min(vpc_prefix + 3, 28), 28))
    if vpc_prefix + DEFAULT_MASK_OFFSET[SubnetKind(kind)] <= 28 and draw(st.booleans()):
        mask = None  # the default, relative to the VPC
    reserved = reserved_ok and draw(st.integers(0, 5)) == 0
    return Tier(name, kind, mask, reserved=reserved)


def _active_kinds(tiers) -> set[SubnetKind]:
    return {t.subnet_kind for t in tiers if not t.reserved}


def draw_nat(draw: st.DrawFn, tiers, n_azs: int) -> NatProvider:
    kinds = _active_kinds(tiers)
    has_public, has_private = SubnetKind.PUBLIC in kinds, SubnetKind.PRIVATE in kinds
    assume(has_public or not has_private)  # a private tier needs a NAT, a NAT a public tier
    if not has_public:
        return NatProvider.none()
    options = [
        NatProvider.gateway_per_az(),
        NatProvider.single_gateway(),
        NatProvider.instances(),
        NatProvider.instances(instance_type="c7gn.medium", count=1, allowed_ports=(22, 443)),
        *(NatProvider.gateways(k) for k in range(1, n_azs + 1)),
    ]
    if not has_private:
        options.append(NatProvider.none())
    return draw(st.sampled_from(options))


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    """Keyword arguments for plan_network (valid except possibly for fit)."""
    cidr = draw(vpc_cidrs())
    prefix = ipaddress.ip_network(cidr).prefixlen
    names = draw(st.lists(st.sampled_from(TIER_NAMES), min_size=1, max_size=3, unique=True))
    tiers = [draw_tier(draw, prefix, n) for n in names]
    az_slots = draw(st.sampled_from([6, 8]))
    n_azs = draw(st.integers(1, 6))
    kw: dict = {"cidr": cidr, "tiers": tiers, "az_slots": az_slots}
    mode = draw(st.sampled_from(["index", "name", "id"]))
    if mode == "index":
        kw["max_azs"] = n_azs
    elif mode == "name":
        kw["availability_zones"] = list(AZ_NAMES[:n_azs])
    else:
        kw["availability_zone_ids"] = list(AZ_IDS[:n_azs])
    kw["nat"] = draw_nat(draw, tiers, n_azs)
    kw["gateway_endpoints"] = draw(
        st.sampled_from([(), ("s3",), ("dynamodb",), ("s3", "dynamodb")])
    )
    return kw


def build(**kw) -> VpcPlan:
    """plan_network, rejecting (hypothesis ``assume``) only inputs that do not fit."""
    try:
        return plan_network(**kw)
    except ConfigError as e:
        if not _EXPECTED_MISFIT.search(str(e)):
            raise  # any other ConfigError means the generator or the plan is wrong
        assume(False)
        raise  # unreachable


def nets(cidrs) -> list[ipaddress.IPv4Network]:
    return [ipaddress.ip_network(c) for c in cidrs]


def assert_disjoint(networks) -> None:
    for a, b in itertools.combinations(networks, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_two_subnets_overlap(kw):
    plan = build(**kw)
    assert_disjoint(nets(s.cidr for s in plan.subnets))


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_subnet_inside_vpc_aligned_with_tier_mask(kw):
    plan = build(**kw)
    vpc = ipaddress.ip_network(plan.cidr, strict=True)
    assert plan.cidr == kw["cidr"]
    by_name = {t.name: t for t in kw["tiers"]}
    for s in plan.subnets:
        net = ipaddress.ip_network(s.cidr, strict=True)  # aligned, no host bits
        assert str(net) == s.cidr
        assert net.subnet_of(vpc)
        block = plan.tier_block(s.tier)
        assert net.prefixlen == block.cidr_mask
        assert net.subnet_of(ipaddress.ip_network(block.block))
        tier = by_name[s.tier]
        expected_mask = (
            tier.cidr_mask
            if tier.cidr_mask is not None
            else vpc.prefixlen + DEFAULT_MASK_OFFSET[tier.subnet_kind]
        )
        assert block.cidr_mask == expected_mask
        assert s.kind is tier.subnet_kind
        # subnet i of a tier is the i-th slot of the tier's block
        slots = list(ipaddress.ip_network(block.block).subnets(new_prefix=block.cidr_mask))
        assert slots[s.az.index] == net


@PROPERTY_SETTINGS
@given(scenarios())
def test_tier_blocks_disjoint_inside_vpc_and_sized_for_slots(kw):
    plan = build(**kw)
    vpc = ipaddress.ip_network(plan.cidr)
    blocks = nets(t.block for t in plan.tiers)
    assert [t.tier for t in plan.tiers] == [t.name for t in kw["tiers"]]
    assert_disjoint(blocks)
    for t, b in zip(plan.tiers, blocks):
        assert b.subnet_of(vpc)
        assert str(ipaddress.ip_network(t.block, strict=True)) == t.block
        # az_slots 6 and 8 both round up to 8 slots: 3 extra prefix bits
        assert b.prefixlen == t.cidr_mask - 3


@PROPERTY_SETTINGS
@given(scenarios())
def test_subnet_counts_ids_and_route_tables_consistent(kw):
    plan = build(**kw)
    active = [t for t in kw["tiers"] if not t.reserved]
    assert len(plan.subnets) == len(active) * len(plan.azs)
    for t in kw["tiers"]:
        if t.reserved:
            assert plan.subnets_of(t.name) == ()
    ids = [s.construct_id for s in plan.subnets]
    assert len(set(ids)) == len(ids)
    rt_ids = [rt.construct_id for rt in plan.route_tables]
    assert len(set(rt_ids)) == len(rt_ids)
    for s in plan.subnets:
        assert s.construct_id in plan.route_table(s.route_table).subnets
    for rt in plan.route_tables:
        for r in rt.routes:
            if r.target is not RouteTarget.INTERNET_GATEWAY:
                assert r.target_id in {n.construct_id for n in plan.nats}


@PROPERTY_SETTINGS
@given(scenarios())
def test_free_ranges_and_blocks_exactly_cover_vpc(kw):
    plan = build(**kw)
    vpc = ipaddress.ip_network(plan.cidr)
    free = nets(plan.free)
    blocks = nets(t.block for t in plan.tiers)
    for f in free:
        assert f.subnet_of(vpc)
    assert_disjoint(free + blocks)
    assert sum(n.num_addresses for n in free + blocks) == vpc.num_addresses
    assert plan.free_addresses == sum(f.num_addresses for f in free)


@PROPERTY_SETTINGS
@given(st.data())
def test_raising_max_azs_keeps_every_subnet(data):
    cidr = data.draw(vpc_cidrs())
    prefix = ipaddress.ip_network(cidr).prefixlen
    names = data.draw(st.lists(st.sampled_from(TIER_NAMES), min_size=1, max_size=3, unique=True))
    tiers = [draw_tier(data.draw, prefix, n) for n in names]
    az_slots = data.draw(st.sampled_from([6, 8]))
    low = data.draw(st.integers(1, 6))
    high = data.draw(st.integers(low, 6))
    nat = draw_nat(data.draw, tiers, low)
    before = build(cidr=cidr, tiers=tiers, az_slots=az_slots, max_azs=low, nat=nat)
    after = build(cidr=cidr, tiers=tiers, az_slots=az_slots, max_azs=high, nat=nat)
    after_by_key = {(s.tier, s.az.index): s for s in after.subnets}
    assert len(after.subnets) >= len(before.subnets)
    for s in before.subnets:
        t = after_by_key[(s.tier, s.az.index)]
        assert (t.cidr, t.construct_id) == (s.cidr, s.construct_id)
    assert before.tiers == after.tiers


@PROPERTY_SETTINGS
@given(st.data())
def test_appending_a_tier_keeps_every_subnet(data):
    kw = data.draw(scenarios())
    prefix = ipaddress.ip_network(kw["cidr"]).prefixlen
    taken = {t.name for t in kw["tiers"]}
    name = data.draw(st.sampled_from([n for n in TIER_NAMES if n not in taken]))
    new = draw_tier(data.draw, prefix, name)
    before = build(**kw)
    after_kw = dict(kw, tiers=[*kw["tiers"], new])
    kinds = _active_kinds(after_kw["tiers"])
    # appending a private tier to a NAT-less plan is refused, correctly
    assume(not (SubnetKind.PRIVATE in kinds and kw["nat"].kind is NatKind.NONE))
    after = build(**after_kw)
    after_by_key = {(s.tier, s.az.index): s for s in after.subnets}
    for s in before.subnets:
        t = after_by_key[(s.tier, s.az.index)]
        assert (t.cidr, t.construct_id) == (s.cidr, s.construct_id)
    assert after.tiers[: len(before.tiers)] == before.tiers


@PROPERTY_SETTINGS
@given(st.data())
def test_pinning_every_block_where_it_was_placed_changes_nothing(data):
    kw = data.draw(scenarios())
    plan = build(**kw)
    pinned = [
        Tier(t.name, t.kind, t.cidr_mask, reserved=t.reserved, block=b.block)
        for t, b in zip(kw["tiers"], plan.tiers)
    ]
    order = data.draw(st.permutations(range(len(pinned))))
    again = plan_network(**dict(kw, tiers=[pinned[i] for i in order]))
    assert {s.cidr for s in again.subnets} == {s.cidr for s in plan.subnets}
    assert {t.block for t in again.tiers} == {t.block for t in plan.tiers}


@PROPERTY_SETTINGS
@given(st.data())
def test_reserving_a_tier_does_not_move_any_block(data):
    kw = data.draw(scenarios())
    plan = build(**kw)
    i = data.draw(st.integers(0, len(kw["tiers"]) - 1))
    t = kw["tiers"][i]
    flipped = list(kw["tiers"])
    flipped[i] = Tier(t.name, t.kind, t.cidr_mask, reserved=not t.reserved)
    kinds = _active_kinds(flipped)
    assume(SubnetKind.PUBLIC in kinds or SubnetKind.PRIVATE not in kinds)
    nat = kw["nat"]
    if SubnetKind.PUBLIC not in kinds:
        nat = NatProvider.none()
    elif SubnetKind.PRIVATE in kinds and nat.kind is NatKind.NONE:
        nat = NatProvider.gateway_per_az()
    other = plan_network(**dict(kw, tiers=flipped, nat=nat))
    assert other.tiers == tuple(
        dataclasses.replace(b, reserved=not b.reserved) if j == i else b
        for j, b in enumerate(plan.tiers)
    )
    old = {(s.tier, s.az.index): s.cidr for s in plan.subnets if s.tier != t.name}
    new = {(s.tier, s.az.index): s.cidr for s in other.subnets if s.tier != t.name}
    assert old == new


@PROPERTY_SETTINGS
@given(st.data())
def test_first_fit_refuses_only_when_the_blocks_really_exceed_the_vpc(data):
    """The misfit message says 'needs at least N addresses': N must exceed the VPC."""
    cidr = data.draw(vpc_cidrs())
    prefix = ipaddress.ip_network(cidr).prefixlen
    masks = data.draw(st.lists(st.integers(min(prefix + 3, 28), 28), min_size=1, max_size=5))
    tiers = [Tier(f"t{i}", "isolated", m) for i, m in enumerate(masks)]
    need = sum(2 ** (32 - (m - 3)) for m in masks)
    try:
        plan_network(cidr=cidr, tiers=tiers, nat=NatProvider.none())
    except ConfigError as e:
        assert "do not fit" in str(e)
        assert need > ipaddress.ip_network(cidr).num_addresses
        assert f"needs at least {need} addresses" in str(e)
    else:
        assert need <= ipaddress.ip_network(cidr).num_addresses


@PROPERTY_SETTINGS
@given(scenarios())
def test_plan_is_deterministic_and_serialisable(kw):
    plan = build(**kw)
    assert plan_network(**kw) == plan
    d = plan.to_dict()
    assert json.loads(json.dumps(d)) == d
    text = plan.table()
    for s in plan.subnets:
        assert s.cidr in text


# --------------------------------------------------------------------------
# Examples, expected values derived by hand
# --------------------------------------------------------------------------

# Defaults: 10.0.0.0/16, 8 slots (3 bits). public /24 -> /21 block at 10.0.0.0;
# private /20 -> /17 block: 10.0.0.0/17 holds public, so 10.0.128.0/17;
# isolated /22 -> /19 block: 10.0.0.0/19 holds public, so 10.0.32.0/19.
DEFAULT_SUBNETS = {
    ("public", 0): "10.0.0.0/24",
    ("public", 1): "10.0.1.0/24",
    ("public", 2): "10.0.2.0/24",
    ("private", 0): "10.0.128.0/20",
    ("private", 1): "10.0.144.0/20",
    ("private", 2): "10.0.160.0/20",
    ("isolated", 0): "10.0.32.0/22",
    ("isolated", 1): "10.0.36.0/22",
    ("isolated", 2): "10.0.40.0/22",
}


def test_defaults_nine_subnets_over_three_azs():
    plan = plan_network()
    assert plan.cidr == "10.0.0.0/16"
    assert plan.az_slots == 8
    assert plan.az_mode == "index"
    assert [a.label for a in plan.azs] == ["az1", "az2", "az3"]
    assert len(plan.subnets) == 9
    assert {(s.tier, s.az.index): s.cidr for s in plan.subnets} == DEFAULT_SUBNETS
    masks = {s.tier: ipaddress.ip_network(s.cidr).prefixlen for s in plan.subnets}
    assert masks == {"public": 24, "private": 20, "isolated": 22}
    assert [(t.tier, t.kind, t.block, t.cidr_mask, t.reserved) for t in plan.tiers] == [
        ("public", SubnetKind.PUBLIC, "10.0.0.0/21", 24, False),
        ("private", SubnetKind.PRIVATE, "10.0.128.0/17", 20, False),
        ("isolated", SubnetKind.ISOLATED, "10.0.32.0/19", 22, False),
    ]
    assert plan.free == ("10.0.8.0/21", "10.0.16.0/20", "10.0.64.0/18")
    assert plan.free_addresses == 65536 - 2048 - 32768 - 8192
    assert [s.construct_id for s in plan.subnets_of("private")] == [
        "PrivateAz1", "PrivateAz2", "PrivateAz3",
    ]
    assert plan.subnet("isolated", 1).construct_id == "IsolatedAz2"
    assert plan.subnet("public", 0).usable_addresses == 256 - 5
    assert plan.private_ranges() == ("10.0.128.0/17",)
    assert all(not s.map_public_ip_on_launch for s in plan.subnets)


def test_default_masks_scale_with_the_vpc():
    # /20 VPC: public /28 (block /25), private /24 (block /21), isolated /26 (block /23).
    # public -> 10.1.0.0/25; private: 10.1.0.0/21 taken -> 10.1.8.0/21;
    # isolated: 10.1.0.0/23 taken -> 10.1.2.0/23.
    plan = plan_network(cidr="10.1.0.0/20")
    assert {(s.tier, s.az.index): s.cidr for s in plan.subnets} == {
        ("public", 0): "10.1.0.0/28",
        ("public", 1): "10.1.0.16/28",
        ("public", 2): "10.1.0.32/28",
        ("private", 0): "10.1.8.0/24",
        ("private", 1): "10.1.9.0/24",
        ("private", 2): "10.1.10.0/24",
        ("isolated", 0): "10.1.2.0/26",
        ("isolated", 1): "10.1.2.64/26",
        ("isolated", 2): "10.1.2.128/26",
    }
    assert [t.block for t in plan.tiers] == ["10.1.0.0/25", "10.1.8.0/21", "10.1.2.0/23"]


def test_az_slots_six_rounds_up_to_eight_and_four_packs_tighter():
    assert plan_network(az_slots=6).subnets == plan_network(az_slots=8).subnets
    # 4 slots: public /22 at 10.0.0.0; private /18: 10.0.0.0/18 taken -> 10.0.64.0/18;
    # isolated /20: 10.0.0.0/20 taken -> 10.0.16.0/20.
    plan = plan_network(az_slots=4)
    assert [t.block for t in plan.tiers] == ["10.0.0.0/22", "10.0.64.0/18", "10.0.16.0/20"]


def test_public_subnets_share_one_route_table_to_the_internet_gateway():
    plan = plan_network()
    public = plan.subnets_by_kind(SubnetKind.PUBLIC)
    assert {s.route_table for s in public} == {"PublicRouteTable"}
    rt = plan.route_table("PublicRouteTable")
    assert rt.az is None
    assert rt.subnets == ("PublicAz1", "PublicAz2", "PublicAz3")
    assert [(r.destination, r.target, r.target_id) for r in rt.routes] == [
        ("0.0.0.0/0", RouteTarget.INTERNET_GATEWAY, "")
    ]


def _private_default_route_targets(plan: VpcPlan) -> dict[str, str]:
    out = {}
    for s in plan.subnets_by_kind(SubnetKind.PRIVATE):
        rt = plan.route_table(s.route_table)
        assert rt.subnets == (s.construct_id,)
        assert rt.az == s.az
        (route,) = rt.routes
        assert route.destination == "0.0.0.0/0"
        out[s.construct_id] = route.target_id
    return out


def test_gateway_per_az_each_private_subnet_uses_its_own_az_nat():
    plan = plan_network(nat=NatProvider.gateway_per_az())
    assert [rt.construct_id for rt in plan.route_tables if rt.kind is SubnetKind.PRIVATE] == [
        "PrivateAz1RouteTable", "PrivateAz2RouteTable", "PrivateAz3RouteTable",
    ]
    assert _private_default_route_targets(plan) == {
        "PrivateAz1": "NatAz1", "PrivateAz2": "NatAz2", "PrivateAz3": "NatAz3",
    }
    assert [(n.construct_id, n.kind, n.az.index, n.subnet, n.instance_type) for n in plan.nats] == [
        ("NatAz1", NatKind.GATEWAY, 0, "PublicAz1", None),
        ("NatAz2", NatKind.GATEWAY, 1, "PublicAz2", None),
        ("NatAz3", NatKind.GATEWAY, 2, "PublicAz3", None),
    ]
    for rt in plan.route_tables:
        for r in rt.routes:
            if rt.kind is SubnetKind.PRIVATE:
                assert r.target is RouteTarget.NAT_GATEWAY
    assert plan_network().nats == plan.nats  # gateway_per_az is the default
    assert plan.monthly_nat_gateway_usd() == pytest.approx(3 * 0.045 * 730)


def test_single_gateway_all_private_subnets_use_nat_az1():
    plan = plan_network(nat=NatProvider.single_gateway())
    assert [n.construct_id for n in plan.nats] == ["NatAz1"]
    assert set(_private_default_route_targets(plan).values()) == {"NatAz1"}


def test_two_gateways_over_three_azs_third_az_borrows():
    plan = plan_network(nat=NatProvider.gateways(2))
    assert [(n.construct_id, n.az.index) for n in plan.nats] == [("NatAz1", 0), ("NatAz2", 1)]
    targets = _private_default_route_targets(plan)
    assert targets["PrivateAz1"] == "NatAz1"
    assert targets["PrivateAz2"] == "NatAz2"
    nat_az = {n.construct_id: n.az.index for n in plan.nats}
    assert targets["PrivateAz3"] in nat_az
    assert nat_az[targets["PrivateAz3"]] != 2


def test_isolated_route_table_has_no_routes():
    plan = plan_network()
    rt = plan.route_table("IsolatedRouteTable")
    assert rt.routes == ()
    assert rt.subnets == ("IsolatedAz1", "IsolatedAz2", "IsolatedAz3")
    assert {s.route_table for s in plan.subnets_of("isolated")} == {"IsolatedRouteTable"}


def test_gateway_endpoints_serve_private_and_isolated_route_tables_only():
    plan = plan_network()
    assert GATEWAY_ENDPOINT_SERVICES == ("s3", "dynamodb")
    assert [(g.service, g.construct_id) for g in plan.gateway_endpoints] == [
        ("s3", "S3GatewayEndpoint"),
        ("dynamodb", "DynamodbGatewayEndpoint"),
    ]
    expected = (
        "PrivateAz1RouteTable", "PrivateAz2RouteTable", "PrivateAz3RouteTable",
        "IsolatedRouteTable",
    )
    for g in plan.gateway_endpoints:
        assert g.route_tables == expected
        assert "PublicRouteTable" not in g.route_tables
    assert plan_network(gateway_endpoints=()).gateway_endpoints == ()
    (only,) = plan_network(gateway_endpoints=["dynamodb"]).gateway_endpoints
    assert only.service == "dynamodb"


def test_public_only_plan_has_no_nat_and_no_gateway_endpoints():
    plan = plan_network(tiers=[Tier("edge", "public")])
    assert plan.nats == ()
    assert plan.gateway_endpoints == ()  # nothing but a public route table to serve
    assert [rt.construct_id for rt in plan.route_tables] == ["EdgeRouteTable"]


def test_nat_instances_plan_kind_and_instance_type():
    plan = plan_network(nat=NatProvider.instances())
    assert [(n.kind, n.instance_type) for n in plan.nats] == [(NatKind.INSTANCE, "t4g.nano")] * 3
    for rt in plan.route_tables:
        if rt.kind is SubnetKind.PRIVATE:
            assert [r.target for r in rt.routes] == [RouteTarget.NAT_INSTANCE]
    assert plan.monthly_nat_gateway_usd() == 0

    one = plan_network(nat=NatProvider.instances(instance_type="c7gn.medium", count=1))
    assert [(n.construct_id, n.kind, n.instance_type) for n in one.nats] == [
        ("NatAz1", NatKind.INSTANCE, "c7gn.medium")
    ]
    assert set(_private_default_route_targets(one).values()) == {"NatAz1"}
    assert NatProvider.parse("instances") == NatProvider.instances()
    assert NatProvider.parse("single-gateway") == NatProvider.single_gateway()
    assert NatProvider.parse("gateway-per-az") == NatProvider.gateway_per_az()
    assert NatProvider.parse("none") == NatProvider.none()


def test_explicit_availability_zone_names_are_labels():
    zones = ["eu-central-1a", "eu-central-1b"]
    plan = plan_network(availability_zones=zones)
    assert plan.az_mode == "name"
    assert [a.label for a in plan.azs] == zones
    assert [(a.index, a.name, a.zone_id) for a in plan.azs] == [
        (0, "eu-central-1a", None), (1, "eu-central-1b", None),
    ]
    assert [s.az.label for s in plan.subnets_of("private")] == zones
    assert plan.to_dict()["azs"] == zones
    assert "eu-central-1b" in plan.table()
    # the AZ's position, not its name, picks the slot
    assert plan.subnet("private", 1).cidr == "10.0.144.0/20"


def test_explicit_availability_zone_ids_are_labels():
    ids = ["use1-az4", "use1-az6", "use1-az1"]
    plan = plan_network(availability_zone_ids=ids, max_azs=3)
    assert plan.az_mode == "id"
    assert [a.label for a in plan.azs] == ids
    assert all(a.name is None for a in plan.azs)
    assert [s.az.zone_id for s in plan.subnets_of("isolated")] == ids


def test_reserved_tier_gets_a_block_but_no_subnets():
    tiers = [*default_tiers_list(), Tier("future", "isolated", 24, reserved=True)]
    plan = plan_network(tiers=tiers)
    block = plan.tier_block("future")
    assert block.reserved
    assert plan.subnets_of("future") == ()
    assert all(rt.tier != "future" for rt in plan.route_tables)
    # /24 x 8 -> /21 block, first-fit after the defaults: 10.0.8.0/21 is free.
    assert block.block == "10.0.8.0/21"
    assert "10.0.8.0/21" not in plan.free
    assert "(reserved)" in plan.table()
    assert "10.0.8.0/21" in plan.table()
    # un-reserving later creates subnets in that very block, nothing else moves
    tiers[-1] = Tier("future", "isolated", 24)
    live = plan_network(tiers=tiers)
    assert live.tier_block("future").block == "10.0.8.0/21"
    assert [s.cidr for s in live.subnets_of("future")] == [
        "10.0.8.0/24", "10.0.9.0/24", "10.0.10.0/24",
    ]
    assert {s.cidr for s in plan.subnets} <= {s.cidr for s in live.subnets}


def default_tiers_list() -> list[Tier]:
    return [Tier("public", "public"), Tier("private", "private"), Tier("isolated", "isolated")]


def test_pinned_block_is_honoured():
    # Placement is one pass in declaration order: public first-fit -> 10.0.0.0/21;
    # private pinned at 10.0.128.0/17 (free); isolated /19 first-fit: 10.0.0.0/19
    # holds public, so 10.0.32.0/19.
    tiers = [
        Tier("public", "public"),
        Tier("private", "private", block="10.0.128.0/17"),
        Tier("isolated", "isolated"),
    ]
    plan = plan_network(tiers=tiers)
    assert [t.block for t in plan.tiers] == ["10.0.0.0/21", "10.0.128.0/17", "10.0.32.0/19"]
    assert [s.cidr for s in plan.subnets_of("private")] == [
        "10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20",
    ]


def test_pinned_block_never_moves_an_earlier_tier():
    # A later tier pinned onto an earlier tier's block is refused (it would
    # otherwise move subnets that already exist), and the message lists free space.
    tiers = [Tier("public", "public"), Tier("private", "private", block="10.0.0.0/17")]
    with pytest.raises(
        ConfigError, match=r"overlaps tier 'public' block 10\.0\.0\.0/21.*10\.0\.128\.0/17"
    ):
        plan_network(tiers=tiers)


def test_map_public_ip_on_launch_is_carried_on_public_subnets():
    plan = plan_network(
        tiers=[Tier("public", "public", map_public_ip_on_launch=True), Tier("data", "isolated")],
        nat=NatProvider.none(),
    )
    assert all(s.map_public_ip_on_launch for s in plan.subnets_of("public"))
    assert not any(s.map_public_ip_on_launch for s in plan.subnets_of("data"))


def test_table_lists_every_subnet_cidr_and_tier_name():
    plan = plan_network()
    text = plan.table()
    for s in plan.subnets:
        assert s.cidr in text
        assert s.route_table in text
    for t in plan.tiers:
        assert t.tier in text
        assert t.block in text
    for f in plan.free:
        assert f in text
    header = text.splitlines()[0].split()
    assert header == ["tier", "kind", "az", "cidr", "usable", "route", "table"]


def test_to_dict_is_json_serialisable():
    plan = plan_network(
        nat=NatProvider.instances(count=2),
        availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
    )
    d = plan.to_dict()
    round_trip = json.loads(json.dumps(d))
    assert round_trip == d
    assert round_trip["cidr"] == "10.0.0.0/16"
    assert round_trip["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert {s["cidr"] for s in round_trip["subnets"]} == set(DEFAULT_SUBNETS.values())
    assert [n["kind"] for n in round_trip["nats"]] == ["instance", "instance"]
    assert round_trip["free"] == list(plan.free)


def test_plan_is_frozen():
    plan = plan_network()
    with pytest.raises(AttributeError):
        plan.cidr = "10.1.0.0/16"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        plan.subnets[0].cidr = "10.1.0.0/24"  # type: ignore[misc]


def test_plan_module_does_not_import_aws_cdk():
    code = (
        "import sys\n"
        "import vpc_patterns\n"
        "from vpc_patterns import plan_network\n"
        "plan_network().table()\n"
        "assert not any(m == 'aws_cdk' or m.startswith('aws_cdk.') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('aws_cdk'))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------------------------
# Regressions: bugs found by these tests and fixed in plan.py
# --------------------------------------------------------------------------


def test_route_table_ids_unique_when_tier_name_ends_like_an_az_suffix():
    # 'aAz1' would give the route table id of tier 'a' in AZ 1: the name is refused.
    tiers = [Tier("pub", "public"), Tier("a", "private"), Tier("aAz1", "isolated")]
    with pytest.raises(ConfigError, match=r"tier name 'aAz1' ends in an AZ suffix"):
        plan_network(tiers=tiers)


def test_duplicate_gateway_endpoint_service_is_refused():
    with pytest.raises(ConfigError, match=r"gateway_endpoints lists 's3' more than once"):
        plan_network(gateway_endpoints=["s3", "s3"])


def test_appending_a_pinned_tier_over_an_earlier_tier_is_refused():
    # The pinned block would cover web's first-fit block: refused, naming both,
    # rather than moving web's subnets.
    with pytest.raises(ConfigError, match=r"'old' block '10\.0\.0\.0/19' overlaps tier 'web'"):
        plan_network(tiers=[Tier("web", "public"), Tier("old", "isolated", block="10.0.0.0/19")])


def test_tier_flags_must_be_booleans():
    with pytest.raises(ConfigError, match=r"tier 'a' reserved 'no' must be True or False"):
        plan_network(tiers=[Tier("a", "public", reserved="no")])  # type: ignore[arg-type]


def test_gateway_endpoints_none_is_a_config_error():
    with pytest.raises(ConfigError, match=r"gateway_endpoints None must be a list"):
        plan_network(gateway_endpoints=None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Plug-in points: route target kinds, NAT strategies, prices from data
# --------------------------------------------------------------------------


def test_route_target_kinds_name_their_route_property():
    # AWS::EC2::Route: GatewayId for an internet gateway, NatGatewayId for a NAT
    # gateway, NetworkInterfaceId for an instance's interface.
    assert [(t.value, t.route_property) for t in (
        RouteTarget.INTERNET_GATEWAY, RouteTarget.NAT_GATEWAY, RouteTarget.NAT_INSTANCE,
    )] == [("internet-gateway", "GatewayId"), ("nat-gateway", "NatGatewayId"),
           ("nat-instance", "NetworkInterfaceId")]
    for nat, prop in ((NatProvider.gateway_per_az(), "NatGatewayId"),
                      (NatProvider.instances(), "NetworkInterfaceId")):
        plan = plan_network(nat=nat)
        by_kind = {rt.kind: {r.route_property for r in rt.routes} for rt in plan.route_tables}
        assert by_kind == {SubnetKind.PUBLIC: {"GatewayId"}, SubnetKind.PRIVATE: {prop},
                           SubnetKind.ISOLATED: set()}
        assert {r.construct_id for rt in plan.route_tables for r in rt.routes} == {
            "DefaultRoute"}


def test_nat_providers_carry_their_strategy_and_keep_value_equality():
    from vpc_patterns.plan.nat import NatGatewayStrategy, NatInstanceStrategy, NoNatStrategy

    assert isinstance(NatProvider.gateway_per_az().strategy, NatGatewayStrategy)
    assert isinstance(NatProvider.gateways(2).strategy, NatGatewayStrategy)
    assert isinstance(NatProvider.instances().strategy, NatInstanceStrategy)
    assert isinstance(NatProvider.none().strategy, NoNatStrategy)
    assert NatProvider.gateways(1) == NatProvider.single_gateway()
    assert NatProvider.instances(count=1) != NatProvider.instances()
    plan = plan_network(nat=NatProvider.instances(count=2))
    assert [n.strategy.kind for n in plan.nats] == [NatKind.INSTANCE] * 2


def _newest_price_file() -> dict:
    from pathlib import Path

    import vpc_patterns

    data = Path(vpc_patterns.__file__).parent / "data"
    return json.loads(max(data.glob("prices-*.json")).read_text())


def test_nat_gateway_cost_comes_from_the_newest_price_file():
    prices = _newest_price_file()
    hours = prices["hours_per_month"]
    for region in ("us-east-1", "eu-west-1"):
        hourly = prices["regions"][region]["nat_gateway_hour"]
        assert plan_network().monthly_nat_gateway_usd(region) == pytest.approx(3 * hourly * hours)
        two = plan_network(nat=NatProvider.gateways(2))
        assert two.monthly_nat_gateway_usd(region) == pytest.approx(2 * hourly * hours)
    with pytest.raises(ConfigError, match=r"region 'mars-1' has no prices"):
        plan_network().monthly_nat_gateway_usd("mars-1")
    import vpc_patterns.plan as plan_pkg
    import vpc_patterns.plan.network as network_mod

    assert not hasattr(network_mod, "NAT_GATEWAY_HOURLY_USD")
    assert not hasattr(plan_pkg, "NAT_GATEWAY_HOURLY_USD")
