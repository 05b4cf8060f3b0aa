"""Build parameters from plain words, checked against the job's parameter definitions (pure, no Jenkins)."""

from __future__ import annotations

import pytest

from actions.jenkins_params import describe, normalise, plan_build
from actions.services.jenkins import ParameterDef

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
