"""A local Sphinx extension: equations typeset at build time, so no math engine runs in the page.

Sphinx writes each equation as TeX (``\\(...\\)`` in ``span.math``,
``\\[...\\]`` in ``div.math`` after its ``span.eqno``) for MathJax to typeset
in the reader's browser: on a phone that took most of the page's main-thread
time. Here, once the HTML is written (``build-finished``), one Node process
(``prerender_math.mjs`` next to this module) typesets every equation of every
page with ``mathjax-full`` 3.2.2, the engine and version of the runtime
MathJax the pages loaded (sphinx-mathjax-offline's ``tex-chtml.js``), into
the same CommonHTML with the same hidden MathML that screen readers speak
(``mjx-assistive-mml``). Each page gets the style sheet of its own characters
inline; the fonts are the woff files that sphinx-mathjax-offline copies into
``_static/mathjax`` (the same files as mathjax-full's), cut to the characters
of the book's equations (:func:`subset_fonts`). The pages then load no
MathJax; Live Code loads the book's copy only when an output has LaTeX
(``live-code.js``).

* The npm tarball is fetched and checked like Thebe's (:func:`npm.npm_tarball`),
  and its ``js/`` folder unpacked into ``.cache/npm``.
* Without Node.js or npm the pages keep the runtime MathJax, and the log says
  so once; ``JACOBIAN_REQUIRE_LIVE_CODE=1`` (``make test``, the published site)
  makes that an error.
* A TeX error, or TeX that lost a backslash to a Python string, fails the
  build with the page's name, instead of red text in the page.
* Another extension can typeset HTML fragments with :func:`render_math_in_html`
  (:mod:`.tips` does, for the equations in hover previews).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from . import live_code, npm
from .fonts import subset_woff

logger = logging.getLogger(__name__)

#: The engine, the version of sphinx-mathjax-offline's runtime tex-chtml.js
#: (npm view mathjax-full@3.2.2 dist.integrity).
MATHJAX = npm.NpmPackage(
    "mathjax-full", "3.2.2",
    "sha512-+LfG9Fik+OuI8SLwsiR02IVdjcnRCy5MufYLi0C3TdMT56L/pjB0alMVGgoWJF8pN9Rc7FESycZB9BMNWIid5w==",
)
SCRIPT = Path(__file__).with_name("prerender_math.mjs")
#: Where sphinx-mathjax-offline puts the CommonHTML fonts, under the output's
#: _static: all of them, for the runtime MathJax of Live Code.
ALL_FONTS = "_static/mathjax/output/chtml/fonts/woff-v2"
#: The pages' fonts: those of ALL_FONTS cut to the characters of the book's
#: equations (:func:`subset_fonts`), 140 kB a page to 54 kB.
FONTS = "_static/mathjax-book"
#: The size the runtime MathJax gave equations in the book's text font
#: (matchFontHeight measured font-size: 127.3% in Chromium at every width).
SCALE = 1.273
#: Output folders that hold no page.
NOT_PAGES = ("_static", "_sources", "_images")

#: One equation as Sphinx writes it: the element, an equation number, the TeX.
MATH_ELEMENT = re.compile(
    r'(?P<open><(?P<tag>span|div) class="math notranslate nohighlight"[^>]*>)'
    r'(?P<eqno>\s*<span class="eqno">.*?</span>)?\s*'
    r"(?:\\\((?P<inline>[^<]*?)\\\)|\\\[(?P<display>[^<]*)\\\])\s*</(?P=tag)>",
    re.DOTALL,
)
#: An @font-face of the CommonHTML style sheet: its family and its file.
FONT_FACE = re.compile(r'font-family: (MJX[\w-]+);\s*src: url\("([^"]+)"\)')
#: The class of a glyph drawn in another font than Main-Regular (TEX-I: Math-Italic).
FONT_CLASS = re.compile(r'<mjx-c class="mjx-c[0-9A-F]+ (TEX-[A-Z0-9]+)"')
#: A glyph of the CommonHTML style sheet, and a CSS escape in it ("\\2192").
GLYPH = re.compile(r'content: "([^"]*)"')
CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?")
#: What a Python string makes of "\t", "\a", "\b", "\v", "\f", "\r" in TeX.
MANGLED = re.compile(r"[\t\x07\x08\x0b\x0c\r]")


class MathUnavailable(RuntimeError):
    """Node.js or the mathjax-full package is missing; the message says what to do."""


def engine(srcdir: str | Path) -> Path:
    """The unpacked ``mathjax-full`` package in ``.cache/npm``, fetched if missing.

    Raises
    ------
    MathUnavailable
        No ``node`` on PATH, or the tarball could not be had.
    """
    if shutil.which("node") is None:
        raise MathUnavailable("node not found (Debian or Ubuntu: `sudo .ci/install-packages`)")
    cache = npm.cache_folder(srcdir)
    folder = cache / MATHJAX.folder
    if (folder / "js" / "mathjax.js").is_file():
        return folder
    try:
        tarball = npm.npm_tarball(MATHJAX, cache)
    except npm.PackageUnavailable as error:
        raise MathUnavailable(str(error)) from None
    # Unpacked beside, then renamed: an interrupted build leaves no half a package.
    partial = folder.with_name(f"{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers()
                   if m.isfile() and m.name.startswith("package/js/") and m.name.endswith(".js")]
        for member in members:
            member.name = member.name.removeprefix("package/")
        archive.extractall(partial, members=members, filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def typeset(pages: list[dict], mathjax: Path) -> list[dict]:
    """Typeset every page's TeX in one Node process.

    Parameters
    ----------
    pages : list of dict
        Each ``{"font_url": str, "math": [{"tex": str, "display": bool}, ...]}``.
    mathjax : Path
        The unpacked package, from :func:`engine`.

    Returns
    -------
    list of dict
        Per page, in order: ``{"html": [str, ...], "css": str, "errors": [str, ...]}``.
    """
    request = json.dumps({"scale": SCALE, "pages": pages})
    proc = subprocess.run(["node", str(SCRIPT), str(mathjax)], input=request,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise ExtensionError(f"prerender_math.mjs failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["pages"]


def equations(page: str) -> list[tuple[re.Match, str, bool]]:
    found = []
    for match in MATH_ELEMENT.finditer(page):
        display = match["display"] is not None
        found.append((match, html.unescape(match["display" if display else "inline"]), display))
    return found


def substitute(page: str, equations: list, rendered: list[str]) -> str:
    parts, end = [], 0
    for (match, _, _), output in zip(equations, rendered, strict=True):
        parts += [page[end:match.start()], match["open"], match["eqno"] or "", output,
                  f"</{match['tag']}>"]
        end = match.end()
    return "".join([*parts, page[end:]])


def render_math_in_html(fragments: list[tuple[str, str]], srcdir: str | Path) -> list[str]:
    """Typeset the Sphinx math elements (``span.math``, ``div.math``) of HTML fragments.

    Each fragment comes with the URL of :data:`FONTS` from the page that shows
    it, and returns with the ``<style>`` of its own characters in front (for
    hover previews). One Node process for the list; :class:`MathUnavailable`
    without Node or the package, :class:`ExtensionError` on a TeX error.
    """
    found = [equations(fragment) for fragment, _ in fragments]
    requests = [{"font_url": font_url, "math": [{"tex": tex, "display": display}
                                                for _, tex, display in eqs]}
                for (_, font_url), eqs in zip(fragments, found, strict=True)]
    out = []
    results = typeset(requests, engine(srcdir))
    for (fragment, _), eqs, result in zip(fragments, found, results, strict=True):
        if result["errors"]:
            raise ExtensionError(f"TeX errors: {result['errors']}")
        style = f"<style>{result['css']}</style>" if eqs else ""
        out.append(style + substitute(fragment, eqs, result["html"]))
    return out


def preload_fonts(css: str, page: str) -> str:
    """``<link rel=preload>`` tags for the fonts that the page's equations use.

    A glyph's baseline depends on its font's ascent and descent: text laid out
    before its font arrived moved when it did (Lighthouse measured a layout
    shift of 0.06 on chapters/jacobian). Fetched with the page's first
    requests, the fonts are there before the first layout.
    """
    urls = dict(FONT_FACE.findall(css))
    # Main-Regular (MJXTEX) and Zero are in every equation; the others by class.
    used = {"MJXZERO", "MJXTEX"} | {f"MJX{name}" for name in set(FONT_CLASS.findall(page))}
    return "".join(f'<link rel="preload" href="{urls[family]}" as="font" type="font/woff" '
                   'crossorigin>\n' for family in sorted(used) if family in urls)


def html_pages(outdir: Path) -> list[Path]:
    """The HTML pages of the output, without the folders that hold no page."""
    return [path for path in sorted(outdir.rglob("*.html"))
            if path.relative_to(outdir).parts[0] not in NOT_PAGES]


# ------------------------------------------------------------ Sphinx handlers
def prepare(app: Sphinx) -> None:
    """Find Node and the engine; without them keep the runtime MathJax and say why, once."""
    app.prerender_math = None
    if app.builder.format != "html":
        return
    try:
        app.prerender_math = engine(app.srcdir)
    except MathUnavailable as error:
        if os.environ.get(live_code.REQUIRE_ENV) == "1":
            raise ExtensionError(
                f"Math at build time: {error}. {live_code.REQUIRE_ENV}=1 requires it (`make test` "
                "and the published site).") from None
        # Not a warning: -W would fail an offline build of everything else.
        logger.info(f"[math] typeset in the browser by MathJax, not at build time: {error}",
                    color="red")


def drop_runtime_mathjax(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Leave MathJax's script and its config out of the page (the math is typeset already)."""
    scripts = context.get("script_files")
    if not app.prerender_math or not isinstance(scripts, list):
        return
    # The HTML builder files a relative mathjax_path under _static/.
    paths = {app.config.mathjax_path, f"_static/{app.config.mathjax_path}"}

    def is_mathjax(script: Any) -> bool:
        filename = str(getattr(script, "filename", script) or "")
        body = (getattr(script, "attributes", None) or {}).get("body", "")
        return filename.split("?")[0] in paths or body.startswith("window.MathJax =")

    # In place: Sphinx keeps a reference to this list and restores it per page.
    scripts[:] = [s for s in scripts if not is_mathjax(s)]


