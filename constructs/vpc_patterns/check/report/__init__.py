"""The network plan report: Markdown and one self-contained HTML page per stack.

``python -m vpc_patterns report PATH --out DIR`` reads synthesized templates
(a ``cdk.out`` folder or template files), verifies every VPC's intents
(:mod:`vpc_patterns.check`) and writes, for each template holding a VPC,
``DIR/<stack>.md`` and ``DIR/<stack>.html`` with:

* the CIDR table per tier and AZ, with the usable addresses of each subnet
  (its size less the 5 AWS reserves) and the VPC's unallocated space;
* route tables with their routes, network ACLs with their rules in order,
  the security-group matrix (which group admits what from where), the tier
  reachability the routes and ACLs allow, endpoints, NATs, gateways, VPN
  connections and peerings;
* each intent with its verdict and the path that proves or breaks it;
* an SVG diagram (HTML only): AZs as columns, tiers as rows, subnets as
  boxes, the internet gateway above, NATs inside the subnets that hold them,
  endpoints, VPN gateways and peers on the right, each connected to the
  subnets whose routes lead there;
* the fixed monthly cost (:mod:`vpc_patterns.check.cost`).

The HTML page has inline CSS, inline SVG and a small inline script (hover
highlighting and a self-check of the drawing); it loads nothing from the
network. Pure Python with jinja2; no CDK import.

:mod:`.rows` gathers the data of one VPC, :mod:`.diagram` lays out its
drawing, :mod:`.render` turns stacks into Markdown and HTML files.
"""

from __future__ import annotations

from vpc_patterns.check.report.diagram import (
    BADGE_H as BADGE_H,
)
from vpc_patterns.check.report.diagram import (
    BADGE_W as BADGE_W,
)
from vpc_patterns.check.report.diagram import (
    BOX_H as BOX_H,
)
from vpc_patterns.check.report.diagram import (
    BOX_W as BOX_W,
)
from vpc_patterns.check.report.diagram import (
    COL_W as COL_W,
)
from vpc_patterns.check.report.diagram import (
    LANE as LANE,
)
from vpc_patterns.check.report.diagram import (
    LEFT as LEFT,
)
from vpc_patterns.check.report.diagram import (
    STACK_GAP as STACK_GAP,
)
from vpc_patterns.check.report.diagram import (
    TARGET_H as TARGET_H,
)
from vpc_patterns.check.report.diagram import (
    TARGET_W as TARGET_W,
)
from vpc_patterns.check.report.diagram import (
    DBadge as DBadge,
)
from vpc_patterns.check.report.diagram import (
    Diagram,
    build_diagram,
)
from vpc_patterns.check.report.diagram import (
    DLink as DLink,
)
from vpc_patterns.check.report.diagram import (
    DSubnet as DSubnet,
)
from vpc_patterns.check.report.diagram import (
    DTarget as DTarget,
)
from vpc_patterns.check.report.diagram import (
    DText as DText,
)
from vpc_patterns.check.report.render import (
    HTML_TEMPLATE as HTML_TEMPLATE,
)
from vpc_patterns.check.report.render import (
    MARKDOWN_TEMPLATE as MARKDOWN_TEMPLATE,
)
from vpc_patterns.check.report.render import (
    TEMPLATES as TEMPLATES,
)
from vpc_patterns.check.report.render import (
    StackReport,
    build_stack_reports,
    render_html,
    render_markdown,
    write_reports,
)
from vpc_patterns.check.report.rows import SpaceRow as SpaceRow
from vpc_patterns.check.report.rows import SubnetRow as SubnetRow
from vpc_patterns.check.report.rows import TierRow as TierRow
from vpc_patterns.check.report.rows import VpcReport, build_vpc_report
from vpc_patterns.check.report.text import NO_TIER as NO_TIER
from vpc_patterns.check.report.text import RESERVED_PER_SUBNET, usable

__all__ = [
    "RESERVED_PER_SUBNET",
    "Diagram",
    "StackReport",
    "VpcReport",
    "build_diagram",
    "build_stack_reports",
    "build_vpc_report",
    "render_html",
    "render_markdown",
    "usable",
    "write_reports",
]
