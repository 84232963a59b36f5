"""Rule route53_name_servers: each public hosted zone has its own name servers, and only the delegated one validates."""
import time

REGION = "eu-west-1"


def _apex_ns(route53, zone_id: str, name: str) -> list[str]:
    found = route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name, StartRecordType="NS",
                                              MaxItems="1")["ResourceRecordSets"][0]
    return sorted(r["Value"] for r in found["ResourceRecords"])


def test_each_public_zone_has_its_own_four_name_servers(client):
    route53 = client("route53", REGION)
    first = route53.create_hosted_zone(Name="example.com", CallerReference="one")
    second = route53.create_hosted_zone(Name="example.com", CallerReference="two")
    ours, theirs = (set(z["DelegationSet"]["NameServers"]) for z in (first, second))
    assert len(ours) == len(theirs) == 4 and not ours & theirs
    zone_id = first["HostedZone"]["Id"]
    assert _apex_ns(route53, zone_id, "example.com.") == sorted(ours)
    assert sorted(route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"]) == sorted(ours)


def test_only_the_zone_the_parent_delegates_to_validates_a_certificate(client):
    route53, acm = client("route53", REGION), client("acm", REGION)
    parent = route53.create_hosted_zone(Name="example.com", CallerReference="parent")["HostedZone"]["Id"]
    stale, current = (route53.create_hosted_zone(Name="team.example.com", CallerReference=ref) for ref in ("old", "new"))
    arn = acm.request_certificate(DomainName="api.team.example.com", ValidationMethod="DNS")["CertificateArn"]
    record = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"][0]["ResourceRecord"]
    changes = [("team.example.com", "NS", current["DelegationSet"]["NameServers"], parent)]
    changes.append((record["Name"], "CNAME", [record["Value"]], stale["HostedZone"]["Id"]))  # written to the other zone
    for name, type_, values, zone in changes:
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": type_, "TTL": 300, "ResourceRecords": [{"Value": v} for v in values]}}]})
    time.sleep(0.2)  # past the certificate delay at the default clock scale (0.06 s)
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "PENDING_VALIDATION"

    route53.change_resource_record_sets(HostedZoneId=current["HostedZone"]["Id"], ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": record["Name"], "Type": "CNAME", "TTL": 300,
                                                  "ResourceRecords": [{"Value": record["Value"]}]}}]})
    time.sleep(0.2)
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
