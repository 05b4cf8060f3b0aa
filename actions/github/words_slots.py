"""The GitHub questions' slots, entities and word lists (names the other GitHub modules share)."""

from __future__ import annotations

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
