"""What each panel of the four-panel figure plots, from tanh_basis's one-unit functions.

The yardstick of tests/test_static_figure.py, test_sliders.py and test_live_explorer.py.
"""

from __future__ import annotations

import tanh_basis as tb

FUNCTIONS = {"phi_a": tb.tanh_unit, "dphi_a": tb.tanh_unit_dslope,
             "phi_b": tb.tanh_unit, "dphi_b": tb.tanh_unit_dbias}


def formula(panel: str, x0, a_k, b_k, where):
    """Unit k's curve in ``panel`` at the slopes (``*_a`` panels) or biases (``*_b``) ``where``."""
    if panel.endswith("_a"):
        return FUNCTIONS[panel](x0, where, b_k)
    return FUNCTIONS[panel](x0, a_k, where)
