#!/usr/bin/env bash
# `make test-clock`: the non-e2e suite at fixed moments of the calendar and in several machine time zones, so
# that no test (and no answer) depends on when or where it runs. For each moment, the whole test process's
# clock travels there before the first test (tests/support/clock.py, time-machine: time.time, datetime.now,
# date.today, gmtime/localtime, in every thread, ticking from that moment), and TZ is set or unset.
# (libfaketime would move the C library's clock too, but its pthread interceptors crash this threaded suite
# with a segmentation fault within minutes; nothing in opsbot reads the clock other than through Python.)
#
#   scripts/test_clock.sh            the moments CI runs: a morning and an evening
#   scripts/test_clock.sh all        every moment below
#   scripts/test_clock.sh 'ISO' TZ   one moment, e.g. '2027-01-01T00:05:00+01:00' Europe/Berlin ("-" = TZ unset)
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1

# moment (ISO, with its offset) and the machine's TZ ("-" = unset)
MORNING=("2026-12-02T04:36:00+00:00 -")
EVENING=("2027-03-31T23:58:00-07:00 America/Los_Angeles")
OTHERS=(
  "2027-01-01T00:05:00+01:00 Europe/Berlin"        # just after midnight, a new year
  "2027-10-31T01:30:00+00:00 Europe/Berlin"        # the last Sunday of October: 02:30 CET, the repeated hour
  "2026-12-02T19:45:00+00:00 -"                    # an evening, TZ unset
  "2027-03-28T01:15:00+00:00 UTC"                  # the spring-forward night in Europe, TZ=UTC
)

case "${1:-ci}" in
  ci) moments=("${MORNING[@]}" "${EVENING[@]}") ;;
  all) moments=("${MORNING[@]}" "${EVENING[@]}" "${OTHERS[@]}") ;;
  *) moments=("$1 ${2:--}") ;;
esac

failed=()
for entry in "${moments[@]}"; do
  read -r moment zone <<<"$entry"
  echo "==> test-clock: $moment, TZ=${zone/#-/unset}"
  if [ "$zone" = "-" ]; then
    runner=(env -u TZ OPSBOT_TEST_NOW="$moment")
  else
    runner=(env TZ="$zone" OPSBOT_TEST_NOW="$moment")
  fi
  "${runner[@]}" .venv/bin/python -m pytest -m "not e2e and not security" --no-header
  rc=$?
  [ $rc -eq 5 ] && echo "pytest collected no tests: that is a failure"
  [ $rc -ne 0 ] && failed+=("$moment TZ=${zone/#-/unset}")
done

if ((${#failed[@]})); then
  printf 'test-clock: FAILED at %s\n' "${failed[@]}"
  exit 1
fi
echo "test-clock: PASSED at ${#moments[@]} moment(s)"
