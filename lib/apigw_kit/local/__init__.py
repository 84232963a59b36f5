"""The embedded local AWS (moto server + fidelity rules). See server.py.

moto's server is imported only when this process starts one (``EmbeddedAWS``,
or ``endpoint()`` without ``AWS_ENDPOINT_URL``): a kernel that talks to an
embedded AWS started elsewhere needs only the HTTP client side (client.py);
one that started its own sends its calls in-process (transport.py).
"""
from __future__ import annotations

import os
import threading

from . import transport
from .clock import CLOCK, Clock
from .client import DEFAULT_SEED, admin, data_plane_url, reset, seed_endpoint

# The clock scale of an embedded AWS this process starts. Committed notebook outputs are made and checked (make golden,
# nbval) at scale 0: provisioning then completes on the next describe, whatever the machine's speed, so what a table
# shows at a given cell depends on the calls made, not on how fast they were made.
CLOCK_SCALE_VARIABLE = "APIGW_KIT_CLOCK_SCALE"
_lock = threading.Lock()
_embedded: EmbeddedAWS | None = None


def endpoint() -> str:
    """URL of the embedded AWS: ``AWS_ENDPOINT_URL`` when set, else one started in this process."""
    global _embedded
    if os.environ.get("AWS_ENDPOINT_URL"):
        return os.environ["AWS_ENDPOINT_URL"]
    with _lock:
        if _embedded is None:
            from .server import EmbeddedAWS
            if os.environ.get(CLOCK_SCALE_VARIABLE):
                CLOCK.configure(scale=float(os.environ[CLOCK_SCALE_VARIABLE]))
            _embedded = EmbeddedAWS().start()
        return _embedded.url


def scale_load_balancer(url: str, load_balancer_arn: str, enis_per_subnet: int) -> list[dict]:
    """Scale an ALB of the embedded AWS at ``url`` to ``enis_per_subnet`` managed ENIs per subnet.

    Returns the load balancer's ENIs as ``[{id, subnet_id, private_ip}]``.
    """
    body = {"load_balancer_arn": load_balancer_arn, "enis_per_subnet": enis_per_subnet}
    return admin(url, "scale", body)["enis"]


def __getattr__(name: str):
    if name == "EmbeddedAWS":
        from .server import EmbeddedAWS
        return EmbeddedAWS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CLOCK", "Clock", "DEFAULT_SEED", "EmbeddedAWS", "admin", "data_plane_url", "endpoint", "reset", "scale_load_balancer", "seed_endpoint", "transport",
]
