"""What the plan records in each subnet's template metadata.

The build layer writes it (``Metadata["vpc_patterns"]["subnet"]`` of every
``AWS::EC2::Subnet``) and the change check (:mod:`vpc_patterns.check.changes`)
reads it back from the previous and the new template, so that a replacement
is reported as "subnet private/az2 10.0.48.0/20", not as a logical id. Tags
carry the same facts but can be edited in place; the metadata is the plan's
own record. Changing metadata never touches a deployed resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vpc_patterns.plan.naming import METADATA_KEY
from vpc_patterns.plan.network import SubnetPlan

#: Key of the subnet record under ``Metadata["vpc_patterns"]``.
SUBNET_RECORD_KEY = "subnet"


def subnet_record(subnet: SubnetPlan) -> dict[str, str]:
    """The value recorded under ``Metadata["vpc_patterns"]["subnet"]``: the
    subnet's tier, kind, AZ label and IPv4 block."""
    return {
        "tier": subnet.tier,
        "kind": subnet.kind.value,
        "az": subnet.az.label,
        "cidr": subnet.cidr,
    }


def read_subnet_record(resource: Mapping[str, Any]) -> dict[str, str] | None:
    """The subnet record of one template resource, or None (no record, or
    one whose fields are not all strings)."""
    meta = resource.get("Metadata")
    ours = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
    rec = ours.get(SUBNET_RECORD_KEY) if isinstance(ours, Mapping) else None
    if not isinstance(rec, Mapping):
        return None
    out = {k: rec.get(k) for k in ("tier", "kind", "az", "cidr")}
    if not all(isinstance(v, str) for v in out.values()):
        return None
    return {k: str(v) for k, v in out.items()}


__all__ = ["SUBNET_RECORD_KEY", "read_subnet_record", "subnet_record"]
