"""Helpers for the browser tests: Chromium, axe-core, and one load per page view.

:func:`book_page` opens a page once its buttons work.
:func:`view_page` loads a page once per (width, colour mode) and records what
tests/test_browser.py and tests/test_a11y.py check (``page_view`` in conftest.py).
:func:`move_each_slider` moves the ipywidgets sliders by keyboard in JupyterLab
and in Live Code alike.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from book_site import ROOT, find_chromium
from PIL import Image, ImageStat


def _missing(message: str, environ=os.environ):
    """Skip, or fail under JACOBIAN_REQUIRE_BROWSER=1 (`make test`)."""
    if environ.get("JACOBIAN_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " JACOBIAN_REQUIRE_BROWSER=1 makes this an error.")
    pytest.skip(message)


def require_chromium(find=find_chromium, environ=os.environ) -> str:
    """Chromium's path; else :func:`_missing`."""
    path = find()
    if path is None:
        _missing("Chromium not found (/usr/bin/chromium or `chromium` on PATH), so the browser "
                 "tests cannot run. Enable them with `apt-get install chromium` "
                 "(or `sudo .ci/install-packages`).", environ)
    return path


# ------------------------------------------------- one load per page view
#: The widths and colour modes every page is checked at.
DESKTOP = {"width": 1280, "height": 900}
# An iPhone 12-15 is 390 CSS pixels wide: the narrowest screen we design for.
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
MODES = ("light", "dark")

AXE_VERSION = "4.14.1"
#: npm's cache of axe-core, ignored by git and by the book's build.
AXE_PREFIX = ROOT / ".cache" / "npm"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The axe-core impacts that fail a test.
BLOCKING = frozenset({"serious", "critical"})
#: Of those, the rules that read colours (axe's tag cat.color). The others found the
#: same nodes with the same verdicts in light and dark mode on every page at both
#: widths, so dark mode runs only these: half of its axe time.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

#: The website explorer's Bokeh document is embedded and its first frame drawn.
WAIT_FOR_BOKEH_JS = """
() => window.Bokeh && Bokeh.documents && Bokeh.documents.length > 0
      && document.querySelector(".jacobian-live.jl-ready") !== null
      && [...document.querySelectorAll(".jacobian-live .jl-grid > div")]
           .every((el) => el.getBoundingClientRect().height > 100)
"""

#: Two animation frames (a JS expression): the page has painted what came before.
TWO_FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

#: What a page shows, in one round trip; the keys are PageView's fields.
FACTS_JS = """
() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const math = all(".math");
  const px = (cs, name) => parseFloat(cs.getPropertyValue(name)) || 0;
  return {
    theme: document.documentElement.dataset.theme || null,
    math: {
      math: math.length,
      typeset: math.filter((el) => el.querySelector("mjx-container")).length,
      // Typeset at build time (_ext/jacobian_book/prerender_math.py): by what.
      prerendered: document.querySelector("style[data-prerendered-math]")
        ?.dataset.prerenderedMath || null,
    },
    // Each equation, and whether a screen reader can speak it: MathML there,
    // and the visual glyphs hidden from assistive technology.
    math_access: all("mjx-container").map((c) => ({
      tex: (c.closest(".math") || c).textContent.slice(0, 60),
      mathml: (c.querySelector("mjx-assistive-mml math")?.textContent.trim() || "") !== "",
      hidden_visual: !!c.querySelector("mjx-math[aria-hidden='true']"),
    })),
    images_without_alt: all("img").filter((img) => !(img.getAttribute("alt") || "").trim())
      .map((img) => img.id || (img.getAttribute("src") || "").slice(0, 80)),
    // Every image of the content, with its rendered content box.
    images: all(".bd-content img").map((img) => {
      const rect = img.getBoundingClientRect();
      const cs = getComputedStyle(img);
      return {
        src: img.currentSrc || img.src,
        rendered: rect.width - px(cs, "padding-left") - px(cs, "padding-right")
                  - px(cs, "border-left-width") - px(cs, "border-right-width"),
        shown: rect.width > 0 && img.getClientRects().length > 0 && cs.visibility !== "hidden",
        id: img.id || img.alt.slice(0, 50),
      };
    }),
    code_cells: all("div.cell").length,
    binder_links: all(".dropdown-launch-buttons a[href*='/v2/']")
      .map((a) => a.getAttribute("href")),
    thebe_buttons: all(".dropdown-launch-buttons .btn-launch-thebe").length,
    overflow_px: document.documentElement.scrollWidth - window.innerWidth,
    // Display equations wider than their column (their box would scroll); MathJax's
    // container scrolls by itself, so its content is what must fit.
    wide_math: all("div.math").map((box) => {
      const inner = box.querySelector("mjx-container") || box;
      return {box, width: Math.max(inner.scrollWidth, box.scrollWidth)};
    }).filter(({box, width}) => width > box.clientWidth + 1).map(({box, width}) =>
      `${box.id || box.textContent.trim().slice(0, 40)}: ${width}px in ${box.clientWidth}px`),
    // The scripts fetched so far (paths).
    scripts: performance.getEntriesByType("resource")
      .filter((e) => e.initiatorType === "script").map((e) => new URL(e.name).pathname),
  };
}
"""

