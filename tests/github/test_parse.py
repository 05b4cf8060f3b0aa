"""Reading GitHub questions: numbers, people and roles, filters, labels, branches, leftover name words."""

from __future__ import annotations

import pytest

from backends.github import words as parse


@pytest.mark.parametrize(("text", "entity", "bare", "expected"), [
    ("what's going on with PR 215", None, False, 215),
    ("status of #212?", None, False, 212),
    ("pull request 1042 please", None, False, 1042),
    ("is 88 mergeable", None, True, 88),
    ("is 88 mergeable", None, False, None),
    ("last 5 commits", None, True, None),
    ("release v3.2.0", None, True, None),
    ("anything", "#77", False, 77),
    ('/github_pr_status{"github_number":"41"}', None, True, None),
])
def test_numbers(text: str, entity: str | None, bare: bool, expected: int | None) -> None:
    assert parse.number(text, entity, bare=bare) == expected


def test_counts() -> None:
    assert parse.count("last 5 commits on main", 10) == 5
    assert parse.count("show 3 latest commits", 10) == 3
    assert parse.count("commits in the last 3 days", 10) == 10
    assert parse.count("last 500 commits", 10) == 20


def test_me_is_not_show_me() -> None:
    assert parse.mentions_me("which PRs are waiting on my review?")
    assert parse.mentions_me("issues assigned to me")
    assert not parse.mentions_me("show me open PRs")


def test_person_mentions_and_strength() -> None:
    assert parse.person_mentions("dan's PRs", None) == [("dan", True)]
    assert parse.person_mentions("PRs waiting on review from adam", None) == [("adam", True)]
    assert parse.person_mentions("open PRs on spring-petclinic", None, "petclinic/spring-petclinic") == []
    assert parse.person_mentions("PRs for staging", None) == [("staging", False)]
    assert parse.person_mentions("ping @dan-dev", "Dan") == [("Dan", True), ("dan-dev", True)]
    assert parse.person_mentions("which PRs is Chidi supposed to review", None) == [("Chidi", True)]


@pytest.mark.parametrize(("text", "said", "default", "role"), [
    ("PRs waiting on review from adam", "adam", "author", "reviewer"),
    ("which PRs are waiting on Chidi?", "Chidi", "author", "reviewer"),
    ("what does adam need to review", "adam", "author", "reviewer"),
    ("which PRs is Chidi supposed to review", "Chidi", "author", "reviewer"),
    ("anything in sara's review queue", "sara", "author", "reviewer"),
    ("PRs reviewed by paulo", "paulo", "author", "reviewed_by"),
    ("dan's PRs", "dan", "author", "author"),
    ("issues opened by tom", "tom", "assignee", "author"),
    ("issues assigned to tom", "tom", "author", "assignee"),
    ("what's on Maria's plate?", "Maria", "author", "assignee"),
])
def test_person_roles(text: str, said: str, default: str, role: str) -> None:
    assert parse.person_role(text, said, default) == role


def test_pull_filters() -> None:
    assert parse.pull_filters("open PRs with failing checks") == {"state": "open", "checks": "failure"}
    assert parse.pull_filters("which PRs are waiting on review?") == {"review": "waiting"}
    assert parse.pull_filters("merged pull requests") == {"state": "merged"}
    assert parse.pull_filters("list draft PRs") == {"draft": True}
    assert parse.pull_filters("prs with changes requested")["review"] == "changes_requested"
    assert parse.pull_filters('/github_pull_requests{"github_repo":"x"}') == {}


def test_labels_read_from_the_repository_list() -> None:
    labels = ["bug", "documentation", "good first issue", "priority: high", "type: security"]
    assert parse.labels_in("any open bugs in spring-petclinic?", labels) == ["bug"]
    assert parse.labels_in("good first issues", labels) == ["good first issue"]
    assert parse.labels_in("high priority bugs", labels) == ["bug", "priority: high"]
    assert parse.labels_in("security issues", labels) == ["type: security"]
    assert parse.labels_in("open issues", labels) == []
    assert parse.labels_in("docs issues", labels) == ["documentation"]


@pytest.mark.parametrize(("text", "mode"), [
    ("latest release of spring-petclinic", "latest"),
    ("is there a release candidate?", "prerelease"),
    ("any rc2 out?", "prerelease"),
    ("list releases", "list"),
    ("last 3 releases", "list"),
    ("what's the last release", "latest"),
])
def test_release_modes(text: str, mode: str) -> None:
    assert parse.release_mode(text) == mode


