"""The fake Jenkins answers as Jenkins 2.4xx does, for python-jenkins (unmodified) and plain HTTP."""

from __future__ import annotations

import jenkins as python_jenkins
import pytest
import requests

from sandbox.jenkins.app import BUILD_SECONDS_ENV, QUEUE_SECONDS_ENV, WORLD_KEY, create_app
from sandbox.jenkins.tree import Ref, TreeError, TreeField, expand, parse_tree, render
from sandbox.server import RunningSandbox
from sandbox.world import load_world
from tests.support.jenkins import auth, jenkins_state, private_sandbox
from tests.support.sandbox import TEST_CREDENTIALS, WORLDS


def client(sandbox: RunningSandbox) -> python_jenkins.Jenkins:
    return python_jenkins.Jenkins(sandbox.url("jenkins"), *auth(), timeout=5)


# -- tree= and depth= ----------------------------------------------------------------------------------
def test_tree_expressions_parse_with_nesting_and_ranges() -> None:
    fields = parse_tree("jobs[name,lastBuild[number]]{0,2},url,builds{3}")
    assert fields[0] == TreeField("jobs", (TreeField("name"), TreeField("lastBuild", (TreeField("number"),))), 0, 2)
    assert fields[1] == TreeField("url")
    assert (fields[2].start, fields[2].end) == (3, 4)


@pytest.mark.parametrize("bad", ["jobs[name", "jobs]", ",name", "name,,url", "a[b]]"])
def test_malformed_tree_is_refused(bad: str) -> None:
    with pytest.raises(TreeError):
        parse_tree(bad)


def test_refs_show_their_summary_at_depth_0_and_expand_deeper() -> None:
    build = Ref({"_class": "Run", "number": 7}, lambda: {"_class": "Run", "number": 7, "result": "SUCCESS"})
    job = {"_class": "Job", "name": "x", "lastBuild": build, "builds": [build, build]}
    assert expand(job)["lastBuild"] == {"_class": "Run", "number": 7}
    assert expand(job, depth=1)["lastBuild"]["result"] == "SUCCESS"
    assert render(job, "lastBuild[result]") == {"_class": "Job", "lastBuild": {"_class": "Run", "result": "SUCCESS"}}
    # a field named without sub-fields that holds objects gives only their _class (python-jenkins relies on it)
    assert render(job, "name,builds{0,1}") == {"_class": "Job", "name": "x", "builds": [{"_class": "Run"}]}


# -- reading -------------------------------------------------------------------------------------------
def test_every_job_with_folders_through_python_jenkins(jenkins: RunningSandbox) -> None:
    jobs = {j["fullname"]: j for j in client(jenkins).get_all_jobs()}
    assert jobs["platform"]["_class"] == "com.cloudbees.hudson.plugins.folder.Folder"
    assert "color" not in jobs["platform"]
    assert jobs["platform/terraform-plan"]["url"] == jenkins.url("jenkins") + "/job/platform/job/terraform-plan/"
    assert jobs["petclinic-build"]["color"] == "red"
    assert jobs["petclinic-integration-tests"]["color"] == "yellow_anime"  # #89 building, #88 unstable
    assert jobs["artifactory-cleanup"]["color"] == "disabled"
    assert jobs["artifactory-cleanup"]["_class"] == "hudson.model.FreeStyleProject"


def test_version_header_and_the_api_user(jenkins: RunningSandbox) -> None:
    server = client(jenkins)
    assert server.get_whoami()["id"] == TEST_CREDENTIALS["JENKINS_USER"]
    assert server.get_version() == "2.479.3"


def test_wrong_token_is_401_and_no_credentials_403(jenkins: RunningSandbox) -> None:
    url = jenkins.url("jenkins") + "/api/json"
    wrong = requests.get(url, auth=(TEST_CREDENTIALS["JENKINS_USER"], "not-the-token"), timeout=5)
    anonymous = requests.get(url, timeout=5)
    assert wrong.status_code == 401 and anonymous.status_code == 403
    assert wrong.headers["X-Jenkins"] == "2.479.3"
    assert anonymous.headers["X-You-Are-Authenticated-As"] == "anonymous"


