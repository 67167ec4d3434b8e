"""One evaluator per intent kind, registered with the kind it checks.

Each evaluator is a function ``(intent, analyzer) -> IntentResult`` marked
``@evaluates(<Intent subclass>)``; the decorator refuses a second evaluator
for a kind. :func:`evaluate` looks the intent's class up and raises
ConfigError when it has none, so an intent kind the plan layer defines but
this module does not check fails loudly instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from vpc_patterns.check.acl import (
    ICMP,
    PROTOCOL_ORDER,
    TCP,
    UDP,
    FlowResult,
    PortMap,
    Segment,
    proto_label,
    reply_space,
)
from vpc_patterns.check.analyzer import NetworkAnalyzer
from vpc_patterns.check.answers import NO, UNKNOWN, YES, InternetPath
from vpc_patterns.check.model import Subnet, VpcModel
from vpc_patterns.check.paths import (
    Path,
    Step,
    note_step,
    route_step,
    route_table_step,
    segment_step,
    subnet_step,
    target_step,
)
from vpc_patterns.check.ranges import NO_PORTS, IntervalSet
from vpc_patterns.check.results import FAIL, PASS, Finding, IntentResult, result
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.intents import (
    AclReturnsAdmitted,
    EgressInAz,
    EgressOnly,
    GatewayEndpointIntent,
    Intent,
    InternetIngressOnly,
    NoInternet,
    PortRange,
    Reaches,
    TiersMatchTopology,
    WorkloadsReachTheirNeeds,
    intent_kinds,
)

IntentT = TypeVar("IntentT", bound=Intent)
Evaluator = Callable[[Any, NetworkAnalyzer], IntentResult]

#: Intent subclass -> the function that checks it (filled by @evaluates).
EVALUATORS: dict[type[Intent], Evaluator] = {}


def evaluates(kind: type[IntentT]) -> Callable[[Callable[[IntentT, NetworkAnalyzer], IntentResult]],
                                         Callable[[IntentT, NetworkAnalyzer], IntentResult]]:
    """Register the decorated function as the evaluator of intent class
    ``kind`` (a registered kind of :mod:`vpc_patterns.plan.intents`)."""
    if not (isinstance(kind, type) and issubclass(kind, Intent)) \
            or intent_kinds().get(kind.kind) is not kind:
        raise TypeError(f"@evaluates({kind!r}): not a registered intent kind")

    def register(fn: Callable[[IntentT, NetworkAnalyzer], IntentResult]
                 ) -> Callable[[IntentT, NetworkAnalyzer], IntentResult]:
        if kind in EVALUATORS:
            raise TypeError(f"intent kind {kind.kind!r} already has an evaluator: "
                            f"{EVALUATORS[kind].__name__}")
        EVALUATORS[kind] = fn
        return fn
    return register


def evaluator_for(kind: type[Intent]) -> Evaluator:
    """The evaluator of an intent class; ConfigError when it has none."""
    fn = EVALUATORS.get(kind)
    if fn is None:
        raise _no_evaluator(kind, f"intent kind {getattr(kind, 'kind', '')!r} ({kind.__name__})")
    return fn


def evaluate(intent: Intent, analyzer: NetworkAnalyzer) -> IntentResult:
    """Check one intent against one VPC."""
    fn = EVALUATORS.get(type(intent))
    if fn is None:
        raise _no_evaluator(type(intent), f"intent {intent!r}")
    return fn(intent, analyzer)


def _no_evaluator(kind: type, what: str) -> ConfigError:
    checked = ", ".join(sorted(k.kind for k in EVALUATORS)) or "none"
    return ConfigError(f"{what} has no evaluator (none is registered with "
                       f"@evaluates({kind.__name__}) in {__name__}); checked kinds: {checked}")


# ---------------------------------------------------------------------------
# What evaluators share
# ---------------------------------------------------------------------------


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


def _bpa_on(steps: Path) -> bool:
    """The path passes a VPC Block Public Access resource."""
    return any(st.kind == "block-public-access" for st in steps)


def _path_finding(verdict: str, sub: Subnet, p: InternetPath, what: str) -> Finding:
    steps = list(p.steps)
    if p.verdict == YES:
        steps += _admitting_steps(p.flow, p.ports)
    return Finding(verdict, f"{sub.logical_id} {what}: {p.reason}", tuple(steps))



# ---------------------------------------------------------------------------
# One evaluator per intent kind
# ---------------------------------------------------------------------------


@evaluates(NoInternet)
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
    return result(intent, findings, evidence,
                   f"no subnet of tier {intent.tier} has a path to or from the internet")


@evaluates(TiersMatchTopology)
def _tiers_match_topology(intent: TiersMatchTopology, an: NetworkAnalyzer) -> IntentResult:
    findings: list[Finding] = []
    evidence: list[Finding] = []
    for s in an.model.subnets:
        planned = s.kind
        source = "the plan's record" if s.record is not None else "its tags"
        if s.record is not None:
            for what, tagged, recorded in (("tier", s.tag_tier, s.tier),
                                           ("kind", s.tag_kind, s.kind)):
                if tagged is not None and tagged != recorded:
                    findings.append(Finding(FAIL, f"{s.logical_id}: its tags say {what} "
                                                  f"{tagged}, the plan's record says {recorded} "
                                                  "(tags are labels; the record decides)",
                                            (subnet_step(s),)))
        got, route = an.route_kind(s.logical_id)
        rt = an.route_table_of(s)
        steps: tuple[Step, ...] = (subnet_step(s), route_table_step(rt))
        if route is not None:
            steps += (route_step(route), target_step(route.target))
        fine = {"public": {"public"}, "private": {"private", "onward"},
                "isolated": {"isolated", "onward"}}.get(planned or "", set())
        if planned is None:
            findings.append(Finding(UNKNOWN, f"{s.logical_id}: neither a record nor tags say "
                                             "which kind of tier it is", steps))
        elif got == "unknown":
            findings.append(Finding(UNKNOWN, f"{s.logical_id} is {planned} by {source}; its "
                                             "routes cannot be classified from the template",
                                    steps))
        elif got not in fine:
            findings.append(Finding(FAIL, f"{s.logical_id} is {planned} (tier {s.tier}) by "
                                          f"{source}, but its routes make it {got}", steps))
        else:
            evidence.append(Finding(PASS, f"{s.logical_id}: {planned} by {source} and by its "
                                          f"routes", steps))
    return result(intent, findings, evidence, intent.describe())


@evaluates(WorkloadsReachTheirNeeds)
def _workloads_needs(intent: WorkloadsReachTheirNeeds, an: NetworkAnalyzer) -> IntentResult:
    findings: list[Finding] = []
    evidence: list[Finding] = []
    for w in an.model.workloads:
        for sid in w.subnets:
            if sid not in an.subnets:
                continue
            s = an.subnets[sid]
            for service in an.needs_of(w):
                verdict, how = an.reaches_service(w, s, service)
                v = {YES: PASS, NO: FAIL}.get(verdict, UNKNOWN)
                text = (f"{w.logical_id} ({w.resource_type}) in {sid} reaches {service} on TCP "
                        f"443 {how}" if v == PASS else
                        f"{w.logical_id} ({w.resource_type}) in {sid} may not reach {service} on "
                        f"TCP 443: {how}")
                (evidence if v == PASS else findings).append(Finding(v, text, (subnet_step(s),)))
    return result(intent, findings, evidence, intent.describe())


#: What "reaches the internet" must include: TCP 443, request and reply.
EGRESS_PROBE = PortMap.of({TCP: IntervalSet.of((443, 443))})


@evaluates(EgressOnly)
def _egress_only(intent: EgressOnly, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.tier], an.model)
    evidence: list[Finding] = []
    for s in an.model.subnets_of(intent.tier):
        eg = an.internet_egress(s.logical_id)
        web = [p for p in eg.paths if p.verdict == YES and p.ports.issuperset(EGRESS_PROBE)]
        if eg.verdict == YES and not web:
            # UDP or a stray port is not "reaches the internet": what a
            # private workload needs out there is HTTPS (package mirrors,
            # AWS APIs without endpoints, SaaS)
            got = eg.ports.describe() or "nothing"
            findings.append(Finding(FAIL, f"{s.logical_id} does not reach the internet on "
                                          f"{EGRESS_PROBE.describe()} (HTTPS); it reaches it on "
                                          f"{got} only",
                                    next(p.steps for p in eg.paths if p.verdict == YES)))
        elif eg.verdict == YES:
            for p in web:
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
    return result(intent, findings, evidence,
                   f"every subnet of tier {intent.tier} reaches the internet and none is "
                   "reachable from it")


def _portmap(ports: Sequence[PortRange], protocol: str, icmp: bool = False) -> PortMap:
    proto = TCP if protocol == "tcp" else UDP
    out = {proto: IntervalSet.of(*((p.lo, p.hi) for p in ports))}
    if icmp:
        out[ICMP] = NO_PORTS
    return PortMap.of(out)


@evaluates(InternetIngressOnly)
def _internet_ingress_only(intent: InternetIngressOnly, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets(intent.tiers, an.model)
    evidence: list[Finding] = []
    allowed = None if intent.ports is None else _portmap(intent.ports, intent.protocol,
                                                         intent.allow_icmp)
    default_acl_open = False
    bpa_blocked: list[str] = []
    for s in an.model.subnets:
        for p in an.internet_ingress(s.logical_id).paths:
            if p.verdict == NO and s.tier in intent.tiers and _bpa_on(p.steps):
                evidence.append(Finding(PASS, f"the internet does not reach {s.logical_id} "
                                              f"(tier {s.tier}): {p.reason}", p.steps))
                bpa_blocked.append(str(s.tier))
                continue
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
                layers = an.internet_group_layer(s, extra)
                said = ("; the network ACLs admit it, and the security groups of what the "
                        "template places there: " + "; ".join(layers)) if layers else \
                    "; the network ACLs admit it (the template places no workload there)"
                findings.append(Finding(
                    FAIL, f"the internet reaches {s.logical_id} (tier {s.tier}) on "
                          f"{extra.describe()}{said}", tuple(steps)))
            else:
                if an.acl_of(s).default:
                    default_acl_open = True
                shown = reach.describe() if reach else "return-rule ports only"
                evidence.append(Finding(PASS, f"the internet reaches {s.logical_id} "
                                              f"(tier {s.tier}) on {shown}", p.steps))
    extra_note = ("the VPC's default ACL admits every port; security groups limit them"
                  if default_acl_open else "")
    if bpa_blocked:
        blocked = ("VPC Block Public Access blocks the internet from tier(s) "
                   + ", ".join(dict.fromkeys(bpa_blocked)))
        extra_note = "; ".join(x for x in (extra_note, blocked) if x)
    return result(intent, findings, evidence, intent.describe(), extra_note)


@evaluates(EgressInAz)
def _egress_in_az(intent: EgressInAz, an: NetworkAnalyzer) -> IntentResult:
    findings = _missing_subnets([intent.tier], an.model)
    evidence: list[Finding] = []
    for s in an.model.subnets_of(intent.tier):
        answers = an.nat_routes(s.logical_id)
        rt = an.route_table_of(s)
        learned = an.learned_route_gap(rt)
        if learned and answers:
            findings.append(Finding(UNKNOWN, f"{s.logical_id}: {learned}, shadowing the NAT "
                                             "route for the addresses it covers",
                                    (subnet_step(s), route_table_step(rt))))
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
            elif an.regional_nat(t) is not None:
                evidence.append(Finding(PASS, f"{s.logical_id} leaves through regional NAT "
                                              f"gateway {t.ref}, which serves its AZ from that "
                                              "AZ", a.steps))
            else:
                evidence.append(Finding(PASS, f"{s.logical_id} leaves through {t.ref} in its own "
                                              "AZ", a.steps))
    return result(intent, findings, evidence,
                   f"every subnet of tier {intent.tier} leaves through a NAT in its own AZ")


def _flow_return_findings(desc: str, start: Path, end: Path, flow: FlowResult,
                          excepted: IntervalSet = NO_PORTS,
                          ) -> list[tuple[tuple[Any, ...], Finding]]:
    """Admitted requests whose reply an ACL drops, keyed by the entries
    involved (so the same mistake seen from many subnet pairs is one finding).
    ``excepted``: TCP and UDP reply ports not asked for (the intent's
    ``except_ports``, for flows to and from outside the VPC)."""
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
            if proto in (TCP, UDP):
                missing = missing - excepted
                if not missing:
                    continue
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


@evaluates(AclReturnsAdmitted)
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

    # the reply ports the intent does not ask for, from outside the VPC only:
    # inside it, no CT.EC2.PR.5 reason keeps them closed
    excepted = IntervalSet.of(*((p.lo, p.hi) for p in intent.except_ports))
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
                    add(_flow_return_findings(desc, p.steps, (), p.flow, excepted))
            for r in an.external_routes(s.logical_id):
                for inbound in (False, True):
                    checked += 1
                    desc = (f"{r.destination} -> {s.logical_id}" if inbound
                            else f"{s.logical_id} -> {r.destination}")
                    add(_flow_return_findings(
                        desc, (subnet_step(s),), (Step("route", r.logical_id, r.label),),
                        an.external_flow(s.logical_id, r, inbound=inbound), excepted))
    findings = []
    for f, count in found.values():
        if count > 1:
            f = Finding(f.verdict, f"{f.message} (and {count - 1} more flow(s) alike)", f.path)
        findings.append(f)
    evidence = [Finding(PASS, "every subnet uses the VPC's default network ACL, which admits "
                              "all traffic both ways")] if pure_default else [
        Finding(PASS, f"{checked} flows checked (subnet pairs, internet, peers)")]
    return result(intent, findings, evidence,
                   "every admitted flow has its reply admitted on 1024-65535"
                   + (f" (from outside the VPC but {excepted.describe_ports()})"
                      if excepted else "")
                   if not pure_default else "only the default ACL (admits all) is in use")


@evaluates(GatewayEndpointIntent)
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
        return result(intent, findings, evidence, "")
    partial = any(g.unresolved_route_tables for g in eps) or bool(unresolved)
    for t in intent.tiers:
        for s in model.subnets_of(t):
            ans = an.gateway_endpoint_route(s.logical_id, intent.service)
            if ans.route is not None:
                evidence.append(Finding(PASS, f"{s.logical_id} -> {ans.route.target.ref}",
                                        ans.steps))
                continue
            served = ", ".join(sorted({rt for g in eps for rt in g.route_tables})) or "none"
            msg = (f"route table {ans.route_table.logical_id} of {s.logical_id} has no "
                   f"{intent.service} endpoint route ({', '.join(g.logical_id for g in eps)} "
                   f"serves {served})")
            findings.append(Finding(UNKNOWN if partial else FAIL, msg, ans.steps))
    return result(intent, findings, evidence,
                   f"every subnet of {', '.join(intent.tiers)} routes {intent.service} to its "
                   "gateway endpoint")


@evaluates(Reaches)
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
                                             "template does not determine: "
                                             + "; ".join(f.uncertain), start + end))
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
            layer = _group_layer(an, s, d, proto, required.get(proto))
            findings += [f for f in layer if f.verdict != PASS]
            evidence.append(Finding(PASS, f"{s.logical_id} reaches {d.logical_id} on "
                                          f"{(every & required).describe()} (routes and network "
                                          "ACLs)", start + end))
            evidence += [f for f in layer if f.verdict == PASS]
    return result(intent, findings, evidence, intent.describe())


def _group_layer(an: NetworkAnalyzer, s: Subnet, d: Subnet, proto: int,
                 ports: IntervalSet) -> list[Finding]:
    """The security-group layer of a flow the routes and ACLs admit: the
    groups of what the template places in ``d`` must admit it from ``s``,
    and those of what it places in ``s`` must let it out. Where the template
    places nothing, groups belong to workloads made elsewhere and the flow
    is decided at the subnet level."""
    out: list[Finding] = []
    steps = (subnet_step(s), subnet_step(d))
    dst_groups = tuple(g for w in an.model.workloads_in(d.logical_id) for g in w.groups)
    for w in an.model.workloads_in(d.logical_id):
        verdict, why = an.group_ingress(s, w, proto, ports)
        v = {YES: PASS, NO: FAIL}.get(verdict, UNKNOWN)
        what = "the network admits it, and " if v == PASS else "the network ACLs admit it but "
        out.append(Finding(v, f"{s.logical_id} -> {w.logical_id} ({w.resource_type} in "
                              f"{d.logical_id}): {what}{why}", steps))
    for w in an.model.workloads_in(s.logical_id):
        verdict, why = an.group_egress(w, d, proto, ports, dst_groups)
        v = {YES: PASS, NO: FAIL}.get(verdict, UNKNOWN)
        out.append(Finding(v, f"{w.logical_id} ({w.resource_type} in {s.logical_id}) -> "
                              f"{d.logical_id}: {why}", steps))
    return out
