"""The fake Jenkins: its JSON API, builds that run and finish, and the Notification plugin's webhooks.
Its contract: sandbox/services.py."""

from __future__ import annotations

from collections.abc import Mapping

from sandbox.jenkins.app import create_app
from sandbox.jenkins.schema import SCHEMA
from sandbox.server import Credentials

PORT = 8081
CREDENTIALS = {'JENKINS_USER': 'opsbot', 'JENKINS_API_TOKEN': 'sandbox-jenkins-token'}


def environment(url: str, credentials: Credentials) -> dict[str, str]:
    return {"JENKINS_URL": url, "JENKINS_USER": credentials["JENKINS_USER"],
            "JENKINS_API_TOKEN": credentials["JENKINS_API_TOKEN"]}


def demo_hooks(notify_base: str, environ: Mapping[str, str]) -> dict[str, str]:
    secret = environ.get("JENKINS_WEBHOOK_SECRET") or "sandbox-jenkins-hook"
    return {"JENKINS_WEBHOOK_SECRET": secret, "OPSBOT_NOTIFY_JENKINS_URL": environ.get("OPSBOT_NOTIFY_JENKINS_URL")
            or f"{notify_base}/jenkins?token={secret}"}


__all__ = ["CREDENTIALS", "PORT", "SCHEMA", "create_app", "demo_hooks", "environment"]
