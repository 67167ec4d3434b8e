"""The operator's tool (``vpn-config``) on the fixed example of
tests/fixtures/vpn: what `cdk deploy --outputs-file` writes for the
``VpnStatic`` and ``VpnBgp`` stacks of tests/test_vpn.py (ids made up; that
module checks the fixtures still match the construct), and what `aws ec2
describe-vpn-connections` prints (plain, with fake keys that must never be
copied, and reduced by the README's --query).

The rendered files are parsed back and their meaning asserted: connections,
addresses, identities, proposals mapped back to the AWS algorithms, keys,
routes, BGP neighbours. No CDK import, no AWS call.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._netns import DEBIAN_FILES, Frr, Lab, missing_prerequisites, wait_for
from vpc_patterns import ConfigError
from vpc_patterns.cli.vpn_config import (
    DH_GROUPS,
    DPD_DELAY_SECONDS,
    ENCRYPTION,
    IF_IDS,
    INTEGRITY,
    TCP_MSS,
    TUNNEL_MTU,
    add_vpn_config_command,
    esp_proposals,
    ike_proposals,
    main,
    read_deployment,
    render,
)
from vpc_patterns.plan.vpn import TunnelOptions

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
STATIC = (FIXTURES / "outputs-static.json", FIXTURES / "describe-vpn-connections-static.json")
BGP = (FIXTURES / "outputs-bgp.json", FIXTURES / "describe-vpn-connections-bgp.json")
PSK_FILES = (FIXTURES / "psk-tunnel1.json", FIXTURES / "psk-tunnel2.json")
#: Keys planted in the describe fixture: the tool must never copy them.
PLANTED_KEYS = ("FixtureKeyOneMustNotLeak", "FixtureKeyTwoMustNotLeak", "FixtureXmlKeyMustNotLeak")


def parse_swanctl(text: str) -> dict[str, Any]:
    """swanctl.conf's nested ``name { key = value }`` sections as dicts
    (comments dropped)."""
    root: dict[str, Any] = {}
    stack = [root]
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.endswith("{"):
            node: dict[str, Any] = {}
            stack[-1][line[:-1].strip()] = node
            stack.append(node)
        elif line == "}":
            stack.pop()
        else:
            key, value = (p.strip() for p in line.split("=", 1))
            stack[-1][key] = value
    assert len(stack) == 1, "unbalanced braces"
    return root


_ENC_BACK = {v: k for k, v in ENCRYPTION.items()}
_INTEG_BACK = {v: k for k, v in INTEGRITY.items()}
_DH_BACK = {v: k for k, v in DH_GROUPS.items()}


def meaning(proposals: str, *, esp: bool) -> tuple[set[str], set[str], set[int]]:
    """(AWS encryption, AWS integrity/PRF, DH groups) a proposal list admits;
    checks each proposal is well formed (AEAD with a PRF in IKE and nothing in
    ESP, CBC with an integrity algorithm, always a DH group)."""
    enc: set[str] = set()
    integ: set[str] = set()
    dh: set[int] = set()
    for proposal in proposals.split(","):
        tokens = proposal.split("-")
        e = [_ENC_BACK[t] for t in tokens if t in _ENC_BACK]
        i = [_INTEG_BACK[t] for t in tokens if t in _INTEG_BACK]
        prf = [_INTEG_BACK[t[3:]] for t in tokens if t.startswith("prf")]
        g = [_DH_BACK[t] for t in tokens if t in _DH_BACK]
        assert len(e) + len(i) + len(prf) + len(g) == len(tokens), proposal
        assert e and g, proposal
        aead = all("GCM" in x for x in e)
        assert aead or not any("GCM" in x for x in e), f"{proposal}: AEAD and CBC mixed"
        if aead:
            assert not i and (not prf if esp else prf), proposal
        else:
            assert i and not prf, proposal
        enc |= set(e)
        integ |= set(i) | set(prf)
        dh |= set(g)
    return enc, integ, dh


def _outputs(path: Path, stack: str) -> dict[str, str]:
    return json.loads(path.read_text())[stack]


def _tunnel_options(path: Path, stack: str, prefix: str) -> list[TunnelOptions]:
    raw = json.loads(_outputs(path, stack)[f"{prefix}TunnelOptions"])
    return [TunnelOptions.from_dict(t) for t in raw]


@pytest.fixture(scope="module")
def static_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vpn-config-static")
    assert main(["--outputs", str(STATIC[0]), "--vpn-connections", str(STATIC[1]),
                 "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def bgp_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vpn-config-bgp")
    assert main(["--outputs", str(BGP[0]), "--vpn-connections", str(BGP[1]), "--out", str(out),
                 "--psk-file", str(PSK_FILES[0]), "--psk-file", str(PSK_FILES[1]),
                 "--advertise", "172.20.0.0/16", "--advertise", "172.21.0.0/16"]) == 0
    return out


# --------------------------------------------------------------------------
# swanctl.conf (static example)
# --------------------------------------------------------------------------


def test_files_written(static_out: Path, bgp_out: Path) -> None:
    assert sorted(p.name for p in static_out.iterdir()) == [
        "aws-updown.sh", "ip-setup.sh", "strongswan-aws-vpn.conf", "swanctl.conf"]
    assert sorted(p.name for p in bgp_out.iterdir()) == [
        "frr.conf", "ip-setup.sh", "strongswan-aws-vpn.conf", "swanctl.conf"]


def test_two_connections_to_the_right_outside_addresses(static_out: Path) -> None:
    """The describe fixture lists tunnel 2 first: tunnels are matched by
    inside CIDR, not by position."""
    conf = parse_swanctl((static_out / "swanctl.conf").read_text())
    conns = conf["connections"]
    assert sorted(conns) == ["aws-tunnel1", "aws-tunnel2"]
    want = {"aws-tunnel1": "198.51.100.201", "aws-tunnel2": "198.51.100.202"}
    for name, outside in want.items():
        c = conns[name]
        assert c["remote_addrs"] == outside
        assert c["local_addrs"] == "203.0.113.10"
        assert c["local"] == {"auth": "psk", "id": "203.0.113.10"}
        assert c["remote"] == {"auth": "psk", "id": outside}
        assert c["mobike"] == "no"
        assert c["dpd_delay"] == "10s"
        child = c["children"][name]
        assert (child["local_ts"], child["remote_ts"]) == ("0.0.0.0/0", "0.0.0.0/0")
        assert child["dpd_action"] == "restart" and child["start_action"] == "start"
        # A tunnel that could not be brought up (link down at boot, or after
        # dead peer detection restarted it) is tried again, forever.
        assert c["keyingtries"] == "0"
    assert [conns[f"aws-tunnel{i}"]["if_id_in"] for i in (1, 2)] == [str(i) for i in IF_IDS]
    assert all(c["if_id_in"] == c["if_id_out"] for c in conns.values())


def test_proposals_mean_the_tunnel_options(static_out: Path) -> None:
    conns = parse_swanctl((static_out / "swanctl.conf").read_text())["connections"]
    options = _tunnel_options(STATIC[0], "VpnStatic", "OnPremVpn")
    for i, opt in enumerate(options, start=1):
        c = conns[f"aws-tunnel{i}"]
        assert meaning(c["proposals"], esp=False) == (
            set(opt.phase1_encryption), set(opt.phase1_integrity), set(opt.phase1_dh_groups))
        child = c["children"][f"aws-tunnel{i}"]
        enc, integ, dh = meaning(child["esp_proposals"], esp=True)
        assert (enc, dh) == (set(opt.phase2_encryption), set(opt.phase2_dh_groups))
        cbc = [e for e in opt.phase2_encryption if "GCM" not in e]
        assert integ == (set(opt.phase2_integrity) if cbc else set())
        assert c["rekey_time"] == f"{opt.phase1_lifetime_seconds}s"
        assert child["rekey_time"] == f"{opt.phase2_lifetime_seconds}s"


def test_proposals_text_of_the_example(static_out: Path) -> None:
    conns = parse_swanctl((static_out / "swanctl.conf").read_text())["connections"]
    t1, t2 = conns["aws-tunnel1"], conns["aws-tunnel2"]
    assert t1["version"] == "2"
    assert t1["proposals"] == ("aes256gcm16-prfsha384-prfsha256-ecp384-ecp256-modp2048,"
                               "aes256-sha384-sha256-ecp384-ecp256-modp2048")
    assert t1["children"]["aws-tunnel1"]["esp_proposals"] == (
        "aes256gcm16-ecp384-ecp256-modp2048,aes256-sha384-sha256-ecp384-ecp256-modp2048")
    # Tunnel 2 accepts IKEv1 and IKEv2 (version 0), AES-128/SHA-256/group 14 only.
    assert t2["version"] == "0"
    assert t2["proposals"] == "aes128-sha256-modp2048"
    assert t2["children"]["aws-tunnel2"]["esp_proposals"] == "aes128-sha256-modp2048"


def test_keys_are_not_written_by_default(static_out: Path) -> None:
    text = (static_out / "swanctl.conf").read_text()
    secrets = parse_swanctl(text)["secrets"]
    assert secrets == {"ike-aws-tunnel1": {"id": "198.51.100.201"},
                       "ike-aws-tunnel2": {"id": "198.51.100.202"}}  # no `secret` key
    outs = _outputs(STATIC[0], "VpnStatic")
    for i in (1, 2):
        arn = outs[f"OnPremVpnTunnel{i}PskSecretArn"]
        assert (f"aws secretsmanager get-secret-value --secret-id {arn} --query SecretString "
                f"--output text | jq -r .tunnel{i}") in text
    for path in static_out.iterdir():
        body = path.read_text()
        assert not any(k in body for k in PLANTED_KEYS), path.name
    assert stat.S_IMODE((static_out / "swanctl.conf").stat().st_mode) == 0o644


def test_keys_are_written_with_psk_files_and_the_file_is_private(bgp_out: Path) -> None:
    secrets = parse_swanctl((bgp_out / "swanctl.conf").read_text())["secrets"]
    assert secrets == {
        "ike-aws-tunnel1": {"id": "203.0.113.21", "secret": '"Fx1PskOfTunnelOne.abcdefgh"'},
        "ike-aws-tunnel2": {"id": "203.0.113.22", "secret": '"Fx2PskOfTunnelTwo_ijklmnop"'},
    }
    assert stat.S_IMODE((bgp_out / "swanctl.conf").stat().st_mode) == 0o600
    # Only swanctl.conf holds the keys.
    assert stat.S_IMODE((bgp_out / "strongswan-aws-vpn.conf").stat().st_mode) == 0o644


def test_frr_conf_is_readable_by_the_frr_group(bgp_out: Path) -> None:
    """The FRR daemons run as user frr and read frr.conf themselves: 0640,
    group frr (where the group exists and the tool may give it)."""
    st = (bgp_out / "frr.conf").stat()
    assert stat.S_IMODE(st.st_mode) == 0o640
    try:
        gid = grp.getgrnam("frr").gr_gid
    except KeyError:
        pytest.skip("no group frr on this machine (FRR not installed)")
    if os.geteuid() == 0 or gid in os.getgroups():
        assert st.st_gid == gid
    frr = (bgp_out / "frr.conf").read_text()
    assert "install -o frr -g frr -m 0640 frr.conf /etc/frr/frr.conf" in frr


def test_frr_ownership_advice_when_the_group_cannot_be_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Where the group frr does not exist (the operator's laptop), the run
    says how to install the file."""
    import vpc_patterns.cli.vpn_config as tool

    monkeypatch.setattr(tool, "frr_gid", lambda: None)
    assert main(["--outputs", str(BGP[0]), "--vpn-connections", str(BGP[1]),
                 "--out", str(tmp_path)]) == 0
    assert "install -o frr -g frr -m 0640 frr.conf /etc/frr/frr.conf" in capsys.readouterr().out
    assert stat.S_IMODE((tmp_path / "frr.conf").stat().st_mode) == 0o640


