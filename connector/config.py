"""The Teams channel's settings, from the `connector.teams.TeamsInput` entry of the credentials file.

credentials.teams.yml fills them from TEAMS_* environment variables; an empty value means "the default".
Validated once, at start-up: a missing app id or password, or a plain-http URL to a non-loopback host, is a
fatal error (there is deliberately no way to switch authentication off).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL_TEMPLATE = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
MULTI_TENANT = "botframework.com"
# Teams posts from these hosts (public cloud; regional paths like /amer/, /emea/, /teams/ under them).
DEFAULT_SERVICE_HOSTS = ("https://smba.trafficmanager.net",)
TOKEN_ISSUER = "https://api.botframework.com"
CHANNEL_ID = "msteams"
GROUP_SENDER_POLICIES = ("conversation", "user")


class ConfigError(ValueError):
    """The Teams channel cannot start with these settings; the message says which one and why."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")


@dataclass(frozen=True)
class Origin:
    """scheme://host:port/path/: what a service URL must match to receive the bot's bearer token. `path` is a
    prefix ("/" for the whole host; "/amer/" for one region)."""

    scheme: str
    host: str
    port: int
    path: str = "/"

    @classmethod
    def parse(cls, url: str) -> Origin:
        """A service URL taken apart strictly: http(s), a host, no user, query or fragment, and a path of plain
        segments (letters, digits, `-._~`; no `..`, no %-escapes). Raises ValueError otherwise."""
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        if parts.username or parts.password or parts.query or parts.fragment or "?" in url or "#" in url:
            raise ValueError(f"a service URL has no user, query or fragment: {url!r}")
        segments = [segment for segment in parts.path.split("/") if segment]
        if any(not _SEGMENT.fullmatch(segment) for segment in segments):
            raise ValueError(f"a service URL's path is plain segments: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = "/" + "".join(f"{segment}/" for segment in segments)
        return cls(parts.scheme, parts.hostname.lower(), port, path)

    @property
    def safe(self) -> bool:
        """https anywhere, plain http only to this machine (tests, the sandbox)."""
        return self.scheme == "https" or _is_loopback(self.host)

    @property
    def url(self) -> str:
        """The URL rebuilt from its parsed parts (ending in "/"): the only form opsbot sends a token to."""
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{'' if self.port == default else f':{self.port}'}{self.path}"

    def covers(self, other: Origin) -> bool:
        return (self.scheme, self.host, self.port) == (other.scheme, other.host, other.port) and \
            other.path.startswith(self.path)


def service_base(service_url: str) -> str:
    """The Bot Connector base URL to call, rebuilt from the parsed parts of a service URL (ValueError when it
    is not a plain one)."""
    return Origin.parse(service_url).url


def _words(value: Any) -> tuple[str, ...]:
    """A list, or a string of comma/space separated items (what an environment variable can hold)."""
    if value is None:
        return ()
    items: Iterable[Any] = value if isinstance(value, list | tuple) else re.split(r"[,\s]+", str(value))
    return tuple(str(item).strip() for item in items if str(item).strip())


def _text(credentials: Mapping[str, Any], key: str, default: str = "") -> str:
    value = credentials.get(key)
    return str(value).strip() if value not in (None, "") else default


def is_safe_url(url: str) -> bool:
    """An http(s) URL that is https, or plain http to this machine (tests, the sandbox)."""
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.hostname) and \
        (parts.scheme == "https" or _is_loopback(str(parts.hostname)))


DEFAULT_GRAPH_URL = "https://graph.microsoft.com"


