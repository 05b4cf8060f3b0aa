#!/usr/bin/env bash
# scripts/run.sh demo|serve — what `make demo` and `make serve` run.
#   demo:  sandbox (unless real backends are configured) + action server + an interactive chat.
#   serve: the same, headless: Rasa on :5005 with the REST channel (and Teams when TEAMS_APP_ID is set).
#   rasa:    only the Rasa server (OPSBOT_RASA_PORT, default 5005; OPSBOT_MODEL), for several servers behind a
#            load balancer; actions: only the action server (OPSBOT_ACTIONS_PORT, default 5055). Neither starts
#            the sandbox. `make test-scale` and docker-compose.yml run these (README "Running in production").
# Scale-out: with OPSBOT_DB_HOST (and OPSBOT_REDIS_HOST) set, every mode uses endpoints.scale.yml.
# Every server listens on OPSBOT_BIND (default 127.0.0.1). The Rasa server calls the action server with the
# shared secret OPSBOT_ACTIONS_TOKEN: demo and serve make one per run; rasa and actions need it set (the same
# on every server of a deployment). README "Running in production" has the threat model.
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

# Endpoints: the scale-out variant (SQL tracker store on PostgreSQL, Redis lock store) when a database is set.
endpoints=endpoints.yml
if [ -n "${OPSBOT_DB_HOST:-}" ] || [ -n "${OPSBOT_REDIS_HOST:-}" ]; then
  if [ -z "${OPSBOT_DB_HOST:-}" ] || [ -z "${OPSBOT_REDIS_HOST:-}" ]; then
    echo "Scale-out needs both OPSBOT_DB_HOST (PostgreSQL: the conversations) and OPSBOT_REDIS_HOST (Redis: the" >&2
    echo "conversation locks); one Rasa server needs neither. See README \"Running in production\"." >&2
    exit 2
  fi
  endpoints=endpoints.scale.yml
  # Rasa refuses a ${VAR} that is unset: the optional ones get their defaults here.
  export OPSBOT_ACTION_ENDPOINT_URL=${OPSBOT_ACTION_ENDPOINT_URL:-http://127.0.0.1:${OPSBOT_ACTIONS_PORT:-5055}/webhook} \
    OPSBOT_DB_PORT=${OPSBOT_DB_PORT:-5432} OPSBOT_DB_NAME=${OPSBOT_DB_NAME:-opsbot} \
    OPSBOT_DB_USER=${OPSBOT_DB_USER:-opsbot} OPSBOT_DB_PASSWORD=${OPSBOT_DB_PASSWORD:-} \
    OPSBOT_DB_SSLMODE=${OPSBOT_DB_SSLMODE:-prefer} OPSBOT_REDIS_PORT=${OPSBOT_REDIS_PORT:-6379} \
    OPSBOT_REDIS_DB=${OPSBOT_REDIS_DB:-1} OPSBOT_REDIS_PASSWORD=${OPSBOT_REDIS_PASSWORD:-}
fi

# (OPSBOT_RASA_INTERFACE, the older name, still works; the REST channel reads OPSBOT_BIND to know whether it is
# reachable from other machines.)
export OPSBOT_BIND=${OPSBOT_BIND:-${OPSBOT_RASA_INTERFACE:-127.0.0.1}}
if [ -z "${OPSBOT_ACTIONS_TOKEN:-}" ]; then
  case "$mode" in
    demo|serve) OPSBOT_ACTIONS_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
                export OPSBOT_ACTIONS_TOKEN ;;
    rasa|actions) echo "scripts/run.sh $mode needs OPSBOT_ACTIONS_TOKEN: the secret every Rasa server sends to the" \
                       "action servers (at least 16 characters, the same everywhere; e.g. openssl rand -hex 32)." >&2
                  exit 2 ;;
  esac
fi

if [ "$mode" = actions ]; then  # the action server alone (stateless: run as many as you like)
  exec .venv/bin/python -m actions --port "${OPSBOT_ACTIONS_PORT:-5055}"
fi

wait_for() {  # wait_for URL NAME SECONDS
  for _ in $(seq 1 "$3"); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 1
  done
  echo "$2 did not start; see $logs/" >&2
  exit 1
}

# No backend configured: the sandbox plays every registered backend that has one (sandbox/<name>/), on its
# well-known port, and sends its webhooks (demo secrets unless set) to the Rasa server's `notify` channel (serve)
# or to the notifier beside the shell chat (demo, port 5006). `python -m sandbox --environment` says what it sets.
notify_base=http://127.0.0.1:$([ "$mode" = demo ] && echo 5006 || echo 5005)/webhooks/notify
sandbox_settings=$([ "$mode" = rasa ] || .venv/bin/python -m sandbox --environment --notify-base "$notify_base")
if [ -n "$sandbox_settings" ]; then
  echo "No backend configured: starting the sandbox (world: ${OPSBOT_WORLD:-Pet Clinic})."
  eval "$sandbox_settings"
  .venv/bin/python -m sandbox >"$logs/sandbox.log" 2>&1 &
  pids+=($!)
  for url in $sandbox_health; do
    wait_for "$url" sandbox 30
  done
