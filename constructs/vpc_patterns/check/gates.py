"""The scanners ``make synth`` runs besides cfn-lint and cdk-nag, and the
suppressions each reads from the templates.

* **cfn-guard with AWS Control Tower's proactive controls**: the rules and the
  ``cfn-guard`` binaries ship inside the Python package
  ``cdklabs-cdk-validator-cfnguard`` (its jsii bundle, an npm tarball; the
  CDK plugin runs the binary from it). A suppression is the guard rule's name
  in resource ``Metadata.guard.SuppressedRules`` (the convention of the AWS
  Guard rules registry). The Control Tower rules do not read that list
  themselves, so :func:`unsuppressed` drops what it names, and the CDK plugin
  gets the same suppressions as acknowledgments
  (:func:`vpc_patterns.build.compliance.suppress` writes both). The reason sits
  beside the list, in ``Metadata.guard.SuppressionReasons``.
* **checkov's CloudFormation checks**: checkov reads resource
  ``Metadata.checkov.skip: [{id, comment}]`` itself and reports those checks as
  skipped.

Pure: reads templates, rule files and the tools' JSON output; runs the tools
only when asked (:func:`run_guard`, :func:`run_checkov`); never imports
aws_cdk (``importlib.util.find_spec`` locates the package without importing it).
"""

from __future__ import annotations

import importlib.util
import json
import platform
import re
import subprocess
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: The Python package that ships the Control Tower rules and cfn-guard.
GUARD_PACKAGE = "cdklabs.cdk_validator_cfnguard"
#: The name of its CDK plugin: acknowledgments read ``<name>::<rule>``.
GUARD_PLUGIN = "cdk-validator-cfnguard"
#: Where the rules and binaries sit inside the bundle.
GUARD_RULES_DIR = "package/rules/control-tower/cfn-guard"
GUARD_BIN_DIR = "package/bin"

GUARD_METADATA = "guard"
GUARD_SUPPRESSED = "SuppressedRules"
GUARD_REASONS = "SuppressionReasons"
CHECKOV_METADATA = "checkov"
CHECKOV_SKIP = "skip"

#: A suppression's reason must say something about the resource.
MIN_REASON = 40

_CONTROL = re.compile(r"\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]")
_RULE_ID = re.compile(r"#\s*Rule (?:Identifier|Name):\s*\n#\s*(\S+)")
_PRIMARY = re.compile(r"^rule\s+(\w+)\s+when\s+is_cfn_template", re.M)
_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


@dataclass(frozen=True)
class GuardRule:
    """One Control Tower rule file of the bundle."""

    #: the file's stem, e.g. ``ct-ec2-pr-5`` (what the plugin's
    #: ``disabled_rules`` takes)
    stem: str
    #: the control, e.g. ``CT.EC2.PR.5``
    control: str
    #: the guard rule's name, e.g. ``nacl_no_unrestricted_ssh_rdp_check``
    #: (what cfn-guard reports and a suppression names)
    name: str
    #: the path inside the bundle
    member: str
    #: every resource type the file names, lower-cased (the header has typos
    #: such as ``AWS::AutoScaling::AutoscalingGroup``)
    types: frozenset[str]

    def path(self, unpacked: Path) -> Path:
        """The rule file under a folder :func:`unpack_guard` extracted into."""
        return unpacked / self.member

    def applies_to(self, resource_types: Iterable[str]) -> bool:
        """Whether the rule can evaluate any resource of these types (a rule
        that names no type is always run)."""
        return not self.types or any(t.lower() in self.types for t in resource_types)


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    scanner: str  # "cfn-guard" or "checkov"
    rule: str  # guard rule name or checkov check id
    control: str  # Control Tower control id or checkov check name
    template: str  # the template's file name
    logical_id: str

    def __str__(self) -> str:
        return f"{self.scanner} {self.rule} ({self.control}) {self.template} {self.logical_id}"


@dataclass(frozen=True)
class Suppression:
    """One suppression written in a template's resource Metadata."""

    scanner: str
    rule: str
    template: str
    logical_id: str
    reason: str


# --------------------------------------------------------------------------
# The bundle: rules and binaries of cdklabs-cdk-validator-cfnguard
# --------------------------------------------------------------------------


