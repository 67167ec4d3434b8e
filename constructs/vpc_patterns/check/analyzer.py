"""Questions about one VPC's network, answered from its :class:`VpcModel`.

"Reachable" here means *at the subnet level, through routes and network
ACLs*: a path exists when the route tables lead there and every ACL on the way
admits the request and (ACLs being stateless) its reply. Security groups are
per interface and stateful; a subnet holds no interface until something is
launched into it, so they are not part of subnet reachability. The one
exception is a NAT instance the routes point at: its security groups are known
and limit what the private subnets can send through it, so they are applied.

The internet is every IPv4 address outside the VPC's CIDRs and outside the
private, shared, loopback, link-local, multicast and reserved ranges
(:data:`~.ranges.NON_INTERNET`).

The module runs past 500 lines because egress is followed through every kind
of hop the library builds (internet gateway, zonal and regional NAT gateways,
NAT instances) in one analyzer, whose questions share its caches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from vpc_patterns.check.acl import (
    TCP,
    AclEvaluator,
    AclHop,
    FlowResult,
    PortMap,
    direct_hops,
    evaluate_flow,
    port_space,
)
from vpc_patterns.check.answers import (
    NO,
    UNKNOWN,
    YES,
    AzAnswer,
    EndpointAnswer,
    InternetAnswer,
    InternetPath,
    RouteLookup,
    TierFlow,
)
from vpc_patterns.check.model import (
    NatGateway,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Target,
    TargetKind,
    VpcModel,
    Workload,
)
from vpc_patterns.check.parser_controls import with_bpa
from vpc_patterns.check.paths import (
    Path,
    Step,
    note_step,
    route_step,
    route_table_step,
    subnet_step,
    target_step,
)
from vpc_patterns.check.ranges import (
    ALL_ADDRESSES,
    NAT64_PREFIX,
    IntervalSet,
    cells,
    cidr_set,
    internet6_space,
    internet_space,
    parse_cidr,
    parse_cidr6,
)
from vpc_patterns.plan.nacl.space import IPV6_SPACE, network_span

#: Route targets that leave the VPC towards networks the template does not
#: describe; traffic to internet addresses through them may or may not reach
#: the internet (a central egress VPC behind a transit gateway, an on-premises
#: proxy behind a VPN).
#: What a workload cannot run without, by resource type: an ECS service's
#: tasks pull their image from ECR (the API and the registry) and its layers
#: from S3, all on TCP 443.
WORKLOAD_NEEDS: dict[str, tuple[str, ...]] = {
    "AWS::ECS::Service": ("ecr.api", "ecr.dkr", "s3"),
}

#: Route targets that never carry traffic to the internet: the VPC itself,
#: a peering (not transitive), an egress-only gateway (IPv6) for IPv4, a
#: gateway endpoint (its service's addresses only).
_NOT_ONWARD = (TargetKind.LOCAL, TargetKind.PEERING, TargetKind.GATEWAY_ENDPOINT)
_ONWARD = (TargetKind.TRANSIT_GATEWAY, TargetKind.VPN_GATEWAY, TargetKind.CORE_NETWORK,
           TargetKind.LOCAL_GATEWAY)


class NetworkAnalyzer:
    """Answers questions about one VPC. Cheap to build; caches ACL work."""

    def __init__(self, model: VpcModel) -> None:
        self.model = model
        self.subnets = {s.logical_id: s for s in model.subnets}
        self.route_tables = {rt.logical_id: rt for rt in model.route_tables}
        self.acls = {a.logical_id: a for a in model.network_acls}
        self.groups: dict[str, SecurityGroup] = {g.logical_id: g for g in model.security_groups}
        self.evaluator = AclEvaluator(AclEvaluator.protocols_of(model.network_acls))
        self.internet = internet_space(model.cidrs)
        #: the IPv6 internet, when the VPC has an IPv6 block (else no IPv6
        #: packet can leave or enter it)
        self.internet6 = internet6_space(model.ipv6_cidrs) if model.has_ipv6 else IntervalSet()
        self._vpc_space = IntervalSet()
        for c in model.cidrs:
            self._vpc_space = self._vpc_space | cidr_set(c)
        self._flow_cache: dict[tuple[str, str], FlowResult] = {}
        self._egress_cache: dict[str, InternetAnswer] = {}
        self._ingress_cache: dict[str, InternetAnswer] = {}

    # -- basics ------------------------------------------------------------
    def subnet(self, subnet_id: str) -> Subnet:
        return self.subnets[subnet_id]

    def route_table_of(self, subnet: Subnet) -> RouteTable:
        return self.route_tables[subnet.route_table]

    def acl_of(self, subnet: Subnet) -> NetworkAcl:
        return self.acls[subnet.network_acl]

    def addresses(self, subnet: Subnet) -> tuple[IntervalSet, bool]:
        """The subnet's addresses, and whether they are approximate (CIDR
        unknown: the VPC's range, or every address, stands in)."""
        if subnet.cidr is not None:
            return cidr_set(subnet.cidr), False
        return (self._vpc_space or ALL_ADDRESSES), True

    def addresses6(self, subnet: Subnet) -> tuple[IntervalSet, bool]:
        """The subnet's IPv6 addresses on the address line, and whether they
        are approximate. In a VPC with an IPv6 block a subnet without one can
        be given a /64 in place (no replacement, no route change), so its
        routes are judged for the VPC's IPv6 block; empty in an IPv4-only VPC."""
        if not self.model.has_ipv6:
            return IntervalSet(), False
        if subnet.ipv6_cidr is not None:
            return cidr_set(subnet.ipv6_cidr), False
        space = IntervalSet()
        for c in self.model.ipv6_cidrs:
            space = space | cidr_set(c)
        return (space or IPV6_SPACE), True

    # -- routing -----------------------------------------------------------
    def _routes(self, rt: RouteTable) -> list[Route]:
        """Routes with a known destination of either family (IPv6 ones only
        where the VPC has an IPv6 block: elsewhere no packet can take them)."""
        return [r for r in rt.routes if r.cidr is not None
                and (not r.ipv6 or self.model.has_ipv6)]

    def lpm(self, rt: RouteTable, address: int) -> Route | None:
        best: Route | None = None
        best_key = (-1, False)
        for r in self._routes(rt):
            assert r.cidr is not None
            lo, hi = network_span(r.cidr)
            if lo <= address <= hi:
                key = (r.cidr.prefixlen, r.origin != "propagated")
                if key > best_key:
                    best, best_key = r, key
        return best

    def lookup(self, rt: RouteTable, space: IntervalSet) -> list[tuple[IntervalSet, Route | None]]:
        """Split ``space`` by the route that carries each part (longest prefix
        match; static routes win over propagated ones of the same length)."""
        splitters = [cidr_set(r.cidr) for r in self._routes(rt) if r.cidr is not None]
        groups: dict[str, tuple[IntervalSet, Route | None]] = {}
        for c in cells(space, splitters):
            r = self.lpm(rt, c.ranges[0][0])
            key = r.logical_id if r is not None else ""
            prev = groups.get(key)
            groups[key] = ((prev[0] | c) if prev else c, r)
        return list(groups.values())

    def unresolved_routes(self, rt: RouteTable) -> list[Route]:
        """Template routes whose IPv4 destination the template does not
        determine: an unresolvable CIDR, or a prefix list whose entries are
        not in the template (an AWS-managed list, or one of another stack)."""
        return [r for r in rt.routes
                if r.cidr is None and r.origin == "template"
                and (not r.ipv6 or self.model.has_ipv6)]

    def route_lookup(self, subnet_id: str, destination: str) -> RouteLookup:
        """Where traffic from ``subnet_id`` to ``destination`` (a CIDR or an
        address) goes: the longest-prefix route over the subnet's route table."""
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        net = parse_cidr(destination)
        if net is None:
            raise ValueError(f"destination {destination!r} is not an IPv4 CIDR or address")
        best: Route | None = None
        best_key = (-1, False)
        inside: list[Route] = []
        for r in self._routes(rt):
            if not isinstance(r.cidr, ipaddress.IPv4Network):
                continue
            if net.subnet_of(r.cidr):
                key = (r.cidr.prefixlen, r.origin != "propagated")
                if key > best_key:
                    best, best_key = r, key
            elif r.cidr.subnet_of(net):
                inside.append(r)
        notes: list[str] = []
        for r in self.unresolved_routes(rt):
            notes.append(f"route {r.logical_id} has a destination the template does not "
                         "determine; it may apply")
        if rt.dynamic_propagation:
            notes.append(f"VPN gateway(s) {', '.join(rt.propagating_gateways)} propagate routes "
                         "learned by BGP into this table; a propagated route may apply")
        if rt.implicit:
            notes.append("the subnet uses the main route table, assumed to hold only the local "
                         "route")
        pls = tuple(r for r in rt.routes if r.prefix_list is not None)
        return RouteLookup(sub, rt, str(net), best, tuple(inside), pls, tuple(notes))

    # -- internet ------------------------------------------------------------
    def _igw_attached(self) -> bool:
        """An internet gateway of the template is attached to the VPC, or a
        route names one by literal id (attached outside the template)."""
        return any(g.kind is TargetKind.INTERNET_GATEWAY and g.attached
                   for g in self.model.gateways) \
            or any(r.target.kind is TargetKind.INTERNET_GATEWAY and r.target.attached
                   and r.target.resource_type is None
                   for rt in self.model.route_tables for r in rt.routes)

    def internet_egress(self, subnet_id: str) -> InternetAnswer:
        """Can the subnet reach the internet, and how (per route)."""
        if subnet_id in self._egress_cache:
            return self._egress_cache[subnet_id]
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        paths: list[InternetPath] = []
        for (src, approx), internet in ((self.addresses(sub), self.internet),
                                        (self.addresses6(sub), self.internet6)):
            if not src or not internet:
                continue
            for space, route in self.lookup(rt, internet):
                base: list[Step] = [subnet_step(sub), route_table_step(rt)]
                if route is None:
                    paths.append(InternetPath(
                        "egress", NO, "no route to internet addresses",
                        tuple(base + [note_step("no route: dropped")]), space))
                    continue
                steps = base + [route_step(route), target_step(route.target)]
                path = self._egress_via(sub, src, approx, space, route, steps)
                paths.append(self._with_bpa(path, sub, route))
        for r in self.unresolved_routes(rt):
            if r.target.kind not in _NOT_ONWARD:
                paths.append(InternetPath(
                    "egress", UNKNOWN, _undetermined(r),
                    (subnet_step(sub), route_table_step(rt), route_step(r), target_step(r.target)),
                    IntervalSet()))
        learned = self.learned_route_gap(rt)
        if learned:
            paths.append(InternetPath(
                "egress", UNKNOWN, learned, (subnet_step(sub), route_table_step(rt)),
                IntervalSet()))
        ans = InternetAnswer(sub, "egress", tuple(paths))
        self._egress_cache[subnet_id] = ans
        return ans

    def route_kind(self, subnet_id: str) -> tuple[str, Route | None]:
        """What the subnet's routes make it, whatever its tags say: public
        (some internet addresses go to an attached internet or carrier
        gateway), private (to a NAT), onward (to a transit, VPN or other
        gateway beyond the template), unknown (a target or destination the
        template does not decide), else isolated; with the deciding route."""
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        found: dict[str, Route] = {}
        parts = self.lookup(rt, self.internet) + (
            self.lookup(rt, self.internet6) if self.internet6 else [])
        for _space, route in parts:
            if route is None:
                continue
            t = route.target
            if t.kind is TargetKind.EGRESS_ONLY_IGW:
                found.setdefault("private" if route.ipv6 else "isolated", route)
            elif t.kind in (TargetKind.INTERNET_GATEWAY, TargetKind.CARRIER_GATEWAY):
                found.setdefault("public" if t.attached else "isolated", route)
            elif t.kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE) \
                    or self.regional_nat(t) is not None:
                found.setdefault("isolated" if t.private_nat else "private", route)
            elif t.kind in _ONWARD:
                found.setdefault("onward", route)
            elif t.kind not in _NOT_ONWARD:
                found.setdefault("unknown", route)
        for r in self.unresolved_routes(rt):
            if r.target.kind not in _NOT_ONWARD:
                found.setdefault("unknown", r)
        for kind in ("public", "private", "unknown", "onward"):
            if kind in found:
                return kind, found[kind]
        return "isolated", found.get("isolated")

    def learned_route_gap(self, rt: RouteTable) -> str:
        """Why routes learned by BGP leave this table undecidable ("" when
        none propagate, or every connection's learned routes are declared)."""
        if not rt.dynamic_propagation:
            return ""
        return (f"VPN gateway(s) {', '.join(rt.propagating_gateways)} propagate routes learned "
                f"by BGP into route table {rt.logical_id}, which the template does not show: a "
                "learned default or more specific route would take this traffic on-premises "
                "(declare what on-premises announces: Metadata vpc_patterns.learned_routes on "
                "the VPN connection)")

    def _egress_via(self, sub: Subnet, src: IntervalSet, approx: bool, space: IntervalSet,
                    route: Route, steps: list[Step]) -> InternetPath:
        t = route.target
        kind = t.kind
        acl = self.acl_of(sub)
        v6 = bool(space & IPV6_SPACE)
        # a Wavelength zone's carrier gateway translates to carrier addresses,
        # towards the carrier network and the internet beyond it: like an
        # internet gateway for egress; an egress-only gateway too, for IPv6
        if kind in (TargetKind.INTERNET_GATEWAY, TargetKind.CARRIER_GATEWAY) \
                or (kind is TargetKind.EGRESS_ONLY_IGW and v6):
            if not t.attached:
                return InternetPath("egress", NO, f"internet gateway {t.ref} is not attached to "
                                    "the VPC", tuple(steps), space)
            req, rep = direct_hops(acl, sub.logical_id, None, None)
            flow = evaluate_flow(self.evaluator, src, space, req, rep, approximate=approx)
            return self._path_from_flow("egress", tuple(steps), space, flow)
        if v6 and kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE):
            return self._nat64(sub, src, approx, space, t, steps)
        regional = self.regional_nat(t)
        if regional is not None:
            return self._egress_via_regional_nat(sub, src, approx, space, regional, steps)
        if kind in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE):
            if t.private_nat:
                return InternetPath("egress", NO, f"NAT gateway {t.ref} is private (no internet)",
                                    tuple(steps), space)
            if t.subnet is None or t.subnet not in self.subnets:
                return InternetPath("egress", UNKNOWN, f"the subnet of {t.ref} is not in the "
                                    "template", tuple(steps), space)
            broken = self._nat_instance_fault(t) if kind is TargetKind.NAT_INSTANCE else None
            if broken is not None:
                return InternetPath("egress", broken[0], broken[1], tuple(steps), space)
            nat_sub = self.subnets[t.subnet]
            nat_rt = self.route_table_of(nat_sub)
            nat_acl = self.acl_of(nat_sub)
            sub_paths: list[InternetPath] = []
            for part, r2 in self.lookup(nat_rt, space):
                s2 = steps + [subnet_step(nat_sub), route_table_step(nat_rt)]
                if r2 is None or r2.target.kind is not TargetKind.INTERNET_GATEWAY \
                        or not r2.target.attached:
                    what = "no route" if r2 is None else f"{r2.label} -> {r2.target.label}"
                    s2 += [route_step(r2), target_step(r2.target)] if r2 is not None else []
                    sub_paths.append(InternetPath(
                        "egress", NO, f"the NAT's subnet {nat_sub.logical_id} does not route to an "
                        f"attached internet gateway ({what})", tuple(s2), part))
                    continue
                s2 += [route_step(r2), target_step(r2.target)]
                req = [AclHop(acl, True, sub.logical_id, "dst"),
                       AclHop(nat_acl, False, nat_sub.logical_id, "src"),
                       AclHop(nat_acl, True, nat_sub.logical_id, "dst")]
                rep = [AclHop(nat_acl, False, nat_sub.logical_id, "dst"),
                       AclHop(nat_acl, True, nat_sub.logical_id, "src"),
                       AclHop(acl, False, sub.logical_id, "dst")]
                flow = evaluate_flow(self.evaluator, src, part, req, rep, approximate=approx)
                path = self._path_from_flow("egress", tuple(s2), part, flow)
                if kind is TargetKind.NAT_INSTANCE and path.verdict == YES:
                    path = self._limit_by_groups(path, t.security_groups, src, part)
                sub_paths.append(path)
            if len(sub_paths) == 1:
                return sub_paths[0]
            # The NAT's route table splits these addresses further (rare: a
            # more specific route in the public tier). One path per route of
            # the subnet is reported: the most permissive part stands for it.
            for want in (YES, UNKNOWN, NO):
                for p in sub_paths:
                    if p.verdict == want:
                        return p
        if kind in _ONWARD:
            return InternetPath("egress", UNKNOWN, f"leaves the VPC through {t.label}; whether it "
                                "reaches the internet depends on networks beyond this template",
                                tuple(steps), space)
        if kind is TargetKind.VPC_ENDPOINT:
            return InternetPath("egress", UNKNOWN, f"{t.label} hands the traffic to a Gateway Load "
                                "Balancer's appliances; where it goes next depends on them and on "
                                "routes beyond this table", tuple(steps), space)
        if kind is TargetKind.UNKNOWN:
            return InternetPath("egress", UNKNOWN, f"target {t.ref} is not resolvable",
                                tuple(steps), space)
        if kind in (TargetKind.LOCAL, TargetKind.PEERING, TargetKind.EGRESS_ONLY_IGW,
                    TargetKind.GATEWAY_ENDPOINT):
            # peering is not transitive; an egress-only gateway carries IPv6 only
            return InternetPath("egress", NO, f"{t.label} does not lead to the internet",
                                tuple(steps), space)
        return InternetPath("egress", UNKNOWN, f"{t.label}: a target this checker does not "
                            "model", tuple(steps), space)

    def _nat64(self, sub: Subnet, src: IntervalSet, approx: bool, space: IntervalSet,
               t: Target, steps: list[Step]) -> InternetPath:
        """IPv6 to a NAT: a NAT gateway translates the NAT64 prefix
        (64:ff9b::/96, with DNS64) to the IPv4 internet through its own
        subnet's routes; no other IPv6 address, and no NAT instance (it
        forwards IPv4 only), gets anywhere that way."""
        nat64 = cidr_set(NAT64_PREFIX)
        if t.kind is not TargetKind.NAT_GATEWAY or not nat64.issuperset(space):
            return InternetPath("egress", NO, f"{t.label} translates IPv4 (and, a NAT gateway, "
                                f"the NAT64 prefix {NAT64_PREFIX}) only", tuple(steps), space)
        if t.private_nat:
            return InternetPath("egress", NO, f"NAT gateway {t.ref} is private (no internet)",
                                tuple(steps), space)
        regional = self.regional_nat(t)
        if regional is None:
            if t.subnet is None or t.subnet not in self.subnets:
                return InternetPath("egress", UNKNOWN, f"the subnet of {t.ref} is not in the "
                                    "template", tuple(steps), space)
            nat_rt = self.route_table_of(self.subnets[t.subnet])
            onward = [r for _, r in self.lookup(nat_rt, self.internet)]
            if not any(r is not None and r.target.kind is TargetKind.INTERNET_GATEWAY
                       and r.target.attached for r in onward):
                return InternetPath("egress", NO, f"the NAT's subnet {t.subnet} does not route "
                                    "the IPv4 internet to an attached internet gateway",
                                    tuple(steps), space)
        elif not self._igw_attached():
            return InternetPath("egress", NO, f"regional NAT gateway {t.ref} needs an attached "
                                "internet gateway", tuple(steps), space)
        # the IPv6 leg is the subnet's own ACL; the NAT's IPv4 leg is the
        # one the IPv4 egress of this subnet already takes
        req, rep = direct_hops(self.acl_of(sub), sub.logical_id, None, None)
        flow = evaluate_flow(self.evaluator, src, space, req, rep, approximate=approx)
        path = self._path_from_flow("egress", tuple(steps), space, flow)
        if path.verdict == YES:
            path = InternetPath(path.direction, YES, "NAT64: " + path.reason, path.steps,
                                path.addresses, path.flow, path.ports, path.counted_ports)
        return path

    @staticmethod
    def _nat_instance_fault(t: Target) -> tuple[str, str] | None:
        """Why a NAT instance cannot translate to the internet (NO), or cannot
        be decided (UNKNOWN); None when it can."""
        if t.source_dest_check is True:
            return NO, (f"{t.ref} has source/destination check on: EC2 drops the traffic it "
                        "would forward")
        if t.public_address is False:
            return NO, (f"{t.ref} has no public address (no Elastic IP associated, none at "
                        "launch): its translated traffic cannot leave by the internet gateway")
        if t.source_dest_check is None or t.public_address is None:
            what = "source/destination check" if t.source_dest_check is None \
                else "public address"
            return UNKNOWN, f"the {what} of {t.ref} is not decidable from the template"
        return None

    def _with_bpa(self, path: InternetPath, sub: Subnet, route: Route) -> InternetPath:
        """``path`` under VPC Block Public Access (:func:`~.parser_controls.with_bpa`)."""
        return with_bpa(self.model, path, sub.logical_id, route.target)

    def _limit_by_groups(self, path: InternetPath, groups: Iterable[str], src: IntervalSet,
                         dst: IntervalSet) -> InternetPath:
        """Apply a NAT instance's security groups (stateful: no reply check)."""
        sgs = [self.groups.get(g) for g in groups]
        if not sgs or any(g is None for g in sgs):
            return path
        inbound = self._sg_ports([g for g in sgs if g], egress=False, peer=src)
        outbound = self._sg_ports([g for g in sgs if g], egress=True, peer=dst)
        ports = path.ports & inbound & outbound
        counted = path.counted_ports & inbound & outbound
        verdict = YES if ports else NO
        reason = path.reason + f"; the NAT instance's security groups admit {ports.describe()}"
        return InternetPath(path.direction, verdict, reason, path.steps, path.addresses, path.flow,
                            ports, counted, True)

    def _sg_ports(self, groups: list[SecurityGroup], *, egress: bool, peer: IntervalSet) -> PortMap:
        out: dict[int, IntervalSet] = {}
        protos = self.evaluator.protocols
        for g in groups:
            for r in g.rules:
                if r.egress != egress or r.peer_kind != "cidr":
                    continue
                net = parse_cidr(r.peer)
                if net is None or not (cidr_set(net) & peer):
                    continue
                if r.protocol == -1:
                    targets = protos
                else:
                    targets = (r.protocol,) if r.protocol in protos else ()
                for p in targets:
                    span = port_space(p) if r.protocol == -1 or r.ports is None else r.ports
                    out[p] = out.get(p, IntervalSet()) | (span & port_space(p))
        return PortMap.of(out)

    def _path_from_flow(self, direction: str, steps: Path, space: IntervalSet,
                        flow: FlowResult) -> InternetPath:
        ports = flow.connectable()
        counted = flow.connectable(counted=True)
        if flow.uncertain:
            return InternetPath(direction, UNKNOWN, "network ACL entries the template does not "
                                "determine: " + "; ".join(flow.uncertain), steps, space, flow,
                                ports, counted)
        if ports:
            return InternetPath(direction, YES, f"the ACLs admit {ports.describe()}", steps, space,
                                flow, ports, counted)
        return InternetPath(direction, NO, "the routes lead there but the network ACLs drop all "
                            "of it (request or reply)", steps, space, flow, ports, counted)

    def internet_ingress(self, subnet_id: str) -> InternetAnswer:
        """Can the internet open connections to the subnet, and on which ports:
        an attached internet gateway, a route back to it for the client's
        address, the subnet ACL admitting the request and its reply."""
        if subnet_id in self._ingress_cache:
            return self._ingress_cache[subnet_id]
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        acl = self.acl_of(sub)
        paths: list[InternetPath] = []
        if not self._igw_attached():
            paths.append(InternetPath("ingress", NO, "no internet gateway is attached to the VPC",
                                      (note_step("no internet gateway"), subnet_step(sub)),
                                      self.internet | self.internet6))
        for (dst, approx), internet in ((self.addresses(sub), self.internet),
                                        (self.addresses6(sub), self.internet6)):
            if not self._igw_attached() or not dst or not internet:
                continue
            for space, route in self.lookup(rt, internet):
                steps: list[Step] = [Step("internet", "", f"internet ({_short(space)})"),
                                     subnet_step(sub),
                                     Step("route-table", rt.logical_id,
                                          f"replies: route table {rt.logical_id}")]
                if route is None or route.target.kind is not TargetKind.INTERNET_GATEWAY \
                        or not route.target.attached:
                    if route is not None:
                        steps += [route_step(route), target_step(route.target)]
                    why = ("no route back" if route is None else
                           f"{route.label} goes to an egress-only internet gateway, which "
                           "admits no connection from the internet"
                           if route.target.kind is TargetKind.EGRESS_ONLY_IGW else
                           f"replies take {route.label} to {route.target.label}, not an "
                           "internet gateway")
                    paths.append(InternetPath("ingress", NO, why, tuple(steps), space))
                    continue
                steps += [route_step(route), target_step(route.target)]
                req = [AclHop(acl, False, sub.logical_id, "src")]
                rep = [AclHop(acl, True, sub.logical_id, "src")]
                flow = evaluate_flow(self.evaluator, space, dst, req, rep, approximate=approx)
                paths.append(self._with_bpa(
                    self._path_from_flow("ingress", tuple(steps), space, flow), sub, route))
            for r in self.unresolved_routes(rt):
                if r.ipv6 == (internet is self.internet6) and \
                        r.target.kind in (TargetKind.INTERNET_GATEWAY, TargetKind.UNKNOWN):
                    paths.append(InternetPath(
                        "ingress", UNKNOWN, _undetermined(r),
                        (subnet_step(sub), route_table_step(rt), route_step(r),
                         target_step(r.target)),
                        IntervalSet()))
        ans = InternetAnswer(sub, "ingress", tuple(paths))
        self._ingress_cache[subnet_id] = ans
        return ans

    # -- security groups -----------------------------------------------------
    def group_ingress(self, src: Subnet, w: Workload, proto: int, ports: IntervalSet
                      ) -> tuple[str, str]:
        """Whether the security groups of ``w`` admit ``proto`` on ``ports``
        from every address of ``src`` (YES / NO / UNKNOWN, and why). Groups
        are stateful: the reply needs no rule."""
        return self._groups_admit(w.groups, w.unresolved_groups, src, proto, ports,
                                  egress=False, who=w.logical_id)

    def group_egress(self, w: Workload, dst: Subnet, proto: int, ports: IntervalSet,
                     dst_groups: tuple[str, ...]) -> tuple[str, str]:
        """Whether the security groups of ``w`` let ``proto`` on ``ports`` out
        to every address of ``dst`` (or to one of ``dst_groups``)."""
        return self._groups_admit(w.groups, w.unresolved_groups, dst, proto, ports,
                                  egress=True, who=w.logical_id, peer_groups=dst_groups)

    def _groups_admit(self, groups: tuple[str, ...], unresolved: int, other: Subnet, proto: int,
                      ports: IntervalSet, *, egress: bool, who: str,
                      peer_groups: tuple[str, ...] | None = None) -> tuple[str, str]:
        direction = "egress" if egress else "ingress"
        if unresolved:
            return UNKNOWN, f"{who} has security groups that are not in the template"
        if not groups:
            return UNKNOWN, (f"{who} names no security group: it gets the VPC's default group, "
                             "whose rules the template does not show")
        other_space, _ = self.addresses(other)
        other_groups = set(peer_groups or ()) | {
            g for x in self.model.workloads_in(other.logical_id) for g in x.groups}
        attached = {g for x in self.model.workloads for g in x.groups}
        admitted = IntervalSet()
        doubts: list[str] = []
        partial: list[str] = []
        for gid in groups:
            g = self.groups.get(gid)
            if g is None:
                return UNKNOWN, f"security group {gid} of {who} is not in the template"
            for r in g.rules:
                if r.egress != egress or r.protocol not in (-1, proto):
                    continue
                span = port_space(proto) if r.protocol == -1 or r.ports is None else r.ports
                span = span & ports
                if not span:
                    continue
                if r.peer_kind == "cidr":
                    net = parse_cidr(r.peer)
                    if net is None:
                        doubts.append(f"{r.logical_id}: its CIDR is not resolvable")
                    elif cidr_set(net).issuperset(other_space):
                        admitted = admitted | span
                    elif cidr_set(net) & other_space:
                        partial.append(r.logical_id)
                elif r.peer_kind == "security-group":
                    if r.peer in other_groups:
                        admitted = admitted | span
                    elif r.peer not in attached:
                        doubts.append(f"{r.logical_id}: group {r.peer} is attached to nothing "
                                      "the template places")
                elif r.peer_kind != "cidr6":
                    doubts.append(f"{r.logical_id}: peer {r.peer_kind} {r.peer} is not decidable")
        names = ", ".join(groups)
        if admitted.issuperset(ports):
            return YES, f"security group(s) {names} of {who} admit it ({direction})"
        if doubts:
            return UNKNOWN, f"security group(s) {names} of {who}: " + "; ".join(doubts)
        more = f" (rule(s) {', '.join(partial)} cover only part of {other.logical_id})" \
            if partial else ""
        return NO, (f"security group(s) {names} of {who} do not admit it ({direction}, "
                    f"{other.logical_id}){more}")

    @staticmethod
    def needs_of(w: Workload) -> tuple[str, ...]:
        """The services ``w`` cannot run without (see
        :meth:`~vpc_patterns.plan.intents.Intent.workloads_reach_their_needs`)."""
        return WORKLOAD_NEEDS.get(w.resource_type, ())

    def reaches_service(self, w: Workload, sub: Subnet, service: str) -> tuple[str, str]:
        """Whether ``w`` in ``sub`` reaches ``service`` on TCP 443 (YES / NO /
        UNKNOWN, and how or why not): its interface endpoint when the VPC has
        one, the S3 gateway endpoint on the subnet's route table, else the
        internet (the subnet's routes and ACLs, and the groups' egress)."""
        https = IntervalSet.of((443, 443))
        endpoints = [e for e in self.model.interface_endpoints
                     if e.service_name.endswith("." + service)]
        for e in endpoints:
            where = [self.subnets[x] for x in e.subnets if x in self.subnets]
            if not where:
                continue
            for target in where:
                out, why = self._groups_admit(w.groups, w.unresolved_groups, target, TCP, https,
                                              egress=True, who=w.logical_id,
                                              peer_groups=e.security_groups)
                if out != YES:
                    return out, f"to the {service} endpoint {e.logical_id}: {why}"
            back, why = self._groups_admit(e.security_groups, 0, sub, TCP, https, egress=False,
                                           who=e.logical_id)
            if back != YES:
                return back, f"the {service} endpoint {e.logical_id}: {why}"
            return YES, f"through the {service} endpoint {e.logical_id}"
        rt = self.route_table_of(sub)
        if service == "s3" and any(r.origin == "endpoint" and r.prefix_list == "s3"
                                   for r in rt.routes):
            return self._egress_rule_to_anywhere(w, "the S3 gateway endpoint (its prefix list)")
        eg = self.internet_egress(sub.logical_id)
        if not any(p.verdict == YES and p.ports.get(TCP).issuperset(https) for p in eg.paths):
            return NO, (f"no {service} endpoint in the VPC and {sub.logical_id} does not reach the "
                        "internet on TCP 443")
        return self._egress_rule_to_anywhere(w, f"{service} over the internet")

    def _egress_rule_to_anywhere(self, w: Workload, what: str) -> tuple[str, str]:
        """``w``'s groups let TCP 443 out to every address (what a public
        service's changing addresses, or a prefix list, need)."""
        if w.unresolved_groups or not w.groups or any(g not in self.groups for g in w.groups):
            return UNKNOWN, f"the security groups of {w.logical_id} are not all in the template"
        listed = False
        for gid in w.groups:
            for r in self.groups[gid].rules:
                if not r.egress or r.protocol not in (-1, TCP):
                    continue
                if r.protocol == TCP and r.ports is not None and not r.ports.contains(443):
                    continue
                net = parse_cidr(r.peer) if r.peer_kind == "cidr" else None
                if net is not None and net.prefixlen == 0:
                    return YES, f"{what}, out by {r.logical_id}"
                listed = listed or r.peer_kind == "prefix-list"
        if listed:
            return UNKNOWN, (f"{what}: the groups of {w.logical_id} let TCP 443 out only to a "
                             "prefix list the template does not resolve")
        return NO, (f"{what}: the security groups {', '.join(w.groups)} of {w.logical_id} let no "
                    "TCP 443 out to it")

    def internet_group_layer(self, sub: Subnet, ports: PortMap) -> list[str]:
        """Per workload the template places in ``sub``: which of ``ports``
        its security groups admit from internet addresses (ingress), in
        words; empty when the template places nothing there."""
        out: list[str] = []
        for w in self.model.workloads_in(sub.logical_id):
            groups = [self.groups.get(g) for g in w.groups]
            if not w.groups or w.unresolved_groups or any(g is None for g in groups):
                out.append(f"{w.logical_id}: its security groups are not all in the template")
                continue
            got: dict[int, IntervalSet] = {}
            for g in groups:
                assert g is not None
                for r in g.rules:
                    if r.egress or r.peer_kind not in ("cidr", "cidr6"):
                        continue
                    net = parse_cidr(r.peer) if r.peer_kind == "cidr" else parse_cidr6(r.peer)
                    internet = self.internet if r.peer_kind == "cidr" else self.internet6
                    if net is None or not (cidr_set(net) & internet):
                        continue
                    for proto in ports.protocols():
                        if r.protocol not in (-1, proto):
                            continue
                        span = port_space(proto) if r.protocol == -1 or r.ports is None \
                            else r.ports
                        got[proto] = got.get(proto, IntervalSet()) | (span & ports.get(proto))
            admitted = PortMap.of(got)
            what = f"admit {admitted.describe()}" if admitted else "admit none of it"
            out.append(f"{w.logical_id} ({w.resource_type}): its security groups {what}")
        return out

    # -- inside the VPC ------------------------------------------------------
    def flow(self, src_id: str, dst_id: str) -> FlowResult:
        """What the ACLs let through from one subnet to another (both ways)."""
        key = (src_id, dst_id)
        if key in self._flow_cache:
            return self._flow_cache[key]
        s, d = self.subnets[src_id], self.subnets[dst_id]
        sa, s_approx = self.addresses(s)
        da, d_approx = self.addresses(d)
        req, rep = direct_hops(self.acl_of(s), src_id, self.acl_of(d), dst_id)
        f = evaluate_flow(self.evaluator, sa, da, req, rep, approximate=s_approx or d_approx)
        self._flow_cache[key] = f
        return f

    def tier_flow(self, src_tier: str, dst_tier: str) -> TierFlow:
        pairs = []
        for s in self.model.subnets_of(src_tier):
            for d in self.model.subnets_of(dst_tier):
                if s.logical_id != d.logical_id:
                    pairs.append((s, d, self.flow(s.logical_id, d.logical_id)))
        return TierFlow(src_tier, dst_tier, tuple(pairs))

    def tier_matrix(self) -> dict[tuple[str, str], TierFlow]:
        """Every ordered pair of tiers (a tier with itself: between its
        subnets in different AZs)."""
        tiers = self.model.tiers()
        return {(a, b): self.tier_flow(a, b) for a in tiers for b in tiers}

    def intra_vpc_route_notes(self, src: Subnet, dst: Subnet) -> list[str]:
        """Routes more specific than the local route that divert traffic
        between two subnets through an appliance."""
        if dst.cidr is None:
            return []
        look = self.route_lookup(src.logical_id, str(dst.cidr))
        if look.route is not None and look.route.target.kind is not TargetKind.LOCAL:
            return [f"{src.logical_id} reaches {dst.logical_id} through {look.route.label} -> "
                    f"{look.route.target.label}, not the local route"]
        return []

    # -- endpoints, AZs, external routes -----------------------------------
    def gateway_endpoint_route(self, subnet_id: str, service: str) -> EndpointAnswer:
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        route = next((r for r in rt.routes
                      if r.origin == "endpoint" and r.target.service == service), None)
        if route is None:
            route = next((r for r in rt.routes if r.prefix_list is not None
                          and r.origin == "template"
                          and r.target.kind is TargetKind.GATEWAY_ENDPOINT
                          and r.target.service == service), None)
        fallback = () if route is not None else tuple(self.lookup(rt, self.internet))
        return EndpointAnswer(sub, rt, service, route, fallback)

    # -- regional NAT gateways -------------------------------------------------
    def regional_nat(self, target: Target) -> NatGateway | None:
        """The regional NAT gateway (AvailabilityMode regional) ``target``
        names, None when it names none of this VPC's."""
        if target.kind is not TargetKind.NAT_GATEWAY:
            return None
        return next((n for n in self.model.nat_gateways
                     if n.regional and n.logical_id == target.ref), None)

    @staticmethod
    def regional_serves(sub: Subnet, nat: NatGateway) -> bool | None:
        """Whether regional NAT gateway ``nat`` has a presence in ``sub``'s
        AZ: always in automatic mode (it expands to every AZ with subnets);
        in manual mode only in the AZs its AvailabilityZoneAddresses list
        (None: an AZ cannot be compared)."""
        if nat.zones is None:
            return True
        answers = [same_az(sub.az, z) for z in nat.zones]
        if True in answers:
            return True
        return None if None in answers else False

    def _egress_via_regional_nat(self, sub: Subnet, src: IntervalSet, approx: bool,
                                 space: IntervalSet, nat: NatGateway,
                                 steps: list[Step]) -> InternetPath:
        """A regional NAT gateway: no subnet of its own; it reaches the
        internet through the VPC's internet gateway, which must be attached."""
        if nat.private:
            return InternetPath("egress", NO, f"NAT gateway {nat.logical_id} is private (no "
                                "internet)", tuple(steps), space)
        if not self._igw_attached():
            return InternetPath(
                "egress", NO, f"regional NAT gateway {nat.logical_id} reaches the internet "
                "through the VPC's internet gateway, and none is attached to the VPC",
                tuple(steps), space)
        serves = self.regional_serves(sub, nat)
        if serves is not True:
            return InternetPath(
                "egress", NO if serves is False else UNKNOWN,
                f"regional NAT gateway {nat.logical_id} (manual mode) "
                + ("lists no addresses for" if serves is False else "cannot be matched with")
                + f" the AZ of {sub.logical_id}", tuple(steps), space)
        req, rep = direct_hops(self.acl_of(sub), sub.logical_id, None, None)
        flow = evaluate_flow(self.evaluator, src, space, req, rep, approximate=approx)
        return self._path_from_flow("egress", tuple(steps), space, flow)

    def nat_routes(self, subnet_id: str) -> list[AzAnswer]:
        """Every route of the subnet towards internet addresses whose target
        is a NAT (gateway or instance), with whether the NAT is in the
        subnet's AZ (None: an AZ is unknown, or named in different ways)."""
        sub = self.subnets[subnet_id]
        rt = self.route_table_of(sub)
        out = []
        for r in rt.routes:
            if r.target.kind not in (TargetKind.NAT_GATEWAY, TargetKind.NAT_INSTANCE):
                continue
            if r.cidr is not None and not (cidr_set(r.cidr) & self.internet):
                continue
            regional = self.regional_nat(r.target)
            out.append(AzAnswer(sub, rt, r, same_az(sub.az, r.target.az) if regional is None
                                else self.regional_serves(sub, regional)))
        return out

    def external_routes(self, subnet_id: str) -> list[Route]:
        """Routes of the subnet to networks outside the VPC that are not the
        internet: peering, VPN, transit gateway (known destinations only)."""
        rt = self.route_table_of(self.subnets[subnet_id])
        return [r for r in rt.routes if r.cidr is not None and r.target.kind in
                (TargetKind.PEERING, TargetKind.VPN_GATEWAY, TargetKind.TRANSIT_GATEWAY)]

    def external_flow(self, subnet_id: str, route: Route, *, inbound: bool) -> FlowResult:
        """ACL verdict for traffic between the subnet and a route's destination
        (the far side's own filters are not in the template)."""
        sub = self.subnets[subnet_id]
        addrs, approx = self.addresses(sub)
        assert route.cidr is not None
        remote = cidr_set(route.cidr)
        acl = self.acl_of(sub)
        if inbound:
            req = [AclHop(acl, False, subnet_id, "src")]
            rep = [AclHop(acl, True, subnet_id, "src")]
            return evaluate_flow(self.evaluator, remote, addrs, req, rep, approximate=approx)
        req2, rep2 = direct_hops(acl, subnet_id, None, None)
        return evaluate_flow(self.evaluator, addrs, remote, req2, rep2, approximate=approx)


def _undetermined(r: Route) -> str:
    if r.prefix_list is not None:
        return (f"route {r.logical_id} to {r.target.label} is for prefix list {r.prefix_list}, "
                "whose entries the template does not hold (an AWS-managed list holds public "
                "service addresses)")
    return f"route {r.logical_id} to {r.target.label} has a destination the template does not " \
        "determine"


def same_az(a: str | None, b: str | None) -> bool | None:
    """Whether two AZ keys name the same AZ (None when that cannot be told)."""
    if a is None or b is None or a == "unknown" or b == "unknown":
        return None
    if a == b:
        return True
    if a.split(":", 1)[0] != b.split(":", 1)[0]:
        return None  # an index and a name (or an id) cannot be compared
    return False


def _short(space: IntervalSet) -> str:
    if space.size() > 2**24:
        return "public addresses"
    text = space.describe_addresses()
    return text if len(text) < 60 else text[:57] + "..."


