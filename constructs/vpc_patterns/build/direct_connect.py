"""Direct Connect: associate the VPC's virtual private gateway with an
existing Direct Connect gateway.

CloudFormation has no Direct Connect resources, so the association is a
custom resource: a small inline Lambda function
(``handlers/direct_connect.py``, built by
:func:`~vpc_patterns.build.default_sg.inline_handler`: Python, its own encrypted log
group, a customer-managed policy, no retries of a failed invocation) that
calls the Direct Connect API:

* Create: looks for an association of the same two gateways
  (``DescribeDirectConnectGatewayAssociations`` by Direct Connect gateway
  and virtual gateway) and adopts it -- a Create that CloudFormation sends
  again after a lost answer finds the first one instead of orphaning it; a
  virtual private gateway has at most one association anyway. Otherwise
  ``CreateDirectConnectGatewayAssociation`` (``virtualGatewayId``,
  ``addAllowedPrefixesToDirectConnectGateway``). Then it polls until the
  state is ``associated`` and sets the allowed prefixes if they differ.
* Update: the allowed prefixes are brought to the new list with
  ``UpdateDirectConnectGatewayAssociation`` (add/remove) and wait for
  ``associated``; another gateway pair disassociates the old pair's
  association first (a virtual private gateway takes one Direct Connect
  gateway), then associates the new one (a new physical id).
* Delete: ``DeleteDirectConnectGatewayAssociation``, waiting for
  ``disassociated`` so the gateway can then be detached and deleted. The
  association counts as already gone only when the API says so: not found
  (``DirectConnectClientException`` saying "not found" or "does not exist")
  or in state ``disassociated``; any other error answers FAILED, so the
  gateway is never detached under a live association.

Every wait, and every retry of throttling or transient errors, is bounded by
the function's timeout (:data:`HANDLER_TIMEOUT_SECONDS`, Lambda's maximum):
40 to 60 s before it the handler stops and answers FAILED with the
association's state, and the custom resource's ``ServiceTimeout`` fails the
operation if even that answer is lost, instead of CloudFormation waiting an
hour. An association created before a failed wait is reported with its id,
so the rollback deletes it.

How the pieces fit
------------------
Ordering the physical connection happens outside this tool and takes weeks:
in the Direct Connect console you request a dedicated connection at a Direct
Connect location (or order a hosted connection from an AWS Direct Connect
Partner), receive the Letter of Authorization (LOA-CFA), and have the cross
connect made in the colocation facility. Then, in order::

    on-premises router
      --(physical connection, 1/10/100 Gbps, or a partner's hosted connection)
      --> private virtual interface (VLAN + BGP session; a *transit* VIF is
          for transit gateways instead)
      --> Direct Connect gateway (global; you create it once, note its id)
      --> this association (allowed prefixes = what on-premises may learn)
      --> virtual private gateway, attached to the VPC
      --> route propagation into the private and isolated route tables

The virtual interface and the Direct Connect gateway are created once per
connection, by hand or by the network team's own tooling; this construct
only links the VPC's gateway to that Direct Connect gateway, in the same
account (a gateway owned by another account needs an association proposal
accepted by its owner, which this construct does not make).

The gateway id and the allowed prefixes are checked by
:mod:`vpc_patterns.plan.direct_connect` (pure Python; its names are importable
from here too): each prefix must cover the VPC CIDR (default: exactly the VPC
CIDR), or AWS does not advertise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge
from vpc_patterns.build.default_sg import handler_resource, inline_handler
from vpc_patterns.build.keys import logs_key
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.direct_connect import (
    DX_GATEWAY_ID,
    VGW_ID,
    parse_allowed_prefixes,
    parse_direct_connect_gateway_id,
)
from vpc_patterns.plan.network import VpcPlan

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc
    from vpc_patterns.build.vpn import SiteToSiteVpn, VirtualPrivateGateway

HANDLER_SOURCE = Path(__file__).with_name("handlers") / "direct_connect.py"
#: Lambda's maximum: an association usually completes in a few minutes, but
#: AWS gives no bound; the handler answers FAILED 40 to 60 s before this.
HANDLER_TIMEOUT_SECONDS = 900
RESOURCE_TYPE = "Custom::DirectConnectGatewayAssociation"
#: Direct Connect API actions that accept the gateway's ARN as resource.
SCOPED_ACTIONS = (
    "directconnect:CreateDirectConnectGatewayAssociation",
    "directconnect:DeleteDirectConnectGatewayAssociation",
    "directconnect:DescribeDirectConnectGatewayAssociations",
)
#: No resource-level permission exists for it (Service Authorization
#: Reference, AWS Direct Connect): Resource must be "*".
UNSCOPED_ACTIONS = ("directconnect:UpdateDirectConnectGatewayAssociation",)
_IAM5_REASON = (
    "directconnect:UpdateDirectConnectGatewayAssociation supports no resource-level permission "
    "(Service Authorization Reference), so its Resource must be '*'. It only changes the allowed "
    "prefixes of an existing association; creating and deleting associations are scoped to this "
    "one Direct Connect gateway's ARN, and the role is assumable only by this handler.")



def _logs_key(scope: Construct, removal: RemovalPolicy) -> kms.Key:
    """A key for the handler's log group when none is given."""
    return logs_key(scope, "LogsKey", description=f"Encrypts the logs of {scope.node.path}",
                    removal_policy=removal)


