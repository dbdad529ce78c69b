"""The GitHub Actions workflows, Dependabot's file, the Makefile and .ci/, checked offline."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from book_site import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
INSTALL_PACKAGES = ROOT / ".ci" / "install-packages"
#: check-jsonschema and zizmor: pinned in requirements.txt.
VENV_BIN = Path(sys.executable).parent
STAMP = ".venv/.requirements-installed"

#: Faults zizmor knows: a fork-controlled checkout under pull_request_target that
#: keeps its credentials, a pull-request title pasted into a shell, an action pinned to a tag.
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


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def uses(step: dict) -> str:
    """``owner/name`` of the action a step uses ('' for a shell step)."""
    return step.get("uses", "").split("@")[0]


def offline_env() -> dict[str, str]:
    """The environment less every token zizmor would use to go online."""
    drop = {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}
    return {key: value for key, value in os.environ.items() if key not in drop}


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    """Each workflow by file name, ``on`` a set of triggers (PyYAML reads the key as True)."""
    docs = {path.name: yaml.safe_load(path.read_bytes()) for path in workflow_files()}
    assert docs, f"no workflow in {WORKFLOWS}"
    for doc in docs.values():
        on = doc.pop(True, doc.get("on"))
        doc["on"] = {on} if isinstance(on, str) else set(on)
    return docs


def jobs_of(workflows: dict[str, dict]) -> dict[str, dict]:
    """Every job of every workflow, named ``file:job``, with its workflow's triggers."""
    return {f"{name}:{job_id}": {**job, "_on": doc["on"]}
            for name, doc in workflows.items() for job_id, job in doc.get("jobs", {}).items()}


def jobs_using(jobs: dict[str, dict], action: str) -> dict[str, dict]:
    return {name: job for name, job in jobs.items() if action in map(uses, steps(job))}


# One run per schema: ours and a copy with a misspelt key, which alone must fail.
@pytest.mark.slow  # seconds of CPU, not needed after every edit
@pytest.mark.parametrize(("schema", "paths", "key", "misspelt"), [
    ("vendor.github-workflows", workflow_files(), "jobs:", "jobz:"),
    ("vendor.dependabot", [DEPENDABOT], "default-days", "defualt-days"),
], ids=["workflows", "dependabot"])
def test_ours_match_the_schema_and_a_misspelt_key_does_not(tmp_path, schema, paths, key, misspelt):
    broken = tmp_path / paths[0].name
    broken.write_text(paths[0].read_text(encoding="utf-8").replace(key, misspelt), encoding="utf-8")
    proc = subprocess.run(
        [VENV_BIN / "check-jsonschema", "--output-format", "json", "--builtin-schema", schema,
         *map(os.fspath, [*paths, broken])],
        capture_output=True, text=True, timeout=120, env=offline_env(),
    )
    report = json.loads(proc.stdout)
    assert report["parse_errors"] == [], report
    assert {error["filename"] for error in report["errors"]} == {os.fspath(broken)}, report
    assert misspelt.rstrip(":") in proc.stdout and proc.returncode != 0


def test_zizmor_finds_nothing_in_ours_and_dependabot_updates_actions_and_requirements(tmp_path):
    config = yaml.safe_load(DEPENDABOT.read_bytes())
    read_from = {update["package-ecosystem"]: update["directory"] for update in config["updates"]}
    assert read_from == {"github-actions": "/", "pip": "/"}
    # The schema checks the settings' form; zizmor (dependabot-cooldown) a cooldown of 7+ days.
    for update in config["updates"]:
        assert update["schedule"]["interval"] in {"daily", "weekly", "monthly"}, update
        update.pop("cooldown", None)  # for no_cooldown, below
    faulty = tmp_path / "faulty.yml"
    faulty.write_text(FAULTY, encoding="utf-8")
    no_cooldown = tmp_path / ".github" / "dependabot.yml"
    no_cooldown.parent.mkdir()
    no_cooldown.write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = subprocess.run(
        [VENV_BIN / "zizmor", "--offline", "--no-progress", "--format", "json", "--min-severity",
         "medium", *map(os.fspath, [*workflow_files(), DEPENDABOT, faulty, no_cooldown])],
        capture_output=True, text=True, timeout=120, env=offline_env(),
    )
    # Exit codes 10-14 mean "audited, found something" (14: high); others are failures.
    assert 10 <= proc.returncode <= 14, proc.stderr[-2000:]
    found: dict[str, set[str]] = {}
    for finding in json.loads(proc.stdout):
        for place in finding["locations"]:
            path = place["symbolic"]["key"].get("Local", {}).get("verbatim_path", "?")
            found.setdefault(path, set()).add(finding["ident"])
    assert set(found) <= {os.fspath(faulty), os.fspath(no_cooldown)}, found
    assert {"artipacked", "dangerous-triggers", "template-injection",
            "unpinned-uses"} <= found[str(faulty)]
    assert "dependabot-cooldown" in found[str(no_cooldown)]


