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


def review_decision(pull: dict) -> str:
    """approved / changes_requested / required (nobody approved yet), from each reviewer's latest review."""
    latest: dict[str, str] = {}
    for review in pull.get("reviews") or []:
        if review["state"] != "COMMENTED":
            latest[review["user"]] = review["state"]
    if "CHANGES_REQUESTED" in latest.values():
        return "changes_requested"
    if "APPROVED" in latest.values():
        return "approved"
    return "required"


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
            pull = next((p for p in self.pulls() if p["head"] == branch), None)
            if pull is not None:
                found = [{"sha": self.head_sha(pull), "author": pull["user"], "message": pull["title"],
                          "at": pull["at"], "branch": branch}]
        return sorted(found, key=lambda c: -c["at"])

    def branches(self) -> set[str]:
        names = {self.default_branch}
        names.update(c.get("branch") or self.default_branch for c in self.data.get("commits") or [])
        names.update(p["head"] for p in self.pulls())
        names.update(r["head_branch"] for r in self.data.get("workflow_runs") or [])
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
    """JSON builders for one request: `origin` is the base of every API and web URL in the answer."""

    def __init__(self, world: GitHubWorld, origin: str) -> None:
        self.world = world
        self.api = origin
        self.web = origin

    # -- people ----------------------------------------------------------------------------------
    def user(self, login: str) -> dict:
        bot = is_bot(login)
        org = self.world.org(login)
        kind = "Bot" if bot else "Organization" if org else "User"
        return {
            "login": login, "id": stable_id("user", login), "node_id": f"U_{stable_id('user', login)}",
            "avatar_url": f"{self.web}/avatars/{login}", "gravatar_id": "",
            "url": f"{self.api}/users/{login}",
            "html_url": f"{self.web}/apps/{login[:-5]}" if bot else f"{self.web}/{login}",
            "repos_url": f"{self.api}/users/{login}/repos", "type": kind, "site_admin": False,
        }

    def user_full(self, login: str) -> dict:
        name = self.world.names.get(login)
        created = self.world.started_at - 3 * 365 * 86400
        return {
            **self.user(login), "name": name, "company": None, "blog": "", "location": None, "email": None,
            "bio": None, "public_repos": 0, "followers": 0, "following": 0,
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

    def repo(self, repo: Repo) -> dict:
        data, url, times = repo.data, self.repo_url(repo), repo.times()
        newest = max(times) if times else self.world.started_at - 86400
        oldest = min(times) if times else newest
        open_count = sum(1 for x in repo.pulls() + repo.issues() if x["state"] == "open")
        private = bool(data.get("private"))
        return {
            "id": stable_id("repo", repo.full_name), "node_id": f"R_{stable_id('repo', repo.full_name)}",
            "name": repo.name, "full_name": repo.full_name, "private": private, "owner": self.user(repo.owner),
            "html_url": f"{self.web}/{repo.full_name}", "description": data.get("description"), "fork": False,
            "url": url, "pulls_url": f"{url}/pulls{{/number}}", "issues_url": f"{url}/issues{{/number}}",
            "commits_url": f"{url}/commits{{/sha}}", "releases_url": f"{url}/releases{{/id}}",
            "labels_url": f"{url}/labels{{/name}}", "statuses_url": f"{url}/statuses/{{sha}}",
            "clone_url": f"{self.web}/{repo.full_name}.git", "homepage": None,
            "created_at": iso(oldest - 365 * 86400), "updated_at": iso(newest), "pushed_at": iso(newest),
            "size": 1024, "stargazers_count": data.get("stars", 0), "watchers_count": data.get("stars", 0),
            "language": data.get("language"), "has_issues": True, "has_projects": True, "has_wiki": True,
            "forks_count": 0, "archived": False, "disabled": False, "open_issues_count": open_count,
            "topics": [], "visibility": "private" if private else "public", "forks": 0,
            "open_issues": open_count, "watchers": data.get("stars", 0), "default_branch": repo.default_branch,
            "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        }

    def label(self, repo: Repo, name: str) -> dict:
        return {
            "id": stable_id("label", repo.full_name, name), "node_id": f"LA_{stable_id('label', name)}",
            "url": f"{self.repo_url(repo)}/labels/{name.replace(' ', '%20')}", "name": name,
            "color": DEFAULT_LABELS.get(name, "ededed"), "default": name in DEFAULT_LABELS, "description": None,
        }

    def labels(self, repo: Repo) -> list[dict]:
        used = [name for item in repo.pulls() + repo.issues() for name in item.get("labels") or []]
        return [self.label(repo, name) for name in sorted({*DEFAULT_LABELS, *used})]

    # -- pull requests and issues ----------------------------------------------------------------
    def _branch(self, repo: Repo, ref: str, sha: str) -> dict:
        return {"label": f"{repo.owner}:{ref}", "ref": ref, "sha": sha, "user": self.user(repo.owner),
                "repo": self.repo(repo)}

    def mergeable_state(self, repo: Repo, pull: dict) -> str:
        if pull["state"] != "open":
            return "unknown"
        if pull.get("draft"):
            return "draft"
        if pull.get("mergeable") is False:
            return "dirty"
        if pull.get("behind_by"):
            return "behind"
        if review_decision(pull) == "changes_requested":
            return "blocked"
        if check_state(list((pull.get("checks") or {}).values())) in ("failure", "pending"):
            return "unstable"
        return "clean"

    def _closed_at(self, item: dict) -> float | None:
        if item["state"] != "closed":
            return None
        return item.get("closed_at") or item["at"]

    def pull(self, repo: Repo, pull: dict, full: bool = False) -> dict:
        url = f"{self.repo_url(repo)}/pulls/{pull['number']}"
        html = f"{self.web}/{repo.full_name}/pull/{pull['number']}"
        merged = bool(pull.get("merged"))
        closed_at = self._closed_at(pull)
        base_commits = repo.commits_on(pull["base"])
        base_sha = base_commits[0]["sha"] if base_commits else fake_sha(pull["base"])
        data = {
            "url": url, "id": stable_id("pull", repo.full_name, pull["number"]),
            "node_id": f"PR_{stable_id('pull', repo.full_name, pull['number'])}", "html_url": html,
            "diff_url": f"{html}.diff", "patch_url": f"{html}.patch",
            "issue_url": f"{self.repo_url(repo)}/issues/{pull['number']}", "number": pull["number"],
            "state": pull["state"], "locked": False, "title": pull["title"], "user": self.user(pull["user"]),
            "body": pull.get("body"), "labels": [self.label(repo, name) for name in pull.get("labels") or []],
            "milestone": None, "active_lock_reason": None, "created_at": iso(pull["at"]),
            "updated_at": iso(closed_at or pull["at"]), "closed_at": iso(closed_at),
            "merged_at": iso(closed_at) if merged else None,
            "merge_commit_sha": fake_sha("merge", repo.full_name, pull["number"]) if merged else None,
            "assignee": None, "assignees": [],
            "requested_reviewers": [self.user(login) for login in pull.get("requested_reviewers") or []],
            "requested_teams": [], "draft": bool(pull.get("draft")),
            "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "comments_url": f"{self.repo_url(repo)}/issues/{pull['number']}/comments",
            "statuses_url": f"{self.repo_url(repo)}/statuses/{repo.head_sha(pull)}",
            "head": self._branch(repo, pull["head"], repo.head_sha(pull)),
            "base": self._branch(repo, pull["base"], base_sha),
            "author_association": "NONE" if is_bot(pull["user"]) else "MEMBER", "auto_merge": None,
        }
        if full:  # only the single-PR endpoint computes these, as on GitHub
            data.update({
                "merged": merged, "mergeable": None if pull["state"] != "open" else pull.get("mergeable", True),
                "rebaseable": None if pull["state"] != "open" else pull.get("mergeable", True),
                "mergeable_state": self.mergeable_state(repo, pull),
                "merged_by": self.user(pull["merged_by"]) if merged and pull.get("merged_by") else None,
                "comments": 0, "review_comments": 0, "maintainer_can_modify": False, "commits": 1,
                "additions": 10, "deletions": 2, "changed_files": 1,
            })
        return data

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
            "labels": [self.label(repo, name) for name in item.get("labels") or []], "state": item["state"],
            "locked": False, "assignee": assignees[0] if assignees else None, "assignees": assignees,
            "milestone": None, "comments": item.get("comments", 0), "created_at": iso(item["at"]),
            "updated_at": iso(closed_at or item["at"]), "closed_at": iso(closed_at),
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
        return data

    def reviews(self, repo: Repo, pull: dict) -> list[dict]:
        html = f"{self.web}/{repo.full_name}/pull/{pull['number']}"
        result = []
        for index, review in enumerate(pull.get("reviews") or []):
            review_id = stable_id("review", repo.full_name, pull["number"], index)
            result.append({
                "id": review_id, "node_id": f"PRR_{review_id}", "user": self.user(review["user"]), "body": "",
                "state": review["state"], "html_url": f"{html}#pullrequestreview-{review_id}",
                "pull_request_url": f"{self.repo_url(repo)}/pulls/{pull['number']}",
                "author_association": "MEMBER", "submitted_at": iso(pull["at"] + 600 * (index + 1)),
                "commit_id": repo.head_sha(pull),
            })
        return result

    # -- checks ----------------------------------------------------------------------------------
    def check_run(self, repo: Repo, name: str, conclusion: str, sha: str, at: float, pulls: list[dict]) -> dict:
        check_id = stable_id("check", repo.full_name, sha, name)
        pending = conclusion in PENDING
        status = conclusion if conclusion in ("queued", "in_progress") else "in_progress" if pending else "completed"
        return {
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
            "app": {"id": 15368, "slug": "github-actions", "name": "GitHub Actions", "owner": self.user("github")},
            "pull_requests": [self.pull_ref(repo, p) for p in pulls],
        }

    def pull_ref(self, repo: Repo, pull: dict) -> dict:
        """The short PR reference inside check runs and workflow runs."""
        return {
            "id": stable_id("pull", repo.full_name, pull["number"]), "number": pull["number"],
            "url": f"{self.repo_url(repo)}/pulls/{pull['number']}",
            "head": {"ref": pull["head"], "sha": repo.head_sha(pull),
                     "repo": {"id": stable_id("repo", repo.full_name), "url": self.repo_url(repo),
                              "name": repo.name}},
            "base": {"ref": pull["base"], "sha": fake_sha(pull["base"]),
                     "repo": {"id": stable_id("repo", repo.full_name), "url": self.repo_url(repo),
                              "name": repo.name}},
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
                                        "payload": None}},
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
        return {
            "id": run["id"], "name": run["name"], "node_id": f"WFR_{run['id']}", "head_branch": run["head_branch"],
            "head_sha": sha, "path": f".github/workflows/{slug}.yml", "display_title": title,
            "run_number": same.index(run) + 1, "event": run["event"], "status": run["status"],
            "conclusion": run.get("conclusion") if completed else None, "workflow_id": workflow_id,
            "check_suite_id": stable_id("suite", repo.full_name, sha), "url": url,
            "html_url": f"{self.web}/{repo.full_name}/actions/runs/{run['id']}",
            "pull_requests": [self.pull_ref(repo, p) for p in pulls],
            "created_at": iso(run["at"]), "updated_at": iso(run["at"] + (300 if completed else 0)),
            "actor": actor, "triggering_actor": actor, "run_attempt": 1, "run_started_at": iso(run["at"]),
            "jobs_url": f"{url}/jobs", "logs_url": f"{url}/logs", "check_suite_url":
                f"{self.repo_url(repo)}/check-suites/{stable_id('suite', repo.full_name, sha)}",
            "artifacts_url": f"{url}/artifacts", "cancel_url": f"{url}/cancel", "rerun_url": f"{url}/rerun",
            "workflow_url": f"{self.repo_url(repo)}/actions/workflows/{workflow_id}",
            "head_commit": {"id": sha, "tree_id": fake_sha("tree", sha), "message": title,
                            "timestamp": iso(run["at"]), "author": {"name": actor["login"], "email": ""},
                            "committer": {"name": actor["login"], "email": ""}},
            "repository": {"id": stable_id("repo", repo.full_name), "name": repo.name,
                           "full_name": repo.full_name, "url": self.repo_url(repo),
                           "html_url": f"{self.web}/{repo.full_name}", "owner": self.user(repo.owner)},
        }
