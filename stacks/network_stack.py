"""The reference network stack: one BestPracticeVpc per environment, with its
flow logs and monitoring as the environment's configuration asks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.connectivity import (
    add_direct_connect,
    add_instance_with_extra_eni,
    add_interface_endpoints,
    add_site_to_site_vpn,
    merged_acl_rules,
)
from stacks.peering_stack import peer_acl_rules_for
from vpc_patterns import (
    BestPracticeVpc,
    BlockPublicAccessExclusions,
    EncryptionControls,
    HybridDns,
    dns_acl_rules,
    plan_network,
)
from vpc_patterns.build.flow_logs import FlowLogs
from vpc_patterns.build.monitoring import NetworkMonitoring
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.plan.flow_logs import DEFAULT_FIELDS, CloudWatchDestination, S3Destination
from vpc_patterns.plan.network import SubnetKind
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgPeer, SgRule
from vpc_patterns.plan.vpn import on_premises_acl_rules


def workload_groups(public_blocks: list[str]) -> list[SecurityGroupSpec]:
    """A three-tier workload's groups, by group not by IP: web behind the
    load balancers of the public tier, app behind web, database behind app."""
    web = SecurityGroupSpec(
        "web", "Web servers behind the public load balancers",
        ingress=[SgRule(SgPeer.cidr(b), 443, f"HTTPS from the load balancers in {b}")
                 for b in public_blocks],
        egress=[SgRule(SgPeer.group("app"), 8080, "Calls to the app tier")],
    )
    app = SecurityGroupSpec(
        "app", "Application servers",
        ingress=[SgRule(SgPeer.group("web"), 8080, "Requests from the web tier")],
        egress=[SgRule(SgPeer.group("db"), 5432, "PostgreSQL on the database tier"),
                SgRule(SgPeer.cidr("0.0.0.0/0"), 443, "HTTPS APIs through the NAT")],
    )
    db = SecurityGroupSpec(
        "db", "PostgreSQL databases in the isolated tier",
        ingress=[SgRule(SgPeer.group("app"), 5432, "PostgreSQL from the app tier")],
    )
    return [web, app, db]


class NetworkStack(Stack):
    """A VPC built from an :class:`EnvironmentConfig`, with outputs other
    stacks and operators read (VPC id, subnet ids per tier)."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig,
                 peer_cidrs: Sequence[str] = (), peer_tcp_ports: Sequence[int] = (443,),
                 **kwargs: Any) -> None:
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
        removal = (RemovalPolicy.DESTROY if config.logs_removal_policy == "destroy"
                   else RemovalPolicy.RETAIN)
        # ACL rules that let peers and the on-premises network open connections
        # into the private tier (the library's ACLs admit only the VPC itself).
        rule_sets = []
        if peer_cidrs:
            rule_sets.append(peer_acl_rules_for(peer_cidrs, peer_tcp_ports))
        if config.vpn is not None:
            rule_sets.append(on_premises_acl_rules(
                config.vpn.on_premises_cidrs, dict(config.vpn.on_premises_tcp_ports)))
        # DNS last: a rule it shares with the sets above (replies to the
        # on-premises range) keeps its existing number.
        dns = config.hybrid_dns_plan(plan_network(**config.network_options()))
        if dns is not None:
            rule_sets.append(dns_acl_rules(dns))
        acl_rules = merged_acl_rules(*rule_sets) if rule_sets else None
        self.network = BestPracticeVpc(
            self, "Network",
            **config.network_options(),
            # Flow logs with every option come from FlowLogs below.
            flow_log=False,
            logs_removal_policy=removal,
            acl_rules=acl_rules,
            name=id,
        )
        public_blocks = [t.block for t in self.network.plan.tiers
                         if t.kind is SubnetKind.PUBLIC and not t.reserved]
        self.security_groups = WorkloadSecurityGroups(
            self, "WorkloadSecurityGroups", network=self.network,
            groups=workload_groups(public_blocks), name=id,
        )
        self.flow_logs: FlowLogs | None = None
        if config.flow_log_destinations:
            destinations: list[CloudWatchDestination | S3Destination] = []
            if "cloudwatch" in config.flow_log_destinations:
                destinations.append(CloudWatchDestination(retention_days=config.flow_log_retention_days))
            if "s3" in config.flow_log_destinations:
                parquet = config.flow_log_s3_format == "parquet"
                destinations.append(S3Destination(file_format=config.flow_log_s3_format,
                                                  hive_compatible_partitions=parquet))
            # With Encryption Controls, each record also says whether the flow
            # was encrypted: what monitor mode is for, read before enforcing.
            log_format = DEFAULT_FIELDS + (
                ("encryption-status",) if config.encryption_control else ())
            self.flow_logs = FlowLogs(
                self, "FlowLogs",
                network=self.network,
                destinations=destinations,
                log_format=log_format,
                traffic_type=config.flow_log_traffic_type,
                max_aggregation_interval=config.flow_log_aggregation_seconds,
                removal_policy=removal,
                name=id,
            )
        self.monitoring: NetworkMonitoring | None = None
        if config.monitoring:
            self.monitoring = NetworkMonitoring(
                self, "Monitoring",
                network=self.network,
                flow_logs=self.flow_logs,
                dashboard=config.dashboard,
                removal_policy=removal,
            )
        self.interface_endpoints = (
            add_interface_endpoints(self, self.network, config.interface_endpoints)
            if config.interface_endpoints else None
        )
        self.demo_host = (
            add_instance_with_extra_eni(self, self.network) if config.demo_host_with_extra_eni
            else None
        )
        self.vpn = None
        self.direct_connect = None
        if config.vpn is not None:
            self.vpn = add_site_to_site_vpn(
                self, self.network,
                alarm_topic=self.monitoring.topic if self.monitoring else None,
                removal_policy=removal,
                customer_gateway_ip=config.vpn.customer_gateway_ip,
                on_premises_cidrs=config.vpn.on_premises_cidrs,
                routing=config.vpn.routing,
            )
            if config.direct_connect_gateway_id is not None:
                self.direct_connect = add_direct_connect(
                    self, self.vpn, removal_policy=removal,
                    direct_connect_gateway_id=config.direct_connect_gateway_id,
                )
        dns_options = config.hybrid_dns_options()
        self.hybrid_dns: HybridDns | None = None
        if dns_options is not None:
            self.hybrid_dns = HybridDns(self, "HybridDns", network=self.network,
                                        logs_removal_policy=removal, **dns_options)
        self.encryption_controls = (
            EncryptionControls(self, "EncryptionControls", network=self.network,
                               mode=config.encryption_control)
            if config.encryption_control else None
        )
        self.block_public_access_exclusions = (
            BlockPublicAccessExclusions(self, "BlockPublicAccessExclusions",
                                        network=self.network,
                                        tiers=config.block_public_access_exclusions)
            if config.block_public_access_exclusions else None
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
