"""Fonts cut to the characters a site draws (fontTools), for the math and the icons."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fontTools import subset


def subset_woff(source: Path, target: Path, characters: Iterable[int]) -> None:
    """Write ``source`` cut to the code points ``characters`` as a WOFF file ``target``."""
    options = subset.Options()
    options.flavor = "woff"
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: fontTools would warn
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=set(characters))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
