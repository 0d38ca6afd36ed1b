# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the accessibility tests, from tests/a11y/package-lock.json (npm ci; no browser is downloaded)
AXE := tests/a11y/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench data screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: set up .venv and serve the site on http://127.0.0.1:5000 with the embedded data, the job worker beside it
run: $(STAMP)
	$(BIN)/outreach-map info
	$(BIN)/outreach-map worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/outreach-map serve --host 127.0.0.1 --port 5000

$(AXE): tests/a11y/package-lock.json
	npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
	touch $(AXE)

## test: set up .venv and run every test, then lint and type-check
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/mypy

## lint: ruff and mypy only
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: run the benchmarks
bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python "$$b" || exit 1; done

## data: rebuild the derived files in data/ from data/raw/
data: $(STAMP)
	$(BIN)/python data/build_villages.py
	$(BIN)/python data/build_services.py
	$(BIN)/python data/build_basemap.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

## screenshots: the README's screenshots of the main pages (needs Debian's chromium)
screenshots: $(STAMP)
	$(BIN)/python docs/make_screenshots.py
