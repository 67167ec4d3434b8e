"""VPC Block Public Access and VPC Encryption Controls, planned and validated.

* :func:`plan_block_public_access`: the account- and region-wide
  ``AWS::EC2::VPCBlockPublicAccessOptions`` (mode ``"bidirectional"`` or
  ``"ingress"``, mapped to ``block-bidirectional`` / ``block-ingress``).
* :func:`plan_bpa_exclusions`: ``AWS::EC2::VPCBlockPublicAccessExclusion``
  resources for a network's tiers (one per subnet) or for its whole VPC
  (mode ``"bidirectional"`` or ``"egress"``, mapped to
  ``allow-bidirectional`` / ``allow-egress``).
* :func:`plan_encryption_control`: ``AWS::EC2::VPCEncryptionControl`` for one
  VPC (``monitor`` or ``enforce``) with its named exclusions; in enforce mode
  it refuses a network that holds a resource enforce mode blocks unless that
  resource's exclusion is named.

What the AWS documentation says these do (Amazon VPC User Guide, "Block
public access to VPCs and subnets" and "Enforce VPC encryption in transit"):

* BPA acts on internet gateways and egress-only internet gateways of every VPC
  of the account in the region. ``block-bidirectional`` blocks all their
  traffic; ``block-ingress`` blocks traffic from the internet and lets only
  NAT gateways and egress-only internet gateways (outbound-only by design)
  carry traffic. A NAT gateway needs the internet gateway, so under
  ``block-bidirectional`` private subnets reach the internet only when the
  NAT gateway's subnet is excluded. An ``allow-egress`` exclusion only has an
  effect under ``block-bidirectional``. Traffic through VPN, Direct Connect,
  transit gateways and peering is not blocked.
* Encryption Controls in ``monitor`` mode only report (the flow-log field
  ``encryption-status``; ``GetVpcResourcesBlockingEncryptionEnforcement``).
  ``enforce`` admits only traffic encrypted in transit: internet, egress-only
  internet, NAT and virtual private gateways, peering connections, Lambda,
  EFS and VPC Lattice are blocked unless excluded, and network interfaces may
  attach only to instances that encrypt in transit. An existing VPC is switched
  on in monitor mode first.

Pure Python: the constructs of :mod:`vpc_patterns.build.vpc_controls` build
what these plans describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.network import VpcPlan
from vpc_patterns.plan.routes import RouteTarget
from vpc_patterns.plan.tiers import SubnetKind

# --------------------------------------------------------------------------
# Block Public Access
# --------------------------------------------------------------------------

#: The library's BPA modes -> ``InternetGatewayBlockMode``.
BPA_MODES: Mapping[str, str] = {
    "bidirectional": "block-bidirectional",
    "ingress": "block-ingress",
}
#: The library's exclusion modes -> ``InternetGatewayExclusionMode``.
BPA_EXCLUSION_MODES: Mapping[str, str] = {
    "bidirectional": "allow-bidirectional",
    "egress": "allow-egress",
}
#: Construct id of the exclusion of a whole VPC.
VPC_EXCLUSION_ID = "Vpc"


@dataclass(frozen=True)
class BlockPublicAccessPlan:
    """The account/region BPA options: the library's mode and the CloudFormation value."""

    mode: str
    internet_gateway_block_mode: str


def plan_block_public_access(*, mode: str = "bidirectional") -> BlockPublicAccessPlan:
    """Validate the BPA mode.

    Args:
        mode: ``"bidirectional"`` (``block-bidirectional``: no traffic through
            internet and egress-only internet gateways) or ``"ingress"``
            (``block-ingress``: nothing from the internet; NAT gateways and
            egress-only internet gateways still carry outbound traffic).
            Default: ``"bidirectional"``: the strict setting; public tiers
            are then opened one by one with exclusions.
    """
    if not isinstance(mode, str) or mode not in BPA_MODES:
        raise ConfigError(
            f"mode {mode!r} is not a Block Public Access mode; use one of "
            + ", ".join(f"{k!r} ({v})" for k, v in BPA_MODES.items())
        )
    return BlockPublicAccessPlan(mode, BPA_MODES[mode])


@dataclass(frozen=True)
class BpaExclusionPlan:
    """One exclusion: its construct id, the subnet it names (its construct id
    in the network; ``None``: the whole VPC) and the CloudFormation mode."""

    construct_id: str
    subnet: str | None
    tier: str | None
    internet_gateway_exclusion_mode: str


