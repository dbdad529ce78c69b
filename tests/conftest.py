"""Shared test set-up: the code/ folder on sys.path, and one book build per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = ROOT / "code"
# `code` is also a standard-library module, so code/ goes on sys.path and the
# modules are imported by their own names (`import tanh_basis`).
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


#: Where the book is built: <BUILD_ROOT>/_build/html. JACOBIAN_BUILD_ROOT lets
#: several people (or helpers) test one work tree at once without sharing _build.
BUILD_ROOT = Path(os.environ.get("JACOBIAN_BUILD_ROOT", ROOT)).resolve()


@pytest.fixture(scope="session")
def book_build(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """Build the book once per session, exactly as the README's `make book` does.

    Every page is re-read (--all) and re-executed (forced by _config.yml), so an
    edit to code/*.py is never hidden behind a page Sphinx thinks unchanged;
    warnings are errors (-W -n), and a cell that raises or prints to stderr
    fails the build. The HTML lands in
    _build/html, where the browser tests read it.
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    # Sphinx does not overwrite static files it copied before: start afresh.
    shutil.rmtree(BUILD_ROOT / "_build" / "html", ignore_errors=True)
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
         "--path-output", str(BUILD_ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    log = tmp_path_factory.mktemp("book") / "build.log"
    log.write_text(proc.stdout + "\n" + proc.stderr)
    return proc


@pytest.fixture(scope="session")
def book_html(book_build: subprocess.CompletedProcess) -> Path:
    """The built HTML folder; fails the test when the build failed."""
    if book_build.returncode != 0:
        tail = "\n".join((book_build.stdout + book_build.stderr).splitlines()[-60:])
        pytest.fail(f"jupyter-book build failed (exit {book_build.returncode}):\n{tail}")
    return BUILD_ROOT / "_build" / "html"
