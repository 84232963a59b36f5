"""The embedded AWS: moto's server app on 127.0.0.1 plus the kit's fidelity rules.

The server runs in a thread of the current process (as moto's
ThreadedMotoServer does), so the fidelity rules, which patch moto's models,
apply to every request it serves. ``/_apigw_kit/*`` is a small admin API for
what has no AWS API: the clock, load balancer scaling, reset.
"""
from __future__ import annotations

import json
import threading
import urllib.request
from typing import Callable

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from . import rules
from .clock import CLOCK, DEFAULT_SCALE, REALISTIC_DELAYS

DEFAULT_SEED = 42
ADMIN_PREFIX = "/_apigw_kit/"

# name -> handler(body: dict) -> dict; rules add their own (e.g. "scale").
ADMIN_ROUTES: dict[str, Callable[[dict], dict]] = {}


def admin_route(name: str):
    def register(handler: Callable[[dict], dict]):
        ADMIN_ROUTES[name] = handler
        return handler
    return register


@admin_route("clock")
def _clock(body: dict) -> dict:
    if body:
        CLOCK.configure(body.get("scale"), body.get("delays"))
    return CLOCK.as_dict()


@admin_route("rules")
def _rules(body: dict) -> dict:
    return {"rules": [{"name": r.name, "mirrors": r.mirrors} for r in rules.RULES]}


class _AdminMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ADMIN_PREFIX):
            return self.app(environ, start_response)
        request = Request(environ)
        handler = ADMIN_ROUTES.get(path[len(ADMIN_PREFIX):].strip("/"))
        if handler is None:
            response = Response(json.dumps({"error": f"no admin route {path}"}), 404, mimetype="application/json")
        else:
            try:
                body = json.loads(request.get_data() or b"{}")
                response = Response(json.dumps(handler(body)), 200, mimetype="application/json")
            except (ValueError, KeyError, LookupError) as exc:
                response = Response(json.dumps({"error": str(exc)}), 400, mimetype="application/json")
        return response(environ, start_response)


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request drowns notebook output
        pass


class EmbeddedAWS:
    """moto's server with the fidelity rules, bound to 127.0.0.1."""

    def __init__(self, port: int = 0, seed: int = DEFAULT_SEED):
        self.port = port
        self.seed = seed
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "EmbeddedAWS":
        rules.install_all()
        app = _AdminMiddleware(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="apigw-kit-local", daemon=True)
        self._thread.start()
        seed_endpoint(self.url, self.seed)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None


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


def reset(url: str, seed: int = DEFAULT_SEED) -> None:
    """Wipe every resource in the embedded account, reseed it and put the clock back to its defaults."""
    _post(f"{url}/moto-api/reset")
    seed_endpoint(url, seed)
    admin(url, "clock", {"scale": DEFAULT_SCALE, "delays": REALISTIC_DELAYS})
