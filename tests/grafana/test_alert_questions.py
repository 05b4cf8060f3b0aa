"""Alert questions as the acceptance test asked them (Acme world, names never seen in training) and on a small
world of their own: environments resolved against the live labels and dashboard variables, filters kept by
follow-ups, and questions about one alert rule answered with that rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.base import ActionFollowUp
from actions.grafana import ALERT_FILTERS_SLOT, ActionGrafanaAlerts, ActionGrafanaDashboards
from backends.grafana.words import AlertFilters, named_envs
from common import settings as settings_module
from sandbox.server import RunningSandbox
from sandbox.services import sandbox_for
from sandbox.world import load_world
from tests.support import make_tracker, run_action, texts
from tests.support.grafana import grafana_stats, reset_stats
from tests.support.sandbox import TEST_CREDENTIALS

ALERTS = "action_grafana_alerts"


def ask(action, text: str, intent: str, slots: dict | None = None, entities: dict | None = None):
    found = [{"entity": name, "value": value} for name, value in (entities or {}).items()]
    messages, events = run_action(action, make_tracker(text, intent, entities=found, slots=slots))
    return texts(messages), messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def conversation(*turns: tuple) -> list[str]:
    """Turns of (action, text, intent[, entities]) with the slots carried from one to the next, as Rasa would."""
    slots: dict = {}
    answers = []
    for action, text, intent, *entities in turns:
        answer, _, set_now = ask(action, text, intent, slots, entities[0] if entities else None)
        slots.update(set_now)
        answers.append(answer)
    return answers


# --- finding 7: environments from the live labels, filters kept by follow-ups ---------------------------------
def test_what_about_sandbox_after_anything_pending_keeps_pending_and_uses_the_live_env(acme) -> None:
    _, sandbox = conversation((ActionGrafanaAlerts(), "anything pending?", "grafana_alerts",
                               {"alert_state": "pending"}),
                              (ActionFollowUp(), "what about sandbox?", "follow_up"))
    lines = sandbox.splitlines()
    assert lines[0] == "All clear: no alerts in sandbox firing in Grafana right now. 1 alert pending (may fire soon):"
    assert lines[1].startswith("[warning] Settlement backlog growing · pending since ") and "env=sandbox" in lines[1]
    assert "Ledger" not in sandbox and "Acquirer" not in sandbox


def test_alerts_in_the_sandbox_env_including_pending(acme) -> None:
    answer, _, slots = ask(ActionGrafanaAlerts(), "any alerts in the sandbox env, including pending?",
                           "grafana_alerts", entities={"alert_state": "pending"})
    assert "Settlement backlog growing" in answer and "Ledger" not in answer and "Acquirer" not in answer
    assert slots[ALERT_FILTERS_SLOT] == {"state": "pending", "severities": [], "envs": ["sandbox"], "labels": []}


def test_a_follow_up_after_production_names_the_other_env_and_offers_its_pending_alerts(acme) -> None:
    _, sandbox = conversation((ActionGrafanaAlerts(), "anything alerting in production?", "grafana_alerts",
                               {"env": "production"}),
                              (ActionFollowUp(), "what about sandbox?", "follow_up"))
    assert sandbox.startswith("All clear: no alerts in sandbox firing in Grafana right now. "
                              "1 alert pending: Settlement backlog growing.")


def test_only_the_warning_ones_narrows_the_list_just_shown(acme) -> None:
    answers = conversation((ActionGrafanaAlerts(), "any alerts in the sandbox env, including pending?",
                            "grafana_alerts", {"alert_state": "pending"}),
                           (ActionGrafanaAlerts(), "only the warning ones", "grafana_alerts"))
    assert answers[1].startswith("All clear: no warning alerts in sandbox firing in Grafana right now. "
                                 "1 alert pending (may fire soon):")
    assert "Settlement backlog growing" in answers[1] and "Acquirer" not in answers[1]
    # a question of its own starts afresh
    fresh, _, _ = ask(ActionGrafanaAlerts(), "any critical alerts?", "grafana_alerts",
                      slots={ALERT_FILTERS_SLOT: {"envs": ["sandbox"]}, "last_question": ALERTS})
    assert fresh.startswith("1 critical alert firing in Grafana:")


def test_an_environment_no_alert_carries_is_said_as_such(acme) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), "anything pending in staging?", "grafana_alerts",
                       entities={"alert_state": "pending", "env": "staging"})
    assert answer.startswith("All clear: no alerts in staging firing in Grafana right now.")
    assert ("(No alert rule is labelled with an environment called staging; the alert rules' environments are "
            "production and sandbox.)") in answer


def test_a_follow_up_whose_words_name_nothing_says_so(acme) -> None:
    answer, _, _ = ask(ActionFollowUp(), "what about zebra?", "follow_up",
                       slots={"last_question": ALERTS, ALERT_FILTERS_SLOT: AlertFilters(state="pending").as_slot()})
    assert answer.startswith("2 alerts firing in Grafana, 1 pending:")
    assert '(I found no environment, label or alert rule called "zebra"; this is the same question as before.)' \
        in answer


@pytest.mark.parametrize(
    ("said", "known", "found"),
    [(["prod"], ["production", "staging"], ["production"]), (["production"], ["prod", "stg"], ["prod"]),
     (["sandbx"], ["sandbox", "production"], ["sandbox"]), (["eu", "prod"], ["eu-prod", "us-prod"], ["eu-prod"]),
     (["product"], ["production"], []), (["tests"], ["test"], [])],
)
def test_environments_are_matched_by_alias_and_typo_not_by_prefix(said: list[str], known: list[str],
                                                                   found: list[str]) -> None:
    assert named_envs(said, known) == found


# --- a world of its own: other label names, dashboard variables, two rules with one word in common -------------
WORLD = """
name: tiny
grafana:
  dashboards:
    - uid: orders
      title: Orders
      panels:
        - {id: 1, title: Order latency, unit: s, current: 0.4, series: "sine(0.2, 0.6)"}
    - uid: ledger
      title: Ledger
      panels:
        - {id: 1, title: Disk used, unit: percent, current: 71, series: "ramp(60, 71)"}
  alert_rules:
    - {uid: orders-slow, title: Orders p99 too slow, state: firing, severity: warning, since: 20m,
       labels: {service: orders, deployment_environment: eu-prod}, value: 0.9, threshold: 0.5}
    - {uid: orders-slow-us, title: Orders p99 too slow in the US, state: normal, severity: warning,
       labels: {service: orders, deployment_environment: us-prod}, value: 0.3, threshold: 0.5}
    - {uid: ledger-lag, title: Ledger replica lagging, state: pending, severity: critical, since: 3m,
       labels: {service: ledger, deployment_environment: eu-prod}, value: 4, threshold: 3}
    - {uid: ledger-disk, title: Ledger disk almost full, state: normal, severity: critical,
       labels: {service: ledger-db, deployment_environment: eu-prod}, value: 71, threshold: 90,
       dashboard: ledger, panel: 1}
