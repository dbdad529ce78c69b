"""The student path, and the Binder set-up that leads to it.

A student gets the chapter as MyST .md notebooks and an environment made from
requirements.txt, nothing else (Binder builds exactly that; so does a student
following the README). This test does the same: a fresh virtual environment
from requirements.txt alone, then every page of the toc opened through
jupytext and executed with chapters/ as the working directory, then every cell
executed a second time in the same kernel, because students re-run cells. Both
passes must run without errors and without anything on stderr, and must print
the same results.

The student's laptop is taken to be an older one: the kernel's NumPy has its
run-time CPU dispatch cut down to the x86-64 baseline
(``NPY_DISABLE_CPU_FEATURES``), so ``np.tanh``, ``np.exp`` and the rest run
the C library's code, not the AVX2/AVX-512 loops the build machine uses. So
the same two passes also show that every cell's assertions hold on another
CPU, and each page still executes only twice. The values glued into the
prose must then be the ones the built book shows (the build machine, full
dispatch), except those from cells tagged ``output-varies``, which the prose
must present as this build's. ``tanh(18.995)``, where the two differ (1.0
with AVX2, 0.9999999999999999 in the C library), shows that the setting
reached the kernel.

"The same results" is this rule. Compared, per code cell and in order: the
stdout text, the text/plain of each displayed result and each glued value
(name and text). Not compared: images,
HTML and widget views (their bytes can change while the result does not) and
execution counts. Before comparing, three things that legitimately differ from
run to run are masked: memory addresses (``0x7f3a...``), durations (a number
with a unit of time: ``12.3 ms``, ``4 µs``, ``1.2 s``) and widget or model ids
(32 hexadecimal digits). A cell whose numbers are measurements may opt out
with the tag ``output-varies``; it must still run cleanly both times.

The fresh environment takes about a minute (pip reuses its cache);
conftest.py starts making it in the background when the session begins, and
the pages run two at a time, each in its own kernel. During development,
JACOBIAN_STUDENT_VENV=/path/to/venv reuses an existing environment instead;
it must have been made from requirements.txt.

Also here: cheap checks of postBuild (JupyterLab opens .md files as notebooks)
and of the launch-button settings in _config.yml that the README documents.
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
from book_site import source_file, toc_pages

from browser_book import ROOT

PAGES = toc_pages()
DRIVER = Path(__file__).with_name("student_driver.py")

MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x<address>"),
    (
        re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*(?:ns|µs|us|ms|s|sec|seconds)\b"),
        "<duration>",
    ),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
]
OUTPUT_VARIES = "output-varies"
#: NumPy 2.4 groups its dispatch targets; disabling these leaves the x86-64
#: baseline (X86_V2). Older names (AVX2, AVX512F) are ignored without an
#: error, so test_baseline_setting_changes_what_numpy_runs checks the effect.
BASELINE_CPU = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
#: Whether this NumPy is an x86-64 build, where those names mean something. On
#: other machines (ARM's SIMD is part of its baseline) the setting is inert,
#: and the pages run with the machine's own dispatch.
X86_NUMPY = any(
    name.startswith("X86") for name in np.__config__.CONFIG["SIMD Extensions"]["baseline"]
)


def normalise(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def comparable(outputs: list[dict]) -> list[tuple[str, str | None, str]]:
    return [
        (o["kind"], o.get("name"), normalise(o["text"]))
        for o in outputs
        if o["kind"] in ("stdout", "text/plain", "glue")
    ]


# ------------------------------------------------------------ the fresh venv
# The fixture student_venv is in conftest.py, which starts making it in the
# background when the session begins.
def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


#: Pages run side by side, each in its own kernel (none writes a file).
JOBS = min(2, os.cpu_count() or 1)


@pytest.fixture(scope="session")
def student_runs(student_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every toc page run twice, by the driver, in the fresh environment."""
    out = tmp_path_factory.mktemp("student-runs") / "runs.json"
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    python = _venv_python(student_venv)
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    # An empty Jupyter data dir: a kernelspec left in the user's ~/.local/share
    # must not replace the fresh environment's own python3 kernel.
    env["JUPYTER_DATA_DIR"] = str(tmp_path_factory.mktemp("jupyter-data"))
    env["NPY_DISABLE_CPU_FEATURES"] = BASELINE_CPU   # an older CPU (module docstring)
    pages = [str(source_file(docname)) for docname in PAGES]
    proc = subprocess.run(
        [str(python), str(DRIVER), f"--jobs={JOBS}", str(ROOT / "chapters"), str(out), *pages],
        cwd=ROOT / "chapters",
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the student driver failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    report["venv_prefix"] = str(student_venv.resolve())
    return report


# --------------------------------------------------------------------- tests
@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_twice_in_a_fresh_environment(student_runs, docname):
    run = student_runs["pages"][str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    assert len(run["passes"]) == 2
    # The cells ran in the fresh environment's kernel, not in ours.
    assert Path(run["kernel_prefix"]).resolve() == Path(student_runs["venv_prefix"])

    for number, outputs in enumerate(run["passes"], start=1):
        stderr = [
            (cell, o["text"]) for cell, out in enumerate(outputs) for o in out
            if o["kind"] in ("stderr", "error")
        ]
        assert stderr == [], f"{docname}, pass {number}: code cells wrote to stderr: {stderr}"

    first, second = run["passes"]
    for cell, (one, two) in enumerate(zip(first, second, strict=True)):
        if OUTPUT_VARIES in run["tags"][cell]:
            continue
        assert comparable(one) == comparable(two), (
            f"{docname}, code cell {cell}: run again, it printed something else "
            f"(tag the cell {OUTPUT_VARIES!r} if its output is a measurement)"
        )


def _tanh_18995(baseline: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    if baseline:
        env["NPY_DISABLE_CPU_FEATURES"] = BASELINE_CPU
    code = "import numpy; print(repr(float(numpy.tanh(numpy.float64(18.995)))))"
    proc = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, check=True)
    return float(proc.stdout)


def test_baseline_setting_changes_what_numpy_runs():
    # The C library rounds tanh(18.995) = 1 - 6.5e-17 down; NumPy's AVX2 and
    # AVX-512 loops return 1.0. Were the group names renamed, NumPy would
    # ignore the setting silently and this would fail.
    if X86_NUMPY:
        assert _tanh_18995(baseline=True) == math.tanh(18.995) < 1.0
    # What this CPU offers beyond the baseline, as NumPy's build reports it.
    if "X86_V3" in np.__config__.CONFIG["SIMD Extensions"]["found"]:
        assert _tanh_18995(baseline=False) == 1.0


@pytest.mark.slow
@pytest.mark.own_build
def test_the_kernels_ran_on_a_baseline_cpu(student_runs):
    for page, run in student_runs["pages"].items():
        assert run["error"] is None, f"{page}: {run['error']}"
        numpy_tanh, libm_tanh, setting = run["kernel_cpu"].split("|")
        assert setting == BASELINE_CPU, page
        if X86_NUMPY:
            assert numpy_tanh == libm_tanh, f"{page}: the kernel's NumPy used its SIMD tanh"


#: Sphinx's smart quotes and dashes, undone so the built text compares as typed.
SMART = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "--", "\u2014": "---", "\u2026": "..."})


