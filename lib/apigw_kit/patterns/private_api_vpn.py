"""Pattern 3: client network (peering or VPN) -> internal ALB -> execute-api VPC endpoint -> private REST API.

Source: seed 002 (reaching a private API Gateway over VPN or VPC peering,
2019). A private REST API answers only through an interface VPC endpoint, and
the endpoint's private DNS works only inside its VPC; an internal ALB whose IP
targets are the endpoint's ENIs makes the API reachable from any network routed
to the VPC. The endpoint routes on the Host header, so the ALB alone earns a
403 ``Forbidden``; a regional custom domain with a base path mapping, and a
DNS name for the ALB, fix that. What the kit does differently: the target
addresses are read from the endpoint (never typed), pinned with
``SubnetConfigurations`` (2023) so they cannot drift, and checked against the
endpoint's current ENIs; the endpoint admits only the ALB, and a check proves
the client network cannot go around it; and the 2024 alternative, a private
custom domain admitted to the endpoint by an access association, is built
beside it.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field

import pandas as pd
from botocore.exceptions import ClientError

from .. import checks
from ..checks import Check
from ..errors import MissingResource, ParameterError
from ..lab import LAB_AUTH_WAIVER
from ..inventory import rules_of, targets_of
from ..plan import Planned
from ..steps import apigw_rest, dns, elb, endpoints, network
from ..tracer import evaluate_resource_policy, trace
from .base import CommonParameters, PatternRun, checks_frame, step
from .certified_domain import CertifiedDomain, normalise_hostname
from .lab_network import LabNetwork, subnet_row, validate_cidr

PORT = 443
STAGE = "prod"
HEALTHY_CODES = "200,403"  # the endpoint answers a health check (no API Host header) with 403
# CreateVpcEndpoint: private DNS needs the VPC's enableDnsSupport and enableDnsHostnames; SubnetConfigurations pins addresses.
CREATE_ENDPOINT_PAGE = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html"


@dataclass
class Parameters(CommonParameters):
    lab_name: str = "private-vpn"
    vpc_cidr: str = "10.50.0.0/16"
    client_cidr: str = "10.51.0.0/16"
    vpc_id: str = ""
    subnet_ids: list = field(default_factory=list)
    domain_name: str = "private-api.example.com"
    hosted_zone_id: str = ""
    certificate_arn: str = ""
    pin_endpoint_ips: bool = True
    private_domain_name: str = "internal-api.example.com"


class Run(LabNetwork, CertifiedDomain, PatternRun):
    PATTERN = "private-vpn"
    EXERCISES = ("health-matcher-without-403", "private-policy-excludes-endpoint")
    NOTEBOOK = "03_private_api_over_vpn"
    TITLE = "Client network -> internal ALB -> execute-api endpoint -> private REST API"
    CLIENT = "client network\n(peering or VPN)"
    Parameters = Parameters
    VPC_LINK_V2 = False  # the client reaches the API through an ALB and an endpoint, no VPC link
    STEPS = ("network", "security_groups", "endpoint", "private_api", "certificate", "load_balancer",
             "client_dns", "custom_domain", "private_domain", "private_domain_dns")

    # Validation (read-only) ---------------------------------------------------------
    def validate(self) -> None:
        p = self.params
        client = validate_cidr("client_cidr", p.client_cidr)
        self.validate_network()
        if p.vpc_id:
            taken = [e["VpcEndpointId"] for e in self._execute_api_endpoints(p.vpc_id) if e.get("PrivateDnsEnabled")]
            if taken:
                raise ParameterError("vpc_id", f"{p.vpc_id} already has an execute-api endpoint with private DNS "
                                     f"({taken[0]}); a second one cannot enable it", "pass a VPC without one")
            require_dns_attributes(self.cloud, p.vpc_id)
            if p.pin_endpoint_ips:
                self._require_pinned_addresses_free()
        api_side = ipaddress.ip_network(self.vpc.cidr if p.vpc_id else p.vpc_cidr)
        if client.overlaps(api_side):
            raise ParameterError("client_cidr", f"{client} overlaps the API's VPC {api_side}",
                                 "use a client network that does not overlap it: peering and VPN routes need distinct blocks")
        if p.private_domain_name:
            p.private_domain_name = normalise_hostname("private_domain_name", p.private_domain_name)
            if p.private_domain_name == normalise_hostname("domain_name", p.domain_name):
                raise ParameterError("private_domain_name", "equals domain_name",
                                     "use another name: the regional and the private custom domain are built side by side")
        extra = (("private_domain_name", p.private_domain_name),) if p.private_domain_name else ()
        self.validate_domain(*extra)
        for name in filter(None, (p.domain_name, p.private_domain_name)):
            apigw_rest.check_rest_domain_free(self.lab, name)

    def _require_pinned_addresses_free(self) -> None:
        """The addresses the endpoint will pin in given subnets are held by no other network interface."""
        pinned = endpoints.pinned_addresses(self.subnets)
        ec2 = self.cloud.client("ec2")
        holders = network.network_interfaces(ec2, [{"Name": "vpc-id", "Values": [self.params.vpc_id]},
                                                   {"Name": "addresses.private-ip-address", "Values": list(pinned.values())}])
        if not holders:
            return
        ours = {eni for e in ec2.describe_vpc_endpoints(Filters=self.lab.ec2_filters("endpoint"))["VpcEndpoints"]
                for eni in e.get("NetworkInterfaceIds", [])}  # a re-run finds its own endpoint there
        for eni in (e for e in holders if e["NetworkInterfaceId"] not in ours):
            taken = sorted({a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses", [])} & set(pinned.values()))
            raise ParameterError("pin_endpoint_ips", f"{', '.join(taken)} in {eni['SubnetId']} is already held by "
                                 f"{eni['NetworkInterfaceId']} ({eni.get('Description') or eni.get('InterfaceType', 'interface')})",
                                 f"free that address, or pass pin_endpoint_ips=False so AWS picks free ones "
                                 f"({CREATE_ENDPOINT_PAGE})")

    def _execute_api_endpoints(self, vpc_id: str) -> list[dict]:
        found = self.cloud.client("ec2").describe_vpc_endpoints(Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "service-name", "Values": [endpoints.service_name(self.cloud)]},
            {"Name": "vpc-endpoint-state", "Values": ["pending", "available"]}])["VpcEndpoints"]
        return found

    @property
    def bring_your_own(self) -> bool:
        return bool(self.params.vpc_id)

    @property
    def client_source(self) -> str:
        """Where requests come from, for the tracer: the lab's peered client VPC, or the given client network."""
        return f"vpc:{self.client_vpc.id}" if not self.bring_your_own else self.params.client_cidr

    def planned(self) -> list[Planned]:
        p = self.params
        rows = self.planned_network()
        if not p.vpc_id:
            rows += [Planned("ec2:vpc", "client-vpc", f"the client network {p.client_cidr} (stands in for a VPN)"),
                     Planned("ec2:route-table", "client-routes", "the API's VPC via the peering"),
                     Planned("ec2:subnet", "client-a", "client subnet"),
                     Planned("ec2:vpc-peering", "peering", "client VPC <-> the API's VPC, a route each way")]
        rows += [Planned("ec2:security-group", "alb", f"ALB: admits {p.client_cidr} on 443 only"),
                 Planned("ec2:security-group", "endpoint", "endpoint: admits the ALB's group on 443 only"),
                 Planned("ec2:vpc-endpoint", "endpoint", "execute-api interface endpoint, private DNS"
                         + (", pinned addresses" if p.pin_endpoint_ips else ""), price="interface-endpoint-az", units=2),
                 Planned("apigateway:rest-api", "private-api", "private REST API, policy admits the endpoint only")]
        rows += self.planned_certificate()
        rows += [Planned("elbv2:load-balancer", "alb", "internal ALB, HTTPS:443 listener", price="alb"),
                 Planned("elbv2:target-group", "endpoint", "IP targets: the endpoint's ENIs, HTTPS, healthy on 200,403"),
                 Planned("route53:record", "alias", f"A alias {p.domain_name} -> the ALB"),
                 Planned("apigateway:domain-name", "rest-domain", f"{p.domain_name}, regional, mapped to the API")]
        if p.private_domain_name:
            rows += [Planned("apigateway:domain-name", "private-domain", f"{p.private_domain_name}, private (2024)"),
                     Planned("apigateway:access-association", "access", "admits the endpoint to the private domain"),
                     Planned("route53:hosted-zone", "private-zone", f"private zone {p.private_domain_name}, in the "
                             + ("client VPC" if not p.vpc_id else f"API's VPC {p.vpc_id}"), price="hosted-zone"),
                     Planned("route53:record", "private-alias", f"A alias {p.private_domain_name} -> the endpoint")]
        return rows

    def given(self) -> dict[str, str]:
        return {**self.given_network(), **self.given_certificate()}

    # Steps -----------------------------------------------------------------------------
    @step("network")
    def network(self) -> pd.DataFrame:
        """The API's VPC with two private subnets, and the client network peered to it with routes both ways."""
        p = self.params
        self.build_network()
        if not self.bring_your_own:
            self.client_vpc = network.ensure_vpc(self.lab, p.client_cidr, role="client-vpc")
            self.client_subnets = network.ensure_private_subnets(self.lab, self.client_vpc, count=1, prefix="client")
            self.peering = endpoints.ensure_peering(self.lab, self.client_vpc, self.vpc)
            for role, destination in (("client-routes", self.vpc.cidr), ("private-routes", self.client_vpc.cidr)):
                endpoints.ensure_route(self.lab, self._route_table(role), destination, self.peering)
        subnets = [("API", s) for s in self.subnets] + [("client", s) for s in getattr(self, "client_subnets", [])]
        return pd.DataFrame([{"network": side, **subnet_row(self.cloud, s), "peering_routes": ", ".join(self._peering_routes(s))}
                             for side, s in subnets])

    def _route_table(self, role: str) -> str:
        tables = self.cloud.client("ec2").describe_route_tables(Filters=self.lab.ec2_filters(role))["RouteTables"]
        return tables[0]["RouteTableId"]

    def _peering_routes(self, subnet: network.Subnet) -> list[str]:
        tables = self.cloud.client("ec2").describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet.id]}])["RouteTables"]
        return [f"{r['DestinationCidrBlock']} -> {r['VpcPeeringConnectionId']}" for t in tables for r in t["Routes"]
                if r.get("VpcPeeringConnectionId")]

    @step("security_groups")
    def security_groups(self) -> pd.DataFrame:
        """The ALB admits the client network on 443; the endpoint admits only the ALB's group."""
        self.alb_sg = network.ensure_security_group(self.lab, self.vpc, "alb", "Internal ALB: the client network only")
        self.endpoint_sg = network.ensure_security_group(self.lab, self.vpc, "endpoint", "execute-api endpoint: the ALB only")
        network.ensure_ingress(self.lab, self.alb_sg, PORT, cidr=self.params.client_cidr,
                               description="HTTPS from the client network (peering or VPN)")
        network.ensure_ingress(self.lab, self.endpoint_sg, PORT, source_group=self.alb_sg.id,
                               description="HTTPS from the internal ALB")
        return rules_of(self.cloud, [self.alb_sg.id, self.endpoint_sg.id])

    @step("endpoint")
    def endpoint(self) -> pd.DataFrame:
        """The execute-api interface endpoint with private DNS; its ENI addresses, pinned when asked.

        Not waited for here: the load balancer step creates the ALB first, so both provision at once.
        """
        pinned = endpoints.pinned_addresses(self.subnets) if self.params.pin_endpoint_ips else None
        self.vpce = endpoints.ensure_interface_endpoint(self.lab, self.vpc, self.subnets, [self.endpoint_sg.id],
                                                        private_dns=True, pinned=pinned)
        return endpoints.endpoint_enis(self.cloud, self.vpce.id)

    @step("private_api")
    def private_api(self) -> pd.DataFrame:
        """The private REST API: its policy admits the endpoint only; GET / answers from a MOCK integration."""
        policy = apigw_rest.endpoint_only_policy(self.vpce.id)
        self.api = apigw_rest.ensure_rest_api(self.lab, "private-api", endpoint_type="PRIVATE", policy=policy,
                                              description="Private API reached through an internal ALB",
                                              auth_waiver=LAB_AUTH_WAIVER)
        apigw_rest.ensure_method(self.lab, self.api, self.api.root_id, "GET")
        changed = apigw_rest.ensure_mock_integration(self.lab, self.api, self.api.root_id, "GET",
                                                     {"message": "hello from the private API", "lab": self.lab.name})
        self.stage = apigw_rest.ensure_stage(self.lab, self.api, STAGE, redeploy=changed)
        return policy_statements(self.cloud, self.api.id)

    @step("certificate")
    def certificate(self) -> pd.DataFrame:
        """The hosted zone, a certificate covering both domains, its validation records (waited for at the listener)."""
        return self.ensure_certificate()

    @step("load_balancer")
    def load_balancer(self) -> pd.DataFrame:
        """The internal ALB in the endpoint's subnets; IP targets read from the endpoint; the HTTPS listener;
        then waits for the targets to be in service."""
        self.alb = elb.ensure_load_balancer(self.lab, "alb", "application", self.subnets, [self.alb_sg.id])
        self.target_group = elb.ensure_target_group(self.lab, "endpoint", self.vpc.id, protocol="HTTPS", port=PORT,
                                                    target_type="ip", health_protocol="HTTPS", matcher=HEALTHY_CODES)
        endpoints.wait_endpoint(self.lab, self.vpce)  # its addresses are final once it is available
        elb.ensure_targets(self.lab, self.target_group, self.endpoint_ips())
        dns.wait_certificate(self.lab, self.cert, self.zone)
        self.listener = elb.ensure_listener(self.lab, self.alb, port=PORT, protocol="HTTPS",
                                            target_group=self.target_group, certificate_arn=self.cert.arn)
        elb.wait_load_balancer(self.lab, self.alb)
        elb.wait_targets_in_service(self.lab, self.target_group)
        return targets_of(self.cloud, [self.target_group.arn])

    def endpoint_ips(self) -> list[str]:
        """The endpoint's ENI addresses as the API reports them now (read once it is available)."""
        addresses = endpoints.endpoint_enis(self.cloud, self.vpce.id)["private_ip"].tolist()
        if not addresses:  # never register an empty target list: the ALB would answer 503
            raise MissingResource(f"VPC endpoint {self.vpce.id} has no network interface: it is still pending "
                                  "(its interfaces appear while it provisions) or was deleted meanwhile.")
        return addresses

    @step("client_dns")
    def client_dns(self) -> pd.DataFrame:
        """An alias A record: the domain name resolves to the internal ALB (its private addresses)."""
        lb = self.cloud.client("elbv2").describe_load_balancers(LoadBalancerArns=[self.alb.arn])["LoadBalancers"][0]
        dns.ensure_alias_record(self.lab, self.zone, self.params.domain_name, lb["DNSName"], lb["CanonicalHostedZoneId"])
        return dns.records_of(self.cloud, self.zone, self.lab.name)

    @step("custom_domain")
    def custom_domain(self) -> pd.DataFrame:
        """A regional custom domain with the ALB's name, mapped to the stage: the Host the endpoint routes on."""
        self.domain = apigw_rest.ensure_rest_domain(self.lab, self.params.domain_name, self.cert.arn)
        apigw_rest.ensure_base_path_mapping(self.lab, self.domain, self.api, STAGE)
        return domains_of(self.cloud, [self.domain])

    @step("private_domain")
    def private_domain(self) -> pd.DataFrame:
        """The 2024 way: a private custom domain, admitted to the endpoint by an access association."""
        name = self.params.private_domain_name
        if not name:
            self.private = None
            return domains_of(self.cloud, [])
        self.private = apigw_rest.ensure_rest_domain(self.lab, name, self.cert.arn, private=True, role="private-domain",
                                                     policy=apigw_rest.endpoint_only_policy(self.vpce.id))
        apigw_rest.ensure_base_path_mapping(self.lab, self.private, self.api, STAGE)
        apigw_rest.ensure_access_association(self.lab, self.private, self.vpce.id)
        return domains_of(self.cloud, [self.domain, self.private])

    @property
    def resolver_vpc_id(self) -> str:
        """The VPC whose resolver answers the private domain: the lab's client VPC, or the given VPC
        (a VPN's clients reach its resolver through a Route 53 Resolver inbound endpoint)."""
        return self.vpc.id if self.bring_your_own else self.client_vpc.id

    @step("private_domain_dns")
    def private_domain_dns(self) -> pd.DataFrame:
        """The private domain's name: a private hosted zone in the client network's VPC, an alias to the endpoint."""
        name = self.params.private_domain_name
        if not name:
            self.private_zone = None
            return pd.DataFrame(columns=dns.RECORD_COLUMNS)
        entry = endpoints.describe_endpoint(self.cloud, self.vpce.id)["DnsEntries"][0]  # the endpoint's regional name
        self.private_zone = dns.ensure_private_alias(self.lab, name, self.resolver_vpc_id, entry["DnsName"],
                                                     entry["HostedZoneId"])
        return dns.records_of(self.cloud, self.private_zone, self.lab.name)

    # Verify --------------------------------------------------------------------------
    @step("verify")
    def verify(self) -> pd.DataFrame:
        rows = [
            checks.load_balancer_internal(self.cloud, self.alb.arn),
            checks.subnets_private(self.cloud, self.alb.arn),
            health_check_accepts_forbidden(self.cloud, self.target_group.arn),
            checks.targets_match_addresses(self.cloud, self.target_group.arn, self.endpoint_ips(),
                                           "targets are the endpoint's current ENI addresses"),
            checks.group_admits_only(self.cloud, [self.alb_sg.id], {self.params.client_cidr}, PORT,
                                     "ALB admits only the client network, on 443"),
            checks.group_admits_only(self.cloud, [self.endpoint_sg.id], {self.alb_sg.id}, PORT,
                                     "endpoint admits only the ALB, on 443"),
            api_private_to_endpoint(self.cloud, self.api.id, self.vpce.id),
            client_reaches_api(self.cloud, self.entry_url, self.client_source),
            client_cannot_bypass_alb(self.cloud, self.vpce.id, self.api.id, self.client_source),
            checks.api_authorized(self.cloud, self.api.id, "rest"),
            checks.stage_throttled(self.cloud, self.api.id, STAGE, "rest"),
        ]
        if self.params.private_domain_name:
            rows += [private_domain_admits_endpoint(self.cloud, self.params.private_domain_name, self.vpce.id),
                     private_domain_resolves(self.cloud, self.params.private_domain_name, self.resolver_vpc_id, self.vpce.id)]
        return checks_frame(rows)

    @property
    def entry_url(self) -> str:
        return f"https://{self.params.domain_name}/"

    def trace(self, url: str | None = None, **kwargs):
        """As PatternRun.trace, from the client network unless ``source`` says otherwise."""
        return super().trace(url, **{"source": self.client_source, **kwargs})


