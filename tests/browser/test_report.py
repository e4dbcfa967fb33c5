#!/usr/bin/env python3
"""Tests the HTML board paper that `cjmh report` writes, in a real headless Chromium, and its Excel
workbook with openpyxl, against the `comparison.csv` they were made from.

    test_report.py --report REPORT.html --compare COMPARE_DIR [--psa] [--xlsx REPORT.xlsx]
    test_report.py ... --self-test

The checks (each failure names its check and the offending items):

  self-contained  the HTML names no resource outside itself: no src, href (other than a plain
                  <a href> link), srcset, CSS url() or @import that is not a data: URL or a
                  #fragment;
  offline         loaded from file:// with every request routed, nothing but the page itself is
                  requested, and there is no console error and no uncaught page error;
  sections        one <section class="policy-summary" data-scenario="NAME"> per policy (per
                  scenario of comparison.csv);
  charts          every <figure class="chart" id> holds one inline <svg role="img"
                  aria-labelledby> whose labels exist, a <figcaption> with text and a data <table>
                  (in the figure or right after it); every svg in a chart is drawn at a non-zero
                  size; the charts the report must have are there (ce-plane and ceac with --psa;
                  always cost-by-payer, cost-by-year and transfer-wait);
  figures         every element with data-scenario, data-metric and data-stat holds in
                  data-value exactly the comparison.csv cell for that scenario, metric and column,
                  and its visible number times data-scale is within half a unit of its last printed
                  digit of that cell; no figure reads as negative zero; each policy's summary shows
                  cost.public_sector, qalys.total, investment.nmb_20000 and investment.nmb_30000
                  (difference_mean);
  no-javascript   with JavaScript disabled the same charts are drawn at a non-zero size and the
                  same figures are there (the report must not need JavaScript);
  print           printed to PDF by Chromium at the page size the CSS asks for, the pages are A4
                  (so @page { size: A4 } is in force), there are at least as many pages as policies,
                  the pages hold text, and each policy summary begins and ends on the same page;
                  every chart is still drawn at a non-zero size in print;
  accessibility   axe-core (bundled by axe-playwright-python) finds no serious or critical
                  violation;
  workbook        the workbook's Summary sheet (columns scenario, payer, year, difference (£m)):
                  each (scenario, payer) row for year `all`, times 1e6, equals comparison.csv's
                  cost.payer.PAYER (cost.public_sector for public_sector) difference_mean within
                  £0.5, and each row for year K its cost.payer.PAYER.yearK; every such row of
                  comparison.csv has its row in the sheet.

--self-test checks the checks: it first requires the report as given to pass every check, then
writes broken copies of it (and of the workbook), each with one fault, runs every check on each
and requires the check meant to catch the fault to fail with the expected message.

Exits 0 when everything passed, 1 when any check (or any self-test case) failed, 2 on bad usage.
Chromium is /usr/bin/chromium unless CJMH_CHROMIUM names another.
"""

from __future__ import annotations

import argparse
import csv
import html.parser
import io
import math
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("CJMH_CHROMIUM", "/usr/bin/chromium")
# Chromium's own traffic (updates, sync, field trials, QUIC probes) is switched off so that the only
# requests left are the page's; a fresh temporary profile comes with every launch().
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

STATS = ("difference_mean", "difference_ci_low", "difference_ci_high", "baseline_mean", "scenario_mean")
REQUIRED_SUMMARY_METRICS = ("cost.public_sector", "qalys.total", "investment.nmb_20000", "investment.nmb_30000")
ALWAYS_CHARTS = ("cost-by-payer", "cost-by-year", "transfer-wait")
PSA_CHARTS = ("ce-plane", "ceac")
# A4 in PDF points (1/72 inch): 210 mm x 297 mm.
A4_POINTS = (595.28, 841.89)
# Workbook totals are in £m; the contract's tolerance is £0.5.
WORKBOOK_TOLERANCE_POUNDS = 0.5
# Listing every offending item of a badly broken report would bury the first ones.
MAX_ITEMS = 12
# Notes that are not failures (page counts, minor axe findings); quiet while the self-test runs faults.
VERBOSE = True


def note(text: str) -> None:
    if VERBOSE:
        print(f"    {text}")


@dataclass
class Results:
    """The failures found, by check, and the checks that ran."""

    ran: list[str] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def check(self, name: str) -> None:
        if name not in self.ran:
            self.ran.append(name)

    def fail(self, name: str, message: str) -> None:
        self.check(name)
        self.failures.setdefault(name, []).append(message)

    def skip(self, name: str, why: str) -> None:
        self.skipped[name] = why

    def print(self, out=sys.stdout) -> None:
        for name in self.ran:
            problems = self.failures.get(name, [])
            if not problems:
                print(f"PASS {name}", file=out)
                continue
            print(f"FAIL {name}: {len(problems)} problem(s)", file=out)
            for p in problems[:MAX_ITEMS]:
                print(f"    - {p}", file=out)
            if len(problems) > MAX_ITEMS:
                print(f"    ... and {len(problems) - MAX_ITEMS} more", file=out)
        for name, why in self.skipped.items():
            print(f"SKIP {name}: {why}", file=out)


