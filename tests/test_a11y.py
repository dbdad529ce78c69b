"""Every reader: the built book checked for accessibility in Chromium, offline.

On every page of the toc, at desktop (1280 px) and phone (390 px) width, in
the theme's light and dark mode:

* axe-core (installed from npm at test time, never vendored) runs the WCAG
  2.0/2.1 A and AA rules: no violation of impact serious or critical may
  remain; the moderate and minor ones are printed;
* every typeset equation carries MathJax's assistive MathML (what a screen
  reader speaks), served by the book with the network closed;
* the smallest text inside each matplotlib figure renders at 11 CSS px or more
  (see :func:`_figure_text`);
* the keyboard reaches every control with a visible focus ring, and opens the
  launch menu, switches the colour mode and moves sliders;
* a full-page screenshot of each page in dark mode lands in
  <build>/screenshots/ for a person to look at.

Like tests/test_browser.py, it reads JACOBIAN_BOOK_HTML when set, else this
session's build (the ``book_html`` fixture).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from browser_book import ROOT, require_chromium, serve, toc_pages

PAGES = toc_pages()

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
MODES = ("light", "dark")

AXE_VERSION = "4.14.1"
#: npm's cache of axe-core, ignored by git and by the book's build.
AXE_PREFIX = ROOT / ".cache" / "npm"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

#: The smallest text a figure may show, in CSS px, at any width.
MIN_FIGURE_TEXT_PX = 11.0
#: PNG text keyword in which code/style.py records a figure's smallest text.
MIN_TEXT_KEY = "jacobian:min-text-px"

#: Weight budget of one page: its HTML plus the images it shows (the theme's
#: CSS, fonts and scripts are shared by all pages and cached after the first).
PAGE_BUDGET_BYTES = 1_000_000
FIGURE_BUDGET_BYTES = 250_000


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry into .cache/npm once."""
    script = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
    package = script.with_name("package.json")
    installed = package.exists() and json.loads(package.read_text())["version"] == AXE_VERSION
    if not installed:
        npm = shutil.which("npm")
        if npm is None:
            message = "npm not found: it installs axe-core for the accessibility tests"
            if os.environ.get("JACOBIAN_REQUIRE_BROWSER") == "1":
                pytest.fail(message)
            pytest.skip(message)
        proc = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
             str(AXE_PREFIX), f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, f"npm could not install axe-core:\n{proc.stderr[-2000:]}"
    return script.read_text(encoding="utf-8")


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
    folder = site.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser, viewport: dict, mode: str):
    """A fresh context in colour mode ``mode``; requests to other hosts are blocked and noted.

    pydata-sphinx-theme 0.17 reads the mode from localStorage ("mode" is the
    reader's choice, "theme" the resolved light/dark) before the page paints,
    exactly as it does after a reader clicks its switch.
    """
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    outside: list[str] = []

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context, outside


WAIT_FOR_MATHJAX_JS = """
async () => {
  if (!document.querySelector(".math")) return true;
  for (let i = 0; i < 300 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(window.MathJax && MathJax.startup)) return false;
  await MathJax.startup.promise;
  return true;
}
"""

