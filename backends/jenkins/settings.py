"""Jenkins settings: where it is and who opsbot is there (an API token), and the webhook's shared secret."""

from __future__ import annotations

from dataclasses import dataclass

from common.settings import cached, read, setting


@dataclass(frozen=True)
class JenkinsSettings:
    url: str = setting("JENKINS_URL")
    user: str = setting("JENKINS_USER")
    token: str = setting("JENKINS_API_TOKEN", secret=True)
    # The Notification plugin's shared secret (notifications from Jenkins; backends/jenkins/source.py).
    webhook_secret: str = setting("JENKINS_WEBHOOK_SECRET", secret=True)

    @property
    def configured(self) -> bool:
        return bool(self.url)


@cached
def jenkins_settings() -> JenkinsSettings:
    return read(JenkinsSettings)
