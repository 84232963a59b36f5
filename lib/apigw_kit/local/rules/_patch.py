"""Helpers the rules share: idempotent method wrapping and creation stamps for the clock."""
from __future__ import annotations

import functools
from typing import Callable

from ..clock import CLOCK

_KEY = "_apigw_kit_rule"
_CREATED = "apigw_kit_created"


def wrap(owner: type, name: str, wrapper: Callable) -> None:
    """Replace ``owner.name`` by ``wrapper(original, *args, **kwargs)``, once per wrapper."""
    original = getattr(owner, name)
    key = f"{wrapper.__module__}.{wrapper.__qualname__}"
    layer = original
    while layer is not None:
        if getattr(layer, _KEY, None) == key:
            return
        layer = getattr(layer, "__wrapped__", None)

    @functools.wraps(original)
    def patched(*args, **kwargs):
        return wrapper(original, *args, **kwargs)

    setattr(patched, _KEY, key)
    setattr(owner, name, patched)


def _stamp(original, self, *args, **kwargs):
    original(self, *args, **kwargs)
    setattr(self, _CREATED, CLOCK.now())


def stamp_creation(model: type) -> None:
    """Record when each ``model`` object is created, in the clock's time."""
    wrap(model, "__init__", _stamp)


def created_at(obj: object) -> float:
    # Objects made before the rules were installed have no stamp: treat them as long ready.
    return getattr(obj, _CREATED, float("-inf"))


def provisioned(obj: object, kind: str) -> bool:
    return CLOCK.ready(kind, created_at(obj))
