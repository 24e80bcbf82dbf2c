# Zhijian — two commands from a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE := 1
# The random test order of this run; printed, so a failure can be replayed with `make test SEED=<n>`.
ifndef SEED
SEED   := $(shell date +%s)
endif
RANDOM_ORDER := --randomly-seed=$(SEED)

.PHONY: install run test walls audit test-postgres test-sqlite contract contract-live migrate openapi lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Serve the API on the embedded SQLite default with demo data: http://127.0.0.1:8000/docs
run: install
	ENV=development $(BIN)/python -m app.cli migrate
	ENV=development $(BIN)/python -m app.cli seed-demo
	ENV=development $(BIN)/uvicorn app.main:app_factory --factory --host $(HOST) --port $(PORT) --no-proxy-headers

## The whole suite on a real PostgreSQL (127.0.0.1:5432, user postgres), the portable part again on SQLite,
## in random order on two workers; the schemathesis modules (each an app built at import, pointed at its own
## database) run in a process of their own,
## then the frontend contract: TypeScript types generated from openapi/openapi.json must type-check a usage file,
## a typed client walks the README walk-through against the app started on a free port (contract/walk/),
## and the schemathesis CLI runs against the live server (tests/contract_live.py).
test: install walls audit test-postgres test-sqlite contract contract-live

## The walls of the house: import-linter contracts in pyproject.toml ([tool.importlinter])
walls: install
	$(BIN)/lint-imports

## Known vulnerabilities in the installed environment (pip-audit against PyPI's advisory feed) fail the build;
## the accepted ones are listed, each with its reason, in security/pip-audit-accepted.txt.
ACCEPTED_VULNS := $(addprefix --ignore-vuln ,$(shell sed -e 's/\#.*//' security/pip-audit-accepted.txt))
audit: install
	$(BIN)/pip-audit --skip-editable --progress-spinner off $(ACCEPTED_VULNS)

test-postgres: install
	@echo "test order: --randomly-seed=$(SEED)"
	$(BIN)/pytest -q -p no:cacheprovider $(RANDOM_ORDER) -n 2 --ignore=tests/api/test_schemathesis.py \
		--ignore=tests/api/test_schemathesis_dates.py
	$(BIN)/pytest -q -p no:cacheprovider $(RANDOM_ORDER) -n 2 tests/api/test_schemathesis.py \
		tests/api/test_schemathesis_dates.py

test-sqlite: install
	@echo "test order: --randomly-seed=$(SEED)"
	TEST_BACKEND=sqlite $(BIN)/pytest -q -p no:cacheprovider $(RANDOM_ORDER) -n 2 -m "not postgres_only" tests/api

contract: install
	cd contract && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check
	@echo "contract: openapi/openapi.json generates TypeScript types that type-check"
	cd contract && WALK_PYTHON=$(abspath $(BIN))/python npm run --silent walk
	@echo "contract: a typed client walked the README walk-through against the real server"

## The schemathesis CLI with every check (examples, coverage, fuzzing, stateful) against the app under uvicorn on a
## fresh PostgreSQL database with the demo data; any failure fails. CONTRACT_MAX_EXAMPLES=n bounds it (default 12).
contract-live: install
	$(BIN)/python -m tests.contract_live

migrate: install
	$(BIN)/python -m app.cli migrate

openapi: install
	$(BIN)/python -m app.cli export-openapi

lint: install
	$(BIN)/ruff check app tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
