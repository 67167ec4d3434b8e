"""Reading CloudFormation templates: files, cdk.out folders, intrinsics.

No CDK import: a template is plain JSON (or YAML, for templates written by
hand). Intrinsic functions are resolved only where the answer is certain from
the template alone (``Ref``/``Fn::GetAtt`` to a resource, ``Fn::Select``,
``Fn::Cidr`` over a literal VPC CIDR, ``Fn::Join`` of literals); anything else
resolves to ``None`` and the caller reports the value as unknown.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence


class TemplateError(Exception):
    """A path that is not a readable CloudFormation template (or holds none)."""


@dataclass(frozen=True)
class Template:
    """One template: where it came from, a short name, and its body."""

    path: str
    name: str
    body: Mapping[str, Any]

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        res = self.body.get("Resources")
        return res if isinstance(res, Mapping) else {}


def _yaml_load(text: str) -> Any:
    try:
        import yaml
    except ImportError as err:  # pragma: no cover - PyYAML ships with cfn-lint
        raise TemplateError("YAML templates need PyYAML installed") from err

    class _Loader(yaml.SafeLoader):  # type: ignore[misc]
        pass

    def _short(tag: str):  # type: ignore[no-untyped-def]
        name = "Ref" if tag == "Ref" else f"Fn::{tag}"

        def construct(loader, node):  # type: ignore[no-untyped-def]
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if tag == "GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}

        return construct

    for tag in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "Cidr", "GetAZs",
                "ImportValue", "If", "Equals", "And", "Or", "Not", "Base64",
                "FindInMap", "Condition", "Transform", "Length", "ToJsonString"):
        _Loader.add_constructor(f"!{tag}", _short(tag))
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def _template_name(path: Path) -> str:
    name = path.name
    for suffix in (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def load_template(path: str | Path) -> Template:
    """Read one template file (JSON, or YAML by extension). Raises
    :class:`TemplateError` when it is unreadable or not a template."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TemplateError(f"{p}: cannot read: {err}") from err
    try:
        if p.suffix in (".yaml", ".yml"):
            body = _yaml_load(text)
        else:
            body = json.loads(text)
    except Exception as err:  # json.JSONDecodeError, yaml.YAMLError
        raise TemplateError(f"{p}: not valid {'YAML' if p.suffix in ('.yaml', '.yml') else 'JSON'}: {err}") from err
    if not isinstance(body, Mapping) or not isinstance(body.get("Resources"), Mapping):
        raise TemplateError(f"{p}: not a CloudFormation template (no Resources section)")
    return Template(path=str(p), name=_template_name(p), body=body)


def load_paths(paths: Iterable[str | Path]) -> list[Template]:
    """Templates from files and folders (a folder: every ``*.template.json``
    in it and in its sub-folders, such as a ``cdk.out`` with stage assemblies)."""
    out: list[Template] = []
    given = list(paths)
    if not given:
        raise TemplateError("no path given")
    for raw in given:
        p = Path(raw)
        if p.is_dir():
            files = sorted(p.rglob("*.template.json"))
            if not files:
                raise TemplateError(f"{p}: folder holds no *.template.json")
            out.extend(load_template(f) for f in files)
        elif p.exists():
            out.append(load_template(p))
        else:
            raise TemplateError(f"{p}: no such file or folder")
    return out


# ---------------------------------------------------------------------------
# Intrinsics
# ---------------------------------------------------------------------------

#: Rendering of an unresolved value inside a string (e.g. a service name).
def _placeholder(value: Any) -> str:
    if isinstance(value, Mapping) and len(value) == 1:
        (k, v), = value.items()
        if k == "Ref":
            return "${" + str(v) + "}"
    return "${?}"


