"""The embedded AWS: moto's server app on 127.0.0.1 plus the kit's fidelity rules.

The server runs in a thread of the current process (as moto's
ThreadedMotoServer does), so the fidelity rules, which patch moto's models,
apply to every request it serves. This process's own clients skip the socket
(transport.py): same app, same rules, same ids. ``/_apigw_kit/*`` is a small admin API for
what has no AWS API: the clock, load balancer scaling, reset, and where the data plane listens.

Beside it runs the data plane (``data_plane.py``): API traffic for the labs, on a port of its own.
"""
from __future__ import annotations

import functools
import json
import random
import string
import threading
from typing import Callable

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

import moto.core.responses
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from . import rules
from .client import ADMIN_PREFIX, DEFAULT_SEED, admin, reset, seed_endpoint  # noqa: F401 (re-exported)
from .clock import CLOCK
from .data_plane import DataPlane
from .transport import serve_in_process

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
    return {"rules": [{"name": r.name, "mirrors": r.mirrors, "documentation": rules.documentation(r)}
                      for r in rules.RULES]}


_request_ids = random.Random()  # deliberately unseeded: request ids need not repeat


def _request_id(headerdict=None) -> str:
    request_id = "".join(_request_ids.choices(string.ascii_uppercase + string.digits, k=52))
    if headerdict is not None:
        headerdict["x-amzn-requestid"] = request_id
    return request_id


def _keep_ids_independent_of_reads() -> None:
    """moto draws every response's request id from the seeded generator, so the ids of what a run
    creates would depend on how many times it polled. Request ids come from their own generator."""
    moto.core.responses.gen_amzn_requestid_long = _request_id


# The kit's services whose operations moto finds by method and path (REST protocols): moto builds each one's
# route map on its first request (about a second for API Gateway alone), and caches it for the process.
REST_SERVICES = ("apigateway", "apigatewayv2", "lambda", "route53")


def _prepare_routes() -> None:
    """Build those route maps while the server starts, not in the middle of a lab's first listing."""
    for service in REST_SERVICES:
        get_service_router(service)._get_router(get_service_model(service).protocol)


class _AdminMiddleware:
    """The admin API in front of moto's app: the process-wide ADMIN_ROUTES, and routes of this server only
    (several embedded AWS can run in one process, each with its own data plane)."""

    def __init__(self, app, own_routes: dict[str, Callable[[dict], dict]]):
        self.app, self.own_routes = app, own_routes

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ADMIN_PREFIX):
            return self.app(environ, start_response)
        request = Request(environ)
        name = path[len(ADMIN_PREFIX):].strip("/")
        handler = self.own_routes.get(name) or ADMIN_ROUTES.get(name)
        if handler is None:
            response = Response(json.dumps({"error": f"no admin route {path}"}), 404, mimetype="application/json")
        else:
            try:
                body = json.loads(request.get_data() or b"{}")
                response = Response(json.dumps(handler(body)), 200, mimetype="application/json")
            except (ValueError, KeyError, LookupError) as exc:
                response = Response(json.dumps({"error": str(exc)}), 400, mimetype="application/json")
        return response(environ, start_response)


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host: moto works it out per request by listing
    its package folder on disk, twice, which cost a quarter of each request's time."""

    @functools.lru_cache(maxsize=None)
    def get_backend_for_host(self, host: str | None):
        return super().get_backend_for_host(host)


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request drowns notebook output
        pass


class EmbeddedAWS:
    """moto's server with the fidelity rules, bound to 127.0.0.1."""

    def __init__(self, port: int = 0, seed: int = DEFAULT_SEED, data_plane_port: int = 0):
        self.port, self.data_plane_port = port, data_plane_port
        self.seed = seed
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.data_plane: DataPlane | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the embedded AWS is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "EmbeddedAWS":
        rules.install_all()
        _keep_ids_independent_of_reads()
        _prepare_routes()
        app = _AdminMiddleware(_Dispatcher(create_backend_app), {"data-plane": self._data_plane_route})
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="apigw-kit-local", daemon=True)
        self._thread.start()
        serve_in_process(self.url, app)
        seed_endpoint(self.url, self.seed)
        self.data_plane = DataPlane(self.url, port=self.data_plane_port).start()
        return self

    def _data_plane_route(self, body: dict) -> dict:
        if self.data_plane is None:
            raise LookupError("this embedded AWS has no data plane running")
        return {"url": self.data_plane.url}

    def stop(self) -> None:
        if self.data_plane is not None:
            self.data_plane.stop()
            self.data_plane = None
        if self._server is not None:
            serve_in_process(self.url, None)
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None
