"""The built site where GitHub Pages puts it: under ``https://<owner>.github.io/<repo>/``.

A link or script written from the server's root (``/_static/...``) works on
``make preview`` and breaks there. So _build/html is served under the sub-path
of its canonical URL by a server that answers 404 outside it, and 404.html for
a missing page inside it; Chromium opens the landing page, every toc page, a
search and a missing page, once each, with other hosts blocked.
"""

from __future__ import annotations

import contextlib
import io
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_site import QuietHandler, serve, toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_book import AFTER_PAINT_JS, DEEP_QUERY_JS, DESKTOP, open_context

pytestmark = pytest.mark.slow

PAGES = toc_pages()
SEARCH_WORD = "Jacobian"
#: Two folders deep, so links relative to the 404 page would break.
MISSING = "no/such/page.html"
#: The explorer's BokehJS document exists and has drawn onto a visible canvas.
BOKEH_DRAWN_JS = """() => window.Bokeh?.documents?.length > 0 && (DEEP)("canvas").some((c) =>
  c.width > 0 && c.height > 0 && c.getBoundingClientRect().width > 50
  && c.getBoundingClientRect().height > 50)""".replace("(DEEP)", f"({DEEP_QUERY_JS})")
#: The theme's and the book's styles apply: colour variables set, sidebar beside the article.
STYLED_JS = """() => ({
  primary: getComputedStyle(document.documentElement)
             .getPropertyValue("--pst-color-primary").trim(),
  custom: [...document.styleSheets].some((s) => (s.href || "").includes("custom.css")
                                              && s.cssRules.length > 0),
  sidebar: document.querySelector(".bd-sidebar-primary")?.getBoundingClientRect().width || 0 })"""


