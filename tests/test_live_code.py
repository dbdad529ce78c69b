"""Live Code (Thebe) as the website ships it, against a local Binder-like Jupyter server.

The pages run the pinned Thebe and ``live-code.js`` unchanged; the test only
adds a Thebe config naming ``jupyter_server`` and blocks hosts other than
127.0.0.1. axe-core runs on what Live Code changed (tests/test_a11y.py: pages
as built). Without a browser: the pins and a build without npm.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import tarfile
import time
from pathlib import Path
from types import SimpleNamespace

import jupytext
import pytest
from binder_server import BinderServer, api
from book_site import ROOT, source_file, toc_pages
from sphinx.errors import ExtensionError

from browser_book import BLOCKING, DESKTOP, RUN_AXE_JS, WCAG_TAGS, book_page, move_each_slider
from jacobian_book import live_code as live
from jacobian_book import npm

PAGES = toc_pages()
KERNEL_READY, CELL_RUN, FIGURE_UPDATE = 120, 120, 30  # bounded waits (seconds)
#: The page where a student edits cells and uses every button (a short one).
EDIT_PAGE = "chapters/notation"

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
#: Thebe's cell behind a live cell's box (prefixed to the scripts below).
LIVE = "const live = (box) => thebe.notebook.getCellById(box.getAttribute('data-thebe-id'));"
#: One live cell's execution count and whether it is still running; its kernel's state.
CELL_STATE_JS = LIVE + """
const cell = live(document.querySelectorAll(".thebe-cell")[i]);
const kernel = window.thebe.session.kernel;
return { count: cell.executionCount, busy: cell.isBusy, kernel: kernel.status,
         socket: kernel.connectionStatus, log: window.kernelLog || null };
"""
#: Every live cell: its outputs (as the kernel sent them) and where they are shown.
LIVE_CELLS_JS = LIVE + """
return [...document.querySelectorAll(".thebe-cell")].map((box) => {
  const cell = live(box);
  const area = cell.area.node;
  const home = box.closest("div.cell");
  const text = (t) => (Array.isArray(t) ? t.join("") : t || "");
  return {
    count: cell.executionCount,
    outputs: cell.outputs.map((o) => ({
      type: o.output_type, name: o.name || null, text: text(o.text),
      mimes: Object.keys(o.data || {}), error: o.ename ? `${o.ename}: ${o.evalue}` : null,
    })),
    inOwnCell: home.contains(area)
      && !!(box.compareDocumentPosition(area) & Node.DOCUMENT_POSITION_FOLLOWING),
    otherAreas: [...home.querySelectorAll(".jp-OutputArea")]
      .filter((a) => a !== area && !area.contains(a)).length,
    shown: area.textContent,
    source: cell.source.split("\\n").slice(0, 2).join(" | "),
  };
});
"""
#: Arms a log of the status line's texts.
KERNEL_LOG_JS = """() => {
  const line = document.querySelector(".jb-live-status");
  window.kernelLog = [];
  new MutationObserver(() => window.kernelLog.push(line.textContent))
    .observe(line, { childList: true, characterData: true, subtree: true });
}"""
#: Click live cell i's restart button and, in the same task, press Shift+Enter in
#: its editor; what the page says right then.
RESTART_AND_RUN_JS = """
(i) => {
  const box = document.querySelectorAll(".thebe-cell")[i];
  box.closest("div.cell").querySelector(".thebe-restart-button").click();
  const input = box.querySelector(".CodeMirror textarea");
  input.focus();
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", code: "Enter",
    keyCode: 13, which: 13, shiftKey: true, bubbles: true, cancelable: true }));
  const status = document.querySelector(".jb-live-status").textContent;
  return { state: document.body.dataset.liveCode, said: status.includes("still restarting") };
}
"""


# ------------------------------------------------------------ the pages
def shown_cells(docname: str) -> list[list[str]]:
    """The tags of each code cell of a page's source that the page shows (in order)."""
    tagged = [cell.metadata.get("tags", []) for cell in jupytext.read(source_file(docname)).cells
              if cell.cell_type == "code"]
    return [list(tags) for tags in tagged if not {"remove-input", "remove-cell"} & set(tags)]


