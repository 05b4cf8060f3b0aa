"""GitHub results → Reply: a complete plain-text answer (with links) and an Adaptive Card for Teams.

Pure functions of the facade's typed results; the caller passes the buttons for the natural next step.
Everything GitHub supplies (titles, commit messages, logins, branch, label, check, workflow and release names,
URLs) is shown through common.text (`clean`, `safe_url`, `link`). The phrases the actions pass in
(`what`, `where`, `implied`) carry names too and are cleaned here as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from backends.github.service import CommitInfo, IssueSummary, PullDetail, PullSummary, Release, Repo, Run, SearchPage
from common import cards
from common.reply import Button, Reply
from common.text import ago, clean, cleaned, join_names, link, plural, safe_url

GITHUB_LINK = "Open on GitHub"
NAME = 100  # the longest repository, branch or workflow name shown
LOGIN = 40


def _names(values: Sequence[str], limit: int = LOGIN, conjunction: str = "and") -> str:
    """"adam-sre and dan-dev": several logins or names, each cleaned."""
    return join_names(cleaned(values, limit), conjunction)


def _reply(title: str, status: str, lines: Sequence[str], card_lines: Sequence[str], url: str,
           buttons: Sequence[Button] = (), summary: str = "") -> Reply:
    """Text: the title, the lines, the link. Card: coloured title, summary, one block per line, link, buttons.
    `title`, `lines` and `card_lines` are already made of cleaned parts; `url` is checked here."""
    url = safe_url(url)
    text = "\n".join([title, *lines, *([] if not url or any(url in line for line in lines) else [url])])
    extra = [cards.paragraph(line) for line in card_lines]
    card = cards.status_card(title, status, summary, extra=extra, link=(GITHUB_LINK, url), buttons=buttons)
    return Reply(text=text, card=card, buttons=list(buttons))


def _ref(repo: str, number: int, show_repo: bool) -> str:
    return f"{clean(repo.split('/')[-1], NAME)}#{number}" if show_repo else f"#{number}"


# -- pull requests ---------------------------------------------------------------------------------------
def pull_list(page: SearchPage, what: str, where: str, buttons: Sequence[Button] = ()) -> Reply:
    """`what`: "open PRs by dan-dev"; `where`: "in petclinic/spring-petclinic" or "across petclinic"."""
    pulls: list[PullSummary] = page.items
    show_repo = len({p.repo for p in pulls}) > 1 or where.startswith("across")
    what, where = clean(what, 200), clean(where, 200)
    if not pulls:
        return _reply(f"No {what} {where}.", "ok", [], [], page.url, buttons)
    lines, card_lines = [], []
    for p in pulls:
        draft = " [draft]" if p.draft else ""
        tail = f"by {clean(p.author, LOGIN)}, opened {ago(p.created_at)}"
        ref = _ref(p.repo, p.number, show_repo)
        lines.append(f"- {ref} {clean(p.title, 90)}{draft}, {tail}: {safe_url(p.url)}")
        card_lines.append(f"{link(ref, p.url)} {clean(p.title, 90)}{draft}, {tail}")
    more = page.total - len(pulls)
    if more > 0:
        lines.append(f"…and {more} more: {safe_url(page.url)}")
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
        parts.append(f"{len(failing)} failing ({_names([c.name for c in failing], NAME)})")
    if pending:
        parts.append(f"{len(pending)} pending ({_names([c.name for c in pending], NAME)})")
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
        parts.append(f"approved by {_names(approved)}")
    if changes:
        parts.append(f"changes requested by {_names(changes)}")
    if commented:
        parts.append(f"commented on by {_names(commented)}")
    if detail.requested:
        parts.append(f"waiting on {_names(detail.requested)}")
    if not parts:
        return "Reviews: none yet, and no reviewer requested."
    return "Reviews: " + "; ".join(parts) + "."


def _merge_sentence(detail: PullDetail) -> str:
    base = clean(detail.base, NAME)
    if detail.merged:
        return f"Merged into {base}" + (f" by {clean(detail.merged_by, LOGIN)}." if detail.merged_by else ".")
    if detail.state == "closed":
        return "Closed without merging."
    behind = ""
    if detail.mergeable_state == "behind":
        count = f"{plural(detail.behind_by, 'commit')} " if detail.behind_by else ""
        behind = f" It is {count}behind {base} and needs updating."
    if detail.mergeable is None:
        return "Mergeability: GitHub is still computing it." + behind
    if detail.mergeable is False or detail.mergeable_state == "dirty":
        return f"Not mergeable: it has conflicts with {base}." + behind
    blocked = {"blocked": " but blocked (required reviews or checks missing)",
               "unstable": " but checks are not all green", "draft": " once it is marked ready for review"}
    return f"Mergeable into {base}{blocked.get(detail.mergeable_state, '')}." + behind


def pull_detail(detail: PullDetail, buttons: Sequence[Button] = ()) -> Reply:
    checks, status = _checks_sentence(detail)
    state = "draft" if detail.draft and detail.state == "open" else ("merged" if detail.merged else
                                                                     clean(detail.state, 20))
    title = f"PR #{detail.number} in {clean(detail.repo, NAME)}: {clean(detail.title, 100)} ({state})"
    branches = f"{clean(detail.head, NAME)} → {clean(detail.base, NAME)}"
    author = clean(detail.author, LOGIN)
    opened = f"By {author}, opened {ago(detail.created_at)}, {branches}."
    lines = [opened, checks, _reviews_sentence(detail), _merge_sentence(detail), safe_url(detail.url)]
    facts = [("State", state), ("Author", author), ("Branch", branches)]
    card_lines = lines[1:4]
    for check in detail.checks_in("failing"):
        card_lines.append(f"Failing: {link(check.name, check.url)}")
    if detail.state != "open":
        status = "neutral"
    text = "\n".join([title, *(line for line in lines if line)])
    card = cards.status_card(title, status, opened, fact_pairs=facts,
                             extra=[cards.paragraph(line) for line in card_lines], link=(GITHUB_LINK, detail.url),
                             buttons=buttons)
    return Reply(text=text, card=card, buttons=list(buttons))


def no_such_pull(repo: str, number: int, url: str) -> Reply:
    repo = clean(repo, NAME)
    text = f"There's no pull request #{number} in {repo}. Open ones: {safe_url(url)}"
    return Reply(text=text, card=cards.status_card(f"No PR #{number} in {repo}", "warning", text,
                                                   link=(GITHUB_LINK, url)))


def pull_found_in(number: int, repos: Sequence[str], buttons: Sequence[Button]) -> Reply:
    text = f"PR #{number} exists in {_names(repos, NAME)}. Which repository do you mean?"
    return Reply(text=text, card=cards.status_card(f"Which PR #{number}?", "neutral", text, buttons=buttons),
                 buttons=list(buttons))


def no_pull_anywhere(number: int, repos: Sequence[str]) -> Reply:
    text = (f"I can't find PR #{number} in {_names(repos, NAME, 'or')}. Name the repository, e.g. "
            f"\"PR {number} in {clean(repos[0], NAME) if repos else 'my-repo'}\".")
    return Reply(text=text, card=cards.status_card(f"No PR #{number}", "warning", text))


def which_pull(url: str) -> Reply:
    text = f"Which pull request? Give me its number, e.g. \"status of PR 12\". Open ones: {safe_url(url)}"
    return Reply(text=text, card=cards.status_card("Which pull request?", "neutral", text, link=(GITHUB_LINK, url)))


def read_only(verb: str, noun: str, url: str, lines: Sequence[str] = (), buttons: Sequence[Button] = ()) -> Reply:
    """"merge PR 85", "close issue 86": opsbot only reads GitHub. Said first and plainly, then where the thing
    stands (`lines`, already cleaned) and the link to do it there, so that nobody reads the answer as done."""
    verb = clean(verb, 20)
    title = f"I can't {verb} {clean(noun, 40)}: opsbot only reads GitHub, so nothing was changed."
    return _reply(title, "warning", [*lines, f"Do that on GitHub: {safe_url(url)}"], lines, url, buttons)


def read_only_pull(verb: str, detail: PullDetail, buttons: Sequence[Button] = ()) -> Reply:
    """"merge PR 85": can't, and whether it could be merged now (mergeability, checks, reviews)."""
    checks, _ = _checks_sentence(detail)
    state = ("merged" if detail.merged else "a draft" if detail.draft and detail.state == "open"
             else clean(detail.state, 20))
    about = f"PR #{detail.number} in {clean(detail.repo, NAME)} ({clean(detail.title, 100)}) is {state}."
    lines = [about, _merge_sentence(detail), checks, _reviews_sentence(detail)]
    return read_only(verb, "pull requests", detail.url, lines, buttons)


