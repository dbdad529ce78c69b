"""Tests for code/check.py: each checker on a right answer and on planted bugs.

A right answer must get "Correct"; each planted bug must get the message that
names it (the shape, the entries with 1-based indices, a missing x_nd, a
missing chain-rule factor, a sign, a stub that is not attempted yet). The
right answers here are written independently of check.py's references, from
the formulas of the exercises page.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import numpy as np
import pytest
from scipy.special import expit

import check
import check_chain
import tanh_basis as tb
import verdict


# --------------------------------------------------------------- right answers
def zeros_right(N: int, D: int, K: int) -> int:
    return N * (D + 1) * K * (K - 1)


def xt(X: np.ndarray) -> np.ndarray:
    return tb.design_matrix(X)


def sigmoid_right(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    Z = xt(X) @ W
    dsigma = expit(Z) * expit(-Z)  # sigma(z) sigma(-z): no cancellation
    return xt(X)[:, :, None] * dsigma[:, None, :]


def dropped_x_right(X: np.ndarray) -> np.ndarray:
    return np.abs(1 - X) / (1 + np.abs(X))


def shift_lost_right(W: np.ndarray, eps: float) -> np.ndarray:
    return (W + eps == W) & (W - eps == W)


# ------------------------------------------------------------------ stubs
def stub_none(*args: object) -> None:
    return None


def stub_raises(*args: object) -> None:
    raise NotImplementedError


# Every checker the page calls, through check (the chain-rule ones are
# check_chain's, re-exported; tests/test_check_chain.py tests their messages).
ASSESSORS = [
    check.assess_structural_zeros,
    check.assess_sigmoid_jacobian,
    check.assess_dropped_x_error,
    check.assess_shift_lost,
    check.assess_jvp,
    check.assess_shared_bias_jacobian,
    check.assess_input_jacobian,
    check.assess_two_layer_jacobian,
]
RIGHT = [zeros_right, sigmoid_right, dropped_x_right, shift_lost_right]


def test_public_names_are_unchanged_and_chain_checkers_are_re_exported() -> None:
    names = ["structural_zeros", "sigmoid_jacobian", "dropped_x_error", "shift_lost",
             "jvp", "shared_bias_jacobian", "input_jacobian", "two_layer_jacobian"]
    assert sorted(check.__all__) == sorted(
        ["Verdict", *names, *(f"assess_{n}" for n in names)])
    assert all(callable(getattr(check, name)) for name in check.__all__)
    for name in check_chain.__all__:
        assert getattr(check, name) is getattr(check_chain, name)
    assert check.Verdict is verdict.Verdict


@pytest.mark.parametrize(("assess", "right"), list(zip(ASSESSORS[:4], RIGHT, strict=True)))
def test_right_answer_is_correct(assess, right) -> None:
    verdict = assess(right)
    assert verdict.ok, verdict.message
    assert verdict.message.startswith("Correct")


@pytest.mark.parametrize("assess", ASSESSORS)
@pytest.mark.parametrize("stub", [stub_none, stub_raises])
def test_stub_is_not_attempted(assess, stub) -> None:
    verdict = assess(stub)
    assert verdict.status == "not attempted" and not verdict.ok
    assert verdict.message.startswith("Not attempted yet")
    assert "stub_" in verdict.message  # names the function


@pytest.mark.parametrize(
    "printer",
    [check.structural_zeros, check.sigmoid_jacobian, check.dropped_x_error,
     check.shift_lost, check.jvp, check.shared_bias_jacobian, check.input_jacobian,
     check.two_layer_jacobian],
)
def test_printer_prints_to_stdout_only(printer, capsys) -> None:
    assert printer(stub_raises) is None
    out, err = capsys.readouterr()
    assert out.startswith("Not attempted yet") and err == ""
    assert max(len(line) for line in out.splitlines()) <= 72  # phone-width output


def test_other_exceptions_reach_the_student() -> None:
    def broken(X, W):
        return X @ W  # shapes do not fit: the traceback should say where

    with pytest.raises(ValueError):
        check.assess_sigmoid_jacobian(broken)
    with pytest.raises(TypeError, match="fn must be the function you wrote"):
        check.assess_jvp("my_jvp")


def test_an_answer_that_changes_its_inputs_is_told_so() -> None:
    def vandal(X, W):
        J = sigmoid_right(X, W)
        X[...] = 0.0
        return J

    v = check.assess_sigmoid_jacobian(vandal)
    assert v.status == "wrong" and "changes its input X in place" in v.message


def test_dropped_x_prediction_is_what_a_gradient_check_measures() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    X[0, 0], X[1, 1] = 1.0, 0.0
    measured = check._dropped_x_measured(X, rng.normal(scale=0.3, size=(4, 2)))
    np.testing.assert_allclose(measured, dropped_x_right(X), rtol=0, atol=1e-8)


# ---------------------------------------------------------- count the zeros
def test_zeros_counted_nonzeros() -> None:
    v = check.assess_structural_zeros(lambda N, D, K: N * (D + 1) * K)
    assert v.status == "wrong" and "number of non-zero entries" in v.message


def test_zeros_wrong_count_names_the_shape() -> None:
    v = check.assess_structural_zeros(lambda N, D, K: N * D * K * (K - 1))
    assert "For (N, D, K) = (4, 2, 3) you return 48" in v.message
    assert "has 72 zeros" in v.message


def test_zeros_wrong_type() -> None:
    v = check.assess_structural_zeros(lambda N, D, K: "many")
    assert v.message.startswith("Wrong type") and "str" in v.message


# ------------------------------------------------------------ sigmoid basis
def test_sigmoid_wrong_shape_and_transposed_axes() -> None:
    v = check.assess_sigmoid_jacobian(lambda X, W: sigmoid_right(X, W)[:, :-1])
    assert v.message.startswith("Wrong shape") and "(5, 3, 2)" in v.message
    assert "(N, D+1, K) = (5, 4, 2)" in v.message
    v = check.assess_sigmoid_jacobian(lambda X, W: sigmoid_right(X, W).transpose(2, 1, 0))
    assert "axes are in the order (K, D+1, N)" in v.message


def test_sigmoid_missing_x() -> None:
    def no_x(X, W):
        J = sigmoid_right(X, W)
        return np.broadcast_to(J[:, -1:, :], J.shape)

    v = check.assess_sigmoid_jacobian(no_x)
    assert "lack the factor x_nd" in v.message and "bias entries (d = D+1) are right" in v.message


def test_sigmoid_missing_chain_rule_factor() -> None:
    v = check.assess_sigmoid_jacobian(
        lambda X, W: np.broadcast_to(xt(X)[:, :, None], (X.shape[0], W.shape[0], W.shape[1]))
    )
    assert "chain-rule factor sigma'(z_nk)" in v.message and "missing" in v.message


def test_sigmoid_activation_or_tanh_derivative_instead_of_sigma_prime() -> None:
    v = check.assess_sigmoid_jacobian(lambda X, W: xt(X)[:, :, None] * expit(xt(X) @ W)[:, None])
    assert "sigma(z_nk), the activation" in v.message
    v = check.assess_sigmoid_jacobian(
        lambda X, W: xt(X)[:, :, None] * tb.sech2(xt(X) @ W)[:, None]
    )
    assert "derivative of tanh" in v.message


def test_sigmoid_sign_and_constant_factor() -> None:
    v = check.assess_sigmoid_jacobian(lambda X, W: -sigmoid_right(X, W))
    assert v.message.startswith("Sign")
    v = check.assess_sigmoid_jacobian(lambda X, W: 4 * sigmoid_right(X, W))
    assert "all 4 times the right ones" in v.message


def test_sigmoid_wrong_entries_are_named_with_one_based_indices() -> None:
    def one_off(X, W):
        J = sigmoid_right(X, W)
        J[1, 3, 0] += 0.5  # math indices (n, d, k) = (2, 4, 1)
        return J

    v = check.assess_sigmoid_jacobian(one_off)
    assert v.message.startswith("1 of 40 entries are wrong")
    assert "counted from 1" in v.message
    assert "(n, d, k) = (2, 4, 1) [dPhi[1, 3, 0] in code]" in v.message


def test_sigmoid_nan_is_reported() -> None:
    def with_nan(X, W):
        J = sigmoid_right(X, W)
        J[0, 0, 0] = np.nan
        return J

    v = check.assess_sigmoid_jacobian(with_nan)
    assert "not finite" in v.message and "(n, d, k) = (1, 1, 1)" in v.message


def test_sigmoid_cancelling_formula_is_imprecise_in_saturation() -> None:
    def cancelling(X, W):
        sigma = 1 / (1 + np.exp(-(xt(X) @ W)))
        return xt(X)[:, :, None] * (sigma * (1 - sigma))[:, None, :]

    v = check.assess_sigmoid_jacobian(cancelling)
    assert v.status == "imprecise" and not v.ok
    assert "as z -> +inf (at z = 40 your entry is 0 where" in v.message
    assert "sigma(z) * sigma(-z)" in v.message and "-inf" not in v.message
    assert "1 - sigma(z) cancels as z -> +inf" in v.message


def test_sigmoid_via_tanh_is_imprecise_for_negative_z() -> None:
    def via_tanh(X, W):
        Z = xt(X) @ W
        sigma, sigma_minus = 0.5 * (1 + np.tanh(Z / 2)), 0.5 * (1 - np.tanh(Z / 2))
        return xt(X)[:, :, None] * (sigma * sigma_minus)[:, None, :]

    v = check.assess_sigmoid_jacobian(via_tanh)
    assert v.status == "imprecise"
    assert "as z -> +inf (at z = 40" in v.message and "as z -> -inf (at z = -40" in v.message


# ------------------------------------------------------- dropped-x prediction
def test_dropped_x_sign_and_missing_denominator() -> None:
    v = check.assess_dropped_x_error(lambda X: (1 - X) / (1 + np.abs(X)))
    assert v.message.startswith("Sign")
    v = check.assess_dropped_x_error(lambda X: np.abs(1 - X))
    assert "|J| + |J~| = (1 + |x_nd|) sech^2(z_nk), which is missing" in v.message
    v = check.assess_dropped_x_error(lambda X: np.abs(1 - X) / (1 + X))
    assert "absolute values" in v.message


def test_dropped_x_wrong_entries_and_shape() -> None:
    def off(X):
        R = dropped_x_right(X)
        R[2, 1] = 0.5 if R[2, 1] > 0.6 else 0.9
        return R

    v = check.assess_dropped_x_error(off)
    assert "1 of 18 entries are wrong" in v.message and "(n, d) = (3, 2)" in v.message
    v = check.assess_dropped_x_error(lambda X: dropped_x_right(X).max())
    assert v.message.startswith("Wrong shape") and "(N, D) = (6, 3)" in v.message


# ------------------------------------------------------------ shift lost
def test_shift_lost_one_sided_and_wrong_dtype() -> None:
    v = check.assess_shift_lost(lambda W, eps: W + eps == W)
    assert "agrees with W + eps == W alone, for every step" in v.message
    v = check.assess_shift_lost(lambda W, eps: np.spacing(W))
    assert v.message.startswith("Wrong type")


def test_shift_lost_approximate_rule_names_entries() -> None:
    # "lost when eps is below the spacing": off by the factor 1/2 of rounding.
    v = check.assess_shift_lost(lambda W, eps: eps < np.spacing(np.abs(W)))
    assert "entries are wrong" in v.message and "(d, k) = (" in v.message


# ------------------------------------------------- the exercises page uses them
def test_every_exercise_has_a_stub_a_hidden_solution_and_a_checker() -> None:
    """Each "your turn" cell calls a checker on a stub; its solution is hidden.

    Hidden means both in the book (the hide-cell tag, a folded solution) and in
    JupyterLab or Binder (cell metadata jupyter.source_hidden and
    outputs_hidden, which jupytext keeps when it opens the page).
    """
    page = Path(__file__).resolve().parents[1] / "chapters" / "exercises.md"
    cells = jupytext.read(page).cells
    turns = [i for i, c in enumerate(cells)
             if c.cell_type == "code" and re.search(r"check\.\w+\(my_\w+\)", c.source)]
    assert len(turns) == 8
    for i in turns:
        checker = re.search(r"check\.(\w+)\(my_\w+\)", cells[i].source).group(1)
        assert "raise NotImplementedError" in cells[i].source
        assert "Returns a" in cells[i].source  # the contract: type, shape, layout
        assert callable(getattr(check, checker))
        solution_text, solution_code = cells[i + 1], cells[i + 2]
        assert solution_text.cell_type == "markdown"
        # A gated sphinx-exercise solution, folded, that holds its code cell.
        assert solution_text.source.startswith("```{solution-start} ex-")
        assert ":class: dropdown\n" in solution_text.source
        assert cells[i + 3].source.startswith("```{solution-end}\n```")
        assert solution_text.metadata["jupyter"] == {"source_hidden": True}
        assert solution_code.cell_type == "code"
        assert "hide-cell" in solution_code.metadata["tags"]
        assert solution_code.metadata["jupyter"] == {
            "source_hidden": True, "outputs_hidden": True,
        }
        # The solution is checked by the same checker, and must pass.
        assert f"check.{checker}(" in solution_code.source
        assert f"assert check.assess_{checker}(" in solution_code.source


def _page_cells() -> list:
    page = Path(__file__).resolve().parents[1] / "chapters" / "exercises.md"
    return jupytext.read(page).cells


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and "hide-cell" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("number", range(1, 9))
def test_each_solution_runs_after_the_page_setup_cells_alone(number, monkeypatch, capsys) -> None:
    """A reader who opens a solution runs it after the set-up, not after the others."""
    cells = _page_cells()
    setup = [c for c in cells if c.cell_type == "code"
             and "thebe-init" in c.metadata.get("tags", [])]
    solutions = [c for c in cells if _is_solution(c)]
    assert len(setup) == 1 and len(solutions) == 8
    monkeypatch.chdir(Path(__file__).resolve().parents[1] / "chapters")
    namespace: dict = {"__name__": "__main__"}
    exec(compile(setup[0].source, "setup", "exec"), namespace)
    exec(compile(solutions[number - 1].source, f"solution {number}", "exec"), namespace)
    out, err = capsys.readouterr()
    assert out.startswith("Correct") and err == ""  # JupyterLab's test fails on stderr