def _normal(text: str) -> str:
    """Text compared line by line, without trailing blanks or blank lines at the ends."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _shape(text: str) -> str:
    """What a cell prints, blind to its numbers (timings, memory) and to spacing."""
    return "\n".join(re.sub(r"\s+", " ", re.sub(r"\d+", "0", line)).strip()
                     for line in _normal(text).splitlines() if line.strip())


class LivePage:
    """One page of the site in a fresh browser context, Live Code pointed at the local server."""

    def __init__(self, browser, site_url: str, server: BinderServer, screenshots: Path,
                 docname: str, mode: str = "light") -> None:
        self.server, self.screenshots, self.docname = server, screenshots, docname
        self.before = {s["id"] for s in api(server, "/api/sessions")}
        fragment = json.dumps({"useBinder": False,
                               "serverSettings": {"baseUrl": server.base, "token": server.token}})
        # The test's one addition to the page: where the kernel comes from.
        config = ("document.addEventListener('DOMContentLoaded', () => {"
                  " const config = document.createElement('script');"
                  " config.type = 'text/x-thebe-config';"
                  f" config.textContent = {json.dumps(fragment)};"
                  " document.head.append(config); });")
        self.opened = contextlib.ExitStack()  # the context, closed by close()
        self.page, self.outside, self.problems = self.opened.enter_context(book_page(
            browser, f"{site_url}/{docname}.html", DESKTOP, mode, init=config))

    def launch(self) -> dict:
        """Click Live Code (the pinned Thebe loads); wait for the kernel; its session."""
        page = self.page
        page.locator(".dropdown-launch-buttons button.dropdown-toggle").click()
        thebe_js = f"/_static/{live.THEBE.folder}/index.js"
        with page.expect_response(lambda r: r.url.endswith(thebe_js)) as loaded:
            page.locator(".dropdown-launch-buttons .btn-launch-thebe").click()
        assert npm.sri(loaded.value.body()) == live.THEBE_INDEX_SHA384, "another Thebe ran"
        page.wait_for_function(
            "() => ['ready', 'failed'].includes(document.body.dataset.liveCode)",
            timeout=KERNEL_READY * 1000)
        assert page.evaluate("document.body.dataset.liveCode") == "ready", (
            f"{self.docname}: {page.locator('.jb-live-status').inner_text()}; {self.problems}; "
            f"blocked: {self.outside}")
        new = [s for s in api(self.server, "/api/sessions") if s["id"] not in self.before]
        assert len(new) == 1, f"{self.docname}: {len(new)} new kernel sessions"
        return new[0]

    def cell_state(self, index: int) -> dict:
        return self.page.evaluate(f"(i) => {{ {CELL_STATE_JS} }}", index)

    def live_cells(self) -> list[dict]:
        return self.page.evaluate(f"() => {{ {LIVE_CELLS_JS} }}")

    def wait_ran(self, index: int, before: int | None) -> None:
        """Wait until live cell ``index`` has a new execution count and is idle."""
        try:
            self.page.wait_for_function(
                f"([i, before]) => {{ const s = (() => {{ {CELL_STATE_JS} }})();"
                " return s.count !== null && s.count !== before && !s.busy; }",
                arg=[index, before], timeout=CELL_RUN * 1000)
        except Exception as error:
            name = f"thebe-{self.docname.replace('/', '-')}-stalled.png"
            self.page.screenshot(path=str(self.screenshots / name), full_page=True)
            raise AssertionError(f"{self.docname}: live cell {index + 1} not done after "
                                 f"{CELL_RUN} s; {self.cell_state(index)}; {self.problems}; "
                                 f"blocked: {self.outside}") from error

    def wait_restarted(self) -> None:
        """Wait until a restart is done, as the page says it (KERNEL_LOG_JS armed before)."""
        self.page.wait_for_function("() => document.body.dataset.liveCode !== 'restarting'",
                                    timeout=KERNEL_READY * 1000)
        state = self.page.evaluate("document.body.dataset.liveCode")
        status = self.page.locator(".jb-live-status").inner_text()
        assert state == "ready", f"{self.docname}: after a restart: {status}; {self.problems}"
        assert "the kernel is ready" in status, status
        said = self.page.evaluate("window.kernelLog")
        assert said and "restarting" in said[0] and not any("stopped" in s for s in said), said

    def edit(self, index: int, code: str | None = None, run: bool = True) -> None:
        """Type ``code`` into live cell ``index`` (if given), as a student does; Shift+Enter."""
        self.page.locator(".thebe-cell").nth(index).locator(".CodeMirror").click()
        if code is not None:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(code)
        if run:
            before = self.cell_state(index)["count"]
            self.page.keyboard.press("Shift+Enter")
            self.wait_ran(index, before)

    def close(self) -> None:
        self.opened.close()
        # The next page of the same folder would get this session (same path): end it.
        for session in api(self.server, "/api/sessions"):
            if session["id"] not in self.before:
                api(self.server, f"/api/sessions/{session['id']}", method="DELETE")


# ------------------------------------------------------------ the pins
# That the pins are the registry's: the cold build of `make test` in CI, whose .cache/npm is
# empty (the workflow caches only pip), fetches each tarball with `npm pack`, and npm_tarball
# refuses one that is not the pin (test_a_changed_tarball_is_refused).
@pytest.mark.slow
def test_site_serves_the_pinned_thebe(site):
    """The site's Thebe is the npm package's, byte for byte; no page loads another, nor
    sphinx-thebe's script, inline loader or style; a page with the button has the integration."""
    tarball = npm.npm_tarball(live.THEBE, npm.cache_folder(ROOT))
    with tarfile.open(tarball) as archive:
        npm_index = archive.extractfile("package/lib/index.js").read()
        npm_version = json.load(archive.extractfile("package/package.json"))["version"]
    assert (npm_version, npm.sri(npm_index)) == (live.THEBE.version, live.THEBE_INDEX_SHA384)
    assert (site / "_static" / live.THEBE.folder / "index.js").read_bytes() == npm_index
    for docname in PAGES:
        html = (site / f"{docname}.html").read_text(encoding="utf-8")
        for left in ("unpkg.com", "thebe@", "sphinx-thebe.js", "sphinx-thebe.css", "THEBE_JS_URL"):
            assert left not in html, f"{docname}: another Thebe's {left} is still there"
        if "btn-launch-thebe" in html:
            assert "live-code.js" in html and "live-code.css" in html, docname
            settings = re.search(r'id="jacobian-live-code"[^>]*>(.*?)</script>', html, re.S)
            assert settings, f"{docname}: a Live Code button but no Live Code settings"
            settings = json.loads(settings[1])
            assert settings["integrity"] == live.THEBE_INDEX_SHA384
            assert settings["thebe"].endswith(f"_static/{live.THEBE.folder}/index.js")