def bundle_archive() -> Path | None:
    """The npm tarball inside the installed ``cdklabs-cdk-validator-cfnguard``
    (``None`` when the package is not installed)."""
    try:
        spec = importlib.util.find_spec(GUARD_PACKAGE)
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted((Path(folder) / "_jsii").glob("*.jsii.tgz"))
        if found:
            return found[-1]
    return None


def parse_rule(member: str, text: str) -> GuardRule:
    """A rule file's control, rule name and resource types."""
    control = _CONTROL.search(text)
    name = _RULE_ID.search(text) or _PRIMARY.search(text)
    if control is None or name is None:
        raise ValueError(f"{member}: no control id or rule name")
    return GuardRule(
        stem=Path(member).stem, control=control.group(1), name=name.group(1), member=member,
        types=frozenset(t.lower() for t in _TYPE.findall(text)))


@lru_cache(maxsize=4)
def _rules(archive: str, mtime: float) -> tuple[GuardRule, ...]:
    rules = []
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            if info.isfile() and info.name.startswith(GUARD_RULES_DIR + "/") \
                    and info.name.endswith(".guard"):
                f = tar.extractfile(info)
                assert f is not None
                rules.append(parse_rule(info.name, f.read().decode()))
    return tuple(sorted(rules, key=lambda r: r.member))


def control_tower_rules(archive: Path | None = None) -> tuple[GuardRule, ...]:
    """Every Control Tower rule of the bundle (read once per process)."""
    archive = archive or bundle_archive()
    if archive is None:
        raise FileNotFoundError(f"{GUARD_PACKAGE} is not installed "
                                "(pip install cdklabs-cdk-validator-cfnguard)")
    return _rules(str(archive), archive.stat().st_mtime)


def guard_platform() -> tuple[str, str]:
    """The bundle's folder names for this machine (as the plugin chooses them)."""
    system = platform.system()
    osname = {"Linux": "ubuntu", "Darwin": "macos"}.get(system)
    arch = {"x86_64": "x86_64", "AMD64": "x86_64", "aarch64": "aarch64",
            "arm64": "aarch64"}.get(platform.machine())
    if osname is None or arch is None:
        raise OSError(f"cfn-guard is bundled for Linux and macOS on x86_64 and arm64, "
                      f"not {system} {platform.machine()}")
    return osname, arch


def unpack_guard(dest: Path, archive: Path | None = None) -> tuple[Path, Path]:
    """Extract this machine's ``cfn-guard`` and the Control Tower rules into
    ``dest``: returns (binary, rules folder)."""
    archive = archive or bundle_archive()
    if archive is None:
        raise FileNotFoundError(f"{GUARD_PACKAGE} is not installed")
    osname, arch = guard_platform()
    binary = f"{GUARD_BIN_DIR}/{osname}/{arch}/cfn-guard"
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers()
                   if m.name == binary or m.name.startswith(GUARD_RULES_DIR + "/")]
        tar.extractall(dest, members=members, filter="data")
    path = dest / binary
    path.chmod(0o755)
    return path, dest / GUARD_RULES_DIR


# --------------------------------------------------------------------------
# Templates: resource types and suppressions
# --------------------------------------------------------------------------


