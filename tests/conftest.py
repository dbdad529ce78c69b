"""Shared test set-up: the check of the test tiers, and the session's slow resources.

Tiers
-----
Modules and tests carry their marks themselves (``slow``, ``own_build``,
``site_views``; pyproject.toml registers them). ``make check`` runs
``-m "not slow"``; ``make test`` runs all. Collection stops when a test uses
one of ``SLOW_FIXTURES`` (the built book, Chromium, the Binder-like Jupyter
server, the student's fresh environment) without the ``slow`` mark.

Session resources (each made at most once per run)
--------------------------------------------------
- ``cold_book``: ONE cold build, ``make clean book`` run in a copy of the book
  (tests/book_copy.py) in a scratch folder, started in the background as soon
  as collection ends. Its HTML is copied to ``<BUILD_ROOT>/_build/html`` for
  ``book_html``/``site``; tests/test_incremental.py then plants its edits in
  the copy itself, so its ``make book`` runs are incremental on that build.
- ``student_venv``: a fresh virtual environment from requirements.txt, also
  started in the background.
- ``chromium_browser``: one headless Chromium for the whole session.
- ``jupyter_server``: one Binder-like ``jupyter lab`` (tests/binder_server.py)
  shared by tests/test_jupyterlab.py and tests/test_live_code.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from binder_server import LIVE_CODE_ARGS, BinderServer, binder_lab
from book_copy import Build, copy_book
from book_make import executed_pages, make_command

ROOT = Path(__file__).resolve().parents[1]

#: Where the session's build is published: <BUILD_ROOT>/_build/html.
#: JACOBIAN_BUILD_ROOT lets several people test one work tree at once.
BUILD_ROOT = Path(os.environ.get("JACOBIAN_BUILD_ROOT", ROOT)).resolve()

# ------------------------------------------------------------------ tiers
# Each test module says its tier at its top (`pytestmark = pytest.mark.slow`),
# or each slow test does (`@pytest.mark.slow`); `own_build` and `site_views`
# pick the second process of `make test` (see the Makefile). This hook only
# checks the marks and orders the tests.

#: Using any of these (directly or through another fixture) makes a test slow.
SLOW_FIXTURES = frozenset({
    "cold_book", "book_build", "book_html", "site",
    "chromium_browser", "jupyter_server", "student_venv",
})
#: Modules that only wait for work done in the background: run at the end.
RUN_LAST = frozenset({"test_incremental"})


def fixtures_used(item: pytest.Item) -> set[str]:
    """The fixtures ``item`` uses, directly or not; a parametrized argument is none."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    return names - set(callspec.params) if callspec is not None else names


def tier_errors(items: list[pytest.Item], test_modules: set[str]) -> list[str]:
    """What is wrong with the tier marks: a slow fixture in an unmarked test, a stale name."""
    errors = [f"{item.nodeid} uses {sorted(SLOW_FIXTURES & fixtures_used(item))} "
              "but is not marked slow" for item in items
              if SLOW_FIXTURES & fixtures_used(item) and not item.get_closest_marker("slow")]
    errors += [f"{item.nodeid} is marked own_build but not slow" for item in items
               if item.get_closest_marker("own_build") and not item.get_closest_marker("slow")]
    errors += [f"RUN_LAST names {name}, which is not a module of tests/"
               for name in sorted(RUN_LAST - test_modules)]
    return errors


def _stage(item: pytest.Item) -> int:
    """Run order: fast tests, slow ones, browser tests, then RUN_LAST.

    The fast tests go first while the cold build runs in the background.
    Browser tests come after every other test because Playwright's sync API
    leaves its event loop marked as running on the main thread for the rest
    of the session: ``asyncio.run`` (nbclient, for one) would fail after it.
    """
    if item.path.stem in RUN_LAST:
        return 3
    # A site-view test may wait for another process's build: never before
    # the tests that need no build.
    if "chromium_browser" in fixtures_used(item) or item.get_closest_marker("site_views"):
        return 2
    return 1 if item.get_closest_marker("slow") else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    errors = tier_errors(items, {p.stem for p in Path(__file__).parent.glob("test_*.py")})
    if errors:
        raise pytest.UsageError("Tier marks (tests/conftest.py):\n  " + "\n  ".join(errors))
    items.sort(key=_stage)  # stable: file order within each stage


# ------------------------------------------------ work started early
_SCRATCH = Path(tempfile.mkdtemp(prefix="jacobian-tests-"))


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


