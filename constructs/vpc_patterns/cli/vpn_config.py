"""The operator's tool: render the on-premises side of a deployed
:class:`~vpc_patterns.build.vpn.SiteToSiteVpn`.

``python -m vpc_patterns vpn-config --outputs FILE --vpn-connections FILE --out DIR``

Inputs (no AWS call is made; both are files the operator produces):

1. ``--outputs``: the stack outputs, as written by
   ``cdk deploy <stack> --outputs-file outputs.json`` (``{"<stack>":
   {"<key>": "<value>", ...}}``). The construct's outputs give the connection
   and gateway ids, the customer gateway address and ASN, the Amazon-side
   ASN, the routing mode, the on-premises routes, the VPC CIDR, each tunnel's
   inside CIDR and secret ARN, and every tunnel option (``<prefix>TunnelOptions``).
2. ``--vpn-connections``: the tunnels' outside (AWS-side) addresses, which
   CloudFormation does not expose, from::

       aws ec2 describe-vpn-connections --vpn-connection-ids <VpnConnectionId> \\
         --query 'VpnConnections[].{VpnConnectionId: VpnConnectionId, State: State,
                  Options: {TunnelOptions: Options.TunnelOptions[].{
                    OutsideIpAddress: OutsideIpAddress, TunnelInsideCidr: TunnelInsideCidr}}}' \\
         > vpn-connections.json

   The ``--query`` keeps only what the tool needs: the full output also holds
   the pre-shared keys (``TunnelOptions[].PreSharedKey`` and the
   ``CustomerGatewayConfiguration`` XML), which the tool never reads but which
   would then sit in a file. The plain output (``{"VpnConnections": [...]}``)
   is accepted too. Each AWS tunnel is matched to its options by inside CIDR.

Written into ``--out``:

* ``swanctl.conf``: strongSwan (5.9 or later) with two connections,
  ``aws-tunnel1`` and ``aws-tunnel2``: IKE version, IKE and ESP proposals
  built from the tunnel options, lifetimes, dead peer detection, PSK
  authentication with both addresses as identities, route-based (XFRM
  interface ids, traffic selectors 0.0.0.0/0). The pre-shared keys are NOT
  written unless ``--psk-file`` is given: each ``secrets`` entry carries the
  ``aws secretsmanager get-secret-value`` command that prints its key.
* ``strongswan-aws-vpn.conf``: charon's settings the tunnels rely on, for
  ``/etc/strongswan.d/``: no routes of its own (the tunnels are route-based),
  and IKE retransmissions short enough that a dead tunnel is detected within
  AWS's dead peer detection timeout (IKEv2 has no DPD timeout of its own:
  strongSwan's default retransmissions take almost 3 minutes).
* ``ip-setup.sh``: the two XFRM interfaces with the tunnels' inside addresses
  (the device takes the second address of each /30, AWS the first), MTU, loose
  reverse-path filtering (AWS may answer over either tunnel) and TCP MSS
  clamping both ways. It checks for ``ip``, ``iptables`` and ``sysctl`` before
  changing anything, and running it again leaves the same state.
* ``aws-updown.sh`` (static routing): strongSwan's updown hook, which routes
  the VPC CIDR through a tunnel only while its IPsec SA is up (tunnel 1
  preferred), so traffic fails over to the other tunnel.
* ``frr.conf`` (BGP routing): an FRR configuration peering with AWS over both
  tunnels' inside addresses, advertising ``--advertise`` CIDRs, each with a
  discard route so that BGP's import check finds the exact prefix. Written
  mode 0640 and, where the group ``frr`` exists and the tool may, group
  ``frr``: the FRR daemons run as user ``frr`` and read it themselves.

``--dns-zone ZONE`` (repeatable) with ``--inbound-resolver IP`` (repeatable,
or the ``InboundResolverIps`` output of a HybridDns with fixed addresses)
also writes ``dns-forward-unbound.conf`` and ``dns-forward-bind.conf``: the
conditional forwarding of the VPC's private zones to the Route 53 Resolver
inbound endpoint (:mod:`vpc_patterns.cli.dns_forwarding`).

``--psk-file FILE`` (repeatable): a JSON object holding ``tunnel1`` and/or
``tunnel2`` (what ``get-secret-value --query SecretString --output text``
prints for the construct's secrets); ``swanctl.conf`` is then written with
the keys and mode 0600 (the other files hold no key).
"""