def require_dns_attributes(cloud, vpc_id: str) -> None:
    """A given VPC resolves the endpoint's private DNS only with both DNS attributes on; ParameterError otherwise."""
    ec2 = cloud.client("ec2")
    off = [attribute for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames"))
           if not ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]]
    if off:
        raise ParameterError("vpc_id", f"{vpc_id} has {' and '.join(off)} off: the execute-api endpoint's private DNS "
                             "needs both", f"turn them on (aws ec2 modify-vpc-attribute --vpc-id {vpc_id} "
                             f"--enable-dns-hostnames, and --enable-dns-support; see {CREATE_ENDPOINT_PAGE}), "
                             "or leave vpc_id empty to build a lab VPC")


# Tables ------------------------------------------------------------------------------------
def policy_statements(cloud, api_id: str) -> pd.DataFrame:
    """The API's resource policy, one row per statement."""
    api = cloud.client("apigateway").get_rest_api(restApiId=api_id)
    document = json.loads(api["policy"].replace('\\"', '"')) if api.get("policy") else {"Statement": []}
    rows = [{"api": api_id, "endpoint_type": ",".join(api["endpointConfiguration"]["types"]), "sid": s.get("Sid", ""),
             "effect": s["Effect"], "action": s["Action"], "condition": json.dumps(s.get("Condition", {}))}
            for s in document["Statement"]]
    return pd.DataFrame(rows, columns=["api", "endpoint_type", "sid", "effect", "action", "condition"])


