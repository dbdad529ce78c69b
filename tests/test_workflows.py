"""The GitHub Actions workflows, checked offline: schema, zizmor, and what they run.

No test here talks to GitHub. Three kinds of check:

* every workflow validates against GitHub's workflow JSON schema, which
  check-jsonschema ships (``--builtin-schema vendor.github-workflows``);
* zizmor, run with ``--offline``, reports no finding of medium severity or
  above; both tools are also shown to fail on a workflow with known faults,
  so a pass means something;
* the workflows, read as YAML, run the README's commands (``.ci/run``, which
  is ``make test``; ``make clean book``), upload the folder that ``make book``
  writes (``_build/html``), deploy it with least privilege, and pin every
  action to a commit, so they cannot drift from the Makefile.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"

#: A workflow with faults that both tools know: an unknown top-level key for
#: the schema; a fork-controlled checkout under pull_request_target, a
#: pull-request title pasted into a shell, and an action pinned to a tag for
#: zizmor.
FAULTY = """\
name: faulty
on: pull_request_target
permissions: write-all
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""

PAGES_ACTIONS = ("actions/upload-pages-artifact", "actions/deploy-pages")


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict:
    """A workflow as a dict; PyYAML (YAML 1.1) reads the key ``on`` as True."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a YAML mapping"
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def triggers(doc: dict) -> set[str]:
    on = doc.get("on", {})
    if isinstance(on, str):
        return {on}
    return set(on)


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def runs(job: dict) -> str:
    """Every shell command of a job, one after the other."""
    return "\n".join(step.get("run", "") for step in steps(job))


def uses(step: dict) -> str:
    """``owner/name`` of the action a step uses ('' for a shell step)."""
    return step.get("uses", "").split("@")[0]


def tool(name: str) -> str:
    """A command-line tool installed beside this interpreter (requirements.txt pins it)."""
    path = Path(sys.executable).with_name(name)
    found = os.fspath(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is pinned in requirements.txt (pip install -r)")
    return found


def offline_env() -> dict[str, str]:
    """The environment less every token zizmor would use to go online."""
    drop = {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}
    return {key: value for key, value in os.environ.items() if key not in drop}


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *map(os.fspath, paths)],
        capture_output=True, text=True, timeout=120, env=offline_env(),
    )


def zizmor(*paths: Path) -> list[dict]:
    """zizmor's findings of medium severity or above (offline, regular persona)."""
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--format", "json",
         "--min-severity", "medium", *map(os.fspath, paths)],
        capture_output=True, text=True, timeout=120, env=offline_env(),
    )
    # Exit codes 0 and 10-14 mean "audited" (14: a high finding); others are failures.
    assert proc.returncode == 0 or 10 <= proc.returncode <= 14, proc.stderr[-2000:]
    return json.loads(proc.stdout or "[]")


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    files = workflow_files()
    assert files, f"no workflow in {WORKFLOWS.relative_to(ROOT)}"
    return {path.name: load(path) for path in files}


def jobs_of(workflows: dict[str, dict]) -> dict[str, dict]:
    """Every job of every workflow, named ``file:job``, with its workflow's triggers."""
    return {
        f"{name}:{job_id}": {**job, "_on": triggers(doc)}
        for name, doc in workflows.items()
        for job_id, job in doc.get("jobs", {}).items()
    }


# ------------------------------------------------------------ offline tools
def test_every_workflow_matches_githubs_schema():
    proc = check_jsonschema(*workflow_files())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(FAULTY.replace("jobs:", "jobz:"), encoding="utf-8")
    proc = check_jsonschema(broken)
    assert proc.returncode != 0
    assert "jobz" in proc.stdout + proc.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_above():
    findings = zizmor(*workflow_files())
    report = [
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']}, "
        + ", ".join(
            f"{loc['symbolic']['key'].get('Local', {}).get('verbatim_path', '?')}:"
            f"{loc['concrete']['location']['start_point']['row'] + 1}"
            for loc in f["locations"]
        )
        for f in findings
    ]
    assert findings == [], "\n".join(report)


def test_zizmor_flags_a_dangerous_workflow_offline(tmp_path):
    faulty = tmp_path / "faulty.yml"
    faulty.write_text(FAULTY, encoding="utf-8")
    found = {f["ident"] for f in zizmor(faulty)}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses"} <= found


# ---------------------------------------------------------- what they run
def test_ci_run_is_make_test():
    """The workflows run .ci/run; it must stay the README's `make test`."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*make test\s*$", script, re.M), ".ci/run no longer runs `make test`"


def test_the_makefile_has_the_commands_the_workflows_run():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("test", "book", "clean"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no `{target}` target"
    clean = re.search(r"^clean:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert clean and "rm -rf _build" in clean.group(1), "`make clean` must delete _build"
    # `make book` writes _build/html: a build with no --path-output (or one that
    # names _build's parent) and the message that points there.
    book = re.search(r"^book:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert book and "jupyter-book build ." in book.group(1)
    assert "--path-output" not in book.group(1)
    assert "_build/html" in book.group(1)


def test_tests_run_on_every_push_and_pull_request(workflows):
    testing = [
        (name, job) for name, job in jobs_of(workflows).items()
        if re.search(r"(^|\s)(bash\s+)?\.ci/run\b|\bmake test\b", runs(job))
    ]
    assert testing, "no job runs .ci/run or `make test`"
    for name, job in testing:
        assert {"push", "pull_request"} <= job["_on"], f"{name} runs on {job['_on']}"
        assert "if" not in job, f"{name} must run on every push and pull request"


def test_browser_tests_run_in_debian(workflows):
    """GitHub's Ubuntu Chromium is a snap, which does not run in Actions."""
    for name, job in jobs_of(workflows).items():
        if ".ci/run" not in runs(job):
            continue
        container = job.get("container")
        image = container.get("image", "") if isinstance(container, dict) else container
        assert image and re.search(r"bookworm|debian", image), f"{name}: image {image!r}"
        # Docker's 64 MB /dev/shm makes Chromium tabs crash.
        assert "--shm-size" in (container.get("options", "") if isinstance(container, dict)
                                else ""), name
        # git before the checkout (else it is a tarball and not a clone); make
        # and Node.js for the tests.
        install = runs(job).split(".ci/run")[0]
        for package in ("git", "make", "nodejs", "npm"):
            assert re.search(rf"apt-get install .*\b{package}\b", install), (name, package)


