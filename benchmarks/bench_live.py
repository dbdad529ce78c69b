"""Time one move of the live explorer in a browser, beside a to_jshtml frame change.

Run from the repository root::

    .venv/bin/python benchmarks/bench_live.py --json benchmarks/live_results.json
    .venv/bin/python benchmarks/bench_live.py --html _build/html   # on the built book page
    .venv/bin/python benchmarks/bench_live.py --quick               # smoke test

What is measured, in headless Chromium (Debian's /usr/bin/chromium, software
rendering), from a control's input to the second animation frame after it
(``requestAnimationFrame`` twice: the first frame runs the page's pending
work and paints, the second starts once that paint is done):

* **explorer, x0**: the x0 slider of ``live_explorer`` (code/live_explorer.py)
  moves one day; every unit's curves, markers and tangents are recomputed by
  the JavaScript twin and all four Bokeh panels redraw;
* **explorer, b**: the selected unit's bias moves; one unit is recomputed;
* **to_jshtml**: the slider of a ``jacobian_plots.scrubber`` animation (the
  page's former figure) moves one frame: the browser swaps a pre-rendered PNG;
* **empty**: two animation frames with nothing to do, the floor of this
  measure (at 60 Hz about 33 ms: two frames are waited for).

The three run in one browser, in two tabs, interleaved move by move so a
busy machine slows all of them alike. Reported: medians and 10th/90th
percentiles in ms, and the median minus the empty floor. The ipywidgets
path in JupyterLab (a kernel renders a PNG per move) is measured by
benchmarks/bench_slider.py; its committed numbers are copied into the JSON
for the page that compares them.

By default the explorer is timed on a minimal page (the explorer's HTML and
BokehJS from the installed wheel); ``--html`` times it on the built book's
page instead, with the theme's CSS and the whole chapter around it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import http.server
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `code` is a standard-library module name, so code/ itself goes on the path.
for folder in (ROOT / "code", ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

EXPLORER_PAGE = "chapters/interactive.html"

# Two animation frames after an action: the page has then painted its result.
_TWO_FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

MOVE_EXPLORER_JS = f"""
async ([name, value]) => {{
  await {_TWO_FRAMES};
  const model = Bokeh.documents[0].get_model_by_name(name);
  const t0 = performance.now();
  model.value = value;
  await {_TWO_FRAMES};
  return performance.now() - t0;
}}
"""

MOVE_SCRUBBER_JS = f"""
async (frame) => {{
  await {_TWO_FRAMES};
  const slider = document.querySelector("div.animation input[type=range]");
  const t0 = performance.now();
  slider.value = frame;
  slider.dispatchEvent(new Event("input", {{bubbles: true}}));
  await {_TWO_FRAMES};
  return performance.now() - t0;
}}
"""

EMPTY_JS = f"""
async () => {{
  await {_TWO_FRAMES};
  const t0 = performance.now();
  await {_TWO_FRAMES};
  return performance.now() - t0;
}}
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(directory: Path):
    handler = functools.partial(_Quiet, directory=os.fspath(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _page(body: str, scripts: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>bench</title>{scripts}</head>"
        f'<body style="max-width:52rem;margin:auto">{body}</body></html>'
    )


def make_pages(folder: Path) -> None:
    """The minimal explorer page (with BokehJS from the wheel) and a scrubber page."""
    import numpy as np

    import jacobian_plots as jp
    import live_explorer as lx

    sys.path.insert(0, str(ROOT / "_ext"))
    import bokeh_static

    for name in bokeh_static.BUNDLES:
        shutil.copyfile(bokeh_static.bokeh_js_dir() / name, folder / name)
    scripts = "".join(f'<script defer src="{n}"></script>' for n in bokeh_static.BUNDLES)
    explorer = lx.live_explorer(kernel_widgets=False).html()
    (folder / "explorer.html").write_text(_page(explorer, scripts), encoding="utf-8")
    # The page's former x0 animation: the same size and frame count.
    scrubber = jp.scrubber("x0", x0=jp.DEFAULT_X0, a=np.array(jp.DEFAULT_A),
                           b=np.array(jp.DEFAULT_B), layout="column", figsize=(3.4, 7.4))
    (folder / "scrubber.html").write_text(_page(scrubber), encoding="utf-8")


def _summary(times: list[float], floor: float | None = None) -> dict[str, Any]:
    times = sorted(times)
    deciles = statistics.quantiles(times, n=10) if len(times) >= 2 else [times[0]] * 9
    out = {"median_ms": round(statistics.median(times), 2), "p10_ms": round(deciles[0], 2),
           "p90_ms": round(deciles[-1], 2), "n": len(times)}
    if floor is not None:
        out["median_above_empty_ms"] = round(out["median_ms"] - floor, 2)
    return out


def run(moves: int, html: Path | None) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from browser_book import CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="bench_live_") as tmp:
        folder = Path(tmp)
        make_pages(folder)
        with contextlib.ExitStack() as stack:
            local = stack.enter_context(_serve(folder))
            if html is not None:
                book = stack.enter_context(_serve(html))
                explorer_url = f"{book}/{EXPLORER_PAGE}"
            else:
                explorer_url = f"{local}/explorer.html"
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            stack.callback(browser.close)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            # Offline, as the book is read: nothing from another host.
            context.route("**/*", lambda route: route.continue_()
                          if "127.0.0.1" in route.request.url else route.abort())
            explorer = context.new_page()
            explorer.goto(explorer_url)
            explorer.wait_for_function(
                "window.Bokeh && Bokeh.documents.length > 0"
                " && Bokeh.documents[0].get_model_by_name('x0') !== null")
            explorer.locator(".jacobian-live").scroll_into_view_if_needed()
            scrubber = context.new_page()
            scrubber.goto(f"{local}/scrubber.html")
            scrubber.locator("div.animation").scroll_into_view_if_needed()
            n_frames = int(scrubber.locator("div.animation input[type=range]")
                           .get_attribute("max")) + 1
            # Warm-up: first paints, JIT, image decoding.
            for i in range(3):
                explorer.evaluate(MOVE_EXPLORER_JS, ["x0", 140 + i])
                scrubber.evaluate(MOVE_SCRUBBER_JS, i % n_frames)
            times: dict[str, list[float]] = {"explorer_x0": [], "explorer_b": [],
                                              "to_jshtml": [], "empty": []}
            for i in range(moves):
                # Bring each tab to the front before timing it: a background tab
                # gets no animation frames.
                explorer.bring_to_front()
                times["explorer_x0"].append(
                    explorer.evaluate(MOVE_EXPLORER_JS, ["x0", 100 + 7 * i % 200]))
                times["explorer_b"].append(
                    explorer.evaluate(MOVE_EXPLORER_JS, ["b", -5.0 - (7 * i % 100)]))
                times["empty"].append(explorer.evaluate(EMPTY_JS))
                scrubber.bring_to_front()
                times["to_jshtml"].append(scrubber.evaluate(MOVE_SCRUBBER_JS, (i + 5) % n_frames))
    floor = statistics.median(times["empty"])
    return {
        "empty": _summary(times["empty"]),
        "explorer_x0": _summary(times["explorer_x0"], floor),
        "explorer_b": _summary(times["explorer_b"], floor),
        "to_jshtml": _summary(times["to_jshtml"], floor),
        "explorer_page": "book" if html is not None else "minimal",
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=21, help="moves of each kind (>= 15)")
    parser.add_argument("--html", type=Path, help="a built book's _build/html to time instead")
    parser.add_argument("--quick", action="store_true", help="3 moves: a smoke test")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    moves = 3 if args.quick else max(15, args.moves)
    result = run(moves, args.html)
    try:
        load = round(os.getloadavg()[0], 2)
    except OSError:
        load = None
    slider = json.loads((HERE / "slider_results.json").read_text(encoding="utf-8"))
    out = {
        "benchmark": "live explorer move vs to_jshtml frame (input -> second animation frame)",
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpu_count": os.cpu_count(), "load_average_1min": load,
                    "browser": "Debian chromium, headless, software rendering"},
        "moves": moves,
        **result,
        "goal_ms": 50.0,
        "meets_goal": result["explorer_x0"]["median_ms"] <= 50.0,
        # The kernel path, from benchmarks/bench_slider.py (not re-run here).
        "ipywidgets_kernel_side": {k: slider["display"][k] for k in ("image", "output", "note")},
        "ipywidgets_browser": slider.get("display_browser"),
    }
    text = json.dumps(out, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return out


if __name__ == "__main__":
    main()
