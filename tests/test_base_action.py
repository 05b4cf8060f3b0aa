"""The shared question-action behaviour: faults become polite answers, the budget holds, follow-ups."""

from __future__ import annotations

import asyncio
import json

import pytest

from actions import base
from actions.base import ActionFollowUp, Answer, Ask, QuestionAction, choose_reply
from backends.faults import BackendError, Fault
from common.reply import Reply, payload
from common.resolve import Candidate, Resolution, Resolver
from tests.support import make_tracker, run_action, texts


class Failing(QuestionAction):
    action_name = "action_test_failing"
    backend = "Jenkins"
    fault = Fault.UNAUTHORISED

    async def answer(self, ask: Ask) -> Answer:
        raise BackendError("Jenkins", self.fault)


class Crashing(QuestionAction):
    action_name = "action_test_crashing"
    backend = "GitHub"

    async def answer(self, ask: Ask) -> Answer:
        raise RuntimeError("token=ghp_secret in a traceback")


class Slow(QuestionAction):
    action_name = "action_test_slow"
    backend = "Grafana"

    async def answer(self, ask: Ask) -> Answer:
        await asyncio.sleep(5)
        return Answer.of(Reply("late"))


class Echo(QuestionAction):
    action_name = "action_test_echo"
    backend = "Jenkins"

    async def answer(self, ask: Ask) -> Answer:
        return Answer.of(Reply(f"you said {ask.text}"))


def test_backend_fault_is_a_polite_sentence_naming_the_backend() -> None:
    messages, events = run_action(Failing(), make_tracker("is it green"))
    assert "Jenkins" in texts(messages) and "401" in texts(messages)
    assert {"event": "slot", "name": "last_question", "value": "action_test_failing",
            "timestamp": None} in events


def test_unexpected_error_shows_no_internals() -> None:
    messages, _ = run_action(Crashing(), make_tracker("prs?"))
    answer = texts(messages)
    assert "GitHub" in answer and "ghp_secret" not in answer and "RuntimeError" not in answer


def test_answer_budget_turns_a_slow_backend_into_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "ANSWER_BUDGET_SECONDS", 0.2)
    messages, _ = run_action(Slow(), make_tracker("what's firing"))
    assert "Grafana didn't answer in time" in texts(messages)


def test_follow_up_reruns_the_last_question() -> None:
    tracker = make_tracker("and the nightly?", "follow_up", slots={"last_question": "action_test_echo"})
    messages, _ = run_action(ActionFollowUp(), tracker)
    assert texts(messages) == "you said and the nightly?"


def test_follow_up_without_a_previous_question_says_so() -> None:
    messages, _ = run_action(ActionFollowUp(), make_tracker("and the nightly?", "follow_up"))
    assert "Ask me a question first" in texts(messages)


def test_ambiguous_names_become_buttons_that_re_ask_exactly() -> None:
    choices = [Candidate("a/deploy-staging", "deploy-staging"), Candidate("a/deploy-prod", "deploy-prod")]
    reply = choose_reply("job", Resolution(choices=choices), "jenkins_build_status", "job")
    assert [b.title for b in reply.buttons] == ["deploy-staging", "deploy-prod"]
    intent, _, entities = reply.buttons[0].payload[1:].partition("{")
    assert intent == "jenkins_build_status"
    assert json.loads("{" + entities) == {"job": "a/deploy-staging"}


def test_unknown_name_offers_the_closest() -> None:
    reply = choose_reply("job", Resolution(suggestions=[Candidate("petclinic-build", "petclinic-build")]),
                         "jenkins_build_status", "job", said="petclinc-bild")
    assert 'can\'t find a job "petclinc-bild"' in reply.text and "petclinic-build" in reply.text


def test_payload_without_entities() -> None:
    assert payload("help") == "/help"


def test_unknown_name_with_nothing_close_offers_names_that_exist() -> None:
    names = ("alpha", "bravo", "charlie", "delta", "echo", "fox", "golf")
    jobs = [Candidate(f"team/job-{n}", f"job-{n}") for n in names]
    resolution = Resolver(jobs).resolve("billing-service")
    assert not resolution.found and not resolution.suggestions
    reply = choose_reply("job", resolution, "jenkins_build_status", "job", said="billing-service")
    assert 'can\'t find a job "billing-service"' in reply.text and "(of 7)" in reply.text
    assert [b.title for b in reply.buttons] == [j.label for j in jobs[:6]]
    intent, brace, entities = reply.buttons[0].payload[1:].partition("{")
    assert intent == "jenkins_build_status" and json.loads(brace + entities) == {"job": "team/job-alpha"}


def test_unknown_name_with_no_candidates_at_all_says_so() -> None:
    reply = choose_reply("repository", Resolver([]).resolve("payments-api"), "github_issues", "github_repo",
                         said="payments-api")
    assert "none I could suggest" in reply.text and not reply.buttons


class Proposing(QuestionAction):
    action_name = "action_test_proposing"
    follow_up_action = "action_test_echo"
    backend = "Jenkins"

    async def answer(self, ask: Ask) -> Answer:
        return Answer([Reply(text="shall I?")])


def test_a_follow_up_after_a_proposed_change_asks_the_read_question() -> None:
    _, events = run_action(Proposing(), make_tracker("rebuild it"))
    assert {"event": "slot", "name": "last_question", "value": "action_test_echo"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
