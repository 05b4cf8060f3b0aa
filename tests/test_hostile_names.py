"""Hostile names from a backend (tests/worlds/hostile.yaml): every kind of question is asked through the actions
on the REST channel (text and buttons) and on Teams (the Adaptive Card), and no HTML tag, `<at>` mention,
markdown link or emphasis, heading, control or direction character of a name survives raw, while the names
themselves still show (escaped). Links in cards are the bot's own (http(s) to the backend), never a name's.
Names typed by a user reach a backend request only after they matched the live list.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import ratelimit
from actions.confirm import PENDING_SLOT, ActionConfirm
from actions.github import (
    ActionGithubCommits,
    ActionGithubIssues,
    ActionGithubPrStatus,
    ActionGithubPullRequests,
    ActionGithubReleases,
    ActionGithubWorkflowRuns,
)
from actions.grafana import (
    ActionGrafanaAlerts,
    ActionGrafanaAnnotations,
    ActionGrafanaDashboards,
    ActionGrafanaGraph,
    ActionGrafanaMetricValue,
)
from actions.jenkins import (
    ActionJenkinsAgents,
    ActionJenkinsBuildStatus,
    ActionJenkinsOverview,
    ActionJenkinsQueue,
    ActionJenkinsRunBuild,
    ActionJenkinsWhyFailed,
)
from backends.events import Event
from backends.github import render as github_render
from backends.github import service as github_service
from backends.github.service import Check, PullDetail
from backends.github.source import CI_COMPLETED, GITHUB, PR_OPENED, RELEASE_PUBLISHED
from backends.grafana import render as grafana_render
from backends.grafana import service as grafana_service
from backends.grafana.service import Dashboard
from backends.grafana.source import ALERT_FIRING, GRAFANA
from backends.jenkins import service as jenkins_service
from backends.jenkins.source import BUILD_FINISHED, JENKINS
from common import cards
from common import settings as settings_module
from common.text import clean
from notifications.deliver import render as render_event
from sandbox.server import RunningSandbox
from tests.support import make_tracker, run_action
from tests.support.sandbox import ROOT, point_settings_at, start_sandbox

WORLD = ROOT / "tests" / "worlds" / "hostile.yaml"
JOB = "deploy <img src=x onerror=alert(1)> **fast** [go](javascript:alert(1))"
OTHER_JOB = 'ジョブ-🚀-"quoted"-%2F..%2Fetc'
PR_TITLE = "<img src=x onerror=alert(1)> [click me](http://evil.example) **URGENT** <at>Ann</at>\nline two 中文 🚀"
ISSUE_TITLE = '# Heading\n<script>alert(1)</script> ../../etc/passwd "quoted" Ελληνικά'
DASHBOARD = "Ops <b>board</b> [click](http://evil.example) 🔥 Überwachung"
PANEL = "Latency <script>x</script> **p95**\n# heading"
ALERT = "Alert <at>Ann</at> [ack](http://evil.example) **now**\nline2 ロボット"
ANNOTATION = "Deployed <b>v2</b> [notes](http://evil.example)\n# ../../%2F"
RELEASE = "Release <b>1.0</b> [notes](http://evil.example) 🚀\n# big"
COMMIT = "Fix [login](http://evil.example)\n\n**really** <at>Ann</at> 中文"
WORKFLOW = "CI <b>x</b> [y](http://evil.example)"
AGENT = "agent-<b>1</b>-[x](http://evil.example)"

# What the world's names try; none of it may reach a reply as it is.
RAW = ["<img", "<script", "<at>", "</at>", "<b>", "</b>", "<i>", "](http://evil", "](javascript", "**fast**",
       "**URGENT**", "**now**", "**bold**", "**p95**", "**really**", "**docker**", "**Boss**", "\u202e", "\x1b"]
# Second lines of names: each must stay on the line of the name it belongs to.
CONTINUATIONS = ["line two", "line2", "# heading", "# Heading", "# big", "# bad", "# full", "# not a heading",
                 "# ../../%2F", "right now please"]
MARKDOWN_TARGET = re.compile(r"\]\(([^)]*)\)")


def questions() -> list[tuple[str, object, str, list[dict]]]:
    """(id, action, words, entities): every kind of question, names given as a button click would."""
    job = [{"entity": "job", "value": JOB}]
    return [
        ("build status", ActionJenkinsBuildStatus(), "is it green?", job),
        ("why failed", ActionJenkinsWhyFailed(), "why did it fail?", job),
        ("job overview", ActionJenkinsOverview(), "status of all jobs", []),
        ("other job", ActionJenkinsBuildStatus(), "is it green?", [{"entity": "job", "value": OTHER_JOB}]),
        ("queue", ActionJenkinsQueue(), "what's in the queue?", []),
        ("agents", ActionJenkinsAgents(), "are any agents offline?", []),
        ("run build", ActionJenkinsRunBuild(), "build it", job),
        ("pull requests", ActionGithubPullRequests(), "open PRs", []),
        ("pull request", ActionGithubPrStatus(), "status of PR 1", []),
        ("issues", ActionGithubIssues(), "open issues", []),
        ("issue", ActionGithubIssues(), "issue 2", []),
        ("releases", ActionGithubReleases(), "latest release", []),
        ("release list", ActionGithubReleases(), "list releases", []),
        ("commits", ActionGithubCommits(), "last commits", []),
        ("ci verdict", ActionGithubWorkflowRuns(), "is CI green on main?", []),
        ("workflow runs", ActionGithubWorkflowRuns(), "which workflow runs failed?", []),
        ("alerts", ActionGrafanaAlerts(), "what's firing?", []),
        ("dashboards", ActionGrafanaDashboards(), "what dashboards do we have?", []),
        ("dashboard", ActionGrafanaDashboards(), "open it", [{"entity": "dashboard", "value": "hostile-board"}]),
        ("metric", ActionGrafanaMetricValue(), "value now", [{"entity": "panel", "value": "hostile-board:1"}]),
        ("metric range", ActionGrafanaMetricValue(), "over the last day",
         [{"entity": "panel", "value": "hostile-board:1"}]),
        ("graph", ActionGrafanaGraph(), "graph it", [{"entity": "panel", "value": "hostile-board:1"}]),
        ("deploys", ActionGrafanaAnnotations(), "when was the last deploy?", []),
        ("events", ActionGrafanaAnnotations(), "what happened today?", []),
    ]


# What each question's answer must show, escaped: a part of a name long enough to be unmistakable.
EXPECTED = {
    "build status": [JOB], "why failed": [JOB, "Stage <i>two</i> **now**"], "job overview": [JOB, OTHER_JOB],
    "other job": [OTHER_JOB], "queue": [JOB], "agents": [AGENT], "run build": [JOB],
    "pull requests": [PR_TITLE[:60]], "pull request": [PR_TITLE], "issues": [ISSUE_TITLE[:60]],
    "issue": [ISSUE_TITLE], "releases": [RELEASE], "release list": [RELEASE], "commits": [COMMIT.splitlines()[0]],
    "ci verdict": [WORKFLOW], "workflow runs": [WORKFLOW], "alerts": [ALERT], "dashboards": [DASHBOARD],
    "dashboard": [DASHBOARD, PANEL], "metric": [PANEL, DASHBOARD], "metric range": [PANEL],
    "graph": [PANEL], "deploys": [ANNOTATION], "events": [ANNOTATION],
}


@pytest.fixture(scope="module")
def hostile_sandbox() -> Iterator[RunningSandbox]:
    sandbox = start_sandbox(WORLD)
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture()
def hostile(hostile_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
            ) -> Iterator[RunningSandbox]:
    """The hostile world, fresh facades and counters, the demo access file, a private audit log."""
    for service in hostile_sandbox.apps:
        hostile_sandbox.state(service).counts.clear()
    point_settings_at(hostile_sandbox, monkeypatch)
    monkeypatch.delenv("OPSBOT_ACCESS_FILE", raising=False)
    monkeypatch.setenv("OPSBOT_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setattr(ratelimit, "_limiter", None)
    _forget_backends()
    yield hostile_sandbox
    _forget_backends()
    settings_module.reset()


def _forget_backends() -> None:
    jenkins_service.reset()
    github_service.reset()
    grafana_service.clear_cache()
    grafana_service.forget_session()


# -- what a reply shows -----------------------------------------------------------------------------------
def shown_in_card(node: object, code: bool = True) -> list[str]:
    """Every string of an Adaptive Card a person reads (texts, facts, titles, alt texts), not payload data;
    without `code`, not the monospace TextRuns of log lines either (those keep their characters)."""
    if isinstance(node, dict):
        if not code and node.get("type") == "TextRun":
            return []
        found = [v for k, v in node.items() if k in ("text", "title", "value", "altText") and isinstance(v, str)]
        for key, value in node.items():
            if key != "data":
                found += shown_in_card(value, code)
        return found
    if isinstance(node, list):
        return [text for item in node for text in shown_in_card(item, code)]
    return []


def same_text(expected: str, shown: str) -> bool:
    """`expected`, escaped, is in `shown` (link labels in cards have ( ) where names had [ ])."""
    def plain(text: str) -> str:
        return text.replace("[", "(").replace("]", ")")

    return plain(clean(expected)[:50]) in plain(shown)


def outside_code(text: str) -> str:
    """The text without its fenced code blocks (log lines may keep their characters in there)."""
    return re.sub(r"```\n.*?\n```", "", text, flags=re.DOTALL)


def assert_neutralised(shown: str) -> None:
    for raw in RAW:
        assert raw not in shown, f"{raw!r} survived in:\n{shown}"
    for line in shown.splitlines():
        assert not re.match(r"\s*#+\s", line), f"a heading line: {line!r}"
        assert not any(line.strip().startswith(c) for c in CONTINUATIONS), f"a name broke the line: {line!r}"
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", shown)


def assert_own_links(card: dict, sandbox: RunningSandbox) -> None:
    """Every link of a card is the bot's: http(s) to the backend, never a target from inside a name."""
    targets = [a["url"] for a in card.get("actions", []) if a.get("type") == "Action.OpenUrl"]
    targets += [t for text in shown_in_card(card, code=False) for t in MARKDOWN_TARGET.findall(text)]
    hosts = {sandbox.url(service) for service in sandbox.apps}
    for target in targets:
        assert any(target.startswith(host) for host in hosts), f"a link not to the backend: {target!r}"