class _SubpathHandler(QuietHandler):
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
        return super().translate_path("/" + urlsplit(path).path[len(self.prefix):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        self.errors.append(f"{code} {self.path}")
        super().send_error(code, message, explain)


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
    status: int | None = None
    heading: str = ""
    styled: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def canonical_root(site: Path) -> str:
    """The site's address as the build wrote it: the canonical link minus the page."""
    link = re.search(r'<link rel="canonical" href="([^"]+)"',
                     (site / f"{PAGES[0]}.html").read_text(encoding="utf-8"))
    assert link, f"{PAGES[0]}.html has no canonical link (html_baseurl is unset)"
    assert link[1].endswith(f"/{PAGES[0]}.html"), link[1]
    return link[1].removesuffix(f"{PAGES[0]}.html")


@pytest.fixture(scope="module")
def served(site: Path, canonical_root: str):
    """``(base_url, server_errors)``: the site under its GitHub Pages sub-path."""
    subpath = urlsplit(canonical_root).path.strip("/") or "jacobian-chapter"  # a user site
    errors: list[str] = []
    handler = type("Handler", (_SubpathHandler,), {"prefix": f"/{subpath}/", "errors": errors})
    with serve(site, handler) as url:
        # The root really is hidden: a root-relative URL fails here as on GitHub Pages.
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"{url}/{PAGES[0]}.html", timeout=30)
        yield f"{url}/{subpath}/", errors


@pytest.fixture(scope="module")
def visits(served, chromium_browser) -> dict[str, Visit]:
    """Landing page, every toc page, a search and a missing page, once each in one context."""
    base_url, server_errors = served
    context, outside = open_context(chromium_browser, DESKTOP)
    context.set_default_timeout(60_000)
    current: list[Visit] = []
    context.on("response", lambda r: current[-1].failed.append(f"{r.status} {r.url}")
               if r.status >= 400 else None)
    page = context.new_page()
    page.on("console", lambda m: current[-1].console_errors.append(
        f"{m.text} ({m.location.get('url')})") if m.type == "error" else None)
    page.on("pageerror", lambda exc: current[-1].console_errors.append(f"uncaught: {exc}"))

    results: dict[str, Visit] = {}
    targets = {"(landing)": base_url, **{doc: f"{base_url}{doc}.html" for doc in PAGES},
               "(search)": f"{base_url}search.html?q={SEARCH_WORD}",
               "(missing)": f"{base_url}{MISSING}"}
    try:
        for name, url in targets.items():
            current.append(visit := Visit(url=url))
            seen_by_server, seen_outside = len(server_errors), len(outside)
            visit.status = page.goto(url, wait_until="load").status
            if name == "(landing)":  # a meta refresh forwards to the first page
                with contextlib.suppress(PlaywrightTimeout):  # the test says where it stayed
                    page.wait_for_url(f"{base_url}{PAGES[0]}.html", wait_until="load")
            # The deferred scripts' errors belong to this page, not the next.
            page.wait_for_function(AFTER_PAINT_JS)
            visit.url = page.url
            canonical = page.locator("link[rel=canonical]")
            visit.canonical = canonical.get_attribute("href") if canonical.count() else None
            visit.has_bokeh = page.locator("script[src*='bokeh']").count() > 0
            if visit.has_bokeh:  # BokehJS loads as the reader nears the explorer
                page.locator(".jacobian-live").first.scroll_into_view_if_needed()
                with contextlib.suppress(PlaywrightTimeout):  # reported by the test
                    page.wait_for_function(BOKEH_DRAWN_JS, timeout=60_000)
                    visit.bokeh_drawn = True
            if name == "(search)":
                with contextlib.suppress(PlaywrightTimeout):  # reported by the test
                    page.wait_for_selector("#search-results li", timeout=60_000)
                visit.search_results = page.locator("#search-results li").count()
            if name == "(missing)":
                visit.heading = page.locator("article h1").inner_text().strip()
                visit.styled = page.evaluate(STYLED_JS)
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
def test_each_page_loads_cleanly_and_links_stay_under_the_sub_path(
        visits, served, site, canonical_root, name):
    """No failed or outside request, no console error, no broken link, its own canonical."""
    visit = visits[name]
    assert visit.failed == [], f"{name}: requests answered with an error: {visit.failed}"
    assert visit.outside == [], f"{name}: requests to another host: {visit.outside}"
    assert visit.console_errors == [], f"{name}: console errors: {visit.console_errors}"
    assert _broken_links(visit.links, served[0], site) == []
    if name in PAGES:
        assert visit.canonical == f"{canonical_root}{name}.html"


def test_landing_leads_to_the_first_page_search_finds_and_the_explorer_draws(visits, served):
    assert visits["(landing)"].url == f"{served[0]}{PAGES[0]}.html"
    assert visits["(search)"].search_results > 0, f"search.html?q={SEARCH_WORD}: no result"
    # BokehJS only where the explorer is (one copy: tests/test_bokeh_static.py), and it draws.
    assert [name for name in PAGES if visits[name].has_bokeh] == ["chapters/interactive"]
    assert visits["chapters/interactive"].bokeh_drawn, "Bokeh drew no canvas under the sub-path"


def test_a_missing_page_gets_the_404_page_styled_with_working_links(visits, served, site):
    base_url, visit = served[0], visits["(missing)"]
    assert visit.status == 404 and visit.heading == "Page not found"
    # Its own 404 is expected, and Chromium logs it as a console error too.
    assert [f for f in visit.failed if MISSING not in f] == [], visit.failed
    errors = [e for e in visit.console_errors if not e.endswith(f"({base_url}{MISSING})")]
    assert errors == [] and visit.outside == [], (errors, visit.outside)
    assert all(visit.styled.values()) and visit.styled["sidebar"] > 100, visit.styled
    pages = {link for link in visit.links if link.endswith(".html")
             and urlsplit(link).netloc == urlsplit(base_url).netloc}
    assert {f"{base_url}{doc}.html" for doc in PAGES} <= pages, "the navigation is missing"
    assert _broken_links(visit.links, base_url, site, here=f"{base_url}{MISSING}") == []
