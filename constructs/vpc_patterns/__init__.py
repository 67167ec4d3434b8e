"""vpc_patterns: AWS CDK constructs for best-practice VPC networks.

The layers, each a folder:

* :mod:`vpc_patterns.plan` -- the network as data, pure Python: validation,
  CIDRs, routes, NAT placement, ACL and security-group rule sets, intents;
* :mod:`vpc_patterns.build` -- the CDK constructs that turn a plan into
  resources (every module there imports aws_cdk);
* :mod:`vpc_patterns.check` -- the analyzer over synthesized template JSON:
  ``verify``, ``report``, ``cost`` (no aws_cdk, never the build layer);
* :mod:`vpc_patterns.cli` -- ``python -m vpc_patterns``.

Every public name is importable from here. The names of the plan layer are
imported at once; the constructs (which load aws_cdk, about 2 s) only on
first use, so ``from vpc_patterns import plan_network`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from vpc_patterns import _legacy
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.network import (
    AzPlacement,
    NatKind,
    NatProvider,
    SubnetKind,
    Tier,
    VpcPlan,
    default_tiers,
    plan_network,
)

_legacy.install()

if TYPE_CHECKING:  # pragma: no cover
    from vpc_patterns.build.change_safety import ChangeSafetyChecks
    from vpc_patterns.build.compliance import (
        ControlTowerChecks,
        acknowledge,
        acknowledge_in_packs,
        compliance_plugins,
        suppress,
    )
    from vpc_patterns.build.direct_connect import DirectConnectAssociation
    from vpc_patterns.build.dns import HybridDns
    from vpc_patterns.build.endpoints import InterfaceEndpoints
    from vpc_patterns.build.eni import ExtraNetworkInterface
    from vpc_patterns.build.flow_logs import FlowLogs
    from vpc_patterns.build.monitoring import NetworkMonitoring
    from vpc_patterns.build.nacl import TierNetworkAcls
    from vpc_patterns.build.peering import VpcPeering
    from vpc_patterns.build.security_groups import WorkloadSecurityGroups
    from vpc_patterns.build.vpc import BestPracticeVpc
    from vpc_patterns.build.vpc_controls import (
        BlockPublicAccess,
        BlockPublicAccessExclusions,
        EncryptionControls,
    )
    from vpc_patterns.build.vpn import SiteToSiteVpn, VirtualPrivateGateway
    from vpc_patterns.check import verify_paths
    from vpc_patterns.plan.dns import dns_acl_rules, plan_dns
    from vpc_patterns.plan.flow_logs import (
        CloudWatchDestination,
        FileFormat,
        FlowLogTarget,
        S3Destination,
        TrafficType,
    )
    from vpc_patterns.plan.intents import Intent
    from vpc_patterns.plan.ipv6 import Ipv6Block
    from vpc_patterns.plan.monitoring import AlarmThresholds
    from vpc_patterns.plan.nacl import AclRule, plan_acls
    from vpc_patterns.plan.peering import PeerVpc, peer_acl_rules
    from vpc_patterns.plan.security_groups import (
        SecurityGroupSpec,
        SgPeer,
        SgRule,
        check_interface_security_groups,
    )
    from vpc_patterns.plan.vpc_controls import (
        plan_block_public_access,
        plan_bpa_exclusions,
        plan_encryption_control,
    )
    from vpc_patterns.plan.vpn import TunnelOptions

#: Public names imported on first use: name -> the module that holds it.
_LAZY: dict[str, str] = {
    # build layer (aws_cdk)
    "BestPracticeVpc": "vpc_patterns.build.vpc",
    "FlowLogs": "vpc_patterns.build.flow_logs",
    "NetworkMonitoring": "vpc_patterns.build.monitoring",
    "WorkloadSecurityGroups": "vpc_patterns.build.security_groups",
    "TierNetworkAcls": "vpc_patterns.build.nacl",
    "InterfaceEndpoints": "vpc_patterns.build.endpoints",
    "ExtraNetworkInterface": "vpc_patterns.build.eni",
    "VpcPeering": "vpc_patterns.build.peering",
    "SiteToSiteVpn": "vpc_patterns.build.vpn",
    "VirtualPrivateGateway": "vpc_patterns.build.vpn",
    "DirectConnectAssociation": "vpc_patterns.build.direct_connect",
    "HybridDns": "vpc_patterns.build.dns",
    "BlockPublicAccess": "vpc_patterns.build.vpc_controls",
    "BlockPublicAccessExclusions": "vpc_patterns.build.vpc_controls",
    "EncryptionControls": "vpc_patterns.build.vpc_controls",
    "ChangeSafetyChecks": "vpc_patterns.build.change_safety",
    "ControlTowerChecks": "vpc_patterns.build.compliance",
    "acknowledge": "vpc_patterns.build.compliance",
    "suppress": "vpc_patterns.build.compliance",
    "acknowledge_in_packs": "vpc_patterns.build.compliance",
    "compliance_plugins": "vpc_patterns.build.compliance",
    # plan layer (pure, but not needed to plan a network)
    "FlowLogTarget": "vpc_patterns.plan.flow_logs",
    "CloudWatchDestination": "vpc_patterns.plan.flow_logs",
    "S3Destination": "vpc_patterns.plan.flow_logs",
    "TrafficType": "vpc_patterns.plan.flow_logs",
    "FileFormat": "vpc_patterns.plan.flow_logs",
    "AlarmThresholds": "vpc_patterns.plan.monitoring",
    "SecurityGroupSpec": "vpc_patterns.plan.security_groups",
    "SgPeer": "vpc_patterns.plan.security_groups",
    "SgRule": "vpc_patterns.plan.security_groups",
    "check_interface_security_groups": "vpc_patterns.plan.security_groups",
    "AclRule": "vpc_patterns.plan.nacl",
    "plan_acls": "vpc_patterns.plan.nacl",
    "Intent": "vpc_patterns.plan.intents",
    "Ipv6Block": "vpc_patterns.plan.ipv6",
    "PeerVpc": "vpc_patterns.plan.peering",
    "peer_acl_rules": "vpc_patterns.plan.peering",
    "TunnelOptions": "vpc_patterns.plan.vpn",
    "dns_acl_rules": "vpc_patterns.plan.dns",
    "plan_dns": "vpc_patterns.plan.dns",
    "plan_block_public_access": "vpc_patterns.plan.vpc_controls",
    "plan_bpa_exclusions": "vpc_patterns.plan.vpc_controls",
    "plan_encryption_control": "vpc_patterns.plan.vpc_controls",
    # check layer
    "verify_paths": "vpc_patterns.check",
}

__all__ = sorted([
    "AzPlacement",
    "ConfigError",
    "NatKind",
    "NatProvider",
    "SubnetKind",
    "Tier",
    "VpcPlan",
    "default_tiers",
    "plan_network",
    *_LAZY,
])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vpc_patterns' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
