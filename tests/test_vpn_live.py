"""The VPN, alive: the rendered on-premises side against an emulated AWS side,
both running for real in Linux network namespaces (root only; skipped with
the reason and the Debian packages otherwise).

Topology (namespaces ``vpn-*``; every address lives in them)::

    vpn-lan ── vpn-onp ── vpn-net ══ tunnel 1 link ══ vpn-aws ── vpn-vpc
    on-prem    customer   "the       ══ tunnel 2 link ══ AWS's      VPC host
    host       gateway    internet"                     two endpoints

* **AWS side** (``vpn-aws``): configured from the deployment files the
  operator tool reads (``tests/fixtures/vpn``: the stack outputs, the
  describe-vpn-connections output, the pre-shared keys), parsed here on their
  own: one charon answering on both tunnels' outside addresses, with AWS's
  behaviour as a responder (any combination of the tunnel's algorithms and DH
  groups, written here from AWS's algorithm names, not by the renderer), the
  tunnels' inside addresses and, with BGP, an FRR speaking AWS's ASN and
  announcing the VPC CIDR. Being the emulated side, its dead peer detection
  is shortened (2 s, 2 retransmissions 1 s apart).
* **On-premises side** (``vpn-onp``): ``python -m vpc_patterns vpn-config``
  output, used as written: swanctl.conf loaded with ``swanctl --load-all
  --file``, strongswan-aws-vpn.conf included in the instance's
  strongswan.conf, ip-setup.sh run, aws-updown.sh as charon's updown hook,
  frr.conf read by the FRR daemons (user frr) from the file the tool wrote.

What is emulated, and why: this kernel has no ESP transform and no XFRM
interfaces, so both charons use strongSwan's userland ESP (kernel-libipsec):
one TUN device per charon carries both tunnels. On the device, aws-tun1 and
aws-tun2 are alternative names of that TUN device, so ip-setup.sh finds its
interfaces and puts the inside addresses, MTU and MSS rules on them (its
sysctl gets the TUN device's real name, as /proc knows no alternative
names). With both tunnels up, libipsec sends by its first matching policy,
the newest of equal ones, not by the kernel's route as an XFRM interface
would: the test brings tunnel 1 up last so that it is the one carrying the
traffic, as the rendered routes (metric 100 via aws-tun1) ask. Which tunnel
carried what is read from the SAs' byte counters.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import vpc_patterns
from tests._netns import Charon, Frr, Lab, charon_conf, missing_prerequisites, wait_for

REASON = missing_prerequisites()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"VPN datapath test: {REASON}")

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
PSK_FILES = (FIXTURES / "psk-tunnel1.json", FIXTURES / "psk-tunnel2.json")
STATIC = (FIXTURES / "outputs-static.json", FIXTURES / "describe-vpn-connections-static.json")
BGP = (FIXTURES / "outputs-bgp.json", FIXTURES / "describe-vpn-connections-bgp.json")
#: The on-premises range advertised over BGP (the BGP stack has no static routes).
BGP_ON_PREM = "172.16.0.0/16"
#: AWS side (emulated): dead peer detection shortened to 2 s + 3 x 1 s.
#: How long a readiness wait (a tunnel or a BGP session coming up) may take:
#: these are not the measures (failover is asserted against the DPD timeout),
#: so they are sized for a busy CI machine.
WAIT = 90

AWS_CHARON = """    retransmit_timeout = 1
    retransmit_base = 1
    retransmit_tries = 2