#: axe-core's violations of rules with these tags (or only these rules), in a
#: context (null: the page).
RUN_AXE_JS = """
async ([context, tags, rules]) => {
  const result = await axe.run(context || document, {
    runOnly: rules ? { type: "rule", values: rules } : { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "),
                                 summary: (n.failureSummary || "").slice(0, 300) })),
  }));
}
"""

#: The elements that match a selector, inside shadow roots (Bokeh's) too.
DEEP_QUERY_JS = """(selector) => {
  const walk = (root) => [...root.querySelectorAll("*")].flatMap((el) => [
    ...(el.matches(selector) ? [el] : []), ...(el.shadowRoot ? walk(el.shadowRoot) : [])]);
  return walk(document);
}"""

#: Controls a reader operates.
CONTROLS_JS = """
() => {
  const found = (DEEP)("button, select, input:not([type=hidden]), textarea, summary, "
    + "[role=slider], [role=button], [role=tab], [role=switch], [tabindex='0']");
  const visible = (el) => {
    if (el.getClientRects().length === 0) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none") return false;
    if (el.closest("[inert], [aria-hidden='true']")) return false;
    // tabindex=-1 takes an element out of the Tab order on purpose (the
    // explorer's pointer-only duplicates of a handle that Tab does reach).
    if (el.getAttribute("tabindex") === "-1") return false;
    // Inside a closed <details>, only its summary shows.
    const details = el.parentElement && el.parentElement.closest("details:not([open])");
    if (details && el.closest("summary") !== details.querySelector("summary")) return false;
    return !el.disabled;
  };
  window.__controls = found.filter(visible);
  window.__controls.forEach((el, i) => { el.dataset.a11yControl = String(i); });
  return window.__controls.map((el) => ({
    i: Number(el.dataset.a11yControl),
    what: el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\\s+/).slice(0, 3).join(".") : "")
      + (el.getAttribute("aria-label") ? `[${el.getAttribute("aria-label")}]` : ""),
  }));
}
""".replace("(DEEP)", f"({DEEP_QUERY_JS})")

#: The element that has focus, inside shadow roots too, and whether its ring shows.
FOCUSED_JS = """
() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0
    && !/rgba\\(.*,\\s*0\\)$/.test(cs.outlineColor);
  const shadow = cs.boxShadow && cs.boxShadow !== "none";
  return {
    control: el.dataset ? el.dataset.a11yControl ?? null : null,
    tag: el.tagName.toLowerCase(),
    ring: outline || shadow,
    style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor} / ${cs.boxShadow}`,
  };
}
"""

#: How many range sliders show (inside shadow roots too); window.__value(i): slider i's value.
SLIDERS_JS = """
() => {
  window.__sliders = (DEEP)("input[type=range], [role=slider]")
    .filter((el) => el.getClientRects().length > 0);
  window.__value = (i) => { const el = window.__sliders[i];
    return el.tagName === "INPUT" && el.value !== "" ? el.value
      : el.getAttribute("aria-valuenow"); };
  return window.__sliders.length;
}
""".replace("(DEEP)", f"({DEEP_QUERY_JS})")


def axe_script() -> str:
    """axe-core's script, installed from npm into .cache/npm once; skips (or fails) without npm."""
    script = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
    package = script.with_name("package.json")
    if not (package.exists() and json.loads(package.read_text())["version"] == AXE_VERSION):
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm not found: it installs axe-core for the accessibility tests.")
        proc = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
                               str(AXE_PREFIX), f"axe-core@{AXE_VERSION}"],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"npm could not install axe-core:\n{proc.stderr[-2000:]}"
    return script.read_text(encoding="utf-8")


def open_context(browser, viewport: dict, mode: str = "light", init: str = "", **options):
    """(context, blocked URLs): a fresh context in ``mode``, other hosts blocked and noted.

    pydata-sphinx-theme reads the mode from localStorage before the page paints,
    as after a reader clicks its switch. ``init``: more script to run before each
    page's own. ``options`` go to ``browser.new_context``.
    """
    context = browser.new_context(viewport=viewport, device_scale_factor=1, **options)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');{init}"
    )
    outside: list[str] = []

    def route(route):
        outside.append(route.request.url)
        route.abort()

    # A pattern, not a glob and a test in Python: the site's own requests never wait for Python.
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/])"), route)
    return context, outside


