"""Who may do what, end to end through the actions: refusals name the permission and roles, only the
requester confirms, every decision is audited, the change rate is limited, and no secret leaks anywhere."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from actions import ratelimit
from actions.confirm import PENDING_SLOT, ActionCancel, ActionConfirm
from actions.jenkins import ActionJenkinsBuildStatus, ActionJenkinsRunBuild, ActionJenkinsWhyFailed
from common import settings as settings_module
from common.access import DEFAULT_ACCESS_FILE
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.jenkins import set_fault
from tests.support.sandbox import TEST_CREDENTIALS


@pytest.fixture(autouse=True)
def demo_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped demo access file; a private audit log; a fresh change-rate limiter."""
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(DEFAULT_ACCESS_FILE))
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(log))
    monkeypatch.setattr(ratelimit, "_limiter", None)
    return log


def audit_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def say(action, text: str, sender: str, slots: dict | None = None, metadata: dict | None = None,
        channel: str = "rest") -> tuple[str, dict]:
    tracker = make_tracker(text, slots=slots, sender=sender, metadata=metadata, channel=channel)
    messages, events = run_action(action, tracker)
    return texts(messages), {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_builder_may_not_deploy_to_production(builds: RunningSandbox, demo_access: Path) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "deploy 3.2.1 to prod", sender="dan")
    assert "build_protected" in answer and "release_manager" in answer
    assert "paulo" not in answer.lower()
    assert not slots.get(PENDING_SLOT)
    assert audit_lines(demo_access)[-1]["decision"] == "refused"


def test_a_reader_may_not_build_and_is_told_who_can(builds: RunningSandbox) -> None:
    answer, slots = say(ActionJenkinsRunBuild(), "build petclinic-build", sender="visitor")
    assert "'build' permission" in answer and "builder" in answer
    assert not slots.get(PENDING_SLOT)
    status, _ = say(ActionJenkinsBuildStatus(), "is petclinic-build green?", sender="visitor")
    assert "#147" in status  # reading is for everyone


def test_in_a_channel_only_the_requester_confirms_and_it_is_audited(builds: RunningSandbox,
                                                                    demo_access: Path) -> None:
    channel = "19:ops@thread.tacv2"
    dan = {"user_id": "dan", "user_name": "Dan", "conversation_id": channel}
    paulo = {"user_id": "paulo", "user_name": "Paulo", "conversation_id": channel}
    _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch main", sender=channel, metadata=dan)
    pending = slots[PENDING_SLOT]
    answer, after = say(ActionConfirm(), "yes", sender=channel, slots={PENDING_SLOT: pending}, metadata=paulo)
    assert "Only Dan can confirm" in answer and PENDING_SLOT not in after
    refused = audit_lines(demo_access)[-1]
    assert (refused["who"], refused["decision"], refused["result"]) == ("paulo", "refused",
                                                                        "not the requester (dan asked)")
    answer, after = say(ActionConfirm(), "yes", sender=channel, slots={PENDING_SLOT: pending}, metadata=dan)
    assert "petclinic-build" in answer and after[PENDING_SLOT] is None
    entry = audit_lines(demo_access)[-1]
    assert (entry["who"], entry["decision"], entry["where"]) == ("dan", "confirmed", f"rest:{channel}")
    assert entry["parameters"]["job"] == "petclinic-build" and "petclinic-build" in entry["result"]


def test_cancel_is_audited(builds: RunningSandbox, demo_access: Path) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build", sender="adam")
    say(ActionCancel(), "no", sender="adam", slots={PENDING_SLOT: slots[PENDING_SLOT]})
    assert audit_lines(demo_access)[-1]["decision"] == "cancelled"


def test_change_rate_limit(builds: RunningSandbox, monkeypatch: pytest.MonkeyPatch, demo_access: Path) -> None:
    monkeypatch.setenv("OPSBOT_CHANGE_RATE", "1")
    monkeypatch.setattr(ratelimit, "_limiter", None)
    for _attempt in range(2):
        _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build", sender="dan")
        answer, _ = say(ActionConfirm(), "yes", sender="dan", slots={PENDING_SLOT: slots[PENDING_SLOT]})
    assert "more than 1 changes a minute" in answer
    assert audit_lines(demo_access)[-1]["result"] == "change rate limit"


def test_a_broken_access_file_refuses_changes(builds: RunningSandbox, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("roles: [this is not a mapping")
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(broken))
    answer, slots = say(ActionJenkinsRunBuild(), "build petclinic-build", sender="dan")
    assert "access file" in answer and not slots.get(PENDING_SLOT)


