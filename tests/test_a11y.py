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

The page loads are shared with tests/test_browser.py: one per page, width and
mode for the session (``page_view`` in conftest.py, browser_book.view_page).
Like tests/test_browser.py, it reads JACOBIAN_BOOK_HTML when set, else this
session's build (the ``book_html`` fixture).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_site import toc_pages
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_book import DESKTOP, MODES, RUN_AXE_JS, VIEWPORTS, WCAG_TAGS, open_context

pytestmark = pytest.mark.site_views

PAGES = toc_pages()

#: The pages that must show each of these. A listed page that loses its
#: equations, its figures or its sliders fails the test that checks them; a
#: page not listed is checked all the same on whatever it shows (add it here
#: when it gains one).
WITH_EQUATIONS = frozenset({
    "intro", "chapters/jacobian", "chapters/basis_parameters", "chapters/tanh_jacobian",
    "chapters/vjp", "chapters/interactive", "chapters/implementation", "chapters/exercises",
    "chapters/floating_point", "chapters/gauss_newton", "chapters/notation",
    "chapters/glossary", "chapters/source_notes", "chapters/fast_twin", "chapters/benchmarks",
})
#: Pages with at least one matplotlib figure shown at each width.
WITH_FIGURES = frozenset({
    "chapters/tanh_jacobian", "chapters/interactive", "chapters/implementation",
    "chapters/floating_point", "chapters/gauss_newton", "chapters/benchmarks",
})
#: Pages with sliders (the website's explorer).
WITH_SLIDERS = frozenset({"chapters/interactive"})

BLOCKING = {"serious", "critical"}

#: The smallest text a figure may show, in CSS px, at any width.
MIN_FIGURE_TEXT_PX = 11.0
#: PNG text keyword in which code/style.py records a figure's smallest text.
MIN_TEXT_KEY = "jacobian:min-text-px"

#: Weight budget of one page: its HTML plus the images it shows (the theme's
#: CSS, fonts and scripts are shared by all pages and cached after the first).
PAGE_BUDGET_BYTES = 1_000_000
FIGURE_BUDGET_BYTES = 250_000


def test_the_lists_of_pages_name_pages_of_the_toc():
    for name, listed in [("WITH_EQUATIONS", WITH_EQUATIONS), ("WITH_FIGURES", WITH_FIGURES),
                         ("WITH_SLIDERS", WITH_SLIDERS)]:
        assert listed, f"{name} is empty"
        assert listed <= set(PAGES), f"{name} names pages not in _toc.yml: {listed - set(PAGES)}"


# ----------------------------------------------------------------- axe-core
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page_view, docname):
    blocking = []
    for size in VIEWPORTS:
        for mode in MODES:
            view = page_view(docname, size, mode)
            assert view.theme == mode, f"{view}: the theme shows {view.theme!r}"
            assert view.outside == [], f"{view} reached other hosts: {view.outside}"
            for v in view.violations:
                line = f"{view}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}"
                if v["impact"] in BLOCKING:
                    nodes = "\n      ".join(f"{n['target']}  {n['summary']}" for n in v["nodes"])
                    blocking.append(f"{line}\n      {nodes}")
                else:
                    print("axe, not blocking:", line)
    assert blocking == [], "\n".join(blocking)


