"""The world's Grafana section, indexed (ids, slugs, expressions), and Grafana 11's JSON shapes built from it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
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

    @property
    def url(self) -> str:
        return f"/d/{self.uid}/{self.slug}"


class GrafanaWorld:
    """The world's Grafana section with ids, slugs and lookups that the handlers need."""

    def __init__(self, world: dict) -> None:
        section = world.get("grafana") or {}
        self.version = str(section.get("version") or "11.3.0")
        self.started_at = float(world.get("started_at") or time.time())
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
                                              for k, values in (raw.get("variables") or {}).items()})
            for panel in raw.get("panels") or []:
                expr = panel.get("expr") or f'{slugify(raw["uid"]).replace("-", "_")}:' \
                                            f'{slugify(panel["title"]).replace("-", "_")}'
                unit = str(panel.get("unit") or "short")
                item = PanelModel(raw["uid"], int(panel["id"]), panel["title"], UNIT_IDS.get(unit, unit),
                                  float(panel["current"]), str(panel.get("series") or "none"),
                                  str(panel.get("type") or "timeseries"), expr, str(panel.get("description") or ""),
                                  panel.get("decimals"))
                model.panels.append(item)
                self.by_expr[expr] = item
            self.dashboards[model.uid] = model
        self.rules = list(section.get("alert_rules") or [])
        self.annotations = sorted(section.get("annotations") or [], key=lambda a: -a["at"])

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


def panel_json(panel: PanelModel, index: int) -> dict:
    defaults: dict[str, Any] = {"unit": panel.unit, "color": {"mode": "palette-classic"}}
    if panel.decimals is not None:
        defaults["decimals"] = panel.decimals
    body = {
        "id": panel.id, "type": panel.type, "title": panel.title, "datasource": dict(DATASOURCE),
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "targets": [{"refId": "A", "datasource": dict(DATASOURCE), "expr": panel.expr, "range": True,
                     "legendFormat": "__auto", "editorMode": "code"}],
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


def dashboard_json(dashboard: DashboardModel, started_at: float) -> dict:
    folder = dashboard.folder or {"id": 0, "uid": "", "title": "General"}
    return {
        "dashboard": {
            "id": dashboard.id, "uid": dashboard.uid, "title": dashboard.title, "tags": dashboard.tags,
            "timezone": "browser", "editable": True, "graphTooltip": 0, "schemaVersion": 39, "version": 3,
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
            "templating": {"list": [variable_json(name, values) for name, values in dashboard.variables.items()]},
            "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                      "enable": True, "hide": True, "name": "Annotations & Alerts",
                                      "type": "dashboard"}]},
            "panels": [panel_json(panel, index) for index, panel in enumerate(dashboard.panels)],
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


def _rule_query(rule: dict, world: GrafanaWorld) -> str:
    panel = world.panel(rule.get("dashboard") or "", int(rule.get("panel") or 0))
    expr = panel.expr if panel else f'{slugify(rule["uid"]).replace("-", "_")}:value'
    threshold = _threshold(rule)
    below = re.search(r"\b(below|under)\b", rule.get("title") or "", re.IGNORECASE)
    return f"{expr} {'<' if below else '>'} {threshold:g}" if threshold is not None else expr


def rule_folder(rule: dict, world: GrafanaWorld) -> dict:
    title = rule.get("folder")
    if not title and rule.get("dashboard") in world.dashboards:
        folder = world.dashboards[rule["dashboard"]].folder
        title = folder["title"] if folder else None
    title = title or "Alerts"
    return world.folders.get(title) or {"id": 0, "uid": slugify(title), "title": title}


STATE_NAMES = {"firing": ("firing", "Alerting"), "pending": ("pending", "Pending"),
               "normal": ("inactive", "Normal"), "inactive": ("inactive", "Normal")}


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
        "value": go_float(rule["value"]) if state != "inactive" and rule.get("value") is not None else "",
    }
    body: dict[str, Any] = {
        "state": state, "name": rule["title"], "query": _rule_query(rule, world), "duration": 300,
        "annotations": rule_annotations(rule),
    }
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