def test_every_push_and_pull_request_runs_make_test_in_debian(workflows):
    """.ci/run is `make test` after .ci/install-packages, the one list of Debian packages."""
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*make test\s*$", run, re.M), ".ci/run no longer runs `make test`"
    assert re.search(r"^\s*(bash\s+)?\.ci/install-packages\s*$", run, re.M)
    assert "apt-get" not in run, ".ci/run installs packages itself: use .ci/install-packages"
    # Which command shows chromium, nodejs and npm: test_make_test_stops_at_once_...
    listed = INSTALL_PACKAGES.read_text(encoding="utf-8")
    for package in ("chromium", "git", "make", "nodejs", "npm", "python3-venv"):
        assert re.search(rf'^  "{package} ', listed, re.M), f"{package} is not in PACKAGES"
    clean = re.search(r"^clean:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert clean and "rm -rf _build" in clean.group(1), "`make clean` must delete _build"
    # The workflows install git alone (the script is in the clone).
    for path in workflow_files():
        for listed in re.findall(r"apt-get install\s(.*)", path.read_text(encoding="utf-8")):
            named = {word for word in listed.split() if not word.startswith("-")}
            assert named - {">/dev/null"} <= {"git"}, f"{path.name} installs {named}"
    jobs = jobs_of(workflows)
    testing = {name: job for name, job in jobs.items()
               if re.search(r"(^|\s)(bash\s+)?\.ci/run\b|\bmake test\b", runs(job))}
    assert testing, "no job runs .ci/run or `make test`"
    for name, job in testing.items():
        assert {"push", "pull_request"} <= job["_on"], f"{name} runs on {job['_on']}"
        assert "if" not in job, f"{name} must run on every push and pull request"
        # GitHub's Ubuntu Chromium is a snap, which does not run in Actions;
        # Docker's 64 MB /dev/shm makes Chromium tabs crash.
        container = job.get("container") or {}  # a mapping: only it can have --shm-size
        assert re.search(r"bookworm|debian", container.get("image", "")), f"{name}: {container}"
        assert "--shm-size" in container.get("options", ""), name
        # git before the checkout, else it is a tarball and not a clone.
        checkout = [uses(s) for s in steps(job)].index("actions/checkout")
        before = "\n".join(s.get("run", "") for s in steps(job)[:checkout])
        assert re.search(r"apt-get install .*\bgit\b", before), name
        assert ".ci/install-packages" in runs(job).split(".ci/run")[0], name
    for name, job in jobs.items():
        if re.search(r"\.ci/run|make (clean )?(book|test)", runs(job)):
            caches = [s["with"] for s in steps(job) if uses(s) == "actions/cache"]
            assert caches, f"{name} installs requirements.txt without a pip cache"
            assert ".cache/pip" in caches[0]["path"], name
            assert "hashFiles('requirements.txt')" in caches[0]["key"], name


def test_the_published_site_is_the_tested_build(workflows):
    """One job runs .ci/run with Live Code required, then uploads its _build/html; one deploys."""
    jobs = jobs_of(workflows)
    uploading = jobs_using(jobs, "actions/upload-pages-artifact")
    assert len(uploading) == 1, f"expected one job to upload the site, found {sorted(uploading)}"
    (name, job), = uploading.items()
    workflow, job_id = name.split(":")
    upload_at = [uses(step) for step in steps(job)].index("actions/upload-pages-artifact")
    test_at = next((i for i, s in enumerate(steps(job))
                    if re.search(r"\.ci/run\b", s.get("run", ""))), None)
    assert test_at is not None, f"{name} runs no tests (.ci/run): an untested build is published"
    assert test_at < upload_at, f"{name} uploads before the tests run"
    between = [s.get("name", s.get("run", "")) for s in steps(job)[test_at + 1:upload_at]]
    assert between == [], f"{name}: steps between the tests and the upload: {between}"
    upload = steps(job)[upload_at]
    assert upload.get("with", {}).get("path", "").rstrip("/") == "_build/html", name
    # Only the default branch publishes, whatever a fork calls it; never a pull request.
    condition = upload.get("if", "")
    assert "github.event.repository.default_branch" in condition, name
    assert "pull_request" in condition, f"{name}: pull requests must not publish"
    # ... and only when every test passed.
    assert "always()" not in condition and "failure()" not in condition, name
    env = {**workflows[workflow].get("env", {}), **job.get("env", {}),
           **steps(job)[test_at].get("env", {})}
    # The published build fails without Live Code, and its buttons name this run's repository.
    assert str(env.get("JACOBIAN_REQUIRE_LIVE_CODE")) == "1", f"{name}: JACOBIAN_REQUIRE_LIVE_CODE"
    assert "github.repository" in env.get("BOOK_REPOSITORY_URL", ""), name
    # Either would move the tested build away from _build/html, or test another.
    for moved in ("JACOBIAN_BUILD_ROOT", "JACOBIAN_BOOK_HTML"):
        assert moved not in env, f"{name} sets {moved}"
    deploying = jobs_using(jobs, "actions/deploy-pages")
    assert len(deploying) == 1, f"expected one deploy job, found {sorted(deploying)}"
    (deploy_name, deploy), = deploying.items()
    assert deploy_name.split(":")[0] == workflow, "the artifact is deployed by its own workflow"
    needs = deploy.get("needs", [])
    needs = {needs} if isinstance(needs, str) else set(needs)
    assert job_id in needs, f"{deploy_name} needs {needs}, not {job_id}, which uploads the site"
    assert "github.event.repository.default_branch" in deploy.get("if", ""), deploy_name
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    step = next(s for s in steps(deploy) if uses(s) == "actions/deploy-pages")
    assert deploy["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"
    concurrency = deploy.get("concurrency") or workflows[workflow].get("concurrency")
    assert concurrency and concurrency.get("cancel-in-progress") is False, "cancelled halfway"


@pytest.mark.parametrize(("fault", "says"), [
    ("no live code", "JACOBIAN_REQUIRE_LIVE_CODE"), ("second build", "untested build"),
    ("rebuilt after testing", "between the tests and the upload"),
])
def test_a_site_that_could_lack_live_code_or_go_untested_fails(workflows, fault, says):
    """book.yml broken so that its published site is no longer the tested build with Live Code."""
    doc = copy.deepcopy(workflows["book.yml"])
    test = doc["jobs"]["test"]["steps"]
    upload = next(s for s in test if uses(s) == "actions/upload-pages-artifact")
    if fault == "no live code":
        for step in test:
            step.get("env", {}).pop("JACOBIAN_REQUIRE_LIVE_CODE", None)
    elif fault == "rebuilt after testing":
        test.insert(test.index(upload), {"run": "make clean book"})
    else:  # a second build job, without npm, makes the site; the tests check another
        test.remove(upload)
        doc["jobs"]["build"] = {"runs-on": "ubuntu-latest",
                                "steps": [{"run": "make clean book"}, upload]}
        doc["jobs"]["deploy"]["needs"] = ["test", "build"]
    with pytest.raises(AssertionError, match=says):
        test_the_published_site_is_the_tested_build({**workflows, "book.yml": doc})


def test_least_privilege_no_secrets_and_every_pin_names_its_version(workflows):
    for name, doc in workflows.items():
        # zizmor (above) finds dangerous triggers and checkouts that keep their credentials.
        assert doc.get("permissions") == {"contents": "read"}, name
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert not re.search(r"\bsecrets\.", text), f"{name} uses a secret: forks have none"
        for job_id, job in doc["jobs"].items():
            granted = job.get("permissions", {})
            if "actions/deploy-pages" not in map(uses, steps(job)):
                assert granted in ({}, {"contents": "read"}), f"{name}:{job_id} asks {granted}"
        pins = re.findall(r"uses:[ \t]*([\w.-]+/[\w./-]+)@(\S+)(?:[ \t]*#[ \t]*(\S+))?", text)
        assert pins, f"{name}: no action found (is the pattern still right?)"
        for action, _, version in pins:  # a pin to a SHA: zizmor's unpinned-uses
            assert re.fullmatch(r"v\d+(\.\d+)*", version), f"{name}: {action} needs # vX.Y.Z"


def bare_path(folder: Path, *tools: str, fakes: tuple[str, ...] = ()) -> str:
    """A PATH of one folder: links to ``tools``, and ``fakes`` that exit 0 (for ``command -v``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in tools:
        real = shutil.which(name)
        assert real, f"{name} is not installed here"
        (folder / name).symlink_to(real)
    for name in fakes:
        fake = folder / name
        fake.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        fake.chmod(0o755)
    return os.fspath(folder)


def makefile_copy(tmp_path: Path) -> Path:
    """The Makefile and .ci/ in a folder of their own: nothing of the book runs."""
    book = tmp_path / "book"
    (book / ".ci").mkdir(parents=True)
    shutil.copy2(ROOT / "Makefile", book / "Makefile")
    shutil.copy2(INSTALL_PACKAGES, book / ".ci" / "install-packages")
    (book / "requirements.txt").write_text("", encoding="utf-8")
    return book


def run_make(book: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """``make`` in ``book``, BIN nowhere: were a check to pass by mistake, lint fails at once."""
    # JACOBIAN_REQUIRE_* is not inherited from a `make test` that runs this test.
    env = {k: v for k, v in offline_env().items() if not k.startswith("JACOBIAN_REQUIRE_")}
    return subprocess.run(
        ["make", "--no-print-directory", f"BIN={book / 'no-venv'}", *args],
        cwd=book, capture_output=True, text=True, timeout=60,
        env={**env, "PATH": path or env["PATH"]},
    )


@pytest.mark.parametrize(("target", "fakes", "missing"), [
    ("test", (), {"chromium", "nodejs", "npm"}),
    ("prerequisites", ("chromium", "npm"), {"nodejs"}),
    ("prerequisites", ("chromium", "node", "npm"), set()),
])
def test_make_test_stops_at_once_naming_only_what_is_missing(tmp_path, target, fakes, missing):
    book = makefile_copy(tmp_path)
    path = bare_path(tmp_path / "bin", "bash", "make", "git", fakes=fakes)
    proc = run_make(book, "-o", STAMP, target, path=path)
    assert set(re.findall(r"^  (\S+): ", proc.stderr, re.M)) == missing, proc.stderr
    if not missing:
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        return
    assert proc.returncode != 0
    assert proc.stderr.count("Missing for `make test`") == 1, proc.stderr
    for hint in (".ci/install-packages", ".ci/run", "make check"):
        assert hint in proc.stderr, hint
    # It stopped before anything else: lint never ran.
    assert "ruff" not in proc.stdout + proc.stderr, proc.stdout


def test_make_test_fails_rather_than_skips_and_make_check_needs_no_browser(tmp_path):
    """Inside `make test` a missing browser or Live Code fails the tests; `make check` skips."""
    book = makefile_copy(tmp_path)
    for target, first, required in (
        ("test", "prerequisites", {"JACOBIAN_REQUIRE_BROWSER=1", "JACOBIAN_REQUIRE_LIVE_CODE=1"}),
        ("check", "lint", set()),
    ):
        # A recipe planted before `first` prints the variables and stops make.
        proc = run_make(book, "-o", STAMP, "--eval", f"{first}: show-env", "--eval",
                        "show-env: ; @env | grep '^JACOBIAN_REQUIRE_' || true; exit 3", target)
        assert "show-env" in proc.stderr and set(proc.stdout.split()) == required, proc.stderr
    bare = bare_path(tmp_path / "bin", "bash", "make")
    proc = run_make(book, "-o", STAMP, "-n", "check", path=bare)
    assert proc.returncode == 0, proc.stderr
    assert "install-packages" not in proc.stdout and "JACOBIAN_REQUIRE" not in proc.stdout


def test_a_failed_venv_says_to_install_python3_venv(tmp_path):
    book = makefile_copy(tmp_path)
    # What Debian's python3 does without python3-venv: venv fails on ensurepip.
    python = tmp_path / "python3"
    python.write_text("#!/bin/sh\necho 'Error: Command [...ensurepip...] returned non-zero "
                      "exit status 1.' >&2\nexit 1\n", encoding="utf-8")
    python.chmod(0o755)
    proc = run_make(book, f"PYTHON={python}", STAMP)
    assert proc.returncode != 0
    assert "apt-get install python3-venv" in proc.stderr, proc.stderr
