"""What a lab costs while it runs, and what it costs if forgotten, from a small dated on-demand price table.

Priced: what is billed by the hour (load balancers before their capacity units,
interface VPC endpoints per Availability Zone, NAT gateways, instances) and what is
billed by the month (Route 53 hosted zones, Cloud Map registered instances). HTTP
and REST APIs, VPC links, security groups and ACM public certificates carry no
standing charge; requests, capacity units, DNS queries and data processed depend
on traffic and are left out. Bring-your-own resources are not counted: they cost
the same whether or not the lab runs.

Prices are kept for a few regions only. Anywhere else the estimate says "no price
for REGION" and leaves the total unknown rather than borrow another region's
figures (they differ by region, sometimes by a third).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

PRICES_AS_OF = "2025-06-01"
SOURCES = ("https://aws.amazon.com/elasticloadbalancing/pricing/", "https://aws.amazon.com/privatelink/pricing/",
           "https://aws.amazon.com/vpc/pricing/", "https://aws.amazon.com/ec2/pricing/on-demand/",
           "https://aws.amazon.com/route53/pricing/", "https://aws.amazon.com/cloud-map/pricing/")
# USD per hour, on-demand, Linux, as listed on the pages above on PRICES_AS_OF.
PRICES: dict[str, dict[str, float]] = {
    "eu-west-1": {"alb": 0.0252, "nlb": 0.0252, "interface-endpoint-az": 0.011, "nat-gateway": 0.048,
                  "t3.micro": 0.0114},
    "us-east-1": {"alb": 0.0225, "nlb": 0.0225, "interface-endpoint-az": 0.01, "nat-gateway": 0.045,
                  "t3.micro": 0.0104},
}
# USD per month. Route 53 is a global service: a hosted zone (public or private) costs $0.50 a month for
# the first 25 zones of the account ($0.10 beyond), the same in every region. Cloud Map charges $0.10 a
# month per registered instance (the AWS Price List's "Resource-Month"); the zone of a private DNS
# namespace is a Route 53 private hosted zone and is billed as one.
MONTHLY_PRICES: dict[str, float] = {"hosted-zone": 0.50, "cloudmap-instance": 0.10}
# Route 53 charges a zone's month in full once the zone is 12 hours old and does not prorate it; a zone
# deleted within 12 hours of its creation is not charged at all.
ZONE_BILLING_PAGE = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/troubleshooting-billed-twice.html"
# USD per analysis, the same in every commercial region: VPC Reachability Analyzer bills each analysis it
# processes ("Network Analysis" on the VPC pricing page), whatever the path; creating a path is free.
# Not part of a lab's estimate: only `apigw-kit doctor --reachability` runs analyses, and says so first.
REACHABILITY_ANALYSIS = 0.10
REACHABILITY_PRICE_AS_OF = "2026-12-01"
REACHABILITY_PRICING = "https://aws.amazon.com/vpc/pricing/"
HOURS_PER_MONTH = 730  # the AWS Pricing Calculator's month
ITEMS = {
    "alb": "Application Load Balancer (hour, capacity units extra)",
    "nlb": "Network Load Balancer (hour, capacity units extra)",
    "interface-endpoint-az": "interface VPC endpoint, per Availability Zone (data extra)",
    "nat-gateway": "NAT gateway (hour, data extra)",
    "t3.micro": "EC2 instance t3.micro (on-demand)",
    "hosted-zone": "Route 53 hosted zone (month, queries extra)",
    "cloudmap-instance": "Cloud Map registered instance (month, discovery calls extra)",
}
NOT_COUNTED = ("requests, capacity units, DNS queries and data processed (traffic-based); the instances' EBS "
               "volumes; API Gateway and VPC links have no standing charge")
COLUMNS = ["item", "role", "units", "billed", "usd_each", "usd_per_hour", "usd_per_month"]


@dataclass
class Estimate:
    """Priced rows, with the hourly and monthly totals; a total is None when an item has no price."""
    table: pd.DataFrame
    region: str
    hourly: float | None      # USD per hour of the items billed by the hour
    monthly: float | None     # USD per month of the items billed by the month
    unpriced: list[str]       # items present without a price here

    @property
    def zones(self) -> int:
        return int(self.table.loc[self.table["item"] == ITEMS["hosted-zone"], "units"].sum())

    @property
    def per_day(self) -> float | None:
        """What a forgotten lab costs a day: its hourly items (monthly items come in whole months)."""
        return None if self.hourly is None else self.hourly * 24

    @property
    def per_month(self) -> float | None:
        """What a forgotten lab costs a month: hourly items over 730 hours plus the monthly items."""
        if self.hourly is None or self.monthly is None:
            return None
        return self.hourly * HOURS_PER_MONTH + self.monthly

    @property
    def line(self) -> str:
        if self.unpriced:
            return (f"cost while running: unknown: no price for {self.region} of "
                    f"{', '.join(self.unpriced)} (prices are kept for {', '.join(sorted(PRICES))} only; "
                    f"see {SOURCES[0]} and the other pricing pages); not counted anyway: {NOT_COUNTED}")
        monthly = ""
        if self.monthly:
            monthly = f" incl. ${self.monthly:.2f}/month of monthly items"
            if self.zones:
                monthly += (f" ({self.zones} hosted zone{'s' * (self.zones > 1)}: a zone deleted within 12 hours is "
                            "not charged, after that its month is charged in full)")
        return (f"cost while running: ~${self.hourly:.4f}/hour; if forgotten ~${self.per_day:.2f}/day, "
                f"~${self.per_month:,.2f}/month{monthly}; on-demand prices of {PRICES_AS_OF} for {self.region}; "
                f"not counted: {NOT_COUNTED}")


def _row(p, hourly: dict[str, float]) -> dict:
    monthly = p.price in MONTHLY_PRICES
    each = MONTHLY_PRICES[p.price] if monthly else hourly.get(p.price, math.nan)
    row = {"item": ITEMS.get(p.price, p.price), "role": p.role, "units": p.units,
           "billed": "month" if monthly else "hour", "usd_each": each}
    if monthly:
        return {**row, "usd_per_hour": math.nan, "usd_per_month": round(each * p.units, 4)}
    return {**row, "usd_per_hour": round(each * p.units, 4), "usd_per_month": round(each * p.units * HOURS_PER_MONTH, 2)}


def estimate(planned, region: str) -> Estimate:
    """The cost of the priced entries of ``planned`` (plan.Planned, or anything with price/role/units) in ``region``."""
    hourly = PRICES.get(region, {})
    rows = [_row(p, hourly) for p in planned if p.price]
    table = pd.DataFrame(rows, columns=COLUMNS)
    unpriced = sorted({r["item"] for r in rows if math.isnan(r["usd_each"])})
    by_hour = table["billed"] == "hour"
    if unpriced:
        return Estimate(table, region, None, None, unpriced)
    return Estimate(table, region, round(float(table.loc[by_hour, "usd_per_hour"].sum()), 4),
                    round(float(table.loc[~by_hour, "usd_per_month"].sum()), 4), [])