@pytest.mark.slow
def test_axe_catches_a_violation(chromium_browser, book_url, axe_source):
    # The audit above could pass by running no rules at all: show that it fails
    # a page with a known fault (an unlabelled slider) at impact critical.
    context, _ = open_context(chromium_browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(f"{book_url}/{PAGES[0]}.html", wait_until="load")
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
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_every_equation_has_a_form_a_screen_reader_speaks(page_view, docname):
    view = page_view(docname, "desktop", "light")
    if docname in WITH_EQUATIONS:
        assert view.math_access, f"{docname} shows no typeset equation (WITH_EQUATIONS)"
    silent = [m["tex"] for m in view.math_access if not (m["mathml"] and m["hidden_visual"])]
    assert silent == [], f"{docname}: equations without assistive MathML: {silent[:5]}"
    # Served by the book itself: nothing was fetched from another host.
    assert view.outside == []


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


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_figure_text_is_at_least_11_css_px(page_view, site, docname):
    measured = []
    for size in VIEWPORTS:
        view = page_view(docname, size, "light")
        found = [_figure_text(image, site) for image in view.images if image["shown"]]
        found = [figure for figure in found if figure is not None]
        if docname in WITH_FIGURES:
            assert found, f"{view} shows no matplotlib figure (WITH_FIGURES)"
        measured += [(view.width, figure) for figure in found]
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


def test_figure_text_check_catches_small_text(tmp_path):
    # A PNG that says its smallest text is 20 image px, shown at half its width,
    # has 10 px text: the check must say so, not pass it.
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Matplotlib version3.x, https://matplotlib.org/")
    info.add_text(MIN_TEXT_KEY, "20.00")
    buffer = io.BytesIO()
    Image.new("RGB", (400, 100), "white").save(buffer, format="PNG", pnginfo=info)
    src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    figure = _figure_text({"src": src, "rendered": 200.0, "id": "probe"}, tmp_path)
    assert figure["text_css_px"] == 10.0
    assert figure["text_css_px"] < MIN_FIGURE_TEXT_PX
    # Without the record, the check cannot measure, and says so.
    plain = io.BytesIO()
    bare = PngImagePlugin.PngInfo()
    bare.add_text("Software", "Matplotlib version3.x")
    Image.new("RGB", (400, 100), "white").save(plain, format="PNG", pnginfo=bare)
    src = "data:image/png;base64," + base64.b64encode(plain.getvalue()).decode()
    assert "error" in _figure_text({"src": src, "rendered": 400.0, "id": "bare"}, tmp_path)


# ----------------------------------------------------------------- dark mode
@pytest.mark.slow
def test_dark_mode_screenshots_are_saved(page_view, screenshots):
    # A person looks at these; one per page and width, in dark mode.
    for docname in PAGES:
        for size in VIEWPORTS:
            shot = page_view(docname, size, "dark").screenshot
            assert shot is not None and shot.exists() and shot.stat().st_size > 1000
    print(json.dumps(sorted(p.name for p in screenshots.glob("*-dark.png")), indent=1))


# ------------------------------------------------------------------ keyboard
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_the_keyboard_reaches_every_control_with_a_visible_ring(page_view, docname):
    # Light mode only: which controls Tab reaches, and whether a ring is drawn,
    # do not depend on the colours (axe checks the colours in both modes).
    problems = []
    for size in VIEWPORTS:
        view = page_view(docname, size, "light")
        reached = {s["control"] for s in view.tab_stops if s["control"] is not None}
        missed = [c["what"] for c in view.controls if str(c["i"]) not in reached]
        if missed:
            problems.append(f"{view}: Tab never reaches {missed}")
        no_ring = [f"{s['tag']} ({s['style']})" for s in view.tab_stops if not s["ring"]]
        if no_ring:
            problems.append(f"{view}: focus without a visible ring on {no_ring[:6]}")
    assert problems == [], "\n".join(problems)


#: The colour mode is no longer ``before`` and the switch has focus again.
SWITCHED_AND_FOCUSED_JS = """
(before) => document.documentElement.dataset.mode !== before
  && document.activeElement
  && document.activeElement.classList.contains("theme-switch-button")
"""

LAUNCH_MENU_OPEN_JS = """
() => [...document.querySelectorAll(".dropdown-launch-buttons button.dropdown-toggle")]
  .some((b) => b.getAttribute("aria-expanded") === "true")
"""


@pytest.mark.slow
def test_the_keyboard_operates_the_theme_switch_and_the_launch_menu(chromium_browser, book_url):
    # A page with code cells, hence a launch menu (the landing page has none).
    page_with_menu = "chapters/jacobian"
    assert page_with_menu in PAGES
    context, _ = open_context(chromium_browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(f"{book_url}/{page_with_menu}.html", wait_until="load")
        switch = page.locator(".theme-switch-button").first
        switch.focus()
        # The switch cycles light -> auto (the system's, light here) -> dark.
        modes = []
        for _ in range(3):
            before = page.evaluate("document.documentElement.dataset.mode")
            page.keyboard.press("Enter")
            # Pressed: the mode changes and the book's script gives focus back
            # to the switch (in a task of its own). The assertions say which
            # did not happen if either never does.
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function(SWITCHED_AND_FOCUSED_JS, arg=before, timeout=5000)
            modes.append(page.evaluate("[document.documentElement.dataset.mode,"
                                       " document.documentElement.dataset.theme]"))
            kept = page.evaluate(
                "document.activeElement.classList.contains('theme-switch-button')"
            )
            assert kept, "the colour-mode switch lost focus when pressed with Enter"
        menu = page.locator(".dropdown-launch-buttons button.dropdown-toggle")
        assert menu.count() == 1, f"{page_with_menu} has no launch menu"
        menu.focus()
        page.keyboard.press("Enter")
        # Bootstrap marks the toggle expanded when the menu opens.
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(LAUNCH_MENU_OPEN_JS, timeout=5000)
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
    assert launch_items, "Enter on the launch menu's toggle showed no item"
    assert focused, "ArrowDown in the open launch menu did not move focus into it"
    assert any("Binder" in t for t in launch_items), launch_items


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_sliders_move_from_the_keyboard(page_view, docname):
    # Moved during the page's desktop light load (browser_book.view_page).
    moved = page_view(docname, "desktop", "light").sliders
    if docname in WITH_SLIDERS:
        assert moved, f"{docname} shows no slider (WITH_SLIDERS)"
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


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_page_weight_is_within_budget(site, docname):
    html_bytes, images = _page_weight(site, docname)
    total = html_bytes + sum(images.values())
    print(f"{docname}: {total / 1e3:.0f} kB = HTML {html_bytes / 1e3:.0f} kB + "
          f"{len(images)} images {sum(images.values()) / 1e3:.0f} kB")
    assert total <= PAGE_BUDGET_BYTES, f"{docname} weighs {total / 1e6:.2f} MB"
    heavy = {name: size for name, size in images.items() if size > FIGURE_BUDGET_BYTES}
    assert heavy == {}, f"{docname}: figures over {FIGURE_BUDGET_BYTES / 1e3:.0f} kB: {heavy}"
