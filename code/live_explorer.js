// The live explorer's JavaScript (code/live_explorer.py reads this file).
//
// live_explorer.py builds a Bokeh document with empty data sources and one
// CustomJS callback whose code is code/tanh_basis.js, then this file, then
// `explorer_run(lx, cb_obj);`. Every number is computed here, in the
// reader's browser, with the twin of tanh_basis (tanh_unit,
// tanh_unit_dslope, tanh_unit_dbias), including the first frame, which is
// drawn when the document is ready. tests/test_live_explorer.py runs the pure
// functions below with Node.js, tests/test_explorer_browser.py the whole page.
//
// The five views (see panels.py for the four parameter panels):
//   year:   phi_k(x) = tanh(a_k x + b_k) for x over the year, the x0 line,
//           each unit's value at x0 and its switch point x* = -b_k / a_k;
//   phi_a, dphi_a: phi_k and d phi_k / d a against the slope a, at x0 and b_k;
//   phi_b, dphi_b: phi_k and d phi_k / d b against the bias b, at x0 and a_k.
// Units are numbered from 0 here and from 1 on the page.

// Points on [lo, hi]: n_coarse evenly spaced, plus n_fine on centre +- half
// (where the unit switches and its curves bend); half <= 0 or a window
// outside the axis gives the coarse points only. Increasing.
function grid(lo, hi, centre, half, n_coarse, n_fine) {
  const out = [];
  const f_lo = Math.max(lo, centre - half), f_hi = Math.min(hi, centre + half);
  const fine = half > 0 && f_lo < f_hi;
  for (let i = 0; i < n_coarse; i++) {
    const p = lo + (hi - lo) * i / (n_coarse - 1);
    if (!fine || p < f_lo) out.push(p);
  }
  if (fine) {
    for (let i = 0; i < n_fine; i++) out.push(f_lo + (f_hi - f_lo) * i / (n_fine - 1));
    for (let i = 0; i < n_coarse; i++) {
      const p = lo + (hi - lo) * i / (n_coarse - 1);
      if (p > f_hi) out.push(p);
    }
  }
  return out;
}

// End points of a segment through (p, v) with the given slope, whose length
// is 2 * half_length measured in fractions of the panel (x_span by y_span),
// so that steep tangents are no longer than flat ones.
function tangent(p, v, slope, x_span, y_span, half_length) {
  const m = slope * x_span / y_span;
  const dx = half_length * x_span / Math.sqrt(1 + m * m);
  return {x: [p - dx, p + dx], y: [v - slope * dx, v + slope * dx]};
}

// A derivative's readout: 4 significant digits ("16.96"), or a short
// exponent form for the tiny and the huge ("6.756e-48").
function fmt(v) {
  const m = Math.abs(v);
  return m >= 0.01 && m < 1000 ? v.toPrecision(4) : v.toExponential(3).replace("e+", "e");
}

// Where unit (a_k, b_k) switches (z = 0) on the year axis: x* = -b_k / a_k.
function switch_point(ak, bk) {
  return ak !== 0 ? -bk / ak : NaN;
}

