"""A fake Microsoft Bot Framework: what Teams and Azure Bot Service look like from the bot's side.

Serves the real paths and shapes:
  GET  /v1/.well-known/openidconfiguration       OpenID metadata (issuer, jwks_uri)
  GET  /v1/.well-known/keys                      JWKS: RSA keys with `endorsements` (["msteams", ...])
  POST /{tenant}/oauth2/v2.0/token               client-credentials token (AAD's form and JSON answer)
  POST /v3/conversations/{id}/activities[/{replyToId}]   send / reply   → 201 {"id": ...}
  PUT  /v3/conversations/{id}/activities/{activityId}    update         → 200 {"id": ...}
  DELETE /v3/conversations/{id}/activities/{activityId}  delete         → 200
  GET  /v3/conversations/{id}/members/{userId}           one member (TeamsChannelAccount, with the UPN)
  GET  /v1.0/users/{aadObjectId}/transitiveMemberOf/microsoft.graph.group   Microsoft Graph: the user's groups
                                  (`value` of {"id"}; `$top` pages with `@odata.nextLink`), with a token
                                  issued for Graph's scope; 403 Authorization_RequestDenied when the app
                                  lacks the permission (`graph_permission = False`)
  (the conversation paths also under a region prefix, as Teams' serviceUrl has one: /amer/v3/...)

and records every conversation call. Test, demo and bench controls (not part of the real service):
  GET|DELETE /_sandbox/received   what the conversation endpoints received (DELETE clears)
  POST /_sandbox/script           {"responses": [{"status": 429, "headers": {"Retry-After": "1"}}, ...]}:
                                  the next conversation calls get these answers, in order (an entry
                                  with "type": "message" only answers calls posting that activity type)
  POST /_sandbox/rotate           a new signing key becomes current (old ones stay published)
  POST /_sandbox/revoke           every issued outbound token becomes invalid (→ 401)
  POST /_sandbox/sign             {"serviceUrl": ..., claims...} → {"token": a valid inbound JWT}
plus base_app's /_sandbox/health, /_sandbox/stats (request counts by path) and /_sandbox/fault.

`FakeBotFramework.token(...)` and `activity(...)` build signed requests in-process, with any claim, header
or key changed, so tests can forge every kind of bad token.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from sandbox.server import CONTROL_PREFIX, base_app, origin

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GRAPH_GROUPS = "/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group"
MULTI_TENANT = "botframework.com"
DEFAULT_APP_ID = "8e6f3b1c-5d2a-4c7e-9f0b-0b07f0b07f00"
DEFAULT_APP_PASSWORD = "sandbox-teams-secret"
DEFAULT_PORT = 8084
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
# Teams refuses activities over about 100 KB of UTF-16 text (413 MessageSizeTooBig).
MAX_ACTIVITY_BYTES = 100_000


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _local_timestamp(zone: str) -> str:
    """Now as the sender's clock shows it, with its offset ("2026-11-18T16:00:00.000+01:00")."""
    try:
        moment = datetime.now(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        moment = datetime.now(timezone.utc)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000") + f"{offset[:3]}:{offset[3:]}"


@dataclass
class Key:
    kid: str
    private: rsa.RSAPrivateKey
    endorsements: list[str]

    def jwk(self) -> dict[str, Any]:
        entry = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        entry.update({"kid": self.kid, "x5t": self.kid, "use": "sig", "endorsements": list(self.endorsements)})
        return entry

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass
class Received:
    """One call to a conversation endpoint, as the service saw it."""

    method: str
    raw_path: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any] | None
    status: int
    at: float = field(default_factory=time.monotonic)

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300

    def as_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.raw_path, "conversationId": self.conversation_id,
                "activityId": self.activity_id, "body": self.body, "status": self.status}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token whose HMAC secret is the RSA *public* key: the classic algorithm-confusion attack
    (PyJWT refuses to create one, so it is assembled by hand)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64url(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class FakeBotFramework:
    def __init__(
        self,
        app_id: str = DEFAULT_APP_ID,
        app_password: str = DEFAULT_APP_PASSWORD,
        tenant_id: str = "",
        token_lifetime: int = 3599,
        endorsements: tuple[str, ...] = ("msteams", "skype"),
    ) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.tenant_id = tenant_id
        self.token_lifetime = token_lifetime
        self.keys: list[Key] = [Key(uuid.uuid4().hex, _new_rsa_key(), list(endorsements))]
        self._aad_key = _new_rsa_key()  # signs outbound tokens; never published in the channel JWKS
        self.issued: dict[str, float] = {}
        self.received: list[Received] = []
        self.script: collections.deque[dict[str, Any]] = collections.deque()
        self.base_url = ""  # set by whoever serves the app (for tokens and activities built in-process)
        self.members: dict[str, dict[str, Any]] = {}  # Teams user id → TeamsChannelAccount
        self.groups: dict[str, list[str]] = {}  # AAD object id → the ids of the groups it is in (Graph)
        self.graph_permission = True  # False: the app has no GroupMember.Read.All (Graph answers 403)
        self.graph_tokens: set[str] = set()  # tokens issued for Graph's scope (the others are the Bot Connector's)
        self.listeners: list[Callable[[Received], None]] = []  # called (in the server's thread) per call
        self._changed = threading.Condition()
        self._ids = 0

    # -- keys and inbound tokens ------------------------------------------------------------------------
    @property
    def key(self) -> Key:
        return self.keys[-1]

    def rotate(self, endorsements: tuple[str, ...] = ("msteams", "skype"), keep_old: bool = True) -> Key:
        key = Key(uuid.uuid4().hex, _new_rsa_key(), list(endorsements))
        self.keys = [*self.keys, key] if keep_old else [key]
        return key

    def claims(self, service_url: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"serviceurl": service_url, "nbf": now - 5, "exp": now + 3600, "iss": ISSUER,
                                  "aud": self.app_id}
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def token(
        self,
        service_url: str,
        *,
        key: Key | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        """A token the Bot Framework would send with an activity for `service_url`; any claim can be
        changed (or dropped with None), and the key, its advertised kid and the algorithm replaced."""
        key = key or self.key
        body = self.claims(service_url, **claims)
        if algorithm == "HS256":
            return forge_hs256(body, key.public_pem(), kid or key.kid)
        if algorithm == "none":
            header = _b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid or key.kid}).encode())
            return f"{header}.{_b64url(json.dumps(body).encode())}."
        return jwt.encode(body, key.private, algorithm=algorithm, headers={"kid": kid or key.kid, "typ": "JWT"})

    def service_url(self, region: str = "amer") -> str:
        return f"{self.base_url}/{region}/" if region else f"{self.base_url}/"

    def activity(
        self,
        text: str = "hi",
        *,
        conversation_type: str = "personal",
        conversation_id: str | None = None,
        user_id: str = "29:1user-ann",
        user_name: str = "Ann Example",
        aad_object_id: str | None = "6a1b2c3d-0000-4000-8000-00000000a001",
        tenant_id: str = "72f988bf-0000-4000-8000-0000000000aa",
        team_id: str = "19:team-general@thread.tacv2",
        channel_id: str = "19:ops-channel@thread.tacv2",
        mention_bot: bool | None = None,
        bot_name: str = "opsbot",
        service_url: str | None = None,
        local_timezone: str = "Europe/London",
        **fields: Any,
    ) -> dict[str, Any]:
        """A Teams message activity as Teams sends it; in channels and group chats the bot is @mentioned. The
        sender's time zone is in `localTimezone` and in the clientInfo entity, as Teams sends it."""
        self._ids += 1
        activity_id = fields.pop("id", f"17000000000{self._ids:02d}")
        if conversation_id is None:
            conversation_id = {
                "personal": "a:1personal-chat-ann",
                "groupChat": "19:group-chat-1@thread.v2",
                "channel": f"{channel_id};messageid={activity_id}",
            }[conversation_type]
        bot_id = f"28:{self.app_id}"
        sender: dict[str, Any] = {"id": user_id, "name": user_name}
        if aad_object_id:
            sender["aadObjectId"] = aad_object_id
        self.add_member(user_id, user_name, aad_object_id, tenant_id)
        mention = conversation_type != "personal" if mention_bot is None else mention_bot
        entities: list[dict[str, Any]] = [{"type": "clientInfo", "locale": "en-GB", "country": "GB",
                                           "platform": "Web", "timezone": local_timezone}]
        if mention and text is not None:
            at = f"<at>{bot_name}</at>"
            text = f"{at} {text}"
            entities.append({"type": "mention", "text": at, "mentioned": {"id": bot_id, "name": bot_name}})
        channel_data: dict[str, Any] = {"tenant": {"id": tenant_id}}
        if conversation_type == "channel":
            channel_data.update({"team": {"id": team_id}, "channel": {"id": channel_id}})
        activity: dict[str, Any] = {
            "type": "message",
            "id": activity_id,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "localTimestamp": _local_timestamp(local_timezone),
            "localTimezone": local_timezone,
            "serviceUrl": service_url or self.service_url(),
            "channelId": "msteams",
            "from": sender,
            "conversation": {"id": conversation_id, "conversationType": conversation_type, "tenantId": tenant_id,
                             "isGroup": conversation_type != "personal"},
            "recipient": {"id": bot_id, "name": bot_name},
            "textFormat": "plain",
            "locale": "en-GB",
            "entities": entities,
            "channelData": channel_data,
        }
        if text is not None:
            activity["text"] = text
            activity["attachments"] = [{"contentType": "text/html", "content": f"<div><div>{text}</div></div>"}]
        activity.update(fields)
        return activity

    def headers(self, activity: dict[str, Any], **token_options: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(activity['serviceUrl'], **token_options)}",
                "Content-Type": "application/json"}

    def add_member(self, user_id: str, name: str, aad_object_id: str | None, tenant_id: str) -> dict[str, Any]:
        given, _, surname = name.partition(" ")
        upn = f"{name.lower().replace(' ', '.')}@contoso.example"
        account = {"id": user_id, "name": name, "aadObjectId": aad_object_id, "givenName": given,
                   "surname": surname, "email": upn, "userPrincipalName": upn, "tenantId": tenant_id,
                   "userRole": "user"}
        self.members.setdefault(user_id, account)
        return self.members[user_id]

    # -- what was received --------------------------------------------------------------------------------
    def record(self, entry: Received) -> None:
        with self._changed:
            self.received.append(entry)
            self._changed.notify_all()
        for listener in list(self.listeners):
            listener(entry)

    def delivered(self, kind: str | None = None) -> list[Received]:
        """Accepted conversation calls; `kind` filters on the activity type (message, typing)."""
        return [r for r in list(self.received)
                if r.delivered and (kind is None or (r.body or {}).get("type") == kind)]

    def wait_for(self, condition: Callable[[FakeBotFramework], bool], timeout: float = 20.0) -> bool:
        """Blocks (in the caller's thread) until `condition(self)` holds; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
        return True

    def wait_messages(self, count: int, timeout: float = 20.0) -> list[Received]:
        self.wait_for(lambda fake: len(fake.delivered("message")) >= count, timeout)
        return self.delivered("message")

    def reset(self) -> None:
        with self._changed:
            self.received.clear()
            self.script.clear()
            self.groups.clear()
            self.graph_permission = True

    def members_by_object_id(self) -> set[str]:
        return {str(account.get("aadObjectId")) for account in self.members.values() if account.get("aadObjectId")}

    # -- HTTP ---------------------------------------------------------------------------------------------
    def _token_ok(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires = self.issued.get(token.strip()) if scheme == "Bearer" else None
        return expires is not None and expires > time.time()

    def _auth(self, request: web.Request) -> bool:
        path = request.path
        if path in (METADATA_PATH, KEYS_PATH) or path.endswith("/oauth2/v2.0/token"):
            return True
        return self._token_ok(request)

    def app(self) -> web.Application:
        def unauthorised(_request: web.Request) -> web.Response:
            return web.json_response({"message": "Authorization has been denied for this request."}, status=401)

        app = base_app("botframework", self._auth, unauthorised)

        async def remember_origin(request: web.Request) -> None:
            if not self.base_url:
                self.base_url = origin(request)

        async def metadata(request: web.Request) -> web.Response:
            await remember_origin(request)
            return web.json_response({
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": origin(request) + KEYS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            })

        async def keys(_request: web.Request) -> web.Response:
            return web.json_response({"keys": [key.jwk() for key in self.keys]})

        async def token(request: web.Request) -> web.Response:
            form = await request.post()
            tenant = request.match_info["tenant"]
            expected_tenant = self.tenant_id or MULTI_TENANT
            if form.get("grant_type") != "client_credentials":
                return _aad_error(400, "unsupported_grant_type", "AADSTS70003: grant_type is not supported.")
            if tenant != expected_tenant:
                return _aad_error(400, "unauthorized_client",
                                  f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not "
                                  f"found in the directory '{tenant}'.")
            if form.get("client_id") != self.app_id or not hmac.compare_digest(
                    str(form.get("client_secret", "")).encode(), self.app_password.encode()):
                return _aad_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
            if form.get("scope") not in (SCOPE, GRAPH_SCOPE):
                return _aad_error(400, "invalid_scope", "AADSTS70011: The provided value for scope is not valid.")
            now = int(time.time())
            audience = str(form.get("scope")).removesuffix("/.default")
            access = jwt.encode({"aud": audience, "iss": f"https://sts.windows.net/{tenant}/",
                                 "appid": self.app_id, "iat": now, "nbf": now, "exp": now + self.token_lifetime,
                                 "jti": uuid.uuid4().hex}, self._aad_key, algorithm="RS256")
            self.issued[access] = now + self.token_lifetime
            if form.get("scope") == GRAPH_SCOPE:
                self.graph_tokens.add(access)
            return web.json_response({"token_type": "Bearer", "expires_in": self.token_lifetime,
                                      "ext_expires_in": self.token_lifetime, "access_token": access})

        async def conversation(request: web.Request) -> web.Response:
            await remember_origin(request)
            conversation_id = unquote(request.match_info["conversation"])
            activity_id = request.match_info.get("activity")
            activity_id = unquote(activity_id) if activity_id else None
            body: dict[str, Any] | None = None
            if request.method in ("POST", "PUT"):
                try:
                    body = json.loads(await request.text())
                except ValueError:
                    return self._answer(request, conversation_id, activity_id, None, 400,
                                        {"error": {"code": "BadSyntax", "message": "Invalid JSON"}})
            scripted = self._next_scripted(body)
            if scripted is not None:
                status = int(scripted.get("status", 200))
                return self._answer(request, conversation_id, activity_id, body, status,
                                    scripted.get("body", {"error": {"code": "Scripted", "message": "scripted"}}),
                                    scripted.get("headers") or {})
            if request.method == "DELETE":
                return self._answer(request, conversation_id, activity_id, body, 200, None)
            problem = _check_activity(body)
            if problem:
                return self._answer(request, conversation_id, activity_id, body, problem[0], problem[1])
            if request.method == "PUT":
                return self._answer(request, conversation_id, activity_id, body, 200, {"id": activity_id})
            return self._answer(request, conversation_id, activity_id, body, 201,
                                {"id": f"{int(time.time() * 1000)}{len(self.received) % 1000:03d}"})

        async def member(request: web.Request) -> web.Response:
            account = self.members.get(unquote(request.match_info["member"]))
            if account is None:
                return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                                    "message": "The member was not found"}}, status=404)
            return web.json_response(account)

        async def graph_groups(request: web.Request) -> web.Response:
            token = request.headers.get("Authorization", "").partition(" ")[2].strip()
            if token not in self.graph_tokens:
                return _graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            if not self.graph_permission:
                return _graph_error(403, "Authorization_RequestDenied",
                                    "Insufficient privileges to complete the operation.")
            user = unquote(request.match_info["user"])
            if user not in self.groups and user not in self.members_by_object_id():
                return _graph_error(404, "Request_ResourceNotFound", f"Resource '{user}' does not exist.")
            ids = self.groups.get(user, [])
            top = max(1, min(int(request.query.get("$top") or 100), 999))
            skip = int(request.query.get("$skiptoken") or 0)
            page = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)",
                    "value": [{"@odata.type": "#microsoft.graph.group", "id": g} for g in ids[skip:skip + top]]}
            if skip + top < len(ids):
                page["@odata.nextLink"] = (f"{origin(request)}{request.path}?$select=id&$top={top}"
                                           f"&$skiptoken={skip + top}")
            return web.json_response(page)

        async def received(request: web.Request) -> web.Response:
            if request.method == "DELETE":
                self.reset()
            return web.json_response([r.as_json() for r in self.received])

        async def script(request: web.Request) -> web.Response:
            body = await request.json()
            self.script.extend(body.get("responses") or [])
            return web.json_response({"queued": len(self.script)})

        async def rotate(_request: web.Request) -> web.Response:
            return web.json_response({"kid": self.rotate().kid})

        async def revoke(_request: web.Request) -> web.Response:
            self.issued.clear()
            return web.json_response({"revoked": True})

        async def sign(request: web.Request) -> web.Response:
            body = await request.json()
            service_url = body.pop("serviceUrl")
            return web.json_response({"token": self.token(service_url, **body)})

        app.router.add_get(METADATA_PATH, metadata)
        app.router.add_get(KEYS_PATH, keys)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", token)
        for prefix in ("", "/{region}"):
            base = prefix + "/v3/conversations/{conversation}/activities"
            app.router.add_post(base, conversation)
            app.router.add_post(base + "/{activity}", conversation)
            app.router.add_put(base + "/{activity}", conversation)
            app.router.add_delete(base + "/{activity}", conversation)
            app.router.add_get(prefix + "/v3/conversations/{conversation}/members/{member}", member)
        app.router.add_get(GRAPH_GROUPS, graph_groups)
        app.router.add_route("*", CONTROL_PREFIX + "received", received)
        app.router.add_post(CONTROL_PREFIX + "script", script)
        app.router.add_post(CONTROL_PREFIX + "rotate", rotate)
        app.router.add_post(CONTROL_PREFIX + "revoke", revoke)
        app.router.add_post(CONTROL_PREFIX + "sign", sign)
        return app

    def _next_scripted(self, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """The first scripted answer for this call (an entry with "type" only matches that activity type)."""
        kind = (body or {}).get("type")
        for entry in list(self.script):
            if entry.get("type") in (None, kind):
                self.script.remove(entry)
                return entry
        return None

    def _answer(
        self,
        request: web.Request,
        conversation_id: str,
        activity_id: str | None,
        body: dict[str, Any] | None,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.record(Received(request.method, request.raw_path, conversation_id, activity_id, body, status))
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(payload, status=status, headers=headers)


def _aad_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description, "error_codes": [0],
                              "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}, status=status)


def _size_without_inline_images(body: dict[str, Any]) -> int:
    """UTF-16 size of the activity; base64 images do not count towards Teams' limit."""
    text = json.dumps(body, ensure_ascii=False)
    for attachment in body.get("attachments") or []:
        url = str((attachment or {}).get("contentUrl") or "")
        if url.startswith("data:"):
            text = text.replace(url, "")
    return len(text.encode("utf-16-le"))


