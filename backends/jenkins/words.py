"""Build parameters from plain words, checked against the job's own parameter definitions.

"build petclinic-build on branch fix/owner-update" → BRANCH=fix/owner-update; "kick off the ci on feature/x" →
GIT_REF=feature/x (a ref is recognised by its shape, not only after the word "branch"); "deploy 3.2.1-rc1 to
staging" → VERSION=3.2.1-rc1; "do a dry run of the release, target live" → DRY_RUN=true, TARGET=live; "skip
tests" → SKIP_TESTS=true. Nothing here knows a job name or a parameter name in advance: the definitions come
from Jenkins (names, descriptions, choices), so a user's own jobs work. Pure functions, no I/O.

Order (later wins): defaults < the rebuilt (or pending) build's values < values the user typed (entities and
ref- or version-shaped words) < a choice named in the words < switches said in words ("dry run", "without
cache") < "NAME=value" / "name value". A value the user typed that fits no parameter is reported in
`BuildPlan.unplaced`, so the proposal can say so instead of silently running the default.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from backends.jenkins.service import ParameterDef

_ASSIGNMENT = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z0-9_]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)")
_VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?(?![\w.])")
_TOKEN = re.compile(r"[^\s,;!?()\"']+")
# Numbers, times and dates are never refs: "#64", "at 5pm", "at 17:00", "on 3/4".
_TIME_OR_NUMBER = re.compile(r"^#?\d+$|^\d{1,2}(?::\d{2})?(?:am|pm|h)?$|^\d{1,4}[/-]\d{1,2}(?:[/-]\d{1,4})?$",
                             re.IGNORECASE)
_TRUE = {"true", "yes", "on", "1", "y", "enabled", "enable"}
_FALSE = {"false", "no", "off", "0", "n", "disabled", "disable"}
# A value never looks like these words ("deploy version to staging" names no version).
_NOT_VALUES = {"to", "the", "a", "an", "on", "of", "for", "and", "with", "please", "is", "it", "as", "=", "in", "from"}
# The last word of a parameter name that people say on its own: "branch X" for GIT_BRANCH.
_SAID_ALONE = {"branch", "version", "ticket", "tag", "target", "env", "environment", "region", "ref"}
# Entity → parameter-name words it fills (branch and version entities are placed like typed refs and versions).
_ENV_PARAMETERS = ("ENV", "ENVIRONMENT", "TARGET", "STAGE")

# -- refs and versions: which words name one, and which parameters take one --------------------------------
_REF_KEYWORDS = {"branch", "tag", "ref", "commit", "revision", "sha"}  # "branch X", "the X branch"
_REF_PREPOSITIONS = {"on", "from", "against", "at"}  # "build it on main", "from release-2.4"
_CONVENTIONAL_BRANCHES = {"main", "master", "develop", "trunk"}  # plain words that are refs after "on"
_REF_NAME_WORDS = {"branch", "ref", "refspec", "tag", "commit", "sha", "revision"}
_REF_DESCRIPTION = re.compile(r"\b(branch|tag|ref|refspec|commit|revision|sha)\b", re.IGNORECASE)
_TAG_DESCRIPTION = re.compile(r"\btags?\b", re.IGNORECASE)
_VERSION_DESCRIPTION = re.compile(r"\bversion\b", re.IGNORECASE)

# -- switches (boolean parameters) said in words -----------------------------------------------------------
# Words that say "not": "without cache", "skip tests", "no dry run", "don't publish".
_NEGATORS = {"no", "not", "without", "skip", "skipping", "dont", "don't", "disable", "never", "omit", "exclude",
             "excluding"}
# First words of a parameter name that say what its true means about the rest: SKIP_TESTS (true = no tests),
# USE_CACHE (true = cache).
_NEGATIVE_PREFIXES = {"no", "skip", "disable", "without", "omit", "exclude", "ignore", "dont"}
_POSITIVE_PREFIXES = {"use", "enable", "with", "do", "run", "force", "include", "allow", "should", "is", "perform"}
_AFTER_OFF = {"off", "false", "disabled", "skipped", "omitted"}
_AFTER_ON = {"on", "true", "enabled"}
_ARTICLES = {"the", "a", "an"}
# Verbs that start a request: a switch whose only word is one of them is not switched on by the request itself.
_REQUEST_VERBS = {"run", "build", "deploy", "release", "rebuild", "start", "trigger", "kick", "do", "make"}
_SWITCH_WINDOW = 3  # words before a switch's name that may negate it
_LONGEST_DESCRIPTION = 6  # a description longer than this is a sentence, not a name people say
# Words in a switch's description that people leave out or swap: "Only print the plan" ← "just print the plan".
_FILLERS = {"only", "just", "simply", "merely"}
# A Rasa payload typed or forged as a message: `/intent{"entity": "value"}`. Its text is never a value.
_PAYLOAD = re.compile(r"\s*/[A-Za-z_][\w-]*(\{.*\}|\[.*\])?\s*", re.DOTALL)


@dataclass
class BuildPlan:
    values: dict[str, str] = field(default_factory=dict)
    missing: list[ParameterDef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    said: dict[str, str] = field(default_factory=dict)  # values taken from this message's words
    unplaced: list[str] = field(default_factory=list)  # values typed that fit no parameter
    refs_unplaced: list[str] = field(default_factory=list)  # branches/refs when no parameter takes a ref

    @property
    def ready(self) -> bool:
        return not (self.missing or self.errors or self.unknown)


@dataclass(frozen=True)
class _Typed:
    """A value the user typed: a ref ("feature/x", "on main") or a version ("v2.4.1")."""

    value: str
    kind: str  # "ref" or "version"
    after_ref_word: bool = False  # "on v2.4.1", "tag v2.4.1": a ref first, a version second


def _clean(value: str) -> str:
    value = value.strip().strip("\"'").rstrip(".,;:!?)")
    return value


def normalise(parameter: ParameterDef, value: str) -> tuple[str | None, str | None]:
    """(value as Jenkins wants it, or None) and an error sentence when the value does not fit."""
    value = _clean(value)
    if parameter.kind == "boolean":
        if value.lower() in _TRUE:
            return "true", None
        if value.lower() in _FALSE:
            return "false", None
        return None, f"{parameter.name} is true or false, not \"{value}\""
    if parameter.kind == "choice":
        match = next((c for c in parameter.choices if c.lower() == value.lower()), None)
        if match is None:  # "live cluster", "the sandbox env": exactly one choice named among other words
            inside = [c for c in parameter.choices
                      if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", value, re.IGNORECASE)]
            match = inside[0] if len(inside) == 1 else None
        if match is None:
            return None, f"{parameter.name} must be one of {', '.join(parameter.choices)} (not \"{value}\")"
        return match, None
    if not value:
        return None, f"{parameter.name} can't be empty"
    return value, None


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-\s]+", name.lower()) if w]


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9']+", text.lower()) if w]


def _phrases(parameter: ParameterDef) -> list[str]:
    words = _name_words(parameter.name)
    phrases = [r"[\s_-]*".join(map(re.escape, words))]
    if len(words) > 1 and words[-1] in _SAID_ALONE:
        phrases.append(re.escape(words[-1]))
    return phrases


def _said_value(parameter: ParameterDef, text: str) -> str | None:
    """"branch fix/x", "version: 3.2", "change ticket is CHG-1" → the value after the parameter's name."""
    for phrase in _phrases(parameter):
        pattern = rf"(?<![\w/]){phrase}(?![\w])\s*(?:=|:|\bis\b|\bto\b)?\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            value = _clean(match.group(1))
            switch = parameter.kind == "boolean" and value.lower() in _TRUE | _FALSE  # "dry run on"
            if value and (switch or value.lower() not in _NOT_VALUES):
                return value
    return None