def domains_of(cloud, domains) -> pd.DataFrame:
    """Custom domains with their type, base path mappings and (private ones) access associations."""
    v1, rows = cloud.client("apigateway"), []
    associations = v1.get_domain_name_access_associations(resourceOwner="SELF").get("items", []) if domains else []
    for domain in domains:
        ids = {"domainNameId": domain.id} if domain.id else {}
        mappings = v1.get_base_path_mappings(domainName=domain.name, **ids).get("items", [])
        admitted = [a["accessAssociationSource"] for a in associations if a["domainNameArn"] == domain.arn]
        rows.append({"domain": domain.name, "type": "PRIVATE" if domain.id else "REGIONAL",
                     "mappings": ", ".join(f"/{m.get('basePath', '(none)')} -> {m['restApiId']}/{m.get('stage')}" for m in mappings),
                     "access_associations": ", ".join(admitted) or ("none" if domain.id else "(not needed)")})
    return pd.DataFrame(rows, columns=["domain", "type", "mappings", "access_associations"])


# Checks -----------------------------------------------------------------------------------
def health_check_accepts_forbidden(cloud, target_group_arn: str) -> Check:
    """HTTPS health checks that count the endpoint's 403 (it gets no API Host header) as healthy."""
    group = cloud.client("elbv2").describe_target_groups(TargetGroupArns=[target_group_arn])["TargetGroups"][0]
    codes = group.get("Matcher", {}).get("HttpCode", "")
    accepted = elb.matcher_codes(codes)
    problems = [f"{name} is {value}" for name, value in (("protocol", group["Protocol"]),
                ("health check protocol", group.get("HealthCheckProtocol")), ("target type", group["TargetType"]))
                if value != ("ip" if name == "target type" else "HTTPS")]
    if not {200, 403} <= accepted:
        problems.append(f"matcher {codes!r} does not accept 200 and 403: every endpoint ENI is marked unhealthy")
    return Check("health checks speak HTTPS and accept the endpoint's 403", not problems,
                 "; ".join(problems) or f"HTTPS to ip targets, matcher {codes}")


