"""Security groups as data: declare a workload tier's groups, validated in pure Python.

Nothing here imports aws_cdk; :mod:`vpc_patterns.build.security_groups`
builds what :func:`plan_security_groups` accepted.

A security group is stateful (replies are always let back) and holds only
allow rules, so the mistakes worth catching are different from an ACL's:

* a rule that names the peer by address when it means "the members of that
  group": rules here name a CIDR, a managed prefix list, or another group
  (:class:`SecurityGroupSpec` in the same set, an ``sg-`` id, or a CDK
  ``ISecurityGroup``), never the IPs of a group's members;
* ingress from the whole internet (``0.0.0.0/0`` or ``::/0``): refused unless
  the rule carries ``open_to_world_reason``;
* protocol ``all``: refused in favour of explicit ports unless the rule
  carries ``all_protocols_reason``;
* a rule with no description (every rule needs one, in the characters AWS
  accepts), duplicate rules (CloudFormation fails on them at deploy time),
  more rules than AWS's per-group quota;
* more than five security groups on one network interface
  (:func:`check_interface_security_groups`).

The reasons are not decoration: the build layer records each one as the
cdk-nag acknowledgment of the finding that rule causes, on that resource only
(see :func:`nag_rule_ids`).

The module is longer than most (about 650 lines): the declared types, their
validation and the plan are one vocabulary, and every option is documented with
its default and the reason for it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.lookup import is_token
from vpc_patterns.plan.naming import pascal

# --------------------------------------------------------------------------
# AWS limits and defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: AWS's default quota of security groups per network interface. It can be
#: raised (to 16), but rules per group x groups per interface must stay within
#: 1,000, so the library holds to the default unless told otherwise.
MAX_SECURITY_GROUPS_PER_INTERFACE = 5
#: The hard maximum after a quota increase.
SECURITY_GROUPS_PER_INTERFACE_HARD_LIMIT = 16
#: AWS's default quota of inbound (and, separately, outbound) rules per group.
MAX_RULES_PER_DIRECTION = 60
#: A reason becomes a cdk-nag acknowledgment, which must say why this resource
#: is compliant in spirit (vpc_patterns.build.compliance.acknowledge asks 40+ chars).
MIN_REASON_CHARS = 40
#: Descriptions of groups and rules: up to 255 characters of this set, which is
#: all EC2 accepts in a VPC (an apostrophe fails the deploy, not the synth).
MAX_DESCRIPTION_CHARS = 255
_DESCRIPTION = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+\Z")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")
_PREFIX_LIST = re.compile(r"^pl-[0-9a-f]{8,17}\Z")
_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}\Z")
WORLD_CIDRS = ("0.0.0.0/0", "::/0")
#: Ingress from a range wider than these counts as open to the world too.
WIDE_V4_PREFIX, WIDE_V6_PREFIX = 8, 16

#: cdk-nag packs whose EC2RestrictedSSH / EC2RestrictedCommonPorts rules the
#: library acknowledges with the user's reason (NIST 800-53 r5, HIPAA Security,
#: PCI DSS 3.2.1).
_NAG_PORT_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
#: Ports cdk-nag's EC2RestrictedCommonPorts rule treats as sensitive.
NAG_COMMON_PORTS = (20, 21, 3389, 3309, 3306, 4333)


def _check_description(what: str, desc: object) -> str:
    if not isinstance(desc, str) or not desc.strip():
        raise ConfigError(f"{what}: description {desc!r} is required; say what the traffic is for")
    if len(desc) > MAX_DESCRIPTION_CHARS:
        raise ConfigError(
            f"{what}: description is {len(desc)} characters; at most {MAX_DESCRIPTION_CHARS}"
        )
    if not _DESCRIPTION.match(desc):
        bad = sorted({c for c in desc if not _DESCRIPTION.match(c)})
        raise ConfigError(
            f"{what}: description {desc!r} contains {''.join(bad)!r}, which EC2 refuses; accepted: "
            "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"
        )
    return desc


# --------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------


class PeerKind(str, Enum):
    CIDR = "cidr"
    PREFIX_LIST = "prefix-list"
    GROUP = "group"


@dataclass(frozen=True)
class SgPeer:
    """The other end of a rule. Make one with :meth:`cidr`,
    :meth:`prefix_list` or :meth:`group`; a rule also accepts a bare CIDR
    string, a ``pl-`` or ``sg-`` id, a :class:`SecurityGroupSpec` or a CDK
    ``ISecurityGroup`` and converts it (:meth:`of`).

    Args:
        kind: :class:`PeerKind`: a CIDR, a managed prefix list or a group; the
            factory sets it.
        value: the CIDR text, prefix list id, spec, spec name, ``sg-`` id or
            ``ISecurityGroup``, as the factory checked it.
    """

    kind: PeerKind
    #: CIDR text | prefix list id | spec | spec name | sg- id | ISecurityGroup
    value: Any

    @staticmethod
    def cidr(cidr: str) -> SgPeer:
        """An address range.

        Args:
            cidr: IPv4 or IPv6, written as its network address (no host
                bits), or a token.
        """
        if not isinstance(cidr, str) or "/" not in cidr:
            raise ConfigError(f"peer CIDR {cidr!r} is not a CIDR; expected e.g. '10.0.0.0/16'")
        if is_token(cidr):
            return SgPeer(PeerKind.CIDR, cidr)
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"peer CIDR {cidr!r} is not a valid IPv4 or IPv6 CIDR") from None
        if ipaddress.ip_interface(cidr).ip != net.network_address:
            raise ConfigError(f"peer CIDR {cidr!r} has host bits set; the network is {str(net)!r}")
        return SgPeer(PeerKind.CIDR, str(net))

    @staticmethod
    def prefix_list(prefix_list_id: str) -> SgPeer:
        """A managed prefix list.

        Args:
            prefix_list_id: ``pl-...`` (or a token).
        """
        if not isinstance(prefix_list_id, str) or not (
            _PREFIX_LIST.match(prefix_list_id) or is_token(prefix_list_id)
        ):
            raise ConfigError(
                f"managed prefix list id {prefix_list_id!r} is not of the form "
                "'pl-0123456789abcdef0'"
            )
        return SgPeer(PeerKind.PREFIX_LIST, prefix_list_id)

    @staticmethod
    def group(group: Any) -> SgPeer:
        """Another security group, by group (never its members' addresses).

        Args:
            group: a :class:`SecurityGroupSpec`, the name of a spec in the same
                set, an ``sg-`` id, or an ``ISecurityGroup``.
        """
        if isinstance(group, SecurityGroupSpec):
            return SgPeer(PeerKind.GROUP, group)
        if isinstance(group, str):
            if _GROUP_ID.match(group) or is_token(group) or _NAME.match(group):
                return SgPeer(PeerKind.GROUP, group)
            raise ConfigError(
                f"security group reference {group!r} is neither an id ('sg-0123456789abcdef0') "
                "nor the name of a SecurityGroupSpec"
            )
        if hasattr(group, "security_group_id"):
            return SgPeer(PeerKind.GROUP, group)
        raise ConfigError(
            f"security group reference {group!r} is not a SecurityGroupSpec, a spec name, an "
            "'sg-' id or an aws_ec2.ISecurityGroup"
        )

    @staticmethod
    def of(value: Any) -> SgPeer:
        """The peer a rule's bare value means.

        Args:
            value: an :class:`SgPeer` (kept), a :class:`SecurityGroupSpec` or
                ``ISecurityGroup``, or a string: ``pl-...``, ``sg-...`` or a
                CIDR.
        """
        if isinstance(value, SgPeer):
            return value
        if isinstance(value, SecurityGroupSpec) or hasattr(value, "security_group_id"):
            return SgPeer.group(value)
        if isinstance(value, str):
            if value.startswith("pl-"):
                return SgPeer.prefix_list(value)
            if value.startswith("sg-"):
                return SgPeer.group(value)
            if "/" in value:
                return SgPeer.cidr(value)
            raise ConfigError(
                f"peer {value!r} is not a CIDR ('10.0.0.0/16'), a prefix list id ('pl-...') or a "
                f"group id ('sg-...'); to name a SecurityGroupSpec use SgPeer.group({value!r})"
            )
        raise ConfigError(
            f"peer {value!r} must be a CIDR, a prefix list id, a SecurityGroupSpec or an "
            "ISecurityGroup (rules name groups by group, never by their members' IPs)"
        )

    @property
    def is_world(self) -> bool:
        """Exactly 0.0.0.0/0 or ::/0 (what cdk-nag's rules look for)."""
        return self.kind is PeerKind.CIDR and self.value in WORLD_CIDRS

    @property
    def is_internet_wide(self) -> bool:
        """The world, or a range so wide it is the world in all but name
        (an IPv4 prefix shorter than /8, an IPv6 prefix shorter than /16:
        ``0.0.0.0/1`` plus ``128.0.0.0/1`` must not dodge the check)."""
        if self.kind is not PeerKind.CIDR or is_token(str(self.value)):
            return False
        net = ipaddress.ip_network(self.value, strict=False)
        return net.prefixlen < (WIDE_V4_PREFIX if net.version == 4 else WIDE_V6_PREFIX)

    def label(self) -> str:
        if self.kind is PeerKind.GROUP:
            v = self.value
            if isinstance(v, SecurityGroupSpec):
                return f"group {v.name}"
            if isinstance(v, str):
                return f"group {v}"
            return f"group {(getattr(v, 'node', None) and v.node.path) or v.security_group_id}"
        if self.kind is PeerKind.PREFIX_LIST:
            return f"prefix list {self.value}"
        return str(self.value)


# --------------------------------------------------------------------------
# Rules and groups
# --------------------------------------------------------------------------


class SgProtocol(str, Enum):
    TCP = "tcp"
    UDP = "udp"
    #: every ICMP type and code (ICMPv6 for an IPv6 peer)
    ICMP = "icmp"
    #: every protocol and port; refused unless ``all_protocols_reason`` is given
    ALL = "all"


@dataclass(frozen=True)
class SgRule:
    """One allow rule: ``SgRule(peer, ports, description)``.

    Args:
        peer: the other end: an :class:`SgPeer`, or a value :meth:`SgPeer.of`
            converts (CIDR, ``pl-``/``sg-`` id, spec, ``ISecurityGroup``).
        ports: ``(from, to)`` or one port, for tcp and udp; ``None`` for icmp
            and all.
        description: what the traffic is for, in the characters EC2 accepts.
        protocol: ``"tcp"``, ``"udp"``, ``"icmp"`` or ``"all"``. Default:
            ``"tcp"``: what almost every service speaks; ``all`` needs a reason.
        open_to_world_reason: why ingress from 0.0.0.0/0 or ::/0 is right (40+
            characters); it becomes the cdk-nag acknowledgment of that rule.
            Default: ``None``: ingress from the whole internet is refused, and
            a reason is refused on any other rule.
        all_protocols_reason: why protocol ``all`` is right (40+ characters).
            Default: ``None``: protocol ``all`` is refused without one, and a
            reason is refused for any other protocol.
    """

    peer: SgPeer
    ports: tuple[int, int] | None
    description: str
    protocol: SgProtocol = SgProtocol.TCP
    open_to_world_reason: str | None = None
    all_protocols_reason: str | None = None

    if TYPE_CHECKING:
        # For type checkers only: the constructor also takes any value
        # SgPeer.of converts, one port as an int and the protocol as a string;
        # __post_init__ converts them, so the attributes have the field types.
        def __init__(
            self,
            peer: Any,
            ports: tuple[int, int] | int | None,
            description: str,
            protocol: SgProtocol | str = SgProtocol.TCP,
            open_to_world_reason: str | None = None,
            all_protocols_reason: str | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        what = f"security group rule {self.description!r}"
        _check_description(what, self.description)
        object.__setattr__(self, "peer", SgPeer.of(self.peer))
        try:
            proto = SgProtocol(self.protocol)
        except ValueError:
            raise ConfigError(
                f"{what}: protocol {self.protocol!r} is unknown; accepted: "
                + ", ".join(p.value for p in SgProtocol)
            ) from None
        object.__setattr__(self, "protocol", proto)
        ports = self.ports
        if proto in (SgProtocol.ICMP, SgProtocol.ALL):
            if ports is not None:
                raise ConfigError(
                    f"{what}: ports {ports!r} given for protocol {proto.value!r}; "
                    "ports apply to tcp and udp only: use ports=None"
                )
        else:
            if isinstance(ports, int) and not isinstance(ports, bool):
                ports = (ports, ports)
            if isinstance(ports, list):
                ports = tuple(ports)
            if (
                not isinstance(ports, tuple)
                or len(ports) != 2
                or any(isinstance(p, bool) or not isinstance(p, int) for p in ports)
            ):
                raise ConfigError(
                    f"{what}: ports {ports!r} must be a port or a pair (from, to) for {proto.value}"
                )
            for p in ports:
                if not 0 <= p <= 65535:
                    raise ConfigError(f"{what}: port {p} is out of range; accepted 0..65535")
            if ports[0] > ports[1]:
                raise ConfigError(
                    f"{what}: port range {ports[0]}-{ports[1]} is out of order; "
                    f"write it as ({ports[1]}, {ports[0]})"
                )
            object.__setattr__(self, "ports", ports)
        for attr in ("open_to_world_reason", "all_protocols_reason"):
            reason = getattr(self, attr)
            if reason is not None and (
                not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_CHARS
            ):
                raise ConfigError(
                    f"{what}: {attr} {reason!r} is too short; give at least {MIN_REASON_CHARS} "
                    "characters saying why (it is recorded as the cdk-nag acknowledgment)"
                )
        if self.all_protocols_reason is not None and proto is not SgProtocol.ALL:
            raise ConfigError(
                f"{what}: all_protocols_reason is given but the protocol is "
                f"{proto.value!r}; drop the reason"
            )

    def summary(self, *, ingress: bool) -> str:
        what = self.protocol.value
        if self.ports is not None:
            lo, hi = self.ports
            what += f" {lo}" if lo == hi else f" {lo}-{hi}"
        return f"{what} {'from' if ingress else 'to'} {self.peer.label()}"

    @property
    def ipv6(self) -> bool:
        return self.peer.kind is PeerKind.CIDR and ":" in str(self.peer.value)

    def cfn_protocol_and_ports(self) -> tuple[str, int | None, int | None]:
        """``(IpProtocol, FromPort, ToPort)`` as CloudFormation wants them."""
        if self.protocol is SgProtocol.ALL:
            return "-1", None, None
        if self.protocol is SgProtocol.ICMP:
            return ("icmpv6" if self.ipv6 else "icmp"), -1, -1
        assert self.ports is not None  # tcp and udp: __post_init__ requires ports
        lo, hi = self.ports
        return self.protocol.value, lo, hi

    def _key(self) -> tuple:
        v = self.peer.value
        ref = (
            v.name
            if isinstance(v, SecurityGroupSpec)
            else v
            if isinstance(v, str)
            else ("object", id(v))
        )
        return (self.peer.kind, ref, self.cfn_protocol_and_ports())


@dataclass(frozen=True)
class SecurityGroupSpec:
    """A security group, declared: ``SecurityGroupSpec(name, description,
    ingress=[SgRule...], egress=[SgRule...])``.

    There is no implicit egress: a group with no egress rules sends nothing
    (the build layer removes AWS's default allow-all rule).

    Args:
        name: letters, digits and ``-``; it names the construct (renaming
            replaces the group) and the ``Name`` tag.
        description: the group's purpose, in EC2's character set.
        ingress: the :class:`SgRule` list the group admits. Default: ``()``:
            nothing comes in unless a rule says so.
        egress: the :class:`SgRule` list the group may send. Default: ``()``:
            it sends nothing; AWS's allow-all egress is not kept, so every
            outbound flow is a declared rule.
    """

    name: str
    description: str
    ingress: Sequence[SgRule] = field(default=())
    egress: Sequence[SgRule] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ConfigError(
                f"security group name {self.name!r} is not accepted; use 1-64 letters, digits or "
                "'-', starting with a letter"
            )
        _check_description(f"security group {self.name!r}", self.description)
        for attr in ("ingress", "egress"):
            rules = getattr(self, attr)
            if (
                isinstance(rules, SgRule)
                or isinstance(rules, (str, bytes))
                or not isinstance(rules, Iterable)
            ):
                raise ConfigError(f"security group {self.name!r}: {attr} must be a list of SgRule")
            rules = tuple(rules)
            for r in rules:
                if not isinstance(r, SgRule):
                    raise ConfigError(
                        f"security group {self.name!r}: {attr} entry {r!r} is not an SgRule"
                    )
            object.__setattr__(self, attr, rules)
            ingress = attr == "ingress"
            direction = "ingress" if ingress else "egress"
            if len(rules) > MAX_RULES_PER_DIRECTION:
                raise ConfigError(
                    f"security group {self.name!r} has {len(rules)} {direction} rules; "
                    "AWS's quota is "
                    f"{MAX_RULES_PER_DIRECTION} per direction: use prefix lists or group references"
                )
            seen: dict[tuple, SgRule] = {}
            for r in rules:
                where = (
                    f"security group {self.name!r} {direction} rule {r.description!r} "
                    f"({r.summary(ingress=ingress)})"
                )
                if r.peer.is_internet_wide and ingress and r.open_to_world_reason is None:
                    raise ConfigError(
                        f"{where} is open to the world ({r.peer.value}); refused unless you give "
                        f"open_to_world_reason='...' ({MIN_REASON_CHARS}+ characters: why this "
                        "must be reachable from the whole internet, e.g. an internet-facing load "
                        "balancer)"
                    )
                if r.open_to_world_reason is not None and not (r.peer.is_internet_wide and ingress):
                    raise ConfigError(
                        f"{where} has open_to_world_reason but is not ingress from 0.0.0.0/0, "
                        "::/0 or a range wider than /8 (IPv6 /16); drop the reason"
                    )
                if r.protocol is SgProtocol.ALL and r.all_protocols_reason is None:
                    raise ConfigError(
                        f"{where} uses protocol 'all'; list the ports the workload needs (e.g. "
                        "protocol='tcp', ports=(5432, 5432)), or give all_protocols_reason='...' "
                        f"({MIN_REASON_CHARS}+ characters)"
                    )
                if isinstance(r.peer.value, SecurityGroupSpec) and r.peer.value.name == self.name:
                    raise ConfigError(
                        f"{where} names its own group by object; use SgPeer.group({self.name!r}) "
                        "(by name) for a rule between members of the same group"
                    )
                k = r._key()
                if k in seen:
                    raise ConfigError(
                        f"{where} duplicates rule {seen[k].description!r}; EC2 refuses duplicate "
                        "rules at deploy time"
                    )
                seen[k] = r

    @property
    def construct_id(self) -> str:
        return pascal(self.name)

    # frozen dataclasses with sequences: hash by name (unique within a set)
    def __hash__(self) -> int:
        return hash(("SecurityGroupSpec", self.name))


# --------------------------------------------------------------------------
# A set of groups, resolved
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedSgRule:
    """A rule of a group in the set, with its peer resolved."""

    group: str
    ingress: bool
    index: int
    rule: SgRule
    #: for group peers inside the set: the peer spec's name; else None
    peer_group: str | None
    #: cdk-nag rule ids this rule makes fire, acknowledged with its reason
    nag_rule_ids: tuple[str, ...]

    @property
    def inline(self) -> bool:
        """CIDR and prefix-list rules live in the group resource; group-to-group
        rules are separate resources (so two groups may name each other)."""
        return self.rule.peer.kind is not PeerKind.GROUP

    @property
    def reason(self) -> str:
        parts = [r for r in (self.rule.open_to_world_reason, self.rule.all_protocols_reason) if r]
        return " / ".join(parts)


@dataclass(frozen=True)
class SecurityGroupsPlan:
    groups: tuple[SecurityGroupSpec, ...]
    rules: tuple[PlannedSgRule, ...]

    def group(self, name: str) -> SecurityGroupSpec:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def rules_of(self, name: str, *, ingress: bool | None = None) -> tuple[PlannedSgRule, ...]:
        return tuple(
            r for r in self.rules if r.group == name and (ingress is None or r.ingress == ingress)
        )


def nag_rule_ids(rule: SgRule, *, ingress: bool) -> tuple[str, ...]:
    """The cdk-nag findings (AwsSolutions, NIST 800-53 r5, HIPAA, PCI DSS 3.2.1)
    a rule causes, mirroring the packs' checks: EC23 for ingress from /0;
    EC2RestrictedSSH for ingress from /0 that covers port 22, is ICMP
    (ports -1) or is every protocol; EC2RestrictedCommonPorts for every-protocol
    ingress from any peer, or TCP ingress from 0.0.0.0/0 covering a port of
    :data:`NAG_COMMON_PORTS`. Egress rules cause none."""
    if not ingress:
        return ()
    ids: list[str] = []
    world = rule.peer.is_world
    proto, lo, hi = rule.cfn_protocol_and_ports()
    if world:
        ids.append("AwsSolutions-EC23")
        if proto == "-1" or lo == -1 or (lo is not None and hi is not None and lo <= 22 <= hi):
            ids += [f"{p}-EC2RestrictedSSH" for p in _NAG_PORT_PACKS]
    common = proto == "-1" or (
        proto == "tcp"
        and rule.peer.value == "0.0.0.0/0"
        and any(lo <= p <= hi for p in NAG_COMMON_PORTS)  # type: ignore[operator]
    )
    if common:
        ids += [f"{p}-EC2RestrictedCommonPorts" for p in _NAG_PORT_PACKS]
    return tuple(ids)


def plan_security_groups(groups: Sequence[SecurityGroupSpec]) -> SecurityGroupsPlan:
    """Validate a set of groups together: unique names, every group named by a
    rule is in the set (or is an id / ISecurityGroup from outside)."""
    if isinstance(groups, SecurityGroupSpec) or not isinstance(groups, Iterable):
        raise ConfigError(f"groups {groups!r} must be a list of SecurityGroupSpec")
    groups = tuple(groups)
    if not groups:
        raise ConfigError("groups is empty; give at least one SecurityGroupSpec")
    names: dict[str, str] = {}
    for g in groups:
        if not isinstance(g, SecurityGroupSpec):
            raise ConfigError(f"groups entry {g!r} is not a SecurityGroupSpec")
        folded = g.construct_id.lower()
        if folded in names:
            raise ConfigError(
                f"security group name {g.name!r} duplicates {names[folded]!r} (names must "
                "be unique ignoring case and '-', since they become construct ids)"
            )
        names[folded] = g.name
    by_name = {g.name: g for g in groups}
    planned: list[PlannedSgRule] = []
    for g in groups:
        for ingress, rules in ((True, g.ingress), (False, g.egress)):
            for i, r in enumerate(rules):
                peer_group: str | None = None
                v = r.peer.value
                if r.peer.kind is PeerKind.GROUP:
                    if isinstance(v, SecurityGroupSpec):
                        if by_name.get(v.name) is not v and by_name.get(v.name) != v:
                            raise ConfigError(
                                f"security group {g.name!r} rule {r.description!r} names "
                                "group spec "
                                f"{v.name!r}, which is not among the groups being built; add it to "
                                "the list, or reference an existing group by id"
                            )
                        peer_group = v.name
                    elif isinstance(v, str) and not _GROUP_ID.match(v) and not is_token(v):
                        if v not in by_name:
                            raise ConfigError(
                                f"security group {g.name!r} rule {r.description!r} names group "
                                f"{v!r}, which is not in the set; groups: {', '.join(by_name)}"
                            )
                        peer_group = v
                planned.append(
                    PlannedSgRule(
                        group=g.name,
                        ingress=ingress,
                        index=i,
                        rule=r,
                        peer_group=peer_group,
                        nag_rule_ids=nag_rule_ids(r, ingress=ingress),
                    )
                )
    return SecurityGroupsPlan(groups=groups, rules=tuple(planned))


# --------------------------------------------------------------------------
# Five groups per interface
# --------------------------------------------------------------------------


def _group_key(g: Any) -> object:
    if isinstance(g, SecurityGroupSpec):
        return ("spec", g.name)
    if isinstance(g, str):
        return g
    gid = getattr(g, "security_group_id", None)
    if isinstance(gid, str):
        return gid
    gid = getattr(g, "attr_group_id", None)  # an L1 CfnSecurityGroup
    if isinstance(gid, str):
        return gid
    return ("object", id(g))


def check_interface_security_groups(
    groups: Sequence[Any], where: str, *, limit: int = MAX_SECURITY_GROUPS_PER_INTERFACE
) -> tuple[Any, ...]:
    """Refuse more than ``limit`` security groups on one network interface.

    Call it for every instance, launch template, ENI or interface endpoint the
    library creates or is handed, with ``where`` naming it (a construct path
    is best). Groups may be ids, tokens, specs, L1 or L2 groups; the same
    group listed twice counts once. Returns the distinct groups, in order.

    :param limit: your account's quota if raised (at most 16).
    """
    if not isinstance(where, str) or not where:
        raise ConfigError(
            f"where {where!r} must name the network interface (e.g. its construct path)"
        )
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or not 1 <= limit <= SECURITY_GROUPS_PER_INTERFACE_HARD_LIMIT
    ):
        raise ConfigError(
            f"limit {limit!r} must be 1..{SECURITY_GROUPS_PER_INTERFACE_HARD_LIMIT} (AWS default "
            f"{MAX_SECURITY_GROUPS_PER_INTERFACE})"
        )
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
        raise ConfigError(f"security groups of {where!r} must be a list, got {groups!r}")
    distinct: dict[object, Any] = {}
    for g in groups:
        distinct.setdefault(_group_key(g), g)
    n = len(distinct)
    if n > limit:
        raise ConfigError(
            f"network interface {where!r} would have {n} security groups; AWS allows {limit} per "
            f"network interface"
            f"{' (the default quota; raisable to 16)' if limit == 5 else ''}: merge "
            "groups, or pass limit= if your quota is raised"
        )
    return tuple(distinct.values())
