"""The `github:` section of a world file: what the fake GitHub serves."""

from __future__ import annotations

from typing import Any

from sandbox.schema import DURATION, STR_MAP, opt, req, validate

# The fields of an item's answer to show as null or leave out (`user`, `requested_reviewers`, `name`,
# `pull_requests`, ...): shapes GitHub's OpenAPI description allows and real answers have. Only fields that
# answer has are touched; tests/contracts/github checks the result still fits the description.
NULLS = opt([str])
ABSENT = opt([str])


def _label(value: Any, where: str) -> None:
    """A label: its name, or {name, color} where the name may be missing (the issues API allows that)."""
    if not isinstance(value, str):
        validate(value, {"name": opt(str), "color": opt(str)}, where)


GITHUB_REPO = {
    "full_name": req(str),
    "description": opt(str),
    "default_branch": opt(str),
    "language": opt(str),
    "stars": opt(int),
    "private": opt(bool),
    # Branch protection of the default branch requires this many approving reviews (absent: none required,
    # so `review:required` finds nothing there, as on GitHub).
    "required_reviews": opt(int),
    "pulls": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "draft": opt(bool), "merged": opt(bool), "merged_by": opt(str), "ago": req(DURATION),
        "head": req(str), "base": req(str), "checks": opt(STR_MAP), "requested_reviewers": opt([str]),
        "reviews": opt([{"user": req(str), "state": req(str, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"))}]),
        "labels": opt([_label]), "mergeable": opt(bool), "behind_by": opt(int), "body": opt(str),
        "closed_ago": opt(DURATION),
        "fork": opt(str),  # the login whose fork the head branch is in (head label `fork:head`)
        "nulls": NULLS, "absent": ABSENT,  # of the PR's answers (pulls, search)
        "check_nulls": NULLS, "check_absent": ABSENT,  # of each of its check runs (`check_suite`)
    }]),
    "issues": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "labels": opt([_label]), "assignees": opt([str]), "ago": req(DURATION), "comments": opt(int),
        "closed_ago": opt(DURATION), "body": opt(str), "nulls": NULLS, "absent": ABSENT,
    }]),
    "releases": opt([{
        "tag": req(str), "name": opt(str), "ago": req(DURATION), "author": opt(str),
        "prerelease": opt(bool), "draft": opt(bool), "body": opt(str),
    }]),
    "commits": opt([{"sha": req(str), "author": req(str), "message": req(str), "ago": req(DURATION),
                     "branch": opt(str)}]),
    "workflow_runs": opt([{
        "id": req(int), "name": req(str), "head_branch": req(str), "event": req(str),
        "status": req(str, ("queued", "in_progress", "completed", "waiting", "requested", "pending")),
        "conclusion": opt(str), "ago": req(DURATION), "head_sha": opt(str), "pull_request": opt(int),
        "nulls": NULLS, "absent": ABSENT,
    }]),
}


def _github_user(value: Any, where: str) -> None:
    """A GitHub user: a plain login ("adam-sre") or {login, name} when the display name matters ("Adam")."""
    if not isinstance(value, str):
        validate(value, {"login": req(str), "name": opt(str)}, where)


SCHEMA = {"users": opt([_github_user]), "org": opt(str), "repos": req([GITHUB_REPO])}
