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
from panel_formulas import assert_unit_drawn


@pytest.fixture(scope="module")
def page_figure():
    return sf.four_panels()


@pytest.mark.parametrize("layout", ["column", "grid"])
def test_four_panels_draws_the_formulas_and_is_not_registered_with_pyplot(layout) -> None:
    before = plt.get_fignums()
    x0, a, b = 97.5, (0.05, 0.27), (-11.0, -30.0)
    fig = sf.four_panels(x0, a, b, layout=layout, n_grid=201)
    assert plt.get_fignums() == before
    assert len(fig.axes) == 4
    for name in panels.PANELS:
        ax = sf.line(fig, "curve", name, 0).axes
        assert ax.get_title() == panels.TITLES[name]
        # Axis labels name their symbols (in the grid, a phi panel shares the
        # x-axis of the derivative panel below it).
        assert ax.get_ylabel()
        assert ax.get_xlabel() or (layout == "grid" and name.startswith("phi"))
        assert all(sf.line(fig, role, name, 1).axes is ax for role in ("curve", "marker"))
    for k in range(2):
        assert_unit_drawn(fig, k, x0, a[k], b[k], n_grid=201)
    assert fig.get_suptitle() == sf.x0_label(x0) and fig.get_suptitle().endswith("97.5")


def test_limits_are_fixed_over_the_year_and_widen_beyond(page_figure) -> None:
    """What y_limits holds: tests/test_panels.py. (X0_RANGE[0] = 0 cannot widen dphi_a.)"""
    figures = [sf.four_panels(panels.X0_RANGE[1], n_grid=11), page_figure]
    limits = [[(ax.get_xlim(), ax.get_ylim()) for ax in fig.axes] for fig in figures]
    assert limits[0] == limits[1]
    # An x0 beyond the year widens that axis so that its peak fits too.
    wide = sf.four_panels(500.0, n_grid=11)
    assert sf.line(wide, "curve", "dphi_a", 0).axes.get_ylim()[1] > 500.0


def test_tangents_have_one_length_and_a_bad_panel_or_missing_line_raises(page_figure) -> None:
    """Where they touch, and their slopes: test_four_panels_draws_the_formulas_*."""
    with pytest.raises(ValueError, match="panel"):
        sf.curve("phi_x", 100.0, 0.1, -10.0, [0.0])
    with pytest.raises(ValueError, match="no line"):  # the derivative panels have none
        sf.line(page_figure, "tangent", "dphi_a", 0)
    page_figure.draw_without_rendering()
    for panel in ("phi_a", "phi_b"):
        ax = sf.line(page_figure, "curve", panel, 0).axes
        lengths = []
        for k in range(len(panels.DEFAULT_A)):
            tangent = sf.line(page_figure, "tangent", panel, k)
            ends = ax.transData.transform(np.column_stack(tangent.get_data()))
            lengths.append(np.hypot(*(ends[1] - ends[0])))
        # Unit 1 is on its slope (steep), units 2 and 3 are flat.
        width = ax.get_window_extent().width
        np.testing.assert_allclose(lengths, 2 * panels.TANGENT_HALF_LENGTH * width, rtol=1e-6)


def test_page_figure_shows_what_the_page_says(page_figure) -> None:
    """Unit 1 on its slope at x0, peaks where z = 0, units told apart, a legend."""
    x0, a, b = panels.DEFAULT_X0, np.array(panels.DEFAULT_A), np.array(panels.DEFAULT_B)
    fig = page_figure
    # Unit 1's markers: phi = tanh(0) = 0, d phi/d a = x0, d phi/d b = 1 (the peaks).
    assert sf.line(fig, "marker", "phi_a", 0).get_ydata()[0] == 0.0
    assert sf.line(fig, "marker", "dphi_a", 0).get_ydata()[0] == pytest.approx(x0)
    assert sf.line(fig, "marker", "dphi_b", 0).get_ydata()[0] == pytest.approx(1.0)
    # Each unit's dphi_b curve peaks where it switches, b = -a_k x0 ...
    for k in range(a.size):
        grid, values = sf.line(fig, "curve", "dphi_b", k).get_data()
        assert grid[np.argmax(values)] == pytest.approx(-a[k] * x0, abs=np.diff(grid)[0])
    # ... and units 2 and 3 sit on their flat parts, |z| > 3.
    z = a * x0 + b
    assert np.all(np.abs(z[1:]) > 3) and np.all(tb.tanh_unit_dbias(x0, a[1:], b[1:]) < 0.01)
    markers = [sf.line(fig, "marker", "phi_a", k) for k in range(a.size)]
    assert [m.get_color() for m in markers] == list(panels.UNIT_COLOURS[:a.size])
    assert [m.get_marker() for m in markers] == list(panels.UNIT_MARKERS_MPL[:a.size])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-1] == "tangent" and len(legend) == a.size + 1


def test_page_png_records_its_smallest_text_and_it_reads_on_a_phone(page_figure) -> None:
    """The a11y test measures text through the record figure_png writes."""
    with matplotlib.rc_context():
        style.use_book_style()
        png, metadata = style.figure_png(page_figure)
    image = Image.open(io.BytesIO(png))
    recorded = float(image.info[style.MIN_TEXT_KEY])  # its value: tests/test_style.py
    # On a phone the image is shown at most a text column (about 340 CSS px) wide,
    # and its text must stay at 11 CSS px or more.
    assert recorded * min(metadata["width"], 340) / image.width >= 11


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"x0": np.nan}, ValueError, "x0"),
    ({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
    ({"layout": "row"}, ValueError, "layout"),
    ({"figsize": (8.0, -1.0)}, ValueError, "figsize"),
    ({"n_grid": 10.5}, TypeError, "n_grid"),
])
def test_bad_arguments_raise(kwargs, error, match) -> None:
    """Each argument reaches its check (tests/test_panels.py, test_validate.py: the tables)."""
    with pytest.raises(error, match=match):
        sf.four_panels(**kwargs)
