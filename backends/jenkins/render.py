"""Jenkins results → replies. Every answer names the job, the build number, the result, when, and links it.

Pure functions of typed results (backends.jenkins.service) and `now`; no I/O, no Rasa. Everything Jenkins
supplies (job and agent names, causes, parameters, commit messages, stages, tests, queue reasons, log lines,
URLs) is shown through common.text (`clean`, `safe_url`, `code_block`); button payloads keep the exact
names so that a click finds the same job again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from backends.jenkins.service import (
    CONSOLE,
    GRAPH_VIEW,
    STAGE_VIEW,
    Activity,
    Agent,
    BuildInfo,
    Failure,
    Job,
    JobDetail,
    OffDefault,
    QueueEntry,
    QueueItemState,
)
from common import cards
from common.reply import Button, Reply, payload, yes_no
from common.text import ago, clean, cleaned, code_block, duration, join_names, plural, safe_url

WORDS = {"SUCCESS": "passed", "FAILURE": "failed", "UNSTABLE": "is unstable", "ABORTED": "was aborted",
         "NOT_BUILT": "was not built"}
CARD_STATUS = {"SUCCESS": "ok", "FAILURE": "failed", "UNSTABLE": "warning", "ABORTED": "neutral",
               "NOT_BUILT": "neutral"}
MAX_LISTED = 12
_EXECUTOR = re.compile(r"^Waiting for next available executor(?: on ‘?'?(?P<on>[^’']+)[’']?)?\s*$")
_QUIET = re.compile(r"^In the quiet period")
_IN_PROGRESS = re.compile(r"^Build #(?P<n>[\d,]+) is already in progress")
_NO_LABEL = re.compile(r"^There are no nodes with the label ‘?'?(?P<label>[^’']+)")
_OFFLINE = re.compile(r"^(?P<node>.+?) is offline")
NAME = 100  # the longest job or agent name shown


def _name(name: str) -> str:
    """A job, folder or agent name as shown (see common.text.clean)."""
    return clean(name, NAME)


def _parameters(values: dict[str, str]) -> str:
    return ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in values.items())


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def result_words(build: BuildInfo) -> str:
    """"failed (FAILURE)", "passed (SUCCESS)", "is running": the word people use and Jenkins' own."""
    if build.building:
        return "is running"
    result = clean(build.result or "NOT_BUILT", 20)
    return f"{WORDS.get(result, result.lower())} ({result})"


def card_status(build: BuildInfo | None) -> str:
    if build is None:
        return "neutral"
    if build.building:
        return "running"
    return CARD_STATUS.get(build.result or "", "neutral")


def progress(build: BuildInfo, now: float | None = None) -> str:
    """"9 min of ~15 min (60%)" or "20 min, longer than the usual ~15 min"."""
    elapsed = build.elapsed(_now(now))
    if build.estimated <= 0:
        return f"running for {duration(elapsed)}"
    share = elapsed / build.estimated
    if share > 1:
        return f"{duration(elapsed)}, longer than the usual ~{duration(build.estimated)}"
    return f"{duration(elapsed)} of ~{duration(build.estimated)} ({round(share * 100)}%)"


def short_when(build: BuildInfo, now: float | None = None) -> str:
    if build.building:
        return f"started {ago(build.started, now)}"
    return ago(build.finished, now)


def build_line(build: BuildInfo, now: float | None = None) -> str:
    """"#147 failed (FAILURE) 1 h 5 min ago" or "#89 is running: 9 min of ~15 min (60%)"."""
    if build.building:
        return f"#{build.number} is running: {progress(build, now)}"
    return f"#{build.number} {result_words(build)} {ago(build.finished, now)}"


def changes_text(build: BuildInfo, limit: int = 3) -> str:
    shown = [f"{clean(c.commit, 12)} {clean(c.message, 80)}" + (f" ({clean(c.author, 40)})" if c.author else "")
             for c in build.changes[:limit]]
    more = len(build.changes) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _ran_with(away: OffDefault) -> str:
    """"on hotfix/x", "with DRY_RUN=true", "on hotfix/x with DRY_RUN=true"."""
    others = ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in away.ran.items() if k != away.ref)
    on = f"on {clean(away.ran[away.ref], 80)}" if away.ref else ""
    return " ".join(part for part in (on, f"with {others}" if others else "") if part)


