"""Time ranges as people say them, at a fixed "now" (Thursday 26 Nov 2026, 15:34 in Berlin)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common import timerange
from common.timerange import TimeRangeError

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


# --- found in acceptance (finding 11): "tomorrow", one end's day, the future ---------------------------------
@pytest.mark.parametrize(
    ("said", "start", "end"),
    [
        ("graph it from yesterday 9am to 10am", at(25, 9), at(25, 10)),  # "10am" is yesterday's too
        ("from 9am to 10am yesterday", at(25, 9), at(25, 10)),
        ("between 2pm and 4pm yesterday", at(25, 14), at(25, 16)),
        ("from yesterday 10pm to 2am", at(25, 22), at(26, 2)),  # over midnight
        ("the build queue on monday", at(23, 0), at(24, 0)),
        ("errors last thursday", at(19, 0), at(20, 0)),  # today is Thursday: the one before
    ],
)
def test_one_end_gives_the_other_its_day_and_weekdays_are_whole_days(said: str, start: datetime,
                                                                      end: datetime) -> None:
    window = timerange.parse(timerange.find(said, NOW), NOW)
    assert (window.start, window.end) == (start, end) and not window.ends_now


@pytest.mark.parametrize("said", ["graph decline ratio from tomorrow 9am to 10am", "graph it for tomorrow",
                                  "from 9am to 10am tomorrow", "latency tomorrow morning", "next week",
                                  "errors next friday"])
def test_a_range_in_the_future_is_said_to_be_in_the_future(said: str) -> None:
    with pytest.raises(TimeRangeError, match="That range is in the future"):
        timerange.pick(said, remembered="between 2pm and 4pm", now=NOW)  # never the remembered range instead


def test_from_tomorrow_9am_to_10am_is_both_ends_tomorrow() -> None:
    with pytest.raises(TimeRangeError, match=r"\(Fri 27 Nov 09:00–10:00; it's Thu 15:34 now\)"):
        timerange.parse(timerange.find("graph decline ratio from tomorrow 9am to 10am", NOW), NOW)


@pytest.mark.parametrize(
    ("phrase", "now", "ends_now"),
    [("last 6 hours", NOW, True), ("between 2pm and 4pm", NOW, True), ("between 2pm and 4pm", at(26, 17), False),
     ("yesterday", NOW, False), ("this morning", NOW, False), ("today", NOW, True)],
)
def test_a_range_knows_whether_it_reaches_now(phrase: str, now: datetime, ends_now: bool) -> None:
    assert timerange.parse(phrase, now).ends_now is ends_now


@pytest.mark.parametrize(
    ("said", "unread"),
    [("graph it for the 3rd", "3rd"), ("errors in march", "march"), ("graph it for the last day", None),
     ("show me that graph", None), ("graph it for tomorrow", None)],  # tomorrow is read (and refused)
)
def test_time_words_that_could_not_be_read_are_reported(said: str, unread: str | None) -> None:
    assert timerange.unread(said, now=NOW) == unread
