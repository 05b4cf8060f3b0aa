"""Azure AD groups for access.yml's `groups:` roles: looked up in Microsoft Graph (the fake Bot Framework serves
Graph's transitiveMemberOf), never taken from the activity, cached, and harmless when Graph refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from common.access import Identity, policy

OPS_GROUP = "5b1c7a2e-0000-4000-8000-0000000000g1"
ACCESS_WITH_GROUPS = f"""
roles:
  reader: [read]
  builder: [read, build]
default_role: reader
members: {{}}
groups:
  builder: ["{OPS_GROUP}"]
"""


@pytest.fixture()
def group_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.yml"
    path.write_text(ACCESS_WITH_GROUPS)
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(path))
    return path


def graph_calls(fake_bf) -> int:
    stats = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"]
    return sum(n for path, n in stats.items() if "/transitiveMemberOf/" in path)


def roles_of(message) -> set[str]:
    return policy().roles_of(Identity.from_metadata(message.sender_id, message.metadata, "teams"))


def test_a_members_groups_come_from_graph_and_give_the_groups_role(teams, fake_bf, group_access) -> None:
    server = teams()
    activity = fake_bf.activity("build it", conversation_type="personal")
    fake_bf.groups[activity["from"]["aadObjectId"]] = ["other-group", OPS_GROUP]
    server.post(activity)
    (message,) = server.bot.wait(1)
    assert message.metadata["aad_groups"] == ["other-group", OPS_GROUP]
    assert "builder" in roles_of(message)


def test_groups_in_the_activity_are_ignored(teams, fake_bf, group_access) -> None:
    server = teams()
    activity = fake_bf.activity("build it", conversation_type="personal")
    activity["from"]["aadGroups"] = [OPS_GROUP]  # a field anyone could write: no proof of membership
    activity["channelData"]["aadGroups"] = [OPS_GROUP]
    server.post(activity)
    (message,) = server.bot.wait(1)
    assert message.metadata["aad_groups"] == []
    assert roles_of(message) == {"reader"}


def test_every_page_is_read_and_a_users_groups_are_looked_up_once_an_hour(teams, fake_bf, group_access) -> None:
    server = teams()
    first = fake_bf.activity("one", conversation_type="personal")
    user = first["from"]["aadObjectId"]
    fake_bf.groups[user] = [f"group-{i}" for i in range(1200)] + [OPS_GROUP]  # more than one page of 999
    server.post(first)
    server.post(fake_bf.activity("two", conversation_type="personal"))
    messages = server.bot.wait(2)
    assert all(OPS_GROUP in m.metadata["aad_groups"] and len(m.metadata["aad_groups"]) == 1201 for m in messages)
    assert graph_calls(fake_bf) == 2  # two pages, for the first message only


def test_without_the_graph_permission_only_members_and_the_default_role_apply(teams, fake_bf, group_access,
                                                                              caplog) -> None:
    fake_bf.graph_permission = False  # the fixture's reset gives it back
    server = teams()
    activity = fake_bf.activity("build it", conversation_type="personal")
    fake_bf.groups[activity["from"]["aadObjectId"]] = [OPS_GROUP]
    server.post(activity)
    (message,) = server.bot.wait(1)
    assert message.metadata["aad_groups"] == [] and roles_of(message) == {"reader"}
    assert "could not look up a user's groups" in caplog.text and "HTTP 403" in caplog.text


def test_graph_is_not_asked_when_access_yml_names_no_groups(teams, fake_bf, tmp_path, monkeypatch) -> None:
    path = tmp_path / "access.yml"
    path.write_text(ACCESS_WITH_GROUPS.split("groups:")[0] + "groups: {}\n")
    monkeypatch.setenv("OPSBOT_ACCESS_FILE", str(path))
    server = teams()
    server.post(fake_bf.activity("hello", conversation_type="personal"))
    (message,) = server.bot.wait(1)
    assert "aad_groups" not in message.metadata and graph_calls(fake_bf) == 0


def test_a_next_page_outside_graph_is_not_followed(monkeypatch) -> None:
    """Graph's nextLink is followed only on the configured Graph host: the token is never sent elsewhere."""
    import asyncio

    from connector.groups import GroupDirectory
    from tests.support.teams import config_for

    class FakeFake:
        app_id, app_password, tenant_id = "a", "p", ""

    config = config_for(FakeFake(), "http://127.0.0.1:9", Path("unused.db"))  # type: ignore[arg-type]
    directory = GroupDirectory(config, http=None, clock=lambda: 0.0)  # type: ignore[arg-type]

    async def token() -> str:
        return "t"

    pages = iter([{"value": [{"id": "g"}], "@odata.nextLink": "https://evil.example/steal"}])

    class Answer:
        status = 200

        async def json(self, content_type=None):
            return next(pages)

        async def __aenter__(self):
            return self

        async def __aexit__(self, *args):
            return False

    class Session:
        def get(self, url, headers):
            assert url.startswith("http://127.0.0.1:9/")
            return Answer()

    class Http:
        def session(self):
            return Session()

    directory.http = Http()  # type: ignore[assignment]
    monkeypatch.setattr(directory.tokens, "get", token)
    assert asyncio.run(directory.groups("", "user-1")) == ()  # refused: no groups, not a partial list
