"""Hover previews (sphinx-tippy, _ext/jacobian_book/tips.py) in Chromium.

For the first equation reference, glossary term and citation of the toc, the
pointer and the keyboard show a tip with the target's content and Escape hides
it, focus kept; at both widths, in both modes, an open tip fits the screen and
axe-core finds no WCAG 2.1 AA violation in it. No request leaves 127.0.0.1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from book_site import toc_pages
from bs4 import BeautifulSoup

from browser_book import DESKTOP, PHONE, RUN_AXE_JS, WCAG_TAGS, open_context

pytestmark = [pytest.mark.slow, pytest.mark.site_views]

#: What each kind of link points at, as an href pattern.
KINDS = {
    "equation": re.compile(r"#equation-"),
    "term": re.compile(r"glossary\.html#term-"),
    "citation": re.compile(r"further_reading\.html#id\d+$"),
}
#: axe-core's context: the open tip only (tests/test_a11y.py checks the rest of each page).
TIP = {"include": [["[data-tippy-root]"]]}
#: The tip is fully shown: tippy's fade-in has ended.
TIP_SHOWN_JS = """
() => [...document.querySelectorAll(".tippy-box[data-state=visible]")]
        .some((box) => getComputedStyle(box).opacity === "1")
"""


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _target(site: Path, docname: str, href: str):
    """The element a link points at, in the built HTML."""
    page, _, anchor = href.partition("#")
    folder = (site / docname).parent
    path = (folder / page).resolve() if page else site / f"{docname}.html"
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return soup.find(id=anchor)


@pytest.fixture(scope="module")
def links(site: Path) -> dict[str, tuple[str, str, str]]:
    """kind -> (docname, href, expected text of the tip) for the first such link."""
    found = {}
    for docname in toc_pages():
        soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"),
                             "html.parser")
        for a in soup.select("article.bd-article a.reference.internal[href]"):
            for kind, pattern in KINDS.items():
                if kind not in found and pattern.search(a["href"]):
                    target = _target(site, docname, a["href"])
                    if kind == "term":  # the definition that follows the term
                        text = target.find_next_sibling("dd").find("p")
                    elif kind == "citation":
                        text = target.find("p")
                    if kind == "equation":
                        text = ""  # typeset: checked as math, not as text
                    else:  # the prose, without the TeX the tip shows typeset
                        for math in text.select(".math"):
                            math.decompose()
                        text = text.get_text(" ")
                    found[kind] = (docname, a["href"], _words(text)[:60])
    assert set(found) == set(KINDS), f"no link of kind {set(KINDS) - set(found)} on any page"
    return found


def _open(chromium_browser, book_url: str, docname: str, viewport: dict, mode: str):
    context, outside = open_context(chromium_browser, viewport, mode)
    page = context.new_page()
    page.goto(f"{book_url}/{docname}.html", wait_until="load")
    return context, outside, page


def _check_tip(page, kind: str, expected: str) -> None:
    page.wait_for_function(TIP_SHOWN_JS)
    box = page.locator(".tippy-box[data-state=visible]")
    if kind == "equation":
        # Typeset in the tip, with no TeX left over.
        page.wait_for_function(
            "() => document.querySelector('.tippy-box[data-state=visible] mjx-container')")
        assert not re.search(r"\\[(\[]|\\begin", box.inner_text())
    else:
        prose = box.evaluate("""(box) => { const copy = box.cloneNode(true);
            copy.querySelectorAll("mjx-container").forEach((el) => el.remove());
            return copy.textContent; }""")
        assert expected in _words(prose), f"{kind}: tip lacks {expected!r}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_pointer_and_keyboard_show_the_target_and_escape_hides_it(
    chromium_browser, book_url, links, kind
):
    docname, href, expected = links[kind]
    context, outside, page = _open(chromium_browser, book_url, docname, DESKTOP, "light")
    try:
        link = page.locator(f'article a.reference.internal[href="{href}"]').first
        page.wait_for_function("(el) => el._tippy !== undefined", arg=link.element_handle())
        link.hover()
        _check_tip(page, kind, expected)
        page.keyboard.press("Escape")
        page.wait_for_selector(".tippy-box", state="detached")

        page.mouse.move(0, 0)
        link.focus()
        _check_tip(page, kind, expected)
        # The tip describes the link to a screen reader.
        tip_id = link.get_attribute("aria-describedby")
        assert tip_id and page.locator(f"#{tip_id} .tippy-content").count() == 1
        page.keyboard.press("Escape")
        page.wait_for_selector(".tippy-box", state="detached")
        assert page.evaluate("(el) => document.activeElement === el", link.element_handle())
        assert outside == [], f"requests to other hosts: {outside}"
    finally:
        context.close()


@pytest.mark.parametrize(("size", "mode"), [("desktop", "light"), ("desktop", "dark"),
                                            ("phone", "light"), ("phone", "dark")])
def test_open_tips_pass_axe_and_fit_the_screen(
    chromium_browser, book_url, links, axe_source, screenshots, size, mode
):
    viewport = PHONE if size == "phone" else DESKTOP
    by_page: dict[str, list[str]] = {}
    for kind in ("equation", "term"):
        by_page.setdefault(links[kind][0], []).append(kind)
    for docname, kinds in by_page.items():
        context, _, page = _open(chromium_browser, book_url, docname, viewport, mode)
        try:
            page.add_script_tag(content=axe_source)
            for kind in kinds:
                link = page.locator(f'article a.reference.internal[href="{links[kind][1]}"]').first
                page.wait_for_function("(el) => el._tippy !== undefined", arg=link.element_handle())
                link.focus()
                _check_tip(page, kind, links[kind][2])
                page.screenshot(path=screenshots / f"tip-{kind}-{size}-{mode}.png")
                box = page.locator(".tippy-box[data-state=visible]").bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
                violations = page.evaluate(RUN_AXE_JS, [TIP, WCAG_TAGS])
                assert violations == [], f"{kind} tip, {size} {mode}: {violations}"
                page.keyboard.press("Escape")
                page.wait_for_selector(".tippy-box", state="detached")
        finally:
            context.close()
