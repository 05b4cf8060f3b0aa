"""The one cache the three backends' facades share (backends/cache.py)."""

from __future__ import annotations

import pytest

from backends import cache as cache_module
from backends.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(cache_module.time, "monotonic", ticking)
    return ticking


def test_an_entry_is_fresh_for_its_ttl_then_stale_but_readable(clock: Clock) -> None:
    names: TTLCache[list[str]] = TTLCache(60)
    names.put("jobs", ["a", "b"], tag='"etag-1"')
    clock.now += 59
    assert names.fresh("jobs").value == ["a", "b"]
    clock.now += 2
    assert names.fresh("jobs") is None
    stale = names.entry("jobs")
    assert stale is not None and stale.value == ["a", "b"] and stale.tag == '"etag-1"'


def test_touch_makes_a_revalidated_entry_fresh_again(clock: Clock) -> None:
    names: TTLCache[int] = TTLCache(10)
    names.put("k", 1)
    clock.now += 30
    assert names.fresh("k") is None
    names.touch("k")
    assert names.fresh("k").value == 1


def test_a_caller_may_ask_for_a_fresher_value_than_the_ttl(clock: Clock) -> None:
    names: TTLCache[int] = TTLCache(60)
    names.put("k", 1)
    clock.now += 20
    assert names.fresh("k", max_age=10) is None and names.fresh("k").value == 1


def test_the_least_recently_used_entry_goes_first(clock: Clock) -> None:
    pulls: TTLCache[str] = TTLCache(60, max_entries=2)
    pulls.put(1, "one")
    pulls.put(2, "two")
    assert pulls.fresh(1).value == "one"  # 1 is now the most recently used
    pulls.put(3, "three")
    assert pulls.entry(2) is None and pulls.entry(1) is not None and pulls.entry(3) is not None


def test_forget_and_clear(clock: Clock) -> None:
    names: TTLCache[int] = TTLCache(60)
    names.put("a", 1)
    names.put("b", 2)
    names.forget("a")
    assert names.entry("a") is None and names.entry("b") is not None
    names.clear()
    assert names.entry("b") is None
