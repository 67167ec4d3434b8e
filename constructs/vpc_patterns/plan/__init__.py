"""The plan layer: the network as data, in pure Python (no aws_cdk import).

Every decision is made here, before any CDK call: CIDRs per tier and AZ, NAT
placement, route tables and their routes, network ACL rule sets, security
group specs, flow-log and endpoint choices, VPN options, intents. Validation
raises :class:`vpc_patterns.ConfigError` naming the bad value. The build layer
(:mod:`vpc_patterns.build`) only turns a plan into resources, and the check
layer (:mod:`vpc_patterns.check`) reads templates back and may use the types
here.

``from vpc_patterns.plan import plan_network, VpcPlan, ...`` keeps working: the
network plan (:mod:`vpc_patterns.plan.network`, which gathers
:mod:`~vpc_patterns.plan.tiers`, :mod:`~vpc_patterns.plan.azs`,
:mod:`~vpc_patterns.plan.nat` and :mod:`~vpc_patterns.plan.routes`) is
re-exported here.
"""

from __future__ import annotations

from vpc_patterns.plan.network import (
    AWS_RESERVED_PER_SUBNET,
    AZ_ID_PATTERN,
    AZ_NAME_PATTERN,
    DEFAULT_AZ_SLOTS,
    DEFAULT_CIDR,
    DEFAULT_MASK_OFFSET,
    DEFAULT_MAX_AZS,
    GATEWAY_ENDPOINT_SERVICES,
    HOURS_PER_MONTH,
    MAX_AZS_LIMIT,
    MAX_SUBNET_PREFIX,
    MAX_VPC_PREFIX,
    MIN_SUBNET_PREFIX,
    MIN_VPC_PREFIX,
    RESERVED_CONSTRUCT_IDS,
    AzPlacement,
    GatewayEndpointPlan,
    NatKind,
    NatPlan,
    NatProvider,
    RoutePlan,
    RouteTablePlan,
    RouteTarget,
    SubnetKind,
    SubnetPlan,
    Tier,
    TierBlock,
    VpcPlan,
    default_tiers,
    parse_vpc_cidr,
    plan_network,
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
