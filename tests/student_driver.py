"""Runs the pages as a student does, under the fresh venv's Python; for test_student_path.

Usage: ``<venv>/bin/python student_driver.py [--jobs=N] CHAPTERS_DIR OUT.json PAGE.md ...``

Each page, read by jupytext, runs twice in one kernel in CHAPTERS_DIR. Probes
record the random generators after each cell of the first pass, the variables
after each pass, and the kernel's Python and NumPy dispatch. It writes JSON and
judges nothing; it imports nothing from tests/ (the venv cannot).
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

#: No real tag may skip a cell: a student runs the one the site skips (skip-execution).
NO_SKIP_TAG = "student-driver-never-skips"
#: How myst-nb's glue stores a value in a display_data output.
GLUE_TEXT = "application/papermill.record/text/plain"
#: Where NumPy's SIMD tanh and the C library's differ, and the CPU setting the kernel saw.
CPU_PROBE = (
    "import math, os, numpy\n"
    "print('|'.join([repr(float(numpy.tanh(numpy.float64(18.995)))), repr(math.tanh(18.995)),\n"
    "                os.environ.get('NPY_DISABLE_CPU_FEATURES', '')]), end='')"
)

#: The kernel's variables after a pass: arrays by a hash of their bytes, scalars by repr.
STATE_PROBE = """\
import hashlib as _hashlib, json as _json, numpy as _np
def _fingerprint(value):
    if isinstance(value, _np.ndarray) and value.dtype != object:
        return f"{value.dtype}{value.shape}:" + _hashlib.sha1(value.tobytes()).hexdigest()[:16]
    if isinstance(value, (bool, int, float, complex, str, _np.generic)):
        return repr(value)
    return None
print(_json.dumps({name: _fingerprint(value) for name, value in list(globals().items())
                   if not name.startswith("_") and _fingerprint(value) is not None}), end="")
"""

#: The state of every NumPy random generator in the kernel, by name.
GENERATOR_PROBE = """\
import hashlib as _hashlib, json as _json, numpy as _np
print(_json.dumps({name: _hashlib.sha1(repr(value.bit_generator.state).encode()).hexdigest()
                   for name, value in list(globals().items())
                   if isinstance(value, _np.random.Generator)}), end="")
"""


def _probe(client: NotebookClient, notebook: nbformat.NotebookNode, code: str) -> str:
    """Run ``code`` in the page's kernel, outside the page; what it printed."""
    probe = nbformat.v4.new_code_cell(code)
    notebook.cells.append(probe)  # nbclient writes the cell back by index
    client.execute_cell(probe, len(notebook.cells) - 1)
    notebook.cells.pop()
    # One print may reach us as several stream messages.
    return "".join(o.get("text", "") for o in probe.outputs)


def record_outputs(cell: nbformat.NotebookNode) -> list[dict]:
    """A cell's outputs as kind and text (and a glued value's name); one stream's runs joined."""
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
                continue
            recorded.append({"kind": "text/plain", "text": data.get("text/plain", "")})
        elif kind == "error":
            recorded.append({"kind": "error", "text": f"{output['ename']}: {output['evalue']}"})
    return recorded


def run_page(path: Path, chapters: Path) -> dict:
    notebook = jupytext.read(path)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                            skip_cells_with_tag=NO_SKIP_TAG,
                            resources={"metadata": {"path": str(chapters)}})
    code = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    result: dict = {"cells": len(code), "tags": [c.metadata.get("tags", []) for _, c in code],
                    "passes": [], "error": None, "states": [], "generators": []}
    with client.setup_kernel():
        for run in (1, 2):
            outputs = []
            for index, cell in code:
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    result["error"] = f"pass {run}, code cell {len(outputs)}: {exc}"
                    return result
                outputs.append(record_outputs(cell))
                if run == 1:
                    result["generators"].append(json.loads(_probe(client, notebook,
                                                                  GENERATOR_PROBE)))
            result["passes"].append(outputs)
            result["states"].append(json.loads(_probe(client, notebook, STATE_PROBE)))
        # Which Python ran the cells: it must be the fresh environment's.
        result["kernel_prefix"] = _probe(client, notebook, "import sys; print(sys.prefix, end='')")
        result["kernel_cpu"] = _probe(client, notebook, CPU_PROBE)
    return result


def _run_recorded(page: str, chapters: str) -> dict:
    try:
        return run_page(Path(page), Path(chapters))
    except Exception:  # record and go on, so one broken page hides no other
        return {"error": traceback.format_exc()}


def main(argv: list[str]) -> int:
    jobs = 1
    if argv and argv[0].startswith("--jobs="):
        jobs = max(1, int(argv.pop(0).removeprefix("--jobs=")))
    chapters, out, *pages = argv
    report: dict = {"pages": {}}
    # Each page has its own kernel, as in Jupyter, and writes no file: side by side is safe.
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_run_recorded, page, chapters): page for page in pages}
        for future in as_completed(futures):
            report["pages"][futures[future]] = future.result()
            Path(out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
