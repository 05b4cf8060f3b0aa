"""`python -m sandbox [--world FILE] [--host 127.0.0.1] [--jenkins-port 8081] …`: start every fake service.

Prints the environment that points opsbot at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from sandbox import botframework
from sandbox.server import DEFAULT_PORTS, Credentials
from sandbox.services import sandbox_for
from sandbox.world import DEFAULT_WORLD, WorldError, load_world


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--world", default=os.environ.get("OPSBOT_WORLD") or str(DEFAULT_WORLD))
    parser.add_argument("--host", default="127.0.0.1", help="loopback only: the sandbox has demo credentials")
    for name, port in DEFAULT_PORTS.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    parser.add_argument("--botframework", action="store_true",
                        help="also start the fake Microsoft Bot Framework (for the Teams channel)")
    parser.add_argument("--botframework-port", type=int, default=botframework.DEFAULT_PORT)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    try:
        world = load_world(args.world)
    except WorldError as exc:
        print(f"sandbox: bad world file: {exc}", file=sys.stderr)
        return 2
    ports = {name: getattr(args, f"{name}_port") for name in DEFAULT_PORTS}
    sandbox = sandbox_for(world, Credentials.from_env(), args.host, ports)
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


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(serve(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
