"""What each panel of the four-panel figure plots, from tanh_basis's one-unit functions.

The yardstick of tests/test_static_figure.py, test_sliders.py and test_live_explorer.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import panels
import static_figure as sf
import tanh_basis as tb

FUNCTIONS = {"phi_a": tb.tanh_unit, "dphi_a": tb.tanh_unit_dslope,
             "phi_b": tb.tanh_unit, "dphi_b": tb.tanh_unit_dbias}


def formula(panel: str, x0, a_k, b_k, where):
    """Unit k's curve in ``panel`` at the slopes (``*_a`` panels) or biases (``*_b``) ``where``."""
    if panel.endswith("_a"):
        return FUNCTIONS[panel](x0, where, b_k)
    return FUNCTIONS[panel](x0, a_k, where)


def assert_unit_drawn(fig: Figure, k: int, x0: float, a_k: float, b_k: float, n_grid: int) -> None:
    """Unit k's curves follow the formulas, its markers sit on them at its own a_k or b_k,
    and its tangents go through the phi markers with the slope the marker below shows."""
    for name in panels.PANELS:
        x, y = sf.line(fig, "curve", name, k).get_data()
        np.testing.assert_array_equal(x, np.linspace(*panels.param_range(name), n_grid))
        np.testing.assert_allclose(y, formula(name, x0, a_k, b_k, x), rtol=1e-15, atol=0)
        (mx,), (my,) = sf.line(fig, "marker", name, k).get_data()
        assert mx == (a_k if name.endswith("_a") else b_k)
        assert my == pytest.approx(formula(name, x0, a_k, b_k, mx), rel=1e-13)
    for name in ("phi_a", "phi_b"):
        (x1, x2), (y1, y2) = sf.line(fig, "tangent", name, k).get_data()
        marker = sf.line(fig, "marker", name, k).get_data()
        assert ((x1 + x2) / 2, (y1 + y2) / 2) == pytest.approx(np.ravel(marker), abs=1e-12)
        slope = sf.line(fig, "marker", "d" + name, k).get_ydata()[0]
        assert (y2 - y1) / (x2 - x1) == pytest.approx(slope, rel=1e-9, abs=1e-15)