RUN_AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 200),
                                 summary: (n.failureSummary || "").slice(0, 300) })),
  }));
}
"""

#: Each rendered equation and whether it carries a form a screen reader can speak.
MATH_ACCESS_JS = """
() => [...document.querySelectorAll("mjx-container")].map((c) => {
  const mml = c.querySelector("mjx-assistive-mml math");
  return {
    tex: (c.closest(".math") || c).textContent.slice(0, 60),
    mathml: mml ? mml.textContent.trim().length > 0 : false,
    label: (c.getAttribute("aria-label") || "").trim().length > 0,
    // The visual glyphs are hidden from assistive technology when MathML is there.
    hidden_visual: !!c.querySelector("mjx-math[aria-hidden='true']"),
  };
})
"""

#: Every image of the page's content, with its rendered content box.
IMAGES_JS = """
() => [...document.querySelectorAll(".bd-content img")].map((img) => {
  const rect = img.getBoundingClientRect();
  const cs = getComputedStyle(img);
  const px = (name) => parseFloat(cs.getPropertyValue(name)) || 0;
  const content = rect.width - px("padding-left") - px("padding-right")
                  - px("border-left-width") - px("border-right-width");
  return {
    src: img.currentSrc || img.src,
    natural: img.naturalWidth,
    rendered: content,
    shown: rect.width > 0 && img.getClientRects().length > 0 && cs.visibility !== "hidden",
    id: img.id || img.alt.slice(0, 50),
  };
})
"""


class Audit:
    """What one page showed in one viewport and one colour mode."""

    def __init__(self, docname: str, width: int, mode: str) -> None:
        self.docname, self.width, self.mode = docname, width, mode
        self.theme: str | None = None
        self.violations: list[dict] = []
        self.outside: list[str] = []
        self.math: list[dict] = []
        self.images: list[dict] = []
        self.screenshot: Path | None = None

    def __repr__(self) -> str:
        return f"{self.docname} at {self.width}px, {self.mode} mode"


@pytest.fixture(scope="module")
def audits(browser, base_url, axe_source, screenshots):
    """Each page is audited once per width and mode; the tests below share the results."""
    cache: dict[tuple[str, str, str], Audit] = {}

    def get(docname: str, size: str, mode: str) -> Audit:
        key = (docname, size, mode)
        if key in cache:
            return cache[key]
        viewport = VIEWPORTS[size]
        audit = Audit(docname, viewport["width"], mode)
        context, audit.outside = _open(browser, viewport, mode)
        page = context.new_page()
        try:
            page.goto(f"{base_url}/{docname}.html", wait_until="load")
            page.evaluate(WAIT_FOR_MATHJAX_JS)
            page.evaluate("document.fonts.ready.then(() => true)")
            audit.theme = page.evaluate("document.documentElement.dataset.theme")
            audit.math = page.evaluate(MATH_ACCESS_JS)
            audit.images = page.evaluate(IMAGES_JS)
            if mode == "dark":
                name = docname.replace("/", "__")
                audit.screenshot = screenshots / f"{name}-{viewport['width']}px-dark.png"
                page.screenshot(path=audit.screenshot, full_page=True)
            page.add_script_tag(content=axe_source)
            audit.violations = page.evaluate(RUN_AXE_JS, WCAG_TAGS)
        finally:
            context.close()
        cache[key] = audit
        return audit

    return get


# ----------------------------------------------------------------- axe-core
@pytest.mark.parametrize("docname", PAGES)
def test_axe_finds_no_serious_or_critical_violation(audits, docname):
    blocking = []
    for size in VIEWPORTS:
        for mode in MODES:
            audit = audits(docname, size, mode)
            assert audit.theme == mode, f"{audit}: the theme shows {audit.theme!r}"
            assert audit.outside == [], f"{audit} reached other hosts: {audit.outside}"
            for v in audit.violations:
                line = f"{audit}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}"
                if v["impact"] in BLOCKING:
                    nodes = "\n      ".join(f"{n['target']}  {n['summary']}" for n in v["nodes"])
                    blocking.append(f"{line}\n      {nodes}")
                else:
                    print("axe, not blocking:", line)
    assert blocking == [], "\n".join(blocking)


def test_axe_catches_a_violation(browser, base_url, axe_source):
    # The audit above could pass by running no rules at all: show that it fails
    # a page with a known fault (an unlabelled slider) at impact critical.
    context, _ = _open(browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(f"{base_url}/{PAGES[0]}.html", wait_until="load")
        page.evaluate(
            "document.querySelector('.bd-content').insertAdjacentHTML("
            "'beforeend', '<input type=range id=unlabelled-slider>')"
        )
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(RUN_AXE_JS, WCAG_TAGS)
    finally:
        context.close()
    labels = [v for v in violations if v["id"] == "label"]
    assert labels and labels[0]["impact"] == "critical", violations
    assert any("unlabelled-slider" in n["target"] for n in labels[0]["nodes"])


# ---------------------------------------------------------------------- math
@pytest.mark.parametrize("docname", PAGES)
def test_every_equation_has_a_form_a_screen_reader_speaks(audits, docname):
    audit = audits(docname, "desktop", "light")
    if not audit.math:
        pytest.skip(f"{docname} has no equations")
    silent = [m["tex"] for m in audit.math if not (m["mathml"] or m["label"])]
    assert silent == [], f"{docname}: equations without assistive MathML: {silent[:5]}"
    # Served by the book itself: nothing was fetched from another host.
    assert audit.outside == []


# ------------------------------------------------------------------- figures
def _png_bytes(src: str, site: Path) -> bytes:
    """The bytes of an image the page shows: a data: URI or a file of the built site."""
    if src.startswith("data:"):
        header, _, data = src.partition(",")
        return base64.b64decode(data) if header.endswith(";base64") else unquote(data).encode()
    path = site / unquote(urlsplit(src).path).lstrip("/")
    return path.read_bytes()


def _figure_text(image: dict, site: Path) -> dict | None:
    """Rendered size, in CSS px, of the smallest text of a matplotlib PNG; None if not one.

    code/style.py writes the figure's smallest font size in image pixels
    (points x dpi / 72) into the PNG, under MIN_TEXT_KEY. The browser shrinks
    or stretches the whole image by rendered width / natural width, text
    included, so the text a reader sees is min_text_px x that ratio. This
    holds whatever the dpi, the cropping or the CSS, because it uses what the
    browser actually did with the very image it was given.
    """
    data = _png_bytes(image["src"], site)
    if not data.startswith(b"\x89PNG"):
        return None
    with Image.open(io.BytesIO(data)) as png:
        text = dict(getattr(png, "text", {}) or {})
        natural = png.width
    if not text.get("Software", "").startswith("Matplotlib"):
        return None
    found = {"id": image["id"], "natural": natural, "rendered": round(image["rendered"], 1),
             "bytes": len(data)}
    if MIN_TEXT_KEY not in text:
        found["error"] = (
            f"a matplotlib PNG without {MIN_TEXT_KEY!r}: display it through "
            "style.use_book_style() (or save it with style.figure_png)"
        )
        return found
    found["min_text_px"] = float(text[MIN_TEXT_KEY])
    found["text_css_px"] = round(found["min_text_px"] * image["rendered"] / natural, 2)
    return found


@pytest.mark.parametrize("docname", PAGES)
def test_figure_text_is_at_least_11_css_px(audits, site, docname):
    measured = []
    for size in VIEWPORTS:
        audit = audits(docname, size, "light")
        for image in audit.images:
            if not image["shown"]:
                continue
            figure = _figure_text(image, site)
            if figure is not None:
                measured.append((audit.width, figure))
    if not measured:
        pytest.skip(f"{docname} shows no matplotlib figure")
    for width, figure in measured:
        print(f"{docname} at {width}px: {figure}")
    errors = [f"{w}px: {f['id']}: {f['error']}" for w, f in measured if "error" in f]
    assert errors == [], "\n".join(errors)
    small = [
        f"{w}px: {f['id']!r}: smallest text {f['text_css_px']} px "
        f"(image {f['natural']} px shown at {f['rendered']} px)"
        for w, f in measured
        if f["text_css_px"] < MIN_FIGURE_TEXT_PX
    ]
    assert small == [], f"{docname}: figure text under {MIN_FIGURE_TEXT_PX} px:\n" + "\n".join(
        small
    )


def test_figure_text_check_catches_small_text(site, tmp_path):
    # A PNG that says its smallest text is 20 image px, shown at half its width,
    # has 10 px text: the check must say so, not pass it.
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Matplotlib version3.x, https://matplotlib.org/")
    info.add_text(MIN_TEXT_KEY, "20.00")
    buffer = io.BytesIO()
    Image.new("RGB", (400, 100), "white").save(buffer, format="PNG", pnginfo=info)
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    figure = _figure_text({"src": src, "rendered": 200.0, "id": "probe"}, site)
    assert figure["text_css_px"] == 10.0
    assert figure["text_css_px"] < MIN_FIGURE_TEXT_PX
    # Without the record, the check cannot measure, and says so.
    plain = io.BytesIO()
    bare = PngImagePlugin.PngInfo()
    bare.add_text("Software", "Matplotlib version3.x")
    Image.new("RGB", (400, 100), "white").save(plain, format="PNG", pnginfo=bare)
    src = "data:image/png;base64," + base64.b64encode(plain.getvalue()).decode()
    assert "error" in _figure_text({"src": src, "rendered": 400.0, "id": "bare"}, site)


# ----------------------------------------------------------------- dark mode
def test_dark_mode_screenshots_are_saved(audits, screenshots):
    # A person looks at these; one per page and width, in dark mode.
    for docname in PAGES:
        for size in VIEWPORTS:
            shot = audits(docname, size, "dark").screenshot
            assert shot is not None and shot.exists() and shot.stat().st_size > 1000
    print(json.dumps(sorted(p.name for p in screenshots.glob("*-dark.png")), indent=1))


# ------------------------------------------------------------------ keyboard
#: Controls a reader operates, looked up inside Bokeh's shadow roots too.
CONTROLS_JS = """
() => {
  const selector = "button, select, input:not([type=hidden]), textarea, summary, "
    + "[role=slider], [role=button], [role=tab], [role=switch], [tabindex='0']";
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.matches(selector)) found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const visible = (el) => {
    if (el.getClientRects().length === 0) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden" || cs.display === "none") return false;
    if (el.closest("[inert], [aria-hidden='true']")) return false;
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
    tabindex: el.tabIndex,
  }));
}
"""

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
  const rect = el.getBoundingClientRect();
  return {
    control: el.dataset ? el.dataset.a11yControl ?? null : null,
    tag: el.tagName.toLowerCase(),
    ring: outline || shadow,
    style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor} / ${cs.boxShadow}`,
    onscreen: rect.width > 0 && rect.height > 0,
  };
}
"""


