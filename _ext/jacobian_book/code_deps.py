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

Also here: when a file under ``html_static_path`` (``_static/custom.css``)
changed since the last build, every page is written again. Sphinx 7.4 does
copy the new file over the old one, but the pages it does not rewrite keep
linking to ``custom.css?v=<checksum of the old file>``, so a browser that
cached the old file keeps showing it.
"""

from __future__ import annotations

import ast
import filecmp
import logging as logging_std
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.logging import get_node_location

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


def _static_files(app: Sphinx) -> Iterable[tuple[Path, Path]]:
    """Pairs (source, copy in the output) for every file under html_static_path."""
    out = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        source = Path(app.confdir, entry)
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for file in files:
            if file.is_file() and not file.name.startswith(".") and not file.name.endswith("_t"):
                relative = file.name if source.is_file() else file.relative_to(source)
                yield file, out / relative


def rewrite_pages_if_static_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page, if a static file differs from its copy in a previous build's output."""
    if app.builder.format != "html" or not (Path(app.outdir) / "_static").is_dir():
        return []  # a first build writes every page anyway
    for source, copy in _static_files(app):
        if not copy.is_file() or not filecmp.cmp(source, copy, shallow=False):
            logger.info("[code_deps] %s changed: writing every page again", source.name)
            return sorted(env.found_docs)
    return []


class WarnedPages(logging_std.Handler):
    """Remembers which pages had a warning during this build (None: no page known)."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(level=logging_std.WARNING)
        self.app = app
        self.pages: set[str | None] = set()

    def emit(self, record: logging_std.LogRecord) -> None:
        location = getattr(record, "location", None)
        if isinstance(location, tuple):
            self.pages.add(location[0])
            return
        if location is not None and not isinstance(location, str):
            location = get_node_location(location)
        docname = None
        if location and self.app.env is not None:
            try:
                docname = self.app.env.path2doc(location.rsplit(":", 1)[0])
            except ValueError:  # a file outside the book
                docname = None
        self.pages.add(docname)


def forget_failed_pages(app: Sphinx, exception: Exception | None, warned: WarnedPages) -> None:
    """After a build that warnings failed (-W), make the next build re-read those pages.

    Sphinx saves the environment even when -W --keep-going turns warnings into
    a failure, with the pages that warned marked as read: the next incremental
    build would skip them and pass. Deleting a page's doctree makes Sphinx
    re-read it; a warning that names no page costs the whole saved environment.
    """
    logging_std.getLogger("sphinx").removeHandler(warned)
    # With -W --keep-going, Sphinx 7 sets keep_going and clears warningiserror.
    if not ((app.warningiserror or app.keep_going) and app._warncount):
        return
    pages = warned.pages
    if None in pages:
        (Path(app.doctreedir) / ENV_PICKLE_FILENAME).unlink(missing_ok=True)
    for docname in pages - {None}:
        (Path(app.doctreedir) / f"{docname}.doctree").unlink(missing_ok=True)

