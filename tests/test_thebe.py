"""Live Code (Thebe) on the built site, against a local Jupyter server instead of Binder.

On the website, Live Code loads Thebe from unpkg.com and asks mybinder.org for a
kernel. Neither is reachable from a test, so for the test only:

- Thebe's JavaScript comes from its npm package, fetched at test time into the
  git-ignored ``.cache/npm`` (never vendored), and Playwright's ``route`` answers
  the unpkg URL that sphinx-thebe writes into every page with those files;
- the page's ``text/x-thebe-config`` is rewritten to use a local Jupyter server
  (``serverSettings``: base URL and token) instead of ``binderOptions``; the
  kernel name and the kernel path (``./chapters``) stay as the build wrote them;
- the Jupyter server is the one tests/test_jupyterlab.py starts the Binder way,
  allowing the served site's origin.

Then the test clicks Live Code, runs every cell of chapters/interactive and of
one more page in place, and checks that outputs appear and none is an error or
stderr. The pages' hidden set-up cell puts ``code/`` on ``sys.path`` relative to
the kernel's working directory, so this shows that the set-up works from the
path Thebe's kernel starts in.

If the npm registry lacks the Thebe version that sphinx-thebe requests, the
newest published Thebe stands in, with a small shim for its changed
``bootstrap()`` defaults; the test says so in its output. Without npm or the
registry, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import sphinx_thebe
from test_jupyterlab import binder_lab

from browser_book import ROOT, require_chromium, serve, source_file, toc_pages

NPM_CACHE = ROOT / ".cache" / "npm"
BUILD_ROOT = Path(os.environ.get("JACOBIAN_BUILD_ROOT", ROOT)).resolve()
SCREENSHOTS = BUILD_ROOT / "_build" / "screenshots"
THEBE_CONFIG = re.compile(r'<script type="text/x-thebe-config">.*?</script>', re.DOTALL)
THEBE_JS_URL = re.compile(r'const THEBE_JS_URL = "([^"]+)"')

#: Bounded waits (seconds).
NPM = 300
CELLS_READY = 120
KERNEL_READY = 120
CELL_RUN = 120

#: Thebe 0.9's output renderer loads MathJax 2 from cdnjs for math in outputs.
#: The request is blocked (nothing leaves the machine) and reported; it is the
#: only one to another host that the test lets pass, as a known gap.
MATHJAX_CDN = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/")
BLOCKED_CONSOLE = "Failed to load resource: net::ERR_FAILED"

#: Thebe loads require.js from cdnjs for widget and JavaScript outputs (the
#: ipywidgets and Bokeh figures); the same file comes from npm's requirejs.
REQUIRE_CDN = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/([\d.]+)/")

#: thebe 0.8 and 0.9 name their cells and buttons differently.
CELL = ".thebe-cell, .thebelab-cell"
RUN_BUTTON = ".thebe-run-button, .thebelab-run-button"

#: thebe >= 0.9 ignores the page's useBinder and returns before starting a
#: session unless bootstrap() itself is asked to; sphinx-thebe 0.3 (written
#: for thebe 0.8) calls bootstrap() with no options. Appended to the stand-in.
BOOTSTRAP_SHIM = """
;(() => {
  const bootstrap = window.thebe.bootstrap;
  window.thebe.bootstrap = (options) =>
    bootstrap({ useBinder: false, requestKernel: true, ...(options || {}) });
})();
"""


def _pages_under_test() -> list[str]:
    """chapters/interactive and the first other page of the toc with code cells."""
    pages = toc_pages()
    with_code = [p for p in pages
                 if "{code-cell}" in source_file(p).read_text(encoding="utf-8")]
    chosen = [p for p in with_code if p == "chapters/interactive"]
    chosen += [p for p in with_code if p != "chapters/interactive"][:1]
    return chosen


@dataclass
class ThebePackage:
    """Thebe's files from npm, and whether they are the version the site asks for."""

    wanted: str
    version: str
    folder: Path

    @property
    def substituted(self) -> bool:
        return self.version != self.wanted


def _npm(*args: str) -> subprocess.CompletedProcess:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not found: Live Code needs Thebe's npm package (node and npm)")
    return subprocess.run([npm, *args], cwd=NPM_CACHE, capture_output=True, text=True,
                          timeout=NPM)


