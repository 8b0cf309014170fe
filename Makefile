# Two commands on a fresh machine (python3 and make): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_STORE ?= build/demo-history.sqlite
EXAMPLES := examples/communities.csv examples/communities-gbk.csv examples/compounds.yaml examples/facilities.csv \
            examples/districts.csv examples/persons.csv examples/venues.csv examples/statistical-tables.xlsx

.PHONY: demo demo-trend test lint install dev browser libreoffice postgresql golden clean

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

# Three periods of the bundled example data into a throwaway history store, then their trend.
demo-trend: install
	@mkdir -p build && rm -f $(DEMO_STORE)*
	@for y in 2022 2023 2024; do $(BIN)/lifeservices check examples/monitoring/$$y/* --as-of $$y-12-31 \
	  --save --period $$y --history $(DEMO_STORE) --format json --output build/demo-$$y.json --fail-on never; done
	$(BIN)/lifeservices trend --history $(DEMO_STORE) --indicator facility-area-per-100-households
	$(BIN)/lifeservices compare 2023 2024 --history $(DEMO_STORE) --public

# ruff; the layer and library contracts of pyproject.toml (import-linter); mypy on src/.
lint: dev
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/mypy

# The HTML report's browser test needs Debian's chromium and its driver, and a Chinese font for the
# trend charts' labels; install them when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh | grep -q . || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium \
	    chromium-driver fonts-wqy-microhei; }

# The statistical-table tests have LibreOffice save their workbooks as .xls, .ods and .xlsx; install it when missing.
libreoffice:
	@command -v soffice >/dev/null || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q libreoffice-calc-nogui; }

# The history-store tests start their own PostgreSQL server (tests/conftest.py); install it when missing.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q postgresql; }

test: dev lint browser libreoffice postgresql
	$(BIN)/python -m pytest

# Regenerate the golden reports after an intended change (review the diff before committing).
golden: dev
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/render/test_render_golden.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache

# Benchmark against hand-written polars, pandas+pandera and frictionless checks (README, Performance).
# The peers go into benchmarks/.venv. Long at 1M rows; e.g. `make bench ROWS=100000 BENCH_ARGS=--skip-peers`.
ROWS ?= 1000000
BENCH_ARGS ?=
.PHONY: bench
bench: install
	$(BIN)/python benchmarks/run.py --rows $(ROWS) $(BENCH_ARGS)

# Saving a large run in the history store: check and save timed apart (docs/monitoring.md, Performance).
# HISTORY_ARGS adds stores, e.g. HISTORY_ARGS=--history=postgresql://user@127.0.0.1:5432/bench
HISTORY_ARGS ?=
.PHONY: bench-history
bench-history: install
	$(BIN)/python benchmarks/history.py --rows $(ROWS) $(HISTORY_ARGS)
