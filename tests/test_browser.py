"""The website in a real browser: every page of the toc, offline, in Chromium.

The built HTML is served on 127.0.0.1 and every request to another host is
blocked and recorded, so a page that works here works for a reader with no
network (a classroom on a bad connection, an archived copy). For each page we
check what a reader would see: typeset equations and no raw TeX, no JavaScript
errors, alt text on every image, the Binder and Live Code launch buttons where
the page has code, and the live explorer of "The Jacobian in pictures", whose
plotted numbers are read back from BokehJS and compared with tanh_basis.
Full-page screenshots at desktop and phone width land in _build/screenshots/
(next to the html folder) for a person to look at.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright; no
browser is downloaded. Without Chromium the browser tests are skipped, unless
JACOBIAN_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails.
During development, JACOBIAN_BOOK_HTML=/path/to/_build/html points the tests
at a book built elsewhere instead of building it into _build/html.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jupytext
import nbformat
import numpy as np
import pytest
import yaml
from bs4 import BeautifulSoup

import jacobian_plots as jp
import tanh_basis as tb
from browser_book import (
    ROOT,
    require_chromium,
    serve,
    source_file,
    toc_pages,
)

PAGES = toc_pages()

DESKTOP = {"width": 1280, "height": 900}
# An iPhone 12-15 is 390 CSS pixels wide: the narrowest screen we design for.
PHONE = {"width": 390, "height": 844}

#: Raw TeX in the visible text means MathJax did not typeset it: a control
#: sequence, a display delimiter, or an inline $...$ that survived.
RAW_TEX = re.compile(r"\\[A-Za-z]+|\\[(\[]|\$\$|\$[^$\s][^$\n]{0,200}?\$")

#: Markdown that reached the reader unrendered: a table's separator row (its
#: dashes possibly turned into em dashes), a code fence, bold markers, or a
#: MyST role such as {glue:text} that was not resolved.
RAW_MARKDOWN = re.compile(
    r"\|\s*[-\u2013\u2014:]+\s*\|\s*[-\u2013\u2014:]+"  # |---|---, dashes maybe en/em
    r"|```|\*\*\w|\{(?:glue|eq|ref|doc|math)[:}]"
)

#: The text a reader sees, without code (code may legitimately hold TeX such as
#: a matplotlib label r"$\phi$") and without what MathJax produced.
VISIBLE_PROSE_JS = """
() => {
  const skip = "pre, code, script, style, textarea, svg, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    // Not rendered: display:none, or inside a closed <details>.
    if (el.getClientRects().length === 0) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    parts.push(node.textContent);
  }
  return parts.join(" ");
}
"""

MATH_JS = """
() => {
  const math = [...document.querySelectorAll(".math")];
  return {
    math: math.length,
    typeset: math.filter((el) => el.querySelector("mjx-container")).length,
    containers: document.querySelectorAll("mjx-container").length,
    errors: [...document.querySelectorAll("mjx-merror")].map((el) => el.textContent),
    version: (window.MathJax && window.MathJax.version) || null,
    // TeX that went through a non-raw Python string, or an editor, loses its
    // backslash: "\\tilde" becomes a tab and "ilde", "\\frac" a form feed and
    // "rac". MathJax typesets the remains without complaint, so look at the
    // TeX it was given for control characters.
    mangled: (() => {
      const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
      const found = [];
      if (doc && doc.math) {
        for (const item of doc.math) {
          if (/[\\t\\x07\\x08\\x0b\\x0c\\r]/.test(item.math)) found.push(JSON.stringify(item.math));
        }
      }
      return found;
    })(),
  };
}
"""

# MathJax 3 resolves startup.promise once the first typesetting pass is done.
WAIT_FOR_MATHJAX_JS = """
async () => {
  if (!document.querySelector(".math")) return true;
  for (let i = 0; i < 300 && !(window.MathJax && window.MathJax.startup
                               && window.MathJax.startup.promise); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(window.MathJax && window.MathJax.startup)) return false;
  await window.MathJax.startup.promise;
  return true;
}
"""

IMAGES_WITHOUT_ALT_JS = """
() => [...document.querySelectorAll("img")]
  .filter((img) => !(img.getAttribute("alt") || "").trim())
  .map((img) => img.id || (img.getAttribute("src") || "").slice(0, 80))
