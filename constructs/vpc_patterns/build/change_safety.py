"""Change safety at synth: a CDK policy-validation plugin that compares the
templates being synthesized with the previous ones and reports, as
*warnings*, every change that replaces or deletes a subnet, NAT gateway,
Elastic IP, log group, bucket, VPN connection, customer or virtual private
gateway or VPC, or takes a subnet's network ACL away
(:mod:`vpc_patterns.check.changes` says what and why).

::

    from aws_cdk import App, Validations
    from vpc_patterns.build.change_safety import ChangeSafetyChecks

    app = App()
    ...                                        # stacks
    Validations.of(app).add_plugins(ChangeSafetyChecks(app))
    app.synth()

The previous templates are, in this order: the ``previous`` argument; the
context value ``vpc_patterns:previous-templates`` (a folder such as a copy of
the last ``cdk.out``, a template file, or a list of them; ``cdk synth -c
vpc_patterns:previous-templates=cdk.out.previous``); the environment
variable ``VPC_PATTERNS_PREVIOUS_TEMPLATES`` (paths separated by
``os.pathsep``); else the app's own output folder as it was before this
synth (``cdk synth`` writes over ``cdk.out`` without clearing it). A deployed
template saved with ``aws cloudformation get-template --stack-name S
--query TemplateBody > S.template.json`` works too: templates are matched by
stack name (the file name without ``.template.json``).

They are read when the plugin is made, before synthesis overwrites them. The
warnings never fail synthesis (``success`` is true): the CDK prints them to
stderr with the resource, the consequence and a suggested fix, and writes them
to ``validation-report.json``. An intended replacement is acknowledged like a
cdk-nag finding, on the construct:
``Validations.of(subnet).acknowledge(Acknowledgment(id="vpc-patterns-changes::SubnetReplaced",
reason=...))``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stage,
)
from constructs import IConstruct

from vpc_patterns.check.cfn import Template, TemplateError, load_paths, load_template
from vpc_patterns.check.changes import ALL_RULES, FIXES, ChangeReport, compare_template_sets

#: Context key naming the previous templates (folder, file or list of them).
PREVIOUS_TEMPLATES_CONTEXT = "vpc_patterns:previous-templates"
#: Environment variable naming them (``os.pathsep``-separated) when the
#: context does not.
PREVIOUS_TEMPLATES_ENV = "VPC_PATTERNS_PREVIOUS_TEMPLATES"
#: The plugin's name: acknowledgment ids are ``vpc-patterns-changes::<rule>``.
PLUGIN_NAME = "vpc-patterns-changes"
PLUGIN_VERSION = "1.0.0"


def previous_template_paths(scope: IConstruct | None) -> tuple[list[str], str]:
    """Where the previous templates are, and which setting said so
    ("context", "environment" or "outdir"; "" when there is none)."""
    if scope is not None:
        value = scope.node.try_get_context(PREVIOUS_TEMPLATES_CONTEXT)
        if isinstance(value, str) and value:
            return [value], "context"
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return list(value), "context"
    env = os.environ.get(PREVIOUS_TEMPLATES_ENV, "")
    if env:
        return [p for p in env.split(os.pathsep) if p], "environment"
    stage = Stage.of(scope) if scope is not None else None
    if stage is not None:
        return [stage.outdir], "outdir"
    return [], ""


@jsii.implements(IPolicyValidationPlugin)
class ChangeSafetyChecks:
    """A policy-validation plugin reporting unsafe changes as warnings.

    Args:
        scope: the app (or any construct in it): where the context is read
            and, failing every other source, whose output folder holds the
            previous templates.
        previous: the previous templates (folders or files). Default:
            ``None``: the context, the environment, then the output folder
            (see the module doc).

    Attributes:
        previous_templates: the templates read (empty: nothing to compare).
        source: where they came from, in words.
        report: the :class:`~vpc_patterns.check.changes.ChangeReport` of the
            last synthesis (``None`` before it).
    """

    def __init__(self, scope: IConstruct | None = None, *,
                 previous: str | Path | Sequence[str | Path] | None = None) -> None:
        if previous is not None:
            paths = [str(previous)] if isinstance(previous, (str, Path)) else \
                [str(p) for p in previous]
            origin = "argument"
        else:
            paths, origin = previous_template_paths(scope)
        self._origin = origin
        self.source = f"{origin}: {os.pathsep.join(paths)}" if paths else "none"
        self.previous_templates: list[Template] = []
        self.report: ChangeReport | None = None
        self._problem: str | None = None
        existing = [p for p in paths if Path(p).exists()]
        if origin == "outdir":
            existing = [p for p in existing if any(Path(p).glob("*.template.json"))]
        elif len(existing) != len(paths):
            missing = [p for p in paths if p not in existing]
            self._problem = (f"no previous templates at {', '.join(missing)} ({origin}): "
                             "those are not compared (a first synth?)")
        try:
            self.previous_templates = load_paths(existing) if existing else []
        except TemplateError as err:
            self._problem = f"previous templates unreadable ({origin}): {err}"

    @property
    def active(self) -> bool:
        """Whether there is anything to compare or to say: an app adds the
        plugin only then (a plugin costs synthesis time even when idle)."""
        return bool(self.previous_templates) or self._problem is not None

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return PLUGIN_VERSION

    @property
    def rule_ids(self) -> list[str]:
        return list(ALL_RULES)

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        if self._problem:
            print(f"[{PLUGIN_NAME}] {self._problem}", file=sys.stderr)
        new_paths = list(context.template_paths)
        new = [load_template(p) for p in new_paths]
        path_of = {t.name: p for t, p in zip(new, new_paths)}
        if not self.previous_templates:
            self.report = ChangeReport((), ())
            return PolicyValidationPluginReport(success=True, violations=[])
        # The output folder may hold other stacks' templates: match by name.
        report = self.report = compare_template_sets(
            self.previous_templates, new, pair_single=self._origin != "outdir")
        violations = [
            PolicyViolation(
                rule_name=w.rule,
                description=w.message,
                fix=FIXES.get(w.rule),
                severity="warning",
                violating_resources=[PolicyViolatingResource(
                    resource_logical_id=w.logical_id,
                    template_path=path_of.get(w.stack, new_paths[0]),
                    locations=[f"Properties/{p}" for p in w.properties] or ["Properties"],
                )],
            )
            for w in report.warnings
        ]
        return PolicyValidationPluginReport(
            success=True, violations=violations,
            metadata={"previous": self.source,
                      "compared": ", ".join(report.compared) or "none"},
        )


__all__ = [
    "PLUGIN_NAME",
    "PREVIOUS_TEMPLATES_CONTEXT",
    "PREVIOUS_TEMPLATES_ENV",
    "ChangeSafetyChecks",
    "previous_template_paths",
]
