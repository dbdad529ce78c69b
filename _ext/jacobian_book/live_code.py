"""A local Sphinx extension: Live Code runs one pinned Thebe, served by the book itself.

sphinx-thebe 0.3.1 (which jupyter-book 1 always loads) writes into every page a
script that fetches ``thebe@0.8.2`` from unpkg.com on click. That version
bundles the ipywidgets 7 front end (the kernel has ipywidgets 8), and thebe
0.9, which matches ipywidgets 8, changed what sphinx-thebe relies on. This
extension replaces sphinx-thebe's page scripts:

* **One Thebe, from the npm package.** :data:`THEBE` (thebe 0.9.3) and
  :data:`REQUIREJS` (the require.js that thebe fetches for widgets) are taken
  from their npm tarballs, which are checked against the registry's sha512
  integrity pinned here, and copied into the *output* at
  ``_static/thebe-<version>/`` and ``_static/requirejs-<version>/`` (never
  into the sources: jupyter-book would inject every ``.js`` under a source
  ``_static`` into every page). The page loads ``index.js`` with
  ``integrity="sha384-..."`` (:data:`THEBE_INDEX_SHA384`), and webpack loads
  the rest of the bundle from the same folder. Nothing comes from a CDN.
* **Why not the CDN with Subresource Integrity:** thebe 0.9.3 is a webpack
  bundle of ``index.js`` and 110 chunks that webpack's runtime loads on
  demand with no integrity check, and thebe fetches require.js and evaluates
  it. An SRI hash on ``index.js`` would cover half of the code that runs; a
  copy served by the book covers all of it, and the tests run those files.
* **The tarballs** are fetched and verified by :mod:`.npm`. Without
  npm, a network and both caches, the book still builds: Live Code is left
  out (the button is hidden) and the log says what to do.
  ``JACOBIAN_REQUIRE_LIVE_CODE=1`` (for CI, which deploys) makes that an
  error instead.
* **The integration** is ``live-code.js`` next to this module: the Live Code
  button loads Thebe, gives every code cell its own output area (thebe 0.9
  pairs the i-th cell with the i-th output on the page), runs cells tagged
  ``thebe-init`` once the kernel is ready, holds the page while a restart
  button works until the new kernel is connected (with thebe's own buttons a
  cell run too soon went down the old kernel's socket and never finished, and
  "restart & run all" did not restart), turns off thebe's MathJax 2 (live
  HTML and LaTeX outputs are typeset by the book's MathJax 3), and answers
  thebe's request for require.js with the book's copy.

The kernel comes from mybinder.org (``binderOptions`` of sphinx-thebe's page
config). A page config that says ``useBinder: false`` and gives
``serverSettings`` uses that Jupyter server instead (tests/test_live_code.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

from .npm import NpmPackage, PackageUnavailable, cache_folder, npm_tarball, sri, unpack

logger = logging.getLogger(__name__)


#: The Thebe that the pages load (npm view thebe@0.9.3 dist.integrity).
THEBE = NpmPackage(
    "thebe", "0.9.3",
    "sha512-Rb/7kVhtlffXra3kIe7OuIGE7awsm2/fGWxw21DiNfnWLnUQiDl9AWqYdshPwZPG/5DzLpsJRPix2xtCPtJmQQ==",
)
#: Subresource Integrity of that package's ``lib/index.js``, written into the pages.
THEBE_INDEX_SHA384 = "sha384-jD7u+icBMbuPUkzq2VCHol9Rd0VnPVjvTI8ZHQsQEZdbmH9gWMdD732B8Dli6Gej"
#: The require.js that thebe 0.9.3 fetches before it renders a widget.
REQUIREJS = NpmPackage(
    "requirejs", "2.3.6",
    "sha512-ipEzlWQe6RK3jkzikgCupiTbTvm4S0/CAU5GlgptkN5SO6F3u0UD0K18wy6ErDqiCyP4J4YYe1HuAShvsxePLg==",
)
#: Where thebe 0.9.3 fetches it from (a constant in its bundle); live-code.js
#: answers that request with the book's copy.
REQUIREJS_CDN_URL = "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js"

#: The integration's own files, next to this module, copied to ``_static/``.
ASSETS = ("live-code.js", "live-code.css")

#: Set to "1" to make a build without Live Code fail (CI that deploys the site).
REQUIRE_ENV = "JACOBIAN_REQUIRE_LIVE_CODE"

#: What sphinx-thebe adds to every page, replaced here.
SPHINX_THEBE_FILES = ("sphinx-thebe.js", "sphinx-thebe.css")
SPHINX_THEBE_INLINE = "THEBE_JS_URL"
#: sphinx-thebe's per-page config, in the body of pages that get Live Code.
PAGE_CONFIG = 'type="text/x-thebe-config"'


def prepare(app: Sphinx, config: Config) -> None:
    """Get the pinned tarballs; without them, hide the Live Code button and say why."""
    app.live_code_tarballs = None
    if not config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        return
    cache = cache_folder(app.srcdir)
    try:
        app.live_code_tarballs = {p.name: npm_tarball(p, cache) for p in (THEBE, REQUIREJS)}
    except PackageUnavailable as error:
        if os.environ.get(REQUIRE_ENV) == "1":
            # Set by `make test` and by the workflow that publishes the site.
            raise ExtensionError(
                f"Live Code: {error}. {REQUIRE_ENV}=1 makes a build without Live Code fail "
                f"(`make test` and the published site need it); `make book` without it "
                f"builds the book with the Live Code button hidden.") from None
        config.html_theme_options["launch_buttons"]["thebe"] = False
        # Not a warning: -W would fail an offline build of everything else.
        logger.info(f"[live code] LEFT OUT of this build, the Live Code button is hidden: "
                    f"{error}", color="red")


def copy_assets(app: Sphinx) -> None:
    """Copy Thebe, require.js and the integration into the output's ``_static/``."""
    if app.builder.format != "html" or not app.live_code_tarballs:
        return
    static = Path(app.outdir) / "_static"
    thebe = static / THEBE.folder
    shutil.rmtree(thebe, ignore_errors=True)
    unpack(app.live_code_tarballs["thebe"],
           {"lib/*.js": "", "lib/*.LICENSE.txt": "", "lib/thebe.css": ""}, thebe)
    index = sri((thebe / "index.js").read_bytes())
    if index != THEBE_INDEX_SHA384:
        raise ExtensionError(f"thebe {THEBE.version}'s lib/index.js has {index}, not the pinned "
                             f"{THEBE_INDEX_SHA384}")
    unpack(app.live_code_tarballs["requirejs"], {"require.js": ""}, static / REQUIREJS.folder)
    here = Path(__file__).resolve().parent
    for name in ASSETS:
        shutil.copyfile(here / name, static / name)
    logger.info(f"[live code] thebe {THEBE.version} and require.js {REQUIREJS.version} "
                f"copied into _static from their npm packages")


