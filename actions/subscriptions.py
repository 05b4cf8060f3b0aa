"""Subscriptions from chat: "notify this channel when petclinic-build fails", "tell me when the nightly
breaks", "post firing critical alerts here", "let us know about new releases of spring-petclinic", "what is
this channel subscribed to?", "stop the petclinic-build notifications".

A subscription belongs to the conversation (a Teams channel, not the thread it was asked in; a chat; on
REST and shell the sender) and remembers where to post (the Teams conversation reference from the
message's metadata). What to watch is read from the words (actions/subscription_words.py) and resolved against
the live job, repository and alert lists, like a question; a name that is both a job and a repository,
with no word to tell which, is asked about (buttons). Subscribing and unsubscribing need the `subscribe`
permission and are written to the audit log. The Rasa server's `notify` channel delivers.

Stopping removes only what the message names (a Stop button, the words, or "everything"), and only when it
says to stop: anything else, NLU misreadings included, gets the list with Stop buttons and changes nothing
(no permission needed to see it). Stopping several things at once waits for a yes (actions/confirm.py).
Every removal says exactly what stopped and has an Undo button that subscribes to it again.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

from rasa_sdk.events import SlotSet

from actions import audit
from actions.base import Answer, Ask, QuestionAction
from actions.confirm import Pending, ask_to_confirm, expiry_minutes, register
from actions.github.repos import RepoFinder
from actions.grafana import env_of
from actions.jenkins import JOB_SLOT, Target, find_job
from actions.live_names import live_names
from actions.subscription_words import (
    ALERT_WORDS,
    TOPIC_SLOT,
    Watch,
    alert_filter,
    asks_to_stop,
    condition_for,
    is_everything,
    is_undo,
    kind_named,
    list_position,
    names_other_thing,
    of_kind,
    parse_restore,
    restore_token,
    said,
    source_for,
    subscription_resolver,
    time_limited,
    without_topic_words,
)
from backends.faults import BackendError, Fault
from backends.github.service import service as github_service
from backends.github.settings import github_settings
from backends.github.source import GITHUB
from backends.grafana.service import service as grafana
from backends.grafana.settings import grafana_settings
from backends.grafana.source import GRAFANA, filter_target, label_filter
from backends.jenkins.service import service as jenkins_service
from backends.jenkins.settings import jenkins_settings
from backends.jenkins.source import JENKINS
from backends.registry import title as tool_title
from common import cards
from common.access import AccessFileError, Identity, policy, refusal_text
from common.reply import Button, Reply, payload, yes_no
from common.text import clean, join_names, plural
from notifications.config import db_path
from notifications.match import Subscription, describe
from notifications.store import AsyncNotifyStore, open_notify_store

SUBSCRIPTION_ENTITY = "subscription"
LIST_BUTTON = Button("What are we subscribed to?", payload("list_subscriptions"))
T = TypeVar("T")
MAX_STOP_BUTTONS = 5
STOP_KIND = "notify_unsubscribe"  # the confirmation (actions/confirm.py) before stopping several at once
STORE_NAME = "opsbot's subscription store"
# What the last stop in this conversation removed (restore tokens), for a typed "undo" (domain/notifications.yml).
LAST_STOPPED_SLOT = "notify_last_stopped"

_stores: dict[str, AsyncNotifyStore] = {}


def notify_store() -> AsyncNotifyStore:
    """The subscription store (the same SQLite file, or PostgreSQL with OPSBOT_DB_HOST, the Rasa server's notifier
    reads), opened on first use."""
    path = db_path()
    if path not in _stores:
        _stores[path] = AsyncNotifyStore(open_notify_store(path))
    return _stores[path]


# -- the conversation ----------------------------------------------------------------------------------------
def conversation_key(ask: Ask) -> str:
    """Teams: the conversation id, a channel thread's reduced to its channel ("19:x@thread.tacv2;messageid=1"
    → "19:x@thread.tacv2"), so every thread of the channel shares its subscriptions; elsewhere the sender."""
    conversation = str(ask.metadata.get("conversation_id") or "")
    return conversation.split(";")[0] if conversation else ask.sender


def delivery_address(ask: Ask) -> dict[str, Any] | None:
    """The Bot Framework reference to post to: the message's, addressed to the whole conversation (a new
    post in the channel, not a reply in this thread). None off Teams."""
    reference = ask.metadata.get("conversation_reference")
    if not isinstance(reference, dict) or not reference.get("serviceUrl") or not reference.get("conversation"):
        return None
    address = {k: v for k, v in reference.items() if k != "activityId"}
    address["conversation"] = {**reference["conversation"], "id": conversation_key(ask)}
    return address


def place(ask: Ask) -> str:
    kind = ask.metadata.get("conversation_type")
    return {"channel": "this channel", "groupChat": "this chat", "personal": "you"}.get(str(kind), "this conversation")


def _teams(ask: Ask) -> bool:
    return bool(ask.metadata.get("conversation_reference"))


def _refused(ask: Ask, what: str, parameters: dict[str, Any]) -> Answer | None:
    decision = policy().check(Identity.from_metadata(ask.sender, ask.metadata, ask.channel), "subscribe")
    if decision.allowed:
        return None
    audit.record(who=ask.user_id, where=conversation_key(ask), what=what, parameters=parameters,
                 decision="refused", result=decision.reason, channel=ask.channel)
    return Answer([Reply(text=refusal_text(decision))])


def _may_subscribe(ask: Ask) -> bool:
    """Whether this user may subscribe and unsubscribe (then Stop buttons make sense), without an audit line."""
    try:
        return policy().check(Identity.from_metadata(ask.sender, ask.metadata, ask.channel), "subscribe").allowed
    except AccessFileError:
        return False


def _record(ask: Ask, what: str, subscription: Subscription, result: str) -> None:
    audit.record(who=ask.user_id, where=conversation_key(ask), what=what, decision="allowed", result=result,
                 channel=ask.channel, parameters={"source": subscription.source, "target": subscription.target,
                                                  "condition": subscription.condition, "id": subscription.id})


# -- what to watch ---------------------------------------------------------------------------------------------
def _without_context(ask: Ask) -> Ask:
    """The message without the job talked about before: only what it names counts."""
    return replace(ask, slots={**ask.slots, JOB_SLOT: None})


async def _jenkins_watch(ask: Ask, condition: str) -> Watch | Reply:
    """The job named (or talked about); "any job" when the words say any/every and name none."""
    any_job = is_everything(ask) and not ask.entity("job")
    found = await find_job(_without_context(ask) if any_job else ask, jenkins_service(), "subscribe")
    if isinstance(found, Target):
        return Watch(JENKINS, found.job.full_name, condition, found.job.full_name, found.job.url)
    if any_job:
        return Watch(JENKINS, "", condition, "any Jenkins job", jenkins_settings().url)
    return found


async def _github_watch(ask: Ask, condition: str, named_only: bool = False) -> Watch | Reply | None:
    """The repository named (or talked about, or the default); with `named_only`, None unless one is named."""
    github = github_service()
    repos = await github.repos()
    finder = RepoFinder.for_intent("subscribe")
    where = await finder.named_repo(without_topic_words(ask), github=github, repos=repos)
    if where.reply is not None:
        return None if named_only else where.reply
    repo = where.repo
    if repo is None and named_only:
        return None
    if repo is None and is_everything(ask):
        return Watch(GITHUB, "", condition, "any repository", "")
    if repo is None:
        repo = await finder.context_repo(ask, github, repos)
    if repo is None:
        shown = sorted(repos, key=lambda r: -r.pushed_at)[:5]
        text = "Which repository? For example: " + ", ".join(r.full_name for r in shown) + "."
        buttons = [Button(r.name, payload("subscribe", github_repo=r.full_name)) for r in shown]
        return Reply(text=text, card=cards.status_card("Which repository?", "neutral", text, buttons=buttons),
                     buttons=buttons)
    return Watch(GITHUB, repo.full_name, condition, repo.full_name, repo.html_url)


def _alerts_watch(labels: dict[str, str]) -> Watch:
    label = "Grafana alerts" + (f" ({', '.join(f'{k}={v}' for k, v in sorted(labels.items()))})" if labels else "")
    return Watch(GRAFANA, filter_target(labels), "firing", label, grafana().absolute("/alerting/list"))


async def _grafana_watch(ask: Ask) -> Watch:
    return _alerts_watch(alert_filter(ask, await grafana().alert_rules(), env_of(ask)))


async def _watch(ask: Ask) -> Watch | Reply:
    source = source_for(ask)
    if source == GRAFANA:
        return await _grafana_watch(ask)
    if source == GITHUB:
        return await _github_watch(ask, condition_for(ask, GITHUB))  # type: ignore[return-value]
    # Build words ("fails", "finishes") or none: the names decide, a job first.
    jenkins = await _configured(_jenkins_watch(_without_context(ask), condition_for(ask, JENKINS)))
    job = jenkins if isinstance(jenkins, Watch) and jenkins.target else None
    if job is not None and source == JENKINS:
        return job
    repo = await _configured(_github_watch(ask, condition_for(ask, GITHUB), named_only=True))
    if job is not None and isinstance(repo, Watch):
        return _which_tool(job, repo)  # "the card vault release": a job's build or the repository's releases?
    if job is not None or isinstance(repo, Watch):
        return job or repo  # type: ignore[return-value]
    if isinstance(jenkins, Watch):
        return jenkins  # any job
    if not jenkins_settings().configured and github_settings().configured:
        return await _github_watch(ask, condition_for(ask, GITHUB))  # type: ignore[return-value]
    return await _jenkins_watch(ask, condition_for(ask, JENKINS))


async def _configured(attempt: Awaitable[T]) -> T | None:
    """The attempt's result, or None when its tool is not configured here (only the other one is)."""
    try:
        return await attempt
    except BackendError as error:
        if error.fault is Fault.NOT_CONFIGURED:
            return None
        raise


