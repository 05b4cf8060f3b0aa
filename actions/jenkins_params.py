"""Build parameters from plain words, checked against the job's own parameter definitions.

"build petclinic-build on branch fix/owner-update" → BRANCH=fix/owner-update; "deploy 3.2.1-rc1 to staging"
→ VERSION=3.2.1-rc1; "release 4.2.0 to live with dry run off" → RELEASE_VERSION=4.2.0, TARGET=live,
DRY_RUN=false. Nothing here knows a job name or a parameter name in advance: the definitions come from
Jenkins, so a user's own jobs work. Pure functions, no I/O.

Order (later wins): defaults < the rebuilt build's values < entities (branch, version, env) < a choice
named in the words < "NAME=value" / "name value" in the words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from actions.services.jenkins import ParameterDef

_ASSIGNMENT = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z0-9_]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)")
_VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?(?![\w.])")
_TRUE = {"true", "yes", "on", "1", "y", "enabled", "enable"}
_FALSE = {"false", "no", "off", "0", "n", "disabled", "disable"}
# A value never looks like these words ("deploy version to staging" names no version).
_NOT_VALUES = {"to", "the", "a", "an", "on", "of", "for", "and", "with", "please", "is", "it", "as", "=", "in", "from"}
# The last word of a parameter name that people say on its own: "branch X" for GIT_BRANCH.
_SAID_ALONE = {"branch", "version", "ticket", "tag", "target", "env", "environment", "region", "ref"}
# Entity → parameter-name words it fills.
_ENTITY_PARAMETERS = {"branch": ("BRANCH", "REF"), "version": ("VERSION", "TAG"),
                      "env": ("ENV", "ENVIRONMENT", "TARGET", "STAGE")}


@dataclass
class BuildPlan:
    values: dict[str, str] = field(default_factory=dict)
    missing: list[ParameterDef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not (self.missing or self.errors or self.unknown)


def _clean(value: str) -> str:
    value = value.strip().strip("\"'").rstrip(".,;!?)")
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
        if match is None:
            return None, f"{parameter.name} must be one of {', '.join(parameter.choices)} (not \"{value}\")"
        return match, None
    if not value:
        return None, f"{parameter.name} can't be empty"
    return value, None


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-\s]+", name.lower()) if w]


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


def _for_entity(parameters: list[ParameterDef], entity: str) -> ParameterDef | None:
    keys = _ENTITY_PARAMETERS.get(entity, ())
    fitting = [p for p in parameters if any(k in p.name.upper().split("_") or p.name.upper() == k for k in keys)]
    return fitting[0] if len(fitting) == 1 else None


def plan_build(
    parameters: list[ParameterDef],
    text: str,
    entities: Mapping[str, Iterable[str]] | None = None,
    base: Mapping[str, str] | None = None,
    ignore_words: Iterable[str] = (),
) -> BuildPlan:
    """Match the words of a request to the job's parameters. `base`: the values of the build being rebuilt;
    `ignore_words`: words that named the job (a choice "staging" in "the staging deploy" picks the job, not
    a parameter)."""
    plan = BuildPlan()
    by_name = {p.name.lower(): p for p in parameters}
    chosen: dict[str, str] = {p.name: p.default or "" for p in parameters}
    for name, value in (base or {}).items():
        if name.lower() in by_name and value not in ("", "****"):
            chosen[by_name[name.lower()].name] = value
    explicit: dict[str, str] = {}

    def put(parameter: ParameterDef, raw: str) -> None:
        value, error = normalise(parameter, raw)
        if error:
            plan.errors.append(error)
        elif value is not None:
            explicit[parameter.name] = value

    # entities from the NLU, then a bare version number for a VERSION-like parameter
    for entity, values in (entities or {}).items():
        parameter = _for_entity(parameters, entity)
        value = next(iter(values), None)
        if parameter is not None and value:
            put(parameter, value)
    version_parameter = _for_entity(parameters, "version")
    if version_parameter is not None and version_parameter.name not in explicit:
        found = _VERSION.search(text)
        if found:
            put(version_parameter, found.group())
    # a choice named in the words: "to live"
    ignored = {w.lower() for w in ignore_words}
    said = set(re.findall(r"[\w.\-/]+", text.lower())) - ignored
    for parameter in parameters:
        if parameter.kind == "choice" and parameter.name not in explicit:
            named = [c for c in parameter.choices if c.lower() in said]
            if len(named) == 1:
                explicit[parameter.name] = named[0]
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
    plan.values = {p.name: chosen[p.name] for p in parameters}
    plan.missing = [p for p in parameters if p.required and not plan.values[p.name].strip()]
    return plan


def describe(values: Mapping[str, str]) -> str:
    """BRANCH=main, DRY_RUN=false (or "no parameters")."""
    return ", ".join(f"{k}={v}" for k, v in values.items()) if values else "no parameters"
