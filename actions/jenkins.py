"""Jenkins questions and builds: thin actions over services.jenkins (data) and render.jenkins (words).

Names: a job is the one whose exact name the message contains, else the one the NLU's `job` entity names
(matched against the live job list; a named job always beats the conversation's context), else one found in
the words of the message, else the job talked about last (slot `jenkins_job`), so "and the integration
tests?", "show me its log", "rebuild it" and "how is it going?" work. Builds: the number said ("build 144",
"#147", or a bare "and 912?" about the job talked about), else the build talked about (slot `jenkins_build`,
which always belongs to `jenkins_job`: whenever the job changes, the build is reset), else the last one.
Running a build asks for missing parameters (form `jenkins_parameters_form`), then for a confirmation
(actions.confirm); the "yes" runs `run_confirmed_build`. A new request for the job of the asker's pending
proposal changes that proposal ("make it a dry run") instead of starting from the job's defaults.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Answer, Ask, QuestionAction, choose_reply
from actions.confirm import PENDING_SLOT, Pending, ask_to_confirm, expiry_minutes, gate, register
from actions.send import send
from backends.faults import BackendError, Fault
from backends.jenkins import render
from backends.jenkins.service import (
    BACKEND,
    BROKEN,
    HISTORY_BUILDS,
    BuildInfo,
    JenkinsService,
    Job,
    JobDetail,
    OffDefault,
    ParameterDef,
    first_broken,
)
from backends.jenkins.service import service as jenkins_service
from backends.jenkins.words import (
    assigned_names,
    changes,
    describe,
    normalise,
    off_default,
    plan_build,
    ref_parameter,
    single_value,
)
from common.access import AccessPolicy
from common.change_words import asks_for_change, unsupported_change
from common.reply import Reply
from common.resolve import Candidate, Resolution, Resolver, words
from common.text import clean

JOB_SLOT = "jenkins_job"
BUILD_SLOT = "jenkins_build"
QUEUE_SLOT = "jenkins_queue_item"
DRAFT_SLOT = "jenkins_build_draft"
VALUE_SLOT = "jenkins_parameter_value"
BUILD_KIND = "jenkins_build"

# Words that say what kind of thing, not which one: they never pick a job on their own.
GENERIC_WORDS = ("build", "builds", "job", "jobs", "pipeline", "pipelines", "jenkins", "the", "last", "latest",
                 "run", "runs", "status", "folder", "ci", "all")
# Below this, words that match some job lose against the job already being talked about.
WEAK_MATCH = 0.5
# "build 144", "#147", "run #15"; never the start of a version ("build 1.9.0").
_BUILD_NUMBER = re.compile(r"(?:#\s*|\b(?:build|run|number|no\.?)\s*#?\s*)(\d{1,7})\b(?![.\-/]\w)", re.IGNORECASE)
# A follow-up that is only a number: "and 912?", "what about #910", "912?".
_BARE_NUMBER = re.compile(r"^\W*(?:(?:and|or|what|how)\W+)?(?:about\W+)?(?:the\W+)?#?\s*(\d{1,7})\W*$",
                          re.IGNORECASE)
# "rebuild it", "run #15 again"; never a word inside a branch name ("feature/batch-retry").
_REBUILD = re.compile(r"(?<![\w/.-])(re-?(?:build|run|deploy|release|trigger|start)|again|retry|restart|same)"
                      r"(?![\w/.-])", re.IGNORECASE)
_FAILING = re.compile(r"\b(fail\w*|broken|red|unstable|yellow|problems?|bad)\b", re.IGNORECASE)
_LOG = re.compile(r"\b(logs?|console|output)\b", re.IGNORECASE)
_BLAME = re.compile(r"\bwho(?:se|'s| is| was)?\b.*\b(broke|break|breaks|broken|breaking|caused?|responsible|fault)\b"
                    r"|\bblame\b|\bculprits?\b", re.IGNORECASE)
_CANCEL = {"cancel", "stop", "abort", "never mind", "nevermind", "forget it", "no", "nope", "quit"}
_TOKEN_SEPARATORS = re.compile(r"[\s,;:!?()\"'`{}\[\]]+")
PARAMETER_ENTITIES = ("branch", "version", "env")
# Intents that a reply to "Which VERSION …?" can have: a value the NLU can't place, or one it reads as part of
# a build request ("2.5.0-rc.2", "make it a dry run"). Anything else is another question, never a value.
VALUE_INTENTS = ("nlu_fallback", "jenkins_run_build", "")


@dataclass
class Target:
    job: Job
    from_context: bool  # no job named: the one talked about before


# -- build numbers: each belongs to its job ------------------------------------------------------------
def build_number(ask: Ask) -> int | None:
    """The build number the message states ("build 144", "#147"; the NLU's entity when it is a number)."""
    said = ask.entity("build_number")
    if said and re.fullmatch(r"#?\s*\d{1,7}", said.strip()):
        return int(said.strip().lstrip("#").strip())
    match = _BUILD_NUMBER.search(ask.text)
    return int(match.group(1)) if match else None


def said_number(ask: Ask, target: Target) -> int | None:
    """The number stated; about the job talked about, a bare number too ("and 912?")."""
    number = build_number(ask)
    if number is None and target.from_context:
        bare = _BARE_NUMBER.match(ask.text)
        number = int(bare.group(1)) if bare else None
    return number


def context_build(ask: Ask, target: Target) -> int | None:
    """The build talked about, only when the job is the one talked about (a build number belongs to its job)."""
    value = str(ask.slot(BUILD_SLOT) or "")
    return int(value) if target.from_context and value.isdigit() else None


def context_slots(job: str, build: int | None, queue_item: int | None = None) -> dict[str, Any]:
    return {JOB_SLOT: job, BUILD_SLOT: None if build is None else str(build),
            QUEUE_SLOT: None if queue_item is None else str(queue_item)}


def job_context(ask: Ask, job: str, build: int | None = None) -> dict[str, Any]:
    """The context slots for now talking about `job`: another job resets the build and the queue item; the same
    job keeps them unless a build is given."""
    if ask.slot(JOB_SLOT) != job:
        return context_slots(job, build)
    return {JOB_SLOT: job} if build is None else {JOB_SLOT: job, BUILD_SLOT: str(build)}


# -- which job -----------------------------------------------------------------------------------------
def job_resolver(jobs: list[Job]) -> Resolver:
    return Resolver([Candidate(j.full_name, j.full_name, (j.name,), j) for j in jobs if not j.is_folder],
                    generic=GENERIC_WORDS)


def _exact_in_text(jobs: list[Job], text: str) -> list[Job]:
    """Jobs whose exact name the message contains as a word ("build settlement-engine-ci for okafor/x"): a name
    written out is explicit, so it beats the NLU's entities and the conversation's context."""
    tokens = {t.lower().rstrip(".") for t in _TOKEN_SEPARATORS.split(text) if t}
    full = [j for j in jobs if j.full_name.lower() in tokens]
    if full:
        return full
    return [j for j in jobs if j.name.lower() in tokens and j.name.lower() not in GENERIC_WORDS]


def _meaningful(said: str) -> list[str]:
    return [w for w in words(said) if w not in GENERIC_WORDS and len(w) > 2]


def _named(resolver: Resolver, said: str, text: str, intent: str) -> Target | Reply | None:
    """The job an entity names. Every meaningful word must fit the job: "deploy" is the one deploy job (or a
    question when there are several), "e2e-nightly" is no job when "e2e" and "nightly" fit different ones, and
    "petclinic-payroll" is no job when "payroll" fits none. None: the entity has only generic words."""
    per_word = [{c.key for c, _ in resolver.ranked(w)} for w in _meaningful(said)]
    if not per_word:
        return None
    common = set.intersection(*per_word)
    if not common:
        return choose_reply("job", resolver.nothing_close(said), intent, "job", said)
    named = resolver.resolve(said)
    if named.found and named.match.key in common:  # type: ignore[union-attr]
        return Target(named.match.data, False)  # type: ignore[union-attr]
    fitting = [c for c, _ in resolver.ranked(said) if c.key in common]
    if len(fitting) == 1:
        return Target(fitting[0].data, False)  # type: ignore[arg-type]
    # "the reconciliation nightly" where the NLU marked only "nightly": the rest of the words decide
    whole = resolver.resolve(text)
    if whole.found and whole.match.key in common:  # type: ignore[union-attr]
        return Target(whole.match.data, False)  # type: ignore[union-attr]
    return choose_reply("job", Resolution(choices=fitting), intent, "job", said)


async def _nothing_named(jobs: list[Job], service: JenkinsService, intent: str, only_failing: bool) -> Target | Reply:
    """No job named and none talked about: with `only_failing` ("why did the build fail?") the one failing job
    (or a question about the failing ones); otherwise a question with some jobs to pick."""
    if only_failing:
        fresh = [j for j in await service.overview() if not j.is_folder]
        failing = [j for j in fresh if render.failing(j)]
        if len(failing) == 1:
            return Target(failing[0], False)
        if failing:
            return render.which_job([j.full_name for j in failing], intent)
    return render.which_job([j.full_name for j in jobs if not j.disabled], intent)


async def find_job(ask: Ask, service: JenkinsService, intent: str, only_failing: bool = False) -> Target | Reply:
    """The job the message is about, or the reply that asks which (buttons) or says none fits."""
    jobs = [j for j in await service.jobs() if not j.is_folder]
    resolver = job_resolver(jobs)
    exact = _exact_in_text(jobs, ask.text)
    if len(exact) == 1:
        return Target(exact[0], False)
    if exact:
        choices = [c for c in resolver.candidates if c.data in exact]
        return choose_reply("job", Resolution(choices=choices), intent, "job")
    replies: list[Reply] = []
    for said in ask.entities.get("job", []):
        named = _named(resolver, said, ask.text, intent)
        if isinstance(named, Target):
            return named
        if named is not None:
            replies.append(named)
    if replies:
        return replies[0]
    context_name = ask.slot(JOB_SLOT)
    context = resolver.by_key(context_name) if context_name else None
    found = resolver.resolve(ask.text)
    weak = context is not None and found.score < WEAK_MATCH
    if found.found and not weak:
        return Target(found.match.data, False)  # type: ignore[union-attr]
    if found.ambiguous and not weak:
        return choose_reply("job", found, intent, "job")
    if context is not None:
        return Target(context.data, True)  # type: ignore[arg-type]
    return await _nothing_named(jobs, service, intent, only_failing)


# -- questions -----------------------------------------------------------------------------------------
OFF_DEFAULT_BUILDS = 15  # how far back a status looks for the last build of the default branch
OFF_DEFAULT_JOBS = 6  # at most this many jobs of an overview are looked up


async def away_from_default(service: JenkinsService, job: Job, build: BuildInfo | None) -> OffDefault | None:
    """When `build` ran on another branch (or with a switch, e.g. a dry run) than the job's defaults: what it
    ran with and the newest finished build with the defaults, from the recent builds' parameters."""
    if build is None or not job.parameters:
        return None
    defaults = off_default(job.parameters, build.parameters)
    if not defaults:
        return None
    history = await service.history(job.full_name, OFF_DEFAULT_BUILDS, parameters=True)
    default_build = next((b for b in history if not b.building and b.number != build.number and b.parameters
                          and not off_default(job.parameters, b.parameters)), None)
    ref = ref_parameter(job.parameters)
    return OffDefault(build, {name: build.parameters[name] for name in defaults}, defaults, default_build,
                      ref.name if ref is not None and ref.name in defaults else None)


class JenkinsQuestion(QuestionAction):
    backend = BACKEND
    intent: ClassVar[str] = ""


async def blame(ask: Ask, service: JenkinsService, target: Target) -> Answer:
    """"who broke it?": the build where the run of failures began (the one talked about, else the latest red
    or yellow one), its changes and their authors, and whether it has passed since."""
    name = target.job.full_name
    history = await service.history(name)
    number = said_number(ask, target) or context_build(ask, target)
    broken = [b.number for b in history if b.result in BROKEN]
    if number not in broken:
        number = broken[0] if broken else None
    if number is None:
        detail = await service.job(name)
        return Answer.of(render.never_failed(detail), **job_context(ask, name))
    first, known = first_broken(history, number, complete=len(history) < HISTORY_BUILDS)
    build = await service.build(name, first)
    latest = history[0] if history else None
    return Answer.of(render.blame(name, build, known, latest), **job_context(ask, name, build.number))


class ActionJenkinsBuildStatus(JenkinsQuestion):
    """"is petclinic-build green?", "what happened in build 144?", "how is it going?", "and 912?"."""

    action_name = "action_jenkins_build_status"
    intent = "jenkins_build_status"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        blaming = bool(_BLAME.search(ask.text))  # "who broke the build?": about a failing job
        target = await find_job(ask, service, self.intent, only_failing=blaming)
        if isinstance(target, Reply):
            return Answer([target])
        if blaming:
            return await blame(ask, service, target)
        name = target.job.full_name
        number = said_number(ask, target)
        queued = ask.slot(QUEUE_SLOT)
        if number is None and target.from_context and queued and not ask.slot(BUILD_SLOT):
            state = await service.queue_item(int(queued))  # the build we queued: has it started?
            if state.build_number is None:
                return Answer.of(render.still_queued(name, state, target.job.url), **context_slots(name, None,
                                                                                                    state.id))
            number = state.build_number
        if number is not None:
            build = await service.build(name, number)
            return Answer.of(render.build_status(name, build), **context_slots(name, build.number))
        detail = await service.job(name)
        last = detail.last_build
        if last is None:
            return Answer.of(render.no_builds(detail), **context_slots(name, None))
        previous = detail.last_completed if last.building else None
        queued_why = detail.queue_why if detail.in_queue else None
        away = await away_from_default(service, detail, last)
        return Answer.of(render.build_status(name, last, previous, queued=queued_why, away=away),
                         **context_slots(name, last.number))


class ActionJenkinsWhyFailed(JenkinsQuestion):
    """"why did petclinic-build fail?", "show me its log", "who broke it?": failed stage, failed tests, last
    log lines; or where the failures began and whose changes it built."""

    action_name = "action_jenkins_why_failed"
    intent = "jenkins_why_failed"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        target = await find_job(ask, service, self.intent, only_failing=True)
        if isinstance(target, Reply):
            return Answer([target])
        if _BLAME.search(ask.text):
            return await blame(ask, service, target)
        name = target.job.full_name
        said = said_number(ask, target)
        number = said if said is not None else context_build(ask, target)  # "show me its log": that build
        build = None
        if number is not None:
            build, detail = await asyncio.gather(service.build(name, number), service.job(name))
            if said is None and build.result == "SUCCESS" and _FAILING.search(ask.text):
                build = None  # "why did it fail?" about a build that passed: its last failure
        else:
            detail = await service.job(name)
        if build is None:
            # the last failure; asked for a log of a job that never failed: the last build's log
            build = detail.last_unsuccessful or (detail.last_build if _LOG.search(ask.text) else None)
        if build is None:
            return Answer.of(render.never_failed(detail), **context_slots(
                name, detail.last_build.number if detail.last_build else None))
        found = await service.failure(build, target.job.pipeline)
        return Answer.of(render.failure(name, found, detail.last_build), **context_slots(name, build.number))


class ActionJenkinsOverview(JenkinsQuestion):
    """"which jobs are failing?", "list the jobs in the platform folder", "status of all jobs"."""

    action_name = "action_jenkins_overview"
    intent = "jenkins_overview"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        jobs = await service.overview()
        folders = [j for j in jobs if j.is_folder]
        folder = None
        if folders:
            resolver = Resolver([Candidate(f.full_name, f.full_name, (f.name,), f) for f in folders],
                                generic=(*GENERIC_WORDS, "failing", "status"))
            found = resolver.resolve(ask.entity("folder") or ask.text)
            folder = found.match.data if found.found else None
        mode = "failing" if _FAILING.search(ask.text) else "all"
        scope = jobs if folder is None else [j for j in jobs if j.full_name.startswith(folder.full_name + "/")]  # type: ignore[union-attr]
        candidates = [j for j in scope if not j.is_folder and j.parameters
                      and (shown := j.last_completed or j.last_build) is not None
                      and off_default(j.parameters, shown.parameters)]
        candidates = candidates[:OFF_DEFAULT_JOBS]
        found = await asyncio.gather(*(away_from_default(service, j, j.last_completed or j.last_build)
                                       for j in candidates))
        away = {j.full_name: a for j, a in zip(candidates, found, strict=True) if a is not None}
        if folder is not None:
            reply = render.overview(scope, folder.url, mode, folder.full_name, away=away)  # type: ignore[union-attr]
        else:
            reply = render.overview(jobs, service.base_url + "/", mode, away=away)
        return Answer.of(reply)


class ActionJenkinsQueue(JenkinsQuestion):
    """"what's running?", "anything stuck in the queue?"."""

    action_name = "action_jenkins_queue"
    intent = "jenkins_queue"

    async def answer(self, ask: Ask) -> Answer:
        found = await jenkins_service().activity()
        reply = render.activity(found)
        if len(found.queued) == 1:  # "how long has it been waiting?": that queued item
            entry = found.queued[0]
            return Answer.of(reply, **context_slots(entry.job, None, entry.id))
        return Answer.of(reply)


class ActionJenkinsAgents(JenkinsQuestion):
    """"are any agents offline?"."""

    action_name = "action_jenkins_agents"
    intent = "jenkins_agents"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        return Answer.of(render.agents(await service.agents(), service.base_url + "/computer/"))


# -- running a build -----------------------------------------------------------------------------------
def _parameter_to_slot(parameter: ParameterDef) -> dict[str, Any]:
    return {"name": parameter.name, "kind": parameter.kind, "default": parameter.default,
            "description": parameter.description, "choices": parameter.choices}


def _parameter(data: dict) -> ParameterDef:
    return ParameterDef(name=str(data["name"]), kind=str(data.get("kind") or "string"), default=data.get("default"),
                        description=str(data.get("description") or ""), choices=list(data.get("choices") or []))


def waiting_change(ask: Ask) -> Pending | None:
    """The change (anyone's) still waiting for a yes in this conversation: a new proposal takes its place."""
    pending = Pending.from_slot(ask.slot(PENDING_SLOT))
    return None if pending is None or pending.expired() else pending


def own_pending_build(ask: Ask) -> Pending | None:
    """The asker's build proposal still waiting for their yes (the one a new request may change)."""
    pending = waiting_change(ask)
    if pending is None or pending.kind != BUILD_KIND or pending.requester != ask.user_id:
        return None
    return pending


def propose_build(job: str, url: str, values: dict[str, str] | None, ask: Ask, defaulted: list[str] | None = None,
                  notes: list[str] | None = None, build: int | None = None) -> tuple[Reply, list[dict]]:
    """The confirmation that shows exactly what will run (values left at their default say so, and `notes`
    say what else to know), and the pending-confirmation event."""
    summary = f"run {job}" + (f" with {describe(values, defaulted or ())}" if values else "")
    pending = ask_to_confirm(BUILD_KIND, summary, {"job": job, "url": url, "parameters": values or None}, ask)
    reply = render.confirm_build(job, summary, url, expiry_minutes(), notes or [])
    context = [SlotSet(name, value) for name, value in job_context(ask, job, build).items()]
    return reply, [pending, SlotSet(DRAFT_SLOT, None), SlotSet(VALUE_SLOT, None), *context]


@dataclass
class _Basis:
    """What a build request starts from: a build's values ("run #64 again"), the asker's pending proposal for
    the same job ("make it a dry run"), or the job's defaults."""

    values: dict[str, str] | None = None
    build: int | None = None  # the build whose parameters are reused
    amending: Pending | None = None


class ActionJenkinsRunBuild(JenkinsQuestion):
    """"build petclinic-build on branch fix/x", "deploy 3.2.1-rc1 to staging", "rebuild it", "make it a dry run"."""

    action_name = "action_jenkins_run_build"
    follow_up_action = "action_jenkins_build_status"
    intent = "jenkins_run_build"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        # The dialogue rules read the draft slot right after this action: always set it, even on a fault.
        if not any(e.get("event") == "slot" and e.get("name") == DRAFT_SLOT for e in events):
            events.append(SlotSet(DRAFT_SLOT, None))
        return events

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        pending = own_pending_build(ask)
        target = await self._target(ask, service, pending)
        if isinstance(target, Reply):
            return Answer([target])
        name = target.job.full_name
        verb = unsupported_change(ask.text, [name])
        if verb is not None:
            return Answer.of(render.cannot(verb, target.job), **job_context(ask, name))
        if pending is None and not ask.slot(DRAFT_SLOT) and not asks_for_change(ask.text, [name]):
            # No verb, no button: a bare name ("petclinic-build?") asks how it is doing, whatever the NLU read.
            return await ActionJenkinsBuildStatus().answer(replace(ask, intent=ActionJenkinsBuildStatus.intent))
        refusal = gate(BUILD_KIND, f"run {name}", {"job": name}, ask)
        if refusal is not None:
            return Answer.of(refusal, **{DRAFT_SLOT: None, **job_context(ask, name)})
        detail = await service.job(name)
        if detail.disabled:
            return Answer.of(render.refuse_disabled(detail), **{DRAFT_SLOT: None, **job_context(ask, name)})
        basis = await self._basis(ask, service, detail, target, pending)
        entities = {e: ask.entities[e] for e in PARAMETER_ENTITIES if e in ask.entities}
        plan = plan_build(detail.parameters, ask.text, entities, basis.values, ignore_words=words(name))
        if plan.errors or plan.unknown:
            return Answer.of(render.bad_parameters(detail, plan.errors, plan.unknown),
                             **{DRAFT_SLOT: None, **job_context(ask, name, basis.build)})
        defaulted = [] if basis.values else [p.name for p in detail.parameters if p.name not in plan.said]
        waiting = waiting_change(ask)
        notes = self._notes(detail, plan.unplaced, basis, waiting, plan.values, ask, set(plan.refs_unplaced))
        if plan.missing:
            draft = {"job": name, "url": detail.url, "values": plan.values, "defaulted": defaulted, "notes": notes,
                     "missing": [_parameter_to_slot(p) for p in plan.missing],
                     "parameters": [_parameter_to_slot(p) for p in detail.parameters]}
            reply = render.need_parameters(name, [p.name for p in plan.missing], detail.url, notes)
            context = [SlotSet(k, v) for k, v in job_context(ask, name, basis.build).items()]
            dropped = [SlotSet(PENDING_SLOT, None)] if waiting is not None else []  # the note says it's replaced
            return Answer([reply], [SlotSet(DRAFT_SLOT, draft), SlotSet(VALUE_SLOT, None), *context, *dropped])
        values = plan.values if detail.parameters else None
        reply, events = propose_build(name, detail.url, values, ask, defaulted, notes, basis.build)
        return Answer([reply], events)

    async def _target(self, ask: Ask, service: JenkinsService, pending: Pending | None) -> Target | Reply:
        """The job to build; with a pending proposal of the asker's, nothing named means its job ("make it a
        dry run"). The build talked about counts only if its job is the one talked about."""
        if pending is None:
            return await find_job(ask, service, self.intent)
        lookup = replace(ask, slots={**ask.slots, JOB_SLOT: pending.params.get("job")})
        target = await find_job(lookup, service, self.intent)
        if isinstance(target, Target):
            target = Target(target.job, target.from_context and ask.slot(JOB_SLOT) == target.job.full_name)
        return target

    @staticmethod
    async def _basis(ask: Ask, service: JenkinsService, detail: JobDetail, target: Target,
                     pending: Pending | None) -> _Basis:
        """A build number said ("run #144 again", "redeploy from build 64") reuses that build's parameters; else
        the asker's pending proposal for this job is changed; else "rebuild it" reuses the build talked about
        (or the last one)."""
        number = build_number(ask)
        if number is None and pending is not None and pending.params.get("job") == detail.full_name:
            return _Basis(dict(pending.params.get("parameters") or {}), amending=pending)
        if number is None:
            if not _REBUILD.search(ask.text):
                return _Basis()
            number = context_build(ask, target)
        last = detail.last_build
        if number is None or (last is not None and last.number == number):
            return _Basis(last.parameters, last.number) if last else _Basis()
        build = await service.build(detail.full_name, number)
        return _Basis(build.parameters, build.number)

    @staticmethod
    def _notes(detail: JobDetail, unplaced: list[str], basis: _Basis, waiting: Pending | None,
               values: dict[str, str], ask: Ask, refs: set[str] | None = None) -> list[str]:
        """What the proposal must also say: values not used, what changed, what it replaces, what is running."""
        notes = [render.unplaced_note(value, detail, value in (refs or set())) for value in unplaced]
        if basis.amending is not None:
            notes.append(render.amended_note(changes(basis.values or {}, values)))
        elif waiting is not None:
            whose = "" if waiting.requester == ask.user_id else waiting.requester_name
            notes.append(render.replaces_note(waiting.summary, whose))
        if basis.build is not None and basis.values:
            notes.append(render.rebuilt_note(basis.build))
        running = render.running_note(detail)
        return notes + ([running] if running else [])


def unrunnable(job: JobDetail, parameters: dict[str, Any]) -> str:
    """Why Jenkins would not run `job` with `parameters` as it is now ("" when it would)."""
    if job.disabled:
        return "it is disabled in Jenkins now."
    known = {p.name: p for p in job.parameters}
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        return f"it has no parameter {', '.join(clean(n, 40) for n in unknown)} (any more)."
    for name, value in parameters.items():
        choices = known[name].choices
        if known[name].kind == "choice" and choices and str(value) not in choices:
            return f"{clean(name, 40)}={clean(str(value), 60)} is not one of its choices now."
    return ""


def build_permission(access: AccessPolicy, params: dict[str, Any]) -> str:
    """Protected jobs (access.yml `protected_jobs`, e.g. *-deploy-prod) need build_protected."""
    return "build_protected" if access.is_protected(str(params.get("job") or "")) else "build"


@register(BUILD_KIND, BACKEND, build_permission)
async def run_confirmed_build(pending: Pending, ask: Ask) -> Answer:
    """After "yes": check the job and its parameters against Jenkins again (it may have changed, or been
    disabled, since the offer), queue the build, then wait briefly for its number."""
    service = jenkins_service()
    job = str(pending.params["job"])
    parameters = pending.params.get("parameters")
    url = str(pending.params.get("url") or "")
    try:
        detail = await service.job(job)
    except BackendError as error:
        if error.fault is not Fault.NOT_FOUND:
            raise
        return Answer([Reply(text=f"Jenkins has no job {clean(job, 100)} any more, so nothing ran.")])
    problem = unrunnable(detail, parameters or {})
    if problem:
        return Answer([Reply(text=f"I didn't start {clean(job, 100)}: {problem} Nothing ran; ask again to get a "
                                  "fresh offer.")])
    queue_id = await service.trigger(job, parameters)
    state = await service.wait_for_start(queue_id)
    reply = render.started(job, state, describe(parameters or {}), url)
    return Answer.of(reply, **context_slots(job, state.build_number, queue_id))


def _draft(tracker: Tracker) -> dict | None:
    value = tracker.get_slot(DRAFT_SLOT)
    return value if isinstance(value, dict) and value.get("job") else None


class ActionAskJenkinsParameterValue(Action):
    """The form's question: the next missing parameter, with its description and choices."""

    def name(self) -> str:
        return "action_ask_jenkins_parameter_value"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        draft = _draft(tracker)
        if not draft or not draft.get("missing"):
            send(dispatcher, tracker, Reply(text="Which value should I use?"))
            return []
        parameter = _parameter(draft["missing"][0])
        given = {k: v for k, v in draft["values"].items() if v}
        send(dispatcher, tracker, render.ask_parameter(draft["job"], parameter.name, parameter.description,
                                                       parameter.choices, describe(given) if given else "",
                                                       draft.get("url") or ""))
        return []


def answer_to_draft(draft: dict, ask: Ask) -> tuple[dict[str, str], str | None]:
    """The values a reply to "Which VERSION …?" gives: whatever it names for any of the job's parameters
    ("NAME=value", "make it a dry run", "v1.9.1" for a version), else the reply itself as the value asked for
    when it is one word (or quoted, or the parameter is free text). (values, None) or ({}, what was wrong)."""
    asked = _parameter(draft["missing"][0])
    parameters = [_parameter(p) for p in draft.get("parameters") or draft["missing"]]
    entities = {e: ask.entities[e] for e in PARAMETER_ENTITIES if e in ask.entities}
    plan = plan_build(parameters, ask.text, entities, draft["values"], ignore_words=words(draft["job"]))
    if plan.errors or plan.unknown:
        return {}, "; ".join(plan.errors + [f"{draft['job']} has no parameter {n}" for n in plan.unknown])
    if plan.said:
        return plan.said, None
    value = single_value(ask.text) if asked.kind != "text" else ask.text.strip()
    if value is None:
        return {}, f"I didn't find a {asked.name} in that. Reply with just the value"
    normalised, error = normalise(asked, value)
    return ({asked.name: normalised}, None) if normalised is not None else ({}, error)


def may_be_a_value(draft: dict, ask: Ask) -> bool:
    """Whether a reply to "Which VERSION …?" may hold a value: its intent is one a value gets (never a yes or
    another question), or it says "NAME=value" for one of the job's parameters, or it is a choice's button."""
    names = {str(p["name"]).lower() for p in draft.get("parameters") or draft["missing"]}
    clicked = ask.text.strip() in (draft["missing"][0].get("choices") or [])
    return ask.intent in VALUE_INTENTS or bool(assigned_names(ask.text) & names) or clicked


class ValidateJenkinsParametersForm(FormValidationAction):
    """Each reply fills the next missing parameter (checked like any other value) or changes the values given
    so far; "cancel" stops. A yes, a no or another question is never taken as a value."""

    def name(self) -> str:
        return "validate_jenkins_parameters_form"

    async def validate_jenkins_parameter_value(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if slot_value is None:  # the form's own reset (rasa_sdk validates every slot set since the last message)
            return {VALUE_SLOT: None}
        draft = _draft(tracker)
        ask = Ask.from_tracker(tracker)
        if draft is None or not draft.get("missing") or ask.intent == "deny" or \
                str(slot_value).lower().strip(" .!") in _CANCEL:
            return {VALUE_SLOT: "cancelled", DRAFT_SLOT: None, "requested_slot": None}
        asked = str(draft["missing"][0]["name"])
        if not may_be_a_value(draft, ask):
            send(dispatcher, tracker, render.not_a_value(asked, ask.intent == "affirm"))
            return {VALUE_SLOT: None}
        given, problem = answer_to_draft(draft, ask)
        if problem:
            send(dispatcher, tracker, Reply(text=f"{clean(problem, 200)}. Try again, or say \"cancel\"."))
            return {VALUE_SLOT: None}
        updated = _updated_draft(draft, given)
        if updated["missing"]:
            return {VALUE_SLOT: None, DRAFT_SLOT: updated}
        return {VALUE_SLOT: given.get(asked) or "given", DRAFT_SLOT: updated}


def _updated_draft(draft: dict, given: dict[str, str]) -> dict:
    values = {**draft["values"], **given}
    missing = [p for p in draft["missing"] if not str(values.get(p["name"]) or "").strip()]
    defaulted = [name for name in draft.get("defaulted") or [] if name not in given]
    return {**draft, "values": values, "missing": missing, "defaulted": defaulted}


class ActionJenkinsProposeBuild(Action):
    """When the form has every parameter: show exactly what will run and ask for the yes."""

    def name(self) -> str:
        return "action_jenkins_propose_build"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        draft = _draft(tracker)
        if draft is None:
            send(dispatcher, tracker, Reply(text="OK, I won't run it."))
            return [SlotSet(DRAFT_SLOT, None), SlotSet(VALUE_SLOT, None)]
        reply, events = propose_build(draft["job"], draft.get("url") or "", dict(draft["values"]),
                                      Ask.from_tracker(tracker), list(draft.get("defaulted") or []),
                                      list(draft.get("notes") or []))
        send(dispatcher, tracker, reply)
        return events

