"""Build the reference app from cdk.json context (shared by app.py and tests)."""

from __future__ import annotations

from aws_cdk import App, Environment, Validations

from stacks.config import (
    BLOCK_PUBLIC_ACCESS_KEY,
    CONTEXT_KEY,
    PEERING_KEY,
    EnvironmentConfig,
    parse_block_public_access,
    parse_environments,
    parse_peering,
)
from stacks.network_stack import NetworkStack
from stacks.peering_stack import PeeringStack
from vpc_patterns import BlockPublicAccess
from vpc_patterns.build.change_safety import ChangeSafetyChecks
from vpc_patterns.build.compliance import ControlTowerChecks, compliance_plugins
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.peering import DEFAULT_PEER_TCP_PORTS

STACK_NAME = "vpc-patterns-{env}"
#: Context key (or environment variable VPC_PATTERNS_CFN_GUARD) that turns on
#: AWS Control Tower's proactive controls (cfn-guard) at synthesis; `make
#: synth` sets it.
CFN_GUARD_KEY = "vpc_patterns:cfn-guard"
CFN_GUARD_ENV = "VPC_PATTERNS_CFN_GUARD"


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def cfn_guard_wanted(app: App) -> bool:
    """Whether the context (``-c vpc_patterns:cfn-guard=true``) or the
    environment (``VPC_PATTERNS_CFN_GUARD=1``) asks for the cfn-guard plugin."""
    import os

    ctx = app.node.try_get_context(CFN_GUARD_KEY)
    if ctx is not None:
        return _truthy(ctx)
    return _truthy(os.environ.get(CFN_GUARD_ENV, ""))


def _show_env(cfg: EnvironmentConfig) -> str:
    return f"{cfg.account or 'any'}/{cfg.region or 'any'}"


def build_app(app: App, *, compliance: bool = True,
              cfn_guard: bool | None = None) -> list[NetworkStack]:
    """Add one NetworkStack per environment of the context to ``app``.

    With ``compliance`` (the default, as in ``make synth``), the cdk-nag
    AwsSolutions, NIST 800-53 rev 5, HIPAA Security and PCI DSS 3.2.1 packs
    run as validation plugins: any finding not acknowledged with a reason
    fails synthesis. With ``cfn_guard`` (default: :func:`cfn_guard_wanted`,
    on in ``make synth``), AWS Control Tower's proactive controls run too
    (:class:`~vpc_patterns.build.compliance.ControlTowerChecks`): any finding not
    suppressed fails synthesis.

    When previous templates exist (context ``vpc_patterns:previous-templates``,
    ``VPC_PATTERNS_PREVIOUS_TEMPLATES``, or the ``cdk.out`` being overwritten),
    the change-safety plugin warns of every replaced subnet, NAT gateway,
    Elastic IP, log group, bucket or VPN and every subnet losing its ACL; its
    warnings never fail synthesis.
    """
    envs = parse_environments(app.node.try_get_context(CONTEXT_KEY))
    peering = parse_peering(app.node.try_get_context(PEERING_KEY), envs)
    # Each side of a peering admits the other's CIDR on the peering ports.
    peers: dict[str, list[str]] = {name: [] for name in envs}
    if peering is not None:
        for spoke in peering.spokes:
            peers[peering.hub].append(envs[spoke].cidr)
            peers[spoke].append(envs[peering.hub].cidr)
    peering_env: Environment | None = None
    if peering is not None:
        # CloudFormation exports do not cross accounts or regions: a peering of
        # app networks needs them all in one environment (the hub's).
        hub_env = (envs[peering.hub].account, envs[peering.hub].region)
        for spoke in peering.spokes:
            if (envs[spoke].account, envs[spoke].region) != hub_env:
                raise ConfigError(
                    f"{PEERING_KEY}: spoke {spoke!r} is in account/region "
                    f"{_show_env(envs[spoke])} but the hub {peering.hub!r} is in "
                    f"{_show_env(envs[peering.hub])}; peered environments of the app must share "
                    "account and region (describe a VPC elsewhere as a PeerVpc)"
                )
        if any(hub_env):
            peering_env = Environment(account=hub_env[0], region=hub_env[1])
    stacks = []
    for name, cfg in envs.items():
        try:
            stacks.append(NetworkStack(
                app, STACK_NAME.format(env=name), config=cfg, peer_cidrs=peers[name],
                peer_tcp_ports=peering.tcp_ports if peering else DEFAULT_PEER_TCP_PORTS))
        except ConfigError as err:
            # Values checked by the constructs: say which environment they came from.
            raise ConfigError(f"{CONTEXT_KEY}.{name}: {err}") from None
    if peering is not None:
        by_name = {s.config.name: s for s in stacks}
        PeeringStack(
            app, STACK_NAME.format(env="peering"),
            hub=by_name[peering.hub].network,
            spokes={sp: by_name[sp].network for sp in peering.spokes},
            env=peering_env,
        )
    bpa_mode = parse_block_public_access(app.node.try_get_context(BLOCK_PUBLIC_ACCESS_KEY))
    if bpa_mode is not None and stacks:
        # Account- and region-wide: one resource, in the first environment's stack.
        BlockPublicAccess(stacks[0], "BlockPublicAccess", mode=bpa_mode)
    if compliance:
        Validations.of(app).add_plugins(*compliance_plugins(app))
    if cfn_guard if cfn_guard is not None else cfn_guard_wanted(app):
        Validations.of(app).add_plugins(ControlTowerChecks())
    # Read now: synthesis overwrites the previous templates in cdk.out.
    changes = ChangeSafetyChecks(app)
    if changes.active:
        Validations.of(app).add_plugins(changes)
    return stacks
