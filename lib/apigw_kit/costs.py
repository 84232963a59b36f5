"""What a lab costs per hour while it runs, from a small on-demand price table.

Only resources billed by the hour are priced: load balancers (before their
capacity units), interface VPC endpoints (per Availability Zone), NAT gateways
and instances. HTTP and REST APIs, VPC links, security groups and ACM public
certificates have no hourly charge; requests, capacity units and data
processed depend on traffic and are left out. Bring-your-own resources are not
counted: they cost the same whether or not the lab runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PRICES_AS_OF = "2025-06-01"
SOURCES = ("https://aws.amazon.com/elasticloadbalancing/pricing/", "https://aws.amazon.com/privatelink/pricing/",
           "https://aws.amazon.com/vpc/pricing/", "https://aws.amazon.com/ec2/pricing/on-demand/")
# USD per hour, on-demand, Linux, as listed on the pages above on PRICES_AS_OF.
PRICES: dict[str, dict[str, float]] = {
    "eu-west-1": {"alb": 0.0252, "nlb": 0.0252, "interface-endpoint-az": 0.011, "nat-gateway": 0.048,
                  "t3.micro": 0.0114},
    "us-east-1": {"alb": 0.0225, "nlb": 0.0225, "interface-endpoint-az": 0.01, "nat-gateway": 0.045,
                  "t3.micro": 0.0104},
}
DEFAULT_REGION = "eu-west-1"
ITEMS = {
    "alb": "Application Load Balancer (hour, capacity units extra)",
    "nlb": "Network Load Balancer (hour, capacity units extra)",
    "interface-endpoint-az": "interface VPC endpoint, per Availability Zone (data extra)",
    "nat-gateway": "NAT gateway (hour, data extra)",
    "t3.micro": "EC2 instance t3.micro (on-demand)",
}
NOT_COUNTED = "requests, capacity units and data processed (traffic-based); API Gateway and VPC links have no hourly charge"
COLUMNS = ["item", "role", "units", "usd_per_hour_each", "usd_per_hour"]


@dataclass
class Estimate:
    table: pd.DataFrame
    total: float
    region: str          # the region whose prices were used
    asked_region: str    # the region the lab runs in

    @property
    def line(self) -> str:
        where = self.region if self.region == self.asked_region else \
            f"{self.region} (no prices kept for {self.asked_region}; expect a difference of a few percent)"
        return (f"cost while running: ~${self.total:.4f}/hour (~${self.total * 24:.2f}/day), "
                f"on-demand prices of {PRICES_AS_OF} for {where}; not counted: {NOT_COUNTED}")


def estimate(planned, region: str) -> Estimate:
    """The hourly cost of the priced entries of ``planned`` (plan.Planned) in ``region``."""
    used = region if region in PRICES else DEFAULT_REGION
    prices = PRICES[used]
    rows = [{"item": ITEMS[p.price], "role": p.role, "units": p.units, "usd_per_hour_each": prices[p.price],
             "usd_per_hour": round(prices[p.price] * p.units, 4)} for p in planned if p.price]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Estimate(table, round(float(table["usd_per_hour"].sum()), 4), used, region)
