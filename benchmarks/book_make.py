"""The book's Makefile run in a copy with this interpreter's packages, and its log read.

Tests (tests/book_copy.py, tests/conftest.py) and benchmarks (bench_build.py)
build copies of the book the same way: ``BIN`` points make at the running
virtual environment and ``-o`` tells it not to create one in the copy.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_EXECUTING = re.compile(r"^(?P<path>\S+?)\.(?:md|ipynb): Executing notebook", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def make_command(*targets: str) -> list[str]:
    """``make <targets>`` with this interpreter's venv and no venv of the copy's own."""
    return ["make", "--no-print-directory", "-o", ".venv/.requirements-installed",
            *targets, f"BIN={Path(sys.executable).parent}"]


def executed_pages(log: str, book: Path) -> set[str]:
    """Docnames (``chapters/vjp``) of the notebooks that a build log says it executed."""
    pages = set()
    for match in _EXECUTING.finditer(_ANSI.sub("", log)):
        path = Path(match["path"])
        pages.add(path.relative_to(book).as_posix() if path.is_absolute() else path.as_posix())
    return pages