"""
AWS_DPD_DELAY = "2s"

# --------------------------------------------------------------------------
# The AWS side, from the deployment files
# --------------------------------------------------------------------------

#: AWS's algorithm names -> strongSwan's (IKE and ESP proposal keywords).
AWS_ENCRYPTION = {"AES128": "aes128", "AES256": "aes256", "AES128-GCM-16": "aes128gcm16",
                  "AES256-GCM-16": "aes256gcm16"}
AWS_INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384",
                 "SHA2-512": "sha512"}
AWS_DH = {2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096",
          17: "modp6144", 18: "modp8192", 19: "ecp256", 20: "ecp384", 21: "ecp521",
          22: "modp1024s160", 23: "modp2048s224", 24: "modp2048s256"}


@dataclass(frozen=True)
class AwsTunnel:
    number: int
    outside_ip: str
    inside_cidr: str
    aws_inside_ip: str
    customer_inside_ip: str
    psk: str
    options: dict[str, Any]


@dataclass(frozen=True)
class AwsSide:
    outputs: Path
    describe: Path
    customer_gateway_ip: str
    customer_asn: int
    amazon_asn: int
    routing: str
    vpc_cidr: str
    on_prem_cidrs: tuple[str, ...]
    tunnels: tuple[AwsTunnel, AwsTunnel]


def aws_side(outputs: Path, describe: Path, *, on_prem: tuple[str, ...] = ()) -> AwsSide:
    """What AWS knows of the deployment: the stack's VPN outputs, each
    tunnel's outside address (matched by inside CIDR) and pre-shared key."""
    stacks = json.loads(outputs.read_text())
    (outs,) = [o for o in stacks.values() if any(k.endswith("VpnConnectionId") for k in o)]
    (prefix,) = [k[: -len("VpnConnectionId")] for k in outs if k.endswith("VpnConnectionId")]
    out = {k[len(prefix):]: v for k, v in outs.items() if k.startswith(prefix)}
    data = json.loads(describe.read_text())
    conns = data["VpnConnections"] if isinstance(data, dict) else data
    (conn,) = [c for c in conns if c["VpnConnectionId"] == out["VpnConnectionId"]]
    outside = {t["TunnelInsideCidr"]: t["OutsideIpAddress"]
               for t in conn["Options"]["TunnelOptions"]}
    keys: dict[str, str] = {}
    for path in PSK_FILES:
        keys.update(json.loads(path.read_text()))
    tunnels = []
    for i, opts in enumerate(json.loads(out["TunnelOptions"]), start=1):
        net = ipaddress.ip_network(opts["inside_cidr"])
        tunnels.append(AwsTunnel(
            number=i, outside_ip=outside[opts["inside_cidr"]], inside_cidr=str(net),
            aws_inside_ip=str(net[1]), customer_inside_ip=str(net[2]), psk=keys[f"tunnel{i}"],
            options=opts))
    routes = tuple(c for c in out.get("StaticRoutes", "").split(",") if c)
    return AwsSide(
        outputs=outputs, describe=describe, customer_gateway_ip=out["CustomerGatewayIp"],
        customer_asn=int(out["CustomerBgpAsn"]), amazon_asn=int(out["AmazonSideAsn"]),
        routing=out["Routing"], vpc_cidr=out["VpcCidr"], on_prem_cidrs=routes or on_prem,
        tunnels=(tunnels[0], tunnels[1]))


def aws_proposals(opts: dict[str, Any], phase: int) -> str:
    """What AWS accepts in a phase: every listed cipher with every listed
    integrity algorithm (a PRF with GCM in IKE, none with GCM in ESP) and
    every listed DH group; one proposal per cipher."""
    dh = [AWS_DH[g] for g in opts[f"phase{phase}_dh_groups"]]
    integ = [AWS_INTEGRITY[i] for i in opts[f"phase{phase}_integrity"]]
    out = []
    for enc in opts[f"phase{phase}_encryption"]:
        if "GCM" in enc:
            middle = ["prf" + i for i in integ] if phase == 1 else []
        else:
            middle = integ
        out.append("-".join([AWS_ENCRYPTION[enc], *middle, *dh]))
    return ",".join(out)


