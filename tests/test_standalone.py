"""A notebook downloaded from the website runs on its own (_ext/jacobian_book/standalone.py).

The slow tests serve the built site on 127.0.0.1 and do what a student does:
copy a page's downloadable notebook (``_sources/chapters/<page>.ipynb``) alone
into an empty folder and run it in a fresh kernel, with
``JACOBIAN_BOOK_SITE`` pointing at the local site. Every cell must run, and
each code cell must print what the site shows, by test_student_path's rule
(stdout and text/plain, addresses, durations and ids masked; cells tagged
``output-varies`` are exempt). Then the failures a student can meet: the site
unreachable, a module on the site that is not the one the notebook was built
with, and an environment without myst-nb.

The fast tests check the rewriting itself on the pages' sources.
"""

from __future__ import annotations

import os
import shutil
import socket
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import pytest
from book_site import serve, source_file, toc_pages
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from student_driver import record_outputs
from test_student_path import OUTPUT_VARIES, comparable

from browser_book import ROOT
from jacobian_book import standalone


def _has_code(docname: str) -> bool:
    notebook = jupytext.read(source_file(docname))
    return any(cell.cell_type == "code" for cell in notebook.cells)


PAGES = [docname for docname in toc_pages() if _has_code(docname)]
#: Pages run side by side, each in its own kernel and its own folder.
JOBS = min(2, os.cpu_count() or 1)
FETCHED = "Fetched "
#: What myst-nb's glue displays; the site's notebook has these outputs removed
#: (the values went into the prose), so they are not compared.
GLUE_RECORD = "application/papermill.record/"


def _shown(cell: nbformat.NotebookNode) -> list[dict]:
    """A cell's outputs as test_student_path records them, without glue's records.

    Prints on either side of a glued value are joined, as the site shows them.
    """
    shown: list[dict] = []
    for o in record_outputs(cell):
        if o["kind"] == "glue" or (
                o.get("mimetypes") and all(m.startswith(GLUE_RECORD) for m in o["mimetypes"])):
            continue
        if shown and o["kind"] in ("stdout", "stderr") and shown[-1]["kind"] == o["kind"]:
            shown[-1] = {**shown[-1], "text": shown[-1]["text"] + o["text"]}
        else:
            shown.append(o)
    return shown


# ------------------------------------------------------------------ fast
@pytest.mark.parametrize("docname", PAGES)
def test_every_setup_cell_has_the_lines_the_build_rewrites(docname):
    notebook = jupytext.read(source_file(docname))
    setup = [c for c in notebook.cells if "thebe-init" in c.metadata.get("tags", [])]
    assert setup, f"{docname} has no setup cell (tags hide-input, thebe-init)"
    rewritten = standalone.standalone_setup(
        setup[0].source, "https://example.org/book/", "https://github.com/o/r", {"code/m.py": "0"}
    )
    assert standalone.SETUP_LINES not in rewritten
    compile(rewritten, docname, "exec")  # the downloaded cell is valid Python


def test_a_setup_cell_without_those_lines_is_an_error():
    with pytest.raises(ValueError, match="does not contain the lines"):
        standalone.standalone_setup("import sys\n", "https://e.org/", "https://github.com/o/r", {})


def test_page_files_follow_imports_sibling_files_and_data():
    page = source_file("chapters/interactive")
    files = standalone.page_files(page, page.read_text(encoding="utf-8"), ROOT)
    # live_explorer reads its JavaScript beside itself; static_figure imports style.
    assert {"code/live_explorer.py", "code/live_explorer.js", "code/tanh_basis.js",
            "code/static_figure.py", "code/style.py", "code/validate.py"} <= set(files)
    page = source_file("chapters/benchmarks")
    assert "benchmarks/results.json" in standalone.page_files(
        page, page.read_text(encoding="utf-8"), ROOT
    )


def test_drop_merged_stream_copies_undoes_only_what_myst_nb_duplicated():
    def out(text, name="stdout"):
        return {"output_type": "stream", "name": name, "text": text}

    glued = {"output_type": "display_data", "data": {}}
    # As myst-nb leaves it: "b" merged into the first stream, and still there.
    left = [out("a\nb\n"), glued, out("b\n"), out("e\n", "stderr")]
    assert standalone.drop_merged_stream_copies(left) == [left[0], glued, left[3]]
    # Two prints that were never merged stay.
    apart = [out("a\n"), glued, out("b\n")]
    assert standalone.drop_merged_stream_copies(apart) == apart


# ------------------------------------------------------------------ slow
def _download(site: Path, docname: str, folder: Path) -> Path:
    """The page's downloadable notebook, copied alone into ``folder``."""
    folder.mkdir(parents=True)
    notebook = folder / f"{Path(docname).name}.ipynb"
    shutil.copyfile(site / "_sources" / f"{docname}.ipynb", notebook)
    return notebook


def _run(notebook: Path, url: str, jupyter_data: Path, **env: str) -> nbformat.NotebookNode:
    """Run ``notebook`` in a fresh kernel in its own folder; errors stay in the outputs."""
    executed = nbformat.read(notebook, as_version=4)
    for cell in executed.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        executed, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    kernel_env = {**os.environ, standalone.SITE_VARIABLE: url, **env}
    # A kernelspec in the user's ~/.local/share must not replace this Python's.
    kernel_env["JUPYTER_DATA_DIR"] = str(jupyter_data)
    try:
        client.execute(env=kernel_env)
    except CellExecutionError:
        pass  # the failing cell's outputs say what happened
    return executed


