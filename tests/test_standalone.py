"""A notebook downloaded from the website runs on its own (_ext/jacobian_book/standalone.py).

The slow tests run each page's download alone, in an empty folder and a fresh kernel, against
the site on 127.0.0.1 (one page offline, the site's zip beside it), and the failures a student
can meet: the site unreachable, a module changed on the site, no myst-nb.
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
import pytest
from binder_server import free_port
from book_site import serve, source_file, toc_pages
from myst_nb.core import render, utils
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from student_driver import record_outputs
from test_student_path import JOBS, OUTPUT_VARIES, comparable

from jacobian_book import standalone

PAGES = [docname for docname in toc_pages()
         if any(c.cell_type == "code" for c in jupytext.read(source_file(docname)).cells)]
FETCHED = "Fetched "
OFFLINE_PAGE = "chapters/interactive"
#: The page that the failure cases run (they stop at its first cell, or it is short).
FAILING_PAGE = "chapters/notation"


def _shown(cell: nbformat.NotebookNode) -> list[dict]:
    """A cell's outputs as test_student_path records them, without glue (the site's notebook
    leaves out what myst-nb's glue displays: it is in the prose); prints joined."""
    kept = [o for o in cell.outputs if "scrapbook" not in o.get("metadata", {}) and not (
        o.get("data") and all(m.startswith("application/papermill.record/") for m in o["data"]))]
    return record_outputs({"outputs": kept})


# ------------------------------------------------------------------ fast
def test_a_setup_cell_without_the_lines_the_build_rewrites_is_an_error():
    with pytest.raises(ValueError, match="does not contain the lines"):
        standalone.standalone_setup("import sys\n", "https://e.org/", "https://github.com/o/r", {})


def test_drop_merged_stream_copies_undoes_only_what_myst_nb_duplicated(monkeypatch):
    def out(text, name="stdout"):
        return {"output_type": "stream", "name": name, "text": text}

    glued = {"output_type": "display_data", "data": {}}
    # As myst-nb leaves it: "b" merged into the first stream, and still there.
    left = [out("a\nb\n"), glued, out("b\n"), out("e\n", "stderr")]
    assert standalone.drop_merged_stream_copies(left) == [left[0], glued, left[3]]
    apart = [out("a\n"), glued, out("b\n")]  # two prints never merged stay
    assert standalone.drop_merged_stream_copies(apart) == apart
    # One print that the kernel sent in two parts: myst-nb alone breaks its line.
    split = [out("shape ="), out(" (3, 4)\nK = 4\n"), glued]
    assert utils.coalesce_streams(copy.deepcopy(split))[0]["text"] == "shape =\n (3, 4)\nK = 4\n"
    # The extension's patch of myst-nb, undone after the test.
    monkeypatch.setattr(render, "coalesce_streams", render.coalesce_streams)
    standalone.merge_streams_as_written()
    assert render.coalesce_streams(split) == [out("shape = (3, 4)\nK = 4\n"), glued]
    assert standalone.drop_merged_stream_copies(split) == [split[0], glued]


