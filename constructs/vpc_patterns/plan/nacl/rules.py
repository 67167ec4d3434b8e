"""Network ACL rules: what one numbered entry is, how AWS evaluates a list of
them, and the limits AWS puts on them.

How AWS evaluates a network ACL
-------------------------------
An ACL is *stateless* and has two independent rule lists, inbound and
outbound. A packet is compared with the rules of its direction in ascending
rule number; the first rule that matches decides (allow or deny) and the rest
are never looked at; a packet no rule matches is denied (the ``*`` rule).
A rule matches on protocol, on the *destination* port (TCP and UDP) and on the
peer's CIDR (the source for inbound rules, the destination for outbound ones).
Because nothing is remembered, the reply to every admitted packet must be
admitted again, by a rule of the other direction, on the peer's *ephemeral*
port (see :data:`EPHEMERAL_PORTS`).

ICMP rules may name one ICMP type (and code): ``icmp=(3, 4)`` is "destination
unreachable, fragmentation needed", the message path-MTU discovery depends on
(``-1`` is every type or code, as in CloudFormation's ``Icmp`` property).

Every :class:`AclRule` is checked when made: number 1..32766, action,
protocol, ports 0..65535 with from <= to, ICMP type and code -1..255, a valid
CIDR written as its network address, a description.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from enum import Enum
from typing import TYPE_CHECKING

from vpc_patterns.errors import ConfigError

# --------------------------------------------------------------------------
# Limits and ranges, each with the reason for it.
# --------------------------------------------------------------------------

#: AWS accepts rule numbers 1..32766; 32767 is the implicit deny-all ``*`` rule.
MIN_RULE_NUMBER, MAX_RULE_NUMBER = 1, 32766
#: Library rules are this far apart (100, 200, ...) so a user can insert up to
#: 99 rules between any two of them without renumbering anything.
LIBRARY_RULE_STEP = 100
#: The range replies come back to. AWS's guidance for ACLs: it covers Linux
#: (32768-60999), Windows Server 2008 and later (49152-65535), and Elastic Load
#: Balancing, NAT gateways and Lambda (1024-65535).
EPHEMERAL_PORTS: tuple[int, int] = (1024, 65535)
#: AWS's default quota: 20 rules per ACL per direction (raisable to 40).
#: Rules past the quota fail at deploy time, so the plan refuses them.
DEFAULT_RULES_PER_DIRECTION = 20
#: The hard maximum AWS allows after a quota increase.
MAX_RULES_PER_DIRECTION = 40
#: Longest rule description kept (descriptions live in the plan and in the
#: CloudFormation metadata; NACL entries themselves carry none).
MAX_DESCRIPTION_CHARS = 255

ANY_IPV4 = "0.0.0.0/0"

#: ICMP (IPv4) types and codes the library's rules and proofs name.
ICMP_ECHO_REPLY = 0
ICMP_DESTINATION_UNREACHABLE = 3
ICMP_FRAGMENTATION_NEEDED = 4  # code of type 3: "fragmentation needed and DF set"
ICMP_ECHO_REQUEST = 8
#: ``icmp=`` of a rule that matches every ICMP type and code.
ICMP_ANY: tuple[int, int] = (-1, -1)
#: ``icmp=`` of path-MTU discovery's message (RFC 1191).
ICMP_FRAGMENTATION_NEEDED_TYPE_CODE: tuple[int, int] = (
    ICMP_DESTINATION_UNREACHABLE, ICMP_FRAGMENTATION_NEEDED)


class AclAction(str, Enum):
    ALLOW = "allow"
    DENY = "deny"


class AclProtocol(str, Enum):
    """What a rule matches. ``icmp`` matches every ICMP type and code unless
    the rule names one (:attr:`AclRule.icmp`); ``all`` matches every IP
    protocol and every port."""

    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ALL = "all"


#: IANA protocol numbers, as CloudFormation's ``NetworkAclEntry.Protocol``
#: wants them (ICMP over IPv6 is 58, see :attr:`AclRule.protocol_number`).
PROTOCOL_NUMBERS: Mapping[AclProtocol, int] = {
    AclProtocol.TCP: 6,
    AclProtocol.UDP: 17,
    AclProtocol.ICMP: 1,
    AclProtocol.ALL: -1,
}
ICMPV6_PROTOCOL_NUMBER = 58


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AclRule:
    """One numbered ACL entry.

    ``AclRule(150, "deny", "tcp", (22, 22), "203.0.113.0/24", description="...")``

    Args:
        number: 1..32766; lower numbers are evaluated first.
        action: ``"allow"`` or ``"deny"``.
        protocol: ``"tcp"``, ``"udp"``, ``"icmp"`` or ``"all"``.
        ports: ``(from, to)`` destination ports, 0..65535, from <= to, for tcp
            and udp (an int ``p`` means ``(p, p)``); ``None`` for icmp and all.
        cidr: the peer: source of an inbound rule, destination of an outbound
            one. IPv4 or IPv6, written as its network address.
        egress: ``True`` for an outbound rule. Default: ``False``: inbound,
            the direction most rules a user adds are about.
        description: why the rule exists; shown in findings and in the plan
            table.
        reply: the rule exists to admit replies to flows opened from the other
            direction (the ephemeral range, typically): the return-traffic
            check then asks no replies for its packets, and checks instead that
            it admits only replies (see the module doc). Default: ``False``: a
            rule admits requests, whose replies the check must find admitted.
        icmp: ``(type, code)`` an ICMP rule matches, ``-1`` for every type or
            code, e.g. ``(3, 4)`` (fragmentation needed) or ``(8, -1)`` (echo
            request); ICMPv6 types on an IPv6 CIDR. Only with protocol
            ``icmp``. Default: ``None``: every ICMP type and code.
    """

    number: int
    action: AclAction
    protocol: AclProtocol
    ports: tuple[int, int] | None
    cidr: str
    _: KW_ONLY
    egress: bool = False
    description: str
    reply: bool = False
    icmp: tuple[int, int] | None = None

    if TYPE_CHECKING:
        # For type checkers only: the constructor also takes the action and the
        # protocol as strings and one port as an int; __post_init__ converts
        # them, so the attributes have the types the fields declare.
        def __init__(
            self,
            number: int,
            action: AclAction | str,
            protocol: AclProtocol | str,
            ports: tuple[int, int] | int | None,
            cidr: str,
            *,
            egress: bool = False,
            description: str,
            reply: bool = False,
            icmp: tuple[int, int] | None = None,
        ) -> None: ...

    def __post_init__(self) -> None:
        n = self.number
        desc = self.description
        label = f"NACL rule {n!r}" + (f" ({desc!r})" if isinstance(desc, str) and desc else "")
        if isinstance(n, bool) or not isinstance(n, int):
            raise ConfigError(
                f"{label}: number {n!r} must be an integer {MIN_RULE_NUMBER}..{MAX_RULE_NUMBER}"
            )
        if not MIN_RULE_NUMBER <= n <= MAX_RULE_NUMBER:
            raise ConfigError(
                f"{label}: number {n} is out of range; accepted "
                f"{MIN_RULE_NUMBER}..{MAX_RULE_NUMBER} "
                "(32767 is AWS's implicit deny-all rule)"
            )
        try:
            object.__setattr__(self, "action", AclAction(self.action))
        except ValueError:
            raise ConfigError(
                f"{label}: action {self.action!r} is unknown; accepted: allow, deny"
            ) from None
        try:
            object.__setattr__(self, "protocol", AclProtocol(self.protocol))
        except ValueError:
            raise ConfigError(
                f"{label}: protocol {self.protocol!r} is unknown; accepted: "
                + ", ".join(p.value for p in AclProtocol)
            ) from None
        object.__setattr__(self, "ports", _check_ports(self.ports, self.protocol, label))
        object.__setattr__(self, "icmp", _check_icmp(self.icmp, self.protocol, label))
        if not isinstance(self.egress, bool):
            raise ConfigError(
                f"{label}: egress {self.egress!r} must be True (outbound) or False (inbound)"
            )
        if not isinstance(self.reply, bool):
            raise ConfigError(
                f"{label}: reply {self.reply!r} must be True (admits replies) or False"
            )
        if self.reply and self.action != AclAction.ALLOW:
            raise ConfigError(
                f"{label}: reply=True marks an allow rule that admits replies; a deny "
                "rule admits nothing, drop reply=True"
            )
        if not isinstance(desc, str) or not desc.strip():
            raise ConfigError(f"{label}: description {desc!r} must say why the rule exists")
        if len(desc) > MAX_DESCRIPTION_CHARS:
            raise ConfigError(
                f"{label}: description is {len(desc)} characters; at most {MAX_DESCRIPTION_CHARS}"
            )
        object.__setattr__(self, "cidr", _parse_cidr(self.cidr, label))

    # -- derived ----------------------------------------------------------
    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr)

    @property
    def protocol_number(self) -> int:
        """The CloudFormation ``Protocol`` value (ICMP over IPv6 is 58)."""
        if self.protocol is AclProtocol.ICMP and self.network.version == 6:
            return ICMPV6_PROTOCOL_NUMBER
        return PROTOCOL_NUMBERS[AclProtocol(self.protocol)]

    @property
    def icmp_type_code(self) -> tuple[int, int]:
        """The CloudFormation ``Icmp`` value ``(type, code)``; ``(-1, -1)``
        for every type and code (and for rules that are not ICMP)."""
        return ICMP_ANY if self.icmp is None else self.icmp

    @property
    def direction(self) -> str:
        return "outbound" if self.egress else "inbound"

    def summary(self) -> str:
        """``allow tcp 443 from 0.0.0.0/0`` -- the rule in words."""
        what = self.protocol.value if isinstance(self.protocol, AclProtocol) else str(self.protocol)
        if self.ports is not None:
            lo, hi = self.ports
            what += f" {lo}" if lo == hi else f" {lo}-{hi}"
        if self.icmp is not None:
            t, c = self.icmp
            what += f" type {t}" + ("" if c == -1 else f" code {c}")
        peer = "to" if self.egress else "from"
        act = self.action.value if isinstance(self.action, AclAction) else str(self.action)
        return f"{act} {what} {peer} {self.cidr}" + (" (replies)" if self.reply else "")

    def __str__(self) -> str:
        return f"{self.direction} rule {self.number} ({self.summary()}, {self.description!r})"


def _check_ports(ports: object, protocol: AclProtocol, label: str) -> tuple[int, int] | None:
    if protocol in (AclProtocol.ICMP, AclProtocol.ALL):
        if ports is not None:
            raise ConfigError(
                f"{label}: ports {ports!r} given for protocol {protocol.value!r}; ports apply to "
                "tcp and udp only (icmp and all match every port): use ports=None"
            )
        return None
    if ports is None:
        raise ConfigError(
            f"{label}: protocol {protocol.value!r} needs ports=(from, to), e.g. (443, 443), or "
            "(0, 65535) for every port"
        )
    if isinstance(ports, int) and not isinstance(ports, bool):
        ports = (ports, ports)
    if isinstance(ports, list):
        ports = tuple(ports)
    if (
        not isinstance(ports, tuple)
        or len(ports) != 2
        or any(isinstance(p, bool) or not isinstance(p, int) for p in ports)
    ):
        raise ConfigError(f"{label}: ports {ports!r} must be a pair of integers (from, to)")
    lo, hi = ports
    for p in (lo, hi):
        if not 0 <= p <= 65535:
            raise ConfigError(
                f"{label}: port {p} in ports {ports!r} is out of range; accepted 0..65535"
            )
    if lo > hi:
        raise ConfigError(
            f"{label}: port range {lo}-{hi} is out of order; write it as ({hi}, {lo})"
        )
    return (lo, hi)


def _check_icmp(icmp: object, protocol: AclProtocol, label: str) -> tuple[int, int] | None:
    if icmp is None:
        return None
    if protocol is not AclProtocol.ICMP:
        raise ConfigError(
            f"{label}: icmp {icmp!r} given for protocol {protocol.value!r}; an ICMP type and "
            "code apply to protocol 'icmp' only: use icmp=None"
        )
    if isinstance(icmp, list):
        icmp = tuple(icmp)
    if (
        not isinstance(icmp, tuple)
        or len(icmp) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in icmp)
        or not all(-1 <= v <= 255 for v in icmp)
    ):
        raise ConfigError(
            f"{label}: icmp {icmp!r} must be (type, code), each -1..255 (-1: every type or "
            "code), e.g. (3, 4) for fragmentation needed"
        )
    t, c = icmp
    if t == -1 and c != -1:
        raise ConfigError(
            f"{label}: icmp {icmp!r} names code {c} of every type; give the type too, e.g. "
            f"(3, {c}), or (-1, -1) for every type and code"
        )
    # (-1, -1) is every type and code: the same rule as icmp=None, written one way.
    return None if t == -1 else (t, c)


def _parse_cidr(cidr: object, label: str) -> str:
    """The canonical text of a CIDR (IPv4 or IPv6), or ConfigError."""
    if not isinstance(cidr, str) or "/" not in cidr:
        raise ConfigError(
            f"{label}: cidr {cidr!r} is not a CIDR; expected e.g. '10.0.0.0/16', '0.0.0.0/0' "
            "or '2001:db8::/32'"
        )
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ConfigError(
            f"{label}: cidr {cidr!r} is not a valid IPv4 or IPv6 CIDR; expected e.g. '10.0.0.0/16'"
        ) from None
    if ipaddress.ip_interface(cidr).ip != net.network_address:
        raise ConfigError(
            f"{label}: cidr {cidr!r} has host bits set; the network address is {str(net)!r}"
        )
    return str(net)
