"""Incoming text is made safe before Rasa sees it, on every channel."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.guard import MAX_MESSAGE_CHARS, sanitise
from connector.rest import GuardedRestInput, RestDoor, refuse_malformed


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
    channel = GuardedRestInput(RestDoor())
    request = local(json={"sender": "eve", "message": "deploy\x00 prod", "input_channel": "teams",
                          "metadata": {"user_id": "paulo", "tenant_id": "t", "locale": "en",
                                       "conversation_id": "19:ops@thread.tacv2", "truncated_from": 9999,
                                       "verified_identity": True, "timezone": "Europe/Paris"}})
    assert channel._extract_message(request) == "deploy prod"
    assert channel._extract_input_channel(request) == "rest"
    assert asyncio.run(channel._extract_sender(request)) == "rest:eve"  # never a Teams conversation's id
    assert channel.get_metadata(request) == {"user_id": "eve", "conversation_id": "rest:eve",
                                             "verified_identity": True, "timezone": "Europe/Paris"}


def local(**fields) -> SimpleNamespace:
    """A request as curl on this machine sends it."""
    headers = {"host": "127.0.0.1:5005", **fields.pop("headers", {})}
    return SimpleNamespace(headers=headers, conn_info=SimpleNamespace(client_ip=fields.pop("peer", "127.0.0.1")),
                           **fields)


@pytest.mark.parametrize(("door", "trusted"), [
    (RestDoor(), True),  # make serve on one machine, loopback only
    (RestDoor(loopback_only=False), False),  # listening on another address without a token
    (RestDoor(token="t" * 20), False),  # an integration with the token: its senders are just names
    (RestDoor(token="t" * 20, trust_sender=True), True),  # ... unless it is declared a trusted integration
    (RestDoor(token="t" * 20, teams_on=True), False),
])
def test_who_a_rest_sender_is_depends_on_the_door(door: RestDoor, trusted: bool) -> None:
    request = local(json={"sender": "paulo", "message": "yes"})
    assert GuardedRestInput(door).get_metadata(request)["verified_identity"] is trusted


@pytest.mark.parametrize(("request_fields", "trusted"), [
    ({}, True),  # curl on this machine
    ({"headers": {"host": "localhost:5005"}}, True),
    ({"headers": {"host": "[::1]:5005"}}, True),
    ({"headers": {"origin": "https://evil.example"}}, False),  # a web page's fetch()
    ({"headers": {"origin": "null"}}, False),  # a sandboxed page
    ({"headers": {"sec-fetch-site": "cross-site"}}, False),
    ({"headers": {"host": "rebound.evil.example:5005"}}, False),  # DNS rebinding
    ({"headers": {"x-forwarded-for": "203.0.113.9"}}, False),  # a proxy on this machine forwarding
    ({"peer": "192.0.2.10"}, False),  # another machine
])
def test_on_loopback_only_this_machine_itself_names_the_sender(request_fields: dict, trusted: bool) -> None:
    request = local(json={"sender": "paulo", "message": "yes"}, **request_fields)
    assert GuardedRestInput(RestDoor()).get_metadata(request)["verified_identity"] is trusted


def test_a_trusted_integration_needs_a_long_enough_token() -> None:
    with pytest.raises(ValueError, match="needs OPSBOT_REST_TOKEN"):
        RestDoor(trust_sender=True)
    with pytest.raises(ValueError, match="at least 16"):
        RestDoor(token="short")


def test_rest_is_closed_while_teams_is_on_unless_a_token_opens_it() -> None:
    request = local()
    closed = RestDoor(teams_on=True).refusal(request)
    assert closed is not None and closed.status == 403 and "OPSBOT_REST_TOKEN" in json.loads(closed.body)["error"]
    door = RestDoor(token="s3cret-rest-token-0001", teams_on=True)
    assert door.refusal(SimpleNamespace(headers={})).status == 401
    assert door.refusal(SimpleNamespace(headers={"Authorization": "Bearer wrong"})).status == 401
    assert door.refusal(SimpleNamespace(headers={"Authorization": "Bearer s3cret-rest-token-0001"})) is None
    assert door.refusal(SimpleNamespace(headers={"Authorization": "bearer s3cret-rest-token-0001"})) is None
    assert RestDoor().refusal(request) is None


def test_rest_refuses_large_and_deeply_nested_bodies_before_parsing() -> None:
    big = asyncio.run(refuse_malformed(_post(b'{"sender": "x", "message": "' + b"a" * 70_000 + b'"}')))
    assert big is not None and big.status == 413
    bomb = asyncio.run(refuse_malformed(_post(b'{"sender": "x", "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}")))
    assert bomb is not None and bomb.status == 400 and "nested" in json.loads(bomb.body)["error"]


def _post(body: bytes) -> SimpleNamespace:
    return SimpleNamespace(method="POST", path="/webhooks/rest/webhook", body=body)


def test_rest_refuses_a_body_that_is_not_json_with_a_json_error() -> None:
    answer = asyncio.run(refuse_malformed(_post(b"<html>hello</html>")))
    assert answer is not None and answer.status == 400 and json.loads(answer.body)["error"].startswith("the body must")


def test_rest_refuses_a_message_without_a_sender_instead_of_sharing_one_conversation() -> None:
    for body in (b'{"message": "hi"}', b'{"sender": "", "message": "hi"}', b'{"sender": 7, "message": "hi"}',
                 b'["sender", "message"]'):
        answer = asyncio.run(refuse_malformed(_post(body)))
        assert answer is not None and answer.status == 400 and "sender" in json.loads(answer.body)["error"], body


def test_rest_lets_a_well_formed_message_and_other_routes_through() -> None:
    assert asyncio.run(refuse_malformed(_post(b'{"sender": "dan", "message": "hi"}'))) is None
    health = SimpleNamespace(method="GET", path="/webhooks/rest/", body=b"")
    assert asyncio.run(refuse_malformed(health)) is None


def test_the_rest_door_is_really_installed_on_the_blueprint() -> None:
    """Sanic silently ignores `blueprint.middleware(f, "request")`: the door must be registered for real."""
    channel = GuardedRestInput(RestDoor(teams_on=True))

    async def on_new_message(_message) -> None:
        return None

    blueprint = channel.blueprint(on_new_message)
    registered = [(m.middleware, m.attach_to) for m in blueprint._future_middleware]
    assert (channel.refuse_unwelcome, "request") in registered