def resource_types(templates: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every resource type in the templates."""
    return {str(r.get("Type", "")) for t in templates
            for r in (t.get("Resources") or {}).values() if isinstance(r, Mapping)}


def relevant_rules(rules: Sequence[GuardRule], types: Iterable[str]) -> list[GuardRule]:
    """The rules that can evaluate a resource of ``types``: the others would
    only SKIP (cfn-guard reparses every template for every rule file, so
    running only these saves most of its time)."""
    types = set(types)
    return [r for r in rules if r.applies_to(types)]


def suppressions(template: Mapping[str, Any], name: str) -> list[Suppression]:
    """Every scanner suppression in the template's resource Metadata."""
    out: list[Suppression] = []
    for lid, res in (template.get("Resources") or {}).items():
        meta = res.get("Metadata") or {} if isinstance(res, Mapping) else {}
        guard = meta.get(GUARD_METADATA) or {}
        reasons = guard.get(GUARD_REASONS) or {}
        for rule in guard.get(GUARD_SUPPRESSED) or []:
            out.append(Suppression("cfn-guard", str(rule), name, lid, str(reasons.get(rule, ""))))
        for skip in (meta.get(CHECKOV_METADATA) or {}).get(CHECKOV_SKIP) or []:
            out.append(Suppression("checkov", str(skip.get("id", "")), name, lid,
                                   str(skip.get("comment", ""))))
    return out


def unsuppressed(findings: Iterable[Finding],
                 templates: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """The findings no suppression of their template names (``templates``:
    file name -> template)."""
    done = {(s.scanner, s.rule, s.template, s.logical_id)
            for name, t in templates.items() for s in suppressions(t, name)}
    return [f for f in findings if (f.scanner, f.rule, f.template, f.logical_id) not in done]


# --------------------------------------------------------------------------
# The tools' output
# --------------------------------------------------------------------------


def _resources_in(node: Any, found: set[str]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and value.startswith("/Resources/"):
                found.add(value.split("/")[2])
            else:
                _resources_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _resources_in(value, found)


def guard_findings(results: Sequence[Mapping[str, Any]],
                   rules: Sequence[GuardRule] = ()) -> list[Finding]:
    """Findings from ``cfn-guard validate --output-format json --structured``:
    one per rule and resource whose property paths the failed checks name."""
    control_of = {r.name: r.control for r in rules}
    out = set()
    for result in results:
        template = Path(str(result.get("name", ""))).name
        for item in result.get("not_compliant") or []:
            rule = item.get("Rule", item)
            name = str(rule.get("name", ""))
            control = control_of.get(name)
            if control is None:
                m = _CONTROL.search(json.dumps(rule))
                control = m.group(1) if m else "?"
            found: set[str] = set()
            _resources_in(rule, found)
            for lid in found or {"?"}:
                out.add(Finding("cfn-guard", name, control, template, lid))
    return sorted(out, key=str)


def checkov_findings(report: Any) -> tuple[list[Finding], list[Finding]]:
    """(failed, skipped) checks of a checkov JSON report (``-o json``)."""
    reports = report if isinstance(report, list) else [report]
    failed: set[Finding] = set()
    skipped: set[Finding] = set()
    for rep in reports:
        results = rep.get("results") or {}
        for key, into in (("failed_checks", failed), ("skipped_checks", skipped)):
            for c in results.get(key) or []:
                lid = str(c.get("resource", "")).rsplit(".", 1)[-1]
                into.add(Finding("checkov", str(c.get("check_id")), str(c.get("check_name")),
                                 Path(str(c.get("file_path", ""))).name, lid))
    return sorted(failed, key=str), sorted(skipped, key=str)


# --------------------------------------------------------------------------
# Running the tools
# --------------------------------------------------------------------------


def run_guard(binary: Path, rule_paths: Sequence[Path],
              template_paths: Sequence[Path]) -> list[Mapping[str, Any]]:
    """``cfn-guard validate`` of the templates against the rule files: its
    structured JSON results (exit code 19 means "some rule failed")."""
    args = [str(binary), "validate"]
    for r in rule_paths:
        args += ["--rules", str(r)]
    for t in template_paths:
        args += ["--data", str(t)]
    args += ["--output-format", "json", "--show-summary", "none", "--structured"]
    run = subprocess.run(args, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 19):
        raise RuntimeError(f"cfn-guard exited {run.returncode}: {run.stderr[-2000:]}")
    results: list[Mapping[str, Any]] = json.loads(run.stdout)
    return results


def run_checkov(checkov: Path, template_paths: Sequence[Path]) -> Any:
    """checkov's CloudFormation checks on the templates, offline: its JSON report."""
    # not --quiet: it leaves the skipped checks out of the report
    args = [str(checkov), "--framework", "cloudformation", "--skip-download", "--compact",
            "-o", "json"]
    for t in template_paths:
        args += ["-f", str(t)]
    run = subprocess.run(args, capture_output=True, text=True, check=False,
                         env=_offline_env())
    if run.returncode not in (0, 1):
        raise RuntimeError(f"checkov exited {run.returncode}: {run.stderr[-2000:]}")
    return json.loads(run.stdout) if run.stdout.strip() else []


def _offline_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    # no version check, no guideline download from the vendor's API
    env.setdefault("CHECKOV_SKIP_VERSION_CHECK", "true")
    env.setdefault("BC_SKIP_MAPPING", "TRUE")
    return env


# --------------------------------------------------------------------------
# One scan of a set of templates
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class GateReport:
    """What the scanners found in a set of templates."""

    templates: tuple[str, ...]
    #: every failed check (before suppressions), per scanner that ran
    findings: dict[str, tuple[Finding, ...]]
    #: the failed checks that no suppression names
    unsuppressed: tuple[Finding, ...]
    suppressions: tuple[Suppression, ...]
    #: suppressions without a specific reason, or naming no finding a
    #: scanner that ran raised (stale)
    problems: tuple[str, ...]
    #: per scanner: what ran (e.g. how many rules)
    ran: dict[str, str]

    @property
    def passed(self) -> bool:
        return not self.unsuppressed and not self.problems

    def format_text(self, *, verbose: bool = False) -> str:
        lines = []
        for scanner, found in self.findings.items():
            sup = [s for s in self.suppressions if s.scanner == scanner]
            left = [f for f in self.unsuppressed if f.scanner == scanner]
            lines.append(f"{scanner}: {len(left)} unsuppressed, {len(sup)} suppressed with "
                         f"reasons, of {len(found)} failed checks in {len(self.templates)} "
                         f"templates ({self.ran.get(scanner, '')})")
            lines += [f"  FAIL {f}" for f in left]
            if verbose:
                lines += [f"  suppressed {s.rule} on {s.template} {s.logical_id}: {s.reason}"
                          for s in sup]
        lines += [f"  PROBLEM {p}" for p in self.problems]
        return "\n".join(lines)


def load_templates(paths: Sequence[Path]) -> dict[str, Mapping[str, Any]]:
    """file name -> template, for files and folders (every ``*.template.json``)."""
    return {f.name: json.loads(f.read_text(encoding="utf-8")) for f in _template_files(paths)}


def _template_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        files += sorted(p.glob("*.template.json")) if p.is_dir() else [p]
    return files


def scan(paths: Sequence[Path], *, checkov: Path | None = None,
         guard_dir: Path | None = None, all_guard_rules: bool = False) -> GateReport:
    """Run checkov (its executable, when given) and cfn-guard with the Control
    Tower rules (unpacked into ``guard_dir``, when given; only the rules that
    apply unless ``all_guard_rules``) on the templates, and apply the
    suppressions in their Metadata."""
    files = _template_files(paths)
    templates = load_templates(files)
    findings: dict[str, tuple[Finding, ...]] = {}
    ran: dict[str, str] = {}
    left: list[Finding] = []
    if checkov is not None:
        failed, skipped = checkov_findings(run_checkov(checkov, files))
        findings["checkov"] = tuple(sorted({*failed, *skipped}, key=str))
        left += failed
        ran["checkov"] = "CloudFormation checks"
    if guard_dir is not None:
        rules = control_tower_rules()
        binary, _ = unpack_guard(guard_dir)
        chosen = list(rules) if all_guard_rules else \
            relevant_rules(rules, resource_types(templates.values()))
        found = guard_findings(run_guard(binary, [r.path(guard_dir) for r in chosen], files),
                               rules) if chosen else []
        findings["cfn-guard"] = tuple(found)
        left += unsuppressed(found, templates)
        ran["cfn-guard"] = f"{len(chosen)} of {len(rules)} Control Tower rules"
    sups = tuple(s for name, t in templates.items() for s in suppressions(t, name))
    problems = []
    for s in sups:
        if len(s.reason.strip()) < MIN_REASON:
            problems.append(f"{s.scanner} suppression of {s.rule} on {s.template} "
                            f"{s.logical_id} has no specific reason: {s.reason!r}")
        raised = {(f.rule, f.template, f.logical_id) for f in findings.get(s.scanner, ())}
        if s.scanner in findings and (s.rule, s.template, s.logical_id) not in raised:
            problems.append(f"{s.scanner} suppression of {s.rule} on {s.template} "
                            f"{s.logical_id} suppresses nothing (stale)")
    return GateReport(tuple(templates), findings, tuple(left), sups, tuple(problems), ran)


__all__ = [
    "CHECKOV_METADATA",
    "CHECKOV_SKIP",
    "GUARD_METADATA",
    "GUARD_PLUGIN",
    "GUARD_REASONS",
    "GUARD_SUPPRESSED",
    "MIN_REASON",
    "Finding",
    "GateReport",
    "GuardRule",
    "Suppression",
    "bundle_archive",
    "checkov_findings",
    "control_tower_rules",
    "guard_findings",
    "guard_platform",
    "load_templates",
    "parse_rule",
    "relevant_rules",
    "resource_types",
    "run_checkov",
    "run_guard",
    "scan",
    "suppressions",
    "unpack_guard",
    "unsuppressed",
]
