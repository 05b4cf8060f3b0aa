"""The world's Grafana section, indexed (ids, slugs, expressions), and Grafana's JSON shapes built from it: Grafana
11's by default, and the real variants a world can ask for (dashboards saved before 8.3 that name their data source
by name, null or `$ds`; classic-condition, threshold and math alert rules; Grafana 12's Recovering state)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DEFAULT_DATASOURCES = [{"name": "Prometheus", "uid": "prometheus", "type": "prometheus", "default": True}]
# Expressions run by Grafana itself (the "__expr__" data source, also spelt "-100").
EXPRESSION = {"type": "__expr__", "uid": "__expr__"}
# Dashboards saved before Grafana 8.3 (schemaVersion 33 migrated names to {"type", "uid"} references).
FIRST_UID_SCHEMA = 33
MODERN_SCHEMA = 39
# Grafana's unit ids for the friendlier spellings a world file may use.
UNIT_IDS = {"req/s": "reqps", "%": "percent", "seconds": "s", "milliseconds": "ms", "bytes": "bytes"}
THRESHOLD_IN_TEXT = re.compile(r"(?:threshold|above|over|below|under)\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)


def slugify(title: str) -> str:
    """Grafana's slug: lower case, runs of other characters become one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'e', -1, 64): the shortest round-tripping mantissa ('1.82e+00', '9.3e+01')."""
    value = float(value)
    for digits in range(17):
        text = f"{value:.{digits}e}"
        if float(text) == value:
            return text
    return f"{value:.16e}"


@dataclass
class PanelModel:
    dashboard_uid: str
    id: int
    title: str
    unit: str
    current: float
    series: str
    type: str
    expr: str
    description: str = ""
    decimals: int | None = None
    datasource: dict = field(default_factory=lambda: dict(DEFAULT_DATASOURCES[0]))  # name, uid, type
    datasource_ref: str = "uid"  # how the saved JSON names it (schema.DATASOURCE_REFS)
    error: str = ""  # the data source fails this panel's query with this reason


@dataclass
class DashboardModel:
    id: int
    uid: str
    title: str
    slug: str
    folder: dict | None
    tags: list[str]
    panels: list[PanelModel] = field(default_factory=list)
    variables: dict[str, list[str]] = field(default_factory=dict)  # custom template variables, current first
    schema_version: int = MODERN_SCHEMA
    ds_variable: str = ""  # the data source (name) the `$ds` variable selects

    @property
    def url(self) -> str:
        return f"/d/{self.uid}/{self.slug}"


class GrafanaWorld:
    """The world's Grafana section with ids, slugs and lookups that the handlers need."""

    def __init__(self, world: dict) -> None:
        section = world.get("grafana") or {}
        self.version = str(section.get("version") or "11.3.0")
        self.started_at = float(world.get("started_at") or time.time())
        self.multi_status = bool(section.get("multi_status"))
        self.datasources = [{"type": "prometheus", "default": False, **d}
                            for d in section.get("datasources") or DEFAULT_DATASOURCES]
        if not any(d["default"] for d in self.datasources):
            self.datasources[0]["default"] = True
        by_name = {d["name"]: d for d in self.datasources}
        default = next(d for d in self.datasources if d["default"])
        titles = list(section.get("folders") or [])
        for dashboard in section.get("dashboards") or []:
            if dashboard.get("folder") and dashboard["folder"] not in titles:
                titles.append(dashboard["folder"])
        self.folders = {title: {"id": index, "uid": slugify(title), "title": title}
                        for index, title in enumerate(titles, start=1)}
        self.dashboards: dict[str, DashboardModel] = {}
        self.by_expr: dict[str, PanelModel] = {}
        for index, raw in enumerate(section.get("dashboards") or [], start=100):
            folder = self.folders.get(raw.get("folder") or "")
            model = DashboardModel(index, raw["uid"], raw["title"], slugify(raw["title"]), folder,
                                   list(raw.get("tags") or []),
                                   variables={str(k): [str(v) for v in values]
                                              for k, values in (raw.get("variables") or {}).items()},
                                   schema_version=int(raw.get("schema_version") or MODERN_SCHEMA),
                                   ds_variable=str(raw.get("ds_variable") or ""))
            for panel in raw.get("panels") or []:
                expr = panel.get("expr") or f'{slugify(raw["uid"]).replace("-", "_")}:' \
                                            f'{slugify(panel["title"]).replace("-", "_")}'
                unit = str(panel.get("unit") or "short")
                ref = str(panel.get("datasource_ref") or "uid")
                if ref == "variable" and model.ds_variable:
                    source = by_name[model.ds_variable]  # what `$ds` selects
                elif panel.get("datasource") and panel["datasource"] not in by_name:
                    # a data source deleted since: the dashboard still names it, Grafana lists it no more
                    source = {"name": panel["datasource"], "uid": slugify(panel["datasource"]), "type": "graphite",
                              "default": False}
                else:
                    source = by_name.get(panel.get("datasource") or "", default)
                item = PanelModel(raw["uid"], int(panel["id"]), panel["title"], UNIT_IDS.get(unit, unit),
                                  float(panel["current"]), str(panel.get("series") or "none"),
                                  str(panel.get("type") or "timeseries"), expr, str(panel.get("description") or ""),
                                  panel.get("decimals"), dict(source), ref, str(panel.get("error") or ""))
                model.panels.append(item)
                self.by_expr[expr] = item
            self.dashboards[model.uid] = model
        self.rules = list(section.get("alert_rules") or [])
        self.annotations = sorted(section.get("annotations") or [], key=lambda a: -a["at"])

    def datasource(self, uid: str) -> dict | None:
        """A data source by uid, as Grafana's /api/ds/query looks it up (a name is not a uid)."""
        return next((d for d in self.datasources if d["uid"] == uid), None)

    def panel(self, dashboard_uid: str, panel_id: int) -> PanelModel | None:
        dashboard = self.dashboards.get(dashboard_uid)
        return next((p for p in dashboard.panels if p.id == panel_id), None) if dashboard else None


