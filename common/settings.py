"""Every setting opsbot reads from the environment, in one place, read once.

The variable names are part of the public contract (README): JENKINS_URL, JENKINS_USER,
JENKINS_API_TOKEN, GITHUB_API_URL, GITHUB_TOKEN, GITHUB_ORG, GITHUB_DEFAULT_REPO, GRAFANA_URL,
GRAFANA_TOKEN, OPSBOT_HTTP_TIMEOUT, OPSBOT_CONFIRM_SECONDS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class JenkinsSettings:
    url: str
    user: str
    token: str = field(repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class GitHubSettings:
    api_url: str
    token: str = field(repr=False)
    org: str
    default_repo: str

    @property
    def configured(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class GrafanaSettings:
    url: str
    token: str = field(repr=False)

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class Settings:
    jenkins: JenkinsSettings
    github: GitHubSettings
    grafana: GrafanaSettings
    # Seconds for one backend request; an answer that needs several still ends within ~10 s.
    http_timeout: float = 8.0
    # Seconds a change waits for its requester's "yes" (actions.confirm); tests shorten it.
    confirm_seconds: float = 300.0

    def secrets(self) -> list[str]:
        """Values that must never appear in a reply or a log line."""
        values = [self.jenkins.token, self.github.token, self.grafana.token]
        return [value for value in values if value]


def load_settings() -> Settings:
    return Settings(
        jenkins=JenkinsSettings(
            url=_env("JENKINS_URL").rstrip("/"),
            user=_env("JENKINS_USER"),
            token=_env("JENKINS_API_TOKEN"),
        ),
        github=GitHubSettings(
            api_url=_env("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            token=_env("GITHUB_TOKEN"),
            org=_env("GITHUB_ORG"),
            default_repo=_env("GITHUB_DEFAULT_REPO"),
        ),
        grafana=GrafanaSettings(url=_env("GRAFANA_URL").rstrip("/"), token=_env("GRAFANA_TOKEN")),
        http_timeout=float(_env("OPSBOT_HTTP_TIMEOUT", "8") or 8),
        confirm_seconds=_positive(_env("OPSBOT_CONFIRM_SECONDS"), 300.0),
    )


def _positive(value: str, default: float) -> float:
    """A number of seconds from the environment; the default when it is empty, unreadable or not above 0."""
    try:
        number = float(value)
    except ValueError:
        return default
    return number if number > 0 else default


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return load_settings()
