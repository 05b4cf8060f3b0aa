# One image for every opsbot process: the Rasa servers, the action server (and the sandbox for a trial).
# docker-compose.yml runs it the way `make test-scale` runs the processes (scripts/run.sh rasa|actions).
FROM python:3.10-slim-bookworm

ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=ignore
RUN apt-get update \
 && apt-get install -y --no-install-recommends make curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The pinned dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
COPY scripts/install.sh scripts/
RUN scripts/install.sh

COPY . .
# opsbot itself (pyproject.toml), then the model, part of the image: every Rasa server runs exactly the same one.
RUN .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . \
 && touch .venv/.installed && make train \
 && useradd --system --uid 10001 --home-dir /app opsbot \
 && mkdir -p .opsbot && chown -R opsbot .opsbot
USER opsbot

EXPOSE 5005 5055
CMD ["scripts/run.sh", "rasa"]