def _when(watch: Watch) -> str:
    return describe(Subscription(0, "", watch.source, watch.target, watch.condition))


def _which_tool(job: Watch, repo: Watch) -> Reply:
    """The name is a Jenkins job and a GitHub repository and the words don't say which: ask, never guess."""
    text = (f"Which do you mean: when {clean(_when(job))} (Jenkins), or when {clean(_when(repo))} (GitHub)? "
            "Nothing is subscribed yet.")
    buttons = [Button(f"Jenkins: {_when(job)}", payload("subscribe", job=job.target, notify_topic=job.condition)),
               Button(f"GitHub: {_when(repo)}",
                      payload("subscribe", github_repo=repo.target, notify_topic=repo.condition))]
    return Reply(text=text, card=cards.status_card("Jenkins or GitHub?", "neutral", text, buttons=buttons),
                 buttons=buttons)


async def _restored_watch(source: str, condition: str, target: str) -> Watch | str:
    """An Undo's subscription, checked against the live lists again; why not, when its thing is gone."""
    if source == GRAFANA:
        return _alerts_watch(label_filter(target))
    if source == JENKINS:
        if not target:
            return Watch(JENKINS, "", condition, "any Jenkins job", jenkins_settings().url)
        job = next((j for j in await jenkins_service().jobs() if j.full_name == target and not j.is_folder), None)
        return Watch(JENKINS, job.full_name, condition, job.full_name, job.url) if job else \
            f"Jenkins has no job {clean(target, 80)} any more"
    if not target:
        return Watch(GITHUB, "", condition, "any repository", "")
    repo = next((r for r in await github_service().repos() if r.full_name.lower() == target.lower()), None)
    return Watch(GITHUB, repo.full_name, condition, repo.full_name, repo.html_url) if repo else \
        f"GitHub has no repository {clean(target, 80)} that I can see any more"


