"""The Grafana wing: settings.py (its variables), service.py (the facade), words.py (its words), render.py
(answers), source.py (notifications). Its questions are actions/grafana.py, its sandbox sandbox/grafana/."""

from __future__ import annotations

from backends.grafana.service import BACKEND, facade
from backends.grafana.source import GrafanaSource
from backends.wing import Wing

WING = Wing(name="grafana", title=BACKEND, facade=facade, source=GrafanaSource(),
            setup_hint="Set GRAFANA_URL and GRAFANA_TOKEN.")
