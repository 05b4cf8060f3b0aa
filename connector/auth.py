"""Who may talk to the bot: every inbound request carries a JWT from the Bot Framework, checked in full.

botframework-connector's `JwtTokenExtractor` and `ChannelValidation` do the JWT work (signature with the
key named by `kid`, issuer, audience = our app id, expiry with 5 min skew). Around them this module adds
what they lack or get wrong for a Teams bot:
  - keys are fetched with aiohttp (the SDK uses blocking `requests` on the event loop), lazily (never in a
    constructor), cached for a day, refreshed at most once a minute when an unknown `kid` appears, and
    kept when a refresh fails (stale keys beat an outage);
  - `alg` must be RS256 (checked before anything else), `kid` must be known (the SDK raises IndexError);
  - the key's `endorsements` must contain the activity's channel (the SDK skips the check when a key has
    none), and the channel must be `msteams`;
  - `exp` must be present (PyJWT only checks it when it is there);
  - the `serviceurl` claim must equal the activity's serviceUrl; then the tenant and service-URL allow-lists.
There is no "auth disabled" mode: JwtTokenValidation's empty-app-id shortcut is never used.
Nothing here logs a token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from botframework.connector.auth import (
    ChannelValidation,
    ClaimsIdentity,
    JwtTokenExtractor,
    SimpleCredentialProvider,
)
from botframework.connector.auth.verify_options import VerifyOptions
from jwt.algorithms import RSAAlgorithm

from connector.config import CHANNEL_ID, TOKEN_ISSUER, TeamsConfig, is_safe_url
from connector.http import Http

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 300
KEY_TTL_SECONDS = 24 * 3600
# An unknown `kid` triggers a refresh at most this often: a flood of forged kids cannot hammer Microsoft.
MIN_REFRESH_INTERVAL_SECONDS = 60


class AuthError(Exception):
    """The request is refused: `status` is 401 (not authenticated) or 403 (authenticated, not allowed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SigningKey:
    """One key from the JWKS, shaped as the SDK's extractor expects (`public_key`, `endorsements`)."""

    kid: str
    public_key: Any
    endorsements: tuple[str, ...]


class KeySet:
    """The Bot Framework's signing keys: metadata document → `jwks_uri` → keys, fetched asynchronously."""

    def __init__(
        self,
        metadata_url: str,
        http: Http,
        *,
        ttl: float = KEY_TTL_SECONDS,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metadata_url = metadata_url
        self.http = http
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self.clock = clock
        self.keys: dict[str, SigningKey] = {}
        self.fetched_at: float | None = None
        self.attempted_at: float | None = None
        self._refreshing: asyncio.Future | None = None

    async def get(self, kid: str) -> SigningKey | None:
        """The key named `kid`, refreshing when the cache is old or the kid is new (rate-limited). Requests
        arriving while a refresh is in flight wait for it instead of failing."""
        if kid not in self.keys or self._stale():
            if self._refreshing is not None:
                await asyncio.shield(self._refreshing)
            elif self._may_try(self.clock()):
                self.attempted_at = self.clock()
                self._refreshing = asyncio.ensure_future(self._refresh())
                await asyncio.shield(self._refreshing)
        return self.keys.get(kid)

    def _stale(self) -> bool:
        return self.fetched_at is None or self.clock() - self.fetched_at > self.ttl

    def _may_try(self, now: float) -> bool:
        # With no keys at all every request fails anyway: retry sooner than the unknown-kid limit.
        interval = self.min_refresh_interval if self.keys else min(self.min_refresh_interval, 10.0)
        return self.attempted_at is None or now - self.attempted_at >= interval

    async def _refresh(self) -> None:
        try:
            self.keys = await self._fetch()
            self.fetched_at = self.clock()
        except Exception as error:  # network, HTTP status, JSON, key format: keep what we have
            logger.warning("Teams: could not refresh the Bot Framework signing keys from %s (%s); keeping %d "
                           "cached key(s)", self.metadata_url, type(error).__name__, len(self.keys))
        finally:
            self._refreshing = None

    async def _fetch(self) -> dict[str, SigningKey]:
        session = self.http.session()
        async with session.get(self.metadata_url) as answer:
            answer.raise_for_status()
            metadata = await answer.json(content_type=None)
        jwks_uri = str(metadata["jwks_uri"])
        if not is_safe_url(jwks_uri):
            raise ValueError("jwks_uri is not https")
        async with session.get(jwks_uri) as answer:
            answer.raise_for_status()
            document = await answer.json(content_type=None)
        keys: dict[str, SigningKey] = {}
        for entry in document.get("keys") or []:
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or not entry.get("kid"):
                continue
            endorsements = tuple(str(e) for e in entry.get("endorsements") or [])
            keys[entry["kid"]] = SigningKey(entry["kid"], RSAAlgorithm.from_jwk(json.dumps(entry)), endorsements)
        if not keys:
            raise ValueError("the key set is empty")
        return keys


class _ExtractorKeys:
    """Adapts `KeySet` to the interface `JwtTokenExtractor` calls (`await get(kid)` → key or error)."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys

    async def get(self, kid: str) -> SigningKey:
        key = await self.keys.get(kid)
        if key is None:
            raise AuthError(401, "unknown signing key")
        return key


def _token_from_header(auth_header: str | None) -> str:
    scheme, _, token = (auth_header or "").partition(" ")
    token = token.strip()
    if scheme != "Bearer" or not token or " " in token:
        raise AuthError(401, "no bearer token")
    return token


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def tenant_of(activity: dict[str, Any]) -> str:
    """The activity's tenant id ("" when absent or of an odd shape: never an exception)."""
    tenant = _mapping(_mapping(activity.get("channelData")).get("tenant")).get("id")
    return str(tenant or _mapping(activity.get("conversation")).get("tenantId") or "")


class Authenticator:
    def __init__(self, config: TeamsConfig, keys: KeySet) -> None:
        self.config = config
        self.keys = keys
        self._credentials = SimpleCredentialProvider(config.app_id, "")
        options = VerifyOptions(issuer=[TOKEN_ISSUER], audience=None, clock_tolerance=CLOCK_SKEW_SECONDS,
                                ignore_expiration=False)
        had_entry = config.openid_metadata_url in JwtTokenExtractor.metadataCache
        self._extractor = JwtTokenExtractor(options, config.openid_metadata_url, [ALGORITHM])
        if not had_entry:  # the SDK registered its own (blocking, unused) fetcher: leave no trace
            JwtTokenExtractor.metadataCache.pop(config.openid_metadata_url, None)
        self._extractor.open_id_metadata = _ExtractorKeys(keys)

    async def authenticate(self, auth_header: str | None, activity: dict[str, Any]) -> dict[str, Any]:
        """The token's claims if the request may be processed; raises AuthError (401/403) otherwise."""
        claims = await self.verify_token(auth_header)
        self.check_activity(claims, activity)
        return claims

    async def verify_token(self, auth_header: str | None) -> dict[str, Any]:
        """The claims of a valid Bot Framework token for Teams, checked before the body is even parsed (the
        signing key must be endorsed for msteams: an activity of any other channel is refused later)."""
        token = _token_from_header(auth_header)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AuthError(401, "malformed token") from error
        if header.get("alg") != ALGORITHM:
            raise AuthError(401, f"signing algorithm {header.get('alg')!r} is not {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError(401, "token names no signing key")
        key = await self.keys.get(kid)
        if key is None:
            raise AuthError(401, "unknown signing key")
        if CHANNEL_ID not in key.endorsements:
            raise AuthError(403, f"signing key is not endorsed for channel {CHANNEL_ID!r}")
        identity = await self._validate(token, CHANNEL_ID)
        claims = dict(identity.claims)
        if "exp" not in claims:
            raise AuthError(401, "token has no expiry")
        return claims

    def check_activity(self, claims: dict[str, Any], activity: dict[str, Any]) -> None:
        """The parsed activity belongs to the verified token: channel msteams, the token's serviceurl claim, an
        allowed tenant and service URL. Raises AuthError (401/403) otherwise."""
        channel_id = activity.get("channelId")
        service_url = activity.get("serviceUrl")
        if not isinstance(service_url, str) or not service_url:
            raise AuthError(401, "activity has no serviceUrl")
        if channel_id != CHANNEL_ID:
            raise AuthError(403, f"signing key is not endorsed for channel {channel_id!r}")
        if claims.get(ChannelValidation.SERVICE_URL_CLAIM) != service_url:
            raise AuthError(401, "serviceurl claim does not match the activity")
        self.authorize(activity)

    async def _validate(self, token: str, channel_id: str) -> ClaimsIdentity:
        try:
            identity = await self._extractor.get_identity_from_auth_header(f"Bearer {token}", channel_id, [])
            return await ChannelValidation.validate_identity(identity, self._credentials)
        except AuthError:
            raise
        except Exception as error:  # PyJWT errors, SDK PermissionError/Exception: all mean "not authenticated"
            raise AuthError(401, f"token rejected ({type(error).__name__})") from error

    def authorize(self, activity: dict[str, Any]) -> None:
        """Authenticated, but is this tenant and service URL ours? (The bearer token we send goes there.)"""
        if not self.config.tenant_allowed(tenant_of(activity)):
            raise AuthError(403, "tenant not allowed")
        if not self.config.service_url_allowed(str(activity.get("serviceUrl"))):
            raise AuthError(403, "serviceUrl not allowed")
