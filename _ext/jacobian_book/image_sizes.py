"""A local Sphinx extension: each PNG of a page gets its width and height in the HTML.

myst-nb writes a figure as ``<img src=... style="width: 376px;">``: the browser
learns its height only when the PNG arrives, and moves everything below it
then (Lighthouse: "image elements do not have explicit width and height", and
a layout shift). Once the HTML and the images are written (``build-finished``),
this adds ``width`` and ``height`` attributes in CSS pixels, from the PNG's own
size scaled to the width the page gives it; ``_static/custom.css`` keeps
``height: auto`` so that on a narrow screen the figure shrinks with its shape.
The figures also get ``loading="lazy"``: none is on a page's first screen, and
on a phone they would otherwise download before the text is painted.
"""

from __future__ import annotations

import re
import struct
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from sphinx.application import Sphinx

from .prerender_math import html_pages

#: An <img> of a PNG without a height attribute: before src, src, after src.
IMG = re.compile(r'<img (?![^>]*\sheight=)([^>]*?)src="([^"]+\.png)"([^>]*?)\s*/?>')
CSS_WIDTH = re.compile(r"width:\s*([\d.]+)px")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header."""
    with path.open("rb") as png:
        header = png.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    return struct.unpack(">II", header[16:24])


def sized(tag: re.Match, folder: Path) -> str:
    """The <img> tag with width and height attributes, or unchanged if its file is not here."""
    before, src, after = tag.groups()
    path = (folder / unquote(src.split("?")[0])).resolve()
    if "://" in src or not path.is_file():
        return tag[0]
    width, height = png_size(path)
    shown = CSS_WIDTH.search(before + after)
    css_width = float(shown[1]) if shown else width
    lazy = "" if "loading=" in before + after else ' loading="lazy"'
    return (f'<img {before}src="{src}"{after} width="{round(css_width)}" '
            f'height="{round(height * css_width / width)}"{lazy} />')


def add_image_sizes(app: Sphinx, exception: Exception | None) -> None:
    """Give every PNG of every page its width and height."""
    if exception is not None or app.builder.format != "html":
        return
    for path in html_pages(Path(app.outdir)):
        page = path.read_text(encoding="utf-8")
        new = IMG.sub(partial(sized, folder=path.parent), page)
        if new != page:
            path.write_text(new, encoding="utf-8")
