"""Route tables, their routes, and what a route can point at.

A :class:`RouteTarget` is a kind of next hop (internet gateway, NAT gateway,
NAT instance, ...): the name the plan's JSON shows for it and the property of
``AWS::EC2::Route`` that carries the hop's id (``GatewayId``,
``NatGatewayId``, ``NetworkInterfaceId``, ...). A :class:`RoutePlan` is one
route: destination, target kind, the construct id of the hop and its own
construct id. The build layer renders every route through one function that
asks the target kind which property to fill, so a new kind of hop (a transit
gateway, a peering connection, an egress-only internet gateway) is one more
``RouteTarget`` value, wherever it is defined, and no change to the renderer.

:func:`plan_tier_route_tables` decides the route tables of one tier: public and
isolated tiers share one table per tier; each private subnet gets its own,
because its default route goes to a NAT that depends on the AZ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from vpc_patterns.plan.azs import AzPlacement
from vpc_patterns.plan.tiers import SubnetKind

#: The destination of every default route the plan makes.
DEFAULT_ROUTE = "0.0.0.0/0"


@dataclass(frozen=True)
class RouteTarget:
    """A kind of next hop.

    :param value: its name in :meth:`VpcPlan.to_dict` (``"nat-gateway"``).
    :param route_property: the ``AWS::EC2::Route`` property that holds the
        hop's id (``"NatGatewayId"``).

    The kinds the library plans are class attributes
    (``RouteTarget.INTERNET_GATEWAY``, ``NAT_GATEWAY``, ``NAT_INSTANCE``,
    ``VPC_PEERING``); compare them with ``is`` or ``==``.
    """

    value: str
    route_property: str

    INTERNET_GATEWAY: ClassVar[RouteTarget]
    NAT_GATEWAY: ClassVar[RouteTarget]
    NAT_INSTANCE: ClassVar[RouteTarget]
    VPC_PEERING: ClassVar[RouteTarget]


RouteTarget.INTERNET_GATEWAY = RouteTarget("internet-gateway", "GatewayId")
RouteTarget.NAT_GATEWAY = RouteTarget("nat-gateway", "NatGatewayId")
RouteTarget.NAT_INSTANCE = RouteTarget("nat-instance", "NetworkInterfaceId")
RouteTarget.VPC_PEERING = RouteTarget("vpc-peering", "VpcPeeringConnectionId")


@dataclass(frozen=True)
class RoutePlan:
    """One route of a route table."""

    destination: str
    target: RouteTarget
    #: construct id of the hop for NAT routes, path of the peering for
    #: peering routes; "" for the VPC's one internet gateway.
    target_id: str = ""
    #: construct id of the route, under its route table.
    construct_id: str = "DefaultRoute"

    @property
    def route_property(self) -> str:
        """The ``AWS::EC2::Route`` property this route fills with the hop's id."""
        return self.target.route_property


@dataclass(frozen=True)
class RouteTablePlan:
    construct_id: str
    tier: str
    kind: SubnetKind
    az: AzPlacement | None
    subnets: tuple[str, ...]
    routes: tuple[RoutePlan, ...]


#: The public tiers' default route.
INTERNET_ROUTE = RoutePlan(DEFAULT_ROUTE, RouteTarget.INTERNET_GATEWAY)


def route_table_id(tier_id: str, kind: SubnetKind, subnet_id: str) -> str:
    """The construct id of the route table of subnet ``subnet_id`` of a tier."""
    if kind is SubnetKind.PRIVATE:
        return f"{subnet_id}RouteTable"
    return f"{tier_id}RouteTable"


def plan_tier_route_tables(
    tier: str,
    tier_id: str,
    kind: SubnetKind,
    subnets: Sequence[tuple[str, AzPlacement]],
    egress_route: Callable[[AzPlacement], RoutePlan],
) -> list[RouteTablePlan]:
    """The route tables of one tier. ``subnets``: (construct id, AZ) per
    subnet; ``egress_route``: the default route of a private subnet in an AZ
    (asked of the NAT strategy)."""
    ids = tuple(sid for sid, _ in subnets)
    if kind is SubnetKind.PUBLIC:
        return [RouteTablePlan(route_table_id(tier_id, kind, ""), tier, kind, None, ids,
                               (INTERNET_ROUTE,))]
    if kind is SubnetKind.ISOLATED:
        return [RouteTablePlan(route_table_id(tier_id, kind, ""), tier, kind, None, ids, ())]
    return [
        RouteTablePlan(route_table_id(tier_id, kind, sid), tier, kind, az, (sid,),
                       (egress_route(az),))
        for sid, az in subnets
    ]