# -- replies ---------------------------------------------------------------------------------------------------
def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _not_teams_note(ask: Ask) -> str:
    return "" if _teams(ask) else (
        " (This isn't a Teams conversation: notifications for it wait until it can be reached in Teams; "
        "`make demo` prints them in its terminal.)")


def _subscribed_reply(ask: Ask, subscription: Subscription, new: bool) -> Reply:
    who = place(ask)
    what = clean(describe(subscription))
    if new:
        title = "Subscribed"
        summary = f"Done: I'll post a card to {who} when {what}."
    else:
        title = "Already subscribed"
        summary = f"{_capitalised(who)} already get{'s' if who != 'you' else ''} a card when {what}."
    text = summary + f' Say "stop the {clean(subscription.label, 80)} notifications" to end it.' + _not_teams_note(ask)
    # Undo only what this message did: an existing subscription is someone's earlier choice.
    undo = [Button("Undo", payload("unsubscribe", subscription=str(subscription.id)))] if new else []
    buttons = [*undo, LIST_BUTTON]
    link = (f"Open {tool_title(subscription.source)}", subscription.target_url) if subscription.target_url else None
    if link:
        text += f" {subscription.target_url}"
    card = cards.status_card(title, "ok", summary, [("Source", tool_title(subscription.source)), ("When", what)],
                             link, buttons)
    return Reply(text=text, card=card, buttons=buttons)


