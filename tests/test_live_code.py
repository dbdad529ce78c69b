"""Live Code (Thebe) as the website ships it, against a local Jupyter server.

The built pages load the Thebe that ``_ext/jacobian_book/live_code.py`` pins
(thebe 0.9.3, copied from its npm package into the site's ``_static/``) and
the book's integration, ``live-code.js``. This test runs exactly those files:
no stand-in, no shim. Two things differ from a reader's visit, both outside the
shipped files:

- the kernel: a fragment of Thebe page config, added to each page before Live
  Code is clicked, says ``useBinder: false`` and names the one Binder-like
  server of the session (``jupyter_server``, tests/binder_server.py) in its
  ``serverSettings``. mybinder.org itself is not tested here;
- the network: any request to a host other than 127.0.0.1 is blocked and fails
  the test.

On every page of _toc.yml with code cells, the test clicks Live Code, runs each
cell with its own "run" button, in page order, and checks cell by cell: the
cell ran; its live output area sits inside its own cell, after its editor, and
no other cell's output is there; no output is an error or stderr; the lines it
prints are the lines the build printed under that cell (numbers aside:
timings and memory vary). It checks that the page shows every code cell of the .md
except those the page hides on purpose (remove-input, remove-cell), that the
Thebe file the browser ran has the pinned hash, and that axe-core finds no
serious or critical violation in what Live Code changed (the cells and the
status line; tests/test_a11y.py checks the pages as built, before the click).
Where a cell's output is an ipywidget (the explorer of chapters/interactive),
moving x0, a_k and b_k from the keyboard must change the figure. On one page,
in dark mode, a cell tagged ``thebe-init`` must run by itself, a student's
edits (typed into the editor, run with Shift+Enter) must show their new
results, LaTeX typeset by the book's MathJax 3, and "restart" and "run all"
must work.

Without a browser: the pins equal the registry's (``npm view``; skipped
offline), the site's Thebe is the npm package's file byte for byte and no page
loads sphinx-thebe's loader, a tarball with another hash is refused, and a
build without npm hides Live Code and says what to do (or fails, with
``JACOBIAN_REQUIRE_LIVE_CODE=1``).

Each page's seconds (click to last cell done, kernel start included) and its
axe seconds are printed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import jupytext
import pytest
from binder_server import BinderServer, api
from book_site import source_file, toc_pages
from sphinx.errors import ExtensionError
from widget_sliders import figure_png, move_each_slider

from browser_book import ROOT, WCAG_TAGS
from jacobian_book import live_code as live

PAGES = toc_pages()
#: axe-core impacts that fail the test (as in tests/test_a11y.py).
BLOCKING = {"serious", "critical"}

#: Bounded waits (seconds).
KERNEL_READY = 120
CELL_RUN = 120
FIGURE_UPDATE = 30

#: Tags with which a page hides a cell's code, so that Live Code cannot run it.
HIDDEN_CODE = {"remove-input", "remove-cell"}

#: The code cells the page shows, before Live Code: tags and the build's stdout.
PAGE_CELLS_JS = """
() => [...document.querySelectorAll("div.cell")]
  .filter((cell) => cell.querySelector(".cell_input pre"))
  .map((cell) => ({
    tags: [...cell.classList].filter((c) => c.startsWith("tag_")).map((c) => c.slice(4)),
    stdout: [...cell.querySelectorAll(".cell_output .output.stream pre")]
      .map((pre) => pre.textContent).join(""),
    output: !!cell.querySelector(".cell_output"),
  }))