@pytest.mark.parametrize(("text", "mode"), [
    ("is CI green on main?", "verdict"),
    ("is ci red on main", "verdict"),
    ("which workflow runs failed?", "failed"),
    ("what workflows are running right now", "running"),
    ("show the workflow runs for main", "list"),
    ("same for card-vault", ""),
])
def test_run_modes(text: str, mode: str) -> None:
    assert parse.runs_mode(text) == mode


@pytest.mark.parametrize(("text", "expected"), [
    ("what changed on main today?", "main"),
    ("commits on the develop branch", "develop"),
    ("runs for branch fix/owner-update", "fix/owner-update"),
    ("is ci green on trunk in card-vault", "trunk"),
    ("commits on spring-petclinic", None),
    ("runs of feature/vet-search", "feature/vet-search"),
])
def test_branches(text: str, expected: str | None) -> None:
    assert parse.branch(text) == expected


def test_name_words_leave_only_what_may_name_a_repo() -> None:
    assert parse.name_words("show me open PRs on spring-petclinic") == "spring petclinic"
    assert parse.name_words("what's the latest release?") == ""
    assert parse.name_words("what changed on main since monday", ["since monday"]) == ""
    assert parse.name_words("is there an rc for the infra repo") == "infra"
    assert parse.looks_like_name("Maria Fernandes") and not parse.looks_like_name("spring-petclinic")


# -- acceptance findings: follow-ups, write requests, unknown names, ages, authors ---------------------------------
@pytest.mark.parametrize(("text", "about"), [
    ("who still needs to review it?", True),
    ("and its checks?", True),
    ("CI runs for it", True),
    ("what about that PR", True),
    ("which PRs need review?", False),
    ("any PRs like it?", False),
    ("whats up with PR 87", False),
])
def test_about_it_means_the_one_thing_talked_about(text: str, about: bool) -> None:
    assert parse.about_it(text) is about


@pytest.mark.parametrize(("text", "verb"), [
    ("merge PR 85", "merge"),
    ("please merge it", "merge"),
    ("@opsbot approve #41", "approve"),
    ("can you rerun the failed workflow", "rerun"),
    ("close issue 86", "close"),
    ("can 85 be merged?", ""),
    ("merged PRs this week", ""),
    ("is #212 mergeable?", ""),
])
def test_write_requests_are_told_from_questions(text: str, verb: str) -> None:
    assert parse.write_request(text) == verb


@pytest.mark.parametrize(("text", "name"), [
    ("open PRs in payments-api", "payments-api"),
    ("show me PRs in ../../etc/passwd", "../../etc/passwd"),
    ("issues in the ledger-svc repo", "ledger-svc"),
    ("release v2.4.1 in card-vault", "card-vault"),
    ("open PRs on spring-petclinic", "spring-petclinic"),
    ("what did okafor-c push this week?", ""),
    ("PRs waiting on review from adam", ""),
])
def test_repo_like_names_where_a_repository_goes(text: str, name: str) -> None:
    assert parse.repo_like(text) == name


def test_repo_like_respects_cues_and_exclusions() -> None:
    assert parse.repo_like("commits on feature/batch-retry", cues={"in", "from"}) == ""
    assert parse.repo_like("PRs by okafor-c in payments-api", ["okafor-c"]) == "payments-api"


def test_the_other_repo() -> None:
    assert parse.the_other_repo("and the other repo?") and parse.the_other_repo("what about the other one")
    assert not parse.the_other_repo("other PRs in card-vault")


@pytest.mark.parametrize(("text", "expected"), [
    ("any PRs stuck on review for more than a day?", {"review": "waiting", "draft": False, "older_than": "a day"}),
    ("PRs older than 2 weeks", {"older_than": "2 weeks"}),
    ("prs open for 10+ days", {"state": "open", "older_than": "10 days"}),
    ("PRs waiting over the last week", {}),
    ("stuck draft PRs", {"draft": True}),
])
def test_age_and_stuck_filters(text: str, expected: dict) -> None:
    assert parse.pull_filters(text) == expected


def test_ages_are_read_as_seconds() -> None:
    assert parse.age_seconds("a day") == 86400 and parse.age_seconds("2 weeks") == 14 * 86400
    assert parse.age_seconds("36 h") == 36 * 3600


def test_pull_title_words() -> None:
    assert parse.pull_title_words("and the parquet PR?") == "parquet"
    assert parse.pull_title_words("the PR about HSM keys") == "hsm keys"
    assert parse.pull_title_words("what's the status of the open PR") == ""


def test_the_subject_of_a_commit_verb_is_a_person() -> None:
    assert parse.person_mentions("what did okafor-c push this week?", None) == [("okafor-c", True)]
    assert parse.person_mentions("has Jonas committed anything today", None) == [("Jonas", True)]
