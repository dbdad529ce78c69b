"""`make book` is incremental and still correct: each edit in the cold build's copy
(``cold_book``) rebuilds what it can change, which is found here without code_deps.py."""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from binder_server import free_port
from book_copy import Background, copy_book, make, notebook_pages
from book_make import make_command
from book_site import source_file, toc_pages

pytestmark = pytest.mark.slow

PAGE_MARK = "Planted sentence of the incremental-build test 7f3a91."
CODE_MARK = "planted in tanh_basis by the incremental-build test 5c2e08"
CSS_MARK = "/* planted by the incremental-build test 0d44be */"
TITLE_MARK = "Planted title 4b9d2c"

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)
IMPORT = re.compile(r"^[ \t]*import[ \t]+([^#\n]+)", re.M)
FROM = re.compile(r"^[ \t]*from[ \t]+(\w+)[\w.]*[ \t]+import\b", re.M)


def imports(python: str) -> set[str]:
    """Top-level names after `import` (each of `import a, b as c`) and `from`."""
    names = set(FROM.findall(python))
    for listed in IMPORT.findall(python):
        names |= {part.split()[0].split(".")[0] for part in listed.split(",") if part.strip()}
    return names


def importers(book: Path, module: str) -> set[str]:
    """Notebook pages whose code cells import ``module`` from code/, directly or not."""
    needs = {p.stem: imports(p.read_text(encoding="utf-8")) for p in (book / "code").glob("*.py")}
    loading = {module}  # the modules of code/ that load it
    while more := {name for name, names in needs.items() if names & loading} - loading:
        loading |= more
    pages = set()
    for page in notebook_pages(book):
        cells = CODE_CELL.findall(source_file(page, book).read_text(encoding="utf-8"))
        if imports("\n".join(cells)) & loading:
            pages.add(page)
    return pages