def _require_safe_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"Teams channel: {name} is not a URL: {url!r}")
    if not is_safe_url(url):
        raise ConfigError(f"Teams channel: {name} must be https (plain http only to loopback): {url!r}")
    return url


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str
    app_password: str = field(repr=False)
    tenant_id: str = ""
    openid_metadata_url: str = DEFAULT_OPENID_METADATA_URL
    token_url: str = ""
    # Microsoft Graph, for group membership when access.yml names groups (connector/groups.py).
    graph_url: str = DEFAULT_GRAPH_URL
    allowed_service_urls: tuple[Origin, ...] = ()
    allowed_tenants: frozenset[str] = frozenset()
    store_path: str = ".opsbot/teams.db"
    http_timeout: float = 10.0
    # An intent sent when the bot is added to a conversation ("" = stay quiet).
    welcome_intent: str = ""
    # An intent for card submits without a `rasa_payload` (their fields go to metadata; "" = ignore them).
    submit_intent: str = ""
    # Who a channel/group chat's tracker belongs to: the conversation (shared context) or each user.
    group_sender: str = "conversation"
    typing_interval: float = 3.0
    # Seconds without a reply before the first typing indicator (an instant answer sends none; 0 = at once).
    typing_delay: float = 0.5
    # Look up each speaker's userPrincipalName (one GET per user per hour) for UPN-based access rules.
    member_lookup: bool = True
    # Teams refuses activities over ~100 KB (UTF-16); split text well below that.
    max_text_bytes: int = 80_000
    sends_per_second: int = 7

    def __post_init__(self) -> None:
        if not self.app_id:
            raise ConfigError("Teams channel: app_id (TEAMS_APP_ID) is empty. Authentication cannot be switched off.")
        if not self.app_password:
            raise ConfigError("Teams channel: app_password (TEAMS_APP_PASSWORD) is empty.")
        _require_safe_url("openid_metadata_url", self.openid_metadata_url)
        _require_safe_url("token_url", self.resolved_token_url)
        _require_safe_url("graph_url", self.graph_url)
        for origin in self.allowed_service_urls:
            if not origin.safe:
                raise ConfigError(f"Teams channel: allowed service URL {origin.scheme}://{origin.host} must be https "
                                  "(plain http only to loopback)")
        if self.group_sender not in GROUP_SENDER_POLICIES:
            raise ConfigError(f"Teams channel: group_sender must be one of {GROUP_SENDER_POLICIES}")

    @property
    def resolved_token_url(self) -> str:
        """The configured URL (`{tenant}` is replaced), else the Microsoft identity platform's for the tenant."""
        template = self.token_url or TOKEN_URL_TEMPLATE
        return template.replace("{tenant}", self.tenant_id or MULTI_TENANT)

    def service_url_allowed(self, service_url: str) -> bool:
        """Scheme, host, port and path prefix of an allowed service URL, and nothing a URL can smuggle."""
        try:
            origin = Origin.parse(service_url)
        except ValueError:
            return False
        return origin.safe and any(allowed.covers(origin) for allowed in self.allowed_service_urls)

    def tenant_allowed(self, tenant_id: str) -> bool:
        return not self.allowed_tenants or tenant_id in self.allowed_tenants

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> TeamsConfig:
        tenant_id = _text(credentials, "tenant_id")
        service_urls = _words(credentials.get("allowed_service_urls")) or DEFAULT_SERVICE_HOSTS
        try:
            origins = tuple(Origin.parse(url) for url in service_urls)
        except ValueError as error:
            raise ConfigError(f"Teams channel: allowed_service_urls: {error}") from error
        # A single-tenant bot serves its own tenant unless told otherwise.
        tenants = _words(credentials.get("allowed_tenants")) or ((tenant_id,) if tenant_id else ())
        return cls(
            app_id=_text(credentials, "app_id"),
            app_password=_text(credentials, "app_password"),
            tenant_id=tenant_id,
            openid_metadata_url=_text(credentials, "openid_metadata_url", DEFAULT_OPENID_METADATA_URL),
            token_url=_text(credentials, "token_url"),
            graph_url=_text(credentials, "graph_url", DEFAULT_GRAPH_URL).rstrip("/"),
            allowed_service_urls=origins,
            allowed_tenants=frozenset(tenants),
            store_path=_text(credentials, "store_path", ".opsbot/teams.db"),
            http_timeout=float(_text(credentials, "http_timeout", "10")),
            welcome_intent=_text(credentials, "welcome_intent"),
            submit_intent=_text(credentials, "submit_intent"),
            group_sender=_text(credentials, "group_sender", "conversation"),
            typing_interval=float(_text(credentials, "typing_interval", "3")),
            typing_delay=float(_text(credentials, "typing_delay", "0.5")),
            member_lookup=_text(credentials, "member_lookup", "true").lower() not in ("false", "no", "0", "off"),
            sends_per_second=int(_text(credentials, "sends_per_second", "7")),
        )