def _resubscribed_reply(ask: Ask, subscriptions: list[Subscription], missing: list[str]) -> Reply:
    """After an Undo of several: what is back on, and what couldn't be (its job or repository is gone)."""
    text = (f"Back on: I'll post a card to {place(ask)} when " + "; ".join(clean(describe(s)) for s in subscriptions)
            + "." if subscriptions else "Nothing is back on.")
    if missing:
        text += " Not restored: " + "; ".join(missing) + "."
    ids = [str(s.id) for s in subscriptions]
    buttons = ([Button("Undo", payload("unsubscribe", subscription=ids))] if ids else []) + [LIST_BUTTON]
    card = cards.status_card("Subscribed again", "ok" if subscriptions else "warning", text, buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons)


def _stopped_reply(ask: Ask, removed: list[Subscription], left: int) -> Reply:
    """Exactly what was removed, an Undo that subscribes to it again, and how many are still on."""
    if not removed:
        text = "Those notifications were already stopped; nothing changed."
        return Reply(text=text, card=cards.status_card("Nothing to stop", "neutral", text, buttons=[LIST_BUTTON]),
                     buttons=[LIST_BUTTON])
    stopped = "; ".join(clean(describe(s)) for s in removed)
    text = f"Stopped: no more cards to {place(ask)} when {stopped}."
    text += f" {plural(left, 'other subscription')} still on." if left else " Nothing else is subscribed here."
    tokens = [restore_token(s) for s in removed]
    buttons = [Button("Undo", payload("subscribe", subscription=tokens[0] if len(tokens) == 1 else tokens)),
               LIST_BUTTON]
    facts = [(tool_title(s.source), clean(describe(s))) for s in removed]
    return Reply(text=text, card=cards.status_card("Unsubscribed", "ok", text, facts, buttons=buttons),
                 buttons=buttons)


def _confirm_stop_reply(ask: Ask, chosen: list[Subscription], total: int) -> Reply:
    """Several at once ("unsubscribe from everything"): say which, and wait for a yes."""
    which = "all" if len(chosen) == total else "these"
    listed = "; ".join(clean(describe(s)) for s in chosen)
    minutes = expiry_minutes()
    text = (f"That stops {which} {len(chosen)} notifications of {place(ask)}: {listed}. Shall I? "
            f"(yes / no; this offer expires in {minutes} min)")
    buttons = yes_no("Yes, stop them")
    facts = [(tool_title(s.source), clean(describe(s))) for s in chosen]
    return Reply(text=text, card=cards.status_card(f"Stop {len(chosen)} notifications?", "warning",
                                                   text.split(" Shall I?")[0] + ".", facts, buttons=buttons),
                 buttons=buttons)