def _code(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _errors(cells: list[nbformat.NotebookNode]) -> list[str]:
    """Each error a cell showed, as ``name: message``."""
    return [f"{o.ename}: {o.evalue}" for c in cells for o in c.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def served(site: Path):
    """The built site on 127.0.0.1; yields its URL, ending in /."""
    with serve(site) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def standalone_runs(site, served, tmp_path_factory) -> dict:
    """Every page with code, its downloaded notebook run alone: docname -> (folder, notebook)."""
    root = tmp_path_factory.mktemp("downloads")
    jupyter_data = tmp_path_factory.mktemp("jupyter-data")

    def one(docname: str):
        notebook = _download(site, docname, root / docname.replace("/", "-"))
        return docname, (notebook.parent, _run(notebook, served, jupyter_data))

    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return dict(pool.map(one, PAGES))


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_downloaded_notebook_runs_alone_and_prints_what_the_site_shows(
    site, standalone_runs, docname
):
    folder, executed = standalone_runs[docname]
    shown = _code(nbformat.read(site / "_sources" / f"{docname}.ipynb", as_version=4))
    ran = _code(executed)
    errors = [
        (i, f"{o.ename}: {o.evalue}") for i, c in enumerate(ran) for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == [], f"{docname}: the downloaded notebook failed: {errors}"
    skipped = {i for i, c in enumerate(shown) if c.execution_count is None}
    unrun = [i for i, c in enumerate(ran) if c.execution_count is None and i not in skipped]
    assert unrun == [], f"{docname}: code cells {unrun} did not run"

    # The setup cell fetched the page's files into code/ beside the notebook.
    first = _shown(ran[0])
    assert first and first[0]["kind"] == "stdout" and first[0]["text"].startswith(FETCHED)
    assert "SHA-256 checked" in first[0]["text"]
    first[0]["text"] = first[0]["text"].split("\n", 1)[1]
    if not first[0]["text"]:
        first.pop(0)
    assert (folder / "code").is_dir()
    assert not (folder.parent / "code").exists(), "files landed outside the notebook's folder"

    for i, (site_cell, cell) in enumerate(zip(shown, ran, strict=True)):
        if OUTPUT_VARIES in site_cell.metadata.get("tags", []):
            continue
        got = comparable(first if i == 0 else _shown(cell))
        assert got == comparable(_shown(site_cell)), (
            f"{docname}, code cell {i}: the downloaded notebook printed something "
            f"other than the site shows"
        )


def _free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stopped_at_first_cell(executed: nbformat.NotebookNode) -> str:
    """The one line the setup cell showed; asserts that no later cell ran."""
    cells = _code(executed)
    errors = [o for o in cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1, f"the first cell did not stop: {cells[0].outputs}"
    assert errors[0].ename == "BookCodeMissing"
    # IPython showed the sentence alone, not a traceback.
    assert errors[0].traceback == [errors[0].evalue]
    assert [c.execution_count for c in cells[1:]] == [None] * (len(cells) - 1)
    return errors[0].evalue


@pytest.mark.slow
def test_unreachable_site_stops_at_the_first_cell_with_one_sentence(site, tmp_path):
    notebook = _download(site, "chapters/jacobian", tmp_path / "nb")
    url = f"http://127.0.0.1:{_free_port()}/"
    message = _stopped_at_first_cell(_run(notebook, url, tmp_path / "jd"))
    assert message.startswith("This page needs the book's code and could not use it")
    assert "Connection refused" in message
    assert "clone https://github.com/" in message
    assert f"{url}{standalone.ZIP_NAME} and unzip it beside this notebook" in message
    assert message.count(". ") == 0, f"more than one sentence: {message}"
    assert not (notebook.parent / "code").exists() or not any((notebook.parent / "code").iterdir())


@pytest.mark.slow
def test_a_tampered_module_is_refused(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site / "code", copy / "code")
    tampered = copy / "code" / "tanh_basis.py"
    tampered.write_text(tampered.read_text(encoding="utf-8") + "\nprint('tampered')\n")
    notebook = _download(site, "chapters/jacobian", tmp_path / "nb")
    with serve(copy) as url:
        message = _stopped_at_first_cell(_run(notebook, url + "/", tmp_path / "jd"))
    assert "code/tanh_basis.py is not the file this page was built with" in message
    assert not (notebook.parent / "code" / "tanh_basis.py").exists()


@pytest.mark.slow
def test_a_notebook_without_myst_nb_shows_the_glued_values(site, served, tmp_path):
    # Colab and a plain Jupyter have no myst-nb: a module that fails to
    # import stands in for its absence.
    blocker = tmp_path / "no-myst-nb"
    blocker.mkdir()
    (blocker / "myst_nb.py").write_text("raise ImportError('no myst_nb here')\n")
    notebook = _download(site, "chapters/jacobian", tmp_path / "nb")
    executed = _run(notebook, served, tmp_path / "jd", PYTHONPATH=str(blocker))
    cells = _code(executed)
    assert _errors(cells) == []
    assert all(c.execution_count is not None for c in cells)
    printed = "".join(o.get("text", "") for c in cells for o in c.outputs)
    # glue(name, value, display=False) shows the value under its name.
    names = [line[:-1] for line in printed.splitlines() if line.endswith(":")]
    assert names, "no glued value was shown"


@pytest.mark.slow
def test_offline_with_the_sites_zip_beside_it_the_notebook_runs(site, tmp_path):
    # The train ride: book-code.zip and the notebook downloaded, then no network.
    notebook = _download(site, "chapters/interactive", tmp_path / "nb")
    with zipfile.ZipFile(site / standalone.ZIP_NAME) as archive:
        archive.extractall(notebook.parent)
    url = f"http://127.0.0.1:{_free_port()}/"
    cells = _code(_run(notebook, url, tmp_path / "jd"))
    assert _errors(cells) == []
    assert not any(o.get("text", "").startswith(FETCHED) for o in cells[0].outputs)
