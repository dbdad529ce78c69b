"""A throw-away copy of the book, built with the Makefile's own commands, in front or behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from book_make import executed_pages, make_command
from book_site import ROOT, source_file, toc_pages


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


class Background:
    """A command started in its own session, its output to a log (no pipe to fill)."""

    def __init__(self, command: list[str], log: Path, **kwargs) -> None:
        self.command, self.log = command, log
        with log.open("w") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                         text=True, start_new_session=True, **kwargs)

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        self.proc.wait(timeout=timeout)
        output = self.log.read_text(errors="replace")
        return subprocess.CompletedProcess(self.command, self.proc.returncode, output, "")

    def stop(self) -> None:
        """End the command and its children (kernels) if it still runs."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@dataclass
class Build:
    """One run of a make target in a copy of the book."""

    returncode: int
    log: str
    executed: set[str]


def make(book: Path, *targets: str, timeout: float = 1200) -> Build:
    """Run ``make <targets>`` in the copy with this interpreter's environment."""
    proc = subprocess.run(make_command(*targets), cwd=book, capture_output=True, text=True,
                          timeout=timeout)
    log = proc.stdout + "\n" + proc.stderr
    return Build(proc.returncode, log, executed_pages(log, book))


def notebook_pages(book: Path) -> set[str]:
    """The toc pages that are notebooks (myst-nb executes exactly these)."""
    return {name for name in toc_pages(book) if (path := source_file(name, book)).suffix
            == ".ipynb" or "format_name: myst" in path.read_text(encoding="utf-8")}


def small_book(folder: Path, pages: dict[str, str]) -> Path:
    """A book with the real configuration; ``pages`` maps each page, the root first, to a cell."""
    for name in ("_config.yml", "references.bib"):  # references.bib: bibtex_bibfiles
        shutil.copy(ROOT / name, folder / name)
    for name in ("_ext", "_static"):  # the local extension; the favicon
        shutil.copytree(ROOT / name, folder / name)
    root, *chapters = pages  # one at least: a toc without chapters fails the 404 page's sidebar
    (folder / "_toc.yml").write_text(f"format: jb-book\nroot: {root}\nchapters:\n"
                                     + "".join(f"- file: {c}\n" for c in chapters))
    header = (ROOT / "chapters" / "implementation.md").read_text(encoding="utf-8").split("---")[1]
    for name, cell in pages.items():
        (folder / f"{name}.md").write_text(
            f"---{header}---\n\n# A page\n\n```{{code-cell}} ipython3\n{cell}\n```\n",
            encoding="utf-8",
        )
    return folder


def build_small(book: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``jupyter-book build`` as the Makefile runs it: its exit status and its log, uncoloured."""
    proc = subprocess.run(
        [Path(sys.executable).with_name("jupyter-book"), "build", book, "-W", "-n",
         "--keep-going"], cwd=book, env=env, capture_output=True, text=True, timeout=600,
    )
    return proc.returncode, re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
