"""Subnet selection that cannot surprise.

``SubnetSelection(subnet_type=PRIVATE_ISOLATED)`` picks *every* tier of that
type: with a ``data`` and a ``cache`` tier, a database subnet group gets both.
:meth:`BestPracticeVpc.select` names exactly one tier instead, and the
synthesis-time check here warns when a resource in the network's stack was
given the subnets of two or more tiers of one type (what a selection by type
gives on such a layout), naming the tiers and the call that picks one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Annotations, CfnResource, Stack
from constructs import IValidation

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.network import SubnetKind, VpcPlan

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc

#: The id of the warning, for ``Annotations.of(scope).acknowledge_warning``
#: where a resource is meant to span tiers.
SELECTION_WARNING_ID = "vpc-patterns:selection-spans-tiers"

#: L1 types whose properties take a list of subnets (what an L2 fills from
#: ``vpc_subnets``). Only these are read: resolving every resource of a
#: stack would cost a jsii round-trip each.
SUBNET_LIST_TYPES = frozenset(f"aws-cdk-lib.{t}" for t in (
    "aws_apprunner.CfnVpcConnector",
    "aws_autoscaling.CfnAutoScalingGroup",
    "aws_batch.CfnComputeEnvironment",
    "aws_codebuild.CfnProject",
    "aws_dax.CfnSubnetGroup",
    "aws_dms.CfnReplicationSubnetGroup",
    "aws_docdb.CfnDBSubnetGroup",
    "aws_ec2.CfnVPCEndpoint",
    "aws_ecs.CfnService",
    "aws_ecs.CfnTaskSet",
    "aws_eks.CfnCluster",
    "aws_eks.CfnNodegroup",
    "aws_elasticache.CfnSubnetGroup",
    "aws_elasticloadbalancing.CfnLoadBalancer",
    "aws_elasticloadbalancingv2.CfnLoadBalancer",
    "aws_elasticsearch.CfnDomain",
    "aws_fsx.CfnFileSystem",
    "aws_lambda.CfnFunction",
    "aws_memorydb.CfnSubnetGroup",
    "aws_msk.CfnCluster",
    "aws_mwaa.CfnEnvironment",
    "aws_neptune.CfnDBSubnetGroup",
    "aws_opensearchservice.CfnDomain",
    "aws_rds.CfnDBProxy",
    "aws_rds.CfnDBSubnetGroup",
    "aws_redshift.CfnClusterSubnetGroup",
    "aws_route53resolver.CfnResolverEndpoint",
    "aws_sagemaker.CfnDomain",
))


def selectable_tier(plan: VpcPlan, tier: object) -> str:
    """``tier`` if it names a tier with subnets; ConfigError naming the tiers
    that exist otherwise."""
    with_subnets = [t.tier for t in plan.tiers if not t.reserved]
    if isinstance(tier, str) and tier in with_subnets:
        return tier
    reserved = [t.tier for t in plan.tiers if t.reserved]
    if isinstance(tier, str) and tier in reserved:
        raise ConfigError(
            f"select({tier!r}): tier {tier!r} is reserved (Tier(reserved=True) keeps its block "
            f"but creates no subnets); tiers with subnets: {', '.join(with_subnets)}")
    raise ConfigError(
        f"select({tier!r}): no such tier; the network's tiers: {', '.join(with_subnets)}")


def _refs(value: Any) -> Iterator[list[str]]:
    """Every list of ``{"Ref": id}`` in a resolved property tree (as lists of ids)."""
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, list):
        ids = [v["Ref"] for v in value
               if isinstance(v, Mapping) and set(v) == {"Ref"} and isinstance(v["Ref"], str)]
        if len(ids) > 1:
            yield ids
        for v in value:
            yield from _refs(v)


def spanned_tiers(plan: VpcPlan, tier_of: Mapping[str, str],
                  properties: Any) -> list[tuple[SubnetKind, list[str]]]:
    """For each subnet list in ``properties`` that holds subnets of two or
    more tiers of one type: the type and the tiers, in plan order.
    ``tier_of`` maps a subnet's logical id to its tier."""
    kinds = {t.tier: t.kind for t in plan.tiers}
    order = [t.tier for t in plan.tiers]
    found: list[tuple[SubnetKind, list[str]]] = []
    for ids in _refs(properties):
        tiers = {tier_of[i] for i in ids if i in tier_of}
        if len(tiers) < 2 or len({kinds[t] for t in tiers}) != 1:
            continue
        entry = (kinds[next(iter(tiers))], sorted(tiers, key=order.index))
        if entry not in found:
            found.append(entry)
    return found


@jsii.implements(IValidation)
class SelectionCheck:
    """Synthesis-time: warn on resources whose subnets span tiers of one type."""

    def __init__(self, network: BestPracticeVpc) -> None:
        self._network = network
        self._warned: set[tuple[str, tuple[str, ...]]] = set()

    def validate(self) -> list[str]:
        net = self._network
        stack = Stack.of(net)
        lids = stack.resolve({cid: sub.ref for cid, sub in net.subnets.items()})
        tier_of = {ref["Ref"]: net.plan.subnets[i].tier
                   for i, ref in enumerate(lids[s.construct_id] for s in net.plan.subnets)}
        for res in stack.node.find_all():
            if not isinstance(res, CfnResource) or \
                    getattr(type(res), "__jsii_type__", None) not in SUBNET_LIST_TYPES:
                continue
            for kind, tiers in spanned_tiers(net.plan, tier_of,
                                             stack.resolve(res._cfn_properties)):
                path = res.node.path
                if (path, tuple(tiers)) in self._warned:  # synth can run more than once
                    continue
                self._warned.add((path, tuple(tiers)))
                Annotations.of(res).add_warning_v2(SELECTION_WARNING_ID, (
                    f"the subnets of this resource span the {kind.value} tiers "
                    f"{', '.join(repr(t) for t in tiers)} of {net.node.path}: a "
                    f"SubnetSelection(subnet_type=...) picks every tier of that type. Pick one "
                    f"tier with vpc_subnets=network.select({tiers[0]!r}) (or "
                    f"SubnetSelection(subnet_group_name=...)); acknowledge "
                    f"{SELECTION_WARNING_ID!r} if spanning them is meant"))
        return []
