"""VPC peering: between two networks of the app, or with a VPC outside it.

``VpcPeering(stack, "ProdToShared", requester=prod, accepter=shared)`` builds
one ``AWS::EC2::VPCPeeringConnection`` and, in the route tables of the chosen
tiers (``private`` by default), a route to the other VPC's CIDR through it:
on the requester side always, on the accepter side when the accepter is a
:class:`~vpc_patterns.vpc.BestPracticeVpc` of this app. A VPC outside the app
is described by :class:`PeerVpc` (its id and CIDR; ``owner_id`` and the
``role_arn`` of a role in that account that may accept, for another account;
``region`` for another region); routes on its side are its owner's to add.

What is checked before any resource exists (:class:`~vpc_patterns.errors.ConfigError`)
----------------------------------------------------------------------------------------
* the two CIDRs must not overlap (AWS refuses that peering), and neither may
  overlap the CIDR of **any other peering of either network** built in this
  process: two peers with overlapping ranges make the routes ambiguous (the
  longest prefix silently wins). The message names both ranges and the other
  peering;
* tiers exist and have subnets; a :class:`PeerVpc` is well formed
  (``vpc-`` id, CIDR with no host bits, 12-digit account, region, a role ARN
  in the peer's account);
* two networks of the app must be in the same environment (CloudFormation
  exports do not cross accounts or regions): describe a network of another
  account or region as a :class:`PeerVpc`.

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

Network ACLs
------------
The library's default ACLs admit, on a private tier, all traffic from its own
VPC and TCP/UDP replies (ports 1024-65535) from anywhere. Traffic the *peer
opens* to a port below 1024 (e.g. 443) is therefore dropped until the tier's
ACL admits it: pass :func:`peer_acl_rules` to the network's ``acl_rules``
(``BestPracticeVpc(..., acl_rules={"private": peer_acl_rules("10.30.0.0/16",
[443])})``). Flows this side opens towards the peer need nothing more on a
private tier. Isolated tiers talk only to the tiers they admit; routing them to
a peer is allowed but needs your own ACL rules on both directions.

DNS resolution across the peering
---------------------------------
``AWS::EC2::VPCPeeringConnection`` has no DNS property; the option lives in
the peering's *options*, set with ``ec2:ModifyVpcPeeringConnectionOptions``
once the connection is active. With ``dns_resolution=True`` a small inline
custom resource (:mod:`vpc_patterns.handlers.peering_dns`; its role may call
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

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from aws_cdk import Annotations, CustomResource, RemovalPolicy, Stack, Tags, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import Construct

from vpc_patterns.build.default_sg import inline_handler
from vpc_patterns.errors import ConfigError
from vpc_patterns.build.keys import logs_key
from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, AclRule
from vpc_patterns.build.netref import WeakRegistry, require_network
from vpc_patterns.plan.lookup import is_token, tier_list
from vpc_patterns.plan.network import VpcPlan

# --------------------------------------------------------------------------
# Defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: Workloads live in the private tiers; public tiers hold load balancers and
#: NATs, isolated tiers data stores that should not be reachable from another
#: VPC by default.
DEFAULT_TIERS: tuple[str, ...] = ("private",)
#: Off by default: it exposes private addresses of this VPC to the peer's DNS
#: queries, which is a choice to make, not a default.
DEFAULT_DNS_RESOLUTION = False
#: First rule number :func:`peer_acl_rules` uses: above the library's rules
#: (100, 200, ... up to a few hundred), so it only sees packets no library rule
#: decided, and far from user rule numbers one would pick by hand.
PEER_ACL_FIRST_NUMBER = 1000
#: Gap between the rules :func:`peer_acl_rules` numbers, so more can go between.
PEER_ACL_STEP = 10
HANDLER_SOURCE = Path(__file__).with_name("handlers") / "peering_dns.py"

_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ROLE_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")


# --------------------------------------------------------------------------
# Pure Python: the peer, overlap checks, ACL rules
# --------------------------------------------------------------------------


def _parse_cidr(cidr: object, what: str) -> ipaddress.IPv4Network:
    if not isinstance(cidr, str) or is_token(cidr):
        raise ConfigError(
            f"{what} {cidr!r} must be a literal IPv4 CIDR such as '10.30.0.0/16' (not a token: "
            "overlaps are checked at synthesis)"
        )
    try:
        if "/" not in cidr:
            raise ValueError(cidr)
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ConfigError(f"{what} {cidr!r} is not an IPv4 CIDR such as '10.30.0.0/16'") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ConfigError(f"{what} {cidr!r} is IPv6; peering routes here are IPv4")
    if str(net) != cidr:
        raise ConfigError(f"{what} {cidr!r} has host bits set; the network is {str(net)!r}")
    return net


@dataclass(frozen=True)
class PeerVpc:
    """A VPC outside this app, to peer with.

    :param vpc_id: ``vpc-...`` (or a token, e.g. an SSM parameter value).
    :param cidr: its IPv4 CIDR, literal (the overlap check needs it at synth).
    :param owner_id: its account, when not this one.
    :param region: its region, when not this stack's.
    :param role_arn: for another account: a role in that account that trusts
        this account and may ``ec2:AcceptVpcPeeringConnection``; CloudFormation
        assumes it to accept. Required with ``owner_id``.
    """

    vpc_id: str
    cidr: str
    owner_id: str | None = None
    region: str | None = None
    role_arn: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.vpc_id, str) or not (
            _VPC_ID.match(self.vpc_id) or is_token(self.vpc_id)
        ):
            raise ConfigError(
                f"PeerVpc vpc_id {self.vpc_id!r} is not a VPC id ('vpc-0123456789abcdef0')"
            )
        _parse_cidr(self.cidr, "PeerVpc cidr")
        if self.owner_id is not None and (
            not isinstance(self.owner_id, str) or not _ACCOUNT.match(self.owner_id)
        ):
            raise ConfigError(
                f"PeerVpc owner_id {self.owner_id!r} is not an AWS account id (12 digits, as a "
                "string)"
            )
        if self.region is not None and (
            not isinstance(self.region, str) or not _REGION.match(self.region)
        ):
            raise ConfigError(
                f"PeerVpc region {self.region!r} is not a region name such as 'eu-west-1'"
            )
        if self.role_arn is not None:
            m = _ROLE_ARN.match(self.role_arn) if isinstance(self.role_arn, str) else None
            if m is None:
                raise ConfigError(
                    f"PeerVpc role_arn {self.role_arn!r} is not an IAM role ARN "
                    "('arn:aws:iam::111122223333:role/PeeringAccepter')"
                )
            if self.owner_id is None:
                raise ConfigError(
                    f"PeerVpc role_arn {self.role_arn!r} is given without owner_id; the role "
                    "is only for a VPC in another account: give that account as owner_id"
                )
            if m.group(2) != self.owner_id:
                raise ConfigError(
                    f"PeerVpc role_arn {self.role_arn!r} is in account {m.group(2)}, not in the "
                    f"peer's account {self.owner_id}; the accepting role lives in the peer's account"
                )
        elif self.owner_id is not None:
            raise ConfigError(
                f"PeerVpc owner_id {self.owner_id!r} needs role_arn: the ARN of a role in "
                f"account {self.owner_id} that CloudFormation assumes to accept the peering"
            )

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)

    def label(self) -> str:
        where = "".join(
            f", {k} {v}" for k, v in (("account", self.owner_id), ("region", self.region)) if v
        )
        vid = "(token)" if is_token(self.vpc_id) else self.vpc_id
        return f"peer VPC {vid} {self.cidr}{where}"


@dataclass(frozen=True)
class PeeringRecord:
    """One peering of a network, remembered for the overlap check."""

    cidr: str
    peer: str
    path: str


#: network object -> the peerings it is part of.
_PEERINGS = WeakRegistry()


def check_peer_cidr(own_cidr: str, own_label: str, peer_cidr: str, peer_label: str,
                    existing: Sequence[PeeringRecord], *, path: str) -> None:
    """Refuse ``peer_cidr`` if it overlaps the network's own CIDR or the peer
    CIDR of any of the network's ``existing`` peerings."""
    new = ipaddress.ip_network(peer_cidr)
    if new.overlaps(ipaddress.ip_network(own_cidr)):
        raise ConfigError(
            f"{path}: {peer_label} overlaps {own_label}; peered VPCs need disjoint CIDRs "
            "(AWS refuses the peering, and routes could not tell the two apart)"
        )
    for rec in existing:
        if rec.cidr == peer_cidr and rec.peer == peer_label:
            raise ConfigError(
                f"{path}: {own_label} already peers with {peer_label} through {rec.path}; one "
                "peering per pair of VPCs (AWS refuses a second, and its routes would clash)"
            )
        if new.overlaps(ipaddress.ip_network(rec.cidr)):
            raise ConfigError(
                f"{path}: {peer_label} overlaps {rec.cidr} ({rec.peer}), which {own_label} already "
                f"peers with through {rec.path}; every peer of a VPC needs a distinct, "
                "non-overlapping CIDR"
            )