"""

#: One live cell's execution count and whether it is still running.
CELL_STATE_JS = """
(i) => {
  const box = document.querySelectorAll(".thebe-cell")[i];
  const cell = window.thebe.notebook.getCellById(box.getAttribute("data-thebe-id"));
  return { count: cell.executionCount, busy: cell.isBusy };
}
"""

#: Every live cell: its outputs (as the kernel sent them) and where they are shown.
LIVE_CELLS_JS = """
() => [...document.querySelectorAll(".thebe-cell")].map((box) => {
  const cell = window.thebe.notebook.getCellById(box.getAttribute("data-thebe-id"));
  const area = cell.area.node;
  const home = box.closest("div.cell");
  const others = [...home.querySelectorAll(".jp-OutputArea")]
    .filter((a) => a !== area && !area.contains(a));
  const text = (t) => (Array.isArray(t) ? t.join("") : t || "");
  return {
    count: cell.executionCount,
    outputs: cell.outputs.map((o) => ({
      type: o.output_type, name: o.name || null, text: text(o.text),
      mimes: Object.keys(o.data || {}), error: o.ename ? `${o.ename}: ${o.evalue}` : null,
    })),
    inOwnCell: home.contains(area)
      && !!(box.compareDocumentPosition(area) & Node.DOCUMENT_POSITION_FOLLOWING),
    otherAreas: others.length,
    shown: area.textContent,
    source: cell.source.split("\\n").slice(0, 2).join(" | "),
  };
})
"""

#: axe-core on the parts of the page that Live Code changes.
RUN_AXE_ON_LIVE_PARTS_JS = """
async (tags) => {
  const result = await axe.run({ include: [["div.cell"], [".jb-live-status"]] }, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 200) })),
  }));
}
"""

#: Records the kernel's status changes (for the restart button).
#: Arms a log of the kernel's messages, socket changes and status lines.
KERNEL_LOG_JS = """
() => {
  window.kernelLog = [];
  const kernel = window.thebe.session.kernel;
  const start = performance.now();
  const log = (...entry) => {
    window.kernelLog.push([Math.round(performance.now() - start), ...entry]);
  };
  kernel.statusChanged.connect((_, s) => log("status", s));
  kernel.connectionStatusChanged.connect((_, s) => log("socket", s));
  const line = document.querySelector(".jb-live-status");
  new MutationObserver(() => log("line", line.textContent))
    .observe(line, { childList: true, characterData: true, subtree: true });
  kernel.anyMessage.connect((_, { msg, direction }) => log(
    direction, msg.channel, msg.header.msg_type, msg.header.msg_id.slice(-6),
    ((msg.parent_header || {}).msg_id || "").slice(-6), msg.header.session.slice(-6),
    (msg.content || {}).execution_state || ""));
}
"""
#: Click live cell i's restart button and, in the same task, press Shift+Enter in
#: its editor; what the page says right then.
RESTART_AND_RUN_JS = """
(i) => {
  const box = document.querySelectorAll(".thebe-cell")[i];
  box.closest("div.cell").querySelector(".thebe-restart-button").click();
  const input = box.querySelector(".CodeMirror textarea");
  input.focus();
  input.dispatchEvent(new KeyboardEvent("keydown", {
    key: "Enter", code: "Enter", keyCode: 13, which: 13, shiftKey: true,
    bubbles: true, cancelable: true }));
  const status = document.querySelector(".jb-live-status").textContent;
  return { state: document.body.dataset.liveCode, said: status.includes("still restarting") };
}
"""
#: What a stalled cell's kernel connection looks like, for the failure message.
KERNEL_DIAGNOSIS_JS = """
(i) => {
  const kernel = window.thebe.session.kernel;
  const box = document.querySelectorAll(".thebe-cell")[i];
  const cell = window.thebe.notebook.getCellById(box.getAttribute("data-thebe-id"));
  return { status: kernel.status, socket: kernel.connectionStatus,
           log: window.kernelLog || null, pending: (kernel._pendingMessages || []).length,
           futures: kernel._futures ? kernel._futures.size : null,
           count: cell.executionCount, busy: cell.isBusy, source: cell.source };
}
"""

# ------------------------------------------------------------ the pages
def code_cells(docname: str) -> list[list[str]]:
    """The tags of every code cell of a page's source, in order."""
    notebook = jupytext.read(source_file(docname))
    return [list(cell.metadata.get("tags", [])) for cell in notebook.cells
            if cell.cell_type == "code"]


