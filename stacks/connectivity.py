"""What the reference app connects its networks to: interface endpoints, a
demo host with a fixed-address second interface, a site-to-site VPN to an
example on-premises network and, when asked, a Direct Connect association.

* :func:`add_interface_endpoints` (prod): the endpoints a private workload
  managed through Systems Manager needs, so it needs no NAT for them;
* :func:`add_instance_with_extra_eni` (prod): a hardened instance whose second
  interface has a fixed address that outlives the instance;
* :func:`add_site_to_site_vpn` (prod): a VPN to a documentation-range device
  address and 172.16.0.0/16, keys generated into Secrets Manager, alarms on
  the stack's alarm topic;
* :func:`add_direct_connect` (prod, off unless asked): the VPN's gateway
  associated with an example Direct Connect gateway, turned on with
  ``cdk synth -c vpc_patterns:direct_connect=true``;
* :func:`merged_acl_rules`: several ``acl_rules`` mappings as one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from vpc_patterns import BestPracticeVpc, ConfigError
from vpc_patterns.build.compliance import (
    acknowledge,
    managed_policy,
    nag_arn,
    session_manager_statements,
    suppress,
)
from vpc_patterns.build.direct_connect import DirectConnectAssociation
from vpc_patterns.build.endpoints import InterfaceEndpoints
from vpc_patterns.build.eni import ExtraNetworkInterface
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.build.vpn import SiteToSiteVpn
from vpc_patterns.plan.security_groups import SecurityGroupSpec, SgPeer, SgRule

#: What an instance in a private tier needs to be managed through Systems
#: Manager (Session Manager, Run Command, patching) and to send its logs and
#: use KMS, with no NAT in the way: 5 services x 3 AZs = 15 endpoint-AZs,
#: ~$109.50/month in us-east-1 + $0.01/GB (vpc_patterns.plan.endpoints).
PROD_ENDPOINT_SERVICES: tuple[str, ...] = ("ssm", "ssmmessages", "ec2messages", "logs", "kms")
#: Smallest Graviton instance: the demo only has to hold an interface.
DEMO_INSTANCE_TYPE = "t4g.nano"
#: The AL2023 arm64 AMI parameter, resolved by EC2 when an instance launches.
DEMO_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
#: RFC 5737 documentation address: the VPN deploys and its tunnels stay down
#: until the real device's address replaces it (vpc_patterns.plan.vpn).
EXAMPLE_CUSTOMER_GATEWAY_IP = "203.0.113.10"
#: The example on-premises network (RFC 1918, outside every VPC of the app).
EXAMPLE_ON_PREMISES_CIDRS: tuple[str, ...] = ("172.16.0.0/16",)
#: An example Direct Connect gateway id (the format AWS uses: a UUID); the
#: association is only built when the context flag below is true.
EXAMPLE_DIRECT_CONNECT_GATEWAY_ID = "5f294f92-bafb-4011-916d-9b0b0a1b2c3d"
DIRECT_CONNECT_CONTEXT_KEY = "vpc_patterns:direct_connect"
VPN_ID = "OnPremisesVpn"


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
    monitoring, no key pair, no public address) managed through Session
    Manager, with a second interface at device index 1 holding a fixed
    address: the last usable address of the subnet, the one DHCP is least
    likely to have handed out. The address stays with the interface
    (DeleteOnTermination false) when the instance is replaced, and the
    replacement attaches it at boot (``attach="boot"``): the pattern for
    licence servers bound to an address or hosts other systems allow-list.
    The AMI is resolved by EC2 at launch (``resolve:ssm:``), so a deploy
    never replaces the host because a newer AMI exists; no termination
    protection, which would keep CloudFormation from deleting a replaced
    host."""
    subnet_plan = network.plan.subnet(tier, az_index)
    fixed_ip = str(ipaddress.ip_network(subnet_plan.cidr)[-2])
    vpc_cidr = network.plan.cidr
    groups = WorkloadSecurityGroups(stack, "DemoHostGroups", network=network, groups=[
        SecurityGroupSpec(
            "demo-host", "Demo host primary interface: HTTPS out to the VPC endpoints",
            egress=[SgRule(SgPeer.cidr(vpc_cidr), 443, "HTTPS to the interface endpoints")]),
        SecurityGroupSpec(
            "demo-service", "Demo host fixed-address interface",
            ingress=[SgRule(SgPeer.cidr(vpc_cidr), 443,
                            "HTTPS to the fixed address from the VPC")]),
    ])
    role = iam.Role(stack, "DemoHostRole", description="Demo host: Session Manager only",
                    assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    policy = managed_policy(
        stack, "DemoHostPolicy", role=role,
        description="Demo host: what the SSM agent needs for Session Manager",
        statements=session_manager_statements(stack, ec2messages=True),
    )
    acknowledge(policy, "AwsSolutions-IAM5[Resource::*]",
                "The SSM agent's Session Manager channel and message actions support no "
                "resource-level permissions; the role carries nothing else.")
    acknowledge(policy, f"AwsSolutions-IAM5[Resource::{nag_arn(stack, 'ec2', 'instance/*')}]",
                "The SSM agent registers the instance it runs on, whose id is unknown before "
                "launch (and changes on a replacement): EC2 instances of this account and "
                "region only.")
    subnet = ec2.Subnet.from_subnet_attributes(
        stack, "DemoHostSubnet", subnet_id=network.subnet(tier, az_index).ref,
        availability_zone=network.vpc.availability_zones[az_index],
        route_table_id=network.route_tables[subnet_plan.route_table].ref)
    instance = ec2.Instance(
        stack, "DemoHost", vpc=network.vpc, vpc_subnets=ec2.SubnetSelection(subnets=[subnet]),
        instance_type=ec2.InstanceType(DEMO_INSTANCE_TYPE),
        # Resolved by EC2 at launch, not by CloudFormation at every deploy: a
        # new AMI never replaces the running host; a replacement (or a new
        # host) boots the AMI current then.
        machine_image=ec2.MachineImage.resolve_ssm_parameter_at_launch(
            DEMO_AMI_PARAMETER, os=ec2.OperatingSystemType.LINUX),
        role=role, security_group=groups.groups["demo-host"],
        # IMDSv2 only: required in the launch template below
        # no termination protection: it would block CloudFormation from
        # deleting a replaced host (rollback clean-up, stack deletion)
        detailed_monitoring=True,
        block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(
            8, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))],
    )
    _image_from_launch_template(stack, instance, DEMO_AMI_PARAMETER)
    suppress(instance, "In a private subnet that assigns no public addresses: the host has "
             "none; declaring AssociatePublicIpAddress needs a NetworkInterfaces block, whose "
             "change would replace the host.", guard=["CT.EC2.PR.8"])
    suppress(instance, f"A {DEMO_INSTANCE_TYPE} demo host that serves HTTPS (TLS end to end); "
             "instance-to-instance Nitro encryption needs a 6th-generation c/m/r family, "
             "whose smallest size costs many times the burstable demo size.",
             guard=["CT.EC2.PR.19"])
    acknowledge(instance, "AwsSolutions-EC29",
                "No termination protection on purpose: it would keep CloudFormation from "
                "deleting a replaced host (rollback clean-up, stack deletion); the fixed "
                "address lives on the separate interface, which outlives the instance.")
    eni = ExtraNetworkInterface(
        stack, "DemoHostServiceInterface", network=network, tier=tier, az_index=az_index,
        security_groups=[groups.groups["demo-service"]], private_ip=fixed_ip, instance=instance,
        description="Demo host fixed-address service interface", attach="boot",
    )
    return instance, eni