def api_private_to_endpoint(cloud, api_id: str, endpoint_id: str) -> Check:
    """The API is PRIVATE and its policy allows the endpoint and refuses any other (evaluated, not pattern-matched)."""
    api = cloud.client("apigateway").get_rest_api(restApiId=api_id)
    types = api.get("endpointConfiguration", {}).get("types", [])
    ours, _ = evaluate_resource_policy(api.get("policy"), {"aws:sourcevpce": endpoint_id})
    other, why = evaluate_resource_policy(api.get("policy"), {"aws:sourcevpce": "vpce-00000000000000000"})
    problems = ([] if types == ["PRIVATE"] else [f"endpoint type {types}"]) + \
               ([] if ours == "allow" else [f"the policy does not allow {endpoint_id} ({ours})"]) + \
               ([] if other == "deny" else [f"the policy also admits other endpoints ({why})"])
    return Check("private API admits only its VPC endpoint", not problems,
                 "; ".join(problems) or f"PRIVATE; policy allows {endpoint_id} and denies any other")


def client_reaches_api(cloud, url: str, source: str) -> Check:
    """A request from the client network through the ALB reaches the API (traced hop by hop)."""
    traced = trace(cloud, url, source=source)
    return Check("client network reaches the API through the ALB", traced.ok,
                 f"{traced.outcome}: {traced.reason}")