# --------------------------------------------------------------------------
# Inside addresses, routes, BGP
# --------------------------------------------------------------------------


def test_inside_addresses_on_the_xfrm_interfaces(static_out: Path) -> None:
    script = (static_out / "ip-setup.sh").read_text()
    assert script.startswith("#!/bin/sh\n") and "set -eu" in script
    assert re.findall(r"ip link add (\S+) type xfrm dev \"\$DEV\" if_id (\d+)", script) == [
        ("aws-tun1", "101"), ("aws-tun2", "102")]
    # The device takes the second address of each /30 (AWS the first).
    assert re.findall(r"ip addr replace (\S+) dev (\S+)", script) == [
        ("169.254.10.2/30", "aws-tun1"), ("169.254.20.6/30", "aws-tun2")]
    assert script.count(f"mtu {TUNNEL_MTU} up") == 2
    assert os.access(static_out / "ip-setup.sh", os.X_OK)


def test_charon_settings_detect_a_dead_tunnel_within_aws_dpd_timeout(static_out: Path) -> None:
    """IKEv2 has no DPD timeout: charon declares the peer dead when the DPD
    request and its retransmissions go unanswered. With strongSwan's defaults
    that is 165 s after the request; the rendered settings must make it no
    longer than the tunnels' DPD timeout, after which AWS uses the other
    tunnel."""
    charon = parse_swanctl((static_out / "strongswan-aws-vpn.conf").read_text())["charon"]
    assert charon["install_routes"] == "no"  # route-based: XFRM interfaces and routes decide
    timeout, base = float(charon["retransmit_timeout"]), float(charon["retransmit_base"])
    tries = int(charon["retransmit_tries"])
    unanswered = sum(timeout * base ** n for n in range(tries + 1))
    conns = parse_swanctl((static_out / "swanctl.conf").read_text())["connections"]
    dpd_delay = {int(c["dpd_delay"].rstrip("s")) for c in conns.values()}
    assert dpd_delay == {DPD_DELAY_SECONDS}
    options = _tunnel_options(STATIC[0], "VpnStatic", "OnPremVpn")
    assert DPD_DELAY_SECONDS + unanswered <= min(o.dpd_timeout_seconds for o in options)


