# Each target sets up its own virtual environment first, so both work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.skaugment-installed

.PHONY: demo demo-quick test docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The pinned CPU build is on this machine's disk; an unpinned torch would pull CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,data,aeon]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/skaugment demo

demo-quick: $(STAMP)
	$(VENV)/bin/skaugment demo --quick

# One pytest worker per core, each with one torch/BLAS thread (no oversubscription).
test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n auto

# The API reference (Sphinx + numpydoc), offline, warnings are errors.
docs: $(STAMP)
	$(VENV)/bin/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html

bench: $(STAMP)
	$(PY) benchmarks/bench_features.py

clean:
	rm -rf $(VENV) build *.egg-info skaugment_output docs/_build docs/api
