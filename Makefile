# Lenswalk: `make run` to try it, `make test` to check it, `make bench` to measure it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format bench clean lock

$(BIN)/lenswalk: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

install: $(BIN)/lenswalk

run: install
	$(BIN)/lenswalk serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, the layers contract in pyproject.toml ([tool.importlinter], drawn in docs/architecture.md), then
# mypy, strict on app/ ([tool.mypy]).
lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/mypy

# Benchmarks against real server processes (not part of `make test`): bench/results/ and
# docs/performance.md. Needs PostgreSQL on 127.0.0.1:5432 and redis-server for the multi-instance figures.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Pin every dependency (and theirs) at the versions now installed, for `make install` and the CI audit.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^lenswalk' > .venv/installed.txt
	{ echo "# Exact versions that make install uses (as constraints) and CI audits; refresh with 'make lock'."; \
	  $(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -c .venv/installed.txt \
	    --no-header --no-annotate --quiet; } > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