def html(book: Path, page: str) -> str:
    return (book / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8")


def css_versions(book: Path) -> set[str]:
    """The ?v= checksums with which the pages link custom.css."""
    return {version for page in toc_pages(book)
            for version in re.findall(r"custom\.css\?v=(\w+)", html(book, page))}


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def plant_and_build(cold) -> dict:
    """Each edit in ``cold.book`` (conftest.py's ColdBuild), then `make book`; all recorded."""
    runs: dict = {"cold": cold.result(timeout=1800)}
    root = runs["book"] = cold.book
    assert runs["cold"].returncode == 0, "make clean book failed: see the cold_book fixture"
    runs["no change"] = make(root, "book")
    runs["page"] = [p for p in toc_pages(root) if p in notebook_pages(root)][-1]
    append(source_file(runs["page"], root), f"\n{PAGE_MARK}\n")
    runs["page edit"] = make(root, "book")
    # A module of code/: its import now prints a line in every page that loads it.
    runs["importers"] = importers(root, "tanh_basis")
    runs["css before"] = css_versions(root)
    append(root / "code" / "tanh_basis.py", f"\nprint({CODE_MARK!r})\n")
    runs["code edit"] = make(root, "book")
    append(root / "_static" / "custom.css", f"\n{CSS_MARK}\n")
    runs["css edit"] = make(root, "book")
    config = root / "_config.yml"
    text, count = re.subn(r"^title:.*$", f'title: "{TITLE_MARK}"', config.read_text(), flags=re.M)
    assert count == 1, "_config.yml has no top-level title: line"
    config.write_text(text, encoding="utf-8")
    runs["config edit"] = make(root, "book")
    return runs


BACKGROUND: dict = {}


def start_in_background(cold) -> None:
    """Plant and build in a thread, started by conftest.py at collection, after the cold build."""
    if "thread" in BACKGROUND:
        return

    def work() -> None:
        try:
            BACKGROUND["runs"] = plant_and_build(cold)
        except BaseException as exc:  # handed to the fixture, which re-raises it
            BACKGROUND["error"] = exc

    BACKGROUND["thread"] = threading.Thread(target=work, name="incremental", daemon=True)
    BACKGROUND["thread"].start()


@pytest.fixture(scope="module")
def book(cold_book) -> dict:
    start_in_background(cold_book)
    BACKGROUND["thread"].join()
    if "error" in BACKGROUND:
        raise BACKGROUND["error"]
    return BACKGROUND["runs"]


def test_each_build_executes_exactly_the_pages_its_edit_can_change(book):
    root = book["book"]
    assert book["importers"], "no page imports tanh_basis: the test would prove nothing"
    expected = {"cold": notebook_pages(root), "no change": set(), "page edit": {book["page"]},
                "code edit": book["importers"], "css edit": set(), "config edit": set()}
    for step, pages in expected.items():
        assert book[step].returncode == 0, f"{step}: make failed:\n{book[step].log[-3000:]}"
        assert book[step].executed == pages, step
        assert f"The book is at {root}/_build/html/index.html" in book[step].log, step


def test_each_edit_shows_on_every_page_it_changes_and_no_other(book):
    root = book["book"]
    assert PAGE_MARK in html(root, book["page"])
    for page in notebook_pages(root):
        assert (CODE_MARK in html(root, page)) == (page in book["importers"]), page
    # The site publishes the edited module, and each importer's downloadable
    # notebook checks against its new SHA-256 (_ext/jacobian_book/standalone.py).
    module = (root / "code" / "tanh_basis.py").read_bytes()
    assert (root / "_build/html/code/tanh_basis.py").read_bytes() == module
    for page in book["importers"]:
        notebook = root / "_build/html/_sources" / f"{page}.ipynb"
        assert hashlib.sha256(module).hexdigest() in notebook.read_text(encoding="utf-8"), page
    assert CSS_MARK in (root / "_build/html/_static/custom.css").read_text(encoding="utf-8")
    # One new checksum on every page: no page keeps the old stylesheet link.
    after = css_versions(root)
    assert len(after) == 1 and after.isdisjoint(book["css before"])
    for page in toc_pages(root):
        assert TITLE_MARK in html(root, page), page


# ------------------------------------------------------------- make preview
PREVIEW_MARK = "planted for the preview test 93c1f0"


def wait_for(url: str, text: str, preview: Background, seconds: float) -> None:
    """Poll ``url`` until it shows ``text``; fail if `make preview` ends or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and preview.proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if text in response.read().decode("utf-8", errors="replace"):
                    return
        except (OSError, http.client.HTTPException):  # not serving yet, or mid-rewrite
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not show {text!r} within {seconds} s (make preview exit status "
                f"{preview.proc.poll()}):\n{preview.log.read_text()[-3000:]}")


def test_make_preview_serves_the_book_on_loopback_and_rebuilds_after_an_edit(tmp_path):
    """sphinx-autobuild on 127.0.0.1, on a one-page book, with the real settings."""
    book = copy_book(tmp_path / "book")
    # One notebook page that imports a module of code/, alone in the toc: it starts fast.
    header = source_file(sorted(notebook_pages(book))[0], book).read_text().split("---")[1]
    cell = ("import sys\nfrom pathlib import Path\n\n"
            "sys.path.insert(0, str(Path('../code').resolve()))\n"
            "import tanh_basis\n\nprint(tanh_basis.__name__)\n")
    (book / "chapters" / "page.md").write_text(
        f"---{header}---\n\n# Preview\n\n```{{code-cell}} ipython3\n{cell}```\n", encoding="utf-8"
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: chapters/page\n", encoding="utf-8")
    port = free_port()
    preview = Background(make_command("preview", f"PREVIEW_PORT={port}"),
                         tmp_path / "preview.log", cwd=book)
    try:
        url = f"http://127.0.0.1:{port}/chapters/page.html"
        wait_for(url, "tanh_basis", preview, seconds=300)
        append(book / "code" / "tanh_basis.py", f"\nprint({PREVIEW_MARK!r})\n")
        wait_for(url, PREVIEW_MARK, preview, seconds=300)
        assert f"127.0.0.1:{port}" in preview.log.read_text()  # served on loopback only
    finally:
        preview.stop()
