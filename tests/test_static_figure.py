"""Tests for code/static_figure.py: the plain four-panel figure the page shows."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import panels
import static_figure as sf
import style
import tanh_basis as tb

ANALYTIC = {
    "phi_a": lambda x0, grid, a_k, b_k: tb.tanh_unit(x0, grid, b_k),
    "dphi_a": lambda x0, grid, a_k, b_k: tb.tanh_unit_dslope(x0, grid, b_k),
    "phi_b": lambda x0, grid, a_k, b_k: tb.tanh_unit(x0, a_k, grid),
    "dphi_b": lambda x0, grid, a_k, b_k: tb.tanh_unit_dbias(x0, a_k, grid),
}
#: A phone's text column, in CSS px (style.py: "about 340 CSS px").
PHONE_COLUMN_CSS_PX = 340
MIN_TEXT_CSS_PX = 11


@pytest.fixture(scope="module")
def page_figure():
    """The page's figure: the default example, as four_panels() draws it."""
    return sf.four_panels()


def lines(fig, role: str, panel: str, K: int) -> list:
    return [sf.line(fig, role, panel, k) for k in range(K)]


@pytest.mark.parametrize("layout", ["column", "grid"])
def test_four_panels_draws_the_formulas_and_is_not_registered_with_pyplot(layout) -> None:
    before = plt.get_fignums()
    x0, a, b = 97.5, (0.05, 0.27), (-11.0, -30.0)
    fig = sf.four_panels(x0, a, b, layout=layout, n_grid=201)
    assert plt.get_fignums() == before
    assert len(fig.axes) == 4
    titles = []
    for name in panels.PANELS:
        ax = sf.line(fig, "curve", name, 0).axes
        titles.append(ax.get_title())
        # Axis labels name their symbols (in the grid, a phi panel shares the
        # x-axis of the derivative panel below it).
        assert ax.get_ylabel()
        assert ax.get_xlabel() or (layout == "grid" and name.startswith("phi"))
        grid = np.linspace(*panels.param_range(name), 201)
        for k, line in enumerate(lines(fig, "curve", name, 2)):
            assert line.axes is ax
            np.testing.assert_array_equal(line.get_xdata(), grid)
            np.testing.assert_allclose(line.get_ydata(), ANALYTIC[name](x0, grid, a[k], b[k]),
                                       rtol=1e-15, atol=0)
        # One marker per unit, at the unit's own parameter, on its curve.
        for k, marker in enumerate(lines(fig, "marker", name, 2)):
            where = a[k] if name.endswith("_a") else b[k]
            assert marker.get_xdata()[0] == where
            assert marker.get_ydata()[0] == pytest.approx(ANALYTIC[name](x0, where, a[k], b[k]))
    # Four different titles (the source repeated one), from panels.
    assert titles == [panels.TITLES[p] for p in panels.PANELS] and len(set(titles)) == 4
    assert fig.get_suptitle() == sf.x0_label(x0) and fig.get_suptitle().endswith("97.5")


def test_units_have_distinct_okabe_ito_colours_and_markers(page_figure) -> None:
    fig = page_figure
    markers = lines(fig, "marker", "phi_a", len(panels.DEFAULT_A))
    colours = [m.get_color() for m in markers]
    shapes = [m.get_marker() for m in markers]
    assert len(set(colours)) == len(set(shapes)) == len(markers)
    assert set(colours) <= set(style.OKABE_ITO.values())
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels[-1] == "tangent" and len(legend_labels) == len(markers) + 1


