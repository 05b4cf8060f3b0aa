"""Releases: the latest, a named one, and what changed since."""

from __future__ import annotations

from actions.base import Answer, Ask
from actions.github.question import (
    GitHubQuestion,
)
from actions.github.words_slots import (
    FILTERS_SLOT,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    service,
)


class ActionGithubReleases(GitHubQuestion):
    """Latest release (not a prerelease unless asked), the list, or "is there a release candidate?".
    Requests: latest = /releases/latest + the first page of releases (2); list or candidates = 1."""

    action_name = "action_github_releases"
    intent = "github_releases"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        previous = self.previous_filters(ask)
        mode = parse.release_mode(ask.text) if not parse.is_payload(ask.text) else previous.get("mode", "latest")
        if ask.intent == "follow_up" and mode == "latest" and previous.get("mode"):
            mode = previous["mode"]
        where = await self.one_repo(ask, github)
        if where.reply:
            return self.ask_which(where.reply, mode=mode)
        repo = where.repo
        buttons = self.other_repo_buttons(where)
        slots = {REPO_SLOT: repo.full_name, FILTERS_SLOT: self.filters_event(mode=mode)}
        tag = parse.release_tag(ask.entity("version") or "") or parse.release_tag(ask.text)
        if tag:  # "when was 2.4.0 released?": that exact tag, not the latest
            bare = tag.lower().lstrip("v")
            listed = await github.releases(repo, limit=30)
            found = next((r for r in listed if r.tag.lower().lstrip("v") == bare), None)
            return Answer.of(render.one_release(repo, tag, found, buttons), **slots)
        if mode == "latest":
            latest = await github.latest_release(repo)
            listed = await github.releases(repo, limit=10)
            newer = [r for r in listed if r.prerelease and not r.draft
                     and (latest is None or r.published_at > latest.published_at)][:2]
            return Answer.of(render.latest_release(repo, latest, newer, buttons, where.note), **slots)
        listed = [r for r in await github.releases(repo, limit=10) if not r.draft]
        if mode == "prerelease":
            latest_stable = next((r.published_at for r in listed if not r.prerelease), 0.0)
            listed = [r for r in listed if r.prerelease and r.published_at >= latest_stable]
        return Answer.of(render.release_list(repo, listed[:5], mode == "prerelease", buttons, where.note), **slots)


# -- commits ----------------------------------------------------------------------------------------------------
