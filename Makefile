# Orienta: `make run` starts everything on embedded defaults, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Two environments: Rasa's (Rasa 3.6 needs Python < 3.11) and the web service's (a supported
# Python with pydantic 2). .python-version names both, in that order (pyenv reads it too).
PYTHON_RASA := $(word 1,$(shell cat .python-version))
PYTHON_SERVICIO := $(word 2,$(shell cat .python-version))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VENV_SERVICIO := .venv-servicio
PY_SERVICIO := $(VENV_SERVICIO)/bin/python
STAMP_SERVICIO := $(VENV_SERVICIO)/.installed
REQ := requirements
# The web service's tests (tests/servicio) and the domain's (tests/bot, which runs under both).
TESTS_SERVICIO := tests/bot tests/servicio
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export PYTHONHASHSEED := 0

# pyenv's build of a version if present, else pythonX.Y on PATH, else `pyenv install` it.
menor = $(word 1,$(subst ., ,$(1))).$(word 2,$(subst ., ,$(1)))
python_base = $(firstword $(wildcard $(HOME)/.pyenv/versions/$(1)/bin/python) $(shell command -v python$(call menor,$(1)) 2>/dev/null))

# $(1) venv, $(2) Python version, $(3) requirement files (one pip call), $(4) lock.
define crear_venv
	@py="$(call python_base,$(2))"; \
	if [ -z "$$py" ]; then \
	  if command -v pyenv >/dev/null; then pyenv install -s $(2) && py=$(HOME)/.pyenv/versions/$(2)/bin/python; \
	  else echo "Falta Python $(2): instálalo (p. ej. pyenv install $(2))"; exit 1; fi; fi; \
	test -x $(1)/bin/python || $$py -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip==24.0
	@# One resolution for the whole environment, held to the lock's exact versions.
	$(1)/bin/python -m pip install -q $(foreach f,$(3),-r $(f)) -c $(4)
	$(1)/bin/python -m pip check
	@touch $(1)/.installed
endef

.PHONY: help venv venv-servicio conocimiento run chat shell promotor train validate lint format tipos migracion browser test test-rapido bench validacion-cruzada medir-lote bench-service bench-registro bench-load bench-entrega bench-pipelines clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): .python-version $(REQ)/rasa.in $(REQ)/rasa-dev.in $(REQ)/rasa.lock
	$(call crear_venv,$(VENV),$(PYTHON_RASA),$(REQ)/rasa.in $(REQ)/rasa-dev.in,$(REQ)/rasa.lock)

$(STAMP_SERVICIO): .python-version $(REQ)/servicio.in $(REQ)/servicio-dev.in $(REQ)/servicio.lock
	$(call crear_venv,$(VENV_SERVICIO),$(PYTHON_SERVICIO),$(REQ)/servicio.in $(REQ)/servicio-dev.in,$(REQ)/servicio.lock)

venv: $(STAMP) ## Rasa's environment (.venv, Python 3.10) with its pinned stack, if missing or outdated

venv-servicio: $(STAMP_SERVICIO) ## The web service's environment (.venv-servicio, Python 3.12)

conocimiento: venv ## Regenerate data/faq/ from the knowledge base (data/conocimiento/) with this year's values
	$(PY) -m scripts.generar_conocimiento

train: venv ## Train the model if config/domain/data changed (cached by hash)
	$(PY) -m scripts.model_cache

run: venv venv-servicio ## Start the whole assistant on embedded defaults (trains first if needed)
	$(PY) -m scripts.stack

promotor: venv-servicio ## Console account: make promotor USUARIO=ana NOMBRE="Ana Pérez" [ROL=admin|editor] [CONSULADO="Chicago, IL"]
	@test -n "$(USUARIO)" -a -n "$(NOMBRE)" || (echo 'Uso: make promotor USUARIO=ana NOMBRE="Ana Pérez" [ROL=admin|editor] [CONSULADO="Chicago, IL"]'; exit 2)
	$(PY_SERVICIO) -m servicio.consola.cuentas crear "$(USUARIO)" --nombre "$(NOMBRE)" --rol $(or $(ROL),promotor) $(if $(CONSULADO),--consulado "$(CONSULADO)")

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

