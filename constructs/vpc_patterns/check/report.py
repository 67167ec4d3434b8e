"""The network plan report: Markdown and one self-contained HTML page per stack.

``python -m vpc_patterns report PATH --out DIR`` reads synthesized templates
(a ``cdk.out`` folder or template files), verifies every VPC's intents
(:mod:`vpc_patterns.analysis`) and writes, for each template holding a VPC,
``DIR/<stack>.md`` and ``DIR/<stack>.html`` with:

* the CIDR table per tier and AZ, with the usable addresses of each subnet
  (its size less the 5 AWS reserves) and the VPC's unallocated space;
* route tables with their routes, network ACLs with their rules in order,
  the security-group matrix (which group admits what from where), the tier
  reachability the routes and ACLs allow, endpoints, NATs, gateways, VPN
  connections and peerings;
* each intent with its verdict and the path that proves or breaks it;
* an SVG diagram (HTML only): AZs as columns, tiers as rows, subnets as
  boxes, the internet gateway above, NATs inside the subnets that hold them,
  endpoints, VPN gateways and peers on the right, each connected to the
  subnets whose routes lead there;
* the fixed monthly cost (:mod:`vpc_patterns.cost`).

The HTML page has inline CSS, inline SVG and a small inline script (hover
highlighting and a self-check of the drawing); it loads nothing from the
network. Pure Python with jinja2; no CDK import.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from vpc_patterns.check import (
    NetworkAnalyzer,
    Subnet,
    TargetKind,
    VerifyReport,
    VpcModel,
    VpcVerification,
    path_text,
    verify_paths,
)
from vpc_patterns.check.model import az_display, protocol_name
from vpc_patterns.check.ranges import IntervalSet, cidr_set
from vpc_patterns.check.cost import (
    CostEstimate,
    PriceTable,
    estimate_monthly_cost,
    load_prices,
    money,
    nat_instances_of,
)
from vpc_patterns.plan.network import AWS_RESERVED_PER_SUBNET
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.intents import Intent

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"
#: AWS reserves the first four addresses and the last one of every subnet.
RESERVED_PER_SUBNET = AWS_RESERVED_PER_SUBNET
_KIND_ORDER = {"public": 0, "private": 1, "isolated": 2}
NO_TIER = "(no tier)"


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _az_sort_key(key: str) -> tuple[int, int, str]:
    kind, _, value = key.partition(":")
    rank = {"index": 0, "name": 1, "id": 2}.get(kind, 3)
    num = int(value) if kind == "index" and value.isdigit() else 0
    return rank, num, value


def usable(cidr: ipaddress.IPv4Network | None) -> int | None:
    """Addresses a subnet offers: its size less the 5 AWS reserves."""
    if cidr is None:
        return None
    return max(0, cidr.num_addresses - RESERVED_PER_SUBNET)


def _ports_text(protocol: int | None, ports: IntervalSet | None) -> str:
    name = protocol_name(protocol)
    if protocol in (6, 17):
        return f"{name} {(ports.describe_ports() if ports is not None else 'all ports')}"
    return name


def _short_target(model: VpcModel, kind: TargetKind, ref: str, az: str | None) -> str:
    where = f" {az_display(az)}" if az else ""
    return {
        TargetKind.LOCAL: "local",
        TargetKind.INTERNET_GATEWAY: "internet gateway",
        TargetKind.EGRESS_ONLY_IGW: "egress-only IGW",
        TargetKind.NAT_GATEWAY: f"NAT gateway{where}",
        TargetKind.NAT_INSTANCE: f"NAT instance{where}",
        TargetKind.PEERING: f"peering {ref}",
        TargetKind.VPN_GATEWAY: "VPN gateway",
        TargetKind.TRANSIT_GATEWAY: "transit gateway",
        TargetKind.GATEWAY_ENDPOINT: "gateway endpoint",
        TargetKind.VPC_ENDPOINT: f"endpoint {ref}",
    }.get(kind, ref or kind.value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "\u2026"


# ---------------------------------------------------------------------------
# The report's data, per VPC
# ---------------------------------------------------------------------------


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
    az_keys = sorted({s.az for s in m.subnets}, key=_az_sort_key)
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
                               f"{_short_target(m, r.target.kind, r.target.ref, r.target.az)}")
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
    tier_names.sort(key=lambda t: (_KIND_ORDER.get(kinds[t], 3), order[t]))
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
                                    "ports": _ports_text(rule.protocol, rule.ports),
                                    "peer": peer_text(rule.peer_kind, rule.peer),
                                    "description": rule.description})
                continue
            src = peer_text(rule.peer_kind, rule.peer)
            if src not in sources:
                sources.append(src)
            text = _ports_text(rule.protocol, rule.ports)
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


# ---------------------------------------------------------------------------
# The diagram (geometry only; the HTML template draws it)
# ---------------------------------------------------------------------------

LEFT = 150          # room for the tier labels
COL_W = 236         # AZ column pitch
BOX_W = 212
BOX_H = 86
STACK_GAP = 10      # between subnets of one tier in one AZ
LANE = 9            # spacing of parallel connector lanes
TARGET_W = 240
TARGET_H = 46
BADGE_W = 94
BADGE_H = 18


@dataclass
class DBadge:
    id: str
    x: float
    y: float
    w: float
    h: float
    text: str
    kind: str
    title: str


@dataclass
class DSubnet:
    id: str
    x: float
    y: float
    w: float
    h: float
    kind: str
    line1: str
    line2: str
    line3: str
    title: str
    badges: list[DBadge] = field(default_factory=list)


@dataclass
class DTarget:
    id: str
    x: float
    y: float
    w: float
    h: float
    kind: str
    line1: str
    line2: str
    title: str


@dataclass
class DLink:
    d: str
    kind: str
    src: str
    dst: str
    title: str


@dataclass
class DText:
    x: float
    y: float
    text: str
    cls: str
    anchor: str = "start"


@dataclass
class Diagram:
    width: float
    height: float
    subnets: list[DSubnet] = field(default_factory=list)
    targets: list[DTarget] = field(default_factory=list)
    links: list[DLink] = field(default_factory=list)
    texts: list[DText] = field(default_factory=list)
    #: (x, y, w, h, label) of the VPC outline
    vpc: tuple[float, float, float, float, str] | None = None
    #: (x, y, w, h, line1, line2) of the internet gateway, with the internet above it
    igw: tuple[float, float, float, float, str, str] | None = None
    internet: tuple[float, float] | None = None
    legend: list[tuple[float, float, str, str]] = field(default_factory=list)

    @property
    def subnet_count(self) -> int:
        return len(self.subnets)


_TARGET_ORDER = {
    TargetKind.GATEWAY_ENDPOINT: 0, TargetKind.VPC_ENDPOINT: 1, TargetKind.VPN_GATEWAY: 2,
    TargetKind.TRANSIT_GATEWAY: 3, TargetKind.PEERING: 4, TargetKind.EGRESS_ONLY_IGW: 5,
}
_LINK_KIND = {
    TargetKind.GATEWAY_ENDPOINT: "gwep", TargetKind.VPC_ENDPOINT: "ifep",
    TargetKind.VPN_GATEWAY: "vpn", TargetKind.TRANSIT_GATEWAY: "tgw",
    TargetKind.PEERING: "peer", TargetKind.EGRESS_ONLY_IGW: "eigw",
}
_SERVICE_NAMES = {"s3": "S3", "dynamodb": "DynamoDB"}
_LEGEND = (
    ("igw", "route to the internet gateway"),
    ("nat", "route to a NAT in the same AZ"),
    ("nat-cross", "route to a NAT in another AZ"),
    ("gwep", "gateway endpoint route (prefix list)"),
    ("ifep", "interface endpoint network interface"),
    ("vpn", "route to a VPN gateway"),
    ("tgw", "route to a transit gateway"),
    ("peer", "route to a peering connection"),
    ("eigw", "route to an egress-only internet gateway"),
    ("other", "route to another target"),
    ("warn", "route of a non-public subnet to the internet gateway"),
)


def build_diagram(rep: VpcReport) -> Diagram:
    """Lay out the network: AZ columns, tier rows, gateways around."""
    m = rep.model
    n_cols = max(1, len(rep.azs))
    col_of = {k: i for i, (k, _) in enumerate(rep.azs)}
    grid_right = LEFT + (n_cols - 1) * COL_W + BOX_W
    igws = [g for g in m.gateways if g.kind is TargetKind.INTERNET_GATEWAY]

    # right-hand targets: endpoints, VPN/transit gateways, peerings, others
    targets: OrderedDict[str, tuple[TargetKind, str, str, str]] = OrderedDict()

    def want(ref: str, kind: TargetKind, line1: str, line2: str, title: str) -> None:
        if ref not in targets:
            targets[ref] = (kind, line1, line2, title)

    for g in m.gateway_endpoints:
        service = _SERVICE_NAMES.get(g.service or "", g.service or "unknown service")
        want(g.logical_id, TargetKind.GATEWAY_ENDPOINT, f"{service} gateway endpoint",
             g.logical_id, f"{g.logical_id}: {g.service_name}")
    for e in m.interface_endpoints:
        want(e.logical_id, TargetKind.VPC_ENDPOINT, f"{e.service or e.service_name} endpoint",
             f"interface, {len(e.subnets)} AZ", f"{e.logical_id}: {e.service_name}")
    for gw in m.gateways:
        if gw.kind in (TargetKind.VPN_GATEWAY, TargetKind.TRANSIT_GATEWAY):
            vpns = [c for c in m.vpn_connections if c.gateway == gw.logical_id]
            what = "VPN gateway" if gw.kind is TargetKind.VPN_GATEWAY else "Transit gateway"
            line2 = (f"{len(vpns)} VPN connection(s)" if vpns else gw.logical_id)
            want(gw.logical_id, gw.kind, what + (f" (ASN {gw.asn})" if gw.asn else ""), line2,
                 f"{gw.logical_id}" + "".join(
                     f"; {c.logical_id} to {c.customer_gateway}"
                     f"{' static ' + ', '.join(c.static_routes) if c.static_routes else ''}"
                     for c in vpns))
        elif gw.kind is TargetKind.EGRESS_ONLY_IGW:
            want(gw.logical_id, gw.kind, "Egress-only IGW (IPv6)", gw.logical_id, gw.logical_id)
    for p in m.peerings:
        want(p.logical_id, TargetKind.PEERING, f"Peering to {p.peer_vpc}",
             ", ".join(p.peer_cidrs) or "peer CIDR unknown",
             f"{p.logical_id}: peer VPC {p.peer_vpc} {', '.join(p.peer_cidrs)}")

    badges_by_ref: dict[str, tuple[str, str]] = {}  # NAT ref -> (subnet, kind)
    for n in m.nat_gateways:
        if n.subnet:
            badges_by_ref[n.logical_id] = (n.subnet, "natgw-private" if n.private else "natgw")
    for ni in nat_instances_of(m):
        if ni.subnet:
            badges_by_ref[ni.logical_id] = (ni.subnet, "nati")

    # routes -> connections (subnet, kind, ref, target)
    conns: list[tuple[Subnet, str, Any]] = []
    for s in m.subnets:
        rt = next((x for x in m.route_tables if x.logical_id == s.route_table), None)
        if rt is None:
            continue
        seen: set[str] = set()
        for r in rt.routes:
            tgt = r.target
            if tgt.kind is TargetKind.LOCAL or tgt.ref in seen:
                continue
            seen.add(tgt.ref)
            if tgt.kind is TargetKind.INTERNET_GATEWAY and any(g.logical_id == tgt.ref for g in igws[:1]):
                conns.append((s, "igw", r))
            elif tgt.kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE) \
                    and tgt.ref in badges_by_ref:
                conns.append((s, "nat", r))
            else:
                if tgt.ref not in targets:
                    want(tgt.ref, tgt.kind, _short_target(m, tgt.kind, tgt.ref, tgt.az).capitalize()
                         if tgt.kind not in (TargetKind.UNKNOWN, TargetKind.OTHER)
                         else f"{tgt.kind.value} target", _clip(tgt.ref, 34), tgt.label)
                conns.append((s, "target", r))
    for e in m.interface_endpoints:
        for sid in e.subnets:
            if any(x.logical_id == sid for x in m.subnets):
                conns.append((m.subnet(sid), "ifep", e))

    target_ids = list(targets)
    n_lanes = len(target_ids)
    lane_of = {ref: i for i, ref in enumerate(target_ids)}

    # vertical layout
    d = Diagram(0, 0)
    y = 16.0
    igw_box = None
    if igws:
        cx = (LEFT + grid_right) / 2
        d.internet = (cx, 34.0)
        igw_box = (cx - 90, 66.0, 180.0, 32.0)
        g0 = igws[0]
        d.igw = (*igw_box, "Internet gateway" + ("" if g0.attached else " (not attached)"),
                 _clip(g0.logical_id, 30))
        y = 126.0
    bus_y = y - 10
    vpc_top = y
    header_y = vpc_top + 36
    grid_top = header_y + 14
    for k, label in rep.azs:
        c = col_of[k]
        d.texts.append(DText(LEFT + c * COL_W + BOX_W / 2, header_y, label, "az", "middle"))

    row_bottom: dict[str, float] = {}
    boxes: dict[str, DSubnet] = {}
    cur = float(grid_top)
    gap = 24 + n_lanes * LANE
    for tier_row in rep.tiers:
        depth = max([len(cell) for cell in tier_row.cells] + [1])
        height = depth * BOX_H + (depth - 1) * STACK_GAP
        row_bottom[tier_row.name] = cur + height
        d.texts.append(DText(LEFT - 22, cur + height / 2 - 2, tier_row.name, "tier", "end"))
        if tier_row.kind != tier_row.name:
            d.texts.append(DText(LEFT - 22, cur + height / 2 + 14, f"({tier_row.kind})", "tier-kind",
                                 "end"))
        for c, cell in enumerate(tier_row.cells):
            for i, row in enumerate(cell):
                s = row.subnet
                bx = LEFT + c * COL_W
                by = cur + i * (BOX_H + STACK_GAP)
                usable_text = f"{row.usable:,} usable" if row.usable is not None else "size unknown"
                box = DSubnet(
                    s.logical_id, bx, by, BOX_W, BOX_H, row.kind if row.kind in _KIND_ORDER
                    else "unknown", row.cidr, _clip(f"{row.tier} \u00b7 {row.az} \u00b7 {usable_text}", 34),
                    _clip(row.routes, 36),
                    f"{s.logical_id}\n{row.tier} ({row.kind}), {row.az}, {row.cidr}"
                    f"\nroute table {s.route_table}\nnetwork ACL {s.network_acl}"
                    f"\nroutes: {row.routes}\nto internet: {row.to_internet}"
                    f"\nfrom internet: {row.from_internet}")
                boxes[s.logical_id] = box
                d.subnets.append(box)
        cur += height + gap
    # below the last row: its connector lanes, then the VPC label
    grid_bottom = (cur - gap + 12 + n_lanes * LANE + 30) if rep.tiers else grid_top + 40

    # NAT badges inside the subnets that hold them
    badge_of: dict[str, DBadge] = {}
    for ref, (sid, kind) in badges_by_ref.items():
        holder = boxes.get(sid)
        if holder is None:
            continue
        i = len(holder.badges)
        nat_inst = next((n for n in m.nat_instances if n.logical_id == ref), None)
        text = {"natgw": "NAT gateway", "natgw-private": "NAT gw (private)",
                "nati": f"NAT {nat_inst.instance_type or 'instance'}" if nat_inst else "NAT instance"}[kind]
        badge = DBadge(ref, holder.x + 8 + i * (BADGE_W + 6), holder.y + holder.h - BADGE_H - 6,
                       BADGE_W, BADGE_H, _clip(text, 16), kind, f"{ref} ({text})")
        holder.badges.append(badge)
        badge_of[ref] = badge

    # right-hand targets
    gutter = grid_right + 30
    tx = gutter + n_lanes * LANE + 22
    ty = grid_top
    target_box: dict[str, DTarget] = {}
    for ref in target_ids:
        kind, line1, line2, title = targets[ref]
        tb = DTarget(ref, tx, ty, TARGET_W, TARGET_H, _LINK_KIND.get(kind, "other"),
                     _clip(line1, 34), _clip(line2, 33), title)
        d.targets.append(tb)
        target_box[ref] = tb
        ty += TARGET_H + 16

    # connections
    used: set[str] = set()
    for sub, how, obj in conns:
        found = boxes.get(sub.logical_id)
        if found is None:
            continue
        box = found
        tier = next(t.name for t in rep.tiers if any(
            r.subnet.logical_id == sub.logical_id for cell in t.cells for r in cell))
        first_row = rep.tiers[0].name == tier
        if how == "igw" and igw_box is not None:
            ix, iy, iw, ih = igw_box
            cx = ix + iw / 2
            warn = sub.kind != "public"
            if first_row:
                xs = box.x + box.w * 0.75  # clear of the AZ header above the box's centre
                path = f"M{xs:.1f},{box.y:.1f} V{bus_y:.1f} H{cx:.1f} V{iy + ih:.1f}"
            else:
                # up into the gap above the row, left of the grid, then up to the bus
                xs = box.x + 14
                path = (f"M{xs:.1f},{box.y:.1f} V{box.y - 6:.1f} H{LEFT - 8:.1f} "
                        f"V{bus_y:.1f} H{cx:.1f} V{iy + ih:.1f}")
            link_kind = "warn" if warn else "igw"
            d.links.append(DLink(path, link_kind, sub.logical_id, obj.target.ref,
                                 f"{sub.logical_id}: {obj.destination} \u2192 internet gateway"))
            used.add(link_kind)
        elif how == "nat":
            nat_badge = badge_of.get(obj.target.ref)
            if nat_badge is None:
                continue
            b = nat_badge
            same = obj.target.az == sub.az
            host = boxes[badges_by_ref[obj.target.ref][0]]
            badge_cx = b.x + b.w / 2
            xs = badge_cx if host.x == box.x else box.x + box.w / 2
            y0 = box.y if box.y > b.y else box.y + box.h
            y1 = b.y + b.h if box.y > b.y else b.y
            link_kind = "nat" if same else "nat-cross"
            d.links.append(DLink(f"M{xs:.1f},{y0:.1f} L{badge_cx:.1f},{y1:.1f}", link_kind, sub.logical_id,
                                 obj.target.ref,
                                 f"{sub.logical_id}: {obj.destination} \u2192 {obj.target.label}"))
            used.add(link_kind)
        else:
            ref = obj.logical_id if how == "ifep" else obj.target.ref
            tbox = target_box.get(ref)
            if tbox is None:
                continue
            lane = lane_of[ref]
            x0 = max(box.x + box.w / 2, box.x + box.w - 14 - lane * LANE)
            y0 = box.y + box.h
            yl = row_bottom[tier] + 12 + lane * LANE
            xk = gutter + lane * LANE
            yc = tbox.y + tbox.h / 2
            link_kind = "ifep" if how == "ifep" else tbox.kind
            what = (f"{sub.logical_id}: network interface of {ref}" if how == "ifep"
                    else f"{sub.logical_id}: {obj.destination} \u2192 {obj.target.label}")
            d.links.append(DLink(f"M{x0:.1f},{y0:.1f} V{yl:.1f} H{xk:.1f} V{yc:.1f} H{tbox.x:.1f}",
                                 link_kind, sub.logical_id, ref, what))
            used.add(link_kind)

    # VPC outline and overall size
    vpc_label = f"VPC {m.cidr_text} \u00b7 {m.logical_id}"
    d.vpc = (LEFT - 12, vpc_top, grid_right - LEFT + 24, grid_bottom - vpc_top, _clip(vpc_label, 60))
    right = max(grid_right + 20, (tx + TARGET_W + 16) if target_ids else 0)
    bottom = max(grid_bottom, ty if target_ids else 0) + 24
    # legend: subnet kinds, then the link kinds drawn
    lx, ly = 16.0, bottom + 8
    width = max(right, 640)
    items = [(f"kind-{k}", f"{k} subnet") for k in ("public", "private", "isolated")
             if any(t.kind == k for t in rep.tiers)]
    items += [(k, text) for k, text in _LEGEND if k in used]
    for kind, text in (("natgw", "NAT gateway, in the subnet that holds it"),
                       ("natgw-private", "private NAT gateway"),
                       ("nati", "NAT instance, in the subnet that holds it")):
        if any(b.kind == kind for b in badge_of.values()):
            items.append((f"badge-{kind}", text))
    for key, text in items:
        w = 40 + len(text) * 6.6
        if lx + w > width - 10:
            lx, ly = 16.0, ly + 22
        d.legend.append((lx, ly, key, text))
        lx += w + 14
    d.width = width
    d.height = ly + 24
    return d


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _num(value: Any) -> str:
    return "unknown" if value is None else f"{value:,}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                            default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_cell
    env.filters["money"] = money
    env.filters["num"] = _num
    env.filters["f1"] = lambda v: f"{float(v):.1f}"
    return env


@dataclass
class StackReport:
    name: str
    template: str
    vpcs: list[VpcReport]

    @property
    def verdict(self) -> str:
        counts = self.counts
        return "fail" if counts["fail"] else ("unknown" if counts["unknown"] else "pass")

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(v.counts[k] for v in self.vpcs) for k in ("pass", "fail", "unknown")}

    @property
    def subnet_count(self) -> int:
        return sum(len(v.subnets) for v in self.vpcs)


def build_stack_reports(report: VerifyReport, *, region: str | None = None,
                        prices: PriceTable | None = None) -> list[StackReport]:
    """One :class:`StackReport` per template holding a VPC, in input order."""
    by_template: OrderedDict[str, list[VpcVerification]] = OrderedDict()
    for v in report.vpcs:
        by_template.setdefault(v.model.template, []).append(v)
    out = []
    for template, vs in by_template.items():
        out.append(StackReport(vs[0].model.template_name, template,
                               [build_vpc_report(v, region=region, prices=prices) for v in vs]))
    return out


def render_markdown(stack: StackReport) -> str:
    return _environment().get_template(MARKDOWN_TEMPLATE).render(stack=stack)


def render_html(stack: StackReport) -> str:
    return _environment().get_template(HTML_TEMPLATE).render(stack=stack)


def write_reports(paths: Sequence[str | Path], out_dir: str | Path, *,
                  extra_intents: Sequence[Intent] = (), region: str | None = None,
                  prices: PriceTable | None = None) -> list[tuple[StackReport, Path, Path]]:
    """Verify the templates under ``paths`` and write ``<stack>.md`` and
    ``<stack>.html`` into ``out_dir`` (created). Raises TemplateError or
    ConfigError like :func:`~vpc_patterns.analysis.verify_paths`."""
    if region is not None:  # a region the caller names must be priced: fail before writing
        (prices or load_prices()).region(region)
    report = verify_paths(paths, extra_intents=extra_intents)
    stacks = build_stack_reports(report, region=region, prices=prices)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    taken: set[str] = set()
    for st in stacks:
        base = st.name
        n = 2
        while base in taken:
            base = f"{st.name}-{n}"
            n += 1
        taken.add(base)
        md = out / f"{base}.md"
        html = out / f"{base}.html"
        md.write_text(render_markdown(st), encoding="utf-8")
        html.write_text(render_html(st), encoding="utf-8")
        written.append((st, md, html))
    return written



__all__ = [
    "RESERVED_PER_SUBNET",
    "Diagram",
    "StackReport",
    "VpcReport",
    "build_diagram",
    "build_stack_reports",
    "build_vpc_report",
    "render_html",
    "render_markdown",
    "usable",
    "write_reports",
]
