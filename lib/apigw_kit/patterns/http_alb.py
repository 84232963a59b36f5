"""Pattern 1: HTTP API -> VPC link (v2) -> internal ALB -> instance targets.

Source: the 2020 walkthrough of HTTP API private integrations (seed 000), with
the problem statement of seed 001. What the kit does differently: every
security group admits exactly one peer group on one port from the start (the
article opens them to the world "for now"); the subnets are checked to be
private rather than assumed; the ALB and the VPC link are created together and
waited for once, instead of one after the other.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import checks
from ..errors import ParameterError
from ..lab import LAB_AUTH_WAIVER
from ..inventory import lab_enis, routes_of, rules_of
from ..plan import Planned
from ..steps import apigw_http, elb, network
from .base import CommonParameters, PatternRun, checks_frame, step
from .lab_network import LabNetwork


@dataclass
class Parameters(CommonParameters):
    lab_name: str = "http-alb"
    vpc_cidr: str = "10.20.0.0/16"
    vpc_id: str = ""
    subnet_ids: list = field(default_factory=list)
    listener_arn: str = ""
    target_port: int = 80


class Run(LabNetwork, PatternRun):
    PATTERN = "http-alb"
    EXERCISES = ("alb-sg-excludes-vpc-link", "no-healthy-targets", "vpc-link-subnets-elsewhere",
                 "vpc-link-inactive")
    NOTEBOOK = "01_http_api_vpc_link_alb"
    TITLE = "HTTP API -> VPC link -> internal ALB"
    Parameters = Parameters
    STEPS = ("network", "security_groups", "load_balancer", "vpc_link", "http_api")
    LISTENER_PORT = 80
    server_name: str | None = None  # TLS name API Gateway verifies at the listener (None: plain HTTP)

    # Validation (read-only) ---------------------------------------------------------
    def validate(self) -> None:
        p = self.params
        if not isinstance(p.target_port, int) or not 1 <= p.target_port <= 65535:
            raise ParameterError("target_port", f"{p.target_port!r} is not a TCP port", "use an integer from 1 to 65535")
        if p.listener_arn and not p.vpc_id:
            raise ParameterError("vpc_id", "listener_arn given without vpc_id",
                                 "pass the VPC its load balancer is in as vpc_id, or no listener to build one")
        self.validate_network()
        if p.listener_arn:
            self.listener = elb.describe_listener(self.cloud, p.listener_arn)
            self.alb = elb.describe_load_balancer(self.cloud, self.listener.load_balancer_arn)
            if self.alb.vpc_id != p.vpc_id or self.alb.scheme != "internal" or self.alb.type != "application":
                raise ParameterError("listener_arn", f"its load balancer {self.alb.name} is {self.alb.scheme} "
                                     f"{self.alb.type} in {self.alb.vpc_id}",
                                     "pass a listener of an internal application load balancer in vpc_id")

    def planned(self) -> list[Planned]:
        """What apply() builds: the network unless given, the ALB side unless a listener is given, link and API."""
        p = self.params
        rows = self.planned_network()
        rows.append(Planned("ec2:security-group", "vpc-link", "VPC link ENIs (no ingress)"))
        if not p.listener_arn:
            rows += [Planned("ec2:security-group", "alb", "ALB: admits the VPC link's group only"),
                     Planned("ec2:security-group", "web", "targets: admit the ALB's group only"),
                     Planned("elbv2:load-balancer", "alb", "internal ALB, HTTP:80 listener", price="alb"),
                     Planned("elbv2:target-group", "web", f"instance targets on port {p.target_port}"),
                     Planned("ec2:instance", "web", "web server, no public IP", price="t3.micro")]
        rows += [Planned("apigatewayv2:vpc-link", "vpc-link", "VPC link (v2) in the ALB's subnets"),
                 Planned("apigatewayv2:api", "http-api", "HTTP API, private integration, $default stage")]
        return rows

    def given(self) -> dict[str, str]:
        return {**self.given_network(), **({"listener_arn": self.params.listener_arn} if self.params.listener_arn else {})}

    # Steps -----------------------------------------------------------------------------
    @step("network")
    def network(self) -> pd.DataFrame:
        """The VPC and two private subnets (created, or the ones given)."""
        return self.ensure_network()

    @step("security_groups")
    def security_groups(self) -> pd.DataFrame:
        """One group per hop; each admits only the group of the hop before it."""
        port = self.params.target_port
        self.link_sg = network.ensure_security_group(self.lab, self.vpc, "vpc-link", "VPC link ENIs of the HTTP API")
        if not self.params.listener_arn:
            self.alb_sg = network.ensure_security_group(self.lab, self.vpc, "alb", "Internal ALB: VPC link only")
            self.web_sg = network.ensure_security_group(self.lab, self.vpc, "web", "Targets: ALB only")
            network.ensure_ingress(self.lab, self.alb_sg, self.LISTENER_PORT, source_group=self.link_sg.id,
                                   description="HTTP from the API's VPC link")
            network.ensure_ingress(self.lab, self.web_sg, port, source_group=self.alb_sg.id,
                                   description="HTTP from the internal ALB")
        return rules_of(self.cloud, [g.id for g in self._groups()])

    def _groups(self):
        return [g for g in (self.link_sg, getattr(self, "alb_sg", None), getattr(self, "web_sg", None)) if g]

    @step("load_balancer")
    def load_balancer(self) -> pd.DataFrame:
        """The internal ALB, its target group, one instance and the HTTP:80 listener (not waited for yet)."""
        if not self.params.listener_arn:
            self.alb = elb.ensure_load_balancer(self.lab, "alb", "application", self.subnets, [self.alb_sg.id])
            self.target_group = elb.ensure_target_group(self.lab, "web", self.vpc.id, protocol="HTTP",
                                                        port=self.params.target_port, target_type="instance")
            instance = network.ensure_instance(self.lab, self.subnets[0], self.web_sg, self.params.target_port)
            elb.ensure_targets(self.lab, self.target_group, [instance])
            self.listener = self.ensure_listener()
        return lab_enis(self.lab).drop(columns="owner_id")

    def ensure_listener(self) -> elb.Listener:
        """HTTP: TLS ends at API Gateway here (pattern 2 overrides this with HTTPS)."""
        return elb.ensure_listener(self.lab, self.alb, port=self.LISTENER_PORT, protocol="HTTP",
                                   target_group=self.target_group)

    @step("vpc_link")
    def vpc_link(self) -> pd.DataFrame:
        """The VPC link in the ALB's subnets; waits for it (the ALB provisions meanwhile)."""
        self.link = apigw_http.ensure_vpc_link(self.lab, self.subnets, [self.link_sg])
        apigw_http.wait_vpc_link(self.lab, self.link)
        return lab_enis(self.lab).drop(columns="owner_id")

    @step("http_api")
    def http_api(self) -> pd.DataFrame:
        """The HTTP API: a private integration to the listener through the link, two routes, $default stage;
        then waits for the ALB and for its targets to be in service."""
        self.api = apigw_http.ensure_http_api(self.lab, description="Private integration to an internal ALB",
                                              auth_waiver=LAB_AUTH_WAIVER)
        self.integration = apigw_http.ensure_private_integration(self.lab, self.api, self.listener.arn, self.link,
                                                                 server_name=self.server_name)
        apigw_http.ensure_routes(self.lab, self.api, self.integration)
        apigw_http.ensure_default_stage(self.lab, self.api)
        elb.wait_load_balancer(self.lab, self.alb)
        if not self.params.listener_arn:
            elb.wait_targets_in_service(self.lab, self.target_group)
        return routes_of(self.cloud, [self.api.id])

    # Verify --------------------------------------------------------------------------
    @step("verify")
    def verify(self) -> pd.DataFrame:
        port = self.params.target_port
        rows = [
            checks.load_balancer_internal(self.cloud, self.alb.arn),
            checks.subnets_private(self.cloud, self.alb.arn),
            checks.group_admits_only(self.cloud, elb.describe_load_balancer(self.cloud, self.alb.arn).security_groups,
                                     {self.link_sg.id}, self.listener.port,
                                     "ALB admits only the VPC link, on the listener port"),
            checks.integration_private(self.cloud, self.api.id, self.listener.arn, self.link.id),
            checks.vpc_link_ready(self.cloud, self.link.id, self.alb.arn),
            checks.network_path_open(self.cloud, list(self.link.subnet_ids), checks.load_balancer_subnets(self.cloud, self.alb.arn),
                                     self.listener.port, "network ACLs and routes let the VPC link reach the ALB and back"),
            checks.api_authorized(self.cloud, self.api.id, "http"),
            checks.stage_throttled(self.cloud, self.api.id, "$default", "http"),
        ]
        if not self.params.listener_arn:
            alb_groups = set(elb.describe_load_balancer(self.cloud, self.alb.arn).security_groups)
            rows.append(checks.group_admits_only(self.cloud, checks.target_groups_of_instances(self.cloud, self.target_group.arn),
                                                 alb_groups, port, "targets admit only the ALB, on the target port"))
            rows.append(checks.targets_healthy(self.cloud, self.target_group.arn))
        return checks_frame(rows)

    @property
    def entry_url(self) -> str:
        return self.api.endpoint + "/"
