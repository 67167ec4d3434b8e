"""Build the reference app from cdk.json context (shared by app.py and tests)."""

from __future__ import annotations

from aws_cdk import App, Validations

from vpc_patterns.compliance import compliance_plugins
from vpc_patterns.config import CONTEXT_KEY, PEERING_KEY, parse_environments, parse_peering

from .connectivity_parts_a import PeeringStack
from .network_stack import NetworkStack

STACK_NAME = "vpc-patterns-{env}"


def build_app(app: App, *, compliance: bool = True) -> list[NetworkStack]:
    """Add one NetworkStack per environment of the context to ``app``.

    With ``compliance`` (the default, as in ``make synth``), the cdk-nag
    AwsSolutions, NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1 packs
    run as validation plugins: any finding not acknowledged with a reason
    fails synthesis.
    """
    envs = parse_environments(app.node.try_get_context(CONTEXT_KEY))
    peering = parse_peering(app.node.try_get_context(PEERING_KEY), envs)
    # Each side of a peering admits the other's CIDR on the peering ports.
    peers: dict[str, list[str]] = {name: [] for name in envs}
    if peering is not None:
        for spoke in peering.spokes:
            peers[peering.hub].append(envs[spoke].cidr)
            peers[spoke].append(envs[peering.hub].cidr)
    stacks = [
        NetworkStack(app, STACK_NAME.format(env=name), config=cfg, peer_cidrs=peers[name],
                     peer_tcp_ports=peering.tcp_ports if peering else (443,))
        for name, cfg in envs.items()
    ]
    if peering is not None:
        by_name = {s.config.name: s for s in stacks}
        PeeringStack(
            app, STACK_NAME.format(env="peering"),
            hub=by_name[peering.hub].network,
            spokes={sp: by_name[sp].network for sp in peering.spokes},
        )
    if compliance:
        Validations.of(app).add_plugins(*compliance_plugins(app))
    return stacks
