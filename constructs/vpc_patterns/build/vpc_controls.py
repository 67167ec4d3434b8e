"""VPC Block Public Access and VPC Encryption Controls as constructs.

* :class:`BlockPublicAccess`: the account- and region-wide BPA options. One
  per account and region: build it in one designated stack (a "baseline"
  stack per environment), not in every network stack.
* :class:`BlockPublicAccessExclusions`: exclusions for tiers of a
  :class:`~vpc_patterns.BestPracticeVpc` (one per subnet) or for its VPC.
* :class:`EncryptionControls`: VPC Encryption Controls for one network.

Every decision is made by :mod:`vpc_patterns.plan.vpc_controls` before a
resource exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IValidation

from vpc_patterns.build.netref import WeakRegistry, require_network
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.vpc_controls import (
    BlockPublicAccessPlan,
    BpaExclusionsPlan,
    EncryptionControlPlan,
    plan_block_public_access,
    plan_bpa_exclusions,
    plan_encryption_control,
)

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.vpc import BestPracticeVpc

#: app root -> ((account, region), construct path) of the BPA options built in it
_OPTIONS = WeakRegistry()
#: network -> the exclusions planned for it
_EXCLUSIONS = WeakRegistry()
#: network -> its Encryption Controls construct
_ENCRYPTION = WeakRegistry()


class BlockPublicAccess(Construct):
    """VPC Block Public Access for the account and region of its stack.

    The setting covers every VPC of the account in the region, so an app
    builds it once per environment, in one designated stack; a second one for
    the same account and region in the app raises :class:`ConfigError`
    (env-agnostic stacks count as one environment).

    Args:
        mode: ``"bidirectional"`` (``block-bidirectional``) or ``"ingress"``
            (``block-ingress``: NAT gateways still reach the internet).
            Default: ``"bidirectional"``: the strict setting; open public
            tiers with :class:`BlockPublicAccessExclusions`.

    Attributes:
        plan: the :class:`~vpc_patterns.plan.vpc_controls.BlockPublicAccessPlan`.
        resource: the ``CfnVPCBlockPublicAccessOptions``.
    """

    def __init__(self, scope: Construct, id: str, *, mode: str = "bidirectional") -> None:
        plan = plan_block_public_access(mode=mode)
        stack = Stack.of(scope)
        env = (stack.account, stack.region)
        root = scope.node.root
        for prev_env, path in _OPTIONS.get(root):
            if prev_env == env:
                raise ConfigError(
                    f"BlockPublicAccess: {path} already sets Block Public Access for this "
                    "account and region; the setting is account- and region-wide: build it once, "
                    "in one designated stack per environment")
        super().__init__(scope, id)
        _OPTIONS.add(root, (env, self.node.path))
        self.plan: BlockPublicAccessPlan = plan
        self.resource = ec2.CfnVPCBlockPublicAccessOptions(
            self, "Resource", internet_gateway_block_mode=plan.internet_gateway_block_mode)


class BlockPublicAccessExclusions(Construct):
    """Exclusions from Block Public Access for tiers of a network, or its VPC.

    One ``AWS::EC2::VPCBlockPublicAccessExclusion`` per subnet of each tier
    (``tiers=["public"]``), or one for the whole VPC (``vpc=True``). Exclusions
    may exist before BPA is switched on, so they can be deployed first.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc` to exclude from.
        tiers: tiers whose subnets are excluded. Default: ``()``: none; give
            tiers or ``vpc=True``.
        vpc: exclude the whole VPC. Default: ``False``: only the tiers named
            leave the account's block.
        mode: ``"bidirectional"`` (``allow-bidirectional``) or ``"egress"``
            (``allow-egress``: outbound only, under ``block-bidirectional``).
            Default: ``"bidirectional"``: what a public tier of load
            balancers needs; ``"egress"`` for a tier of NAT gateways only.

    Attributes:
        plan: the :class:`~vpc_patterns.plan.vpc_controls.BpaExclusionsPlan`.
        exclusions: construct id -> ``CfnVPCBlockPublicAccessExclusion``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: BestPracticeVpc,
        tiers: Sequence[str] = (),
        vpc: bool = False,
        mode: str = "bidirectional",
    ) -> None:
        net = require_network(network, "BlockPublicAccessExclusions")
        plan = plan_bpa_exclusions(net.plan, tiers=tiers, vpc=vpc, mode=mode,
                                   existing=_EXCLUSIONS.get(net))
        super().__init__(scope, id)
        _EXCLUSIONS.add(net, plan)
        self.plan: BpaExclusionsPlan = plan
        self.exclusions: dict[str, ec2.CfnVPCBlockPublicAccessExclusion] = {}
        for e in plan.exclusions:
            target: dict[str, Any] = ({"subnet_id": net.subnets[e.subnet].ref}
                                      if e.subnet is not None else {"vpc_id": net.cfn_vpc.ref})
            self.exclusions[e.construct_id] = ec2.CfnVPCBlockPublicAccessExclusion(
                self, e.construct_id,
                internet_gateway_exclusion_mode=e.internet_gateway_exclusion_mode, **target)


def _attached_kinds(network: BestPracticeVpc) -> list[str]:
    """Exclusion names of what other constructs attached to the network's VPC
    (a virtual private gateway, a peering connection), found in the app."""
    ref = network.cfn_vpc.ref
    out: list[str] = []
    for c in network.node.root.node.find_all():
        if isinstance(c, ec2.CfnVPCGatewayAttachment) and c.vpn_gateway_id and c.vpc_id == ref:
            out.append("virtual_private_gateway")
        elif isinstance(c, ec2.CfnVPCPeeringConnection) and ref in (c.vpc_id, c.peer_vpc_id):
            out.append("vpc_peering")
    return list(dict.fromkeys(out))


class EncryptionControls(Construct):
    """VPC Encryption Controls for one network.

    ``monitor`` reports, in flow logs with the ``encryption-status`` field,
    whether each flow was encrypted; ``enforce`` drops what is not. In enforce
    mode every resource of the network that enforce mode blocks (its internet
    gateway, NAT gateways, and a virtual private gateway or peering connection
    attached by other constructs) must be named in ``exclusions``, else
    :class:`ConfigError` says which exclusion is needed (constructs attached
    later are checked again at synthesis).

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc` to control.
        mode: ``"monitor"`` or ``"enforce"``. Default: ``"monitor"``: AWS
            switches an existing VPC on in monitor mode first; read the flow
            logs before enforcing.
        exclusions: traffic kinds enforce mode leaves alone, of
            ``internet_gateway``, ``egress_only_internet_gateway``,
            ``nat_gateway``, ``virtual_private_gateway``, ``vpc_peering``,
            ``lambda``, ``elastic_file_system``, ``vpc_lattice``. Default:
            ``()``: none.

    Attributes:
        plan: the :class:`~vpc_patterns.plan.vpc_controls.EncryptionControlPlan`.
        resource: the ``CfnVPCEncryptionControl``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: BestPracticeVpc,
        mode: str = "monitor",
        exclusions: Sequence[str] = (),
    ) -> None:
        net = require_network(network, "EncryptionControls")
        plan = plan_encryption_control(net.plan, mode=mode, exclusions=exclusions,
                                       attached=_attached_kinds(net) if mode == "enforce" else ())
        if _ENCRYPTION.get(net):
            raise ConfigError(f"EncryptionControls: {_ENCRYPTION.get(net)[0]} already controls "
                              "this network; a VPC has one Encryption Controls configuration")
        super().__init__(scope, id)
        _ENCRYPTION.add(net, self.node.path)
        self.plan: EncryptionControlPlan = plan
        self._network = net
        props: dict[str, Any] = {_snake(k): v for k, v in plan.properties.items()}
        self.resource = ec2.CfnVPCEncryptionControl(
            self, "Resource", vpc_id=net.cfn_vpc.ref, **props)
        if mode == "enforce":
            self.node.add_validation(_EnforceCheck(self))

    def recheck(self) -> list[str]:
        """Problems with resources attached to the network after this construct."""
        try:
            plan_encryption_control(self._network.plan, mode=self.plan.mode,
                                    exclusions=self.plan.exclusions,
                                    attached=_attached_kinds(self._network))
        except ConfigError as err:
            return [f"EncryptionControls: {err}"]
        return []


@jsii.implements(IValidation)
class _EnforceCheck:
    """Synthesis-time check: what was attached later still needs its exclusion."""

    def __init__(self, owner: EncryptionControls) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        return self._owner.recheck()


def _snake(prop: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in prop)
    return out.lstrip("_")
