"""Tests for _ext/jacobian_book/image_sizes.py (PNGs get their width and height in the HTML)
and page_weight.py (what a page fetches before its first paint)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
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


def test_icon_fonts_shrink_to_the_icons_the_style_sheets_draw(tmp_path):
    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/static"
    webfonts = tmp_path / page_weight.WEBFONTS
    shutil.copytree(theme / "vendor/fontawesome/webfonts", webfonts)
    # The theme's rules for a link to github.com and a "note" admonition.
    (tmp_path / "_static/styles").mkdir()
    (tmp_path / "_static/styles/pydata-sphinx-theme.css").write_text(
        ':root{--pst-icon-github:"\uf09b";--pst-icon-note:"\\f05a"}', encoding="utf-8")
    (tmp_path / "chapters").mkdir()
    page = tmp_path / "chapters/p.html"
    page.write_text('<head><link href="../_static/styles/pydata-sphinx-theme.css" '
                    'rel="stylesheet" /></head><body></body>', encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"),
                          config=SimpleNamespace(html_theme_options={}))
    page_weight.lighten_pages(app, None)
    text = page.read_text(encoding="utf-8")
    for family, (weight, name) in page_weight.ICON_FONTS.items():
        cut = webfonts / f"{name}-book.woff"
        assert cut.stat().st_size < (webfonts / f"{name}.ttf").stat().st_size / 20
        assert f'font-family:"{family}";font-style:normal;font-weight:{weight}' in text
        assert f'url("../{page_weight.WEBFONTS}{name}-book.woff")' in text
        cmap = TTFont(cut).getBestCmap()
        assert set(cmap) <= {0xF09B, 0xF05A} and cmap, (name, sorted(cmap))
    assert 0xF09B in TTFont(webfonts / "fa-brands-400-book.woff").getBestCmap()
    # Built twice (an incremental build): the rules are not added again.
    page_weight.lighten_pages(app, None)
    assert page.read_text(encoding="utf-8").count("@font-face") == len(page_weight.ICON_FONTS)
