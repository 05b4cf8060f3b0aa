"""The fake Grafana: dashboards, queries, rendered panels, alert rules, and the webhook contact point.
Its contract: sandbox/services.py."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.grafana.app import create_app
from sandbox.grafana.schema import SCHEMA
from sandbox.server import Credentials

PORT = 8083
CREDENTIALS = {'GRAFANA_TOKEN': 'sandbox-grafana-token'}


def environment(url: str, credentials: Credentials) -> dict[str, str]:
    return {"GRAFANA_URL": url, "GRAFANA_TOKEN": credentials["GRAFANA_TOKEN"]}


def demo_hooks(notify_base: str, environ: Mapping[str, str]) -> dict[str, str]:
    return {"GRAFANA_WEBHOOK_TOKEN": environ.get("GRAFANA_WEBHOOK_TOKEN") or "sandbox-grafana-hook",
            "OPSBOT_NOTIFY_GRAFANA_URL": environ.get("OPSBOT_NOTIFY_GRAFANA_URL") or f"{notify_base}/grafana"}


__all__ = ["CREDENTIALS", "PORT", "SCHEMA", "create_app", "demo_hooks", "environment"]
