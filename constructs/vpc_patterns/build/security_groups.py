"""WorkloadSecurityGroups: the CDK skin over :mod:`vpc_patterns.plan.security_groups`.

L1 resources, so what is written is exactly what was declared:

* one ``AWS::EC2::SecurityGroup`` per :class:`SecurityGroupSpec`, with its
  CIDR and prefix-list rules inline. A group declared without such egress
  rules gets a single egress rule that matches nothing (ICMP type 252 code 86
  to 255.255.255.255/32), because a group with *no* ``SecurityGroupEgress``
  keeps AWS's default allow-all egress;
* one ``AWS::EC2::SecurityGroupIngress`` / ``SecurityGroupEgress`` per rule
  between groups, as separate resources so that two groups may name each
  other without a dependency cycle.

Each rule given ``open_to_world_reason`` or ``all_protocols_reason``
acknowledges exactly the cdk-nag findings it causes
(:func:`~vpc_patterns.plan.security_groups.nag_rule_ids`) on the one resource
that holds it, with the user's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Tags
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.limits import check_name_tags
from vpc_patterns.plan.security_groups import (
    MAX_SECURITY_GROUPS_PER_INTERFACE,
    PeerKind,
    PlannedSgRule,
    SecurityGroupSpec,
    SecurityGroupsPlan,
    check_interface_security_groups,
    plan_security_groups,
)

#: An egress rule that matches no packet: ICMP type 252 / code 86 do not
#: exist, and 255.255.255.255/32 is never a unicast destination. Present only
#: so that AWS does not add its default allow-all egress rule.
NO_EGRESS_CIDR = "255.255.255.255/32"
NO_EGRESS_ICMP_TYPE, NO_EGRESS_ICMP_CODE = 252, 86


class WorkloadSecurityGroups(Construct):
    """Security groups declared as :class:`SecurityGroupSpec`, in one VPC.

    ``WorkloadSecurityGroups(scope, id, network=net, groups=[web, app, db])``.
    Validation happens before any resource exists.

    Args:
        groups: the :class:`SecurityGroupSpec` list; rules may name each other
            by group.
        network: the :class:`~vpc_patterns.BestPracticeVpc` the groups live
            in; exactly one of ``network`` and ``vpc``. Default: ``None``: then
            ``vpc`` names the VPC.
        vpc: any ``ec2.IVpc``, for a VPC this library did not build; exactly
            one of ``network`` and ``vpc``. Default: ``None``: ``network``
            names the VPC.
        name: prefix of the groups' ``Name`` tags. Default: ``None``: the
            network's name, else the construct path, so the groups read as
            part of their network.

    Attributes:
        plan: the :class:`SecurityGroupsPlan`.
        cfn_groups: name -> ``CfnSecurityGroup``.
        groups: name -> ``ec2.ISecurityGroup`` (immutable reference, for L2
            constructs: ``security_groups=[sgs.groups["app"]]``).
        rule_resources: ``(name, "ingress"|"egress", index)`` ->
            ``CfnSecurityGroupIngress`` / ``CfnSecurityGroupEgress`` for
            group-to-group rules.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        groups: Sequence[SecurityGroupSpec],
        network: Any = None,
        vpc: ec2.IVpc | None = None,
        name: str | None = None,
    ) -> None:
        if (network is None) == (vpc is None):
            raise ConfigError(
                "give exactly one of network= (a BestPracticeVpc) or vpc= (an ec2.IVpc)"
            )
        if network is not None:
            cfn_vpc = getattr(network, "cfn_vpc", None)
            if cfn_vpc is None:
                raise ConfigError(
                    f"network {network!r} is not a BestPracticeVpc (it has no cfn_vpc)"
                )
            vpc_id = cfn_vpc.ref
        else:
            vpc_id = vpc.vpc_id  # type: ignore[union-attr]
        plan = plan_security_groups(groups)
        check_name_tags(name, [g.name for g in plan.groups])
        super().__init__(scope, id)
        self.plan: SecurityGroupsPlan = plan
        prefix = name or getattr(network, "_name", None) or self.node.path
        self.cfn_groups: dict[str, ec2.CfnSecurityGroup] = {}
        self.groups: dict[str, ec2.ISecurityGroup] = {}
        self.rule_resources: dict[tuple[str, str, int], Construct] = {}

        for spec in plan.groups:
            inline_in = [
                self._ingress_prop(r) for r in plan.rules_of(spec.name, ingress=True) if r.inline
            ]
            inline_out = [
                self._egress_prop(r) for r in plan.rules_of(spec.name, ingress=False) if r.inline
            ]
            if not inline_out:
                inline_out = [
                    ec2.CfnSecurityGroup.EgressProperty(
                        ip_protocol="icmp",
                        cidr_ip=NO_EGRESS_CIDR,
                        from_port=NO_EGRESS_ICMP_TYPE,
                        to_port=NO_EGRESS_ICMP_CODE,
                        description="Matches no packet: removes the default allow-all egress",
                    )
                ]
            group = ec2.CfnSecurityGroup(
                self,
                spec.construct_id,
                group_description=spec.description,
                vpc_id=vpc_id,
                security_group_ingress=inline_in or None,
                security_group_egress=inline_out,
            )
            Tags.of(group).add("Name", f"{prefix}/{spec.name}")
            self.cfn_groups[spec.name] = group
            self.groups[spec.name] = ec2.SecurityGroup.from_security_group_id(
                self,
                f"{spec.construct_id}Ref",
                group.attr_group_id,
                mutable=False,
                allow_all_outbound=False,
            )

        for pr in plan.rules:
            group = self.cfn_groups[pr.group]
            if pr.inline:
                self._acknowledge(group, pr)
                continue
            res = self._group_rule(pr)
            self.rule_resources[(pr.group, "ingress" if pr.ingress else "egress", pr.index)] = res
            self._acknowledge(res, pr)

    # ------------------------------------------------------------- helpers
    def _peer_group_id(self, pr: PlannedSgRule) -> str:
        if pr.peer_group is not None:
            return self.cfn_groups[pr.peer_group].attr_group_id
        v = pr.rule.peer.value
        if isinstance(v, str):
            return v
        return v.security_group_id  # an ISecurityGroup

    @staticmethod
    def _cidr_props(pr: PlannedSgRule, *, ingress: bool) -> dict[str, Any]:
        peer = pr.rule.peer
        if peer.kind is PeerKind.PREFIX_LIST:
            return {
                ("source_prefix_list_id" if ingress else "destination_prefix_list_id"): peer.value
            }
        return {("cidr_ipv6" if pr.rule.ipv6 else "cidr_ip"): peer.value}

    def _ingress_prop(self, pr: PlannedSgRule) -> ec2.CfnSecurityGroup.IngressProperty:
        proto, lo, hi = pr.rule.cfn_protocol_and_ports()
        return ec2.CfnSecurityGroup.IngressProperty(
            ip_protocol=proto,
            from_port=lo,
            to_port=hi,
            description=pr.rule.description,
            **self._cidr_props(pr, ingress=True),
        )

    def _egress_prop(self, pr: PlannedSgRule) -> ec2.CfnSecurityGroup.EgressProperty:
        proto, lo, hi = pr.rule.cfn_protocol_and_ports()
        return ec2.CfnSecurityGroup.EgressProperty(
            ip_protocol=proto,
            from_port=lo,
            to_port=hi,
            description=pr.rule.description,
            **self._cidr_props(pr, ingress=False),
        )

    def _group_rule(self, pr: PlannedSgRule) -> Construct:
        proto, lo, hi = pr.rule.cfn_protocol_and_ports()
        group_id = self.cfn_groups[pr.group].attr_group_id
        direction = "Ingress" if pr.ingress else "Egress"
        cid = f"{self.plan.group(pr.group).construct_id}{direction}{pr.index}"
        if pr.ingress:
            return ec2.CfnSecurityGroupIngress(
                self,
                cid,
                group_id=group_id,
                ip_protocol=proto,
                from_port=lo,
                to_port=hi,
                source_security_group_id=self._peer_group_id(pr),
                description=pr.rule.description,
            )
        return ec2.CfnSecurityGroupEgress(
            self,
            cid,
            group_id=group_id,
            ip_protocol=proto,
            from_port=lo,
            to_port=hi,
            destination_security_group_id=self._peer_group_id(pr),
            description=pr.rule.description,
        )

    @staticmethod
    def _acknowledge(scope: Construct, pr: PlannedSgRule) -> None:
        direction = "ingress" if pr.ingress else "egress"
        for rule_id in pr.nag_rule_ids:
            acknowledge(
                scope,
                rule_id,
                f"Security group {pr.group} {direction} rule '{pr.rule.description}' "
                f"({pr.rule.summary(ingress=pr.ingress)}): {pr.reason}",
            )

    # ------------------------------------------------------------ accessors
    def for_interface(
        self, where: str, *groups: Any, limit: int = MAX_SECURITY_GROUPS_PER_INTERFACE
    ) -> list[ec2.ISecurityGroup]:
        """The groups to hand to one instance / ENI / endpoint, checked against
        the per-interface limit. ``groups`` are names of this set's groups or
        ``ec2.ISecurityGroup`` objects."""
        resolved: list[Any] = []
        for g in groups:
            if isinstance(g, str):
                if g not in self.groups:
                    raise ConfigError(
                        f"{where!r}: security group {g!r} is not in this set; groups: "
                        f"{', '.join(self.groups)}"
                    )
                resolved.append(self.groups[g])
            else:
                resolved.append(g)
        return list(check_interface_security_groups(resolved, where, limit=limit))