def prerender_pages(app: Sphinx, exception: Exception | None) -> None:
    """Typeset the equations of every page written with TeX in it, in one Node process."""
    if exception is not None or not getattr(app, "prerender_math", None):
        return
    outdir = Path(app.outdir)
    todo = []
    for path in html_pages(outdir):
        page = path.read_text(encoding="utf-8")
        eqs = equations(page)
        if eqs:
            todo.append((path, page, eqs))
    if not todo:
        return
    requests = []
    for path, _, eqs in todo:
        for _, tex, _ in eqs:
            if MANGLED.search(tex):
                logger.warning(f"{path.relative_to(outdir)}: TeX lost a backslash (a non-raw "
                               f"Python string?): {tex!r}")
        font_url = os.path.relpath(outdir / FONTS, path.parent).replace(os.sep, "/")
        math = [{"tex": tex, "display": display} for _, tex, display in eqs]
        requests.append({"font_url": font_url, "math": math})
    for (path, page, eqs), result in zip(todo, typeset(requests, app.prerender_math),
                                               strict=True):
        for error in result["errors"]:
            logger.warning(f"{path.relative_to(outdir)}: TeX error: {error}")
        page = substitute(page, eqs, result["html"])
        head = preload_fonts(result["css"], page) + (
            f'<style data-prerendered-math="{MATHJAX.spec}">{result["css"]}</style>\n')
        path.write_text(page.replace("</head>", head + "</head>", 1), encoding="utf-8")
    count = sum(len(eqs) for _, _, eqs in todo)
    logger.info(f"[math] {count} equations on {len(todo)} pages typeset with {MATHJAX.spec}")


def subset_fonts(app: Sphinx, exception: Exception | None) -> None:
    """Write :data:`FONTS`: each font of :data:`ALL_FONTS` cut to the equations' characters.

    The characters are those of every page's style sheet and every hover
    preview's, so an incremental build keeps those of the pages it did not
    write. After sphinx-mathjax-offline copied :data:`ALL_FONTS`.
    """
    if exception is not None or not getattr(app, "prerender_math", None):
        return
    outdir = Path(app.outdir)
    texts = [path.read_text(encoding="utf-8") for path in html_pages(outdir)]
    texts += [markup for page in getattr(app.env, "tippy_data", {}).get("pages", {}).values()
              for markup in page["id_to_html"].values()]
    chars = {ord(c) for text in texts for glyph in GLYPH.findall(text)
             for c in CSS_ESCAPE.sub(lambda m: chr(int(m[1], 16)), glyph)}
    (outdir / FONTS).mkdir(exist_ok=True)
    for path in sorted((outdir / ALL_FONTS).glob("*.woff")):
        subset_woff(path, outdir / FONTS / path.name, chars)
