"""A local Sphinx extension: the notebook a page offers for download runs on its own.

sphinx-book-theme copies each page's executed notebook into ``_sources`` for
the download menu. Its setup cell puts ``code/``, one level up, on
``sys.path``, and only a clone of the repository has that folder: a student
who downloads the notebook into an empty folder, or uploads it to Colab,
would stop at the first import.

So, each time a page is written, this extension

1. lists the files the page needs (:func:`code_deps.page_files`): the
   ``code/`` modules it imports, directly or through each other, the files
   those modules read beside themselves, and the files of ``benchmarks/``
   that its code names;
2. copies them into the site under the same paths (``code/tanh_basis.py``),
   where :data:`ZIP_NAME` also collects them for a download by hand;
3. rewrites the downloaded notebook's setup cell: the lines that put
   ``code/`` on ``sys.path`` (:data:`SETUP_LINES`, the same on every page)
   become :data:`STANDALONE` with the site's URL (``html_baseurl``, the
   canonical URL) and the SHA-256 of each file written in, and
   ``from myst_nb import glue`` gets a fallback for an environment without
   myst-nb;
4. refuses (a build warning) a later cell that names the book's folder as
   ``Path.cwd().parent``: pages write ``BOOK``, the folder that the setup
   cell found or fetched the book's files into;
5. drops the copies of printed lines that myst-nb leaves in the notebook
   (:func:`drop_merged_stream_copies`), after joining a print that the kernel
   sent in two parts (:func:`join_split_writes`).

In a clone, Binder and Live Code the rewritten cell still uses ``code/`` one
level up, without fetching anything; the website shows the page's own cell.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import zipfile
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

from .code_deps import CODE, DATA, page_files

logger = logging.getLogger(__name__)

#: The lines of every page's setup cell that put the book's modules on sys.path.
SETUP_LINES = (
    "# The book's modules are in code/, one level up from the pages.\n"
    "BOOK = Path.cwd().parent.resolve()\n"
    'sys.path.insert(0, str(BOOK / "code"))\n'
)

#: The environment variable that points a downloaded notebook at another copy of the site.
SITE_VARIABLE = "JACOBIAN_BOOK_SITE"

#: Every published file in one archive, to unzip beside a downloaded notebook.
ZIP_NAME = "book-code.zip"

#: What SETUP_LINES become in the downloaded notebook. Placeholders: {site},
#: {repository}, {files} (one "path": "sha256" line each), {variable}, {zip}.
STANDALONE = '''\
# In a clone of the repository, the book's code/ is one level up from the
# pages. Without one (this notebook was downloaded from the website), the
# lines below fetch the files this page needs from the website, once, into
# code/ (and benchmarks/) beside the notebook, and use a file only if its
# SHA-256 is the one the website was built with. The environment variable
# {variable} names another copy of the website.
import hashlib
import os
import urllib.request

BOOK_SITE = os.environ.get("{variable}") or "{site}"
BOOK_REPOSITORY = "{repository}"
BOOK_FILES = {{
{files}}}


class BookCodeMissing(Exception):
    def _render_traceback_(self):  # IPython shows the sentence, not a traceback
        return [str(self)]


BOOK = Path.cwd().parent.resolve()
if not all((BOOK / name).is_file() for name in BOOK_FILES):
    BOOK, fetched = Path.cwd(), []
    try:
        for name, sha256 in BOOK_FILES.items():
            file = BOOK / name
            if file.is_file():
                if hashlib.sha256(file.read_bytes()).hexdigest() != sha256:
                    raise ValueError(f"{{name}} beside this notebook is another version")
                continue
            with urllib.request.urlopen(BOOK_SITE + name, timeout=30) as response:
                data = response.read()
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"{{BOOK_SITE}}{{name}} is not the file this page was built with")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
            fetched.append(name)
    except (OSError, ValueError) as error:
        raise BookCodeMissing(
            f"This page needs the book's code and could not use it ({{error}}): "
            f"clone {{BOOK_REPOSITORY}} and open the page from its chapters/ folder, "
            f"or download {{BOOK_SITE}}{zip} and unzip it beside this notebook."
        ) from None
    if fetched:
        print(f"Fetched {{', '.join(fetched)}} from {{BOOK_SITE}} (SHA-256 checked).")
sys.path.insert(0, str(BOOK / "code"))
'''

#: The page's import of myst-nb's glue, and what it becomes in the download.
GLUE_IMPORT = "from myst_nb import glue\n"
GLUE_FALLBACK = '''\
try:
    from myst_nb import glue
except ImportError:  # no myst-nb (Colab, a plain Jupyter): show the values instead
    from IPython.display import display as _display

    def glue(name, value, display=True):
        """Show a value that the website writes into the prose as {glue}`name`."""
        if not display:
            print(f"{name}:")
        _display(value)
'''

#: How a later cell must not name the book's root (a download has no such folder).
BOOK_ROOT = "Path.cwd().parent"

def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hexadecimal."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def standalone_setup(source: str, site: str, repository: str, hashes: dict[str, str]) -> str:
    """The setup cell ``source`` with :data:`SETUP_LINES` replaced by :data:`STANDALONE`.

    ``site`` is the website's URL (ending in ``/``), ``repository`` the one a
    failed fetch names, ``hashes`` the SHA-256 of each file the page needs by
    path (``code/tanh_basis.py``). myst-nb's glue import becomes
    :data:`GLUE_FALLBACK`. A ``source`` without :data:`SETUP_LINES` is a ValueError.
    """
    if SETUP_LINES not in source:
        raise ValueError("the setup cell does not contain the lines\n" + SETUP_LINES)
    files = "".join(f'    "{name}": "{digest}",\n' for name, digest in sorted(hashes.items()))
    block = STANDALONE.format(
        site=site, repository=repository, files=files, variable=SITE_VARIABLE, zip=ZIP_NAME
    )
    return source.replace(SETUP_LINES, block, 1).replace(GLUE_IMPORT, GLUE_FALLBACK, 1)


def join_split_writes(outputs: list) -> list:
    """``outputs`` with each run of one stream's consecutive outputs joined into its first.

    The kernel sends one ``print`` in two messages when its buffer is flushed
    between two writes (seen under load); myst-nb's ``coalesce_streams`` (1.4)
    ends every message with a new line, which broke that line on the page.
    The first output grows in place, as ``coalesce_streams`` itself does.
    """
    joined: list = []
    for output in outputs:
        last = joined[-1] if joined else {}
        if output.get("output_type") == last.get("output_type") == "stream" and (
                output["name"] == last["name"]):
            last["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def merge_streams_as_written() -> None:
    """Make myst-nb's ``nb_merge_streams`` join a stream's split writes first (once)."""
    from myst_nb.core import render

    merge = render.coalesce_streams
    if getattr(merge, "__wrapped__", None) is None:
        render.coalesce_streams = functools.wraps(merge)(
            lambda outputs: merge(join_split_writes(outputs)))


def drop_merged_stream_copies(outputs: list[dict]) -> list[dict]:
    """A cell's outputs without the stream outputs that myst-nb merged into the first.

    With ``nb_merge_streams``, myst-nb's ``coalesce_streams`` (1.4) appends the
    text of every later ``stdout`` (or ``stderr``) output to the cell's first
    one *in place*, for the page, and leaves the later ones in the executed
    notebook too: the downloaded notebook would print those lines twice.

    Parameters
    ----------
    outputs : list of dict
        A code cell's outputs, as nbformat reads them.

    Returns
    -------
    list of dict
        ``outputs`` without the later stream outputs of a name whose first
        output already ends with their text; unchanged otherwise.
    """
    first: dict[str, dict] = {}
    later: dict[str, list[dict]] = {}
    for output in outputs:
        if output.get("output_type") == "stream":
            if output["name"] in first:
                later.setdefault(output["name"], []).append(output)
            else:
                first[output["name"]] = output
    drop: list[dict] = []
    for name, copies in later.items():
        merged = "".join(o["text"].rstrip() + "\n" for o in copies if o["text"].rstrip())
        if first[name]["text"].endswith(merged):
            drop.extend(copies)
    return [o for o in outputs if not any(o is d for d in drop)]


def _setup_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """The first code cell tagged ``thebe-init`` (the hidden setup cell), if any."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and "thebe-init" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def make_download_standalone(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object
) -> None:
    """Publish the files page ``pagename`` needs and rewrite its downloadable notebook."""
    ipynb = context.get("ipynb_source")
    if not ipynb or app.builder.format != "html":
        return
    root, out = Path(app.srcdir), Path(app.outdir)
    source = Path(app.env.doc2path(pagename))
    files = page_files(source, source.read_text(encoding="utf-8"), root)
    if not files:
        return
    notebook_path = out / "_sources" / ipynb
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = _setup_cell(notebook)
    site = app.config.html_baseurl or ""
    site = site if not site or site.endswith("/") else site + "/"
    try:
        if cell is None:
            raise ValueError("it has no code cell tagged thebe-init")
        cell.source = standalone_setup(
            cell.source, site, app.config.html_theme_options.get("repository_url", ""),
            {name: sha256(root / name) for name in files},
        )
        for later in notebook.cells[notebook.cells.index(cell) + 1:]:
            if later.cell_type == "code" and BOOK_ROOT in later.source:
                raise ValueError(f"a later cell uses {BOOK_ROOT}; write BOOK instead")
        for code in notebook.cells:
            if code.cell_type == "code":
                code.outputs = drop_merged_stream_copies(code.outputs)
    except ValueError as error:
        logger.warning(
            f"[standalone] {pagename} imports the book's modules, but its downloadable "
            f"notebook cannot fetch them: {error}",
            location=pagename,
        )
        return
    for name in files:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, out / name)
    nbformat.write(notebook, notebook_path)


def write_code_zip(app: Sphinx, exception: Exception | None) -> None:
    """Collect every published file in :data:`ZIP_NAME`, to unzip beside a notebook."""
    out = Path(app.outdir)
    if exception is not None or app.builder.format != "html":
        return
    files = sorted(f for folder in (CODE, DATA) for f in (out / folder).glob("*") if f.is_file())
    if not files:
        return
    with zipfile.ZipFile(out / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            # A fixed date: the same files give the same archive.
            name = file.relative_to(out).as_posix()
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
