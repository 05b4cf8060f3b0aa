"""GitHub results → Reply: a complete plain-text answer (with links) and an Adaptive Card for Teams.

Pure functions of the facade's typed results; the caller passes the buttons for the natural next step.
"""

from __future__ import annotations

from collections.abc import Sequence

from actions.render import Button, Reply, cards
from actions.render.text import ago, clean, join_names, plural
from actions.services.github import CommitInfo, IssueSummary, PullDetail, PullSummary, Release, Repo, Run, SearchPage

GITHUB_LINK = "Open on GitHub"


def _reply(title: str, status: str, lines: Sequence[str], card_lines: Sequence[str], link: str,
           buttons: Sequence[Button] = (), summary: str = "") -> Reply:
    """Text: the title, the lines, the link. Card: coloured title, summary, one block per line, link, buttons."""
    text = "\n".join([title, *lines, *([] if any(link in line for line in lines) else [link])])
    extra = [cards.paragraph(line) for line in card_lines]
    card = cards.status_card(title, status, summary, extra=extra, link=(GITHUB_LINK, link), buttons=buttons)
    return Reply(text=text, card=card, buttons=list(buttons))


def _ref(repo: str, number: int, show_repo: bool) -> str:
    return f"{repo.split('/')[-1]}#{number}" if show_repo else f"#{number}"


# -- pull requests ---------------------------------------------------------------------------------------
def pull_list(page: SearchPage, what: str, where: str, buttons: Sequence[Button] = ()) -> Reply:
    """`what`: "open PRs by dan-dev"; `where`: "in petclinic/spring-petclinic" or "across petclinic"."""
    pulls: list[PullSummary] = page.items
    show_repo = len({p.repo for p in pulls}) > 1 or where.startswith("across")
    if not pulls:
        return _reply(f"No {what} {where}.", "ok", [], [], page.url, buttons)
    lines, card_lines = [], []
    for p in pulls:
        draft = " [draft]" if p.draft else ""
        tail = f"by {p.author}, opened {ago(p.created_at)}"
        ref = _ref(p.repo, p.number, show_repo)
        lines.append(f"- {ref} {clean(p.title, 90)}{draft}, {tail}: {p.url}")
        card_lines.append(f"[{ref}]({p.url}) {clean(p.title, 90)}{draft}, {tail}")
    more = page.total - len(pulls)
    if more > 0:
        lines.append(f"…and {more} more: {page.url}")
        card_lines.append(f"…and {more} more.")
    title = f"{page.total} {what if page.total != 1 else what.replace('PRs', 'PR')} {where}:"
    return _reply(title, "neutral", lines, card_lines, page.url, buttons)


def _checks_sentence(detail: PullDetail) -> tuple[str, str]:
    """("Checks: 1 failing (build), 1 passed.", status colour)."""
    failing, pending = detail.checks_in("failing"), detail.checks_in("pending")
    passed = detail.checks_in("passed")
    if not detail.checks:
        return "Checks: none reported.", "neutral"
    parts = []
    if failing:
        parts.append(f"{len(failing)} failing ({join_names(c.name for c in failing)})")
    if pending:
        parts.append(f"{len(pending)} pending ({join_names(c.name for c in pending)})")
    if passed:
        parts.append(f"all {len(passed)} passed" if len(passed) == len(detail.checks) else f"{len(passed)} passed")
    skipped = len(detail.checks) - len(failing) - len(pending) - len(passed)
    if skipped:
        parts.append(f"{skipped} skipped")
    status = "failed" if failing else "running" if pending else "ok"
    return "Checks: " + ", ".join(parts) + ".", status


def _reviews_sentence(detail: PullDetail) -> str:
    approved = [r.login for r in detail.reviews if r.state == "APPROVED"]
    changes = [r.login for r in detail.reviews if r.state == "CHANGES_REQUESTED"]
    commented = [r.login for r in detail.reviews if r.state == "COMMENTED"]
    parts = []
    if approved:
        parts.append(f"approved by {join_names(approved)}")
    if changes:
        parts.append(f"changes requested by {join_names(changes)}")
    if commented:
        parts.append(f"commented on by {join_names(commented)}")
    if detail.requested:
        parts.append(f"waiting on {join_names(detail.requested)}")
    if not parts:
        return "Reviews: none yet, and no reviewer requested."
    return "Reviews: " + "; ".join(parts) + "."