// Everything one unit contributes to the four parameter panels at x0.
// cfg: {a_range, b_range, n_coarse, n_fine, fine_half_z, tangent_half, spans}.
function unit_panels(x0, ak, bk, cfg) {
  const a_grid = grid(cfg.a_range[0], cfg.a_range[1], x0 !== 0 ? -bk / x0 : 0,
                      x0 !== 0 ? cfg.fine_half_z / Math.abs(x0) : 0, cfg.n_coarse, cfg.n_fine);
  const b_grid = grid(cfg.b_range[0], cfg.b_range[1], -ak * x0, cfg.fine_half_z,
                      cfg.n_coarse, cfg.n_fine);
  const phi = tanh_unit(x0, ak, bk);
  const da = tanh_unit_dslope(x0, ak, bk), db = tanh_unit_dbias(x0, ak, bk);
  return {
    curves: {
      phi_a: [a_grid, a_grid.map((p) => tanh_unit(x0, p, bk))],
      dphi_a: [a_grid, a_grid.map((p) => tanh_unit_dslope(x0, p, bk))],
      phi_b: [b_grid, b_grid.map((p) => tanh_unit(x0, ak, p))],
      dphi_b: [b_grid, b_grid.map((p) => tanh_unit_dbias(x0, ak, p))],
    },
    markers: {phi_a: [ak, phi], dphi_a: [ak, da], phi_b: [bk, phi], dphi_b: [bk, db]},
    tangents: {
      phi_a: tangent(ak, phi, da, cfg.spans.a, cfg.spans.phi, cfg.tangent_half),
      phi_b: tangent(bk, phi, db, cfg.spans.b, cfg.spans.phi, cfg.tangent_half),
    },
    // The readout table's cells, in the order of `cells` in explorer_run.
    row: [phi.toFixed(4), fmt(da), fmt(db), (ak * x0 + bk).toFixed(2), ak.toFixed(3),
          bk.toFixed(1)],
  };
}

// One unit over the year: phi_k(x) on a grid of x_range, fine where it switches.
function unit_year(ak, bk, cfg) {
  const xs = grid(cfg.x_range[0], cfg.x_range[1], switch_point(ak, bk),
                  ak !== 0 ? cfg.fine_half_z / Math.abs(ak) : 0, cfg.n_coarse, cfg.n_fine);
  return [xs, xs.map((x) => tanh_unit(x, ak, bk))];
}

// ------------------------------------------------------------------ the page
// The value of a control after a drag or key: snapped to its step, in range.
function snap(v, lo, hi, step) {
  const n = Math.round((Math.min(hi, Math.max(lo, v)) - lo) / step);
  // toPrecision drops the rounding noise of lo + n * step (0.30000000000000004).
  return Math.min(hi, Number((lo + n * step).toPrecision(12)));
}

// The explorer's state that outlives one call (handles, the drag in progress).
function explorer_state(lx) {
  const all = (window.jacobian_live = window.jacobian_live || {});
  return (all[lx.cfg.id] = all[lx.cfg.id] || {ready: false, handles: [], drag: null,
                                               highlight: -1});
}

// The Bokeh view of a figure, for its scales (data <-> canvas pixels).
function plot_view(fig) {
  return Bokeh.index.find_one(fig);
}

// Recompute and redraw. units: whose four panels changed; year: whose year
// curve changed; moved_x0: whether the x0 line and the values at x0 moved.
function draw(lx, ui, units, year, moved_x0) {
  const cfg = lx.cfg, x0 = lx.x0_slider.value;
  const a = lx.state.data.a, b = lx.state.data.b;
  const cells = ["phi", "da", "db", "z", "a", "b"];
  for (const k of units) {
    const u = unit_panels(x0, a[k], b[k], cfg);
    // In place, then one change event per source: far cheaper in BokehJS
    // than a new data object per unit.
    for (const p in u.curves) {
      lx.curves[p].data.xs[k] = u.curves[p][0];
      lx.curves[p].data.ys[k] = u.curves[p][1];
      lx.markers[p].data.x[k] = u.markers[p][0];
      lx.markers[p].data.y[k] = u.markers[p][1];
    }
    for (const p in u.tangents) {
      lx.tangents[p].data.xs[k] = u.tangents[p].x;
      lx.tangents[p].data.ys[k] = u.tangents[p].y;
    }
    lx.dots.data.y[k] = u.markers.phi_a[1];
    // Only the cells whose text changes: each write costs a style recalculation.
    for (let j = 0; j < cells.length; j++) {
      if (ui.cells[k][j].textContent !== u.row[j]) ui.cells[k][j].textContent = u.row[j];
    }
  }
  for (const k of year) {
    const [xs, ys] = unit_year(a[k], b[k], cfg);
    lx.curves.year.data.xs[k] = xs;
    lx.curves.year.data.ys[k] = ys;
    const xstar = switch_point(a[k], b[k]);
    // NaN: not drawn (no switch, or not in this year).
    lx.switches.data.x[k] = xstar >= cfg.x_range[0] && xstar <= cfg.x_range[1] ? xstar : NaN;
  }
  if (units.length) {
    for (const p of cfg.panels) { lx.curves[p].change.emit(); lx.markers[p].change.emit(); }
    for (const p in lx.tangents) lx.tangents[p].change.emit();
  }
  if (year.length) { lx.curves.year.change.emit(); lx.switches.change.emit(); }
  if (moved_x0) {
    lx.dots.data.x = lx.dots.data.x.map(() => x0);
    lx.x0_line.location = x0;
    ui.x0_cell.textContent = String(x0);
  }
  if (units.length || moved_x0) lx.dots.change.emit();
  // Only the handles whose marker may have moved.
  place_handles(lx, ui, (h) => (h.k >= 0 ? units.includes(h.k) && (h.kind === "marker"
    || year.includes(h.k)) : moved_x0));
}

