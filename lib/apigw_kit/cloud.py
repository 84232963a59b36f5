"""connect(): choose the backend, make counted and guarded clients.

The same code runs against the embedded AWS and a real account; only the
session and endpoint differ. Every API call goes through two botocore event
hooks: one counts it (per service and operation, mutating or read), one stops
a mutating call against a real account unless the caller confirmed the account.
"""
from __future__ import annotations

import functools
import re
import socket
import threading
import urllib.parse
from collections import Counter, deque
from dataclasses import dataclass
from functools import cached_property

import boto3
import pandas as pd
from botocore.config import Config

from . import local
from .api_calls import LOG_LIMIT, Call, Made, compact
from .errors import AccountNotConfirmed, ParameterError

BACKENDS = ("local", "aws")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
LOCAL_ACCOUNT = "123456789012"  # moto's default account id
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Lookup", "Search", "Test")
TAG_MEMBERS = ("Tags", "TagSpecifications", "tags")  # how botocore's models name tags given at creation


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


@dataclass(frozen=True)
class Mark:
    """A point in a connection's calls (see CallCounter.mark)."""
    seq: int
    counts: Counter


class CallCounter:
    """Counts API calls per (service, operation) and logs the mutating ones in order, parameters compacted; thread-safe."""

    def __init__(self):
        self._counts: Counter[tuple[str, str]] = Counter()
        self._tagged: set[str] = set()
        self._log: deque[Call] = deque(maxlen=LOG_LIMIT)
        self._seq = 0  # mutating calls recorded so far
        self._lock = threading.Lock()

    def record(self, service: str, operation: str, params: dict | None = None) -> None:
        tagged = any((params or {}).get(m) for m in TAG_MEMBERS)
        shown = compact(params) if is_mutating(operation) else ""  # outside the lock: formatting takes a while
        with self._lock:
            self._counts[(service, operation)] += 1
            if tagged:
                self._tagged.add(f"{service}:{operation}")
            if is_mutating(operation):
                self._seq += 1
                self._log.append(Call(self._seq, service, operation, shown))

    def mark(self) -> Mark:
        with self._lock:
            return Mark(self._seq, Counter(self._counts))

    def made_since(self, mark: Mark) -> Made:
        """The mutating calls after ``mark`` in order, and the operations read."""
        with self._lock:
            changes = [c for c in self._log if c.seq > mark.seq]
            lost = self._seq - mark.seq - len(changes)
            delta = self._counts - mark.counts
        reads = sorted(f"{s}.{op}" for (s, op) in delta if not is_mutating(op))
        return Made(changes, reads, lost)

    def tagged(self) -> set[str]:
        """``service:Operation`` names called with tags in the request (tag-on-create, see iam.py)."""
        with self._lock:
            return set(self._tagged)

    def totals(self) -> dict[str, int]:
        with self._lock:
            mutating = sum(n for (_, op), n in self._counts.items() if is_mutating(op))
            total = sum(self._counts.values())
        return {"mutating": mutating, "read": total - mutating}

    def operations(self, mutating: bool | None = None) -> set[str]:
        """``service:Operation`` names called so far (e.g. for an IAM policy)."""
        with self._lock:
            return {f"{s}:{op}" for (s, op) in self._counts if mutating is None or is_mutating(op) == mutating}

    def frame(self) -> pd.DataFrame:
        with self._lock:
            rows = [
                {"service": s, "operation": op, "kind": "mutating" if is_mutating(op) else "read", "calls": n}
                for (s, op), n in sorted(self._counts.items())
            ]
        return pd.DataFrame(rows, columns=["service", "operation", "kind", "calls"])

    def snapshot(self) -> Counter:
        with self._lock:
            return Counter(self._counts)

    def since(self, snapshot: Counter) -> dict[str, int]:
        """Mutating and read calls made after ``snapshot`` was taken."""
        with self._lock:
            delta = self._counts - snapshot
        mutating = sum(n for (_, op), n in delta.items() if is_mutating(op))
        return {"mutating": mutating, "read": sum(delta.values()) - mutating}


