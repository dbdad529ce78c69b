"""Tests for code/report.py: how a verdict is worded and printed."""

from __future__ import annotations

import io
import sys

import numpy as np

import report as rp
import verdict as vd


def test_show_wraps_each_paragraph_in_one_write(monkeypatch) -> None:
    writes: list[str] = []
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys.stdout, "write", writes.append)
    long = "word " * 40
    rp.show(vd.Verdict("wrong", f"{long}\n  indented line"))
    assert len(writes) == 1  # text and newline together: one stream output
    lines = writes[0].splitlines()
    assert max(len(line) for line in lines) <= 72
    assert len(lines) > 2 and lines[-1] == "  indented line"
    assert writes[0].endswith("\n")


def test_wrong_entries_are_counted_listed_labelled_and_shown_to_the_digit_that_differs() -> None:
    expected = np.zeros((2, 3))
    got = np.array([[0.0, 1.0, 0.0], [2.0, 3.0, 4.0]])
    lines = rp.entries_message(got != expected, got, expected, rp.label_nd, "Intro.").splitlines()
    assert lines[0] == "4 of 6 entries are wrong. Intro."
    assert len(lines) == 1 + rp.SHOWN + 1
    assert lines[1] == "  (n, d) = (1, 2) [R[0, 1] in code]: yours 1, expected 0"
    assert lines[-1] == f"  ... and {4 - rp.SHOWN} more."
    # label_ndk and label_kd: through the checkers, in tests/student_answers/test_corpus.py (MORE).
    assert rp.show_pair(-0.2404381, -0.2404382) == (
        "yours -0.2404381, expected -0.2404382 (relative error 4.2e-07)")
