"""The IPv6 half of the plan: where the VPC's IPv6 block comes from, which
tiers are dual-stack or IPv6-only, and which /64 of the block each subnet
gets (pure Python).

How /64s stay stable
--------------------
Every tier, whatever its stack and reserved or not, owns a *range* of the
block: ``stride`` consecutive /64s, ``stride`` being ``az_slots`` rounded up
to a power of two (8 by default), so a tier's range is one aligned CIDR (a
/61) that an ACL rule can name. The tier declared at position ``p`` owns
range ``p``; the subnet in AZ slot ``s`` is /64 number ``p * stride + s`` of
the block. Hence, as for IPv4:

* raising ``max_azs`` (up to ``az_slots``) only fills more /64s of each range;
* appending a tier only uses the next range;
* changing a tier's stack (``ipv4`` to ``dual`` and back) moves no other
  tier's /64s, and gives the tier the /64s it had before.

The block itself is decided by AWS at deploy time (an Amazon-provided /56, or
one allocated from an IPAM or BYOIP pool): the plan holds /64 *numbers*, and
the build layer turns number ``k`` into ``Fn::Select [k, Fn::Cidr [<the
VPC's block>, n, 64]]``. A BYOIP block given as a literal CIDR makes every
/64 literal too.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError

#: What each tier may carry: IPv4 only, both families, or IPv6 only.
IP_STACKS = ("ipv4", "dual", "ipv6-only")
#: Where the VPC's IPv6 block comes from.
IPV6_SOURCES = ("amazon", "ipam", "byoip")
#: The prefix length AWS gives every IPv6 subnet.
SUBNET_PREFIX = 64
#: AWS's Amazon-provided VPC block.
AMAZON_NETMASK = 56
#: VPC blocks from IPAM: /44 to /60 in steps of 4 (a nibble boundary).
IPAM_NETMASKS = tuple(range(44, 61, 4))
#: The most /64s ``Fn::Cidr`` can carve in one call.
FN_CIDR_MAX_COUNT = 256

_IPAM_POOL = re.compile(r"ipam-pool-[0-9a-f]{17}\Z")
_BYOIP_POOL = re.compile(r"ipv6pool-ec2-[0-9a-f]{17}\Z")


@dataclass(frozen=True)
class Ipv6Block:
    """The VPC's IPv6 block.

    Args:
        source: ``"amazon"`` (an Amazon-provided /56), ``"ipam"`` (allocated
            from ``pool_id``, an IPAM pool, with ``netmask``) or ``"byoip"``
            (from ``pool_id``, a BYOIP pool ``ipv6pool-ec2-...``, ``cidr`` the
            block to take from it). Default: ``"amazon"``: free, no pool to
            manage, and every /64 is globally routable.
        pool_id: the IPAM pool (``ipam-pool-...``) or BYOIP pool
            (``ipv6pool-ec2-...``). Default: ``None``: required for ``ipam``
            and ``byoip``, refused for ``amazon``.
        netmask: the block's prefix length. Default: ``56``: what AWS
            provides; IPAM allocations take /44 to /60 in steps of 4.
        cidr: BYOIP only: the /56 (or larger) to take from the pool; the
            plan's /64s are then literal. Default: ``None``.
    """

    source: str = "amazon"
    pool_id: str | None = None
    netmask: int = AMAZON_NETMASK
    cidr: str | None = None

    def __post_init__(self) -> None:
        if self.source not in IPV6_SOURCES:
            raise ConfigError(f"ipv6 source {self.source!r} is not accepted; accepted: "
                              + ", ".join(IPV6_SOURCES))
        if isinstance(self.netmask, bool) or not isinstance(self.netmask, int):
            raise ConfigError(f"ipv6 netmask {self.netmask!r} must be an integer prefix length")
        if self.source == "amazon":
            if self.pool_id is not None or self.cidr is not None:
                raise ConfigError(f"ipv6 source 'amazon' takes no pool_id or cidr (got "
                                  f"pool_id={self.pool_id!r}, cidr={self.cidr!r}); use "
                                  "source='ipam' or 'byoip' for a pool")
            if self.netmask != AMAZON_NETMASK:
                raise ConfigError(f"ipv6 netmask {self.netmask!r}: an Amazon-provided block is "
                                  f"always a /{AMAZON_NETMASK}")
            return
        pattern = _IPAM_POOL if self.source == "ipam" else _BYOIP_POOL
        example = "ipam-pool-0123456789abcdef0" if self.source == "ipam" \
            else "ipv6pool-ec2-0123456789abcdef0"
        if not isinstance(self.pool_id, str) or not pattern.match(self.pool_id):
            raise ConfigError(f"ipv6 pool_id {self.pool_id!r} is not a {self.source} pool id "
                              f"such as {example!r}")
        if self.source == "ipam":
            if self.cidr is not None:
                raise ConfigError(f"ipv6 cidr {self.cidr!r}: IPAM decides the block; give "
                                  "netmask, or use source='byoip' for a block of your own")
            if self.netmask not in IPAM_NETMASKS:
                raise ConfigError(f"ipv6 netmask /{self.netmask} is not accepted from IPAM; "
                                  "accepted: " + ", ".join(f"/{m}" for m in IPAM_NETMASKS))
            return
        net = _parse_block(self.cidr)
        if net.prefixlen > AMAZON_NETMASK:
            raise ConfigError(f"ipv6 cidr {self.cidr!r} is smaller than a /{AMAZON_NETMASK}, "
                              "the smallest VPC IPv6 block")
        if self.netmask != net.prefixlen:
            object.__setattr__(self, "netmask", net.prefixlen)

    @property
    def subnet_count(self) -> int:
        """How many /64s the block holds."""
        return 2 ** (SUBNET_PREFIX - self.netmask)

    @property
    def literal(self) -> ipaddress.IPv6Network | None:
        """The block, when the plan knows it (BYOIP with ``cidr``)."""
        return ipaddress.IPv6Network(self.cidr) if self.cidr is not None else None

    def describe(self) -> str:
        if self.source == "amazon":
            return "an Amazon-provided /56"
        if self.source == "ipam":
            return f"a /{self.netmask} from IPAM pool {self.pool_id}"
        return f"{self.cidr} from BYOIP pool {self.pool_id}"


def _parse_block(cidr: object) -> ipaddress.IPv6Network:
    try:
        net = ipaddress.ip_network(cidr, strict=True) if isinstance(cidr, str) else None
    except ValueError:
        net = None
    if not isinstance(net, ipaddress.IPv6Network):
        raise ConfigError(f"ipv6 cidr {cidr!r} must be an aligned IPv6 CIDR such as "
                          "'2001:db8:1200::/56'")
    return net


def parse_ip_stack(tier: str, value: object, ipv6: Ipv6Block | None) -> str:
    """A tier's stack: its own, or the VPC's default (``dual`` when the VPC
    has an IPv6 block, else ``ipv4``)."""
    if value is None:
        return "dual" if ipv6 is not None else "ipv4"
    if value not in IP_STACKS:
        raise ConfigError(f"tier {tier!r} ip_stack {value!r} is not accepted; accepted: "
                          + ", ".join(IP_STACKS))
    if value != "ipv4" and ipv6 is None:
        raise ConfigError(f"tier {tier!r} ip_stack {value!r} needs an IPv6 block on the VPC: "
                          "give ipv6=Ipv6Block() (an Amazon-provided /56)")
    return str(value)


def stride(az_slots: int) -> int:
    """/64s per tier range: ``az_slots`` rounded up to a power of two."""
    out = 1
    while out < az_slots:
        out *= 2
    return out


def check_capacity(ipv6: Ipv6Block, tier_count: int, az_slots: int) -> None:
    """Every tier's range fits the block; else say what would."""
    per = stride(az_slots)
    need = tier_count * per
    # Fn::Cidr carves at most 256 /64s, which the build layer selects from
    have = min(ipv6.subnet_count, FN_CIDR_MAX_COUNT)
    if need <= have:
        return
    fits = have // per
    bigger = next((m for m in reversed(IPAM_NETMASKS) if 2 ** (SUBNET_PREFIX - m) >= need),
                  None)
    more = f", or an IPAM block of /{bigger}" if bigger is not None and ipv6.source != "amazon" \
        else (f", or source='ipam' with a /{bigger}" if bigger is not None else "")
    raise ConfigError(
        f"ipv6: {tier_count} tiers x {per} /64s each (az_slots {az_slots}) need {need} /64s; "
        f"{ipv6.describe()} holds {have}: use at most {fits} tiers, fewer az_slots{more}")


def subnet_index(tier_position: int, az_slot: int, az_slots: int) -> int:
    """The /64 number of a tier's subnet in an AZ slot."""
    return tier_position * stride(az_slots) + az_slot


def tier_range(tier_position: int, az_slots: int) -> tuple[int, int]:
    """(first /64 number, prefix length) of a tier's range."""
    per = stride(az_slots)
    return tier_position * per, SUBNET_PREFIX - (per.bit_length() - 1)


def literal_subnet(ipv6: Ipv6Block, index: int) -> str | None:
    """The /64 number ``index`` as a CIDR, when the block is literal."""
    block = ipv6.literal
    if block is None:
        return None
    return str(ipaddress.IPv6Network(
        (int(block.network_address) + (index << (128 - SUBNET_PREFIX)), SUBNET_PREFIX)))


__all__ = [
    "AMAZON_NETMASK", "FN_CIDR_MAX_COUNT", "IPAM_NETMASKS", "IPV6_SOURCES", "IP_STACKS",
    "SUBNET_PREFIX", "Ipv6Block", "check_capacity", "literal_subnet", "parse_ip_stack",
    "stride", "subnet_index", "tier_range",
]
