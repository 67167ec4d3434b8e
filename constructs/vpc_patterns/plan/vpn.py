"""Site-to-site VPN as data: validation and defaults, no CDK import.

:func:`plan_vpn` checks every input of :class:`~vpc_patterns.build.vpn.SiteToSiteVpn`
against what AWS accepts and returns a frozen :class:`VpnPlan`; the construct
only turns the plan into CloudFormation, and the operator's tool
(:mod:`vpc_patterns.cli.vpn_config`) reads the same :class:`TunnelOptions` back
from the stack outputs to render the on-premises side. Bad input raises
:class:`~vpc_patterns.ConfigError` naming the value and what is accepted.

Why the customer gateway may be a documentation address
-------------------------------------------------------
Private, shared (carrier-grade NAT), loopback, link-local, multicast and
reserved addresses are refused: a virtual private gateway reaches the
customer gateway over the internet, so such an address can never answer.
The three documentation ranges of RFC 5737 (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24) are *accepted*: they are what examples (this library's
reference app, AWS's own documentation) use in place of someone's real
address, AWS creates a customer gateway with one, and the tunnels simply stay
down until the address is replaced by the device's real one. The construct
adds an info annotation when it sees one.

The module runs past 500 lines because every tunnel option is documented with
its AWS range, its default and the reason for it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.network import SubnetKind, VpcPlan

# --------------------------------------------------------------------------
# What AWS accepts (EC2 VpnTunnelOptionsSpecification, CreateCustomerGateway,
# CreateVpnGateway).
# --------------------------------------------------------------------------

IKE_VERSIONS = ("ikev1", "ikev2")
ENCRYPTION_ALGORITHMS = ("AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16")
INTEGRITY_ALGORITHMS = ("SHA1", "SHA2-256", "SHA2-384", "SHA2-512")
PHASE1_DH_GROUPS = (2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
PHASE2_DH_GROUPS = (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
DPD_TIMEOUT_ACTIONS = ("clear", "none", "restart")
STARTUP_ACTIONS = ("add", "start")
MIN_DPD_TIMEOUT_SECONDS = 30
PHASE1_LIFETIME_RANGE = (900, 28800)
PHASE2_LIFETIME_RANGE = (900, 3600)
ROUTING_MODES = ("static", "bgp")

#: Tunnel inside CIDRs are /30 blocks of the link-local range.
INSIDE_RANGE = ipaddress.IPv4Network("169.254.0.0/16")
INSIDE_PREFIX = 30
#: /30 blocks AWS refuses as tunnel inside CIDRs (in use by AWS services,
#: e.g. 169.254.169.252/30 around the instance metadata and DNS addresses).
RESERVED_INSIDE_CIDRS = (
    "169.254.0.0/30", "169.254.1.0/30", "169.254.2.0/30", "169.254.3.0/30",
    "169.254.4.0/30", "169.254.5.0/30", "169.254.169.252/30",
)

#: Customer gateway BGP ASN (2-byte and 4-byte, CustomerGateway.BgpAsn).
CUSTOMER_ASN_RANGE = (1, 2147483647)
#: 7224 is reserved by AWS in every region.
RESERVED_CUSTOMER_ASNS: Mapping[int, str | None] = {
    7224: None, 9059: "eu-west-1", 10124: "ap-northeast-1", 17943: "ap-southeast-1",
}
#: Amazon-side ASN of a virtual private gateway: a private 16-bit or 32-bit ASN.
AMAZON_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))

# --------------------------------------------------------------------------
# Defaults, each a named constant with the reason for it.
# --------------------------------------------------------------------------

#: The first private 16-bit ASN: the customary default when the on-premises
#: network has no public ASN of its own (AWS's console suggests it too).
DEFAULT_CUSTOMER_BGP_ASN = 65000
#: AWS's own default for a virtual private gateway.
DEFAULT_AMAZON_SIDE_ASN = 64512
#: Explicit inside CIDRs instead of AWS's random ones: the on-premises
#: configuration can then be rendered from the stack outputs, each tunnel of
#: ``describe-vpn-connections`` is matched to its options by inside CIDR, and
#: the addresses are reviewable before deploy. Outside the reserved blocks.
DEFAULT_INSIDE_CIDRS = ("169.254.10.0/30", "169.254.10.4/30")
#: The default inside CIDRs per routing mode. The routing mode is the one
#: create-only property of the connection the library sets that a user
#: changes (``StaticRoutesOnly``): changing it replaces the connection, and
#: CloudFormation creates the replacement first, on the same gateway, while
#: the old one still holds its inside CIDRs, which EC2 wants unique per
#: gateway. Each mode therefore has its own pair, so a switch between static
#: and BGP with default addresses never collides with the connection it
#: replaces. Static keeps the addresses every earlier release gave it.
DEFAULT_INSIDE_CIDRS_BY_ROUTING: Mapping[str, tuple[str, str]] = {
    "static": DEFAULT_INSIDE_CIDRS,
    "bgp": ("169.254.10.8/30", "169.254.10.12/30"),
}
#: IKEv2 only: fewer round trips, built-in liveness checks and it is the only
#: version AWS will initiate (``startup_action='start'``).
DEFAULT_IKE_VERSIONS = ("ikev2",)
#: AES-256 in GCM (authenticated, fastest on current hardware) first, CBC for
#: devices without GCM; AES-128 and SHA-1 are left out (NIST SP 800-77r1
#: prefers 256-bit keys and SHA-2 for new deployments).
DEFAULT_ENCRYPTION = ("AES256-GCM-16", "AES256")
DEFAULT_INTEGRITY = ("SHA2-384", "SHA2-256")
#: ECP 384/256 and 2048-bit MODP (group 14, the oldest group NIST still
#: accepts): groups 2, 5 and 22-24 are weak or deprecated.
DEFAULT_DH_GROUPS = (20, 19, 14)
#: AWS's defaults: 8 hours for IKE (phase 1), 1 hour for IPsec (phase 2).
DEFAULT_PHASE1_LIFETIME_SECONDS = 28800
DEFAULT_PHASE2_LIFETIME_SECONDS = 3600
#: The shortest timeout AWS allows: the surviving tunnel takes over sooner.
DEFAULT_DPD_TIMEOUT_SECONDS = MIN_DPD_TIMEOUT_SECONDS
#: AWS's default ``clear`` drops the tunnel and waits for the customer
#: gateway to come back; ``restart`` makes AWS re-initiate IKE, so a tunnel
#: recovers even when the device only answers.
DEFAULT_DPD_TIMEOUT_ACTION = "restart"
#: AWS initiates IKE when the connection is created or modified, so the
#: tunnels come up without waiting for traffic from the device.
DEFAULT_STARTUP_ACTION = "start"
#: The JSON keys of the pre-shared keys in the Secrets Manager secret(s).
PSK_SECRET_KEYS = ("tunnel1", "tunnel2")

_CGW_REFUSED = tuple((ipaddress.ip_network(c), why) for c, why in (
    ("0.0.0.0/8", "'this network' (RFC 791)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (RFC 1112, includes the broadcast address)"),
))
#: Accepted on purpose (see the module docstring).
DOCUMENTATION_RANGES = tuple(ipaddress.ip_network(c) for c in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def _words(value: Any, name: str, accepted: Sequence[str], *, upper: bool) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"{name} {value!r} must be a list, e.g. [{accepted[-1]!r}]")
    out: list[str] = []
    for v in value:
        norm = v.upper() if upper and isinstance(v, str) else v.lower() if isinstance(v, str) else v
        if norm not in accepted:
            raise ConfigError(f"{name}: {v!r} is not accepted; AWS accepts {', '.join(accepted)}")
        if norm in out:
            raise ConfigError(f"{name} lists {v!r} more than once")
        out.append(norm)
    if not out:
        raise ConfigError(f"{name} is empty; give at least one of {', '.join(accepted)}")
    return tuple(out)


def _groups(value: Any, name: str, accepted: Sequence[int]) -> tuple[int, ...]:
    if isinstance(value, (str, int)) or not isinstance(value, Iterable):
        raise ConfigError(f"{name} {value!r} must be a list of DH group numbers, e.g. [20, 14]")
    out: list[int] = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v not in accepted:
            raise ConfigError(f"{name}: {v!r} is not a DH group AWS accepts here; accepted: "
                              f"{', '.join(map(str, accepted))}")
        if v in out:
            raise ConfigError(f"{name} lists group {v} more than once")
        out.append(v)
    if not out:
        raise ConfigError(f"{name} is empty; give at least one of {', '.join(map(str, accepted))}")
    return tuple(out)


def _int_in(value: Any, name: str, lo: int, hi: int | None, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (
            hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise ConfigError(f"{name} {value!r} is out of range; accepted {rng} ({why})")
    return value


def parse_inside_cidr(value: Any, name: str = "inside_cidr") -> str:
    """A tunnel inside CIDR: a /30 inside 169.254.0.0/16, not a reserved block."""
    try:
        net = ipaddress.ip_network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        net = None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ConfigError(f"{name} {value!r} is not an IPv4 CIDR; expected a /30 inside "
                          f"{INSIDE_RANGE}, e.g. {DEFAULT_INSIDE_CIDRS[0]!r}")
    if not net.subnet_of(INSIDE_RANGE):
        raise ConfigError(f"{name} {value!r} is outside {INSIDE_RANGE}; tunnel inside CIDRs are "
                          f"/30 blocks of the link-local range, e.g. {DEFAULT_INSIDE_CIDRS[0]!r}")
    if net.prefixlen != INSIDE_PREFIX:
        raise ConfigError(f"{name} {value!r} is a /{net.prefixlen}; tunnel inside CIDRs must be "
                          f"a /{INSIDE_PREFIX} (one address for AWS, one for the device)")
    if str(net) in RESERVED_INSIDE_CIDRS:
        raise ConfigError(f"{name} {value!r} is reserved by AWS; the reserved /30 blocks are "
                          f"{', '.join(RESERVED_INSIDE_CIDRS)}")
    return str(net)


@dataclass(frozen=True)
class TunnelOptions:
    """The options of one tunnel. Every default is a ``DEFAULT_*`` constant of
    this module with its reason; bad values raise ConfigError.

    Args:
        inside_cidr: the tunnel's /30 inside 169.254.0.0/16, outside AWS's
            reserved blocks; AWS takes the first address, the customer gateway
            the second. Default: ``None``: tunnel 1 and 2 get, in order,
            169.254.10.0/30 and 169.254.10.4/30 with static routing, and
            169.254.10.8/30 and 169.254.10.12/30 with BGP
            (:data:`DEFAULT_INSIDE_CIDRS_BY_ROUTING`): explicit addresses let
            the on-premises configuration be rendered from the stack outputs
            and reviewed before deploy, and a pair per routing mode lets a
            switch of mode (which replaces the connection, the new one
            created first on the same gateway) take addresses the old one
            does not hold. Addresses you set are yours: change them with the
            routing mode (the change check warns when they would collide).
        ike_versions: ``ikev1`` and/or ``ikev2``. Default: ``("ikev2",)``
            (:data:`DEFAULT_IKE_VERSIONS`): fewer round trips, built-in
            liveness checks, and the only version AWS will initiate.
        phase1_encryption: of AES128, AES256, AES128-GCM-16, AES256-GCM-16.
            Default: ``("AES256-GCM-16", "AES256")`` (:data:`DEFAULT_ENCRYPTION`):
            AES-256 GCM first (authenticated, fastest on current hardware), CBC
            for devices without GCM; NIST SP 800-77r1 prefers 256-bit keys.
        phase1_integrity: of SHA1, SHA2-256, SHA2-384, SHA2-512 (with GCM they
            serve as the IKE PRF). Default: ``("SHA2-384", "SHA2-256")``
            (:data:`DEFAULT_INTEGRITY`): SHA-2 only, as NIST SP 800-77r1 asks
            for new deployments.
        phase1_dh_groups: of 2, 14-24. Default: ``(20, 19, 14)``
            (:data:`DEFAULT_DH_GROUPS`): ECP 384/256 and 2048-bit MODP, the
            oldest group NIST still accepts; 2, 5 and 22-24 are weak.
        phase2_encryption: as ``phase1_encryption``. Default:
            ``("AES256-GCM-16", "AES256")`` (:data:`DEFAULT_ENCRYPTION`): the
            same reasons as phase 1.
        phase2_integrity: as ``phase1_integrity`` (ESP ignores them with GCM).
            Default: ``("SHA2-384", "SHA2-256")`` (:data:`DEFAULT_INTEGRITY`):
            the same reasons as phase 1.
        phase2_dh_groups: of 2, 5, 14-24 (perfect forward secrecy). Default:
            ``(20, 19, 14)`` (:data:`DEFAULT_DH_GROUPS`): the same reasons as
            phase 1.
        phase1_lifetime_seconds: 900..28800. Default: ``28800``
            (:data:`DEFAULT_PHASE1_LIFETIME_SECONDS`): AWS's default, 8 hours
            for IKE.
        phase2_lifetime_seconds: 900..3600, shorter than phase 1. Default:
            ``3600`` (:data:`DEFAULT_PHASE2_LIFETIME_SECONDS`): AWS's default,
            1 hour for IPsec.
        dpd_timeout_seconds: dead peer detection timeout, >= 30. Default:
            ``30`` (:data:`DEFAULT_DPD_TIMEOUT_SECONDS`): the shortest AWS
            allows, so the surviving tunnel takes over sooner.
        dpd_timeout_action: ``clear``, ``none`` or ``restart``. Default:
            ``"restart"`` (:data:`DEFAULT_DPD_TIMEOUT_ACTION`): AWS re-initiates
            IKE, so a tunnel recovers even when the device only answers (AWS's
            ``clear`` waits for the device).
        startup_action: ``add`` (the device initiates) or ``start`` (AWS
            initiates; IKEv2 only). Default: ``"start"``
            (:data:`DEFAULT_STARTUP_ACTION`): the tunnels come up when the
            connection is created or modified, without waiting for traffic.
    """

    inside_cidr: str | None = None
    ike_versions: Sequence[str] = DEFAULT_IKE_VERSIONS
    phase1_encryption: Sequence[str] = DEFAULT_ENCRYPTION
    phase1_integrity: Sequence[str] = DEFAULT_INTEGRITY
    phase1_dh_groups: Sequence[int] = DEFAULT_DH_GROUPS
    phase2_encryption: Sequence[str] = DEFAULT_ENCRYPTION
    phase2_integrity: Sequence[str] = DEFAULT_INTEGRITY
    phase2_dh_groups: Sequence[int] = DEFAULT_DH_GROUPS
    phase1_lifetime_seconds: int = DEFAULT_PHASE1_LIFETIME_SECONDS
    phase2_lifetime_seconds: int = DEFAULT_PHASE2_LIFETIME_SECONDS
    dpd_timeout_seconds: int = DEFAULT_DPD_TIMEOUT_SECONDS
    dpd_timeout_action: str = DEFAULT_DPD_TIMEOUT_ACTION
    startup_action: str = DEFAULT_STARTUP_ACTION

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if self.inside_cidr is not None:
            put("inside_cidr", parse_inside_cidr(self.inside_cidr))
        put("ike_versions", _words(self.ike_versions, "ike_versions", IKE_VERSIONS, upper=False))
        for phase in (1, 2):
            put(f"phase{phase}_encryption", _words(
                getattr(self, f"phase{phase}_encryption"), f"phase{phase}_encryption",
                ENCRYPTION_ALGORITHMS, upper=True))
            put(f"phase{phase}_integrity", _words(
                getattr(self, f"phase{phase}_integrity"), f"phase{phase}_integrity",
                INTEGRITY_ALGORITHMS, upper=True))
            put(f"phase{phase}_dh_groups", _groups(
                getattr(self, f"phase{phase}_dh_groups"), f"phase{phase}_dh_groups",
                PHASE1_DH_GROUPS if phase == 1 else PHASE2_DH_GROUPS))
        _int_in(self.phase1_lifetime_seconds, "phase1_lifetime_seconds", *PHASE1_LIFETIME_RANGE,
                "IKE SA lifetime AWS accepts")
        _int_in(self.phase2_lifetime_seconds, "phase2_lifetime_seconds", *PHASE2_LIFETIME_RANGE,
                "IPsec SA lifetime AWS accepts")
        if self.phase2_lifetime_seconds >= self.phase1_lifetime_seconds:
            raise ConfigError(
                f"phase2_lifetime_seconds {self.phase2_lifetime_seconds} must be shorter than "
                f"phase1_lifetime_seconds {self.phase1_lifetime_seconds}")
        _int_in(self.dpd_timeout_seconds, "dpd_timeout_seconds", MIN_DPD_TIMEOUT_SECONDS, None,
                "AWS's minimum dead-peer-detection timeout")
        if self.dpd_timeout_action not in DPD_TIMEOUT_ACTIONS:
            raise ConfigError(f"dpd_timeout_action {self.dpd_timeout_action!r} is not accepted; "
                              f"accepted: {', '.join(DPD_TIMEOUT_ACTIONS)}")
        if self.startup_action not in STARTUP_ACTIONS:
            raise ConfigError(f"startup_action {self.startup_action!r} is not accepted; "
                              f"accepted: add (the device initiates), start (AWS initiates)")
        if self.startup_action == "start" and "ikev1" in self.ike_versions:
            raise ConfigError(
                f"startup_action 'start' with ike_versions {list(self.ike_versions)!r}: AWS "
                "initiates IKE only with IKEv2; use ike_versions=['ikev2'] or startup_action='add'")

    # -- serialisation (stack output <-> operator's tool) --------------------
    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @staticmethod
    def from_dict(data: Any) -> TunnelOptions:
        """Tunnel options from a JSON object (the reference app's configuration).

        Args:
            data: a mapping of field names to values; an unknown key is a
                ConfigError naming the known ones.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"tunnel options {data!r} must be a JSON object")
        known = {f.name for f in fields(TunnelOptions)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"tunnel options carry unknown key {unknown[0]!r}; known: "
                              f"{', '.join(sorted(known))}")
        return TunnelOptions(**dict(data))


