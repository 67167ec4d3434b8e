"""The fixed monthly charges a synthesized network implies.

Pure Python, no CDK import: :func:`estimate_monthly_cost` reads a
:class:`~vpc_patterns.check.VpcModel` (see :mod:`vpc_patterns.check`)
and prices what runs every hour whether traffic flows or not:

* NAT gateway hours (public and private NAT gateways alike); a regional NAT
  gateway is charged the NAT gateway hour once per AZ it is active in (the
  AZs its AvailabilityZoneAddresses list, else every AZ the VPC has subnets
  in: automatic mode expands to those), see the price file's ``sources``;
* public IPv4 address hours: the Elastic IP of each public NAT gateway and
  the public address of each NAT instance (it needs one to reach the
  internet gateway);
* NAT instance hours, by instance type (EC2 on-demand, Linux);
* interface endpoint hours, per AZ (one network interface per subnet);
* Site-to-Site VPN connection hours;
* Route 53 Resolver endpoint hours, per IP address (one network interface
  each): the endpoints whose ``IpAddresses`` name subnets of the VPC.

Prices come from a dated file in ``vpc_patterns/data`` (``prices-YYYY-MM.json``,
the newest is used, read by :mod:`vpc_patterns.plan.prices`) for the regions
listed there; a month is 730 hours. The
estimate names the file's date and the region it assumed, and says what it
leaves out: data processing, data transfer, and the other services a stack
creates (flow logs, KMS keys, ...). Internet gateways and gateway endpoints
(S3, DynamoDB) have no hourly charge.

Region: an environment-agnostic template names none, so us-east-1 is assumed
(and said). A template pinned to a region shows it in its ``cdk.out``
manifest, its literal AZ names or its endpoint service names; that region is
used. A region the price file does not cover raises :class:`ConfigError`
listing the ones it does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.prices import (
    DATA_DIR,
    DEFAULT_REGION,
    REGION_CODE,
    PriceTable,
    RegionPrices,
    load_prices,
    price_files,
)

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.check import VpcModel

_AZ_NAME = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$")
_SERVICE_NAME = re.compile(r"^com\.amazonaws\.([a-z]{2}(?:-[a-z]+)+-\d+)\.")


# ---------------------------------------------------------------------------
# Region of a template
# ---------------------------------------------------------------------------


def _manifest_region(model: VpcModel) -> str | None:
    """The region of the stack's environment in the ``manifest.json`` beside
    the template (a ``cdk.out`` folder), unless environment-agnostic."""
    tpl = Path(model.template)
    manifest = tpl.parent / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    artifacts = data.get("artifacts") if isinstance(data, Mapping) else None
    if not isinstance(artifacts, Mapping):
        return None
    for art in artifacts.values():
        if not isinstance(art, Mapping):
            continue
        props = art.get("properties")
        if not isinstance(props, Mapping) or props.get("templateFile") != tpl.name:
            continue
        env = art.get("environment")
        if isinstance(env, str) and env.startswith("aws://"):
            region = env.rsplit("/", 1)[-1]
            if REGION_CODE.match(region):
                return region
    return None


def detect_region(model: VpcModel) -> tuple[str | None, str]:
    """The region a template is pinned to, and where that was read (None
    and "" for an environment-agnostic template)."""
    region = _manifest_region(model)
    if region:
        return region, "the stack's environment in manifest.json"
    for s in model.subnets:
        kind, _, value = s.az.partition(":")
        m = _AZ_NAME.match(value) if kind == "name" else None
        if m:
            return m.group(1), f"the AZ name {value} of subnet {s.logical_id}"
    endpoints: list[Any] = [*model.gateway_endpoints, *model.interface_endpoints]
    for ep in endpoints:
        m = _SERVICE_NAME.match(ep.service_name)
        if m:
            return m.group(1), f"the service name {ep.service_name} of endpoint {ep.logical_id}"
    return None, ""


# ---------------------------------------------------------------------------
# Estimate
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    """One priced item: ``count x unit_price x hours``."""

    key: str
    what: str
    count: int
    #: USD per hour of one unit; None when the price file has none
    unit_price: Decimal | None
    hours: int
    resources: tuple[str, ...] = ()
    note: str = ""

    @property
    def monthly(self) -> Decimal | None:
        if self.unit_price is None:
            return None
        return self.unit_price * self.count * self.hours

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "what": self.what, "count": self.count,
                "unit_price": None if self.unit_price is None else float(self.unit_price),
                "hours": self.hours,
                "monthly": None if self.monthly is None else float(round(self.monthly, 2)),
                "resources": list(self.resources), "note": self.note}


@dataclass(frozen=True)
class CostEstimate:
    stack: str
    vpc: str
    region: str
    region_name: str
    #: how the region was chosen, in words
    region_source: str
    #: True when the template names no region and the default was assumed
    region_assumed: bool
    price_date: str
    price_file: str
    price_source: str
    currency: str
    hours_per_month: int
    lines: tuple[CostLine, ...]
    excludes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        """Sum of the priced lines (unpriced lines are left out: see
        :attr:`complete`)."""
        return sum((ln.monthly for ln in self.lines if ln.monthly is not None), Decimal(0))

    @property
    def complete(self) -> bool:
        return all(ln.monthly is not None for ln in self.lines)

    @property
    def region_text(self) -> str:
        if self.region_assumed:
            return (f"{self.region} (assumed: the template is environment-agnostic and "
                    "names no region)")
        return f"{self.region} ({self.region_name}), from {self.region_source}"

    @property
    def disclaimer(self) -> str:
        left_out = "; ".join(self.excludes) or "data processing and data transfer"
        return (f"Fixed hourly charges only, at list prices of {self.price_date} "
                f"({self.price_file}), {self.hours_per_month} hours a month; excludes "
                f"{left_out}.")

    def summary(self) -> str:
        total = money(self.total) + ("" if self.complete else " + unpriced items")
        return (f"{total}/month  (region {self.region_text}; prices {self.price_date}; "
                "excludes data processing and transfer)")

    def format_text(self, *, verbose: bool = False) -> str:
        out = [f"{self.stack}/{self.vpc}  {self.summary()}"]
        if verbose:
            if not self.lines:
                out.append("  no NAT gateway, NAT instance, interface endpoint, VPN connection "
                           "or public address: no fixed charge")
            for ln in self.lines:
                unit = "price unknown" if ln.unit_price is None else f"${ln.unit_price}/h"
                monthly = "not priced" if ln.monthly is None else money(ln.monthly)
                out.append(f"  {ln.what:<36} {ln.count:>3} x {unit} x {ln.hours} h = {monthly}")
                if ln.note:
                    out.append(f"      {ln.note}")
            for n in self.notes:
                out.append(f"  note: {n}")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "vpc": self.vpc, "region": self.region,
            "region_name": self.region_name, "region_source": self.region_source,
            "region_assumed": self.region_assumed, "price_date": self.price_date,
            "price_file": self.price_file, "currency": self.currency,
            "hours_per_month": self.hours_per_month,
            "lines": [ln.to_dict() for ln in self.lines],
            "total": float(round(self.total, 2)), "complete": self.complete,
            "disclaimer": self.disclaimer, "notes": list(self.notes),
        }


def money(value: Decimal | float) -> str:
    """``$1,234.57`` (half-up to the cent)."""
    d = Decimal(str(value)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    return f"${d:,.2f}"


def nat_instances_of(model: VpcModel) -> list[Any]:
    """The model's NAT instances: interfaces or instances a route targets, or
    whose source/destination check is off (the model lists every interface
    and instance of the template)."""
    from vpc_patterns.check import TargetKind

    targeted = {r.target.ref for rt in model.route_tables for r in rt.routes
                if r.target.kind is TargetKind.NAT_INSTANCE}
    return [n for n in model.nat_instances
            if n.logical_id in targeted or n.source_dest_check is False]


def resolver_endpoints_of(model: VpcModel) -> list[tuple[str, int]]:
    """``(logical id, IP address count)`` of the template's
    ``AWS::Route53Resolver::ResolverEndpoint`` resources whose literal
    ``IpAddresses`` list names (``Ref``) a subnet of ``model``. Read from the
    model's template file; a model without a readable file has none."""
    from vpc_patterns.check.cfn import TemplateError, load_template

    try:
        resources = load_template(model.template).resources
    except TemplateError:
        return []
    subnets = {s.logical_id for s in model.subnets}
    out: list[tuple[str, int]] = []
    for lid, res in resources.items():
        if not isinstance(res, Mapping) or \
                res.get("Type") != "AWS::Route53Resolver::ResolverEndpoint":
            continue
        ips = (res.get("Properties") or {}).get("IpAddresses")
        if not isinstance(ips, list):
            continue
        refs = {a.get("SubnetId", {}).get("Ref") for a in ips
                if isinstance(a, Mapping) and isinstance(a.get("SubnetId"), Mapping)}
        if refs & subnets:
            out.append((lid, len(ips)))
    return out


