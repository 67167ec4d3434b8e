"""What every part of the template parser shares: the reader of one
template (:class:`TemplateReader`: resources by type, notes per VPC) and small
value parsers (protocols, AZ keys, service names, lists of refs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from vpc_patterns.check.cfn import ExportIndex, Resolver, Template
from vpc_patterns.check.model import RouteTable, TargetKind
from vpc_patterns.plan.naming import TAG_CDK_SUBNET_NAME, TAG_CDK_SUBNET_TYPE

# Tags the library puts on subnets (other templates may lack them): one home,
# vpc_patterns.plan.naming.
TAG_CDK_TYPE = TAG_CDK_SUBNET_TYPE
TAG_CDK_NAME = TAG_CDK_SUBNET_NAME

CDK_KIND = {"public": "public", "private": "private", "isolated": "isolated"}
_PROTOCOL_NAMES = {"all": -1, "-1": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def parse_protocol(res: Resolver, value: Any) -> int | None:
    s = res.string(value)
    if s is None:
        return None
    s = s.strip().lower()
    if s in _PROTOCOL_NAMES:
        return _PROTOCOL_NAMES[s]
    try:
        return int(s)
    except ValueError:
        return None


def az_key(res: Resolver, props: Mapping[str, Any]) -> str:
    if "AvailabilityZoneId" in props:
        v = res.string(props["AvailabilityZoneId"])
        return f"id:{v}" if v else "unknown"
    az = props.get("AvailabilityZone")
    if az is None:
        return "unknown"
    literal = res.string(az)
    if literal is not None:
        return f"name:{literal}"
    if isinstance(az, Mapping) and len(az) == 1 and "Fn::Select" in az:
        v = az["Fn::Select"]
        if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 2:
            idx = res.integer(v[0])
            lst = v[1]
            if idx is not None and isinstance(lst, Mapping) and "Fn::GetAZs" in lst:
                return f"index:{idx}"
    return "unknown"


def service_of(name: str) -> str | None:
    """``com.amazonaws.<region>.s3`` -> ``s3``."""
    last = name.rsplit(".", 1)[-1].strip()
    if "${" in last:
        return None
    return last or None


def az_of(subnets: Mapping[str, Mapping[str, Any]], subnet: str | None) -> str | None:
    return subnets[subnet]["az"] if subnet is not None and subnet in subnets else None


def kind_from_routes(tables: Sequence[RouteTable], rt_id: str) -> str:
    """public (a default route to an internet gateway), private (to a NAT)
    or isolated, for subnets the template does not tag."""
    for rt in tables:
        if rt.logical_id != rt_id:
            continue
        kinds = {r.target.kind for r in rt.routes if r.cidr is not None and r.cidr.prefixlen == 0}
        if TargetKind.INTERNET_GATEWAY in kinds:
            return "public"
        if kinds & {TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE}:
            return "private"
    return "isolated"


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def refs(res: Resolver, value: Any) -> tuple[list[str], int]:
    """Logical ids of a list of refs, and how many entries were not refs."""
    items = res.items(value)
    if items is None:
        return [], 1
    ids: list[str] = []
    missing = 0
    for i in items:
        r = res.ref(i)
        if r is None:
            missing += 1
        else:
            ids.append(r)
    return ids, missing


class TemplateReader:
    """One template's resources by type, its resolver, and the notes the
    parser collects per VPC (and for the template as a whole)."""

    def __init__(self, template: Template, exports: ExportIndex | None = None) -> None:
        self.t = template
        self.r = Resolver(template, exports)
        self.exports = exports
        #: what build() found, reused by the cross-template pass
        self._parts: dict[str, Any] | None = None
        self.by_type: dict[str, list[str]] = defaultdict(list)
        for lid, res in template.resources.items():
            if isinstance(res, Mapping) and isinstance(res.get("Type"), str):
                self.by_type[res["Type"]].append(lid)
        self.notes: dict[str, list[str]] = defaultdict(list)  # vpc -> notes
        self.template_notes: list[str] = []

    def of(self, type_: str) -> list[str]:
        return self.by_type.get(type_, [])

    def vpc_of(self, lid: str) -> str | None:
        v = self.r.ref(self.r.props(lid).get("VpcId"))
        return v if self.r.type_of(v) == "AWS::EC2::VPC" else None

    def note(self, vpc: str | None, text: str) -> None:
        if vpc is None:
            self.template_notes.append(text)
        else:
            self.notes[vpc].append(text)
