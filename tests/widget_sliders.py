"""The ipywidgets sliders moved by keyboard, in JupyterLab and in Live Code alike.

Finds the x0, a and b sliders by their labels, presses an arrow key three times
on each, and requires the readout and the figure's PNG to change. The figure
is read once the kernel has answered every message the page sent it (a
``kernel.anyMessage`` log), never after a fixed time.
"""

from __future__ import annotations

import base64
import hashlib

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

#: Counts the page's shell requests (a slider's comm messages) that the kernel
#: has not yet reported "idle" for. KERNEL is a JS expression for the kernel.
TRACK_REQUESTS_JS = """
() => {
  const kernel = KERNEL;
  if (window.__requests && window.__requests.kernel === kernel) return;
  const open = new Set();
  kernel.anyMessage.connect((_, {msg, direction}) => {
    if (direction === 'send' && msg.channel === 'shell') open.add(msg.header.msg_id);
    if (direction === 'recv' && msg.channel === 'iopub' && msg.header.msg_type === 'status'
        && msg.content.execution_state === 'idle') open.delete(msg.parent_header.msg_id);
  });
  window.__requests = {kernel, open};
}
"""
#: Two animation frames: the page has painted what the kernel sent back.
TWO_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def figure_png(figure) -> bytes:
    """The PNG an ipywidgets Image shows now (``figure``: a Playwright locator)."""
    return base64.b64decode(figure.evaluate(FIGURE_BYTES_JS))


def move_each_slider(page, sliders, figure, kernel_js: str, timeout: float) -> list[str]:
    """Move x0, a and b by three arrow keys each; each must change the figure; what moved.

    ``kernel_js``: a JS expression for the page's kernel.
    """
    page.evaluate(TRACK_REQUESTS_JS.replace("KERNEL", kernel_js))

    def settled() -> bytes:
        page.wait_for_function("() => window.__requests.open.size === 0",
                               timeout=timeout * 1000)
        page.evaluate(TWO_FRAMES_JS)
        return figure_png(figure)

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
        before_value, before = readout.inner_text(), settled()
        handle = sliders.nth(index).locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        handle.focus()
        # A student's keys; back off the upper end if the slider starts there.
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        for _ in range(3):
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        assert readout.inner_text() != before_value, f"{key}: the keys did not move the slider"
        after = settled()
        assert after != before, f"{key}: the figure did not change"
        assert after[:8] == b"\x89PNG\r\n\x1a\n", f"{key}: the figure is not a PNG"
        moved.append(f"{labels[index]}: {before_value} -> {readout.inner_text()} "
                     f"(png {hashlib.sha256(before).hexdigest()[:8]} -> "
                     f"{hashlib.sha256(after).hexdigest()[:8]})")
    return moved
