"""NAT: how private tiers reach the internet, as strategy objects.

:class:`NatProvider` is the user's choice (made by its static factories or
:meth:`NatProvider.parse`). Each :class:`NatKind` has one :class:`NatStrategy`
that makes the placement decisions: which options are valid, how many NATs
and in which AZs (:class:`NatPlan`), which NAT serves a private subnet, and
which :class:`~vpc_patterns.plan.routes.RouteTarget` its routes use; it also
answers what the rest of the library asks of a kind (its hourly price entry,
its alarms' kind, whether instance options apply), so nothing outside this
module and the builders branches on :class:`NatKind`. The build layer has one
builder per kind (``vpc_patterns.build.nat``). A new strategy is one
:class:`NatStrategy` subclass registered with :func:`register_nat_strategy`
(and its :class:`NatKind` value), one builder, and, for new CloudWatch
metrics, one monitoring kind (``vpc_patterns.plan.monitoring``).

:func:`hourly_list_price` gives an hourly list price of the newest
``vpc_patterns/data/prices-YYYY-MM.json``, read by :mod:`vpc_patterns.plan.prices`
(prices live only there).

The module runs past 500 lines because each strategy's validation lives with
it: the regional NAT gateway's per-AZ addresses are checked against the VPC's
AZs (by index, name or id) with a message per mistake.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, TypeVar

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.aws_names import instance_types, unlisted_message
from vpc_patterns.plan.azs import AzPlacement
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.prices import DEFAULT_REGION, load_prices
from vpc_patterns.plan.routes import DEFAULT_ROUTE, RoutePlan, RouteTarget

_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9]+\Z")


class NatKind(str, Enum):
    GATEWAY = "gateway"
    INSTANCE = "instance"
    NONE = "none"
    REGIONAL_GATEWAY = "regional-gateway"


#: The price-file entry of a NAT gateway's hourly charge.
NAT_GATEWAY_HOUR = "nat_gateway_hour"
#: The hop of a route to a regional NAT gateway: ``NatGatewayId``, like a zonal one.
REGIONAL_NAT_GATEWAY = RouteTarget("regional-nat-gateway", "NatGatewayId")
#: The AZ of a NAT that spans the VPC's AZs (a regional NAT gateway).
REGIONAL_AZ = AzPlacement(-1, name="regional")
#: Elastic IPs one AZ of a NAT gateway may use (the NAT gateway quota's maximum).
MAX_EIPS_PER_NAT_AZ = 8
# EC2's default quota of inbound (and of outbound) rules per security group.
MAX_SG_RULES_PER_DIRECTION = 60
_ALLOCATION_ID = re.compile(r"^eipalloc-(?:[0-9a-f]{8}|[0-9a-f]{17})\Z")


@dataclass(frozen=True)
class NatProvider:
    """How private tiers reach the internet. Made by the static factories.

    * :meth:`gateway_per_az` (default): a NAT gateway in every AZ; no AZ
      depends on another and no traffic crosses AZs to leave the VPC.
    * :meth:`single_gateway`: one NAT gateway for all AZs. Saves the hourly
      charge of (AZs - 1) gateways (``python -m vpc_patterns cost`` prices
      them), but an outage of that AZ cuts every AZ off the internet, and
      traffic from other AZs pays cross-AZ data charges on top of NAT
      processing.
    * :meth:`gateways` (count): somewhere in between.
    * :meth:`instances`: self-healing NAT instances (an Auto Scaling group of
      one per AZ behind a fixed network interface with an Elastic IP);
      cheapest, but you own patching, and throughput is bound by the
      instance type.
    * :meth:`regional_gateway`: one regional NAT gateway for the whole VPC,
      present in every AZ (no public subnet needed; the VPC still gets an
      internet gateway).
    * :meth:`none`: no NAT; private tiers are then refused (use isolated).

    Args:
        kind: :class:`NatKind`: NAT gateways, NAT instances or none.
        count: how many NATs, placed in the first ``count`` AZs, 1..number of
            AZs. Default: ``None``: one per AZ, so no AZ depends on another's
            NAT; fewer save hourly charges, but the AZs without a NAT send
            their egress across AZs (cross-AZ data charges) and lose it when
            the NAT's AZ fails.
        instance_type: EC2 instance type of NAT instances (ignored for
            gateways). Default: ``"t4g.nano"``: the cheapest Graviton type
            (about $3 a month), enough for the egress of a small environment.
        allowed_ports: TCP ports NAT instances forward from the private tiers.
            Default: ``(80, 443)``: package mirrors and HTTPS APIs; anything
            else is a choice to make explicitly.
        az_addresses: regional NAT gateway only: ``(AZ, allocation ids or EIP
            count)`` pairs, one per AZ of the VPC (manual mode). Default:
            ``None``: automatic mode, AWS picks the AZs and the addresses.
        allow_unlisted: NAT instances only: accept an ``instance_type``
            missing from the dated list of EC2 instance types. Default:
            ``False``: see :meth:`instances`.
    """

    kind: NatKind
    count: int | None = None
    instance_type: str = "t4g.nano"
    allowed_ports: tuple[int, ...] = (80, 443)
    az_addresses: tuple[tuple[int | str, tuple[str, ...] | int], ...] | None = None
    allow_unlisted: bool = False

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", NatKind(self.kind))
        except ValueError:
            raise ConfigError(
                f"NAT kind {self.kind!r} is unknown; accepted: "
                + ", ".join(k.value for k in NatKind)
            ) from None

    @property
    def strategy(self) -> NatStrategy:
        """The strategy object that places this provider's NATs."""
        return nat_strategy(self.kind)

    @staticmethod
    def gateway_per_az() -> NatProvider:
        """A NAT gateway in every AZ (the default): no AZ depends on another,
        and no egress crosses AZs."""
        return NatProvider(NatKind.GATEWAY)

    @staticmethod
    def single_gateway() -> NatProvider:
        """One NAT gateway, in the first AZ, for every AZ: the hourly charge
        of one gateway, but every AZ loses egress when that AZ fails, and the
        other AZs pay cross-AZ data transfer to reach it."""
        return NatProvider(NatKind.GATEWAY, count=1)

    @staticmethod
    def gateways(count: int) -> NatProvider:
        """NAT gateways in the first ``count`` AZs; the other AZs use one of them.

        Args:
            count: how many gateways, 1..number of AZs; each one less saves
                its hourly charge, and makes one more AZ send its egress across
                AZs (cross-AZ data charges) and depend on another AZ.
        """
        return NatProvider(NatKind.GATEWAY, count=count)

    @staticmethod
    def instances(
        *,
        instance_type: str = "t4g.nano",
        count: int | None = None,
        allowed_ports: Sequence[int] = (80, 443),
        allow_unlisted: bool = False,
    ) -> NatProvider:
        """Self-healing NAT instances: per AZ, an Auto Scaling group of one
        instance behind a fixed network interface the routes target; the
        interface carries the NATed traffic both ways and holds an Elastic
        IP, the stable egress address (see ``SelfHealingNatInstance``).

        Args:
            instance_type: EC2 instance type. Default: ``"t4g.nano"``: the
                cheapest Graviton type (about $3 a month per AZ, no per-GB NAT
                charge); throughput is bound by the type, so size it up for
                busy egress.
            count: how many instances, in the first ``count`` AZs. Default:
                ``None``: one per AZ, so no AZ depends on another; fewer save
                instance hours but cost cross-AZ data charges and resilience.
            allowed_ports: TCP ports the instances forward from the VPC's
                private ranges. Default: ``(80, 443)``: package mirrors and
                HTTPS APIs; add e.g. 22 for git over SSH. The instances' own
                security group also sends out on 443 whatever you give (the
                bootstrap calls the EC2, Auto Scaling and CloudFormation APIs
                and the package repository over HTTPS); it forwards only
                these ports.
            allow_unlisted: accept an ``instance_type`` that is well formed
                but missing from the dated list of EC2 instance types
                (``vpc_patterns/data/ec2-instance-types-*.txt``). Default:
                ``False``: such a type fails only when the Auto Scaling group
                launches, so it is most likely a typo (the error offers the
                nearest: ``"t4g.nanoo"`` -> ``"t4g.nano"``); set it for a type
                newer than the list.
        """
        return NatProvider(
            NatKind.INSTANCE,
            count=count,
            instance_type=instance_type,
            allowed_ports=_port_tuple(allowed_ports),
            allow_unlisted=allow_unlisted,
        )

    @staticmethod
    def regional_gateway(
        *, az_addresses: Mapping[int | str, Sequence[str] | int] | None = None,
    ) -> NatProvider:
        """One regional NAT gateway (``AvailabilityMode: regional``) for the
        VPC: it sits in no subnet, serves each AZ from that AZ, and every
        private route table sends 0.0.0.0/0 to it. The VPC needs no public
        tier, but gets an internet gateway (a regional NAT gateway reaches the
        internet through it).

        Args:
            az_addresses: manual mode: for every AZ of the VPC (keyed by its
                0-based index, or by its name or id when the VPC lists AZs by
                name or id), either Elastic IP allocation ids
                (``["eipalloc-..."]``) or how many Elastic IPs to create
                (1..8). Default: ``None``: automatic mode: AWS adds the
                gateway to each AZ that has subnets and allocates its
                addresses; give addresses when partners allowlist your
                egress IPs.
        """
        if az_addresses is None:
            return NatProvider(NatKind.REGIONAL_GATEWAY)
        if not isinstance(az_addresses, Mapping):
            raise ConfigError(
                f"regional NAT az_addresses {az_addresses!r} must be a mapping of AZ to "
                "Elastic IP allocation ids or an EIP count, e.g. {0: 1, 1: ['eipalloc-...']}"
            )
        items: list[tuple[int | str, tuple[str, ...] | int]] = []
        for az, value in az_addresses.items():
            if isinstance(value, (str, bytes)) or not isinstance(value, (int, Sequence)):
                raise ConfigError(
                    f"regional NAT az_addresses[{az!r}] {value!r} must be a list of Elastic "
                    "IP allocation ids or a count of Elastic IPs to create"
                )
            items.append((az, value if isinstance(value, int) else tuple(value)))
        return NatProvider(NatKind.REGIONAL_GATEWAY, az_addresses=tuple(items))

    @staticmethod
    def none() -> NatProvider:
        """No NAT: private tiers are refused (use isolated tiers)."""
        return NatProvider(NatKind.NONE)

    @staticmethod
    def parse(value: str) -> NatProvider:
        """Parse a short name used in configuration files.

        Args:
            value: ``gateway-per-az``, ``single-gateway``, ``instances`` (with
                the defaults of :meth:`instances`), ``regional-gateway`` (automatic
                mode) or ``none``.
        """
        table = {
            "gateway-per-az": NatProvider.gateway_per_az,
            "single-gateway": NatProvider.single_gateway,
            "instances": NatProvider.instances,
            "regional-gateway": NatProvider.regional_gateway,
            "none": NatProvider.none,
        }
        if not isinstance(value, str) or value not in table:
            raise ConfigError(
                f"NAT strategy {value!r} is unknown; accepted: {', '.join(sorted(table))}"
            )
        return table[value]()


