"""Where VPC links v2 can be built: the Availability Zone IDs API Gateway supports, per Region.

The table is the API Gateway developer guide's "Availability by Region" table for VPC links V2
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-links-v2.html,
formerly https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html).
It lists zone IDs (use1-az1), not names (us-east-1a): names map to different zones in each account
(https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html), IDs do not.
A Region the table does not list is not known to refuse any zone.
"""
from __future__ import annotations

VPC_LINK_V2_ZONE_IDS: dict[str, frozenset[str]] = {region: frozenset(ids.split()) for region, ids in {
    "us-east-2": "use2-az1 use2-az2 use2-az3",
    "us-east-1": "use1-az1 use1-az2 use1-az4 use1-az5 use1-az6",
    "us-west-1": "usw1-az1 usw1-az3",
    "us-west-2": "usw2-az1 usw2-az2 usw2-az3 usw2-az4",
    "ap-east-1": "ape1-az2 ape1-az3",
    "ap-south-1": "aps1-az1 aps1-az2 aps1-az3",
    "ap-northeast-2": "apne2-az1 apne2-az2 apne2-az3",
    "ap-southeast-1": "apse1-az1 apse1-az2 apse1-az3",
    "ap-southeast-2": "apse2-az1 apse2-az2 apse2-az3",
    "ap-northeast-1": "apne1-az1 apne1-az2 apne1-az4",
    "ca-central-1": "cac1-az1 cac1-az2",
    "eu-central-1": "euc1-az1 euc1-az2 euc1-az3",
    "eu-west-1": "euw1-az1 euw1-az2 euw1-az3",
    "eu-west-2": "euw2-az1 euw2-az2 euw2-az3",
    "eu-west-3": "euw3-az1 euw3-az3",
    "eu-south-2": "eus2-az1 eus2-az2 eus2-az3",
    "eu-north-1": "eun1-az1 eun1-az2 eun1-az3",
    "me-south-1": "mes1-az1 mes1-az2 mes1-az3",
    "sa-east-1": "sae1-az1 sae1-az2 sae1-az3",
    "us-gov-west-1": "usgw1-az1 usgw1-az2 usgw1-az3",
}.items()}
VPC_LINK_V2_ZONES_PAGE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-links-v2.html"


def vpc_link_v2_supports(region: str, zone_id: str) -> bool:
    """True unless the table lists ``region`` without ``zone_id``."""
    supported = VPC_LINK_V2_ZONE_IDS.get(region)
    return supported is None or zone_id in supported
