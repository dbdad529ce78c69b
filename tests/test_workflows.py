"""The GitHub Actions workflows and the CI scripts, checked offline.

No test here talks to GitHub. Four kinds of check:

* every workflow validates against GitHub's workflow JSON schema, and
  .github/dependabot.yml against Dependabot's, both shipped by
  check-jsonschema (``--builtin-schema vendor.github-workflows``,
  ``vendor.dependabot``);
* zizmor, run with ``--offline``, reports no finding of medium severity or
  above in either; both tools are also shown to fail on files with known
  faults, so a pass means something;
* the workflows, read as YAML, run the README's test command (``.ci/run``,
  which is ``make test``), publish the ``_build/html`` that those tests built
  and checked (Live Code required, the run's repository in the buttons), with
  least privilege, and pin every action to a commit;
* the Makefile and .ci/install-packages, run with a PATH that lacks a tool:
  ``make test`` stops at once and says what to install, ``make check`` does
  not ask for it, a failed ``python3 -m venv`` names python3-venv, and a
  build that must have Live Code fails without npm, saying what to install.
"""

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

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
INSTALL_PACKAGES = ROOT / ".ci" / "install-packages"

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


def check_jsonschema(*paths: Path, schema: str = "vendor.github-workflows"
                     ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, *map(os.fspath, paths)],
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
    findings = zizmor(*workflow_files(), DEPENDABOT)
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


# --------------------------------------------------------------- dependabot
def dependabot() -> dict:
    return yaml.safe_load(DEPENDABOT.read_text(encoding="utf-8"))


def test_dependabot_matches_its_schema():
    proc = check_jsonschema(DEPENDABOT, schema="vendor.dependabot")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dependabot_schema_check_rejects_a_misspelt_setting(tmp_path):
    broken = tmp_path / "dependabot.yml"
    broken.write_text(DEPENDABOT.read_text(encoding="utf-8").replace(
        "default-days", "defualt-days"), encoding="utf-8")
    proc = check_jsonschema(broken, schema="vendor.dependabot")
    assert proc.returncode != 0
    assert "defualt-days" in proc.stdout + proc.stderr


def test_dependabot_updates_the_actions_and_the_requirements_after_a_cooldown():
    updates = {u["package-ecosystem"]: u for u in dependabot()["updates"]}
    assert {"github-actions", "pip"} <= set(updates), sorted(updates)
    for ecosystem in ("github-actions", "pip"):
        update = updates[ecosystem]
        # The workflows live under /.github/workflows and requirements.txt at
        # the root; Dependabot reads both from "/".
        assert update["directory"] == "/", ecosystem
        assert update["schedule"]["interval"] in {"daily", "weekly", "monthly"}, ecosystem
        # A release younger than this is not proposed: time for a pulled or
        # compromised one to be caught.
        assert update.get("cooldown", {}).get("default-days", 0) >= 3, ecosystem
    assert (ROOT / "requirements.txt").is_file()


