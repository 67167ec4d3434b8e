"""The one renderer of planned routes: :func:`render_route` turns a
:class:`~vpc_patterns.plan.routes.RoutePlan` into an ``AWS::EC2::Route``,
filling the property its target kind names (``GatewayId``,
``NatGatewayId``, ``VpcPeeringConnectionId``, ...). ``BestPracticeVpc``
renders its own routes through it, under their route tables;
``VpcPeering`` renders the routes of both sides through it, in the
peering's stack."""

from __future__ import annotations

import re

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from vpc_patterns.plan.routes import RoutePlan


def cfn_keyword(cfn_property: str) -> str:
    """The CDK keyword of a CloudFormation property: ``NatGatewayId`` -> ``nat_gateway_id``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cfn_property).lower()


def render_route(scope: Construct, route: RoutePlan, route_table_ref: str,
                 hop_ref: str) -> ec2.CfnRoute:
    """``route`` as an ``ec2.CfnRoute`` named ``route.construct_id`` under
    ``scope`` (any construct, in any stack: CloudFormation needs only the
    table's id, ``route_table_ref``), pointing at ``hop_ref`` through the
    property ``route.target`` names."""
    return ec2.CfnRoute(
        scope, route.construct_id,
        route_table_id=route_table_ref,
        destination_cidr_block=route.destination,
        **{cfn_keyword(route.route_property): hop_ref},
    )


__all__ = ["cfn_keyword", "render_route"]
