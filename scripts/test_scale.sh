#!/usr/bin/env bash
# scripts/test_scale.sh — `make test-scale` (also run by .ci/run after `make test`).
#
# Scale-out with Rasa's own mechanisms, tested for real on loopback: PostgreSQL (SQL tracker store, Teams
# conversation references) and Redis (lock store) with throwaway data directories, two Rasa servers on the
# same model, one action server and the sandbox, all started with the commands docker-compose.yml runs
# (scripts/run.sh rasa|actions). Then tests/test_scale_cluster.py sends a question to one server and the
# follow-up to the other, and checks that concurrent messages of one conversation are handled in order;
# tests/test_scale_store.py and tests/notifications/test_store.py run the conversation- and notifications-store
# contracts on PostgreSQL.
#
# Installs the Debian packages postgresql and redis-server when missing (needs root, as on CI). Everything
# it starts is stopped on exit, whatever happens; logs are kept in .opsbot/logs/scale/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore

model=${OPSBOT_MODEL:-models/opsbot.tar.gz}
logs=.opsbot/logs/scale
python=.venv/bin/python
pids=()
work=""
pg_ctl=""

say() { echo "test-scale: $*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_ctl" ] && [ -f "$work/pg/postmaster.pid" ]; then
    as_postgres "$pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "$work" ]; then
    mkdir -p "$logs"
    cp "$work"/*.log "$logs"/ 2>/dev/null || true
    rm -rf "$work"
  fi
  if [ $rc -ne 0 ]; then
    say "FAILED (exit $rc); logs in $logs/"
    for log in "$logs"/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 15 "$log"; }; done
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

as_postgres() {  # PostgreSQL refuses to run as root: as root, run its tools as the postgres user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for() {  # wait_for URL WHAT SECONDS PID
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$4" 2>/dev/null; then say "$2 exited early"; return 1; fi
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 1
  done
  say "$2 did not answer on $1 within $3 s"
  return 1
}

# -- 1. the packages ----------------------------------------------------------------------------------------
[ -f "$model" ] || { say "no model at $model: run 'make train' first"; exit 1; }
missing=()
[ -n "$(postgres_bin)" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "needs the Debian packages ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}"
    exit 1
  fi
  say "installing ${missing[*]} with apt-get"
  policy=/usr/sbin/policy-rc.d  # packages must not start their own daemons: this test starts its own
  made_policy=false
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=true; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if $made_policy; then rm -f "$policy"; fi
fi
pg_bin=$(postgres_bin)
pg_ctl=$pg_bin/pg_ctl

# -- 2. PostgreSQL and Redis on loopback, throwaway data ------------------------------------------------------
work=$(mktemp -d /tmp/opsbot-scale.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/pg" "$work/pg-socket" "$work/redis"
db_password="scale-test-$RANDOM$RANDOM"
redis_password="scale-test-$RANDOM$RANDOM"
printf '%s\n' "$db_password" >"$work/pg-password"
touch "$work/postgres.log"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg" "$work/pg-socket" "$work/pg-password" "$work/postgres.log"; fi
pg_port=$(free_port)
say "PostgreSQL on 127.0.0.1:$pg_port"
as_postgres "$pg_bin/initdb" -D "$work/pg" -U opsbot --pwfile="$work/pg-password" --auth=scram-sha-256 \
  -E UTF8 --no-sync >"$work/initdb.log" 2>&1
as_postgres "$pg_ctl" -D "$work/pg" -l "$work/postgres.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$work/pg-socket -c fsync=off" \
  >/dev/null
for database in opsbot opsbot_store_test; do
  PGPASSWORD=$db_password "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U opsbot -d postgres \
    -c "CREATE DATABASE $database" >/dev/null
done

redis_port=$(free_port)
say "Redis on 127.0.0.1:$redis_port"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save '' --appendonly no \
  --requirepass "$redis_password" --logfile "$work/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 1 50); do
  if REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then break; fi
  sleep 0.2
done

export OPSBOT_DB_HOST=127.0.0.1 OPSBOT_DB_PORT=$pg_port OPSBOT_DB_NAME=opsbot OPSBOT_DB_USER=opsbot \
  OPSBOT_DB_PASSWORD=$db_password OPSBOT_DB_SSLMODE=disable \
  OPSBOT_REDIS_HOST=127.0.0.1 OPSBOT_REDIS_PORT=$redis_port OPSBOT_REDIS_DB=1 OPSBOT_REDIS_PASSWORD=$redis_password

# -- 3. the sandbox, one action server, two Rasa servers --------------------------------------------------
jenkins_port=$(free_port); github_port=$(free_port); grafana_port=$(free_port)
"$python" -m sandbox --jenkins-port "$jenkins_port" --github-port "$github_port" --grafana-port "$grafana_port" \
  >"$work/sandbox.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$grafana_port/_sandbox/health" sandbox 60 "${pids[-1]}"
export JENKINS_URL=http://127.0.0.1:$jenkins_port JENKINS_USER=opsbot JENKINS_API_TOKEN=sandbox-jenkins-token \
  GITHUB_API_URL=http://127.0.0.1:$github_port GITHUB_TOKEN=sandbox-github-token \
  GRAFANA_URL=http://127.0.0.1:$grafana_port GRAFANA_TOKEN=sandbox-grafana-token

actions_port=$(free_port)
export OPSBOT_ACTIONS_PORT=$actions_port OPSBOT_ACTION_ENDPOINT_URL=http://127.0.0.1:$actions_port/webhook \
  OPSBOT_ACTIONS_TOKEN=$("$python" -c "import secrets; print(secrets.token_urlsafe(32))")
scripts/run.sh actions >"$work/actions.log" 2>&1 &
pids+=($!)
actions_pid=${pids[-1]}

rasa_urls=()
for n in 1 2; do
  port=$(free_port)
  OPSBOT_RASA_PORT=$port OPSBOT_RASA_INTERFACE=127.0.0.1 OPSBOT_MODEL=$model scripts/run.sh rasa \
    >"$work/rasa-$n.log" 2>&1 &
  pids+=($!)
  rasa_urls+=("http://127.0.0.1:$port")
done
say "two Rasa servers on ${rasa_urls[*]} (loading the model; up to a few minutes on a busy machine)"
wait_for "http://127.0.0.1:$actions_port/health" "the action server" 240 "$actions_pid"
wait_for "${rasa_urls[0]}/" "Rasa server 1" 600 "${pids[-2]}"
wait_for "${rasa_urls[1]}/" "Rasa server 2" 600 "${pids[-1]}"

# -- 4. the checks -------------------------------------------------------------------------------------------
export OPSBOT_SCALE_RASA_URLS="${rasa_urls[0]},${rasa_urls[1]}" OPSBOT_SCALE_JENKINS_URL=$JENKINS_URL
say "running the checks"
timeout 600 "$python" -m pytest tests/test_scale_cluster.py -q
OPSBOT_DB_NAME=opsbot_store_test timeout 300 "$python" -m pytest tests/test_scale_store.py tests/notifications/test_store.py -q
say "PASSED"
