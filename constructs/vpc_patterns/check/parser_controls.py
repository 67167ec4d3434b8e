"""VPC Block Public Access and Encryption Controls, read from templates.

:func:`read_controls` finds, in one template, the account/region BPA options
(``AWS::EC2::VPCBlockPublicAccessOptions``), the exclusions
(``AWS::EC2::VPCBlockPublicAccessExclusion``, for a VPC or a subnet, by
``Ref`` or ``Fn::ImportValue``) and the ``AWS::EC2::VPCEncryptionControl``
resources. :func:`attach_controls` gives a :class:`~.model.VpcModel` the
:class:`VpcControls` that apply to it among templates read together (BPA
options of any of them: they are account- and region-wide; templates read
together are taken to share an account and region) and notes what they mean.
:func:`bpa_effect` says what BPA does to one internet path.

What BPA does follows the Amazon VPC User Guide: ``block-bidirectional``
blocks all traffic of internet gateways (a NAT gateway's too: it needs the
internet gateway); ``block-ingress`` blocks what comes from the internet and
lets NAT gateways carry outbound traffic; an ``allow-bidirectional``
exclusion lifts the block, an ``allow-egress`` one lifts it for outbound
traffic under ``block-bidirectional`` only. The subnet that counts is the one
whose interface meets the internet gateway: the subnet itself for a direct
route, the NAT's subnet for a route through a NAT.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vpc_patterns.check.acl import PortMap
from vpc_patterns.check.answers import NO, UNKNOWN, InternetPath
from vpc_patterns.check.model import Target, TargetKind, VpcModel
from vpc_patterns.check.paths import Step

BPA_OPTIONS = "AWS::EC2::VPCBlockPublicAccessOptions"
BPA_EXCLUSION = "AWS::EC2::VPCBlockPublicAccessExclusion"
ENCRYPTION_CONTROL = "AWS::EC2::VPCEncryptionControl"
#: ``*ExclusionInput`` property -> the library's exclusion name
_ENCRYPTION_INPUTS = {
    "InternetGatewayExclusionInput": "internet_gateway",
    "EgressOnlyInternetGatewayExclusionInput": "egress_only_internet_gateway",
    "NatGatewayExclusionInput": "nat_gateway",
    "VirtualPrivateGatewayExclusionInput": "virtual_private_gateway",
    "VpcPeeringExclusionInput": "vpc_peering",
    "LambdaExclusionInput": "lambda",
    "ElasticFileSystemExclusionInput": "elastic_file_system",
    "VpcLatticeExclusionInput": "vpc_lattice",
}
#: A resource in a template: (template path, logical id).
Where = tuple[str, str]


@dataclass(frozen=True)
class BpaOptions:
    template: str
    template_name: str
    logical_id: str
    #: block-bidirectional | block-ingress | None (not determined)
    mode: str | None

    @property
    def label(self) -> str:
        return f"{self.template_name}/{self.logical_id}"


@dataclass(frozen=True)
class BpaExclusion:
    template: str
    template_name: str
    logical_id: str
    #: allow-bidirectional | allow-egress | None (not determined)
    mode: str | None
    vpc: Where | None = None
    subnet: Where | None = None
    #: what names the VPC or subnet when the templates do not resolve it
    unresolved: str = ""

    @property
    def label(self) -> str:
        return f"{self.template_name}/{self.logical_id}"


@dataclass(frozen=True)
class EncryptionControl:
    template_name: str
    logical_id: str
    vpc: Where | None
    #: monitor | enforce | None (not determined)
    mode: str | None
    exclusions: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateControls:
    """What one template holds."""

    options: tuple[BpaOptions, ...] = ()
    exclusions: tuple[BpaExclusion, ...] = ()
    encryption: tuple[EncryptionControl, ...] = ()


@dataclass(frozen=True)
class VpcControls:
    """The controls that apply to one VPC."""

    bpa: BpaOptions | None = None
    #: several BPA options read together (one per account and region): their labels
    bpa_conflict: tuple[str, ...] = ()
    exclusions: tuple[BpaExclusion, ...] = ()
    #: exclusions whose VPC or subnet the templates do not determine
    unresolved: tuple[BpaExclusion, ...] = ()
    encryption: EncryptionControl | None = None


def _where(b: Any, value: Any, want: str) -> tuple[Where | None, str]:
    lid = b.r.ref(value)
    if lid is not None and b.r.type_of(lid) == want:
        return (b.t.path, lid), ""
    exp = b.r.imported(value)
    if exp is not None and exp.logical_id is not None and exp.resource_type == want:
        return (exp.template.path, exp.logical_id), ""
    if value is None:
        return None, ""
    if b.r.is_import(value):
        return None, b.r.import_problem(value)
    return None, b.r.text(value)


def read_controls(b: Any) -> TemplateControls:
    """The BPA options, exclusions and Encryption Controls of the template of
    parser ``b`` (a :class:`~.parser.Builder`)."""
    t = b.t
    options = tuple(BpaOptions(t.path, t.name, lid,
                               b.r.string(b.r.props(lid).get("InternetGatewayBlockMode")))
                    for lid in b.of(BPA_OPTIONS))
    exclusions = []
    for lid in b.of(BPA_EXCLUSION):
        p = b.r.props(lid)
        vpc, why_v = _where(b, p.get("VpcId"), "AWS::EC2::VPC")
        subnet, why_s = _where(b, p.get("SubnetId"), "AWS::EC2::Subnet")
        why = why_v or why_s
        if vpc is None and subnet is None and not why:
            why = "neither VpcId nor SubnetId"
        exclusions.append(BpaExclusion(t.path, t.name, lid,
                                       b.r.string(p.get("InternetGatewayExclusionMode")),
                                       vpc, subnet, why))
    encryption = []
    for lid in b.of(ENCRYPTION_CONTROL):
        p = b.r.props(lid)
        vpc, _ = _where(b, p.get("VpcId"), "AWS::EC2::VPC")
        excl = tuple(name for prop, name in _ENCRYPTION_INPUTS.items()
                     if b.r.string(p.get(prop)) == "enable")
        encryption.append(EncryptionControl(t.name, lid, vpc, b.r.string(p.get("Mode")), excl))
    return TemplateControls(options, tuple(exclusions), tuple(encryption))


def attach_controls(model: VpcModel, reads: Sequence[TemplateControls]) -> VpcModel:
    """``model`` with the controls of ``reads`` (templates read together)
    that apply to it, and notes on what they mean. Unchanged when none apply."""
    options = [o for r in reads for o in r.options]
    here: Where = (model.template, model.logical_id)
    subnets = {s.logical_id for s in model.subnets}
    mine, unresolved = [], []
    for r in reads:
        for e in r.exclusions:
            if e.vpc == here or (e.subnet and e.subnet[0] == model.template
                                 and e.subnet[1] in subnets):
                mine.append(e)
            elif e.unresolved:
                unresolved.append(e)
    enc = [c for r in reads for c in r.encryption if c.vpc == here]
    if not options and not mine and not enc:
        return model
    bpa = options[0] if len(options) == 1 else None
    conflict = tuple(o.label for o in options) if len(options) > 1 else ()
    controls = VpcControls(bpa, conflict, tuple(mine), tuple(unresolved) if options else (),
                           enc[0] if enc else None)
    notes = list(model.notes) + _notes(model, controls, options, enc)
    return dataclasses.replace(model, controls=controls, notes=tuple(dict.fromkeys(notes)))


def _notes(model: VpcModel, c: VpcControls, options: Sequence[BpaOptions],
           enc: Sequence[EncryptionControl]) -> list[str]:
    out: list[str] = []
    if c.bpa_conflict:
        out.append("several VPC Block Public Access options are read together "
                   f"({', '.join(c.bpa_conflict)}); there is one per account and region: "
                   "internet paths are left open questions")
    elif c.bpa is not None:
        where = ("" if c.bpa.template == model.template else
                 f" from template {c.bpa.template_name} (taken to be this VPC's account and "
                 "region)")
        out.append(f"VPC Block Public Access {c.bpa.label} is on{where}: "
                   f"{c.bpa.mode or 'mode not determined by the template'}")
        for tier in model.tiers():
            subs = [s for s in model.subnets_of(tier) if s.kind == "public"]
            if subs and any(_exclusion_of(c, model, s.logical_id) is None for s in subs):
                out.append(f"public tier {tier} has no VPC Block Public Access exclusion: the "
                           f"block ({c.bpa.mode or 'mode unknown'}) applies to its subnets "
                           "(nothing from the internet reaches them)")
    for e in c.unresolved:
        out.append(f"VPC Block Public Access exclusion {e.label} names a VPC or subnet the "
                   f"templates do not determine ({e.unresolved}); it may apply to this VPC")
    for x in enc[1:]:
        out.append(f"several Encryption Controls name this VPC: {x.logical_id} besides "
                   f"{enc[0].logical_id}")
    if c.encryption is not None:
        ec = c.encryption
        excl = ", ".join(ec.exclusions) or "none"
        out.append(f"VPC Encryption Controls {ec.template_name}/{ec.logical_id}: mode "
                   f"{ec.mode or 'not determined'}; exclusions: {excl}")
        if ec.mode == "enforce":
            has = {"internet_gateway": any(s.kind == "public" for s in model.subnets),
                   "nat_gateway": bool(model.nat_gateways),
                   "virtual_private_gateway": bool(model.vpn_connections),
                   "vpc_peering": bool(model.peerings)}
            blocked = [k for k, v in has.items() if v and k not in ec.exclusions]
            if blocked:
                out.append("enforce mode drops the traffic of this VPC's "
                           f"{', '.join(k.replace('_', ' ') for k in blocked)} (no exclusion)")
            if model.nat_instances:
                out.append("enforce mode admits NAT instances only if their instance type "
                           "encrypts in transit (not decidable from the template)")
    return out


def _exclusion_of(c: VpcControls, model: VpcModel, subnet_id: str) -> BpaExclusion | None:
    for e in c.exclusions:
        if e.subnet == (model.template, subnet_id):
            return e
    for e in c.exclusions:
        if e.vpc == (model.template, model.logical_id):
            return e
    return None


@dataclass(frozen=True)
class BpaEffect:
    """What BPA does to one path: ``blocked`` True / False / None (cannot
    tell), why, and the steps (the BPA resources) to add to the path."""

    blocked: bool | None
    reason: str
    steps: tuple[Step, ...]


def _allows(mode: str, exclusion: str | None, direction: str, via: str) -> bool:
    if exclusion == "allow-bidirectional":
        return True
    if mode == "block-bidirectional":
        return exclusion == "allow-egress" and direction == "egress"
    # block-ingress: nothing in; out only through NAT gateways (allow-egress has no effect)
    return direction == "egress" and via == "nat-gateway"


def bpa_effect(model: VpcModel, subnet_id: str, direction: str, via: str) -> BpaEffect | None:
    """BPA's effect on an internet path of ``model`` whose interface at the
    internet gateway is in ``subnet_id``; ``via``: ``igw`` (a direct route),
    ``nat-gateway`` or ``nat-instance``. None: no BPA applies."""
    c: VpcControls | None = getattr(model, "controls", None)
    if c is None or (c.bpa is None and not c.bpa_conflict):
        return None
    if c.bpa is None:
        return BpaEffect(None, "several VPC Block Public Access options are read together "
                         f"({', '.join(c.bpa_conflict)})", ())
    opt = Step("block-public-access", c.bpa.label,
               f"VPC Block Public Access {c.bpa.label} ({c.bpa.mode or 'mode unknown'})")
    if c.bpa.mode not in ("block-bidirectional", "block-ingress"):
        return BpaEffect(None, f"VPC Block Public Access {c.bpa.label} has a mode the template "
                         "does not determine", (opt,))
    e = _exclusion_of(c, model, subnet_id)
    steps = [opt]
    if e is not None:
        steps.append(Step("block-public-access", e.label,
                          f"BPA exclusion {e.label} ({e.mode or 'mode unknown'}) of "
                          f"{'subnet ' + subnet_id if e.subnet else 'the VPC'}"))
        if e.mode is None:
            return BpaEffect(None, f"BPA exclusion {e.label} has a mode the template does not "
                             "determine", tuple(steps))
    what = {"igw": "internet gateway", "nat-gateway": "NAT gateway",
            "nat-instance": "NAT instance"}[via]
    if _allows(c.bpa.mode, e.mode if e else None, direction, via):
        return BpaEffect(False, "", tuple(steps))
    if c.unresolved:
        return BpaEffect(None, f"VPC Block Public Access ({c.bpa.mode}) blocks this {direction} "
                         f"unless exclusion {c.unresolved[0].label}, whose target the templates "
                         "do not determine, covers it", tuple(steps))
    where = f"subnet {subnet_id}"
    how = (f"exclusion {e.label} ({e.mode}) does not lift it" if e is not None
           else f"{where} has no exclusion")
    return BpaEffect(True, f"blocked by VPC Block Public Access {c.bpa.label} ({c.bpa.mode}) at "
                     f"the {what} of {where}: {how}", tuple(steps))


def with_bpa(model: VpcModel, path: InternetPath, subnet_id: str, target: Target) -> InternetPath:
    """``path`` (from or to ``subnet_id`` by a route to ``target``) under
    BPA: blocked (no), open (its BPA resources added to the steps) or, when
    the templates do not determine BPA, unknown. Unchanged when BPA does not
    apply or the path is already closed."""
    if path.verdict == NO:
        return path
    via = {TargetKind.INTERNET_GATEWAY: "igw", TargetKind.NAT_GATEWAY: "nat-gateway",
           TargetKind.NAT_INSTANCE: "nat-instance"}.get(target.kind)
    facing = subnet_id if via == "igw" else target.subnet
    if via is None or facing is None:
        return path
    eff = bpa_effect(model, facing, path.direction, via)
    if eff is None:
        return path
    steps = path.steps + eff.steps
    if eff.blocked is False:
        return dataclasses.replace(path, steps=steps)
    return dataclasses.replace(path, verdict=NO if eff.blocked else UNKNOWN, reason=eff.reason,
                               steps=steps, ports=PortMap(), counted_ports=PortMap())
