"""The notifications store's contract, on SQLite always and on PostgreSQL (OPSBOT_DB_*) when one is there:
`make test-scale` starts a throwaway server and sets OPSBOT_DB_*; elsewhere the PostgreSQL cases are skipped.
Two store objects on the same data stand for two servers (or a server and its successor)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends.events import Event
from backends.jenkins.source import BUILD_FINISHED, JENKINS
from common.database import DatabaseSettings
from notifications.store import LEASE_SECONDS, NotifyStore, PostgresNotifyStore, open_notify_store

DATABASE = DatabaseSettings.from_env()
needs_postgres = pytest.mark.skipif(DATABASE is None, reason="needs PostgreSQL (make test-scale)")
TABLES = ("notify_outbox", "notify_events", "notify_deliveries", "notify_addresses", "notify_subscriptions")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def failed_build(number: int, job: str = "petclinic-build") -> Event:
    return Event(JENKINS, BUILD_FINISHED, f"jenkins:{job}:{number}", job, f"https://ci/job/{job}/{number}/",
                 "failed", data={"result": "FAILURE", "number": number})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def stores(request, tmp_path: Path) -> Iterator[tuple[NotifyStore, NotifyStore, Clock]]:
    clock = Clock()
    if request.param == "sqlite":
        pair = (NotifyStore(tmp_path / "notify.db", clock), NotifyStore(tmp_path / "notify.db", clock))
    else:
        cleaner = PostgresNotifyStore(DATABASE)
        for table in TABLES:
            cleaner._read(f"DELETE FROM {table}")
        cleaner.close()
        pair = (PostgresNotifyStore(DATABASE, clock), PostgresNotifyStore(DATABASE, clock))
    yield (*pair, clock)
    for store in pair:
        store.close()


def test_subscribe_list_and_unsubscribe(stores) -> None:
    one, other, _ = stores
    first, new = one.subscribe("19:team", JENKINS, "petclinic-build", "failed", label="petclinic-build")
    assert new and first.id and first.label == "petclinic-build"
    again, new = other.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    assert not new and again == first  # the same subscription, kept as it was
    second, _ = one.subscribe("19:team", JENKINS, "", "finished")
    mine, _ = other.subscribe("a:sam", JENKINS, "petclinic-build", "failed")
    assert [s.id for s in other.subscriptions("19:team")] == [first.id, second.id]
    assert len(one.subscriptions()) == 3
    assert other.unsubscribe("19:team", [second.id, mine.id]) == [second]  # only that conversation's
    assert [s.id for s in one.subscriptions()] == [first.id, mine.id]


def test_an_event_is_delivered_once_per_conversation(stores) -> None:
    one, other, _ = stores
    for conversation in ("19:team", "a:sam"):
        one.subscribe(conversation, JENKINS, "petclinic-build", "failed")
    one.subscribe("19:team", JENKINS, "", "finished")  # two matching subscriptions, still one post there
    receipt = one.receive([failed_build(148)], delivery="d-1")
    assert (receipt.events, receipt.queued) == (1, 2)
    claimed = other.claim_due()
    assert sorted(row.conversation for row in claimed) == ["19:team", "a:sam"]
    for row in claimed:
        other.mark_sent(row, f"activity-{row.conversation}")
    assert one.claim_due() == [] and other.claim_due() == []
    assert {row["state"] for row in one.outbox()} == {"sent"} and one.counts() == {"sent": 2}


def test_a_duplicate_event_or_delivery_is_ignored(stores) -> None:
    one, other, _ = stores
    one.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    assert one.receive([failed_build(148)], delivery="d-1").queued == 1
    again = other.receive([failed_build(148)], delivery="d-1")  # GitHub-style redelivery, other server
    assert again.duplicate_delivery and again.queued == 0
    resent = other.receive([failed_build(148), failed_build(149)], delivery="d-2")  # same build, new request
    assert (resent.events, resent.duplicates, resent.queued) == (1, 1, 1)
    assert [row["event_key"] for row in one.outbox()] == ["jenkins:petclinic-build:148", "jenkins:petclinic-build:149"]


def test_two_claimers_never_get_the_same_row(stores) -> None:
    one, other, _ = stores
    for n in range(20):
        one.subscribe(f"19:channel-{n}", JENKINS, "petclinic-build", "failed")
    assert one.receive([failed_build(n) for n in range(10)]).queued == 200
    taken: dict[NotifyStore, list[tuple[str, str]]] = {one: [], other: []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def claim(store: NotifyStore) -> None:
        try:
            start.wait(10)
            while rows := store.claim_due(7):
                taken[store].extend(row.key for row in rows)
                assert {row.claimed_by for row in rows} == {store.claimer}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=claim, args=(store,)) for store in (one, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert not set(taken[one]) & set(taken[other])
    assert len(taken[one]) + len(taken[other]) == 200 == len(set(taken[one]) | set(taken[other]))
    assert one.counts() == {"sending": 200}


def test_rows_left_sending_are_taken_again_only_when_the_lease_expired(stores) -> None:
    one, other, clock = stores
    one.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    one.receive([failed_build(148)])
    [row] = one.claim_due()  # `one` is posting it (or died doing so)
    clock.now += 60
    assert other.recover() == 0 and other.claim_due() == []  # a live claim is left alone, even at start-up
    clock.now += LEASE_SECONDS
    [again] = other.claim_due()  # the lease expired: posted again
    assert again.key == row.key and again.claimed_by == other.claimer != row.claimed_by
    one.mark_sent(row, "late")  # the first claimer finishing late does not overwrite the new claim
    assert one.outbox()[0]["state"] == "sending"
    other.mark_sent(again, "activity-1")
    assert one.outbox()[0]["state"] == "sent" and one.outbox()[0]["activity_id"] == "activity-1"


def test_recover_at_start_up_takes_expired_leases_and_closed_claimers(stores) -> None:
    one, other, clock = stores
    one.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    one.receive([failed_build(148), failed_build(149)])
    first = one.claim_due(1)
    clock.now += LEASE_SECONDS + 1
    assert other.recover() == 1 and [r.key for r in other.claim_due()] == [first[0].key, ("jenkins:petclinic-build"
                                                                                           ":149", "19:team")]
    other.close()  # this process stopped using it: its claims are abandoned at once, no lease to wait for
    assert one.recover() == 2 and len(one.claim_due()) == 2


def test_postgresql_is_chosen_by_the_environment(monkeypatch, tmp_path: Path) -> None:
    for name in ("HOST", "PORT", "NAME", "USER", "PASSWORD", "SSLMODE"):
        monkeypatch.delenv(f"OPSBOT_DB_{name}", raising=False)
    local = open_notify_store(tmp_path / "notify.db")
    assert type(local) is NotifyStore and local.path == tmp_path / "notify.db"
    monkeypatch.setenv("OPSBOT_DB_HOST", "db.internal")
    monkeypatch.setenv("OPSBOT_DB_PASSWORD", "s3cret-not-logged")
    shared = open_notify_store(tmp_path / "notify.db")  # nothing is connected before first use
    assert isinstance(shared, PostgresNotifyStore) and shared.where == "postgresql://db.internal:5432/opsbot"
    assert not (tmp_path / "notify.db").exists()


def test_a_sqlite_database_from_before_leases_gets_the_columns(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "notify.db")
    old.execute("CREATE TABLE notify_outbox (event_key TEXT NOT NULL, conversation TEXT NOT NULL, state TEXT NOT "
                "NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, thread TEXT NOT NULL DEFAULT '', "
                "kind TEXT NOT NULL DEFAULT '', activity_id TEXT, last_error TEXT NOT NULL DEFAULT '', created_at "
                "REAL NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (event_key, conversation))")
    old.execute("INSERT INTO notify_outbox VALUES ('jenkins:petclinic-build:147', '19:team', 'sending', 0, 1, '', "
                "'build_finished', NULL, '', 1, 1)")
    old.commit()
    old.close()
    store = NotifyStore(tmp_path / "notify.db")
    assert store.recover() == 1  # left sending by the old version: recovered as it always was
    store.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    store.receive([failed_build(148)])
    assert {row.event.key for row in store.claim_due()} == {"jenkins:petclinic-build:148"}  # 147 has no event
    store.close()


@needs_postgres
def test_servers_starting_together_create_the_tables_once() -> None:
    dropper = PostgresNotifyStore(DATABASE)
    dropper._read("DROP TABLE IF EXISTS " + ", ".join(TABLES))
    dropper.close()
    stores = [PostgresNotifyStore(DATABASE) for _ in range(4)]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def first_use(store: NotifyStore, n: int) -> None:
        try:
            start.wait(10)
            store.subscribe(f"19:channel-{n}", JENKINS, "petclinic-build", "failed")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(store, n)) for n, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(stores[0].subscriptions()) == 4
    for store in stores:
        store.close()


@needs_postgres
def test_a_transaction_survives_the_database_dropping_the_connection() -> None:
    store = PostgresNotifyStore(DATABASE)
    store._read("DELETE FROM notify_subscriptions")
    store.subscribe("19:team", JENKINS, "petclinic-build", "failed")
    killer = PostgresNotifyStore(DATABASE)
    killer._read("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'opsbot' "
                 "AND pid <> pg_backend_pid()")
    assert store.receive([failed_build(150)]).queued == 1  # one retry on a fresh connection
    store.close()
    killer.close()