def test_a_changed_tarball_is_refused(tmp_path):
    (tmp_path / live.THEBE.tarball).write_bytes(b"not thebe")
    with pytest.raises(npm.PackageUnavailable, match="not the pinned"):
        npm.npm_tarball(live.THEBE, tmp_path)
    assert not (tmp_path / live.THEBE.tarball).exists()


def test_without_npm_a_build_hides_live_code_and_says_why(tmp_path, monkeypatch, caplog):
    """Without npm the build says what to install and leaves Live Code out, or fails if required."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(npm.PackageUnavailable,
                       match=r"npm not found.*install Node\.js.*npm pack thebe@"):
        npm.npm_tarball(live.THEBE, tmp_path)
    app = SimpleNamespace(srcdir=str(tmp_path))
    config = SimpleNamespace(html_theme_options={"launch_buttons": {"thebe": True}})
    monkeypatch.setenv(live.REQUIRE_ENV, "1")  # as `make test` and the publishing workflow
    with pytest.raises(ExtensionError, match=f"{live.REQUIRE_ENV}=1 makes a build without Live"):
        live.prepare(app, config)
    monkeypatch.delenv(live.REQUIRE_ENV)
    caplog.set_level(logging.INFO)
    live.prepare(app, config)
    assert "LEFT OUT" in caplog.text and "install Node.js" in caplog.text
    assert app.live_code_tarballs is None
    assert config.html_theme_options["launch_buttons"]["thebe"] is False


# ------------------------------------------------------------ the pages, live
#: The kinds of live output (MIME types) that axe-core has checked so far.
AXED_KINDS: set[str] = set()


@pytest.mark.slow
@pytest.mark.parametrize("docname", [page for page in PAGES if shown_cells(page)])
def test_live_code_runs_every_cell_under_its_own_output(
        docname, book_url, jupyter_server, chromium_browser, axe_source, screenshots, capsys):
    """Pinned Thebe; kernel in the page's folder; init cells ran; each cell, run by its
    button, ran under itself, clean, printing the build's lines; sliders move the
    figure; axe finds nothing serious in a new kind of output; no other host asked."""
    visit = LivePage(chromium_browser, book_url, jupyter_server, screenshots, docname,
                     mode="dark" if docname == EDIT_PAGE else "light")
    try:
        page = visit.page
        shown = page.evaluate(PAGE_CELLS_JS)
        assert [c["tags"] for c in shown] == shown_cells(docname), (
            f"{docname}: the page shows other code cells than the .md has (tags by cell)")

        started = time.perf_counter()
        session = visit.launch()
        ready = time.perf_counter() - started
        # The kernel starts in the page's folder, where the set-up cells expect it.
        folder = Path(session["path"]).parent if session["path"].endswith(".ipynb") \
            else Path(session["path"])
        assert Path(folder.as_posix().removeprefix("./")) == Path(docname).parent, session
        init = [i for i, cell in enumerate(shown) if "thebe-init" in cell["tags"]]
        assert init and all(visit.cell_state(i)["count"] is not None for i in init), (
            f"{docname}: the thebe-init cells {init} did not run by themselves")
        # Open the folded solutions, then the hidden cells, as a reader does.
        for closed in (page.locator("div.admonition.toggle-hidden button.toggle-button"),
                       page.locator("div.cell details:not([open]) > summary")):
            while closed.count():
                closed.first.click()
        for index in range(len(shown)):  # each by its run button, as a reader does
            before = visit.cell_state(index)["count"]
            page.locator(".thebe-cell").nth(index).locator(".thebe-run-button").click()
            visit.wait_ran(index, before)
        seconds = time.perf_counter() - started

        cells = visit.live_cells()
        for number, (cell, before) in enumerate(zip(cells, shown, strict=True), start=1):
            where = f"{docname} cell {number} ({cell['source']})"
            assert cell["inOwnCell"], f"{where}: its output is not under it"
            assert cell["otherAreas"] == 0, f"{where}: another cell's output is in it"
            for out in cell["outputs"]:
                assert out["type"] != "error", f"{where}: {out['error']}"
                assert out["name"] != "stderr", f"{where} wrote to stderr: {out['text'][:500]}"
            stdout = "".join(o["text"] for o in cell["outputs"] if o["name"] == "stdout")
            assert _normal(stdout) in _normal(cell["shown"]), f"{where}: stdout not shown"
            assert cell["outputs"] or not before["output"], (
                f"{where}: the build had an output, the live run none")
            # The build's output of this very cell, numbers aside: an output shown
            # under the wrong cell would not match.
            assert not before["stdout"] or _shape(stdout) == _shape(before["stdout"]), (
                f"{where}: prints other lines live than in the build")

        moved = []
        if any("application/vnd.jupyter.widget-view+json" in o["mimes"]
               for c in cells for o in c["outputs"]):
            moved = move_each_slider(page, page.locator(".cell .widget-slider"),
                                     page.locator(".cell img.widget-image").first,
                                     "window.thebe.session.kernel", FIGURE_UPDATE)
        if docname == EDIT_PAGE:
            moved = _student_edits(visit)
        kinds = {m for c in cells for o in c["outputs"] for m in o["mimes"] + [o["type"]]}
        if docname == EDIT_PAGE or kinds - AXED_KINDS:  # on what Live Code changed
            page.add_script_tag(content=axe_source)
            violations = page.evaluate(
                RUN_AXE_JS, [{"include": [["div.cell"], [".jb-live-status"]]}, WCAG_TAGS, None])
            blocking = [f"{v['id']} ({v['impact']}): {v['help']}; {n['target']}: {n['summary']}"
                        for v in violations if v["impact"] in BLOCKING for n in v["nodes"]]
            assert not blocking, f"{docname} after Live Code:\n" + "\n".join(blocking)
        AXED_KINDS.update(kinds)
        assert not visit.outside, f"requests to other hosts: {visit.outside}"
        assert not visit.problems, "\n".join(visit.problems)
        with capsys.disabled():
            print(f"\n  Live Code {docname}: Thebe, kernel and init cells {ready:.1f} s, "
                  f"{len(shown)} cells {seconds - ready:.1f} s"
                  + (f"; {'; '.join(moved)}" if moved else ""), end="")
    finally:
        visit.close()


def _run_all(visit: LivePage, cell, button: str) -> None:
    """Click a cell's "run all" or "restart & run all": every cell runs again, cleanly."""
    counts = [live_cell["count"] for live_cell in visit.live_cells()]
    visit.page.evaluate(KERNEL_LOG_JS)
    cell.locator(button).click()
    if "restart" in button:
        visit.wait_restarted()
    for index, count in enumerate(counts):
        visit.wait_ran(index, count)
    for number, live_cell in enumerate(visit.live_cells(), start=1):
        errors = [o["error"] or o["text"] for o in live_cell["outputs"]
                  if o["type"] == "error" or o["name"] == "stderr"]
        assert not errors, f"{button}, cell {number}: {errors}"


