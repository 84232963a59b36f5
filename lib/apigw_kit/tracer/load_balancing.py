"""Load balancing: listeners and their rules, target groups, target health and fail-open, NLB -> ALB."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from botocore.exceptions import ClientError

from ..steps.apigw_http import _items as _v2_items
from ..steps.network import Subnet, network_interfaces, routes_to_internet
from .model import _Hops, _Stop

DOC_TARGET_HEALTH = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html"
DOC_HEALTH_CHECKS = {  # each says: only unhealthy registered targets -> the load balancer fails open
    "application": "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html",
    "network": "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html",
}
DOC_ALB_ERRORS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html"
# The one unhealthy reason that proves the target answers: it returned an HTTP code the matcher refuses.
ANSWERS = "Target.ResponseCodeMismatch"


@dataclass(frozen=True)
class Routing:
    """Where a load balancer sends requests, given its targets' health, and what the client gets."""
    verdict: str  # ok | warn | fail
    targets: list[str]  # the targets that receive requests
    reason: str
    alb_status: int | None = None  # what an ALB answers when verdict is fail (an NLB only passes connections on)


def _describe(states: dict[str, dict]) -> str:
    return "; ".join(f"{i} {s['State']} {s.get('Reason', '')}".strip() for i, s in states.items())


def route(states: dict[str, dict], lb_type: str) -> Routing:
    """Judge a target group from DescribeTargetHealth (target id -> TargetHealth) as ELB routes requests.

    The load balancer sends requests only to healthy targets while one exists; when every routable target is
    unhealthy it fails open and sends them to all of those (the target group health checks page of the ALB and
    NLB guides); initial, draining and unused targets get none, and an ALB with no target to send to answers 503
    (its troubleshooting page). ``initial`` is a target being registered or checked for the first time, ``draining``
    (and ``unhealthy.draining``) one being deregistered, ``unused`` one the load balancer cannot use (its AZ is not
    enabled, or Target.InvalidState: a stopped or terminated instance). A target with health checks disabled
    (``unavailable``) is routed to unchecked.
    An ALB answers a target that does not answer with 504 (connection timeout) or 502 (connection refused or
    reset); an NLB only forwards the connection, which fails (its reason code is Target.FailedHealthChecks either
    way: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/check-target-health.html).
    """
    alb = lb_type == "application"
    guide, detail = DOC_HEALTH_CHECKS["application" if alb else "network"], _describe(states)
    serving = [i for i, s in states.items() if s["State"] in ("healthy", "unavailable")]
    if serving:
        others = "" if len(serving) == len(states) else f"; requests go only to the healthy ones ({guide})"
        return Routing("ok", serving, f"{len(serving)}/{len(states)} healthy ({detail}){others}")
    unhealthy = [i for i, s in states.items() if s["State"] == "unhealthy"]
    if not unhealthy:
        outcome = (f"the ALB answers 503 Service Unavailable ({DOC_ALB_ERRORS})" if alb
                   else "the NLB has no target to forward the connection to")
        return Routing("fail", [], f"no target in a routable state ({detail}): initial, draining and unused targets "
                       f"get no requests, and fail-open covers only unhealthy ones ({DOC_TARGET_HEALTH}); {outcome}", 503)
    fail_open = (f"no target is healthy ({detail}), so the load balancer fails open and sends requests to every "
                 f"unhealthy one ({guide})")
    silent = [i for i in unhealthy if states[i].get("Reason") != ANSWERS]
    if not silent:
        return Routing("warn", unhealthy, f"{fail_open}; they answer, so requests succeed while the target group "
                       "reports no healthy host: alarms on UnHealthyHostCount fire and a real outage would look the same")
    if not alb:  # an NLB reports every failed check as Target.FailedHealthChecks, refused or timed out alike
        return Routing("fail", unhealthy, f"{fail_open}, but {silent[0]} does not answer: the NLB forwards the "
                       "connection to it and the connection fails")
    timeout = states[silent[0]].get("Reason") == "Target.Timeout"
    outcome = ("does not answer in time: the ALB answers 504 Gateway Timeout after its 10 s connection timeout"
               if timeout else "refuses or breaks the connection: the ALB answers 502 Bad Gateway")
    return Routing("fail", unhealthy, f"{fail_open}, but {silent[0]} {outcome} ({DOC_ALB_ERRORS})", 504 if timeout else 502)


