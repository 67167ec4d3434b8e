"""Command line: ``python -m vpc_patterns plan [options]``,
``python -m vpc_patterns verify PATH [PATH...]``,
``python -m vpc_patterns report PATH [PATH...] --out DIR`` and
``python -m vpc_patterns cost PATH [PATH...]``.

``plan`` prints the network plan as a table (tier x AZ, CIDR, usable
addresses) with no CDK import and no AWS access, so a CIDR layout can be
reviewed before any code is written.

``verify`` reads synthesized templates (files or ``cdk.out`` folders, also
edited by hand), checks the intents recorded on each VPC (or the library
defaults) and prints each with its verdict and, for a broken one, the path
that breaks it. Exit status: 0 all pass, 1 an intent fails, 2 unreadable
input or malformed recorded intents.

``report`` writes, per stack, a Markdown plan and one self-contained HTML
page (CIDR table, route tables, ACLs, security-group matrix, endpoints, VPN
and peering, intents with their paths, an SVG diagram, the fixed monthly
cost) into ``--out``. Exit status: 0 written, 2 unreadable input.

``cost`` prints the fixed monthly charges of each stack (``--verbose``: the
items). Exit status: 0, or 2 on unreadable input or a region the price file
does not list.

Each subcommand is registered by one ``_add_<name>(sub)`` call in
:func:`main`; its handler is the ``handler`` default it sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from vpc_patterns.check.cost import money
from vpc_patterns.cli.changes import add_changes_command
from vpc_patterns.cli.gates import add_gates_command
from vpc_patterns.cli.vpn_config import add_vpn_config_command
from vpc_patterns.errors import ConfigError
from vpc_patterns.plan.nat import NAT_GATEWAY_HOUR
from vpc_patterns.plan.network import (
    DEFAULT_AZ_SLOTS,
    DEFAULT_CIDR,
    NatProvider,
    Tier,
    plan_network,
)


def _tier(spec: str) -> Tier:
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"tier {spec!r}: expected name:kind[:mask], e.g. app:private:20")
    mask = int(parts[2]) if len(parts) == 3 else None
    return Tier(parts[0], parts[1], mask)


def _verify(args: argparse.Namespace) -> int:
    # Imported here so that `plan` stays as light as before.
    from vpc_patterns.check import TemplateError, load_intents_file, verify_paths

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
    return report.exit_code(lenient=args.lenient)


def _report(args: argparse.Namespace) -> int:
    from vpc_patterns.check import TemplateError, load_intents_file
    from vpc_patterns.check.report import write_reports

    try:
        extra = load_intents_file(args.intents) if args.intents else ()
        written = write_reports(args.paths, args.out, extra_intents=extra, region=args.region)
    except (TemplateError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not written:
        print("no VPC in the templates: nothing written")
    for stack, md, html in written:
        counts = stack.counts
        costs = [v.cost.total for v in stack.vpcs if v.cost is not None]
        cost = f", {money(sum(costs))}/month fixed" if costs else ""
        print(f"{stack.name}: {md} and {html} ({stack.subnet_count} subnets; intents "
              f"{counts['pass']} pass, {counts['fail']} fail, {counts['unknown']} unknown{cost})")
    return 0


def _cost(args: argparse.Namespace) -> int:
    from vpc_patterns.check import TemplateError, load_models
    from vpc_patterns.check.cost import estimate_monthly_cost

    try:
        models = load_models(args.paths)
        estimates = [estimate_monthly_cost(m, args.region) for m in models]
    except (TemplateError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([e.to_dict() for e in estimates], indent=2))
        return 0
    if not estimates:
        print("no VPC in the templates: no fixed network charge")
        return 0
    by_stack: dict[str, list] = {}
    for e in estimates:
        by_stack.setdefault(e.stack, []).append(e)
    for stack, items in by_stack.items():
        total = sum((e.total for e in items), Decimal(0))
        unpriced = "" if all(e.complete for e in items) else " + unpriced items"
        first = items[0]
        print(f"{stack}: {money(total)}/month{unpriced}  (fixed charges; region "
              f"{first.region_text}; prices {first.price_date}; excludes data processing "
              "and transfer)")
        if args.verbose:
            for e in items:
                if len(items) > 1:
                    print(f"  VPC {e.vpc}: {money(e.total)}/month")
                for line in e.format_text(verbose=True).splitlines()[1:]:
                    print(line)
    if args.verbose:
        print(estimates[0].disclaimer)
    return 0


def _ipv6(spec: str | None) -> Any:
    """``amazon``, ``ipam:POOL:NETMASK`` or ``byoip:POOL:CIDR`` as an Ipv6Block."""
    from vpc_patterns.plan.ipv6 import Ipv6Block

    if spec is None:
        return None
    source, _, rest = spec.partition(":")
    if source == "amazon" and not rest:
        return Ipv6Block()
    pool, _, last = rest.partition(":")
    if source == "ipam" and last.isdigit():
        return Ipv6Block("ipam", pool, netmask=int(last))
    if source == "byoip" and last:
        return Ipv6Block("byoip", pool, cidr=last)
    raise ConfigError(f"--ipv6 {spec!r}: expected amazon, ipam:POOL:NETMASK or byoip:POOL:CIDR")


def _plan(args: argparse.Namespace) -> int:
    try:
        plan = plan_network(
            cidr=args.cidr, max_azs=args.max_azs, availability_zones=args.azs,
            availability_zone_ids=args.az_ids, tiers=args.tiers, az_slots=args.az_slots,
            nat=NatProvider.parse(args.nat), ipv6=_ipv6(args.ipv6),
        )
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2))
    else:
        print(plan.table())
        gateways = sum(1 for n in plan.nats if n.strategy.hourly_price_key == NAT_GATEWAY_HOUR)
        print(f"NAT gateways: {gateways} "
              f"(~${plan.monthly_nat_gateway_usd():.2f}/month fixed, us-east-1, "
              "excluding data processing)")
    return 0


def _add_plan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="print the CIDR plan of a VPC")
    p.add_argument("--cidr", default=DEFAULT_CIDR)
    p.add_argument("--max-azs", type=int, default=None)
    p.add_argument("--az", action="append", dest="azs", help="explicit AZ name (repeat)")
    p.add_argument("--az-id", action="append", dest="az_ids", help="explicit AZ id (repeat)")
    p.add_argument("--az-slots", type=int, default=DEFAULT_AZ_SLOTS)
    p.add_argument("--tier", action="append", type=_tier, dest="tiers",
                   help="name:kind[:mask] (repeat; default public, private, isolated)")
    p.add_argument("--nat", default="gateway-per-az",
                   help="gateway-per-az | single-gateway | instances | regional-gateway | none")
    p.add_argument("--ipv6", metavar="SOURCE", default=None,
                   help="plan IPv6 too: amazon (an Amazon-provided /56), ipam:POOL:NETMASK or "
                        "byoip:POOL:CIDR; every tier dual-stack")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(handler=_plan)


def _add_verify(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "verify", help="check the network intents of synthesized templates",
        description="Check the intents recorded on every VPC of the templates (or the library "
                    "defaults where none are recorded). Exit 0 when all pass, 1 when one fails or "
                    "cannot be decided (unless --lenient), "
                    "2 on unreadable input.")
    v.add_argument("paths", nargs="+", metavar="PATH",
                   help="a template file, or a folder such as cdk.out (every *.template.json)")
    v.add_argument("--intents", metavar="FILE",
                   help="JSON file of extra intents (a list of Intent.to_dict() objects) "
                        "checked on every VPC")
    v.add_argument("--json", action="store_true", help="print the results as JSON")
    v.add_argument("--verbose", "-v", action="store_true",
                   help="also print the evidence of passing intents")
    v.add_argument("--lenient", action="store_true",
                   help="report intents the templates cannot decide (unknown) without failing; "
                        "by default an unknown exits 1 like a failure")
    v.add_argument("--strict", action="store_true",
                   help="the default (unknown fails); kept so older pipelines keep working")
    v.set_defaults(handler=_verify)


def _add_report(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "report", help="write the network plan (Markdown and HTML) of synthesized templates",
        description="Write, per stack, <stack>.md and one self-contained <stack>.html (CIDR "
                    "table with free space, route tables, ACLs, security-group matrix, "
                    "endpoints, VPN and peering, intents with their paths, an SVG diagram, "
                    "the fixed monthly cost). Exit 0 when written (whatever the intents' "
                    "verdicts: `verify` is the gate), 2 on unreadable input.")
    r.add_argument("paths", nargs="+", metavar="PATH",
                   help="a template file, or a folder such as cdk.out (every *.template.json)")
    r.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created)")
    r.add_argument("--intents", metavar="FILE",
                   help="JSON file of extra intents checked on every VPC")
    r.add_argument("--region", help="price the cost as this region (default: the template's "
                                    "region, else us-east-1)")
    r.set_defaults(handler=_report)


def _add_cost(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "cost", help="print the fixed monthly charges of synthesized templates",
        description="Print one line per stack with its fixed monthly charges (NAT gateway "
                    "hours, NAT instance hours, interface endpoint AZ-hours, VPN connection "
                    "hours, public IPv4 address hours) at the list prices of the dated price "
                    "file; data processing and transfer are not included.")
    c.add_argument("paths", nargs="+", metavar="PATH",
                   help="a template file, or a folder such as cdk.out (every *.template.json)")
    c.add_argument("--region", help="price as this region (default: the template's region, "
                                    "else us-east-1)")
    c.add_argument("--verbose", "-v", action="store_true", help="also print the items")
    c.add_argument("--json", action="store_true", help="print the estimates as JSON")
    c.set_defaults(handler=_cost)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vpc_patterns")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_plan(sub)
    _add_verify(sub)
    _add_report(sub)
    _add_cost(sub)
    add_vpn_config_command(sub)
    add_changes_command(sub)
    add_gates_command(sub)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