def aws_swanctl_conf(side: AwsSide) -> str:
    conns, secrets = [], []
    for t in side.tunnels:
        o = t.options
        versions = set(o["ike_versions"])
        version = 0 if versions == {"ikev1", "ikev2"} else 1 if versions == {"ikev1"} else 2
        conns.append(f"""
    vgw-tunnel{t.number} {{
        version = {version}
        local_addrs = {t.outside_ip}
        remote_addrs = {side.customer_gateway_ip}
        proposals = {aws_proposals(o, 1)}
        rekey_time = {o["phase1_lifetime_seconds"]}s
        dpd_delay = {AWS_DPD_DELAY}
        keyingtries = 1
        mobike = no
        local {{
            auth = psk
            id = {t.outside_ip}
        }}
        remote {{
            auth = psk
            id = {side.customer_gateway_ip}
        }}
        children {{
            vgw-tunnel{t.number} {{
                local_ts = 0.0.0.0/0
                remote_ts = 0.0.0.0/0
                esp_proposals = {aws_proposals(o, 2)}
                rekey_time = {o["phase2_lifetime_seconds"]}s
                dpd_action = clear
            }}
        }}
    }}""")
        secrets.append(f"""
    ike-vgw-tunnel{t.number} {{
        id-aws = {t.outside_ip}
        id-customer = {side.customer_gateway_ip}
        secret = "{t.psk}"
    }}""")
    return "connections {" + "".join(conns) + "\n}\nsecrets {" + "".join(secrets) + "\n}\n"