@dataclass(frozen=True)
class NatAzAddresses:
    """The addresses one AZ of a regional NAT gateway uses (manual mode):
    existing Elastic IPs by allocation id, or ``eip_count`` new ones."""

    az: AzPlacement
    allocation_ids: tuple[str, ...] = ()
    eip_count: int = 0

    @property
    def address_count(self) -> int:
        return len(self.allocation_ids) + self.eip_count


@dataclass(frozen=True)
class NatPlan:
    """One NAT of the plan: its construct id, kind, AZ and the subnet it sits
    in (a regional NAT gateway: AZ :data:`REGIONAL_AZ`, subnet ``""``, and its
    per-AZ addresses, None in automatic mode)."""

    construct_id: str
    kind: NatKind
    az: AzPlacement
    subnet: str
    instance_type: str | None = None
    az_addresses: tuple[NatAzAddresses, ...] | None = None

    @property
    def strategy(self) -> NatStrategy:
        return nat_strategy(self.kind)


class NatStrategy:
    """The placement decisions of one :class:`NatKind`.

    The defaults suit a NAT that sits in a public subnet, one per AZ in the
    first ``count`` AZs (all AZs when ``count`` is None); a private subnet
    uses the NAT of its own AZ, or borrows one when its AZ has none.
    """

    kind: ClassVar[NatKind]
    #: The kind of hop the private tiers' default routes point at.
    route_target: ClassVar[RouteTarget | None] = None
    #: The price-file entry (per region) charged per NAT per hour, if any;
    #: :data:`NAT_GATEWAY_HOUR` for a kind priced (and counted) as a NAT gateway.
    hourly_price_key: ClassVar[str | None] = None
    #: The alarms and dashboard graphs its NATs get: a kind registered in
    #: :mod:`vpc_patterns.plan.monitoring` (kinds with the same CloudWatch
    #: metrics share one); None for none.
    monitoring_kind: ClassVar[str | None] = None
    #: Whether the NAT instance options (an instance type set in the reference
    #: app's configuration) apply to this kind.
    accepts_instance_options: ClassVar[bool] = False
    #: Whether this kind's NATs need an internet gateway even with no public tier.
    needs_internet_gateway: ClassVar[bool] = False
    #: CloudFormation resources the kind's builder adds once when it has NATs.
    shared_cfn_resources: ClassVar[int] = 0
    #: Whether its NATs sit in the first public tier (and so need IPv4 there).
    sits_in_public_tier: ClassVar[bool] = True

    def cfn_resources(self, nat: NatPlan) -> int:
        """CloudFormation resources the kind's builder creates for ``nat``."""
        return 0

    @property
    def routes_egress(self) -> bool:
        """Whether private subnets leave through this kind's NATs."""
        return self.route_target is not None

    def egress_stays_in_az(self, nats: Sequence[NatPlan], az_count: int) -> bool:
        """Whether each AZ's private subnets leave through a NAT of their own
        AZ: true for zonal NATs when there is one per AZ."""
        return self.routes_egress and len(nats) == az_count

    def hourly_units(self, nat: NatPlan, az_count: int) -> int:
        """How many :attr:`hourly_price_key` hours ``nat`` is charged per hour
        (one NAT; a regional NAT gateway: one per AZ it is active in)."""
        return 1

    def check(self, nat: NatProvider, *, public: Sequence[str], private: Sequence[str],
              az_count: int) -> None:
        """Validate ``nat`` for a plan that has private tiers (``private``, by
        name; never empty) and the public tiers ``public``."""
        if not public:
            raise ConfigError(
                f"NAT strategy {nat.kind.value!r} needs a public tier to sit in, and there is "
                f"none for private tier {private[0]!r}; add a Tier(kind='public'), or make "
                "the private tiers isolated and use NatProvider.none()"
            )
        if nat.count is not None and (
            isinstance(nat.count, bool) or not isinstance(nat.count, int)
            or not 1 <= nat.count <= az_count
        ):
            raise ConfigError(
                f"NAT count {nat.count!r} must be between 1 and the number of AZs ({az_count})"
            )
        self.check_options(nat)

    def check_options(self, nat: NatProvider) -> None:
        """Validate the options only this kind reads (none by default)."""
        if nat.az_addresses is not None:
            raise ConfigError(
                f"az_addresses apply to NatProvider.regional_gateway() only, not to NAT "
                f"strategy {nat.kind.value!r}"
            )

    def placements(self, nat: NatProvider,
                   azs: Sequence[AzPlacement]) -> tuple[AzPlacement, ...]:
        """The AZs that get a NAT."""
        return tuple(azs[: len(azs) if nat.count is None else nat.count])

    def instance_type(self, nat: NatProvider) -> str | None:
        """The EC2 instance type of each NAT, for kinds that run instances."""
        return None

    def plan(self, nat: NatProvider, azs: Sequence[AzPlacement],
             public_tier: str) -> tuple[NatPlan, ...]:
        """The NATs, in the first public tier ``public_tier``."""
        return tuple(
            NatPlan(
                construct_id=f"NatAz{az.index + 1}",
                kind=nat.kind,
                az=az,
                subnet=f"{pascal(public_tier)}Az{az.index + 1}",
                instance_type=self.instance_type(nat),
            )
            for az in self.placements(nat, azs)
        )

    def serving(self, az: AzPlacement, nats: Sequence[NatPlan]) -> NatPlan:
        """The NAT a private subnet in ``az`` sends its internet traffic to."""
        same_az = [n for n in nats if n.az.index == az.index]
        return same_az[0] if same_az else nats[az.index % len(nats)]

    def default_route(self, az: AzPlacement, nats: Sequence[NatPlan]) -> RoutePlan:
        """The default route of a private subnet in ``az``."""
        if self.route_target is None:
            raise ConfigError(f"NAT strategy {self.kind.value!r} routes no traffic")
        return RoutePlan(DEFAULT_ROUTE, self.route_target, self.serving(az, nats).construct_id)

    def construct_ids(self, nat: NatPlan) -> tuple[tuple[str, str], ...]:
        """The construct ids the build gives this NAT under the VPC, with what
        each is (for the plan's duplicate-id check)."""
        return ((nat.construct_id, "a NAT"),)


