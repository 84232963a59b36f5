"""`labs`: every lab in the account by its tag, with resource count and age; nothing untagged."""
from __future__ import annotations

from datetime import timedelta

from apigw_kit import connect
from apigw_kit.labs import labs
from apigw_kit.steps import apigw_http, network

REGION = "eu-west-1"


def test_labs_are_found_by_tag_with_count_and_age(endpoint, client):
    cloud = connect("local", REGION)
    alpha = cloud.lab("alpha")
    vpc = network.ensure_vpc(alpha, "10.31.0.0/16")
    network.ensure_security_group(alpha, vpc, "web", "web")
    api = apigw_http.ensure_http_api(alpha)
    network.ensure_vpc(cloud.lab("beta-2"), "10.32.0.0/16")
    only_api = cloud.lab("gamma")  # a lab with no EC2 resource is found through its API's tags
    apigw_http.ensure_http_api(only_api)
    ec2 = client("ec2")
    ec2.create_vpc(CidrBlock="10.33.0.0/16")  # untagged: not a lab
    ec2.create_vpc(CidrBlock="10.34.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "apigw-kit:lab", "Value": "Not A Lab!"}]}])  # not a name the kit writes

    created = client("apigatewayv2").get_api(ApiId=api.id)["CreatedDate"]
    before = cloud.calls.snapshot()
    table = labs(cloud, now=created + timedelta(minutes=90)).set_index("lab")
    assert cloud.calls.since(before)["mutating"] == 0
    assert sorted(table.index) == ["alpha", "beta-2", "gamma"]
    assert table.loc["alpha", "resources"] == 3 and table.loc["alpha", "age"] == "1h 30m"
    assert table.loc["beta-2", "resources"] == 1 and table.loc["beta-2", "age"] == "unknown"  # VPCs carry no date
    assert table.loc["gamma", "kinds"] == "apigatewayv2:api"