def ask(action: object, words: str, entities: list[dict], channel: str, sender: str = "demo",
        metadata: dict | None = None, slots: dict | None = None) -> tuple[list[dict], list[dict]]:
    tracker = make_tracker(words, entities=entities, channel=channel, sender=sender, metadata=metadata, slots=slots)
    return run_action(action, tracker)  # type: ignore[arg-type]


# -- every question, both renderings --------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "action", "words", "entities"), questions(), ids=[q[0] for q in questions()])
def test_rest_text_and_buttons_show_names_escaped(hostile: RunningSandbox, name: str, action: object, words: str,
                                                  entities: list[dict]) -> None:
    messages, _ = ask(action, words, entities, "rest")
    text = "\n".join(m.get("text") or "" for m in messages)
    titles = [b["title"] for m in messages for b in m.get("buttons") or []]
    assert_neutralised(outside_code(text) + "\n" + "\n".join(titles))
    for expected in EXPECTED[name]:
        assert same_text(expected, text), f"{clean(expected)[:50]!r} not shown in:\n{text}"


@pytest.mark.parametrize(("name", "action", "words", "entities"), questions(), ids=[q[0] for q in questions()])
def test_teams_cards_show_names_escaped(hostile: RunningSandbox, name: str, action: object, words: str,
                                        entities: list[dict]) -> None:
    messages, _ = ask(action, words, entities, "teams")
    card_list = [m["custom"] for m in messages if m.get("custom")]
    assert card_list, f"no card for {name}: {messages}"
    for card in card_list:
        json.dumps(card)
        assert_neutralised("\n".join(shown_in_card(card, code=False)))
        assert_own_links(card, hostile)
    shown = "\n".join(text for card in card_list for text in shown_in_card(card))
    for expected in EXPECTED[name]:
        assert same_text(expected, shown), f"{clean(expected)[:50]!r} not shown in:\n{shown}"


