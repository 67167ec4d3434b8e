"""Environment configuration for the reference app, read from cdk.json context.

Pure Python: validates every key before any stack is built, and names the
full key path of a bad value (``vpc_patterns:environments.dev.max_azs``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.dns import DnsPlan, plan_dns
from vpc_patterns.plan.flow_log_format import TrafficType
from vpc_patterns.plan.flow_logs import (
    DEFAULT_AGGREGATION_INTERVAL,
    DEFAULT_FLOW_LOG_RETENTION_DAYS,
)
from vpc_patterns.plan.network import (
    DEFAULT_AZ_SLOTS,
    DEFAULT_CIDR,
    NatProvider,
    SubnetKind,
    Tier,
    VpcPlan,
    plan_network,
)
from vpc_patterns.plan.peering import DEFAULT_PEER_TCP_PORTS

CONTEXT_KEY = "vpc_patterns:environments"

_ACCEPTED = {
    "cidr": "VPC CIDR, e.g. '10.0.0.0/16'",
    "max_azs": "number of AZs, 1..6",
    "availability_zones": "list of AZ names",
    "availability_zone_ids": "list of AZ ids",
    "az_slots": "subnet slots reserved per tier, 1..8",
    "nat": "gateway-per-az | single-gateway | instances | regional-gateway | none",
    "nat_instance_type": "EC2 instance type of NAT instances",
    "tiers": "list of {name, kind, cidr_mask?, reserved?}",
    "flow_log_retention_days": "CloudWatch Logs retention in days",
    "flow_log_destinations": "list of cloudwatch | s3",
    "flow_log_traffic_type": "ALL | ACCEPT | REJECT",
    "flow_log_aggregation_seconds": "60 | 600",
    "flow_log_s3_format": "plain-text | parquet (Hive-compatible partitions with parquet)",
    "monitoring": "true | false: NAT alarms with an encrypted alarm topic",
    "dashboard": "true | false: a CloudWatch dashboard of the network",
    "logs_removal_policy": "retain | destroy",
    "interface_endpoints": (
        "list of AWS service names for PrivateLink endpoints, e.g. ['ssm', 'logs']"
    ),
    "demo_host_with_extra_eni": "true | false: a hardened instance with a second interface",
    "vpn": "{customer_gateway_ip, on_premises_cidrs, routing?, on_premises_tcp_ports?}",
    "hybrid_dns": "{forward_domains: {domain: [resolver IPs]}, tier?, inbound_ips?, outbound_ips?} "
                  "(needs vpn: the on-premises ranges may query the inbound endpoint)",
    "encryption_control": "monitor | enforce: VPC Encryption Controls",
    "block_public_access_exclusions": "list of tiers kept reachable when Block Public Access "
                                      "is on (exclusions cost nothing while it is off)",
    "direct_connect_gateway_id": (
        "Direct Connect gateway id (built with -c vpc_patterns:direct_connect=true)"
    ),
    "account": "12-digit AWS account id (pins the stack)",
    "region": "AWS region name (pins the stack)",
    "description": "free text",
}


PEERING_KEY = "vpc_patterns:peering"
#: App-level: turn VPC Block Public Access on for the account and region of the
#: app's first environment ("ingress" or "bidirectional"); off when absent.
BLOCK_PUBLIC_ACCESS_KEY = "vpc_patterns:block_public_access"
#: What on-premises clients may open, per tier, unless configured: HTTPS into
#: the private tier (the reference app's choice, not a library default).
DEFAULT_ON_PREMISES_TCP_PORTS: tuple[tuple[str, tuple[int, ...]], ...] = (("private", (443,)),)


@dataclass(frozen=True)
class VpnConfig:
    """A site-to-site VPN to an on-premises network."""

    customer_gateway_ip: str
    on_premises_cidrs: tuple[str, ...]
    routing: str = "static"
    #: TCP ports the on-premises ranges may open, per tier (network ACLs).
    on_premises_tcp_ports: tuple[tuple[str, tuple[int, ...]], ...] = DEFAULT_ON_PREMISES_TCP_PORTS


@dataclass(frozen=True)
class PeeringConfig:
    """Hub-and-spoke peering between environments of the app."""

    hub: str
    spokes: tuple[str, ...]
    #: TCP ports a peer may open into the other side's private tier.
    tcp_ports: tuple[int, ...] = DEFAULT_PEER_TCP_PORTS


@dataclass(frozen=True)
class HybridDnsConfig:
    """Route 53 Resolver endpoints and forwarding for an environment with a VPN."""

    forward_domains: tuple[tuple[str, tuple[str, ...]], ...]
    tier: str = "private"
    inbound_ips: tuple[str, ...] | None = None
    outbound_ips: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    cidr: str = DEFAULT_CIDR
    max_azs: int | None = None
    availability_zones: tuple[str, ...] | None = None
    availability_zone_ids: tuple[str, ...] | None = None
    az_slots: int = DEFAULT_AZ_SLOTS
    nat: NatProvider = field(default_factory=NatProvider.gateway_per_az)
    tiers: tuple[Tier, ...] | None = None
    flow_log_retention_days: int = DEFAULT_FLOW_LOG_RETENTION_DAYS
    flow_log_destinations: tuple[str, ...] = ("cloudwatch",)
    flow_log_traffic_type: str = TrafficType.ALL.value
    flow_log_aggregation_seconds: int = DEFAULT_AGGREGATION_INTERVAL
    flow_log_s3_format: str = "plain-text"
    monitoring: bool = True
    dashboard: bool = True
    logs_removal_policy: str = "retain"
    interface_endpoints: tuple[str, ...] = ()
    demo_host_with_extra_eni: bool = False
    vpn: VpnConfig | None = None
    hybrid_dns: HybridDnsConfig | None = None
    encryption_control: str | None = None
    block_public_access_exclusions: tuple[str, ...] = ()
    direct_connect_gateway_id: str | None = None
    account: str | None = None
    region: str | None = None
    description: str = ""

    def network_options(self) -> dict[str, Any]:
        """The options of ``plan_network`` / ``BestPracticeVpc`` this
        environment sets (one place, so the plan checked here is the plan
        the stack builds)."""
        return {"cidr": self.cidr, "max_azs": self.max_azs,
                "availability_zones": self.availability_zones,
                "availability_zone_ids": self.availability_zone_ids, "tiers": self.tiers,
                "az_slots": self.az_slots, "nat": self.nat}

    def hybrid_dns_options(self) -> dict[str, Any] | None:
        """The options of ``plan_dns`` / ``HybridDns`` this environment sets
        (the on-premises ranges are the VPN's), or None without hybrid DNS."""
        if self.hybrid_dns is None or self.vpn is None:
            return None
        d = self.hybrid_dns
        return {"tier": d.tier, "on_premises_cidrs": self.vpn.on_premises_cidrs,
                "forward_domains": {k: list(v) for k, v in d.forward_domains},
                "inbound_ips": d.inbound_ips, "outbound_ips": d.outbound_ips}

    def hybrid_dns_plan(self, plan: VpcPlan) -> DnsPlan | None:
        """The planned hybrid DNS of this environment, or None."""
        options = self.hybrid_dns_options()
        return None if options is None else plan_dns(plan, **options)


def _key(env: str, name: str) -> str:
    return f"{CONTEXT_KEY}.{env}.{name}"


#: CloudFormation's limit on a template's Description.
MAX_STACK_DESCRIPTION_BYTES = 1024


def _expect(env: str, name: str, value: Any, types: tuple[type, ...], what: str) -> None:
    if isinstance(value, bool) and bool not in types:
        raise ConfigError(f"{_key(env, name)} = {value!r} must be {what}")
    if not isinstance(value, types):
        raise ConfigError(f"{_key(env, name)} = {value!r} must be {what}")


def _choice(env: str, raw: Mapping[str, Any], kw: dict[str, Any], key: str,
            accepted: tuple[str, ...]) -> None:
    if key in raw:
        if raw[key] not in accepted:
            raise ConfigError(f"{_key(env, key)} = {raw[key]!r}; accepted: {', '.join(accepted)}")
        kw[key] = raw[key]


def _parse_vpn(env: str, raw: Any) -> VpnConfig:
    where = _key(env, "vpn")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} = {raw!r} must be an object: {_ACCEPTED['vpn']}")
    extra = set(raw) - {
        "customer_gateway_ip", "on_premises_cidrs", "routing", "on_premises_tcp_ports"
    }
    if extra:
        raise ConfigError(f"{where} has unknown keys {sorted(extra)}; accepted: {_ACCEPTED['vpn']}")
    ip = raw.get("customer_gateway_ip")
    if not isinstance(ip, str):
        raise ConfigError(f"{where}.customer_gateway_ip = {ip!r} must be an IPv4 address string")
    cidrs = raw.get("on_premises_cidrs")
    if not isinstance(cidrs, list) or not cidrs or not all(isinstance(c, str) for c in cidrs):
        raise ConfigError(
            f"{where}.on_premises_cidrs = {cidrs!r} must be a non-empty list of CIDRs"
        )
    routing = raw.get("routing", "static")
    if routing not in ("static", "bgp"):
        raise ConfigError(f"{where}.routing = {routing!r}; accepted: static, bgp")
    ports = raw.get("on_premises_tcp_ports",
                    {tier: list(p) for tier, p in DEFAULT_ON_PREMISES_TCP_PORTS})
    if not isinstance(ports, Mapping) or not all(
        isinstance(v, list) and all(isinstance(p, int) and not isinstance(p, bool) for p in v)
        for v in ports.values()
    ):
        raise ConfigError(
            f"{where}.on_premises_tcp_ports = {ports!r} must map tier names to lists of ports"
        )
    return VpnConfig(ip, tuple(cidrs), routing,
                     tuple((t, tuple(v)) for t, v in ports.items()))


