"""Grafana facade: dashboards and panels (the name lists), a panel's data over a time range, a panel rendered
as PNG, unified-alerting rule states and annotations. aiohttp with one pooled session per process (per event
loop), a timeout on every request, typed results, and only `BackendError` (or `RenderProblem` for a missing
image renderer) raised. No Rasa in here.

Requests per question, on a warm name-list cache: alerts 1, a metric value 1, a graph 2 (render + query, in
parallel), dashboards 0–1, annotations 1; one alert rule that is normal 2 (its panel's query: Grafana sends
no value for a normal rule); an environment no alert label has, 1 + the panel index (its $env variables). A
cold panel index costs 1 search + 1 per dashboard (at most MAX_INDEXED_DASHBOARDS, fetched in parallel), then
is reused for NAME_LIST_TTL seconds. The alert rules' definitions (the ruler API: where a Grafana-managed rule
keeps its threshold) and the data source list (for dashboards saved before Grafana 8.3, which name their data
source by name or leave it null) are name lists too: 1 request each when cold, the latter only for such panels.
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
# An alert instance's state (possibly with a reason: "Alerting (NoData)"). Grafana 12's Recovering is a firing
# alert inside its keep_firing_for period: its condition no longer holds, but it still fires.
FIRING_STATES = ("alerting", "recovering")
RECOVERING_STATES = ("recovering",)
PENDING_STATES = ("pending",)
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_COMPARISON = re.compile(rf"(>=|<=|==|!=|>|<)\s*({_NUMBER})\s*\)?\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
# A threshold's evaluator types (threshold expressions and classic conditions) as comparators; ranges keep
# Grafana's names (the renderer words them).
EVALUATOR_COMPARATORS = {"gt": ">", "lt": "<", "gte": ">=", "ge": ">=", "lte": "<=", "le": "<=", "eq": "=",
                         "ne": "!="}
RANGE_EVALUATORS = ("within_range", "outside_range", "within_range_included", "outside_range_included")
# A math expression's comparison: "$B > 1.5", "${B} >= 90", "90 < $B".
_OPERATOR = r"(>=|<=|==|!=|>|<)"
_MATH_VAR = r"\$\{?(\w+)\}?"
_MATH_TERM = re.compile(rf"^\s*\(?\s*(?:{_MATH_VAR}\s*{_OPERATOR}\s*({_NUMBER})"
                        rf"|({_NUMBER})\s*{_OPERATOR}\s*{_MATH_VAR})\s*\)?\s*$", re.IGNORECASE)
_BOOLEAN_MATH = re.compile(r">=|<=|==|!=|>|<|&&|\|\|")
_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
# An alert value Grafana formats as its evaluation string: "[ var='B0' metric='up' labels={} value=93 ]".
# The ruler only adds thresholds to the alert answer: it may not hold it up longer than this.
RULER_TIMEOUT = 3.0
MAX_MATCHED_CHARS = 4_000  # the longest alert value or expression the patterns below read
_EVAL_STRING_VALUE = re.compile(r"var='(\w*)'.*? value=(\S+)", re.DOTALL)
# Data sources a dashboard may name that are no entry of /api/datasources.
EXPRESSION_UIDS = ("__expr__", "-100")
BUILT_IN_DATASOURCES = {"-- Grafana --": {"type": "grafana", "uid": "grafana"},
                        "grafana": {"type": "grafana", "uid": "grafana"},
                        "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"}}
MIXED_DATASOURCE = "-- Mixed --"


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


class SeriesList(list):
    """A panel's series; `problems` are Grafana's reasons for the queries that failed while others answered."""

    problems: tuple[str, ...] = ()


# Where a data source lives is nobody's business in a chat: Grafana's reasons often quote it
# ('Post "http://prometheus.internal:9090/api/v1/query_range": dial tcp 10.0.3.7:9090: connection refused').
_ADDRESS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"']+|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"
                      r"|\b[a-z][\w-]*(?:\.[\w-]+)+:\d{2,5}\b", re.IGNORECASE)


def _without_addresses(reason: str) -> str:
    return _ADDRESS.sub("(address hidden)", reason[:MAX_MATCHED_CHARS])


class QueryFailed(BackendError):
    """Grafana ran the panel's query, or refused to, and said why (a bad expression, an unknown data source)."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(_without_addresses(str(r)) for r in reasons if str(r).strip()) or ("no reason given",)
        super().__init__(BACKEND, Fault.REFUSED, "; ".join(self.reasons)[:300])


