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
    from .flow_logs import CloudWatchDestination, FlowLogs, FlowLogTarget, S3Destination
    from .intents import Intent
    from .monitoring import AlarmThresholds, NetworkMonitoring
    from .nacl import AclRule
    from .security_groups import SecurityGroupSpec, SgPeer, SgRule
    from .security_groups_construct import WorkloadSecurityGroups
    from .vpc import BestPracticeVpc

#: Public names that need aws_cdk (or are big), imported on first use.
_LAZY = {
    "BestPracticeVpc": "vpc",
    "FlowLogs": "flow_logs",
    "FlowLogTarget": "flow_logs",
    "CloudWatchDestination": "flow_logs",
    "S3Destination": "flow_logs",
    "NetworkMonitoring": "monitoring",
    "AlarmThresholds": "monitoring",
    "WorkloadSecurityGroups": "security_groups_construct",
    "SecurityGroupSpec": "security_groups",
    "SgPeer": "security_groups",
    "SgRule": "security_groups",
    "AclRule": "nacl",
    "Intent": "intents",
}

__all__ = [
    "AclRule",
    "AlarmThresholds",
    "AzPlacement",
    "BestPracticeVpc",
    "CloudWatchDestination",
    "FlowLogTarget",
    "FlowLogs",
    "Intent",
    "NetworkMonitoring",
    "S3Destination",
    "SecurityGroupSpec",
    "SgPeer",
    "SgRule",
    "WorkloadSecurityGroups",
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
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'vpc_patterns' has no attribute {name!r}")
