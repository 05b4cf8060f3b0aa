"""Subscribing, listing and unsubscribing through the actions, against the sandbox (real HTTP): names
resolve like questions do, a Teams channel's threads share its subscriptions, permissions and the audit log,
and names never seen in training (the Acme world)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from actions import subscriptions as notify_actions
from actions.subscriptions import ActionListSubscriptions, ActionSubscribe, ActionUnsubscribe
from common import settings as settings_module
from sandbox.payloads import CHANNEL
from sandbox.server import RunningSandbox
from tests.support.subscriptions import ANN, audit_entries, fresh_services, say, store, teams_metadata


@pytest.fixture()
def world(petclinic: RunningSandbox, notify_env: Path) -> Iterator[RunningSandbox]:
    fresh_services()
    notify_actions._stores.clear()
    yield petclinic
    fresh_services()
    notify_actions._stores.clear()


def test_notify_this_channel_when_a_job_fails(world: RunningSandbox, notify_env: Path, tmp_path: Path) -> None:
    answer, _, messages = say(ActionSubscribe(), "notify this channel when petclinic-build fails")
    assert "I'll post a card to this channel when petclinic-build fails" in answer
    (subscription,) = store(notify_env).subscriptions(CHANNEL)  # the channel's, not the thread's
    assert (subscription.source, subscription.target, subscription.condition) == ("jenkins", "petclinic-build",
                                                                                  "failed")
    assert subscription.target_url == world.url("jenkins") + "/job/petclinic-build/"
    address = store(notify_env).address(CHANNEL)
    assert address is not None and address["conversation"]["id"] == CHANNEL and "activityId" not in address
    card = messages[0]["custom"]
    assert card["type"] == "AdaptiveCard" and card["actions"][0]["url"] == subscription.target_url
    assert {"title": "Undo", "type": "Action.Submit",
            "data": {"rasa_payload": f'/unsubscribe{{"subscription":"{subscription.id}"}}'}} in card["actions"]
    entry = audit_entries(tmp_path)[-1]
    assert (entry["what"], entry["decision"], entry["who"], entry["where"]) == ("subscribe", "allowed", ANN, CHANNEL)
    again, _, _ = say(ActionSubscribe(), "notify this channel when petclinic-build fails", teams_metadata("17002"))
    assert "already gets a card" in again and len(store(notify_env).subscriptions(CHANNEL)) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("tell me when the nightly breaks", ("jenkins", "petclinic-nightly", "failed")),
    ("let us know when the staging deploy finishes", ("jenkins", "petclinic-deploy-staging", "finished")),
    ("ping us when terraform plan starts", ("jenkins", "platform/terraform-plan", "started")),
    ("post firing critical alerts here", ("grafana", "severity=critical", "firing")),
    ("let us know about new releases of spring-petclinic", ("github", "petclinic/spring-petclinic", "releases")),
    ("notify us about new pull requests in the infra repo", ("github", "petclinic/petclinic-infra", "pull_requests")),
    ("tell us when CI fails on spring-petclinic", ("github", "petclinic/spring-petclinic", "ci_failed")),
    ("tell me when any build fails", ("jenkins", "", "failed")),
])
def test_what_to_watch_is_read_from_the_words(world: RunningSandbox, notify_env: Path, text: str,
                                              expected: tuple[str, str, str]) -> None:
    answer, _, _ = say(ActionSubscribe(), text)
    subscriptions = store(notify_env).subscriptions(CHANNEL)
    assert [(s.source, s.target, s.condition) for s in subscriptions] == [expected], answer


def test_subscribing_asks_one_backend_request(world: RunningSandbox, notify_env: Path) -> None:
    say(ActionSubscribe(), "notify this channel when petclinic-build fails")
    say(ActionSubscribe(), "post firing critical alerts here")
    jenkins = world.state("jenkins").counts
    assert jenkins["/api/json"] == 1 and sum(jenkins.values()) <= 2  # + python-jenkins' crumb, once per client
    assert sum(world.state("grafana").counts.values()) == 1


def test_an_ambiguous_job_asks_which_and_the_click_keeps_the_condition(world: RunningSandbox,
                                                                       notify_env: Path) -> None:
    answer, slots, messages = say(ActionSubscribe(), "tell us when the petclinic deploy finishes")
    assert "Which job do you mean?" in answer and slots["notify_topic"] == "finished"
    payloads = [b["payload"] for b in messages[0].get("buttons") or []] or \
        [a["data"]["rasa_payload"] for a in messages[0]["custom"]["actions"] if a["type"] == "Action.Submit"]
    assert '/subscribe{"job":"petclinic-deploy-staging"}' in payloads
    assert store(notify_env).subscriptions(CHANNEL) == []
    say(ActionSubscribe(), '/subscribe{"job":"petclinic-deploy-staging"}',
        entities=[{"entity": "job", "value": "petclinic-deploy-staging"}], slots={"notify_topic": "finished"})
    (subscription,) = store(notify_env).subscriptions(CHANNEL)
    assert (subscription.target, subscription.condition) == ("petclinic-deploy-staging", "finished")


def test_a_follow_up_subscribes_another_job_for_the_same_condition(world: RunningSandbox,
                                                                     notify_env: Path) -> None:
    _, slots, _ = say(ActionSubscribe(), "let us know when the staging deploy finishes")
    assert slots["notify_topic"] == "finished"
    say(ActionSubscribe(), "and the nightly?", slots=slots, intent="follow_up")
    assert [(s.target, s.condition) for s in store(notify_env).subscriptions(CHANNEL)] == [
        ("petclinic-deploy-staging", "finished"), ("petclinic-nightly", "finished")]


def test_an_unknown_job_is_not_subscribed(world: RunningSandbox, notify_env: Path) -> None:
    answer, _, _ = say(ActionSubscribe(), "notify us when petclinic-payroll fails",
                       entities=[{"entity": "job", "value": "petclinic-payroll"}])
    assert "I can't find a job" in answer and store(notify_env).subscriptions(CHANNEL) == []


def test_threads_of_a_channel_share_its_subscriptions_and_stop_works_by_name(world: RunningSandbox,
                                                                            notify_env: Path) -> None:
    say(ActionSubscribe(), "notify this channel when petclinic-build fails", teams_metadata("1"))
    say(ActionSubscribe(), "tell us when the nightly breaks", teams_metadata("2"))
    say(ActionSubscribe(), "post firing critical alerts here", teams_metadata("3"))
    listing, _, messages = say(ActionListSubscriptions(), "what is this channel subscribed to?", teams_metadata("4"))
    assert "petclinic-build fails" in listing and "petclinic-nightly fails" in listing
    assert "a Grafana alert with severity=critical fires" in listing
    card = messages[0]["custom"]
    assert card["body"][0]["text"] == "Subscriptions (3)"
    stopped, _, _ = say(ActionUnsubscribe(), "stop the petclinic-build notifications", teams_metadata("5"))
    assert "Stopped: no more cards to this channel when petclinic-build fails" in stopped
    assert [s.target for s in store(notify_env).subscriptions(CHANNEL)] == ["petclinic-nightly", "severity=critical"]
    grafana_id = store(notify_env).subscriptions(CHANNEL)[1].id
    say(ActionUnsubscribe(), f'/unsubscribe{{"subscription":"{grafana_id}"}}', teams_metadata("6"),
        entities=[{"entity": "subscription", "value": str(grafana_id)}])
    assert [s.target for s in store(notify_env).subscriptions(CHANNEL)] == ["petclinic-nightly"]
    say(ActionUnsubscribe(), "unsubscribe this channel from everything", teams_metadata("7"))
    assert store(notify_env).subscriptions(CHANNEL) == []
    nothing, _, _ = say(ActionListSubscriptions(), "what is this channel subscribed to?", teams_metadata("8"))
    assert "This channel has no notifications set up" in nothing


def test_without_the_subscribe_permission_nothing_changes(world: RunningSandbox, notify_env: Path,
                                                         tmp_path: Path) -> None:
    answer, _, _ = say(ActionSubscribe(), "notify this channel when petclinic-build fails",
                       teams_metadata(user="7f00aaaa-0000-4000-8000-0000000000b2", name="Rita Reader"))
    assert "Sorry, I can't do that for you: that needs the 'subscribe' permission" in answer
    assert store(notify_env).subscriptions(CHANNEL) == []
    entry = audit_entries(tmp_path)[-1]
    assert (entry["what"], entry["decision"]) == ("subscribe", "refused")


def test_on_rest_the_subscription_is_kept_for_the_sender(world: RunningSandbox, notify_env: Path) -> None:
    answer, _, _ = say(ActionSubscribe(), "tell me when the nightly breaks", metadata={}, sender="dan")
    assert "This isn't a Teams conversation" in answer
    (subscription,) = store(notify_env).subscriptions("dan")
    assert subscription.target == "petclinic-nightly" and store(notify_env).address("dan") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("notify this channel when settlement-engine-ci breaks", ("jenkins", "settlement-engine-ci", "failed")),
    ("tell us when the reconciliation nightly finishes", ("jenkins", "reconciliation-nightly", "finished")),
    ("post critical ledger alerts here", ("grafana", "service=ledger,severity=critical", "firing")),
    ("let us know about new releases of settlement-engine", ("github", "acme/settlement-engine", "releases")),
])
def test_names_never_seen_in_training(acme: RunningSandbox, notify_env: Path, text: str,
                                      expected: tuple[str, str, str]) -> None:
    answer, _, _ = say(ActionSubscribe(), text)
    assert [(s.source, s.target, s.condition) for s in store(notify_env).subscriptions(CHANNEL)] == [expected], \
        answer


def test_a_hyphenated_label_value_narrows_the_alerts(acme: RunningSandbox, notify_env: Path) -> None:
    say(ActionSubscribe(), "notify us when card-gateway alerts fire in production")
    (subscription,) = store(notify_env).subscriptions(CHANNEL)
    assert subscription.target == "env=production,service=card-gateway"


@pytest.mark.parametrize(("fault", "words"), [({"status": 503}, "Jenkins"), ({"status": 401}, "Jenkins rejected"),
                                             ({"malformed": True}, "Jenkins sent an answer I couldn't read")])
def test_a_backend_fault_while_subscribing_is_a_polite_answer(world: RunningSandbox, notify_env: Path,
                                                              fault: dict, words: str) -> None:
    requests.post(world.url("jenkins") + "/_sandbox/fault", json=fault, timeout=5)
    try:
        answer, _, _ = say(ActionSubscribe(), "notify this channel when petclinic-build fails")
    finally:
        requests.post(world.url("jenkins") + "/_sandbox/fault", json={}, timeout=5)
    assert words in answer and "Traceback" not in answer
    assert store(notify_env).subscriptions(CHANNEL) == []


def test_with_only_jenkins_configured_a_name_is_a_job(world: RunningSandbox, notify_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    settings_module.reset()
    answer, _, _ = say(ActionSubscribe(), "tell me when petclinic-payroll breaks",
                       entities=[{"entity": "job", "value": "petclinic-payroll"}])
    assert "I can't find a job" in answer and "GitHub" not in answer
    answer, _, _ = say(ActionSubscribe(), "tell me when payroll breaks")  # no entity: read from the words
    assert "GitHub" not in answer and store(notify_env).subscriptions(CHANNEL) == []
    say(ActionSubscribe(), "tell me when the nightly breaks")
    assert [s.target for s in store(notify_env).subscriptions(CHANNEL)] == ["petclinic-nightly"]
