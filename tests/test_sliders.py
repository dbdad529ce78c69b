"""Tests for code/sliders.py: the blitting figure, its sliders, and their benchmark."""

from __future__ import annotations

import io
import itertools
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import bench_slider as bench
import panels
import sliders
import static_figure as sf
import style
from panel_formulas import assert_unit_drawn


@pytest.fixture(scope="module")
def plot() -> sliders.FourPanelPlot:
    """Shared: each test leaves it as it found it, and checks that it does."""
    return sliders.FourPanelPlot(n_grid=301)


def snapshot(plot: sliders.FourPanelPlot) -> dict:
    """Every piece of state update() may touch, copied, and the numbers of artists."""
    state = {"x0": plot.x0, "a": plot.a, "b": plot.b, "readout": plot.readout.get_text(),
             "limits": np.array([(ax.get_xlim(), ax.get_ylim()) for ax in plot.fig.axes]),
             "artists": [len(plot.fig.legends),
                         *(n for ax in plot.fig.axes for n in (len(ax.lines), len(ax.texts)))]}
    for group in ("curves", "markers", "tangents"):
        for name, lines in getattr(plot, group).items():
            for k, line in enumerate(lines):
                state[group, name, k] = np.array(line.get_data(), float)
    return state


def changed(before: dict, after: dict) -> set:
    return {key for key in before if not np.array_equal(before[key], after[key])}


