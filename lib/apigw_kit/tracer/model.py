"""What a trace is made of: its hops, the outcome they predict, and the walk's common ground."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from http import HTTPStatus

import pandas as pd

HOP_COLUMNS = ["hop", "component", "id", "verdict", "reason"]
UNREACHABLE = "unreachable (timeout)"


@dataclass
class Hop:
    hop: str
    component: str
    id: str
    verdict: str  # ok | fail | warn | skip
    reason: str
    status: int | None = None  # the response a failing hop produces; None = no response (timeout)


@dataclass
class Trace:
    """The hops of one traced request and the outcome they predict."""
    url: str
    method: str
    source: str
    host: str
    hops: list[Hop] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([[getattr(h, c) for c in HOP_COLUMNS] for h in self.hops], columns=HOP_COLUMNS)

    @property
    def failure(self) -> Hop | None:
        return next((h for h in self.hops if h.verdict == "fail"), None)

    @property
    def warnings(self) -> list[Hop]:
        return [h for h in self.hops if h.verdict == "warn"]

    @property
    def status(self) -> int | None:
        """Predicted HTTP status; None when the client gets no response at all."""
        failure = self.failure
        return 200 if failure is None else failure.status

    @property
    def outcome(self) -> str:
        if self.status is None:
            return UNREACHABLE
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    @property
    def reason(self) -> str:
        failure = self.failure
        if failure is None:
            return "every hop admits the request" + (f" ({len(self.warnings)} warning(s))" if self.warnings else "")
        return f"{failure.hop}: {failure.reason}"

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"Trace({self.method} {self.url} from {self.source}: {self.outcome})"

    def _repr_html_(self) -> str:
        return (f"<p><b>{self.method} {self.url}</b> from <code>{self.source}</code> (Host {self.host}): "
                f"<b>{self.outcome}</b>; {self.reason}</p>" + self.frame.to_html(index=False))


class _Stop(Exception):
    """Raised by a failing hop: the request goes no further."""


@dataclass(frozen=True)
class _Source:
    label: str
    kind: str  # internet | vpc | network
    vpc_id: str | None = None
    network: ipaddress.IPv4Network | None = None


class _Hops:
    """The state every layer of the walk shares, and how a layer records a hop or stops the request."""
    cloud: object
    trace: Trace
    source: _Source
    path: str
    port: int
    ec2: object  # the clients the layers read with
    elb: object
    v1: object  # apigateway (REST APIs, VPC links v1)
    v2: object  # apigatewayv2 (HTTP APIs, VPC links v2, custom domains)

    def add(self, hop: str, component: str, id: str, verdict: str, reason: str, status: int | None = None) -> None:
        self.trace.hops.append(Hop(hop, component, id or "", verdict, reason, status))

    def fail(self, hop: str, component: str, id: str, reason: str, status: int | None) -> None:
        self.add(hop, component, id, "fail", reason, status)
        raise _Stop
