"""Listing a lab scales to a large account: the Tagging API finds its certificates, Cloud Map resources, load
balancers, target groups and functions; each is confirmed by its own service."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from apigw_kit import connect
from apigw_kit.cloud import Cloud
from apigw_kit.steps import all_kinds, cloudmap, dns, network

REGION = "eu-west-1"
FOREIGN = 25


def _listing_calls(lab) -> dict[str, int]:
    before = lab.cloud.calls.snapshot()
    lab.resources()
    return {f"{service}:{operation}": n for (service, operation), n in (lab.cloud.calls.snapshot() - before).items()}


def test_listing_a_lab_does_not_grow_with_the_accounts_certificates_cloud_map_and_target_groups(endpoint, client):
    lab = connect("local", REGION).lab("small")
    vpc = network.ensure_vpc(lab, "10.61.0.0/16")
    dns.ensure_certificate(lab, "*.small.example.com")
    dns.ensure_hosted_zone(lab, "small.example.com")
    cloudmap.ensure_service(lab, cloudmap.ensure_namespace(lab, vpc))
    alone = _listing_calls(lab)

    acm, sd, r53, elb = client("acm"), client("servicediscovery"), client("route53"), client("elbv2")
    for i in range(FOREIGN):  # someone else's, tagged for another lab or not at all
        tags = [{"Key": "apigw-kit:lab", "Value": "other"}] if i % 2 else [{"Key": "team", "Value": "x"}]
        elb.create_target_group(Name=f"tg{i}", Protocol="HTTP", Port=80, VpcId=vpc.id, Tags=tags)
        acm.request_certificate(DomainName=f"site{i}.example.org", Tags=tags)
        namespace = sd.create_http_namespace(Name=f"ns{i}", Tags=tags)["OperationId"]
        namespace_id = sd.get_operation(OperationId=namespace)["Operation"]["Targets"]["NAMESPACE"]
        sd.create_service(Name=f"svc{i}", NamespaceId=namespace_id, Tags=tags)
    for i in range(3):
        r53.create_hosted_zone(Name=f"zone{i}.example.org", CallerReference=f"someone/{i}")
    crowded = _listing_calls(lab)

    assert sorted(lab.resources()["type"]) == ["acm:certificate", "ec2:vpc", "route53:hosted-zone",
                                               "servicediscovery:namespace", "servicediscovery:service"]
    grown = {op: crowded.get(op, 0) - alone.get(op, 0) for op in set(crowded) | set(alone)}
    # Only the ledger reads grow, one per zone (records carry no tags); nothing per certificate or Cloud Map resource.
    assert {op: n for op, n in grown.items() if n} == {"route53:ListResourceRecordSets": 3}
    assert not any(op in crowded for op in ("acm:ListTagsForCertificate", "servicediscovery:ListTagsForResource",
                                            "route53:ListTagsForResources", "elbv2:DescribeTags"))


def _aws() -> Cloud:
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example", region_name=REGION)
    return Cloud("aws", REGION, session, None, None)


def _mapping(arn: str, lab: str = "ci") -> dict:
    return {"ResourceARN": arn, "Tags": [{"Key": "apigw-kit:lab", "Value": lab}, {"Key": "Name", "Value": f"{lab}-cert"}]}


def _with_region(mapping: dict, region: str = "eu-west-1") -> dict:
    """An account-wide resource's mapping: its lab's region is a tag (see Lab.owns_global)."""
    return {**mapping, "Tags": [*mapping["Tags"], {"Key": "apigw-kit:region", "Value": region}]}


def test_real_account_certificates_are_paged_and_confirmed_by_acm():
    cloud = _aws()
    lab = cloud.lab("ci")
    tagging, acm = Stubber(cloud.client("resourcegroupstaggingapi")), Stubber(cloud.client("acm"))
    asked = {"TagFilters": [{"Key": "apigw-kit:lab", "Values": ["ci"]}], "ResourceTypeFilters": ["acm:certificate"]}
    live, deleted = (f"arn:aws:acm:{REGION}:111122223333:certificate/{n}" for n in ("live", "deleted"))
    tagging.add_response("get_resources", {"PaginationToken": "page-2", "ResourceTagMappingList": [_mapping(live)]}, asked)
    tagging.add_response("get_resources", {"PaginationToken": "", "ResourceTagMappingList": [_mapping(deleted)]},
                         {**asked, "PaginationToken": "page-2"})
    acm.add_response("describe_certificate", {"Certificate": {"CertificateArn": live, "DomainName": "*.ci.example.com",
                                                              "Status": "ISSUED"}}, {"CertificateArn": live})
    # Deleted a moment ago: the Tagging API still lists it, ACM no longer does.
    acm.add_client_error("describe_certificate", "ResourceNotFoundException", expected_params={"CertificateArn": deleted})
    tagging.activate()
    acm.activate()

    found = next(k for k in all_kinds() if k.type == "acm:certificate").find(lab)

    assert [(f.id, f.name, f.state) for f in found] == [(live, "ci-cert", "ISSUED *.ci.example.com")]
    tagging.assert_no_pending_responses()
    acm.assert_no_pending_responses()


def test_real_account_target_groups_gone_since_the_tagging_api_listed_them_are_left_out():
    cloud = _aws()
    tagging, elb = Stubber(cloud.client("resourcegroupstaggingapi")), Stubber(cloud.client("elbv2"))
    arns = [f"arn:aws:elasticloadbalancing:{REGION}:111122223333:targetgroup/ci-{n}/0123456789abcdef" for n in ("a", "b")]
    tagging.add_response("get_resources", {"ResourceTagMappingList": [_mapping(arn) for arn in arns]})
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound", expected_params={"TargetGroupArns": arns})
    elb.add_response("describe_target_groups", {"TargetGroups": [{"TargetGroupArn": arns[0], "TargetGroupName": "ci-a"}]},
                     {"TargetGroupArns": arns[:1]})
    elb.add_client_error("describe_target_groups", "TargetGroupNotFound", expected_params={"TargetGroupArns": arns[1:]})
    tagging.activate()
    elb.activate()

    found = next(k for k in all_kinds() if k.type == "elbv2:target-group").find(cloud.lab("ci"))

    assert [f.name for f in found] == ["ci-a"]
    elb.assert_no_pending_responses()


def test_real_account_hosted_zone_tags_are_asked_of_us_east_1():
    cloud = _aws()
    lab = cloud.lab("ci")
    global_tagging = Stubber(cloud.in_region("us-east-1").client("resourcegroupstaggingapi"))
    route53 = Stubber(cloud.client("route53"))
    global_tagging.add_response("get_resources", {"ResourceTagMappingList": [
        _with_region(_mapping("arn:aws:route53:::hostedzone/ZTAGGED")),
        _with_region(_mapping("arn:aws:route53:::hostedzone/ZELSEWHERE"), "us-west-2")]},
                                {"TagFilters": [{"Key": "apigw-kit:lab", "Values": ["ci"]}],
                                 "ResourceTypeFilters": ["route53:hostedzone"]})
    zone = {"CallerReference": "x", "Config": {"PrivateZone": False}}
    route53.add_response("list_hosted_zones", {"HostedZones": [
        {**zone, "Id": "/hostedzone/ZTAGGED", "Name": "ci.example.com."},
        {**zone, "Id": "/hostedzone/ZUNTAGGED", "Name": "ci2.example.com.", "CallerReference": "apigw-kit/ci/eu-west-1/zone/1"},
        {**zone, "Id": "/hostedzone/ZOTHER", "Name": "other.example.com."},
        {**zone, "Id": "/hostedzone/ZELSEWHERE", "Name": "ci.example.com."}],  # same lab name, other region
        "IsTruncated": False, "MaxItems": "100", "Marker": ""})
    global_tagging.activate()
    route53.activate()

    found = next(k for k in all_kinds() if k.type == "route53:hosted-zone").find(lab)

    assert [f.id for f in found] == ["ZTAGGED", "ZUNTAGGED"]  # tagged, or created by a run stopped before tagging
    assert cloud.calls.operations() == {"resourcegroupstaggingapi:GetResources", "route53:ListHostedZones"}


def test_embedded_tagging_api_reports_zones_in_us_east_1_and_cloud_map_and_api_gateway_in_their_region(endpoint, client):
    tags = [{"Key": "apigw-kit:lab", "Value": "seen"}]
    zone = client("route53").create_hosted_zone(Name="seen.example.com", CallerReference="r")["HostedZone"]["Id"]
    client("route53").change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone.split("/")[-1], AddTags=tags)
    client("servicediscovery").create_http_namespace(Name="seen", Tags=tags)
    client("apigatewayv2").create_api(Name="seen", ProtocolType="HTTP", Tags={"apigw-kit:lab": "seen"})
    client("apigateway").create_rest_api(name="seen", tags={"apigw-kit:lab": "seen"})
    client("iam").create_role(RoleName="seen-role", AssumeRolePolicyDocument="{}", Tags=tags)  # never reported

    def listed(region: str) -> list[str]:
        """service:kind of each resource the Tagging API lists for the lab in ``region``."""
        pages = client("resourcegroupstaggingapi", region).get_paginator("get_resources").paginate(
            TagFilters=[{"Key": "apigw-kit:lab", "Values": ["seen"]}])
        arns = [m["ResourceARN"] for page in pages for m in page["ResourceTagMappingList"]]
        return sorted(f"{arn.split(':')[2]}:{arn.split(':')[-1].strip('/').split('/')[0]}" for arn in arns)

    assert listed(REGION) == ["apigateway:apis", "apigateway:restapis", "servicediscovery:namespace"]
    assert listed("us-east-1") == ["route53:hostedzone"]
    assert client("resourcegroupstaggingapi").get_tag_values(Key="apigw-kit:lab")["TagValues"] == ["seen"] * 3


def test_lab_names_names_every_tagged_resource_by_id_and_arn_and_nothing_of_another_lab(endpoint):
    from apigw_kit.tagged import lab_names
    cloud = connect("local", REGION)
    lab, other = cloud.lab("named"), cloud.lab("other")
    vpc = network.ensure_vpc(lab, "10.62.0.0/16")
    network.ensure_vpc(other, "10.63.0.0/16")
    zone = dns.ensure_hosted_zone(lab, "named.example.com")
    namespace = cloudmap.ensure_namespace(lab, vpc)
    names = lab_names(lab)
    assert names[vpc.id] == "named-vpc"
    assert names[zone.id.rsplit("/", 1)[-1]].startswith("named-")  # a global resource, listed in us-east-1
    assert any(key.startswith("arn:") and key.endswith(namespace.id) for key in names)
    assert not any(name.startswith("other-") for name in names.values())


def test_the_first_listing_asks_only_the_services_that_hold_something_of_the_lab(endpoint, client):
    """A fresh connection (a new kernel, the command line) lists a lab: clients only for the services the Tagging
    API reports the lab's resources in, and IAM (whose roles it never reports); a resource made elsewhere, in a
    service this connection never used, is still listed."""
    builder = connect("local", REGION).lab("sparse")
    vpc = network.ensure_vpc(builder, "10.64.0.0/16")
    arn = client("acm").request_certificate(DomainName="sparse.example.com", Tags=builder.tag_list("cert"))[
        "CertificateArn"]

    fresh = connect("local", REGION)
    listed = fresh.lab("sparse").resources()
    assert fresh.services_used() == {"resourcegroupstaggingapi", "iam", "ec2", "acm"}
    assert {vpc.id, arn} <= set(listed["id"])
