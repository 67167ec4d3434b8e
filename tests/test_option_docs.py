"""Every public option is documented, in code and in the README, as it is.

For each public construct, value type, factory and plan function:

* its docstring has a Google-style ``Args:`` section with one entry per
  keyword parameter (``inspect.signature``; a dataclass's fields; a
  construct's ``__init__`` options after ``scope`` and ``id``), and no entry
  for a parameter that does not exist;
* the entry of every optional parameter reads ``Default: <value>: <why>``,
  a required one has no ``Default:``; a default written as a ``literal``
  in double backticks equals the signature's default;
* where the README has an option table for it (a Markdown table whose first
  header cell is ``option`` or ``field``, after a heading or paragraph that
  names the callable in backticks), the table's first column is exactly the
  parameters, a default cell that starts with a Python literal (or a name of
  the callable's module, e.g. ``RemovalPolicy.RETAIN``) in backticks equals
  the signature's default, and ``required`` marks exactly the required ones.

The checkers are plain functions, so a negative control shows each of them
rejects a hand-made callable whose documentation is wrong.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import vpc_patterns

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()

#: The public constructs, value types and plan functions whose options are API.
DOCUMENTED = (
    "BestPracticeVpc", "Tier", "NatProvider", "FlowLogs", "FlowLogTarget",
    "CloudWatchDestination", "S3Destination", "NetworkMonitoring", "AlarmThresholds",
    "WorkloadSecurityGroups", "SecurityGroupSpec", "SgRule", "SgPeer", "AclRule",
    "TierNetworkAcls", "InterfaceEndpoints", "VpcPeering", "PeerVpc", "SiteToSiteVpn",
    "TunnelOptions", "DirectConnectAssociation", "ExtraNetworkInterface", "Intent",
    "plan_network", "plan_acls", "HybridDns", "plan_dns", "dns_acl_rules",
    "BlockPublicAccess", "BlockPublicAccessExclusions", "EncryptionControls",
    "plan_block_public_access", "plan_bpa_exclusions", "plan_encryption_control",
)
#: The first header cell of a README table that lists a callable's options.
OPTION_TABLE_HEADERS = {"option", "field"}
#: Callables the README must have an option table for (guards the table finder).
EXPECTED_TABLES = {"BestPracticeVpc", "Tier", "FlowLogs"}
#: Parameters a construct takes positionally before its options.
CONSTRUCT_POSITIONAL = ("self", "scope", "id")
#: Google-style section titles that end an ``Args:`` section.
_SECTION = re.compile(r"^(Args|Arguments|Attributes|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ENTRY = re.compile(r"^(?P<name>\*{0,2}[A-Za-z_]\w*)(?: \([^)]*\))?: (?P<text>.*)$")
#: ``Default: <value>: <why>``; the value is a ``literal`` or a phrase without a colon.
_DEFAULT = re.compile(r"Default: (?P<value>``[^`]+``|[^:]+?): (?P<why>\S.*)", re.S)
_SPAN = re.compile(r"`([^`]+)`")
#: A Sphinx cross-reference (``:data:`DEFAULT_CIDR```): read as its target.
_ROLE = re.compile(r":[a-z]+:(`[^`]+`)")
_NO_DEFAULT = object()


# --------------------------------------------------------------------------
# What the code says
# --------------------------------------------------------------------------

def _factories(cls: type) -> list[tuple[str, Callable[..., Any]]]:
    """The public static and class methods defined on ``cls`` (its factories)."""
    out = []
    for attr, member in vars(cls).items():
        if isinstance(member, (staticmethod, classmethod)) and not attr.startswith("_"):
            out.append((f"{cls.__name__}.{attr}", member.__func__))
    return out


def callables() -> list[tuple[str, Any]]:
    """Every documented callable: the names above and their classes' factories."""
    out: list[tuple[str, Any]] = []
    for name in DOCUMENTED:
        obj = getattr(vpc_patterns, name)
        out.append((name, obj))
        if inspect.isclass(obj):
            out.extend(_factories(obj))
    return out


def options(obj: Any) -> dict[str, Any]:
    """Parameter name -> default (``_NO_DEFAULT`` when required) of the options
    a user passes: a dataclass's fields, a class's ``__init__`` after
    ``self, scope, id`` (constructs) or ``self``, a function's parameters."""
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        params = list(inspect.signature(obj).parameters.values())
        fields = [f.name for f in dataclasses.fields(obj) if f.init]
        assert [p.name for p in params] == fields, f"{obj.__name__}: signature != fields"
    elif inspect.isclass(obj):
        params = list(inspect.signature(obj.__init__).parameters.values())
        skip = CONSTRUCT_POSITIONAL if [p.name for p in params[:3]] == list(
            CONSTRUCT_POSITIONAL) else ("self",)
        params = [p for p in params if p.name not in skip]
    else:
        params = [p for p in inspect.signature(obj).parameters.values() if p.name != "cls"]
    return {
        p.name: _NO_DEFAULT if p.default is inspect.Parameter.empty else p.default
        for p in params
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }


# --------------------------------------------------------------------------
# What the docstring says
# --------------------------------------------------------------------------

def args_section(doc: str | None) -> dict[str, str]:
    """The ``Args:`` entries of a Google-style docstring: name -> its text
    (continuation lines joined). Raises ValueError on an entry given twice."""
    lines = inspect.cleandoc(doc or "").splitlines()
    entries: dict[str, str] = {}
    in_args = False
    indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not in_args:
            in_args = stripped == "Args:" and line == line.lstrip()
            continue
        if not stripped:
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0 or _SECTION.match(stripped):
            break
        if indent is None:
            indent = depth
        if depth == indent:
            m = _ENTRY.match(stripped)
            if not m:
                raise ValueError(f"Args entry not in 'name: text' form: {stripped!r}")
            current = m["name"]
            if current in entries:
                raise ValueError(f"Args entry {current!r} given twice")
            entries[current] = m["text"]
        elif depth > indent and current is not None:
            entries[current] += " " + stripped
        else:
            raise ValueError(f"Args line indented less than its entries: {stripped!r}")
    return entries


