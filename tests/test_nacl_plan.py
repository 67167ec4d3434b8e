"""Network ACL plan (pure Python): library rules, merge, findings, proofs.

Expectations come from the plan (tier blocks, the VPC CIDR, which route tables
the gateway endpoints serve) and from AWS's evaluation model. The hypothesis
properties check the set-based checkers against an independent, plain
first-match evaluator (:meth:`TierAcl.decide`) on concrete packets.
"""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vpc_patterns import ConfigError, NatProvider, SubnetKind, Tier, plan_network
from vpc_patterns.plan.nacl import (
    DEFAULT_RULES_PER_DIRECTION,
    EPHEMERAL_PORTS,
    LIBRARY_RULE_STEP,
    AclAction,
    AclRule,
    FindingKind,
    TierAcl,
    missing_returns,
    plan_acls,
    shadow_findings,
    unsolicited_replies,
)

PLAN = plan_network()  # 10.0.0.0/16: public, private, isolated; S3 + DynamoDB endpoints
ACLS = plan_acls(PLAN)
EPH_LO, EPH_HI = EPHEMERAL_PORTS
INTERNET_HOST = "198.51.100.7"
S3_ADDRESS = "52.216.8.1"  # outside the VPC: what a gateway endpoint reaches


def host_in(cidr: str, n: int = 10) -> str:
    return str(ipaddress.ip_network(cidr)[n])


def block(tier: str) -> str:
    return PLAN.tier_block(tier).block


def rule(
    n: int,
    action: str = "allow",
    proto: str = "tcp",
    ports=(443, 443),
    cidr="0.0.0.0/0",
    egress: bool = False,
    desc: str = "test rule",
    reply: bool = False,
) -> AclRule:
    return AclRule(
        n,
        action,
        proto,
        ports if proto in ("tcp", "udp") else None,
        cidr,
        egress=egress,
        description=desc,
        reply=reply,
    )


# ---------------------------------------------------------------- library ACLs


def test_one_acl_per_tier_holding_exactly_its_subnets() -> None:
    assert [a.tier for a in ACLS.acls] == ["public", "private", "isolated"]
    for a in ACLS.acls:
        assert a.subnets == tuple(s.construct_id for s in PLAN.subnets_of(a.tier))
        assert a.construct_id == f"{a.tier.capitalize()}NetworkAcl"
        assert a.block == block(a.tier)
    every = [s for a in ACLS.acls for s in a.subnets]
    assert sorted(every) == sorted(s.construct_id for s in PLAN.subnets)


def test_library_numbers_are_spaced_and_unique_per_direction() -> None:
    for a in ACLS.acls:
        for rules in (a.inbound, a.outbound):
            nums = [r.number for r in rules]
            assert nums == [LIBRARY_RULE_STEP * (i + 1) for i in range(len(nums))]
        assert a.user_rules == ()


def test_library_acls_are_reply_closed_and_have_no_findings() -> None:
    assert ACLS.findings == ()
    assert missing_returns(ACLS) == ()
    assert unsolicited_replies(ACLS) == ()
    for a in ACLS.acls:
        assert shadow_findings(a) == ()


def test_library_reply_rules_are_the_ephemeral_returns() -> None:
    pub = ACLS.acl("public")
    assert [(r.number, r.protocol.value) for r in pub.rules if r.reply] == [
        (200, "tcp"), (300, "udp")]
    assert all(r.ports in (None, EPHEMERAL_PORTS) for a in ACLS.acls for r in a.rules if r.reply)


def test_no_icmp_to_or_from_the_internet_unless_asked() -> None:
    for a in ACLS.acls:
        assert not [r for r in a.rules if r.protocol.value == "icmp" and r.cidr == "0.0.0.0/0"]
    acls = plan_acls(PLAN, internet_icmp=True)
    assert acls.findings == ()
    for tier in ("public", "private"):
        a = acls.acl(tier)
        icmp = [(r.number, r.egress, r.reply) for r in a.rules
                if r.protocol.value == "icmp" and r.cidr == "0.0.0.0/0"]
        assert icmp == [(400, False, True), (400, True, False)], tier
        assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST)[0] is AclAction.ALLOW
    # the public service ports move up one slot, after the fixed rules
    assert acls.acl("public").rule(600).ports == (443, 443)


