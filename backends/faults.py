"""The one small set of backend faults, shared by every service facade.

A facade catches its client library's exceptions and re-raises one of these; `render.errors` turns them
into a polite sentence that names the backend and the problem. Nothing here may carry a secret.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from enum import Enum


class Fault(str, Enum):
    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"
    TIMED_OUT = "timed_out"
    UNAUTHORISED = "unauthorised"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    BAD_RESPONSE = "bad_response"
    REFUSED = "refused"  # the backend understood and said no (e.g. a disabled job)


class BackendError(Exception):
    """A backend could not answer. `backend` is the product name users know (Jenkins, GitHub, Grafana)."""

    def __init__(
        self,
        backend: str,
        fault: Fault,
        detail: str = "",
        *,
        retry_at: datetime | None = None,
    ) -> None:
        self.backend = backend
        self.fault = fault
        self.detail = detail
        self.retry_at = retry_at
        super().__init__(f"{backend}: {fault.value}{': ' + detail if detail else ''}")


def fault_for_status(status: int) -> Fault:
    """The fault an HTTP status code means, the same for every backend."""
    if status == 401:
        return Fault.UNAUTHORISED
    if status == 403:
        return Fault.FORBIDDEN
    if status == 404:
        return Fault.NOT_FOUND
    if status == 429:
        return Fault.RATE_LIMITED
    return Fault.BAD_RESPONSE


@contextmanager
def translate_transport_errors(backend: str) -> Iterator[None]:
    """Map the transport exceptions of `requests` and `aiohttp` to BackendError.

    Library-specific exceptions (python-jenkins, PyGithub) are mapped in their own facade, inside this.
    """
    import aiohttp
    import requests

    try:
        yield
    except BackendError:
        raise
    except (requests.Timeout, asyncio.TimeoutError, TimeoutError) as exc:
        raise BackendError(backend, Fault.TIMED_OUT) from exc
    except (requests.ConnectionError, aiohttp.ClientConnectionError, ConnectionError) as exc:
        raise BackendError(backend, Fault.UNREACHABLE) from exc
    except aiohttp.ClientResponseError as exc:
        raise BackendError(backend, fault_for_status(exc.status), f"HTTP {exc.status}") from exc
    except aiohttp.ClientError as exc:  # a broken body (ClientPayloadError) and the like: unreadable answer
        raise BackendError(backend, Fault.BAD_RESPONSE, type(exc).__name__) from exc
    except ValueError as exc:  # malformed JSON (json.JSONDecodeError is a ValueError)
        raise BackendError(backend, Fault.BAD_RESPONSE, "malformed JSON") from exc


# Blocking clients wait on the network, not on the CPU. asyncio.to_thread's default executor has cpu_count + 4
# threads (6 on two cores): the 7th Jenkins or GitHub call of a busy minute would queue behind the others.
BLOCKING_CALL_THREADS = 32
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _blocking_calls() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:  # created on first use, never at import time
            _executor = ThreadPoolExecutor(BLOCKING_CALL_THREADS, thread_name_prefix="backend-call")
        return _executor


async def in_thread(backend: str, call: Callable, *args, **kwargs):
    """Run a blocking client call (python-jenkins, PyGithub) off the event loop, with transport errors
    translated. The clients have their own per-request timeouts."""
    with translate_transport_errors(backend):
        context = contextvars.copy_context()  # as asyncio.to_thread does
        return await asyncio.get_running_loop().run_in_executor(
            _blocking_calls(), functools.partial(context.run, call, *args, **kwargs))