def _image_from_launch_template(stack: Stack, instance: ec2.Instance, parameter: str) -> None:
    """IMDSv2 and the AMI in the instance's launch template: the AMI as
    ``resolve:ssm:``, which EC2 resolves at each launch while CloudFormation
    sees a constant (the instance itself takes only an ``ami-`` id). The
    template keeps the path, logical id and name of the one
    ``require_imdsv2=True`` makes (in an aspect, too late to edit), so a
    deployed stack updates it in place."""
    if instance.node.try_find_child("LaunchTemplate") is not None:
        raise ConfigError(f"{instance.node.path}: build it with require_imdsv2=False; the launch "
                          "template made here requires IMDSv2")
    lt = ec2.CfnLaunchTemplate(
        instance, "LaunchTemplate", launch_template_name=f"{instance.node.id}LaunchTemplate",
        launch_template_data=ec2.CfnLaunchTemplate.LaunchTemplateDataProperty(
            image_id=f"resolve:ssm:{parameter}",
            metadata_options=ec2.CfnLaunchTemplate.MetadataOptionsProperty(
                http_tokens="required")))
    instance.instance.launch_template = ec2.CfnInstance.LaunchTemplateSpecificationProperty(
        launch_template_name=f"{instance.node.id}LaunchTemplate",
        version=lt.attr_latest_version_number)
    instance.instance.add_property_deletion_override("ImageId")
    suppress(lt, "Detailed monitoring is on the instance itself (its Monitoring property); "
             "this template only carries the AMI and IMDSv2, and a new version of it would "
             "replace the host (AWS::EC2::Instance takes its launch template at creation).",
             guard=["CT.EC2.PR.10"])