def test_public_admits_http_https_and_ephemeral_returns_from_anywhere() -> None:
    pub = ACLS.acl("public")
    inbound = {(r.protocol.value, r.ports, r.cidr, r.action.value) for r in pub.inbound}
    assert ("tcp", (80, 80), "0.0.0.0/0", "allow") in inbound
    assert ("tcp", (443, 443), "0.0.0.0/0", "allow") in inbound
    assert ("tcp", EPHEMERAL_PORTS, "0.0.0.0/0", "allow") in inbound
    assert ("udp", EPHEMERAL_PORTS, "0.0.0.0/0", "allow") in inbound
    assert (
        pub.decide(egress=False, protocol="tcp", port=443, address=INTERNET_HOST)[0]
        is AclAction.ALLOW
    )
    assert pub.decide(egress=False, protocol="tcp", port=22, address=INTERNET_HOST) == (
        AclAction.DENY,
        None,
    )
    # NAT forwarding: a private host's packet to the internet on any port enters the public tier
    assert (
        pub.decide(egress=False, protocol="tcp", port=22, address=host_in(block("private")))[0]
        is AclAction.ALLOW
    )
    # ... and leaves it towards the internet
    assert (
        pub.decide(egress=True, protocol="tcp", port=22, address=INTERNET_HOST)[0]
        is AclAction.ALLOW
    )


def test_private_admits_the_vpc_and_returns_only() -> None:
    prv = ACLS.acl("private")
    assert prv.inbound[0].cidr == PLAN.cidr and prv.inbound[0].protocol.value == "all"
    assert (
        prv.decide(egress=False, protocol="tcp", port=8080, address=host_in(block("public")))[0]
        is AclAction.ALLOW
    )
    assert (
        prv.decide(egress=False, protocol="tcp", port=8080, address=INTERNET_HOST)[0]
        is AclAction.ALLOW
    )  # ephemeral
    assert prv.decide(egress=False, protocol="tcp", port=22, address=INTERNET_HOST) == (
        AclAction.DENY,
        None,
    )
    assert (
        prv.decide(egress=True, protocol="tcp", port=443, address=INTERNET_HOST)[0]
        is AclAction.ALLOW
    )


def test_isolated_admits_only_private_tiers_and_its_own_block() -> None:
    iso = ACLS.acl("isolated")
    for src, expected in (
        ("private", AclAction.ALLOW),
        ("isolated", AclAction.ALLOW),
        ("public", AclAction.DENY),
    ):
        action, by = iso.decide(
            egress=False, protocol="tcp", port=5432, address=host_in(block(src))
        )
        assert action is expected, src
    # the public tier is refused by the explicit deny of the rest of the VPC, even on
    # ephemeral ports
    action, by = iso.decide(
        egress=False, protocol="tcp", port=40000, address=host_in(block("public"))
    )
    assert action is AclAction.DENY and by is not None and by.cidr == PLAN.cidr
    # replies from S3 through the gateway endpoint come back
    assert (
        iso.decide(egress=False, protocol="tcp", port=40000, address=S3_ADDRESS)[0]
        is AclAction.ALLOW
    )
    assert (
        iso.decide(egress=True, protocol="tcp", port=443, address=S3_ADDRESS)[0] is AclAction.ALLOW
    )
    # replies to the private tier, HTTPS to its interface endpoints; nothing else out to it
    prv = host_in(block("private"))
    assert iso.decide(egress=True, protocol="tcp", port=40000, address=prv)[0] is AclAction.ALLOW
    assert iso.decide(egress=True, protocol="tcp", port=443, address=prv)[0] is AclAction.ALLOW
    assert iso.decide(egress=True, protocol="tcp", port=22, address=prv)[0] is AclAction.DENY
    assert (
        iso.decide(egress=True, protocol="tcp", port=40000, address=host_in(block("public")))[0]
        is AclAction.DENY
    )


