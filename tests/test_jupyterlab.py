"""Every page in JupyterLab, set up the way Binder (repo2docker) sets it up.

A student who clicks Binder gets JupyterLab from requirements.txt, after
``postBuild`` ran, opened at ``lab/tree/chapters/<page>.md``. Here the same:
the session's ``jupyter_server`` (tests/binder_server.py: empty Jupyter
folders, the project's postBuild run into them, ``jupyter lab`` on 127.0.0.1
with a token, serving a copy of the repository). For every page of _toc.yml,
headless Chromium opens the page in JupyterLab and the test checks that:

- JupyterLab opened it as a notebook (jupytext's viewer), not in the text editor;
- Run All runs every code cell (each gets an execution count, the kernel goes
  idle) with no error and nothing on stderr;
- on chapters/interactive, the ipywidgets sliders render, and moving each of
  x0, a and b with the keyboard changes the figure's PNG.

The pages share one browser tab, in a workspace of its own: the first opens
from the URL the Binder button opens, the next ones with the command that URL
runs (``filebrowser:open-path`` with ``dontShowBrowser``), each closed (its
kernel shut down) before the next, so that JupyterLab loads once rather than
once per page (about 3 s a page here). After a failure the next page starts a
fresh tab. The test finds a page's notebook by its path, never by which widget
has focus, and waits on conditions (the notebook's model, the kernel's replies),
not on time.

Each page's Run All seconds (from the command to the last cell done, the kernel
already started) are printed and written to <build>/_build/jupyterlab_runall.json:
a measurement, not a timed test. Screenshots land in <build>/_build/screenshots/.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_site import source_file, toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from widget_sliders import figure_png, move_each_slider

from browser_book import ROOT

pytestmark = pytest.mark.slow

PAGES = toc_pages()
BUILD_ROOT = Path(os.environ.get("JACOBIAN_BUILD_ROOT", ROOT)).resolve()
SCREENSHOTS = BUILD_ROOT / "_build" / "screenshots"
RUNALL_JSON = BUILD_ROOT / "_build" / "jupyterlab_runall.json"
GOAL_SECONDS = 5.0

#: Bounded waits (seconds).
PAGE_OPEN = 90
KERNEL_READY = 90
RUN_ALL = 600
FIGURE_UPDATE = 30

#: The main-area widget that shows ``path``, found by its path rather than by
#: ``shell.currentWidget``: the current widget is the one that last had focus,
#: and a page opened while focus is elsewhere (the file browser, a dialog) may
#: never become it.
FIND_JS = """
const find = (path) => Array.from(window.jupyterapp.shell.widgets('main'))
  .find((w) => w.context && w.context.path === path);
