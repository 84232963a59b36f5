"""The hourly cost line: priced from the dated table, only hourly items, region named."""
from __future__ import annotations

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


def test_unpriced_resources_cost_nothing_and_units_multiply():
    planned = [Planned("apigatewayv2:api", "api", "HTTP API"),
               Planned("ec2:vpc-endpoint", "execute-api", "endpoint", price="interface-endpoint-az", units=2),
               Planned("ec2:nat-gateway", "nat", "NAT", price="nat-gateway")]
    found = costs.estimate(planned, "us-east-1")
    assert found.total == pytest.approx(2 * 0.01 + 0.045)
    assert found.table["role"].tolist() == ["execute-api", "nat"]


def test_a_region_without_prices_says_which_prices_were_used():
    found = costs.estimate([Planned("elbv2:load-balancer", "nlb", "NLB", price="nlb")], "ap-south-2")
    assert found.region == costs.DEFAULT_REGION
    assert "no prices kept for ap-south-2" in found.line


def test_every_region_prices_every_item():
    for region, prices in costs.PRICES.items():
        assert set(prices) == set(costs.ITEMS), region
