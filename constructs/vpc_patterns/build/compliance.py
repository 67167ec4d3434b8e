"""cdk-nag: the packs the library is checked against, and acknowledgments,
always scoped to one construct with a specific reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations
from constructs import Construct, IConstruct

if TYPE_CHECKING:  # pragma: no cover
    from aws_cdk import IPolicyValidationPlugin
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


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (``Pack-Rule`` or ``Pack-Rule[finding]``)
    on ``scope`` only. The reason must say why this resource is compliant in
    spirit or why the rule does not apply; it appears in the validation report."""
    if len(reason) < 40:
        raise ValueError(f"acknowledgment of {rule} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_in_packs(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (a bare rule name such as ``LambdaDLQ``) under every
    pack of :data:`RULE_PACKS` that raises it, with the same reason (in one
    call: each jsii round-trip costs synthesis time)."""
    if len(reason) < 40:
        raise ValueError(f"acknowledgment of {rule} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=f"{pack}-{rule}", reason=reason) for pack in RULE_PACKS[rule])
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