def test_isolated_without_gateway_endpoints_has_no_rule_from_anywhere() -> None:
    plan = plan_network(gateway_endpoints=())
    iso = plan_acls(plan).acl("isolated")
    assert all(r.cidr != "0.0.0.0/0" for r in iso.rules)
    assert all(r.action is AclAction.ALLOW for r in iso.rules)
    assert (
        iso.decide(egress=False, protocol="tcp", port=40000, address=S3_ADDRESS)[0]
        is AclAction.DENY
    )
    assert missing_returns(iso) == ()


def test_reachable_from_replaces_the_default_sources() -> None:
    acls = plan_acls(PLAN, reachable_from={"isolated": ["public"]})
    iso = acls.acl("isolated")
    assert (
        iso.decide(egress=False, protocol="tcp", port=5432, address=host_in(block("public")))[0]
        is AclAction.ALLOW
    )
    assert (
        iso.decide(egress=False, protocol="tcp", port=5432, address=host_in(block("private")))[0]
        is AclAction.DENY
    )
    assert acls.findings == ()


def test_public_ports_inside_the_ephemeral_range_need_no_rule() -> None:
    pub = plan_acls(PLAN, public_ingress_ports=(443, 8443)).acl("public")
    port_rules = [r for r in pub.inbound if r.ports and r.ports[0] == r.ports[1]]
    assert [r.ports for r in port_rules] == [(443, 443)]
    assert (
        pub.decide(egress=False, protocol="tcp", port=8443, address=INTERNET_HOST)[0]
        is AclAction.ALLOW
    )


def test_icmp_rules_and_ipv6_protocol_numbers() -> None:
    iso = ACLS.acl("isolated")
    icmp = [r for r in iso.inbound if r.protocol.value == "icmp"]
    assert icmp and icmp[0].protocol_number == 1 and icmp[0].ports is None
    v6 = AclRule(10, "allow", "icmp", None, "::/0", description="ICMPv6 for neighbours")
    assert v6.protocol_number == 58
    assert AclRule(11, "allow", "all", None, "10.0.0.0/8", description="x").protocol_number == -1


# ---------------------------------------------------------------- merge with user rules


def test_user_rules_keep_their_numbers_and_interleave_by_number() -> None:
    deny = rule(50, "deny", "tcp", (22, 22), "203.0.113.0/24", desc="block a scanner")
    mid = rule(150, "deny", "tcp", (1024, 65535), "192.0.2.0/24", desc="no replies from there")
    acls = plan_acls(PLAN, user_rules={"public": [mid, deny]})
    pub = acls.acl("public")
    assert [r.number for r in pub.inbound] == [50, 100, 150, 200, 300, 400, 500]
    assert pub.origin(deny) == "user" and pub.origin(pub.rule(100)) == "library"
    assert pub.user_rules == (mid, deny)
    # library rules are unchanged by user rules
    assert pub.library_rules == ACLS.acl("public").library_rules
    assert pub.decide(egress=False, protocol="tcp", port=40000, address="192.0.2.1") == (
        AclAction.DENY,
        mid,
    )


def test_number_clash_with_a_library_rule_names_both() -> None:
    clash = rule(200, "deny", "tcp", (22, 22), "203.0.113.0/24", desc="my ssh block")
    with pytest.raises(ConfigError) as err:
        plan_acls(PLAN, user_rules={"public": [clash]})
    msg = str(err.value)
    assert (
        "inbound rule 200" in msg and "'my ssh block'" in msg and "library inbound rule 200" in msg
    )
    assert "100, 200, 300, 400, 500" in msg


def test_number_clash_between_user_rules_names_both() -> None:
    a = rule(250, desc="first")
    b = rule(250, proto="udp", ports=(53, 53), desc="second")
    with pytest.raises(
        ConfigError, match=r"user inbound rule 250 .*'second'.* user inbound rule 250 .*'first'"
    ):
        plan_acls(PLAN, user_rules={"private": [a, b]})
    # the same number in the other direction is fine
    plan_acls(PLAN, user_rules={"private": [a, rule(250, egress=True, desc="out")]})


def test_user_rule_made_dead_by_a_library_rule_is_reported_redundant() -> None:
    dup = rule(5000, "allow", "tcp", (443, 443), "0.0.0.0/0", desc="https again")
    acls = plan_acls(PLAN, user_rules={"public": [dup]})
    [f] = acls.findings
    assert f.kind is FindingKind.REDUNDANT and f.rule == dup and f.tier == "public"
    assert 500 in [b.number for b in f.by]
    assert "user inbound rule 5000" in f.message and "library inbound rule 500" in f.message


