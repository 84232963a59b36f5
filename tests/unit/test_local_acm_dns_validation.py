"""Rule acm_dns_validation: only a validation record public DNS reaches issues a certificate."""
import time

REGION = "eu-west-1"


def _request(acm, domain: str) -> tuple[str, dict]:
    arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS")["CertificateArn"]
    record = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"][0]["ResourceRecord"]
    return arn, record


def _upsert(route53, zone_id: str, name: str, type_: str, values) -> None:
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": name, "Type": type_, "TTL": 300, "ResourceRecords": [{"Value": v} for v in values]}}]})


def _status_after_the_clock(acm, arn: str) -> str:
    time.sleep(0.2)  # the certificate delay at the default clock scale is 0.06 s
    return acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]


def _zone(route53, name: str, **private) -> str:
    return route53.create_hosted_zone(Name=name, CallerReference=name + str(bool(private)), **private)["HostedZone"]["Id"]


def test_record_in_a_private_zone_never_validates(client):
    acm, route53, ec2 = client("acm", REGION), client("route53", REGION), client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = _zone(route53, "example.com", HostedZoneConfig={"PrivateZone": True, "Comment": "inside"},
                 VPC={"VPCRegion": REGION, "VPCId": vpc})
    arn, record = _request(acm, "api.example.com")
    _upsert(route53, zone, record["Name"], "CNAME", [record["Value"]])
    assert _status_after_the_clock(acm, arn) == "PENDING_VALIDATION"

    public = _zone(route53, "example.com")
    _upsert(route53, public, record["Name"], "CNAME", [record["Value"]])
    assert _status_after_the_clock(acm, arn) == "ISSUED"


def test_record_in_a_subdomain_zone_validates_once_the_parent_delegates_to_it(client):
    acm, route53 = client("acm", REGION), client("route53", REGION)
    _zone(route53, "example.com")
    parent = route53.list_hosted_zones()["HostedZones"][0]["Id"]
    child = route53.create_hosted_zone(Name="lab.example.com", CallerReference="child")
    arn, record = _request(acm, "api.lab.example.com")
    _upsert(route53, child["HostedZone"]["Id"], record["Name"], "CNAME", [record["Value"]])
    assert _status_after_the_clock(acm, arn) == "PENDING_VALIDATION"  # example.com does not delegate lab.example.com

    _upsert(route53, parent, "lab.example.com", "NS", ["ns-1.elsewhere.example."])
    assert _status_after_the_clock(acm, arn) == "PENDING_VALIDATION"  # delegated to other name servers

    _upsert(route53, parent, "lab.example.com", "NS", child["DelegationSet"]["NameServers"])
    assert _status_after_the_clock(acm, arn) == "ISSUED"
