"""Every reader: each page of the toc checked for accessibility in Chromium, offline.

At desktop and phone width, in light and dark mode (the loads of ``page_view``,
shared with tests/test_browser.py, which checks the assistive MathML): axe-core's
WCAG 2.0/2.1 A and AA rules find nothing serious or critical; figure text renders
at 11 CSS px or more; the keyboard reaches every control with a visible ring,
switches the colour mode, opens the launch menu and moves sliders.
"""

from __future__ import annotations

import base64
import contextlib
import io
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_site import toc_pages
from bs4 import BeautifulSoup
from PIL import Image, PngImagePlugin
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_book import (
    BLOCKING,
    COLOUR_RULES,
    MODES,
    RUN_AXE_JS,
    VIEWPORTS,
    WCAG_TAGS,
    all_views,
    book_page,
)
from style import MIN_TEXT_KEY

pytestmark = pytest.mark.site_views

PAGES = toc_pages()

#: Pages that must show a matplotlib figure at each width, and sliders; unlisted
#: pages are checked all the same.
WITH_FIGURES = frozenset({
    "chapters/tanh_jacobian", "chapters/interactive", "chapters/implementation",
    "chapters/floating_point", "chapters/gauss_newton", "chapters/benchmarks",
})
WITH_SLIDERS = frozenset({"chapters/interactive"})
#: A page with code cells, hence a launch menu (the landing page has none).
PAGE_WITH_MENU = "chapters/jacobian"

#: The smallest text a figure may show, in CSS px, at any width.
MIN_FIGURE_TEXT_PX = 11.0

#: Weight budget of one page: its HTML plus its images (theme files are shared and cached).
PAGE_BUDGET_BYTES = 1_000_000
FIGURE_BUDGET_BYTES = 250_000


# ----------------------------------------------------------------- axe-core
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page_view, docname):
    blocking = []
    # Its mode and offline: test_every_view_is_offline_without_errors_in_its_mode...
    for view in all_views(page_view, docname):
        for v in view.violations:
            line = f"{view}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}"
            if v["impact"] in BLOCKING:
                nodes = "\n      ".join(f"{n['target']}  {n['summary']}" for n in v["nodes"])
                blocking.append(f"{line}\n      {nodes}")
            else:
                print("axe, not blocking:", line)
    assert blocking == [], "\n".join(blocking)


#: A paragraph with an equation, given a grey-on-white word (contrast 1.6:1).
LOW_CONTRAST_JS = """() => {
  [...document.querySelectorAll(".bd-content p")].find((p) => p.querySelector("mjx-container"))
    .insertAdjacentHTML("beforeend",
                        '<span id="faint-word" style="color:#ccc;background:#fff">faint</span>');
  document.querySelector(".bd-content")
    .insertAdjacentHTML("beforeend", "<input type=range id=unlabelled-slider>");
}"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_axe_catches_a_violation(chromium_browser, book_url, axe_source, mode):
    """As each mode's audit runs: a faint word among equations; in light, an unlabelled slider."""
    with book_page(chromium_browser, f"{book_url}/chapters/jacobian.html",
                   mode=mode) as (page, _, _):
        page.evaluate(LOW_CONTRAST_JS)
        page.add_script_tag(content=axe_source)
        rules = None if mode == "light" else COLOUR_RULES
        found = {v["id"]: v for v in page.evaluate(RUN_AXE_JS, [None, WCAG_TAGS, rules])}
        # Dark mode runs only the colour rules: a new one in axe must join them.
        colour = page.evaluate("(tags) => axe.getRules(tags)"
                               ".filter((r) => r.tags.includes('cat.color')).map((r) => r.ruleId)",
                               WCAG_TAGS)
    assert sorted(colour) == sorted(COLOUR_RULES), colour
    expected = {"color-contrast": "faint-word"} | (
        {"label": "unlabelled-slider"} if mode == "light" else {})
    for rule, target in expected.items():
        assert found.get(rule, {}).get("impact") in BLOCKING, (rule, found)
        assert any(target in n["target"] for n in found[rule]["nodes"]), found[rule]


