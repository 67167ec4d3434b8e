"""Network intents: what a VPC must (not) allow, as plain data.

Pure Python, no CDK import. An intent is a frozen dataclass made by the
factories on :class:`Intent`::

    Intent.no_internet("isolated")
    Intent.egress_only("private")
    Intent.internet_ingress_only(["public"], [80, 443])
    Intent.egress_in_az("private")
    Intent.acl_returns_admitted()
    Intent.gateway_endpoint("s3", ["private", "isolated"])
    Intent.reaches("app", "data", [5432])          # and nothing else

Intents are recorded with the template, on the ``AWS::EC2::VPC`` resource::

    "Metadata": {"vpc_patterns": {"version": 1, "intents": [<Intent.to_dict()>, ...]}}

(:func:`intents_metadata` builds that value) and checked by
``python -m vpc_patterns verify`` (:mod:`vpc_patterns.check.evaluators` holds one
evaluator per kind; :func:`intent_kinds` lists the kinds). A VPC without
recorded intents is checked against :func:`default_intents` for the layout its
subnets' tags describe.

The module is longer than most (about 620 lines, a third of them this text and
the docstrings): the kinds, their validation, their serialisation and the
defaults are one vocabulary, read together.

What "reachable" means
----------------------
At the subnet level, through route tables and network ACLs: a path exists when
the routes lead there and every ACL on the way admits the request *and* its
reply (ACLs are stateless; the reply goes to the client's ephemeral port,
1024-65535). Security groups are per interface and not part of it (a subnet
holds no interface until something is launched there), except a NAT
instance's, which limit what goes through it. The VPC's default network ACL
admits everything, so with it, ports are limited only by security groups:
:func:`default_intents` then declares the public tier reachable on any port
(``ports=None``), and the port list once the public tier has its own ACL.

Return rules
------------
A stateless ACL must admit the ephemeral range (1024-65535) for the replies to
the connections its subnet opens, and it cannot tell such a reply from a new
connection to a port in that range. So a *return rule* is, by default
(``exempt_return_rules=True``), not counted as opening ports in
:meth:`Intent.internet_ingress_only` and :meth:`Intent.reaches` (security
groups, which are stateful, are what close them), and
:meth:`Intent.acl_returns_admitted` does not ask for replies to what only
return rules admit. A return rule is an ``AWS::EC2::NetworkAclEntry`` whose
``Metadata["vpc_patterns"]["reply"]`` is true (the construct records it);
without that record, an allow entry for TCP or UDP on a range that starts at
or above 1024 and runs to 65535. Any other entry that admits a port counts.
ICMP counts too, unless the intent says ``allow_icmp=True``.

Reply ports
-----------
:meth:`Intent.acl_returns_admitted` asks replies on the whole ephemeral range
but its ``except_ports``: by default 3389 (RDP), which an ACL that passes AWS
Control Tower's CT.EC2.PR.5 cannot admit from 0.0.0.0/0, so the library's
reply rules from anywhere are split around it
(:data:`vpc_patterns.plan.nacl.DEFAULT_REMOTE_ADMIN_PORTS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nacl.policy import DEFAULT_REMOTE_ADMIN_PORTS
from vpc_patterns.plan.nacl.rules import EPHEMERAL_PORTS
from vpc_patterns.plan.naming import METADATA_KEY
from vpc_patterns.plan.network import GATEWAY_ENDPOINT_SERVICES, SubnetKind, VpcPlan

#: Metadata key on the AWS::EC2::VPC resource, and the format version.
METADATA_VERSION = 1
#: Ports the public tier serves by default: HTTP and HTTPS (load balancers).
DEFAULT_PUBLIC_PORTS = (80, 443)
PROTOCOLS = ("tcp", "udp")
#: Reply ports :meth:`Intent.acl_returns_admitted` does not ask for: the
#: library's remote-administration ports inside the ephemeral range (RDP,
#: 3389), which no ACL entry may admit from 0.0.0.0/0 under CT.EC2.PR.5.
DEFAULT_REPLY_EXCEPT_PORTS: tuple[int, ...] = tuple(
    p for p in DEFAULT_REMOTE_ADMIN_PORTS if EPHEMERAL_PORTS[0] <= p <= EPHEMERAL_PORTS[1])

_TIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")


# ---------------------------------------------------------------------------
# Validation helpers (ConfigError names the value)
# ---------------------------------------------------------------------------


def _tier(value: Any, what: str = "tier") -> str:
    if not isinstance(value, str) or not _TIER.match(value):
        raise ConfigError(
            f"{what} {value!r} must be a tier name (letters, digits, '-', '_', '.', ':'; "
            "as in the subnets' vpc-patterns:tier tag)"
        )
    return value


def _tiers(value: Any, what: str = "tiers") -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"{what} {value!r} must be a list of tier names, e.g. [{value!r}]")
    out = tuple(_tier(v, f"{what} entry") for v in value)
    dup = sorted({t for t in out if out.count(t) > 1})
    if dup:
        raise ConfigError(f"{what} {list(out)!r} lists {dup[0]!r} more than once")
    return out


@dataclass(frozen=True, order=True)
class PortRange:
    """An inclusive port range; a single port has ``lo == hi``."""

    lo: int
    hi: int

    def to_json(self) -> int | str:
        return self.lo if self.lo == self.hi else f"{self.lo}-{self.hi}"

    def __str__(self) -> str:
        return str(self.to_json())


def _port(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ConfigError(f"{what} {value!r} must be a port number 0..65535")
    return value


def _ports(value: Any, what: str = "ports", *, allow_empty: bool = False,
           ) -> tuple[PortRange, ...]:
    """Ports as ints, ``"lo-hi"`` strings or ``(lo, hi)`` pairs."""
    if isinstance(value, (str, int)) or not isinstance(value, Iterable):
        raise ConfigError(f"{what} {value!r} must be a list of ports, e.g. [443] or ['1024-65535']")
    out: list[PortRange] = []
    for item in value:
        if isinstance(item, PortRange):
            lo, hi = item.lo, item.hi
        elif isinstance(item, str):
            m = re.fullmatch(r"\s*([0-9]{1,5})\s*(?:-\s*([0-9]{1,5})\s*)?", item)
            if not m:
                raise ConfigError(f"{what} entry {item!r} is not a port or a 'lo-hi' range")
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            lo, hi = item
        else:
            lo = hi = item
        lo = _port(lo, f"{what} entry")
        hi = _port(hi, f"{what} entry")
        if lo > hi:
            raise ConfigError(f"{what} entry {item!r}: range {lo}-{hi} runs backwards")
        out.append(PortRange(lo, hi))
    if not out and not allow_empty:
        raise ConfigError(f"{what} {value!r} is empty; give at least one port")
    return tuple(sorted(set(out)))


def _protocol(value: Any) -> str:
    if value not in PROTOCOLS:
        raise ConfigError(f"protocol {value!r} is not accepted; accepted: {', '.join(PROTOCOLS)}")
    return str(value)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} {value!r} must be True or False")
    return value


def _service(value: Any) -> str:
    if value not in GATEWAY_ENDPOINT_SERVICES:
        raise ConfigError(
            f"gateway endpoint service {value!r} is unknown; AWS offers gateway endpoints only "
            f"for {', '.join(GATEWAY_ENDPOINT_SERVICES)}"
        )
    return str(value)


def _ports_text(ports: Sequence[PortRange] | None) -> str:
    return "any port" if ports is None else ", ".join(str(p) for p in ports)


# ---------------------------------------------------------------------------
# Intents
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """Base of every intent; use the factories (``Intent.no_internet(...)``)."""

    kind: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[Intent]]] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.kind:
            Intent._registry[cls.kind] = cls

    # -- serialisation ------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple) and v and isinstance(v[0], PortRange):
                v = [p.to_json() for p in v]
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @staticmethod
    def from_dict(data: Any) -> Intent:
        """Rebuild an intent from :meth:`to_dict` output; ConfigError names
        what is wrong.

        Args:
            data: a mapping with the intent's ``kind`` and its fields.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"intent {data!r} must be an object with a 'kind'")
        kind = data.get("kind")
        cls = Intent._registry.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise ConfigError(
                f"intent kind {kind!r} is unknown; accepted: {', '.join(sorted(Intent._registry))}"
            )
        names = {f.name for f in fields(cls)}
        extra = sorted(set(data) - names - {"kind"})
        if extra:
            raise ConfigError(f"intent {kind!r} has unknown field {extra[0]!r}; accepted: "
                              f"{', '.join(sorted(names)) or 'none'}")
        try:
            return cls._make(**{k: v for k, v in data.items() if k != "kind"})
        except TypeError as err:
            raise ConfigError(f"intent {dict(data)!r}: {err}") from None

    @classmethod
    def _make(cls, **kw: Any) -> Intent:  # overridden where fields need validating
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """Short form for listings: ``no_internet(isolated)``."""
        args = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("tier", "src", "dst", "service"):
                args.append(str(v))
                continue
            if f.name not in ("tiers", "ports") and f.default is not MISSING and v == f.default:
                continue
            if isinstance(v, tuple):
                v = "[" + ", ".join(str(x) for x in v) + "]"
            args.append(f"{f.name}={v}")
        return f"{self.kind}({', '.join(args)})"

    # -- factories ----------------------------------------------------------
    @staticmethod
    def no_internet(tier: str) -> NoInternet:
        """The tier has no path to or from the internet.

        Args:
            tier: the tier's name.
        """
        return NoInternet(_tier(tier))

    @staticmethod
    def egress_only(tier: str) -> EgressOnly:
        """Every subnet of the tier reaches the internet, and the internet
        reaches none of them. "Reaches" means at least TCP 443 (HTTPS)
        with its reply: egress on UDP or another port alone fails.

        Args:
            tier: the tier's name.
        """
        return EgressOnly(_tier(tier))

    @staticmethod
    def internet_ingress_only(tiers: Iterable[str], ports: Iterable[int | str] | None = None, *,
                              protocol: str = "tcp", allow_icmp: bool = False,
                              exempt_return_rules: bool = True) -> InternetIngressOnly:
        """Nothing is reachable from the internet except these tiers, and
        those only on ``ports`` of ``protocol``, plus ICMP when ``allow_icmp``.

        Args:
            tiers: the tiers the internet may reach.
            ports: the ports it may reach them on. Default: ``None``: any port,
                for a public tier without its own ACL, where only security
                groups limit the ports.
            protocol: ``"tcp"`` or ``"udp"``, the protocol of ``ports``.
                Default: ``"tcp"``: what almost every service speaks.
            allow_icmp: ICMP is allowed too. Default: ``False``: ICMP from
                elsewhere is a path to prove absent unless asked for.
            exempt_return_rules: an ACL return rule (the ephemeral range for
                replies) does not count as opening ports (see the module doc).
                Default: ``True``: a stateless ACL must admit replies and cannot
                tell them from new connections; the stateful security groups
                close those ports.
        """
        return InternetIngressOnly(
            _tiers(tiers), None if ports is None else _ports(ports), _protocol(protocol),
            _flag(allow_icmp, "allow_icmp"), _flag(exempt_return_rules, "exempt_return_rules"),
        )

    @staticmethod
    def egress_in_az(tier: str) -> EgressInAz:
        """Each subnet's routes to the internet target a NAT in its own AZ.

        Args:
            tier: the tier's name.
        """
        return EgressInAz(_tier(tier))

    @staticmethod
    def tiers_match_topology() -> TiersMatchTopology:
        """Every subnet's routes make it the kind of tier it is planned as
        (public: internet addresses to an internet gateway; private: to a
        NAT; isolated: neither), and its tags agree with the plan's record.
        ``verify`` checks it on every VPC, recorded or not: tiers come from
        the plan's record (tags are labels anyone can edit in place)."""
        return TiersMatchTopology()

    @staticmethod
    def workloads_reach_their_needs() -> WorkloadsReachTheirNeeds:
        """What the template places in the VPC reaches what it cannot run
        without, through its security groups and the network: an ECS
        service's tasks reach the image registry (ECR's ``ecr.api`` and
        ``ecr.dkr``) and S3 (the image layers) on TCP 443, through the
        interface endpoints where the VPC has them, the S3 gateway endpoint,
        or the internet. ``verify`` adds it to every VPC that holds such a
        workload."""
        return WorkloadsReachTheirNeeds()

    @staticmethod
    def acl_returns_admitted(*, except_ports: Iterable[int | str] = DEFAULT_REPLY_EXCEPT_PORTS,
                             ) -> AclReturnsAdmitted:
        """Every flow the ACLs admit has its reply admitted on the ephemeral
        range 1024-65535 but ``except_ports``.

        Args:
            except_ports: reply ports not asked for. Default: ``(3389,)``
                (:data:`DEFAULT_REPLY_EXCEPT_PORTS`): RDP, which an ACL that
                passes CT.EC2.PR.5 cannot admit from 0.0.0.0/0, so a client
                replied to on 3389 from outside gets nothing (a NAT gateway
                picks it about once in 64,512 connections); ``()`` asks for the
                whole range.
        """
        return AclReturnsAdmitted(_ports(except_ports, "except_ports", allow_empty=True))

    @staticmethod
    def gateway_endpoint(service: str, tiers: Iterable[str]) -> GatewayEndpointIntent:
        """Traffic to ``service`` takes the gateway endpoint from every subnet
        of these tiers.

        Args:
            service: ``s3`` or ``dynamodb``.
            tiers: the tiers whose subnets must use the endpoint.
        """
        return GatewayEndpointIntent(_service(service), _tiers(tiers))

    @staticmethod
    def reaches(src_tier: str, dst_tier: str, ports: Iterable[int | str], only: bool = True, *,
                protocol: str = "tcp", allow_icmp: bool = False,
                exempt_return_rules: bool = True) -> Reaches:
        """Every subnet of ``src_tier`` reaches every subnet of ``dst_tier`` on
        ``ports`` (request and reply admitted); with ``only``, on nothing else
        (any protocol; ICMP too unless ``allow_icmp``).

        Args:
            src_tier: the tier the connections start from.
            dst_tier: the tier they reach.
            ports: the ports that must be reachable.
            only: nothing but ``ports`` is reachable. Default: ``True``: an
                intent that proves a path should also prove nothing more is
                open (least privilege).
            protocol: ``"tcp"`` or ``"udp"``, the protocol of ``ports``.
                Default: ``"tcp"``: what almost every service speaks.
            allow_icmp: ICMP is allowed too. Default: ``False``: ICMP from
                elsewhere is a path to prove absent unless asked for.
            exempt_return_rules: an ACL return rule (the ephemeral range for
                replies) does not count as opening ports (see the module doc).
                Default: ``True``: a stateless ACL must admit replies and cannot
                tell them from new connections; the stateful security groups
                close those ports.
        """
        return Reaches(_tier(src_tier, "src_tier"), _tier(dst_tier, "dst_tier"), _ports(ports),
                       _flag(only, "only"), _protocol(protocol), _flag(allow_icmp, "allow_icmp"),
                       _flag(exempt_return_rules, "exempt_return_rules"))