def _merge_sentence(detail: PullDetail) -> str:
    if detail.merged:
        return f"Merged into {detail.base}" + (f" by {detail.merged_by}." if detail.merged_by else ".")
    if detail.state == "closed":
        return "Closed without merging."
    behind = ""
    if detail.mergeable_state == "behind":
        count = f"{plural(detail.behind_by, 'commit')} " if detail.behind_by else ""
        behind = f" It is {count}behind {detail.base} and needs updating."
    if detail.mergeable is None:
        return "Mergeability: GitHub is still computing it." + behind
    if detail.mergeable is False or detail.mergeable_state == "dirty":
        return f"Not mergeable: it has conflicts with {detail.base}." + behind
    blocked = {"blocked": " but blocked (required reviews or checks missing)",
               "unstable": " but checks are not all green", "draft": " once it is marked ready for review"}
    return f"Mergeable into {detail.base}{blocked.get(detail.mergeable_state, '')}." + behind


def pull_detail(detail: PullDetail, buttons: Sequence[Button] = ()) -> Reply:
    checks, status = _checks_sentence(detail)
    state = "draft" if detail.draft and detail.state == "open" else ("merged" if detail.merged else detail.state)
    title = f"PR #{detail.number} in {detail.repo}: {clean(detail.title, 100)} ({state})"
    opened = f"By {detail.author}, opened {ago(detail.created_at)}, {detail.head} → {detail.base}."
    lines = [opened, checks, _reviews_sentence(detail), _merge_sentence(detail), detail.url]
    facts = [("State", state), ("Author", detail.author), ("Branch", f"{detail.head} → {detail.base}")]
    card_lines = lines[1:4]
    for check in detail.checks_in("failing"):
        card_lines.append(f"Failing: [{check.name}]({check.url})" if check.url else f"Failing: {check.name}")
    if detail.state != "open":
        status = "neutral"
    text = "\n".join([title, *lines])
    card = cards.status_card(title, status, opened, fact_pairs=facts,
                             extra=[cards.paragraph(line) for line in card_lines], link=(GITHUB_LINK, detail.url),
                             buttons=buttons)
    return Reply(text=text, card=card, buttons=list(buttons))


def no_such_pull(repo: str, number: int, url: str) -> Reply:
    text = f"There's no pull request #{number} in {repo}. Open ones: {url}"
    return Reply(text=text, card=cards.status_card(f"No PR #{number} in {repo}", "warning", text,
                                                   link=(GITHUB_LINK, url)))


def pull_found_in(number: int, repos: Sequence[str], buttons: Sequence[Button]) -> Reply:
    text = f"PR #{number} exists in {join_names(repos, 'and')}. Which repository do you mean?"
    return Reply(text=text, card=cards.status_card(f"Which PR #{number}?", "neutral", text, buttons=buttons),
                 buttons=list(buttons))


def no_pull_anywhere(number: int, repos: Sequence[str]) -> Reply:
    text = (f"I can't find PR #{number} in {join_names(repos, 'or')}. Name the repository, e.g. "
            f"\"PR {number} in {repos[0] if repos else 'my-repo'}\".")
    return Reply(text=text, card=cards.status_card(f"No PR #{number}", "warning", text))


def which_pull(url: str) -> Reply:
    text = f"Which pull request? Give me its number, e.g. \"status of PR 12\". Open ones: {url}"
    return Reply(text=text, card=cards.status_card("Which pull request?", "neutral", text, link=(GITHUB_LINK, url)))


# -- issues ------------------------------------------------------------------------------------------------
def issue_list(page: SearchPage, what: str, where: str, buttons: Sequence[Button] = ()) -> Reply:
    issues: list[IssueSummary] = page.items
    show_repo = len({i.repo for i in issues}) > 1 or where.startswith("across")
    if not issues:
        return _reply(f"No {what} {where}.", "ok", [], [], page.url, buttons)
    lines, card_lines = [], []
    for issue in issues:
        labels = f" [{', '.join(issue.labels)}]" if issue.labels else ""
        who = f", assigned to {join_names(issue.assignees)}" if issue.assignees else ", unassigned"
        tail = f"opened by {issue.author} {ago(issue.created_at)}{who}"
        ref = _ref(issue.repo, issue.number, show_repo)
        lines.append(f"- {ref} {clean(issue.title, 90)}{labels}, {tail}: {issue.url}")
        card_lines.append(f"[{ref}]({issue.url}) {clean(issue.title, 90)}{labels}, {tail}")
    more = page.total - len(issues)
    if more > 0:
        lines.append(f"…and {more} more: {page.url}")
        card_lines.append(f"…and {more} more.")
    noun = what if page.total != 1 else what.replace("issues", "issue")
    return _reply(f"{page.total} {noun} {where}:", "neutral", lines, card_lines, page.url, buttons)


