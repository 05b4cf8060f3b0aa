"""Unsubscribing removes only what the message names, says exactly what, and can be undone (UAT finding 1).

The NLU has read "tell me more about the replication lag alert" as `unsubscribe` (0.58): the action must not
take the intent's word for it. These run the actions against the Acme sandbox (names never seen in training)
with the messages the acceptance tester sent, on REST (the tester's channel) and in a Teams channel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.base import Ask
from actions.confirm import ActionCancel, ActionConfirm
from actions.subscription_words import asks_to_stop, time_limited
from actions.subscriptions import ActionListSubscriptions, ActionSubscribe, ActionUnsubscribe
from sandbox.payloads import CHANNEL
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.sandbox import ROOT
from tests.support.subscriptions import (
    audit_entries,
    buttons,
    click,
    rest,
    say,
    store,
    targets,
    teams_metadata,
    training_examples,
)

READER = "u17"


def yes(sender: str, pending: dict, user: str | None = None) -> list[dict]:
    """The "yes" rules send to action_confirm while the confirmation is pending."""
    tracker = make_tracker("yes", "affirm", slots={"pending_confirmation": pending}, sender=sender,
                           metadata={"user_id": user} if user else None)
    messages, _ = run_action(ActionConfirm(), tracker)
    return messages


CRITICAL = ("grafana", "severity=critical", "firing")


def test_a_misread_question_removes_nothing_and_lists_with_stop_buttons(acme: RunningSandbox,
                                                                        notify_env: Path) -> None:
    rest(ActionSubscribe(), "also tell us when anything critical fires in grafana")
    assert targets(notify_env) == [CRITICAL]
    answer, slots, messages = rest(ActionUnsubscribe(), "tell me more about the replication lag alert",
                                   entities=[{"entity": "panel", "value": "lag"}])
    assert targets(notify_env) == [CRITICAL]
    assert "nothing changed" in answer and "Stopped" not in answer
    assert "a Grafana alert with severity=critical fires" in answer
    (subscription,) = store(notify_env).subscriptions("demo")
    assert ("Stop: Grafana alerts (severity=critical)", f'/unsubscribe{{"subscription":"{subscription.id}"}}') in \
        buttons(messages)
    assert "pending_confirmation" not in slots
    assert not [e for e in audit_entries(notify_env.parent) if e["what"] == "unsubscribe"]


def test_a_misread_message_that_names_a_subscription_only_offers_to_stop_it(acme: RunningSandbox,
                                                                            notify_env: Path) -> None:
    rest(ActionSubscribe(), "ping us here when settlement-engine-ci breaks")
    rest(ActionSubscribe(), "also tell us when anything critical fires in grafana")
    answer, _, messages = rest(ActionUnsubscribe(), "<script>alert(1)</script> status of settlement-engine-ci")
    assert len(targets(notify_env)) == 2 and "nothing changed" in answer
    (job,) = [s for s in store(notify_env).subscriptions("demo") if s.source == "jenkins"]
    assert [p for _, p in buttons(messages) if p.startswith("/unsubscribe")] == \
        [f'/unsubscribe{{"subscription":"{job.id}"}}']


def test_saying_stop_without_naming_one_lists_them_even_when_there_is_only_one(acme: RunningSandbox,
                                                                                notify_env: Path) -> None:
    rest(ActionSubscribe(), "post failures of reconciliation-nightly here")
    answer, _, messages = rest(ActionUnsubscribe(), "stop the notifications")
    assert targets(notify_env) == [("jenkins", "reconciliation-nightly", "failed")]
    assert "Which one should I stop?" in answer and "reconciliation-nightly fails" in answer
    assert any(title.startswith("Stop:") for title, _ in buttons(messages))


def test_a_reader_is_answered_with_the_list_not_a_permission_refusal(acme: RunningSandbox,
                                                                     notify_env: Path) -> None:
    answer, _, _ = rest(ActionUnsubscribe(), "tell me more about the replication lag alert", sender=READER)
    assert "permission" not in answer and "no notifications set up" in answer and "nothing" in answer.lower()
    answer, _, _ = rest(ActionUnsubscribe(), "<script>alert(1)</script> status of settlement-engine-ci",
                        sender=READER)
    assert "permission" not in answer and "no notifications set up" in answer


def test_a_readers_list_has_no_stop_buttons_and_a_real_stop_is_refused(acme: RunningSandbox,
                                                                       notify_env: Path) -> None:
    reader = teams_metadata(user="7f00aaaa-0000-4000-8000-0000000000b2", name="Rita Reader")
    say(ActionSubscribe(), "post failures of reconciliation-nightly here")  # Ann, a builder, in the channel
    answer, _, messages = say(ActionUnsubscribe(), "tell me more about the replication lag alert", reader)
    assert "permission" not in answer and not [t for t, _ in buttons(messages) if t.startswith("Stop")]
    card_actions = [a["title"] for m in messages for a in (m.get("custom") or {}).get("actions", [])]
    assert not [t for t in card_actions if t.startswith("Stop")]
    refused, _, _ = say(ActionUnsubscribe(), "stop the reconciliation-nightly notifications", reader)
    assert "needs the 'subscribe' permission" in refused
    assert [s.target for s in store(notify_env).subscriptions(CHANNEL)] == ["reconciliation-nightly"]


def test_stopping_one_says_exactly_what_and_undo_brings_it_back(acme: RunningSandbox,
                                                                notify_env: Path) -> None:
    rest(ActionSubscribe(), "ping us here when settlement-engine-ci breaks")
    rest(ActionSubscribe(), "also tell us when anything critical fires in grafana")
    before = targets(notify_env)
    answer, _, messages = rest(ActionUnsubscribe(), "stop the settlement engine notifications")
    assert answer.startswith("Stopped: no more cards to this conversation when settlement-engine-ci fails.")
    assert "1 other subscription still on" in answer
    assert targets(notify_env) == [CRITICAL]
    (undo,) = [p for t, p in buttons(messages) if t == "Undo"]
    assert undo == '/subscribe{"subscription":"jenkins:failed:settlement-engine-ci"}'
    again, _, _ = click(ActionSubscribe(), undo)
    assert "I'll post a card to this conversation when settlement-engine-ci fails" in again
    assert sorted(targets(notify_env)) == sorted(before)
    (restored,) = [s for s in store(notify_env).subscriptions("demo") if s.source == "jenkins"]
    assert restored.label == "settlement-engine-ci" and restored.target_url.endswith("/job/settlement-engine-ci/")


def test_undo_of_a_grafana_filter_and_of_any_job_restores_them_exactly(acme: RunningSandbox,
                                                                       notify_env: Path) -> None:
    rest(ActionSubscribe(), "post critical ledger alerts here")
    rest(ActionSubscribe(), "tell me when any build fails")
    before = store(notify_env).subscriptions("demo")
    for subscription in before:
        _, _, messages = click(ActionUnsubscribe(), f'/unsubscribe{{"subscription":"{subscription.id}"}}')
        (undo,) = [p for t, p in buttons(messages) if t == "Undo"]
        click(ActionSubscribe(), undo)
    after = store(notify_env).subscriptions("demo")
    assert [(s.source, s.target, s.condition, s.label, s.target_url) for s in after] == \
        [(s.source, s.target, s.condition, s.label, s.target_url) for s in before]


def test_undo_of_a_job_that_is_gone_says_so(acme: RunningSandbox, notify_env: Path) -> None:
    answer, _, _ = click(ActionSubscribe(), '/subscribe{"subscription":"jenkins:failed:no-such-job"}')
    assert "Jenkins has no job no-such-job any more" in answer and targets(notify_env) == []
    forged, _, _ = click(ActionSubscribe(), '/subscribe{"subscription":"3"}')
    assert "nothing changed" in forged and targets(notify_env) == []


def test_unsubscribe_from_everything_asks_first_then_stops_all_with_one_undo(acme: RunningSandbox,
                                                                              notify_env: Path) -> None:
    rest(ActionSubscribe(), "let this channel know when chargeback-desk-e2e fails", sender="dan")
    rest(ActionSubscribe(), "tell us when a new card-vault release is published", sender="dan")
    before = targets(notify_env, "dan")
    assert len(before) == 2
    answer, slots, messages = rest(ActionUnsubscribe(), "unsubscribe from everything", sender="dan")
    assert targets(notify_env, "dan") == before  # not yet
    assert "That stops all 2 notifications" in answer and "chargeback-desk-e2e fails" in answer
    assert "a release of acme/card-vault is published" in answer
    assert ("Yes, stop them", "/affirm") in buttons(messages) and ("No", "/deny") in buttons(messages)
    pending = slots["pending_confirmation"]
    assert pending["kind"] == "notify_unsubscribe"
    yes("dan", pending, user="demo")  # someone else's yes does nothing
    assert targets(notify_env, "dan") == before
    messages = yes("dan", pending)
    done = texts(messages)
    assert done.startswith("Stopped: no more cards to this conversation when ")
    assert "chargeback-desk-e2e fails" in done and "a release of acme/card-vault is published" in done
    assert targets(notify_env, "dan") == []
    (undo,) = [p for t, p in buttons(messages) if t == "Undo"]
    click(ActionSubscribe(), undo, sender="dan")
    assert sorted(targets(notify_env, "dan")) == sorted(before)


def test_no_to_unsubscribe_from_everything_keeps_them(acme: RunningSandbox, notify_env: Path) -> None:
    rest(ActionSubscribe(), "let this channel know when chargeback-desk-e2e fails", sender="dan")
    rest(ActionSubscribe(), "post critical ledger alerts here", sender="dan")
    _, slots, _ = rest(ActionUnsubscribe(), "unsubscribe from everything", sender="dan")
    tracker = make_tracker("no", "deny", slots={"pending_confirmation": slots["pending_confirmation"]}, sender="dan")
    messages, _ = run_action(ActionCancel(), tracker)
    assert "OK, cancelled: I won't stop these notifications" in texts(messages)
    assert len(targets(notify_env, "dan")) == 2


def test_the_two_notifications_of_one_job_stop_together_without_a_question(acme: RunningSandbox,
                                                                           notify_env: Path) -> None:
    rest(ActionSubscribe(), "notify us when settlement-engine-ci breaks")
    rest(ActionSubscribe(), "notify us when settlement-engine-ci starts")
    rest(ActionSubscribe(), "post critical ledger alerts here")
    answer, slots, _ = rest(ActionUnsubscribe(), "stop the settlement-engine-ci notifications")
    assert "pending_confirmation" not in slots
    assert "settlement-engine-ci fails; settlement-engine-ci starts" in answer
    assert [t for _, t, _ in targets(notify_env)] == ["service=ledger,severity=critical"]


@pytest.mark.parametrize("text", [
    "tell me more about the replication lag alert",
    "<script>alert(1)</script> status of settlement-engine-ci",
    "what are we subscribed to now?",
    "tell me everything about card-vault",
    "I don't know why settlement-engine-ci failed",
    "why did the stop-loss job fail?",
])
def test_questions_do_not_say_stop(text: str) -> None:
    assert not asks_to_stop(Ask(text, "unsubscribe", {}, {}, "rest", "demo"))


@pytest.mark.parametrize("path", [ROOT / "nlu" / "notifications.yml", ROOT / "tests" / "nlu" / "notifications.yml"])
def test_every_way_the_nlu_learnt_to_unsubscribe_says_stop(path: Path) -> None:
    """The guard must not refuse real requests: each `unsubscribe` training and held-out phrase passes it."""
    examples = training_examples(path, "unsubscribe")
    assert examples
    asked = [Ask(e, "unsubscribe", {}, {}, "rest", "demo") for e in examples]
    # Mutes for a while ("snooze the alerts for 20 minutes") are taught as unsubscribe so that the action can
    # answer them (tests/notifications/test_references.py); they are not stops.
    missed = [a.text for a in asked if not asks_to_stop(a) and not time_limited(a)]
    assert missed == []


def test_already_subscribed_has_no_undo_that_would_remove_the_earlier_subscription(
        acme: RunningSandbox, notify_env: Path) -> None:
    _, _, first = rest(ActionSubscribe(), "ping us here when settlement-engine-ci breaks")
    assert [t for t, _ in buttons(first)] == ["Undo", "What are we subscribed to?"]
    again, _, messages = rest(ActionSubscribe(), "tell us when settlement-engine-ci fails", sender="demo")
    assert "already gets a card" in again and "Undo" not in [t for t, _ in buttons(messages)]


def test_listing_after_a_stop_is_what_is_left(acme: RunningSandbox, notify_env: Path) -> None:
    rest(ActionSubscribe(), "ping us here when settlement-engine-ci breaks")
    rest(ActionSubscribe(), "post critical ledger alerts here")
    rest(ActionUnsubscribe(), "stop the settlement-engine-ci notifications")
    listing, _, _ = rest(ActionListSubscriptions(), "what are we subscribed to now?")
    assert "ledger" in listing and "settlement-engine-ci" not in listing


@pytest.mark.parametrize("request_text", [
    "ping us here when settlement-engine-ci breaks",
    "post critical ledger alerts here",
    "let us know about new releases of card-vault",
    "tell me when any build fails",
])
def test_the_stop_sentence_a_subscription_suggests_stops_exactly_it(acme: RunningSandbox,
                                                                     notify_env: Path, request_text: str) -> None:
    for other in ("notify us when reconciliation-nightly finishes", "post firing alerts in production here"):
        rest(ActionSubscribe(), other)
    answer, _, _ = rest(ActionSubscribe(), request_text)
    before = targets(notify_env)
    (subscribed,) = set(before) - {t for t in before if t[1] in ("reconciliation-nightly", "env=production")}
    (sentence,) = re.findall(r'Say "([^"]+)" to end it', answer)
    rest(ActionUnsubscribe(), sentence)
    assert targets(notify_env) == [t for t in before if t != subscribed], sentence
