"""VPC peering: between two networks of the app, or with a VPC outside it.

``VpcPeering(stack, "ProdToShared", requester=prod, accepter=shared)`` builds
one ``AWS::EC2::VPCPeeringConnection`` and, in the route tables of the chosen
tiers (``private`` by default), a route to the other VPC's CIDR through it
(planned by :func:`plan_peering_routes`, rendered by
:func:`vpc_patterns.build.routes.render_route` like every route of the
network): on the requester side always, on the accepter side when the accepter is a
:class:`~vpc_patterns.build.vpc.BestPracticeVpc` of this app. A VPC outside the app
is described by :class:`PeerVpc` (its id and CIDR; ``owner_id`` and the
``role_arn`` of a role in that account that may accept, for another account;
``region`` for another region); routes on its side are its owner's to add.

The peer, the overlap checks and the ACL rules are pure Python in
:mod:`vpc_patterns.plan.peering` (which documents what is checked, and the
network ACLs a peering needs); its names are importable from here too.

Where the resources go (cross-stack)
------------------------------------
Every resource of the peering -- the connection, the routes of *both* sides,
the DNS custom resource -- lives in the stack of ``scope``. The networks' VPC
ids and route table ids reach it as CloudFormation exports, so the two
network stacks never reference each other (no cycle), and the peering's
stack deploys after both and is deleted before them. A route may live in
another stack than its route table: CloudFormation only needs the table's id.
Consequence of exports: a network stack cannot replace an exported route
table or VPC while the peering's stack imports it; change the peering first.

No transitive routing
---------------------
Peering is point to point. If A peers with B and B with C, A cannot reach C
through B (AWS drops it), nor reach B's internet gateway, NAT, VPN or Direct
Connect: the routes built here name only the peer's own CIDR. A hub that must
reach several VPCs needs one peering each (or a transit gateway).

DNS resolution across the peering
---------------------------------
``AWS::EC2::VPCPeeringConnection`` has no DNS property; the option lives in
the peering's *options*, set with ``ec2:ModifyVpcPeeringConnectionOptions``
once the connection is active. With ``dns_resolution=True`` a small inline
custom resource (:mod:`vpc_patterns.build.handlers.peering_dns`; its role may call
only that action, only on this peering) turns on
``AllowDnsResolutionFromRemoteVpc``, so a public DNS hostname of an instance in
one VPC resolves to its private IP when queried from the other:

* both networks in the app, or a :class:`PeerVpc` of the same account: both
  sides (each in its own region when the peer is in another region);
* a :class:`PeerVpc` of another account: only the requester side (the peer
  resolves this VPC's hostnames privately). The other side belongs to the
  peer's owner, who sets it from their account; an info annotation says so.

Cost: a peering connection has no hourly charge; data crossing it within one
AZ is free, across AZs ~$0.01/GB each way, across regions inter-region rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, CustomResource, RemovalPolicy, Stack, Tags, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from vpc_patterns.build.default_sg import handler_resource, inline_handler
from vpc_patterns.build.keys import logs_key
from vpc_patterns.build.netref import WeakRegistry, require_network
from vpc_patterns.build.routes import render_route
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.lookup import tier_list
from vpc_patterns.plan.peering import (
    DEFAULT_DNS_RESOLUTION,
    DEFAULT_PEER_TCP_PORTS,
    DEFAULT_TIERS,
    PEER_ACL_FIRST_NUMBER,
    PEER_ACL_STEP,
    PeeringRecord,
    PeerVpc,
    check_peer_cidr,
    peer_acl_rules,
    peer_route_tables,
    plan_peering_routes,
)

HANDLER_SOURCE = Path(__file__).with_name("handlers") / "peering_dns.py"

#: network object -> the peerings it is part of.
_PEERINGS = WeakRegistry()


def _env(stack: Stack) -> tuple[str | None, str | None]:
    def known(v: str) -> str | None:
        return None if Token.is_unresolved(v) else v
    return known(stack.account), known(stack.region)


# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------


class VpcPeering(Construct):
    """A peering connection and the routes through it.

    Args:
        requester: the :class:`~vpc_patterns.BestPracticeVpc` that requests the
            peering.
        accepter: another BestPracticeVpc of this app, or a :class:`PeerVpc`.
        requester_tiers: tiers of the requester whose route tables get a route
            to the accepter's CIDR. Default: ``("private",)``
            (:data:`DEFAULT_TIERS`): workloads live in the private tiers;
            public tiers hold load balancers and NATs, isolated tiers data
            stores another VPC should not reach by default.
        accepter_tiers: the same on the accepter side; only for a
            BestPracticeVpc accepter (a PeerVpc's routes are its owner's to
            add, so giving tiers for it is an error). Default: ``None``: the
            private tiers (:data:`DEFAULT_TIERS`) of a BestPracticeVpc accepter,
            for the same reason.
        dns_resolution: turn on DNS resolution across the peering (see the
            module doc). Default: ``False`` (:data:`DEFAULT_DNS_RESOLUTION`):
            it exposes private addresses of this VPC to the peer's DNS queries,
            a choice to make, not a default.
        logs_key: KMS key for the DNS handler's log group. Default: ``None``:
            the requester's logs key, or a new key (rotation on) if it has none,
            so the handler's logs are encrypted like the network's.
        removal_policy: of the DNS handler's log group (and key if new).
            Default: ``RemovalPolicy.RETAIN``: logs and keys are kept as audit
            evidence, like every log of the library.
        name: the peering's Name tag. Default: ``None``: the construct path,
            unique in the app.

    Attributes: ``connection`` (``CfnVPCPeeringConnection``),
    ``requester_routes`` / ``accepter_routes`` (route table construct id ->
    ``CfnRoute``), ``dns`` (the ``CustomResource`` or None).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        requester: Any,
        accepter: Any,
        requester_tiers: Sequence[str] = DEFAULT_TIERS,
        accepter_tiers: Sequence[str] | None = None,
        dns_resolution: bool = DEFAULT_DNS_RESOLUTION,
        logs_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        name: str | None = None,
    ) -> None:
        path = f"{scope.node.path}/{id}" if scope.node.path else id
        req = require_network(requester, f"{path} requester")
        internal = not isinstance(accepter, PeerVpc)
        acc = require_network(accepter, f"{path} accepter (a BestPracticeVpc or a PeerVpc)") \
            if internal else None
        if acc is not None and acc is req:
            raise ConfigError(f"{path}: requester and accepter are the same network")
        if not isinstance(dns_resolution, bool):
            raise ConfigError(f"dns_resolution {dns_resolution!r} must be True or False")
        if not isinstance(removal_policy, RemovalPolicy):
            raise ConfigError(f"removal_policy {removal_policy!r} must be an aws_cdk.RemovalPolicy")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 255):
            raise ConfigError(f"name {name!r} must be a string of 1..255 characters (a tag value)")
        req_tiers = tier_list(req.plan, requester_tiers, f"{path} requester_tiers")
        if acc is not None:
            acc_tiers = tier_list(acc.plan, DEFAULT_TIERS if accepter_tiers is None
                                  else accepter_tiers, f"{path} accepter_tiers")
        else:
            if accepter_tiers is not None:
                raise ConfigError(
                    f"{path}: accepter_tiers {accepter_tiers!r} given for {accepter.label()}, "
                    "which is outside this app; routes on its side are its owner's to add"
                )
            acc_tiers = ()

        # Environments: exports cannot cross accounts or regions.
        req_stack = Stack.of(req)
        scope_env = _env(Stack.of(scope))
        if _env(req_stack) != scope_env:
            raise ConfigError(
                f"{path}: the peering's stack {Stack.of(scope).stack_name} and the requester's "
                f"stack {req_stack.stack_name} are in different environments; put the peering "
                "in the requester's environment"
            )
        if acc is not None:
            acc_stack = Stack.of(acc)
            if _env(acc_stack) != _env(req_stack):
                raise ConfigError(
                    f"{path}: requester stack {req_stack.stack_name} "
                    f"(account/region {_show(_env(req_stack))}) and accepter stack "
                    f"{acc_stack.stack_name} ({_show(_env(acc_stack))}) are in different "
                    "environments, which CloudFormation exports cannot span: describe the "
                    "accepter as PeerVpc(vpc_id, cidr, owner_id=..., role_arn=..., region=...)"
                )

        # Overlaps: own CIDRs, then every other peering of either network.
        req_label = f"{req.node.path} {req.plan.cidr}"
        if acc is not None:
            peer_cidr, peer_label = acc.plan.cidr, f"{acc.node.path} {acc.plan.cidr}"
        else:
            peer_cidr, peer_label = accepter.cidr, accepter.label()
        check_peer_cidr(req.plan.cidr, req_label, peer_cidr, peer_label, _PEERINGS.get(req),
                        path=path)
        if acc is not None:
            check_peer_cidr(acc.plan.cidr, peer_label, req.plan.cidr, req_label,
                            _PEERINGS.get(acc), path=path)

        super().__init__(scope, id)
        _PEERINGS.add(req, PeeringRecord(peer_cidr, peer_label, path))
        if acc is not None:
            _PEERINGS.add(acc, PeeringRecord(req.plan.cidr, req_label, path))

        stack = Stack.of(self)
        props: dict[str, Any] = {"vpc_id": req.cfn_vpc.ref}
        if acc is not None:
            props["peer_vpc_id"] = acc.cfn_vpc.ref
        else:
            props["peer_vpc_id"] = accepter.vpc_id
            if accepter.owner_id is not None:
                props["peer_owner_id"] = accepter.owner_id
                props["peer_role_arn"] = accepter.role_arn
            if accepter.region is not None:
                props["peer_region"] = accepter.region
        self.connection = ec2.CfnVPCPeeringConnection(self, "Connection", **props)
        Tags.of(self.connection).add("Name", name or path)

        def routes(side: str, network: Any, tiers: Sequence[str], destination: str
                   ) -> dict[str, ec2.CfnRoute]:
            holder = Construct(self, f"{side}Routes")
            return {
                rt: render_route(holder, route, network.route_tables[rt].ref,
                                 self.connection.ref)
                for rt, route in plan_peering_routes(network.plan, tiers, destination, path)
            }

        self.requester_routes = routes("Requester", req, req_tiers, peer_cidr)
        self.accepter_routes = (routes("Accepter", acc, acc_tiers, req.plan.cidr)
                                if acc is not None else {})

        self.dns: CustomResource | None = None
        if dns_resolution:
            here = stack.region
            sides = [{"Side": "Requester", "Region": here}]
            cross_account = isinstance(accepter, PeerVpc) and accepter.owner_id is not None
            if cross_account:
                Annotations.of(self).add_info(
                    f"DNS resolution is turned on for the requester side only: {accepter.label()} "
                    "may resolve this VPC's public hostnames to private IPs. The other direction "
                    "is set by the peer's owner in their account "
                    "(ModifyVpcPeeringConnectionOptions, AccepterPeeringConnectionOptions)."
                )
            else:
                peer_region = accepter.region if isinstance(accepter, PeerVpc) else None
                sides.append({"Side": "Accepter", "Region": peer_region or here})
            self.dns = self._dns(sides, logs_key or getattr(req, "logs_key", None), removal_policy)

    def _dns(self, sides: list[dict[str, str]], logs_key: kms.IKey | None,
             removal: RemovalPolicy) -> CustomResource:
        stack = Stack.of(self)
        if logs_key is None:
            logs_key = _logs_key(self, removal)
        arns = []
        for region in dict.fromkeys(s["Region"] for s in sides):
            arns.append(stack.format_arn(service="ec2", region=region,
                                         resource="vpc-peering-connection",
                                         resource_name=self.connection.ref))
        fn = inline_handler(
            self, "DnsHandler",
            source=HANDLER_SOURCE,
            description="Turns on DNS resolution across one VPC peering connection",
            logs_key=logs_key,
            removal_policy=removal,
            statements=[iam.PolicyStatement(
                actions=["ec2:ModifyVpcPeeringConnectionOptions"],
                resources=arns,
            )],
        )
        return handler_resource(
            self, "Dns",
            function=fn,
            resource_type="Custom::VpcPeeringDns",
            properties={"PeeringConnectionId": self.connection.ref, "Sides": sides},
        )


def _show(env: tuple[str | None, str | None]) -> str:
    return "/".join(v or "agnostic" for v in env)


def _logs_key(scope: Construct, removal: RemovalPolicy) -> kms.Key:
    """A key for the handler's log group when none is given."""
    return logs_key(scope, "LogsKey", description=f"Encrypts the logs of {scope.node.path}",
                    removal_policy=removal)


#: The construct, and the plan names importable from here.
__all__ = [
    "DEFAULT_DNS_RESOLUTION",
    "DEFAULT_PEER_TCP_PORTS",
    "DEFAULT_TIERS",
    "HANDLER_SOURCE",
    "PEER_ACL_FIRST_NUMBER",
    "PEER_ACL_STEP",
    "PeerVpc",
    "PeeringRecord",
    "VpcPeering",
    "check_peer_cidr",
    "peer_acl_rules",
    "peer_route_tables",
    "plan_peering_routes",
]
