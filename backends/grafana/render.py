"""Grafana results → replies: metric values in their units, graphs (the PNG as a data URL), alerts,
dashboards and annotations. Pure functions: typed results in, `Reply` out; every reply carries a link.
Everything Grafana supplies (dashboard, folder, panel, series and alert names, labels, tags, units,
summaries, annotation texts, URLs) is shown through common.text (`clean`, `safe_url`, `link`)."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import datetime, time

from backends.grafana.service import AlertInstance, AlertRule, Annotation, Dashboard, Panel, PanelImage, Series
from common import cards
from common import clock as clock_
from common.reply import Button, Reply, payload
from common.text import ago, clean, cleaned, duration, join_names, link, plural, safe_url
from common.timerange import TimeRange

MAX_SERIES_SHOWN = 5
MAX_ALERTS_SHOWN = 10
MAX_LISTED = 15
NAME = 100  # the longest dashboard, panel or alert name shown
# Severity words teams use in the `severity` label, most severe first.
SEVERITY_RANK = {"critical": 0, "p1": 0, "page": 0, "high": 1, "major": 1, "error": 1, "p2": 1, "warning": 2,
                 "medium": 2, "warn": 2, "p3": 2, "minor": 3, "low": 3, "info": 4, "p4": 4, "none": 5}
# Labels every Grafana alert carries that say nothing about what is affected.
_PLUMBING_LABELS = {"alertname", "grafana_folder", "severity", "__alert_rule_uid__", "__alert_rule_namespace_uid__"}
_SI = ((1e12, " T"), (1e9, " Bil"), (1e6, " Mil"), (1e3, " K"))
_IEC = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_SI_BYTES = ("B", "kB", "MB", "GB", "TB", "PB")
_SUFFIXES = {"reqps": "req/s", "rps": "req/s", "ops": "ops/s", "wps": "wr/s", "iops": "IOPS", "celsius": "°C",
             "fahrenheit": "°F", "hertz": "Hz", "volt": "V", "watt": "W", "rpm": "rpm", "pps": "p/s", "bps": "b/s",
             "Bps": "B/s", "KBs": "kB/s", "MBs": "MB/s", "currencyUSD": "$", "currencyEUR": "€"}


# --- numbers and units ---------------------------------------------------------------------------------------
def number(value: float, decimals: int | None = None) -> str:
    """1.82, 0.7, 42.3, 412, 12,345: as many digits as a person reads, no trailing zeros."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    magnitude = abs(value)
    if decimals is not None:
        text = f"{value:,.{max(decimals, 0)}f}"
    elif magnitude >= 1000:
        text = f"{value:,.0f}"
    elif magnitude >= 100 or magnitude == 0:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:  # two significant digits: 0.7, 0.012
        text = f"{value:.{min(6, 1 - math.floor(math.log10(magnitude)))}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scaled(value: float, steps: Sequence[str], base: float) -> str:
    index = 0
    while abs(value) >= base and index < len(steps) - 1:
        value /= base
        index += 1
    return f"{number(value)} {steps[index]}"


def _seconds(value: float, decimals: int | None) -> str:
    if abs(value) < 1:
        return f"{number(value * 1000, decimals)} ms"
    if abs(value) < 60:
        return f"{number(value, decimals)} s"
    return duration(value)