# ------------------------------------------------------------------ slow
def _run(notebook: Path, url: str, jupyter_data: Path, **env: str) -> nbformat.NotebookNode:
    """Run ``notebook`` in a fresh kernel in its own folder; errors stay in the outputs."""
    executed = nbformat.read(notebook, as_version=4)
    for cell in _code(executed):
        cell.outputs, cell.execution_count = [], None
    client = NotebookClient(executed, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    # A kernelspec in the user's ~/.local/share must not replace this Python's.
    with contextlib.suppress(CellExecutionError):  # the failing cell's outputs say why
        client.execute(env={**os.environ, standalone.SITE_VARIABLE: url, **env,
                            "JUPYTER_DATA_DIR": str(jupyter_data)})
    return executed


def _code(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _errors(cells: list[nbformat.NotebookNode]) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in cells for o in c.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory) -> dict:
    """Each page's download run alone, and each failure case: name -> (folder, notebook, url)."""
    root = tmp_path_factory.mktemp("downloads")
    jupyter_data = tmp_path_factory.mktemp("jupyter-data")
    changed = root / "changed-site"
    shutil.copytree(site / "code", changed / "code")
    module = changed / "code" / "tanh_basis.py"
    module.write_text(module.read_text(encoding="utf-8") + "\nprint('tampered')\n")
    # Colab and a plain Jupyter have no myst-nb: a module that fails to import stands in.
    blocker = root / "no-myst-nb"
    blocker.mkdir()
    (blocker / "myst_nb.py").write_text("raise ImportError('no myst_nb here')\n")
    nowhere = f"http://127.0.0.1:{free_port()}/"
    with serve(site) as url, serve(changed) as changed_url:
        jobs = {page: (page, nowhere if page == OFFLINE_PAGE else url + "/", {})
                for page in PAGES}
        jobs["unreachable"] = (FAILING_PAGE, nowhere, {})
        jobs["tampered"] = (FAILING_PAGE, changed_url + "/", {})
        jobs["no myst_nb"] = (FAILING_PAGE, url + "/", {"PYTHONPATH": str(blocker)})

        def one(name: str):
            docname, where, env = jobs[name]
            folder = root / name.replace("/", "-").replace(" ", "-")
            folder.mkdir()
            notebook = folder / f"{Path(docname).name}.ipynb"
            shutil.copyfile(site / "_sources" / f"{docname}.ipynb", notebook)
            if name == OFFLINE_PAGE:  # the train ride: book-code.zip beside it, no network
                with zipfile.ZipFile(site / standalone.ZIP_NAME) as archive:
                    archive.extractall(folder)
            return name, (folder, _run(notebook, where, jupyter_data, **env), where)

        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            return dict(pool.map(one, jobs))


@pytest.mark.slow
@pytest.mark.parametrize("docname", PAGES)
def test_downloaded_notebook_runs_alone_and_prints_what_the_site_shows(site, runs, docname):
    """Every cell runs, the setup cell fetched code/ beside it (or used the zip), prints match."""
    folder, executed, _ = runs[docname]
    shown = _code(nbformat.read(site / "_sources" / f"{docname}.ipynb", as_version=4))
    ran = _code(executed)
    assert _errors(ran) == [], f"{docname}: the downloaded notebook failed"
    skipped = {i for i, c in enumerate(shown) if c.execution_count is None}
    unrun = [i for i, c in enumerate(ran) if c.execution_count is None and i not in skipped]
    assert unrun == [], f"{docname}: code cells {unrun} did not run"
    first = _shown(ran[0])
    assert (folder / "code").is_dir()
    assert not (folder.parent / "code").exists(), "files landed outside the notebook's folder"
    if docname == OFFLINE_PAGE:
        assert not any(o["text"].startswith(FETCHED) for o in first), "offline, yet it fetched"
    else:
        assert first and first[0]["kind"] == "stdout" and first[0]["text"].startswith(FETCHED)
        assert "SHA-256 checked" in first[0]["text"]
        first[0]["text"] = first[0]["text"].split("\n", 1)[1]
        if not first[0]["text"]:
            first.pop(0)
    for i, (site_cell, cell) in enumerate(zip(shown, ran, strict=True)):
        if OUTPUT_VARIES not in site_cell.metadata.get("tags", []):
            assert comparable(first if i == 0 else _shown(cell)) == comparable(
                _shown(site_cell)), f"{docname}, code cell {i}: other prints than the site's"


def _stopped_at_first_cell(executed: nbformat.NotebookNode) -> str:
    """The one sentence the setup cell showed; asserts that no later cell ran."""
    cells = _code(executed)
    errors = [o for o in cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1, f"the first cell did not stop: {cells[0].outputs}"
    assert errors[0].ename == "BookCodeMissing"
    assert errors[0].traceback == [errors[0].evalue]  # the sentence alone, no traceback
    assert [c.execution_count for c in cells[1:]] == [None] * (len(cells) - 1)
    assert errors[0].evalue.count(". ") == 0, f"more than one sentence: {errors[0].evalue}"
    return errors[0].evalue


@pytest.mark.slow
def test_an_unreachable_site_or_a_changed_module_stops_at_the_first_cell(runs):
    """Either failure stops the notebook at its setup cell, with one sentence saying why."""
    folder, executed, url = runs["unreachable"]
    message = _stopped_at_first_cell(executed)
    assert message.startswith("This page needs the book's code and could not use it")
    assert "Connection refused" in message
    assert "clone https://github.com/" in message
    assert f"{url}{standalone.ZIP_NAME} and unzip it beside this notebook" in message
    assert not (folder / "code").exists() or not any((folder / "code").iterdir())
    folder, executed, _ = runs["tampered"]
    message = _stopped_at_first_cell(executed)
    assert "code/tanh_basis.py is not the file this page was built with" in message
    assert not (folder / "code" / "tanh_basis.py").exists()


@pytest.mark.slow
def test_a_notebook_without_myst_nb_shows_the_glued_values(runs):
    """Without myst-nb every cell runs and glue(name, value, display=False) prints ``name:``."""
    cells = _code(runs["no myst_nb"][1])
    assert _errors(cells) == []
    assert all(c.execution_count is not None for c in cells)
    printed = "".join(o.get("text", "") for c in cells for o in c.outputs)
    assert [line for line in printed.splitlines() if line.endswith(":")], "no glued value shown"
