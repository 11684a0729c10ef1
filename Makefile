# Everything a fresh machine needs: `make demo` and `make test` create the virtualenv when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup demo test lint format bench test-local-llm clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build the local embedding model runs on.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/salesplan demo

test: setup
	$(BIN)/python -m pytest -q -n 2

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m benchmarks

# Optional, never part of `test` or CI: the demo eval suite against a small self-hosted model
# (installs the server and assembles the model under .cache/local-llm/ the first time).
# LOCAL_LLM=smollm2 for the tiny model; LOCAL_LLM_ARGS are passed on, e.g. "--tag stalled".
LOCAL_LLM ?= qwen2.5-coder-0.5b
test-local-llm: setup
	$(BIN)/python -m benchmarks.local_llm --model $(LOCAL_LLM) $(LOCAL_LLM_ARGS)

clean:
	rm -rf .salesplan .pytest_cache .mypy_cache .ruff_cache
