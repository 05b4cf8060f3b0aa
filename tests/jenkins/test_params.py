"""Build parameters from plain words, checked against the job's parameter definitions (pure, no Jenkins)."""

from __future__ import annotations

import pytest

from backends.jenkins.service import ParameterDef
from backends.jenkins.words import describe, normalise, plan_build, single_value

BRANCH = ParameterDef("BRANCH", "string", "main", "Git branch to build")
VERSION = ParameterDef("VERSION", "string", "", "Artifact version to deploy")
TICKET = ParameterDef("CHANGE_TICKET", "string", "", "Approved change ticket id")
RELEASE = [ParameterDef("RELEASE_VERSION", "string", ""), ParameterDef("TARGET", "choice", "sandbox", "",
                                                                        ["sandbox", "live"]),
           ParameterDef("DRY_RUN", "boolean", "false")]


def test_branch_from_the_words() -> None:
    plan = plan_build([BRANCH], "build petclinic-build on branch fix/owner-update")
    assert plan.ready and plan.values == {"BRANCH": "fix/owner-update"}


def test_branch_from_the_entity_and_default_otherwise() -> None:
    assert plan_build([BRANCH], "build it from feature/cart", {"branch": ["feature/cart"]}).values == {
        "BRANCH": "feature/cart"}
    assert plan_build([BRANCH], "build petclinic-build").values == {"BRANCH": "main"}


def test_a_version_number_fills_the_version_parameter() -> None:
    plan = plan_build([VERSION], "deploy 3.2.1-rc1 to staging")
    assert plan.ready and plan.values == {"VERSION": "3.2.1-rc1"}


def test_required_parameters_without_a_value_are_missing() -> None:
    plan = plan_build([VERSION, TICKET], "deploy to prod")
    assert [p.name for p in plan.missing] == ["VERSION", "CHANGE_TICKET"] and not plan.ready
    plan = plan_build([VERSION, TICKET], "deploy 3.2.0 to prod with change ticket CHG-1050")
    assert plan.ready and plan.values == {"VERSION": "3.2.0", "CHANGE_TICKET": "CHG-1050"}


def test_names_said_in_other_ways() -> None:
    plan = plan_build(RELEASE, "release v1.9.0 of the card vault to live with dry run on", ignore_words=["vault"])
    assert plan.values == {"RELEASE_VERSION": "v1.9.0", "TARGET": "live", "DRY_RUN": "true"}
    plan = plan_build(RELEASE, "run card-vault-release RELEASE_VERSION=v2.0.0 target=SANDBOX")
    assert plan.values == {"RELEASE_VERSION": "v2.0.0", "TARGET": "sandbox", "DRY_RUN": "false"}


def test_a_choice_named_in_the_job_name_is_not_a_value() -> None:
    choice = ParameterDef("STAGE", "choice", "dev", "", ["dev", "staging"])
    assert plan_build([choice], "run the staging deploy", ignore_words=["deploy", "staging"]).values == {
        "STAGE": "dev"}


def test_values_outside_the_definitions_are_errors() -> None:
    plan = plan_build(RELEASE, "release 1.0 TARGET=prod DRY_RUN=maybe FOO=bar")
    assert plan.unknown == ["FOO"]
    assert any("TARGET must be one of sandbox, live" in e for e in plan.errors)
    assert any("DRY_RUN is true or false" in e for e in plan.errors)
    assert not plan.ready


def test_a_rebuild_keeps_the_last_values_unless_told_otherwise() -> None:
    base = {"VERSION": "3.2.0", "CHANGE_TICKET": "CHG-1042"}
    assert plan_build([VERSION, TICKET], "rebuild it", base=base).values == base
    assert plan_build([VERSION, TICKET], "rebuild it with version 3.2.1", base=base).values == {
        "VERSION": "3.2.1", "CHANGE_TICKET": "CHG-1042"}


@pytest.mark.parametrize(("raw", "value"), [("Yes", "true"), ("off", "false"), ("TRUE", "true")])
def test_booleans(raw: str, value: str) -> None:
    assert normalise(RELEASE[2], raw) == (value, None)


def test_describe() -> None:
    assert describe({"BRANCH": "main", "DRY_RUN": "false"}) == "BRANCH=main, DRY_RUN=false"
    assert describe({}) == "no parameters"


# -- a ref or version typed without the word "branch" (acceptance finding 2) -------------------------------
GIT_REF = ParameterDef("GIT_REF", "string", "main", "Branch or tag to build")
JOB_WORDS = ["settlement", "engine", "ci"]


