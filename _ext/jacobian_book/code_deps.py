"""A local Sphinx extension: a page depends on the ``code/*.py`` modules it imports.

Sphinx re-reads a page on an incremental build only when the page's own file,
or a file recorded with ``env.note_dependency``, is newer than the page's last
read; myst-nb executes a notebook page exactly when Sphinx re-reads it
(``execute_notebooks: force``). Without help, an edit to ``code/tanh_basis.py``
would leave every page that imports it with stale outputs.

So, each time a page is read, this extension parses the page's code cells
(the same cells myst-nb executes), collects the top-level names they import
(``import x``, ``import x as y``, ``from x import y``,
``importlib.import_module("x")``), keeps those that are modules in ``code/``,
follows the imports between those modules (``static_figure`` imports
``tanh_basis`` and ``style``), and records each file as a dependency of the
page. Editing a module then re-reads, and so re-executes, exactly the pages
that import it directly or through another module of ``code/``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Fallback for a cell that is not valid Python even after IPython's
#: transformations: the first dotted name after ``import`` or ``from``.
_IMPORT_LINE = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w.]*)", re.M)


def _python_source(cell_source: str) -> str:
    """A code cell as plain Python: IPython magics become ordinary calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # no IPython: comment out the magic lines instead
        return re.sub(r"^(\s*)([%!])", r"\1#\2", cell_source, flags=re.M)
    return TransformerManager().transform_cell(cell_source)


def imported_names(source: str) -> set[str]:
    """Top-level module names that a piece of Python source imports.

    Parameters
    ----------
    source : str
        One code cell or one module; IPython magics are allowed.

    Returns
    -------
    set of str
        ``{"numpy", "tanh_basis"}`` for ``import numpy as np`` and
        ``from tanh_basis import TanhBasis``. Relative imports are left out:
        pages and the modules of ``code/`` import by absolute name.
    """
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return {name.split(".")[0] for name in _IMPORT_LINE.findall(source)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def _module_file(name: str, code_dir: Path) -> Path | None:
    """The file of module ``name`` in ``code_dir`` (a module or a package), if any."""
    for candidate in (code_dir / f"{name}.py", code_dir / name / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_closure(names: Iterable[str], code_dir: Path) -> set[Path]:
    """The files in ``code_dir`` that importing ``names`` loads, transitively.

    Parameters
    ----------
    names : iterable of str
        Top-level module names imported by a page.
    code_dir : Path
        The folder the pages put on ``sys.path`` (``code/``).

    Returns
    -------
    set of Path
        Every ``code_dir`` module among ``names``, and every ``code_dir``
        module that those import, directly or through each other. Names that
        are not in ``code_dir`` (numpy, the standard library) are ignored.
    """
    found: set[Path] = set()
    pending = list(names)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name, code_dir)
        if path is None:
            continue
        found.add(path)
        pending.extend(imported_names(path.read_text(encoding="utf-8")))
    return found


def code_cells(path: Path, text: str) -> list[str]:
    """The sources of the code cells of a page, as myst-nb reads them.

    Parameters
    ----------
    path : Path
        The page's file (``.md`` or ``.ipynb``).
    text : str
        Its contents.

    Returns
    -------
    list of str
        One string per code cell; empty for a page that is not a notebook.
    """
    if path.suffix == ".ipynb":
        notebook = nbformat.reads(text, as_version=4)
    elif path.suffix == ".md" and is_myst_markdown_notebook(text):
        notebook = read_myst_markdown_notebook(text, path=path)
    else:
        return []
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def note_code_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    """Record each ``code/`` module that page ``docname`` imports as its dependency."""
    env = app.env
    path = Path(env.doc2path(docname))
    code_dir = Path(app.srcdir) / app.config.code_deps_dir
    names: set[str] = set()
    for cell in code_cells(path, source[0]):
        names |= imported_names(cell)
    for module in sorted(module_closure(names, code_dir)):
        # Relative to the source folder, so a moved or copied book keeps working.
        env.note_dependency(module.relative_to(app.srcdir).as_posix())
    logger.debug("[code_deps] %s depends on %s", docname, sorted(env.dependencies[docname]))
