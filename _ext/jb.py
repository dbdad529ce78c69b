"""`jupyter-book`, started without the IRI checks of jsonschema: what `make book` runs.

``python _ext/jb.py build . -W -n --keep-going`` is ``jupyter-book build . -W
-n --keep-going`` with one start-up cost removed. When the optional package
rfc3987-syntax is installed (jupyter-events, a JupyterLab dependency, asks for
it), ``import jsonschema`` compiles 39 Lark grammars for its "iri" and
"iri-reference" format checkers: about 2 s of CPU, half of a build in which no
page changed. Nothing in a book build checks those formats (no schema of
jupyter-book, nbformat or myst-nb names them, and none validates with a
FormatChecker), so the build's output is the same. Marking the module as
missing makes jsonschema skip those two checkers, in this process only; the
kernels and every other program are untouched.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from jupyter_book.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
