"""The student edition: the site and the notebooks without the solutions.

``make student`` (``python -m jacobian_book.student_edition``) writes, under
``_build/student/``,

* ``html/``: the site with every solution removed, and its downloadable
  ``.ipynb`` and ``.md`` sources stripped the same way;
* ``chapters/*.ipynb``: one notebook per page with code, the "your turn"
  cells and their checkers kept, beside ``code/`` (and ``benchmarks/``), the
  files those notebooks import, so that their setup cell finds ``code/`` one
  level up as in a clone;
* :data:`ZIP_NAME`: those notebooks and files in one archive, to hand out.

The site is not built again: it reuses the full build's doctrees and
executed notebooks (``make book`` first), so no page is read or executed,
and every page is only written again. That works because solutions are
removed when pages are *written* (:class:`DropSolutions`), not when they
are read: sphinx-exercise's ``hide_solutions`` acts while reading, which would
re-execute every page, and it crashes on gated solutions
(executablebooks/sphinx-exercise#89). So :func:`hide_solutions_when_writing`
takes ``hide_solutions: true`` over before Sphinx compares configurations.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The student edition's folder, under the full build's ``_build``.
STUDENT = "student"
#: The notebooks and the files they import, in one archive.
ZIP_NAME = "jacobian-student-notebooks.zip"
#: Folders of the site that hold the files the notebooks need (standalone.py).
FILE_FOLDERS = ("code", "benchmarks")

#: The opening fence of a directive: ```{name} or :::{name}, with its fence.
_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}")


def _strip_markdown(text: str, inside: bool) -> tuple[str, bool]:
    """``text`` without solutions; ``inside`` says whether a gated solution is open.

    Parameters
    ----------
    text : str
        A markdown cell's source.
    inside : bool
        True when an earlier cell opened a ``solution-start`` not yet ended.

    Returns
    -------
    tuple of (str, bool)
        The text kept, and whether a gated solution is still open after it.
    """
    kept: list[str] = []
    skip_to: str | None = None  # the closing fence of a directive being dropped
    for line in text.splitlines(keepends=True):
        if skip_to is not None:
            if line.strip() == skip_to:
                skip_to = None
            continue
        opening = _OPEN.match(line)
        name = opening["name"] if opening else None
        if inside:
            if name == "solution-end":
                inside, skip_to = False, opening["fence"]
            continue
        if name in ("solution", "solution-start"):
            # A solution admonition is dropped whole; a gated one runs to its end.
            inside, skip_to = name == "solution-start", opening["fence"]
            continue
        kept.append(line)
    return "".join(kept).strip("\n"), inside


def strip_solutions(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` without its solutions (a copy).

    Drops every ``{solution}`` directive and everything from a
    ``{solution-start}`` to its ``{solution-end}``, code cells included; a
    cell that is left empty goes too.

    Raises
    ------
    ValueError
        When a ``solution-start`` has no ``solution-end``.
    """
    result = nbformat.from_dict(notebook)
    cells, inside = [], False
    for cell in result.cells:
        if cell.cell_type != "markdown":
            if not inside:
                cells.append(cell)
            continue
        text, inside = _strip_markdown(cell.source, inside)
        if text.strip():
            cell.source = text
            cells.append(cell)
    if inside:
        raise ValueError("a {solution-start} has no {solution-end}")
    result.cells = cells
    return result


def has_solutions(text: str) -> bool:
    """Whether a page's text holds a solution directive of either form."""
    return any(
        m["name"] in ("solution", "solution-start")
        for m in map(_OPEN.match, text.splitlines()) if m
    )


def strip_file(path: Path) -> bool:
    """Strip the solutions of a ``.ipynb`` or MyST ``.md`` notebook in place.

    Returns
    -------
    bool
        Whether the file held solutions (and was rewritten).
    """
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
    elif has_solutions(path.read_text(encoding="utf-8")):
        notebook = jupytext.read(path, fmt="md:myst")
    else:
        return False
    if not any(has_solutions(c.source) for c in notebook.cells if c.cell_type == "markdown"):
        return False
    if path.suffix == ".ipynb":
        nbformat.write(strip_solutions(notebook), path)
    else:
        jupytext.write(strip_solutions(notebook), path, fmt="md:myst")
    return True