def _fetch_thebe(version: str, package: str = "thebe") -> Path | None:
    """``npm pack`` package@version into .cache/npm and unpack it; None if npm lacks that version.

    ``npm pack`` fetches the package's own tarball only: Thebe's ``lib/`` is a
    self-contained webpack bundle, so its ~1000 build dependencies, which
    ``npm install`` would add, are not needed to serve it.
    """
    folder = NPM_CACHE / f"{package}-{version}"
    if (folder / "package" / "package.json").exists():
        return folder / "package"
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    proc = _npm("pack", f"{package}@{version}", "--json", "--pack-destination", str(NPM_CACHE))
    if proc.returncode != 0:
        if "ETARGET" in proc.stderr or "No matching version" in proc.stderr:
            return None
        pytest.skip(f"npm could not fetch {package}@{version} (registry unreachable?):\n"
                    f"{proc.stderr[-1500:]}")
    tarball = NPM_CACHE / json.loads(proc.stdout)[0]["filename"]
    shutil.rmtree(folder, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    tarball.unlink()
    return folder / "package"


@pytest.fixture(scope="module")
def thebe_package() -> ThebePackage:
    wanted = sphinx_thebe.THEBE_VERSION
    folder = _fetch_thebe(wanted)
    if folder is not None:
        return ThebePackage(wanted, wanted, folder)
    latest = _npm("view", "thebe", "version")
    if latest.returncode != 0:
        pytest.skip(f"npm has no thebe@{wanted} and cannot list thebe: {latest.stderr[-500:]}")
    version = latest.stdout.strip()
    folder = _fetch_thebe(version)
    assert folder is not None, f"npm lists thebe {version} but cannot fetch it"
    warnings.warn(
        f"npm has no thebe@{wanted} (what sphinx-thebe {sphinx_thebe.__version__} loads); "
        f"Live Code is tested with thebe@{version} and a bootstrap() shim instead",
        stacklevel=1,
    )
    return ThebePackage(wanted, version, folder)


@pytest.fixture(scope="module")
def site_url(site: Path):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def jupyter(site_url: str, tmp_path_factory: pytest.TempPathFactory):
    require_chromium()
    # The page (one origin) talks to the server (another port, so another
    # origin): CORS and the websocket's origin check must allow it. Thebe sends
    # the token, not an XSRF cookie, with its requests.
    with binder_lab(tmp_path_factory.mktemp("thebe"),
                    f"--ServerApp.allow_origin={site_url}",
                    "--ServerApp.disable_check_xsrf=True") as server:
        yield server


@pytest.fixture(scope="module")
def chromium(chromium_browser):
    # Launched in tests/conftest.py.
    return chromium_browser


def local_thebe_config(original: str, base: str, token: str) -> tuple[str, dict]:
    """The page's Thebe config pointed at a local server; returns (script tag, config).

    The kernel's name and path are kept from the build; only where the kernel
    comes from changes (``serverSettings`` replaces ``binderOptions``). Both
    spellings are given: thebe 0.8 reads ``kernelOptions.name`` and
    ``kernelOptions.serverSettings``, thebe 0.9 ``kernelOptions.kernelName``
    and a top-level ``serverSettings``.
    """
    name = re.search(r'name:\s*"([^"]+)"', original)
    path = re.search(r'path:\s*"([^"]+)"', original)
    mode = re.search(r'mode:\s*"([^"]+)"', original)
    assert name and path, f"unexpected Thebe config in the built page:\n{original}"
    server = {"baseUrl": base, "token": token}
    config = {
        "requestKernel": True,
        "useBinder": False,
        "serverSettings": server,
        "kernelOptions": {"name": name[1], "kernelName": name[1], "path": path[1],
                          "serverSettings": server},
        "codeMirrorConfig": {"mode": mode[1] if mode else "python"},
        "predefinedOutput": True,
    }
    tag = f'<script type="text/x-thebe-config">\n{json.dumps(config)}\n</script>'
    return tag, config


def _api(base: str, token: str, path: str) -> list | dict:
    with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=10) as response:
        return json.loads(response.read())


def _kernel(base: str, token: str, kernel_id: str) -> dict:
    return _api(base, token, f"/api/kernels/{kernel_id}")


