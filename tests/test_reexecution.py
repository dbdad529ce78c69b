"""Every page on a baseline CPU, and every cell run a second time.

One run serves both checks, so each page executes twice, not three times.
tests/reexecution_driver.py opens each toc page through jupytext and runs it
in a kernel whose NumPy has its run-time CPU dispatch cut down to the x86-64
baseline (``NPY_DISABLE_CPU_FEATURES``, NumPy 2.4's group names): the SIMD
loops for AVX2 and AVX-512 are off, so ``np.tanh``, ``np.exp`` and the rest
fall back to the C library, as on a laptop without those instructions. Then
every code cell runs once more, in order, in the same kernel.

What must hold:

- **The cells' assertions still hold**: no cell raises, in either pass, and
  nothing goes to stderr.
- **Re-execution gives the same outputs**: per code cell, the printed text,
  the text of each displayed result and every glued value are the same in
  both passes, after masking memory addresses, durations and widget ids
  (the rule of tests/test_student_path.py). A cell tagged ``output-varies``
  (timings, memory, and the round-off digits of this NumPy build) is exempt.
- **The text's claims still hold**: every value glued into the prose from a
  cell that is not tagged ``output-varies`` is the same on the baseline CPU
  as in the built book (this machine, full dispatch). A number that depends
  on the CPU must come from a tagged cell, and the prose must say so.
- **The setting took effect**: the kernel's ``tanh(18.995)`` is the C
  library's (0.9999999999999999), and on a CPU with AVX2 the full dispatch
  gives another value (1.0), so the baseline run did test something else.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_student_path import OUTPUT_VARIES, normalise

from browser_book import ROOT, source_file, toc_pages

PAGES = toc_pages()
DRIVER = Path(__file__).with_name("reexecution_driver.py")
#: NumPy 2.4 groups its dispatch targets; disabling these leaves the baseline
#: (X86_V2). Older feature names (AVX2, AVX512F) are ignored without an error,
#: so the test below checks that this setting changes what runs.
BASELINE = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
GLUE_TEXT = "application/papermill.record/text/plain"
JOBS = min(2, os.cpu_count() or 1)


def _env(baseline: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    if baseline:
        env["NPY_DISABLE_CPU_FEATURES"] = BASELINE
    return env


@pytest.fixture(scope="session")
def baseline_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every toc page run twice in one kernel each, on the baseline CPU."""
    out = tmp_path_factory.mktemp("reexecution") / "runs.json"
    pages = [str(source_file(docname)) for docname in PAGES]
    proc = subprocess.run(
        [sys.executable, str(DRIVER), f"--jobs={JOBS}", str(ROOT / "chapters"), str(out), *pages],
        cwd=ROOT / "chapters",
        env=_env(baseline=True),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))["pages"]


def _tanh_18995(baseline: bool) -> float:
    code = "import numpy; print(repr(float(numpy.tanh(numpy.float64(18.995)))))"
    proc = subprocess.run([sys.executable, "-c", code], env=_env(baseline),
                          capture_output=True, text=True, check=True)
    return float(proc.stdout)


def test_baseline_setting_changes_what_numpy_runs():
    # The C library's tanh rounds tanh(18.995) = 1 - 6.5e-17 down; NumPy's
    # AVX2/AVX-512 loop returns 1.0. If NumPy renamed its groups, the setting
    # would be ignored silently and this would fail.
    assert _tanh_18995(baseline=True) == math.tanh(18.995) < 1.0
    # What this CPU offers beyond the baseline, as NumPy's build reports it.
    found = np.__config__.CONFIG["SIMD Extensions"]["found"]
    if "X86_V3" in found:
        assert _tanh_18995(baseline=False) != _tanh_18995(baseline=True)


def test_the_kernels_ran_on_the_baseline(baseline_runs):
    for page, run in baseline_runs.items():
        if run["error"] is None:
            numpy_tanh, libm_tanh, setting = run["probe"].split("|")
            assert setting == BASELINE, page
            assert numpy_tanh == libm_tanh, f"{page}: the kernel's NumPy used its SIMD tanh"


@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_on_a_baseline_cpu_and_again(baseline_runs, docname):
    run = baseline_runs[str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    assert len(run["passes"]) == 2
    for number, outputs in enumerate(run["passes"], start=1):
        stderr = [(cell, o["text"]) for cell, out in enumerate(outputs) for o in out
                  if o["kind"] in ("stderr", "error")]
        assert stderr == [], f"{docname}, pass {number}: cells wrote to stderr: {stderr}"

    first, second = run["passes"]
    for cell, (one, two) in enumerate(zip(first, second, strict=True)):
        if OUTPUT_VARIES in run["tags"][cell]:
            continue
        shown = [[(o["kind"], o.get("name"), normalise(o["text"])) for o in out]
                 for out in (one, two)]
        assert shown[0] == shown[1], (
            f"{docname}, code cell {cell}: run again, it showed something else; "
            f"first {shown[0]}, then {shown[1]} (tag the cell {OUTPUT_VARIES!r} "
            f"only if its output is a measurement)"
        )


def _built_glue(site: Path, docname: str) -> dict[str, str]:
    """name -> glued text in the built book's executed notebook (full dispatch)."""
    notebook = nbformat.read(site / "_sources" / f"{docname}.ipynb", as_version=4)
    glued = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                glued[name] = output.get("data", {}).get(GLUE_TEXT, "")
    return glued


@pytest.mark.parametrize("docname", PAGES)
def test_glued_numbers_do_not_depend_on_the_cpu(baseline_runs, site, docname):
    run = baseline_runs[str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    steady = {o["name"]: o["text"]
              for cell, out in enumerate(run["passes"][0]) for o in out
              if o["kind"] == "glue" and OUTPUT_VARIES not in run["tags"][cell]}
    if not steady:
        return
    built = _built_glue(site, docname)
    differ = {name: (built.get(name), text) for name, text in steady.items()
              if normalise(built.get(name, "")) != normalise(text)}
    assert differ == {}, (
        f"{docname}: glued values (built book, baseline CPU) that depend on the CPU; "
        f"compute them so they do not, or glue them from a cell tagged "
        f"{OUTPUT_VARIES!r} and say in the prose that they are this build's: {differ}"
    )
