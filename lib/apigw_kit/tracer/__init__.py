"""The request tracer (the doctor): follow one request through the live configuration.

``trace(cloud, url)`` reads the account with describe/get/list calls only and
walks the path a request takes: DNS, the entry (API Gateway endpoint, custom
domain, load balancer, VPC endpoint), the private API's resource policy and the
Host header, the route, the integration, the VPC link, the network at each
hop a connection crosses (route tables both ways, network ACLs with the
ephemeral return, security groups: ``network.reachable()``), the listener and
its rules, the target group, target health and the TLS name check. Each hop is
a row with a verdict (ok, fail, warn, skip) and a reason; the first failing hop
decides the predicted outcome. A packet the network drops gets no answer: the
client of that hop times out, and what the caller sees is what the tracer
already predicts for a security group that drops there (API Gateway's 503 or
500 behind a VPC link, an ALB's 504 towards its targets, a timeout for a
direct caller).

The status codes follow what API Gateway documents for each failure (see
``catalogue.py`` for the references). Where the embedded AWS lacks data AWS has
(managed ENIs), the hop says so and is a ``warn``.

Target health is read as DescribeTargetHealth reports it (state and reason code,
API_TargetHealth) and judged as Elastic Load Balancing documents routing: only
healthy targets get requests while there is one; when every routable target is
unhealthy the load balancer fails open and sends requests to all of them (a
``warn`` when they answer, the ALB's 502/504 when they do not); ``initial``,
``draining`` and ``unused`` targets get nothing, so an ALB left with those only
answers 503. See ``route()``.

One module per layer, composed by ``walk``: ``model`` (hops and the trace),
``dns``, ``apigw`` (APIs, custom domains, resource policies, VPC links and
endpoints), ``network`` (route tables, network ACLs, security groups), ``load_balancing`` (listeners, target
groups, health) and ``tls``.
"""
from .apigw import evaluate_resource_policy, match_route
from .load_balancing import ANSWERS, DOC_ALB_ERRORS, DOC_HEALTH_CHECKS, DOC_TARGET_HEALTH, Routing, route
from .model import HOP_COLUMNS, UNREACHABLE, Hop, Trace
from .tls import DOC_HTTP_PRIVATE, _covers  # noqa: F401 (_covers: the certificate-name rule, tested on its own)
from .walk import trace

__all__ = ["ANSWERS", "DOC_ALB_ERRORS", "DOC_HEALTH_CHECKS", "DOC_HTTP_PRIVATE", "DOC_TARGET_HEALTH", "HOP_COLUMNS", "UNREACHABLE", "Hop",
           "Routing", "Trace", "evaluate_resource_policy", "match_route", "route", "trace"]