@pytest.mark.parametrize(
    ("text", "entities", "ref"),
    [("kick off settlement-engine-ci on feature/batch-retry", {}, "feature/batch-retry"),
     ("build settlement-engine-ci on v2.4.1", {"version": ["v2.4.1"]}, "v2.4.1"),
     ("build settlement-engine-ci on v2.4.1", {}, "v2.4.1"),
     ("build settlement-engine-ci for okafor/parquet-export", {}, "okafor/parquet-export"),
     ("run settlement-engine-ci against release-2.4", {}, "release-2.4"),
     ("build settlement-engine-ci on the hotfix branch", {}, "hotfix"),
     ("build settlement-engine-ci on main", {}, "main")],
)
def test_a_ref_is_recognised_by_its_shape(text: str, entities: dict, ref: str) -> None:
    plan = plan_build([GIT_REF], text, entities, ignore_words=JOB_WORDS)
    assert plan.values == {"GIT_REF": ref} and plan.said == {"GIT_REF": ref} and plan.unplaced == []


@pytest.mark.parametrize("text", ["build settlement-engine-ci on friday", "build settlement-engine-ci at 5pm",
                                  "rerun build 912 of settlement-engine-ci", "build settlement-engine-ci on 3/4"])
def test_words_that_are_not_refs_leave_the_default(text: str) -> None:
    plan = plan_build([GIT_REF], text, ignore_words=JOB_WORDS)
    assert plan.values == {"GIT_REF": "main"} and plan.said == {} and plan.unplaced == []


def test_a_version_goes_to_a_version_parameter_before_a_ref() -> None:
    both = [ParameterDef("BRANCH", "string", "main", "Git branch"), ParameterDef("APP_VERSION", "string", "")]
    assert plan_build(both, "deploy 2.5.0-rc.2").said == {"APP_VERSION": "2.5.0-rc.2"}
    assert plan_build(both, "deploy from feature/x, version 2.5.0").said == {"BRANCH": "feature/x",
                                                                          "APP_VERSION": "2.5.0"}
    assert plan_build([BRANCH], "build petclinic-build on v2.4.1").said == {"BRANCH": "v2.4.1"}  # "on": a ref


def test_a_typed_value_that_fits_no_parameter_is_reported_not_dropped() -> None:
    plan = plan_build([BRANCH], "deploy 3.2.1 please")  # a version, and the job only takes a branch
    assert plan.values == {"BRANCH": "main"} and plan.unplaced == ["3.2.1"]
    plan = plan_build([], "build iban-validator-build on feature/x", ignore_words=["iban", "validator", "build"])
    assert plan.unplaced == ["feature/x"]
    two = [ParameterDef("SOURCE_BRANCH", "string", "main"), ParameterDef("TARGET_BRANCH", "string", "main")]
    assert plan_build(two, "merge build on feature/x").unplaced == ["feature/x"]  # which one? not a guess
    release = plan_build(RELEASE, "release 1.9.0 to production", {"env": ["production"]})
    assert any("TARGET must be one of sandbox, live" in e for e in release.errors)  # never silently sandbox


def test_the_jobs_own_name_is_not_a_value() -> None:
    plan = plan_build([BRANCH], "build treasury/iban-validator-build", ignore_words=["treasury", "iban", "validator",
                                                                                    "build"])
    assert plan.said == {} and plan.unplaced == []


# -- switches and choices said in words (acceptance finding 3) ----------------------------------------------
SWITCHES = [ParameterDef("SKIP_TESTS", "boolean", "false"), ParameterDef("USE_CACHE", "boolean", "true"),
            ParameterDef("NO_CACHE", "boolean", "false")]


@pytest.mark.parametrize(
    ("text", "said"),
    [("do a dry run of the card vault release, version v1.9.0, target live",
      {"RELEASE_VERSION": "v1.9.0", "TARGET": "live", "DRY_RUN": "true"}),
     ("hmm, make it a dry run first", {"DRY_RUN": "true"}),
     ("release 1.9.0, but not a dry run", {"RELEASE_VERSION": "1.9.0", "DRY_RUN": "false"}),
     ("no, do a dry-run", {"DRY_RUN": "true"}),
     ("release v1.9.0 and only print the plan", {"RELEASE_VERSION": "v1.9.0", "DRY_RUN": "true"}),  # description
     ("release v1.9.0 with dry run off", {"RELEASE_VERSION": "v1.9.0", "DRY_RUN": "false"})],
)
def test_a_switch_said_in_words(text: str, said: dict) -> None:
    release = [RELEASE[0], RELEASE[1], ParameterDef("DRY_RUN", "boolean", "false", "Only print the plan")]
    assert plan_build(release, text, ignore_words=["card", "vault", "release"]).said == said