def test_static_routes_follow_the_tunnels_that_are_up(static_out: Path) -> None:
    conns = parse_swanctl((static_out / "swanctl.conf").read_text())["connections"]
    for i in (1, 2):
        assert conns[f"aws-tunnel{i}"]["children"][f"aws-tunnel{i}"]["updown"] == (
            "/etc/swanctl/aws-updown.sh")
    hook = (static_out / "aws-updown.sh").read_text()
    assert re.findall(r"(aws-tunnel\d)\) DEV=(\S+); METRIC=(\d+) ;;", hook) == [
        ("aws-tunnel1", "aws-tun1", "100"), ("aws-tunnel2", "aws-tun2", "200")]
    assert 'up-client) ip route replace 10.20.0.0/16 dev "$DEV" metric "$METRIC"' in hook
    assert 'down-client) ip route del 10.20.0.0/16 dev "$DEV" metric "$METRIC"' in hook


def test_bgp_peers_with_aws_over_both_inside_addresses(bgp_out: Path) -> None:
    frr = (bgp_out / "frr.conf").read_text()
    assert "router bgp 65010\n" in frr
    neighbours = re.findall(r"^ neighbor (\S+) remote-as (\d+)$", frr, re.MULTILINE)
    assert neighbours == [("169.254.10.9", "64600"), ("169.254.10.13", "64600")]
    assert re.findall(r"^ neighbor (\S+) timers (\d+) (\d+)$", frr, re.MULTILINE) == [
        ("169.254.10.9", "10", "30"), ("169.254.10.13", "10", "30")]
    assert re.findall(r"^  network (\S+)$", frr, re.MULTILINE) == ["172.20.0.0/16", "172.21.0.0/16"]
    conns = parse_swanctl((bgp_out / "swanctl.conf").read_text())["connections"]
    assert all("updown" not in c["children"][n] for n, c in conns.items())
    assert [c["remote_addrs"] for c in conns.values()] == ["203.0.113.21", "203.0.113.22"]


