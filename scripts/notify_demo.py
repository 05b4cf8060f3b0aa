"""`make notify-demo`: notifications end to end, offline: a Teams channel subscribes in plain English, a build
triggered from the chat finishes in the sandbox Jenkins, and its Notification plugin webhook comes back to
the channel as an Adaptive Card; then a sandbox Grafana alert fires and resolves.

Starts the sandbox, a fake Bot Framework, the action server and Rasa with credentials.teams.yml (the Teams
channel and the `notify` channel), like `make teams-demo`; the sandbox's webhooks point at Rasa. Prints what
the fake Bot Framework received: the replies and the notification cards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import requests

from scripts.teams_demo import describe
from scripts.teams_stack import LOGS, Stack

SECRET, TOKEN = "demo-jenkins-hook", "demo-grafana-hook"
ACCESS = """roles: {reader: [read], builder: [read, build, subscribe]}
default_role: builder   # the demo's Teams user may build and subscribe
"""


def say(stack: Stack, text: str, thread: str | None, replies: int = 1) -> tuple[str, list]:
    """Ann posts `text` in the channel (in `thread`, or a new thread); waits for the bot's messages."""
    fake = stack.fake
    options = {"conversation_id": thread} if thread else {}
    activity = fake.activity(text, conversation_type="channel", **options)
    before = len(fake.delivered("message"))
    print(f"\n→ Ann: {text}")
    requests.post(stack.webhook, json=activity, headers=fake.headers(activity), timeout=30)
    fake.wait_for(lambda f: len(f.delivered("message")) >= before + replies, 60)
    time.sleep(1.0)
    new = fake.delivered("message")[before:]
    for call in new:
        print("\n".join(f"  {line}" for line in describe(call.body or {})))
    return activity["conversation"]["id"], new


def wait_card(stack: Stack, count: int, what: str, seconds: float = 90) -> list:
    fake = stack.fake
    print(f"\n… waiting for {what}")
    fake.wait_for(lambda f: len(f.delivered("message")) >= count, seconds)
    time.sleep(1.0)
    return fake.delivered("message")


def click(stack: Stack, note) -> None:
    """Ann clicks the card's first button: Teams sends its data in a reply in the card's thread."""
    fake = stack.fake
    buttons = [a for a in note.body["attachments"][0]["content"].get("actions") or [] if a["type"] == "Action.Submit"]
    if not buttons:
        return
    submit = fake.activity(None, conversation_type="channel", value=buttons[0]["data"],
                           conversation_id=f"{note.conversation_id};messageid=1700000000999")
    before = len(fake.delivered("message"))
    print(f"\n→ Ann clicks [{buttons[0]['title']}] on the notification")
    requests.post(stack.webhook, json=submit, headers=fake.headers(submit), timeout=30)
    fake.wait_for(lambda f: len(f.delivered("message")) > before, 60)
    time.sleep(1.0)
    for call in fake.delivered("message")[before:]:
        print("\n".join(f"  {line}" for line in describe(call.body or {})))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.notify_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/opsbot.tar.gz")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="opsbot-notify-demo-") as tmp:
        access = Path(tmp) / "access.yml"
        access.write_text(ACCESS)
        stack = Stack("notify-demo", model=args.model)
        hooks = f"http://127.0.0.1:{stack.rasa_port}/webhooks/notify"
        os.environ.update({  # read by the in-process sandbox and passed on to Rasa and the action server
            "JENKINS_WEBHOOK_SECRET": SECRET, "GRAFANA_WEBHOOK_TOKEN": TOKEN, "OPSBOT_ACCESS_FILE": str(access),
            "OPSBOT_NOTIFY_JENKINS_URL": f"{hooks}/jenkins?token={SECRET}",
            "OPSBOT_NOTIFY_GRAFANA_URL": f"{hooks}/grafana",
            "OPSBOT_SANDBOX_QUEUE_SECONDS": "1", "OPSBOT_SANDBOX_BUILD_SECONDS": "6",
            "OPSBOT_AUDIT_LOG": str(Path(tmp) / "audit.jsonl"),
        })
        print(f"notify-demo: starting the sandbox, a fake Bot Framework, the action server and Rasa (about a minute; "
              f"logs in {LOGS})")
        with stack:
            thread, _ = say(stack, "notify this channel when petclinic-build finishes", None)
            say(stack, "build petclinic-build on branch main", thread)
            before = len(stack.fake.delivered("message"))
            say(stack, "yes", thread)
            cards = wait_card(stack, before + 2, "the build's notification (the sandbox build takes ~7 s)")
            note = cards[-1]
            print(f"\n← the notification, posted to {note.conversation_id} (a new post in the channel):")
            print("\n".join(f"  {line}" for line in describe(note.body or {})))
            click(stack, note)

            print("\n→ a Grafana alert starts firing (POST /_sandbox/alerts/petclinic-errors)")
            say(stack, "post firing critical alerts here", None)
            count = len(stack.fake.delivered("message"))
            grafana = stack.sandbox.url("grafana") if stack.sandbox else ""
            requests.post(f"{grafana}/_sandbox/alerts/petclinic-errors", json={"state": "firing", "value": 3.4},
                          timeout=30)
            for call in wait_card(stack, count + 1, "the firing alert")[count:]:
                print("\n".join(f"  {line}" for line in describe(call.body or {})))
            requests.post(f"{grafana}/_sandbox/alerts/petclinic-errors", json={"state": "resolved"}, timeout=30)
            resolution = wait_card(stack, count + 3, "the resolution (updates the card, replies in its thread)")
            for call in resolution[count + 1:]:
                print(f"  {call.method} {call.conversation_id}")
                print("\n".join(f"    {line}" for line in describe(call.body or {})))
            say(stack, "what is this channel subscribed to?", None)
    print("\nnotify-demo: done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
