"""The Teams conversation store on PostgreSQL (OPSBOT_DB_*): the same contract as SQLite, shared by every
Rasa server. The PostgreSQL cases run under `make test-scale` (which starts a throwaway server and sets
OPSBOT_DB_*); elsewhere they are skipped and the SQLite cases still run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.database import DatabaseSettings
from connector.conversations import ConversationStore, PostgresConversationStore, open_store
from connector.teams import Proactive
from tests.support.teams import credentials_for

DATABASE = DatabaseSettings.from_env()
needs_postgres = pytest.mark.skipif(DATABASE is None, reason="needs PostgreSQL (make test-scale)")

REFERENCE = {
    "activityId": "1712345678901",
    "user": {"id": "29:1user-sam", "name": "Sam Example", "aadObjectId": "aad-sam"},
    "bot": {"id": "28:bot", "name": "opsbot"},
    "conversation": {"id": "19:payments@thread.tacv2", "conversationType": "channel", "tenantId": "acme"},
    "channelId": "msteams",
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
}


def _clear() -> None:
    store = PostgresConversationStore(DATABASE)
    store._run("DELETE FROM conversation_references")
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def two_servers(request, tmp_path: Path) -> Iterator[tuple[ConversationStore, ConversationStore]]:
    """Two stores on the same data, as two Rasa servers (or a server and a notifier) would have."""
    if request.param == "sqlite":
        stores = (ConversationStore(tmp_path / "teams.db"), ConversationStore(tmp_path / "teams.db"))
    else:
        _clear()
        stores = (PostgresConversationStore(DATABASE), PostgresConversationStore(DATABASE))
    yield stores
    for store in stores:
        store.close()


def test_a_reference_saved_by_one_server_is_found_by_the_other(two_servers) -> None:
    one, other = two_servers
    one.save_sync("19:payments@thread.tacv2", REFERENCE)
    one.save_sync("aad-sam", dict(REFERENCE, conversation={"id": "a:1sam", "conversationType": "personal"}))
    found = other.get_sync("19:payments@thread.tacv2")
    assert found is not None and found.tenant_id == "acme" and found.conversation_type == "channel"
    assert "activityId" not in found.reference
    assert other.get_sync("aad-sam").conversation_id == "a:1sam"  # by sender id, the latest conversation
    assert [c.conversation_id for c in other.all_sync()] == ["19:payments@thread.tacv2", "a:1sam"]
    moved = dict(REFERENCE, serviceUrl="https://smba.trafficmanager.net/amer/")
    other.save_sync("19:payments@thread.tacv2", moved)  # the upsert: one row, the new service URL
    assert one.get_sync("19:payments@thread.tacv2").reference["serviceUrl"].endswith("/amer/")
    assert len(one.all_sync()) == 2
    one.delete_sync("a:1sam")
    assert other.get_sync("aad-sam") is None


def test_the_async_api_works_on_both(two_servers) -> None:
    one, other = two_servers

    async def scenario() -> str | None:
        await one.save("aad-sam", REFERENCE)
        found = await other.get("aad-sam")
        return found.conversation_id if found else None

    assert asyncio.run(scenario()) == "19:payments@thread.tacv2"


def test_postgresql_is_chosen_by_the_environment(monkeypatch, tmp_path: Path) -> None:
    for name in ("HOST", "PORT", "NAME", "USER", "PASSWORD", "SSLMODE"):
        monkeypatch.delenv(f"OPSBOT_DB_{name}", raising=False)
    local = open_store(tmp_path / "teams.db")
    assert type(local) is ConversationStore and local.path == tmp_path / "teams.db"
    monkeypatch.setenv("OPSBOT_DB_HOST", "db.internal")
    monkeypatch.setenv("OPSBOT_DB_PORT", "6543")
    monkeypatch.setenv("OPSBOT_DB_PASSWORD", "s3cret-not-logged")
    shared = open_store(tmp_path / "teams.db")  # nothing is connected before first use
    assert isinstance(shared, PostgresConversationStore)
    settings = shared._database.settings
    assert (settings.host, settings.port, settings.name, settings.user) == ("db.internal", 6543, "opsbot", "opsbot")
    assert "s3cret" not in repr(settings) and "s3cret" not in settings.where
    assert not (tmp_path / "teams.db").exists()


def test_no_host_means_no_database() -> None:
    assert DatabaseSettings.from_env({"OPSBOT_DB_NAME": "opsbot"}) is None
    assert DatabaseSettings.from_env({"OPSBOT_DB_HOST": "  "}) is None


@needs_postgres
def test_the_store_reconnects_after_the_database_dropped_it() -> None:
    _clear()
    store = PostgresConversationStore(DATABASE)
    store.save_sync("aad-sam", REFERENCE)
    killer = PostgresConversationStore(DATABASE)
    killed = killer._run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'opsbot' "
                         "AND pid <> pg_backend_pid()")
    assert killed and all(row[0] for row in killed)
    assert store.get_sync("aad-sam") is not None  # one retry on a fresh connection
    store.close()
    killer.close()


@needs_postgres
def test_servers_starting_together_create_the_table_once() -> None:
    dropper = PostgresConversationStore(DATABASE)
    dropper._run("DROP TABLE IF EXISTS conversation_references")
    dropper.close()
    errors: list[BaseException] = []
    stores = [PostgresConversationStore(DATABASE) for _ in range(4)]
    start = threading.Barrier(len(stores))

    def first_use(store: ConversationStore, n: int) -> None:
        try:
            start.wait(10)
            store.save_sync(f"aad-{n}", dict(REFERENCE, conversation={"id": f"a:{n}"}))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(store, n)) for n, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(c.conversation_id for c in stores[0].all_sync()) == ["a:0", "a:1", "a:2", "a:3"]
    for store in stores:
        store.close()


@needs_postgres
def test_the_teams_channel_and_a_notifier_share_postgresql(teams, fake_bf, tmp_path: Path) -> None:
    """A message through one server's Teams channel; a notifier elsewhere posts to that conversation."""
    _clear()
    server = teams(store_path=str(tmp_path / "unused.db"))
    activity = fake_bf.activity("hi")
    server.post(activity)
    fake_bf.wait_messages(1)
    server.stop()
    assert not (tmp_path / "unused.db").exists()  # the references went to PostgreSQL
    proactive = Proactive.from_credentials(credentials_for(fake_bf, fake_bf.base_url, tmp_path / "other.db"))

    async def notify() -> bool:
        sent = await proactive.send(activity["conversation"]["id"], "ledger-service deploy finished")
        await proactive.connector.http.close()
        return sent

    assert asyncio.run(notify())
    assert fake_bf.wait_messages(2)[-1].body["text"] == "ledger-service deploy finished"
