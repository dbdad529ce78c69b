"""What an incremental build must redo that Sphinx would skip.

* **Static files.** When a file under ``html_static_path`` (``_static/custom.css``)
  changed since the last build, every page is written again: Sphinx 7.4 copies
  the new file, but the pages it does not rewrite keep linking to
  ``custom.css?v=<checksum of the old file>``, which a browser may have cached.
* **Pages that failed.** Sphinx saves the environment even when ``-W
  --keep-going`` turns warnings into a failure, with the pages that warned
  marked as read: the next build would skip them and pass. Their doctrees are
  deleted, so that Sphinx reads them again.

Which pages a ``code/*.py`` edit re-executes is :mod:`code_deps`'s job.
"""

from __future__ import annotations

import filecmp
import logging as logging_std
from collections.abc import Iterable
from pathlib import Path

from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.logging import get_node_location

logger = logging.getLogger(__name__)


def _static_files(app: Sphinx) -> Iterable[tuple[Path, Path]]:
    """Pairs (source, copy in the output) for every file under html_static_path."""
    out = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        source = Path(app.confdir, entry)
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for file in files:
            if file.is_file() and not file.name.startswith(".") and not file.name.endswith("_t"):
                relative = file.name if source.is_file() else file.relative_to(source)
                yield file, out / relative


def rewrite_pages_if_static_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page, if a static file differs from its copy in a previous build's output."""
    if app.builder.format != "html" or not (Path(app.outdir) / "_static").is_dir():
        return []  # a first build writes every page anyway
    for source, copy in _static_files(app):
        if not copy.is_file() or not filecmp.cmp(source, copy, shallow=False):
            logger.info("[incremental] %s changed: writing every page again", source.name)
            return sorted(env.found_docs)
    return []


class WarnedPages(logging_std.Handler):
    """Remembers which pages had a warning during this build (None: no page known)."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(level=logging_std.WARNING)
        self.app = app
        self.pages: set[str | None] = set()

    def emit(self, record: logging_std.LogRecord) -> None:
        location = getattr(record, "location", None)
        if isinstance(location, tuple):
            self.pages.add(location[0])
            return
        if location is not None and not isinstance(location, str):
            location = get_node_location(location)
        docname = None
        if location and self.app.env is not None:
            try:
                docname = self.app.env.path2doc(location.rsplit(":", 1)[0])
            except ValueError:  # a file outside the book
                docname = None
        self.pages.add(docname)


def forget_failed_pages(app: Sphinx, exception: Exception | None, warned: WarnedPages) -> None:
    """After a build that warnings failed (-W), make the next build re-read those pages.

    A warning that names no page costs the whole saved environment.
    """
    logging_std.getLogger("sphinx").removeHandler(warned)
    # With -W --keep-going, Sphinx 7 sets keep_going and clears warningiserror.
    # The handler saw every warning Sphinx counts (it sits on the same logger).
    if not ((app.warningiserror or app.keep_going) and warned.pages):
        return
    pages = warned.pages
    if None in pages:
        (Path(app.doctreedir) / ENV_PICKLE_FILENAME).unlink(missing_ok=True)
    for docname in pages - {None}:
        (Path(app.doctreedir) / f"{docname}.doctree").unlink(missing_ok=True)

