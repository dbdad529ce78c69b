"""Book-level tests: the configuration, and a build with warnings as errors."""

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


def load_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_jupyter_book_is_version_1():
    # 2.x (mystmd) ignores _config.yml and _toc.yml.
    assert jupyter_book.__version__.startswith("1."), jupyter_book.__version__


def test_config_forces_execution_and_makes_cell_problems_fatal():
    execute = load_config()["execute"]
    assert execute["execute_notebooks"] == "force"  # edits to code/*.py must re-run pages
    assert execute["raise_on_error"] is True
    assert execute["allow_errors"] is False
    assert execute["stderr_output"] in {"warn", "error", "severe"}


def test_config_excludes_what_is_not_a_page():
    patterns = load_config()["exclude_patterns"]
    for needed in (".pytest_cache", "**/.pytest_cache", ".venv", "tests", "_build"):
        assert needed in patterns


def test_every_page_is_a_myst_notebook_with_a_python3_kernel():
    for name in toc_pages()[1:]:
        text = source_file(name).read_text()
        header = yaml.safe_load(text.split("---")[1])
        assert header["kernelspec"]["name"] == "python3", name
        assert header["jupytext"]["text_representation"]["format_name"] == "myst", name


@pytest.mark.slow
def test_book_builds_with_warnings_as_errors(book_html):
    for name in toc_pages():
        assert (book_html / f"{name}.html").is_file(), name
    # MathJax is served by the book itself, not a CDN.
    assert (book_html / "_static" / "mathjax" / "tex-chtml.js").is_file()


@pytest.mark.slow
def test_glued_gradient_check_numbers_come_from_the_code(book_html):
    # The implementation page's example, recomputed here.
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(4, 2))
    W = rng.normal(scale=0.5, size=(3, 3))
    basis = tb.TanhBasis(W)
    J, NJ = basis.jacobian(X), basis.numerical_jacobian(X, eps=1e-6)
    html = (book_html / "chapters" / "implementation.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    assert f"{np.max(np.abs(J - NJ)):.1e}" in text
    assert f"{np.max(tb.relative_error(J, NJ)):.1e}" in text


@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("import warnings\nwarnings.warn('a warning printed by a cell')", "stderr"),
        ("raise RuntimeError('a cell that fails')", "a cell that fails"),
    ],
)
def test_a_cell_warning_or_error_fails_the_build(tmp_path, cell, expected):
    """The real _config.yml turns a cell's stderr or exception into a failed build."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "_ext", tmp_path / "_ext")  # the config's local extension
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")  # bibtex_bibfiles
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    header = (ROOT / "chapters" / "implementation.md").read_text().split("---")[1]
    (tmp_path / "page.md").write_text(
        f"---{header}---\n\n# A page\n\n```{{code-cell}} ipython3\n{cell}\n```\n"
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(tmp_path), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
