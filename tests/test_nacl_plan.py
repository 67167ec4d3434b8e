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
    DEFAULT_PRIVATE_ADDRESS_RANGES,
    DEFAULT_REMOTE_ADMIN_PORTS,
    DEFAULT_RULES_PER_DIRECTION,
    EPHEMERAL_PORTS,
    LIBRARY_RULE_STEP,
    AclAction,
    AclRule,
    FindingKind,
    TierAcl,
    missing_returns,
    plan_acls,
    remote_admin_findings,
    shadow_findings,
    unsolicited_replies,
)

PLAN = plan_network()  # 10.0.0.0/16: public, private, isolated; S3 + DynamoDB endpoints
ACLS = plan_acls(PLAN)
EPH_LO, EPH_HI = EPHEMERAL_PORTS
INTERNET_HOST = "198.51.100.7"
S3_ADDRESS = "52.216.8.1"  # outside the VPC: what a gateway endpoint reaches
ON_PREMISES_HOST = "172.16.5.9"  # an on-premises network behind a VPN (RFC 1918)
PEER_HOST = "10.30.1.20"  # a peered VPC, 10.30.0.0/16
SHARED_SPACE_HOST = "100.64.7.7"  # RFC 6598: secondary VPC CIDRs, carrier NAT
#: What a packet of each kind is, as (type, code).
FRAG_NEEDED, ECHO_REQUEST, ECHO_REPLY, TIME_EXCEEDED = (3, 4), (8, 0), (0, 0), (11, 0)
#: The ports CT.EC2.PR.5 forbids from 0.0.0.0/0: SSH on TCP, RDP on TCP and UDP.
CT_EC2_PR_5 = {"tcp": (22, 3389), "udp": (3389,)}


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


def test_library_reply_rules_are_the_ephemeral_returns_without_rdp() -> None:
    pub = ACLS.acl("public")
    replies = [(r.number, r.protocol.value, r.ports, r.icmp) for r in pub.rules if r.reply]
    assert replies == [
        (200, "tcp", (EPH_LO, 3388), None), (300, "tcp", (3390, EPH_HI), None),
        (400, "udp", (EPH_LO, 3388), None), (500, "udp", (3390, EPH_HI), None),
        (600, "icmp", None, FRAG_NEEDED)]
    # replies to the tiers an isolated tier admits keep the whole range (inside the VPC)
    iso = ACLS.acl("isolated")
    assert {r.ports for r in iso.outbound if r.reply} == {EPHEMERAL_PORTS}


def test_no_library_entry_admits_ssh_or_rdp_from_anywhere() -> None:
    """CT.EC2.PR.5, as its guard rule reads each entry alone: no inbound allow
    for 0.0.0.0/0 with protocol -1, or TCP on a range holding 22 or 3389, or
    UDP on one holding 3389. (The old public and private reply rules were
    TCP/UDP 1024-65535 from 0.0.0.0/0, the isolated one TCP 1024-65535.)"""
    for acls in (ACLS, plan_acls(PLAN, internet_icmp=True), plan_acls(PLAN, icmp_echo=True)):
        for a in acls.acls:
            for r in a.inbound:
                if r.action is not AclAction.ALLOW or r.cidr != "0.0.0.0/0":
                    continue
                assert r.protocol.value != "all", r
                for port in CT_EC2_PR_5.get(r.protocol.value, ()):
                    assert not r.ports[0] <= port <= r.ports[1], r  # type: ignore[index]
    for tier in ("public", "private", "isolated"):
        a = ACLS.acl(tier)
        for port in (22, 3389):
            assert a.decide(egress=False, protocol="tcp", port=port, address=INTERNET_HOST)[0] \
                is AclAction.DENY, (tier, port)
        assert a.decide(egress=False, protocol="udp", port=3389, address=INTERNET_HOST)[0] \
            is AclAction.DENY
    assert remote_admin_findings(ACLS) == ()


def test_internet_replies_are_admitted_on_every_other_ephemeral_port() -> None:
    address = {"public": INTERNET_HOST, "private": INTERNET_HOST, "isolated": S3_ADDRESS}
    for tier, peer in address.items():
        a = ACLS.acl(tier)
        for port in (EPH_LO, 3388, 3390, 33000, 60999, EPH_HI):
            assert a.decide(egress=False, protocol="tcp", port=port, address=peer)[0] \
                is AclAction.ALLOW, (tier, port)
    assert ACLS.reply_ports == ((EPH_LO, 3388), (3390, EPH_HI)) and ACLS.reply_gaps == (3389,)
    whole = plan_acls(PLAN, remote_admin_ports=())
    assert whole.reply_ports == (EPHEMERAL_PORTS,) and whole.findings == ()
    assert ("tcp", EPHEMERAL_PORTS, "0.0.0.0/0") in {
        (r.protocol.value, r.ports, r.cidr) for r in whole.acl("public").inbound}


