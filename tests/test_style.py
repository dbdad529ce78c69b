"""Tests for code/style.py."""

from __future__ import annotations

import matplotlib as mpl

import style


def test_palette_is_okabe_ito():
    assert style.OKABE_ITO["blue"] == "#0072B2"
    assert style.OKABE_ITO["vermillion"] == "#D55E00"
    assert len(set(style.OKABE_ITO.values())) == 8


def test_use_book_style_sets_the_colour_cycle_and_readable_fonts():
    with mpl.rc_context():
        mpl.rcdefaults()
        style.use_book_style()
        colours = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert colours[:3] == ["#0072B2", "#D55E00", "#009E73"]
        assert set(colours) <= {c.upper() for c in style.OKABE_ITO.values()}
        assert mpl.rcParams["font.size"] >= 11