"""

OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium; skip (or fail, in CI) when it is not installed."""
    return require_chromium()


@pytest.fixture(scope="module")
def base_url(site: Path):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium: str, chromium_browser):
    # Launched in tests/conftest.py; `chromium` skips (or, in CI, fails) first
    # with its message when none is installed.
    return chromium_browser


@pytest.fixture(scope="module")
def screenshots(site: Path) -> Path:
    # <build>/html -> <build>/screenshots; _build/ is ignored by git.
    folder = site.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------- page visits
@dataclass
class Visit:
    """What one page showed in one viewport."""

    docname: str
    width: int
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    mathjax_loaded: bool = True
    math: dict = field(default_factory=dict)
    raw_tex: list[str] = field(default_factory=list)
    raw_markdown: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    code_cells: int = 0
    binder_links: list[str] = field(default_factory=list)
    thebe_buttons: int = 0
    explorer: dict | None = None
    overflow_px: int = 0
    screenshot: Path | None = None


def _open(browser, viewport: dict):
    """A fresh browser context whose every request to another host is blocked and noted."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    outside: list[str] = []

    def route(route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", route)
    return context, outside


def _visit(browser, base_url: str, docname: str, viewport: dict, shots: Path) -> Visit:
    visit = Visit(docname=docname, width=viewport["width"])
    context, visit.outside_requests = _open(browser, viewport)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: visit.console_errors.append(f"{msg.text} ({msg.location.get('url')})")
        if msg.type == "error"
        else None,
    )
    page.on("pageerror", lambda exc: visit.page_errors.append(str(exc)))
    try:
        page.goto(f"{base_url}/{docname}.html", wait_until="load")
        visit.mathjax_loaded = bool(page.evaluate(WAIT_FOR_MATHJAX_JS))
        # Not "networkidle": on a busy 2-core machine it can take longer than any
        # sane timeout. The page's scripts have run at "load"; MathJax, the one
        # late worker, is awaited above; web fonts before the screenshot.
        page.evaluate("document.fonts.ready.then(() => true)")
        visit.math = page.evaluate(MATH_JS)
        prose = page.evaluate(VISIBLE_PROSE_JS)
        visit.raw_tex = [
            prose[max(0, m.start() - 30) : m.end() + 30] for m in RAW_TEX.finditer(prose)
        ]
        visit.raw_markdown = [
            prose[max(0, m.start() - 30) : m.end() + 30] for m in RAW_MARKDOWN.finditer(prose)
        ]
        visit.images_without_alt = page.evaluate(IMAGES_WITHOUT_ALT_JS)
        visit.code_cells = page.locator("div.cell").count()
        visit.binder_links = [
            a.get_attribute("href")
            for a in page.locator(".dropdown-launch-buttons a[href*='/v2/']").all()
        ]
        visit.thebe_buttons = page.locator(".dropdown-launch-buttons .btn-launch-thebe").count()
        has_explorer = page.locator(".jacobian-live").count() > 0
        if has_explorer:
            # Bokeh renders after the page's load event; the figure must be drawn
            # before its width is measured and the screenshot is taken.
            page.wait_for_function(WAIT_FOR_BOKEH_JS, timeout=30_000)
        visit.overflow_px = page.evaluate(OVERFLOW_JS)
        # Screenshot first, at the top of the page as a reader arrives: after the
        # explorer's controls are used, the page may have scrolled.
        name = docname.replace("/", "__")
        visit.screenshot = shots / f"{name}-{viewport['width']}px.png"
        page.screenshot(path=visit.screenshot, full_page=True)
        if has_explorer:
            visit.explorer = _explore(page, full=viewport is DESKTOP)
    finally:
        context.close()
    return visit


# ------------------------------------------------------- the live explorer
#: The explorer's Bokeh document is embedded and drawn (four figures and controls).
WAIT_FOR_BOKEH_JS = """
() => window.Bokeh && Bokeh.documents && Bokeh.documents.length > 0
      && Bokeh.documents[0].get_model_by_name("curves-phi_a") !== null
      && [...document.querySelectorAll(".jacobian-live .jl-grid > div")]
           .every((el) => el.getBoundingClientRect().height > 100)