@dataclass(frozen=True)
class DataSource:
    uid: str
    name: str
    type: str
    default: bool = False


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
        """Alerting, or Recovering (still firing while its keep_firing_for period lasts)."""
        return self.state.lower().startswith(FIRING_STATES)

    @property
    def recovering(self) -> bool:
        return self.state.lower().startswith(RECOVERING_STATES)

    @property
    def pending(self) -> bool:
        return self.state.lower().startswith(PENDING_STATES)


@dataclass(frozen=True)
class AlertRule:
    uid: str
    name: str
    state: str  # firing, pending, recovering, inactive
    labels: dict[str, str]
    summary: str
    folder: str
    url: str
    instances: tuple[AlertInstance, ...] = ()
    threshold: float | None = None
    comparator: str = ""  # >, <, >=, <=, =, !=, or a range: within_range, outside_range (…_included)
    dashboard_uid: str = ""
    panel_id: int | None = None
    health: str = ""  # ok, nodata, error: a rule that can't be evaluated is not "ok" whatever its state
    last_error: str = ""
    threshold_high: float | None = None  # a range's upper end
    condition: str = ""  # how the definition decides: classic, threshold, math, query; "" when not read

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


def _float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return None if number != number else number  # NaN: no value


def alert_values(value: Any) -> list[tuple[str, float | None]]:
    """An alert's `value` as the rules API formats it: one number ('1.82e+00'), several by refId ('B0: 9.3e+01,
    B1: 1e+00'), or the evaluation string ("[ var='B0' metric='up' labels={} value=93 ], …"); empty for none."""
    text = str(value or "").strip()[:MAX_MATCHED_CHARS]  # no pattern runs over a runaway value
    if not text:
        return []
    if text.startswith("["):
        return [(var, _float(number.rstrip(","))) for var, number in _EVAL_STRING_VALUE.findall(text)]
    pairs = []
    for part in text.split(","):
        var, _, number = part.rpartition(":")
        pairs.append((var.strip(), _float(number.strip())))
    return pairs


@dataclass(frozen=True)
class Condition:
    """What a rule's definition says fires it: its kind, the threshold (if one can be read) and whether the
    condition's own value is a verdict (1/0, a threshold or comparison) rather than the metric."""

    kind: str  # classic, threshold, math, query, reduce, …
    comparator: str = ""
    values: tuple[float, ...] = ()
    verdict: bool = False
    input_ref: str = ""  # the refId the threshold is applied to

    @property
    def threshold(self) -> float | None:
        return self.values[0] if self.values else None

    @property
    def high(self) -> float | None:
        return self.values[1] if len(self.values) > 1 else None


def _evaluator(evaluator: Any) -> tuple[str, tuple[float, ...]]:
    """A threshold or classic evaluator ({"type": "gt", "params": [90]}) → (comparator, values)."""
    if not isinstance(evaluator, dict):
        return "", ()
    kind = str(evaluator.get("type") or "")
    params = tuple(float(p) for p in evaluator.get("params") or () if isinstance(p, int | float))
    if kind in EVALUATOR_COMPARATORS and params:
        return EVALUATOR_COMPARATORS[kind], params[:1]
    if kind in RANGE_EVALUATORS and len(params) >= 2:
        return kind, params[:2]
    return "", ()


def _math_threshold(expression: str) -> tuple[str, tuple[float, ...], str]:
    """"$B > 1.5" → ('>', (1.5,), 'B'); "$B < 10 || $B > 20" → ('outside_range', (10, 20), 'B'); else ''."""
    for joiner, kind in (("||", "outside_range"), ("&&", "within_range")):
        parts = expression.split(joiner)
        if len(parts) == 2:
            terms = [_math_term(part) for part in parts]
            if all(terms) and terms[0][2] == terms[1][2]:  # type: ignore[index]
                (low_op, low, var), (high_op, high, _var) = sorted(terms, key=lambda t: t[1])  # type: ignore[arg-type]
                wanted = ("<", ">") if kind == "outside_range" else (">", "<")
                if (low_op[0], high_op[0]) == wanted:
                    included = "=" in low_op + high_op
                    return kind + ("_included" if included else ""), (low, high), var
            return "", (), ""
    term = _math_term(expression)
    if term is None:
        return "", (), ""
    operator, number, var = term
    return {"==": "="}.get(operator, operator), (number,), var


