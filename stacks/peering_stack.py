"""The reference app's peering stack: the hub network peered with each spoke,
and the ACL rules each side needs so the other may open connections into its
private tier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from vpc_patterns import BestPracticeVpc
from vpc_patterns.build.peering import VpcPeering
from vpc_patterns.plan.nacl import AclRule
from vpc_patterns.plan.peering import DEFAULT_PEER_TCP_PORTS, peer_acl_rules

#: The hub's spokes open HTTPS to each other's workloads (and nothing else).
PEERED_TCP_PORTS: tuple[int, ...] = DEFAULT_PEER_TCP_PORTS


def peer_acl_rules_for(peer_cidrs: Sequence[str], ports: Sequence[int] = PEERED_TCP_PORTS,
                       tier: str = "private") -> dict[str, list[AclRule]]:
    """``acl_rules`` for a network peered with ``peer_cidrs``: admit TCP
    ``ports`` opened from each peer into ``tier`` (numbered from 1000, ten
    apart per rule, each peer after the previous one)."""
    rules: list[AclRule] = []
    for cidr in peer_cidrs:
        rules += peer_acl_rules(cidr, ports, first_number=1000 + 10 * len(rules))
    return {tier: rules}


class PeeringStack(Stack):
    """Every peering of the app: ``hub`` with each network of ``spokes``,
    routes both ways on the private tiers. The spokes cannot reach each other
    through the hub (peering is not transitive): the hub holds shared
    services, and dev never gets a path to prod."""

    def __init__(self, scope: Construct, id: str, *, hub: BestPracticeVpc,
                 spokes: Mapping[str, BestPracticeVpc], **kwargs: Any) -> None:
        super().__init__(scope, id, description="vpc_patterns reference peerings (hub and spokes)",
                         **kwargs)
        self.peerings: dict[str, VpcPeering] = {}
        for name, network in spokes.items():
            cid = "HubTo" + "".join(p.title() for p in name.split("-"))
            self.peerings[name] = VpcPeering(self, cid, requester=hub, accepter=network)