"""

#: Everything the explorer plots, read back from BokehJS's document model.
SNAPSHOT_JS = """
() => {
  const doc = Bokeh.documents[0];
  const m = (name) => doc.get_model_by_name(name);
  const arr = (v) => Array.from(v);
  const out = {x0: m("x0").value, unit: m("unit").active,
               a: arr(m("state").data.a), b: arr(m("state").data.b),
               sliders: {a: m("a").value, b: m("b").value}};
  for (const p of ["phi_a", "dphi_a", "phi_b", "dphi_b"]) {
    const c = m("curves-" + p).data, mk = m("markers-" + p).data;
    out["curves-" + p] = {xs: c.xs.map(arr), ys: c.ys.map(arr)};
    out["markers-" + p] = {x: arr(mk.x), y: arr(mk.y)};
    const t = m("tangents-" + p);
    if (t) out["tangents-" + p] = {xs: t.data.xs.map(arr), ys: t.data.ys.map(arr)};
  }
  out.readouts = Object.fromEntries([...document.querySelectorAll(".jacobian-live td[id]")]
    .map((td) => [td.id.replace(/^jl-[0-9a-f]+-/, ""), td.textContent]));
  return out;
}
"""

#: Set unit, x0, a and b through the controls' models, as a slider does, and
#: take a snapshot after each move.
SETTINGS_JS = """
async (settings) => {
  const doc = Bokeh.documents[0];
  const m = (name) => doc.get_model_by_name(name);
  const snapshot = SNAPSHOT;
  // BokehJS runs a CustomJS callback asynchronously: wait until the page has
  // painted the result, as a reader would see it.
  const settle = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const steps = [];
  for (const s of settings) {
    m("unit").active = s.unit;
    await settle();
    m("x0").value = s.x0;
    await settle();
    const at_x0 = snapshot();
    m("a").value = s.a;
    await settle();
    const after_a = snapshot();
    m("b").value = s.b;
    await settle();
    const after_b = snapshot();
    steps.push({setting: s, at_x0, after_a, after_b});
  }
  return steps;
}
""".replace("SNAPSHOT", SNAPSHOT_JS.strip())

#: The twin (code/tanh_basis.js, which the explorer's callback starts with), run
#: by Chromium's JavaScript engine.
TWIN_JS = """
([source, zs, xs]) => {
  const twin = new Function(
    source + "; return {sech2, tanh_unit, tanh_unit_dslope, tanh_unit_dbias};")();
  return {sech2: zs.map(twin.sech2),
          phi: xs.map((x) => twin.tanh_unit(x, 0.3, -50)),
          da: xs.map((x) => twin.tanh_unit_dslope(x, 0.3, -50)),
          db: xs.map((x) => twin.tanh_unit_dbias(x, 0.3, -50))};
}
"""

FIGURE_BOXES_JS = """
() => [...document.querySelectorAll(".jacobian-live .jl-grid > div")].map((el) => {
  const r = el.getBoundingClientRect();
  return {x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width),
          height: Math.round(r.height)};
})
"""

X0_JS = "() => Bokeh.documents[0].get_model_by_name('x0').value"


def _explorer_settings(seed: int = 9, n: int = 6) -> list[dict]:
    """Random unit, x0, a, b; half of them with the unit near its switch (steep parts)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x0 = int(rng.integers(0, 366))
        a = float(rng.uniform(0.0, 1.0))
        b = float(rng.uniform(-120.0, 0.0))
        if i % 2:
            b = float(np.clip(-a * x0 + rng.uniform(-3, 3), -120.0, 0.0))
        out.append({"unit": int(rng.integers(0, 3)), "x0": x0, "a": a, "b": b})
    return out


