"""Book-level tests: the configuration, the built book, and builds that a cell's problem fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupyter_book
import numpy as np
import pytest
import yaml
from book_site import source_file, toc_pages

import tanh_basis as tb

ROOT = Path(__file__).resolve().parents[1]


def test_jupyter_book_1_executes_every_page_and_each_page_is_a_myst_notebook():
    # 2.x (mystmd) ignores _config.yml and _toc.yml.
    assert jupyter_book.__version__.startswith("1."), jupyter_book.__version__
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"  # edits to code/*.py must re-run pages
    assert execute["raise_on_error"] is True and execute["allow_errors"] is False
    assert execute["stderr_output"] in {"warn", "error", "severe"}
    for needed in (".pytest_cache", "**/.pytest_cache", ".venv", "tests", "_build"):
        assert needed in config["exclude_patterns"]
    # The book's own extension, and a GitHub repository for its buttons.
    assert config["sphinx"]["local_extensions"]["jacobian_book"] == "_ext"
    assert config["repository"]["url"].startswith("https://github.com/")
    for name in toc_pages()[1:]:  # their kernelspec: test_student_path
        header = yaml.safe_load(source_file(name).read_text(encoding="utf-8").split("---")[1])
        assert header["jupytext"]["text_representation"]["format_name"] == "myst", name


@pytest.mark.slow
def test_the_built_book_has_every_page_local_mathjax_and_the_codes_numbers(book_html):
    for name in toc_pages():
        assert (book_html / f"{name}.html").is_file(), name
    # MathJax is served by the book itself, not a CDN.
    assert (book_html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    # The implementation page's glued gradient check, recomputed here.
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(4, 2))
    W = rng.normal(scale=0.5, size=(3, 3))
    basis = tb.TanhBasis(W)
    J, NJ = basis.jacobian(X), basis.numerical_jacobian(X, eps=1e-6)
    html = (book_html / "chapters" / "implementation.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"{np.max(np.abs(J - NJ)):.1e}" in text
    assert f"{np.max(tb.relative_error(J, NJ)):.1e}" in text


WARNING_CELL = "import warnings\nwarnings.warn('printed by a cell')"


def small_book(folder: Path, pages: dict[str, str]) -> Path:
    """A book with the real configuration; ``pages`` maps each page, the root first, to a cell."""
    for name in ("_config.yml", "references.bib"):  # references.bib: bibtex_bibfiles
        shutil.copy(ROOT / name, folder / name)
    for name in ("_ext", "_static"):  # the local extension; the favicon
        shutil.copytree(ROOT / name, folder / name)
    root, *chapters = pages
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: {root}\nchapters:\n"
                                     + "".join(f"- file: {c}\n" for c in chapters))
    header = (ROOT / "chapters" / "implementation.md").read_text(encoding="utf-8").split("---")[1]
    for name, cell in pages.items():
        (folder / f"{name}.md").write_text(
            f"---{header}---\n\n# A page\n\n```{{code-cell}} ipython3\n{cell}\n```\n",
            encoding="utf-8",
        )
    return folder


def build(book: Path) -> tuple[int, str]:
    """``jupyter-book build`` as the Makefile runs it: its exit status and its log, uncoloured."""
    proc = subprocess.run(
        [Path(sys.executable).with_name("jupyter-book"), "build", book, "-W", "-n",
         "--keep-going"], capture_output=True, text=True, timeout=600,
    )
    return proc.returncode, re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)


@pytest.mark.slow
@pytest.mark.own_build
def test_a_cell_warning_or_error_fails_the_build(tmp_path):
    """With the real _config.yml a cell's stderr is a Sphinx problem and an exception stops it."""
    # One build, two pages read in name order: the warning's, then the exception's.
    status, log = build(small_book(tmp_path, {
        "a_warning": WARNING_CELL, "an_error": "raise RuntimeError('a cell that fails')"}))
    assert status != 0
    # The warning's page is the one source of a Sphinx problem (-W makes any fatal).
    problems = [line for line in log.splitlines() if re.search(r"(^|: )(WARNING|ERROR): ", line)]
    assert len(problems) == 1, problems
    assert re.search(r"a_warning\.md:\d+: (WARNING|ERROR): stderr", problems[0]), problems
    assert "RuntimeError: a cell that fails" in log, log[-3000:]


@pytest.mark.slow
@pytest.mark.own_build
def test_a_page_whose_warning_failed_the_build_fails_the_next_build_too(tmp_path):
    """Sphinx saves the failed page as read; _ext's incremental.py makes the next build read it."""
    book = small_book(tmp_path, {"index": "1", "a_warning": WARNING_CELL})
    (first, _), (second, log) = build(book), build(book)
    assert first != 0 and second != 0, log[-3000:]
    assert re.search(r"a_warning\.md:\d+: (WARNING|ERROR): stderr", log), log[-3000:]