# -- issues ------------------------------------------------------------------------------------------------
def issue_list(page: SearchPage, what: str, where: str, buttons: Sequence[Button] = ()) -> Reply:
    issues: list[IssueSummary] = page.items
    show_repo = len({i.repo for i in issues}) > 1 or where.startswith("across")
    what, where = clean(what, 200), clean(where, 200)
    if not issues:
        return _reply(f"No {what} {where}.", "ok", [], [], page.url, buttons)
    lines, card_lines = [], []
    for issue in issues:
        labels = f" [{', '.join(cleaned(issue.labels, 40))}]" if issue.labels else ""
        who = f", assigned to {_names(issue.assignees)}" if issue.assignees else ", unassigned"
        tail = f"opened by {clean(issue.author, LOGIN)} {ago(issue.created_at)}{who}"
        ref = _ref(issue.repo, issue.number, show_repo)
        lines.append(f"- {ref} {clean(issue.title, 90)}{labels}, {tail}: {safe_url(issue.url)}")
        card_lines.append(f"{link(ref, issue.url)} {clean(issue.title, 90)}{labels}, {tail}")
    more = page.total - len(issues)
    if more > 0:
        lines.append(f"…and {more} more: {safe_url(page.url)}")
        card_lines.append(f"…and {more} more.")
    noun = what if page.total != 1 else what.replace("issues", "issue")
    return _reply(f"{page.total} {noun} {where}:", "neutral", lines, card_lines, page.url, buttons)