def format_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A value in its Grafana unit: 1.82 s, 93 %, 42.3 req/s, 412 s → 6 min 52 s, 2.5 GiB."""
    if value is None:
        return "no value"
    unit = unit or "short"
    if unit == "s":
        return _seconds(value, decimals)
    if unit == "ms":
        return _seconds(value / 1000, decimals) if abs(value) >= 1000 else f"{number(value, decimals)} ms"
    if unit in ("m", "h", "d"):
        return duration(value * {"m": 60, "h": 3600, "d": 86400}[unit])
    if unit == "percent":
        return f"{number(value, decimals)} %"
    if unit == "percentunit":
        return f"{number(value * 100, decimals)} %"
    if unit in ("bytes", "decbytes"):
        return _scaled(value, _IEC if unit == "bytes" else _SI_BYTES, 1024 if unit == "bytes" else 1000)
    if unit in ("short", "none", "locale"):
        for limit, suffix in _SI:
            if abs(value) >= limit and unit == "short":
                return f"{number(value / limit)}{suffix}"
        return number(value, decimals)
    if unit.startswith("suffix:"):
        return f"{number(value, decimals)}{_affix(unit[7:])}"
    if unit.startswith("prefix:"):
        return f"{_affix(unit[7:])}{number(value, decimals)}"
    return f"{number(value, decimals)} {_SUFFIXES.get(unit) or clean(unit, 20)}"


def _affix(text: str) -> str:
    """A custom unit's text ("suffix: builds"), cleaned, keeping the space that separates it from the number."""
    shown = clean(text, 20)
    return (" " if text[:1].isspace() else "") + shown + (" " if text[-1:].isspace() and shown else "")


# --- times ---------------------------------------------------------------------------------------------------
def clock(moment: datetime | float, now: float | None = None, named: bool = True) -> str:
    """'15:02 UTC' today, 'Wed 18:00 UTC' this week, '20 Nov 15:37 UTC' before: in the answer's zone
    (common.clock), which it names unless the sentence already does (`named=False`)."""
    local = clock_.local(moment)
    current = clock_.local(now if now is not None else clock_.timestamp(), local.tzinfo)
    if local.date() == current.date():
        shown = local.strftime("%H:%M")
    elif abs((current - local).days) < 6:
        shown = local.strftime("%a %H:%M")
    else:
        shown = local.strftime("%d %b %H:%M").lstrip("0")
    return f"{shown} {clock_.zone_label(local)}" if named else shown


def since(timestamp: float, now: float | None = None) -> str:
    return f"{clock(timestamp, now)} ({ago(timestamp, now)})"


def span(window: TimeRange) -> str:
    """'in the last 6 hours (09:34–15:34 UTC)', 'since yesterday 6pm (Wed 18:00 – Thu 15:34 CET)', 'today
    (00:00–15:34 UTC)', 'between 2pm and 4pm (Tue 14:00–16:00 UTC)' for another day: in the zone the range was
    read in, which it names."""
    start, end = window.start, window.end
    if start.date() == end.date() == clock_.local(clock_.timestamp(), end.tzinfo).date():
        times = f"{start:%H:%M}–{end:%H:%M}"
    elif start.date() == end.date() or ((end - start).days < 1 and end.time() == time(0)):
        times = f"{start:%a %H:%M}–{end:%H:%M}"
    elif (end - start).days < 6:
        times = f"{start:%a %H:%M} – {end:%a %H:%M}"
    else:
        times = f"{start:%d %b %H:%M} – {end:%d %b %H:%M}".replace(" 0", " ").lstrip("0")
    relative = window.phrase.lower().startswith(("last ", "past ", "previous ", "prior ", "now-"))
    return f"{'in the ' if relative else ''}{clean(window.phrase, 60)} ({times} {clock_.zone_label(end)})"


def image_data_url(image: PanelImage) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


# --- panels: values and graphs -------------------------------------------------------------------------------
def panel_label(panel: Panel) -> str:
    """"p95 latency (Pet Clinic Overview)", cleaned: it is shown, and it is also the label name matching uses."""
    return f"{clean(panel.title, NAME)} ({clean(panel.dashboard.title, NAME)})"


def _with_data(series: Sequence[Series]) -> list[Series]:
    return [s for s in series if s.samples]


def _name(item: Series, panel: Panel, many: bool) -> str:
    return clean(item.name, 60) if many else clean(panel.title, NAME)


def _numbers(series: Sequence[Series], panel: Panel, window: TimeRange | None = None) -> str:
    """'now 1.82 s (min …, max …, avg …)' for one series; 'name: now …; name: now …' for several."""
    if len(series) == 1:
        return _stats(series[0], panel, window)
    return "; ".join(f"{clean(s.name, 60)}: {_stats(s, panel, window)}" for s in series[:MAX_SERIES_SHOWN])