# ------------------------------------------------------------------- figures
def _figure_text(image: dict, site: Path) -> dict | None:
    """Rendered size, in CSS px, of the smallest text of a matplotlib PNG; None if not one.

    code/style.py records that text's size in image pixels under MIN_TEXT_KEY; the
    browser scales it by rendered / natural width, whatever the dpi, crop or CSS.
    """
    # A data: URI or a file of the built site.
    header, _, data = image["src"].partition(",")
    if header.startswith("data:"):
        data = base64.b64decode(data) if header.endswith(";base64") else unquote(data).encode()
    else:
        data = (site / unquote(urlsplit(image["src"]).path).lstrip("/")).read_bytes()
    if not data.startswith(b"\x89PNG"):
        return None
    with Image.open(io.BytesIO(data)) as png:
        text, natural = dict(png.text), png.width
    if not text.get("Software", "").startswith("Matplotlib"):
        return None
    found = {"id": image["id"], "natural": natural, "rendered": round(image["rendered"], 1),
             "bytes": len(data)}
    if MIN_TEXT_KEY not in text:
        return found | {"error": f"a matplotlib PNG without {MIN_TEXT_KEY!r}: display it "
                                 "through style.use_book_style() (or style.figure_png)"}
    found["min_text_px"] = float(text[MIN_TEXT_KEY])
    return found | {"text_css_px": round(found["min_text_px"] * image["rendered"] / natural, 2)}


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
    small = [f"{w}px: {f}" for w, f in measured if f["text_css_px"] < MIN_FIGURE_TEXT_PX]
    assert small == [], f"figure text under {MIN_FIGURE_TEXT_PX} px:\n" + "\n".join(small)


def _matplotlib_png(**text: str) -> str:
    info = PngImagePlugin.PngInfo()
    for key, value in {"Software": "Matplotlib version3.x", **text}.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", (400, 100), "white").save(buffer, format="PNG", pnginfo=info)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_figure_text_check_catches_small_text(tmp_path):
    """20 image px of text shown at half width is 10 px; without the record, an error."""
    src = _matplotlib_png(**{MIN_TEXT_KEY: "20.00"})
    figure = _figure_text({"src": src, "rendered": 200.0, "id": "probe"}, tmp_path)
    assert figure["text_css_px"] == 10.0 < MIN_FIGURE_TEXT_PX
    bare = {"src": _matplotlib_png(), "rendered": 400.0, "id": "bare"}
    assert "error" in _figure_text(bare, tmp_path)


# ------------------------------------------------------------------ keyboard
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_the_keyboard_reaches_every_control_with_a_visible_ring_and_moves_sliders(
        page_view, docname):
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
    # Moved during the desktop light load (browser_book.view_page).
    moved = page_view(docname, "desktop", "light").sliders
    if docname in WITH_SLIDERS and not moved:
        problems.append(f"{docname} shows no slider (WITH_SLIDERS)")
    stuck = [m for m in moved if m[1] == m[2]]
    if stuck:
        problems.append(f"{docname}: sliders that End/ArrowLeft did not move: {stuck}")
    assert problems == [], "\n".join(problems)


#: The colour mode is no longer ``before`` and the switch has focus again.
SWITCHED_AND_FOCUSED_JS = """(before) => document.documentElement.dataset.mode !== before
  && document.activeElement?.classList.contains("theme-switch-button")"""


