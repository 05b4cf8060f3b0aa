#!/usr/bin/env bash
# scripts/run.sh demo|serve — what `make demo` and `make serve` run.
#   demo:  sandbox (unless real backends are configured) + action server + an interactive chat.
#   serve: the same, headless: Rasa on :5005 with the REST channel (and Teams when TEAMS_APP_ID is set).
# Leaving the chat (or Ctrl-C) stops every process this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1
# Library deprecation warnings are noise in a chat window; logs keep real errors.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore}
mode=${1:-demo}
logs=.opsbot/logs
mkdir -p "$logs"
pids=()

cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for URL NAME SECONDS
  for _ in $(seq 1 "$3"); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 1
  done
  echo "$2 did not start; see $logs/" >&2
  exit 1
}

if [ -z "${JENKINS_URL:-}" ] && [ -z "${GITHUB_TOKEN:-}" ] && [ -z "${GRAFANA_URL:-}" ]; then
  echo "No JENKINS_URL, GITHUB_TOKEN or GRAFANA_URL set: starting the sandbox (world: ${OPSBOT_WORLD:-Pet Clinic})."
  export JENKINS_URL=http://127.0.0.1:8081 JENKINS_USER=opsbot JENKINS_API_TOKEN=sandbox-jenkins-token
  export GITHUB_API_URL=http://127.0.0.1:8082 GITHUB_TOKEN=sandbox-github-token
  export GRAFANA_URL=http://127.0.0.1:8083 GRAFANA_TOKEN=sandbox-grafana-token
  .venv/bin/python -m sandbox >"$logs/sandbox.log" 2>&1 &
  pids+=($!)
  wait_for http://127.0.0.1:8083/_sandbox/health sandbox 30
fi

.venv/bin/rasa run actions --actions actions --port 5055 >"$logs/actions.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:5055/health "action server" 90

credentials=credentials.yml
if [ -n "${TEAMS_APP_ID:-}" ] && [ -f credentials.teams.yml ]; then
  credentials=credentials.teams.yml
fi

case "$mode" in
  demo)
    echo "Loading the model (about 20 s; logs in $logs/). Then try \"what can you do?\"; /stop leaves."
    # Rasa's start-up chatter and library warnings go to the log, the conversation stays readable.
    if ! .venv/bin/rasa shell --model models/opsbot.tar.gz --endpoints endpoints.yml --conversation-id demo \
      --interface 127.0.0.1 2>"$logs/shell.log"; then
      echo "The chat stopped with an error; see $logs/shell.log" >&2
      exit 1
    fi
    ;;
  serve)
    echo "opsbot: REST on http://127.0.0.1:5005/webhooks/rest/webhook (credentials: $credentials)"
    .venv/bin/rasa run --model models/opsbot.tar.gz --endpoints endpoints.yml --credentials "$credentials" \
      --port 5005 &
    pids+=($!)
    wait "${pids[-1]}"
    ;;
  *)
    echo "usage: scripts/run.sh demo|serve" >&2
    exit 2
    ;;
esac
