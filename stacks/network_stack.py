"""The reference network stack: one BestPracticeVpc per environment."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack
from constructs import Construct

from vpc_patterns import BestPracticeVpc
from vpc_patterns.config import EnvironmentConfig


class NetworkStack(Stack):
    """A VPC built from an :class:`EnvironmentConfig`, with outputs other
    stacks and operators read (VPC id, subnet ids per tier)."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        env = None
        if config.account or config.region:
            env = Environment(account=config.account, region=config.region)
        super().__init__(
            scope, id,
            env=env,
            description=config.description or f"vpc_patterns reference network ({config.name})",
            **kwargs,
        )
        self.config = config
        self.network = BestPracticeVpc(
            self, "Network",
            cidr=config.cidr,
            max_azs=config.max_azs,
            availability_zones=config.availability_zones,
            availability_zone_ids=config.availability_zone_ids,
            tiers=config.tiers,
            az_slots=config.az_slots,
            nat=config.nat,
            flow_log_retention_days=config.flow_log_retention_days,
            logs_removal_policy=(
                RemovalPolicy.DESTROY if config.logs_removal_policy == "destroy" else RemovalPolicy.RETAIN
            ),
            name=f"{id}",
        )
        CfnOutput(self, "VpcId", value=self.network.vpc_id, description="VPC id")
        CfnOutput(self, "VpcCidr", value=self.network.plan.cidr, description="VPC CIDR")
        for tier in self.network.plan.tiers:
            subs = self.network.plan.subnets_of(tier.tier)
            if not subs:
                continue
            CfnOutput(
                self, f"{tier.tier.title().replace('-', '')}SubnetIds",
                value=",".join(self.network.subnets[s.construct_id].ref for s in subs),
                description=f"Subnet ids of tier {tier.tier}, in AZ order",
            )