@pytest.mark.slow
def test_the_keyboard_operates_the_theme_switch_and_the_launch_menu(chromium_browser, book_url):
    """Enter cycles the colour mode keeping focus; Enter and ArrowDown open the launch menu.

    Clicking its Live Code then reaches out once, to mybinder.org (Thebe is the book's).
    """
    with book_page(chromium_browser, f"{book_url}/{PAGE_WITH_MENU}.html") as (page, outside, _):
        page.locator(".theme-switch-button").first.focus()
        # The switch cycles light -> auto (the system's, light here) -> dark.
        modes = []
        for _ in range(3):
            before = page.evaluate("document.documentElement.dataset.mode")
            page.keyboard.press("Enter")
            # The mode changes and the book's script gives focus back to the
            # switch; the assertions say which did not happen.
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function(SWITCHED_AND_FOCUSED_JS, arg=before, timeout=5000)
            modes.append(page.evaluate(
                "[document.documentElement.dataset.mode, document.documentElement.dataset.theme,"
                " document.activeElement.classList.contains('theme-switch-button')]"))
        menu = page.locator(".dropdown-launch-buttons button.dropdown-toggle")
        assert menu.count() == 1, f"{PAGE_WITH_MENU} has no launch menu"
        menu.focus()
        page.keyboard.press("Enter")
        with contextlib.suppress(PlaywrightTimeoutError):  # the menu opens
            menu.and_(page.locator("[aria-expanded=true]")).wait_for(timeout=5000)
        page.keyboard.press("ArrowDown")
        launch_items = page.locator(
            ".dropdown-launch-buttons .dropdown-item:visible").all_inner_texts()
        focused = page.locator(".dropdown-launch-buttons .dropdown-menu :focus").count() > 0
        assert outside == []
        # The first request for another host (open_context blocks and notes it),
        # then one round trip, by which the route handler has seen it too.
        with contextlib.suppress(PlaywrightTimeoutError), page.expect_request(
            lambda request: urlsplit(request.url).hostname != "127.0.0.1", timeout=20_000
        ):
            page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        page.evaluate("0")
    assert all(kept for *_, kept in modes), f"the switch lost focus when pressed: {modes}"
    assert modes[0][0] != "light", f"Enter on the colour-mode switch did nothing: {modes}"
    assert ["dark", "dark"] in [m[:2] for m in modes], f"Enter never reached dark mode: {modes}"
    assert focused, "ArrowDown in the open launch menu did not move focus into it"
    assert any("Binder" in t for t in launch_items), launch_items
    assert {urlsplit(url).hostname for url in outside} == {"mybinder.org"}, outside
    assert all("/build/gh/" in urlsplit(url).path for url in outside), outside


#: Per solution: (folded, how many parts of its body have a box, its equations' height).
SOLUTIONS_JS = """() => [...document.querySelectorAll("div.solution")].map((s) => [
  s.classList.contains("toggle-hidden"),
  [...s.querySelectorAll(".admonition-title ~ *")].filter((el) => el.getClientRects().length)
    .length,
  Math.min(...[...s.querySelectorAll("mjx-container")].map((m) => m.offsetHeight))])"""


@pytest.mark.slow
def test_a_folded_solution_is_not_laid_out_and_enter_on_its_button_shows_it(
        chromium_browser, book_url):
    """custom.css skips the folded bodies' layout (the exercise page's first paint)."""
    with book_page(chromium_browser, f"{book_url}/chapters/exercises.html") as (page, _, errors):
        folded = page.evaluate(SOLUTIONS_JS)
        page.locator("div.solution button.toggle-button").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => !document.querySelector('div.solution')"
                               ".classList.contains('toggle-hidden')", timeout=5000)
        opened = page.evaluate(SOLUTIONS_JS)
    assert folded and all(f == [True, 0, 0] for f in folded), folded
    assert opened[0][0] is False and opened[0][1] > 0 and opened[0][2] > 0, opened[0]
    assert opened[1:] == folded[1:] and errors == []


# -------------------------------------------------------------- page weight
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_page_weight_is_within_budget(site, docname):
    """Its HTML (data: images included) and each image file it shows."""
    html = site / f"{docname}.html"
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    files = {(html.parent / unquote(urlsplit(img["src"]).path)).resolve()
             for img in soup.select("main img[src], article img[src], .bd-content img[src]")
             if not img["src"].startswith("data:")}
    images = {path.name: path.stat().st_size for path in files if path.exists()}
    total = html.stat().st_size + sum(images.values())
    print(f"{docname}: {total / 1e3:.0f} kB, {len(images)} images "
          f"{sum(images.values()) / 1e3:.0f} kB")
    assert total <= PAGE_BUDGET_BYTES, f"{docname} weighs {total / 1e6:.2f} MB"
    heavy = {name: size for name, size in images.items() if size > FIGURE_BUDGET_BYTES}
    assert heavy == {}, f"{docname}: figures over {FIGURE_BUDGET_BYTES / 1e3:.0f} kB: {heavy}"
