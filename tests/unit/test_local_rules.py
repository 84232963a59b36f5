"""Fidelity rules of the embedded AWS: each test fails when its rule is not installed."""
from __future__ import annotations

import ipaddress
import time

import pytest
from botocore.exceptions import ClientError

from apigw_kit.local import admin, rules, scale_load_balancer


@pytest.fixture
def net(client):
    """A VPC with two subnets in two AZs and one security group."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]
        for cidr, az in (("10.20.1.0/24", "eu-west-1a"), ("10.20.2.0/24", "eu-west-1b"))
    ]
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "subnet_ids": [s["SubnetId"] for s in subnets], "sg": sg}


@pytest.fixture
def slow_clock(endpoint):
    """Make every provisioning delay far longer than a test; restore the clock after."""
    saved = admin(endpoint, "clock")
    admin(endpoint, "clock", {"scale": 1000.0})
    yield lambda: admin(endpoint, "clock", {"scale": 0})
    admin(endpoint, "clock", saved)


def load_balancer(client, net, name, kind="application", **extra):
    elbv2 = client("elbv2")
    if kind == "application":
        extra.setdefault("SecurityGroups", [net["sg"]])
    return elbv2.create_load_balancer(Name=name, Type=kind, Subnets=net["subnet_ids"], Scheme="internal", **extra)[
        "LoadBalancers"
    ][0]


def until(condition, timeout=30.0):
    """Poll ``condition`` (the clock's delays are real fractions of a second at the default scale)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def active(client, lb):
    """Wait until the load balancer is active: its ENIs exist from then on."""
    until(lambda: client("elbv2").describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])
          ["LoadBalancers"][0]["State"]["Code"] == "active")
    return lb


def enis_described(client, description):
    return client("ec2").describe_network_interfaces(Filters=[{"Name": "description", "Values": [description]}])[
        "NetworkInterfaces"
    ]


def in_subnet(eni, net):
    cidr = next(s["CidrBlock"] for s in net["subnets"] if s["SubnetId"] == eni["SubnetId"])
    return ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(cidr)


def test_rules_are_listed_with_what_they_mirror(endpoint):
    listed = admin(endpoint, "rules")["rules"]
    assert [r["name"] for r in listed] == [r.name for r in rules.RULES]
    assert all(r["mirrors"] for r in listed)


def test_installing_rules_twice_patches_once(client, net):
    for rule in rules.RULES:
        rule.install()
    lb = active(client, load_balancer(client, net, "twice"))
    assert len(enis_described(client, "ELB app/twice/" + lb["LoadBalancerArn"].rsplit("/", 1)[1])) == 2


# load_balancer_enis

def test_alb_gets_one_managed_eni_per_subnet_inside_its_cidr(client, net):
    lb = active(client, load_balancer(client, net, "web"))
    active(client, load_balancer(client, net, "web2"))
    description = "ELB app/web/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]

    enis = enis_described(client, description)

    assert sorted(e["SubnetId"] for e in enis) == sorted(net["subnet_ids"])
    for eni in enis:
        assert in_subnet(eni, net)
        assert [g["GroupId"] for g in eni["Groups"]] == [net["sg"]]
        assert eni["RequesterManaged"] is True
        assert eni["RequesterId"] == "amazon-elb"
        assert eni["Status"] == "in-use"
        assert eni["InterfaceType"] == "interface"


def test_nlb_enis_say_net_and_have_no_groups_unless_given(client, net):
    lb = active(client, load_balancer(client, net, "nlb", kind="network"))
    enis = enis_described(client, "ELB net/nlb/" + lb["LoadBalancerArn"].rsplit("/", 1)[1])
    assert len(enis) == 2
    assert all(e["Groups"] == [] and e["InterfaceType"] == "network_load_balancer" for e in enis)


def test_load_balancer_enis_are_released_on_delete(client, net):
    lb = active(client, load_balancer(client, net, "gone"))
    description = "ELB app/gone/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]
    assert len(enis_described(client, description)) == 2
    client("elbv2").delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    until(lambda: enis_described(client, description) == [])


# nlb_arn

def test_nlb_and_its_listener_arns_say_net(client, net):
    elbv2 = client("elbv2")
    lb = load_balancer(client, net, "nlb", kind="network", Tags=[{"Key": "k", "Value": "v"}])
    tg = elbv2.create_target_group(Name="tg", Protocol="TCP", Port=80, VpcId=net["vpc"], TargetType="ip")
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )["Listeners"][0]

    assert ":loadbalancer/net/nlb/" in lb["LoadBalancerArn"]
    assert ":listener/net/nlb/" in listener["ListenerArn"]
    assert elbv2.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"]
    assert elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"][0]["LoadBalancerArns"] == [
        lb["LoadBalancerArn"]
    ]
    tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "k", "Value": "v"}]


