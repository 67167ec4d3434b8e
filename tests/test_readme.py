"""The README is runnable: every ```python block runs as written in a new
interpreter (a user pastes it into a file and runs it), and every import the
README shows, in code blocks or inline, resolves.

A block runs in an empty temporary folder with the test session's PATH (the
pinned Node.js first) and no AWS credentials; it must exit 0. Blocks assert
what they claim where the claim is checkable (the README writes those
asserts, so a wrong claim fails here).
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = [m.group(1) for m in re.finditer(r"^```python\n(.*?)^```", README, re.S | re.M)]
INLINE_IMPORT = re.compile(r"`(from (vpc_patterns[\w.]*) import ([\w, ]+))`")


def _heading_of(block: str) -> str:
    head = README[: README.index(block)]
    titles = re.findall(r"^#+ (.+)$", head, re.M)
    return titles[-1] if titles else "top"


def test_the_readme_has_runnable_examples() -> None:
    assert len(BLOCKS) >= 4, "the README's catalogue should show runnable examples"


@pytest.mark.parametrize("index", range(len(BLOCKS)),
                         ids=[f"{i}-{_heading_of(b)[:30]}" for i, b in enumerate(BLOCKS)])
def test_python_block_runs(index: int, tmp_path: Path) -> None:
    block = BLOCKS[index]
    ast.parse(block)  # a syntax error names the block before a subprocess starts
    script = tmp_path / "example.py"
    script.write_text(block)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "constructs"), str(ROOT),
                                                     env.get("PYTHONPATH", "")) if p)
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"README block {index} under '{_heading_of(block)}' failed:\n{block}\n"
        f"--- stderr ---\n{result.stderr[-3000:]}")


def _imports_in(code: str) -> list[tuple[str, list[str]]]:
    out = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("vpc_patterns"):
            out.append((node.module, [a.name for a in node.names]))
    return out


def test_every_import_the_readme_shows_resolves() -> None:
    shown = [imp for b in BLOCKS for imp in _imports_in(b)]
    shown += [(m.group(2), [n.strip() for n in m.group(3).split(",")])
              for m in INLINE_IMPORT.finditer(README)]
    assert shown
    missing = []
    for module, names in shown:
        mod = importlib.import_module(module)
        missing += [f"{module}.{n}" for n in names if not hasattr(mod, n)]
    assert missing == []


#: ``Name(scope, id, key=value, ...)`` written inline: a signature the reader
#: copies. Every keyword must exist, a literal shown must be the default, and
#: the span lists every option (the README is the catalogue).
SIGNATURE = re.compile(r"`((?:[A-Z][A-Za-z]+)\(scope, id, [^`]*\))`")


def _signature_spans() -> list[tuple[str, ast.Call]]:
    out = []
    for m in SIGNATURE.finditer(README):
        text = m.group(1)
        if "**" in text:  # a heading naming the call, with a table below it
            continue
        call = ast.parse(text.replace("...", "Ellipsis"), mode="eval").body
        assert isinstance(call, ast.Call), text
        out.append((text, call))
    return out


def test_the_readme_writes_construct_signatures() -> None:
    names = {text.split("(")[0] for text, _ in _signature_spans()}
    assert {"FlowLogs", "NetworkMonitoring", "InterfaceEndpoints", "VpcPeering",
            "SiteToSiteVpn", "ExtraNetworkInterface"} <= names


@pytest.mark.parametrize("index", range(len(_signature_spans())),
                         ids=[text.split("(")[0] for text, _ in _signature_spans()])
def test_inline_signatures_match_the_code(index: int) -> None:
    import inspect

    import vpc_patterns

    text, call = _signature_spans()[index]
    assert isinstance(call.func, ast.Name)
    target = getattr(vpc_patterns, call.func.id)
    params = {n: p for n, p in inspect.signature(target.__init__).parameters.items()
              if n not in ("self", "scope", "id")}
    shown = {kw.arg: kw.value for kw in call.keywords}
    assert set(shown) - set(params) == set(), f"{text}: options that do not exist"
    assert set(params) - set(shown) == set(), f"{text}: options the README leaves out"
    for name, node in shown.items():
        default = params[name].default
        if isinstance(node, ast.Constant) and node.value is not Ellipsis \
                and default is not inspect.Parameter.empty:
            actual = getattr(default, "value", default)
            assert node.value == actual, f"{text}: {name} shown as {node.value!r}, is {default!r}"
