"""Linux network namespaces and the daemons run inside them, for datapath
tests (root only): strongSwan's charon with userland ESP (kernel-libipsec over
a TUN device: this kernel has no ESP transform and no XFRM interfaces) and
FRR's zebra, staticd and bgpd.

Every instance gets its own files: charon runs in a private mount namespace
whose /run is the instance's folder (its pid file path is compiled in), with
its own ``strongswan.conf`` (``STRONGSWAN_CONF``) and vici socket; the FRR
daemons get their own zserv socket, vty socket folder and pid files. Daemons
run in the foreground as children of the test, so :meth:`Lab.close` stops
exactly the processes it started, by pid, then deletes exactly the namespaces
it created. Traffic only ever goes to addresses inside these namespaces.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"
FRR_DIR = "/usr/lib/frr"
#: charon plugins of every instance: crypto for AWS's algorithms (gcm and the
#: ECP groups come from libstrongswan-standard-plugins), userland ESP,
#: netlink for addresses and routes, the vici socket swanctl talks to, the
#: updown hook.
CHARON_PLUGINS = ("random nonce aes sha1 sha2 hmac gcm openssl gmp curve25519 kdf pem pkcs1 "
                  "x509 revocation constraints pubkey kernel-libipsec kernel-netlink "
                  "socket-default vici updown")
#: Files the datapath tests need, with the Debian package that ships each.
DEBIAN_FILES = {
    "/usr/sbin/ip": "iproute2",
    "/usr/sbin/iptables": "iptables",
    "/usr/bin/unshare": "util-linux",
    CHARON: "strongswan-charon",
    SWANCTL: "strongswan-swanctl",
    "/usr/lib/ipsec/plugins/libstrongswan-vici.so": "strongswan-swanctl",
    "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so": "libcharon-extra-plugins",
    "/usr/lib/ipsec/plugins/libstrongswan-openssl.so": "libstrongswan-standard-plugins",
    "/usr/lib/ipsec/plugins/libstrongswan-gcm.so": "libstrongswan-standard-plugins",
    f"{FRR_DIR}/zebra": "frr",
    f"{FRR_DIR}/staticd": "frr",
    f"{FRR_DIR}/bgpd": "frr",
    "/usr/bin/vtysh": "frr",
}


def missing_prerequisites(files: Iterable[str] = DEBIAN_FILES) -> str | None:
    """Why a datapath test cannot run here (a skip reason), or None."""
    if sys.platform != "linux":
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth pairs, daemons)"
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        pkgs = sorted({DEBIAN_FILES.get(f, f) for f in missing})
        return (f"needs Debian's packages {' '.join(pkgs)} (missing {', '.join(missing)}); "
                f"apt-get install {' '.join(pkgs)}")
    probe = f"vpn-probe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                          check=False)
    if made.returncode != 0:
        return f"network namespaces unavailable: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def wait_for(what: str, check: Callable[[], object], *, timeout: float,
             interval: float = 0.2) -> object:
    """Poll ``check`` until it returns something true; its value, or
    AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Lab:
    """Namespaces named ``<prefix><pid>-<name>``, veth pairs between them, and
    daemons inside them; :meth:`close` (call it in a finalizer) undoes all.

    Namespace names are machine-wide: the process id keeps two test runs on
    one machine (two ``make test`` at once, or two xdist sessions) out of each
    other's namespaces, which :meth:`add_namespace` would otherwise delete as
    left-overs."""

    def __init__(self, prefix: str, workdir: Path) -> None:
        self.prefix = f"{prefix}{os.getpid()}-"
        self.workdir = workdir
        self.namespaces: list[str] = []
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    # -- namespaces and links ------------------------------------------------

    def ns(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def add_namespace(self, name: str) -> str:
        full = self.ns(name)
        # A namespace of the same name left by a killed process of the same id.
        subprocess.run(["ip", "netns", "del", full], capture_output=True, check=False)
        self.sh(["ip", "netns", "add", full])
        self.namespaces.append(full)
        self.ip(name, "link", "set", "lo", "up")
        self.sysctl(name, "net.ipv4.ip_forward", "1")
        return full

    def veth(self, a: str, a_if: str, b: str, b_if: str) -> None:
        self.sh(["ip", "link", "add", a_if, "netns", self.ns(a), "type", "veth", "peer", "name",
                 b_if, "netns", self.ns(b)])
        self.ip(a, "link", "set", a_if, "up")
        self.ip(b, "link", "set", b_if, "up")

    def sh(self, argv: Sequence[str], *, check: bool = True, env: dict[str, str] | None = None,
           timeout: float = 30) -> subprocess.CompletedProcess[str]:
        run = subprocess.run(list(argv), capture_output=True, text=True, env=env,
                             timeout=timeout, check=False)
        if check and run.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited {run.returncode}:\n{run.stdout}"
                                 f"{run.stderr}")
        return run

    def run(self, name: str, *argv: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """``argv`` inside namespace ``name``."""
        return self.sh(["ip", "netns", "exec", self.ns(name), *argv], check=check, env=env,
                       timeout=timeout)

    def ip(self, name: str, *args: str, check: bool = True) -> str:
        return self.sh(["ip", "-n", self.ns(name), *args], check=check).stdout

    def sysctl(self, name: str, key: str, value: str) -> None:
        self.run(name, "sysctl", "-qw", f"{key}={value}")

    # -- daemons -------------------------------------------------------------

    def spawn(self, name: str, label: str, argv: Sequence[str], *,
              env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """A daemon in the foreground inside namespace ``name``, its output in
        ``<workdir>/<label>.out``."""
        out = open(self.workdir / f"{label}.out", "wb")
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns(name), *argv], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        out.close()
        self.processes.append((label, proc))
        return proc

    def close(self) -> None:
        """Stop the daemons started here (by pid), then delete the namespaces
        created here. Safe to call twice."""
        for _, proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in reversed(self.processes):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.processes.clear()
        for full in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", full], capture_output=True, check=False)
        self.namespaces.clear()


class Charon:
    """One charon instance in a namespace, driven with swanctl over its own
    vici socket."""

    def __init__(self, lab: Lab, name: str, conf_text: str) -> None:
        self.lab = lab
        self.name = name
        self.dir = lab.workdir / f"charon-{name}"
        (self.dir / "run").mkdir(parents=True)
        self.socket = self.dir / "charon.vici"
        self.uri = f"unix://{self.socket}"
        self.log = self.dir / "charon.log"
        self.conf = self.dir / "strongswan.conf"
        self.conf.write_text(conf_text.replace("@VICI@", self.uri).replace("@LOG@", str(self.log)))
        env = {**os.environ, "STRONGSWAN_CONF": str(self.conf)}
        # Its own /run: /run/charon.pid is compiled into charon.
        self.proc = lab.spawn(name, f"charon-{name}", [
            "unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'mount --bind "{self.dir / "run"}" /run && exec {CHARON}'], env=env)
        wait_for(f"charon's vici socket in {name}", self._ready, timeout=10)

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"charon in {self.name} exited {self.proc.returncode}: "
                                 + (self.lab.workdir / f"charon-{self.name}.out").read_text())
        return self.socket.exists()

    def swanctl(self, *args: str, check: bool = True) -> str:
        return self.lab.sh([SWANCTL, *args, "--uri", self.uri], check=check).stdout

    def tun_device(self) -> str:
        """The TUN device kernel-libipsec created (``ipsec0``)."""
        out = str(wait_for(f"the libipsec TUN device in {self.name}",
                           lambda: self.lab.ip(self.name, "-o", "link", "show", "type", "tun"),
                           timeout=5))
        return out.split(":")[1].strip().split("@")[0]


def charon_conf(*, include: Path | None = None, extra: str = "") -> str:
    """A strongswan.conf for one instance: the plugins above, its own vici
    socket and log (``@VICI@`` and ``@LOG@``, filled in by :class:`Charon`),
    routes through the TUN device only after the main table (kernel-libipsec
    adds a default route into it for 0.0.0.0/0 selectors whatever
    ``install_routes`` says, which would swallow the IKE and ESP packets
    themselves), then ``include`` (a file's settings, as they are) and
    ``extra``."""
    inc = f"include {include}\n" if include else ""
    return f"""charon {{
    load_modular = no
    load = {CHARON_PLUGINS}
    routing_table_prio = 32767
    plugins {{
        vici {{
            socket = @VICI@
        }}
    }}
    filelog {{
        instance {{
            path = @LOG@
            time_format = %s
            ike_name = yes
            default = 1
            ike = 2
        }}
    }}
    syslog {{
        daemon {{
            default = -1
        }}
    }}
{extra}}}
{inc}"""


class Frr:
    """zebra, staticd and bgpd in a namespace, each reading ``conf`` itself
    (``-f``, as user frr after dropping privileges), with private sockets."""

    DAEMONS = ("zebra", "staticd", "bgpd")

    def __init__(self, lab: Lab, name: str, conf: Path) -> None:
        self.lab = lab
        self.name = name
        self.dir = lab.workdir / f"frr-{name}"
        self.dir.mkdir()
        shutil.chown(self.dir, "frr", "frr")
        zserv = self.dir / "zserv.api"
        for daemon in self.DAEMONS:
            lab.spawn(name, f"{daemon}-{name}", [
                f"{FRR_DIR}/{daemon}", "-u", "frr", "-g", "frr", "-f", str(conf), "-z", str(zserv),
                "--vty_socket", str(self.dir), "-i", str(self.dir / f"{daemon}.pid"), "-P", "0",
                "--log", f"file:{self.dir / daemon}.log"])
            wait_for(f"{daemon} in {name}", lambda d=daemon: (  # type: ignore[misc]
                self.dir / f"{d}.vty").exists(), timeout=10)

    def vtysh(self, command: str) -> str:
        return self.lab.sh(["vtysh", "--vty_socket", str(self.dir), "-c", command]).stdout


@contextlib.contextmanager
def lab(prefix: str, workdir: Path) -> Iterable[Lab]:  # type: ignore[misc]
    """A :class:`Lab` closed on exit, whatever happens."""
    the_lab = Lab(prefix, workdir)
    try:
        yield the_lab
    finally:
        the_lab.close()
