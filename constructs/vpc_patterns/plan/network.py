"""The network as data: a pure-Python plan of a VPC, made before any CDK call.

Nothing here imports aws_cdk. :func:`plan_network` validates every input and
returns a frozen :class:`VpcPlan` that says which CIDR each subnet gets, which
route table holds which routes, where the NATs are and which route tables the
gateway endpoints serve. The CDK constructs only turn that plan into resources.

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
import math
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping, Sequence

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.naming import pascal

# --------------------------------------------------------------------------
# Defaults, each a named constant with the reason for it.
# --------------------------------------------------------------------------

#: A /16 is the largest block AWS allows for a VPC: room for every tier to grow.
DEFAULT_CIDR = "10.0.0.0/16"
#: Three AZs survive the loss of one AZ with a majority left (quorum systems,
#: RDS Multi-AZ clusters) and every commercial region has at least three.
DEFAULT_MAX_AZS = 3
#: Subnet slots reserved per tier. The largest region (us-east-1) has 6 AZs;
#: 8 is the next power of two, so ``max_azs`` can later grow to 6 (or 8)
#: without moving a subnet.
DEFAULT_AZ_SLOTS = 8
#: AWS accepts VPC CIDRs from /16 to /28.
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 28
#: AWS accepts subnet CIDRs from /16 to /28.
MIN_SUBNET_PREFIX, MAX_SUBNET_PREFIX = 16, 28
#: AWS allows at most 6 AZs in any region (us-east-1).
MAX_AZS_LIMIT = 6
#: Every subnet loses 5 addresses to AWS: network, VPC router, DNS, future use,
#: broadcast.
AWS_RESERVED_PER_SUBNET = 5
#: NAT gateway hourly price in us-east-1 (USD), used only for documentation
#: and the plan's rough cost line; the cost report has dated per-region data.
NAT_GATEWAY_HOURLY_USD = 0.045
HOURS_PER_MONTH = 730


class SubnetKind(str, Enum):
    """What a tier's subnets can reach."""

    #: Routes 0.0.0.0/0 to the internet gateway. For load balancers and NATs.
    PUBLIC = "public"
    #: Routes 0.0.0.0/0 to a NAT: outbound only. For workloads.
    PRIVATE = "private"
    #: No route off the VPC (gateway endpoints only). For data stores.
    ISOLATED = "isolated"


#: Default size of a tier's subnets, as a prefix length *relative to the VPC*:
#: in a /16, public subnets are /24 (256 addresses: load balancers and NATs
#: need few), private /20 (4,096: workloads, container and Lambda ENIs) and
#: isolated /22 (1,024: databases and caches). They scale with the VPC.
DEFAULT_MASK_OFFSET: Mapping[SubnetKind, int] = {
    SubnetKind.PUBLIC: 8,
    SubnetKind.PRIVATE: 4,
    SubnetKind.ISOLATED: 6,
}

_TIER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
_CIDR_FORM = re.compile(r"^\d{1,3}(\.\d{1,3}){3}/([0-9]|[1-2][0-9]|3[0-2])$")
#: Construct ids BestPracticeVpc gives its own children; a tier whose
#: generated ids would collide with them is refused.
RESERVED_CONSTRUCT_IDS = frozenset({
    "Resource", "Vpc", "InternetGateway", "InternetGatewayAttachment", "LogsKey",
    "FlowLogGroup", "FlowLogRole", "FlowLogPolicy", "FlowLog", "RestrictDefaultSecurityGroup",
    "NatInstanceSecurityGroup", "NetworkAcls",
})
AZ_NAME_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+[a-z]$")
AZ_ID_PATTERN = re.compile(r"^[a-z]{2,5}\d+-az\d+$")

