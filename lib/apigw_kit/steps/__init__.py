"""Idempotent provisioning steps, one module per resource family.

Each ``ensure_*`` looks for the lab's resource (by tag or, for untaggable
sub-resources, by its lab-owned parent) and creates only what is missing, so
a second run makes no mutating call. Each module also registers the resource
kinds it creates with ``register``, telling teardown how to list and delete
them and in which order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# Stage-wide throttling of the labs' APIs (burst, requests per second), well under the account's per-Region limits
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html,
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
STAGE_BURST_LIMIT, STAGE_RATE_LIMIT = 20, 10.0


@dataclass(frozen=True)
class Found:
    """A lab resource as listing finds it."""
    type: str
    id: str
    name: str = ""
    state: str = ""
    extra: tuple = ()  # (key, value) pairs a delete needs, kept hashable


@dataclass(frozen=True)
class Kind:
    type: str
    order: int  # teardown deletes lower orders first
    find: Callable[..., list[Found]]
    delete: Callable[..., None]


KINDS: dict[str, Kind] = {}


def register(type: str, order: int, find: Callable, delete: Callable) -> None:
    KINDS[type] = Kind(type, order, find, delete)


def name_of(tags) -> str:
    if isinstance(tags, list):
        tags = {t["Key"]: t["Value"] for t in tags}
    return (tags or {}).get("Name", "")


def all_kinds() -> list[Kind]:
    """Every registered kind, in teardown order (importing the families registers them)."""
    from . import apigw_domains, apigw_http, apigw_rest, cloudmap, dns, elb, endpoints, functions, network  # noqa: F401
    return sorted(KINDS.values(), key=lambda k: k.order)
