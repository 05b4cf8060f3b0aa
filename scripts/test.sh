#!/usr/bin/env bash
# `make test`: every check in order, stopping at the first failure, ending with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1

started=$(date +%s)
summary=()

step() {  # step NAME COMMAND...: run, time, and stop everything on failure
  local name=$1; shift
  local t0=$(date +%s)
  echo "==> $name"
  "$@"
  local rc=$?
  local took=$(( $(date +%s) - t0 ))
  if [ $rc -ne 0 ]; then
    echo "make test: FAILED at '$name' (exit $rc) after $(( $(date +%s) - started )) s"
    exit $rc
  fi
  summary+=("$name ${took}s")
}

pytest_step() {  # pytest's exit code 5 ("no tests collected") is a failure here too
  .venv/bin/python -m pytest "$@"
  local rc=$?
  [ $rc -eq 5 ] && echo "pytest collected no tests: that is a failure"
  return $rc
}

step "ruff" .venv/bin/ruff check .
step "rasa data validate" .venv/bin/rasa data validate --data nlu stories --domain domain --config config.yml \
  --fail-on-warnings
step "pytest" pytest_step -m "not e2e and not security"
step "train" make --no-print-directory train
step "rasa test nlu" make --no-print-directory nlu-test
step "rasa test core" make --no-print-directory core-test
step "end-to-end (make serve + REST)" pytest_step -m e2e

f1=$(.venv/bin/python -c 'import json; print(round(json.load(open("results/nlu/intent_report.json"))["weighted avg"]["f1-score"], 3))')
echo "make test: PASSED in $(( $(date +%s) - started )) s; NLU weighted F1 $f1; $(IFS=,; echo "${summary[*]}" | sed 's/,/, /g')"
