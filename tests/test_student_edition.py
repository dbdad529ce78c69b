"""The student edition (``make student``): no solution anywhere, everything else intact.

A solution line: one of at least :data:`DISTINCT` characters inside a gated solution of
chapters/exercises.md, and nowhere else on the page. Of the edition's notebooks only the
exercises' is run here: the others must equal the site's downloads (test_standalone.py).
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jupytext
import nbformat
import pytest
from book_site import ROOT

from jacobian_book.student_edition import ZIP_NAME, strip_solutions

PAGE = ROOT / "chapters" / "exercises.md"
#: Shorter lines ("rng = ...", "'''") may also occur outside a solution.
DISTINCT = 25


@functools.cache
def exercises() -> nbformat.NotebookNode:
    return jupytext.read(PAGE)  # read once: it takes a tenth of a second


def solutions_and_rest() -> tuple[list, list[str]]:
    """The page's cells inside gated solutions (their text up to the end), and the other text."""
    inside, rest, open_ = [], [], False
    for cell in exercises().cells:
        starts = cell.cell_type == "markdown" and "{solution-start}" in cell.source
        open_ = open_ or starts
        if not open_:
            rest.append(cell.source)
            continue
        cell = nbformat.from_dict(cell)
        inside.append(cell)
        if cell.cell_type == "markdown" and "{solution-end}" in cell.source:
            cell.source, _, after = cell.source.partition("{solution-end}")
            rest.append(after)
            open_ = False
    return inside, rest


def solution_lines(code_only: bool = False) -> set[str]:
    """Lines that only the exercises page's solutions contain (see the module docstring)."""
    inside, rest = solutions_and_rest()
    elsewhere = {line.strip() for text in rest for line in text.splitlines()}
    lines = {line.strip() for cell in inside for line in cell.source.splitlines()
             if cell.cell_type == "code" or not code_only}
    return {line for line in lines if len(line) >= DISTINCT and line not in elsewhere}


def leaked(text: str, lines: set[str]) -> list[str]:
    return sorted(line for line in lines if line in text)


def test_stripping_the_page_keeps_exercises_and_your_turn_cells_only() -> None:
    """The page has 8 solutions (code and prose); stripped, none is left, each exercise is."""
    lines = solution_lines()
    assert sum("{solution-start}" in cell.source for cell in solutions_and_rest()[0]) == 8
    assert any("return N * (D + 1) * K * (K - 1)" in line for line in lines)  # code
    assert any("a fraction $1-1/K$" in line for line in lines)  # prose
    assert len(lines) > 100
    notebook = exercises()
    stripped = strip_solutions(notebook)
    text = "\n".join(cell.source for cell in stripped.cells)
    assert leaked(text, lines) == []
    assert "solution" not in "".join(re.findall(r"\{[\w:-]+\}", text))
    turns = [c.source for c in stripped.cells if c.cell_type == "code" and "my_" in c.source]
    assert len(turns) == 8
    assert all("raise NotImplementedError" in t and re.search(r"check\.\w+\(my_", t)
               for t in turns)
    assert text.count("{exercise}") == 8 and text.count("## ") == 9  # 8 exercises, summary
    assert len(notebook.cells) > len(stripped.cells)  # a copy: the page is untouched


def test_a_solution_admonition_goes_the_text_after_a_gated_end_stays_no_end_fails() -> None:
    cells = [
        nbformat.v4.new_markdown_cell("Before.\n\n::::{solution} ex-1\n:::{note}\nInner.\n:::\n"
                                      "Answer.\n::::\nAfter."),
        nbformat.v4.new_markdown_cell("````{solution-start} ex-2\n:class: dropdown\n````\nA."),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_markdown_cell("````{solution-end}\n````\n\n## Next"),
    ]
    stripped = strip_solutions(nbformat.v4.new_notebook(cells=cells))
    assert [c.source for c in stripped.cells] == ["Before.\n\nAfter.", "## Next"]
    unended = [nbformat.v4.new_markdown_cell("```{solution-start} ex-1\n```\nA.")]
    with pytest.raises(ValueError, match="solution-end"):
        strip_solutions(nbformat.v4.new_notebook(cells=unended))


# ------------------------------------------------------------- the edition
def make_edition(book: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jacobian_book.student_edition", str(book)],
                          cwd=book, env={**os.environ, "PYTHONPATH": str(book / "_ext")},
                          capture_output=True, text=True, timeout=900)