#: Ranges AWS refuses as a VPC CIDR, or that break the VPC (link-local holds
#: the instance metadata service and the Amazon DNS resolver).
_FORBIDDEN_RANGES = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("240.0.0.0/4"),
)


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One row of subnets, one subnet per AZ.

    :param name: letters, digits and ``-``; it names the subnets, their
        construct ids and tags, so renaming a tier replaces its subnets.
    :param kind: :class:`SubnetKind` (or its string value).
    :param cidr_mask: prefix length of each subnet. Default: relative to the
        VPC (see :data:`DEFAULT_MASK_OFFSET`).
    :param reserved: plan the tier's block but create no subnets, to keep room
        for a tier you will add later at a CIDR known today.
    :param block: pin the tier's block to this CIDR (it must be aligned and
        sized for ``az_slots`` subnets) instead of placing it first-fit; for
        adopting an existing layout.
    :param map_public_ip_on_launch: public tiers only; default False, because
        an instance should get a public address only when asked for.
    """

    name: str
    kind: SubnetKind | str
    cidr_mask: int | None = None
    reserved: bool = False
    block: str | None = None
    map_public_ip_on_launch: bool = False

    @property
    def subnet_kind(self) -> SubnetKind:
        return SubnetKind(self.kind)


def default_tiers() -> tuple[Tier, ...]:
    """The library's default layout: public, private and isolated (fresh objects)."""
    return (
        Tier("public", SubnetKind.PUBLIC),
        Tier("private", SubnetKind.PRIVATE),
        Tier("isolated", SubnetKind.ISOLATED),
    )


class NatKind(str, Enum):
    GATEWAY = "gateway"
    INSTANCE = "instance"
    NONE = "none"


@dataclass(frozen=True)
class NatProvider:
    """How private tiers reach the internet. Made by the static factories.

    * :meth:`gateway_per_az` (default): a NAT gateway in every AZ; no AZ
      depends on another and no traffic crosses AZs to leave the VPC.
    * :meth:`single_gateway`: one NAT gateway for all AZs. Saves
      (AZs - 1) x ~$33/month, but an outage of that AZ cuts every AZ off
      the internet, and traffic from other AZs pays cross-AZ data charges
      (~$0.01/GB each way) on top of NAT processing.
    * :meth:`gateways` (count): somewhere in between.
    * :meth:`instances`: self-healing NAT instances (an Auto Scaling group of
      one per AZ behind a fixed network interface); cheapest, but you own
      patching, and throughput is bound by the instance type.
    * :meth:`none`: no NAT; private tiers are then refused (use isolated).
    """

    kind: NatKind
    count: int | None = None
    instance_type: str = "t4g.nano"
    allowed_ports: tuple[int, ...] = (80, 443)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", NatKind(self.kind))
        except ValueError:
            raise ConfigError(
                f"NAT kind {self.kind!r} is unknown; accepted: "
                + ", ".join(k.value for k in NatKind)
            ) from None

    @staticmethod
    def gateway_per_az() -> "NatProvider":
        return NatProvider(NatKind.GATEWAY)

    @staticmethod
    def single_gateway() -> "NatProvider":
        return NatProvider(NatKind.GATEWAY, count=1)

    @staticmethod
    def gateways(count: int) -> "NatProvider":
        return NatProvider(NatKind.GATEWAY, count=count)

    @staticmethod
    def instances(
        *,
        instance_type: str = "t4g.nano",
        count: int | None = None,
        allowed_ports: Sequence[int] = (80, 443),
    ) -> "NatProvider":
        """NAT instances. ``allowed_ports``: TCP ports the instance forwards
        from the VPC's private ranges (default 80 and 443: package mirrors and
        HTTPS APIs; add e.g. 22 for git over SSH)."""
        return NatProvider(
            NatKind.INSTANCE,
            count=count,
            instance_type=instance_type,
            allowed_ports=tuple(allowed_ports),
        )

    @staticmethod
    def none() -> "NatProvider":
        return NatProvider(NatKind.NONE)

    @staticmethod
    def parse(value: str) -> "NatProvider":
        """Parse a short name used in configuration files."""
        table = {
            "gateway-per-az": NatProvider.gateway_per_az,
            "single-gateway": NatProvider.single_gateway,
            "instances": NatProvider.instances,
            "none": NatProvider.none,
        }
        if value not in table:
            raise ConfigError(
                f"NAT strategy {value!r} is unknown; accepted: {', '.join(sorted(table))}"
            )
        return table[value]()


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AzPlacement:
    """An AZ, named the way the user chose: by index into ``Fn::GetAZs``, by
    name, or by AZ id (the same physical zone in every account)."""

    index: int
    name: str | None = None
    zone_id: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.zone_id or f"az{self.index + 1}"


@dataclass(frozen=True)
class SubnetPlan:
    tier: str
    kind: SubnetKind
    az: AzPlacement
    cidr: str
    construct_id: str
    route_table: str
    map_public_ip_on_launch: bool = False

    @property
    def total_addresses(self) -> int:
        return ipaddress.ip_network(self.cidr).num_addresses

    @property
    def usable_addresses(self) -> int:
        return self.total_addresses - AWS_RESERVED_PER_SUBNET


