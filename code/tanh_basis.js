// The JavaScript twin of tanh_basis.py's one-unit functions, for the
// kernel-free explorer of "The Jacobian in pictures" (code/live_explorer.py).
//
// Each function mirrors the Python function of the same name, operation by
// operation, so that a browser computes the same numbers as the book's
// module: tests/test_live_explorer.py (Node.js) and
// tests/test_explorer_browser.py (Chromium) compare them on z in [-700, 700].
// live_explorer.py puts this file, unchanged, in front of code/live_explorer.js
// in the explorer's one callback.

// sech(z)^2 = 1 - tanh(z)^2 without the cancellation of 1 - tanh^2:
// with s = exp(-|z|), sech z = 2 s / (1 + s^2). For |z| above about 373 the
// true value is below the smallest double and this returns 0, as Python does.
function sech2(z) {
  const s = Math.exp(-Math.abs(z)); // in (0, 1]; 0 only far in the tails
  const sech = (2 * s) / (1 + s * s);
  return sech * sech;
}

// One tanh unit of one input: phi = tanh(a x + b).
function tanh_unit(x, a, b) {
  return Math.tanh(a * x + b);
}

// d phi / d a = x sech^2(a x + b): the slope derivative carries the input.
function tanh_unit_dslope(x, a, b) {
  return x * sech2(a * x + b);
}

// d phi / d b = sech^2(a x + b).
function tanh_unit_dbias(x, a, b) {
  return sech2(a * x + b);
}