class LoadBalancingLayer(_Hops):
    def load_balancers(self) -> list[dict]:
        pages = self.elb.get_paginator("describe_load_balancers").paginate()
        return [lb for page in pages for lb in page["LoadBalancers"]]

    # Load balancers ----------------------------------------------------------------------
    def listener(self, arn: str, status: int | None) -> dict:
        try:
            return self.elb.describe_listeners(ListenerArns=[arn])["Listeners"][0]
        except ClientError:
            self.fail("listener", "listener", arn, "the listener does not exist (deleted?)", status)

    def load_balancer_entry(self, lb: dict, host_header: str) -> None:
        name = lb["LoadBalancerName"]
        if lb["State"]["Code"] != "active":
            self.fail("entry", "load balancer", name, f"state {lb['State']['Code']}", None)
        self.add("entry", "load balancer", name, "ok", f"{lb['Type']} {lb['Scheme']} in {lb['VpcId']}")
        if self.source.kind == "internet" and lb["Scheme"] == "internet-facing":
            subnets = [Subnet(z["SubnetId"], z["ZoneName"], "", lb["VpcId"]) for z in lb["AvailabilityZones"]]
            if not any(routes_to_internet(self.cloud, s) for s in subnets):
                self.fail("source -> load balancer", "route tables", name, "internet-facing, but none of its subnets "
                          "routes to an internet gateway: the connection times out", None)
        self.source_reaches(lb["VpcId"], self.port, lb.get("SecurityGroups") or [], "load balancer", name,
                            lb["Scheme"] == "internet-facing", self.load_balancer_side(lb, self.load_balancer_nets(lb)))
        listener = next((l for l in self.elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
                         if l["Port"] == self.port), None)
        if listener is None:
            self.fail("listener", "load balancer", name, f"no listener on port {self.port}: connection refused", None)
        if listener["Protocol"] in ("HTTPS", "TLS"):
            self.certificate_covers(listener, self.trace.host, "client tls", None)
        # A client calling the load balancer itself: an ALB answers target failures with its own status (answer());
        # through an NLB the client's connection simply fails.
        self.behind_listener(lb, listener, host_header, unreachable=None)
        if lb["Scheme"] == "internet-facing":
            fronted = self.fronted_by_vpc_link(listener["ListenerArn"])
            if fronted:
                self.add("bypass", "load balancer", name, "warn", f"this internet-facing load balancer is also the private "
                         f"integration of API {fronted}: requests here bypass the API's authorization and throttling")

    def fronted_by_vpc_link(self, listener_arn: str) -> str | None:
        for api in _v2_items(self.v2.get_apis):
            for integration in _v2_items(self.v2.get_integrations, ApiId=api["ApiId"]):
                if integration.get("IntegrationUri") == listener_arn:
                    return api["ApiId"]
        return None

    def behind_listener(self, lb: dict, listener: dict, host_header: str, unreachable: int | None) -> None:
        listener_id = listener["ListenerArn"].split("/")[-1]
        # Only ALB listeners have rules; an NLB listener has its default action alone.
        rules = [] if lb["Type"] != "application" else sorted(
            self.elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"],
            key=lambda r: (r["IsDefault"], int(r["Priority"]) if r["Priority"].isdigit() else 0))
        rule = next((r for r in rules if r["IsDefault"] or self.rule_matches(r, host_header)), None)
        actions = (rule or {}).get("Actions") or listener.get("DefaultActions", [])
        action = sorted(actions, key=lambda a: a.get("Order", 0))[-1] if actions else {}
        which = "default action" if rule is None or rule["IsDefault"] else f"rule priority {rule['Priority']}"
        if action.get("Type") == "fixed-response":
            code = int(action["FixedResponseConfig"]["StatusCode"])
            verdict = "ok" if code < 400 else "fail"
            self.add("listener", "listener", listener_id, verdict, f"{which}: fixed response {code}", code)
            if verdict == "fail":
                raise _Stop
            return
        if action.get("Type") == "redirect":
            self.fail("listener", "listener", listener_id, f"{which}: redirect", int(action["RedirectConfig"]["StatusCode"][-3:]))
        groups = [action["TargetGroupArn"]] if action.get("TargetGroupArn") else \
            [g["TargetGroupArn"] for g in action.get("ForwardConfig", {}).get("TargetGroups", [])]
        if not groups:
            self.fail("listener", "listener", listener_id, f"{which} forwards nowhere", unreachable)
        self.add("listener", "listener", listener_id, "ok", f"{listener['Protocol']}:{listener['Port']} {which} -> forward")
        self.target_group(lb, groups[0], host_header, unreachable)

    @staticmethod
    def rule_matches(rule: dict, host_header: str) -> bool:
        for condition in rule.get("Conditions", []):
            field_ = condition.get("Field")
            values = condition.get("Values") or (condition.get("HostHeaderConfig") or condition.get("PathPatternConfig") or {}).get("Values", [])
            if field_ == "host-header" and not any(fnmatchcase(host_header.lower(), v.lower()) for v in values):
                return False
            if field_ == "path-pattern":
                return False  # path conditions are matched against the forwarded path, which the caller does not vary
        return True

    def target_group(self, lb: dict, arn: str, host_header: str, unreachable: int | None) -> None:
        tg = self.elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
        name = tg["TargetGroupName"]
        self.add("target group", "target group", name, "ok", f"{tg['Protocol']}:{tg['Port']} {tg['TargetType']} targets")
        health = self.elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        if not health:
            self.fail("targets", "target group", name, "no registered targets: the load balancer has nowhere to send "
                      f"the request; an ALB answers 503 ({DOC_ALB_ERRORS})", self.answer(lb, 503, unreachable))
        endpoint = self.endpoint_of_targets(tg, health)
        # a draining target gets no new requests (and its address may be gone already): its groups are not judged
        blocked = self.target_ingress(lb, tg, [t for t in health if t["TargetHealth"]["State"] != "draining"], endpoint)
        states = {t["Target"]["Id"]: t["TargetHealth"] for t in health}
        if endpoint is not None:
            states = self.endpoint_health_matcher(tg, endpoint, states)
        routing = route(self.dropped_checks(lb, states, blocked), lb["Type"])
        dropped = [target for target in routing.targets if target in blocked]
        if dropped:  # routed to although the network drops the connection: it times out, and an ALB answers 504
            component, id, why = blocked[dropped[0]]
            self.fail("target ingress", component, id, f"{why}; {routing.reason}", self.answer(lb, 504, unreachable))
        for component, id, why in blocked.values():
            self.add("target ingress", component, id, "warn", f"{why}, so it is unhealthy and gets no requests")
        if routing.verdict == "fail":
            self.fail("targets", "target health", name, routing.reason, self.answer(lb, routing.alb_status, unreachable))
        self.add("targets", "target health", name, routing.verdict, routing.reason)
        if endpoint is not None:
            self.add("endpoint", "VPC endpoint", endpoint["VpcEndpointId"], "ok", "targets are the execute-api endpoint's ENIs")
            self.host_to_private_api(host_header, endpoint)
            return
        behind = self.load_balancer_of_targets(tg, routing.targets)
        if behind is not None:  # an NLB in front of an ALB: by its addresses (synced) or as a target of type alb
            self.add("entry", "load balancer", behind["LoadBalancerName"], "ok", f"the targets are this {behind['Type']} "
                     f"load balancer ({'type alb' if tg['TargetType'] == 'alb' else 'its ENI addresses'})")
            port = next((t["Target"].get("Port", tg["Port"]) for t in health), tg["Port"])
            listener = next((l for l in self.elb.describe_listeners(LoadBalancerArn=behind["LoadBalancerArn"])["Listeners"]
                             if l["Port"] == port), None)
            if listener is None:
                self.fail("listener", "load balancer", behind["LoadBalancerName"], f"no listener on port {port}", unreachable)
            self.behind_listener(behind, listener, host_header, unreachable)

    @staticmethod
    def dropped_checks(lb: dict, states: dict[str, dict], blocked: dict) -> dict[str, dict]:
        """Target health with the tracer's prediction: a target the network keeps the load balancer from (its groups,
        its subnet's network ACL) fails its health checks too (the account may not say so yet, or the embedded AWS
        may not model it)."""
        reason = "Target.Timeout" if lb["Type"] == "application" else "Target.FailedHealthChecks"
        predicted = {"State": "unhealthy", "Reason": reason, "Description": "its security groups drop the load balancer"}
        return {target: predicted if target in blocked and health["State"] == "healthy" else health
                for target, health in states.items()}

    @staticmethod
    def answer(lb: dict, alb_status: int | None, unreachable: int | None) -> int | None:
        """An ALB answers a target failure itself, and an HTTP proxy integration passes that response on ("the
        entire request and response", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html,
        and for REST https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html);
        an NLB only passes the connection on, so its caller sees its own failure (``unreachable``)."""
        return alb_status if lb["Type"] == "application" else unreachable

    def load_balancer_of_targets(self, tg: dict, target_ids: list[str]) -> dict | None:
        """The load balancer the targets are: an ``alb`` target, or IP targets that are its ENIs."""
        if tg["TargetType"] == "alb":
            arns = target_ids[:1]
        elif tg["TargetType"] == "ip":
            enis = network_interfaces(self.ec2, [{"Name": "addresses.private-ip-address", "Values": target_ids}])
            described = {e.get("Description", "") for e in enis}
            arns = [lb["LoadBalancerArn"] for lb in self.load_balancers()
                    if "ELB " + lb["LoadBalancerArn"].split(":loadbalancer/")[1] in described]
        else:
            return None
        if not arns:
            return None
        return self.elb.describe_load_balancers(LoadBalancerArns=arns[:1])["LoadBalancers"][0]