# -- refs and versions -------------------------------------------------------------------------------------
def _fit(parameter: ParameterDef, kind: str) -> int:
    """How well a parameter takes a ref or a version (0: not at all), from its name and description."""
    if parameter.kind in ("boolean", "password"):
        return 0
    words = set(_name_words(parameter.name))
    about = parameter.description
    if kind == "ref":
        if "version" in words:  # RELEASE_VERSION ("Version tag to release") never takes a branch
            return 0
        if words & _REF_NAME_WORDS:
            return 3
        return 2 if _REF_DESCRIPTION.search(about) else 0
    if "version" in words:
        return 3
    if "tag" in words or _VERSION_DESCRIPTION.search(about):
        return 2
    return 1 if _TAG_DESCRIPTION.search(about) else 0  # GIT_REF, "Branch or tag to build"


def _best(parameters: Iterable[ParameterDef], kind: str) -> ParameterDef | None:
    """The one parameter that fits best; None when none fits or two fit equally well."""
    scored = sorted(((_fit(p, kind), p) for p in parameters), key=lambda pair: -pair[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _place(parameters: list[ParameterDef], typed: _Typed, taken: set[str]) -> ParameterDef | None:
    free = [p for p in parameters if p.name not in taken]
    if typed.kind == "ref":
        return _best(free, "ref")
    if typed.after_ref_word:
        return _best(free, "ref") or _best(free, "version")
    return _best(free, "version")


def _ignored(token: str, ignored: set[str]) -> bool:
    """A word of the job's own name ("settlement-engine-ci", "treasury/payout-…") or a link."""
    parts = [w for w in re.split(r"[^0-9a-z]+", token.lower()) if w]
    return not parts or set(parts) <= ignored or "://" in token


def _looks_like_ref(token: str, before: str, after: str, choices: set[str]) -> bool:
    """"feature/x"; "branch X", "tag X"; "the X branch"; "on main", "from release-2.4" (a word after "on" needs
    a ref's punctuation or digits, or to be a conventional branch name: "on friday" is not a ref)."""
    lower = token.lower()
    if "/" in token or before in _REF_KEYWORDS:
        return True
    if lower in choices:
        return False
    if after in ("branch", "tag"):
        return True
    return before in _REF_PREPOSITIONS and bool(re.search(r"[-_.\d]", token) or lower in _CONVENTIONAL_BRANCHES)


def _typed_values(text: str, ignored: set[str], choices: set[str]) -> list[_Typed]:
    """Refs and versions in the words, by their shape or the word before them (see module docstring)."""
    tokens = [_clean(t) for t in _TOKEN.findall(_ASSIGNMENT.sub(" ", text))]
    found: list[_Typed] = []
    for index, token in enumerate(tokens):
        if not token or _ignored(token, ignored) or _TIME_OR_NUMBER.match(token) or token.lower() in _NOT_VALUES:
            continue
        before = tokens[index - 1].lower() if index else ""
        after = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
        if _VERSION.fullmatch(token):
            found.append(_Typed(token, "version", before in _REF_KEYWORDS or before in _REF_PREPOSITIONS))
        elif _looks_like_ref(token, before, after, choices):
            found.append(_Typed(token, "ref"))
    return found


def _from_entities(entities: Mapping[str, Iterable[str]], text: str, ignored: set[str]) -> list[_Typed]:
    """The NLU's branch and version entities, placed like the same words typed."""
    found = [_Typed(value, "ref") for value in entities.get("branch", ())]
    for value in entities.get("version", ()):
        before = re.search(rf"(\w+)\W+{re.escape(value)}", text, re.IGNORECASE)
        word = before.group(1).lower() if before else ""
        found.append(_Typed(value, "version", word in _REF_KEYWORDS or word in _REF_PREPOSITIONS))
    return [typed for typed in found if not _ignored(typed.value, ignored)]


# -- choices and switches ----------------------------------------------------------------------------------
def _choice_named(parameter: ParameterDef, text: str, said: set[str]) -> str | None:
    """"to live", "target live": one of the parameter's choices named in the words; of several, the one
    after "to"/"into"/"on"/"in" or the parameter's name."""
    named = [c for c in parameter.choices if c.lower() in said]
    if len(named) <= 1:
        return named[0] if named else None
    lead = "|".join(["to", "into", "on", "in", *(re.escape(w) for w in _name_words(parameter.name))])
    led = [c for c in named if re.search(rf"\b(?:{lead})\s+{re.escape(c)}(?![\w-])", text, re.IGNORECASE)]
    return led[0] if len(led) == 1 else None


def _split_prefix(words: list[str]) -> tuple[bool, list[str]]:
    """(true means "not …", the words it is about): SKIP_TESTS → (True, [tests]); USE_CACHE → (False, [cache])."""
    if len(words) > 1 and words[0] in _NEGATIVE_PREFIXES:
        return True, words[1:]
    if len(words) > 1 and words[0] in _POSITIVE_PREFIXES:
        return False, words[1:]
    return False, words


def _switch_names(parameter: ParameterDef, ignored: set[str]) -> list[tuple[bool, list[str]]]:
    """The ways a person names a switch: its name's words, and a short description ("Only print the plan")."""
    found = [_split_prefix(_name_words(parameter.name))]
    described = [w for w in _plain_words(parameter.description) if w not in _ARTICLES | _FILLERS]
    if 0 < len(described) <= _LONGEST_DESCRIPTION:
        found.append(_split_prefix(described))
    return [(negative, subject) for negative, subject in found if subject and not set(subject) <= ignored
            and not (len(subject) == 1 and subject[0] in _REQUEST_VERBS)]


def _word_pattern(word: str) -> str:
    stem = word[:-1] if word.endswith("s") and len(word) > 3 else word
    return re.escape(stem) + r"(?:s|es)?"


def _mention_is_negative(text: str, start: int, end: int) -> bool:
    """Whether the words around a switch's name say "not": "without the cache", "tests skipped", "don't skip
    tests" (two negations: no). Only the words of the same clause count ("no, do a dry run": a dry run)."""
    clause = re.split(r"[,.;:!?]", text[:start])[-1]
    before = _plain_words(clause)[-_SWITCH_WINDOW:]
    after = _plain_words(text[end:])[:1]
    if after and after[0] in _AFTER_OFF:
        return True
    if after and after[0] in _AFTER_ON:
        return False
    negations = sum(1 for w in before if w in _NEGATORS or w.endswith("n't"))
    return negations % 2 == 1


def _switch_said(parameter: ParameterDef, text: str, ignored: set[str]) -> str | None:
    """"dry run" → DRY_RUN=true, "skip tests" → SKIP_TESTS=true, "without cache" → USE_CACHE=false."""
    for negative_name, subject in _switch_names(parameter, ignored):
        joiner = r"[\s_-]+(?:(?:the|a|an)\s+)?"
        pattern = r"(?<![\w-])" + joiner.join(_word_pattern(w) for w in subject) + r"(?![\w-])"
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            negative_mention = _mention_is_negative(text, match.start(), match.end())
            return "true" if negative_mention == negative_name else "false"
    return None


# -- the plan ----------------------------------------------------------------------------------------------
def plan_build(
    parameters: list[ParameterDef],
    text: str,
    entities: Mapping[str, Iterable[str]] | None = None,
    base: Mapping[str, str] | None = None,
    ignore_words: Iterable[str] = (),
) -> BuildPlan:
    """Match the words of a request to the job's parameters. `base`: the values of the build being rebuilt
    (or of the proposal being changed); `ignore_words`: words that named the job (a choice "staging" in "the
    staging deploy" picks the job, not a parameter)."""
    plan = BuildPlan()
    entities = entities or {}
    if _PAYLOAD.fullmatch(text):  # a payload's fields are not words: only the recognised entities count
        text = ""
    by_name = {p.name.lower(): p for p in parameters}
    chosen: dict[str, str] = {p.name: p.default or "" for p in parameters}
    for name, value in (base or {}).items():
        if name.lower() in by_name and value not in ("", "****"):
            chosen[by_name[name.lower()].name] = value
    explicit: dict[str, str] = {}
    ignored = {w.lower() for w in ignore_words}

    def put(parameter: ParameterDef, raw: str) -> None:
        value, error = normalise(parameter, raw)
        if error:
            plan.errors.append(error)
        elif value is not None:
            explicit[parameter.name] = value

    # values typed: the NLU's entities, then ref- and version-shaped words
    choices = {c.lower() for p in parameters for c in p.choices}
    typed = _from_entities(entities, text, ignored) + _typed_values(text, ignored, choices)
    seen: set[str] = set()
    for item in typed:
        if item.value.lower() in seen:
            continue
        seen.add(item.value.lower())
        parameter = _place(parameters, item, set(explicit))
        if parameter is not None:
            put(parameter, item.value)
        else:
            plan.unplaced.append(item.value)
            if item.kind == "ref" and _best(parameters, "ref") is None:
                plan.refs_unplaced.append(item.value)
    for value in entities.get("env", ()):
        fitting = [p for p in parameters if set(p.name.upper().split("_")) & set(_ENV_PARAMETERS)]
        if len(fitting) == 1 and fitting[0].name not in explicit:
            put(fitting[0], value)
        elif not set(_plain_words(value)) <= ignored:
            plan.unplaced.append(value)
    # a choice named in the words: "to live"
    said = set(re.findall(r"[\w.\-/]+", text.lower())) - ignored
    for parameter in parameters:
        if parameter.kind == "choice" and parameter.name not in explicit:
            named = _choice_named(parameter, text, said)
            if named is not None:
                explicit[parameter.name] = named
    # switches said in words: "dry run", "skip tests", "without cache"
    for parameter in parameters:
        if parameter.kind == "boolean":
            switched = _switch_said(parameter, text, ignored)
            if switched is not None:
                explicit[parameter.name] = switched
    # "NAME=value" and "name value" win over everything else
    for match in _ASSIGNMENT.finditer(text):
        name, raw = match.group(1), match.group(2)
        parameter = by_name.get(name.lower())
        if parameter is None:
            plan.unknown.append(name)
            continue
        explicit.pop(parameter.name, None)
        put(parameter, raw)
    assigned = {m.group(1).lower() for m in _ASSIGNMENT.finditer(text)}
    for parameter in parameters:
        if parameter.name.lower() in assigned:
            continue
        value = _said_value(parameter, text)
        if value is not None and not (parameter.kind == "boolean" and value.lower() not in _TRUE | _FALSE):
            explicit.pop(parameter.name, None)
            put(parameter, value)
    chosen.update(explicit)
    plan.said = dict(explicit)
    plan.values = {p.name: chosen[p.name] for p in parameters}
    plan.missing = [p for p in parameters if p.required and not plan.values[p.name].strip()]
    used = {v.lower() for v in explicit.values()}
    plan.unplaced.extend(_tails(text, used))
    plan.unplaced = list(dict.fromkeys(v for v in plan.unplaced if v.lower() not in used))
    plan.refs_unplaced = [v for v in plan.refs_unplaced if v in plan.unplaced]
    return plan


def _tails(text: str, used: set[str]) -> list[str]:
    """What follows "NAME=value;" ("GIT_REF=main; rm -rf /"): not a value of any parameter, so it is named as
    not used (unless a value was taken from it)."""
    found = []
    for match in re.finditer(r"(?<![\w/])[A-Za-z][A-Za-z0-9_]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s,;]+)\s*;([^;]*)", text):
        tail = match.group(1).strip()
        if tail and not _ASSIGNMENT.search(tail) and not any(v and v in tail.lower() for v in used):
            found.append(tail)
    return found


def ref_parameter(parameters: list[ParameterDef]) -> ParameterDef | None:
    """The job's branch/ref parameter (GIT_REF, BRANCH), if exactly one fits."""
    return _best(parameters, "ref")


def off_default(parameters: list[ParameterDef], values: Mapping[str, str]) -> dict[str, str]:
    """NAME → default for the values a build ran with that are not the job's defaults and that change what is
    built: its branch/ref and its switches (a dry run). Versions and targets differ on purpose every time."""
    ref = ref_parameter(parameters)
    found = {}
    for parameter in parameters:
        if parameter is not ref and parameter.kind != "boolean":
            continue
        default, value = (parameter.default or "").strip(), (values.get(parameter.name) or "").strip()
        if default and value and value.lower() != default.lower():
            found[parameter.name] = default
    return found


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """NAME → (old, new) for the values a change of a proposal altered."""
    return {name: (before.get(name, ""), value) for name, value in after.items() if before.get(name, "") != value}


def assigned_names(text: str) -> set[str]:
    """The (lower-case) names of the "NAME=value" assignments in the words."""
    return {m.group(1).lower() for m in _ASSIGNMENT.finditer(text)}


def single_value(text: str) -> str | None:
    """A reply that is one value: one word, or anything in quotes; None for a sentence ("yes go ahead")."""
    text = text.strip()
    quoted = re.fullmatch(r"\"([^\"]*)\"|'([^']*)'", text)
    if quoted:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    value = _clean(text)
    return value if value and not re.search(r"\s", value) else None


def describe(values: Mapping[str, str], defaulted: Collection[str] = ()) -> str:
    """BRANCH=main, DRY_RUN=false (or "no parameters"); names in `defaulted` are marked "(default)", so the
    user sees which values did not come from their words."""
    if not values:
        return "no parameters"
    return ", ".join(f"{k}={v}" + (" (default)" if k in defaulted else "") for k, v in values.items())
