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
from the URL the Binder button opens, the next ones with JupyterLab's
``filebrowser:open-path`` command, each closed (its kernel shut down) before
the next, so that JupyterLab loads once rather than once per page (about 3 s
a page here). After a failure the next page starts a fresh tab.

Each page's Run All seconds (from the command to the last cell done, the kernel
already started) are printed and written to <build>/_build/jupyterlab_runall.json:
a measurement, not a timed test. Screenshots land in <build>/_build/screenshots/.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import platform
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_book import ROOT, source_file, toc_pages

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

#: State of the notebook in the current tab, read from JupyterLab's own models.
NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w) return null;
  const state = {
    classes: w.node.className,
    path: w.context ? w.context.path : null,
    dialog: !!document.querySelector('.jp-Dialog'),
  };
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
"""

#: The bytes of the figure's current PNG (an ipywidgets Image shows a blob URL).
FIGURE_BYTES_JS = """
async (img) => {
  const buffer = await (await fetch(img.src)).arrayBuffer();
  let binary = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}
"""

#: Scrolls the notebook to the first cell whose output is an ipywidget; its index.
SCROLL_TO_WIDGET_JS = """
async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
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
"""

#: Which slider is which, by its label (ipywidgets puts the description there).
SLIDERS = {"x0": ("x₀", "x0", "x_0"), "a": ("aₖ", "slope"), "b": ("bₖ", "bias")}


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
            self.page.evaluate("(path) => window.jupyterapp.commands"
                               ".execute('filebrowser:open-path', {path}).then(() => null)", path)
        return self.page

    def close_notebook(self) -> None:
        """Shut the page's kernel down and close it, unsaved (the server's copy is scratch)."""
        self.page.evaluate("""async () => {
          const widget = window.jupyterapp.shell.currentWidget;
          await widget.sessionContext.shutdown();
          widget.context.model.dirty = false;
          widget.dispose();
          return null;
        }""")

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


def _wait(page, predicate, timeout: float, what: str, interval: float = 0.1) -> dict:
    """Poll NOTEBOOK_STATE_JS until ``predicate(state)``; fail with the last state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = page.evaluate(NOTEBOOK_STATE_JS)
        if state and state.get("problems"):
            pytest.fail(f"{what}: the notebook shows errors or stderr:\n"
                        + "\n".join(state["problems"]))
        if state and predicate(state):
            return state
        if state and state.get("dialog"):
            # A kernel chooser for a page without kernel metadata: take the
            # default (Python 3), as a student clicking "Select" would.
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        time.sleep(interval)
    pytest.fail(f"{what}: not done within {timeout} s; last state: {state}")


def _figure_png(page, img) -> bytes:
    return base64.b64decode(page.evaluate(FIGURE_BYTES_JS, img.element_handle()))


def _settled_png(page, img, quiet: float = 1.0) -> bytes:
    """The figure once it has stopped changing for ``quiet`` seconds (late slider events)."""
    deadline = time.monotonic() + FIGURE_UPDATE
    png = _figure_png(page, img)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        later = _figure_png(page, img)
        if later == png:
            return png
        png = later
    pytest.fail(f"the figure kept changing for {FIGURE_UPDATE} s")


