"""Tests for code/sliders.py: the blitting figure, its sliders, and their benchmark."""

from __future__ import annotations

import importlib.util
import io
import json
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter
from PIL import Image

import panels
import sliders
import static_figure as sf
import style
import tanh_basis as tb


@pytest.fixture
def plot() -> sliders.FourPanelPlot:
    return sliders.FourPanelPlot(n_grid=301)


def snapshot(plot: sliders.FourPanelPlot) -> dict:
    """Every piece of state update() may touch, copied."""
    state = {"x0": plot.x0, "a": plot.a, "b": plot.b, "readout": plot.readout.get_text()}
    for group in ("curves", "markers", "tangents"):
        for name, lines in getattr(plot, group).items():
            for k, line in enumerate(lines):
                x, y = line.get_data()
                state[group, name, k] = (np.array(x, float).copy(), np.array(y, float).copy())
    state["limits"] = [(ax.get_xlim(), ax.get_ylim()) for ax in plot.fig.axes]
    return state


def changed(before: dict, after: dict) -> set:
    """Keys whose values differ between two snapshots."""
    out = set()
    for key, old in before.items():
        new = after[key]
        if isinstance(old, tuple) and len(old) == 2 and isinstance(old[0], np.ndarray):
            same = all(np.array_equal(o, n) for o, n in zip(old, new, strict=True))
        else:
            same = np.array_equal(np.asarray(old, dtype=object), np.asarray(new, dtype=object))
        if not same:
            out.add(key)
    return out


def artist_counts(plot: sliders.FourPanelPlot) -> tuple:
    return (
        id(plot.fig),
        len(plot.fig.axes),
        tuple(len(ax.lines) for ax in plot.fig.axes),
        tuple(len(ax.texts) for ax in plot.fig.axes),
        len(plot.fig.legends),
    )


# ------------------------------------------------------------------ figure
def test_four_panels_of_the_static_figure_and_not_registered_with_pyplot() -> None:
    before = plt.get_fignums()
    plot = sliders.FourPanelPlot()
    assert list(plot.axes) == list(panels.PANELS)
    assert set(plot.axes.values()) == set(plot.fig.axes) and len(plot.fig.axes) == 4
    # The same figure as the page's static one: same titles, limits and curves.
    static = sf.four_panels(layout="grid")
    for name in panels.PANELS:
        ax, twin = plot.axes[name], sf.line(static, "curve", name, 0).axes
        assert (ax.get_title(), ax.get_xlim(), ax.get_ylim()) == (
            twin.get_title(), twin.get_xlim(), twin.get_ylim())
        for k in range(plot.K):
            np.testing.assert_array_equal(plot.curves[name][k].get_ydata(),
                                          sf.line(static, "curve", name, k).get_ydata())
    assert plt.get_fignums() == before
    assert plot.fig.get_layout_engine() is None  # laid out once, then frozen


@pytest.mark.parametrize(("x0", "a", "b"), [(97.5, 0.27, -11.0), (300.0, 0.35, -100.0)])
def test_after_updates_curves_markers_and_tangents_follow_the_formulas(x0, a, b) -> None:
    """Moved by update(): curves are tanh_basis's, tangents touch phi with the slope below."""
    plot = sliders.FourPanelPlot(x0=80.0, a=(0.05, 0.4), b=(-3.0, -30.0), n_grid=201)
    plot.update(x0=x0)
    plot.update(a=a, unit=1)
    plot.update(b=b, unit=1)
    assert plot.x0 == x0
    np.testing.assert_array_equal(plot.a, [0.05, a])
    np.testing.assert_array_equal(plot.b, [-3.0, b])
    analytic = {"phi_a": lambda g, a_k, b_k: tb.tanh_unit(x0, g, b_k),
                "dphi_a": lambda g, a_k, b_k: tb.tanh_unit_dslope(x0, g, b_k),
                "phi_b": lambda g, a_k, b_k: tb.tanh_unit(x0, a_k, g),
                "dphi_b": lambda g, a_k, b_k: tb.tanh_unit_dbias(x0, a_k, g)}
    for k, (a_k, b_k) in enumerate(zip(plot.a, plot.b, strict=True)):
        marker = {}
        for name in panels.PANELS:
            x, y = plot.curves[name][k].get_data()
            np.testing.assert_allclose(x, np.linspace(*panels.param_range(name), 201), atol=1e-12)
            np.testing.assert_allclose(y, analytic[name](x, a_k, b_k), rtol=1e-13, atol=0)
            (mx,), (my,) = plot.markers[name][k].get_data()
            assert mx == (a_k if name.endswith("_a") else b_k)
            assert my == pytest.approx(analytic[name](mx, a_k, b_k), rel=1e-13)
            marker[name] = (mx, my)
        for name in ("phi_a", "phi_b"):
            (x1, x2), (y1, y2) = plot.tangents[name][k].get_data()
            # Through the marker, with the slope the derivative panel's marker shows.
            assert ((x1 + x2) / 2, (y1 + y2) / 2) == pytest.approx(marker[name], abs=1e-12)
            assert (y2 - y1) / (x2 - x1) == pytest.approx(marker["d" + name][1], rel=1e-9,
                                                          abs=1e-12)