def issue_detail(issue: IssueSummary, buttons: Sequence[Button] = ()) -> Reply:
    kind = "PR" if issue.is_pull else "Issue"
    title = f"{kind} #{issue.number} in {issue.repo}: {clean(issue.title, 100)} ({issue.state})"
    labels = f"Labels: {', '.join(issue.labels)}." if issue.labels else "No labels."
    who = f"Assigned to {join_names(issue.assignees)}." if issue.assignees else "Unassigned."
    closed = f" Closed {ago(issue.closed_at)}." if issue.closed_at else ""
    lines = [f"Opened by {issue.author} {ago(issue.created_at)}, {plural(issue.comments, 'comment')}.{closed}",
             labels, who]
    return _reply(title, "neutral" if issue.state == "open" else "ok", [*lines, issue.url], lines, issue.url,
                  buttons)


def no_such_issue(repo: str, number: int, url: str) -> Reply:
    text = f"There's no issue #{number} in {repo}: {url}"
    return Reply(text=text, card=cards.status_card(f"No issue #{number}", "warning", text, link=(GITHUB_LINK, url)))


# -- people ------------------------------------------------------------------------------------------------------
def unknown_login(examples: Sequence[str]) -> Reply:
    example = examples[0] if examples else "dan"
    text = ("I don't know your GitHub login yet, so I can't tell which are yours. Ask with a name instead, e.g. "
            f"\"PRs by {example}\" or \"PRs waiting on review from {example}\".")
    return Reply(text=text, card=cards.status_card("Who are you on GitHub?", "neutral", text))


def unknown_person(said: str, suggestions: Sequence[str]) -> Reply:
    hint = f" Did you mean {join_names(suggestions, 'or')}?" if suggestions else ""
    text = f"I can't find a GitHub user \"{clean(said, 40)}\".{hint}"
    return Reply(text=text, card=cards.status_card("No such GitHub user", "warning", text))


# -- releases --------------------------------------------------------------------------------------------------
def _release_line(release: Release) -> str:
    kind = " (pre-release)" if release.prerelease else " (draft)" if release.draft else ""
    name = f" \"{clean(release.name, 60)}\"" if release.name and release.name != release.tag else ""
    by = f" by {release.author}" if release.author else ""
    return f"{release.tag}{name}{kind}, published {ago(release.published_at)}{by}"


def latest_release(repo: Repo, latest: Release | None, newer: Sequence[Release], buttons: Sequence[Button] = (),
                   implied: str = "") -> Reply:
    releases_url = f"{repo.html_url}/releases"
    if latest is None:
        pre = f" Pre-releases: {', '.join(r.tag for r in newer)}." if newer else ""
        text = f"{repo.full_name} has no published release yet.{pre} {releases_url}"
        return Reply(text=text + implied, card=cards.status_card(f"No release of {repo.full_name}", "neutral",
                                                                 text + implied, link=(GITHUB_LINK, releases_url),
                                                                 buttons=buttons), buttons=list(buttons))
    lines = [_release_line(latest) + ".", latest.url]
    if newer:
        lines.insert(1, "Newer pre-release" + ("s" if len(newer) > 1 else "") + ": "
                     + "; ".join(_release_line(r) for r in newer) + ".")
    if implied:
        lines.append(implied.strip())
    return _reply(f"Latest release of {repo.full_name}: {latest.tag}", "ok", lines, lines[:-1] if not implied
                  else lines, latest.url, buttons)


def release_list(repo: Repo, releases: Sequence[Release], prerelease_only: bool, buttons: Sequence[Button] = (),
                 implied: str = "") -> Reply:
    releases_url = f"{repo.html_url}/releases"
    if prerelease_only:
        if not releases:
            text = f"No release candidate or other pre-release of {repo.full_name} right now.{implied} {releases_url}"
            return Reply(text=text, card=cards.status_card("No release candidate", "neutral", text,
                                                           link=(GITHUB_LINK, releases_url), buttons=buttons),
                         buttons=list(buttons))
        title = f"Yes: {plural(len(releases), 'pre-release')} of {repo.full_name}:"
    elif not releases:
        text = f"{repo.full_name} has no releases.{implied} {releases_url}"
        return Reply(text=text, card=cards.status_card("No releases", "neutral", text,
                                                       link=(GITHUB_LINK, releases_url)))
    else:
        title = f"Latest {plural(len(releases), 'release')} of {repo.full_name}:"
    lines = [f"- {_release_line(r)}: {r.url}" for r in releases]
    card_lines = [f"[{r.tag}]({r.url}) {_release_line(r)[len(r.tag):]}" for r in releases]
    if implied:
        lines.append(implied.strip())
    return _reply(title, "neutral", lines, card_lines, releases_url, buttons)


