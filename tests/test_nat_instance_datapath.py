"""The NAT instance's datapath, in Linux network namespaces (root only).

The instance's topology as AWS has it, one namespace per part (names start
with ``nat-``):

* ``priv``: a host in a private subnet (10.0.128.10), default route to the
  VPC router.
* ``vpc``: the VPC router and the internet gateway. The private route table
  sends 0.0.0.0/0 to the fixed interface (the route target); the public
  addresses are the internet gateway's one-to-one NAT of each interface's
  private address (198.51.100.10 the primary's, 198.51.100.20 the fixed
  interface's Elastic IP), and it drops what leaves from an address with
  no public one.
* ``eni0``, ``eni1``: the two interfaces of the instance as AWS implements
  them: each has its *own* connection tracking and applies the security
  group of the synthesized template (its ingress and egress rules; replies
  of a flow the interface saw are admitted, anything else is dropped, and
  counted), and the source/destination check when it is on. Each answers
  for the VPC router's address (10.0.0.1) toward the instance.
* ``inst``: the NAT instance, with the primary interface (eth0, 10.0.0.10)
  and the fixed interface (eth1, 10.0.0.20) in the same public /24, and the
  policy routing amazon-ec2-net-utils sets up on Amazon Linux 2023 for a
  secondary interface: its DHCP routes in table 10001, used only by the rule
  ``from 10.0.0.20``; the main table's default route is the primary's
  (metric 512; the secondary's prefix route has 522). Reverse-path
  filtering strict (the stricter assumption).
* ``inet``: a server on the internet (203.0.113.10:443).

Then the real bootstrap runs in ``inst``: the user data as rendered in the
synthesized launch template, with fake ``aws``/``curl``/``dnf``/``systemctl``
/``sleep`` first on PATH (they record calls and answer from a state file)
and in a private mount namespace (tmpfs over /etc/systemd and
/usr/local/sbin, which it writes). Everything else (``ip``, ``iptables``,
``sysctl``) is real. A TCP connection from ``priv`` must reach the server,
seen from the Elastic IP, and its replies come back; with the previous
design's commands (masquerade out of the default route's interface) the
replies leave by the primary interface, whose security group never saw the
flow, and the connection fails there.

Needs root, ``ip netns``, ``iptables`` and ``unshare`` (Debian packages:
iproute2, iptables, util-linux); skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from vpc_patterns import BestPracticeVpc, NatProvider

from .nat_instance_helpers import (
    FAKE_EIP,
    FAKE_ENI_ID,
    FAKE_INSTANCE_ID,
    aws_calls,
    fake_state,
    heredoc,
    nat_resources,
    option,
    rendered_user_data,
    run_user_data,
)


def _why_not() -> str | None:
    if sys.platform != "linux":
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "needs root (ip netns, iptables, mount namespaces)"
    for tool in ("ip", "iptables", "unshare", "mount"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (Debian: iproute2, iptables, util-linux)"
    probe = f"nat-probe-{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"ip netns add fails here: {made.stderr.strip()}"
    try:
        nat = subprocess.run(["ip", "netns", "exec", probe, "iptables", "-t", "nat", "-S"],
                             capture_output=True, text=True)
        if nat.returncode != 0:
            return f"iptables nat does not work in a namespace: {nat.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


_SKIP = _why_not()
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")

PRIV_HOST = "10.0.128.10"
SERVER = "203.0.113.10"
PORT = 443
PRIMARY = "10.0.0.10"
FIXED = "10.0.0.20"
PRIMARY_PUBLIC = "198.51.100.10"
MAC = {0: "02:00:00:00:00:10", 1: "02:00:00:00:00:20"}
ADDR = {0: PRIMARY, 1: FIXED}


def sh(ns: str, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True,
                          timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"[{ns}] {' '.join(cmd)}: {proc.stderr or proc.stdout}")
    return proc


def ip(ns: str, args: str) -> None:
    sh(ns, "ip", *args.split())


def ipt(ns: str, args: str) -> None:
    sh(ns, "iptables", *args.split())


def sysctl(ns: str, *settings: str) -> None:
    sh(ns, "sysctl", "-q", "-w", *settings)


# --------------------------------------------------------------------------
# What the template says (the design under test)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthesized(cdk_context: dict) -> dict[str, Any]:
    app = App(context=cdk_context)
    stack = Stack(app, "nat-datapath")
    BestPracticeVpc(stack, "Net", nat=NatProvider.instances(count=1))
    tpl = Template.from_stack(stack).to_json()
    ids = nat_resources(tpl)
    res = tpl["Resources"]
    sg_lid = res[ids["eni"]]["Properties"]["GroupSet"][0]["Fn::GetAtt"][0]
    sg = res[sg_lid]["Properties"]
    return {
        "user_data": rendered_user_data(tpl, ids["lt"], ids["eni"], ids["eip"]),
        "ingress": [(r["CidrIp"], r["FromPort"]) for r in sg["SecurityGroupIngress"]],
        "egress": [(r["CidrIp"], r["FromPort"]) for r in sg["SecurityGroupEgress"]],
        "fixed_sdc": res[ids["eni"]]["Properties"]["SourceDestCheck"],
        "eip_on_fixed": res[ids["assoc"]]["Properties"]["NetworkInterfaceId"]
        == {"Ref": ids["eni"]},
    }


def test_the_template_puts_the_elastic_ip_on_the_fixed_interface(synthesized):
    assert synthesized["eip_on_fixed"]
    assert synthesized["fixed_sdc"] is False
    assert any(p == PORT for _, p in synthesized["ingress"])
    assert any(p == PORT for _, p in synthesized["egress"])


# --------------------------------------------------------------------------
# The topology
# --------------------------------------------------------------------------


class Topology:
    def __init__(self, tag: str) -> None:
        suffix = uuid.uuid4().hex[:5]
        self.ns = {n: f"nat-{tag}-{n}-{suffix}" for n in
                   ("priv", "vpc", "eni0", "eni1", "inst", "inet")}

    def __getitem__(self, name: str) -> str:
        return self.ns[name]

    def link(self, a: str, a_if: str, b: str, b_if: str) -> None:
        subprocess.run(["ip", "link", "add", a_if, "netns", self[a], "type", "veth",
                        "peer", "name", b_if, "netns", self[b]], check=True,
                       capture_output=True)

    def build(self, *, sg_ingress: list[tuple[str, int]], sg_egress: list[tuple[str, int]],
              source_dest_check: dict[int, bool]) -> None:
        for name in self.ns.values():
            subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
        for n in self.ns:
            ip(self[n], "link set lo up")
            sysctl(self[n], "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
        self.link("priv", "eth0", "vpc", "priv")
        self.link("inst", "eth0", "eni0", "inst")
        self.link("inst", "eth1", "eni1", "inst")
        self.link("eni0", "vpc", "vpc", "eni0")
        self.link("eni1", "vpc", "vpc", "eni1")
        self.link("vpc", "inet", "inet", "eth0")

        # private host
        ip(self["priv"], f"addr add {PRIV_HOST}/24 dev eth0")
        ip(self["priv"], "link set eth0 up")
        ip(self["priv"], "route add default via 10.0.128.1")

        # internet server
        ip(self["inet"], f"addr add {SERVER}/24 dev eth0")
        ip(self["inet"], "link set eth0 up")
        ip(self["inet"], "route add 198.51.100.0/24 via 203.0.113.1")

        # VPC router + internet gateway
        v = self["vpc"]
        sysctl(v, "net.ipv4.ip_forward=1")
        for dev in ("priv", "eni0", "eni1", "inet"):
            ip(v, f"link set {dev} up")
        ip(v, "addr add 10.0.128.1/24 dev priv")
        ip(v, "addr add 192.168.0.0/31 dev eni0")
        ip(v, "addr add 192.168.1.0/31 dev eni1")
        ip(v, "addr add 203.0.113.1/24 dev inet")
        for i in (0, 1):
            ip(v, f"route add {ADDR[i]}/32 via 192.168.{i}.1 dev eni{i}")
            ip(v, f"route add {ADDR[i]}/32 via 192.168.{i}.1 dev eni{i} table 200")
        # the private subnets' route table: VPC-local, and 0.0.0.0/0 -> the fixed interface
        ip(v, "route add 10.0.128.0/24 dev priv table 200")
        ip(v, "route add default via 192.168.1.1 dev eni1 table 200")
        ip(v, "rule add priority 100 iif priv lookup 200")
        for i, public in ((0, PRIMARY_PUBLIC), (1, FAKE_EIP)):
            ipt(v, f"-t nat -A PREROUTING -i inet -d {public} -j DNAT --to-destination {ADDR[i]}")
            ipt(v, f"-t nat -A POSTROUTING -o inet -s {ADDR[i]} -j SNAT --to-source {public}")
            ipt(v, f"-A FORWARD -o inet -s {ADDR[i]} -j ACCEPT")
        ipt(v, "-A FORWARD -o inet -m comment --comment igw-no-public-address -j DROP")

        # each interface as AWS runs it: its own connection tracking, its SG, its check
        for i in (0, 1):
            e = self[f"eni{i}"]
            sysctl(e, "net.ipv4.ip_forward=1")
            ip(e, "link set inst up")
            ip(e, "link set vpc up")
            ip(e, "addr add 10.0.0.1/32 dev inst")
            ip(e, f"addr add 192.168.{i}.1/31 dev vpc")
            ip(e, f"route add {ADDR[i]}/32 dev inst")
            ip(e, f"route add {ADDR[i]}/32 dev inst table 300")
            ip(e, f"route add default via {ADDR[i]} dev inst table 300")
            ip(e, f"route add default via 192.168.{i}.0 dev vpc table 301")
            ip(e, "rule add priority 100 iif vpc lookup 300")
            ip(e, "rule add priority 101 iif inst lookup 301")
            ipt(e, "-P FORWARD DROP")
            if source_dest_check[i]:
                ipt(e, f"-A FORWARD -i inst ! -s {ADDR[i]} -m comment --comment sdc -j DROP")
                ipt(e, f"-A FORWARD -o inst ! -d {ADDR[i]} -m comment --comment sdc -j DROP")
            ipt(e, "-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT")
            for cidr, port in sg_ingress:
                ipt(e, f"-A FORWARD -i vpc -o inst -p tcp -s {cidr} --dport {port} "
                       "-m conntrack --ctstate NEW -j ACCEPT")
            for cidr, port in sg_egress:
                ipt(e, f"-A FORWARD -i inst -o vpc -p tcp -d {cidr} --dport {port} "
                       "-m conntrack --ctstate NEW -j ACCEPT")
            ipt(e, "-A FORWARD -i inst -m comment --comment sg-egress-drop -j DROP")
            ipt(e, "-A FORWARD -i vpc -m comment --comment sg-ingress-drop -j DROP")

        # the instance as Amazon Linux 2023 and amazon-ec2-net-utils leave it
        n = self["inst"]
        sysctl(n, "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=1")
        for i in (0, 1):
            ip(n, f"link set eth{i} address {MAC[i]}")
            sysctl(n, f"net.ipv4.conf.eth{i}.rp_filter=1")
            ip(n, f"link set eth{i} up")
        ip(n, f"addr add {PRIMARY}/24 dev eth0 metric 512")
        ip(n, "route add default via 10.0.0.1 dev eth0 metric 512")
        ip(n, f"addr add {FIXED}/24 dev eth1 metric 522")
        ip(n, f"route add 10.0.0.0/24 dev eth1 scope link src {FIXED} metric 522 table 10001")
        ip(n, f"route add default via 10.0.0.1 dev eth1 src {FIXED} metric 522 table 10001")
        ip(n, f"rule add priority 10001 from {FIXED} lookup 10001")

    def destroy(self) -> None:
        for name in self.ns.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def drops(self, ns: str, comment: str) -> int:
        """Packets counted by the rule with ``comment`` in namespace ``ns``."""
        out = sh(self[ns], "iptables", "-L", "FORWARD", "-v", "-n", "-x").stdout
        return sum(int(line.split()[0]) for line in out.splitlines()
                   if f"/* {comment} */" in line)

    def connect(self) -> str:
        """A TCP connection from the private host to the server: what the
        server answered (the address it saw), or the client's error."""
        server = subprocess.Popen(
            ["ip", "netns", "exec", self["inet"], sys.executable, "-c", _SERVER],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "listening"
            client = sh(self["priv"], sys.executable, "-c", _CLIENT, check=False)
            return (client.stdout + client.stderr).strip()
        finally:
            server.kill()
            server.wait()


_SERVER = f"""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("{SERVER}", {PORT}))
s.listen()
print("listening", flush=True)
s.settimeout(30)
conn, peer = s.accept()
data = conn.recv(100)
conn.sendall(b"pong from " + peer[0].encode() + b" to " + data)
conn.close()
"""

_CLIENT = f"""
import socket
try:
    c = socket.create_connection(("{SERVER}", {PORT}), timeout=4)
    c.sendall(b"ping")
    c.settimeout(4)
    print(c.recv(100).decode())
except OSError as e:
    print("FAILED", type(e).__name__, e)
"""


@pytest.fixture
def topology(synthesized, request) -> Iterator[Topology]:
    design = request.param
    topo = Topology(design)
    try:
        topo.build(sg_ingress=synthesized["ingress"], sg_egress=synthesized["egress"],
                   # new: the primary keeps its check (AWS's default); the old user data
                   # turned it off (modify-instance-attribute while it was the only one)
                   source_dest_check={0: design == "new", 1: synthesized["fixed_sdc"]})
        yield topo
    finally:
        topo.destroy()


# --------------------------------------------------------------------------
# The design in the user data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("topology", ["new"], indirect=True)
def test_private_host_reaches_the_internet_through_the_fixed_interface(
        topology: Topology, synthesized, tmp_path: Path):
    # the interface is still held by the instance this one replaces
    state = fake_state(mac=MAC[1], holder="i-0old00000000000000")
    proc, recorded, final = run_user_data(synthesized["user_data"], tmp_path, state,
                                          netns=topology["inst"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ready dev=eth1 address=10.0.0.20" in proc.stdout

    # the takeover: detach from the old holder, attach here at device index 1
    (detach,) = aws_calls(recorded, "ec2 detach-network-interface")
    assert option(detach, "--attachment-id") == "eni-attach-0old" and "--force" in detach
    (attach,) = aws_calls(recorded, "ec2 attach-network-interface")
    assert option(attach, "--device-index") == "1"
    assert option(attach, "--instance-id") == FAKE_INSTANCE_ID
    assert final["eni"]["holder"] == FAKE_INSTANCE_ID
    # success reported only now, after the forwarding check
    (done,) = aws_calls(recorded, "autoscaling complete-lifecycle-action")
    assert option(done, "--lifecycle-action-result") == "CONTINUE"
    (sig,) = aws_calls(recorded, "cloudformation signal-resource")
    assert option(sig, "--status") == "SUCCESS"
    assert recorded.index(done) < recorded.index(sig)
    probes = [c for c in recorded if c[0] == "curl" and "--interface" in c]
    assert probes and option(probes[0], "--interface") == FIXED, "probe from the NAT address"
    assert recorded.index(probes[0]) < recorded.index(done)
    assert not aws_calls(recorded, "autoscaling set-instance-health")

    reply = topology.connect()
    assert reply == f"pong from {FAKE_EIP} to ping", reply
    # nothing went the asymmetric way
    assert topology.drops("eni0", "sg-egress-drop") == 0
    assert topology.drops("eni1", "sg-egress-drop") == 0

    # every boot and every minute: the installed script and units, idempotent
    out = tmp_path / "out"
    unit = (out / "system" / "vpc-patterns-nat.service").read_text()
    assert f"ExecStart=/usr/local/sbin/vpc-patterns-nat {MAC[1]}" in unit
    assert "OnUnitActiveSec=1min" in (out / "system" / "vpc-patterns-nat.timer").read_text()
    assert "ManageForeignRoutingPolicyRules=no" in (
        out / "networkd.conf.d" / "90-vpc-patterns-nat.conf").read_text()
    installed = (out / "vpc-patterns-nat").read_text()
    assert installed == heredoc(synthesized["user_data"], "/usr/local/sbin/vpc-patterns-nat",
                                "VPC_PATTERNS_NAT_ROUTING")
    before = _rules_and_nat(topology)
    script = tmp_path / "routing.sh"
    script.write_text(installed)
    for _ in range(2):
        sh(topology["inst"], "bash", str(script), MAC[1])
    assert _rules_and_nat(topology) == before, "re-applying changed the rules"
    assert topology.connect() == f"pong from {FAKE_EIP} to ping"


def _asymmetric_drops(topo: Topology) -> int:
    """Packets the instance dropped because they came in on eth1 and would leave otherwise."""
    out = sh(topo["inst"], "iptables", "-L", "FORWARD", "-v", "-n", "-x").stdout
    return sum(int(line.split()[0]) for line in out.splitlines()
               if " DROP " in line and " eth1 " in line and " !eth1 " in line)


def _rules_and_nat(topo: Topology) -> tuple[str, str, str]:
    n = topo["inst"]
    return (sh(n, "ip", "rule", "show").stdout, sh(n, "iptables", "-S").stdout,
            sh(n, "iptables", "-t", "nat", "-S").stdout)


@pytest.mark.parametrize("topology", ["new"], indirect=True)
def test_a_rule_removed_by_networkd_is_restored_by_the_next_run(
        topology: Topology, synthesized, tmp_path: Path):
    script = tmp_path / "routing.sh"
    script.write_text(heredoc(synthesized["user_data"], "/usr/local/sbin/vpc-patterns-nat",
                              "VPC_PATTERNS_NAT_ROUTING"))
    assert sh(topology["inst"], "bash", str(script), MAC[1]).returncode == 0
    assert topology.connect() == f"pong from {FAKE_EIP} to ping"
    # without the iif rule the stock AL2023 routing would send the flow out of
    # eth0; the instance's own FORWARD rule drops it rather than go asymmetric
    ip(topology["inst"], "rule del priority 1100")
    assert topology.connect().startswith("FAILED")
    assert _asymmetric_drops(topology) > 0
    assert topology.drops("eni0", "sg-egress-drop") == 0
    assert sh(topology["inst"], "bash", str(script), MAC[1]).returncode == 0
    assert topology.connect() == f"pong from {FAKE_EIP} to ping"


# --------------------------------------------------------------------------
# The previous design, for comparison
# --------------------------------------------------------------------------

#: What the previous user data did (its per-boot script and sysctls): forward,
#: loose reverse-path check, masquerade out of the main table's default route.
OLD_DESIGN = """
sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
OUT_IF=$(ip -4 route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$OUT_IF" -j MASQUERADE
iptables -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
"""


@pytest.mark.parametrize("topology", ["old"], indirect=True)
def test_previous_design_loses_the_replies_at_the_primary_interface(
        topology: Topology, tmp_path: Path):
    script = tmp_path / "old.sh"
    script.write_text(OLD_DESIGN)
    sh(topology["inst"], "bash", str(script))
    reply = topology.connect()
    assert reply.startswith("FAILED"), reply
    # the SYN went out (masqueraded as the primary) and the SYN-ACK came back,
    # but toward the private host it left by eth0: eni0 never saw that flow
    assert topology.drops("eni0", "sg-egress-drop") > 0
    assert topology.drops("eni1", "sg-egress-drop") == 0


# --------------------------------------------------------------------------
# A bootstrap that fails says so, and the group replaces the instance
# --------------------------------------------------------------------------


@pytest.fixture
def bare_instance() -> Iterator[str]:
    """An instance namespace with only the fixed interface (a veth whose
    peer stays in the namespace: the kernel here may have no dummy driver)."""
    ns = f"nat-bare-{uuid.uuid4().hex[:5]}"
    subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
    try:
        ip(ns, "link set lo up")
        ip(ns, f"link add eth1 address {MAC[1]} type veth peer name peer1")
        ip(ns, f"addr add {FIXED}/24 dev eth1")
        ip(ns, "link set peer1 up")
        ip(ns, "link set eth1 up")
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.mark.parametrize(("case", "state_kw", "attempts_of"), [
    ("attach refused", dict(fail=("ec2 attach-network-interface",)),
     ("ec2 attach-network-interface", 12)),
    ("interface never appears", dict(mac="02:00:00:00:00:99"), None),
    ("no Elastic IP on the interface", dict(public_ip=None), None),
    ("no way out from the NAT address", dict(probe_ok=False), None),
])
def test_failed_bootstrap_abandons_the_launch_and_signals_failure(
        bare_instance: str, synthesized, tmp_path: Path, case, state_kw, attempts_of):
    kw = {"mac": MAC[1], **state_kw}
    proc, recorded, final = run_user_data(synthesized["user_data"], tmp_path,
                                          fake_state(**kw), netns=bare_instance)
    assert proc.returncode == 1, (case, proc.stdout + proc.stderr)
    assert "BOOTSTRAP FAILED" in proc.stdout, case
    (done,) = aws_calls(recorded, "autoscaling complete-lifecycle-action")
    assert option(done, "--lifecycle-action-result") == "ABANDON", case
    assert final["lifecycle"] == "Terminating"
    (sig,) = aws_calls(recorded, "cloudformation signal-resource")
    assert option(sig, "--status") == "FAILURE", case
    sleeps = [int(c[1]) for c in recorded if c[0] == "sleep"]
    assert sleeps and max(sleeps) <= 30, sleeps
    if attempts_of is not None:
        op, n = attempts_of
        assert len(aws_calls(recorded, op)) == n, "bounded retries, each logged"
        assert proc.stdout.count("failed (attempt ") >= n - 1
    assert FAKE_ENI_ID in proc.stdout