def pages_with_code() -> list[str]:
    return [page for page in PAGES
            if any(not HIDDEN_CODE & set(tags) for tags in code_cells(page))]


def _normal(text: str) -> str:
    """Text compared line by line, without trailing blanks or blank lines at the ends."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _shape(text: str) -> str:
    """What a cell prints, blind to its numbers (timings, memory) and to spacing."""
    return "\n".join(re.sub(r"\s+", " ", re.sub(r"\d+", "0", line)).strip()
                     for line in _normal(text).splitlines() if line.strip())


# ------------------------------------------------------------ fixtures
class LivePage:
    """One page of the site in a fresh browser context, Live Code pointed at the local server."""

    def __init__(self, browser, site_url: str, server: BinderServer, screenshots: Path,
                 docname: str, extra_init: str = "", mode: str = "light") -> None:
        self.server = server
        self.screenshots = screenshots
        self.docname = docname
        self.outside: list[str] = []
        self.problems: list[str] = []
        self.before = {s["id"] for s in api(server, "/api/sessions")}
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._only_loopback)
        # pydata-sphinx-theme reads the reader's colour mode from localStorage.
        self.context.add_init_script(f"localStorage.setItem('mode', '{mode}');"
                                     f" localStorage.setItem('theme', '{mode}');")
        fragment = json.dumps({"useBinder": False,
                               "serverSettings": {"baseUrl": server.base, "token": server.token}})
        # The test's one addition to the page: where the kernel comes from.
        self.context.add_init_script(
            "document.addEventListener('DOMContentLoaded', () => {"
            " const config = document.createElement('script');"
            " config.type = 'text/x-thebe-config';"
            f" config.textContent = {json.dumps(fragment)};"
            f" document.head.append(config); {extra_init} }});"
        )
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", lambda msg: self.problems.append(f"console: {msg.text}")
                     if msg.type == "error" else None)
        self.page.goto(f"{site_url}/{docname}.html")
        self.thebe_sha384: str | None = None

    def _only_loopback(self, route) -> None:
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def launch(self) -> dict:
        """Click Live Code; wait for the kernel. Returns the page's session on the server."""
        page = self.page
        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        thebe_js = f"/_static/{live.THEBE.folder}/index.js"
        with page.expect_response(lambda r: r.url.endswith(thebe_js)) as loaded:
            page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        self.thebe_sha384 = live.sri(loaded.value.body())
        page.wait_for_function(
            "() => ['ready', 'failed'].includes(document.body.dataset.liveCode)",
            timeout=KERNEL_READY * 1000)
        status = page.locator(".jb-live-status").inner_text()
        assert page.evaluate("document.body.dataset.liveCode") == "ready", (
            f"{self.docname}: {status}; {self.problems}; blocked: {self.outside}")
        new = [s for s in api(self.server, "/api/sessions") if s["id"] not in self.before]
        assert len(new) == 1, f"{self.docname}: {len(new)} new kernel sessions"
        return new[0]

    def cell_state(self, index: int) -> dict:
        return self.page.evaluate(CELL_STATE_JS, index)

    def wait_ran(self, index: int, before: int | None) -> None:
        """Wait until live cell ``index`` has a new execution count and is idle."""
        try:
            self.page.wait_for_function(
                f"([i, before]) => {{ const s = ({CELL_STATE_JS})(i);"
                " return s.count !== null && s.count !== before && !s.busy; }",
                arg=[index, before], timeout=CELL_RUN * 1000)
        except Exception as error:
            self.screenshot("stalled")
            diagnosis = self.page.evaluate(KERNEL_DIAGNOSIS_JS, index)
            raise AssertionError(f"{self.docname}: live cell {index + 1} not done after "
                                 f"{CELL_RUN} s; {diagnosis}; {self.problems}; "
                                 f"blocked: {self.outside}") from error

    def wait_restarted(self) -> None:
        """Wait until a restart button's restart is done, as the page says it."""
        self.page.wait_for_function("() => document.body.dataset.liveCode !== 'restarting'",
                                    timeout=KERNEL_READY * 1000)
        state = self.page.evaluate("document.body.dataset.liveCode")
        status = self.page.locator(".jb-live-status").inner_text()
        assert state == "ready", f"{self.docname}: after a restart: {status}; {self.problems}"
        assert "the kernel is ready" in status, status
        # What the status line said on the way (KERNEL_LOG_JS armed before the click).
        said = [entry[2] for entry in self.page.evaluate("window.kernelLog")
                if entry[1] == "line"]
        assert said and "restarting" in said[0] and not any("stopped" in s for s in said), said

    def run(self, index: int) -> None:
        """Press live cell ``index``'s run button, as a reader does; wait until it is done."""
        before = self.cell_state(index)["count"]
        button = self.page.locator(".thebe-cell").nth(index).locator(".thebe-run-button")
        button.scroll_into_view_if_needed()
        button.click()
        self.wait_ran(index, before)

    def check_live_parts(self, axe_source: str) -> None:
        """axe-core on what Live Code changed; no other host asked; no console error."""
        self.page.add_script_tag(content=axe_source)
        violations = self.page.evaluate(RUN_AXE_ON_LIVE_PARTS_JS, WCAG_TAGS)
        blocking = [f"{v['id']} ({v['impact']}): {v['help']}; {n['target']}: {n['html']}"
                    for v in violations if v["impact"] in BLOCKING for n in v["nodes"]]
        assert not blocking, f"{self.docname} after Live Code:\n" + "\n".join(blocking)
        assert not self.outside, f"requests to other hosts: {self.outside}"
        assert not self.problems, "\n".join(self.problems)

    def screenshot(self, suffix: str, element=None) -> None:
        """The whole page, or just ``element`` (a locator), into the screenshots folder."""
        path = self.screenshots / f"thebe-{self.docname.replace('/', '-')}-{suffix}.png"
        if element is None:
            self.page.screenshot(path=str(path), full_page=True)
        else:
            element.screenshot(path=str(path))

    def close(self) -> None:
        self.context.close()
        # The server would hand the next page of the same folder this session
        # (same path): shut it and its kernel down.
        for session in api(self.server, "/api/sessions"):
            if session["id"] not in self.before:
                url = f"{self.server.base}/api/sessions/{session['id']}?token={self.server.token}"
                urllib.request.urlopen(urllib.request.Request(url, method="DELETE"),
                                       timeout=30).close()


