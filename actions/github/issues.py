"""Issues: lists with filters, and one issue."""

from __future__ import annotations

import re
from typing import Any

from actions.base import Answer, Ask
from actions.github.question import (
    GitHubQuestion,
)
from actions.github.repos import Where
from actions.github.words_slots import (
    COMMON_LABELS,
    FILTERS_SLOT,
    NUMBER_ENTITY,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    IssueFilter,
    service,
)


class ActionGithubIssues(GitHubQuestion):
    """Open issues by label, assignee or author, in a repository or across the organisation; one issue by
    number. Requests: 1 search (+ the repository's labels, cached a minute)."""

    action_name = "action_github_issues"
    intent = "github_issues"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        previous = self.previous_filters(ask)
        values = {k: v for k, v in previous.items() if k not in ("action", "scope")}
        values.update(parse.issue_filters(ask.text))
        where, repos = await self.list_where(ask, github, previous)
        if where.reply:
            labels = parse.labels_in(ask.text, COMMON_LABELS)
            return self.ask_which(where.reply, **values, **({"labels": labels} if labels else {}))
        mentions = parse.person_mentions(ask.text, ask.entity("person"), where.repo.full_name if where.repo else "")
        number = parse.number(ask.text, ask.entity(NUMBER_ENTITY))
        if number is not None:
            return await self.one_issue(ask, github, where, number)
        refusal = self.refusal(ask, "issues", f"{where.repo.html_url if where.repo else self.web_base(repos)}/issues")
        if refusal:
            return Answer([refusal])
        if parse.mentions_me(ask.text):
            return Answer([await self.mine_reply(github, repos)])
        known_labels = await github.labels(where.repo) if where.repo else COMMON_LABELS
        labels = parse.labels_in(ask.text, known_labels)
        if labels:
            narrowing = previous.get("labels") and re.search(r"\b(?:only|just|of\s+those|of\s+them)\b", ask.text, re.I)
            values["labels"] = list(dict.fromkeys([*(previous.get("labels") or []), *labels])) if narrowing else labels
        login, said, reply = await self.person(ask, github, repos, mentions)
        if reply:
            return Answer([reply])
        if login:
            values.pop("assignee", None)
            values.pop("author", None)
            role = parse.person_role(ask.text, said, "assignee")
            values["author" if role == "author" else "assignee"] = login
        wanted = IssueFilter(**{k: (tuple(v) if k == "labels" else v) for k, v in values.items()
                                if k in IssueFilter.__dataclass_fields__})
        scope, where_text = self.scope(where, repos)
        page = await github.search_issues(scope, wanted, self.web_base(repos))
        reply = render.issue_list(page, self.describe(values), where_text)
        self.unused_note(ask, reply, repos, where, [said, ask.entity("person") or "", *values.get("labels", [])],
                         "I can filter issues by state, label, assignee, author and repository"
                         + (f" (labels here: {', '.join(known_labels[:8])})" if where.repo else ""))
        slots: dict[str, Any] = {FILTERS_SLOT: self.filters_event(scope="repo" if where.repo else "org", **values)}
        if where.repo:
            slots[REPO_SLOT] = where.repo.full_name
        return Answer.of(reply, **slots)

    async def one_issue(self, ask: Ask, github: GitHubService, where: Where, number: int) -> Answer:
        if where.repo is None:
            where = await self.one_repo(ask, github)
            if where.reply:
                return Answer([where.reply])
        repo = where.repo
        issue = await github.issue(repo, number)
        if issue is None:
            return Answer([render.no_such_issue(repo.full_name, number, f"{repo.html_url}/issues")])
        refusal = self.refusal(ask, "pull requests" if issue.is_pull else "issues", issue.url)
        # A number belongs to its repository, and the filters of an earlier list were left behind: "same for
        # card-vault" now lists card-vault's open issues.
        return Answer.of(refusal or render.issue_detail(issue),
                         **{REPO_SLOT: repo.full_name, FILTERS_SLOT: self.filters_event(scope="repo")})

    @staticmethod
    def describe(values: dict[str, Any]) -> str:
        state = values.get("state", "open")
        labels = values.get("labels") or []
        noun = "bugs" if labels == ["bug"] else "good first issues" if labels == ["good first issue"] else "issues"
        parts = [f"{'' if state == 'all' else state + ' '}{noun}"]
        if labels and noun == "issues":
            parts.append("labelled " + ", ".join(labels))
        if values.get("assignee"):
            parts.append(f"assigned to {values['assignee']}")
        if values.get("unassigned"):
            parts.append("with nobody assigned")
        if values.get("author"):
            parts.append(f"opened by {values['author']}")
        return " ".join(parts)


# -- releases -------------------------------------------------------------------------------------------------