def _check_activity(body: dict[str, Any] | None) -> tuple[int, dict[str, Any]] | None:
    if not isinstance(body, dict) or not body.get("type"):
        return 400, {"error": {"code": "BadArgument", "message": "Activity must have a type"}}
    if body["type"] == "message" and not (body.get("text") or body.get("attachments")):
        return 400, {"error": {"code": "BadArgument", "message": "Message must have text or attachments"}}
    if _size_without_inline_images(body) > MAX_ACTIVITY_BYTES:
        return 413, {"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}}
    return None


def from_env(env: dict[str, str] | None = None) -> FakeBotFramework:
    """A fake that accepts the bot opsbot is configured as (TEAMS_APP_ID/PASSWORD/TENANT_ID), else demo values."""
    env = dict(os.environ if env is None else env)
    return FakeBotFramework(env.get("TEAMS_APP_ID") or DEFAULT_APP_ID,
                            env.get("TEAMS_APP_PASSWORD") or DEFAULT_APP_PASSWORD, env.get("TEAMS_TENANT_ID") or "")


def _graph_error(status: int, code: str, message: str) -> web.Response:
    """Microsoft Graph's error body."""
    return web.json_response({"error": {"code": code, "message": message,
                                         "innerError": {"request-id": str(uuid.uuid4())}}}, status=status)


def teams_environment(fake: FakeBotFramework) -> dict[str, str]:
    """The TEAMS_* variables that point opsbot's Teams channel at this fake (served at fake.base_url)."""
    return {
        "TEAMS_APP_ID": fake.app_id,
        "TEAMS_APP_PASSWORD": fake.app_password,
        "TEAMS_TENANT_ID": fake.tenant_id,
        "TEAMS_OPENID_METADATA_URL": fake.base_url + METADATA_PATH,
        "TEAMS_TOKEN_URL": fake.base_url + "/{tenant}/oauth2/v2.0/token",
        "TEAMS_GRAPH_URL": fake.base_url,
        "TEAMS_ALLOWED_SERVICE_URLS": fake.base_url,
    }


def create_app(fake: FakeBotFramework) -> web.Application:
    return fake.app()