// ---------------------------------------------------------------- handles
// A drag handle: a focusable element over a marker (or the x0 line) with
// the role and name of a slider, moved by pointer, touch and keyboard alike.
// param: the control it sets ("a", "b" or "x0"); to_value maps the data x of
// the pointer to the control's value (the year view's switch point sets b_k).
function make_handle(lx, ui, spec) {
  const el = document.createElement("div");
  el.className = "jl-handle" + (spec.kind === "x0" ? " jl-handle-x0" : "");
  el.setAttribute("role", "slider");
  el.setAttribute("aria-label", spec.label);
  el.tabIndex = spec.tabbable ? 0 : -1;
  el.dataset.panel = spec.panel;
  el.dataset.unit = String(spec.k);
  spec.el = el;
  spec.last = {};  // what place_handles last wrote
  ui.layers[spec.panel].appendChild(el);
  const slider = {a: lx.a_slider, b: lx.b_slider, x0: lx.x0_slider}[spec.param];
  // BokehJS runs the controls' callbacks later (asynchronously): the state
  // and the picture change here, at once, and the controls follow, finding
  // the state already at their values.
  const set = (v) => {
    v = snap(v, slider.start, slider.end, slider.step);
    if (spec.k >= 0) {
      const st = lx.state.data;
      if (st[spec.param][spec.k] !== v) {
        st[spec.param][spec.k] = v;
        draw(lx, ui, [spec.k], [spec.k], false);
      }
      if (lx.unit.active !== spec.k) lx.unit.active = spec.k;
    }
    if (slider.value !== v) slider.value = v;
  };
  el.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    try { el.setPointerCapture(e.pointerId); } catch (err) { /* a synthetic event */ }
    el.focus({preventScroll: true});
    const view = plot_view(lx.figures[spec.panel]);
    // Read the layout once per drag, not on every move.
    const left = view.canvas_view.el.getBoundingClientRect().left;
    const x_at = (ev) => view.frame.x_scale.invert(ev.clientX - left);
    // Keep the offset between the pointer and the marker: no jump on grab.
    ui.drag = {spec, x_at, start_x: x_at(e), start_value: spec.value()};
    if (spec.k >= 0 && lx.unit.active !== spec.k) lx.unit.active = spec.k;
    el.classList.add("jl-dragging");
    highlight(lx, ui, spec.k);
  });
  el.addEventListener("pointermove", (e) => {
    const d = ui.drag;
    if (!d || d.spec !== spec) return;
    set(spec.to_value(d.start_value, d.x_at(e) - d.start_x));
  });
  const end = () => {
    if (!ui.drag || ui.drag.spec !== spec) return;
    ui.drag = null;
    el.classList.remove("jl-dragging");
    if (document.activeElement !== el) highlight(lx, ui, -1);
  };
  el.addEventListener("pointerup", end);
  el.addEventListener("pointercancel", end);
  el.addEventListener("keydown", (e) => {
    const steps = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1,
                   PageUp: 10, PageDown: -10};
    let v;
    if (e.key in steps) v = spec.key_value(steps[e.key], slider.step);
    else if (e.key === "Home") v = slider.start;
    else if (e.key === "End") v = slider.end;
    else return;
    e.preventDefault();
    set(v);
  });
  el.addEventListener("pointerenter", () => { if (!ui.drag) highlight(lx, ui, spec.k); });
  el.addEventListener("pointerleave", () => {
    if (!ui.drag && document.activeElement !== el) highlight(lx, ui, -1);
  });
  el.addEventListener("focus", () => highlight(lx, ui, spec.k));
  el.addEventListener("blur", () => { if (!ui.drag) highlight(lx, ui, -1); });
  ui.handles.push(spec);
}