def test_button_payloads_keep_the_exact_name(hostile: RunningSandbox) -> None:
    """A click must find the same job again: payloads carry the name exactly (JSON), titles escaped."""
    messages, _ = ask(ActionJenkinsBuildStatus(), "is it green?", [{"entity": "job", "value": JOB}], "rest")
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads and all(json.loads(p[p.index("{"):])["job"] == JOB for p in payloads)


def test_log_excerpts_keep_their_characters_inside_one_code_block(hostile: RunningSandbox) -> None:
    text = ask(ActionJenkinsWhyFailed(), "why did it fail?", [{"entity": "job", "value": JOB}], "rest")[0][0]["text"]
    blocks = re.findall(r"```\n(.*?)\n```", text, flags=re.DOTALL)
    assert len(blocks) == 1 and text.count("```") == 2, text  # the log's own ``` line cannot close the block
    log = blocks[0]
    assert "**not bold**" in log and "[click](http://evil.example)" in log  # shown as typed, monospace
    assert "\x1b" not in log and "red Finished: FAILURE" in log  # colour codes gone, the words stay
    card = ask(ActionJenkinsWhyFailed(), "why did it fail?", [{"entity": "job", "value": JOB}], "teams")[0][0]
    runs = [inline for block in card["custom"]["body"] if block.get("type") == "Container"
            for rich in block["items"] for inline in rich["inlines"]]
    assert runs and all(run["type"] == "TextRun" and run["fontType"] == "Monospace" for run in runs)
    assert any(run["text"] == "**not bold** ‹at›Ann‹/at›" for run in runs)  # TextRuns are never markdown


