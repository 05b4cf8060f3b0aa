"""The rules of "who may do what" (issue 9), as conversations that hold on every channel: each function talks
to a running stack through a `Chat` (REST or Teams) and checks the answers and the audit log. The channel
modules (test_serve_rest.py, test_teams_serve.py) run them, and add what only their channel has."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.chat import (
    BUILDER,
    BUSY,
    CHANGE_RATE,
    CONFIRM_SECONDS,
    LATE,
    READER,
    RELEASE_MANAGER,
    STRANGER,
    Chat,
    Person,
    jenkins_fault,
    last_decision,
    new_thread,
)

# What the Pet Clinic world says about the nightly (no test here builds it, so it stays so).
LAST_BUILD = "petclinic-nightly #301 passed"
STATUS = "is petclinic-nightly green?"


def who(chat: Chat, person: Person) -> str:
    """The person as the audit log names them: the sender id on REST, the AAD object id in Teams."""
    return person.key if chat.channel == "rest" else person.aad


def where(chat: Chat) -> str:
    """Teams: a fresh channel thread (several people, one conversation); REST: the sender's own."""
    return new_thread() if chat.channel == "teams" else ""


def unknown_user_is_refused(chat: Chat) -> None:
    answer = chat.say(STRANGER, STATUS)
    assert "Sorry, I can't answer you here: you are not on opsbot's access list" in answer
    assert "'read' permission is granted to the roles" in answer and "reader" in answer
    assert LAST_BUILD not in answer


def reader_may_not_build(chat: Chat, audit: Path) -> None:
    thread = where(chat)
    answer = chat.say(READER, "build petclinic-build on branch main", thread)
    assert "that needs the 'build' permission" in answer and "builder" in answer, answer
    assert "Shall I?" not in answer
    assert not any(person.name in answer for person in (BUILDER, RELEASE_MANAGER))  # roles, never people
    assert last_decision(audit, who(chat, READER)) == ("refused", "missing permission build")
    assert LAST_BUILD in chat.say(READER, STATUS, thread)  # reading is fine


def production_needs_a_release_manager(chat: Chat, audit: Path) -> None:
    """A builder may not run a protected job (*-deploy-prod); a release manager is offered it, with exactly the
    job and parameters, and may still say no."""
    deploy = "deploy petclinic-deploy-prod with VERSION=3.2.0 CHANGE_TICKET=CHG-7"
    refused = chat.say(BUILDER, deploy, where(chat))
    assert "that needs the 'build_protected' permission" in refused and "release_manager" in refused, refused
    assert last_decision(audit, who(chat, BUILDER)) == ("refused", "missing permission build_protected")
    thread = where(chat)
    offer = chat.say(RELEASE_MANAGER, deploy, thread)
    assert "I'll run petclinic-deploy-prod with VERSION=3.2.0, CHANGE_TICKET=CHG-7" in offer, offer
    assert "expires in" in offer
    assert "OK, cancelled: I won't run petclinic-deploy-prod" in chat.say(RELEASE_MANAGER, "no", thread)
    assert last_decision(audit, who(chat, RELEASE_MANAGER)) == ("cancelled", "")


def an_offer_expires(chat: Chat, audit: Path) -> None:
    thread = where(chat)
    assert "I'll run petclinic-nightly" in chat.say(LATE, "build petclinic-nightly", thread)
    time.sleep(CONFIRM_SECONDS + 1)
    answer = chat.say(LATE, "yes", thread)
    assert "That request expired" in answer and "so I didn't run petclinic-nightly" in answer, answer
    assert last_decision(audit, who(chat, LATE)) == ("expired", "")


def changes_are_rate_limited(chat: Chat, audit: Path) -> None:
    thread = where(chat)
    for _ in range(CHANGE_RATE):
        assert "I'll run platform/terraform-plan" in chat.say(BUSY, "run terraform plan", thread)
        started = chat.say(BUSY, "yes", thread)
        assert "platform/terraform-plan" in started and "changes a minute" not in started, started
        assert last_decision(audit, who(chat, BUSY))[0] == "confirmed"
    chat.say(BUSY, "run terraform plan", thread)
    held = chat.say(BUSY, "yes", thread)
    assert f"That's more than {CHANGE_RATE} changes a minute from you, so I'm holding this one" in held, held
    assert last_decision(audit, who(chat, BUSY)) == ("refused", "change rate limit")


def a_long_message_is_answered(chat: Chat, person: Person) -> None:
    """Over 2,000 characters: answered (from its beginning) and told that only the beginning was read."""
    answer = chat.say(person, STATUS + " " + "blah " * 800, where(chat))
    assert "Your message was 4,027 characters long; I read only its first 2,000." in answer, answer[:500]
    assert "Traceback" not in answer and "went wrong" not in answer


def odd_messages_are_answered(chat: Chat, person: Person) -> None:
    """Control characters are dropped; HTML, emoji, other scripts and `../` are answered without harm."""
    thread = where(chat)
    assert LAST_BUILD in chat.say(person, "is\x00 petclinic-nightly\x1b[2J\u202e green?", thread)
    for text in ("<script>alert(1)</script>", "🔥🔥 状态?", "../../etc/passwd %2F", "[click](http://evil.example)"):
        answer = chat.say(person, text, thread)
        assert answer.strip() and "Traceback" not in answer
        assert "<script" not in answer and "](http://evil" not in answer


def a_backend_failure_is_explained(chat: Chat, person: Person) -> None:
    """Jenkins refusing the token, then failing: the answer names Jenkins and the problem, nothing more."""
    try:
        jenkins_fault(status=401)
        assert "Jenkins rejected my credentials (401)" in chat.say(person, "is petclinic-build green?", where(chat))
        jenkins_fault(status=500, paths="/job/")
        assert "Jenkins" in chat.say(person, "why did the nightly fail?", where(chat))
    finally:
        jenkins_fault()
