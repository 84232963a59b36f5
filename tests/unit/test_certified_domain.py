"""Patterns 2 and 3's certificate zone: public, delegated, checked before anything is created; a wait that names the record."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from apigw_kit import ParameterError, connect, runbook, waits
from apigw_kit.cloud import Cloud
from apigw_kit.errors import WaitTimeout
from apigw_kit.patterns import https_custom_domain, private_api_vpn
from apigw_kit.steps import dns

REGION = "eu-west-1"


def _zone(r53, name: str, **config) -> dict:
    return r53.create_hosted_zone(Name=name, CallerReference=name + str(config), **config)


def _refused(run_class, **values) -> ParameterError:
    cloud = connect("local", REGION)
    with pytest.raises(ParameterError) as error:
        run_class(cloud=cloud, **values)
    assert cloud.calls.totals()["mutating"] == 0
    return error.value


@pytest.mark.parametrize("run_class", [https_custom_domain.Run, private_api_vpn.Run])
def test_private_zone_is_refused(endpoint, client, run_class):
    vpc = client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = _zone(client("route53"), "example.com", HostedZoneConfig={"PrivateZone": True, "Comment": "inside"},
                 VPC={"VPCRegion": REGION, "VPCId": vpc})["HostedZone"]["Id"].split("/")[-1]
    error = _refused(run_class, hosted_zone_id=zone)
    assert error.parameter == "hosted_zone_id" and "private hosted zone" in error.problem and "public" in error.fix


def test_subdomain_zone_the_parent_does_not_delegate_to_is_refused(endpoint, client):
    r53 = client("route53")
    parent = _zone(r53, "example.com")["HostedZone"]["Id"]
    child = _zone(r53, "team.example.com")
    zone_id = child["HostedZone"]["Id"].split("/")[-1]
    error = _refused(https_custom_domain.Run, hosted_zone_id=zone_id, domain_name="api.team.example.com")
    assert error.parameter == "hosted_zone_id" and "no NS record for team.example.com" in error.problem

    r53.change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": "team.example.com", "Type": "NS", "TTL": 300,
        "ResourceRecords": [{"Value": n} for n in child["DelegationSet"]["NameServers"]]}}]})
    run = https_custom_domain.Run(cloud=connect("local", REGION), hosted_zone_id=zone_id, domain_name="api.team.example.com")
    assert run.delegation.delegated is True


def test_lab_zone_under_a_parent_held_in_the_account_is_refused(endpoint, client):
    _zone(client("route53"), "example.com")
    error = _refused(https_custom_domain.Run, domain_name="api.team.example.com")  # the lab would create team.example.com
    assert error.parameter == "hosted_zone_id" and "team.example.com" in error.problem


def _aws_route53(zones: list[dict], parent_records: list[dict] | None = None):
    """A real-account Cloud whose Route 53 answers from a Stubber (no network)."""
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    cloud = Cloud("aws", REGION, session, None, None)
    stub = Stubber(cloud.client("route53"))
    stub.add_response("list_hosted_zones", {"HostedZones": zones, "IsTruncated": False, "Marker": "", "MaxItems": "100"})
    if parent_records is not None:
        stub.add_response("list_resource_record_sets", {"ResourceRecordSets": parent_records, "IsTruncated": False,
                                                        "MaxItems": "1"})
    stub.activate()
    return cloud


def _listed(zone_id: str, name: str) -> dict:
    return {"Id": f"/hostedzone/{zone_id}", "Name": name + ".", "CallerReference": "x", "Config": {"PrivateZone": False}}


OURS = {"ns-1.awsdns-01.org", "ns-2.awsdns-02.com"}


def test_real_account_asks_public_dns_when_the_parent_is_elsewhere(monkeypatch):
    answers = {"team.example.com": OURS}
    monkeypatch.setattr(dns, "_resolve_name_servers", lambda name: answers.get(name, set()))
    assert dns.delegation(_aws_route53([_listed("Z1", "team.example.com")]), "team.example.com", OURS).delegated is True
    answers["team.example.com"] = {"ns-9.registrar.example"}
    verdict = dns.delegation(_aws_route53([_listed("Z1", "team.example.com")]), "team.example.com", OURS)
    assert verdict.delegated is False and "ns-9.registrar.example" in verdict.detail

    monkeypatch.setattr(dns, "_resolve_name_servers", lambda name: None)  # no resolver answered
    verdict = dns.delegation(_aws_route53([_listed("Z1", "team.example.com")]), "team.example.com", OURS)
    assert verdict.delegated is None and "dig +short NS team.example.com" in verdict.detail


def test_real_account_compares_with_the_parent_zone_it_holds(monkeypatch):
    monkeypatch.setattr(dns, "_resolve_name_servers", lambda name: pytest.fail("the parent in the account decides"))
    zones = [_listed("ZP", "example.com"), _listed("Z1", "team.example.com")]
    stale = [{"Name": "team.example.com.", "Type": "NS", "TTL": 300, "ResourceRecords": [{"Value": "ns-7.awsdns-07.net."}]}]
    verdict = dns.delegation(_aws_route53(zones, stale), "team.example.com", OURS)
    assert verdict.delegated is False and "ns-7.awsdns-07.net" in verdict.detail and "example.com (ZP)" in verdict.detail
    current = [{"Name": "team.example.com.", "Type": "NS", "TTL": 300, "ResourceRecords": [{"Value": n + "."} for n in OURS]}]
    assert dns.delegation(_aws_route53(zones, current), "team.example.com", OURS).delegated is True


def test_certificate_wait_ends_before_the_cell_and_names_the_record_and_zone(endpoint, client, monkeypatch):
    assert dns.CERTIFICATE_TIMEOUT < runbook.CELL_TIMEOUT
    monkeypatch.setattr(waits, "MIN_REAL_TIMEOUT", 0.3)
    lab = connect("local", REGION).lab("pending")
    vpc = client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone = dns.ensure_hosted_zone(lab, "example.com", vpc_id=vpc)  # private: ACM never sees the record
    cert = dns.ensure_certificate(lab, "*.example.com")
    [record] = dns.ensure_records(lab, zone, dns.validation_records(lab, cert))
    with pytest.raises(WaitTimeout) as error:
        dns.wait_certificate(lab, cert, zone)
    message = str(error.value)
    assert record.name in message and record.value.rstrip(".") in message
    assert f"private hosted zone example.com ({zone.id})" in message
