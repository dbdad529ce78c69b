"""Tests for code/style.py."""

from __future__ import annotations

import matplotlib as mpl
import pytest

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


def _png_text(png: bytes) -> dict:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return dict(image.text), image.width


def test_figure_png_records_the_smallest_text_and_the_css_width():
    from matplotlib.figure import Figure

    with mpl.rc_context():
        style.use_book_style()
        fig = Figure(figsize=(4.0, 3.0))
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x", fontsize=20)
        ax.annotate("note", (0.5, 0.5), fontsize=9)  # the smallest text
        ax.set_title("")  # empty text does not count
        assert style.smallest_text_pt(fig) == 9
        png, metadata = style.figure_png(fig)
    text, width = _png_text(png)
    # 9 pt at 2 x 96 dpi is 24 image pixels.
    assert float(text[style.MIN_TEXT_KEY]) == pytest.approx(9 * style.FIGURE_DPI / 72)
    # The page shows the image at half its pixels: sharp on a 2x screen.
    assert list(metadata) == ["width"] and abs(2 * metadata["width"] - width) <= 1


def test_figure_png_at_another_dpi_scales_the_record():
    from matplotlib.figure import Figure

    with mpl.rc_context():
        style.use_book_style()
        fig = Figure(figsize=(2.0, 2.0))
        fig.subplots().set_xticks([])
        fig.axes[0].set_yticks([])
        fig.text(0.5, 0.5, "only text", fontsize=12)
        png, metadata = style.figure_png(fig, dpi=72)
    text, width = _png_text(png)
    assert float(text[style.MIN_TEXT_KEY]) == pytest.approx(12.0)
    assert metadata["width"] == round(width * 96 / 72)


def test_figure_png_rejects_bad_input():
    from matplotlib.figure import Figure

    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        style.figure_png("not a figure")
    with pytest.raises(ValueError, match="dpi must be a finite number > 0"):
        style.figure_png(Figure(), dpi=0)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        style.smallest_text_pt(None)


def test_book_fonts_stay_readable_on_a_phone():
    # A 4.8-inch figure shrunk to a phone's 342-px column keeps its smallest
    # text at 11 CSS px or more (tests/test_a11y.py measures the real pages).
    with mpl.rc_context():
        mpl.rcdefaults()
        style.use_book_style()
        keys = ["font.size", "xtick.labelsize", "ytick.labelsize", "legend.fontsize",
                "axes.labelsize", "axes.titlesize"]
        sizes = [mpl.font_manager.FontProperties(size=mpl.rcParams[k]).get_size_in_points()
                 for k in keys]
        assert min(sizes) / 72 * 342 / 4.8 >= 11
        assert mpl.rcParams["savefig.dpi"] == style.FIGURE_DPI


def test_figure_png_follows_savefig_dpi_figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.0, 1.0), dpi=50)
    fig.text(0.5, 0.5, "x", fontsize=12)
    with mpl.rc_context({"savefig.dpi": "figure"}):
        png, _ = style.figure_png(fig)
    text, _ = _png_text(png)
    assert float(text[style.MIN_TEXT_KEY]) == pytest.approx(12 * 50 / 72, abs=0.005)