def aws_frr_conf(side: AwsSide) -> str:
    lines = [f"ip route {side.vpc_cidr} blackhole", f"router bgp {side.amazon_asn}",
             f" bgp router-id {side.tunnels[0].aws_inside_ip}", " no bgp ebgp-requires-policy"]
    for t in side.tunnels:
        lines += [f" neighbor {t.customer_inside_ip} remote-as {side.customer_asn}",
                  f" neighbor {t.customer_inside_ip} timers 10 30",
                  f" neighbor {t.customer_inside_ip} timers connect 2"]
    lines += [" address-family ipv4 unicast", f"  network {side.vpc_cidr}",
              " exit-address-family", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# The lab
# --------------------------------------------------------------------------


@pytest.fixture
def lab() -> Iterator[Lab]:
    """Namespaces and daemons, torn down whatever the test did; the daemons'
    logs are printed (pytest shows them when the test fails)."""
    workdir = Path(tempfile.mkdtemp(prefix="vpn-live-"))
    workdir.chmod(0o755)  # the FRR daemons (user frr) read and write in it
    the_lab = Lab("vpn-", workdir)
    try:
        yield the_lab
    finally:
        the_lab.close()
        for log in sorted(workdir.rglob("*.log")) + sorted(workdir.glob("*.out")):
            print(f"==> {log.relative_to(workdir)}\n{log.read_text(errors='replace')[-3000:]}")
        shutil.rmtree(workdir, ignore_errors=True)


def host(cidr: str, n: int) -> str:
    return str(ipaddress.ip_network(cidr)[n])


def lan_of(cidr: str) -> str:
    """The /24 at the start of a range: the test's subnet inside it."""
    net = ipaddress.ip_network(cidr)
    return str(next(net.subnets(new_prefix=24)) if net.prefixlen < 24 else net)


@dataclass
class Sites:
    lab: Lab
    side: AwsSide
    rendered: Path
    onp: Charon
    aws: Charon
    lan_host: str
    vpc_host: str


def build(lab: Lab, side: AwsSide, rendered: Path) -> Sites:
    for name in ("lan", "onp", "net", "aws", "vpc"):
        lab.add_namespace(name)
    lab.veth("lan", "lan-onp", "onp", "onp-lan")
    lab.veth("onp", "onp-net", "net", "net-onp")
    lab.veth("aws", "aws-vpc", "vpc", "vpc-aws")
    lan, vpc = lan_of(side.on_prem_cidrs[0]), lan_of(side.vpc_cidr)
    lan_host, vpc_host = host(lan, 10), host(vpc, 10)
    lab.ip("lan", "addr", "add", f"{lan_host}/24", "dev", "lan-onp")
    lab.ip("lan", "route", "add", "default", "via", host(lan, 1))
    lab.ip("onp", "addr", "add", f"{host(lan, 1)}/24", "dev", "onp-lan")
    lab.ip("vpc", "addr", "add", f"{vpc_host}/24", "dev", "vpc-aws")
    lab.ip("vpc", "route", "add", "default", "via", host(vpc, 1))
    lab.ip("aws", "addr", "add", f"{host(vpc, 1)}/24", "dev", "aws-vpc")
    # The internet: point-to-point links with addresses of 100.64.0.0/10.
    cgw = side.customer_gateway_ip
    lab.ip("onp", "addr", "add", f"{cgw}/32", "dev", "onp-net")
    lab.ip("onp", "route", "add", "100.64.0.1/32", "dev", "onp-net")
    lab.ip("onp", "route", "add", "default", "via", "100.64.0.1", "src", cgw)
    lab.ip("net", "addr", "add", "100.64.0.1/32", "dev", "net-onp")
    lab.ip("net", "route", "add", f"{cgw}/32", "dev", "net-onp")
    for t in side.tunnels:
        n, gw = t.number, f"100.64.{t.number}.1"
        lab.veth("net", f"net-aws{n}", "aws", f"aws-net{n}")
        lab.ip("net", "addr", "add", f"{gw}/32", "dev", f"net-aws{n}")
        lab.ip("net", "route", "add", f"{t.outside_ip}/32", "dev", f"net-aws{n}")
        lab.ip("aws", "addr", "add", f"{t.outside_ip}/32", "dev", f"aws-net{n}")
        lab.ip("aws", "route", "add", f"{gw}/32", "dev", f"aws-net{n}")
        # Each endpoint answers over its own link.
        lab.ip("aws", "rule", "add", "from", t.outside_ip, "lookup", str(100 + n))
        lab.ip("aws", "route", "add", "default", "via", gw, "dev", f"aws-net{n}", "table",
               str(100 + n))
    # Charons: the AWS side with its configuration, the device with the
    # rendered settings file included as it is.
    aws = Charon(lab, "aws", charon_conf(extra=AWS_CHARON))
    onp = Charon(lab, "onp", charon_conf(include=rendered / "strongswan-aws-vpn.conf"))
    aws_tun = aws.tun_device()
    for t in side.tunnels:
        lab.ip("aws", "addr", "add", f"{t.aws_inside_ip}/30", "dev", aws_tun)
    lab.ip("aws", "link", "set", aws_tun, "mtu", "1419")
    if side.routing == "static":
        for cidr in side.on_prem_cidrs:  # AWS routes the connection's static routes
            lab.ip("aws", "route", "add", cidr, "dev", aws_tun)
    # The device: its tunnel interfaces are names of libipsec's TUN device;
    # ip-setup.sh as rendered does the rest.
    tun = onp.tun_device()
    lab.ip("onp", "link", "property", "add", "dev", tun, "altname", "aws-tun1", "altname",
           "aws-tun2")
    shim = lab.workdir / "shim"
    shim.mkdir()
    (shim / "sysctl").write_text(
        "#!/bin/sh\n# /proc/sys knows the TUN device by its real name only\n"
        f"exec /usr/sbin/sysctl $(echo \"$*\" | sed 's/[.]aws-tun[12][.]/.{tun}./')\n")
    (shim / "sysctl").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}:{os.environ.get('PATH', '/usr/sbin:/usr/bin')}"}
    for _ in range(2):  # twice: it is idempotent
        lab.run("onp", "sh", str(rendered / "ip-setup.sh"), "onp-net", env=env)
    return Sites(lab=lab, side=side, rendered=rendered, onp=onp, aws=aws, lan_host=lan_host,
                 vpc_host=vpc_host)


def render(tmp: Path, files: tuple[Path, Path], *extra: str) -> Path:
    """``python -m vpc_patterns vpn-config`` with the fixtures' keys."""
    out = tmp / "onprem"
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(Path(vpc_patterns.__file__).parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-m", "vpc_patterns", "vpn-config", "--outputs", str(files[0]),
         "--vpn-connections", str(files[1]), "--out", str(out), "--psk-file", str(PSK_FILES[0]),
         "--psk-file", str(PSK_FILES[1]), *extra],
        capture_output=True, text=True, env=env, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    out.chmod(0o755)
    return out