@dataclass(frozen=True)
class NoInternet(Intent):
    kind: ClassVar[str] = "no_internet"
    tier: str

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.no_internet(**kw)

    def describe(self) -> str:
        return f"tier {self.tier} has no path to or from the internet"


@dataclass(frozen=True)
class EgressOnly(Intent):
    kind: ClassVar[str] = "egress_only"
    tier: str

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.egress_only(**kw)

    def describe(self) -> str:
        return f"tier {self.tier} reaches the internet and is not reachable from it"


@dataclass(frozen=True)
class InternetIngressOnly(Intent):
    kind: ClassVar[str] = "internet_ingress_only"
    tiers: tuple[str, ...]
    ports: tuple[PortRange, ...] | None = None
    protocol: str = "tcp"
    allow_icmp: bool = False
    exempt_return_rules: bool = True

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        tiers = kw.pop("tiers", None)
        ports = kw.pop("ports", None)
        return Intent.internet_ingress_only(tiers, ports, **kw)

    def describe(self) -> str:
        if not self.tiers:
            return "nothing is reachable from the internet"
        where = ", ".join(self.tiers)
        if self.ports is None:
            return f"only tier(s) {where} are reachable from the internet (on any port)"
        icmp = " and ICMP" if self.allow_icmp else ""
        return (f"only tier(s) {where} are reachable from the internet, on "
                f"{self.protocol.upper()} {_ports_text(self.ports)}{icmp}")


