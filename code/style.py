"""One look for every figure of the book: a colour-blind-safe palette and sizes.

The palette is Okabe and Ito's (2008), which stays distinguishable under the
common forms of colour blindness. Pages call :func:`use_book_style` once in
their setup cell.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

__all__ = ["OKABE_ITO", "use_book_style"]

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

# Yellow is hard to see on white, so it comes late in the line cycle.
_CYCLE = [OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "reddish_purple",
                                 "orange", "sky_blue", "yellow")]


def use_book_style() -> None:
    """Set matplotlib's defaults for the book's figures.

    Colours cycle through the Okabe-Ito palette (blue, vermillion, green, ...),
    and fonts are large enough to read when a figure is shrunk to the width
    of a phone.
    """
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=_CYCLE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 12,
            "legend.fontsize": 10,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "lines.linewidth": 2.0,
        }
    )
