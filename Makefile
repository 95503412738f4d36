# The two commands of the README (make run, make test), and the tools around them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

APPS := enrollment inventory employers recipients administration helpdesk dashboards

.PHONY: run test lint format bench install messages messages-extract clean

$(STAMP): requirements.txt requirements-dev.txt build-constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

.secret_key:
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .secret_key

messages: $(STAMP)
	SECRET_KEY=build $(BIN)/python manage.py compilemessages --ignore=.venv -v0

# Refresh the Spanish catalogues: the core's in locale/, each app's in <app>/locale/. Apps are
# extracted without settings, so that their strings stay in their own catalogue.
messages-extract: $(STAMP)
	SECRET_KEY=build $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=tests \
		--ignore=docs --ignore=bench $(APPS:%=--ignore=%) --no-obsolete -v0
	for app in $(APPS); do \
		(cd $$app && mkdir -p locale && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin makemessages -l es --no-obsolete -v0); \
	done

# make run: SQLite, tasks in-process, mail printed on the console, demo data loaded.
run: $(STAMP) .secret_key messages
	DEBUG=1 SECRET_KEY=$$(cat .secret_key) $(BIN)/python manage.py migrate --no-input -v0
	DEBUG=1 SECRET_KEY=$$(cat .secret_key) $(BIN)/python manage.py seed_demo
	DEBUG=1 SECRET_KEY=$$(cat .secret_key) $(BIN)/python manage.py runserver 127.0.0.1:8000

# make test: PostgreSQL when DATABASE_URL is set, SQLite otherwise.
test: $(STAMP) messages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# make bench: every benchmark in one run, one table (bench/run.py; bench/README.md); QUICK=1 for
# a small version in a few minutes; ONLY=booking,pages runs only those benchmarks.
# bench/resilience.py (outages, killed workers) runs on its own.
bench: $(STAMP) messages
	QUICK=$(QUICK) BENCH_ONLY=$(ONLY) $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