@pytest.mark.parametrize(
    ("text", "said"),
    [("build it, skip tests and without cache", {"SKIP_TESTS": "true", "USE_CACHE": "false", "NO_CACHE": "true"}),
     ("build it, don't skip the tests, use the cache", {"SKIP_TESTS": "false", "USE_CACHE": "true",
                                                       "NO_CACHE": "false"}),
     ("build it with tests skipped", {"SKIP_TESTS": "true"}),
     ("build it", {})],
)
def test_switches_take_their_meaning_from_their_names(text: str, said: dict) -> None:
    assert plan_build(SWITCHES, text).said == said


def test_of_several_choices_named_the_one_it_goes_to() -> None:
    assert plan_build(RELEASE, "promote 1.9.0 from sandbox to live").values["TARGET"] == "live"
    assert plan_build(RELEASE, "release 1.9.0, target live").values["TARGET"] == "live"


def test_values_left_at_their_default_say_so() -> None:
    assert describe({"GIT_REF": "main", "DRY_RUN": "true"}, ["GIT_REF"]) == "GIT_REF=main (default), DRY_RUN=true"


@pytest.mark.parametrize(("reply", "value"), [("v1.9.1", "v1.9.1"), ("  CHG-1050. ", "CHG-1050"),
                                              ('"hotfix for INC-7"', "hotfix for INC-7"), ("yes go ahead", None)])
def test_a_reply_that_is_one_value(reply: str, value: str | None) -> None:
    assert single_value(reply) == value


# The Acme card vault release, with its own descriptions (sandbox/worlds/acme.yaml).
CARD_VAULT = [ParameterDef("RELEASE_VERSION", "string", "", "Version tag to release"),
              ParameterDef("TARGET", "choice", "sandbox", "Cluster to release to", ["sandbox", "live"]),
              ParameterDef("DRY_RUN", "boolean", "false", "Only print the plan")]
GIT_REF = ParameterDef("GIT_REF", "string", "main", "Branch or tag to build")


@pytest.mark.parametrize(("text", "entities", "target"), [
    ("rehearse the card vault release 1.9.2 on the live cluster", {"env": ["live cluster"]}, "live"),
    ("release 1.9.2 to the sandbox env", {"env": ["sandbox env"]}, "sandbox"),
    ("release 1.9.2 on the live cluster", {}, "live"),
])
def test_a_choice_named_among_other_words(text: str, entities: dict, target: str) -> None:
    plan = plan_build(CARD_VAULT, text, entities)
    assert not plan.errors and plan.values["TARGET"] == target and plan.values["RELEASE_VERSION"] == "1.9.2"


def test_a_switch_from_its_description_wording() -> None:
    plan = plan_build(CARD_VAULT, "ok then: rehearse the card vault release 1.9.2 to live, just print the plan")
    assert plan.values == {"RELEASE_VERSION": "1.9.2", "TARGET": "live", "DRY_RUN": "true"}
    assert plan_build(CARD_VAULT, "release 1.9.2 to live, don't just print the plan").values["DRY_RUN"] == "false"


def test_a_branch_never_fills_a_version_parameter() -> None:
    plan = plan_build(CARD_VAULT, "build card-vault-release on branch main", {"branch": ["main"]})
    assert plan.values["RELEASE_VERSION"] == "" and [p.name for p in plan.missing] == ["RELEASE_VERSION"]
    assert plan.unplaced == ["main"] and plan.refs_unplaced == ["main"]
    # a tag-shaped version still does
    assert plan_build(CARD_VAULT, "release tag v2.0.0 to live").values["RELEASE_VERSION"] == "v2.0.0"


def test_a_payload_text_is_never_a_value() -> None:
    text = '/jenkins_run_build{"job":"card-vault-release","RELEASE_VERSION":"v9","TARGET":"live"}'
    plan = plan_build(CARD_VAULT, text, {})
    assert plan.values == {"RELEASE_VERSION": "", "TARGET": "sandbox", "DRY_RUN": "false"}
    assert not plan.unplaced and not plan.errors
    # recognised entities still count
    plan = plan_build([GIT_REF], '/jenkins_run_build{"job":"x","branch":"feature/y"}', {"branch": ["feature/y"]})
    assert plan.values == {"GIT_REF": "feature/y"}


def test_the_tail_after_an_assignment_is_named_as_not_used() -> None:
    plan = plan_build([GIT_REF], "build settlement-engine-ci GIT_REF=main; rm -rf /")
    assert plan.values == {"GIT_REF": "main"} and plan.unplaced == ["rm -rf /"]
    assert plan_build(CARD_VAULT, "RELEASE_VERSION=v2.0.0; to live").unplaced == []
