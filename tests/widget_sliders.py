"""The ipywidgets sliders moved by keyboard, as JupyterLab and Live Code show them.

Both tests find the x0, a and b sliders by their labels, press an arrow key
three times on each, and require the slider's readout and the figure's PNG to
change. Only how they know the kernel has answered differs, so each passes its
own ``settled`` function.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

#: Which slider is which, by its label (ipywidgets puts the description there).
SLIDERS = {"x0": ("x₀", "x0", "x_0"), "a": ("aₖ", "slope"), "b": ("bₖ", "bias")}

#: The bytes of the figure's current PNG (an ipywidgets Image shows a blob URL).
FIGURE_BYTES_JS = """
async (img) => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}
"""


def figure_png(figure) -> bytes:
    """The PNG an ipywidgets Image shows now (``figure``: a Playwright locator)."""
    return base64.b64decode(figure.evaluate(FIGURE_BYTES_JS))


def move_each_slider(page, sliders, figure, settled: Callable[[bytes | None], bytes],
                     timeout: float, on_moved: Callable[[str], None] = lambda key: None,
                     ) -> list[str]:
    """Move x0, a and b by three arrow keys each; each must change the figure.

    ``settled(before)`` returns the figure's PNG once the kernel has answered
    what the page sent (``before``: the PNG before the keys, or None).
    ``on_moved(key)`` runs after each slider (a screenshot). Returns what moved.
    """
    sliders.first.wait_for(state="visible", timeout=timeout * 1000)
    figure.wait_for(state="visible", timeout=timeout * 1000)
    labels = [sliders.nth(i).locator(".widget-label").inner_text().strip()
              for i in range(sliders.count())]
    moved = []
    for key, marks in SLIDERS.items():
        index = next((i for i, label in enumerate(labels)
                      if any(mark in label for mark in marks)), None)
        assert index is not None, f"no slider for {key} among {labels}"
        readout = sliders.nth(index).locator(".widget-readout")
        before_value = readout.inner_text()
        # Compare against a figure that no earlier slider event can still change.
        before = settled(None)
        handle = sliders.nth(index).locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        handle.focus()
        # A student's keys; back off the upper end if the slider starts there.
        key_name = "ArrowLeft" if handle.get_attribute("aria-valuenow") == \
            handle.get_attribute("aria-valuemax") else "ArrowRight"
        for _ in range(3):
            page.keyboard.press(key_name)
        assert readout.inner_text() != before_value, f"{key}: the keys did not move the slider"
        after = settled(before)
        assert after != before, f"{key}: the figure did not change within {timeout} s"
        assert after[:8] == b"\x89PNG\r\n\x1a\n", f"{key}: the figure is not a PNG"
        moved.append(f"{labels[index]}: {before_value} -> {readout.inner_text()} "
                     f"(png {hashlib.sha256(before).hexdigest()[:8]} -> "
                     f"{hashlib.sha256(after).hexdigest()[:8]})")
        on_moved(key)
    return moved