# provisioning_clock

def lb_state(client, arn):
    return client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]


def test_load_balancer_is_provisioning_until_the_clock_says_active(client, net, slow_clock):
    arn = load_balancer(client, net, "slow")["LoadBalancerArn"]
    assert lb_state(client, arn) == "provisioning"
    slow_clock()
    assert lb_state(client, arn) == "active"


def test_acm_certificate_is_issued_on_the_clock_once_its_validation_record_exists(client, slow_clock):
    acm, route53 = client("acm"), client("route53")
    arn = acm.request_certificate(DomainName="api.example.com", ValidationMethod="DNS")["CertificateArn"]
    status = lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]  # noqa: E731
    slow_clock()
    assert status() == "PENDING_VALIDATION"  # nobody answered the DNS challenge (rule acm_dns_validation)

    record = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"][0]["ResourceRecord"]
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="acm-test")["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": record["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": record["Value"]}]}}]})
    assert status() == "ISSUED"


def vpc_link_v2(client, net, **extra):
    return client("apigatewayv2").create_vpc_link(
        Name="link", SubnetIds=net["subnet_ids"], SecurityGroupIds=[net["sg"]], **extra
    )


def test_http_api_vpc_link_is_pending_until_the_clock_says_available(client, net, slow_clock):
    apigw = client("apigatewayv2")
    link = vpc_link_v2(client, net)
    assert (link["VpcLinkStatus"], link["VpcLinkStatusMessage"]) == ("PENDING", "VPC link is provisioning ENIs")
    slow_clock()
    link = apigw.get_vpc_link(VpcLinkId=link["VpcLinkId"])
    assert (link["VpcLinkStatus"], link["VpcLinkStatusMessage"]) == ("AVAILABLE", "VPC link is ready to route traffic")


def test_rest_api_vpc_link_is_pending_until_the_clock_says_available(client, net, slow_clock):
    nlb = load_balancer(client, net, "nlb", kind="network")
    apigw = client("apigateway")
    link = apigw.create_vpc_link(name="link", targetArns=[nlb["LoadBalancerArn"]])
    assert link["status"] == "PENDING"
    slow_clock()
    assert apigw.get_vpc_link(vpcLinkId=link["id"])["status"] == "AVAILABLE"


# vpc_link_v2

def test_http_api_vpc_link_owns_an_eni_per_subnet_until_deleted(client, net):
    link = vpc_link_v2(client, net)
    until(lambda: client("apigatewayv2").get_vpc_link(VpcLinkId=link["VpcLinkId"])["VpcLinkStatus"] == "AVAILABLE")
    ec2 = client("ec2")
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [net["sg"]]}])["NetworkInterfaces"]

    assert sorted(e["SubnetId"] for e in enis) == sorted(net["subnet_ids"])
    assert len({e["Description"] for e in enis}) == 1
    assert enis[0]["Description"].startswith("VPC Endpoint Interface vpce-")
    assert all(in_subnet(e, net) and e["RequesterManaged"] for e in enis)

    client("apigatewayv2").delete_vpc_link(VpcLinkId=link["VpcLinkId"])
    until(lambda: enis_described(client, enis[0]["Description"]) == [])


def test_http_api_vpc_link_refuses_an_unknown_subnet(client, net):
    with pytest.raises(ClientError) as error:
        client("apigatewayv2").create_vpc_link(Name="link", SubnetIds=["subnet-0123456789abcdef0"])
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    assert "subnet-0123456789abcdef0" in error.value.response["Error"]["Message"]


# dependency_violation

def error_code(call, **kwargs):
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def test_security_group_and_subnet_in_use_by_enis_cannot_be_deleted(client, net):
    ec2 = client("ec2")
    lb = active(client, load_balancer(client, net, "web"))
    assert error_code(ec2.delete_security_group, GroupId=net["sg"]) == "DependencyViolation"
    assert error_code(ec2.delete_subnet, SubnetId=net["subnet_ids"][0]) == "DependencyViolation"

    client("elbv2").delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    until(lambda: not enis_described(client, "ELB app/web/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]))
    ec2.delete_security_group(GroupId=net["sg"])
    ec2.delete_subnet(SubnetId=net["subnet_ids"][0])


def test_a_security_group_named_by_another_groups_rule_cannot_be_deleted(client, net):
    ec2 = client("ec2")
    other = ec2.create_security_group(GroupName="other", Description="other", VpcId=net["vpc"])["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": net["sg"]}]}
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[rule])
    assert error_code(ec2.delete_security_group, GroupId=net["sg"]) == "DependencyViolation"
    ec2.revoke_security_group_ingress(GroupId=other, IpPermissions=[rule])
    ec2.delete_security_group(GroupId=net["sg"])


