"""Time ranges as people say them → [start, end] for Grafana.

"last 6 hours", "past 30m", "over the last week", "since yesterday 6pm", "since monday", "this morning",
"today", "yesterday", "last night", "on monday", "last tuesday", "between 2pm and 4pm", "from tomorrow 9am
to 10am", "now-6h". Absolute times are read with dateparser (relative to now in the asker's zone, see
common.clock, preferring the past); the named parts of a day are ours. A phrase is kept as said (for the
`grafana_range` slot) and parsed again whenever it is used, so "the last hour" always means the last hour of
now. A range the user cannot mean (it is in the future, "tomorrow", "next week"; or it ends before it starts)
raises `TimeRangeError` with a sentence for the user: a future range is never quietly replaced by an earlier
one. Durations ("last 6 hours") are real time, also across a daylight-saving change; days are the asker's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from common import clock

DEFAULT_PHRASE = "last hour"

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "couple": 2, "couple of": 2, "few": 3,
}
_UNITS = (
    (r"s|secs?|seconds?", 1), (r"m|mins?|minutes?", 60), (r"h|hrs?|hours?", 3600), (r"d|days?", 86400),
    (r"w|wks?|weeks?", 604800), (r"mo|months?", 2592000),
)
_NUM = r"(?:\d+(?:\.\d+)?|couple of|couple|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven" \
       r"|twelve|fifteen|twenty|thirty)"
_UNIT = "(?:" + "|".join(pattern for pattern, _ in _UNITS) + ")"
_NAMED = ("this morning", "this afternoon", "this evening", "tonight", "last night", "overnight", "today",
          "yesterday", "this week", "this month", "the weekend", "last weekend")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")

LAST = re.compile(rf"\b(?:last|past|previous|prior)\s+(?:(?P<n>{_NUM})\s*)?(?P<unit>{_UNIT})\b", re.IGNORECASE)
NOW_MINUS = re.compile(r"\bnow-(?P<n>\d+)(?P<unit>[smhdw])\b", re.IGNORECASE)
NAMED = re.compile(r"\b(?P<name>" + "|".join(_NAMED) + r")\b", re.IGNORECASE)
SINCE = re.compile(r"\bsince\s+(?P<when>[^?!,;]+)", re.IGNORECASE)
BETWEEN = re.compile(r"\b(?:between|from)\s+(?P<a>[^?!,;]+?)\s+(?:and|to|until|till)\s+(?P<b>[^?!,;]+)",
                     re.IGNORECASE)
# A whole day: "on monday", "last tuesday", "friday" (the latest one that has begun).
DAY = re.compile(r"\b(?:(?P<last>last)\s+|on\s+)?(?P<day>" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
# Ranges that have not happened yet: said so, never replaced by another range.
FUTURE = re.compile(r"\b(?:(?:the\s+day\s+after\s+)?tomorrow(?:\s+(?:morning|afternoon|evening|night))?"
                    r"|next\s+(?:week|month|year|hour|" + "|".join(_WEEKDAYS) + r")|later\s+today)\b",
                    re.IGNORECASE)
# Words that say "a time" even when no range could be read from them ("for the 3rd", "at noon on the 5th").
_TIME_HINT = re.compile(r"\b(?:\d{1,2}(?::\d\d)?\s*(?:am|pm)|\d{1,2}:\d\d|noon|midnight|tonight|tomorrow|yesterday|"
                        r"today|morning|afternoon|evening|weekend|ago|\d{1,2}(?:st|nd|rd|th)|"
                        + "|".join((*_WEEKDAYS, *_MONTHS)) + r")\b", re.IGNORECASE)
# A time of day without a date ("10am", "16:30", "noon"): it belongs to the other end's day.
_BARE_TIME = re.compile(r"\s*(?:\d{1,2}(?::\d\d)?\s*(?:am|pm)?|\d{1,2}:\d\d|noon|midday|midnight)\s*", re.IGNORECASE)
# Words that end a "since …" phrase: dateparser would happily read "yesterday 6pm on the" as a time.
_NOT_TIME_WORDS = {"on", "in", "for", "of", "to", "with", "please", "and", "graph", "chart", "dashboard",
                   "panel", "by", "from"}
# Words around a range that belong to it ("over the last day", "for the past hour").
_LEAD_IN = re.compile(r"(?:\b(?:over|for|in|during|within)\s+)?(?:\bthe\s+)?$", re.IGNORECASE)


class TimeRangeError(ValueError):
    """A range the user cannot mean; the message is the answer."""


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    phrase: str
    # False when the range ended before now ("yesterday", "between 9am and 10am" at 3pm): its last value is
    # a value at its end, not the value now.
    ends_now: bool = True

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self.end.timestamp() * 1000)

    @property
    def seconds(self) -> float:
        return self.end.timestamp() - self.start.timestamp()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else clock.now()


def _before(now: datetime, seconds: float) -> datetime:
    """`seconds` of real time before `now` (across a daylight-saving change too), in now's zone."""
    return datetime.fromtimestamp(now.timestamp() - seconds, now.tzinfo)


