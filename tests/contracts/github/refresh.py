"""Refresh `openapi_subset.json`: the parts of GitHub's official OpenAPI description that opsbot uses.

Source: the npm package `@octokit/openapi` (MIT licence, (c) Octokit contributors), which publishes the
descriptions of github/rest-api-description (MIT licence, (c) GitHub, Inc.) with Octokit's `x-octokit`
extension. Only the GET operations the GitHub facade (backends/github/service.py) and the sandbox's served
paths call are kept, each with its 200 response's schema and examples, plus every component schema and example
they refer to (transitively); descriptions of operations are dropped, schemas are kept as published.

Not run by the tests (they read the JSON); a maintainer runs it after `npm pack @octokit/openapi@VERSION`:

    tar xzf octokit-openapi-VERSION.tgz package/generated/api.github.com.json package/package.json
    .venv/bin/python -m tests.contracts.github.refresh package/generated/api.github.com.json package/package.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = HERE / "openapi_subset.json"

# (path, operationId): every GET opsbot's GitHub facade makes, and the lists the sandbox serves alongside.
OPERATIONS = [
    ("/search/issues", "search/issues-and-pull-requests"),
    ("/repos/{owner}/{repo}/pulls", "pulls/list"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/list-reviews"),
    ("/repos/{owner}/{repo}/compare/{basehead}", "repos/compare-commits-with-basehead"),
    ("/repos/{owner}/{repo}/commits/{ref}/check-runs", "checks/list-for-ref"),
    ("/repos/{owner}/{repo}/commits/{ref}/status", "repos/get-combined-status-for-ref"),
    ("/repos/{owner}/{repo}/actions/runs", "actions/list-workflow-runs-for-repo"),
    ("/repos/{owner}/{repo}/releases", "repos/list-releases"),
    ("/repos/{owner}/{repo}/releases/latest", "repos/get-latest-release"),
    ("/repos/{owner}/{repo}/releases/tags/{tag}", "repos/get-release-by-tag"),
    ("/repos/{owner}/{repo}", "repos/get"),
    ("/orgs/{org}/repos", "repos/list-for-org"),
    ("/user/repos", "repos/list-for-authenticated-user"),
    ("/orgs/{org}/members", "orgs/list-members"),
    ("/users/{username}", "users/get-by-username"),
    ("/repos/{owner}/{repo}/issues/{issue_number}", "issues/get"),
    ("/repos/{owner}/{repo}/commits", "repos/list-commits"),
    ("/repos/{owner}/{repo}/labels", "issues/list-labels-for-repo"),
    ("/repos/{owner}/{repo}/branches", "repos/list-branches"),
    ("/repos/{owner}/{repo}/contributors", "repos/list-contributors"),
]


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def subset(spec: dict, package: dict) -> dict:
    operations: dict[str, dict] = {}
    for path, operation_id in OPERATIONS:
        operation = spec["paths"][path]["get"]
        if operation["operationId"] != operation_id:
            raise SystemExit(f"{path}: operationId is {operation['operationId']}, expected {operation_id}")
        ok = operation["responses"]["200"]
        ok = spec["components"]["responses"][ok["$ref"].split("/")[-1]] if "$ref" in ok else ok
        content = ok["content"]["application/json"]
        operations[operation_id] = {
            "path": path, "method": "get", "summary": operation.get("summary", ""),
            "docs": (operation.get("externalDocs") or {}).get("url", ""),
            "schema": content["schema"], "examples": content.get("examples") or {},
        }
    components: dict[str, dict] = {"schemas": {}, "examples": {}}
    pending = _refs(operations)
    while pending:
        ref = pending.pop()
        _, _, kind, name = ref.split("/")
        if name in components[kind]:
            continue
        components[kind][name] = spec["components"][kind][name]
        pending |= _refs(components[kind][name])
    return {
        "x-source": {
            "package": f"{package['name']}@{package['version']}",
            "file": "generated/api.github.com.json",
            "upstream": "https://github.com/github/rest-api-description (descriptions/api.github.com)",
            "licence": "MIT (c) Octokit contributors; upstream descriptions MIT (c) GitHub, Inc.",
            "openapi": spec["openapi"], "info_version": spec["info"]["version"],
            "kept": "the GET operations listed in refresh.py OPERATIONS, their 200 responses and the components "
                    "they refer to",
        },
        "operations": operations,
        "components": {kind: dict(sorted(items.items())) for kind, items in components.items()},
    }


def main(argv: list[str]) -> None:
    spec = json.loads(Path(argv[0]).read_text())
    package = json.loads(Path(argv[1]).read_text())
    TARGET.write_text(json.dumps(subset(spec, package), indent=1, sort_keys=False) + "\n")
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
