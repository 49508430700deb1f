# The two commands a newcomer needs: `make demo` and `make test`. Each sets itself up idempotently.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
DBT_VENV := $(CURDIR)/.venv-dbt
STATE := $(CURDIR)/.state
BIN := $(VENV)/bin

export WAREHOUSE_STATE_DIR ?= $(STATE)
export AIRFLOW_HOME ?= $(STATE)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM ?= 4
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG ?= 2
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT ?= 60
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS ?= True
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= WARNING
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DBT_EXECUTABLE ?= $(DBT_VENV)/bin/dbt
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

LANDING ?=

.PHONY: help setup browser db stop airflow-init demo run hostile test lint airflow airflow-celery docs report bench lock clean

help:
	@echo "make demo              build everything and run the pipelines on generated data"
	@echo "make test              lint, then unit, integration, Airflow and dbt tests against a real PostgreSQL"
	@echo "make lint              ruff (lint and format) and sqlfluff on the dbt project"
	@echo "make run LANDING=dir   run every pipeline once over a landing folder"
	@echo "make hostile           write issue 11's hostile and broken deliveries and run every pipeline over them"
	@echo "make airflow           start the Airflow UI locally (http://localhost:8080)"
	@echo "make airflow-celery [LANDING=dir] [WORKERS=2]  the distributed Airflow (Celery workers on Redis) with its UI"
	@echo "make docs              generate the dbt documentation (dbt_project/target/index.html)"
	@echo "make report [PERIOD=2025H1] [DATABASE=samverkan_demo]  the situation report: Riket and 21 counties, HTML and PDF"
	@echo "make stop              stop the embedded PostgreSQL"

setup: $(VENV)/.installed $(DBT_VENV)/.installed browser

# Debian's Chromium for the report's browser test (no browser is ever downloaded by a test tool): installed
# from Debian's packages where the set-up may (root with apt-get); elsewhere the test says it is skipped and why.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
browser:
	@test -n "$(CHROMIUM)" || { test "$$(id -u)" = 0 && command -v apt-get > /dev/null \
		&& (apt-get install -y -q chromium > /dev/null 2>&1 || (apt-get update -q > /dev/null 2>&1 && apt-get install -y -q chromium > /dev/null 2>&1)) \
		&& echo "Chromium installerat (apt-get install chromium), för rapportens webbläsartest"; } \
		|| echo "Chromium saknas och kunde inte installeras: rapportens webbläsartest hoppas över (sudo apt-get install chromium)"

$(VENV)/.installed: requirements/main.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/main.lock
	@# the project root on the venv's path, so `ingestion` imports from tests, DAGs and the CLI
	$(BIN)/python -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'samverkan_warehouse.pth').write_text('$(CURDIR)\\n')"
	@touch $@

$(DBT_VENV)/.installed: requirements/dbt.lock
	@test -x $(DBT_VENV)/bin/python || $(PY) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements/dbt.lock
	@touch $@

# Starts the embedded PostgreSQL unless WAREHOUSE_URL is set, then creates schemas, roles and raw tables.
db: setup
	@$(BIN)/python -m ingestion db start

stop: setup
	@$(BIN)/python -m ingestion db stop

# Airflow's metadata database migrated (once per Airflow home) and the project's pools (task_policy.POOLS)
airflow-init: setup
	@$(BIN)/python -m ingestion airflow-init

demo: db airflow-init
	@$(BIN)/python -m ingestion demo

run: db airflow-init
	@test -n "$(LANDING)" || (echo "Ange en landningsmapp: make run LANDING=examples/landing"; exit 2)
	@$(BIN)/python -m ingestion run --landing "$(LANDING)"

# Issue 11's acceptance scenario, tried as an attacker: a new landing folder of hostile and broken deliveries
# beside the good samples (its README says what must happen to each), then `make run` over it. The upload in
# progress must still be in progress when the registry DAG looks, minutes later: the quiet period is 15 minutes
# for this run (every other delivery carries its marker).
HOSTILE := $(STATE)/hostile_landing
hostile: db airflow-init
	@rm -rf "$(HOSTILE)" "$(HOSTILE)-utanfor"
	@$(BIN)/python -m ingestion hostile-landing "$(HOSTILE)"
	@UPLOAD_QUIET_SECONDS=$${UPLOAD_QUIET_SECONDS:-900} $(MAKE) --no-print-directory run LANDING="$(HOSTILE)"

