"""A local Sphinx extension: the theme's Font Awesome icons drawn as inline SVG at build time.

pydata-sphinx-theme writes its icons as ``<i class="fa-solid fa-bars"></i>``
and loads ``scripts/fontawesome.js`` (Font Awesome's ``all.min.js``: 1.5 MB,
543 kB gzipped, every icon of the set) on every page to swap them for SVG;
until it ran, the icon fonts (275 kB) were fetched to draw them. On a phone
that script was most of a page's bytes, so Lighthouse's simulated Largest
Contentful Paint waited for it. Once the HTML is written (``build-finished``),
one Node process (``icons.mjs``) runs the theme's own script to draw the SVG it
would have drawn; each page gets it in place of the ``<i>``, Font Awesome's
style sheet inline, and no ``fontawesome.js``. The theme's CSS icons
(admonitions, breadcrumbs) keep its font. Without Node the pages are left
as they are.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from .prerender_math import html_pages

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("icons.mjs")
FONTAWESOME = "_static/scripts/fontawesome.js"
#: An empty element with attributes, e.g. <i class="fas fa-rocket"></i>.
ICON = re.compile(r"<(i|span)(\s[^<>]*?)\s*>\s*</\1>")
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
#: Font Awesome's style classes and the prefix each stands for.
STYLES = {"fa": "fas", "fas": "fas", "fa-solid": "fas", "far": "far", "fa-regular": "far",
          "fab": "fab", "fa-brands": "fab"}
LOADER = re.compile(r'\s*<script defer src="[^"]*scripts/fontawesome\.js[^"]*"></script>')


def icon_request(tag: re.Match) -> dict | None:
    """What ``icons.mjs`` needs to draw one ``<i>``/``<span>``, or None if it is no icon."""
    attributes = dict(ATTRIBUTE.findall(tag[2]))
    classes = attributes.pop("class", "").split()
    prefixes = [STYLES[name] for name in classes if name in STYLES]
    if not prefixes:
        return None
    attributes.pop("aria-hidden", None)  # Font Awesome sets it.
    return {"prefix": prefixes[0], "classes": [c for c in classes if c not in STYLES],
            "attributes": attributes}


def inline_icons(app: Sphinx, exception: Exception | None) -> None:
    """Swap every page's icon elements for their SVG, and drop ``fontawesome.js``."""
    outdir = Path(app.outdir)
    script = outdir / FONTAWESOME
    if exception is not None or app.builder.format != "html" or not script.is_file():
        return
    if shutil.which("node") is None:
        logger.info("[icons] no node: the pages keep fontawesome.js", color="red")
        return
    pages = {path: path.read_text(encoding="utf-8") for path in html_pages(outdir)}
    requests = {m[0]: icon_request(m) for page in pages.values() for m in ICON.finditer(page)}
    tags = sorted(tag for tag, wanted in requests.items() if wanted)
    request = json.dumps({"icons": [requests[tag] for tag in tags]})
    proc = subprocess.run(["node", str(SCRIPT), str(script)], input=request,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise ExtensionError(f"icons.mjs failed: {proc.stderr[-2000:]}")
    reply = json.loads(proc.stdout)
    unknown = [tag for tag, svg in zip(tags, reply["svg"], strict=True) if svg is None]
    if unknown:
        raise ExtensionError(f"Font Awesome has no icon for {unknown}")
    svg = dict(zip(tags, reply["svg"], strict=True))
    style = f'<style data-fontawesome-svg="inline">{reply["css"]}</style>\n'
    for path, page in pages.items():
        new = ICON.sub(lambda m: svg.get(m[0], m[0]), LOADER.sub("", page))
        if new != page:
            # First in <head>, where fontawesome.js put it: the theme's style
            # sheets come later and win (its --fa-font-solid names its own font).
            path.write_text(new.replace("<head>", "<head>\n" + style, 1), encoding="utf-8")