def test_vpc_with_subnets_or_security_groups_left_cannot_be_deleted(client, net):
    ec2 = client("ec2")
    for subnet_id in net["subnet_ids"]:
        assert error_code(ec2.delete_vpc, VpcId=net["vpc"]) == "DependencyViolation"
        ec2.delete_subnet(SubnetId=subnet_id)
    assert error_code(ec2.delete_vpc, VpcId=net["vpc"]) == "DependencyViolation"
    ec2.delete_security_group(GroupId=net["sg"])
    ec2.delete_vpc(VpcId=net["vpc"])


# aws_validation

@pytest.fixture
def http_api(client):
    return client("apigatewayv2").create_api(Name="api", ProtocolType="HTTP")["ApiId"]


def listener(client, net, lb, protocol):
    elbv2 = client("elbv2")
    tg = elbv2.create_target_group(Name=f"tg-{protocol.lower()}", Protocol=protocol, Port=80, VpcId=net["vpc"])
    return elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol=protocol, Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroups"][0]["TargetGroupArn"]}],
    )["Listeners"][0]["ListenerArn"]


def private_integration(client, api_id, uri, link_id):
    return client("apigatewayv2").create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", PayloadFormatVersion="1.0",
        ConnectionType="VPC_LINK", ConnectionId=link_id, IntegrationUri=uri,
    )


def test_http_api_private_integration_needs_a_listener_arn_and_a_vpc_link(client, net, http_api):
    alb = load_balancer(client, net, "web")
    listener_arn = listener(client, net, alb, "HTTP")
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    cloud_map = "arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-abcdef0123456789"

    for uri in (listener_arn, cloud_map):
        private_integration(client, http_api, uri, link_id)
    for uri, connection in ((alb["LoadBalancerArn"], link_id), ("http://10.20.1.10/", link_id), (listener_arn, "nolink")):
        with pytest.raises(ClientError) as error:
            private_integration(client, http_api, uri, connection)
        assert error.value.response["Error"]["Code"] == "BadRequestException", (uri, connection)
    # A public HTTP integration stays unchecked.
    client("apigatewayv2").create_integration(
        ApiId=http_api, IntegrationType="HTTP_PROXY", IntegrationMethod="GET", IntegrationUri="https://example.com",
    )


def test_http_api_private_integration_is_checked_on_update(client, net, http_api):
    alb = load_balancer(client, net, "web")
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    integration = private_integration(client, http_api, listener(client, net, alb, "HTTP"), link_id)
    with pytest.raises(ClientError) as error:
        client("apigatewayv2").update_integration(
            ApiId=http_api, IntegrationId=integration["IntegrationId"], IntegrationUri=alb["LoadBalancerArn"],
        )
    assert error.value.response["Error"]["Code"] == "BadRequestException"


def test_rest_api_vpc_link_targets_nlbs_only(client, net):
    apigw = client("apigateway")
    nlb = load_balancer(client, net, "nlb", kind="network")
    alb = load_balancer(client, net, "web")
    apigw.create_vpc_link(name="ok", targetArns=[nlb["LoadBalancerArn"]])
    assert error_code(apigw.create_vpc_link, name="alb", targetArns=[alb["LoadBalancerArn"]]) == "BadRequestException"


# load_balancer_scaling

def test_alb_scales_out_with_new_ips_and_in_by_dropping_the_newest(client, endpoint, net):
    arn = active(client, load_balancer(client, net, "web"))["LoadBalancerArn"]
    description = "ELB app/web/" + arn.rsplit("/", 1)[1]
    first = {e["NetworkInterfaceId"] for e in enis_described(client, description)}

    out = scale_load_balancer(endpoint, arn, 3)
    assert len(out) == 6 and len({e["private_ip"] for e in out}) == 6
    assert {e["id"] for e in out} == {e["NetworkInterfaceId"] for e in enis_described(client, description)}
    assert all(in_subnet({"SubnetId": e["subnet_id"], "PrivateIpAddress": e["private_ip"]}, net) for e in out)

    back = scale_load_balancer(endpoint, arn, 1)
    assert {e["id"] for e in back} == first


