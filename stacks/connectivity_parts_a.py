"""Reference-app wiring for interface endpoints, VPC peering and an extra
network interface (connectivity issue, items 1, 2 and 5).

Functions the reference app calls; nothing here runs unless called:

* :func:`add_interface_endpoints` (prod): the endpoints a private workload
  managed through Systems Manager needs, so it needs no NAT for them;
* :func:`add_instance_with_extra_eni` (prod): a hardened instance whose second
  interface has a fixed address that outlives the instance;
* :class:`PeeringStack`: one stack holding every peering of the app (hub and
  spokes), importing the networks' ids so the network stacks never depend on
  each other;
* :func:`peer_acl_rules_for`: the ACL rules a spoke's ``BestPracticeVpc``
  needs so the hub may open connections into its private tier.

Wiring (what stacks/app_builder.py and stacks/network_stack.py would call) is
in the report of this change and in :func:`wire`.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Mapping, Sequence

from aws_cdk import Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from vpc_patterns import BestPracticeVpc
from vpc_patterns.build.compliance import acknowledge, managed_policy
from vpc_patterns.build.endpoints import InterfaceEndpoints
from vpc_patterns.build.eni import ExtraNetworkInterface
from vpc_patterns.plan.nacl import AclRule
from vpc_patterns.plan.peering import DEFAULT_PEER_TCP_PORTS, peer_acl_rules
from vpc_patterns.build.peering import VpcPeering
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgPeer, SgRule
from vpc_patterns.build.security_groups import WorkloadSecurityGroups

from constructs import Construct

#: What an instance in a private tier needs to be managed through Systems
#: Manager (Session Manager, Run Command, patching) and to send its logs and
#: use KMS, with no NAT in the way: 5 services x 3 AZs = 15 endpoint-AZs,
#: ~$109.50/month in us-east-1 + $0.01/GB (vpc_patterns.endpoints).
PROD_ENDPOINT_SERVICES: tuple[str, ...] = ("ssm", "ssmmessages", "ec2messages", "logs", "kms")
#: The hub's spokes open HTTPS to each other's workloads (and nothing else).
PEERED_TCP_PORTS: tuple[int, ...] = DEFAULT_PEER_TCP_PORTS
#: Smallest Graviton instance: the demo only has to hold an interface.
DEMO_INSTANCE_TYPE = "t4g.nano"


def add_interface_endpoints(stack: Stack, network: BestPracticeVpc,
                            services: Sequence[str] = PROD_ENDPOINT_SERVICES) -> InterfaceEndpoints:
    """Interface endpoints in the private tier, private DNS on, with a policy
    that admits only principals of this account (a stolen credential of
    another account cannot use the endpoints to reach its own resources)."""
    policy = iam.PolicyDocument(statements=[iam.PolicyStatement(
        sid="OnlyPrincipalsOfThisAccount",
        principals=[iam.AnyPrincipal()],
        actions=["*"],
        resources=["*"],
        conditions={"StringEquals": {"aws:PrincipalAccount": stack.account}},
    )])
    return InterfaceEndpoints(stack, "InterfaceEndpoints", network=network, services=services,
                              policy=policy)


def add_instance_with_extra_eni(stack: Stack, network: BestPracticeVpc, *, tier: str = "private",
                                az_index: int = 0) -> tuple[ec2.Instance, ExtraNetworkInterface]:
    """A hardened instance (IMDSv2 only, encrypted gp3 root, detailed
    monitoring, termination protection, no key pair, no public address)
    managed through Session Manager, with a second interface at device
    index 1 holding a fixed address: the last usable address of the subnet,
    the one DHCP is least likely to have handed out. The address stays with
    the interface (DeleteOnTermination false) when the instance is replaced:
    the pattern for licence servers bound to an address or hosts other
    systems allow-list."""
    subnet_plan = network.plan.subnet(tier, az_index)
    fixed_ip = str(ipaddress.ip_network(subnet_plan.cidr)[-2])
    vpc_cidr = network.plan.cidr
    groups = WorkloadSecurityGroups(stack, "DemoHostGroups", network=network, groups=[
        SecurityGroupSpec(
            "demo-host", "Demo host primary interface: HTTPS out to the VPC endpoints",
            egress=[SgRule(SgPeer.cidr(vpc_cidr), 443, "HTTPS to the interface endpoints")]),
        SecurityGroupSpec(
            "demo-service", "Demo host fixed-address interface",
            ingress=[SgRule(SgPeer.cidr(vpc_cidr), 443, "HTTPS to the fixed address from the VPC")]),
    ])
    role = iam.Role(stack, "DemoHostRole", description="Demo host: Session Manager only",
                    assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    policy = managed_policy(
        stack, "DemoHostPolicy", role=role,
        description="Demo host: what the SSM agent needs for Session Manager",
        statements=[iam.PolicyStatement(
            actions=["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                     "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                     "ssmmessages:OpenDataChannel", "ec2messages:GetMessages",
                     "ec2messages:AcknowledgeMessage", "ec2messages:SendReply"],
            resources=["*"],
        )],
    )
    acknowledge(policy, "AwsSolutions-IAM5[Resource::*]",
                "The SSM agent's registration and Session Manager channel actions support no "
                "resource-level permissions; the role carries nothing else.")
    subnet = ec2.Subnet.from_subnet_attributes(
        stack, "DemoHostSubnet", subnet_id=network.subnet(tier, az_index).ref,
        availability_zone=network.vpc.availability_zones[az_index],
        route_table_id=network.route_tables[subnet_plan.route_table].ref)
    instance = ec2.Instance(
        stack, "DemoHost", vpc=network.vpc, vpc_subnets=ec2.SubnetSelection(subnets=[subnet]),
        instance_type=ec2.InstanceType(DEMO_INSTANCE_TYPE),
        machine_image=ec2.MachineImage.latest_amazon_linux2023(
            cpu_type=ec2.AmazonLinuxCpuType.ARM_64),
        role=role, security_group=groups.groups["demo-host"], require_imdsv2=True,
        detailed_monitoring=True, disable_api_termination=True,
        block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
            8, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))],
    )
    eni = ExtraNetworkInterface(
        stack, "DemoHostServiceInterface", network=network, tier=tier, az_index=az_index,
        security_groups=[groups.groups["demo-service"]], private_ip=fixed_ip, instance=instance,
        description="Demo host fixed-address service interface",
    )
    return instance, eni


def peer_acl_rules_for(peer_cidrs: Sequence[str], ports: Sequence[int] = PEERED_TCP_PORTS,
                       tier: str = "private") -> dict[str, list[AclRule]]:
    """``acl_rules`` for a network peered with ``peer_cidrs``: admit TCP
    ``ports`` opened from each peer into ``tier`` (numbered from 1000, ten
    apart per rule, each peer after the previous one)."""
    rules: list[AclRule] = []
    for cidr in peer_cidrs:
        rules += peer_acl_rules(cidr, ports, first_number=1000 + 10 * len(rules))
    return {tier: rules}


class PeeringStack(Stack):
    """Every peering of the app: ``hub`` with each network of ``spokes``,
    routes both ways on the private tiers. The spokes cannot reach each other
    through the hub (peering is not transitive): the hub holds shared
    services, and dev never gets a path to prod."""

    def __init__(self, scope: Construct, id: str, *, hub: BestPracticeVpc,
                 spokes: Mapping[str, BestPracticeVpc], **kwargs: Any) -> None:
        super().__init__(scope, id, description="vpc_patterns reference peerings (hub and spokes)",
                         **kwargs)
        self.peerings: dict[str, VpcPeering] = {}
        for name, network in spokes.items():
            cid = "HubTo" + "".join(p.title() for p in name.split("-"))
            self.peerings[name] = VpcPeering(self, cid, requester=hub, accepter=network)


def wire(app: Construct, stacks: Mapping[str, Any], *, hub: str = "shared",
         spokes: Sequence[str] = ("prod", "dev")) -> PeeringStack | None:
    """Add the peering stack when the app has the hub environment;
    ``stacks`` maps environment name -> NetworkStack (``.network``)."""
    if hub not in stacks:
        return None
    present = {s: stacks[s].network for s in spokes if s in stacks}
    cfg = stacks[hub].config  # the peering stack lives in the hub's environment
    env = Environment(account=cfg.account, region=cfg.region) if (cfg.account or cfg.region) \
        else None
    return PeeringStack(app, "vpc-patterns-peering", hub=stacks[hub].network, spokes=present,
                        env=env)
