"""The live explorer of "The Jacobian in pictures" in Chromium, used as a reader would.

Sliders, keyboard, play, mouse and touch drags, at desktop and phone width, in
light and dark mode, other hosts blocked; every number the five views plot is
read back from BokehJS's document model and compared with tanh_basis.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import panels
import tanh_basis as tb
from browser_book import DEEP_QUERY_JS, DESKTOP, PHONE, TWO_FRAMES, WAIT_FOR_BOKEH_JS, book_page

pytestmark = pytest.mark.slow

EXPLORER_PAGE = "chapters/interactive"
TINY = np.finfo(np.float64).tiny  # below it, doubles lose precision (subnormal)
VIEWS = ("year", *panels.PANELS)


@pytest.fixture()
def explorer(request, chromium_browser, book_url):
    """A fresh page on the explorer, drawn; at the end, no errors and no other host asked.

    At desktop width in light mode, or parametrized (indirect): viewport, mode, context options.
    """
    viewport, mode, options = getattr(request, "param", (DESKTOP, "light", {}))
    with book_page(chromium_browser, f"{book_url}/{EXPLORER_PAGE}.html", viewport, mode,
                   **options) as (page, outside, errors):
        # Near the explorer, the page loads BokehJS (_ext/jacobian_book/bokeh-lazy.js).
        page.locator(".jacobian-live").scroll_into_view_if_needed()
        page.wait_for_function(WAIT_FOR_BOKEH_JS, timeout=30_000)
        yield page
    assert errors == [] and outside == [], (errors, outside)


# ------------------------------------------------ reading the explorer back
#: Everything the explorer plots, read back from BokehJS's document model.
SNAPSHOT_JS = """
() => {
  const doc = Bokeh.documents[0];
  const m = (name) => doc.get_model_by_name(name);
  const arr = (v) => Array.from(v, (x) => (Number.isNaN(x) ? null : x));
  const out = {x0: m("x0").value, unit: m("unit").active,
               a: arr(m("state").data.a), b: arr(m("state").data.b),
               sliders: {a: m("a").value, b: m("b").value}, x0_line: m("x0-line").location,
               steps: {x0: m("x0").step, a: m("a").step, b: m("b").step}};
  for (const p of ["year", "phi_a", "dphi_a", "phi_b", "dphi_b"]) {
    const c = m("curves-" + p).data;
    out["curves-" + p] = {xs: c.xs.map(arr), ys: c.ys.map(arr), width: arr(c.width)};
    const mk = m("markers-" + p);
    if (mk) out["markers-" + p] = {x: arr(mk.data.x), y: arr(mk.data.y)};
    const t = m("tangents-" + p);
    if (t) out["tangents-" + p] = {xs: t.data.xs.map(arr), ys: t.data.ys.map(arr)};
  }
  for (const name of ["dots-year", "switches-year"])
    out[name] = {x: arr(m(name).data.x), y: arr(m(name).data.y)};
  out.readouts = Object.fromEntries([...document.querySelectorAll(".jacobian-live td[id]")]
    .map((td) => [td.id.replace(/^jl-[0-9a-f]+-/, ""), td.textContent]));
  out.highlighted = [...document.querySelectorAll(".jacobian-live tbody tr")]
    .map((tr) => tr.classList.contains("jl-hi"));
  return out;
}
"""

#: Set unit, x0, a and b through the controls' models, as a slider does, and
#: take a snapshot after each move.
SETTINGS_JS = """
async (settings) => {
  const doc = Bokeh.documents[0];
  const m = (name) => doc.get_model_by_name(name);
  const steps = [];
  for (const s of settings) {
    const snaps = [];
    for (const name of ["unit", "x0", "a", "b"]) {
      m(name)[name === "unit" ? "active" : "value"] = s[name];
      // BokehJS runs a CustomJS callback asynchronously: wait until the page has
      // painted the result, as a reader would see it.
      await SETTLE;
      if (name !== "unit") snaps.push((SNAPSHOT)());
    }
    const [at_x0, after_a, after_b] = snaps;
    steps.push({setting: s, at_x0, after_a, after_b});
  }
  return steps;
}
""".replace("SNAPSHOT", SNAPSHOT_JS.strip()).replace("SETTLE", TWO_FRAMES)

#: Each drag handle: its name, value, where its centre is on the screen, and
#: the data-per-pixel of its view (from BokehJS's scale of that figure).
HANDLES_JS = """
() => [...document.querySelectorAll(".jacobian-live .jl-handle")].map((h) => {
  const r = h.getBoundingClientRect();
  const fig = Bokeh.documents[0].get_model_by_name("figure-" + h.dataset.panel);
  const s = Bokeh.index.find_one(fig).frame.x_scale;
  return {panel: h.dataset.panel, unit: Number(h.dataset.unit), role: h.getAttribute("role"),
          label: h.getAttribute("aria-label"), tabindex: h.tabIndex,
          // The x0 line is grabbed high up, clear of the switch points on phi = 0.
          x: r.left + r.width / 2,
          y: r.top + r.height * (h.classList.contains("jl-handle-x0") ? 0.2 : 0.5),
          per_px: s.invert(1) - s.invert(0)};
})
"""

#: Where a view's figure starts on the screen (CSS px from the top of the viewport).
PANEL_TOP_JS = """(panel) =>
  document.querySelector(`.jacobian-live .jl-fig[data-panel='${panel}']`)
    .getBoundingClientRect().top"""

X0_JS = "() => Bokeh.documents[0].get_model_by_name('x0').value"


def _snapshot(page) -> dict:
    return page.evaluate(f"async () => {{ await {TWO_FRAMES}; return ({SNAPSHOT_JS.strip()})(); }}")


def _explorer_settings(seed: int = 9, n: int = 6) -> list[dict]:
    """Random unit, x0, a, b; half of them with the unit near its switch (steep parts)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x0, a, b = int(rng.integers(0, 366)), rng.uniform(0.0, 1.0), rng.uniform(-120.0, 0.0)
        if i % 2:
            b = np.clip(-a * x0 + rng.uniform(-3, 3), -120.0, 0.0)
        out.append({"unit": int(rng.integers(0, 3)), "x0": x0, "a": float(a), "b": float(b)})
    return out


