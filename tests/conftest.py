"""Checks the tier marks (``slow``, ``own_build``, ``site_views``: CONTRIBUTING.md) and makes
the session's slow resources at most once, starting ONE cold build and the student's venv in
the background when collection ends."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from binder_server import LIVE_CODE_ARGS, BinderServer, binder_lab
from book_copy import Background, Build, copy_book
from book_make import executed_pages, make_command
from book_site import ROOT

#: Where the build is published; JACOBIAN_BUILD_ROOT lets several people test one tree.
BUILD_ROOT = Path(os.environ.get("JACOBIAN_BUILD_ROOT", ROOT)).resolve()
#: `make test`'s first process (JACOBIAN_PUBLISH_BUILD=1) writes here how its cold
#: build ended; the second (JACOBIAN_WAIT_FOR_BUILD=1) waits for it instead of building.
BUILD_STATUS = BUILD_ROOT / "_build" / "cold-build.status"
WAITS_FOR_ANOTHER_BUILD = os.environ.get("JACOBIAN_WAIT_FOR_BUILD") == "1"
SCRATCH = Path(tempfile.mkdtemp(prefix="jacobian-tests-"))
STUDENT_VENV = SCRATCH / "student-venv"

# ------------------------------------------------------------------ tiers
#: Using any of these (directly or through another fixture) makes a test slow.
SLOW_FIXTURES = frozenset({"cold_book", "site", "chromium_browser", "jupyter_server",
                           "student_venv"})
#: Modules that only wait for work done in the background: run at the end.
RUN_LAST = frozenset({"test_incremental"})


def fixtures_used(item: pytest.Item) -> set[str]:
    """The fixtures ``item`` uses, directly or not; a parametrized argument is none."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    return names - set(callspec.params) if callspec is not None else names


def tier_errors(items: list[pytest.Item], test_modules: set[str]) -> list[str]:
    """What is wrong with the tier marks: a slow fixture in an unmarked test, a stale name."""
    errors = []
    for item in items:
        if not item.get_closest_marker("slow"):
            if SLOW_FIXTURES & fixtures_used(item):
                errors.append(f"{item.nodeid} uses {sorted(SLOW_FIXTURES & fixtures_used(item))}"
                              " but is not marked slow")
            if item.get_closest_marker("own_build"):
                errors.append(f"{item.nodeid} is marked own_build but not slow")
    return errors + [f"RUN_LAST names {name}, which is not a module of tests/"
                     for name in sorted(RUN_LAST - test_modules)]


def stage(item: pytest.Item) -> int:
    """Run order: fast tests (during the cold build), slow ones, browser tests, RUN_LAST.

    Playwright's sync API leaves its loop running here: ``asyncio.run`` (nbclient) fails after.
    """
    if item.path.stem in RUN_LAST:
        return 3
    if "chromium_browser" in fixtures_used(item) or item.get_closest_marker("site_views"):
        return 2
    return 1 if item.get_closest_marker("slow") else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    errors = tier_errors(items, {p.stem for p in Path(__file__).parent.glob("test_*.py")})
    if errors:
        raise pytest.UsageError("Tier marks (tests/conftest.py):\n  " + "\n  ".join(errors))
    items.sort(key=stage)  # stable: file order within each stage


# ------------------------------------------------ work started early
class ColdBuild:
    """``make clean book`` in a fresh copy of the book (``.book``), in a thread.

    On success its HTML is copied to ``.html`` and the ``hooks`` run (each module's
    ``on_cold_build``) before ``done`` is set: nothing edits the copy yet (test_incremental).
    """

    def __init__(self, folder: Path, hooks: list = ()) -> None:
        self.book, self.log = folder / "book", folder / "book-build.log"
        self.html = BUILD_ROOT / "_build" / "html"
        self.done, self.lock = threading.Event(), threading.Lock()
        self.build: Build | None = None
        self.error: BaseException | None = None
        self.job: Background | None = None
        self.stopped, self.hooks = False, hooks
        threading.Thread(target=self.run, name="cold-build", daemon=True).start()

    def run(self) -> None:
        try:
            copy_book(self.book)
            env = dict(os.environ)
            # The copy is no git clone: name the repository the work tree's build would.
            origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                    capture_output=True, text=True).stdout.strip()
            if not env.get("BOOK_REPOSITORY_URL") and "github.com" in origin:
                env["BOOK_REPOSITORY_URL"] = origin
            with self.lock:
                if self.stopped:
                    return
                self.job = Background(make_command("clean", "book"), self.log, cwd=self.book,
                                      env=env)
            returncode = self.job.proc.wait()
            log = self.log.read_text(errors="replace")
            self.build = Build(returncode, log, executed_pages(log, self.book))
            if returncode == 0:
                shutil.rmtree(self.html, ignore_errors=True)
                shutil.copytree(self.book / "_build" / "html", self.html)
            publish_status("ok" if returncode == 0 else f"failed: make clean book exited "
                           f"{returncode}; the first process's log says why")
            for hook in self.hooks if returncode == 0 else []:  # before anything edits it
                hook(self)
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
        with self.lock:
            self.stopped = True
            if self.job is not None:
                self.job.stop()


STARTED: dict[str, Background | ColdBuild] = {}


