"""Templates read together: ``Fn::ImportValue`` resolved across them.

:func:`build_linked` builds every template's VPCs with the exports of all of
them: a route of one template for a route table imported from another joins
that table, a peering connection between VPCs of two loaded templates appears
on both sides, and what stays unresolved is reported as a :class:`CrossLink`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vpc_patterns.check.cfn import Export, Template, export_index
from vpc_patterns.check.model import Peering, Route, TargetKind, VpcModel
from vpc_patterns.check.parser import Builder
from vpc_patterns.check.parser_controls import (
    BpaExclusion,
    BpaOptions,
    attach_controls,
    read_controls,
)


class LinkingBuilder(Builder):
    """The parser of one template, with what the cross-template pass asks it."""

    def cross_routes(self) -> Iterator[tuple[str, Mapping[str, Any], Export]]:
        """Routes whose route table is imported from another loaded template."""
        for lid in self.of("AWS::EC2::Route"):
            p = self.r.props(lid)
            exp = self.r.imported(p.get("RouteTableId"))
            if exp is not None and exp.logical_id is not None:
                yield lid, p, exp

    def cross_route(self, lid: str, p: Mapping[str, Any], owner: VpcModel,
                    rt: str) -> tuple[Route, list[str]]:
        """A route of this template for route table ``rt`` of ``owner`` (a
        VPC of another template): its id and this template's resources are
        named ``<template>/<logical id>``."""
        parts = self._parts or {"gateways": self._gateways(), "nat_gw": self._nat_gateways({}),
                                "nat_inst": self._nat_instances({})}
        self._parts = parts
        target = self._target(p, parts["gateways"], parts["nat_gw"], parts["nat_inst"], "",
                              owner=owner.template)
        own = self.t.resources

        def qualify(x: str) -> str:
            return f"{self.t.name}/{x}" if x in own else x

        target = dataclasses.replace(
            target, ref=qualify(target.ref),
            subnet=qualify(target.subnet) if target.subnet else target.subnet,
            security_groups=tuple(qualify(g) for g in target.security_groups))
        nat_kinds = (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE)
        if target.kind in nat_kinds and target.subnet is None:
            # an imported NAT of the owner's template: its subnet and AZ are known there
            n = next((x for x in owner.nat_gateways if x.logical_id == target.ref), None)
            ni = next((x for x in owner.nat_instances if x.logical_id == target.ref), None)
            if n is not None:
                target = dataclasses.replace(target, kind=TargetKind.NAT_GATEWAY, subnet=n.subnet,
                                             az=n.az, private_nat=n.private)
            elif ni is not None:
                target = dataclasses.replace(target, kind=TargetKind.NAT_INSTANCE, subnet=ni.subnet,
                                             az=ni.az, security_groups=ni.security_groups)
        return self._route(f"{self.t.name}/{lid}", rt, p, target,
                           (f"from template {self.t.name}",))

    def cross_peerings(self) -> Iterator[tuple[str, tuple[tuple[str, str, str] | None, ...]]]:
        for lid in self.of("AWS::EC2::VPCPeeringConnection"):
            sides = self._peering_sides(lid)
            if sides is not None:
                yield lid, sides

    def cross_unresolved(self) -> list[tuple[str, str]]:
        """Imports of route tables or VPCs that no loaded template resolves
        (for a template without VPC, whose notes no model carries)."""
        out: list[tuple[str, str]] = []
        if self.exports is None:
            return out
        checks = (("AWS::EC2::Route", "RouteTableId", "route"),
                  ("AWS::EC2::VPCPeeringConnection", "VpcId", "peering connection"),
                  ("AWS::EC2::VPCPeeringConnection", "PeerVpcId", "peering connection"))
        for type_, key, what in checks:
            for lid in self.of(type_):
                value = self.r.props(lid).get(key)
                if not self.r.is_import(value):
                    continue
                exp = self.r.imported(value)
                if exp is None or exp.logical_id is None:
                    out.append((lid, f"{what} {lid}: {key}: {self.r.import_problem(value)}"))
                elif exp.resource_type != {"RouteTableId": "AWS::EC2::RouteTable"}.get(
                        key, "AWS::EC2::VPC"):
                    text = (f"{what} {lid}: {key}: Fn::ImportValue {exp.name!r} is "
                            f"{exp.resource_type} {exp.template.name}/{exp.logical_id}")
                    out.append((lid, text))
        return out

    def peering_props(self, lid: str) -> tuple[str | None, str | None]:
        p = self.r.props(lid)
        return self.r.string(p.get("PeerOwnerId")), self.r.string(p.get("PeerRegion"))

    def side_text(self, lid: str, key: str) -> str:
        value = self.r.props(lid).get(key)
        if self.r.is_import(value):
            return f"(unresolved import {self.r.import_name(value) or '?'})"
        return self.r.text(value)


@dataclass(frozen=True)
class CrossLink:
    """A resource of one template attached to (or meant for) a VPC of
    another loaded template through ``Fn::ImportValue``."""

    #: path and name of the template holding the resource
    template: str
    template_name: str
    resource: str
    #: route | peering | unresolved
    kind: str
    #: :attr:`VpcModel.key` of the VPC it joined (None: not resolved)
    vpc: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "stack": self.template_name,
                "resource": self.resource, "kind": self.kind, "vpc": self.vpc, "text": self.text}


@dataclass(frozen=True)
class LinkedModels:
    """The VPCs of templates read together, with what each template adds
    to the VPCs of the others."""

    models: tuple[VpcModel, ...]
    #: template path -> its own VPCs (every template read, in order)
    by_template: Mapping[str, tuple[VpcModel, ...]]
    links: tuple[CrossLink, ...] = ()

    def links_from(self, template_path: str) -> tuple[CrossLink, ...]:
        return tuple(x for x in self.links if x.template == template_path)

    def merged_into(self, template_path: str) -> tuple[str, ...]:
        """Keys of the VPCs the template's resources joined."""
        return tuple(dict.fromkeys(x.vpc for x in self.links_from(template_path) if x.vpc))


