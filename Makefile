# govfeedback — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Local development defaults; every one can be overridden from the environment.
export DEBUG ?= 1

.PHONY: run test lint format messages check clean bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

## run: migrate, seed the demo if the database is empty, serve the admin with a Celery worker and beat.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	@mkdir -p .run
	@echo "Admin: http://127.0.0.1:$(PORT)/admin/  (Ctrl-C stops the server, the worker and beat)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A govfeedback worker --beat --loglevel=INFO --concurrency=2 \
		--schedule=.run/celerybeat-schedule & \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL is set).
test: $(BIN)/.installed
	$(BIN)/pytest

## bench: seed BENCH_APPEALS appeals (default 100000) in PostgreSQL and measure (issue 8; not in CI).
## Needs DATABASE_URL=postgres://...; works in its own database govfeedback_bench. Results: bench/RESULTS.md.
bench: $(BIN)/.installed
	DEBUG=0 $(BIN)/python -m bench

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the Russian translation (needs GNU gettext).
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages --locale ru --no-obsolete --add-location file
	$(BIN)/python manage.py compilemessages --locale ru

check: $(BIN)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) .run db.sqlite3 staticfiles
