"""Subscriptions from chat: "notify this channel when petclinic-build fails", "tell me when the nightly
breaks", "post firing critical alerts here", "let us know about new releases of spring-petclinic", "what is
this channel subscribed to?", "stop the petclinic-build notifications".

A subscription belongs to the conversation (a Teams channel, not the thread it was asked in; a chat; on
REST and shell the sender) and remembers where to post (the Teams conversation reference from the
message's metadata). What to watch is read from the words (actions/notify_topics.py) and resolved against
the live job, repository and alert lists, like a question. Subscribing and unsubscribing need the
`subscribe` permission and are written to the audit log. The Rasa server's `notify` channel delivers.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from rasa_sdk.events import SlotSet

from actions import audit
from actions.access import Identity, policy, refusal_text
from actions.base import Answer, Ask, QuestionAction, choose_reply, payload
from actions.github import GitHubQuestion
from actions.grafana import env_of
from actions.jenkins import Target, find_job
from actions.notify_topics import (
    TOPIC_SLOT,
    Watch,
    alert_filter,
    condition_for,
    is_everything,
    source_for,
    subscription_resolver,
    without_topic_words,
)
from actions.render import Button, Reply, cards
from actions.render.text import clean
from actions.resolve import Resolution
from actions.services.errors import BackendError, Fault
from actions.services.github import service as github_service
from actions.services.grafana import grafana
from actions.services.jenkins import jenkins_service
from actions.settings import settings
from notifications.config import db_path
from notifications.events import GITHUB, GRAFANA, JENKINS
from notifications.match import Subscription, describe, filter_target
from notifications.store import AsyncNotifyStore, open_notify_store

SUBSCRIPTION_ENTITY = "subscription"
LIST_BUTTON = Button("What are we subscribed to?", payload("list_subscriptions"))
T = TypeVar("T")
SOURCE_NAMES = {JENKINS: "Jenkins", GRAFANA: "Grafana", GITHUB: "GitHub"}
MAX_STOP_BUTTONS = 5

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
    decision = policy().check(Identity.from_metadata(ask.sender, ask.metadata), "subscribe")
    if decision.allowed:
        return None
    audit.record(who=ask.user_id, where=conversation_key(ask), what=what, parameters=parameters,
                 decision="refused", result=decision.reason, channel=ask.channel)
    return Answer([Reply(text=refusal_text(decision))])


def _record(ask: Ask, what: str, subscription: Subscription, result: str) -> None:
    audit.record(who=ask.user_id, where=conversation_key(ask), what=what, decision="allowed", result=result,
                 channel=ask.channel, parameters={"source": subscription.source, "target": subscription.target,
                                                  "condition": subscription.condition, "id": subscription.id})


# -- what to watch ---------------------------------------------------------------------------------------------
class _RepoFinder(GitHubQuestion):
    """The GitHub questions' way of finding a repository (entity, words, context), for `subscribe`."""

    intent = "subscribe"


async def _jenkins_watch(ask: Ask, condition: str) -> Watch | Reply:
    if is_everything(ask) and not ask.entity("job"):
        return Watch(JENKINS, "", condition, "any Jenkins job", settings().jenkins.url)
    found = await find_job(ask, jenkins_service(), "subscribe")
    if not isinstance(found, Target):
        return found
    return Watch(JENKINS, found.job.full_name, condition, found.job.full_name, found.job.url)


async def _github_watch(ask: Ask, condition: str, named_only: bool = False) -> Watch | Reply | None:
    """The repository named (or talked about, or the default); with `named_only`, None unless one is named."""
    github = github_service()
    repos = await github.repos()
    finder = _RepoFinder()
    where = await finder.named_repo(without_topic_words(ask), repos)
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


