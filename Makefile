# Every target bootstraps .venv itself: a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m namedtensor

test: $(STAMP)
	$(VENV)/bin/pytest

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

# Writes benchmarks/RESULTS.md and benchmarks/lstm.png (BENCH_QUICK=1 for a smoke run).
bench: $(BENCH_STAMP)
	cd benchmarks && ../$(PY) eager_overhead.py
	cd benchmarks && ../$(PY) einsum.py
	cd benchmarks && ../$(PY) lstm.py
	cd benchmarks && ../$(PY) io.py
	cd benchmarks && ../$(PY) sharding.py
	cd benchmarks && ../$(PY) windows.py
	cd benchmarks && ../$(PY) sorting.py

docs: $(STAMP)
	$(VENV)/bin/pytest tests/test_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
