"""Shared by the Grafana tests: the Acme sandbox, a clean facade state per test, and PNG inspection.

Fixtures are imported by the test modules under their `*_fixture` names and used by their `name=`."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
import requests

from backends.grafana import service as grafana_service
from common import settings as settings_module
from sandbox.server import Fault, RunningSandbox
from tests.conftest import TEST_CREDENTIALS, WORLDS, start_sandbox

GRAFANA_GREEN = (0x73, 0xBF, 0x69)


@pytest.fixture(autouse=True)
def fresh_grafana_client() -> Iterator[None]:
    """No name list cached from another test or world, and no session left over from another event loop."""
    grafana_service.clear_cache()
    yield
    grafana_service.clear_cache()
    grafana_service.forget_session()


@pytest.fixture(scope="session", name="acme_sandbox")
def acme_sandbox_fixture() -> Iterator[RunningSandbox]:
    sandbox = start_sandbox(WORLDS / "acme.yaml")
    yield sandbox
    sandbox.stop_thread()


@pytest.fixture(name="acme")
def acme_fixture(acme_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The Acme world (names opsbot never saw in training), settings pointed at it."""
    for service in acme_sandbox.apps:
        acme_sandbox.state(service).counts.clear()
        acme_sandbox.state(service).fault = Fault()
    # only Grafana: the other backends' sections of the Acme world may not exist
    monkeypatch.setenv("GRAFANA_URL", acme_sandbox.url("grafana"))
    monkeypatch.setenv("GRAFANA_TOKEN", TEST_CREDENTIALS["GRAFANA_TOKEN"])
    settings_module.reset()
    yield acme_sandbox
    settings_module.reset()


@pytest.fixture(name="no_renderer")
def no_renderer_fixture(petclinic: RunningSandbox) -> Iterator[str]:
    """The Pet Clinic Grafana without its image renderer plugin (Grafana's placeholder image)."""
    url = petclinic.url("grafana")
    requests.post(url + "/_sandbox/renderer", json={"available": False}, timeout=5)
    yield url
    requests.post(url + "/_sandbox/renderer", json={"available": True}, timeout=5)


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_CREDENTIALS['GRAFANA_TOKEN']}"}


def grafana_stats(sandbox: RunningSandbox) -> dict[str, int]:
    return requests.get(sandbox.url("grafana") + "/_sandbox/stats", timeout=5).json()["by_path"]


def reset_stats(sandbox: RunningSandbox) -> None:
    requests.delete(sandbox.url("grafana") + "/_sandbox/stats", timeout=5)


def set_fault(sandbox: RunningSandbox, **fault: object) -> None:
    requests.post(sandbox.url("grafana") + "/_sandbox/fault", json=fault, timeout=5)


def decode_png(data: bytes):
    """The PNG as a Pillow image (raises if it does not decode)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def decode_data_url(url: str):
    assert url.startswith("data:image/png;base64,"), url[:40]
    data = base64.b64decode(url.split(",", 1)[1])
    return data, decode_png(data)


def green_columns(image) -> list[int]:
    """x positions where the series line (Grafana green) is drawn."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    pixels = rgb.load()
    return [x for x in range(width) if any(
        all(abs(c - g) < 30 for c, g in zip(pixels[x, y], GRAFANA_GREEN, strict=True)) for y in range(0, height, 2))]
