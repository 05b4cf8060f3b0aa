"""Grafana results → replies: metric values in their units, graphs (the PNG as a data URL), alerts,
dashboards and annotations. Pure functions: typed results in, `Reply` out; every reply carries a link."""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Sequence
from datetime import datetime

from actions.base import payload
from actions.render import Button, Reply, cards
from actions.render.text import ago, clean, duration, join_names, plural
from actions.services.grafana import AlertInstance, AlertRule, Annotation, Dashboard, Panel, PanelImage, Series
from actions.timerange import TimeRange

MAX_SERIES_SHOWN = 5
MAX_ALERTS_SHOWN = 10
MAX_LISTED = 15
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
        return f"{number(value, decimals)}{unit[7:]}"
    if unit.startswith("prefix:"):
        return f"{unit[7:]}{number(value, decimals)}"
    return f"{number(value, decimals)} {_SUFFIXES.get(unit, unit)}"


# --- times ---------------------------------------------------------------------------------------------------
def clock(moment: datetime | float, now: float | None = None) -> str:
    """'15:02' today, 'Wed 18:00' this week, '20 Nov 15:37' before."""
    local = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment).astimezone()
    current = datetime.fromtimestamp(now if now is not None else time.time()).astimezone(local.tzinfo)
    if local.date() == current.date():
        return local.strftime("%H:%M")
    if abs((current - local).days) < 6:
        return local.strftime("%a %H:%M")
    return local.strftime("%d %b %H:%M").lstrip("0")


def since(timestamp: float, now: float | None = None) -> str:
    return f"{clock(timestamp, now)} ({ago(timestamp, now)})"


def span(window: TimeRange) -> str:
    """'in the last 6 hours (09:34–15:34)', 'since yesterday 6pm (Wed 18:00 – Thu 15:34)', 'today (00:00–15:34)'."""
    start, end = window.start, window.end
    if start.date() == end.date():
        times = f"{start:%H:%M}–{end:%H:%M}"
    elif (end - start).days < 6:
        times = f"{start:%a %H:%M} – {end:%a %H:%M}"
    else:
        times = f"{start:%d %b %H:%M} – {end:%d %b %H:%M}".replace(" 0", " ").lstrip("0")
    relative = window.phrase.lower().startswith(("last ", "past ", "previous ", "prior ", "now-"))
    return f"{'in the ' if relative else ''}{window.phrase} ({times})"


def image_data_url(image: PanelImage) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


# --- panels: values and graphs -------------------------------------------------------------------------------
def panel_label(panel: Panel) -> str:
    return f"{panel.title} ({panel.dashboard.title})"


def _with_data(series: Sequence[Series]) -> list[Series]:
    return [s for s in series if s.samples]


def _name(item: Series, panel: Panel, many: bool) -> str:
    return clean(item.name, 60) if many else panel.title


def _numbers(series: Sequence[Series], panel: Panel) -> str:
    """'now 1.82 s (min …, max …, avg …)' for one series; 'name: now …; name: now …' for several."""
    if len(series) == 1:
        return _stats(series[0], panel)
    return "; ".join(f"{clean(s.name, 60)}: {_stats(s, panel)}" for s in series[:MAX_SERIES_SHOWN])


def _stats(item: Series, panel: Panel) -> str:
    values = [v for _t, v in item.samples]
    show = lambda v: format_value(v, panel.unit, panel.decimals)  # noqa: E731
    return (f"now {show(values[-1])} (min {show(min(values))}, max {show(max(values))}, "
            f"avg {show(sum(values) / len(values))})")


def _graph_buttons(panel: Panel, phrases: Sequence[str]) -> list[Button]:
    return [Button(f"Graph {phrase}", payload("grafana_graph", panel=panel.key, time_range=phrase))
            for phrase in phrases]


def no_data_reply(panel: Panel, where: str, url: str) -> Reply:
    text = f"Grafana has no data for {panel_label(panel)} {where}. {url}"
    return Reply(text=text, card=cards.status_card(panel_label(panel), "neutral", f"No data {where}.",
                                                   link=("Open panel", url)))


