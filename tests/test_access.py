"""Permissions, the audit log, the change rate limit and log redaction."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from actions import audit
from actions.ratelimit import ChangeRateLimiter
from common import logsafe
from common.access import DEFAULT_ACCESS_FILE, AccessFileError, AccessPolicy, Identity, refusal_text


@pytest.fixture()
def demo_policy() -> AccessPolicy:
    return AccessPolicy.load(DEFAULT_ACCESS_FILE)


def test_demo_access_file(demo_policy: AccessPolicy) -> None:
    assert demo_policy.check_build(Identity("dan"), "petclinic-build").allowed
    assert demo_policy.check_build(Identity("adam"), "petclinic-deploy-staging").allowed
    assert demo_policy.check_build(Identity("demo"), "petclinic-build").allowed
    assert not demo_policy.check_build(Identity("dan"), "petclinic-deploy-prod").allowed
    assert demo_policy.check_build(Identity("paulo"), "petclinic-deploy-prod").allowed
    stranger = Identity("someone-else")
    assert demo_policy.check(stranger, "read").allowed
    assert not demo_policy.check_build(stranger, "petclinic-build").allowed
    assert not demo_policy.check(Identity("dan"), "admin").allowed


def test_refusal_names_the_permission_and_roles_not_people(demo_policy: AccessPolicy) -> None:
    decision = demo_policy.check_build(Identity("dan"), "platform/payments-deploy-prod")
    text = refusal_text(decision)
    assert "build_protected" in text and "release_manager" in text
    assert "paulo" not in text


def test_unknown_users_refused_without_default_role() -> None:
    policy = AccessPolicy.from_dict({"roles": {"reader": ["read"]}, "default_role": None,
                                     "members": {"reader": ["known@example.com"]}})
    assert not policy.check(Identity("x", "nobody@example.com"), "read").allowed
    assert policy.check(Identity("aad-1", "Known@Example.com"), "read").allowed  # UPN, any case


def test_tenant_allow_list_and_groups() -> None:
    policy = AccessPolicy.from_dict({
        "roles": {"reader": ["read"], "builder": ["read", "build"]},
        "tenants": ["tenant-a"], "groups": {"builder": ["group-ops"]},
    })
    assert not policy.check(Identity("u", tenant_id="tenant-b"), "read").allowed
    assert "tenant" in policy.check(Identity("u", tenant_id="tenant-b"), "read").reason
    assert policy.check_build(Identity("u", tenant_id="tenant-a", groups=("group-ops",)), "x").allowed
    assert not policy.check_build(Identity("u", tenant_id="tenant-a"), "x").allowed


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"roles": {"r": ["read", "fly"]}}, "roles.r"),
        ({"roles": {"r": ["read"]}, "default_role": "r", "members": {"ghost": ["x"]}}, "members.ghost"),
        ({"roles": {"r": ["read"]}, "default_role": "nope"}, "default_role"),
        ({"roles": {}}, "roles"),
    ],
)
def test_bad_access_file_names_the_field(data: dict, field: str) -> None:
    with pytest.raises(AccessFileError, match=field):
        AccessPolicy.from_dict(data)


def test_identity_from_teams_metadata() -> None:
    who = Identity.from_metadata("19:channel@thread", {"user_id": "aad-7", "user_name": "Dan",
                                                        "tenant_id": "t1", "aad_groups": ["g1"]})
    assert (who.user_id, who.tenant_id, who.groups) == ("aad-7", "t1", ("g1",))
    assert Identity.from_metadata("sender-1", {}).user_id == "sender-1"


def test_audit_log_appends_json_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("JENKINS_API_TOKEN", "s3cret-token-value")
    audit.record(who="dan", where="rest:dan", what="build petclinic-build", parameters={"BRANCH": "main"},
                 decision="confirmed", result="queued #148")
    audit.record(who="eve", where="rest:eve", what="build x", parameters={"TOKEN": "s3cret-token-value"},
                 decision="refused")
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["who"] == "dan" and first["parameters"] == {"BRANCH": "main"} and first["decision"] == "confirmed"
    assert "s3cret-token-value" not in lines[1]
    assert [e["who"] for e in audit.last_entries(5)] == ["dan", "eve"]
    shown = audit.format_entries(audit.last_entries(2))
    assert "build petclinic-build (BRANCH=main) → confirmed: queued #148" in shown


def test_change_rate_limit_per_user() -> None:
    now = [1000.0]
    limiter = ChangeRateLimiter(2, clock=lambda: now[0])
    assert limiter.allow("dan")[0] and limiter.allow("dan")[0]
    allowed, wait = limiter.allow("dan")
    assert not allowed and 0 < wait <= 60
    assert limiter.allow("adam")[0]  # per user
    now[0] += 61
    assert limiter.allow("dan")[0]


def test_log_records_are_redacted(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "plain-secret-value-42")
    logsafe.install()
    logger = logging.getLogger("opsbot.test")
    with caplog.at_level(logging.INFO):
        logger.info("calling with %s", "plain-secret-value-42")
        logger.info("header Authorization: Bearer abc.def-ghi")
        try:
            raise RuntimeError("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig in a message")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    assert "plain-secret-value-42" not in text and "abc.def-ghi" not in text and "eyJhbGciOiJSUzI1NiJ9" not in text
    assert text.count("***") >= 3