def test_update_x0_moves_every_curve_marker_and_tangent(plot) -> None:
    before = snapshot(plot)
    counts = artist_counts(plot)
    plot.update(x0=200.0)
    diff = changed(before, snapshot(plot))
    for name in panels.PANELS:
        for k in range(plot.K):
            assert ("curves", name, k) in diff
            # Every marker sits on its curve at the new x0 (a saturated one may
            # not move: tanh is -1.0 to the last bit at both x0).
            mx, my = plot.markers[name][k].get_data()
            assert (mx[0], my[0]) == pytest.approx(plot.point(name, k))
            moved = plot.point(name, k) != (before["markers", name, k][0][0],
                                            before["markers", name, k][1][0])
            assert (("markers", name, k) in diff) == moved
    assert ("markers", "dphi_a", 0) in diff  # unit 1 is not saturated to the last bit
    assert "readout" in diff and "200" in plot.readout.get_text()
    assert "limits" not in diff  # 200 is inside X0_RANGE: nothing may jump
    assert {"a", "b"}.isdisjoint(diff)
    assert artist_counts(plot) == counts


@pytest.mark.parametrize(("param", "value", "moved_panels"), [
    ("a", 0.25, ("phi_b", "dphi_b")),   # the bias panels are drawn at a_k
    ("b", -40.0, ("phi_a", "dphi_a")),  # the slope panels are drawn at b_k
])
def test_update_a_or_b_moves_one_unit_only(plot, param, value, moved_panels) -> None:
    unit = 1
    before = snapshot(plot)
    counts = artist_counts(plot)
    # Values it already has change nothing.
    plot.update()
    plot.update(x0=plot.x0, a=plot.a[2], b=plot.b[2], unit=2)
    assert changed(before, snapshot(plot)) == set()
    plot.update(**{param: value, "unit": unit})
    diff = changed(before, snapshot(plot))
    assert {key for key in diff if key[0] == "curves"} == {("curves", name, unit)
                                                           for name in moved_panels}
    # Markers and tangents: only this unit's, and every one sits where it should.
    assert all(key[2] == unit for key in diff if key[0] in ("markers", "tangents"))
    for name in panels.PANELS:
        mx, my = plot.markers[name][unit].get_data()
        assert (mx[0], my[0]) == pytest.approx(plot.point(name, unit))
    moved_x = "phi_a" if param == "a" else "phi_b"
    assert ("markers", moved_x, unit) in diff
    assert getattr(plot, param)[unit] == value
    other = "b" if param == "a" else "a"
    np.testing.assert_array_equal(getattr(plot, other), before[other])
    assert {"x0", "readout", "limits"}.isdisjoint(diff)
    assert artist_counts(plot) == counts


def test_x0_outside_its_range_widens_the_derivative_axis_only(plot) -> None:
    limits = {name: (ax.get_xlim(), ax.get_ylim()) for name, ax in plot.axes.items()}
    plot.update(x0=500.0)
    assert plot.axes["dphi_a"].get_ylim()[1] > 500.0
    for name in ("phi_a", "phi_b", "dphi_b"):
        assert (plot.axes[name].get_xlim(), plot.axes[name].get_ylim()) == limits[name]
    widened = plot.axes["dphi_a"].get_ylim()
    plot.update(x0=100.0)  # limits never shrink back: no jumping
    assert plot.axes["dphi_a"].get_ylim() == widened


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"unit": 3}, ValueError, "unit"),
    ({"unit": True}, TypeError, "unit"),
    ({"x0": float("nan")}, ValueError, "x0"),
    ({"x0": [150.0]}, TypeError, "x0"),
    ({"a": np.nan, "unit": 1}, ValueError, "a"),
    ({"b": True}, TypeError, "b"),
    ({"x0": 200.0, "a": 0.5, "b": -np.inf}, ValueError, "b"),  # late failure, early values
    ({"x0": 200.0, "a": 0.5, "unit": 7}, ValueError, "unit"),
    ({"x0": 1e300}, ValueError, "x0"),  # a * x0 would overflow
])
def test_bad_update_raises_and_changes_nothing(plot, kwargs, error, name) -> None:
    before = snapshot(plot)
    with pytest.raises(error, match=name):
        plot.update(**kwargs)
    assert changed(before, snapshot(plot)) == set()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
    ({"x0": None}, TypeError, "x0"),
    ({"layout": "row"}, ValueError, "layout"),
    ({"dpi": 0}, ValueError, "dpi"),
])
def test_bad_constructor_arguments_raise(kwargs, error, match) -> None:
    """Each argument reaches its check (tests/test_static_figure.py: the ones passed on)."""
    with pytest.raises(error, match=match):
        sliders.FourPanelPlot(**kwargs)