def _stats(item: Series, panel: Panel, window: TimeRange | None = None) -> str:
    samples = item.samples
    values = [v for _t, v in samples]
    show = lambda v: format_value(v, panel.unit, panel.decimals)  # noqa: E731
    return (f"{_latest(samples[-1][0], window)} {show(values[-1])} (min {show(min(values))}, "
            f"max {show(max(values))}, avg {show(sum(values) / len(values))})")


def _latest(at: float, window: TimeRange | None) -> str:
    """'now' only for a range that reaches now and a sample that is recent; else when it was ('at 16:00'):
    the last value of "between 2pm and 4pm" is the value at 16:00, not the value now."""
    if window is None or (window.ends_now and window.end.timestamp() - at <= max(300.0, window.seconds / 50)):
        return "now"
    return f"at {clock(at, named=False)}"  # the range before it names the zone


def _graph_buttons(panel: Panel, phrases: Sequence[str]) -> list[Button]:
    return [Button(f"Graph {phrase}", payload("grafana_graph", panel=panel.key, time_range=phrase))
            for phrase in phrases]


def _problems(series: Sequence[Series]) -> str:
    """Grafana's reasons for the panel's queries that failed while others answered, as a sentence (or "")."""
    problems = getattr(series, "problems", ())
    return f" (Grafana couldn't run {'; '.join(clean(p, 200) for p in problems[:2])}.)" if problems else ""


def query_failed_reply(panel: Panel, reasons: Sequence[str], url: str) -> Reply:
    """Grafana ran the panel's query and it failed (or refused to run it): its reason, not "couldn't read"."""
    said = "; ".join(clean(r, 200) for r in reasons[:3]) or "no reason given"
    text = f"Grafana couldn't run the query of {panel_label(panel)}: {said}. {safe_url(url)}"
    return Reply(text=text, card=cards.status_card(panel_label(panel), "failed", text.rsplit(" ", 1)[0],
                                                   link=("Open panel", url)))


def no_data_reply(panel: Panel, where: str, url: str) -> Reply:
    text = f"Grafana has no data for {panel_label(panel)} {where}. {safe_url(url)}"
    return Reply(text=text, card=cards.status_card(panel_label(panel), "neutral", f"No data {where}.",
                                                   link=("Open panel", url)))


