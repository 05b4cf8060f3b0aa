"""The Teams channel's dependencies: the botbuilder pieces that resolve with Rasa 3.6 (botbuilder-core
4.17.1, not botbuilder-integration-aiohttp, whose aiohttp pin conflicts), aiohttp 3.9, PyJWT with crypto."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata


def test_installed_versions_resolve_together() -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pinned_teams_stack() -> None:
    assert metadata.version("botbuilder-core") == "4.17.1"
    assert metadata.version("botframework-connector") == "4.17.1"
    assert metadata.version("aiohttp").startswith("3.9.")
    assert int(metadata.version("pyjwt").split(".")[0]) == 2
    assert metadata.version("cryptography")
    try:
        metadata.version("botbuilder-integration-aiohttp")
    except metadata.PackageNotFoundError:
        pass
    else:
        raise AssertionError("botbuilder-integration-aiohttp is installed: its aiohttp pin conflicts with Rasa")