@dataclass(frozen=True)
class TierBlock:
    tier: str
    kind: SubnetKind
    block: str
    cidr_mask: int
    reserved: bool


class RouteTarget(str, Enum):
    INTERNET_GATEWAY = "internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    NAT_INSTANCE = "nat-instance"


@dataclass(frozen=True)
class RoutePlan:
    destination: str
    target: RouteTarget
    #: construct id of the NAT for NAT routes; "" for the internet gateway.
    target_id: str = ""


@dataclass(frozen=True)
class RouteTablePlan:
    construct_id: str
    tier: str
    kind: SubnetKind
    az: AzPlacement | None
    subnets: tuple[str, ...]
    routes: tuple[RoutePlan, ...]


@dataclass(frozen=True)
class NatPlan:
    construct_id: str
    kind: NatKind
    az: AzPlacement
    subnet: str
    instance_type: str | None = None


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

    def monthly_nat_gateway_usd(self) -> float:
        """Fixed hourly charge of the NAT gateways (us-east-1 list price);
        excludes data processing."""
        n = sum(1 for n in self.nats if n.kind is NatKind.GATEWAY)
        return round(n * NAT_GATEWAY_HOURLY_USD * HOURS_PER_MONTH, 2)

    # -- presentation ------------------------------------------------------
    def table(self) -> str:
        """The plan as a text table: tier x AZ, CIDR, usable addresses."""
        rows = [("tier", "kind", "az", "cidr", "usable", "route table")]
        for s in self.subnets:
            rows.append(
                (s.tier, s.kind.value, s.az.label, s.cidr, str(s.usable_addresses), s.route_table)
            )
        for t in self.tiers:
            if t.reserved:
                rows.append((t.tier, t.kind.value, "(reserved)", t.block, "-", "-"))
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
            )
        return "\n".join(lines)

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
                 "route_table": s.route_table}
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
        }


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def parse_vpc_cidr(cidr: object, *, key: str = "cidr") -> ipaddress.IPv4Network:
    """Parse and check a VPC CIDR; ConfigError names the value and the fix."""
    if not isinstance(cidr, str):
        raise ConfigError(f"{key} {cidr!r} must be a string such as '10.0.0.0/16'")
    if "/" not in cidr:
        raise ConfigError(f"{key} {cidr!r} has no prefix length; expected a CIDR such as '10.0.0.0/16'")
    if ":" in cidr:
        raise ConfigError(f"{key} {cidr!r} is IPv6; the VPC's primary CIDR must be IPv4")
    if not _CIDR_FORM.match(cidr):
        raise ConfigError(
            f"{key} {cidr!r} is not an IPv4 CIDR written as address/prefix-length; expected "
            "a form such as '10.0.0.0/16'"
        )
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ConfigError(
            f"{key} {cidr!r} is not an IPv4 CIDR block; expected a form such as '10.0.0.0/16'"
        ) from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ConfigError(f"{key} {cidr!r} is IPv6; the VPC's primary CIDR must be IPv4")
    if str(net) != cidr:
        raise ConfigError(
            f"{key} {cidr!r} has host bits set; the network address is {str(net)!r}"
        )
    if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
        raise ConfigError(
            f"{key} {cidr!r} has prefix /{net.prefixlen}; AWS accepts a VPC from "
            f"/{MIN_VPC_PREFIX} (65,536 addresses) to /{MAX_VPC_PREFIX} (16 addresses)"
        )
    for bad in _FORBIDDEN_RANGES:
        if net.overlaps(bad):
            raise ConfigError(
                f"{key} {cidr!r} overlaps {bad}, which cannot be used in a VPC; use a "
                "private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or 100.64.0.0/10"
            )
    return net


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _validate_tiers(tiers: Sequence[Tier], vpc: ipaddress.IPv4Network) -> list[tuple[Tier, int]]:
    if not tiers:
        raise ConfigError("tiers is empty; give at least one Tier (name, kind, cidr_mask)")
    seen: dict[str, str] = {}
    out: list[tuple[Tier, int]] = []
    for t in tiers:
        if not isinstance(t, Tier):
            raise ConfigError(f"tiers entry {t!r} is not a vpc_patterns.Tier")
        if not isinstance(t.name, str) or not _TIER_NAME.match(t.name):
            raise ConfigError(
                f"tier name {t.name!r} is not accepted; use 1-32 letters, digits or '-', "
                "starting with a letter"
            )
        if re.search(r"(?i)az\d+$", t.name):
            raise ConfigError(
                f"tier name {t.name!r} ends in an AZ suffix; subnet ids are <tier>Az<n>, so "
                "such a name could collide with another tier's ids. Choose another name"
            )
        folded = pascal(t.name).lower()
        if folded in seen:
            raise ConfigError(
                f"tier name {t.name!r} duplicates {seen[folded]!r}; tier names must be unique "
                "(ignoring case and '-', since they become construct ids)"
            )
        seen[folded] = t.name
        try:
            kind = t.subnet_kind
        except ValueError:
            raise ConfigError(
                f"tier {t.name!r} has kind {t.kind!r}; accepted: "
                + ", ".join(k.value for k in SubnetKind)
            ) from None
        mask = t.cidr_mask
        if mask is None:
            mask = vpc.prefixlen + DEFAULT_MASK_OFFSET[kind]
            if mask > MAX_SUBNET_PREFIX:
                raise ConfigError(
                    f"tier {t.name!r}: the default {kind.value} subnet size for a "
                    f"/{vpc.prefixlen} VPC would be /{mask}, smaller than AWS's /28 minimum; "
                    "set cidr_mask on the tier or use a larger VPC CIDR"
                )
        if isinstance(mask, bool) or not isinstance(mask, int):
            raise ConfigError(f"tier {t.name!r} cidr_mask {mask!r} must be an integer 16..28")
        if not MIN_SUBNET_PREFIX <= mask <= MAX_SUBNET_PREFIX:
            raise ConfigError(
                f"tier {t.name!r} cidr_mask /{mask} is outside AWS's subnet range "
                f"/{MIN_SUBNET_PREFIX}../{MAX_SUBNET_PREFIX}"
            )
        if mask < vpc.prefixlen:
            raise ConfigError(
                f"tier {t.name!r} cidr_mask /{mask} is larger than the VPC {vpc}; "
                f"use /{vpc.prefixlen} or a longer prefix"
            )
        for flag in ("reserved", "map_public_ip_on_launch"):
            if not isinstance(getattr(t, flag), bool):
                raise ConfigError(
                    f"tier {t.name!r} {flag} {getattr(t, flag)!r} must be True or False"
                )
        if t.map_public_ip_on_launch and kind is not SubnetKind.PUBLIC:
            raise ConfigError(
                f"tier {t.name!r} is {kind.value} but sets map_public_ip_on_launch; "
                "only public tiers can assign public IPs"
            )
        out.append((t, mask))
    return out