def _default_words(away: OffDefault) -> str:
    """"of main", "with DRY_RUN=false", "of main with DRY_RUN=false"."""
    others = ", ".join(f"{clean(k, 40)}={clean(v, 60)}" for k, v in away.defaults.items() if k != away.ref)
    of = f"of {clean(away.defaults[away.ref], 80)}" if away.ref else ""
    return " ".join(part for part in (of, f"with {others}" if others else "") if part)


def away_text(away: OffDefault, now: float | None = None) -> str:
    """"#914 ran on hotfix/x, not the default; the last build of main, #912, failed (FAILURE) 40 min ago"."""
    said = f"#{away.build.number} ran {_ran_with(away)}, not the default"
    if away.default_build is None:
        return f"{said}; none of the recent builds is one {_default_words(away)}"
    last = away.default_build
    return (f"{said}; the last build {_default_words(away)}, #{last.number}, {result_words(last)} "
            f"{ago(last.finished, now)}")


def _buttons_for(job: str, build: BuildInfo) -> list[Button]:
    if build.building:
        return [Button("How is it going?", payload("jenkins_build_status", job=job, build_number=str(build.number)))]
    if build.result in ("FAILURE", "UNSTABLE", "ABORTED"):
        return [Button("Why did it fail?", payload("jenkins_why_failed", job=job, build_number=str(build.number))),
                Button("Rebuild it", payload("jenkins_run_build", job=job))]
    return [Button("Show its log", payload("jenkins_why_failed", job=job, build_number=str(build.number)))]