def _check_sliders(page, name: str) -> list[str]:
    """Move x0, a and b by keyboard; each must change the figure. Returns what moved."""
    # JupyterLab 4 renders only the cells near the viewport (windowing), and
    # Run All leaves the view at the end of the page: bring the widget's cell
    # into view first, as a student scrolls to it.
    index = page.evaluate(SCROLL_TO_WIDGET_JS)
    assert index >= 0, "no cell of the page has a widget output"
    sliders = page.locator(".jp-OutputArea .widget-slider")
    sliders.first.wait_for(state="visible", timeout=FIGURE_UPDATE * 1000)
    figure = page.locator(".jp-OutputArea img.widget-image").first
    figure.wait_for(state="visible", timeout=FIGURE_UPDATE * 1000)
    figure.scroll_into_view_if_needed()
    # JupyterLab typesets widget labels after rendering them: a label can be
    # empty for a moment, so wait until every slider has its text.
    deadline = time.monotonic() + FIGURE_UPDATE
    while True:
        labels = [sliders.nth(i).locator(".widget-label").inner_text().strip()
                  for i in range(sliders.count())]
        if all(labels) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    moved = []
    for key, marks in SLIDERS.items():
        index = next((i for i, label in enumerate(labels)
                      if any(mark in label for mark in marks)), None)
        assert index is not None, f"no slider for {key} among {labels}"
        slider = sliders.nth(index)
        readout = slider.locator(".widget-readout")
        before_value = readout.inner_text()
        # Compare against a figure that no earlier slider event can still change.
        before = _settled_png(page, figure)
        handle = slider.locator(".noUi-handle")
        handle.focus()
        # A student's keys; back off the upper end if the slider starts there.
        key_name = "ArrowLeft" if handle.get_attribute("aria-valuenow") == \
            handle.get_attribute("aria-valuemax") else "ArrowRight"
        for _ in range(3):
            page.keyboard.press(key_name)
        deadline = time.monotonic() + FIGURE_UPDATE
        after = before
        while time.monotonic() < deadline:
            time.sleep(0.2)
            after = _figure_png(page, figure)
            if after != before:
                break
        assert readout.inner_text() != before_value, f"{key}: the keys did not move the slider"
        assert after != before, f"{key}: the figure did not change within {FIGURE_UPDATE} s"
        assert after[:8] == b"\x89PNG\r\n\x1a\n", f"{key}: the figure is not a PNG"
        moved.append(f"{labels[index]}: {before_value} -> {readout.inner_text()} "
                     f"(png {hashlib.sha256(before).hexdigest()[:8]} -> "
                     f"{hashlib.sha256(after).hexdigest()[:8]})")
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}-{key}.png"))
    return moved


@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_in_jupyterlab(docname, lab_tab, runall_seconds, capsys):
    path = source_file(docname).relative_to(ROOT).as_posix()
    name = docname.replace("/", "-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page = lab_tab.open(path)
        state = _wait(page, lambda s: s.get("path") == path, PAGE_OPEN, f"{path} opens")
        assert "jp-NotebookPanel" in state["classes"], (
            f"{path} opened in {state['classes']!r}, not as a notebook: postBuild's default "
            "viewer (jupytext) was not applied"
        )
        assert "jp-FileEditor" not in state["classes"]
        state = _wait(page, lambda s: "code" in s, PAGE_OPEN, f"{path} notebook model")
        if state["code"]:
            _wait(page, lambda s: s["kernelReady"] and s["kernel"] == "idle",
                  KERNEL_READY, f"{path} kernel start")
        start = time.perf_counter()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        state = _wait(page, lambda s: s["counted"] == s["code"]
                      and (s["code"] == 0 or s["kernel"] == "idle"),
                      RUN_ALL, f"{path} Run All")
        seconds = time.perf_counter() - start
        runall_seconds[docname] = {"seconds": round(seconds, 2), "code_cells": state["code"]}
        with capsys.disabled():
            print(f"\n  JupyterLab Run All {docname}: {seconds:.2f} s "
                  f"({state['code']} code cells)", end="")
        page.screenshot(path=str(SCREENSHOTS / f"jupyterlab-{name}.png"), full_page=True)
        if docname == "chapters/interactive":
            moved = _check_sliders(page, name)
            with capsys.disabled():
                print("\n  sliders: " + "; ".join(moved), end="")
        # Free the kernel before the next page starts its own.
        lab_tab.close_notebook()
    except BaseException:
        # Whatever state the tab is in (a dialog, a stuck kernel), the next page
        # must not inherit it.
        lab_tab.discard()
        raise
