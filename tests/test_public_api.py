"""The public API: what the README documents is importable from
``vpc_patterns`` itself, ``__all__`` lists it, the pure names load without
the CDK, and module paths of earlier releases still import the same objects.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import vpc_patterns
from vpc_patterns._legacy import OLD_MODULES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()

#: Every construct, value type and helper the README documents.
DOCUMENTED = (
    "BestPracticeVpc", "Tier", "NatProvider", "ConfigError", "plan_network", "VpcPlan",
    "AzPlacement", "SubnetKind", "NatKind", "default_tiers",
    "AclRule", "plan_acls", "TierNetworkAcls",
    "WorkloadSecurityGroups", "SecurityGroupSpec", "SgRule", "SgPeer",
    "check_interface_security_groups",
    "FlowLogs", "FlowLogTarget", "CloudWatchDestination", "S3Destination",
    "NetworkMonitoring", "AlarmThresholds",
    "Intent", "verify_paths",
    "InterfaceEndpoints", "VpcPeering", "PeerVpc", "peer_acl_rules",
    "SiteToSiteVpn", "TunnelOptions", "DirectConnectAssociation", "ExtraNetworkInterface",
    "HybridDns", "dns_acl_rules", "plan_dns",
    "BlockPublicAccess", "BlockPublicAccessExclusions", "EncryptionControls",
    "compliance_plugins", "acknowledge", "acknowledge_in_packs", "ChangeSafetyChecks",
    "Ipv6Block",
)
#: CDK names the README shows in call form; not ours.
NOT_OURS = {"SubnetSelection", "Tags", "Validations", "Annotations"}


def test_every_documented_name_is_importable_from_the_package() -> None:
    missing = [n for n in DOCUMENTED if not hasattr(vpc_patterns, n)]
    assert missing == []


def test_all_lists_the_documented_names_and_each_resolves() -> None:
    assert set(DOCUMENTED) <= set(vpc_patterns.__all__)
    for name in vpc_patterns.__all__:
        assert getattr(vpc_patterns, name) is not None, name


def test_names_the_readme_calls_are_public() -> None:
    called = set(re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)(?:\.[a-z_]+)?\(", README))
    # methods shown alone (`for_interface(`, `no_internet(`) belong to a documented
    # class; keep the names that are ours and top level
    tops = {n for n in called if n[0].isupper() or n in DOCUMENTED} - NOT_OURS
    assert tops, "the README calls no public name?"
    assert sorted(n for n in tops if n not in vpc_patterns.__all__) == []


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NotAThing'"):
        vpc_patterns.NotAThing  # noqa: B018


def test_the_plan_names_load_without_the_cdk() -> None:
    code = ("import sys, json\n"
            "from vpc_patterns import plan_network, Tier, NatProvider, ConfigError, Intent, "
            "AclRule, SecurityGroupSpec, FlowLogTarget, AlarmThresholds, TunnelOptions, PeerVpc, "
            "verify_paths\n"
            "plan_network(cidr='10.1.0.0/16')\n"
            "print(json.dumps([m for m in sys.modules if m.startswith(('aws_cdk', 'jsii'))]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout.splitlines()[-1]) == []


@pytest.mark.parametrize("old", sorted(OLD_MODULES))
def test_module_paths_of_earlier_releases_import_the_same_module(old: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        legacy = importlib.import_module(old)
    assert legacy is importlib.import_module(OLD_MODULES[old])


def test_an_old_path_warns_once_with_the_new_name() -> None:
    code = ("import warnings\nwarnings.simplefilter('error', DeprecationWarning)\n"
            "try:\n    import vpc_patterns.nacl\nexcept DeprecationWarning as w:\n    print(w)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert "vpc_patterns.plan.nacl" in out.stdout


def test_the_cdk_constructs_package_is_the_installed_one() -> None:
    """The constructs/ source root must never shadow the CDK's `constructs`."""
    import constructs

    assert "site-packages" in str(Path(constructs.__file__).resolve())
