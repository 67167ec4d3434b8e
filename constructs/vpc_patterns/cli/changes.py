"""``python -m vpc_patterns changes OLD NEW``: what deploying the new
templates over the old ones would replace, delete or open up.

OLD and NEW are template files or folders (``cdk.out``, a copy of the last
one, or templates saved from the deployed stacks with ``aws cloudformation
get-template``). Stacks are matched by name; two single files are compared
whatever their names. One line per warning: the stack, the resource (tier,
AZ and block for a subnet), why it is replaced and what that means on AWS.

Exit status: 0 (also with warnings: they are for a person to read), 1 with
``--fail-on-replace`` when any warning is reported, 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys


def _changes(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands (`plan`) stay light.
    from vpc_patterns.check.cfn import TemplateError
    from vpc_patterns.check.changes import compare_paths

    try:
        report = compare_paths([args.old], [args.new])
    except TemplateError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.format_text())
    return 1 if args.fail_on_replace and report.warnings else 0


def add_changes_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``changes`` on the ``python -m vpc_patterns`` subparsers;
    its handler is the ``handler`` default."""
    p = subparsers.add_parser(
        "changes", help="warn of replacements and deletions between two sets of templates",
        description="Compare the templates NEW with the templates OLD (same stack names) as "
                    "CloudFormation would update them, and print a warning for each subnet, "
                    "NAT gateway, Elastic IP, log group, bucket, VPN connection, customer or "
                    "virtual private gateway or VPC that is replaced or deleted, and each "
                    "subnet that loses its network ACL. Exit 0 (also with warnings), 1 with "
                    "--fail-on-replace when any is reported, 2 on unreadable input.")
    p.add_argument("old", metavar="OLD",
                   help="the previous (or deployed) templates: a file or a folder")
    p.add_argument("new", metavar="NEW", help="the new templates: a file or a folder (cdk.out)")
    p.add_argument("--fail-on-replace", action="store_true",
                   help="exit 1 when any warning is reported (a pipeline gate)")
    p.add_argument("--json", action="store_true", help="print the warnings as JSON")
    p.set_defaults(handler=_changes)
    return p


__all__ = ["add_changes_command"]
