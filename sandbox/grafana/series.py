"""Made-up but plausible panel history from the world's `series:` spec, and PNG charts of it (matplotlib, Agg).

Series end at the panel's `current` value at the moment of the request; the same request draws the same chart.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.grafana.schema import SERIES_SPEC
from sandbox.grafana.world import PanelModel

# Prometheus keeps this much history; older ranges come back empty.
RETENTION_SECONDS = 30 * 86400
SINE_PERIOD_SECONDS = 6 * 3600
RAMP_SECONDS = 24 * 3600
STEP_SLOT_SECONDS = 900
MIN_STEP_SECONDS = 15
MAX_POINTS = 11000
UNIT_LABELS = {"reqps": "req/s", "percent": "%", "percentunit": "%", "s": "s", "ms": "ms", "short": "",
               "none": "", "bytes": "B"}
RELATIVE_TIME = re.compile(r"^now(?:-(\d+)([smhdwMy]))?(?:/[dwMy])?$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}


def _noise(knot: float, seed: str) -> float:
    """Deterministic noise in [-1, 1] for a time knot and a series (the same request draws the same chart)."""
    digest = hashlib.blake2b(f"{seed}:{int(knot)}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 0xFFFFFFFF * 2 - 1


def _wobble(t: float, seed: str) -> float:
    """Smooth noise between ten-minute knots plus a little minute-to-minute jitter, in about [-1, 1]."""
    position = t / 600
    knot = math.floor(position)
    blend = (position - knot) ** 2 * (3 - 2 * (position - knot))
    smooth = _noise(knot, seed) * (1 - blend) + _noise(knot + 1, seed) * blend
    return 0.75 * smooth + 0.25 * _noise(t // 60 + 10**9, seed)


def value_at(panel: PanelModel, t: float, now: float) -> float | None:
    """The panel's value at Unix time t (None: no sample, in the future or before retention)."""
    match = SERIES_SPEC.match(panel.series)
    if not match or match.group(4) or t > now + 1 or t < now - RETENTION_SECONDS:
        return None
    kind, low, high = match.group(1), float(match.group(2)), float(match.group(3))
    age = max(0.0, now - t)
    if age < MIN_STEP_SECONDS:
        return panel.current
    calm = min(1.0, age / 300)  # the noise fades out towards now so the series ends at `current`
    seed = f"{panel.dashboard_uid}/{panel.id}"
    if kind == "steps":
        slot = int(t // STEP_SLOT_SECONDS)
        if slot == int(now // STEP_SLOT_SECONDS):
            return panel.current
        span = int(high) - int(low) + 1
        return float(int(low) + int((_noise(slot, seed) + 1) / 2 * span) % max(span, 1))
    if kind == "ramp":
        progress = max(0.0, 1 - age / RAMP_SECONDS)
        base = low + (panel.current - low) * progress
        return base + _wobble(t, seed) * abs(high - low) * 0.04 * calm
    mid, amplitude = (low + high) / 2, (high - low) / 2 or 1.0
    phase = math.asin(max(-1.0, min(1.0, (panel.current - mid) / amplitude)))
    base = mid + amplitude * math.sin(phase - 2 * math.pi * age / SINE_PERIOD_SECONDS)
    return base + _wobble(t, seed) * amplitude * 0.1 * calm


def points(panel: PanelModel, start: float, end: float, step: float, now: float) -> tuple[list[int], list[float]]:
    """Samples anchored at `end` (so a range ending now ends at the current value), oldest first."""
    times: list[int] = []
    values: list[float] = []
    t = min(end, now)
    count = 0
    while t >= start and count < MAX_POINTS:
        value = value_at(panel, t, now)
        if value is not None:
            times.append(int(t * 1000))
            values.append(round(value, 6))
        t -= step
        count += 1
    return times[::-1], values[::-1]


def parse_time(value: Any, now: float) -> float:
    """Grafana's from/to: epoch milliseconds or relative ('now', 'now-6h'). Returns Unix seconds."""
    text = str(value if value is not None else "now").strip()
    if text.isdigit():
        return int(text) / 1000
    match = RELATIVE_TIME.match(text)
    if not match:
        raise ValueError(f"invalid time {text!r}")
    amount, unit = match.groups()
    return now - (int(amount) * UNIT_SECONDS[unit] if amount else 0)


def step_for(start: float, end: float, max_points: int, interval_ms: float) -> float:
    return max(MIN_STEP_SECONDS, interval_ms / 1000, math.ceil((end - start) / max(max_points, 1)))


# --- PNG charts (matplotlib, Agg: no display) ---------------------------------------------------------------
def _figure(width: int, height: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="#181b1f")
    FigureCanvasAgg(figure)
    return figure


def _png(figure, metadata: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, facecolor=figure.get_facecolor(), metadata=metadata)
    return buffer.getvalue()


def draw_chart(panel: PanelModel, start: float, end: float, width: int, height: int, tz: str, now: float) -> bytes:
    """The panel over [start, end] as Grafana's dark theme would roughly draw it."""
    import matplotlib.dates as mdates

    zone = _zone(tz)
    step = step_for(start, end, width, 0)
    times, values = points(panel, start, end, step, now)
    figure = _figure(width, height)
    axes = figure.add_axes((0.08, 0.14, 0.9, 0.72))
    axes.set_facecolor("#181b1f")
    for spine in axes.spines.values():
        spine.set_color("#2c3235")
    axes.tick_params(colors="#ccccdc", labelsize=8)
    axes.grid(True, color="#2c3235", linewidth=0.6)
    label = UNIT_LABELS.get(panel.unit, panel.unit)
    axes.set_ylabel(label, color="#ccccdc", fontsize=9)
    axes.set_xlim(datetime.fromtimestamp(start, zone), datetime.fromtimestamp(end, zone))
    if times:
        stamps = [datetime.fromtimestamp(ms / 1000, zone) for ms in times]
        axes.plot(stamps, values, color="#73bf69", linewidth=1.6)
        axes.fill_between(stamps, values, min(values), color="#73bf69", alpha=0.15)
    else:
        axes.text(0.5, 0.5, "No data", color="#ccccdc", ha="center", va="center", transform=axes.transAxes)
    locator = mdates.AutoDateLocator(tz=zone)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    span = f"{_stamp(start, zone)} to {_stamp(end, zone)} ({zone.key})"
    figure.text(0.08, 0.93, panel.title, color="#ccccdc", fontsize=12, weight="bold")
    figure.text(0.98, 0.93, span, color="#8e8e8e", fontsize=8, ha="right")
    metadata = {"Title": panel.title,
                "Description": f"panel={panel.dashboard_uid}/{panel.id} from={int(start * 1000)} "
                               f"to={int(end * 1000)} tz={zone.key} points={len(times)}"}
    return _png(figure, metadata)


def draw_placeholder() -> bytes:
    """What Grafana serves when the image renderer plugin is missing (public/img/rendering_plugin_not_installed)."""
    figure = _figure(700, 350)
    figure.text(0.5, 0.55, "No image renderer available/installed", color="#ccccdc", fontsize=14, ha="center")
    figure.text(0.5, 0.42, "Install the grafana-image-renderer plugin", color="#8e8e8e", fontsize=10, ha="center")
    return _png(figure, {"Title": "rendering plugin not installed"})


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _stamp(timestamp: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, zone).strftime("%Y-%m-%d %H:%M")


