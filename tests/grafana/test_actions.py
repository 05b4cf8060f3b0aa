"""Grafana questions answered by the actions against the sandbox over real HTTP: the held-out check
questions, follow-ups through context slots, ambiguity, a world never seen in training, and requests counted."""

from __future__ import annotations

import json
import re

import pytest

from actions.base import ActionFollowUp
from actions.grafana import (
    ActionGrafanaAlerts,
    ActionGrafanaAnnotations,
    ActionGrafanaDashboards,
    ActionGrafanaGraph,
    ActionGrafanaMetricValue,
)
from backends.grafana.service import MAX_IMAGE_BYTES
from tests.support import make_tracker, run_action, texts
from tests.support.clock import at, run_moment
from tests.support.grafana import decode_data_url, grafana_stats, green_columns, reset_stats

HOUR_MS = 3_600_000


def ask(action, text: str, intent: str = "", slots: dict | None = None, entities: list[dict] | None = None,
        channel: str = "rest"):
    messages, events = run_action(action, make_tracker(text, intent, entities=entities, slots=slots, channel=channel))
    return messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def images(messages: list[dict]) -> list[str]:
    return [m["image"] for m in messages if m.get("image")]


# --- the held-out check questions ----------------------------------------------------------------------------
def test_what_alerts_are_firing(petclinic) -> None:
    messages, _ = ask(ActionGrafanaAlerts(), "what alerts are firing", "grafana_alerts")
    answer = texts(messages)
    assert "p95 latency" in answer and "agent disk" in answer.lower()
    assert "error rate" not in answer.lower()  # that rule is normal
    lines = answer.splitlines()
    assert lines[0] == "2 alerts firing in Grafana:"
    assert "[critical] Build agent disk almost full" in lines[1]  # most severe first
    assert "value 93 (threshold > 90)" in lines[1] and "host=agent-linux-2" in lines[1]
    # since: 2 h in the world; the weekday is said when that was another day (just after midnight)
    assert re.search(r"firing since (\w{3} )?\d\d:\d\d UTC \(2 h( \d+ min)? ago\)", lines[1])
    assert "value 1.82 (threshold > 1.5)" in lines[2] and "/d/petclinic-overview?viewPanel=3" in lines[2]
    assert "1 more alert pending" in answer


def test_what_is_the_error_rate_of_petclinic_right_now(petclinic) -> None:
    messages, slots = ask(ActionGrafanaMetricValue(), "what's the error rate of petclinic right now",
                          "grafana_metric_value")
    assert texts(messages).startswith("Error rate (Pet Clinic Overview) is 0.7 % right now. http")
    assert "/d/petclinic-overview/pet-clinic-overview?viewPanel=2" in texts(messages)
    assert slots["grafana_panel"] == "petclinic-overview:2" and slots["grafana_range"] is None


def test_show_me_the_latency_graph_for_the_last_6_hours(petclinic) -> None:
    messages, slots = ask(ActionGrafanaGraph(), "show me the latency graph for the last 6 hours", "grafana_graph",
                          entities=[{"entity": "time_range", "value": "last 6 hours"}])
    [url] = images(messages)
    data, image = decode_data_url(url)
    assert len(data) <= MAX_IMAGE_BYTES and image.size[0] <= 1024 and image.size[1] <= 1024
    start, end = (int(part.split("=")[1]) for part in image.info["Description"].split()[1:3])
    assert end - start == 6 * HOUR_MS  # the picture shows the range asked for
    assert image.info["Title"] == "p95 latency" and len(green_columns(image)) > 500
    answer = texts(messages)
    assert answer.startswith("p95 latency (Pet Clinic Overview) in the last 6 hours (")
    assert "now 1.82 s" in answer and f"viewPanel=3&from={start}&to={end}" in answer
    assert slots == {"grafana_panel": "petclinic-overview:3", "grafana_dashboard": "petclinic-overview",
                     "grafana_range": "last 6 hours", "last_question": "action_grafana_graph"}


