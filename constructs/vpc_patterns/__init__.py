"""vpc_patterns: AWS CDK constructs for best-practice VPC networks.

The plan (``vpc_patterns.plan``) is pure Python and needs no CDK import; the
constructs are imported lazily so that ``from vpc_patterns import plan_network``
stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .plan import (
    AzPlacement,
    NatKind,
    NatProvider,
    SubnetKind,
    Tier,
    VpcPlan,
    default_tiers,
    plan_network,
)

if TYPE_CHECKING:  # pragma: no cover
    from .vpc import BestPracticeVpc

__all__ = [
    "AzPlacement",
    "BestPracticeVpc",
    "ConfigError",
    "NatKind",
    "NatProvider",
    "SubnetKind",
    "Tier",
    "VpcPlan",
    "default_tiers",
    "plan_network",
]


def __getattr__(name: str) -> Any:
    if name == "BestPracticeVpc":
        from .vpc import BestPracticeVpc

        return BestPracticeVpc
    raise AttributeError(f"module 'vpc_patterns' has no attribute {name!r}")
