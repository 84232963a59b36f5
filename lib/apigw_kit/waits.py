"""Waiting for AWS resources: polling with a progress bar, a timeout and a useful error.

Times are *simulated* seconds: on a real account they are real seconds, on the
embedded AWS they are multiplied by the server's clock scale, so a wait for a
three-minute load balancer takes a fraction of a second locally.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

from botocore.exceptions import ClientError
from tqdm import tqdm  # plain text bar: renders in terminals, CI logs and notebooks alike

from .errors import WaitTimeout

# The bar appears only when a wait lasts longer than this (real seconds): quick
# local waits print nothing, which keeps notebook outputs reproducible.
BAR_DELAY = 2.0
# Scaled down, ten simulated minutes are 0.6 real seconds: shorter than one slow answer from a
# server on a loaded machine. On the embedded AWS no wait gives up before this many real seconds.
MIN_REAL_TIMEOUT = 30.0


def wait_for(cloud, resource: str, read_state: Callable[[], str], ready: set[str], *,
             failed: frozenset[str] = frozenset(), timeout: float = 600, poll: float = 10,
             cause: str = "") -> str:
    """Poll ``read_state`` until it returns a state in ``ready``; return that state.

    Raises WaitTimeout naming the resource, its last state and ``cause`` (what
    usually keeps it there) on timeout, or as soon as a ``failed`` state shows.
    """
    scale = cloud.time_scale
    deadline = timeout * scale if scale >= 1 else max(timeout * scale, MIN_REAL_TIMEOUT)  # real seconds
    start = time.monotonic()
    state = read_state()
    bar = None  # created only once the wait has lasted BAR_DELAY real seconds
    try:
        while state not in ready:
            if state in failed:
                raise WaitTimeout(f"{resource} is {state}. {cause}".strip())
            real = time.monotonic() - start
            elapsed = real / scale if scale else 0
            if real >= deadline:
                raise WaitTimeout(f"{resource} still {state} after {timeout:.0f}s. {cause}".strip())
            if bar is None and real >= BAR_DELAY:
                bar = tqdm(total=round(timeout), desc=f"waiting for {resource}", unit="s", leave=False)
            if bar is not None:
                bar.n = min(round(elapsed), bar.total)
                bar.set_postfix_str(state)
            time.sleep(poll * scale)
            state = read_state()
    finally:
        if bar is not None:
            bar.close()
    return state


def wait_deleted(cloud, resource: str, read_state: Callable[[], str], gone: set[str], *,
                 timeout: float = 600, poll: float = 10, cause: str = "") -> None:
    """Wait until ``read_state`` fails with one of the ``gone`` error codes (or returns "deleted"):
    a delete call returns while the resource is still being deleted."""
    def state() -> str:
        try:
            return read_state()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in gone:
                return "deleted"
            raise
    wait_for(cloud, resource, state, {"deleted"}, timeout=timeout, poll=poll, cause=cause)


class Deadline:
    """One budget of simulated seconds of waiting that several waits draw on in turn."""

    def __init__(self, seconds: float):
        self.left = seconds

    def remaining(self) -> float:
        return max(self.left, 0.0)

    def spend(self, seconds: float) -> None:
        self.left -= seconds


_SHARED: ContextVar[Deadline | None] = ContextVar("apigw_kit_shared_deadline", default=None)


@contextmanager
def shared_deadline(seconds: float) -> Iterator[Deadline]:
    """Within the block, every ``retry_while(..., shared=True)`` waits within one budget of ``seconds``
    in all (teardown: every security group, subnet and VPC waiting for ENIs to be released)."""
    token = _SHARED.set(Deadline(seconds))
    try:
        yield _SHARED.get()
    finally:
        _SHARED.reset(token)


def retry_while(cloud, resource: str, call: Callable[[], object], codes: set[str], *,
                timeout: float = 600, poll: float = 5, shared: bool = False) -> object:
    """Call ``call`` until it stops failing with one of ``codes`` (e.g. DependencyViolation), waiting ``poll``
    simulated seconds between attempts and ``timeout`` of them at most.

    ``shared``: within a ``shared_deadline`` block, wait no longer than what is left of it. Both budgets count
    the waiting, not the calls: scaled down, 900 simulated seconds are less than a teardown's calls take on a
    loaded machine, and on AWS the calls are small beside the waits.
    """
    scale = cloud.time_scale
    deadline = _SHARED.get() if shared else None
    waited = 0.0
    while True:
        try:
            return call()
        except ClientError as exc:
            # No real-time floor here: a dependency that will never clear (a foreign resource still using it) is
            # common, and teardown reports it rather than waiting on it. At scale 0 whatever AWS would release
            # on its own is released already: a dependency still there stays.
            spent = waited >= timeout or (deadline is not None and deadline.remaining() <= 0)
            if exc.response["Error"]["Code"] not in codes or not scale or spent:
                raise
            time.sleep(poll * scale)
            waited += poll
            if deadline is not None:
                deadline.spend(poll)
