"""Tests for _ext/jacobian_book/image_sizes.py (PNGs get their width and height in the HTML)
and page_weight.py (what a page fetches before its first paint)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from PIL import Image

from jacobian_book import image_sizes, page_weight


def test_pngs_get_the_css_size_the_page_gives_them(tmp_path):
    (tmp_path / "_images").mkdir()
    Image.new("L", (750, 1700)).save(tmp_path / "_images" / "fig.png")  # 2 px per CSS px
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters" / "p.html"
    page.write_text(
        '<img alt="a" src="../_images/fig.png" style="width: 375px;" />'
        '<img alt="b" src="../_images/fig.png">'
        '<img alt="c" src="../_images/fig.png" width="10" height="20">'
        '<img alt="d" src="../_static/logo.svg">'
        '<img alt="e" src="../_images/missing.png">', encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    image_sizes.add_image_sizes(app, None)
    assert page.read_text(encoding="utf-8") == (
        '<img alt="a" src="../_images/fig.png" style="width: 375px;" width="375" height="850"'
        ' loading="lazy" />'
        '<img alt="b" src="../_images/fig.png" width="750" height="1700" loading="lazy" />'
        '<img alt="c" src="../_images/fig.png" width="10" height="20">'
        '<img alt="d" src="../_static/logo.svg">'
        '<img alt="e" src="../_images/missing.png">')


def test_pages_fetch_only_the_first_screen_before_it_is_painted(tmp_path):
    # _ext/jacobian_book/page_weight.py, on the theme's tags as they are written.
    (tmp_path / "p.html").write_text(
        '<head><link href="_static/styles/pydata-sphinx-theme.css?digest=1" rel="stylesheet" />\n'
        '<link rel="preload" as="script" href="_static/scripts/bootstrap.js?digest=1" />\n'
        '<script src="_static/searchtools.js"></script><script src="searchindex.js"></script>\n'
        '<script defer="defer" src="_static/tips.js?v=3"></script>\n'
        '<script data-bundles="b.js" defer="defer" src="_static/bokeh-lazy.js"></script>'
        '</head><body></body>')
    page_weight.lighten_pages(SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(
        format="html"), config=SimpleNamespace(html_theme_options={})), None)
    page = (tmp_path / "p.html").read_text()
    # No search scripts; of the deferred ones, only the explorer's loader.
    assert re.findall(r'<script [^>]*?(?<!-)src="([^"]+)"', page) == ["_static/bokeh-lazy.js"]
    assert 'type="text/x-after-paint" data-src="_static/tips.js?v=3"' in page
    assert "preload" not in page and "PerformanceObserver" in page
