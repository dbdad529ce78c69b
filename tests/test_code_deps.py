"""_ext/code_deps.py: which files of the book a page depends on (a build: test_incremental.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from book_site import ROOT, source_file

from jacobian_book import code_deps


@pytest.mark.parametrize(("source", "expected"), [
    ("import tanh_basis as tb", {"tanh_basis"}),
    ("from tanh_basis import TanhBasis, sech2", {"tanh_basis"}),
    ("import numpy as np, style", {"numpy", "style"}),
    ("from jacobian_plots.sub import x", {"jacobian_plots"}),
    ("if True:\n    import gradcheck", {"gradcheck"}),
    ("import importlib\nm = importlib.import_module('style')", {"importlib", "style"}),
    # IPython magics, shell escapes and a cell that is not Python keep their imports.
    ("%matplotlib inline\n!echo hi\nimport tanh_basis", {"tanh_basis"}),
    ("import tanh_basis\nthis is not python(", {"tanh_basis"}),
    ("from . import sibling", set()),  # relative: never a code/ module by name
    ("x = 'import tanh_basis'", set()),  # a string is not an import
])
def test_imported_names(source, expected):
    assert code_deps.imported_names(source) == expected


def test_module_closure_follows_imports_between_code_modules(tmp_path):
    (tmp_path / "plots.py").write_text("import numpy as np\nimport basis\nfrom style import c\n")
    (tmp_path / "basis.py").write_text("import numpy\n")
    (tmp_path / "style.py").write_text("import matplotlib\nimport palette\n")
    (tmp_path / "palette.py").write_text("import plots  # a cycle must end\n")
    (tmp_path / "unused.py").write_text("")
    found = code_deps.module_closure({"plots", "numpy"}, tmp_path)
    assert {p.name for p in found} == {"plots.py", "basis.py", "style.py", "palette.py"}


def test_a_page_depends_on_its_modules_the_files_they_read_and_its_data(tmp_path):
    page, data = source_file("chapters/interactive"), source_file("chapters/benchmarks")
    text = page.read_text(encoding="utf-8")
    # The code cells, as myst-nb runs them (no fences); plain Markdown has none.
    assert all("```" not in cell for cell in code_deps.code_cells(page, text))
    plain = tmp_path / "plain.md"
    plain.write_text("# Title\n\n```python\nimport tanh_basis\n```\n")
    assert code_deps.code_cells(plain, plain.read_text()) == []
    needs = code_deps.page_files(page, text, ROOT)
    # live_explorer reads its JavaScript beside itself; static_figure imports style.
    assert {"code/live_explorer.py", "code/live_explorer.js", "code/tanh_basis.js",
            "code/static_figure.py", "code/style.py", "code/validate.py"} <= set(needs)
    assert "benchmarks/results.json" in code_deps.page_files(data, data.read_text(), ROOT)
    # The build records each as the page's dependency: an edit to the explorer's
    # JavaScript re-runs the page that shows it.
    recorded: list[str] = []
    env = SimpleNamespace(doc2path=source_file, note_dependency=recorded.append,
                          dependencies={"chapters/interactive": set()})
    code_deps.note_code_dependencies(SimpleNamespace(env=env, srcdir=str(ROOT)),
                                     "chapters/interactive", [text])
    assert recorded == needs