_S = TypeVar("_S", bound=type[NatStrategy])
_STRATEGIES: dict[NatKind, NatStrategy] = {}


def register_nat_strategy(cls: _S) -> _S:
    """Class decorator: make ``cls`` the strategy of ``cls.kind``."""
    _STRATEGIES[cls.kind] = cls()
    return cls


def nat_strategy(kind: NatKind) -> NatStrategy:
    """The strategy of ``kind``."""
    return _STRATEGIES[NatKind(kind)]


@register_nat_strategy
class NatGatewayStrategy(NatStrategy):
    """Managed NAT gateways, each with an Elastic IP."""

    kind = NatKind.GATEWAY
    route_target = RouteTarget.NAT_GATEWAY
    hourly_price_key = NAT_GATEWAY_HOUR
    monitoring_kind = "nat-gateway"

    # its Elastic IP is a child of the gateway (nat_address_id), so not a VPC child:
    # the default construct_ids hold

    def cfn_resources(self, nat: NatPlan) -> int:
        return 2  # the gateway and its Elastic IP


@register_nat_strategy
class NatInstanceStrategy(NatStrategy):
    """Self-healing NAT instances behind fixed network interfaces."""

    kind = NatKind.INSTANCE
    route_target = RouteTarget.NAT_INSTANCE
    monitoring_kind = "nat-instance"
    accepts_instance_options = True
    shared_cfn_resources = 1  # the instances' security group

    def cfn_resources(self, nat: NatPlan) -> int:
        # Auto Scaling group, launch template, fixed interface, its Elastic
        # IP and the association, instance profile, role and its policy
        return 8

    def check_options(self, nat: NatProvider) -> None:
        super().check_options(nat)
        if not isinstance(nat.instance_type, str) or not _INSTANCE_TYPE.match(nat.instance_type):
            raise ConfigError(
                f"NAT instance type {nat.instance_type!r} is not an EC2 instance type "
                "such as 't4g.nano'"
            )
        if not isinstance(nat.allow_unlisted, bool):
            raise ConfigError(
                f"NatProvider.instances(allow_unlisted={nat.allow_unlisted!r}) must be True or "
                "False")
        listed = instance_types()
        if not nat.allow_unlisted and nat.instance_type not in listed:
            raise ConfigError(unlisted_message(
                "NatProvider.instances(instance_type=...)", nat.instance_type, listed,
                "NatProvider.instances(..., allow_unlisted=True)"))
        if not isinstance(nat.allowed_ports, tuple) or not nat.allowed_ports or any(
            isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535
            for p in nat.allowed_ports
        ):
            raise ConfigError(
                f"NAT instance allowed_ports {nat.allowed_ports!r} must be a non-empty "
                "list of TCP ports 1..65535"
            )
        dupes = sorted({p for p in nat.allowed_ports if nat.allowed_ports.count(p) > 1})
        if dupes:
            raise ConfigError(
                f"NAT instance allowed_ports {nat.allowed_ports!r} list {dupes} more than once; "
                "accepted: each port once"
            )
        egress = len(nat_instance_egress_ports(nat.allowed_ports))
        if egress > MAX_SG_RULES_PER_DIRECTION:
            raise ConfigError(
                f"NAT instance allowed_ports has {len(nat.allowed_ports)} ports; the instances' "
                f"security group holds at most {MAX_SG_RULES_PER_DIRECTION} rules per "
                "direction (one egress rule per port, plus 443 for the instance's own "
                "HTTPS calls)"
            )

    def check(self, nat: NatProvider, *, public: Sequence[str], private: Sequence[str],
              az_count: int) -> None:
        super().check(nat, public=public, private=private, az_count=az_count)
        rules = len(private) * len(nat.allowed_ports)
        if rules > MAX_SG_RULES_PER_DIRECTION:
            raise ConfigError(
                f"NAT instance allowed_ports: {len(nat.allowed_ports)} ports x "
                f"{len(private)} private tiers = {rules} ingress rules; the instances' security "
                f"group holds at most {MAX_SG_RULES_PER_DIRECTION} rules per direction: "
                "allow fewer ports or use fewer private tiers"
            )

    def instance_type(self, nat: NatProvider) -> str | None:
        return nat.instance_type


