"""Commits: on a branch or in a window, and the changes a Jenkins build built (after a Jenkins answer)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from actions.base import Answer, Ask
from actions.github.question import (
    BUILD_NUMBER,
    JENKINS_BUILD_SLOT,
    JENKINS_CONTEXT,
    GitHubQuestion,
    after_jenkins,
    job_repo,
    own_branch,
)
from actions.github.words_slots import (
    BRANCH_QUESTION_CUES,
    FILTERS_SLOT,
    MAX_CONTRIBUTORS,
    REPO_ENTITY,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    Repo,
    service,
)
from common import timerange
from common.reply import Button, Reply, payload
from common.text import clean


class ActionGithubCommits(GitHubQuestion):
    """"What changed on main today?", "last 5 commits on spring-petclinic", "commits by jonas", "what did
    okafor-c push this week?". Requests: 1 (+1 for the last commit before an empty time window; +1 for the
    repository's contributors, cached a minute, when a person is named)."""

    action_name = "action_github_commits"
    intent = "github_commits"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        job = after_jenkins(ask)
        if job and not ask.entity(REPO_ENTITY) and (JENKINS_CONTEXT.search(ask.text) or ask.entity("build_number")):
            return await self.build_changes(ask, github, job)
        previous = self.previous_filters(ask)
        if previous.get("jenkins_job") and not ask.entity(REPO_ENTITY):  # "and the one before it?"
            before = re.search(r"\b(?:before|previous|earlier|prior)\b", ask.text, re.I) is not None
            return await self.build_changes(ask, github, previous["jenkins_job"], previous.get("build"), before)
        branch = parse.branch(ask.text, ask.entity("branch")) or previous.get("branch")
        phrase = (timerange.find(ask.entity("time_range") or "") or timerange.find(ask.text)
                  or previous.get("window"))
        where = await self.one_repo(ask, github, [branch or "", phrase or ""], BRANCH_QUESTION_CUES)
        if where.reply:
            return self.ask_which(where.reply, branch=branch, window=phrase, count=parse.count(ask.text, 0) or None)
        repo = where.repo
        author, reply = await self.author(ask, github, repo, previous, [branch or "", phrase or ""])
        if reply:
            return Answer([reply])
        try:
            window = commit_window(phrase)
        except timerange.TimeRangeError as error:
            return Answer([Reply(text=clean(str(error), 300))])
        limit = parse.count(ask.text, 10 if window else previous.get("count", 5))
        on = branch or repo.default_branch
        commits = await github.commits(repo, on, since=window[0] if window else None,
                                       until=window[1] if window else None, limit=limit, author=author)
        if commits is None:
            return Answer([render.no_such_branch(repo, on)])
        last = None
        if not commits and window is not None:
            recent = await github.commits(repo, on, limit=1, author=author)
            last = recent[0] if recent else None
        buttons = [Button(f"Is CI green on {on}?", payload("github_workflow_runs", **{REPO_ENTITY: repo.full_name,
                                                                                       "branch": on}))]
        buttons += self.other_repo_buttons(where)
        reply = render.commit_list(repo, on, commits, window[2] if window else "", last, buttons, where.note, author)
        filters = self.filters_event(branch=own_branch(repo, branch), window=window[2] if window else "", count=limit,
                                     author=author)
        return Answer.of(reply, **{REPO_SLOT: repo.full_name, FILTERS_SLOT: filters})

    async def build_changes(self, ask: Ask, github: GitHubService, job: str, last: int | None = None,
                            before: bool = False) -> Answer:
        """"Which commit did it build?", "what changed in build 912?", "who pushed the thing that broke it?"
        right after a Jenkins answer: the commits that Jenkins build built (its change set), linked to the
        repository the job builds. "Broke": the first build of the failure streak. Requests: 1–2 to Jenkins."""
        from backends.jenkins.service import first_broken
        from backends.jenkins.service import service as jenkins_service

        jenkins = jenkins_service()
        said = BUILD_NUMBER.search(ask.text)
        entity = parse.number("", ask.entity("build_number") or "")
        number = (entity if entity is not None else int(said.group(1) or said.group(2)) if said
                  else last if last is not None else parse.number("", str(ask.slot(JENKINS_BUILD_SLOT) or "")))
        note = ""
        if before and number is not None:  # the build before the one just shown
            older = [b.number for b in await jenkins.history(job) if b.number < number]
            if not older:
                return Answer([Reply(text=f"Build #{number} is the oldest build of {clean(job, 100)} I can see.")])
            number = older[0]
        if number is None or re.search(r"\b(?:broke|broken|break|culprit)\w*\b", ask.text, re.I):
            history = await jenkins.history(job)
            if number is None:
                number = history[0].number if history else None
            if number is not None and re.search(r"\b(?:broke|broken|break|culprit)\w*\b", ask.text, re.I):
                first, _sure = first_broken(history, number)
                if first != number:
                    note = f" (the first failing build of the streak that #{number} is in)"
                number = first
        if number is None:
            return Answer([Reply(text=f"{clean(job, 100)} has no builds yet, so no commits to show.")])
        build = await jenkins.build(job, number)
        repo = job_repo(job, await github.repos())
        changes = [(c.commit, c.message, c.author, f"{repo.html_url}/commit/{c.commit}" if repo and c.commit else "")
                   for c in build.changes]
        branch = build.parameters.get("GIT_REF") or build.parameters.get("BRANCH") or ""
        reply = render.build_changes(job, number, build.url, changes, branch, note)
        slots: dict[str, Any] = {JENKINS_BUILD_SLOT: str(number),
                                 FILTERS_SLOT: self.filters_event(jenkins_job=job, build=number)}
        if repo is not None:
            slots[REPO_SLOT] = repo.full_name
        return Answer.of(reply, **slots)

    async def author(self, ask: Ask, github: GitHubService, repo: Repo, previous: dict[str, Any],
                     not_people: Sequence[str]) -> tuple[str, Reply | None]:
        """(login, reply): whose commits are asked for, resolved against the organisation's members and the
        repository's contributors (logins, then display names); on a follow-up, the previous question's.
        A clearly named person nobody matches is answered ("I can't find a GitHub user …")."""
        skip = {s.lower() for s in not_people if s}
        mentions = [(said, sure) for said, sure in parse.person_mentions(ask.text, ask.entity("person"), repo.full_name)
                    if said.lower() not in skip]
        if not mentions:
            return previous.get("author", ""), None
        contributors = (await github.contributors(repo))[:MAX_CONTRIBUTORS]
        login, _said, reply = await self.person(ask, github, await github.repos(), mentions, contributors)
        return login or previous.get("author", ""), reply


def commit_window(phrase: str | None) -> tuple[float, float | None, str] | None:
    """(since, until or None for "up to now", the phrase as said) for "today", "this week", …"""
    if not phrase:
        return None
    span = timerange.parse(phrase)
    until = span.end.timestamp()
    return span.start.timestamp(), until if until < time.time() - 60 else None, phrase


# -- GitHub Actions ------------------------------------------------------------------------------------------------