def _earlier(a: datetime, b: datetime) -> datetime:
    """The earlier instant of two. (Python compares two times of one zone by their wall clock, which is wrong
    in the hour a daylight-saving change repeats.)"""
    return a if a.timestamp() <= b.timestamp() else b


def _amount(text: str | None) -> float:
    if not text:
        return 1
    text = text.lower().strip()
    return float(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else float(text)


def _unit_seconds(unit: str) -> int:
    for pattern, seconds in _UNITS:
        if re.fullmatch(pattern, unit, re.IGNORECASE):
            return seconds
    raise TimeRangeError(f"I don't know the unit {unit!r}.")


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _named(name: str, now: datetime) -> tuple[datetime, datetime]:
    name = name.lower()
    today = _midnight(now)
    parts = {"this morning": (6, 12), "this afternoon": (12, 18), "this evening": (18, 24), "tonight": (18, 24)}
    if name in parts:
        first, last = parts[name]
        start = today + timedelta(hours=first)
        if start.timestamp() > now.timestamp():
            raise TimeRangeError(f'It\'s only {now:%H:%M}: "{name}" hasn\'t started yet. '
                                 'Try "the last 6 hours" or "since yesterday 6pm".')
        return start, _earlier(today + timedelta(hours=last), now)
    if name in ("last night", "overnight"):
        return today - timedelta(hours=6), _earlier(today + timedelta(hours=6), now)
    if name == "today":
        return today, now
    if name == "yesterday":
        return today - timedelta(days=1), today
    if name == "this week":
        return today - timedelta(days=today.weekday()), now
    if name == "this month":
        return today.replace(day=1), now
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)  # the last weekend that has begun
    return saturday, _earlier(saturday + timedelta(days=2), now)


def _moment(text: str, now: datetime, prefer: str = "past") -> datetime | None:
    """An absolute time ("yesterday 6pm", "monday", "14:30", "2 hours ago") or None."""
    text = text.strip().lower()
    whole = NAMED.fullmatch(text)
    if whole:
        return _named(whole.group("name"), now)[0]
    import dateparser  # slow to import; only when a phrase needs it

    settings = {"PREFER_DATES_FROM": prefer, "RELATIVE_BASE": now.replace(tzinfo=None),
                "RETURN_AS_TIMEZONE_AWARE": False}
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.replace(tzinfo=now.tzinfo) if parsed else None


def _leading_moment(words: list[str], now: datetime) -> tuple[datetime, str] | None:
    """The longest prefix of `words` (at most 4) that reads as a time: "yesterday 6pm on the overview"."""
    cut = next((i for i, word in enumerate(words) if word.lower() in _NOT_TIME_WORDS), len(words))
    words = words[:cut]
    for length in range(min(4, len(words)), 0, -1):
        text = " ".join(words[:length])
        moment = _moment(text, now)
        if moment is not None:
            return moment, text
    return None


def find(text: str, now: datetime | None = None) -> str | None:
    """The time-range phrase in a message, as said ("since yesterday 6pm"), or None."""
    if not text:
        return None
    now = _now(now)
    between = BETWEEN.search(text)
    if between:
        a, b = _moment(between.group("a"), now, "current_period"), _moment(between.group("b"), now, "current_period")
        if a is not None and b is not None:
            return between.group(0).strip()
    since = SINCE.search(text)
    if since:
        found = _leading_moment(since.group("when").split(), now)
        if found:
            return f"since {found[1]}"
    for pattern in (FUTURE, LAST, NOW_MINUS, NAMED, DAY):
        match = pattern.search(text)
        if match:
            return match.group(0).strip()
    return None


def unread(text: str, entity: str | None = None, now: datetime | None = None) -> str | None:
    """Words that say a time ("the 3rd", "march") in a message from which no range could be read, or None;
    the caller then says which range it used instead of quietly showing another one."""
    if find(entity or "", now) or find(text, now):
        return None
    hint = _TIME_HINT.search(f"{entity or ''} {text}")
    return hint.group(0) if hint else None


def without(text: str, now: datetime | None = None) -> str:
    """The message without its time-range phrase (so "over the last day" is not read as a name)."""
    phrase = find(text, now)
    if not phrase:
        return text
    index = text.lower().find(phrase.lower())
    if index < 0:
        return text
    head = _LEAD_IN.sub("", text[:index])
    return f"{head} {text[index + len(phrase):]}".strip()