@dataclass(frozen=True)
class EgressInAz(Intent):
    kind: ClassVar[str] = "egress_in_az"
    tier: str

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.egress_in_az(**kw)

    def describe(self) -> str:
        return f"each subnet of tier {self.tier} leaves the VPC through a NAT in its own AZ"


@dataclass(frozen=True)
class AclReturnsAdmitted(Intent):
    kind: ClassVar[str] = "acl_returns_admitted"
    except_ports: tuple[PortRange, ...] = tuple(PortRange(p, p) for p in DEFAULT_REPLY_EXCEPT_PORTS)

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.acl_returns_admitted(**kw)

    def describe(self) -> str:
        but = f" but {_ports_text(self.except_ports)}" if self.except_ports else ""
        return ("every flow the network ACLs admit has its reply admitted (ports "
                f"{EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]}{but})")


@dataclass(frozen=True)
class TiersMatchTopology(Intent):
    kind: ClassVar[str] = "tiers_match_topology"

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.tiers_match_topology(**kw)

    def describe(self) -> str:
        return "every subnet's routes and tags match the tier it is planned in"


@dataclass(frozen=True)
class WorkloadsReachTheirNeeds(Intent):
    kind: ClassVar[str] = "workloads_reach_their_needs"

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.workloads_reach_their_needs(**kw)

    def describe(self) -> str:
        return "every workload of the template reaches the services it cannot run without"


