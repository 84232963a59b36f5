"""The in-process transport: a process's own embedded AWS is reached without a socket, with the same answers."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from apigw_kit import connect
from apigw_kit.local import reset, transport

REGION = "eu-west-1"


def http_client(endpoint: str, service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def in_process_client(endpoint: str, service: str):
    client = http_client(endpoint, service)
    assert transport.attach(client, endpoint)
    return client


def build(ec2, lambda_) -> list[str]:
    """A few resources of two protocols (EC2 query, Lambda REST-JSON with an ARN in the path); their ids."""
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:nothing-here"
    with pytest.raises(ClientError) as missing:
        lambda_.get_function_configuration(FunctionName=arn)
    return [vpc, subnet, group, eni, missing.value.response["Error"]["Code"]]


def test_in_process_calls_get_the_ids_and_errors_http_gets(endpoint):
    # The first build on a new server draws other ids than the builds after a reset, whichever the
    # transport (seen with both): the two builds compared both follow a reset.
    build(http_client(endpoint, "ec2"), http_client(endpoint, "lambda"))
    reset(endpoint)
    over_http = build(http_client(endpoint, "ec2"), http_client(endpoint, "lambda"))
    reset(endpoint)
    in_process = build(in_process_client(endpoint, "ec2"), in_process_client(endpoint, "lambda"))
    assert in_process == over_http  # the seeded generator draws the same ids: committed notebook outputs hold
    assert over_http[-1] == "ResourceNotFoundException"


def test_fidelity_rules_apply_in_process(endpoint):
    ec2 = in_process_client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.31.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet)
    with pytest.raises(ClientError) as in_use:  # rules/dependency_violation.py
        ec2.delete_subnet(SubnetId=subnet)
    assert in_use.value.response["Error"]["Code"] == "DependencyViolation"


def test_connect_goes_in_process_to_this_process_s_embedded_aws_only(endpoint):
    cloud = connect("local", REGION)
    assert isinstance(cloud.client("ec2")._endpoint.http_session, transport.InProcessSession)
    elsewhere = http_client("http://127.0.0.1:9", "ec2")  # another process's embedded AWS: HTTP as before
    assert not transport.attach(elsewhere, "http://127.0.0.1:9")
    assert not isinstance(elsewhere._endpoint.http_session, transport.InProcessSession)