def test_user_deny_placed_after_a_library_allow_is_reported_shadowed() -> None:
    late = rule(700, "deny", "tcp", (443, 443), "203.0.113.0/24", desc="too late a block")
    [f] = plan_acls(PLAN, user_rules={"public": [late]}).findings
    assert f.kind is FindingKind.SHADOWED and [b.number for b in f.by] == [500]
    assert "number it below 500" in f.message


def test_user_rule_that_shadows_library_rules_is_reported_on_each() -> None:
    wall = rule(10, "deny", "all", None, "0.0.0.0/0", desc="deny everything in")
    acls = plan_acls(PLAN, user_rules={"private": [wall]})
    shadowed = [f for f in acls.findings if f.kind is FindingKind.SHADOWED]
    assert sorted(f.rule.number for f in shadowed) == [100, 200, 300]
    assert all(f.by == (wall,) and "library inbound rule" in f.message for f in shadowed)


def test_a_user_rule_set_that_breaks_returns_is_reported_with_the_blocking_rule() -> None:
    # Outbound replies to 203.0.113.0/24 denied, while HTTP/S requests from there are admitted.
    block_replies = rule(
        50,
        "deny",
        "tcp",
        EPHEMERAL_PORTS,
        "203.0.113.0/24",
        egress=True,
        desc="no replies to scanners",
    )
    acls = plan_acls(PLAN, user_rules={"public": [block_replies]})
    missing = missing_returns(acls)
    assert set(missing) <= set(acls.findings)
    assert sorted(m.rule.number for m in missing) == [400, 500]  # the HTTP and HTTPS rules
    for f in missing:
        assert f.kind is FindingKind.MISSING_RETURN and f.tier == "public" and not f.rule.egress
        assert f.by == (block_replies,)
        assert f.detail == ("outbound tcp 1024-65535 to 203.0.113.0/24",)
        assert "no replies to scanners" in f.message


def test_a_deny_on_one_side_only_is_reported_as_unsolicited_replies() -> None:
    # Nothing may go to 203.0.113.0/24, yet the reply rule still admits its packets.
    wall = rule(50, "deny", "all", None, "203.0.113.0/24", egress=True, desc="never talk to them")
    acls = plan_acls(PLAN, user_rules={"private": [wall]})
    uns = unsolicited_replies(acls)
    assert sorted(f.rule.number for f in uns) == [200, 300]
    assert all(f.tier == "private" and "203.0.113.0/24" in f.detail[0] for f in uns)
    # denying them inbound as well closes it
    both = [wall, rule(50, "deny", "all", None, "203.0.113.0/24", desc="nor listen to them")]
    assert plan_acls(PLAN, user_rules={"private": both}).findings == ()


def test_a_reply_rule_broader_than_the_replies_is_unsolicited() -> None:
    wide = rule(150, "allow", "tcp", (0, 65535), "192.0.2.0/24", desc="too wide", reply=True)
    [f] = plan_acls(PLAN, user_rules={"isolated": [wide]}).findings
    assert f.kind is FindingKind.UNSOLICITED and f.rule == wide
    assert f.detail == ("inbound tcp 0-1023 from 192.0.2.0/24",)


def test_a_new_flow_without_its_return_rule_is_reported() -> None:
    # Admit the public tier into the isolated tier on 5432, but forget the replies.
    flow = rule(150, "allow", "tcp", (5432, 5432), block("public"), desc="LB health checks")
    acls = plan_acls(PLAN, user_rules={"isolated": [flow]})
    [f] = [m for m in acls.findings if m.rule == flow]
    assert f.kind is FindingKind.MISSING_RETURN
    [deny_rest] = f.by  # the deny of the rest of the VPC, outbound
    assert deny_rest.number == 600 and deny_rest.action is AclAction.DENY
    assert f.detail == (f"outbound tcp 1024-65535 to {block('public')}",)
    # adding the reply rule closes it
    back = rule(
        150,
        "allow",
        "tcp",
        EPHEMERAL_PORTS,
        block("public"),
        egress=True,
        desc="replies to the LB",
        reply=True,
    )
    assert plan_acls(PLAN, user_rules={"isolated": [flow, back]}).findings == ()


