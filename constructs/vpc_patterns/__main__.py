"""Command line: ``python -m vpc_patterns plan [options]`` and
``python -m vpc_patterns verify PATH [PATH...]``.

``plan`` prints the network plan as a table (tier x AZ, CIDR, usable
addresses) with no CDK import and no AWS access, so a CIDR layout can be
reviewed before any code is written.

``verify`` reads synthesized templates (files or ``cdk.out`` folders, also
edited by hand), checks the intents recorded on each VPC (or the library
defaults) and prints each with its verdict and, for a broken one, the path
that breaks it. Exit status: 0 all pass, 1 an intent fails, 2 unreadable
input or malformed recorded intents.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .errors import ConfigError
from .plan import DEFAULT_AZ_SLOTS, DEFAULT_CIDR, NatProvider, Tier, plan_network


def _tier(spec: str) -> Tier:
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"tier {spec!r}: expected name:kind[:mask], e.g. app:private:20")
    mask = int(parts[2]) if len(parts) == 3 else None
    return Tier(parts[0], parts[1], mask)


def _verify(args: argparse.Namespace) -> int:
    # Imported here so that `plan` stays as light as before.
    from .analysis import TemplateError, load_intents_file, verify_paths

    try:
        extra = load_intents_file(args.intents) if args.intents else ()
        report = verify_paths(args.paths, extra_intents=extra)
    except (TemplateError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.format_text(verbose=args.verbose))
    return report.exit_code(strict=args.strict)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vpc_patterns")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="print the CIDR plan of a VPC")
    p.add_argument("--cidr", default=DEFAULT_CIDR)
    p.add_argument("--max-azs", type=int, default=None)
    p.add_argument("--az", action="append", dest="azs", help="explicit AZ name (repeat)")
    p.add_argument("--az-id", action="append", dest="az_ids", help="explicit AZ id (repeat)")
    p.add_argument("--az-slots", type=int, default=DEFAULT_AZ_SLOTS)
    p.add_argument("--tier", action="append", type=_tier, dest="tiers",
                   help="name:kind[:mask] (repeat; default public, private, isolated)")
    p.add_argument("--nat", default="gateway-per-az",
                   help="gateway-per-az | single-gateway | instances | none")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    v = sub.add_parser(
        "verify", help="check the network intents of synthesized templates",
        description="Check the intents recorded on every VPC of the templates (or the library "
                    "defaults where none are recorded). Exit 0 when all pass, 1 when one fails, "
                    "2 on unreadable input.")
    v.add_argument("paths", nargs="+", metavar="PATH",
                   help="a template file, or a folder such as cdk.out (every *.template.json)")
    v.add_argument("--intents", metavar="FILE",
                   help="JSON file of extra intents (a list of Intent.to_dict() objects) "
                        "checked on every VPC")
    v.add_argument("--json", action="store_true", help="print the results as JSON")
    v.add_argument("--verbose", "-v", action="store_true",
                   help="also print the evidence of passing intents")
    v.add_argument("--strict", action="store_true",
                   help="exit 1 also when an intent cannot be decided from the template")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return _verify(args)
    try:
        plan = plan_network(
            cidr=args.cidr, max_azs=args.max_azs, availability_zones=args.azs,
            availability_zone_ids=args.az_ids, tiers=args.tiers, az_slots=args.az_slots,
            nat=NatProvider.parse(args.nat),
        )
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2))
    else:
        print(plan.table())
        print(f"NAT gateways: {sum(1 for n in plan.nats if n.kind.value == 'gateway')} "
              f"(~${plan.monthly_nat_gateway_usd():.2f}/month fixed, us-east-1, "
              "excluding data processing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
