"""Tests for _ext/jacobian_book/prerender_math.py: equations typeset at build time.

Finding Sphinx's math in the HTML and putting the typeset equations back are
tested with a stand-in for Node; one test runs the real engine (Node and
mathjax-full from .cache/npm) on a fragment. tests/test_browser.py and
tests/test_a11y.py check the built pages in Chromium.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.errors import ExtensionError

from jacobian_book import live_code, prerender_math

ROOT = Path(__file__).resolve().parents[1]


#: Sphinx 7.4's HTML for an inline equation, and a numbered display one.
INLINE = '<span class="math notranslate nohighlight">\\(a &lt; b\\)</span>'
DISPLAY = ('<div class="math notranslate nohighlight" id="equation-x">\n'
           '<span class="eqno">(1)<a class="headerlink" href="#equation-x">#</a></span>'
           '\\[\\begin{split}\na &amp;= \\left(b\\right) \\\\[2pt]\nc\n\\end{split}\\]</div>')


def test_equations_are_found_with_their_tex_unescaped():
    page = f"<p>Then {INLINE} and</p>\n{DISPLAY}<pre>\\(not math\\)</pre>"
    found = prerender_math.equations(page)
    assert [(tex, display) for _, tex, display in found] == [
        ("a < b", False),
        ("\\begin{split}\na &= \\left(b\\right) \\\\[2pt]\nc\n\\end{split}", True),
    ]


def test_typeset_equations_replace_the_tex_and_keep_numbers_and_anchors():
    page = f"<p>Then {INLINE} and</p>\n{DISPLAY}"
    out = prerender_math.substitute(page, prerender_math.equations(page), ["<I/>", "<D/>"])
    assert out == (
        '<p>Then <span class="math notranslate nohighlight"><I/></span> and</p>\n'
        '<div class="math notranslate nohighlight" id="equation-x">\n'
        '<span class="eqno">(1)<a class="headerlink" href="#equation-x">#</a></span><D/></div>')
    # Typeset HTML has no TeX left to find: a second pass changes nothing.
    assert prerender_math.equations(out) == []


class FakeApp:
    def __init__(self, srcdir: Path) -> None:
        self.srcdir = srcdir
        self.builder = SimpleNamespace(format="html")
        self.config = SimpleNamespace(mathjax_path="mathjax/tex-chtml.js")


def test_without_node_the_pages_keep_the_runtime_mathjax(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv(live_code.REQUIRE_ENV, raising=False)
    app = FakeApp(tmp_path)
    prerender_math.prepare(app)
    assert app.prerender_math is None
    scripts = ["_static/mathjax/tex-chtml.js"]
    prerender_math.drop_runtime_mathjax(app, "p", "page.html", {"script_files": scripts}, None)
    assert scripts == ["_static/mathjax/tex-chtml.js"]
    # ... unless the build must have it (make test, the published site).
    monkeypatch.setenv(live_code.REQUIRE_ENV, "1")
    with pytest.raises(ExtensionError, match=r"node not found.*JACOBIAN_REQUIRE_LIVE_CODE=1"):
        prerender_math.prepare(app)


def test_prerendered_pages_load_neither_mathjax_nor_its_config(tmp_path):
    app = FakeApp(tmp_path)
    app.prerender_math = tmp_path
    config = SimpleNamespace(filename="", attributes={"body": "window.MathJax = {}"})
    other = SimpleNamespace(filename="", attributes={"body": "let x = 1;"})
    scripts = ["_static/doctools.js", config, "_static/mathjax/tex-chtml.js", other]
    prerender_math.drop_runtime_mathjax(app, "p", "page.html", {"script_files": scripts}, None)
    assert scripts == ["_static/doctools.js", other]


def _engine() -> Path:
    """The real engine; skipped without Node or a cached package, unless required."""
    required = os.environ.get(live_code.REQUIRE_ENV) == "1"
    cached = (live_code.cache_folder(ROOT) / prerender_math.MATHJAX.folder).is_dir()
    if not required and not (cached and shutil.which("node")):
        pytest.skip("Node.js or mathjax-full in .cache/npm missing (make book fetches it)")
    return prerender_math.engine(ROOT)


def test_a_fragment_is_typeset_with_speakable_mathml_and_its_fonts():
    _engine()
    (out,) = prerender_math.render_math_in_html([(f"<p>{INLINE}</p>", "../fonts")], ROOT)
    css, out = out.removeprefix("<style>").split("</style>", 1)
    assert out.startswith('<p><span class="math notranslate nohighlight"><mjx-container ')
    assert "<mjx-assistive-mml" in out and "<mo>&lt;</mo>" in out
    assert 'font-size: 127.3%' in out
    assert "\\(" not in out
    assert 'url("../fonts/MathJax_Math-Italic.woff")' in css


def test_a_tex_error_fails_with_the_tex():
    _engine()
    bad = '<span class="math notranslate nohighlight">\\(\\nosuchmacro x\\)</span>'
    with pytest.raises(ExtensionError, match=r"Undefined control sequence \\\\nosuchmacro"):
        prerender_math.render_math_in_html([(bad, "fonts")], ROOT)