def test_bad_panel_and_unit_queries_raise(plot) -> None:
    with pytest.raises(ValueError, match="panel"):
        plot.point("phi_x", 0)
    with pytest.raises(ValueError, match="unit"):
        plot.point("phi_a", 5)
    with pytest.raises(ValueError, match="compress_level"):
        plot.render_png(compress_level=10)


# ---------------------------------------------------------------- rendering
def png_pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("layout", ["grid", "column"])
def test_render_png_matches_a_full_redraw(layout) -> None:
    plot = sliders.FourPanelPlot(layout=layout, dpi=60)
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


# ----------------------------------------------------------------- explorer
@pytest.fixture
def explorer(monkeypatch):
    ui = sliders.explorer(120.0, (0.3, 0.1, 0.2), (-20.0, -5.0, -50.0),
                          continuous_update=False)
    calls = []
    original = ui.plot.update

    def counting_update(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(ui.plot, "update", counting_update)
    ui.calls = calls
    return ui


def test_explorer_starts_at_the_first_units_values(explorer) -> None:
    assert explorer.plot.x0 == explorer.x0.value == 120.0
    np.testing.assert_array_equal(explorer.plot.b, [-20.0, -5.0, -50.0])
    assert explorer.unit.value == 0
    assert explorer.a.value == pytest.approx(0.3) and explorer.b.value == pytest.approx(-20.0)
    assert (explorer.x0.min, explorer.x0.max) == panels.X0_RANGE
    assert explorer.x0.continuous_update is False
    assert bytes(explorer.view.value).startswith(b"\x89PNG") and explorer.frames == 1
    bundle, _ = DisplayFormatter().format(explorer)  # as Jupyter displays it
    assert "application/vnd.jupyter.widget-view+json" in bundle
    with pytest.raises(TypeError, match="plot"):
        sliders.Explorer(plot="figure")
    with pytest.raises(ValueError, match="x0"):
        sliders.explorer(np.inf)


def test_explorer_sliders_call_update_and_change_the_image(explorer) -> None:
    for slider, value, call in [("x0", 220.0, {"x0": 220.0}), ("a", 0.05, {"a": 0.05, "unit": 0}),
                                ("b", -20.5, {"b": -20.5, "unit": 0})]:
        image = explorer.view.value
        getattr(explorer, slider).value = value
        assert explorer.calls[-1] == call
        assert explorer.view.value != image
    assert (explorer.plot.x0, explorer.plot.a[0], explorer.plot.b[0]) == (220.0, 0.05, -20.5)
    assert explorer.frames == 4


def test_explorer_unit_switch_resyncs_sliders_without_updates(explorer) -> None:
    a_before, b_before = explorer.plot.a, explorer.plot.b
    frames, image = explorer.frames, explorer.view.value
    explorer.unit.value = 2
    assert explorer.a.value == pytest.approx(a_before[2])
    assert explorer.b.value == pytest.approx(b_before[2])
    assert explorer.calls == []  # no spurious update ...
    assert explorer.frames == frames and explorer.view.value == image  # ... nor redraw
    np.testing.assert_array_equal(explorer.plot.a, a_before)
    # The sliders now drive unit 2 (k = 3), and only it.
    explorer.b.value = -60.0
    assert explorer.calls == [{"b": -60.0, "unit": 2}]
    np.testing.assert_array_equal(explorer.plot.b, [b_before[0], b_before[1], -60.0])


def test_explorer_keeps_one_figure_over_many_events(explorer) -> None:
    """No figure, line or text leaks over updates of every kind (and their frames)."""
    fignums = plt.get_fignums()
    counts = artist_counts(explorer.plot)
    for i in range(40):
        explorer.x0.value = float(i * 6)
        explorer.unit.value = i % 3
        explorer.a.value = 0.01 * (i % 100)
        explorer.b.value = -1.0 * i
    assert plt.get_fignums() == fignums
    assert artist_counts(explorer.plot) == counts
    # One frame per update (plus the first), and at least the 40 x0 moves.
    assert len(explorer.calls) == explorer.frames - 1 >= 40


# ------------------------------------------- the benchmark and its baselines
@pytest.fixture(scope="module")
def bench(root):
    spec = importlib.util.spec_from_file_location(
        "bench_slider", root / "benchmarks" / "bench_slider.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_slider"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_slider", None)


def test_bench_slider_quick_runs_and_writes_json(bench, tmp_path, capsys) -> None:
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


def test_baselines_render_the_same_size_and_a_frame_per_move(bench) -> None:
    plot = sliders.FourPanelPlot(figsize=bench.FIGSIZE, dpi=bench.DPI)
    naive = png_pixels(bench.naive_figure(figsize=bench.FIGSIZE, dpi=bench.DPI))
    assert naive.shape == png_pixels(plot.render_png()).shape
    ui = bench.OutputExplorer(sliders.FourPanelPlot(n_grid=101))
    frames = ui.frames
    ui.x0.value = 10.0
    assert ui.frames == frames + 1 and ui.plot.x0 == 10.0
    assert ui.view is ui.widget.children[-1]
