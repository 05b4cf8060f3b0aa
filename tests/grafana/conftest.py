"""The Grafana tests' fixtures: a clean facade state for every test (autouse), the Acme world (names never seen
in training), the legacy Grafana world (its real variants) and the Pet Clinic Grafana without its image renderer.
Helpers are in tests/support/grafana.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from backends.grafana import service as grafana_service
from common import settings as settings_module
from sandbox.server import Fault, RunningSandbox
from tests.support.sandbox import TEST_CREDENTIALS, world_fixture


@pytest.fixture(autouse=True)
def fresh_grafana_client() -> Iterator[None]:
    """No name list cached from another test or world, and no session left over from another event loop."""
    grafana_service.clear_cache()
    yield
    grafana_service.clear_cache()
    grafana_service.forget_session()


acme_sandbox = world_fixture("acme.yaml", scope="session")
legacy_sandbox = world_fixture("grafana-legacy.yaml", scope="session")


def _grafana_of(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    for service in sandbox.apps:
        sandbox.state(service).counts.clear()
        sandbox.state(service).fault = Fault()
    # only Grafana: the other backends' sections of the world may not exist
    monkeypatch.setenv("GRAFANA_URL", sandbox.url("grafana"))
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()
    yield sandbox
    settings_module.reset()


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Acme world (names opsbot never saw in training), settings pointed at it."""
    yield from _grafana_of(acme_sandbox, monkeypatch)


@pytest.fixture()
def legacy(legacy_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Grafana 12 upgraded from 8.2 (sandbox/worlds/grafana-legacy.yaml): dashboards that name data sources by
    name, null and `$ds`, a failing query, classic/threshold/math conditions, a Recovering alert."""
    yield from _grafana_of(legacy_sandbox, monkeypatch)


@pytest.fixture()
def no_renderer(petclinic: RunningSandbox) -> Iterator[str]:
    """The Pet Clinic Grafana without its image renderer plugin (Grafana's placeholder image)."""
    url = petclinic.url("grafana")
    requests.post(url + "/_sandbox/renderer", json={"available": False}, timeout=5)
    yield url
    requests.post(url + "/_sandbox/renderer", json={"available": True}, timeout=5)