def test_default_branch_builds_uploads_and_deploys(workflows):
    """`make clean book`, upload _build/html, deploy it after the tests pass."""
    jobs = jobs_of(workflows)
    building = {
        name: job for name, job in jobs.items()
        if re.search(r"^\s*make clean book\s*$", runs(job), re.M)
    }
    assert building, "no job runs `make clean book`"
    for name, job in building.items():
        assert "push" in job["_on"], name
        # Only the default branch publishes, whatever a fork calls it.
        assert "github.event.repository.default_branch" in job.get("if", ""), name
        assert "pull_request" in job.get("if", ""), f"{name}: pull requests must not publish"
        names = [uses(step) for step in steps(job)]
        assert "actions/upload-pages-artifact" in names, name
        upload = steps(job)[names.index("actions/upload-pages-artifact")]
        build_at = next(
            i for i, step in enumerate(steps(job)) if "make clean book" in step.get("run", "")
        )
        assert names.index("actions/upload-pages-artifact") > build_at
        assert upload.get("with", {}).get("path", "").rstrip("/") == "_build/html", name
        # The buttons and canonical links name the repository of the run.
        build_step = steps(job)[build_at]
        assert "github.repository" in build_step.get("env", {}).get("BOOK_REPOSITORY_URL", "")

    deploying = {
        name: job for name, job in jobs.items()
        if "actions/deploy-pages" in map(uses, steps(job))
    }
    assert len(deploying) == 1, f"expected one deploy job, found {sorted(deploying)}"
    (name, job), = deploying.items()
    workflow, _ = name.split(":")
    needs = job.get("needs", [])
    needs = {needs} if isinstance(needs, str) else set(needs)
    build_ids = {n.split(":")[1] for n in building if n.startswith(workflow + ":")}
    test_ids = {
        n.split(":")[1] for n, j in jobs.items()
        if n.startswith(workflow + ":") and ".ci/run" in runs(j)
    }
    assert build_ids and build_ids <= needs, f"{name} needs {needs}, not the build"
    assert test_ids and test_ids <= needs, f"{name} needs {needs}: only tested builds deploy"
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"]["name"] == "github-pages"
    step = next(s for s in steps(job) if uses(s) == "actions/deploy-pages")
    assert job["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"
    concurrency = job.get("concurrency") or workflows[workflow].get("concurrency")
    assert concurrency and concurrency.get("cancel-in-progress") is False, (
        "a deployment must not be cancelled halfway"
    )


def test_pip_cache_is_keyed_on_requirements(workflows):
    for name, job in jobs_of(workflows).items():
        if not re.search(r"\.ci/run|make (clean )?(book|test)", runs(job)):
            continue
        caches = [s for s in steps(job) if uses(s) == "actions/cache"]
        assert caches, f"{name} installs requirements.txt without a pip cache"
        settings = caches[0]["with"]
        assert ".cache/pip" in settings["path"], name
        assert "hashFiles('requirements.txt')" in settings["key"], name


# ----------------------------------------------------------------- security
def test_least_privilege_and_no_secrets(workflows):
    for name, doc in workflows.items():
        assert doc.get("permissions") == {"contents": "read"}, name
        assert "pull_request_target" not in triggers(doc), name
        assert "workflow_run" not in triggers(doc), name
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert not re.search(r"\bsecrets\.", text), f"{name} uses a secret: forks have none"
        for job_id, job in doc["jobs"].items():
            granted = job.get("permissions", {})
            if "actions/deploy-pages" in map(uses, steps(job)):
                continue
            assert granted in ({}, {"contents": "read"}), f"{name}:{job_id} asks for {granted}"
        for step in (s for job in doc["jobs"].values() for s in steps(job)):
            if uses(step) == "actions/checkout":
                assert step.get("with", {}).get("persist-credentials") is False, name


def test_every_action_is_pinned_to_a_commit_with_its_version():
    pin = re.compile(
        r"uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>\S+)(?:\s*#\s*(?P<version>\S+))?"
    )
    seen = 0
    for path in workflow_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = pin.search(line)
            if not match:
                continue
            seen += 1
            where = f"{path.name}:{number}: {match['action']}"
            assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"{where} is not pinned to a SHA"
            assert match["version"] and re.fullmatch(r"v\d+(\.\d+)*", match["version"]), (
                f"{where}: the pin needs its version in a comment (# vX.Y.Z)"
            )
    assert seen, "no action found (is the pattern still right?)"