def parse_customer_gateway_ip(value: Any) -> str:
    """A public IPv4 address (documentation ranges accepted, see the module
    docstring)."""
    try:
        ip = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        ip = None
    if not isinstance(ip, ipaddress.IPv4Address):
        raise ConfigError(f"customer_gateway_ip {value!r} is not an IPv4 address; give the "
                          "public IPv4 address of the on-premises VPN device (or of the NAT "
                          "in front of it), e.g. '203.0.113.10'")
    if any(ip in net for net in DOCUMENTATION_RANGES):
        return str(ip)
    for net, why in _CGW_REFUSED:
        if ip in net:
            raise ConfigError(
                f"customer_gateway_ip {value!r} is a {why} address ({net}); a virtual private "
                "gateway reaches the device over the internet, so give its public IPv4 address "
                "(behind NAT: the NAT's public address)")
    return str(ip)


def parse_customer_asn(value: Any, *, amazon_side_asn: int, region: str | None = None) -> int:
    lo, hi = CUSTOMER_ASN_RANGE
    _int_in(value, "customer_bgp_asn", lo, hi, "CustomerGateway BgpAsn; a private ASN such as "
            f"{DEFAULT_CUSTOMER_BGP_ASN} when the network has no public one")
    if value in RESERVED_CUSTOMER_ASNS:
        where = RESERVED_CUSTOMER_ASNS[value]
        if where is None or where == region:
            raise ConfigError(f"customer_bgp_asn {value} is reserved by AWS "
                              f"({'in every region' if where is None else 'in ' + where}); "
                              f"use another, e.g. {DEFAULT_CUSTOMER_BGP_ASN}")
    if value == amazon_side_asn:
        raise ConfigError(f"customer_bgp_asn {value} equals amazon_side_asn; the two sides of "
                          "the BGP session need different ASNs")
    return value