def test_in_teams_the_graph_is_an_image_in_the_card(petclinic) -> None:
    messages, _ = ask(ActionGrafanaGraph(), "graph the build queue since yesterday", "grafana_graph", channel="teams")
    [card] = [m["custom"] for m in messages]
    kinds = [block["type"] for block in card["body"]]
    assert "Image" in kinds and card["version"] == "1.5"
    image = next(b for b in card["body"] if b["type"] == "Image")
    decode_data_url(image["url"])
    assert card["actions"][0]["type"] == "Action.OpenUrl" and "viewPanel=2" in card["actions"][0]["url"]
    submits = [a["data"]["rasa_payload"] for a in card["actions"][1:]]
    assert '/grafana_metric_value{"panel":"jenkins-ci:2"}' in submits


# --- more questions ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("p95 latency of petclinic", "p95 latency (Pet Clinic Overview) is 1.82 s right now."),
        ("how full is the agent disk?", "Disk used (Build agents) is 93 % right now."),
        ("error rate right now", "Error rate (Pet Clinic Overview) is 0.7 % right now."),
        ("how long do builds take at the moment", "Build duration (Jenkins CI) is 6 min 52 s right now."),
        ("current request rate", "Request rate (Pet Clinic Overview) is 42.3 req/s right now."),
    ],
)
def test_metric_values_in_their_units(petclinic, question: str, expected: str) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), question, "grafana_metric_value")
    assert texts(messages).startswith(expected)


def test_any_critical_alerts(petclinic) -> None:
    messages, _ = ask(ActionGrafanaAlerts(), "any critical alerts?", "grafana_alerts")
    assert texts(messages).startswith("1 critical alert firing in Grafana:")
    assert "p95 latency" not in texts(messages)


def test_pending_alerts_on_request_and_a_follow_up_about_staging(petclinic) -> None:
    messages, _ = ask(ActionGrafanaAlerts(), "", "grafana_alerts", entities=[{"entity": "alert_state",
                                                                               "value": "pending"}])
    assert "2 alerts firing in Grafana, 1 pending:" in texts(messages)
    assert "[warning] Staging database connections high · pending since" in texts(messages)
    messages, _ = ask(ActionFollowUp(), "what about staging?", "follow_up",
                      slots={"last_question": "action_grafana_alerts"})
    assert texts(messages).startswith("All clear: no alerts in staging firing in Grafana right now. "
                                      "1 alert pending: Staging database connections high.")


def test_a_metric_then_that_graph_then_over_the_last_day(petclinic) -> None:
    _, slots = ask(ActionGrafanaMetricValue(), "how full is the agent disk?", "grafana_metric_value")
    messages, slots = ask(ActionGrafanaGraph(), "show me that graph", "grafana_graph", slots=slots)
    assert texts(messages).startswith("Disk used (Build agents) in the last hour (") and images(messages)
    messages, slots = ask(ActionFollowUp(), "and over the last day?", "follow_up", slots=slots)
    assert texts(messages).startswith("Disk used (Build agents) in the last day (") and images(messages)
    assert slots["grafana_range"] == "last day"


def test_a_value_over_a_range_gives_min_max_and_average(petclinic) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), "what was the disk used over the last day", "grafana_metric_value")
    answer = texts(messages)
    assert answer.startswith("Disk used (Build agents) in the last day (") and "now 93 %" in answer
    assert "min " in answer and "max 9" in answer and "avg " in answer


def test_an_ambiguous_panel_asks_which_with_buttons_and_keeps_the_range(petclinic) -> None:
    messages, slots = ask(ActionGrafanaGraph(), "show me the rate graph since 9am", "grafana_graph")
    assert texts(messages).startswith("Which panel do you mean? Request rate (Pet Clinic Overview), Error rate")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ['/grafana_graph{"panel":"petclinic-overview:1"}',
                        '/grafana_graph{"panel":"petclinic-overview:2"}']
    assert slots["grafana_range"] == "since 9am"
    # the click: the panel from the payload, the range from the context
    messages, _ = ask(ActionGrafanaGraph(), payloads[1], "grafana_graph", slots=slots,
                      entities=[{"entity": "panel", "value": "petclinic-overview:2"}])
    assert texts(messages).startswith("Error rate (Pet Clinic Overview) since 9am (") and images(messages)