def _student_edits(visit: LivePage) -> list[str]:
    """Typed edits, LaTeX, restart, run all, restart & run all work; what they showed."""
    page = visit.page
    last = page.locator(".thebe-cell").count() - 1
    cell = page.locator("div.cell").filter(has=page.locator(".thebe-cell")).nth(last)
    area = cell.locator(".jp-OutputArea")
    results = []
    for number in (6, 9):
        visit.edit(last, f"n = {number}\nprint(n * 7)")
        results.append(area.inner_text().strip())
    assert results == [str(6 * 7), str(9 * 7)], results

    visit.edit(last, "from IPython.display import Math\n"
                     r'Math(r"\frac{\partial \phi_k}{\partial a_k}")')
    area.locator("mjx-container").first.wait_for(timeout=FIGURE_UPDATE * 1000)
    assert area.locator("mjx-assistive-mml").count(), "no speakable MathML"

    # "run all" (before a restart, so that every cell gets a count it never had).
    _run_all(visit, cell, ".thebe-runall-button")

    # "restart": a fresh kernel, which no longer knows n. Shift+Enter pressed
    # while it restarts is held (it would go down the old kernel's socket).
    visit.edit(last, 'print("n" in globals())', run=False)
    before = visit.cell_state(last)["count"]
    page.evaluate(KERNEL_LOG_JS)
    held = page.evaluate(RESTART_AND_RUN_JS, last)
    assert held == {"state": "restarting", "said": True}, held
    visit.wait_restarted()
    state = visit.cell_state(last)
    assert state["count"] == before and not state["busy"], f"ran while restarting: {state}"
    visit.edit(last)
    assert area.inner_text().strip() == "False", "the restart kept the old kernel's names"
    _run_all(visit, cell, ".thebe-restartall-button")
    assert area.inner_text().strip() == "False"
    return [f"edits printed {results}", "LaTeX typeset", "restart and run all work"]
