"""Talking to an embedded AWS over HTTP: seed, reset, admin routes.

Kept apart from server.py so that a process using an embedded AWS started
elsewhere (``AWS_ENDPOINT_URL``: a notebook kernel, a test, the CLI) does not
import moto and its server, which take seconds to import.
"""
from __future__ import annotations

import json
import urllib.request

from .clock import DEFAULT_SCALE, REALISTIC_DELAYS

DEFAULT_SEED = 42
ADMIN_PREFIX = "/_apigw_kit/"


def _post(url: str, data: bytes = b"") -> bytes:
    request = urllib.request.Request(url, data=data, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def seed_endpoint(url: str, seed: int = DEFAULT_SEED) -> None:
    """Seed moto's id generator so resource ids repeat from run to run."""
    _post(f"{url}/moto-api/seed?a={int(seed)}")


def admin(url: str, name: str, body: dict | None = None) -> dict:
    """Call an admin route of an embedded AWS at ``url``."""
    return json.loads(_post(f"{url}{ADMIN_PREFIX}{name}", json.dumps(body or {}).encode()))


def data_plane_url(url: str) -> str:
    """Where the data plane of the embedded AWS at ``url`` serves API traffic (see data_plane.py)."""
    return admin(url, "data-plane")["url"]


def reset(url: str, seed: int = DEFAULT_SEED) -> None:
    """Wipe every resource in the embedded account, reseed it and put the clock back to its defaults."""
    _post(f"{url}/moto-api/reset")
    seed_endpoint(url, seed)
    admin(url, "clock", {"scale": DEFAULT_SCALE, "delays": REALISTIC_DELAYS})