def _listing(ask: Ask, subscriptions: list[Subscription], heading: str = "") -> Reply:
    """The conversation's subscriptions (not empty), with a Stop button each for those who may stop them."""
    who = place(ask)
    lines = [f"{i}. {clean(describe(s))} ({tool_title(s.source)})" +
             (f" {s.target_url}" if s.target_url else "") for i, s in enumerate(subscriptions, 1)]
    intro = heading or f"{'You get' if who == 'you' else _capitalised(who) + ' gets'} a card when:"
    buttons = [Button(f"Stop: {_short(s)}", payload("unsubscribe", subscription=str(s.id)))
               for s in subscriptions[:MAX_STOP_BUTTONS]] if _may_subscribe(ask) else []
    facts = [(tool_title(s.source), clean(describe(s))) for s in subscriptions]
    card = cards.status_card(f"Subscriptions ({len(subscriptions)})", "neutral", intro, facts, buttons=buttons)
    return Reply(text="\n".join([intro, *lines]), card=card, buttons=buttons)


def _short(subscription: Subscription) -> str:
    """A Stop button's words: "settlement-engine-ci fails", "Grafana alerts (severity=critical)"."""
    shown = subscription.label if subscription.source == GRAFANA and subscription.label else describe(subscription)
    return clean(shown, 48)


async def _nothing_set_up(ask: Ask, heading: str = "") -> Reply:
    who = place(ask)
    examples = await _examples(ask)
    hint = ("Try " + join_names((f'"{e}"' for e in examples), "or") + "." if examples else
            'Name a job or repository to watch, e.g. "notify us when [job name] fails".')
    text = (heading + " " if heading else "") + \
        f"{'You have' if who == 'you' else _capitalised(who) + ' has'} no notifications set up. {hint}"
    return Reply(text=text, card=cards.status_card("No subscriptions", "neutral", text))


async def _current(ask: Ask, subscriptions: list[Subscription], heading: str = "") -> Reply:
    return _listing(ask, subscriptions, heading) if subscriptions else await _nothing_set_up(ask, heading)


# -- examples from this Jenkins and GitHub ---------------------------------------------------------------------
async def _examples(ask: Ask) -> list[str]:
    """Requests that work here: with a real job and a real repository (fixed examples would name another
    organisation's), and generic for alerts. A tool that is slow, down or not configured gives none."""
    us = "me" if place(ask) == "you" else "us"
    names = await live_names(("job", "repo"))
    examples = []
    if "job" in names:
        examples.append(f"notify {us} when {clean(names['job'], 80)} fails")
    if "repo" in names:
        examples.append(f"let {us} know about new releases of {clean(names['repo'], 80)}")
    if grafana_settings().configured:
        examples.append("post firing alerts here")
    return examples


# -- actions ---------------------------------------------------------------------------------------------------
class NotificationAction(QuestionAction):
    backend = "the tool I asked"
    intent: ClassVar[str] = ""


async def _add(ask: Ask, watch: Watch) -> tuple[Subscription, bool]:
    """Subscribes the conversation (remembering where to post) and writes the audit line."""
    store = notify_store()
    key = conversation_key(ask)
    address = delivery_address(ask)
    if address is not None:
        await store.remember_address(key, address)
    subscription, new = await store.subscribe(
        key, watch.source, watch.target, watch.condition, label=watch.label, target_url=watch.url,
        created_by=ask.user_name, channel=ask.channel)
    _record(ask, "subscribe", subscription, f"subscription {subscription.id}" + ("" if new else " (existing)"))
    return subscription, new


