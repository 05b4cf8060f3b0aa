"""Inbound security of the Teams channel, over real HTTP: every forged or misdirected request is refused
with 401/403, Rasa never hears of it and nothing is posted; keys are fetched lazily, cached, refreshed on
rotation (rate-limited) and kept when the key server fails."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

from connector.config import ConfigError, TeamsConfig
from connector.teams import TeamsInput
from sandbox.botframework import KEYS_PATH, METADATA_PATH, Key, _new_rsa_key

NOW = int(time.time())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key_fetches(fake_bf) -> int:
    stats = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()
    return stats["by_path"].get(KEYS_PATH, 0)


def assert_refused(server, answer, status: int) -> None:
    assert answer.status_code == status, answer.text
    server.drain()
    assert server.bot.messages == [], "Rasa heard a refused request"
    assert server.fake.delivered() == [], "something was posted for a refused request"


def test_a_valid_token_is_accepted(teams, fake_bf) -> None:
    server = teams()
    answer = server.post(fake_bf.activity("hello"))
    assert answer.status_code == 200
    assert [m.text for m in server.bot.wait(1)] == ["hello"]


@pytest.mark.parametrize(
    ("mutation", "token_options", "status"),
    [
        ("wrong issuer", {"iss": "https://sts.windows.net/evil/"}, 401),
        ("no issuer", {"iss": None}, 401),
        ("wrong audience", {"aud": "00000000-0000-0000-0000-000000000000"}, 401),
        ("expired beyond the 5 min skew", {"exp": NOW - 400, "nbf": NOW - 4000}, 401),
        ("not valid yet", {"nbf": NOW + 600}, 401),
        ("no expiry", {"exp": None}, 401),
        ("serviceurl claim for another host", {"serviceurl": "https://smba.trafficmanager.net/amer/"}, 401),
        ("no serviceurl claim", {"serviceurl": None}, 401),
        ("unknown kid", {"kid": "no-such-key"}, 401),
        ("HS256 signed with the public key", {"algorithm": "HS256"}, 401),
        ("alg none", {"algorithm": "none"}, 401),
        ("RS512 instead of RS256", {"algorithm": "RS512"}, 401),
    ],
)
def test_forged_tokens_are_refused(teams, fake_bf, mutation, token_options, status) -> None:
    server = teams()
    activity = fake_bf.activity("run the deploy")
    assert_refused(server, server.post(activity, **token_options), status)


def test_a_bad_signature_is_refused(teams, fake_bf) -> None:
    server = teams()
    impostor = Key(fake_bf.key.kid, _new_rsa_key(), ["msteams"])  # same kid, someone else's private key
    assert_refused(server, server.post(fake_bf.activity("hi"), key=impostor), 401)


def test_missing_or_foreign_authorization_is_refused(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi")
    token = fake_bf.token(activity["serviceUrl"])
    for headers in ({}, {"Authorization": f"Basic {token}"}, {"Authorization": "Bearer"},
                    {"Authorization": f"bearer {token}"}, {"Authorization": f"Bearer {token} extra"}):
        assert_refused(server, server.post(activity, headers=headers), 401)


def test_a_key_without_the_teams_endorsement_is_refused(teams, fake_bf) -> None:
    server = teams()
    skype_only = fake_bf.rotate(endorsements=("skype",))
    assert_refused(server, server.post(fake_bf.activity("hi"), key=skype_only), 403)


def test_an_activity_from_another_channel_is_refused(teams, fake_bf) -> None:
    server = teams()
    assert_refused(server, server.post(fake_bf.activity("hi", channelId="webchat")), 403)


def test_a_body_that_is_not_an_activity_is_400_never_200(teams, fake_bf) -> None:
    server = teams()
    activity = fake_bf.activity("hi")
    answer = requests.post(server.url, data=b"{not json", headers=fake_bf.headers(activity), timeout=10)
    assert answer.status_code == 400


def test_token_skew_of_a_few_minutes_is_tolerated(teams, fake_bf) -> None:
    server = teams()
    answer = server.post(fake_bf.activity("hi"), exp=NOW - 120, nbf=NOW - 3600)
    assert answer.status_code == 200
    assert server.bot.wait(1)


def test_a_foreign_tenant_is_refused(teams, fake_bf) -> None:
    server = teams(allowed_tenants="tenant-of-acme")
    assert_refused(server, server.post(fake_bf.activity("hi", tenant_id="tenant-of-someone-else")), 403)
    assert server.post(fake_bf.activity("hi", tenant_id="tenant-of-acme")).status_code == 200


def test_a_single_tenant_bot_serves_only_its_tenant(teams, fake_bf) -> None:
    fake_bf.tenant_id = "tenant-of-acme"
    server = teams(tenant_id="tenant-of-acme")
    assert_refused(server, server.post(fake_bf.activity("hi", tenant_id="another-tenant")), 403)
    assert server.post(fake_bf.activity("hi", tenant_id="tenant-of-acme")).status_code == 200
    assert fake_bf.wait_messages(1)  # the token came from the tenant's own endpoint


def test_an_unlisted_service_url_gets_nothing(teams, fake_bf) -> None:
    server = teams(allowed_service_urls="")  # the default: Teams' own hosts only
    tokens_before = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"]
    assert_refused(server, server.post(fake_bf.activity("hi")), 403)
    tokens_after = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"]
    assert {k: v for k, v in tokens_after.items() if "oauth2" in k} == \
           {k: v for k, v in tokens_before.items() if "oauth2" in k}


def test_keys_are_fetched_once_and_cached(teams, fake_bf) -> None:
    server = teams()
    for text in ("one", "two", "three"):
        assert server.post(fake_bf.activity(text)).status_code == 200
    assert key_fetches(fake_bf) == 1


def test_a_rotated_key_is_fetched_once_and_unknown_kids_are_rate_limited(teams, fake_bf) -> None:
    clock = Clock()
    server = teams(clock=clock)
    assert server.post(fake_bf.activity("before")).status_code == 200
    new_key = fake_bf.rotate()
    clock.now += 120  # Microsoft publishes a key before using it; a refresh is allowed once a minute
    assert server.post(fake_bf.activity("after rotation"), key=new_key).status_code == 200
    assert key_fetches(fake_bf) == 2
    for _ in range(3):
        assert server.post(fake_bf.activity("forged"), kid="made-up-kid").status_code == 401
    assert key_fetches(fake_bf) == 2, "an unknown kid must not trigger a fetch every time"


def test_stale_keys_are_kept_when_the_key_server_fails(teams, fake_bf) -> None:
    clock = Clock()
    server = teams(clock=clock)
    assert server.post(fake_bf.activity("fresh")).status_code == 200
    requests.post(fake_bf.base_url + "/_sandbox/fault", json={"status": 503, "paths": "/v1/"}, timeout=5)
    clock.now += 25 * 3600  # the cache is older than a day: a refresh is due, and fails
    assert server.post(fake_bf.activity("stale but valid")).status_code == 200
    requests.post(fake_bf.base_url + "/_sandbox/fault", json={}, timeout=5)
    stats = requests.get(fake_bf.base_url + "/_sandbox/stats", timeout=5).json()["by_path"]
    assert stats.get(METADATA_PATH) == 2  # the refresh was tried
    assert [m.text for m in server.bot.wait(2)] == ["fresh", "stale but valid"]


def test_keys_older_than_a_day_are_refreshed(teams, fake_bf) -> None:
    clock = Clock()
    server = teams(clock=clock)
    assert server.post(fake_bf.activity("day one")).status_code == 200
    clock.now += 25 * 3600
    assert server.post(fake_bf.activity("day two")).status_code == 200
    assert key_fetches(fake_bf) == 2


def test_no_network_in_the_constructor(fake_bf, tmp_path, monkeypatch) -> None:
    def no_network(*_args, **_kwargs):
        raise AssertionError("network used in the constructor")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    channel = TeamsInput.from_credentials({
        "app_id": fake_bf.app_id, "app_password": "x", "store_path": str(tmp_path / "t.db")})
    assert channel.name() == "teams"
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize(
    ("credentials", "complaint"),
    [
        ({"app_id": "", "app_password": "pw"}, "app_id"),
        ({"app_password": "pw"}, "app_id"),
        ({"app_id": "8e6f3b1c", "app_password": ""}, "app_password"),
        ({"app_id": "8e6f3b1c", "app_password": "pw", "openid_metadata_url": "http://login.example.com/x"}, "https"),
        ({"app_id": "8e6f3b1c", "app_password": "pw", "token_url": "http://login.example.com/t"}, "https"),
        ({"app_id": "8e6f3b1c", "app_password": "pw", "allowed_service_urls": "http://smba.example.com"}, "https"),
    ],
)
def test_unsafe_configurations_refuse_to_start(credentials, complaint) -> None:
    with pytest.raises(ConfigError, match=complaint):
        TeamsInput.from_credentials(credentials)


def test_no_credentials_at_all_refuse_to_start() -> None:
    from rasa.shared.exceptions import RasaException

    with pytest.raises(RasaException):
        TeamsInput.from_credentials(None)


def test_defaults_are_the_public_cloud() -> None:
    config = TeamsConfig.from_credentials({"app_id": "8e6f3b1c", "app_password": "pw"})
    assert config.openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert config.resolved_token_url == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    assert config.service_url_allowed("https://smba.trafficmanager.net/amer/")
    assert not config.service_url_allowed("http://smba.trafficmanager.net/amer/")
    assert not config.service_url_allowed("http://127.0.0.1:9/")
    single = TeamsConfig.from_credentials({"app_id": "8e6f3b1c", "app_password": "pw", "tenant_id": "t-1"})
    assert single.resolved_token_url == "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
    assert single.allowed_tenants == {"t-1"}


def test_tokens_never_reach_the_log(teams, fake_bf, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server = teams()
    assert server.post(fake_bf.activity("hi")).status_code == 200
    assert fake_bf.wait_messages(1)
    assert server.post(fake_bf.activity("hi"), aud="someone-else").status_code == 401
    requests.post(fake_bf.base_url + "/_sandbox/revoke", timeout=5)  # forces a 401 and a token refresh
    assert server.post(fake_bf.activity("again")).status_code == 200
    assert fake_bf.wait_messages(2)
    server.drain()
    assert caplog.records, "nothing was logged at all: the check below would prove nothing"
    assert "eyJ" not in caplog.text
    assert fake_bf.app_password not in caplog.text
