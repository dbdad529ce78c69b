"""A local Sphinx extension: a page depends on the files of the book it needs.

Sphinx re-reads a page on an incremental build only when the page's own file,
or a file recorded with ``env.note_dependency``, is newer than the page's last
read; myst-nb executes a notebook page exactly when Sphinx re-reads it
(``execute_notebooks: force``). Without help, an edit to ``code/tanh_basis.py``
would leave every page that imports it with stale outputs.

So, each time a page is read, this extension records as its dependencies the
files :func:`page_files` lists: the ``code/`` modules its code cells import
(``import x``, ``from x import y``, ``importlib.import_module("x")``),
directly or through each other (``static_figure`` imports ``tanh_basis`` and
``style``); the files those modules read beside themselves
(``Path(__file__).with_name("live_explorer.js")``); and the files of
``benchmarks/`` its code names (``"results.json"``). Editing any of them then
re-reads, and so re-executes, exactly the pages that need it.
:mod:`standalone` publishes the same files with each page's download.
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


#: ``Path(__file__).with_name("live_explorer.js")``: a file a module reads beside itself.
_SIBLING = re.compile(r"""with_name\(\s*["']([^"'/\\]+)["']\s*\)""")
#: A quoted file name in a page's code, e.g. "results.json".
_QUOTED_NAME = re.compile(r"""["']([\w.-]+\.\w+)["']""")

#: Folders of the book whose files a page may need (modules; data it reads).
CODE, DATA = "code", "benchmarks"


def page_files(source: Path, text: str, root: Path) -> list[str]:
    """The files a page needs from the book, as paths relative to ``root``.

    Parameters
    ----------
    source : Path
        The page's file (``chapters/jacobian.md``).
    text : str
        Its contents.
    root : Path
        The book's root, which holds ``code/`` and ``benchmarks/``.

    Returns
    -------
    list of str
        Sorted POSIX paths such as ``code/tanh_basis.py``; empty for a page
        that imports nothing from ``code/``.
    """
    cells = code_cells(source, text)
    names: set[str] = set()
    for cell in cells:
        names |= imported_names(cell)
    modules = module_closure(names, root / CODE)
    files = set(modules)
    for module in modules:
        for sibling in _SIBLING.findall(module.read_text(encoding="utf-8")):
            if (module.parent / sibling).is_file():
                files.add(module.parent / sibling)
    if files:
        for name in _QUOTED_NAME.findall("\n".join(cells)):
            if (root / DATA / name).is_file():
                files.add(root / DATA / name)
    return sorted(file.relative_to(root).as_posix() for file in files)


def note_code_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    """Record each file of the book that page ``docname`` needs as its dependency."""
    env = app.env
    # Relative to the source folder, so a moved or copied book keeps working.
    for name in page_files(Path(env.doc2path(docname)), source[0], Path(app.srcdir)):
        env.note_dependency(name)
    logger.debug("[code_deps] %s depends on %s", docname, sorted(env.dependencies[docname]))
