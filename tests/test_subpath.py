"""The built site where GitHub Pages puts it: under ``https://<owner>.github.io/<repo>/``.

A project site is served from a sub-path, so a link or script written from the
server's root (``/_static/...``) works on ``make preview`` and breaks on
GitHub Pages. Here ``_build/html`` is served at ``http://127.0.0.1:PORT/<repo>/``
(the sub-path of the build's own canonical URL) by a small server that answers
404 to everything outside it. One headless Chromium context opens the landing
page and every page of ``_toc.yml`` once, with every request to another host
blocked, and checks:

* no request is answered with an error (404) and no request leaves 127.0.0.1;
* no console error and no uncaught JavaScript exception;
* every link on the page stays under the sub-path and names a file that exists;
* the canonical link is the page's own address on the same GitHub Pages site;
* the live explorer draws (a Bokeh canvas appears on the page that embeds one);
* search works: the search page lists results for "Jacobian";
* a missing address under the sub-path gets the 404 page (404.html, as GitHub
  Pages serves it), styled, with links that lead to pages of the site.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_site import toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_book import open_context

pytestmark = pytest.mark.slow

PAGES = toc_pages()
#: Sub-path used when the build's canonical URL is a user site (served at "/").
FALLBACK_SUBPATH = "jacobian-chapter"
SEARCH_WORD = "Jacobian"
#: The explorer's BokehJS document exists and has drawn onto a visible canvas.
#: Bokeh renders into shadow roots, so the canvases are looked for there too.
BOKEH_DRAWN_JS = """
() => {
  if (!(window.Bokeh && Bokeh.documents && Bokeh.documents.length > 0)) return false;
  const canvases = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "CANVAS") canvases.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return canvases.some((c) => {
    const box = c.getBoundingClientRect();
    return c.width > 0 && c.height > 0 && box.width > 50 && box.height > 50;
  });
}
"""


class _SubpathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` under ``/<prefix>/`` only; notes every 4xx it sends."""

    prefix = "/"
    errors: list[str]

    def send_head(self):
        # Outside the sub-path nothing exists, as on <owner>.github.io.
        if not urlsplit(self.path).path.startswith(self.prefix):
            self.send_error(404, "outside the sub-path")
            return None
        # Inside it, a missing file gets the site's 404.html, as GitHub Pages does.
        wanted = Path(self.translate_path(self.path))
        page = Path(self.directory) / "404.html"
        if not (wanted.is_file() or (wanted / "index.html").is_file()) and page.is_file():
            self.errors.append(f"404 {self.path} (404.html)")
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()

    def translate_path(self, path: str) -> str:
        inside = urlsplit(path).path[len(self.prefix):]
        return super().translate_path("/" + inside)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        self.errors.append(f"{code} {self.path}")
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve_under(directory: Path, subpath: str) -> Iterator[tuple[str, list[str]]]:
    errors: list[str] = []
    handler = functools.partial(
        type("Handler", (_SubpathHandler,), {"prefix": f"/{subpath}/", "errors": errors}),
        directory=os.fspath(directory),
    )
    # Port 0: the OS picks a free port.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{subpath}/", errors
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _canonical(html: str) -> str | None:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    return match[1] if match else None


@dataclass
class Visit:
    """What one page did while it loaded, as the browser saw it."""

    url: str
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    canonical: str | None = None
    has_bokeh: bool = False
    bokeh_drawn: bool = False
    search_results: int = 0


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def canonical_root(site: Path) -> str:
    """The site's address as the build wrote it: the canonical link minus the page."""
    link = _canonical((site / f"{PAGES[0]}.html").read_text(encoding="utf-8"))
    assert link, f"{PAGES[0]}.html has no canonical link (html_baseurl is unset)"
    assert link.endswith(f"/{PAGES[0]}.html"), link
    return link.removesuffix(f"{PAGES[0]}.html")


