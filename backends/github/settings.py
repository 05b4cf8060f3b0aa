"""GitHub settings: the API (github.com or GitHub Enterprise), the token, the organisation and default
repository, and the webhook secret."""

from __future__ import annotations

from dataclasses import dataclass

from common.settings import cached, read, setting


@dataclass(frozen=True)
class GitHubSettings:
    api_url: str = setting("GITHUB_API_URL", "https://api.github.com")
    token: str = setting("GITHUB_TOKEN", secret=True)
    org: str = setting("GITHUB_ORG")
    default_repo: str = setting("GITHUB_DEFAULT_REPO")
    # X-Hub-Signature-256's key (notifications from GitHub; backends/github/source.py).
    webhook_secret: str = setting("GITHUB_WEBHOOK_SECRET", secret=True)

    @property
    def configured(self) -> bool:
        return bool(self.token)


@cached
def github_settings() -> GitHubSettings:
    return read(GitHubSettings)
