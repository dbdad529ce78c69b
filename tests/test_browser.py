"""The website in Chromium, offline: every page of the toc at two widths, in two colour modes.

Each page is loaded once per width and mode for the session (``page_view`` in
conftest.py), with requests to other hosts blocked and noted; tests/test_a11y.py
reads the same loads. JACOBIAN_BOOK_HTML=/path/to/_build/html tests a book built
elsewhere. The live explorer is driven in tests/test_explorer_browser.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jupytext
import nbformat
import pytest
import yaml
from book_site import source_file, toc_pages
from bs4 import BeautifulSoup

from browser_book import ROOT, all_views, require_chromium

pytestmark = pytest.mark.site_views

PAGES = toc_pages()

#: The toc pages without a code cell; every other page must have code cells,
#: and with them the Binder and Live Code buttons. A page that loses its code,
#: or a listed page that gains some, fails until this list says so.
WITHOUT_CODE = frozenset({"intro", "chapters/glossary", "chapters/further_reading"})
#: The toc pages that are not notebooks (no kernelspec); every other page must
#: offer its .md and its executed .ipynb for download.
NOT_NOTEBOOKS = frozenset({"intro"})

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


def _found(pattern: re.Pattern, text: str) -> list[str]:
    """Each match of ``pattern`` in ``text`` with 30 characters either side."""
    return [text[max(0, m.start() - 30): m.end() + 30] for m in pattern.finditer(text)]


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_every_view_is_offline_without_errors_in_its_mode_and_fits_a_phone(page_view, docname):
    """No other host, no JavaScript error, the mode painted; on a phone, nothing too wide."""
    problems = []
    for view in all_views(page_view, docname):
        # Launch buttons are links and buttons: they reach out only when clicked.
        if view.outside:
            problems.append(f"{view} reached other hosts: {view.outside}")
        if view.page_errors or view.console_errors:
            problems.append(f"{view}: errors {view.page_errors + view.console_errors}")
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
def test_equations_are_typeset_and_no_raw_tex_or_markdown_shows(page_view, docname):
    view = page_view(docname, "desktop", "light")
    math = view.math
    if math["math"]:
        if math["prerendered"]:
            # Typeset at build time: the page loads no math engine.
            assert math["prerendered"].startswith("mathjax-full@3."), math
            mathjax = [s for s in view.scripts_at_load if "/mathjax/" in s]
            assert mathjax == [], f"{docname} loads MathJax at page load: {mathjax}"
        else:
            # A build without Node.js; `make test` requires the prerendered math.
            assert os.environ.get("JACOBIAN_REQUIRE_LIVE_CODE") != "1", (
                f"{docname}: math typeset in the browser, not at build time")
            assert view.mathjax_loaded, f"{docname} has math but MathJax never started"
            assert math["version"] and math["version"].startswith("3."), math
        assert math["typeset"] == math["math"] and math["containers"] > 0, math
        assert math["errors"] == [], f"{docname}: MathJax could not parse {math['errors']}"
        assert math["mangled"] == [], f"{docname}: TeX lost a backslash: {math['mangled']}"
    raw = _found(RAW_TEX, view.prose) + _found(RAW_MARKDOWN, view.prose)
    assert raw == [], f"{docname} shows raw TeX or unrendered markup: {raw}"
    assert view.images_without_alt == [], f"{docname}: <img> without alt text"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_the_html_file_holds_typeset_math_and_each_inline_script_once(site, docname):
    """What a reader without JavaScript gets: every equation typeset, with MathML."""
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    # Sphinx 7 writes inline scripts twice (sphinx-doc/sphinx#13402), a SyntaxError
    # for sphinx-thebe's `const THEBE_JS_URL`; _ext/jacobian_book/duplicate_scripts.py
    # removes the copies. Only <head>: a page's outputs may repeat a script.
    bodies = [s.string.strip() for s in soup.head.find_all("script", src=False) if s.string]
    repeated = sorted({b[:80] for b in bodies if bodies.count(b) > 1})
    assert repeated == [], f"{docname}: inline scripts written more than once: {repeated}"
    body = soup.body
    for math in body.select(".math"):
        assert math.find("mjx-container") and math.find("mjx-assistive-mml"), (
            f"{docname}: an equation was not typeset at build time: {str(math)[:200]}")
    for tag in body.select("pre, code, script, style, textarea, .highlight"):
        tag.decompose()
    raw = _found(RAW_TEX, body.get_text(" "))
    assert raw == [], f"{docname}: TeX left in the HTML: {raw}"


def _expected_binder_link(docname: str) -> str:
    """The Binder link the build promises: JupyterLab at the page's .md, in the resolved repo.

    _ext/jacobian_book/repository.py resolves it as the build did, so a fork's CI expects the fork.
    """
    from jacobian_book.repository import git_origin, resolve_repository

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    url, _ = resolve_repository(os.environ, lambda: git_origin(ROOT), repo["url"])
    org, name = urlsplit(url).path.strip("/").split("/")[:2]
    hub = config["launch_buttons"]["binderhub_url"].rstrip("/")
    prefix = (repo.get("path_to_book") or "").strip("/")
    path = f"{prefix}/{docname}.md" if prefix else f"{docname}.md"
    return f"{hub}/v2/gh/{org}/{name}/{repo['branch']}?urlpath=lab/tree/{path}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_launch_buttons_where_the_page_has_code(page_view, site, docname):
    view = page_view(docname, "desktop", "light")
    if docname in WITHOUT_CODE:
        assert _code_cells(docname) == [] and view.code_cells == 0, f"{docname}: WITHOUT_CODE?"
        return
    assert _code_cells(docname), f"{docname} has no code cell (list it in WITHOUT_CODE?)"
    assert view.code_cells > 0, f"{docname}: the website shows none of its code cells"
    assert view.binder_links == [_expected_binder_link(docname)]
    assert view.thebe_buttons == 1, f"{docname}: no Live Code (Thebe) button"
    # What the button needs (_ext/jacobian_book/live_code.py): the page's Live Code
    # settings and the script that reads them. This is the build CI publishes.
    html = (site / f"{docname}.html").read_text(encoding="utf-8")
    assert 'id="jacobian-live-code"' in html, f"{docname}: no Live Code settings"
    assert "live-code.js" in html, f"{docname}: no live-code.js"


def _code_cells(docname: str) -> list:
    """The page's code cells, read the way Jupyter reads the .md file."""
    notebook = jupytext.read(source_file(docname))
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


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
    assert "format_name: myst" in text, f"{docname} is not a MyST notebook (format_name)"
    page_url = f"http://book/{docname}.html"

    def target(css: str) -> Path:
        links = soup.select(css)
        assert len(links) == 1, f"{docname}: expected one {css}, found {len(links)}"
        url = urljoin(page_url, links[0]["href"])
        return site / urlsplit(url).path.lstrip("/")

    md = target("a.btn-download-source-button")
    assert md.suffix == ".md"
    # The reader downloads the very file that Jupyter and Binder open.
    assert md.read_text(encoding="utf-8") == text, f"{md} differs from {source}: older build?"

    ipynb = target("a.btn-download-notebook-button")
    assert ipynb.suffix == ".ipynb"
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
    assert WITHOUT_CODE <= set(PAGES), WITHOUT_CODE - set(PAGES)
    assert NOT_NOTEBOOKS <= set(PAGES), NOT_NOTEBOOKS - set(PAGES)
    assert set(PAGES) - WITHOUT_CODE, "no page has code"


def test_missing_chromium_skips_here_but_fails_in_ci():
    # No browser: a developer's run skips, saying how to enable the tests...
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(find=lambda: None, environ={})
    # ... but CI (JACOBIAN_REQUIRE_BROWSER=1) must not pass by skipping.
    with pytest.raises(pytest.fail.Exception, match="JACOBIAN_REQUIRE_BROWSER"):
        require_chromium(find=lambda: None, environ={"JACOBIAN_REQUIRE_BROWSER": "1"})
    assert require_chromium(find=lambda: "/x/chromium", environ={}) == "/x/chromium"
