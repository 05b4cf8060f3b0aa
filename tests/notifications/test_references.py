"""Stopping by reference and what is not a stop (UAT round 2, R-2 and R-6).

"silence the ledger alert for an hour" removed the ledger-alert subscription for good; "unsubscribe from number 1"
and "remove the release one" didn't find the subscription the list showed; a typed "undo" did nothing. These run
the actions against the Acme sandbox, with the tester's messages, on REST (the tester's channel).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.base import Ask
from actions.confirm import ActionConfirm
from actions.subscription_words import is_undo, list_position, names_other_thing, time_limited
from actions.subscriptions import LAST_STOPPED_SLOT, ActionSubscribe, ActionUnsubscribe
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.sandbox import ROOT
from tests.support.subscriptions import audit_entries, buttons, click, rest, store, targets, training_examples

READER = "u17"
LEDGER = ("grafana", "service=ledger", "firing")
RELEASES = ("github", "acme/settlement-engine", "releases")


def _ask(text: str) -> Ask:
    return Ask(text, "unsubscribe", {}, {}, "rest", "dan")


def _two(sender: str = "dan") -> None:
    """The tester's list: 1. releases of acme/settlement-engine, 2. Grafana alerts with service=ledger."""
    rest(ActionSubscribe(), "let us know about new releases of settlement-engine", sender=sender)
    rest(ActionSubscribe(), "post ledger alerts here", sender=sender)
    assert targets_of(sender) == [RELEASES, LEDGER]


_DB: list[Path] = []


def targets_of(sender: str) -> list[tuple[str, str, str]]:
    return targets(_DB[-1], sender)


@pytest.fixture(autouse=True)
def _database(notify_env: Path) -> None:
    _DB.append(notify_env)


def _stop_payloads(messages: list[dict]) -> list[str]:
    return [p for t, p in buttons(messages) if t.startswith("Stop")]


# -- a mute for a while is not an unsubscribe ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "silence the ledger alert for an hour",
    "mute the ledger alerts until tomorrow",
    "snooze the alerts for 30 minutes",
    "stop the ledger alerts for 2h",
])
def test_a_mute_for_a_while_removes_nothing_and_offers_stop_and_grafana_silences(
        acme: RunningSandbox, notify_env: Path, text: str) -> None:
    _two()
    answer, slots, messages = rest(ActionUnsubscribe(), text, sender="dan")
    assert targets_of("dan") == [RELEASES, LEDGER]
    assert "Stopped" not in answer and "can't mute notifications for a while" in answer
    assert acme.url("grafana") + "/alerting/silences" in answer
    (ledger,) = [s for s in store(notify_env).subscriptions("dan") if s.source == "grafana"]
    assert _stop_payloads(messages) == [f'/unsubscribe{{"subscription":"{ledger.id}"}}']
    assert LAST_STOPPED_SLOT not in slots and "pending_confirmation" not in slots
    assert not [e for e in audit_entries(notify_env.parent) if e["what"] == "unsubscribe"]


def test_mute_a_job_until_tomorrow_offers_its_stop_button(acme: RunningSandbox, notify_env: Path) -> None:
    _two()
    rest(ActionSubscribe(), "ping us here when settlement-engine-ci breaks", sender="dan")
    answer, _, messages = rest(ActionUnsubscribe(), "mute settlement-engine-ci until tomorrow", sender="dan")
    assert len(targets_of("dan")) == 3 and "can't mute" in answer
    (job,) = [s for s in store(notify_env).subscriptions("dan") if s.source == "jenkins"]
    assert _stop_payloads(messages) == [f'/unsubscribe{{"subscription":"{job.id}"}}']


def test_a_readers_mute_gets_the_explanation_without_stop_buttons(acme: RunningSandbox) -> None:
    answer, _, messages = rest(ActionUnsubscribe(), "silence the ledger alert for an hour", sender=READER)
    assert "can't mute" in answer and "/alerting/silences" in answer and "no notifications set up" in answer
    assert not _stop_payloads(messages)


# -- removing a repository or a job is not a subscription ----------------------------------------------------
def test_delete_the_repo_is_refused_and_removes_no_subscription(acme: RunningSandbox) -> None:
    _two()
    answer, _, messages = rest(ActionUnsubscribe(), "delete the settlement-engine repo", sender="dan")
    assert targets_of("dan") == [RELEASES, LEDGER]
    assert "can't delete repositories, jobs" in answer and "Stopped" not in answer
    # the releases subscription is about that repository: offered (a Stop button), not removed
    assert len(_stop_payloads(messages)) == 1


def test_remove_the_ledger_job_is_refused_and_lists_only_the_matching_one(acme: RunningSandbox,
                                                                          notify_env: Path) -> None:
    _two()
    answer, _, messages = rest(ActionUnsubscribe(), "remove the ledger job", sender="dan")
    assert targets_of("dan") == [RELEASES, LEDGER] and "can't delete" in answer
    (ledger,) = [s for s in store(notify_env).subscriptions("dan") if s.source == "grafana"]
    assert _stop_payloads(messages) == [f'/unsubscribe{{"subscription":"{ledger.id}"}}']
    nothing, _, messages = rest(ActionUnsubscribe(), "delete the card-vault repository", sender="dan")
    assert "can't delete" in nothing and "No notification here was stopped" in nothing
    assert not _stop_payloads(messages)