#: The port a NAT instance itself needs out (EC2, Auto Scaling and CloudFormation
#: APIs, the package repository), whatever it forwards.
NAT_INSTANCE_OWN_PORT = 443


def nat_instance_egress_ports(allowed_ports: Sequence[int]) -> tuple[int, ...]:
    """The TCP ports the NAT instances' security group sends out on: the
    forwarded ``allowed_ports`` and :data:`NAT_INSTANCE_OWN_PORT`."""
    ports = tuple(allowed_ports)
    return ports if NAT_INSTANCE_OWN_PORT in ports else ports + (NAT_INSTANCE_OWN_PORT,)


def _port_tuple(ports: object) -> tuple[Any, ...]:
    if isinstance(ports, (str, bytes, Mapping)) or not isinstance(ports, Iterable):
        raise ConfigError(
            f"NAT instance allowed_ports {ports!r} must be a non-empty list of TCP ports 1..65535"
        )
    return tuple(ports)


@register_nat_strategy
class NoNatStrategy(NatStrategy):
    """No NAT: the plan may have no private tier."""

    kind = NatKind.NONE
    sits_in_public_tier = False

    def check(self, nat: NatProvider, *, public: Sequence[str], private: Sequence[str],
              az_count: int) -> None:
        raise ConfigError(
            f"tier {private[0]!r} is private (egress through NAT) but nat is "
            "NatProvider.none(); make the tier isolated or choose a NAT provider"
        )

    def placements(self, nat: NatProvider,
                   azs: Sequence[AzPlacement]) -> tuple[AzPlacement, ...]:
        return ()


