"""The network as data: a pure-Python plan of a VPC, made before any CDK call.

Nothing here imports aws_cdk. :func:`plan_network` validates every input and
returns a frozen :class:`VpcPlan` that says which CIDR each subnet gets, which
route table holds which routes, where the NATs are and which route tables the
gateway endpoints serve. The CDK constructs only turn that plan into resources.

The parts live in their own modules and are re-exported here: tiers and CIDR
blocks (:mod:`~vpc_patterns.plan.tiers`), AZs (:mod:`~vpc_patterns.plan.azs`),
NAT strategies (:mod:`~vpc_patterns.plan.nat`) and route tables and route
targets (:mod:`~vpc_patterns.plan.routes`).

How CIDRs stay stable
---------------------
Each tier owns one *block*: a power-of-two aligned range holding ``az_slots``
subnets of the tier's size (rounded up to a power of two, so the block is
itself one CIDR that security rules can name). Subnet *i* of a tier is always
the *i*-th subnet of the tier's block. Blocks are placed first-fit in the order
the tiers are declared, and a block's size depends only on the tier's mask and
``az_slots`` -- never on how many AZs are in use or on the tiers declared after
it. Hence:

* raising ``max_azs`` (up to ``az_slots``) only fills more slots;
* appending a tier only uses space no earlier tier holds;

and no existing subnet changes its CIDR or its logical id.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.azs import (
    AZ_ID_PATTERN,
    AZ_NAME_PATTERN,
    DEFAULT_MAX_AZS,
    MAX_AZS_LIMIT,
    AzPlacement,
    resolve_azs,
)
from vpc_patterns.plan.ipv6 import (
    Ipv6Block,
    check_capacity,
    literal_subnet,
    parse_ip_stack,
    subnet_index,
    tier_range,
)
from vpc_patterns.plan.limits import check_stack_resources, count_vpc_resources
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.nat import NAT_GATEWAY_HOUR, NatKind, NatPlan, NatProvider, hourly_list_price
from vpc_patterns.plan.routes import RoutePlan, RouteTablePlan, RouteTarget, plan_tier_route_tables
from vpc_patterns.plan.routes import route_table_id as _route_table_id
from vpc_patterns.plan.tiers import (
    AWS_RESERVED_PER_SUBNET,
    DEFAULT_AZ_SLOTS,
    DEFAULT_CIDR,
    DEFAULT_MASK_OFFSET,
    MAX_SUBNET_PREFIX,
    MAX_VPC_PREFIX,
    MIN_SUBNET_PREFIX,
    MIN_VPC_PREFIX,
    SubnetKind,
    Tier,
    TierBlock,
    default_tiers,
    free_ranges,
    parse_vpc_cidr,
    place_blocks,
    validate_tiers,
)

__all__ = [
    "AWS_RESERVED_PER_SUBNET",
    "AZ_ID_PATTERN",
    "AZ_NAME_PATTERN",
    "DEFAULT_AZ_SLOTS",
    "DEFAULT_CIDR",
    "DEFAULT_MASK_OFFSET",
    "DEFAULT_MAX_AZS",
    "GATEWAY_ENDPOINT_SERVICES",
    "HOURS_PER_MONTH",
    "MAX_AZS_LIMIT",
    "MAX_SUBNET_PREFIX",
    "MAX_VPC_PREFIX",
    "MIN_SUBNET_PREFIX",
    "MIN_VPC_PREFIX",
    "RESERVED_CONSTRUCT_IDS",
    "AzPlacement",
    "GatewayEndpointPlan",
    "NatKind",
    "NatPlan",
    "NatProvider",
    "RoutePlan",
    "RouteTablePlan",
    "RouteTarget",
    "SubnetKind",
    "SubnetPlan",
    "Tier",
    "TierBlock",
    "VpcPlan",
    "default_tiers",
    "parse_vpc_cidr",
    "plan_network",
]

#: The month the cost figures assume (the price files say the same).
HOURS_PER_MONTH = 730
#: Construct ids BestPracticeVpc gives its own children; a tier whose
#: generated ids would collide with them is refused.
RESERVED_CONSTRUCT_IDS = frozenset({
    "Resource", "Vpc", "InternetGateway", "InternetGatewayAttachment", "LogsKey",
    "FlowLogGroup", "FlowLogRole", "FlowLogPolicy", "FlowLog", "RestrictDefaultSecurityGroup",
    "NatInstanceSecurityGroup", "NetworkAcls",
})
#: Services AWS offers gateway endpoints for.
GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")


@dataclass(frozen=True)
class SubnetPlan:
    tier: str
    kind: SubnetKind
    az: AzPlacement
    cidr: str
    construct_id: str
    route_table: str
    map_public_ip_on_launch: bool = False
    #: ipv4 | dual | ipv6-only (:mod:`~vpc_patterns.plan.ipv6`)
    ip_stack: str = "ipv4"
    #: the subnet's /64 number in the VPC's IPv6 block (None: IPv4 only)
    ipv6_index: int | None = None

    @property
    def total_addresses(self) -> int:
        return ipaddress.ip_network(self.cidr).num_addresses

    @property
    def usable_addresses(self) -> int:
        return self.total_addresses - AWS_RESERVED_PER_SUBNET


@dataclass(frozen=True)
class GatewayEndpointPlan:
    service: str
    construct_id: str
    route_tables: tuple[str, ...]


@dataclass(frozen=True)
class VpcPlan:
    """The whole network as data. Every field is derived, deterministic."""

    cidr: str
    azs: tuple[AzPlacement, ...]
    az_slots: int
    az_mode: str  # "index" | "name" | "id"
    tiers: tuple[TierBlock, ...]
    subnets: tuple[SubnetPlan, ...]
    route_tables: tuple[RouteTablePlan, ...]
    nat: NatProvider
    nats: tuple[NatPlan, ...]
    gateway_endpoints: tuple[GatewayEndpointPlan, ...]
    free: tuple[str, ...] = field(default=())
    #: the VPC's IPv6 block (None: IPv4 only)
    ipv6: Ipv6Block | None = None

    def ipv6_subnet(self, subnet: SubnetPlan) -> str | None:
        """The subnet's /64 as a CIDR when the block is literal (BYOIP with a
        CIDR); None when AWS decides the block at deploy time."""
        if self.ipv6 is None or subnet.ipv6_index is None:
            return None
        return literal_subnet(self.ipv6, subnet.ipv6_index)

    # -- look-ups ----------------------------------------------------------
    def subnet(self, tier: str, az_index: int) -> SubnetPlan:
        for s in self.subnets:
            if s.tier == tier and s.az.index == az_index:
                return s
        raise KeyError(f"no subnet for tier {tier!r} in AZ index {az_index}")

    def subnets_of(self, tier: str) -> tuple[SubnetPlan, ...]:
        return tuple(s for s in self.subnets if s.tier == tier)

    def subnets_by_kind(self, kind: SubnetKind) -> tuple[SubnetPlan, ...]:
        return tuple(s for s in self.subnets if s.kind is kind)

    def tier_block(self, tier: str) -> TierBlock:
        for t in self.tiers:
            if t.tier == tier:
                return t
        raise KeyError(tier)

    def route_table(self, construct_id: str) -> RouteTablePlan:
        for rt in self.route_tables:
            if rt.construct_id == construct_id:
                return rt
        raise KeyError(construct_id)

    def private_ranges(self) -> tuple[str, ...]:
        """The blocks of the private tiers (one CIDR per tier)."""
        return tuple(t.block for t in self.tiers if t.kind is SubnetKind.PRIVATE and not t.reserved)

    @property
    def free_addresses(self) -> int:
        return sum(ipaddress.ip_network(c).num_addresses for c in self.free)

    def monthly_nat_gateway_usd(self, region: str = "us-east-1") -> float:
        """Fixed hourly charge of the NAT gateways (list price of ``region``
        from the newest price file); excludes data processing."""
        key = NAT_GATEWAY_HOUR
        n = sum(n.strategy.hourly_units(n, len(self.azs)) for n in self.nats
                if n.strategy.hourly_price_key == key)
        if n == 0:
            return 0.0
        return round(n * hourly_list_price(key, region) * HOURS_PER_MONTH, 2)

    # -- presentation ------------------------------------------------------
    def table(self) -> str:
        """The plan as a text table: tier x AZ, CIDR, usable addresses."""
        rows: list[tuple[str, ...]] = [("tier", "kind", "az", "cidr", "usable", "route table")]
        if self.ipv6 is not None:
            rows[0] = rows[0] + ("ipv6",)
        for s in self.subnets:
            row: tuple[str, ...] = (s.tier, s.kind.value, s.az.label,
                                    s.cidr if s.ip_stack != "ipv6-only" else f"({s.cidr} unused)",
                                    str(s.usable_addresses) if s.ip_stack != "ipv6-only" else "-",
                                    s.route_table)
            if self.ipv6 is not None:
                row = row + (self._ipv6_text(s),)
            rows.append(row)
        for t in self.tiers:
            if t.reserved:
                rows.append((t.tier, t.kind.value, "(reserved)", t.block, "-", "-")
                            + (("-",) if self.ipv6 is not None else ()))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        total = ipaddress.ip_network(self.cidr).num_addresses
        lines.append("")
        lines.append(
            f"VPC {self.cidr}: {total} addresses, {self.free_addresses} not allocated "
            f"to any tier block ({', '.join(self.free) or 'none'})"
        )
        for t in self.tiers:
            used = len(self.subnets_of(t.tier))
            lines.append(
                f"tier {t.tier}: block {t.block}, /{t.cidr_mask} subnets, "
                f"{used} of {self.az_slots} slots used"
                + (f", {t.ip_stack}, IPv6 /64s #{t.ipv6_range[0]}.. (a /{t.ipv6_range[1]})"
                   if t.ipv6_range is not None else "")
            )
        if self.ipv6 is not None:
            lines.append(f"IPv6: {self.ipv6.describe()}")
        return "\n".join(lines)

    def _ipv6_text(self, s: SubnetPlan) -> str:
        if s.ip_stack == "ipv4" or s.ipv6_index is None:
            return "-"
        return self.ipv6_subnet(s) or f"/64 #{s.ipv6_index}"

    def to_dict(self) -> dict[str, object]:
        return {
            "cidr": self.cidr,
            "azs": [a.label for a in self.azs],
            "az_slots": self.az_slots,
            "tiers": [
                {"name": t.tier, "kind": t.kind.value, "block": t.block, "mask": t.cidr_mask,
                 "reserved": t.reserved}
                for t in self.tiers
            ],
            "subnets": [
                {"tier": s.tier, "az": s.az.label, "cidr": s.cidr, "id": s.construct_id,
                 "route_table": s.route_table,
                 **({"ip_stack": s.ip_stack, "ipv6_index": s.ipv6_index}
                    if self.ipv6 is not None else {})}
                for s in self.subnets
            ],
            "route_tables": [
                {"id": rt.construct_id, "subnets": list(rt.subnets),
                 "routes": [{"destination": r.destination, "target": r.target.value,
                             "target_id": r.target_id} for r in rt.routes]}
                for rt in self.route_tables
            ],
            "nats": [{"id": n.construct_id, "kind": n.kind.value, "az": n.az.label,
                      "subnet": n.subnet} for n in self.nats],
            "gateway_endpoints": [{"service": g.service, "route_tables": list(g.route_tables)}
                                  for g in self.gateway_endpoints],
            "free": list(self.free),
            **({"ipv6": {"source": self.ipv6.source, "netmask": self.ipv6.netmask,
                         "pool_id": self.ipv6.pool_id, "cidr": self.ipv6.cidr}}
               if self.ipv6 is not None else {}),
        }


def _check_unique_ids(
    subnets: Sequence[SubnetPlan],
    route_tables: Sequence[RouteTablePlan],
    nats: Sequence[NatPlan],
    endpoints: Sequence[GatewayEndpointPlan],
) -> None:
    """Every construct id the plan hands out must be unique among the VPC's
    children (a duplicate would surface as a jsii error deep inside CDK)."""
    owner: dict[str, str] = {i: "the VPC construct itself" for i in RESERVED_CONSTRUCT_IDS}
    items = [(s.construct_id, f"subnet of tier {s.tier!r}") for s in subnets]
    items += [(rt.construct_id, f"route table of tier {rt.tier!r}") for rt in route_tables]
    items += [item for n in nats for item in n.strategy.construct_ids(n)]
    items += [(g.construct_id, f"the {g.service} gateway endpoint") for g in endpoints]
    for cid, what in items:
        if cid in owner:
            raise ConfigError(
                f"construct id {cid!r} of {what} collides with {owner[cid]}; rename the tier"
            )
        owner[cid] = what


def _check_gateway_endpoints(gateway_endpoints: object) -> list[str]:
    if (gateway_endpoints is None or isinstance(gateway_endpoints, (bytes, int, Mapping))
            or not isinstance(gateway_endpoints, Iterable)):
        raise ConfigError(
            f"gateway_endpoints {gateway_endpoints!r} must be a list of service names "
            f"({', '.join(GATEWAY_ENDPOINT_SERVICES)}); () for none"
        )
    if isinstance(gateway_endpoints, str):
        raise ConfigError(
            f"gateway_endpoints {gateway_endpoints!r} must be a list of service names, "
            f"e.g. [{gateway_endpoints!r}]"
        )
    services = list(gateway_endpoints)
    for svc in services:
        if services.count(svc) > 1:
            raise ConfigError(f"gateway_endpoints lists {svc!r} more than once")
        if svc not in GATEWAY_ENDPOINT_SERVICES:
            raise ConfigError(
                f"gateway endpoint {svc!r} is unknown; AWS offers gateway endpoints only "
                f"for {', '.join(GATEWAY_ENDPOINT_SERVICES)}"
            )
    return services


#: The ``Args:`` entries of the network options, written once: the docstrings
#: of :func:`plan_network` and of ``BestPracticeVpc`` (which takes the same
#: options) include them where they say ``<network options>``.
NETWORK_OPTION_DOCS = """\
        cidr: the VPC's IPv4 range, /16 to /28; host bits, loopback,
            link-local and multicast ranges are refused. Default:
            ``"10.0.0.0/16"`` (:data:`DEFAULT_CIDR`): the largest VPC AWS
            allows, room for every tier to grow.
        max_azs: how many AZs, 1..6, taken by index (``Fn::Select`` of
            ``Fn::GetAZs``: no lookup, no credentials). Default: ``None``: 3
            (:data:`DEFAULT_MAX_AZS`), or as many as ``availability_zones`` /
            ``availability_zone_ids`` list: three AZs survive the loss of one
            with a majority left (quorum systems, Multi-AZ databases), and every
            commercial region has three.
        availability_zones: explicit AZ names (``["eu-west-1a", ...]``), one
            region; replaces ``max_azs``. Default: ``None``: AZs by index, which
            needs no lookup and keeps the stack environment-agnostic.
        availability_zone_ids: explicit AZ ids (``["euw1-az1", ...]``), the
            same physical zone in every account. Default: ``None``: AZs by index;
            give ids when several accounts must line up (shared services, RAM).
        tiers: the :class:`Tier` rows, placed in this order. Default: ``None``:
            public, private and isolated (:func:`default_tiers`), the three
            roles a network needs: load balancers and NATs, workloads, data
            stores.
        az_slots: subnet slots reserved per tier, 1..8. Default: ``8``
            (:data:`DEFAULT_AZ_SLOTS`): the largest region has 6 AZs and 8 is
            the next power of two, so ``max_azs`` can grow later without moving
            a subnet. Choose it once: changing it moves every tier.
        nat: a :class:`NatProvider`. Default: ``None``:
            :meth:`NatProvider.gateway_per_az`: no AZ depends on another, and no
            egress pays cross-AZ charges.
        gateway_endpoints: gateway endpoint services, of ``s3`` and
            ``dynamodb``, attached to every private and isolated route table;
            ``()`` for none. Default: ``("s3", "dynamodb")``: gateway endpoints
            are free and keep that traffic off the NATs, which charge per GB.
