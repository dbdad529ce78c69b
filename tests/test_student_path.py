"""The student path: every page in a fresh venv from requirements.txt, run twice; Binder's set-up.

tests/student_driver.py runs the pages, with NumPy cut down to the x86-64 baseline (an older
laptop). "The same results" (:func:`comparable`): per code cell, stdout, text/plain and glued
values, addresses, durations and ids masked; ``output-varies`` cells exempt.
"""

from __future__ import annotations

import ast
import html
import json
import math
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest
import yaml
from book_site import ROOT, source_file, toc_pages

PAGES = toc_pages()
DRIVER = Path(__file__).with_name("student_driver.py")

MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x<address>"),
    (re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*(?:ns|µs|us|ms|s|sec|seconds)\b"),
     "<duration>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
]
OUTPUT_VARIES = "output-varies"
#: NumPy 2.4's dispatch groups above the x86-64 baseline; an unknown name is
#: ignored silently, so test_baseline_setting_changes_what_numpy_runs checks the effect.
BASELINE_CPU = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
#: Only on an x86-64 NumPy do those names mean something (ARM's SIMD is its baseline).
X86_NUMPY = any(
    name.startswith("X86") for name in np.__config__.CONFIG["SIMD Extensions"]["baseline"]
)
#: Pages run side by side, each in its own kernel (none writes a file).
JOBS = min(2, os.cpu_count() or 1)


def normalise(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def comparable(outputs: list[dict]) -> list[tuple[str, str | None, str]]:
    return [(o["kind"], o.get("name"), normalise(o["text"]))
            for o in outputs if o["kind"] in ("stdout", "text/plain", "glue")]


@pytest.fixture(scope="session")
def student_runs(student_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every toc page run twice, by the driver, in the fresh environment."""
    out = tmp_path_factory.mktemp("student-runs") / "runs.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    python = student_venv / "bin" / "python"  # conftest makes it so (or a Binder-like venv)
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    # A kernelspec in the user's ~/.local/share must not replace the venv's python3.
    env["JUPYTER_DATA_DIR"] = str(tmp_path_factory.mktemp("jupyter-data"))
    env["NPY_DISABLE_CPU_FEATURES"] = BASELINE_CPU   # an older CPU (module docstring)
    pages = [str(source_file(docname)) for docname in PAGES]
    proc = subprocess.run(
        [str(python), str(DRIVER), f"--jobs={JOBS}", str(ROOT / "chapters"), str(out), *pages],
        cwd=ROOT / "chapters", env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the student driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    report["venv_prefix"] = str(student_venv.resolve())
    return report


@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_twice_alike_in_a_fresh_environment(student_runs, site, docname):
    """Both passes clean and alike, in the fresh venv's baseline-CPU kernel; same variables;
    each value glued into the prose the same on the baseline CPU as in the build."""
    run = student_runs["pages"][str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    assert Path(run["kernel_prefix"]).resolve() == Path(student_runs["venv_prefix"])
    numpy_tanh, libm_tanh, setting = run["kernel_cpu"].split("|")
    assert setting == BASELINE_CPU
    if X86_NUMPY:
        assert numpy_tanh == libm_tanh, f"{docname}: the kernel's NumPy used its SIMD tanh"
    for number, outputs in enumerate(run["passes"], start=1):
        stderr = [(cell, o["text"]) for cell, out in enumerate(outputs) for o in out
                  if o["kind"] in ("stderr", "error")]
        assert stderr == [], f"{docname}, pass {number}: code cells wrote to stderr: {stderr}"
    first, second = run["passes"]
    for cell, (one, two) in enumerate(zip(first, second, strict=True)):
        assert OUTPUT_VARIES in run["tags"][cell] or comparable(one) == comparable(two), (
            f"{docname}, code cell {cell}: run again, it printed something else "
            f"(tag the cell {OUTPUT_VARIES!r} if its output is a measurement)")
    # A cell that draws from another cell's generator draws anew each time it is re-run.
    before: dict = {}
    cells = [c for c in jupytext.read(source_file(docname)).cells if c.cell_type == "code"]
    for number, (cell, after) in enumerate(zip(cells, run["generators"], strict=True)):
        advanced = {name for name, state in after.items() if before.get(name, state) != state}
        foreign = advanced - _assigned(cell.source)
        assert not foreign, (f"{docname}, code cell {number} draws from {sorted(foreign)}, "
                             "made by another cell: give it a generator of its own")
        before = after
    # Outputs are rounded, variables are not.
    first, second = run["states"]
    assert first or not run["cells"], f"{docname}: the state probe saw no variables"
    varying = {name for cell in cells if OUTPUT_VARIES in cell.metadata.get("tags", [])
               for name in _assigned(cell.source)}
    differ = sorted(name for name in first.keys() | second.keys()
                    if name not in varying and first.get(name) != second.get(name))
    assert differ == [], f"{docname}: run again, these variables changed: {differ}"
    # {glue:text} shows a string without its quotes.
    steady = {o["name"]: re.sub(r"""^(['"])(.*)\1$""", r"\2", o["text"], flags=re.S)
              for cell, out in enumerate(run["passes"][0]) for o in out
              if o["kind"] == "glue" and OUTPUT_VARIES not in run["tags"][cell]}
    differ = sorted((name, built, steady[name]) for name, built in _glued_in_text(site, docname)
                    if name in steady and normalise(built) != normalise(steady[name]))
    assert differ == [], (f"{docname}: glued (name, built book, baseline CPU) differ: make them "
                          f"CPU-independent, or glue them from an {OUTPUT_VARIES!r} cell: {differ}")


def _tanh_18995(baseline: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    env |= {"NPY_DISABLE_CPU_FEATURES": BASELINE_CPU} if baseline else {}
    code = "import numpy; print(repr(float(numpy.tanh(numpy.float64(18.995)))))"
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True).stdout)


def test_baseline_setting_changes_what_numpy_runs():
    # The C library rounds tanh(18.995) = 1 - 6.5e-17 down; NumPy's AVX2 and
    # AVX-512 loops return 1.0. Were the group names renamed, NumPy would
    # ignore the setting silently and this would fail.
    if X86_NUMPY:
        assert _tanh_18995(baseline=True) == math.tanh(18.995) < 1.0
    # What this CPU offers beyond the baseline, as NumPy's build reports it.
    if "X86_V3" in np.__config__.CONFIG["SIMD Extensions"]["found"]:
        assert _tanh_18995(baseline=False) == 1.0


def test_a_pages_first_glue_builds_no_parser():
    """jsonschema 4.25+ imports rfc3987-syntax: 0.9 s at a first glue() (requirements.txt)."""
    code = "import sys, myst_nb.ext.glue; print({'lark', 'rfc3987_syntax'} & set(sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "set()"


#: Sphinx's smart quotes and dashes, undone so the built text compares as typed.
SMART = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "--", "\u2014": "---", "\u2026": "..."})