def listing(items, limit: int = MAX_ITEMS) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


# ---------------------------------------------------------------------------------------------
# comparison.csv


def read_comparison(compare_dir: Path) -> tuple[dict[tuple[str, str], dict[str, str]], list[str]]:
    """comparison.csv's rows keyed by (scenario, metric), and the scenarios in file order."""
    path = compare_dir / "comparison.csv"
    rows: dict[tuple[str, str], dict[str, str]] = {}
    scenarios: list[str] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[(row["scenario"], row["metric"])] = row
            if row["scenario"] not in scenarios:
                scenarios.append(row["scenario"])
    if not rows:
        raise SystemExit(f"error: {path} has no rows")
    return rows, scenarios


# ---------------------------------------------------------------------------------------------
# self-contained: a static reading of the HTML, which also catches what a browser might not fetch
# while the test watches (a preconnect, a print-only stylesheet, a lazily loaded image).

URL_ATTRS = {"src", "href", "srcset", "xlink:href", "data", "poster", "action", "formaction", "background",
             "ping", "manifest", "imagesrcset", "codebase", "longdesc", "lowsrc", "dynsrc", "archive"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE | re.DOTALL)


def is_internal(url: str) -> bool:
    u = url.strip()
    return u == "" or u.startswith("#") or u.lower().startswith("data:")


