#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the exact pins of requirements.txt, then `pip check`.
# Called by `make install` (and so by every other target). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false

find_python() {
  local candidates=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.10*/bin/python3.10)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10)
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  if ! python=$(find_python); then
    echo "opsbot needs Python 3.10 (Rasa 3.6 supports 3.8-3.10), and none was found." >&2
    echo "Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') and retry." >&2
    exit 1
  fi
  echo "install: creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

echo "install: installing the pinned requirements (first time: a few minutes)"
start=$(date +%s)
# The machine's pip config lists local indexes that may not exist; their warnings are noise.
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 \
  | grep -v -e 'is ignored: it is neither a file nor a directory' -e 'DEPRECATION: .* legacy .setup.py install' || true
# opsbot itself, editable (pyproject.toml): its packages import from anywhere, the commands run as modules. (The
# Docker image installs the pins before it copies the code, then opsbot itself: see the Dockerfile.)
if [ -f pyproject.toml ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | { grep -v -e 'is ignored: it is neither a file nor a directory' || true; }
fi
.venv/bin/python -m pip check
echo "install: done in $(( $(date +%s) - start )) s"
