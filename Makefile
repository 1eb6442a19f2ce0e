# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when a requirements file changes.
INSTALLED := $(VENV)/.installed
# Where `make run` serves: `make run PORT=8001`, `make run ADDRESS=0.0.0.0`.
ADDRESS ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed worker beat demo demo-clean bench bench-ledger bench-repositories loadtest backup restore lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): $(BIN)/python requirements/base.txt requirements/local.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/local.txt
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput -v 0

seed: migrate
	$(BIN)/python manage.py load_cartography
	$(BIN)/python manage.py create_demo_maintainer --site http://$(ADDRESS):$(PORT)

## Serve the platform on the embedded default (SQLite, eager jobs), at http://$(ADDRESS):$(PORT)
## (127.0.0.1:8000 unless told otherwise: `make run PORT=8001`, `make run ADDRESS=0.0.0.0`).
run: seed
	@echo "Serving at http://$(ADDRESS):$(PORT)/"
	$(BIN)/python manage.py runserver $(ADDRESS):$(PORT)

## Run the whole suite: SQLite by default, PostgreSQL when DATABASE_URL is set. With DATABASE_URL
## and CELERY_BROKER_URL both set, the service tests (fault drills, real workers, backups) run next,
## on their own: they start private PostgreSQL and Redis servers on free ports, and never stop,
## restart or flush the ones the environment names (their last test checks those servers' process
## ids). Each pass ends by saying how many tests it deselected and why.
test: install
	$(BIN)/python -m pytest -m "not services" -n auto --dist loadfile $(PYTEST_ARGS)
ifneq ($(and $(DATABASE_URL),$(CELERY_BROKER_URL)),)
	$(BIN)/python -m pytest -m services -p no:xdist $(PYTEST_ARGS)
endif

## A real worker and the one beat, for the PostgreSQL + Redis set-up.
worker: install
	$(BIN)/celery -A cartography worker -l info
beat: install
	$(BIN)/celery -A cartography beat -l info

## Synthetic contributions to the seeded projects (marked synthetic everywhere); demo-clean removes
## every synthetic row again and recomputes the statistics.
demo: seed
	$(BIN)/python manage.py generate_demo_data --contributions 5000 --contributors 400 --seed 1

demo-clean: migrate
	$(BIN)/python manage.py remove_demo_data

## Both benchmarks on scratch PostgreSQL databases beside DATABASE_URL's (docs/operations.md):
## the ledger (statistics, API, approvals) and then the repository syncs. Each runs on its own too.
bench: bench-ledger bench-repositories

bench-ledger: install
	$(BIN)/python bench/run.py

bench-repositories: install
	$(BIN)/python bench/repositories.py

loadtest: install
	$(BIN)/python loadtest/run.py

backup:
	pg_dump --format=custom --no-owner --dbname="$(DATABASE_URL)" --file="$(or $(BACKUP),backup.dump)"
restore:
	pg_restore --clean --if-exists --no-owner --dbname="$(DATABASE_URL)" "$(or $(BACKUP),backup.dump)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles test-output
