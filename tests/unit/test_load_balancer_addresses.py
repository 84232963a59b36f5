"""NLB addresses for security-group rules (patterns 4 and 5): read once the NLB is active, never empty."""
from __future__ import annotations

import pytest

from apigw_kit import connect
from apigw_kit.errors import MissingResource
from apigw_kit.local import admin
from apigw_kit.steps import elb, network

REGION = "eu-west-1"


@pytest.fixture
def nlb(endpoint):
    admin(endpoint, "clock", {"scale": 0.01})  # provisioning lasts about two real seconds
    lab = connect("local", REGION).lab("addr")
    subnets = network.ensure_private_subnets(lab, network.ensure_vpc(lab, "10.60.0.0/16"))
    return lab, elb.ensure_load_balancer(lab, "nlb", "network", subnets)


def test_addresses_are_read_once_the_nlb_is_active(nlb):
    lab, lb = nlb
    assert elb.load_balancer_ips(lab.cloud, lb.arn) == []  # provisioning: no ENI yet

    addresses = elb.active_load_balancer_ips(lab, lb)

    assert len(addresses) == 2
    assert elb.load_balancer_state(lab.cloud, lb.arn) == "active"


def test_an_active_nlb_without_interfaces_is_an_error_naming_it(nlb, client):
    lab, lb = nlb
    ec2 = client("ec2")
    assert elb.active_load_balancer_ips(lab, lb)
    for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]:  # only the NLB's in this account
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])

    with pytest.raises(MissingResource, match=lb.name):
        elb.active_load_balancer_ips(lab, lb)