def test_an_unknown_panel_suggests_the_closest(petclinic) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), "what's the garbage collector pause", "grafana_metric_value",
                      entities=[{"entity": "panel", "value": "gc pause"}])
    assert texts(messages).startswith('I can\'t find a panel "gc pause".')


def test_dashboards_for_jenkins_and_opening_one(petclinic) -> None:
    messages, _ = ask(ActionGrafanaDashboards(), "what dashboards do we have for jenkins?", "grafana_dashboards")
    answer = texts(messages)
    assert answer.startswith("2 dashboards about jenkins in Grafana:")
    assert "Jenkins CI" in answer and "Build agents" in answer and "Pet Clinic" not in answer
    assert "/d/jenkins-ci/jenkins-ci" in answer
    messages, slots = ask(ActionGrafanaDashboards(), "open the pet clinic dashboard", "grafana_dashboards",
                          entities=[{"entity": "dashboard", "value": "pet clinic"}])
    assert texts(messages).startswith("Pet Clinic Overview (folder Pet Clinic; tags petclinic, production): http")
    assert "Panels: Request rate, Error rate, p95 latency, JVM heap used" in texts(messages)
    assert slots["grafana_dashboard"] == "petclinic-overview"
    messages, _ = ask(ActionGrafanaDashboards(), "list grafana dashboards", "grafana_dashboards")
    assert texts(messages).startswith("3 dashboards in Grafana:")


def test_the_last_deploy_to_production_then_staging(petclinic) -> None:
    messages, slots = ask(ActionGrafanaAnnotations(), "when was the last deploy to production?", "grafana_annotations",
                          entities=[{"entity": "env", "value": "production"}])
    assert texts(messages).startswith("The last deploy to production was 6 days ago (")
    assert "Deployed 3.2.0 to production (on Pet Clinic Overview)" in texts(messages)
    messages, _ = ask(ActionFollowUp(), "what about staging?", "follow_up",
                      slots={**slots, "last_question": "action_grafana_annotations"})
    assert re.match(r"The last deploy to staging was \d+ min ago \(", texts(messages))  # 12m before the start
    assert "Deployed 3.2.1-rc1 to staging" in texts(messages)


def test_what_happened_on_the_overview_dashboard(petclinic) -> None:
    messages, slots = ask(ActionGrafanaAnnotations(), "what happened on the overview dashboard over the last day?",
                          "grafana_annotations")
    answer = texts(messages)
    assert answer.startswith("1 event on Pet Clinic Overview in the last day (")
    assert "Deployed 3.2.1-rc1 to staging [deploy, staging]" in answer and "/d/petclinic-overview?from=" in answer
    assert slots["grafana_dashboard"] == "petclinic-overview"


def test_a_time_nobody_can_mean_gets_a_clear_answer(petclinic) -> None:
    messages, _ = ask(ActionGrafanaGraph(), "graph the error rate since tomorrow", "grafana_graph")
    assert "That range is in the future" in texts(messages) and not images(messages)
    assert grafana_stats(petclinic) == {}  # nothing asked of Grafana


# --- names never seen in training ----------------------------------------------------------------------------
def test_acme_alerts_most_severe_first(acme) -> None:
    messages, _ = ask(ActionGrafanaAlerts(), "is anything on fire?", "grafana_alerts")
    lines = texts(messages).splitlines()
    assert lines[0] == "2 alerts firing in Grafana:"
    assert lines[1].startswith("[critical] Ledger replica lagging") and "value 4.2 (threshold > 3)" in lines[1]
    assert lines[2].startswith("[warning] Acquirer round trip p99 too slow") and "acquirer=nexi" in lines[2]
    assert "Decline ratio" not in texts(messages)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how far behind is the replication lag", "Replication lag (Ledger Postgres) is 4.2 s right now."),
        ("how far behind is the ledger replica", "Replication lag (Ledger Postgres) is 4.2 s right now."),
        ("acquirer round trip right now", "Acquirer round trip p99 (Card Gateway) is 640 ms right now."),
        ("how many unsettled transactions", "Unsettled transactions (Settlement Engine) is 1.84 K right now."),
        ("how long does the settlement batch take", "Batch runtime (Settlement Engine) is 45 min 30 s right now."),
    ],
)
def test_acme_metrics(acme, question: str, expected: str) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), question, "grafana_metric_value")
    assert texts(messages).startswith(expected)


