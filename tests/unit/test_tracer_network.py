"""The tracer's network layer: route tables, network ACLs and client IP preservation.

The reachability function is tested on its own (no AWS: a View fed with described resources), then each
layer on a healthy lab broken with plain boto3 calls: a deny entry, a missing ephemeral return rule, a
missing peering return route, a VPC with no way out, an NLB preserving the client's address.
"""
from __future__ import annotations

import ipaddress

import pytest
from test_tracer import CLIENT_VPN, build_http_alb, build_rest_nlb, build_rest_private_alb, cloud, traced  # noqa: F401

from apigw_kit import catalogue_lab
from apigw_kit.tracer import network
from apigw_kit.tracer.network import Side, View, acl_allows, reachable, way_out

net = ipaddress.ip_network
ALLOW_ALL = [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": egress, "CidrBlock": "0.0.0.0/0"}
             for egress in (False, True)]


def entry(number: int, action: str, cidr: str, ports: tuple[int, int] | None = None, egress: bool = False) -> dict:
    found = {"RuleNumber": number, "Protocol": "6" if ports else "-1", "RuleAction": action, "Egress": egress, "CidrBlock": cidr}
    return {**found, "PortRange": {"From": ports[0], "To": ports[1]}} if ports else found


# The function on its own ------------------------------------------------------------------------------------
def test_acl_rules_are_read_lowest_number_first_and_the_star_rule_denies():
    entries = [entry(90, "deny", "10.0.1.0/24", (80, 80)), *ALLOW_ALL, entry(32767, "deny", "0.0.0.0/0")]
    assert acl_allows(entries, False, net("10.0.2.0/24"), (80, 80)) == (True, "rule 100")
    allowed, why = acl_allows(entries, False, net("10.0.1.0/24"), (80, 80))
    assert not allowed and why.startswith("rule 90 denies TCP 80")
    # A deny covering part of the peer still drops some of its connections (the harder reading).
    assert not acl_allows(entries, False, net("10.0.0.0/16"), (80, 80))[0]
    # An allow decides only for the ports it covers; what no rule allows falls to *.
    only_80 = [entry(100, "allow", "0.0.0.0/0", (80, 80), egress=True)]
    allowed, why = acl_allows(only_80, True, net("10.0.1.0/24"), network.EPHEMERAL)
    assert not allowed and "1024-65535" in why and "* rule" in why
    split = [entry(100, "allow", "0.0.0.0/0", (1024, 2000), egress=True), entry(110, "allow", "10.0.0.0/8", (2001, 65535), egress=True)]
    assert acl_allows(split, True, net("10.0.1.0/24"), network.EPHEMERAL) == (True, "rules 100, 110")
    # Only the direction asked for counts.
    assert not acl_allows([entry(100, "allow", "0.0.0.0/0", egress=True)], False, net("10.0.1.0/24"), (80, 80))[0]


class DescribedView(View):
    """A View over resources given as DescribeSubnets/NetworkAcls/RouteTables would return them."""

    def __init__(self, subnets: dict[str, tuple[str, str]], acls: dict[str, list[dict]], tables: dict[str, list[dict]]):
        super().__init__(ec2=None)
        self._subnets = {s: {"SubnetId": s, "VpcId": vpc, "CidrBlock": cidr} for s, (vpc, cidr) in subnets.items()}
        self._acls = {s: {"NetworkAclId": f"acl-{s}", "Entries": e} for s, e in acls.items()}
        self._tables = {s: {"RouteTableId": f"rtb-{s}", "Routes": routes} for s, routes in tables.items()}


def _route(cidr: str, **target) -> dict:
    return {"DestinationCidrBlock": cidr, "State": "active", **target}


def _peered_view(return_route: bool = True, client_acl: list[dict] = ALLOW_ALL) -> DescribedView:
    client_routes = [_route("10.1.0.0/16", GatewayId="local"), _route("10.2.0.0/16", VpcPeeringConnectionId="pcx-1")]
    server_routes = [_route("10.2.0.0/16", GatewayId="local")] + (
        [_route("10.1.0.0/16", VpcPeeringConnectionId="pcx-1")] if return_route else [])
    return DescribedView({"c": ("vpc-c", "10.1.0.0/24"), "s": ("vpc-s", "10.2.0.0/24")},
                         {"c": client_acl, "s": ALLOW_ALL}, {"c": client_routes, "s": server_routes})