def cut(lab: Lab, tunnel: AwsTunnel, *, down: bool) -> None:
    """Cut (or mend) the internet path of one tunnel, in the middle: neither
    end sees a link go down."""
    verb = "add" if down else "del"
    for n, match in ((10 + tunnel.number * 2, "to"), (11 + tunnel.number * 2, "from")):
        lab.ip("net", "rule", verb, match, tunnel.outside_ip, "priority", str(n), "blackhole")


_SA_BYTES = re.compile(r"^\s+(in|out)\s+[0-9a-f]{8}[^,]*,\s+(\d+) bytes", re.MULTILINE)


def sas(charon: Charon) -> dict[str, dict[str, int]]:
    """IKE SA name -> {"in": bytes, "out": bytes} of its installed CHILD_SA,
    for each ESTABLISHED IKE SA with one."""
    out: dict[str, dict[str, int]] = {}
    text = charon.swanctl("--list-sas")
    for block in re.split(r"^(?=\S)", text, flags=re.MULTILINE):
        m = re.match(r"(\S+): #\d+, ESTABLISHED", block)
        if m and "INSTALLED" in block:
            out[m.group(1)] = {d: int(b) for d, b in _SA_BYTES.findall(block)}
    return out


def gave_up(charon: Charon, name: str) -> int:
    """How often charon gave up retransmitting on IKE SA ``name`` (a dead
    peer detected, or an attempt to establish it unanswered)."""
    log = charon.log.read_text(errors="replace") if charon.log.exists() else ""
    return len(re.findall(rf"<{re.escape(name)}\|\d+> giving up after", log))


def up(charon: Charon, *names: str) -> bool:
    return set(names) <= set(sas(charon))


ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
"""

#: Sends a datagram every INTERVAL s for at most DURATION s; prints the wall
#: times of the replies (JSON). With RECOVER, it stops after a silence of at
#: least 1 s followed by 5 replies in a row.
PROBE = """
import json, socket, sys, time
dst, duration = sys.argv[1], float(sys.argv[2])
interval, recover = float(sys.argv[3]), sys.argv[4] == "1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(interval)
replies, seq, end, gap, streak = [], 0, time.time() + duration, False, 0
while time.time() < end:
    s.sendto(str(seq).encode(), (dst, 7))
    seq += 1
    deadline = time.time() + interval
    got = False
    while time.time() < deadline:
        try:
            s.settimeout(max(deadline - time.time(), 0.001))
            s.recv(64)
            got = True
        except OSError:
            break
    now = time.time()
    if got:
        if replies and now - replies[-1] > 1.0:
            gap, streak = True, 0
        replies.append(now)
        streak += 1
        if recover and gap and streak >= 5:
            break
    time.sleep(max(deadline - time.time(), 0))