def issue_detail(issue: IssueSummary, buttons: Sequence[Button] = ()) -> Reply:
    kind = "PR" if issue.is_pull else "Issue"
    title = (f"{kind} #{issue.number} in {clean(issue.repo, NAME)}: {clean(issue.title, 100)} "
             f"({clean(issue.state, 20)})")
    labels = f"Labels: {', '.join(cleaned(issue.labels, 40))}." if issue.labels else "No labels."
    who = f"Assigned to {_names(issue.assignees)}." if issue.assignees else "Unassigned."
    closed = f" Closed {ago(issue.closed_at)}." if issue.closed_at else ""
    lines = [f"Opened by {clean(issue.author, LOGIN)} {ago(issue.created_at)}, {plural(issue.comments, 'comment')}."
             f"{closed}", labels, who]
    return _reply(title, "neutral" if issue.state == "open" else "ok", [*lines, safe_url(issue.url)], lines,
                  issue.url, buttons)


def no_such_issue(repo: str, number: int, url: str) -> Reply:
    text = f"There's no issue #{number} in {clean(repo, NAME)}: {safe_url(url)}"
    return Reply(text=text, card=cards.status_card(f"No issue #{number}", "warning", text, link=(GITHUB_LINK, url)))


# -- repositories --------------------------------------------------------------------------------------------
def unknown_repo(said: str, visible: Sequence[str], total: int, buttons: Sequence[Button] = ()) -> Reply:
    """A repository name that is not even close to one opsbot's token can see. `visible`: some of those
    (all when there are few). GitHub hides private repositories from a token without access (404), so that
    is said too."""
    text = f"I can't find a repository \"{clean(said, 60)}\", and none of the ones I can see is close."
    if visible:
        which = "They are" if len(visible) == total else f"Recently active ones (of {total}):"
        text += f" {which} {_names(visible, NAME)}."
    text += " If it exists, opsbot's GitHub token may not have access to it."
    return Reply(text=text, card=cards.status_card("No such repository", "warning", text, buttons=buttons),
                 buttons=list(buttons))