function make_handles(lx, ui) {
  const K = lx.state.data.a.length;
  const n = (k) => String(k + 1).split("").map((c) => "₀₁₂₃₄₅₆₇₈₉"[+c]).join("");
  const st = lx.state.data;
  for (let k = 0; k < K; k++) {
    for (const [panel, param, tabbable] of [["phi_a", "a", true], ["dphi_a", "a", false],
                                            ["phi_b", "b", true], ["dphi_b", "b", false]]) {
      const what = param === "a" ? `slope a${n(k)}` : `bias b${n(k)}`;
      make_handle(lx, ui, {
        panel, param, k, tabbable, kind: "marker",
        label: `unit ${k + 1}: drag to set its ${what}`,
        value: () => st[param][k],
        pos: () => [st[param][k], lx.markers[panel].data.y[k]],
        to_value: (start, dx) => start + dx,
        key_value: (dir, step) => st[param][k] + dir * step,
        text: () => (param === "a" ? st.a[k].toFixed(3) : st.b[k].toFixed(1)),
      });
    }
    // The switch point moves along the year as b_k = -a_k x* changes.
    make_handle(lx, ui, {
      panel: "year", param: "b", k, tabbable: true, kind: "switch",
      label: `unit ${k + 1}: switch point x*${n(k)} = −b${n(k)}/a${n(k)}, drag to set b${n(k)}`,
      value: () => switch_point(st.a[k], st.b[k]),
      pos: () => [lx.switches.data.x[k], 0],
      to_value: (start, dx) => -st.a[k] * (start + dx),
      // Right (up) moves the switch later in the year.
      key_value: (dir, step) => st.b[k] - Math.sign(st.a[k] || 1) * dir * step,
      text: () => `day ${switch_point(st.a[k], st.b[k]).toFixed(1)}`,
    });
  }
  make_handle(lx, ui, {
    panel: "year", param: "x0", k: -1, tabbable: true, kind: "x0",
    label: "input x₀ (day): drag the vertical line",
    value: () => lx.x0_slider.value,
    pos: () => [lx.x0_slider.value, NaN],
    to_value: (start, dx) => start + dx,
    key_value: (dir, step) => lx.x0_slider.value + dir * step,
    text: () => `day ${lx.x0_slider.value}`,
  });
}

// Put the handles (those for which `which` holds) over their markers.
// Transforms only, and only what changed: no layout of the page, and as few
// style recalculations as possible.
function place_handles(lx, ui, which = () => true) {
  const put = (h, name, value) => {
    if (h.last[name] === value) return;
    h.last[name] = value;
    if (name === "transform") h.el.style.transform = value;
    else if (name === "height") h.el.style.height = value;
    else if (name === "hidden") h.el.hidden = value;
    else h.el.setAttribute(name, value);
  };
  for (const h of ui.handles) {
    if (!which(h)) continue;
    const view = plot_view(lx.figures[h.panel]);
    if (!view) continue;
    const [x, y] = h.pos();
    const frame = view.frame;
    const sx = frame.x_scale.compute(x);
    const left = ui.offsets[h.panel][0];
    const top = ui.offsets[h.panel][1];
    if (h.kind === "x0") {
      put(h, "height", `${frame.bbox.height}px`);
      put(h, "transform", `translate(${left + sx}px, ${top + frame.bbox.top}px)`);
    } else {
      const hidden = !Number.isFinite(x) || !Number.isFinite(y);
      put(h, "hidden", hidden);
      if (!hidden) {
        put(h, "transform", `translate(${left + sx}px, ${top + frame.y_scale.compute(y)}px)`);
      }
    }
    const slider = {a: lx.a_slider, b: lx.b_slider, x0: lx.x0_slider}[h.param];
    put(h, "aria-valuemin", String(slider.start));
    put(h, "aria-valuemax", String(slider.end));
    put(h, "aria-valuenow", String(h.param === "x0" ? slider.value
      : lx.state.data[h.param][h.k]));
    put(h, "aria-valuetext", h.text());
  }
}