# Lint, then the tests on two workers (pytest-xdist; a module's tests stay on one worker), printing the 25
# slowest. The SQL lint (dbt templater, ~1.5 min) runs beside the tests, which leave part of the two cores
# idle while they wait on PostgreSQL, dbt and Airflow; its report follows the tests', and the last line
# repeats pytest's summary.
PYTEST_WORKERS ?= 2
test: db airflow-init
	$(BIN)/ruff check ingestion dags tests benchmarks
	$(BIN)/ruff format --check ingestion dags tests benchmarks
	@mkdir -p $(STATE); $(BIN)/python -m ingestion lint-sql > $(STATE)/lint-sql.log 2>&1 & lint=$$!; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=25 | tee $(STATE)/pytest.log; \
	tests=$${PIPESTATUS[0]}; wait $$lint; sql=$$?; \
	echo "sqlfluff lint (dbt_project/models, dbt_project/tests), exit $$sql:"; tail -n 25 $(STATE)/lint-sql.log; \
	tail -n 1 $(STATE)/pytest.log; test $$tests -eq 0 && test $$sql -eq 0

# Benchmarks (not tests): 600 follow-up workbooks; one survey wave of 5 000 respondents × 100 questions;
# registry extracts at national scale (25 months × 500 000 rows; ≈ 9 minutes on 2 cores), results in
# benchmarks/results/registry.md.
bench: db
	@$(BIN)/python benchmarks/bench_forms.py 600
	@$(BIN)/python benchmarks/bench_survey.py 5000 100
	@$(BIN)/python benchmarks/bench_registry.py 500000 24
	@$(BIN)/python benchmarks/bench_report.py

docs: db
	@$(BIN)/python -m ingestion docs

# The national situation report: HTML and PDF editions for the country and each county (docs/report.md)
report: db
	@$(BIN)/python -m ingestion report $(if $(PERIOD),--period $(PERIOD)) $(if $(DATABASE),--database $(DATABASE))

lint: db
	$(BIN)/ruff check ingestion dags tests benchmarks
	$(BIN)/ruff format --check ingestion dags tests benchmarks
	$(BIN)/python -m ingestion lint-sql

airflow: db airflow-init
	@echo "Airflow UI on http://localhost:8080 (Ctrl-C stops it and all its processes)"
	@set -m; $(BIN)/airflow standalone & pid=$$!; trap "kill -- -$$pid 2>/dev/null" INT TERM EXIT; wait $$pid

# The production shape on this machine: api-server, scheduler, dag-processor, triggerer and Celery workers as
# local processes, Redis (CELERY_BROKER_URL, default redis://127.0.0.1:6379/0) as broker, Airflow's metadata in
# the database airflow_celery of the warehouse's server; every DAG unpaused over LANDING (default
# examples/landing, copied from). Ctrl-C stops every process (docs/operations.md).
airflow-celery: db
	@$(BIN)/python -m ingestion airflow-celery --landing "$(or $(LANDING),examples/landing)" $(if $(WORKERS),--workers $(WORKERS))

# Regenerate the lock files from requirements/*.in (needs the package registry).
lock:
	rm -rf $(STATE)/lockenv && $(PY) -m venv $(STATE)/lockenv
	$(STATE)/lockenv/bin/pip install -q -r requirements/main.in && $(STATE)/lockenv/bin/pip freeze --exclude-editable > requirements/main.lock
	rm -rf $(STATE)/lockenv && $(PY) -m venv $(STATE)/lockenv
	$(STATE)/lockenv/bin/pip install -q -r requirements/dbt.in && $(STATE)/lockenv/bin/pip freeze > requirements/dbt.lock
	rm -rf $(STATE)/lockenv

clean: stop
	rm -rf $(STATE) dbt_project/target dbt_project/logs
