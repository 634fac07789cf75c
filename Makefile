# Vigil — every command a newcomer, a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
export UV_PYTHON_DOWNLOADS := never

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --user --quiet uv

.PHONY: install
install: $(UV) ## Install Python dependencies (locked) and build the dashboard
	$(UV) sync --frozen
	$(MAKE) frontend

.PHONY: frontend
frontend: ## Build the dashboard into frontend/dist
	cd frontend && npm ci --no-audit --no-fund && npm run build

.PHONY: chromium
chromium: ## Install Debian's Chromium for the browser tests, if missing
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

.PHONY: run
run: install ## Install everything and run Vigil with a live demo clinic on http://127.0.0.1:8000
	$(UV) run vigil demo

.PHONY: api
api: $(UV) ## After changing a route or schema: rewrite frontend/openapi.json and src/api-schema.d.ts
	$(UV) run python scripts/openapi.py
	cd frontend && npm run --silent gen:api:ts

.PHONY: lint
lint: $(UV) ## ruff, mypy --strict, Biome (frontend), and the API contract/types up to date
	$(UV) run ruff check app tests migrations bench scripts
	$(UV) run ruff format --check app tests migrations bench scripts
	$(UV) run mypy
	$(UV) run hadolint Dockerfile
	$(UV) run python scripts/openapi.py --check
	cd frontend && npm run --silent --workspace tools/gen-api check && npm run --silent lint

.PHONY: test
test: install chromium lint ## Install what tests need and run the whole suite
	cd frontend && npm test
	$(UV) run pytest

.PHONY: bench
bench: install ## Run the benchmarks (add ARGS=--quick for the short run)
	$(UV) run python -m bench $(ARGS)

.PHONY: screenshots
screenshots: install chromium ## Regenerate docs/screenshots/ from a live demo
	$(UV) run python scripts/screenshots.py