def _glued_in_text(site: Path, docname: str) -> list[tuple[str, str]]:
    """(name, text) of each ``{glue:text}`` as the built page shows it (not in its notebook)."""
    names = re.findall(r"\{glue:text\}`(\w+)`", source_file(docname).read_text(encoding="utf-8"))
    page = (site / f"{docname}.html").read_text(encoding="utf-8")
    pasted = re.findall(r'<span class="pasted-text">(.*?)</span>', page, re.S)
    assert len(pasted) == len(names), f"{docname}: {names} glued, {len(pasted)} in the page"
    return [(name, html.unescape(text).translate(SMART))
            for name, text in zip(names, pasted, strict=True)]


def _assigned(source: str) -> set[str]:
    """Every name that a cell's code assigns or defines, at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def test_normalise_masks_only_what_legitimately_varies():
    # The rule must mask addresses and timings but keep every result digit.
    assert normalise("<Line2D at 0x7f3a12bc4d90>") == normalise("<Line2D at 0x7f00deadbeef>")
    assert normalise("update: 12.3 ms, redraw 0.2 s") == normalise("update: 9.9 ms, redraw 1 s")
    assert normalise("max relative error = 8.52e-11") != normalise("max relative error = 8.53e-11")
    assert normalise("z_k = [  5. -20. -55.]") == "z_k = [  5. -20. -55.]"
    assert normalise("3 units") == "3 units"


# ------------------------------------------------------------------- Binder
def test_postbuild_is_a_script_with_jupytexts_viewer_and_the_news_off():
    """Its viewer is jupytext's (that Lab takes it: test_jupyterlab, every page a notebook)."""
    import jsonschema

    postbuild = ROOT / "postBuild"
    text = postbuild.read_text(encoding="utf-8")
    assert text.startswith("#!"), "repo2docker runs postBuild as a script"
    assert postbuild.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    heredoc = re.search(r"<<'JSON'\n(.*?)\nJSON\n", text, re.S)
    assert heredoc, "postBuild writes no JSON heredoc (<<'JSON' ... JSON)"
    settings = json.loads(heredoc[1])
    viewers = settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    # .md files are JupyterLab's "markdown" type; "myst" is jupytext's own.
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
    # A value the schema rejects is ignored: the news toast would greet every student
    # (the tests' server turns news off by option, so they would not see it).
    news = settings["@jupyterlab/apputils-extension:notification"]
    assert news["fetchNews"] == "false"
    schema = json.loads((Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab"
                         / "apputils-extension/notification.json").read_text(encoding="utf-8"))
    jsonschema.validate(news, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"fetchNews": False}, schema)


@pytest.mark.parametrize("docname", toc_pages())
def test_page_names_its_kernel_so_jupyterlab_asks_nothing(docname):
    # Else JupyterLab opens it with a "Select Kernel" dialog, which keeps the focus.
    metadata = jupytext.read(source_file(docname)).metadata
    assert metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{docname}: its front matter needs kernelspec (under jupyter: if not a MyST notebook)")


def test_binder_python_launch_buttons_and_repository_are_set_as_documented():
    """runtime.txt asks for Python 3.11+; buttons as documented (a GitHub url: test_book)."""
    # A typo in runtime.txt ("python-X.Y") silently gives Binder its default Python.
    match = re.fullmatch(r"python-(\d+)\.(\d+)", (ROOT / "runtime.txt").read_text().strip())
    assert match and (int(match[1]), int(match[2])) >= (3, 11), "runtime.txt: python-3.11+"
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    # Colab cannot open MyST .md notebooks: no button that leads nowhere. The Binder button
    # (mybinder.org): test_repository.test_a_build_names_the_resolved_repository_everywhere.
    assert not config["launch_buttons"].get("colab_url")
    # The repository is named once: no second copy for Thebe to drift from.
    assert "thebe_config" not in (config.get("sphinx", {}).get("config") or {})
    assert "repository_url" not in json.dumps(config)
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "repository.url" in guide, "CONTRIBUTING.md must tell instructors what to change"