"""
_NETWORK_OPTIONS_MARK = "        <network options>\n"

_Documented = TypeVar("_Documented")


def with_network_option_docs(obj: _Documented) -> _Documented:
    """Put :data:`NETWORK_OPTION_DOCS` where ``obj``'s docstring says
    ``<network options>`` (a function or a class)."""
    doc = obj.__doc__ or ""
    if _NETWORK_OPTIONS_MARK not in doc:
        raise ValueError(f"{obj!r}: no '<network options>' line in its docstring")
    obj.__doc__ = doc.replace(_NETWORK_OPTIONS_MARK, NETWORK_OPTION_DOCS)
    return obj


@with_network_option_docs
def plan_network(
    *,
    cidr: str = DEFAULT_CIDR,
    max_azs: int | None = None,
    availability_zones: Sequence[str] | None = None,
    availability_zone_ids: Sequence[str] | None = None,
    tiers: Sequence[Tier] | None = None,
    az_slots: int = DEFAULT_AZ_SLOTS,
    nat: NatProvider | None = None,
    gateway_endpoints: Sequence[str] = GATEWAY_ENDPOINT_SERVICES,
    ipv6: Ipv6Block | None = None,
) -> VpcPlan:
    """Validate the inputs and compute the network. Raises :class:`ConfigError`.

    Args:
        <network options>
        ipv6: the VPC's IPv6 block (:class:`~vpc_patterns.plan.ipv6.Ipv6Block`);
            every tier gets a /64 per AZ by the stable rule of
            :mod:`vpc_patterns.plan.ipv6`. Default: ``None``: IPv4 only. The
            plan holds the IPv6 layout; ``BestPracticeVpc`` does not build it
            yet.
    """
    vpc = parse_vpc_cidr(cidr)
    if isinstance(az_slots, bool) or not isinstance(az_slots, int) or not 1 <= az_slots <= 8:
        raise ConfigError(f"az_slots {az_slots!r} must be an integer from 1 to 8")
    tier_list = validate_tiers(list(default_tiers() if tiers is None else tiers), vpc)
    azs, az_mode = resolve_azs(max_azs, availability_zones, availability_zone_ids, az_slots)
    nat = NatProvider.gateway_per_az() if nat is None else nat
    if not isinstance(nat, NatProvider):
        raise ConfigError(
            f"nat {nat!r} is not a NatProvider; use NatProvider.gateway_per_az(), "
            "single_gateway(), gateways(n), instances() or none()"
        )
    services = _check_gateway_endpoints(gateway_endpoints)
    if ipv6 is not None and not isinstance(ipv6, Ipv6Block):
        raise ConfigError(f"ipv6 {ipv6!r} is not an Ipv6Block; use Ipv6Block() for an "
                          "Amazon-provided /56")
    stacks = {t.name: parse_ip_stack(t.name, t.ip_stack, ipv6) for t, _ in tier_list}
    if ipv6 is not None:
        check_capacity(ipv6, len(tier_list), az_slots)
    position = {t.name: i for i, (t, _) in enumerate(tier_list)}

    blocks = place_blocks(vpc, tier_list, az_slots)
    tier_blocks = tuple(
        TierBlock(t.name, t.subnet_kind, str(b), mask, t.reserved, stacks[t.name],
                  tier_range(position[t.name], az_slots) if ipv6 is not None else None)
        for (t, mask), b in zip(tier_list, blocks)
    )
    active = [(t, mask, b) for (t, mask), b in zip(tier_list, blocks) if not t.reserved]
    public = [t.name for t, _, _ in active if t.subnet_kind is SubnetKind.PUBLIC]
    if nat.strategy.sits_in_public_tier and public and stacks[public[0]] == "ipv6-only" \
            and any(t.subnet_kind is SubnetKind.PRIVATE for t, _, _ in active):
        raise ConfigError(f"tier {public[0]!r} ip_stack 'ipv6-only': the NATs of the private "
                          "tiers live in the first public tier and need IPv4 there; make it "
                          "'dual', or put another public tier first")
    private = [t.name for t, _, _ in active if t.subnet_kind is SubnetKind.PRIVATE]

    strategy = nat.strategy
    nats: tuple[NatPlan, ...] = ()
    if private:
        strategy.check(nat, public=public, private=private, az_count=len(azs))
        # a strategy that needs no public tier (regional NAT gateway) gets ""
        nats = strategy.plan(nat, azs, public[0] if public else "")

    subnets: list[SubnetPlan] = []
    route_tables: list[RouteTablePlan] = []
    for t, mask, b in active:
        kind = t.subnet_kind
        slots = list(b.subnets(new_prefix=mask))
        tier_id = pascal(t.name)
        placed: list[tuple[str, AzPlacement]] = []
        for az in azs:
            sid = f"{tier_id}Az{az.index + 1}"
            subnets.append(
                SubnetPlan(
                    tier=t.name,
                    kind=kind,
                    az=az,
                    cidr=str(slots[az.index]),
                    construct_id=sid,
                    route_table=_route_table_id(tier_id, kind, sid),
                    map_public_ip_on_launch=t.map_public_ip_on_launch,
                    ip_stack=stacks[t.name],
                    ipv6_index=(subnet_index(position[t.name], az.index, az_slots)
                                if ipv6 is not None and stacks[t.name] != "ipv4" else None),
                )
            )
            placed.append((sid, az))
        route_tables += plan_tier_route_tables(
            t.name, tier_id, kind, placed, lambda az: strategy.default_route(az, nats)
        )

    gw = tuple(
        GatewayEndpointPlan(
            service=svc,
            construct_id=f"{pascal(svc)}GatewayEndpoint",
            route_tables=tuple(
                rt.construct_id for rt in route_tables if rt.kind is not SubnetKind.PUBLIC
            ),
        )
        for svc in services
    )
    gw = tuple(g for g in gw if g.route_tables)

    _check_unique_ids(subnets, route_tables, nats, gw)
    plan = VpcPlan(
        cidr=str(vpc),
        azs=azs,
        az_slots=az_slots,
        az_mode=az_mode,
        tiers=tier_blocks,
        subnets=tuple(subnets),
        route_tables=tuple(route_tables),
        nat=nat,
        nats=nats,
        gateway_endpoints=gw,
        free=free_ranges(vpc, blocks),
        ipv6=ipv6,
    )
    # the network alone (ACLs and logs come on top, checked by BestPracticeVpc)
    check_stack_resources(count_vpc_resources(plan))
    return plan