class ColdBuild:
    """``make clean book`` in a fresh copy of the book, in a thread.

    Every page is read and executed (a fresh _build); warnings are errors
    (the Makefile's -W -n), and a cell that raises or prints to stderr fails
    the build. On success the HTML is copied to ``<BUILD_ROOT>/_build/html``
    before ``done`` is set, so that later edits in the copy
    (tests/test_incremental.py) never change what the site tests read.
    """

    def __init__(self, folder: Path) -> None:
        self.book = folder / "book"
        self.log = folder / "book-build.log"
        self.html = BUILD_ROOT / "_build" / "html"
        self.done = threading.Event()
        self.build: Build | None = None
        self.error: BaseException | None = None
        self.proc: subprocess.Popen | None = None
        self._stopped = False
        threading.Thread(target=self._run, name="cold-build", daemon=True).start()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The copy is no git clone: give the build the repository that a build
        # of the work tree would find in `git remote get-url origin`.
        if not env.get("BOOK_REPOSITORY_URL"):
            origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                    capture_output=True, text=True)
            if origin.returncode == 0 and "github.com" in origin.stdout:
                env["BOOK_REPOSITORY_URL"] = origin.stdout.strip()
        return env

    def _run(self) -> None:
        try:
            copy_book(self.book)
            command = make_command("clean", "book")
            start = time.perf_counter()
            with self.log.open("w") as out:
                self.proc = subprocess.Popen(
                    command, cwd=self.book, env=self._env(), stdout=out,
                    stderr=subprocess.STDOUT, text=True, start_new_session=True,
                )
            if self._stopped:
                self.stop()
            returncode = self.proc.wait()
            log = self.log.read_text(errors="replace")
            self.build = Build(returncode, time.perf_counter() - start, log,
                               executed_pages(log, self.book))
            if returncode == 0:
                shutil.rmtree(self.html, ignore_errors=True)
                shutil.copytree(self.book / "_build" / "html", self.html)
            publish_status("ok" if returncode == 0 else f"failed: make clean book exited "
                           f"{returncode}; the first process's log says why")
        except BaseException as exc:  # handed to the fixtures, which re-raise it
            self.error = exc
            publish_status(f"failed: {exc!r}")
        finally:
            self.done.set()

    def result(self, timeout: float) -> Build:
        if not self.done.wait(timeout):
            pytest.fail(f"the cold build did not finish within {timeout} s:\n"
                        f"{self.log.read_text(errors='replace')[-3000:]}")
        if self.error is not None:
            raise self.error
        assert self.build is not None
        return self.build

    def stop(self) -> None:
        self._stopped = True
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


_STARTED: dict[str, Background | ColdBuild] = {}

# ---------------------------------------- one build for two processes
#: `make test` runs two pytest processes. The first, started with
#: JACOBIAN_PUBLISH_BUILD=1, makes the cold build and writes this file when its
#: HTML is in place ("ok"), when the build failed, or at its end if it made
#: none; the second, started with JACOBIAN_WAIT_FOR_BUILD=1, makes no build of
#: its own and waits for the file (``book_html``). The Makefile deletes it first.
BUILD_STATUS = BUILD_ROOT / "_build" / "cold-build.status"


def waits_for_another_build() -> bool:
    return os.environ.get("JACOBIAN_WAIT_FOR_BUILD") == "1"


def publish_status(status: str, *, replace: bool = True) -> None:
    """Tell a waiting process how the cold build ended (JACOBIAN_PUBLISH_BUILD=1 only)."""
    if os.environ.get("JACOBIAN_PUBLISH_BUILD") != "1":
        return
    if replace or not BUILD_STATUS.exists():
        BUILD_STATUS.parent.mkdir(parents=True, exist_ok=True)
        BUILD_STATUS.write_text(status + "\n", encoding="utf-8")


def wait_for_published_build(timeout: float = 1800, poll: float = 1.0) -> Path:
    """The HTML of the build another process publishes; fails if it failed or never came."""
    deadline = time.monotonic() + timeout
    while not BUILD_STATUS.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"no cold build was published to {BUILD_STATUS} within {timeout} s")
        time.sleep(poll)
    status = BUILD_STATUS.read_text(encoding="utf-8").strip()
    if status != "ok":
        pytest.fail(f"the other pytest process's cold build did not succeed: {status}")
    return BUILD_ROOT / "_build" / "html"


def start_cold_build() -> ColdBuild:
    if "book" not in _STARTED:
        folder = _SCRATCH / "cold"
        folder.mkdir(parents=True, exist_ok=True)
        _STARTED["book"] = ColdBuild(folder)
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