def test_zizmor_flags_a_dependabot_file_without_cooldown(tmp_path):
    folder = tmp_path / ".github"
    folder.mkdir()
    config = dependabot()
    for update in config["updates"]:
        update.pop("cooldown", None)
    (folder / "dependabot.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert "dependabot-cooldown" in {f["ident"] for f in zizmor(folder / "dependabot.yml")}


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


def install_packages_list() -> dict[str, str]:
    """.ci/install-packages' PACKAGES: Debian package -> the command that shows it."""
    script = INSTALL_PACKAGES.read_text(encoding="utf-8")
    block = re.search(r"^PACKAGES=\(\n(.*?)^\)", script, re.M | re.S)
    assert block, ".ci/install-packages has no PACKAGES=( ... ) list"
    rows = [line.strip().strip('"').split()[:2] for line in block.group(1).splitlines()
            if line.strip().startswith('"')]
    return dict(rows)


def test_the_debian_packages_are_listed_once():
    """.ci/install-packages has the list; .ci/run and the workflows call it, never apt-get."""
    packages = install_packages_list()
    assert {"chromium", "git", "make", "nodejs", "npm", "python3-venv"} <= set(packages)
    assert packages["chromium"] == "chromium" and packages["nodejs"] == "node"
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*(bash\s+)?\.ci/install-packages\s*$", run, re.M)
    assert "apt-get" not in run, ".ci/run installs packages itself: use .ci/install-packages"
    # The workflows install git alone, before the checkout (the script is in
    # the clone); every other package comes from the script.
    for path in workflow_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            installed = re.search(r"apt-get install\s.*", line)
            if installed:
                named = {w for w in installed.group(0).split()[2:] if not w.startswith("-")}
                named -= {">/dev/null"}
                assert named <= {"git"}, f"{path.name}:{number} lists {named - {'git'}}"


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
        # git before the checkout (else it is a tarball and not a clone); the
        # rest from .ci/install-packages, which .ci/run calls too.
        checkout = [uses(s) for s in steps(job)].index("actions/checkout")
        before = "\n".join(s.get("run", "") for s in steps(job)[:checkout])
        assert re.search(r"apt-get install .*\bgit\b", before), name
        assert ".ci/install-packages" in runs(job).split(".ci/run")[0], name


def _step_env(workflow: dict, job: dict, step: dict) -> dict:
    """The environment a step runs with, as far as the workflow sets it."""
    return {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}


def test_the_published_site_is_the_tested_build(workflows):
    """The Pages artifact is the _build/html that `make test` built and tested.

    One job uploads it, and that job runs .ci/run (``make test``, whose cold
    build tests/conftest.py copies to _build/html) and uploads right after it,
    from the default branch only, with nothing built in between. That build
    must have Live Code (JACOBIAN_REQUIRE_LIVE_CODE=1 fails it otherwise) and
    name the run's repository (BOOK_REPOSITORY_URL). A workflow whose
    published build could lack Live Code, or is not the tested one, fails here.
    """
    jobs = jobs_of(workflows)
    uploading = {
        name: job for name, job in jobs.items()
        if "actions/upload-pages-artifact" in map(uses, steps(job))
    }
    assert len(uploading) == 1, f"expected one job to upload the site, found {sorted(uploading)}"
    (name, job), = uploading.items()
    workflow, job_id = name.split(":")
    names = [uses(step) for step in steps(job)]
    upload_at = names.index("actions/upload-pages-artifact")
    tested = [i for i, s in enumerate(steps(job)) if re.search(r"\.ci/run\b", s.get("run", ""))]
    assert tested, (f"{name} uploads a site but runs no tests (.ci/run): a second, "
                    "untested build would be published")
    test_at = tested[0]
    assert test_at < upload_at, f"{name} uploads before the tests run"
    between = [s.get("name", s.get("run", "")) for s in steps(job)[test_at + 1:upload_at]]
    assert between == [], f"{name}: steps between the tests and the upload: {between}"
    upload = steps(job)[upload_at]
    assert upload.get("with", {}).get("path", "").rstrip("/") == "_build/html", name
    # Only the default branch publishes, whatever a fork calls it, and a pull
    # request never does; the tests themselves run everywhere.
    condition = upload.get("if", "")
    assert "github.event.repository.default_branch" in condition, name
    assert "pull_request" in condition, f"{name}: pull requests must not publish"
    assert "always()" not in condition and "failure()" not in condition, (
        f"{name}: the site may be uploaded only when every test passed"
    )
    env = _step_env(workflows[workflow], job, steps(job)[test_at])
    assert str(env.get("JACOBIAN_REQUIRE_LIVE_CODE")) == "1", (
        f"{name}: the published build must fail without Live Code "
        "(JACOBIAN_REQUIRE_LIVE_CODE: \"1\")"
    )
    assert "github.repository" in env.get("BOOK_REPOSITORY_URL", ""), (
        f"{name}: the buttons must name the repository of the run (BOOK_REPOSITORY_URL)"
    )
    # Either would move the tested build away from _build/html, or test another.
    for moved in ("JACOBIAN_BUILD_ROOT", "JACOBIAN_BOOK_HTML"):
        assert moved not in env, f"{name} sets {moved}"
    # npm, which Live Code's build needs, comes with the packages .ci/run installs.
    assert "npm" in install_packages_list()

    deploying = {
        name: job for name, job in jobs.items()
        if "actions/deploy-pages" in map(uses, steps(job))
    }
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
    assert concurrency and concurrency.get("cancel-in-progress") is False, (
        "a deployment must not be cancelled halfway"
    )


def _without_live_code(doc: dict) -> None:
    for step in doc["jobs"]["test"]["steps"]:
        step.get("env", {}).pop("JACOBIAN_REQUIRE_LIVE_CODE", None)


def _second_build(doc: dict) -> None:
    """Today's fault: a build job without npm makes the site; the tests check another."""
    test = doc["jobs"]["test"]
    upload = next(s for s in test["steps"] if uses(s) == "actions/upload-pages-artifact")
    test["steps"].remove(upload)
    doc["jobs"]["build"] = {"runs-on": "ubuntu-latest", "steps": [
        {"run": "make clean book", "env": {"BOOK_REPOSITORY_URL": "${{ github.repository }}"}},
        upload,
    ]}
    doc["jobs"]["deploy"]["needs"] = ["test", "build"]


def _rebuilt_after_testing(doc: dict) -> None:
    test = doc["jobs"]["test"]["steps"]
    at = next(i for i, s in enumerate(test) if uses(s) == "actions/upload-pages-artifact")
    test.insert(at, {"run": "make clean book"})


@pytest.mark.parametrize(("fault", "says"), [
    (_without_live_code, "JACOBIAN_REQUIRE_LIVE_CODE"),
    (_second_build, "untested build"),
    (_rebuilt_after_testing, "between the tests and the upload"),
])
def test_a_site_that_could_lack_live_code_or_go_untested_fails(workflows, fault, says):
    doc = copy.deepcopy(workflows["book.yml"])
    fault(doc)
    with pytest.raises(AssertionError, match=says):
        test_the_published_site_is_the_tested_build({**workflows, "book.yml": doc})


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


# ------------------------------------------- the Makefile on a bare machine
STAMP = ".venv/.requirements-installed"


def bare_path(folder: Path, *tools: str, fakes: tuple[str, ...] = ()) -> str:
    """A PATH of one folder holding ``tools`` (links to the real ones) and ``fakes``.

    A fake is a script that exits 0: enough for ``command -v``, which is all
    .ci/install-packages --check asks of Chromium, Node.js and npm.
    """
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


def run_make(book: Path, path: str, *args: str) -> subprocess.CompletedProcess:
    # BIN points nowhere: were the check to pass by mistake, lint fails at
    # once instead of running the whole suite.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", STAMP, f"BIN={book / 'no-venv'}", *args],
        cwd=book, capture_output=True, text=True, timeout=60,
        env={**offline_env(), "PATH": path},
    )


