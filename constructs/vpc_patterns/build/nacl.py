"""TierNetworkAcls: the CDK skin over an :class:`~vpc_patterns.plan.nacl.AclPlan`.

One ``AWS::EC2::NetworkAcl`` per tier, one ``AWS::EC2::NetworkAclEntry`` per
rule and one ``AWS::EC2::SubnetNetworkAclAssociation`` per subnet of the tier.
Every decision is made by :func:`~vpc_patterns.plan.nacl.plan_acls`; this module
only writes it down.

Logical ids are API: an ACL is ``<Tier>NetworkAcl``; an entry is
``Ingress<number>`` / ``Egress<number>`` under it, so changing a rule's ports
or CIDR updates the entry in place, and a new number is a new entry (never two
entries fighting for one number during an update).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Annotations, CfnTag
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nacl import PLAN_ACLS_DEFAULTS, AclPlan, AclProtocol, AclRule, plan_acls
from vpc_patterns.plan.naming import ACL_FINDING_PREFIX, METADATA_KEY, TAG_TIER

#: The reason recorded for AwsSolutions-VPC3 ("a network ACL has been
#: implemented") on each ACL and, through it, on its entries.
VPC3_REASON = (
    "Subnet-level network ACLs are a deliberate second layer under the security groups "
    "(defence in depth for NIST SC-7 and PCI DSS 1.2/1.3). The rules are generated per tier by "
    "vpc_patterns.plan.nacl.plan_acls, which checks before synthesis that every admitted packet's "
    "reply is admitted (stateless return traffic) and that no rule is shadowed, and reports "
    "any finding as a warning; this ACL holds only its own tier's subnets."
)


class TierNetworkAcls(Construct):
    """A network ACL per tier of a :class:`~vpc_patterns.build.vpc.BestPracticeVpc`.

    ``TierNetworkAcls(scope, id, network=net)`` plans the ACLs from
    ``net.plan`` with the options below; or pass ``acl_plan=`` to build a plan
    made beforehand (then no other option may be given).

    Findings of the plan (shadowed, redundant rules; missing return traffic)
    become CDK warnings on the ACL they concern (``cdk synth`` prints them);
    ``findings_as_errors=True`` refuses them instead.

    Every planning option left at ``None`` takes
    :func:`~vpc_patterns.plan.nacl.plan_acls`'s default
    (:data:`~vpc_patterns.plan.nacl.PLAN_ACLS_DEFAULTS`), so the defaults and
    their reasons have one home: :func:`~vpc_patterns.plan.nacl.plan_acls`.

    Args:
        network: a :class:`~vpc_patterns.BestPracticeVpc` built with
            ``network_acls=False`` (a subnet takes one ACL only).
        acl_plan: an :class:`AclPlan` made beforehand with ``plan_acls``.
            Default: ``None``: planned here from ``network.plan`` and the
            options below.
        user_rules: ``{tier name: [AclRule, ...]}``, merged by number.
            Default: ``None``: plan_acls's, only the library's rules.
        public_ingress_ports: TCP ports public tiers admit from anywhere.
            Default: ``None``: plan_acls's (80, 443), what a load balancer
            serves.
        reachable_from: ``{isolated tier: [tier names]}``. Default: ``None``:
            plan_acls's, the private tiers, where the workloads live.
        isolated_service_ports: TCP ports an isolated tier may open to the tiers
            it admits. Default: ``None``: plan_acls's (443,), for endpoints and
            internal APIs.
        ephemeral_ports: the reply range. Default: ``None``: plan_acls's
            (1024, 65535), AWS's guidance for every common client.
        internet_icmp: admit every ICMP type to and from the internet.
            Default: ``None``: plan_acls's False; path-MTU discovery's
            "fragmentation needed" is admitted anyway.
        icmp_echo: public and private tiers may ping outside hosts. Default:
            ``None``: plan_acls's False; echo requests are a covert channel
            only diagnostics need.
        remote_admin_ports: ports no library rule admits from 0.0.0.0/0.
            Default: ``None``: plan_acls's (22, 3389), SSH and RDP, which
            CT.EC2.PR.5 forbids from anywhere. With other ports, record your
            own ``Intent.acl_returns_admitted(except_ports=...)`` (the
            network's default intent excepts 3389).
        private_address_ranges: address space that is never the internet,
            denied on isolated tiers before the gateway-endpoint replies.
            Default: ``None``: plan_acls's RFC 1918 and RFC 6598 ranges, where
            peers and on-premises networks are numbered.
        max_rules_per_direction: your account's quota. Default: ``None``:
            plan_acls's 20, AWS's default quota.
        findings_as_errors: refuse findings instead of warning. Default:
            ``None``: plan_acls's False; warnings already fail
            ``cdk synth --strict``.
        name: prefix of the ACLs' ``Name`` tags. Default: ``None``: the
            network's name (else the construct path), so the ACLs read as part
            of their network.

    Attributes:
        plan: the :class:`AclPlan` built.
        acls: tier name -> ``CfnNetworkAcl``.
        entries: ``(tier, egress, number)`` -> ``CfnNetworkAclEntry``.
        associations: subnet construct id -> ``CfnSubnetNetworkAclAssociation``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Any,
        acl_plan: AclPlan | None = None,
        user_rules: Mapping[str, Sequence[AclRule]] | None = None,
        public_ingress_ports: Sequence[int] | None = None,
        reachable_from: Mapping[str, Sequence[str]] | None = None,
        isolated_service_ports: Sequence[int] | None = None,
        ephemeral_ports: tuple[int, int] | None = None,
        internet_icmp: bool | None = None,
        icmp_echo: bool | None = None,
        remote_admin_ports: Sequence[int] | None = None,
        private_address_ranges: Sequence[str] | None = None,
        max_rules_per_direction: int | None = None,
        findings_as_errors: bool | None = None,
        name: str | None = None,
    ) -> None:
        vpc_plan = getattr(network, "plan", None)
        cfn_vpc = getattr(network, "cfn_vpc", None)
        subnets = getattr(network, "subnets", None)
        if vpc_plan is None or cfn_vpc is None or not isinstance(subnets, Mapping):
            raise ConfigError(
                f"network {network!r} is not a BestPracticeVpc (it needs .plan, .cfn_vpc "
                "and .subnets)"
            )
        if getattr(network, "network_acls", None) is not None:
            # A subnet can be associated with one ACL only: two sets would fight at deploy time.
            raise ConfigError(
                f"network {network.node.path!r} already has network ACLs; give your rules to it "
                "(acl_rules=...), or build it with network_acls=False to use TierNetworkAcls"
            )
        given_options: dict[str, object] = {
            "user_rules": user_rules,
            "public_ingress_ports": public_ingress_ports,
            "reachable_from": reachable_from,
            "isolated_service_ports": isolated_service_ports,
            "ephemeral_ports": ephemeral_ports,
            "internet_icmp": internet_icmp,
            "icmp_echo": icmp_echo,
            "remote_admin_ports": remote_admin_ports,
            "private_address_ranges": private_address_ranges,
            "max_rules_per_direction": max_rules_per_direction,
            "findings_as_errors": findings_as_errors,
        }
        # None: plan_acls's default, whose one home is plan_acls's signature.
        options = {k: v for k, v in given_options.items() if v is not None}
        if acl_plan is None:
            acl_plan = plan_acls(vpc_plan, **options)  # type: ignore[arg-type]
        else:
            given = sorted(k for k, v in options.items() if v != PLAN_ACLS_DEFAULTS[k])
            if given:
                raise ConfigError(
                    f"acl_plan is given together with {', '.join(given)}; pass those options to "
                    "plan_acls() instead, or drop acl_plan"
                )
            if not isinstance(acl_plan, AclPlan):
                raise ConfigError(
                    f"acl_plan {acl_plan!r} is not an AclPlan; build one with plan_acls()"
                )
            if acl_plan.vpc_cidr != vpc_plan.cidr:
                raise ConfigError(
                    f"acl_plan was made for VPC {acl_plan.vpc_cidr}, but network is {vpc_plan.cidr}"
                )
            for acl in acl_plan.acls:
                for sid in acl.subnets:
                    if sid not in subnets:
                        raise ConfigError(
                            f"acl_plan's ACL for tier {acl.tier!r} names subnet {sid!r}, which the "
                            "network does not have; plan the ACLs from network.plan"
                        )
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigError(f"name {name!r} must be a non-empty string")

        super().__init__(scope, id)
        self.plan: AclPlan = acl_plan
        prefix = name or getattr(network, "_name", None) or self.node.path
        self.acls: dict[str, ec2.CfnNetworkAcl] = {}
        self.entries: dict[tuple[str, bool, int], ec2.CfnNetworkAclEntry] = {}
        self.associations: dict[str, ec2.CfnSubnetNetworkAclAssociation] = {}
        vpc_ref = cfn_vpc.ref  # each .ref is a jsii call: read once
        known_refs: dict[str, str] = getattr(network, "_subnet_refs", None) or {}
        for acl in acl_plan.acls:
            res = ec2.CfnNetworkAcl(self, acl.construct_id, vpc_id=vpc_ref, tags=[
                CfnTag(key="Name", value=f"{prefix}/{acl.tier}-acl"),
                CfnTag(key=TAG_TIER, value=acl.tier),
            ])
            self.acls[acl.tier] = res
            acl_ref = res.ref
            for r in acl.rules:
                self.entries[(acl.tier, r.egress, r.number)] = self._entry(
                    res, acl_ref, r, acl.origin(r))
            for sid in acl.subnets:
                self.associations[sid] = ec2.CfnSubnetNetworkAclAssociation(
                    res,
                    f"{sid}Association",
                    subnet_id=known_refs.get(sid) or subnets[sid].ref,
                    network_acl_id=acl_ref,
                )
            acknowledge(res, "AwsSolutions-VPC3", VPC3_REASON)
            for f in acl_plan.findings:
                if f.tier == acl.tier:
                    Annotations.of(res).add_warning_v2(
                        f"{ACL_FINDING_PREFIX}{f.kind.value}", f.message
                    )

    @staticmethod
    def _entry(acl: ec2.CfnNetworkAcl, acl_ref: str, r: AclRule,
               origin: str) -> ec2.CfnNetworkAclEntry:
        v6 = r.network.version == 6
        cidr: dict[str, Any] = {"ipv6_cidr_block": r.cidr} if v6 else {"cidr_block": r.cidr}
        props: dict[str, Any] = {}
        if r.ports is not None:
            lo, hi = r.ports
            props["port_range"] = ec2.CfnNetworkAclEntry.PortRangeProperty(from_=lo, to=hi)
        if r.protocol is AclProtocol.ICMP:
            icmp_type, icmp_code = r.icmp_type_code
            props["icmp"] = ec2.CfnNetworkAclEntry.IcmpProperty(code=icmp_code, type=icmp_type)
        entry = ec2.CfnNetworkAclEntry(
            acl,
            f"{'Egress' if r.egress else 'Ingress'}{r.number}",
            network_acl_id=acl_ref,
            rule_number=r.number,
            rule_action=r.action.value,
            protocol=r.protocol_number,
            egress=r.egress,
            **cidr,
            **props,
        )
        # NACL entries carry no description in EC2; keep it in the template,
        # with where the rule came from and whether it only admits replies
        # (read by vpc_patterns.check: a reply-only rule opens no port to
        # new connections). One call: every jsii call costs synthesis time.
        entry.add_metadata(METADATA_KEY, {
            "description": r.description, "origin": origin, "reply": bool(r.reply),
        })
        return entry
