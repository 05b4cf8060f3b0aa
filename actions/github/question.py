"""What every GitHub question shares: follow-up context and filters, finding repositories (repos.py) and people,
PRs found by their title, and notes on unused words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.base import LAST_QUESTION_SLOT, Answer, Ask, QuestionAction
from actions.github.repos import RepoFinder, Where, repo_resolver
from actions.github.words_slots import (
    FILTERS_SLOT,
    NUMBER_ENTITY,
    PEOPLE_GENERIC,
    PR_QUESTIONS,
    PR_SLOT,
    REPO_ENTITY,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    Person,
    PullFilter,
    Repo,
    SearchPage,
)
from common.reply import Button, Reply, payload
from common.resolve import Candidate, Resolver, words
from common.text import clean


@dataclass
class Titled:
    """Open PRs found by words of their title ("the parquet PR"): exactly one (`repo`, `number`), or the page."""

    page: SearchPage
    where_text: str
    repo: Repo | None = None
    number: int | None = None


class GitHubQuestion(RepoFinder, QuestionAction):
    """Shared steps of every GitHub question: repositories, people, scope and follow-up filters."""

    backend = "GitHub"
    intent = ""

    # -- context ------------------------------------------------------------------------------------------
    def previous_filters(self, ask: Ask) -> dict[str, Any]:
        """The last question's filters, when this message continues it (a follow-up or a button click)."""
        previous = ask.slot(FILTERS_SLOT)
        continues = ask.intent == "follow_up" or parse.is_payload(ask.text)
        if continues and isinstance(previous, dict) and previous.get("action") == self.action_name:
            return dict(previous)
        return {}

    def filters_event(self, **values: Any) -> dict[str, Any]:
        return {"action": self.action_name, **{k: v for k, v in values.items() if v not in (None, "", [], ())}}

    @staticmethod
    def context_pr(ask: Ask) -> tuple[str, int] | None:
        """(repository, number) of the PR talked about last, while the conversation is still about PRs."""
        number = parse.number("", str(ask.slot(PR_SLOT) or ""))
        repo = ask.slot(REPO_SLOT)
        if number is None or not repo or ask.slot(LAST_QUESTION_SLOT) not in PR_QUESTIONS:
            return None
        return str(repo), number

    def refusal(self, ask: Ask, noun: str, url: str) -> Reply | None:
        """"merge …", "close …", "rerun …": opsbot only reads GitHub; said before anything else."""
        verb = parse.write_request(ask.text)
        return render.read_only(verb, noun, url) if verb else None

    def ask_which(self, reply: Reply, **filters: Any) -> Answer:
        """"Which repository?" with buttons; the question's filters are kept so that a click answers it."""
        return Answer.of(reply, **{FILTERS_SLOT: self.filters_event(**filters)})

    async def list_where(self, ask: Ask, github: GitHubService,
                         previous: dict[str, Any]) -> tuple[Where, list[Repo]]:
        """For list questions: the named repository, else (on a follow-up) the previous scope, else the org."""
        repos = await github.repos()
        where = await self.named_repo(ask, github, repos, [ask.entity("person") or "", parse.branch(ask.text) or ""])
        if where.repo is None and where.reply is None and previous.get("scope") == "repo":
            remembered = str(ask.slot(REPO_SLOT) or "").lower()
            where = Where(repo=next((r for r in repos if r.full_name.lower() == remembered), None))
        return where, repos

    async def pull_titled(self, ask: Ask, github: GitHubService, repos: Sequence[Repo], where: Where,
                          title: str) -> Titled:
        """"The parquet PR": the open PRs whose titles have those words, in the named repository, else in all
        of them (a repository only implied by the conversation may not be the one); "the renovate PR": when
        no title has the words and they name someone, that person's open PRs. 1–2 searches."""
        scope, where_text = self.scope(where if not where.implied else Where(), repos)
        page = await github.search_pulls(scope, PullFilter(words=title), self.web_base(repos), limit=5)
        # "the kotlin bump PR": a title needn't have every word said ("Update dependency …kotlin…"); the
        # longest words first, one at a time (at most 2 more searches).
        for word in sorted(set(title.split()), key=len, reverse=True)[:2] if not page.items and " " in title else ():
            page = await github.search_pulls(scope, PullFilter(words=word), self.web_base(repos), limit=5)
            if page.items:
                break
        if not page.items:
            login, _said, _unknown = await self.person(ask, github, repos, [(title, True)])
            if login:
                page = await github.search_pulls(scope, PullFilter(author=login), self.web_base(repos), limit=5)
        if len(page.items) != 1:
            return Titled(page, where_text)
        found = page.items[0]
        repo = next((r for r in repos if r.full_name.lower() == found.repo.lower()), None)
        return Titled(page, where_text, repo or await github.repo(found.repo), found.number)

    @staticmethod
    def titled_list(titled: Titled, title: str, button: str, intent: str) -> Answer:
        """None or several PRs with those words: the list, each with a button that answers the question."""
        buttons = [Button(f"{button} #{p.number}", payload(intent, **{REPO_ENTITY: p.repo,
                                                                      NUMBER_ENTITY: str(p.number)}))
                   for p in titled.page.items[:3]]
        reply = render.pull_list(titled.page, f"open PRs about \"{title}\"", titled.where_text, buttons)
        return Answer.of(reply, **{PR_SLOT: None})

    # -- people ---------------------------------------------------------------------------------------------
    async def person(self, ask: Ask, github: GitHubService, repos: Sequence[Repo], mentions: Sequence[tuple[str, bool]],
                     also: Sequence[Person] = ()) -> tuple[str, str, Reply | None]:
        """(login, what was said, reply): a login or display name resolved against the organisation's
        members (and `also`, e.g. a repository's contributors), then their display names, then GitHub itself
        (logins of outside contributors and bots). A clear mention of nobody is answered; a maybe-name that
        is nobody ("for staging") is ignored."""
        owners = {r.owner.lower() for r in repos}
        mentions = [(said, strong) for said, strong in mentions if said.lower() not in owners]
        if not mentions:
            return "", "", None
        org = self.org_of(repos)
        members = await github.members(org) if org else []
        known = {m.login.lower() for m in members}
        members = [*members, *(p for p in also if p.login.lower() not in known)]
        candidates = [Candidate(p.login, p.login, (p.login,)) for p in members]
        for said, strong in mentions:
            match = Resolver(candidates, PEOPLE_GENERIC).resolve(said) if candidates else None
            if match is not None and match.found:
                return match.match.key, said, None
            if members and parse.looks_like_name(said):
                profiles = await github.profiles([p.login for p in members])
                named = [Candidate(p.login, p.label, (p.login, p.name)) for p in profiles if p.name]
                match = Resolver(named, PEOPLE_GENERIC).resolve(said) if named else None
                if match is not None and match.found:
                    return match.match.key, said, None
            if strong:
                for login in (said, f"{said}[bot]"):
                    found = await github.profile(login)
                    if found is not None:
                        return found.login, said, None
                suggestions = [c.label for c in Resolver(candidates).closest(said)] if candidates else []
                shown = suggestions or [p.login for p in members[:5]]
                buttons = [Button(login, payload(self.intent, person=login)) for login in shown[:5]] \
                    if self.intent else []
                return "", said, render.unknown_person(said, suggestions, shown if not suggestions else (), buttons)
        return "", "", None

    @staticmethod
    def unused_note(ask: Ask, reply: Reply, repos: Sequence[Repo], where: Where, used: Sequence[str],
                    can: str) -> None:
        """Say which words of the question no filter used ("high prio" with no such label), never drop them
        silently."""
        names = [*(w for r in repos[:1] for w in words(r.owner)), *(words(where.repo.name) if where.repo else ())]
        left = parse.unused_words(ask.text, [*used, *names])
        if left:
            reply.text += f"\n(I didn't use \"{clean(left, 60)}\": {can}.)"

    async def mine_reply(self, github: GitHubService, repos: Sequence[Repo]) -> Reply:
        org = self.org_of(repos)
        members = await github.members(org) if org else []
        return render.unknown_login([m.login for m in members[:1]])