EDITION: dict = {}


def on_cold_build(cold) -> None:
    """conftest.py runs this once the cold build is done, before test_incremental edits it."""
    try:
        EDITION["made"] = make_edition(cold.book)
    except Exception as exc:  # the fixture re-raises it
        EDITION["made"] = exc


@pytest.fixture(scope="session")
def student(site: Path, request: pytest.FixtureRequest) -> tuple[Path, Path]:
    """``make student``'s output, and the full build's HTML it was made from."""
    if os.environ.get("JACOBIAN_BOOK_HTML"):
        book = site.parents[1]  # a work tree's build: its doctrees are beside the HTML
        run = make_edition(book)
    else:  # made by on_cold_build unless nothing started the build in the background
        book = request.getfixturevalue("cold_book").book
        run = EDITION.get("made") or make_edition(book)
    if isinstance(run, Exception):
        raise run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return book / "_build" / "student", site


def _page_text(path: Path) -> str:
    """An HTML page's text, tags removed, as the code lines read."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@pytest.mark.slow  # the built book
def test_no_student_file_holds_a_solution_and_the_full_edition_has_all(student) -> None:
    edition, full = student
    lines, code_lines = solution_lines(), solution_lines(code_only=True)
    files = [f for f in edition.rglob("*") if f.is_file() and f.suffix in (".ipynb", ".md")
             and ".doctrees" not in f.parts and "jupyter_execute" not in f.parts]
    pages = [f for f in files if f.stem == "exercises"]
    assert len(pages) == 3  # the notebook handed out, the site's two downloads
    for file in pages:
        assert leaked(file.read_text(encoding="utf-8"), lines) == [], file
    for file in files:  # every page: no solution directive of either form is left
        assert not re.search(r"\{solution(-start|-end)?\}", file.read_text(encoding="utf-8")), file
    page = edition / "html" / "chapters" / "exercises.html"
    assert leaked(_page_text(page), code_lines) == []
    assert 'class="solution' not in page.read_text(encoding="utf-8")
    assert page.read_text(encoding="utf-8").count('class="exercise admonition"') == 8
    full_page = full / "chapters" / "exercises.html"
    assert full_page.read_text(encoding="utf-8").count('class="solution') == 8
    assert leaked(_page_text(full_page), code_lines) == sorted(code_lines)
    download = (full / "_sources" / "chapters" / "exercises.ipynb").read_text(encoding="utf-8")
    assert "return N * (D + 1) * K * (K - 1)" in download


def _contents(notebook: nbformat.NotebookNode) -> list:
    return [(c.cell_type, c.source) for c in notebook.cells]  # outputs vary by build


@pytest.mark.slow  # the built book
def test_notebooks_sit_beside_the_files_they_need_and_in_the_zip(student) -> None:
    edition, full = student
    notebooks = sorted(edition.glob("chapters/*.ipynb"))
    names = set(zipfile.ZipFile(edition / ZIP_NAME).namelist())
    for notebook in notebooks:
        assert f"chapters/{notebook.name}" in names
        setup = nbformat.read(notebook, as_version=4).cells
        wanted = re.findall(r'"((?:code|benchmarks)/[^"]+)": "', "".join(c.source for c in setup))
        for name in wanted:  # the setup cell's BOOK_FILES: all there, so nothing is fetched
            assert (edition / name).is_file() and name in names, (notebook.name, name)
        if notebook.name != "exercises.ipynb":  # unchanged: test_standalone runs these
            download = nbformat.read(full / "_sources" / "chapters" / notebook.name, 4)
            assert _contents(nbformat.read(notebook, 4)) == _contents(download), notebook.name
    assert len(notebooks) >= 10


@pytest.mark.slow  # the built book
def test_the_exercises_notebook_runs_and_every_checker_waits(student) -> None:
    from nbclient import NotebookClient

    edition, _ = student
    notebook = nbformat.read(edition / "chapters" / "exercises.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(edition / "chapters")}}).execute()
    said = ["".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            for cell in notebook.cells
            if cell.cell_type == "code" and re.search(r"check\.\w+\(my_", cell.source)]
    assert len(said) == 8
    assert all(text.startswith("Not attempted yet") for text in said), said
    assert not any(o.get("name") == "stderr" for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs)
