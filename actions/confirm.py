"""Ask before changing anything: ONE pending confirmation per conversation, for every kind of change.

An action that wants to change something (run a build; later: subscribe, grant a permission) does not do it:
it returns `ask_to_confirm(kind, summary, params, ask)`, a SlotSet of `pending_confirmation` holding what
will happen, who asked and until when the offer stands (OPSBOT_CONFIRM_SECONDS, default five minutes). Then:
  "yes" (affirm) with a pending confirmation → `action_confirm`: runs the executor registered for its kind,
      but only for the person who asked (in a Teams channel everyone shares the conversation) and only
      before it expires; otherwise it says why and nothing happens.
  "no" (deny) → `action_cancel`: drops it.
  either without one → `utter_nothing_to_confirm` (rules in stories/rules.yml condition on the slot).
A "yes" confirms only if it answers the offer: when the person who asked said anything else after the offer
(another question, an amendment the NLU misread), a later bare "yes" may mean something else, so the offer is
shown again, exactly as it would run, and asked again (audited as "asked again"), never run silently.

Areas plug in with `@register(kind, backend, permission)` on an async function (Pending, Ask) → Answer.
Who may do it is checked here, for every kind, against access.yml (`gate`): when the change is proposed
(so nobody is asked to confirm what they may not do) and again when it is confirmed. The confirmation
also counts against the per-user change rate, and every decision goes to the audit log (refused, including
someone else's "yes"; expired; cancelled; confirmed with its result).
The slot is of type text so that rules can condition on it being set; its value is a dict.

An offer is signed when it is made (HMAC-SHA256 over kind, summary, parameters, requester, times and the
conversation, keyed from OPSBOT_ACTIONS_TOKEN) and verified when it is confirmed: a pending slot that a
client forged (a tracker sent to the action server, a `/affirm{"pending_confirmation": …}` payload) or
carried to another conversation is not an offer, and is refused and audited. Each executor checks its
target against the live backend again before it changes anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import audit, ratelimit
from actions.base import Answer, Ask, QuestionAction
from actions.send import send
from common import cards, once
from common.access import AccessFileError, AccessPolicy, Identity, policy, refusal_text
from common.change_words import is_question
from common.doors import derived_key
from common.reply import Reply, yes_no
from common.settings import shared
from common.text import clean, duration

logger = logging.getLogger(__name__)

PENDING_SLOT = "pending_confirmation"
EXPIRY_SECONDS = 300  # the default of OPSBOT_CONFIRM_SECONDS
NOTHING_PENDING = "There's nothing waiting for a yes or no from you right now."

Executor = Callable[["Pending", Ask], Awaitable[Answer]]
# Which permission a change needs, from its parameters ("build", or "build_protected" for a prod deploy).
PermissionRule = Callable[[AccessPolicy, dict[str, Any]], str]


_PROCESS_KEY = secrets.token_bytes(32)  # without OPSBOT_ACTIONS_TOKEN: offers live as long as this process


def _offer_key() -> bytes:
    return derived_key("opsbot pending offers v1") or _PROCESS_KEY


@dataclass
class Pending:
    kind: str
    summary: str  # what will happen, as the user read it: "run petclinic-build with BRANCH=main"
    params: dict[str, Any]
    requester: str
    requester_name: str
    expires_at: float
    created_at: float = field(default_factory=time.time)
    conversation: str = ""  # where(ask) of the conversation the offer was made in

    def _signed_fields(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")

    def signature(self) -> str:
        return hmac.new(_offer_key(), self._signed_fields(), hashlib.sha256).hexdigest()

    def to_slot(self) -> dict[str, Any]:
        return {**asdict(self), "signature": self.signature()}

    @classmethod
    def from_slot(cls, value: Any) -> Pending | None:
        """The offer in a pending slot, or None when there is none, or when it is not one opsbot made (its
        signature does not verify)."""
        if not isinstance(value, dict):
            return None
        try:
            pending = cls(
                kind=str(value["kind"]), summary=str(value.get("summary") or value["kind"]),
                params=dict(value.get("params") or {}), requester=str(value.get("requester") or ""),
                requester_name=str(value.get("requester_name") or value.get("requester") or "someone"),
                expires_at=float(value.get("expires_at") or 0), created_at=float(value.get("created_at") or 0),
                conversation=str(value.get("conversation") or ""),
            )
        except (KeyError, TypeError, ValueError):
            return None
        given = str(value.get("signature") or "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, pending.signature().encode("ascii")):
            logger.warning("a pending offer with a bad signature was refused (kind %s)", pending.kind)
            return None
        return pending

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


@dataclass(frozen=True)
class Registered:
    backend: str
    run: Executor
    permission: PermissionRule


EXECUTORS: dict[str, Registered] = {}


def register(kind: str, backend: str, permission: str | PermissionRule = "build") -> Callable[[Executor], Executor]:
    """`@register("jenkins_build", "Jenkins", rule)` on `async def run(pending, ask) -> Answer`."""
    rule: PermissionRule = permission if callable(permission) else (lambda _policy, _params: permission)

    def decorate(run: Executor) -> Executor:
        EXECUTORS[kind] = Registered(backend, run, rule)
        return run

    return decorate


def expiry_seconds() -> float:
    """How long a change waits for its yes (settings: OPSBOT_CONFIRM_SECONDS, default EXPIRY_SECONDS)."""
    return shared().confirm_seconds


def expiry_minutes() -> int:
    """The expiry as said in an offer ("this offer expires in 5 min"): whole minutes, at least one."""
    return max(1, round(expiry_seconds() / 60))


def where(ask: Ask) -> str:
    """The conversation, for the audit log and an offer's binding: channel and conversation (or sender) id
    ("teams:19:…", "rest:dan": a REST conversation's id already names its channel)."""
    prefix = f"{ask.channel or 'unknown'}:"
    conversation = str(ask.metadata.get("conversation_id") or ask.sender)
    return conversation if conversation.startswith(prefix) else prefix + conversation


def log_decision(ask: Ask, what: str, params: dict[str, Any], decision: str, result: str = "") -> None:
    """One audit line for a change asked for in this conversation (an unverified name is marked so)."""
    who = Identity.from_metadata(ask.sender, ask.metadata, ask.channel).audit_name
    audit.record(who=who, where=where(ask), channel=ask.channel, what=what, parameters=params,
                 decision=decision, result=result)


def gate(kind: str, summary: str, params: dict[str, Any], ask: Ask) -> Reply | None:
    """None when `ask.user_id` may make this change; otherwise the polite refusal (and an audit line).
    A broken access file refuses every change (fail closed) and says so."""
    registered = EXECUTORS.get(kind)
    if registered is None:
        return _text_reply(f"I don't know how to {clean(summary, 300)}.", "warning")
    try:
        access = policy()
        who = Identity.from_metadata(ask.sender, ask.metadata, ask.channel)
        decision = access.check(who, registered.permission(access, params))
    except AccessFileError:
        log_decision(ask, summary, params, "refused", "access file unreadable")
        return _text_reply("I can't check who may do that: opsbot's access file is missing or broken, so I "
                           "change nothing until an admin fixes it.", "failed", "Access file problem")
    if decision.allowed:
        return None
    log_decision(ask, summary, params, "refused", f"missing permission {decision.permission}")
    return _text_reply(refusal_text(decision), "failed", "Not allowed")


def ask_to_confirm(kind: str, summary: str, params: dict[str, Any], ask: Ask,
                   now: float | None = None) -> dict[str, Any]:
    """The SlotSet event that makes `summary` wait for the asker's yes."""
    now = time.time() if now is None else now
    pending = Pending(kind, summary, params, ask.user_id, ask.user_name, now + expiry_seconds(), now, where(ask))
    return SlotSet(PENDING_SLOT, pending.to_slot())


def _speaker(event: dict[str, Any], sender: str) -> str:
    return str((event.get("metadata") or {}).get("user_id") or sender)


def turns_since_offer(tracker: Tracker, pending: Pending, user_id: str) -> int:
    """How many messages `user_id` sent between the offer (the event that set the pending slot to it) and the
    latest message (the "yes" itself, not counted). 0 when the offer's event isn't in the tracker."""
    events = list(tracker.events or [])
    offer = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "slot" and event.get("name") == PENDING_SLOT and isinstance(event.get("value"), dict):
            if abs(float(event["value"].get("created_at") or 0) - pending.created_at) < 1e-6:
                offer = index
            break
    if offer is None:
        return 0
    said = [e for e in events[offer + 1:] if e.get("event") == "user" and _speaker(e, tracker.sender_id) == user_id]
    return max(len(said) - 1, 0)


def ask_again(pending: Pending, ask: Ask, turns: int, now: float | None = None,
              because: str = "") -> tuple[Reply, dict[str, Any]]:
    """The offer shown again with its exact values, and a fresh pending slot so the next "yes" answers it."""
    now = time.time() if now is None else now
    log_decision(ask, pending.summary, pending.params, "asked again",
                 because or f"{turns} other message(s) since the offer; yes did not directly answer it")
    fresh = replace(pending, created_at=now, expires_at=now + expiry_seconds())
    summary = clean(pending.summary, 400)
    minutes = expiry_minutes()
    opening = because or "You said something else after I offered this, so to be sure your yes is for it"
    said = f"{opening}: I'd {summary}. Nothing has run yet."
    text = f"{said} Shall I? (yes / no; this offer expires in {minutes} min)"
    buttons = yes_no("Yes, do it")
    card = cards.status_card("Still want this?", "neutral", f"{said} Shall I? Only you can say yes.", buttons=buttons)
    return Reply(text=text, card=card, buttons=buttons), SlotSet(PENDING_SLOT, fresh.to_slot())


# A "no" the NLU is unsure of, in a sentence rather than a word ("switch the target to live" read as no at
# 0.48), keeps the offer and asks: cancelling on a misreading loses what the person had set up.
DOUBTFUL_NO_CONFIDENCE = 0.6
DOUBTFUL_NO_WORDS = 3


def doubtful_no(tracker: Tracker) -> bool:
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")
    confidence = float((latest.get("intent") or {}).get("confidence") or 0.0)
    return (not text.startswith("/") and len(text.split()) >= DOUBTFUL_NO_WORDS
            and confidence < DOUBTFUL_NO_CONFIDENCE)


def _still_waiting(pending: Pending) -> Reply:
    said = (f'I\'m not sure that was a no, so nothing is cancelled: I\'d still {clean(pending.summary, 400)}. '
            "Say yes to run it, no to cancel, or tell me what to change.")
    buttons = yes_no("Yes, do it", "No, cancel")
    return Reply(text=said, card=cards.status_card("Still waiting for your answer", "neutral", said, buttons=buttons),
                 buttons=buttons)


def _text_reply(text: str, status: str = "neutral", title: str = "") -> Reply:
    return Reply(text=text, card=cards.status_card(title or text, status, text if title else ""))


@dataclass
class _Execution:
    """One confirmed change, run with QuestionAction's budget and fault handling. Not an Action subclass:
    the action server instantiates every Action subclass it finds."""

    registered: Registered
    pending: Pending
    action_name: str = "action_confirm"

    @property
    def backend(self) -> str:
        return self.registered.backend

    async def answer(self, ask: Ask) -> Answer:
        return await self.registered.run(self.pending, ask)

    async def safe_answer(self, ask: Ask) -> Answer:
        return await QuestionAction.safe_answer(self, ask)  # type: ignore[arg-type]


class ActionConfirm(Action):
    """"yes": run the pending change if this user asked for it and it hasn't expired."""

    def name(self) -> str:
        return "action_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ask = Ask.from_tracker(tracker)
        slot = ask.slot(PENDING_SLOT)
        pending = Pending.from_slot(slot)
        if pending is None:
            if slot:
                log_decision(ask, "a change offered elsewhere", {}, "refused", "offer not signed by opsbot")
            send(dispatcher, tracker, _text_reply(NOTHING_PENDING))
            return [SlotSet(PENDING_SLOT, None)]
        summary = clean(pending.summary, 300)
        if pending.conversation != where(ask):
            log_decision(ask, pending.summary, pending.params, "refused",
                         f"offer made in another conversation ({pending.conversation})")
            send(dispatcher, tracker, _text_reply(NOTHING_PENDING))
            return [SlotSet(PENDING_SLOT, None)]
        if pending.expired():
            # Recorded when a yes comes too late; a late yes from someone else than the requester says so.
            log_decision(ask, pending.summary, pending.params, "expired",
                         "" if ask.user_id == pending.requester else f"late yes from {ask.user_id}")
            waited = duration(max(pending.expires_at - pending.created_at, 1))
            send(dispatcher, tracker, _text_reply(
                f"That request expired (I wait {waited} for a yes), so I didn't {summary}. Ask again if you still "
                "want it.", "warning", "Expired"))
            return [SlotSet(PENDING_SLOT, None)]
        if pending.requester and ask.user_id != pending.requester:
            log_decision(ask, pending.summary, pending.params, "refused",
                         f"not the requester ({pending.requester} asked)")
            send(dispatcher, tracker, _text_reply(
                f"Only {clean(pending.requester_name, 60)} can confirm their request to {summary}. "
                "Your yes doesn't confirm someone else's request; it's still waiting for theirs.",
                "warning", "Not yours to confirm"))
            return []
        if is_question(ask.text):  # "is everything ok?" read as a yes: a question never confirms a change
            reply, event = ask_again(pending, ask, 0, because="That sounds like a question, so I haven't done it")
            send(dispatcher, tracker, reply)
            return [event]
        turns = turns_since_offer(tracker, pending, ask.user_id)
        if turns:
            reply, event = ask_again(pending, ask, turns)
            send(dispatcher, tracker, reply)
            return [event]
        registered = EXECUTORS.get(pending.kind)
        if registered is None:
            send(dispatcher, tracker, _text_reply(f"I can't {summary} any more (no handler for "
                                                  f"{clean(pending.kind, 40)}). Nothing was changed.", "warning"))
            return [SlotSet(PENDING_SLOT, None)]
        refusal = gate(pending.kind, pending.summary, pending.params, ask)
        if refusal is not None:
            send(dispatcher, tracker, refusal)
            return [SlotSet(PENDING_SLOT, None)]
        limiter = ratelimit.limiter()
        allowed, wait = limiter.allow(ask.user_id)
        if not allowed:
            log_decision(ask, pending.summary, pending.params, "refused", "change rate limit")
            send(dispatcher, tracker, _text_reply(ratelimit.refusal_text(wait, limiter.per_minute), "warning",
                                                  "Too many changes"))
            return []
        # The offer is used up whatever happens next: a timeout after Jenkins queued the build must not let a
        # second "yes" queue it twice, nor may two quick "yes" handled by two servers (common.once).
        try:
            first = await asyncio.to_thread(once.shared().first, f"offer|{pending.signature()}",
                                            max(pending.expires_at - time.time(), 1) + 60, True)
        except once.Unsure:
            log_decision(ask, pending.summary, pending.params, "refused", "cannot check it runs once (Redis down)")
            send(dispatcher, tracker, _text_reply(f"I can't make sure this runs only once right now (my shared store "
                                                  f"is down), so I didn't {summary}. Say yes again in a minute.",
                                                  "warning", "Not run"))
            return []
        if not first:
            log_decision(ask, pending.summary, pending.params, "refused", "already confirmed")
            send(dispatcher, tracker, _text_reply(f"That was already confirmed, so I won't {summary} a second time.",
                                                  "neutral", "Already done"))
            return [SlotSet(PENDING_SLOT, None)]
        answer = await _Execution(registered, pending).safe_answer(ask)
        outcome = answer.replies[0].text if answer.replies else ""
        log_decision(ask, pending.summary, pending.params, "confirmed", clean(outcome, 300))
        for reply in answer.replies:
            send(dispatcher, tracker, reply)
        return [SlotSet(PENDING_SLOT, None), *answer.events]


class ActionCancel(Action):
    """"no": drop the pending change. Anyone in the conversation may stop it; only the asker may start it."""

    def name(self) -> str:
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ask = Ask.from_tracker(tracker)
        pending = Pending.from_slot(ask.slot(PENDING_SLOT))
        if pending is None:
            send(dispatcher, tracker, _text_reply(NOTHING_PENDING))
        elif doubtful_no(tracker):
            send(dispatcher, tracker, _still_waiting(pending))
            return []
        else:
            by = "" if ask.user_id == pending.requester else f" ({clean(ask.user_name, 60)} said no)"
            log_decision(ask, pending.summary, pending.params, "cancelled")
            send(dispatcher, tracker, _text_reply(f"OK, cancelled: I won't {clean(pending.summary, 300)}{by}.",
                                                  "neutral", "Cancelled"))
        return [SlotSet(PENDING_SLOT, None)]