def own_branch(repo: Repo, branch: str | None) -> str | None:
    """The branch to remember for a follow-up: none when it is just this repository's default branch, so
    that "same for card-vault" asks about card-vault's own default branch."""
    return None if not branch or branch == repo.default_branch else branch


# -- questions that follow a Jenkins answer ----------------------------------------------------------------
JENKINS_JOB_SLOT, JENKINS_BUILD_SLOT = "jenkins_job", "jenkins_build"
BUILD_NUMBER = re.compile(r"\b(?:build|run)\s*#?\s*(\d{1,7})\b|#(\d{1,7})\b", re.IGNORECASE)
JENKINS_CONTEXT = re.compile(r"\b(?:it|its|(?:that|this|the|same)\s+(?:build|job|run)|build\s*#?\s*\d+"
                              r"|broke|broken|break)\b", re.IGNORECASE)


def after_jenkins(ask: Ask) -> str:
    """The Jenkins job the last answer was about, when this message follows it ("which commit did it
    build?"), else ''."""
    last = str(ask.slot(LAST_QUESTION_SLOT) or "")
    job = ask.slot(JENKINS_JOB_SLOT)
    if not last.startswith("action_jenkins_") or not job or parse.is_payload(ask.text):
        return ""
    return str(job)


def job_repo(job: str, repos: Sequence[Repo]) -> Repo | None:
    """The repository a Jenkins job builds, read from its name ("card-vault-release" → acme/card-vault):
    its words, dropping trailing ones ("release", "ci") until exactly one repository matches."""
    name_words = words(job.rsplit("/", 1)[-1])
    resolver = repo_resolver(repos)
    for end in range(len(name_words), 0, -1):
        said = " ".join(name_words[:end])
        exact = next((r for r in repos if r.name.lower() == "-".join(name_words[:end])), None)
        if exact is not None:
            return exact
        found = resolver.resolve(said)
        if found.found:
            return found.match.data
    return None