#: The page's after-paint scripts (the theme's menus and switch, tips, Live Code) have run.
AFTER_PAINT_JS = "document.documentElement.dataset.afterPaint === 'ran'"


@contextlib.contextmanager
def book_page(browser, url: str, viewport: dict = DESKTOP, mode: str = "light", **options):
    """(page, blocked URLs, errors): ``url`` opened in a fresh context, its buttons working.

    ``errors`` collects the page's uncaught errors and console errors. ``options``
    go to :func:`open_context`.
    """
    context, outside = open_context(browser, viewport, mode, **options)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(f"{msg.text} ({msg.location.get('url')})")
                if msg.type == "error" else None)
        page.goto(url, wait_until="load")
        # _ext/jacobian_book/after-paint.js starts the scripts behind the buttons after
        # the first paint, which may come after the load event that ``goto`` waits for.
        page.wait_for_function(AFTER_PAINT_JS)
        yield page, outside, errors
    finally:
        context.close()


@dataclass
class PageView:
    """What one page showed at one width in one colour mode: facts, not verdicts."""

    docname: str
    size: str
    width: int
    mode: str
    theme: str | None = None
    errors: list[str] = field(default_factory=list)  # uncaught and console errors
    outside: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # fetched once the page's own have run
    math: dict = field(default_factory=dict)
    math_access: list[dict] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    code_cells: int = 0
    binder_links: list[str] = field(default_factory=list)
    thebe_buttons: int = 0
    overflow_px: int = 0
    wide_math: list[str] = field(default_factory=list)
    luminance: float = 0.0  # the screenshot's mean, 0 (black) to 1 (white)
    violations: list[dict] = field(default_factory=list)
    #: Light mode only: the controls, and what each Tab press focused.
    controls: list[dict] | None = None
    tab_stops: list[dict] | None = None
    #: Desktop light only: (slider, value before, value after End + ArrowLeft).
    sliders: list[tuple] | None = None

    def __str__(self) -> str:
        return f"{self.docname} at {self.width}px, {self.mode} mode"


#: Pages also seen dark at phone width: the landing page, the explorer, the folded
#: solutions, the tables. Elsewhere that view adds only the header, the same on every page.
PHONE_DARK = ("intro", "chapters/interactive", "chapters/exercises", "chapters/notation")


def all_views(page_view, docname: str) -> list[PageView]:
    """The page's views (``page_view`` in conftest.py): each width in each mode (PHONE_DARK)."""
    return [page_view(docname, size, mode) for size in VIEWPORTS for mode in MODES
            if (size, mode) != ("phone", "dark") or docname in PHONE_DARK]


def _tab_through(page, limit: int) -> list[dict]:
    """Press Tab until focus leaves the page or comes back round; what each press focused."""
    # Hover previews (tests/test_hover.py) off: each one a link's focus opens costs a
    # layout of the page, 95% of a Tab walk's time, and reaches no other control.
    page.evaluate("() => document.querySelectorAll('a').forEach((a) => a._tippy?.disable())")
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            if stops:
                break
            continue
        key = (focused["control"], focused["tag"], len(stops) if focused["control"] is None else 0)
        if focused["control"] is not None and key in seen:
            break  # round the page once
        seen.add(key)
        stops.append(focused)
    return stops


#: Focus slider i; its value.
FOCUS_SLIDER_JS = """(i) => { window.__sliders[i].scrollIntoView(); window.__sliders[i].focus();
                              return window.__value(i); }"""
#: Slider i's value once it differs from ``before``, or after 5 s.
SLIDER_MOVED_JS = """
async ([i, before]) => {
  for (const end = performance.now() + 5000; performance.now() < end;) {
    if (window.__value(i) !== before) break;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return window.__value(i);
}
"""


