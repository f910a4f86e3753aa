# ClinicFlow - the two commands are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test install system-deps lint typecheck cfn-lint unit functional integration e2e build bench clean reset

help: ## List every target
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml layers/requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv (if missing) and install ClinicFlow with its dev tools

system-deps: ## Install Debian packages the stack and tests need (Java 17 for DynamoDB Local)
	@bash .ci/system-deps.sh

run: system-deps install ## Start the local stack with the demo practice on http://$(HOST):$(PORT)
	$(VENV)/bin/clinicflow dev --host $(HOST) --port $(PORT) --seed demo

test: system-deps install lint typecheck cfn-lint ## Run every check and test (what CI runs)
	$(PY) -m pytest --cov --cov-report=term-missing:skip-covered --cov-report=xml

lint: install ## ruff
	$(VENV)/bin/ruff check layers functions tests bench
	$(VENV)/bin/ruff format --check layers functions tests bench

typecheck: install ## mypy, strict on the package
	$(VENV)/bin/mypy

cfn-lint: install ## cfn-lint on template.yaml (0 errors, 0 warnings)
	$(VENV)/bin/cfn-lint template.yaml

unit: install ## Unit tests only
	$(PY) -m pytest tests/unit

functional: install ## Handler tests with events from events/
	$(PY) -m pytest tests/functional

integration: system-deps install ## The local stack over HTTP
	$(PY) -m pytest tests/integration

e2e: system-deps install ## The portal in headless Chromium against the local stack
	$(PY) -m pytest tests/e2e

reset: install ## Delete the local stack's data directory and start over
	$(VENV)/bin/clinicflow dev --reset --host $(HOST) --port $(PORT) --seed demo

clean: ## Remove build output and caches (keeps .venv and data)
	rm -rf .aws-sam build .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml

# --- Build and benchmarks ------------------------------------------------------------
# `make build` is the Docker-free equivalent of `sam build`: the layer for python3.13/arm64
# (manylinux aarch64 wheels, via layers/Makefile) and a copy of each function's code.
BUILD_DIR ?= build
BUILD_PY ?= $(if $(wildcard $(PY)),$(abspath $(PY)),$(PYTHON))

build: ## Build the layer (arm64 wheels) and the functions into build/, like `sam build`
	$(MAKE) --no-print-directory -f layers/Makefile build-ClinicFlowLayer \
		ARTIFACTS_DIR="$(abspath $(BUILD_DIR))/layer" PYTHON="$(BUILD_PY)"
	rm -rf "$(BUILD_DIR)/functions" && mkdir -p "$(BUILD_DIR)/functions"
	@for d in functions/*/; do \
		[ -f "$$d/app.py" ] || continue; \
		cp -R "$${d%/}" "$(BUILD_DIR)/functions/"; \
	done
	find "$(BUILD_DIR)/functions" -depth -name __pycache__ -type d -exec rm -rf {} +
	@du -sh "$(BUILD_DIR)/layer/python" "$(BUILD_DIR)/functions"

bench: install ## Run every benchmark (bench/*/run.py); results go to docs/benchmarks.md
	@for f in bench/*/run.py; do echo "== $$f"; $(PY) "$$f" || exit 1; done