class Resolver:
    """Resolves the intrinsics of one template, where the template alone
    determines the value."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.resources = template.resources

    # -- references --------------------------------------------------------
    def ref(self, value: Any) -> str | None:
        """The logical id a ``Ref`` or ``Fn::GetAtt`` points to, if it is a
        resource of this template."""
        if isinstance(value, Mapping) and len(value) == 1:
            (k, v), = value.items()
            if k == "Ref" and isinstance(v, str) and v in self.resources:
                return v
            if k == "Fn::GetAtt":
                target = v[0] if isinstance(v, Sequence) and not isinstance(v, str) and v else (
                    v.split(".", 1)[0] if isinstance(v, str) else None)
                if isinstance(target, str) and target in self.resources:
                    return target
        return None

    def type_of(self, logical_id: str | None) -> str | None:
        if logical_id is None:
            return None
        res = self.resources.get(logical_id)
        t = res.get("Type") if isinstance(res, Mapping) else None
        return t if isinstance(t, str) else None

    def props(self, logical_id: str) -> Mapping[str, Any]:
        res = self.resources.get(logical_id)
        p = res.get("Properties") if isinstance(res, Mapping) else None
        return p if isinstance(p, Mapping) else {}

    # -- scalars -----------------------------------------------------------
    def string(self, value: Any) -> str | None:
        """A literal string, or one built from literals; else None."""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return str(value)
        if not (isinstance(value, Mapping) and len(value) == 1):
            return None
        (k, v), = value.items()
        if k == "Fn::Join" and isinstance(v, Sequence) and len(v) == 2:
            sep, parts = v
            if not isinstance(sep, str) or not isinstance(parts, Sequence) or isinstance(parts, str):
                return None
            items = [self.string(p) for p in parts]
            return None if any(i is None for i in items) else sep.join(items)  # type: ignore[arg-type]
        if k == "Fn::Select":
            picked = self._select(v)
            return None if picked is None else self.string(picked)
        if k == "Fn::GetAtt":
            return self._getatt_string(v)
        return None

    def text(self, value: Any) -> str:
        """A string for display: unresolved parts become ``${...}``."""
        s = self.string(value)
        if s is not None:
            return s
        if isinstance(value, Mapping) and len(value) == 1:
            (k, v), = value.items()
            if k == "Fn::Join" and isinstance(v, Sequence) and len(v) == 2 and isinstance(v[0], str) \
                    and isinstance(v[1], Sequence) and not isinstance(v[1], str):
                return v[0].join(self._text_part(p) for p in v[1])
            if k == "Fn::Sub" and isinstance(v, str):
                return v
            if k == "Fn::Sub" and isinstance(v, Sequence) and v and isinstance(v[0], str):
                return v[0]
        return _placeholder(value)

    def _text_part(self, value: Any) -> str:
        s = self.string(value)
        return s if s is not None else _placeholder(value)

    def integer(self, value: Any) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        s = self.string(value)
        if s is None:
            return None
        try:
            return int(s.strip())
        except ValueError:
            return None

    def boolean(self, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        s = self.string(value)
        if s is None:
            return None
        return {"true": True, "false": False}.get(s.strip().lower())

    def cidr(self, value: Any) -> ipaddress.IPv4Network | None:
        """An IPv4 CIDR, including ``Fn::Select [i, Fn::Cidr [block, n, bits]]``
        over a literal block (or a VPC's literal ``CidrBlock``)."""
        from .ranges import parse_cidr

        if isinstance(value, Mapping) and len(value) == 1 and "Fn::Select" in value:
            v = value["Fn::Select"]
            if isinstance(v, Sequence) and len(v) == 2 and isinstance(v[1], Mapping) \
                    and "Fn::Cidr" in v[1]:
                idx = self.integer(v[0])
                cidrs = self._fn_cidr(v[1]["Fn::Cidr"])
                if idx is not None and cidrs is not None and 0 <= idx < len(cidrs):
                    return cidrs[idx]
                return None
        return parse_cidr(self.string(value))

    def items(self, value: Any) -> list[Any] | None:
        """A list property (None when it is an unresolvable intrinsic)."""
        if isinstance(value, Sequence) and not isinstance(value, str):
            return list(value)
        return None

    def tags(self, logical_id: str) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        tags = self.props(logical_id).get("Tags")
        if isinstance(tags, Sequence) and not isinstance(tags, str):
            for t in tags:
                if isinstance(t, Mapping) and isinstance(t.get("Key"), str):
                    out[t["Key"]] = self.string(t.get("Value"))
        elif isinstance(tags, Mapping):
            out.update({str(k): self.string(v) for k, v in tags.items()})
        return out

    # -- helpers -----------------------------------------------------------
    def _select(self, v: Any) -> Any:
        if not (isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 2):
            return None
        idx = self.integer(v[0])
        lst = v[1]
        if idx is None or not isinstance(lst, Sequence) or isinstance(lst, str):
            return None
        return lst[idx] if 0 <= idx < len(lst) else None

    def _getatt_string(self, v: Any) -> str | None:
        if isinstance(v, str):
            v = v.split(".", 1)
        if not (isinstance(v, Sequence) and len(v) == 2):
            return None
        target, attr = v
        if self.type_of(target if isinstance(target, str) else None) == "AWS::EC2::VPC" \
                and attr == "CidrBlock":
            return self.string(self.props(target).get("CidrBlock"))
        return None

    def _fn_cidr(self, v: Any) -> list[ipaddress.IPv4Network] | None:
        from .ranges import parse_cidr

        if not (isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 3):
            return None
        block = parse_cidr(self.string(v[0]))
        count = self.integer(v[1])
        bits = self.integer(v[2])
        if block is None or count is None or bits is None or not 0 < bits <= 32 - block.prefixlen + 0:
            return None
        new_prefix = 32 - bits
        if new_prefix < block.prefixlen:
            return None
        out: list[ipaddress.IPv4Network] = []
        for i, sub in enumerate(block.subnets(new_prefix=new_prefix)):
            if i >= count:
                break
            out.append(sub)
        return out