CLIENT = Side("client", (net("10.1.0.0/24"),), ("c",))
SERVER = Side("server", (net("10.2.0.9/32"),), ("s",), ("sg-server",))


def test_reachable_needs_routes_both_ways_then_acls_then_groups():
    group = {"GroupId": "sg-server", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}]}
    healthy = reachable(_peered_view(), CLIENT, SERVER, 443, [group])
    assert [(f.layer, f.verdict) for f in healthy] == [("route tables", "ok"), ("network ACLs", "ok"), ("security groups", "ok")]
    assert "via pcx-1" in healthy[0].reason
    no_return = reachable(_peered_view(return_route=False), CLIENT, SERVER, 443, [group])
    assert [(f.layer, f.verdict) for f in no_return] == [("route tables", "fail")]
    assert "s's route table rtb-s has no route to 10.1.0.0/24" in no_return[0].reason
    no_ephemeral_in = [entry(100, "allow", "0.0.0.0/0", (443, 443), egress=True), entry(100, "allow", "0.0.0.0/0", (443, 443))]
    dropped = reachable(_peered_view(client_acl=no_ephemeral_in), CLIENT, SERVER, 443)
    assert dropped[-1].layer == "network ACLs" and dropped[-1].verdict == "fail" and "the answer into c" in dropped[-1].reason
    refused = reachable(_peered_view(), CLIENT, SERVER, 80, [group])
    assert refused[-1].layer == "security groups" and refused[-1].verdict == "fail"


def test_a_subnet_without_a_gateway_route_has_no_way_out():
    view = DescribedView({"a": ("vpc", "10.0.0.0/24"), "b": ("vpc", "10.0.1.0/24"), "p": ("vpc", "10.0.2.0/24")}, {},
                         {"a": [_route("0.0.0.0/0", NatGatewayId="nat-1")], "b": [_route("10.0.0.0/16", GatewayId="local")],
                          "p": [_route("0.0.0.0/0", VpcPeeringConnectionId="pcx-1")]})
    assert way_out(view, ["a"]).verdict == "ok"
    assert way_out(view, ["a", "b"]).verdict == "warn"
    closed = way_out(view, ["b", "p"])
    assert closed.verdict == "fail" and "a peering carries no traffic" in closed.reason


# Each layer on a lab broken with plain boto3 -------------------------------------------------------------------
def _default_acl(cloud, vpc_id: str) -> str:
    return cloud.client("ec2").describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                              {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]["NetworkAclId"]


DENIES = {  # (builder, request, egress, ports, status, hop, what the failing hop says)
    "request into the ALB's subnet": (build_http_alb, catalogue_lab.api_request, False, (80, 80), 503,
                                      "vpc link -> load balancer", "rule 90 denies TCP 80"),
    "answer out of the ALB's subnet": (build_http_alb, catalogue_lab.api_request, True, network.EPHEMERAL, 503,
                                       "vpc link -> load balancer", "the answer out of"),
    "request into the targets' subnet": (build_rest_nlb, catalogue_lab.rest_nlb_request, False, (80, 80), 500,
                                         "target ingress", "rule 90 denies TCP 80"),
}


@pytest.mark.parametrize("case", sorted(DENIES))
def test_a_network_acl_entry_drops_the_connection(cloud, case):
    """A deny entry (rule 90, before the default allow-all 100) in the VPC's default network ACL."""
    build, request, egress, ports, status, hop, says = DENIES[case]
    lab = cloud.lab("tr")
    vpc = build(lab)
    cloud.client("ec2").create_network_acl_entry(
        NetworkAclId=_default_acl(cloud, vpc.id), RuleNumber=90, Protocol="6", RuleAction="deny", Egress=egress,
        CidrBlock=vpc.cidr, PortRange={"From": ports[0], "To": ports[1]})
    result = traced(cloud, **request(lab))
    assert (result.status, result.failure.hop, result.failure.component) == (status, hop, "network ACLs"), result.frame.to_string()
    assert says in result.failure.reason