def test_job_at_depth_0_refers_to_builds_and_lists_parameters(jenkins: RunningSandbox) -> None:
    job = client(jenkins).get_job_info("petclinic-build")
    assert job["lastBuild"] == {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun", "number": 147,
                                "url": jenkins.url("jenkins") + "/job/petclinic-build/147/"}
    assert job["lastSuccessfulBuild"]["number"] == 146
    assert job["lastUnsuccessfulBuild"]["number"] == 147
    assert job["nextBuildNumber"] == 148
    definition = job["property"][0]["parameterDefinitions"][0]
    assert (definition["name"], definition["type"], definition["defaultParameterValue"]["value"]) == (
        "BRANCH", "StringParameterDefinition", "main")
    assert job["healthReport"][0]["score"] == 60  # 2 of the last 5 failed


def test_nested_folder_job_with_a_tree_filter(jenkins: RunningSandbox) -> None:
    data = client(jenkins).get_info("job/platform/job/terraform-plan", "?tree=fullName,lastBuild[number,result]")
    assert data == {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "fullName": "platform/terraform-plan",
                    "lastBuild": {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun", "number": 12,
                                  "result": "SUCCESS"}}


def test_a_build_has_causes_parameters_and_changes(jenkins: RunningSandbox) -> None:
    build = client(jenkins).get_build_info("petclinic-build", 147)
    actions = {a.get("_class"): a for a in build["actions"]}
    cause = actions["hudson.model.CauseAction"]["causes"][0]
    assert cause == {"_class": "com.cloudbees.jenkins.GitHubPushCause",
                     "shortDescription": "Started by GitHub push by dan"}
    assert actions["hudson.model.ParametersAction"]["parameters"][0]["value"] == "main"
    assert actions["hudson.tasks.junit.TestResultAction"]["failCount"] == 1
    change = build["changeSets"][0]["items"][0]
    assert (change["commitId"], change["msg"], change["author"]["fullName"]) == (
        "a41f9e2", "Fix owner update validation", "dan")
    assert (build["result"], build["building"], build["duration"]) == ("FAILURE", False, 412000)
    user = client(jenkins).get_build_info("petclinic-build", 145)["actions"][0]["causes"][0]
    assert (user["_class"], user["userId"]) == ("hudson.model.Cause$UserIdCause", "dan")


def test_a_running_build(jenkins: RunningSandbox) -> None:
    build = client(jenkins).get_build_info("petclinic-integration-tests", 89)
    assert build["building"] is True and build["result"] is None
    assert build["estimatedDuration"] == 900000
    assert build["actions"][0]["causes"][0]["_class"] == "hudson.model.Cause$UpstreamCause"


def test_console_test_report_and_stages_of_a_failed_build(jenkins: RunningSandbox) -> None:
    server = client(jenkins)
    console = server.get_build_console_output("petclinic-build", 147)
    assert console.rstrip().endswith("Finished: FAILURE") and "[ERROR] BUILD FAILURE" in console
    report = server.get_build_test_report("petclinic-build", 147)
    case = report["suites"][0]["cases"][0]
    assert (report["failCount"], case["className"].rsplit(".", 1)[1], case["name"]) == (
        1, "OwnerControllerTests", "testProcessUpdateOwnerFormSuccess")
    assert case["status"] == "REGRESSION" and "302" in case["errorDetails"]
    stages = {s["name"]: s["status"] for s in server.get_build_stages("petclinic-build", 147)["stages"]}
    assert stages["Test"] == "FAILED" and stages["Checkout"] == "SUCCESS" and stages["Publish"] == "NOT_EXECUTED"
    assert server.get_build_test_report("petclinic-build", 146) is None  # no tests recorded: 404
    assert server.get_build_stages("artifactory-cleanup", 12) is None  # freestyle: no wfapi


def test_permalinks(jenkins: RunningSandbox) -> None:
    base = jenkins.url("jenkins") + "/job/petclinic-build/"
    numbers = {name: requests.get(f"{base}{name}/api/json?tree=number", auth=auth(), timeout=5).json()["number"]
               for name in ("lastBuild", "lastSuccessfulBuild", "lastFailedBuild", "lastCompletedBuild")}
    assert numbers == {"lastBuild": 147, "lastSuccessfulBuild": 146, "lastFailedBuild": 147,
                       "lastCompletedBuild": 147}
    assert requests.get(f"{base}999/api/json", auth=auth(), timeout=5).status_code == 404


