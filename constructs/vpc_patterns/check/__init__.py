"""Prove the network: a pure-Python analyzer over synthesized templates.

No aws_cdk import anywhere in this package: it reads CloudFormation JSON (a
``cdk.out`` folder or template files, also edited by hand) and answers
questions about each VPC's network at the subnet level (routes and network
ACLs; see :mod:`.analyzer` for what "reachable" means).

For a report generator::

    from vpc_patterns.check import verify_paths

    report = verify_paths(["cdk.out"])        # VerifyReport
    for v in report.vpcs:                     # VpcVerification per VPC
        m = v.model                           # VpcModel: subnets, route_tables,
                                              # network_acls, security_groups,
                                              # gateway_endpoints, interface_endpoints,
                                              # nat_gateways, nat_instances, gateways,
                                              # vpn_connections, peerings, notes
        an = v.analyzer                       # NetworkAnalyzer (questions)
        an.tier_matrix()                      # {(src, dst): TierFlow}
        an.internet_egress(subnet_id)         # InternetAnswer with paths
        an.internet_ingress(subnet_id)
        an.route_lookup(subnet_id, "192.168.0.0/16")
        for r in v.results:                   # IntentResult: intent, verdict,
            r.to_dict()                       # summary, findings (with paths), evidence
    report.to_dict()                          # everything as JSON-able data
"""

from __future__ import annotations

from vpc_patterns.check.acl import FlowResult, PortMap
from vpc_patterns.check.analyzer import NetworkAnalyzer
from vpc_patterns.check.answers import (
    AzAnswer,
    EndpointAnswer,
    InternetAnswer,
    InternetPath,
    RouteLookup,
    TierFlow,
)
from vpc_patterns.check.cfn import (
    Export,
    ExportIndex,
    Template,
    TemplateError,
    export_index,
    load_paths,
    load_template,
)
from vpc_patterns.check.linker import CrossLink, LinkedModels, build_all, build_linked
from vpc_patterns.check.model import (
    AclEntry,
    GatewayEndpoint,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Target,
    TargetKind,
    VpcModel,
)
from vpc_patterns.check.parser import build_models
from vpc_patterns.check.paths import Path, Step, path_text
from vpc_patterns.check.verify import (
    FAIL,
    PASS,
    Finding,
    IntentResult,
    VerifyReport,
    VpcVerification,
    evaluate,
    inferred_default_intents,
    intents_for,
    load_intents_file,
    verify_model,
    verify_paths,
    verify_templates,
)

UNKNOWN = "unknown"


def load_models(paths: list[str]) -> list[VpcModel]:
    """Every VPC of every template under ``paths`` (files or folders), the
    templates read together (cross-stack imports resolved)."""
    return build_all(load_paths(paths))


__all__ = [
    "FAIL",
    "PASS",
    "UNKNOWN",
    "AclEntry",
    "AzAnswer",
    "CrossLink",
    "EndpointAnswer",
    "Export",
    "ExportIndex",
    "Finding",
    "FlowResult",
    "GatewayEndpoint",
    "IntentResult",
    "InternetAnswer",
    "InternetPath",
    "LinkedModels",
    "NetworkAcl",
    "NetworkAnalyzer",
    "Path",
    "PortMap",
    "Route",
    "RouteLookup",
    "RouteTable",
    "SecurityGroup",
    "SgRule",
    "Step",
    "Subnet",
    "Target",
    "TargetKind",
    "Template",
    "TemplateError",
    "TierFlow",
    "VerifyReport",
    "VpcModel",
    "VpcVerification",
    "build_all",
    "build_linked",
    "build_models",
    "evaluate",
    "export_index",
    "inferred_default_intents",
    "intents_for",
    "load_intents_file",
    "load_models",
    "load_paths",
    "load_template",
    "path_text",
    "verify_model",
    "verify_paths",
    "verify_templates",
]
