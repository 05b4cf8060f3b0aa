"""Pull requests: lists with filters (author, reviewer, review state, checks, labels, age) and one PR's status."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from actions.base import LAST_QUESTION_SLOT, Answer, Ask
from actions.github.question import (
    GitHubQuestion,
    after_jenkins,
    job_repo,
)
from actions.github.repos import Where
from actions.github.words_slots import (
    FILTERS_SLOT,
    MAX_PROBES,
    NUMBER_ENTITY,
    PR_SLOT,
    REPO_ENTITY,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    PullDetail,
    PullFilter,
    Repo,
    service,
)
from common.reply import Button, Reply, payload
from common.text import clean

# -- pull requests -------------------------------------------------------------------------------------------
WAITING = ("waiting", "required")  # "waiting on review" ("required": what older conversations' filters say)


def describe_pulls(values: dict[str, Any]) -> str:
    """'open PRs by dan-dev waiting on review from adam-sre with failing checks'."""
    state = values.get("state", "open")
    noun = "draft PRs" if values.get("draft") is True else "PRs"
    parts = [f"{'' if state == 'all' else state + ' '}{noun}"]
    if values.get("author"):
        parts.append(f"by {values['author']}")
    if values.get("reviewer"):
        parts.append(f"waiting on review from {values['reviewer']}")
    elif values.get("review") in WAITING:
        parts.append("waiting on review")
    elif values.get("review") == "none":
        parts.append("not reviewed yet")
    elif values.get("review") == "approved":
        parts.append("approved")
    elif values.get("review") == "changes_requested":
        parts.append("with changes requested")
    if values.get("reviewed_by"):
        parts.append(f"reviewed by {values['reviewed_by']}")
    checks = {"failure": "with failing checks", "success": "with green checks", "pending": "with checks pending"}
    if values.get("checks"):
        parts.append(checks[values["checks"]])
    if values.get("labels"):
        parts.append("labelled " + ", ".join(values["labels"]))
    if values.get("older_than"):
        parts.append(f"opened more than {values['older_than']} ago")
    if values.get("draft") is False and values.get("review") not in (*WAITING, "none"):
        parts.append("(not counting drafts)")
    return " ".join(parts)


def pull_filter(values: dict[str, Any]) -> PullFilter:
    """The search filter for a question's values; an age ("older than a day") is counted back from now."""
    wanted = {k: v for k, v in values.items() if k in PullFilter.__dataclass_fields__}
    if "labels" in wanted:
        wanted["labels"] = tuple(wanted["labels"])
    age = parse.age_seconds(values["older_than"]) if values.get("older_than") else None
    return PullFilter(**wanted, created_before=time.time() - age if age else None)


class ActionGithubPullRequests(GitHubQuestion):
    """Open PRs of a repository or across the organisation, by author, reviewer, checks or review state.
    Requests: 1 search (+ the repository list and members, cached a minute, revalidated with ETags)."""

    action_name = "action_github_pull_requests"
    intent = "github_pull_requests"

    async def answer(self, ask: Ask) -> Answer:
        number = parse.number(ask.text, ask.entity(NUMBER_ENTITY))
        if number is not None or (parse.about_it(ask.text) and self.context_pr(ask)):
            return await ActionGithubPrStatus().answer(ask)  # "PR 215", "who still needs to review it?"
        github = service()
        previous = self.previous_filters(ask)
        values = {k: v for k, v in previous.items() if k not in ("action", "scope")}
        values.update(parse.pull_filters(ask.text))
        where, repos = await self.list_where(ask, github, previous)
        if where.reply:
            return self.ask_which(where.reply, **values)
        job = after_jenkins(ask)
        if where.repo is None and job and re.search(r"\b(?:that|this|the|its|same)\s+(?:repo|repository|project)\b",
                                                     ask.text, re.I):
            repo = job_repo(job, repos)
            if repo is None:  # "the open PRs for that repo?" after a job whose repository can't be told
                recent = sorted(repos, key=lambda r: -r.pushed_at)[:5]
                buttons = [Button(r.name, payload(self.intent, **{REPO_ENTITY: r.full_name})) for r in recent]
                text = f"Which repository does {clean(job, 100)} build? Pick one, or name it."
                return self.ask_which(Reply(text=text, buttons=buttons), **values)
            where = Where(repo=repo)
        refusal = self.refusal(ask, "pull requests", f"{where.repo.html_url if where.repo else self.web_base(repos)}"
                                                     "/pulls")
        mentions = parse.person_mentions(ask.text, ask.entity("person"), where.repo.full_name if where.repo else "")
        if parse.mentions_me(ask.text):
            return Answer([await self.mine_reply(github, repos)])
        login, said, reply = await self.person(ask, github, repos, mentions)
        if reply:
            return Answer([reply])
        if login:
            for key in ("author", "reviewer", "reviewed_by"):
                values.pop(key, None)
            role = parse.person_role(ask.text, said, "author")
            values["reviewed_by" if role == "reviewed_by" else "reviewer" if role == "reviewer" else "author"] = login
            if role == "reviewer":
                values.pop("review", None)
        if values.get("review") in (*WAITING, "none") and "draft" not in values:  # a draft asks nobody
            values["draft"] = False
        scope, where_text = self.scope(where, repos)
        page = await github.search_pulls(scope, pull_filter(values), self.web_base(repos))
        buttons = [Button(f"Status of #{p.number}", payload("github_pr_status", **{REPO_ENTITY: p.repo,
                                                                                    NUMBER_ENTITY: str(p.number)}))
                   for p in page.items[:3]]
        reply = render.pull_list(page, describe_pulls(values), where_text, buttons)
        self.unused_note(ask, reply, repos, where, [said, ask.entity("person") or "", parse.branch(ask.text) or "",
                                                    *values.get("labels", [])],
                         "I can filter PRs by state, person, review, checks, draft, age and repository")
        slots: dict[str, Any] = {FILTERS_SLOT: self.filters_event(scope="repo" if where.repo else "org", **values),
                                 PR_SLOT: None}  # "it" is no longer one PR
        if where.repo:
            slots[REPO_SLOT] = where.repo.full_name
        if len(page.items) == 1:
            slots[PR_SLOT] = str(page.items[0].number)
            slots[REPO_SLOT] = page.items[0].repo
        answer = Answer.of(reply, **slots)
        if refusal:
            answer.replies.insert(0, refusal)
        return answer


