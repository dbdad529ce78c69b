"""_ext/jacobian_book/prerender_math.py (the built pages: test_browser.py, test_a11y.py)."""

from __future__ import annotations

import os
import shutil
from types import SimpleNamespace

import pytest
from book_site import ROOT
from sphinx.errors import ExtensionError

from jacobian_book import live_code, npm, prerender_math

#: Sphinx 7.4's HTML for an inline equation, and a numbered display one.
INLINE = '<span class="math notranslate nohighlight">\\(a &lt; b\\)</span>'
EQNO = '<span class="eqno">(1)<a class="headerlink" href="#equation-x">#</a></span>'
DISPLAY = (f'<div class="math notranslate nohighlight" id="equation-x">\n{EQNO}'
           '\\[\\begin{split}\na &amp;= \\left(b\\right) \\\\[2pt]\nc\n\\end{split}\\]</div>')


def test_equations_are_found_unescaped_and_replaced_keeping_numbers_and_anchors():
    page = f"<p>Then {INLINE} and</p>\n{DISPLAY}<pre>\\(not math\\)</pre>"
    found = prerender_math.equations(page)
    assert [(tex, display) for _, tex, display in found] == [
        ("a < b", False),
        ("\\begin{split}\na &= \\left(b\\right) \\\\[2pt]\nc\n\\end{split}", True),
    ]
    out = prerender_math.substitute(page, found, ["<I/>", "<D/>"])
    assert out == (
        '<p>Then <span class="math notranslate nohighlight"><I/></span> and</p>\n'
        f'<div class="math notranslate nohighlight" id="equation-x">\n{EQNO}<D/></div>'
        "<pre>\\(not math\\)</pre>")
    assert prerender_math.equations(out) == []  # a second pass changes nothing


def test_the_runtime_mathjax_stays_without_node_and_goes_when_prerendered(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv(live_code.REQUIRE_ENV, raising=False)
    app = SimpleNamespace(srcdir=tmp_path, builder=SimpleNamespace(format="html"),
                          config=SimpleNamespace(mathjax_path="mathjax/tex-chtml.js"))
    prerender_math.prepare(app)
    assert app.prerender_math is None
    config = SimpleNamespace(filename="", attributes={"body": "window.MathJax = {}"})
    other = SimpleNamespace(filename="", attributes={"body": "let x = 1;"})
    scripts = ["_static/doctools.js", config, "_static/mathjax/tex-chtml.js", other]
    prerender_math.drop_runtime_mathjax(app, "p", "page.html", {"script_files": scripts}, None)
    assert len(scripts) == 4  # the browser typesets
    app.prerender_math = tmp_path
    prerender_math.drop_runtime_mathjax(app, "p", "page.html", {"script_files": scripts}, None)
    assert scripts == ["_static/doctools.js", other]  # in place: Sphinx keeps the list
    # A build that must typeset (make test, the published site) fails without Node.
    monkeypatch.setenv(live_code.REQUIRE_ENV, "1")
    with pytest.raises(ExtensionError, match=r"node not found.*JACOBIAN_REQUIRE_LIVE_CODE=1"):
        prerender_math.prepare(app)


def test_the_engine_typesets_speakable_mathml_with_its_fonts_and_fails_on_bad_tex():
    cached = (npm.cache_folder(ROOT) / prerender_math.MATHJAX.folder).is_dir()
    if os.environ.get(live_code.REQUIRE_ENV) != "1" and not (cached and shutil.which("node")):
        pytest.skip("Node.js or mathjax-full in .cache/npm missing (make book fetches it)")
    (out,) = prerender_math.render_math_in_html([(f"<p>{INLINE}</p>", "../fonts")], ROOT)
    css, out = out.removeprefix("<style>").split("</style>", 1)
    assert out.startswith('<p><span class="math notranslate nohighlight"><mjx-container ')
    assert "<mjx-assistive-mml" in out and "<mo>&lt;</mo>" in out and "\\(" not in out
    assert 'font-size: 127.3%' in out
    assert 'url("../fonts/MathJax_Math-Italic.woff")' in css
    bad = '<span class="math notranslate nohighlight">\\(\\nosuchmacro x\\)</span>'
    with pytest.raises(ExtensionError, match=r"Undefined control sequence \\\\nosuchmacro"):
        prerender_math.render_math_in_html([(bad, "fonts")], ROOT)
