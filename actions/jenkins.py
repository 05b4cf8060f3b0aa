"""Jenkins questions and builds: thin actions over services.jenkins (data) and render.jenkins (words).

Names: a job is found from the NLU's `job` entity, else from the words of the message, else it is the job
talked about last (slot `jenkins_job`), so "and the integration tests?", "show me its log", "rebuild it" and
"how is it going?" work. Builds: the number said ("build 144", "#147"), else the last one.
Running a build asks for missing parameters (form `jenkins_parameters_form`), then for a confirmation
(actions.confirm); the "yes" runs `run_confirmed_build`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.access import AccessPolicy
from actions.base import Answer, Ask, QuestionAction, choose_reply
from actions.confirm import Pending, ask_to_confirm, gate, register
from actions.jenkins_params import describe, normalise, plan_build
from actions.render import Reply
from actions.render import jenkins as render
from actions.reply import send
from actions.resolve import Candidate, Resolution, Resolver, words
from actions.services.jenkins import BACKEND, JenkinsService, Job, JobDetail, ParameterDef, jenkins_service

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
_BUILD_NUMBER = re.compile(r"(?:#\s*|\b(?:build|run|number|no\.?)\s*#?\s*)(\d{1,7})\b", re.IGNORECASE)
_REBUILD = re.compile(r"\b(re-?build|re-?run|again|retry|restart|re-?trigger)\b", re.IGNORECASE)
_FAILING = re.compile(r"\b(fail\w*|broken|red|unstable|yellow|problems?|bad)\b", re.IGNORECASE)
_CANCEL = {"cancel", "stop", "abort", "never mind", "nevermind", "forget it", "no", "nope", "quit"}
PARAMETER_ENTITIES = ("branch", "version", "env")


@dataclass
class Target:
    job: Job
    from_context: bool  # no job named: the one talked about before


def build_number(ask: Ask) -> int | None:
    said = ask.entity("build_number")
    if said:
        digits = re.sub(r"\D", "", said)
        if digits:
            return int(digits)
    match = _BUILD_NUMBER.search(ask.text)
    return int(match.group(1)) if match else None


def job_resolver(jobs: list[Job]) -> Resolver:
    return Resolver([Candidate(j.full_name, j.full_name, (j.name,), j) for j in jobs if not j.is_folder],
                    generic=GENERIC_WORDS)


def _names_something_else(resolver: Resolver, said: str) -> bool:
    """"petclinic-payroll": a word of the name that fits no job at all means it is another job, not a
    vague reference to the jobs that share its other words."""
    return any(not resolver.ranked(word) for word in words(said) if word not in GENERIC_WORDS and len(word) > 2)


async def find_job(ask: Ask, service: JenkinsService, intent: str) -> Target | Reply:
    """The job the message is about, or the reply that asks which (buttons) or says none fits."""
    jobs = [j for j in await service.jobs() if not j.is_folder]
    resolver = job_resolver(jobs)
    context_name = ask.slot(JOB_SLOT)
    context = resolver.by_key(context_name) if context_name else None
    said = ask.entity("job")
    if said and _names_something_else(resolver, said):
        return choose_reply("job", Resolution(suggestions=resolver.closest(said)), intent, "job", said)
    if said:
        named = resolver.resolve(said)
        if named.found:
            return Target(named.match.data, False)  # type: ignore[union-attr]
        if named.ambiguous:
            # "the reconciliation nightly" where the NLU marked only "nightly": the rest of the words decide
            whole = resolver.resolve(ask.text)
            if whole.found and whole.match in named.choices:
                return Target(whole.match.data, False)  # type: ignore[union-attr]
            return choose_reply("job", named, intent, "job", said)
    found = resolver.resolve(ask.text)
    weak = context is not None and found.score < WEAK_MATCH
    if found.found and not weak:
        return Target(found.match.data, False)  # type: ignore[union-attr]
    if found.ambiguous and not weak:
        return choose_reply("job", found, intent, "job")
    if context is not None:
        return Target(context.data, True)  # type: ignore[arg-type]
    if said:
        return choose_reply("job", resolver.resolve(said), intent, "job", said)
    return render.which_job([j.full_name for j in jobs], intent)


def context_slots(job: str, build: int | None, queue_item: int | None = None) -> dict[str, Any]:
    return {JOB_SLOT: job, BUILD_SLOT: None if build is None else str(build),
            QUEUE_SLOT: None if queue_item is None else str(queue_item)}


class JenkinsQuestion(QuestionAction):
    backend = BACKEND
    intent: ClassVar[str] = ""


class ActionJenkinsBuildStatus(JenkinsQuestion):
    """"is petclinic-build green?", "what happened in build 144?", "how is it going?"."""

    action_name = "action_jenkins_build_status"
    intent = "jenkins_build_status"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        target = await find_job(ask, service, self.intent)
        if isinstance(target, Reply):
            return Answer([target])
        name = target.job.full_name
        number = build_number(ask)
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
        return Answer.of(render.build_status(name, last, previous, queued=queued_why),
                         **context_slots(name, last.number))


class ActionJenkinsWhyFailed(JenkinsQuestion):
    """"why did petclinic-build fail?", "show me its log": failed stage, failed tests, last log lines."""

    action_name = "action_jenkins_why_failed"
    intent = "jenkins_why_failed"

    async def answer(self, ask: Ask) -> Answer:
        service = jenkins_service()
        target = await find_job(ask, service, self.intent)
        if isinstance(target, Reply):
            return Answer([target])
        name = target.job.full_name
        said = build_number(ask)
        number = said
        if number is None and target.from_context and ask.slot(BUILD_SLOT):
            number = int(ask.slot(BUILD_SLOT))  # "show me its log": the build talked about
        latest = build = None
        if number is not None:
            build = await service.build(name, number)
            if said is None and build.result == "SUCCESS" and _FAILING.search(ask.text):
                build = None  # "why did it fail?" about a build that passed: its last failure
        if build is None:
            detail = await service.job(name)
            if detail.last_unsuccessful is None:
                return Answer.of(render.never_failed(detail), **context_slots(
                    name, detail.last_build.number if detail.last_build else None))
            build, latest = detail.last_unsuccessful, detail.last_build
        found = await service.failure(build, target.job.pipeline)
        return Answer.of(render.failure(name, found, latest), **context_slots(name, build.number))


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
        if folder is not None:
            scope = [j for j in jobs if j.full_name.startswith(folder.full_name + "/")]  # type: ignore[union-attr]
            reply = render.overview(scope, folder.url, mode, folder.full_name)  # type: ignore[union-attr]
        else:
            reply = render.overview(jobs, service.base_url + "/", mode)
        return Answer.of(reply)


class ActionJenkinsQueue(JenkinsQuestion):
    """"what's running?", "anything stuck in the queue?"."""

    action_name = "action_jenkins_queue"
    intent = "jenkins_queue"

    async def answer(self, ask: Ask) -> Answer:
        return Answer.of(render.activity(await jenkins_service().activity()))


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


def propose_build(job: str, url: str, values: dict[str, str] | None, ask: Ask) -> tuple[Reply, list[dict]]:
    """The confirmation that shows exactly what will run, and the pending-confirmation event."""
    summary = f"run {job}" + (f" with {describe(values)}" if values else "")
    pending = ask_to_confirm(BUILD_KIND, summary, {"job": job, "url": url, "parameters": values or None}, ask)
    reply = render.confirm_build(job, summary, url, 5)
    return reply, [pending, SlotSet(DRAFT_SLOT, None), SlotSet(VALUE_SLOT, None), SlotSet(JOB_SLOT, job)]


class ActionJenkinsRunBuild(JenkinsQuestion):
    """"build petclinic-build on branch fix/x", "deploy 3.2.1-rc1 to staging", "rebuild it"."""

    action_name = "action_jenkins_run_build"
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
        target = await find_job(ask, service, self.intent)
        if isinstance(target, Reply):
            return Answer([target])
        name = target.job.full_name
        refusal = gate(BUILD_KIND, f"run {name}", {"job": name}, ask)
        if refusal is not None:
            return Answer.of(refusal, **{DRAFT_SLOT: None, JOB_SLOT: name})
        detail = await service.job(name)
        if detail.disabled:
            return Answer.of(render.refuse_disabled(detail), **{DRAFT_SLOT: None, JOB_SLOT: name})
        base = await self._rebuilt_values(ask, service, detail, target)
        entities = {e: ask.entities[e] for e in PARAMETER_ENTITIES if e in ask.entities}
        plan = plan_build(detail.parameters, ask.text, entities, base, ignore_words=words(name))
        if plan.errors or plan.unknown:
            return Answer.of(render.bad_parameters(detail, plan.errors, plan.unknown),
                             **{DRAFT_SLOT: None, JOB_SLOT: name})
        if plan.missing:
            draft = {"job": name, "url": detail.url, "values": plan.values,
                     "missing": [_parameter_to_slot(p) for p in plan.missing]}
            reply = render.need_parameters(name, [p.name for p in plan.missing], detail.url)
            return Answer([reply], [SlotSet(DRAFT_SLOT, draft), SlotSet(VALUE_SLOT, None), SlotSet(JOB_SLOT, name)])
        reply, events = propose_build(name, detail.url, plan.values if detail.parameters else None, ask)
        return Answer([reply], events)

    @staticmethod
    async def _rebuilt_values(ask: Ask, service: JenkinsService, detail: JobDetail,
                              target: Target) -> dict[str, str] | None:
        """"rebuild it", "run #144 again": the parameters of that build (else of the last one)."""
        if not _REBUILD.search(ask.text):
            return None
        number = build_number(ask)
        if number is None and target.from_context and ask.slot(BUILD_SLOT):
            number = int(ask.slot(BUILD_SLOT))
        last = detail.last_build
        if number is None or (last is not None and last.number == number):
            return last.parameters if last else None
        return (await service.build(detail.full_name, number)).parameters


def build_permission(access: AccessPolicy, params: dict[str, Any]) -> str:
    """Protected jobs (access.yml `protected_jobs`, e.g. *-deploy-prod) need build_protected."""
    return "build_protected" if access.is_protected(str(params.get("job") or "")) else "build"


@register(BUILD_KIND, BACKEND, build_permission)
async def run_confirmed_build(pending: Pending, ask: Ask) -> Answer:
    """After "yes": queue the build, then wait briefly for its number."""
    service = jenkins_service()
    job = str(pending.params["job"])
    parameters = pending.params.get("parameters")
    url = str(pending.params.get("url") or "")
    queue_id = await service.trigger(job, parameters)
    state = await service.wait_for_start(queue_id)
    reply = render.started(job, state, describe(parameters or {}), url)
    return Answer.of(reply, **context_slots(job, state.build_number, queue_id))


def _draft(tracker: Tracker) -> dict | None:
    value = tracker.get_slot(DRAFT_SLOT)
    return value if isinstance(value, dict) and value.get("job") else None


def _parameter(data: dict) -> ParameterDef:
    return ParameterDef(name=str(data["name"]), kind=str(data.get("kind") or "string"), default=data.get("default"),
                        description=str(data.get("description") or ""), choices=list(data.get("choices") or []))


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


class ValidateJenkinsParametersForm(FormValidationAction):
    """Each answer fills the next missing parameter (checked like any other value); "cancel" stops."""

    def name(self) -> str:
        return "validate_jenkins_parameters_form"

    async def validate_jenkins_parameter_value(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if slot_value is None:  # the form's own reset (rasa_sdk validates every slot set since the last message)
            return {VALUE_SLOT: None}
        draft = _draft(tracker)
        text = str(slot_value).strip()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if draft is None or not draft.get("missing") or intent == "deny" or text.lower().strip(" .!") in _CANCEL:
            return {VALUE_SLOT: "cancelled", DRAFT_SLOT: None, "requested_slot": None}
        parameter = _parameter(draft["missing"][0])
        value, error = normalise(parameter, text)
        if error or value is None:
            send(dispatcher, tracker, Reply(text=f"{error}. Try again, or say \"cancel\"."))
            return {VALUE_SLOT: None}
        updated = {**draft, "values": {**draft["values"], parameter.name: value}, "missing": draft["missing"][1:]}
        if updated["missing"]:
            return {VALUE_SLOT: None, DRAFT_SLOT: updated}
        return {VALUE_SLOT: value, DRAFT_SLOT: updated}


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
                                      Ask.from_tracker(tracker))
        send(dispatcher, tracker, reply)
        return events