def test_icmp_from_anywhere_is_fragmentation_needed_unless_asked() -> None:
    """Path-MTU discovery: the tiers that talk to the internet (and to peers
    and on-premises networks) admit ICMP 3/4 from anywhere (routers on the
    way have any address); nothing else of ICMP from the internet, and no
    ICMP to it. The old rules dropped it."""
    for tier in ("public", "private"):
        a = ACLS.acl(tier)
        assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                        icmp=FRAG_NEEDED)[0] is AclAction.ALLOW, tier
        for other in (ECHO_REQUEST, ECHO_REPLY, TIME_EXCEEDED, (3, 3)):
            assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                            icmp=other)[0] is AclAction.DENY, (tier, other)
        assert a.decide(egress=True, protocol="icmp", address=INTERNET_HOST,
                        icmp=ECHO_REQUEST)[0] is AclAction.DENY
        [r] = [r for r in a.inbound if r.protocol.value == "icmp" and r.cidr == "0.0.0.0/0"]
        assert r.icmp == FRAG_NEEDED and r.reply
    # an isolated tier talks to S3/DynamoDB only (a 1500-byte MSS, no PMTUD needed)
    iso = ACLS.acl("isolated")
    assert not [r for r in iso.inbound if r.protocol.value == "icmp" and r.cidr == "0.0.0.0/0"]


def test_icmp_echo_lets_the_tiers_ping_out_and_nothing_ping_in() -> None:
    acls = plan_acls(PLAN, icmp_echo=True)
    assert acls.findings == ()
    for tier in ("public", "private"):
        a = acls.acl(tier)
        assert a.decide(egress=True, protocol="icmp", address=INTERNET_HOST,
                        icmp=ECHO_REQUEST)[0] is AclAction.ALLOW
        assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                        icmp=ECHO_REPLY)[0] is AclAction.ALLOW
        assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                        icmp=ECHO_REQUEST)[0] is AclAction.DENY
        assert a.decide(egress=True, protocol="icmp", address=INTERNET_HOST,
                        icmp=ECHO_REPLY)[0] is AclAction.DENY
    assert acls.acl("isolated") == ACLS.acl("isolated")


def test_internet_icmp_admits_every_type_both_ways() -> None:
    acls = plan_acls(PLAN, internet_icmp=True, icmp_echo=True)  # internet_icmp covers echo
    assert acls.findings == ()
    for tier in ("public", "private"):
        a = acls.acl(tier)
        icmp = [(r.number, r.egress, r.reply, r.icmp) for r in a.rules
                if r.protocol.value == "icmp" and r.cidr == "0.0.0.0/0"]
        assert icmp == [(600, False, False, None), (400, True, False, None)], tier
        for kind in (ECHO_REQUEST, TIME_EXCEEDED, FRAG_NEEDED):
            assert a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                            icmp=kind)[0] is AclAction.ALLOW
    # the public service ports stay after the fixed rules
    assert acls.acl("public").rule(800).ports == (443, 443)


