"""Grafana facade: dashboards and panels (the name lists), a panel's data over a time range, a panel rendered
as PNG, unified-alerting rule states and annotations. aiohttp with one pooled session per process (per event
loop), a timeout on every request, typed results, and only `BackendError` (or `RenderProblem` for a missing
image renderer) raised. No Rasa in here.

Requests per question, on a warm name-list cache: alerts 1, a metric value 1, a graph 2 (render + query, in
parallel), dashboards 0–1, annotations 1; one alert rule that is normal 2 (its panel's query: Grafana sends
no value for a normal rule); an environment no alert label has, 1 + the panel index (its $env variables). A
cold panel index costs 1 search + 1 per dashboard (at most MAX_INDEXED_DASHBOARDS, fetched in parallel), then
is reused for NAME_LIST_TTL seconds.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import re
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from backends.cache import TTLCache
from backends.facade import Facade
from backends.faults import BackendError, Fault, fault_for_status, translate_transport_errors
from backends.grafana.settings import GrafanaSettings, grafana_settings

BACKEND = "Grafana"
NAME_LIST_TTL = 60.0
MAX_INDEXED_DASHBOARDS = 50
# Teams shows inline images up to 1024x1024 px and 1 MB.
IMAGE_WIDTH, IMAGE_HEIGHT = 1000, 540
SMALLER_IMAGE = (800, 432)
MAX_IMAGE_BYTES = 1_000_000
# Rendering may be slow; past this the answer falls back to the numbers, still inside the 10 s budget.
RENDER_TIMEOUT_SECONDS = 6.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Panel types that show no queried data.
NOT_DATA_PANELS = {"row", "text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"}
FIRING_STATES = ("alerting",)
PENDING_STATES = ("pending",)
_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*\)?\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


# --- typed results -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    url: str  # absolute
    folder: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Panel:
    dashboard: Dashboard
    id: int
    title: str
    type: str = "timeseries"
    unit: str = ""
    decimals: int | None = None
    datasource: Any = field(default=None, compare=False, hash=False)
    targets: tuple = field(default=(), compare=False, hash=False)

    @property
    def key(self) -> str:
        """What a button sends back to name this panel exactly."""
        return f"{self.dashboard.uid}:{self.id}"

    @property
    def url(self) -> str:
        return f"{self.dashboard.url}?viewPanel={self.id}"

    def url_for(self, start_ms: int, end_ms: int) -> str:
        return f"{self.url}&from={start_ms}&to={end_ms}"


@dataclass(frozen=True)
class Series:
    name: str
    labels: dict[str, str]
    times: tuple[float, ...]  # Unix seconds
    values: tuple[float | None, ...]

    @property
    def samples(self) -> list[tuple[float, float]]:
        return [(t, v) for t, v in zip(self.times, self.values, strict=False) if v is not None]

    @property
    def last(self) -> tuple[float, float] | None:
        samples = self.samples
        return samples[-1] if samples else None


@dataclass(frozen=True)
class PanelImage:
    png: bytes
    width: int
    height: int


class RenderProblem(Exception):
    """Grafana could not render the panel (no image renderer plugin, a rendering error or timeout)."""


@dataclass(frozen=True)
class AlertInstance:
    labels: dict[str, str]
    state: str  # Alerting, Pending, Normal, possibly with a reason: "Alerting (NoData)"
    active_at: float | None
    value: float | None

    @property
    def firing(self) -> bool:
        return self.state.lower().startswith(FIRING_STATES)

    @property
    def pending(self) -> bool:
        return self.state.lower().startswith(PENDING_STATES)


@dataclass(frozen=True)
class AlertRule:
    uid: str
    name: str
    state: str  # firing, pending, inactive
    labels: dict[str, str]
    summary: str
    folder: str
    url: str
    instances: tuple[AlertInstance, ...] = ()
    threshold: float | None = None
    comparator: str = ""
    dashboard_uid: str = ""
    panel_id: int | None = None
    health: str = ""  # ok, nodata, error: a rule that can't be evaluated is not "ok" whatever its state
    last_error: str = ""

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")


@dataclass(frozen=True)
class Variable:
    """A dashboard's template variable ($env, $cluster) and the values it offers (the current one first)."""

    dashboard_uid: str
    name: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Annotation:
    id: int
    time: float  # Unix seconds
    text: str
    tags: tuple[str, ...]
    dashboard_uid: str
    panel_id: int
    url: str


