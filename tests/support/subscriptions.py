"""Talking to the subscription actions (actions/subscriptions.py) as a Teams channel or the REST channel would:
`say` (a Teams channel thread by default), `rest`, `click` (a button's payload), and what the notification store
and the audit log hold afterwards. The notification tests' own fixtures (the Acme world) are in
tests/notifications/conftest.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from backends.github import service as github_service
from backends.grafana import service as grafana_service
from backends.jenkins import service as jenkins_service
from notifications.store import NotifyStore
from sandbox.payloads import CHANNEL
from tests.support import make_tracker, run_action, texts

ANN = "6a1b2c3d-0000-4000-8000-00000000a001"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"


def teams_metadata(thread: str = "1700000000001", user: str = ANN, name: str = "Ann Example") -> dict:
    conversation = f"{CHANNEL};messageid={thread}"
    reference = {"activityId": thread, "serviceUrl": SERVICE_URL, "channelId": "msteams",
                 "bot": {"id": "28:bot", "name": "opsbot"}, "user": {"id": "29:1user", "name": name},
                 "conversation": {"id": conversation, "conversationType": "channel", "isGroup": True,
                                  "tenantId": "72f988bf-0000-4000-8000-0000000000aa"}}
    return {"user_id": user, "user_name": name, "tenant_id": "72f988bf-0000-4000-8000-0000000000aa",
            "conversation_type": "channel", "conversation_id": conversation, "channel_id": CHANNEL,
            "conversation_reference": reference}


def say(action, text: str, metadata: dict | None = None, entities: list[dict] | None = None,
        slots: dict | None = None, sender: str | None = None, intent: str = "") -> tuple[str, dict, list[dict]]:
    metadata = teams_metadata() if metadata is None else metadata
    channel = "teams" if metadata else "rest"
    sender = sender or str(metadata.get("conversation_id") or "rest-user")
    messages, events = run_action(action, make_tracker(text, intent or action.intent, entities=entities, slots=slots,
                                                       channel=channel, sender=sender, metadata=metadata))
    slot_values = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return texts(messages) or json.dumps(messages), slot_values, messages


def fresh_services() -> None:
    jenkins_service.reset()
    github_service.reset()
    grafana_service.clear_cache()
    grafana_service.forget_session()


def store(database: Path) -> NotifyStore:
    return NotifyStore(database)


def audit_entries(tmp_path: Path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def rest(action, text: str, sender: str = "demo", **kwargs) -> tuple[str, dict, list[dict]]:
    return say(action, text, metadata={}, sender=sender, **kwargs)


def buttons(messages: list[dict]) -> list[tuple[str, str]]:
    return [(b["title"], b["payload"]) for m in messages for b in m.get("buttons") or []]


def targets(database: Path, conversation: str = "demo") -> list[tuple[str, str, str]]:
    return [(s.source, s.target, s.condition) for s in store(database).subscriptions(conversation)]


def click(action, payload: str, sender: str = "demo", slots: dict | None = None) -> tuple[str, dict, list[dict]]:
    """A button's payload as Rasa's RegexMessageHandler parses it (a list value is one entity each)."""
    intent, _, raw = payload[1:].partition("{")
    values = json.loads("{" + raw) if raw else {}
    entities = [{"entity": k, "value": v} for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])]
    return say(action, payload, metadata={}, sender=sender, entities=entities, slots=slots, intent=intent)


def training_examples(path: Path, intent: str) -> list[str]:
    data = yaml.safe_load(path.read_text()) or {}
    examples = [item["examples"] for item in data.get("nlu") or [] if item.get("intent") == intent]
    lines = [line[2:] for block in examples for line in block.splitlines() if line.startswith("- ")]
    return [strip_annotations(line) for line in lines]


def strip_annotations(line: str) -> str:
    return re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), line)