def parse_amazon_asn(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and any(
        lo <= value <= hi for lo, hi in AMAZON_ASN_RANGES)
    if not ok:
        raise ConfigError(
            f"amazon_side_asn {value!r} is out of range; a virtual private gateway takes a "
            "private ASN: 64512..65534 or 4200000000..4294967294")
    return value


def parse_static_routes(value: Any, vpc_cidr: str,
                        option: str = "static_routes") -> tuple[str, ...]:
    """On-premises CIDRs, validated (``option``: the public name they came as)."""
    try:
        return _parse_routes(value, vpc_cidr)
    except ConfigError as err:
        if option == "static_routes":
            raise
        text = str(err).replace("static_routes", option).replace("static route", f"{option} entry")
        raise ConfigError(text) from None


def _parse_routes(value: Any, vpc_cidr: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"static_routes {value!r} must be a list of on-premises CIDRs, "
                          "e.g. ['172.16.0.0/16']")
    vpc = ipaddress.ip_network(vpc_cidr)
    out: list[str] = []
    for c in value:
        try:
            net = ipaddress.ip_network(c, strict=True) if isinstance(c, str) else None
        except ValueError:
            hint = ""
            if isinstance(c, str):
                try:
                    hint = f" (did you mean {ipaddress.ip_network(c, strict=False)}?)"
                except ValueError:
                    pass
            raise ConfigError(f"static route {c!r} is not an aligned IPv4 CIDR{hint}") from None
        if not isinstance(net, ipaddress.IPv4Network):
            raise ConfigError(f"static route {c!r} is not an IPv4 CIDR such as '172.16.0.0/16'")
        if net.overlaps(vpc):
            raise ConfigError(f"static route {c!r} overlaps the VPC CIDR {vpc}; the VPC's local "
                              "route would win for the overlap, so on-premises addresses there "
                              "are unreachable: give only the on-premises ranges")
        for bad, why in ((INSIDE_RANGE, "link-local"),
                         (ipaddress.ip_network("224.0.0.0/4"), "multicast"),
                         (ipaddress.ip_network("240.0.0.0/4"), "reserved")):
            if net.overlaps(bad):
                raise ConfigError(f"static route {c!r} overlaps the {why} range {bad}")
        if str(net) in out:
            raise ConfigError(f"static_routes lists {c!r} more than once")
        out.append(str(net))
    return tuple(out)


@dataclass(frozen=True)
class VpnPlan:
    """A validated VPN: every field derived, deterministic."""

    customer_gateway_ip: str
    customer_bgp_asn: int
    amazon_side_asn: int
    routing: str
    static_routes: tuple[str, ...]
    tunnels: tuple[TunnelOptions, TunnelOptions]
    vpc_cidr: str

    @property
    def documentation_address(self) -> bool:
        ip = ipaddress.ip_address(self.customer_gateway_ip)
        return any(ip in n for n in DOCUMENTATION_RANGES)

    def tunnels_json(self) -> str:
        """The tunnel options as compact JSON (a stack output the operator's
        tool reads back)."""
        return json.dumps([t.to_dict() for t in self.tunnels], separators=(",", ":"),
                          sort_keys=True)


def plan_vpn(
    vpc_cidr: str,
    *,
    customer_gateway_ip: str,
    customer_bgp_asn: int = DEFAULT_CUSTOMER_BGP_ASN,
    amazon_side_asn: int = DEFAULT_AMAZON_SIDE_ASN,
    routing: str = "static",
    static_routes: Sequence[str] = (),
    tunnels: Sequence[TunnelOptions] | None = None,
    region: str | None = None,
) -> VpnPlan:
    """Validate a VPN's inputs. Raises ConfigError."""
    ip = parse_customer_gateway_ip(customer_gateway_ip)
    amazon = parse_amazon_asn(amazon_side_asn)
    customer = parse_customer_asn(customer_bgp_asn, amazon_side_asn=amazon, region=region)
    if routing not in ROUTING_MODES:
        raise ConfigError(f"routing {routing!r} is not accepted; accepted: static (routes listed "
                          "in static_routes), bgp (routes exchanged over BGP)")
    routes = parse_static_routes(static_routes, vpc_cidr)
    if routing == "static" and not routes:
        raise ConfigError("routing 'static' needs at least one on-premises CIDR in static_routes "
                          "(e.g. ['172.16.0.0/16']), or use routing='bgp'")
    if routing == "bgp" and routes:
        raise ConfigError(f"static_routes {list(routes)!r} are given with routing 'bgp'; with BGP "
                          "the device advertises its networks: drop static_routes or use "
                          "routing='static'")
    given = (TunnelOptions(), TunnelOptions()) if tunnels is None else tunnels
    if isinstance(given, TunnelOptions) or len(given) != 2 or not all(
            isinstance(t, TunnelOptions) for t in given):
        raise ConfigError(f"tunnels {given!r} must be two TunnelOptions, one per tunnel "
                          "(a VPN connection always has two)")
    resolved: list[TunnelOptions] = []
    for i, t in enumerate(given):
        resolved.append(t if t.inside_cidr is not None else TunnelOptions(
            **{**t.to_dict(), "inside_cidr": DEFAULT_INSIDE_CIDRS_BY_ROUTING[routing][i]}))
    a, b = resolved
    assert a.inside_cidr is not None and b.inside_cidr is not None
    if ipaddress.ip_network(a.inside_cidr).overlaps(ipaddress.ip_network(b.inside_cidr)):
        raise ConfigError(f"tunnel 2 inside_cidr {b.inside_cidr!r} is already used by tunnel 1; "
                          "each tunnel needs its own /30")
    return VpnPlan(
        customer_gateway_ip=ip, customer_bgp_asn=customer, amazon_side_asn=amazon,
        routing=routing, static_routes=routes, tunnels=(a, b), vpc_cidr=vpc_cidr,
    )


def propagation_route_tables(plan: VpcPlan, tiers: Sequence[str] | None) -> tuple[str, ...]:
    """Construct ids of the route tables that receive the gateway's routes:
    those of ``tiers`` (names), or by default of every private and isolated
    tier. Raises ConfigError for an unknown or reserved tier."""
    active = {t.tier: t for t in plan.tiers}
    if tiers is None:
        chosen = [t.tier for t in plan.tiers if not t.reserved
                  and t.kind in (SubnetKind.PRIVATE, SubnetKind.ISOLATED)]
    else:
        if isinstance(tiers, str):
            raise ConfigError(f"propagate_to_tiers {tiers!r} must be a list of tier names, "
                              f"e.g. [{tiers!r}]")
        chosen = []
        for name in tiers:
            if name not in active:
                raise ConfigError(f"propagate_to_tiers names tier {name!r}, which this VPC does "
                                  f"not have; tiers: {', '.join(active)}")
            if active[name].reserved:
                raise ConfigError(f"propagate_to_tiers names tier {name!r}, which is reserved "
                                  "(planned, not built): it has no route table")
            if name in chosen:
                raise ConfigError(f"propagate_to_tiers lists {name!r} more than once")
            chosen.append(name)
    return tuple(rt.construct_id for rt in plan.route_tables if rt.tier in chosen)


#: First number of the ACL rules on_premises_acl_rules makes: below the
#: library's first rule (100), so they run before every library rule.
DEFAULT_ACL_FIRST_NUMBER = 10


def on_premises_acl_rules(
    cidrs: Sequence[str],
    ports_by_tier: Mapping[str, Sequence[int]],
    *,
    first_number: int = DEFAULT_ACL_FIRST_NUMBER,
) -> dict[str, list[Any]]:
    """Network ACL rules that let the on-premises network open TCP
    connections to the given ports of each tier, for
    ``BestPracticeVpc(acl_rules=...)``.

    The library's ACLs admit traffic from the VPC and replies from anywhere,
    so a VPC tier can already open connections *to* the on-premises network,
    but on-premises clients cannot reach a service in the VPC until their
    CIDR is admitted: per tier, per CIDR and per port an inbound flow rule,
    and per CIDR an outbound reply rule (TCP to the ephemeral range). Numbers
    start at ``first_number`` (default 10: before every library rule) and stay
    below 100. ``{"private": [443], "isolated": [5432]}`` for example.
    """
    from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, LIBRARY_RULE_STEP, AclRule

    if isinstance(cidrs, str):
        raise ConfigError(f"cidrs {cidrs!r} must be a list of on-premises CIDRs")
    if not isinstance(ports_by_tier, Mapping):
        raise ConfigError(f"ports_by_tier {ports_by_tier!r} must map tier names to TCP ports, "
                          "e.g. {'private': [443]}")
    out: dict[str, list[Any]] = {}
    for tier, ports in ports_by_tier.items():
        if isinstance(ports, (str, int)) or not isinstance(ports, Iterable):
            raise ConfigError(f"ports_by_tier[{tier!r}] {ports!r} must be a list of TCP ports")
        inbound = [(c, p) for c in cidrs for p in ports]
        last = first_number + max(len(inbound), len(cidrs)) - 1
        if last >= LIBRARY_RULE_STEP or first_number < 1:
            raise ConfigError(
                f"tier {tier!r}: {len(inbound)} on-premises ACL rules from number {first_number} "
                f"would reach {last}; they must stay in 1..{LIBRARY_RULE_STEP - 1}, below the "
                "library's rules")
        rules = [AclRule(first_number + i, "allow", "tcp", port, cidr,
                         description=f"TCP {port} from on-premises {cidr} over the VPN")
                 for i, (cidr, port) in enumerate(inbound)]
        rules += [AclRule(first_number + i, "allow", "tcp", EPHEMERAL_PORTS, cidr, egress=True,
                          reply=True, description=f"TCP replies to on-premises {cidr}")
                  for i, cidr in enumerate(cidrs)]
        out[tier] = rules
    return out


__all__ = [
    "DEFAULT_AMAZON_SIDE_ASN", "DEFAULT_CUSTOMER_BGP_ASN", "DEFAULT_INSIDE_CIDRS",
    "DEFAULT_INSIDE_CIDRS_BY_ROUTING",
    "PSK_SECRET_KEYS", "TunnelOptions", "VpnPlan", "on_premises_acl_rules",
    "parse_customer_gateway_ip",
    "parse_inside_cidr", "plan_vpn", "propagation_route_tables",
]