def _resolve_azs(
    max_azs: int | None,
    availability_zones: Sequence[str] | None,
    availability_zone_ids: Sequence[str] | None,
    az_slots: int,
) -> tuple[tuple[AzPlacement, ...], str]:
    if availability_zones is not None and availability_zone_ids is not None:
        raise ConfigError(
            "availability_zones and availability_zone_ids are both set; give one: "
            "names (e.g. 'eu-west-1a') or ids (e.g. 'euw1-az1')"
        )
    if max_azs is not None and (isinstance(max_azs, bool) or not isinstance(max_azs, int)):
        raise ConfigError(f"max_azs {max_azs!r} must be an integer from 1 to {MAX_AZS_LIMIT}")
    if max_azs is not None and not 1 <= max_azs <= MAX_AZS_LIMIT:
        raise ConfigError(
            f"max_azs {max_azs} is out of range; accepted 1..{MAX_AZS_LIMIT} "
            "(no region has more than 6 AZs)"
        )
    explicit = availability_zones if availability_zones is not None else availability_zone_ids
    if explicit is not None:
        mode = "name" if availability_zones is not None else "id"
        option = "availability_zones" if mode == "name" else "availability_zone_ids"
        items = list(explicit)
        if isinstance(explicit, str) or not items:
            raise ConfigError(f"{option} {explicit!r} must be a non-empty list of strings")
        pattern = AZ_NAME_PATTERN if mode == "name" else AZ_ID_PATTERN
        example = "'us-east-1a'" if mode == "name" else "'use1-az1'"
        for z in items:
            if not isinstance(z, str) or not pattern.match(z):
                raise ConfigError(f"{option} entry {z!r} is not an AZ {mode}; expected e.g. {example}")
        dup = sorted({z for z in items if items.count(z) > 1})
        if dup:
            raise ConfigError(f"{option} lists {dup[0]!r} more than once")
        prefixes = {(z[:-1] if mode == "name" else z.split("-az")[0]) for z in items}
        if len(prefixes) > 1:
            raise ConfigError(
                f"{option} {items!r} spans several regions ({', '.join(sorted(prefixes))}); "
                "a VPC lives in one region"
            )
        if len(items) > MAX_AZS_LIMIT:
            raise ConfigError(f"{option} lists {len(items)} AZs; at most {MAX_AZS_LIMIT}")
        if max_azs is not None and max_azs != len(items):
            raise ConfigError(
                f"max_azs {max_azs} conflicts with {option} ({len(items)} AZs); "
                "leave max_azs unset when you list the AZs"
            )
        azs = tuple(
            AzPlacement(i, name=z if mode == "name" else None, zone_id=z if mode == "id" else None)
            for i, z in enumerate(items)
        )
    else:
        mode = "index"
        n = DEFAULT_MAX_AZS if max_azs is None else max_azs
        azs = tuple(AzPlacement(i) for i in range(n))
    if len(azs) > az_slots:
        raise ConfigError(
            f"{len(azs)} AZs do not fit az_slots {az_slots}; raise az_slots to at least "
            f"{len(azs)} (changing az_slots moves every subnet, so choose it once)"
        )
    return azs, mode