# -- people ------------------------------------------------------------------------------------------------------
def unknown_login(examples: Sequence[str]) -> Reply:
    example = clean(examples[0], LOGIN) if examples else "dan"
    text = ("I don't know your GitHub login yet, so I can't tell which are yours. Ask with a name instead, e.g. "
            f"\"PRs by {example}\" or \"PRs waiting on review from {example}\".")
    return Reply(text=text, card=cards.status_card("Who are you on GitHub?", "neutral", text))


def unknown_person(said: str, suggestions: Sequence[str], known: Sequence[str] = (),
                   buttons: Sequence[Button] = ()) -> Reply:
    """Nobody by that name: the close names ("did you mean"), else the people opsbot knows (with buttons)."""
    if suggestions:
        hint = f" Did you mean {_names(suggestions, LOGIN, 'or')}?"
    elif known:
        hint = f" People I know: {_names(known, LOGIN)}."
    else:
        hint = ""
    text = f"I can't find a GitHub user \"{clean(said, 40)}\".{hint}"
    return Reply(text=text, card=cards.status_card("No such GitHub user", "warning", text), buttons=list(buttons))


def one_release(repo: Repo, said: str, release: Release | None, buttons: Sequence[Button] = ()) -> Reply:
    """"When was 2.4.0 released?": that exact tag, or that it isn't among the releases."""
    if release is None:
        text = (f"I can't find a release {clean(said, 40)} in {clean(repo.full_name, 100)} (among its recent "
                f"releases): {safe_url(repo.html_url)}/releases")
        return Reply(text=text, card=cards.status_card("No such release", "warning", text), buttons=list(buttons))
    text = f"{clean(repo.full_name, 100)}: {_release_line(release)}. {safe_url(release.url)}"
    return Reply(text=text, card=cards.status_card(f"Release {clean(release.tag, 60)}", "neutral", text),
                 buttons=list(buttons))


def build_changes(job: str, number: int, build_url: str, changes: Sequence[tuple[str, str, str, str]],
                  branch: str = "", note: str = "") -> Reply:
    """The commits a Jenkins build built (its change set): (short sha, message, author, link or '')."""
    on = f" ({clean(branch, 80)})" if branch else ""
    if not changes:
        text = (f"Build #{number} of {clean(job, 100)}{on} built no new commits (its change set is empty): "
                f"{safe_url(build_url)}{note}")
        return Reply(text=text, card=cards.status_card(f"{clean(job, 100)} #{number}", "neutral", text))
    lines = [f"- {clean(sha, 12)} {clean(message, 100)} ({clean(author, LOGIN)})" + (f" {safe_url(url)}" if url else "")
             for sha, message, author, url in changes]
    head = (f"Build #{number} of {clean(job, 100)}{on} built {plural(len(changes), 'commit')}{note}: "
            f"{safe_url(build_url)}")
    text = "\n".join([head, *lines])
    return Reply(text=text, card=cards.status_card(f"{clean(job, 100)} #{number}", "neutral", text))


# -- releases --------------------------------------------------------------------------------------------------
def _release_line(release: Release) -> str:
    kind = " (pre-release)" if release.prerelease else " (draft)" if release.draft else ""
    name = f" \"{clean(release.name, 60)}\"" if release.name and release.name != release.tag else ""
    by = f" by {clean(release.author, LOGIN)}" if release.author else ""
    return f"{clean(release.tag, 60)}{name}{kind}, published {ago(release.published_at)}{by}"


