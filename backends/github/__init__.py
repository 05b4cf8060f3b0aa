"""The GitHub wing: settings.py (its variables), service.py (the facade), words.py (its words), render.py
(answers), source.py (notifications). Its questions are actions/github.py, its sandbox sandbox/github/."""

from __future__ import annotations

from backends.github.service import BACKEND, facade
from backends.github.source import GitHubSource
from backends.wing import Wing

WING = Wing(name="github", title=BACKEND, facade=facade, source=GitHubSource(),
            setup_hint="Set GITHUB_TOKEN (and GITHUB_API_URL for GitHub Enterprise).")
