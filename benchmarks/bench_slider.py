"""Time one slider step of the interactive figure against a naive full redraw.

Run from the repository root::

    .venv/bin/python benchmarks/bench_slider.py                       # full, ~1 min
    .venv/bin/python benchmarks/bench_slider.py --json benchmarks/slider_results.json
    .venv/bin/python benchmarks/bench_slider.py --quick               # smoke test, seconds

What is compared (``code/sliders.py``)
---------------------------------------
* **slider step**: ``FourPanelPlot.update(...)`` and ``render_png()``: the
  existing artists move, the static background is restored from a cache, the
  moving artists are drawn on top and the pixels are encoded as PNG
  (zlib level 1), at the figure's own size and dpi;
* **naive redraw**: :func:`naive_figure` (below): a new figure, four subplots,
  titles, labels, legends, constrained layout, ``savefig`` to PNG, same size
  and dpi.

Both run in this one process. Warm-up calls come first (font caches, mathtext
parses, the first background). Then, in each round, both run once on the same
parameters, in an order that alternates between rounds, so slow drifts of the
shared machine hit both alike. Reported: medians (and 10th/90th percentiles)
in milliseconds and the median over rounds of the per-round ratio
step / naive. Three kinds of step are timed: ``x0`` (every curve moves),
``a`` and ``b`` (one unit moves).

Display path (optional, needs ipykernel): in a real kernel, the two ways of
showing a frame in ipywidgets, an ``Image`` widget fed PNG bytes
(``sliders.KernelExplorer``) and an ``Output`` widget with ``clear_output(wait=True)``
+ ``display`` (:class:`OutputExplorer`, below), are timed the same way
(kernel side: render, serialise, send; the browser's part is not measured).
``--quick`` skips it.

Browser path (optional, ``--browser``): the same two explorers in a real
JupyterLab driven by headless Chromium (Playwright, ``/usr/bin/chromium``):
the time from a key press on the x0 slider to a new image on the screen,
interleaved, medians. This includes the browser's decoding and layout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `code` is a standard-library module name, so code/ itself goes on the path.
if str(ROOT / "code") not in sys.path:
    sys.path.insert(0, str(ROOT / "code"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import panels  # noqa: E402
import sliders  # noqa: E402
import static_figure as sf  # noqa: E402
import tanh_basis as tb  # noqa: E402
from style import use_book_style  # noqa: E402

TARGET_RATIO = 0.5
FIGSIZE = (8.0, 6.0)
DPI = 100.0


# ------------------------------------------------------------------ helpers
def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import PIL

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "pillow": PIL.__version__,
    }


def summary(times_s: list[float]) -> dict[str, float]:
    """Median and 10th/90th percentiles, in milliseconds."""
    ms = np.asarray(times_s) * 1e3
    return {
        "median_ms": round(float(np.median(ms)), 2),
        "p10_ms": round(float(np.percentile(ms, 10)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "n": len(times_s),
    }


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------- baselines
def naive_figure(
    x0: float = panels.DEFAULT_X0,
    a: Any = panels.DEFAULT_A,
    b: Any = panels.DEFAULT_B,
    *,
    figsize: tuple[float, float] = FIGSIZE,
    dpi: float = DPI,
    n_grid: int = 1001,
) -> bytes:
    """One slider step done the naive way: a new 2 x 2 figure, drawn whole, as PNG.

    Curves, markers, titles and legends, the constrained layout and ``savefig``
    at the size and dpi of the slider figure. Not registered with pyplot.
    """
    a_arr, b_arr = panels.parameters(a, b)
    a_grid = np.linspace(*panels.A_RANGE, n_grid)
    b_grid = np.linspace(*panels.B_RANGE, n_grid)
    with matplotlib.rc_context():
        use_book_style()
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axs = fig.subplots(2, 2)
        for k in range(a_arr.size):
            a_k, b_k = a_arr[k], b_arr[k]
            c = panels.UNIT_COLOURS[k]
            label = rf"$k={k + 1}$"
            axs[0, 0].plot(a_grid, tb.tanh_unit(x0, a_grid, b_k), color=c, label=label)
            axs[1, 0].plot(a_grid, tb.tanh_unit_dslope(x0, a_grid, b_k), color=c, label=label)
            axs[0, 1].plot(b_grid, tb.tanh_unit(x0, a_k, b_grid), color=c, label=label)
            axs[1, 1].plot(b_grid, tb.tanh_unit_dbias(x0, a_k, b_grid), color=c, label=label)
            axs[0, 0].plot([a_k], [tb.tanh_unit(x0, a_k, b_k)], "o", color=c)
            axs[1, 0].plot([a_k], [tb.tanh_unit_dslope(x0, a_k, b_k)], "o", color=c)
            axs[0, 1].plot([b_k], [tb.tanh_unit(x0, a_k, b_k)], "o", color=c)
            axs[1, 1].plot([b_k], [tb.tanh_unit_dbias(x0, a_k, b_k)], "o", color=c)
        for axis, name in zip(axs.T.ravel(), panels.PANELS, strict=True):
            axis.set_title(panels.TITLES[name])
            # A fixed place: loc="best" would search the 1001-point curves and
            # add about half again to the time, and a baseline should be fair.
            axis.legend(loc="upper left")
        fig.suptitle(sf.x0_label(x0))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


class OutputExplorer(sliders.KernelExplorer):
    """The sliders with each frame shown through an ``Output`` widget instead.

    ``clear_output(wait=True)`` and ``display`` of the PNG: the display path
    that ``sliders.KernelExplorer``'s ``Image`` widget is compared with.
    """

    def __init__(self, plot: sliders.FourPanelPlot | None = None) -> None:
        import ipywidgets as widgets

        self.output = widgets.Output()
        super().__init__(plot)  # shows the first frame through show() below
        self.view = self.output
        self.widget.children = (*self.widget.children[:-1], self.output)

    def show(self) -> None:
        """Render the figure and display the PNG in the Output widget."""
        from IPython.display import Image as IPyImage
        from IPython.display import display

        png = self.plot.render_png()
        with self.output:
            self.output.clear_output(wait=True)
            display(IPyImage(data=png, format="png"))
        self.frames += 1


# ----------------------------------------------------------- step vs naive
def bench_steps(rounds: int, warmups: int = 2) -> dict[str, Any]:
    """Interleaved slider steps and naive redraws, for x0, a and b steps."""
    plot = sliders.FourPanelPlot(figsize=FIGSIZE, dpi=DPI)
    rng = np.random.default_rng(0)
    # Parameters visited: random slider positions in the slider ranges.
    x0s = rng.uniform(*panels.X0_RANGE, size=rounds)
    as_ = rng.uniform(*panels.A_RANGE, size=rounds)
    bs = rng.uniform(*panels.B_RANGE, size=rounds)
    a_now, b_now = list(panels.DEFAULT_A), list(panels.DEFAULT_B)

    # Warm-up: first background, font and mathtext caches, both paths.
    for _ in range(warmups):
        plot.update(x0=123.0)
        plot.render_png()
        naive_figure(123.0, a_now, b_now, figsize=FIGSIZE, dpi=DPI)
    plot.update(x0=panels.DEFAULT_X0)

    results: dict[str, Any] = {}
    for kind in ("x0", "a", "b"):
        step_t: list[float] = []
        naive_t: list[float] = []
        x0 = panels.DEFAULT_X0
        for r in range(rounds):
            if kind == "x0":
                x0 = float(x0s[r])
                kwargs: dict[str, Any] = {"x0": x0}
            elif kind == "a":
                a_now[1] = float(as_[r])
                kwargs = {"a": a_now[1], "unit": 1}
            else:
                b_now[1] = float(bs[r])
                kwargs = {"b": b_now[1], "unit": 1}

            def step(kwargs: dict[str, Any] = kwargs) -> bytes:
                plot.update(**kwargs)
                return plot.render_png()

            def naive(x0: float = x0) -> bytes:
                return naive_figure(x0, a_now, b_now, figsize=FIGSIZE, dpi=DPI)

            pair = (step, naive) if r % 2 == 0 else (naive, step)
            for fn in pair:
                (step_t if fn is step else naive_t).append(timed(fn))
        ratios = [s / n for s, n in zip(step_t, naive_t, strict=True)]
        results[kind] = {
            "slider_step": summary(step_t),
            "naive_redraw": summary(naive_t),
            "ratio_median": round(statistics.median(ratios), 3),
        }
    results["png_bytes_step"] = len(plot.render_png())
    results["png_bytes_naive"] = len(
        naive_figure(plot.x0, a_now, b_now, figsize=FIGSIZE, dpi=DPI))
    width, height = plot.fig.canvas.get_width_height()
    results["frame_px"] = [width, height]
    return results


# ------------------------------------------------------------ display path
KERNEL_CODE = textwrap.dedent(
    """
    import json, sys, time, statistics
    sys.path[:0] = [{code!r}, {benchmarks!r}]
    import bench_slider, sliders
    views = {{"image": sliders.kernel_explorer(), "output": bench_slider.OutputExplorer()}}
    times = {{m: [] for m in views}}
    for r in range({rounds}):
        order = ("image", "output") if r % 2 == 0 else ("output", "image")
        for m in order:
            t0 = time.perf_counter()
            views[m].x0.value = 1.0 + (r * 7) % 360
            times[m].append(time.perf_counter() - t0)
    print(json.dumps(times))
    """
)


def bench_display(rounds: int) -> dict[str, Any]:
    """Image widget vs Output widget, timed inside a real ipykernel."""
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return {"skipped": f"jupyter_client is not installed: {exc}"}
    km, kc = start_new_kernel(kernel_name="python3")
    out: list[str] = []
    try:
        code = KERNEL_CODE.format(code=str(ROOT / "code"), benchmarks=str(HERE), rounds=rounds)

        def collect(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("ERROR " + "\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, timeout=600, output_hook=collect)
        if reply["content"]["status"] != "ok":
            return {"skipped": "kernel code failed: " + "".join(out)[-500:]}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    times = json.loads("".join(out).strip().splitlines()[-1])
    return compare_display_paths(
        times, "kernel side only (update, PNG, serialise, send); browser rendering not timed"
    )


def compare_display_paths(times: dict[str, list[float]], note: str) -> dict[str, Any]:
    """Summarise paired Image-widget and Output-widget timings (ms), and say which won."""
    res: dict[str, Any] = {m: summary(t) for m, t in times.items()}
    res["ratio_image_over_output"] = round(
        statistics.median(i / o for i, o in zip(times["image"], times["output"], strict=True)), 3)
    res["faster"] = min(("image", "output"), key=lambda m: res[m]["median_ms"])
    res["note"] = note
    return res


# ------------------------------------------------------------ browser path
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CHROMIUM = "/usr/bin/chromium"

# The newest <img> inside explorer number i (0: Image widget, 1: Output widget).
IMG_JS = """(i) => {
  const boxes = document.querySelectorAll('.jp-OutputArea-output:has(.widget-slider)');
  const imgs = boxes[i] ? boxes[i].querySelectorAll('img') : [];
  return imgs.length ? imgs[imgs.length - 1].src : null;
}"""
# The open notebook's kernel is started and idle (window.jupyterapp: expose_app_in_browser).
KERNEL_IDLE_JS = """() => {
  const ctx = window.jupyterapp?.shell.currentWidget?.sessionContext;
  return !!ctx?.isReady && ctx.session?.kernel?.status === 'idle';
}"""


def bench_browser(rounds: int) -> dict[str, Any]:
    """Key press to new image, in JupyterLab in headless Chromium."""
    import shutil
    import socket
    import subprocess
    import tempfile

    import nbformat

    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return {"skipped": f"playwright is not installed: {exc}"}
    if not Path(CHROMIUM).exists():
        return {"skipped": f"{CHROMIUM} not found"}
    jupyter = Path(sys.executable).with_name("jupyter")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = Path(tempfile.mkdtemp(prefix="bench-slider-"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import sys; sys.path[:0] = [{str(ROOT / 'code')!r}, {str(HERE)!r}]\n"
        "import bench_slider, sliders"),
        nbformat.v4.new_code_cell("sliders.kernel_explorer()"),
        nbformat.v4.new_code_cell("bench_slider.OutputExplorer()")]
    # Without a kernelspec JupyterLab would ask which kernel to start.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, workdir / "bench.ipynb")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--IdentityProvider.token=bench", f"--ServerApp.root_dir={workdir}",
         "--LabApp.expose_app_in_browser=True"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times: dict[str, list[float]] = {"image": [], "output": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            url = f"http://127.0.0.1:{port}/lab/tree/bench.ipynb?token=bench"
            for _ in range(60):  # the server needs a few seconds to start
                try:
                    page.goto(url)
                    break
                except Exception:
                    time.sleep(0.5)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            page.wait_for_function(
                "() => document.querySelectorAll("
                "'.jp-OutputArea-output:has(.widget-slider) img').length >= 2",
                timeout=180_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)  # Run All is done
            handles = page.locator(".jp-OutputArea-output:has(.widget-slider)")
            for r in range(rounds + 2):  # two warm-up rounds
                order = ("image", "output") if r % 2 == 0 else ("output", "image")
                for mode in order:
                    i = 0 if mode == "image" else 1
                    handle = handles.nth(i).locator(".noUi-handle").first
                    handle.scroll_into_view_if_needed()
                    handle.focus()
                    before = page.evaluate(IMG_JS, i)
                    t0 = time.perf_counter()
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function(f"(s) => ({IMG_JS})({i}) !== s", arg=before,
                                           timeout=30_000, polling=5)
                    if r >= 2:
                        times[mode].append(time.perf_counter() - t0)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return compare_display_paths(
        times, "key press on the x0 slider to a new <img> src, JupyterLab in headless Chromium"
    )


# -------------------------------------------------------------------- main

def print_display_path(title: str, result: dict[str, Any]) -> None:
    """Print one Image-vs-Output comparison (or why it was skipped)."""
    print("\n" + title)
    if "skipped" in result:
        print("  skipped:", result["skipped"])
        return
    for m in ("image", "output"):
        d = result[m]
        print(f"  {m:<7}{d['median_ms']:>9.1f} [{d['p10_ms']:6.1f},{d['p90_ms']:6.1f}]")
    print(f"  image / output median ratio {result['ratio_image_over_output']:.3f}; "
          f"faster: {result['faster']}")

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a few rounds, no kernel: a smoke test that runs in seconds")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per kind of step (default 40, quick 3)")
    parser.add_argument("--no-display", action="store_true",
                        help="skip the Image-vs-Output measurement in a kernel")
    parser.add_argument("--browser", action="store_true",
                        help="also time both display paths in JupyterLab in headless Chromium")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 40)
    if rounds < 1:
        parser.error("--rounds must be >= 1")

    info = machine_info()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"figure: {FIGSIZE[0]:g} x {FIGSIZE[1]:g} in at {DPI:g} dpi; "
          f"{rounds} interleaved rounds per kind; times in ms (median [p10, p90])")

    steps = bench_steps(rounds, warmups=1 if args.quick else 2)
    print(f"\n{'step':<6}{'slider step':>24}{'naive redraw':>26}{'ratio':>8}")
    for kind in ("x0", "a", "b"):
        s, n = steps[kind]["slider_step"], steps[kind]["naive_redraw"]
        print(f"{kind:<6}"
              f"{s['median_ms']:>9.1f} [{s['p10_ms']:6.1f},{s['p90_ms']:6.1f}]"
              f"{n['median_ms']:>11.1f} [{n['p10_ms']:6.1f},{n['p90_ms']:6.1f}]"
              f"{steps[kind]['ratio_median']:>8.3f}")
    worst = max(steps[k]["ratio_median"] for k in ("x0", "a", "b"))
    verdict = "meets" if worst <= TARGET_RATIO else "MISSES"
    print(f"worst median ratio {worst:.3f}: {verdict} the target <= {TARGET_RATIO}")
    print(f"PNG per frame: step {steps['png_bytes_step']} B, naive {steps['png_bytes_naive']} B, "
          f"{steps['frame_px'][0]} x {steps['frame_px'][1]} px")

    display: dict[str, Any] | None
    if args.quick or args.no_display:
        display = {"skipped": "--quick" if args.quick else "--no-display"}
        print("\ndisplay path: skipped")
    else:
        display = bench_display(max(rounds // 2, 4))
        print_display_path("display path, in an ipykernel (kernel side):", display)

    browser: dict[str, Any] | None = None
    if args.browser and not args.quick:
        browser = bench_browser(max(rounds // 2, 4))
        print_display_path(
            "display path, JupyterLab in headless Chromium (key press to new image):", browser
        )

    result = {
        "benchmark": "slider step vs naive full redraw (code/sliders.py)",
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": bool(args.quick),
        "machine": info,
        "figure": {"figsize_in": list(FIGSIZE), "dpi": DPI, "n_grid": 1001},
        "rounds": rounds,
        "steps": {k: steps[k] for k in ("x0", "a", "b")},
        "png_bytes": {"step": steps["png_bytes_step"], "naive": steps["png_bytes_naive"]},
        "ratio_worst_median": worst,
        "target_ratio": TARGET_RATIO,
        "meets_target": worst <= TARGET_RATIO,
        "display": display,
        "display_browser": browser if browser is not None else {"skipped": "no --browser"},
    }
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