def test_bgp_without_advertise_leaves_a_placeholder(tmp_path: Path) -> None:
    dep = read_deployment(*BGP)
    frr = render(dep)["frr.conf"]
    assert "! network <on-premises CIDR>" in frr and "\n  network " not in frr


def test_device_behind_nat(tmp_path: Path) -> None:
    dep = read_deployment(*STATIC)
    conf = parse_swanctl(render(dep, local_address="10.0.0.5")["swanctl.conf"])
    c = conf["connections"]["aws-tunnel1"]
    assert c["local_addrs"] == "10.0.0.5"  # the address it sends from
    assert c["local"]["id"] == "203.0.113.10"  # the identity AWS knows


# --------------------------------------------------------------------------
# Proposals (pure)
# --------------------------------------------------------------------------


def test_ikev1_only_drops_gcm_for_ike_and_refuses_gcm_only() -> None:
    t = TunnelOptions(ike_versions=["ikev1"], startup_action="add")
    assert ike_proposals(t) == ("aes256-sha384-sha256-ecp384-ecp256-modp2048",)
    assert esp_proposals(t)[0] == "aes256gcm16-ecp384-ecp256-modp2048"
    gcm_only = TunnelOptions(ike_versions=["ikev1"], startup_action="add",
                             phase1_encryption=["AES128-GCM-16"])
    with pytest.raises(ConfigError, match="IKEv1 cannot use GCM for IKE"):
        ike_proposals(gcm_only)