# --- JSON shapes ---------------------------------------------------------------------------------------------
def search_hit(dashboard: DashboardModel) -> dict:
    folder = dashboard.folder
    hit = {"id": dashboard.id, "uid": dashboard.uid, "orgId": 1, "title": dashboard.title,
           "uri": f"db/{dashboard.slug}", "url": dashboard.url, "slug": "", "type": "dash-db",
           "tags": dashboard.tags, "isStarred": False, "sortMeta": 0}
    if folder:
        hit.update(folderId=folder["id"], folderUid=folder["uid"], folderTitle=folder["title"],
                   folderUrl=f"/dashboards/f/{folder['uid']}/")
    return hit


def folder_hit(folder: dict) -> dict:
    return {"id": folder["id"], "uid": folder["uid"], "orgId": 1, "title": folder["title"],
            "uri": f"db/{slugify(folder['title'])}", "url": f"/dashboards/f/{folder['uid']}/{slugify(folder['title'])}",
            "slug": "", "type": "dash-folder", "tags": [], "isStarred": False, "sortMeta": 0}


def datasource_ref(panel: PanelModel) -> Any:
    """The panel's data source as its saved JSON names it: {"type", "uid"}, a name, null or "$ds"."""
    if panel.datasource_ref == "name":
        return panel.datasource["name"]
    if panel.datasource_ref == "null":
        return None
    if panel.datasource_ref == "variable":
        return "$ds"
    return {"type": panel.datasource["type"], "uid": panel.datasource["uid"]}


def panel_json(panel: PanelModel, index: int, schema_version: int = MODERN_SCHEMA) -> dict:
    defaults: dict[str, Any] = {"unit": panel.unit, "color": {"mode": "palette-classic"}}
    if panel.decimals is not None:
        defaults["decimals"] = panel.decimals
    target: dict[str, Any] = {"refId": "A", "expr": panel.expr, "range": True, "legendFormat": "__auto",
                              "editorMode": "code"}
    if schema_version >= FIRST_UID_SCHEMA:
        target["datasource"] = datasource_ref(panel)  # before 8.3 a target has none: the panel's is used
    else:
        target = {"refId": "A", "expr": panel.expr, "interval": "", "legendFormat": "", "intervalFactor": 1}
    body = {
        "id": panel.id, "type": panel.type, "title": panel.title, "datasource": datasource_ref(panel),
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "targets": [target],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"},
                    "tooltip": {"mode": "single", "sort": "none"}},
    }
    if panel.description:
        body["description"] = panel.description
    return body


