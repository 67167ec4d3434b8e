"""Negative controls for cdk-nag: switch the library's acknowledgments off
and read what the packs then report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def switch_off_acknowledgments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every acknowledgment goes through vpc_patterns.compliance, which calls
    Validations.of(scope).acknowledge(...): replace it for the test."""
    import vpc_patterns.build.compliance as compliance

    class _Off:
        @staticmethod
        def of(_scope: object) -> _Off:
            return _Off()

        def acknowledge(self, *_rules: object) -> None:
            return None

    monkeypatch.setattr(compliance, "Validations", _Off)


def findings_by_path(outdir: Path, stack: str) -> dict[str, set[str]]:
    """construct path (without the stack's name) -> rule ids, from the
    validation report a failed synthesis wrote."""
    report = json.loads((outdir / "validation-report.json").read_text())
    found: dict[str, set[str]] = {}
    for plugin in report["pluginReports"]:
        for v in plugin["violations"]:
            for c in v["violatingConstructs"]:
                found.setdefault(c["constructPath"].removeprefix(f"{stack}/"), set()).add(
                    v["ruleName"])
    return found
