# Every target bootstraps a fresh clone: a venv with the kit, Graphviz's dot.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup tools browser demo test reliability golden docs bench clean lab
.DEFAULT_GOAL := help

help:
	@echo "make demo    run every pattern notebook on the embedded AWS and print a summary"
	@echo "make lab     a workshop: the embedded AWS and JupyterLab on 127.0.0.1, on copies without outputs in workshop/ (Ctrl-C stops both)"
	@echo "make golden  re-execute the committed notebooks (seeded) and redraw diagrams/ so nbval and the docs have outputs"
	@echo "make test    the whole test suite (unit, nbval, runbooks, the docs site in Chromium)"
	@echo "make reliability  faults, throttling, idempotence, foreign resources, bad input; prints the figures"
	@echo "make bench   benchmarks -> benchmarks/results.md"
	@echo "make docs    the docs site -> docs/_build/html/index.html (warnings are errors)"

setup: $(STAMP) tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name apigw-kit --display-name "Python (apigw-kit)" >/dev/null
	touch $@

tools:
	@scripts/need-apt dot graphviz

# the docs-site test drives Debian's headless Chromium (Playwright's own browser download cannot run here)
browser:
	@scripts/need-apt chromium chromium

demo: setup
	$(BIN)/apigw-kit demo

lab: setup
	@scripts/lab

test: setup browser
	$(BIN)/python -m pytest

# also part of make test; alone it is the quick answer to "does a failed run leave anything behind?"
reliability: setup
	$(BIN)/python -m pytest tests/reliability -q

golden: setup
	$(BIN)/python scripts/golden.py

docs: setup
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) runs .pytest_cache