def _place_blocks(
    vpc: ipaddress.IPv4Network, tiers: list[tuple[Tier, int]], az_slots: int
) -> list[ipaddress.IPv4Network]:
    slot_bits = math.ceil(math.log2(_next_pow2(az_slots)))
    wanted: list[int] = []
    for t, mask in tiers:
        block_prefix = mask - slot_bits
        if block_prefix < vpc.prefixlen:
            raise ConfigError(
                f"tier {t.name!r}: {az_slots} slots of /{mask} need a /{block_prefix} block, "
                f"larger than the VPC {vpc}; use a longer cidr_mask, fewer az_slots or a "
                f"/{block_prefix} VPC"
            )
        wanted.append(block_prefix)
    # One pass in declaration order, so a tier's block never depends on a tier
    # declared after it: a later pinned block that collides with an earlier
    # tier is refused rather than moving the earlier tier.
    placed: list[ipaddress.IPv4Network | None] = [None] * len(tiers)
    for i, (t, mask) in enumerate(tiers):
        if t.block is not None:
            try:
                b = ipaddress.ip_network(t.block, strict=True)
            except (ValueError, TypeError):
                raise ConfigError(
                    f"tier {t.name!r} block {t.block!r} is not an aligned IPv4 CIDR"
                ) from None
            if not isinstance(b, ipaddress.IPv4Network) or not b.subnet_of(vpc):
                raise ConfigError(f"tier {t.name!r} block {t.block!r} is not inside the VPC {vpc}")
            if b.prefixlen != wanted[i]:
                raise ConfigError(
                    f"tier {t.name!r} block {t.block!r} must be a /{wanted[i]} "
                    f"({az_slots} slots of /{mask})"
                )
            for j, other in enumerate(placed):
                if other is not None and other.overlaps(b):
                    raise ConfigError(
                        f"tier {t.name!r} block {t.block!r} overlaps tier {tiers[j][0].name!r} "
                        f"block {other}; pin it to a free range "
                        f"({', '.join(_free_ranges(vpc, [x for x in placed if x is not None]))})"
                    )
            placed[i] = b
            continue
        taken = [b for b in placed if b is not None]
        for cand in vpc.subnets(new_prefix=wanted[i]):
            if not any(cand.overlaps(b) for b in taken):
                placed[i] = cand
                break
        else:
            need = sum(2 ** (32 - p) for p in wanted)
            parts = ", ".join(
                f"{tt.name} {2 ** (32 - p)}" for (tt, _), p in zip(tiers, wanted)
            )
            smallest = 32 - max(1, math.ceil(math.log2(need)))
            advice = (
                f"use a /{smallest} or larger VPC, smaller cidr_mask values, or fewer az_slots"
                if smallest >= MIN_VPC_PREFIX
                else "this is more than the largest VPC (/16) holds: use smaller cidr_mask "
                "values or fewer az_slots"
            )
            raise ConfigError(
                f"the tiers do not fit in {vpc} ({vpc.num_addresses} addresses): tier "
                f"{t.name!r} finds no free /{wanted[i]}. The plan needs at least {need} "
                f"addresses ({parts}; {az_slots} AZ slots each): {advice}"
            )
    return [b for b in placed if b is not None]


