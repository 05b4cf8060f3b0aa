"""credentials.teams.yml, read the way `rasa run --credentials` reads it: the TEAMS_* variables fill the
`connector.teams.TeamsInput` entry, empty optional ones mean the defaults, and no app id means no start."""

from __future__ import annotations

import pytest

from connector.config import ConfigError
from tests.support.sandbox import ROOT

OPTIONAL = ("TEAMS_TENANT_ID", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL", "TEAMS_GRAPH_URL",
            "TEAMS_ALLOWED_SERVICE_URLS", "TEAMS_ALLOWED_TENANTS", "TEAMS_STORE_PATH")


def channels(monkeypatch, **env: str):
    from rasa.core.run import create_http_input_channels  # heavy: imports the Rasa server

    for name in OPTIONAL:
        monkeypatch.setenv(name, "")  # what scripts/run.sh exports when they are unset
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_http_input_channels(None, str(ROOT / "credentials.teams.yml"))


def test_the_teams_entry_loads_the_channel_from_the_environment(monkeypatch, tmp_path) -> None:
    loaded = channels(monkeypatch, TEAMS_APP_ID="8e6f3b1c-5d2a-4c7e-9f0b-0b07f0b07f00", TEAMS_APP_PASSWORD="s3cret",
                      TEAMS_TENANT_ID="contoso-tenant", TEAMS_STORE_PATH=str(tmp_path / "refs.db"))
    assert sorted(channel.name() for channel in loaded) == ["notify", "rest", "teams"]  # notify: issue 7
    (teams,) = [channel for channel in loaded if channel.name() == "teams"]
    assert teams.url_prefix() == "teams"  # → POST /webhooks/teams/webhook
    config = teams.config
    assert (config.app_id, config.app_password, config.tenant_id) == \
        ("8e6f3b1c-5d2a-4c7e-9f0b-0b07f0b07f00", "s3cret", "contoso-tenant")
    assert config.resolved_token_url == "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token"
    assert config.openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert config.allowed_tenants == {"contoso-tenant"}
    assert config.graph_url == "https://graph.microsoft.com"
    assert config.store_path == str(tmp_path / "refs.db")
    assert config.welcome_intent == "greet"
    assert "s3cret" not in repr(config)


def test_without_an_app_id_the_channel_refuses_to_start(monkeypatch) -> None:
    with pytest.raises(ConfigError, match="TEAMS_APP_ID"):
        channels(monkeypatch, TEAMS_APP_ID="", TEAMS_APP_PASSWORD="s3cret")
