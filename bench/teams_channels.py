"""Benchmark, run by hand: the `teams` channel against Rasa's built-in `botframework` channel, side by side
in one Rasa process on the same model, against the fake Bot Framework.

    .venv/bin/python -m bench.teams_channels [--model models/opsbot.tar.gz] [--levels 1 10 50]

For 1, 10 and 50 concurrent conversations, each conversation sends messages one after another (the next
when the previous answer arrived), as Teams would post them: a signed activity to the channel's webhook.
Latency is from the activity POST to the reply's arrival at the fake Bot Framework (the same clock);
throughput is replies per second of wall time. The message is "hi" (answered by a response, no action
server), so the numbers compare the channels, not the backends. The teams channel also sends a typing
indicator before each reply and paces each conversation under Teams' 7 posts/s limit, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from sandbox.botframework import Received
from scripts.teams_stack import Stack

ROOT = Path(__file__).resolve().parent.parent

CREDENTIALS = """\
botframework:
  app_id: ${TEAMS_APP_ID}
  app_password: ${TEAMS_APP_PASSWORD}
connector.teams.TeamsInput:
  app_id: ${TEAMS_APP_ID}
  app_password: ${TEAMS_APP_PASSWORD}
  openid_metadata_url: ${TEAMS_OPENID_METADATA_URL}
  token_url: ${TEAMS_TOKEN_URL}
  allowed_service_urls: ${TEAMS_ALLOWED_SERVICE_URLS}
  store_path: ${TEAMS_STORE_PATH}
  sends_per_second: ${BENCH_SENDS_PER_SECOND}
"""
CHANNELS = {"teams": "/webhooks/teams/webhook", "botframework": "/webhooks/botframework/webhook"}
MESSAGES_PER_LEVEL = {1: 40, 10: 100, 50: 200}


@dataclass
class Result:
    channel: str
    conversations: int
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    wall: float = 0.0
    lost: int = 0

    def row(self) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000 if lat else float("nan")
        p95 = lat[max(0, round(0.95 * len(lat)) - 1)] * 1000 if lat else float("nan")
        ack = statistics.median(self.acks) * 1000 if self.acks else float("nan")
        rate = len(lat) / self.wall if self.wall else 0.0
        return (f"| {self.channel:<12} | {self.conversations:>13} | {len(lat):>8} | {rate:>9.1f} | {p50:>8.0f} | "
                f"{p95:>8.0f} | {ack:>11.0f} | {self.lost:>4} |")


class Replies:
    """Futures per conversation, completed from the fake Bot Framework's thread when a message arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[str, asyncio.Future] = {}

    def expect(self, conversation_id: str) -> asyncio.Future:
        future = self.loop.create_future()
        self.waiting[conversation_id] = future
        return future

    def __call__(self, call: Received) -> None:  # the fake's listener
        if (call.body or {}).get("type") != "message" or not call.delivered:
            return
        future = self.waiting.pop(call.conversation_id, None)
        if future is not None:
            self.loop.call_soon_threadsafe(lambda: future.done() or future.set_result(call.at))


async def conversation(session: aiohttp.ClientSession, stack: Stack, replies: Replies, token: str, channel: str,
                       name: str, count: int, result: Result, texts: Sequence[str] = ("hi",), first: int = 0) -> None:
    """`count` messages one after another: texts[first], texts[first + 1], ... (cycling)."""
    url = f"http://127.0.0.1:{stack.rasa_port}{CHANNELS[channel]}"
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(count):
        activity = stack.fake.activity(texts[(first + n) % len(texts)], conversation_id=f"a:{name}",
                                       user_id=f"29:{name}", aad_object_id=f"aad-{name}")
        arrived = replies.expect(activity["conversation"]["id"])
        started = time.monotonic()
        async with session.post(url, json=activity, headers=headers) as answer:
            await answer.read()
            result.acks.append(time.monotonic() - started)
            if answer.status != 200:
                result.lost += 1
                continue
        try:
            result.latencies.append(await asyncio.wait_for(arrived, 60) - started)
        except asyncio.TimeoutError:
            result.lost += 1


async def level(stack: Stack, replies: Replies, token: str, channel: str, conversations: int, total: int,
                texts: Sequence[str] = ("hi",)) -> Result:
    result = Result(channel, conversations)
    per = max(1, total // conversations)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        await asyncio.gather(*(conversation(session, stack, replies, token, channel,
                                            f"bench-{channel}-{conversations}-{n}", per, result, texts, n)
                               for n in range(conversations)))
        result.wall = time.monotonic() - started
    return result


async def run(stack: Stack, levels: list[int]) -> list[Result]:
    replies = Replies(asyncio.get_running_loop())
    stack.fake.listeners.append(replies)
    token = stack.fake.token(stack.fake.service_url())
    for channel in CHANNELS:  # warm up both paths (model, tokens, keys)
        await level(stack, replies, token, channel, 2, 6)
    results = []
    for conversations in levels:
        for channel in CHANNELS:
            results.append(await level(stack, replies, token, channel, conversations,
                                       MESSAGES_PER_LEVEL.get(conversations, 4 * conversations)))
            print(results[-1].row(), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.teams_channels", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/opsbot.tar.gz")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--sends-per-second", type=int, default=7,
                        help="the teams channel's pacing per conversation (Teams allows 7; higher = off)")
    args = parser.parse_args(argv)
    credentials = Path(f"/tmp/opsbot-bench-credentials-{time.time_ns()}.yml")
    credentials.write_text(CREDENTIALS)
    try:
        print("bench: starting the fake Bot Framework and one Rasa with both channels (about 30 s)...", flush=True)
        with Stack("bench", credentials=str(credentials), model=args.model, actions=False,
                   rasa_command=[sys.executable, str(ROOT / "bench" / "rasa_patched.py")],
                   extra_env={"BENCH_BOTFRAMEWORK_URL": "{botframework}",
                              "BENCH_SENDS_PER_SECOND": str(args.sends_per_second)}) as stack:
            print("| channel      | conversations | messages | msgs/s    | p50 ms   | p95 ms   | ack p50 ms  | lost |")
            print("|--------------|---------------|----------|-----------|----------|----------|-------------|------|")
            asyncio.run(run(stack, args.levels))
    finally:
        credentials.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
