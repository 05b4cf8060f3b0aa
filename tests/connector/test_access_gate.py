"""Who may use opsbot at all, checked by every channel before Rasa hears a message (connector.guard.admitted):
unknown users and other tenants get a polite refusal naming what is missing; everyone else goes through."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connector.guard import BROKEN_ACCESS_FILE, admitted, refusal_for, sanitise

TENANT = "72f988bf-0000-4000-8000-0000000000aa"  # the fake Bot Framework's tenant
ACCESS = f"""
roles: {{reader: [read], builder: [read, build]}}
default_role: null
tenants: ["{TENANT}"]
members: {{reader: [bob, "6a1b2c3d-0000-4000-8000-00000000a001"], builder: [gate.keeper@contoso.example]}}
"""


@pytest.fixture()
def listed_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An access file that admits listed members of one tenant only."""
    path = tmp_path / "access.yml"
    path.write_text(ACCESS)
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(path))
    return path


def test_members_of_the_tenant_are_admitted(listed_only: Path) -> None:
    assert refusal_for("19:channel", {"user_id": "bob", "tenant_id": TENANT, "verified_identity": True},
                       "teams") is None
    assert refusal_for("19:channel", {"user_id": "aad-x", "user_principal_name": "Gate.Keeper@Contoso.example",
                                      "tenant_id": TENANT, "verified_identity": True}, "teams") is None


def test_an_unknown_user_is_told_what_is_missing_and_who_has_it(listed_only: Path) -> None:
    refusal = refusal_for("19:channel", {"user_id": "carol", "user_name": "Carol", "tenant_id": TENANT})
    assert refusal == ("Sorry, I can't answer you here: you are not on opsbot's access list. The 'read' permission "
                       "is granted to the roles builder, reader in opsbot's access file; ask an opsbot admin.")


def test_another_tenant_is_refused_even_for_a_listed_user(listed_only: Path) -> None:
    refusal = refusal_for("19:channel", {"user_id": "bob", "tenant_id": "another-tenant"})
    assert refusal is not None and "your organisation (Teams tenant) is not allowed to use opsbot here" in refusal


def test_tenants_are_about_teams_users(listed_only: Path) -> None:
    """REST and shell senders have no tenant and are judged by their id; a Teams user without one is refused."""
    assert refusal_for("bob", {"verified_identity": True}, "rest") is None
    assert refusal_for("19:channel", {"user_id": "bob", "verified_identity": True}, "teams") is not None


def test_a_broken_access_file_refuses_everyone(listed_only: Path) -> None:
    listed_only.write_text("roles: [not, a, mapping")
    assert refusal_for("bob", {}) == BROKEN_ACCESS_FILE


def test_a_refused_message_never_reaches_rasa(listed_only: Path) -> None:
    heard: list[str] = []

    async def rasa(message: UserMessage) -> None:
        heard.append(message.text or "")

    gate = admitted(rasa)
    carol, bob = CollectingOutputChannel(), CollectingOutputChannel()
    asyncio.run(gate(UserMessage("build it", carol, "carol", input_channel="rest", metadata={})))
    asyncio.run(gate(UserMessage("is it green?", bob, "bob", input_channel="rest",
                                 metadata={"verified_identity": True})))
    assert heard == ["is it green?"]
    assert [m["text"] for m in carol.messages] == [refusal_for("carol", {})]
    assert bob.messages == []


def test_a_cut_message_is_answered_and_the_cut_is_said(listed_only: Path) -> None:
    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"answer to {len(message.text or '')}")

    text, notes = sanitise("is the nightly green? " + "x " * 3000)
    output = CollectingOutputChannel()
    asyncio.run(admitted(rasa)(UserMessage(text, output, "bob", input_channel="rest",
                                           metadata={**notes, "verified_identity": True})))
    assert [m["text"] for m in output.messages] == [
        f"answer to {len(text)}",
        "(Your message was 6,021 characters long; I read only its first 2,000. Ask one thing at a time, or paste "
        "long logs as a link.)"]
    assert notes == {"truncated_from": 6021}  # counted once the spaces at its end are gone


def test_a_listed_name_that_no_channel_verified_gets_only_the_default_role(listed_only: Path) -> None:
    """A REST sender or a forged tracker naming "bob" is not bob (default_role here: none, so refused)."""
    assert refusal_for("bob", {}, "rest") is not None
    assert refusal_for("bob", {"verified_identity": False}, "rest") is not None
    assert refusal_for("bob", {"verified_identity": "yes"}, "rest") is not None  # only a real True counts
    assert refusal_for("bob", {"verified_identity": True}, "socketio") is not None  # a channel that can't verify
    assert refusal_for("bob", {}, "cmdline") is not None  # the shell, outside make demo


def test_teams_refuses_a_stranger_politely_over_the_bot_framework(listed_only: Path, teams, fake_bf) -> None:
    server = teams()
    stranger = fake_bf.activity("is the nightly green?", user_id="29:carol", user_name="Carol",
                                aad_object_id="aad-carol")
    assert server.post(stranger).status_code == 200
    assert fake_bf.wait_for(lambda f: bool(f.delivered("message")), 20)
    server.drain()
    assert server.bot.messages == []  # Rasa never heard it
    reply = fake_bf.delivered("message")[0].body
    assert "not on opsbot's access list" in reply["text"] and "'read' permission" in reply["text"]
    assert reply["replyToId"] == stranger["id"]


def test_teams_admits_a_listed_member_by_upn(listed_only: Path, teams, fake_bf) -> None:
    server = teams()
    # the fake directory's UPN for "Gate Keeper" is gate.keeper@contoso.example; the access file names that
    keeper = fake_bf.activity("hi", user_id="29:1user-gate-keeper", user_name="Gate Keeper", aad_object_id="aad-gk")
    assert server.post(keeper).status_code == 200
    message = server.bot.wait(1)[0]
    server.drain()
    assert message.text == "hi" and message.metadata["user_principal_name"] == "gate.keeper@contoso.example"
    assert json.dumps([r.body for r in fake_bf.delivered("message")]).count("echo: hi") == 1