from __future__ import annotations

import argparse
import grp
import ipaddress
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.vpn import (
    PSK_SECRET_KEYS,
    TunnelOptions,
    parse_customer_gateway_ip,
    parse_inside_cidr,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: Output names of vpc_patterns.build.vpn.SiteToSiteVpn (kept here so this tool
#: needs no CDK import).
REQUIRED_OUTPUTS = (
    "VpnConnectionId", "VpnGatewayId", "CustomerGatewayIp", "CustomerBgpAsn", "AmazonSideAsn",
    "Routing", "VpcCidr", "Tunnel1PskSecretArn", "Tunnel2PskSecretArn", "TunnelOptions",
)
CONNECTION_SUFFIX = "VpnConnectionId"
#: strongSwan names of the AWS algorithms and DH groups.
ENCRYPTION = {"AES128": "aes128", "AES256": "aes256",
              "AES128-GCM-16": "aes128gcm16", "AES256-GCM-16": "aes256gcm16"}
INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
DH_GROUPS = {2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096",
             17: "modp6144", 18: "modp8192", 19: "ecp256", 20: "ecp384", 21: "ecp521",
             22: "modp1024s160", 23: "modp2048s224", 24: "modp2048s256"}
#: AWS's recommendation for its tunnels: an inner MTU of 1419 bytes and TCP
#: MSS clamped to 1379 (ESP, UDP encapsulation and the inner IP header fit in
#: a 1500-byte path).
TUNNEL_MTU = 1419
TCP_MSS = 1379
#: AWS sends DPD probes every 10 s; the device does the same.
DPD_DELAY_SECONDS = 10
#: charon's IKE retransmissions (``strongswan-aws-vpn.conf``). In IKEv2 a dead
#: peer is one that does not answer a DPD request and its retransmissions:
#: with strongSwan's defaults (4 s, growing 1.8 times, 5 retransmissions) that
#: is 165 s after the request, while AWS gives up after its DPD timeout (30 s
#: at least) and sends over the other tunnel. A retransmission every 3 s, 3
#: times, declares the peer dead 10 + 4 x 3 = 22 s after its last packet.
RETRANSMIT_TIMEOUT_SECONDS = 3
RETRANSMIT_TRIES = 3
#: Administrative distance of the discard route of each advertised network:
#: the largest, so that a route to the same prefix learned any other way wins.
DISCARD_ROUTE_DISTANCE = 254
#: Mode of frr.conf: the FRR daemons (user ``frr``) read it; it holds no key.
FRR_CONF_MODE = 0o640
FRR_GROUP = "frr"
#: AWS's BGP timers on VPN tunnels: keepalive 10 s, hold time 30 s.
BGP_KEEPALIVE_SECONDS, BGP_HOLD_SECONDS = 10, 30
#: XFRM interface ids and names of tunnel 1 and 2 (names <= 15 characters).
IF_IDS = (101, 102)
IF_NAMES = ("aws-tun1", "aws-tun2")
#: Route metrics of the VPC CIDR through tunnel 1 and 2 (static routing):
#: tunnel 1 preferred while both are up.
ROUTE_METRICS = (100, 200)
DEFAULT_UPDOWN_PATH = "/etc/swanctl/aws-updown.sh"
#: The charon settings file, for /etc/strongswan.d/.
STRONGSWAN_CONF = "strongswan-aws-vpn.conf"
DEFAULT_DEVICE = "eth0"
_PSK = re.compile(r"^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$")


@dataclass(frozen=True)
class Tunnel:
    number: int
    options: TunnelOptions
    outside_ip: str
    inside_cidr: str
    aws_inside_ip: str
    customer_inside_ip: str
    secret_arn: str
    secret_key: str
    psk: str | None
    ike_version: int
    ike_proposals: tuple[str, ...]
    esp_proposals: tuple[str, ...]
    if_id: int
    if_name: str
    metric: int


@dataclass(frozen=True)
class VpnDeployment:
    """Everything the templates need, read and checked from the two files."""

    stack: str
    prefix: str
    vpn_connection_id: str
    vpn_gateway_id: str
    customer_gateway_ip: str
    customer_bgp_asn: int
    amazon_side_asn: int
    routing: str
    static_routes: tuple[str, ...]
    vpc_cidr: str
    tunnels: tuple[Tunnel, Tunnel]


# --------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------


def ike_version(options: TunnelOptions) -> int:
    """swanctl ``version``: 1, 2, or 0 (either; strongSwan initiates IKEv2)."""
    versions = set(options.ike_versions)
    return 0 if versions == {"ikev1", "ikev2"} else 1 if versions == {"ikev1"} else 2


def ike_proposals(options: TunnelOptions) -> tuple[str, ...]:
    """IKE (phase 1) proposals: AEAD ciphers with the integrity algorithms as
    PRFs, then CBC ciphers with them as integrity algorithms."""
    dh = [DH_GROUPS[g] for g in options.phase1_dh_groups]
    aead = [ENCRYPTION[e] for e in options.phase1_encryption if "GCM" in e]
    cbc = [ENCRYPTION[e] for e in options.phase1_encryption if "GCM" not in e]
    out = []
    if aead and ike_version(options) != 1:  # IKEv1 has no AEAD for IKE itself
        out.append("-".join(aead + ["prf" + INTEGRITY[i] for i in options.phase1_integrity] + dh))
    if cbc:
        out.append("-".join(cbc + [INTEGRITY[i] for i in options.phase1_integrity] + dh))
    if not out:
        raise ConfigError(
            f"tunnel options with ike_versions {list(options.ike_versions)!r} and only GCM "
            f"phase 1 ciphers {list(options.phase1_encryption)!r}: IKEv1 cannot use GCM for IKE")
    return tuple(out)


def esp_proposals(options: TunnelOptions) -> tuple[str, ...]:
    """ESP (phase 2) proposals, with the phase 2 DH groups for PFS; AEAD
    ciphers carry no separate integrity algorithm."""
    dh = [DH_GROUPS[g] for g in options.phase2_dh_groups]
    aead = [ENCRYPTION[e] for e in options.phase2_encryption if "GCM" in e]
    cbc = [ENCRYPTION[e] for e in options.phase2_encryption if "GCM" not in e]
    out = []
    if aead:
        out.append("-".join(aead + dh))
    if cbc:
        out.append("-".join(cbc + [INTEGRITY[i] for i in options.phase2_integrity] + dh))
    return tuple(out)


# --------------------------------------------------------------------------
# Reading the inputs
# --------------------------------------------------------------------------


def _load_json(path: str | Path, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except OSError as err:
        raise ConfigError(f"{what} {str(path)!r} cannot be read: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{what} {str(path)!r} is not JSON: {err}") from None


def find_vpn_outputs(outputs: Any, *, stack: str | None = None,
                     prefix: str | None = None) -> tuple[str, str, Mapping[str, str]]:
    """(stack, output prefix, that stack's outputs) of the one VPN in the
    outputs file, or of ``stack`` / ``prefix`` when there are several."""
    if not isinstance(outputs, Mapping) or not all(
            isinstance(v, Mapping) for v in outputs.values()):
        raise ConfigError("the outputs file must map stack names to their outputs, as "
                          "`cdk deploy --outputs-file` writes it")
    found = []
    for name, outs in outputs.items():
        if stack is not None and name != stack:
            continue
        for key in outs:
            if key.endswith(CONNECTION_SUFFIX):
                p = key[: -len(CONNECTION_SUFFIX)]
                if prefix is None or p == prefix:
                    found.append((name, p, outs))
    if not found:
        where = f"stack {stack!r}" if stack else "any stack"
        raise ConfigError(f"no VPN outputs (a key ending in {CONNECTION_SUFFIX!r}) in {where} of "
                          f"the outputs file{f' with prefix {prefix!r}' if prefix else ''}; "
                          f"stacks: {', '.join(outputs) or 'none'}")
    if len(found) > 1:
        listed = ", ".join(f"{s}:{p}" for s, p, _ in found)
        raise ConfigError(f"the outputs file holds several VPNs ({listed}); choose one with "
                          "--stack and --vpn PREFIX")
    s, p, outs = found[0]
    missing = [n for n in REQUIRED_OUTPUTS if f"{p}{n}" not in outs]
    if missing:
        raise ConfigError(f"stack {s!r} lacks the VPN output {p}{missing[0]}; deploy the stack "
                          "with a vpc_patterns SiteToSiteVpn and write --outputs-file again")
    return s, p, {k[len(p):]: str(v) for k, v in outs.items() if k.startswith(p)}


def outside_addresses(data: Any, vpn_connection_id: str) -> dict[str, str]:
    """inside CIDR -> outside (AWS) address of each tunnel of the connection,
    from describe-vpn-connections output (plain or reduced by --query)."""
    conns = data.get("VpnConnections") if isinstance(data, Mapping) else data
    if not isinstance(conns, list):
        raise ConfigError("the --vpn-connections file must be the JSON of `aws ec2 "
                          "describe-vpn-connections` (an object with VpnConnections, or the list "
                          "its --query prints)")
    ids = [c.get("VpnConnectionId") for c in conns if isinstance(c, Mapping)]
    match = [c for c in conns if isinstance(c, Mapping)
             and c.get("VpnConnectionId") == vpn_connection_id]
    if not match:
        raise ConfigError(f"VPN connection {vpn_connection_id} (from the stack outputs) is not in "
                          f"the --vpn-connections file, which lists {ids or 'no connection'}")
    conn = match[0]
    if conn.get("State") not in (None, "available"):
        raise ConfigError(f"VPN connection {vpn_connection_id} is {conn.get('State')!r}, not "
                          "'available'; wait for the deployment, then describe it again")
    tunnels = (conn.get("Options") or {}).get("TunnelOptions")
    if not isinstance(tunnels, list) or len(tunnels) != 2:
        raise ConfigError(f"VPN connection {vpn_connection_id} in the --vpn-connections file has "
                          "no Options.TunnelOptions with two tunnels; describe it again with the "
                          "query of the README")
    out: dict[str, str] = {}
    for t in tunnels:
        inside = parse_inside_cidr(t.get("TunnelInsideCidr"), "TunnelInsideCidr")
        try:
            ip = ipaddress.ip_address(t.get("OutsideIpAddress", ""))
        except ValueError:
            ip = None
        if not isinstance(ip, ipaddress.IPv4Address):
            raise ConfigError(f"tunnel {inside} of {vpn_connection_id} has no IPv4 "
                              f"OutsideIpAddress ({t.get('OutsideIpAddress')!r})")
        out[inside] = str(ip)
    return out


def load_psk_files(paths: Sequence[str | Path]) -> dict[str, str]:
    """Merge ``{"tunnel1": ..., "tunnel2": ...}`` objects; each key is checked
    against AWS's pre-shared key format (it is written into a config file)."""
    keys: dict[str, str] = {}
    for path in paths:
        data = _load_json(path, "--psk-file")
        if not isinstance(data, Mapping):
            raise ConfigError(f"--psk-file {str(path)!r} must be a JSON object with "
                              f"{' and/or '.join(PSK_SECRET_KEYS)}")
        for k, v in data.items():
            if k not in PSK_SECRET_KEYS:
                continue
            if not isinstance(v, str) or not _PSK.match(v):
                # Never echo the value: it is a secret.
                raise ConfigError(f"--psk-file {str(path)!r}: {k} is not a VPN pre-shared key "
                                  "(8..64 letters, digits, '.' or '_', not starting with 0)")
            keys[k] = v
    return keys


def read_deployment(outputs_path: str | Path, connections_path: str | Path, *,
                    stack: str | None = None, prefix: str | None = None,
                    psk_files: Sequence[str | Path] = ()) -> VpnDeployment:
    name, p, outs = find_vpn_outputs(_load_json(outputs_path, "--outputs"), stack=stack,
                                     prefix=prefix)
    try:
        raw = json.loads(outs["TunnelOptions"])
    except json.JSONDecodeError:
        raise ConfigError(f"output {p}TunnelOptions is not JSON") from None
    if not isinstance(raw, list) or len(raw) != 2:
        raise ConfigError(f"output {p}TunnelOptions must list two tunnels")
    options = [TunnelOptions.from_dict(t) for t in raw]
    vpn_id = outs["VpnConnectionId"]
    outside = outside_addresses(_load_json(connections_path, "--vpn-connections"), vpn_id)
    psks = load_psk_files(psk_files)
    routing = outs["Routing"]
    if routing not in ("static", "bgp"):
        raise ConfigError(f"output {p}Routing is {routing!r}; expected static or bgp")
    try:
        customer_asn, amazon_asn = int(outs["CustomerBgpAsn"]), int(outs["AmazonSideAsn"])
        vpc = str(ipaddress.ip_network(outs["VpcCidr"]))
        routes = tuple(str(ipaddress.ip_network(c))
                       for c in outs.get("StaticRoutes", "").split(",") if c)
    except ValueError as err:
        raise ConfigError(f"stack {name!r}: malformed VPN output ({err})") from None
    tunnels = []
    for i, opt in enumerate(options):
        assert opt.inside_cidr is not None
        if opt.inside_cidr not in outside:
            raise ConfigError(f"tunnel {i + 1} inside CIDR {opt.inside_cidr} (stack outputs) is "
                              f"not a tunnel of {vpn_id} in the --vpn-connections file "
                              f"({', '.join(outside)}); are both files of the same deployment?")
        hosts = list(ipaddress.ip_network(opt.inside_cidr).hosts())
        key = PSK_SECRET_KEYS[i]
        tunnels.append(Tunnel(
            number=i + 1, options=opt, outside_ip=outside[opt.inside_cidr],
            inside_cidr=opt.inside_cidr, aws_inside_ip=str(hosts[0]),
            customer_inside_ip=str(hosts[1]), secret_arn=outs[f"Tunnel{i + 1}PskSecretArn"],
            secret_key=key, psk=psks.get(key), ike_version=ike_version(opt),
            ike_proposals=ike_proposals(opt), esp_proposals=esp_proposals(opt),
            if_id=IF_IDS[i], if_name=IF_NAMES[i], metric=ROUTE_METRICS[i],
        ))
    return VpnDeployment(
        stack=name, prefix=p, vpn_connection_id=vpn_id, vpn_gateway_id=outs["VpnGatewayId"],
        customer_gateway_ip=parse_customer_gateway_ip(outs["CustomerGatewayIp"]),
        customer_bgp_asn=customer_asn, amazon_side_asn=amazon_asn, routing=routing,
        static_routes=routes, vpc_cidr=vpc, tunnels=(tunnels[0], tunnels[1]),
    )


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def render(deployment: VpnDeployment, *, local_address: str | None = None,
           advertise: Sequence[str] = (), device: str = DEFAULT_DEVICE,
           updown_path: str = DEFAULT_UPDOWN_PATH) -> dict[str, str]:
    """File name -> text of the on-premises configuration."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    local = deployment.customer_gateway_ip
    if local_address is not None:
        try:
            local = str(ipaddress.IPv4Address(local_address))
        except ValueError:
            raise ConfigError(f"--local-address {local_address!r} is not an IPv4 address") from None
    nets = []
    for c in advertise:
        try:
            nets.append(str(ipaddress.IPv4Network(c)))
        except ValueError:
            raise ConfigError(f"--advertise {c!r} is not an aligned IPv4 CIDR") from None
    if nets and deployment.routing != "bgp":
        routes = ", ".join(deployment.static_routes)
        raise ConfigError("--advertise is for BGP routing; with static routing the on-premises "
                          f"CIDRs are the stack's static routes ({routes})")
    if not re.match(r"^[A-Za-z0-9_.-]{1,15}$", device):
        raise ConfigError(f"--device {device!r} is not a network interface name")
    if not re.match(r"^/[A-Za-z0-9_./-]+$", updown_path):
        raise ConfigError(f"--updown-path {updown_path!r} must be an absolute path")
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                      autoescape=False)  # configuration files, not HTML
    dpd_timeout = min(t.options.dpd_timeout_seconds for t in deployment.tunnels)
    detection = dead_peer_detection_seconds()
    if detection > dpd_timeout:  # the plan keeps dpd_timeout_seconds >= 30
        raise ConfigError(f"tunnel DPD timeout {dpd_timeout} s is shorter than the device's "
                          f"dead peer detection ({detection} s)")
    ctx = {"d": deployment, "local_address": local, "advertise": nets, "device": device,
           "updown_path": updown_path, "mtu": TUNNEL_MTU, "mss": TCP_MSS,
           "dpd_delay": DPD_DELAY_SECONDS, "keepalive": BGP_KEEPALIVE_SECONDS,
           "hold": BGP_HOLD_SECONDS, "retransmit_timeout": RETRANSMIT_TIMEOUT_SECONDS,
           "retransmit_tries": RETRANSMIT_TRIES, "detection": detection,
           "dpd_timeout": dpd_timeout, "discard_distance": DISCARD_ROUTE_DISTANCE,
           "frr_mode": f"{FRR_CONF_MODE:04o}", "frr_group": FRR_GROUP}
    files = {"swanctl.conf": env.get_template("vpn-swanctl.conf.j2").render(ctx),
             STRONGSWAN_CONF: env.get_template("vpn-strongswan.conf.j2").render(ctx),
             "ip-setup.sh": env.get_template("vpn-ip-setup.sh.j2").render(ctx)}
    if deployment.routing == "static":
        files["aws-updown.sh"] = env.get_template("vpn-updown.sh.j2").render(ctx)
    else:
        files["frr.conf"] = env.get_template("vpn-frr.conf.j2").render(ctx)
    return files


def dead_peer_detection_seconds() -> int:
    """Seconds from AWS's last packet until the device's charon declares an
    IKEv2 tunnel dead: the DPD delay, then the request and its
    retransmissions, each waited for ``RETRANSMIT_TIMEOUT_SECONDS``."""
    return DPD_DELAY_SECONDS + (RETRANSMIT_TRIES + 1) * RETRANSMIT_TIMEOUT_SECONDS


def file_mode(name: str, *, secret: bool) -> int:
    """Mode of a written file: scripts executable, swanctl.conf private when
    it holds the keys, frr.conf readable by the FRR daemons' group."""
    if name.endswith(".sh"):
        return 0o755
    if name == "frr.conf":
        return FRR_CONF_MODE
    return 0o600 if secret and name == "swanctl.conf" else 0o644


def frr_gid() -> int | None:
    """The group id of ``frr`` on this machine, or None."""
    try:
        return grp.getgrnam(FRR_GROUP).gr_gid
    except KeyError:
        return None


def write(out_dir: str | Path, files: Mapping[str, str], *, secret: bool) -> list[Path]:
    """Write the files with :func:`file_mode`; frr.conf also gets the group
    ``frr`` where it exists and this process may give it (root, or a member)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        mode = file_mode(name, secret=secret)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        if name == "frr.conf" and (gid := frr_gid()) is not None:
            try:
                os.chown(path, -1, gid)
            except PermissionError:
                pass  # the run prints how to install it with the right owner
        os.chmod(path, mode)  # also when the file existed with another mode
        written.append(path)
    return written


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _dns_files(args: argparse.Namespace) -> dict[str, str]:
    """The conditional-forwarding snippets, when ``--dns-zone`` is given."""
    from vpc_patterns.cli import dns_forwarding as fwd

    zones, resolvers = args.dns_zone or (), args.inbound_resolver or ()
    if not zones:
        if resolvers:
            raise ConfigError("--inbound-resolver is given without --dns-zone; name the VPC's "
                              "private zones the on-premises DNS servers should forward")
        return {}
    if not resolvers:
        resolvers = fwd.inbound_ips_from_outputs(_load_json(args.outputs, "--outputs"), args.stack)
    return fwd.render_forwarding(*fwd.parse_forwarding(zones, resolvers))


def run_vpn_config(args: argparse.Namespace) -> int:
    try:
        dep = read_deployment(args.outputs, args.vpn_connections, stack=args.stack,
                              prefix=args.vpn, psk_files=args.psk_file or ())
        files = render(dep, local_address=args.local_address, advertise=args.advertise or (),
                       device=args.device, updown_path=args.updown_path)
        files.update(_dns_files(args))
        paths = write(args.out, files, secret=any(t.psk for t in dep.tunnels))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{dep.vpn_connection_id} ({dep.stack}, {dep.routing} routing): "
          + ", ".join(str(p) for p in paths))
    for t in dep.tunnels:
        print(f"  tunnel {t.number}: {t.customer_inside_ip} (this device) <-> {t.aws_inside_ip} "
              f"(AWS) via {t.outside_ip}; key "
              + ("written" if t.psk else f"NOT written: see swanctl.conf ({t.secret_arn})"))
    frr = Path(args.out) / "frr.conf"
    if "frr.conf" in files and frr.stat().st_gid != frr_gid():
        print(f"  {frr} is not group {FRR_GROUP} here: the FRR daemons (user {FRR_GROUP}) read "
              f"it themselves; install it with `install -o {FRR_GROUP} -g {FRR_GROUP} -m "
              f"{FRR_CONF_MODE:04o} frr.conf /etc/frr/frr.conf`")
    return 0


def add_vpn_config_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``vpn-config`` on the ``python -m vpc_patterns`` subparsers;
    its handler is the ``handler`` default."""
    p = subparsers.add_parser(
        "vpn-config", help="render the on-premises strongSwan (and FRR) configuration of a VPN",
        description="Render swanctl.conf, strongswan-aws-vpn.conf, ip-setup.sh and "
                    "aws-updown.sh (static) or frr.conf (BGP) for the on-premises device "
                    "of a deployed SiteToSiteVpn, from the "
                    "stack outputs and the tunnels' outside addresses. Pre-shared keys are "
                    "written only with --psk-file. Exit 0 written, 2 on bad input.")
    p.add_argument("--outputs", required=True, metavar="FILE",
                   help="outputs of `cdk deploy --outputs-file FILE`")
    p.add_argument("--vpn-connections", required=True, metavar="FILE",
                   help="JSON of `aws ec2 describe-vpn-connections` for the connection")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created)")
    p.add_argument("--stack", help="stack of the outputs file (when several hold a VPN)")
    p.add_argument("--vpn", metavar="PREFIX", help="output prefix of the VPN (when a stack has "
                                                   "several; default: the construct id)")
    p.add_argument("--psk-file", action="append", metavar="FILE",
                   help="JSON with tunnel1 and/or tunnel2 keys (repeat); without it the keys "
                        "are not written")
    p.add_argument("--local-address", metavar="IP",
                   help="the device's own outside address, when it is behind NAT (default: the "
                        "customer gateway address)")
    p.add_argument("--advertise", action="append", metavar="CIDR",
                   help="on-premises CIDR FRR advertises over BGP (repeat; BGP only)")
    p.add_argument("--device", default=DEFAULT_DEVICE,
                   help=f"the device's outside interface (default {DEFAULT_DEVICE})")
    p.add_argument("--updown-path", default=DEFAULT_UPDOWN_PATH,
                   help=f"where aws-updown.sh is installed (default {DEFAULT_UPDOWN_PATH})")
    p.add_argument("--dns-zone", action="append", metavar="ZONE",
                   help="a private zone of the VPC the on-premises DNS servers forward to the "
                        "Route 53 Resolver inbound endpoint (repeat)")
    p.add_argument("--inbound-resolver", action="append", metavar="IP",
                   help="an address of the inbound endpoint (repeat; default: the stack's "
                        "InboundResolverIps output)")
    p.set_defaults(handler=run_vpn_config)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vpc_patterns.cli.vpn_config ...`` (the same as ``vpn-config``)."""
    parser = argparse.ArgumentParser(prog="python -m vpc_patterns")
    add_vpn_config_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["vpn-config", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
