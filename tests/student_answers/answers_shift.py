"""Exercise 8, a step that is too small: students' answers to my_shift_lost(W, eps)."""

from __future__ import annotations

import numpy as np
from student_corpus import Corpus

shift = Corpus("shift_lost")


@shift.right
def both_sides(W, eps):
    return (W + eps == W) & (W - eps == W)


@shift.right
def numpy_functions(W, eps):
    return np.logical_and(np.equal(np.add(W, eps), W), np.equal(np.subtract(W, eps), W))


@shift.right
def differences_are_zero(W, eps):
    # (W + eps) - W is exact here, so it is 0 exactly when the shift was lost.
    return ((W + eps) - W == 0) & (W - (W - eps) == 0)


@shift.right
def python_floats(W, eps):
    lost = np.zeros(W.shape, dtype=bool)
    for idx, w in np.ndenumerate(W):
        w = float(w)
        lost[idx] = (w + eps == w) and (w - eps == w)
    return lost


@shift.wrong(r"agrees with W \+ eps == W alone, for every step")
def up_only(W, eps):
    return W + eps == W


@shift.wrong(r"agrees with W - eps == W alone")
def down_only(W, eps):
    return W - eps == W


@shift.wrong(r"opposite of the right one")
def moved(W, eps):
    return (W + eps != W) | (W - eps != W)


@shift.wrong(r"either side rounds back to W \(or\)")
def either_side(W, eps):
    return (W + eps == W) | (W - eps == W)


@shift.wrong(r"entries are wrong")
def below_half_spacing(W, eps):
    return eps < np.spacing(np.abs(W)) / 2


@shift.wrong(r"entries are wrong")
def at_most_half_spacing(W, eps):
    return eps <= np.spacing(np.abs(W)) / 2


@shift.wrong(r"entries are wrong")
def below_quarter_spacing(W, eps):
    # the spacing below a power of two is half: play safe with a quarter
    return eps < np.spacing(np.abs(W)) / 4


@shift.wrong(r"entries are wrong")
def relative_to_machine_epsilon(W, eps):
    return eps < np.finfo(float).eps * np.abs(W) / 2


@shift.wrong(r"entries are wrong")
def spacing_without_abs(W, eps):
    return eps < np.spacing(W) / 2


@shift.wrong(r"Wrong type.*int64")
def as_integers(W, eps):
    return ((W + eps == W) & (W - eps == W)).astype(int)


@shift.wrong(r"entries are wrong")
def in_float32(W, eps):
    V = W.astype(np.float32)
    return (V + eps == V) & (V - eps == V)


@shift.wrong(r"Unfinished.*returns None for eps = ")
def tiny_steps_later(W, eps):
    if eps < 1e-16:
        return None  # not sure yet
    return (W + eps == W) & (W - eps == W)


@shift.wrong(r"Wrong shape.*\(\)")
def all_lost(W, eps):
    return np.all((W + eps == W) & (W - eps == W))


@shift.wrong(r"changes its input W in place")
def shifts_w_in_place(W, eps):
    up = W + eps == W
    W -= eps
    return up & (W == W + eps)


@shift.wrong(r"Wrong type")
def ragged_rows(W, eps):
    return [list((row + eps == row) & (row - eps == row))[: i + 1] for i, row in enumerate(W)]


@shift.wrong(r"Wrong type.*float64")
def nan_where_unsure(W, eps):
    return np.where(W == 0, np.nan, (W + eps == W) & (W - eps == W))


@shift.wrong(r"round half to even")
def strict_half_spacing_both_sides(W, eps):
    above = np.nextafter(W, np.inf) - W
    below = W - np.nextafter(W, -np.inf)
    return (eps < above / 2) & (eps < below / 2)
