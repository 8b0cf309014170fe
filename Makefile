# Two commands on a fresh machine (python3 and make): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXAMPLES := examples/communities.csv examples/communities-gbk.csv examples/compounds.yaml examples/facilities.csv \
            examples/districts.csv examples/persons.csv examples/venues.csv examples/statistical-tables.xlsx

.PHONY: demo test lint install dev browser libreoffice golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/lifeservices check $(EXAMPLES) --fail-on never

lint: dev
	$(BIN)/ruff check src tests

# The HTML report's browser test needs Debian's chromium and its driver; install them when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver; }

# The statistical-table tests have LibreOffice save their workbooks as .xls, .ods and .xlsx; install it when missing.
libreoffice:
	@command -v soffice >/dev/null || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q libreoffice-calc-nogui; }

test: dev lint browser libreoffice
	$(BIN)/python -m pytest

# Regenerate the golden reports after an intended change (review the diff before committing).
golden: dev
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/test_render_golden.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache

# Benchmark against hand-written polars, pandas+pandera and frictionless checks (README, Performance).
# The peers go into benchmarks/.venv. Long at 1M rows; e.g. `make bench ROWS=100000 BENCH_ARGS=--skip-peers`.
ROWS ?= 1000000
BENCH_ARGS ?=
.PHONY: bench
bench: install
	$(BIN)/python benchmarks/run.py --rows $(ROWS) $(BENCH_ARGS)
