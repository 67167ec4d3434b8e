"""VPC peering as data: the peer, the overlap checks, the ACL rules.

:class:`PeerVpc` describes a VPC outside the app (validated on creation),
:func:`check_peer_cidr` refuses a peer whose CIDR overlaps the network's own
or that of another of its peerings (:class:`PeeringRecord`), and
:func:`peer_acl_rules` gives the inbound network ACL rules that admit what a
peer opens (by default :data:`DEFAULT_PEER_TCP_PORTS`), and
:func:`plan_peering_routes` the routes each side adds. Pure Python;
:class:`vpc_patterns.build.peering.VpcPeering` builds the connection and its
routes and documents where they go.

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
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.nacl import EPHEMERAL_PORTS, AclRule
from vpc_patterns.plan.network import VpcPlan
from vpc_patterns.plan.routes import RoutePlan, RouteTarget

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
#: The TCP ports a peer opens that :func:`peer_acl_rules` admits when none
#: are named: HTTPS, what services in a peered VPC are called over.
DEFAULT_PEER_TCP_PORTS: tuple[int, ...] = (443,)

_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?\Z")
_ACCOUNT = re.compile(r"^[0-9]{12}\Z")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+\Z")
_ROLE_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}\Z", re.ASCII
)


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

    Args:
        vpc_id: ``vpc-...`` (or a token, e.g. an SSM parameter value).
        cidr: its IPv4 CIDR, literal (the overlap check needs it at synth).
        owner_id: its account (12 digits). Default: ``None``: this stack's
            account.
        region: its region. Default: ``None``: this stack's region.
        role_arn: for another account: a role in that account that trusts this
            account and may ``ec2:AcceptVpcPeeringConnection``; CloudFormation
            assumes it to accept. Required with ``owner_id``. Default:
            ``None``: a peering in this account is accepted without a role.
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
                    f"peer's account {self.owner_id}; the accepting role lives in the peer's "
                    "account"
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


def peer_acl_rules(peer_cidr: str, tcp_ports: Sequence[int] = DEFAULT_PEER_TCP_PORTS, *,
                   first_number: int = PEER_ACL_FIRST_NUMBER,
                   description: str | None = None) -> tuple[AclRule, ...]:
    """Inbound ACL rules that admit TCP connections a peer opens to ``tcp_ports``
    (default :data:`DEFAULT_PEER_TCP_PORTS`), for
    ``BestPracticeVpc(acl_rules={"private": peer_acl_rules(...)})``.

    For private and public tiers only: their library rules already let every
    TCP reply out. Ports in the ephemeral range (1024-65535) need no rule (the
    library's reply rule admits them from anywhere) and are skipped; on a
    public tier, leave out the ``public_ingress_ports`` (already open to
    everyone): the ACL check would report the rule as redundant. Numbered ``first_number``,
    ``first_number + 10``, ...
    """
    _parse_cidr(peer_cidr, "peer_acl_rules peer_cidr")
    if (isinstance(tcp_ports, (str, bytes, int)) or not isinstance(tcp_ports, Sequence)
            or not tcp_ports):
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


def peer_route_tables(plan: VpcPlan, tiers: Sequence[str]) -> tuple[str, ...]:
    """The route table construct ids of ``tiers``' subnets, each once, in order."""
    out: list[str] = []
    for t in tiers:
        for s in plan.subnets_of(t):
            if s.route_table not in out:
                out.append(s.route_table)
    return tuple(out)


def plan_peering_routes(plan: VpcPlan, tiers: Sequence[str], destination: str,
                        peering: str) -> tuple[tuple[str, RoutePlan], ...]:
    """The routes one side of a peering adds: for each route table of
    ``tiers``' subnets in ``plan`` (in :func:`peer_route_tables` order), the
    route table's construct id and a route to ``destination`` (the other
    side's CIDR) through the peering connection ``peering`` (its construct
    path, the hop's id). Each route's construct id is its route table's id:
    the routes of one side sit under one holder construct of the peering."""
    return tuple(
        (rt, RoutePlan(destination, RouteTarget.VPC_PEERING, peering, construct_id=rt))
        for rt in peer_route_tables(plan, tiers)
    )


__all__ = [
    "DEFAULT_DNS_RESOLUTION",
    "DEFAULT_PEER_TCP_PORTS",
    "DEFAULT_TIERS",
    "PEER_ACL_FIRST_NUMBER",
    "PEER_ACL_STEP",
    "PeerVpc",
    "PeeringRecord",
    "check_peer_cidr",
    "peer_acl_rules",
    "peer_route_tables",
    "plan_peering_routes",
]