class ActionGithubPrStatus(GitHubQuestion):
    """One PR: checks, reviews, draft, mergeable, behind base. Requests: the PR, its check runs, its
    commit statuses and reviews (4), +1 when it is behind its base; +1 per repository probed for a bare
    "PR 215" (at most 5, the remembered/default repository first)."""

    action_name = "action_github_pr_status"
    intent = "github_pr_status"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        repos = await github.repos()
        number = parse.number(ask.text, ask.entity(NUMBER_ENTITY), bare=True)
        where = await self.named_repo(ask, github, repos)
        if where.reply:
            return Answer.of(where.reply, **({PR_SLOT: str(number)} if number is not None else {}))
        title = parse.pull_title_words(ask.text) if number is None else ""
        if title:
            titled = await self.pull_titled(ask, github, repos, where, title)
            if titled.number is None:
                return self.titled_list(titled, title, "Status of", self.intent)
            return await self.status(ask, github, titled.repo, titled.number)
        if number is None and ask.slot(PR_SLOT):
            number = parse.number("", str(ask.slot(PR_SLOT)))
        if number is None:
            repo = where.repo or await self.context_repo(ask, github, repos)
            url = f"{repo.html_url}/pulls" if repo else f"{self.web_base(repos)}/pulls"
            return Answer([self.refusal(ask, "pull requests", url) or render.which_pull(url)])
        repo = where.repo
        if repo is None:
            repo, reply = await self.locate(ask, github, repos, number)
            if reply:
                return Answer([reply])
        return await self.status(ask, github, repo, number)

    async def status(self, ask: Ask, github: GitHubService, repo: Repo, number: int) -> Answer:
        """The PR's status, or for "merge PR 85" that opsbot can't, with whether it could be merged now."""
        detail = await github.pull(repo, number)
        if detail is None:
            return Answer([render.no_such_pull(repo.full_name, number, f"{repo.html_url}/pulls")])
        buttons = self.next_steps(repo, detail)
        verb = parse.write_request(ask.text)
        reply = render.read_only_pull(verb, detail, buttons) if verb else render.pull_detail(detail, buttons)
        # Named here too: a PR list question about "it" answers through this one (see GitHubQuestion.run).
        return Answer.of(reply, **{REPO_SLOT: repo.full_name, PR_SLOT: str(number),
                                   LAST_QUESTION_SLOT: self.action_name})

    @staticmethod
    def next_steps(repo: Repo, detail: PullDetail) -> list[Button]:
        return [
            Button(f"CI runs of #{detail.number}", payload("github_workflow_runs", **{
                REPO_ENTITY: repo.full_name, NUMBER_ENTITY: str(detail.number)})),
            Button(f"Open PRs in {repo.name}", payload("github_pull_requests", **{REPO_ENTITY: repo.full_name})),
        ]

    async def locate(self, ask: Ask, github: GitHubService, repos: Sequence[Repo],
                     number: int) -> tuple[Repo | None, Reply | None]:
        """Which repository has PR `number`: the remembered/default one if it does, else probe the most
        recently pushed ones; several → ask which, with buttons."""
        preferred = await self.context_repo(ask, github, repos)
        if preferred is not None and await github.pull_exists(preferred, number):
            return preferred, None
        others = [r for r in sorted(repos, key=lambda r: -r.pushed_at) if r != preferred][:MAX_PROBES]
        found = [r for r in others if await github.pull_exists(r, number)]
        if len(found) == 1:
            return found[0], None
        if found:
            buttons = [Button(r.full_name, payload(self.intent, **{REPO_ENTITY: r.full_name,
                                                                    NUMBER_ENTITY: str(number)})) for r in found]
            return None, render.pull_found_in(number, [r.full_name for r in found], buttons)
        asked = ([preferred] if preferred else []) + others
        return None, render.no_pull_anywhere(number, [r.full_name for r in asked])


# -- issues -------------------------------------------------------------------------------------------------