def _math_term(text: str) -> tuple[str, float, str] | None:
    found = _MATH_TERM.match(text[:MAX_MATCHED_CHARS])
    if not found:
        return None
    if found.group(1):
        return found.group(2), float(found.group(3)), found.group(1)
    return _FLIPPED[found.group(5)], float(found.group(4)), found.group(6)


def rule_condition(definition: dict) -> Condition | None:
    """A Grafana-managed rule's definition (`grafana_alert` of the ruler API, or a provisioned rule) → its
    condition: a threshold expression ({"type": "threshold", "conditions": [{"evaluator": …}]}), classic
    conditions (`conditions[].evaluator`, the first read), or a math expression ("$B > 1.5")."""
    condition = str(definition.get("condition") or "")
    model = next((q.get("model") for q in definition.get("data") or ()
                  if isinstance(q, dict) and q.get("refId") == condition), None)
    if not isinstance(model, dict):
        return None
    kind = str(model.get("type") or ("query" if "expr" in model else ""))
    if kind == "threshold":
        first = (model.get("conditions") or [{}])[0]
        comparator, values = _evaluator(first.get("evaluator") if isinstance(first, dict) else None)
        return Condition(kind, comparator, values, verdict=True, input_ref=str(model.get("expression") or ""))
    if kind == "classic_conditions":
        for item in model.get("conditions") or ():
            comparator, values = _evaluator(item.get("evaluator") if isinstance(item, dict) else None)
            if comparator:
                query = ((item.get("query") or {}).get("params") or [""])[0]
                return Condition("classic", comparator, values, input_ref=str(query or ""))
        return Condition("classic")
    if kind == "math":
        expression = str(model.get("expression") or "")
        comparator, values, var = _math_threshold(expression)
        return Condition(kind, comparator, values, verdict=bool(_BOOLEAN_MATH.search(expression)), input_ref=var)
    return Condition(kind or "query")


def _instance_value(value: Any, condition: Condition | None) -> float | None:
    """The number to show for an alert: the metric, never a threshold's verdict. A threshold or comparison
    condition's value is 1 or 0 (whether it holds), so it is no value unless its input's value is given too."""
    pairs = alert_values(value)
    if condition is not None and condition.verdict:
        named = [number for var, number in pairs if var and var == condition.input_ref]
        if named:
            return named[0]
        pairs = [(var, number) for var, number in pairs if number not in (0.0, 1.0)]
    return next((number for _var, number in pairs if number is not None), None)


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


def _source_reference(reference: Any, variables: dict[str, str]) -> Any:
    """A panel's or target's data source with the dashboard's variables filled in. A `$ds` variable's value is a
    name in dashboards saved before 8.3 (and a uid after): it is kept as a string, to be looked up either way."""
    if isinstance(reference, dict) and _VARIABLE.search(str(reference.get("uid") or "")):
        return str(_interpolate(reference.get("uid"), variables))
    return _interpolate(reference, variables)


