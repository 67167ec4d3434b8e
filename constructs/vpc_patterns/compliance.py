"""cdk-nag acknowledgments, always scoped to one construct with a reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from typing import TYPE_CHECKING

from constructs import IConstruct

if TYPE_CHECKING:  # pragma: no cover
    from aws_cdk import aws_iam as iam


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (``Pack-Rule`` or ``Pack-Rule[finding]``)
    on ``scope`` only. The reason must say why this resource is compliant in
    spirit or why the rule does not apply; it appears in the validation report."""
    if len(reason) < 40:
        raise ValueError(f"acknowledgment of {rule} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def managed_policy(scope: IConstruct, id: str, *, role: "iam.IRole", description: str,
                   statements: "list[iam.PolicyStatement]") -> "iam.ManagedPolicy":
    """A customer-managed policy attached to ``role``: NIST 800-53 (AC-6) asks
    for managed rather than inline policies, so permissions are reviewable and
    reusable as named objects."""
    from aws_cdk import aws_iam as iam

    return iam.ManagedPolicy(scope, id, description=description, statements=statements, roles=[role])