def client_cannot_bypass_alb(cloud, endpoint_id: str, api_id: str, source: str) -> Check:
    """The client network cannot open a connection to the endpoint itself (it must come through the ALB)."""
    entries = cloud.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["DnsEntries"]
    host = f"{api_id}.execute-api.{cloud.region}.amazonaws.com"
    traced = trace(cloud, f"https://{entries[0]['DnsName']}/{STAGE}/", source=source, host=host)
    failure = traced.failure
    blocked = failure is not None and failure.hop.startswith("source ->")
    return Check("client network cannot reach the endpoint directly", blocked,
                 failure.reason if blocked else f"{traced.outcome}: the endpoint admits the client network, around the ALB")


def private_domain_admits_endpoint(cloud, name: str, endpoint_id: str) -> Check:
    """The private custom domain exists, is mapped, and an access association admits the endpoint."""
    v1 = cloud.client("apigateway")
    domains = [d for page in v1.get_paginator("get_domain_names").paginate() for d in page["items"]
               if d["domainName"] == name and "PRIVATE" in d.get("endpointConfiguration", {}).get("types", [])]
    if not domains:
        return Check("private custom domain admits the endpoint", False, f"no private custom domain {name}")
    domain = domains[0]
    try:
        mappings = v1.get_base_path_mappings(domainName=name, domainNameId=domain["domainNameId"]).get("items", [])
    except ClientError:
        mappings = []
    associations = [a for a in v1.get_domain_name_access_associations(resourceOwner="SELF").get("items", [])
                    if a["domainNameArn"] == domain["domainNameArn"] and a["accessAssociationSource"] == endpoint_id]
    problems = ([] if mappings else ["no base path mapping"]) + \
               ([] if associations else [f"no access association for {endpoint_id}: the endpoint refuses the name"])
    return Check("private custom domain admits the endpoint", not problems,
                 "; ".join(problems) or f"{name} ({domain['domainNameId']}) mapped, associated with {endpoint_id}")