@register_nat_strategy
class RegionalNatGatewayStrategy(NatStrategy):
    """One regional NAT gateway for the VPC: in no subnet, present in each AZ
    (automatic mode) or in the AZs given addresses (manual mode, which must
    name every AZ of the VPC: a manual-mode gateway serves only those)."""

    kind = NatKind.REGIONAL_GATEWAY
    route_target = REGIONAL_NAT_GATEWAY
    hourly_price_key = NAT_GATEWAY_HOUR
    monitoring_kind = "regional-nat-gateway"
    needs_internet_gateway = True
    sits_in_public_tier = False

    def cfn_resources(self, nat: NatPlan) -> int:
        return 1 + sum(a.eip_count for a in nat.az_addresses or ())
    #: The construct id of the gateway under the VPC.
    construct_id: ClassVar[str] = "RegionalNatGateway"

    def egress_stays_in_az(self, nats: Sequence[NatPlan], az_count: int) -> bool:
        """By construction: the gateway handles each AZ's traffic in that AZ
        (manual mode lists every AZ, see :meth:`check_options`)."""
        return True

    def check(self, nat: NatProvider, *, public: Sequence[str], private: Sequence[str],
              az_count: int) -> None:
        # no public tier needed: the gateway sits in no subnet
        if nat.count is not None:
            raise ConfigError(
                f"NAT count {nat.count!r} does not apply to NatProvider.regional_gateway(): "
                "one regional gateway serves every AZ"
            )
        self.check_options(nat)

    def check_options(self, nat: NatProvider) -> None:
        if nat.az_addresses is None:
            return
        if not isinstance(nat.az_addresses, tuple) or not nat.az_addresses:
            raise ConfigError(
                f"regional NAT az_addresses {nat.az_addresses!r} must name at least one AZ; "
                "leave it None for automatic mode"
            )
        seen: set[str] = set()
        for az, value in nat.az_addresses:
            where = f"regional NAT az_addresses[{az!r}]"
            if isinstance(value, bool) or not isinstance(value, (int, tuple)):
                raise ConfigError(f"{where} {value!r} must be a list of Elastic IP allocation "
                                  "ids or a count of Elastic IPs to create")
            if isinstance(value, int):
                if not 1 <= value <= MAX_EIPS_PER_NAT_AZ:
                    raise ConfigError(
                        f"{where}: EIP count {value} is out of range; accepted "
                        f"1..{MAX_EIPS_PER_NAT_AZ} (Elastic IPs per NAT gateway AZ)"
                    )
                continue
            if not value:
                raise ConfigError(f"{where}: the list of Elastic IP allocation ids is empty; "
                                  "give at least one, or a count of EIPs to create")
            if len(value) > MAX_EIPS_PER_NAT_AZ:
                raise ConfigError(
                    f"{where} lists {len(value)} Elastic IPs; at most {MAX_EIPS_PER_NAT_AZ} "
                    "per NAT gateway AZ"
                )
            for alloc in value:
                if not isinstance(alloc, str) or not _ALLOCATION_ID.match(alloc):
                    raise ConfigError(
                        f"{where}: {alloc!r} is not an Elastic IP allocation id such as "
                        "'eipalloc-0123456789abcdef0'"
                    )
                if alloc in seen:
                    raise ConfigError(f"regional NAT az_addresses use {alloc!r} more than once")
                seen.add(alloc)

    def _addresses(self, nat: NatProvider,
                   azs: Sequence[AzPlacement]) -> tuple[NatAzAddresses, ...] | None:
        """The per-AZ addresses, each AZ key resolved against the VPC's AZs
        (by index, name or id, as the VPC names them)."""
        if nat.az_addresses is None:
            return None
        mode = "name" if azs and azs[0].name else "id" if azs and azs[0].zone_id else "index"
        by_key: dict[object, AzPlacement] = {
            (az.name if mode == "name" else az.zone_id if mode == "id" else az.index): az
            for az in azs
        }
        accepted = ", ".join(repr(k) for k in by_key)
        out: dict[int, NatAzAddresses] = {}
        for key, value in nat.az_addresses:
            if mode == "index" and (isinstance(key, bool) or not isinstance(key, int)):
                raise ConfigError(
                    f"regional NAT az_addresses key {key!r}: this VPC takes its AZs by index, "
                    f"so name them by 0-based index ({accepted})"
                )
            if key not in by_key:
                raise ConfigError(
                    f"regional NAT az_addresses name AZ {key!r}, which the VPC does not use; "
                    f"its AZs (by {mode}): {accepted}"
                )
            az = by_key[key]
            if az.index in out:
                raise ConfigError(f"regional NAT az_addresses name AZ {key!r} more than once")
            out[az.index] = (NatAzAddresses(az, eip_count=value) if isinstance(value, int)
                             else NatAzAddresses(az, allocation_ids=value))
        missing = [az for az in azs if az.index not in out]
        if missing:
            names = ", ".join(repr(next(k for k, v in by_key.items() if v == az))
                              for az in missing)
            raise ConfigError(
                f"regional NAT az_addresses leave out AZ {names}: in manual mode the gateway "
                "serves only the AZs listed, and every AZ of the VPC has private subnets; "
                "give addresses for every AZ, or leave az_addresses None (automatic mode)"
            )
        return tuple(out[az.index] for az in azs)

    def plan(self, nat: NatProvider, azs: Sequence[AzPlacement],
             public_tier: str) -> tuple[NatPlan, ...]:
        return (NatPlan(construct_id=self.construct_id, kind=nat.kind, az=REGIONAL_AZ,
                        subnet="", az_addresses=self._addresses(nat, azs)),)

    def serving(self, az: AzPlacement, nats: Sequence[NatPlan]) -> NatPlan:
        return nats[0]

    def hourly_units(self, nat: NatPlan, az_count: int) -> int:
        return az_count if nat.az_addresses is None else len(nat.az_addresses)

    def construct_ids(self, nat: NatPlan) -> tuple[tuple[str, str], ...]:
        # the Elastic IPs it creates are its children (regional_eip_id)
        return ((nat.construct_id, "the regional NAT gateway"),)