def estimate_monthly_cost(vpc_model: VpcModel, region: str | None = None, *,
                          prices: PriceTable | None = None) -> CostEstimate:
    """The fixed monthly charges of one VPC (see the module docstring).

    :param region: price as this region; default: the region the template is
        pinned to, else us-east-1 (said in the estimate).
    :param prices: a price table (default: the newest price file).
    :raises ConfigError: the region is not in the price file.
    """
    table = prices if prices is not None else load_prices()
    assumed = False
    if region is not None:
        if not isinstance(region, str):
            raise ConfigError(f"region {region!r} must be a region code such as 'us-east-1'")
        source = "the caller"
    else:
        region, source = detect_region(vpc_model)
        if region is None:
            region, assumed, source = DEFAULT_REGION, True, "default"
        elif region not in table.regions:
            raise ConfigError(
                f"{vpc_model.key}: the template is pinned to region {region!r} ({source}), "
                f"which the price file {table.file} ({table.date}) does not list; known "
                f"regions: {', '.join(sorted(table.regions))}; pass a known region to price "
                "it as that one"
            )
    rp = table.region(region)
    hours = table.hours_per_month
    lines: list[CostLine] = []
    notes: list[str] = []

    regional = [g for g in vpc_model.nat_gateways if g.regional]
    gws = [g for g in vpc_model.nat_gateways if not g.regional]
    regional_ips = _regional_nat_lines(vpc_model, regional, rp, hours, lines)
    if gws:
        private = [g.logical_id for g in gws if g.private]
        lines.append(CostLine(
            "nat_gateway", "NAT gateway hours", len(gws), rp.nat_gateway_hour, hours,
            tuple(g.logical_id for g in gws),
            f"{len(private)} private (no Elastic IP)" if private else ""))

    nats = nat_instances_of(vpc_model)
    by_type: dict[str | None, list[str]] = {}
    for n in nats:
        by_type.setdefault(n.instance_type, []).append(n.logical_id)
    for itype in sorted(by_type, key=lambda t: (t is None, t or "")):
        ids = by_type[itype]
        if itype is None:
            lines.append(CostLine("nat_instance:?", "NAT instance hours (type unknown)", len(ids),
                                  None, hours, tuple(ids),
                                  "the template does not determine the instance type"))
            continue
        price = rp.ec2_hour.get(itype)
        lines.append(CostLine(
            f"nat_instance:{itype}", f"NAT instance hours {itype}", len(ids), price, hours,
            tuple(ids), "" if price is not None else
            f"{itype} is not in the price file for {region}; known types: "
            f"{', '.join(sorted(rp.ec2_hour))}"))

    public = [f"Elastic IP of {g.logical_id}" for g in gws if not g.private]
    public += regional_ips
    public += [f"public address of NAT instance {n.logical_id}" for n in nats]
    if public:
        lines.append(CostLine(
            "public_ipv4", "Public IPv4 address hours", len(public), rp.public_ipv4_hour, hours,
            tuple(public), " and ".join(
                w for w, n in (("one Elastic IP per public NAT gateway",
                                sum(1 for g in gws if not g.private)),
                               ("the regional NAT gateways' addresses (those listed; in "
                                "automatic mode at least one per AZ)", len(regional_ips)),
                               ("one public address per NAT instance", len(nats))) if n)))

    itf = list(vpc_model.interface_endpoints)
    if itf:
        azs = 0
        for ep in itf:
            if not ep.subnets:
                notes.append(f"interface endpoint {ep.logical_id}: its subnets are not "
                             "resolvable from the template; counted as one AZ")
            azs += max(1, len(ep.subnets))
        lines.append(CostLine(
            "interface_endpoint", "Interface endpoint AZ-hours", azs,
            rp.interface_endpoint_az_hour, hours,
            tuple(f"{ep.logical_id} ({ep.service or ep.service_name}, "
                  f"{max(1, len(ep.subnets))} AZ)" for ep in itf)))

    vpns = list(vpc_model.vpn_connections)
    if vpns:
        lines.append(CostLine("vpn_connection", "Site-to-Site VPN connection hours", len(vpns),
                              rp.vpn_connection_hour, hours,
                              tuple(c.logical_id for c in vpns)))

    resolvers = resolver_endpoints_of(vpc_model)
    if resolvers:
        count = sum(n for _, n in resolvers)
        lines.append(CostLine(
            "resolver_endpoint", "Route 53 Resolver endpoint IP address hours", count,
            rp.resolver_endpoint_eni_hour, hours,
            tuple(f"{lid} ({n} addresses)" for lid, n in resolvers),
            "" if rp.resolver_endpoint_eni_hour is not None else
            f"the price file has no Resolver endpoint price for {region}"))

    if any(g.kind.value == "transit-gateway" for g in vpc_model.gateways):
        notes.append("transit gateway attachments are charged per hour too; not estimated here")
    return CostEstimate(
        stack=vpc_model.template_name, vpc=vpc_model.logical_id, region=region,
        region_name=rp.name, region_source=source, region_assumed=assumed,
        price_date=table.date, price_file=table.file, price_source=table.source,
        currency=table.currency, hours_per_month=hours, lines=tuple(lines),
        excludes=table.excludes, notes=tuple(notes),
    )


