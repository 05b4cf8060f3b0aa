"""The clock and time zone answers speak in (common.clock), and time words at the hard moments of the calendar:
just after midnight, a new year, a month's end, both daylight-saving nights, in the asker's zone or UTC."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from actions.audit import last_entries, record
from actions.grafana import ActionGrafanaAlerts
from backends.grafana import render
from common import clock, timerange
from connector.inbound import metadata_for, user_timezone
from tests.support import make_tracker, run_action, texts
from tests.support.clock import at, run_moment

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
UTC = timezone.utc


# --- the zone -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["", None, "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "x" * 80, 42])
def test_an_unknown_or_hostile_zone_name_is_no_zone(name) -> None:
    assert clock.zone_named(name) is None  # type: ignore[arg-type]


def test_answers_speak_utc_unless_the_team_or_the_asker_names_a_zone(monkeypatch) -> None:
    monkeypatch.delenv(clock.ZONE_SETTING, raising=False)
    assert clock.zone() is UTC
    monkeypatch.setenv(clock.ZONE_SETTING, "Europe/Berlin")
    assert clock.zone() == BERLIN
    with clock.answering_in(clock.zone_of({"timezone": "America/Los_Angeles"})):
        assert clock.zone() == LOS_ANGELES and clock.now().tzinfo == LOS_ANGELES
    assert clock.zone() == BERLIN
    monkeypatch.setenv(clock.ZONE_SETTING, "Not/AZone")
    assert clock.zone() is UTC


def test_the_machine_zone_is_never_used(monkeypatch) -> None:
    """A naive time is UTC, whatever TZ says (make test-clock runs this under several TZ values)."""
    monkeypatch.delenv(clock.ZONE_SETTING, raising=False)
    assert clock.local(datetime(2027, 1, 1, 0, 5)) == datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    assert clock.local(0.0).utcoffset() == timedelta(0)
    assert timerange.zone_name() == "UTC"


@pytest.mark.parametrize(("zone", "moment", "label"), [
    ("UTC", "2027-01-01T12:00:00+00:00", "UTC"),
    ("Europe/Berlin", "2027-01-01T12:00:00+00:00", "CET"),
    ("Europe/Berlin", "2027-07-01T12:00:00+00:00", "CEST"),
    ("America/Los_Angeles", "2027-01-01T12:00:00+00:00", "PST"),
    ("Asia/Kolkata", "2027-01-01T12:00:00+00:00", "IST"),
    ("Asia/Kathmandu", "2027-01-01T12:00:00+00:00", "+0545"),  # no abbreviation: the offset
])
def test_every_clock_time_names_its_zone(zone: str, moment: str, label: str) -> None:
    assert clock.zone_label(datetime.fromisoformat(moment).astimezone(ZoneInfo(zone))) == label


# --- Teams says the user's zone ----------------------------------------------------------------------------------
def test_teams_sends_the_zone_in_local_timezone_or_client_info() -> None:
    assert user_timezone({"localTimezone": "Asia/Tokyo"}) == "Asia/Tokyo"
    assert user_timezone({"entities": [{"type": "mention"}, {"type": "clientInfo", "timezone": "Europe/Paris"}]}
                         ) == "Europe/Paris"
    assert user_timezone({"entities": ["not a dict", {"type": "clientInfo", "timezone": 7}]}) == ""
    assert user_timezone({}) == ""
    assert metadata_for({"localTimezone": "Asia/Tokyo"}, {})["timezone"] == "Asia/Tokyo"


# --- time words at hard moments ------------------------------------------------------------------------------------
def test_a_bare_afternoon_range_asked_in_the_small_hours_is_yesterdays() -> None:
    """04:36: "between 2pm and 4pm" has not happened today, so it means yesterday's (not "in the future")."""
    now = datetime(2026, 12, 2, 4, 36, tzinfo=UTC)
    window = timerange.parse("between 2pm and 4pm", now)
    assert (window.start, window.end) == (datetime(2026, 12, 1, 14, tzinfo=UTC), datetime(2026, 12, 1, 16, tzinfo=UTC))
    assert not window.ends_now
    assert render.span(window).startswith("between 2pm and 4pm (Tue 14:00–16:00 UTC)")
    with pytest.raises(timerange.TimeRangeError, match="in the future"):
        timerange.parse("from tomorrow 9am to 10am", now)  # a day was named: the future stays the future


