"""A lab lists (and so tears down) only its own peering connections, even where the backend ignores tag filters."""
from __future__ import annotations

from apigw_kit import connect


def test_another_labs_peering_is_not_listed(endpoint, client):
    ec2 = client("ec2")
    cloud = connect("local", "eu-west-1")
    other = cloud.lab("other")
    a, b = (ec2.create_vpc(CidrBlock=c)["Vpc"]["VpcId"] for c in ("10.61.0.0/16", "10.62.0.0/16"))
    peering = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b,
                                                TagSpecifications=other.tag_specs("vpc-peering-connection", "peering"))
    peering_id = peering["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    assert peering_id in set(other.resources()["id"])
    assert peering_id not in set(cloud.lab("mine").resources()["id"])