def _needs_cold_build(item: pytest.Item) -> bool:
    names = fixtures_used(item)
    if waits_for_another_build() and "cold_book" not in names and "book_build" not in names:
        return False
    if names & {"cold_book", "book_build", "book_html"}:
        return True
    return "site" in names and not os.environ.get("JACOBIAN_BOOK_HTML")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start what the selected tests will need, in the background, now."""
    if session.config.option.collectonly or os.environ.get("JACOBIAN_NO_BACKGROUND"):
        return
    if any(_needs_cold_build(item) for item in session.items):
        cold = start_cold_build()
        # A module may start work of its own on that build (tests/test_incremental.py).
        modules = {item.module for item in session.items if isinstance(item, pytest.Function)}
        for module in modules:
            starter = getattr(module, "start_in_background", None)
            if callable(starter):
                starter(cold)
    wants_student = any("student_venv" in fixtures_used(item) for item in session.items)
    if wants_student and not os.environ.get("JACOBIAN_STUDENT_VENV"):
        start_student_venv()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for job in _STARTED.values():
        job.stop()
    # A process waiting on this one must not wait for a build that never starts.
    publish_status("failed: the first process ended without a cold build", replace=False)
    shutil.rmtree(_SCRATCH, ignore_errors=True)


# ------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def cold_book() -> ColdBuild:
    """The session's one cold build (``make clean book`` in a copy), waited for.

    ``.book`` is the copy (sources and its _build), ``.build`` the run
    (return code, seconds, log, executed pages). Fails when the build failed.
    """
    job = start_cold_build()
    build = job.result(timeout=1800)
    if build.returncode != 0:
        tail = "\n".join(build.log.splitlines()[-60:])
        pytest.fail(f"make clean book failed (exit {build.returncode}):\n{tail}")
    return job


@pytest.fixture(scope="session")
def book_build(cold_book: ColdBuild) -> subprocess.CompletedProcess:
    """The cold build's command and log (stdout and stderr together)."""
    build = cold_book.build
    return subprocess.CompletedProcess(["make", "clean", "book"], build.returncode, build.log, "")


@pytest.fixture(scope="session")
def book_html(request: pytest.FixtureRequest) -> Path:
    """The cold build's HTML folder, ``<BUILD_ROOT>/_build/html``.

    With JACOBIAN_WAIT_FOR_BUILD=1, the build another process publishes.
    """
    if waits_for_another_build():
        return wait_for_published_build()
    return request.getfixturevalue("cold_book").html


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
def chromium_browser():
    """Headless Debian Chromium, driven by Playwright, for the whole session.

    Each test opens its own context (cookies, storage and viewport of its
    own). Once started, Playwright's sync API leaves its event loop marked as
    running on this thread, so ``asyncio.run`` (nbclient in this process)
    would fail afterwards: ``_stage`` runs the browser tests after all others.
    """
    from book_site import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    from browser_book import require_chromium

    path = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BinderServer]:
    """ONE Binder-like JupyterLab for the session (tests/binder_server.py).

    Yields ``BinderServer(base, token, home)``. Loopback pages may use it
    (Live Code); each test shuts down the kernels it starts.
    """
    from browser_book import require_chromium

    # Its only clients are browser tests: without Chromium they skip (or fail in CI).
    require_chromium()
    with binder_lab(tmp_path_factory.mktemp("binder"), *LIVE_CODE_ARGS) as server:
        yield server


# ------------------------------------------------------ the site in Chromium
@pytest.fixture(scope="session")
def book_url(site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 for the session; its base URL."""
    from book_site import serve

    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def screenshots(site: Path) -> Path:
    """<build>/screenshots, next to the html folder (ignored by git)."""
    folder = site.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (browser_book.axe_script)."""
    from browser_book import axe_script

    return axe_script()


@pytest.fixture(scope="session")
def page_view(chromium_browser, book_url: str, axe_source: str, screenshots: Path):
    """``page_view(docname, size, mode)``: the page's ``PageView``, loaded once per session.

    ``size`` is "desktop" or "phone", ``mode`` "light" or "dark"
    (browser_book.VIEWPORTS, MODES). tests/test_browser.py and
    tests/test_a11y.py read the same loads.
    """
    from browser_book import view_page

    cache: dict[tuple[str, str, str], object] = {}

    def get(docname: str, size: str = "desktop", mode: str = "light"):
        key = (docname, size, mode)
        if key not in cache:
            try:
                cache[key] = view_page(chromium_browser, book_url, docname, size, mode,
                                       axe_source, screenshots)
            except Exception as exc:  # every test of this view reports the same cause
                cache[key] = exc
        if isinstance(cache[key], Exception):
            raise cache[key]
        return cache[key]

    return get
