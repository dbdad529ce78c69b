"""Tests for code/panels.py: the four-panel figure's ranges, styles and validators."""

from __future__ import annotations

import numpy as np
import pytest

import panels
import tanh_basis as tb


def test_ranges_hold_what_their_comments_say() -> None:
    a, b = np.array(panels.DEFAULT_A), np.array(panels.DEFAULT_B)
    lo, hi = panels.B_RANGE
    # Every unit's own bias is on the bias axis, and so is where each unit
    # switches (b = -a_k x0) for every x0 of the year.
    assert np.all((lo <= b) & (b <= hi))
    assert np.all(lo <= -a * panels.X0_RANGE[1]) and np.all(-a * panels.X0_RANGE[0] <= hi)
    # On the slope axis a unit switches at a = -b_k / x0, which leaves the axis
    # exactly when x0 < -b_k / A_RANGE[1] (unit 3: x0 < 100).
    x0 = np.linspace(1.0, panels.X0_RANGE[1], 365)
    switch = -b[2] / x0
    np.testing.assert_array_equal(switch > panels.A_RANGE[1], x0 < -b[2] / panels.A_RANGE[1])
    assert panels.A_RANGE[0] <= np.min(a) and np.max(a) <= panels.A_RANGE[1]


def test_units_differ_in_colour_and_marker_and_panels_in_title() -> None:
    styles = (panels.UNIT_COLOURS, panels.UNIT_MARKERS_MPL, panels.UNIT_MARKERS_BOKEH)
    assert all(len(set(table)) == len(table) == panels.MAX_UNITS for table in styles)
    for table in (panels.TITLES, panels.TITLES_PLAIN, panels.Y_LABELS, panels.Y_LABELS_PLAIN,
                  panels.X_LABELS, panels.X_LABELS_PLAIN):
        assert list(table) == list(panels.PANELS)
    assert len(set(panels.TITLES.values())) == len(set(panels.TITLES_PLAIN.values())) == 4


def test_axes_helpers_name_an_unknown_panel() -> None:
    """Values: param_range is the curves' grid (test_static_figure), padded the room below."""
    for helper, args in ((panels.param_range, ()), (panels.y_limits, (0.0, 1.0))):
        with pytest.raises(ValueError, match="panel must be one of"):
            helper("phi_x", *args)


@pytest.mark.parametrize("x0", [-400.0, 0.3, 100.0, 365.0, 2000.0])
def test_every_curve_of_the_year_fits_its_panel(x0: float) -> None:
    """y_limits hold each panel's curve for every x0 of the range, with room to spare."""
    a, b = np.array(panels.DEFAULT_A), np.array(panels.DEFAULT_B)
    lo_x0, hi_x0 = min(panels.X0_RANGE[0], x0), max(panels.X0_RANGE[1], x0)
    slopes = np.append(np.linspace(-50, 50, 2001), -b / x0)[:, None]
    values = {
        "phi_a": tb.tanh_unit(x0, np.linspace(*panels.param_range("phi_a"), 2001)[:, None], b),
        # Each unit's peak, at its switch a = -b_k / x0, is in the sample.
        "dphi_a": tb.tanh_unit_dslope(x0, slopes, b),
        "phi_b": tb.tanh_unit(x0, a, np.linspace(-1e3, 1e3, 2001)[:, None]),
        "dphi_b": tb.tanh_unit_dbias(x0, a, np.linspace(-1e3, 1e3, 20001)[:, None]),
    }
    for name, v in values.items():
        y_lo, y_hi = panels.y_limits(name, lo_x0, hi_x0)
        assert y_lo < v.min() and v.max() < y_hi, name
    # x0 sech^2 peaks at x0 itself (z = 0): the axis reaches every x0 of the range.
    assert np.abs(values["dphi_a"]).max() == pytest.approx(abs(x0), rel=1e-12)


def test_parameters_return_new_float_arrays() -> None:
    mine = np.array([0.1, 0.2])
    a, b = panels.parameters(mine, [1, 2])
    a[0] = 9.0
    assert mine[0] == 0.1  # a copy, never a view of the caller's array
    assert b.dtype == np.float64


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
    ({"a": [[0.1]], "b": [[1.0]]}, ValueError, "a must be 1-D"),
    ({"a": (), "b": ()}, ValueError, "a must be 1-D"),
    ({"a": np.ones(8), "b": np.ones(8)}, ValueError, "1 to 7"),
    ({"a": (0.1, np.nan), "b": (1.0, 2.0)}, ValueError, "a must be finite"),
    ({"a": (0.1,), "b": (2e12,)}, ValueError, "b must be at most"),
    ({"a": (0.1,), "b": (True,)}, TypeError, "b must hold real numbers"),
    ({"x0": 2 * panels.LIMIT}, ValueError, "x0"),
])
def test_real_and_parameters_name_a_bad_argument(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        if "x0" in kwargs:
            panels.real(kwargs["x0"], "x0")
        else:
            panels.parameters(**kwargs)