@pytest.mark.parametrize("docname", _pages_under_test())
def test_live_code_runs_every_cell(docname, site, site_url, jupyter, chromium, thebe_package,
                                   capsys):
    base, token, _home = jupyter
    page_url = f"{site_url}/{docname}.html"
    html = (site / f"{docname}.html").read_text(encoding="utf-8")
    thebe_url = THEBE_JS_URL.search(html)
    assert thebe_url, f"{docname}: no THEBE_JS_URL in the page (sphinx-thebe not loaded?)"
    thebe_url = thebe_url[1]
    assert f"thebe@{thebe_package.wanted}/" in thebe_url
    thebe_root = thebe_url.rsplit("/lib/", 1)[0] + "/"
    original = THEBE_CONFIG.search(html)
    assert original, f"{docname}: no text/x-thebe-config in the page"
    _tag, config = local_thebe_config(original[0], base, token)
    assert config["kernelOptions"]["path"].strip("./") == Path(docname).parent.as_posix()

    outside: list[str] = []
    served_thebe: list[str] = []
    problems: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def block_other_hosts(route):
        url = route.request.url
        if urllib.parse.urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        elif REQUIRE_CDN.match(url):
            folder = _fetch_thebe(REQUIRE_CDN.match(url)[1], "requirejs")
            assert folder is not None, f"npm has no requirejs for {url}"
            served_thebe.append(url)
            route.fulfill(status=200, body=(folder / "require.js").read_bytes(),
                          content_type="text/javascript")
        else:
            outside.append(url)
            route.abort()

    def thebe_from_npm(route):
        relative = urllib.parse.urlsplit(route.request.url).path.split("/", 2)[2]
        file = (thebe_package.folder / relative).resolve()
        if not file.is_relative_to(thebe_package.folder) or not file.is_file():
            route.fulfill(status=404, body="not in the npm package")
            return
        served_thebe.append(relative)
        body = file.read_bytes()
        if relative == "lib/index.js" and thebe_package.substituted:
            body += BOOTSTRAP_SHIM.encode()
        content_type = {".js": "text/javascript", ".css": "text/css",
                        ".json": "application/json"}.get(file.suffix, "application/octet-stream")
        route.fulfill(status=200, body=body, content_type=content_type)

    # Later routes win: the catch-all first, then Thebe's files.
    context.route("**/*", block_other_hosts)
    context.route(thebe_root + "**", thebe_from_npm)
    page = context.new_page()
    # The page itself comes from the site's server as it is (a page answered by
    # route.fulfill counts as "public" for Chromium's local-network checks and
    # may not then call the Jupyter server on 127.0.0.1); its Thebe config is
    # swapped once the DOM is there, long before Live Code reads it.
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        " const el = document.querySelector('script[type=\"text/x-thebe-config\"]');"
        f" if (el) el.textContent = {json.dumps(json.dumps(config))};"
        " });"
    )
    before = {s["id"] for s in _api(base, token, "/api/sessions")}
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda msg: problems.append(f"console error: {msg.text}")
            if msg.type == "error" else None)
    try:
        page.goto(page_url)
        # sphinx-thebe makes a live cell of every .cell that has a <pre> (its input).
        code_cells = page.evaluate(
            "() => [...document.querySelectorAll('.thebe, .cell')]"
            ".filter(c => c.querySelector('pre')).length")
        static_outputs = page.locator(".cell .cell_output").count()
        assert code_cells, f"{docname}: no code cells on the page"

        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        try:
            page.locator(CELL).nth(code_cells - 1).wait_for(state="attached",
                                                            timeout=CELLS_READY * 1000)
        except Exception as error:
            page.screenshot(path=str(_screenshot(f"thebe-{docname.replace('/', '-')}.png")))
            raise AssertionError(f"{page.locator(CELL).count()} of {code_cells} live cells "
                                 f"after {CELLS_READY} s; {problems}; outside: {outside}"
                                 ) from error
        cells = page.locator(CELL)
        assert cells.count() == code_cells, "Thebe did not turn every code cell into a live cell"

        # The kernel, as the server sees it: started for this page, in its folder.
        deadline = time.monotonic() + KERNEL_READY
        session = None
        while session is None and time.monotonic() < deadline:
            new = [s for s in _api(base, token, "/api/sessions") if s["id"] not in before]
            if new and _kernel(base, token, new[0]["kernel"]["id"])["execution_state"] == "idle":
                session = new[0]
            else:
                page.wait_for_timeout(500)  # not time.sleep: routes run meanwhile
        assert session, f"no idle kernel within {KERNEL_READY} s; {problems}"
        # The server starts the kernel in the session's folder (or in the folder
        # of a notebook path): chapters/, where the pages' set-up cell expects it.
        folder = Path(os.path.normpath(session["path"]))
        if folder.suffix == ".ipynb":
            folder = folder.parent
        assert folder.as_posix() == Path(docname).parent.as_posix(), session["path"]
        kernel_id = session["kernel"]["id"]

        # Unfold the hidden cells (the set-up cell first), as a reader does with
        # "Show code cell source", so that their run buttons can be clicked.
        folded = page.locator("details:not([open]) > summary")
        while folded.count():
            folded.first.click()
        started = time.perf_counter()
        for index in range(code_cells):
            cell = cells.nth(index)
            last = _kernel(base, token, kernel_id)["last_activity"]
            cell.locator(RUN_BUTTON).first.click()
            # Done: the kernel has answered and is idle again, and Thebe (0.9)
            # has hidden the cell's busy spinner, i.e. its execute() returned.
            spinner = cell.locator(".thebe-busy")
            deadline = time.monotonic() + CELL_RUN
            while True:
                page.wait_for_timeout(200)
                kernel = _kernel(base, token, kernel_id)
                busy = spinner.count() and spinner.first.is_visible()
                if kernel["last_activity"] != last and kernel["execution_state"] == "idle" \
                        and not busy:
                    break
                if time.monotonic() > deadline:
                    page.screenshot(path=str(_screenshot(
                        f"thebe-{docname.replace('/', '-')}-stalled.png")), full_page=True)
                    source = cell.inner_text().strip().splitlines()[:3]
                    pytest.fail(f"{docname}: live cell {index + 1} of {code_cells} "
                                f"({source}) not done after {CELL_RUN} s (kernel "
                                f"{kernel['execution_state']}, Thebe busy: {bool(busy)}); "
                                f"blocked: {outside}; console: {problems}")
        seconds = time.perf_counter() - started

        errors = page.locator(
            f":is({CELL}) [data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
        assert not errors, f"{docname}: errors or stderr in the live cells:\n" + "\n".join(
            e[:1500] for e in errors)
        live_outputs = page.locator(".jp-OutputArea-output").count()
        page.screenshot(path=str(_screenshot(f"thebe-{docname.replace('/', '-')}.png")),
                        full_page=True)
        stand_in = f" (stand-in for {thebe_package.wanted})" if thebe_package.substituted else ""
        with capsys.disabled():
            print(f"\n  Live Code {docname}: thebe@{thebe_package.version}{stand_in}"
                  f", kernel path {session['path']!r}, {code_cells} cells run in {seconds:.1f} s, "
                  f"{live_outputs} live outputs (static page: {static_outputs})", end="")
        assert live_outputs >= static_outputs, (
            f"{docname}: {live_outputs} live outputs, fewer than the {static_outputs} "
            "that the static page shows"
        )
        assert live_outputs > 0
        assert "lib/index.js" in served_thebe, "Thebe was not loaded from the npm package"
        # Only Thebe's own URL (answered locally) may leave the site, and the
        # blocked MathJax request with its one console line per request.
        mathjax = [url for url in outside if MATHJAX_CDN.match(url)]
        assert outside == mathjax, f"requests to other hosts: {outside}"
        for _ in mathjax:
            if BLOCKED_CONSOLE in "\n".join(problems):
                problems.remove(next(p for p in problems if BLOCKED_CONSOLE in p))
        assert not problems, "\n".join(problems)
        if mathjax:
            warnings.warn(f"Thebe asked for MathJax from a CDN (blocked): {mathjax[0]}",
                          stacklevel=1)
    finally:
        context.close()
        # The server would hand the next page this session (same path, same
        # name): shut it and its kernel down.
        for session in _api(base, token, "/api/sessions"):
            if session["id"] not in before:
                request = urllib.request.Request(
                    f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
                urllib.request.urlopen(request, timeout=30).close()


def _screenshot(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def test_config_rewrite_keeps_kernel_and_path():
    built = """<script type="text/x-thebe-config">
    {
        requestKernel: true,
        binderOptions: {
            repo: "owner/name",
            ref: "main",
        },
        codeMirrorConfig: {
            theme: "abcdef",
            mode: "python"
        },
        kernelOptions: {
            name: "python3",
            path: "./chapters"
        },
        predefinedOutput: true
    }
    </script>"""
    tag, config = local_thebe_config(built, "http://127.0.0.1:1234", "t0k3n")
    assert "binderOptions" not in config and "owner/name" not in tag
    assert config["kernelOptions"]["path"] == "./chapters"
    assert config["kernelOptions"]["name"] == config["kernelOptions"]["kernelName"] == "python3"
    assert config["serverSettings"] == {"baseUrl": "http://127.0.0.1:1234", "token": "t0k3n"}
    assert THEBE_CONFIG.fullmatch(tag)
