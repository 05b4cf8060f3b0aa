"""Load for `make bench`: N concurrent conversations, each sending its messages one after another (the next
when the answer arrived), over REST or as Teams activities (bench/teams_channels.py does the activity side:
the Teams connector and Rasa's botframework channel). Bounded: a fixed number of messages and a time limit
per level; everything on loopback.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

import aiohttp
import yaml

from actions.capabilities import capabilities
from backends.registry import REGISTERED
from bench import teams_channels
from bench.stack import ROOT, BenchStack
from bench.teams_channels import Replies, Result

# Capabilities left out of the end-to-end mix: they change something (a build, a subscription) or answer
# with more than one message (a graph: text and image), which would blur "the reply arrived".
NOT_IN_MIX = ("jenkins_run_build", "grafana_graph", "subscribe", "unsubscribe")
LEVEL_TIMEOUT_SECONDS = 300.0
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def capability_examples() -> list[tuple[str, str]]:
    """(intent, example) of every capability (capabilities/*.yml), in the help's order."""
    return [(c.intent, c.template) for c in capabilities()]


def mix() -> list[str]:
    """The end-to-end messages: every read-only capability example that hits a backend."""
    return [example for intent, example in capability_examples()
            if intent.split("_")[0] in REGISTERED and intent not in NOT_IN_MIX]


def nlu_phrases() -> list[str]:
    """The held-out NLU phrases (tests/nlu), annotations removed: what people type."""
    phrases: list[str] = []
    for path in sorted((ROOT / "tests" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                text = line.strip()
                if text.startswith("- "):
                    phrases.append(_ANNOTATION.sub(r"\1", text[2:].strip()))
    return phrases


async def rest_conversation(session: aiohttp.ClientSession, url: str, name: str, texts: Sequence[str], count: int,
                            first: int, result: Result) -> None:
    for n in range(count):
        started = time.monotonic()
        try:
            async with session.post(url, json={"sender": name, "message": texts[(first + n) % len(texts)]}) as reply:
                body = await reply.json(content_type=None)
                ok = reply.status == 200 and bool(body)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            ok = False
        if ok:
            result.latencies.append(time.monotonic() - started)
        else:
            result.lost += 1


async def rest_level(stack: BenchStack, conversations: int, total: int, texts: Sequence[str]) -> Result:
    result = Result("rest", conversations)
    per = max(1, total // conversations)
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0),
                                     headers=stack.rest_headers) as session:
        started = time.monotonic()
        await asyncio.gather(*(rest_conversation(session, url, f"bench-rest-{conversations}-{n}", texts, per, n,
                                                 result) for n in range(conversations)))
        result.wall = time.monotonic() - started
    return result


class ChannelLoad:
    """Runs levels on one channel ("rest", "teams", "botframework") and counts stray replies."""

    def __init__(self, stack: BenchStack, replies: Replies, token: str) -> None:
        self.stack = stack
        self.replies = replies
        self.token = token

    async def level(self, channel: str, conversations: int, total: int, texts: Sequence[str]) -> Result | None:
        """One level within LEVEL_TIMEOUT_SECONDS; None when it did not finish in time."""
        if channel == "rest":
            work = rest_level(self.stack, conversations, total, texts)
        else:
            work = teams_channels.level(self.stack, self.replies, self.token, channel, conversations, total, texts)
        try:
            return await asyncio.wait_for(work, LEVEL_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return None

    def extra_replies(self, channel: str, conversations: int, sent: int) -> int:
        """Messages delivered beyond one per question (then "reply arrived" would be ambiguous)."""
        prefix = f"a:bench-{channel}-{conversations}-"
        delivered = sum(1 for r in self.stack.fake.delivered("message") if r.conversation_id.startswith(prefix))
        return max(0, delivered - sent)


def rest_ask(stack: BenchStack, sender: str, message: str) -> list[dict]:
    import requests

    response = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             headers=stack.rest_headers, timeout=60)
    response.raise_for_status()
    return response.json()


def first_line(replies: list[dict]) -> str:
    text = next((r.get("text") for r in replies if r.get("text")), "") or ("(image)" if replies else "(no reply)")
    line = text.strip().splitlines()[0] if text.strip() else text
    return line[:100]


def asks_for_yes(replies: list[dict]) -> bool:
    return any(str(b.get("payload", "")).startswith("/affirm") for r in replies for b in r.get("buttons") or [])