def variable_json(name: str, values: list[str]) -> dict:
    """A custom template variable as Grafana 11 saves it: the current value, the options, the query."""
    current = values[0] if values else ""
    return {
        "current": {"selected": True, "text": current, "value": current}, "hide": 0, "includeAll": False,
        "label": name.capitalize(), "multi": False, "name": name,
        "options": [{"selected": value == current, "text": value, "value": value} for value in values],
        "query": ",".join(values), "skipUrlSync": False, "type": "custom",
    }


def datasource_variable_json(name: str, current: str) -> dict:
    """A data source template variable as dashboards saved before 8.3 keep it: its current value is a name."""
    return {"current": {"selected": False, "text": current, "value": current}, "hide": 0, "includeAll": False,
            "label": "Data source", "multi": False, "name": name, "options": [], "query": "prometheus",
            "refresh": 1, "regex": "", "skipUrlSync": False, "type": "datasource"}


def dashboard_json(dashboard: DashboardModel, started_at: float) -> dict:
    folder = dashboard.folder or {"id": 0, "uid": "", "title": "General"}
    variables = [variable_json(name, values) for name, values in dashboard.variables.items()]
    if dashboard.ds_variable:
        variables.insert(0, datasource_variable_json("ds", dashboard.ds_variable))
    return {
        "dashboard": {
            "id": dashboard.id, "uid": dashboard.uid, "title": dashboard.title, "tags": dashboard.tags,
            "timezone": "browser", "editable": True, "graphTooltip": 0, "schemaVersion": dashboard.schema_version,
            "version": 3, "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
            "templating": {"list": variables},
            "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                      "enable": True, "hide": True, "name": "Annotations & Alerts",
                                      "type": "dashboard"}]},
            "panels": [panel_json(panel, index, dashboard.schema_version)
                       for index, panel in enumerate(dashboard.panels)],
        },
        "meta": {
            "type": "db", "canSave": False, "canEdit": False, "canAdmin": False, "canStar": True,
            "canDelete": False, "slug": dashboard.slug, "url": dashboard.url, "expires": "0001-01-01T00:00:00Z",
            "created": iso(started_at - 90 * 86400), "updated": iso(started_at - 7 * 86400), "updatedBy": "admin",
            "createdBy": "admin", "version": 3, "hasAcl": False, "isFolder": False, "folderId": folder["id"],
            "folderUid": folder["uid"], "folderTitle": folder["title"],
            "folderUrl": f"/dashboards/f/{folder['uid']}/" if folder["uid"] else "", "provisioned": False,
            "provisionedExternalId": "",
            "annotationsPermissions": {"dashboard": {"canAdd": False, "canEdit": False, "canDelete": False},
                                       "organization": {"canAdd": False, "canEdit": False, "canDelete": False}},
        },
    }


def frame(ref_id: str, panel: PanelModel | None, expr: str, times: list[int], values: list[float],
          step: float) -> dict:
    meta = {"type": "timeseries-multi", "typeVersion": [0, 1], "custom": {"resultType": "matrix"},
            "executedQueryString": f"Expr: {expr}\nStep: {int(step)}s"}
    if panel is None or not times:
        return {"schema": {"refId": ref_id, "meta": meta, "fields": []}, "data": {"values": []}}
    labels = {"__name__": expr.split("{")[0]}
    return {
        "schema": {
            "name": expr, "refId": ref_id, "meta": meta,
            "fields": [
                {"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"},
                 "config": {"interval": int(step * 1000)}},
                {"name": "Value", "type": "number", "typeInfo": {"frame": "float64"}, "labels": labels,
                 "config": {"displayNameFromDS": panel.title}},
            ],
        },
        "data": {"values": [times, values]},
    }


def _threshold(rule: dict) -> float | None:
    if rule.get("threshold") is not None:
        return float(rule["threshold"])
    for text in (rule.get("summary") or "", rule.get("title") or ""):
        found = THRESHOLD_IN_TEXT.search(text)
        if found:
            return float(found.group(1))
    return None


def _rule_expr(rule: dict, world: GrafanaWorld) -> tuple[str, dict]:
    """The rule's data query (refId A): its panel's expression and data source, or one of its own."""
    panel = world.panel(rule.get("dashboard") or "", int(rule.get("panel") or 0))
    if panel:
        return panel.expr, panel.datasource
    default = next(d for d in world.datasources if d["default"])
    return f'{slugify(rule["uid"]).replace("-", "_")}:value', default


