"""The embedded AWS's data plane: API traffic on 127.0.0.1, routed hop by hop through the live configuration.

A request names what it calls by its Host header (an API's execute-api name, a custom domain, a load
balancer's DNS name, an execute-api endpoint's name; ``host:port`` picks a listener port) and where it comes
from by ``x-apigw-kit-source`` (``internet``, the default, ``vpc:<id>`` or a client CIDR). The tracer follows it
(``apigw_kit.tracer.trace``) and the hop where it stops answers as AWS does there:

- API Gateway's gateway responses, ``{"message": ...}`` with the status of the failing hop: an HTTP API names the
  status (``Not Found``, ``Forbidden``, ``Internal Server Error``, ``Service Unavailable``: the catalogue's
  symptoms and their references; an unknown route, https://dev.to/aws-builders/better-error-messages-for-non-existing-api-resources-with-amazon-api-gateway-50pb),
  a REST API the cause (``Missing Authentication Token`` for no such stage or resource, ``Internal server
  error``) and adds ``x-amzn-ErrorType``
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html,
  https://repost.aws/knowledge-center/api-gateway-authentication-token-errors). On the API's hops the response
  carries the request ids API Gateway sends: ``x-amzn-RequestId`` and ``x-amz-apigw-id`` for a REST API
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html), ``apigw-requestid``
  for an HTTP API (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
- An Application Load Balancer's own 502/503/504 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html),
  as the short HTML page ALBs send from ``Server: awselb/2.0`` (its markup is observed, not documented), passed
  on unchanged by an HTTP proxy integration in front of it (the tracer's ``answer()`` cites why).
- Where packets are dropped, no response: the connection is held ``DROPPED_AFTER`` simulated seconds on the
  embedded clock (at most ``MAX_HOLD`` real seconds), then closed without a byte. On AWS the client waits for
  its own connect timeout instead; a name that does not resolve or a refused connection closes at once.

A request that gets through is answered by the stand-in of what it reaches (``stand_ins``). Every response
carries ``x-apigw-kit-hop``, the hop that answered.
"""
from __future__ import annotations

import ipaddress
import random
import re
import string
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

from ..errors import KitError
from .clock import CLOCK
from .stand_ins import Answer, instance_url, json_answer, lambda_proxy, mock, stop_instances

SOURCE_HEADER = "x-apigw-kit-source"
SCHEME_HEADER = "x-apigw-kit-scheme"  # https unless the Host is a load balancer's name (then http)
REGION_HEADER = "x-apigw-kit-region"  # when the Host names no region (custom domains)
CONNECT_HEADER = "x-apigw-kit-connect"  # the name the client connects to, when the Host header says another
HOP_HEADER = "x-apigw-kit-hop"
DROPPED_AFTER = 30.0  # simulated seconds a dropped connection hangs before the kit gives up on it
MAX_HOLD = 5.0  # real seconds, whatever the clock's scale
INTERNET_CLIENT = "203.0.113.10"  # a documentation address (RFC 5737) standing for a client on the internet
REGION_IN_HOST = re.compile(r"\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.")

# The components of the tracer's hops that say which kind of API the request went through.
HTTP_API_COMPONENTS = {"HTTP API", "HTTP API stage", "HTTP API route", "VPC link (v2)", "API mapping"}
REST_API_COMPONENTS = {"API", "REST API", "private REST API", "REST API stage", "REST API resource", "VPC link (v1)",
                       "VPC endpoint private DNS", "Host", "base path mapping", "custom domain"}
# A failure at these hops is past the load balancer's listener: an ALB answers it itself.
LOAD_BALANCER_HOPS = {"listener", "target group", "targets", "target ingress"}
ALB_PHRASES = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


@dataclass
class Reply:
    """What the data plane does with a request: answer it, or hold the connection ``hold`` seconds and close it."""
    hop: str
    answer: Answer | None = None
    hold: float = 0.0


# What answers where the request stops ---------------------------------------------------------------
def alb_answer(status: int) -> Answer:
    phrase = ALB_PHRASES.get(status, HTTPStatus(status).phrase)
    page = f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>{status} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
    return Answer(status, page.encode(), {"Content-Type": "text/html", "Server": "awselb/2.0", "x-apigw-kit-phrase": phrase})


def gateway_answer(kind: str, failure, trace, account: str, region: str) -> Answer:
    """API Gateway's default gateway response for the failing hop: HTTP APIs name the status, REST APIs the cause."""
    status = failure.status
    if kind == "http":
        return json_answer(status, {"message": HTTPStatus(status).phrase})
    if status == 403 and failure.hop in ("route", "stage"):
        message, error_type = "Missing Authentication Token", "MissingAuthenticationTokenException"
    elif status == 403 and failure.hop == "resource policy":
        resource = f"arn:aws:execute-api:{region}:{account}:{failure.id}/*/{trace.method}/"
        message, error_type = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {resource}", "AccessDeniedException"
    elif status == 403:
        message, error_type = "Forbidden", "ForbiddenException"
    elif status == 500:
        message, error_type = "Internal server error", "InternalServerErrorException"
    else:
        message, error_type = HTTPStatus(status).phrase, None
    answer = json_answer(status, {"message": message})
    if error_type:
        answer.headers["x-amzn-ErrorType"] = error_type
    return answer


