"""Rendering the report: the jinja2 environment over the templates in
``vpc_patterns/templates``, one :class:`StackReport` per template holding a
VPC, Markdown and HTML text, and :func:`write_reports` (verify, then write
``<stack>.md`` and ``<stack>.html``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from vpc_patterns.check.cost import PriceTable, load_prices, money
from vpc_patterns.check.report.rows import VpcReport, build_vpc_report
from vpc_patterns.check.verify import VerifyReport, VpcVerification, verify_paths
from vpc_patterns.plan.intents import Intent

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _num(value: Any) -> str:
    return "unknown" if value is None else f"{value:,}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                            default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_cell
    env.filters["money"] = money
    env.filters["num"] = _num
    env.filters["f1"] = lambda v: f"{float(v):.1f}"
    return env


@dataclass
class StackReport:
    name: str
    template: str
    vpcs: list[VpcReport]

    @property
    def verdict(self) -> str:
        counts = self.counts
        return "fail" if counts["fail"] else ("unknown" if counts["unknown"] else "pass")

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(v.counts[k] for v in self.vpcs) for k in ("pass", "fail", "unknown")}

    @property
    def subnet_count(self) -> int:
        return sum(len(v.subnets) for v in self.vpcs)


def build_stack_reports(report: VerifyReport, *, region: str | None = None,
                        prices: PriceTable | None = None) -> list[StackReport]:
    """One :class:`StackReport` per template holding a VPC, in input order."""
    by_template: OrderedDict[str, list[VpcVerification]] = OrderedDict()
    for v in report.vpcs:
        by_template.setdefault(v.model.template, []).append(v)
    out = []
    for template, vs in by_template.items():
        out.append(StackReport(vs[0].model.template_name, template,
                               [build_vpc_report(v, region=region, prices=prices) for v in vs]))
    return out


def render_markdown(stack: StackReport) -> str:
    return _environment().get_template(MARKDOWN_TEMPLATE).render(stack=stack)


def render_html(stack: StackReport) -> str:
    return _environment().get_template(HTML_TEMPLATE).render(stack=stack)


def write_reports(paths: Sequence[str | Path], out_dir: str | Path, *,
                  extra_intents: Sequence[Intent] = (), region: str | None = None,
                  prices: PriceTable | None = None) -> list[tuple[StackReport, Path, Path]]:
    """Verify the templates under ``paths`` and write ``<stack>.md`` and
    ``<stack>.html`` into ``out_dir`` (created). Raises TemplateError or
    ConfigError like :func:`~vpc_patterns.check.verify_paths`."""
    if region is not None:  # a region the caller names must be priced: fail before writing
        (prices or load_prices()).region(region)
    report = verify_paths(paths, extra_intents=extra_intents)
    stacks = build_stack_reports(report, region=region, prices=prices)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    taken: set[str] = set()
    for st in stacks:
        base = st.name
        n = 2
        while base in taken:
            base = f"{st.name}-{n}"
            n += 1
        taken.add(base)
        md = out / f"{base}.md"
        html = out / f"{base}.html"
        md.write_text(render_markdown(st), encoding="utf-8")
        html.write_text(render_html(st), encoding="utf-8")
        written.append((st, md, html))
    return written