class ActionSubscribe(NotificationAction):
    """"notify this channel when petclinic-build fails", "post firing critical alerts here"; an Undo button
    after stopping (`subscription` entities: restore tokens)."""

    action_name = "action_subscribe"
    intent = "subscribe"

    async def answer(self, ask: Ask) -> Answer:
        if is_undo(ask) and not ask.entities.get(SUBSCRIPTION_ENTITY):
            return await _undo(ask)
        refused = _refused(ask, "subscribe", {"text": clean(ask.text, 200)})
        if refused is not None:
            return refused
        if ask.entities.get(SUBSCRIPTION_ENTITY):
            restored = await self.restore(ask, ask.entities[SUBSCRIPTION_ENTITY])
            return Answer([restored], [SlotSet(LAST_STOPPED_SLOT, None)])
        watch = await _watch(ask)
        if isinstance(watch, Reply):  # which job / repository? the condition waits in a slot for the click
            return Answer([watch], [SlotSet(TOPIC_SLOT, condition_for(ask, source_for(ask) or JENKINS))])
        subscription, new = await _add(ask, watch)
        return Answer([_subscribed_reply(ask, subscription, new)], [SlotSet(TOPIC_SLOT, subscription.condition)])

    @staticmethod
    async def restore(ask: Ask, tokens: list[str]) -> Reply:
        specs = [parse_restore(t) for t in tokens]
        if None in specs:
            text = "I can't read that button any more; nothing changed. Say what to watch instead."
            return Reply(text=text, card=cards.status_card("Nothing changed", "warning", text))
        restored: list[Subscription] = []
        missing: list[str] = []
        for spec in specs:
            watch = await _restored_watch(*spec)  # type: ignore[misc]
            if isinstance(watch, str):
                missing.append(watch)
                continue
            restored.append((await _add(ask, watch))[0])
        if len(restored) == 1 and not missing:
            return _subscribed_reply(ask, restored[0], True)
        return _resubscribed_reply(ask, restored, missing)


@dataclass(frozen=True)
class _Unclear:
    """Nothing to remove: why (the heading), and the subscriptions to show with their Stop buttons."""

    heading: str
    shown: list[Subscription]


@dataclass(frozen=True)
class _Stop:
    chosen: list[Subscription]
    confirm: bool  # several things at once: a yes first


def _named(ask: Ask, subscriptions: list[Subscription]) -> tuple[list[Subscription], bool]:
    """The subscriptions the words name, and whether they are a choice to ask about."""
    if ask.text.startswith("/"):
        return [], False
    resolution = subscription_resolver(subscriptions).resolve(without_topic_words(ask).text)
    if resolution.found:
        return [resolution.match.data], False  # type: ignore[union-attr, list-item]
    choices: list[Subscription] = [c.data for c in resolution.choices]  # type: ignore[misc]
    same_thing = len({(s.source, s.target) for s in choices}) == 1
    return choices, resolution.ambiguous and not (same_thing or is_everything(ask))


def _stop_plan(ask: Ask, subscriptions: list[Subscription]) -> _Stop | _Unclear:
    """What this message stops. Only what it names (a Stop or Undo button's ids, the words, or "everything"
    when it says so), and only when it says to stop: else nothing, and the list to choose from."""
    ids = {i.strip() for i in ask.entities.get(SUBSCRIPTION_ENTITY) or []}
    if ids:
        picked = [s for s in subscriptions if str(s.id) in ids]
        return _Stop(picked, False) if picked else \
            _Unclear("That subscription isn't one of this conversation's any more; nothing changed.", subscriptions)
    referred = _referred(ask, subscriptions)
    if referred is not None:
        return referred
    named, ambiguous = _named(ask, subscriptions)
    if not asks_to_stop(ask):
        why = "I took that as a request to stop notifications, but it doesn't say to stop any, so nothing changed."
        if named:
            return _Unclear(f"{why} To stop one of these, click its Stop button:", named)
        rephrase = f"{why} If you asked something else, please rephrase."
        return _Unclear(f"{rephrase} {_current_intro(ask)}" if subscriptions else rephrase, subscriptions)
    if not subscriptions:
        return _Unclear("Nothing to stop.", [])
    if ambiguous:
        return _Unclear("Which one should I stop? Nothing changed yet.", named)
    if named:
        return _Stop(named, _many(named))
    if is_everything(ask):
        return _Stop(list(subscriptions), _many(subscriptions))
    return _Unclear("Which one should I stop? Your message names none of them, so nothing changed yet.",
                    subscriptions)


