"""Hover previews (sphinx-tippy, _ext/jacobian_book/tips.py) in Chromium.

For the first equation reference, glossary term and citation of the toc, at
both widths in both modes: the pointer and the keyboard show a tip with the
target's content, which fits the screen and in which axe-core finds no WCAG 2.1
AA violation; Escape hides it, focus kept. No request leaves 127.0.0.1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from book_site import toc_pages
from bs4 import BeautifulSoup

from browser_book import MODES, RUN_AXE_JS, VIEWPORTS, WCAG_TAGS, book_page

pytestmark = [pytest.mark.slow, pytest.mark.site_views]

#: What each kind of link points at, as an href pattern.
KINDS = {
    "equation": re.compile(r"#equation-"),
    "term": re.compile(r"glossary\.html#term-"),
    "citation": re.compile(r"further_reading\.html#id\d+$"),
}
#: axe-core's context: the open tip only (tests/test_a11y.py checks the rest of each page).
TIP = {"include": [["[data-tippy-root]"]]}


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def links(site: Path) -> dict[str, tuple[str, str, str]]:
    """kind -> (docname, href, expected text of the tip) for the first such link."""
    found = {}
    for docname in toc_pages():
        path = site / f"{docname}.html"
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for a in soup.select("article.bd-article a.reference.internal[href]"):
            for kind, pattern in KINDS.items():
                if kind not in found and pattern.search(a["href"]):
                    page, _, anchor = a["href"].partition("#")  # the element it points at
                    html = (path.parent / page if page else path).read_text(encoding="utf-8")
                    target = BeautifulSoup(html, "html.parser").find(id=anchor)
                    text = ""  # an equation: typeset, checked as math, not as text
                    if kind != "equation":  # a term's definition follows it
                        text = (target.find_next_sibling("dd") if kind == "term" else target).p
                        for math in text.select(".math"):  # the TeX the tip shows typeset
                            math.decompose()
                        text = text.get_text(" ")
                    found[kind] = (docname, a["href"], _words(text)[:60])
    assert set(found) == set(KINDS), f"no link of kind {set(KINDS) - set(found)} on any page"
    return found


def _check_tip(page, kind: str, expected: str) -> None:
    # Fully shown: tippy's fade-in has ended.
    page.wait_for_function("() => [...document.querySelectorAll('.tippy-box[data-state=visible]')]"
                           ".some((box) => getComputedStyle(box).opacity === '1')")
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


@pytest.mark.parametrize(("size", "mode"), [(size, mode) for size in VIEWPORTS for mode in MODES])
def test_pointer_and_keyboard_show_each_tip_that_fits_passes_axe_and_escape_hides(
    chromium_browser, book_url, links, axe_source, screenshots, size, mode
):
    by_page: dict[str, list[str]] = {}
    for kind, (docname, _, _) in links.items():
        by_page.setdefault(docname, []).append(kind)
    for docname, kinds in by_page.items():
        with book_page(chromium_browser, f"{book_url}/{docname}.html", VIEWPORTS[size],
                       mode) as (page, outside, _):
            page.add_script_tag(content=axe_source)
            for kind in kinds:
                _, href, expected = links[kind]
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
                page.screenshot(path=screenshots / f"tip-{kind}-{size}-{mode}.png")
                box = page.locator(".tippy-box[data-state=visible]").bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[size]["width"], box
                violations = page.evaluate(RUN_AXE_JS, [TIP, WCAG_TAGS])
                assert violations == [], f"{kind} tip, {size} {mode}: {violations}"
                page.keyboard.press("Escape")
                page.wait_for_selector(".tippy-box", state="detached")
                assert page.evaluate("(el) => document.activeElement === el", link.element_handle())
        assert outside == [], f"requests to other hosts: {outside}"
