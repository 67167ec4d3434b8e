"""Tiers and their address space: the inputs that shape a VPC's CIDR plan.

:class:`Tier` is one row of subnets (one per AZ); :class:`SubnetKind` says what
its subnets can reach. :func:`validate_tiers` checks a list of tiers against
the VPC CIDR and gives each its subnet mask; :func:`place_blocks` gives each
tier its *block* (a power-of-two aligned range holding ``az_slots`` subnets),
first-fit in declaration order, so a block never depends on a tier declared
after it; :func:`free_ranges` lists what no block holds.
:func:`parse_vpc_cidr` validates the VPC CIDR itself.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.naming import pascal

#: A /16 is the largest block AWS allows for a VPC: room for every tier to grow.
DEFAULT_CIDR = "10.0.0.0/16"
#: Subnet slots reserved per tier. The largest region (us-east-1) has 6 AZs;
#: 8 is the next power of two, so ``max_azs`` can later grow to 6 (or 8)
#: without moving a subnet.
DEFAULT_AZ_SLOTS = 8
#: AWS accepts VPC CIDRs from /16 to /28.
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 28
#: AWS accepts subnet CIDRs from /16 to /28.
MIN_SUBNET_PREFIX, MAX_SUBNET_PREFIX = 16, 28
#: Every subnet loses 5 addresses to AWS: network, VPC router, DNS, future use,
#: broadcast.
AWS_RESERVED_PER_SUBNET = 5


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

_TIER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}\Z")
_CIDR_FORM = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}/([0-9]|[1-2][0-9]|3[0-2])\Z")

#: Ranges AWS refuses as a VPC CIDR, or that break the VPC (link-local holds
#: the instance metadata service and the Amazon DNS resolver).
_FORBIDDEN_RANGES = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("240.0.0.0/4"),
)


@dataclass(frozen=True)
class Tier:
    """One row of subnets, one subnet per AZ.

    Args:
        name: letters, digits and ``-``, unique ignoring case and ``-``; it names
            the subnets, their construct ids and tags, so renaming a tier
            replaces its subnets.
        kind: :class:`SubnetKind` (or its string value): ``public`` routes
            0.0.0.0/0 to the internet gateway (load balancers, NATs),
            ``private`` to a NAT (workloads), ``isolated`` nowhere off the VPC
            but the gateway endpoints (data stores).
        cidr_mask: prefix length of each subnet, /16../28. Default: ``None``:
            relative to the VPC (:data:`DEFAULT_MASK_OFFSET`, public +8,
            private +4, isolated +6: /24, /20, /22 in a /16), because public
            subnets hold few addresses, private ones the workloads and their
            ENIs, and the sizes then scale with the VPC.
        reserved: plan the tier's block but create no subnets. Default:
            ``False``: a reserved tier only keeps room for a tier you will add
            later at a CIDR known today.
        block: pin the tier's block to this CIDR (aligned and sized for
            ``az_slots`` subnets). Default: ``None``: placed first-fit in
            declaration order, which keeps earlier tiers where they are;
            pinning is for adopting an existing layout.
        map_public_ip_on_launch: public tiers only. Default: ``False``: an
            instance should get a public address only when asked for.
        ip_stack: ``"ipv4"``, ``"dual"`` or ``"ipv6-only"``. Default: ``None``:
            ``"dual"`` when the VPC has an IPv6 block (``ipv6``), else
            ``"ipv4"``: a VPC given IPv6 gives it to every tier that does
            not say otherwise. Every tier keeps its IPv4 block and its range
            of /64s whatever its stack, so changing a tier's stack moves no
            other tier.
    """

    name: str
    kind: SubnetKind | str
    cidr_mask: int | None = None
    reserved: bool = False
    block: str | None = None
    map_public_ip_on_launch: bool = False
    ip_stack: str | None = None

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


@dataclass(frozen=True)
class TierBlock:
    """A tier's block in the plan: its CIDR and the mask of its subnets."""

    tier: str
    kind: SubnetKind
    block: str
    cidr_mask: int
    reserved: bool
    #: ipv4 | dual | ipv6-only
    ip_stack: str = "ipv4"
    #: the tier's range of /64s: first /64 number and prefix length (None
    #: without an IPv6 block)
    ipv6_range: tuple[int, int] | None = None


def parse_vpc_cidr(cidr: object, *, key: str = "cidr") -> ipaddress.IPv4Network:
    """Parse and check a VPC CIDR; ConfigError names the value and the fix."""
    if not isinstance(cidr, str):
        raise ConfigError(f"{key} {cidr!r} must be a string such as '10.0.0.0/16'")
    if "/" not in cidr:
        raise ConfigError(
            f"{key} {cidr!r} has no prefix length; expected a CIDR such as '10.0.0.0/16'")
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


def validate_tiers(tiers: Sequence[Tier], vpc: ipaddress.IPv4Network) -> list[tuple[Tier, int]]:
    """Check every tier against ``vpc``; return each with its subnet mask."""
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


def place_blocks(
    vpc: ipaddress.IPv4Network, tiers: list[tuple[Tier, int]], az_slots: int
) -> list[ipaddress.IPv4Network]:
    """Each tier's block: pinned, or first-fit in declaration order."""
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
                        f"({', '.join(free_ranges(vpc, [x for x in placed if x is not None]))})"
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


def free_ranges(
    vpc: ipaddress.IPv4Network, used: Iterable[ipaddress.IPv4Network]
) -> tuple[str, ...]:
    """The parts of ``vpc`` no range in ``used`` covers, as collapsed CIDRs."""
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
