"""What answers a request that reaches the end of its path on the embedded AWS.

- An instance target is a small HTTP server on 127.0.0.1 (one per instance and address, started on the first
  request that reaches it) answering JSON with its instance id, private address and the request it saw.
- A MOCK integration of a REST API answers what its templates say: the request template's ``statusCode`` picks
  the integration response, whose ``application/json`` template is the body
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html). Templates are
  sent as written: Velocity expressions are not evaluated.
- A Lambda proxy integration runs the function's handler (``apigw_kit.lambdas.<module>``) in this process with
  an API Gateway proxy event, and answers with the ``statusCode``/``headers``/``body`` it returns
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html);
  a function that raises gets API Gateway's 502.
"""
from __future__ import annotations

import importlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    """A response a stand-in gives: status, headers, body."""
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


def json_answer(status: int, document) -> Answer:
    return Answer(status, json.dumps(document, separators=(",", ":")).encode())  # compact, as API Gateway writes it


# Instances -------------------------------------------------------------------------------------
class _InstanceHandler(BaseHTTPRequestHandler):
    server: "_InstanceServer"

    def version_string(self) -> str:
        return "apigw-kit-instance"

    def _answer(self) -> None:
        body = json.dumps({"instance": self.server.instance_id, "private_ip": self.server.private_ip,
                           "saw": {"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                                   "x_forwarded_for": self.headers.get("X-Forwarded-For")}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:  # a line per request would drown notebook output
        pass


class _InstanceServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, instance_id: str, private_ip: str):
        self.instance_id, self.private_ip = instance_id, private_ip
        super().__init__(("127.0.0.1", 0), _InstanceHandler)


_instances: dict[tuple[str, str], _InstanceServer] = {}
_lock = threading.Lock()


def instance_url(instance_id: str, private_ip: str) -> str:
    """The URL of the stand-in of ``instance_id`` at ``private_ip``, started on first use."""
    with _lock:
        server = _instances.get((instance_id, private_ip))
        if server is None:
            server = _instances[(instance_id, private_ip)] = _InstanceServer(instance_id, private_ip)
            threading.Thread(target=server.serve_forever, name=f"stand-in {instance_id}", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def stop_instances() -> None:
    with _lock:
        for server in _instances.values():
            server.shutdown()
            server.server_close()
        _instances.clear()


# Integrations ----------------------------------------------------------------------------------
def mock(integration: dict) -> Answer:
    """A REST API's MOCK integration (GetIntegration's shape) answering from its templates."""
    template = (integration.get("requestTemplates") or {}).get("application/json") or '{"statusCode": 200}'
    try:
        status = int(json.loads(template).get("statusCode", 200))
    except (ValueError, AttributeError):
        status = 200
    response = (integration.get("integrationResponses") or {}).get(str(status), {})
    body = (response.get("responseTemplates") or {}).get("application/json") or ""
    return Answer(status, body.encode())


def lambda_proxy(module: str, event: dict) -> Answer:
    """Run ``apigw_kit.lambdas.<module>.handler(event)`` and answer with what it returns. A function that raises
    gets API Gateway's 502 ``{"message": "Internal server error"}``, which hides the error from the client
    (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html)."""
    try:
        result = importlib.import_module(f"apigw_kit.lambdas.{module}").handler(event, None)
    except Exception:  # what Lambda reports as a function error
        return json_answer(502, {"message": "Internal server error"})
    if not isinstance(result, dict) or "statusCode" not in result:  # HTTP API payload 2.0 takes a bare body as 200
        return json_answer(200, result)
    body = result.get("body") or ""
    return Answer(int(result["statusCode"]), body.encode() if isinstance(body, str) else json.dumps(body).encode(),
                  {"Content-Type": "application/json", **(result.get("headers") or {})})