# ---------------------------------------------------------- the numbers
#: What tanh_basis gives, for x0, a_k and b_k, at points p of each view's horizontal axis.
EXPECTED = {
    "year": lambda x0, a_k, b_k, p: tb.tanh_unit(p, a_k, b_k),
    "phi_a": lambda x0, a_k, b_k, p: tb.tanh_unit(x0, p, b_k),
    "dphi_a": lambda x0, a_k, b_k, p: tb.tanh_unit_dslope(x0, p, b_k),
    "phi_b": lambda x0, a_k, b_k, p: tb.tanh_unit(x0, a_k, p),
    "dphi_b": lambda x0, a_k, b_k, p: tb.tanh_unit_dbias(x0, a_k, p),
}


def _worst_rel(got, want) -> float:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), TINY), initial=0.0))


def _check_snapshot(snap: dict, rtol: float = 1e-12) -> None:
    """Every plotted point, marker, tangent and switch point equals tanh_basis."""
    x0, a, b = snap["x0"], snap["a"], snap["b"]
    assert snap["x0_line"] == x0
    year_lo, year_hi = panels.X0_RANGE
    for k in range(len(a)):
        for view in VIEWS:
            xs, ys = snap[f"curves-{view}"]["xs"][k], snap[f"curves-{view}"]["ys"][k]
            assert len(xs) == len(ys) > 100
            worst = _worst_rel(ys, EXPECTED[view](x0, a[k], b[k], np.asarray(xs, dtype=float)))
            assert worst <= rtol, f"x0={x0} unit {k + 1} {view}: relative error {worst:.1e}"
            if view == "year":
                continue
            where = a[k] if view.endswith("_a") else b[k]
            marker = snap[f"markers-{view}"]
            assert marker["x"][k] == where
            worst = _worst_rel(marker["y"][k], EXPECTED[view](x0, a[k], b[k], where))
            assert worst <= rtol, f"x0={x0} unit {k + 1} {view} marker: {worst:.1e}"
        for panel in ("phi_a", "phi_b"):
            (p1, p2), (v1, v2) = (snap[f"tangents-{panel}"][c][k] for c in ("xs", "ys"))
            slope = snap[f"markers-d{panel}"]["y"][k]
            assert p1 < snap[f"markers-{panel}"]["x"][k] < p2
            np.testing.assert_allclose((v2 - v1) / (p2 - p1), slope, rtol=1e-9, atol=1e-15)
        # The year view: the unit's value at x0, and where it switches.
        assert snap["dots-year"]["x"][k] == x0
        worst = _worst_rel(snap["dots-year"]["y"][k], tb.tanh_unit(x0, a[k], b[k]))
        assert worst <= rtol, f"x0={x0} unit {k + 1} year dot: {worst:.1e}"
        switch = -b[k] / a[k] if a[k] != 0 else np.nan
        if year_lo <= switch <= year_hi:
            assert _worst_rel(snap["switches-year"]["x"][k], switch) <= rtol
            assert abs(tb.tanh_unit(snap["switches-year"]["x"][k], a[k], b[k])) < 1e-12
        else:
            assert snap["switches-year"]["x"][k] is None, "a switch outside the year is drawn"


