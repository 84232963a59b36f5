"""Pattern 4: the two kinds of VPC link, provisioned side by side.

Source: the AWS Compute blog on what VPC links are made of (seed 003). A REST API
VPC link (v1) is AWS PrivateLink: an endpoint service in front of exactly one NLB,
reached from API Gateway's account, so targets see the NLB's private addresses. An
HTTP API VPC link (v2) puts Hyperplane ENIs with your security groups in your subnets
and reaches any number of ALBs, NLBs and Cloud Map services from them. The lab builds
both and reads back what each created, instead of asserting it.

What the kit adds: targets admit the NLB's addresses (/32, static per AZ) rather than
the world. The NLB has no security group, so no target rule can name a client's group
through it: with client IP preservation on (the default for instance targets) the v2
link's requests would arrive from the link's own addresses, which AWS says to admit by
CIDR (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html#target-security-groups).
The lab turns preservation off on the NLB's target group instead, so both links' traffic
arrives from the NLB's addresses (PrivateLink traffic always does:
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation).
An NLB created without security groups can never get any
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html); the check
on PrivateLink enforcement covers NLBs created with them. The 2025 REST-to-ALB path over
VPC link v2 (ALB or NLB, not Cloud Map) is described beside the legacy v1 path.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import checks
from ..errors import ParameterError
from ..lab import LAB_AUTH_WAIVER
from ..inventory import enis_in, routes_of
from ..plan import Planned
from ..shown import shows
from ..steps import apigw_http, apigw_rest, cloudmap, elb, network
from .base import CommonParameters, PatternRun, checks_frame, step
from .lab_network import LabNetwork

COMPARISON_COLUMNS = ["link type", "API type", "allowed targets", "mechanism", "security groups",
                      "targets on this link", "ENIs in your VPC", "ENI owner"]


@dataclass
class Parameters(CommonParameters):
    lab_name: str = "link-types"
    vpc_cidr: str = "10.40.0.0/16"
    vpc_id: str = ""
    subnet_ids: list = field(default_factory=list)
    target_port: int = 80


def validate_port(params) -> None:
    """The target port patterns 4 and 5 serve HTTP on."""
    if not isinstance(params.target_port, int) or not 1 <= params.target_port <= 65535:
        raise ParameterError("target_port", f"{params.target_port!r} is not a TCP port", "use an integer from 1 to 65535")


class Run(LabNetwork, PatternRun):
    PATTERN = "vpc-link-types"
    EXERCISES = ("target-sg-excludes-nlb", "alb-sg-excludes-vpc-link")
    NOTEBOOK = "04_vpc_link_types"
    TITLE = "VPC link v1 (REST, PrivateLink) and v2 (HTTP, Hyperplane ENIs)"
    Parameters = Parameters
    STEPS = ("network", "security_groups", "backends", "vpc_links", "apis")
    LISTENER_PORT = 80
    STAGE = "prod"

    def validate(self) -> None:
        validate_port(self.params)
        self.validate_network()

    def planned(self) -> list[Planned]:
        return self.planned_network() + [
            Planned("ec2:security-group", "vpc-link", "v2 link ENIs"),
            Planned("ec2:security-group", "alb", "ALB: admits the v2 link only"),
            Planned("ec2:security-group", "web", "targets: ALB, v2 link, NLB addresses"),
            Planned("elbv2:load-balancer", "alb", "internal ALB, HTTP:80", price="alb"),
            Planned("elbv2:load-balancer", "nlb", "internal NLB, TCP:80, no security groups", price="nlb"),
            Planned("elbv2:target-group", "alb-web", "ALB instance targets"),
            Planned("elbv2:target-group", "nlb-web", "NLB instance targets, client IP preservation off"),
            Planned("ec2:instance", "web", "web server, no public IP", price="t3.micro"),
            Planned("servicediscovery:namespace", "namespace", "private DNS namespace (a Route 53 private zone)",
                    price="hosted-zone"),
            Planned("servicediscovery:service", "orders", "Cloud Map service with the instance", price="cloudmap-instance"),
            Planned("apigateway:vpc-link", "rest-vpc-link", "VPC link v1 to the NLB"),
            Planned("apigatewayv2:vpc-link", "vpc-link", "VPC link v2 in both subnets"),
            Planned("apigateway:rest-api", "rest-api", "REST API through the v1 link"),
            Planned("apigatewayv2:api", "http-api", "HTTP API: three targets, one v2 link"),
        ]

    def given(self) -> dict[str, str]:
        return self.given_network()

    @property
    def entry_url(self) -> str:
        return self.stage.invoke_url + "/"

    def exercise_request(self, entry) -> dict:
        """HTTP API entries break the v2 link's path to the ALB; the others, the REST API's."""
        return {"url": self.http_api.endpoint + "/alb/orders"} if entry.pattern.startswith("http-alb") else {}

    # Steps -----------------------------------------------------------------------------
    @step("network")
    def network(self) -> pd.DataFrame:
        return self.ensure_network()

    @step("security_groups")
    def security_groups(self) -> pd.DataFrame:
        """Groups for the v2 link, the ALB and the targets; the NLB has none (as the article assumes)."""
        self.link_sg = network.ensure_security_group(self.lab, self.vpc, "vpc-link", "HTTP API VPC link (v2) ENIs")
        self.alb_sg = network.ensure_security_group(self.lab, self.vpc, "alb", "Internal ALB: the v2 link only")
        self.web_sg = network.ensure_security_group(self.lab, self.vpc, "web", "Targets: ALB, v2 link, NLB addresses")
        network.ensure_ingress(self.lab, self.alb_sg, self.LISTENER_PORT, source_group=self.link_sg.id,
                               description="HTTP from the HTTP API's VPC link")
        network.ensure_ingress(self.lab, self.web_sg, self.params.target_port, source_group=self.alb_sg.id,
                               description="HTTP from the ALB")
        # Only the Cloud Map route reaches the instance straight from the link's ENIs; through the NLB (which has no
        # security group) no rule can name the link's group, so that route is admitted by the NLB's addresses.
        network.ensure_ingress(self.lab, self.web_sg, self.params.target_port, source_group=self.link_sg.id,
                               description="HTTP from the v2 VPC link (Cloud Map route)")
        return self._rules()

    def _rules(self) -> pd.DataFrame:
        from ..inventory import rules_of
        return rules_of(self.cloud, [self.link_sg.id, self.alb_sg.id, self.web_sg.id])

    @step("backends")
    def backends(self) -> pd.DataFrame:
        """One instance behind an internal ALB, an internal NLB and a Cloud Map service; the NLB's
        addresses admitted by the targets (PrivateLink traffic arrives from them)."""
        port = self.params.target_port
        self.alb = elb.ensure_load_balancer(self.lab, "alb", "application", self.subnets, [self.alb_sg.id])
        self.nlb = elb.ensure_load_balancer(self.lab, "nlb", "network", self.subnets)
        self.instance = network.ensure_instance(self.lab, self.subnets[0], self.web_sg, port)
        self.alb_tg = elb.ensure_target_group(self.lab, "alb-web", self.vpc.id, protocol="HTTP", port=port, target_type="instance")
        self.nlb_tg = elb.ensure_target_group(self.lab, "nlb-web", self.vpc.id, protocol="TCP", port=port, target_type="instance")
        for group in (self.alb_tg, self.nlb_tg):
            elb.ensure_targets(self.lab, group, [self.instance])
        # The targets then see the NLB's addresses for the v2 link's requests too, as they do for PrivateLink's.
        elb.ensure_client_ip_preservation(self.lab, self.nlb_tg, enabled=False)
        self.alb_listener = elb.ensure_listener(self.lab, self.alb, port=self.LISTENER_PORT, protocol="HTTP", target_group=self.alb_tg)
        self.nlb_listener = elb.ensure_listener(self.lab, self.nlb, port=self.LISTENER_PORT, protocol="TCP", target_group=self.nlb_tg)
        namespace = cloudmap.ensure_namespace(self.lab, self.vpc)
        self.service = cloudmap.ensure_service(self.lab, namespace, "orders")
        address = self.cloud.client("ec2").describe_instances(InstanceIds=[self.instance])["Reservations"][0]["Instances"][0]["PrivateIpAddress"]
        cloudmap.ensure_instance(self.lab, self.service, self.instance, address, port)
        # Last: the NLB's ENIs (and so its addresses) exist only once it is active.
        for ip in elb.active_load_balancer_ips(self.lab, self.nlb):
            network.ensure_ingress(self.lab, self.web_sg, port, cidr=f"{ip}/32", description="NLB address (PrivateLink source)")
        return enis_in(self.cloud, [self.vpc.id])

    @step("vpc_links")
    def vpc_links(self) -> pd.DataFrame:
        """Both links, created together and then waited for (v1 takes longest)."""
        elb.wait_load_balancer(self.lab, self.nlb)  # a v1 link needs an active NLB
        self.link_v1 = apigw_rest.ensure_rest_vpc_link(self.lab, self.nlb.arn)
        self.link_v2 = apigw_http.ensure_vpc_link(self.lab, self.subnets, [self.link_sg])
        apigw_http.wait_vpc_link(self.lab, self.link_v2)
        apigw_rest.wait_rest_vpc_link(self.lab, self.link_v1)
        return enis_in(self.cloud, [self.vpc.id])

    @step("apis")
    def apis(self) -> pd.DataFrame:
        """A REST API through the v1 link to the NLB; an HTTP API with three routes through the one v2 link; then waits
        for the targets to be in service."""
        self.rest_api = apigw_rest.ensure_rest_api(self.lab, description="REST API -> VPC link v1 -> NLB",
                                                   auth_waiver=LAB_AUTH_WAIVER)
        integrations = apigw_rest.ensure_proxy_integration(self.lab, self.rest_api, f"http://{self.nlb.dns_name}:{self.LISTENER_PORT}",
                                                           connection_id=self.link_v1.id)
        self.stage = apigw_rest.ensure_stage(self.lab, self.rest_api, self.STAGE, redeploy=any(i.changed for i in integrations))
        self.http_api = apigw_http.ensure_http_api(self.lab, description="HTTP API -> one VPC link v2 -> ALB, NLB, Cloud Map",
                                                   auth_waiver=LAB_AUTH_WAIVER)
        self.http_targets = {"/alb": self.alb_listener.arn, "/nlb": self.nlb_listener.arn, "/orders": self.service.arn}
        for prefix, target in self.http_targets.items():
            integration = apigw_http.ensure_private_integration(self.lab, self.http_api, target, self.link_v2)
            apigw_http.ensure_routes(self.lab, self.http_api, integration, (f"ANY {prefix}/{{proxy+}}",))
        apigw_http.ensure_default_stage(self.lab, self.http_api)
        elb.wait_load_balancer(self.lab, self.alb)
        for group in (self.alb_tg, self.nlb_tg):
            elb.wait_targets_in_service(self.lab, group)
        return routes_of(self.cloud, [self.http_api.id])

    # What each link created ----------------------------------------------------------------
    @shows
    def endpoint_services(self) -> pd.DataFrame:
        """The VPC endpoint services in front of the lab's NLB: what a v1 link really is."""
        found = self.cloud.client("ec2").describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]
        rows = [{"service": s["ServiceId"], "name": s["ServiceName"], "state": s["ServiceState"],
                 "acceptance_required": s["AcceptanceRequired"], "load_balancer": s["NetworkLoadBalancerArns"][0].split("/")[-2]}
                for s in found if self.nlb.arn in s.get("NetworkLoadBalancerArns", [])]
        return pd.DataFrame(rows, columns=["service", "name", "state", "acceptance_required", "load_balancer"])

    @shows
    def link_enis(self) -> pd.DataFrame:
        """ENIs in the lab VPC that belong to the v2 link (they carry its security group) or to the NLB."""
        enis = enis_in(self.cloud, [self.vpc.id])
        nlb_ips = set(checks.load_balancer_ips(self.cloud, self.nlb.arn))
        enis = enis[enis["security_groups"].str.contains(self.link_sg.id) | enis["private_ip"].isin(nlb_ips)].copy()
        enis.insert(0, "carries", ["VPC link v2" if self.link_sg.id in g else "VPC link v1 (via the NLB)" for g in enis["security_groups"]])
        return enis.reset_index(drop=True)

    @shows
    def compare(self) -> pd.DataFrame:
        """The two links, every cell read from the live resources."""
        v1 = self.cloud.client("apigateway").get_vpc_link(vpcLinkId=self.link_v1.id)
        v2 = self.cloud.client("apigatewayv2").get_vpc_link(VpcLinkId=self.link_v2.id)
        services = self.endpoint_services()
        enis = self.link_enis()
        v2_enis = enis[enis["carries"] == "VPC link v2"]
        nlb = elb.describe_load_balancer(self.cloud, self.nlb.arn)
        v2_targets = routes_of(self.cloud, [self.http_api.id]).query("connection == @self.link_v2.id")["uri"].unique()
        kinds = sorted({"ALB" if "/app/" in t else "NLB" if "/net/" in t else "Cloud Map" for t in v2_targets})
        rows = [
            {"link type": "VPC link v1", "API type": "REST", "allowed targets": "one NLB",
             "mechanism": f"PrivateLink: endpoint service {', '.join(services['service']) or '(none found)'} in front of the NLB",
             "security groups": "none on the link; NLB groups " + (", ".join(nlb.security_groups) or "none"),
             "targets on this link": len(v1["targetArns"]),
             "ENIs in your VPC": "0 new: traffic arrives from the NLB's "
                                 f"{len(checks.load_balancer_ips(self.cloud, self.nlb.arn))} ENIs",
             "ENI owner": "ELB (the NLB's); the endpoint ENIs are in API Gateway's account"},
            {"link type": "VPC link v2", "API type": "HTTP (and REST since 2025)",
             "allowed targets": "ALB, NLB, Cloud Map (HTTP APIs); ALB, NLB (REST APIs)",
             "mechanism": "Hyperplane ENIs in your subnets (VPC-to-VPC NAT)",
             "security groups": ", ".join(v2.get("SecurityGroupIds", [])),
             "targets on this link": f"{len(v2_targets)} ({', '.join(kinds)})",
             "ENIs in your VPC": f"{len(v2_enis)} in {len(v2.get('SubnetIds', []))} subnets",
             "ENI owner": "API Gateway (requester-managed, your security groups)"},
        ]
        return pd.DataFrame(rows, columns=COMPARISON_COLUMNS).set_index("link type")

    # Verify ----------------------------------------------------------------------------------
    @step("verify")
    def verify(self) -> pd.DataFrame:
        port = self.params.target_port
        nlb_ips = checks.load_balancer_ips(self.cloud, self.nlb.arn)
        rows = [
            checks.rest_vpc_link_ready(self.cloud, self.link_v1.id),
            checks.nlb_admits_privatelink(self.cloud, self.nlb.arn),
            checks.group_admits_addresses(self.cloud, [self.web_sg.id], nlb_ips, port,
                                          "targets admit the NLB's addresses (PrivateLink source)"),
            checks.vpc_link_ready(self.cloud, self.link_v2.id, self.alb.arn),
            checks.group_admits_only(self.cloud, [self.alb_sg.id], {self.link_sg.id}, self.LISTENER_PORT,
                                     "ALB admits only the v2 link, on the listener port"),
            checks.targets_admit_nlb_clients(self.cloud, self.nlb_tg.arn, [self.web_sg.id], self._v2_link_ips(), port,
                                             "targets admit the v2 link's requests through the NLB"),
            checks.load_balancer_internal(self.cloud, self.alb.arn, "ALB is internal"),
            checks.load_balancer_internal(self.cloud, self.nlb.arn, "NLB is internal"),
            self._one_link_many_targets(),
            checks.api_authorized(self.cloud, self.rest_api.id, "rest"),
            checks.stage_throttled(self.cloud, self.rest_api.id, self.STAGE, "rest"),
            checks.api_authorized(self.cloud, self.http_api.id, "http"),
            checks.stage_throttled(self.cloud, self.http_api.id, "$default", "http"),
        ]
        return checks_frame(rows)

    def _v2_link_ips(self) -> list[str]:
        """The v2 link's ENI addresses: the clients the NLB sees on the HTTP API's /nlb route."""
        enis = self.link_enis()
        return list(enis.loc[enis["carries"] == "VPC link v2", "private_ip"])

    def _one_link_many_targets(self) -> checks.Check:
        routes = routes_of(self.cloud, [self.http_api.id])
        links, uris = set(routes["connection"]), set(routes["uri"])
        passed = links == {self.link_v2.id} and uris == set(self.http_targets.values())
        return checks.Check("one v2 link reaches the ALB, the NLB and the Cloud Map service", passed,
                            f"{len(uris)} target(s) through link(s) {', '.join(sorted(links))}")
