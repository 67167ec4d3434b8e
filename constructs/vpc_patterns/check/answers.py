"""The answers :class:`~.analyzer.NetworkAnalyzer` gives, as data: paths
between a subnet and the internet (:class:`InternetPath`,
:class:`InternetAnswer`), route look-ups, tier-to-tier flows, gateway-endpoint
routes and NAT routes with their AZ, each able to show its path as steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpc_patterns.check.acl import FlowResult, PortMap
from vpc_patterns.check.model import Route, RouteTable, Subnet, az_display
from vpc_patterns.check.paths import (
    Path,
    Step,
    note_step,
    route_step,
    route_table_step,
    subnet_step,
    target_step,
)
from vpc_patterns.check.ranges import IntervalSet

YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass(frozen=True)
class InternetPath:
    """One way between a subnet and (part of) the internet."""

    direction: str  # egress | ingress
    verdict: str  # yes | no | unknown
    reason: str
    steps: Path
    addresses: IntervalSet
    flow: FlowResult | None = None
    #: connectable ports (request and reply admitted)
    ports: PortMap = field(default_factory=PortMap)
    #: ``ports`` less those admitted only through ephemeral-return rules
    counted_ports: PortMap = field(default_factory=PortMap)
    #: a NAT instance's security groups limited ``ports``
    security_group_limited: bool = False


@dataclass(frozen=True)
class InternetAnswer:
    subnet: Subnet
    direction: str
    paths: tuple[InternetPath, ...]

    @property
    def verdict(self) -> str:
        vs = {p.verdict for p in self.paths}
        return YES if YES in vs else (UNKNOWN if UNKNOWN in vs else NO)

    @property
    def ports(self) -> PortMap:
        out = PortMap()
        for p in self.paths:
            if p.verdict == YES:
                out = out | p.ports
        return out

    @property
    def counted_ports(self) -> PortMap:
        out = PortMap()
        for p in self.paths:
            if p.verdict == YES:
                out = out | p.counted_ports
        return out


@dataclass(frozen=True)
class RouteLookup:
    """Where traffic from a subnet to a destination CIDR goes."""

    subnet: Subnet
    route_table: RouteTable
    destination: str
    #: the longest-prefix route that covers the whole destination (None:
    #: no route covers it, the traffic is dropped)
    route: Route | None
    #: more specific routes that win for part of the destination
    more_specific: tuple[Route, ...] = ()
    #: prefix-list routes (gateway endpoints) that win for the addresses in
    #: their lists, which the template does not show
    prefix_list_routes: tuple[Route, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def steps(self) -> Path:
        out: list[Step] = [subnet_step(self.subnet), route_table_step(self.route_table)]
        if self.route is None:
            out.append(note_step(f"no route covers {self.destination}: dropped"))
        else:
            out += [route_step(self.route), target_step(self.route.target)]
        return tuple(out)


@dataclass(frozen=True)
class TierFlow:
    """What the ACLs let through from every subnet of one tier to every
    subnet of another (pairs of distinct subnets)."""

    src_tier: str
    dst_tier: str
    pairs: tuple[tuple[Subnet, Subnet, FlowResult], ...]

    def connectable(self, *, counted: bool = False) -> PortMap:
        out = PortMap()
        for _, _, f in self.pairs:
            out = out | f.connectable(counted=counted)
        return out

    def connectable_everywhere(self) -> PortMap:
        out: PortMap | None = None
        for _, _, f in self.pairs:
            ports = f.connectable_everywhere()
            out = ports if out is None else out & ports
        return out or PortMap()


@dataclass(frozen=True)
class EndpointAnswer:
    subnet: Subnet
    route_table: RouteTable
    service: str
    #: the endpoint route in the subnet's route table, if any
    route: Route | None
    #: where the service's traffic goes otherwise (LPM for internet addresses)
    fallback: tuple[tuple[IntervalSet, Route | None], ...] = ()

    @property
    def steps(self) -> Path:
        out: list[Step] = [subnet_step(self.subnet), route_table_step(self.route_table)]
        if self.route is not None:
            return tuple(out + [route_step(self.route), target_step(self.route.target)])
        out.append(note_step(f"no {self.service} gateway endpoint route"))
        for _, r in self.fallback[:1]:
            if r is None:
                out.append(note_step("no route to the service's public addresses: dropped"))
            else:
                out += [route_step(r), target_step(r.target)]
        return tuple(out)


@dataclass(frozen=True)
class AzAnswer:
    """One NAT route of a subnet and whether it stays in the subnet's AZ."""

    subnet: Subnet
    route_table: RouteTable
    route: Route
    same_az: bool | None

    @property
    def steps(self) -> Path:
        t = self.route.target
        return (subnet_step(self.subnet), route_table_step(self.route_table),
                route_step(self.route), target_step(t),
                Step("az", t.az or "unknown",
                     f"subnet in {az_display(self.subnet.az)}, target in {az_display(t.az)}"))
