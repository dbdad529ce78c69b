# The README's two commands: `make book` builds the book, `make test` runs every test.
# Every target creates the virtual environment .venv from requirements.txt when
# it is missing or older than requirements.txt.
#
#   make book         incremental: re-reads and re-executes only the pages whose
#                     source, or a code/*.py module they import, changed
#   make clean book   cold: deletes _build first, so every page executes
#   make pdf          the core path as one PDF, _build/pdf/jacobian.pdf, printed by
#                     Chromium from the built site (PDF_FLAGS=--all: every part)
#   make preview      live preview on http://127.0.0.1:$(PREVIEW_PORT), rebuilt on save
#   make student      the student edition in _build/student: the site without solutions,
#                     and the notebooks, code/ and a zip to hand out (after make book)
#   make check        ruff and the fast tests (about half a minute): after every edit
#   make test         ruff and every test, the 25 slowest listed (what CI runs); it
#                     needs Chromium, Node.js and npm (.ci/install-packages) and
#                     stops at once, saying what to install, when one is missing

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed
# Warnings are errors (-W), every reference must resolve (-n), and one run
# reports every warning (--keep-going).
JB_FLAGS := -W -n --keep-going
PREVIEW_PORT ?= 8000
# More pytest options, e.g. `make check PYTEST_FLAGS="-x -k gradcheck"`.
PYTEST_FLAGS ?=

.PHONY: book check test lint clean preview prerequisites student pdf

# Debian's python3 cannot make a venv without python3-venv, and its error
# talks about ensurepip: say what to install instead.
$(STAMP): requirements.txt
	@$(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV) with '$(PYTHON) -m venv'. On Debian or Ubuntu," \
		"install python3-venv (sudo apt-get install python3-venv, or sudo .ci/install-packages)" \
		"and run make again." >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# No --all and no delete: _ext/jacobian_book/code_deps.py makes each page depend on the
# code/*.py modules it imports, so Sphinx re-reads (and, with execution forced
# in _config.yml, re-executes) exactly the pages an edit can change.
book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is at $(CURDIR)/_build/html/index.html"

# The student edition reuses the build's doctrees and executed notebooks
# (_ext/jacobian_book/student_edition.py): no page executes again.
student: book
	PYTHONPATH=_ext $(BIN)/python -m jacobian_book.student_edition

# _ext/jacobian_book/print_pdf.py: from the HTML that `make book` just brought
# up to date, so the PDF always shows what the site shows.
PDF_FLAGS ?=
pdf: book
	PYTHONPATH=_ext $(BIN)/python -m jacobian_book.print_pdf $(PDF_FLAGS)

# sphinx-autobuild with the same settings and the same dependency rules
# (_ext/preview/conf.py reads _config.yml), into its own folder, on loopback only.
preview: $(STAMP)
	$(BIN)/sphinx-autobuild . _build/preview/html -c _ext/preview \
		-d _build/preview/doctrees -n --keep-going \
		--host 127.0.0.1 --port $(PREVIEW_PORT) \
		--ignore "*/_build/*" --ignore "*/.cache/*" --ignore "*/__pycache__/*" \
		--ignore "*/.ipynb_checkpoints/*" --ignore "*/.jupyter_cache/*" \
		--ignore "*/.hypothesis/*"

lint: $(STAMP)
	$(BIN)/ruff check .

# The tiers are pytest markers (pyproject.toml), applied in tests/conftest.py.
# One pytest-xdist worker per core; PYTEST_FLAGS="-n 0" runs them in one process.
check: lint
	$(BIN)/python -m pytest -m "not slow" -n auto $(PYTEST_FLAGS)

# Two pytest processes side by side, one per core. The first makes the one
# cold build and runs what uses it with the Jupyter server (Live Code,
# JupyterLab), the explorer, the sub-path site, the PDF and the incremental
# builds. The second runs the tests that build what they test themselves (own_build: small
# books, the student's fresh venv, benchmarks), then the page-by-page browser
# and accessibility checks (site_views) on the first's build, which it waits
# for (tests/conftest.py, BUILD_STATUS). The second's log is printed when both
# are done; make fails if either does.
SIDE  := own_build or site_views
# Every test runs: a missing Chromium, Node.js or npm stops `make test` before
# anything else (one message, from .ci/install-packages), and the tests fail
# instead of skipping when a browser or Live Code is unavailable. `make check`
# needs none of them.
test: export JACOBIAN_REQUIRE_BROWSER := 1
test: export JACOBIAN_REQUIRE_LIVE_CODE := 1
test: prerequisites lint
	@mkdir -p _build; rm -f "$${JACOBIAN_BUILD_ROOT:-.}/_build/cold-build.status"
	@JACOBIAN_WAIT_FOR_BUILD=1 $(BIN)/python -m pytest -m "$(SIDE)" -p no:cacheprovider \
		--durations=15 $(PYTEST_FLAGS) > _build/side-tests.log 2>&1 & side=$$!; \
	JACOBIAN_PUBLISH_BUILD=1 $(BIN)/python -m pytest -m "not ($(SIDE))" --durations=25 \
		$(PYTEST_FLAGS); main=$$?; \
	wait $$side; own=$$?; \
	echo "=== second process: own_build, then site_views on the first's build ==="; \
	cat _build/side-tests.log; \
	test $$main -eq 0 -a $$own -eq 0

prerequisites:
	@bash .ci/install-packages --check

clean:
	rm -rf _build