@pytest.fixture(scope="module")
def served(site: Path, canonical_root: str):
    """``(base_url, server_errors)``: the site under its GitHub Pages sub-path."""
    subpath = urlsplit(canonical_root).path.strip("/") or FALLBACK_SUBPATH
    yield from _serve_under(site, subpath)


@pytest.fixture(scope="module")
def visits(served, chromium_browser) -> dict[str, Visit]:
    """Landing page, every toc page and a search, each loaded once in one context."""
    base_url, server_errors = served
    # Requests to another host are blocked and collected in `outside`.
    context, outside = open_context(chromium_browser, {"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    current: list[Visit] = []
    context.on(
        "response",
        lambda r: current[-1].failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page = context.new_page()
    page.on(
        "console",
        lambda m: current[-1].console_errors.append(f"{m.text} ({m.location.get('url')})")
        if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: current[-1].console_errors.append(f"uncaught: {exc}"))

    results: dict[str, Visit] = {}
    targets = {"(landing)": base_url, **{doc: f"{base_url}{doc}.html" for doc in PAGES}}
    targets["(search)"] = f"{base_url}search.html?q={SEARCH_WORD}"
    try:
        for name, url in targets.items():
            visit = Visit(url=url)
            current.append(visit)
            seen_by_server, seen_outside = len(server_errors), len(outside)
            page.goto(url, wait_until="load")
            if name == "(landing)":
                # index.html forwards to the first page with a meta refresh.
                try:
                    page.wait_for_url(f"{base_url}{PAGES[0]}.html", wait_until="load")
                except PlaywrightTimeout:  # the test reports where it stayed
                    pass
            visit.url = page.url
            visit.canonical = page.eval_on_selector(
                "link[rel=canonical]", "e => e.href"
            ) if page.locator("link[rel=canonical]").count() else None
            visit.has_bokeh = page.locator("script[src*='bokeh']").count() > 0
            if visit.has_bokeh:
                try:
                    # BokehJS loads as the reader nears the explorer (bokeh-lazy.js).
                    page.locator(".jacobian-live").first.scroll_into_view_if_needed()
                    page.wait_for_function(BOKEH_DRAWN_JS, timeout=60_000)
                    visit.bokeh_drawn = True
                except PlaywrightTimeout:  # reported by the test, not here
                    visit.bokeh_drawn = False
            if name == "(search)":
                try:
                    page.wait_for_selector("#search-results li", timeout=60_000)
                except PlaywrightTimeout:  # no result, reported by the test
                    pass
                visit.search_results = page.locator("#search-results li").count()
            # After the search's results (links too) have been written in.
            visit.links = page.eval_on_selector_all(
                "a[href], link[href], script[src], img[src]",
                "els => els.map((e) => e.href || e.src)",
            )
            # What the server refused (also requests the browser did not report).
            visit.failed += [f"server: {e}" for e in server_errors[seen_by_server:]]
            visit.outside = outside[seen_outside:]
            results[name] = visit
    finally:
        context.close()
    return results


# --------------------------------------------------------------------- tests
def test_the_site_is_served_only_under_the_sub_path(served, site):
    """The server really hides the root: a root-relative URL would get a 404."""
    base_url, _ = served
    root = base_url.split("/", 3)[:3]
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen("/".join(root) + f"/{PAGES[0]}.html", timeout=30)
    assert outside.value.code == 404
    with urllib.request.urlopen(f"{base_url}{PAGES[0]}.html", timeout=30) as inside:
        assert inside.status == 200


def test_landing_page_leads_to_the_first_page(visits, served):
    base_url, _ = served
    assert visits["(landing)"].url == f"{base_url}{PAGES[0]}.html"


@pytest.mark.parametrize("name", ["(landing)", *PAGES, "(search)"])
def test_no_request_fails_or_leaves_the_site(visits, name):
    visit = visits[name]
    assert visit.failed == [], f"{name}: requests answered with an error: {visit.failed}"
    assert visit.outside == [], f"{name}: requests to another host: {visit.outside}"
    assert visit.console_errors == [], f"{name}: console errors: {visit.console_errors}"


def _broken_links(links: list[str], base_url: str, site: Path, here: str = "") -> list[str]:
    """The links to this host that leave the sub-path or name no file of the site."""
    host, prefix = urlsplit(base_url).netloc, urlsplit(base_url).path
    broken = []
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or parts.netloc != host:
            continue  # another site (GitHub, Binder, ...): not fetched, not ours
        path = unquote(parts.path)
        if here and path == urlsplit(here).path:
            continue  # a place on the page itself (the skip link)
        if not path.startswith(prefix):
            broken.append(f"{link} (outside the sub-path)")
            continue
        # The browser has resolved "..": what is left is a path inside the site.
        target = site / path[len(prefix):]
        if not (target.is_file() or (target / "index.html").is_file()):
            broken.append(f"{link} (no such file)")
    return broken


@pytest.mark.parametrize("name", ["(landing)", *PAGES, "(search)"])
def test_every_link_stays_under_the_sub_path_and_exists(visits, served, site, name):
    base_url, _ = served
    broken = _broken_links(visits[name].links, base_url, site)
    assert broken == [], f"{name}: {broken}"


@pytest.mark.parametrize("docname", PAGES)
def test_canonical_link_is_the_pages_own_address(visits, canonical_root, docname):
    assert visits[docname].canonical == f"{canonical_root}{docname}.html"


def test_live_explorer_draws(visits):
    with_bokeh = [name for name in PAGES if visits[name].has_bokeh]
    assert with_bokeh, "no toc page embeds a Bokeh figure (where did the live explorer go?)"
    not_drawn = [name for name in with_bokeh if not visits[name].bokeh_drawn]
    assert not_drawn == [], f"Bokeh drew no canvas on {not_drawn}"


def test_search_finds_the_word(visits):
    assert visits["(search)"].search_results > 0, (
        f"search.html?q={SEARCH_WORD} listed no result under the sub-path"
    )



def test_a_missing_page_gets_the_404_page_styled_with_working_links(
    visits, served, site, chromium_browser
):
    """Two folders deep, so links relative to the 404 page itself would break.

    After ``visits`` (asked for first), whose checks read the server's errors.
    """
    base_url, _ = served
    missing = f"{base_url}no/such/page.html"
    context, outside = open_context(chromium_browser, {"width": 1280, "height": 900})
    failed: list[str] = []
    context.on("response", lambda r: failed.append(f"{r.status} {r.url}")
               if r.status >= 400 and r.url != missing else None)
    try:
        page = context.new_page()
        errors: list[str] = []
        # Chromium reports the page's own 404 as a console error: that one is expected.
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and m.location.get("url") != missing else None)
        response = page.goto(missing, wait_until="load")
        assert response is not None and response.status == 404
        assert page.locator("article h1").inner_text().strip() == "Page not found"
        assert failed == [] and errors == [] and outside == [], (failed, errors, outside)
        # The theme's and the book's styles apply: the theme's colour variables
        # are set and the sidebar is laid out beside the article.
        styled = page.evaluate("""() => ({
            primary: getComputedStyle(document.documentElement)
                       .getPropertyValue("--pst-color-primary").trim(),
            custom: [...document.styleSheets].some((s) => (s.href || "").includes("custom.css")
                                                        && s.cssRules.length > 0),
            sidebar: document.querySelector(".bd-sidebar-primary")
                       ?.getBoundingClientRect().width || 0 })""")
        assert styled["primary"] and styled["custom"] and styled["sidebar"] > 100, styled
        links = page.eval_on_selector_all(
            "a[href], link[href], script[src], img[src]", "els => els.map((e) => e.href || e.src)")
        pages = {link for link in links if link.endswith(".html")
                 and urlsplit(link).netloc == urlsplit(base_url).netloc}
        assert {f"{base_url}{doc}.html" for doc in PAGES} <= pages, "the navigation is missing"
        assert _broken_links(links, base_url, site, here=missing) == []
    finally:
        context.close()
