"""A throw-away copy of the book, built with the Makefile's own commands (test_incremental)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from book_make import executed_pages, make_command
from book_site import source_file, toc_pages

ROOT = Path(__file__).resolve().parents[1]


def book_files(root: Path = ROOT) -> list[str]:
    """The files git knows (tracked, or new and not ignored); no hidden folder but .ci."""
    git = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=root, capture_output=True)
    if git.returncode == 0:
        listed = git.stdout.decode().split("\0")
    else:  # not a git checkout (an unpacked archive): everything but builds
        listed = [p.relative_to(root).as_posix() for p in root.rglob("*")
                  if not {"_build", "__pycache__"} & set(p.relative_to(root).parts)]
    return sorted(name for name in listed if name and (root / name).is_file()
                  and not (name.startswith(".") and not name.startswith(".ci/")))


def copy_book(dest: Path, root: Path = ROOT) -> Path:
    """Copy the book into ``dest`` (times kept, so make sees the same ages)."""
    for name in book_files(root):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, dest / name)
    return dest


@dataclass
class Build:
    """One run of a make target in a copy of the book."""

    returncode: int
    seconds: float
    log: str
    executed: set[str]


def make(book: Path, *targets: str, timeout: float = 1200) -> Build:
    """Run ``make <targets>`` in the copy with this interpreter's environment."""
    start = time.perf_counter()
    proc = subprocess.run(make_command(*targets), cwd=book, capture_output=True, text=True,
                          timeout=timeout)
    log = proc.stdout + "\n" + proc.stderr
    return Build(proc.returncode, time.perf_counter() - start, log, executed_pages(log, book))


def notebook_pages(book: Path) -> set[str]:
    """The toc pages that are notebooks (myst-nb executes exactly these)."""
    return {name for name in toc_pages(book) if (path := source_file(name, book)).suffix
            == ".ipynb" or "format_name: myst" in path.read_text(encoding="utf-8")}
