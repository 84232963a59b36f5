"""Rule 5 of issue 15: managed ENIs appear while their owner provisions, not inside the create call."""
from __future__ import annotations

from test_local_rules import (active, enis_described, interface_endpoint, load_balancer, net,  # noqa: F401
                              slow_clock, vpc_link_v2)


def description(lb) -> str:
    return "ELB " + lb["LoadBalancerArn"].split(":loadbalancer/")[1]


def test_load_balancer_has_no_eni_until_it_is_active(client, net, slow_clock):
    lb = load_balancer(client, net, "web")
    state = client("elbv2").describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"][0]["State"]
    assert state["Code"] == "provisioning"
    assert enis_described(client, description(lb)) == []

    slow_clock()
    active(client, lb)
    assert sorted(e["SubnetId"] for e in enis_described(client, description(lb))) == sorted(net["subnet_ids"])


def test_pinned_nlb_addresses_hold_once_it_is_active(client, net, slow_clock):
    mappings = [{"SubnetId": net["subnet_ids"][0], "PrivateIPv4Address": "10.20.1.40"},
                {"SubnetId": net["subnet_ids"][1], "PrivateIPv4Address": "10.20.2.40"}]
    lb = client("elbv2").create_load_balancer(Name="pinned", Type="network", Scheme="internal",
                                              SubnetMappings=mappings)["LoadBalancers"][0]
    assert enis_described(client, description(lb)) == []

    slow_clock()
    active(client, lb)
    assert sorted(e["PrivateIpAddress"] for e in enis_described(client, description(lb))) == ["10.20.1.40", "10.20.2.40"]


def test_http_api_vpc_link_has_no_eni_while_pending(client, net, slow_clock):
    link = vpc_link_v2(client, net)
    v2, ec2 = client("apigatewayv2"), client("ec2")
    assert v2.get_vpc_link(VpcLinkId=link["VpcLinkId"])["VpcLinkStatus"] == "PENDING"
    by_group = [{"Name": "group-id", "Values": [net["sg"]]}]
    assert ec2.describe_network_interfaces(Filters=by_group)["NetworkInterfaces"] == []

    slow_clock()
    assert v2.get_vpc_link(VpcLinkId=link["VpcLinkId"])["VpcLinkStatus"] == "AVAILABLE"
    assert len(ec2.describe_network_interfaces(Filters=by_group)["NetworkInterfaces"]) == 2


def test_interface_endpoint_has_no_eni_while_pending(client, net, slow_clock):
    pinned = [{"SubnetId": net["subnet_ids"][0], "Ipv4": "10.20.1.50"}]
    endpoint = interface_endpoint(client, net, SubnetIds=net["subnet_ids"][:1], SubnetConfigurations=pinned)
    assert endpoint["State"].lower() == "pending" and endpoint["NetworkInterfaceIds"] == []
    assert enis_described(client, f"VPC Endpoint Interface {endpoint['VpcEndpointId']}") == []

    slow_clock()
    described = client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]
    assert described["State"].lower() == "available" and len(described["NetworkInterfaceIds"]) == 1
    assert [e["PrivateIpAddress"] for e in enis_described(client, f"VPC Endpoint Interface {endpoint['VpcEndpointId']}")] \
        == ["10.20.1.50"]