def parse(phrase: str, now: datetime | None = None) -> TimeRange:
    """[start, end] for a phrase that `find` returned (or one remembered from earlier)."""
    now = _now(now)
    text = phrase.strip()
    if FUTURE.fullmatch(text):
        raise TimeRangeError(f'That range is in the future ("{text}"; it\'s {now:%a %H:%M} now). '
                             'I can only show what already happened: try "the last 6 hours" or "yesterday".')
    start, end = _bounds(text, now)
    if start.timestamp() >= now.timestamp():
        raise TimeRangeError(f"That range is in the future ({_span(start, end)}; it's {now:%a %H:%M} now). "
                             "I can only show what already happened.")
    return TimeRange(start, _earlier(end, now), text, ends_now=end.timestamp() >= now.timestamp())


def _bounds(text: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end] as said, before it is cut off at now (the end may lie in the future)."""
    if (match := BETWEEN.fullmatch(text)) is not None:
        return _between(match.group("a"), match.group("b"), now)
    if (match := SINCE.fullmatch(text)) is not None:
        start = _moment(match.group("when"), now)
        if start is None:
            raise TimeRangeError(f'I couldn\'t read "{match.group("when")}" as a time. '
                                 'Try "since yesterday 6pm" or "since 9am".')
        return start, now
    if (match := LAST.fullmatch(text) or NOW_MINUS.fullmatch(text)) is not None:
        seconds = _amount(match.group("n")) * _unit_seconds(match.group("unit"))
        if seconds <= 0:
            raise TimeRangeError(f'"{text}" is an empty range. Try "the last hour".')
        return _before(now, seconds), now
    if (match := NAMED.fullmatch(text)) is not None:
        return _named(match.group("name"), now)
    if (match := DAY.fullmatch(text)) is not None:
        return _day(match.group("day"), bool(match.group("last")), now)
    raise TimeRangeError(f'I couldn\'t read "{text}" as a time range. '
                         'Try "the last 6 hours", "since yesterday 6pm" or "this morning".')


def _between(first: str, second: str, now: datetime) -> tuple[datetime, datetime]:
    """"between 2pm and 4pm", "from tomorrow 9am to 10am": a bare time of day ("10am") is on the day the
    other end names ("tomorrow"), not today; two bare times that have not come yet today are yesterday's."""
    start, end = _moment(first, now, "current_period"), _moment(second, now, "current_period")
    if start is None or end is None:
        raise TimeRangeError(f'I couldn\'t read "{first} … {second}" as two times.')
    first_bare, second_bare = bool(_BARE_TIME.fullmatch(first)), bool(_BARE_TIME.fullmatch(second))
    if second_bare and not first_bare:
        end = datetime.combine(start.date(), end.timetz())
        end += timedelta(days=1) if end <= start else timedelta(0)  # "from friday 10pm to 2am"
    elif first_bare and not second_bare:
        start = datetime.combine(end.date(), start.timetz())
    if first_bare and second_bare and start.timestamp() > now.timestamp():  # asked before it began: yesterday's
        start, end = start - timedelta(days=1), end - timedelta(days=1)
    if end.timestamp() <= start.timestamp():
        raise TimeRangeError(f"That range ends ({end:%a %H:%M}) before it starts ({start:%a %H:%M}). "
                             'Try e.g. "between 2pm and 4pm".')
    return start, end


def _day(name: str, strictly_before_today: bool, now: datetime) -> tuple[datetime, datetime]:
    """The latest <weekday> that has begun ("on monday"), or the one before today ("last monday")."""
    today = _midnight(now)
    back = (today.weekday() - _WEEKDAYS.index(name.lower())) % 7
    if back == 0 and strictly_before_today:
        back = 7
    start = today - timedelta(days=back)
    return start, start + timedelta(days=1)


def _span(start: datetime, end: datetime) -> str:
    if end <= start:  # "since tomorrow": only the start was said
        return f"from {start:%a %d %b %H:%M}"
    if start.date() == end.date():
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}"
    return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M}"


def pick(text: str, entity: str | None = None, remembered: str | None = None, default: str | None = DEFAULT_PHRASE,
         now: datetime | None = None) -> TimeRange | None:
    """The range a question means: the NLU's entity if it reads as one, else the words, else the range of
    the conversation so far, else `default` (None: no range, i.e. "right now")."""
    now = _now(now)
    phrase = (find(entity, now) if entity else None) or find(text, now) or remembered or default
    return parse(phrase, now) if phrase else None


def zone_name() -> str:
    """The IANA name of the zone ranges are read in (tz=Europe/Berlin for Grafana's renderer)."""
    return clock.zone_name()
