"""`labs`: every lab in the account by its tag, with resource count, age and cost; nothing untagged."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest

from apigw_kit import ParameterError, connect
from apigw_kit.labs import labs, older_than, parse_duration
from apigw_kit.steps import apigw_http, dns, endpoints, network

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


def _tags(lab_name: str, role: str) -> list[dict]:
    return [{"Key": "apigw-kit:lab", "Value": lab_name}, {"Key": "apigw-kit:role", "Value": role}]


def test_each_lab_is_priced_from_what_it_holds(endpoint, client):
    cloud = connect("local", REGION)
    lab = cloud.lab("priced")
    vpc = network.ensure_vpc(lab, "10.51.0.0/16")
    subnets = network.ensure_private_subnets(lab, vpc)
    group = network.ensure_security_group(lab, vpc, "alb", "alb")
    client("elbv2").create_load_balancer(Name="priced-alb", Type="application", Scheme="internal",
                                         Subnets=[s.id for s in subnets], SecurityGroups=[group.id],
                                         Tags=_tags("priced", "alb"))
    client("ec2").run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                SubnetId=subnets[0].id, TagSpecifications=[
                                    {"ResourceType": "instance", "Tags": _tags("priced", "web")}])
    endpoints.ensure_interface_endpoint(lab, vpc, subnets, [group.id])  # two subnets: two AZs billed
    dns.ensure_hosted_zone(lab, "priced.example.com")

    row = labs(cloud).set_index("lab").loc["priced"]

    hourly = 0.0252 + 0.0114 + 2 * 0.011
    assert row["usd_per_hour"] == pytest.approx(hourly)
    assert row["usd_per_month"] == pytest.approx(hourly * 730 + 0.50)  # and the zone's month
    assert row["cost"] == ""


def test_a_region_without_prices_shows_the_cost_as_unknown(endpoint):
    cloud = connect("local", "ap-south-2")
    apigw_http.ensure_http_api(cloud.lab("faraway"))
    lab = cloud.lab("faraway")
    vpc = network.ensure_vpc(lab, "10.52.0.0/16")
    endpoints.ensure_interface_endpoint(lab, vpc, network.ensure_private_subnets(lab, vpc),
                                        [network.ensure_security_group(lab, vpc, "e", "e").id])
    row = labs(cloud).set_index("lab").loc["faraway"]
    assert math.isnan(row["usd_per_hour"]) and "no price for ap-south-2" in row["cost"]


def test_labs_older_than_an_age_leave_out_those_of_unknown_age(endpoint, client):
    cloud = connect("local", REGION)
    api = apigw_http.ensure_http_api(cloud.lab("old"))
    network.ensure_vpc(cloud.lab("undated"), "10.53.0.0/16")
    created = client("apigatewayv2").get_api(ApiId=api.id)["CreatedDate"]
    now = created + timedelta(hours=3)
    table = labs(cloud, now)
    old, unknown = older_than(table, parse_duration("2h"), now)
    assert old["lab"].tolist() == ["old"] and unknown["lab"].tolist() == ["undated"]
    assert older_than(table, parse_duration("4h"), now)[0].empty


@pytest.mark.parametrize("text, expected", [("90m", timedelta(minutes=90)), ("2h", timedelta(hours=2)),
                                            ("3d", timedelta(days=3))])
def test_durations_read_minutes_hours_and_days(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["2", "h", "1.5h", "2w", "0h", "-1h"])
def test_a_bad_duration_names_the_option_and_the_form(text):
    with pytest.raises(ParameterError) as error:
        parse_duration(text)
    assert error.value.parameter == "--older-than" and "90m, 2h or 3d" in error.value.fix