def test_make_test_without_chromium_node_or_npm_stops_saying_what_to_install(tmp_path):
    book = makefile_copy(tmp_path)
    proc = run_make(book, bare_path(tmp_path / "bin", "bash", "make"), "test")
    assert proc.returncode != 0
    message = proc.stderr
    # One message, naming each missing package and how to get them.
    assert message.count("Missing for `make test`") == 1, message
    for package in ("chromium", "nodejs", "npm"):
        assert re.search(rf"^  {package}: ", message, re.M), (package, message)
    assert ".ci/install-packages" in message and ".ci/run" in message
    assert "make check" in message
    # It stopped before anything else: lint never ran.
    assert "ruff" not in proc.stdout + proc.stderr, proc.stdout


def test_make_test_names_only_what_is_missing(tmp_path):
    book = makefile_copy(tmp_path)
    path = bare_path(tmp_path / "bin", "bash", "make", "git", fakes=("chromium", "npm"))
    proc = run_make(book, path, "prerequisites")
    assert proc.returncode != 0
    named = set(re.findall(r"^  (\S+): ", proc.stderr, re.M))
    assert named == {"nodejs"}, proc.stderr


def test_make_test_passes_the_check_when_everything_is_there(tmp_path):
    book = makefile_copy(tmp_path)
    path = bare_path(tmp_path / "bin", "bash", "make", "git",
                     fakes=("chromium", "node", "npm"))
    proc = run_make(book, path, "prerequisites")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def _environment_of(target: str, first: str, book: Path) -> set[str]:
    """The JACOBIAN_REQUIRE_* variables set while ``make target`` makes ``first``.

    A recipe planted before ``first`` prints them and stops make.
    """
    proc = subprocess.run(
        ["make", "--no-print-directory", "-o", STAMP,
         "--eval", f"{first}: show-env",
         "--eval", "show-env: ; @env | grep '^JACOBIAN_REQUIRE_' || true; exit 3",
         target],
        cwd=book, capture_output=True, text=True, timeout=60,
        # Not inherited from a `make test` that runs this very test.
        env={k: v for k, v in os.environ.items() if not k.startswith("JACOBIAN_REQUIRE_")},
    )
    assert proc.returncode != 0 and "show-env" in proc.stderr, proc.stderr
    return set(proc.stdout.split())


