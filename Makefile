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
export MPLBACKEND := Agg

.PHONY: help venv data book test unit notebooks build-check execute clean

help:
	@echo "make book     build the HTML book (sets up .venv and data first)"
	@echo "make test     unit tests, strict nbval over every notebook, and the -W book build"
	@echo "make execute  re-execute every notebook in place after editing a chapter"

# The virtual environment, refreshed whenever requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $@

venv: $(STAMP)

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

book: data
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "Book built: open file://$(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(BIN)/python -m pytest tests

notebooks: data
	$(BIN)/python -m pytest --nbval $(NOTEBOOKS) -p no:cacheprovider

build-check: data
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

test: data
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory notebooks
	$(MAKE) --no-print-directory build-check

execute: data
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=900 \
	    --ExecutePreprocessor.kernel_name=python3 "$$nb"; \
	done

clean:
	rm -rf _build