// Where each figure's canvas sits in its wrapper (the handles' layer):
// measured once, and again when the layout changes size.
function measure(lx, ui) {
  for (const panel in ui.layers) {
    const view = plot_view(lx.figures[panel]);
    if (!view) continue;
    const c = view.canvas_view.el.getBoundingClientRect();
    const w = ui.layers[panel].getBoundingClientRect();
    ui.offsets[panel] = [c.left - w.left, c.top - w.top];
  }
}

// Unit k stands out in every view and in the table; k = -1: none does.
function highlight(lx, ui, k) {
  if (ui.highlight === k) return;
  ui.highlight = k;
  const K = lx.state.data.a.length;
  const wide = (w, hi) => Array.from({length: K}, (_, j) => (j === k ? hi : w));
  const alpha = Array.from({length: K}, (_, j) => (k < 0 || j === k ? 1 : 0.35));
  for (const p in lx.curves) {
    lx.curves[p].data.width = wide(2, 4);
    lx.curves[p].data.alpha = alpha;
    lx.curves[p].change.emit();
  }
  for (const p in lx.markers) {
    lx.markers[p].data.size = wide(9, 14);
    lx.markers[p].change.emit();
  }
  for (let j = 0; j < K; j++) ui.rows[j].classList.toggle("jl-hi", j === k);
}

// ---------------------------------------------------- BokehJS on a book page
// Each paint of a figure makes BokehJS ask the page's computed style for CSS
// variables (--bk-text-color and the like) about 1,840 times per move, and
// write every view's <style> again, mostly with the text it already holds.
// Each write invalidates the page's styles, so the next read recomputes them.
// Both cost more the more CSS the page has: a book page has far more than a
// notebook. Nothing here sets such variables (every colour and font is in the
// figures' models), so skipping both changes nothing that is drawn.
// benchmarks/bench_live.py measures the difference; tests/test_explorer_browser.py
// counts the reads and recalculations.
function skip_unchanged_style_writes() {
  const proto = Bokeh.require("core/dom").InlineStyleSheet.prototype;
  if (proto.jl_skips_unchanged) return;
  const write = proto._update;
  proto._update = function (css) { if (this.el.textContent !== css) write.call(this, css); };
  proto.jl_skips_unchanged = true;
}

// Only the explorer's own figures: other Bokeh output in a notebook may be
// styled by CSS variables.
function skip_css_variable_reads(lx) {
  const unset = () => "";
  for (const fig of Object.values(lx.figures)) {
    const view = plot_view(fig);
    for (const v of [view, ...view.renderer_views.values()]) {
      for (const visual of v.visuals ?? []) visual._get_css_value = unset;
    }
  }
}