def _target(target: Any, variables: dict[str, str]) -> Any:
    if not isinstance(target, dict):
        return target
    filled = _interpolate({k: v for k, v in target.items() if k != "datasource"}, variables)
    if "datasource" in target:
        filled["datasource"] = _source_reference(target["datasource"], variables)
    return filled


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
                        defaults.get("decimals"), _source_reference(raw.get("datasource"), variables),
                        tuple(_target(t, variables) for t in raw["targets"]),
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

    async def datasources(self) -> tuple[DataSource, ...]:
        """The data sources (uid, name, type, the default), cached with the name lists: /api/datasources, or,
        for a token that may not list them (Viewers of older Grafanas), the frontend settings every user reads."""
        async def load() -> tuple[DataSource, ...]:
            try:
                listed = await self._json("GET", "/api/datasources")
                with _shape("data source list"):
                    return tuple(DataSource(str(d["uid"]), str(d.get("name") or d["uid"]), str(d.get("type") or ""),
                                            bool(d.get("isDefault"))) for d in listed)
            except BackendError as error:
                if error.fault is not Fault.FORBIDDEN:
                    raise
            settings = await self._json("GET", "/api/frontend/settings")
            with _shape("frontend settings"):
                default = str(settings.get("defaultDatasource") or "")
                return tuple(DataSource(str(d["uid"]), str(d.get("name") or name), str(d.get("type") or ""),
                                        bool(d.get("isDefault")) or name == default)
                             for name, d in (settings.get("datasources") or {}).items() if d.get("uid"))

        return await self._cached("datasources", load)

    async def _reference(self, reference: Any, known: list[tuple[DataSource, ...]]) -> dict:
        """A data source as a dashboard names it → {"type", "uid"}, which is all /api/ds/query accepts. A
        {"uid": …} reference is used as it is; a name, null (the default) or a reference with only a type is
        looked up in the data source list (fetched once per query, from the name-list cache)."""
        if isinstance(reference, dict) and reference.get("uid"):
            return dict(reference)
        if isinstance(reference, str) and reference in EXPRESSION_UIDS:
            return {"type": "__expr__", "uid": reference}
        if isinstance(reference, str) and reference in BUILT_IN_DATASOURCES:
            return dict(BUILT_IN_DATASOURCES[reference])
        if not known:
            known.append(await self.datasources())
        sources = known[0]
        if isinstance(reference, str) and reference.strip() and reference.strip().lower() != "default":
            said = reference.strip()
            found = next((d for d in sources if d.uid == said), None) or next(
                (d for d in sources if d.name.lower() == said.lower()), None)
            if found is None:
                names = ", ".join(d.name for d in sources[:6]) or "none"
                raise QueryFailed((f'the panel names the data source "{said[:80]}", which this Grafana doesn\'t have '
                                   f"(it has {names})",))
            return {"type": found.type, "uid": found.uid}
        wanted = str(reference.get("type") or "") if isinstance(reference, dict) else ""
        candidates = [d for d in sources if not wanted or d.type == wanted]
        found = next((d for d in candidates if d.default), None) or (candidates[0] if wanted and candidates else None)
        if found is None:
            raise QueryFailed(("the panel uses the default data source, and this Grafana has none set",))
        return {"type": found.type, "uid": found.uid}

    # -- data (never cached) ----------------------------------------------------------------------------------
    async def query(self, panel: Panel, start_ms: int, end_ms: int, max_points: int = 200) -> SeriesList:
        """The panel's own queries over [start, end] through /api/ds/query, as the dashboard would run them.
        Raises QueryFailed with Grafana's reason when no query could be run; a reason for some of them (others
        answered) is in the result's `problems`."""
        queries = []
        interval_ms = max(1000, (end_ms - start_ms) // max(max_points, 1))
        known: list[tuple[DataSource, ...]] = []
        mixed = panel.datasource == MIXED_DATASOURCE or (isinstance(panel.datasource, dict)
                                                          and panel.datasource.get("uid") == MIXED_DATASOURCE)
        for index, target in enumerate(panel.targets):
            if not isinstance(target, dict) or target.get("hide"):
                continue
            query = dict(target)
            query.setdefault("refId", chr(ord("A") + index % 26))
            own = target.get("datasource")
            query["datasource"] = await self._reference(own if own not in (None, "") or mixed else panel.datasource,
                                                        known)
            query.update(maxDataPoints=max_points, intervalMs=interval_ms)
            queries.append(query)
        if not queries:
            return SeriesList()
        status, _type, raw, headers = await self._request(
            "POST", "/api/ds/query", body={"queries": queries, "from": str(start_ms), "to": str(end_ms)})
        data = None
        with suppress(ValueError):
            data = json.loads(raw)
        if isinstance(data, dict) and isinstance(data.get("results"), dict) and data["results"]:
            return query_series(data, panel.title)  # 200, or 400 / 207 with each failing query's reason
        if status in (400, 404) and isinstance(data, dict) and data.get("message"):
            uids = ", ".join(dict.fromkeys(str(q["datasource"].get("uid")) for q in queries))
            detail = f" ({uids})" if status == 404 else ""
            raise QueryFailed((f"{str(data['message'])[:160]}{detail}",))
        self._raise_for(status, raw, headers)
        with translate_transport_errors(BACKEND):
            data = json.loads(raw)
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

    async def alert_rules(self, definitions: bool = False) -> list[AlertRule]:
        """Grafana-managed alert rules with their state and alert instances (unified alerting); with
        `definitions`, their thresholds too, read from the rules' definitions (the rules API's `query` holds only
        the data query): one more request, in parallel, then cached with the name lists."""
        async def thresholds() -> dict[str, Condition]:
            if not definitions:
                return {}
            try:
                return await self.rule_conditions()
            except BackendError:  # the ruler is slow or failing: the alerts are answered without thresholds
                return {}

        data, conditions = await asyncio.gather(self._json("GET", "/api/prometheus/grafana/api/v1/rules"),
                                                thresholds())
        with _shape("alert rules"):
            if data.get("status") != "success":
                raise BackendError(BACKEND, Fault.BAD_RESPONSE, str(data.get("error") or "alert rules failed")[:120])
            rules = []
            for group in data["data"]["groups"] or ():
                for rule in group.get("rules") or []:
                    if rule.get("type", "alerting") == "alerting":
                        rules.append(self._alert_rule(rule, str(group.get("file") or ""),
                                                      conditions.get(str(rule.get("uid") or ""))))
            return rules

    async def rule_conditions(self) -> dict[str, Condition]:
        """Each Grafana-managed rule's condition by uid, from the ruler API (its definitions; cached with the name
        lists). A Grafana that won't show them (an old one, a token without alert.rules:read) leaves them out."""
        async def load() -> dict[str, Condition]:
            try:
                data = await self._json("GET", "/api/ruler/grafana/api/v1/rules", timeout=RULER_TIMEOUT)
            except BackendError as error:
                if error.fault not in (Fault.FORBIDDEN, Fault.NOT_FOUND, Fault.BAD_RESPONSE):
                    raise  # passing trouble (or a token being fixed): not remembered
                return {}  # this Grafana won't show them: the alerts are answered without thresholds
            found: dict[str, Condition] = {}
            with suppress(KeyError, TypeError, AttributeError, ValueError, IndexError):
                for groups in (data or {}).values():
                    for group in groups or ():
                        for node in group.get("rules") or ():
                            definition = node.get("grafana_alert") if isinstance(node, dict) else None
                            if isinstance(definition, dict) and definition.get("uid"):
                                with suppress(KeyError, TypeError, AttributeError, ValueError, IndexError):
                                    condition = rule_condition(definition)
                                    if condition is not None:
                                        found[str(definition["uid"])] = condition
            return found

        try:
            return await self._cached("rule-conditions", load)
        except BackendError:
            return {}

    def _alert_rule(self, rule: dict, folder: str, condition: Condition | None = None) -> AlertRule:
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
        if condition is None:  # no definition: a comparison at the end of the query is the best guess there is
            comparison = _COMPARISON.search(str(rule.get("query") or ""))
            if comparison:
                condition = Condition("", {"==": "="}.get(comparison.group(1), comparison.group(1)),
                                      (float(comparison.group(2)),))
        instances = tuple(
            AlertInstance({str(k): str(v) for k, v in (a.get("labels") or {}).items()}, str(a.get("state") or ""),
                          _seconds(a.get("activeAt")), _instance_value(a.get("value"), condition))
            for a in rule.get("alerts") or []
        )
        return AlertRule(
            uid=uid, name=str(rule["name"]), state=str(rule.get("state") or "inactive"),
            labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
            summary=str(annotations.get("summary") or annotations.get("description") or ""), folder=folder, url=url,
            instances=instances, threshold=condition.threshold if condition else None,
            comparator=condition.comparator if condition and condition.values else "", dashboard_uid=dashboard_uid,
            panel_id=panel_id, health=str(rule.get("health") or ""), last_error=str(rule.get("lastError") or ""),
            threshold_high=condition.high if condition else None, condition=condition.kind if condition else "",
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


def query_series(data: Any, default_name: str) -> SeriesList:
    """/api/ds/query's answer ({"results": {refId: {"frames": [...]}}}) → series. A failing query has its reason
    in `results.<refId>.error` (and its `status`): raised as QueryFailed when nothing else answered, else kept
    as the result's `problems`."""
    with _shape("query result"):
        series = SeriesList()
        problems = []
        for ref_id, result in (data.get("results") or {}).items():
            if result.get("error"):
                problems.append(f"query {ref_id}: {_without_addresses(str(result['error']))[:200]}")
                continue
            for frame in result.get("frames") or []:
                series.extend(_frame_series(frame, default_name))
    if problems and not series:
        raise QueryFailed(problems)
    series.problems = tuple(problems)
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