async def _grafana_watch(ask: Ask) -> Watch:
    client = grafana()
    labels = alert_filter(ask, await client.alert_rules(), env_of(ask))
    target = filter_target(labels)
    label = "Grafana alerts" + (f" ({', '.join(f'{k}={v}' for k, v in sorted(labels.items()))})" if labels else "")
    return Watch(GRAFANA, target, "firing", label, client.absolute("/alerting/list"))


async def _watch(ask: Ask) -> Watch | Reply:
    source = source_for(ask)
    if source == GRAFANA:
        return await _grafana_watch(ask)
    if source == GITHUB:
        return await _github_watch(ask, condition_for(ask, GITHUB))  # type: ignore[return-value]
    if source is None:  # no word says which tool: a job if one fits, else a repository if one does
        jenkins = await _configured(_jenkins_watch(replace(ask, slots={**ask.slots, "jenkins_job": None}),
                                                   condition_for(ask, JENKINS)))
        if isinstance(jenkins, Watch):
            return jenkins
        github = await _configured(_github_watch(ask, condition_for(ask, GITHUB), named_only=True))
        if isinstance(github, Watch):
            return github
        if not settings().jenkins.configured and settings().github.configured:
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


# -- replies ---------------------------------------------------------------------------------------------------
def _subscribed_reply(ask: Ask, subscription: Subscription, new: bool) -> Reply:
    who = place(ask)
    what = describe(subscription)
    if new:
        title = "Subscribed"
        summary = f"Done: I'll post a card to {who} when {what}."
    else:
        title = "Already subscribed"
        summary = f"{who[0].upper()}{who[1:]} already get{'s' if who != 'you' else ''} a card when {what}."
    text = summary + f' Say "stop the {subscription.label} notifications" to end it.'
    if not _teams(ask):
        text += (" (This isn't a Teams conversation: notifications for it wait until it can be reached in Teams; "
                 "`make demo` prints them in its terminal.)")
    buttons = [Button("Undo", payload("unsubscribe", subscription=str(subscription.id))), LIST_BUTTON]
    link = (f"Open {SOURCE_NAMES[subscription.source]}", subscription.target_url) if subscription.target_url else None
    if link:
        text += f" {subscription.target_url}"
    card = cards.status_card(title, "ok", summary, [("Source", SOURCE_NAMES[subscription.source]), ("When", what)],
                             link, buttons)
    return Reply(text=text, card=card, buttons=buttons)


def _listing(ask: Ask, subscriptions: list[Subscription], heading: str = "") -> Reply:
    who = place(ask)
    if not subscriptions:
        text = (heading + " " if heading else "") + \
            f"{'You have' if who == 'you' else who[0].upper() + who[1:] + ' has'} no notifications set up. " \
            'Try "notify this channel when petclinic-build fails" or "post firing critical alerts here".'
        return Reply(text=text, card=cards.status_card("No subscriptions", "neutral", text))
    lines = [f"{i}. {describe(s)} ({SOURCE_NAMES.get(s.source, s.source)})" +
             (f" {s.target_url}" if s.target_url else "") for i, s in enumerate(subscriptions, 1)]
    intro = heading or f"{'You get' if who == 'you' else who[0].upper() + who[1:] + ' gets'} a card when:"
    buttons = [Button(f"Stop: {clean(s.label, 40)}", payload("unsubscribe", subscription=str(s.id)))
               for s in subscriptions[:MAX_STOP_BUTTONS]]
    facts = [(SOURCE_NAMES.get(s.source, s.source), describe(s)) for s in subscriptions]
    card = cards.status_card(f"Subscriptions ({len(subscriptions)})", "neutral", intro, facts, buttons=buttons)
    return Reply(text="\n".join([intro, *lines]), card=card, buttons=buttons)


# -- actions ---------------------------------------------------------------------------------------------------
class NotificationAction(QuestionAction):
    backend = "the tool I asked"
    intent: ClassVar[str] = ""