def test_public_admits_http_https_and_ephemeral_returns_from_anywhere() -> None:
    pub = ACLS.acl("public")
    inbound = {(r.protocol.value, r.ports, r.cidr, r.action.value) for r in pub.inbound}
    assert ("tcp", (80, 80), "0.0.0.0/0", "allow") in inbound
    assert ("tcp", (443, 443), "0.0.0.0/0", "allow") in inbound
    for proto in ("tcp", "udp"):
        assert (proto, (EPH_LO, 3388), "0.0.0.0/0", "allow") in inbound
        assert (proto, (3390, EPH_HI), "0.0.0.0/0", "allow") in inbound
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
    assert prv.decide(egress=False, protocol="tcp", port=3389, address=INTERNET_HOST) == (
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
    # the public tier is refused by the explicit deny of the rest of the VPC (10.0.0.0/8
    # holds it), even on ephemeral ports
    action, by = iso.decide(
        egress=False, protocol="tcp", port=40000, address=host_in(block("public"))
    )
    assert action is AclAction.DENY and by is not None and by.cidr == "10.0.0.0/8"
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


def test_isolated_tier_refuses_peers_and_on_premises_on_every_port() -> None:
    """With VPN route propagation (the default for isolated route tables) or a
    peering route, an outside private range reaches the isolated subnets: the
    old reply rule (TCP 1024-65535 from 0.0.0.0/0, after a deny of the VPC
    only) let it open any port above 1023 on a database host."""
    iso = ACLS.acl("isolated")
    for host in (ON_PREMISES_HOST, PEER_HOST, SHARED_SPACE_HOST, "192.168.10.10"):
        for port in (5432, 3306, 6379, 40000):
            action, by = iso.decide(egress=False, protocol="tcp", port=port, address=host)
            assert action is AclAction.DENY and by is not None, (host, port)
            assert by.cidr in DEFAULT_PRIVATE_ADDRESS_RANGES
        assert iso.decide(egress=False, protocol="udp", port=40000, address=host)[0] \
            is AclAction.DENY
        # and the isolated hosts open nothing to them (so need no replies from them)
        assert iso.decide(egress=True, protocol="tcp", port=443, address=host)[0] \
            is AclAction.DENY
    # what stays: S3/DynamoDB replies and HTTPS to them
    assert iso.decide(egress=False, protocol="tcp", port=40000, address=S3_ADDRESS)[0] \
        is AclAction.ALLOW
    assert iso.decide(egress=True, protocol="tcp", port=443, address=S3_ADDRESS)[0] \
        is AclAction.ALLOW


def test_an_outside_range_reaches_the_isolated_tier_only_when_asked() -> None:
    from vpc_patterns.plan.vpn import on_premises_acl_rules

    asked = on_premises_acl_rules(["172.16.0.0/16"], {"isolated": [5432]})
    acls = plan_acls(PLAN, user_rules=asked)
    assert acls.findings == ()
    iso = acls.acl("isolated")
    assert iso.decide(egress=False, protocol="tcp", port=5432, address=ON_PREMISES_HOST)[0] \
        is AclAction.ALLOW
    assert iso.decide(egress=True, protocol="tcp", port=40000, address=ON_PREMISES_HOST)[0] \
        is AclAction.ALLOW  # its replies
    for port in (3306, 40000):  # nothing else, ephemeral ports included
        assert iso.decide(egress=False, protocol="tcp", port=port, address=ON_PREMISES_HOST)[0] \
            is AclAction.DENY
    # a rule numbered after the denies cannot ask: it is reported, with the fix
    late = rule(2000, cidr="172.16.0.0/16", ports=(5432, 5432), desc="PostgreSQL from on-prem")
    [f] = [f for f in plan_acls(PLAN, user_rules={"isolated": [late]}).findings
           if f.rule == late]
    assert f.kind is FindingKind.SHADOWED and "number it below 600" in f.message


def test_private_address_ranges_name_outside_ranges_in_public_space() -> None:
    """An on-premises network numbered from public space (here 198.18.0.0/15)
    is no private address: name it, and the isolated tier denies it too."""
    onprem = "198.18.4.4"
    assert ACLS.acl("isolated").decide(egress=False, protocol="tcp", port=5432,
                                       address=onprem)[0] is AclAction.ALLOW  # looks like S3
    acls = plan_acls(PLAN, private_address_ranges=DEFAULT_PRIVATE_ADDRESS_RANGES
                     + ("198.18.0.0/15",))
    assert acls.findings == ()
    iso = acls.acl("isolated")
    assert iso.decide(egress=False, protocol="tcp", port=5432, address=onprem)[0] \
        is AclAction.DENY
    assert iso.decide(egress=False, protocol="tcp", port=40000, address=S3_ADDRESS)[0] \
        is AclAction.ALLOW
    # none: only the VPC is denied before the replies from anywhere (the old rules)
    bare = plan_acls(PLAN, private_address_ranges=()).acl("isolated")
    assert [r.cidr for r in bare.inbound if r.action is AclAction.DENY] == [PLAN.cidr]
    # a VPC outside every private range is denied on its own
    odd = plan_network(cidr="198.19.0.0/16")
    odd_iso = plan_acls(odd).acl("isolated")
    assert [r.cidr for r in odd_iso.inbound if r.action is AclAction.DENY] == [
        "198.19.0.0/16", *DEFAULT_PRIVATE_ADDRESS_RANGES]
    assert plan_acls(odd).findings == ()


# ---------------------------------------------------------------- ICMP in the proofs


def _one(*rules: AclRule, tier: str = "edge") -> TierAcl:
    return TierAcl(tier=tier, kind=SubnetKind.PUBLIC, construct_id="EdgeNetworkAcl",
                   block="10.0.0.0/24", subnets=(), library_rules=tuple(rules))


def test_icmp_errors_need_no_reply() -> None:
    """Admitting fragmentation needed (or any ICMP error) is not a flow whose
    reply is missing: nothing answers an ICMP error (RFC 1122). The old
    proof asked ICMP back to every peer for it."""
    for icmp in (FRAG_NEEDED, (3, -1), (11, -1), (12, 0)):
        acl = _one(AclRule(100, "allow", "icmp", None, "0.0.0.0/0", icmp=icmp,
                           description="errors about what we send"))
        assert missing_returns(acl) == (), icmp
    # nor does an echo reply, or the reply types of the other requests
    assert missing_returns(_one(AclRule(100, "allow", "icmp", None, "0.0.0.0/0", icmp=(0, -1),
                                        description="echo replies"))) == ()


def test_an_echo_request_needs_its_echo_reply() -> None:
    ping = AclRule(100, "allow", "icmp", None, "203.0.113.0/24", icmp=(8, -1),
                   description="pings from the monitoring range")
    [f] = missing_returns(_one(ping))
    assert f.kind is FindingKind.MISSING_RETURN and f.rule == ping
    assert f.detail == ("outbound icmp type 0 to 203.0.113.0/24",)
    back = AclRule(100, "allow", "icmp", None, "203.0.113.0/24", icmp=(0, -1), egress=True,
                   reply=True, description="echo replies to the monitoring range")
    assert missing_returns(_one(ping, back)) == () and unsolicited_replies(_one(ping, back)) == ()
    # every ICMP type from a peer needs only the reply types back, not every type
    every = AclRule(100, "allow", "icmp", None, "203.0.113.0/24", description="all ICMP")
    [g] = missing_returns(_one(every))
    assert g.detail == ("outbound icmp type 0 to 203.0.113.0/24",
                        "outbound icmp type 14 to 203.0.113.0/24",
                        "outbound icmp type 16 to 203.0.113.0/24",
                        "outbound icmp type 18 to 203.0.113.0/24")


def test_icmp_reply_rules_admit_only_answers() -> None:
    """An ICMP error may answer any packet sent anywhere (it comes from a
    router on the way); an echo reply only an echo request; an echo request
    answers nothing."""
    out = AclRule(100, "allow", "tcp", (443, 443), "0.0.0.0/0", egress=True,
                  description="HTTPS out")
    errors = AclRule(100, "allow", "icmp", None, "0.0.0.0/0", icmp=(3, -1), reply=True,
                     description="unreachable, about HTTPS out")
    assert unsolicited_replies(_one(out, errors)) == ()
    wide = AclRule(100, "allow", "icmp", None, "0.0.0.0/0", reply=True,
                   description="all ICMP, said to be replies")
    [f] = unsolicited_replies(_one(out, wide))
    assert f.kind is FindingKind.UNSOLICITED
    # everything but the errors (3, 4, 5, 11, 12): no echo request went out, so no echo
    # reply (0) is an answer, and an echo request (8) never is one
    assert f.detail == ("inbound icmp types 0-2 from 0.0.0.0/0",
                        "inbound icmp types 6-10 from 0.0.0.0/0",
                        "inbound icmp types 13-255 from 0.0.0.0/0")
    # with nothing let out at all, not even an error can be an answer
    [g] = unsolicited_replies(_one(errors))
    assert g.detail == ("inbound icmp type 3 from 0.0.0.0/0",)


def test_remote_admin_findings_do_not_exempt_reply_rules() -> None:
    """The old public tier, written as user rules: TCP/UDP 1024-65535 from
    anywhere marked reply=True. Its replies are real, and it admits new RDP
    connections all the same."""
    old = [rule(200, proto="tcp", ports=EPHEMERAL_PORTS, desc="TCP replies", reply=True),
           rule(300, proto="udp", ports=EPHEMERAL_PORTS, desc="UDP replies", reply=True),
           rule(400, proto="tcp", ports=(443, 443), egress=True, desc="HTTPS out"),
           rule(500, proto="udp", ports=(53, 53), egress=True, desc="DNS out")]
    acl = _one(*old)
    assert unsolicited_replies(acl) == () and missing_returns(acl) == ()
    found = remote_admin_findings(acl)
    assert [(f.kind, f.rule.number) for f in found] == [
        (FindingKind.REMOTE_ADMIN, 200), (FindingKind.REMOTE_ADMIN, 300)]
    assert "(TCP 3389) from 0.0.0.0/0" in found[0].message and "reply=True" in found[0].message
    assert "CT.EC2.PR.5" in found[0].message and "open to the internet" in found[0].message
    # every protocol from anywhere too, even when an earlier deny keeps 22 and 3389 away
    wall = [rule(10, "deny", "tcp", (22, 22), desc="no SSH"),
            rule(11, "deny", "udp", (22, 22), desc="no SSH"),
            rule(12, "deny", "tcp", (3389, 3389), desc="no RDP"),
            rule(13, "deny", "udp", (3389, 3389), desc="no RDP"),
            rule(20, proto="all", ports=None, desc="everything else")]
    [f] = remote_admin_findings(_one(*wall))
    assert f.rule.number == 20 and "CT.EC2.PR.5 reads each entry alone" in f.message
    # narrower peers and other ports are fine; so is the split the library uses
    assert remote_admin_findings(_one(rule(20, ports=(22, 22), cidr="203.0.113.0/24"))) == ()
    assert remote_admin_findings(_one(
        rule(20, ports=(1024, 3388)), rule(30, ports=(3390, 65535)))) == ()
    assert remote_admin_findings(_one(*old), remote_admin_ports=()) == ()
    # in a plan, as a finding of the tier
    acls = plan_acls(PLAN, user_rules={"private": [
        rule(2000, proto="udp", ports=(3000, 4000), desc="a game server", reply=True)]})
    assert [f.kind for f in acls.findings] == [FindingKind.REMOTE_ADMIN]


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
    assert [r.number for r in pub.inbound] == [50, 100, 150, 200, 300, 400, 500, 600, 700, 800]
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
    assert "100, 200, 300, 400, 500, 600, 700, 800" in msg


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
    assert 800 in [b.number for b in f.by]
    assert "user inbound rule 5000" in f.message and "library inbound rule 800" in f.message


def test_user_deny_placed_after_a_library_allow_is_reported_shadowed() -> None:
    late = rule(900, "deny", "tcp", (443, 443), "203.0.113.0/24", desc="too late a block")
    [f] = plan_acls(PLAN, user_rules={"public": [late]}).findings
    assert f.kind is FindingKind.SHADOWED and [b.number for b in f.by] == [800]
    assert "number it below 800" in f.message


def test_user_rule_that_shadows_library_rules_is_reported_on_each() -> None:
    wall = rule(10, "deny", "all", None, "0.0.0.0/0", desc="deny everything in")
    acls = plan_acls(PLAN, user_rules={"private": [wall]})
    shadowed = [f for f in acls.findings if f.kind is FindingKind.SHADOWED]
    assert sorted(f.rule.number for f in shadowed) == [100, 200, 300, 400, 500, 600]
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
    assert sorted(m.rule.number for m in missing) == [700, 800]  # the HTTP and HTTPS rules
    for f in missing:
        assert f.kind is FindingKind.MISSING_RETURN and f.tier == "public" and not f.rule.egress
        assert f.by == (block_replies,)
        # 3389 is no reply port from outside the VPC: it is no part of what is missing
        assert f.detail == ("outbound tcp 1024-65535 but 3389 to 203.0.113.0/24",)
        assert "no replies to scanners" in f.message


def test_a_deny_on_one_side_only_is_reported_as_unsolicited_replies() -> None:
    # Nothing may go to 203.0.113.0/24, yet the reply rule still admits its packets.
    wall = rule(50, "deny", "all", None, "203.0.113.0/24", egress=True, desc="never talk to them")
    acls = plan_acls(PLAN, user_rules={"private": [wall]})
    uns = unsolicited_replies(acls)
    # the TCP and UDP reply rules; fragmentation needed (600) may come from any router
    assert sorted(f.rule.number for f in uns) == [200, 300, 400, 500]
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
    assert f.detail == (f"outbound tcp 1024-65535 to {block('public')}",)  # all, in the VPC
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
            2000 + i, proto="tcp", ports=(1000 + i, 1000 + i), cidr="192.0.2.0/24", desc=f"port {i}"
        )
        for i in range(13)
    ]
    with pytest.raises(ConfigError) as err:
        plan_acls(PLAN, user_rules={"public": many})
    msg = str(err.value)
    assert "tier 'public' would have 21 inbound rules (8 of the library's, 13 of user_rules)" in msg
    assert "the quota is 20" in msg and "max_rules_per_direction" in msg
    assert "public_ingress_ports" in msg and "remote_admin_ports" in msg
    assert (
        len(
            plan_acls(PLAN, user_rules={"public": many}, max_rules_per_direction=40)
            .acl("public")
            .inbound
        )
        == 21
    )


