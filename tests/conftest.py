"""Shared test set-up.

* jsii must run on the pinned, supported Node.js from node_modules (the
  machine's Node 20 is end-of-life), so its bin folder goes first on PATH
  before aws_cdk is imported anywhere.
* No test may reach AWS: credentials are cleared for the whole session.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_NODE_BIN = ROOT / "node_modules" / ".bin"
if _NODE_BIN.is_dir():
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

#: Feature flags from cdk.json: unit tests do not read cdk.json by themselves.
CDK_CONTEXT: dict = json.loads((ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def cdk_context() -> dict:
    return dict(CDK_CONTEXT)
