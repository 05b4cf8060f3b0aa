"""Everyday names → live objects, the same way for jobs, repos, people, dashboards and panels.

A user says "the nightly", "the staging deploy", "terraform plan", "the infra repo" or "Adam"; the
backend knows `petclinic-nightly`, `petclinic-deploy-staging`, `platform/terraform-plan`,
`petclinic/petclinic-infra` and `adam-sre`. We score each live candidate by how much of its name the
words cover (weighted so that a word every candidate shares, like the project name, counts for little),
with typo-tolerant word matching from rapidfuzz. Nothing here knows any backend: callers pass the live
list. The NLU never has to have seen a name: resolution works on the words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

_SPLIT = re.compile(r"[^0-9a-z]+")
# Below this, a candidate is not a plausible reading of the words at all.
MIN_SCORE = 0.3
# Candidates within this of the best one are "about equally good": we ask which.
AMBIGUITY_MARGIN = 0.1
# Word-level fuzzy match: "nigthly" ~ "nightly", "agents" ~ "agent".
WORD_SIMILARITY = 84.0


def words(text: str) -> list[str]:
    """Lower-case word tokens; separators such as - _ / . split words ("petclinic-build" → 2 words)."""
    return [w for w in _SPLIT.split(text.lower()) if w]


@dataclass(frozen=True)
class Candidate:
    """One live object. `key` is what the backend calls it (used in requests); `label` is shown to users;
    `names` are the ways a person may call it (the label is always one of them)."""

    key: str
    label: str
    names: tuple[str, ...] = ()
    data: object = field(default=None, compare=False, hash=False)

    def all_names(self) -> tuple[str, ...]:
        seen: list[str] = []
        for name in (self.label, self.key, *self.names):
            if name and name not in seen:
                seen.append(name)
        return tuple(seen)


@dataclass
class Resolution:
    """The outcome: exactly one `match`, or `choices` to ask about, or nothing and `suggestions`."""

    match: Candidate | None = None
    choices: list[Candidate] = field(default_factory=list)
    suggestions: list[Candidate] = field(default_factory=list)
    score: float = 0.0
    # When nothing is close: a few of the names that do exist, and how many there are, so the answer can
    # offer something to pick instead of a bare "which one?".
    known: list[Candidate] = field(default_factory=list)
    total: int = 0

    @property
    def found(self) -> bool:
        return self.match is not None

    @property
    def ambiguous(self) -> bool:
        return self.match is None and len(self.choices) > 1


class Resolver:
    """Scores free text against a fixed list of candidates.

    `generic` words (e.g. "build", "job", "repo") describe the kind of thing rather than which one: they
    still count towards a name that contains them, but never identify a candidate on their own.
    """

    def __init__(self, candidates: Sequence[Candidate], generic: Iterable[str] = ()) -> None:
        self.candidates = list(candidates)
        self.generic = {w.lower() for w in generic}
        self._name_words: list[list[list[str]]] = [
            [words(name) for name in c.all_names()] for c in self.candidates
        ]
        document_frequency: dict[str, int] = {}
        for names in self._name_words:
            for word in {w for name in names for w in name}:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        total = max(len(self.candidates), 1)
        self._weight = {w: math.log(1 + total / df) for w, df in document_frequency.items()}

    # -- scoring -------------------------------------------------------------------------------
    def _word_matches(self, word: str, said: set[str]) -> bool:
        if word in said:
            return True
        if len(word) < 4:
            return False
        return any(
            len(s) >= 4 and (fuzz.ratio(word, s) >= WORD_SIMILARITY or s.startswith(word) or word.startswith(s))
            for s in said
        )

    def _score(self, index: int, said: set[str], exact: str) -> float:
        best = 0.0
        for name_words in self._name_words[index]:
            if not name_words:
                continue
            if " ".join(name_words) == exact:
                return 1.0
            matched = [w for w in name_words if self._word_matches(w, said)]
            if not any(w not in self.generic for w in matched):
                continue
            total = sum(self._weight.get(w, 1.0) for w in name_words)
            best = max(best, sum(self._weight.get(w, 1.0) for w in matched) / total)
        return best

    def ranked(self, text: str) -> list[tuple[Candidate, float]]:
        said_words = words(text)
        said = set(said_words)
        exact = " ".join(said_words)
        scored = [(c, self._score(i, said, exact)) for i, c in enumerate(self.candidates)]
        return sorted((pair for pair in scored if pair[1] > 0), key=lambda pair: -pair[1])

    # -- public --------------------------------------------------------------------------------
    def resolve(self, text: str | None) -> Resolution:
        """Resolve `text` (an entity value or a whole message) to one candidate, choices, or nothing."""
        if not text or not self.candidates:
            return Resolution()
        ranked = self.ranked(text)
        plausible = [(c, s) for c, s in ranked if s >= MIN_SCORE]
        if not plausible:
            return self.nothing_close(text)
        best_score = plausible[0][1]
        close = [c for c, s in plausible if s >= best_score - AMBIGUITY_MARGIN]
        if len(close) == 1 or (best_score == 1.0 and plausible[1:2] and plausible[1][1] < 1.0):
            return Resolution(match=close[0], score=best_score)
        return Resolution(choices=close, score=best_score)

    def nothing_close(self, text: str, shown: int = 6) -> Resolution:
        """No plausible reading: the nearest names if any come close, and in any case a few that exist."""
        return Resolution(suggestions=self.closest(text), known=self.candidates[:shown], total=len(self.candidates))

    def closest(self, text: str, limit: int = 3) -> list[Candidate]:
        """The nearest names by plain string similarity, for "did you mean …?" when nothing fits."""
        if not text or not self.candidates:
            return []
        labels = [c.label for c in self.candidates]
        hits = process.extract(text, labels, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        return [self.candidates[index] for _label, _score, index in hits]

    def by_key(self, key: str) -> Candidate | None:
        return next((c for c in self.candidates if c.key == key), None)
