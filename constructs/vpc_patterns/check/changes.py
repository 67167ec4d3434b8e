"""Change safety: what deploying a new template over the previous one would
replace, delete or open up, in the words of the consequence (pure Python).

Reported, per stack (templates are matched by stack name):

* a **subnet** replaced or deleted: the replacement is created before the old
  subnet is deleted, so a block that overlaps a subnet still in place makes
  the create fail; otherwise the old subnet's deletion fails while network
  interfaces live in it and the workloads must move by hand;
* a **NAT gateway** replaced or deleted: egress stops while routes move; a
  replacement that must reuse the Elastic IP the old gateway still holds
  fails;
* an **Elastic IP** replaced or deleted: the egress address changes and
  allow-lists at partners break;
* a **log group** or **bucket** replaced or deleted: what happens to the data
  (``UpdateReplacePolicy`` / ``DeletionPolicy``), and a create that fails on a
  name still taken;
* a **VPN connection**, **customer gateway** or **virtual private gateway**
  replaced or deleted: new tunnel addresses, the on-premises configuration
  must be re-rendered; a replacement on the same gateway with the same tunnel
  inside CIDRs is refused;
* a **VPC** replaced or deleted;
* a subnet that **loses its network ACL** association: it falls back to the
  VPC's default network ACL, which allows all traffic.

What replaces a resource is CloudFormation's own rule (create-only properties,
dated in :mod:`.replacement`); a reference to a replaced resource carries the
replacement on (a replaced subnet replaces the NAT gateway in it). A change
the templates cannot resolve is reported as "may be replaced". Tags,
retention, metadata and other in-place updates report nothing.

The subnets' labels (tier, AZ, block) come from the record the library keeps
in each subnet's metadata (:mod:`vpc_patterns.plan.records`), else from the
tier/AZ tags, else the logical id.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vpc_patterns.check.cfn import Resolver, Template, load_paths
from vpc_patterns.check.replacement import (
    CHANGED,
    CREATE_ONLY,
    MISSING,
    SAME,
    UNKNOWN,
    ValueComparer,
    combine,
    references,
)
from vpc_patterns.plan.naming import TAG_AZ, TAG_TIER
from vpc_patterns.plan.records import read_subnet_record

SUBNET = "AWS::EC2::Subnet"
NAT_GATEWAY = "AWS::EC2::NatGateway"
EIP = "AWS::EC2::EIP"
LOG_GROUP = "AWS::Logs::LogGroup"
BUCKET = "AWS::S3::Bucket"
VPN_CONNECTION = "AWS::EC2::VPNConnection"
CUSTOMER_GATEWAY = "AWS::EC2::CustomerGateway"
VPN_GATEWAY = "AWS::EC2::VPNGateway"
VPC = "AWS::EC2::VPC"
ACL_ASSOCIATION = "AWS::EC2::SubnetNetworkAclAssociation"

#: Rule name of each reported resource type (also the id to acknowledge in
#: the validation plugin: ``vpc-patterns-changes::SubnetReplaced``).
RULES: Mapping[str, str] = {
    SUBNET: "SubnetReplaced",
    NAT_GATEWAY: "NatGatewayReplaced",
    EIP: "ElasticIpReplaced",
    LOG_GROUP: "LogGroupReplaced",
    BUCKET: "BucketReplaced",
    VPN_CONNECTION: "VpnConnectionReplaced",
    CUSTOMER_GATEWAY: "CustomerGatewayReplaced",
    VPN_GATEWAY: "VpnGatewayReplaced",
    VPC: "VpcReplaced",
}
SUBNET_CONFLICT_RULE = "SubnetBlockConflict"
ACL_RULE = "NetworkAclRemoved"
ALL_RULES: tuple[str, ...] = (*RULES.values(), SUBNET_CONFLICT_RULE, ACL_RULE)
#: Order of the warnings of one stack: the network first, then what is in it.
_RULE_ORDER = {rule: i for i, rule in enumerate((
    "VpcReplaced", "SubnetReplaced", SUBNET_CONFLICT_RULE, ACL_RULE, "NatGatewayReplaced",
    "ElasticIpReplaced", "VpnGatewayReplaced", "CustomerGatewayReplaced",
    "VpnConnectionReplaced", "LogGroupReplaced", "BucketReplaced"))}

#: What to do about each rule (the validation report's "suggested fix").
FIXES: Mapping[str, str] = {
    "SubnetReplaced": "keep the subnet's construct id, AZ and block (add tiers or AZ slots "
                      "instead of re-planning), or move its workloads out before the deploy",
    "NatGatewayReplaced": "keep the NAT gateway's subnet and Elastic IP; if it must move, "
                          "remove it in one deploy and add it back in the next",
    "ElasticIpReplaced": "keep the Elastic IP's construct id, or update the partners' "
                         "allow-lists before the deploy",
    "LogGroupReplaced": "keep the log group's construct id and name; retain it "
                        "(logs_removal_policy=RETAIN) if it must go",
    "BucketReplaced": "keep the bucket's construct id and name; retain it if it must go",
    "VpnConnectionReplaced": "keep the VPN's routing, gateway and tunnel options; otherwise "
                             "plan the outage and re-render the on-premises configuration",
    "CustomerGatewayReplaced": "keep the customer gateway's address, ASN and type",
    "VpnGatewayReplaced": "keep the virtual private gateway's ASN and type",
    "VpcReplaced": "keep the VPC's construct id and CIDR (add secondary blocks instead)",
    "SubnetBlockConflict": "give the new subnet a block no existing subnet uses, or delete "
                           "the old subnet in an earlier deploy",
    "NetworkAclRemoved": "keep network_acls=True, or give the subnet an ACL of its own",
}

REPLACED, MAY_BE_REPLACED, DELETED = "is replaced", "may be replaced", "is deleted"

_DEFAULT_ACL = ("it falls back to the VPC's default network ACL, which allows all inbound and "
                "outbound traffic (unless that ACL was changed outside CloudFormation): the "
                "subnet-level layer under the security groups is gone")


@dataclass(frozen=True)
class ChangeWarning:
    """One consequence of deploying the new template over the previous one."""

    stack: str
    rule: str
    #: logical id in the new template (the previous one's, for a deletion)
    logical_id: str
    resource_type: str
    #: the resource in words, e.g. "subnet private/az1 10.0.16.0/20"
    resource: str
    #: "is replaced", "may be replaced", "is deleted", or for the ACL rule
    #: "loses its network ACL"
    verdict: str
    #: what in the change causes it
    cause: str
    #: what it means on AWS
    consequence: str
    #: the previous logical id, when it differs (a renamed construct)
    previous_logical_id: str | None = None
    #: the properties whose change causes it
    properties: tuple[str, ...] = ()
    #: the construct path (``aws:cdk:path`` metadata) when the template has it
    construct_path: str | None = None

    @property
    def ids(self) -> str:
        if self.previous_logical_id and self.previous_logical_id != self.logical_id:
            return f"{self.previous_logical_id} -> {self.logical_id}"
        return self.logical_id

    @property
    def message(self) -> str:
        """The warning without the stack name."""
        return f"{self.resource} ({self.ids}) {self.verdict}: {self.cause}. {self.consequence}"

    def text(self) -> str:
        return f"{self.stack}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "rule": self.rule, "logical_id": self.logical_id,
            "previous_logical_id": self.previous_logical_id,
            "resource_type": self.resource_type, "resource": self.resource,
            "verdict": self.verdict, "cause": self.cause, "consequence": self.consequence,
            "properties": list(self.properties), "construct_path": self.construct_path,
            "text": self.text(),
        }


@dataclass(frozen=True)
class ChangeReport:
    """The warnings of every stack compared, and what could not be compared."""

    warnings: tuple[ChangeWarning, ...]
    #: stack names compared (present in both sets)
    compared: tuple[str, ...]
    #: stacks present on one side only, and similar remarks
    notes: tuple[str, ...] = ()

    def format_text(self) -> str:
        lines = [w.text() for w in self.warnings]
        lines += [f"note: {n}" for n in self.notes]
        n = len(self.warnings)
        lines.append(f"change safety: {n} warning{'s' if n != 1 else ''} in "
                     f"{len(self.compared)} stack{'s' if len(self.compared) != 1 else ''} "
                     "compared")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"warnings": [w.to_dict() for w in self.warnings],
                "compared": list(self.compared), "notes": list(self.notes)}


# ---------------------------------------------------------------------------
# The comparison of one stack
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Fate:
    """What the update does to a resource present under the same logical id."""

    verdict: str  # "kept", REPLACED, MAY_BE_REPLACED
    #: (property, comparison result, why it may) for each property that counts
    causes: tuple[tuple[str, str, str | None], ...] = ()


_KEPT = _Fate("kept")


def _mapping(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


class _StackDiff:
    def __init__(self, old: Template, new: Template, stack: str) -> None:
        self.stack = stack
        self.old_t, self.new_t = old, new
        self.old, self.new = old.resources, new.resources
        self.old_res, self.new_res = Resolver(old), Resolver(new)
        self._fates: dict[str, _Fate] = {}
        self._busy: set[str] = set()
        self.cmp = ValueComparer(self.old, self.new, self.identity)
        self.renamed: dict[str, str] = {}  # old logical id -> new logical id
        self._pair()

    # -- which resource became which -------------------------------------
    def _type(self, resources: Mapping[str, Any], lid: str) -> str | None:
        t = _mapping(resources.get(lid)).get("Type")
        return t if isinstance(t, str) else None

    def _pair_key(self, res: Resolver, lid: str) -> tuple[str, ...] | None:
        r = _mapping(res.resources.get(lid))
        rtype = self._type(res.resources, lid)
        if rtype == SUBNET:
            rec = read_subnet_record(r)
            if rec is not None:
                return ("subnet", rec["tier"], rec["az"])
            tags = res.tags(lid)
            if tags.get(TAG_TIER) and tags.get(TAG_AZ):
                return ("subnet", str(tags[TAG_TIER]), str(tags[TAG_AZ]))
        props = res.props(lid)
        for name_prop in ("LogGroupName", "BucketName"):
            name = res.string(props.get(name_prop))
            if name:
                return ("name", name)
        name = res.tags(lid).get("Name")
        return ("Name", name) if name else None

    def _pair(self) -> None:
        removed = [lid for lid in self.old if lid not in self.new]
        added = [lid for lid in self.new if lid not in self.old]
        for rtype in CREATE_ONLY:
            gone = [lid for lid in removed if self._type(self.old, lid) == rtype]
            came = [lid for lid in added if self._type(self.new, lid) == rtype]
            keys_new: dict[tuple[str, ...], list[str]] = {}
            for lid in came:
                key = self._pair_key(self.new_res, lid)
                if key is not None:
                    keys_new.setdefault(key, []).append(lid)
            for lid in list(gone):
                key = self._pair_key(self.old_res, lid)
                match = keys_new.pop(key, []) if key is not None else []
                if len(match) == 1:
                    self.renamed[lid] = match[0]
                    gone.remove(lid)
                    came.remove(match[0])
            if len(gone) == 1 and len(came) == 1:
                self.renamed[gone[0]] = came[0]
        self.deleted = [lid for lid in removed if lid not in self.renamed]
        paired_new = set(self.renamed.values())
        self.added = [lid for lid in added if lid not in paired_new]

    # -- what happens to a resource kept under its logical id ------------
    def fate(self, lid: str) -> _Fate:
        if lid in self._fates:
            return self._fates[lid]
        if lid in self._busy:  # a reference cycle: CloudFormation refuses those
            return _Fate(MAY_BE_REPLACED)
        self._busy.add(lid)
        try:
            fate = self._compute_fate(lid)
        finally:
            self._busy.discard(lid)
        self._fates[lid] = fate
        return fate

    def _compute_fate(self, lid: str) -> _Fate:
        otype, ntype = self._type(self.old, lid), self._type(self.new, lid)
        if otype != ntype:
            return _Fate(REPLACED, (("Type", CHANGED, None),))
        oprops = _mapping(_mapping(self.old[lid]).get("Properties"))
        nprops = _mapping(_mapping(self.new[lid]).get("Properties"))
        spec = CREATE_ONLY.get(otype or "")
        if spec is None:
            # Not a reported type: only whether its identity may change matters
            # (for the references to it), and that is unknown once it changes.
            return _KEPT if self.cmp.compare(oprops, nprops) == SAME else \
                _Fate(MAY_BE_REPLACED)
        causes: list[tuple[str, str, str | None]] = []
        for prop in spec.replaces:
            r = self.cmp.compare(oprops.get(prop, MISSING), nprops.get(prop, MISSING))
            if r != SAME:
                causes.append((prop, r, None))
        for prop, why in spec.may_replace.items():
            r = self.cmp.compare(oprops.get(prop, MISSING), nprops.get(prop, MISSING))
            if r != SAME:
                causes.append((prop, r, why))
        if not causes:
            return _KEPT
        certain = any(r == CHANGED and why is None for _, r, why in causes)
        return _Fate(REPLACED if certain else MAY_BE_REPLACED, tuple(causes))

    def identity(self, lid: str) -> str:
        """Whether the physical resource behind ``lid`` (in both) changes."""
        verdict = self.fate(lid).verdict
        return SAME if verdict == "kept" else CHANGED if verdict == REPLACED else UNKNOWN

    # -- words -------------------------------------------------------------
    def label(self, lid: str, *, old: bool = False) -> str:
        res = self.old_res if old else self.new_res
        resources = res.resources
        rtype = self._type(resources, lid)
        r = _mapping(resources.get(lid))
        props = res.props(lid)
        name = res.tags(lid).get("Name")
        if rtype == SUBNET:
            rec = read_subnet_record(r)
            if rec is not None:
                return f"subnet {rec['tier']}/{rec['az']} {rec['cidr']}"
            tags = res.tags(lid)
            cidr = res.cidr(props.get("CidrBlock"))
            block = f" {cidr}" if cidr is not None else ""
            if tags.get(TAG_TIER) and tags.get(TAG_AZ):
                return f"subnet {tags[TAG_TIER]}/{tags[TAG_AZ]}{block}"
            return f"subnet {name}{block}" if name else f"subnet{block}"
        if rtype == NAT_GATEWAY:
            sub = res.ref(props.get("SubnetId"))
            where = f" in {self.label(sub, old=old)}" if sub and \
                self._type(resources, sub) == SUBNET else ""
            return f"NAT gateway {name}{where}" if name else f"NAT gateway{where}"
        if rtype == LOG_GROUP:
            lg = res.string(props.get("LogGroupName"))
            return f"log group {lg}" if lg else "log group"
        if rtype == BUCKET:
            b = res.string(props.get("BucketName"))
            return f"bucket {b}" if b else "bucket"
        if rtype == CUSTOMER_GATEWAY:
            ip = res.string(props.get("IpAddress"))
            return f"customer gateway {ip}" if ip else "customer gateway"
        if rtype == VPC:
            block_text = res.string(props.get("CidrBlock"))
            return " ".join(w for w in ("VPC", name, block_text) if w)
        words = {EIP: "Elastic IP", VPN_CONNECTION: "VPN connection",
                 VPN_GATEWAY: "virtual private gateway"}.get(rtype or "", rtype or "resource")
        return f"{words} {name}" if name else words

    def _path(self, lid: str, *, old: bool = False) -> str | None:
        r = _mapping((self.old if old else self.new).get(lid))
        p = _mapping(r.get("Metadata")).get("aws:cdk:path")
        return p if isinstance(p, str) else None

    def _show(self, res: Resolver, value: Any) -> str:
        """A property value for the warning: literals as they are, the
        common intrinsics in short, the rest as compact JSON."""
        if value is MISSING:
            return "(absent)"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (str, int, float)):
            return str(value)
        literal = res.string(value)
        if literal is not None:
            return literal
        if isinstance(value, Mapping) and len(value) == 1:
            (k, v), = value.items()
            if k == "Ref":
                return f"Ref {v}"
            if k == "Fn::GetAtt":
                return ".".join(v) if isinstance(v, list) else str(v)
            if (k == "Fn::Select" and isinstance(v, list) and len(v) == 2
                    and isinstance(v[1], Mapping) and "Fn::GetAZs" in v[1]):
                return f"AZ #{v[0]} of Fn::GetAZs"
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return text if len(text) <= 80 else text[:77] + "..."

    def _cause_text(self, lid: str, causes: Sequence[tuple[str, str, str | None]]) -> str:
        oprops = self.old_res.props(lid)
        nprops = self.new_res.props(lid)
        parts = []
        for prop, r, why in causes:
            o, n = oprops.get(prop, MISSING), nprops.get(prop, MISSING)
            moved = [t for t in dict.fromkeys(references(n))
                     if t in self.old and t in self.new and self.identity(t) != SAME]
            if moved and self.cmp.compare(o, n) != SAME and o == n:
                what = ", ".join(f"{self.label(t)} ({t}) {self.fate(t).verdict}"
                                 for t in moved)
                text = f"{prop} refers to {what}"
            elif r == CHANGED:
                text = f"{prop} changes {self._show(self.old_res, o)} -> " \
                       f"{self._show(self.new_res, n)}"
            else:
                text = f"{prop} changes to a value the templates do not resolve"
            if why:
                text += f" ({why})"
            parts.append(text)
        return "; ".join(parts)

    # -- the warnings --------------------------------------------------------
    def warnings(self) -> list[ChangeWarning]:
        out: list[ChangeWarning] = []
        for lid in self.new:
            if lid not in self.old:
                continue
            rtype = self._type(self.new, lid)
            if rtype is None or rtype not in RULES:
                continue
            fate = self.fate(lid)
            if fate.verdict == "kept":
                continue
            out.append(self._warning(
                lid, lid, rtype, fate.verdict, self._cause_text(lid, fate.causes),
                tuple(p for p, _, _ in fate.causes)))
        for old_lid, new_lid in self.renamed.items():
            rtype = self._type(self.new, new_lid)
            assert rtype is not None
            out.append(self._warning(
                old_lid, new_lid, rtype, REPLACED,
                f"its logical id changes {old_lid} -> {new_lid}: CloudFormation creates "
                f"{new_lid} first and deletes {old_lid} last", ()))
        for lid in self.deleted:
            rtype = self._type(self.old, lid)
            if rtype is not None and rtype in RULES:
                out.append(self._warning(lid, None, rtype, DELETED,
                                         "it is no longer in the template", ()))
        out += self._added_subnet_conflicts()
        out += self._acl_removals()
        return sorted(out, key=lambda w: _RULE_ORDER.get(w.rule, len(_RULE_ORDER)))

    def _warning(self, old_lid: str, new_lid: str | None, rtype: str, verdict: str,
                 cause: str, props: tuple[str, ...]) -> ChangeWarning:
        lid = new_lid or old_lid
        consequence = _CONSEQUENCES[rtype](self, old_lid, new_lid, verdict)
        return ChangeWarning(
            stack=self.stack, rule=RULES[rtype], logical_id=lid, resource_type=rtype,
            resource=self.label(lid, old=new_lid is None), verdict=verdict, cause=cause,
            consequence=consequence,
            previous_logical_id=old_lid if old_lid != lid else None, properties=props,
            construct_path=self._path(lid, old=new_lid is None))

    # -- subnets -----------------------------------------------------------
    def _old_subnets(self) -> list[tuple[str, ipaddress.IPv4Network | None]]:
        return [(lid, self.old_res.cidr(self.old_res.props(lid).get("CidrBlock")))
                for lid in self.old if self._type(self.old, lid) == SUBNET]

    def subnet_conflicts(self, new_lid: str) -> list[str]:
        """The old subnets (still in place while ``new_lid`` is created) in
        the same VPC whose block overlaps the new subnet's."""
        nprops = self.new_res.props(new_lid)
        block = self.new_res.cidr(nprops.get("CidrBlock"))
        if block is None:
            return []
        out = []
        for old_lid, old_block in self._old_subnets():
            if old_block is None or not block.overlaps(old_block):
                continue
            if old_lid == new_lid and self.fate(new_lid).verdict == "kept":
                continue
            same_vpc = self.cmp.compare(self.old_res.props(old_lid).get("VpcId", MISSING),
                                        nprops.get("VpcId", MISSING))
            if same_vpc == SAME:
                out.append(old_lid)
        return out

    def _added_subnet_conflicts(self) -> list[ChangeWarning]:
        out = []
        for lid in self.added:
            if self._type(self.new, lid) != SUBNET:
                continue
            clash = self.subnet_conflicts(lid)
            if not clash:
                continue
            cidr = self.new_res.cidr(self.new_res.props(lid).get("CidrBlock"))
            others = ", ".join(f"{self.label(o, old=True)} ({o})" for o in clash)
            out.append(ChangeWarning(
                stack=self.stack, rule=SUBNET_CONFLICT_RULE, logical_id=lid,
                resource_type=SUBNET, resource=self.label(lid), verdict="cannot be created",
                cause=f"its block {cidr} overlaps {others}, which still exists while new "
                      "resources are created (deletions come last)",
                consequence="EC2 refuses a subnet whose block overlaps another subnet of the "
                            "VPC: the create fails and the whole update rolls back",
                properties=("CidrBlock",), construct_path=self._path(lid)))
        return out

    def _acl_subnets(self, res: Resolver) -> set[str]:
        out = set()
        for lid in res.resources:
            if self._type(res.resources, lid) == ACL_ASSOCIATION:
                sub = res.ref(res.props(lid).get("SubnetId"))
                if sub is not None:
                    out.add(sub)
        return out

    def _acl_removals(self) -> list[ChangeWarning]:
        before, after = self._acl_subnets(self.old_res), self._acl_subnets(self.new_res)
        out = []
        for old_lid in sorted(before):
            new_lid = old_lid if old_lid in self.new and \
                self._type(self.new, old_lid) == SUBNET else self.renamed.get(old_lid)
            if new_lid is None or new_lid in after:
                continue
            out.append(ChangeWarning(
                stack=self.stack, rule=ACL_RULE, logical_id=new_lid, resource_type=SUBNET,
                resource=self.label(new_lid), verdict="loses its network ACL",
                cause="no SubnetNetworkAclAssociation names it any more",
                consequence=_DEFAULT_ACL,
                previous_logical_id=old_lid if old_lid != new_lid else None,
                construct_path=self._path(new_lid)))
        return out

    # -- helpers for the consequences ---------------------------------------
    def policy(self, lid: str, attribute: str, *, old: bool) -> str:
        v = _mapping((self.old if old else self.new).get(lid)).get(attribute)
        return v if isinstance(v, str) else "Delete"

    def same_value(self, old_lid: str, new_lid: str, prop: str) -> str:
        return self.cmp.compare(self.old_res.props(old_lid).get(prop, MISSING),
                                self.new_res.props(new_lid).get(prop, MISSING))


