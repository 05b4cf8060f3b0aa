"""A change is proposed only from a verb or a button: a bare name read as "run a build" gets the job's status.

Property-style: every live job of two worlds (their names never appear here), each wrapped the ways people
type a bare name, sent to the run-build action as if the NLU had read it as a build request, by someone who
may build. None may be offered; the same names with a verb are.
"""

from __future__ import annotations

import asyncio

import pytest

from actions.confirm import PENDING_SLOT
from actions.jenkins import DRAFT_SLOT, ActionJenkinsRunBuild
from backends.jenkins.service import service as jenkins_service
from common.change_words import asks_for_change
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts

BUILDERS = """
roles: {reader: [read], builder: [read, build, build_protected]}
members: {builder: [dan]}
"""
BARE = ("{job}?", "{job}??", "{job} status", "hey bot {job}", "{short}?", "what about {job}", "{job} pls",
        "and {short}?", "@opsbot {job}")
VERBS = ("run {job}", "kick off {job}", "rebuild {job}", "please build {job}", "trigger {short} again")


@pytest.fixture(autouse=True)
def builders(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "access.yml"
    path.write_text(BUILDERS)
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(path))


def live_jobs() -> list[str]:
    return [j.full_name for j in asyncio.run(jenkins_service().jobs()) if not j.is_folder]


def ask_to_build(text: str) -> tuple[str, dict]:
    tracker = make_tracker(text, "jenkins_run_build", sender="room", metadata={"user_id": "dan"})
    messages, events = run_action(ActionJenkinsRunBuild(), tracker)
    return texts(messages), {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def offered(slots: dict) -> bool:
    return bool(slots.get(PENDING_SLOT)) or bool(slots.get(DRAFT_SLOT))


@pytest.mark.parametrize("world", ["jenkins", "acme"])
def test_a_bare_name_is_never_offered_as_a_build(world: str, request: pytest.FixtureRequest) -> None:
    sandbox: RunningSandbox = request.getfixturevalue(world)
    jobs = live_jobs()
    assert len(jobs) >= 4
    posts_before = sum(n for path, n in sandbox.state("jenkins").counts.items() if "/build" in path)
    for job in jobs:
        for wrapper in BARE:
            text = wrapper.format(job=job, short=job.rsplit("/", 1)[-1])
            answer, slots = ask_to_build(text)
            assert not offered(slots), f"{text!r} was offered as a change: {answer}"
            assert "Shall I" not in answer and "I'll run" not in answer, text
    assert sum(n for path, n in sandbox.state("jenkins").counts.items() if "/build" in path) == posts_before


@pytest.mark.parametrize("world", ["jenkins", "acme"])
def test_the_same_names_with_a_verb_are_offered(world: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(world)
    for job in live_jobs()[:6]:
        for wrapper in VERBS:
            text = wrapper.format(job=job, short=job.rsplit("/", 1)[-1])
            answer, slots = ask_to_build(text)
            assert offered(slots) or "disabled" in answer, f"{text!r} was not offered: {answer}"


@pytest.mark.parametrize(("text", "names", "change"), [
    ("petclinic-build?", ["petclinic-build"], False),
    ("build petclinic-build", ["petclinic-build"], True),
    ("can you build the petclinic build", ["petclinic-build"], True),
    ("the staging deploy?", ["petclinic-deploy-staging"], False),
    ("deploy 3.2.1 to staging", ["petclinic-deploy-staging"], True),
    ("push 3.2.1-rc1 out to production", ["petclinic-deploy-prod"], True),
    ("is the release job ok", ["card-vault-release"], False),
    ("I'd like to rehearse the card vault release 1.9.2", ["card-vault-release"], True),
    ("could you check petclinic-build?", ["petclinic-build"], False),
    ("delete the petclinic-nightly job", ["petclinic-nightly"], False),  # not a verb opsbot offers
    ('/jenkins_run_build{"job":"petclinic-build"}', ["petclinic-build"], True),  # a button
])
def test_what_counts_as_asking_for_a_change(text: str, names: list[str], change: bool) -> None:
    assert asks_for_change(text, names) is change


def test_a_change_opsbot_does_not_make_is_said_plainly_and_never_turned_into_a_build(jenkins) -> None:
    for text in ("delete the petclinic-nightly job", "disable petclinic-build", "please remove petclinic-nightly"):
        answer, slots = ask_to_build(text)
        assert answer.startswith("I can't ") and "Nothing was changed" in answer, answer
        assert not offered(slots)


def test_a_question_is_never_a_yes(jenkins) -> None:
    from actions.confirm import ActionConfirm

    _, slots = ask_to_build("run petclinic-build")
    offer = slots[PENDING_SLOT]
    posts_before = sum(n for path, n in jenkins.state("jenkins").counts.items() if path.endswith("/build"))
    for question in ("is evrything ok?", "what happens then?", "anything running on it"):
        tracker = make_tracker(question, "affirm", slots={PENDING_SLOT: offer}, sender="room",
                               metadata={"user_id": "dan"})
        messages, events = run_action(ActionConfirm(), tracker)
        answer = texts(messages)
        assert answer.startswith("That sounds like a question, so I haven't done it: I'd run petclinic-build")
        offer = next(e["value"] for e in events if e.get("name") == PENDING_SLOT)
        assert offer and offer["params"]["job"] == "petclinic-build"  # still waiting for a real yes
    assert sum(n for path, n in jenkins.state("jenkins").counts.items() if path.endswith("/build")) == posts_before