@dataclass(frozen=True)
class BpaExclusionsPlan:
    mode: str
    vpc: bool
    tiers: tuple[str, ...]
    exclusions: tuple[BpaExclusionPlan, ...]


def plan_bpa_exclusions(
    plan: VpcPlan,
    *,
    tiers: Sequence[str] = (),
    vpc: bool = False,
    mode: str = "bidirectional",
    existing: Iterable[BpaExclusionsPlan] = (),
) -> BpaExclusionsPlan:
    """Validate exclusions of a network's tiers or of its whole VPC.

    Args:
        plan: the network's :class:`~vpc_patterns.plan.VpcPlan`.
        tiers: tier names whose subnets (every AZ) are excluded. Default:
            ``()``: none; give tiers or ``vpc=True``.
        vpc: exclude the whole VPC (every subnet, present and future).
            Default: ``False``: excluding tiers keeps the rest of the VPC
            under the account's block.
        mode: ``"bidirectional"`` (``allow-bidirectional``) or ``"egress"``
            (``allow-egress``: outbound only; has an effect only under
            ``block-bidirectional``). Default: ``"bidirectional"``: what a
            public tier of load balancers needs.
        existing: the exclusions already planned for this network (another
            exclusions construct on it). Default: ``()``: none.
    """
    if not isinstance(mode, str) or mode not in BPA_EXCLUSION_MODES:
        raise ConfigError(
            f"mode {mode!r} is not an exclusion mode; use one of "
            + ", ".join(f"{k!r} ({v})" for k, v in BPA_EXCLUSION_MODES.items())
        )
    if not isinstance(vpc, bool):
        raise ConfigError(f"vpc {vpc!r} must be True or False")
    if isinstance(tiers, str) or not isinstance(tiers, Sequence) \
            or not all(isinstance(t, str) for t in tiers):
        raise ConfigError(f"tiers {tiers!r} must be a list of tier names")
    known = list(dict.fromkeys(s.tier for s in plan.subnets))
    if not tiers and not vpc:
        raise ConfigError(
            "the exclusions name nothing: give tiers=[...] (tiers of this network: "
            f"{', '.join(known)}) or vpc=True")
    if tiers and vpc:
        raise ConfigError(
            f"vpc=True already excludes every subnet; tiers={list(tiers)!r} would be redundant "
            "subnet exclusions: give one of them")
    seen: set[str] = set()
    for t in tiers:
        if t not in known:
            raise ConfigError(f"tiers: {t!r} is not a tier of this network (tiers: "
                              f"{', '.join(known)})")
        if t in seen:
            raise ConfigError(f"tiers: tier {t!r} is excluded twice")
        seen.add(t)
    for prev in existing:
        if prev.vpc:
            raise ConfigError(
                "this network's whole VPC is already excluded (vpc=True); further exclusions "
                f"({'vpc=True' if vpc else 'tiers=' + repr(list(tiers))}) would be redundant")
        if vpc and prev.tiers:
            raise ConfigError(
                f"tiers {list(prev.tiers)!r} of this network already have exclusions; "
                "vpc=True would make them redundant: remove those or exclude tiers only")
        twice = [t for t in tiers if t in prev.tiers]
        if twice:
            raise ConfigError(f"tiers: tier {twice[0]!r} is excluded twice (already excluded "
                              "by another exclusions construct on this network)")
    cfn_mode = BPA_EXCLUSION_MODES[mode]
    out: tuple[BpaExclusionPlan, ...]
    if vpc:
        out = (BpaExclusionPlan(VPC_EXCLUSION_ID, None, None, cfn_mode),)
    else:
        out = tuple(BpaExclusionPlan(s.construct_id, s.construct_id, s.tier, cfn_mode)
                    for t in tiers for s in plan.subnets_of(t))
    return BpaExclusionsPlan(mode, vpc, tuple(tiers), out)


# --------------------------------------------------------------------------
# Encryption Controls
# --------------------------------------------------------------------------

ENCRYPTION_MODES = ("monitor", "enforce")

#: Exclusion name -> the ``AWS::EC2::VPCEncryptionControl`` property that
#: turns it on (value ``enable``).
ENCRYPTION_EXCLUSIONS: Mapping[str, str] = {
    "internet_gateway": "InternetGatewayExclusionInput",
    "egress_only_internet_gateway": "EgressOnlyInternetGatewayExclusionInput",
    "nat_gateway": "NatGatewayExclusionInput",
    "virtual_private_gateway": "VirtualPrivateGatewayExclusionInput",
    "vpc_peering": "VpcPeeringExclusionInput",
    "lambda": "LambdaExclusionInput",
    "elastic_file_system": "ElasticFileSystemExclusionInput",
    "vpc_lattice": "VpcLatticeExclusionInput",
}