def _literal(text: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _resolve(text: str, obj: Any) -> tuple[bool, Any]:
    """A Python literal, or a (dotted) name of ``obj``'s module: its value."""
    ok, value = _literal(text)
    if ok:
        return True, value
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", text):
        return False, None
    module = sys.modules.get(getattr(obj, "__module__", ""), None)
    head, *rest = text.split(".")
    if module is None or not hasattr(module, head):
        return False, None
    value = getattr(module, head)
    for part in rest:
        if not hasattr(value, part):
            return False, None
        value = getattr(value, part)
    return True, value


def _same(documented: Any, actual: Any) -> bool:
    """Equal and of the same type (``3`` is not ``None``, ``1`` not ``True``);
    a str Enum member (``TrafficType.ALL``) is documented by its value."""
    if isinstance(actual, str) and isinstance(documented, str):
        return documented == actual
    return type(documented) is type(actual) and documented == actual


def doc_problems(name: str, obj: Any) -> list[str]:
    """What is wrong with the ``Args:`` section of ``obj``'s docstring."""
    try:
        entries = args_section(obj.__doc__)
    except ValueError as e:
        return [f"{name}: {e}"]
    opts = options(obj)
    problems = [f"{name}: option {o!r} has no Args entry" for o in opts if o not in entries]
    problems += [f"{name}: Args documents {e!r}, which is no parameter" for e in entries
                 if e not in opts]
    for opt, default in opts.items():
        text = entries.get(opt)
        if text is None:
            continue
        if default is _NO_DEFAULT:
            if "Default:" in text:
                problems.append(f"{name}: {opt!r} is required but its entry gives a Default")
            continue
        m = _DEFAULT.search(_ROLE.sub(r"\1", text))
        if m is None:
            problems.append(f"{name}: {opt!r} entry lacks 'Default: <value>: <why>'")
            continue
        value = m["value"]
        if value.startswith("``"):
            ok, documented = _resolve(value.strip("`"), obj)
            if ok and not _same(documented, default):
                problems.append(
                    f"{name}: {opt!r} documents Default {value}, the signature has {default!r}")
    return problems


# --------------------------------------------------------------------------
# What the README says
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionTable:
    callable: str | None
    context: str
    #: (option, default cell) per row
    rows: tuple[tuple[str, str], ...]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _named(block: str, known: set[str]) -> str | None:
    """The last known callable a block names in backticks (``Foo(...)`` or ``Foo``)."""
    found = None
    for span in _SPAN.findall(block):
        m = re.match(r"([A-Za-z_][\w.]*)(\(|$)", span)
        if m and m[1] in known:
            found = m[1]
    return found


def option_tables(text: str, known: set[str]) -> list[OptionTable]:
    """Every option table of a Markdown text, with the callable it documents:
    the one named last in the nearest block before it that names one, looking
    back no further than the section's heading."""
    tables: list[OptionTable] = []
    blocks: list[str] = []  # the current section's blocks so far, heading first
    lines = text.splitlines()
    i = 0
    fenced = False
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
            i += 1
            continue
        if fenced or not line.strip():
            i += 1
            continue
        if line.startswith("#"):
            blocks = [line]
            i += 1
            continue
        j = i
        if line.lstrip().startswith("|"):
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            header, body = _cells(lines[i]), [_cells(x) for x in lines[i + 2:j]]
            if header[0].lower() in OPTION_TABLE_HEADERS:
                target = next((n for b in reversed(blocks) if (n := _named(b, known))), None)
                col = header.index("default") if "default" in header else None
                rows = tuple(
                    (r[0], r[col] if col is not None and col < len(r) else "") for r in body)
                tables.append(OptionTable(target, blocks[0] if blocks else "", rows))
            blocks.append("(table)")
        else:
            while j < len(lines) and lines[j].strip() and not lines[j].startswith(("#", "|")) \
                    and not lines[j].lstrip().startswith("```"):
                j += 1
            blocks.append("\n".join(lines[i:j]))
        i = j
    return tables


def table_problems(name: str, obj: Any, table: OptionTable) -> list[str]:
    """What is wrong with a README option table of ``obj``."""
    opts = options(obj)
    problems: list[str] = []
    seen: list[str] = []
    for first, cell in table.rows:
        m = re.fullmatch(r"`([A-Za-z_]\w*)`", first)
        if m is None:
            problems.append(f"README {name} table: first cell {first!r} is not `option`")
            continue
        opt = m[1]
        seen.append(opt)
        if opt not in opts:
            problems.append(f"README {name} table lists {opt!r}, which is no parameter")
            continue
        default = opts[opt]
        required_cell = cell.lower().startswith("required")
        if required_cell != (default is _NO_DEFAULT):
            problems.append(
                f"README {name} table: {opt!r} is "
                f"{'required' if default is _NO_DEFAULT else 'optional'}, the cell says {cell!r}")
            continue
        lead = re.match(r"`([^`]+)`", cell)
        if lead and default is not _NO_DEFAULT:
            ok, documented = _resolve(lead[1], obj)
            if ok and not _same(documented, default):
                problems.append(f"README {name} table: {opt!r} default {lead[0]}, "
                                f"the signature has {default!r}")
    problems += [f"README {name} table lacks {o!r}" for o in opts if o not in seen]
    problems += [f"README {name} table lists {o!r} twice" for o in set(seen)
                 if seen.count(o) > 1]
    return problems


# --------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------

CALLABLES = callables()


@pytest.mark.parametrize(("name", "obj"), CALLABLES, ids=[n for n, _ in CALLABLES])
def test_every_option_is_documented_with_its_default(name: str, obj: Any) -> None:
    assert doc_problems(name, obj) == []


def test_every_option_table_names_a_callable() -> None:
    tables = option_tables(README, set(DOCUMENTED))
    assert [t.context for t in tables if t.callable is None] == []
    names = [t.callable for t in tables]
    assert EXPECTED_TABLES <= set(names), names
    assert len(names) == len(set(names)), f"two option tables for one callable: {names}"


@pytest.mark.parametrize("name", sorted(EXPECTED_TABLES))
def test_readme_option_table_matches_the_signature(name: str) -> None:
    tables = {t.callable: t for t in option_tables(README, set(DOCUMENTED))}
    assert table_problems(name, getattr(vpc_patterns, name), tables[name]) == []


def test_readme_tables_cover_every_documented_callable_with_a_table() -> None:
    """Any option table the README gains is checked too (not only the expected ones)."""
    for table in option_tables(README, set(DOCUMENTED)):
        assert table.callable is not None
        assert table_problems(table.callable, getattr(vpc_patterns, table.callable),
                              table) == []


# -- negative controls: the checkers reject wrong documentation -------------

def _sample(a: int, *, size: int = 3, mode: str = "fast", tags: tuple[int, ...] = (1, 2)) -> None:
    """A hand-made function.

    Args:
        a: the first value.
        size: how many. Default: ``4``: a wrong default.
        mode: how. Default: ``"fast"``: the usual way.
        colour: documented but no parameter. Default: red: stale.
    """


_SAMPLE_README = """
### Sample

`_sample(a, ...)` does things.

| option | default | why |
|---|---|---|
| `a` | `1` | says optional, but `a` is required |
| `size` | `5` | wrong default |
| `mode` | `"slow"` | wrong default |
| `colour` | none | stale |
"""


def test_negative_control_doc_checker() -> None:
    problems = doc_problems("_sample", _sample)
    assert "_sample: option 'tags' has no Args entry" in problems
    assert "_sample: Args documents 'colour', which is no parameter" in problems
    assert any("'size' documents Default ``4``" in p for p in problems)
    assert not any("'mode'" in p for p in problems)
    assert not any("'a'" in p for p in problems)
    assert len(problems) == 3, problems


def test_negative_control_doc_checker_form() -> None:
    def f(*, x: int = 1, y: int = 2) -> None:
        """F.

        Args:
            x: no default given.
            y: a default without its reason. Default: ``2``
        """

    problems = doc_problems("f", f)
    assert problems == ["f: 'x' entry lacks 'Default: <value>: <why>'",
                        "f: 'y' entry lacks 'Default: <value>: <why>'"]

    def g(x: int) -> None:
        """G.

        Args:
            x: required, yet documented with one. Default: ``1``: wrong.
        """

    assert doc_problems("g", g) == ["g: 'x' is required but its entry gives a Default"]


def test_negative_control_table_checker() -> None:
    module = sys.modules[__name__]
    known = {"_sample"}
    [table] = option_tables(_SAMPLE_README, known)
    assert table.callable == "_sample"
    problems = table_problems("_sample", module._sample, table)
    assert any("'a' is required" in p for p in problems)
    assert any("'size' default `5`" in p for p in problems)
    assert any("'mode' default `\"slow\"`" in p for p in problems)
    assert any("lists 'colour', which is no parameter" in p for p in problems)
    assert any("lacks 'tags'" in p for p in problems)
    assert len(problems) == 5, problems


def test_negative_control_table_finder_ignores_other_tables() -> None:
    text = "## `BestPracticeVpc(...)`\n\n| alarm | default |\n|---|---|\n| `x` | `1` |\n"
    assert option_tables(text, {"BestPracticeVpc"}) == []
    text = "## Misc\n\n| option | default |\n|---|---|\n| `x` | `1` |\n"
    [table] = option_tables(text, {"BestPracticeVpc"})
    assert table.callable is None


def test_args_section_parser() -> None:
    doc = """Summary.

    Args:
        one: first line
            continued. Default: ``1``: because.
        two (int): second.

    Attributes:
        three: not an option.
    """
    assert args_section(doc) == {"one": "first line continued. Default: ``1``: because.",
                                 "two": "second."}
    with pytest.raises(ValueError, match="given twice"):
        args_section("S.\n\nArgs:\n    a: x.\n    a: y.\n")
