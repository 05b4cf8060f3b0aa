"""Where "why did it fail?" finds the failed stage, on each kind of Jenkins: Pipeline Stage View (wfapi/describe),
Pipeline Graph View (<build>/stages/tree, or its older URL names), or neither (the console's `[Pipeline] { (Stage)`
markers); the answer says which. A stage plugin that is missing, failing or garbled never fails the answer.
Over real HTTP against the sandbox; no test waits or reads the wall clock."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from actions.jenkins import ActionJenkinsWhyFailed
from backends.jenkins import render
from backends.jenkins.service import (
    CONSOLE,
    GRAPH_VIEW,
    STAGE_VIEW,
    BuildInfo,
    Failure,
    Stage,
    stages_from_console,
    stages_from_graph_view,
    stages_from_stage_view,
)
from backends.jenkins.service import service as jenkins_service
from sandbox.jenkins.schema import SCHEMA
from sandbox.schema import WorldError, validate
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action, texts
from tests.support.jenkins import (
    auth,
    fresh_facade,
    jenkins_state,
    paths_requested,
    point_jenkins_at,
    set_fault,
    world_sandbox,
)


def run(coroutine):
    return asyncio.run(coroutine)


def why(text: str) -> tuple[str, list[dict]]:
    messages, _ = run_action(ActionJenkinsWhyFailed(), make_tracker(text))
    return texts(messages), messages


def failure_of(job: str, number: int) -> Failure:
    service = jenkins_service()
    build = run(service.build(job, number))
    return run(service.failure(build, pipeline=True))


def stage_requests(sandbox: RunningSandbox) -> list[str]:
    return [path for path in paths_requested(sandbox) if path.endswith(("/wfapi/describe/", "/tree"))]


# -- the failed stage on each kind of Jenkins, and where it came from -----------------------------------------
VARIANTS = [
    ("jenkins", "why did petclinic-build fail", "petclinic-build #147 failed (FAILURE)",
     "in stage Test (stage from the Pipeline Stage View)"),
    ("graph_view", "why did route-planner-ci fail", "route-planner-ci #58 failed (FAILURE)",
     "in stage Contract (stage from the Pipeline Graph View)"),
    ("graph_view", "why did depot-sync fail", "depot-sync #12 failed (FAILURE)",
     "in stage Validate (stage from the Pipeline Graph View)"),
    ("console_only", "why did billing-api-ci fail", "billing-api-ci #231 failed (FAILURE)",
     "in stage Integration tests (stage read from the console log)"),
    ("console_only", "why did invoice-app-release fail", "invoice-app-release #40 failed (FAILURE)",
     "in stage iOS (stage read from the console log)"),
]


@pytest.mark.parametrize(("jenkins_kind", "question", "build", "stage"), VARIANTS)
def test_the_failed_stage_is_said_with_where_it_came_from(jenkins_kind: str, question: str, build: str, stage: str,
                                                          request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(jenkins_kind)
    answer, _ = why(question)
    assert build in answer and stage in answer


def test_stage_view_names_the_failed_stage_and_its_error(jenkins: RunningSandbox) -> None:
    found = failure_of("petclinic-build", 147)
    assert (found.stage_source, found.failed_stage.name) == (STAGE_VIEW, "Test")
    assert found.failed_stage.error == "script returned exit code 1"
    assert stage_requests(jenkins) == ["/job/petclinic-build/147/wfapi/describe/"]  # no Graph View probe


def test_graph_view_names_the_failed_branch_of_a_parallel_stage(graph_view: RunningSandbox) -> None:
    found = failure_of("route-planner-ci", 58)
    assert found.stage_source == GRAPH_VIEW
    assert (found.failed_stage.name, found.failed_stage.parent) == ("Contract", "Tests")
    assert [(s.name, s.status) for s in found.stages] == [
        ("Checkout", "SUCCESS"), ("Build", "SUCCESS"), ("Tests", "FAILED"), ("Unit", "SUCCESS"),
        ("Contract", "FAILED"), ("Package", "NOT_EXECUTED")]


def test_which_plugin_jenkins_has_is_learnt_once(graph_view: RunningSandbox) -> None:
    failure_of("route-planner-ci", 58)
    first = stage_requests(graph_view)
    assert first[0] == "/job/route-planner-ci/58/wfapi/describe/"  # the Stage View first: a 404 here
    assert "/job/route-planner-ci/58/stages/tree" in first
    graph_view.state("jenkins").counts.clear()
    assert failure_of("depot-sync", 12).failed_stage.name == "Validate"
    assert stage_requests(graph_view) == ["/job/depot-sync/12/stages/tree"]  # straight to the one that answered


def test_without_a_stage_plugin_the_console_says_the_stage_and_the_404s_are_not_asked_again(
        console_only: RunningSandbox) -> None:
    found = failure_of("billing-api-ci", 231)
    assert (found.stage_source, found.failed_stage.name) == (CONSOLE, "Integration tests")
    assert len(stage_requests(console_only)) == 4  # wfapi and Graph View's three URL names: all 404
    console_only.state("jenkins").counts.clear()
    found = failure_of("invoice-app-release", 40)
    assert (found.stage_source, found.failed_stage.name) == (CONSOLE, "iOS")
    assert stage_requests(console_only) == []


def test_a_build_without_stage_markers_still_answers(console_only: RunningSandbox) -> None:
    found = failure_of("ledger-cleanup", 9)
    assert found.stages == [] and found.failed_stage is None and found.stage_source == ""
    answer, _ = why("why did ledger-cleanup fail")
    assert "ledger-cleanup #9 failed (FAILURE)" in answer and "in stage" not in answer
    assert "Permission denied" in answer and "/job/ledger-cleanup/9/console" in answer


# -- a stage plugin that fails never fails the answer ----------------------------------------------------------
@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 404}, {"status": 403}, {"malformed": True}])
def test_a_failing_stage_view_falls_back_to_the_console(jenkins: RunningSandbox, fault: dict) -> None:
    set_fault(jenkins, paths="/job/petclinic-build/147/wfapi", **fault)
    found = failure_of("petclinic-build", 147)
    assert (found.stage_source, found.failed_stage.name) == (CONSOLE, "Test")
    assert [t.short for t in found.failed_tests] == ["OwnerControllerTests.testProcessUpdateOwnerFormSuccess"]
    answer, _ = why("why did petclinic-build fail")
    assert "in stage Test (stage read from the console log)" in answer and "[ERROR] BUILD FAILURE" in answer


@pytest.mark.parametrize("fault", [{"status": 500}, {"malformed": True}])
def test_a_failing_graph_view_falls_back_to_the_console(graph_view: RunningSandbox, fault: dict) -> None:
    set_fault(graph_view, paths="/job/route-planner-ci/58/stages", **fault)
    answer, _ = why("why did route-planner-ci fail")
    assert "route-planner-ci #58 failed (FAILURE)" in answer
    assert "in stage Contract (stage read from the console log)" in answer  # `Failed in branch Contract`


def test_a_graph_view_that_failed_once_is_still_asked_next_time(graph_view: RunningSandbox) -> None:
    failure_of("depot-sync", 12)  # learns Graph View
    set_fault(graph_view, status=500, paths="/job/route-planner-ci/58/stages")
    assert failure_of("route-planner-ci", 58).stage_source == CONSOLE
    set_fault(graph_view)  # mended
    assert failure_of("route-planner-ci", 58).stage_source == GRAPH_VIEW


def test_a_failing_test_report_leaves_the_tests_out(jenkins: RunningSandbox) -> None:
    set_fault(jenkins, status=500, paths="/job/petclinic-build/147/testReport")
    found = failure_of("petclinic-build", 147)
    assert found.failed_tests == [] and found.failed_stage.name == "Test"
    assert "Finished: FAILURE" in found.log_tail


# -- other real variants -----------------------------------------------------------------------------------
SMALL_WORLD = """
name: stages-{name}
jenkins:
  {plugins}
  jobs:
    - name: route-planner-ci
      type: pipeline
      builds:
        - {{number: 58, result: FAILURE, ago: 25m, duration: 410, failed_stage: Contract,
           stages: [Checkout, Build, {{Tests: [Unit, Contract]}}, Package]}}
"""


@pytest.mark.parametrize(("version", "path"), [("998.vc30deece0e36", "stages"),
                                               ("520.v147e73674213", "pipeline-overview"),
                                               ("482.vdf24443b_6cf9", "pipeline-console")])
def test_older_graph_view_releases_are_found_under_their_url_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   version: str, path: str) -> None:
    plugins = f'plugins: [{{name: pipeline-graph-view, version: "{version}"}}]'
    sandbox = world_sandbox(tmp_path, SMALL_WORLD.format(name=path, plugins=plugins))
    try:
        fresh_facade()
        point_jenkins_at(sandbox, monkeypatch)
        found = failure_of("route-planner-ci", 58)
        assert (found.stage_source, found.failed_stage.name) == (GRAPH_VIEW, "Contract")
        assert sandbox.state("jenkins").counts[f"/job/route-planner-ci/58/{path}/tree"] == 1
    finally:
        fresh_facade()
        sandbox.stop_thread()


def test_stage_view_lists_a_parallel_stage_flat_and_the_failed_branch_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = world_sandbox(tmp_path, SMALL_WORLD.format(name="stage-view", plugins=""))
    try:
        fresh_facade()
        point_jenkins_at(sandbox, monkeypatch)
        found = failure_of("route-planner-ci", 58)
        assert found.stage_source == STAGE_VIEW
        assert [s.status for s in found.stages if s.name in ("Tests", "Contract")] == ["FAILED", "FAILED"]
        assert (found.failed_stage.name, found.failed_stage.parent) == ("Contract", "Tests")  # inside its time
    finally:
        fresh_facade()
        sandbox.stop_thread()


def test_a_plugin_uninstalled_since_is_learnt_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = world_sandbox(tmp_path, SMALL_WORLD.format(name="uninstalled", plugins="plugins: [pipeline-graph-view]"))
    try:
        fresh_facade()
        point_jenkins_at(sandbox, monkeypatch)
        assert failure_of("route-planner-ci", 58).stage_source == GRAPH_VIEW
        jenkins_state(sandbox).plugins.clear()
        found = failure_of("route-planner-ci", 58)
        assert (found.stage_source, found.failed_stage.name) == (CONSOLE, "Contract")
    finally:
        fresh_facade()
        sandbox.stop_thread()


# -- the sandbox serves each variant as real Jenkins does -----------------------------------------------------
def test_the_sandbox_answers_404_for_the_plugin_it_does_not_have(graph_view: RunningSandbox,
                                                                 console_only: RunningSandbox) -> None:
    import requests

    def status(sandbox: RunningSandbox, path: str) -> int:
        return requests.get(sandbox.url("jenkins") + path, auth=auth(), timeout=5).status_code

    assert status(graph_view, "/job/route-planner-ci/58/wfapi/describe") == 404
    assert status(graph_view, "/job/route-planner-ci/58/stages/tree") == 200
    assert status(graph_view, "/job/route-planner-ci/58/pipeline-overview/tree") == 404
    assert status(console_only, "/job/billing-api-ci/231/wfapi/describe") == 404
    assert status(console_only, "/job/billing-api-ci/231/stages/tree") == 404


def test_graph_view_json_has_the_plugins_shape(graph_view: RunningSandbox) -> None:
    import requests

    body = requests.get(graph_view.url("jenkins") + "/job/route-planner-ci/58/stages/tree", auth=auth(),
                        timeout=5).json()
    assert body["status"] == "ok" and body["data"]["complete"] is True
    tests = next(s for s in body["data"]["stages"] if s["name"] == "Tests")
    assert (tests["state"], tests["type"]) == ("failure", "STAGE")
    assert [(c["name"], c["state"], c["type"]) for c in tests["children"]] == [
        ("Unit", "success", "PARALLEL"), ("Contract", "failure", "PARALLEL")]
    assert tests["url"].endswith("/job/route-planner-ci/58/stages/?selected-node=" + tests["id"])
    assert next(s for s in body["data"]["stages"] if s["name"] == "Package")["state"] == "skipped"


def test_the_console_carries_real_declarative_markers(console_only: RunningSandbox) -> None:
    import requests

    console = requests.get(console_only.url("jenkins") + "/job/invoice-app-release/40/consoleText", auth=auth(),
                           timeout=5).text.splitlines()
    expected_in_order = ["[Pipeline] stage", "[Pipeline] { (Platform builds)", "[Pipeline] parallel",
                         "[Pipeline] { (Branch: Android)", "[Pipeline] { (Branch: iOS)", "[Pipeline] { (Android)",
                         "[Pipeline] { (iOS)", "Failed in branch iOS", "[Pipeline] // parallel",
                         "[Pipeline] { (Publish)", 'Stage "Publish" skipped due to earlier failure(s)',
                         "[Pipeline] getContext", "[Pipeline] End of Pipeline", "Finished: FAILURE"]
    positions = [console.index(line) for line in expected_in_order]
    assert positions == sorted(positions)


def test_the_world_file_says_which_plugins_and_stages() -> None:
    base = {"jobs": [{"name": "x", "type": "pipeline"}]}
    validate({**base, "plugins": []}, SCHEMA)
    validate({**base, "plugins": ["pipeline-graph-view", {"name": "pipeline-stage-view", "version": "2.38"}]}, SCHEMA)
    with pytest.raises(WorldError, match=r"plugins\[0\]"):
        validate({**base, "plugins": ["blueocean"]}, SCHEMA)
    validate({"jobs": [{"name": "x", "type": "pipeline", "builds": [
        {"number": 1, "ago": "1h", "stages": ["A", {"Tests": ["Unit", "Contract"]}]}]}]}, SCHEMA)
    with pytest.raises(WorldError, match=r"stages\[0\]"):
        validate({"jobs": [{"name": "x", "type": "pipeline", "builds": [
            {"number": 1, "ago": "1h", "stages": [{"Tests": "Unit"}]}]}]}, SCHEMA)


# -- reading each source ----------------------------------------------------------------------------------
DECLARATIVE = """Started by user Priya Raman
[Pipeline] Start of Pipeline
[Pipeline] node
Running on Jenkins in /var/lib/jenkins/workspace/billing
[Pipeline] {
[Pipeline] stage
[Pipeline] { (Declarative: Checkout SCM)
[Pipeline] checkout
[Pipeline] }
[Pipeline] // stage
[Pipeline] withEnv
[Pipeline] {
[Pipeline] stage
[Pipeline] { (Build)
[Pipeline] sh
+ make
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Lint)
Stage "Lint" skipped due to when conditional
[Pipeline] getContext
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Test)
[Pipeline] sh
+ make test
FAIL: InvoiceRoundingTest
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Deploy)
Stage "Deploy" skipped due to earlier failure(s)
[Pipeline] getContext
[Pipeline] }
[Pipeline] // stage
[Pipeline] stage
[Pipeline] { (Declarative: Post Actions)
[Pipeline] echo
cleaning up
[Pipeline] }
[Pipeline] // stage
[Pipeline] }
[Pipeline] // withEnv
[Pipeline] }
[Pipeline] // node
[Pipeline] End of Pipeline
ERROR: script returned exit code 2
Finished: FAILURE
"""


def test_console_the_stage_before_the_first_skip_for_an_earlier_failure_failed() -> None:
    stages = {s.name: s.status for s in stages_from_console(DECLARATIVE, "FAILURE")}
    assert stages == {"Declarative: Checkout SCM": "SUCCESS", "Build": "SUCCESS", "Lint": "NOT_EXECUTED",
                      "Test": "FAILED", "Deploy": "NOT_EXECUTED", "Declarative: Post Actions": "SUCCESS"}


def test_console_lines_with_timestamper_times_or_colours_are_read() -> None:
    stamped = "\n".join(f"[2026-11-18T14:02:{i % 60:02d}.120Z] {line}" for i, line in
                        enumerate(DECLARATIVE.splitlines()))
    clock = "\n".join(f"14:02:{i % 60:02d}  {line}" for i, line in enumerate(DECLARATIVE.splitlines()))
    coloured = DECLARATIVE.replace('Stage "Deploy"', '\x1b[33mStage "Deploy"').replace("(s)\n", "(s)\x1b[0m\n")
    for console in (stamped, clock, coloured):
        assert Failure(_build(), stages_from_console(console, "FAILURE"), [], [], "").failed_stage.name == "Test"


def test_console_an_unstable_build_skipping_later_stages_names_its_stage() -> None:
    console = ("[Pipeline] { (Build)\n[Pipeline] }\n[Pipeline] { (Test)\n[Pipeline] junit\n[Pipeline] }\n"
               '[Pipeline] { (Publish)\nStage "Publish" skipped due to earlier stage(s) marking the build as '
               "unstable\n[Pipeline] }\nFinished: UNSTABLE\n")
    failed = Failure(_build(), stages_from_console(console, "UNSTABLE"), [], [], "").failed_stage
    assert (failed.name, failed.status) == ("Test", "UNSTABLE")


def test_console_a_failed_checkout_skips_every_stage() -> None:
    console = ("[Pipeline] { (Declarative: Checkout SCM)\nERROR: Error cloning remote repo 'origin'\n[Pipeline] }\n"
               '[Pipeline] { (Build)\nStage "Build" skipped due to earlier failure(s)\n[Pipeline] }\n'
               '[Pipeline] { (Test)\nStage "Test" skipped due to earlier failure(s)\n[Pipeline] }\n')
    failed = Failure(_build(), stages_from_console(console, "FAILURE"), [], [], "").failed_stage
    assert failed.name == "Declarative: Checkout SCM"


@pytest.mark.parametrize(("result", "said"), [("FAILURE", "FAILED"), ("ABORTED", "ABORTED"), ("UNSTABLE", None)])
def test_console_without_skips_the_last_stage_that_ran(result: str, said: str | None) -> None:
    console = ("[Pipeline] { (Build)\n[Pipeline] }\n[Pipeline] { (Deploy)\nAborted by Priya Raman\n[Pipeline] }\n"
               "[Pipeline] { (Declarative: Post Actions)\n[Pipeline] }\n")
    failed = Failure(_build(), stages_from_console(console, result), [], [], "").failed_stage
    # a failed or aborted build stopped in its last stage; an unstable one says nothing of which stage
    if said is None:
        assert failed is None
    else:
        assert (failed.name, failed.status) == ("Deploy", said)


def test_console_of_a_scripted_pipeline_without_stages_has_none() -> None:
    assert stages_from_console("Started by timer\n[Pipeline] node\n[Pipeline] {\n+ rm -rf x\n[Pipeline] }\n",
                               "FAILURE") == []


def test_graph_view_tree_old_and_new_shapes() -> None:
    new = {"status": "ok", "data": {"complete": True, "stages": [
        {"name": "Tests", "state": "failure", "type": "STAGE", "id": "12", "totalDurationMillis": 5000,
         "children": [{"name": "Unit", "state": "success", "type": "PARALLEL", "id": "15", "children": []},
                      {"name": "Contract", "state": "failure", "type": "PARALLEL", "id": "16", "children": []}]},
        {"name": "Package", "state": "skipped", "type": "STAGE", "id": "30", "children": []}]}}
    stages = stages_from_graph_view(new)
    assert [(s.name, s.status, s.parent) for s in stages] == [
        ("Tests", "FAILED", ""), ("Unit", "SUCCESS", "Tests"), ("Contract", "FAILED", "Tests"),
        ("Package", "NOT_EXECUTED", "")]
    assert stages[0].duration == 5.0
    # releases before 2023 sent times as strings
    old = {"status": "ok", "data": {"stages": [{"name": "Build", "state": "FAILURE", "totalDurationMillis": "1200",
                                                "children": []}]}}
    assert stages_from_graph_view(old) == [Stage("Build", "FAILED", 1.2)]
    assert stages_from_graph_view({"status": "ok", "data": {"stages": "garbled"}}) == []


def test_stage_view_nesting_is_read_from_the_times() -> None:
    data = {"stages": [
        {"name": "Build", "status": "SUCCESS", "startTimeMillis": 0, "durationMillis": 10_000},
        {"name": "Tests", "status": "FAILED", "startTimeMillis": 10_000, "durationMillis": 20_000},
        {"name": "Unit", "status": "SUCCESS", "startTimeMillis": 10_001, "durationMillis": 5_000},
        {"name": "Contract", "status": "FAILED", "startTimeMillis": 10_002, "durationMillis": 19_000},
        {"name": "Package", "status": "NOT_EXECUTED", "startTimeMillis": 30_000, "durationMillis": 0}]}
    stages = stages_from_stage_view(data)
    assert [(s.name, s.parent) for s in stages] == [("Build", ""), ("Tests", ""), ("Unit", "Tests"),
                                                    ("Contract", "Tests"), ("Package", "")]
    assert Failure(_build(), stages, [], [], "").failed_stage.name == "Contract"


def test_the_worst_trouble_is_the_failed_stage() -> None:
    stages = [Stage("Lint", "UNSTABLE", 1), Stage("Smoke", "ABORTED", 1), Stage("Deploy", "FAILED", 1)]
    assert Failure(_build(), stages, [], [], "").failed_stage.name == "Deploy"


def _build() -> BuildInfo:
    return BuildInfo(job="billing-api-ci", number=7, url="http://j/job/billing-api-ci/7/", result="FAILURE",
                     building=False, started=1_800_000_000.0, duration=60, estimated=60)


@pytest.mark.parametrize(("source", "said"), [(STAGE_VIEW, "(stage from the Pipeline Stage View)"),
                                              (GRAPH_VIEW, "(stage from the Pipeline Graph View)"),
                                              (CONSOLE, "(stage read from the console log)")])
def test_the_answer_says_where_the_stage_came_from(source: str, said: str) -> None:
    found = Failure(_build(), [Stage("Test", "FAILED", 1)], [], ["boom"], "http://j/console", stage_source=source)
    reply = render.failure("billing-api-ci", found, now=1_800_000_100.0)
    assert f"in stage Test {said}." in reply.text
    assert "Stage from" in json.dumps(reply.card)
    unsaid = render.failure("billing-api-ci", Failure(_build(), [], [], ["boom"], "http://j/console"),
                            now=1_800_000_100.0)
    assert "in stage" not in unsaid.text and "Stage from" not in json.dumps(unsaid.card)


def test_a_runaway_or_hostile_console_is_read_within_bounds() -> None:
    """Only the console's tail is read, each line at most MAX_LINE_CHARS, each stage once: a log of 200,000
    stages, a line of half a million spaces and a name of a million characters still give the right stage."""
    from backends.jenkins.service import MAX_CONSOLE_CHARS, MAX_LINE_CHARS

    many = "".join(f"[Pipeline] {{ (Stage {i % 500})\n" for i in range(200_000))
    hostile = ("Failed in branch " + " " * 500_000 + "\n" + "[Pipeline] { (" + "x" * 1_000_000 + ")\n"
               + 'Stage "' + "y" * 300_000 + '" skipped due to earlier failure(s)' + " " * 300_000 + "\n")
    console = many + hostile + "[Pipeline] { (Deploy)\n[Pipeline] }\nERROR: script returned exit code 1\n"
    stages = stages_from_console(console, "FAILURE")
    names = [s.name for s in stages]
    assert len(names) == len(set(names)) == 501 and all(len(n) <= MAX_LINE_CHARS for n in names)
    assert Failure(_build(), stages, [], [], "").failed_stage.name == "Deploy"
    assert len(console) > MAX_CONSOLE_CHARS  # the head beyond the bound was never read, and nothing broke