@dataclass(frozen=True)
class GatewayEndpointIntent(Intent):
    kind: ClassVar[str] = "gateway_endpoint"
    service: str
    tiers: tuple[str, ...]

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.gateway_endpoint(kw.pop("service", None), kw.pop("tiers", None), **kw)

    def describe(self) -> str:
        return (f"{self.service} traffic from tier(s) {', '.join(self.tiers)} takes the "
                f"{self.service} gateway endpoint")


@dataclass(frozen=True)
class Reaches(Intent):
    kind: ClassVar[str] = "reaches"
    src: str
    dst: str
    ports: tuple[PortRange, ...]
    only: bool = True
    protocol: str = "tcp"
    allow_icmp: bool = False
    exempt_return_rules: bool = True

    @classmethod
    def _make(cls, **kw: Any) -> Intent:
        return Intent.reaches(kw.pop("src", None), kw.pop("dst", None), kw.pop("ports", None),
                              **kw)

    def describe(self) -> str:
        tail = ((" (and ICMP)" if self.allow_icmp else "")
                + (" and nothing else" if self.only else ""))
        return (f"tier {self.src} reaches tier {self.dst} on {self.protocol.upper()} "
                f"{_ports_text(self.ports)}{tail}")


def intent_kinds() -> dict[str, type[Intent]]:
    """Every intent kind: ``kind`` -> its :class:`Intent` subclass (a copy).
    A subclass registers itself by naming a ``kind``; the check layer must
    hold exactly one evaluator for each."""
    return dict(Intent._registry)