def _glued_in_text(site: Path, docname: str) -> list[tuple[str, str]]:
    """(name, text) of every ``{glue:text}`` of a page, as the built book shows it.

    myst-nb leaves glued values out of the executed notebook it writes, so
    they are read from the HTML: each ``{glue:text}`name``` of the source
    becomes one ``<span class="pasted-text">``, in the same order.
    """
    names = re.findall(r"\{glue:text\}`(\w+)`", source_file(docname).read_text(encoding="utf-8"))
    page = (site / f"{docname}.html").read_text(encoding="utf-8")
    pasted = re.findall(r'<span class="pasted-text">(.*?)</span>', page, re.S)
    assert len(pasted) == len(names), (
        f"{docname}: {len(names)} glue:text roles in the source, {len(pasted)} in the built page"
    )
    return [
        (name, html.unescape(text).translate(SMART))
        for name, text in zip(names, pasted, strict=True)
    ]


def _as_text(glued: str) -> str:
    """A glued value's text/plain as {glue:text} shows it: a string without quotes."""
    if len(glued) >= 2 and glued[0] == glued[-1] and glued[0] in "'\"":
        return glued[1:-1]
    return glued


@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize("docname", PAGES)
def test_glued_numbers_do_not_depend_on_the_cpu(student_runs, site, docname):
    run = student_runs["pages"][str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    steady = {
        o["name"]: _as_text(o["text"])
        for cell, out in enumerate(run["passes"][0])
        for o in out
        if o["kind"] == "glue" and OUTPUT_VARIES not in run["tags"][cell]
    }
    differ = sorted(
        (name, built, steady[name])
        for name, built in _glued_in_text(site, docname)
        if name in steady and normalise(built) != normalise(steady[name])
    )
    assert differ == [], (
        f"{docname}: glued into the text, (name, built book, baseline CPU) differ; compute "
        f"them so that they do not depend on the CPU, or glue them from a cell tagged "
        f"{OUTPUT_VARIES!r} and say in the prose that they are this build's: {differ}"
    )


def _assigned(source: str) -> set[str]:
    """Every name that a cell's code assigns or defines, at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _code_cells(docname: str) -> list:
    return [c for c in jupytext.read(source_file(docname)).cells if c.cell_type == "code"]


def _names_set_by_varying_cells(docname: str) -> set[str]:
    """Every name that a cell tagged ``output-varies`` assigns."""
    return {name for cell in _code_cells(docname)
            if OUTPUT_VARIES in cell.metadata.get("tags", []) for name in _assigned(cell.source)}


@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize("docname", PAGES)
def test_a_cell_run_again_alone_draws_nothing_new(student_runs, docname):
    # A cell that advances a random generator made by another cell draws
    # other numbers each time a student runs it again on its own.
    run = student_runs["pages"][str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    before: dict = {}
    for number, (cell, after) in enumerate(
        zip(_code_cells(docname), run["generators"], strict=True)
    ):
        advanced = {name for name, state in after.items() if before.get(name, state) != state}
        foreign = advanced - _assigned(cell.source)
        assert not foreign, (
            f"{docname}, code cell {number} draws from {sorted(foreign)}, made by another cell: "
            f"give it a generator of its own"
        )
        before = after


@pytest.mark.slow
@pytest.mark.own_build
@pytest.mark.parametrize("docname", PAGES)
def test_page_leaves_the_same_variables_when_run_again(student_runs, docname):
    # Outputs are rounded; the variables are not. A cell that draws from an
    # earlier cell's generator prints the same digits but leaves other arrays.
    run = student_runs["pages"][str(source_file(docname))]
    assert run["error"] is None, f"{docname}: {run['error']}"
    first, second = run["states"]
    if run["cells"]:
        assert first, f"{docname}: the state probe saw no variables"
    varying = _names_set_by_varying_cells(docname)
    differ = sorted(name for name in first.keys() | second.keys()
                    if name not in varying and first.get(name) != second.get(name))
    assert differ == [], (
        f"{docname}: run again, these variables changed: {differ} (does a cell draw from "
        f"a generator another cell made?)"
    )


def test_normalise_masks_only_what_legitimately_varies():
    # The rule must mask addresses and timings but keep every result digit.
    assert normalise("<Line2D at 0x7f3a12bc4d90>") == normalise("<Line2D at 0x7f00deadbeef>")
    assert normalise("update: 12.3 ms, redraw 0.2 s") == normalise("update: 9.9 ms, redraw 1 s")
    assert normalise("max relative error = 8.52e-11") != normalise("max relative error = 8.53e-11")
    assert normalise("z_k = [  5. -20. -55.]") == "z_k = [  5. -20. -55.]"
    assert normalise("3 units") == "3 units"


# ------------------------------------------------------------------- Binder
def _postbuild_json(text: str) -> dict:
    """The JSON document that postBuild writes (between <<'JSON' and JSON)."""
    match = re.search(r"<<'JSON'\n(.*?)\nJSON\n", text, re.S)
    assert match, "postBuild writes no JSON heredoc (<<'JSON' ... JSON)"
    return json.loads(match.group(1))


def test_postbuild_makes_jupytext_the_default_viewer(tmp_path):
    postbuild = ROOT / "postBuild"
    text = postbuild.read_text(encoding="utf-8")
    assert text.startswith("#!"), "repo2docker runs postBuild as a script"
    assert postbuild.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    viewers = _postbuild_json(text)["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    # .md files are JupyterLab's "markdown" type; "myst" is jupytext's own.
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}

    # Run it as repo2docker would, into a scratch Jupyter config dir, and ask
    # JupyterLab's server what the overrides now are.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    subprocess.run(["bash", str(postbuild)], env=env, check=True, timeout=120)
    probe = (
        "import json, tempfile\n"
        "from jupyterlab_server.settings_utils import _get_overrides\n"
        "print(json.dumps(_get_overrides(tempfile.mkdtemp())[0]))\n"
    )
    seen = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True
    )
    overrides = json.loads(seen.stdout)
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"] == viewers


def test_postbuild_names_a_viewer_that_jupytext_registers():
    # The viewer name must match the factory in the installed jupytext
    # extension, or JupyterLab silently falls back to the text editor.
    labext = Path(sys.prefix) / "share/jupyter/labextensions/jupyterlab-jupytext"
    bundles = "".join(p.read_text(encoding="utf-8", errors="ignore")
                      for p in labext.rglob("*.js"))
    assert 'FACTORY="Jupytext Notebook"' in bundles
    for doctype in _postbuild_json((ROOT / "postBuild").read_text(encoding="utf-8"))[
        "@jupyterlab/docmanager-extension:plugin"
    ]["defaultViewers"]:
        assert f'"{doctype}"' in bundles, f"jupytext registers no file type {doctype!r}"


@pytest.mark.parametrize("docname", toc_pages())
def test_page_names_its_kernel_so_jupyterlab_asks_nothing(docname):
    # JupyterLab opens a notebook without a kernelspec with a "Select Kernel"
    # dialog; left open, it keeps focus and the next notebook opened never
    # becomes the current one. Every page names its kernel, prose-only pages too.
    import jupytext

    metadata = jupytext.read(source_file(docname)).metadata
    assert metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{docname} names no kernel that jupytext reads: its front matter needs "
        "kernelspec (under jupyter: for a page that is not a MyST notebook)"
    )


def test_python_version_for_binder():
    # repo2docker reads runtime.txt as "python-X.Y"; a typo there silently
    # gives Binder its default Python. The book needs 3.11 or newer.
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert match, f"runtime.txt says {runtime!r}, not python-X.Y"
    assert (int(match[1]), int(match[2])) >= (3, 11)


def test_launch_buttons_and_repository_are_set_as_documented():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo["url"]), repo["url"]
    assert repo["branch"]
    buttons = config["launch_buttons"]
    assert buttons["notebook_interface"] == "jupyterlab"
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["thebe"] is True
    # Colab cannot open MyST .md notebooks: no button that leads nowhere.
    assert not buttons.get("colab_url")
    # The repository is named once: no second copy for Thebe to drift from.
    assert "thebe_config" not in (config.get("sphinx", {}).get("config") or {})
    assert "repository_url" not in json.dumps(config)
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "repository.url" in guide, "CONTRIBUTING.md must tell instructors what to change"


def test_postbuild_turns_off_the_news_question_with_valid_settings():
    # A setting whose value the schema rejects is ignored by JupyterLab, and
    # the "notified about Jupyter news?" toast would greet every student.
    import jsonschema

    settings = _postbuild_json((ROOT / "postBuild").read_text(encoding="utf-8"))[
        "@jupyterlab/apputils-extension:notification"
    ]
    assert settings["fetchNews"] == "false"
    schema_file = (Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab"
                   / "apputils-extension/notification.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validate(settings, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"fetchNews": False}, schema)   # a boolean is not allowed
