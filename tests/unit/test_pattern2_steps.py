"""Steps of pattern 2: hosted zones, the record ledger, DNS-validated certificates, HTTP API custom domains."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from apigw_kit import ParameterError, connect
from apigw_kit.steps import apigw_domains, apigw_http, dns

REGION = "eu-west-1"


@pytest.fixture
def lab(endpoint):
    return connect("local", REGION).lab("dns")


def test_certificate_stays_pending_until_its_validation_record_exists(lab, client):
    zone = dns.ensure_hosted_zone(lab, "example.com")
    cert = dns.ensure_certificate(lab, "*.example.com")
    assert dns.certificate_status(lab.cloud, cert.arn) == "PENDING_VALIDATION"
    records = dns.validation_records(lab, cert)
    assert [r.type for r in records] == ["CNAME"] and records[0].name.endswith(".example.com")
    assert dns.certificate_status(lab.cloud, cert.arn) == "PENDING_VALIDATION"  # nobody answered yet

    assert dns.ensure_records(lab, zone, records) == records
    dns.wait_certificate(lab, cert, zone)
    assert dns.certificate_status(lab.cloud, cert.arn) == "ISSUED"


def test_steps_are_idempotent(lab):
    zone = dns.ensure_hosted_zone(lab, "example.com")
    cert = dns.ensure_certificate(lab, "*.example.com", ["example.com"])
    dns.ensure_records(lab, zone, dns.validation_records(lab, cert))
    snapshot = lab.cloud.calls.snapshot()
    assert dns.ensure_hosted_zone(lab, "example.com") == zone
    assert dns.ensure_certificate(lab, "*.example.com", ["example.com"]) == cert
    assert dns.ensure_records(lab, zone, dns.validation_records(lab, cert)) == []
    assert lab.cloud.calls.since(snapshot)["mutating"] == 0


def test_teardown_deletes_only_the_records_the_ledger_lists(lab, client):
    r53 = client("route53")
    theirs = r53.create_hosted_zone(Name="corp.example", CallerReference="theirs")["HostedZone"]["Id"].split("/")[-1]
    r53.change_resource_record_sets(HostedZoneId=theirs, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www.corp.example", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}}]})
    zone = dns.describe_hosted_zone(lab.cloud, theirs)
    dns.ensure_alias_record(lab, zone, "api.corp.example", "d-abc.execute-api.eu-west-1.amazonaws.com", "ZLY8HYME6SFDD")
    own = dns.ensure_hosted_zone(lab, "lab.example")
    dns.ensure_records(lab, own, [dns.Record("x.lab.example", "CNAME", value="y.example")])

    listed = dns.records_of(lab.cloud, zone, lab.name)
    assert set(listed.loc[listed["created_by_lab"], "name"]) == {"api.corp.example", "_apigw-kit-dns-eu-west-1.corp.example"}
    assert lab.teardown().empty
    names = {r["Name"] for r in r53.list_resource_record_sets(HostedZoneId=theirs)["ResourceRecordSets"]}
    assert names == {"corp.example.", "www.corp.example."}  # theirs untouched, ours and the ledger gone
    assert [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]] == ["corp.example."]


def test_existing_record_with_another_value_is_refused(lab, client):
    zone = dns.ensure_hosted_zone(lab, "example.com")
    client("route53").change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": "api.example.com", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "10.1.1.1"}]}}]})
    with pytest.raises(ParameterError, match="not created by this lab"):
        dns.ensure_alias_record(lab, zone, "api.example.com", "d-x.execute-api.eu-west-1.amazonaws.com", "ZLY8HYME6SFDD")


def test_wildcard_covers_one_label():
    assert dns.name_covered("*.example.com", "api.example.com")
    assert not dns.name_covered("*.example.com", "a.b.example.com")
    assert not dns.name_covered("*.example.com", "example.com")


def test_custom_domain_mapping_alias_fields_and_teardown(lab, client):
    zone = dns.ensure_hosted_zone(lab, "example.com")
    cert = dns.ensure_certificate(lab, "*.example.com")
    dns.ensure_records(lab, zone, dns.validation_records(lab, cert))
    api = apigw_http.ensure_http_api(lab)
    domain = apigw_domains.ensure_domain_name(lab, "api.example.com", cert.arn)
    assert domain.target.startswith("d-") and domain.target.endswith(".execute-api.eu-west-1.amazonaws.com")
    assert domain.hosted_zone_id == "ZLY8HYME6SFDD"
    mapping = apigw_domains.ensure_api_mapping(lab, domain, api.id)
    assert apigw_domains.ensure_api_mapping(lab, domain, api.id) == mapping
    assert apigw_domains.ensure_execute_api_endpoint(lab, api.id, disabled=True)
    assert not apigw_domains.ensure_execute_api_endpoint(lab, api.id, disabled=True)
    assert client("apigatewayv2").get_api(ApiId=api.id)["DisableExecuteApiEndpoint"] is True

    assert lab.teardown().empty
    with pytest.raises(ClientError) as error:
        client("apigatewayv2").get_domain_name(DomainName="api.example.com")
    assert error.value.response["Error"]["Code"] == "NotFoundException"
    assert client("acm").list_certificates()["CertificateSummaryList"] == []


def test_a_domain_someone_else_made_is_refused(lab, client):
    cert = client("acm").request_certificate(DomainName="*.example.com", ValidationMethod="DNS")["CertificateArn"]
    client("apigatewayv2").create_domain_name(DomainName="api.example.com", DomainNameConfigurations=[
        {"CertificateArn": cert, "EndpointType": "REGIONAL"}])
    with pytest.raises(ParameterError) as error:
        apigw_domains.check_domain_free(lab, "api.example.com")
    assert error.value.parameter == "domain_name"
