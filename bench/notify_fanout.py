"""Benchmark, run by hand: how many webhook events per second the notifier delivers to 100 subscribed Teams
conversations.

    .venv/bin/python -m bench.notify_fanout [--conversations 100] [--events 20] [--concurrency 16]

The notifier runs as its own process (`python -m notifications`, as `make demo` runs it; the Rasa channel
does the same work in Rasa's process) and posts to the fake Bot Framework (in this process). Every
conversation subscribes to every Jenkins build result, then `--events` Notification plugin webhooks are
sent, as fast as the receiver acknowledges them. Delivered = the fake Bot Framework accepted the card.
Reported: webhook acknowledgement latency, and events/s and cards/s from the first webhook to the last
card. Teams' own limit applies: each conversation is paced under 7 posts/s, as in production, so with every
conversation subscribed to every event the sustained rate cannot exceed 7 events/s; `--events 7` shows a
burst that fits in that limit (the notifier's own capacity).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from notifications.store import NotifyStore
from sandbox.botframework import FakeBotFramework, teams_environment
from sandbox.payloads import channel_reference, jenkins_payload
from sandbox.server import RunningSandbox
from scripts.teams_stack import free_port

ROOT = Path(__file__).resolve().parent.parent

SECRET = "bench-jenkins-secret"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16, help="the notifier's posts in flight")
    args = parser.parse_args()

    fake = FakeBotFramework()
    running = RunningSandbox({"botframework": fake.app()}, "127.0.0.1", {"botframework": 0}).start_in_thread()
    fake.base_url = running.url("botframework")
    with tempfile.TemporaryDirectory(prefix="opsbot-bench-notify-") as tmp:
        database = Path(tmp) / "notify.db"
        store = NotifyStore(database)
        for index in range(args.conversations):
            conversation = f"19:bench-{index:03d}@thread.tacv2"
            store.remember_address(conversation, channel_reference(fake, conversation))
            store.subscribe(conversation, "jenkins", "", "finished")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "OPSBOT_"))}
        env.update({"OPSBOT_NOTIFY_DB": str(database), "JENKINS_WEBHOOK_SECRET": SECRET, **teams_environment(fake)})
        log = open(Path(tmp) / "notifier.log", "w")  # noqa: SIM115 - closed below
        notifier = subprocess.Popen([sys.executable, "-m", "notifications", "--port", str(port),
                                     "--concurrency", str(args.concurrency)], cwd=ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/webhooks/notify/jenkins?token={SECRET}"
        try:
            for _ in range(300):
                try:
                    requests.get(f"http://127.0.0.1:{port}/webhooks/notify/", timeout=1)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            expected = args.conversations * args.events
            acknowledged: list[float] = []
            started = time.monotonic()
            with requests.Session() as session:
                for number in range(1, args.events + 1):
                    sent = time.monotonic()
                    answer = session.post(url, json=jenkins_payload("bench-job", number, "FINALIZED", "SUCCESS"),
                                          timeout=10)
                    acknowledged.append(time.monotonic() - sent)
                    assert answer.status_code == 202, answer.text
            fake.wait_for(lambda f: len(f.delivered("message")) >= expected, 600)
            delivered = fake.delivered("message")
            elapsed = delivered[-1].at - started if delivered else float("nan")
        finally:
            notifier.terminate()
            notifier.wait(10)
            log.close()
            running.stop_thread()
    per_conversation = {}
    for call in delivered:
        per_conversation[call.conversation_id] = per_conversation.get(call.conversation_id, 0) + 1
    print(f"{args.events} events x {args.conversations} conversations = {expected} cards expected, "
          f"{len(delivered)} delivered ({len(set(per_conversation.values()))} distinct per-conversation count(s): "
          f"{sorted(set(per_conversation.values()))})")
    print(f"webhook acknowledged in: median {1000 * statistics.median(acknowledged):.1f} ms, "
          f"max {1000 * max(acknowledged):.1f} ms")
    print(f"all delivered after {elapsed:.2f} s: {args.events / elapsed:.1f} events/s, "
          f"{len(delivered) / elapsed:.0f} cards/s")
    return 0 if len(delivered) == expected else 1


if __name__ == "__main__":
    sys.exit(main())
