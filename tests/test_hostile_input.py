"""Arbitrary input never breaks parsing or formatting (property-based, hypothesis)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.core import fallback_reply
from actions.render.text import clean
from connector.config import TeamsConfig
from connector.inbound import route
from connector.render import DEFAULT_MAX_TEXT_BYTES, activities_for, utf16_size

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
CONFIG = TeamsConfig.from_credentials({"app_id": "app-123", "app_password": "pw"})


def activity_like() -> st.SearchStrategy[dict]:
    """Activities with the real keys, each holding anything at all."""
    keys = ["type", "id", "text", "value", "from", "recipient", "conversation", "channelData", "entities",
            "serviceUrl", "channelId", "attachments", "membersAdded", "name", "replyToId"]
    return st.dictionaries(st.sampled_from(keys), JSON, max_size=10)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(activity_like())
def test_any_activity_is_routed_without_raising(activity: dict) -> None:
    routed = route(activity, CONFIG)
    assert 200 <= routed.status < 500
    if routed.turn is not None:
        assert isinstance(routed.turn.text, str) and len(routed.turn.text) <= 2000


@settings(max_examples=200)
@given(st.text(max_size=3000), st.lists(st.fixed_dictionaries({"title": st.text(max_size=40),
                                                                 "payload": st.text(max_size=80)}), max_size=8))
def test_any_reply_formats_into_valid_teams_activities(text: str, buttons: list[dict]) -> None:
    message = {"text": text, "buttons": buttons} if buttons else {"text": text}
    for activity in activities_for(message, personal=False):
        json.dumps(activity)  # serialisable
        if activity.get("text"):
            assert utf16_size(activity["text"]) <= DEFAULT_MAX_TEXT_BYTES


@given(st.text(max_size=500))
def test_echoed_user_text_carries_no_html_links_or_control_characters(said: str) -> None:
    reply = fallback_reply(said)
    echoed = clean(said, 80)
    assert "<" not in echoed and ">" not in echoed and "](" not in echoed
    assert not any(ord(c) < 0x20 for c in reply.text)
    json.dumps(reply.card)
