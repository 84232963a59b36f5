"""Reliability suite helpers: every registered pattern, fault and throttling injection, account listings.

Faults are raised the way AWS raises them: as ClientError with the code the
service returns (``Injector``), either before the request reaches the
server (the call was refused) or after the server acted on it (the answer
was lost). Throttling is answered at the HTTP level (``throttle``) so the
kit's clients see real 4xx/5xx responses and botocore's retry logic runs.
"""
from __future__ import annotations

import json
import random

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore import retryhandler

from apigw_kit import connect
from apigw_kit.cloud import is_mutating
from apigw_kit.local import admin, reset
from apigw_kit.patterns import MODULES, load

from account_listing import Account
from figures import FIGURES_KEY, add_figures

REGION = "eu-west-1"
LAB = "rel"
PATTERNS = sorted(MODULES)

# What each service answers when it fails internally (service name -> (code, HTTP status)).
FAULTS = {"ec2": ("InternalError", 500), "elbv2": ("InternalFailure", 500),
          "apigatewayv2": ("ServiceUnavailableException", 503), "apigateway": ("ServiceUnavailableException", 503),
          "lambda": ("ServiceException", 500), "iam": ("ServiceFailure", 500), "route53": ("ServiceUnavailable", 503)}
DEFAULT_FAULT = ("InternalFailure", 500)


def client_error(service: str, operation: str, code: str, status: int, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


class Injector:
    """Fails the ``k``-th mutating call (0-based) of a cloud once, refused or with its answer lost."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.k: int | None = None
        self.mode = "refused"
        self.seen = 0
        self.mutating: list[str] = []  # "service:Operation" of every mutating call since arm()
        self.fired: str | None = None
        cloud.on_call(self._before)
        cloud.on_event("after-call", self._after)

    def arm(self, k: int | None, mode: str = "refused") -> "Injector":
        """Fail mutating call ``k`` from now on (None: only record the calls)."""
        self.k, self.mode, self.seen, self.mutating, self.fired = k, mode, 0, [], None
        return self

    def disarm(self) -> None:
        self.k = None

    def _before(self, service, operation, params):
        if not is_mutating(operation):
            return
        self.mutating.append(f"{service}:{operation}")
        self.seen += 1
        if self.mode == "refused" and self.k is not None:
            self._maybe_fire(service, operation)

    def _after(self, model, **_):
        if self.mode == "lost" and self.k is not None and is_mutating(model.name) and self.seen - 1 == self.k:
            self._maybe_fire(model.service_model.service_name, model.name)

    def _maybe_fire(self, service, operation):
        if self.seen - 1 != self.k or self.fired:
            return
        self.fired = f"{service}:{operation}"
        code, status = FAULTS.get(service, DEFAULT_FAULT)
        raise client_error(service, operation, code, status, f"injected fault at mutating call {self.k} ({self.mode})")


# Throttling --------------------------------------------------------------------------
class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def throttling_response(sid: str, request) -> AWSResponse:
    """The HTTP answer ``sid`` gives a throttled request, in that service's protocol."""
    if sid == "ec2":
        body = ("<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                "</Message></Error></Errors><RequestID>throttled</RequestID></Response>")
        return AWSResponse(request.url, 503, {}, _Body(body.encode()))
    if sid in ("api-gateway", "apigatewayv2", "lambda"):
        return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "TooManyRequestsException",
                                              "Content-Type": "application/json"},
                           _Body(json.dumps({"message": "Too Many Requests"}).encode()))
    content_type = request.headers.get("Content-Type", b"")
    if b"amz-json" in (content_type if isinstance(content_type, bytes) else content_type.encode()):
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"},
                           _Body(json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()))
    body = ("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            "</Error><RequestId>throttled</RequestId></ErrorResponse>")
    return AWSResponse(request.url, 400, {}, _Body(body.encode()))


class Throttle:
    """Answers a seeded ``rate`` of a cloud's HTTP requests with the service's throttling error."""

    def __init__(self, cloud, rate: float, seed: int):
        self.rate, self.random = rate, random.Random(seed)
        self.throttled = 0
        self.sent = 0
        cloud.on_event("before-send", self._before_send)

    def _before_send(self, request, event_name: str, **_):
        self.sent += 1
        if self.random.random() >= self.rate:
            return None
        self.throttled += 1
        return throttling_response(event_name.split(".")[1], request)


@pytest.fixture
def instant_retries(monkeypatch):
    """botocore's backoff without the sleep: tests count attempts, they need not wait them out."""
    monkeypatch.setattr(retryhandler, "delay_exponential", lambda base, growth_factor, attempts: 0)


# Runs --------------------------------------------------------------------------------
def new_cloud():
    return connect("local", REGION)


def make_run(pattern: str, cloud, **params):
    return load(pattern)(cloud=cloud, **{"lab_name": LAB, **params})


def clean_slate(endpoint: str) -> Account:
    """Reset the embedded account and list it (the baseline every case must return to); the clock keeps its scale."""
    scale = admin(endpoint, "clock")["scale"]
    reset(endpoint)
    admin(endpoint, "clock", {"scale": scale})
    return Account(endpoint, (REGION,))


def listing(endpoint: str) -> Account:
    return Account(endpoint, (REGION,))


# Figures ------------------------------------------------------------------------------
# What the suite did, counted by the tests as they go; printed at the end (make reliability).
FIGURES: dict[str, int] = dict.fromkeys(
    ["faults injected", "faults survived", "leaks found", "bad inputs rejected", "throttled calls retried"], 0)


def count(figure: str, n: int = 1) -> None:
    FIGURES[figure] += n


def pytest_sessionfinish(session) -> None:
    """Hand the figures to the summary that tests/conftest.py prints: an xdist worker's go to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput[FIGURES_KEY] = dict(FIGURES)
    else:
        add_figures(session.config, FIGURES)


@pytest.fixture(params=PATTERNS)
def pattern(request) -> str:
    return request.param
