"""The Grafana contract tests' fixtures: the legacy sandbox world (Pet Clinic's is the session's `petclinic_sandbox`)
whose answers are checked against Grafana's own examples (fixtures.json, see README.md), and a clean name-list
cache for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends.grafana import service as grafana_service
from tests.support.sandbox import world_fixture

legacy_world = world_fixture("grafana-legacy.yaml", scope="module")


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    grafana_service.clear_cache()
    yield
    grafana_service.clear_cache()
    grafana_service.forget_session()