# -- one build -----------------------------------------------------------------------------------------
def build_status(job: str, build: BuildInfo, previous: BuildInfo | None = None, now: float | None = None,
                 queued: str | None = None, away: OffDefault | None = None) -> Reply:
    """A job's last build (or a given one): result, number, when, duration, cause, changes, and the link;
    `queued`: Jenkins' reason when another run of the job waits in the queue; `away`: the build ran on another
    branch (or switch) than the default, and the last build of the default."""
    now = _now(now)
    shown, url = _name(job), safe_url(build.url)
    sentences = [f"{shown} {build_line(build, now)}"]
    facts: list[tuple[str, str]] = []
    if build.building:
        facts += [("Status", "running"), ("Progress", progress(build, now)), ("Started", ago(build.started, now))]
    else:
        sentences[0] += f", took {duration(build.duration)}"
        facts += [("Result", clean(build.result or "NOT_BUILT", 20)), ("Finished", ago(build.finished, now)),
                  ("Duration", duration(build.duration))]
    sentences[0] += "."
    if away is not None and away.build.number == build.number:
        sentences.insert(1, away_text(away, now)[0].upper() + away_text(away, now)[1:] + ".")
        facts.append(("Default branch" if away.ref else "With defaults", away_text(away, now)))
    if build.causes:
        sentences.append(clean(build.causes[0], 120) + ".")
        facts.append(("Cause", clean(build.causes[0], 120)))
    if build.parameters:
        sentences.append(f"Parameters: {_parameters(build.parameters)}.")
        facts.append(("Parameters", _parameters(build.parameters)))
    if build.changes:
        sentences.append(f"Changes: {changes_text(build)}.")
        facts.append(("Changes", changes_text(build)))
    elif not build.building:
        facts.append(("Changes", "none"))
    if build.failed_tests:
        of = f" of {build.total_tests}" if (build.total_tests or 0) > build.failed_tests else ""
        sentences.append(plural(build.failed_tests, "failed test") + of + ".")
        facts.append(("Tests", f"{build.failed_tests} failed{of}"))
    if previous is not None and previous.number != build.number:
        sentences.append(f"The last finished build {build_line(previous, now)}.")
        facts.append(("Last finished", build_line(previous, now)))
    if queued:
        sentences.append(f"Another run is queued: {clean(queued, 160)}.")
        facts.append(("Queued", clean(queued, 160)))
    text = " ".join(sentences) + f" {url}"
    buttons = _buttons_for(job, build)
    title = f"{shown} #{build.number} " + ("is running" if build.building else WORDS.get(build.result or "", "done"))
    card = cards.status_card(title, card_status(build), " ".join(sentences[1:2]), facts,
                             link=("Open build", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def no_builds(job: Job) -> Reply:
    text = f"{_name(job.full_name)} has no builds yet. {safe_url(job.url)}"
    return Reply(text=text, card=cards.status_card(f"{_name(job.full_name)}: no builds yet", "neutral", text,
                                                   link=("Open job", job.url)))


# -- why it failed -------------------------------------------------------------------------------------
# Where the failed stage was read: Jenkins without a stage plugin still answers, from its console.
STAGE_SOURCES = {STAGE_VIEW: "the Pipeline Stage View", GRAPH_VIEW: "the Pipeline Graph View",
                 CONSOLE: "the console log"}


def failure(job: str, found: Failure, latest: BuildInfo | None = None, now: float | None = None) -> Reply:
    """The failed stage, the failed tests and the last log lines of a build (or just its log if it passed)."""
    now = _now(now)
    build, shown = found.build, _name(job)
    first = f"{shown} {build_line(build, now)}"
    stage = found.failed_stage
    source = STAGE_SOURCES.get(found.stage_source, "")
    if stage is not None and build.result != "SUCCESS":
        said = f"stage read from {source}" if found.stage_source == CONSOLE else f"stage from {source}"
        first += f" in stage {clean(stage.name, 80)}" + (f" ({said})" if source else "")
    sentences = [first + "."]
    facts: list[tuple[str, str]] = [("Result", clean(build.result or "running", 20)),
                                    ("When", short_when(build, now))]
    if stage is not None and build.result != "SUCCESS":
        facts.append(("Failed stage", clean(stage.name, 80) + (f" ({clean(stage.error, 80)})" if stage.error
                                                               else "")))
        if source:
            facts.append(("Stage from", source))
    if found.failed_tests:
        tests = [clean(t.short, 120) + (f": {clean(t.details, 120)}" if t.details else "")
                 for t in found.failed_tests[:5]]
        more = len(found.failed_tests) - len(tests)
        sentences.append(f"Failed tests ({len(found.failed_tests)}): " + "; ".join(tests)
                         + (f"; and {more} more" if more > 0 else "") + ".")
        facts.append(("Failed tests", ", ".join(cleaned((t.short for t in found.failed_tests[:5]), 120))))
    if build.causes:
        facts.append(("Cause", clean(build.causes[0], 120)))
    if latest is not None and latest.number != build.number:
        sentences.append(f"Since then, {shown} {build_line(latest, now)}.")
        facts.append(("Latest", build_line(latest, now)))
    console = safe_url(found.console_url)
    text = " ".join(sentences)
    if found.log_tail:
        text += "\nLast log lines:\n" + code_block(found.log_tail)
    text += f"\nFull log: {console}"
    buttons = [Button("Rebuild it", payload("jenkins_run_build", job=job))] if build.result != "SUCCESS" else []
    extra = [cards.paragraph("Last log lines", subtle=True), cards.code(found.log_tail)] if found.log_tail else []
    title = f"{shown} #{build.number} " + ("is running" if build.building else WORDS.get(build.result or "", "done"))
    card = cards.status_card(title, card_status(build), " ".join(sentences[1:]), facts, link=("Full log", console),
                             buttons=buttons, extra=extra)
    return Reply(text=text, card=card, buttons=buttons)


def never_failed(job: JobDetail, now: float | None = None) -> Reply:
    latest = job.last_build
    text = f"{_name(job.full_name)} has no failed builds"
    if latest is not None:
        text += f": the last build {build_line(latest, now)}. {safe_url(latest.url)}"
    else:
        text += f". {safe_url(job.url)}"
    return Reply(text=text, card=cards.status_card(f"{_name(job.full_name)}: no failures", card_status(latest), text,
                                                   link=("Open job", latest.url if latest else job.url)))


def blame(job: str, first: BuildInfo, known: bool, latest: BuildInfo | None = None, now: float | None = None) -> Reply:
    """"who broke it?": the build where the failures began (`known`: the build before it passed), the changes it
    built and their authors (Jenkins' culprits), and how the job stands now."""
    now = _now(now)
    shown, url = _name(job), safe_url(first.url)
    went = "failed" if first.result == "FAILURE" else "went " + WORDS.get(first.result or "", "bad").removeprefix("is ")
    when = ago(first.finished, now)
    sentences = [f"{shown} first {went} in #{first.number}, {when}." if known
                 else f"{shown} has been failing since at least #{first.number}, {when}."]
    people = first.culprits or list(dict.fromkeys(c.author for c in first.changes if c.author))
    if first.changes:
        who = f" by {join_names(cleaned(people, 40))}" if people else ""
        sentences.append(f"It built {plural(len(first.changes), 'change')}{who}: {changes_text(first)}.")
    elif people:
        sentences.append(f"Jenkins names {join_names(cleaned(people, 40))} as the culprits.")
    else:
        cause = f" ({clean(first.causes[0], 120)})" if first.causes else ""
        sentences.append(f"It built no code changes{cause}, so no commit broke it.")
    if latest is not None and latest.number != first.number:
        sentences.append(f"Since then, {shown} {build_line(latest, now)}.")
    facts = [("Broke in", f"#{first.number}, {when}"), ("Changes", changes_text(first) or "none"),
             ("Culprits", join_names(cleaned(people, 40)) or "none")]
    if latest is not None and latest.number != first.number:
        facts.append(("Latest", build_line(latest, now)))
    buttons = [Button("Why did it fail?", payload("jenkins_why_failed", job=job, build_number=str(first.number)))]
    text = " ".join(sentences) + f" {url}"
    card = cards.status_card(f"{shown}: broke in #{first.number}", card_status(first), " ".join(sentences[1:]),
                             facts, link=("Open build", url), buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


# -- overview ------------------------------------------------------------------------------------------
def _job_line(job: Job, now: float, away: OffDefault | None = None) -> str:
    if job.disabled:
        return f"{_name(job.full_name)}: disabled"
    build = job.last_completed or job.last_build
    if build is None:
        return f"{_name(job.full_name)}: no builds yet"
    line = f"{_name(job.full_name)} {build_line(build, now)}"
    if away is not None and away.build.number == build.number:
        line = f"{_name(job.full_name)} #{build.number} {_ran_with(away)} {build_line(build, now).partition(' ')[2]}"
        default = away.default_build
        line += (f"; the last build {_default_words(away)}, #{default.number}, {result_words(default)}"
                 if default is not None else f"; no recent build {_default_words(away)}")
    if job.last_build is not None and job.last_build.building and job.last_build.number != build.number:
        line += f" (#{job.last_build.number} running)"
    return line


def failing(job: Job) -> bool:
    build = job.last_completed
    return not job.disabled and build is not None and build.result in ("FAILURE", "UNSTABLE")


def overview(jobs: Sequence[Job], url: str, mode: str = "all", folder: str = "", now: float | None = None,
             away: dict[str, OffDefault] | None = None) -> Reply:
    """mode "failing": only red and yellow jobs; "all": every job (of `folder` if given). `away`: jobs whose last
    build ran on another branch than the default, with the default branch's last build."""
    now = _now(now)
    away = away or {}
    real = [j for j in jobs if not j.is_folder]
    where = f" in {_name(folder)}" if folder else ""
    bad = [j for j in real if failing(j)]
    if mode == "failing":
        if not bad:
            text = f"No job{where} is failing: the last builds of all {len(real)} jobs passed or were not failures."
            shown: list[Job] = []
        else:
            text = f"{len(bad)} of {plural(len(real), 'job')}{where} {'is' if len(bad) == 1 else 'are'} failing:"
            shown = bad
    else:
        text = f"{plural(len(real), 'job')}{where}" + (f", {len(bad)} failing:" if bad else ", none failing:")
        shown = real
    lines = [_job_line(j, now, away.get(j.full_name)) for j in shown[:MAX_LISTED]]
    if len(shown) > MAX_LISTED:
        lines.append(f"and {len(shown) - MAX_LISTED} more")
    body = text + ("\n" + "\n".join(f"- {line}" for line in lines) if lines else "") + f"\n{safe_url(url)}"
    status = "failed" if bad else "ok"
    buttons = [Button(f"Why did {j.full_name} fail?", payload("jenkins_why_failed", job=j.full_name))
               for j in bad[:3]]
    facts = [(_name(j.full_name), _job_line(j, now, away.get(j.full_name)).removeprefix(_name(j.full_name)).strip(": "))
             for j in shown[:MAX_LISTED]]
    card = cards.status_card(f"Jenkins{where}: {len(bad)} failing", status, text, facts,
                             link=("Open Jenkins", url), buttons=buttons)
    return Reply(text=body, card=card, buttons=buttons)


# -- queue ---------------------------------------------------------------------------------------------
def why_text(entry: QueueEntry) -> str:
    """Jenkins' reason, said plainly: "waiting for an executor on agent-linux-1"."""
    why = entry.why.strip()
    if match := _EXECUTOR.match(why):
        text = "waiting for an executor" + (f" on {_name(match['on'])}" if match["on"] else "")
    elif _QUIET.match(why):
        text = "in the quiet period, about to start"
    elif match := _IN_PROGRESS.match(why):
        text = f"waiting for build #{match['n'].replace(',', '')} to finish"
    elif match := _NO_LABEL.match(why):
        text = f"waiting: no agent has the label {clean(match['label'], 80)}"
    elif match := _OFFLINE.match(why):
        text = f"waiting: {_name(match['node'])} is offline"
    else:
        text = clean(why, 160) or "waiting"
    return text + (" (stuck)" if entry.stuck else "")


def activity(found: Activity, now: float | None = None) -> Reply:
    now = _now(now)
    lines: list[str] = []
    facts: list[tuple[str, str]] = []
    for job in found.running[:MAX_LISTED]:
        build = job.last_build
        assert build is not None
        lines.append(f"Running: {_name(job.full_name)} #{build.number}, {progress(build, now)} {safe_url(build.url)}")
        facts.append((f"{_name(job.full_name)} #{build.number}", f"running, {progress(build, now)}"))
    for entry in found.queued[:MAX_LISTED]:
        parameters = _parameters(entry.parameters)
        waited = ago(entry.since, now).removesuffix(" ago")
        lines.append(f"Queued: {_name(entry.job)}" + (f" ({parameters})" if parameters else "")
                     + f" for {waited}: {why_text(entry)}.")
        facts.append((_name(entry.job), f"queued {waited}: {why_text(entry)}"))
    if not lines:
        text = f"Nothing is running or queued in Jenkins right now. {safe_url(found.url)}"
        return Reply(text=text, card=cards.status_card("Jenkins is idle", "ok", text, link=("Open Jenkins", found.url)))
    summary = (f"{plural(len(found.running), 'build')} running, {plural(len(found.queued), 'item')} in the queue"
               + (" (nothing stuck)" if found.queued and not any(q.stuck for q in found.queued) else "") + ".")
    text = summary + "\n" + "\n".join(lines) + f"\n{safe_url(found.url)}"
    status = "warning" if any(q.stuck for q in found.queued) else "running"
    # Several queued: a button each asks about that one ("how long has it been waiting?" then has a choice).
    buttons = ([Button(f"How long has {entry.job} waited?", payload("jenkins_build_status", job=entry.job))
                for entry in found.queued[:3]] if len(found.queued) > 1 else [])
    return Reply(text=text, card=cards.status_card("Running and queued", status, summary, facts,
                                                   link=("Open Jenkins", found.url), buttons=buttons),
                 buttons=buttons)


# -- agents --------------------------------------------------------------------------------------------
def agents(found: Sequence[Agent], url: str) -> Reply:
    offline = [a for a in found if not a.online]
    if offline:
        summary = f"{len(offline)} of {plural(len(found), 'build agent')} {'is' if len(offline) == 1 else 'are'} " \
                  f"offline: {join_names(_name(a.name) for a in offline)}."
    elif len(found) == 1:
        summary = "The only build agent is online."
    else:
        summary = f"All {len(found)} build agents are online."
    lines = []
    facts = []
    for agent in found:
        if agent.online:
            state = f"online, {agent.busy} of {agent.executors} executors busy"
        else:
            state = ("offline (taken offline)" if agent.temporarily_offline else "offline") + (
                f": {clean(agent.reason, 200)}" if agent.reason else "")
        labels = f" [{', '.join(cleaned(agent.labels, 40))}]" if agent.labels else ""
        lines.append(f"- {_name(agent.name)}{labels}: {state}")
        facts.append((_name(agent.name), state))
    text = summary + "\n" + "\n".join(lines) + f"\n{safe_url(url)}"
    return Reply(text=text, card=cards.status_card("Build agents", "failed" if offline else "ok", summary, facts,
                                                   link=("Open nodes", url)))


# -- running a build -----------------------------------------------------------------------------------
def cannot(verb: str, job: Job) -> Reply:
    """A change opsbot does not make ("delete the nightly job"): said plainly, with what it can do instead."""
    text = (f"I can't {clean(verb, 20)} Jenkins jobs: I only run builds (and ask you first), and answer questions "
            f"about them. Nothing was changed. To {clean(verb, 20)} {_name(job.full_name)}, use Jenkins: "
            f"{safe_url(job.url)}")
    return Reply(text=text, card=cards.status_card(f"I can't {clean(verb, 20)} jobs", "neutral", text,
                                                   link=("Open job", job.url)))


def refuse_disabled(job: JobDetail) -> Reply:
    reason = f"{_name(job.full_name)} is disabled in Jenkins, so it can't be built"
    text = reason + (f" ({clean(job.description, 120)})" if job.description else "") + \
        f". Someone with access has to enable it first. {safe_url(job.url)}"
    return Reply(text=text, card=cards.status_card(f"{_name(job.full_name)} is disabled", "warning", text,
                                                   link=("Open job", job.url)))


def bad_parameters(job: JobDetail, errors: Sequence[str], unknown: Sequence[str]) -> Reply:
    problems = cleaned(errors, 200)
    if unknown:
        takes = ", ".join(cleaned((p.name for p in job.parameters), 40)) or "no parameters"
        problems.append(f"{_name(job.full_name)} has no parameter {join_names(cleaned(unknown, 40), 'or')} "
                        f"(it takes {takes})")
    text = "I can't start that build: " + "; ".join(problems) + f". {safe_url(job.url)}"
    return Reply(text=text, card=cards.status_card("Can't start that build", "warning", text,
                                                   link=("Open job", job.url)))


def need_parameters(job: str, names: Sequence[str], url: str, notes: Sequence[str] = ()) -> Reply:
    text = f"To run {_name(job)} I need {join_names(cleaned(names, 40))}." + "".join(f" {n}" for n in notes)
    return Reply(text=text, card=cards.status_card(f"{_name(job)} needs parameters", "neutral", text,
                                                   link=("Open job", url)))


def ask_parameter(job: str, name: str, description: str, choices: Sequence[str], given: str, url: str) -> Reply:
    about = f" ({clean(description, 120)})" if description else ""
    text = f"Which {clean(name, 40)}{about} should {_name(job)} run with?"
    if choices:
        text += " One of: " + ", ".join(cleaned(choices, 60)) + "."
    if given:
        text += f" So far: {clean(given, 200)}."
    text += " Say \"cancel\" to stop."
    buttons = [Button(c, c) for c in choices[:6]] + [Button("Cancel", "/deny")]
    return Reply(text=text, card=cards.status_card(f"{_name(job)}: {clean(name, 40)}?", "neutral", text,
                                                   link=("Open job", url),
                                                   buttons=buttons), buttons=buttons)


def confirm_build(job: str, summary: str, url: str, minutes: int, notes: Sequence[str] = ()) -> Reply:
    """Exactly what will run (`summary`: "run <job> with NAME=value, ..."), what else to know before saying yes
    (`notes`, from the *_note functions below), and the yes/no buttons."""
    summary = clean(summary, 400)
    said = f"I'll {summary}." + "".join(f" {note}" for note in notes)
    text = f"{said} Shall I? (yes / no; this offer expires in {minutes} min) {safe_url(url)}"
    buttons = yes_no("Yes, run it")
    card_text = f"{said} Shall I? Only you can say yes, and this offer expires in {minutes} min."
    return Reply(text=text, card=cards.status_card(f"Run {_name(job)}?", "neutral", card_text,
                                                   link=("Open job", url), buttons=buttons), buttons=buttons)


def unplaced_note(value: str, job: JobDetail, ref: bool = False) -> str:
    """A value the user typed that no parameter of the job takes: said, never silently dropped. `ref`: a branch
    or ref, and no parameter of the job takes one ("on branch main" for a release job with RELEASE_VERSION)."""
    if not job.parameters:
        return f"I didn't use \"{clean(value, 60)}\": {_name(job.full_name)} takes no parameters."
    names = ", ".join(cleaned((p.name for p in job.parameters), 40))
    if ref:
        return (f"I didn't use \"{clean(value, 60)}\": {_name(job.full_name)} takes no branch (its parameters are "
                f"{names}), so it builds what its configuration says.")
    return (f"I didn't use \"{clean(value, 60)}\": none of {_name(job.full_name)}'s parameters ({names}) "
            "clearly takes it.")


def amended_note(changed: dict[str, tuple[str, str]]) -> str:
    """What a change to a pending proposal changed ("make it a dry run")."""
    if not changed:
        return "I found nothing to change in that, so this is the same request as before."
    return "Changed from before: " + ", ".join(
        f"{clean(name, 40)} {clean(old, 60) or '(empty)'} → {clean(new, 60)}" for name, (old, new) in changed.items()
    ) + "."


def replaces_note(summary: str, requester: str = "") -> str:
    """A new proposal takes the place of the one waiting (one per conversation): whose it was, and what."""
    whose = f"{clean(requester, 60)}'s" if requester else "your"
    return f"This replaces {whose} earlier request to {clean(summary, 200)}."


def rebuilt_note(number: int) -> str:
    return f"The values are those of #{number}."


def running_note(job: JobDetail, now: float | None = None) -> str:
    """A build of the job already running (or queued): another one would come after it."""
    last = job.last_build
    if last is not None and last.building:
        return f"#{last.number} is still running: {progress(last, now)}; this would be another build."
    if job.in_queue:
        why = why_text(QueueEntry(0, job.full_name, job.url, job.queue_why or "", 0.0)) if job.queue_why else ""
        return "Another build of it is already queued" + (f" ({why})." if why else ".")
    return ""


def not_a_value(name: str, is_yes: bool) -> Reply:
    """The reply to "Which VERSION …?" was a yes or another question: never a value."""
    if is_yes:
        return Reply(text=f"I need {clean(name, 40)} before I can ask for your yes.")
    return Reply(text=f"That doesn't look like a value for {clean(name, 40)}. Reply with just the value (or "
                      f"{clean(name, 40)}=…), or say \"cancel\" to stop and ask me something else.")


def started(job: str, state: QueueItemState, parameters: str, job_url: str) -> Reply:
    """After "yes": the build number and link, or where the queue item stands."""
    shown, parameters = _name(job), clean(parameters, 300)
    if state.build_number is not None:
        url = safe_url(state.build_url or job_url)
        text = f"Started {shown} #{state.build_number} ({parameters}). {url}"
        buttons = [Button("How is it going?", payload("jenkins_build_status", job=job,
                                                      build_number=str(state.build_number)))]
        return Reply(text=text, card=cards.status_card(f"{shown} #{state.build_number} started", "running", text,
                                                       link=("Open build", url), buttons=buttons), buttons=buttons)
    if state.cancelled:
        text = f"Jenkins queued {shown} (queue item {state.id}) but the item was cancelled. {safe_url(job_url)}"
        return Reply(text=text, card=cards.status_card(f"{shown} cancelled", "warning", text,
                                                       link=("Open job", job_url)))
    why = f" ({clean(state.why, 120)})" if state.why else ""
    text = (f"Queued {shown} ({parameters}) as queue item {state.id}; it hasn't started yet{why}. "
            f"Ask \"how is it going?\" in a moment. {safe_url(job_url)}")
    buttons = [Button("How is it going?", payload("jenkins_build_status", job=job))]
    return Reply(text=text, card=cards.status_card(f"{shown} queued", "running", text, link=("Open job", job_url),
                                                   buttons=buttons), buttons=buttons)


def still_queued(job: str, state: QueueItemState, job_url: str, now: float | None = None) -> Reply:
    why = f": {clean(state.why, 160)}" if state.why else ""
    waited = f", waiting for {ago(state.since, _now(now)).removesuffix(' ago')}" if state.since else ""
    text = f"{_name(job)} hasn't started yet (queue item {state.id}{waited}){why}. {safe_url(job_url)}"
    return Reply(text=text, card=cards.status_card(f"{_name(job)} is queued", "running", text,
                                                   link=("Open job", job_url)))


def which_job(examples: Sequence[str], intent: str) -> Reply:
    """No job named and none talked about yet."""
    shown = list(examples)[:6]
    text = "Which job do you mean?" + (" For example: " + ", ".join(cleaned(shown, NAME)) + "." if shown else "")
    buttons = [Button(name, payload(intent, job=name)) for name in shown]
    return Reply(text=text, card=cards.status_card("Which job?", "neutral", text, buttons=buttons), buttons=buttons)