def metric_now_reply(panel: Panel, series: Sequence[Series], window_minutes: int) -> Reply:
    """The current value(s) of a panel: the last sample of each of its series."""
    shown = _with_data(series)
    if not shown:
        return no_data_reply(panel, f"in the last {window_minutes} minutes", panel.url)
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
        text = f"{panel_label(panel)} right now: " + "; ".join(lines) + f"{more}. {panel.url}"
    else:
        text = f"{panel_label(panel)} is {lines[0].split(': ', 1)[1]} right now. {panel.url}"
    buttons = _graph_buttons(panel, ("last 6 hours", "last 24 hours"))
    card = cards.status_card(panel_label(panel), "neutral", text.rsplit(" ", 1)[0], pairs,
                             link=("Open panel", panel.url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def metric_range_reply(panel: Panel, series: Sequence[Series], window: TimeRange) -> Reply:
    """A panel over a range: now, min, max and average of each series."""
    url = panel.url_for(window.start_ms, window.end_ms)
    shown = _with_data(series)
    if not shown:
        return no_data_reply(panel, span(window), url)
    many = len(shown) > 1
    text = f"{panel_label(panel)} {span(window)}: {_numbers(shown, panel)}. {url}"
    buttons = _graph_buttons(panel, (window.phrase,))
    card = cards.status_card(panel_label(panel), "neutral", f"{span(window)}",
                             [(_name(s, panel, many), _stats(s, panel)) for s in shown[:MAX_SERIES_SHOWN]],
                             link=("Open panel", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def graph_reply(panel: Panel, series: Sequence[Series], window: TimeRange, image: PanelImage | None,
                problem: str = "") -> Reply:
    """The rendered panel as an inline image, with the numbers in words; without an image, the numbers."""
    url = panel.url_for(window.start_ms, window.end_ms)
    shown = _with_data(series)
    numbers = _numbers(shown, panel) if shown else "no data in this range"
    other = [p for p in ("last 24 hours", "last 7 days", "last 6 hours") if p != window.phrase][:2]
    buttons = [*_graph_buttons(panel, other), Button("Value now", payload("grafana_metric_value", panel=panel.key))]
    if image is None:
        text = (f"I couldn't get the graph of {panel_label(panel)} from Grafana: {problem}. "
                f"The numbers {span(window)}: {numbers}. {url}")
        card = cards.status_card(panel_label(panel), "warning", text.rsplit(" ", 1)[0], link=("Open in Grafana", url),
                                 buttons=buttons)
        return Reply(text=text, card=card, buttons=buttons)
    data_url = image_data_url(image)
    text = f"{panel_label(panel)} {span(window)}: {numbers}. {url}"
    card = cards.status_card(panel_label(panel), "neutral", f"{span(window)}: {numbers}",
                             extra=[cards.image(data_url, f"Graph of {panel.title}, {span(window)}")],
                             link=("Open in Grafana", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons, image_url=data_url)


def time_problem_reply(message: str) -> Reply:
    return Reply(text=message, card=cards.status_card("Which time range?", "warning", message))


# --- alerts --------------------------------------------------------------------------------------------------
def severity_rank(severity: str) -> float:
    return SEVERITY_RANK.get(severity.lower(), 2.5) if severity else 2.5


def affected(rule: AlertRule, instance: AlertInstance) -> str:
    labels = {**rule.labels, **instance.labels}
    return ", ".join(f"{k}={v}" for k, v in labels.items() if k not in _PLUMBING_LABELS and not k.startswith("__"))


def _value(rule: AlertRule, instance: AlertInstance) -> str:
    if instance.value is None:
        return ""
    threshold = f" (threshold {rule.comparator} {number(rule.threshold)})" if rule.threshold is not None else ""
    return f"value {number(instance.value)}{threshold}"


def alert_line(rule: AlertRule, instance: AlertInstance, now: float | None = None) -> str:
    parts = [f"[{rule.severity or 'no severity'}] {rule.name}"]
    state = "firing" if instance.firing else "pending"
    if instance.active_at:
        parts.append(f"{state} since {since(instance.active_at, now)}")
    else:
        parts.append(state)
    for extra in (_value(rule, instance), affected(rule, instance), rule.url):
        if extra:
            parts.append(extra)
    return " · ".join(parts)


def alerts_reply(active: Sequence[tuple[AlertRule, AlertInstance]], pending_hidden: Sequence[tuple[AlertRule,
                 AlertInstance]], severity: str, scope: str, alerts_url: str, include_pending: bool) -> Reply:
    """Firing (and pending, when asked) alerts, most severe first; "all clear" said as such."""
    firing = [pair for pair in active if pair[1].firing]
    pending = [pair for pair in active if pair[1].pending]
    lines: list[str] = []
    blocks: list[dict] = []
    for rule, instance in active[:MAX_ALERTS_SHOWN]:
        lines.append(alert_line(rule, instance))
        blocks.append(cards.paragraph(f"**[{rule.severity or 'no severity'}] [{rule.name}]({rule.url})**"))
        facts = [("State", f"{'firing' if instance.firing else 'pending'}"
                           + (f" since {since(instance.active_at)}" if instance.active_at else ""))]
        if _value(rule, instance):
            facts.append(("Value", _value(rule, instance)))
        if affected(rule, instance):
            facts.append(("Labels", affected(rule, instance)))
        if rule.summary:
            facts.append(("Summary", clean(rule.summary, 160)))
        blocks.append(cards.facts(facts))
    if len(active) > MAX_ALERTS_SHOWN:
        lines.append(f"…and {len(active) - MAX_ALERTS_SHOWN} more.")
    kind = f"{severity} " if severity else ""
    where = f" {scope}" if scope else ""
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
    text = "\n".join([heading, *lines, f"All alert rules: {alerts_url}"])
    card = cards.status_card(heading.rstrip(":"), status, extra=blocks, link=("Open alert rules", alerts_url),
                             buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


# --- dashboards ----------------------------------------------------------------------------------------------
def dashboards_reply(dashboards: Sequence[Dashboard], about: str, home_url: str) -> Reply:
    if not dashboards:
        text = f"I found no Grafana dashboards{f' about {about}' if about else ''}. All dashboards: {home_url}"
        return Reply(text=text, card=cards.status_card("No dashboards", "neutral", text,
                                                       link=("Browse dashboards", home_url)))
    shown = dashboards[:MAX_LISTED]
    heading = f"{plural(len(dashboards), 'dashboard')}{f' about {about}' if about else ''} in Grafana:"
    lines = [f"- {d.title} (folder {d.folder}" + (f"; tags {', '.join(d.tags)}" if d.tags else "") + f"): {d.url}"
             for d in shown]
    if len(dashboards) > MAX_LISTED:
        lines.append(f"…and {len(dashboards) - MAX_LISTED} more: {home_url}")
    blocks = [cards.paragraph("\n".join(f"- [{d.title}]({d.url}) · {d.folder}" for d in shown))]
    buttons = [Button(f"Open {clean(d.title, 30)}", payload("grafana_dashboards", dashboard=d.uid)) for d in shown[:3]]
    card = cards.status_card(heading.rstrip(":"), "neutral", extra=blocks, link=("Browse dashboards", home_url),
                             buttons=buttons)
    return Reply(text="\n".join([heading, *lines]), card=card, buttons=buttons)


def dashboard_reply(dashboard: Dashboard, panels: Sequence[Panel]) -> Reply:
    tags = f"; tags {', '.join(dashboard.tags)}" if dashboard.tags else ""
    titles = [p.title for p in panels]
    text = (f"{dashboard.title} (folder {dashboard.folder}{tags}): {dashboard.url}\n"
            + (f"Panels: {', '.join(titles[:12])}" + ("…" if len(titles) > 12 else "") if titles else "No panels."))
    buttons = [Button(f"Graph {clean(p.title, 30)}", payload("grafana_graph", panel=p.key)) for p in panels[:4]]
    card = cards.status_card(dashboard.title, "neutral", f"Folder {dashboard.folder}{tags}",
                             [(p.title, f"[open]({p.url})") for p in panels[:12]],
                             link=("Open dashboard", dashboard.url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


# --- annotations ---------------------------------------------------------------------------------------------
def _annotation_line(item: Annotation, dashboards: dict[str, Dashboard]) -> str:
    board = dashboards.get(item.dashboard_uid)
    on = f" on {board.title}" if board else ""
    tags = f" [{', '.join(item.tags)}]" if item.tags else ""
    return f"{clock(item.time)} ({ago(item.time)}): {clean(item.text, 160)}{tags}{on} · {item.url}"


def deploy_reply(deploys: Sequence[Annotation], env: str, window: TimeRange, dashboards: dict[str, Dashboard],
                 fallback_url: str) -> Reply:
    """The last deploy (to an environment), from deploy annotations, and the few before it."""
    target = f" to {env}" if env else ""
    if not deploys:
        text = f"I found no deploy{target} annotated in Grafana {span(window)}. {fallback_url}"
        return Reply(text=text, card=cards.status_card(f"No deploy{target}", "neutral", text,
                                                       link=("Open Grafana", fallback_url)))
    last = deploys[0]
    text = (f"The last deploy{target} was {ago(last.time)} ({clock(last.time)}): {clean(last.text, 160)}"
            f"{_on(last, dashboards)}. {last.url}")
    earlier = [_annotation_line(a, dashboards) for a in deploys[1:4]]
    if earlier:
        text += "\nBefore that:\n" + "\n".join(f"- {line}" for line in earlier)
    facts = [("When", since(last.time)), ("What", clean(last.text, 160))]
    if last.tags:
        facts.append(("Tags", ", ".join(last.tags)))
    card = cards.status_card(f"Last deploy{target}", "ok", fact_pairs=facts,
                             extra=[cards.paragraph("Before that: " + "; ".join(
                                 f"{clock(a.time)} {clean(a.text, 80)}" for a in deploys[1:4]), subtle=True)]
                             if earlier else (), link=("Open dashboard", last.url))
    return Reply(text=text, card=card)


def _on(item: Annotation, dashboards: dict[str, Dashboard]) -> str:
    board = dashboards.get(item.dashboard_uid)
    return f" (on {board.title})" if board else ""


def annotations_reply(items: Sequence[Annotation], where: str, window: TimeRange, dashboards: dict[str, Dashboard],
                      url: str) -> Reply:
    """What was annotated (deploys, incidents, notes) on a dashboard or anywhere, newest first."""
    place = f" on {where}" if where else " in Grafana"
    if not items:
        text = f"Nothing was annotated{place} {span(window)}. {url}"
        return Reply(text=text, card=cards.status_card(f"No events{place}", "neutral", text, link=("Open", url)))
    heading = f"{plural(len(items), 'event')}{place} {span(window)}:"
    lines = [f"- {_annotation_line(a, dashboards)}" for a in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"…and {len(items) - MAX_LISTED} more: {url}")
    card = cards.status_card(heading.rstrip(":"), "neutral",
                             fact_pairs=[(clock(a.time), clean(a.text, 120)) for a in items[:MAX_LISTED]],
                             link=("Open in Grafana", url))
    return Reply(text="\n".join([heading, *lines]), card=card)
