"""Send a request for real and show what came back beside what the tracer predicted.

On the embedded AWS the request goes to its data plane (``apigw_kit.local.data_plane``) with the Host header
naming what it calls and a header declaring where it comes from; on a real account it goes to the URL itself,
from this machine, with a bounded timeout.
"""
from __future__ import annotations

import html
import json
import shlex
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException
from urllib.parse import urlsplit

from .local.data_plane import CONNECT_HEADER, HOP_HEADER, SCHEME_HEADER, SOURCE_HEADER
from .tracer import UNREACHABLE, Trace

PROBE_TIMEOUT = 10.0  # seconds; API Gateway gives up on an integration after 29-30 s, a client should not wait that long here


@dataclass
class Observation:
    """One request sent and what came back: status (None: no response), body, the hop that answered, the trace."""
    method: str
    url: str
    status: int | None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    trace: Trace | None = None

    @property
    def outcome(self) -> str:
        return UNREACHABLE if self.status is None else f"{self.status} {self.reason}".strip()

    @property
    def hop(self) -> str:
        """The hop that answered, as the data plane names it ('' from a real account)."""
        return self.headers.get(HOP_HEADER, "")

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def agrees(self) -> bool | None:
        """Whether the tracer predicted this status (None without a trace)."""
        return None if self.trace is None else self.trace.status == self.status

    def __repr__(self) -> str:
        answered = f" (answered at {self.hop})" if self.hop else ""
        return f"{self.method} {self.url} -> {self.outcome}{answered}\n{self.body[:500]}"

    def _repr_html_(self) -> str:
        hop = f"; answered at <code>{html.escape(self.hop)}</code>" if self.hop else ""
        observed = (f"<p><b>{self.method} {html.escape(self.url)}</b>: <b>{html.escape(self.outcome)}</b>{hop}</p>"
                    f"<pre>{html.escape(self.body[:2000])}</pre>")
        if self.trace is None:
            return observed
        agreement = "agrees with" if self.agrees else "<b>differs from</b>"
        return (f"<div style='display:flex;gap:2em'><div>{observed}<p>The response {agreement} the prediction.</p></div>"
                f"<div>{self.trace._repr_html_()}</div></div>")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None,
          timeout: float = PROBE_TIMEOUT) -> tuple[int | None, str, dict[str, str], str]:
    """(status, reason, headers, body) of one request; status None when no response came (timeout, closed, refused)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.reason, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.reason, dict(exc.headers), exc.read().decode(errors="replace")
    except (urllib.error.URLError, HTTPException, OSError):
        return None, "", {}, ""


def addressed(cloud, url: str, source: str = "internet", host: str | None = None) -> tuple[str, dict[str, str]]:
    """Where to send a request for ``url`` and the headers that say what it calls: the data plane on the embedded
    AWS, the URL itself on a real account."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if cloud.backend != "local":
        return parts.geturl(), ({"Host": host} if host else {})
    from .local import data_plane_url
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": host or parts.netloc, SOURCE_HEADER: source, SCHEME_HEADER: parts.scheme,
               **({CONNECT_HEADER: parts.netloc} if host else {})}
    return data_plane_url(cloud.endpoint_url) + path, headers


def send(cloud, trace: Trace, headers: dict[str, str] | None = None, body: bytes | None = None,
         timeout: float = PROBE_TIMEOUT) -> Observation:
    """Send the request ``trace`` followed (its URL, method, source and Host) and observe the answer."""
    host = trace.host if trace.host != urlsplit(trace.url).hostname else None
    url, addressing = addressed(cloud, trace.url, trace.source, host)
    status, reason, received, text = fetch(url, trace.method, {**(headers or {}), **addressing}, body, timeout)
    return Observation(trace.method, trace.url, status, reason, received, text, trace)


def curl(cloud, trace: Trace, timeout: float = PROBE_TIMEOUT) -> str:
    """A curl command line sending the request ``trace`` followed (through the data plane on the embedded AWS)."""
    host = trace.host if trace.host != urlsplit(trace.url).hostname else None
    url, addressing = addressed(cloud, trace.url, trace.source, host)
    words = ["curl", "-i", "--max-time", f"{timeout:g}", "-X", trace.method]
    for name, value in addressing.items():
        words += ["-H", f"{name}: {value}"]
    return " ".join(shlex.quote(w) for w in words + [url])