def test_queue_nodes_crumb(jenkins: RunningSandbox) -> None:
    server = client(jenkins)
    (item,) = server.get_queue_info()
    assert item["task"]["name"] == "petclinic-deploy-staging"
    assert item["why"] == "Waiting for next available executor on agent-linux-1"
    assert item["url"] == f"queue/item/{item['id']}/"  # Jenkins gives queue URLs relative
    nodes = requests.get(jenkins.url("jenkins") + "/computer/api/json?tree=computer[displayName,offline,"
                         "offlineCauseReason,executors[idle]]", auth=auth(), timeout=5).json()["computer"]
    by_name = {n["displayName"]: n for n in nodes}
    assert by_name["agent-linux-2"]["offline"] is True
    assert by_name["agent-linux-2"]["offlineCauseReason"].startswith("Disk space is too low")
    assert [e["idle"] for e in by_name["agent-linux-1"]["executors"]] == [False, False]
    assert "Built-In Node" in by_name
    crumb = requests.get(jenkins.url("jenkins") + "/crumbIssuer/api/json", auth=auth(), timeout=5).json()
    assert crumb["crumbRequestField"] == "Jenkins-Crumb" and crumb["crumb"]


# -- building ------------------------------------------------------------------------------------------
@pytest.fixture()
def private() -> RunningSandbox:
    sandbox = private_sandbox()
    yield sandbox
    sandbox.stop_thread()


def test_a_triggered_build_waits_runs_and_finishes(private: RunningSandbox) -> None:
    state = jenkins_state(private)
    state.queue_seconds, state.build_seconds = 5.0, 20.0
    now = state.clock()
    state.clock = lambda: now
    server = client(private)
    item_id = server.build_job("petclinic-build", {"BRANCH": "fix/owner-update"})
    waiting = server.get_queue_item(item_id)
    assert waiting["_class"] == "hudson.model.Queue$WaitingItem" and "quiet period" in waiting["why"]
    assert [i["id"] for i in server.get_queue_info()][-1] == item_id
    state.clock = lambda: now + 6
    left = server.get_queue_item(item_id)
    assert left["_class"] == "hudson.model.Queue$LeftItem" and left["executable"]["number"] == 148
    running = server.get_build_info("petclinic-build", 148)
    assert running["building"] is True
    assert running["actions"][1]["parameters"][0] == {"_class": "hudson.model.StringParameterValue",
                                                      "name": "BRANCH", "value": "fix/owner-update"}
    assert server.get_job_info("petclinic-build")["color"] == "red_anime"
    state.clock = lambda: now + 30
    finished = server.get_build_info("petclinic-build", 148)
    assert (finished["building"], finished["result"]) == (False, "SUCCESS")
    assert server.get_job_info("petclinic-build")["color"] == "blue"


def test_location_header_points_at_the_queue_item(private: RunningSandbox) -> None:
    response = requests.post(private.url("jenkins") + "/job/platform/job/terraform-plan/build", auth=auth(),
                             timeout=5)
    assert response.status_code == 201
    assert response.headers["Location"].startswith(private.url("jenkins") + "/queue/item/")


def test_builds_that_jenkins_refuses(private: RunningSandbox) -> None:
    base = private.url("jenkins") + "/job/"
    disabled = requests.post(base + "artifactory-cleanup/build", auth=auth(), timeout=5)
    parameterised = requests.post(base + "petclinic-build/build", auth=auth(), timeout=5)
    bad_crumb = requests.post(base + "petclinic-build/buildWithParameters", auth=auth(),
                              headers={"Jenkins-Crumb": "forged"}, timeout=5)
    get = requests.get(base + "petclinic-build/build", auth=auth(), timeout=5)
    assert (disabled.status_code, parameterised.status_code, bad_crumb.status_code) == (409, 400, 403)
    assert get.status_code == 404


def test_a_choice_outside_its_choices_is_refused(acme: RunningSandbox) -> None:
    url = acme.url("jenkins") + "/job/card-vault-release/buildWithParameters"
    refused = requests.post(url, params={"RELEASE_VERSION": "v1.9.0", "TARGET": "prod"}, auth=auth(), timeout=5)
    assert refused.status_code == 400 and "Illegal choice" in refused.text


def test_timings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUILD_SECONDS_ENV, "7")
    monkeypatch.setenv(QUEUE_SECONDS_ENV, "0.5")
    app = create_app(load_world(WORLDS / "petclinic.yaml"), TEST_CREDENTIALS)
    assert (app[WORLD_KEY].build_seconds, app[WORLD_KEY].queue_seconds) == (7.0, 0.5)