def test_the_static_figure_laid_out_once_not_registered_with_pyplot_bad_calls_raise() -> None:
    before = plt.get_fignums()
    plot = sliders.FourPanelPlot(n_grid=11)
    assert set(plot.axes.values()) == set(plot.fig.axes) and len(plot.fig.axes) == 4
    assert plt.get_fignums() == before
    assert plot.fig.get_layout_engine() is None  # laid out once, then frozen
    for query, args, match in [("point", ("phi_x", 0), "panel"), ("point", ("phi_a", 5), "unit"),
                               ("render_png", (10,), "compress_level")]:
        with pytest.raises(ValueError, match=match):
            getattr(plot, query)(*args)
    # layout: test_static_figure.py (FourPanelPlot passes it on unchanged).
    for kwargs, error, match in [({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
                                 ({"x0": None}, TypeError, "x0"), ({"dpi": 0}, ValueError, "dpi")]:
        with pytest.raises(error, match=match):
            sliders.FourPanelPlot(n_grid=11, **kwargs)


MOVES = [
    # x0 moves every curve; unit 1's dphi_a marker is not saturated to the last bit.
    ({"x0": 200.0}, {(name, k) for name in panels.PANELS for k in range(3)}, ("dphi_a", 0)),
    # A unit's bias panels are drawn at its a_k, its slope panels at its b_k.
    ({"a": 0.25, "unit": 1}, {("phi_b", 1), ("dphi_b", 1)}, ("phi_a", 1)),
    ({"b": -40.0, "unit": 1}, {("phi_a", 1), ("dphi_a", 1)}, ("phi_b", 1)),
]


def test_update_moves_only_what_depends_on_the_new_value(plot) -> None:
    """... and what moved follows the formulas (the curves' grids, markers, tangents)."""
    before = snapshot(plot)
    plot.update()  # values it already has change nothing
    plot.update(x0=plot.x0, a=plot.a[2], b=plot.b[2], unit=2)
    assert changed(before, snapshot(plot)) == set()
    for kwargs, moved_curves, moved_marker in MOVES:
        plot.update(**kwargs)
        diff = changed(before, snapshot(plot))
        assert {key[1:] for key in diff if key[0] == "curves"} == moved_curves
        assert ("markers", *moved_marker) in diff
        moved_units = {k for _, k in moved_curves}
        for k in range(plot.K):
            assert_unit_drawn(plot.fig, k, plot.x0, plot.a[k], plot.b[k], n_grid=301)
        for name, k in itertools.product(panels.PANELS, range(plot.K)):
            # A marker moved only if its point did (a saturated one may not:
            # tanh is -1.0 to the last bit at both x0).
            point = plot.point(name, k)
            moved = k in moved_units and point != tuple(before["markers", name, k][:, 0])
            assert (("markers", name, k) in diff) == moved
            assert ("tangents", name, k) not in diff or k in moved_units
        assert {"x0", "a", "b"} & diff == {*kwargs} - {"unit"}
        assert ("readout" in diff) == ("x0" in kwargs)
        assert all(getattr(plot, p)[1] == v for p, v in kwargs.items() if p in ("a", "b"))
        assert plot.readout.get_text() == sf.x0_label(plot.x0)
        assert "limits" not in diff and "artists" not in diff  # 200 is inside X0_RANGE
        # Moving back restores everything: the next case starts from the same plot.
        plot.update(x0=before["x0"], a=before["a"][1], b=before["b"][1], unit=1)
        assert changed(before, snapshot(plot)) == set(), kwargs


def test_bad_update_raises_and_changes_nothing(plot) -> None:
    # One plot for the whole table: no failed call may leave a trace for the next.
    before = snapshot(plot)
    for kwargs, error, name in [
        ({"unit": 3}, ValueError, "unit"),
        ({"a": np.nan, "unit": 1}, ValueError, "a"),
        ({"x0": 200.0, "a": 0.5, "b": -np.inf}, ValueError, "b"),  # late failure, early values
        ({"x0": 200.0, "a": 0.5, "unit": 7}, ValueError, "unit"),
        ({"x0": 1e300}, ValueError, "x0"),  # a * x0 would overflow
    ]:
        with pytest.raises(error, match=name):
            plot.update(**kwargs)
        assert changed(before, snapshot(plot)) == set(), kwargs


def png_pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_render_png_matches_a_full_redraw() -> None:
    """The grid (the sliders' layout); the column layout differs only in static_figure."""
    plot = sliders.FourPanelPlot(dpi=60)
    limits = {name: (ax.get_xlim(), ax.get_ylim()) for name, ax in plot.axes.items()}
    first = plot.render_png()
    # Only the page's static PNG records its smallest text (style.figure_png).
    assert style.MIN_TEXT_KEY not in Image.open(io.BytesIO(first)).info
    previous = png_pixels(first)
    steps = [{"x0": 250.0}, {"a": 0.6, "unit": 2}, {"b": -30.0, "unit": 0},
             {"x0": 420.0}]  # the last one widens an axis: the cached background must go
    for kwargs in steps:
        plot.update(**kwargs)
        fast = png_pixels(plot.render_png())
        buf = io.BytesIO()
        plot.fig.savefig(buf, format="png", dpi=plot.fig.dpi)  # all drawn, animated too
        slow = png_pixels(buf.getvalue())
        width, height = plot.fig.canvas.get_width_height()
        assert fast.shape == slow.shape == (height, width, 3)
        # The cached-background render draws the moving artists last, so a few
        # pixels where they cross frames or the legend may differ; no more.
        differ = np.any(np.abs(fast.astype(int) - slow.astype(int)) > 40, axis=-1)
        assert differ.mean() < 0.005, kwargs
        assert np.any(fast != previous)  # ... and the frame really changed
        previous = fast
    # x0 = 420 is beyond X0_RANGE: it widened the derivative axis, and it alone.
    assert plot.axes["dphi_a"].get_ylim()[1] > 420.0
    for name in ("phi_a", "phi_b", "dphi_b"):
        assert (plot.axes[name].get_xlim(), plot.axes[name].get_ylim()) == limits[name]
    widened = plot.axes["dphi_a"].get_ylim()
    plot.update(x0=100.0)  # limits never shrink back: no jumping
    assert plot.axes["dphi_a"].get_ylim() == widened


def test_explorer_starts_at_the_first_unit_its_sliders_call_update_and_nothing_leaks() -> None:
    explorer = sliders.kernel_explorer(120.0, (0.3, 0.1, 0.2), (-20.0, -5.0, -50.0),
                                       continuous_update=False)
    calls, update = [], explorer.plot.update  # the sliders call update with keywords only
    explorer.plot.update = lambda **kwargs: calls.append(kwargs) or update(**kwargs)
    fignums, artists = plt.get_fignums(), snapshot(explorer.plot)["artists"]
    assert explorer.plot.x0 == explorer.x0.value == 120.0
    np.testing.assert_array_equal(explorer.plot.b, [-20.0, -5.0, -50.0])
    assert explorer.unit.value == 0
    assert explorer.a.value == pytest.approx(0.3) and explorer.b.value == pytest.approx(-20.0)
    assert (explorer.x0.min, explorer.x0.max) == panels.X0_RANGE
    assert explorer.x0.continuous_update is False
    assert bytes(explorer.view.value).startswith(b"\x89PNG") and explorer.frames == 1
    with pytest.raises(TypeError, match="plot"):
        sliders.KernelExplorer(plot="figure")
    with pytest.raises(ValueError, match="x0"):
        sliders.kernel_explorer(np.inf)
    # Each slider calls update, and the image changes.
    for slider, value, call in [("x0", 220.0, {"x0": 220.0}), ("a", 0.05, {"a": 0.05, "unit": 0}),
                                ("b", -20.5, {"b": -20.5, "unit": 0})]:
        image = explorer.view.value
        getattr(explorer, slider).value = value
        assert calls[-1] == call
        assert explorer.view.value != image
    assert (explorer.plot.x0, explorer.plot.a[0], explorer.plot.b[0]) == (220.0, 0.05, -20.5)
    assert explorer.frames == 4
    # Choosing unit k = 3 moves the a and b sliders to its values, with no update or frame.
    a_before, b_before, image = explorer.plot.a, explorer.plot.b, explorer.view.value
    explorer.unit.value = 2
    assert (explorer.a.value, explorer.b.value) == pytest.approx((a_before[2], b_before[2]))
    assert len(calls) == 3 and explorer.frames == 4 and explorer.view.value == image
    np.testing.assert_array_equal(explorer.plot.a, a_before)
    explorer.b.value = -60.0  # the sliders now drive unit 2, and only it
    assert calls[-1] == {"b": -60.0, "unit": 2}
    np.testing.assert_array_equal(explorer.plot.b, [b_before[0], b_before[1], -60.0])
    # No figure, line or text leaks over updates of every kind (and their frames).
    for i in range(10):
        explorer.x0.value = float(i * 6)
        explorer.unit.value = i % 3
        explorer.a.value = 0.01 * i
        explorer.b.value = -1.0 * i
    assert plt.get_fignums() == fignums
    assert snapshot(explorer.plot)["artists"] == artists
    # One frame per update (plus the first): the 4 above and at least the 10 x0 moves.
    assert len(calls) == explorer.frames - 1 >= 14


@pytest.mark.slow  # seconds of CPU, not needed after every edit
def test_bench_slider_quick_runs_and_writes_json(tmp_path, capsys) -> None:
    """The benchmark's smoke mode (what CI runs) works and reports the ratio."""
    out = tmp_path / "slider.json"
    assert bench.main(["--quick", "--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["quick"] is True and result["display"] == {"skipped": "--quick"}
    for kind in ("x0", "a", "b"):
        step = result["steps"][kind]
        assert step["slider_step"]["median_ms"] > 0 and step["naive_redraw"]["median_ms"] > 0
    worst = max(result["steps"][k]["ratio_median"] for k in ("x0", "a", "b"))
    assert result["ratio_worst_median"] == worst
    assert result["meets_target"] == (worst <= result["target_ratio"])
    assert "slider step" in capsys.readouterr().out


def test_baselines_render_the_same_size_and_a_frame_per_move() -> None:
    plot = sliders.FourPanelPlot(figsize=bench.FIGSIZE, dpi=bench.DPI)
    naive = png_pixels(bench.naive_figure(figsize=bench.FIGSIZE, dpi=bench.DPI))
    assert naive.shape == png_pixels(plot.render_png()).shape
    ui = bench.OutputExplorer(plot)
    frames = ui.frames
    ui.x0.value = 10.0
    assert ui.frames == frames + 1 and ui.plot.x0 == 10.0
    assert ui.view is ui.widget.children[-1]