# --- the session and the caches ------------------------------------------------------------------------------
class _SessionPool:
    """One pooled ClientSession per process, created on first use. Tests run each action in a fresh event
    loop; a session whose loop has gone is dropped for a new one."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._drop()
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=20, ttl_dns_cache=300))
            if self._loop is None:
                atexit.register(self.forget)
            self._loop = loop
        return self._session

    def _drop(self) -> None:
        old, self._session = self._session, None
        if old is not None and not old.closed and self._loop is not None and self._loop.is_closed():
            with suppress(Exception):  # its loop is gone: nothing to await, just forget the connections
                connector = old.connector
                old.detach()
                if connector is not None:
                    connector._close()

    async def close(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._drop()
        self._session = None

    def forget(self) -> None:
        """Drop a session whose event loop has finished (tests run each action in its own loop)."""
        self._drop()


_pool = _SessionPool()
# Name lists (dashboards, their panels), per Grafana: shared by every client of the process.
_names: TTLCache[Any] = TTLCache(NAME_LIST_TTL)


def clear_cache() -> None:
    """Forget the cached name lists (tests; a changed Grafana)."""
    _names.clear()


async def close() -> None:
    """Close the pooled session (at shutdown)."""
    await _pool.close()


def forget_session() -> None:
    _pool.forget()


@contextmanager
def _shape(what: str) -> Iterator[None]:
    """JSON that is valid but not what Grafana sends → a bad response, not a crash."""
    try:
        yield
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise BackendError(BACKEND, Fault.BAD_RESPONSE, f"unexpected {what}") from exc


def _seconds(value: Any) -> float | None:
    """An RFC 3339 time from Grafana ('2026-11-26T13:37:11.539Z', Go's zero time = None) → Unix seconds."""
    if not value or str(value).startswith("0001-01-01"):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value)).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


def _number(value: Any) -> float | None:
    """The alert value: '1.82e+00', or several ('B: 1.82e+00, C: 1e+00') of which the first is shown."""
    text = str(value or "").strip()
    if not text:
        return None
    first = text.split(",")[0].split(":")[-1].strip()
    try:
        return float(first)
    except ValueError:
        return None


