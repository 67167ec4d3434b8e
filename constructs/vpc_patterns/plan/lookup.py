"""Look-ups over a plan that several layers share: which tiers have
subnets, the subnets of a named tier (or a ConfigError naming the tiers that
exist), and whether a value is a CDK token (known only at deploy time).
Pure: no aws_cdk import."""

from __future__ import annotations

from collections.abc import Sequence

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.network import SubnetPlan, VpcPlan


def is_token(value: object) -> bool:
    """A CDK token (unresolved reference): known only at deploy time."""
    return isinstance(value, str) and "${Token[" in value


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