# ------------------------------------------------------------ the pins
def _npm_view(spec: str) -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not found: it compares the pins with the registry")
    proc = subprocess.run([npm, "view", spec, "dist.integrity"], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"npm view {spec} failed (registry unreachable?): {proc.stderr[-300:]}")
    return proc.stdout.strip()


@pytest.mark.parametrize("package", [live.THEBE, live.REQUIREJS], ids=lambda p: p.name)
def test_pins_are_the_registry_packages(package):
    assert _npm_view(package.spec) == package.integrity


@pytest.mark.slow
def test_site_serves_the_pinned_thebe(site):
    """The site's Thebe is the npm package's, byte for byte; no page loads another."""
    tarball = live.npm_tarball(live.THEBE, live.cache_folder(ROOT))
    with tarfile.open(tarball) as archive:
        npm_index = archive.extractfile("package/lib/index.js").read()
        npm_version = json.load(archive.extractfile("package/package.json"))["version"]
    assert npm_version == live.THEBE.version
    assert live.sri(npm_index) == live.THEBE_INDEX_SHA384
    served = site / "_static" / live.THEBE.folder / "index.js"
    assert served.read_bytes() == npm_index
    for docname in PAGES:
        html = (site / f"{docname}.html").read_text(encoding="utf-8")
        assert "unpkg.com" not in html and "thebe@" not in html, docname
        assert "sphinx-thebe.js" not in html, f"{docname}: sphinx-thebe's loader is still there"
        if "btn-launch-thebe" in html:
            settings = re.search(r'id="jacobian-live-code"[^>]*>(.*?)</script>', html, re.S)
            assert settings, f"{docname}: a Live Code button but no Live Code settings"
            settings = json.loads(settings[1])
            assert settings["integrity"] == live.THEBE_INDEX_SHA384
            assert settings["thebe"].endswith(f"_static/{live.THEBE.folder}/index.js")


