"""Interface VPC endpoints (AWS PrivateLink) as data: services, placement, cost.

:func:`plan_interface_endpoints` validates the short service names
(:func:`validate_service_name`: ``ssm``, ``ecr.api``, ``logs``...), the tier
and the AZ placement of each endpoint on a network plan and returns an
:class:`InterfaceEndpointsPlan`; bad input raises
:class:`~vpc_patterns.errors.ConfigError` before any resource exists. Pure
Python; :class:`vpc_patterns.build.endpoints.InterfaceEndpoints` turns the
plan into resources.

Cost
----
An interface endpoint is billed per endpoint **per AZ** it has an interface
in, per hour, plus per GB processed. The prices are read from the dated price
file (:mod:`vpc_patterns.plan.prices`; us-east-1 in 2026-11: $0.01 per hour
per AZ, ~$7.30 a month, and $0.01 per GB for the first PB a month). Five
services in three AZs are 15 endpoint-AZs: ~$109.50 a month before data.
:meth:`InterfaceEndpointsPlan.monthly_usd` gives the fixed part at us-east-1
list prices; prices differ by region.

Where each endpoint goes (AZ availability)
------------------------------------------
Not every service offers an endpoint in every AZ; CloudFormation then fails the
deploy with "The VPC endpoint service ... does not support the availability
zone of the subnet". Availability is per *physical* AZ, and AZ names
(``us-east-1a``) map to different physical AZs in different accounts; only AZ
ids (``use1-az1``) are the same everywhere. So, per service:

1. ``service_azs={"service": [...]}`` given: the endpoint goes only in the
   tier's AZs listed there. Name AZs the way the network does: AZ names for a
   network built with ``availability_zones``, AZ ids for
   ``availability_zone_ids``, and ``az1``, ``az2``, ... (the network's AZ slots)
   for a network built by index (``max_azs``, the default). AZs outside the
   network are accepted (paste the service's whole list); an AZ in another
   naming, or a list that leaves the service in none of the tier's AZs, is a
   ConfigError. When the stack's region is known, AZ names must be in it.
2. Otherwise, when the stack's region is known *and* the network names its AZs
   by id *and* :data:`SERVICE_AZ_IDS` has the service for that region: only
   those AZ ids.
3. Otherwise **every AZ of the tier**, with an info annotation on the
   construct saying so. This is always the case for an **environment-agnostic
   stack** (region unknown at synthesis): no lookup is possible without
   credentials, and the library does not guess. If a deploy then fails with
   the message above, pass ``service_azs`` for that service (the console or
   ``aws ec2 describe-vpc-endpoint-services --service-names
   com.amazonaws.<region>.<service>`` lists its AZs for your account).

:data:`SERVICE_AZ_IDS` ships **empty**: availability changes as AWS adds
capacity and the library does not publish data it cannot keep current. Teams
that know their regions can fill it (AZ ids) in one place.

Not covered: ``s3`` and ``dynamodb`` (the network's gateway endpoints are free
and already serve them; an interface endpoint for them is for on-premises
access and needs its own DNS options), endpoint services of other accounts
(``com.amazonaws.vpce.<region>.vpce-svc-...``), and the few services whose
name is not ``com.amazonaws.<region>.<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.aws_names import endpoint_services, unlisted_message
from vpc_patterns.plan.lookup import tier_subnets
from vpc_patterns.plan.naming import pascal
from vpc_patterns.plan.network import AZ_ID_PATTERN, AZ_NAME_PATTERN, SubnetPlan, VpcPlan
from vpc_patterns.plan.prices import DEFAULT_REGION, load_prices

# --------------------------------------------------------------------------
# Defaults, each with the reason for it.
# --------------------------------------------------------------------------

#: Workloads live in the private tiers, and that is where their SDK calls start;
#: endpoints there keep those calls off the NAT (which charges per GB processed).
DEFAULT_TIER = "private"
#: AWS service APIs are HTTPS only: the endpoint security group admits 443.
HTTPS_PORT = 443
#: Services the library serves with gateway endpoints (free, route-table based).
GATEWAY_SERVICES = ("s3", "dynamodb")
#: The security group's name inside the network (its Name tag suffix).
SECURITY_GROUP_NAME = "interface-endpoints"

#: Short service names: lowercase labels joined by dots (``ssm``,
#: ``ecr.api``, ``execute-api``, ``sagemaker.runtime``).
_SERVICE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9](\.[a-z][a-z0-9-]*[a-z0-9])*\Z|^[a-z]\Z")
MAX_SERVICE_NAME_CHARS = 64
_AZ_SLOT = re.compile(r"^az[1-9][0-9]*\Z")

#: AZ ids where a service offers interface endpoints, per region:
#: ``{("us-east-1", "email-smtp"): frozenset({"use1-az1", ...})}``. Used only
#: when the region is known and the network names AZs by id. Ships empty on
#: purpose (see the module doc).
SERVICE_AZ_IDS: dict[tuple[str, str], frozenset[str]] = {}


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointPlacement:
    """One service's endpoint: where its interfaces go and why there."""

    service: str
    construct_id: str
    subnets: tuple[SubnetPlan, ...]
    #: "service_azs" | "SERVICE_AZ_IDS" | "all AZs"
    placed_by: str

    @property
    def az_labels(self) -> tuple[str, ...]:
        return tuple(s.az.label for s in self.subnets)

    def service_name(self, region: str) -> str:
        return f"com.amazonaws.{region}.{self.service}"


