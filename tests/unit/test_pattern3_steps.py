"""Steps of pattern 3: execute-api endpoint with pinned ENIs, peering, private REST API domains and access associations."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from apigw_kit import connect
from apigw_kit.steps import apigw_rest, dns, endpoints, network

REGION = "eu-west-1"


@pytest.fixture
def lab(endpoint):
    return connect("local", REGION).lab("p3s")


def test_endpoint_pinned_ips_peering_and_teardown(lab, client):
    vpc = network.ensure_vpc(lab, "10.40.0.0/16")
    subnets = network.ensure_private_subnets(lab, vpc)
    client_vpc = network.ensure_vpc(lab, "10.41.0.0/16", role="client-vpc")
    client_subnets = network.ensure_private_subnets(lab, client_vpc, count=1, prefix="client")
    group = network.ensure_security_group(lab, vpc, "endpoint", "execute-api endpoint")
    pinned = endpoints.pinned_addresses(subnets)
    vpce = endpoints.ensure_interface_endpoint(lab, vpc, subnets, [group.id], pinned=pinned)
    endpoints.wait_endpoint(lab, vpce)
    assert sorted(endpoints.endpoint_enis(lab.cloud, vpce.id)["private_ip"]) == sorted(pinned.values())
    assert vpce.private_dns and vpce.service == "com.amazonaws.eu-west-1.execute-api"

    peering = endpoints.ensure_peering(lab, client_vpc, vpc)
    table = client("ec2").describe_route_tables(Filters=lab.ec2_filters("client-routes"))["RouteTables"][0]["RouteTableId"]
    assert endpoints.ensure_route(lab, table, vpc.cidr, peering)
    snapshot = lab.cloud.calls.snapshot()
    assert endpoints.ensure_interface_endpoint(lab, vpc, subnets, [group.id], pinned=pinned) == vpce
    assert endpoints.ensure_peering(lab, client_vpc, vpc) == peering
    assert not endpoints.ensure_route(lab, table, vpc.cidr, peering)
    assert network.ensure_private_subnets(lab, client_vpc, count=1, prefix="client") == client_subnets
    assert lab.cloud.calls.since(snapshot)["mutating"] == 0

    assert lab.teardown().empty
    assert client("ec2").describe_vpcs(Filters=lab.ec2_filters())["Vpcs"] == []


def test_private_custom_domain_with_access_association(lab, client):
    zone = dns.ensure_hosted_zone(lab, "example.com")
    cert = dns.ensure_certificate(lab, "*.example.com")
    dns.ensure_records(lab, zone, dns.validation_records(lab, cert))
    policy = apigw_rest.endpoint_only_policy("vpce-0123456789abcdef0")
    api = apigw_rest.ensure_rest_api(lab, endpoint_type="PRIVATE", policy=policy)
    apigw_rest.ensure_method(lab, api, api.root_id, "GET")
    apigw_rest.ensure_integration(lab, api, api.root_id, "GET", uri="", integration_type="MOCK")
    apigw_rest.ensure_stage(lab, api, "prod")
    domain = apigw_rest.ensure_rest_domain(lab, "private.example.com", cert.arn, private=True, policy=policy)
    assert domain.id and domain.arn.endswith(f"/domainnames/private.example.com+{domain.id}")
    assert apigw_rest.ensure_base_path_mapping(lab, domain, api, "prod")
    assert not apigw_rest.ensure_base_path_mapping(lab, domain, api, "prod")
    association = apigw_rest.ensure_access_association(lab, domain, "vpce-0123456789abcdef0")
    assert apigw_rest.ensure_access_association(lab, domain, "vpce-0123456789abcdef0") == association

    assert lab.teardown().empty
    assert client("apigateway").get_domain_name_access_associations()["items"] == []


def test_access_association_needs_a_private_domain(lab, client):
    with pytest.raises(ClientError) as error:
        client("apigateway").create_domain_name_access_association(
            domainNameArn="arn:aws:apigateway:eu-west-1:123456789012:/domainnames/none+abc", accessAssociationSourceType="VPCE",
            accessAssociationSource="vpce-0123456789abcdef0")
    assert error.value.response["Error"]["Code"] == "NotFoundException"
