"""The printable chapter: the built site's core path as one PDF, printed by Chromium.

``make pdf`` runs ``python -m jacobian_book.print_pdf`` on ``_build/html``.
The site is served on 127.0.0.1 (every other host is refused) and opened in
headless Chromium at the root page. A script there fetches each printed page,
keeps its article, gives its ids a per-page prefix (every page has a
"summary") and points its links at the printed copy, or at the website for
pages that are not printed. The result is one document: a title page, a
contents list with page numbers, then the pages, each from a new sheet.
``_static/custom.css`` holds the print styles (no theme chrome; the live
explorer gives way to its static four-panel figure), which a reader who prints
one page from the browser also gets.

Math is printed once no TeX is left unrendered, whether the site renders it
at build time or MathJax typesets it in the browser. Page numbers are in the
footer; the contents list takes its numbers from a first printing (the page
of each named destination) and is printed a second time with them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import http.server
import io
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: The caption of the _toc.yml part that is the core path.
CORE_PART = "Chapter"
CHROMIUM = "/usr/bin/chromium"
#: How long the printed pages may take to have all their math rendered.
MATH_TIMEOUT_MS = 120_000

#: Put the printed pages into the root page, in place of the theme's layout.
COMPOSE_JS = r"""
async ({pages, online, title, subtitle, credit}) => {
  const printed = new Map(pages.map((p) => [new URL(p.url, location.href).pathname, p.id]));
  const esc = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const book = document.createElement("div");
  book.className = "bd-content print-book";
  book.innerHTML = `<section class="print-title"><h1 class="print-book-title">${esc(title)}</h1>
    <p class="print-subtitle">${esc(subtitle)}</p><p>${esc(credit)}</p>
    <p>Online, with the interactive figure and Live Code: <a href="${online}">${esc(online)}</a></p>
    </section><nav class="print-toc" aria-labelledby="print-toc-title">
    <h2 id="print-toc-title">Contents</h2><ol></ol></nav>`;
  const toc = book.querySelector(".print-toc ol");
  for (const {url, id} of pages) {
    const base = new URL(url, location.href);
    const dom = new DOMParser().parseFromString(await (await fetch(base)).text(), "text/html");
    const article = dom.querySelector("article.bd-article");
    if (!article) throw new Error(`${url} has no article`);
    // Each page's typeset math comes with the style sheet of its own
    // characters (prerender_math.py); its font URLs are relative to the page.
    for (const style of dom.querySelectorAll("style[data-prerendered-math]")) {
      const copy = document.createElement("style");
      copy.textContent = style.textContent.replace(
        /url\("([^"]+)"\)/g, (_, u) => `url("${new URL(u, base).href}")`);
      document.head.append(copy);
    }
    for (const el of article.querySelectorAll("a.headerlink")) el.remove();
    for (const el of article.querySelectorAll("[id]")) el.id = `${id}--${el.id}`;
    for (const img of article.querySelectorAll("img[src]")) {
      img.loading = "eager";  // a lazy image off screen would never load for print
      img.src = new URL(img.getAttribute("src"), base).href;
    }
    for (const a of article.querySelectorAll("a[href]")) {
      const target = new URL(a.getAttribute("href"), base);
      if (target.origin !== location.origin) continue;
      const page = printed.get(target.pathname);
      const site = new URL(".", location.href).pathname;
      a.setAttribute("href", page ? `#${page}` + (target.hash ? `--${target.hash.slice(1)}` : "")
                                  : online + target.pathname.slice(site.length) + target.hash);
    }
    const section = document.createElement("article");
    section.className = "bd-article print-page";
    section.id = id;
    section.append(...article.childNodes);
    book.append(section);
    const h1 = section.querySelector("h1");
    const entry = document.createElement("li");
    entry.innerHTML = `<a href="#${id}">${esc(h1 ? h1.textContent : id)}</a>`
      + `<span class="print-toc-page" data-target="${id}"></span>`;
    toc.append(entry);
  }
  document.body.replaceChildren(book);
  document.documentElement.dataset.theme = "light";
  document.documentElement.dataset.mode = "light";
  // Images load before printing; a missing one is an error, not a gap.
  await Promise.all([...document.images].map((img) => img.decode()));
  await document.fonts.ready;
  if (window.MathJax && MathJax.typesetPromise) {
    if (MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    MathJax.typesetClear();
    await MathJax.typesetPromise([book]);
  }
}
"""

#: Typeset characters that no style sheet draws (a glyph would print blank);
#: the invisible operators (U+2061 to U+2064, function application...) have none.
BLANK_GLYPHS_JS = r"""
() => [...document.querySelectorAll("mjx-c")]
  .filter((c) => !/(^| )mjx-c206[1-4]( |$)/.test(c.className))
  .filter((c) => !c.textContent && ["none", "normal", '""'].includes(
    getComputedStyle(c, "::before").content))
  .slice(0, 5).map((c) => c.className)
"""

#: TeX left as text in the printed content (MathJax's own output excluded).
UNRENDERED_TEX_JS = """
() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const left = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("pre, code, script, style, mjx-container")) continue;
    const text = node.textContent;
    if (/\\\\[(\\[]|\\$\\$|\\\\begin\\{|\\\\frac/.test(text)) left.push(text.slice(0, 80));
  }
  return left;
}
"""

FOOTER = (
    '<div style="font-size:8pt;width:100%;padding:0 15mm;display:flex;'
    'justify-content:space-between;color:#444;font-family:sans-serif">'
    '<span>{title}</span><span><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></span></div>'
)


def printed_pages(root: Path = ROOT, everything: bool = False) -> list[str]:
    """Docnames to print, in reading order: the root page and the core part (or all)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        if everything or part.get("caption") == CORE_PART:
            pages += [chapter["file"] for chapter in part.get("chapters", [])]
    return [page.removesuffix(".md") for page in pages]


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` over HTTP on a free port of 127.0.0.1; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=os.fspath(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def destination_pages(pdf: bytes, names: list[str]) -> dict[str, int]:
    """The 1-based page of each named destination in ``pdf`` that exists."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found = reader.named_destinations
    # pypdf names them as PDF names, with a leading slash.
    return {n: reader.get_destination_page_number(found[f"/{n}"]) + 1
            for n in names if f"/{n}" in found}


def print_book(html: Path, out: Path, everything: bool = False, browser: Any = None) -> Path:
    """Print the pages of :func:`printed_pages` from the site in ``html`` to ``out``.

    ``browser`` is a Playwright Chromium to use (default: Debian's, started
    here). Raises RuntimeError when a page is missing, TeX is left unrendered, or
a typeset character has no glyph.
    """
    docs = printed_pages(everything=everything)
    missing = [d for d in docs if not (html / f"{d}.html").is_file()]
    if missing:
        raise RuntimeError(f"{html} has no {missing}: run `make book` first")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            try:
                return print_book(html, out, everything, chromium)
            finally:
                chromium.close()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    pages = [{"url": f"{d}.html", "id": d.replace("/", "-")} for d in docs]
    args = {
        "pages": pages, "online": _canonical_root(html / f"{docs[0]}.html"),
        "title": config["title"], "credit": config["author"],
        "subtitle": f"Printed from the website on {datetime.date.today().isoformat()}",
    }
    options = {
        "format": "A4", "print_background": True, "tagged": True,
        "display_header_footer": True, "header_template": "<span></span>",
        "footer_template": FOOTER.format(title=config["title"]),
        "margin": {"top": "18mm", "bottom": "20mm", "left": "15mm", "right": "15mm"},
    }
    with serve(html) as url:
        context = browser.new_context(color_scheme="light")
        try:
            host = url.split("/")[2]
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.split("/")[2] == host else route.abort())
            page = context.new_page()
            page.goto(url + pages[0]["url"], wait_until="load")
            page.evaluate(COMPOSE_JS, args)
            try:  # whichever renders the math, at build time or in the browser
                page.wait_for_function(f"() => ({UNRENDERED_TEX_JS})().length === 0",
                                       timeout=MATH_TIMEOUT_MS)
            except PlaywrightTimeout:
                left = page.evaluate(UNRENDERED_TEX_JS)
                raise RuntimeError(f"TeX left unrendered in the printed pages after "
                                   f"{MATH_TIMEOUT_MS / 1000:g} s: {left[:5]}") from None
            blank = page.evaluate(BLANK_GLYPHS_JS)
            if blank:
                raise RuntimeError(f"math characters with no glyph in print: {blank}")
            # The contents list takes its page numbers from a first printing.
            numbers = destination_pages(page.pdf(**options), [p["id"] for p in pages])
            page.evaluate("""(numbers) => { for (const el of document.querySelectorAll(
                ".print-toc-page")) el.textContent = numbers[el.dataset.target] ?? ""; }""",
                          numbers)
            pdf = page.pdf(**options)
        finally:
            context.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out


def _canonical_root(page: Path) -> str:
    """The site's online address: the page's canonical link minus its own path."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<link rel="canonical" href="([^"]+)"', text)
    return match[1].rsplit("/", 1)[0] + "/" if match else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "jacobian.pdf")
    parser.add_argument("--all", action="store_true", help="every part of _toc.yml")
    options = parser.parse_args(argv)
    out = print_book(options.html, options.out, everything=options.all)
    print(f"The printed chapter is at {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
