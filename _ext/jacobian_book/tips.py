"""A local Sphinx extension: hover previews (sphinx-tippy), served by the book itself.

sphinx-tippy 0.4.3 shows, on hover or keyboard focus, a preview of what an
internal link points at: an equation, a glossary term, a citation, a section.
Its defaults would reach other hosts, so this module

* serves tippy.js and Popper from their npm tarballs (pinned here, fetched
  and checked by :mod:`.npm`), copied into the *output* ``_static/<package>-<version>/``, and
  points ``tippy_js`` at them instead of unpkg.com;
* turns off the tips that query Wikipedia, Crossref (DOIs) and Read the Docs
  at build time, whatever the configuration says;
* adds ``book-tips.js`` (next to this module): Escape hides a tip, and tips
  are announced as the link's description.

Without npm and the cached tarballs the book still builds, without previews.

Where the tip HTML lives: sphinx-tippy keeps it per page in
``app.env.tippy_data["pages"][page]["id_to_html"]`` (collected in
``html-page-context``, priority 450), :func:`clean_tips` rewrites it there,
and sphinx-tippy writes it at ``build-finished`` into
``_static/tippy/<page>.<uuid>.js``. Just before, :func:`typeset_tip_math`
typesets the equations in it, as :mod:`.prerender_math` does the pages', so
showing a tip runs no math engine.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from .npm import NpmPackage, PackageUnavailable, cache_folder, npm_tarball, unpack
from .prerender_math import FONTS, render_math_in_html

logger = logging.getLogger(__name__)

#: npm view <spec> dist.integrity
TIPPY = NpmPackage(
    "tippy.js", "6.3.7",
    "sha512-E1d3oP2emgJ9dRQZdf3Kkn0qJgI6ZLpyS5z6ZkY1DF3kaQaBsGZsndEpHwx+eC+tYM41HaSNvNtLx8tU57FzTQ==",
)
POPPER = NpmPackage(
    "@popperjs/core", "2.11.8",
    "sha512-P1st0aksCrn9sGZhp8GMYwBnQsbvAWsZAX44oXNNvLHGqAOcoVxmjZiohstwQ7SqKnbR47akdNi+uleWD8+g6A==",
)
#: The file each page loads from each package; Popper first, tippy.js needs it.
FILES = {POPPER: "dist/umd/popper.min.js", TIPPY: "dist/tippy-bundle.umd.min.js"}
SCRIPT = "book-tips.js"

#: Tips are copies of elements of a page: without their ids (a tip shown on the
#: same page would duplicate one) and without the bibliography's deprecated
#: role, which needs a parent list (axe: aria-required-parent). A term's
#: <dt> and <dd> get their <dl> back (axe: dlitem).
_DROP = re.compile(r'\s(?:id="[^"]*"|role="doc-biblioentry")')


def prepare(app: Sphinx, config: Config) -> None:
    """Point sphinx-tippy at the book's copies and keep it off the network."""
    app.tip_tarballs = None
    if "tippy_js" not in config:  # a book without sphinx-tippy
        return
    config.tippy_enable_wikitips = False
    config.tippy_enable_doitips = False
    config.tippy_rtd_urls = []
    try:
        app.tip_tarballs = {p: npm_tarball(p, cache_folder(app.srcdir)) for p in FILES}
    except PackageUnavailable as error:
        logger.info(f"[tips] hover previews LEFT OUT of this build: {error}", color="red")
    static = [f"{p.folder}/{Path(f).name}" for p, f in FILES.items()]
    config.tippy_js = (*static, SCRIPT) if app.tip_tarballs else ()


def copy_assets(app: Sphinx) -> None:
    """Copy Popper, tippy.js and ``book-tips.js`` into the output's ``_static/``."""
    if app.builder.format != "html" or not app.tip_tarballs:
        return
    static = Path(app.outdir) / "_static"
    for package, member in FILES.items():
        unpack(app.tip_tarballs[package], {member: ""}, static / package.folder)
    shutil.copyfile(Path(__file__).with_name(SCRIPT), static / SCRIPT)


def clean_tips(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Drop ids and biblioentry roles from this page's tips, name equations; no tippy, no tips."""
    pages = getattr(app.env, "tippy_data", {}).get("pages", {})
    if pagename not in pages:
        return
    if not app.tip_tarballs:
        # Nothing would define tippy(): drop the page's tip script too.
        scripts = context.get("script_files", [])
        scripts[:] = [s for s in scripts if "_static/tippy/" not in str(getattr(s, "filename", s))]
        return
    tips = pages[pagename]["id_to_html"]
    for key, markup in tips.items():
        markup = _DROP.sub("", markup)
        if markup.startswith('<div class="math'):
            # A tooltip needs a name in text (axe: aria-tooltip-name); MathJax's
            # hidden MathML does not count.
            markup = f'<span class="visually-hidden">Equation</span>{markup}'
        elif markup.startswith("<dt"):  # a glossary term and its definition
            markup = f'<dl class="glossary">{markup}</dl>'
        tips[key] = markup


def typeset_tip_math(app: Sphinx, exception: Exception | None) -> None:
    """Typeset the equations of every page's tips, before sphinx-tippy writes them."""
    pages = getattr(app.env, "tippy_data", {}).get("pages", {})
    if exception is not None or not getattr(app, "prerender_math", None) or not pages:
        return
    outdir = Path(app.outdir)
    todo = [(page, key) for page, data in pages.items()
            for key, markup in data["id_to_html"].items() if 'class="math' in markup]

    def fonts(page: str) -> str:  # the tip is shown in the page, so from the page
        return os.path.relpath(outdir / FONTS, (outdir / page).parent).replace(os.sep, "/")

    typeset = render_math_in_html(
        [(pages[page]["id_to_html"][key], fonts(page)) for page, key in todo], app.srcdir)
    for (page, key), markup in zip(todo, typeset, strict=True):
        pages[page]["id_to_html"][key] = markup


def tidy_output(app: Sphinx, exception: Exception | None) -> None:
    """Delete sphinx-tippy's caches of Wikipedia, DOI and RTD tips, empty here, from the site."""
    if exception is None and app.builder.format == "html":
        for name in ("tippy_wiki_cache.json", "tippy_doi_cache.json", "tippy_rtd_cache.json"):
            (Path(app.outdir) / name).unlink(missing_ok=True)