# -- by reference ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "left"), [
    ("unsubscribe from number 1", [LEDGER]),
    ("stop #2", [RELEASES]),
    ("remove the second one", [RELEASES]),
    ("stop the last one", [RELEASES]),
    ("unsubscribe 1", [LEDGER]),
    ("remove the release one", [LEDGER]),
    ("drop the alert one", [RELEASES]),
])
def test_stopping_by_the_lists_number_or_by_kind(acme: RunningSandbox, text: str,
                                                 left: list) -> None:
    _two()
    answer, slots, _ = rest(ActionUnsubscribe(), text, sender="dan")
    assert answer.startswith("Stopped: "), answer
    assert targets_of("dan") == left
    assert slots[LAST_STOPPED_SLOT] and "pending_confirmation" not in slots


def test_a_number_past_the_list_or_a_kind_with_two_fits_asks(acme: RunningSandbox) -> None:
    _two()
    rest(ActionSubscribe(), "post critical alerts here", sender="dan")
    answer, _, messages = rest(ActionUnsubscribe(), "unsubscribe from number 5", sender="dan")
    assert "There's no number 5" in answer and len(targets_of("dan")) == 3 and len(_stop_payloads(messages)) == 3
    answer, _, messages = rest(ActionUnsubscribe(), "drop the alert one", sender="dan")
    assert "which one should I stop?" in answer and len(targets_of("dan")) == 3
    assert len(_stop_payloads(messages)) == 2


def test_a_reader_cannot_stop_by_number(acme: RunningSandbox, notify_env: Path) -> None:
    rest(ActionSubscribe(), "post ledger alerts here", sender="dan")
    answer, _, _ = rest(ActionUnsubscribe(), "stop number 1", sender=READER)
    assert "Stopped" not in answer and targets_of("dan") == [LEDGER]


# -- a typed undo ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("action", [ActionUnsubscribe, ActionSubscribe])
def test_typed_undo_after_a_stop_restores_it(acme: RunningSandbox, action) -> None:
    _two()
    _, slots, _ = rest(ActionUnsubscribe(), "unsubscribe from number 2", sender="dan")
    assert targets_of("dan") == [RELEASES]
    answer, after, _ = rest(action(), "undo that", sender="dan", slots={LAST_STOPPED_SLOT: slots[LAST_STOPPED_SLOT]})
    assert "I'll post a card to this conversation when a Grafana alert with service=ledger fires" in answer
    assert sorted(targets_of("dan")) == sorted([RELEASES, LEDGER])
    assert after[LAST_STOPPED_SLOT] is None


def test_typed_undo_after_stopping_everything_restores_all(acme: RunningSandbox) -> None:
    _two()
    _, slots, _ = rest(ActionUnsubscribe(), "unsubscribe from everything", sender="dan")
    tracker = make_tracker("yes", "affirm", slots={"pending_confirmation": slots["pending_confirmation"]},
                           sender="dan")
    _, events = run_action(ActionConfirm(), tracker)
    assert targets_of("dan") == []
    (stopped,) = [e["value"] for e in events if e.get("event") == "slot" and e["name"] == LAST_STOPPED_SLOT]
    answer, _, _ = rest(ActionUnsubscribe(), "undo", sender="dan", slots={LAST_STOPPED_SLOT: stopped})
    assert "Back on" in answer and sorted(targets_of("dan")) == sorted([RELEASES, LEDGER])


def test_typed_undo_with_nothing_stopped_changes_nothing(acme: RunningSandbox) -> None:
    _two()
    answer, _, _ = rest(ActionUnsubscribe(), "undo that", sender="dan")
    assert "nothing of mine to undo" in answer and targets_of("dan") == [RELEASES, LEDGER]


def test_a_reader_cannot_undo(acme: RunningSandbox) -> None:
    answer, _, _ = rest(ActionSubscribe(), "undo", sender=READER,
                        slots={LAST_STOPPED_SLOT: ["grafana:firing:service=ledger"]})
    assert "permission" in answer and targets_of(READER) == []


# -- the word tests -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["undo", "undo that", "Undo!", "please undo it", "oops, undo that", "put it back"])
def test_undo_words(text: str) -> None:
    assert is_undo(_ask(text))


@pytest.mark.parametrize("text", ["undo the settlement-engine-ci build", "how do I undo a deploy?", "stop"])
def test_not_undo_words(text: str) -> None:
    assert not is_undo(_ask(text))


@pytest.mark.parametrize("path", [ROOT / "nlu" / "notifications.yml", ROOT / "tests" / "nlu" / "notifications.yml"])
def test_no_real_unsubscribe_phrase_is_taken_for_a_mute_a_deletion_or_a_number(path: Path) -> None:
    examples = training_examples(path, "unsubscribe")
    assert examples
    # The training data teaches mutes ("snooze the alerts for 20 minutes") as unsubscribe on purpose, so the
    # action can answer them; every other phrase must be a plain stop.
    mutes = re.compile(r"\b(silence|mute|snooze|pause)\b")
    misread = [e for e in examples if names_other_thing(_ask(e)) or (time_limited(_ask(e)) and not mutes.search(e))]
    assert misread == []
    numbered = [e for e in examples if list_position(_ask(e), 3) is not None]
    assert all(re.search(r"\d|\b(first|second|third|last)\b", e) for e in numbered), numbered


def test_stop_for_good_is_not_a_mute() -> None:
    assert not time_limited(_ask("stop the settlement-engine-ci notifications for good"))
    assert not time_limited(_ask("stop notifications for settlement-engine-ci"))
    assert time_limited(_ask("silence the ledger alert for an hour"))


def test_clicked_undo_after_typed_stop_clears_the_slot(acme: RunningSandbox) -> None:
    _two()
    _, _, messages = rest(ActionUnsubscribe(), "stop #1", sender="dan")
    (undo,) = [p for t, p in buttons(messages) if t == "Undo"]
    _, slots, _ = click(ActionSubscribe(), undo, sender="dan")
    assert slots[LAST_STOPPED_SLOT] is None and texts([]) == ""