"""

#: State of the page's notebook, read from JupyterLab's own models.
NOTEBOOK_STATE_JS = """
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  FIND
  const w = find(path);
  const state = {dialog: !!document.querySelector('.jp-Dialog')};
  if (!w) return state;
  state.classes = w.node.className;
  state.path = w.context.path;
  if (!w.node.classList.contains('jp-NotebookPanel') || !w.content.model) return state;
  const cells = w.content.model.cells;
  state.code = 0; state.counted = 0; state.problems = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    state.code += 1;
    if (cell.executionCount !== null && cell.executionCount !== undefined) state.counted += 1;
    for (const out of cell.outputs.toJSON()) {
      if (out.output_type === 'error') {
        state.problems.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      } else if (out.output_type === 'stream' && out.name === 'stderr') {
        const text = Array.isArray(out.text) ? out.text.join('') : out.text;
        state.problems.push(`cell ${i} stderr: ${text.slice(0, 500)}`);
      }
    }
  }
  const ctx = w.sessionContext;
  state.kernelReady = !!(ctx && ctx.isReady);
  state.kernel = ctx && ctx.session && ctx.session.kernel ? ctx.session.kernel.status : null;
  return state;
}
""".replace("FIND", FIND_JS)

#: Counts the kernel's requests that are not done: every message the page
#: sends on the shell channel (an ipywidgets comm message when a slider moves)
#: is done when the kernel reports "idle" for it. Installed once per notebook.
TRACK_REQUESTS_JS = """
(path) => {
  FIND
  const kernel = find(path).sessionContext.session.kernel;
  if (window.__requests && window.__requests.kernel === kernel) return;
  const open = new Set();
  kernel.anyMessage.connect((_, {msg, direction}) => {
    if (direction === 'send' && msg.channel === 'shell') open.add(msg.header.msg_id);
    if (direction === 'recv' && msg.channel === 'iopub' && msg.header.msg_type === 'status'
        && msg.content.execution_state === 'idle') open.delete(msg.parent_header.msg_id);
  });
  window.__requests = {kernel, open};
}
""".replace("FIND", FIND_JS)

#: No request is waiting for the kernel, and the page has painted what came back.
REQUESTS_DONE_JS = "() => window.__requests.open.size === 0"
TWO_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

#: Every widget label of the page's sliders has its text (JupyterLab typesets
#: them after rendering, so one can be empty for a moment).
LABELS_READY_JS = """
() => {
  const labels = document.querySelectorAll('.jp-OutputArea .widget-slider .widget-label');
  return labels.length > 0 && Array.from(labels).every((l) => l.innerText.trim());
}
"""

#: Scrolls the notebook to the first cell whose output is an ipywidget; its index.
SCROLL_TO_WIDGET_JS = """
async (path) => {
  FIND
  const notebook = find(path).content;
  const cells = notebook.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    if (outputs.some((o) => o.data && o.data['application/vnd.jupyter.widget-view+json'])) {
      notebook.activeCellIndex = i;
      await notebook.scrollToItem(i, 'start');
      return i;
    }
  }
  return -1;
}
""".replace("FIND", FIND_JS)



class LabTab:
    """One JupyterLab tab for the module's pages; ``open(path)`` shows a page in it."""

    def __init__(self, browser, server) -> None:
        self.browser, self.server = browser, server
        self.context = self.page = None

    def open(self, path: str):
        """Open ``path`` as Binder's URL would (first time, or after a failure); the page."""
        if self.page is None:
            base, token, _home = self.server
            self.context = self.browser.new_context(viewport={"width": 1280, "height": 900})
            self.page = self.context.new_page()
            # A workspace of its own, so that no earlier layout is restored.
            workspace = f"test-{secrets.token_hex(4)}"
            self.page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?token={token}",
                           timeout=PAGE_OPEN * 1000)
        else:
            # The command and arguments of JupyterLab's own /tree/<path> route
            # (the Binder URL). Without dontShowBrowser the command also shows
            # the file browser, refreshes its listing and selects the file
            # there, which moves focus to the side bar while the notebook opens.
            # Not awaited: the command's promise may wait on what a dialog holds
            # up, and the page's state is polled (and any dialog answered) below.
            self.page.evaluate("(path) => { void window.jupyterapp.commands.execute("
                               "'filebrowser:open-path', {path, dontShowBrowser: true}); }",
                               path)
        return self.page

    def close_notebook(self, path: str) -> None:
        """Shut the page's kernel down and close it, unsaved (the server's copy is scratch)."""
        self.page.evaluate("""async (path) => {
          FIND
          const widget = find(path);
          await widget.sessionContext.shutdown();
          widget.context.model.dirty = false;
          widget.dispose();
          return null;
        }""".replace("FIND", FIND_JS), path)

    def discard(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None


@pytest.fixture(scope="module")
def lab_tab(chromium_browser, jupyter_server) -> Iterator[LabTab]:
    tab = LabTab(chromium_browser, jupyter_server)
    yield tab
    tab.discard()


@pytest.fixture(scope="module")
def runall_seconds() -> Iterator[dict[str, dict]]:
    """Collects each page's Run All time; written under _build/ at the end."""
    measured: dict[str, dict] = {}
    yield measured
    if not measured:
        return
    slow = sorted(page for page, row in measured.items() if row["seconds"] > GOAL_SECONDS)
    RUNALL_JSON.parent.mkdir(parents=True, exist_ok=True)
    RUNALL_JSON.write_text(json.dumps({
        "what": "Seconds from JupyterLab's Run All to the last code cell done, kernel "
                "already started; measured by tests/test_jupyterlab.py",
        "goal_seconds_per_page": GOAL_SECONDS,
        "over_goal": slow,
        # Other work on the machine slows every page alike: the load says how much.
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "pages": {page: measured[page] for page in PAGES if page in measured},
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _wait(page, path: str, predicate, timeout: float, what: str,
          interval: float = 0.1) -> dict:
    """Poll NOTEBOOK_STATE_JS until ``predicate(state)``; fail with the last state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE_JS, path)
        if state and state.get("problems"):
            pytest.fail(f"{what}: the notebook shows errors or stderr:\n"
                        + "\n".join(state["problems"]))
        if state and predicate(state):
            return state
        if state and state.get("dialog"):
            # Whatever dialog holds the page (a kernel chooser: every page names
            # its kernel, so none is expected), answer it as a student would:
            # its default button, else the one it has; it may close meanwhile.
            dialog = page.locator(".jp-Dialog").first
            button = dialog.locator(".jp-mod-accept")
            if not button.count():
                button = dialog.locator(".jp-Dialog-button")
            with contextlib.suppress(PlaywrightTimeout):
                button.first.click(timeout=5_000)
        time.sleep(interval)
    pytest.fail(f"{what}: not done within {timeout} s; last state: {state}\n"
                f"{_describe(page)}")


#: What JupyterLab shows, for a failure message.
DIAGNOSIS_JS = """
() => {
  const app = window.jupyterapp;
  if (!app) return {app: 'window.jupyterapp is not defined'};
  const describe = (w) => w ? {id: w.id, classes: w.node.className,
                               path: w.context ? w.context.path : null} : null;
  return {
    current: describe(app.shell.currentWidget),
    main: Array.from(app.shell.widgets('main')).map(describe),
    dialogs: Array.from(document.querySelectorAll('.jp-Dialog'))
      .map((d) => d.innerText.slice(0, 300)),
    activeElement: document.activeElement ? document.activeElement.className : null,
  };
}
"""


def _describe(page) -> str:
    """The URL, JupyterLab's widgets and dialogs, and a screenshot's path."""
    shot = SCREENSHOTS / f"jupyterlab-failure-{secrets.token_hex(3)}.png"
    try:
        shown = page.evaluate(DIAGNOSIS_JS)
        page.screenshot(path=str(shot))
    except Exception as exc:  # the page itself may be what failed
        shown, shot = f"(could not read the page: {exc!r})", "(none)"
    return f"page url: {page.url}\nJupyterLab shows: {shown}\nscreenshot: {shot}"


def _check_sliders(page, path: str, name: str) -> list[str]:
    """Move x0, a and b by keyboard; each must change the figure. Returns what moved."""
    page.evaluate(TRACK_REQUESTS_JS, path)
    # JupyterLab 4 renders only the cells near the viewport (windowing), and
    # Run All leaves the view at the end of the page: bring the widget's cell
    # into view first, as a student scrolls to it.
    index = page.evaluate(SCROLL_TO_WIDGET_JS, path)
    assert index >= 0, "no cell of the page has a widget output"
    figure = page.locator(".jp-OutputArea img.widget-image").first
    figure.wait_for(state="visible", timeout=FIGURE_UPDATE * 1000)
    figure.scroll_into_view_if_needed()
    page.wait_for_function(LABELS_READY_JS, timeout=FIGURE_UPDATE * 1000)

    def settled(_before: bytes | None) -> bytes:
        # The keys' comm messages are sent as the slider moves; once the
        # kernel has answered them all, the figure is the slider's.
        try:
            page.wait_for_function(REQUESTS_DONE_JS, timeout=FIGURE_UPDATE * 1000)
        except PlaywrightTimeout:
            pytest.fail(f"the kernel still had requests open after {FIGURE_UPDATE} s\n"
                        f"{_describe(page)}")
        page.evaluate(TWO_FRAMES_JS)
        return figure_png(figure)

    return move_each_slider(
        page, page.locator(".jp-OutputArea .widget-slider"), figure, settled, FIGURE_UPDATE,
        lambda key: page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}-{key}.png")))


@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_in_jupyterlab(docname, lab_tab, runall_seconds, capsys):
    path = source_file(docname).relative_to(ROOT).as_posix()
    name = docname.replace("/", "-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page = lab_tab.open(path)
        state = _wait(page, path, lambda s: s.get("path") == path, PAGE_OPEN, f"{path} opens")
        assert "jp-NotebookPanel" in state["classes"], (
            f"{path} opened in {state['classes']!r}, not as a notebook: postBuild's default "
            "viewer (jupytext) was not applied"
        )
        assert "jp-FileEditor" not in state["classes"]
        state = _wait(page, path, lambda s: "code" in s, PAGE_OPEN, f"{path} notebook model")
        if state["code"]:
            _wait(page, path, lambda s: s["kernelReady"] and s["kernel"] == "idle",
                  KERNEL_READY, f"{path} kernel start")
        start = time.perf_counter()
        # Run All on this notebook by its id (the command's semanticWidget
        # argument), which also activates it, whichever widget had focus.
        page.evaluate(f"(path) => {{ {FIND_JS} window.jupyterapp.commands.execute("
                      "'notebook:run-all-cells', {semanticWidget: find(path).id}); }", path)
        state = _wait(page, path, lambda s: s["counted"] == s["code"]
                      and (s["code"] == 0 or s["kernel"] == "idle"),
                      RUN_ALL, f"{path} Run All")
        seconds = time.perf_counter() - start
        runall_seconds[docname] = {"seconds": round(seconds, 2), "code_cells": state["code"]}
        with capsys.disabled():
            print(f"\n  JupyterLab Run All {docname}: {seconds:.2f} s "
                  f"({state['code']} code cells)", end="")
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}.png"), full_page=True)
        if docname == "chapters/interactive":
            moved = _check_sliders(page, path, name)
            with capsys.disabled():
                print("\n  sliders: " + "; ".join(moved), end="")
        # Free the kernel before the next page starts its own.
        lab_tab.close_notebook(path)
    except BaseException:
        # Whatever state the tab is in (a dialog, a stuck kernel), the next page
        # must not inherit it.
        lab_tab.discard()
        raise
