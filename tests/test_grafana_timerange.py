"""Time ranges as people say them, at a fixed "now" (Thursday 26 Nov 2026, 15:34 in Berlin)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions import timerange
from actions.timerange import TimeRangeError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 15, 34, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("said", "phrase", "start", "end"),
    [
        ("show me the error rate for the last 6 hours", "last 6 hours", NOW - timedelta(hours=6), NOW),
        ("graph the build queue since yesterday", "since yesterday", at(25, 0), NOW),
        ("since yesterday 6pm on the overview dashboard", "since yesterday 6pm", at(25, 18), NOW),
        ("what happened this morning?", "this morning", at(26, 6), at(26, 12)),
        ("cpu over the last week", "last week", NOW - timedelta(days=7), NOW),
        ("latency today", "today", at(26, 0), NOW),
        ("and over the last day?", "last day", NOW - timedelta(days=1), NOW),
        ("past 30m please", "past 30m", NOW - timedelta(minutes=30), NOW),
        ("in the last couple of hours", "last couple of hours", NOW - timedelta(hours=2), NOW),
        ("between 2pm and 4pm", "between 2pm and 4pm", at(26, 14), NOW),  # the end is not yet: until now
        ("from 10:00 to 11:30", "from 10:00 to 11:30", at(26, 10), at(26, 11, 30)),
        ("errors yesterday", "yesterday", at(25, 0), at(26, 0)),
        ("last night", "last night", at(25, 18), at(26, 6)),
        ("since monday", "since monday", at(23, 0), NOW),
        ("now-6h", "now-6h", NOW - timedelta(hours=6), NOW),
    ],
)
def test_phrases_become_ranges(said: str, phrase: str, start: datetime, end: datetime) -> None:
    assert timerange.find(said, NOW) == phrase
    window = timerange.parse(phrase, NOW)
    assert (window.start, window.end) == (start, end)
    assert window.end_ms - window.start_ms == int((end - start).total_seconds() * 1000)


@pytest.mark.parametrize("said", ["what's the error rate right now", "when was the last deploy to production?",
                                  "from petclinic to staging", "show me the last build"])
def test_no_range_in_the_words(said: str) -> None:
    assert timerange.find(said, NOW) is None


@pytest.mark.parametrize(
    ("phrase", "complaint"),
    [("since tomorrow", "in the future"), ("this evening", "hasn't started yet"),
     ("between 4pm and 2pm", "before it starts"), ("since march 2027", "in the future"), ("last 0 hours", "empty")],
)
def test_ranges_nobody_can_mean_get_a_clear_answer(phrase: str, complaint: str) -> None:
    with pytest.raises(TimeRangeError, match=complaint):
        timerange.parse(timerange.find(phrase, NOW) or phrase, NOW)


def test_the_default_is_the_last_hour_and_context_comes_before_it() -> None:
    assert timerange.pick("show me the cpu graph", now=NOW).phrase == "last hour"
    assert timerange.pick("show me that graph", remembered="last 6 hours", now=NOW).phrase == "last 6 hours"
    assert timerange.pick("and over the last day?", remembered="last 6 hours", now=NOW).phrase == "last day"
    assert timerange.pick("p95 latency", entity="today", now=NOW).phrase == "today"
    assert timerange.pick("error rate now", default=None, now=NOW) is None


def test_the_range_words_are_not_names() -> None:
    assert timerange.without("and over the last day?", NOW).strip(" ?") == "and"
    assert timerange.without("show me the error rate for the last 6 hours", NOW) == "show me the error rate"


@given(amount=st.integers(min_value=1, max_value=500), unit=st.sampled_from(["minutes", "hours", "days", "h", "m"]),
       lead=st.sampled_from(["", "over the ", "for the ", "in the "]))
def test_any_last_n_units_is_that_long_and_ends_now(amount: int, unit: str, lead: str) -> None:
    seconds = {"minutes": 60, "m": 60, "hours": 3600, "h": 3600, "days": 86400}[unit]
    said = f"graph the cpu {lead}last {amount} {unit}"
    window = timerange.parse(timerange.find(said, NOW), NOW)
    assert window.end == NOW and window.seconds == amount * seconds
    assert "last" not in timerange.without(said, NOW)
