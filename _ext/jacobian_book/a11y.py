"""A local Sphinx extension: accessibility fixes for faults of the theme and myst-nb.

Each fix works around a fault upstream and can be dropped when upstream fixes
it; tests/test_a11y.py (axe-core on the built book) shows which rule fails
without it. Each is a fix of the cause, not a disabled rule:

* Template overrides in ``_templates`` (this extension puts that
  folder on ``templates_path``), for pydata-sphinx-theme 0.17:
  ``search-button-field.html`` and ``theme-switcher.html``, whose accessible
  names did not contain their visible text (axe ``label-content-name-mismatch``).
* myst-nb 1.4's hidden-code toggles, ``<summary aria-label="Toggle hidden
  content">`` around the visible "Show code cell source": the same rule. The
  summary here takes its name from its visible text.
* sphinx-book-theme 1.3 blurs the colour-mode switch on every click, so a
  keyboard user who presses Enter on it is sent back to the top of the page
  and cannot press again: :data:`KEEP_FOCUS_JS` gives focus back after a
  keyboard-made click (WCAG 2.4.3, focus order).
* Scrolling boxes in cell outputs (``<div style="overflow-x: auto">`` around a
  wide table) that a keyboard cannot reach (axe ``scrollable-region-focusable``):
  they get ``tabindex="0"``, ``role="region"`` and a name.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Template overrides, next to this extension's folder.
TEMPLATES = Path(__file__).resolve().parents[2] / "_templates"

#: An opening tag whose inline style makes it scroll.
SCROLLER = re.compile(
    r"<(?P<tag>div|pre|section)\b(?P<attrs>[^>]*\bstyle\s*=\s*(?P<q>[\"'])[^\"']*"
    r"overflow(?:-x|-y)?\s*:\s*(?:auto|scroll)[^\"']*(?P=q)[^>]*)>",
    re.IGNORECASE,
)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _region_name(following: str) -> str:
    """A name for a scrolling box: "Table: " and its column headers, when it holds a table."""
    table = following.lower().find("<table")
    if table != -1:
        headers = [
            html.unescape(_TAG.sub("", h)).strip()
            for h in _HEADER_CELL.findall(following[table : table + 4000])
        ]
        headers = [h for h in headers if h]
        if headers:
            return "Table: " + ", ".join(headers) + " (scrolls sideways)"
        return "Table (scrolls sideways)"
    return "Output (scrolls sideways)"


def focusable_scrollers(markup: str) -> str:
    """Give every inline-styled scrolling box of ``markup`` a tab stop and a name.

    Parameters
    ----------
    markup : str
        HTML, for example a notebook cell's ``text/html`` output.

    Returns
    -------
    str
        The same HTML, where each ``div``, ``pre`` or ``section`` with an inline
        ``overflow: auto|scroll`` that has no ``tabindex`` gains
        ``tabindex="0"``, ``role="region"`` (unless it has a role) and an
        ``aria-label`` (unless it has a name).
    """
    if not isinstance(markup, str):
        raise TypeError(f"markup must be a str of HTML, got {type(markup).__name__}")

    def fix(match: re.Match) -> str:
        attrs = match.group("attrs")
        lowered = attrs.lower()
        if "tabindex" in lowered:
            return match.group(0)
        extra = ' tabindex="0"'
        if "role=" not in lowered:
            extra += ' role="region"'
        if "aria-label" not in lowered and "aria-labelledby" not in lowered:
            name = _region_name(markup[match.end() :])
            extra += f' aria-label="{html.escape(name, quote=True)}"'
        return f"<{match.group('tag')}{attrs}{extra}>"

    return SCROLLER.sub(fix, markup)


def citation_list_items(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Mark bibliography entries as items of their list.

    Sphinx writes the bibliography as ``<div role="list">`` whose entries have
    the DPUB role ``doc-biblioentry``, which DPUB-ARIA 1.1 deprecates in
    favour of ``listitem``; axe reports the list as having no items
    (``aria-required-children``, critical). The entries become list items.
    """
    body = context.get("body")
    if isinstance(body, str) and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


class FocusableScrollers(SphinxPostTransform):
    """Apply :func:`focusable_scrollers` to the raw HTML of every page."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.raw)):
            if "html" not in node.get("format", "").split():
                continue
            text = node.astext()
            fixed = focusable_scrollers(text)
            if fixed != text:
                node.replace(node.children[0], nodes.Text(fixed))


def visit_hide_code_cell(self: Any, node: nodes.Element) -> None:
    """myst-nb's ``<details>`` for a hidden cell, with a summary named by its text.

    Only the visible one of the two titles ("Show ..." while closed, "Hide ..."
    while open, swapped by CSS) counts towards the accessible name.
    """
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    self.body.append(
        f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n'
    )
    self.body.append(
        f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n'
    )
    self.body.append("</summary>\n")


#: Put focus back on the colour-mode switch after sphinx-book-theme blurs it;
#: only for clicks made with the keyboard (``detail`` is 0), so a mouse user
#: still gets no lingering focus ring or tooltip.
KEEP_FOCUS_JS = """
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".theme-switch-button")) {
    button.addEventListener("click", (event) => {
      if (event.detail === 0) setTimeout(() => button.focus(), 0);
    });
  }
});
"""


def add_templates(app: Sphinx, config: Config) -> None:
    """Put ``_templates`` first on the template path, so its overrides win."""
    path = str(TEMPLATES)
    if path not in config.templates_path:
        config.templates_path.insert(0, path)

