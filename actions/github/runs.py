"""GitHub Actions workflow runs: a branch's, a PR's or a workflow's latest runs."""

from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.base import Answer, Ask
from actions.github.question import (
    GitHubQuestion,
    own_branch,
)
from actions.github.repos import Where
from actions.github.words_slots import (
    BRANCH_QUESTION_CUES,
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
    Repo,
    service,
)
from common.reply import Button, Reply, payload
from common.resolve import words


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
