"""BestPracticeVpc: the CDK skin over a :class:`~vpc_patterns.plan.VpcPlan`.

Every decision (CIDRs, AZs, which route goes where, NAT placement) is made by
:func:`~vpc_patterns.plan.plan_network` before the first CDK call; this module
only turns the plan into L1 resources and exposes them as an ``ec2.IVpc``.
Construct ids come from the plan (tier name + AZ slot) and are API: renaming
one replaces the resource.

The module runs past 500 lines because :class:`BestPracticeVpc` documents
each of its twenty options with its default and the reason for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, Aws, CfnTag, Fn, RemovalPolicy, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge_in_packs
from vpc_patterns.build.default_sg import RestrictDefaultSecurityGroup
from vpc_patterns.build.flow_logs import BUILTIN_CLOUDWATCH_IDS, build_cloudwatch_flow_logs
from vpc_patterns.build.keys import logs_key
from vpc_patterns.build.nacl import TierNetworkAcls
from vpc_patterns.build.nat import BuiltNat, NatBuilder, nat_builder
from vpc_patterns.build.nat_instance import SelfHealingNatInstance
from vpc_patterns.build.routes import render_route
from vpc_patterns.build.selection import SelectionCheck, selectable_tier
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.flow_logs import (
    DEFAULT_FLOW_LOG_RETENTION_DAYS,
    FlowLogPlan,
    plan_builtin_flow_log,
)
from vpc_patterns.plan.flow_logs import LOG_RETENTION_DAYS as LOG_RETENTION_DAYS  # re-exported
from vpc_patterns.plan.intents import Intent, intents_metadata, plan_intents
from vpc_patterns.plan.limits import (
    check_generated_names,
    check_stack_resources,
    count_vpc_resources,
    stack_resources_warning,
)
from vpc_patterns.plan.nacl import DEFAULT_PUBLIC_INGRESS_PORTS, AclPlan, AclRule, plan_acls
from vpc_patterns.plan.naming import METADATA_KEY as INTENTS_METADATA_KEY
from vpc_patterns.plan.naming import TAG_AZ, TAG_CDK_SUBNET_NAME, TAG_CDK_SUBNET_TYPE, TAG_TIER
from vpc_patterns.plan.network import (
    DEFAULT_AZ_SLOTS,
    DEFAULT_CIDR,
    GATEWAY_ENDPOINT_SERVICES,
    AzPlacement,
    NatKind,
    NatProvider,
    RoutePlan,
    RouteTarget,
    SubnetKind,
    Tier,
    VpcPlan,
    plan_network,
    with_network_option_docs,
)
from vpc_patterns.plan.records import SUBNET_RECORD_KEY, subnet_record

#: Tag keys the CDK's own ``Vpc.fromLookup`` reads to classify subnets, so a
#: network built here can be looked up by other CDK apps.
_CDK_SUBNET_TYPE = {
    SubnetKind.PUBLIC: "Public",
    SubnetKind.PRIVATE: "Private",
    SubnetKind.ISOLATED: "Isolated",
}
#: Below CDK's default tag priority (100), so specific Name tags win.
FALLBACK_NAME_TAG_PRIORITY = 50
#: Id of the warning a network that takes 80% or more of a stack's 500
#: resources gets (``Annotations.acknowledge_warning`` takes it).
STACK_RESOURCES_WARNING = "vpc_patterns:stack-resources"


#: plan_acls' parameters under the names BestPracticeVpc gives them.
_ACL_OPTION_NAMES = {
    "user_rules": "acl_rules",
    "reachable_from": "isolated_reachable_from",
    "findings_as_errors": "acl_findings_as_errors",
}
#: plan_acls' parameters BestPracticeVpc does not take (TierNetworkAcls does).
_TIER_ACL_ONLY = ("isolated_service_ports", "ephemeral_ports", "internet_icmp", "icmp_echo",
                  "remote_admin_ports", "private_address_ranges", "max_rules_per_direction")


def _in_public_option_names(message: str) -> str:
    """An ACL planning error in the words of BestPracticeVpc's options."""
    for internal, public in _ACL_OPTION_NAMES.items():
        message = re.sub(rf"\b{internal}\b", public, message)
    named = [o for o in _TIER_ACL_ONLY if re.search(rf"\b{o}\b", message)]
    if named:
        message += (f" ({', '.join(named)}: options of TierNetworkAcls; build the network "
                    "with network_acls=False and add TierNetworkAcls(network=..., ...) to set "
                    "them)")
    return message


