"""Small helpers shared by the constructs that attach to a BestPracticeVpc
(interface endpoints, peering, extra network interfaces): check what was
handed in as ``network``, resolve a tier, and remember per-network facts
(which peer CIDRs a VPC already routes to, which fixed IPs are taken) for as
long as the network object lives. No CDK import at module level."""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any, Sequence

from .errors import ConfigError
from .plan import SubnetPlan, VpcPlan

if TYPE_CHECKING:  # pragma: no cover
    from .vpc import BestPracticeVpc


def is_token(value: object) -> bool:
    """A CDK token (unresolved reference): known only at deploy time."""
    return isinstance(value, str) and "${Token[" in value


def require_network(network: Any, what: str) -> "BestPracticeVpc":
    """``network`` must be a BestPracticeVpc (duck-typed: a plan, the L1 VPC,
    its subnets and route tables)."""
    for attr in ("plan", "cfn_vpc", "subnets", "route_tables"):
        if not hasattr(network, attr):
            raise ConfigError(
                f"{what}: network {network!r} is not a vpc_patterns.BestPracticeVpc "
                f"(it has no {attr!r}); pass the BestPracticeVpc construct itself"
            )
    if not isinstance(network.plan, VpcPlan):
        raise ConfigError(f"{what}: network.plan is not a VpcPlan")
    return network


def active_tiers(plan: VpcPlan) -> list[str]:
    """Tiers that have subnets (reserved tiers have none)."""
    return [t.tier for t in plan.tiers if not t.reserved]


def tier_subnets(plan: VpcPlan, tier: object, what: str) -> tuple[SubnetPlan, ...]:
    """The subnets of ``tier`` (one per AZ), or ConfigError naming the tier
    and the tiers that exist."""
    names = active_tiers(plan)
    if not isinstance(tier, str) or tier not in names:
        reserved = [t.tier for t in plan.tiers if t.reserved]
        extra = f" (reserved, no subnets: {', '.join(reserved)})" if tier in reserved else ""
        raise ConfigError(
            f"{what}: tier {tier!r} is not a tier of this VPC{extra}; tiers with subnets: "
            f"{', '.join(names) or 'none'}"
        )
    return plan.subnets_of(tier)


def tier_list(plan: VpcPlan, tiers: object, what: str) -> tuple[str, ...]:
    """A non-empty list of distinct tier names, each with subnets."""
    if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Sequence):
        raise ConfigError(f"{what} {tiers!r} must be a list of tier names, e.g. ['private']")
    if not tiers:
        raise ConfigError(f"{what} is empty; name at least one tier")
    out: list[str] = []
    for t in tiers:
        tier_subnets(plan, t, what)
        if t in out:
            raise ConfigError(f"{what}: tier {t!r} is listed twice")
        out.append(t)
    return tuple(out)


class WeakRegistry:
    """Facts remembered per construct (a network, a stack) and forgotten with
    it: a weak-keyed dictionary, so a later App in the same process starts
    clean."""

    def __init__(self) -> None:
        self._data: "weakref.WeakKeyDictionary[Any, list[Any]]" = weakref.WeakKeyDictionary()

    def get(self, owner: Any) -> list[Any]:
        return list(self._data.get(owner, ()))

    def add(self, owner: Any, item: Any) -> None:
        self._data.setdefault(owner, []).append(item)


def group_id(group: Any, what: str) -> str:
    """The id of a security group given as an ``sg-`` id or token, an
    ``ec2.ISecurityGroup`` or an ``ec2.CfnSecurityGroup``."""
    if isinstance(group, str):
        if re.match(r"^sg-[0-9a-f]{8,17}$", group) or is_token(group):
            return group
        raise ConfigError(f"{what}: {group!r} is not a security group id ('sg-0123456789abcdef0')")
    for attr in ("security_group_id", "attr_group_id"):
        value = getattr(group, attr, None)
        if isinstance(value, str):
            return value
    raise ConfigError(
        f"{what}: {group!r} is not a security group (an 'sg-' id, an aws_ec2.ISecurityGroup or "
        "an aws_ec2.CfnSecurityGroup)"
    )
