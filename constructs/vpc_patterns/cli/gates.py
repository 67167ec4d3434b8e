"""``python -m vpc_patterns gates PATH``: checkov's CloudFormation checks and
AWS Control Tower's proactive controls (cfn-guard) on synthesized templates,
with the suppressions in their resource Metadata.

checkov runs from ``--checkov`` (default: ``.venv-checkov/bin/checkov`` when it
exists, else ``checkov`` on PATH; ``--no-checkov`` skips it). cfn-guard runs
with ``--cfn-guard`` (``make synth`` runs it as a CDK plugin at synthesis
instead), from the bundle of the installed ``cdklabs-cdk-validator-cfnguard``.

Exit status: 0 when every failed check is suppressed with a reason and every
suppression suppresses something, 1 otherwise, 2 when a scanner cannot run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

DEFAULT_CHECKOV = Path(".venv-checkov/bin/checkov")


def _gates(args: argparse.Namespace) -> int:
    from vpc_patterns.check.gates import scan

    checkov: Path | None = None
    if not args.no_checkov:
        if args.checkov:
            checkov = Path(args.checkov)
        elif DEFAULT_CHECKOV.exists():
            checkov = DEFAULT_CHECKOV
        elif shutil.which("checkov"):
            checkov = Path(str(shutil.which("checkov")))
        if checkov is None or not checkov.exists():
            print("error: checkov not found (make .venv-checkov/.installed, or --checkov PATH, "
                  "or --no-checkov)", file=sys.stderr)
            return 2
    paths = [Path(p) for p in args.paths]
    try:
        with tempfile.TemporaryDirectory(prefix="vpc-patterns-guard-") as tmp:
            report = scan(paths, checkov=checkov,
                          guard_dir=Path(tmp) if args.cfn_guard else None,
                          all_guard_rules=args.all_rules)
    except (OSError, RuntimeError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not report.templates:
        print("error: no *.template.json in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    print(report.format_text(verbose=args.verbose))
    return 0 if report.passed else 1


def add_gates_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``gates`` on the ``python -m vpc_patterns`` subparsers."""
    p = subparsers.add_parser(
        "gates", help="run checkov (and cfn-guard's Control Tower rules) on templates",
        description="Run checkov's CloudFormation checks (and, with --cfn-guard, AWS Control "
                    "Tower's proactive controls) on the templates. Exit 0 when every failed "
                    "check is suppressed in the resource's Metadata with a specific reason "
                    "and no suppression is stale, 1 otherwise, 2 when a scanner cannot run.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a template file, or a folder such as cdk.out (every *.template.json)")
    p.add_argument("--checkov", metavar="EXE", help="the checkov executable")
    p.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    p.add_argument("--cfn-guard", action="store_true",
                   help="also run cfn-guard with the Control Tower rules")
    p.add_argument("--all-rules", action="store_true",
                   help="with --cfn-guard: every rule, not only those naming a resource type "
                        "of the templates")
    p.add_argument("--verbose", "-v", action="store_true", help="list every suppression")
    p.set_defaults(handler=_gates)
    return p


__all__ = ["add_gates_command"]