def settings(pathto: Any) -> dict[str, str]:
    """What live-code.js needs to know, with URLs relative to the page."""
    return {
        "thebe": pathto(f"_static/{THEBE.folder}/index.js", 1),
        "integrity": THEBE_INDEX_SHA384,
        "css": pathto(f"_static/{THEBE.folder}/thebe.css", 1),
        "requirejs": pathto(f"_static/{REQUIREJS.folder}/require.js", 1),
        "requirejsCdn": REQUIREJS_CDN_URL,
        "version": THEBE.version,
    }


def _is_sphinx_thebe(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    if PurePosixPath(filename.split("?")[0]).name in SPHINX_THEBE_FILES:
        return True
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return SPHINX_THEBE_INLINE in body


def replace_sphinx_thebe(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Drop sphinx-thebe's scripts and style; add the integration where Live Code is offered."""
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if isinstance(assets, list):
            # In place: Sphinx keeps a reference to this list and restores it per page.
            assets[:] = [a for a in assets if not _is_sphinx_thebe(a)]
    if not app.live_code_tarballs or PAGE_CONFIG not in (context.get("body") or ""):
        return
    # A script's text is not HTML-decoded: only "</" could end it early.
    data = json.dumps(settings(context["pathto"])).replace("</", "<\\/")
    # Called during html-page-context, add_js_file adds to this page only.
    app.add_js_file(None, type="application/json", id="jacobian-live-code", body=data)
    app.add_js_file("live-code.js", defer="defer")
    app.add_css_file("live-code.css")
