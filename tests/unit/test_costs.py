"""The cost line: priced from the dated table, hourly and monthly items, a forgotten lab's day and month, region named."""
from __future__ import annotations

import math

import pytest

from apigw_kit import costs
from apigw_kit.plan import Planned


def test_pattern_one_costs_its_alb_and_instance(endpoint, capsys):
    from apigw_kit.patterns.http_alb import Run
    table = Run(region="eu-west-1", lab_name="priced").cost()
    line = capsys.readouterr().out
    assert table["role"].tolist() == ["alb", "web"]
    assert table["usd_per_hour"].sum() == pytest.approx(0.0252 + 0.0114)
    assert "$0.0366/hour" in line and costs.PRICES_AS_OF in line and "eu-west-1" in line
    assert "~$0.88/day" in line and "~$26.72/month" in line  # 0.0366 x 24, x 730


def test_unpriced_resources_cost_nothing_and_units_multiply():
    planned = [Planned("apigatewayv2:api", "api", "HTTP API"),
               Planned("ec2:vpc-endpoint", "execute-api", "endpoint", price="interface-endpoint-az", units=2),
               Planned("ec2:nat-gateway", "nat", "NAT", price="nat-gateway")]
    found = costs.estimate(planned, "us-east-1")
    assert found.hourly == pytest.approx(2 * 0.01 + 0.045)
    assert found.table["role"].tolist() == ["execute-api", "nat"]


def test_a_region_without_prices_says_so_and_leaves_the_total_unknown():
    found = costs.estimate([Planned("elbv2:load-balancer", "nlb", "NLB", price="nlb")], "ap-south-2")
    assert found.region == "ap-south-2"
    assert found.hourly is None and found.per_day is None and found.per_month is None
    assert "no price for ap-south-2" in found.line and costs.ITEMS["nlb"] in found.line
    assert "eu-west-1" not in found.line.split("(")[0]  # no borrowed figure
    assert math.isnan(found.table["usd_per_hour"].iloc[0]) and found.table["units"].iloc[0] == 1


def test_an_instance_type_without_a_price_makes_the_total_unknown():
    found = costs.estimate([Planned("ec2:instance", "web", "web", price="m5.large")], "eu-west-1")
    assert found.hourly is None and found.unpriced == ["m5.large"]


def test_monthly_items_are_shown_beside_the_hourly_figure():
    planned = [Planned("elbv2:load-balancer", "alb", "ALB", price="alb"),
               Planned("route53:hosted-zone", "zone", "zone", price="hosted-zone"),
               Planned("servicediscovery:namespace", "namespace", "namespace", price="hosted-zone"),
               Planned("servicediscovery:service", "orders", "service", price="cloudmap-instance")]
    found = costs.estimate(planned, "eu-west-1")
    assert found.hourly == pytest.approx(0.0252)
    assert found.monthly == pytest.approx(2 * 0.50 + 0.10)
    assert found.per_month == pytest.approx(0.0252 * 730 + 1.10)
    assert found.table.set_index("role").loc["zone", "billed"] == "month"
    assert "$1.10/month of monthly items" in found.line and "2 hosted zones" in found.line
    assert "within 12 hours is not charged" in found.line


def test_pattern_four_prices_its_cloud_map_namespace_zone_and_instance(endpoint):
    from apigw_kit.patterns.vpc_link_types import Run
    run = Run(region="us-east-1", lab_name="priced4")
    found = costs.estimate(run.planned(), run.cloud.region)
    assert found.monthly == pytest.approx(0.50 + 0.10)


def test_every_region_prices_every_hourly_item():
    for region, prices in costs.PRICES.items():
        assert set(prices) | set(costs.MONTHLY_PRICES) == set(costs.ITEMS), region
