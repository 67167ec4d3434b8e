"""tests/lint_helpers.py reports what ``cfnlint.api.lint_file`` reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .lint_helpers import cfn_lint, cfn_lint_all

#: A template cfn-lint objects to three times: an error (a CIDR that is not
#: one, E3002), an unused parameter (W2001) and a hard-coded AZ (W3010).
FLAWED: dict = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Unused": {"Type": "String"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/33"}},
        "Subnet": {"Type": "AWS::EC2::Subnet",
                   "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24",
                                  "AvailabilityZone": "eu-west-1a"}},
    },
}


def _rule_ids(matches: list[str]) -> list[str]:
    return sorted(m[1:].split(":")[0] for m in matches)


def test_same_findings_as_lint_file_and_cached_by_content(tmp_path: Path) -> None:
    from cfnlint import api

    path = tmp_path / "flawed.template.json"
    path.write_text(json.dumps(FLAWED, indent=1))
    regions = ["us-east-1", "eu-west-1"]
    expected = [str(m) for m in api.lint_file(path, config=api.ManualArgs(regions=regions))]
    assert _rule_ids(expected) == ["E3002", "W2001", "W3010"]
    assert cfn_lint(path, regions=regions) == expected
    # The same bytes under another name: the cached findings (naming the first file).
    copy = tmp_path / "copy.template.json"
    copy.write_bytes(path.read_bytes())
    assert cfn_lint(copy, regions=regions) == expected
    # Other regions are another lint.
    assert cfn_lint(copy) == [str(m) for m in api.lint_file(
        copy, config=api.ManualArgs(regions=["us-east-1"]))]
    assert set(cfn_lint_all([path, copy], regions=regions)) == {path.name, copy.name}


def test_template_metadata_directives_apply(tmp_path: Path) -> None:
    silenced = {**FLAWED, "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W2001"]}}}}
    path = tmp_path / "silenced.template.json"
    path.write_text(json.dumps(silenced))
    assert _rule_ids(cfn_lint(path)) == ["E3002", "W3010"]
    # ... and do not leak into the next template linted with the same rules.
    other = tmp_path / "flawed.template.json"
    other.write_text(json.dumps(FLAWED))
    assert _rule_ids(cfn_lint(other)) == ["E3002", "W2001", "W3010"]


def test_results_are_shared_through_the_sessions_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an xdist worker finds in the folder another worker wrote is used,
    not linted again (tests/conftest.py hands the folder to the workers)."""
    from . import lint_helpers

    monkeypatch.setattr(lint_helpers, "_RESULTS", {})
    monkeypatch.setattr(lint_helpers, "_SHARED", [])
    shared = tmp_path / "shared"
    shared.mkdir()
    lint_helpers.share_results_in(shared)
    path = tmp_path / "flawed.template.json"
    path.write_text(json.dumps(FLAWED))
    first = cfn_lint(path)
    assert _rule_ids(first) == ["E3002", "W2001", "W3010"]
    assert len(list(shared.glob("*.json"))) == 1

    def no_second_lint(*args: object) -> tuple[str, ...]:
        raise AssertionError("linted again")

    # Another process: nothing in memory, the folder holds the result.
    monkeypatch.setattr(lint_helpers, "_RESULTS", {})
    monkeypatch.setattr(lint_helpers, "_lint_uncached", no_second_lint)
    assert cfn_lint(path) == first