def metric_now_reply(panel: Panel, series: Sequence[Series], window_minutes: int) -> Reply:
    """The current value(s) of a panel: the last sample of each of its series."""
    shown = _with_data(series)
    if not shown:
        return no_data_reply(panel, f"in the last {window_minutes} minutes", panel.url)
    note = _problems(series)
    many = len(shown) > 1
    lines = []
    pairs = []
    for item in shown[:MAX_SERIES_SHOWN]:
        at, value = item.last  # type: ignore[misc]
        formatted = format_value(value, panel.unit, panel.decimals)
        lines.append(f"{_name(item, panel, many)}: {formatted}")
        pairs.append((_name(item, panel, many), f"{formatted} (at {clock(at)})"))
    more = f" (+{len(shown) - MAX_SERIES_SHOWN} more series)" if len(shown) > MAX_SERIES_SHOWN else ""
    if many:
        text = f"{panel_label(panel)} right now: " + "; ".join(lines) + f"{more}.{note} {safe_url(panel.url)}"
    else:
        text = f"{panel_label(panel)} is {formatted_first(shown[0], panel)} right now.{note} {safe_url(panel.url)}"
    buttons = _graph_buttons(panel, ("last 6 hours", "last 24 hours"))
    card = cards.status_card(panel_label(panel), "neutral", text.rsplit(" ", 1)[0], pairs,
                             link=("Open panel", panel.url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def formatted_first(item: Series, panel: Panel) -> str:
    """The latest value of one series in the panel's unit."""
    return format_value(item.last[1], panel.unit, panel.decimals)  # type: ignore[index]


def metric_range_reply(panel: Panel, series: Sequence[Series], window: TimeRange) -> Reply:
    """A panel over a range: now, min, max and average of each series."""
    url = panel.url_for(window.start_ms, window.end_ms)
    shown = _with_data(series)
    if not shown:
        return no_data_reply(panel, span(window), url)
    many = len(shown) > 1
    text = f"{panel_label(panel)} {span(window)}: {_numbers(shown, panel, window)}.{_problems(series)} {safe_url(url)}"
    buttons = _graph_buttons(panel, (window.phrase,))
    card = cards.status_card(panel_label(panel), "neutral", f"{span(window)}",
                             [(_name(s, panel, many), _stats(s, panel, window)) for s in shown[:MAX_SERIES_SHOWN]],
                             link=("Open panel", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def graph_reply(panel: Panel, series: Sequence[Series], window: TimeRange, image: PanelImage | None,
                problem: str = "") -> Reply:
    """The rendered panel as an inline image, with the numbers in words; without an image, the numbers."""
    url = panel.url_for(window.start_ms, window.end_ms)
    shown = _with_data(series)
    numbers = _numbers(shown, panel, window) if shown else "no data in this range"
    note = _problems(series)
    other = [p for p in ("last 24 hours", "last 7 days", "last 6 hours") if p != window.phrase][:2]
    buttons = [*_graph_buttons(panel, other), Button("Value now", payload("grafana_metric_value", panel=panel.key))]
    if image is None:
        text = (f"I couldn't get the graph of {panel_label(panel)} from Grafana: {clean(problem, 200)}. "
                f"The numbers {span(window)}: {numbers}.{note} {safe_url(url)}")
        card = cards.status_card(panel_label(panel), "warning", text.rsplit(" ", 1)[0], link=("Open in Grafana", url),
                                 buttons=buttons)
        return Reply(text=text, card=card, buttons=buttons)
    data_url = image_data_url(image)
    text = f"{panel_label(panel)} {span(window)}: {numbers}.{note} {safe_url(url)}"
    card = cards.status_card(panel_label(panel), "neutral", f"{span(window)}: {numbers}.{note}",
                             extra=[cards.image(data_url, f"Graph of {clean(panel.title, NAME)}, {span(window)}")],
                             link=("Open in Grafana", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons, image_url=data_url)


def time_problem_reply(message: str) -> Reply:
    """Why a time range can't be used; the message quotes the user's words, so it is cleaned."""
    message = clean(message, 300)
    return Reply(text=message, card=cards.status_card("Which time range?", "warning", message))


# --- alerts --------------------------------------------------------------------------------------------------
def severity_rank(severity: str) -> float:
    return SEVERITY_RANK.get(severity.lower(), 2.5) if severity else 2.5


def affected(rule: AlertRule, instance: AlertInstance) -> str:
    labels = {**rule.labels, **instance.labels}
    return ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in labels.items()
                     if k not in _PLUMBING_LABELS and not k.startswith("__"))


def _severity(rule: AlertRule) -> str:
    return clean(rule.severity, 20) if rule.severity else "no severity"


COMPARATORS = (">", "<", ">=", "<=", "=", "!=")
RANGES = {"within_range": "between {} and {}", "within_range_included": "from {} to {}",
          "outside_range": "outside {} to {}", "outside_range_included": "at or outside {} to {}"}


def threshold_text(rule: AlertRule) -> str:
    """'> 90', '< 99.5', 'outside 10 to 20': the rule's threshold as its definition says, or ""."""
    if rule.threshold is None or not rule.comparator:
        return ""
    if rule.comparator in RANGES:
        high = rule.threshold_high if rule.threshold_high is not None else rule.threshold
        return RANGES[rule.comparator].format(number(rule.threshold), number(high))
    comparator = rule.comparator if rule.comparator in COMPARATORS else "?"  # ours, never Grafana's text
    return f"{comparator} {number(rule.threshold)}"


def _value(rule: AlertRule, instance: AlertInstance) -> str:
    """'value 93 (threshold > 90)'; 'threshold > 90' when Grafana gives no number (a threshold or math
    condition's value is only whether it holds)."""
    threshold = threshold_text(rule)
    if instance.value is None:
        return f"threshold {threshold}" if threshold and (instance.firing or instance.pending) else ""
    return f"value {number(instance.value)}" + (f" (threshold {threshold})" if threshold else "")


def _state_word(instance: AlertInstance) -> str:
    if instance.recovering:
        return "recovering (still firing)"
    return "firing" if instance.firing else "pending"


def alert_line(rule: AlertRule, instance: AlertInstance, now: float | None = None) -> str:
    parts = [f"[{_severity(rule)}] {clean(rule.name, NAME)}"]
    state = _state_word(instance)
    if instance.active_at:
        parts.append(f"{state} since {since(instance.active_at, now)}")
    else:
        parts.append(state)
    for extra in (_value(rule, instance), affected(rule, instance), safe_url(rule.url)):
        if extra:
            parts.append(extra)
    return " · ".join(parts)


def alerts_reply(active: Sequence[tuple[AlertRule, AlertInstance]], pending_hidden: Sequence[tuple[AlertRule,
                 AlertInstance]], severity: str, scope: str, alerts_url: str, include_pending: bool,
                 note: str = "") -> Reply:
    """Firing (and pending, when asked) alerts, most severe first; "all clear" said as such. `note` is the
    bot's own sentence about what it assumed (an environment no alert carries), shown before the link."""
    firing = [pair for pair in active if pair[1].firing]
    pending = [pair for pair in active if pair[1].pending]
    lines: list[str] = []
    blocks: list[dict] = []
    for rule, instance in active[:MAX_ALERTS_SHOWN]:
        lines.append(alert_line(rule, instance))
        blocks.append(cards.paragraph(f"**[{_severity(rule)}] {link(rule.name, rule.url, NAME)}**"))
        facts = [("State", _state_word(instance) + (f" since {since(instance.active_at)}" if instance.active_at
                                                     else ""))]
        if instance.value is not None:
            facts.append(("Value", _value(rule, instance)))
        elif _value(rule, instance):
            facts.append(("Threshold", threshold_text(rule)))
        if affected(rule, instance):
            facts.append(("Labels", affected(rule, instance)))
        if rule.summary:
            facts.append(("Summary", clean(rule.summary, 160)))
        blocks.append(cards.facts(facts))
    if len(active) > MAX_ALERTS_SHOWN:
        lines.append(f"…and {len(active) - MAX_ALERTS_SHOWN} more.")
    kind = f"{clean(severity, 40)} " if severity else ""
    where = f" {clean(scope, 200)}" if scope else ""
    buttons = [Button("Include pending", payload("grafana_alerts", alert_state="pending"))] if pending_hidden else []
    graphable = next((r for r, _i in active if r.dashboard_uid and r.panel_id is not None), None)
    if graphable is not None:
        key = f"{graphable.dashboard_uid}:{graphable.panel_id}"
        buttons.append(Button(f"Graph: {clean(graphable.name, 40)}", payload("grafana_graph", panel=key)))
    if not firing:
        heading = f"All clear: no {kind}alerts{where} firing in Grafana right now."
        if pending:
            heading += f" {plural(len(pending), 'alert')} pending (may fire soon):"
        elif pending_hidden:
            names = join_names(clean(r.name, 60) for r, _i in pending_hidden[:3])
            heading += f" {plural(len(pending_hidden), 'alert')} pending: {names}."
        status = "warning" if pending else "ok"
    else:
        critical = any(severity_rank(r.severity) <= 1 for r, i in firing)
        heading = f"{plural(len(firing), kind + 'alert')}{where} firing in Grafana" + (
            f", {len(pending)} pending" if pending else "") + ":"
        if pending_hidden and not include_pending:
            heading_tail = f" ({plural(len(pending_hidden), 'more alert')} pending; ask to include pending.)"
            lines.append(heading_tail.strip())
        status = "failed" if critical else "warning"
    if note:
        lines.append(note)
        blocks.append(cards.paragraph(note, subtle=True))
    text = "\n".join([heading, *lines, f"All alert rules: {safe_url(alerts_url)}"])
    card = cards.status_card(heading.rstrip(":"), status, extra=blocks, link=("Open alert rules", alerts_url),
                             buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def unknown_env_note(env: str, known: Sequence[str]) -> str:
    """No alert rule (and no dashboard variable) has the environment asked about: say so, and which exist."""
    have = f"; the alert rules' environments are {join_names(cleaned(known, 40))}" if known else ""
    return f"(No alert rule is labelled with an environment called {clean(env, 40)}{have}.)"


def ignored_words_note(ignored: Sequence[str]) -> str:
    """A follow-up's words that named nothing the alerts know: said, rather than silently dropped."""
    quoted = join_names((f'"{clean(word, 40)}"' for word in ignored[:3]), "or")
    return f"(I found no environment, label or alert rule called {quoted}; this is the same question as before.)"


def instance_state(instance: AlertInstance) -> str:
    """'firing', 'pending', 'normal', 'firing (no data)', 'error': Grafana's state in the words of the list."""
    base, _, reason = instance.state.lower().partition(" (")
    name = {"alerting": "firing", "nodata": "no data", "inactive": "normal",
            "recovering": "recovering (still firing)"}.get(base, base) or "normal"
    return f"{name} ({reason.rstrip(')').replace('nodata', 'no data')})" if reason else name


def _rule_state(rule: AlertRule, instances: Sequence[AlertInstance]) -> str:
    if len(instances) == 1:
        return instance_state(instances[0])
    if not instances:
        return {"firing": "firing", "pending": "pending", "recovering": "recovering (still firing)"}.get(
            rule.state, "normal")
    firing = sum(i.firing for i in instances)
    recovering = sum(i.recovering for i in instances)
    pending = sum(i.pending for i in instances)
    counts = [f"{firing} firing" + (f" ({recovering} recovering)" if recovering else "") if firing else "",
              f"{pending} pending" if pending else ""]
    busy = ", ".join(c for c in counts if c)
    return f"{busy} of {len(instances)} instances" if busy else f"normal ({len(instances)} instances)"


def _instance_facts(rule: AlertRule, instance: AlertInstance, reading: str) -> list[str]:
    """'firing since 17:46 (21 min ago)', 'value 4.2 (threshold > 3)' (or the panel's reading), the labels."""
    state = instance_state(instance)
    parts = [f"{state} since {since(instance.active_at)}" if instance.active_at else state]
    value = _value(rule, instance)
    if instance.value is None and reading:
        threshold = threshold_text(rule)
        value = reading + (f" (threshold {threshold})" if threshold else "")
    return [p for p in (*parts, value, affected(rule, instance)) if p]


def alert_rule_reply(rule: AlertRule, instances: Sequence[AlertInstance], reading: str, alerts_url: str) -> Reply:
    """One alert rule: its state (firing, pending, normal) since when, the value against the threshold (for a
    normal rule, what its panel reads now), the labels, the summary, a rule that can't be evaluated, a link.
    `reading` is built by `panel_reading` ("Decline ratio (Card Gateway) is 3.4 % now") or empty."""
    state = _rule_state(rule, instances)
    head = f"[{_severity(rule)}] {clean(rule.name, NAME)}"
    lines = []
    if len(instances) == 1:
        lines.append(" · ".join([head, *_instance_facts(rule, instances[0], reading)]))
    else:
        lines.append(f"{head}: {state}" + (f" · {reading}" if reading else ""))
        lines += [f"- {' · '.join(_instance_facts(rule, i, ''))}" for i in instances[:MAX_ALERTS_SHOWN]]
    if rule.summary:
        lines.append(f"Summary: {clean(rule.summary, 200)}")
    if rule.health and rule.health.lower() != "ok":
        lines.append(f"The rule can't be evaluated ({clean(rule.health, 20)}): {clean(rule.last_error, 160)}")
    lines.append(f"{safe_url(rule.url)} (all alert rules: {safe_url(alerts_url)})")
    status = _rule_status(rule, state)
    buttons = [Button("All firing alerts", payload("grafana_alerts"))]
    if rule.dashboard_uid and rule.panel_id is not None:
        buttons.insert(0, Button(f"Graph: {clean(rule.name, 40)}",
                                 payload("grafana_graph", panel=f"{rule.dashboard_uid}:{rule.panel_id}")))
    card = cards.status_card(f"{clean(rule.name, NAME)}: {state}", status, "\n".join(lines[:-1]),
                             link=("Open alert rule", rule.url), buttons=buttons)
    return Reply(text="\n".join(lines), card=card, buttons=buttons)


def _rule_status(rule: AlertRule, state: str) -> str:
    """The card's colour: red for a firing critical rule, yellow for firing, pending or broken, else green."""
    if "firing" in state:
        return "failed" if severity_rank(rule.severity) <= 1 else "warning"
    if "pending" in state or rule.health.lower() not in ("", "ok"):
        return "warning"
    return "ok"


def panel_reading(panel: Panel, series: Sequence[Series]) -> str:
    """'Decline ratio (Card Gateway) is 3.4 % now': what an alert's panel shows, when it is one series."""
    shown = _with_data(series)
    return f"{panel_label(panel)} is {formatted_first(shown[0], panel)} now" if len(shown) == 1 else ""


def alert_rules_reply(rules: Sequence[AlertRule], alerts_url: str, entity: str) -> Reply:
    """Several rules fit the words equally: each one's state in a line (which answers "are the ledger alerts
    ok?" as well as "is the ledger alert ok?"), and a button for each one's details."""
    lines = [f"- [{_severity(r)}] {clean(r.name, NAME)}: {_rule_state(r, r.instances)} · {safe_url(r.url)}"
             for r in rules[:MAX_ALERTS_SHOWN]]
    heading = f"{plural(len(rules), 'alert rule')} fit those words (a button gives one's details):"
    buttons = [Button(clean(r.name, 60), payload("grafana_alerts", **{entity: r.uid})) for r in rules[:6] if r.uid]
    card = cards.status_card("Which alert rule?", "neutral", "\n".join([heading, *lines]),
                             link=("Open alert rules", alerts_url), buttons=buttons)
    return Reply(text="\n".join([heading, *lines, f"All alert rules: {safe_url(alerts_url)}"]), card=card,
                 buttons=buttons)


# --- dashboards ----------------------------------------------------------------------------------------------
def dashboards_reply(dashboards: Sequence[Dashboard], about: str, home_url: str) -> Reply:
    about = clean(about, 80)
    if not dashboards:
        text = (f"I found no Grafana dashboards{f' about {about}' if about else ''}. "
                f"All dashboards: {safe_url(home_url)}")
        return Reply(text=text, card=cards.status_card("No dashboards", "neutral", text,
                                                       link=("Browse dashboards", home_url)))
    shown = dashboards[:MAX_LISTED]
    heading = f"{plural(len(dashboards), 'dashboard')}{f' about {about}' if about else ''} in Grafana:"
    lines = [f"- {clean(d.title, NAME)} (folder {clean(d.folder, NAME)}{_tags(d.tags)}): {safe_url(d.url)}"
             for d in shown]
    if len(dashboards) > MAX_LISTED:
        lines.append(f"…and {len(dashboards) - MAX_LISTED} more: {safe_url(home_url)}")
    blocks = [cards.paragraph("\n".join(f"- {link(d.title, d.url, NAME)} · {clean(d.folder, NAME)}" for d in shown))]
    buttons = [Button(f"Open {clean(d.title, 30)}", payload("grafana_dashboards", dashboard=d.uid)) for d in shown[:3]]
    card = cards.status_card(heading.rstrip(":"), "neutral", extra=blocks, link=("Browse dashboards", home_url),
                             buttons=buttons)
    return Reply(text="\n".join([heading, *lines]), card=card, buttons=buttons)


def _tags(tags: Sequence[str]) -> str:
    return f"; tags {', '.join(cleaned(tags, 40))}" if tags else ""


def dashboard_reply(dashboard: Dashboard, panels: Sequence[Panel]) -> Reply:
    tags, title, folder = _tags(dashboard.tags), clean(dashboard.title, NAME), clean(dashboard.folder, NAME)
    titles = cleaned((p.title for p in panels), NAME)
    text = (f"{title} (folder {folder}{tags}): {safe_url(dashboard.url)}\n"
            + (f"Panels: {', '.join(titles[:12])}" + ("…" if len(titles) > 12 else "") if titles else "No panels."))
    buttons = [Button(f"Graph {clean(p.title, 30)}", payload("grafana_graph", panel=p.key)) for p in panels[:4]]
    card = cards.status_card(title, "neutral", f"Folder {folder}{tags}",
                             [(clean(p.title, NAME), link("open", p.url)) for p in panels[:12]],
                             link=("Open dashboard", dashboard.url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


# --- annotations ---------------------------------------------------------------------------------------------
def _annotation_line(item: Annotation, dashboards: dict[str, Dashboard]) -> str:
    board = dashboards.get(item.dashboard_uid)
    on = f" on {clean(board.title, NAME)}" if board else ""
    tags = f" [{', '.join(cleaned(item.tags, 40))}]" if item.tags else ""
    return f"{clock(item.time)} ({ago(item.time)}): {clean(item.text, 160)}{tags}{on} · {safe_url(item.url)}"


def deploy_reply(deploys: Sequence[Annotation], env: str, window: TimeRange, dashboards: dict[str, Dashboard],
                 fallback_url: str) -> Reply:
    """The last deploy (to an environment), from deploy annotations, and the few before it."""
    target = f" to {clean(env, 40)}" if env else ""
    if not deploys:
        text = f"I found no deploy{target} annotated in Grafana {span(window)}. {safe_url(fallback_url)}"
        return Reply(text=text, card=cards.status_card(f"No deploy{target}", "neutral", text,
                                                       link=("Open Grafana", fallback_url)))
    last = deploys[0]
    text = (f"The last deploy{target} was {ago(last.time)} ({clock(last.time)}): {clean(last.text, 160)}"
            f"{_on(last, dashboards)}. {safe_url(last.url)}")
    earlier = [_annotation_line(a, dashboards) for a in deploys[1:4]]
    if earlier:
        text += "\nBefore that:\n" + "\n".join(f"- {line}" for line in earlier)
    facts = [("When", since(last.time)), ("What", clean(last.text, 160))]
    if last.tags:
        facts.append(("Tags", ", ".join(cleaned(last.tags, 40))))
    card = cards.status_card(f"Last deploy{target}", "ok", fact_pairs=facts,
                             extra=[cards.paragraph("Before that: " + "; ".join(
                                 f"{clock(a.time)} {clean(a.text, 80)}" for a in deploys[1:4]), subtle=True)]
                             if earlier else (), link=("Open dashboard", last.url))
    return Reply(text=text, card=card)


def _on(item: Annotation, dashboards: dict[str, Dashboard]) -> str:
    board = dashboards.get(item.dashboard_uid)
    return f" (on {clean(board.title, NAME)})" if board else ""


def annotations_reply(items: Sequence[Annotation], where: str, window: TimeRange, dashboards: dict[str, Dashboard],
                      url: str) -> Reply:
    """What was annotated (deploys, incidents, notes) on a dashboard or anywhere, newest first."""
    place = f" on {clean(where, NAME)}" if where else " in Grafana"
    if not items:
        text = f"Nothing was annotated{place} {span(window)}. {safe_url(url)}"
        return Reply(text=text, card=cards.status_card(f"No events{place}", "neutral", text, link=("Open", url)))
    heading = f"{plural(len(items), 'event')}{place} {span(window)}:"
    lines = [f"- {_annotation_line(a, dashboards)}" for a in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"…and {len(items) - MAX_LISTED} more: {safe_url(url)}")
    card = cards.status_card(heading.rstrip(":"), "neutral",
                             fact_pairs=[(clock(a.time), clean(a.text, 120)) for a in items[:MAX_LISTED]],
                             link=("Open in Grafana", url))
    return Reply(text="\n".join([heading, *lines]), card=card)