def _explore(page, full: bool) -> dict:
    """Drive the explorer in this page's context: layout always; at desktop width
    also the twin, the numbers after random moves, the keyboard and play."""
    result: dict = {"boxes": page.evaluate(FIGURE_BOXES_JS)}
    if not full:
        return result
    result["start"] = page.evaluate(SNAPSHOT_JS)
    twin_source = (ROOT / "code" / "tanh_basis.js").read_text(encoding="utf-8")
    zs = np.concatenate([np.linspace(-700, 700, 14001), [-55.0, 0.0, 373.0, 380.0]])
    xs = np.linspace(-365, 365, 101)
    result["twin"] = {"z": zs.tolist(), "x": xs.tolist(),
                      **page.evaluate(TWIN_JS, [twin_source, zs.tolist(), xs.tolist()])}
    # Every slider handle is named after its visible title (once Bokeh is idle).
    handles = page.locator(".jacobian-live .noUi-handle")
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jacobian-live *')].filter((el) => el.shadowRoot)"
            ".flatMap((el) => [...el.shadowRoot.querySelectorAll('.noUi-handle')])"
            ".every((h) => h.hasAttribute('aria-label'))", timeout=10_000)
    except Exception:  # the test below reports the labels it found
        pass
    result["handle_labels"] = [h.get_attribute("aria-label") for h in handles.all()]
    # Keyboard: the x0 handle takes focus and the arrow keys move it one day.
    handle = handles.first
    handle.focus()
    x0_start = page.evaluate(X0_JS)
    handle.press("ArrowRight")
    x0_right = page.evaluate(X0_JS)
    handle.press("ArrowLeft")
    result["keyboard"] = [x0_start, x0_right, page.evaluate(X0_JS)]
    result["steps"] = page.evaluate(SETTINGS_JS, _explorer_settings())
    # Play sweeps x0 until pressed again.
    button = page.locator(".jacobian-live").get_by_role("button", name=re.compile("Play"))
    before = page.evaluate(X0_JS)
    button.click()
    try:
        page.wait_for_function(f"{X0_JS.removeprefix('() => ')} !== {before}", timeout=10_000)
        advanced = True
    except Exception:
        advanced = False
    page.locator(".jacobian-live").get_by_role("button", name=re.compile("Pause")).click()
    stopped_at = page.evaluate(X0_JS)
    page.wait_for_timeout(400)
    result["play"] = {"before": before, "advanced": advanced, "stopped_at": stopped_at,
                      "later": page.evaluate(X0_JS)}
    return result


@pytest.fixture(scope="module")
def visits(browser, base_url, screenshots):
    """Each page is opened once per viewport; the tests below share the results."""
    cache: dict[tuple[str, int], Visit] = {}

    def get(docname: str, viewport: dict) -> Visit:
        key = (docname, viewport["width"])
        if key not in cache:
            cache[key] = _visit(browser, base_url, docname, viewport, screenshots)
        return cache[key]

    return get


# --------------------------------------------------------------------- tests
@pytest.mark.parametrize("docname", PAGES)
def test_reading_a_page_reaches_no_other_host(visits, docname):
    # Launch buttons are links and buttons: they reach out only when clicked.
    for viewport in (DESKTOP, PHONE):
        visit = visits(docname, viewport)
        assert visit.outside_requests == [], (
            f"{docname} at {visit.width}px tried to reach other hosts: {visit.outside_requests}"
        )


@pytest.mark.parametrize("docname", PAGES)
def test_no_javascript_errors(visits, docname):
    for viewport in (DESKTOP, PHONE):
        visit = visits(docname, viewport)
        assert visit.page_errors == [], f"{docname} at {visit.width}px: {visit.page_errors}"
        assert visit.console_errors == [], (
            f"{docname} at {visit.width}px logged errors: {visit.console_errors}"
        )