def api_kind(hops) -> str | None:
    components = {h.component for h in hops}
    if components & HTTP_API_COMPONENTS and "VPC endpoint private DNS" not in components:
        return "http"
    return "rest" if components & REST_API_COMPONENTS else None


_ids = random.Random()  # its own generator: the seeded one moto draws resource ids from is left alone


def _short_id() -> str:
    return "".join(_ids.choices(string.ascii_letters + string.digits, k=15)) + "="


def request_ids(kind: str | None) -> dict[str, str]:
    if kind == "http":
        return {"apigw-requestid": _short_id()}
    if kind == "rest":
        return {"x-amzn-RequestId": str(uuid.uuid4()), "x-amz-apigw-id": _short_id()}
    return {}


def hop_label(hop, what: str | None = None) -> str:
    """``hop: what id``, what being the hop's component unless it only repeats the hop's name."""
    what = what or ("" if hop.component == hop.hop else hop.component)
    return f"{hop.hop}: " + " ".join(part for part in (what, hop.id) if part)


class DataPlane:
    """The HTTP server of the data plane, tracing each request against the embedded AWS at ``aws_url``."""

    def __init__(self, aws_url: str, region: str = "eu-west-1", port: int = 0):
        self.aws_url, self.region, self.port = aws_url, region, port
        self._clouds: dict[str, object] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._turn = 0  # round robin over a target group's routable targets

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the data plane is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "DataPlane":
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="apigw-kit-data-plane", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        stop_instances()

    def cloud(self, region: str):
        from ..cloud import Cloud
        with self._lock:
            if region not in self._clouds:
                session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
                self._clouds[region] = Cloud("local", region, session, self.aws_url, None)
            return self._clouds[region]

    # One request --------------------------------------------------------------------------------
    def reply(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        from ..tracer import trace
        host = headers.get("host", "").lower()
        connect = headers.get(CONNECT_HEADER, host).lower()
        name = connect.rsplit(":", 1)[0] if ":" in connect else connect
        scheme = headers.get(SCHEME_HEADER) or ("http" if name.endswith("elb.amazonaws.com") else "https")
        region = (REGION_IN_HOST.search(f".{name}.") or [None, None])[1] or headers.get(REGION_HEADER) or self.region
        cloud = self.cloud(region)
        try:
            result = trace(cloud, f"{scheme}://{connect}{path}", method, headers.get(SOURCE_HEADER, "internet"),
                           host=host.rsplit(":", 1)[0] if connect != host else None)
        except KitError as exc:
            return Reply("kit", json_answer(400, {"message": str(exc)}))
        kind = api_kind(result.hops)
        failure = result.failure
        if failure is not None and failure.status is None:
            at_once = failure.hop == "dns" or "refused" in failure.reason
            return Reply(hop_label(failure), None, 0.0 if at_once else min(DROPPED_AFTER * CLOCK.scale, MAX_HOLD))
        if failure is not None:
            reply = Reply(hop_label(failure), self.failure_answer(cloud, result, failure, kind))
        else:
            reply = self.destination(cloud, result, kind, path, body)
        reply.answer.headers.update(request_ids(kind))
        return reply

    def failure_answer(self, cloud, result, failure, kind: str | None) -> Answer:
        load_balancer = self.load_balancer_before(cloud, result.hops[:result.hops.index(failure)])
        past_listener = failure.hop in LOAD_BALANCER_HOPS or failure.hop.startswith("target")
        if kind is None or (past_listener and load_balancer is not None and load_balancer["Type"] == "application"):
            return alb_answer(failure.status)
        account = cloud.client("sts").get_caller_identity()["Account"]
        return gateway_answer(kind, failure, result, account, cloud.region)

    @staticmethod
    def load_balancer_before(cloud, hops) -> dict | None:
        """The last load balancer the request entered before these hops end."""
        name = next((h.id for h in reversed(hops) if h.component == "load balancer" and h.verdict == "ok"
                     and h.hop in ("entry", "load balancer")), None)
        if name is None:
            return None
        return cloud.client("elbv2").describe_load_balancers(Names=[name])["LoadBalancers"][0]

    # Who answers a request that gets through -----------------------------------------------------------
    def destination(self, cloud, result, kind, path: str, body: bytes) -> Reply:
        hops = result.hops
        last = {h.hop: i for i, h in enumerate(hops) if (h.hop, h.verdict) in
                (("integration", "skip"), ("targets", "ok"), ("targets", "warn"))}
        if last.get("integration", -1) > last.get("targets", -1):
            hop = hops[last["integration"]]
            integration_type, answer = self.integration(cloud, result, kind, hop, path, body)
            return Reply(hop_label(hop, integration_type), answer)
        if "targets" in last:
            hop = hops[last["targets"]]
            return self.targets(cloud, result, hop, self.forwarded_path(hops, path), body)
        return Reply("kit", json_answer(502, {"message": "the request reached nothing the data plane stands in for"}))

    @staticmethod
    def forwarded_path(hops, path: str) -> str:
        """The path the backend sees: a REST API's invoke URL loses its stage segment."""
        stage = next((h.id.split("/", 1)[1] for h in hops if h.component == "REST API stage"), None)
        if stage and (path == f"/{stage}" or path.startswith(f"/{stage}/")):
            return path[len(stage) + 1:] or "/"
        return path

    def integration(self, cloud, result, kind, hop, path: str, body: bytes) -> tuple[str, Answer]:
        """(the integration's type, its stand-in's answer)."""
        if kind == "http":
            api_id = next(h.id for h in result.hops if h.component == "HTTP API")
            integration = cloud.client("apigatewayv2").get_integration(ApiId=api_id, IntegrationId=hop.id)
            integration_type, uri = integration["IntegrationType"], integration.get("IntegrationUri", "")
        else:
            v1 = cloud.client("apigateway")
            api_id = next(h.id for h in result.hops if h.component == "REST API stage").split("/")[0]
            methods = v1.get_resource(restApiId=api_id, resourceId=hop.id).get("resourceMethods", {})
            verb = result.method if result.method in methods else "ANY"
            integration = v1.get_integration(restApiId=api_id, resourceId=hop.id, httpMethod=verb)
            integration_type, uri = integration["type"], integration.get("uri", "")
        if integration_type == "MOCK":
            return integration_type, mock(integration)
        function = re.search(r":function:([^/:]+)", uri)
        if integration_type == "AWS_PROXY" and function:
            handler = cloud.client("lambda").get_function_configuration(FunctionName=function[1])["Handler"]
            event = {"version": "2.0" if kind == "http" else "1.0", "rawPath": path, "path": path,
                     "httpMethod": result.method, "requestContext": {"http": {"method": result.method, "path": path}},
                     "headers": {"host": result.host}, "body": body.decode(errors="replace") or None}
            return integration_type, lambda_proxy(handler.rsplit(".", 1)[0], event)
        return integration_type, json_answer(502, {"message": f"the data plane does not call {integration_type} integrations ({uri})"})

    def targets(self, cloud, result, hop, path: str, body: bytes) -> Reply:
        from ..tracer import route
        elb, ec2 = cloud.client("elbv2"), cloud.client("ec2")
        group = elb.describe_target_groups(Names=[hop.id])["TargetGroups"][0]
        health = elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
        load_balancer = self.load_balancer_before(cloud, result.hops[:result.hops.index(hop)])
        # the tracer let the request through: when the reported health leaves no routable target (the tracer
        # judged its own prediction), every registered target is a candidate
        routed = route({t["Target"]["Id"]: t["TargetHealth"] for t in health}, load_balancer["Type"]).targets \
            or [t["Target"]["Id"] for t in health]
        target = routed[self._next_turn() % len(routed)]
        if group["TargetType"] == "instance":
            found = ec2.describe_instances(InstanceIds=[target])["Reservations"]
        else:
            found = ec2.describe_instances(Filters=[{"Name": "private-ip-address", "Values": [target]}])["Reservations"]
        instance = found[0]["Instances"][0] if found else {"InstanceId": target, "PrivateIpAddress": target}
        url = instance_url(instance["InstanceId"], instance.get("PrivateIpAddress", ""))
        forwarded = {"Host": result.host, "X-Forwarded-For": client_address(cloud, result.source),
                     "X-Forwarded-Proto": result.url.split(":", 1)[0]}
        return Reply(f"{hop.hop}: instance {instance['InstanceId']}", forward(url + path, result.method, forwarded, body))

    def _next_turn(self) -> int:
        with self._lock:
            self._turn += 1
            return self._turn - 1


def client_address(cloud, source: str) -> str:
    """The address the client's packets carry: a documentation address on the internet, else one in its network."""
    if source == "internet":
        return INTERNET_CLIENT
    if source.startswith("vpc:"):
        cidr = cloud.client("ec2").describe_vpcs(VpcIds=[source[4:]])["Vpcs"][0]["CidrBlock"]
    else:
        cidr = source.removeprefix("cidr:")
    network = ipaddress.ip_network(cidr, strict=False)
    return str(network[min(10, network.num_addresses - 1)])


def forward(url: str, method: str, headers: dict[str, str], body: bytes) -> Answer:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read(), dict(exc.headers))


# The HTTP server ----------------------------------------------------------------------------------
def _handler(plane: DataPlane):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = plane.reply(self.command, self.path, headers, body)
            if reply.answer is None:  # dropped: hold the connection, then close it without a response
                time.sleep(reply.hold)
                self.close_connection = True
                return
            answer = reply.answer
            phrase = answer.headers.pop("x-apigw-kit-phrase", None)
            self.send_response_only(answer.status, phrase)
            self.send_header("Date", self.date_time_string())
            self.send_header("Server", answer.headers.get("Server", "apigw-kit-data-plane"))
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(key, value)
            self.send_header(HOP_HEADER, reply.hop)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_one

        def log_message(self, *args) -> None:
            pass

    return Handler

