"""`python -m sandbox [--world FILE] [--host 127.0.0.1] [--jenkins-port 8081] …`: start every fake service.

Prints the environment that points opsbot at it, then serves until interrupted.
`python -m sandbox --environment [--notify-base URL]`: print, as shell `export` lines, the settings that point
opsbot at the sandbox on its well-known ports, for the backends the world has (and the webhook settings of the
demo), when no registered backend
is configured in the environment; print nothing when one is (scripts/run.sh then leaves the sandbox off).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import sys

from backends.registry import WINGS
from sandbox import botframework
from sandbox.services import credentials_from_env, default_ports, demo_hooks, environment, sandbox_for
from sandbox.world import DEFAULT_WORLD, WorldError, load_world


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--world", default=os.environ.get("OPSBOT_WORLD") or str(DEFAULT_WORLD))
    parser.add_argument("--host", default="127.0.0.1", help="loopback only: the sandbox has demo credentials")
    for name, port in default_ports().items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    parser.add_argument("--botframework", action="store_true",
                        help="also start the fake Microsoft Bot Framework (for the Teams channel)")
    parser.add_argument("--botframework-port", type=int, default=botframework.DEFAULT_PORT)
    parser.add_argument("--environment", action="store_true",
                        help="print the settings that point opsbot at the sandbox (nothing when a backend is set)")
    parser.add_argument("--notify-base", default="http://127.0.0.1:5005/webhooks/notify",
                        help="with --environment: where the sandboxes send their webhooks")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    try:
        world = load_world(args.world)
    except WorldError as exc:
        print(f"sandbox: bad world file: {exc}", file=sys.stderr)
        return 2
    ports = {name: getattr(args, f"{name}_port") for name in default_ports()}
    sandbox = sandbox_for(world, credentials_from_env(), args.host, ports)
    fake = None
    if args.botframework:
        fake = botframework.from_env()
        sandbox.apps["botframework"] = fake.app()
        sandbox.requested_ports["botframework"] = args.botframework_port
    await sandbox.start()
    for name in sandbox.ports:
        print(f"sandbox: {name} on {sandbox.url(name)} (world: {world['name']})", flush=True)
    if fake is not None:
        fake.base_url = sandbox.url("botframework")
        variables = " ".join(f"{k}={v}" for k, v in botframework.teams_environment(fake).items() if v)
        print(f"sandbox: point the Teams channel at the fake Bot Framework with: {variables}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await sandbox.stop()
    return 0


def print_environment(args: argparse.Namespace) -> int:
    if any(wing.configured() for wing in WINGS):
        return 0
    try:
        world = load_world(args.world)
    except WorldError as exc:
        print(f"sandbox: bad world file: {exc}", file=sys.stderr)
        return 2
    # only the backends the world has a section for: the others are simply not configured in the demo
    urls = {name: f"http://127.0.0.1:{getattr(args, f'{name}_port')}" for name in default_ports() if name in world}
    settings = {**environment(urls, credentials_from_env({})), **demo_hooks(args.notify_base, names=urls)}
    for name, value in settings.items():
        print(f"export {name}={shlex.quote(value)}")
    health = " ".join(f"{url}/_sandbox/health" for url in urls.values())
    print(f"sandbox_health={shlex.quote(health)}")  # a shell variable for run.sh, not exported
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.environment:
        return print_environment(args)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
