"""The Jenkins facade over python-jenkins: typed results, O(1) requests, caching, and every fault as a
BackendError (over real HTTP against the sandbox)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from backends.faults import BackendError, Fault
from backends.jenkins import service as service_module
from backends.jenkins.service import log_tail
from backends.jenkins.service import service as jenkins_service
from common import settings as settings_module
from sandbox.server import RunningSandbox
from tests.support.jenkins import requests_made, set_fault
from tests.support.sandbox import TEST_CREDENTIALS


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_job_list_is_one_request_and_cached_for_names(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    jobs = {j.full_name: j for j in run(service.jobs())}
    assert jobs["platform"].is_folder and not jobs["platform/terraform-plan"].is_folder
    assert jobs["platform/terraform-plan"].folder == "platform"
    assert jobs["petclinic-build"].last_build.number == 147
    assert jobs["petclinic-integration-tests"].building
    assert jobs["artifactory-cleanup"].disabled
    first = requests_made(jenkins)
    run(service.jobs())
    assert requests_made(jenkins) == first  # names come from the cache
    assert first <= 2  # the list, and the client's one-off CSRF crumb


def test_overview_is_never_older_than_a_few_seconds(jenkins: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    service = jenkins_service()
    run(service.jobs())
    monkeypatch.setattr(service_module, "FRESH_MAX_AGE", 0.0)
    before = requests_made(jenkins)
    run(service.overview())
    assert requests_made(jenkins) == before + 1


def test_one_job_in_one_request(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    run(service.jobs())
    before = requests_made(jenkins)
    job = run(service.job("petclinic-deploy-prod"))
    assert requests_made(jenkins) == before + 1
    assert [(p.name, p.required) for p in job.parameters] == [("VERSION", True), ("CHANGE_TICKET", True)]
    assert job.last_build.parameters == {"VERSION": "3.2.0", "CHANGE_TICKET": "CHG-1042"}
    build = run(service.job("petclinic-build"))
    assert build.last_unsuccessful.number == 147 and build.last_build.causes == ["Started by GitHub push by dan"]
    assert build.last_build.changes[0].commit == "a41f9e2" and build.last_build.failed_tests == 1
    assert build.parameters[0].default == "main" and not build.parameters[0].required
    assert run(service.job("artifactory-cleanup")).disabled


def test_a_given_build_and_a_missing_one(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    build = run(service.build("petclinic-build", 144))
    assert (build.number, build.result, build.duration) == (144, "FAILURE", 120)
    with pytest.raises(BackendError) as missing:
        run(service.build("petclinic-build", 999))
    assert missing.value.fault is Fault.NOT_FOUND and "#999" in missing.value.detail


def test_why_a_build_failed_in_at_most_three_parallel_requests(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    build = run(service.build("petclinic-build", 147))
    before = requests_made(jenkins)
    found = run(service.failure(build, pipeline=True))
    assert requests_made(jenkins) - before <= 3
    assert found.failed_stage.name == "Test"
    assert [t.short for t in found.failed_tests] == ["OwnerControllerTests.testProcessUpdateOwnerFormSuccess"]
    assert "Status expected:<302> but was:<200>" in found.failed_tests[0].details
    assert found.log_tail[-1] == "Finished: FAILURE" and "[ERROR] BUILD FAILURE" in found.log_tail
    assert found.console_url.endswith("/job/petclinic-build/147/console")


def test_a_failure_without_tests_asks_for_no_test_report(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    build = run(service.build("petclinic-nightly", 299))
    jenkins.state("jenkins").counts.clear()
    found = run(service.failure(build, pipeline=True))
    assert not any("testReport" in path for path in jenkins.state("jenkins").counts)
    assert found.failed_stage.name == "Dependency audit" and found.failed_tests == []


def test_running_and_queued_in_two_requests(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    run(service.jobs())
    before = requests_made(jenkins)
    activity = run(service.activity())
    assert requests_made(jenkins) - before <= 2
    assert [(j.full_name, j.last_build.number) for j in activity.running] == [("petclinic-integration-tests", 89)]
    (queued,) = activity.queued
    assert (queued.job, queued.why, queued.parameters) == (
        "petclinic-deploy-staging", "Waiting for next available executor on agent-linux-1", {"VERSION": "latest"})


def test_agents_in_one_request(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    agents = {a.name: a for a in run(service.agents())}
    assert requests_made(jenkins) <= 2
    assert not agents["agent-linux-2"].online and "0.412GB" in agents["agent-linux-2"].reason
    assert (agents["agent-linux-1"].busy, agents["agent-linux-1"].executors) == (2, 2)
    assert agents["agent-linux-1"].labels == ["linux", "docker"]
    assert agents["Built-In Node"].url.endswith("/computer/(built-in)/")


def test_log_tail_skips_pipeline_markers() -> None:
    console = "Started\n[Pipeline] stage\n\n[ERROR] boom\n[Pipeline] }\nFinished: FAILURE\n"
    assert log_tail(console, 2) == ["[ERROR] boom", "Finished: FAILURE"]


# -- faults --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "fault"),
    [(401, Fault.UNAUTHORISED), (403, Fault.FORBIDDEN), (404, Fault.NOT_FOUND), (429, Fault.RATE_LIMITED),
     (500, Fault.BAD_RESPONSE), (503, Fault.BAD_RESPONSE)],
)
def test_http_faults(jenkins: RunningSandbox, status: int, fault: Fault) -> None:
    service = jenkins_service()
    set_fault(jenkins, status=status, headers={"Retry-After": "30"} if status == 429 else {})
    with pytest.raises(BackendError) as raised:
        run(service.jobs())
    assert raised.value.backend == "Jenkins" and raised.value.fault is fault
    if status == 429:
        assert raised.value.retry_at is not None


def test_malformed_json(jenkins: RunningSandbox) -> None:
    service = jenkins_service()
    run(service.jobs())  # the crumb is fetched; now the answers break
    set_fault(jenkins, malformed=True)
    with pytest.raises(BackendError) as raised:
        run(service.job("petclinic-build"))
    assert raised.value.fault is Fault.BAD_RESPONSE


def test_slow_jenkins_times_out(jenkins: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_HTTP_TIMEOUT", "0.5")
    settings_module.reset()
    set_fault(jenkins, delay=3)
    with pytest.raises(BackendError) as raised:
        run(jenkins_service().agents())
    assert raised.value.fault is Fault.TIMED_OUT


def test_wrong_token(jenkins: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JENKINS_API_TOKEN", "wrong-token-1234")
    settings_module.reset()
    with pytest.raises(BackendError) as raised:
        run(jenkins_service().jobs())
    assert raised.value.fault is Fault.UNAUTHORISED and "wrong-token-1234" not in str(raised.value)
    assert TEST_CREDENTIALS["JENKINS_API_TOKEN"] not in str(raised.value)


def test_jenkins_down(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("JENKINS_URL", f"http://127.0.0.1:{port}")
    settings_module.reset()
    service_module.reset()
    with pytest.raises(BackendError) as raised:
        run(jenkins_service().jobs())
    assert raised.value.fault is Fault.UNREACHABLE
    settings_module.reset()


def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JENKINS_URL", raising=False)
    settings_module.reset()
    with pytest.raises(BackendError) as raised:
        jenkins_service()
    assert raised.value.fault is Fault.NOT_CONFIGURED
    settings_module.reset()


def test_culprits_and_the_start_of_a_run_of_failures(streak: RunningSandbox) -> None:
    """"who broke it?" reads Jenkins' culprits of a build and one request of build history (newest first)."""
    service = jenkins_service()
    assert run(service.build("ledger-api-build", 11)).culprits == ["alice"]
    assert run(service.build("docs-site", 3)).culprits == []
    before = requests_made(streak)
    history = run(service.history("ledger-api-build"))
    assert requests_made(streak) == before + 1
    assert [(b.number, b.result) for b in history] == [(13, "FAILURE"), (12, "ABORTED"), (11, "FAILURE"),
                                                      (10, "SUCCESS")]
    assert service_module.first_broken(history, 13) == (11, True)  # the aborted #12 says nothing
    assert service_module.first_broken(history[:3], 13) == (11, False)  # no passing build seen: "at least"
    assert service_module.first_broken(history[:3], 13, complete=True) == (11, True)
