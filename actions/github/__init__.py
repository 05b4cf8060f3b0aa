"""GitHub questions, one module each: pull requests, one PR's status, issues, releases, commits
and GitHub Actions runs.

Thin actions: they read the question (backends/github/words.py), resolve repositories and people against the live
lists (`resolve`), call the facade (backends/github/service.py) and render (backends/github/render.py). Context for
follow-ups lives in slots: `github_repo` (the repository last talked about), `github_pr` (the PR number,
"it" while the conversation is about PRs) and `github_filters` (the last question's filters, kept by
"same for petclinic-infra"). opsbot only reads GitHub: "merge PR 85" is answered with why it can't and
where the PR stands.
"""

from __future__ import annotations

from actions.github.commits import ActionGithubCommits
from actions.github.issues import ActionGithubIssues
from actions.github.pulls import ActionGithubPrStatus, ActionGithubPullRequests
from actions.github.releases import ActionGithubReleases
from actions.github.runs import ActionGithubWorkflowRuns

__all__ = ["ActionGithubCommits", "ActionGithubIssues", "ActionGithubPrStatus", "ActionGithubPullRequests",
           "ActionGithubReleases", "ActionGithubWorkflowRuns"]