# ------------------------------------------------------------------- Sphinx
def hide_solutions_when_writing(app: Sphinx, config: Config) -> None:
    """Move ``hide_solutions: true`` from reading (sphinx-exercise) to writing (here).

    Runs at ``config-inited``, before Sphinx compares the configuration with
    the saved environment: an unchanged read-time value keeps every page's
    doctree, and only the writing changes.
    """
    if "hide_solutions" in config and config.hide_solutions:
        config.hide_solutions = False
        config.jacobian_hide_solutions = True


class DropSolutions(SphinxPostTransform):
    """Remove every solution (gated ones hold their code cells) from the page."""

    default_priority = 1  # before sphinx-exercise resolves the solutions' titles

    def run(self, **kwargs: Any) -> None:
        if not self.config.jacobian_hide_solutions:
            return
        from sphinx_exercise.nodes import solution_node

        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)
        for node in self.document.findall(nodes.Element):
            if "solution" in node.get("classes", ()):  # written some other way
                logger.warning("[student_edition] a solution is left on the page",
                               location=node)


def strip_downloads(app: Sphinx, exception: Exception | None) -> None:
    """Strip the solutions from the site's ``_sources`` (the download menu)."""
    if exception is not None or not app.config.jacobian_hide_solutions:
        return
    for path in sorted((Path(app.outdir) / "_sources").rglob("*")):
        if path.suffix in (".ipynb", ".md") and path.is_file():
            strip_file(path)


# -------------------------------------------------------------- the command
def build_site(root: Path, student: Path) -> None:
    """Write the site without solutions into ``student/html``, from the full build.

    Raises
    ------
    SystemExit
        When the full build is missing, or the student build fails.
    """
    from jupyter_book.sphinx import build_sphinx

    full = root / "_build"
    for needed in (full / ".doctrees" / "environment.pickle", full / "jupyter_execute"):
        if not needed.exists():
            raise SystemExit(f"{needed} is missing: run `make book` before the student edition")
    shutil.rmtree(student, ignore_errors=True)
    # The copies keep their times, so Sphinx finds every page up to date.
    shutil.copytree(full / ".doctrees", student / ".doctrees")
    shutil.copytree(full / "jupyter_execute", student / "jupyter_execute")
    # The same settings as `jupyter-book build . -W -n --keep-going` (Makefile).
    status = build_sphinx(
        root, student / "html", noconfig=True, path_config=str(root / "_config.yml"),
        confoverrides={"external_toc_path": (root / "_toc.yml").as_posix(),
                       "latex_individualpages": False, "nitpicky": True,
                       "hide_solutions": True},
        doctreedir=student / ".doctrees", warningiserror=True, keep_going=True,
    )
    if status != 0:
        raise SystemExit(f"the student site's build failed (exit status {status})")


def write_notebooks(student: Path) -> list[Path]:
    """Copy the site's stripped notebooks that have code, and the files they need.

    Returns
    -------
    list of Path
        The notebooks written, e.g. ``student/chapters/exercises.ipynb``.
    """
    html = student / "html"
    written = []
    for source in sorted((html / "_sources").rglob("*.ipynb")):
        notebook = nbformat.read(source, as_version=4)
        if any(cell.cell_type == "code" for cell in notebook.cells):
            target = student / source.relative_to(html / "_sources")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
    for folder in FILE_FOLDERS:
        if (html / folder).is_dir():
            shutil.copytree(html / folder, student / folder)
    return written


def write_zip(student: Path, notebooks: list[Path]) -> Path:
    """Put the notebooks and the files they need into :data:`ZIP_NAME`."""
    files = list(notebooks) + sorted(
        f for folder in FILE_FOLDERS for f in (student / folder).rglob("*") if f.is_file()
    )
    archive_path = student / ZIP_NAME
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.relative_to(student).as_posix())
    return archive_path


def main(argv: list[str] | None = None) -> int:
    """``python -m jacobian_book.student_edition [ROOT]``: write the student edition."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", type=Path,
                        help="the book's folder, built with `make book` (default: .)")
    root = parser.parse_args(argv).root.resolve()
    student = root / "_build" / STUDENT
    build_site(root, student)
    notebooks = write_notebooks(student)
    archive = write_zip(student, notebooks)
    print(f"The student edition is in {student}: html/index.html, "
          f"{len(notebooks)} notebooks and {archive.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