def _peered_client(cloud, lab, vpc) -> tuple[str, str, str]:
    """A client VPC on CLIENT_VPN (which the lab's ALB admits), peered to the lab's VPC and routed to it;
    the private zone is shared with it. Returns (client VPC, peering, the lab's route table)."""
    ec2, r53 = cloud.client("ec2"), cloud.client("route53")
    client = ec2.create_vpc(CidrBlock=CLIENT_VPN, TagSpecifications=lab.tag_specs("vpc", "client-vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=client, CidrBlock="10.99.1.0/24", TagSpecifications=lab.tag_specs("subnet", "client-a"))
    pcx = ec2.create_vpc_peering_connection(VpcId=client, PeerVpcId=vpc.id)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    table = ec2.create_route_table(VpcId=client)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["Subnet"]["SubnetId"])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=vpc.cidr, VpcPeeringConnectionId=pcx)
    zone = next(z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"].rstrip(".") == f"{lab.name}.internal")
    r53.associate_vpc_with_hosted_zone(HostedZoneId=zone["Id"], VPC={"VPCRegion": cloud.region, "VPCId": client})
    lab_table = ec2.describe_route_tables(Filters=lab.ec2_filters("private-routes"))["RouteTables"][0]["RouteTableId"]
    return client, pcx, lab_table


def test_peering_needs_the_return_route(cloud):
    lab = cloud.lab("tr")
    vpc = build_rest_private_alb(lab)
    client, pcx, lab_table = _peered_client(cloud, lab, vpc)
    request = {"url": f"https://{catalogue_lab.custom_domain(lab)}/", "source": f"vpc:{client}"}
    result = traced(cloud, **request)
    assert (result.status, result.failure.hop, result.failure.component) == (None, "source -> load balancer", "route tables")
    assert "no route to 10.99.1.0/24" in result.failure.reason, result.frame.to_string()
    cloud.client("ec2").create_route(RouteTableId=lab_table, DestinationCidrBlock=CLIENT_VPN, VpcPeeringConnectionId=pcx)
    repaired = traced(cloud, **request)
    assert repaired.status == 200, repaired.frame.to_string()
    assert any(h.component == "route tables" and pcx in h.reason for h in repaired.hops)
    # A second client subnet on the VPC's main table (no route to the peer): its clients are cut off, the others not.
    stray = cloud.client("ec2").create_subnet(VpcId=client, CidrBlock="10.99.2.0/24")["Subnet"]["SubnetId"]
    partly = traced(cloud, **request)
    assert partly.status == 200 and any(f"clients in {stray} time out" in h.reason for h in partly.warnings), partly.frame.to_string()


def test_a_vpc_without_a_way_out_cannot_reach_a_public_api(cloud):
    lab = cloud.lab("tr")
    vpc = build_http_alb(lab)
    result = traced(cloud, **catalogue_lab.api_request(lab, source=f"vpc:{vpc.id}"))
    assert (result.status, result.failure.hop, result.failure.component) == (None, "source -> API Gateway", "route tables")
    ec2 = cloud.client("ec2")
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc.id)
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc.id]}])["RouteTables"]:
        ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    assert traced(cloud, **catalogue_lab.api_request(lab, source=f"vpc:{vpc.id}")).status == 200


def test_an_nlb_preserving_the_client_address_needs_it_admitted_at_the_targets(cloud):
    """Instance targets see the caller's address (not the NLB's) unless preservation is off; through the REST
    API's VPC link (PrivateLink) they see the NLB's."""
    lab = cloud.lab("tr")
    vpc = build_rest_nlb(lab)
    ec2, elb = cloud.client("ec2"), cloud.client("elbv2")
    nlb = elb.describe_load_balancers(Names=[lab.resource_name("nlb")])["LoadBalancers"][0]
    web = ec2.describe_security_groups(Filters=lab.ec2_filters("web"))["SecurityGroups"][0]["GroupId"]
    catalogue_lab._revoke_sources(lab, web, groups=nlb["SecurityGroups"])
    for ip in catalogue_lab.load_balancer_ips(cloud, nlb["LoadBalancerArn"]):  # the NLB's addresses, as pattern 4 admits them
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": f"{ip}/32"}]}])
    direct = {"url": f"http://{nlb['DNSName']}/", "source": f"vpc:{vpc.id}"}
    preserved = traced(cloud, **direct)
    assert (preserved.status, preserved.failure.hop) == (None, "target ingress"), preserved.frame.to_string()
    assert "preserved by the NLB" in preserved.failure.reason
    assert traced(cloud, **catalogue_lab.rest_nlb_request(lab)).status == 200  # PrivateLink: the NLB's own addresses
    group = elb.describe_target_groups(LoadBalancerArn=nlb["LoadBalancerArn"])["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=group, Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "false"}])
    assert traced(cloud, **direct).status == 200