def test_nlb_does_not_scale(client, endpoint, net):
    arn = load_balancer(client, net, "nlb", kind="network")["LoadBalancerArn"]
    with pytest.raises(Exception, match="400"):
        scale_load_balancer(endpoint, arn, 2)


# vpc_endpoint_enis

def interface_endpoint(client, net, **extra):
    return client("ec2").create_vpc_endpoint(
        VpcId=net["vpc"], VpcEndpointType="Interface", ServiceName="com.amazonaws.eu-west-1.execute-api",
        SecurityGroupIds=[net["sg"]], **extra,
    )["VpcEndpoint"]


def available(client, endpoint):
    """The endpoint as described once available: its ENIs exist from then on."""
    def described():
        return client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]
    until(lambda: described()["State"].lower() == "available")
    return described()


def test_interface_endpoint_enis_sit_in_their_subnets_and_go_with_it(client, net):
    endpoint = available(client, interface_endpoint(client, net, SubnetIds=net["subnet_ids"], PrivateDnsEnabled=True))
    enis = client("ec2").describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])[
        "NetworkInterfaces"
    ]

    assert sorted(e["SubnetId"] for e in enis) == sorted(net["subnet_ids"])
    for eni in enis:
        assert in_subnet(eni, net)
        assert eni["Description"] == f"VPC Endpoint Interface {endpoint['VpcEndpointId']}"
        assert [g["GroupId"] for g in eni["Groups"]] == [net["sg"]]
        assert eni["RequesterManaged"] and eni["InterfaceType"] == "vpc_endpoint"
    names = [d["DnsName"] for d in endpoint["DnsEntries"]]
    assert names[0].endswith(".execute-api.eu-west-1.vpce.amazonaws.com")
    assert "execute-api.eu-west-1.amazonaws.com" in names

    client("ec2").delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    until(lambda: enis_described(client, f"VPC Endpoint Interface {endpoint['VpcEndpointId']}") == [])


def test_interface_endpoint_ips_can_be_pinned_per_subnet(client, net):
    configs = [{"SubnetId": net["subnet_ids"][0], "Ipv4": "10.20.1.50"}, {"SubnetId": net["subnet_ids"][1], "Ipv4": "10.20.2.50"}]
    endpoint = available(client, interface_endpoint(client, net, SubnetIds=net["subnet_ids"], SubnetConfigurations=configs))
    enis = client("ec2").describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])[
        "NetworkInterfaces"
    ]
    assert sorted(e["PrivateIpAddress"] for e in enis) == ["10.20.1.50", "10.20.2.50"]


def test_interface_endpoint_is_pending_until_the_clock_says_available(client, net, slow_clock):
    endpoint = interface_endpoint(client, net, SubnetIds=net["subnet_ids"])
    assert endpoint["State"] == "pending"
    slow_clock()
    described = client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"]
    assert described[0]["State"] == "available"


# apigw_domain_fields

def test_http_api_domain_name_reports_its_api_gateway_target_and_zone(client):
    apigw = client("apigatewayv2")
    cert = client("acm").request_certificate(DomainName="api.example.com")["CertificateArn"]
    config = apigw.create_domain_name(
        DomainName="api.example.com",
        DomainNameConfigurations=[{"CertificateArn": cert, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}],
    )["DomainNameConfigurations"][0]
    assert config["ApiGatewayDomainName"].startswith("d-")
    assert config["ApiGatewayDomainName"].endswith(".execute-api.eu-west-1.amazonaws.com")
    assert (config["HostedZoneId"], config["DomainNameStatus"]) == ("ZLY8HYME6SFDD", "AVAILABLE")
    assert apigw.get_domain_names()["Items"][0]["DomainNameConfigurations"] == [config]


def test_http_api_mapping_can_be_pointed_at_another_api(client):
    apigw = client("apigatewayv2")
    cert = client("acm").request_certificate(DomainName="api.example.com")["CertificateArn"]
    apigw.create_domain_name(DomainName="api.example.com", DomainNameConfigurations=[{"CertificateArn": cert}])
    first, second = (apigw.create_api(Name=n, ProtocolType="HTTP")["ApiId"] for n in ("first", "second"))
    mapping = apigw.create_api_mapping(DomainName="api.example.com", ApiId=first, Stage="$default")["ApiMappingId"]
    updated = apigw.update_api_mapping(DomainName="api.example.com", ApiMappingId=mapping, ApiId=second, Stage="v2")
    assert (updated["ApiId"], updated["Stage"], updated["ApiMappingId"]) == (second, "v2", mapping)
    assert apigw.get_api_mappings(DomainName="api.example.com")["Items"][0]["ApiId"] == second
    with pytest.raises(ClientError) as error:
        apigw.update_api_mapping(DomainName="api.example.com", ApiMappingId=mapping, ApiId="nosuchapi", Stage="v2")
    assert error.value.response["Error"]["Code"] == "NotFoundException"


def test_rest_api_regional_domain_name_reports_the_regional_zone(client):
    cert = client("acm").request_certificate(DomainName="rest.example.com")["CertificateArn"]
    domain = client("apigateway").create_domain_name(
        domainName="rest.example.com", regionalCertificateArn=cert, endpointConfiguration={"types": ["REGIONAL"]},
    )
    assert domain["regionalDomainName"].endswith(".execute-api.eu-west-1.amazonaws.com")
    assert domain["regionalHostedZoneId"] == "ZLY8HYME6SFDD"


# integration_target

def test_rest_api_integration_keeps_its_alb_target(client, net):
    apigw = client("apigateway")
    alb = load_balancer(client, net, "web")
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    api = apigw.create_rest_api(name="rest")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    put = apigw.put_integration(
        restApiId=api, resourceId=root, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
        uri="http://internal.example.com/", connectionType="VPC_LINK", connectionId=link_id,
        integrationTarget=alb["LoadBalancerArn"],
    )
    assert put["integrationTarget"] == alb["LoadBalancerArn"]
    integration = apigw.get_integration(restApiId=api, resourceId=root, httpMethod="GET")
    assert integration["integrationTarget"] == alb["LoadBalancerArn"]
    method = apigw.get_method(restApiId=api, resourceId=root, httpMethod="GET")
    assert method["methodIntegration"]["integrationTarget"] == alb["LoadBalancerArn"]


def test_rest_api_integration_refuses_a_cloud_map_target(client, net):
    """A REST API on a VPC link v2 reaches ALBs and NLBs only: Cloud Map is for HTTP APIs."""
    apigw = client("apigateway")
    link_id = vpc_link_v2(client, net)["VpcLinkId"]
    api = apigw.create_rest_api(name="rest")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as refused:
        apigw.put_integration(
            restApiId=api, resourceId=root, httpMethod="GET", type="HTTP_PROXY", integrationHttpMethod="GET",
            uri="http://orders.internal/", connectionType="VPC_LINK", connectionId=link_id,
            integrationTarget="arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-0123456789abcdef")
    assert refused.value.response["Error"]["Code"] == "BadRequestException"


def test_redeploying_a_rest_stage_keeps_its_settings(client):
    """CreateDeployment naming an existing stage moves the stage to the new deployment; its throttling stays."""
    v1 = client("apigateway")
    api = v1.create_rest_api(name="redeploy")["id"]
    root = v1.get_resources(restApiId=api)["items"][0]["id"]
    v1.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    v1.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    first = v1.create_deployment(restApiId=api, stageName="prod")["id"]
    v1.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "20"}])
    second = v1.create_deployment(restApiId=api, stageName="prod")["id"]
    stage = v1.get_stage(restApiId=api, stageName="prod")
    assert second != first and stage["deploymentId"] == second
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 20


def test_modify_vpc_endpoint_turns_private_dns_off_and_on(client, net):
    """Rule vpc_endpoint_private_dns."""
    ec2 = client("ec2")
    ec2.modify_vpc_attribute(VpcId=net["vpc"], EnableDnsHostnames={"Value": True})
    endpoint = ec2.create_vpc_endpoint(VpcId=net["vpc"], ServiceName="com.amazonaws.eu-west-1.execute-api",
                                       VpcEndpointType="Interface", SubnetIds=net["subnet_ids"],
                                       PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]

    def private_dns() -> bool:
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["PrivateDnsEnabled"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=False)
    assert private_dns() is False
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=True)
    assert private_dns() is True


def test_rest_api_default_endpoint_patch_reads_a_boolean(client):
    """Rule apigw_rest_disable_endpoint."""
    v1 = client("apigateway")
    api = v1.create_rest_api(name="x", endpointConfiguration={"types": ["REGIONAL"]})["id"]
    for value, disabled in (("True", True), ("False", False), ("true", True), ("false", False)):
        v1.update_rest_api(restApiId=api, patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": value}])
        assert v1.get_rest_api(restApiId=api)["disableExecuteApiEndpoint"] is disabled