def rule_condition(rule: dict) -> tuple[str, str, list[float]]:
    """(kind, evaluator type, params): `classic` unless the world says otherwise; "" when the rule has no
    threshold (its data query is its condition). The evaluator is `gt`, or `lt` for a title that says below."""
    params = [float(p) for p in rule.get("params") or ()]
    if not params and _threshold(rule) is not None:
        params = [_threshold(rule)]  # type: ignore[list-item]
    if not params:
        return "", "", []
    below = re.search(r"\b(below|under)\b", rule.get("title") or "", re.IGNORECASE)
    return str(rule.get("condition") or "classic"), str(rule.get("evaluator") or ("lt" if below else "gt")), params


MATH_OPERATORS = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<=", "eq": "==", "ne": "!="}


def math_expression(evaluator: str, params: list[float], var: str = "$B") -> str:
    """The math expression a threshold is written as: "$B > 90", "$B < 10 || $B > 20"."""
    if evaluator in MATH_OPERATORS:
        return f"{var} {MATH_OPERATORS[evaluator]} {params[0]:g}"
    low, high = params[0], params[1]
    included = evaluator.endswith("_included")
    if evaluator.startswith("within"):
        return f"{var} {'>=' if included else '>'} {low:g} && {var} {'<=' if included else '<'} {high:g}"
    return f"{var} {'<=' if included else '<'} {low:g} || {var} {'>=' if included else '>'} {high:g}"


def _query(ref_id: str, datasource_uid: str, model: dict, relative: int = 600) -> dict:
    return {"refId": ref_id, "queryType": "", "relativeTimeRange": {"from": relative, "to": 0},
            "datasourceUid": datasource_uid, "model": {"refId": ref_id, **model}}


def rule_data(rule: dict, world: GrafanaWorld) -> tuple[str, list[dict]]:
    """The rule's condition refId and its queries and expressions (AlertQuery), as Grafana stores them."""
    expr, source = _rule_expr(rule, world)
    data = [_query("A", source["uid"], {"datasource": {"type": source["type"], "uid": source["uid"]}, "expr": expr,
                                        "instant": True, "intervalMs": 1000, "maxDataPoints": 43200})]
    kind, evaluator, params = rule_condition(rule)
    expression = {"datasource": dict(EXPRESSION), "intervalMs": 1000, "maxDataPoints": 43200}
    if kind == "classic":
        data.append(_query("B", "-100", {**expression, "datasource": {"type": "__expr__", "uid": "-100"},
                                         "type": "classic_conditions", "hide": False, "conditions": [{
                                             "evaluator": {"params": params, "type": evaluator},
                                             "operator": {"type": "and"}, "query": {"params": ["A"]},
                                             "reducer": {"params": [], "type": "last"}, "type": "query"}]}, 0))
        return "B", data
    if kind in ("threshold", "math"):
        data.append(_query("B", "__expr__", {**expression, "type": "reduce", "reducer": "last", "expression": "A"},
                           0))
        if kind == "threshold":
            condition = {**expression, "type": "threshold", "expression": "B",
                         "conditions": [{"evaluator": {"params": params, "type": evaluator}}]}
        else:
            condition = {**expression, "type": "math", "expression": math_expression(evaluator, params)}
        data.append(_query("C", "__expr__", condition, 0))
        return "C", data
    return "A", data


def rule_definition(rule: dict, world: GrafanaWorld, index: int) -> dict:
    """The rule as the ruler API answers it (GettableExtendedRuleNode: `grafana_alert` holds the definition)."""
    condition, data = rule_data(rule, world)
    folder = rule_folder(rule, world)
    annotations = rule_annotations(rule)
    node: dict[str, Any] = {"expr": "", "for": "5m",
                            "keep_firing_for": "10m" if rule["state"] == "recovering" else "0s",
                            "labels": rule_labels(rule)}
    if annotations:
        node["annotations"] = annotations
    node["grafana_alert"] = {
        "id": index, "orgId": 1, "title": rule["title"], "condition": condition, "data": data,
        "updated": iso(world.started_at - 7 * 86400), "intervalSeconds": 60, "version": 1, "uid": rule["uid"],
        "namespace_uid": folder["uid"], "rule_group": rule.get("group") or "default", "no_data_state": "NoData",
        "exec_err_state": "Error", "is_paused": False,
        "metadata": {"editor_settings": {"simplified_query_and_expressions_section": False,
                                         "simplified_notifications_section": False}},
    }
    return node