def _unit_data(snap: dict, k: int) -> list:
    keys = [f"{kind}-{view}" for kind in ("curves", "markers", "tangents") for view in VIEWS]
    rows = [{c: snap[key][c][k] for c in snap[key] if c != "width"} for key in keys if key in snap]
    # The year's dot: its x is x0, the same for every unit.
    return [*rows, snap["dots-year"]["y"][k], snap["switches-year"]["x"][k]]


def _assert_only_unit_moved(before: dict, after: dict, unit: int) -> None:
    # The Kronecker delta: unit l's a or b changes unit l's data only.
    for k in range(len(before["a"])):
        if k != unit:
            assert _unit_data(after, k) == _unit_data(before, k), (
                f"moving unit {unit + 1} changed unit {k + 1}")
    assert _unit_data(after, unit) != _unit_data(before, unit)


# --------------------------------------------------------------- tests
def test_explorer_starts_at_the_books_example_and_equals_tanh_basis_after_moves(explorer):
    start = _snapshot(explorer)
    x0, a, b = panels.DEFAULT_X0, list(panels.DEFAULT_A), list(panels.DEFAULT_B)
    assert (start["x0"], start["a"], start["b"]) == (x0, a, b)
    _check_snapshot(start)
    # Tiny, not zero: unit 3's bias derivative, in the model and in the table.
    want = tb.tanh_unit_dbias(x0, a[2], b[2])
    assert 0 < want < 1e-30
    assert _worst_rel(start["markers-dphi_b"]["y"][2], want) <= 1e-12
    assert float(start["readouts"]["db-2"]) == pytest.approx(want, rel=1e-3)
    # Unit 1 switches at the starting input: its switch point is on the x0 line.
    assert start["switches-year"]["x"][0] == pytest.approx(x0, rel=1e-12)
    # Then random moves through the controls' models, as a slider makes them.
    settings = _explorer_settings()
    steps = explorer.evaluate(SETTINGS_JS, settings)
    for step in steps:
        s = step["setting"]
        # Selecting a unit shows its own parameters on the a and b sliders.
        at_x0 = step["at_x0"]
        assert at_x0["sliders"] == {"a": at_x0["a"][s["unit"]], "b": at_x0["b"][s["unit"]]}
        for snap in (at_x0, step["after_a"], step["after_b"]):
            _check_snapshot(snap)
        assert step["after_a"]["a"][s["unit"]] == s["a"]
        assert step["after_b"]["b"][s["unit"]] == s["b"]
        assert step["after_b"]["x0"] == s["x0"]
        # The table follows: unit l's readout is the marker's value.
        shown = float(step["after_b"]["readouts"][f"db-{s['unit']}"])
        marker = step["after_b"]["markers-dphi_b"]["y"][s["unit"]]
        assert shown == pytest.approx(marker, rel=1e-3, abs=1e-300)
        _assert_only_unit_moved(at_x0, step["after_a"], s["unit"])
        _assert_only_unit_moved(step["after_a"], step["after_b"], s["unit"])


#: Move x0 through the values, a painted frame each; how often computed styles were read.
MOVES_JS = """
async (values) => {
  const x0 = Bokeh.documents[0].get_model_by_name("x0"), read = window.getComputedStyle;
  let reads = 0;
  window.getComputedStyle = (...args) => { reads += 1; return read(...args); };
  for (const v of values) { x0.value = v; await SETTLE; }
  window.getComputedStyle = read;
  return reads;
}
""".replace("SETTLE", TWO_FRAMES)