@pytest.mark.parametrize("docname", PAGES)
def test_equations_are_typeset(visits, docname):
    visit = visits(docname, DESKTOP)
    math = visit.math
    if math["math"]:
        assert visit.mathjax_loaded, f"{docname} has math but MathJax never started"
        assert math["version"] and math["version"].startswith("3."), math
        assert math["typeset"] == math["math"], (
            f"{docname}: {math['math'] - math['typeset']} of {math['math']} equations untypeset"
        )
        assert math["containers"] > 0
        assert math["errors"] == [], f"{docname}: MathJax could not parse {math['errors']}"
        assert math["mangled"] == [], f"{docname}: TeX lost a backslash: {math['mangled']}"
    assert visit.raw_tex == [], f"{docname} shows raw TeX: {visit.raw_tex}"


@pytest.mark.parametrize("docname", PAGES)
def test_no_raw_markdown_in_the_text(visits, docname):
    visit = visits(docname, DESKTOP)
    assert visit.raw_markdown == [], f"{docname} shows unrendered markup: {visit.raw_markdown}"


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_has_alt_text(visits, docname):
    visit = visits(docname, DESKTOP)
    assert visit.images_without_alt == [], (
        f"{docname}: <img> without alt text: {visit.images_without_alt}"
    )


def _expected_binder_link(docname: str) -> str:
    """The Binder link that _config.yml promises: JupyterLab, at the page's .md file."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    org, name = urlsplit(repo["url"]).path.strip("/").split("/")[:2]
    hub = config["launch_buttons"]["binderhub_url"].rstrip("/")
    prefix = (repo.get("path_to_book") or "").strip("/")
    path = f"{prefix}/{docname}.md" if prefix else f"{docname}.md"
    return f"{hub}/v2/gh/{org}/{name}/{repo['branch']}?urlpath=lab/tree/{path}"


@pytest.mark.parametrize("docname", PAGES)
def test_launch_buttons_where_the_page_has_code(visits, docname):
    visit = visits(docname, DESKTOP)
    if visit.code_cells == 0:
        pytest.skip(f"{docname} has no code cells, so no launch buttons are needed")
    assert visit.binder_links == [_expected_binder_link(docname)]
    assert visit.thebe_buttons == 1, f"{docname}: no Live Code (Thebe) button"


# The live explorer ("The Jacobian in pictures"): numbers, Kronecker delta,
# keyboard, play, layout. One visit per width drives it (see _explore).
EXPLORER_PAGE = "chapters/interactive"
TINY = np.finfo(np.float64).tiny  # below it, doubles lose precision (subnormal)


def _explorer(visits, viewport: dict) -> dict:
    if EXPLORER_PAGE not in PAGES:
        pytest.skip(f"{EXPLORER_PAGE} is not in the toc")
    visit = visits(EXPLORER_PAGE, viewport)
    assert visit.explorer is not None, f"{EXPLORER_PAGE} shows no live explorer"
    return visit.explorer


def _expected(panel: str, x0: float, a_k: float, b_k: float, p) -> np.ndarray:
    """What tanh_basis gives at parameter values p of a panel's axis."""
    p = np.asarray(p, dtype=float)
    if panel == "phi_a":
        return tb.tanh_unit(x0, p, b_k)
    if panel == "dphi_a":
        return tb.tanh_unit_dslope(x0, p, b_k)
    if panel == "phi_b":
        return tb.tanh_unit(x0, a_k, p)
    return tb.tanh_unit_dbias(x0, a_k, p)


def _worst_rel(got, want) -> float:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), TINY), initial=0.0))


