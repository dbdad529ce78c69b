"""What tests and benchmarks both need: the book's toc pages, and Chromium to view them.

tests/browser_book.py re-exports these; benchmarks import them from here, so
that nothing in benchmarks/ depends on tests/.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: Where Debian's package puts Chromium; `chromium` on PATH is the fallback.
CHROMIUM_PATH = Path("/usr/bin/chromium")

#: Flags for Chromium as root in a container with no GPU and no network: no
#: sandbox (needs user namespaces), and none of the background traffic that a
#: first start causes (it would show up as requests to other hosts).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def toc_pages(root: Path = ROOT) -> list[str]:
    """Docnames of every page that _toc.yml lists, in reading order (root first)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(_docname(node["file"]))
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key, []))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    pages.append(_docname(toc["root"]))
    walk(toc)
    return pages


def _docname(entry: str) -> str:
    # The toc may name a file with or without its suffix.
    for suffix in (".md", ".ipynb", ".rst"):
        entry = entry.removesuffix(suffix)
    return entry


def source_file(docname: str, root: Path = ROOT) -> Path:
    """The source file of a toc entry (the toc omits the suffix)."""
    for suffix in (".md", ".ipynb", ".rst"):
        path = root / f"{docname}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml lists {docname!r}, but no source file exists for it")


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None when there is none."""
    if CHROMIUM_PATH.exists():
        return str(CHROMIUM_PATH)
    return shutil.which("chromium")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without one log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path, handler: type = QuietHandler) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port (port 0); yields the base URL.

    Browsers see the book over HTTP, as readers do: file:// URLs would change
    how scripts, fonts and fetches behave.
    """
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=os.fspath(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
