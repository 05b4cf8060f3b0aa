"""`rasa` for the benchmark: Rasa's built-in `botframework` channel, pointed at the fake Bot Framework.

The built-in channel reads the Microsoft URLs from module constants (and downloads keys from them in its
constructor); this process replaces them with BENCH_BOTFRAMEWORK_URL before Rasa starts. Only here.
BENCH_RASA_ARGS (optional) adds arguments to the command (bench/run.py: the HTTP API for /model/parse).
"""

from __future__ import annotations

import os
import shlex
import sys

import rasa.core.channels.botframework as builtin

base = os.environ["BENCH_BOTFRAMEWORK_URL"].rstrip("/")
builtin.MICROSOFT_OPEN_ID_URI = f"{base}/v1/.well-known/openidconfiguration"
builtin.MICROSOFT_OAUTH2_URL = base  # + "/botframework.com/oauth2/v2.0/token"

if __name__ == "__main__":
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.argv += shlex.split(os.environ.get("BENCH_RASA_ARGS", ""))
    sys.exit(main())
