"""Paths: the chain of resources that explains an answer.

A path is a tuple of :class:`Step`: ``subnet -> route table -> route ->
target (-> NAT's subnet -> its route table -> route -> internet gateway)``,
with the ACL entries and security-group rules that admitted or dropped the
traffic. Reports print ``path_text(path)`` or walk the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpc_patterns.check.acl import Segment
from vpc_patterns.check.model import AclEntry, Route, RouteTable, SgRule, Subnet, Target


@dataclass(frozen=True)
class Step:
    #: subnet | route-table | route | target | acl-entry | security-group |
    #: internet | endpoint | az | note
    kind: str
    #: logical id (or implicit name) of the resource; "" for notes
    id: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "text": self.text}


Path = tuple[Step, ...]


def path_text(path: Path) -> str:
    return " -> ".join(s.text for s in path)


def path_to_list(path: Path) -> list[dict[str, Any]]:
    return [s.to_dict() for s in path]


def subnet_step(s: Subnet) -> Step:
    return Step("subnet", s.logical_id, s.label)


def route_table_step(rt: RouteTable) -> Step:
    extra = " (implicit: holds only the local route)" if rt.implicit else ""
    return Step("route-table", rt.logical_id, f"route table {rt.logical_id}{extra}")


def route_step(r: Route) -> Step:
    return Step("route", r.logical_id, r.label)


def target_step(t: Target) -> Step:
    extra = "" if t.attached else " (not attached to this VPC)"
    return Step("target", t.ref, t.label + extra)


def segment_step(seg: Segment) -> Step:
    return Step("acl-entry", seg.entry_id, seg.label)


def entry_step(e: AclEntry) -> Step:
    return Step("acl-entry", e.logical_id, e.label)


def sg_step(rule: SgRule) -> Step:
    return Step("security-group", rule.logical_id, f"security group rule {rule.label}")


def note_step(text: str) -> Step:
    return Step("note", "", text)
