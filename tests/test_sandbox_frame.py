"""The sandbox frame shared by every fake service: health, auth, counters, fault switches."""

from __future__ import annotations

import requests

from tests.support.sandbox import TEST_CREDENTIALS


def test_every_service_reports_health(petclinic) -> None:
    for service in ("jenkins", "github", "grafana"):
        answer = requests.get(petclinic.url(service) + "/_sandbox/health", timeout=5)
        assert answer.json() == {"status": "ok", "service": service}


def test_wrong_credentials_get_401(petclinic) -> None:
    jenkins = requests.get(petclinic.url("jenkins") + "/api/json", auth=("opsbot-test", "wrong"), timeout=5)
    github = requests.get(petclinic.url("github") + "/user", headers={"Authorization": "token nope"}, timeout=5)
    grafana = requests.get(petclinic.url("grafana") + "/api/search", headers={"Authorization": "Bearer x"}, timeout=5)
    assert [jenkins.status_code, github.status_code, grafana.status_code] == [401, 401, 401]


def test_requests_are_counted_and_reset(petclinic) -> None:
    url = petclinic.url("grafana")
    for _ in range(3):
        requests.get(url + "/api/search", headers={"Authorization": f"Bearer {TEST_CREDENTIALS['GRAFANA_TOKEN']}"},
                     timeout=5)
    stats = requests.get(url + "/_sandbox/stats", timeout=5).json()
    assert stats["by_path"]["/api/search"] == 3
    assert requests.delete(url + "/_sandbox/stats", timeout=5).json()["requests"] == 0


def test_fault_switch_answers_with_the_scripted_status(petclinic) -> None:
    url = petclinic.url("github")
    requests.post(url + "/_sandbox/fault", json={"status": 503}, timeout=5)
    headers = {"Authorization": f"token {TEST_CREDENTIALS['GITHUB_TOKEN']}"}
    assert requests.get(url + "/user", headers=headers, timeout=5).status_code == 503
    requests.post(url + "/_sandbox/fault", json={}, timeout=5)
    assert requests.get(url + "/user", headers=headers, timeout=5).status_code != 503