def _interpolate(value: Any, variables: dict[str, str]) -> Any:
    """Dashboard variables ($var, ${var}, [[var]]) replaced by their current values, as the browser would."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: variables.get(m.group(1) or m.group(2) or m.group(3), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _interpolate(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, variables) for v in value]
    return value


def _variables(dashboard: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        current = (variable.get("current") or {}).get("value")
        if isinstance(current, list):
            current = "|".join(str(v) for v in current)
        if variable.get("name") and current is not None and not str(current).startswith("$__all"):
            found[str(variable["name"])] = str(current)
    return found


def _variable_values(variable: dict) -> tuple[str, ...]:
    """The values a template variable offers: its current value(s), its saved options and, for a custom
    variable, its comma-separated query ("production,staging" or "Production : prod"). Never "All"."""
    current = (variable.get("current") or {}).get("value")
    values = list(current) if isinstance(current, list) else [current]
    values += [option.get("value") for option in variable.get("options") or [] if isinstance(option, dict)]
    if variable.get("type") == "custom":
        values += [part.rsplit(" : ", 1)[-1] for part in str(variable.get("query") or "").split(",")]
    shown = (str(v).strip() for v in values if v is not None and not isinstance(v, dict | list))
    return tuple(dict.fromkeys(v for v in shown if v and not v.startswith("$__") and v.lower() != "all"))


def _template_variables(uid: str, dashboard: dict) -> tuple[Variable, ...]:
    return tuple(Variable(uid, str(v["name"]), str(v.get("label") or v["name"]), _variable_values(v))
                 for v in (dashboard.get("templating") or {}).get("list") or []
                 if isinstance(v, dict) and v.get("name") and v.get("type") not in ("constant", "textbox", "adhoc"))


def _flatten(panels: Iterable[dict]) -> Iterator[dict]:
    """Panels, including those inside collapsed rows."""
    for panel in panels:
        yield panel
        yield from _flatten(panel.get("panels") or [])


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header, or None when it is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


# --- the client ----------------------------------------------------------------------------------------------
class GrafanaService:
    """One Grafana as configured: its API over the process's pooled aiohttp session."""

    def __init__(self, config: GrafanaSettings, timeout: float) -> None:
        self.base_url = config.url.rstrip("/")
        self._token = config.token
        self.timeout = timeout

    # -- plumbing ---------------------------------------------------------------------------------------------
    def absolute(self, url: str) -> str:
        """Grafana's URLs are relative to its root (and include a sub-path when it is served under one)."""
        if not url:
            return self.base_url
        parts = urlsplit(self.base_url)
        if url.startswith("/") and parts.path and url.startswith(parts.path.rstrip("/") + "/"):
            return f"{parts.scheme}://{parts.netloc}{url}"
        return urljoin(self.base_url + "/", url.lstrip("/"))

    async def _request(self, method: str, path: str, *, params: Any = None, body: Any = None,
                       timeout: float | None = None) -> tuple[int, str, bytes, dict[str, str]]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        with translate_transport_errors(BACKEND):
            session = _pool.session()
            async with session.request(method, self.base_url + path, params=params, json=body, headers=headers,
                                       timeout=aiohttp.ClientTimeout(total=timeout or self.timeout)) as response:
                return response.status, response.content_type, await response.read(), dict(response.headers)

    def _raise_for(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        if status < 400:
            return
        fault = fault_for_status(status)
        retry_at = None
        if fault is Fault.RATE_LIMITED:
            with suppress(ValueError):
                retry_at = datetime.now(timezone.utc) + timedelta(seconds=float(headers.get("Retry-After", "")))
        message = ""
        with suppress(ValueError, AttributeError):
            message = str(json.loads(data).get("message") or "")[:120]
        detail = f"HTTP {status}" + (f": {message}" if message and fault is Fault.BAD_RESPONSE else "")
        raise BackendError(BACKEND, fault, detail, retry_at=retry_at)

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        status, _type, data, headers = await self._request(method, path, **kwargs)
        self._raise_for(status, data, headers)
        with translate_transport_errors(BACKEND):
            return json.loads(data)

    async def _cached(self, name: str, load) -> Any:
        key = (self.base_url, name)
        hit = _names.fresh(key)
        return hit.value if hit is not None else _names.put(key, await load())

    # -- dashboards and panels (name lists: cached) ---------------------------------------------------------
    async def dashboards(self) -> list[Dashboard]:
        async def load() -> list[Dashboard]:
            hits = await self._json("GET", "/api/search", params={"type": "dash-db", "limit": "5000"})
            with _shape("dashboard search"):
                return [Dashboard(str(h["uid"]), str(h["title"]), self.absolute(str(h.get("url") or "")),
                                  str(h.get("folderTitle") or "General"), tuple(h.get("tags") or ()))
                        for h in hits if h.get("type", "dash-db") == "dash-db"]

        return await self._cached("dashboards", load)

    async def dashboard_panels(self, dashboard: Dashboard) -> list[Panel]:
        return list((await self._dashboard_model(dashboard))[0])

    async def _dashboard_model(self, dashboard: Dashboard) -> tuple[tuple[Panel, ...], tuple[Variable, ...]]:
        """A dashboard's data panels and template variables (one request, cached with the name lists)."""
        async def load() -> tuple[tuple[Panel, ...], tuple[Variable, ...]]:
            data = await self._json("GET", f"/api/dashboards/uid/{dashboard.uid}")
            with _shape("dashboard JSON"):
                model = data["dashboard"]
                variables = _variables(model)
                panels = []
                for raw in _flatten(model.get("panels") or []):
                    if raw.get("type") in NOT_DATA_PANELS or "id" not in raw or not raw.get("targets"):
                        continue
                    defaults = (raw.get("fieldConfig") or {}).get("defaults") or {}
                    panels.append(Panel(
                        dashboard, int(raw["id"]), str(raw.get("title") or f"Panel {raw['id']}"),
                        str(raw.get("type") or "timeseries"), str(defaults.get("unit") or ""),
                        defaults.get("decimals"), _interpolate(raw.get("datasource"), variables),
                        tuple(_interpolate(t, variables) for t in raw["targets"]),
                    ))
                return tuple(panels), _template_variables(dashboard.uid, model)

        return await self._cached(f"dashboard:{dashboard.uid}", load)

    async def _indexed(self) -> list[tuple[tuple[Panel, ...], tuple[Variable, ...]]]:
        """Panels and variables of (at most MAX_INDEXED_DASHBOARDS) dashboards, fetched in parallel."""
        dashboards = (await self.dashboards())[:MAX_INDEXED_DASHBOARDS]
        results = await asyncio.gather(*(self._dashboard_model(d) for d in dashboards), return_exceptions=True)
        models = []
        for result in results:
            if isinstance(result, BackendError) and result.fault is Fault.NOT_FOUND:
                continue  # deleted between the search and now
            if isinstance(result, BaseException):
                raise result
            models.append(result)
        return models

    async def panels(self) -> list[Panel]:
        """Every data panel of (at most MAX_INDEXED_DASHBOARDS) dashboards."""
        async def load() -> list[Panel]:
            return [panel for panels, _variables in await self._indexed() for panel in panels]

        return await self._cached("panels", load)

    async def variables(self) -> list[Variable]:
        """Every template variable of the indexed dashboards ($env with production, staging, …)."""
        return [variable for _panels, variables in await self._indexed() for variable in variables]

    async def panel(self, dashboard_uid: str, panel_id: int) -> Panel | None:
        """One panel by its dashboard and id (an alert rule's panel), or None when it is gone."""
        dashboard = next((d for d in await self.dashboards() if d.uid == dashboard_uid), None)
        if dashboard is None:
            return None
        try:
            panels = await self.dashboard_panels(dashboard)
        except BackendError as error:
            if error.fault is Fault.NOT_FOUND:
                return None
            raise
        return next((p for p in panels if p.id == panel_id), None)

    # -- data (never cached) ----------------------------------------------------------------------------------
    async def query(self, panel: Panel, start_ms: int, end_ms: int, max_points: int = 200) -> list[Series]:
        """The panel's own queries over [start, end] through /api/ds/query, as the dashboard would run them."""
        queries = []
        interval_ms = max(1000, (end_ms - start_ms) // max(max_points, 1))
        for index, target in enumerate(panel.targets):
            if not isinstance(target, dict) or target.get("hide"):
                continue
            query = dict(target)
            query.setdefault("refId", chr(ord("A") + index % 26))
            datasource = target.get("datasource") or panel.datasource
            if isinstance(datasource, str):
                datasource = {"uid": datasource}
            query["datasource"] = datasource
            query.update(maxDataPoints=max_points, intervalMs=interval_ms)
            queries.append(query)
        if not queries:
            return []
        data = await self._json("POST", "/api/ds/query",
                                body={"queries": queries, "from": str(start_ms), "to": str(end_ms)})
        return query_series(data, panel.title)

    async def render(self, panel: Panel, start_ms: int, end_ms: int, tz: str,
                     size: tuple[int, int] = (IMAGE_WIDTH, IMAGE_HEIGHT)) -> PanelImage:
        """The panel as a PNG within Teams' limits. Raises RenderProblem when Grafana can't render it."""
        slug = self.absolute(panel.dashboard.url).rstrip("/").rsplit("/", 1)[-1] or panel.dashboard.uid
        for width, height in (size, SMALLER_IMAGE):
            params = {"orgId": "1", "panelId": str(panel.id), "from": str(start_ms), "to": str(end_ms),
                      "width": str(width), "height": str(height), "tz": tz}
            try:
                status, content_type, data, headers = await self._request(
                    "GET", f"/render/d-solo/{panel.dashboard.uid}/{slug}", params=params,
                    timeout=min(self.timeout, RENDER_TIMEOUT_SECONDS))
            except BackendError as error:
                if error.fault is Fault.TIMED_OUT:
                    raise RenderProblem("rendering the image took too long") from error
                raise
            if status in (401, 403, 429):
                self._raise_for(status, data, headers)
            if status >= 400:
                raise RenderProblem(f"rendering failed (HTTP {status}); is the image renderer plugin installed?")
            dimensions = png_size(data)
            if dimensions is None:
                raise RenderProblem(f"Grafana sent {content_type or 'something'} instead of a PNG")
            if dimensions != (width, height):
                # Without the renderer plugin Grafana answers 200 with a fixed "not installed" placeholder.
                raise RenderProblem("Grafana has no image renderer plugin installed")
            if len(data) <= MAX_IMAGE_BYTES:
                return PanelImage(data, width, height)
        raise RenderProblem("the rendered image is larger than Teams allows (1 MB)")

    async def alert_rules(self) -> list[AlertRule]:
        """Grafana-managed alert rules with their state and alert instances (unified alerting)."""
        data = await self._json("GET", "/api/prometheus/grafana/api/v1/rules")
        with _shape("alert rules"):
            if data.get("status") != "success":
                raise BackendError(BACKEND, Fault.BAD_RESPONSE, str(data.get("error") or "alert rules failed")[:120])
            rules = []
            for group in data["data"]["groups"]:
                for rule in group.get("rules") or []:
                    if rule.get("type", "alerting") == "alerting":
                        rules.append(self._alert_rule(rule, str(group.get("file") or "")))
            return rules

    def _alert_rule(self, rule: dict, folder: str) -> AlertRule:
        annotations = rule.get("annotations") or {}
        dashboard_uid = str(annotations.get("__dashboardUid__") or "")
        panel_id = int(annotations["__panelId__"]) if str(annotations.get("__panelId__") or "").isdigit() else None
        uid = str(rule.get("uid") or "")
        if dashboard_uid:
            url = self.absolute(f"/d/{dashboard_uid}" + (f"?viewPanel={panel_id}" if panel_id is not None else ""))
        elif uid:
            url = self.absolute(f"/alerting/grafana/{uid}/view")
        else:
            url = self.absolute("/alerting/list")
        comparison = _COMPARISON.search(str(rule.get("query") or ""))
        instances = tuple(
            AlertInstance({str(k): str(v) for k, v in (a.get("labels") or {}).items()}, str(a.get("state") or ""),
                          _seconds(a.get("activeAt")), _number(a.get("value")))
            for a in rule.get("alerts") or []
        )
        return AlertRule(
            uid=uid, name=str(rule["name"]), state=str(rule.get("state") or "inactive"),
            labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
            summary=str(annotations.get("summary") or annotations.get("description") or ""), folder=folder, url=url,
            instances=instances, threshold=float(comparison.group(2)) if comparison else None,
            comparator=comparison.group(1) if comparison else "", dashboard_uid=dashboard_uid, panel_id=panel_id,
            health=str(rule.get("health") or ""), last_error=str(rule.get("lastError") or ""),
        )

    async def annotations(self, start_ms: int, end_ms: int, dashboard_uid: str = "", tags: Iterable[str] = (),
                          limit: int = 100) -> list[Annotation]:
        """Annotations (deploys, incidents, notes) newest first."""
        params: list[tuple[str, str]] = [("from", str(start_ms)), ("to", str(end_ms)), ("limit", str(limit)),
                                         ("type", "annotation")]
        if dashboard_uid:
            params.append(("dashboardUID", dashboard_uid))
        params.extend(("tags", tag) for tag in tags)
        data = await self._json("GET", "/api/annotations", params=params)
        with _shape("annotations"):
            found = []
            for item in data:
                at = float(item["time"]) / 1000
                uid = str(item.get("dashboardUID") or "")
                window = f"from={int((at - 3600) * 1000)}&to={int((at + 3600) * 1000)}"
                url = self.absolute(f"/d/{uid}?{window}") if uid else self.absolute(f"/explore?{window}")
                found.append(Annotation(int(item.get("id") or 0), at, str(item.get("text") or ""),
                                        tuple(str(t) for t in item.get("tags") or ()), uid,
                                        int(item.get("panelId") or 0), url))
            return sorted(found, key=lambda a: -a.time)


def query_series(data: Any, default_name: str) -> list[Series]:
    """/api/ds/query's answer ({"results": {refId: {"frames": [...]}}}) → series; an error in it is Grafana's."""
    with _shape("query result"):
        series: list[Series] = []
        for ref_id, result in (data.get("results") or {}).items():
            if result.get("error"):
                raise BackendError(BACKEND, Fault.BAD_RESPONSE, f"query {ref_id}: {str(result['error'])[:120]}")
            for frame in result.get("frames") or []:
                series.extend(_frame_series(frame, default_name))
        return series


def _frame_series(frame: dict, default_name: str) -> list[Series]:
    """Data frames (schema.fields + data.values, columns) → one Series per number field."""
    fields = frame["schema"].get("fields") or []
    columns = (frame.get("data") or {}).get("values") or []
    time_index = next((i for i, f in enumerate(fields) if f.get("type") == "time"), None)
    if time_index is None or time_index >= len(columns):
        return []
    times = tuple(float(t) / 1000 for t in columns[time_index])
    series = []
    for index, spec in enumerate(fields):
        if spec.get("type") != "number" or index >= len(columns):
            continue
        labels = {str(k): str(v) for k, v in (spec.get("labels") or {}).items()}
        config = spec.get("config") or {}
        name = config.get("displayNameFromDS") or config.get("displayName") or ", ".join(
            f"{k}={v}" for k, v in labels.items() if k != "__name__") or default_name
        values = tuple(None if v is None else float(v) for v in columns[index])
        series.append(Series(str(name), labels, times, values))
    return series


def _forget_caches() -> None:
    clear_cache()
    forget_session()


facade: Facade[GrafanaService] = Facade(BACKEND, grafana_settings, GrafanaService, on_reset=_forget_caches)


def service() -> GrafanaService:
    """The client for the configured Grafana (created on first use, never at import time)."""
    return facade.service()


reset = facade.reset
