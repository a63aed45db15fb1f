# Two commands do all set-up on a fresh machine: `make book` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
BUILD_FLAGS := -W -n --keep-going
export PYTHONHASHSEED := 0

.PHONY: help venv torch data book test unit notebooks build-check execute clean

help:
	@echo "make book     build the HTML book (sets up .venv and data first)"
	@echo "make test     unit tests, strict nbval over every notebook, and the -W book build"
	@echo "make execute  re-execute every notebook in place after editing a chapter"
	@echo "make browser  open every page of the built book in headless Chromium (tests/test_browser.py)"
	@echo "make test-fresh  run every notebook against an nnlib wheel in a new venv outside the repository"
	@echo "make sync     write repository.url of _config.yml into every notebook's install cell"
	@echo "make api      regenerate book/api.md after adding an nnlib module"

# The virtual environment, refreshed whenever requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $@

venv: $(STAMP)

# PyTorch (CPU) for the comparison tests and the benchmark. Only this exact version: it is the CPU build on
# these machines, while an unpinned torch would pull a multi-GB CUDA build.
TORCH := torch==2.13.0
TORCH_STAMP := $(VENV)/.torch
$(TORCH_STAMP): $(STAMP)
	@$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH)" \
	  || echo "warning: $(TORCH) could not be installed; the PyTorch comparisons will be skipped"
	@touch $@

torch: $(TORCH_STAMP)

# Fashion-MNIST: the Debian package when apt is usable (we may be root on CI), then nnlib.data finds and verifies
# it (or its cache, or downloads it); see nnlib/data.py for the search order.
data: $(STAMP)
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && [ -z "$${NNLIB_DATA:-}" ] && command -v apt-get >/dev/null \
	    && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing the Debian package dataset-fashion-mnist"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
	    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; } \
	    || echo "apt could not install dataset-fashion-mnist; nnlib.data will try its cache and the download"; \
	fi
	$(BIN)/python -m nnlib fetch-data

book: data mathjax
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "Book built: open file://$(CURDIR)/_build/html/index.html"

unit: $(TORCH_STAMP)
	$(BIN)/python -m pytest tests -m "not browser"

notebooks: data
	$(BIN)/python -m pytest --nbval $(NOTEBOOKS) -p no:cacheprovider

build-check: data mathjax
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# Strict nbval over every notebook of book/ runs once, in test-fresh: on copies of the notebooks outside the
# repository, against an nnlib wheel in a new venv (what `make notebooks` checks in place, and more).
test: data
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory test-fresh
	$(MAKE) --no-print-directory test-fresh-1thread
	$(MAKE) --no-print-directory build-check
	$(MAKE) --no-print-directory browser-check

execute: data
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=900 \
	    --ExecutePreprocessor.kernel_name=python3 "$$nb"; \
	done

clean:
	rm -rf _build

# --- Book infrastructure: offline MathJax, the browser test, the fresh-venv test, install cells, API page. ---
.PHONY: mathjax chromium browser browser-check test-fresh sync api

# Debian packages on demand (CI machines start without them); only as root with apt-get, else say what is missing.
define apt_install
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing the Debian package(s) $(1)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null 2>&1 \
	    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; }; \
	else echo "missing: the Debian package(s) $(1) (install them as root)"; exit 1; fi
endef

# MathJax 3.2.2 from the npm registry into .vendor/static/mathjax (git-ignored), checked against the sha256 in
# tools/vendor_mathjax.py; a no-op when it is already there. _config.yml serves it from the build itself.
mathjax:
	@command -v npm >/dev/null || { $(call apt_install,npm); }
	@$(PYTHON) tools/vendor_mathjax.py

# Headless Chromium for tests/test_browser.py (Playwright drives the Debian build; it downloads no browser).
chromium:
	@{ command -v chromium >/dev/null && command -v chromedriver >/dev/null; } || { $(call apt_install,chromium chromium-driver); }

# Every page of _build/html in Chromium: console errors, requests, images, MathJax, sidebar, search, buttons.
# `browser` builds first; `test` runs `browser-check` right after its own build. Screenshots: _build/screenshots/.
browser: book
	$(MAKE) --no-print-directory browser-check

browser-check: $(STAMP) chromium
	BOOK_BROWSER_REQUIRED=1 $(BIN)/python -m pytest tests/test_browser.py -m browser -p no:cacheprovider -q

# The same with one BLAS/OpenMP thread: the stored outputs must not depend on the thread count.
.PHONY: test-fresh-1thread
test-fresh-1thread: data
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python tools/fresh_venv_check.py

# The chapters as a reader runs them: nnlib from a wheel in a new venv in a temporary directory, strict nbval.
test-fresh: data
	$(BIN)/python tools/fresh_venv_check.py

# After setting repository.url in _config.yml: write it into every notebook's install cell, then commit.
sync: $(STAMP)
	$(BIN)/python tools/sync_install_cell.py

api: $(STAMP)
	$(BIN)/python tools/gen_api.py

# The benchmark of the appendix "How fast is nnlib?" (book/performance.ipynb): every configuration in its own
# subprocess, on all cores. Run it on a quiet machine (load < 2). It writes bench/results.json and copies it into
# the package (nnlib/bench_results.json), where nnlib.bench.load_results() finds it from any directory.
.PHONY: bench
bench: $(STAMP) $(TORCH_STAMP) data
	$(BIN)/python bench/benchmark.py --out bench/results.json
	cp bench/results.json nnlib/bench_results.json