def parse_peering(raw: Any, envs: Mapping[str, EnvironmentConfig]) -> PeeringConfig | None:
    """Parse the ``vpc_patterns:peering`` context value (absent: no peering)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{PEERING_KEY} = {raw!r} must be an object {{hub, spokes, tcp_ports?}}")
    extra = set(raw) - {"hub", "spokes", "tcp_ports"}
    if extra:
        raise ConfigError(
            f"{PEERING_KEY} has unknown keys {sorted(extra)}; accepted: hub, spokes, tcp_ports"
        )
    hub, spokes = raw.get("hub"), raw.get("spokes")
    if not isinstance(hub, str) or hub not in envs:
        raise ConfigError(f"{PEERING_KEY}.hub = {hub!r} is not an environment; "
                          f"accepted: {', '.join(envs)}")
    if not isinstance(spokes, list) or not spokes:
        raise ConfigError(
            f"{PEERING_KEY}.spokes = {spokes!r} must be a non-empty list of environments"
        )
    for sp in spokes:
        if not isinstance(sp, str) or sp not in envs or sp == hub or spokes.count(sp) > 1:
            raise ConfigError(
                f"{PEERING_KEY}.spokes entry {sp!r} must be an environment other than the hub, "
                f"listed once; environments: {', '.join(envs)}"
            )
    ports = raw.get("tcp_ports", list(DEFAULT_PEER_TCP_PORTS))
    if not isinstance(ports, list) or not ports or not all(
        isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in ports
    ):
        raise ConfigError(
            f"{PEERING_KEY}.tcp_ports = {ports!r} must be a non-empty list of TCP ports"
        )
    return PeeringConfig(hub, tuple(spokes), tuple(ports))


def _parse_hybrid_dns(env: str, raw: Any) -> HybridDnsConfig:
    where = _key(env, "hybrid_dns")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} = {raw!r} must be an object: {_ACCEPTED['hybrid_dns']}")
    extra = set(raw) - {"forward_domains", "tier", "inbound_ips", "outbound_ips"}
    if extra:
        raise ConfigError(f"{where} has unknown keys {sorted(extra)}; "
                          f"accepted: {_ACCEPTED['hybrid_dns']}")
    domains = raw.get("forward_domains")
    if not isinstance(domains, Mapping) or not domains or not all(
        isinstance(d, str) and isinstance(ips, list) and ips
        and all(isinstance(i, str) for i in ips) for d, ips in domains.items()
    ):
        raise ConfigError(f"{where}.forward_domains = {domains!r} must be an object of domain "
                          "-> non-empty list of resolver IP strings")
    tier = raw.get("tier", "private")
    if not isinstance(tier, str):
        raise ConfigError(f"{where}.tier = {tier!r} must be a tier name")
    fixed: dict[str, tuple[str, ...] | None] = {}
    for k in ("inbound_ips", "outbound_ips"):
        value = raw.get(k)
        if value is not None and (not isinstance(value, list)
                                  or not all(isinstance(i, str) for i in value)):
            raise ConfigError(f"{where}.{k} = {value!r} must be a list of IP strings")
        fixed[k] = tuple(value) if value is not None else None
    return HybridDnsConfig(tuple((d, tuple(ips)) for d, ips in domains.items()), tier,
                           fixed["inbound_ips"], fixed["outbound_ips"])


def parse_environment(env: str, raw: Mapping[str, Any]) -> EnvironmentConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{CONTEXT_KEY}.{env} = {raw!r} must be an object of settings")
    for k in raw:
        if k not in _ACCEPTED:
            raise ConfigError(
                f"{_key(env, k)} is not a known setting; accepted: " + ", ".join(sorted(_ACCEPTED))
            )
    kw: dict[str, Any] = {"name": env}
    if "cidr" in raw:
        _expect(env, "cidr", raw["cidr"], (str,), "a CIDR string such as '10.0.0.0/16'")
        kw["cidr"] = raw["cidr"]
    for k in ("max_azs", "az_slots", "flow_log_retention_days", "flow_log_aggregation_seconds"):
        if k in raw:
            _expect(env, k, raw[k], (int,), f"an integer ({_ACCEPTED[k]})")
            kw[k] = raw[k]
    for k in ("availability_zones", "availability_zone_ids"):
        if k in raw:
            _expect(env, k, raw[k], (list,), "a list of strings")
            kw[k] = tuple(raw[k])
    nat_type = raw.get("nat_instance_type")
    if nat_type is not None:
        _expect(env, "nat_instance_type", nat_type, (str,), "an instance type such as 't4g.nano'")
    if nat_type is not None and "nat" not in raw:
        raise ConfigError(
            f"{_key(env, 'nat_instance_type')} is set but {_key(env, 'nat')} is not; set "
            "nat = 'instances' (the default is a NAT gateway per AZ)"
        )
    if "nat" in raw:
        _expect(env, "nat", raw["nat"], (str,), _ACCEPTED["nat"])
        try:
            nat = NatProvider.parse(raw["nat"])
        except ConfigError as err:
            raise ConfigError(f"{_key(env, 'nat')}: {err}") from None
        if nat_type is not None:
            if not nat.strategy.accepts_instance_options:
                raise ConfigError(
                    f"{_key(env, 'nat_instance_type')} is set but {_key(env, 'nat')} is "
                    f"{raw['nat']!r}; it applies only to nat = 'instances'"
                )
            nat = replace(nat, instance_type=nat_type)
        kw["nat"] = nat
    if "tiers" in raw:
        _expect(env, "tiers", raw["tiers"], (list,), _ACCEPTED["tiers"])
        tiers = []
        for i, t in enumerate(raw["tiers"]):
            where = f"tiers[{i}]"
            if not isinstance(t, Mapping) or "name" not in t or "kind" not in t:
                raise ConfigError(
                    f"{_key(env, where)} = {t!r} must be an object with name and kind"
                )
            extra = set(t) - {"name", "kind", "cidr_mask", "reserved"}
            if "reserved" in t and not isinstance(t["reserved"], bool):
                raise ConfigError(f"{_key(env, where + '.reserved')} = {t['reserved']!r} must be "
                                  "true or false")
            if extra:
                raise ConfigError(f"{_key(env, where)} has unknown keys {sorted(extra)}")
            if not isinstance(t["kind"], str) or t["kind"] not in {k.value for k in SubnetKind}:
                raise ConfigError(
                    f"{_key(env, where + '.kind')} = {t['kind']!r}; "
                    "accepted: public, private, isolated"
                )
            tiers.append(Tier(t["name"], t["kind"], t.get("cidr_mask"), t.get("reserved", False)))
        kw["tiers"] = tuple(tiers)
    for k in ("monitoring", "dashboard"):
        if k in raw:
            _expect(env, k, raw[k], (bool,), "true or false")
            kw[k] = raw[k]
    _choice(env, raw, kw, "flow_log_traffic_type", ("ALL", "ACCEPT", "REJECT"))
    _choice(env, raw, kw, "flow_log_s3_format", ("plain-text", "parquet"))
    if "flow_log_aggregation_seconds" in kw and kw["flow_log_aggregation_seconds"] not in (60, 600):
        raise ConfigError(
            f"{_key(env, 'flow_log_aggregation_seconds')} = {kw['flow_log_aggregation_seconds']!r};"
            " accepted: 60, 600"
        )
    if "flow_log_destinations" in raw:
        dests = raw["flow_log_destinations"]
        _expect(env, "flow_log_destinations", dests, (list,), _ACCEPTED["flow_log_destinations"])
        for d in dests:
            if d not in ("cloudwatch", "s3") or dests.count(d) > 1:
                raise ConfigError(
                    f"{_key(env, 'flow_log_destinations')} entry {d!r}: accepted once each: "
                    "cloudwatch, s3 (an empty list turns flow logs off)"
                )
        kw["flow_log_destinations"] = tuple(dests)
    if "interface_endpoints" in raw:
        eps = raw["interface_endpoints"]
        _expect(env, "interface_endpoints", eps, (list,), _ACCEPTED["interface_endpoints"])
        for e in eps:
            if not isinstance(e, str) or not re.fullmatch(r"[a-z0-9]+([.-][a-z0-9]+)*", e):
                raise ConfigError(
                    f"{_key(env, 'interface_endpoints')} entry {e!r} is not a service name "
                    "such as 'ssm' or 'ecr.api'"
                )
        kw["interface_endpoints"] = tuple(eps)
    if "demo_host_with_extra_eni" in raw:
        _expect(env, "demo_host_with_extra_eni", raw["demo_host_with_extra_eni"], (bool,),
                "true or false")
        kw["demo_host_with_extra_eni"] = raw["demo_host_with_extra_eni"]
    if "vpn" in raw:
        kw["vpn"] = _parse_vpn(env, raw["vpn"])
    if "hybrid_dns" in raw:
        if "vpn" not in raw:
            raise ConfigError(f"{_key(env, 'hybrid_dns')} is set but {_key(env, 'vpn')} is not: "
                              "the on-premises ranges that query the endpoints are the VPN's")
        kw["hybrid_dns"] = _parse_hybrid_dns(env, raw["hybrid_dns"])
    _choice(env, raw, kw, "encryption_control", ("monitor", "enforce"))
    if "block_public_access_exclusions" in raw:
        tiers = raw["block_public_access_exclusions"]
        if not isinstance(tiers, list) or not all(isinstance(t, str) for t in tiers):
            raise ConfigError(f"{_key(env, 'block_public_access_exclusions')} = {tiers!r} must "
                              "be a list of tier names, e.g. ['public']")
        kw["block_public_access_exclusions"] = tuple(tiers)
    if "direct_connect_gateway_id" in raw:
        dx = raw["direct_connect_gateway_id"]
        if not isinstance(dx, str) or not re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", dx
        ):
            raise ConfigError(
                f"{_key(env, 'direct_connect_gateway_id')} = {dx!r} is not a Direct Connect "
                "gateway id (a lowercase UUID)"
            )
        kw["direct_connect_gateway_id"] = dx
    if "flow_log_s3_format" in raw and "s3" not in kw.get("flow_log_destinations", ("cloudwatch",)):
        raise ConfigError(
            f"{_key(env, 'flow_log_s3_format')} is set but {_key(env, 'flow_log_destinations')} "
            "has no 's3'; add it or drop the format"
        )
    if "direct_connect_gateway_id" in kw and "vpn" not in kw:
        raise ConfigError(
            f"{_key(env, 'direct_connect_gateway_id')} is set but {_key(env, 'vpn')} is not: "
            "the association links the VPN's virtual private gateway; configure the vpn"
        )
    if "logs_removal_policy" in raw:
        if raw["logs_removal_policy"] not in ("retain", "destroy"):
            raise ConfigError(
                f"{_key(env, 'logs_removal_policy')} = {raw['logs_removal_policy']!r}; "
                "accepted: retain, destroy"
            )
        kw["logs_removal_policy"] = raw["logs_removal_policy"]
    if "account" in raw:
        if not isinstance(raw["account"], str) or not re.fullmatch(r"[0-9]{12}", raw["account"]):
            raise ConfigError(
                f"{_key(env, 'account')} = {raw['account']!r} must be a 12-digit string"
            )
        kw["account"] = raw["account"]
    if "region" in raw:
        if not isinstance(raw["region"], str) or not re.fullmatch(
            r"[a-z]{2}(-[a-z]+)+-[0-9]+", raw["region"]
        ):
            raise ConfigError(
                f"{_key(env, 'region')} = {raw['region']!r} "
                "is not a region name such as 'eu-west-1'"
            )
        kw["region"] = raw["region"]
    if "description" in raw:
        _expect(env, "description", raw["description"], (str,), "a string")
        size = len(raw["description"].encode("utf-8"))
        if size > MAX_STACK_DESCRIPTION_BYTES:
            raise ConfigError(
                f"{_key(env, 'description')} is {size} bytes (UTF-8); a CloudFormation stack "
                f"description holds at most {MAX_STACK_DESCRIPTION_BYTES}: shorten it"
            )
        kw["description"] = raw["description"]
    cfg = EnvironmentConfig(**kw)
    # Validate the network itself now, so the error names this environment.
    try:
        plan = plan_network(**cfg.network_options())
        cfg.hybrid_dns_plan(plan)
    except ConfigError as err:
        raise ConfigError(f"{CONTEXT_KEY}.{env}: {err}") from None
    return cfg


def parse_block_public_access(raw: Any) -> str | None:
    """The ``vpc_patterns:block_public_access`` context value: None (off),
    ``"ingress"`` or ``"bidirectional"``."""
    if raw in (None, False, "false", "off"):
        return None
    if raw not in ("ingress", "bidirectional"):
        raise ConfigError(f"{BLOCK_PUBLIC_ACCESS_KEY} = {raw!r}; accepted: ingress, "
                          "bidirectional (or leave it unset: off)")
    return str(raw)


def parse_environments(raw: Any) -> dict[str, EnvironmentConfig]:
    """Parse the ``vpc_patterns:environments`` context value."""
    if raw is None:
        raise ConfigError(
            f"context key {CONTEXT_KEY!r} is missing; define at least one environment in "
            "cdk.json, e.g. {\"dev\": {\"cidr\": \"10.10.0.0/16\"}}"
        )
    if isinstance(raw, str):  # `cdk synth -c key='{...}'` passes JSON as a string
        import json

        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{CONTEXT_KEY} is not valid JSON: {err}") from None
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{CONTEXT_KEY} = {raw!r} must be a non-empty object of environments")
    out = {}
    for name, value in raw.items():
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,20}", str(name)):
            raise ConfigError(
                f"{CONTEXT_KEY}.{name} is not an accepted environment name: use lowercase "
                "letters, digits and '-', starting with a letter"
            )
        out[name] = parse_environment(name, value)
    return out