def test_no_secret_in_replies_logs_or_audit(jenkins: RunningSandbox, demo_access: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    secrets = [TEST_CREDENTIALS[name] for name in ("JENKINS_API_TOKEN", "GITHUB_TOKEN", "GRAFANA_TOKEN")]
    replies = []
    with caplog.at_level(logging.DEBUG):
        replies.append(say(ActionJenkinsBuildStatus(), "is the nightly green", sender="dan")[0])
        replies.append(say(ActionJenkinsWhyFailed(), "why did petclinic-build fail", sender="dan")[0])
        set_fault(jenkins, status=401)
        replies.append(say(ActionJenkinsBuildStatus(), "is petclinic-build green", sender="dan")[0])
        set_fault(jenkins, status=500)
        replies.append(say(ActionJenkinsWhyFailed(), "why did the nightly fail", sender="dan")[0])
        set_fault(jenkins)
        replies.append(say(ActionJenkinsRunBuild(), "deploy to prod", sender="dan")[0])
    assert "401" in replies[2]
    everything = "\n".join([*replies, caplog.text, demo_access.read_text() if demo_access.exists() else ""])
    for secret in secrets:
        assert secret not in everything


def test_the_offer_expires_after_the_configured_time(builds: RunningSandbox, monkeypatch: pytest.MonkeyPatch,
                                                     demo_access: Path) -> None:
    monkeypatch.setenv("OPSBOT_CONFIRM_SECONDS", "0.5")
    settings_module.reset()
    answer, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch main", sender="dan")
    pending = slots[PENDING_SLOT]
    assert "I'll run petclinic-build with BRANCH=main" in answer
    assert pending["expires_at"] - pending["created_at"] == pytest.approx(0.5)
    time.sleep(0.6)
    answer, after = say(ActionConfirm(), "yes", sender="dan", slots={PENDING_SLOT: pending})
    assert answer.startswith("That request expired (I wait 1 s for a yes), so I didn't run petclinic-build")
    assert after[PENDING_SLOT] is None
    entry = audit_lines(demo_access)[-1]
    assert (entry["who"], entry["decision"], entry["parameters"]["job"]) == ("dan", "expired", "petclinic-build")
    assert not any(path.endswith("/build") or "buildWithParameters" in path
                   for path in builds.state("jenkins").counts)


@pytest.mark.parametrize(("value", "seconds"), [(None, 300.0), ("90", 90.0), ("soon", 300.0), ("-5", 300.0)])
def test_the_expiry_setting_defaults_to_five_minutes(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                     seconds: float) -> None:
    if value is None:
        monkeypatch.delenv("OPSBOT_CONFIRM_SECONDS", raising=False)
    else:
        monkeypatch.setenv("OPSBOT_CONFIRM_SECONDS", value)
    assert settings_module.read(settings_module.Shared).confirm_seconds == seconds


def _history_tracker(text: str, sender: str, pending: dict, between: list[tuple[str, str]]):
    """A tracker whose events hold the offer (the pending slot set), then `between` messages (speaker, text), then
    `text` from `sender`."""
    from rasa_sdk import Tracker

    def user(who: str, words: str) -> dict:
        said_by = {"user_id": who, "verified_identity": True}
        return {"event": "user", "text": words, "metadata": said_by, "input_channel": "rest",
                "parse_data": {"text": words, "intent": {"name": "x"}, "entities": [], "metadata": said_by}}

    latest = {"text": text, "intent": {"name": "affirm", "confidence": 1.0}, "entities": [],
              "metadata": {"user_id": sender, "verified_identity": True}}
    events = [user(sender, "please trigger a build"), {"event": "slot", "name": PENDING_SLOT, "value": pending},
              *(user(who, words) for who, words in between), user(sender, text)]
    return Tracker(sender, {PENDING_SLOT: pending}, latest, events, False, None, {}, "action_listen")


def test_a_yes_after_other_messages_shows_the_offer_again_and_runs_nothing(builds: RunningSandbox,
                                                                           demo_access: Path) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch feature/x", sender="dan")
    pending = slots[PENDING_SLOT]
    before = dict(builds.state("jenkins").counts)
    # The amendment was misread as another question: the later bare "yes" doesn't answer the offer.
    tracker = _history_tracker("yes", "dan", pending, [("dan", "actually use release/2.5 instead")])
    messages, events = run_action(ActionConfirm(), tracker)
    answer = texts(messages)
    assert "BRANCH=feature/x" in answer and "Shall I?" in answer and "Nothing has run yet" in answer
    assert dict(builds.state("jenkins").counts) == before  # nothing queued
    fresh = next(e["value"] for e in events if e.get("name") == PENDING_SLOT)
    assert fresh["params"] == pending["params"] and fresh["created_at"] > pending["created_at"]
    entry = audit_lines(demo_access)[-1]
    assert (entry["who"], entry["decision"]) == ("dan", "asked again")
    # The yes that answers the re-shown offer runs it.
    tracker = _history_tracker("yes", "dan", fresh, [])
    answer = texts(run_action(ActionConfirm(), tracker)[0])
    assert "petclinic-build" in answer and audit_lines(demo_access)[-1]["decision"] == "confirmed"


def test_other_peoples_messages_do_not_make_the_requesters_yes_stale(builds: RunningSandbox,
                                                                    demo_access: Path) -> None:
    _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch main", sender="dan")
    tracker = _history_tracker("yes", "dan", slots[PENDING_SLOT], [("paulo", "is the nightly green?")])
    run_action(ActionConfirm(), tracker)
    assert audit_lines(demo_access)[-1]["decision"] == "confirmed"


def test_a_doubtful_no_keeps_the_offer(builds: RunningSandbox, demo_access: Path) -> None:
    """"switch the target to live" read as a no at 0.48 must not throw away what the person set up."""
    _, slots = say(ActionJenkinsRunBuild(), "build petclinic-build on branch main", sender="adam")
    pending = slots[PENDING_SLOT]
    tracker = make_tracker("switch the target to live", "deny", slots={PENDING_SLOT: pending}, sender="adam")
    tracker.latest_message["intent"]["confidence"] = 0.48
    messages, events = run_action(ActionCancel(), tracker)
    assert "not sure that was a no" in texts(messages) and "petclinic-build" in texts(messages)
    assert not [e for e in events if e.get("name") == PENDING_SLOT]  # the offer still waits
    assert all(line["decision"] != "cancelled" for line in audit_lines(demo_access))
    answer, after = say(ActionCancel(), "no", sender="adam", slots={PENDING_SLOT: pending})
    assert "cancelled" in answer and after[PENDING_SLOT] is None
