"""Shared test set-up: the code/ folder on sys.path, and one book build per session.

The slow preparations (the cold book build, the student's fresh virtual
environment) are started in the background as soon as pytest knows which
tests will run, so they proceed side by side with the unit tests instead of
one after the other; the fixtures wait for them. Each is still exactly the
command it was: only the moment it starts changes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


# ------------------------------------------------ commands started early
class Background:
    """A command started in the background; ``result()`` waits for it.

    Its output goes to a log file (a pipe nobody reads would fill and stall it).
    """

    def __init__(self, command: list[str], log: Path, **kwargs) -> None:
        self.command = command
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, text=True,
                start_new_session=True, **kwargs,
            )

    def result(self, timeout: float) -> subprocess.CompletedProcess:
        self.proc.wait(timeout=timeout)
        output = self.log.read_text(errors="replace")
        return subprocess.CompletedProcess(self.command, self.proc.returncode, output, "")

    def stop(self) -> None:
        """End the command and its children (kernels) if it is still running."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


_STARTED: dict[str, Background] = {}
_SCRATCH = Path(tempfile.mkdtemp(prefix="jacobian-tests-"))


def book_build_command() -> list[str]:
    """A cold build, as CI has always done: --all, into a fresh _build/html.

    Every page is re-read (--all) and re-executed (forced by _config.yml);
    warnings are errors (-W -n), and a cell that raises or prints to stderr
    fails the build. `make book` is the incremental path; it is tested in
    tests/test_incremental.py.
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    return [str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going",
            "--path-output", str(BUILD_ROOT)]


def start_book_build() -> Background:
    if "book" not in _STARTED:
        # A fresh folder: the cold build must not lean on an earlier one.
        shutil.rmtree(BUILD_ROOT / "_build" / "html", ignore_errors=True)
        _STARTED["book"] = Background(book_build_command(), _SCRATCH / "book-build.log", cwd=ROOT)
    return _STARTED["book"]


def student_venv_path() -> Path:
    return _SCRATCH / "student-venv"


def start_student_venv() -> Background:
    """A virtual environment made from requirements.txt alone (pip's cache is used)."""
    if "student" not in _STARTED:
        venv = student_venv_path()
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        script = (
            "import subprocess, sys\n"
            f"subprocess.run([sys.executable, '-m', 'venv', {str(venv)!r}], check=True)\n"
            f"subprocess.run([{str(python)!r}, '-m', 'pip', 'install', '--quiet',"
            f" '-r', {str(ROOT / 'requirements.txt')!r}], check=True)\n"
        )
        _STARTED["student"] = Background(
            [sys.executable, "-c", script], _SCRATCH / "student-venv.log", cwd=ROOT
        )
    return _STARTED["student"]


def _uses(item: pytest.Item, names: tuple[str, ...]) -> bool:
    if any(name in item.fixturenames for name in names):
        return True
    # Some modules ask for the book lazily (request.getfixturevalue).
    try:
        text = item.path.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(f'"{name}"' in text for name in names)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start what the selected tests will need, in the background, now."""
    if session.config.option.collectonly or os.environ.get("JACOBIAN_NO_BACKGROUND"):
        return
    if any(_uses(item, ("book_build", "book_html", "site")) for item in session.items):
        start_book_build()
    # A test module may start its own slow preparation (tests/test_incremental.py).
    for module in {item.module for item in session.items if isinstance(item, pytest.Function)}:
        starter = getattr(module, "start_in_background", None)
        if callable(starter):
            scratch = _SCRATCH / module.__name__
            scratch.mkdir(parents=True, exist_ok=True)
            starter(scratch)
    wants_student = any("student_venv" in item.fixturenames for item in session.items)
    if wants_student and not os.environ.get("JACOBIAN_STUDENT_VENV"):
        start_student_venv()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for job in _STARTED.values():
        job.stop()
    shutil.rmtree(_SCRATCH, ignore_errors=True)


# ------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """The session's one cold build of the book (stdout and stderr together)."""
    start = time.perf_counter()
    proc = start_book_build().result(timeout=1800)
    proc.waited = time.perf_counter() - start  # how long the tests had to wait
    return proc


@pytest.fixture(scope="session")
def book_html(book_build: subprocess.CompletedProcess) -> Path:
    """The built HTML folder; fails the test when the build failed."""
    if book_build.returncode != 0:
        tail = "\n".join(book_build.stdout.splitlines()[-60:])
        pytest.fail(f"jupyter-book build failed (exit {book_build.returncode}):\n{tail}")
    return BUILD_ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def student_venv() -> Path:
    """A virtual environment made from requirements.txt alone, as Binder makes one.

    JACOBIAN_STUDENT_VENV=/path/to/venv reuses an existing environment during
    development; it must have been made from requirements.txt.
    """
    reuse = os.environ.get("JACOBIAN_STUDENT_VENV")
    if reuse:
        return Path(reuse)
    made = start_student_venv().result(timeout=1800)
    if made.returncode != 0:
        pytest.fail(f"making the venv from requirements.txt failed:\n{made.stdout[-3000:]}")
    return student_venv_path()


@pytest.fixture(scope="session")
def site(request: pytest.FixtureRequest) -> Path:
    """The built HTML: JACOBIAN_BOOK_HTML if set, else this session's build.

    JACOBIAN_BOOK_HTML=/path/to/_build/html tests a book built elsewhere.
    """
    override = os.environ.get("JACOBIAN_BOOK_HTML")
    if override:
        path = Path(override).resolve()
        if not (path / "index.html").exists():
            pytest.fail(f"JACOBIAN_BOOK_HTML={override} holds no built book (no index.html)")
        return path
    return request.getfixturevalue("book_html")


@pytest.fixture(scope="module")
def chromium_browser():
    """Headless Debian Chromium, driven by Playwright, for one test module.

    Each test opens its own context (cookies, storage and viewport of its
    own). Module scope: Playwright's sync API runs an event loop of its own,
    which must be closed before a later module (nbclient) runs one.
    """
    from playwright.sync_api import sync_playwright

    from browser_book import CHROMIUM_ARGS, require_chromium

    path = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