def test_findings_as_errors_raises_with_every_finding() -> None:
    dup = rule(5000, desc="https again")
    with pytest.raises(ConfigError, match=r"(?s)1 network ACL finding.*redundant: tier .public."):
        plan_acls(PLAN, user_rules={"public": [dup]}, findings_as_errors=True)
    plan_acls(PLAN, findings_as_errors=True)  # the library's own rules pass


def test_rule_quota_per_direction() -> None:
    many = [
        rule(
            1000 + i, proto="tcp", ports=(1000 + i, 1000 + i), cidr="192.0.2.0/24", desc=f"port {i}"
        )
        for i in range(16)
    ]
    with pytest.raises(
        ConfigError, match=r"tier 'public' would have 21 inbound rules; the quota is 20"
    ):
        plan_acls(PLAN, user_rules={"public": many})
    assert (
        len(
            plan_acls(PLAN, user_rules={"public": many}, max_rules_per_direction=40)
            .acl("public")
            .inbound
        )
        == 21
    )


def test_table_and_dict() -> None:
    text = ACLS.table()
    assert "PublicNetworkAcl: tier public" in text and "allow tcp 443 from 0.0.0.0/0" in text
    d = ACLS.to_dict()
    tiers = [a["tier"] for a in d["acls"]]  # type: ignore[index]
    assert tiers == ["public", "private", "isolated"]


