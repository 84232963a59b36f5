"""What the pattern tests ask of a run's Verify checks, and the networks they bring."""
from __future__ import annotations


def failing(run) -> dict[str, str]:
    """The checks that fail now: name -> detail."""
    checks = run.verify()
    return dict(zip(checks.loc[~checks["passed"], "check"], checks.loc[~checks["passed"], "detail"]))


def own_network(ec2, second_octet: int, region: str, dns: bool = True) -> tuple[str, list[str]]:
    """A bring-your-own VPC 10.<second_octet>.0.0/16 with two subnets in two zones; DNS attributes on unless ``dns`` is false."""
    vpc = ec2.create_vpc(CidrBlock=f"10.{second_octet}.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": dns}})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{second_octet}.{i}.0/24",
                                 AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"] for i, zone in ((1, "a"), (2, "b"))]
    return vpc, subnets
