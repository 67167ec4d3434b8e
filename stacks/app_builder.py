"""Build the reference app from cdk.json context (shared by app.py and tests)."""

from __future__ import annotations

from aws_cdk import App, Validations

from vpc_patterns.compliance import compliance_plugins
from vpc_patterns.config import CONTEXT_KEY, parse_environments

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
    stacks = [NetworkStack(app, STACK_NAME.format(env=name), config=cfg) for name, cfg in envs.items()]
    if compliance:
        Validations.of(app).add_plugins(*compliance_plugins(app))
    return stacks