fi

# The shell's user sits at this machine: its answers speak in the machine's time zone unless OPSBOT_TIMEZONE
# says otherwise (Teams users' zones come with their messages; otherwise answers speak OPSBOT_TIMEZONE or UTC).
# The shell chat's one user (Rasa's cmdline channel passes its client's words through): only this sender id is a
# person there (access.yml lists "demo" as a builder); see common/access.py.
if [ "$mode" = demo ]; then export OPSBOT_SHELL_USER=${OPSBOT_SHELL_USER:-demo}; fi
if [ "$mode" = demo ] && [ -z "${OPSBOT_TIMEZONE:-}" ]; then
  OPSBOT_TIMEZONE=$(.venv/bin/python -c 'import tzlocal; print(tzlocal.get_localzone_name() or "")' 2>/dev/null || true)
  export OPSBOT_TIMEZONE
fi

if [ "$mode" != rasa ]; then
  # Beside the Rasa server on this machine: always on loopback, whatever OPSBOT_BIND says for Rasa.
  OPSBOT_BIND=127.0.0.1 .venv/bin/python -m actions --port 5055 >"$logs/actions.log" 2>&1 &
  pids+=($!)
  wait_for http://127.0.0.1:5055/health "action server" 90
fi

credentials=credentials.yml
if [ -n "${TEAMS_APP_ID:-}" ] && [ -f credentials.teams.yml ]; then
  credentials=credentials.teams.yml
  # Rasa refuses a credentials file naming an unset ${VAR}: the optional Teams settings default to "".
  export TEAMS_APP_PASSWORD=${TEAMS_APP_PASSWORD:-} TEAMS_TENANT_ID=${TEAMS_TENANT_ID:-} \
    TEAMS_OPENID_METADATA_URL=${TEAMS_OPENID_METADATA_URL:-} TEAMS_TOKEN_URL=${TEAMS_TOKEN_URL:-} TEAMS_GRAPH_URL=${TEAMS_GRAPH_URL:-} \
    TEAMS_ALLOWED_SERVICE_URLS=${TEAMS_ALLOWED_SERVICE_URLS:-} TEAMS_ALLOWED_TENANTS=${TEAMS_ALLOWED_TENANTS:-} \
    TEAMS_STORE_PATH=${TEAMS_STORE_PATH:-}
fi

case "$mode" in
  demo)
    # Notifications: the shell chat opens no other channel, so the webhook receivers run beside it and print
    # what they deliver to this (non-Teams) conversation in this terminal ("notify me when petclinic-build
    # finishes", then "build petclinic-build on branch main" and "yes").
    .venv/bin/python -m notifications --host 127.0.0.1 --port 5006 --console 2>"$logs/notify.log" &
    pids+=($!)
    wait_for http://127.0.0.1:5006/webhooks/notify/ notifier 30
    echo "Loading the model (about 20 s; logs in $logs/). Then try \"what can you do?\"; /stop leaves."
    # Rasa's start-up chatter and library warnings go to the log, the conversation stays readable.
    if ! .venv/bin/rasa shell --model models/opsbot.tar.gz --endpoints "$endpoints" --conversation-id "$OPSBOT_SHELL_USER" \
      --interface 127.0.0.1 2>"$logs/shell.log"; then
      echo "The chat stopped with an error; see $logs/shell.log" >&2
      exit 1
    fi
    ;;
  serve)
    echo "opsbot: listening on $OPSBOT_BIND:5005 (credentials: $credentials)"
    .venv/bin/rasa run --model models/opsbot.tar.gz --endpoints "$endpoints" --credentials "$credentials" \
      --port 5005 --interface "$OPSBOT_BIND" &
    pids+=($!)
    wait "${pids[-1]}"
    ;;
  rasa)  # one Rasa server, no sandbox, no action server (they run elsewhere: OPSBOT_ACTION_ENDPOINT_URL)
    exec .venv/bin/rasa run --model "${OPSBOT_MODEL:-models/opsbot.tar.gz}" --endpoints "$endpoints" \
      --credentials "$credentials" --port "${OPSBOT_RASA_PORT:-5005}" --interface "$OPSBOT_BIND"
    ;;
  *)
    echo "usage: scripts/run.sh demo|serve|rasa|actions" >&2
    exit 2
    ;;
esac