test: lint validate train browser venv-servicio ## Install what is missing and run every test
	$(PY_SERVICIO) -m pytest $(TESTS_SERVICIO)
	$(PY) -m pytest --ignore=tests/servicio

test-rapido: venv venv-servicio ## Unit tests only, under a minute: no model, no servers, no stack, no API fuzzing
	@# The schemathesis run of every API operation (~40% of this target's CPU) stays in `make test`;
	@# without it the hypothesis and schemathesis plugins are dead weight at start-up (~2.5 s).
	@# Both environments at once, one per core; tests/bot runs once here (on the service's side).
	@mkdir -p var
	@$(PY_SERVICIO) -m pytest -q -p no:cacheprovider $(TESTS_SERVICIO) -m "not servidores" \
	  --ignore=tests/servicio/inscripcion/test_schemathesis.py -p no:hypothesispytest -p no:schemathesis \
	  > var/test-rapido-servicio.log 2>&1 & servicio=$$!; \
	$(PY) -m pytest -q --ignore=tests/servicio --ignore=tests/bot \
	  -m "not model and not e2e and not escala and not servidores"; rasa=$$?; \
	wait $$servicio; servicio=$$?; tail -n 3 var/test-rapido-servicio.log; \
	test $$rasa -eq 0 -a $$servicio -eq 0

tipos: venv-servicio ## mypy ([tool.mypy] in pyproject.toml) over the rules (bot/) and the service (servicio/)
	$(PY_SERVICIO) -m mypy bot servicio

migracion: venv-servicio ## New Alembic revision from the models: make migracion MENSAJE="qué cambia"
	@test -n "$(MENSAJE)" || (echo 'Uso: make migracion MENSAJE="qué cambia en el esquema" (p. ej. MENSAJE="registros: columna pais")'; exit 2)
	@# Compared against a scratch SQLite at head, so local data and a stale var/orienta.db don't matter.
	@mkdir -p var && rm -f var/migracion.db
	DATABASE_URL=sqlite:///var/migracion.db $(PY_SERVICIO) -m alembic -c servicio/inscripcion/alembic.ini upgrade head
	DATABASE_URL=sqlite:///var/migracion.db $(PY_SERVICIO) -m alembic -c servicio/inscripcion/alembic.ini revision --autogenerate -m "$(MENSAJE)"
	@rm -f var/migracion.db
	$(VENV)/bin/ruff check -q --fix servicio/inscripcion/migraciones/versions
	$(VENV)/bin/ruff format -q servicio/inscripcion/migraciones/versions

bench: train venv-servicio ## NLU of this pipeline vs DIET+ResponseSelector and Rasa's default (real and team held-out), training, REST latency, RSS
	$(PY) -m scripts.bench $(ARGS)

validacion-cruzada: venv ## 4-fold CV on the real questions' training half, to tune without reading the held-out half (ARGS=--errores lists the misses)
	$(PY) -m scripts.validacion_cruzada $(ARGS)

medir-lote: venv ## One batch of real questions, both halves, before it is trained on: make medir-lote LOTE=7
	$(PY) -m scripts.medir_lote $(LOTE)

bench-service: venv-servicio ## Requests/s and p95 of the enrollment service
	$(PY_SERVICIO) -m scripts.bench_service

bench-registro: train venv-servicio ## Complete registrations through REST: turns, latency per turn, duplicates
	$(PY) -m scripts.bench_registro

bench-load: train venv-servicio ## 50 people x 20 messages on the production config, 1 and 2 Rasa replicas (ARGS="--nlg con sin": with and without the NLG hop)
	$(PY) -m scripts.bench_load $(ARGS)

bench-entrega: train venv-servicio ## Delivery latency of a promoter's reply to web chats (socket.io), p50/p95
	$(PY) -m scripts.bench_entrega $(ARGS)

clean: ## Remove trained models, logs and local databases (keeps the venv and model cache)
	rm -rf models results var/log var/*.db

bench-pipelines: venv ## Score NLU pipeline variants on the held-out split (how config.yml was chosen)
	$(PY) -m scripts.compare_pipelines