def _check_snapshot(snap: dict, rtol: float = 1e-12) -> None:
    """Every plotted point, marker and tangent equals tanh_basis at the state's parameters."""
    x0, a, b = snap["x0"], snap["a"], snap["b"]
    for k in range(len(a)):
        for panel in jp.PANELS:
            xs, ys = snap[f"curves-{panel}"]["xs"][k], snap[f"curves-{panel}"]["ys"][k]
            assert len(xs) == len(ys) > 100
            worst = _worst_rel(ys, _expected(panel, x0, a[k], b[k], xs))
            assert worst <= rtol, f"x0={x0} unit {k + 1} {panel}: relative error {worst:.1e}"
            where = a[k] if panel.endswith("_a") else b[k]
            marker = snap[f"markers-{panel}"]
            assert marker["x"][k] == where
            worst = _worst_rel(marker["y"][k], _expected(panel, x0, a[k], b[k], where))
            assert worst <= rtol, f"x0={x0} unit {k + 1} {panel} marker: {worst:.1e}"
        for panel in ("phi_a", "phi_b"):
            (p1, p2), (v1, v2) = (snap[f"tangents-{panel}"][c][k] for c in ("xs", "ys"))
            slope = snap[f"markers-d{panel}"]["y"][k]
            assert p1 < snap[f"markers-{panel}"]["x"][k] < p2
            np.testing.assert_allclose((v2 - v1) / (p2 - p1), slope, rtol=1e-9, atol=1e-15)


def _unit_data(snap: dict, k: int) -> list:
    rows = []
    for kind in ("curves", "markers", "tangents"):
        for panel in jp.PANELS:
            data = snap.get(f"{kind}-{panel}")
            if data:
                rows.append({c: data[c][k] for c in data})
    return rows


def test_explorer_starts_at_the_sources_values(visits):
    start = _explorer(visits, DESKTOP)["start"]
    assert (start["x0"], start["a"], start["b"]) == (150, [0.1, 0.2, 0.3], [-10, -50, -100])
    _check_snapshot(start)
    # Tiny, not zero: unit 3's bias derivative, in the model and in the table.
    assert 6.7e-48 < start["markers-dphi_b"]["y"][2] < 6.8e-48
    assert start["readouts"]["db-2"] == "6.756e-48"


def test_explorer_twin_agrees_with_tanh_basis(visits):
    twin = _explorer(visits, DESKTOP)["twin"]
    z, x = np.array(twin["z"]), np.array(twin["x"])
    want = tb.sech2(z)
    assert _worst_rel(twin["sech2"], want) <= 1e-13
    # Zeros exactly where Python's are (beyond |z| ~ 373), and nowhere else.
    np.testing.assert_array_equal(np.array(twin["sech2"]) == 0, want == 0)
    assert twin["sech2"][int(np.flatnonzero(z == -55.0)[0])] > 0
    for name, f in (("phi", tb.tanh_unit), ("da", tb.tanh_unit_dslope), ("db", tb.tanh_unit_dbias)):
        assert _worst_rel(twin[name], f(x, 0.3, -50.0)) <= 1e-13, name


def test_explorer_numbers_equal_tanh_basis_after_random_moves(visits):
    steps = _explorer(visits, DESKTOP)["steps"]
    assert len(steps) == len(_explorer_settings())
    for step in steps:
        s = step["setting"]
        # Selecting a unit shows its own parameters on the a and b sliders.
        at_x0 = step["at_x0"]
        assert at_x0["sliders"] == {"a": at_x0["a"][s["unit"]], "b": at_x0["b"][s["unit"]]}
        for snap in (at_x0, step["after_a"], step["after_b"]):
            _check_snapshot(snap)
        assert step["after_a"]["a"][s["unit"]] == s["a"]
        assert step["after_b"]["b"][s["unit"]] == s["b"]
        assert step["after_b"]["x0"] == s["x0"]
        # The table follows: unit l's readout is the marker's value.
        shown = float(step["after_b"]["readouts"][f"db-{s['unit']}"])
        marker = step["after_b"]["markers-dphi_b"]["y"][s["unit"]]
        assert shown == pytest.approx(marker, rel=1e-3, abs=1e-300)


