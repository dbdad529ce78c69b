# The README's two commands: `make book` builds the book, `make test` runs every test.
# Every target creates the virtual environment .venv from requirements.txt when
# it is missing or older than requirements.txt.
#
#   make book         incremental: re-reads and re-executes only the pages whose
#                     source, or a code/*.py module they import, changed
#   make clean book   cold: deletes _build first, so every page executes
#   make preview      live preview on http://127.0.0.1:$(PREVIEW_PORT), rebuilt on save
#   make check        ruff and the fast tests (about half a minute): after every edit
#   make test         ruff and every test, the 25 slowest listed (what CI runs)

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

.PHONY: book check test lint clean preview

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# No --all and no delete: _ext/code_deps.py makes each page depend on the
# code/*.py modules it imports, so Sphinx re-reads (and, with execution forced
# in _config.yml, re-executes) exactly the pages an edit can change.
book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is at $(CURDIR)/_build/html/index.html"

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
# JupyterLab), the explorer, the sub-path site and the incremental builds. The
# second runs the tests that build what they test themselves (own_build: small
# books, the student's fresh venv, benchmarks), then the page-by-page browser
# and accessibility checks (site_views) on the first's build, which it waits
# for (tests/conftest.py, BUILD_STATUS). The second's log is printed when both
# are done; make fails if either does.
SIDE  := own_build or site_views
test: lint
	@mkdir -p _build; rm -f "$${JACOBIAN_BUILD_ROOT:-.}/_build/cold-build.status"
	@JACOBIAN_WAIT_FOR_BUILD=1 $(BIN)/python -m pytest -m "$(SIDE)" -p no:cacheprovider \
		--durations=15 $(PYTEST_FLAGS) > _build/side-tests.log 2>&1 & side=$$!; \
	JACOBIAN_PUBLISH_BUILD=1 $(BIN)/python -m pytest -m "not ($(SIDE))" --durations=25 \
		$(PYTEST_FLAGS); main=$$?; \
	wait $$side; own=$$?; \
	echo "=== second process: own_build, then site_views on the first's build ==="; \
	cat _build/side-tests.log; \
	test $$main -eq 0 -a $$own -eq 0

clean:
	rm -rf _build
