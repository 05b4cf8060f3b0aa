"""The world's `github:` section as GitHub REST v3 JSON objects, shaped as api.github.com answers them.

Pure functions of the world and the request's origin (the sandbox serves API and web pages from one
origin, as GitHub Enterprise does from one host). `GitHubWorld` indexes the section; `Shapes` turns its
entries into users, repositories, pull requests, issues, reviews, check runs, releases, commits and
workflow runs. Facts the world does not state (ids, SHAs of PR heads) are derived deterministically.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

FAILING = {"failure", "cancelled", "timed_out", "action_required", "startup_failure"}
PENDING = {"pending", "queued", "in_progress", "waiting", "requested"}
# Labels every new GitHub repository has, with GitHub's default colours.
DEFAULT_LABELS = {
    "bug": "d73a4a", "documentation": "0075ca", "duplicate": "cfd3d7", "enhancement": "a2eeef",
    "good first issue": "7057ff", "help wanted": "008672", "invalid": "e4e669", "question": "d876e3",
    "wontfix": "ffffff",
}
DEFAULT_DESCRIPTIONS = {
    "bug": "Something isn't working", "documentation": "Improvements or additions to documentation",
    "duplicate": "This issue or pull request already exists", "enhancement": "New feature or request",
    "good first issue": "Good for newcomers", "help wanted": "Extra attention is needed",
    "invalid": "This doesn't seem right", "question": "Further information is requested",
    "wontfix": "This will not be worked on",
}


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def stable_id(*parts: Any) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode()) % 900_000_000 + 1_000_000


def fake_sha(*parts: Any) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def check_state(conclusions: list[str]) -> str | None:
    """The combined state GitHub shows for a set of check conclusions: failure, pending or success."""
    if not conclusions:
        return None
    if any(c in FAILING for c in conclusions):
        return "failure"
    if any(c in PENDING for c in conclusions):
        return "pending"
    return "success"


def latest_verdicts(pull: dict) -> dict[str, str]:
    """Each reviewer's latest APPROVED or CHANGES_REQUESTED (a later comment changes neither)."""
    latest: dict[str, str] = {}
    for review in pull.get("reviews") or []:
        if review["state"] != "COMMENTED":
            latest[review["user"]] = review["state"]
    return latest


def review_decision(pull: dict, required: int = 0) -> str | None:
    """GitHub's review decision (GraphQL `reviewDecision`): changes_requested, approved, required (branch
    protection wants `required` approving reviews and has fewer), or None: a pull request into a branch that
    requires no review and that nobody approved or rejected."""
    verdicts = list(latest_verdicts(pull).values())
    if "CHANGES_REQUESTED" in verdicts:
        return "changes_requested"
    approvals = verdicts.count("APPROVED")
    if required and approvals < required:
        return "required"
    return "approved" if approvals else None


def label_name(label: str | dict) -> str | None:
    """A world label: a name, or a mapping whose `name` may be missing (GitHub's description allows that)."""
    return label if isinstance(label, str) else label.get("name")


def overridden(data: dict, item: dict, nulls: str = "nulls", absent: str = "absent") -> dict:
    """`data` with the fields the world item lists in `nulls` made null and those in `absent` left out: the
    shapes GitHub's description allows and real answers have (a deleted account's `user: null`, a run with
    no `name`). Only fields this shape has are touched."""
    for key in item.get(nulls) or []:
        if key in data:
            data[key] = None
    for key in item.get(absent) or []:
        data.pop(key, None)
    return data


