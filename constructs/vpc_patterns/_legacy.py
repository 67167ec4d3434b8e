"""Module paths of releases before the layers had folders.

Code written against ``vpc_patterns.nacl``, ``vpc_patterns.vpc``,
``vpc_patterns.analysis.model`` and the like keeps importing: each old name
is an alias of the module that now holds the code (the same module object, so
classes are not duplicated). New code should import from ``vpc_patterns`` or
from the layer modules named here. ``vpc_patterns.plan`` needs no alias: the
plan layer re-exports the network plan.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

#: old module -> the module that holds its code now.
OLD_MODULES: dict[str, str] = {
    "vpc_patterns.nacl": "vpc_patterns.plan.nacl",
    "vpc_patterns.security_groups": "vpc_patterns.plan.security_groups",
    "vpc_patterns.intents": "vpc_patterns.plan.intents",
    "vpc_patterns.vpn_plan": "vpc_patterns.plan.vpn",
    "vpc_patterns.netref": "vpc_patterns.build.netref",
    "vpc_patterns.vpc": "vpc_patterns.build.vpc",
    "vpc_patterns.nat_instance": "vpc_patterns.build.nat_instance",
    "vpc_patterns.default_sg": "vpc_patterns.build.default_sg",
    "vpc_patterns.nacl_construct": "vpc_patterns.build.nacl",
    "vpc_patterns.security_groups_construct": "vpc_patterns.build.security_groups",
    "vpc_patterns.compliance": "vpc_patterns.build.compliance",
    "vpc_patterns.keys": "vpc_patterns.build.keys",
    "vpc_patterns.flow_logs": "vpc_patterns.build.flow_logs",
    "vpc_patterns.monitoring": "vpc_patterns.build.monitoring",
    "vpc_patterns.endpoints": "vpc_patterns.build.endpoints",
    "vpc_patterns.eni": "vpc_patterns.build.eni",
    "vpc_patterns.peering": "vpc_patterns.build.peering",
    "vpc_patterns.direct_connect": "vpc_patterns.build.direct_connect",
    "vpc_patterns.vpn": "vpc_patterns.build.vpn",
    "vpc_patterns.cost": "vpc_patterns.check.cost",
    "vpc_patterns.report": "vpc_patterns.check.report",
    "vpc_patterns.vpn_config": "vpc_patterns.cli.vpn_config",
    "vpc_patterns.analysis": "vpc_patterns.check",
    "vpc_patterns.analysis.acl": "vpc_patterns.check.acl",
    "vpc_patterns.analysis.analyzer": "vpc_patterns.check.analyzer",
    "vpc_patterns.analysis.cfn": "vpc_patterns.check.cfn",
    "vpc_patterns.analysis.model": "vpc_patterns.check.model",
    "vpc_patterns.analysis.paths": "vpc_patterns.check.paths",
    "vpc_patterns.analysis.ranges": "vpc_patterns.check.ranges",
    "vpc_patterns.analysis.verify": "vpc_patterns.check.verify",
}


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in OLD_MODULES:
            return None
        package = fullname.endswith(".analysis")
        return importlib.machinery.ModuleSpec(fullname, self, is_package=package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = OLD_MODULES[spec.name]
        warnings.warn(f"{spec.name} is now {new}; import from there or from vpc_patterns",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The module is already executed under its new name."""


def install() -> None:
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        # First: a stale folder of an old name (e.g. analysis/__pycache__ left
        # by an earlier checkout) must not win as an empty namespace package.
        sys.meta_path.insert(0, _AliasFinder())