def test_explorer_moving_one_unit_moves_no_other(visits):
    # The Kronecker delta: unit l's a or b changes unit l's data only.
    for step in _explorer(visits, DESKTOP)["steps"]:
        unit = step["setting"]["unit"]
        for before, after in ((step["at_x0"], step["after_a"]), (step["after_a"], step["after_b"])):
            for k in range(len(before["a"])):
                if k != unit:
                    assert _unit_data(after, k) == _unit_data(before, k), (
                        f"moving unit {unit + 1} changed unit {k + 1}"
                    )
            if after["a"][unit] != before["a"][unit] or after["b"][unit] != before["b"][unit]:
                assert _unit_data(after, unit) != _unit_data(before, unit)


def test_explorer_keyboard_and_play(visits):
    explorer = _explorer(visits, DESKTOP)
    assert explorer["handle_labels"] == [
        "input x₀ (day)", "slope aₖ of the selected unit", "bias bₖ of the selected unit"
    ], explorer["handle_labels"]
    start, right, left = explorer["keyboard"]
    assert (right - start, left) == (1, start), explorer["keyboard"]
    play = explorer["play"]
    assert play["advanced"], f"play did not move x0 from {play['before']}"
    assert play["later"] == play["stopped_at"], "pressing the button again did not stop play"


def test_explorer_is_two_by_two_on_desktop_and_one_column_on_a_phone(visits):
    wide = _explorer(visits, DESKTOP)["boxes"]
    assert len(wide) == 4 and all(box["height"] > 150 for box in wide), wide
    assert wide[0]["y"] == wide[1]["y"] and wide[0]["x"] < wide[1]["x"], wide
    assert wide[2]["y"] > wide[0]["y"] and wide[2]["x"] == wide[0]["x"], wide
    narrow = _explorer(visits, PHONE)["boxes"]
    assert len({box["x"] for box in narrow}) == 1, narrow
    assert [box["y"] for box in narrow] == sorted({box["y"] for box in narrow}), narrow
    assert all(box["x"] + box["width"] <= PHONE["width"] for box in narrow), narrow


