"""cfn-lint for the tests: each distinct template is linted once per test
process, with one rule set loaded once per process.

``api.lint_file`` loads cfn-lint's whole rule collection (about 340 rule
modules and 140 JSON data files) on every call: about 2.3 s of the 2.6 s it
takes for a one-resource template. The ``cfn-lint`` command loads the rules
once and runs every template it is given through them; :func:`cfn_lint` does
the same, so a test linting N templates pays the load once, not N times.

Results are cached by the template's content (SHA-256 of the file's bytes)
and the regions, so modules that lint the same template (the reference app's
templates, synthesized once per process by the ``reference_app`` fixture, are
linted by tests/test_reference_app.py and tests/test_connectivity.py) lint it
once per session. Each process keeps the results in memory; under xdist
(``pytest -n 2``) the workers also share them through a folder the controller
makes for the session (tests/conftest.py, :func:`share_results_in`), one
result file per template written under a lock, so a worker that needs a
template another is linting waits for that result instead of linting again.

What is checked is exactly what ``api.lint_file(path,
config=api.ManualArgs(regions=...))`` checks (the same config, the same
decoding from the file, the template's own ``Metadata`` cfn-lint directives);
tests/test_lint_helpers.py compares the two on a template with findings.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

#: The region every template is linted for unless a test names others.
DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1",)

_RESULTS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
#: The session's folder of results shared between xdist workers (None: this
#: process only).
_SHARED: list[Path] = []


def share_results_in(folder: Path) -> None:
    """Share results with the other processes of the session through ``folder``
    (made by the xdist controller for the session, removed after it)."""
    _SHARED[:] = [Path(folder)]


@cache
def _rules() -> Any:
    """cfn-lint's default rule collection, loaded once per process (the
    ``cfn-lint`` command also reuses one collection for all its templates)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([])).rules


def _lint_uncached(path: Path, regions: tuple[str, ...]) -> tuple[str, ...]:
    from cfnlint.api import ManualArgs
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner.template.runner import run_template_by_file_paths

    # A fresh config per template (it takes the template's own cfn-lint
    # Metadata), built as api.lint_file builds it.
    config = ConfigMixIn(["--template", str(path)], **ManualArgs(regions=list(regions)))
    return tuple(str(m) for m in run_template_by_file_paths(config, _rules()))


def cfn_lint(path: Path, *, regions: Iterable[str] = DEFAULT_REGIONS) -> list[str]:
    """cfn-lint's findings for the template file ``path`` (errors, warnings
    and informational, as strings; ``[]`` when clean), linted once per process
    per distinct content and regions. A cached result names the file that was
    linted first with the same content."""
    path = Path(path)
    key = (hashlib.sha256(path.read_bytes()).hexdigest(), tuple(regions))
    if key not in _RESULTS:
        _RESULTS[key] = _lint_shared(path, key) if _SHARED else _lint_uncached(path, key[1])
    return list(_RESULTS[key])


def _lint_shared(path: Path, key: tuple[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The result another process of the session wrote for ``key``, or lint
    and write it; one lock per key, so a second process waits, then reads."""
    name = hashlib.sha256(json.dumps([key[0], list(key[1])]).encode()).hexdigest()
    done = _SHARED[0] / f"{name}.json"
    with open(_SHARED[0] / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.exists():
            return tuple(json.loads(done.read_text()))
        result = _lint_uncached(path, key[1])
        partial = done.with_suffix(".partial")
        partial.write_text(json.dumps(result))
        partial.replace(done)
        return result


def cfn_lint_all(paths: Iterable[Path], *,
                 regions: Iterable[str] = DEFAULT_REGIONS) -> dict[str, list[str]]:
    """file name -> findings, for each of ``paths`` that has any (``{}``: all clean)."""
    regions = tuple(regions)
    found = {Path(p).name: cfn_lint(Path(p), regions=regions) for p in sorted(paths)}
    return {name: matches for name, matches in found.items() if matches}
