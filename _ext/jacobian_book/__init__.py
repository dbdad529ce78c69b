"""The book's local Sphinx extensions, wired in one place.

Each submodule holds the handlers for one job; ``setup`` connects them all.

* ``a11y``: accessibility fixes for theme and myst-nb faults.
* ``bokeh_static``: BokehJS copied from the installed wheel, loaded only on
  pages that embed a Bokeh figure.
* ``duplicate_scripts``: drops Sphinx 7's duplicated inline scripts.
* ``code_deps``: a page depends on the ``code/*.py`` modules it imports.
* ``incremental``: what the next incremental build must redo (pages linking
  a changed static file, pages whose warnings failed the build).
* ``icons``: the theme's Font Awesome icons drawn as inline SVG at build
  time, so pages load no ``fontawesome.js``.
* ``page_weight``: fewer bytes before the first screen (search scripts only
  on the search page, no script preloads, the theme's icon font cut).
* ``image_sizes``: each PNG gets its width and height, so nothing moves when
  it arrives.
* ``prerender_math``: equations typeset at build time (MathJax in Node), so
  pages load no math engine.
* ``standalone``: the notebook a page offers for download fetches the
  book's modules from the site when it has no ``code/`` folder beside it.
* ``repository``: the repository, Binder and Live Code buttons and the
  canonical URL (``html_baseurl``, the fork's GitHub Pages) follow the fork.
* ``tips``: hover previews (sphinx-tippy) with tippy.js served by the book,
  and no tip fetched from another host.
* ``live_code``: Live Code runs the pinned Thebe from the npm package, served by
  the book, in place of sphinx-thebe's scripts.
* ``student_edition``: ``hide_solutions: true`` removes the solutions when
  pages are written, and from the downloads (``make student``).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from sphinx.application import Sphinx

from . import (
    a11y,
    bokeh_static,
    code_deps,
    duplicate_scripts,
    icons,
    image_sizes,
    incremental,
    live_code,
    page_weight,
    prerender_math,
    repository,
    standalone,
    student_edition,
    tips,
)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register every handler of the book's extensions with Sphinx."""
    # repository: config-inited comes before the HTML builder copies
    # html_theme_options, so the buttons see the resolved URL.
    app.connect("config-inited", repository.apply_repository)

    # a11y
    app.connect("config-inited", a11y.add_templates)
    app.add_post_transform(a11y.FocusableScrollers)
    app.connect("html-page-context", a11y.citation_list_items)
    app.add_js_file(None, body=a11y.KEEP_FOCUS_JS)
    # myst-nb registers the node when its extension is set up, before ours.
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(
        HideCodeCellNode, override=True, html=(a11y.visit_hide_code_cell, depart_HideCellInput)
    )

    # bokeh_static: before duplicate_scripts (priority 900) sees
    # the page's scripts.
    app.connect("config-inited", bokeh_static.drop_widget_view)
    app.connect("builder-inited", bokeh_static.copy_bundles)
    app.connect("html-page-context", bokeh_static.add_bokeh_where_embedded, priority=500)

    # live_code: after repository (the button's URL) and before duplicate_scripts.
    app.connect("config-inited", live_code.prepare, priority=600)
    app.connect("builder-inited", live_code.copy_assets)
    app.connect("html-page-context", live_code.replace_sphinx_thebe, priority=500)

    # prerender_math: after sphinx.ext.mathjax (500) added its scripts; at
    # build-finished, before sphinx-mathjax-offline copies the fonts or not
    # makes no difference (the pages only name them).
    app.connect("builder-inited", prerender_math.prepare)
    app.connect("html-page-context", prerender_math.drop_runtime_mathjax, priority=800)
    app.connect("build-finished", prerender_math.prerender_pages)
    # After every page and tip is typeset, and sphinx-mathjax-offline copied its fonts.
    app.connect("build-finished", prerender_math.subset_fonts, priority=900)
    app.connect("build-finished", image_sizes.add_image_sizes)
    app.connect("build-finished", icons.inline_icons)
    app.connect("build-finished", page_weight.lighten_pages)

    # tips: sphinx-tippy collects a page's tips at priority 450.
    app.connect("config-inited", tips.prepare)
    app.connect("builder-inited", tips.copy_assets)
    app.connect("html-page-context", tips.clean_tips, priority=451)
    # Before sphinx-tippy writes the pages' tip scripts (priority 500).
    app.connect("build-finished", tips.typeset_tip_math, priority=450)
    # After sphinx-tippy wrote the pages' tip scripts (priority 500).
    app.connect("build-finished", tips.tidy_output, priority=600)

    # standalone: myst-nb's nb_merge_streams no longer breaks a print sent in two
    # parts; then, after sphinx-book-theme (priority 501) copied the notebook
    # into _sources, and after repository set html_baseurl, the download.
    standalone.merge_streams_as_written()
    app.connect("html-page-context", standalone.make_download_standalone, priority=600)
    app.connect("build-finished", standalone.write_code_zip)

    # student_edition: before sphinx-exercise's post-transforms, and after
    # standalone rewrote the downloadable notebooks.
    app.add_config_value("jacobian_hide_solutions", False, "html", [bool])
    app.connect("config-inited", student_edition.hide_solutions_when_writing)
    app.add_post_transform(student_edition.DropSolutions)
    app.connect("build-finished", student_edition.strip_downloads)

    # duplicate_scripts: late, after every extension has added its per-page scripts.
    app.connect("html-page-context", duplicate_scripts.drop_duplicate_scripts, priority=900)

    # code_deps: a page depends on the files of code/ and benchmarks/ it needs.
    app.connect("source-read", code_deps.note_code_dependencies)

    # incremental: what Sphinx would skip on the next build.
    app.connect("env-updated", incremental.rewrite_pages_if_static_changed)
    warned = incremental.WarnedPages(app)
    logging.getLogger("sphinx").addHandler(warned)
    app.connect("build-finished", partial(incremental.forget_failed_pages, warned=warned))

    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
