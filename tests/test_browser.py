"""The website in Chromium, offline: every page of the toc at two widths, in two colour modes.

Each page is loaded once per width and mode for the session (``page_view`` in
conftest.py), with requests to other hosts blocked and noted; tests/test_a11y.py
reads the same loads. JACOBIAN_BOOK_HTML=/path/to/_build/html tests a book built
elsewhere. The live explorer is driven in tests/test_explorer_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jupytext
import nbformat
import pytest
from book_site import source_file, toc_pages
from bs4 import BeautifulSoup
from test_a11y import PAGE_WITH_MENU, WITH_FIGURES, WITH_SLIDERS

from browser_book import PHONE_DARK, all_views, require_chromium

pytestmark = pytest.mark.site_views

PAGES = toc_pages()

#: The toc pages without a code cell; every other page must have code cells,
#: and with them the Binder and Live Code buttons. A page that loses its code,
#: or a listed page that gains some, fails until this list says so.
WITHOUT_CODE = frozenset({"intro", "chapters/glossary", "chapters/further_reading"})
#: The toc pages that are not notebooks (no kernelspec); every other page must
#: offer its .md and its executed .ipynb for download.
NOT_NOTEBOOKS = frozenset({"intro"})
#: The toc pages that may show no equation; every other page must show some.
WITHOUT_EQUATIONS = frozenset({"chapters/further_reading"})

#: Raw TeX in the text means it was not typeset: a control
#: sequence, a display delimiter, or an inline $...$ that survived.
RAW_TEX = re.compile(r"\\[A-Za-z]+|\\[(\[]|\$\$|\$[^$\s][^$\n]{0,200}?\$")

#: Markdown that reached the reader unrendered: a table's separator row (its
#: dashes possibly turned into em dashes), a code fence, bold markers, or a
#: MyST role such as {glue:text} that was not resolved.
RAW_MARKDOWN = re.compile(
    r"\|\s*[-\u2013\u2014:]+\s*\|\s*[-\u2013\u2014:]+"  # |---|---, dashes maybe en/em
    r"|```|\*\*\w|\{(?:glue|eq|ref|doc|math)[:}]"
)


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_every_view_is_offline_without_errors_in_its_mode_and_fits_a_phone(page_view, docname):
    problems = []
    for view in all_views(page_view, docname):
        # Launch buttons are links and buttons: they reach out only when clicked.
        if view.outside:
            problems.append(f"{view} reached other hosts: {view.outside}")
        if view.errors:
            problems.append(f"{view}: errors {view.errors}")
        # The theme resolved the mode and painted it (screenshot's mean luminance).
        lit = view.luminance > 0.6 if view.mode == "light" else view.luminance < 0.4
        if view.theme != view.mode or not lit:
            problems.append(f"{view}: theme {view.theme}, luminance {view.luminance:.2f}")
        if view.size == "phone" and (view.overflow_px > 1 or view.wide_math):
            # A display equation that scrolls hides its end on a phone, and a
            # reader rarely guesses that it scrolls: split it with `aligned`.
            problems.append(f"{view} is {view.overflow_px}px wider than the screen, "
                            f"equations wider than the column: {view.wide_math}")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_equations_are_typeset_and_speakable_and_images_have_alt_text(page_view, docname):
    view = page_view(docname, "desktop", "light")
    math = view.math
    assert view.math_access or docname in WITHOUT_EQUATIONS, f"{docname} shows no equation"
    if math["math"]:
        # Typeset at build time (_ext/jacobian_book/prerender_math.py, whose TeX
        # errors and lost backslashes fail the build): the page loads no math engine.
        # A build without Node.js leaves TeX in the HTML, which the next test reports.
        assert (math["prerendered"] or "").startswith("mathjax-full@3."), math
        mathjax = [s for s in view.scripts if "/mathjax/" in s]
        assert mathjax == [], f"{docname} loads MathJax: {mathjax}"
        assert math["typeset"] == math["math"], math
    # Each equation has a form a screen reader speaks, and its glyphs are hidden from it.
    silent = [m["tex"] for m in view.math_access if not (m["mathml"] and m["hidden_visual"])]
    assert silent == [], f"{docname}: equations without assistive MathML: {silent[:5]}"
    assert view.images_without_alt == [], f"{docname}: <img> without alt text"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_the_html_file_holds_no_raw_tex_or_markdown_and_each_inline_script_once(site, docname):
    """Outside code, all text, shown or hidden (equations typeset at build time: above)."""
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    # Sphinx 7 writes inline scripts twice (sphinx-doc/sphinx#13402), a SyntaxError
    # for sphinx-thebe's `const THEBE_JS_URL`; _ext/jacobian_book/duplicate_scripts.py
    # removes the copies. Only <head>: a page's outputs may repeat a script.
    bodies = [s.string.strip() for s in soup.head.find_all("script", src=False) if s.string]
    repeated = sorted({b[:80] for b in bodies if bodies.count(b) > 1})
    assert repeated == [], f"{docname}: inline scripts written more than once: {repeated}"
    body = soup.body
    for tag in body.select("pre, code, script, style, textarea, .highlight"):
        tag.decompose()
    text = body.get_text(" ")
    raw = [text[max(0, m.start() - 30): m.end() + 30]  # each match, 30 characters either side
           for pattern in (RAW_TEX, RAW_MARKDOWN) for m in pattern.finditer(text)]
    assert raw == [], f"{docname}: raw TeX or unrendered markup in the HTML: {raw}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_launch_buttons_where_the_page_has_code(page_view, docname):
    view = page_view(docname, "desktop", "light")
    if docname in WITHOUT_CODE:
        assert _code_cells(docname) == [] and view.code_cells == 0, f"{docname}: WITHOUT_CODE?"
        return
    assert _code_cells(docname), f"{docname} has no code cell (list it in WITHOUT_CODE?)"
    assert view.code_cells > 0, f"{docname}: the website shows none of its code cells"
    # JupyterLab at the page's .md; which repository (a fork's), hub and branch:
    # tests/test_repository.py, on a build with the real _config.yml.
    binder = rf"https://mybinder\.org/v2/gh/[^/]+/[^/]+/main\?urlpath=lab/tree/{docname}\.md"
    assert len(view.binder_links) == 1, view.binder_links
    assert re.fullmatch(binder, view.binder_links[0]), view.binder_links
    # What it needs, settings and script: tests/test_live_code.py, on every page.
    assert view.thebe_buttons == 1, f"{docname}: no Live Code (Thebe) button"


def _code_cells(docname: str) -> list:
    """The page's code cells, read the way Jupyter reads the .md file."""
    return [c for c in jupytext.read(source_file(docname)).cells if c.cell_type == "code"]


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_download_offers_md_and_executed_ipynb(site, docname):
    source = source_file(docname)
    text = source.read_text(encoding="utf-8")
    html_path = site / f"{docname}.html"
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    if docname in NOT_NOTEBOOKS:
        # A page may name its kernel for JupyterLab (jupytext's `jupyter:` key)
        # and still be plain MyST for the book: only format_name myst makes
        # it a notebook that myst-nb executes and offers as .ipynb.
        assert "format_name: myst" not in text, f"{docname} is a notebook now: update NOT_NOTEBOOKS"
        assert soup.select("a.btn-download-notebook-button") == []
        return
    page_url = f"http://book/{docname}.html"

    def target(css: str, suffix: str) -> Path:
        links = soup.select(css)
        assert len(links) == 1, f"{docname}: expected one {css}, found {len(links)}"
        path = site / urlsplit(urljoin(page_url, links[0]["href"])).path.lstrip("/")
        assert path.suffix == suffix, path
        return path

    md = target("a.btn-download-source-button", ".md")
    # The reader downloads the very file that Jupyter and Binder open.
    assert md.read_text(encoding="utf-8") == text, f"{md} differs from {source}: older build?"
    ipynb = target("a.btn-download-notebook-button", ".ipynb")
    notebook = nbformat.reads(ipynb.read_text(encoding="utf-8"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) == len(_code_cells(docname)), "the .ipynb lost or gained code cells"
    # Executed: every output the website shows is in the notebook too.
    shown = len(soup.select("div.cell_output"))
    assert sum(1 for c in code if c.outputs) >= shown, f"{docname}.ipynb: fewer outputs"
    # Cells tagged skip-execution (the live sliders) are meant to run only in Jupyter.
    unrun = [i for i, c in enumerate(code) if not c.get("execution_count")
             and "skip-execution" not in c.metadata.get("tags", [])]
    assert unrun == [], f"{docname}.ipynb: code cells {unrun} were not executed"


def test_the_lists_of_pages_name_pages_of_the_toc():
    for listed in (WITHOUT_CODE, NOT_NOTEBOOKS, WITHOUT_EQUATIONS, set(PHONE_DARK),
                   WITH_FIGURES, WITH_SLIDERS, {PAGE_WITH_MENU}):  # the last three: test_a11y
        assert listed and listed <= set(PAGES), listed - set(PAGES)
    assert set(PAGES) - WITHOUT_CODE, "no page has code"


def test_missing_chromium_skips_here_but_fails_in_ci():
    # No browser: a developer's run skips, saying how to enable the tests...
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(find=lambda: None, environ={})
    # ... but CI (JACOBIAN_REQUIRE_BROWSER=1) must not pass by skipping.
    with pytest.raises(pytest.fail.Exception, match="JACOBIAN_REQUIRE_BROWSER"):
        require_chromium(find=lambda: None, environ={"JACOBIAN_REQUIRE_BROWSER": "1"})
    assert require_chromium(find=lambda: "/x/chromium", environ={}) == "/x/chromium"
