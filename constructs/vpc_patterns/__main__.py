"""Command line: ``python -m vpc_patterns plan [options]``.

Prints the network plan as a table (tier x AZ, CIDR, usable addresses) with no
CDK import and no AWS access, so a CIDR layout can be reviewed before any code
is written.
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
    args = parser.parse_args(argv)
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