class DirectConnectAssociation(Construct):
    """Associates a virtual private gateway with a Direct Connect gateway.

    Args:
        vpn_gateway: a :class:`~vpc_patterns.SiteToSiteVpn` (its gateway), a
            :class:`~vpc_patterns.VirtualPrivateGateway`, an
            ``ec2.CfnVPNGateway`` or a gateway id (``vgw-...``). For the last
            two, pass ``gateway_attachment`` (the association needs the gateway
            attached) and ``network`` or ``allowed_prefixes``.
        direct_connect_gateway_id: the existing Direct Connect gateway (a
            UUID), in this account.
        allowed_prefixes: CIDRs the VPC may advertise, each covering the VPC
            CIDR. Default: ``None``: the VPC CIDR, exactly what the network
            holds and nothing more.
        network: the network, when ``vpn_gateway`` does not carry it. Default:
            ``None``: taken from ``vpn_gateway``.
        gateway_attachment: the gateway's ``CfnVPCGatewayAttachment``. Default:
            ``None``: taken from ``vpn_gateway``, which attached it.
        logs_key: KMS key of the handler's log group. Default: ``None``: the
            network's logs key, or one made here (rotation on), so the
            handler's logs are encrypted like the network's.
        removal_policy: of the handler's log group and key. Default:
            ``RemovalPolicy.RETAIN``: logs and keys are kept as audit evidence.

    Attributes: ``association_id`` (token), ``resource`` (the custom
    resource), ``function``, ``allowed_prefixes``,
    ``direct_connect_gateway_id``, ``gateway_id``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpn_gateway: SiteToSiteVpn | VirtualPrivateGateway | ec2.CfnVPNGateway | str,
        direct_connect_gateway_id: str,
        allowed_prefixes: Sequence[str] | None = None,
        network: BestPracticeVpc | None = None,
        gateway_attachment: ec2.CfnVPCGatewayAttachment | None = None,
        logs_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        from vpc_patterns.build.vpn import SiteToSiteVpn, VirtualPrivateGateway

        dx_id = parse_direct_connect_gateway_id(direct_connect_gateway_id)
        gateway = vpn_gateway.gateway if isinstance(vpn_gateway, SiteToSiteVpn) else vpn_gateway
        if isinstance(gateway, VirtualPrivateGateway):
            if network is not None and network is not gateway.network:
                raise ConfigError(f"network {network.node.path} is not the network of gateway "
                                  f"{gateway.node.path}")
            if gateway_attachment is not None:
                raise ConfigError("gateway_attachment is given with a VirtualPrivateGateway, "
                                  "which has its own; drop it")
            network = gateway.network
            gateway_id = gateway.gateway_id
            attachment: ec2.CfnVPCGatewayAttachment | None = gateway.attachment
        elif isinstance(gateway, ec2.CfnVPNGateway):
            gateway_id, attachment = gateway.ref, gateway_attachment
        elif isinstance(gateway, str) and (Token.is_unresolved(gateway) or VGW_ID.match(gateway)):
            gateway_id, attachment = gateway, gateway_attachment
        else:
            raise ConfigError(
                f"vpn_gateway {vpn_gateway!r} must be a SiteToSiteVpn, a VirtualPrivateGateway, "
                "an ec2.CfnVPNGateway or a virtual private gateway id such as 'vgw-0123abcd'")
        if attachment is not None and not isinstance(attachment, ec2.CfnVPCGatewayAttachment):
            raise ConfigError(f"gateway_attachment {attachment!r} must be an "
                              "ec2.CfnVPCGatewayAttachment")
        vpc_cidr: str | None = None
        if network is not None:
            plan = getattr(network, "plan", None)
            if not isinstance(plan, VpcPlan):
                raise ConfigError(f"network {network!r} is not a BestPracticeVpc (it has no plan)")
            vpc_cidr = plan.cidr
        prefixes = parse_allowed_prefixes(allowed_prefixes, vpc_cidr)
        if not isinstance(removal_policy, RemovalPolicy):
            raise ConfigError(f"removal_policy {removal_policy!r} must be an aws_cdk.RemovalPolicy")

        super().__init__(scope, id)
        self.direct_connect_gateway_id = dx_id
        self.gateway_id = gateway_id
        self.allowed_prefixes = prefixes
        stack = Stack.of(self)
        dx_arn = f"arn:{stack.partition}:directconnect::{stack.account}:dx-gateway/{dx_id}"
        key = logs_key or getattr(network, "logs_key", None) or _logs_key(self, removal_policy)
        self.function = inline_handler(
            self, "Handler",
            source=HANDLER_SOURCE,
            description=f"Associates a virtual private gateway with Direct Connect gateway {dx_id}",
            logs_key=key,
            removal_policy=removal_policy,
            statements=[
                iam.PolicyStatement(actions=list(SCOPED_ACTIONS), resources=[dx_arn]),
                iam.PolicyStatement(actions=list(UNSCOPED_ACTIONS), resources=["*"]),
            ],
            timeout=HANDLER_TIMEOUT_SECONDS,
        )
        acknowledge(self.node.find_child("HandlerPolicy"), "AwsSolutions-IAM5[Resource::*]",
                    _IAM5_REASON)
        self.resource = handler_resource(
            self, "Resource",
            function=self.function,
            resource_type=RESOURCE_TYPE,
            properties={
                "DirectConnectGatewayId": dx_id,
                "VirtualGatewayId": gateway_id,
                "AllowedPrefixes": list(prefixes),
            },
        )
        if attachment is not None:
            # The association needs the gateway attached, and must go before
            # the gateway is detached.
            self.resource.node.add_dependency(attachment)

    @property
    def association_id(self) -> str:
        return self.resource.ref



#: The construct, and the plan names importable from here.
__all__ = [
    "DX_GATEWAY_ID",
    "HANDLER_SOURCE",
    "HANDLER_TIMEOUT_SECONDS",
    "RESOURCE_TYPE",
    "SCOPED_ACTIONS",
    "UNSCOPED_ACTIONS",
    "VGW_ID",
    "DirectConnectAssociation",
    "parse_allowed_prefixes",
    "parse_direct_connect_gateway_id",
]