# ---------------------------------------------------------------------------
# Consequences, per resource type
# ---------------------------------------------------------------------------

def _if_replaced(text: str, verdict: str) -> str:
    """A consequence, hedged when the replacement is not certain."""
    if verdict != MAY_BE_REPLACED:
        return text
    return "If it is replaced: " + text[0].lower() + text[1:]


def _retained(d: _StackDiff, old_lid: str, new_lid: str | None) -> bool:
    """Whether the old physical resource is kept: ``UpdateReplacePolicy`` of
    a replacement (as in the new template), ``DeletionPolicy`` of a removal."""
    if new_lid is None:
        return d.policy(old_lid, "DeletionPolicy", old=True) in ("Retain", "RetainExceptOnCreate")
    return d.policy(new_lid, "UpdateReplacePolicy", old=False) == "Retain"


def _same_name(d: _StackDiff, old_lid: str, new_lid: str | None, prop: str) -> str | None:
    """The explicit physical name kept by a renamed resource (its create
    then fails: the name is still taken)."""
    if new_lid is None or new_lid == old_lid:
        return None
    o = d.old_res.string(d.old_res.props(old_lid).get(prop))
    n = d.new_res.string(d.new_res.props(new_lid).get(prop))
    return n if o is not None and o == n else None


def _subnet(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    if new_lid is None:
        return ("Its deletion fails while any network interface remains in it (instances, "
                "endpoints, NAT gateways, load balancers, databases, Lambda functions); what "
                "lives in it loses the tier's routes")
    clash = d.subnet_conflicts(new_lid)
    if_replaced = "" if verdict == REPLACED else "If it is replaced: "
    if clash:
        others = ", ".join("the old subnet's own block" if o == old_lid
                           else f"{d.label(o, old=True)} ({o})" for o in clash)
        return (f"{if_replaced}CloudFormation creates the replacement before it deletes the old "
                f"subnet, and the new block overlaps {others}, still in place: EC2 refuses the "
                "create and the whole update rolls back")
    return (f"{if_replaced}CloudFormation creates the replacement first and deletes the old "
            "subnet last. Nothing moves by itself: instances, network interfaces, NAT "
            "gateways, endpoints, load balancers and databases stay in the old subnet, whose "
            "deletion then fails while any network interface remains in it")


def _nat(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    if new_lid is None:
        return ("Private subnets routed to it lose their internet egress; its Elastic IP is "
                "released from it")
    text = ("Private egress through it stops while the routes move to the new gateway, and "
            "connections through it are dropped")
    if d.same_value(old_lid, new_lid, "AllocationId") == SAME and \
            d.new_res.props(new_lid).get("AllocationId") is not None:
        text += (". The replacement is created first and needs the Elastic IP the old "
                 "gateway still holds: the create fails ('already associated') and the update "
                 "rolls back; replace the Elastic IP with it (a new construct id) or remove the "
                 "gateway in one deploy and add it back in the next")
    else:
        text += ". Its egress address changes with its Elastic IP"
    return _if_replaced(text, verdict)


def _eip(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    text = ("The egress address is lost: the new address is another one, and allow-lists at "
            "partners (firewalls, SaaS IP allow-lists, DNS records) keyed on the old one break "
            "until they are updated")
    if _retained(d, old_lid, new_lid):
        text += "; the old address stays allocated (and billed) but nothing uses it"
    else:
        text += "; the old address is released and cannot be had back"
    return _if_replaced(text, verdict)


def _log_group(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    name = _same_name(d, old_lid, new_lid, "LogGroupName")
    if name:
        return (f"The create fails: a log group named {name} still exists (the old one is "
                "deleted only after the new one is created), and the update rolls back")
    if new_lid is None:
        return ("The group and its logs are kept, no longer managed by the stack"
                if _retained(d, old_lid, None) else
                "The group is deleted with all its logs (DeletionPolicy is not Retain)")
    kept = ("the old group and its logs are kept (UpdateReplacePolicy Retain) but receive no "
            "new events" if _retained(d, old_lid, new_lid) else
            "the old group is deleted with all its logs (UpdateReplacePolicy is not Retain)")
    text = (f"A new, empty log group takes the writes; {kept}; metric filters, subscriptions, "
            "alarms and saved queries on the old name see no new data")
    return _if_replaced(text, verdict)


def _bucket(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    name = _same_name(d, old_lid, new_lid, "BucketName")
    if name:
        return (f"The create fails: bucket names are global and {name} is still taken by the "
                "old bucket, and the update rolls back")
    if new_lid is None:
        return ("The bucket and its objects are kept, no longer managed by the stack"
                if _retained(d, old_lid, None) else
                "Its deletion fails while it holds objects; the bucket is left behind")
    old = ("the old bucket is kept with its objects (UpdateReplacePolicy Retain)"
           if _retained(d, old_lid, new_lid) else
           "the old bucket cannot be deleted while it holds objects and is left behind")
    text = (f"A new, empty bucket takes the writes (flow logs, access logs); the objects stay "
            f"in the old bucket; {old}")
    return _if_replaced(text, verdict)


def _tunnel_cidrs(res: Resolver, lid: str) -> set[str]:
    out = set()
    specs = res.props(lid).get("VpnTunnelOptionsSpecifications")
    for spec in specs if isinstance(specs, list) else ():
        cidr = res.string(_mapping(spec).get("TunnelInsideCidr"))
        if cidr:
            out.add(cidr)
    return out


def _vpn(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    if new_lid is None:
        return "The on-premises network loses this connection and the routes it carried"
    text = ("A new VPN connection has new tunnel outside addresses (and new pre-shared keys "
            "unless the template sets them): the on-premises device must be reconfigured "
            "(re-render it with `python -m vpc_patterns vpn-config`) and the VPN is down until "
            "it is")
    gateway = combine(d.same_value(old_lid, new_lid, p)
                      for p in ("VpnGatewayId", "TransitGatewayId"))
    shared = sorted(_tunnel_cidrs(d.old_res, old_lid) & _tunnel_cidrs(d.new_res, new_lid))
    if gateway == SAME and shared:
        text += (". The replacement is created first on the same gateway with the same tunnel "
                 f"inside CIDRs ({', '.join(shared)}), which EC2 refuses (inside CIDRs are "
                 "unique per gateway): the update fails and rolls back")
    return _if_replaced(text, verdict)


def _customer_gateway(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    if new_lid is None:
        return "The VPN connections that used it go with it"
    return ("Every VPN connection on it gets a new customer gateway id and is modified or "
            "replaced (see its own warning): the tunnels restart")


def _vpn_gateway(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    return ("The VPN connections, route propagation and Direct Connect associations on it are "
            "rebuilt; the on-premises BGP peers see a new gateway (and a new Amazon-side ASN "
            "if it changed)")


def _vpc(d: _StackDiff, old_lid: str, new_lid: str | None, verdict: str) -> str:
    return ("Every subnet, route table, gateway, endpoint and workload in it is rebuilt in a new "
            "VPC (new ids, new addresses); the old VPC cannot be deleted while anything "
            "remains in it")


_CONSEQUENCES = {
    SUBNET: _subnet, NAT_GATEWAY: _nat, EIP: _eip, LOG_GROUP: _log_group, BUCKET: _bucket,
    VPN_CONNECTION: _vpn, CUSTOMER_GATEWAY: _customer_gateway, VPN_GATEWAY: _vpn_gateway,
    VPC: _vpc,
}


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

def _as_template(t: Template | Mapping[str, Any], name: str) -> Template:
    return t if isinstance(t, Template) else Template(path=name, name=name, body=t)


def compare_templates(previous: Template | Mapping[str, Any], new: Template | Mapping[str, Any],
                      *, stack: str | None = None) -> list[ChangeWarning]:
    """The warnings of deploying ``new`` over ``previous`` (one stack: two
    :class:`Template` objects or two template bodies)."""
    name = stack or (new.name if isinstance(new, Template) else "stack")
    diff = _StackDiff(_as_template(previous, name), _as_template(new, name), name)
    return diff.warnings()


def compare_template_sets(previous: Iterable[Template], new: Iterable[Template], *,
                          pair_single: bool = True) -> ChangeReport:
    """Every stack of ``new`` compared with the template of the same stack
    name in ``previous``. With ``pair_single`` (the default), two single
    templates are compared whatever their names (a deployed template saved
    under any name)."""
    old_list, new_list = list(previous), list(new)
    if pair_single and len(old_list) == 1 and len(new_list) == 1:
        o, n = old_list[0], new_list[0]
        return ChangeReport(tuple(compare_templates(o, n, stack=n.name)), (n.name,))
    old_by = {t.name: t for t in old_list}
    warnings: list[ChangeWarning] = []
    compared: list[str] = []
    notes: list[str] = []
    for t in new_list:
        before = old_by.get(t.name)
        if before is None:
            notes.append(f"{t.name}: no previous template (a new stack): nothing to compare")
            continue
        compared.append(t.name)
        warnings += compare_templates(before, t, stack=t.name)
    new_names = {t.name for t in new_list}
    for name in sorted(set(old_by) - new_names):
        notes.append(f"{name}: in the previous templates only (not compared; deleting a stack "
                     "deletes every resource in it that is not retained)")
    return ChangeReport(tuple(warnings), tuple(compared), tuple(notes))


def compare_paths(previous: Sequence[str | Path], new: Sequence[str | Path]) -> ChangeReport:
    """:func:`compare_template_sets` over files or folders (``cdk.out``).
    Raises :class:`~vpc_patterns.check.TemplateError` on unreadable input."""
    return compare_template_sets(load_paths(previous), load_paths(new))


__all__ = [
    "ACL_RULE",
    "ALL_RULES",
    "DELETED",
    "FIXES",
    "MAY_BE_REPLACED",
    "REPLACED",
    "RULES",
    "SUBNET_CONFLICT_RULE",
    "ChangeReport",
    "ChangeWarning",
    "compare_paths",
    "compare_template_sets",
    "compare_templates",
]