class ResourceScanner(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "style":
                self.scan_css(value, f"<{tag} style>")
            if name not in URL_ATTRS:
                continue
            if tag == "a" and name == "href":
                # A plain link in the text: the reader may follow it; loading the page does not.
                continue
            urls = [part.strip().split()[0] for part in value.split(",") if part.strip()] if "srcset" in name else [value]
            for url in urls:
                if not is_internal(url):
                    self.external.append(f"<{tag} {name}={url!r}>")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.external.append("<meta http-equiv=refresh>")
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.scan_css(data, "<style>")

    def scan_css(self, css: str, where: str) -> None:
        for m in CSS_URL.finditer(css):
            url = m.group(2) if m.group(2) is not None else m.group(4)
            if m.group(4) is not None or not is_internal(url):
                self.external.append(f"{where} {m.group(0).strip()!r}")


def check_self_contained(text: str, res: Results) -> None:
    res.check("self-contained")
    scanner = ResourceScanner()
    scanner.feed(text)
    scanner.close()
    if scanner.external:
        res.fail("self-contained", f"the HTML names resources outside itself: {listing(scanner.external)}")


# ---------------------------------------------------------------------------------------------
# The page in the browser.


class Loaded:
    """A report loaded in a fresh browser context, every request routed and every error kept."""

    def __init__(self, browser, url: str, javascript: bool = True) -> None:
        self.url = url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        # bypass_csp: axe is injected by the test, and a report may rightly forbid scripts.
        self.context = browser.new_context(java_script_enabled=javascript, bypass_csp=True,
                                           viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.context.on("websocket", lambda ws: self.requests.append(f"websocket {ws.url}"))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        try:
            self.page.goto(url, wait_until="load")
            # Let anything the page starts after load (timers, lazy images) run into the routes.
            self.page.wait_for_timeout(300)
        except Exception:
            self.context.close()
            raise

    def _route(self, route) -> None:
        url = route.request.url
        if url == self.url:
            route.continue_()
        else:
            self.requests.append(f"{route.request.resource_type} {url}")
            route.abort()

    def _console(self, msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc.get("url") else ""
            self.console_errors.append(f"{msg.text}{where}")

    def close(self) -> None:
        self.context.close()


CHARTS_JS = """
() => Array.from(document.querySelectorAll('figure.chart')).map((fig, index) => {
  const svgs = Array.from(fig.querySelectorAll('svg'));
  const roots = svgs.filter(s => !s.parentElement.closest('svg'));
  const root = roots[0];
  const labelIds = root ? (root.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean) : [];
  const labels = labelIds.map(id => {
    const el = document.getElementById(id);
    return {id, found: !!el, text: el ? el.textContent.trim() : ''};
  });
  const caption = fig.querySelector('figcaption');
  let table = fig.querySelector('table');
  if (!table) {
    const next = fig.nextElementSibling;
    if (next) table = next.matches('table') ? next : next.querySelector('table');
  }
  return {
    index,
    id: fig.id,
    roots: roots.length,
    role: root ? root.getAttribute('role') : null,
    labels,
    caption: caption ? caption.textContent.trim() : null,
    tableRows: table ? table.querySelectorAll('tr:has(td)').length : -1,
    sizes: svgs.map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
  };
})
"""

FIGURES_JS = """
() => Array.from(document.querySelectorAll('[data-scenario][data-metric][data-stat]')).map(el => {
  const r = el.getBoundingClientRect();
  const section = el.closest('section.policy-summary');
  return {
    scenario: el.dataset.scenario,
    metric: el.dataset.metric,
    stat: el.dataset.stat,
    value: el.hasAttribute('data-value') ? el.dataset.value : null,
    scale: el.hasAttribute('data-scale') ? el.dataset.scale : null,
    text: el.innerText,
    visible: r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true, opacityProperty: true}),
    section: section ? section.dataset.scenario : null,
    tag: el.tagName.toLowerCase(),
  };
})
"""

SECTIONS_JS = """
() => Array.from(document.querySelectorAll('section.policy-summary')).map(s => s.dataset.scenario ?? null)
"""


def check_offline(loaded: Loaded, res: Results) -> None:
    res.check("offline")
    if loaded.requests:
        res.fail("offline", f"the page made requests besides itself (all were blocked): {listing(loaded.requests)}")
    if loaded.console_errors:
        res.fail("offline", f"console errors: {listing(loaded.console_errors)}")
    if loaded.page_errors:
        res.fail("offline", f"uncaught page errors: {listing(loaded.page_errors)}")


def check_sections(page, scenarios: list[str], res: Results) -> None:
    res.check("sections")
    found = page.evaluate(SECTIONS_JS)
    for s in scenarios:
        n = found.count(s)
        if n != 1:
            res.fail("sections", f'{n} <section class="policy-summary" data-scenario="{s}"> (want exactly 1)')
    unknown = sorted({s for s in found if s not in scenarios}, key=str)
    if unknown:
        res.fail("sections", f"policy summaries for scenarios not in comparison.csv: {listing(unknown)}")


def chart_problems(charts: list[dict], psa: bool, structure: bool) -> list[str]:
    """What is wrong with the charts read by CHARTS_JS: sizes always, the rest when structure."""
    problems = []
    for c in charts:
        name = f"chart #{c['id']}" if c["id"] else f"chart number {c['index'] + 1} (no id)"
        if not c["sizes"]:
            problems.append(f"{name} has no inline <svg>")
        for i, (w, h) in enumerate(c["sizes"]):
            if not (w > 0 and h > 0):
                problems.append(f"{name}: svg number {i + 1} is drawn at {w:g} x {h:g} px")
        if not structure:
            continue
        if not c["id"]:
            problems.append(f"{name} has no id")
        if c["roots"] > 1:
            problems.append(f"{name} holds {c['roots']} separate <svg> (want one)")
        if c["roots"] >= 1:
            if c["role"] != "img":
                problems.append(f'{name}: its <svg> has role={c["role"]!r}, not "img"')
            if not c["labels"]:
                problems.append(f"{name}: its <svg> has no aria-labelledby")
            for lab in c["labels"]:
                if not lab["found"]:
                    problems.append(f"{name}: aria-labelledby names #{lab['id']}, which is not in the page")
                elif not lab["text"]:
                    problems.append(f"{name}: its label #{lab['id']} is empty")
        if not c["caption"]:
            problems.append(f"{name} has no <figcaption> with text")
        if c["tableRows"] < 0:
            problems.append(f"{name} has no data <table> (in the figure or right after it)")
        elif c["tableRows"] == 0:
            problems.append(f"{name}: its data table has no rows of data")
    if structure:
        ids = [c["id"] for c in charts]
        want = ALWAYS_CHARTS + (PSA_CHARTS if psa else ())
        missing = [i for i in want if i not in ids]
        if missing:
            problems.append(f"missing charts (figure.chart with these ids): {listing(missing)}; found: {listing(ids) or 'none'}")
        dup = sorted({i for i in ids if i and ids.count(i) > 1})
        if dup:
            problems.append(f"chart ids used more than once: {listing(dup)}")
    return problems


def check_charts(page, psa: bool, res: Results) -> list[dict]:
    res.check("charts")
    charts = page.evaluate(CHARTS_JS)
    for p in chart_problems(charts, psa, structure=True):
        res.fail("charts", p)
    note(f"charts: {len(charts)} ({listing(c['id'] for c in charts)}), "
         f"{sum(len(c['sizes']) for c in charts)} svg elements measured")
    return charts


NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def read_number(text: str) -> tuple[float, int] | None:
    """The number a reader sees, and how many decimals it shows; None if the text is not one number."""
    t = text
    for ch in ("£", "m", ",", "+", " ", "\u00a0", "\u2009", "\u202f", "\n", "\t"):
        t = t.replace(ch, "")
    t = t.replace("\u2212", "-")
    if not NUMBER.match(t):
        return None
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t), decimals


def figure_problems(figures: list[dict], rows, scenarios: list[str]) -> list[str]:
    problems = []
    for f in figures:
        name = f'<{f["tag"]} data-scenario="{f["scenario"]}" data-metric="{f["metric"]}" data-stat="{f["stat"]}">'
        if f["stat"] not in STATS:
            problems.append(f"{name}: data-stat is not one of {', '.join(STATS)}")
            continue
        row = rows.get((f["scenario"], f["metric"]))
        if row is None:
            problems.append(f"{name}: comparison.csv has no row for this scenario and metric")
            continue
        cell = row[f["stat"]]
        if f["value"] is None:
            problems.append(f"{name} has no data-value")
            continue
        if f["value"] != cell:
            problems.append(f"{name}: data-value={f['value']!r} but comparison.csv has {cell!r}")
            continue
        if cell == "":
            problems.append(f"{name}: comparison.csv's cell is empty; a figure without a value")
            continue
        try:
            scale = float(f["scale"]) if f["scale"] is not None else None
        except ValueError:
            scale = None
        if scale is None or not scale > 0:
            problems.append(f"{name}: data-scale={f['scale']!r} is not a positive number")
            continue
        text = " ".join(f["text"].split())
        read = read_number(text)
        if read is None:
            problems.append(f"{name}: cannot read one number from its visible text {text!r}")
            continue
        number, decimals = read
        value = float(cell)
        half_unit = 0.5 * 10.0 ** (-decimals) * scale
        shown = number * scale
        # The relative slack only absorbs binary rounding of numbers that are exactly on the edge.
        if abs(shown - value) > half_unit * (1 + 1e-9) + 1e-9 * abs(value):
            problems.append(
                f"{name}: shows {text!r} (= {shown:,.6g} at data-scale {f['scale']}), but comparison.csv has "
                f"{value:,.6g}; off by {abs(shown - value):,.6g}, more than half its last digit ({half_unit:,.6g})")
            continue
        if number == 0 and ("-" in text or "\u2212" in text):
            problems.append(f"{name}: shows negative zero {text!r}")
    for s in scenarios:
        for metric in REQUIRED_SUMMARY_METRICS:
            shown = [f for f in figures
                     if f["scenario"] == s and f["metric"] == metric and f["stat"] == "difference_mean"
                     and f["section"] == s and f["visible"]]
            if not shown:
                problems.append(
                    f'the summary of {s} (section.policy-summary[data-scenario="{s}"]) shows no figure for {metric} '
                    f'difference_mean (a visible element with data-metric="{metric}" data-stat="difference_mean")')
    return problems


def check_figures(page, rows, scenarios: list[str], res: Results) -> list[dict]:
    res.check("figures")
    figures = page.evaluate(FIGURES_JS)
    if not figures:
        res.fail("figures", "no element has data-scenario, data-metric and data-stat")
    for p in figure_problems(figures, rows, scenarios):
        res.fail("figures", p)
    note(f"figures: {len(figures)} elements read and compared with comparison.csv "
         f"({sum(1 for f in figures if f['section'])} of them in policy summaries)")
    return figures


def check_no_javascript(browser, url: str, charts: list[dict], figures: list[dict], res: Results) -> None:
    res.check("no-javascript")
    loaded = Loaded(browser, url, javascript=False)
    try:
        nojs_charts = loaded.page.evaluate(CHARTS_JS)
        nojs_figures = loaded.page.evaluate(FIGURES_JS)
    finally:
        loaded.close()
    for p in chart_problems(nojs_charts, psa=False, structure=False):
        res.fail("no-javascript", f"without JavaScript, {p}")
    if [c["id"] for c in nojs_charts] != [c["id"] for c in charts]:
        res.fail("no-javascript", f"without JavaScript the charts are {listing([c['id'] for c in nojs_charts]) or 'none'}, "
                                  f"with it {listing([c['id'] for c in charts]) or 'none'}")
    key = lambda f: (f["scenario"], f["metric"], f["stat"], f["value"])
    missing = sorted(set(map(key, figures)) - set(map(key, nojs_figures)))
    if missing:
        res.fail("no-javascript", f"figures only there with JavaScript: {listing(missing)}")


# The first and the last stretch of text of each policy summary, to find in the printed pages: a
# summary fits on one page when one page holds both. The PDF's text, read line by line, keeps the
# order of innerText, and the opening stretch (title, then what follows) is found only where the
# summary begins, though its title alone appears elsewhere too.
SUMMARY_ENDS_JS = """
() => Array.from(document.querySelectorAll('section.policy-summary'))
  .map(sec => ({scenario: sec.dataset.scenario, text: sec.innerText || ''}))
"""
# How much of each end to look for: long enough to be found once only, short enough to stay on a line
# or two of the page.
SNIPPET_CHARS = 40


def squash(text: str) -> str:
    """Letters and digits only, lower case, ligatures undone: text as both the DOM and pypdf give it."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


def check_print(page, scenarios: list[str], res: Results) -> None:
    from pypdf import PdfReader

    n_policies = len(scenarios)

    res.check("print")
    # No format given: Chromium then uses the CSS @page size, and falls back to US Letter without one.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    note(f"print: {pages} page(s), {len(pdf):,} bytes of PDF")
    if pages < max(1, n_policies):
        res.fail("print", f"the PDF has {pages} page(s), fewer than the {n_policies} policy summaries")
    not_a4 = []
    for i, p in enumerate(reader.pages):
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        if abs(w - A4_POINTS[0]) > 1.5 or abs(h - A4_POINTS[1]) > 1.5:
            not_a4.append(f"page {i + 1} is {w:.0f} x {h:.0f} pt")
    if not_a4:
        res.fail("print", f"pages are not A4 ({A4_POINTS[0]:.0f} x {A4_POINTS[1]:.0f} pt), so CSS @page {{ size: A4 }} "
                          f"is not in force: {listing(not_a4)}")
    text = "".join((p.extract_text() or "") for p in reader.pages)
    if not text.strip():
        res.fail("print", "the printed pages hold no text")
    page.emulate_media(media="print")
    try:
        for p in chart_problems(page.evaluate(CHARTS_JS), psa=False, structure=False):
            res.fail("print", f"in print, {p}")
    finally:
        page.emulate_media(media="screen")
    # Each policy's summary is meant to be one page of the board paper: its first and its last text
    # are to be on the same printed page.
    page_text = [squash(p.extract_text() or "") for p in reader.pages]
    for ends in page.evaluate(SUMMARY_ENDS_JS):
        name = f'the summary of {ends["scenario"]}'
        text = squash(ends["text"])
        if len(text) < 2 * SNIPPET_CHARS:
            res.fail("print", f"{name} has next to no text: {ends['text'][:80]!r}")
            continue
        first, last = text[:SNIPPET_CHARS], text[-SNIPPET_CHARS:]
        starts = [i for i, t in enumerate(page_text) if first in t]
        ends_on = [i for i, t in enumerate(page_text) if last in t]
        if not starts or not ends_on:
            which = "opening" if not starts else "closing"
            shown = " ".join(ends["text"].split())
            res.fail("print", f"{name}: its {which} text "
                              f"{(shown[:80] if not starts else shown[-80:])!r} is on no printed page")
        elif not any(i in ends_on for i in starts):
            res.fail("print", f"{name} runs from page {starts[0] + 1} to page {max(ends_on) + 1}; it should fit on one "
                              f"(it ends with {' '.join(ends['text'].split())[-60:]!r})")


def check_accessibility(page, res: Results) -> None:
    from axe_playwright_python.sync_playwright import Axe

    res.check("accessibility")
    results = Axe().run(page)
    violations = results.response["violations"]
    for v in violations:
        targets = [" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]]
        line = f"{v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])} element(s): {listing(targets, 5)}"
        if v["impact"] in ("serious", "critical"):
            res.fail("accessibility", line)
        else:
            note(f"accessibility, not failing ({v['impact']}): {line}")


# ---------------------------------------------------------------------------------------------
# The workbook.


def check_workbook(xlsx: Path, rows, scenarios: list[str], res: Results) -> None:
    import openpyxl

    res.check("workbook")
    try:
        wb = openpyxl.load_workbook(xlsx, data_only=True, read_only=True)
    except Exception as e:  # openpyxl raises many kinds; any is a workbook that does not open
        res.fail("workbook", f"{xlsx} does not open with openpyxl: {type(e).__name__}: {e}")
        return
    if "Summary" not in wb.sheetnames:
        res.fail("workbook", f"no sheet named Summary; sheets: {listing(wb.sheetnames)}")
        return
    table = [list(r) for r in wb["Summary"].iter_rows(values_only=True)]
    wb.close()

    def norm(v) -> str:
        return " ".join(str(v).split()).lower() if v is not None else ""

    want = {"scenario": None, "payer": None, "year": None, "difference (£m)": None}
    header_at = None
    for i, r in enumerate(table):
        names = [norm(v) for v in r]
        if all(w in names for w in want):
            header_at = i
            for w in want:
                want[w] = names.index(w)
            break
    if header_at is None:
        res.fail("workbook", "the Summary sheet has no header row with all of: " + ", ".join(want))
        return
    col = want
    # (scenario, payer, year) -> the difference in £m; year is "all" or the year's number as text.
    found: dict[tuple[str, str, str], object] = {}
    for i, r in enumerate(table[header_at + 1:], start=header_at + 2):
        cells = r + [None] * (max(col.values()) + 1 - len(r))
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        year = cells[col["year"]]
        if norm(year) == "all":
            y = "all"
        elif isinstance(year, (int, float)) and not isinstance(year, bool) and float(year).is_integer() and year >= 1:
            y = str(int(year))
        else:
            res.fail("workbook", f"Summary row {i}: year {year!r} is neither a year of the window (1, 2, ...) nor all")
            continue
        key = (str(cells[col["scenario"]]).strip(), str(cells[col["payer"]]).strip(), y)
        if key in found:
            res.fail("workbook", f"Summary row {i}: a second row for scenario {key[0]}, payer {key[1]}, year {y}")
        found[key] = cells[col["difference (£m)"]]

    def metric_of(payer: str, year: str) -> str:
        base = "cost.public_sector" if payer == "public_sector" else f"cost.payer.{payer}"
        return base if year == "all" else f"{base}.year{year}"

    # Every payer's total and every year comparison.csv has must have its row.
    wanted = set()
    for sc, metric in rows:
        if sc not in scenarios:
            continue
        m = re.fullmatch(r"cost\.(?:payer\.([a-z_]+)|(public_sector))(?:\.year(\d+))?", metric)
        if m:
            wanted.add((sc, m.group(1) or m.group(2), m.group(3) or "all"))
    for key in sorted(wanted - set(found)):
        res.fail("workbook", f"Summary has no row for scenario {key[0]}, payer {key[1]}, year {key[2]} "
                             f"(comparison.csv has {metric_of(key[1], key[2])})")
    totals = years = 0
    for key, got in sorted(found.items(), key=lambda kv: kv[0]):
        s, payer, y = key
        metric = metric_of(payer, y)
        row = rows.get((s, metric))
        what = f"Summary's difference for {s}, {payer}, year {y}"
        if row is None:
            res.fail("workbook", f"{what}: comparison.csv has no {metric} for {s}")
            continue
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            res.fail("workbook", f"{what} is {got!r}, not a number (a formula without a stored result reads as None)")
            continue
        want_value = float(row["difference_mean"])
        if not math.isfinite(got) or abs(got * 1e6 - want_value) > WORKBOOK_TOLERANCE_POUNDS:
            res.fail("workbook", f"{what} is £{got}m = £{got * 1e6:,.2f}, "
                                 f"but comparison.csv's {metric} difference_mean is £{want_value:,.2f}")
        if y == "all":
            totals += 1
        else:
            years += 1
    if totals == 0:
        res.fail("workbook", "Summary has no year-all totals to compare")
    note(f"workbook: {totals} year-all totals and {years} yearly rows compared with comparison.csv")


# ---------------------------------------------------------------------------------------------
# Running the checks.


def launch(playwright):
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"error: no Chromium at {CHROMIUM}; install Debian's chromium (tests/browser/run.sh does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def run_checks(browser, report: Path, rows, scenarios, psa: bool, xlsx: Path | None) -> Results:
    res = Results()
    check_self_contained(report.read_text(encoding="utf-8"), res)
    url = report.resolve().as_uri()
    try:
        loaded = Loaded(browser, url)
    except Exception as e:  # Playwright's errors have no common public base class
        res.fail("offline", f"the page did not load: {type(e).__name__}: {e}")
        return res
    try:
        check_offline(loaded, res)
        check_sections(loaded.page, scenarios, res)
        charts = check_charts(loaded.page, psa, res)
        figures = check_figures(loaded.page, rows, scenarios, res)
        check_accessibility(loaded.page, res)
        check_print(loaded.page, scenarios, res)
    finally:
        loaded.close()
    check_no_javascript(browser, url, charts, figures, res)
    if xlsx is not None:
        check_workbook(xlsx, rows, scenarios, res)
    else:
        res.skip("workbook", "no workbook given (--xlsx)")
    return res


# ---------------------------------------------------------------------------------------------
# The self-test: one fault at a time, each to be caught by its own check.


def inject_before(tag: str, snippet: str):
    def apply(text: str) -> str:
        m = re.search(f"</{tag}\\s*>", text, re.IGNORECASE)
        if not m:
            raise ValueError(f"no </{tag}>")
        return text[:m.start()] + snippet + text[m.start():]
    return apply


def first_chart_svg(attr: str):
    """Puts attr first in the first chart's <svg> tag, so it wins over one the report already has."""
    def apply(text: str) -> str:
        fig = re.search(r"""<figure\b[^>]*\bclass\s*=\s*["']?[^"'>]*\bchart\b""", text, re.IGNORECASE)
        if not fig:
            raise ValueError("no figure.chart")
        svg = re.compile(r"<svg\b", re.IGNORECASE).search(text, fig.end())
        if not svg:
            raise ValueError("no <svg> after the first figure.chart")
        return text[:svg.end()] + " " + attr + text[svg.end():]
    return apply


def into_first_summary(snippet: str):
    """Puts snippet after the first paragraph of the first policy summary, so text comes after it."""
    def apply(text: str) -> str:
        m = re.search(r"""<section\b[^>]*\bclass\s*=\s*["']?[^"'>]*\bpolicy-summary\b[^>]*>""", text, re.IGNORECASE)
        if not m:
            raise ValueError("no section.policy-summary")
        p = re.compile(r"</p\s*>", re.IGNORECASE).search(text, m.end())
        if not p:
            raise ValueError("no paragraph in the first policy summary")
        return text[:p.end()] + snippet + text[p.end():]
    return apply


def drop_chart_id(chart_id: str):
    def apply(text: str) -> str:
        new, n = re.subn(rf"""(<figure\b[^>]*\bid\s*=\s*["']){re.escape(chart_id)}(["'])""",
                         r"\1renamed-by-self-test\2", text, count=1, flags=re.IGNORECASE)
        if n != 1:
            raise ValueError(f"no figure with id {chart_id}")
        return new
    return apply


SUMMARY_FIGURE = re.compile(
    r"""<(?P<tag>[a-z][a-z0-9]*)\b(?P<attrs>[^>]*\bdata-metric\s*=\s*["']cost\.public_sector["'][^>]*)>(?P<inner>.*?)</(?P=tag)\s*>""",
    re.IGNORECASE | re.DOTALL)


def change_data_value(text: str) -> str:
    for m in SUMMARY_FIGURE.finditer(text):
        attrs = m.group("attrs")
        if not re.search(r"""data-stat\s*=\s*["']difference_mean["']""", attrs):
            continue
        v = re.search(r"""data-value\s*=\s*["']([^"']*)["']""", attrs)
        if not v:
            continue
        wrong = repr(float(v.group(1)) + 12345.678)
        new_attrs = attrs[:v.start(1)] + wrong + attrs[v.end(1):]
        return text[:m.start("attrs")] + new_attrs + text[m.end("attrs"):]
    raise ValueError("no cost.public_sector difference_mean figure with a data-value")


def change_visible_number(text: str) -> str:
    for m in SUMMARY_FIGURE.finditer(text):
        if re.search(r"""data-stat\s*=\s*["']difference_mean["']""", m.group("attrs")):
            return text[:m.start("inner")] + "987,654.3" + text[m.end("inner"):]
    raise ValueError("no cost.public_sector difference_mean figure")


def replace_page_size(text: str) -> str:
    new, n = re.subn(r"(size\s*:\s*)A4\b", r"\1letter", text, flags=re.IGNORECASE)
    if n == 0:
        raise ValueError("no 'size: A4' in the CSS")
    return new


# A 1x1 transparent PNG: an image that needs no request.
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

# (name, what it breaks, how, the check that must fail, a phrase its message must hold)
HTML_FAULTS = [
    ("external image", inject_before("body", '<img src="https://example.invalid/logo.png" alt="logo">'),
     "offline", "requests besides itself"),
    ("external image, read statically", inject_before("body", '<img src="https://example.invalid/logo.png" alt="logo">'),
     "self-contained", "example.invalid"),
    ("external stylesheet", inject_before("head", '<link rel="stylesheet" href="https://example.invalid/x.css">'),
     "offline", "stylesheet https://example.invalid/x.css"),
    ("file beside the report", inject_before("body", '<img src="logo.png" alt="logo">'),
     "offline", "logo.png"),
    ("script that throws", inject_before("body", '<script>throw new Error("self-test: thrown")</script>'),
     "offline", "self-test: thrown"),
    ("console error", inject_before("body", '<script>console.error("self-test: logged")</script>'),
     "offline", "self-test: logged"),
    ("zero-size chart svg", first_chart_svg('style="width:0;height:0"'), "charts", "drawn at 0 x 0"),
    ("hidden chart svg", first_chart_svg('style="display:none"'), "charts", "drawn at 0 x 0"),
    ("missing ceac chart", drop_chart_id("ceac"), "charts", "missing charts"),
    ("data-value that disagrees with comparison.csv", change_data_value, "figures", "but comparison.csv has"),
    ("visible number that disagrees with comparison.csv", change_visible_number, "figures", "more than half its last digit"),
    ("image without alt text", inject_before("body", f'<img src="{PIXEL}" width="20" height="20">'),
     "accessibility", "image-alt"),
    ("low-contrast text", inject_before("body", '<p style="color:#ddd;background:#fff">faint text</p>'),
     "accessibility", "color-contrast"),
    ("policy summary longer than a page", into_first_summary('<div style="height:250mm"></div>'),
     "print", "it should fit on one"),
    ("report hidden in print", inject_before("head", "<style>@media print { body { display: none } }</style>"),
     "print", "hold no text"),
    ("page size not A4", replace_page_size, "print", "not A4"),
    ("chart drawn only by JavaScript", first_chart_svg('style="display:none" class="self-test-js"'),
     "no-javascript", "without JavaScript"),
]


def js_shows_chart(text: str) -> str:
    """The last fault above hides a chart's svg and adds a script that shows it again."""
    script = ("<script>document.querySelectorAll('svg.self-test-js')"
              ".forEach(s => s.style.display = 'block')</script>")
    return inject_before("body", script)(text)


def break_workbook(src: Path, dst: Path, drop: bool) -> None:
    """A copy of the workbook with its first year-all total £1,000 off, or (drop) that row gone."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb["Summary"]
    for row in ws.iter_rows():
        names = [" ".join(str(c.value).split()).lower() if c.value is not None else "" for c in row]
        if "year" in names and "difference (£m)" in names:
            year_col, diff_col, header_row = names.index("year"), names.index("difference (£m)"), row[0].row
            break
    else:
        raise ValueError("no header row in Summary")
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[year_col].value is not None and str(row[year_col].value).strip().lower() == "all":
            if drop:
                ws.delete_rows(row[0].row)
            else:
                row[diff_col].value = float(row[diff_col].value) + 0.001  # £1,000 off
            wb.save(dst)
            return
    raise ValueError("no year-all row in Summary")


def self_test(browser, report: Path, rows, scenarios, psa: bool, xlsx: Path | None) -> bool:
    global VERBOSE
    print("== self-test: the report as given must pass every check")
    clean = run_checks(browser, report, rows, scenarios, psa, xlsx)
    clean.print()
    if clean.failures:
        print("SELF-TEST FAIL: the report as given already fails, so the faults below would prove nothing")
        return False
    VERBOSE = False
    print("== self-test: one fault at a time, each to be caught by its own check")
    original = report.read_text(encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix="cjmh-report-selftest."))
    cases = 0
    missed = 0
    try:
        for i, (name, apply, check, phrase) in enumerate(HTML_FAULTS):
            cases += 1
            try:
                broken = apply(original)
                if check == "no-javascript":
                    broken = js_shows_chart(broken)
            except ValueError as e:
                print(f"SELF-TEST FAIL {name}: cannot put the fault into this report ({e})")
                missed += 1
                continue
            path = work / f"fault-{i:02d}.html"
            path.write_text(broken, encoding="utf-8")
            res = Results()
            if check == "self-contained":
                check_self_contained(broken, res)
            else:
                res = run_checks(browser, path, rows, scenarios, psa, None)
            messages = res.failures.get(check, [])
            caught = any(phrase in m for m in messages)
            others = sorted(set(res.failures) - {check})
            also = f" (also failed: {', '.join(others)})" if others else ""
            if caught:
                print(f"ok   {name}: {check} failed as it should{also}")
            else:
                missed += 1
                print(f"SELF-TEST FAIL {name}: expected {check} to fail with {phrase!r}; its messages: "
                      f"{listing(messages) or 'none (it passed)'}{also}")
        if xlsx is not None:
            for i, (name, drop, phrase) in enumerate([("workbook total off by £1,000", False, "but comparison.csv's"),
                                                      ("workbook total missing", True, "has no row for")]):
                cases += 1
                broken_xlsx = work / f"broken-{i}.xlsx"
                try:
                    break_workbook(xlsx, broken_xlsx, drop)
                except (ValueError, KeyError, TypeError) as e:
                    print(f"SELF-TEST FAIL {name}: cannot put the fault in ({e})")
                    missed += 1
                    continue
                res = Results()
                check_workbook(broken_xlsx, rows, scenarios, res)
                messages = res.failures.get("workbook", [])
                if any(phrase in m for m in messages):
                    print(f"ok   {name}: workbook failed as it should")
                else:
                    missed += 1
                    print(f"SELF-TEST FAIL {name}: expected workbook to fail with {phrase!r}; "
                          f"its messages: {listing(messages) or 'none (it passed)'}")
        else:
            print("SKIP workbook faults: no workbook given (--xlsx)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"self-test: {cases} faults, {'every one caught' if missed == 0 else 'NOT all caught (see above)'}")
    print(f"{cases - missed} passed, {missed} failed")
    return missed == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", type=Path, required=True, help="the HTML file cjmh report wrote")
    ap.add_argument("--compare", type=Path, required=True, help="the cjmh compare output directory it was made from")
    ap.add_argument("--psa", action="store_true", help="the report was given PSA sweeps: require ce-plane and ceac")
    ap.add_argument("--xlsx", type=Path, help="the workbook cjmh report --xlsx wrote")
    ap.add_argument("--self-test", action="store_true", help="check that every check catches the fault it is for")
    args = ap.parse_args()
    if not args.report.is_file():
        print(f"error: no report at {args.report}", file=sys.stderr)
        return 2
    if args.xlsx is not None and not args.xlsx.is_file():
        print(f"error: no workbook at {args.xlsx}", file=sys.stderr)
        return 2
    rows, scenarios = read_comparison(args.compare)

    from playwright.sync_api import sync_playwright

    start = time.monotonic()
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            if args.self_test:
                ok = self_test(browser, args.report, rows, scenarios, args.psa, args.xlsx)
            else:
                print(f"== checking {args.report} against {args.compare / 'comparison.csv'} "
                      f"({len(scenarios)} polic{'y' if len(scenarios) == 1 else 'ies'}: {', '.join(scenarios)})")
                res = run_checks(browser, args.report, rows, scenarios, args.psa, args.xlsx)
                res.print()
                ok = not res.failures
                print(f"{len(res.ran) - len(res.failures)} passed, {len(res.failures)} failed")
        finally:
            browser.close()
    print(f"   ({time.monotonic() - start:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
