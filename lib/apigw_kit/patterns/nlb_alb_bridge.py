"""Pattern 5: REST API -> VPC link v1 -> internal NLB -> internal ALB -> targets, and its replacements.

Source: the 2022 walkthrough of bridging an NLB to an ALB (seed 004). A VPC link v1
reaches only an NLB, so the NLB forwards to the ALB's addresses; those change as the
ALB scales, so a function run every minute re-registers them. What the kit does
differently: the function matches ENIs on their exact description, reads every page,
refuses an empty lookup, writes only the difference (register before deregister) and
runs with a role that may touch only this target group; the ALB admits the NLB's
addresses, not the VPC. Beside the bridge it builds the two replacements AWS added
since: an NLB target group of type ``alb`` (2021), with nothing to sync, and a REST
API private integration over VPC link v2 straight to the ALB (2025), with no NLB.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import checks, local
from ..inventory import enis_in, targets_of
from ..lab import LAB_AUTH_WAIVER
from ..lambdas import nlb_ingress
from ..plan import Planned
from ..shown import shows
from ..steps import apigw_http, apigw_rest, elb, functions, network
from .base import CommonParameters, PatternRun, checks_frame, embedded_only, step
from .lab_network import LabNetwork
from .vpc_link_types import validate_port

SCHEDULE = "rate(1 minute)"
SYNC_PERIOD = 60  # seconds between runs of the schedule above
# No API makes an ALB add or drop interfaces: "Elastic Load Balancing scales your load balancer as your incoming
# traffic changes over time" (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/what-is-load-balancing.html).
SCALING_ONLY_HERE = ("the embedded AWS scales the ALB through its admin route; on AWS an ALB scales with its traffic "
                     "and no API asks it to, so the schedule syncs whenever that happens")


@dataclass
class Parameters(CommonParameters):
    lab_name: str = "nlb-alb"
    vpc_cidr: str = "10.50.0.0/16"
    vpc_id: str = ""
    subnet_ids: list = field(default_factory=list)
    target_port: int = 80


class Run(LabNetwork, PatternRun):
    PATTERN = "nlb-alb-bridge"
    EXERCISES = ("nlb-targets-stale", "alb-sg-excludes-nlb")
    NOTEBOOK = "05_nlb_alb_bridge"
    TITLE = "REST API -> VPC link v1 -> NLB -> ALB (and its replacements)"
    Parameters = Parameters
    STEPS = ("network", "load_balancers", "alb_ingress", "target_sync", "rest_api", "replacements")
    LISTENER_PORT = 80
    STAGE = "prod"

    def validate(self) -> None:
        validate_port(self.params)
        self.validate_network()
        self.syncs: list[dict] = []

    def planned(self) -> list[Planned]:
        return self.planned_network() + [
            Planned("ec2:security-group", "alb", "ALB: admits the NLBs' addresses and the v2 link"),
            Planned("ec2:security-group", "web", "targets: the ALB only"),
            Planned("ec2:security-group", "vpc-link", "v2 link ENIs"),
            Planned("elbv2:load-balancer", "alb", "internal ALB, HTTP:80", price="alb"),
            Planned("elbv2:load-balancer", "nlb", "internal NLB, ip targets synced", price="nlb"),
            Planned("elbv2:load-balancer", "nlb-alb-tg", "internal NLB, target group of type alb", price="nlb"),
            Planned("elbv2:target-group", "web", "instance targets of the ALB"),
            Planned("elbv2:target-group", "alb-ips", "the ALB's addresses (synced)"),
            Planned("elbv2:target-group", "alb-target", "the ALB itself (type alb)"),
            Planned("ec2:instance", "web", "web server, no public IP", price="t3.micro"),
            Planned("iam:role", "target-sync-role", "least-privilege execution role"),
            Planned("logs:log-group", "target-sync", f"the function's logs, kept {functions.LOG_RETENTION_DAYS} days"),
            Planned("lambda:function", "target-sync", "target sync (lambdas/target_sync.py)"),
            Planned("events:rule", "target-sync", SCHEDULE),
            Planned("apigateway:vpc-link", "rest-vpc-link", "VPC link v1 to the NLB"),
            Planned("apigatewayv2:vpc-link", "vpc-link", "VPC link v2 for the REST API (2025)"),
            Planned("apigateway:rest-api", "rest-api", "REST API -> v1 -> NLB -> ALB"),
            Planned("apigateway:rest-api", "rest-api-v2", "REST API -> v2 -> ALB"),
        ]

    def given(self) -> dict[str, str]:
        return self.given_network()

    @property
    def entry_url(self) -> str:
        return self.stage.invoke_url + "/"

    # Steps -------------------------------------------------------------------------------
    @step("network")
    def network(self) -> pd.DataFrame:
        return self.ensure_network()

    @step("load_balancers")
    def load_balancers(self) -> pd.DataFrame:
        """The internal ALB with one instance target, and the internal NLB whose ``ip`` targets will be the ALB's addresses.

        The second NLB of the 2021 replacement (with its target group of type ``alb`` and its listener) and the VPC
        link v2 of the 2025 one are started here too: they provision for minutes, beside the others.
        """
        port = self.params.target_port
        self.alb_sg = network.ensure_security_group(self.lab, self.vpc, "alb", "Internal ALB: the NLB's addresses and the v2 link")
        self.web_sg = network.ensure_security_group(self.lab, self.vpc, "web", "Targets: the ALB only")
        self.link_sg = network.ensure_security_group(self.lab, self.vpc, "vpc-link", "VPC link v2 of the REST API (2025 path)")
        network.ensure_ingress(self.lab, self.web_sg, port, source_group=self.alb_sg.id, description="HTTP from the ALB")
        self.alb = elb.ensure_load_balancer(self.lab, "alb", "application", self.subnets, [self.alb_sg.id])
        self.nlb = elb.ensure_load_balancer(self.lab, "nlb", "network", self.subnets)
        self.modern_nlb = elb.ensure_load_balancer(self.lab, "nlb-alb-tg", "network", self.subnets)
        self.link_v2 = apigw_http.ensure_vpc_link(self.lab, self.subnets, [self.link_sg])
        instance = network.ensure_instance(self.lab, self.subnets[0], self.web_sg, port)
        self.web_tg = elb.ensure_target_group(self.lab, "web", self.vpc.id, protocol="HTTP", port=port, target_type="instance")
        elb.ensure_targets(self.lab, self.web_tg, [instance])
        self.alb_listener = elb.ensure_listener(self.lab, self.alb, port=self.LISTENER_PORT, protocol="HTTP", target_group=self.web_tg)
        self.bridge_tg = elb.ensure_target_group(self.lab, "alb-ips", self.vpc.id, protocol="TCP", port=self.LISTENER_PORT,
                                                 target_type="ip", health_protocol="HTTP")
        self.nlb_listener = elb.ensure_listener(self.lab, self.nlb, port=self.LISTENER_PORT, protocol="TCP", target_group=self.bridge_tg)
        self.alb_type_tg = elb.ensure_target_group(self.lab, "alb-target", self.vpc.id, protocol="TCP", port=self.LISTENER_PORT,
                                                   target_type="alb", health_protocol="HTTP")
        elb.ensure_targets(self.lab, self.alb_type_tg, [self.alb.arn])
        elb.ensure_listener(self.lab, self.modern_nlb, port=self.LISTENER_PORT, protocol="TCP", target_group=self.alb_type_tg)
        return enis_in(self.cloud, [self.vpc.id])

    @step("alb_ingress")
    def alb_ingress(self) -> pd.DataFrame:
        """The ALB admits the NLB's addresses: the answer of the ``nlb_ingress`` custom resource, applied. The NLB is
        active by then, so the VPC link v1 (which needs it active) is started here too."""
        ec2, elbv2 = self.cloud.client("ec2"), self.cloud.client("elbv2")
        elb.wait_load_balancer(self.lab, self.nlb)  # its ENIs, and so its addresses, exist only once it is active
        self.link_v1 = apigw_rest.ensure_rest_vpc_link(self.lab, self.nlb.arn)  # it needs an active NLB: started now
        answer = nlb_ingress.ingress(ec2, elbv2, {"nlbArn": self.nlb.arn, "listenerPort": self.LISTENER_PORT})
        for rule in answer["SecurityGroupIngress"]:
            network.ensure_ingress(self.lab, self.alb_sg, rule["FromPort"], cidr=rule["CidrIp"], description="NLB address")
        from ..inventory import rules_of
        return rules_of(self.cloud, [self.alb_sg.id, self.web_sg.id])

    @step("target_sync")
    def target_sync(self) -> pd.DataFrame:
        """The sync function: zip, least-privilege role, log group, ``rate(1 minute)`` schedule; then its first run,
        retried while IAM propagates the new role's policy."""
        self.sync_event = {"loadBalancerArn": self.alb.arn, "targetGroupArn": self.bridge_tg.arn,
                           "targetPort": self.LISTENER_PORT}
        role = functions.ensure_function_role(self.lab, "target-sync", self.sync_statements())
        self.function = functions.ensure_function(self.lab, "target-sync", "target_sync", role)
        self.schedule = functions.ensure_schedule(self.lab, "target-sync", self.function, self.sync_event, SCHEDULE)
        elb.wait_load_balancer(self.lab, self.alb)  # no ENI before it is active: the function would refuse to sync
        return self.sync(first=True)

    def sync_statements(self) -> list[dict]:
        """What the function may do: read ENIs and target health, change only the bridge's target group."""
        return [
            {"Sid": "FindAlbInterfaces", "Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces"], "Resource": "*"},
            {"Sid": "ReadTargets", "Effect": "Allow", "Action": ["elasticloadbalancing:DescribeTargetHealth"], "Resource": "*"},
            {"Sid": "ChangeOneTargetGroup", "Effect": "Allow",
             "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
             "Resource": self.bridge_tg.arn},
        ]

    def sync(self, first: bool = False) -> pd.DataFrame:
        """Run the function once (what the schedule does every minute) and show the NLB's targets."""
        run = functions.invoke_first if first else functions.invoke
        invocation = run(self.lab, self.function, self.sync_event)
        self.last_invocation = invocation
        self.syncs.append(invocation.result)
        return self.convergence()

    def convergence(self) -> pd.DataFrame:
        """The NLB's targets against the ALB's addresses now."""
        alb_ips = set(checks.load_balancer_ips(self.cloud, self.alb.arn))
        targets = targets_of(self.cloud, [self.bridge_tg.arn])
        targets["ALB address now"] = targets["target"].isin(alb_ips)
        missing = sorted(alb_ips - set(targets["target"]))
        extra = pd.DataFrame([{"target_group": self.bridge_tg.name, "target": ip, "port": None, "health": "not registered",
                               "reason": "", "ALB address now": True} for ip in missing])
        return pd.concat([targets, extra], ignore_index=True) if missing else targets

    @embedded_only(SCALING_ONLY_HERE)
    @shows
    def scale(self, enis_per_subnet: int) -> pd.DataFrame:
        """Make the ALB scale out or in through the embedded AWS's admin route and show the ALB's ENIs."""
        local.scale_load_balancer(self.cloud.endpoint_url, self.alb.arn, enis_per_subnet)
        enis = enis_in(self.cloud, [self.vpc.id])
        return enis[enis["owner"] == f"ALB {self.alb.name}"].reset_index(drop=True)

    @embedded_only(SCALING_ONLY_HERE)
    @shows
    def convergence_after_scaling(self) -> pd.DataFrame:
        """convergence() right after scale(): the addresses the schedule has not caught up with yet."""
        return self.convergence()

    @embedded_only(SCALING_ONLY_HERE)
    @shows
    def sync_after_scaling(self) -> pd.DataFrame:
        """sync() after scale(): the run that catches up with the scaled ALB; returns once the addresses it
        deregistered have drained, so what follows sees the settled target group."""
        synced = self.sync()
        elb.wait_drained(self.lab, self.bridge_tg)
        return synced

    @step("rest_api")
    def rest_api(self) -> pd.DataFrame:
        """The VPC link v1 to the NLB and a REST API proxying every path through it; then waits
        for the targets to be in service."""
        apigw_rest.wait_rest_vpc_link(self.lab, self.link_v1)  # started with the ALB's ingress
        self.api = apigw_rest.ensure_rest_api(self.lab, description="REST API -> VPC link v1 -> NLB -> ALB",
                                              auth_waiver=LAB_AUTH_WAIVER)
        integrations = apigw_rest.ensure_proxy_integration(self.lab, self.api, f"http://{self.nlb.dns_name}:{self.LISTENER_PORT}",
                                                           connection_id=self.link_v1.id)
        self.stage = apigw_rest.ensure_stage(self.lab, self.api, self.STAGE, redeploy=any(i.changed for i in integrations))
        elb.wait_load_balancer(self.lab, self.alb)
        for group in (self.web_tg, self.bridge_tg):
            elb.wait_targets_in_service(self.lab, group)
        return self.integrations(self.api)

    @shows
    def integrations(self, api) -> pd.DataFrame:
        v1 = self.cloud.client("apigateway")
        rows = []
        for resource in v1.get_resources(restApiId=api.id)["items"]:
            for method in resource.get("resourceMethods", {}):
                i = v1.get_integration(restApiId=api.id, resourceId=resource["id"], httpMethod=method)
                rows.append({"api": api.name, "path": resource["path"], "method": method, "type": i["type"], "uri": i["uri"],
                             "connection": i.get("connectionId", ""), "integration_target": i.get("integrationTarget", "")})
        return pd.DataFrame(rows, columns=["api", "path", "method", "type", "uri", "connection", "integration_target"])

    @step("replacements")
    def replacements(self) -> pd.DataFrame:
        """(2021) a second NLB whose target is the ALB itself; (2025) a REST API reaching the ALB over VPC link v2; then waits
        for the targets to be in service."""
        network.ensure_ingress(self.lab, self.alb_sg, self.LISTENER_PORT, source_group=self.link_sg.id,
                               description="HTTP from the REST API's VPC link v2")
        apigw_http.wait_vpc_link(self.lab, self.link_v2)  # started with the load balancers
        self.api_v2 = apigw_rest.ensure_rest_api(self.lab, "rest-api-v2", description="REST API -> VPC link v2 -> ALB (2025)",
                                                 auth_waiver=LAB_AUTH_WAIVER)
        integrations = apigw_rest.ensure_proxy_integration(self.lab, self.api_v2, f"http://{self.alb.dns_name}:{self.LISTENER_PORT}",
                                                           connection_id=self.link_v2.id, integration_target=self.alb.arn)
        self.stage_v2 = apigw_rest.ensure_stage(self.lab, self.api_v2, self.STAGE, redeploy=any(i.changed for i in integrations))
        # Last: the second NLB's addresses exist only once it is active.
        for ip in elb.active_load_balancer_ips(self.lab, self.modern_nlb):
            network.ensure_ingress(self.lab, self.alb_sg, self.LISTENER_PORT, cidr=f"{ip}/32", description="second NLB address")
        elb.wait_targets_in_service(self.lab, self.alb_type_tg)
        return targets_of(self.cloud, [self.alb_type_tg.arn])

    # Comparison ---------------------------------------------------------------------------------
    @shows
    def compare(self) -> pd.DataFrame:
        """Moving parts, API calls per hour and target staleness of the three ways to reach the ALB."""
        # A run that finds nothing to change still reads the ENIs and the target health.
        reads = self.syncs[-1]["read_calls"] if self.syncs else 0
        bridge_parts = ["REST API", "VPC link v1 (+ endpoint service)", "NLB", "NLB target group (ip)", "ALB",
                        "Lambda function", "IAM role", "EventBridge rule"]
        rows = [
            {"path": "bridge: NLB -> ALB addresses, synced", "moving parts": len(bridge_parts), "parts": ", ".join(bridge_parts),
             "API calls per hour": f"{3600 // SYNC_PERIOD * reads} reads, plus 1-2 writes per ALB change",
             "stale targets for up to": f"{SYNC_PERIOD} s after the ALB changes (one schedule period)"},
            {"path": "NLB target group of type alb (2021)", "moving parts": 5,
             "parts": "REST API, VPC link v1 (+ endpoint service), NLB, NLB target group (alb), ALB",
             "API calls per hour": 0, "stale targets for up to": "0 s: ELB follows the ALB's addresses itself"},
            {"path": "REST API -> VPC link v2 -> ALB (2025)", "moving parts": 3, "parts": "REST API, VPC link v2, ALB",
             "API calls per hour": 0, "stale targets for up to": "0 s: no NLB, nothing to follow"},
        ]
        return pd.DataFrame(rows).set_index("path")

    # Verify ----------------------------------------------------------------------------------------
    @step("verify")
    def verify(self) -> pd.DataFrame:
        alb_ips = checks.load_balancer_ips(self.cloud, self.alb.arn)
        nlb_ips = checks.load_balancer_ips(self.cloud, self.nlb.arn)
        rows = [
            checks.rest_vpc_link_ready(self.cloud, self.link_v1.id),
            checks.nlb_admits_privatelink(self.cloud, self.nlb.arn),
            checks.targets_match_addresses(self.cloud, self.bridge_tg.arn, alb_ips, "NLB targets are the ALB's current addresses"),
            checks.group_admits_addresses(self.cloud, [self.alb_sg.id], nlb_ips, self.LISTENER_PORT,
                                          "ALB admits the NLB's addresses on the listener port"),
            checks.load_balancer_internal(self.cloud, self.alb.arn),
            self._sync_scheduled(),
            self._role_least_privilege(),
            checks.targets_match_addresses(self.cloud, self.alb_type_tg.arn, [self.alb.arn], "type-alb target group targets the ALB"),
            checks.api_authorized(self.cloud, self.api.id, "rest", "REST API (link v1) requires authorization, or records a waiver"),
            checks.stage_throttled(self.cloud, self.api.id, self.STAGE, "rest", "REST API (link v1) stage is throttled"),
            checks.api_authorized(self.cloud, self.api_v2.id, "rest", "REST API (link v2) requires authorization, or records a waiver"),
            checks.stage_throttled(self.cloud, self.api_v2.id, self.STAGE, "rest", "REST API (link v2) stage is throttled"),
        ]
        return checks_frame(rows)

    def _sync_scheduled(self) -> checks.Check:
        events = self.cloud.client("events")
        rule = events.describe_rule(Name=self.schedule.name)
        targets = events.list_targets_by_rule(Rule=self.schedule.name)["Targets"]
        problems = []
        if rule.get("ScheduleExpression") != SCHEDULE or rule.get("State") != "ENABLED":
            problems.append(f"rule is {rule.get('State')} {rule.get('ScheduleExpression')}")
        if [t["Arn"] for t in targets] != [self.function.arn]:
            problems.append(f"rule targets {[t['Arn'] for t in targets]}, not the function")
        return checks.Check("sync runs every minute", not problems, "; ".join(problems) or f"{SCHEDULE} -> {self.function.name}")

    def _role_least_privilege(self) -> checks.Check:
        policy = functions.role_policy(self.cloud, self.function.role_arn)
        writes = [s for s in policy["Statement"] if any(a.endswith("Targets") and "Describe" not in a for a in s["Action"])]
        wide = [a for s in policy["Statement"] for a in s["Action"] if "*" in a]
        problems = [f"wildcard action {a}" for a in wide]
        problems += [f"{s['Sid']} applies to {s['Resource']}" for s in writes if s["Resource"] != self.bridge_tg.arn]
        return checks.Check("sync role changes only the bridge's target group", not problems,
                            "; ".join(problems) or f"writes limited to {self.bridge_tg.name}")