def _free_ranges(vpc: ipaddress.IPv4Network, used: Iterable[ipaddress.IPv4Network]) -> tuple[str, ...]:
    free = [vpc]
    for u in used:
        nxt: list[ipaddress.IPv4Network] = []
        for f in free:
            if u.subnet_of(f):
                nxt.extend(f.address_exclude(u))
            elif f.subnet_of(u):
                continue
            else:
                nxt.append(f)
        free = nxt
    return tuple(str(n) for n in sorted(ipaddress.collapse_addresses(free)))


GATEWAY_ENDPOINT_SERVICES = ("s3", "dynamodb")


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
    items += [(n.construct_id, "a NAT") for n in nats]
    items += [(n.construct_id + "Eip", "a NAT's Elastic IP") for n in nats]
    items += [(g.construct_id, f"the {g.service} gateway endpoint") for g in endpoints]
    for cid, what in items:
        if cid in owner:
            raise ConfigError(
                f"construct id {cid!r} of {what} collides with {owner[cid]}; rename the tier"
            )
        owner[cid] = what


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
) -> VpcPlan:
    """Validate the inputs and compute the network. Raises :class:`ConfigError`."""
    vpc = parse_vpc_cidr(cidr)
    if isinstance(az_slots, bool) or not isinstance(az_slots, int) or not 1 <= az_slots <= 8:
        raise ConfigError(f"az_slots {az_slots!r} must be an integer from 1 to 8")
    tier_list = _validate_tiers(list(default_tiers() if tiers is None else tiers), vpc)
    azs, az_mode = _resolve_azs(max_azs, availability_zones, availability_zone_ids, az_slots)
    nat = NatProvider.gateway_per_az() if nat is None else nat
    if not isinstance(nat, NatProvider):
        raise ConfigError(
            f"nat {nat!r} is not a NatProvider; use NatProvider.gateway_per_az(), "
            "single_gateway(), gateways(n), instances() or none()"
        )
    if gateway_endpoints is None or isinstance(gateway_endpoints, (bytes, int)):
        raise ConfigError(
            f"gateway_endpoints {gateway_endpoints!r} must be a list of service names "
            f"({', '.join(GATEWAY_ENDPOINT_SERVICES)}); () for none"
        )
    if isinstance(gateway_endpoints, str):
        raise ConfigError(
            f"gateway_endpoints {gateway_endpoints!r} must be a list of service names, "
            f"e.g. [{gateway_endpoints!r}]"
        )
    gateway_endpoints = list(gateway_endpoints)
    for svc in gateway_endpoints:
        if gateway_endpoints.count(svc) > 1:
            raise ConfigError(f"gateway_endpoints lists {svc!r} more than once")
        if svc not in GATEWAY_ENDPOINT_SERVICES:
            raise ConfigError(
                f"gateway endpoint {svc!r} is unknown; AWS offers gateway endpoints only "
                f"for {', '.join(GATEWAY_ENDPOINT_SERVICES)}"
            )

    blocks = _place_blocks(vpc, tier_list, az_slots)
    tier_blocks = tuple(
        TierBlock(t.name, t.subnet_kind, str(b), mask, t.reserved)
        for (t, mask), b in zip(tier_list, blocks)
    )
    active = [(t, mask, b) for (t, mask), b in zip(tier_list, blocks) if not t.reserved]
    public = [t for t, _, _ in active if t.subnet_kind is SubnetKind.PUBLIC]
    private = [t for t, _, _ in active if t.subnet_kind is SubnetKind.PRIVATE]

    # NAT validation
    if nat.kind is not NatKind.NONE and private:
        if not public:
            raise ConfigError(
                f"NAT strategy {nat.kind.value!r} needs a public tier to sit in, and there is "
                f"none for private tier {private[0].name!r}; add a Tier(kind='public'), or make "
                "the private tiers isolated and use NatProvider.none()"
            )
        if nat.count is not None and (
            isinstance(nat.count, bool) or not isinstance(nat.count, int)
            or not 1 <= nat.count <= len(azs)
        ):
            raise ConfigError(
                f"NAT count {nat.count!r} must be between 1 and the number of AZs ({len(azs)})"
            )
        if nat.kind is NatKind.INSTANCE:
            if not isinstance(nat.instance_type, str) or not re.match(
                r"^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$", nat.instance_type
            ):
                raise ConfigError(
                    f"NAT instance type {nat.instance_type!r} is not an EC2 instance type "
                    "such as 't4g.nano'"
                )
            if not nat.allowed_ports or any(
                isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535
                for p in nat.allowed_ports
            ):
                raise ConfigError(
                    f"NAT instance allowed_ports {nat.allowed_ports!r} must be a non-empty "
                    "list of TCP ports 1..65535"
                )
    if private and nat.kind is NatKind.NONE:
        raise ConfigError(
            f"tier {private[0].name!r} is private (egress through NAT) but nat is "
            "NatProvider.none(); make the tier isolated or choose a NAT provider"
        )

    # Subnets and route tables
    subnets: list[SubnetPlan] = []
    route_tables: list[RouteTablePlan] = []
    nat_subnet_tier = public[0].name if public else None
    nat_azs: list[AzPlacement] = []
    if nat.kind is not NatKind.NONE and private:
        n = len(azs) if nat.count is None else nat.count
        nat_azs = list(azs[:n])
    nats: list[NatPlan] = []
    for az in nat_azs:
        tier_name = nat_subnet_tier or ""
        nats.append(
            NatPlan(
                construct_id=f"NatAz{az.index + 1}",
                kind=nat.kind,
                az=az,
                subnet=f"{pascal(tier_name)}Az{az.index + 1}",
                instance_type=nat.instance_type if nat.kind is NatKind.INSTANCE else None,
            )
        )
    nat_target = RouteTarget.NAT_GATEWAY if nat.kind is NatKind.GATEWAY else RouteTarget.NAT_INSTANCE

    for t, mask, b in active:
        kind = t.subnet_kind
        slots = list(b.subnets(new_prefix=mask))
        tier_id = pascal(t.name)
        ids: list[str] = []
        for az in azs:
            sid = f"{tier_id}Az{az.index + 1}"
            rt_id = f"{tier_id}RouteTable" if kind is not SubnetKind.PRIVATE else f"{sid}RouteTable"
            subnets.append(
                SubnetPlan(
                    tier=t.name,
                    kind=kind,
                    az=az,
                    cidr=str(slots[az.index]),
                    construct_id=sid,
                    route_table=rt_id,
                    map_public_ip_on_launch=t.map_public_ip_on_launch,
                )
            )
            ids.append(sid)
        if kind is SubnetKind.PUBLIC:
            route_tables.append(
                RouteTablePlan(f"{tier_id}RouteTable", t.name, kind, None, tuple(ids),
                               (RoutePlan("0.0.0.0/0", RouteTarget.INTERNET_GATEWAY),))
            )
        elif kind is SubnetKind.ISOLATED:
            route_tables.append(RouteTablePlan(f"{tier_id}RouteTable", t.name, kind, None, tuple(ids), ()))
        else:
            for az, sid in zip(azs, ids):
                same_az = [n for n in nats if n.az.index == az.index]
                chosen = same_az[0] if same_az else nats[az.index % len(nats)]
                route_tables.append(
                    RouteTablePlan(f"{sid}RouteTable", t.name, kind, az, (sid,),
                                   (RoutePlan("0.0.0.0/0", nat_target, chosen.construct_id),))
                )

    gw = tuple(
        GatewayEndpointPlan(
            service=svc,
            construct_id=f"{pascal(svc)}GatewayEndpoint",
            route_tables=tuple(
                rt.construct_id for rt in route_tables if rt.kind is not SubnetKind.PUBLIC
            ),
        )
        for svc in gateway_endpoints
    )
    gw = tuple(g for g in gw if g.route_tables)

    _check_unique_ids(subnets, route_tables, nats, gw)
    return VpcPlan(
        cidr=str(vpc),
        azs=azs,
        az_slots=az_slots,
        az_mode=az_mode,
        tiers=tier_blocks,
        subnets=tuple(subnets),
        route_tables=tuple(route_tables),
        nat=nat,
        nats=tuple(nats),
        gateway_endpoints=gw,
        free=_free_ranges(vpc, blocks),
    )
