"""GitHub questions: pull requests, one PR's status, issues, releases, commits and GitHub Actions runs.

Thin actions: they read the question (`github_parse`), resolve repositories and people against the live
lists (`resolve`), call the facade (`services.github`) and render (`render.github`). Context for
follow-ups lives in slots: `github_repo` (the repository last talked about), `github_pr` (the PR number,
"it" while the conversation is about PRs) and `github_filters` (the last question's filters, kept by
"same for petclinic-infra"). opsbot only reads GitHub: "merge PR 85" is answered with why it can't and
where the PR stands.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LAST_QUESTION_SLOT, Answer, Ask, QuestionAction, choose_reply
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    IssueFilter,
    Person,
    PullDetail,
    PullFilter,
    Repo,
    Scope,
    SearchPage,
    service,
)
from backends.github.settings import github_settings
from common import timerange
from common.reply import Button, Reply, payload
from common.resolve import Candidate, Resolution, Resolver, words
from common.text import clean

REPO_SLOT, PR_SLOT, FILTERS_SLOT = "github_repo", "github_pr", "github_filters"
REPO_ENTITY, NUMBER_ENTITY = "github_repo", "github_number"
# Words that describe a repository without naming one ("the infra repo").
REPO_GENERIC = ("repo", "repos", "repository", "service", "app", "api", "the")
PEOPLE_GENERIC = ("bot", "dev")
MAX_PROBES = 5  # repositories asked for "PR 215" when none is named (most recently pushed first)
# Label names to look for across an organisation (a single repository's own labels are read live).
COMMON_LABELS = ["bug", "documentation", "enhancement", "good first issue", "help wanted", "question", "security"]
# Words that put a repository's name after them ("PRs in X"); for commits and CI runs "on X" and "for X" name a
# branch instead.
LIST_CUES = frozenset({"in", "of", "for", "from", "on"})
BRANCH_QUESTION_CUES = frozenset({"in", "from"})
# While the last answer was one of these, "it" can mean the PR in `github_pr`.
PR_QUESTIONS = ("action_github_pr_status", "action_github_pull_requests", "action_github_workflow_runs")
MAX_CONTRIBUTORS = 30  # the most active contributors compared with a name (display names cost a request each)


# -- repositories ----------------------------------------------------------------------------------------
def repo_resolver(repos: Sequence[Repo]) -> Resolver:
    one_owner = len({r.owner for r in repos}) == 1
    candidates = [Candidate(key=r.full_name, label=r.name if one_owner else r.full_name,
                            names=(r.name, r.full_name), data=r) for r in repos]
    return Resolver(candidates, generic=REPO_GENERIC)


@dataclass
class Where:
    """Where a question is about: one repository (named, from context, or implied) or the whole org."""

    repo: Repo | None = None
    note: str = ""  # said when the repository was picked without being named
    reply: Reply | None = None  # the question can't go on: ask which repo, or say it doesn't exist
    others: tuple[Repo, ...] = ()
    implied: bool = False  # not named: the one talked about last, the default or the most recently active


@dataclass
class Titled:
    """Open PRs found by words of their title ("the parquet PR"): exactly one (`repo`, `number`), or the page."""

    page: SearchPage
    where_text: str
    repo: Repo | None = None
    number: int | None = None


class GitHubQuestion(QuestionAction):
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

    async def named_repo(self, ask: Ask, github: GitHubService, repos: Sequence[Repo], exclude: Sequence[str] = (),
                         cues: frozenset[str] = LIST_CUES) -> Where:
        """The repository the message names (entity first, then its words), "the other repo", or none. A name
        written like a repository's where one goes ("PRs in payments-api") that matches none is said to be
        unknown rather than ignored (which would answer for every repository)."""
        resolver = repo_resolver(repos)
        if parse.the_other_repo(ask.text):
            return self.other_repo(ask, repos)
        entity = ask.entity(REPO_ENTITY)
        if entity and "/" not in entity and not parse.name_words(entity):
            entity = None  # the NLU marked a question word ("main", "ci") as a repository: read the words
        if entity:
            exact = resolver.by_key(entity)
            resolution = resolver.resolve(entity) if exact is None else None
            if exact is not None or (resolution and resolution.found):
                repo = exact or resolution.match
                return Where(repo=repo.data)
            return Where(reply=self.unknown_repo(resolver, resolution, entity, repos))
        strong = [said for said, sure in parse.person_mentions(ask.text, ask.entity("person")) if sure]
        said = parse.name_words(ask.text, [*exclude, *strong])
        resolution = resolver.resolve(said) if said else Resolution()
        if resolution.found:
            return Where(repo=resolution.match.data)
        if resolution.ambiguous:
            owners = {c.data.owner.lower() for c in resolution.choices}
            if len(owners) == 1 and owners & set(words(said)):
                return Where()  # "across petclinic": the organisation, not one of its repos
            return Where(reply=choose_reply("repository", resolution, self.intent, REPO_ENTITY, said))
        unknown = parse.repo_like(ask.text, [*exclude, *strong], cues)
        if unknown and not await self.is_member(github, repos, unknown):
            return Where(reply=self.unknown_repo(resolver, resolver.resolve(unknown), unknown, repos))
        return Where()

    def other_repo(self, ask: Ask, repos: Sequence[Repo]) -> Where:
        """"And the other repo?": the one other than the repository talked about, or which of the others."""
        current = str(ask.slot(REPO_SLOT) or "").lower()
        others = sorted((r for r in repos if r.full_name.lower() != current), key=lambda r: -r.pushed_at)
        if len(others) <= 1:
            return Where(repo=others[0] if others else None)
        choices = [c for c in repo_resolver(repos).candidates if c.data in others]
        choices.sort(key=lambda c: others.index(c.data))
        return Where(reply=choose_reply("repository", Resolution(choices=choices), self.intent, REPO_ENTITY))

    def unknown_repo(self, resolver: Resolver, resolution: Resolution, said: str, repos: Sequence[Repo]) -> Reply:
        """Ambiguous: which one (buttons); close to some: did you mean; else what the token can see."""
        if resolution.ambiguous or resolution.suggestions:
            return choose_reply("repository", resolution, self.intent, REPO_ENTITY, said)
        recent = [resolver.by_key(r.full_name) for r in sorted(repos, key=lambda r: -r.pushed_at)[:3]]
        buttons = [Button(c.label, payload(self.intent, **{REPO_ENTITY: c.key})) for c in recent]
        return render.unknown_repo(said, [c.label for c in recent], len(repos), buttons)

    async def is_member(self, github: GitHubService, repos: Sequence[Repo], said: str) -> bool:
        """Whether `said` is an organisation member's login ("PRs for dan-dev" names a person, not a repo)."""
        org = self.org_of(repos)
        members = await github.members(org) if org else []
        return any(m.login.lower() == said.lower() for m in members)

    @staticmethod
    def org_of(repos: Sequence[Repo]) -> str:
        return github_settings().org or next((r.owner for r in repos if r.owner_is_org), "")

    async def context_repo(self, ask: Ask, github: GitHubService, repos: Sequence[Repo]) -> Repo | None:
        """The repository talked about last, else GITHUB_DEFAULT_REPO, else the only one."""
        by_name = {r.full_name.lower(): r for r in repos}
        remembered = ask.slot(REPO_SLOT)
        if remembered and str(remembered).lower() in by_name:
            return by_name[str(remembered).lower()]
        default = github.config.default_repo
        if default:
            if default.lower() in by_name:
                return by_name[default.lower()]
            match = repo_resolver(repos).resolve(default)
            if match.found:
                return match.match.data
            if "/" in default:
                return await github.repo(default)
        return repos[0] if len(repos) == 1 else None

    async def one_repo(self, ask: Ask, github: GitHubService, exclude: Sequence[str] = (),
                       cues: frozenset[str] = LIST_CUES) -> Where:
        """For questions about one repository: named, else context, else the most recently pushed one
        (said so in the answer, with buttons for the next ones)."""
        repos = await github.repos()
        where = await self.named_repo(ask, github, repos, exclude, cues)
        if where.reply or where.repo:
            return where
        repo = await self.context_repo(ask, github, repos)
        if repo is not None:
            return Where(repo=repo, implied=True)
        if not repos:
            return Where(reply=Reply(text="I can't see any GitHub repository with my token. Ask an admin to give "
                                          "opsbot's token read access, or set GITHUB_DEFAULT_REPO."))
        recent = sorted(repos, key=lambda r: -r.pushed_at)
        note = (f" (I picked {recent[0].full_name}, the most recently active repository; name another one to ask "
                "about it.)")
        return Where(repo=recent[0], note=note, others=tuple(recent[1:3]), implied=True)

    def other_repo_buttons(self, where: Where) -> list[Button]:
        """"Same for <repo>": the click continues this question (its filters are in the slot) elsewhere."""
        return [Button(f"Same for {r.name}", payload(self.intent, **{REPO_ENTITY: r.full_name}))
                for r in where.others]

    def scope(self, where: Where, repos: Sequence[Repo]) -> tuple[Scope, str]:
        """The search scope and how to say it: "in owner/repo" or "across owner"."""
        if where.repo is not None:
            return Scope(repos=(where.repo,)), f"in {where.repo.full_name}"
        org = github_settings().org
        if org:
            return Scope(owners=((org, True),)), f"across {org}"
        owners = list(dict.fromkeys((r.owner, r.owner_is_org) for r in repos))[:5]
        return Scope(owners=tuple(owners)), "across " + ", ".join(o for o, _ in owners)

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

    @staticmethod
    def web_base(repos: Sequence[Repo]) -> str:
        if repos:
            return repos[0].web_base
        api = github_settings().api_url
        return "https://github.com" if "api.github.com" in api else api.removesuffix("/api/v3")

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
_BUILD_NUMBER = re.compile(r"\b(?:build|run)\s*#?\s*(\d{1,7})\b|#(\d{1,7})\b", re.IGNORECASE)
_JENKINS_CONTEXT = re.compile(r"\b(?:it|its|(?:that|this|the|same)\s+(?:build|job|run)|build\s*#?\s*\d+"
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


# -- pull requests -------------------------------------------------------------------------------------------
def describe_pulls(values: dict[str, Any]) -> str:
    """'open PRs by dan-dev waiting on review from adam-sre with failing checks'."""
    state = values.get("state", "open")
    noun = "draft PRs" if values.get("draft") is True else "PRs"
    parts = [f"{'' if state == 'all' else state + ' '}{noun}"]
    if values.get("author"):
        parts.append(f"by {values['author']}")
    if values.get("reviewer"):
        parts.append(f"waiting on review from {values['reviewer']}")
    elif values.get("review") == "required":
        parts.append("waiting on review")
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
    if values.get("draft") is False and values.get("review") != "required":
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
        if values.get("review") == "required" and "draft" not in values:
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
class ActionGithubCommits(GitHubQuestion):
    """"What changed on main today?", "last 5 commits on spring-petclinic", "commits by jonas", "what did
    okafor-c push this week?". Requests: 1 (+1 for the last commit before an empty time window; +1 for the
    repository's contributors, cached a minute, when a person is named)."""

    action_name = "action_github_commits"
    intent = "github_commits"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        job = after_jenkins(ask)
        if job and not ask.entity(REPO_ENTITY) and (_JENKINS_CONTEXT.search(ask.text) or ask.entity("build_number")):
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
        said = _BUILD_NUMBER.search(ask.text)
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
class ActionGithubWorkflowRuns(GitHubQuestion):
    """"Is CI green on main?" (latest run of each workflow), "which workflow runs failed?", runs of a branch
    or a PR ("CI runs for PR 215", "CI runs for it" after a PR). Requests: 1 (+1 for a PR's head branch)."""

    action_name = "action_github_workflow_runs"
    intent = "github_workflow_runs"

    async def answer(self, ask: Ask) -> Answer:
        github = service()
        previous = self.previous_filters(ask)
        branch = parse.branch(ask.text, ask.entity("branch"))
        where = await self.one_repo(ask, github, [branch or ""], BRANCH_QUESTION_CUES)
        if where.reply:
            return self.ask_which(where.reply, mode=parse.runs_mode(ask.text), branch=branch)
        repo = where.repo
        number = parse.number(ask.text, ask.entity(NUMBER_ENTITY))
        title = parse.pull_title_words(ask.text) if number is None and branch is None else ""
        if title:  # "CI runs for the parquet PR"
            titled = await self.pull_titled(ask, github, await github.repos(), where, title)
            if titled.number is None:
                return self.titled_list(titled, title, "CI runs of", self.intent)
            repo, number, where = titled.repo, titled.number, Where(repo=titled.repo)
        if number is None and branch is None:
            number = self.pr_meant(ask, repo)
        mode = parse.runs_mode(ask.text) or previous.get("mode", "")
        if number is not None:
            head = await github.pull_head(repo, number)
            if head is None:
                return Answer([render.no_such_pull(repo.full_name, number, f"{repo.html_url}/pulls")])
            branch = head
            mode = mode if mode in ("failed", "running") else "list"
        branch = branch or previous.get("branch")
        if branch and number is None:
            branch = await self.live_branch(github, repo, branch)
        if not mode:
            mode = "verdict" if branch else "list"
        workflow = parse.workflow_words(ask.text) if number is None else ""
        if workflow:  # "the nightly e2e workflow": that workflow's runs, wherever it is
            found = await self.workflow_named(github, repo, where, workflow, branch)
            if found is not None:
                repo, name, runs = found
                status = {"failed": "failed", "running": "running"}.get(mode, "")
                shown = [r for r in runs if not status or r.outcome == status]
                what = f"runs of the {name} workflow" + (f" on {branch}" if branch else "")
                reply = render.run_list(repo, shown[:5], what, total=len(shown) if status else None)
                filters = self.filters_event(mode=mode, branch=own_branch(repo, branch))
                return Answer.of(reply, **{REPO_SLOT: repo.full_name, FILTERS_SLOT: filters})
        filters = self.filters_event(mode=mode, branch=own_branch(repo, branch))
        slots = {REPO_SLOT: repo.full_name, FILTERS_SLOT: filters}
        if number is not None:
            slots[PR_SLOT] = str(number)
        buttons = self.other_repo_buttons(where)
        if number is not None:
            buttons.insert(0, Button(f"Status of #{number}", payload("github_pr_status", **{
                REPO_ENTITY: repo.full_name, NUMBER_ENTITY: str(number)})))
        refusal = self.refusal(ask, "workflow runs", f"{repo.html_url}/actions")
        reply = await self.runs(github, repo, where, mode, branch, number, buttons)
        return Answer([*([refusal] if refusal else []), reply], [SlotSet(k, v) for k, v in slots.items()])

    async def live_branch(self, github: GitHubService, repo: Repo, said: str) -> str:
        """"The batch-retry branch" → feature/batch-retry: the branch as said when it exists, else the one
        live branch whose last part (or name) contains it. +1 request (the branch list, cached)."""
        if said == repo.default_branch or "/" in said:
            return said
        names = await github.branches(repo)
        if said in names:
            return said
        lowered = said.lower()
        ends = [n for n in names if n.lower().rsplit("/", 1)[-1] == lowered]
        near = ends or [n for n in names if lowered in n.lower()]
        return near[0] if len(near) == 1 else said

    async def workflow_named(self, github: GitHubService, repo: Repo, where: Where, said: str,
                             branch: str | None) -> tuple[Repo, str, list] | None:
        """The runs of the workflow whose name has the words said ("nightly e2e" → e2e-nightly): in this
        repository, else (when it was only implied) in the most recently pushed others. ≤ 1 + MAX_PROBES
        requests."""
        wanted = set(said.split())
        others = [] if not where.implied else [r for r in sorted(await github.repos(), key=lambda r: -r.pushed_at)
                                                if r.full_name != repo.full_name][:MAX_PROBES]
        for candidate in [repo, *others]:
            runs = await github.workflow_runs(candidate, branch=branch or "", limit=30)
            named = [r for r in runs if wanted <= set(words(r.name))]
            if named:
                return candidate, named[0].name, named
        return None

    def pr_meant(self, ask: Ask, repo: Repo) -> int | None:
        """"CI runs for it" / "and its checks?" right after a PR in this repository: that PR."""
        context = self.context_pr(ask)
        if context and parse.about_it(ask.text) and context[0].lower() == repo.full_name.lower():
            return context[1]
        return None

    async def runs(self, github: GitHubService, repo: Repo, where: Where, mode: str, branch: str | None,
                   number: int | None, buttons: list[Button]) -> Reply:
        """The verdict for a branch ("is CI green on main?") or the list of runs (failed, running, a PR's)."""
        if mode == "verdict":
            on = branch or repo.default_branch
            runs = await github.workflow_runs(repo, branch=on)
            latest = list({r.name: r for r in reversed(runs)}.values())
            latest.sort(key=lambda r: -r.created_at)
            return render.ci_verdict(repo, on, latest, buttons, where.note)
        status = {"failed": "failure", "running": "in_progress"}.get(mode, "")
        runs = await github.workflow_runs(repo, branch=branch or "", status=status, limit=30)
        what = {"failed": "failed workflow runs", "running": "running workflow runs"}.get(mode, "recent workflow runs")
        if branch:
            what += f" on {branch}"
        if number is not None:
            what += f" (PR #{number})"
        total = len(runs) if mode != "list" else None
        return render.run_list(repo, runs[:5], what, buttons, where.note, total=total)

