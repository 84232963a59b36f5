"""An in-process transport: botocore requests handed straight to an embedded AWS of this process.

A client of an embedded AWS that runs in the same process (a test session, a
kernel that started its own) need not go through a socket, the HTTP server's
thread and a parse of the answer: its requests become WSGI calls on the same
app the server runs, with the environ werkzeug's server would build. Same
app, same moto backends, same seeded generator: the ids are those an HTTP
client gets. A process that shares an embedded AWS started elsewhere
(``AWS_ENDPOINT_URL`` of another process) finds no app here and keeps HTTP.
"""
from __future__ import annotations

import io
import sys
import threading
from typing import Callable
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from urllib3 import HTTPHeaderDict

_apps: dict[str, Callable] = {}  # URL of an embedded AWS of this process -> its WSGI app
_lock = threading.Lock()


def serve_in_process(url: str, app: Callable | None) -> None:
    """Register (or, with None, forget) the WSGI app of the embedded AWS this process serves at ``url``."""
    with _lock:
        if app is None:
            _apps.pop(url.rstrip("/"), None)
        else:
            _apps[url.rstrip("/")] = app


def attach(client, url: str | None) -> bool:
    """Send ``client``'s requests in-process when ``url`` is served by this process; True if so."""
    app = _apps.get((url or "").rstrip("/"))
    if app is None:
        return False
    # botocore has no public hook to replace the HTTP sender; before-send handlers all run (a throttling
    # test's answer and this one would both act), so the endpoint's session is swapped instead.
    client._endpoint.http_session = InProcessSession(app)
    return True


class _Body(io.BytesIO):
    """The answer's bytes, readable as botocore reads a urllib3 response (stream() or read())."""

    def stream(self, **_):
        yield self.getvalue()


def _latin1(value: str) -> str:
    # WSGI carries text as latin-1 code points of the UTF-8 bytes (PEP 3333), as werkzeug's server does
    return value.encode("utf-8").decode("latin-1")


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _environ(request: AWSPreparedRequest) -> dict:
    """The environ werkzeug's server (serving.WSGIRequestHandler.make_environ) builds for ``request``."""
    url = urlsplit(request.url)
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    raw_uri = url.path + (f"?{url.query}" if url.query else "")
    environ = {
        "wsgi.version": (1, 0), "wsgi.url_scheme": url.scheme or "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": _latin1(unquote(url.path)),
        "QUERY_STRING": _latin1(url.query), "REQUEST_URI": _latin1(raw_uri), "RAW_URI": _latin1(raw_uri),
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": 0, "SERVER_NAME": url.hostname or "127.0.0.1",
        "SERVER_PORT": str(url.port or 80), "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": url.netloc, "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        value = _text(value)
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value
    return environ


class InProcessSession:
    """Stands in for botocore's URLLib3Session: ``send(request)`` calls the WSGI app directly."""

    def __init__(self, app: Callable):
        self.app = app

    def send(self, request: AWSPreparedRequest) -> AWSResponse:
        answer: dict = {}

        def start_response(status: str, headers: list, exc_info=None):
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers
            return lambda data: None

        chunks = self.app(_environ(request), start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        headers = HTTPHeaderDict()
        for name, value in answer["headers"]:
            headers.add(name, value)
        return AWSResponse(request.url, answer["status"], headers, _Body(body))

    def close(self) -> None:
        pass
