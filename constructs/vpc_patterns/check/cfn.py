"""Reading CloudFormation templates: files, cdk.out folders, intrinsics.

No CDK import: a template is plain JSON (or YAML, for templates written by
hand). Intrinsic functions are resolved only where the answer is certain from
the template alone (``Ref``/``Fn::GetAtt`` to a resource, ``Fn::Select``,
``Fn::Cidr`` over a literal VPC CIDR, ``Fn::Join`` of literals); anything else
resolves to ``None`` and the caller reports the value as unknown.

When several templates are read together, :func:`export_index` gathers the
exports of their ``Outputs`` and a :class:`Resolver` given that index also
resolves ``Fn::ImportValue`` of a literal export name (or an ``Fn::Sub`` /
``Fn::Join`` that gives one): to the exporting template's resource
(:meth:`Resolver.imported`) or to a literal value (:meth:`Resolver.string`).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast


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

    class _Loader(yaml.SafeLoader):
        pass

    def _short(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
        name = "Ref" if tag == "Ref" else f"Fn::{tag}"

        def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if tag == "GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(cast(yaml.MappingNode, node), deep=True)
            return {name: value}

        return construct

    for tag in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "Cidr", "GetAZs",
                "ImportValue", "If", "Equals", "And", "Or", "Not", "Base64",
                "FindInMap", "Condition", "Transform", "Length", "ToJsonString"):
        _Loader.add_constructor(f"!{tag}", _short(tag))
    return yaml.load(text, Loader=_Loader)


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
        kind = "YAML" if p.suffix in (".yaml", ".yml") else "JSON"
        raise TemplateError(f"{p}: not valid {kind}: {err}") from err
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


#: ``Fn::GetAtt`` attributes that return the resource's own id (as ``Ref``
#: does), by resource type; ``Id`` is taken as such for every type.
_ID_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "AWS::EC2::VPC": frozenset({"VpcId"}),
    "AWS::EC2::RouteTable": frozenset({"RouteTableId"}),
    "AWS::EC2::Subnet": frozenset({"SubnetId"}),
    "AWS::EC2::SecurityGroup": frozenset({"GroupId"}),
    "AWS::EC2::InternetGateway": frozenset({"InternetGatewayId"}),
    "AWS::EC2::NatGateway": frozenset({"NatGatewayId"}),
    "AWS::EC2::VPNGateway": frozenset({"VPNGatewayId"}),
    "AWS::EC2::NetworkAcl": frozenset({"NetworkAclId"}),
    "AWS::EC2::NetworkInterface": frozenset({"NetworkInterfaceId"}),
    "AWS::EC2::Instance": frozenset({"InstanceId"}),
}


@dataclass(frozen=True)
class Export:
    """One ``Outputs.<name>.Export`` of a template."""

    name: str
    template: Template
    #: the output's logical name
    output: str
    #: the resource whose id the value is (``Ref`` or an id ``Fn::GetAtt``)
    logical_id: str | None = None
    #: the value as a literal string, when the exporting template determines it
    literal: str | None = None

    @property
    def resource_type(self) -> str | None:
        res = self.template.resources.get(self.logical_id or "")
        t = res.get("Type") if isinstance(res, Mapping) else None
        return t if isinstance(t, str) else None


@dataclass
class ExportIndex:
    """The exports of templates read together, by export name."""

    exports: dict[str, Export]
    #: export names more than one loaded template exports (left unresolved)
    ambiguous: dict[str, tuple[str, ...]]

    def get(self, name: str | None) -> Export | None:
        return None if name is None else self.exports.get(name)


def export_index(templates: Iterable[Template]) -> ExportIndex:
    """Every export of ``templates`` whose name the exporting template
    determines (a literal, or ``Fn::Join``/``Fn::Sub`` of literals). A name
    exported by two templates (separate regions or accounts) is left out."""
    found: dict[str, list[Export]] = {}
    for t in templates:
        r = Resolver(t)
        outputs = t.body.get("Outputs")
        if not isinstance(outputs, Mapping):
            continue
        for out_name, out in outputs.items():
            if not isinstance(out, Mapping) or not isinstance(out.get("Export"), Mapping):
                continue
            name = r.literal_name(out["Export"].get("Name"))
            if not name:
                continue
            value = out.get("Value")
            found.setdefault(name, []).append(Export(
                name, t, str(out_name), r.id_ref(value), r.string(value)))
    exports = {n: e[0] for n, e in found.items() if len(e) == 1}
    ambiguous = {n: tuple(x.template.name for x in e) for n, e in found.items() if len(e) > 1}
    return ExportIndex(exports, ambiguous)


def _sub_literal(r: Resolver, v: Any) -> str | None:
    """``Fn::Sub`` whose variables all resolve to literals (``${!x}`` is a
    literal ``${x}``); pseudo parameters and template parameters do not."""
    variables: Mapping[str, Any]
    if isinstance(v, str):
        template, variables = v, {}
    elif isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 2 \
            and isinstance(v[0], str) and isinstance(v[1], Mapping):
        template, variables = v[0], v[1]
    else:
        return None
    out: list[str] = []
    i = 0
    while i < len(template):
        j = template.find("${", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        k = template.find("}", j)
        if k < 0:
            return None
        var = template[j + 2:k]
        if var.startswith("!"):
            out.append("${" + var[1:] + "}")
        else:
            if var not in variables:
                return None
            val = r.string(variables[var])
            if val is None:
                return None
            out.append(val)
        i = k + 1
    return "".join(out)


class Resolver:
    """Resolves the intrinsics of one template, where the template alone
    determines the value (or, given the :class:`ExportIndex` of the templates
    read with it, the exporting template does)."""

    def __init__(self, template: Template, exports: ExportIndex | None = None) -> None:
        self.template = template
        self.resources = template.resources
        self.exports = exports

    # -- imports -------------------------------------------------------------
    def literal_name(self, value: Any) -> str | None:
        """An export name: a literal, ``Fn::Join`` of literals or ``Fn::Sub``
        without unresolvable variables."""
        if isinstance(value, Mapping) and len(value) == 1 and "Fn::Sub" in value:
            return _sub_literal(self, value["Fn::Sub"])
        s = self.string(value)
        return s if s else None

    def import_name(self, value: Any) -> str | None:
        """The export name of an ``Fn::ImportValue`` (None: not an import,
        or a name the template does not determine)."""
        if isinstance(value, Mapping) and len(value) == 1 and "Fn::ImportValue" in value:
            return self.literal_name(value["Fn::ImportValue"])
        return None

    def is_import(self, value: Any) -> bool:
        return isinstance(value, Mapping) and len(value) == 1 and "Fn::ImportValue" in value

    def imported(self, value: Any) -> Export | None:
        """The export an ``Fn::ImportValue`` reads, when another loaded
        template exports it."""
        if self.exports is None or not self.is_import(value):
            return None
        exp = self.exports.get(self.import_name(value))
        if exp is None or exp.template.path == self.template.path:
            return None
        return exp

    def import_problem(self, value: Any) -> str:
        """Why an ``Fn::ImportValue`` is not resolvable, in words."""
        name = self.import_name(value)
        if name is None:
            return "Fn::ImportValue of a name the template does not determine"
        if self.exports is not None and name in self.exports.ambiguous:
            return (f"Fn::ImportValue {name!r} is exported by several loaded templates "
                    f"({', '.join(self.exports.ambiguous[name])})")
        exp = self.exports.get(name) if self.exports is not None else None
        if exp is not None and exp.logical_id is None:
            return f"Fn::ImportValue {name!r} is not the id of a resource of {exp.template.name}"
        return f"Fn::ImportValue {name!r} is exported by no loaded template"

    def id_ref(self, value: Any) -> str | None:
        """The logical id whose *id* ``value`` is: ``Ref`` to a resource, or
        ``Fn::GetAtt`` of an id attribute (``VpcId`` of a VPC, ``Id``); a
        ``Fn::GetAtt <resource>.VpcId`` of another resource gives its VPC."""
        if isinstance(value, Mapping) and len(value) == 1 and "Ref" in value:
            return self.ref(value)
        if not (isinstance(value, Mapping) and len(value) == 1 and "Fn::GetAtt" in value):
            return None
        v = value["Fn::GetAtt"]
        if isinstance(v, str):
            v = v.split(".", 1)
        if not (isinstance(v, Sequence) and len(v) == 2 and isinstance(v[0], str)
                and isinstance(v[1], str)):
            return None
        target, attr = v
        rtype = self.type_of(target if target in self.resources else None)
        if rtype is None:
            return None
        if attr == "Id" or attr in _ID_ATTRIBUTES.get(rtype, ()):
            return target
        if attr == "VpcId":
            vpc = self.ref(self.props(target).get("VpcId"))
            return vpc if self.type_of(vpc) == "AWS::EC2::VPC" else None
        return None

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
            if (not isinstance(sep, str) or not isinstance(parts, Sequence)
                    or isinstance(parts, str)):
                return None
            items = [self.string(p) for p in parts]
            known = [i for i in items if i is not None]
            return None if len(known) != len(items) else sep.join(known)
        if k == "Fn::Select":
            picked = self._select(v)
            return None if picked is None else self.string(picked)
        if k == "Fn::GetAtt":
            return self._getatt_string(v)
        if k == "Fn::ImportValue" and self.exports is not None:
            exp = self.imported(value)
            return exp.literal if exp is not None else None
        return None

    def text(self, value: Any) -> str:
        """A string for display: unresolved parts become ``${...}``."""
        s = self.string(value)
        if s is not None:
            return s
        if isinstance(value, Mapping) and len(value) == 1:
            (k, v), = value.items()
            if (k == "Fn::Join" and isinstance(v, Sequence) and len(v) == 2
                    and isinstance(v[0], str)
                    and isinstance(v[1], Sequence) and not isinstance(v[1], str)):
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
        from vpc_patterns.check.ranges import parse_cidr

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
        from vpc_patterns.check.ranges import parse_cidr

        if not (isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 3):
            return None
        block = parse_cidr(self.string(v[0]))
        count = self.integer(v[1])
        bits = self.integer(v[2])
        if (block is None or count is None or bits is None
                or not 0 < bits <= 32 - block.prefixlen + 0):
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