@dataclass(frozen=True)
class EncryptionControlPlan:
    mode: str
    exclusions: tuple[str, ...]

    @property
    def properties(self) -> dict[str, str]:
        """CloudFormation properties (``Mode`` and the ``*ExclusionInput`` turned on)."""
        out = {"Mode": self.mode}
        out.update({ENCRYPTION_EXCLUSIONS[e]: "enable" for e in self.exclusions})
        return out


def encryption_blockers(plan: VpcPlan, attached: Iterable[str] = ()) -> dict[str, str]:
    """What of the network enforce mode blocks: exclusion name -> which
    resource needs it. ``attached``: exclusion names of resources built on the
    network by other constructs (a VPN's virtual private gateway, a peering)."""
    out: dict[str, str] = {}
    public = list(dict.fromkeys(s.tier for s in plan.subnets_by_kind(SubnetKind.PUBLIC)))
    if public:
        out["internet_gateway"] = f"the internet gateway of public tier(s) {', '.join(public)}"
    gws = [n.construct_id for n in plan.nats
           if n.strategy.route_target is RouteTarget.NAT_GATEWAY]
    if gws:
        out["nat_gateway"] = f"NAT gateway(s) {', '.join(gws)}"
    what = {"virtual_private_gateway": "a virtual private gateway attached to the VPC",
            "vpc_peering": "a peering connection of the VPC"}
    for a in attached:
        out.setdefault(a, what.get(a, a))
    return out


def plan_encryption_control(
    plan: VpcPlan,
    *,
    mode: str = "monitor",
    exclusions: Sequence[str] = (),
    attached: Iterable[str] = (),
) -> EncryptionControlPlan:
    """Validate Encryption Controls for a network.

    Args:
        plan: the network's :class:`~vpc_patterns.plan.VpcPlan`.
        mode: ``"monitor"`` (report the encryption status of flows) or
            ``"enforce"`` (admit only traffic encrypted in transit). Default:
            ``"monitor"``: AWS switches an existing VPC on in monitor mode
            first; read the flow logs' ``encryption-status`` before enforcing.
        exclusions: names of the traffic kinds enforce mode leaves alone, of
            ``internet_gateway``, ``egress_only_internet_gateway``,
            ``nat_gateway``, ``virtual_private_gateway``, ``vpc_peering``,
            ``lambda``, ``elastic_file_system``, ``vpc_lattice``. Default:
            ``()``: none; in enforce mode every such resource the network
            has must be named.
        attached: exclusion names of resources other constructs attached to
            the network. Default: ``()``: none known.
    """
    if not isinstance(mode, str) or mode not in ENCRYPTION_MODES:
        raise ConfigError(f"mode {mode!r} is not an Encryption Controls mode; use 'monitor' or "
                          "'enforce'")
    if isinstance(exclusions, str) or not isinstance(exclusions, Sequence):
        raise ConfigError(f"exclusions {exclusions!r} must be a list of names, e.g. "
                          "['internet_gateway', 'nat_gateway']")
    seen: list[str] = []
    for e in exclusions:
        if e not in ENCRYPTION_EXCLUSIONS:
            raise ConfigError(f"exclusions: {e!r} is not an exclusion; use "
                              + ", ".join(ENCRYPTION_EXCLUSIONS))
        if e in seen:
            raise ConfigError(f"exclusions: {e!r} is named twice")
        seen.append(e)
    if mode == "enforce":
        instances = [n.construct_id for n in plan.nats
                     if n.strategy.route_target is RouteTarget.NAT_INSTANCE]
        if instances:
            raise ConfigError(
                f"mode='enforce': NAT instance(s) {', '.join(instances)} are EC2 instances, which "
                "enforce mode admits only when their type encrypts in transit, and no exclusion "
                "covers them; use NatProvider.gateway() with the 'nat_gateway' exclusion, or "
                "mode='monitor'")
        missing = {k: v for k, v in encryption_blockers(plan, attached).items()
                   if k not in seen}
        if missing:
            need = ", ".join(f"{k!r} ({v})" for k, v in missing.items())
            raise ConfigError(
                f"mode='enforce' blocks {need}: add {sorted(missing)!r} to exclusions, remove "
                "the resource, or keep mode='monitor'")
    order = [e for e in ENCRYPTION_EXCLUSIONS if e in seen]
    return EncryptionControlPlan(mode, tuple(order))
