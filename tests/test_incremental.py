"""`make book` is incremental and still correct: each edit rebuilds what it can change.

The session's one cold build (``make clean book`` in a copy of the book, see
``cold_book`` in conftest.py) is the starting point: each edit is planted in
that copy in turn and the copy rebuilt with `make book`, the README's everyday
command. After each build the test reads the build log for the notebooks that
myst-nb executed, and the HTML for the planted change. Which pages import
which ``code/`` module is worked out here independently of
_ext/jacobian_book/code_deps.py (a regular expression over the code cells,
not Python's parser), so the two can disagree. The site tests read their own
copy of the cold build's HTML, so these edits never reach them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from book_copy import Build, copy_book, make, notebook_pages
from book_site import source_file, toc_pages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None,
                       reason="make is not installed (the README requires it)"),
]

PAGE_MARK = "Planted sentence of the incremental-build test 7f3a91."
CODE_MARK = "planted in tanh_basis by the incremental-build test 5c2e08"
CSS_MARK = "/* planted by the incremental-build test 0d44be */"
TITLE_MARK = "Planted title 4b9d2c"

_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^#\n]+)", re.M)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\w+)[\w.]*[ \t]+import\b", re.M)


def _imports(python: str) -> set[str]:
    """Top-level names after `import` (each of `import a, b as c`) and `from`."""
    names = set(_FROM.findall(python))
    for listed in _IMPORT.findall(python):
        names |= {part.split()[0].split(".")[0] for part in listed.split(",") if part.strip()}
    return names


def importers(book: Path, module: str) -> set[str]:
    """Notebook pages whose code cells import ``module`` from code/, directly or not."""
    code = book / "code"
    needs = {p.stem: _imports(p.read_text(encoding="utf-8")) for p in code.glob("*.py")}

    def loads(name: str, seen: set[str]) -> set[str]:
        if name not in needs or name in seen:
            return set()
        seen.add(name)
        found = {name}
        for other in needs[name]:
            found |= loads(other, seen)
        return found

    pages = set()
    for page in notebook_pages(book):
        cells = "\n".join(_CODE_CELL.findall(source_file(page, book).read_text(encoding="utf-8")))
        if any(module in loads(name, set()) for name in _imports(cells)):
            pages.add(page)
    return pages


def html(book: Path, page: str) -> str:
    return (book / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")


def css_versions(book: Path) -> set[str]:
    """The ?v= checksums with which the pages link custom.css."""
    return {
        version
        for page in toc_pages(book)
        for version in re.findall(r"custom\.css\?v=(\w+)", html(book, page))
    }


def _ok(build: Build, what: str) -> None:
    tail = "\n".join(build.log.splitlines()[-40:])
    assert build.returncode == 0, f"{what}: make failed (exit {build.returncode}):\n{tail}"


def plant_and_build(cold) -> dict:
    """Each edit in the cold build's copy and a `make book` after it; everything recorded.

    ``cold`` is conftest.py's ``ColdBuild``: ``.book`` the copy, ``.result()``
    waits for its ``make clean book``.
    """
    runs: dict = {"cold": cold.result(timeout=1800)}
    root = runs["book"] = cold.book
    _ok(runs["cold"], "make clean book")
    runs["no change"] = make(root, "book")

    # (1) one page's text
    pages = [p for p in toc_pages(root) if p in notebook_pages(root)]
    page = pages[-1]
    runs["page"] = page
    path = source_file(page, root)
    path.write_text(path.read_text(encoding="utf-8") + f"\n{PAGE_MARK}\n", encoding="utf-8")
    runs["page edit"] = make(root, "book")

    # (2) a module of code/: its import now prints a line in every page that loads it
    runs["importers"] = importers(root, "tanh_basis")
    runs["css before"] = css_versions(root)
    module = root / "code" / "tanh_basis.py"
    module.write_text(
        module.read_text(encoding="utf-8") + f"\nprint({CODE_MARK!r})\n", encoding="utf-8"
    )
    runs["code edit"] = make(root, "book")

    # (3) the stylesheet
    css = root / "_static" / "custom.css"
    css.write_text(css.read_text(encoding="utf-8") + f"\n{CSS_MARK}\n", encoding="utf-8")
    runs["css edit"] = make(root, "book")

    # (4) the book's title in _config.yml
    config = root / "_config.yml"
    text, count = re.subn(r"^title:.*$", f'title: "{TITLE_MARK}"', config.read_text(), flags=re.M)
    assert count == 1, "_config.yml has no top-level title: line"
    config.write_text(text, encoding="utf-8")
    runs["config edit"] = make(root, "book")
    return runs


_BACKGROUND: dict = {}


def start_in_background(cold) -> None:
    """Start the edits and rebuilds in a thread (conftest.py calls this at collection).

    The thread waits for the session's cold build, then works in its copy;
    the builds are subprocesses, so they proceed while other tests run. The
    fixture below waits for them.
    """
    if "thread" in _BACKGROUND:
        return

    def work() -> None:
        try:
            _BACKGROUND["runs"] = plant_and_build(cold)
        except BaseException as exc:  # handed to the fixture, which re-raises it
            _BACKGROUND["error"] = exc

    _BACKGROUND["thread"] = threading.Thread(target=work, name="incremental", daemon=True)
    _BACKGROUND["thread"].start()


@pytest.fixture(scope="module")
def book(cold_book) -> dict:
    start_in_background(cold_book)
    _BACKGROUND["thread"].join()
    if "error" in _BACKGROUND:
        raise _BACKGROUND["error"]
    return _BACKGROUND["runs"]


def test_cold_build_executes_every_notebook_and_says_where_the_html_is(book):
    root = book["book"]
    assert book["cold"].executed == notebook_pages(root)
    assert f"The book is at {root}/_build/html/index.html" in book["cold"].log


def test_a_rebuild_with_no_change_executes_nothing(book):
    _ok(book["no change"], "make book without changes")
    assert book["no change"].executed == set()
    assert "The book is at" in book["no change"].log


def test_a_page_edit_executes_that_page_only(book):
    _ok(book["page edit"], "make book after a page edit")
    assert book["page edit"].executed == {book["page"]}
    assert PAGE_MARK in html(book["book"], book["page"])


def test_a_code_edit_executes_every_page_that_imports_it_and_no_other(book):
    root = book["book"]
    _ok(book["code edit"], "make book after an edit to code/tanh_basis.py")
    assert book["importers"], "no page imports tanh_basis: the test would prove nothing"
    assert book["code edit"].executed == book["importers"]
    # Nothing stale: every page that loads the module shows the new line, and
    # no other page does.
    for page in notebook_pages(root):
        assert (CODE_MARK in html(root, page)) == (page in book["importers"]), page
    # The site publishes the edited module, and each importer's downloadable
    # notebook checks against its new SHA-256 (_ext/jacobian_book/standalone.py).
    module = root / "code" / "tanh_basis.py"
    assert (root / "_build/html/code/tanh_basis.py").read_bytes() == module.read_bytes()
    digest = hashlib.sha256(module.read_bytes()).hexdigest()
    for page in book["importers"]:
        notebook = root / "_build/html/_sources" / f"{page}.ipynb"
        assert digest in notebook.read_text(encoding="utf-8"), page


def test_a_stylesheet_edit_is_served_and_every_page_links_the_new_file(book):
    root = book["book"]
    _ok(book["css edit"], "make book after an edit to _static/custom.css")
    assert book["css edit"].executed == set()
    served = (root / "_build" / "html" / "_static" / "custom.css").read_text(encoding="utf-8")
    assert CSS_MARK in served
    # One checksum on every page, and a new one: no page keeps the old link.
    after = css_versions(root)
    assert len(after) == 1
    assert after.isdisjoint(book["css before"])


def test_a_config_edit_shows_on_every_page(book):
    root = book["book"]
    _ok(book["config edit"], "make book after an edit to _config.yml")
    assert book["config edit"].executed == set()
    for page in toc_pages(root):
        assert TITLE_MARK in html(root, page), page


# ------------------------------------------------------------- make preview
PREVIEW_MARK = "planted for the preview test 93c1f0"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except (OSError, urllib.error.URLError):
        return None


def _wait_for(url: str, text: str, proc: subprocess.Popen, log: Path, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"make preview ended early:\n{log.read_text()[-3000:]}"
        page = _get(url)
        if page is not None and text in page:
            return page
        time.sleep(1)
    pytest.fail(f"{url} did not show {text!r} within {seconds} s:\n{log.read_text()[-3000:]}")


def test_make_preview_serves_the_book_on_loopback_and_rebuilds_after_an_edit(tmp_path):
    """sphinx-autobuild on 127.0.0.1, on a one-page book, with the real settings."""
    book = copy_book(tmp_path / "book")
    # One notebook page that imports a module of code/: the real _config.yml,
    # _ext and code/, a toc of that page alone (a small book starts fast).
    header = source_file(sorted(notebook_pages(book))[0], book).read_text().split("---")[1]
    cell = (
        "import sys\nfrom pathlib import Path\n\n"
        "sys.path.insert(0, str(Path('../code').resolve()))\n"
        "import tanh_basis\n\nprint(tanh_basis.__name__)\n"
    )
    (book / "chapters" / "page.md").write_text(
        f"---{header}---\n\n# Preview\n\n```{{code-cell}} ipython3\n{cell}```\n",
        encoding="utf-8",
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: chapters/page\n", encoding="utf-8")

    port = _free_port()
    log = tmp_path / "preview.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.requirements-installed", "preview",
             f"BIN={Path(sys.executable).parent}", f"PREVIEW_PORT={port}"],
            cwd=book, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/chapters/page.html"
        _wait_for(url, "tanh_basis", proc, log, seconds=300)
        module = book / "code" / "tanh_basis.py"
        module.write_text(
            module.read_text(encoding="utf-8") + f"\nprint({PREVIEW_MARK!r})\n", encoding="utf-8"
        )
        _wait_for(url, PREVIEW_MARK, proc, log, seconds=300)
        # Served on loopback only.
        assert f"127.0.0.1:{port}" in log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
