"""Book-level tests: the configuration, the built book, and builds that a cell's problem fails."""

from __future__ import annotations

import re

import jupyter_book
import numpy as np
import pytest
import yaml
from book_copy import build_small, small_book
from book_site import ROOT, source_file, toc_pages

import tanh_basis as tb


def test_jupyter_book_1_reads_the_work_tree_alone_and_each_page_is_a_myst_notebook():
    # 2.x (mystmd) ignores _config.yml and _toc.yml.
    assert jupyter_book.__version__.startswith("1."), jupyter_book.__version__
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"].startswith("https://github.com/")  # buttons' fallback
    # What a cell's warning or error does: the small books below, built with this file.
    for needed in (".pytest_cache", "**/.pytest_cache", ".venv", "tests", "_build"):
        assert needed in config["exclude_patterns"]  # the copies the tests build have none
    for name in toc_pages()[1:]:  # their kernelspec: test_student_path
        header = yaml.safe_load(source_file(name).read_text(encoding="utf-8").split("---")[1])
        assert header["jupytext"]["text_representation"]["format_name"] == "myst", name


def test_a_reference_to_another_pages_equation_names_that_page():
    """Equations are numbered page by page: a bare "(4)" would read as this page's (4)."""
    pages = {name: source_file(name).read_text(encoding="utf-8") for name in toc_pages()}
    home = {label: name.rsplit("/", 1)[-1] for name, text in pages.items()
            for label in re.findall(r"(?:^\$\$ *\(|:label: *)([\w-]+)", text, re.M)}
    unnamed = []
    for name, text in pages.items():
        for paragraph in re.split(r"\n\s*\n", text):
            pages_named = set(re.findall(r"\{doc\}`(?:[^`<]*<)?(?:[\w./]*/)?(\w+)>?`", paragraph))
            unnamed += [f"{name}: {label}" for label in re.findall(r"\{eq\}`([\w-]+)`", paragraph)
                        if home[label] not in {name.rsplit("/", 1)[-1], *pages_named}]
    assert unnamed == [], f"name the page, as in {{eq}}`label` of {{doc}}`page`: {unnamed}"


@pytest.mark.slow
def test_the_built_book_has_local_mathjax_and_the_codes_numbers(site):
    # Live Code's MathJax is served by the book itself, not a CDN.
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    # The implementation page's glued gradient check, recomputed here.
    rng = np.random.default_rng(2024)
    X = rng.normal(size=(4, 2))
    W = rng.normal(scale=0.5, size=(3, 3))
    basis = tb.TanhBasis(W)
    J, NJ = basis.jacobian(X), basis.numerical_jacobian(X, eps=1e-6)
    html = (site / "chapters" / "implementation.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"{np.max(np.abs(J - NJ)):.1e}" in text
    assert f"{np.max(tb.relative_error(J, NJ)):.1e}" in text


WARNING_CELL = "import warnings\nwarnings.warn('printed by a cell')"


#: The one Sphinx problem of both builds below: the warning's page, read each time.
WARNED = re.compile(r"a_warning\.md:\d+: (WARNING|ERROR): stderr")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> list[tuple[int, str]]:
    """One book built twice: the first time a page warns; the second, another page raises."""
    book = small_book(tmp_path_factory.mktemp("book"), {"a_warning": WARNING_CELL, "an_error": "2"})
    first = build_small(book)
    cell = book / "an_error.md"
    cell.write_text(cell.read_text().replace("\n2\n", "\nraise RuntimeError('a cell fails')\n"))
    return [first, build_small(book)]


@pytest.mark.slow
@pytest.mark.own_build
def test_a_cell_warning_or_error_fails_the_build(two_builds):
    """With the real _config.yml a cell's stderr is a Sphinx problem and an exception stops it.

    The second build edits only an_error.md, yet must warn about a_warning.md again: Sphinx
    saves a failed page as read, and _ext's incremental.py makes the next build read it.
    """
    for status, log in two_builds:  # the warning alone (-W makes it fatal), then both
        problems = [line for line in log.splitlines()
                    if re.search(r"(^|: )(WARNING|ERROR): ", line)]
        assert status != 0 and len(problems) == 1 and WARNED.search(problems[0]), log[-3000:]
    assert "RuntimeError: a cell fails" in two_builds[1][1], two_builds[1][1][-3000:]