@dataclass(frozen=True)
class InterfaceEndpointsPlan:
    tier: str
    vpc_cidr: str
    endpoints: tuple[EndpointPlacement, ...]
    #: services placed in every AZ because nothing said otherwise, and why
    notes: tuple[str, ...] = ()

    def endpoint(self, service: str) -> EndpointPlacement:
        for e in self.endpoints:
            if e.service == service:
                return e
        raise KeyError(service)

    @property
    def endpoint_azs(self) -> int:
        """Billable endpoint-AZs (one per interface)."""
        return sum(len(e.subnets) for e in self.endpoints)

    def monthly_usd(self, *, hourly: float | None = None) -> float:
        """Fixed monthly charge (us-east-1 list price of the price file unless
        ``hourly`` is given), before the per-GB charge."""
        table = load_prices()
        if hourly is None:
            hourly = float(table.region(DEFAULT_REGION).interface_endpoint_az_hour)
        return round(self.endpoint_azs * hourly * table.hours_per_month, 2)

    def table(self) -> str:
        rows = [f"{e.service:<24} {', '.join(e.az_labels):<30} ({e.placed_by})"
                for e in self.endpoints]
        per_gb = load_prices().region(DEFAULT_REGION).interface_endpoint_gb
        data = "a per-GB charge" if per_gb is None else f"${per_gb}/GB"
        rows.append(f"{self.endpoint_azs} endpoint-AZs: ~${self.monthly_usd():.2f}/month "
                    f"+ {data} ({DEFAULT_REGION})")
        return "\n".join(rows)



def validate_service_name(service: object, *, allow_unlisted: bool = False) -> str:
    """A short AWS service name such as ``ssm``, ``ecr.api`` or ``logs``,
    one of the dated list :func:`~vpc_patterns.plan.aws_names.endpoint_services`
    unless ``allow_unlisted`` (a service newer than the list)."""
    if not isinstance(service, str):
        raise ConfigError(f"service {service!r} must be a string such as 'ssm' or 'ecr.api'")
    if service.startswith(("com.amazonaws.", "aws.")):
        short = service.split(".", 3)[-1] if service.count(".") >= 3 else service
        raise ConfigError(
            f"service {service!r} is a full endpoint service name; give the short name "
            f"({short!r}): the region is added from the stack"
        )
    if len(service) > MAX_SERVICE_NAME_CHARS or not _SERVICE.match(service):
        raise ConfigError(
            f"service {service!r} is not a short AWS service name; accepted: lowercase labels "
            "of letters, digits and '-', joined by dots, e.g. 'ssm', 'ecr.api', 'logs', "
            "'execute-api'"
        )
    if service in GATEWAY_SERVICES:
        raise ConfigError(
            f"service {service!r} is served by the network's gateway endpoint (free, no "
            "interface; BestPracticeVpc(gateway_endpoints=...)); an interface endpoint for it "
            "is not built by InterfaceEndpoints"
        )
    if not isinstance(allow_unlisted, bool):
        raise ConfigError(f"allow_unlisted {allow_unlisted!r} must be True or False")
    listed = endpoint_services()
    if not allow_unlisted and service not in listed:
        raise ConfigError(unlisted_message("service", service, listed,
                                           "InterfaceEndpoints(..., allow_unlisted=True)"))
    return service


def _check_az_value(service: str, az: object, plan: VpcPlan, region: str | None) -> str:
    mode = plan.az_mode
    forms = {"name": ("an AZ name such as 'us-east-1a'", AZ_NAME_PATTERN),
             "id": ("an AZ id such as 'use1-az1'", AZ_ID_PATTERN),
             "index": ("an AZ slot of the network: 'az1', 'az2', ...", _AZ_SLOT)}
    wanted, pattern = forms[mode]
    if not isinstance(az, str) or not pattern.match(az):
        raise ConfigError(
            f"service_azs[{service!r}]: {az!r} is not {wanted}; this network names its AZs "
            f"by {mode} ({', '.join(a.label for a in plan.azs)}), so service_azs must too"
        )
    if mode == "name" and region is not None and not re.match(re.escape(region) + r"[a-z-]", az):
        raise ConfigError(
            f"service_azs[{service!r}]: AZ {az!r} is not in the stack's region {region!r}"
        )
    return az