def latest_release(repo: Repo, latest: Release | None, newer: Sequence[Release], buttons: Sequence[Button] = (),
                   implied: str = "") -> Reply:
    releases_url = f"{repo.html_url}/releases"
    full_name, implied = clean(repo.full_name, NAME), _implied(implied)
    if latest is None:
        pre = f" Pre-releases: {', '.join(cleaned((r.tag for r in newer), 60))}." if newer else ""
        text = f"{full_name} has no published release yet.{pre} {safe_url(releases_url)}"
        return Reply(text=text + implied, card=cards.status_card(f"No release of {full_name}", "neutral",
                                                                 text + implied, link=(GITHUB_LINK, releases_url),
                                                                 buttons=buttons), buttons=list(buttons))
    lines = [_release_line(latest) + ".", safe_url(latest.url)]
    if newer:
        lines.insert(1, "Newer pre-release" + ("s" if len(newer) > 1 else "") + ": "
                     + "; ".join(_release_line(r) for r in newer) + ".")
    if implied:
        lines.append(implied.strip())
    return _reply(f"Latest release of {full_name}: {clean(latest.tag, 60)}", "ok", lines, lines[:-1] if not implied
                  else lines, latest.url, buttons)


def _implied(note: str) -> str:
    """" (I picked <repo>, the most recently active repository; ...)": a sentence naming a repository."""
    return f" {clean(note, 300)}" if note.strip() else ""


def release_list(repo: Repo, releases: Sequence[Release], prerelease_only: bool, buttons: Sequence[Button] = (),
                 implied: str = "") -> Reply:
    releases_url = f"{repo.html_url}/releases"
    full_name, implied, shown_url = clean(repo.full_name, NAME), _implied(implied), safe_url(releases_url)
    if prerelease_only:
        if not releases:
            text = f"No release candidate or other pre-release of {full_name} right now.{implied} {shown_url}"
            return Reply(text=text, card=cards.status_card("No release candidate", "neutral", text,
                                                           link=(GITHUB_LINK, releases_url), buttons=buttons),
                         buttons=list(buttons))
        title = f"Yes: {plural(len(releases), 'pre-release')} of {full_name}:"
    elif not releases:
        text = f"{full_name} has no releases.{implied} {shown_url}"
        return Reply(text=text, card=cards.status_card("No releases", "neutral", text,
                                                       link=(GITHUB_LINK, releases_url)))
    elif len(releases) == 1:
        title = f"Only one release of {full_name}:"
    else:
        title = f"Latest {len(releases)} releases of {full_name}:"
    lines = [f"- {_release_line(r)}: {safe_url(r.url)}" for r in releases]
    card_lines = [f"{link(r.tag, r.url, 60)} {_release_line(r)[len(clean(r.tag, 60)):]}" for r in releases]
    if implied:
        lines.append(implied.strip())
    return _reply(title, "neutral", lines, card_lines, releases_url, buttons)


# -- commits ------------------------------------------------------------------------------------------------
def commit_list(repo: Repo, branch: str, commits: Sequence[CommitInfo], window: str, last: CommitInfo | None,
                buttons: Sequence[Button] = (), implied: str = "", by: str = "") -> Reply:
    """`window`: "today" or "" (the last N); `last`: the newest commit when the window is empty; `by`: the
    author's login when the question named one."""
    url = f"{repo.html_url}/commits/{quote(branch)}" + (f"?author={quote(by)}" if by else "")
    who = f" by {clean(by, LOGIN)}" if by else ""
    full_name, shown, window, implied = clean(repo.full_name, NAME), clean(branch, NAME), clean(window, 60), \
        _implied(implied)
    if not commits:
        before = (f" The last commit was {clean(last.short_sha, 12)} \"{clean(last.message, 80)}\" by "
                  f"{clean(last.author, LOGIN)}, {ago(last.date)}: {safe_url(last.url)}") if last else ""
        text = f"No commits{who} on {shown} in {full_name}{' ' + window if window else ''}.{before}{implied}"
        return Reply(text=text, card=cards.status_card(f"Nothing new on {shown}", "neutral", text,
                                                       link=(GITHUB_LINK, url), buttons=buttons),
                     buttons=list(buttons))
    when = f" {window}" if window else ""
    title = f"{plural(len(commits), 'commit')}{who} on {shown} in {full_name}{when}:"
    if not window:
        title = (f"Latest commit{who} on {shown} in {full_name}:" if len(commits) == 1
                 else f"Last {len(commits)} commits{who} on {shown} in {full_name}:")
    lines = [f"- {clean(c.short_sha, 12)} {clean(c.message, 90)} ({clean(c.author, LOGIN)}, {ago(c.date)}): "
             f"{safe_url(c.url)}" for c in commits]
    card_lines = [f"{link(c.short_sha, c.url, 12)} {clean(c.message, 90)} ({clean(c.author, LOGIN)}, {ago(c.date)})"
                  for c in commits]
    if implied:
        lines.append(implied.strip())
    return _reply(title, "neutral", lines, card_lines, url, buttons)