def test_acme_disk_used_is_the_ledger_one(acme) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), "how full is the ledger disk", "grafana_metric_value")
    assert texts(messages).startswith("Disk used (Ledger Postgres) is 71 % right now.")


def test_acme_graph_and_deploys_and_dashboards(acme) -> None:
    messages, _ = ask(ActionGrafanaGraph(), "plot the decline ratio over the last 2 days", "grafana_graph")
    assert texts(messages).startswith("Decline ratio (Card Gateway) in the last 2 days (") and images(messages)
    messages, _ = ask(ActionGrafanaAnnotations(), "when did we last deploy to prod", "grafana_annotations",
                      entities=[{"entity": "env", "value": "prod"}])
    assert re.match(r"The last deploy to production was 3 h( \d+ min)? ago \(", texts(messages))
    assert "Released card-gateway 7.4.0 to production" in texts(messages)
    messages, _ = ask(ActionGrafanaDashboards(), "which dashboards are there for payments", "grafana_dashboards")
    assert texts(messages).startswith("2 dashboards about payments in Grafana:")
    assert "Card Gateway" in texts(messages) and "Settlement Engine" in texts(messages)


def test_acme_empty_series_is_said_as_such(acme) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), "reconciliation mismatches right now", "grafana_metric_value")
    assert texts(messages).startswith("Grafana has no data for Reconciliation mismatches (Settlement Engine) in the "
                                      "last 10 minutes.")
    messages, _ = ask(ActionGrafanaGraph(), "graph the reconciliation mismatches", "grafana_graph")
    assert "no data in this range" in texts(messages) and images(messages)


# --- requests per question -----------------------------------------------------------------------------------
def test_requests_per_question_on_a_warm_name_list(petclinic) -> None:
    ask(ActionGrafanaMetricValue(), "error rate right now", "grafana_metric_value")
    cold = grafana_stats(petclinic)
    assert cold == {"/api/search": 1, "/api/dashboards/uid/petclinic-overview": 1,
                    "/api/dashboards/uid/jenkins-ci": 1, "/api/dashboards/uid/infra-nodes": 1, "/api/ds/query": 1}
    reset_stats(petclinic)
    ask(ActionGrafanaAlerts(), "what's firing", "grafana_alerts")  # the rule definitions join the name lists
    assert grafana_stats(petclinic) == {"/api/prometheus/grafana/api/v1/rules": 1,
                                        "/api/ruler/grafana/api/v1/rules": 1}
    counts = {}
    for action, question, intent in [
        (ActionGrafanaMetricValue(), "p95 latency right now", "grafana_metric_value"),
        (ActionGrafanaGraph(), "graph the p95 latency", "grafana_graph"),
        (ActionGrafanaAlerts(), "what's firing", "grafana_alerts"),
        (ActionGrafanaDashboards(), "what dashboards do we have", "grafana_dashboards"),
        (ActionGrafanaAnnotations(), "when was the last deploy", "grafana_annotations"),
    ]:
        reset_stats(petclinic)
        ask(action, question, intent)
        counts[action.name()] = grafana_stats(petclinic)
    assert counts == {
        "action_grafana_metric_value": {"/api/ds/query": 1},
        "action_grafana_graph": {"/api/ds/query": 1, "/render/d-solo/petclinic-overview/pet-clinic-overview": 1},
        "action_grafana_alerts": {"/api/prometheus/grafana/api/v1/rules": 1},
        "action_grafana_dashboards": {},
        "action_grafana_annotations": {"/api/annotations": 1},
    }