def test_the_confirmation_shows_the_job_and_parameters_escaped(hostile: RunningSandbox) -> None:
    """The offer names the job and what it runs with; a requester's display name (chosen by them) is escaped
    when someone else's "yes" is refused."""
    channel = "19:hostile@thread.tacv2"
    eve = {"user_id": "demo", "user_name": "Eve <at>Ann</at> **Boss**\n# x", "conversation_id": channel}
    messages, events_out = ask(ActionJenkinsRunBuild(), "build it on branch main", [{"entity": "job", "value": JOB}],
                               "rest", sender=channel, metadata=eve)
    offer = messages[0]["text"]
    assert f"I'll run {clean(JOB)} with BRANCH=main" in offer
    assert_neutralised(offer)
    pending = next(e["value"] for e in events_out if e.get("name") == PENDING_SLOT)
    bob = {"user_id": "bob", "user_name": "Bob", "conversation_id": channel}
    refused = ask(ActionConfirm(), "yes", [], "rest", sender=channel, metadata=bob,
                  slots={PENDING_SLOT: pending})[0][0]["text"]
    assert refused.startswith("Only Eve ‹at›Ann‹/at› ∗∗Boss∗∗ # x can confirm")
    assert_neutralised(refused)


# -- links from a backend -------------------------------------------------------------------------------------
def test_backend_links_must_be_http() -> None:
    """A check's details URL or a dashboard URL that is not http(s) is shown as a name, never as a link."""
    detail = PullDetail(repo="o/r", number=1, title="t", author="a", url="javascript:alert(1)", state="open",
                        draft=False, merged=False, merged_by="", mergeable=True, mergeable_state="clean", base="main",
                        head="x", behind_by=0, created_at=time.time(), checks=[
                            Check("lint", "failing", "javascript:alert(document.cookie)"),
                            Check("unit", "failing", "https://ci.example/run/1 (x)")], reviews=[], requested=[])
    reply = github_render.pull_detail(detail)
    shown = "\n".join([reply.text, *shown_in_card(reply.card)])
    assert "javascript:" not in shown and "javascript:" not in json.dumps(reply.card)
    assert "Failing: lint" in shown and "Failing: [unit](https://ci.example/run/1%20%28x%29)" in shown
    assert not [a for a in reply.card.get("actions", []) if a["type"] == "Action.OpenUrl"]
    board = Dashboard("u", "Board", "data:text/html,<script>x</script>", "F", ())
    card = grafana_render.dashboards_reply([board], "", "http://grafana.example/dashboards").card
    assert "data:text/html" not in json.dumps(card)
    assert cards.image("javascript:alert(1)", "x") is None and cards.open_url("x", "file:///etc/passwd") is None