def _regional_nat_lines(model: VpcModel, regional: list[Any], rp: RegionPrices, hours: int,
                        lines: list[CostLine]) -> list[str]:
    """Add the AZ-hours of the regional NAT gateways to ``lines``; return
    their public addresses (one entry each)."""
    if not regional:
        return []
    subnet_azs = {s.az for s in model.subnets}
    units: list[str] = []
    ips: list[str] = []
    for g in regional:
        azs = len(g.zones) if g.zones is not None else max(1, len(subnet_azs))
        mode = "manual" if g.zones is not None else "automatic"
        units += [f"{g.logical_id} ({mode} mode, AZ {i + 1} of {azs})" for i in range(azs)]
        if not g.private:
            count = g.addresses if g.zones is not None else azs
            ips += [f"address {i + 1} of {g.logical_id}" for i in range(count)]
    lines.append(CostLine(
        "regional_nat_gateway", "Regional NAT gateway AZ-hours", len(units),
        rp.nat_gateway_hour, hours, tuple(units),
        "the NAT gateway hour, once per AZ the gateway is active in"))
    return ips


def estimate_all(models: Iterable[VpcModel], region: str | None = None, *,
                 prices: PriceTable | None = None) -> list[CostEstimate]:
    return [estimate_monthly_cost(m, region, prices=prices) for m in models]


#: The estimate, and the price names importable from here.
__all__ = [
    "DATA_DIR",
    "DEFAULT_REGION",
    "CostEstimate",
    "CostLine",
    "PriceTable",
    "RegionPrices",
    "detect_region",
    "estimate_all",
    "estimate_monthly_cost",
    "load_prices",
    "money",
    "nat_instances_of",
    "price_files",
    "resolver_endpoints_of",
]