def test_a_move_reads_and_recomputes_the_pages_styles_a_few_times_not_at_every_paint(explorer):
    # Per x0 move, BokehJS reads computed styles about 1,840 times and the page recomputes
    # them 27 times (Chromium's counter); about 80 and 6 with live_explorer.js's skip_*.
    cdp = explorer.context.new_cdp_session(explorer)
    cdp.send("Performance.enable")

    def recalculations() -> float:
        metrics = cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == "RecalcStyleCount")

    explorer.evaluate(MOVES_JS, [panels.DEFAULT_X0 + 1])
    before = recalculations()
    reads = explorer.evaluate(MOVES_JS, [panels.DEFAULT_X0 + 2 + i for i in range(10)])
    recomputed = recalculations() - before
    assert 0 < recomputed <= 100 and reads <= 2000, (recomputed, reads)


def _handle(page, panel: str, unit: int) -> dict:
    """A handle's place on the screen, once it has been scrolled into view."""
    # In the middle of the screen: not under the theme's sticky header.
    page.locator(f".jl-handle[data-panel='{panel}'][data-unit='{unit}']").evaluate(
        "(h) => h.scrollIntoView({block: 'center', behavior: 'instant'})")
    page.evaluate(f"() => {TWO_FRAMES}")
    found = [h for h in page.evaluate(HANDLES_JS) if h["panel"] == panel and h["unit"] == unit]
    assert len(found) == 1, (panel, unit, found)
    return found[0]


def _mouse_drag(page, handle: dict, dx: float) -> None:
    """A real pointer drag: press on the handle, move in steps, release."""
    page.mouse.move(handle["x"], handle["y"])
    page.mouse.down()
    page.mouse.move(handle["x"] + dx / 2, handle["y"] + 3, steps=4)
    page.mouse.move(handle["x"] + dx, handle["y"] + 5, steps=4)
    page.mouse.up()


#: (view, unit, parameter, pixels), one after another: the year view's switch
#: point (sets b_k; first, while unit 1's is on the x0 line), the markers of the
#: slope and bias axes, a derivative panel, and the x0 line.
DRAGS = [("year", 0, "switch", 40), ("phi_a", 1, "a", 60), ("dphi_b", 2, "b", -45),
         ("phi_b", 0, "b", -70), ("year", -1, "x0", 90)]


def _drag(page, move, view: str, unit: int, param: str, dx: float) -> None:
    """``move`` (a mouse's or a finger's) drags a handle by dx pixels.

    The control takes the value dx pixels make, snapped to its step, and moves nothing
    else; the page does not scroll; every number the explorer plots still equals tanh_basis.
    """
    before, handle = _snapshot(page), _handle(page, view, unit)
    top = page.evaluate(PANEL_TOP_JS, view)
    move(page, handle, dx)
    after = _snapshot(page)
    delta, name = dx * handle["per_px"], "b" if param == "switch" else param
    got = after["x0"] if param == "x0" else after[name][unit]
    if param == "x0":
        want = before["x0"] + delta
        # Dragging the line moves the x0 slider; the units' parameters stay.
        assert (after["a"], after["b"]) == (before["a"], before["b"])
    else:
        # The switch point x* = -b/a moves by delta days.
        want = (-before["a"][unit] * (-before["b"][unit] / before["a"][unit] + delta)
                if param == "switch" else before[param][unit] + delta)
        other = "a" if name == "b" else "b"
        assert after[other] == before[other] and after["x0"] == before["x0"], view
        # Dragging picks the unit: the sliders show its values.
        assert after["unit"] == unit and after["sliders"][name] == got, view
        _assert_only_unit_moved(before, after, unit)
    assert abs(got - want) <= before["steps"][name] / 2 + 1e-9, (view, got, want)
    # The pointer moved the marker, not the page: the panel is still at the same
    # height on the screen. (window.scrollY is no measure: the browser's scroll
    # anchoring shifts it when MathJax, still typesetting under load, changes the
    # height of the text above.)
    assert abs(page.evaluate(PANEL_TOP_JS, view) - top) <= 1.0, view
    _check_snapshot(after)