def _tab_through(page, limit: int) -> list[dict]:
    """Press Tab until focus leaves the page or comes back round; what each press focused."""
    stops = []
    seen = set()
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


@pytest.mark.parametrize("docname", PAGES)
def test_the_keyboard_reaches_every_control_with_a_visible_ring(browser, base_url, docname):
    # Light mode only: which controls Tab reaches, and whether a ring is drawn,
    # do not depend on the colours (axe checks the colours in both modes).
    problems = []
    for viewport in VIEWPORTS.values():
        for mode in ("light",):
            context, _ = _open(browser, viewport, mode)
            page = context.new_page()
            try:
                page.goto(f"{base_url}/{docname}.html", wait_until="load")
                page.evaluate(WAIT_FOR_MATHJAX_JS)
                controls = page.evaluate(CONTROLS_JS)
                focusables = page.evaluate(
                    "document.querySelectorAll('a[href], button, input, select, summary,"
                    " textarea, [tabindex]').length"
                )
                stops = _tab_through(page, limit=focusables + len(controls) + 40)
            finally:
                context.close()
            reached = {s["control"] for s in stops if s["control"] is not None}
            where = f"{docname} at {viewport['width']}px, {mode}"
            missed = [c["what"] for c in controls if str(c["i"]) not in reached]
            if missed:
                problems.append(f"{where}: Tab never reaches {missed}")
            no_ring = [f"{s['tag']} ({s['style']})" for s in stops if not s["ring"]]
            if no_ring:
                problems.append(f"{where}: focus without a visible ring on {no_ring[:6]}")
    assert problems == [], "\n".join(problems)


