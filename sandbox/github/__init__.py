"""The fake GitHub: the REST API PyGithub calls, search with GitHub's qualifiers, and GitHub Actions.
Its contract: sandbox/services.py."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.github.app import create_app
from sandbox.github.schema import SCHEMA
from sandbox.server import Credentials

PORT = 8082
CREDENTIALS = {'GITHUB_TOKEN': 'sandbox-github-token'}


def environment(url: str, credentials: Credentials) -> dict[str, str]:
    return {"GITHUB_API_URL": url, "GITHUB_TOKEN": credentials["GITHUB_TOKEN"]}


def demo_hooks(notify_base: str, environ: Mapping[str, str]) -> dict[str, str]:
    return {"GITHUB_WEBHOOK_SECRET": environ.get("GITHUB_WEBHOOK_SECRET") or "sandbox-github-hook"}


__all__ = ["CREDENTIALS", "PORT", "SCHEMA", "create_app", "demo_hooks", "environment"]
