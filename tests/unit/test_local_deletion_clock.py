"""Rule 9 of issue 15: deletion takes time, and the ENIs of what was deleted are released after it."""
from __future__ import annotations

import pytest
from test_local_rules import (active, available, enis_described, error_code, interface_endpoint, load_balancer, net,  # noqa: F401
                              vpc_link_v2)

from apigw_kit.local import admin


@pytest.fixture
def clock(endpoint):
    """``clock(scale)`` sets the clock's scale (0: every delay over at once); the clock is restored after."""
    saved = admin(endpoint, "clock")
    yield lambda scale: admin(endpoint, "clock", {"scale": scale})
    admin(endpoint, "clock", saved)


def groups_and_subnets_in_use(client, net) -> list[str]:
    ec2 = client("ec2")
    return [error_code(ec2.delete_security_group, GroupId=net["sg"]),
            error_code(ec2.delete_subnet, SubnetId=net["subnet_ids"][0])]


def free_them(client, net) -> None:
    client("ec2").delete_security_group(GroupId=net["sg"])
    client("ec2").delete_subnet(SubnetId=net["subnet_ids"][0])


def test_deleted_load_balancer_is_gone_but_its_enis_linger(client, net, clock):
    clock(0)
    lb = active(client, load_balancer(client, net, "web"))
    description = "ELB app/web/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]
    assert len(enis_described(client, description)) == 2
    clock(1000.0)
    client("elbv2").delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])

    # No deleting state in DescribeLoadBalancers: the load balancer is not found at once.
    assert error_code(client("elbv2").describe_load_balancers,
                      LoadBalancerArns=[lb["LoadBalancerArn"]]) == "LoadBalancerNotFound"
    assert len(enis_described(client, description)) == 2
    assert groups_and_subnets_in_use(client, net) == ["DependencyViolation"] * 2

    clock(0)
    assert enis_described(client, description) == []
    free_them(client, net)


def test_deleted_http_api_vpc_link_is_deleting_then_gone_then_its_enis(client, net, clock):
    clock(0)
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    v2 = client("apigatewayv2")
    assert v2.get_vpc_link(VpcLinkId=link_id)["VpcLinkStatus"] == "AVAILABLE"
    by_group = [{"Name": "group-id", "Values": [net["sg"]]}]
    assert len(client("ec2").describe_network_interfaces(Filters=by_group)["NetworkInterfaces"]) == 2
    clock(1000.0)
    v2.delete_vpc_link(VpcLinkId=link_id)

    assert v2.get_vpc_link(VpcLinkId=link_id)["VpcLinkStatus"] == "DELETING"
    assert groups_and_subnets_in_use(client, net) == ["DependencyViolation"] * 2

    clock(0)
    assert error_code(v2.get_vpc_link, VpcLinkId=link_id) == "NotFoundException"
    free_them(client, net)


def test_deleted_rest_vpc_link_is_deleting_until_the_clock_says_gone(client, net, clock):
    clock(0)
    nlb = active(client, load_balancer(client, net, "nlb", kind="network"))
    apigw = client("apigateway")
    link_id = apigw.create_vpc_link(name="link", targetArns=[nlb["LoadBalancerArn"]])["id"]
    clock(1000.0)
    apigw.delete_vpc_link(vpcLinkId=link_id)
    assert apigw.get_vpc_link(vpcLinkId=link_id)["status"] == "DELETING"

    clock(0)
    assert error_code(apigw.get_vpc_link, vpcLinkId=link_id) == "NotFoundException"


def test_deleted_interface_endpoint_is_deleting_and_holds_its_enis(client, net, clock):
    clock(0)
    endpoint_id = available(client, interface_endpoint(client, net, SubnetIds=net["subnet_ids"]))["VpcEndpointId"]
    ec2 = client("ec2")
    clock(1000.0)
    answer = ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])

    assert answer["Unsuccessful"] == []
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"].lower() == "deleting"
    assert len(enis_described(client, f"VPC Endpoint Interface {endpoint_id}")) == 2
    assert groups_and_subnets_in_use(client, net) == ["DependencyViolation"] * 2

    clock(0)
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]["State"].lower() == "deleted"
    assert enis_described(client, f"VPC Endpoint Interface {endpoint_id}") == []
    free_them(client, net)


def test_a_second_delete_of_a_deleting_link_changes_nothing(client, net, clock):
    clock(1000.0)
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    v2 = client("apigatewayv2")
    v2.delete_vpc_link(VpcLinkId=link_id)
    v2.delete_vpc_link(VpcLinkId=link_id)
    assert v2.get_vpc_link(VpcLinkId=link_id)["VpcLinkStatus"] == "DELETING"
    clock(0)
    assert error_code(v2.get_vpc_link, VpcLinkId=link_id) == "NotFoundException"
