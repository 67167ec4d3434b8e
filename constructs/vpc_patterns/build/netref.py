"""Helpers for the constructs that attach to a BestPracticeVpc (interface
endpoints, peering, extra network interfaces): check what was handed in as
``network``, read a security group's id, and remember per-network facts
(which peer CIDRs a VPC already routes to, which fixed IPs are taken) for as
long as the network object lives."""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.network import VpcPlan

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc


def require_network(network: Any, what: str) -> BestPracticeVpc:
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


class WeakRegistry:
    """Facts remembered per construct (a network, a stack) and forgotten with
    it: a weak-keyed dictionary, so a later App in the same process starts
    clean."""

    def __init__(self) -> None:
        self._data: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()

    def get(self, owner: Any) -> list[Any]:
        return list(self._data.get(owner, ()))

    def add(self, owner: Any, item: Any) -> None:
        self._data.setdefault(owner, []).append(item)


def group_id(group: Any, what: str) -> str:
    """The id of a security group given as an ``sg-`` id or token, an
    ``ec2.ISecurityGroup`` or an ``ec2.CfnSecurityGroup``."""
    if isinstance(group, str):
        if re.match(r"^sg-[0-9a-f]{8,17}\Z", group) or is_token(group):
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