def peer_acl_rules(peer_cidr: str, tcp_ports: Sequence[int], *,
                   first_number: int = PEER_ACL_FIRST_NUMBER,
                   description: str | None = None) -> tuple[AclRule, ...]:
    """Inbound ACL rules that admit TCP connections a peer opens to ``tcp_ports``,
    for ``BestPracticeVpc(acl_rules={"private": peer_acl_rules(...)})``.

    For private and public tiers only: their library rules already let every
    TCP reply out. Ports in the ephemeral range (1024-65535) need no rule (the
    library's reply rule admits them from anywhere) and are skipped; on a
    public tier, leave out the ``public_ingress_ports`` (already open to
    everyone): the ACL check would report the rule as redundant. Numbered ``first_number``,
    ``first_number + 10``, ...
    """
    _parse_cidr(peer_cidr, "peer_acl_rules peer_cidr")
    if isinstance(tcp_ports, (str, bytes, int)) or not isinstance(tcp_ports, Sequence) or not tcp_ports:
        raise ConfigError(f"tcp_ports {tcp_ports!r} must be a non-empty list of ports, e.g. [443]")
    rules: list[AclRule] = []
    for port in tcp_ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(f"tcp_ports: {port!r} is not a port (0..65535)")
        if EPHEMERAL_PORTS[0] <= port <= EPHEMERAL_PORTS[1]:
            continue
        rules.append(AclRule(
            first_number + PEER_ACL_STEP * len(rules), "allow", "tcp", (port, port), peer_cidr,
            description=description or f"TCP {port} opened by the peered VPC {peer_cidr}",
        ))
    return tuple(rules)


