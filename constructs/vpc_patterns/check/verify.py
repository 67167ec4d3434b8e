"""Verify the VPCs of synthesized templates against their intents.

:func:`verify_paths` does it for every VPC of every template: the intents
recorded on the VPC (``Metadata["vpc_patterns"]``), or the library defaults
for the layout the subnets' tags describe (:func:`inferred_default_intents`).
Each intent is checked by :func:`~.evaluators.evaluate` (one evaluator per
intent kind, in :mod:`.evaluators`) into an :class:`~.results.IntentResult`;
:class:`VerifyReport` gathers them with what the templates share across
stacks, as text or JSON-able data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from vpc_patterns.check.analyzer import NetworkAnalyzer
from vpc_patterns.check.answers import UNKNOWN
from vpc_patterns.check.cfn import Template, load_paths
from vpc_patterns.check.evaluators import evaluate
from vpc_patterns.check.linker import CrossLink, build_linked
from vpc_patterns.check.model import Subnet, TargetKind, VpcModel
from vpc_patterns.check.paths import path_text
from vpc_patterns.check.results import FAIL, PASS, VERDICTS, Finding, IntentResult
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.intents import (
    DEFAULT_PUBLIC_PORTS,
    Intent,
    default_intents,
    intents_from_metadata,
)


def inferred_default_intents(model: VpcModel) -> tuple[Intent, ...]:
    """:func:`~vpc_patterns.plan.intents.default_intents` for the layout the
    template shows: tiers and kinds from the subnets' tags, a NAT per AZ when
    every private subnet's AZ holds a NAT, the endpoints that exist, and the
    public ports only when the public subnets have their own network ACL."""
    kinds = {t: k for t, k in model.tier_kinds().items() if k is not None}
    private = [s for s in model.subnets if kinds.get(s.tier or "") == "private"]
    nat_azs = {n.az for n in model.nat_gateways if not n.private and n.az}
    targeted = {r.target.ref for rt in model.route_tables for r in rt.routes
                if r.target.kind is TargetKind.NAT_INSTANCE}
    nat_azs |= {n.az for n in model.nat_instances
                if n.az and (n.source_dest_check is False or n.logical_id in targeted)}
    nat_per_az = bool(private) and all(s.az in nat_azs for s in private)
    public = [s for s in model.subnets if kinds.get(s.tier or "") == "public"]
    own_acls = bool(public) and all(not an_acl_default(model, s) for s in public)
    services = sorted({g.service for g in model.gateway_endpoints
                       if g.service in ("s3", "dynamodb")})
    return default_intents(kinds, nat_per_az=nat_per_az, gateway_endpoints=services,
                           public_ports=DEFAULT_PUBLIC_PORTS if own_acls else None)


def an_acl_default(model: VpcModel, s: Subnet) -> bool:
    return model.network_acl(s.network_acl).default


@dataclass(frozen=True)
class VpcVerification:
    model: VpcModel
    #: "recorded" (Metadata on the VPC) or "default" (library defaults)
    source: str
    results: tuple[IntentResult, ...]
    analyzer: NetworkAnalyzer = field(compare=False, repr=False)

    @property
    def verdict(self) -> str:
        vs = {r.verdict for r in self.results}
        return FAIL if FAIL in vs else (UNKNOWN if UNKNOWN in vs else PASS)

    def to_dict(self) -> dict[str, Any]:
        m = self.model
        return {
            "template": m.template, "stack": m.template_name, "vpc": m.logical_id,
            "cidrs": [str(c) for c in m.cidrs], "intents_source": self.source,
            "verdict": self.verdict, "notes": list(m.notes),
            "results": [r.to_dict() for r in self.results],
        }


@dataclass(frozen=True)
class VerifyReport:
    vpcs: tuple[VpcVerification, ...]
    #: templates read that hold no VPC and attach nothing to another's VPC
    without_vpc: tuple[str, ...] = ()
    #: resources of one template attached (through Fn::ImportValue) to the
    #: VPCs of another, and imports no loaded template resolves
    cross_template: tuple[CrossLink, ...] = ()
    #: templates that hold no VPC but whose resources join (or name) the
    #: VPCs of other templates
    attached_only: tuple[str, ...] = ()

    def count(self, verdict: str) -> int:
        return sum(1 for v in self.vpcs for r in v.results if r.verdict == verdict)

    def exit_code(self, *, lenient: bool = False, strict: bool = True) -> int:
        """1 when an intent fails or, unless ``lenient``, cannot be decided
        from the templates (an unknown is not a pass); else 0. ``strict`` is
        the default and kept for callers written before ``lenient``."""
        if self.count(FAIL) or (not lenient and self.count(UNKNOWN)):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {"vpcs": [v.to_dict() for v in self.vpcs], "without_vpc": list(self.without_vpc),
                "attached_only": list(self.attached_only),
                "cross_template": [x.to_dict() for x in self.cross_template],
                "counts": {v: self.count(v) for v in VERDICTS}}

    def merged_into(self, template_path: str) -> tuple[str, ...]:
        """Keys of the VPCs a template's resources joined."""
        return tuple(dict.fromkeys(x.vpc for x in self.cross_template
                                   if x.template == template_path and x.vpc))

    def format_text(self, *, verbose: bool = False) -> str:
        lines: list[str] = []
        for v in self.vpcs:
            m = v.model
            lines.append(f"{m.key}  {m.cidr_text}  ({m.template})")
            lines.append("  intents: " + {
                "recorded": "recorded on the VPC",
                "default": "library defaults for this layout (none recorded)",
            }.get(v.source, "given by the caller"))
            for r in v.results:
                lines.append(f"  {r.verdict.upper():<8} {r.intent.label}")
                lines.append(f"           {r.summary}")
                shown = r.findings if r.verdict != PASS else ()
                for f in shown:
                    lines.append(f"           - [{f.verdict}] {f.message}")
                    if f.path:
                        lines.append(f"             path: {path_text(f.path)}")
                if verbose:
                    for f in r.evidence:
                        lines.append(f"           + {f.message}")
                        if f.path:
                            lines.append(f"             path: {path_text(f.path)}")
            for n in m.notes:
                lines.append(f"  note: {n}")
            lines.append("")
        for t in self.attached_only:
            links = [x for x in self.cross_template if x.template == t]
            into = self.merged_into(t)
            n_routes = sum(1 for x in links if x.kind == "route")
            n_peer = len({x.resource for x in links if x.kind == "peering"})
            if into:
                lines.append(f"{t}: no AWS::EC2::VPC of its own; its resources were merged into "
                             f"{', '.join(into)} ({n_routes} route(s), {n_peer} peering "
                             "connection(s)) and verified there")
            else:
                lines.append(f"{t}: no AWS::EC2::VPC of its own; its resources name VPCs or "
                             "route tables of other templates, none of them loaded")
            for x in links:
                if x.vpc is None:
                    lines.append(f"  unknown: {x.text}")
                elif verbose:
                    lines.append(f"  + {x.text}")
        for t in self.without_vpc:
            lines.append(f"{t}: no AWS::EC2::VPC, nothing to verify")
        total = sum(len(v.results) for v in self.vpcs)
        lines.append(f"{total} intents in {len(self.vpcs)} VPC(s): {self.count(PASS)} pass, "
                     f"{self.count(FAIL)} fail, {self.count(UNKNOWN)} unknown")
        return "\n".join(lines)


