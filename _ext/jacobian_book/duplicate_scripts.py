"""A local Sphinx extension: fixes to the HTML that jupyter-book 1 writes.

Jupyter Book 1 pins Sphinx 7, whose ``Sphinx.add_js_file(None, body=...)``
registers an inline script twice: once as filename ``None`` when it is
called, once as ``''`` when the HTML builder prepares writing. The two
compare unequal, so both land in the page (fixed upstream in Sphinx 8.2,
sphinx-doc/sphinx#13402, which jupyter-book 1 cannot use). For
sphinx-thebe's ``const THEBE_JS_URL = ...`` the second copy is a
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` in
every page's console, and the Live Code button then cannot find its config.
Here we drop the second copy, page by page, before the template renders.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _script_key(script: Any) -> tuple:
    """Identity of a script as the browser sees it: ``None`` and ``''`` are both inline."""
    filename = getattr(script, "filename", script) or ""
    priority = getattr(script, "priority", None)
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), priority, tuple(sorted(attributes.items())))


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Keep the first of any scripts that would render as the same ``<script>`` tag."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: Sphinx keeps a reference to this list and restores it per page.
    scripts[:] = unique

