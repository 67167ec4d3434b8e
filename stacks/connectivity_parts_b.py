"""Reference-app wiring for the site-to-site VPN and Direct Connect
(connectivity issue, items 3 and 4).

Functions the reference app calls; nothing here runs unless called:

* :func:`on_premises_acl_rules_for` (prod): the ``acl_rules`` the network
  needs so on-premises clients may open HTTPS into the private tier (the
  library's ACLs otherwise admit only replies from outside the VPC);
* :func:`add_site_to_site_vpn` (prod): a VPN to an example on-premises
  network, a documentation-range device address and 172.16.0.0/16, keys
  generated into Secrets Manager, alarms on the stack's existing alarm topic;
* :func:`add_direct_connect` (prod, off unless asked): the VPN's gateway
  associated with an example Direct Connect gateway, turned on with
  ``cdk synth -c vpc_patterns:direct_connect=true``;
* :func:`merged_acl_rules`: several ``acl_rules`` mappings as one (per tier,
  lists joined), to combine with the peering rules of connectivity_parts_a.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_sns as sns
from vpc_patterns import BestPracticeVpc, ConfigError
from vpc_patterns.build.direct_connect import DirectConnectAssociation
from vpc_patterns.build.vpn import SiteToSiteVpn
from vpc_patterns.plan.vpn import on_premises_acl_rules

#: RFC 5737 documentation address: the VPN deploys and its tunnels stay down
#: until the real device's address replaces it (vpc_patterns.vpn_plan).
EXAMPLE_CUSTOMER_GATEWAY_IP = "203.0.113.10"
#: The example on-premises network (RFC 1918, outside every VPC of the app).
EXAMPLE_ON_PREMISES_CIDRS: tuple[str, ...] = ("172.16.0.0/16",)
#: What on-premises clients may open in the private tier: HTTPS only.
ON_PREMISES_TCP_PORTS: Mapping[str, Sequence[int]] = {"private": (443,)}
#: An example Direct Connect gateway id (the format AWS uses: a UUID); the
#: association is only built when the context flag below is true.
EXAMPLE_DIRECT_CONNECT_GATEWAY_ID = "5f294f92-bafb-4011-916d-9b0b0a1b2c3d"
DIRECT_CONNECT_CONTEXT_KEY = "vpc_patterns:direct_connect"
VPN_ID = "OnPremisesVpn"


def on_premises_acl_rules_for(
    cidrs: Sequence[str] = EXAMPLE_ON_PREMISES_CIDRS,
    ports_by_tier: Mapping[str, Sequence[int]] = ON_PREMISES_TCP_PORTS,
) -> dict[str, list[Any]]:
    """``acl_rules`` for ``BestPracticeVpc``: on-premises CIDRs may open the
    given TCP ports per tier (rules 10..99, before the library's)."""
    return on_premises_acl_rules(cidrs, ports_by_tier)


def merged_acl_rules(*rule_sets: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """One ``acl_rules`` mapping from several: per tier, the lists joined in
    order (a plain ``{**a, **b}`` would drop a's rules of a tier b also has)."""
    out: dict[str, list[Any]] = {}
    for rules in rule_sets:
        for tier, items in rules.items():
            out.setdefault(tier, []).extend(items)
    return out


def add_site_to_site_vpn(
    stack: Stack,
    network: BestPracticeVpc,
    *,
    alarm_topic: sns.ITopic | None = None,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    customer_gateway_ip: str = EXAMPLE_CUSTOMER_GATEWAY_IP,
    on_premises_cidrs: Sequence[str] = EXAMPLE_ON_PREMISES_CIDRS,
    routing: str = "static",
) -> SiteToSiteVpn:
    """A static-routing VPN to the example on-premises network with the
    library's tunnel defaults; the pre-shared keys are generated into one
    KMS-encrypted secret per tunnel (never in the template). Pass the stack's
    alarm topic (``NetworkMonitoring.topic``) so VPN alarms go where the NAT
    alarms go."""
    return SiteToSiteVpn(
        stack, VPN_ID,
        network=network,
        customer_gateway_ip=customer_gateway_ip,
        routing=routing,
        static_routes=list(on_premises_cidrs) if routing == "static" else (),
        alarm_topic=alarm_topic,
        removal_policy=removal_policy,
    )


def direct_connect_enabled(stack: Stack) -> bool:
    """The ``vpc_patterns:direct_connect`` context flag (default false)."""
    value = stack.node.try_get_context(DIRECT_CONNECT_CONTEXT_KEY)
    if value in (None, False, "false", "False", "0", 0):
        return False
    if value in (True, "true", "True", "1", 1):
        return True
    raise ConfigError(f"{DIRECT_CONNECT_CONTEXT_KEY} = {value!r} must be true or false")


def add_direct_connect(
    stack: Stack,
    vpn: SiteToSiteVpn,
    *,
    enabled: bool | None = None,
    direct_connect_gateway_id: str = EXAMPLE_DIRECT_CONNECT_GATEWAY_ID,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> DirectConnectAssociation | None:
    """The VPN's virtual private gateway associated with a Direct Connect
    gateway (allowed prefix: the VPC CIDR), when ``enabled`` (default: the
    context flag). Off by default: the example gateway does not exist, and
    creating the association would fail the deployment."""
    if not (direct_connect_enabled(stack) if enabled is None else enabled):
        return None
    return DirectConnectAssociation(
        stack, "DirectConnect",
        vpn_gateway=vpn,
        direct_connect_gateway_id=direct_connect_gateway_id,
        removal_policy=removal_policy,
    )
