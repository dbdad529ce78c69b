"""Tests for code/style.py."""

from __future__ import annotations

import io

import matplotlib as mpl
import pytest
from matplotlib.figure import Figure
from PIL import Image

import style


def test_book_style_cycles_okabe_ito_in_fonts_readable_on_a_phone():
    with mpl.rc_context():
        mpl.rcdefaults()
        style.use_book_style()
        colours = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert colours[:3] == ["#0072B2", "#D55E00", "#009E73"]
        assert set(colours) <= {c.upper() for c in style.OKABE_ITO.values()}
        # A 4.8-inch figure shrunk to a phone's 342-px column keeps its smallest
        # text at 11 CSS px or more (tests/test_a11y.py measures the real pages).
        keys = ["font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize",
                "axes.labelsize", "axes.titlesize"]
        sizes = [mpl.font_manager.FontProperties(size=mpl.rcParams[k]).get_size_in_points()
                 for k in keys]
        assert min(sizes) / 72 * 342 / 4.8 >= 11  # savefig.dpi: test_figure_png_records_*


@pytest.mark.parametrize(("dpi", "savefig_dpi", "used_dpi"), [
    (None, None, style.FIGURE_DPI),  # the book's 2 x 96 dpi: sharp on a 2x screen
    (72, None, 72),
    (None, "figure", 50),  # the figure's own dpi
])
def test_figure_png_records_the_smallest_text_and_the_css_width(dpi, savefig_dpi, used_dpi):
    with mpl.rc_context():
        style.use_book_style()
        if savefig_dpi is not None:
            mpl.rcParams["savefig.dpi"] = savefig_dpi
        fig = Figure(figsize=(4.0, 3.0), dpi=50)
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x", fontsize=20)
        ax.annotate("note", (0.5, 0.5), fontsize=9)  # the smallest text
        ax.set_title("")  # empty text does not count
        assert style.smallest_text_pt(fig) == 9
        png, metadata = style.figure_png(fig, dpi=dpi)
    with Image.open(io.BytesIO(png)) as image:
        text, width = dict(image.text), image.width
    # Points x dpi / 72 image pixels; one figure inch is shown as 96 CSS px.
    assert float(text[style.MIN_TEXT_KEY]) == pytest.approx(9 * used_dpi / 72, abs=0.005)
    assert list(metadata) == ["width"] and metadata["width"] == round(width * 96 / used_dpi)


def test_figure_png_rejects_bad_input():
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        style.figure_png("not a figure")
    with pytest.raises(ValueError, match="dpi must be a finite number > 0"):
        style.figure_png(Figure(), dpi=0)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        style.smallest_text_pt(None)
