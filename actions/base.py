"""What every question-answering action shares: reading the message, the 10-second budget, turning
backend faults into polite answers, remembering the last question for follow-ups, and delivery.

A question action subclasses `QuestionAction` and implements `answer(ask) -> Answer`; it never touches
the dispatcher or catches backend errors itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fault_replies import explain
from actions.send import send
from backends.faults import BackendError, Fault
from common import cards, clock
from common.reply import Button, Reply, payload
from common.resolve import Candidate, Resolution
from common.text import clean

logger = logging.getLogger(__name__)

# An answer that needs several backend calls still ends within this many seconds.
ANSWER_BUDGET_SECONDS = 10.0
LAST_QUESTION_SLOT = "last_question"


@dataclass
class Ask:
    """The question as the action sees it: the words, what the NLU found, and the conversation's context."""

    text: str
    intent: str
    entities: dict[str, list[str]]
    slots: dict[str, Any]
    channel: str
    sender: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> Ask:
        latest = tracker.latest_message or {}
        entities: dict[str, list[str]] = {}
        for entity in latest.get("entities") or []:
            value = entity.get("value")
            if value is not None and str(value).strip():
                entities.setdefault(entity["entity"], []).append(str(value).strip())
        return cls(
            text=latest.get("text") or "",
            intent=(latest.get("intent") or {}).get("name") or "",
            entities=entities,
            slots=dict(tracker.slots),
            channel=tracker.get_latest_input_channel() or "",
            sender=tracker.sender_id,
            metadata=latest.get("metadata") or {},
        )

    @property
    def user_id(self) -> str:
        """Who is speaking. In Teams channels the tracker is the channel's (sender = conversation), so the
        connector puts the speaker in metadata (`user_id`: AAD object id); REST and shell: the sender."""
        return str(self.metadata.get("user_id") or self.sender)

    @property
    def user_name(self) -> str:
        return str(self.metadata.get("user_name") or self.user_id)

    def entity(self, name: str) -> str | None:
        values = self.entities.get(name)
        return values[0] if values else None

    def slot(self, name: str) -> Any:
        return self.slots.get(name)


@dataclass
class Answer:
    replies: list[Reply]
    events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, reply: Reply, **slots: Any) -> Answer:
        return cls([reply], [SlotSet(name, value) for name, value in slots.items()])


def choose_reply(what: str, resolution: Resolution, intent: str, entity: str, said: str = "") -> Reply:
    """The answer when a name was ambiguous (buttons to pick) or unknown (suggestions). The typed name and the
    live labels are shown escaped; the buttons' payloads keep the exact keys."""
    if resolution.ambiguous:
        options = resolution.choices[:6]
        text = f"Which {what} do you mean? " + candidates_text(options) + "?"
        buttons = [Button(c.label, payload(intent, **{entity: c.key})) for c in options]
        return Reply(text=text, card=cards.status_card(f"Which {what}?", "neutral", text, buttons=buttons),
                     buttons=buttons)
    named = f' "{clean(said, 60)}"' if said else ""
    if resolution.suggestions:
        options = resolution.suggestions[:3]
        text = f"I can't find a {what}{named}. Did you mean " + " or ".join(clean(c.label, 100) for c in options) + "?"
        buttons = [Button(c.label, payload(intent, **{entity: c.key})) for c in options]
        return Reply(text=text, card=cards.status_card(f"No such {what}", "warning", text, buttons=buttons),
                     buttons=buttons)
    if resolution.known:
        options = resolution.known
        more = f" (of {resolution.total})" if resolution.total > len(options) else ""
        text = (f"I can't find a {what}{named}, and no name comes close. Some I know{more}: "
                + candidates_text(options) + ".")
        buttons = [Button(c.label, payload(intent, **{entity: c.key})) for c in options]
        return Reply(text=text, card=cards.status_card(f"No such {what}", "warning", text, buttons=buttons),
                     buttons=buttons)
    text = f"I can't find a {what}{named}, and there are none I could suggest."
    return Reply(text=text, card=cards.status_card(f"No such {what}", "warning", text))


def candidates_text(candidates: Sequence[Candidate]) -> str:
    return ", ".join(clean(c.label, 100) for c in candidates)


class QuestionAction(Action):
    """Base of every action that answers a question from a backend. Registered by name for follow-ups."""

    registry: ClassVar[dict[str, type[QuestionAction]]] = {}
    action_name: ClassVar[str] = ""
    backend: ClassVar[str] = ""
    # What a follow-up ("and the other one?", "what about X?") asks again after this action. A follow-up is a
    # question: after an action that proposes a change (running a build) it asks the matching read question,
    # so "what about the iban validator?" after "rebuild it" answers a status rather than offering a build.
    follow_up_action: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.action_name:
            QuestionAction.registry[cls.action_name] = cls

    def name(self) -> str:
        return self.action_name

    async def answer(self, ask: Ask) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ask = Ask.from_tracker(tracker)
        with clock.answering_in(clock.zone_of(ask.metadata)):  # time words in the asker's zone
            answer = await self.safe_answer(ask)
        for reply in answer.replies:
            send(dispatcher, tracker, reply)
        # An answer given by another question (a PR list question that was about "it", one PR) names that
        # question itself; otherwise a follow-up asks this one again.
        if any(e.get("event") == "slot" and e.get("name") == LAST_QUESTION_SLOT for e in answer.events):
            return answer.events
        return [*answer.events, SlotSet(LAST_QUESTION_SLOT, self.follow_up_action or self.action_name)]

    async def safe_answer(self, ask: Ask) -> Answer:
        try:
            return await asyncio.wait_for(self.answer(ask), ANSWER_BUDGET_SECONDS)
        except BackendError as error:
            return Answer([explain(error)])
        except asyncio.TimeoutError:
            return Answer([explain(BackendError(self.backend, Fault.TIMED_OUT))])
        except Exception as error:  # never a stack trace in chat; the log has the type, not secrets
            logger.error("%s failed: %s", self.action_name, type(error).__name__, exc_info=error)
            return Answer([Reply(text=f"Sorry, something went wrong on my side while asking {self.backend}. "
                                      "It's logged; please try again or rephrase.")])


class ActionFollowUp(Action):
    """"and the integration tests?", "same for petclinic-infra", "and over the last day?": the last question
    asked again, with whatever the new message names (the question action reads it from the words)."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        last = tracker.get_slot(LAST_QUESTION_SLOT)
        action_class = QuestionAction.registry.get(last or "")
        if action_class is None:
            send(dispatcher, tracker, Reply(text="Follow up on what? Ask me a question first, e.g. "
                                                 "\"is the nightly green?\"."))
            return []
        return await action_class().run(dispatcher, tracker, domain)
