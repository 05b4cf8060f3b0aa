"""`make teams-demo [MESSAGE="..."]`: one full round trip through the Teams channel, offline.

Starts the sandbox (Jenkins, GitHub, Grafana) and a fake Microsoft Bot Framework, the action server and
Rasa with credentials.teams.yml, then does what Teams does: posts a channel message that @mentions opsbot,
signed with a Bot Framework JWT, to /webhooks/teams/webhook. Prints what the fake Bot Framework received
back: the typing indicator and the reply (text, or the Adaptive Card's heading, facts and buttons).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import requests

from scripts.teams_stack import LOGS, Stack

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def describe_card(card: dict) -> list[str]:
    lines = [f"Adaptive Card {card.get('version')}"]
    for block in card.get("body") or []:
        if block.get("type") == "TextBlock":
            colour = f" [{block['color']}]" if block.get("color") not in (None, "Default") else ""
            lines.append(f"  {block.get('text')}{colour}")
        elif block.get("type") == "FactSet":
            lines.extend(f"  {fact['title']}: {fact['value']}" for fact in block.get("facts") or [])
        elif block.get("type") == "Image":
            lines.append(f"  (image: {str(block.get('url'))[:60]}…)")
    for action in card.get("actions") or []:
        target = action.get("url") or (action.get("data") or {}).get("rasa_payload") or ""
        lines.append(f"  [{action.get('title')}] {action.get('type')} → {target}")
    return lines


def describe(activity: dict) -> list[str]:
    if activity.get("type") == "typing":
        return ["typing…"]
    lines = [activity["text"]] if activity.get("text") else []
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == ADAPTIVE_CARD:
            lines.extend(describe_card(attachment["content"]))
        else:
            lines.append(f"attachment {attachment.get('contentType')} {str(attachment.get('contentUrl'))[:60]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.teams_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--message", default="what can you do?")
    parser.add_argument("--json", action="store_true", help="also print the activities as JSON")
    parser.add_argument("--model", default="models/opsbot.tar.gz")
    parser.add_argument("--click", action="store_true", help="then click the reply card's first button")
    args = parser.parse_args(argv)
    print("teams-demo: starting the sandbox, a fake Bot Framework, the action server and Rasa with the Teams "
          f"channel (about a minute; logs in {LOGS})")
    with Stack("teams-demo", model=args.model) as stack:
        fake = stack.fake
        activity = fake.activity(args.message, conversation_type="channel")
        print(f"\n→ Teams posts to {stack.webhook}")
        print(f"  {activity['from']['name']} in a channel: {activity['text']!r}")
        print("  Authorization: Bearer <RS256 JWT from the Bot Framework: iss, aud = app id, serviceurl, exp>")
        started = time.monotonic()
        answer = requests.post(stack.webhook, json=activity, headers=fake.headers(activity), timeout=30)
        print(f"← {answer.status_code} after {1000 * (time.monotonic() - started):.0f} ms (acknowledged; "
              "the answer is posted when ready)")
        fake.wait_for(lambda f: bool(f.delivered("message")), 60)
        time.sleep(1.5)  # a reply may have several parts
        received = fake.delivered()
        print(f"\nThe Bot Framework received {len(received)} call(s):")
        for call in received:
            print(f"  {call.method} {call.raw_path} → {call.status}")
            for line in describe(call.body or {}):
                print(f"      {line}")
            if args.json:
                print(json.dumps(call.body, indent=2)[:4000])
        if not fake.delivered("message"):
            print("teams-demo: no reply arrived; see the logs", file=sys.stderr)
            return 1
        print(f"\nteams-demo: round trip done in {fake.delivered('message')[-1].at - started:.2f} s.")
        if args.click:
            click(stack, activity, received)
    return 0


def click(stack: Stack, question: dict, received: list) -> None:
    """What Teams sends when the first Action.Submit button of the reply is clicked: its data as `value`."""
    fake = stack.fake
    for call in received:
        for attachment in (call.body or {}).get("attachments") or []:
            buttons = [a for a in (attachment.get("content") or {}).get("actions") or []
                       if a.get("type") == "Action.Submit"]
            if attachment.get("contentType") == ADAPTIVE_CARD and buttons:
                submit = fake.activity(None, conversation_type="channel", conversation_id=call.conversation_id,
                                       value=buttons[0]["data"], replyToId=call.activity_id)
                print(f"\n→ Ann clicks [{buttons[0]['title']}]: value = {json.dumps(buttons[0]['data'])}")
                before = len(fake.delivered("message"))
                requests.post(stack.webhook, json=submit, headers=fake.headers(submit), timeout=30)
                fake.wait_for(lambda f, seen=before: len(f.delivered("message")) > seen, 60)
                time.sleep(1.5)
                for answer in fake.delivered("message")[before:]:
                    for line in describe(answer.body or {}):
                        print(f"      {line}")
                return
    print("\n(no button to click)")


if __name__ == "__main__":
    sys.exit(main())
