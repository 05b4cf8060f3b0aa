"""Which tool a subscription is for (UAT finding 10): "release" alone doesn't make it GitHub.

In the Acme world a Jenkins job `card-vault-release` builds releases of the GitHub repository `acme/card-vault`,
which publishes releases: "…finishes/fails/build" is the job, "…is published/tagged/new release" the
repository's releases, and when the words don't decide the user picks (buttons), nothing is subscribed first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.base import Ask
from actions.subscription_words import source_for
from actions.subscriptions import ActionSubscribe
from sandbox.server import RunningSandbox
from tests.support.subscriptions import buttons, click, rest, targets

JOB = ("jenkins", "card-vault-release")
RELEASES = ("github", "acme/card-vault", "releases")


@pytest.mark.parametrize(("text", "entities", "expected"), [
    # the tester's message, with the entities DIET gave it
    ("notify me when the card vault release finishes", [{"entity": "dashboard", "value": "card"},
                                                        {"entity": "job", "value": "release"}], (*JOB, "finished")),
    ("notify me when the card vault release finishes", [], (*JOB, "finished")),
    ("tell us when the card vault release build fails", [], (*JOB, "failed")),
    ("ping us when card-vault-release starts", [], (*JOB, "started")),
    ("tell us when a new card-vault release is published", [], RELEASES),
    ("let us know when card vault is tagged", [], RELEASES),
    ("let us know about new releases of card-vault", [], RELEASES),
])
def test_the_words_decide_between_the_job_and_the_repositorys_releases(
        acme: RunningSandbox, notify_env: Path, text: str, entities: list[dict],
        expected: tuple[str, str, str]) -> None:
    answer, _, _ = rest(ActionSubscribe(), text, sender="dan", entities=entities)
    assert targets(notify_env, "dan") == [expected], answer


def test_when_the_words_dont_decide_it_asks_and_a_click_subscribes(acme: RunningSandbox,
                                                                   notify_env: Path) -> None:
    answer, _, messages = rest(ActionSubscribe(), "notify us about the card vault release", sender="dan")
    assert targets(notify_env, "dan") == []
    assert "card-vault-release fails (Jenkins)" in answer and "a release of acme/card-vault is published (GitHub)" \
        in answer
    payloads = dict(buttons(messages))
    jenkins = payloads["Jenkins: card-vault-release fails"]
    github = payloads["GitHub: a release of acme/card-vault is published"]
    click(ActionSubscribe(), jenkins, sender="dan")
    assert targets(notify_env, "dan") == [(*JOB, "failed")]
    click(ActionSubscribe(), github, sender="dan")
    assert targets(notify_env, "dan") == [(*JOB, "failed"), RELEASES]


def test_a_name_only_one_tool_has_needs_no_question(acme: RunningSandbox, notify_env: Path) -> None:
    answer, _, _ = rest(ActionSubscribe(), "notify us about the reconciliation nightly", sender="dan")  # no repo
    assert targets(notify_env, "dan") == [("jenkins", "reconciliation-nightly", "failed")], answer


@pytest.mark.parametrize(("text", "expected"), [
    ("notify me when the card vault release finishes", "jenkins"),
    ("tell me when the release job fails", "jenkins"),
    ("tell us when a new card-vault release is published", "github"),
    ("let us know about new releases of card-vault", "github"),
    ("tell us when CI fails on card-vault", "github"),
    ("notify us about the card vault release", None),
    ("tell me when a release of card-vault is published and the build finishes", None),
    ("post firing critical alerts here", "grafana"),
])
def test_source_words(text: str, expected: str | None) -> None:
    assert source_for(Ask(text, "subscribe", {}, {}, "rest", "dan")) == expected