def view_page(browser, base_url: str, docname: str, size: str, mode: str,
              axe: str, shots: Path) -> PageView:
    """Load one page once and record what the browser and accessibility tests check.

    The page's facts, a screenshot as a reader arrives, axe-core; then, in
    light mode, the Tab walk and (desktop) the sliders, which change the page.
    """
    viewport = VIEWPORTS[size]
    view = PageView(docname, size, viewport["width"], mode)
    url = f"{base_url}/{docname}.html"
    with book_page(browser, url, viewport, mode) as (page, view.outside, view.errors):
        # Not "networkidle", which a busy machine may never reach.
        page.evaluate("document.fonts.ready.then(() => true)")
        if page.locator(".jacobian-live").count():
            # BokehJS loads as the reader nears the figure (bokeh-lazy.js).
            page.locator(".jacobian-live").scroll_into_view_if_needed()
            page.wait_for_function(WAIT_FOR_BOKEH_JS, timeout=30_000)
            page.evaluate("window.scrollTo(0, 0)")
        for name, value in page.evaluate(FACTS_JS).items():
            setattr(view, name, value)
        suffix = "" if mode == "light" else f"-{mode}"
        screenshot = shots / f"{docname.replace('/', '__')}-{viewport['width']}px{suffix}.png"
        page.screenshot(path=screenshot)
        with Image.open(screenshot) as shot:
            view.luminance = ImageStat.Stat(shot.convert("L")).mean[0] / 255
        page.add_script_tag(content=axe)
        rules = None if mode == "light" else COLOUR_RULES
        view.violations = page.evaluate(RUN_AXE_JS, [None, WCAG_TAGS, rules])
        if mode == "light":
            view.controls = page.evaluate(CONTROLS_JS)
            # A bound for pressing Tab: the elements that could take focus, and more.
            limit = page.evaluate("document.querySelectorAll('a[href], button, input, select,"
                                  " summary, textarea, [tabindex]').length")
            view.tab_stops = _tab_through(page, limit + len(view.controls) + 40)
            if size == "desktop":
                view.sliders = []
                for i in range(page.evaluate(SLIDERS_JS)):
                    before = page.evaluate(FOCUS_SLIDER_JS, i)
                    page.keyboard.press("End")
                    page.keyboard.press("ArrowLeft")
                    # The keys reach the slider through its own handlers: a slider that
                    # has not moved within the wait is reported as stuck.
                    view.sliders.append((i, before, page.evaluate(SLIDER_MOVED_JS, [i, before])))
                    page.keyboard.press("Home")
    return view


# ------------------------------------------- ipywidgets sliders (JupyterLab, Live Code)
#: Which slider is which, by its label (ipywidgets puts the description there).
SLIDERS = {"x0": ("x₀", "x0", "x_0"), "a": ("aₖ", "slope"), "b": ("bₖ", "bias")}

#: The bytes of the figure's current PNG (an ipywidgets Image shows a blob URL).
FIGURE_BYTES_JS = """
async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}
"""

#: Counts the page's shell requests (a slider's comm messages) that the kernel
#: has not yet reported "idle" for. KERNEL is a JS expression for the kernel.
TRACK_REQUESTS_JS = """
() => {
  const kernel = KERNEL;
  if (window.__requests && window.__requests.kernel === kernel) return;
  const open = new Set();
  kernel.anyMessage.connect((_, {msg, direction}) => {
    if (direction === 'send' && msg.channel === 'shell') open.add(msg.header.msg_id);
    if (direction === 'recv' && msg.channel === 'iopub' && msg.header.msg_type === 'status'
        && msg.content.execution_state === 'idle') open.delete(msg.parent_header.msg_id);
  });
  window.__requests = {kernel, open};
}
"""


def move_each_slider(page, sliders, figure, kernel_js: str, timeout: float) -> list[str]:
    """Move x0, a and b by three arrow keys each; each must change the figure; what moved.

    ``kernel_js``: a JS expression for the page's kernel.
    """
    page.evaluate(TRACK_REQUESTS_JS.replace("KERNEL", kernel_js))

    def settled() -> bytes:
        page.wait_for_function("() => window.__requests.open.size === 0",
                               timeout=timeout * 1000)
        page.evaluate(f"() => {TWO_FRAMES}")
        return base64.b64decode(figure.evaluate(FIGURE_BYTES_JS))

    sliders.first.wait_for(state="visible", timeout=timeout * 1000)
    figure.wait_for(state="visible", timeout=timeout * 1000)
    labels = [sliders.nth(i).locator(".widget-label").inner_text().strip()
              for i in range(sliders.count())]
    moved = []
    for key, marks in SLIDERS.items():
        index = next((i for i, label in enumerate(labels)
                      if any(mark in label for mark in marks)), None)
        assert index is not None, f"no slider for {key} among {labels}"
        readout = sliders.nth(index).locator(".widget-readout")
        before_value, before = readout.inner_text(), settled()
        handle = sliders.nth(index).locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        handle.focus()
        # A student's keys; back off the upper end if the slider starts there.
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        for _ in range(3):
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        assert readout.inner_text() != before_value, f"{key}: the keys did not move the slider"
        after = settled()
        assert after != before, f"{key}: the figure did not change"
        assert after[:8] == b"\x89PNG\r\n\x1a\n", f"{key}: the figure is not a PNG"
        moved.append(f"{labels[index]}: {before_value} -> {readout.inner_text()} "
                     f"(png {hashlib.sha256(before).hexdigest()[:8]} -> "
                     f"{hashlib.sha256(after).hexdigest()[:8]})")
    return moved
