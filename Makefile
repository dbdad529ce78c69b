# The README's two commands: `make book` builds the book, `make test` runs every test.
# Both create the virtual environment .venv from requirements.txt when it is
# missing or older than requirements.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements-installed

.PHONY: book test lint clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# --all and a fresh _build/html: Sphinx neither re-reads a page whose source is
# unchanged nor overwrites a static file it copied before.
book: $(STAMP)
	rm -rf _build/html
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf _build
