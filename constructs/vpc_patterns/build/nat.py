"""The build step of each NAT strategy: one builder per :class:`NatKind`.

A builder turns the :class:`~vpc_patterns.plan.nat.NatPlan` entries of its kind
into constructs under the VPC and says what the private routes point at
(:class:`BuiltNat`): ``NatGatewayBuilder`` makes a ``CfnNatGateway`` and its
Elastic IP, ``NatInstanceBuilder`` a ``SelfHealingNatInstance`` (and, on
its first NAT, the security group all of them share), ``RegionalNatGatewayBuilder``
a regional ``CfnNatGateway`` (its Elastic IPs in manual mode, and the VPC's
internet gateway when no public tier made one). Every Elastic IP made here is
a child of the NAT it serves, with an id that changes whenever that NAT would
be replaced (``vpc_patterns.plan.nat.nat_address_id``, ``regional_eip_id``):
a replacement NAT, created before the old one is deleted, never needs an
address the old one still holds. A builder also says
which id the CloudWatch metrics of a NAT it built are keyed by, for
``NetworkMonitoring``. A new strategy registers its builder with
:func:`register_nat_builder`; ``BestPracticeVpc`` asks :func:`nat_builder`
for the builder of each planned NAT's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aws_cdk import IResolvable, Tags
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from vpc_patterns.build.nat_instance import SelfHealingNatInstance
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nat import NatKind, NatPlan, nat_address_id, regional_eip_id

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc


@dataclass(frozen=True)
class BuiltNat:
    """A NAT as built: the construct (it is made to depend on the VPC's
    routes to the internet, so it never accepts traffic it cannot forward)
    and the id the routes to it carry (a NAT gateway id, an interface id)."""

    construct: Construct
    target_ref: str


class NatBuilder:
    """Builds the NATs of one kind for one VPC (one builder per VPC and kind,
    so it may hold what its NATs share)."""

    kind: NatKind

    def __init__(self, vpc: BestPracticeVpc) -> None:
        self.vpc = vpc

    def build(self, nat: NatPlan, subnet_ref: str) -> BuiltNat:
        raise NotImplementedError

    @staticmethod
    def metric_dimension_value(vpc: BestPracticeVpc, construct_id: str) -> str:
        """The value of the CloudWatch dimension the alarms of the built NAT
        ``construct_id`` of ``vpc`` use (see ``vpc_patterns.plan.monitoring``)."""
        raise NotImplementedError


_B = TypeVar("_B", bound=type[NatBuilder])
_BUILDERS: dict[NatKind, type[NatBuilder]] = {}


def register_nat_builder(cls: _B) -> _B:
    """Class decorator: make ``cls`` the builder of ``cls.kind``."""
    _BUILDERS[cls.kind] = cls
    return cls


def nat_builder(kind: NatKind) -> type[NatBuilder]:
    """The builder class of ``kind``; ConfigError if it has none."""
    try:
        return _BUILDERS[kind]
    except KeyError:
        raise ConfigError(f"NAT kind {kind.value!r} has no builder") from None


@register_nat_builder
class NatGatewayBuilder(NatBuilder):
    """A NAT gateway and its Elastic IP (a child of the gateway, its id tied
    to the gateway's identity)."""

    kind = NatKind.GATEWAY

    def build(self, nat: NatPlan, subnet_ref: str) -> BuiltNat:
        vpc = self.vpc
        gw = ec2.CfnNatGateway(
            vpc, nat.construct_id, subnet_id=subnet_ref,
            tags=vpc._tags(f"nat-{nat.az.label}"),
        )
        eip = ec2.CfnEIP(gw, _address_id(vpc, nat), domain="vpc",
                         tags=vpc._tags(f"nat-{nat.az.label}"))
        gw.allocation_id = eip.attr_allocation_id
        vpc.nat_gateways[nat.construct_id] = gw
        return BuiltNat(gw, gw.ref)

    @staticmethod
    def metric_dimension_value(vpc: BestPracticeVpc, construct_id: str) -> str:
        return vpc.nat_gateways[construct_id].ref


@register_nat_builder
class NatInstanceBuilder(NatBuilder):
    """A self-healing NAT instance; the first one also makes the shared
    ``NatInstanceSecurityGroup``."""

    kind = NatKind.INSTANCE

    def __init__(self, vpc: BestPracticeVpc) -> None:
        super().__init__(vpc)
        self._security_group: ec2.CfnSecurityGroup | None = None
        self._previous: SelfHealingNatInstance | None = None

    def _shared_security_group(self) -> ec2.CfnSecurityGroup:
        if self._security_group is None:
            vpc = self.vpc
            self._security_group = SelfHealingNatInstance.security_group(
                vpc, "NatInstanceSecurityGroup", vpc_id=vpc.vpc_id,
                private_ranges=vpc.plan.private_ranges(), ports=vpc.plan.nat.allowed_ports,
            )
            Tags.of(self._security_group).add("Name", f"{vpc._name}/nat-instance")
        return self._security_group

    def build(self, nat: NatPlan, subnet_ref: str) -> BuiltNat:
        vpc = self.vpc
        inst = SelfHealingNatInstance(
            vpc, nat.construct_id,
            subnet_id=subnet_ref,
            security_group=self._shared_security_group(),
            instance_type=nat.instance_type or vpc.plan.nat.instance_type,
            name=f"{vpc._name}/nat-{nat.az.label}",
            address_id=_address_id(vpc, nat),
        )
        vpc._fallback_name(inst)  # its role and launch template
        # One NAT at a time: CloudFormation rolls a new AMI (or user data) out
        # to each group only after the previous group's new instance signalled
        # success, so a bad image stops at the first AZ and is rolled back,
        # and at most one AZ is without egress at any moment.
        if self._previous is not None:
            inst.auto_scaling_group.node.add_dependency(self._previous.auto_scaling_group)
        self._previous = inst
        vpc.nat_instances[nat.construct_id] = inst
        return BuiltNat(inst, inst.network_interface.ref)

    @staticmethod
    def metric_dimension_value(vpc: BestPracticeVpc, construct_id: str) -> str:
        return vpc.nat_instances[construct_id].auto_scaling_group.ref


@register_nat_builder
class RegionalNatGatewayBuilder(NatBuilder):
    """A regional NAT gateway (``AvailabilityMode: regional``, ``VpcId``, no
    subnet): in manual mode one ``AvailabilityZoneAddresses`` entry per AZ,
    with the Elastic IPs it asked for created here. A regional NAT gateway
    reaches the internet through the VPC's internet gateway, so one is made
    (``InternetGateway`` and its attachment) when no public tier made it."""

    kind = NatKind.REGIONAL_GATEWAY

    def _internet_gateway_attachment(self) -> Construct:
        vpc = self.vpc
        if vpc.internet_gateway is None:
            igw = vpc.internet_gateway = ec2.CfnInternetGateway(
                vpc, "InternetGateway", tags=vpc._tags("igw"))
            return ec2.CfnVPCGatewayAttachment(
                vpc, "InternetGatewayAttachment", vpc_id=vpc.vpc_id,
                internet_gateway_id=igw.ref)
        attachment = vpc.node.try_find_child("InternetGatewayAttachment")
        assert isinstance(attachment, ec2.CfnVPCGatewayAttachment)
        return attachment

    def build(self, nat: NatPlan, subnet_ref: str) -> BuiltNat:
        vpc = self.vpc
        attachment = self._internet_gateway_attachment()
        gw = ec2.CfnNatGateway(
            vpc, nat.construct_id, availability_mode="regional", connectivity_type="public",
            vpc_id=vpc.vpc_id, tags=vpc._tags("nat-regional"),
        )
        if nat.az_addresses is not None:
            addresses: list[ec2.CfnNatGateway.AvailabilityZoneAddressProperty | IResolvable] = []
            for a in nat.az_addresses:
                ids = list(a.allocation_ids) + [
                    ec2.CfnEIP(gw, regional_eip_id(nat, a, i, vpc_cidr=vpc.plan.cidr),
                               domain="vpc",
                               tags=vpc._tags(f"nat-regional-{a.az.label}")).attr_allocation_id
                    for i in range(a.eip_count)
                ]
                az: dict[str, Any] = vpc._az_props(a.az)
                addresses.append(ec2.CfnNatGateway.AvailabilityZoneAddressProperty(
                    allocation_ids=ids, **az))
            gw.availability_zone_addresses = addresses
        gw.node.add_dependency(attachment)
        vpc.nat_gateways[nat.construct_id] = gw
        return BuiltNat(gw, gw.ref)

    @staticmethod
    def metric_dimension_value(vpc: BestPracticeVpc, construct_id: str) -> str:
        return vpc.nat_gateways[construct_id].ref


def _address_id(vpc: BestPracticeVpc, nat: NatPlan) -> str:
    """The id of a zonal NAT's Elastic IP under the NAT (see ``nat_address_id``)."""
    subnet = next(s for s in vpc.plan.subnets if s.construct_id == nat.subnet)
    return nat_address_id(nat, vpc_cidr=vpc.plan.cidr, subnet_cidr=subnet.cidr)
