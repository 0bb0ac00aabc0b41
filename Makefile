# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export FLASK_APP := app

.PHONY: run test install assets browser fonts haproxy serve bench bench-province faults lint test-sqlite test-postgres clean

$(BIN)/activate: setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

## make assets: the front-end bundles (bpmn-js viewer and modeler, form-js editor) from package-lock.json
DIST := app/web/static/dist
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(DIST)/.built: node_modules/.package-lock.json $(wildcard frontend/*)
	npm run --silent build
	touch $@

assets: $(DIST)/.built

## make browser: Debian's Chromium and CJK fonts for the browser tests (tests/browser), once; needs root
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		apt-get install -y --no-install-recommends chromium fonts-noto-cjk || \
		{ apt-get update && apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }; fi

## make haproxy: Debian's HAProxy, the front of make serve, once; needs root
haproxy:
	@if ! command -v haproxy >/dev/null; then \
		apt-get install -y --no-install-recommends haproxy || \
		{ apt-get update && apt-get install -y --no-install-recommends haproxy; }; fi

## make fonts: the font notice PDFs embed (Debian fonts-arphic-uming, AR PL UMing), once; needs root
NOTICE_FONT ?= /usr/share/fonts/truetype/arphic/uming.ttc
fonts:
	@if [ ! -f "$(NOTICE_FONT)" ]; then \
		apt-get install -y --no-install-recommends fonts-arphic-uming || \
		{ apt-get update && apt-get install -y --no-install-recommends fonts-arphic-uming; }; fi

## make run: install, migrate, load demo users, deploy workflows/ and forms/, serve on 127.0.0.1:$(PORT)
run: install assets fonts
	DEMO=1 $(BIN)/flask db upgrade
	DEMO=1 $(BIN)/flask demo
	DEMO=1 $(BIN)/flask deploy
	DEMO=1 $(BIN)/flask --app app.wsgi run --host 127.0.0.1 --port $(PORT)

## make test: lint, then the whole suite on SQLite and, when 127.0.0.1:5432 answers, on PostgreSQL
test: install assets browser fonts haproxy lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check app tests bench
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

# the suite runs on every core (pytest-xdist), each module whole on one worker with a database of its own
PYTEST := $(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile

test-sqlite:
	$(PYTEST)

test-postgres:
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "PostgreSQL reachable: running the suite on it"; \
		TEST_DATABASE_URL=$(PG_URL) $(PYTEST); \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: skipped"; fi

## make serve: production mode: the HAProxy front (front/haproxy.cfg.in) on 127.0.0.1:$(PORT) before gunicorn
## (gunicorn.conf.py, one worker per core, the scheduler in each) on APP_PORT (PORT+1); both start and stop here.
## JSON logs, Prometheus metrics at /metrics; DATABASE_URL, SECRET_KEY, UPSTREAMS… from the environment (README).
## DEMO=1 also loads the demo organisation and deploys workflows/ and forms/ (trials, benchmarks).
PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/instance/metrics
serve: install assets fonts haproxy
	$(BIN)/flask db upgrade
	@if [ "$$DEMO" = "1" ]; then $(BIN)/flask demo && $(BIN)/flask deploy; fi
	rm -rf $(PROMETHEUS_MULTIPROC_DIR) && mkdir -p $(PROMETHEUS_MULTIPROC_DIR)
	PORT=$(PORT) PROMETHEUS_MULTIPROC_DIR=$(PROMETHEUS_MULTIPROC_DIR) LOG_FORMAT=$${LOG_FORMAT:-json} \
		BIN=$(BIN) front/serve.sh

## make faults: the named fault scenarios alone (README, "Faults"), each a pytest test marked fault("name") with its
## ledger check (nothing lost, nothing duplicated, every client-visible error a 4xx or a 503), loopback only, each
## bounded to ~20 s; on SQLite and, when 127.0.0.1:5432 answers, on PostgreSQL (where some scenarios only run).
## They are part of `make test` too. Scenarios: slow clients, held table lock, killed worker, terminated
## connections, stalled worker, restart with overdue timers, retried starts and completions, verification under load.
FAULT_SIZE := CATCH_UP_TIMERS=$${CATCH_UP_TIMERS:-200} CLUSTER_CASES=$${CLUSTER_CASES:-8}
faults: install haproxy
	$(FAULT_SIZE) $(BIN)/python -m pytest -q -m fault -rs
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		$(FAULT_SIZE) TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -m fault -rs; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: its scenarios skipped"; fi

## make bench: the performance harness on a fresh PostgreSQL database (BENCH_DATABASE_URL, default
## assistance_bench on 127.0.0.1:5432): prints every figure with its target, writes bench/results.json; the service
## is loaded twice, by the offices' desks and by Camunda clients that list, claim and complete each task
## (TASKLIST_CLIENTS threads, default 16; `python -m bench.tasklist` runs the floor and these two loads alone);
## then the 1,000,000-household payment roll (bench/payroll.py, the same database made afresh), and page loads with
## 20 of the staff at work (bench/pages.py)
bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench
	$(BIN)/python -m bench.payroll
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.migration

## make bench-province: a province of 2,000,000 cases over 100 counties bulk-loaded into PROVINCE_DATABASE_URL
## (default assistance_province on 127.0.0.1:5432), figures printed at 0.5 M, 1 M and 2 M cases beside their goals
## (bench/province.py); loading stops before the database passes 40 GB. Then the nightly verification timed on
## 2,000,000 cases of which 1 % changed (bench/night.py, assistance_bench_night). About 100 minutes on two cores.
bench-province: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.province
	$(BIN)/python -m bench.night

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .import_linter_cache node_modules $(DIST)