def _worst_layout_rules(plan, on_prem: list[str], peers: list[str]) -> dict[str, list[AclRule]]:
    """What the reference stack passes as acl_rules with everything on: VPN
    rules (on-premises clients open HTTPS into the private tier and
    PostgreSQL into the isolated tier), hybrid DNS endpoints in the private
    tier forwarding to two on-premises resolvers, peers opening HTTPS."""
    from vpc_patterns.plan.dns import dns_acl_rules, plan_dns
    from vpc_patterns.plan.peering import peer_acl_rules
    from vpc_patterns.plan.vpn import on_premises_acl_rules

    out: dict[str, list[AclRule]] = {}
    sets = [on_premises_acl_rules(on_prem, {"private": [443], "isolated": [5432]})]
    dns = plan_dns(plan, on_premises_cidrs=on_prem,
                   forward_domains={"corp.example.internal": ["172.16.0.53", "172.16.1.53"]})
    sets.append(dns_acl_rules(dns))
    rules: list[AclRule] = []
    for cidr in peers:
        rules += peer_acl_rules(cidr, [443], first_number=1000 + 10 * len(rules))
    sets.append({"private": rules})
    for rule_set in sets:  # joined as stacks.connectivity.merged_acl_rules does
        for tier, rs in rule_set.items():
            kept = out.setdefault(tier, [])
            seen = {(r.egress, r.action, r.protocol, r.ports, r.cidr, r.reply) for r in kept}
            kept.extend(r for r in rs
                        if (r.egress, r.action, r.protocol, r.ports, r.cidr, r.reply) not in seen)
    return out


def test_worst_realistic_layout_fits_the_default_quota() -> None:
    """Peers, a VPN with two on-premises ranges (into the private and the
    isolated tiers), Route 53 Resolver endpoints, gateway endpoints and ping:
    every ACL stays within 20 rules per direction, and proves clean."""
    plan = plan_network(cidr="10.20.0.0/16")
    on_prem, peers = ["172.16.0.0/16", "172.17.0.0/16"], ["10.30.0.0/16", "10.40.0.0/16"]
    acls = plan_acls(plan, user_rules=_worst_layout_rules(plan, on_prem, peers), icmp_echo=True)
    assert acls.findings == ()
    counts = {(a.tier, e): len(a.outbound if e else a.inbound) for a in acls.acls
              for e in (False, True)}
    assert max(counts.values()) <= DEFAULT_RULES_PER_DIRECTION, counts
    # the fullest: the private tier's inbound list, with one slot left
    assert counts[("private", False)] == 19
    # one more on-premises range does not fit: refused, naming the options
    with pytest.raises(ConfigError) as err:
        plan_acls(plan, icmp_echo=True, user_rules=_worst_layout_rules(
            plan, [*on_prem, "192.168.0.0/16"], peers))
    msg = str(err.value)
    assert "tier 'private' would have" in msg and "the quota is 20" in msg
    assert "max_rules_per_direction" in msg and "icmp_echo" in msg and "user_rules" in msg


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
        (dict(icmp=(3, 4)), "icmp (3, 4) given for protocol 'tcp'"),
        (dict(protocol="icmp", ports=None, icmp=(256, 0)), "must be (type, code), each -1..255"),
        (dict(protocol="icmp", ports=None, icmp=(3,)), "must be (type, code)"),
        (dict(protocol="icmp", ports=None, icmp=(True, 0)), "must be (type, code)"),
        (dict(protocol="icmp", ports=None, icmp=(-1, 4)), "names code 4 of every type"),
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
        (dict(icmp_echo="yes"), "icmp_echo 'yes' must be True or False"),
        (dict(remote_admin_ports=(22, 22)), "remote_admin_ports lists port 22 more than once"),
        (dict(remote_admin_ports="22"), "remote_admin_ports '22' must be a list"),
        (
            dict(public_ingress_ports=(443, 22)),
            "public_ingress_ports lists 22, which remote_admin_ports closes to 0.0.0.0/0",
        ),
        (dict(private_address_ranges="10.0.0.0/8"), "private_address_ranges '10.0.0.0/8' must"),
        (dict(private_address_ranges=["0.0.0.0/0"]), "entry '0.0.0.0/0' is every address"),
        (dict(private_address_ranges=["10.0.3.0/24"]), "lies inside the VPC 10.0.0.0/16"),
        (dict(private_address_ranges=["10.0.0.0/8", "10.9.0.0/16"]), "overlap; list each"),
        (dict(private_address_ranges=["fd00::/8"]), "entry 'fd00::/8' is not an IPv4 CIDR"),
        (dict(private_address_ranges=["10.0.0.1/8"]), "entry '10.0.0.1/8' is not an IPv4 CIDR"),
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