# -- notifications --------------------------------------------------------------------------------------------
def hostile_events() -> list[Event]:
    build = {"job": JOB, "number": "7<b>", "result": "FAILURE", "branch": "feature/<at>Ann</at>\n# x",
             "commit": "abc1234", "culprits": ["eve <script>", "**mallory**"], "failed_tests": 2}
    alert = {"alertname": ALERT, "severity": "<b>critical</b>", "summary": "Summary <img src=x> [x](http://evil.example)",
             "value": "**9000**", "starts_at": "2024-01-01T00:00:00Z"}
    pr = {"repo": "hostile/evil-app", "number": 1, "title": PR_TITLE, "author": "mallory <at>Ann</at>",
          "head": "feature/<b>x</b>", "base": "main"}
    ci = {"repo": "hostile/evil-app", "workflow": WORKFLOW, "conclusion": "failure", "branch": "main\n# x",
          "sha": "1111111", "title": COMMIT, "actor": "**eve**", "run_number": 5}
    release = {"repo": "hostile/evil-app", "tag": "v1.0.0", "name": RELEASE, "author": "<at>mallory</at>"}
    return [
        Event(JENKINS, BUILD_FINISHED, "k1", JOB, "javascript:alert(1)", "failed", data=build),
        Event(GRAFANA, ALERT_FIRING, "k2", ALERT, "http://grafana.example/a", "failed",
                     labels={"service": "<b>svc</b>", "**env**": "prod"}, data=alert),
        Event(GITHUB, PR_OPENED, "k3", "hostile/evil-app", "http://gh.example/pr/1", data=pr),
        Event(GITHUB, CI_COMPLETED, "k4", "hostile/evil-app", "http://gh.example/r/5", data=ci),
        Event(GITHUB, RELEASE_PUBLISHED, "k5", "hostile/evil-app", "http://gh.example/v1",
                     data=release),
    ]


@pytest.mark.parametrize("event", hostile_events(), ids=lambda e: e.kind)
def test_notifications_show_webhook_names_escaped(event: Event) -> None:
    reply = render_event(event)
    assert_neutralised(reply.text)
    assert_neutralised("\n".join(shown_in_card(reply.card)) + "\n".join(b.title for b in reply.buttons))
    links = [a["url"] for a in reply.card.get("actions", []) if a["type"] == "Action.OpenUrl"]
    if event.url.startswith("http"):
        assert links == [event.url] and reply.text.endswith(event.url)
    else:  # a javascript: "build URL" from a webhook is neither a button nor a word of the text
        assert not links and event.url not in reply.text.split()
    name = {JENKINS: JOB, GRAFANA: ALERT}.get(event.source, "evil-app")
    assert clean(name)[:40] in reply.text


# -- names typed by a user ------------------------------------------------------------------------------------
TYPED = "../../script"


@pytest.mark.parametrize(("action", "words", "entities"), [
    (ActionJenkinsBuildStatus(), f"is {TYPED} green?", [{"entity": "job", "value": TYPED}]),
    (ActionJenkinsRunBuild(), f"build {TYPED}", [{"entity": "job", "value": TYPED}]),
    (ActionJenkinsWhyFailed(), "why did %2F..%2Fscript fail?", [{"entity": "job", "value": "%2F..%2Fscript"}]),
    (ActionGithubPrStatus(), f"status of PR 1 in {TYPED}", [{"entity": "github_repo", "value": TYPED}]),
    (ActionGithubReleases(), f"latest release of {TYPED}", [{"entity": "github_repo", "value": TYPED}]),
    (ActionGithubPullRequests(), f"PRs by {TYPED}", [{"entity": "person", "value": TYPED}]),
    (ActionGithubIssues(), f"issues assigned to {TYPED}", [{"entity": "person", "value": TYPED}]),
    (ActionGrafanaMetricValue(), f"value of {TYPED}", [{"entity": "panel", "value": TYPED}]),
    (ActionGrafanaDashboards(), f"open {TYPED}", [{"entity": "dashboard", "value": TYPED}]),
    (ActionGrafanaAnnotations(), f"what happened on {TYPED}?", [{"entity": "dashboard", "value": TYPED}]),
], ids=lambda value: getattr(value, "action_name", None) or "")
def test_a_typed_name_reaches_no_request_unless_it_is_live(hostile: RunningSandbox, action: object, words: str,
                                                            entities: list[dict]) -> None:
    messages, _ = ask(action, words, entities, "rest")
    assert messages
    requested = [path for service in hostile.apps for path in hostile.state(service).counts]
    assert not [path for path in requested if "script" in path or ".." in path], requested


@pytest.mark.parametrize("channel", ["rest", "teams"])
def test_no_such_job_echoes_names_escaped(hostile: RunningSandbox, channel: str) -> None:
    """"I can't find a job "<typed>"; some I know: <live names>": both escaped."""
    typed = "[click](http://evil.example) **now**"
    messages, _ = ask(ActionJenkinsBuildStatus(), f"is {typed} green?", [{"entity": "job", "value": typed}],
                      channel)
    shown = "\n".join([m.get("text") or "" for m in messages] + shown_in_card([m.get("custom") for m in messages]))
    assert "I can't find a job" in shown
    assert_neutralised(shown)
