"""The test run's clock: every test runs at one moment (`run_moment()`), ticking from there.

The moment is DEFAULT_MOMENT, or `OPSBOT_TEST_NOW` (an ISO time) when set. tests/conftest.py travels there
before any test module is imported: `make test-clock` runs the suite at a morning, a midnight, a month's end
and the daylight-saving nights, in several machine time zones, so no test depends on when or where it runs.
`at(moment)` moves one block of a test to another moment (not ticking). The sandbox's relative times
("ago: 40m") and the answers' time words follow, since both read `time.time()` / `datetime.now()`.
Tests that talk to servers in other processes (tests/e2e, tests/security: tokens they sign must be valid on
the real clock there) run in `real_time()`, set up by their folder's conftest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import time_machine

# A Wednesday afternoon, UTC.
DEFAULT_MOMENT = "2026-11-18T15:00:00+00:00"
MOMENT_SETTING = "OPSBOT_TEST_NOW"


def run_moment() -> datetime:
    """The moment this test run started at (aware)."""
    moment = datetime.fromisoformat(os.environ.get(MOMENT_SETTING) or DEFAULT_MOMENT)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_run_clock: time_machine.travel | None = None


def start_run_clock() -> None:
    """Travel to the run's moment, ticking from there (every thread of the process follows)."""
    global _run_clock
    _run_clock = time_machine.travel(run_moment(), tick=True)
    _run_clock.start()


def stop_run_clock() -> None:
    global _run_clock
    if _run_clock is not None:
        _run_clock.stop()
        _run_clock = None


@contextmanager
def real_time() -> Iterator[None]:
    """The machine's own clock inside the block; afterwards the run's clock goes on where it would have been."""
    global _run_clock
    if _run_clock is None:
        yield
        return
    travelled, began = time.time(), time.monotonic()
    stop_run_clock()
    try:
        yield
    finally:
        resume = datetime.fromtimestamp(travelled + time.monotonic() - began, timezone.utc)
        _run_clock = time_machine.travel(resume, tick=True)
        _run_clock.start()


def at(moment: str | datetime) -> time_machine.travel:
    """`with at("2027-01-01T00:05:00+01:00"):` runs the block at that moment, frozen."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return time_machine.travel(when if when.tzinfo else when.replace(tzinfo=timezone.utc), tick=False)