def test_make_test_fails_rather_than_skips(tmp_path):
    """Inside `make test` a missing browser or Live Code fails the tests; `make check` skips."""
    book = makefile_copy(tmp_path)
    assert _environment_of("test", "prerequisites", book) == {
        "JACOBIAN_REQUIRE_BROWSER=1", "JACOBIAN_REQUIRE_LIVE_CODE=1"}
    assert _environment_of("check", "lint", book) == set()


def test_make_check_needs_no_browser_node_or_npm(tmp_path):
    book = makefile_copy(tmp_path)
    proc = run_make(book, bare_path(tmp_path / "bin", "bash", "make"), "-n", "check")
    assert proc.returncode == 0, proc.stderr
    assert "install-packages" not in proc.stdout
    assert "JACOBIAN_REQUIRE" not in proc.stdout


def test_a_failed_venv_says_to_install_python3_venv(tmp_path):
    book = makefile_copy(tmp_path)
    # What Debian's python3 does without python3-venv: venv fails on ensurepip.
    python = tmp_path / "python3"
    python.write_text("#!/bin/sh\necho 'Error: Command [...ensurepip...] returned non-zero "
                      "exit status 1.' >&2\nexit 1\n", encoding="utf-8")
    python.chmod(0o755)
    proc = subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={python}", STAMP],
        cwd=book, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "python3-venv" in proc.stderr and "apt-get install python3-venv" in proc.stderr, (
        proc.stderr
    )


@pytest.mark.slow
@pytest.mark.own_build
def test_a_build_that_must_have_live_code_fails_without_npm(tmp_path):
    """What the published build (JACOBIAN_REQUIRE_LIVE_CODE=1) does on a machine without npm.

    A copy of the book without .cache/npm, built with a PATH that holds only
    the virtual environment's programs: it stops while reading _config.yml,
    before any page executes, saying what to install.
    """
    from book_copy import copy_book

    book = copy_book(tmp_path / "book")
    assert not (book / ".cache").exists()
    venv_bin = Path(sys.executable).parent
    assert not (venv_bin / "npm").exists()
    proc = subprocess.run(
        [os.fspath(venv_bin / "jupyter-book"), "build", os.fspath(book), "-W", "-n",
         "--keep-going"],
        capture_output=True, text=True, timeout=600,
        env={"HOME": os.fspath(tmp_path), "PATH": os.fspath(venv_bin),
             "BOOK_REPOSITORY_URL": "https://github.com/owner/fork",
             "JACOBIAN_REQUIRE_LIVE_CODE": "1"},
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert "Live Code: npm not found" in log, log[-3000:]
    assert "apt-get install nodejs npm" in log and "JACOBIAN_REQUIRE_LIVE_CODE=1" in log
    assert not (book / "_build" / "html" / "index.html").exists()
