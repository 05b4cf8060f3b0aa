"""The attacks go to `make serve` in other processes: they run on the machine's real clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.clock import real_time


@pytest.fixture(scope="module", autouse=True)
def machine_clock() -> Iterator[None]:
    with real_time():
        yield