def test_every_aws_choice_has_a_strongswan_name() -> None:
    from vpc_patterns.plan.vpn import (
        ENCRYPTION_ALGORITHMS,
        INTEGRITY_ALGORITHMS,
        PHASE1_DH_GROUPS,
        PHASE2_DH_GROUPS,
    )

    assert set(ENCRYPTION) == set(ENCRYPTION_ALGORITHMS)
    assert set(INTEGRITY) == set(INTEGRITY_ALGORITHMS)
    assert set(DH_GROUPS) == set(PHASE1_DH_GROUPS) | set(PHASE2_DH_GROUPS)


# --------------------------------------------------------------------------
# Command line and errors
# --------------------------------------------------------------------------


def test_registers_on_the_package_command_line(tmp_path: Path) -> None:
    """As `python -m vpc_patterns` registers its subcommands: the handler is
    the `handler` default."""
    parser = argparse.ArgumentParser(prog="python -m vpc_patterns")
    add_vpn_config_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["vpn-config", "--outputs", str(STATIC[0]), "--vpn-connections",
                              str(STATIC[1]), "--out", str(tmp_path)])
    assert args.handler(args) == 0
    assert (tmp_path / "swanctl.conf").is_file()


def test_module_entry_point(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "vpc_patterns.cli.vpn_config", "--outputs", str(STATIC[0]),
         "--vpn-connections", str(STATIC[1]), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("vpn-0a1b2c3d4e5f60718 (VpnStatic, static routing)")
    assert "tunnel 1: 169.254.10.2 (this device) <-> 169.254.10.1 (AWS) via 198.51.100.201" in (
        run.stdout)
    assert "key NOT written" in run.stdout


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def _fails(capsys: pytest.CaptureFixture, argv: list[str], message: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    return err


def test_error_outputs_without_a_vpn(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    outs = _write(tmp_path, "o.json", {"vpc-patterns-dev": {"VpcId": "vpc-1"}})
    _fails(capsys, ["--outputs", str(outs), "--vpn-connections", str(STATIC[1]),
                    "--out", str(tmp_path / "x")],
           "no VPN outputs (a key ending in 'VpnConnectionId') in any stack")
    assert not (tmp_path / "x").exists()


def test_error_several_vpns_need_a_choice(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    both = {**json.loads(STATIC[0].read_text()), **json.loads(BGP[0].read_text())}
    outs = _write(tmp_path, "both.json", both)
    _fails(capsys, ["--outputs", str(outs), "--vpn-connections", str(BGP[1]),
                    "--out", str(tmp_path / "x")],
           "several VPNs (VpnStatic:OnPremVpn, VpnBgp:Vpn); choose one with --stack")
    assert main(["--outputs", str(outs), "--vpn-connections", str(BGP[1]), "--stack", "VpnBgp",
                 "--out", str(tmp_path / "y")]) == 0


def test_error_connection_not_described(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _fails(capsys, ["--outputs", str(BGP[0]), "--vpn-connections", str(STATIC[1]),
                    "--out", str(tmp_path / "x")],
           "VPN connection vpn-0b1b2c3d4e5f60719 (from the stack outputs) is not in the "
           "--vpn-connections file")


def test_error_inside_cidrs_of_another_deployment(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    data = json.loads(STATIC[1].read_text())
    data["VpnConnections"][1]["Options"]["TunnelOptions"][0]["TunnelInsideCidr"] = "169.254.77.0/30"
    desc = _write(tmp_path, "d.json", data)
    _fails(capsys, ["--outputs", str(STATIC[0]), "--vpn-connections", str(desc),
                    "--out", str(tmp_path / "x")],
           "tunnel 2 inside CIDR 169.254.20.4/30 (stack outputs) is not a tunnel of "
           "vpn-0a1b2c3d4e5f60718")


def test_error_connection_not_available(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = json.loads(BGP[1].read_text())
    data[0]["State"] = "pending"
    desc = _write(tmp_path, "d.json", data)
    _fails(capsys, ["--outputs", str(BGP[0]), "--vpn-connections", str(desc),
                    "--out", str(tmp_path / "x")],
           "VPN connection vpn-0b1b2c3d4e5f60719 is 'pending', not 'available'")


def test_error_bad_key_in_psk_file_is_not_echoed(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    psk = _write(tmp_path, "k.json", {"tunnel1": "0startsWithZero", "tunnel2": "has\"quote12"})
    err = _fails(capsys, ["--outputs", str(BGP[0]), "--vpn-connections", str(BGP[1]),
                          "--out", str(tmp_path / "x"), "--psk-file", str(psk)],
                 "tunnel1 is not a VPN pre-shared key")
    assert "0startsWithZero" not in err


def test_error_advertise_with_static_routing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _fails(capsys, ["--outputs", str(STATIC[0]), "--vpn-connections", str(STATIC[1]),
                    "--out", str(tmp_path / "x"), "--advertise", "172.20.0.0/16"],
           "--advertise is for BGP routing")


@pytest.mark.parametrize("content, message", [
    (None, "cannot be read"), ("{not json", "is not JSON"),
    ({"VpnConnections": "x"}, "must be the JSON of `aws ec2 describe-vpn-connections`")])
def test_error_unreadable_describe_file(tmp_path: Path, capsys: pytest.CaptureFixture,
                                        content: Any, message: str) -> None:
    path = tmp_path / "d.json"
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    _fails(capsys, ["--outputs", str(STATIC[0]), "--vpn-connections", str(path),
                    "--out", str(tmp_path / "x")], message)


# --------------------------------------------------------------------------
# Conditional forwarding of the VPC's zones (--dns-zone, --inbound-resolver)
# --------------------------------------------------------------------------

DNS_ZONES = ["corp.aws.example", "db.corp.aws.example"]
INBOUND = ["10.20.64.10", "10.20.80.10"]


def _dns_args(out: Path, *extra: str) -> list[str]:
    return ["--outputs", str(STATIC[0]), "--vpn-connections", str(STATIC[1]), "--out", str(out),
            *extra]


def _unbound_zones(text: str) -> dict[str, dict[str, list[str]]]:
    """forward-zone name -> its attributes (name: values), parsed line by line."""
    zones: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if stripped == "forward-zone:":
            current = {}
            continue
        assert current is not None and line.startswith("    "), line
        key, _, value = stripped.partition(":")
        current.setdefault(key, []).append(value.strip())
        if key == "name":
            zones[value.strip().strip('"')] = current
    return zones


def _bind_zones(text: str) -> dict[str, str]:
    """zone name -> its body, from ``zone "name" { ... };`` stanzas."""
    body = re.sub(r"//[^\n]*", "", text)
    return {m[1]: m[2] for m in re.finditer(r'zone "([^"]+)" \{(.*?)\n\};', body, re.S)}


def test_dns_forwarding_files_forward_each_zone_to_every_inbound_address(tmp_path: Path) -> None:
    extra = [a for z in DNS_ZONES for a in ("--dns-zone", z)]
    extra += [a for ip in INBOUND for a in ("--inbound-resolver", ip)]
    assert main(_dns_args(tmp_path, *extra)) == 0
    unbound = _unbound_zones((tmp_path / "dns-forward-unbound.conf").read_text())
    assert set(unbound) == {f"{z}." for z in DNS_ZONES}
    for attrs in unbound.values():
        assert attrs["forward-addr"] == [f"{ip}@53" for ip in INBOUND]
        assert attrs["forward-first"] == ["no"]  # never falls back to the internet
    bind = _bind_zones((tmp_path / "dns-forward-bind.conf").read_text())
    assert set(bind) == set(DNS_ZONES)
    for body in bind.values():
        assert re.search(r"\btype forward;", body) and re.search(r"\bforward only;", body)
        fwd = re.search(r"forwarders \{(.*?)\};", body)
        assert fwd is not None
        assert re.findall(r"([\d.]+) port 53;", fwd[1]) == INBOUND


def test_dns_forwarding_files_pass_the_servers_own_checkers(tmp_path: Path) -> None:
    """unbound-checkconf and named-checkconf (Debian's unbound and
    bind9-utils) accept the files; skipped where they are not installed."""
    import shutil

    extra = ["--dns-zone", DNS_ZONES[0], *[a for ip in INBOUND for a in ("--inbound-resolver", ip)]]
    assert main(_dns_args(tmp_path, *extra)) == 0
    checked = 0
    if shutil.which("unbound-checkconf"):
        conf = tmp_path / "unbound.conf"
        conf.write_text(f'server:\n    chroot: ""\n    username: ""\n    directory: "{tmp_path}"\n'
                        f'    pidfile: ""\ninclude: "{tmp_path / "dns-forward-unbound.conf"}"\n')
        r = subprocess.run(["unbound-checkconf", str(conf)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        checked += 1
    if shutil.which("named-checkconf"):
        r = subprocess.run(["named-checkconf", str(tmp_path / "dns-forward-bind.conf")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        checked += 1
    if not checked:
        pytest.skip("neither unbound-checkconf nor named-checkconf is installed")


def test_dns_forwarding_reads_fixed_addresses_from_the_outputs(tmp_path: Path) -> None:
    outs = json.loads(STATIC[0].read_text())
    name = next(iter(outs))
    outs[name]["DnsInboundResolverIps"] = ",".join(INBOUND)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outs))
    out = tmp_path / "out"
    assert main(["--outputs", str(path), "--vpn-connections", str(STATIC[1]), "--out", str(out),
                 "--dns-zone", "corp.aws.example"]) == 0
    zones = _unbound_zones((out / "dns-forward-unbound.conf").read_text())
    assert zones["corp.aws.example."]["forward-addr"] == [f"{ip}@53" for ip in INBOUND]


def test_no_dns_files_without_dns_zone(static_out: Path) -> None:
    assert not list(static_out.glob("dns-forward-*"))


@pytest.mark.parametrize("extra, message", [
    (["--dns-zone", "corp.aws.example"], "InboundResolverIps"),
    (["--dns-zone", "corp.aws.example", "--inbound-resolver", "10.20.64.10"], "at least 2"),
    (["--dns-zone", "bad_-.-zone", "--inbound-resolver", "10.20.64.10",
      "--inbound-resolver", "10.20.80.10"], "--dns-zone"),
    (["--inbound-resolver", "10.20.64.10"], "without --dns-zone"),
    (["--dns-zone", "a.example", "--inbound-resolver", "10.20.64.300",
      "--inbound-resolver", "10.20.80.10"], "not an IPv4 address"),
])
def test_dns_forwarding_errors(tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str],
                               message: str) -> None:
    assert main(_dns_args(tmp_path, *extra)) == 2
    assert message in capsys.readouterr().err


# --------------------------------------------------------------------------
# The rendered files against the real tools (skipped where they are missing)
# --------------------------------------------------------------------------


def _needs(*files: str) -> str | None:
    return missing_prerequisites(files)


def test_rendered_scripts_pass_shellcheck(static_out: Path, bgp_out: Path) -> None:
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (Debian's package shellcheck)")
    scripts = [str(p) for p in (*static_out.glob("*.sh"), *bgp_out.glob("*.sh"))]
    assert len(scripts) == 3
    r = subprocess.run(["shellcheck", "--shell=sh", "--severity=style", *scripts],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_frr_conf_passes_vtysh_check(bgp_out: Path, tmp_path: Path) -> None:
    if not shutil.which("vtysh"):
        pytest.skip("vtysh is not installed (Debian's package frr)")
    placeholder = tmp_path / "frr.conf"
    placeholder.write_text(render(read_deployment(*BGP))["frr.conf"])
    for conf in (bgp_out / "frr.conf", placeholder):
        r = subprocess.run(["vtysh", "-C", "-f", str(conf)], capture_output=True, text=True,
                           check=False)
        assert r.returncode == 0, f"{conf}: {r.stdout}{r.stderr}"


def test_ip_setup_checks_its_tools_before_changing_anything(static_out: Path,
                                                            tmp_path: Path) -> None:
    """Without iptables the script stops before its first change, saying
    what is missing (it used to add the interfaces, then abort under set -eu
    half way)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    for tool in ("ip", "sysctl"):  # present, recording; iptables is not
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
        (bin_dir / tool).chmod(0o755)
    r = subprocess.run(["/bin/sh", str(static_out / "ip-setup.sh")], capture_output=True,
                       text=True, env={"PATH": str(bin_dir)}, check=False)
    assert r.returncode != 0
    assert "'iptables' not found" in r.stderr and "Nothing was changed" in r.stderr
    assert not calls.exists(), calls.read_text()


@pytest.fixture
def netns_lab() -> Iterator[Lab]:
    reason = _needs("/usr/sbin/ip", "/usr/sbin/iptables")
    if reason:
        pytest.skip(reason)
    workdir = Path(tempfile.mkdtemp(prefix="vpn-cfg-"))
    workdir.chmod(0o755)  # FRR's daemons (user frr) work in it
    the_lab = Lab("vpn-cfg-", workdir)
    try:
        yield the_lab
    finally:
        the_lab.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _interface_state(lab: Lab) -> dict[str, Any]:
    """What ip-setup.sh sets, read back from the namespace."""
    state: dict[str, Any] = {}
    for dev in ("aws-tun1", "aws-tun2"):
        link = lab.ip("dev", "-o", "link", "show", "dev", dev)
        state[dev] = {
            "mtu": re.search(r"mtu (\d+)", link)[1],  # type: ignore[index]
            "up": ",UP" in link or "<UP" in link,
            "addrs": re.findall(r"inet (\S+)", lab.ip("dev", "-o", "-4", "addr", "show", "dev",
                                                      dev)),
            "rp_filter": lab.run("dev", "sysctl", "-n",
                                 f"net.ipv4.conf.{dev}.rp_filter").stdout.strip(),
        }
    state["mangle"] = [line for line in lab.run("dev", "iptables", "-t", "mangle", "-S",
                                                "FORWARD").stdout.splitlines()
                       if "TCPMSS" in line]
    return state


def test_ip_setup_runs_twice_to_the_same_state(static_out: Path, netns_lab: Lab) -> None:
    """Run twice in a namespace (the interfaces exist already the second
    time; this kernel has no XFRM interfaces, so veth ends stand in from
    the start): both runs succeed and leave the same addresses, MTU,
    reverse-path filter and MSS rules, each rule once."""
    netns_lab.add_namespace("dev")
    for dev in ("aws-tun1", "aws-tun2"):
        netns_lab.ip("dev", "link", "add", dev, "type", "veth", "peer", "name", f"{dev}-peer")
    states = []
    for _ in range(2):
        netns_lab.run("dev", "/bin/sh", str(static_out / "ip-setup.sh"), "lo")
        states.append(_interface_state(netns_lab))
    assert states[0] == states[1]
    state = states[0]
    assert state["aws-tun1"] == {"mtu": str(TUNNEL_MTU), "up": True, "addrs": ["169.254.10.2/30"],
                                 "rp_filter": "2"}
    assert state["aws-tun2"]["addrs"] == ["169.254.20.6/30"]
    clamp = f"-p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss {TCP_MSS}"
    assert sorted(state["mangle"]) == sorted(
        f"-A FORWARD {d} {dev} {clamp}" for dev in ("aws-tun1", "aws-tun2") for d in ("-o", "-i"))


def test_frr_announces_every_advertised_network(netns_lab: Lab) -> None:
    """zebra, staticd and bgpd (as user frr) read frr.conf as the tool wrote
    it, and BGP's import check finds an exact route for each advertised
    network: both are valid, best paths in the BGP table, ready to announce
    (without the discard routes neither would be, having no exact route)."""
    reason = _needs(*(f for f in DEBIAN_FILES if "frr" in f or "vtysh" in f))
    if reason:
        pytest.skip(reason)
    out = netns_lab.workdir / "onprem"  # where user frr may look (tmp_path is root's only)
    assert main(["--outputs", str(BGP[0]), "--vpn-connections", str(BGP[1]), "--out", str(out),
                 "--advertise", "172.20.0.0/16", "--advertise", "172.21.0.0/16"]) == 0
    out.chmod(0o755)
    netns_lab.add_namespace("frr")
    frr = Frr(netns_lab, "frr", out / "frr.conf")

    def table() -> dict[str, Any]:
        routes = json.loads(frr.vtysh("show ip bgp json") or "{}").get("routes", {})
        return {p: r for p, r in routes.items() if any(x.get("valid") for x in r)}

    routes = wait_for("the advertised networks in the BGP table", lambda: len(table()) == 2
                      and table(), timeout=10)
    assert isinstance(routes, dict)
    assert sorted(routes) == ["172.20.0.0/16", "172.21.0.0/16"]
    assert all(any(x.get("bestpath") for x in r) for r in routes.values())
    # The discard route is what holds them, at the largest distance.
    zebra = json.loads(frr.vtysh("show ip route 172.20.0.0/16 json"))["172.20.0.0/16"]
    assert [(r["protocol"], r["distance"], r["nexthops"][0].get("blackhole")) for r in zebra] == [
        ("static", 254, True)]