def test_dragging_each_handle_sets_that_units_parameter(explorer):
    for drag in DRAGS:
        _drag(explorer, _mouse_drag, *drag)


def test_keys_move_named_handles_and_sliders_focus_or_hover_highlights_play_sweeps(explorer):
    handles = explorer.evaluate(HANDLES_JS)
    assert len(handles) == 3 * 5 + 1
    assert all(h["role"] == "slider" and h["label"] for h in handles), handles
    # Those in the Tab order (Tab reaches each: tests/test_a11y.py), each named apart.
    labels = [h["label"] for h in handles if h["tabindex"] == 0]
    assert len(set(labels)) == len(labels) == 3 * 3 + 1, labels
    before = _snapshot(explorer)
    steps = before["steps"]
    explorer.locator(".jl-handle[data-panel='phi_b'][data-unit='1']").focus()
    explorer.keyboard.press("ArrowRight")
    explorer.keyboard.press("ArrowRight")
    after = _snapshot(explorer)
    assert after["b"][1] == pytest.approx(before["b"][1] + 2 * steps["b"], abs=1e-12)
    assert after["unit"] == 1 and after["sliders"]["b"] == after["b"][1]
    # Focus highlights the unit in every view and its row in the table.
    assert after["highlighted"] == [False, True, False]
    assert all(after[f"curves-{v}"]["width"][1] > after[f"curves-{v}"]["width"][0]
               for v in VIEWS)
    explorer.locator(".jl-handle-x0").focus()
    explorer.keyboard.press("PageUp")
    moved = _snapshot(explorer)
    assert moved["x0"] == before["x0"] + 10 * steps["x0"]
    _check_snapshot(moved)
    explorer.evaluate("() => document.activeElement.blur()")
    # So does pointing at a marker, until the pointer leaves.
    handle = _handle(explorer, "dphi_a", 2)
    explorer.mouse.move(handle["x"], handle["y"])
    snap = _snapshot(explorer)
    assert snap["highlighted"] == [False, False, True]
    for view in VIEWS:
        width = snap[f"curves-{view}"]["width"]
        assert width[2] > width[0] == width[1], (view, width)
    explorer.mouse.move(5, 5)
    assert _snapshot(explorer)["highlighted"] == [False, False, False]
    # The sliders, named once BokehJS has drawn them (after the document is ready);
    # noUiSlider's handles are inside nested shadow roots.
    names = explorer.wait_for_function(
        f"() => {{ const h = ({DEEP_QUERY_JS})('.noUi-handle'); return h.length === 3"
        " && h.every((el) => el.hasAttribute('aria-label'))"
        " && h.map((el) => el.getAttribute('aria-label')); }", timeout=10_000).json_value()
    assert names == [
        "input x₀ (day)", "slope aₖ of the selected unit", "bias bₖ of the selected unit"
    ], names
    live = explorer.locator(".jacobian-live")
    slider = live.locator(".noUi-handle").first
    slider.focus()
    start = explorer.evaluate(X0_JS)
    slider.press("ArrowRight")
    right = explorer.evaluate(X0_JS)
    slider.press("ArrowLeft")
    assert (right - start, explorer.evaluate(X0_JS)) == (1, start)
    # Play sweeps x0 until pressed again.
    live.get_by_role("button", name=re.compile("Play")).click()
    explorer.wait_for_function(f"{X0_JS.removeprefix('() => ')} !== {start}", timeout=10_000)
    live.get_by_role("button", name=re.compile("Pause")).click()
    # Stopped means the sweep's interval timer is gone (live_explorer.js keeps
    # it in the explorer's state) and the button offers Play again.
    explorer.wait_for_function(
        "() => Object.values(window.jacobian_live || {}).every((s) => !s.timer)", timeout=10_000)
    live.get_by_role("button", name=re.compile("Play")).wait_for()
    stopped_at = explorer.evaluate(X0_JS)
    explorer.evaluate(f"() => {TWO_FRAMES}")
    assert explorer.evaluate(X0_JS) == stopped_at, "x0 moved after play stopped"
    _check_snapshot(_snapshot(explorer))


def _touch_drag(page, handle: dict, dx: float) -> None:
    """A finger drag through the DevTools protocol (Playwright's touchscreen only taps)."""
    cdp = page.context.new_cdp_session(page)
    x, y = handle["x"], handle["y"]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 6):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x + dx * i / 5, "y": y + i}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@pytest.mark.parametrize("explorer", [(PHONE, "dark", {"has_touch": True})], ids=["phone-dark"],
                         indirect=True)
def test_touch_drag_on_a_phone_in_dark_mode_on_a_card_that_stays_light(explorer):
    colours = explorer.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('.jacobian-live'));"
        " const c = getComputedStyle(document.querySelector('.jacobian-live caption'));"
        " return [s.backgroundColor, c.color]; }")
    # The card stays light, with dark text, whatever the theme around it.
    assert colours == ["rgb(255, 255, 255)", "rgb(26, 26, 26)"], colours
    explorer.evaluate("() => { window.jl_pointer_types = new Set();"
                      " document.addEventListener('pointerdown',"
                      " (e) => window.jl_pointer_types.add(e.pointerType), true); }")
    for drag in (("phi_b", 2, "b", 40), ("year", -1, "x0", -50)):
        _drag(explorer, _touch_drag, *drag)
    # The drags came as touches, not as a mouse.
    assert explorer.evaluate("() => [...window.jl_pointer_types]") == ["touch"]


#: The explorer's height and overflow, its figures' boxes, and whether any BokehJS
#: file has been fetched.
LAZY_STATE_JS = """
() => {
  const live = document.querySelector(".jacobian-live");
  const boxes = [...live.querySelectorAll(".jl-grid > div")].map((el) => {
    const r = el.getBoundingClientRect();
    return {panel: el.dataset.panel, x: Math.round(r.x), y: Math.round(r.y),
            width: Math.round(r.width), height: Math.round(r.height)};
  });
  return {height: live.getBoundingClientRect().height,
          overflow: live.scrollWidth - live.clientWidth, boxes,
          bokeh: performance.getEntriesByType("resource")
            .some((e) => /bokeh[^/]*\\.min\\.js/.test(e.name)),
          state: document.documentElement.dataset.bokeh || null};
}
"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_bokeh_js_loads_near_the_explorer_or_by_its_button_into_its_final_box_and_layout(
        chromium_browser, book_url, viewport):
    """On a desktop the reader scrolls to the explorer; on a phone presses its load button."""
    with book_page(chromium_browser, f"{book_url}/{EXPLORER_PAGE}.html",
                   viewport) as (page, outside, _):
        # Two animation frames: the loader's observer has reported the explorer far away.
        page.evaluate(f"() => {TWO_FRAMES}")
        before = page.evaluate(LAZY_STATE_JS)
        assert before["bokeh"] is False and before["state"] is None, before
        if viewport is DESKTOP:
            page.locator(".jacobian-live").scroll_into_view_if_needed()
        else:
            button = page.locator(".jl-load")
            assert button.count() == 1 and button.is_visible()
            # Focus without scrolling the explorer into the loading margin.
            button.evaluate("(b) => b.focus({preventScroll: true})")
            page.keyboard.press("Enter")
        page.wait_for_function(WAIT_FOR_BOKEH_JS, timeout=30_000)
        after = page.evaluate(LAZY_STATE_JS)
        assert page.locator(".jl-load").count() == 0
    assert outside == []
    assert after["bokeh"] and after["state"] == "loaded", after
    # The box had its final size before BokehJS drew into it.
    assert abs(after["height"] - before["height"]) <= 1, (before, after)
    boxes = after["boxes"]
    assert [b["panel"] for b in boxes] == list(VIEWS) and after["overflow"] <= 1
    assert all(box["height"] > 150 for box in boxes), boxes
    year, grid = boxes[0], boxes[1:]
    if viewport is DESKTOP:
        # The year view across the top, the four panels two by two below it.
        assert year["width"] > 1.8 * grid[0]["width"], boxes
        assert grid[0]["y"] == grid[1]["y"] > year["y"] and grid[0]["x"] < grid[1]["x"]
        assert grid[2]["y"] > grid[0]["y"] and grid[2]["x"] == grid[0]["x"], boxes
    else:  # one column
        assert len({box["x"] for box in boxes}) == 1, boxes
        assert [box["y"] for box in boxes] == sorted({box["y"] for box in boxes}), boxes
        assert all(box["x"] + box["width"] <= PHONE["width"] for box in boxes), boxes