def merged_acl_rules(*rule_sets: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """One ``acl_rules`` mapping from several: per tier, the lists joined in
    order (a plain ``{**a, **b}`` would drop a's rules of a tier b also has).
    A rule that admits exactly what an earlier one of the tier admits (same
    direction, action, protocol, ports, CIDR and reply marking) is left out:
    the two sets may each carry it (e.g. replies to the on-premises range for
    both the VPN's HTTPS and the DNS endpoints), and the copy could never
    decide a packet."""

    def meaning(rule: Any) -> tuple[Any, ...]:
        return (rule.egress, rule.action, rule.protocol, rule.ports, rule.cidr, rule.reply)

    out: dict[str, list[Any]] = {}
    for rules in rule_sets:
        for tier, items in rules.items():
            kept = out.setdefault(tier, [])
            seen = {meaning(r) for r in kept}
            for rule in items:
                if meaning(rule) not in seen:
                    kept.append(rule)
                    seen.add(meaning(rule))
    return out


def add_site_to_site_vpn(
    stack: Stack,
    network: BestPracticeVpc,
    *,
    alarm_topic: sns.ITopic | None = None,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    customer_gateway_ip: str = EXAMPLE_CUSTOMER_GATEWAY_IP,
    on_premises_cidrs: Sequence[str] = EXAMPLE_ON_PREMISES_CIDRS,
    routing: str = "static",
) -> SiteToSiteVpn:
    """A static-routing VPN to the example on-premises network with the
    library's tunnel defaults; the pre-shared keys are generated into one
    KMS-encrypted secret per tunnel (never in the template). Pass the stack's
    alarm topic (``NetworkMonitoring.topic``) so VPN alarms go where the NAT
    alarms go."""
    return SiteToSiteVpn(
        stack, VPN_ID,
        network=network,
        customer_gateway_ip=customer_gateway_ip,
        routing=routing,
        static_routes=list(on_premises_cidrs) if routing == "static" else (),
        alarm_topic=alarm_topic,
        removal_policy=removal_policy,
    )


def direct_connect_enabled(stack: Stack) -> bool:
    """The ``vpc_patterns:direct_connect`` context flag (default false)."""
    value = stack.node.try_get_context(DIRECT_CONNECT_CONTEXT_KEY)
    if value in (None, False, "false", "False", "0", 0):
        return False
    if value in (True, "true", "True", "1", 1):
        return True
    raise ConfigError(f"{DIRECT_CONNECT_CONTEXT_KEY} = {value!r} must be true or false")


def add_direct_connect(
    stack: Stack,
    vpn: SiteToSiteVpn,
    *,
    enabled: bool | None = None,
    direct_connect_gateway_id: str = EXAMPLE_DIRECT_CONNECT_GATEWAY_ID,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> DirectConnectAssociation | None:
    """The VPN's virtual private gateway associated with a Direct Connect
    gateway (allowed prefix: the VPC CIDR), when ``enabled`` (default: the
    context flag). Off by default: the example gateway does not exist, and
    creating the association would fail the deployment."""
    if not (direct_connect_enabled(stack) if enabled is None else enabled):
        return None
    return DirectConnectAssociation(
        stack, "DirectConnect",
        vpn_gateway=vpn,
        direct_connect_gateway_id=direct_connect_gateway_id,
        removal_policy=removal_policy,
    )
