"""Grafana replies: values in their units, ranges in words, alerts most severe first, "all clear"."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from backends.grafana import render
from backends.grafana.service import AlertInstance, AlertRule, Dashboard, Panel, PanelImage, Series, SeriesList
from common import clock
from common.timerange import TimeRange


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
    end = clock.now()
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
    end = window.end.timestamp()
    series = [Series("x", {}, (end - 120, end - 60, end), (1.0, 3.0, 2.0))]
    reply = render.graph_reply(_panel(), series, window, PanelImage(b"\x89PNG fake", 1000, 540))
    assert reply.image_url.startswith("data:image/png;base64,")
    assert "in the last 6 hours (" in reply.text and "now 2 s (min 1 s, max 3 s, avg 2 s)" in reply.text
    assert f"from={window.start_ms}&to={window.end_ms}" in reply.text
    images = [b for b in reply.card["body"] if b["type"] == "Image"]
    assert images and images[0]["url"] == reply.image_url


def test_without_an_image_the_graph_answer_says_why_and_gives_the_numbers() -> None:
    window = _window()
    series = [Series("x", {}, (window.end.timestamp() - 60, window.end.timestamp()), (1.0, 3.0))]
    reply = render.graph_reply(_panel(), series, window, None, "Grafana has no image renderer plugin installed")
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


def test_the_last_value_of_a_past_range_is_not_called_now() -> None:
    """Acceptance finding 11: "between 2pm and 4pm" asked at 18:00 ends at 16:00; its last value is not "now"."""
    end = clock.now().replace(microsecond=0) - timedelta(hours=2)
    window = TimeRange(end - timedelta(hours=2), end, "between 2pm and 4pm", ends_now=False)
    series = [Series("x", {}, (end.timestamp() - 60, end.timestamp()), (3.87, 2.58))]
    for reply in (render.graph_reply(_panel("percent"), series, window, PanelImage(b"\x89PNG", 1000, 540)),
                  render.metric_range_reply(_panel("percent"), series, window)):
        assert f"at {end:%H:%M} 2.58 % (min 2.58 %, max 3.87 %" in reply.text and "now " not in reply.text
        assert "UTC): at" in reply.text  # the range names the zone once


def test_a_rule_that_is_normal_says_so_with_its_panel_reading_and_threshold() -> None:
    rule, instance = _rule("Decline ratio above 8%", "critical", "Normal", 0, time.time() - 86400)
    rule = AlertRule(rule.uid, rule.name, "inactive", {"severity": "critical", "env": "production"}, "", "Shop",
                     rule.url, (AlertInstance({"env": "production"}, "Normal", instance.active_at, None),),
                     threshold=8, comparator=">")
    reply = render.alert_rule_reply(rule, rule.instances, "Decline ratio (Web Shop) is 3.4 % now", "https://g/a")
    first = reply.text.splitlines()[0]
    assert first.startswith("[critical] Decline ratio above 8% · normal since ") and "(1 day ago)" in first
    assert "Decline ratio (Web Shop) is 3.4 % now (threshold > 8) · env=production" in first
    assert "/alerting/grafana/decline%20ratio%20above%208%/view" in reply.text
    assert reply.card["body"][0]["color"] == "Good"


def test_a_rule_that_cannot_be_evaluated_is_not_ok() -> None:
    rule, _instance = _rule("Queue", "warning", "Normal (Error)", 0, None)
    rule = AlertRule(rule.uid, rule.name, "inactive", rule.labels, "", "Shop", rule.url,
                     (AlertInstance({}, "Normal (Error)", None, None),), health="error",
                     last_error="data source not found")
    reply = render.alert_rule_reply(rule, rule.instances, "", "https://g/a")
    assert "[warning] Queue · normal (error)" in reply.text
    assert "can't be evaluated (error): data source not found" in reply.text
    assert reply.card["body"][0]["color"] == "Warning"


# --- the real variants (issue #18) ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("comparator", "low", "high", "text"), [
    (">", 90, None, "> 90"), ("<", 99.5, None, "< 99.5"), ("!=", 0, None, "!= 0"),
    ("within_range", 10, 20, "between 10 and 20"), ("outside_range", 10, 20, "outside 10 to 20"),
    ("outside_range_included", 1, 2, "at or outside 1 to 2"), ("", None, None, ""),
])
def test_thresholds_are_worded_as_their_definition_says(comparator: str, low, high, text: str) -> None:
    rule = AlertRule("r", "R", "firing", {}, "", "Shop", "https://g/r", threshold=low, comparator=comparator,
                     threshold_high=high)
    assert render.threshold_text(rule) == text


def test_a_verdict_without_a_value_shows_the_threshold_alone() -> None:
    rule = AlertRule("r", "Cart errors high", "firing", {"severity": "critical"}, "", "Shop", "https://g/r",
                     threshold=1.5, comparator=">", condition="threshold")
    line = render.alert_line(rule, AlertInstance({}, "Alerting", time.time() - 60, None))
    assert " · threshold > 1.5 · " in line and "value" not in line
    normal = render.alert_line(rule, AlertInstance({}, "Normal", None, None))
    assert "threshold" not in normal  # a normal instance has nothing to compare


def test_a_recovering_alert_is_firing_and_says_it_recovers() -> None:
    rule = AlertRule("r", "Checkout rate out of range", "recovering", {"severity": "critical"}, "", "Shop",
                     "https://g/r", (AlertInstance({}, "Recovering", time.time() - 600, None),))
    reply = render.alerts_reply([(rule, rule.instances[0])], [], "", "", "https://g/a", include_pending=False)
    assert reply.text.startswith("1 alert firing in Grafana:\n[critical] Checkout rate out of range · recovering "
                                 "(still firing) since ")
    assert reply.card["body"][0]["color"] == "Attention"
    one = render.alert_rule_reply(rule, rule.instances, "", "https://g/a")
    assert one.text.startswith("[critical] Checkout rate out of range · recovering (still firing) since ")
    assert render.alert_rule_reply(rule, (), "", "https://g/a").card["body"][0]["text"].endswith(
        "recovering (still firing)")
    many = (AlertInstance({"a": "1"}, "Alerting", None, 2.0), AlertInstance({"a": "2"}, "Recovering", None, None),
            AlertInstance({"a": "3"}, "Normal", None, None))
    assert render.alert_rule_reply(rule, many, "", "https://g/a").text.splitlines()[0].endswith(
        "2 firing (1 recovering) of 3 instances")


def test_a_failed_query_says_grafanas_reason_and_a_partial_one_notes_it() -> None:
    failed = render.query_failed_reply(_panel(), ["query A: parse error: unexpected }"], "https://g/p")
    assert failed.text == ("Grafana couldn't run the query of Checkout latency (Web Shop): query A: parse error: "
                           "unexpected }. https://g/p")
    assert failed.card["body"][0]["color"] == "Attention"
    window = _window()
    series = SeriesList([Series("x", {}, (window.end.timestamp() - 60, window.end.timestamp()), (1.0, 3.0))])
    series.problems = ("query B: timeout",)
    for reply in (render.metric_now_reply(_panel(), series, 10), render.metric_range_reply(_panel(), series, window),
                  render.graph_reply(_panel(), series, window, None, "no renderer")):
        assert "3 s" in reply.text and "(Grafana couldn't run query B: timeout.)" in reply.text


def test_the_card_of_a_verdict_alert_names_its_threshold() -> None:
    rule = AlertRule("r", "Cart errors high", "firing", {"severity": "warning"}, "", "Shop", "https://g/r",
                     threshold=1.5, comparator=">", condition="threshold")
    reply = render.alerts_reply([(rule, AlertInstance({}, "Alerting", None, None))], [], "", "", "https://g/a", False)
    facts = [f for block in reply.card["body"] if block.get("type") == "FactSet" for f in block["facts"]]
    assert {"title": "Threshold", "value": "> 1.5"} in facts and not [f for f in facts if f["title"] == "Value"]
