"""Jenkins replies as pure functions of typed results: wording of Jenkins' reasons, progress, cards."""

from __future__ import annotations

import pytest

from backends.jenkins import render
from backends.jenkins.service import Activity, Agent, BuildInfo, Job, QueueEntry, QueueItemState

NOW = 1_800_000_000.0


def build(**changes) -> BuildInfo:
    values = {"job": "payments-api", "number": 12, "url": "http://j/job/payments-api/12/", "result": "SUCCESS",
              "building": False, "started": NOW - 600, "duration": 300, "estimated": 300}
    values.update(changes)
    return BuildInfo(**values)


@pytest.mark.parametrize(
    ("why", "said"),
    [("Waiting for next available executor on ‘linux-7’", "waiting for an executor on linux-7"),
     ("Waiting for next available executor", "waiting for an executor"),
     ("In the quiet period. Expires in 3.2 sec", "in the quiet period, about to start"),
     ("Build #1,204 is already in progress (ETA: 4 min 10 sec)", "waiting for build #1204 to finish"),
     ("There are no nodes with the label ‘windows’", "waiting: no agent has the label windows"),
     ("mac-mini-2 is offline", "waiting: mac-mini-2 is offline"),
     ("Blocked by a lock", "Blocked by a lock")],
)
def test_queue_reasons_in_plain_words(why: str, said: str) -> None:
    assert render.why_text(QueueEntry(1, "x", "", why, NOW)) == said


def test_a_stuck_item_says_so() -> None:
    assert render.why_text(QueueEntry(1, "x", "", "Waiting for next available executor", NOW, stuck=True)).endswith(
        "(stuck)")


def test_progress_against_the_estimate() -> None:
    assert render.progress(build(building=True, result=None, started=NOW - 90, estimated=180), NOW) == \
        "1 min 30 s of ~3 min (50%)"
    assert render.progress(build(building=True, result=None, started=NOW - 400, estimated=180), NOW) == \
        "6 min 40 s, longer than the usual ~3 min"


def test_a_passed_build_card_is_green_with_a_link() -> None:
    reply = render.build_status("payments-api", build(), now=NOW)
    assert reply.text.startswith("payments-api #12 passed (SUCCESS) 5 min ago, took 5 min.")
    assert reply.text.endswith("http://j/job/payments-api/12/")
    assert reply.card["body"][0]["color"] == "Good"
    assert {"type": "Action.OpenUrl", "title": "Open build", "url": "http://j/job/payments-api/12/"} in \
        reply.card["actions"]


def test_nothing_failing_and_nothing_queued() -> None:
    jobs = [Job("a", "a", "http://j/job/a/", "WorkflowJob", "blue", True, False, build(job="a"), build(job="a"))]
    assert render.overview(jobs, "http://j/", "failing", now=NOW).text.startswith("No job is failing")
    idle = render.activity(Activity([], [], "http://j/"), NOW)
    assert idle.text == "Nothing is running or queued in Jenkins right now. http://j/"


def test_all_agents_online() -> None:
    agents = [Agent("linux-1", True, False, "", 4, 1, ["linux"], "http://j/computer/linux-1/")]
    reply = render.agents(agents, "http://j/computer/")
    assert reply.text.startswith("The only build agent is online.")
    two = render.agents([*agents, Agent("linux-2", True, False, "", 2, 0, [], "http://j/computer/linux-2/")], "u")
    assert two.text.startswith("All 2 build agents are online.")
    assert "linux-1 [linux]: online, 1 of 4 executors busy" in reply.text


def test_a_queued_build_that_has_not_started() -> None:
    reply = render.started("payments-api", QueueItemState(77, "payments-api", "In the quiet period"), "BRANCH=main",
                           "http://j/job/payments-api/")
    assert "queue item 77" in reply.text and 'Ask "how is it going?"' in reply.text


def test_who_broke_it_with_culprits_but_no_change_list_and_an_unknown_start() -> None:
    first = build(number=40, result="UNSTABLE", culprits=["Jonas Becker"], url="http://j/job/payments-api/40/")
    latest = build(number=44, result="FAILURE")
    reply = render.blame("payments-api", first, False, latest, now=NOW)
    assert reply.text.startswith("payments-api has been failing since at least #40, 5 min ago.")
    assert "Jenkins names Jonas Becker as the culprits." in reply.text
    assert "Since then, payments-api #44 failed (FAILURE)" in reply.text
    assert render.blame("payments-api", first, True, first, now=NOW).text.startswith(
        "payments-api first went unstable in #40, 5 min ago.")


def test_several_queued_items_each_get_a_button_to_ask_about_them() -> None:
    queued = [QueueEntry(1, "payments-api", "http://j/job/payments-api/", "Waiting for next available executor",
                         NOW - 600),
              QueueEntry(2, "docs-site", "http://j/job/docs-site/", "Waiting for next available executor", NOW - 60)]
    reply = render.activity(Activity([], queued, "http://j/"), now=NOW)
    assert [b.title for b in reply.buttons] == ["How long has payments-api waited?", "How long has docs-site waited?"]
    assert '"job":"docs-site"' in reply.buttons[1].payload.replace(" ", "")
    assert not render.activity(Activity([], queued[:1], "http://j/"), now=NOW).buttons