def test_bokeh_js_is_served_by_the_book_on_explorer_pages_only(site):
    pages_with_bokeh = []
    for docname in PAGES:
        text = (site / f"{docname}.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(text, "html.parser")
        srcs = [s["src"] for s in soup.find_all("script", src=True) if "bokeh" in s["src"]]
        if "Bokeh.embed.embed_items" in text:
            pages_with_bokeh.append(docname)
            names = sorted(urlsplit(src).path.rsplit("/", 1)[-1] for src in srcs)
            assert names == ["bokeh-widgets.min.js", "bokeh.min.js"], (docname, srcs)
            for src in srcs:
                assert urlsplit(src).scheme == "" and not src.startswith("//"), src
                assert (site / docname).parent.joinpath(urlsplit(src).path).resolve().is_file()
            # The page itself stays light: BokehJS is one shared file, not inline.
            assert len(text.encode()) < 1_000_000, f"{docname}.html is {len(text.encode())} bytes"
        else:
            assert srcs == [], f"{docname} loads BokehJS without using it: {srcs}"
    assert EXPLORER_PAGE in pages_with_bokeh
    # One copy for the whole site.
    assert len(list(site.glob("**/bokeh.min.js"))) == 1


@pytest.mark.parametrize("docname", PAGES)
def test_page_fits_a_phone_screen(visits, docname):
    # Wide equations and figures must scroll inside their own box, not the page.
    visit = visits(docname, PHONE)
    assert visit.overflow_px <= 1, (
        f"{docname} is {visit.overflow_px}px wider than a {visit.width}px screen; "
        f"see {visit.screenshot}"
    )


def test_live_code_reaches_out_only_to_thebe_when_clicked(browser, base_url):
    """Clicking Live Code is the one time a page may reach out: to fetch Thebe.

    Thebe then asks mybinder.org for a kernel; that cannot run here (no network),
    so this stops at the request for Thebe's script, which is blocked.
    """
    with_code = [d for d in PAGES if _code_cells(d)]
    if not with_code:
        pytest.skip("no page has code cells")
    context, outside = _open(browser, DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/{with_code[0]}.html", wait_until="load")
        assert outside == []
        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        deadline = time.monotonic() + 10
        while not outside and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    finally:
        context.close()
    hosts = {urlsplit(url).hostname for url in outside}
    assert hosts == {"unpkg.com"}, outside
    assert all("/thebe@" in url for url in outside), outside


def _code_cells(docname: str) -> list:
    """The page's code cells, read the way Jupyter reads the .md file."""
    notebook = jupytext.read(source_file(docname))
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


# ------------------------------------------ downloads (static HTML, no browser)
@pytest.mark.parametrize("docname", PAGES)
def test_download_offers_md_and_executed_ipynb(site, docname):
    source = source_file(docname)
    text = source.read_text(encoding="utf-8")
    if "kernelspec:" not in text:
        pytest.skip(f"{docname} is not a notebook")
    html_path = site / f"{docname}.html"
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    page_url = f"http://book/{docname}.html"

    def target(css: str) -> Path:
        links = soup.select(css)
        assert len(links) == 1, f"{docname}: expected one {css}, found {len(links)}"
        url = urljoin(page_url, links[0]["href"])
        return site / urlsplit(url).path.lstrip("/")

    md = target("a.btn-download-source-button")
    assert md.suffix == ".md"
    # The reader downloads the very file that Jupyter and Binder open.
    assert md.read_text(encoding="utf-8") == text, (
        f"{md} differs from {source}: was the book built from an older source?"
    )

    ipynb = target("a.btn-download-notebook-button")
    assert ipynb.suffix == ".ipynb"
    notebook = nbformat.reads(ipynb.read_text(encoding="utf-8"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) == len(_code_cells(docname)), "the .ipynb lost or gained code cells"
    # Executed: every output the website shows is in the notebook too.
    shown = len(soup.select("div.cell_output"))
    assert sum(1 for c in code if c.outputs) >= shown, (
        f"{docname}.ipynb has fewer cells with outputs than the page shows ({shown})"
    )
    # Cells tagged skip-execution (the live sliders) are meant to run only in Jupyter.
    unrun = [
        i
        for i, c in enumerate(code)
        if not c.get("execution_count") and "skip-execution" not in c.metadata.get("tags", [])
    ]
    assert unrun == [], f"{docname}.ipynb: code cells {unrun} were not executed"


@pytest.mark.parametrize("docname", PAGES)
def test_each_inline_script_appears_once(site, docname):
    # Sphinx 7 writes inline scripts twice (sphinx-doc/sphinx#13402); for
    # sphinx-thebe's `const THEBE_JS_URL` that is a SyntaxError on every page.
    # _ext/book_html.py removes the copies; this shows it still does.
    # Only <head>, where Sphinx puts them: a page's own outputs may legitimately
    # repeat a script (each matplotlib animation carries its player's code).
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    bodies = [s.string.strip() for s in soup.head.find_all("script", src=False) if s.string]
    repeated = sorted({b[:80] for b in bodies if bodies.count(b) > 1})
    assert repeated == [], f"{docname}: inline scripts written more than once: {repeated}"


def test_missing_chromium_skips_here_but_fails_in_ci():
    # No browser: a developer's run skips, saying how to enable the tests...
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(find=lambda: None, environ={})
    # ... but CI (JACOBIAN_REQUIRE_BROWSER=1) must not pass by skipping.
    with pytest.raises(pytest.fail.Exception, match="JACOBIAN_REQUIRE_BROWSER"):
        require_chromium(find=lambda: None, environ={"JACOBIAN_REQUIRE_BROWSER": "1"})
    assert require_chromium(find=lambda: "/x/chromium", environ={}) == "/x/chromium"


def test_screenshots_are_saved(visits, screenshots):
    # A person looks at these; make sure there is one per page and width.
    for docname in PAGES:
        for viewport in (DESKTOP, PHONE):
            shot = visits(docname, viewport).screenshot
            assert shot is not None and shot.exists() and shot.stat().st_size > 1000
    print(json.dumps(sorted(p.name for p in screenshots.glob("*.png")), indent=1))
