# Every target bootstraps .venv itself: a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint dist test-min bench docs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m namedtensor

# One worker per core (at most 4); a test file stays on one worker (its fixtures run once).
test: $(STAMP)
	$(VENV)/bin/pytest -n auto --maxprocesses=4 --dist loadfile

# ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade) and the strict mypy check of the
# package as it installs; `make test` runs the same type check against the built wheel.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	.ci/typecheck

# The sdist and wheel in dist/, checked by twine (offline: setuptools comes from the venv).
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(PY) -m twine check --strict dist/*

# Manual, not in CI: the tests against the lowest declared numpy, jax and opt_einsum. The
# strict type check is left out: it reads the dependencies' type stubs, and the lowest
# versions' stubs differ (numpy 2.0's np.generic takes no type argument).
MIN_VENV := .venv-min
test-min: $(STAMP)
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet -e ".[test]" $$($(PY) .ci/lowest.py)
	$(MIN_VENV)/bin/pytest -p no:cacheprovider -n auto --maxprocesses=4 --dist loadfile \
		-k "not type_check_strictly"

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

# Writes benchmarks/RESULTS.md, lstm.png and transformer.png (BENCH_QUICK=1 for a smoke run).
bench: $(BENCH_STAMP)
	cd benchmarks && ../$(PY) eager_overhead.py
	cd benchmarks && ../$(PY) einsum.py
	cd benchmarks && ../$(PY) lstm.py
	cd benchmarks && ../$(PY) io.py
	cd benchmarks && ../$(PY) sharding.py
	cd benchmarks && ../$(PY) windows.py
	cd benchmarks && ../$(PY) sorting.py
	cd benchmarks && ../$(PY) typed.py
	cd benchmarks && ../$(PY) check.py
	cd benchmarks && ../$(PY) transformer.py

# The pictures of docs/display.md (docs/images/), every code block of the docs, then the
# site into site/ (strict: a broken link or reference fails). Open site/index.html.
docs: $(STAMP)
	JAX_PLATFORMS=cpu $(PY) docs/make_pictures.py
	$(VENV)/bin/pytest tests/test_docs.py
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) $(MIN_VENV) .pytest_cache .hypothesis dist site build
