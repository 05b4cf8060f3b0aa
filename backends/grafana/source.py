"""Notifications from Grafana: the webhook contact point → one event per alert and state → cards.

- Verify: the contact point's "Authorization header" (`<scheme> <credentials>`, Bearer by default) carrying
  GRAFANA_WEBHOOK_TOKEN, or its HTTP basic auth (GRAFANA_WEBHOOK_USER / GRAFANA_WEBHOOK_PASSWORD).
- Parse: `status`, `alerts[]` (status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint,
  silenceURL, dashboardURL, panelURL, values, valueString), `groupLabels`, `commonLabels`, `externalURL`.
  A firing alert opens a thread that its resolution closes (its card is updated in place).
- Match: a label filter (`severity=critical,env=production`; empty = every alert); "fires" includes the
  resolution.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from backends.events import THREAD_CLOSED, THREAD_OPENED, Event, PayloadError, mapping, parse_time, strings, text
from backends.grafana.settings import grafana_settings
from backends.webhook_auth import authorization, basic_credentials, same
from backends.wing import Source
from common.cards import status_reply
from common.reply import Button, Reply, payload
from common.text import ago, clean, duration

GRAFANA = "grafana"
ALERT_FIRING, ALERT_RESOLVED = THREAD_OPENED, THREAD_CLOSED
_HIDDEN_LABELS = {"alertname", "grafana_folder", "severity", "__alert_rule_uid__", "__name__"}
WHATS_FIRING = Button("What else is firing?", payload("grafana_alerts"))


def label_filter(target: str) -> dict[str, str]:
    """"severity=critical,env=production" → {"severity": "critical", "env": "production"}."""
    pairs = (part.partition("=") for part in target.split(",") if "=" in part)
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


def filter_target(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _fingerprint(labels: dict[str, str]) -> str:
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def grafana_events(body: Any) -> list[Event]:
    """A webhook contact point notification → one event per alert (firing or resolved)."""
    notification = mapping(body, "the notification")
    alerts = notification.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts is missing or not a list")
    external = text(notification.get("externalURL"))
    events = []
    for raw in alerts:
        alert = mapping(raw, "an alert")
        labels = strings(alert.get("labels"))
        annotations = strings(alert.get("annotations"))
        status = text(alert.get("status") or notification.get("status")).lower()
        if status not in ("firing", "resolved"):
            raise PayloadError(f"alert status {status!r} is neither firing nor resolved")
        name = labels.get("alertname") or text(notification.get("title")) or "Grafana alert"
        fingerprint = text(alert.get("fingerprint")) or _fingerprint(labels)
        starts = text(alert.get("startsAt"))
        url = next((u for u in (text(alert.get("panelURL")), text(alert.get("dashboardURL")),
                                text(alert.get("generatorURL")), external) if u), "")
        data = {
            "alertname": name, "severity": labels.get("severity", ""),
            "summary": annotations.get("summary") or annotations.get("description") or "",
            "description": annotations.get("description", "") if annotations.get("summary") else "",
            "starts_at": starts, "ends_at": text(alert.get("endsAt")),
            "value": text(alert.get("valueString")), "values": alert.get("values") or {},
            "rule_url": text(alert.get("generatorURL")), "silence_url": text(alert.get("silenceURL")),
        }
        kind = ALERT_FIRING if status == "firing" else ALERT_RESOLVED
        colour = "ok" if kind == ALERT_RESOLVED else ("failed" if data["severity"].lower() in
                                                       ("critical", "page", "high", "error") else "warning")
        events.append(Event(GRAFANA, kind, f"grafana|{fingerprint}|{status}|{starts}", name, url, colour,
                            labels=labels, data=data, thread=f"grafana|{fingerprint}|{starts}"))
    return events


def webhook_ok(headers: Mapping[str, str], token: str, user: str, password: str) -> bool:
    scheme, credentials = authorization(headers)
    if token and scheme and scheme != "basic" and same(credentials, token):
        return True
    basic = basic_credentials(headers)
    if user and password and basic is not None:
        return same(basic[0], user) & same(basic[1], password)
    return False


def render_alert(event: Event, now: float) -> Reply:
    data = event.data
    name = clean(str(data.get("alertname") or event.subject), 120)
    labels = ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in sorted(event.labels.items())
                       if k not in _HIDDEN_LABELS)
    started = parse_time(str(data.get("starts_at") or ""))
    if event.kind == ALERT_RESOLVED:
        ended = parse_time(str(data.get("ends_at") or "")) or now
        lasted = duration(ended - started) if started else ""
        facts = [("Severity", str(data.get("severity") or "")), ("Labels", labels), ("Was firing for", lasted)]
        summary = clean(str(data.get("summary") or ""), 300)
        return status_reply(f"Resolved: {name}", "ok", summary, facts, ("Open in Grafana", event.url),
                            [WHATS_FIRING])
    facts = [("Severity", str(data.get("severity") or "")), ("Labels", labels),
             ("Since", ago(started, now) if started else ""), ("Value", clean(str(data.get("value") or ""), 200))]
    summary = clean(" ".join(p for p in (str(data.get("summary") or ""), str(data.get("description") or "")) if p),
                    400)
    return status_reply(f"Firing: {name}", event.status, summary, facts, ("Open in Grafana", event.url),
                        [WHATS_FIRING])


class GrafanaSource(Source):
    name = GRAFANA
    title = "Grafana"
    conditions = {"firing": "fires (and when it resolves)"}
    default_condition = "firing"
    called = "grafana alerts"

    def authentic(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> bool:
        config = grafana_settings()
        return webhook_ok(headers, config.webhook_token, config.webhook_user, config.webhook_password)

    def events(self, headers: Mapping[str, str], payload: Any) -> list[Event]:
        return grafana_events(payload)

    def target_matches(self, target: str, event: Event) -> bool:
        have = {k.lower(): v.lower() for k, v in event.labels.items()}
        return all(have.get(key.lower()) == value.lower() for key, value in label_filter(target).items())

    def condition_matches(self, condition: str, event: Event) -> bool:
        return condition == "firing" and event.kind in (ALERT_FIRING, ALERT_RESOLVED)

    def describe(self, target: str, condition: str) -> str:
        which = f" with {target.replace(',', ', ')}" if target else ""
        return f"a Grafana alert{which} {self.condition_words(condition)}"

    def render(self, event: Event, now: float) -> Reply:
        return render_alert(event, now)
