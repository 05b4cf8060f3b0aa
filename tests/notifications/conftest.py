"""The notification tests' own fixtures: the Acme world (names never seen in training), a private sandbox per
test module with every backend's settings pointed at it and fresh facades and stores. Helpers to talk to the
subscription actions are in tests/support/subscriptions.py; the notifier's harness (`notify`, `notify_env`) is
in tests/support/notify.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import subscriptions as notify_actions
from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.sandbox import point_settings_at, world_fixture
from tests.support.subscriptions import fresh_services

acme_sandbox = world_fixture("acme.yaml", scope="module")


@pytest.fixture()
def acme(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, notify_env: Path
         ) -> Iterator[RunningSandbox]:
    point_settings_at(acme_sandbox, monkeypatch)
    fresh_services()
    notify_actions._stores.clear()
    yield acme_sandbox
    fresh_services()
    settings_module.reset()
