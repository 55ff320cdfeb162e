# Everything a fresh machine needs: python3 and make. The first run creates .venv and installs.
# Prefer a Python the embedded PostgreSQL (pgserver) ships wheels for: 3.12, 3.11, 3.10.
PYTHON ?= $(shell for p in python3.12 python3.11 python3.10 python3; do \
	if $$p -c 'import venv' >/dev/null 2>&1; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs exactly what uv.lock names (versions and hashes); `make lock` is the only way it changes.
UV_VERSION := 0.13.8
UV := $(BIN)/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint typecheck hadolint openapi lock seed migrate create-admin verify-audit bench backup restore soak clean

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check uv==$(UV_VERSION)

# --locked: refuse to install when pyproject.toml and uv.lock disagree (run `make lock`).
# --inexact: keep pip and uv themselves in the environment.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --quiet --locked --inexact --extra dev --python $(BIN)/python
	touch $(STAMP)

lock: | $(UV)  ## re-resolve every dependency to its newest allowed release and rewrite uv.lock
	$(UV) lock --upgrade --python $(BIN)/python
	@echo "uv.lock updated: run make openapi && make test before committing it"

run: $(STAMP)  ## start the service with demo data on http://127.0.0.1:$${PORT:-8000}
	LOAD_DEMO_DATA=$${LOAD_DEMO_DATA:-true} $(BIN)/python -m api serve

test: $(STAMP) lint typecheck hadolint  ## everything CI runs
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check api tests migrations scripts bench

typecheck: $(STAMP)
	$(BIN)/mypy api

hadolint: $(STAMP)
	$(BIN)/hadolint Dockerfile

openapi: $(STAMP)  ## regenerate openapi/openapi.json from the code
	$(BIN)/python -m api openapi

migrate: $(STAMP)
	$(BIN)/python -m api migrate

seed: $(STAMP)
	$(BIN)/python -m api seed

create-admin: $(STAMP)
	$(BIN)/python -m api create-admin --username $${ADMIN_USERNAME:-admin}

verify-audit: $(STAMP)
	$(BIN)/python -m api verify-audit

# The benchmark (needs wrk: apt-get install -y wrk). BENCH_ARGS, e.g. "--clients 10000 --duration 5".
bench: $(STAMP)
	$(UV) sync --quiet --locked --inexact --extra dev --extra bench --python $(BIN)/python
	$(BIN)/python -m bench.run --sweep 10000,100000,1000000 $(BENCH_ARGS)

backup: $(STAMP)  ## make backup FILE=backup.dump
	$(BIN)/python -m api backup $${FILE:?set FILE=path/to/backup.dump}

restore: $(STAMP)  ## make restore FILE=backup.dump [DATABASE=new_name]
	$(BIN)/python -m api restore $${FILE:?set FILE=path/to/backup.dump} $${DATABASE:+--database $$DATABASE}

soak: $(STAMP)  ## 10-minute load with a PostgreSQL stop halfway (SOAK_SECONDS to change)
	$(BIN)/python bench/soak.py --seconds $${SOAK_SECONDS:-600}

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache
