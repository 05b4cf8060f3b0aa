"""What a GitHub question asks for, read from its words: numbers, people and their role, filters, labels,
branches, and the words left over that may name a repository (time ranges: `common.timerange`).

Pure functions of text, so that follow-ups and names never seen in training work the same way. Each
`*_filters` function returns only what the message says explicitly: a follow-up ("and closed ones?")
overrides those keys of the previous question's filters and keeps the rest.
"""

from __future__ import annotations

import re
from typing import Any

from common import timerange
from common.resolve import words

# Words that describe the question, never which repository: what is left names a repository (or nothing).
_VOCABULARY_TEXT = """
a about across all an and any anything are at be been bot by can could currently did do does done for from get
gh give github going got happened happening has have hey hi how i in is it its just know let list me mine my
new newest now of on opsbot or our please pls right s see show so some tell that the their them there these this
those to u up us was we were what whats where which who whom whose why will with would you your yet ok okay
open opened closed merged merge mergeable draft drafts ready pr prs pull pulls request requests issue issues bug
bugs ticket tickets release releases released rc candidate candidates prerelease prereleases pre tag tags
version versions latest last recent recently current newest commit commits changed change changes pushed push
today yesterday week weeks day days hour hours morning since past ci green red passing passed pass failing failed
failure failures fails fail broken checks check status state statuses workflow workflows run runs running action
actions build builds job jobs pipeline pipelines repo repos repository repositories review reviews reviewed
reviewer reviewers reviewing waiting wait waits need needs needed approval approve approved assigned assignee
assignees unassigned nobody label labels labelled labeled tagged good first help wanted main master branch
branches org organisation organization team everything else other same again too also only just one ones
many number no not yet still going on whole entire both more less than over under into out off lately
"""
VOCABULARY = frozenset(_VOCABULARY_TEXT.split())

_NUMBER_CUE = re.compile(r"(?:#|\b(?:pr|prs|pull\s+requests?|pulls?|issues?|tickets?|number|no\.?)\s*#?\s*)(\d{1,7})\b",
                         re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?<![\w.\-/])(\d{1,7})(?![\w.\-/])")
_ME = re.compile(r"\b(?:my|mine)\b|\b(?:to|on|for|from|by|assigned\s+to)\s+me\b"
                 r"|\bi\s+(?:opened|created|wrote|raised)\b", re.IGNORECASE)
_PERSON_TOKEN = r"@?([A-Za-z][\w.\-\[\]]*)"
_POSSESSIVE = re.compile(_PERSON_TOKEN + r"['’]s?\b")
_CUED = re.compile(r"\b(by|from|to|on|for|of|with)\s+" + _PERSON_TOKEN, re.IGNORECASE)
_AT = re.compile(r"@([A-Za-z][\w\-]*)")
_TO_REVIEW = r"\s+(?:is\s+|are\s+)?(?:needs?|has|have|should|must|supposed|meant|asked|due)\s+to\s+(?:review|approve)"
_REVIEWER = re.compile(_PERSON_TOKEN + _TO_REVIEW, re.IGNORECASE)
# "what did okafor-c push this week?", "has Jonas committed anything?": the subject of a commit verb.
_DOER = re.compile(r"\b(?:did|has|have|does|is)\s+" + _PERSON_TOKEN
                   + r"\s+(?:push|commit|merge|land|ship|change|write|got\s+open|opened|open|raised|working\s+on)\w*",
                   re.IGNORECASE)


def is_payload(text: str) -> bool:
    """A button click: `/intent{...}`. Its words are JSON, not a question: read only its entities."""
    return text.strip().startswith("/")


# -- numbers ---------------------------------------------------------------------------------------------
def number(text: str, entity: str | None = None, bare: bool = False) -> int | None:
    """'#215', 'PR 215', 'pull request 215' (and, with `bare`, a lone '215'); the entity wins."""
    if entity:
        digits = re.sub(r"\D", "", entity)
        if digits:
            return int(digits)
    if is_payload(text):
        return None
    match = _NUMBER_CUE.search(text)
    if match:
        return int(match.group(1))
    if bare:
        candidates = [m for m in _BARE_NUMBER.finditer(text)
                      if not re.search(r"\b(?:last|latest|top|recent|past|v)\s*$", text[: m.start()], re.I)]
        if len(candidates) == 1:
            return int(candidates[0].group(1))
    return None


def count(text: str, default: int, cap: int = 20) -> int:
    """'last 5 commits' → 5."""
    match = (re.search(r"\b(?:last|latest|recent|top|past|newest)\s+(\d{1,3})\b(?!\s*(?:h|hours?|days?|d|weeks?|"
                       r"w|min|minutes?)\b)", text, re.I)
             or re.search(r"\b(\d{1,3})\s+(?:\w+\s+)?commits?\b", text, re.I))
    return min(max(int(match.group(1)), 1), cap) if match else default


# -- people ------------------------------------------------------------------------------------------------
def mentions_me(text: str) -> bool:
    return not is_payload(text) and bool(_ME.search(text))


def looks_like_name(said: str) -> bool:
    """'Jonas', 'Maria Fernandes' (worth comparing with display names), not 'spring-petclinic' or 'v2'."""
    return bool(re.fullmatch(r"[^\W\d_]+(?:\s+[^\W\d_]+){0,2}", said.strip()))


def person_mentions(text: str, entity: str | None, repo: str = "") -> list[tuple[str, bool]]:
    """Words that may name a person, each with whether the message clearly means a person (the NLU's
    `person` entity, @login, "X's", "by X", "from X") rather than maybe ("for X", "on X"). The words of
    `repo`, the repository the question is about, are not people."""
    found: list[tuple[str, bool]] = [(entity, True)] if entity else []
    if not is_payload(text):
        found += [(m.group(1), True) for m in _AT.finditer(text)]
        found += [(m.group(1), True) for m in _POSSESSIVE.finditer(text)]
        found += [(m.group(1), True) for m in _REVIEWER.finditer(text)]
        found += [(m.group(1), True) for m in _DOER.finditer(text)]
        found += [(m.group(2), m.group(1).lower() in ("by", "from")) for m in _CUED.finditer(text)]
    repo_words = set(words(repo))
    result: list[tuple[str, bool]] = []
    for said, strong in found:
        said = said.strip().lstrip("@")
        if (not said or said.lower() in VOCABULARY or said.isdigit() or any(said == s for s, _ in result)
                or (repo_words and set(words(said)) <= repo_words)):
            continue
        result.append((said, strong))
    return result


def person_role(text: str, said: str, default: str) -> str:
    """author | reviewer (review requested) | reviewed_by | assignee, from the words around the name."""
    index = text.lower().find(said.lower())
    before = text[:index].lower() if index >= 0 else ""
    after = text[index + len(said):].lower() if index >= 0 else ""
    if re.search(r"\b(?:reviewed|approved)\s+by\s+@?$", before):
        return "reviewed_by"
    if (re.search(r"\b(?:review|reviews|approval)\s+(?:requested\s+)?(?:from|by|of)\s+@?$", before)
            or re.search(r"\b(?:waiting|wait|waits|blocked)\s+(?:on|for)\s+@?$", before)
            or re.search(r"\b(?:requested|request)\s+(?:from|of)\s+@?$", before)
            or (re.search(r"\bfor\s+@?$", before) and re.match(r"\s*to\s+review", after))
            or re.match(_TO_REVIEW, after)
            or re.match(r"['’]s?\s+(?:review|queue|approval)", after)):
        return "reviewer"
    if re.search(r"\b(?:assigned\s+to|assignee|on)\s+@?$", before) or re.match(r"\s+is\s+assigned", after) \
            or re.match(r"['’]s?\s+plate", after):
        return "assignee"
    if re.search(r"\b(?:opened|created|filed|raised|reported|authored|written|wrote|submitted)\s+by\s+@?$", before):
        return "author"
    return default


# -- filters -------------------------------------------------------------------------------------------
def _has(text: str, pattern: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def pull_filters(text: str) -> dict[str, Any]:
    """Explicit PR filters: state, checks, review, draft."""
    if is_payload(text):
        return {}
    found: dict[str, Any] = {}
    if _has(text, r"\bmerged\b"):
        found["state"] = "merged"
    elif _has(text, r"\bclosed\b"):
        found["state"] = "closed"
    elif _has(text, r"\bopen(?:ed)?\b"):
        found["state"] = "open"
    if _has(text, r"\b(?:fail\w*|red|broken|failures?)\b"):
        found["checks"] = "failure"
    elif _has(text, r"\b(?:green|passing|passed)\b"):
        found["checks"] = "success"
    elif _has(text, r"\bpending\s+checks?\b|\bchecks?\s+(?:still\s+)?(?:pending|running)\b"):
        found["checks"] = "pending"
    if _has(text, r"\bchanges\s+requested\b"):
        found["review"] = "changes_requested"
    elif _has(text, r"\bapproved\b(?!\s+by)"):
        found["review"] = "approved"
    elif _has(text, r"\bunreviewed\b|\bnot\s+(?:yet\s+|been\s+)?reviewed\b|\bno\s+reviews?\s+(?:yet|at\s+all)\b"
                    r"|\bnobody\s+(?:has\s+)?reviewed\b"):
        found["review"] = "none"  # GitHub's review:none: not reviewed at all
    elif _has(text, r"\b(?:wait\w*|need\w*|awaiting|pending|require\w*|stuck|sitting|blocked)\s+"
                    r"(?:a\s+|for\s+|on\s+|in\s+)?(?:code\s+)?review"
                    r"|\bto\s+review\b|\breview\s+queue\b"):
        found["review"] = "waiting"  # not approved, no change requested (service.REVIEW_QUALIFIERS)
    if _has(text, r"\bdrafts?\b"):
        found["draft"] = not _has(text, r"\b(?:not|no|non)[\s-]+drafts?\b")
    elif _has(text, r"\b(?:stuck|stale|sitting|languishing)\b"):
        found["draft"] = False  # a draft isn't stuck: its author hasn't asked for anything yet
    older = older_than(text)
    if older:
        found["older_than"] = older
    return found


_AGE = re.compile(r"\b(?:(?:(?:more|longer|older)\s+than|over|at\s+least)\s+|for\s+(?=\d))"
                  r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|ten|a\s+couple\s+of|a\s+few)\+?\s*"
                  r"(?P<unit>h|hrs?|hours?|d|days?|w|wks?|weeks?|months?)\b", re.IGNORECASE)


def older_than(text: str) -> str:
    """'stuck for more than a day' → 'a day'; '' when no age is said. Kept as said and turned into seconds
    when asked (`age_seconds`), so that a follow-up tomorrow still means "older than a day" then."""
    match = _AGE.search(text) if not is_payload(text) else None
    if not match:
        return ""
    amount = re.sub(r"^a\s+(couple\s+of|few)$", r"\1", match.group("n").lower())
    return f"{amount} {match.group('unit').lower()}"


def age_seconds(span: str) -> float | None:
    """'a day' → 86400, '2 weeks' → 1209600; None when it can't be read."""
    try:
        return timerange.parse(f"last {span}").seconds
    except (timerange.TimeRangeError, ValueError):
        return None


def issue_filters(text: str) -> dict[str, Any]:
    if is_payload(text):
        return {}
    found: dict[str, Any] = {}
    if _has(text, r"\bclosed\b|\bfixed\b|\bresolved\b"):
        found["state"] = "closed"
    elif _has(text, r"\bopen\b"):
        found["state"] = "open"
    if _has(text, r"\bunassigned\b|\bno(?:body|\s+one)\s+(?:is\s+|has\s+)?(?:assigned|working|picked|taken|claimed|"
                  r"grabbed|started)\b|\bno\s+assignee\b|\bnot\s+(?:yet\s+)?(?:picked\s+up|assigned|taken)\b"
                  r"|\bunclaimed\b|\bup\s+for\s+grabs\b"):
        found["unassigned"] = True
    return found


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# Label words that classify rather than name ("type: bug", "kind/bug").
_LABEL_PREFIXES = {"type", "kind", "area", "t", "k"}
# Everyday words for labels a repository may not spell that way.
LABEL_SYNONYMS = {"bugs": "bug", "defects": "bug", "defect": "bug", "features": "enhancement",
                  "feature": "enhancement", "enhancements": "enhancement", "docs": "documentation",
                  "prio": "priority", "priorities": "priority", "newcomer": "good first issue",
                  "newcomers": "good first issue", "beginner": "good first issue", "beginners": "good first issue",
                  "starter": "good first issue", "onboarding": "good first issue"}


def labels_in(text: str, labels: list[str]) -> list[str]:
    """The repository's labels the message names: 'open bugs' → bug; 'good first issues' → good first issue."""
    if is_payload(text):
        return []
    said = {_singular(w) for w in words(text)}
    said |= {_singular(w) for said_word in words(text) if said_word in LABEL_SYNONYMS
             for w in words(LABEL_SYNONYMS[said_word])}
    matched = []
    for label in labels:
        label_words = [_singular(w) for w in words(label) if w not in _LABEL_PREFIXES]
        if label_words and all(w in said for w in label_words):
            matched.append(label)
    # "good first issue" also contains "issue": drop labels whose words are inside a longer match
    longest = [m for m in matched if not any(m != other and set(words(m)) < set(words(other)) for other in matched)]
    return longest


def release_mode(text: str) -> str:
    """latest | list | prerelease."""
    if _has(text, r"\b(?:rc\d*|release\s+candidates?|candidates?|pre-?releases?|betas?|alphas?|preview)\b"):
        return "prerelease"
    if _has(text, r"\b(?:list|all|releases|recent\s+releases|history|last\s+\d+)\b") \
            and not _has(text, r"\b(?:latest|newest|last|current)\s+release\b"):
        return "list"
    return "latest"


def release_tag(text: str) -> str:
    """'when was 2.4.0 released?' → '2.4.0': one exact version asked about, or ''."""
    if is_payload(text):
        return ""
    match = re.search(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?(?![\w.])", text)
    return match.group(0).rstrip(".") if match else ""


def workflow_words(text: str) -> str:
    """'how did the nightly e2e workflow do?' → 'nightly e2e': words naming a workflow, or ''."""
    match = re.search(r"\bthe\s+([\w\-]+(?:\s+[\w\-]+){0,2})\s+(?:workflow|action)\b", text, re.IGNORECASE)
    if not match or is_payload(text):
        return ""
    return " ".join(w for w in words(match.group(1)) if w not in VOCABULARY or w == "build")


def runs_mode(text: str) -> str:
    """verdict ("is CI green?") | failed | running | list, or "" when the words don't say ("same for X")."""
    if is_payload(text):
        return ""
    asks_yes_no = _has(text, r"^\s*(?:@?opsbot\W*|hey\W+\w*\W*)?(?:is|are|did|does|has)\b")
    if _has(text, r"\b(?:fail\w*|red|broken|failures?)\b") and not asks_yes_no:
        return "failed"
    if _has(text, r"\b(?:running|in\s+progress|queued|ongoing|underway|in\s+flight)\b"
                  r"|\bgoing\s+on\s+(?:right\s+)?now\b"):
        return "running"
    if asks_yes_no or _has(text, r"\b(?:green|passing|healthy|ok|okay)\b"):
        return "verdict"
    if _has(text, r"\b(?:show|list|runs|workflows|history|recent|latest|last)\b"):
        return "list"
    return ""


# -- what the message points at ------------------------------------------------------------------------
_IT = re.compile(r"\b(?:it|its|it['’]s)\b|\b(?:this|that|the\s+same)\s+(?:one|pr|pull\s+request)\b",
                 re.IGNORECASE)
_MANY = re.compile(r"\b(?:prs|pull\s+requests|pulls|which|any|all|every)\b", re.IGNORECASE)


def about_it(text: str) -> bool:
    """'who still needs to review it?', 'and its checks?', 'CI runs for that PR': about the one thing talked
    about last, not a list ('which PRs need review?', 'any like it?')."""
    return not is_payload(text) and bool(_IT.search(text)) and not _MANY.search(text)


_OTHER = re.compile(r"\b(?:the\s+)?other\s+(?:repo|repository|project|one)\b", re.IGNORECASE)


def the_other_repo(text: str) -> bool:
    """'and the other repo?', 'what about the other one?'."""
    return not is_payload(text) and bool(_OTHER.search(text))


# Things opsbot can't do on GitHub (it only reads): asked as a request, not as a question about them.
_WRITE = re.compile(r"^\W*(?:@?opsbot\W+)?(?:(?:please|pls|plz|now|ok|okay|go\s+ahead\s+and|can\s+you|could\s+you|"
                    r"would\s+you|will\s+you)\s+)*(?P<verb>merge|approve|close|reopen|re-?open|rebase|squash|"
                    r"re-?run|retry|cancel|delete|lock|assign|label|comment\s+on)\b", re.IGNORECASE)


def write_request(text: str) -> str:
    """'merge PR 85' → 'merge'; 'can 85 be merged?' → '' (a question, answered with the PR's state)."""
    match = _WRITE.search(text) if not is_payload(text) else None
    return match.group("verb").lower().replace("-", "") if match else ""


_REPO_SLOT_WORDS = {"in", "of", "for", "from", "on"}
_REPO_AFTER = re.compile(r"\b(?P<cue>in|of|for|from|on)\s+(?:the\s+)?(?:repo(?:sitory)?\s+)?(?P<name>[^\s,;!?]+)",
                         re.IGNORECASE)
_REPO_BEFORE = re.compile(r"(?P<name>[^\s,;!?]+)\s+(?:repo|repository)\b", re.IGNORECASE)
_VERSION = re.compile(r"v?\d+(?:\.\d+)+(?:[-.]\w+)*", re.IGNORECASE)


def repo_like(text: str, exclude: list[str] = (), cues: frozenset[str] | set[str] = frozenset(_REPO_SLOT_WORDS)) -> str:
    """A name the message puts where a repository goes ('PRs in payments-api', 'the ledger-svc repo',
    'PRs in ../../etc/passwd') that is written like one (joined by - _ . or /), or ''. Used to say such a name
    is unknown instead of silently answering for everything. `cues`: the words that may introduce a
    repository for this question ('on' introduces a branch for commits and CI runs)."""
    if is_payload(text):
        return ""
    excluded = [e.lower() for e in exclude if e]
    found = [m.group("name") for m in _REPO_AFTER.finditer(text) if m.group("cue").lower() in cues]
    found += [m.group("name") for m in _REPO_BEFORE.finditer(text)]
    for name in found:
        name = name.lstrip("'\"`([").rstrip(".:'\"`)]")
        if (not re.search(r"[A-Za-z]", name) or not re.search(r"\w[-_./]|[-_./]\w", name)
                or _VERSION.fullmatch(name) or name.lower() in VOCABULARY
                or any(name.lower() == e or name.lower() in e.split() for e in excluded)
                or all(w in VOCABULARY for w in words(name))):
            continue
        return name
    return ""


_TITLE = re.compile(r"\bthe\s+(?P<words>[\w\-]+(?:\s+[\w\-]+){0,2})\s+(?:pr|pull\s+request)\b"
                    r"|\b(?:pr|pull\s+request)\s+(?:about|on|for|titled|called|named)\s+['\"]?(?P<after>[^'\"?!.,]+)",
                    re.IGNORECASE)


def pull_title_words(text: str) -> str:
    """'and the parquet PR?' → 'parquet'; 'the PR about HSM keys' → 'hsm keys': words of a PR's title."""
    match = _TITLE.search(text) if not is_payload(text) else None
    if not match:
        return ""
    said = match.group("words") or match.group("after") or ""
    return " ".join(w for w in words(said) if w not in VOCABULARY and not w.isdigit())


# Words a filter reads (or that never name anything): not reported as unused.
_FILTER_WORDS_TEXT = """
stuck stale sitting languishing older longer ago age aged old hour hours day days week weeks month months minute
minutes couple few two three four five six seven ten waiting awaiting pending blocked requested require required
requires unreviewed reviewing approve green red passing failing failed broken fixed resolved picked pick taken
claimed grabbed started grabs unclaimed assigned working plate queue authored written wrote submitted filed raised
total count counting overall reported created opened code non still anyone someone somebody people person folks
guys team's what's who's
"""
_FILTER_WORDS = frozenset(_FILTER_WORDS_TEXT.split())


def unused_words(text: str, used: list[str] | tuple[str, ...] = ()) -> str:
    """Words of the message that no filter, name or phrase of the answer used ('high prio' when no label
    says so): said back, so that nothing the user asked for is dropped silently. '' when all were used."""
    if is_payload(text):
        return ""
    lowered = text.lower()
    for phrase in sorted((u for u in used if u), key=len, reverse=True):
        lowered = lowered.replace(phrase.lower(), " ")
    phrase = timerange.find(lowered)
    if phrase:
        lowered = lowered.replace(phrase.lower(), " ")
    kept = [w for w in words(lowered) if w not in VOCABULARY and w not in _FILTER_WORDS and w not in LABEL_SYNONYMS
            and not re.fullmatch(r"v?\d+\w*", w) and len(w) > 1 and _singular(w) not in VOCABULARY]
    return " ".join(dict.fromkeys(kept))


# -- branches ---------------------------------------------------------------------------------------------
_COMMON_BRANCHES = r"main|master|develop|development|dev|trunk|staging|production|release/[\w.\-]+"


def branch(text: str, entity: str | None = None) -> str | None:
    if entity:
        return entity.strip()
    if is_payload(text):
        return None
    for pattern in (r"\bbranch\s+([\w./\-]+)", r"\b(?:on|for|of|in)\s+(?:the\s+)?([\w./\-]+)\s+branch\b",
                    rf"\b(?:on|for|of|in|to)\s+({_COMMON_BRANCHES})\b(?![\w\-])",
                    r"\b(?:on|for|of|in)\s+((?:feature|fix|bugfix|hotfix|release|chore|dependabot)/[\w./\-]+)"):
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return match.group(1)
    return None


def name_words(text: str, exclude: list[str] = ()) -> str:
    """The message minus question words, numbers and the given phrases: what may name a repository."""
    if is_payload(text):
        return ""
    lowered = text.lower()
    for phrase in exclude:
        if phrase:
            lowered = lowered.replace(phrase.lower(), " ")
    kept = [w for w in words(lowered) if w not in VOCABULARY and not w.isdigit() and not re.fullmatch(r"v?\d+", w)]
    return " ".join(kept)
