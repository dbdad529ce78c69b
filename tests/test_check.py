"""Tests for code/check.py beyond the answers' corpus (tests/student_answers/): stubs, the page."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import numpy as np
import pytest

import check
import tanh_basis as tb

#: Every checker: ``assess_<name>`` returns its verdict, ``<name>`` prints it.
NAMES = sorted(n.removeprefix("assess_") for n in check.__all__ if n.startswith("assess_"))


def stub_raises(*args: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("name", NAMES)
def test_a_stub_is_not_attempted_and_printed_to_stdout_only(name, capsys) -> None:
    verdict = getattr(check, f"assess_{name}")(lambda *args: None)
    assert verdict.status == "not attempted" and not verdict.ok
    assert getattr(check, name)(stub_raises) is None
    out, err = capsys.readouterr()
    assert out.startswith("Not attempted yet: stub_raises") and err == ""


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


CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
CELLS = jupytext.read(CHAPTERS / "exercises.md").cells
#: The "your turn" cells, by index: the checker each calls on its stub.
TURNS = {i: m[1] for i, c in enumerate(CELLS)
         if c.cell_type == "code" and (m := re.search(r"check\.(\w+)\(my_\w+\)", c.source))}


@pytest.mark.parametrize(("turn", "checker"), TURNS.items())
def test_each_exercise_has_a_stub_and_a_folded_solution_that_runs_alone(
        turn, checker, monkeypatch, capsys) -> None:
    """Stub, solution hidden in the book and in JupyterLab, passing after the set-up alone."""
    assert sorted(TURNS.values()) == NAMES
    stub, text, code, end = CELLS[turn:turn + 4]
    assert "raise NotImplementedError" in stub.source
    assert "Returns a" in stub.source  # the contract: type, shape, layout
    assert text.source.startswith("```{solution-start} ex-") and text.cell_type == "markdown"
    assert ":class: dropdown\n" in text.source and end.source.startswith("```{solution-end}")
    assert text.metadata["jupyter"] == {"source_hidden": True}
    assert code.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert f"assert check.assess_{checker}(" in code.source and f"check.{checker}(" in code.source
    (setup,) = [c for c in CELLS if "thebe-init" in c.metadata.get("tags", [])]
    monkeypatch.chdir(CHAPTERS)
    namespace: dict = {"__name__": "__main__"}
    exec(compile(setup.source, "setup", "exec"), namespace)
    exec(compile(code.source, "solution", "exec"), namespace)
    out, err = capsys.readouterr()
    assert out.startswith("Correct") and err == ""  # JupyterLab's test fails on stderr