@dataclass
class Repo:
    """One world repository with its owner and name split out."""

    data: dict
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return self.data["full_name"]

    @property
    def default_branch(self) -> str:
        return self.data.get("default_branch") or "main"

    def required_reviews(self, base: str) -> int:
        """Approving reviews branch protection requires for a merge into `base` (0: none required)."""
        return int(self.data.get("required_reviews") or 0) if base == self.default_branch else 0

    def decision(self, pull: dict) -> str | None:
        return review_decision(pull, self.required_reviews(pull["base"]))

    @staticmethod
    def head_owner(pull: dict) -> str | None:
        """The login whose fork the PR comes from, or None for a branch of this repository."""
        return pull.get("fork")

    def pulls(self) -> list[dict]:
        return self.data.get("pulls") or []

    def issues(self) -> list[dict]:
        return self.data.get("issues") or []

    def pull(self, number: int) -> dict | None:
        return next((p for p in self.pulls() if p["number"] == number), None)

    def issue(self, number: int) -> dict | None:
        return next((i for i in self.issues() if i["number"] == number), None)

    def head_sha(self, pull: dict) -> str:
        return fake_sha(self.full_name, pull["head"], pull["number"])

    def commits_on(self, branch: str) -> list[dict]:
        """Newest first. A PR head branch without commits of its own has one: the PR's head commit."""
        found = [c for c in self.data.get("commits") or [] if (c.get("branch") or self.default_branch) == branch]
        if not found:
            pull = next((p for p in self.pulls() if p["head"] == branch and not p.get("fork")), None)
            if pull is not None:
                found = [{"sha": self.head_sha(pull), "author": pull["user"], "message": pull["title"],
                          "at": pull["at"], "branch": branch}]
        return sorted(found, key=lambda c: -c["at"])

    def branches(self) -> set[str]:
        names = {self.default_branch}
        names.update(c.get("branch") or self.default_branch for c in self.data.get("commits") or [])
        names.update(p["head"] for p in self.pulls() if not p.get("fork"))  # a fork's branch is the fork's
        names.update(r["head_branch"] for r in self.data.get("workflow_runs") or []
                     if not any(p.get("fork") and p["head"] == r["head_branch"] for p in self.pulls()))
        return names

    def times(self) -> list[float]:
        return [item["at"] for key in ("pulls", "issues", "releases", "commits", "workflow_runs")
                for item in self.data.get(key) or []]


class GitHubWorld:
    """Index of the world's `github:` section: users by login, repositories by lower-case full name."""

    def __init__(self, section: dict, started_at: float) -> None:
        self.started_at = started_at
        self.names: dict[str, str | None] = {}
        for entry in section.get("users") or []:
            if isinstance(entry, str):
                self.names[entry] = None
            else:
                self.names[entry["login"]] = entry.get("name")
        self.repos: dict[str, Repo] = {}
        for data in section.get("repos") or []:
            owner, _, name = data["full_name"].partition("/")
            self.repos[data["full_name"].lower()] = Repo(data, owner, name)
        owners = {repo.owner for repo in self.repos.values()}
        self.orgs = {section["org"]} if section.get("org") else owners
        self.orgs |= owners

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def org(self, login: str) -> str | None:
        return next((o for o in self.orgs if o.lower() == login.lower()), None)

    def user(self, login: str) -> str | None:
        """The login as the world spells it, for any user the world mentions anywhere."""
        known = {login.lower(): login for login in self.all_logins()}
        return known.get(login.lower())

    def all_logins(self) -> list[str]:
        logins = list(self.names)
        for repo in self.repos.values():
            for pull in repo.pulls():
                logins += [pull["user"], *(pull.get("requested_reviewers") or []),
                           *(r["user"] for r in pull.get("reviews") or [])]
                if pull.get("merged_by"):
                    logins.append(pull["merged_by"])
                if pull.get("fork"):
                    logins.append(pull["fork"])
            for issue in repo.issues():
                logins += [issue["user"], *(issue.get("assignees") or [])]
            logins += [r["author"] for r in repo.data.get("releases") or [] if r.get("author")]
            logins += [c["author"] for c in repo.data.get("commits") or []]
        return list(dict.fromkeys(logins))

    def members(self) -> list[str]:
        return [login for login in self.names if not is_bot(login)]


def is_bot(login: str) -> bool:
    return login.endswith("[bot]")


