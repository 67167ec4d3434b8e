"""The report's HTML page in a real browser: headless Chromium from Debian's
packages loads the page of the reference prod stack (synthesized in-process)
and of a hand-written network, then

* ``--dump-dom``: the DOM after load holds the SVG with one subnet rectangle
  per subnet, and the page's own inline script ran: it measured every
  rectangle with ``getBBox()`` (so the browser laid the drawing out) and
  wrote the counts on ``<html>``;
* ``--screenshot``: the PNG (decoded here with the standard library) shows
  the subnet boxes in their fill colours across every AZ column, the
  internet gateway and the NAT badges: the diagram is painted, not blank.

Chromium is required: without it the tests fail and say how to install it
(``.ci/run`` installs it on CI).
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from vpc_patterns.check.report import BOX_W, COL_W, write_reports

from .network_templates import three_tier

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]
WINDOW = (1400, 1200)

#: Fill colours of the report's stylesheet (templates/report.html.j2).
PUBLIC_FILL = (0xE6, 0xF4, 0xEA)
PRIVATE_FILL = (0xE3, 0xF0, 0xFB)
ISOLATED_FILL = (0xF1, 0xEA, 0xF7)
IGW_FILL = (0xFF, 0xE0, 0xB2)
NAT_GATEWAY_BADGE = (0x15, 0x65, 0xC0)


def chromium() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"headless Chromium is needed at {CHROMIUM} to open the report in a real "
                    f"browser; install Debian's package as root: `{INSTALL}` (.ci/run does "
                    "this on CI)", pytrace=False)
    return str(CHROMIUM)


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


# ---------------------------------------------------------------------------
# A small PNG reader (8-bit RGB / RGBA, non-interlaced: what Chromium writes)
# ---------------------------------------------------------------------------


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows of raw pixel bytes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        else:
            assert ftype == 0, f"unknown PNG filter {ftype}"
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def pixels_of(png: tuple[int, int, int, list[bytes]], colour: tuple[int, int, int],
              tolerance: int = 2, min_run: int = 30) -> list[tuple[int, int]]:
    """Every (x, y) whose colour is within ``tolerance`` of ``colour`` and
    that lies in a horizontal run of at least ``min_run`` such pixels: filled
    shapes, not the anti-aliased edges of text that happen to blend to it."""
    width, _, bpp, rows = png
    out: list[tuple[int, int]] = []
    r0, g0, b0 = colour
    for y, row in enumerate(rows):
        run: list[tuple[int, int]] = []
        for x in range(width + 1):
            i = x * bpp
            if x < width and abs(row[i] - r0) <= tolerance and abs(row[i + 1] - g0) <= tolerance \
                    and abs(row[i + 2] - b0) <= tolerance:
                run.append((x, y))
                continue
            if len(run) >= min_run:
                out.extend(run)
            run = []
    return out


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, reference_app) -> dict[str, Path]:
    """The HTML pages of the reference stacks and of a hand-written network."""
    report_dir = tmp_path_factory.mktemp("report")
    written = write_reports([reference_app.out], report_dir)
    hand = three_tier(2)
    hand.props("PrivateAz2DefaultRoute")["NatGatewayId"] = hand.ref("NatAz1")
    path = hand.write(tmp_path_factory.mktemp("hand") / "hand.template.json")
    written += write_reports([path], report_dir)
    return {st.name: html for st, _, html in written}


@pytest.mark.parametrize("stack, subnets", [("vpc-patterns-prod", 9), ("vpc-patterns-dev", 6),
                                            ("hand", 6)])
def test_chromium_draws_the_diagram_and_runs_the_page_script(
        pages: dict[str, Path], tmp_path: Path, stack: str, subnets: int) -> None:
    proc = run_chromium(tmp_path / "profile", "--dump-dom", pages[stack].as_uri())
    dom = proc.stdout
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag, dom[:500]
    # written by the page's inline script after it measured every rectangle
    assert f'data-diagram-subnets="{subnets}"' in html_tag.group(0), html_tag.group(0)
    assert f'data-diagram-drawn="{subnets}"' in html_tag.group(0), html_tag.group(0)
    assert re.search(rf'<svg [^>]*data-drawn="{subnets}"', dom)
    rects = re.findall(r'<rect class="subnet subnet-(public|private|isolated)" data-subnet="',
                       dom)
    assert len(rects) == subnets
    assert dom.count('class="link link-igw"') >= 2


def test_chromium_screenshot_shows_the_diagram(pages: dict[str, Path], tmp_path: Path) -> None:
    shot = tmp_path / "prod.png"
    run_chromium(tmp_path / "profile", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--screenshot={shot}", pages["vpc-patterns-prod"].as_uri())
    png = read_png(shot)
    assert (png[0], png[1]) == WINDOW
    box_area = 0.5 * BOX_W * 60  # at least half of each box, text aside
    for colour in (PUBLIC_FILL, PRIVATE_FILL, ISOLATED_FILL):
        found = pixels_of(png, colour)
        assert len(found) >= 3 * box_area, (colour, len(found))
        xs = [x for x, _ in found]
        # one box in each of the three AZ columns
        assert max(xs) - min(xs) >= 2 * COL_W + BOX_W - 40, (colour, min(xs), max(xs))
    public_top = min(y for _, y in pixels_of(png, PUBLIC_FILL))
    private_top = min(y for _, y in pixels_of(png, PRIVATE_FILL))
    isolated_top = min(y for _, y in pixels_of(png, ISOLATED_FILL))
    assert public_top < private_top < isolated_top  # tiers as rows, public on top
    igw = pixels_of(png, IGW_FILL)
    assert len(igw) > 2000 and max(y for _, y in igw) < public_top  # the gateway above
    badges = pixels_of(png, NAT_GATEWAY_BADGE, tolerance=3)
    assert len(badges) > 3 * 600  # three NAT gateway badges (text aside)


def test_missing_chromium_fails_and_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception) as err:
        chromium()
    assert INSTALL in str(err.value) and "apt-get install" in str(err.value)
