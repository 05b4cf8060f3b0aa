"""Name resolution: everyday words → live names, for names the NLU never saw."""

from __future__ import annotations

import pytest

from common.resolve import Candidate, Resolver, words

PETCLINIC_JOBS = [
    "petclinic-build", "petclinic-integration-tests", "petclinic-deploy-staging", "petclinic-deploy-prod",
    "petclinic-nightly", "artifactory-cleanup", "platform/terraform-plan", "platform/ansible-patching",
]
# A team whose names appear nowhere in opsbot's training data.
OTHER_JOBS = ["payments-api-ci", "payments-api-release", "ledger-nightly-recon", "infra/k8s-upgrade", "web-shop-e2e"]
GENERIC = {"build", "job", "jobs", "pipeline"}


def resolver(names: list[str]) -> Resolver:
    return Resolver([Candidate(n, n, (n.split("/")[-1],)) for n in names], generic=GENERIC)


def test_words_split_on_separators() -> None:
    assert words("Platform/Terraform-Plan_v2") == ["platform", "terraform", "plan", "v2"]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("is the petclinic build broken?", "petclinic-build"),
        ("did the nightly pass last night", "petclinic-nightly"),
        ("how did the staging deploy go?", "petclinic-deploy-staging"),
        ("terraform plan", "platform/terraform-plan"),
        ("the integration tests", "petclinic-integration-tests"),
        ("nigthly", "petclinic-nightly"),  # a typo
        ("PETCLINIC-BUILD", "petclinic-build"),
    ],
)
def test_petclinic_names(said: str, expected: str) -> None:
    assert resolver(PETCLINIC_JOBS).resolve(said).match.key == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("is the payments release green", "payments-api-release"),
        ("how did the recon go last night", "ledger-nightly-recon"),
        ("k8s upgrade status", "infra/k8s-upgrade"),
        ("did web shop e2e pass", "web-shop-e2e"),
    ],
)
def test_names_never_seen_in_training(said: str, expected: str) -> None:
    assert resolver(OTHER_JOBS).resolve(said).match.key == expected


def test_equally_good_candidates_are_offered_as_choices() -> None:
    result = resolver(PETCLINIC_JOBS).resolve("the deploy")
    assert result.ambiguous
    assert {c.key for c in result.choices} == {"petclinic-deploy-staging", "petclinic-deploy-prod"}


def test_a_generic_word_alone_identifies_nothing() -> None:
    assert not resolver(PETCLINIC_JOBS).resolve("why did the build fail").found


def test_nothing_fits_is_neither_a_match_nor_a_choice() -> None:
    unknown = resolver(PETCLINIC_JOBS).resolve("zebra crossing")
    assert not unknown.found and not unknown.ambiguous


def test_closest_names_for_did_you_mean() -> None:
    names = [c.key for c in resolver(PETCLINIC_JOBS).closest("petclinic-buidl")]
    assert names[0] == "petclinic-build"