#: 200 examples per property (twice hypothesis' default; the plan properties
#: run 150): each example plans, merges and proves a whole ACL set and decides
#: dozens of packets; at 400 these two were the suite's slowest CPU-bound
#: tests (49 s of about 790 s serial at load 3-4).
SETTINGS = settings(
    max_examples=200,
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


ADMIN_PORT_SETS = (DEFAULT_REMOTE_ADMIN_PORTS, (), (22,), (3389, 5900), (22, 3389, 5985, 5986))
PRIVATE_RANGE_SETS = (DEFAULT_PRIVATE_ADDRESS_RANGES, (),
                      DEFAULT_PRIVATE_ADDRESS_RANGES + ("198.18.0.0/15",))


@given(data=st.data())
@SETTINGS
def test_library_acls_of_any_plan_are_reply_closed_and_clean(data: st.DataObject) -> None:
    plan = data.draw(vpc_plans())
    names = [t.tier for t in plan.tiers]
    reach = {}
    for t in plan.tiers:
        if t.kind is SubnetKind.ISOLATED and data.draw(st.booleans()):
            reach[t.tier] = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    admin = data.draw(st.sampled_from(ADMIN_PORT_SETS))
    private = data.draw(st.sampled_from(PRIVATE_RANGE_SETS))
    acls = plan_acls(
        plan,
        reachable_from=reach,
        public_ingress_ports=data.draw(st.lists(
            st.integers(1, 65535).filter(lambda p: p not in admin), max_size=4, unique=True)),
        remote_admin_ports=admin,
        private_address_ranges=private,
        icmp_echo=data.draw(st.booleans()),
        internet_icmp=data.draw(st.booleans()),
    )
    assert acls.findings == ()
    hosts = ((PEER_HOST, "10.0.0.0/8"), (ON_PREMISES_HOST, "172.16.0.0/12"),
             (SHARED_SPACE_HOST, "100.64.0.0/10"), ("198.18.9.9", ""))
    outside_private = [h for h, c in hosts
                       if c in private or (not c and "198.18.0.0/15" in private)]
    for a in acls.acls:
        for rules in (a.inbound, a.outbound):
            assert [r.number for r in rules] == [
                LIBRARY_RULE_STEP * (i + 1) for i in range(len(rules))
            ]
            assert len(rules) <= DEFAULT_RULES_PER_DIRECTION
        # CT.EC2.PR.5 for the chosen ports, entry by entry
        for r in a.inbound:
            if r.action is AclAction.ALLOW and r.cidr == "0.0.0.0/0":
                assert r.protocol.value in ("tcp", "udp", "icmp"), r
                assert r.ports is None or not any(r.ports[0] <= p <= r.ports[1] for p in admin)
        # a tier that talks to the internet hears "fragmentation needed" from anywhere
        talks_out = any(a.decide(egress=True, protocol="tcp", port=443, address=h)[0]
                        is AclAction.ALLOW for h in (INTERNET_HOST, S3_ADDRESS))
        hears = a.decide(egress=False, protocol="icmp", address=INTERNET_HOST,
                         icmp=FRAG_NEEDED)[0] is AclAction.ALLOW
        assert hears == (talks_out and a.kind is not SubnetKind.ISOLATED), a.tier
        if a.kind is SubnetKind.ISOLATED:
            # peers and on-premises ranges named private reach no port of an isolated tier
            for host in outside_private:
                for port in (22, 5432, 40000):
                    assert a.decide(egress=False, protocol="tcp", port=port, address=host)[0] \
                        is AclAction.DENY, (a.tier, host, port)
        elif talks_out:
            # internet replies come back on every reply port
            for lo, hi in acls.reply_ports:
                for port in {lo, hi, (lo + hi) // 2}:
                    assert a.decide(egress=False, protocol="tcp", port=port,
                                    address=INTERNET_HOST)[0] is AclAction.ALLOW, (a.tier, port)


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
    icmp = None
    if proto == "icmp":
        icmp = draw(st.sampled_from([None, (3, 4), (3, -1), (8, -1), (0, -1), (11, 0), (128, -1),
                                     (2, 0)]))
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
        icmp=icmp,
    )


#: Per family: ICMP request type -> its reply type, and the error types
#: (each may answer anything, none is answered). Written from RFC 792/4443.
ICMP_ANSWER = {4: {8: 0, 13: 14, 15: 16, 17: 18}, 6: {128: 129}}
ICMP_ERRORS = {4: {3, 4, 5, 11, 12}, 6: {1, 2, 3, 4}}
ICMP_PACKETS = {4: [(3, 4), (8, 0), (0, 0), (11, 0), (13, 0), (5, 1), (9, 0)],
                6: [(2, 0), (128, 0), (129, 0), (1, 4), (135, 0)]}


def _matches_icmp(r: AclRule, icmp_type: int) -> bool:
    return r.protocol.value == "all" or (
        r.protocol.value == "icmp" and (r.icmp is None or r.icmp[0] == icmp_type))


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
        fam = ipaddress.ip_address(addr).version
        icmp = data.draw(st.sampled_from(ICMP_PACKETS[fam])) if proto == "icmp" else None
        action, by = acl.decide(egress=egress, protocol=proto, port=port, address=addr,
                                icmp=icmp)
        assert by not in dead  # a rule reported dead never decides a packet
        if action is not AclAction.ALLOW:
            continue
        assert by is not None
        other = acl.inbound if egress else acl.outbound
        if by.reply:
            # A reply rule's packet that cannot be a reply must be reported: a TCP/UDP
            # port outside the ephemeral range, or a peer no flow rule opposite names;
            # an ICMP request type (never a reply), a reply type no flow rule opposite
            # sends the request of, an error when nothing at all goes out.
            peer = ipaddress.ip_address(addr)
            flows_to_peer = [
                r for r in other
                if r.action is AclAction.ALLOW and not r.reply
                and peer.version == r.network.version and peer in r.network
            ]
            if icmp is None:
                cannot = (port is not None and not EPH_LO <= port <= EPH_HI) or not [
                    r for r in flows_to_peer if r.protocol.value in ("all", proto)]
            elif icmp[0] in ICMP_ERRORS[fam]:
                cannot = not [r for r in other if r.action is AclAction.ALLOW]
            else:
                requests = [q for q, a in ICMP_ANSWER[fam].items() if a == icmp[0]]
                cannot = not [r for r in flows_to_peer for q in requests if _matches_icmp(r, q)]
            if cannot:
                event("unsolicited packet")
                assert by in unsolicited, f"{by} admits {proto} {port} {icmp} {addr}, " \
                    "a reply to nothing"
            continue
        reply_icmp = None
        if icmp is not None:
            if icmp[0] not in ICMP_ANSWER[fam]:
                continue  # an ICMP error or reply: nothing answers it
            reply_icmp = (ICMP_ANSWER[fam][icmp[0]], 0)
        reply_port = (
            data.draw(st.sampled_from([EPH_LO, 33000, EPH_HI])) if port is not None else None
        )
        r_action, r_by = acl.decide(
            egress=not egress, protocol=proto, port=reply_port, address=addr, icmp=reply_icmp
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
        DEFAULT_ICMP_ECHO,
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
        "icmp_echo": DEFAULT_ICMP_ECHO,
        "remote_admin_ports": DEFAULT_REMOTE_ADMIN_PORTS,
        "private_address_ranges": DEFAULT_PRIVATE_ADDRESS_RANGES,
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
    assert found[0].detail == ("outbound tcp 1024-65535 but 3389 to 2001:db8::/32",)
    assert found[0].by == () and "implicit deny" in found[0].message
    # with the replies admitted, the proof holds again
    back6 = rule(50, proto="tcp", ports=EPHEMERAL_PORTS, cidr="2001:db8::/32", egress=True,
                 desc="Replies to IPv6 clients", reply=True)
    fixed = plan_acls(PLAN, user_rules={"private": [https6, back6]})
    assert [f for f in fixed.findings if f.rule in (https6, back6)] == []
