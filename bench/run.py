"""`make bench`: how fast opsbot answers and what each answer costs the backends, measured on this machine in
one run, printed as one table and written to results/bench/<time>-<commit>.json (and results/bench/latest.json);
`make bench-compare OLD=a.json NEW=b.json` lines two runs up.

    .venv/bin/python -m bench.run [--model PATH] [--quick] [--out DIR]

In order, each figure from this run:
  1. full training time: `rasa train` with an empty Rasa cache (--model PATH skips it and measures that model);
  2. one Rasa server with REST, the Teams connector and Rasa's built-in botframework channel open (the same
     model; bench/rasa_patched.py points the built-in channel at the fake Bot Framework), one action server,
     and the sandbox and fake Bot Framework in this process: model load and start-up time, memory (RSS);
  3. NLU parse latency, warm: every held-out phrase of tests/nlu over Rasa's /model/parse (loopback HTTP);
  4. end to end, message in to reply out, at 1, 10 and 50 concurrent conversations per channel: the read-only
     capability examples (capabilities/) cycling, answered from the sandbox; latency p50/p95, messages/s;
  5. backend requests per answer for each capability example (the sandbox counts them at /_sandbox/stats):
     cold (a fresh action server: empty caches, new clients) and warm (the same question again).
Loopback only; every load is a fixed number of messages with a time limit; every process stops at the end.
The machine is shared: the load average at the start is recorded with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench import load
from bench.figures import Run, fmt, percentile, table
from bench.stack import SERVICES, BenchStack, memory_mb
from bench.teams_channels import Replies
from scripts.teams_stack import BIN, LOGS

ROOT = Path(__file__).resolve().parent.parent

LEVELS = (1, 10, 50)
MESSAGES = {1: 30, 10: 100, 50: 200}
QUICK_MESSAGES = {1: 8, 10: 20, 50: 50}
CHANNELS = ("rest", "teams", "botframework")
CHANNEL_NAMES = {"rest": "REST", "teams": "Teams connector", "botframework": "built-in botframework"}
NLU_WARMUP = 20


NOTES = """\
End to end: {questions} read-only capability questions cycling, answered from the sandbox; messages per level
{messages}; each conversation sends its next message when the answer arrived; GitHub's rate limits are reset
before each level. The Teams connector column includes what production does: a typing indicator before each
answer and pacing under Teams' 7 posts/s per conversation. Backend requests: cold = a fresh action server."""


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# -- 1. training -------------------------------------------------------------------------------------------
def train(run: Run, workdir: Path) -> Path:
    say("training from scratch (an empty Rasa cache; a few minutes)...")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore",
               RASA_CACHE_DIRECTORY=str(workdir / "rasa-cache"))
    out = workdir / "models"
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(LOGS / "bench-train.log", "w") as log:
        subprocess.run([str(BIN / "rasa"), "train", "--data", "nlu", "stories", "--domain", "domain", "--config",
                        "config.yml", "--out", str(out), "--fixed-model-name", "opsbot"],
                       cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=1800, check=True)
    run.add("train.full_s", time.monotonic() - started, "s", note="rasa train, empty cache")
    return out / "opsbot.tar.gz"


# -- 2. servers --------------------------------------------------------------------------------------------
def servers(run: Run, stack: BenchStack, when: str) -> None:
    for name, process in (("rasa", stack.rasa), ("actions", stack.actions)):
        rss, peak = memory_mb(process.pid)
        run.add(f"{name}.rss_{when}_mb", rss, "MB")
        if when == "after_load":
            run.add(f"{name}.rss_peak_mb", peak, "MB")


# -- 3. NLU -----------------------------------------------------------------------------------------------
def nlu(run: Run, stack: BenchStack) -> None:
    phrases = load.nlu_phrases()
    url = f"{stack.rasa_url}/model/parse"
    latencies = []
    with requests.Session() as session:
        for n, text in enumerate([*phrases[:NLU_WARMUP], *phrases]):
            started = time.monotonic()
            response = session.post(url, params={"token": stack.api_token}, json={"text": text}, timeout=30)
            response.raise_for_status()
            if n >= NLU_WARMUP:
                latencies.append(time.monotonic() - started)
    run.add("nlu.parse_p50_ms", percentile(latencies, 50) * 1000, "ms", note=f"{len(latencies)} parses")
    run.add("nlu.parse_p95_ms", percentile(latencies, 95) * 1000, "ms")