print(json.dumps({"sent": seq, "replies": replies}))
"""


def echo_server(sites: Sites) -> None:
    sites.lab.spawn("vpc", "echo", [sys.executable, "-c", ECHO])
    time.sleep(0.3)


def probe(sites: Sites, *, duration: float, interval: float = 0.1,
          recover: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["ip", "netns", "exec", sites.lab.ns("lan"), sys.executable, "-c", PROBE,
         sites.vpc_host, str(duration), str(interval), "1" if recover else "0"],
        stdout=subprocess.PIPE, text=True)


def replies(proc: subprocess.Popen[str]) -> list[float]:
    return answered(proc)[1]


def answered(proc: subprocess.Popen[str]) -> tuple[int, list[float]]:
    """The datagrams the probe sent and the wall times of the replies."""
    out, _ = proc.communicate(timeout=90)
    result = json.loads(out)
    return int(result["sent"]), list(result["replies"])


def assert_answered(proc: subprocess.Popen[str], what: str) -> list[float]:
    """The VPC host answers at least 80% of a 1 s probe's datagrams, and the
    probe sent at least 5: counted against what was sent, because on a busy
    machine the probe itself sends fewer than its ten a second."""
    sent, got = answered(proc)
    assert sent >= 5 and len(got) >= 0.8 * sent, (
        f"only {len(got)} of {sent} datagrams answered by the VPC host{what}")
    return got


def bring_up_tunnel_2_then_1(sites: Sites) -> float:
    """Load both sides with tunnel 1's path cut, wait for tunnel 2, mend the
    path: the device's own retries bring tunnel 1 up (last, so libipsec sends
    by it). Returns the seconds tunnel 1 took after the path was mended."""
    t1 = sites.side.tunnels[0]
    cut(sites.lab, t1, down=True)
    aws_conf = sites.lab.workdir / "aws-swanctl.conf"
    aws_conf.write_text(aws_swanctl_conf(sites.side))
    sites.aws.swanctl("--load-all", "--file", str(aws_conf))
    sites.onp.swanctl("--load-all", "--file", str(sites.rendered / "swanctl.conf"))
    wait_for("tunnel 2 up", lambda: up(sites.onp, "aws-tunnel2"), timeout=WAIT)
    mended = time.monotonic()
    cut(sites.lab, t1, down=False)
    # a readiness wait, not a measure (the figure is printed): generous, so a
    # busy machine does not fail it
    wait_for("tunnel 1 up after its path came back", lambda: up(sites.onp, "aws-tunnel1"),
             timeout=WAIT)
    return time.monotonic() - mended


def tunnel_routes(sites: Sites) -> set[str]:
    """Metrics of the device's routes to the VPC (aws-updown.sh adds them)."""
    text = sites.lab.ip("onp", "route", "show", sites.side.vpc_cidr)
    return set(re.findall(r"metric (\d+)", text))


# --------------------------------------------------------------------------
# Static routing: both tunnels, traffic through tunnel 1, failover to tunnel 2
# --------------------------------------------------------------------------


def test_static_tunnels_carry_traffic_and_fail_over_within_dpd_timeout(lab: Lab) -> None:
    side = aws_side(*STATIC)
    rendered = render(lab.workdir, STATIC, "--updown-path",
                      str(lab.workdir / "onprem" / "aws-updown.sh"))
    sites = build(lab, side, rendered)
    retry = bring_up_tunnel_2_then_1(sites)
    print(f"tunnel 1 up {retry:.1f} s after its path came back")

    # Both IKE SAs established, on both sides, each with its CHILD_SA.
    assert up(sites.onp, "aws-tunnel1", "aws-tunnel2")
    wait_for("AWS side sees both tunnels", lambda: up(sites.aws, "vgw-tunnel1", "vgw-tunnel2"),
             timeout=5)
    # The rendered updown hook routed the VPC through both, tunnel 1 first.
    assert tunnel_routes(sites) == {"100", "200"}

    echo_server(sites)
    before = sas(sites.onp), sas(sites.aws)
    assert_answered(probe(sites, duration=1.0), "")
    after = sas(sites.onp), sas(sites.aws)
    onp_delta = {n: after[0][n]["out"] - before[0][n]["out"] for n in after[0]}
    aws_delta = {n: after[1][n]["out"] - before[1][n]["out"] for n in after[1]}
    # Through tunnel 1, both ways; nothing on tunnel 2.
    assert onp_delta["aws-tunnel1"] > 0 and onp_delta["aws-tunnel2"] == 0, onp_delta
    assert aws_delta["vgw-tunnel1"] > 0 and aws_delta["vgw-tunnel2"] == 0, aws_delta

    # Tunnel 1's path cut while traffic flows: it resumes through tunnel 2
    # within tunnel 1's DPD timeout.
    dpd_timeout = side.tunnels[0].options["dpd_timeout_seconds"]
    running = probe(sites, duration=dpd_timeout + 15, recover=True)
    time.sleep(1.0)
    before = sas(sites.onp)
    cut_at = time.time()
    cut(lab, side.tunnels[0], down=True)
    got = replies(running)
    resumed = [t for t in got if t > cut_at + 0.5]
    assert resumed, f"no reply after the cut within {dpd_timeout + 15} s"
    failover = resumed[0] - cut_at
    print(f"failover: traffic resumed {failover:.1f} s after tunnel 1's path was cut "
          f"(DPD timeout {dpd_timeout} s)")
    assert failover <= dpd_timeout
    after = sas(sites.onp)
    assert "aws-tunnel1" not in after, "tunnel 1 still counted as up on the device"
    assert after["aws-tunnel2"]["out"] > before["aws-tunnel2"]["out"]
    assert after["aws-tunnel2"]["in"] > before["aws-tunnel2"]["in"]
    assert tunnel_routes(sites) == {"200"}  # the updown hook withdrew tunnel 1's route

    # The device restarts tunnel 1 (dpd_action = restart); that attempt goes
    # unanswered too. Only then is the path mended: the device keeps trying
    # (keyingtries = 0) and tunnel 1 comes back by itself.
    wait_for("the device's first attempt to restart tunnel 1 to fail",
             lambda: gave_up(sites.onp, "aws-tunnel1") >= 2, timeout=WAIT)
    cut(lab, side.tunnels[0], down=False)
    wait_for("tunnel 1 back", lambda: up(sites.onp, "aws-tunnel1"), timeout=WAIT)
    assert tunnel_routes(sites) == {"100", "200"}


