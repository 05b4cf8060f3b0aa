"""Grafana faults become polite answers that name Grafana and the problem: down, 401, timeouts, malformed JSON,
rate limits, no image renderer (the value as text instead), not configured."""

from __future__ import annotations

import socket

import pytest
import requests

from actions.grafana import ActionGrafanaAlerts, ActionGrafanaGraph, ActionGrafanaMetricValue
from common import settings as settings_module
from tests.support import make_tracker, run_action, texts
from tests.support.grafana import grafana_stats, set_fault


def ask(action, text: str, intent: str) -> list[dict]:
    messages, _ = run_action(action, make_tracker(text, intent))
    return messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_grafana_down(petclinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAFANA_URL", f"http://127.0.0.1:{free_port()}")
    settings_module.reset()
    answer = texts(ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts"))
    assert answer.startswith("I can't reach Grafana right now")


def test_wrong_token_is_a_401(petclinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_not_the_token")
    settings_module.reset()
    answer = texts(ask(ActionGrafanaMetricValue(), "error rate right now", "grafana_metric_value"))
    assert answer == "Grafana rejected my credentials (401). An admin needs to check opsbot's Grafana token."
    assert "glsa_" not in answer


@pytest.mark.parametrize(
    ("fault", "answer"),
    [
        ({"status": 401}, "Grafana rejected my credentials (401)."),
        ({"status": 403}, "Grafana says I'm not allowed to see that (403)."),
        ({"status": 429, "headers": {"Retry-After": "120"}}, "Grafana is rate-limiting me until "),
        ({"status": 502}, "Grafana sent an answer I couldn't read (HTTP 502"),
        ({"malformed": True}, "Grafana sent an answer I couldn't read (malformed JSON)."),
    ],
)
def test_faults_are_polite(petclinic, fault: dict, answer: str) -> None:
    set_fault(petclinic, **fault)
    assert texts(ask(ActionGrafanaAlerts(), "any alerts?", "grafana_alerts")).startswith(answer)


def test_a_slow_grafana_times_out(petclinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_HTTP_TIMEOUT", "0.5")
    settings_module.reset()
    set_fault(petclinic, delay=2)
    answer = texts(ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts"))
    assert answer.startswith("Grafana didn't answer in time.")


def test_without_an_image_renderer_the_graph_falls_back_to_the_value(petclinic, no_renderer) -> None:
    messages = ask(ActionGrafanaGraph(), "show me the latency graph for the last 6 hours", "grafana_graph")
    answer = texts(messages)
    assert "couldn't get the graph of p95 latency (Pet Clinic Overview) from Grafana" in answer
    assert "no image renderer" in answer and "now 1.82 s" in answer and "viewPanel=3" in answer
    assert not [m for m in messages if m.get("image")]


def test_a_failing_renderer_falls_back_too(petclinic, no_renderer) -> None:
    requests.post(no_renderer + "/_sandbox/renderer", json={"available": False, "mode": "error"}, timeout=5)
    answer = texts(ask(ActionGrafanaGraph(), "graph the error rate", "grafana_graph"))
    assert "rendering failed (HTTP 500)" in answer and "now 0.7 %" in answer


def test_a_slow_renderer_falls_back_to_the_numbers(petclinic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_HTTP_TIMEOUT", "0.5")
    settings_module.reset()
    ask(ActionGrafanaMetricValue(), "error rate right now", "grafana_metric_value")  # name lists in the cache
    set_fault(petclinic, delay=2, paths="/render")
    answer = texts(ask(ActionGrafanaGraph(), "graph the error rate", "grafana_graph"))
    assert "rendering the image took too long" in answer and "now 0.7 %" in answer
    assert grafana_stats(petclinic)["/api/ds/query"] == 2


def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAFANA_URL", raising=False)
    settings_module.reset()
    answer = texts(ask(ActionGrafanaAlerts(), "what's firing?", "grafana_alerts"))
    settings_module.reset()
    assert answer.startswith("Grafana is not configured here") and "GRAFANA_URL" in answer
