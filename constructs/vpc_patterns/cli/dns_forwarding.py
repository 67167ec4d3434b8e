"""The on-premises side of hybrid DNS: conditional forwarding of the VPC's
private zones to the Route 53 Resolver inbound endpoint, for ``vpn-config``.

``--dns-zone ZONE`` (repeatable) and ``--inbound-resolver IP`` (repeatable;
or read from a :class:`~vpc_patterns.build.dns.HybridDns` stack output
``<prefix>InboundResolverIps`` when the endpoint's addresses are fixed) render
two small files, one per common on-premises DNS server:

* ``dns-forward-unbound.conf``: an unbound ``forward-zone`` per zone
  (``forward-first: no``: a zone that only AWS answers must not fall back to
  the internet's resolvers);
* ``dns-forward-bind.conf``: a BIND ``zone ... { type forward; forward only; }``
  per zone, for the same reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.dns import MIN_ENDPOINT_ADDRESSES, parse_domain

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: HybridDns output holding the fixed inbound addresses (comma separated).
INBOUND_IPS_SUFFIX = "InboundResolverIps"
UNBOUND_FILE, BIND_FILE = "dns-forward-unbound.conf", "dns-forward-bind.conf"


def inbound_ips_from_outputs(outputs: Any, stack: str | None = None) -> tuple[str, ...]:
    """The inbound endpoint's fixed addresses from a ``cdk deploy
    --outputs-file`` object (one HybridDns with fixed inbound addresses)."""
    found = []
    if isinstance(outputs, Mapping):
        for name, outs in outputs.items():
            if (stack is not None and name != stack) or not isinstance(outs, Mapping):
                continue
            found += [str(v) for k, v in outs.items() if str(k).endswith(INBOUND_IPS_SUFFIX)]
    if len(found) != 1:
        raise ConfigError(
            f"--dns-zone needs --inbound-resolver, or exactly one output ending in "
            f"{INBOUND_IPS_SUFFIX!r} (a HybridDns with inbound_ips) in the outputs file; found "
            f"{len(found)}: give the addresses from `aws route53resolver "
            "list-resolver-endpoint-ip-addresses`")
    return tuple(ip for ip in found[0].split(",") if ip)


def parse_forwarding(zones: Sequence[str], resolvers: Sequence[str]) -> tuple[
        tuple[str, ...], tuple[str, ...]]:
    """Validated (zones, inbound addresses)."""
    parsed: list[str] = []
    for z in zones:
        d = parse_domain(z, "--dns-zone")
        if d in parsed:
            raise ConfigError(f"--dns-zone {z!r} is given more than once")
        parsed.append(d)
    ips: list[str] = []
    for r in resolvers:
        try:
            ip = str(ipaddress.IPv4Address(r))
        except ValueError:
            raise ConfigError(f"--inbound-resolver {r!r} is not an IPv4 address") from None
        if ip in ips:
            raise ConfigError(f"--inbound-resolver {r!r} is given more than once")
        ips.append(ip)
    if len(ips) < MIN_ENDPOINT_ADDRESSES:
        raise ConfigError(f"--inbound-resolver lists {len(ips)} address(es); an inbound "
                          f"endpoint has at least {MIN_ENDPOINT_ADDRESSES} (one per AZ): give "
                          "them all, so forwarding survives the loss of an AZ")
    return tuple(parsed), tuple(ips)


def render_forwarding(zones: Sequence[str], inbound: Sequence[str]) -> dict[str, str]:
    """File name -> text of the conditional-forwarding snippets."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                      autoescape=False)  # configuration files, not HTML
    ctx = {"zones": list(zones), "inbound": list(inbound)}
    return {UNBOUND_FILE: env.get_template(f"{UNBOUND_FILE}.j2").render(ctx),
            BIND_FILE: env.get_template(f"{BIND_FILE}.j2").render(ctx)}


__all__ = ["BIND_FILE", "UNBOUND_FILE", "inbound_ips_from_outputs", "parse_forwarding",
           "render_forwarding"]
