"""The network diagram's geometry (:func:`build_diagram`): AZs as columns,
tiers as rows, subnets as boxes with their NATs and endpoint interfaces as
badges, the internet gateway above, endpoints, VPN and transit gateways and
peers on the right, and the links from each subnet to where its routes lead.
Coordinates only; the HTML template draws them as SVG."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpc_patterns.check.cost import nat_instances_of
from vpc_patterns.check.model import Subnet, TargetKind
from vpc_patterns.check.report.text import KIND_ORDER, clip, short_target

if TYPE_CHECKING:
    from vpc_patterns.check.report.rows import VpcReport

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
            if tgt.kind is TargetKind.INTERNET_GATEWAY and any(g.logical_id == tgt.ref
                                                               for g in igws[:1]):
                conns.append((s, "igw", r))
            elif tgt.kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE) \
                    and tgt.ref in badges_by_ref:
                conns.append((s, "nat", r))
            else:
                if tgt.ref not in targets:
                    want(tgt.ref, tgt.kind, short_target(m, tgt.kind, tgt.ref, tgt.az).capitalize()
                         if tgt.kind not in (TargetKind.UNKNOWN, TargetKind.OTHER)
                         else f"{tgt.kind.value} target", clip(tgt.ref, 34), tgt.label)
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
                 clip(g0.logical_id, 30))
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
            d.texts.append(DText(LEFT - 22, cur + height / 2 + 14, f"({tier_row.kind})",
                                 "tier-kind", "end"))
        for c, cell in enumerate(tier_row.cells):
            for i, row in enumerate(cell):
                s = row.subnet
                bx = LEFT + c * COL_W
                by = cur + i * (BOX_H + STACK_GAP)
                usable_text = f"{row.usable:,} usable" if row.usable is not None else "size unknown"
                box = DSubnet(
                    s.logical_id, bx, by, BOX_W, BOX_H, row.kind if row.kind in KIND_ORDER
                    else "unknown", row.cidr,
                    clip(f"{row.tier} \u00b7 {row.az} \u00b7 {usable_text}", 34),
                    clip(row.routes, 36),
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
        nati = f"NAT {nat_inst.instance_type or 'instance'}" if nat_inst else "NAT instance"
        text = {"natgw": "NAT gateway", "natgw-private": "NAT gw (private)", "nati": nati}[kind]
        badge = DBadge(ref, holder.x + 8 + i * (BADGE_W + 6), holder.y + holder.h - BADGE_H - 6,
                       BADGE_W, BADGE_H, clip(text, 16), kind, f"{ref} ({text})")
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
                     clip(line1, 34), clip(line2, 33), title)
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
            d.links.append(DLink(f"M{xs:.1f},{y0:.1f} L{badge_cx:.1f},{y1:.1f}", link_kind,
                                 sub.logical_id, obj.target.ref,
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
    d.vpc = (LEFT - 12, vpc_top, grid_right - LEFT + 24, grid_bottom - vpc_top, clip(vpc_label, 60))
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


