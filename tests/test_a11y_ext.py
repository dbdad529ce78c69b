"""Tests for _ext/jacobian_book/a11y.py, the book's accessibility fixes to the theme and myst-nb."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pydata_sphinx_theme
import pytest

from jacobian_book import a11y

TABLE = "<table><tr><th>contender</th><th>median <b>time</b></th></tr><tr><td>1</td></tr></table>"


@pytest.mark.parametrize(("markup", "opening"), [
    (f'<div style="overflow-x: auto">{TABLE}</div>',
     '<div style="overflow-x: auto" tabindex="0" role="region" '
     'aria-label="Table: contender, median time (scrolls sideways)">'),
    ('<div style="overflow-x:auto"><table><tr><th>a &lt; "b"</th></tr></table></div>',
     '<div style="overflow-x:auto" tabindex="0" role="region" '
     'aria-label="Table: a &lt; &quot;b&quot; (scrolls sideways)">'),
    ('<div style="overflow:auto"><table><tr><td>1</td></tr></table></div>',  # no header
     '<div style="overflow:auto" tabindex="0" role="region" aria-label="Table (scrolls '
     'sideways)">'),
    ('<pre style="overflow-y: scroll; max-height: 9em">long</pre>',
     '<pre style="overflow-y: scroll; max-height: 9em" tabindex="0" role="region" '
     'aria-label="Output (scrolls sideways)">'),
    # The author's role and name are kept.
    ('<div role="group" aria-label="Timings" style="overflow:auto">x</div>',
     '<div role="group" aria-label="Timings" style="overflow:auto" tabindex="0">'),
    ('<div style="color: red">x</div>', '<div style="color: red">'),
])
def test_a_scrolling_box_gets_a_tab_stop_a_role_and_a_name_once(markup, opening):
    fixed = a11y.focusable_scrollers(markup)
    assert fixed == opening + markup[markup.index(">") + 1:]  # nothing else changes
    assert a11y.focusable_scrollers(fixed) == fixed
    with pytest.raises(TypeError, match="markup must be a str"):
        a11y.focusable_scrollers(markup.encode())


def test_hidden_code_summary_is_named_by_its_visible_text():
    translator = SimpleNamespace(body=[])
    node = {"classes": ["tag_hide-input"], "prompt_show": "Show code cell source",
            "prompt_hide": "Hide <code>"}
    a11y.visit_hide_code_cell(translator, node)
    html = "".join(translator.body)
    assert html.startswith('<details class="admonition hide tag_hide-input">\n<summary>')
    assert '<p class="collapsed admonition-title">Show code cell source</p>' in html
    assert "Hide &lt;code&gt;" in html and "aria-label" not in html


def test_templates_go_first_once_override_theme_components_and_name_by_what_they_show():
    config = SimpleNamespace(templates_path=["other"])
    a11y.add_templates(None, config)
    a11y.add_templates(None, config)
    assert config.templates_path == [str(a11y.TEMPLATES), "other"]
    # A component the theme renames or drops would silently stop being overridden.
    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    overrides = {o.name: o.read_text(encoding="utf-8") for o in a11y.TEMPLATES.glob("*.html")}
    assert overrides and all((theme / "components" / name).exists() for name in overrides)
    button = re.search(r"<button[^>]*>", overrides["search-button-field.html"])[0]
    assert "aria-label" not in button  # its name is the visible "Search Ctrl+K"
    icons = re.findall(r"<i [^>]*>", overrides["theme-switcher.html"])
    assert len(icons) == 3
    assert all('aria-hidden="true"' in i and "title=" not in i for i in icons)


@pytest.mark.slow
def test_the_built_book_carries_the_fixes(site):
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    text = {p: p.read_text(encoding="utf-8") for p in pages}
    assert not [p.name for p, t in text.items() if 'summary aria-label="Toggle' in t]
    assert not [p.name for p, t in text.items()
                if re.search(r'search-button-field[^>]*aria-label="Search"', t)]
    # The colour-mode switch keeps keyboard focus (its behaviour is tests/test_a11y.py's):
    # the script is on every page with the switch (not index.html, a redirect), once.
    counts = {p.name: t.count("event.detail === 0") for p, t in text.items()
              if "theme-switch-button" in t}
    assert set(counts.values()) == {1}, counts
    for page, t in text.items():  # every inline-styled scroller can be reached by the keyboard
        for match in a11y.SCROLLER.finditer(t):
            assert "tabindex" in match.group(0), f"{page.name}: {match.group(0)[:120]}"


def test_bibliography_entries_become_items_of_their_list():
    entry = '<div class="citation" id="id{}" role="doc-biblioentry">A</div>'
    context = {"body": f'<div role="list">{entry.format(1)}{entry.format(2)}</div>'}
    a11y.citation_list_items(None, "chapters/further_reading", "page.html", context, None)
    assert context["body"].count('role="listitem"') == 2
    assert "doc-biblioentry" not in context["body"]
    untouched = {"body": "<p>no bibliography</p>"}
    a11y.citation_list_items(None, "intro", "page.html", untouched, None)
    assert untouched == {"body": "<p>no bibliography</p>"}
