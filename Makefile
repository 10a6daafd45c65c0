# Orienta: `make run` starts everything on embedded defaults, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export PYTHONHASHSEED := 0

# Python 3.10 (Rasa 3.6 needs < 3.11): pyenv's build if present, else python3.10 on PATH.
BOOTSTRAP_PY := $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python) $(shell command -v python3.10 2>/dev/null))

.PHONY: help venv run chat shell promotor train validate lint format tipos migracion browser test test-rapido bench bench-service bench-registro bench-load bench-pipelines clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.in requirements.lock
	@if [ -z "$(BOOTSTRAP_PY)" ]; then \
	  if command -v pyenv >/dev/null; then pyenv install -s $(PYTHON_VERSION); \
	  else echo "Falta Python $(PYTHON_VERSION): instálalo (p. ej. pyenv install $(PYTHON_VERSION))"; exit 1; fi; fi
	@test -x $(PY) || $(or $(BOOTSTRAP_PY),$(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==24.0
	@# One resolution for the whole stack, held to the lock's exact versions.
	$(PY) -m pip install -q -r requirements.in -c requirements.lock
	$(PY) -m pip check
	@touch $@

venv: $(STAMP) ## Create the virtualenv with the pinned stack (if missing or outdated)

train: venv ## Train the model if config/domain/data changed (cached by hash)
	$(PY) -m scripts.model_cache

run: venv ## Start the whole assistant on embedded defaults (trains first if needed)
	$(PY) -m scripts.stack

promotor: venv ## Console account: make promotor USUARIO=ana NOMBRE="Ana Pérez" [ROL=admin] [CONSULADO="Chicago, IL"]
	@test -n "$(USUARIO)" -a -n "$(NOMBRE)" || (echo 'Uso: make promotor USUARIO=ana NOMBRE="Ana Pérez" [ROL=admin] [CONSULADO="Chicago, IL"]'; exit 2)
	$(PY) -m servicio.consola.cuentas crear "$(USUARIO)" --nombre "$(NOMBRE)" --rol $(or $(ROL),promotor) $(if $(CONSULADO),--consulado "$(CONSULADO)")

chat: venv ## Chat in the terminal with the assistant started by `make run`
	$(PY) -m scripts.chat

shell: train ## Rasa's own interactive shell (starts the action server too)
	$(PY) -m rasa_sdk --actions actions --port 5055 > /dev/null 2>&1 & pid=$$!; \
	trap "kill $$pid" EXIT; $(PY) -m rasa shell --model $$($(PY) -m scripts.model_cache --path)

validate: venv ## rasa data validate; any warning fails (see scripts/validate.py)
	$(PY) -m scripts.validate

lint: venv ## Ruff lint and format check, import contracts ([tool.importlinter] in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv ## Apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

browser: ## Debian's Chromium for the browser tests (Playwright cannot download browsers here)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: lint validate train browser ## Install what is missing and run every test
	$(PY) -m pytest

test-rapido: venv ## Unit tests only, under a minute: no model, no servers, no stack, no API fuzzing
	@# The schemathesis run of every API operation (~40% of this target's CPU) stays in `make test`;
	@# without it the hypothesis and schemathesis plugins are dead weight at start-up (~2.5 s).
	$(PY) -m pytest -q -m "not model and not e2e and not escala and not servidores" \
	  --ignore=tests/servicio/inscripcion/test_schemathesis.py -p no:hypothesispytest -p no:schemathesis

tipos: venv ## mypy ([tool.mypy] in pyproject.toml) over the rules (bot/) and the service (servicio/)
	$(PY) -m mypy bot
	@# Reported, not yet enforced: servicio/ is moving to pydantic 2 (its errors are mostly pydantic 1's
	@# constr()/conint() annotations and SQLAlchemy 1.4's untyped declarative Base).
	-$(PY) -m mypy servicio

migracion: venv ## New Alembic revision from the models: make migracion MENSAJE="qué cambia"
	@test -n "$(MENSAJE)" || (echo 'Uso: make migracion MENSAJE="qué cambia en el esquema" (p. ej. MENSAJE="registros: columna pais")'; exit 2)
	@# Compared against a scratch SQLite at head, so local data and a stale var/orienta.db don't matter.
	@mkdir -p var && rm -f var/migracion.db
	DATABASE_URL=sqlite:///var/migracion.db $(PY) -m alembic -c servicio/inscripcion/alembic.ini upgrade head
	DATABASE_URL=sqlite:///var/migracion.db $(PY) -m alembic -c servicio/inscripcion/alembic.ini revision --autogenerate -m "$(MENSAJE)"
	@rm -f var/migracion.db
	$(VENV)/bin/ruff check -q --fix servicio/inscripcion/migraciones/versions
	$(VENV)/bin/ruff format -q servicio/inscripcion/migraciones/versions

bench: train ## NLU F1 vs Rasa's default pipeline, REST latency, training time, RSS, cold start
	$(PY) -m scripts.bench

bench-service: venv ## Requests/s and p95 of the enrollment service
	$(PY) -m scripts.bench_service

bench-registro: train ## Complete registrations through REST: turns, latency per turn, duplicates
	$(PY) -m scripts.bench_registro

bench-load: train ## 50 people x 20 messages on the production config, 1 and 2 Rasa replicas
	$(PY) -m scripts.bench_load $(ARGS)

clean: ## Remove trained models, logs and local databases (keeps the venv and model cache)
	rm -rf models results var/log var/*.db

bench-pipelines: venv ## Score NLU pipeline variants on the held-out split (how config.yml was chosen)
	$(PY) -m scripts.compare_pipelines
