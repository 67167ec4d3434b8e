"""Availability zones: how a plan names the AZs it uses.

A plan uses the first ``max_azs`` AZs of ``Fn::GetAZs`` (by index, the
default), or AZs listed by name (``eu-west-1a``) or by AZ id (``euw1-az1``,
the same physical zone in every account). :func:`resolve_azs` validates that
choice and returns one :class:`AzPlacement` per AZ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from vpc_patterns.errors import ConfigError

#: Three AZs survive the loss of one AZ with a majority left (quorum systems,
#: RDS Multi-AZ clusters) and every commercial region has at least three.
DEFAULT_MAX_AZS = 3
#: AWS allows at most 6 AZs in any region (us-east-1).
MAX_AZS_LIMIT = 6
AZ_NAME_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]\Z")
AZ_ID_PATTERN = re.compile(r"^[a-z]{2,5}[0-9]+-az[0-9]+\Z")


@dataclass(frozen=True)
class AzPlacement:
    """An AZ, named the way the user chose: by index into ``Fn::GetAZs``, by
    name, or by AZ id (the same physical zone in every account)."""

    index: int
    name: str | None = None
    zone_id: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.zone_id or f"az{self.index + 1}"


def resolve_azs(
    max_azs: int | None,
    availability_zones: Sequence[str] | None,
    availability_zone_ids: Sequence[str] | None,
    az_slots: int,
) -> tuple[tuple[AzPlacement, ...], str]:
    """The AZs of the plan and how they are named ("index", "name" or "id")."""
    if availability_zones is not None and availability_zone_ids is not None:
        raise ConfigError(
            "availability_zones and availability_zone_ids are both set; give one: "
            "names (e.g. 'eu-west-1a') or ids (e.g. 'euw1-az1')"
        )
    if max_azs is not None and (isinstance(max_azs, bool) or not isinstance(max_azs, int)):
        raise ConfigError(f"max_azs {max_azs!r} must be an integer from 1 to {MAX_AZS_LIMIT}")
    if max_azs is not None and not 1 <= max_azs <= MAX_AZS_LIMIT:
        raise ConfigError(
            f"max_azs {max_azs} is out of range; accepted 1..{MAX_AZS_LIMIT} "
            "(no region has more than 6 AZs)"
        )
    explicit = availability_zones if availability_zones is not None else availability_zone_ids
    if explicit is not None:
        mode = "name" if availability_zones is not None else "id"
        option = "availability_zones" if mode == "name" else "availability_zone_ids"
        if isinstance(explicit, (str, bytes, Mapping)) or not isinstance(explicit, Iterable):
            raise ConfigError(f"{option} {explicit!r} must be a non-empty list of strings")
        items = list(explicit)
        if not items:
            raise ConfigError(f"{option} {explicit!r} must be a non-empty list of strings")
        pattern = AZ_NAME_PATTERN if mode == "name" else AZ_ID_PATTERN
        example = "'us-east-1a'" if mode == "name" else "'use1-az1'"
        for z in items:
            if not isinstance(z, str) or not pattern.match(z):
                raise ConfigError(
                    f"{option} entry {z!r} is not an AZ {mode}; expected e.g. {example}")
        dup = sorted({z for z in items if items.count(z) > 1})
        if dup:
            raise ConfigError(f"{option} lists {dup[0]!r} more than once")
        prefixes = {(z[:-1] if mode == "name" else z.split("-az")[0]) for z in items}
        if len(prefixes) > 1:
            raise ConfigError(
                f"{option} {items!r} spans several regions ({', '.join(sorted(prefixes))}); "
                "a VPC lives in one region"
            )
        if len(items) > MAX_AZS_LIMIT:
            raise ConfigError(f"{option} lists {len(items)} AZs; at most {MAX_AZS_LIMIT}")
        if max_azs is not None and max_azs != len(items):
            raise ConfigError(
                f"max_azs {max_azs} conflicts with {option} ({len(items)} AZs); "
                "leave max_azs unset when you list the AZs"
            )
        azs = tuple(
            AzPlacement(i, name=z if mode == "name" else None, zone_id=z if mode == "id" else None)
            for i, z in enumerate(items)
        )
    else:
        mode = "index"
        n = DEFAULT_MAX_AZS if max_azs is None else max_azs
        azs = tuple(AzPlacement(i) for i in range(n))
    if len(azs) > az_slots:
        raise ConfigError(
            f"{len(azs)} AZs do not fit az_slots {az_slots}; raise az_slots to at least "
            f"{len(azs)} (changing az_slots moves every subnet, so choose it once)"
        )
    return azs, mode
