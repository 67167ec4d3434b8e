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
