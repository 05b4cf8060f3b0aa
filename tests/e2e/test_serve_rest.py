"""End to end: `scripts/run.sh serve` (what `make serve` runs) answers over the REST channel.

Needs the trained model; `make test` runs this after training (pytest -m e2e).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.serving import clean_environment, serving

REST = "http://127.0.0.1:5005/webhooks/rest/webhook"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served() -> Iterator[None]:
    with serving(clean_environment("TEAMS_"), "http://127.0.0.1:5005/webhooks/rest/"):
        yield


def ask(text: str, sender: str | None = None) -> list[dict]:
    answer = requests.post(REST, json={"sender": sender or uuid.uuid4().hex, "message": text}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_hi_is_greeted(served) -> None:
    replies = ask("hi")
    assert replies and "opsbot" in replies[0]["text"]


def test_what_can_you_do_lists_examples(served) -> None:
    from actions.capabilities import capabilities

    text = " ".join(r.get("text", "") for r in ask("what can you do?"))
    assert "I'm opsbot" in text
    assert all(c.example in text for c in capabilities())


def test_gibberish_is_answered_not_ignored(served) -> None:
    replies = ask("asdf qwerty")
    text = " ".join(r.get("text", "") for r in replies)
    assert replies, "opsbot stayed silent"
    assert "help" in text.lower()


def test_the_rasa_http_api_is_not_exposed(served) -> None:
    # `--enable-api` would let anyone on the network read trackers and replace the model.
    assert requests.get("http://127.0.0.1:5005/status", timeout=5).status_code == 404


def test_hostile_and_odd_messages_are_answered(served) -> None:
    for text in ["x" * 5000, "why\x00 did\x1b[2J it fail", "", "<script>alert(1)</script>", "🔥🔥 状态?",
                 "../../etc/passwd %2F"]:
        replies = ask(text)
        assert replies, f"no answer to {text[:30]!r}"
        assert all("Traceback" not in (r.get("text") or "") for r in replies)
