"""Arbitrary input never breaks parsing or formatting (property-based, hypothesis)."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.core import fallback_reply
from common.text import clean, code_block, link, safe_url, scrub
from connector.config import TeamsConfig
from connector.inbound import route
from connector.teams_cards import DEFAULT_MAX_TEXT_BYTES, activities_for, utf16_size

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


SHOWN_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
# Text with the characters that matter here over-represented.
_SPECIAL = list("<>[]()*_~`#!/:.%\\\n\r\t\x00\x1b\u202e\u2028 aZ9🚀中")
MARKUP = st.text(alphabet=st.sampled_from(_SPECIAL) | st.characters(), max_size=300)


@settings(max_examples=300)
@given(MARKUP, st.integers(min_value=2, max_value=300))
def test_clean_leaves_one_bounded_line_without_markup(text: str, limit: int) -> None:
    shown = clean(text, limit)
    assert len(shown) <= limit
    assert not SHOWN_CONTROL.search(shown) and "\n" not in shown
    assert not {"<", ">", "`", "*"} & set(shown) and "](" not in shown and "~~" not in shown
    assert not re.match(r"#+(\s|$)", shown)
    assert clean(shown, limit) == shown  # escaping twice changes nothing


@given(MARKUP | st.sampled_from(["javascript:alert(1)", "data:text/html,<b>", "//evil.example/x", "http://",
                                 "https://ok.example/a (b) <c> \"d\"", "HTTPS://OK.example/%2F..%2F"]))
def test_safe_url_is_http_or_nothing(url: str) -> None:
    target = safe_url(url)
    if target:
        assert target.lower().startswith(("http://", "https://"))
        assert not set(target) & set(" ()<>\"'`\\") and not SHOWN_CONTROL.search(target)


@given(MARKUP, MARKUP)
def test_a_card_link_is_one_link_at_most(label: str, url: str) -> None:
    shown = link(label, url)
    assert shown.count("](") <= 1 and "\n" not in shown


@given(st.lists(MARKUP, max_size=8))
def test_log_lines_cannot_leave_their_code_block(lines: list[str]) -> None:
    block = code_block(lines).split("\n")
    fences = [i for i, line in enumerate(block) if line.lstrip().startswith("```")]
    assert fences == [0, len(block) - 1]
    assert not any(SHOWN_CONTROL.search(line) for line in block)


@given(MARKUP)
def test_scrub_opens_no_tag_and_keeps_only_newlines(text: str) -> None:
    shown = scrub(text)
    assert not re.search(r"<[A-Za-z/!?]", shown)
    assert not SHOWN_CONTROL.search(shown.replace("\n", ""))