def test_the_keyboard_operates_the_theme_switch_and_the_launch_menu(browser, base_url):
    page_with_menu = next(
        (d for d in PAGES if d != PAGES[0]), PAGES[0]
    )  # the landing page may have no code, hence no launch menu
    context, _ = _open(browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(f"{base_url}/{page_with_menu}.html", wait_until="load")
        switch = page.locator(".theme-switch-button").first
        switch.focus()
        # The switch cycles light -> auto (the system's, light here) -> dark.
        modes = []
        for _ in range(3):
            page.keyboard.press("Enter")
            page.wait_for_timeout(100)
            modes.append(page.evaluate("[document.documentElement.dataset.mode,"
                                       " document.documentElement.dataset.theme]"))
            kept = page.evaluate(
                "document.activeElement.classList.contains('theme-switch-button')"
            )
            assert kept, "the colour-mode switch lost focus when pressed with Enter"
        menu = page.locator(".dropdown-launch-buttons button.dropdown-toggle")
        launch_items = []
        if menu.count():
            menu.first.focus()
            page.keyboard.press("Enter")
            page.wait_for_timeout(100)
            page.keyboard.press("ArrowDown")
            launch_items = page.evaluate(
                "[...document.querySelectorAll('.dropdown-launch-buttons .dropdown-item')]"
                ".filter((a) => a.getClientRects().length > 0).map((a) => a.textContent.trim())"
            )
            focused = page.evaluate(
                "document.activeElement.closest('.dropdown-launch-buttons .dropdown-menu') !== null"
            )
            page.keyboard.press("Escape")
    finally:
        context.close()
    assert modes[0][0] != "light", f"Enter on the colour-mode switch did nothing: {modes}"
    assert ["dark", "dark"] in modes, f"Enter never reached dark mode: {modes}"
    if launch_items:
        assert focused, "ArrowDown in the open launch menu did not move focus into it"
        assert any("Binder" in t for t in launch_items), launch_items


#: Every range slider (inside shadow roots too), for the keyboard test below.
SLIDERS_JS = """
() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.matches("input[type=range], [role=slider]")) found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  window.__sliders = found.filter((el) => el.getClientRects().length > 0);
  return window.__sliders.length;
}
"""

SLIDER_VALUE_JS = """
(i) => { const el = window.__sliders[i];
         return el.value !== undefined && el.value !== "" && el.tagName === "INPUT"
           ? el.value : el.getAttribute("aria-valuenow"); }
"""


@pytest.mark.parametrize("docname", PAGES)
def test_sliders_move_from_the_keyboard(browser, base_url, docname):
    context, _ = _open(browser, DESKTOP, "light")
    page = context.new_page()
    moved = []
    try:
        page.goto(f"{base_url}/{docname}.html", wait_until="load")
        page.wait_for_timeout(500)  # Bokeh renders its widgets after load
        count = page.evaluate(SLIDERS_JS)
        if count == 0:
            pytest.skip(f"{docname} has no slider")
        for i in range(count):
            page.evaluate("(i) => { window.__sliders[i].scrollIntoView(); "
                          "window.__sliders[i].focus(); }", i)
            before = page.evaluate(SLIDER_VALUE_JS, i)
            page.keyboard.press("End")
            page.keyboard.press("ArrowLeft")
            page.wait_for_timeout(50)
            after = page.evaluate(SLIDER_VALUE_JS, i)
            page.keyboard.press("Home")
            moved.append((i, before, after))
    finally:
        context.close()
    stuck = [m for m in moved if m[1] == m[2]]
    assert stuck == [], f"{docname}: sliders that End/ArrowLeft did not move: {stuck}"


# -------------------------------------------------------------- page weight
def _page_weight(site: Path, docname: str) -> tuple[int, dict[str, int]]:
    """Bytes of a page's HTML (data: images included) and of each image file it shows."""
    from bs4 import BeautifulSoup

    html_path = site / f"{docname}.html"
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    images = {}
    for img in soup.select("main img, article img, .bd-content img"):
        src = img.get("src", "")
        if not src or src.startswith("data:"):
            continue
        path = (html_path.parent / unquote(urlsplit(src).path)).resolve()
        if path.exists():
            images[path.name] = path.stat().st_size
    return html_path.stat().st_size, images


@pytest.mark.parametrize("docname", PAGES)
def test_page_weight_is_within_budget(site, docname):
    html_bytes, images = _page_weight(site, docname)
    total = html_bytes + sum(images.values())
    print(f"{docname}: {total / 1e3:.0f} kB = HTML {html_bytes / 1e3:.0f} kB + "
          f"{len(images)} images {sum(images.values()) / 1e3:.0f} kB")
    assert total <= PAGE_BUDGET_BYTES, f"{docname} weighs {total / 1e6:.2f} MB"
    heavy = {name: size for name, size in images.items() if size > FIGURE_BUDGET_BYTES}
    assert heavy == {}, f"{docname}: figures over {FIGURE_BUDGET_BYTES / 1e3:.0f} kB: {heavy}"