# -- 4. end to end ------------------------------------------------------------------------------------------
async def end_to_end(run: Run, stack: BenchStack, messages: dict[int, int]) -> None:
    texts = load.mix()
    run.details["e2e_messages"] = texts
    replies = Replies(asyncio.get_running_loop())
    stack.fake.listeners.append(replies)
    channels = load.ChannelLoad(stack, replies, stack.fake.token(stack.fake.service_url()))
    for channel in CHANNELS:  # warm-up: model, action server, caches, tokens and keys
        stack.fresh_github_limits()
        await channels.level(channel, 2, 2 * len(texts), texts)
    stack.fake.reset()
    for conversations in LEVELS:
        for channel in CHANNELS:
            total = messages[conversations]
            say(f"end to end: {CHANNEL_NAMES[channel]}, {conversations} conversation(s), {total} messages")
            stack.fresh_github_limits()
            result = await channels.level(channel, conversations, total, texts)
            key = f"e2e.{channel}.c{conversations}"
            search = stack.github_search()
            run.add(f"{key}.github_search", search["used"], "requests",
                    note="GitHub search limit reached" if search["remaining"] == 0 else "")
            if result is None:
                run.add(f"{key}.p50_ms", None, "ms", note="did not finish in time")
                continue
            lat = result.latencies
            run.add(f"{key}.p50_ms", _ms(percentile(lat, 50)), "ms")
            run.add(f"{key}.p95_ms", _ms(percentile(lat, 95)), "ms")
            run.add(f"{key}.msg_per_s", len(lat) / result.wall if result.wall else None, "msg/s", better="higher")
            run.add(f"{key}.lost", result.lost, "messages")
            if channel != "rest":
                await asyncio.sleep(0.5)  # a late second message would show here
                sent = (total // conversations) * conversations
                run.add(f"{key}.extra_replies", channels.extra_replies(channel, conversations, sent), "messages")
            if channel == "teams":
                run.add(f"{key}.ack_p50_ms", _ms(percentile(result.acks, 50)), "ms")
        stack.fake.reset()


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


# -- 5. backend requests per answer --------------------------------------------------------------------------
def backend_requests(run: Run, stack: BenchStack) -> None:
    answers: dict[str, dict] = {}
    starts = []
    for intent, example in load.capability_examples():
        say(f"backend requests: {intent}")
        starts.append(stack.restart_actions())
        detail: dict = {"example": example}
        for temperature in ("cold", "warm"):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            stack.fresh_github_limits()
            stack.reset_counts()
            replies = load.rest_ask(stack, sender, example)
            counts = stack.counts()
            detail[temperature] = _count(counts)
            detail.setdefault("answer", load.first_line(replies))
            if temperature == "cold":
                detail["cold_paths"] = {s: counts[s]["by_path"] for s in SERVICES if counts[s]["requests"]}
            run.add(f"req.{intent}.{temperature}", detail[temperature]["total"], "requests",
                    note=_by_backend(detail[temperature]))
            if load.asks_for_yes(replies):  # a change: measured through to the confirmation's answer
                stack.reset_counts()
                confirmed = load.rest_ask(stack, sender, "yes")
                detail[f"{temperature}_yes"] = _count(stack.counts())
                detail.setdefault("answer_yes", load.first_line(confirmed))
                run.add(f"req.{intent}+yes.{temperature}", detail[f"{temperature}_yes"]["total"], "requests",
                        note=_by_backend(detail[f"{temperature}_yes"]))
        answers[intent] = detail
    run.details["backend_requests"] = answers
    run.add("actions.start_p50_s", percentile(starts, 50), "s", note=f"{len(starts)} restarts")


def _count(counts: dict[str, dict]) -> dict[str, int]:
    per = {service: int(counts[service]["requests"]) for service in SERVICES}
    return {**per, "total": sum(per.values())}


def _by_backend(count: dict[str, int]) -> str:
    return ", ".join(f"{service.capitalize() if service != 'github' else 'GitHub'} {count[service]}"
                     for service in SERVICES if count[service]) or "none"


# -- the table -------------------------------------------------------------------------------------------------
def render(run: Run) -> str:
    v = run.value
    rows: list[list[str]] = []

    def row(measure: str, value: str, teams: str = "", builtin: str = "") -> None:
        rows.append([measure, value, teams, builtin])

    row("full training (empty cache)", f"{fmt(v('train.full_s'))} s" if v("train.full_s") is not None
        else "not measured (--model)")
    row("Rasa server: start and model load", f"{fmt(v('rasa.ready_s'), 1)} s")
    row("Rasa server RSS: idle / peak", f"{fmt(v('rasa.rss_idle_mb'))} / {fmt(v('rasa.rss_peak_mb'))} MB")
    row("action server: start (median of restarts)", f"{fmt(v('actions.start_p50_s'), 1)} s")
    row("action server RSS: idle / peak", f"{fmt(v('actions.rss_idle_mb'))} / {fmt(v('actions.rss_peak_mb'))} MB")
    row("NLU parse p50 / p95 (warm)", f"{fmt(v('nlu.parse_p50_ms'), 1)} / {fmt(v('nlu.parse_p95_ms'), 1)} ms")
    for conversations in LEVELS:
        cells = []
        for channel in CHANNELS:
            key = f"e2e.{channel}.c{conversations}"
            if v(f"{key}.p50_ms") is None:
                cells.append("did not finish")
                continue
            lost = v(f"{key}.lost") or 0
            limited = run.figures.get(f"{key}.github_search")
            cells.append(f"{fmt(v(f'{key}.p50_ms'))} / {fmt(v(f'{key}.p95_ms'))} ms · "
                         f"{fmt(v(f'{key}.msg_per_s'), 1)}/s" + (f" · {fmt(lost)} lost" if lost else "")
                         + (" · GitHub search limit hit" if limited and limited.note else ""))
        label = "conversation" if conversations == 1 else "conversations"
        row(f"end to end, {conversations} {label}: p50 / p95 · msg/s", *cells)
    for key, figure in run.figures.items():
        if key.startswith("req.") and key.endswith(".cold"):
            name = key[len("req."):-len(".cold")]
            warm = run.figures.get(f"req.{name}.warm")
            warm_value, warm_note = (warm.value, warm.note) if warm else (None, "")
            row(f"backend requests: {name} (cold / warm)",
                f"{fmt(figure.value)} / {fmt(warm_value)} ({figure.note} / {warm_note})")
    header = ["measure", "value (REST for end to end)", CHANNEL_NAMES["teams"], CHANNEL_NAMES["botframework"]]
    return table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="measure this model instead of training one (no training time)")
    parser.add_argument("--quick", action="store_true", help="fewer messages per level (a smoke run)")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench"), help="directory for the JSON file")
    args = parser.parse_args(argv)

    started = time.monotonic()
    load_average = os.getloadavg()[0]
    run = Run(meta={"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "commit": git_commit(), "cpus": os.cpu_count(), "load_average_1m": round(load_average, 2),
                    "quick": args.quick, "messages_per_level": QUICK_MESSAGES if args.quick else MESSAGES})
    if load_average > (os.cpu_count() or 1) * 0.5:
        say(f"the machine is busy (load {load_average:.1f} on {os.cpu_count()} cores): figures will be slower")
    with tempfile.TemporaryDirectory(prefix="opsbot-bench-") as tmp:
        workdir = Path(tmp)
        model = Path(args.model) if args.model else train(run, workdir)
        if args.model:
            run.add("train.full_s", None, "s", note="not measured (--model)")
        say("starting the sandbox, the action server and Rasa with three channels...")
        with BenchStack(str(model), workdir) as stack:
            run.add("rasa.ready_s", stack.ready_seconds.get("rasa"), "s", note="spawn → webhooks answer")
            servers(run, stack, "idle")
            say("NLU parse latency...")
            nlu(run, stack)
            backend_requests(run, stack)  # first: the end-to-end load would leave the caches warm
            asyncio.run(end_to_end(run, stack, QUICK_MESSAGES if args.quick else MESSAGES))
            servers(run, stack, "after_load")
    run.meta["seconds"] = round(time.monotonic() - started)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(args.out)
    path = out / f"{stamp}-{run.meta['commit'].replace('+', '-')}.json"
    run.save(path)
    run.save(out / "latest.json")
    print(f"opsbot bench, {run.meta['started']}, commit {run.meta['commit']}, {run.meta['cpus']} CPUs, "
          f"load {run.meta['load_average_1m']} at start, {run.meta['seconds']} s")
    print(render(run))
    print(NOTES.format(questions=len(run.details.get("e2e_messages", [])), messages=run.meta["messages_per_level"]))
    print(f"figures: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