# --------------------------------------------------------------------------
# Elastic IPs that never outlive the NAT they were made for
# --------------------------------------------------------------------------
#
# A NAT gateway's SubnetId, VpcId, AllocationId and ConnectivityType are
# create-only: a change replaces it, and CloudFormation creates the
# replacement *before* deleting the old one. A replacement given the old
# gateway's Elastic IP fails ("already associated") while the old gateway
# still holds it. The same holds for the fixed interface of a NAT instance
# (SubnetId is create-only) and its EIP association. So the construct id of
# each Elastic IP the library creates carries a digest of everything in the
# plan whose change replaces its NAT: a replaced NAT always comes with a new
# Elastic IP (a new egress address, which a replacement cannot avoid), and an
# unchanged NAT keeps its address. The digest is a child id under the NAT
# itself, so it never collides with the VPC's other children.


def _identity_digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:8]


def nat_address_id(nat: NatPlan, *, vpc_cidr: str, subnet_cidr: str) -> str:
    """The construct id, under the NAT's own construct, of the Elastic IP
    of a zonal NAT (gateway or instance): ``Eip`` and 8 hex digits of a digest
    of the VPC block, the NAT's subnet (construct id and block), its AZ and
    its connectivity (public). Whatever replaces the subnet, hence the NAT
    (a new block, another AZ, a new VPC), gives a new id, so the replacement
    gets a new Elastic IP instead of one the old NAT still holds."""
    return "Eip" + _identity_digest(
        "zonal", vpc_cidr, nat.subnet, subnet_cidr, nat.az.label, "public")


