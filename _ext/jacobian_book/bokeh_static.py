"""A local Sphinx extension: serve BokehJS from the book itself, on the pages that use it.

The live explorer of "The Jacobian in pictures" (code/live_explorer.py) is
Bokeh's ``components()`` output: HTML and an inline script that need BokehJS.
This extension

* copies ``bokeh.min.js`` and ``bokeh-widgets.min.js`` from the installed
  ``bokeh`` wheel (``bokeh/server/static/js/``) into the built site once, at
  ``_static/bokeh-<version>/`` of the *output*. Nothing is added to the
  sources: jupyter-book would inject every ``.js`` under a source ``_static``
  folder into every page;
* loads them only on pages whose body embeds a Bokeh document, so the other
  pages do not download 1.7 MB of JavaScript they do not use, and there only
  when the reader nears the figure (or presses its "Load" button):
  ``bokeh-lazy.js``, next to this module, loads BokehJS and then runs the
  embed scripts, which the page holds as ``type="text/x-bokeh-deferred"``.
  On a phone, BokehJS at page load cost a second of main-thread time
  (Lighthouse's Total Blocking Time) before the reader saw the explorer;
* drops the ipywidgets view from the HTML builder's mime priority list: the
  website has no widget manager (``nb_ipywidgets_js: {}``), so a widget view
  would show nothing, while its HTML fallback (the explorer) works. Jupyter,
  which has a kernel, still shows the widgets. ``JACOBIAN_BOOK_BUILD=1`` in
  the environment of the pages' kernels lets the explorer skip them here.

Never a CDN: the script tags point at the book's own files.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

#: BokehJS bundles the explorer needs: the core and the widgets (sliders, buttons).
BUNDLES = ("bokeh.min.js", "bokeh-widgets.min.js")

#: What components() writes into a page that needs BokehJS.
EMBED_MARKER = "Bokeh.embed.embed_items"
#: An embed script as the page holds it: not run until bokeh-lazy.js runs it.
DEFERRED_TYPE = "text/x-bokeh-deferred"
#: The loader, next to this module, copied to the output's ``_static/``.
LOADER = "bokeh-lazy.js"
#: A ``<script>`` tag with no type or a JavaScript type, and its text.
SCRIPT = re.compile(r'<script(?: type="text/javascript")?>(.*?)</script>', re.DOTALL)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: The environment variable that code/live_explorer.py reads (BOOK_BUILD_ENV there).
BOOK_BUILD_ENV = "JACOBIAN_BOOK_BUILD"


def bokeh_js_dir() -> Path:
    """The folder of BokehJS in the installed ``bokeh`` package."""
    import bokeh

    return Path(bokeh.__file__).resolve().parent / "server" / "static" / "js"


def static_folder() -> str:
    """The output folder, under ``_static/``, named by version so caches never mix versions."""
    import bokeh

    return f"bokeh-{bokeh.__version__}"


def copy_bundles(app: Sphinx) -> None:
    """Copy BokehJS into ``<outdir>/_static/bokeh-<version>/`` (once per build)."""
    if app.builder.format != "html":
        return
    source = bokeh_js_dir()
    target = Path(app.outdir) / "_static" / static_folder()
    target.mkdir(parents=True, exist_ok=True)
    for name in BUNDLES:
        if not (source / name).is_file():
            raise FileNotFoundError(f"BokehJS bundle {name} is missing from {source}")
        shutil.copyfile(source / name, target / name)
    shutil.copyfile(Path(__file__).with_name(LOADER), Path(app.outdir) / "_static" / LOADER)


def add_bokeh_where_embedded(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """If the page's body embeds Bokeh: hold its embed scripts, and add the loader."""
    body = context.get("body") or ""
    if EMBED_MARKER not in body:
        return

    def hold(match: re.Match) -> str:
        if EMBED_MARKER not in match[1]:
            return match[0]
        return f'<script type="{DEFERRED_TYPE}">{match[1]}</script>'

    context["body"] = SCRIPT.sub(hold, body)
    bundles = " ".join(f"{static_folder()}/{name}" for name in BUNDLES)
    # Called during html-page-context, add_js_file adds to this page only.
    app.add_js_file(LOADER, defer="defer", **{"data-bundles": bundles})


def drop_widget_view(app: Sphinx, config: Config) -> None:
    """Let HTML pages show a widget's fallback output instead of an empty widget view.

    Also tells the pages' kernels (they inherit this process's environment)
    that they run in the book's build, so ``live_explorer`` does not build
    the widgets that this build would drop.
    """
    overrides = list(config.nb_mime_priority_overrides or [])
    overrides.append(("html", WIDGET_VIEW, None))
    config.nb_mime_priority_overrides = overrides
    os.environ[BOOK_BUILD_ENV] = "1"

