"""Grafana settings: where it is, the service account token, and how its webhook contact point
authenticates (a token in the Authorization header, or basic auth)."""

from __future__ import annotations

from dataclasses import dataclass

from common.settings import cached, read, setting


@dataclass(frozen=True)
class GrafanaSettings:
    url: str = setting("GRAFANA_URL")
    token: str = setting("GRAFANA_TOKEN", secret=True)
    # The webhook contact point's credentials (notifications from Grafana; backends/grafana/source.py).
    webhook_token: str = setting("GRAFANA_WEBHOOK_TOKEN", secret=True)
    webhook_user: str = setting("GRAFANA_WEBHOOK_USER")
    webhook_password: str = setting("GRAFANA_WEBHOOK_PASSWORD", secret=True)

    @property
    def configured(self) -> bool:
        return bool(self.url)


@cached
def grafana_settings() -> GrafanaSettings:
    return read(GrafanaSettings)
