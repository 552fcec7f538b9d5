# govfeedback — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# How long `make run` lets the worker finish its tasks when stopped.
STOP_SECONDS ?= 8
# Local development defaults; every one can be overridden from the environment.
export DEBUG ?= 1

.PHONY: run test test-fast lint format messages check clean bench

$(BIN)/.installed: requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	@touch $@

## run: migrate, seed the demo if the database is empty, serve the admin with a Celery worker and beat.
## Ctrl-C, or SIGTERM to make, stops all three within seconds. Each service is signalled by its pid,
## never the whole process group: a pool process killed from outside can die holding the pool's
## queue lock, and the worker then waits for it for ever. A worker still busy STOP_SECONDS later
## stops cold (SIGQUIT): its tasks are idempotent and the events they handle stay in the database.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	@mkdir -p "$${RUN_DIR:-.run}"
	@echo "Admin: http://127.0.0.1:$(PORT)/admin/  (Ctrl-C stops the server, the worker and beat)"
	@$(BIN)/celery -A govfeedback worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & web=$$!; \
	stop() { kill -TERM $$worker $$web 2>/dev/null; }; \
	trap 'stopped=1; stop' INT TERM; \
	wait $$web; status=$$?; stop; \
	tries=$$(( $(STOP_SECONDS) * 5 )); \
	while [ $$tries -gt 0 ] && kill -0 $$worker 2>/dev/null; do sleep 0.2; tries=$$((tries - 1)); done; \
	kill -QUIT $$worker 2>/dev/null; wait; \
	[ -n "$$stopped" ] || exit $$status

## test: the whole suite (SQLite unless DATABASE_URL is set).
test: $(BIN)/.installed
	$(BIN)/pytest

## test-fast: the edit-test loop: the suite without the browser tests and the slow ones (docs/development.md).
test-fast: $(BIN)/.installed
	$(BIN)/pytest -m "not e2e and not slow"

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
	rm -rf $(VENV) .run db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