def private_domain_resolves(cloud, name: str, vpc_id: str, endpoint_id: str) -> Check:
    """A private zone for the private domain, associated with ``vpc_id``, aliases the name to the endpoint."""
    r53 = cloud.client("route53")
    zones = [z for z in r53.list_hosted_zones_by_name(DNSName=name, MaxItems="10")["HostedZones"]
             if z["Name"].rstrip(".") == name and z["Config"].get("PrivateZone")]
    title = "private custom domain resolves to the endpoint"
    if not zones:
        return Check(title, False, f"no private hosted zone {name}: the name does not resolve inside the VPC")
    targets = {e["DnsName"].lower() for e in endpoints.describe_endpoint(cloud, endpoint_id).get("DnsEntries", [])}
    for zone in zones:
        vpcs = [v["VPCId"] for v in r53.get_hosted_zone(Id=zone["Id"]).get("VPCs", [])]
        found = r53.list_resource_record_sets(HostedZoneId=zone["Id"], StartRecordName=name, StartRecordType="A",
                                              MaxItems="1")["ResourceRecordSets"]
        alias = (found[0].get("AliasTarget") or {}).get("DNSName", "").rstrip(".").lower() \
            if found and found[0]["Name"].rstrip(".") == name and found[0]["Type"] == "A" else ""
        problems = ([] if vpc_id in vpcs else [f"zone {zone['Id'].split('/')[-1]} is not associated with {vpc_id}"]) + \
                   ([] if alias in targets else [f"no A alias {name} -> {endpoint_id}" + (f" (points at {alias})" if alias else "")])
        if not problems:
            return Check(title, True, f"A alias {name} -> {alias}, zone associated with {vpc_id}")
    return Check(title, False, "; ".join(problems))
