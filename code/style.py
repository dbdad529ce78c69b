"""One look for every figure of the book: palette, text sizes and sharp output.

The palette is Okabe and Ito's (2008), which stays distinguishable under the
common forms of colour blindness. Pages call :func:`use_book_style` once in
their setup cell.

How a figure reaches the page, and why its text is readable there:

* A figure is saved at :data:`FIGURE_DPI` = 2 x 96 dpi, and the page is told to
  show it at :data:`CSS_PX_PER_INCH` = 96 CSS pixels per inch of figure (the
  CSS inch). Text set in 11 pt then renders as 11 pt CSS text (14.7 px) on a
  desktop, with two image pixels per CSS pixel, so it is sharp on HiDPI
  screens too.
* On a phone the image shrinks to the column (about 340 CSS px), so a figure
  of ``w`` inches keeps text of ``p`` points at ``p / 72 * 340 / w`` px: the
  fonts below keep that at 11 px or more for figures up to about 5 inches.
* Each PNG records its smallest text, in image pixels, under the
  :data:`MIN_TEXT_KEY` keyword, so the browser test can compute the rendered
  size of that text, ``min_text_px * rendered_width / natural_width``, on any
  screen.
"""

from __future__ import annotations

import base64
import io
import struct

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.text import Text

from validate import positive_number

__all__ = [
    "CSS_PX_PER_INCH",
    "FIGURE_DPI",
    "MIN_TEXT_KEY",
    "OKABE_ITO",
    "figure_png",
    "smallest_text_pt",
    "use_book_style",
]

#: Okabe-Ito colours, black last (it is kept for reference lines).
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: CSS pixels per inch (fixed by CSS): a figure inch is shown as a CSS inch.
CSS_PX_PER_INCH = 96
#: Two image pixels per CSS pixel: sharp on HiDPI ("retina") screens.
FIGURE_DPI = 2 * CSS_PX_PER_INCH
#: PNG text keyword holding the figure's smallest font size in image pixels.
MIN_TEXT_KEY = "jacobian:min-text-px"

# Yellow is hard to see on white, so it comes late in the line cycle.
_CYCLE = [OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "reddish_purple",
                                 "orange", "sky_blue", "yellow")]


def use_book_style() -> None:
    """Set matplotlib's defaults for the book's figures.

    Colours cycle through the Okabe-Ito palette (blue, vermillion, green, ...);
    no text is smaller than 12 pt, which stays at 11 CSS px or more when a
    figure of up to 5 inches is shrunk to a phone's column; figures are saved
    at :data:`FIGURE_DPI`. Inside IPython (a page being executed, Jupyter),
    figures are displayed through :func:`figure_png`.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=_CYCLE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 12,
            "axes.titlesize": 13,
            "axes.labelsize": 13,
            "xtick.labelsize": 12,
            "ytick.labelsize": 12,
            "legend.fontsize": 12,
            "legend.title_fontsize": 12,
            "figure.titlesize": 13,
            "figure.dpi": CSS_PX_PER_INCH,
            "savefig.dpi": FIGURE_DPI,
            "lines.linewidth": 2.0,
        }
    )
    _register_png_formatter()


def smallest_text_pt(fig: Figure) -> float | None:
    """Font size, in points, of the smallest visible, non-empty text of ``fig``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is laid out (not rendered) first, so tick labels exist.

    Returns
    -------
    float or None
        The size in points, or None when the figure has no text at all.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    fig.draw_without_rendering()
    bbox = fig.bbox
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(Text)
        if text.get_visible()
        and text.get_text().strip()
        # Tick labels of ticks outside the view exist but are not drawn.
        and text.get_window_extent().overlaps(bbox)
    ]
    return min(sizes) if sizes else None


def _png_size(png: bytes) -> tuple[int, int]:
    # Width and height sit in the IHDR chunk, right after the 8-byte signature.
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", png[16:24])


def figure_png(fig: Figure, dpi: float | None = None) -> tuple[bytes, dict]:
    """The figure as a PNG that records its smallest text, and its display width.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save (cropped to its content, as Jupyter does).
    dpi : float, optional
        Image pixels per figure inch; default ``rcParams["savefig.dpi"]``.

    Returns
    -------
    png : bytes
        The image; its text chunk :data:`MIN_TEXT_KEY` holds the smallest font
        size in image pixels (points x dpi / 72), when the figure has text.
    metadata : dict
        ``{"width": w}``: the CSS width in px at which one figure inch is one
        CSS inch. Only the width: the page scales the height with it.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if dpi is None:
        dpi = mpl.rcParams["savefig.dpi"]
        dpi = fig.dpi if dpi == "figure" else dpi
    dpi = positive_number(dpi, "dpi")
    min_pt = smallest_text_pt(fig)
    metadata = {} if min_pt is None else {MIN_TEXT_KEY: f"{min_pt * dpi / 72:.2f}"}
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata=metadata)
    png = buffer.getvalue()
    width, _ = _png_size(png)
    return png, {"width": round(width * CSS_PX_PER_INCH / dpi)}


def _display_png(fig: Figure) -> tuple[str, dict] | None:
    # IPython's formatter protocol: (base64 data, metadata), or None to skip.
    if not fig.axes and not fig.texts:
        return None  # an empty figure, as matplotlib-inline also skips
    png, metadata = figure_png(fig)
    return base64.b64encode(png).decode("ascii"), metadata


def _register_png_formatter() -> None:
    """Display figures through :func:`figure_png` when running inside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # Importing the inline backend lets it register its own formatters now
    # (it does so once, and only when it is the backend), so that ours,
    # registered after, is the one that stays.
    try:
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, _display_png)