# ---------------------------------------------------------------------------
# Defaults and recording
# ---------------------------------------------------------------------------


def _tier_kinds(tiers: Any) -> list[tuple[str, str]]:
    """(name, kind) pairs from a mapping, pairs, or Tier / TierBlock objects."""
    items: Iterable[Any] = tiers.items() if isinstance(tiers, Mapping) else tiers
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            name, kind = item
        else:
            name = getattr(item, "name", None) or getattr(item, "tier", None)
            kind = getattr(item, "kind", None)
            if getattr(item, "reserved", False):
                continue
        kind = kind.value if isinstance(kind, SubnetKind) else kind
        if kind not in {k.value for k in SubnetKind}:
            raise ConfigError(
                f"tier {name!r} kind {kind!r} is not one of public, private, isolated")
        out.append((_tier(name), str(kind)))
    return out


def default_intents(
    tiers: Mapping[str, SubnetKind | str] | Iterable[Any],
    *,
    nat_per_az: bool = True,
    gateway_endpoints: Iterable[str] = GATEWAY_ENDPOINT_SERVICES,
    public_ports: Iterable[int | str] | None = DEFAULT_PUBLIC_PORTS,
    public_icmp: bool = False,
) -> tuple[Intent, ...]:
    """The intents that hold for the library's layout.

    :param tiers: tier name -> kind (``{"public": "public", ...}``), or the
        plan's tiers (``plan.tiers``; reserved tiers are skipped).
    :param nat_per_az: every AZ has its own NAT (``gateway_per_az`` or NAT
        instances per AZ): adds ``egress_in_az`` for the private tiers.
    :param gateway_endpoints: services with a gateway endpoint.
    :param public_ports: TCP ports the public tier may be reached on; None
        when its subnets keep the VPC's default ACL (any port: only security
        groups limit them).
    :param public_icmp: the public tier's ACL admits ICMP from the internet
        (path-MTU discovery, ping) on purpose.
    """
    pairs = _tier_kinds(tiers)
    by_kind = {k: [n for n, kk in pairs if kk == k] for k in ("public", "private", "isolated")}
    out: list[Intent] = []
    for t in by_kind["isolated"]:
        out.append(Intent.no_internet(t))
    for t in by_kind["private"]:
        out.append(Intent.egress_only(t))
        if nat_per_az:
            out.append(Intent.egress_in_az(t))
    out.append(Intent.internet_ingress_only(
        by_kind["public"], None if public_ports is None or not by_kind["public"] else public_ports,
        allow_icmp=_flag(public_icmp, "public_icmp")))
    out.append(Intent.acl_returns_admitted())
    inner = by_kind["private"] + by_kind["isolated"]
    if inner:
        services = list(gateway_endpoints) if not isinstance(gateway_endpoints, str) else None
        if services is None:
            raise ConfigError(f"gateway_endpoints {gateway_endpoints!r} must be a list of services")
        for svc in services:
            out.append(Intent.gateway_endpoint(svc, inner))
    return tuple(out)


