"""The student path, and the Binder set-up that leads to it.

A student gets the chapter as MyST .md notebooks and an environment made from
requirements.txt, nothing else (Binder builds exactly that; so does a student
following the README). This test does the same: a fresh virtual environment
from requirements.txt alone, then every page of the toc opened through
jupytext and executed with chapters/ as the working directory, then every cell
executed a second time in the same kernel, because students re-run cells. Both
passes must run without errors and without anything on stderr, and must print
the same results.

"The same results" is this rule. Compared, per code cell and in order: the
stdout text and the text/plain of each displayed result. Not compared: images,
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

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from browser_book import ROOT, source_file, toc_pages

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


def normalise(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def comparable(outputs: list[dict]) -> list[tuple[str, str]]:
    return [
        (o["kind"], normalise(o["text"])) for o in outputs if o["kind"] in ("stdout", "text/plain")
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
