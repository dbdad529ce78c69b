"""Every page opened in JupyterLab as Binder sets it up (``jupyter_server``), and Run All.

Chromium opens ``lab/tree/<page>.md``, the Binder button's URL (later pages by
that route's command in the same tab, so that JupyterLab loads once). The page
must open as a notebook (postBuild's jupytext viewer), Run All must count every
code cell with no error or stderr, and on chapters/interactive the x0, a and b
sliders must move the figure; no request may leave 127.0.0.1. Run All seconds go to
_build/jupyterlab_runall.json.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from binder_server import BinderServer, api
from book_site import ROOT, source_file, toc_pages
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from browser_book import DESKTOP, move_each_slider, open_context

pytestmark = pytest.mark.slow

PAGES = toc_pages()
PAGE_OPEN, KERNEL_READY, RUN_ALL, FIGURE_UPDATE = 90, 90, 600, 30  # bounded waits (seconds)

#: The main-area widget that shows ``path``, by its path: ``shell.currentWidget``
#: is the one that last had focus, which a page opened meanwhile may never get.
FIND_JS = """const find = (path) => Array.from(window.jupyterapp.shell.widgets('main'))
  .find((w) => w.context && w.context.path === path);"""
#: State of the page's notebook, read from JupyterLab's own models.
NOTEBOOK_STATE_JS = """(path) => {
  if (!window.jupyterapp) return null;
  FIND
  const w = find(path);
  const state = {dialog: !!document.querySelector('.jp-Dialog')};
  if (!w) return state;
  Object.assign(state, {classes: w.node.className, path: w.context.path});
  if (!w.node.classList.contains('jp-NotebookPanel') || !w.content.model) return state;
  Object.assign(state, {code: 0, counted: 0, problems: []});
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    state.code += 1;
    if (cell.executionCount !== null && cell.executionCount !== undefined) state.counted += 1;
    for (const out of cell.outputs.toJSON()) {
      const text = Array.isArray(out.text) ? out.text.join('') : out.text;
      if (out.ename) state.problems.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      if (out.name === 'stderr') state.problems.push(`cell ${i} stderr: ${text.slice(0, 500)}`);
    }
  }
  const ctx = w.sessionContext;
  return Object.assign(state, {kernelReady: !!ctx?.isReady,
                               kernel: ctx?.session?.kernel?.status ?? null});
}""".replace("FIND", FIND_JS)
#: Every slider label has its text (JupyterLab typesets them after rendering).
LABELS_READY_JS = """() => {
  const labels = document.querySelectorAll('.jp-OutputArea .widget-slider .widget-label');
  return labels.length > 0 && Array.from(labels).every((l) => l.innerText.trim());
}"""
#: Scrolls the notebook to the first cell whose output is an ipywidget; its index.
SCROLL_TO_WIDGET_JS = """async (path) => {
  FIND
  const notebook = find(path).content;
  const cells = notebook.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const outputs = cells.get(i).type === 'code' ? cells.get(i).outputs.toJSON() : [];
    if (outputs.some((o) => o.data && o.data['application/vnd.jupyter.widget-view+json'])) {
      notebook.activeCellIndex = i;
      await notebook.scrollToItem(i, 'start');
      return i;
    }
  }
  return -1;
}""".replace("FIND", FIND_JS)


class LabTab:
    """One JupyterLab tab for the module's pages; ``open(path)`` shows a page in it."""

    def __init__(self, browser, server: BinderServer, screenshots: Path) -> None:
        self.browser, self.server, self.screenshots = browser, server, screenshots
        self.context = self.page = self.starting = None
        self.outside: list[str] = []  # requests to other hosts, blocked
        self.seconds: dict[str, dict] = {}  # Run All, per page

    def open(self, path: str):
        """Show ``path``; by Binder's URL the first time (or after a failure). The page."""
        if self.starting is not None:
            self.starting.join()  # two sessions of one path must not start at once
        if self.page is None:
            self.context, self.outside = open_context(self.browser, DESKTOP)
            self.page = self.context.new_page()
            # A workspace of its own, so that no earlier layout is restored.
            self.page.goto(f"{self.server.base}/lab/workspaces/test-{secrets.token_hex(4)}/tree/"
                           f"{path}?token={self.server.token}", timeout=PAGE_OPEN * 1000)
        else:
            # What the /tree/<path> route (the Binder URL) runs; without dontShowBrowser
            # the file browser would take the focus. Not awaited: _wait answers dialogs.
            self.page.evaluate("(path) => { void window.jupyterapp.commands.execute("
                               "'filebrowser:open-path', {path, dontShowBrowser: true}); }",
                               path)
        return self.page

    def start_kernel(self, path: str) -> None:
        """Start ``path``'s kernel now, in the background: JupyterLab opening it joins it."""
        session = {"path": path, "type": "notebook", "name": Path(path).name,
                   "kernel": {"name": "python3"}}
        self.starting = threading.Thread(target=api, args=(self.server, "/api/sessions",
                                                           "POST", session))
        self.starting.start()

    def close_notebook(self, path: str) -> None:
        """Shut the page's kernel down and close it, unsaved (the server's copy is scratch)."""
        self.page.evaluate(f"""async (path) => {{ {FIND_JS}
          const widget = find(path);
          await widget.sessionContext.shutdown();
          widget.context.model.dirty = false;
          widget.dispose();
        }}""", path)

    def discard(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None

    def wait(self, path: str, predicate, timeout: float, what: str) -> dict:
        """Poll NOTEBOOK_STATE_JS until ``predicate(state)``; fail with the last state."""
        page, deadline, state = self.page, time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            state = page.evaluate(NOTEBOOK_STATE_JS, path)
            if state and state.get("problems"):
                pytest.fail(f"{what}: the notebook shows errors or stderr:\n"
                            + "\n".join(state["problems"]))
            if state and predicate(state):
                return state
            if state and state.get("dialog"):
                # None is expected (every page names its kernel); answer it as a student
                # would: its default button, else the one it has; it may close meanwhile.
                dialog = page.locator(".jp-Dialog").first
                button = dialog.locator(".jp-mod-accept")
                button = button if button.count() else dialog.locator(".jp-Dialog-button")
                with contextlib.suppress(PlaywrightTimeout):
                    button.first.click(timeout=5_000)
            page.wait_for_timeout(100)  # the next poll of the condition
        shot = self.screenshots / f"jupyterlab-failure-{secrets.token_hex(3)}.png"
        with contextlib.suppress(Exception):  # the page itself may be what failed
            page.screenshot(path=str(shot))
        pytest.fail(f"{what}: not done within {timeout} s; last state: {state}\n"
                    f"page url: {page.url}; screenshot: {shot}")


@pytest.fixture(scope="module")
def lab_tab(chromium_browser, jupyter_server, screenshots) -> Iterator[LabTab]:
    """The tab; at the end each page's Run All seconds go to _build/jupyterlab_runall.json."""
    tab = LabTab(chromium_browser, jupyter_server, screenshots)
    yield tab
    tab.discard()
    (screenshots.parent / "jupyterlab_runall.json").write_text(json.dumps({
        "what": "Seconds from JupyterLab's Run All to the last code cell done, kernel "
                "already started; measured by tests/test_jupyterlab.py",
        # Other work on the machine slows every page alike: the load says how much.
        "load_average_1min_at_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "pages": tab.seconds}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.parametrize("docname", PAGES)
def test_page_runs_in_jupyterlab(docname, lab_tab, capsys):
    path = source_file(docname).relative_to(ROOT).as_posix()
    following = PAGES[PAGES.index(docname) + 1:]
    try:
        page = lab_tab.open(path)
        state = lab_tab.wait(path, lambda s: s.get("path") == path, PAGE_OPEN, f"{path} opens")
        assert "jp-NotebookPanel" in state["classes"], (
            f"{path} opened in {state['classes']!r}, not as a notebook: postBuild's default "
            "viewer (jupytext) was not applied")
        state = lab_tab.wait(path, lambda s: "code" in s, PAGE_OPEN, f"{path} notebook model")
        if state["code"]:
            lab_tab.wait(path, lambda s: s["kernelReady"] and s["kernel"] == "idle",
                         KERNEL_READY, f"{path} kernel start")
        if following:  # the next page's kernel starts while this page runs
            lab_tab.start_kernel(source_file(following[0]).relative_to(ROOT).as_posix())
        start = time.perf_counter()
        # Run All on this notebook by its id, which also activates it, whatever had focus.
        page.evaluate(f"(path) => {{ {FIND_JS} window.jupyterapp.commands.execute("
                      "'notebook:run-all-cells', {semanticWidget: find(path).id}); }", path)
        state = lab_tab.wait(path, lambda s: s["counted"] == s["code"] and (
            s["code"] == 0 or s["kernel"] == "idle"), RUN_ALL, f"{path} Run All")
        seconds = time.perf_counter() - start
        lab_tab.seconds[docname] = {"seconds": round(seconds, 2), "code_cells": state["code"]}
        moved = []
        if docname == "chapters/interactive":  # x0, a and b, each by keys, move the figure
            # JupyterLab renders only the cells near the view (windowing), and Run All
            # leaves it at the end of the page: scroll to the widget, as a student does.
            assert page.evaluate(SCROLL_TO_WIDGET_JS, path) >= 0, "no cell has a widget output"
            figure = page.locator(".jp-OutputArea img.widget-image").first
            figure.wait_for(state="visible", timeout=FIGURE_UPDATE * 1000)
            figure.scroll_into_view_if_needed()
            page.wait_for_function(LABELS_READY_JS, timeout=FIGURE_UPDATE * 1000)
            kernel = f"(() => {{ {FIND_JS} return find({json.dumps(path)}); }})()"
            moved = move_each_slider(page, page.locator(".jp-OutputArea .widget-slider"), figure,
                                     kernel + ".sessionContext.session.kernel", FIGURE_UPDATE)
        with capsys.disabled():
            print(f"\n  JupyterLab Run All {docname}: {seconds:.2f} s ({state['code']} code "
                  "cells)" + (f"; {'; '.join(moved)}" if moved else ""), end="")
        lab_tab.close_notebook(path)  # its kernel too, before the next page's
        assert not lab_tab.outside, f"{path}: requests to other hosts: {lab_tab.outside}"
    except BaseException:
        lab_tab.discard()  # a dialog or a stuck kernel must not hold up the next page
        raise
