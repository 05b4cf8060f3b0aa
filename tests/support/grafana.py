"""Shared by the Grafana tests: the sandbox's request counts and faults, and PNG inspection. The Grafana tests'
fixtures (a clean facade state per test, the Acme sandbox, no image renderer) are in tests/grafana/conftest.py."""

from __future__ import annotations

import base64
import io

import requests

from sandbox.server import RunningSandbox
from tests.support.sandbox import TEST_CREDENTIALS

GRAFANA_GREEN = (0x73, 0xBF, 0x69)


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
