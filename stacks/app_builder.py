"""Build the reference app from cdk.json context (shared by app.py and tests)."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from vpc_patterns.config import CONTEXT_KEY, parse_environments

from .network_stack import NetworkStack

STACK_NAME = "vpc-patterns-{env}"


def build_app(app: App, *, compliance: bool = True) -> list[NetworkStack]:
    """Add one NetworkStack per environment of the context to ``app``.

    With ``compliance`` (the default, as in ``make synth``), the cdk-nag
    AwsSolutions and NIST 800-53 rev 5 packs run as validation plugins: any
    finding not acknowledged with a reason fails synthesis.
    """
    envs = parse_environments(app.node.try_get_context(CONTEXT_KEY))
    stacks = [NetworkStack(app, STACK_NAME.format(env=name), config=cfg) for name, cfg in envs.items()]
    if compliance:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))
    return stacks
