# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export FLASK_APP := app

.PHONY: run test install serve lint test-sqlite test-postgres clean

$(BIN)/activate: setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

## make run: install, migrate, load demo users, deploy workflows/ and forms/, serve on 127.0.0.1:$(PORT)
run: install
	DEMO=1 SCHEDULER=0 $(BIN)/flask db upgrade
	DEMO=1 SCHEDULER=0 $(BIN)/flask demo
	DEMO=1 SCHEDULER=0 $(BIN)/flask deploy
	DEMO=1 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## make test: lint, then the whole suite on SQLite and, when 127.0.0.1:5432 answers, on PostgreSQL
test: install lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check app tests

test-sqlite:
	$(BIN)/python -m pytest -q

test-postgres:
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "PostgreSQL reachable: running the suite on it"; \
		TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q; \
	else echo "PostgreSQL not reachable on 127.0.0.1:5432: skipped"; fi

## make serve: production mode (gunicorn, DATABASE_URL and SECRET_KEY from the environment)
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --workers $${WORKERS:-2} --bind 127.0.0.1:$(PORT) 'app:create_app()'

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