// Once, when the document is ready: handles, table cells, the first frame.
function setup(lx, ui) {
  skip_unchanged_style_writes();
  skip_css_variable_reads(lx);
  const root = document.getElementById(lx.cfg.id);
  ui.root = root;
  ui.layers = {};
  ui.offsets = {};
  for (const panel of ["year", ...lx.cfg.panels]) {
    ui.layers[panel] = root.querySelector(`.jl-fig[data-panel="${panel}"] .jl-layer`);
    ui.offsets[panel] = [0, 0];
  }
  const K = lx.state.data.a.length;
  const cells = ["phi", "da", "db", "z", "a", "b"];
  ui.cells = Array.from({length: K}, (_, k) =>
    cells.map((c) => document.getElementById(`${lx.cfg.id}-${c}-${k}`)));
  ui.rows = Array.from({length: K}, (_, k) => document.getElementById(`${lx.cfg.id}-row-${k}`));
  ui.x0_cell = document.getElementById(`${lx.cfg.id}-x0`);
  for (let k = 0; k < K; k++) {
    ui.rows[k].addEventListener("pointerenter", () => { if (!ui.drag) highlight(lx, ui, k); });
    ui.rows[k].addEventListener("pointerleave", () => { if (!ui.drag) highlight(lx, ui, -1); });
  }
  make_handles(lx, ui);
  measure(lx, ui);
  // BokehJS lays its canvases out again when the page's width changes:
  // measure after it has, in the next frame.
  const again = () => requestAnimationFrame(() => {
    measure(lx, ui);
    for (const h of ui.handles) h.last = {};
    place_handles(lx, ui);
  });
  const resize = new ResizeObserver(again);
  for (const panel in ui.layers) resize.observe(ui.layers[panel]);
  name_slider_handles(root, 3);
  ui.ready = true;
  const all = Array.from({length: K}, (_, k) => k);
  draw(lx, ui, all, all, true);
  root.classList.add("jl-ready");
}

// BokehJS's slider handles (role=slider, in shadow roots) have no accessible
// name: give each the text of its slider's visible title, without the value.
function name_slider_handles(root, n_sliders, tries = 0) {
  let named = 0;
  const walk = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      const handle = el.shadowRoot.querySelector(".noUi-handle");
      const title = el.shadowRoot.querySelector(".bk-slider-title");
      if (handle && title) {
        const text = title.firstChild ? title.firstChild.textContent : title.textContent;
        handle.setAttribute("aria-label", text.replace(/:\s*$/, "").trim());
        named += 1;
      }
      walk(el.shadowRoot);
    }
  };
  walk(root);
  // The sliders may be drawn after the document reports ready: look again.
  if (named < n_sliders && tries < 100) {
    setTimeout(() => name_slider_handles(root, n_sliders, tries + 1), 100);
  }
}

// Play: x0 one step per tick round the year, until pressed again.
function play(lx, ui) {
  if (ui.timer) { clearInterval(ui.timer); ui.timer = null; }
  if (lx.play.active) {
    lx.play.label = lx.cfg.pause_label;
    ui.timer = setInterval(() => {
      const s = lx.x0_slider, next = s.value + s.step;
      s.value = next > s.end ? s.start : next;
    }, 60);
  } else {
    lx.play.label = lx.cfg.play_label;
  }
}

// The one callback of every control; cb_obj is the control that moved, or
// the document-ready event.
function explorer_run(lx, cb_obj) {
  const ui = explorer_state(lx);
  if (!ui.ready) {
    // Controls may fire before the document is ready; the first frame
    // (drawn by setup) reads their values then.
    if (cb_obj === lx.x0_slider || cb_obj === lx.a_slider || cb_obj === lx.b_slider
        || cb_obj === lx.unit || cb_obj === lx.play) return;
    setup(lx, ui);
    return;
  }
  const st = lx.state.data;
  if (cb_obj === lx.play) { play(lx, ui); return; }
  if (cb_obj === lx.unit) {
    // The sliders show the selected unit's own values; nothing else moves
    // (their callbacks find the values unchanged and stop).
    lx.a_slider.value = st.a[lx.unit.active];
    lx.b_slider.value = st.b[lx.unit.active];
    return;
  }
  if (cb_obj === lx.a_slider || cb_obj === lx.b_slider) {
    const k = lx.unit.active, p = cb_obj === lx.a_slider ? "a" : "b";
    if (st[p][k] === cb_obj.value) return;
    st[p][k] = cb_obj.value;
    // The Kronecker delta: only unit k's curves move.
    draw(lx, ui, [k], [k], false);
    return;
  }
  if (cb_obj === lx.x0_slider) {
    draw(lx, ui, Array.from({length: st.a.length}, (_, k) => k), [], true);
    return;
  }
  if (!ui.root) setup(lx, ui);
}