def instance_value(rule: dict, state: str) -> str:
    """The alert's `value` as Grafana's rules API formats it: the condition's value(s). A classic condition's is
    the reduced metric ("9.3e+01"); a threshold or math condition's is its verdict ("1e+00" while it holds,
    "0e+00" once it no longer does, as for a Recovering alert); a Normal alert's is empty."""
    if state in ("inactive", "Normal") or rule.get("value") is None:
        return ""
    kind, _evaluator, _params = rule_condition(rule)
    if kind in ("threshold", "math"):
        return go_float(0 if state == "recovering" else 1)
    if kind == "classic" and state == "recovering":
        return ""  # no condition matches any more: no eval match, no value
    return go_float(rule["value"])


def rule_folder(rule: dict, world: GrafanaWorld) -> dict:
    title = rule.get("folder")
    if not title and rule.get("dashboard") in world.dashboards:
        folder = world.dashboards[rule["dashboard"]].folder
        title = folder["title"] if folder else None
    title = title or "Alerts"
    return world.folders.get(title) or {"id": 0, "uid": slugify(title), "title": title}


STATE_NAMES = {"firing": ("firing", "Alerting"), "pending": ("pending", "Pending"),
               "recovering": ("recovering", "Recovering"),  # Grafana 12: firing, inside its keep_firing_for
               "normal": ("inactive", "Normal"), "inactive": ("inactive", "Normal")}
KEEP_FIRING_FOR_SECONDS = 600


def rule_labels(rule: dict) -> dict[str, str]:
    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    if rule.get("severity"):
        labels.setdefault("severity", str(rule["severity"]))
    return labels


def rule_annotations(rule: dict) -> dict[str, str]:
    annotations = {}
    if rule.get("summary"):
        annotations["summary"] = str(rule["summary"])
    if rule.get("dashboard"):
        annotations["__dashboardUid__"] = str(rule["dashboard"])
        if rule.get("panel") is not None:
            annotations["__panelId__"] = str(rule["panel"])
    return annotations


def alerting_rule(rule: dict, world: GrafanaWorld, now: float) -> dict:
    state, instance_state = STATE_NAMES[rule["state"]]
    folder = rule_folder(rule, world)
    labels = rule_labels(rule)
    active = rule.get("since_at") or world.started_at - 86400
    instance = {
        "labels": {"alertname": rule["title"], "grafana_folder": folder["title"], **labels},
        "annotations": rule_annotations(rule),
        "state": instance_state,
        "activeAt": iso(active),
        "value": instance_value(rule, state),
    }
    # `query`: the data queries' `expr`s joined by " | " (ruleToQuery); the threshold is not in it
    body: dict[str, Any] = {
        "state": state, "name": rule["title"], "query": _rule_expr(rule, world)[0], "duration": 300,
        "annotations": rule_annotations(rule),
    }
    if state == "recovering":
        body["keepFiringFor"] = KEEP_FIRING_FOR_SECONDS
    if state == "firing":
        body["activeAt"] = iso(active)
    body.update({
        "alerts": [instance], "totals": {instance_state.lower(): 1}, "totalsFiltered": {instance_state.lower(): 1},
        "uid": rule["uid"], "folderUid": folder["uid"], "labels": labels, "health": "ok", "type": "alerting",
        "lastEvaluation": iso(now - (now % 60)), "evaluationTime": 0.012,
    })
    return body


def annotation_json(annotation: dict, index: int, world: GrafanaWorld) -> dict:
    dashboard = world.dashboards.get(annotation.get("dashboard") or "")
    at = int(annotation["at"] * 1000)
    return {
        "id": index, "alertId": 0, "alertName": "", "dashboardId": dashboard.id if dashboard else 0,
        "dashboardUID": dashboard.uid if dashboard else "", "panelId": int(annotation.get("panel") or 0),
        "userId": 1, "newState": "", "prevState": "", "created": at, "updated": at, "time": at, "timeEnd": at,
        "text": annotation["text"], "tags": list(annotation.get("tags") or []), "login": "admin",
        "email": "admin@localhost", "avatarUrl": "/avatar/46d229b033af06a191ff2267bca9ae56", "data": {},
    }


