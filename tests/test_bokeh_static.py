"""_ext/jacobian_book/bokeh_static.py on stand-ins for Sphinx's app and config."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import Mock

import pytest

from jacobian_book import bokeh_static
from live_explorer import BOOK_BUILD_ENV


def fake_app(outdir: Path, fmt: str = "html") -> SimpleNamespace:
    """What the hooks read of Sphinx's app; ``add_js_file`` records its calls."""
    return SimpleNamespace(outdir=outdir, builder=SimpleNamespace(format=fmt), add_js_file=Mock())


def test_bundles_are_copied_once_into_a_versioned_static_folder(tmp_path, monkeypatch):
    bokeh_static.copy_bundles(fake_app(tmp_path / "latex", fmt="latex"))
    assert not (tmp_path / "latex").exists()  # no copy for other builders
    bokeh_static.copy_bundles(fake_app(tmp_path))
    import bokeh

    folder = tmp_path / "_static" / f"bokeh-{bokeh.__version__}"
    for name in bokeh_static.BUNDLES:
        assert (folder / name).read_bytes() == (bokeh_static.bokeh_js_dir() / name).read_bytes()
    # Nothing else anywhere in the output but the loader.
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.js")) == sorted(
        [f"_static/{folder.name}/{n}" for n in bokeh_static.BUNDLES]
        + [f"_static/{bokeh_static.LOADER}"]
    )
    monkeypatch.setattr(bokeh_static, "bokeh_js_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"bokeh\.min\.js"):
        bokeh_static.copy_bundles(fake_app(tmp_path))


EMBED = "(function() { Bokeh.embed.embed_items(docs_json, render_items) })();"


def test_only_pages_that_embed_bokeh_get_the_loader_and_hold_their_embed(tmp_path):
    app = fake_app(tmp_path)
    plain = {"body": "<p>no figure here</p><script>let x = 1;</script>"}
    bokeh_static.add_bokeh_where_embedded(app, "chapters/jacobian", "page.html", plain, None)
    app.add_js_file.assert_not_called()
    assert plain["body"] == "<p>no figure here</p><script>let x = 1;</script>"
    context = {"body": f"<div></div><script>let x = 1;</script><script>{EMBED}</script>"}
    bokeh_static.add_bokeh_where_embedded(app, "chapters/interactive", "page.html", context,
                                          None)
    # One deferred loader, which names both bundles, the core first.
    folder = bokeh_static.static_folder()
    app.add_js_file.assert_called_once_with(bokeh_static.LOADER, defer="defer", **{
        "data-bundles": f"{folder}/bokeh.min.js {folder}/bokeh-widgets.min.js"})
    # The embed script waits for the loader; the page's other scripts run as before.
    assert context["body"] == (
        f'<div></div><script>let x = 1;</script><script type="text/x-bokeh-deferred">'
        f"{EMBED}</script>")


def test_the_html_builder_drops_the_empty_widget_view(monkeypatch):
    # setenv, not delenv: monkeypatch then removes the variable again after
    # the test, so later tests (a JupyterLab server) do not inherit it.
    monkeypatch.setenv(bokeh_static.BOOK_BUILD_ENV, "0")
    config = SimpleNamespace(nb_mime_priority_overrides=[("latex", "image/png", 1)])
    bokeh_static.drop_widget_view(None, config)
    # ... and the pages' kernels learn that they run in the build, under the
    # name the explorer reads (code/ cannot import the extension).
    assert os.environ[BOOK_BUILD_ENV] == "1"
    assert config.nb_mime_priority_overrides == [
        ("latex", "image/png", 1),
        ("html", "application/vnd.jupyter.widget-view+json", None),
    ]
