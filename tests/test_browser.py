"""The website in a real browser: every page of the toc, offline, in Chromium.

The built HTML is served on 127.0.0.1 and every request to another host is
blocked and recorded, so a page that works here works for a reader with no
network (a classroom on a bad connection, an archived copy). For each page we
check what a reader would see: typeset equations and no raw TeX, no JavaScript
errors, alt text on every image, the Binder and Live Code launch buttons where
the page has code. The live explorer of "The Jacobian in pictures" is driven
in tests/test_explorer_browser.py.
Each page is loaded once per width (desktop, phone) and colour mode (light,
dark) for the whole session, and tests/test_a11y.py reads the same loads
(``page_view`` in conftest.py). Full-page screenshots of each land in
_build/screenshots/ (next to the html folder) for a person to look at.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright; no
browser is downloaded. Run by hand without Chromium, the browser tests are
skipped; `make test` sets JACOBIAN_REQUIRE_BROWSER=1, where a missing browser
fails (and the Makefile stops first, saying what to install).
During development, JACOBIAN_BOOK_HTML=/path/to/_build/html points the tests
at a book built elsewhere instead of building it into _build/html.
"""

from __future__ import annotations

import contextlib
import json
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
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_book import DESKTOP, MODES, ROOT, VIEWPORTS, open_context, require_chromium

pytestmark = pytest.mark.site_views

# The book's own extensions, for the repository the build resolves.

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


# --------------------------------------------------------------------- tests
# Every page is loaded once per width and colour mode for the whole session
# (the ``page_view`` fixture, browser_book.view_page); tests/test_a11y.py
# reads the same loads.
@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_reading_a_page_reaches_no_other_host(page_view, docname):
    # Launch buttons are links and buttons: they reach out only when clicked.
    for size in VIEWPORTS:
        for mode in MODES:
            view = page_view(docname, size, mode)
            assert view.outside == [], f"{view} tried to reach other hosts: {view.outside}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_no_javascript_errors(page_view, docname):
    for size in VIEWPORTS:
        for mode in MODES:
            view = page_view(docname, size, mode)
            assert view.page_errors == [], f"{view}: {view.page_errors}"
            assert view.console_errors == [], f"{view} logged errors: {view.console_errors}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_equations_are_typeset(page_view, docname):
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
        assert math["typeset"] == math["math"], (
            f"{docname}: {math['math'] - math['typeset']} of {math['math']} equations untypeset"
        )
        assert math["containers"] > 0
        assert math["errors"] == [], f"{docname}: MathJax could not parse {math['errors']}"
        assert math["mangled"] == [], f"{docname}: TeX lost a backslash: {math['mangled']}"
    raw_tex = _found(RAW_TEX, view.prose)
    assert raw_tex == [], f"{docname} shows raw TeX: {raw_tex}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_no_tex_left_in_the_html(site, docname):
    """Every equation of the built page is typeset, with MathML a screen reader speaks.

    Read from the HTML file: what a reader without JavaScript gets too.
    """
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    body = soup.body
    for math in body.select(".math"):
        assert math.find("mjx-container") and math.find("mjx-assistive-mml"), (
            f"{docname}: an equation was not typeset at build time: {str(math)[:200]}")
    for tag in body.select("pre, code, script, style, textarea, .highlight"):
        tag.decompose()
    raw = _found(RAW_TEX, body.get_text(" "))
    assert raw == [], f"{docname}: TeX left in the HTML: {raw}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_no_raw_markdown_in_the_text(page_view, docname):
    raw = _found(RAW_MARKDOWN, page_view(docname, "desktop", "light").prose)
    assert raw == [], f"{docname} shows unrendered markup: {raw}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_every_image_has_alt_text(page_view, docname):
    view = page_view(docname, "desktop", "light")
    assert view.images_without_alt == [], (
        f"{docname}: <img> without alt text: {view.images_without_alt}"
    )


def _expected_binder_link(docname: str) -> str:
    """The Binder link the build promises: JupyterLab, at the page's .md file.

    The repository is resolved from what the session's build was given
    (BOOK_REPOSITORY_URL, else this clone's GitHub origin, else _config.yml;
    _ext/jacobian_book/repository.py), so a fork's CI, whose build names the
    fork, expects the fork.
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
        assert _code_cells(docname) == [] and view.code_cells == 0, (
            f"{docname} has code cells now: take it out of WITHOUT_CODE"
        )
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


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_page_fits_a_phone_screen(page_view, docname):
    # Wide equations and figures must scroll inside their own box, not the page.
    for mode in MODES:
        view = page_view(docname, "phone", mode)
        assert view.overflow_px <= 1, (
            f"{view} is {view.overflow_px}px wider than the screen; see {view.screenshot}"
        )
        # A display equation that scrolls hides its end on a phone, and a
        # reader rarely guesses that it scrolls: split it with `aligned`.
        assert not view.wide_math, f"{view}: equations wider than the column: {view.wide_math}"


@pytest.mark.slow
def test_live_code_reaches_out_only_to_binder_when_clicked(chromium_browser, book_url):
    """Clicking Live Code is the one time a page may reach out: to mybinder.org.

    Thebe itself is served by the book, so the only outside request is the
    Binder build that asks for a kernel; that cannot run here (no network), so
    the test stops at the blocked request.
    """
    with_code = [d for d in PAGES if d not in WITHOUT_CODE]
    assert with_code and _code_cells(with_code[0]), with_code
    context, outside = open_context(chromium_browser, DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{book_url}/{with_code[0]}.html", wait_until="load")
        assert outside == []
        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        # The first request for another host (open_context blocks and notes it).
        with contextlib.suppress(PlaywrightTimeoutError), page.expect_request(
            lambda request: urlsplit(request.url).hostname != "127.0.0.1", timeout=20_000
        ):
            page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        # One round trip to the page: by its answer, the route handler has
        # seen that request too.
        page.evaluate("0")
    finally:
        context.close()
    hosts = {urlsplit(url).hostname for url in outside}
    assert hosts == {"mybinder.org"}, outside
    assert all("/build/gh/" in urlsplit(url).path for url in outside), outside


def _code_cells(docname: str) -> list:
    """The page's code cells, read the way Jupyter reads the .md file."""
    notebook = jupytext.read(source_file(docname))
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


# ------------------------------------------ downloads (static HTML, no browser)
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


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_each_inline_script_appears_once(site, docname):
    # Sphinx 7 writes inline scripts twice (sphinx-doc/sphinx#13402); for
    # sphinx-thebe's `const THEBE_JS_URL` that is a SyntaxError on every page.
    # _ext/jacobian_book/duplicate_scripts.py removes the copies; this shows it still does.
    # Only <head>, where Sphinx puts them: a page's own outputs may legitimately
    # repeat a script (each matplotlib animation carries its player's code).
    soup = BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")
    bodies = [s.string.strip() for s in soup.head.find_all("script", src=False) if s.string]
    repeated = sorted({b[:80] for b in bodies if bodies.count(b) > 1})
    assert repeated == [], f"{docname}: inline scripts written more than once: {repeated}"


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


@pytest.mark.slow
def test_screenshots_are_saved(page_view, screenshots):
    # A person looks at these; make sure there is one per page, width and mode.
    for docname in PAGES:
        for size in VIEWPORTS:
            for mode in MODES:
                shot = page_view(docname, size, mode).screenshot
                assert shot is not None and shot.exists() and shot.stat().st_size > 1000
    print(json.dumps(sorted(p.name for p in screenshots.glob("*.png")), indent=1))
