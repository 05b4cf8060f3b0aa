"""The `github:` section of a world file: what the fake GitHub serves."""

from __future__ import annotations

from typing import Any

from sandbox.schema import DURATION, STR_MAP, opt, req, validate

GITHUB_REPO = {
    "full_name": req(str),
    "description": opt(str),
    "default_branch": opt(str),
    "language": opt(str),
    "stars": opt(int),
    "private": opt(bool),
    "pulls": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "draft": opt(bool), "merged": opt(bool), "merged_by": opt(str), "ago": req(DURATION),
        "head": req(str), "base": req(str), "checks": opt(STR_MAP), "requested_reviewers": opt([str]),
        "reviews": opt([{"user": req(str), "state": req(str, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"))}]),
        "labels": opt([str]), "mergeable": opt(bool), "behind_by": opt(int), "body": opt(str),
        "closed_ago": opt(DURATION),
    }]),
    "issues": opt([{
        "number": req(int), "title": req(str), "user": req(str), "state": req(str, ("open", "closed")),
        "labels": opt([str]), "assignees": opt([str]), "ago": req(DURATION), "comments": opt(int),
        "closed_ago": opt(DURATION), "body": opt(str),
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
    }]),
}


def _github_user(value: Any, where: str) -> None:
    """A GitHub user: a plain login ("adam-sre") or {login, name} when the display name matters ("Adam")."""
    if not isinstance(value, str):
        validate(value, {"login": req(str), "name": opt(str)}, where)


SCHEMA = {"users": opt([_github_user]), "org": opt(str), "repos": req([GITHUB_REPO])}