# -- commits ------------------------------------------------------------------------------------------------
def commit_list(repo: Repo, branch: str, commits: Sequence[CommitInfo], window: str, last: CommitInfo | None,
                buttons: Sequence[Button] = (), implied: str = "") -> Reply:
    """`window`: "today" or "" (the last N); `last`: the newest commit when the window is empty."""
    link = f"{repo.html_url}/commits/{branch}"
    if not commits:
        before = (f" The last commit was {last.short_sha} \"{clean(last.message, 80)}\" by {last.author}, "
                  f"{ago(last.date)}: {last.url}") if last else ""
        text = f"No commits on {branch} in {repo.full_name} {window}.{before}{implied}"
        return Reply(text=text, card=cards.status_card(f"Nothing new on {branch}", "neutral", text,
                                                       link=(GITHUB_LINK, link), buttons=buttons),
                     buttons=list(buttons))
    when = f" {window}" if window else ""
    title = f"{plural(len(commits), 'commit')} on {branch} in {repo.full_name}{when}:"
    if not window:
        title = (f"Latest commit on {branch} in {repo.full_name}:" if len(commits) == 1
                 else f"Last {len(commits)} commits on {branch} in {repo.full_name}:")
    lines = [f"- {c.short_sha} {clean(c.message, 90)} ({c.author}, {ago(c.date)}): {c.url}" for c in commits]
    card_lines = [f"[{c.short_sha}]({c.url}) {clean(c.message, 90)} ({c.author}, {ago(c.date)})" for c in commits]
    if implied:
        lines.append(implied.strip())
    return _reply(title, "neutral", lines, card_lines, link, buttons)


def no_such_branch(repo: Repo, branch: str) -> Reply:
    link = f"{repo.html_url}/branches"
    text = f"There's no branch \"{clean(branch, 60)}\" in {repo.full_name}: {link}"
    return Reply(text=text, card=cards.status_card("No such branch", "warning", text, link=(GITHUB_LINK, link)))


# -- GitHub Actions -------------------------------------------------------------------------------------------
_OUTCOME_STATUS = {"passed": "ok", "failed": "failed", "running": "running"}


def _run_line(run: Run) -> str:
    pr = f" (PR {', '.join(f'#{n}' for n in run.pull_numbers)})" if run.pull_numbers else ""
    return f"{run.name} on {run.branch}{pr}: {run.outcome}, {ago(run.created_at)}"


def ci_verdict(repo: Repo, branch: str, runs: Sequence[Run], buttons: Sequence[Button] = (),
               implied: str = "") -> Reply:
    """"Is CI green on main?": the latest run of each workflow on the branch."""
    link = f"{repo.html_url}/actions?query={('branch%3A' + branch)}"
    if not runs:
        text = f"No workflow runs on {branch} in {repo.full_name}.{implied} {link}"
        return Reply(text=text, card=cards.status_card("No workflow runs", "neutral", text, link=(GITHUB_LINK, link)))
    failed = [r for r in runs if r.outcome in ("failed", "cancelled")]
    running = [r for r in runs if r.outcome == "running"]
    if failed:
        verdict = (f"No: {join_names(r.name for r in failed)} "
                   f"{'is' if len(failed) == 1 else 'are'} red on {branch} in {repo.full_name}.")
        status = "failed"
    elif running:
        verdict = f"Not yet: {join_names(r.name for r in running)} still running on {branch} in {repo.full_name}."
        status = "running"
    else:
        verdict = f"Yes: CI is green on {branch} in {repo.full_name}."
        status = "ok"
    lines = [f"- {_run_line(r)}: {r.url}" for r in runs]
    card_lines = [f"[{r.name}]({r.url}): {r.outcome}, {ago(r.created_at)}" for r in runs]
    if implied:
        lines.append(implied.strip())
    return _reply(verdict, status, lines, card_lines, link, buttons)


def run_list(repo: Repo, runs: Sequence[Run], what: str, buttons: Sequence[Button] = (), implied: str = "",
             total: int | None = None) -> Reply:
    link = f"{repo.html_url}/actions"
    if not runs:
        text = f"No {what} in {repo.full_name}.{implied} {link}"
        return Reply(text=text, card=cards.status_card(f"No {what}", "ok", text, link=(GITHUB_LINK, link),
                                                       buttons=buttons), buttons=list(buttons))
    count = total if total is not None else len(runs)
    title = f"{count} {what if count != 1 else what.replace('runs', 'run')} in {repo.full_name}:"
    lines = [f"- {_run_line(r)}: {r.url}" for r in runs]
    card_lines = [f"[{r.name}]({r.url}) on {r.branch}: {r.outcome}, {ago(r.created_at)}" for r in runs]
    if implied:
        lines.append(implied.strip())
    status = _OUTCOME_STATUS.get(runs[0].outcome, "neutral") if "failed" not in what else "failed"
    return _reply(title, status, lines, card_lines, link, buttons)
