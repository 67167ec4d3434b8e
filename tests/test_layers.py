"""The layer contract, checked on the source and on a fresh interpreter.

* plan/ (the network as data) never imports aws_cdk, constructs, cdk_nag,
  the build layer or the check layer;
* check/ (the analyzer over template JSON) never imports aws_cdk or the
  build layer; it may use the plan layer's types;
* cli/ needs no aws_cdk either (``python -m vpc_patterns verify`` runs on a
  machine without Node.js).

The static check reads every import statement, including those inside
functions (a lazy import is still a dependency); the dynamic check imports
every module of those layers in a new interpreter and looks at sys.modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import vpc_patterns

PKG = Path(vpc_patterns.__file__).resolve().parent
CDK_ROOTS = ("aws_cdk", "constructs", "cdk_nag", "jsii")

#: layer -> module prefixes it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "plan": CDK_ROOTS + ("vpc_patterns.build", "vpc_patterns.check", "vpc_patterns.cli"),
    "check": CDK_ROOTS + ("vpc_patterns.build", "vpc_patterns.cli"),
    "cli": CDK_ROOTS + ("vpc_patterns.build",),
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str | None = None) -> list[str]:
    """Absolute names of every module ``path`` imports (relative ones resolved)."""
    own = (module or _module_name(path)).split(".")
    package = own if path.name == "__init__.py" else own[:-1]
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            out.append(name)
            out += [f"{name}.{a.name}" for a in node.names]
    return out


def _layer_files(layer: str) -> list[Path]:
    files = sorted((PKG / layer).rglob("*.py"))
    assert files, f"no modules in {layer}/"
    return files


def _violations(path: Path, forbidden: tuple[str, ...], module: str | None = None) -> list[str]:
    return [name for name in _imports(path, module)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_forbidden_import_in_the_source(layer: str) -> None:
    bad = {str(p.relative_to(PKG)): v for p in _layer_files(layer)
           if (v := _violations(p, FORBIDDEN[layer]))}
    assert not bad, f"{layer}/ imports what it must not: {bad}"


def test_the_static_check_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """Negative control: a function-level aws_cdk import and a relative
    import of the build layer are both caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    import aws_cdk\n    from ..build import vpc\n")
    found = _violations(probe, FORBIDDEN["check"], module="vpc_patterns.check.probe")
    assert "aws_cdk" in found and "vpc_patterns.build" in found


def test_a_fresh_interpreter_imports_plan_check_and_cli_without_the_cdk() -> None:
    modules = [_module_name(p) for layer in FORBIDDEN for p in _layer_files(layer)]
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        f"    if m.split('.')[0] in {CDK_ROOTS!r} or m.startswith('vpc_patterns.build'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_every_build_module_is_in_the_build_layer_folder() -> None:
    """Modules that import aws_cdk live in build/ (or are the package's lazy
    public API): a CDK import anywhere else means a layer is mixed."""
    outside = []
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG)
        if rel.parts[0] in ("build",) or (rel.name == "__init__.py" and len(rel.parts) == 1):
            continue
        if _violations(p, CDK_ROOTS):
            outside.append(str(rel))
    assert outside == []