def plan_interface_endpoints(
    plan: VpcPlan,
    services: Sequence[str],
    *,
    tier: str = DEFAULT_TIER,
    region: str | None = None,
    service_azs: Mapping[str, Sequence[str]] | None = None,
    az_table: Mapping[tuple[str, str], frozenset[str]] | None = None,
    allow_unlisted: bool = False,
) -> InterfaceEndpointsPlan:
    """Validate and place interface endpoints on a network plan.

    :param region: the stack's region, or None when it is a token
        (environment-agnostic stack).
    :param az_table: AZ-id availability data (default :data:`SERVICE_AZ_IDS`).
    :param allow_unlisted: accept services missing from the dated list of
        interface endpoint services (newer than the list).
    """
    if isinstance(services, (str, bytes)) or not isinstance(services, Sequence):
        raise ConfigError(f"services {services!r} must be a list of names, e.g. ['ssm', 'logs']")
    if not services:
        raise ConfigError("services is empty; name at least one AWS service, e.g. ['ssm']")
    subnets = tier_subnets(plan, tier, "InterfaceEndpoints")
    table = SERVICE_AZ_IDS if az_table is None else az_table
    if service_azs is not None and not isinstance(service_azs, Mapping):
        raise ConfigError(f"service_azs {service_azs!r} must map service -> list of AZs")
    given = dict(service_azs or {})
    unknown = sorted(set(given) - set(services))
    if unknown:
        raise ConfigError(
            f"service_azs names service {unknown[0]!r}, which is not in services "
            f"({', '.join(map(str, services))})"
        )
    placements: list[EndpointPlacement] = []
    ids: dict[str, str] = {}
    defaulted: list[str] = []
    for service in services:
        validate_service_name(service, allow_unlisted=allow_unlisted)
        cid = pascal(service.replace(".", "-"))
        if cid.lower() in ids:
            raise ConfigError(
                f"service {service!r} is listed twice (or as {ids[cid.lower()]!r}, which gives "
                "the same construct id)"
            )
        ids[cid.lower()] = service
        chosen: tuple[SubnetPlan, ...]
        if service in given:
            azs = given[service]
            if isinstance(azs, (str, bytes)) or not isinstance(azs, Sequence) or not azs:
                raise ConfigError(
                    f"service_azs[{service!r}] {azs!r} must be a non-empty list of AZs"
                )
            wanted = {_check_az_value(service, a, plan, region) for a in azs}
            chosen = tuple(s for s in subnets if s.az.label in wanted)
            if not chosen:
                raise ConfigError(
                    f"service_azs[{service!r}] = {sorted(wanted)} leaves {service!r} in none of "
                    f"tier {tier!r}'s AZs ({', '.join(s.az.label for s in subnets)})"
                )
            placed_by = "service_azs"
        elif region is not None and plan.az_mode == "id" and (region, service) in table:
            offered = table[(region, service)]
            chosen = tuple(s for s in subnets if s.az.zone_id in offered)
            if not chosen:
                raise ConfigError(
                    f"service {service!r} offers endpoints in {region} only in "
                    f"{', '.join(sorted(offered))} (SERVICE_AZ_IDS), none of tier {tier!r}'s "
                    f"AZs ({', '.join(s.az.label for s in subnets)})"
                )
            placed_by = "SERVICE_AZ_IDS"
        else:
            chosen = subnets
            placed_by = "all AZs"
            defaulted.append(service)
        placements.append(EndpointPlacement(service, cid, chosen, placed_by))
    notes: list[str] = []
    if defaulted:
        why = ("the stack's region is unknown at synthesis (environment-agnostic stack), so no "
               "availability data applies" if region is None else
               "no availability data was given for them"
               + ("" if plan.az_mode == "id" else " (SERVICE_AZ_IDS applies only to networks "
                  "that name AZs by id)"))
        notes.append(
            f"Interface endpoints for {', '.join(defaulted)} are placed in every AZ of tier "
            f"{tier!r} because {why}. If a deploy fails with 'does not support the availability "
            "zone of the subnet', pass service_azs={service: [AZs]} for that service."
        )
    return InterfaceEndpointsPlan(tier=tier, vpc_cidr=plan.cidr, endpoints=tuple(placements),
                                  notes=tuple(notes))


#: Names of earlier releases for the us-east-1 prices, now read from the price file.
_PRICE_NAMES = {
    "INTERFACE_ENDPOINT_HOURLY_USD": "interface_endpoint_az_hour",
    "INTERFACE_ENDPOINT_PER_GB_USD": "interface_endpoint_gb",
}


def __getattr__(name: str) -> float:
    """``INTERFACE_ENDPOINT_HOURLY_USD`` and ``INTERFACE_ENDPOINT_PER_GB_USD``:
    the us-east-1 prices of the newest price file, as floats."""
    if name in _PRICE_NAMES:
        price = getattr(load_prices().region(DEFAULT_REGION), _PRICE_NAMES[name])
        if price is None:
            raise AttributeError(f"the price file has no {_PRICE_NAMES[name]} for "
                                 f"{DEFAULT_REGION}")
        return float(price)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_TIER",
    "GATEWAY_SERVICES",
    "HTTPS_PORT",
    "MAX_SERVICE_NAME_CHARS",
    "SECURITY_GROUP_NAME",
    "SERVICE_AZ_IDS",
    "EndpointPlacement",
    "InterfaceEndpointsPlan",
    "plan_interface_endpoints",
    "validate_service_name",
]
