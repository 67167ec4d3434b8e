"""The report's data for one verified VPC (:func:`build_vpc_report`): the
CIDR table per tier and AZ, the address space left, route tables, network
ACLs, the security-group matrix, tier reachability, endpoints, NATs, gateways,
VPN connections, peerings, intents with their paths, and the monthly cost."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from vpc_patterns.check.analyzer import NetworkAnalyzer
from vpc_patterns.check.cost import (
    CostEstimate,
    PriceTable,
    estimate_monthly_cost,
    nat_instances_of,
)
from vpc_patterns.check.model import Subnet, TargetKind, VpcModel, az_display, protocol_name
from vpc_patterns.check.paths import path_text
from vpc_patterns.check.ranges import IntervalSet, cidr_set
from vpc_patterns.check.report.diagram import Diagram, build_diagram
from vpc_patterns.check.report.text import (
    KIND_ORDER,
    NO_TIER,
    az_sort_key,
    ports_text,
    short_target,
    usable,
)
from vpc_patterns.check.verify import VpcVerification
from vpc_patterns.errors import ConfigError


@dataclass
class SubnetRow:
    subnet: Subnet
    tier: str
    kind: str
    az: str
    cidr: str
    size: int | None
    usable: int | None
    route_table: str
    network_acl: str
    routes: str
    to_internet: str
    from_internet: str


@dataclass
class TierRow:
    name: str
    kind: str
    #: one list of subnets per AZ column
    cells: list[list[SubnetRow]]
    usable: int
    size: int


@dataclass
class SpaceRow:
    cidr: str
    size: int
    allocated: int
    free: int
    free_blocks: list[str]


@dataclass
class VpcReport:
    verification: VpcVerification
    model: VpcModel
    title: str
    azs: list[tuple[str, str]]
    tiers: list[TierRow]
    subnets: list[SubnetRow]
    space: list[SpaceRow]
    route_tables: list[dict[str, Any]]
    acls: list[dict[str, Any]]
    sg_sources: list[str]
    sg_matrix: list[dict[str, Any]]
    sg_egress: list[dict[str, Any]]
    reach_tiers: list[str]
    reach: dict[tuple[str, str], str]
    internet_out: dict[str, str]
    internet_in: dict[str, str]
    gateway_endpoints: list[dict[str, Any]]
    interface_endpoints: list[dict[str, Any]]
    nat_gateways: list[dict[str, Any]]
    nat_instances: list[dict[str, Any]]
    gateways: list[dict[str, Any]]
    vpn_connections: list[dict[str, Any]]
    peerings: list[dict[str, Any]]
    intents: list[dict[str, Any]]
    counts: dict[str, int]
    cost: CostEstimate | None
    cost_error: str
    diagram: Diagram
    notes: list[str] = field(default_factory=list)


def _internet_text(answer: Any, counted: bool) -> str:
    v = answer.verdict
    if v == "yes":
        ports = answer.counted_ports if counted else answer.ports
        shown = ports.describe() if ports else "return-rule ports only"
        return f"yes: {shown}"
    return v


def _tier_internet(subs: list[SubnetRow], attr: str) -> str:
    values = list(OrderedDict.fromkeys(getattr(s, attr) for s in subs))
    if len(values) == 1:
        return values[0]
    return "; ".join(f"{s.az}: {getattr(s, attr)}" for s in subs)


def build_vpc_report(v: VpcVerification, *, region: str | None = None,
                     prices: PriceTable | None = None) -> VpcReport:
    """Everything the templates show about one verified VPC."""
    m = v.model
    an: NetworkAnalyzer = v.analyzer
    rt_by_id = {rt.logical_id: rt for rt in m.route_tables}

    # -- subnets, tiers, AZs ------------------------------------------------
    az_keys = sorted({s.az for s in m.subnets}, key=az_sort_key)
    az_label = {k: next(s.az_label for s in m.subnets if s.az == k) for k in az_keys}
    rows: list[SubnetRow] = []
    for s in m.subnets:
        rt = rt_by_id.get(s.route_table)
        summary = []
        if rt is not None:
            for r in rt.routes:
                if r.origin in ("local", "endpoint") or r.target.kind is TargetKind.LOCAL:
                    continue
                summary.append(f"{r.destination} \u2192 "
                               f"{short_target(m, r.target.kind, r.target.ref, r.target.az)}")
        rows.append(SubnetRow(
            s, s.tier or NO_TIER, s.kind or "unknown", s.az_label,
            str(s.cidr) if s.cidr else "unknown",
            s.cidr.num_addresses if s.cidr else None, usable(s.cidr),
            s.route_table, s.network_acl, "; ".join(summary) or "local only",
            _internet_text(an.internet_egress(s.logical_id), counted=False),
            _internet_text(an.internet_ingress(s.logical_id), counted=True),
        ))
    tier_names = list(OrderedDict.fromkeys(r.tier for r in rows))
    kinds = {t: next(r.kind for r in rows if r.tier == t) for t in tier_names}
    order = {t: i for i, t in enumerate(tier_names)}
    tier_names.sort(key=lambda t: (KIND_ORDER.get(kinds[t], 3), order[t]))
    tiers = []
    for t in tier_names:
        mine = [r for r in rows if r.tier == t]
        cells = [[r for r in mine if r.subnet.az == k] for k in az_keys]
        tiers.append(TierRow(t, kinds[t], cells, sum(r.usable or 0 for r in mine),
                             sum(r.size or 0 for r in mine)))

    # -- address space -------------------------------------------------------
    space = []
    for c in m.cidrs:
        inside = IntervalSet()
        for s in m.subnets:
            if s.cidr is not None and s.cidr.subnet_of(c):
                inside = inside | cidr_set(s.cidr)
        free = cidr_set(c) - inside
        space.append(SpaceRow(str(c), c.num_addresses, inside.size(), free.size(),
                              [str(b) for b in free.to_cidrs()]))

    # -- route tables --------------------------------------------------------
    sub_label = {s.logical_id: f"{s.logical_id} ({s.tier or NO_TIER}, {s.az_label})"
                 for s in m.subnets}
    route_tables = []
    for rt in m.route_tables:
        route_tables.append({
            "id": rt.logical_id, "tier": rt.tier or "", "implicit": rt.implicit,
            "subnets": [sub_label.get(x, x) for x in rt.subnets],
            "propagating": list(rt.propagating_gateways),
            "routes": [{"destination": r.destination, "target": r.target.label,
                        "origin": r.origin, "id": r.logical_id,
                        "notes": "; ".join(r.notes)} for r in rt.routes],
        })

    # -- ACLs -------------------------------------------------------------------
    acls = []
    for a in m.network_acls:
        def entries(egress: bool, a: Any = a) -> list[dict[str, Any]]:
            items = sorted((e for e in a.entries if e.egress == egress),
                           key=lambda e: (e.rule_number is None, e.rule_number or 0, e.logical_id))
            out = [{
                "rule": e.rule_label, "action": "allow" if e.allow else (
                    "deny" if e.allow is False else "unknown"),
                "protocol": protocol_name(e.protocol),
                "ports": (e.ports.describe_ports() if e.protocol in (6, 17) and e.ports is not None
                          else "\u2013"),
                "cidr": str(e.cidr) if e.cidr else ("IPv6" if e.ipv6 else "unknown"),
                "return_rule": e.is_return_rule, "id": "" if e.implicit else e.logical_id,
                "uncertain": e.uncertain,
            } for e in items]
            out.append({"rule": "*", "action": "deny", "protocol": "all traffic",
                        "ports": "\u2013", "cidr": "0.0.0.0/0", "return_rule": False,
                        "id": "(implicit)", "uncertain": ""})
            return out
        acls.append({"id": a.logical_id, "default": a.default,
                     "subnets": [sub_label.get(x, x) for x in a.subnets],
                     "ingress": entries(False), "egress": entries(True)})

    # -- security groups ------------------------------------------------------
    names = {g.logical_id: (g.name or g.logical_id) for g in m.security_groups}

    def peer_text(kind: str, peer: str) -> str:
        if kind == "security-group":
            return f"sg {names.get(peer, peer)}"
        if kind == "prefix-list":
            return f"prefix list {peer}"
        return peer

    sources: list[str] = []
    matrix = []
    egress_rows = []
    for g in m.security_groups:
        sg_cells: dict[str, list[str]] = {}
        for rule in g.rules:
            if rule.egress:
                egress_rows.append({"group": names[g.logical_id],
                                    "ports": ports_text(rule.protocol, rule.ports),
                                    "peer": peer_text(rule.peer_kind, rule.peer),
                                    "description": rule.description})
                continue
            src = peer_text(rule.peer_kind, rule.peer)
            if src not in sources:
                sources.append(src)
            text = ports_text(rule.protocol, rule.ports)
            if rule.description:
                text += f" ({rule.description})"
            sg_cells.setdefault(src, []).append(text)
        matrix.append({"group": names[g.logical_id], "id": g.logical_id,
                       "description": g.description,
                       "cells": {k: "; ".join(vs) for k, vs in sg_cells.items()}})
    sources.sort(key=lambda s: (not s.startswith("sg "), s))

    # -- tier reachability (routes and ACLs) --------------------------------
    reach_tiers = [t.name for t in tiers if t.name != NO_TIER]
    reach: dict[tuple[str, str], str] = {}
    for (a_, b_), tf in an.tier_matrix().items():
        ports = tf.connectable_everywhere() & tf.connectable(counted=True)
        reach[(a_, b_)] = ports.describe() if tf.pairs else "\u2013"
    internet_out = {t.name: _tier_internet([r for r in rows if r.tier == t.name], "to_internet")
                    for t in tiers}
    internet_in = {t.name: _tier_internet([r for r in rows if r.tier == t.name], "from_internet")
                   for t in tiers}

    # -- endpoints, NATs, gateways, VPN, peering --------------------------------
    rt_tier = {rt.logical_id: (rt.tier or ", ".join(sorted({
        (m.subnet(x).tier or NO_TIER) for x in rt.subnets}))) for rt in m.route_tables}
    gw_eps = [{"id": g.logical_id, "service": g.service or "unknown",
               "service_name": g.service_name,
               "route_tables": [f"{x} ({rt_tier.get(x, '?')})" for x in g.route_tables],
               "unresolved": g.unresolved_route_tables} for g in m.gateway_endpoints]
    if_eps = [{"id": e.logical_id, "service": e.service or e.service_name,
               "subnets": [sub_label.get(x, x) for x in e.subnets], "azs": len(e.subnets),
               "security_groups": [names.get(x, x) for x in e.security_groups],
               "private_dns": {True: "yes", False: "no", None: "unknown"}[e.private_dns]}
              for e in m.interface_endpoints]

    def served(ref: str) -> list[str]:
        return [rt.logical_id for rt in m.route_tables
                if any(r.target.ref == ref for r in rt.routes)]

    nat_gws = [{"id": n.logical_id, "subnet": sub_label.get(n.subnet or "", n.subnet or "unknown"),
                "az": az_display(n.az), "connectivity": "private" if n.private else "public",
                "serves": served(n.logical_id)} for n in m.nat_gateways]
    nat_insts = [{"id": n.logical_id, "resource_type": n.resource_type,
                  "instance_type": n.instance_type or "unknown",
                  "subnet": sub_label.get(n.subnet or "", n.subnet or "unknown"),
                  "az": az_display(n.az),
                  "security_groups": [names.get(x, x) for x in n.security_groups],
                  "source_dest_check": {True: "on", False: "off", None: "unknown"}[
                      n.source_dest_check],
                  "serves": served(n.logical_id)} for n in nat_instances_of(m)]
    gateways = [{"id": g.logical_id, "kind": g.kind.value, "attached": g.attached,
                 "asn": g.asn, "serves": served(g.logical_id)} for g in m.gateways]
    vpns = [{"id": c.logical_id, "gateway": c.gateway or "unknown",
             "customer_gateway": c.customer_gateway or "unknown",
             "static_routes_only": {True: "yes", False: "no (BGP)", None: "unknown"}[
                 c.static_routes_only],
             "static_routes": list(c.static_routes)} for c in m.vpn_connections]
    peerings = [{"id": p.logical_id, "peer_vpc": p.peer_vpc,
                 "peer_cidrs": list(p.peer_cidrs), "peer_owner": p.peer_owner or "",
                 "peer_region": p.peer_region or "", "serves": served(p.logical_id)}
                for p in m.peerings]

    # -- intents --------------------------------------------------------------
    intents = []
    for res in v.results:
        intents.append({
            "label": res.intent.label, "description": res.intent.describe(),
            "verdict": res.verdict, "summary": res.summary,
            "findings": [{"verdict": f.verdict, "message": f.message,
                          "path": path_text(f.path), "steps": [st.text for st in f.path]}
                         for f in res.findings],
            "evidence": [{"verdict": f.verdict, "message": f.message,
                          "path": path_text(f.path), "steps": [st.text for st in f.path]}
                         for f in res.evidence],
        })
    counts = {k: sum(1 for x in v.results if x.verdict == k) for k in ("pass", "fail", "unknown")}

    # -- cost -------------------------------------------------------------------
    cost: CostEstimate | None = None
    cost_error = ""
    try:
        cost = estimate_monthly_cost(m, region, prices=prices)
    except ConfigError as err:
        cost_error = str(err)

    title = f"{m.name or m.logical_id}"
    report = VpcReport(
        v, m, title, [(k, az_label[k]) for k in az_keys], tiers, rows, space, route_tables,
        acls, sources, matrix, egress_rows, reach_tiers, reach, internet_out, internet_in,
        gw_eps, if_eps, nat_gws, nat_insts, gateways, vpns, peerings, intents, counts, cost,
        cost_error, Diagram(0, 0), list(m.notes),
    )
    report.diagram = build_diagram(report)
    return report