def build_linked(templates: Iterable[Template]) -> LinkedModels:
    """Every VPC of ``templates``, with ``Fn::ImportValue`` resolved against
    the exports of the others: a route for an imported route table joins that
    table (id ``<template>/<logical id>``, noted with its template); a peering
    connection between VPCs of loaded templates appears on both sides with the
    peer's CIDRs. Unresolvable imports stay unknown, as in one template."""
    unique: dict[str, Template] = {}
    order: list[Template] = []
    for t in templates:
        order.append(t)
        unique.setdefault(t.path, t)
    index = export_index(unique.values())
    builders = {path: LinkingBuilder(t, index) for path, t in unique.items()}
    own: dict[str, list[VpcModel]] = {path: b.build() for path, b in builders.items()}
    by_key: dict[tuple[str, str], VpcModel] = {
        (m.template, m.logical_id): m for ms in own.values() for m in ms}

    add_routes: dict[tuple[str, str], dict[str, list[Route]]] = defaultdict(
        lambda: defaultdict(list))
    add_peerings: dict[tuple[str, str], list[Peering]] = defaultdict(list)
    add_notes: dict[tuple[str, str], list[str]] = defaultdict(list)
    summary: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    links: list[CrossLink] = []

    def name_of(side: tuple[str, str, str], viewer: str) -> str:
        return side[2] if side[0] == viewer else f"{side[1]}/{side[2]}"

    for b in builders.values():
        t = b.t
        for lid, props, exp in b.cross_routes():
            rt_id = exp.logical_id
            if rt_id is None or exp.resource_type != "AWS::EC2::RouteTable":
                continue  # reported by cross_unresolved()
            owner = next((m for m in own.get(exp.template.path, ())
                          if any(rt.logical_id == rt_id and not rt.implicit
                                 for rt in m.route_tables)), None)
            if owner is None:
                links.append(CrossLink(t.path, t.name, lid, "unresolved", None,
                                       f"route {lid}: route table {exp.template.name}/"
                                       f"{rt_id} is in no VPC of its template; left out"))
                continue
            key = (owner.template, owner.logical_id)
            route, notes = b.cross_route(lid, props, owner, rt_id)
            add_routes[key][rt_id].append(route)
            add_notes[key].extend(notes)
            summary[key][t.name].append(f"route {route.destination} -> {route.target.label}"
                                        f"\0{rt_id}")
            links.append(CrossLink(t.path, t.name, lid, "route", owner.key,
                                   f"route {route.destination} -> {route.target.label} joins route "
                                   f"table {rt_id} of {owner.key}"))
        for lid, sides in b.cross_peerings():
            owner_id, region = b.peering_props(lid)
            for i, side in enumerate(sides):
                if side is None:
                    continue
                m = by_key.get((side[0], side[2]))
                if m is None:
                    continue
                other = sides[1 - i]
                om = by_key.get((other[0], other[2])) if other is not None else None
                peer_name = (name_of(other, side[0]) if other is not None
                             else b.side_text(lid, "PeerVpcId" if i == 0 else "VpcId"))
                peer_cidrs = tuple(str(c) for c in om.cidrs) if om is not None else ()
                pid = lid if side[0] == t.path else f"{t.name}/{lid}"
                requester = i == 0
                add_peerings[(m.template, m.logical_id)].append(Peering(
                    pid, peer_name, peer_cidrs, owner_id if requester else None,
                    region if requester else None))
                if side[0] != t.path:
                    summary[(m.template, m.logical_id)][t.name].append(
                        f"peering connection {pid} to {peer_name}")
                    links.append(CrossLink(t.path, t.name, lid, "peering", m.key,
                                           f"peering connection {lid}: "
                                           f"{'requester' if requester else 'accepter'} side "
                                           f"{m.key}, peer {peer_name} "
                                           f"({', '.join(peer_cidrs) or 'CIDR unknown'})"))
        for lid, text in b.cross_unresolved():
            links.append(CrossLink(t.path, t.name, lid, "unresolved", None, text))

    def merged(m: VpcModel) -> VpcModel:
        key = (m.template, m.logical_id)
        if key not in add_routes and key not in add_peerings:
            return m
        extra = add_routes.get(key, {})
        tables = tuple(dataclasses.replace(rt, routes=rt.routes + tuple(extra[rt.logical_id]))
                       if rt.logical_id in extra and not rt.implicit else rt
                       for rt in m.route_tables)
        notes = []
        for src, items in summary.get(key, {}).items():
            grouped: dict[str, list[str]] = {}
            for item in items:
                what, _, rt_id = item.partition("\0")
                grouped.setdefault(what, []).extend([rt_id] if rt_id else [])
            notes.append(f"template {src} adds through Fn::ImportValue: " + "; ".join(
                f"{what} in route table(s) {', '.join(rts)}" if rts else what
                for what, rts in grouped.items()))
        return dataclasses.replace(
            m, route_tables=tables, peerings=m.peerings + tuple(add_peerings.get(key, ())),
            notes=tuple(dict.fromkeys(m.notes + tuple(notes) + tuple(add_notes.get(key, ())))))

    # VPC Block Public Access is account- and region-wide: its options (and
    # exclusions, Encryption Controls) may live in any template read together.
    reads = [read_controls(b) for b in builders.values()]
    final = {path: tuple(attach_controls(merged(m), reads) for m in ms)
             for path, ms in own.items()}
    for r in reads:
        found: tuple[BpaOptions | BpaExclusion, ...] = (*r.options, *r.exclusions)
        for res in found:
            for m in (m for ms in final.values() for m in ms):
                if res.template != m.template and m.controls is not None and (
                        res in m.controls.exclusions or res == m.controls.bpa):
                    links.append(CrossLink(res.template, res.template_name, res.logical_id,
                                           "block-public-access", m.key,
                                           f"VPC Block Public Access {res.label} applies to "
                                           f"{m.key}"))
    models = tuple(m for t in order for m in final[t.path])
    return LinkedModels(models, {t.path: final[t.path] for t in order}, tuple(links))


def build_all(templates: Iterable[Template]) -> list[VpcModel]:
    """Every VPC of ``templates`` read together (see :func:`build_linked`)."""
    return list(build_linked(templates).models)