def intents_for(model: VpcModel) -> tuple[tuple[Intent, ...], str]:
    """The intents recorded on the VPC, else the inferred defaults. Raises
    ConfigError when the recorded metadata is malformed."""
    if model.metadata is not None:
        try:
            return intents_from_metadata(model.metadata), "recorded"
        except ConfigError as err:
            raise ConfigError(f"{model.key}: {err}") from None
    return inferred_default_intents(model), "default"


def verify_model(model: VpcModel, intents: Sequence[Intent] | None = None) -> VpcVerification:
    """Check ``intents`` (default: recorded or inferred) against one VPC."""
    source = "given"
    if intents is None:
        recorded, source = intents_for(model)
        intents = with_structure(recorded, model)
    an = NetworkAnalyzer(model)
    return VpcVerification(model, source, tuple(evaluate(i, an) for i in intents), an)


def with_structure(intents: Sequence[Intent],
                   model: VpcModel | None = None) -> tuple[Intent, ...]:
    """``intents`` and the checks every VPC gets whatever is recorded: the
    subnets' routes and tags match their planned tiers, and (where the
    template places one) each workload reaches what it cannot run without."""
    extra: list[Intent] = [Intent.tiers_match_topology()]
    if model is not None and any(NetworkAnalyzer.needs_of(w) for w in model.workloads):
        extra.append(Intent.workloads_reach_their_needs())
    return tuple(intents) + tuple(i for i in extra if i not in intents)


def verify_templates(templates: Iterable[Template],
                     extra_intents: Sequence[Intent] = ()) -> VerifyReport:
    """Verify every VPC of ``templates``, read together: resources that
    import (``Fn::ImportValue``) a route table or VPC of another of them join
    that VPC's model (see :func:`~.linker.build_linked`)."""
    templates = list(templates)
    linked = build_linked(templates)
    out: list[VpcVerification] = []
    empty: list[str] = []
    attached: list[str] = []
    for t in templates:
        models = linked.by_template.get(t.path, ())
        if not models:
            (attached if linked.links_from(t.path) else empty).append(t.path)
        for m in models:
            intents, source = intents_for(m)
            v = verify_model(m, with_structure(tuple(intents) + tuple(extra_intents), m))
            out.append(VpcVerification(m, source, v.results, v.analyzer))
    return VerifyReport(tuple(out), tuple(empty), linked.links,
                        tuple(dict.fromkeys(attached)))


def verify_paths(paths: Iterable[str | FsPath],
                 extra_intents: Sequence[Intent] = ()) -> VerifyReport:
    """Load templates (files or cdk.out folders) and verify every VPC.
    Raises TemplateError (unreadable input) or ConfigError (bad recorded
    intents)."""
    return verify_templates(load_paths(paths), extra_intents)


def load_intents_file(path: str | FsPath) -> tuple[Intent, ...]:
    """Intents from a JSON file: a list of intent objects, or the metadata
    form ``{"version": 1, "intents": [...]}``."""
    try:
        data = json.loads(FsPath(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"intents file {str(path)!r} is not readable JSON: {err}") from None
    if isinstance(data, list):
        return tuple(Intent.from_dict(d) for d in data)
    return intents_from_metadata(data)


__all__ = [
    "FAIL", "PASS", "VERDICTS", "Finding", "IntentResult", "VerifyReport", "VpcVerification",
    "an_acl_default", "evaluate", "inferred_default_intents", "intents_for", "load_intents_file",
    "verify_model", "verify_paths", "verify_templates",
]
