"""Incoming text is made safe before Rasa sees it, on every channel."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from connector.guard import MAX_MESSAGE_CHARS, sanitise
from connector.rest import GuardedRestInput


def test_control_characters_and_whitespace() -> None:
    assert sanitise("is\x00 the\x1b[31m nightly\u202e green?\n\t") == ("is the [31m nightly green?", {})


def test_long_messages_are_cut_at_a_word_and_noted() -> None:
    message = "why did petclinic-build fail" + " blah" * 1000
    text, notes = sanitise(message)
    assert len(text) <= MAX_MESSAGE_CHARS and text.startswith("why did petclinic-build fail")
    assert text.endswith("blah") and notes == {"truncated_from": len(message)}


def test_not_text_at_all() -> None:
    assert sanitise(None) == ("", {})
    assert sanitise({"a": 1})[0] == "{'a': 1}"


@given(st.text(max_size=5000))
def test_any_text_comes_out_bounded_and_printable(text: str) -> None:
    cleaned, _ = sanitise(text)
    assert len(cleaned) <= MAX_MESSAGE_CHARS
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert cleaned == cleaned.strip()


def test_rest_channel_drops_spoofed_identity_and_channel() -> None:
    channel = GuardedRestInput()
    request = SimpleNamespace(json={"sender": "eve", "message": "deploy\x00 prod", "input_channel": "teams",
                                    "metadata": {"user_id": "paulo", "tenant_id": "t", "locale": "en"}})
    assert channel._extract_message(request) == "deploy prod"
    assert channel._extract_input_channel(request) == "rest"
    assert channel.get_metadata(request) == {"locale": "en"}
