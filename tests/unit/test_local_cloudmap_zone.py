"""Embedded AWS rule cloudmap_namespace_zone: a deleted DNS namespace takes its hosted zone with it."""
from __future__ import annotations

REGION = "eu-west-1"


def test_deleting_a_private_dns_namespace_deletes_its_hosted_zone(client):
    ec2, cloudmap, route53 = client("ec2"), client("servicediscovery"), client("route53")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    other = route53.create_hosted_zone(Name="keep.example", CallerReference="keep")["HostedZone"]["Id"]
    cloudmap.create_private_dns_namespace(Name="orders.internal", Vpc=vpc)
    namespace = cloudmap.list_namespaces()["Namespaces"][0]
    assert len(route53.list_hosted_zones()["HostedZones"]) == 2

    cloudmap.delete_namespace(Id=namespace["Id"])

    assert [z["Id"] for z in route53.list_hosted_zones()["HostedZones"]] == [other]
