"""Names AWS publishes, read from dated data files in ``vpc_patterns/data``.

A string that is well formed but names nothing (``"ecr"``,
``"secrets-manager"``, ``"t4g.nanoo"``) passes CloudFormation's template
check and fails only at deploy. So the interface endpoint services and the
EC2 instance types the library accepts are checked against lists written
down on a date:

* ``endpoint-services-YYYY-MM.txt``: short names of
  ``com.amazonaws.<region>.<name>`` interface endpoint services, one a line,
  and ``wrong -> right`` lines for names people reach for (``cloudwatch ->
  monitoring``), offered first when that wrong name is given;
* ``ec2-instance-types-YYYY-MM.txt``: ``family [family...]: size size ...``
  lines (``t4g: nano micro`` is ``t4g.nano`` and ``t4g.micro``).

The newest file of each kind is used; ``#`` starts a comment. Neither is
region-specific (each is the union over the commercial regions). A name newer
than the data passes with the escape hatch of the option that takes it
(``InterfaceEndpoints(allow_unlisted=True)``,
``NatProvider.instances(allow_unlisted=True)``). Pure Python.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vpc_patterns.errors import ConfigError

#: The folder of the dated data files.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_DATED = r"-([0-9]{4})-([0-9]{2})\.txt\Z"
#: How many near matches an error offers.
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class NameList:
    """One dated list of names."""

    kind: str
    date: str  # YYYY-MM
    names: frozenset[str]
    path: Path
    #: names people reach for that AWS spells otherwise: wrong -> right
    aliases: tuple[tuple[str, str], ...] = ()

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def nearest(self, name: str) -> list[str]:
        """The names a typo most likely meant: those ``name`` is the first
        label of (``ecr`` -> ``ecr.api``, ``ecr.dkr``), else the closest by
        spelling (``secrets-manager`` -> ``secretsmanager``)."""
        ordered = sorted(self.names)
        alias = [right for wrong, right in self.aliases if wrong == name]
        if alias:
            return alias
        first_label = [n for n in ordered if n.split(".", 1)[0] == name]
        if first_label:
            return first_label[:MAX_SUGGESTIONS]
        return difflib.get_close_matches(name, ordered, n=MAX_SUGGESTIONS, cutoff=0.6)

    def did_you_mean(self, name: str) -> str:
        near = self.nearest(name)
        if not near:
            return ""
        return " (did you mean " + " or ".join(repr(n) for n in near) + "?)"


def _newest(prefix: str, data_dir: Path) -> tuple[Path, str]:
    pattern = re.compile("^" + re.escape(prefix) + _DATED)
    found = sorted((m.group(1), m.group(2), p) for p in data_dir.iterdir()
                   if (m := pattern.match(p.name)))
    if not found:
        raise ConfigError(f"no {prefix}-YYYY-MM.txt file in {data_dir}")
    year, month, path = found[-1]
    return path, f"{year}-{month}"


def _lines(path: Path) -> list[str]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@cache
def endpoint_services(data_dir: Path = DATA_DIR) -> NameList:
    """The newest list of interface endpoint service short names."""
    path, date = _newest("endpoint-services", data_dir)
    names: set[str] = set()
    aliases: list[tuple[str, str]] = []
    for line in _lines(path):
        wrong, arrow, right = (part.strip() for part in line.partition("->"))
        if arrow:
            aliases.append((wrong, right))
        else:
            names.add(line)
    bad = [right for _, right in aliases if right not in names]
    if bad:
        raise ConfigError(f"{path.name}: aliases point at unlisted names {bad}")
    return NameList("interface endpoint services", date, frozenset(names), path,
                    tuple(aliases))


@cache
def instance_types(data_dir: Path = DATA_DIR) -> NameList:
    """The newest list of EC2 instance types (``family.size``)."""
    path, date = _newest("ec2-instance-types", data_dir)
    names: set[str] = set()
    for line in _lines(path):
        families, sep, sizes = line.partition(":")
        if not sep or not families.split() or not sizes.split():
            raise ConfigError(f"{path.name}: {line!r} is not 'family [family...]: size ...'")
        names.update(f"{f}.{s}" for f in families.split() for s in sizes.split())
    return NameList("EC2 instance types", date, frozenset(names), path)


def unlisted_message(option: str, value: str, names: NameList, escape: str) -> str:
    """The error for a well-formed ``value`` of ``option`` that ``names`` lacks."""
    return (f"{option} {value!r} is not in the {names.kind} AWS published as of "
            f"{names.date} ({names.path.name}){names.did_you_mean(value)}; if it is newer "
            f"than that list, pass {escape}")


__all__ = ["DATA_DIR", "NameList", "endpoint_services", "instance_types", "unlisted_message"]