def test_yesterday_and_today_just_after_midnight_on_new_year() -> None:
    now = datetime(2027, 1, 1, 0, 5, tzinfo=BERLIN)
    yesterday = timerange.parse("yesterday", now)
    assert yesterday.start == datetime(2026, 12, 31, tzinfo=BERLIN)
    assert yesterday.end == datetime(2027, 1, 1, tzinfo=BERLIN)
    today = timerange.parse("today", now)
    assert today.start == datetime(2027, 1, 1, tzinfo=BERLIN) and today.seconds == 300
    this_week = timerange.parse("this week", now)
    assert this_week.start == datetime(2026, 12, 28, tzinfo=BERLIN)  # Monday, in the old year
    with pytest.raises(timerange.TimeRangeError, match="hasn't started yet"):
        timerange.parse("this morning", now)


def test_this_month_at_a_months_last_minute_in_the_askers_zone() -> None:
    now = datetime(2027, 3, 31, 23, 58, tzinfo=LOS_ANGELES)  # already 1 April in UTC
    assert timerange.parse("this month", now).start == datetime(2027, 3, 1, tzinfo=LOS_ANGELES)
    assert timerange.parse("yesterday", now).start == datetime(2027, 3, 30, tzinfo=LOS_ANGELES)


@pytest.mark.parametrize("moment", ["2027-10-31T01:30:00+00:00", "2027-03-28T01:15:00+00:00",
                                    "2027-03-28T03:30:00+02:00"])
def test_durations_are_real_time_across_a_daylight_saving_change(moment: str) -> None:
    now = datetime.fromisoformat(moment).astimezone(BERLIN)
    for phrase, seconds in (("last 6 hours", 6 * 3600), ("last 2 hours", 7200), ("now-1h", 3600),
                            ("past 30m", 1800)):
        window = timerange.parse(phrase, now)
        assert window.seconds == seconds and window.end == now, phrase


def test_a_day_with_25_hours_is_one_whole_day() -> None:
    now = datetime(2027, 11, 1, 9, 0, tzinfo=BERLIN)  # the day after the clocks went back
    yesterday = timerange.parse("yesterday", now)
    assert yesterday.start == datetime(2027, 10, 31, tzinfo=BERLIN) and yesterday.seconds == 25 * 3600


# --- answers ------------------------------------------------------------------------------------------------------
def test_a_start_on_another_day_says_the_day(monkeypatch) -> None:
    """Just after midnight, an alert that began two hours ago began yesterday: "Thu 22:05 UTC"."""
    monkeypatch.delenv(clock.ZONE_SETTING, raising=False)
    with at("2027-01-01T00:05:00+00:00"):
        two_hours_ago = clock.timestamp() - 7200
        assert render.since(two_hours_ago) == "Thu 22:05 UTC (2 h ago)"
        assert render.since(clock.timestamp() - 600) == "Thu 23:55 UTC (10 min ago)"
        with clock.answering_in(BERLIN):  # 01:05 in Berlin: two hours ago was still the old year
            assert render.since(two_hours_ago) == "Thu 23:05 CET (2 h ago)"
            assert render.since(clock.timestamp() - 600) == "00:55 CET (10 min ago)"


def test_an_answer_speaks_in_the_zone_the_asker_sent(petclinic) -> None:
    tracker = make_tracker("what alerts are firing", "grafana_alerts", metadata={"timezone": "America/Los_Angeles"})
    answer = texts(run_action(ActionGrafanaAlerts(), tracker)[0])
    label = clock.zone_label(clock.now(LOS_ANGELES))  # PST or PDT, by the run's moment
    assert re.search(rf"firing since (\w{{3}} )?\d\d:\d\d {label} \(2 h", answer)
    utc_answer = texts(run_action(ActionGrafanaAlerts(), make_tracker("what alerts are firing", "grafana_alerts"))[0])
    assert re.search(r"firing since (\w{3} )?\d\d:\d\d UTC \(2 h", utc_answer)
    assert clock.zone() is not LOS_ANGELES  # the asker's zone ends with the answer


def test_the_run_clock_is_frozen_at_the_run_moment() -> None:
    assert abs(clock.timestamp() - run_moment().timestamp()) < 3600  # ticking from the run's moment


def test_audit_times_are_utc(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(tmp_path / "audit.log"))
    with at("2027-10-31T01:30:00+00:00"):
        record(who="dan", where="petclinic-build", what="build", decision="allowed")
    assert last_entries(1)[0]["time"] == "2027-10-31T01:30:00+00:00"