def test_a_changed_tarball_is_refused(tmp_path):
    (tmp_path / live.THEBE.tarball).write_bytes(b"not thebe")
    with pytest.raises(live.LiveCodeUnavailable, match="not the pinned"):
        live.npm_tarball(live.THEBE, tmp_path)
    assert not (tmp_path / live.THEBE.tarball).exists()


def test_without_npm_the_message_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(live.LiveCodeUnavailable,
                       match=r"npm not found.*install Node\.js.*npm pack thebe@"):
        live.npm_tarball(live.THEBE, tmp_path)


def _config(thebe: bool = True) -> SimpleNamespace:
    return SimpleNamespace(html_theme_options={"launch_buttons": {"thebe": thebe}})


def test_an_offline_build_hides_live_code_and_says_why(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv(live.REQUIRE_ENV, raising=False)
    caplog.set_level(logging.INFO)
    app, config = SimpleNamespace(srcdir=str(tmp_path)), _config()
    live.prepare(app, config)
    assert "LEFT OUT" in caplog.text and "install Node.js" in caplog.text
    assert app.live_code_tarballs is None
    assert config.html_theme_options["launch_buttons"]["thebe"] is False


def test_ci_can_require_live_code(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv(live.REQUIRE_ENV, "1")
    with pytest.raises(ExtensionError, match=f"npm not found.*{live.REQUIRE_ENV}=1"):
        live.prepare(SimpleNamespace(srcdir=str(tmp_path)), _config())


def test_sphinx_thebe_assets_are_replaced():
    page = "<div>" + live.PAGE_CONFIG + "</div>"
    scripts = [SimpleNamespace(filename="_static/sphinx-thebe.js", attributes={}),
               SimpleNamespace(filename=None, attributes={"body": "const THEBE_JS_URL = 1"}),
               SimpleNamespace(filename="_static/other.js", attributes={})]
    css = [SimpleNamespace(filename="_static/sphinx-thebe.css", attributes={})]
    added = []
    app = SimpleNamespace(live_code_tarballs={"thebe": Path("t.tgz")},
                          add_js_file=lambda *a, **k: added.append((a, k)),
                          add_css_file=lambda *a, **k: added.append((a, k)))
    context = {"script_files": scripts, "css_files": css, "body": page,
               "pathto": lambda name, resource: f"../{name}"}
    live.replace_sphinx_thebe(app, "chapters/x", "page.html", context, None)
    assert [s.filename for s in context["script_files"]] == ["_static/other.js"]
    assert context["css_files"] == []
    settings = json.loads(added[0][1]["body"])
    assert settings["thebe"] == f"../_static/{live.THEBE.folder}/index.js"
    assert settings["integrity"] == live.THEBE_INDEX_SHA384
    assert [a[0] for a in added[1:]] == [("live-code.js",), ("live-code.css",)]


# ------------------------------------------------------------ the pages, live
def _check_sliders(page) -> list[str]:
    """Move x0, a and b by keyboard; each must change the figure. Returns what moved."""
    figure = page.locator(".cell img.widget-image").first

    def settled(before: bytes | None) -> bytes:
        # Live Code has no request log to wait on. Three key presses draw up
        # to three figures: wait for the first change, then until two polls
        # 250 ms apart agree, so the next slider starts from the last figure.
        deadline = time.monotonic() + FIGURE_UPDATE
        previous, now = None, figure_png(figure)
        while time.monotonic() < deadline and (now == before or now != previous):
            page.wait_for_timeout(250)
            previous, now = now, figure_png(figure)
        return now

    sliders = page.locator(".thebe-cell ~ * .widget-slider, .cell .widget-slider")
    return move_each_slider(page, sliders, figure, settled, FIGURE_UPDATE)


@pytest.mark.slow
@pytest.mark.parametrize("docname", pages_with_code())
def test_live_code_runs_every_cell_under_its_own_output(
        docname, book_url, jupyter_server, chromium_browser, axe_source, screenshots, capsys):
    visit = LivePage(chromium_browser, book_url, jupyter_server, screenshots, docname)
    try:
        page = visit.page
        shown = page.evaluate(PAGE_CELLS_JS)
        expected = [tags for tags in code_cells(docname) if not HIDDEN_CODE & set(tags)]
        assert [c["tags"] for c in shown] == expected, (
            f"{docname}: the page shows other code cells than the .md has (tags by cell)")

        started = time.perf_counter()
        session = visit.launch()
        assert visit.thebe_sha384 == live.THEBE_INDEX_SHA384, "the browser ran another Thebe"
        # The kernel starts in the page's folder, where the set-up cells expect it.
        folder = Path(session["path"]).parent if session["path"].endswith(".ipynb") \
            else Path(session["path"])
        assert Path(folder.as_posix().removeprefix("./")) == Path(docname).parent, session
        assert page.locator(".thebe-cell").count() == len(shown)
        # Open the folded solutions (sphinx-togglebutton), then the hidden
        # cells, as a reader does, to reach their buttons.
        closed = page.locator("div.admonition.toggle-hidden button.toggle-button")
        while closed.count():
            closed.first.click()
        folded = page.locator("div.cell details:not([open]) > summary")
        while folded.count():
            folded.first.click()
        for index in range(len(shown)):
            visit.run(index)
        seconds = time.perf_counter() - started

        cells = page.evaluate(LIVE_CELLS_JS)
        for number, (cell, before) in enumerate(zip(cells, shown, strict=True), start=1):
            where = f"{docname} cell {number} ({cell['source']})"
            assert cell["count"] is not None, f"{where} did not run"
            assert cell["inOwnCell"], f"{where}: its output is not under it"
            assert cell["otherAreas"] == 0, f"{where}: another cell's output is in it"
            for out in cell["outputs"]:
                assert out["type"] != "error", f"{where}: {out['error']}"
                assert out["name"] != "stderr", f"{where} wrote to stderr: {out['text'][:500]}"
            stdout = "".join(o["text"] for o in cell["outputs"] if o["name"] == "stdout")
            assert _normal(stdout) in _normal(cell["shown"]), f"{where}: stdout not shown"
            if before["output"]:
                assert cell["outputs"], f"{where}: the build had an output, the live run none"
            if before["stdout"]:
                # The build's output of this very cell, numbers aside: an
                # output shown under the wrong cell would not match.
                assert _shape(stdout) == _shape(before["stdout"]), (
                    f"{where}: prints other lines live than in the build")

        widgets = [n for n, c in enumerate(cells)
                   if any("application/vnd.jupyter.widget-view+json" in o["mimes"]
                          for o in c["outputs"])]
        moved = _check_sliders(page) if widgets else []
        if widgets:
            # A long page's full screenshot costs seconds: only where widgets are.
            visit.screenshot("live")

        # What Live Code changed: the cells and the status line (tests/test_a11y.py
        # checks the whole page as built).
        axe_started = time.perf_counter()
        visit.check_live_parts(axe_source)
        axe_seconds = time.perf_counter() - axe_started
        with capsys.disabled():
            print(f"\n  Live Code {docname}: {len(shown)} cells in {seconds:.1f} s "
                  f"(kernel start included), axe {axe_seconds:.1f} s"
                  + (f"; sliders: {'; '.join(moved)}" if moved else ""), end="")
    finally:
        visit.close()


def _type_into(page, index: int, code: str) -> None:
    """Replace live cell ``index``'s code by typing, as a student does."""
    editor = page.locator(".thebe-cell").nth(index).locator(".CodeMirror")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(code)


@pytest.mark.slow
def test_a_student_edits_a_cell_and_the_init_cells_run(book_url, jupyter_server, chromium_browser,
                                                        axe_source, screenshots, capsys):
    """In dark mode: the init cell, edits, LaTeX, restart and run all; axe on the result."""
    docname = pages_with_code()[0]
    # The page's first code cell tagged as the build would tag it.
    tag = "document.querySelector('div.cell').classList.add('tag_thebe-init');"
    visit = LivePage(chromium_browser, book_url, jupyter_server, screenshots, docname,
                     extra_init=tag, mode="dark")
    try:
        page = visit.page
        visit.launch()
        assert visit.cell_state(0)["count"] is not None, "the thebe-init cell did not run"
        last = page.locator(".thebe-cell").count() - 1
        cell = page.locator("div.cell").filter(has=page.locator(".thebe-cell")).nth(last)
        area = cell.locator(".jp-OutputArea")
        results = []
        for number in (6, 9):
            _type_into(page, last, f"n = {number}\nprint(n * 7)")
            before = visit.cell_state(last)["count"]
            page.keyboard.press("Shift+Enter")
            visit.wait_ran(last, before)
            results.append(area.inner_text().strip())
        assert results == [str(6 * 7), str(9 * 7)], results

        _type_into(page, last, "from IPython.display import Math\n"
                               r'Math(r"\frac{\partial \phi_k}{\partial a_k}")')
        before = visit.cell_state(last)["count"]
        page.keyboard.press("Shift+Enter")
        visit.wait_ran(last, before)
        area.locator("mjx-container").first.wait_for(timeout=FIGURE_UPDATE * 1000)
        assert area.locator("mjx-assistive-mml").count(), "no speakable MathML"
        visit.screenshot("edited", cell)

        # "restart": a fresh kernel, which no longer knows n. Shift+Enter pressed
        # while it restarts is held (it would go down the old kernel's socket).
        _type_into(page, last, 'print("n" in globals())')
        before = visit.cell_state(last)["count"]
        page.evaluate(KERNEL_LOG_JS)
        held = page.evaluate(RESTART_AND_RUN_JS, last)
        assert held == {"state": "restarting", "said": True}, held
        visit.wait_restarted()
        state = visit.cell_state(last)
        assert state["count"] == before and not state["busy"], f"ran while restarting: {state}"
        page.locator(".thebe-cell").nth(last).locator(".CodeMirror").click()
        page.keyboard.press("Shift+Enter")
        visit.wait_ran(last, before)
        assert area.inner_text().strip() == "False", "the restart kept the old kernel's names"

        # "run all": every cell of the page again, in order, without an error.
        counts = [visit.cell_state(i)["count"] for i in range(last + 1)]
        cell.locator(".thebe-runall-button").click()
        for index, count in enumerate(counts):
            visit.wait_ran(index, count)
        for number, live_cell in enumerate(page.evaluate(LIVE_CELLS_JS), start=1):
            errors = [o["error"] or o["text"] for o in live_cell["outputs"]
                      if o["type"] == "error" or o["name"] == "stderr"]
            assert not errors, f"run all, cell {number}: {errors}"

        # "restart & run all": a fresh kernel, then every cell again.
        counts = [visit.cell_state(i)["count"] for i in range(last + 1)]
        page.evaluate(KERNEL_LOG_JS)
        cell.locator(".thebe-restartall-button").click()
        visit.wait_restarted()
        for index, count in enumerate(counts):
            visit.wait_ran(index, count)
        assert area.inner_text().strip() == "False"
        visit.check_live_parts(axe_source)
        with capsys.disabled():
            print(f"\n  Live Code edits on {docname}: printed {results}, LaTeX typeset; "
                  "restart, run all, restart & run all work", end="")
    finally:
        visit.close()