class ActionSubscribe(NotificationAction):
    """"notify this channel when petclinic-build fails", "post firing critical alerts here"."""

    action_name = "action_subscribe"
    intent = "subscribe"

    async def answer(self, ask: Ask) -> Answer:
        refused = _refused(ask, "subscribe", {"text": clean(ask.text, 200)})
        if refused is not None:
            return refused
        watch = await _watch(ask)
        if isinstance(watch, Reply):  # which job / repository? the condition waits in a slot for the click
            return Answer([watch], [SlotSet(TOPIC_SLOT, condition_for(ask, source_for(ask) or JENKINS))])
        store = notify_store()
        key = conversation_key(ask)
        address = delivery_address(ask)
        if address is not None:
            await store.remember_address(key, address)
        subscription, new = await store.subscribe(
            key, watch.source, watch.target, watch.condition, label=watch.label, target_url=watch.url,
            created_by=ask.user_name, channel=ask.channel)
        _record(ask, "subscribe", subscription, f"subscription {subscription.id}" + ("" if new else " (existing)"))
        return Answer([_subscribed_reply(ask, subscription, new)], [SlotSet(TOPIC_SLOT, subscription.condition)])


class ActionUnsubscribe(NotificationAction):
    """"stop the petclinic-build notifications", "unsubscribe from everything"."""

    action_name = "action_unsubscribe"
    intent = "unsubscribe"

    async def answer(self, ask: Ask) -> Answer:
        refused = _refused(ask, "unsubscribe", {"text": clean(ask.text, 200)})
        if refused is not None:
            return refused
        store = notify_store()
        key = conversation_key(ask)
        subscriptions = await store.subscriptions(key)
        if not subscriptions:
            return Answer.of(_listing(ask, []))
        chosen = self._chosen(ask, subscriptions)
        if isinstance(chosen, Reply):
            return Answer.of(chosen)
        removed = await store.unsubscribe(key, [s.id for s in chosen])
        for subscription in removed:
            _record(ask, "unsubscribe", subscription, f"subscription {subscription.id} removed")
        left = await store.subscriptions(key)
        stopped = "; ".join(describe(s) for s in removed)
        text = f"Stopped: no more cards when {stopped}." if removed else "That subscription was already gone."
        heading = text + (" Still on:" if left else "")
        return Answer.of(_listing(ask, left, heading) if left else
                         Reply(text=text, card=cards.status_card("Unsubscribed", "ok", text, buttons=[LIST_BUTTON]),
                               buttons=[LIST_BUTTON]))

    @staticmethod
    def _chosen(ask: Ask, subscriptions: list[Subscription]) -> list[Subscription] | Reply:
        said_id = ask.entity(SUBSCRIPTION_ENTITY)
        if said_id:
            picked = [s for s in subscriptions if str(s.id) == said_id.strip()]
            return picked or _listing(ask, subscriptions, "That subscription isn't one of this conversation's.")
        resolver = subscription_resolver(subscriptions)
        resolution = resolver.resolve(without_topic_words(ask).text) if not ask.text.startswith("/") else Resolution()
        if resolution.found:
            return [resolution.match.data]  # type: ignore[union-attr, list-item]
        same_thing = len({(c.data.source, c.data.target) for c in resolution.choices}) == 1  # type: ignore[union-attr]
        if resolution.ambiguous and (same_thing or is_everything(ask)):
            return [c.data for c in resolution.choices]  # type: ignore[misc]
        if resolution.ambiguous:
            return choose_reply("subscription", resolution, "unsubscribe", SUBSCRIPTION_ENTITY)
        if is_everything(ask) or len(subscriptions) == 1:
            return list(subscriptions)
        return _listing(ask, subscriptions, "Which one should I stop?")


class ActionListSubscriptions(NotificationAction):
    """"what is this channel subscribed to?"."""

    action_name = "action_list_subscriptions"
    intent = "list_subscriptions"

    async def answer(self, ask: Ask) -> Answer:
        return Answer.of(_listing(ask, await notify_store().subscriptions(conversation_key(ask))))