def no_such_branch(repo: Repo, branch: str) -> Reply:
    url = f"{repo.html_url}/branches"
    text = f"There's no branch \"{clean(branch, 60)}\" in {clean(repo.full_name, NAME)}: {safe_url(url)}"
    return Reply(text=text, card=cards.status_card("No such branch", "warning", text, link=(GITHUB_LINK, url)))


# -- GitHub Actions -------------------------------------------------------------------------------------------
_OUTCOME_STATUS = {"passed": "ok", "failed": "failed", "running": "running"}


def _run_line(run: Run) -> str:
    pr = f" (PR {', '.join(f'#{n}' for n in run.pull_numbers)})" if run.pull_numbers else ""
    return f"{clean(run.name, NAME)} on {clean(run.branch, NAME)}{pr}: {run.outcome}, {ago(run.created_at)}"


def ci_verdict(repo: Repo, branch: str, runs: Sequence[Run], buttons: Sequence[Button] = (),
               implied: str = "") -> Reply:
    """"Is CI green on main?": the latest run of each workflow on the branch."""
    url = f"{repo.html_url}/actions?query={quote('branch:' + branch, safe='')}"
    full_name, shown, implied = clean(repo.full_name, NAME), clean(branch, NAME), _implied(implied)
    if not runs:
        text = f"No workflow runs on {shown} in {full_name}.{implied} {safe_url(url)}"
        return Reply(text=text, card=cards.status_card("No workflow runs", "neutral", text, link=(GITHUB_LINK, url)))
    failed = [r for r in runs if r.outcome in ("failed", "cancelled")]
    running = [r for r in runs if r.outcome == "running"]
    if failed:
        verdict = (f"No: {_names([r.name for r in failed], NAME)} "
                   f"{'is' if len(failed) == 1 else 'are'} red on {shown} in {full_name}.")
        status = "failed"
    elif running:
        verdict = f"Not yet: {_names([r.name for r in running], NAME)} still running on {shown} in {full_name}."
        status = "running"
    else:
        verdict = f"Yes: CI is green on {shown} in {full_name}."
        status = "ok"
    lines = [f"- {_run_line(r)}: {safe_url(r.url)}" for r in runs]
    card_lines = [f"{link(r.name, r.url)}: {r.outcome}, {ago(r.created_at)}" for r in runs]
    if implied:
        lines.append(implied.strip())
    return _reply(verdict, status, lines, card_lines, url, buttons)


def run_list(repo: Repo, runs: Sequence[Run], what: str, buttons: Sequence[Button] = (), implied: str = "",
             total: int | None = None) -> Reply:
    url = f"{repo.html_url}/actions"
    full_name, implied, failed = clean(repo.full_name, NAME), _implied(implied), "failed" in what
    what = clean(what, 200)
    if not runs:
        text = f"No {what} in {full_name}.{implied} {safe_url(url)}"
        return Reply(text=text, card=cards.status_card(f"No {what}", "ok", text, link=(GITHUB_LINK, url),
                                                       buttons=buttons), buttons=list(buttons))
    count = total if total is not None else len(runs)
    title = f"{count} {what if count != 1 else what.replace('runs', 'run')} in {full_name}:"
    lines = [f"- {_run_line(r)}: {safe_url(r.url)}" for r in runs]
    card_lines = [f"{link(r.name, r.url)} on {clean(r.branch, NAME)}: {r.outcome}, {ago(r.created_at)}"
                  for r in runs]
    if implied:
        lines.append(implied.strip())
    status = _OUTCOME_STATUS.get(runs[0].outcome, "neutral") if not failed else "failed"
    return _reply(title, status, lines, card_lines, url, buttons)
