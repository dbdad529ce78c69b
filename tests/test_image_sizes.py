"""Tests for _ext/jacobian_book/image_sizes.py: PNGs get their width and height in the HTML."""

from __future__ import annotations

from types import SimpleNamespace

from PIL import Image

from jacobian_book import image_sizes


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
        '<img alt="a" src="../_images/fig.png" style="width: 375px;" width="375" height="850" />'
        '<img alt="b" src="../_images/fig.png" width="750" height="1700" />'
        '<img alt="c" src="../_images/fig.png" width="10" height="20">'
        '<img alt="d" src="../_static/logo.svg">'
        '<img alt="e" src="../_images/missing.png">')