def plan_intents(plan: VpcPlan, extra: Sequence[Intent], defaults: bool, *,
                 public_ports: tuple[int, ...] | None) -> tuple[Intent, ...]:
    """The intents BestPracticeVpc records for ``plan``: the library's
    defaults for this layout (unless ``defaults`` is False) plus ``extra``,
    each naming only tiers that exist. ``public_ports``: the TCP ports the
    public tier's ACL admits, None when it has no ACL of its own."""
    if not isinstance(defaults, bool):
        raise ConfigError(f"default_intents {defaults!r} must be True or False")
    if isinstance(extra, Intent) or not all(isinstance(i, Intent) for i in extra):
        raise ConfigError(
            f"intents {extra!r} must be a list of vpc_patterns.Intent "
            "(e.g. [Intent.reaches('private', 'isolated', [5432])])"
        )
    active = {t.tier: t.kind.value for t in plan.tiers if not t.reserved}
    out: list[Intent] = []
    if defaults:
        per_az = plan.nat.strategy.egress_stays_in_az(plan.nats, len(plan.azs))
        out.extend(default_intents(
            active, nat_per_az=per_az,
            gateway_endpoints=[g.service for g in plan.gateway_endpoints],
            public_ports=public_ports,
        ))
    for intent in extra:
        d = intent.to_dict()
        named = [d[k] for k in ("tier", "src", "dst") if k in d] + list(d.get("tiers", []))
        unknown = sorted(set(named) - set(active))
        if unknown:
            raise ConfigError(
                f"intent {intent.describe()!r} names tier {unknown[0]!r}, which this VPC does "
                f"not have; tiers: {', '.join(active)}"
            )
        out.append(intent)
    return tuple(out)


def intents_metadata(intents: Iterable[Intent]) -> dict[str, Any]:
    """The value to record under ``Metadata["vpc_patterns"]`` of the VPC."""
    items = list(intents)
    for i in items:
        if not isinstance(i, Intent):
            raise ConfigError(f"intent {i!r} is not an Intent; use the Intent.* factories")
    return {"version": METADATA_VERSION, "intents": [i.to_dict() for i in items]}


def intents_from_metadata(value: Any) -> tuple[Intent, ...]:
    """Parse a recorded ``Metadata["vpc_patterns"]`` value."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{METADATA_KEY} metadata {value!r} must be an object with "
                          "'version' and 'intents'")
    version = value.get("version")
    if version != METADATA_VERSION:
        raise ConfigError(f"{METADATA_KEY} metadata version {version!r} is not supported; "
                          f"accepted: {METADATA_VERSION}")
    items = value.get("intents")
    if not isinstance(items, list):
        raise ConfigError(f"{METADATA_KEY} metadata 'intents' {items!r} must be a list")
    return tuple(Intent.from_dict(i) for i in items)


__all__ = [
    "DEFAULT_PUBLIC_PORTS",
    "DEFAULT_REPLY_EXCEPT_PORTS",
    "METADATA_KEY",
    "METADATA_VERSION",
    "AclReturnsAdmitted",
    "EgressInAz",
    "EgressOnly",
    "GatewayEndpointIntent",
    "Intent",
    "InternetIngressOnly",
    "NoInternet",
    "PortRange",
    "Reaches",
    "TiersMatchTopology",
    "WorkloadsReachTheirNeeds",
    "default_intents",
    "intent_kinds",
    "intents_from_metadata",
    "intents_metadata",
    "plan_intents",
]