def test_limits_are_fixed_and_hold_every_x0_of_the_year(page_figure) -> None:
    figures = [sf.four_panels(x0, n_grid=11) for x0 in panels.X0_RANGE] + [page_figure]
    limits = [[(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes] for fig in figures]
    assert limits[0] == limits[1] == limits[2]
    dphi_a = sf.line(page_figure, "curve", "dphi_a", 0).axes
    lo, hi = dphi_a.get_ylim()
    assert lo < 0 < panels.X0_RANGE[1] < hi  # every peak x0 of the year fits
    # An x0 beyond the year widens that axis so that its peak fits too.
    wide = sf.four_panels(500.0, n_grid=11)
    assert sf.line(wide, "curve", "dphi_a", 0).axes.get_ylim()[1] > 500.0


def test_derivative_curves_are_the_slopes_of_the_phi_curves() -> None:
    """The derivative panels agree with a finite difference of the phi panels."""
    fig = sf.four_panels(40.0, (0.2,), (-7.0,), n_grid=2001)
    for phi, dphi in (("phi_a", "dphi_a"), ("phi_b", "dphi_b")):
        x, y = sf.line(fig, "curve", phi, 0).get_data()
        dy = sf.line(fig, "curve", dphi, 0).get_ydata()
        numeric = np.gradient(y, x)
        # Second-order differences on a fine grid: a few parts in 1e3 of the peak.
        assert np.max(np.abs(numeric - dy)) < 5e-3 * np.max(np.abs(dy))


def test_tangents_have_one_length_on_screen_whatever_their_slope(page_figure) -> None:
    fig = page_figure  # unit 1 is on its slope (steep), units 2, 3 are flat
    fig.draw_without_rendering()
    for name in ("phi_a", "phi_b"):
        ax = sf.line(fig, "curve", name, 0).axes
        lengths = []
        for tangent in lines(fig, "tangent", name, 3):
            ends = ax.transData.transform(np.column_stack(tangent.get_data()))
            lengths.append(np.hypot(*(ends[1] - ends[0])))
        width = ax.get_window_extent().width
        np.testing.assert_allclose(lengths, 2 * panels.TANGENT_HALF_LENGTH * width, rtol=1e-6)


def test_every_tangent_of_the_page_figure_is_a_central_difference_of_tanh(page_figure) -> None:
    """The page's figure (the default example): tangents and curves against tanh itself.

    The slope of every tangent equals a central difference of tanh (no
    derivative code involved) and the marker in the derivative panel below;
    every derivative curve agrees with np.gradient of the curve above it.
    """
    x0, a, b = panels.DEFAULT_X0, np.array(panels.DEFAULT_A), np.array(panels.DEFAULT_B)
    K = a.size
    fig = page_figure
    h = 1e-6
    numeric = {
        "phi_a": (tb.tanh_unit(x0, a + h, b) - tb.tanh_unit(x0, a - h, b)) / (2 * h),
        "phi_b": (tb.tanh_unit(x0, a, b + h) - tb.tanh_unit(x0, a, b - h)) / (2 * h),
    }
    derivative = {"phi_a": tb.tanh_unit_dslope(x0, a, b), "phi_b": tb.tanh_unit_dbias(x0, a, b)}
    worst = 0.0
    for panel in ("phi_a", "phi_b"):
        for k, tangent in enumerate(lines(fig, "tangent", panel, K)):
            (p1, p2), (v1, v2) = tangent.get_data()
            slope = (v2 - v1) / (p2 - p1)
            worst = max(worst, abs(slope - numeric[panel][k]) / max(1.0, abs(slope)))
            assert slope == pytest.approx(derivative[panel][k], rel=1e-9, abs=1e-15)
            grid, phi = sf.line(fig, "curve", panel, k).get_data()
            dphi = sf.line(fig, "curve", "d" + panel, k).get_ydata()
            slope_of_curve = np.gradient(np.asarray(phi), np.asarray(grid))
            assert np.max(np.abs(slope_of_curve - dphi)) < 0.05 * np.max(np.abs(dphi))
    assert worst < 1e-6


def test_page_figure_numbers_come_from_tanh_basis(page_figure) -> None:
    """What the page says of its figure: unit 1 on its slope at x0, peaks where z = 0."""
    x0, a, b = panels.DEFAULT_X0, np.array(panels.DEFAULT_A), np.array(panels.DEFAULT_B)
    fig = page_figure
    # Unit 1's markers: phi = tanh(0) = 0, d phi/d a = x0, d phi/d b = 1 (the peaks).
    assert sf.line(fig, "marker", "phi_a", 0).get_ydata()[0] == tb.tanh_unit(x0, a[0], b[0])
    assert tb.tanh_unit(x0, a[0], b[0]) == 0.0
    assert sf.line(fig, "marker", "dphi_a", 0).get_ydata()[0] == pytest.approx(x0)
    assert sf.line(fig, "marker", "dphi_b", 0).get_ydata()[0] == pytest.approx(1.0)
    # Each unit's dphi_b curve peaks where it switches, b = -a_k x0 ...
    for k in range(a.size):
        grid, values = sf.line(fig, "curve", "dphi_b", k).get_data()
        assert grid[np.argmax(values)] == pytest.approx(-a[k] * x0, abs=np.diff(grid)[0])
    # ... and units 2 and 3 sit on their flat parts, |z| > 3.
    z = a * x0 + b
    assert np.all(np.abs(z[1:]) > 3) and np.all(tb.tanh_unit_dbias(x0, a[1:], b[1:]) < 0.01)


def test_page_png_records_its_smallest_text_and_it_reads_on_a_phone(page_figure) -> None:
    """The a11y test measures text through the record figure_png writes."""
    fig = page_figure
    with matplotlib.rc_context():
        style.use_book_style()
        png, metadata = style.figure_png(fig)
    smallest_pt = style.smallest_text_pt(fig)
    image = Image.open(io.BytesIO(png))
    recorded = float(image.info[style.MIN_TEXT_KEY])
    assert recorded == pytest.approx(smallest_pt * style.FIGURE_DPI / 72, abs=0.01)
    # On a phone the image is shown at most a column wide.
    shown = min(metadata["width"], PHONE_COLUMN_CSS_PX)
    assert recorded * shown / image.width >= MIN_TEXT_CSS_PX


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"x0": np.nan}, ValueError, "x0"),
    ({"x0": None}, TypeError, "x0"),
    ({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
    ({"a": ("x",), "b": (1.0,)}, TypeError, "a must hold real numbers"),
    ({"a": np.ones(8), "b": np.ones(8)}, ValueError, "1 to 7"),
    ({"layout": "row"}, ValueError, "layout"),
    ({"figsize": (8.0,)}, ValueError, "figsize"),
    ({"figsize": (8.0, -1.0)}, ValueError, "figsize"),
    ({"figsize": 8.0}, TypeError, "figsize"),
    ({"n_grid": 1}, ValueError, "n_grid"),
    ({"n_grid": 10.5}, TypeError, "n_grid"),
])
def test_bad_arguments_raise(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        sf.four_panels(**kwargs)


def test_bad_panel_and_missing_line_raise() -> None:
    with pytest.raises(ValueError, match="panel"):
        sf.curve("phi_x", 100.0, 0.1, -10.0, [0.0])
    with pytest.raises(ValueError, match="no line"):
        sf.line(sf.four_panels(a=(0.1,), b=(-10.0,), n_grid=11), "tangent", "dphi_a", 0)