def _referred(ask: Ask, subscriptions: list[Subscription]) -> _Stop | _Unclear | None:
    """"unsubscribe from number 1" (the list's numbering), "remove the release one" (a kind of subscription);
    None when the message refers to none that way."""
    if not asks_to_stop(ask):
        return None
    position = list_position(ask, len(subscriptions))
    if position is not None:
        if not subscriptions:
            return _Unclear("Nothing to stop.", [])
        if 1 <= position <= len(subscriptions):
            return _Stop([subscriptions[position - 1]], False)
        return _Unclear(f"There's no number {position}: {place(ask)} has {plural(len(subscriptions), 'subscription')}, "
                        "so nothing changed. Which one should I stop?", subscriptions)
    kind = kind_named(ask)
    if kind is None:
        return None
    fitting = of_kind(subscriptions, kind)
    if len(fitting) == 1:
        return _Stop(fitting, False)
    if not subscriptions:
        return _Unclear("Nothing to stop.", [])
    if fitting:
        return _Unclear(f"{plural(len(fitting), 'subscription')} of that kind; which one should I stop? "
                        "Nothing changed yet.", fitting)
    return _Unclear("None of the subscriptions here is of that kind, so nothing changed. Which one should I stop?",
                    subscriptions)


def _current_intro(ask: Ask) -> str:
    who = place(ask)
    return f"{'You get' if who == 'you' else _capitalised(who) + ' gets'} a card when:"


def _many(subscriptions: list[Subscription]) -> bool:
    return len({(s.source, s.target) for s in subscriptions}) > 1


async def _stop(ask: Ask, chosen: list[Subscription]) -> Answer:
    """Removes them; the slot keeps what was removed for a typed "undo" (the Undo button carries it too)."""
    store = notify_store()
    key = conversation_key(ask)
    removed = await store.unsubscribe(key, [s.id for s in chosen])
    for subscription in removed:
        _record(ask, "unsubscribe", subscription, f"subscription {subscription.id} removed")
    reply = _stopped_reply(ask, removed, len(await store.subscriptions(key)))
    return Answer([reply], [SlotSet(LAST_STOPPED_SLOT, [restore_token(s) for s in removed])] if removed else [])


async def _undo(ask: Ask) -> Answer:
    """A typed "undo" after a stop: what that stop removed comes back (the Undo button's work)."""
    tokens = [str(t) for t in ask.slot(LAST_STOPPED_SLOT) or []]
    if not tokens:
        text = ("There's nothing of mine to undo: I haven't stopped any notifications here just now. "
                "To subscribe again, say what to watch.")
        return Answer([Reply(text=text, card=cards.status_card("Nothing to undo", "neutral", text,
                                                               buttons=[LIST_BUTTON]), buttons=[LIST_BUTTON])])
    refused = _refused(ask, "subscribe", {"text": clean(ask.text, 200)})
    if refused is not None:
        return refused
    reply = await ActionSubscribe.restore(ask, tokens)
    return Answer([reply], [SlotSet(LAST_STOPPED_SLOT, None)])


def _silences_url() -> str:
    url = grafana_settings().url
    return f"{url}/alerting/silences" if url else ""