class Shapes:
    """JSON builders for one request: `origin` is the base of every API and web URL in the answer. Each shape
    has every field GitHub's OpenAPI description requires of it (tests/contracts/github checks)."""

    def __init__(self, world: GitHubWorld, origin: str) -> None:
        self.world = world
        self.api = origin
        self.web = origin

    # -- people ----------------------------------------------------------------------------------
    def user(self, login: str) -> dict:
        """A `simple-user`."""
        bot = is_bot(login)
        org = self.world.org(login)
        kind = "Bot" if bot else "Organization" if org else "User"
        url = f"{self.api}/users/{login}"
        return {
            "login": login, "id": stable_id("user", login), "node_id": f"U_{stable_id('user', login)}",
            "avatar_url": f"{self.web}/avatars/{login}", "gravatar_id": "", "url": url,
            "html_url": f"{self.web}/apps/{login[:-5]}" if bot else f"{self.web}/{login}",
            "followers_url": f"{url}/followers", "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}", "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions", "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events", "type": kind, "site_admin": False,
            "user_view_type": "public",
        }

    def user_full(self, login: str) -> dict:
        """A `public-user` (GET /users/{username}; an organisation's login answers the same way)."""
        name = self.world.names.get(login)
        created = self.world.started_at - 3 * 365 * 86400
        public_repos = sum(1 for r in self.world.repos.values() if r.owner == login)
        return {
            **self.user(login), "name": name, "company": None, "blog": "", "location": None, "email": None,
            "hireable": None, "bio": None, "twitter_username": None, "public_repos": public_repos,
            "public_gists": 0, "followers": 0, "following": 0,
            "created_at": iso(created), "updated_at": iso(self.world.started_at - 86400),
        }

    def org(self, login: str) -> dict:
        return {
            "login": login, "id": stable_id("user", login), "node_id": f"O_{stable_id('user', login)}",
            "url": f"{self.api}/orgs/{login}", "repos_url": f"{self.api}/orgs/{login}/repos",
            "members_url": f"{self.api}/orgs/{login}/members{{/member}}", "avatar_url": f"{self.web}/avatars/{login}",
            "description": None, "name": login, "html_url": f"{self.web}/{login}", "type": "Organization",
            "public_repos": sum(1 for r in self.world.repos.values() if r.owner == login),
        }

    # -- repositories ----------------------------------------------------------------------------
    def repo_url(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def fork_of(self, repo: Repo, owner: str) -> Repo:
        """`owner`'s fork of `repo` (the head repository of a PR from a fork): no pulls or issues of its own."""
        return Repo({"full_name": f"{owner}/{repo.name}", "description": repo.data.get("description"),
                     "default_branch": repo.default_branch, "language": repo.data.get("language"),
                     "fork_of": repo.full_name}, owner, repo.name)

    def repo(self, repo: Repo) -> dict:
        """A `full-repository`, which is also a `repository` and a `minimal-repository`."""
        data, url, times = repo.data, self.repo_url(repo), repo.times()
        newest = max(times) if times else self.world.started_at - 86400
        oldest = min(times) if times else newest
        open_count = sum(1 for x in repo.pulls() + repo.issues() if x["state"] == "open")
        private = bool(data.get("private"))
        web = f"{self.web}/{repo.full_name}"
        urls = {name: f"{url}/{path}" for name, path in {
            "archive_url": "{archive_format}{/ref}", "assignees_url": "assignees{/user}",
            "blobs_url": "git/blobs{/sha}", "branches_url": "branches{/branch}",
            "collaborators_url": "collaborators{/collaborator}", "comments_url": "comments{/number}",
            "commits_url": "commits{/sha}", "compare_url": "compare/{base}...{head}",
            "contents_url": "contents/{+path}", "contributors_url": "contributors", "deployments_url": "deployments",
            "downloads_url": "downloads", "events_url": "events", "forks_url": "forks",
            "git_commits_url": "git/commits{/sha}", "git_refs_url": "git/refs{/sha}", "git_tags_url": "git/tags{/sha}",
            "hooks_url": "hooks", "issue_comment_url": "issues/comments{/number}",
            "issue_events_url": "issues/events{/number}", "issues_url": "issues{/number}", "keys_url": "keys{/key_id}",
            "labels_url": "labels{/name}", "languages_url": "languages", "merges_url": "merges",
            "milestones_url": "milestones{/number}", "notifications_url": "notifications{?since,all,participating}",
            "pulls_url": "pulls{/number}", "releases_url": "releases{/id}", "stargazers_url": "stargazers",
            "statuses_url": "statuses/{sha}", "subscribers_url": "subscribers", "subscription_url": "subscription",
            "tags_url": "tags", "teams_url": "teams", "trees_url": "git/trees{/sha}",
        }.items()}
        host = self.web.split("://", 1)[-1]
        return {
            "id": stable_id("repo", repo.full_name), "node_id": f"R_{stable_id('repo', repo.full_name)}",
            "name": repo.name, "full_name": repo.full_name, "private": private, "owner": self.user(repo.owner),
            "html_url": web, "description": data.get("description"), "fork": bool(data.get("fork_of")),
            "url": url, **urls, "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git", "clone_url": f"{web}.git", "svn_url": web,
            "mirror_url": None, "homepage": None,
            "created_at": iso(oldest - 365 * 86400), "updated_at": iso(newest), "pushed_at": iso(newest),
            "size": 1024, "stargazers_count": data.get("stars", 0), "watchers_count": data.get("stars", 0),
            "language": data.get("language"), "has_issues": True, "has_projects": True, "has_wiki": True,
            "has_pages": False, "has_downloads": True, "has_discussions": False,
            "forks_count": 0, "archived": False, "disabled": False, "open_issues_count": open_count,
            "license": None, "topics": [], "visibility": "private" if private else "public", "forks": 0,
            "open_issues": open_count, "watchers": data.get("stars", 0), "default_branch": repo.default_branch,
            "network_count": 0, "subscribers_count": 0,
            "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        }

    def label(self, repo: Repo, label: str | dict, index: int = 0) -> dict:
        """A label; one the world gives without a name has none here either (the issues API allows that)."""
        name = label_name(label)
        key = name if name is not None else f"#{index}"
        data = {
            "id": stable_id("label", repo.full_name, key), "node_id": f"LA_{stable_id('label', key)}",
            "url": f"{self.repo_url(repo)}/labels/{(name or '').replace(' ', '%20')}", "name": name,
            "color": (label.get("color") if isinstance(label, dict) else None) or DEFAULT_LABELS.get(name or "",
                                                                                                     "ededed"),
            # the description of `pull-request-simple` labels is a string, never null: "" when there is none
            "default": name in DEFAULT_LABELS, "description": DEFAULT_DESCRIPTIONS.get(name or "", ""),
        }
        if name is None:
            del data["name"]
        return data

    def labels(self, repo: Repo) -> list[dict]:
        used = [label_name(label) for item in repo.pulls() + repo.issues() for label in item.get("labels") or []]
        return [self.label(repo, name) for name in sorted({*DEFAULT_LABELS, *(n for n in used if n)})]

    # -- pull requests and issues ----------------------------------------------------------------
    def _branch(self, repo: Repo, ref: str, sha: str, owner: str | None = None) -> dict:
        """A PR's `head` or `base`: a fork's head is labelled and owned by the fork's owner."""
        where = self.fork_of(repo, owner) if owner else repo
        return {"label": f"{where.owner}:{ref}", "ref": ref, "sha": sha, "user": self.user(where.owner),
                "repo": self.repo(where)}

    def mergeable_state(self, repo: Repo, pull: dict) -> str:
        if pull["state"] != "open":
            return "unknown"
        if pull.get("draft"):
            return "draft"
        if pull.get("mergeable") is False:
            return "dirty"
        if pull.get("behind_by"):
            return "behind"
        decision = repo.decision(pull)
        if decision == "changes_requested" or (decision == "required"):
            return "blocked"
        if check_state(list((pull.get("checks") or {}).values())) in ("failure", "pending"):
            return "unstable"
        return "clean"

    def _closed_at(self, item: dict) -> float | None:
        if item["state"] != "closed":
            return None
        return item.get("closed_at") or item["at"]

    def base_sha(self, repo: Repo, pull: dict) -> str:
        base_commits = repo.commits_on(pull["base"])
        return base_commits[0]["sha"] if base_commits else fake_sha(pull["base"])

    def pull(self, repo: Repo, pull: dict, full: bool = False) -> dict:
        """A `pull-request-simple` (lists), or with `full` a `pull-request` (GET of one PR)."""
        url = f"{self.repo_url(repo)}/pulls/{pull['number']}"
        html = f"{self.web}/{repo.full_name}/pull/{pull['number']}"
        issue = f"{self.repo_url(repo)}/issues/{pull['number']}"
        merged = bool(pull.get("merged"))
        closed_at = self._closed_at(pull)
        statuses = f"{self.repo_url(repo)}/statuses/{repo.head_sha(pull)}"
        data = {
            "url": url, "id": stable_id("pull", repo.full_name, pull["number"]),
            "node_id": f"PR_{stable_id('pull', repo.full_name, pull['number'])}", "html_url": html,
            "diff_url": f"{html}.diff", "patch_url": f"{html}.patch", "issue_url": issue, "number": pull["number"],
            "state": pull["state"], "locked": False, "title": pull["title"], "user": self.user(pull["user"]),
            "body": pull.get("body"),
            "labels": [self.label(repo, label) for label in pull.get("labels") or []],
            "milestone": None, "active_lock_reason": None, "created_at": iso(pull["at"]),
            "updated_at": iso(closed_at or pull["at"]), "closed_at": iso(closed_at),
            "merged_at": iso(closed_at) if merged else None,
            "merge_commit_sha": fake_sha("merge", repo.full_name, pull["number"]) if merged else None,
            "assignee": None, "assignees": [],
            "requested_reviewers": [self.user(login) for login in pull.get("requested_reviewers") or []],
            "requested_teams": [], "draft": bool(pull.get("draft")),
            "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.repo_url(repo)}/pulls/comments{{/number}}",
            "comments_url": f"{issue}/comments", "statuses_url": statuses,
            "head": self._branch(repo, pull["head"], repo.head_sha(pull), repo.head_owner(pull)),
            "base": self._branch(repo, pull["base"], self.base_sha(repo, pull)),
            "_links": {"self": {"href": url}, "html": {"href": html}, "issue": {"href": issue},
                       "comments": {"href": f"{issue}/comments"}, "review_comments": {"href": f"{url}/comments"},
                       "review_comment": {"href": f"{self.repo_url(repo)}/pulls/comments{{/number}}"},
                       "commits": {"href": f"{url}/commits"}, "statuses": {"href": statuses}},
            "author_association": "NONE" if is_bot(pull["user"]) else "CONTRIBUTOR" if pull.get("fork") else "MEMBER",
            "auto_merge": None,
        }
        if full:  # only the single-PR endpoint computes these, as on GitHub
            data.update({
                "merged": merged, "mergeable": None if pull["state"] != "open" else pull.get("mergeable", True),
                "rebaseable": None if pull["state"] != "open" else pull.get("mergeable", True),
                "mergeable_state": self.mergeable_state(repo, pull),
                "merged_by": self.user(pull["merged_by"]) if merged and pull.get("merged_by") else None,
                "comments": 0, "review_comments": 0, "maintainer_can_modify": bool(pull.get("fork")), "commits": 1,
                "additions": 10, "deletions": 2, "changed_files": 1,
            })
        return overridden(data, pull)

    def issue(self, repo: Repo, item: dict, is_pull: bool = False) -> dict:
        """An issue as the issues and search APIs show it; a pull request there carries `pull_request`."""
        base = f"{self.repo_url(repo)}/issues/{item['number']}"
        closed_at = self._closed_at(item)
        kind = "pull" if is_pull else "issues"
        assignees = [self.user(login) for login in item.get("assignees") or []]
        data = {
            "url": base, "repository_url": self.repo_url(repo), "labels_url": f"{base}/labels{{/name}}",
            "comments_url": f"{base}/comments", "events_url": f"{base}/events",
            "html_url": f"{self.web}/{repo.full_name}/{kind}/{item['number']}",
            "id": stable_id(kind, repo.full_name, item["number"]),
            "node_id": f"I_{stable_id(kind, repo.full_name, item['number'])}", "number": item["number"],
            "title": item["title"], "user": self.user(item["user"]),
            "labels": [self.label(repo, label, index) for index, label in enumerate(item.get("labels") or [])],
            "state": item["state"], "locked": False, "assignee": assignees[0] if assignees else None,
            "assignees": assignees, "milestone": None, "comments": item.get("comments", 0),
            "created_at": iso(item["at"]), "updated_at": iso(closed_at or item["at"]), "closed_at": iso(closed_at),
            "author_association": "NONE" if is_bot(item["user"]) else "MEMBER", "active_lock_reason": None,
            "body": item.get("body"), "state_reason": ("completed" if item["state"] == "closed" else None),
            "timeline_url": f"{base}/timeline", "performed_via_github_app": None,
        }
        if is_pull:
            merged = bool(item.get("merged"))
            data["draft"] = bool(item.get("draft"))
            data["pull_request"] = {
                "url": f"{self.repo_url(repo)}/pulls/{item['number']}",
                "html_url": f"{self.web}/{repo.full_name}/pull/{item['number']}",
                "diff_url": f"{self.web}/{repo.full_name}/pull/{item['number']}.diff",
                "patch_url": f"{self.web}/{repo.full_name}/pull/{item['number']}.patch",
                "merged_at": iso(closed_at) if merged else None,
            }
        return overridden(data, item)

    def reviews(self, repo: Repo, pull: dict) -> list[dict]:
        html = f"{self.web}/{repo.full_name}/pull/{pull['number']}"
        pull_url = f"{self.repo_url(repo)}/pulls/{pull['number']}"
        result = []
        for index, review in enumerate(pull.get("reviews") or []):
            review_id = stable_id("review", repo.full_name, pull["number"], index)
            result.append({
                "id": review_id, "node_id": f"PRR_{review_id}", "user": self.user(review["user"]), "body": "",
                "state": review["state"], "html_url": f"{html}#pullrequestreview-{review_id}",
                "pull_request_url": pull_url,
                "_links": {"html": {"href": f"{html}#pullrequestreview-{review_id}"},
                           "pull_request": {"href": pull_url}},
                "author_association": "MEMBER", "submitted_at": iso(pull["at"] + 600 * (index + 1)),
                "commit_id": repo.head_sha(pull),
            })
        return result

    # -- checks ----------------------------------------------------------------------------------
    def app(self) -> dict:
        """GitHub Actions, the app behind the check runs (an `integration`)."""
        return {
            "id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=", "owner": self.user("github"),
            "name": "GitHub Actions", "description": "Automate your workflow from idea to production",
            "external_url": "https://help.github.com/en/actions", "html_url": f"{self.web}/apps/github-actions",
            "created_at": "2018-07-30T09:30:17Z", "updated_at": "2019-12-10T19:04:12Z",
            "permissions": {"actions": "write", "checks": "write", "contents": "write", "metadata": "read"},
            "events": ["check_run", "check_suite", "pull_request", "push", "workflow_dispatch"],
        }

    def check_run(self, repo: Repo, name: str, conclusion: str, sha: str, at: float, pulls: list[dict],
                  shown: dict | None = None) -> dict:
        """A check run; `shown`: the world item whose `check_nulls` / `check_absent` apply to it."""
        check_id = stable_id("check", repo.full_name, sha, name)
        pending = conclusion in PENDING
        status = conclusion if conclusion in ("queued", "in_progress") else "in_progress" if pending else "completed"
        data = {
            "id": check_id, "head_sha": sha, "node_id": f"CR_{check_id}", "external_id": str(check_id),
            "url": f"{self.repo_url(repo)}/check-runs/{check_id}",
            "html_url": f"{self.web}/{repo.full_name}/runs/{check_id}",
            "details_url": f"{self.web}/{repo.full_name}/runs/{check_id}", "status": status,
            "conclusion": None if pending else conclusion, "started_at": iso(at),
            "completed_at": None if pending else iso(at + 300),
            "output": {"title": None if pending else f"{name}: {conclusion}", "summary": None, "text": None,
                       "annotations_count": 0,
                       "annotations_url": f"{self.repo_url(repo)}/check-runs/{check_id}/annotations"},
            "name": name, "check_suite": {"id": stable_id("suite", repo.full_name, sha)},
            "app": self.app(), "pull_requests": [self.pull_ref(repo, p) for p in pulls if not p.get("fork")],
        }
        return overridden(data, shown or {}, "check_nulls", "check_absent")

    def pull_ref(self, repo: Repo, pull: dict) -> dict:
        """The short PR reference inside check runs and workflow runs (GitHub lists only same-repository PRs)."""
        mini = {"id": stable_id("repo", repo.full_name), "url": self.repo_url(repo), "name": repo.name}
        return {
            "id": stable_id("pull", repo.full_name, pull["number"]), "number": pull["number"],
            "url": f"{self.repo_url(repo)}/pulls/{pull['number']}",
            "head": {"ref": pull["head"], "sha": repo.head_sha(pull), "repo": mini},
            "base": {"ref": pull["base"], "sha": self.base_sha(repo, pull), "repo": mini},
        }

    # -- releases and commits --------------------------------------------------------------------
    def release(self, repo: Repo, release: dict) -> dict:
        release_id = stable_id("release", repo.full_name, release["tag"])
        url = f"{self.repo_url(repo)}/releases/{release_id}"
        return {
            "url": url, "html_url": f"{self.web}/{repo.full_name}/releases/tag/{release['tag']}",
            "assets_url": f"{url}/assets", "upload_url": f"{url}/assets{{?name,label}}",
            "tarball_url": f"{self.repo_url(repo)}/tarball/{release['tag']}",
            "zipball_url": f"{self.repo_url(repo)}/zipball/{release['tag']}", "id": release_id,
            "node_id": f"RE_{release_id}", "tag_name": release["tag"], "target_commitish": repo.default_branch,
            "name": release.get("name") or release["tag"], "body": release.get("body") or "",
            "draft": bool(release.get("draft")), "prerelease": bool(release.get("prerelease")),
            "created_at": iso(release["at"]), "published_at": None if release.get("draft") else iso(release["at"]),
            "author": self.user(release.get("author") or repo.owner), "assets": [],
        }

    def commit(self, repo: Repo, commit: dict) -> dict:
        url = f"{self.repo_url(repo)}/commits/{commit['sha']}"
        login = commit["author"]
        person = {"name": self.world.names.get(login) or login, "email": f"{login}@users.noreply.example",
                  "date": iso(commit["at"])}
        return {
            "sha": commit["sha"], "node_id": f"C_{commit['sha'][:12]}",
            "commit": {"author": person, "committer": person, "message": commit["message"],
                       "tree": {"sha": fake_sha("tree", commit["sha"]),
                                "url": f"{self.repo_url(repo)}/git/trees/{fake_sha('tree', commit['sha'])}"},
                       "url": f"{self.repo_url(repo)}/git/commits/{commit['sha']}", "comment_count": 0,
                       "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                        "payload": None, "verified_at": None}},
            "url": url, "html_url": f"{self.web}/{repo.full_name}/commit/{commit['sha']}",
            "comments_url": f"{url}/comments", "author": self.user(login), "committer": self.user(login),
            "parents": [],
        }

    # -- workflow runs ---------------------------------------------------------------------------
    def run_pulls(self, repo: Repo, run: dict) -> list[dict]:
        if run.get("pull_request"):
            pull = repo.pull(run["pull_request"])
            return [pull] if pull else []
        if run["event"].startswith("pull_request"):
            return [p for p in repo.pulls() if p["head"] == run["head_branch"] and p["state"] == "open"][:1]
        return []

    def run_sha(self, repo: Repo, run: dict) -> str:
        if run.get("head_sha"):
            return run["head_sha"]
        pulls = self.run_pulls(repo, run)
        if pulls:
            return repo.head_sha(pulls[0])
        commits = [c for c in repo.commits_on(run["head_branch"]) if c["at"] <= run["at"] + 60]
        return commits[0]["sha"] if commits else fake_sha("run", repo.full_name, run["id"])

    def workflow_run(self, repo: Repo, run: dict) -> dict:
        url = f"{self.repo_url(repo)}/actions/runs/{run['id']}"
        pulls = self.run_pulls(repo, run)
        sha = self.run_sha(repo, run)
        same = sorted((r for r in repo.data.get("workflow_runs") or [] if r["name"] == run["name"]),
                      key=lambda r: r["at"])
        commit = next((c for c in repo.data.get("commits") or [] if c["sha"] == sha), None)
        title = pulls[0]["title"] if pulls else commit["message"] if commit else run["name"]
        slug = run["name"].lower().replace(" ", "-")
        workflow_id = stable_id("workflow", repo.full_name, run["name"])
        actor = self.user(pulls[0]["user"] if pulls else commit["author"] if commit else repo.owner)
        completed = run["status"] == "completed"
        fork = next((p["fork"] for p in pulls if p.get("fork")), None)
        head_repo = self.repo(self.fork_of(repo, fork) if fork else repo)
        data = {
            "id": run["id"], "name": run["name"], "node_id": f"WFR_{run['id']}", "head_branch": run["head_branch"],
            "head_sha": sha, "path": f".github/workflows/{slug}.yml", "display_title": title,
            "run_number": same.index(run) + 1, "event": run["event"], "status": run["status"],
            "conclusion": run.get("conclusion") if completed else None, "workflow_id": workflow_id,
            "check_suite_id": stable_id("suite", repo.full_name, sha), "url": url,
            "html_url": f"{self.web}/{repo.full_name}/actions/runs/{run['id']}",
            # GitHub lists only the PRs whose head is in this repository: a fork's PR run has none
            "pull_requests": [self.pull_ref(repo, p) for p in pulls if not p.get("fork")],
            "created_at": iso(run["at"]), "updated_at": iso(run["at"] + (300 if completed else 0)),
            "actor": actor, "triggering_actor": actor, "run_attempt": 1, "run_started_at": iso(run["at"]),
            "jobs_url": f"{url}/jobs", "logs_url": f"{url}/logs", "check_suite_url":
                f"{self.repo_url(repo)}/check-suites/{stable_id('suite', repo.full_name, sha)}",
            "artifacts_url": f"{url}/artifacts", "cancel_url": f"{url}/cancel", "rerun_url": f"{url}/rerun",
            "previous_attempt_url": None,
            "workflow_url": f"{self.repo_url(repo)}/actions/workflows/{workflow_id}",
            "head_commit": {"id": sha, "tree_id": fake_sha("tree", sha), "message": title,
                            "timestamp": iso(run["at"]), "author": {"name": actor["login"], "email": ""},
                            "committer": {"name": actor["login"], "email": ""}},
            "repository": self.repo(repo), "head_repository": head_repo,
        }
        return overridden(data, run)