class Cloud:
    """A backend, a region and counted clients. Make one with :func:`connect`."""

    def __init__(self, backend: str, region: str, session: boto3.Session,
                 endpoint_url: str | None, confirm_account: str | None):
        self.backend = backend
        self.region = region
        self.session = session
        self.endpoint_url = endpoint_url
        self.confirm_account = confirm_account
        self.calls = CallCounter()
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()
        self._confirmed = backend == "local"
        self.last_call: tuple[str, str] | None = None  # names the resource when a step fails
        self._call_hooks: list = []
        self._event_hooks: list[tuple[str, object]] = []
        self._regions: dict[str, Cloud] = {}
        # Legacy mode: standard mode's shared retry quota runs dry over a long apply under throttling
        # (seen in tests/reliability/test_throttling.py) and then stops retrying altogether.
        self._config = Config(region_name=region, retries={"mode": "legacy", "max_attempts": 10})

    def __repr__(self) -> str:
        where = self.endpoint_url or "AWS"
        return f"Cloud(backend={self.backend!r}, region={self.region!r}, endpoint={where!r})"

    def client(self, service: str):
        """A boto3 client with retries (throttling included), counted and (on ``aws``) guarded."""
        with self._lock:
            if service not in self._clients:
                client = self.session.client(service, endpoint_url=self.endpoint_url, config=self._config)
                if self.backend == "local":
                    local.transport.attach(client, self.endpoint_url)
                events = client.meta.events
                # before-parameter-build fires before anything is sent (and before a Stubber answers).
                events.register_first(f"before-parameter-build.{client.meta.service_model.service_id.hyphenize()}",
                                      self._before_call)
                for event, handler in self._event_hooks:
                    events.register(event, handler)
                self._clients[service] = client
            return self._clients[service]

    def on_call(self, hook) -> None:
        """Run ``hook(service, operation, params)`` before every call; it may raise (fault injection)."""
        self._call_hooks.append(hook)

    def on_event(self, event: str, handler) -> None:
        """Register a botocore event handler on this Cloud's clients only, present and future.

        Not on the session: local Clouds share one (see ``_local_session``), and a handler
        left there would reach every later Cloud in the process.
        """
        with self._lock:
            self._event_hooks.append((event, handler))
            for client in self._clients.values():
                client.meta.events.register(event, handler)

    def _before_call(self, model, params=None, **_):
        service = model.service_model.service_name
        if is_mutating(model.name) and not self._confirmed:
            self._check_account()
        self.calls.record(service, model.name, params)
        self.last_call = (service, model.name)
        for hook in self._call_hooks:
            hook(service, model.name, params)

    @cached_property
    def account_id(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]

    def check_account(self) -> None:
        """Refuse now, before anything is listed, unless this connection may change the account."""
        if not self._confirmed:
            self._check_account()

    def _check_account(self) -> None:
        if self.confirm_account is None:
            raise AccountNotConfirmed(
                f"refusing to change account {self.account_id} in {self.region}: "
                f"pass confirm_account='{self.account_id}' (the account these credentials belong to) to allow changes"
            )
        if str(self.confirm_account) != self.account_id:
            raise AccountNotConfirmed(
                f"confirm_account={self.confirm_account!r} but the credentials belong to account "
                f"{self.account_id}: check the profile, or set confirm_account='{self.account_id}'"
            )
        self._confirmed = True

    @cached_property
    def time_scale(self) -> float:
        """Real seconds per simulated second of provisioning (1.0 on AWS)."""
        if self.backend == "aws":
            return 1.0
        return float(local.admin(self.endpoint_url, "clock")["scale"])

    def services_used(self) -> set[str]:
        """Services this connection has made a client for, in any region."""
        with self._lock:
            return set(self._clients).union(*(set(other._clients) for other in self._regions.values()))

    def in_region(self, region: str) -> "Cloud":
        """This connection in another region (for global resources' region), sharing its counter and confirmation."""
        if region == self.region:
            return self
        with self._lock:
            if region not in self._regions:
                other = Cloud(self.backend, region, self.session, self.endpoint_url, self.confirm_account)
                other.calls, other._call_hooks, other._event_hooks = self.calls, self._call_hooks, self._event_hooks
                self._regions[region] = other
            return self._regions[region]

    def lab(self, name: str):
        from .lab import Lab
        return Lab(self, name)


@functools.lru_cache(maxsize=1)
def known_regions() -> tuple[str, ...]:
    """Regions EC2 is offered in, from botocore's bundled endpoint data (no network)."""
    session = boto3.Session()
    return tuple(session.get_available_regions("ec2") + session.get_available_regions("ec2", "aws-us-gov"))


def _validate_region(region: str) -> None:
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ParameterError("region", f"{region!r} is not an AWS region name", "use a name such as 'eu-west-1'")
    known = known_regions()
    if region not in known:
        raise ParameterError("region", f"{region!r} is not a region EC2 is offered in", f"use one of {', '.join(sorted(known)[:6])}, ...")


def _check_reachable(url: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 80), timeout=3).close()
    except (OSError, ValueError, TypeError) as exc:
        raise ParameterError(
            "AWS_ENDPOINT_URL", f"the embedded AWS at {url!r} does not answer ({exc})",
            "start one with `apigw-kit local serve`, or unset AWS_ENDPOINT_URL to start one in this process",
        ) from None


@functools.lru_cache(maxsize=1)
def _local_session() -> boto3.Session:
    # One session for every local Cloud: it caches the service models that make client creation slow.
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


def connect(backend: str = "local", region: str = "eu-west-1", profile: str | None = None,
            confirm_account: str | None = None) -> Cloud:
    """Connect to the embedded AWS (``local``) or a real account (``aws``).

    On ``aws`` nothing is changed unless ``confirm_account`` equals the id of
    the account the credentials belong to.
    """
    if backend not in BACKENDS:
        raise ParameterError("backend", f"{backend!r} is not a backend", f"use one of {', '.join(BACKENDS)}")
    _validate_region(region)
    if confirm_account is not None and not re.fullmatch(r"\d{12}", str(confirm_account)):
        raise ParameterError("confirm_account", f"{confirm_account!r} is not a 12-digit account id",
                             "pass the account id exactly as `aws sts get-caller-identity` prints it")
    if backend == "local":
        if profile is not None:
            raise ParameterError("profile", "profiles apply to backend 'aws' only", "drop profile, or use backend='aws'")
        url = local.endpoint()
        _check_reachable(url)
        return Cloud("local", region, _local_session(), url, confirm_account)
    session = boto3.Session(profile_name=profile, region_name=region)
    return Cloud("aws", region, session, None, confirm_account)
