"""Run pages top to bottom, then every cell once more; called by tests/test_reexecution.py.

Usage: ``python reexecution_driver.py [--jobs=N] CHAPTERS_DIR OUT.json PAGE.md ...``

For each page: open the .md file through jupytext, start one kernel with
CHAPTERS_DIR as the working directory (the kernel inherits this process's
environment, so ``NPY_DISABLE_CPU_FEATURES`` reaches its NumPy), run every
code cell in order, then every code cell a second time in the same kernel.
Each pass records what each cell printed and what it glued. After both passes
a probe cell records what the kernel's NumPy computes for ``tanh(18.995)``,
so the test can see that the CPU setting took effect where the pages ran.
The script writes JSON and judges nothing.

It runs as a separate process because nbclient needs an asyncio loop of its
own, and the browser tests leave one running in the pytest process.
"""

from __future__ import annotations

import json
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

#: nbclient skips cells with this tag; no page uses it, so every cell runs,
#: the live-slider cell (skip-execution on the website) included, as in Jupyter.
NO_SKIP_TAG = "reexecution-driver-never-skips"
#: How myst-nb's glue stores a value in a display_data output.
GLUE_TEXT = "application/papermill.record/text/plain"
PROBE = (
    "import math, os, numpy\n"
    "print(repr(float(numpy.tanh(numpy.float64(18.995)))), repr(math.tanh(18.995)),\n"
    "      os.environ.get('NPY_DISABLE_CPU_FEATURES', ''), sep='|', end='')"
)


def record(cell: nbformat.NotebookNode) -> list[dict]:
    """What one cell showed, as plain data: kind, text, and the glued name if any.

    Consecutive outputs of one stream are joined, as Jupyter shows them: how
    the kernel split one print into messages depends on timing. Images and
    HTML are left out (their bytes may change while the result does not).
    """
    recorded: list[dict] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            if recorded and recorded[-1]["kind"] == output["name"]:
                recorded[-1]["text"] += output["text"]
            else:
                recorded.append({"kind": output["name"], "text": output["text"]})
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            glued = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if glued is not None:
                recorded.append({"kind": "glue", "name": glued, "text": data.get(GLUE_TEXT, "")})
            else:
                recorded.append({"kind": "text/plain", "text": data.get("text/plain", "")})
        elif kind == "error":
            recorded.append({"kind": "error", "text": f"{output['ename']}: {output['evalue']}"})
    return recorded


def run_page(path: Path, chapters: Path) -> dict:
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=False,
        skip_cells_with_tag=NO_SKIP_TAG,
        resources={"metadata": {"path": str(chapters)}},
    )
    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    result: dict = {
        "tags": [c.metadata.get("tags", []) for _, c in code],
        "passes": [],
        "error": None,
        "probe": None,
    }
    with client.setup_kernel():
        for run in (1, 2):
            outputs = []
            for index, cell in code:
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    result["error"] = f"pass {run}, code cell {len(outputs)}: {exc}"
                    result["passes"].append(outputs)
                    return result
                outputs.append(record(cell))
            result["passes"].append(outputs)
        probe = nbformat.v4.new_code_cell(PROBE)
        notebook.cells.append(probe)  # nbclient writes the cell back by index
        client.execute_cell(probe, len(notebook.cells) - 1)
        result["probe"] = probe.outputs[0]["text"] if probe.outputs else None
    return result


def _run_recorded(page: str, chapters: str) -> dict:
    try:
        return run_page(Path(page), Path(chapters))
    except Exception:  # record and go on, so one broken page hides no other
        return {"error": traceback.format_exc(), "passes": [], "tags": [], "probe": None}


def main(argv: list[str]) -> int:
    jobs = 1
    if argv and argv[0].startswith("--jobs="):
        jobs = max(1, int(argv.pop(0).removeprefix("--jobs=")))
    chapters, out, *pages = argv
    report: dict = {"pages": {}}
    # Each page has its own kernel and no page writes a file, so pages may run
    # side by side; each still runs twice in its one kernel.
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_recorded, page, chapters): page for page in pages}
        for future in as_completed(futures):
            report["pages"][futures[future]] = future.result()
    Path(out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