"""


@pytest.fixture(scope="module")
def tiny_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = Path(tmp_path_factory.mktemp("world")) / "tiny.yaml"
    path.write_text(WORLD)
    world = load_world(path)
    # Dashboard template variables (Grafana's `templating.list`); the world file's schema has no field for them.
    world["grafana"]["dashboards"][0]["variables"] = {"env": ["eu-prod", "us-prod", "apac-qa"]}
    sandbox = sandbox_for(world, TEST_CREDENTIALS, ports={"jenkins": 0, "github": 0, "grafana": 0}).start_in_thread()
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def tiny(tiny_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    monkeypatch.setenv("GRAFANA_URL", tiny_sandbox.url("grafana"))  # only Grafana: the world has nothing else
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()
    reset_stats(tiny_sandbox)
    yield tiny_sandbox
    settings_module.reset()


def test_envs_under_another_label_name_are_found_by_their_words(tiny) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), "what's firing in eu prod?", "grafana_alerts")
    assert answer.startswith("1 alert in eu-prod firing in Grafana:") and "Orders p99 too slow" in answer
    # the labels were enough: no dashboard was read (the rule definitions give the thresholds)
    assert grafana_stats(tiny) == {"/api/prometheus/grafana/api/v1/rules": 1, "/api/ruler/grafana/api/v1/rules": 1}


def test_an_env_only_a_dashboard_variable_knows_is_an_env_with_nothing_firing(tiny) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), "any alerts in apac-qa?", "grafana_alerts",
                       entities={"env": "apac-qa"})
    assert answer.startswith("All clear: no alerts in apac-qa firing in Grafana right now.")
    assert "No alert rule is labelled" not in answer  # the Orders dashboard's $env offers it


def test_two_rules_that_fit_equally_are_both_shown_with_a_button_each(tiny) -> None:
    answer, messages, _ = ask(ActionGrafanaAlerts(), "is the ledger alert ok?", "grafana_alerts")
    lines = answer.splitlines()
    assert lines[0] == "2 alert rules fit those words (a button gives one's details):"
    assert lines[1].startswith("- [critical] Ledger replica lagging: pending")
    assert lines[2].startswith("- [critical] Ledger disk almost full: normal")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ['/grafana_alerts{"alert_rule":"ledger-lag"}', '/grafana_alerts{"alert_rule":"ledger-disk"}']
    # the click names the rule exactly; its panel says what the metric reads now (Grafana sends no value for a
    # rule that is normal)
    answer, _, _ = ask(ActionGrafanaAlerts(), payloads[1], "grafana_alerts", entities={"alert_rule": "ledger-disk"})
    assert answer.startswith("[critical] Ledger disk almost full · normal")
    assert "Disk used (Ledger) is 71 % now (threshold > 90) · service=ledger-db, deployment_environment=eu-prod" \
        in answer


def test_the_more_specific_title_wins(tiny) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), "is the orders alert in the US ok?", "grafana_alerts")
    assert answer.startswith("[warning] Orders p99 too slow in the US · normal")


# --- finding 18: a question about one alert answers that rule -----------------------------------------------
def test_is_the_decline_ratio_alert_ok(acme) -> None:
    answer, messages, _ = ask(ActionGrafanaAlerts(), "is the decline ratio alert ok?", "grafana_alerts")
    first = answer.splitlines()[0]
    assert first.startswith("[critical] Decline ratio above 8% · normal since ")
    assert "Decline ratio (Card Gateway) is 3.4 % now (threshold > 8) · service=card-gateway, env=production" in first
    assert "/d/card-gateway?viewPanel=2" in answer and "Ledger" not in answer
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert '/grafana_graph{"panel":"card-gateway:2"}' in buttons


@pytest.mark.parametrize(
    ("question", "starts"),
    [("details on the acquirer alert please", "[warning] Acquirer round trip p99 too slow · firing since "),
     ("tell me more about the replication lag alert", "[critical] Ledger replica lagging · firing since "),
     ("how far behind is the ledger replica", "[critical] Ledger replica lagging · firing since "),
     ("is the settlement backlog alert ok", "[warning] Settlement backlog growing · pending since ")],
)
def test_a_question_naming_one_alert_answers_that_rule(acme, question: str, starts: str) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), question, "grafana_alerts")
    assert answer.startswith(starts)
    assert "value " in answer and "(threshold > " in answer and "env=" in answer and "http" in answer
    assert "alerts firing in Grafana" not in answer


@pytest.mark.parametrize("question", ["what's firing for the ledger?", "is anything slow?", "what alerts are firing",
                                      "any critical alerts?"])
def test_words_that_name_no_rule_still_get_the_list(acme, question: str) -> None:
    answer, _, _ = ask(ActionGrafanaAlerts(), question, "grafana_alerts")
    assert "firing in Grafana" in answer.splitlines()[0]


# --- finding 12: phrasings that reach the Grafana actions ---------------------------------------------------
def test_anything_for_postgres_after_the_dashboard_list(acme) -> None:
    _, postgres = conversation((ActionGrafanaDashboards(), "which dashboards exist?", "grafana_dashboards"),
                               (ActionFollowUp(), "anything for postgres?", "follow_up"))
    assert postgres.startswith("Ledger Postgres (folder Data platform; tags postgres, ledger, database): http")