# --------------------------------------------------------------------------
# BGP: FRR on both sides over both tunnels
# --------------------------------------------------------------------------


def _bgp_routes(frr: Frr, prefix: str) -> list[dict[str, Any]]:
    data = json.loads(frr.vtysh(f"show ip bgp {prefix} json") or "{}")
    return list(data.get("paths", []))


def _established(frr: Frr) -> set[str]:
    data = json.loads(frr.vtysh("show ip bgp summary json") or "{}")
    peers = data.get("ipv4Unicast", {}).get("peers", {})
    return {p for p, v in peers.items() if v.get("state") == "Established"}


def test_bgp_exchanges_routes_over_both_tunnels(lab: Lab) -> None:
    side = aws_side(*BGP, on_prem=(BGP_ON_PREM,))
    rendered = render(lab.workdir, BGP, "--advertise", BGP_ON_PREM)
    sites = build(lab, side, rendered)
    bring_up_tunnel_2_then_1(sites)
    assert up(sites.onp, "aws-tunnel1", "aws-tunnel2")

    aws_frr_file = lab.workdir / "aws-frr.conf"
    aws_frr_file.write_text(aws_frr_conf(side))
    shutil.chown(aws_frr_file, group="frr")
    aws_frr_file.chmod(0o640)
    aws_frr = Frr(lab, "aws", aws_frr_file)
    # The device's FRR reads the file vpn-config wrote, as it wrote it.
    onp_frr = Frr(lab, "onp", rendered / "frr.conf")

    aws_peers = {t.customer_inside_ip for t in side.tunnels}
    onp_peers = {t.aws_inside_ip for t in side.tunnels}
    wait_for("BGP sessions over both tunnels",
             lambda: _established(aws_frr) == aws_peers and _established(onp_frr) == onp_peers,
             timeout=WAIT)
    # The on-premises prefix learned on the AWS side from both tunnels, and
    # the VPC on the device.
    learned = wait_for("the on-premises prefix on the AWS side",
                       lambda: len(_bgp_routes(aws_frr, BGP_ON_PREM)) == 2
                       and _bgp_routes(aws_frr, BGP_ON_PREM), timeout=WAIT)
    assert isinstance(learned, list)
    assert {p["peer"]["peerId"] for p in learned} == aws_peers
    assert all(p["aspath"]["string"] == str(side.customer_asn) for p in learned)
    vpc = wait_for("the VPC on the device", lambda: len(_bgp_routes(onp_frr, side.vpc_cidr)) == 2
                   and _bgp_routes(onp_frr, side.vpc_cidr), timeout=WAIT)
    assert isinstance(vpc, list)
    assert {p["peer"]["peerId"] for p in vpc} == onp_peers
    # Both kernels route by what BGP learned, and traffic flows by it.
    assert "proto bgp" in lab.ip("aws", "route", "show", BGP_ON_PREM)
    assert "proto bgp" in lab.ip("onp", "route", "show", side.vpc_cidr)
    echo_server(sites)
    assert_answered(probe(sites, duration=1.0), " over the BGP routes")
