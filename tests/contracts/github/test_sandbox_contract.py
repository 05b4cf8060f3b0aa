"""Every answer the fake GitHub gives on the paths opsbot uses fits GitHub's official OpenAPI description
(openapi_subset.json): for each world that has a `github:` section, every repository, PR, issue, commit, run,
release, user and search the facade can ask about."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.world import load_world
from tests.contracts.github import openapi
from tests.contracts.github.served import pull_refs, requests_for, serve
from tests.support.sandbox import ROOT, TEST_CREDENTIALS, WORLDS

GITHUB_WORLDS = [path for path in [*sorted(WORLDS.glob("*.yaml")), ROOT / "tests" / "worlds" / "hostile.yaml"]
                 if (load_world(path).get("github") or {}).get("repos")]
# What GitHub answers without a body of the operation's schema: no latest release (404), an empty repository's
# contributors (204).
NO_BODY = {("repos/get-latest-release", 404), ("repos/list-contributors", 204)}


def test_the_description_is_named_and_the_validator_can_fail() -> None:
    source = openapi.description()["x-source"]
    assert source["package"].startswith("@octokit/openapi@") and "MIT" in source["licence"]
    # (GitHub's own example lists a team without its `type`, which the schema requires: left out here)
    pull = {**openapi.examples("pulls/get")["default"], "requested_teams": []}
    assert openapi.errors("pulls/get", pull) == []
    assert openapi.errors("pulls/get", {**pull, "user": None})  # a PR's author is never null
    assert openapi.errors("pulls/get", {k: v for k, v in pull.items() if k != "head"})
    assert openapi.errors("issues/get", {**openapi.examples("issues/get")["default"], "user": None}) == []


@pytest.fixture(scope="module", params=GITHUB_WORLDS, ids=lambda path: path.name)
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Path, dict, object]]:
    path: Path = request.param
    sandbox = serve(path)
    yield path, load_world(path), sandbox
    sandbox.stop_thread()


def test_every_served_answer_fits_the_description(world) -> None:
    path, data, sandbox = world
    headers = {"Authorization": f"token {TEST_CREDENTIALS['GITHUB_TOKEN']}"}
    broken, asked = [], {}
    for operation_id, url_path, query in [*requests_for(data), *pull_refs(sandbox, data)]:
        response = requests.get(sandbox.url("github") + url_path, params=query, headers=headers, timeout=10)
        asked[operation_id] = asked.get(operation_id, 0) + 1
        if (operation_id, response.status_code) in NO_BODY:
            continue
        if response.status_code != 200:
            broken.append(f"{url_path}: HTTP {response.status_code}")
            continue
        broken += [f"{url_path} ({operation_id}) {error}" for error in openapi.errors(operation_id, response.json())]
    assert not broken, f"{path.name}: {len(broken)} answers break GitHub's description:\n" + "\n".join(broken[:20])
    served = set(asked) | {"repos/get-release-by-tag"}  # a world may have no release
    assert served >= set(openapi.description()["operations"]) - {"repos/get-release-by-tag"}
