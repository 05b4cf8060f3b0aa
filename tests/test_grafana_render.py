"""Grafana replies: values in their units, ranges in words, alerts most severe first, "all clear"."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from actions.render import grafana as render
from actions.services.grafana import AlertInstance, AlertRule, Dashboard, Panel, PanelImage, Series
from actions.timerange import TimeRange


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1.82, "s", "1.82 s"), (412, "s", "6 min 52 s"), (0.4, "s", "400 ms"), (640, "ms", "640 ms"),
        (2400, "ms", "2.4 s"), (93, "percent", "93 %"), (0.7, "percent", "0.7 %"), (0.986, "percentunit", "98.6 %"),
        (42.3, "reqps", "42.3 req/s"), (1, "short", "1"), (12345, "short", "12.3 K"), (1840, "none", "1,840"),
        (2.5 * 2**30, "bytes", "2.5 GiB"), (3, "suffix: builds", "3 builds"), (21.5, "celsius", "21.5 °C"),
        (7, "widgets", "7 widgets"), (None, "s", "no value"),
    ],
)
def test_values_are_written_in_their_units(value: float | None, unit: str, text: str) -> None:
    assert render.format_value(value, unit) == text


def test_decimals_from_the_panel_win() -> None:
    assert render.format_value(1.8234, "s", decimals=3) == "1.823 s"


def _panel(unit: str = "s") -> Panel:
    board = Dashboard("shop", "Web Shop", "https://grafana.example/d/shop/web-shop", "Shop", ("shop",))
    return Panel(board, 7, "Checkout latency", unit=unit)


def _window(hours: int = 6) -> TimeRange:
    end = datetime.now().astimezone()
    return TimeRange(end - timedelta(hours=hours), end, f"last {hours} hours")


def test_a_value_now_names_the_panel_and_links_to_it() -> None:
    now = time.time()
    reply = render.metric_now_reply(_panel(), [Series("x", {}, (now - 60, now), (1.5, 1.82))], 10)
    assert reply.text == ("Checkout latency (Web Shop) is 1.82 s right now. "
                          "https://grafana.example/d/shop/web-shop?viewPanel=7")
    assert reply.buttons[0].payload == '/grafana_graph{"panel":"shop:7","time_range":"last 6 hours"}'
    assert reply.card["actions"][0] == {"type": "Action.OpenUrl", "title": "Open panel",
                                        "url": "https://grafana.example/d/shop/web-shop?viewPanel=7"}


def test_no_samples_is_said_as_such() -> None:
    reply = render.metric_now_reply(_panel(), [Series("x", {}, (), ())], 10)
    assert reply.text.startswith("Grafana has no data for Checkout latency (Web Shop) in the last 10 minutes.")


def test_a_graph_is_an_inline_image_and_the_numbers_in_words() -> None:
    window = _window()
    series = [Series("x", {}, (1.0, 2.0, 3.0), (1.0, 3.0, 2.0))]
    reply = render.graph_reply(_panel(), series, window, PanelImage(b"\x89PNG fake", 1000, 540))
    assert reply.image_url.startswith("data:image/png;base64,")
    assert "in the last 6 hours (" in reply.text and "now 2 s (min 1 s, max 3 s, avg 2 s)" in reply.text
    assert f"from={window.start_ms}&to={window.end_ms}" in reply.text
    images = [b for b in reply.card["body"] if b["type"] == "Image"]
    assert images and images[0]["url"] == reply.image_url


def test_without_an_image_the_graph_answer_says_why_and_gives_the_numbers() -> None:
    series = [Series("x", {}, (1.0, 2.0), (1.0, 3.0))]
    reply = render.graph_reply(_panel(), series, _window(), None, "Grafana has no image renderer plugin installed")
    assert reply.image_url is None
    assert "no image renderer" in reply.text and "now 3 s" in reply.text and "viewPanel=7" in reply.text


def _rule(name: str, severity: str, state: str, value: float, since: float) -> tuple[AlertRule, AlertInstance]:
    rule = AlertRule(name.lower(), name, "firing" if state == "Alerting" else "pending", {"severity": severity},
                     "", "Shop", f"https://grafana.example/alerting/grafana/{name.lower()}/view",
                     threshold=1.5, comparator=">")
    return rule, AlertInstance({"alertname": name, "service": "shop", "severity": severity}, state, since, value)


def test_alerts_show_severity_since_value_threshold_labels_and_link() -> None:
    now = time.time()
    firing = [_rule("Disk", "critical", "Alerting", 93, now - 7200), _rule("Latency", "warning", "Alerting", 1.8,
                                                                           now - 600)]
    reply = render.alerts_reply(firing, [_rule("Queue", "warning", "Pending", 5, now - 60)], "", "", "https://g/a",
                                include_pending=False)
    lines = reply.text.splitlines()
    assert lines[0] == "2 alerts firing in Grafana:"
    assert lines[1].startswith("[critical] Disk · firing since ") and "(2 h ago)" in lines[1]
    assert "value 93 (threshold > 1.5)" in lines[1] and "service=shop" in lines[1]
    assert "https://grafana.example/alerting/grafana/disk/view" in lines[1]
    assert "1 more alert pending" in reply.text and reply.card["body"][0]["color"] == "Attention"


def test_all_clear_is_said_as_such() -> None:
    reply = render.alerts_reply([], [], "critical", "in production", "https://g/alerting/list", include_pending=False)
    assert reply.text.startswith("All clear: no critical alerts in production firing in Grafana right now.")
    assert reply.card["body"][0]["color"] == "Good"