@dataclass(frozen=True)
class _Hop:
    """What planned routes to one hop resolve to: the id the route carries,
    and what else to do with each such route."""

    ref: str
    on_route: Callable[[ec2.CfnRoute], None] | None = None


@with_network_option_docs
class BestPracticeVpc(Construct):
    """A multi-AZ VPC with public, private and isolated tiers.

    All options are keyword-only and optional; each is listed below with its
    default and the reason for it. Invalid options raise :class:`ConfigError`
    before any resource is created.

    Args:
        <network options>
        flow_log: a flow log for the whole VPC (traffic type ALL) to a
            CloudWatch log group encrypted with a KMS key (rotation on).
            Default: ``True``: network logs are the evidence of what crossed the
            network; turn it off to build :class:`FlowLogs` with more options.
        flow_log_retention_days: retention of that log group, one of
            CloudWatch's accepted values (1, 3, 5, ... 3653). Default: ``365``
            (:data:`DEFAULT_FLOW_LOG_RETENTION_DAYS`): a year of network logs
            is what PCI DSS 10.7 and most audit regimes ask for.
        logs_removal_policy: what deleting the stack does to the flow-log group
            and its key. Default: ``RemovalPolicy.RETAIN``: flow logs and their
            key are audit evidence; use ``DESTROY`` for throw-away environments.
        restrict_default_security_group: empty the default security group of
            its rules at deploy time (a custom resource). Default: ``True``:
            nothing can then silently use it.
        network_acls: one network ACL per tier (:class:`TierNetworkAcls`).
            Default: ``True``: a second, subnet-level layer under the security
            groups (NIST SC-7, PCI DSS 1.2/1.3).
        acl_rules: ``{tier: [AclRule, ...]}``, your rules, merged with the
            library's by number. Default: ``None``: only the library's rules.
        public_ingress_ports: TCP ports the public tiers' ACL admits from the
            internet. Default: ``(80, 443)``: load balancers serve HTTP (to
            redirect) and HTTPS.
        isolated_reachable_from: ``{isolated tier: [tiers]}``, whose blocks the
            isolated tier's ACL admits. Default: ``None``: the private tiers,
            where the workloads that use the data stores live.
        acl_findings_as_errors: shadowed, redundant or missing-return ACL
            findings raise :class:`ConfigError`. Default: ``False``: they are
            CDK warnings, which ``cdk synth --strict`` already fails on.
        intents: extra intents recorded with the template and proven by
            ``verify``, e.g. ``Intent.reaches("app", "data", [5432])``. Default:
            ``()``: only the library's intents.
        default_intents: record the library's intents for this layout
            (isolated has no internet path, private is egress-only and
            AZ-local, ...). Default: ``True``: ``verify`` then proves the layout
            does what the tiers promise.
        name: prefix of the ``Name`` tag of every resource. Default: ``None``:
            the construct path, unique in the app.

    Attributes:
        vpc: an ``ec2.IVpc`` for any CDK construct (RDS, ECS, Lambda, ...);
            ``select(<tier>)`` gives the ``SubnetSelection`` of exactly one
            tier. ``SubnetSelection(subnet_type=...)`` picks every tier of
            that type, and synth warns (id
            ``vpc-patterns:selection-spans-tiers``) on a resource in this
            stack whose subnets span two tiers of one type.
        plan: the :class:`VpcPlan` the network was built from.
        cfn_vpc, subnets, route_tables, nat_gateways, nat_instances,
        internet_gateway, gateway_endpoints, flow_log, flow_log_group,
        logs_key: the underlying resources, for escape hatches.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cidr: str = DEFAULT_CIDR,
        max_azs: int | None = None,
        availability_zones: Sequence[str] | None = None,
        availability_zone_ids: Sequence[str] | None = None,
        tiers: Sequence[Tier] | None = None,
        az_slots: int = DEFAULT_AZ_SLOTS,
        nat: NatProvider | None = None,
        gateway_endpoints: Sequence[str] = GATEWAY_ENDPOINT_SERVICES,
        flow_log: bool = True,
        flow_log_retention_days: int = DEFAULT_FLOW_LOG_RETENTION_DAYS,
        logs_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        restrict_default_security_group: bool = True,
        network_acls: bool = True,
        acl_rules: Mapping[str, Sequence[AclRule]] | None = None,
        public_ingress_ports: Sequence[int] = DEFAULT_PUBLIC_INGRESS_PORTS,
        isolated_reachable_from: Mapping[str, Sequence[str]] | None = None,
        acl_findings_as_errors: bool = False,
        intents: Sequence[Intent] = (),
        default_intents: bool = True,
        name: str | None = None,
    ) -> None:
        # ---- validate everything before the first resource exists ----------
        plan = plan_network(
            cidr=cidr,
            max_azs=max_azs,
            availability_zones=availability_zones,
            availability_zone_ids=availability_zone_ids,
            tiers=tiers,
            az_slots=az_slots,
            nat=nat,
            gateway_endpoints=gateway_endpoints,
        )
        flow_log_plan = (plan_builtin_flow_log(plan, retention_days=flow_log_retention_days)
                         if flow_log else None)
        if not isinstance(logs_removal_policy, RemovalPolicy):
            raise ConfigError(
                f"logs_removal_policy {logs_removal_policy!r} must be an aws_cdk.RemovalPolicy "
                "(RETAIN keeps flow logs as audit evidence; DESTROY for throw-away environments)"
            )
        for flag, value in (("flow_log", flow_log),
                            ("restrict_default_security_group", restrict_default_security_group)):
            if not isinstance(value, bool):
                raise ConfigError(f"{flag} {value!r} must be True or False")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 200):
            raise ConfigError(f"name {name!r} must be a string of 1..200 characters")
        if name is not None:
            check_generated_names(plan, name)
        if not isinstance(id, str) or not id:
            raise ConfigError(f"construct id {id!r} must be a non-empty string")
        if not isinstance(network_acls, bool):
            raise ConfigError(f"network_acls {network_acls!r} must be True or False")
        acl_plan: AclPlan | None = None
        if network_acls:
            try:
                acl_plan = plan_acls(
                    plan, user_rules=acl_rules, public_ingress_ports=public_ingress_ports,
                    reachable_from=isolated_reachable_from,
                    findings_as_errors=acl_findings_as_errors,
                )
            except ConfigError as err:
                raise ConfigError(_in_public_option_names(str(err))) from None
        elif acl_rules:
            raise ConfigError("acl_rules are given but network_acls=False; drop one of them")
        resource_counts = count_vpc_resources(
            plan, acl_plan=acl_plan, flow_log=flow_log,
            restrict_default_security_group=restrict_default_security_group)
        check_stack_resources(resource_counts)
        recorded_intents = plan_intents(
            plan, intents, default_intents,
            public_ports=tuple(public_ingress_ports) if network_acls else None,
        )

        super().__init__(scope, id)
        size_warning = stack_resources_warning(resource_counts)
        if size_warning is not None:
            Annotations.of(self).add_warning_v2(STACK_RESOURCES_WARNING, size_warning)
        self.plan: VpcPlan = plan
        #: the plan of the network's own flow log (None with ``flow_log=False``)
        self.flow_log_plan: FlowLogPlan | None = flow_log_plan
        self._name = name or self.node.path
        self._acl_plan = acl_plan
        self.intents: tuple[Intent, ...] = recorded_intents
        self._build(
            flow_log=flow_log,
            removal=logs_removal_policy,
            restrict_default_sg=restrict_default_security_group,
        )

    # ------------------------------------------------------------------ build
    # Network resources get their tags as CloudFormation properties: every
    # Tags.of(...).add(...) is two jsii round-trips, and a VPC has dozens of
    # taggable resources (synthesis time is dominated by jsii calls).
    def _tags(self, suffix: str | None = None, **extra: str) -> list[CfnTag]:
        name = f"{self._name}/{suffix}" if suffix else self._name
        return [CfnTag(key="Name", value=name)] + [
            CfnTag(key=k, value=v) for k, v in extra.items()
        ]

    def _fallback_name(self, construct: Construct) -> None:
        """Name every taggable resource under ``construct`` (keys, log groups,
        roles, functions) that has no specific Name of its own."""
        Tags.of(construct).add("Name", self._name, priority=FALLBACK_NAME_TAG_PRIORITY)

    def _az_props(self, az: AzPlacement) -> dict[str, Any]:
        if az.name is not None:
            return {"availability_zone": az.name}
        if az.zone_id is not None:
            return {"availability_zone_id": az.zone_id}
        if az.index not in self._az_tokens:
            self._az_tokens[az.index] = Fn.select(az.index, Fn.get_azs())
        return {"availability_zone": self._az_tokens[az.index]}

    def _build(
        self, *, flow_log: bool, removal: RemovalPolicy, restrict_default_sg: bool
    ) -> None:
        """Turn the plan into resources, one step per part of the network.
        The order of the steps fixes the order of the VPC's children, hence of
        the template's resources (a route is a child of its route table, so
        it sits with its table whichever step makes it)."""
        self._az_tokens: dict[int, str] = {}
        self._hops: dict[tuple[RouteTarget, str], _Hop] = {}
        self._internet_routes: list[ec2.CfnRoute] = []
        self._build_vpc()
        self._build_internet_gateway()
        self._build_subnets()
        self._build_route_tables()
        nats = self._build_nats()
        self._build_routes()
        # A NAT with no way out would accept traffic and drop it.
        for built in nats:
            for route in self._internet_routes:
                built.construct.node.add_dependency(route)
        self._build_gateway_endpoints()
        self._build_logs(flow_log, removal, restrict_default_sg)
        self._build_default_sg_restriction(restrict_default_sg, removal)
        self.vpc: ec2.IVpc = self._as_ivpc()
        # The intents `python -m vpc_patterns verify` proves on the template.
        self.cfn_vpc.add_metadata(INTENTS_METADATA_KEY, intents_metadata(self.intents))
        self._build_network_acls()
        # synth warns where a selection by subnet type spans several tiers
        if len({t.kind for t in self.plan.tiers if not t.reserved}) < \
                len([t for t in self.plan.tiers if not t.reserved]):
            self.node.add_validation(SelectionCheck(self))

    def _build_vpc(self) -> None:
        self.cfn_vpc = ec2.CfnVPC(
            self, "Resource", cidr_block=self.plan.cidr, enable_dns_hostnames=True,
            enable_dns_support=True, tags=self._tags(),
        )
        self._vpc_ref = self.cfn_vpc.ref

    def _build_internet_gateway(self) -> None:
        """Only when a public tier exists: nothing else uses it."""
        self.internet_gateway: ec2.CfnInternetGateway | None = None
        if not self.plan.subnets_by_kind(SubnetKind.PUBLIC):
            return
        igw = self.internet_gateway = ec2.CfnInternetGateway(
            self, "InternetGateway", tags=self._tags("igw"))
        attach = ec2.CfnVPCGatewayAttachment(
            self, "InternetGatewayAttachment", vpc_id=self._vpc_ref, internet_gateway_id=igw.ref,
        )

        def on_route(route: ec2.CfnRoute) -> None:
            route.node.add_dependency(attach)
            self._internet_routes.append(route)
            acknowledge_in_packs(
                route, "VPCNoUnrestrictedRouteToIGW",
                "This is the public tier's default route: public subnets exist to hold "
                "internet-facing load balancers and the NATs; private and isolated tiers "
                "have no route to the internet gateway.",
            )

        self.add_route_target(RouteTarget.INTERNET_GATEWAY, "", igw.ref, on_route=on_route)

    def _build_subnets(self) -> None:
        self.subnets: dict[str, ec2.CfnSubnet] = {}
        self._subnet_refs: dict[str, str] = {}
        for s in self.plan.subnets:
            sub = ec2.CfnSubnet(
                self, s.construct_id,
                vpc_id=self._vpc_ref,
                cidr_block=s.cidr,
                map_public_ip_on_launch=s.map_public_ip_on_launch,
                tags=self._tags(f"{s.tier}-{s.az.label}", **{
                    TAG_TIER: s.tier, TAG_AZ: s.az.label, TAG_CDK_SUBNET_NAME: s.tier,
                    TAG_CDK_SUBNET_TYPE: _CDK_SUBNET_TYPE[s.kind],
                }),
                **self._az_props(s.az),
            )
            # The plan's record of the subnet, read back by the change check.
            sub.add_metadata(INTENTS_METADATA_KEY, {SUBNET_RECORD_KEY: subnet_record(s)})
            self.subnets[s.construct_id] = sub
            self._subnet_refs[s.construct_id] = sub.ref

    def _build_route_tables(self) -> None:
        """Route tables and their subnet associations (the routes come later,
        once the hops they point at exist)."""
        self.route_tables: dict[str, ec2.CfnRouteTable] = {}
        self._rt_refs: dict[str, str] = {}
        for rt in self.plan.route_tables:
            table = ec2.CfnRouteTable(
                self, rt.construct_id, vpc_id=self._vpc_ref,
                tags=self._tags(f"{rt.tier}-{rt.az.label}" if rt.az else rt.tier,
                                **{TAG_TIER: rt.tier}),
            )
            self.route_tables[rt.construct_id] = table
            self._rt_refs[rt.construct_id] = table.ref
            for sid in rt.subnets:
                ec2.CfnSubnetRouteTableAssociation(
                    self.subnets[sid], "RouteTableAssociation",
                    subnet_id=self._subnet_refs[sid], route_table_id=table.ref,
                )

    def _build_nats(self) -> list[BuiltNat]:
        """Each planned NAT through the builder of its kind (vpc_patterns.build.nat)."""
        self.nat_gateways: dict[str, ec2.CfnNatGateway] = {}
        self.nat_instances: dict[str, SelfHealingNatInstance] = {}
        builders: dict[NatKind, NatBuilder] = {}
        built: list[BuiltNat] = []
        for n in self.plan.nats:
            if n.kind not in builders:
                builders[n.kind] = nat_builder(n.kind)(self)
            # a regional NAT gateway sits in no subnet (subnet "")
            nat = builders[n.kind].build(n, self._subnet_refs[n.subnet] if n.subnet else "")
            route_target = n.strategy.route_target
            assert route_target is not None
            self.add_route_target(route_target, n.construct_id, nat.target_ref)
            built.append(nat)
        return built

    def _build_routes(self) -> None:
        for rt in self.plan.route_tables:
            for route in rt.routes:
                self.add_route(rt.construct_id, route)

    def add_route_target(self, target: RouteTarget, target_id: str, ref: str, *,
                         on_route: Callable[[ec2.CfnRoute], None] | None = None) -> None:
        """Make the hop (``target``, ``target_id``) of planned routes resolve
        to ``ref``; ``on_route`` is called with each route rendered to it."""
        self._hops[(target, target_id)] = _Hop(ref, on_route)

    def add_route(self, route_table: str, route: RoutePlan, *,
                  scope: Construct | None = None) -> ec2.CfnRoute:
        """Render one planned route into route table ``route_table`` (a
        construct id of the plan) through :func:`render_route`: the target
        kind names the property of AWS::EC2::Route that holds the hop's id.
        The route is made under ``scope`` (any construct, in any stack;
        default: the route table)."""
        hop = self._hops[(route.target, route.target_id)]
        cfn = render_route(self.route_tables[route_table] if scope is None else scope,
                           route, self._rt_refs[route_table], hop.ref)
        if hop.on_route is not None:
            hop.on_route(cfn)
        return cfn

    def _build_gateway_endpoints(self) -> None:
        """Free, and keep S3/DynamoDB traffic off the NATs."""
        self.gateway_endpoints: dict[str, ec2.CfnVPCEndpoint] = {}
        for g in self.plan.gateway_endpoints:
            self.gateway_endpoints[g.service] = ec2.CfnVPCEndpoint(
                self, g.construct_id,
                vpc_id=self._vpc_ref,
                service_name=Fn.join("", ["com.amazonaws.", Aws.REGION, f".{g.service}"]),
                vpc_endpoint_type="Gateway",
                route_table_ids=[self._rt_refs[r] for r in g.route_tables],
                tags=self._tags(f"{g.service}-endpoint"),
            )

    def _build_logs(self, flow_log: bool, removal: RemovalPolicy,
                    restrict_default_sg: bool) -> None:
        """The logs key (flow log and the default-SG handler's logs) and the flow log."""
        self.logs_key: kms.Key | None = None
        self.flow_log_group: logs.CfnLogGroup | None = None
        self.flow_log: ec2.CfnFlowLog | None = None
        if flow_log or restrict_default_sg:
            self.logs_key = self._logs_key(removal)
            self._fallback_name(self.logs_key)
        if flow_log:
            self._build_flow_log(removal)

    def _build_default_sg_restriction(self, restrict: bool, removal: RemovalPolicy) -> None:
        """The default security group, emptied of rules."""
        self.default_security_group_restriction: RestrictDefaultSecurityGroup | None = None
        if not restrict:
            return
        assert self.logs_key is not None
        self.default_security_group_restriction = RestrictDefaultSecurityGroup(
            self, "RestrictDefaultSecurityGroup",
            security_group_id=self.cfn_vpc.attr_default_security_group,
            logs_key=self.logs_key,
            removal_policy=removal,
        )
        self._fallback_name(self.default_security_group_restriction)
        acknowledge_in_packs(
            self.cfn_vpc, "VPCDefaultSecurityGroupClosed",
            "CloudFormation cannot change the default security group's rules; the "
            "RestrictDefaultSecurityGroup custom resource of this construct revokes both "
            "default rules at deploy time.",
        )

    def _build_network_acls(self) -> None:
        """Network ACLs per tier (planned and checked before super().__init__)."""
        self.network_acls: TierNetworkAcls | None = None
        if self._acl_plan is not None:
            self.network_acls = TierNetworkAcls(
                self, "NetworkAcls", network=self, acl_plan=self._acl_plan
            )

    def _logs_key(self, removal: RemovalPolicy) -> kms.Key:
        return logs_key(self, "LogsKey", description=f"Encrypts the network logs of {self._name}",
                        removal_policy=removal)

    def _build_flow_log(self, removal: RemovalPolicy) -> None:
        """The network's own flow log (:func:`plan_builtin_flow_log`), built
        like every flow log to CloudWatch Logs, under this construct's ids."""
        assert self.logs_key is not None and self.flow_log_plan is not None
        built = build_cloudwatch_flow_logs(
            self, self.flow_log_plan, network=self, ids=BUILTIN_CLOUDWATCH_IDS,
            key=self.logs_key, removal_policy=removal,
            role_description="Lets VPC Flow Logs write this VPC's flow log group",
            policy_description="Write this VPC's flow log group (the Arn attribute covers its "
                               "streams)",
            tags=self._tags("flow-log"),
        )
        self._fallback_name(built.role)
        self.flow_log_group = built.log_group
        (self.flow_log,) = built.flow_logs.values()

    def _as_ivpc(self) -> ec2.IVpc:
        plan = self.plan
        az_tokens: list[str] = []
        first_tier = plan.subnets[0].tier if plan.subnets else None
        for az in plan.azs:
            if az.name is not None:
                az_tokens.append(az.name)
            elif az.zone_id is not None and first_tier is not None:
                # Resolve the AZ name the id maps to in this account at deploy time.
                az_tokens.append(self.subnets[plan.subnet(first_tier, az.index).construct_id]
                                 .attr_availability_zone)
            else:
                az_tokens.append(self._az_props(az)["availability_zone"])

        def group(kind: SubnetKind) -> dict[str, list[str]]:
            subs = plan.subnets_by_kind(kind)
            names: list[str] = []
            for s in subs:
                if s.tier not in names:
                    names.append(s.tier)
            return {
                "ids": [self._subnet_refs[s.construct_id] for s in subs],
                "names": names,
                "rts": [self._rt_refs[s.route_table] for s in subs],
                "cidrs": [s.cidr for s in subs],
            }

        pub, priv, iso = (group(k) for k in SubnetKind)
        return ec2.Vpc.from_vpc_attributes(
            self, "Vpc",
            vpc_id=self._vpc_ref,
            vpc_cidr_block=plan.cidr,
            availability_zones=az_tokens,
            public_subnet_ids=pub["ids"] or None,
            public_subnet_names=pub["names"] or None,
            public_subnet_route_table_ids=pub["rts"] or None,
            public_subnet_ipv4_cidr_blocks=pub["cidrs"] or None,
            private_subnet_ids=priv["ids"] or None,
            private_subnet_names=priv["names"] or None,
            private_subnet_route_table_ids=priv["rts"] or None,
            private_subnet_ipv4_cidr_blocks=priv["cidrs"] or None,
            isolated_subnet_ids=iso["ids"] or None,
            isolated_subnet_names=iso["names"] or None,
            isolated_subnet_route_table_ids=iso["rts"] or None,
            isolated_subnet_ipv4_cidr_blocks=iso["cidrs"] or None,
        )

    # ------------------------------------------------------------ accessors
    @property
    def vpc_id(self) -> str:
        return self._vpc_ref

    def select(self, tier: str) -> ec2.SubnetSelection:
        """Exactly the subnets of ``tier`` (one per AZ), for any construct's
        ``vpc_subnets``: ``rds.DatabaseInstance(..., vpc=net.vpc,
        vpc_subnets=net.select("data"))``. Unlike
        ``SubnetSelection(subnet_type=...)``, which picks every tier of that
        type, it cannot pick a second tier when one is added. An unknown or
        reserved tier raises :class:`ConfigError` naming the tiers that exist."""
        return ec2.SubnetSelection(subnet_group_name=selectable_tier(self.plan, tier))

    def subnet(self, tier: str, az_index: int) -> ec2.CfnSubnet:
        """The L1 subnet of ``tier`` in AZ slot ``az_index`` (0-based)."""
        return self.subnets[self.plan.subnet(tier, az_index).construct_id]