def regional_eip_id(nat: NatPlan, addresses: NatAzAddresses, number: int, *,
                    vpc_cidr: str) -> str:
    """The construct id, under the regional NAT gateway's construct, of the
    ``number``-th (0-based) Elastic IP the build creates for one AZ of it:
    ``Az<n>Eip<m>`` and a digest of the VPC block (the gateway's VpcId is
    create-only: a new VPC means a new gateway, which then gets new EIPs).
    Allocation ids you give are yours: a replaced regional gateway cannot
    take them while the old one holds them (release them first, or change
    them with the replacement)."""
    return (f"Az{addresses.az.index + 1}Eip{number + 1}"
            + _identity_digest("regional", vpc_cidr, nat.construct_id))


# --------------------------------------------------------------------------
# List prices
# --------------------------------------------------------------------------


def hourly_list_price(key: str, region: str = DEFAULT_REGION) -> float:
    """The hourly list price ``key`` (e.g. ``"nat_gateway_hour"``) of ``region``
    (USD) from the newest price file."""
    regions = load_prices().regions
    if region not in regions:
        raise ConfigError(
            f"region {region!r} has no prices; known: {', '.join(sorted(regions))}"
        )
    price = getattr(regions[region], key)
    assert isinstance(price, Decimal), key
    return float(price)
