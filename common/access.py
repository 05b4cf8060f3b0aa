"""Who may do what: roles from `access.yml`, checked before anything that changes something.

Permissions: `read` (every question), `build` (run a build), `build_protected` (jobs matching the
protected patterns, e.g. `*-deploy-prod`), `subscribe` (channel notifications), `admin` (audit log).
A user's roles come from `members` (Teams AAD object ids or UPNs; on REST and shell the sender id) and
from `groups` (Azure AD group ids the Teams channel looks up in Microsoft Graph: connector/groups.py).
Everyone in an allowed tenant gets `default_role`; with no default role, unknown users are refused. Member
and group roles apply only to an identity a channel verified (`verified_identity` in the metadata, set by
the Teams connector from a signed activity and by the REST channel only for a trusted sender; the local
shell is trusted): anyone else gets `default_role` whatever name they give. A display name never grants
anything: only the AAD object id and the UPN the connector looked up for it. `tenants` is about Teams: it
refuses Teams users of other tenants (and any identity that names another tenant); REST and shell users have no tenant.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PERMISSIONS = ("read", "build", "build_protected", "subscribe", "admin")
TENANT_CHANNELS = frozenset({"teams"})  # channels whose users always belong to a tenant
# Channels whose `verified_identity` opsbot sets itself (connector/teams.py, connector/rest.py): on any other
# channel a client could write it.
VERIFYING_CHANNELS = frozenset({"teams", "rest"})
# `make demo`'s shell (Rasa's own cmdline channel, which passes its client's metadata through): its one user
# is OPSBOT_SHELL_USER, which scripts/run.sh sets for the demo only; nobody else on that channel is verified.
SHELL_CHANNEL = "cmdline"
DEFAULT_ACCESS_FILE = Path(__file__).resolve().parent.parent / "access.yml"


class AccessFileError(ValueError):
    """access.yml is malformed; the message names the field."""


def _verified(sender: str, metadata: dict, channel: str) -> bool:
    if channel in VERIFYING_CHANNELS:
        return metadata.get("verified_identity") is True
    shell_user = os.environ.get("OPSBOT_SHELL_USER", "").strip()
    return channel == SHELL_CHANNEL and bool(shell_user) and sender == shell_user and not metadata.get("user_id")


@dataclass(frozen=True)
class Identity:
    """Who is asking, as the channel tells it."""

    user_id: str
    user_name: str = ""
    tenant_id: str = ""
    groups: tuple[str, ...] = ()
    channel: str = ""
    verified: bool = True  # False: a name anyone could have typed (only default_role applies)

    @classmethod
    def from_metadata(cls, sender: str, metadata: dict, channel: str = "") -> Identity:
        groups = metadata.get("aad_groups") or ()
        return cls(
            user_id=str(metadata.get("user_id") or sender),
            user_name=str(metadata.get("user_principal_name") or ""),  # looked up, never the display name
            tenant_id=str(metadata.get("tenant_id") or ""),
            groups=tuple(str(g) for g in groups) if isinstance(groups, list | tuple) else (),
            channel=channel,
            verified=_verified(sender, metadata, channel),
        )

    @property
    def audit_name(self) -> str:
        """Who, as the audit log says it: an unverified name is marked as such (anyone could have typed it)."""
        return self.user_id if self.verified else f"unverified:{self.user_id}"

    @property
    def has_tenant(self) -> bool:
        return bool(self.tenant_id) or self.channel in TENANT_CHANNELS


@dataclass(frozen=True)
class Decision:
    allowed: bool
    permission: str
    reason: str = ""  # why not, in words a user can act on (role names, never other people's names)
    holders: tuple[str, ...] = ()  # role names that hold the missing permission


@dataclass
class AccessPolicy:
    roles: dict[str, set[str]]
    members: dict[str, set[str]] = field(default_factory=dict)  # role → user ids / UPNs (lower-case)
    groups: dict[str, set[str]] = field(default_factory=dict)  # role → AAD group ids
    default_role: str | None = "reader"
    tenants: set[str] = field(default_factory=set)  # empty: any tenant the channel admits
    protected_jobs: tuple[str, ...] = ()

    # -- reading -------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict) -> AccessPolicy:
        if not isinstance(data, dict):
            raise AccessFileError("access file: expected a mapping at the top")
        roles_raw = data.get("roles") or {}
        if not isinstance(roles_raw, dict) or not roles_raw:
            raise AccessFileError("roles: expected a mapping of role names to permission lists")
        roles: dict[str, set[str]] = {}
        for role, permissions in roles_raw.items():
            unknown = set(permissions or []) - set(PERMISSIONS)
            if unknown:
                raise AccessFileError(f"roles.{role}: unknown permission(s) {sorted(unknown)}; "
                                      f"known: {', '.join(PERMISSIONS)}")
            roles[str(role)] = set(permissions or [])

        def role_map(key: str) -> dict[str, set[str]]:
            raw = data.get(key) or {}
            if not isinstance(raw, dict):
                raise AccessFileError(f"{key}: expected a mapping of role names to lists")
            for role in raw:
                if role not in roles:
                    raise AccessFileError(f"{key}.{role}: no such role (roles: {', '.join(roles)})")
            return {str(role): {str(x).lower() for x in (ids or [])} for role, ids in raw.items()}

        default_role = data.get("default_role", "reader")
        if default_role is not None and default_role not in roles:
            raise AccessFileError(f"default_role: no such role '{default_role}'")
        return cls(
            roles=roles,
            members=role_map("members"),
            groups=role_map("groups"),
            default_role=default_role,
            tenants={str(t) for t in data.get("tenants") or []},
            protected_jobs=tuple(str(p) for p in data.get("protected_jobs") or []),
        )

    @classmethod
    def load(cls, path: str | Path) -> AccessPolicy:
        path = Path(path)
        try:
            return cls.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except OSError as exc:
            raise AccessFileError(f"{path}: cannot read ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise AccessFileError(f"{path}: not valid YAML") from exc

    # -- deciding ------------------------------------------------------------------------------------
    def tenant_refused(self, who: Identity) -> bool:
        return bool(self.tenants) and who.has_tenant and who.tenant_id not in self.tenants

    def roles_of(self, who: Identity) -> set[str]:
        if self.tenant_refused(who):
            return set()
        found: set[str] = set()
        if who.verified:
            names = {who.user_id.lower(), who.user_name.lower()} - {""}
            found = {role for role, ids in self.members.items() if names & ids}
            found |= {role for role, ids in self.groups.items() if set(who.groups) & ids}
        if self.default_role:
            found.add(self.default_role)
        return found

    def is_protected(self, job: str) -> bool:
        """Whether `job` (its full or its short name, in any case) matches a protected pattern."""
        names = (job.lower(), job.rsplit("/", 1)[-1].lower())
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.protected_jobs for name in names)

    def holders(self, permission: str) -> tuple[str, ...]:
        return tuple(sorted(role for role, permissions in self.roles.items() if permission in permissions))

    def check(self, who: Identity, permission: str) -> Decision:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission}")
        if self.tenant_refused(who):
            return Decision(False, permission, "your organisation (Teams tenant) is not allowed to use opsbot here")
        roles = self.roles_of(who)
        if not roles:
            return Decision(False, permission, "you are not on opsbot's access list", self.holders(permission))
        if any(permission in self.roles[role] for role in roles):
            return Decision(True, permission)
        holders = self.holders(permission)
        return Decision(False, permission, f"that needs the '{permission}' permission", holders)

    def check_build(self, who: Identity, job: str) -> Decision:
        return self.check(who, "build_protected" if self.is_protected(job) else "build")


def refusal_text(decision: Decision, what: str = "do that for you") -> str:
    """A polite refusal that says what is missing and which roles have it (never who). `what`: what is
    refused ("answer you here" when someone may not use opsbot at all)."""
    text = f"Sorry, I can't {what}: {decision.reason}."
    if decision.holders:
        named = f"'{decision.permission}'" in decision.reason
        text += f" {'It' if named else 'The ' + repr(decision.permission) + ' permission'} is granted to the " \
                f"role{'s' if len(decision.holders) > 1 else ''} {', '.join(decision.holders)} in opsbot's " \
                "access file; ask an opsbot admin."
    return text


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> AccessPolicy:
    return AccessPolicy.load(path)


def policy() -> AccessPolicy:
    """The policy from OPSBOT_ACCESS_FILE (default: access.yml), reloaded when the file changes."""
    path = Path(os.environ.get("OPSBOT_ACCESS_FILE") or DEFAULT_ACCESS_FILE)
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise AccessFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return _load_cached(str(path), mtime)


def policy_names_groups() -> bool:
    """Whether any role is given to Azure AD groups (then the Teams channel looks speakers' groups up)."""
    try:
        return any(policy().groups.values())
    except AccessFileError:
        return False
