"""Which repository a message is about: named (the entity, then its words), "the other repo", the one talked
about last, GITHUB_DEFAULT_REPO, or the most recently active; and how to say the scope. Used by the GitHub
questions and by anything else that needs a repository from words (subscriptions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from actions.base import Ask, choose_reply
from actions.github.words_slots import (
    LIST_CUES,
    REPO_ENTITY,
    REPO_GENERIC,
    REPO_SLOT,
)
from backends.github import render
from backends.github import words as parse
from backends.github.service import (
    GitHubService,
    Repo,
    Scope,
)
from backends.github.settings import github_settings
from common.reply import Button, Reply, payload
from common.resolve import Candidate, Resolution, Resolver, words


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


class RepoFinder:
    """Finds repositories for questions whose buttons re-ask `intent`."""

    intent: str = ""

    @classmethod
    def for_intent(cls, intent: str) -> RepoFinder:
        finder = cls()
        finder.intent = intent
        return finder

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

    @staticmethod
    def web_base(repos: Sequence[Repo]) -> str:
        if repos:
            return repos[0].web_base
        api = github_settings().api_url
        return "https://github.com" if "api.github.com" in api else api.removesuffix("/api/v3")