def _route_tables(plan: VpcPlan, tiers: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for t in tiers:
        for s in plan.subnets_of(t):
            if s.route_table not in out:
                out.append(s.route_table)
    return tuple(out)


def _env(stack: Stack) -> tuple[str | None, str | None]:
    def known(v: str) -> str | None:
        return None if Token.is_unresolved(v) else v
    return known(stack.account), known(stack.region)


# --------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------


class VpcPeering(Construct):
    """A peering connection and the routes through it.

    :param requester: the :class:`~vpc_patterns.vpc.BestPracticeVpc` that
        requests the peering.
    :param accepter: another BestPracticeVpc of this app, or a :class:`PeerVpc`.
    :param requester_tiers: tiers of the requester whose route tables get a
        route to the accepter's CIDR (default :data:`DEFAULT_TIERS`).
    :param accepter_tiers: the same on the accepter side; only for a
        BestPracticeVpc accepter (default :data:`DEFAULT_TIERS`); a PeerVpc's
        routes are its owner's to add, so giving tiers for it is an error.
    :param dns_resolution: turn on DNS resolution across the peering (see the
        module doc); default :data:`DEFAULT_DNS_RESOLUTION`.
    :param logs_key: KMS key for the DNS handler's log group; default the
        requester's logs key, or a new key (rotation on) if it has none.
    :param removal_policy: of the DNS handler's log group (and key if new).
    :param name: the peering's Name tag (default: the construct path).

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
            out: dict[str, ec2.CfnRoute] = {}
            for rt in _route_tables(network.plan, tiers):
                out[rt] = ec2.CfnRoute(
                    holder, rt,
                    route_table_id=network.route_tables[rt].ref,
                    destination_cidr_block=destination,
                    vpc_peering_connection_id=self.connection.ref,
                )
            return out

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
        return CustomResource(
            self, "Dns",
            service_token=fn.attr_arn,
            resource_type="Custom::VpcPeeringDns",
            properties={"PeeringConnectionId": self.connection.ref, "Sides": sides},
        )


def _show(env: tuple[str | None, str | None]) -> str:
    return "/".join(v or "agnostic" for v in env)


def _logs_key(scope: Construct, removal: RemovalPolicy) -> kms.Key:
    """A key for the handler's log group when none is given."""
    return logs_key(scope, "LogsKey", description=f"Encrypts the logs of {scope.node.path}",
                    removal_policy=removal)