# ---------------------------------------------------------------- ConfigError cases


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(number=0), "number 0 is out of range; accepted 1..32766"),
        (dict(number=32767), "number 32767 is out of range"),
        (dict(number="5"), "number '5' must be an integer"),
        (dict(number=True), "number True must be an integer"),
        (dict(ports=(443, 80)), "port range 443-80 is out of order"),
        (
            dict(ports=(0, 70000)),
            "port 70000 in ports (0, 70000) is out of range; accepted 0..65535",
        ),
        (dict(ports=None), "protocol 'tcp' needs ports=(from, to)"),
        (dict(ports="443"), "ports '443' must be a pair"),
        (dict(protocol="all", ports=(1, 2)), "ports (1, 2) given for protocol 'all'"),
        (dict(protocol="gre"), "protocol 'gre' is unknown; accepted: tcp, udp, icmp, all"),
        (dict(action="reject"), "action 'reject' is unknown; accepted: allow, deny"),
        (dict(cidr="10.0.0.0/33"), "cidr '10.0.0.0/33' is not a valid IPv4 or IPv6 CIDR"),
        (
            dict(cidr="10.0.0.1/16"),
            "cidr '10.0.0.1/16' has host bits set; the network address is '10.0.0.0/16'",
        ),
        (dict(cidr="10.0.0.0"), "cidr '10.0.0.0' is not a CIDR"),
        (dict(description=""), "description '' must say why"),
        (dict(egress="yes"), "egress 'yes' must be True"),
        (dict(reply=1), "reply 1 must be True"),
        (dict(action="deny", reply=True), "a deny rule admits nothing, drop reply=True"),
    ],
)
def test_bad_rule_raises_config_error_naming_the_value(kwargs: dict, fragment: str) -> None:
    args = dict(
        number=100,
        action="allow",
        protocol="tcp",
        ports=(443, 443),
        cidr="0.0.0.0/0",
        egress=False,
        description="a rule",
    )
    args.update(kwargs)
    with pytest.raises(ConfigError) as err:
        AclRule(**args)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            dict(user_rules={"web": []}),
            "user_rules names tier 'web', which is not a tier of the plan",
        ),
        (dict(user_rules={"public": rule(5)}), "user_rules['public'] must be a list of AclRule"),
        (dict(user_rules={"public": ["x"]}), "user_rules['public'] entry 'x' is not"),
        (
            dict(reachable_from={"private": ["public"]}),
            "reachable_from names tier 'private', which is not an isolated tier",
        ),
        (
            dict(reachable_from={"isolated": "private"}),
            "reachable_from['isolated'] 'private' must be a list",
        ),
        (
            dict(reachable_from={"isolated": ["db"]}),
            "reachable_from['isolated'] names tier 'db', which is not in the plan",
        ),
        (
            dict(public_ingress_ports=(443, 443)),
            "public_ingress_ports lists port 443 more than once",
        ),
        (dict(public_ingress_ports=(0,)), "public_ingress_ports entry 0 is not a TCP port"),
        (dict(public_ingress_ports="443"), "public_ingress_ports '443' must be a list"),
        (
            dict(isolated_service_ports=(70000,)),
            "isolated_service_ports entry 70000 is not a TCP port",
        ),
        (dict(ephemeral_ports=(65535, 1024)), "ephemeral_ports (65535, 1024) must be (from, to)"),
        (dict(max_rules_per_direction=41), "max_rules_per_direction 41 must be an integer 1..40"),
        (dict(findings_as_errors="no"), "findings_as_errors 'no' must be True or False"),
    ],
)
def test_bad_option_raises_config_error_naming_the_value(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        plan_acls(PLAN, **kwargs)
    assert fragment in str(err.value)


def test_user_rules_for_a_reserved_tier_are_refused() -> None:
    plan = plan_network(
        tiers=[
            Tier("public", "public"),
            Tier("private", "private"),
            Tier("later", "isolated", reserved=True),
        ]
    )
    assert [a.tier for a in plan_acls(plan).acls] == ["public", "private"]
    with pytest.raises(ConfigError, match="names tier 'later', which is reserved"):
        plan_acls(plan, user_rules={"later": []})


def test_plan_must_be_a_vpc_plan() -> None:
    with pytest.raises(ConfigError, match="is not a VpcPlan"):
        plan_acls({"cidr": "10.0.0.0/16"})  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def vpc_plans(draw: st.DrawFn):
    kinds = draw(
        st.lists(st.sampled_from(["public", "private", "isolated"]), min_size=1, max_size=4)
    )
    tiers = [Tier(f"t{i}{k[:3]}", k, cidr_mask=22) for i, k in enumerate(kinds)]
    has_private = "private" in kinds
    if has_private and "public" not in kinds:
        tiers.insert(0, Tier("edge", "public"))
    nat = NatProvider.gateway_per_az() if has_private else NatProvider.none()
    endpoints = draw(st.sampled_from([(), ("s3",), ("s3", "dynamodb")]))
    return plan_network(
        cidr="10.8.0.0/16",
        max_azs=draw(st.integers(1, 3)),
        tiers=tiers,
        nat=nat,
        gateway_endpoints=endpoints,
    )


@given(data=st.data())
@SETTINGS
def test_library_acls_of_any_plan_are_reply_closed_and_clean(data: st.DataObject) -> None:
    plan = data.draw(vpc_plans())
    names = [t.tier for t in plan.tiers]
    reach = {}
    for t in plan.tiers:
        if t.kind is SubnetKind.ISOLATED and data.draw(st.booleans()):
            reach[t.tier] = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    acls = plan_acls(
        plan,
        reachable_from=reach,
        public_ingress_ports=data.draw(st.lists(st.integers(1, 65535), max_size=4, unique=True)),
    )
    assert acls.findings == ()
    for a in acls.acls:
        for rules in (a.inbound, a.outbound):
            assert [r.number for r in rules] == [
                LIBRARY_RULE_STEP * (i + 1) for i in range(len(rules))
            ]
            assert len(rules) <= DEFAULT_RULES_PER_DIRECTION


def _cidr_pool(plan) -> list[str]:
    pool = ["0.0.0.0/0", plan.cidr, "203.0.113.0/24", "10.0.0.0/8", "192.0.2.128/25", "::/0"]
    for t in plan.tiers:
        pool.append(t.block)
        pool.append(str(next(ipaddress.ip_network(t.block).subnets(prefixlen_diff=2))))
    return pool


@st.composite
def user_rule(draw: st.DrawFn, pool: list[str]) -> AclRule:
    number = draw(
        st.one_of(
            st.sampled_from([1, 50, 100, 150, 200, 250, 450, 600, 650, 900, 5000]),
            st.integers(1, 32766),
        )
    )
    proto = draw(st.sampled_from(["tcp", "udp", "icmp", "all"]))
    ports = None
    if proto in ("tcp", "udp"):
        lo = draw(st.sampled_from([0, 22, 80, 443, 1024, 5432, 40000]))
        hi = draw(st.sampled_from([h for h in (lo, 1023, 5432, 65535) if h >= lo]))
        ports = (lo, hi)
    action = draw(st.sampled_from(["allow", "deny"]))
    return AclRule(
        number,
        action,
        proto,
        ports,
        draw(st.sampled_from(pool)),
        egress=draw(st.booleans()),
        description="generated",
        reply=action == "allow" and draw(st.booleans()),
    )


def _sample_addresses(acl: TierAcl, plan) -> list[str]:
    out = [INTERNET_HOST, S3_ADDRESS, "203.0.113.9", "192.0.2.200", "2001:db8::1"]
    for r in acl.rules:
        net = r.network
        out += [
            str(net.network_address),
            str(net.broadcast_address),
            str(net[net.num_addresses // 2]),
        ]
    for t in plan.tiers:
        out.append(host_in(t.block, 3))
    return out


@given(data=st.data())
@SETTINGS
def test_random_user_rules_merge_or_refuse_and_returns_are_proven_or_reported(
    data: st.DataObject,
) -> None:
    plan = PLAN
    tier = data.draw(st.sampled_from(["public", "private", "isolated"]))
    rules = data.draw(st.lists(user_rule(_cidr_pool(plan)), max_size=6))
    try:
        acls = plan_acls(plan, user_rules={tier: rules})
    except ConfigError as err:
        # the only refusals for valid rules: a number clash (naming the number) or the quota
        assert re.search(r"has the number of|rules; the quota", str(err)), str(err)
        return
    acl = acls.acl(tier)
    for rules_ in (acl.inbound, acl.outbound):
        nums = [r.number for r in rules_]
        assert len(nums) == len(set(nums)) and nums == sorted(nums)
    assert acl.library_rules == ACLS.acl(tier).library_rules  # library numbers are fixed
    findings = [f for f in acls.findings if f.tier == tier]
    returns = [f for f in findings if f.kind is FindingKind.MISSING_RETURN]
    unsolicited = {f.rule for f in findings if f.kind is FindingKind.UNSOLICITED}
    dead = {f.rule for f in findings if f.kind in (FindingKind.SHADOWED, FindingKind.REDUNDANT)}

    # Concrete packets, decided by plain first-match: every admitted packet whose
    # reply is denied is reported, naming the admitting rule and the blocking one.
    addresses = _sample_addresses(acl, plan)
    for _ in range(25):
        egress = data.draw(st.booleans())
        proto = data.draw(st.sampled_from(["tcp", "udp", "icmp", "gre"]))
        port = (
            data.draw(st.sampled_from([0, 22, 443, 1024, 5432, 40000, 65535]))
            if proto in ("tcp", "udp")
            else None
        )
        addr = data.draw(st.sampled_from(addresses))
        action, by = acl.decide(egress=egress, protocol=proto, port=port, address=addr)
        assert by not in dead  # a rule reported dead never decides a packet
        if action is not AclAction.ALLOW:
            continue
        assert by is not None
        if by.reply:
            # A reply rule's packet that cannot be a reply must be reported: a TCP/UDP
            # port outside the ephemeral range, or a peer no flow rule opposite names.
            other = acl.inbound if egress else acl.outbound
            flows_to_peer = [
                r
                for r in other
                if r.action is AclAction.ALLOW
                and not r.reply
                and ipaddress.ip_address(addr) in r.network
                and r.protocol.value in ("all", proto)
            ]
            if (port is not None and not EPH_LO <= port <= EPH_HI) or not flows_to_peer:
                event("unsolicited packet")
                assert by in unsolicited, f"{by} admits {proto} {port} {addr}, a reply to nothing"
            continue
        reply_port = (
            data.draw(st.sampled_from([EPH_LO, 33000, EPH_HI])) if port is not None else None
        )
        r_action, r_by = acl.decide(
            egress=not egress, protocol=proto, port=reply_port, address=addr
        )
        if r_action is AclAction.ALLOW:
            continue
        event("reply denied")
        match = [f for f in returns if f.rule == by and f.rule.egress == egress]
        assert match, (
            f"{by} admits {proto} {port} {addr} but its reply is denied by {r_by}; not reported"
        )
        if r_by is None:
            assert "implicit deny" in match[0].message
        else:
            assert r_by in match[0].by


# ---------------------------------------------------------------------------
# The package's names, defaults and IPv6
# ---------------------------------------------------------------------------

#: Every public name of the module before it became a package.
PUBLIC_NAMES = (
    "MIN_RULE_NUMBER", "MAX_RULE_NUMBER", "LIBRARY_RULE_STEP", "EPHEMERAL_PORTS",
    "DEFAULT_PUBLIC_INGRESS_PORTS", "DEFAULT_ISOLATED_SERVICE_PORTS", "GATEWAY_ENDPOINT_PORT",
    "DEFAULT_INTERNET_ICMP", "DEFAULT_RULES_PER_DIRECTION", "MAX_RULES_PER_DIRECTION",
    "MAX_DESCRIPTION_CHARS", "ANY_IPV4", "AclAction", "AclProtocol", "PROTOCOL_NUMBERS",
    "ICMPV6_PROTOCOL_NUMBER", "AclRule", "LIBRARY", "USER", "TierAcl", "FindingKind",
    "AclFinding", "AclPlan", "library_rules", "plan_acls", "shadow_findings",
    "missing_returns", "unsolicited_replies",
)


def test_every_public_name_imports_from_the_package_and_the_legacy_path() -> None:
    import importlib
    import warnings

    import vpc_patterns.plan.nacl as package

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        legacy = importlib.import_module("vpc_patterns.nacl")
    for name in PUBLIC_NAMES:
        assert getattr(package, name) is getattr(legacy, name), name
    assert set(PUBLIC_NAMES) <= set(package.__all__)


def test_plan_acls_defaults_are_its_signature() -> None:
    from vpc_patterns.plan.nacl import (
        DEFAULT_INTERNET_ICMP,
        DEFAULT_ISOLATED_SERVICE_PORTS,
        DEFAULT_PUBLIC_INGRESS_PORTS,
        PLAN_ACLS_DEFAULTS,
    )

    assert dict(PLAN_ACLS_DEFAULTS) == {
        "user_rules": None,
        "public_ingress_ports": DEFAULT_PUBLIC_INGRESS_PORTS,
        "reachable_from": None,
        "isolated_service_ports": DEFAULT_ISOLATED_SERVICE_PORTS,
        "ephemeral_ports": EPHEMERAL_PORTS,
        "internet_icmp": DEFAULT_INTERNET_ICMP,
        "max_rules_per_direction": DEFAULT_RULES_PER_DIRECTION,
        "findings_as_errors": False,
    }
    assert plan_acls(PLAN, **PLAN_ACLS_DEFAULTS) == ACLS  # type: ignore[arg-type]


def test_ipv6_flow_without_ipv6_replies_is_reported_and_ipv4_rules_do_not_answer() -> None:
    # Inbound HTTPS from an IPv6 range: the library's outbound rules name IPv4
    # CIDRs only, so the replies (to the IPv6 peers) hit the implicit deny.
    https6 = rule(50, cidr="2001:db8::/32", desc="HTTPS from IPv6 clients")
    plan = plan_acls(PLAN, user_rules={"private": [https6]})
    found = [f for f in plan.findings if f.rule == https6]
    assert [f.kind for f in found] == [FindingKind.MISSING_RETURN]
    assert found[0].detail == ("outbound tcp 1024-65535 to 2001:db8::/32",)
    assert found[0].by == () and "implicit deny" in found[0].message
    # with the replies admitted, the proof holds again
    back6 = rule(50, proto="tcp", ports=EPHEMERAL_PORTS, cidr="2001:db8::/32", egress=True,
                 desc="Replies to IPv6 clients", reply=True)
    fixed = plan_acls(PLAN, user_rules={"private": [https6, back6]})
    assert [f for f in fixed.findings if f.rule in (https6, back6)] == []