def test_values_are_never_cached(petclinic) -> None:
    for _ in range(2):
        ask(ActionGrafanaMetricValue(), "error rate right now", "grafana_metric_value")
    assert grafana_stats(petclinic)["/api/ds/query"] == 2


def test_buttons_are_rasa_payloads(petclinic) -> None:
    messages, _ = ask(ActionGrafanaMetricValue(), "error rate right now", "grafana_metric_value")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    intent, _, entities = payloads[0].partition("{")
    assert intent == "/grafana_graph" and json.loads("{" + entities) == {"panel": "petclinic-overview:2",
                                                                         "time_range": "last 6 hours"}


@pytest.mark.parametrize(
    ("question", "first_line", "shown", "not_shown"),
    [
        ("any alerts for the card-gateway?", "1 alert for card-gateway firing in Grafana:", "Acquirer", "Ledger"),
        ("anything firing on pg-eu-1", "1 alert for pg-eu-1 firing in Grafana:", "Ledger replica", "Acquirer"),
        ("any warnings?", "1 warning alert firing in Grafana:", "Acquirer", "Ledger"),
    ],
)
def test_acme_alerts_filtered_by_the_labels_named(acme, question: str, first_line: str, shown: str,
                                                  not_shown: str) -> None:
    messages, _ = ask(ActionGrafanaAlerts(), question, "grafana_alerts")
    answer = texts(messages)
    assert answer.splitlines()[0] == first_line and shown in answer and not_shown not in answer


# --- acceptance findings 11 and 7: time ranges for graphs, and environments for deploys -------------------------
GRAPHED = {"grafana_panel": "card-gateway:2", "grafana_dashboard": "card-gateway",
           "grafana_range": "between 2pm and 4pm", "last_question": "action_grafana_graph"}


@pytest.mark.parametrize(
    ("question", "entities"),
    [("graph it for tomorrow", None),
     ("graph decline ratio from tomorrow 9am to 10am", [{"entity": "time_range", "value": "9am"},
                                                        {"entity": "time_range", "value": "10am"}])],
)
def test_a_graph_of_a_future_range_says_it_is_in_the_future(acme, question: str, entities: list | None) -> None:
    reset_stats(acme)
    messages, slots = ask(ActionGrafanaGraph(), question, "grafana_graph", slots=GRAPHED, entities=entities)
    assert texts(messages).startswith("That range is in the future (") and not images(messages)
    assert "grafana_range" not in slots and grafana_stats(acme) == {}  # not the old range, silently


def test_the_last_value_of_a_past_range_is_when_it_was_not_now(acme) -> None:
    messages, _ = ask(ActionGrafanaGraph(), "show me a chart of decline ratio yesterday", "grafana_graph")
    answer = texts(messages)
    assert answer.startswith("Decline ratio (Card Gateway) yesterday (") and images(messages)
    assert re.search(r": at 00:00 \d+(\.\d+)? % \(min ", answer) and ": now " not in answer


def test_time_words_that_are_not_a_range_are_said_not_ignored(acme) -> None:
    with at(run_moment().replace(hour=17, minute=30)):  # after the remembered range, on any run
        messages, _ = ask(ActionGrafanaGraph(), "graph it for the 3rd", "grafana_graph", slots=GRAPHED)
    first, second = (m["text"] for m in messages if m.get("text"))
    assert first.startswith('I couldn\'t read "3rd" as a time range, so this shows the range "between 2pm and 4pm".')
    assert second.startswith("Decline ratio (Card Gateway) between 2pm and 4pm (")


def test_the_last_deploy_to_an_environment_nothing_was_deployed_to(acme) -> None:
    messages, _ = ask(ActionGrafanaAnnotations(), "when was the last deploy to sandbox", "grafana_annotations")
    assert texts(messages).startswith("I found no deploy to sandbox annotated in Grafana in the last 90 days (")
