"""The compliance gates: the cdk-nag packs, AWS Control Tower's proactive
controls (cfn-guard) and checkov, and their suppressions, always scoped to one
construct with a specific reason.

:func:`suppress` records one reason for every scanner that raises the same
finding: cdk-nag acknowledgments, checkov's ``Metadata.checkov.skip`` and
cfn-guard's ``Metadata.guard.SuppressedRules`` (with the CDK acknowledgment
that the cfn-guard plugin reads, since the Control Tower rules do not read the
metadata themselves)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Acknowledgment,
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Validations,
)
from constructs import Construct, IConstruct

from vpc_patterns.check.gates import (
    CHECKOV_METADATA,
    CHECKOV_SKIP,
    GUARD_METADATA,
    GUARD_PLUGIN,
    GUARD_REASONS,
    GUARD_SUPPRESSED,
    MIN_REASON,
    control_tower_rules,
    relevant_rules,
    resource_types,
)

if TYPE_CHECKING:  # pragma: no cover
    from aws_cdk import aws_iam as iam

AWS_SOLUTIONS = "AwsSolutions"
NIST = "NIST.800.53.R5"
HIPAA = "HIPAA.Security"
PCI = "PCI.DSS.321"
#: The packs `make synth` runs, in this order.
PACKS = (AWS_SOLUTIONS, NIST, HIPAA, PCI)

#: Which packs carry a rule of the same name (read from the cdk-nag 3.0.2
#: pack definitions), so one reason can be recorded under every pack that
#: raises the finding and under no pack that does not.
RULE_PACKS: dict[str, tuple[str, ...]] = {
    "VPCNoUnrestrictedRouteToIGW": (NIST, HIPAA, PCI),
    "VPCDefaultSecurityGroupClosed": (NIST, HIPAA, PCI),
    "LambdaInsideVPC": (NIST, HIPAA, PCI),
    "LambdaDLQ": (NIST, HIPAA),
    "LambdaConcurrency": (NIST, HIPAA),
    "S3DefaultEncryptionKMS": (NIST, HIPAA, PCI),
    "S3BucketReplicationEnabled": (NIST, HIPAA, PCI),
}


#: AWS Control Tower control -> the cfn-guard rule that implements it (read
#: from the rules of cdklabs-cdk-validator-cfnguard 0.0.62; a test checks each
#: against the installed bundle). :func:`suppress` takes the control ids.
GUARD_RULES: dict[str, str] = {
    "CT.AUTOSCALING.PR.1": "autoscaling_multiple_az_check",
    "CT.AUTOSCALING.PR.6": "autoscaling_mixed_instances_policy_multiple_instance_types_check",
    "CT.CLOUDWATCH.PR.2": "cloudwatch_log_group_retention_period_check",
    "CT.EC2.PR.4": "vpc_sg_restricted_common_ports_check",
    "CT.EC2.PR.5": "nacl_no_unrestricted_ssh_rdp_check",
    "CT.EC2.PR.8": "ec2_instance_no_public_ip_check",
    "CT.EC2.PR.9": "ec2_launch_template_public_ip_disabled_check",
    "CT.EC2.PR.10": "ec2_launch_template_monitoring_enabled_check",
    "CT.EC2.PR.19": "ec2_instance_nitro_encryption_in_transit_check",
    "CT.LAMBDA.PR.3": "lambda_inside_vpc_check",
    "CT.S3.PR.2": "s3_bucket_logging_enabled_check",
    "CT.S3.PR.9": "s3_bucket_object_lock_enabled_check",
    "CT.S3.PR.10": "s3_bucket_default_encryption_kms_check",
}


def _check_reason(rule: object, reason: str) -> None:
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"suppression of {rule} needs a specific reason, got {reason!r}")


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (``Pack-Rule`` or ``Pack-Rule[finding]``)
    on ``scope`` only. The reason must say why this resource is compliant in
    spirit or why the rule does not apply; it appears in the validation report."""
    _check_reason(rule, reason)
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_in_packs(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (a bare rule name such as ``LambdaDLQ``) under every
    pack of :data:`RULE_PACKS` that raises it, with the same reason (in one
    call: each jsii round-trip costs synthesis time)."""
    suppress(scope, reason, nag_in_packs=[rule])


def _cfn_resource(scope: IConstruct) -> CfnResource:
    if isinstance(scope, CfnResource):
        return scope
    child = scope.node.default_child
    if not isinstance(child, CfnResource):
        raise TypeError(f"{scope.node.path}: scanner suppressions go on a CloudFormation "
                        "resource (an L1, or an L2 whose default child is one)")
    return child


def suppress(scope: IConstruct, reason: str, *, nag: Sequence[str] = (),
             nag_in_packs: Sequence[str] = (), checkov: Sequence[str] = (),
             guard: Sequence[str] = ()) -> None:
    """Suppress one finding on ``scope`` only, in every scanner that raises it,
    with one reason.

    Args:
        scope: the construct (for checkov and cfn-guard: a CloudFormation
            resource, or an L2 whose default child is one).
        reason: why this resource is compliant in spirit, or why the rule does
            not apply to it (40 characters at least; it is written into the
            template and the validation report).
        nag: cdk-nag ids (``Pack-Rule`` or ``Pack-Rule[finding]``).
        nag_in_packs: bare cdk-nag rule names, acknowledged in every pack of
            :data:`RULE_PACKS` that raises them.
        checkov: checkov check ids (``CKV_AWS_117``): resource
            ``Metadata.checkov.skip`` entries, the reason as their comment.
        guard: AWS Control Tower control ids (``CT.LAMBDA.PR.3``, see
            :data:`GUARD_RULES`): the rule names in resource
            ``Metadata.guard.SuppressedRules``, the reasons in
            ``Metadata.guard.SuppressionReasons``, and the acknowledgment the
            cfn-guard plugin reads (``cdk-validator-cfnguard::<rule>``).
    """
    if not (nag or nag_in_packs or checkov or guard):
        raise ValueError("suppress() needs at least one rule")
    _check_reason([*nag, *nag_in_packs, *checkov, *guard], reason)
    unknown = [c for c in guard if c not in GUARD_RULES]
    if unknown:
        raise ValueError(f"no cfn-guard rule known for {unknown}: add it to GUARD_RULES")
    acks = [Acknowledgment(id=rule, reason=reason) for rule in nag]
    acks += [Acknowledgment(id=f"{pack}-{rule}", reason=reason)
             for rule in nag_in_packs for pack in RULE_PACKS[rule]]
    acks += [Acknowledgment(id=f"{GUARD_PLUGIN}::{GUARD_RULES[c]}", reason=reason)
             for c in guard]
    if acks:
        # in one call: each jsii round-trip costs synthesis time
        Validations.of(scope).acknowledge(*acks)
    if not (checkov or guard):
        return
    res = _cfn_resource(scope)
    if checkov:
        meta = dict(res.get_metadata(CHECKOV_METADATA) or {})
        skips = list(meta.get(CHECKOV_SKIP) or [])
        skips += [{"id": c, "comment": reason} for c in checkov
                  if c not in {s.get("id") for s in skips}]
        meta[CHECKOV_SKIP] = skips
        res.add_metadata(CHECKOV_METADATA, meta)
    if guard:
        meta = dict(res.get_metadata(GUARD_METADATA) or {})
        rules = list(meta.get(GUARD_SUPPRESSED) or [])
        reasons = dict(meta.get(GUARD_REASONS) or {})
        for c in guard:
            if GUARD_RULES[c] not in rules:
                rules.append(GUARD_RULES[c])
            reasons[GUARD_RULES[c]] = f"{c}: {reason}"
        meta[GUARD_SUPPRESSED] = rules
        meta[GUARD_REASONS] = reasons
        res.add_metadata(GUARD_METADATA, meta)


#: AWS Control Tower's shortest log-group retention (CT.CLOUDWATCH.PR.2).
CT_MIN_LOG_RETENTION_DAYS = 365


def configured_retention(group: IConstruct, days: int | None, option: str) -> None:
    """Record a log group's retention shorter than a year (CT.CLOUDWATCH.PR.2)
    as the configuration's choice, naming the option that sets it: the reason
    says where to change it, and nothing is suppressed at 365 days or more."""
    if days is None or days >= CT_MIN_LOG_RETENTION_DAYS:
        return
    suppress(group, f"Kept {days} days as configured ({option}): a retention shorter than "
             f"AWS Control Tower's {CT_MIN_LOG_RETENTION_DAYS} days, chosen for this "
             f"network; set {option} to {CT_MIN_LOG_RETENTION_DAYS} or more to meet it.",
             guard=["CT.CLOUDWATCH.PR.2"])


#: The violation :class:`ControlTowerChecks` reports when cfn-guard fails.
GUARD_DID_NOT_RUN = "cfn-guard-did-not-run"


@jsii.implements(IPolicyValidationPlugin)
class ControlTowerChecks:
    """AWS Control Tower's proactive controls as a validation plugin: the
    ``CfnGuardValidator`` of ``cdklabs-cdk-validator-cfnguard``, run at
    synthesis with only the rules that can evaluate a resource type present in
    the templates (cfn-guard rereads every template for each of its ~240 rule
    files; the others would only SKIP). Findings are suppressed with
    :func:`suppress` (``guard=[control id]``).

    Args:
        disabled_rules: rule file stems (``ct-s3-pr-1``) never to run.
    """

    def __init__(self, *, disabled_rules: Sequence[str] = ()) -> None:
        try:
            from cdklabs.cdk_validator_cfnguard import CfnGuardValidator
        except ImportError as err:
            raise ImportError("ControlTowerChecks needs cdklabs-cdk-validator-cfnguard: pip "
                              "install 'vpc-patterns[compliance]'") from err
        self._validator = CfnGuardValidator
        self._disabled = tuple(disabled_rules)
        self.rules = control_tower_rules()
        #: the rule file stems run by the last validation
        self.ran: list[str] = []

    @property
    def name(self) -> str:
        # the bundled plugin's name: acknowledgments read "<name>::<rule>"
        return GUARD_PLUGIN

    @property
    def version(self) -> str:
        return self._validator().version or ""

    @property
    def rule_ids(self) -> list[str]:
        return [r.name for r in self.rules if r.stem not in self._disabled]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        templates: list[Any] = []
        for path in context.template_paths:
            with open(path, encoding="utf-8") as f:
                templates.append(json.load(f))
        run = {r.stem for r in relevant_rules(self.rules, resource_types(templates))}
        run -= set(self._disabled)
        self.ran = sorted(run)
        if not run:
            return PolicyValidationPluginReport(success=True, violations=[])
        inner = self._validator(disabled_rules=[r.stem for r in self.rules if r.stem not in run])
        try:
            beta = inner.validate(context)
        except Exception as err:
            # A plugin that raises is reported as "failure" but does not stop
            # synthesis (aws-cdk-lib 2.275): a gate that did not run passed
            # nothing, so fail with a violation of its own.
            print(f"[{GUARD_PLUGIN}] cfn-guard did not run: {err}", file=sys.stderr)
            return PolicyValidationPluginReport(success=False, violations=[PolicyViolation(
                rule_name=GUARD_DID_NOT_RUN, description=f"cfn-guard did not run: {err}",
                fix="Reinstall cdklabs-cdk-validator-cfnguard (its bundle has the binary)",
                violating_resources=[PolicyViolatingResource(
                    template_path=path, locations=["Resources"])
                    for path in context.template_paths],
            )])
        print(f"[{GUARD_PLUGIN}] {len(run)} of {len(self.rules)} Control Tower rules apply to "
              f"the resource types of {len(templates)} templates; "
              f"{len(beta.violations)} findings before acknowledgments", file=sys.stderr)
        # The bundled plugin answers with the Beta1 struct, which a plugin
        # written in Python may not return as it is.
        return PolicyValidationPluginReport(
            success=beta.success,
            plugin_version=beta.plugin_version,
            metadata=beta.metadata,
            violations=[PolicyViolation(
                rule_name=v.rule_name, description=v.description, fix=v.fix,
                severity=v.severity, rule_metadata=v.rule_metadata,
                violating_resources=[PolicyViolatingResource(
                    resource_logical_id=r.resource_logical_id, template_path=r.template_path,
                    locations=list(r.locations)) for r in v.violating_resources],
            ) for v in beta.violations],
        )


def compliance_plugins(scope: IConstruct) -> list[IPolicyValidationPlugin]:
    """The four packs as validation plugins:
    ``Validations.of(app).add_plugins(*compliance_plugins(app))``."""
    try:
        from cdk_nag import (
            AwsSolutionsChecks,
            HIPAASecurityChecks,
            NIST80053R5Checks,
            PCIDSS321Checks,
        )
    except ImportError as err:
        raise ImportError("compliance_plugins() needs cdk-nag: pip install "
                          "'vpc-patterns[nag]' (or cdk-nag>=3.0.2,<4)") from err

    return [AwsSolutionsChecks(scope), NIST80053R5Checks(scope), HIPAASecurityChecks(scope),
            PCIDSS321Checks(scope)]


def managed_policy(scope: Construct, id: str, *, role: iam.IRole, description: str,
                   statements: list[iam.PolicyStatement]) -> iam.ManagedPolicy:
    """A customer-managed policy attached to ``role``: NIST 800-53 (AC-6) asks
    for managed rather than inline policies, so permissions are reviewable and
    reusable as named objects."""
    from aws_cdk import aws_iam as iam

    return iam.ManagedPolicy(
        scope, id, description=description, statements=statements, roles=[role]
    )


def session_manager_statements(scope: IConstruct, *, ec2messages: bool = False,
                               sid: str = "SessionManager") -> list[iam.PolicyStatement]:
    """What the SSM agent needs for Session Manager: its registration
    (``ssm:UpdateInstanceInformation``) on EC2 instances of this account and
    region only, and the session channels, which support no resource-level
    permissions (``Resource: *``; with ``ec2messages``, the older agents'
    message actions too)."""
    from aws_cdk import Stack
    from aws_cdk import aws_iam as iam

    stack = Stack.of(scope)
    channels = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
    if ec2messages:
        channels += ["ec2messages:GetMessages", "ec2messages:AcknowledgeMessage",
                     "ec2messages:SendReply"]
    return [iam.PolicyStatement(
        sid=f"{sid}Registration",
        actions=["ssm:UpdateInstanceInformation"],
        resources=[stack.format_arn(service="ec2", resource="instance", resource_name="*")],
    ), iam.PolicyStatement(
        sid=f"{sid}Channels",
        actions=channels,
        resources=["*"],
    )]


def nag_arn(scope: IConstruct, service: str, resource: str) -> str:
    """An ARN of this stack's account and region as cdk-nag names it in a
    finding id (``AwsSolutions-IAM5[Resource::<arn>]``): placeholders such as
    ``<AWS::Region>`` for an environment-agnostic stack, literals for a pinned
    one."""
    from aws_cdk import Stack, Token

    stack = Stack.of(scope)

    def part(value: str, placeholder: str) -> str:
        return placeholder if Token.is_unresolved(value) else value

    return (f"arn:{part(stack.partition, '<AWS::Partition>')}:{service}:"
            f"{part(stack.region, '<AWS::Region>')}:"
            f"{part(stack.account, '<AWS::AccountId>')}:{resource}")

