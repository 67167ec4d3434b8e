"""Interface VPC endpoints (AWS PrivateLink) for AWS services, by short name.

``InterfaceEndpoints(stack, "Endpoints", network=net, services=["ssm", "logs"])``
builds, for each service, one ``AWS::EC2::VPCEndpoint`` of type ``Interface``
with a network interface in one subnet per AZ of a tier (``private`` by
default), private DNS on (so the service's usual hostname resolves to those
interfaces inside the VPC and SDKs need no change), and one security group
shared by all of them that admits **TCP 443 only, only from the VPC's CIDR**
(the literal CIDR of the plan, never a token, so the rule is reviewable in the
template) and lets nothing out (an endpoint only answers; security groups are
stateful).

The services are validated and placed by
:func:`~vpc_patterns.plan.endpoints.plan_interface_endpoints` (pure Python,
:mod:`vpc_patterns.plan.endpoints`, which documents the AZ placement rules and
the cost; its names are importable from here too) before any resource exists;
:class:`InterfaceEndpoints` turns that plan into L1 resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Annotations, Stack, Tags, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from vpc_patterns.build.netref import WeakRegistry, group_id, require_network
from vpc_patterns.build.security_groups import WorkloadSecurityGroups
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan import endpoints as _plan
from vpc_patterns.plan.endpoints import (
    DEFAULT_TIER,
    GATEWAY_SERVICES,
    HTTPS_PORT,
    MAX_SERVICE_NAME_CHARS,
    SECURITY_GROUP_NAME,
    SERVICE_AZ_IDS,
    EndpointPlacement,
    InterfaceEndpointsPlan,
    plan_interface_endpoints,
    validate_service_name,
)
from vpc_patterns.plan.limits import check_name_tags
from vpc_patterns.plan.security_groups import (
    SecurityGroupSpec,
    SgPeer,
    SgRule,
    check_interface_security_groups,
)

# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------

#: Services with a private-DNS endpoint, per network: AWS refuses a second
#: private-DNS endpoint for one service in one VPC (the hosted zone exists).
_PRIVATE_DNS = WeakRegistry()
#: Stands for the shared endpoint group in the five-per-interface count.
_SHARED_GROUP = ("shared interface-endpoint group",)


class InterfaceEndpoints(Construct):
    """Interface endpoints for ``services`` in one subnet per AZ of ``tier``.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc`.
        services: short names: ``["ssm", "ssmmessages", "ec2messages",
            "logs", "kms", "ecr.api", "ecr.dkr", "sts", ...]``, each in the
            dated list of interface endpoint services
            (``vpc_patterns/data/endpoint-services-*.txt``; a name missing
            there is an error offering the nearest: ``"ecr"`` -> ``"ecr.api"``,
            ``"ecr.dkr"``); ``s3`` and ``dynamodb`` are refused (the network's
            free gateway endpoints serve them).
        tier: the tier whose subnets hold the interfaces. Default:
            ``"private"`` (:data:`DEFAULT_TIER`): workloads live there and their
            SDK calls start there; endpoints keep those calls off the NAT,
            which charges per GB.
        private_dns: the service's public hostname resolves to the endpoint
            inside the VPC. Needs the VPC's DNS support and hostnames
            (BestPracticeVpc turns both on); one private-DNS endpoint per
            service per VPC. Default: ``True``: clients and SDKs need no change.
        policy: an endpoint policy for every endpoint (an
            ``iam.PolicyDocument`` whose statements name principals, e.g.
            limited to your organization). Default: ``None``: no policy, which
            AWS treats as full access *through the endpoint*; IAM still
            applies.
        service_azs: per service, the AZs where it offers endpoints (see the
            module doc). Default: ``None``: every AZ of the tier, since no
            availability data ships with the library and an
            environment-agnostic stack cannot look it up.
        security_groups: more groups for every endpoint (ids or
            ``ISecurityGroup``), e.g. to admit a peered VPC; with the shared
            group at most five per interface. Default: ``()``: only the shared
            group, which admits TCP 443 from the VPC's CIDR.
        name: prefix of the Name tags. Default: ``None``: the network's name
            (else the construct path), so the endpoints read as part of their
            network.
        allow_unlisted: accept services that are well formed but missing from
            the dated list. Default: ``False``: a name missing there fails
            only at deploy, so it is most likely a typo; set it for a service
            newer than the list.

    Attributes: ``plan``, ``endpoints`` (service -> ``CfnVPCEndpoint``),
    ``security_group`` (``CfnSecurityGroup``), ``security_group_ref``
    (``ISecurityGroup``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Any,
        services: Sequence[str],
        tier: str = DEFAULT_TIER,
        private_dns: bool = True,
        policy: iam.PolicyDocument | None = None,
        service_azs: Mapping[str, Sequence[str]] | None = None,
        security_groups: Sequence[Any] = (),
        name: str | None = None,
        allow_unlisted: bool = False,
    ) -> None:
        net = require_network(network, "InterfaceEndpoints")
        if not isinstance(private_dns, bool):
            raise ConfigError(f"private_dns {private_dns!r} must be True or False")
        if policy is not None:
            if not isinstance(policy, iam.PolicyDocument):
                raise ConfigError(
                    f"policy {policy!r} must be an aws_iam.PolicyDocument (or None)"
                )
            problems = policy.validate_for_resource_policy()
            if problems:
                raise ConfigError(
                    "policy is not a valid endpoint policy: " + "; ".join(problems)
                    + " (an endpoint policy is a resource policy: every statement names "
                    "its principals, '*' allowed)"
                )
        if isinstance(security_groups, (str, bytes)) or not isinstance(security_groups, Sequence):
            raise ConfigError(
                f"security_groups {security_groups!r} must be a list of group ids or "
                "ISecurityGroup"
            )
        extra_ids = [group_id(g, "InterfaceEndpoints security_groups") for g in security_groups]
        region = Stack.of(scope).region
        plan = plan_interface_endpoints(
            net.plan, services, tier=tier,
            region=None if Token.is_unresolved(region) else region,
            service_azs=service_azs, allow_unlisted=allow_unlisted,
        )
        path = f"{scope.node.path}/{id}" if scope.node.path else id
        check_name_tags(name, [SECURITY_GROUP_NAME] + [f"endpoint-{e.service}"
                                                       for e in plan.endpoints])
        # Five groups per interface: the shared group plus the extras.
        check_interface_security_groups([_SHARED_GROUP, *extra_ids],
                                        f"{path} (every endpoint interface)")
        if private_dns:
            taken = dict(_PRIVATE_DNS.get(net))
            for e in plan.endpoints:
                if e.service in taken:
                    raise ConfigError(
                        f"{path}: service {e.service!r} already has a private-DNS interface "
                        f"endpoint in this VPC ({taken[e.service]}); AWS allows one per "
                        "service per VPC: drop it here or use private_dns=False"
                    )
        super().__init__(scope, id)
        self.plan: InterfaceEndpointsPlan = plan
        prefix = name or getattr(net, "_name", None) or path
        spec = SecurityGroupSpec(
            SECURITY_GROUP_NAME,
            f"Interface endpoints of tier {tier}: HTTPS in from the VPC only",
            ingress=[SgRule(SgPeer.cidr(plan.vpc_cidr), HTTPS_PORT,
                            f"HTTPS from the VPC {plan.vpc_cidr} to AWS service endpoints")],
        )
        groups = WorkloadSecurityGroups(self, "SecurityGroup", network=net, groups=[spec],
                                        name=prefix)
        self.security_group: ec2.CfnSecurityGroup = groups.cfn_groups[SECURITY_GROUP_NAME]
        self.security_group_ref: ec2.ISecurityGroup = groups.groups[SECURITY_GROUP_NAME]
        group_ids = [self.security_group.attr_group_id, *extra_ids]
        self.endpoints: dict[str, ec2.CfnVPCEndpoint] = {}
        stack_region = Stack.of(self).region
        for e in plan.endpoints:
            ep = ec2.CfnVPCEndpoint(
                self, e.construct_id,
                vpc_id=net.cfn_vpc.ref,
                vpc_endpoint_type="Interface",
                service_name=e.service_name(stack_region),
                private_dns_enabled=private_dns,
                subnet_ids=[net.subnets[s.construct_id].ref for s in e.subnets],
                security_group_ids=group_ids,
                policy_document=policy,
            )
            Tags.of(ep).add("Name", f"{prefix}/endpoint-{e.service}")
            self.endpoints[e.service] = ep
            if private_dns:
                _PRIVATE_DNS.add(net, (e.service, f"{path}/{e.construct_id}"))
        for note in plan.notes:
            Annotations.of(self).add_info(note)


def __getattr__(name: str) -> Any:
    """The price names of earlier releases, from :mod:`vpc_patterns.plan.endpoints`."""
    if name in _plan._PRICE_NAMES:
        return getattr(_plan, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The construct, and the plan names importable from here.
__all__ = [
    "DEFAULT_TIER",
    "GATEWAY_SERVICES",
    "HTTPS_PORT",
    "MAX_SERVICE_NAME_CHARS",
    "SECURITY_GROUP_NAME",
    "SERVICE_AZ_IDS",
    "EndpointPlacement",
    "InterfaceEndpoints",
    "InterfaceEndpointsPlan",
    "plan_interface_endpoints",
    "validate_service_name",
]
