"""Shared test set-up.

* jsii must run on the pinned, supported Node.js from node_modules (the
  machine's Node 20 is end-of-life), so its bin folder goes first on PATH
  before aws_cdk is imported anywhere.
* No test may reach AWS: credentials are cleared for the whole session.
* The CDK's built-in CloudFormation validator is off (``CDK_VALIDATION``).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NODE_BIN = ROOT / "node_modules" / ".bin"
if _NODE_BIN.is_dir():
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
# The CDK's built-in CloudFormation validator is off for the session (cfn-lint
# lints the same templates; tests/test_reference_app.py runs the validator
# once, in a process of its own).
os.environ.setdefault("CDK_VALIDATION", "false")

#: Name of the folder the xdist workers share cfn-lint results in (tests/lint_helpers.py).
_LINT_SHARE_KEY = "vpc_patterns_lint_results"
_LINT_SHARE = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """The xdist controller makes one folder for the session's shared cfn-lint
    results and hands it to each worker (``pytest_configure_node``); a worker
    points tests/lint_helpers.py at it."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if _LINT_SHARE_KEY in workerinput:
            from .lint_helpers import share_results_in

            share_results_in(Path(workerinput[_LINT_SHARE_KEY]))
    elif getattr(config.option, "numprocesses", None):
        config.stash[_LINT_SHARE] = Path(tempfile.mkdtemp(prefix="vpc-patterns-cfn-lint-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # pytest-xdist's hook, on the controller
    folder = node.config.stash.get(_LINT_SHARE, None)
    if folder is not None:
        node.workerinput[_LINT_SHARE_KEY] = str(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_LINT_SHARE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


#: Feature flags from cdk.json: unit tests do not read cdk.json by themselves.
CDK_CONTEXT: dict = json.loads((ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def cdk_context() -> dict:
    return dict(CDK_CONTEXT)


@dataclass(frozen=True)
class ReferenceApp:
    """The reference app's cloud assembly and its stacks (env name -> stack)."""

    out: Path
    stacks: dict[str, Any]


@pytest.fixture(scope="session")
def reference_app(tmp_path_factory: pytest.TempPathFactory) -> ReferenceApp:
    """The reference app as `make synth` builds it: cdk.json's context, the
    four cdk-nag packs as validation plugins (synthesis raises on any
    unacknowledged finding). Synthesized once per test process and shared by
    every module that reads its templates; treat it as read-only."""
    from aws_cdk import App

    from stacks.app_builder import build_app

    out = tmp_path_factory.mktemp("reference-cdk.out")
    app = App(context=copy.deepcopy(CDK_CONTEXT), outdir=str(out))
    stacks = {s.config.name: s for s in build_app(app, compliance=True)}
    app.synth()
    return ReferenceApp(out, stacks)
