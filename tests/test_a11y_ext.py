"""Tests for _ext/a11y.py, the book's accessibility fixes to the theme and myst-nb."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from browser_book import ROOT

_SPEC = importlib.util.spec_from_file_location(
    "a11y_ext", ROOT / "_ext" / "jacobian_book" / "a11y.py"
)
a11y = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(a11y)


# ------------------------------------------------------------ scroll boxes
def test_a_scrolling_table_gets_a_tab_stop_a_role_and_a_name():
    markup = (
        '<div style="overflow-x: auto"><table class="table"><thead><tr>'
        "<th>contender</th><th>median <b>time</b></th></tr></thead>"
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table></div>"
    )
    fixed = a11y.focusable_scrollers(markup)
    opening = fixed[: fixed.index(">") + 1]
    assert 'tabindex="0"' in opening
    assert 'role="region"' in opening
    assert 'aria-label="Table: contender, median time (scrolls sideways)"' in opening
    # Nothing else changes: the table is the same.
    assert fixed[len(opening):] == markup[markup.index(">") + 1:]


def test_the_fix_is_idempotent_and_leaves_other_boxes_alone():
    markup = '<div style="overflow-y: scroll; max-height: 9em"><pre>long</pre></div>'
    once = a11y.focusable_scrollers(markup)
    assert 'aria-label="Output (scrolls sideways)"' in once
    assert a11y.focusable_scrollers(once) == once
    plain = '<div style="color: red"><table><tr><th>x</th></tr></table></div>'
    assert a11y.focusable_scrollers(plain) == plain


def test_an_author_given_role_or_name_is_kept():
    markup = '<div role="group" aria-label="Timings" style="overflow:auto">x</div>'
    fixed = a11y.focusable_scrollers(markup)
    assert fixed.count("aria-label") == 1 and "Timings" in fixed
    assert fixed.count("role=") == 1 and 'tabindex="0"' in fixed


def test_header_text_is_escaped_in_the_name():
    markup = '<div style="overflow-x:auto"><table><tr><th>a &lt; "b"</th></tr></table></div>'
    fixed = a11y.focusable_scrollers(markup)
    assert 'aria-label="Table: a &lt; &quot;b&quot; (scrolls sideways)"' in fixed


def test_markup_must_be_a_string():
    with pytest.raises(TypeError, match="markup must be a str"):
        a11y.focusable_scrollers(b"<div>")


# ------------------------------------------------------- hidden-code toggle
def test_hidden_code_summary_is_named_by_its_visible_text():
    translator = SimpleNamespace(body=[])
    node = {"classes": ["tag_hide-input"], "prompt_show": "Show code cell source",
            "prompt_hide": "Hide <code>"}
    a11y.visit_hide_code_cell(translator, node)
    html = "".join(translator.body)
    assert "<summary>" in html and "aria-label" not in html
    assert '<details class="admonition hide tag_hide-input">' in html
    assert '<p class="collapsed admonition-title">Show code cell source</p>' in html
    assert "Hide &lt;code&gt;" in html


# ------------------------------------------------------------- templates
def test_templates_go_first_on_the_path_once():
    config = SimpleNamespace(templates_path=["other"])
    a11y.add_templates(None, config)
    a11y.add_templates(None, config)
    assert config.templates_path == [str(a11y.TEMPLATES), "other"]


def test_each_override_replaces_a_template_the_theme_still_has():
    # If the theme renames or drops a component, the override silently stops
    # applying: notice it here.
    import pydata_sphinx_theme

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    # pydata-sphinx-theme puts its components/ folder on the template path,
    # so an override by the same name in _templates wins.
    overrides = sorted(a11y.TEMPLATES.glob("*.html"))
    assert overrides, "no template overrides found"
    for override in overrides:
        assert (theme / "components" / override.name).exists(), override.name


def test_overrides_name_controls_by_what_they_show():
    components = a11y.TEMPLATES
    search = (components / "search-button-field.html").read_text(encoding="utf-8")
    button = re.search(r"<button[^>]*>", search).group(0)
    assert "aria-label" not in button  # the name is the visible "Search Ctrl+K"
    switch = (components / "theme-switcher.html").read_text(encoding="utf-8")
    icons = re.findall(r"<i [^>]*>", switch)
    assert len(icons) == 3
    assert all('aria-hidden="true"' in i and "title=" not in i for i in icons)


# ------------------------------------------------------------ built pages
@pytest.mark.slow
def test_the_built_book_carries_the_fixes(site):
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    text = {p: p.read_text(encoding="utf-8") for p in pages}
    assert not [p.name for p, t in text.items() if 'summary aria-label="Toggle' in t]
    assert not [p.name for p, t in text.items()
                if re.search(r'search-button-field[^>]*aria-label="Search"', t)]
    # The colour-mode switch keeps keyboard focus (its behaviour is tested in
    # tests/test_a11y.py): the script is on every page, once.
    counts = {p.name: t.count("event.detail === 0") for p, t in text.items()
              if "theme-switch-button" in t}  # not index.html, a bare redirect
    assert set(counts.values()) == {1}, counts
    # Every inline-styled scroller in an output can be reached by the keyboard.
    for page, t in text.items():
        for match in a11y.SCROLLER.finditer(t):
            assert "tabindex" in match.group(0), f"{page.name}: {match.group(0)[:120]}"


# ------------------------------------------------------------- bibliography
def test_bibliography_entries_become_items_of_their_list():
    body = (
        '<div role="list" class="citation-list">'
        '<div class="citation" id="id1" role="doc-biblioentry">A</div>'
        '<div class="citation" id="id2" role="doc-biblioentry">B</div></div>'
    )
    context = {"body": body}
    a11y.citation_list_items(None, "chapters/further_reading", "page.html", context, None)
    assert context["body"].count('role="listitem"') == 2
    assert "doc-biblioentry" not in context["body"]
    untouched = {"body": "<p>no bibliography</p>"}
    a11y.citation_list_items(None, "intro", "page.html", untouched, None)
    assert untouched == {"body": "<p>no bibliography</p>"}
