"""A local Sphinx extension: fewer bytes before a page's first screen, on a phone.

Lighthouse's simulated Largest Contentful Paint counts every request that ended
before the page painted; on slow 4G that is about 5 s per MB. Once the pages
are written (``build-finished``):

* Pages other than ``search.html`` load no ``searchtools.js``,
  ``language_data.js`` and ``searchindex.js`` (three blocking scripts): with
  ``search_as_you_type`` off, the theme's search box submits to ``search.html``,
  which loads them.
* The theme's ``<link rel="preload">`` of its two deferred scripts goes: it
  made them high priority, fetched with the style sheets before the first paint.
* Deferred scripts (tips, Live Code, the theme's menus) start after the
  first paint (``after-paint.js``, inlined): requested
  before it, Lighthouse counted their bytes and their forced layouts in LCP.
* The theme's style sheet drops Font Awesome's rules for its 1,900 icons
  (20 kB of 66 kB gzipped), all drawn as SVG by :mod:`.icons`, but those the
  book's scripts create (the banners' close button).
* The Font Awesome fonts of the theme's CSS icons (admonitions, breadcrumbs;
  the GitHub mark before links to github.com), 156 kB and 118 kB, are cut to
  the icons its style sheets name (fontTools), and the pages' ``@font-face``
  rules point there.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

from .fonts import subset_woff
from .prerender_math import html_pages

SEARCH_SCRIPTS = re.compile(r'\s*<script src="[^"]*(?:_static/searchtools|_static/language_data'
                            r'|searchindex)\.js"></script>')
SCRIPT_PRELOAD = re.compile(r'\s*<link rel="preload" as="script" href="[^"]*scripts/[^"]*" />')
DEFERRED = re.compile(
    r'<script ([^>]*?)\bdefer(?:="defer")? ?([^>]*?)src="([^"]+)"([^>]*)></script>')
#: Kept deferred: the explorer's 2 kB loader, which watches for the reader nearing it.
KEEP_DEFERRED = "bokeh-lazy.js"
#: after-paint.js without its comment lines, for the end of <body>.
LOADER = "".join(line for line in Path(__file__).with_name("after-paint.js").read_text(
    encoding="utf-8").splitlines(keepends=True) if not line.startswith("//"))
WEBFONTS = "_static/vendor/fontawesome/webfonts/"
#: The theme's icon fonts: family, weight, and the file cut from.
ICON_FONTS = {"Font Awesome 6 Free": (900, "fa-solid-900"),
              "Font Awesome 6 Brands": (400, "fa-brands-400")}
#: Font Awesome's own ``.fa-bars:before{content:"\\f0c9"}`` rules: the <i> icons,
#: drawn as SVG by :mod:`.icons`, not by the font.
FA_CLASS_RULES = re.compile(r'(?:\.fa-[\w-]+:(?:before|after),?)+\{content:"[^"]*"\}')
ESCAPE = re.compile(r"\\(f[0-9a-f]{3})\b")
THEME_STYLES = "_static/styles/pydata-sphinx-theme.css"
#: An icon's class in a script, which the rule that draws it must survive.
SCRIPT_ICON = re.compile(r"\bfa-[a-z0-9-]+")
#: Where a page finds _static (404.html: from the site's root, not relative).
THEME_CSS = re.compile(r'href="([^"]*)_static/styles/pydata-sphinx-theme\.css')


def css_icons(static: Path) -> set[int]:
    """The Font Awesome code points that the style sheets under ``static`` draw."""
    points: set[int] = set()
    for css in static.rglob("*.css"):
        if "vendor" in css.parts:
            continue
        text = FA_CLASS_RULES.sub("", css.read_text(encoding="utf-8"))
        points |= {ord(c) for c in text if 0xE000 <= ord(c) <= 0xF8FF}
        points |= {int(code, 16) for code in ESCAPE.findall(text)}
    return points


def trim_theme_styles(outdir: Path) -> None:
    """Drop from :data:`THEME_STYLES` the icon rules no script of ``_static`` needs."""
    path = outdir / THEME_STYLES
    if not path.is_file():
        return
    scripts = [js.read_text(encoding="utf-8") for js in (outdir / "_static").rglob("*.js")
               if js.name != "fontawesome.js" and "tippy" not in js.parts]
    keep = {f".{name}:" for text in scripts for name in SCRIPT_ICON.findall(text)}
    css = path.read_text(encoding="utf-8")
    path.unlink()  # a new file, never through a link to the theme's own copy
    path.write_text(FA_CLASS_RULES.sub(
        lambda rule: rule[0] if any(name in rule[0] for name in keep) else "", css),
        encoding="utf-8")


def subset_icon_fonts(outdir: Path) -> list[str]:
    """Cut :data:`ICON_FONTS` to :func:`css_icons`; the ``@font-face`` rules that use them.

    Each rule has a ``%s`` for the path from a page to the site's root.
    """
    faces = []
    icons = css_icons(outdir / "_static")
    for family, (weight, name) in ICON_FONTS.items():
        if (outdir / WEBFONTS / f"{name}.ttf").is_file():
            subset_woff(outdir / WEBFONTS / f"{name}.ttf",
                        outdir / WEBFONTS / f"{name}-book.woff", icons)
            faces.append(f'@font-face{{font-family:"{family}";font-style:normal;'
                         f'font-weight:{weight};font-display:block;'
                         f'src:url("%s{WEBFONTS}{name}-book.woff") format("woff")}}')
    return faces


def lighten_pages(app: Sphinx, exception: Exception | None) -> None:
    """Search scripts only on the search page, no script preloads, the small icon font."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    keep_search = str(app.config.html_theme_options.get("search_as_you_type", "")).lower()
    faces = subset_icon_fonts(outdir)
    trim_theme_styles(outdir)
    for path in html_pages(outdir):
        page = old = path.read_text(encoding="utf-8")
        if keep_search != "true" and path != outdir / "search.html":
            page = SEARCH_SCRIPTS.sub("", page)
        page = SCRIPT_PRELOAD.sub("", page)
        page, deferred = DEFERRED.subn(lambda m: m[0] if KEEP_DEFERRED in m[3] else (
            f'<script {m[1]}{m[2]}type="text/x-after-paint" data-src="{m[3]}"{m[4]}></script>'),
            page)
        if deferred:
            head, body_end, tail = page.rpartition("</body>")
            page = f"{head}<script>{LOADER}</script>\n{body_end}{tail}"
        root = THEME_CSS.search(page)
        if faces and root and faces[0] % root[1] not in page:
            # Last in <head>: a later @font-face with the same descriptors wins.
            style = "".join(face % root[1] for face in faces)
            page = page.replace("</head>", f"<style>{style}</style>\n</head>", 1)
        if page != old:
            path.write_text(page, encoding="utf-8")
