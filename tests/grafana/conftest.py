"""The Grafana tests' fixtures: a clean facade state for every test (autouse), the Acme world (names never seen
in training) and the Pet Clinic Grafana without its image renderer. Helpers are in tests/support/grafana.py."""

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


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Acme world (names opsbot never saw in training), settings pointed at it."""
    for service in acme_sandbox.apps:
        acme_sandbox.state(service).counts.clear()
        acme_sandbox.state(service).fault = Fault()
    # only Grafana: the other backends' sections of the Acme world may not exist
    monkeypatch.setenv("GRAFANA_URL", acme_sandbox.url("grafana"))
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()
    yield acme_sandbox
    settings_module.reset()


@pytest.fixture()
def no_renderer(petclinic: RunningSandbox) -> Iterator[str]:
    """The Pet Clinic Grafana without its image renderer plugin (Grafana's placeholder image)."""
    url = petclinic.url("grafana")
    requests.post(url + "/_sandbox/renderer", json={"available": False}, timeout=5)
    yield url
    requests.post(url + "/_sandbox/renderer", json={"available": True}, timeout=5)
