"""Rule eni_paging: DescribeNetworkInterfaces pages as EC2 does and refuses unpaginated listings of a large account."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from apigw_kit.local import admin

REGION = "eu-west-1"
DESCRIPTION = [{"Name": "description", "Values": ["ELB app/web/0123"]}]


@pytest.fixture
def enis(client):
    """Twelve interfaces with one description in a fresh subnet."""
    ec2 = client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    made = [ec2.create_network_interface(SubnetId=subnet, Description="ELB app/web/0123")["NetworkInterface"]
            ["NetworkInterfaceId"] for _ in range(12)]
    return {"ec2": ec2, "ids": made, "vpc": vpc, "subnet": subnet}


@pytest.fixture
def large_account(enis, endpoint):
    """The same interfaces, in an account whose limit for unpaginated listings is lowered to ten."""
    admin(endpoint, "eni-paging", {"unpaginated_limit": 10})
    yield enis
    admin(endpoint, "eni-paging", {"unpaginated_limit": None})


def test_max_results_and_next_token_page_through_every_match(enis):
    ec2 = enis["ec2"]
    first = ec2.describe_network_interfaces(Filters=DESCRIPTION, MaxResults=5)
    assert len(first["NetworkInterfaces"]) == 5 and first["NextToken"]
    pages = ec2.get_paginator("describe_network_interfaces").paginate(Filters=DESCRIPTION, PaginationConfig={"PageSize": 5})
    found = [[e["NetworkInterfaceId"] for e in page["NetworkInterfaces"]] for page in pages]
    assert [len(page) for page in found] == [5, 5, 2]
    assert sorted(sum(found, [])) == sorted(enis["ids"])


@pytest.mark.parametrize("params, code", [
    ({"MaxResults": 1001}, "InvalidParameterValue"),
    ({"MaxResults": 5, "NextToken": "not-a-token"}, "InvalidPaginationToken"),
])
def test_bad_paging_parameters_fail(enis, params, code):
    with pytest.raises(ClientError) as error:
        enis["ec2"].describe_network_interfaces(Filters=DESCRIPTION, **params)
    assert error.value.response["Error"]["Code"] == code


def test_ids_cannot_be_combined_with_max_results(enis):
    with pytest.raises(ClientError) as error:
        enis["ec2"].describe_network_interfaces(NetworkInterfaceIds=enis["ids"][:2], MaxResults=5)
    assert error.value.response["Error"]["Code"] == "InvalidParameterCombination"


def test_unpaginated_call_filtered_by_description_fails_in_a_large_account(large_account):
    with pytest.raises(ClientError) as error:
        large_account["ec2"].describe_network_interfaces(Filters=DESCRIPTION)
    assert error.value.response["Error"]["Code"] == "InvalidRequest"
    assert "MaxResults and NextToken" in error.value.response["Error"]["Message"]


def test_unpaginated_calls_by_ids_or_an_indexed_filter_still_answer(large_account):
    ec2 = large_account["ec2"]
    assert len(ec2.describe_network_interfaces(NetworkInterfaceIds=large_account["ids"][:3])["NetworkInterfaces"]) == 3
    in_subnet = [{"Name": "subnet-id", "Values": [large_account["subnet"]]}]
    assert len(ec2.describe_network_interfaces(Filters=in_subnet + DESCRIPTION)["NetworkInterfaces"]) == 12
