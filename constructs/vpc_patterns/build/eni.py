"""Extra network interfaces: an ENI in a chosen tier and AZ, optionally
attached to an instance as a secondary interface.

``ExtraNetworkInterface(stack, "Mgmt", network=net, tier="private", az_index=0,
security_groups=[sg], private_ip="10.0.128.10", instance=inst)`` builds an
``AWS::EC2::NetworkInterface`` in that subnet and, with ``instance``, an
``AWS::EC2::NetworkInterfaceAttachment`` at ``device_index`` (1 by default).

Why these rules
---------------
* **Device index 1 or higher only.** Index 0 is the instance's primary
  interface: it is created with the instance and can be neither detached nor
  replaced, so an attachment at 0 cannot succeed (and the library never
  touches the primary interface). Two extra interfaces of one instance may
  not share an index. How many interfaces an instance takes depends on its
  type; EC2 checks that at deploy time.
* **DeleteOnTermination false.** The interface is a stack resource with its
  own lifecycle (and perhaps a fixed address other systems know): when the
  instance is terminated or replaced, the interface and its address stay.
* **Who attaches it** (``attach``). ``"cloudformation"`` (the default) makes
  an ``AWS::EC2::NetworkInterfaceAttachment``. Its ``InstanceId`` is
  create-only, so when the instance is replaced (a new AMI id, subnet, launch
  template, key...) CloudFormation creates the new attachment first, while
  the old instance still holds the interface: EC2 refuses and the update rolls
  back. ``"boot"`` makes no attachment resource: the instance attaches the
  interface itself at every boot (user data, with bounded retries, logged to
  the console), so a replacement takes the interface as soon as CloudFormation
  has terminated the old instance in its clean-up. Use it for instances that
  may be replaced; it needs an ``ec2.Instance`` (its user data and role).
* **One to five security groups** (AWS's default quota per interface), at
  least one so the interface is never left in the VPC's default group.
* **A fixed private IP** must lie inside the subnet and outside the five
  addresses AWS reserves in every subnet: the network address, +1 (the VPC
  router), +2 (the Amazon DNS server), +3 (reserved for future use) and the
  last (broadcast; AWS does not support broadcast in a VPC but keeps it). Two
  extra interfaces of one network may not ask for the same address.
* **Same AZ as the instance.** An interface attaches only to an instance in
  its own AZ; when the instance's subnet is one of the network's (an
  ``ec2.Instance`` built in ``network.vpc`` or a ``CfnInstance`` given one of
  ``network.subnets``), a different AZ is refused at synthesis.

The placement and address checks are :func:`~vpc_patterns.plan.eni.plan_interface`
(pure Python, :mod:`vpc_patterns.plan.eni`; its names are importable from
here too).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack, Tags, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from vpc_patterns.build.compliance import acknowledge, managed_policy
from vpc_patterns.build.netref import WeakRegistry, group_id, require_network
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.eni import (
    DEFAULT_DEVICE_INDEX,
    MAX_DESCRIPTION_CHARS,
    RESERVED_OFFSETS,
    InterfacePlan,
    check_private_ip,
    plan_interface,
)
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.network import SubnetPlan
from vpc_patterns.plan.security_groups import (
    MAX_SECURITY_GROUPS_PER_INTERFACE,
    check_interface_security_groups,
)

#: Who attaches an extra interface to its instance (see the module doc).
ATTACH_MODES = ("cloudformation", "boot")
#: Attach $VPC_PATTERNS_ENI at device index @INDEX@ at boot: IMDSv2 for the
#: instance id and region; up to 90 tries 10 s apart (15 minutes: long enough
#: for CloudFormation to terminate the instance this one replaces, which frees
#: the interface); every try and the outcome go to the console.
BOOT_ATTACH_SCRIPT = r"""vpc_patterns_attach_eni() (
  set -u
  log() { echo "vpc_patterns eni: $*" | tee /dev/console >&2 || true; }
  token=$(curl -sS -m 5 -X PUT http://169.254.169.254/latest/api/token \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') || { log "no IMDSv2 token"; return 1; }
  md() { curl -sS -m 5 -H "X-aws-ec2-metadata-token: $token" \
    "http://169.254.169.254/latest/meta-data/$1"; }
  if ! iid=$(md instance-id) || ! region=$(md placement/region); then
    log "no instance metadata"; return 1
  fi
  for try in $(seq 1 90); do
    holder=$(aws ec2 describe-network-interfaces --region "$region" \
      --network-interface-ids "$VPC_PATTERNS_ENI" \
      --query 'NetworkInterfaces[0].Attachment.InstanceId' --output text 2>/dev/null) \
      || holder=error
    if [ "$holder" = "$iid" ]; then log "$VPC_PATTERNS_ENI attached here"; return 0; fi
    if [ "$holder" = None ]; then
      aws ec2 attach-network-interface --region "$region" --instance-id "$iid" \
        --network-interface-id "$VPC_PATTERNS_ENI" --device-index @INDEX@ >/dev/null \
        && { log "$VPC_PATTERNS_ENI attached at index @INDEX@ (try $try)"; return 0; }
    fi
    log "try $try: $VPC_PATTERNS_ENI held by $holder; retrying in 10 s"
    sleep 10
  done
  log "gave up: $VPC_PATTERNS_ENI is not attached"; return 1
)
vpc_patterns_attach_eni || true"""
#: Fixed addresses taken, per network: (ip, interface path).
_FIXED_IPS = WeakRegistry()
#: Device indexes taken, per stack: (resolved instance id, index, interface path).
_ATTACHMENTS = WeakRegistry()


def _profile_arn(instance: ec2.Instance) -> str | None:
    """The ARN of the instance profile the L2 instance made for its role."""
    profile = instance.node.try_find_child("InstanceProfile")
    return profile.attr_arn if isinstance(profile, iam.CfnInstanceProfile) else None


def _instance_ref(instance: Any, where: str) -> tuple[str, Any]:
    """(instance id, the CfnInstance if there is one)."""
    if isinstance(instance, str):
        if not (is_token(instance) or (instance.startswith("i-") and len(instance) in (10, 19))):
            raise ConfigError(f"{where}: instance {instance!r} is not an instance id ('i-...')")
        return instance, None
    if isinstance(instance, ec2.CfnInstance):
        return instance.ref, instance
    iid = getattr(instance, "instance_id", None)
    if isinstance(iid, str):
        child = getattr(getattr(instance, "node", None), "default_child", None)
        return iid, child if isinstance(child, ec2.CfnInstance) else None
    raise ConfigError(
        f"{where}: instance {instance!r} is not an ec2.IInstance, an ec2.CfnInstance or an "
        "instance id"
    )


class ExtraNetworkInterface(Construct):
    """A secondary network interface in one subnet of a BestPracticeVpc.

    Args:
        network: the :class:`~vpc_patterns.BestPracticeVpc`.
        tier: the tier of the subnet.
        az_index: the AZ slot (0-based) of the subnet.
        security_groups: 1..5 groups (ids, ``ISecurityGroup`` or
            ``CfnSecurityGroup``); a sixth is refused, AWS's limit per
            interface.
        description: what the interface is for.
        private_ip: a fixed primary private address, inside the subnet and not
            one of the five AWS reserves. Default: ``None``: DHCP picks one.
        instance: attach to this instance (``ec2.IInstance``,
            ``ec2.CfnInstance`` or an id). Default: ``None``: the interface is
            left unattached, for example for an Auto Scaling group to take at
            boot.
        device_index: 1 or higher (see the module doc). Default: ``1``
            (:data:`DEFAULT_DEVICE_INDEX`): 0 is the primary interface, which
            is never detached or replaced.
        source_dest_check: drop traffic not addressed to the interface.
            Default: ``True``: only appliances that forward traffic (NAT,
            firewalls) should turn it off.
        attach: with ``instance``: ``"cloudformation"`` (an attachment
            resource) or ``"boot"`` (the instance attaches the interface at
            boot; needs an ``ec2.Instance``). Default: ``"cloudformation"``:
            nothing runs on the instance; but a replaced instance fails the
            update (see the module doc), which ``"boot"`` survives.

    Attributes: ``interface`` (``CfnNetworkInterface``), ``attachment``
    (``CfnNetworkInterfaceAttachment`` or None), ``plan``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: Any,
        tier: str,
        az_index: int,
        security_groups: Sequence[Any],
        description: str,
        private_ip: str | None = None,
        instance: Any = None,
        device_index: int = DEFAULT_DEVICE_INDEX,
        source_dest_check: bool = True,
        attach: str = "cloudformation",
    ) -> None:
        where = f"{scope.node.path}/{id}" if scope.node.path else id
        net = require_network(network, where)
        plan = plan_interface(net.plan, tier=tier, az_index=az_index, private_ip=private_ip,
                              device_index=device_index, where=where)
        if isinstance(security_groups, (str, bytes)) or not isinstance(security_groups, Sequence):
            raise ConfigError(
                f"{where}: security_groups {security_groups!r} must be a list of 1 to "
                f"{MAX_SECURITY_GROUPS_PER_INTERFACE} security groups"
            )
        ids = [group_id(g, f"{where} security_groups") for g in security_groups]
        distinct = check_interface_security_groups(ids, where)
        if not distinct:
            raise ConfigError(
                f"{where}: security_groups is empty; give at least one group, or the interface "
                "would fall into the VPC's default security group"
            )
        if not isinstance(description, str) or not description.strip():
            raise ConfigError(f"{where}: description {description!r} is required; say what the "
                              "interface is for")
        if len(description) > MAX_DESCRIPTION_CHARS:
            raise ConfigError(f"{where}: description is {len(description)} characters; at most "
                              f"{MAX_DESCRIPTION_CHARS}")
        if not isinstance(source_dest_check, bool):
            raise ConfigError(f"{where}: source_dest_check {source_dest_check!r} must be True or "
                              "False")
        if plan.private_ip is not None:
            for ip, other in _FIXED_IPS.get(net):
                if ip == plan.private_ip:
                    raise ConfigError(
                        f"{where}: private_ip {ip} is already the fixed address of {other}"
                    )
        if attach not in ATTACH_MODES:
            raise ConfigError(f"{where}: attach {attach!r} is not accepted; accepted: "
                              + ", ".join(repr(m) for m in ATTACH_MODES))
        if attach == "boot" and (not isinstance(instance, ec2.Instance)
                                 or _profile_arn(instance) is None):
            raise ConfigError(
                f"{where}: attach 'boot' needs instance to be an ec2.Instance with its own "
                f"role (its user data attaches the interface, its role is allowed to), not "
                f"{instance!r}; or use attach='cloudformation'")
        instance_id: str | None = None
        instance_key: str | None = None
        if instance is not None:
            instance_id, cfn_instance = _instance_ref(instance, where)
            stack = Stack.of(scope)
            instance_key = json.dumps(stack.resolve(instance_id), sort_keys=True)
            for key, index, other in _ATTACHMENTS.get(stack):
                if key == instance_key and index == plan.device_index:
                    raise ConfigError(
                        f"{where}: device_index {index} of this instance is already taken by "
                        f"{other}; give each extra interface its own index"
                    )
            if cfn_instance is not None:
                self._check_same_az(net, stack, cfn_instance, plan.subnet, where)

        super().__init__(scope, id)
        self.plan = plan
        subnet = net.subnets[plan.subnet.construct_id]
        self.interface = ec2.CfnNetworkInterface(
            self, "Resource",
            subnet_id=subnet.ref,
            group_set=list(distinct),
            private_ip_address=plan.private_ip,
            description=description,
            source_dest_check=source_dest_check,
        )
        Tags.of(self.interface).add("Name", f"{getattr(net, '_name', net.node.path)}/{id}")
        if plan.private_ip is not None:
            _FIXED_IPS.add(net, (plan.private_ip, where))
        self.attachment: ec2.CfnNetworkInterfaceAttachment | None = None
        if instance_id is not None and attach == "boot":
            assert isinstance(instance, ec2.Instance)
            self._attach_at_boot(instance, plan.device_index)
            _ATTACHMENTS.add(Stack.of(self), (instance_key, plan.device_index, where))
        elif instance_id is not None:
            self.attachment = ec2.CfnNetworkInterfaceAttachment(
                self, "Attachment",
                instance_id=instance_id,
                network_interface_id=self.interface.ref,
                device_index=str(plan.device_index),
                delete_on_termination=False,
            )
            _ATTACHMENTS.add(Stack.of(self), (instance_key, plan.device_index, where))

    def _attach_at_boot(self, instance: ec2.Instance, device_index: int) -> None:
        """User data that attaches the interface at ``device_index`` on every
        boot, and the permission to do so on this interface only."""
        stack = Stack.of(self)
        eni_arn = stack.format_arn(service="ec2", resource="network-interface",
                                   resource_name=self.interface.ref)
        assert instance.role is not None
        policy = managed_policy(
            self, "AttachPolicy", role=instance.role,
            description=f"{self.node.path}: the instance attaches this interface to itself",
            statements=[
                iam.PolicyStatement(sid="AttachThisInterface",
                                    actions=["ec2:AttachNetworkInterface"], resources=[eni_arn]),
                iam.PolicyStatement(
                    sid="ToItsOwnInstanceProfile", actions=["ec2:AttachNetworkInterface"],
                    resources=[stack.format_arn(service="ec2", resource="instance",
                                                resource_name="*")],
                    conditions={"ArnEquals": {"ec2:InstanceProfile": _profile_arn(instance)}}),
                iam.PolicyStatement(sid="SeeWhoHoldsIt",
                                    actions=["ec2:DescribeNetworkInterfaces"], resources=["*"]),
            ])
        def shown(value: str, pseudo: str) -> str:  # as cdk-nag prints the ARN
            return f"<AWS::{pseudo}>" if Token.is_unresolved(value) else value

        acknowledge(policy, "AwsSolutions-IAM5[Resource::arn:"
                    f"{shown(stack.partition, 'Partition')}:ec2:{shown(stack.region, 'Region')}:"
                    f"{shown(stack.account, 'AccountId')}:instance/*]",
                    "The instance id is not known before launch (a replacement has a new one); "
                    "the attach is limited to instances with this instance profile.")
        acknowledge(policy, "AwsSolutions-IAM5[Resource::*]",
                    "ec2:DescribeNetworkInterfaces supports no resource-level permissions; it "
                    "only reads who holds the interface.")
        # the policy before the instance: the first boot must not race IAM
        cfn_policy = policy.node.default_child
        assert isinstance(cfn_policy, iam.CfnManagedPolicy)
        instance.instance.node.add_dependency(cfn_policy)
        script = BOOT_ATTACH_SCRIPT.replace("@INDEX@", str(device_index))
        instance.user_data.add_commands(
            f"VPC_PATTERNS_ENI={self.interface.ref}", script)

    @staticmethod
    def _check_same_az(net: Any, stack: Stack, instance: ec2.CfnInstance, subnet: SubnetPlan,
                       where: str) -> None:
        """Refuse an instance in another AZ of this network (when its subnet is
        one of the network's; otherwise EC2 checks at deploy time)."""
        subnet_id = instance.subnet_id
        if subnet_id is None:
            interfaces = instance.network_interfaces
            if isinstance(interfaces, list):
                for ni in interfaces:
                    if str(getattr(ni, "device_index", "")) == "0":
                        subnet_id = getattr(ni, "subnet_id", None)
        if subnet_id is None:
            return
        resolved = json.dumps(stack.resolve(subnet_id), sort_keys=True)
        for s in net.plan.subnets:
            ref = stack.resolve(net.subnets[s.construct_id].ref)
            if json.dumps(ref, sort_keys=True) == resolved:
                if s.az.index != subnet.az.index:
                    raise ConfigError(
                        f"{where}: the instance is in subnet {s.tier}-{s.az.label} ({s.cidr}) but "
                        f"the interface would be in {subnet.tier}-{subnet.az.label} "
                        f"({subnet.cidr}); an interface attaches only to an instance in its own "
                        "AZ: use az_index "
                        f"{s.az.index}"
                    )
                return


#: The construct, and the plan names importable from here.
__all__ = [
    "ATTACH_MODES",
    "DEFAULT_DEVICE_INDEX",
    "MAX_DESCRIPTION_CHARS",
    "RESERVED_OFFSETS",
    "ExtraNetworkInterface",
    "InterfacePlan",
    "check_private_ip",
    "plan_interface",
]