def publish_status(status: str, *, replace: bool = True) -> None:
    """Tell a waiting process how the cold build ended (JACOBIAN_PUBLISH_BUILD=1 only)."""
    if os.environ.get("JACOBIAN_PUBLISH_BUILD") == "1" and (replace or not BUILD_STATUS.exists()):
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


def start_cold_build(hooks: list = ()) -> ColdBuild:
    if "book" not in STARTED:
        (SCRATCH / "cold").mkdir()
        STARTED["book"] = ColdBuild(SCRATCH / "cold", hooks)
    return STARTED["book"]


def start_student_venv() -> Background:
    """A virtual environment made from requirements.txt alone (pip's cache is used)."""
    if "student" not in STARTED:
        script = '"$0" -m venv "$1" && "$1/bin/python" -m pip install --quiet -r requirements.txt'
        STARTED["student"] = Background(["sh", "-c", script, sys.executable, str(STUDENT_VENV)],
                                        SCRATCH / "student-venv.log", cwd=ROOT)
    return STARTED["student"]


def needs_cold_build(item: pytest.Item) -> bool:
    elsewhere = WAITS_FOR_ANOTHER_BUILD or os.environ.get("JACOBIAN_BOOK_HTML")
    return "cold_book" in fixtures_used(item) or ("site" in fixtures_used(item) and not elsewhere)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start what the selected tests will need, in the background, now."""
    if session.config.option.collectonly or os.environ.get("JACOBIAN_NO_BACKGROUND"):
        return
    if any(needs_cold_build(item) for item in session.items):
        # A module may use the build before anything edits it (test_student_edition), or
        # start work of its own on it (test_incremental).
        modules = {item.module for item in session.items if isinstance(item, pytest.Function)}
        cold = start_cold_build([m.on_cold_build for m in modules if hasattr(m, "on_cold_build")])
        for module in modules:
            if callable(starter := getattr(module, "start_in_background", None)):
                starter(cold)
    if not os.environ.get("JACOBIAN_STUDENT_VENV") and any(
            "student_venv" in fixtures_used(item) for item in session.items):
        start_student_venv()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for job in STARTED.values():
        job.stop()
    # A process waiting on this one must not wait for a build that never starts.
    publish_status("failed: the first process ended without a cold build", replace=False)
    shutil.rmtree(SCRATCH, ignore_errors=True)


# ------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def cold_book() -> ColdBuild:
    """The session's cold build, waited for: ``.book`` the copy, ``.build`` the run."""
    build = start_cold_build().result(timeout=1800)
    if build.returncode != 0:
        tail = "\n".join(build.log.splitlines()[-60:])
        pytest.fail(f"make clean book failed (exit {build.returncode}):\n{tail}")
    return STARTED["book"]


@pytest.fixture(scope="session")
def site(request: pytest.FixtureRequest) -> Path:
    """The built HTML: JACOBIAN_BOOK_HTML (a book built elsewhere) if set, else the cold build's
    (with JACOBIAN_WAIT_FOR_BUILD=1, another process's)."""
    if override := os.environ.get("JACOBIAN_BOOK_HTML"):
        if not (Path(override) / "index.html").exists():
            pytest.fail(f"JACOBIAN_BOOK_HTML={override} holds no built book (no index.html)")
        return Path(override).resolve()
    if WAITS_FOR_ANOTHER_BUILD:
        return wait_for_published_build()
    return request.getfixturevalue("cold_book").html


@pytest.fixture(scope="session")
def student_venv() -> Path:
    """A venv made from requirements.txt alone, as Binder makes one (or JACOBIAN_STUDENT_VENV)."""
    if os.environ.get("JACOBIAN_STUDENT_VENV"):
        return Path(os.environ["JACOBIAN_STUDENT_VENV"])
    made = start_student_venv().result(timeout=1800)
    if made.returncode != 0:
        pytest.fail(f"making the venv from requirements.txt failed:\n{made.stdout[-3000:]}")
    return STUDENT_VENV


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless Debian Chromium, driven by Playwright; each test opens its own context."""
    from book_site import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    from browser_book import require_chromium

    path = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BinderServer]:
    """ONE Binder-like JupyterLab (tests/binder_server.py) for Live Code and JupyterLab."""
    from browser_book import require_chromium

    require_chromium()  # its only clients are browser tests: they skip (or fail in CI)
    with binder_lab(tmp_path_factory.mktemp("binder"), *LIVE_CODE_ARGS) as server:
        yield server


@pytest.fixture(scope="session")
def book_url(site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 for the session; its base URL."""
    from book_site import serve

    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """_build/screenshots under JACOBIAN_BUILD_ROOT (ignored by git), never in a given build."""
    (BUILD_ROOT / "_build" / "screenshots").mkdir(parents=True, exist_ok=True)
    return BUILD_ROOT / "_build" / "screenshots"


@pytest.fixture(scope="session")
def axe_source() -> str:
    from browser_book import axe_script

    return axe_script()


@pytest.fixture(scope="session")
def page_view(chromium_browser, book_url: str, axe_source: str, screenshots: Path):
    """``page_view(docname, size="desktop", mode="light")``: a ``PageView``, loaded once."""
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
