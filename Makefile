# opsbot: `make demo` to chat with it on the sandbox, `make test` to run every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa phones home (telemetry, Sentry crash reports) unless told not to: every entry point says so.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMP  := $(VENV)/.installed
MODEL  := models/opsbot.tar.gz
TRAINING_DATA := config.yml $(wildcard domain/*.yml nlu/*.yml nlu/*/*.yml stories/*.yml)

.PHONY: help install train test lint validate pytest nlu-test core-test e2e demo serve sandbox clean teach crossval audit docs teams-package teams-demo test-clock security-check

help:
	@echo "make demo    chat with opsbot on the embedded sandbox (or your backends, see README)"
	@echo "make test    every check: ruff, data validation, pytest, training, NLU gate, conversations"
	@echo "make serve   headless: REST on :5005 (and Teams when TEAMS_APP_ID is set), actions on :5055"
	@echo "make train   train the model into $(MODEL) (skipped when nothing changed)"
	@echo "make sandbox start only the simulated Jenkins/GitHub/Grafana"
	@echo "make teach ARGS='add NAME --example ... --answer ...'   teach a new question (see README)"
	@echo "make crossval  5-fold cross-validation of the NLU, per-intent table"
	@echo "make test-clock  the tests at a morning and an evening moment in other time zones (MOMENTS=all: six)"
	@echo "make security-check  attack the stack as production runs it (forged identities, bodies, URLs)"

install: $(STAMP)
$(STAMP): requirements.txt pyproject.toml scripts/install.sh
	@scripts/install.sh
	@touch $@

train: $(MODEL)
$(MODEL): $(STAMP) $(TRAINING_DATA)
	$(RASA) train --data nlu stories --domain domain --config config.yml --out models --fixed-model-name opsbot
	@touch $@

test: $(STAMP)
	@scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .

validate: $(STAMP)
	$(RASA) data validate --data nlu stories --domain domain --config config.yml --fail-on-warnings

pytest: $(STAMP)
	$(PY) -m pytest -m "not e2e and not security"

nlu-test: $(MODEL)
	$(RASA) test nlu --nlu tests/nlu --domain domain --model $(MODEL) --out results/nlu
	$(PY) -m scripts.nlu_gate results/nlu/intent_report.json

core-test: $(MODEL)
	$(RASA) test core --stories tests/conversations --model $(MODEL) --out results/core --fail-on-prediction-errors

e2e: $(MODEL)
	$(PY) -m pytest -m e2e

# The stack as the README's production section starts it, attacked over HTTP (tests/security): forged trackers,
# impersonation, oversized bodies, smuggled service URLs, a dead action server. CI runs it after make test.
security-check: $(MODEL)
	$(PY) -m pytest -m security

# The non-e2e suite at fixed moments (morning, midnight, month's end, daylight-saving nights) and machine time
# zones (scripts/test_clock.sh). CI runs a morning and an evening; MOMENTS=all runs six.
test-clock: $(STAMP)
	@scripts/test_clock.sh $(if $(MOMENTS),$(MOMENTS),ci)

demo: $(MODEL)
	@scripts/run.sh demo

serve: $(MODEL)
	@scripts/run.sh serve

sandbox: $(STAMP)
	$(PY) -m sandbox

docs: $(STAMP)
	$(PY) -m scripts.capabilities_doc

audit: $(STAMP)
	@$(PY) -m actions.audit $(if $(N),$(N),20)

teach: $(STAMP)
	@$(PY) -m scripts.teach $(if $(ARGS),$(ARGS),--help)

crossval: $(STAMP)
	$(RASA) test nlu --nlu nlu --config config.yml --domain domain --cross-validation --folds 5 --out results/crossval
	$(PY) -m scripts.nlu_gate results/crossval/intent_report.json --report-only

clean:
	rm -rf models results .opsbot

# Teams: the app package to side-load (needs TEAMS_APP_ID), and one offline round trip through the channel.
teams-package: $(STAMP)
	$(PY) -m scripts.teams_package

MESSAGE ?= what can you do?
teams-demo: $(MODEL)
	$(PY) -m scripts.teams_demo --message "$(MESSAGE)" --click

# Benchmarks and scale-out (bench/, README "Running in production").
# make bench: one table and results/bench/<time>-<commit>.json (trains from scratch: ~10 min on 2 cores).
.PHONY: bench bench-compare test-scale
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

bench-compare: $(STAMP)
	@if [ -z "$(OLD)" ] || [ -z "$(NEW)" ]; then echo "usage: make bench-compare OLD=results/bench/a.json NEW=results/bench/latest.json"; exit 2; fi
	$(PY) -m bench.compare "$(OLD)" "$(NEW)"

# Two Rasa servers on PostgreSQL + Redis (installed with apt-get when missing), one action server, the sandbox.
test-scale: $(MODEL)
	@scripts/test_scale.sh

# Notifications (issue 7): a channel subscribes, a build triggered from the chat and a Grafana alert come back
# as cards (offline, fake Bot Framework); and the fan-out benchmark (100 subscribed conversations).
.PHONY: notify-demo notify-bench
notify-demo: $(MODEL)
	$(PY) -m scripts.notify_demo
notify-bench: $(STAMP)
	$(PY) -m bench.notify_fanout
