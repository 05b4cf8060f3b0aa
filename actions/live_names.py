"""Real names from the connected backends, so that examples ("is X green?") name things that exist.

The capability registry's examples are templates (`is {job} green?`). The README and the Teams app package
fill them with the reference world's names (REFERENCE); the help answer fills them with names from the
user's own Jenkins, GitHub and Grafana, keeping the reference name when that exists there too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from actions.capabilities import REFERENCE
from backends.github.service import service as github_service
from backends.grafana.service import service as grafana
from backends.jenkins.service import service as jenkins_service

logger = logging.getLogger(__name__)

LOOKUP_SECONDS = 2.0


def prefer(reference: str, live: Sequence[str]) -> str | None:
    """The reference name when the backend has it (case-insensitively), else the first live name."""
    lowered = {name.lower(): name for name in live}
    return lowered.get(reference.lower()) or (live[0] if live else None)


async def _job_names() -> list[str]:
    jobs = await jenkins_service().jobs()
    return sorted(j.full_name for j in jobs if not j.is_folder and not j.disabled)


async def _repo_names() -> list[str]:
    repos = sorted(await github_service().repos(), key=lambda r: -r.pushed_at)
    return [r.name for r in repos]


async def _panel_names() -> list[str]:
    return [p.title.lower() for p in await grafana().panels() if p.title.strip()]


LOOKUPS: dict[str, Callable[[], Awaitable[list[str]]]] = {
    "job": _job_names, "repo": _repo_names, "panel": _panel_names,
}


async def _one(kind: str) -> str | None:
    try:
        names = await asyncio.wait_for(LOOKUPS[kind](), LOOKUP_SECONDS)
    except Exception as error:  # a backend that is down or not configured: its examples stay generic
        logger.info("no live %s names for examples: %s", kind, type(error).__name__)
        return None
    return prefer(REFERENCE[kind], names)


async def live_names(kinds: Sequence[str] = tuple(LOOKUPS)) -> dict[str, str]:
    """One real name per kind (job, repo, panel) from the live backends, each asked at most LOOKUP_SECONDS;
    kinds whose backend is down, slow or not configured are left out."""
    found = await asyncio.gather(*(_one(kind) for kind in kinds))
    return {kind: name for kind, name in zip(kinds, found, strict=True) if name}
