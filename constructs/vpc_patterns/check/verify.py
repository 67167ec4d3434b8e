"""Check intents against the network of each VPC.

:func:`evaluate` checks one :class:`~vpc_patterns.intents.Intent` with a
:class:`~.analyzer.NetworkAnalyzer` and returns an :class:`IntentResult`:
a verdict (pass / fail / unknown), a one-line summary, the *findings* that
break it (each with its path: subnet, route table, route or ACL entry, target)
and the *evidence* that makes it hold, for reports.

:func:`verify_paths` does it for every VPC of every template: the intents
recorded on the VPC (``Metadata["vpc_patterns"]``), or the library defaults
for the layout the subnets' tags describe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Callable, Iterable, Sequence

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.intents import (
    DEFAULT_PUBLIC_PORTS,
    AclReturnsAdmitted,
    EgressInAz,
    EgressOnly,
    GatewayEndpointIntent,
    Intent,
    InternetIngressOnly,
    NoInternet,
    PortRange,
    Reaches,
    default_intents,
    intents_from_metadata,
)
from vpc_patterns.check.acl import (
    PROTOCOL_ORDER,
    ICMP,
    TCP,
    UDP,
    FlowResult,
    PortMap,
    Segment,
    proto_label,
    reply_space,
)
from vpc_patterns.check.analyzer import UNKNOWN, YES, InternetPath, NetworkAnalyzer
from vpc_patterns.check.cfn import Template, load_paths
from vpc_patterns.check.linker import CrossLink, build_linked
from vpc_patterns.check.model import Subnet, TargetKind, VpcModel
from vpc_patterns.check.paths import Path, Step, note_step, path_text, path_to_list, segment_step, subnet_step
from vpc_patterns.check.ranges import NO_PORTS, IntervalSet

PASS, FAIL = "pass", "fail"
VERDICTS = (PASS, FAIL, UNKNOWN)


@dataclass(frozen=True)
class Finding:
    """One reason: a failure, an open question, or (as evidence) a fact."""

    verdict: str
    message: str
    path: Path = ()

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "message": self.message,
                "path": path_to_list(self.path), "path_text": path_text(self.path)}


@dataclass(frozen=True)
class IntentResult:
    intent: Intent
    verdict: str
    summary: str
    #: what breaks the intent (fail) or leaves it open (unknown)
    findings: tuple[Finding, ...] = ()
    #: what makes it hold, subnet by subnet
    evidence: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent.to_dict(),
            "label": self.intent.label,
            "description": self.intent.describe(),
            "verdict": self.verdict,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "evidence": [f.to_dict() for f in self.evidence],
        }


def _result(intent: Intent, findings: list[Finding], evidence: list[Finding],
            ok: str, extra: str = "") -> IntentResult:
    fails = [f for f in findings if f.verdict == FAIL]
    unknown = [f for f in findings if f.verdict == UNKNOWN]
    if fails:
        verdict = FAIL
        summary = f"{len(fails)} violation(s): {fails[0].message}"
    elif unknown:
        verdict = UNKNOWN
        summary = f"cannot tell from the template: {unknown[0].message}"
    else:
        verdict = PASS
        summary = ok
    if extra:
        summary += f" ({extra})"
    return IntentResult(intent, verdict, summary, tuple(findings), tuple(evidence))


def _dedupe(steps: Iterable[Step]) -> list[Step]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for s in steps:
        k = (s.kind, s.id, s.text)
        if k not in seen:
            seen.add(k)
            out.append(s)
    return out


def _admitting_steps(flow: FlowResult | None, ports: PortMap) -> list[Step]:
    """ACL entries that admit ``ports`` on the request side, TCP first."""
    if flow is None:
        return []
    steps: list[Step] = []
    for proto in sorted(ports.protocols(), key=lambda p: PROTOCOL_ORDER.get(p, p + 10)):
        steps.extend(segment_step(s) for s in flow.admitting(proto, ports.get(proto)))
    return _dedupe(steps)


def _missing_subnets(tiers: Sequence[str], model: VpcModel) -> list[Finding]:
    out = []
    for t in tiers:
        if not model.subnets_of(t):
            known = ", ".join(model.tiers()) or "none"
            out.append(Finding(FAIL, f"no subnet of tier {t!r} in this VPC (tiers: {known})"))
    return out


def _path_finding(verdict: str, sub: Subnet, p: InternetPath, what: str) -> Finding:
    steps = list(p.steps)
    if p.verdict == YES:
        steps += _admitting_steps(p.flow, p.ports)
    return Finding(verdict, f"{sub.logical_id} {what}: {p.reason}", tuple(steps))


# ---------------------------------------------------------------------------
# One evaluator per intent kind
# ---------------------------------------------------------------------------


def _no_internet(intent: NoInternet, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.tier], an.model)
    evidence: list[Finding] = []
    for s in an.model.subnets_of(intent.tier):
        own: list[Finding] = []
        for ans, what in ((an.internet_egress(s.logical_id), "reaches the internet"),
                          (an.internet_ingress(s.logical_id), "is reachable from the internet")):
            for p in ans.paths:
                if p.verdict == YES:
                    own.append(_path_finding(FAIL, s, p, what))
                elif p.verdict == UNKNOWN:
                    own.append(_path_finding(UNKNOWN, s, p, "may reach the internet"
                                             if ans.direction == "egress" else
                                             "may be reachable from the internet"))
                elif p.flow is not None:  # the routes lead there, the ACLs drop all of it
                    evidence.append(Finding(PASS, f"{s.logical_id}: {p.reason}", p.steps))
        if not own:
            evidence.append(Finding(PASS, f"{s.logical_id}: no path to or from the internet"))
        findings += own
    return _result(intent, findings, evidence,
                   f"no subnet of tier {intent.tier} has a path to or from the internet")


def _egress_only(intent: EgressOnly, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.tier], an.model)
    evidence: list[Finding] = []
    for s in an.model.subnets_of(intent.tier):
        eg = an.internet_egress(s.logical_id)
        if eg.verdict == YES:
            for p in eg.paths:
                if p.verdict == YES:
                    evidence.append(Finding(PASS, f"{s.logical_id} reaches the internet on "
                                                  f"{p.ports.describe()}", p.steps))
        elif eg.verdict == UNKNOWN:
            for p in eg.paths:
                if p.verdict == UNKNOWN:
                    findings.append(_path_finding(UNKNOWN, s, p, "may reach the internet"))
        else:
            for p in eg.paths:
                findings.append(Finding(FAIL, f"{s.logical_id} does not reach the internet: "
                                              f"{p.reason}", p.steps))
            if not eg.paths:
                findings.append(Finding(FAIL, f"{s.logical_id} does not reach the internet",
                                        (subnet_step(s),)))
        for p in an.internet_ingress(s.logical_id).paths:
            if p.verdict == YES:
                findings.append(_path_finding(FAIL, s, p, "is reachable from the internet"))
            elif p.verdict == UNKNOWN:
                findings.append(_path_finding(UNKNOWN, s, p, "may be reachable from the internet"))
    return _result(intent, findings, evidence,
                   f"every subnet of tier {intent.tier} reaches the internet and none is "
                   "reachable from it")


def _portmap(ports: Sequence[PortRange], protocol: str, icmp: bool = False) -> PortMap:
    proto = TCP if protocol == "tcp" else UDP
    out = {proto: IntervalSet.of(*((p.lo, p.hi) for p in ports))}
    if icmp:
        out[ICMP] = NO_PORTS
    return PortMap.of(out)


def _internet_ingress_only(intent: InternetIngressOnly, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets(intent.tiers, an.model)
    evidence: list[Finding] = []
    allowed = None if intent.ports is None else _portmap(intent.ports, intent.protocol,
                                                         intent.allow_icmp)
    default_acl_open = False
    for s in an.model.subnets:
        for p in an.internet_ingress(s.logical_id).paths:
            if p.verdict == UNKNOWN:
                findings.append(_path_finding(UNKNOWN, s, p, "may be reachable from the internet"))
                continue
            if p.verdict != YES:
                continue
            reach = p.counted_ports if intent.exempt_return_rules else p.ports
            if s.tier not in intent.tiers:
                extra = reach
            elif allowed is None:
                extra = PortMap()
            else:
                extra = reach - allowed
            if extra:
                steps = list(p.steps) + _admitting_steps(p.flow, extra)
                findings.append(Finding(
                    FAIL, f"the internet reaches {s.logical_id} (tier {s.tier}) on "
                          f"{extra.describe()}", tuple(steps)))
            else:
                if an.acl_of(s).default:
                    default_acl_open = True
                shown = reach.describe() if reach else "return-rule ports only"
                evidence.append(Finding(PASS, f"the internet reaches {s.logical_id} (tier {s.tier}) "
                                              f"on {shown}", p.steps))
    extra_note = ("the VPC's default ACL admits every port; security groups limit them"
                  if default_acl_open else "")
    return _result(intent, findings, evidence, intent.describe(), extra_note)


def _egress_in_az(intent: EgressInAz, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.tier], an.model)
    evidence: list[Finding] = []
    for s in an.model.subnets_of(intent.tier):
        answers = an.nat_routes(s.logical_id)
        if not answers:
            evidence.append(Finding(PASS, f"{s.logical_id}: no route through a NAT"))
        for a in answers:
            t = a.route.target
            if a.same_az is False:
                findings.append(Finding(
                    FAIL, f"{s.logical_id} ({s.az_label}) leaves through {t.kind.value} {t.ref} in "
                          f"another AZ (route table {a.route_table.logical_id})", a.steps))
            elif a.same_az is None:
                findings.append(Finding(
                    UNKNOWN, f"{s.logical_id}: the AZ of {t.ref} cannot be compared with the "
                             "subnet's", a.steps))
            else:
                evidence.append(Finding(PASS, f"{s.logical_id} leaves through {t.ref} in its own "
                                              "AZ", a.steps))
    return _result(intent, findings, evidence,
                   f"every subnet of tier {intent.tier} leaves through a NAT in its own AZ")


def _flow_return_findings(desc: str, start: Path, end: Path,
                          flow: FlowResult) -> list[tuple[tuple[Any, ...], Finding]]:
    """Admitted requests whose reply an ACL drops, keyed by the entries
    involved (so the same mistake seen from many subnet pairs is one finding)."""
    if flow.uncertain:
        return [(("uncertain", desc), Finding(
            UNKNOWN, f"{desc}: ACL entries the template does not determine: "
                     + "; ".join(flow.uncertain), start + end))]
    out: list[tuple[tuple[Any, ...], Finding]] = []
    for c in flow.cells:
        for proto, ports in c.req_counted.items:
            if c.reply_full(proto):
                continue
            missing = reply_space(proto) - c.rep.get(proto)
            admitting: list[Segment] = []
            for d in c.request:
                admitting.extend(d.deciding(proto, ports, allow=True))
            denying: list[Segment] = []
            for d in c.reply:
                denying = d.deciding(proto, missing, allow=False)
                if denying:
                    break
            key = (tuple(x.entry_id for x in admitting), tuple(x.entry_id for x in denying), proto)
            what = f"{proto_label(proto)} {ports.describe_ports()}" if proto in (TCP, UDP) \
                else proto_label(proto)
            back = f" to ports {missing.describe_ports()}" if proto in (TCP, UDP) else ""
            drop = "; ".join(x.label for x in denying) or "an ACL"
            steps = (list(start) + _dedupe(segment_step(x) for x in admitting) + list(end)
                     + _dedupe(segment_step(x) for x in denying))
            out.append((key, Finding(FAIL, f"{desc}: the ACLs admit {what} but drop the reply"
                                           f"{back} ({drop})", tuple(steps))))
    return out


def _acl_returns(intent: AclReturnsAdmitted, an: NetworkAnalyzer) -> IntentResult:
    model = an.model
    found: dict[tuple[Any, ...], list[Any]] = {}  # key -> [first finding, how many flows]
    checked = 0

    def add(items: list[tuple[tuple[Any, ...], Finding]]) -> None:
        for key, f in items:
            if key in found:
                found[key][1] += 1
            else:
                found[key] = [f, 1]

    pure_default = all(a.default and all(e.implicit for e in a.entries) for a in model.network_acls)
    if not pure_default:
        for s in model.subnets:
            for d in model.subnets:
                if s.logical_id == d.logical_id:
                    continue
                checked += 1
                add(_flow_return_findings(f"{s.logical_id} -> {d.logical_id}", (subnet_step(s),),
                                          (subnet_step(d),), an.flow(s.logical_id, d.logical_id)))
            for ans in (an.internet_egress(s.logical_id), an.internet_ingress(s.logical_id)):
                for p in ans.paths:
                    if p.flow is None:
                        continue
                    checked += 1
                    desc = (f"{s.logical_id} -> internet" if ans.direction == "egress"
                            else f"internet -> {s.logical_id}")
                    add(_flow_return_findings(desc, p.steps, (), p.flow))
            for r in an.external_routes(s.logical_id):
                for inbound in (False, True):
                    checked += 1
                    desc = (f"{r.destination} -> {s.logical_id}" if inbound
                            else f"{s.logical_id} -> {r.destination}")
                    add(_flow_return_findings(
                        desc, (subnet_step(s),), (Step("route", r.logical_id, r.label),),
                        an.external_flow(s.logical_id, r, inbound=inbound)))
    findings = []
    for f, count in found.values():
        if count > 1:
            f = Finding(f.verdict, f"{f.message} (and {count - 1} more flow(s) alike)", f.path)
        findings.append(f)
    evidence = [Finding(PASS, "every subnet uses the VPC's default network ACL, which admits "
                              "all traffic both ways")] if pure_default else [
        Finding(PASS, f"{checked} flows checked (subnet pairs, internet, peers)")]
    return _result(intent, findings, evidence,
                   "every admitted flow has its reply admitted on 1024-65535"
                   if not pure_default else "only the default ACL (admits all) is in use")


def _gateway_endpoint(intent: GatewayEndpointIntent, an: NetworkAnalyzer) -> IntentResult:
    model = an.model
    findings = _missing_subnets(intent.tiers, model)
    evidence: list[Finding] = []
    eps = model.gateway_endpoint(intent.service)
    unresolved = [g for g in model.gateway_endpoints if g.service is None]
    if not eps:
        if unresolved:
            findings.append(Finding(UNKNOWN, f"endpoint {unresolved[0].logical_id} names a service "
                                             "the template does not determine"))
        else:
            findings.append(Finding(FAIL, f"the VPC has no {intent.service} gateway endpoint"))
        return _result(intent, findings, evidence, "")
    partial = any(g.unresolved_route_tables for g in eps) or bool(unresolved)
    for t in intent.tiers:
        for s in model.subnets_of(t):
            ans = an.gateway_endpoint_route(s.logical_id, intent.service)
            if ans.route is not None:
                evidence.append(Finding(PASS, f"{s.logical_id} -> {ans.route.target.ref}", ans.steps))
                continue
            served = ", ".join(sorted({rt for g in eps for rt in g.route_tables})) or "none"
            msg = (f"route table {ans.route_table.logical_id} of {s.logical_id} has no "
                   f"{intent.service} endpoint route ({', '.join(g.logical_id for g in eps)} "
                   f"serves {served})")
            findings.append(Finding(UNKNOWN if partial else FAIL, msg, ans.steps))
    return _result(intent, findings, evidence,
                   f"every subnet of {', '.join(intent.tiers)} routes {intent.service} to its "
                   "gateway endpoint")


def _reaches(intent: Reaches, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.src, intent.dst], an.model)
    evidence: list[Finding] = []
    required = _portmap(intent.ports, intent.protocol)
    tolerated = _portmap(intent.ports, intent.protocol, intent.allow_icmp)
    proto = TCP if intent.protocol == "tcp" else UDP
    tf = an.tier_flow(intent.src, intent.dst)
    if not tf.pairs and not findings:
        findings.append(Finding(FAIL, f"tier {intent.src} and tier {intent.dst} have no two "
                                      "distinct subnets"))
    for s, d, f in tf.pairs:
        start, end = (subnet_step(s),), (subnet_step(d),)
        notes = [note_step(n) for n in an.intra_vpc_route_notes(s, d)]
        if f.uncertain:
            findings.append(Finding(UNKNOWN, f"{s.logical_id} -> {d.logical_id}: ACL entries the "
                                             "template does not determine: " + "; ".join(f.uncertain),
                                    start + end))
            continue
        verdict = UNKNOWN if f.approximate else FAIL
        every = f.connectable_everywhere()
        missing = required - every
        if missing:
            side, segs = f.blocking(proto, missing.get(proto))
            why = f"the {side} is dropped by " + "; ".join(s_.label for s_ in segs) if segs else \
                "the ACLs drop it"
            blocked = _dedupe(segment_step(x) for x in segs)
            steps = (list(start) + blocked + list(end) if side == "request"
                     else list(start) + list(end) + blocked) + notes
            findings.append(Finding(verdict, f"{s.logical_id} does not reach {d.logical_id} on "
                                             f"{missing.describe()}: {why}", tuple(steps)))
        if intent.only:
            extra = f.connectable(counted=intent.exempt_return_rules) - tolerated
            if extra:
                steps = list(start) + _admitting_steps(f, extra) + list(end) + notes
                findings.append(Finding(verdict, f"{s.logical_id} also reaches {d.logical_id} on "
                                                 f"{extra.describe()}", tuple(steps)))
        if not missing:
            evidence.append(Finding(PASS, f"{s.logical_id} reaches {d.logical_id} on "
                                          f"{(every & required).describe()}", start + end))
    return _result(intent, findings, evidence, intent.describe())


_EVALUATORS: dict[type, Callable[[Any, NetworkAnalyzer], IntentResult]] = {
    NoInternet: _no_internet,
    EgressOnly: _egress_only,
    InternetIngressOnly: _internet_ingress_only,
    EgressInAz: _egress_in_az,
    AclReturnsAdmitted: _acl_returns,
    GatewayEndpointIntent: _gateway_endpoint,
    Reaches: _reaches,
}


def evaluate(intent: Intent, analyzer: NetworkAnalyzer) -> IntentResult:
    """Check one intent against one VPC."""
    fn = _EVALUATORS.get(type(intent))
    if fn is None:
        raise ConfigError(f"intent {intent!r} has no evaluator")
    return fn(intent, analyzer)


# ---------------------------------------------------------------------------
# Defaults from a template, and whole-template verification
# ---------------------------------------------------------------------------


def inferred_default_intents(model: VpcModel) -> tuple[Intent, ...]:
    """:func:`~vpc_patterns.intents.default_intents` for the layout the
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
    services = sorted({g.service for g in model.gateway_endpoints if g.service in ("s3", "dynamodb")})
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

    def exit_code(self, *, strict: bool = False) -> int:
        if self.count(FAIL) or (strict and self.count(UNKNOWN)):
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
        intents, source = intents_for(model)
    an = NetworkAnalyzer(model)
    return VpcVerification(model, source, tuple(evaluate(i, an) for i in intents), an)


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
            v = verify_model(m, tuple(intents) + tuple(extra_intents))
            out.append(VpcVerification(m, source, v.results, v.analyzer))
    return VerifyReport(tuple(out), tuple(empty), linked.links,
                        tuple(dict.fromkeys(attached)))


def verify_paths(paths: Iterable[str | FsPath], extra_intents: Sequence[Intent] = ()) -> VerifyReport:
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
