"""Tests for code/check.py and code/check_precision.py: what the answers' corpus does not.

tests/student_answers/ runs every checker on right and wrong answers and
asserts each verdict's gist; here are the checkers' shared contract (a stub,
the printed verdict, the public names), messages whose details matter beyond
their gist, and the exercises page's use of the checkers. The right answers
are written independently of the checkers' references.
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
import check_precision
import tanh_basis as tb
import verdict


def xt(X: np.ndarray) -> np.ndarray:
    return tb.design_matrix(X)


def sigmoid_right(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    Z = xt(X) @ W
    dsigma = expit(Z) * expit(-Z)  # sigma(z) sigma(-z): no cancellation
    return xt(X)[:, :, None] * dsigma[:, None, :]


def stub_none(*args: object) -> None:
    return None


def stub_raises(*args: object) -> None:
    raise NotImplementedError


# Every checker the page calls, through check.
NAMES = ["structural_zeros", "sigmoid_jacobian", "dropped_x_error", "shift_lost",
         "jvp", "shared_bias_jacobian", "input_jacobian", "two_layer_jacobian"]


def test_public_names_are_unchanged_and_the_others_are_re_exported() -> None:
    assert sorted(check.__all__) == sorted(
        ["Verdict", *NAMES, *(f"assess_{n}" for n in NAMES)])
    for name in [*check_chain.__all__, *check_precision.__all__]:
        assert getattr(check, name) is getattr(check_chain if hasattr(check_chain, name)
                                               else check_precision, name)
    assert check.Verdict is verdict.Verdict


@pytest.mark.parametrize("name", NAMES)
def test_a_stub_is_not_attempted_and_printed_to_stdout_only(name, capsys) -> None:
    assert getattr(check, f"assess_{name}")(stub_none).status == "not attempted"
    assert getattr(check, name)(stub_raises) is None
    out, err = capsys.readouterr()
    assert out.startswith("Not attempted yet: stub_raises") and err == ""
    assert max(len(line) for line in out.splitlines()) <= 72  # phone-width output


def test_dropped_x_prediction_is_what_a_gradient_check_measures() -> None:
    """The checker's reference, |1 - x| / (1 + |x|), is what a gradient check of the bug sees."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    X[0, 0], X[1, 1] = 1.0, 0.0
    basis = tb.TanhBasis(rng.normal(scale=0.3, size=(4, 2)))
    J_num = basis.numerical_jacobian(X)
    forgot_x = np.broadcast_to(basis.jacobian(X)[:, -1:, :], J_num.shape)  # sech2 alone
    measured = tb.relative_error(forgot_x, J_num)[:, :-1, :].max(axis=2)
    np.testing.assert_allclose(measured, np.abs(1 - X) / (1 + np.abs(X)), rtol=0, atol=1e-8)
    assert check.assess_dropped_x_error(lambda X: np.abs(1 - X) / (1 + np.abs(X))).ok


# ---------------------------------------------------------- count the zeros
def test_zeros_wrong_count_names_the_shape() -> None:
    v = check.assess_structural_zeros(lambda N, D, K: N * D * K * (K - 1))
    assert "For (N, D, K) = (4, 2, 3) you return 48" in v.message
    assert "has 72 zeros" in v.message


# ------------------------------------------------------------ sigmoid basis
def test_sigmoid_missing_chain_rule_factor() -> None:
    v = check.assess_sigmoid_jacobian(
        lambda X, W: np.broadcast_to(xt(X)[:, :, None], (X.shape[0], W.shape[0], W.shape[1]))
    )
    assert "chain-rule factor sigma'(z_nk)" in v.message and "missing" in v.message


def test_sigmoid_constant_factor() -> None:
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


# ------------------------------------------------- the exercises page uses them
def _page_cells() -> list:
    page = Path(__file__).resolve().parents[1] / "chapters" / "exercises.md"
    return jupytext.read(page).cells


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and cell.metadata.get("jupyter", {}).get("source_hidden", False)


def test_every_exercise_has_a_stub_a_hidden_solution_and_a_checker() -> None:
    """Each "your turn" cell calls a checker on a stub; its solution is hidden.

    Hidden means both in the book (inside a folded solution) and in
    JupyterLab or Binder (cell metadata jupyter.source_hidden and
    outputs_hidden, which jupytext keeps when it opens the page).
    """
    cells = _page_cells()
    turns = [i for i, c in enumerate(cells)
             if c.cell_type == "code" and re.search(r"check\.\w+\(my_\w+\)", c.source)]
    assert len(turns) == 8
    for i in turns:
        checker = re.search(r"check\.(\w+)\(my_\w+\)", cells[i].source).group(1)
        assert "raise NotImplementedError" in cells[i].source
        assert "Returns a" in cells[i].source  # the contract: type, shape, layout
        assert checker in NAMES
        solution_text, solution_code = cells[i + 1], cells[i + 2]
        assert solution_text.cell_type == "markdown"
        # A gated sphinx-exercise solution, folded, that holds its code cell.
        assert solution_text.source.startswith("```{solution-start} ex-")
        assert ":class: dropdown\n" in solution_text.source
        assert cells[i + 3].source.startswith("```{solution-end}\n```")
        assert solution_text.metadata["jupyter"] == {"source_hidden": True}
        assert solution_code.cell_type == "code"
        assert solution_code.metadata["jupyter"] == {
            "source_hidden": True, "outputs_hidden": True,
        }
        # The solution is checked by the same checker, and must pass.
        assert f"check.{checker}(" in solution_code.source
        assert f"assert check.assess_{checker}(" in solution_code.source


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