async def _time_limited_reply(ask: Ask, subscriptions: list[Subscription]) -> Reply:
    """"silence the ledger alert for an hour": opsbot can't mute for a while; offer Stop (for good, with Undo)
    for the subscription it names, and Grafana's silences for the alert itself. Nothing changes."""
    named, _ = _named(ask, subscriptions)
    kind = kind_named(ask)
    if not named and kind is not None:
        named = of_kind(subscriptions, kind)
    if not named and said(ask) & ALERT_WORDS:  # "snooze the alerts": the alert subscriptions
        named = [s for s in subscriptions if s.source == GRAFANA]
    text = "I can't mute notifications for a while: a subscription here is either on or off, so nothing changed."
    grafana_words = bool(said(ask) & ALERT_WORDS) or any(s.source == GRAFANA for s in named)
    silences = _silences_url()
    if grafana_words or not named:
        text += (f" To silence the alert itself for a while, add a silence in Grafana: {silences}" if silences else
                 " To silence an alert for a while, add a silence in Grafana (Alerting → Silences).")
    if not subscriptions:
        return await _nothing_set_up(ask, text)
    shown = named or subscriptions
    if _may_subscribe(ask):
        text += (" Or stop " + ("it" if len(shown) == 1 else "one") +
                 " here for good with its Stop button (it has an Undo):")
    else:
        text += " These are the notifications of " + place(ask) + ":"
    return _listing(ask, shown, text)


async def _other_thing_reply(ask: Ask, subscriptions: list[Subscription]) -> Reply:
    """"delete the settlement-engine repo": not a subscription, and opsbot deletes nothing in the tools."""
    text = ("I can't delete repositories, jobs or anything else in Jenkins, GitHub or Grafana: opsbot only reads "
            "them, so nothing was changed.")
    named, _ = _named(ask, subscriptions)
    if not named:
        return Reply(text=text + " No notification here was stopped either.",
                     card=cards.status_card("Nothing changed", "neutral", text, buttons=[LIST_BUTTON]),
                     buttons=[LIST_BUTTON])
    return _listing(ask, named, text + " If you meant the notifications about it, click Stop:")


class ActionUnsubscribe(NotificationAction):
    """"stop the petclinic-build notifications", "unsubscribe from everything" (after a yes), a Stop button."""

    action_name = "action_unsubscribe"
    intent = "unsubscribe"

    async def answer(self, ask: Ask) -> Answer:
        if is_undo(ask):
            return await _undo(ask)
        subscriptions = await notify_store().subscriptions(conversation_key(ask))
        if time_limited(ask):  # a mute for a while is not an unsubscribe: nothing changes
            return Answer.of(await _time_limited_reply(ask, subscriptions))
        if names_other_thing(ask):  # "delete the settlement-engine repo"
            return Answer.of(await _other_thing_reply(ask, subscriptions))
        plan = _stop_plan(ask, subscriptions)
        if isinstance(plan, _Unclear):  # nothing changes: no permission needed to see the list
            return Answer.of(await _current(ask, plan.shown, plan.heading))
        refused = _refused(ask, "unsubscribe", {"text": clean(ask.text, 200)})
        if refused is not None:
            return refused
        if plan.confirm:
            listed = "; ".join(describe(s) for s in plan.chosen)
            pending = ask_to_confirm(STOP_KIND, f"stop these notifications: {listed}",
                                     {"ids": [s.id for s in plan.chosen]}, ask)
            return Answer([_confirm_stop_reply(ask, plan.chosen, len(subscriptions))], [pending])
        return await _stop(ask, plan.chosen)


@register(STOP_KIND, STORE_NAME, "subscribe")
async def stop_confirmed(pending: Pending, ask: Ask) -> Answer:
    """After "yes" to stopping several: those of them still on in this conversation."""
    ids = {int(i) for i in pending.params.get("ids") or []}
    subscriptions = await notify_store().subscriptions(conversation_key(ask))
    return await _stop(ask, [s for s in subscriptions if s.id in ids])


class ActionListSubscriptions(NotificationAction):
    """"what is this channel subscribed to?"."""

    action_name = "action_list_subscriptions"
    intent = "list_subscriptions"

    async def answer(self, ask: Ask) -> Answer:
        return Answer.of(await _current(ask, await notify_store().subscriptions(conversation_key(ask))))
