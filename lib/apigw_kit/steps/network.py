"""VPC, private subnets, route tables, security groups and their rules, instances."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..errors import ParameterError
from ..waits import retry_while, wait_for
from ..zones import VPC_LINK_V2_ZONES_PAGE, VPC_LINK_V2_ZONE_IDS, vpc_link_v2_supports
from . import Found, name_of, register

# Paging for DescribeNetworkInterfaces: its largest page (MaxResults 5-1000). EC2 refuses an unpaginated call
# that is not narrowed by IDs or an indexed filter once the account holds many interfaces
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
ENI_PAGES = {"PageSize": 1000}


def network_interfaces(ec2, filters: list[dict]) -> list[dict]:
    """Every network interface matching ``filters``, read page by page (``ec2``: a boto3 EC2 client)."""
    pages = ec2.get_paginator("describe_network_interfaces").paginate(Filters=filters, PaginationConfig=ENI_PAGES)
    return [eni for page in pages for eni in page["NetworkInterfaces"]]


@dataclass(frozen=True)
class Vpc:
    id: str
    cidr: str
    created: bool = False


@dataclass(frozen=True)
class Subnet:
    id: str
    az: str
    cidr: str
    vpc_id: str
    az_id: str = ""  # the zone's ID (use1-az1): the same zone in every account, unlike its name


def _subnet(found: dict) -> Subnet:
    return Subnet(found["SubnetId"], found["AvailabilityZone"], found["CidrBlock"], found["VpcId"],
                  found.get("AvailabilityZoneId", ""))


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    vpc_id: str


def _ec2(lab):
    return lab.cloud.client("ec2")


def _paged(client, operation: str, key: str, **kwargs) -> list[dict]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]]


# VPC -----------------------------------------------------------------------
def ensure_vpc(lab, cidr: str, role: str = "vpc") -> Vpc:
    ec2 = _ec2(lab)
    found = ec2.describe_vpcs(Filters=lab.ec2_filters(role))["Vpcs"]
    if found:
        _repair_dns_attributes(ec2, found[0]["VpcId"])
        return Vpc(found[0]["VpcId"], found[0]["CidrBlock"])
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=lab.tag_specs("vpc", role))["Vpc"]
    # Private DNS of interface endpoints and the ALB's DNS name need both attributes.
    ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsHostnames={"Value": True})
    return Vpc(vpc["VpcId"], cidr, created=True)


def _repair_dns_attributes(ec2, vpc_id: str) -> None:
    # A run stopped between CreateVpc and ModifyVpcAttribute leaves them off; the re-run must set them.
    for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        if not ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"]:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{key: {"Value": True}})


def describe_vpc(cloud, vpc_id: str) -> Vpc:
    try:
        vpc = cloud.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    except ClientError as exc:
        raise ParameterError("vpc_id", f"{vpc_id!r} was not found ({exc.response['Error']['Code']})",
                             "pass the id of an existing VPC in this region, or leave vpc_id empty to create one") from None
    return Vpc(vpc["VpcId"], vpc["CidrBlock"])


def vpc_link_zones(cloud, count: int) -> list[dict]:
    """``count`` Availability Zones (not Local or Wavelength Zones) whose IDs API Gateway supports for VPC links v2."""
    zones = cloud.client("ec2").describe_availability_zones(Filters=[
        {"Name": "zone-type", "Values": ["availability-zone"]}, {"Name": "state", "Values": ["available"]}])
    usable = sorted((z for z in zones["AvailabilityZones"] if vpc_link_v2_supports(cloud.region, z["ZoneId"])),
                    key=lambda z: z["ZoneName"])
    if len(usable) < count:
        raise ParameterError("region", f"{cloud.region} has {len(usable)} available zone(s) where API Gateway builds "
                             f"VPC links v2, {count} needed", f"use a Region with more (see {VPC_LINK_V2_ZONES_PAGE})")
    return usable[:count]


def require_vpc_link_zones(cloud, subnets: list[Subnet], parameter: str = "subnet_ids") -> None:
    """ParameterError naming the first subnet whose zone ID API Gateway does not support for VPC links v2."""
    for subnet in subnets:
        if not vpc_link_v2_supports(cloud.region, subnet.az_id):
            supported = ", ".join(sorted(VPC_LINK_V2_ZONE_IDS[cloud.region]))
            raise ParameterError(parameter, f"{subnet.id} is in {subnet.az} (zone ID {subnet.az_id}), where API Gateway "
                                 "cannot build a VPC link v2: CreateVpcLink would refuse it",
                                 f"pass subnets in the zone IDs API Gateway supports in {cloud.region} ({supported}; "
                                 f"see {VPC_LINK_V2_ZONES_PAGE})")


def ensure_private_subnets(lab, vpc: Vpc, count: int = 2, prefix: str = "private") -> list[Subnet]:
    """``count`` subnets in distinct AZs with a route table that has no internet route (roles ``<prefix>-a``...).

    The zones are picked by ID from those where VPC links v2 can be built, so any pattern can use the subnets.
    """
    ec2 = _ec2(lab)
    zones = [z["ZoneId"] for z in vpc_link_zones(lab.cloud, count)]
    blocks = ipaddress.ip_network(vpc.cidr).subnets(new_prefix=min(ipaddress.ip_network(vpc.cidr).prefixlen + 4, 28))
    table = _ensure_private_route_table(lab, vpc, f"{prefix}-routes")
    subnets = []
    for index, (zone, block) in enumerate(zip(zones, blocks)):
        role = f"{prefix}-{chr(ord('a') + index)}"
        found = ec2.describe_subnets(Filters=lab.ec2_filters(role))["Subnets"]
        if found:
            subnet = found[0]
        else:
            subnet = ec2.create_subnet(VpcId=vpc.id, CidrBlock=str(block), AvailabilityZoneId=zone,
                                       TagSpecifications=lab.tag_specs("subnet", role))["Subnet"]
        if not any(a.get("SubnetId") == subnet["SubnetId"] for a in table["Associations"]):
            ec2.associate_route_table(RouteTableId=table["RouteTableId"], SubnetId=subnet["SubnetId"])
        subnets.append(_subnet(subnet))
    return subnets


def _ensure_private_route_table(lab, vpc: Vpc, role: str = "private-routes") -> dict:
    ec2 = _ec2(lab)
    found = ec2.describe_route_tables(Filters=lab.ec2_filters(role))["RouteTables"]
    if found:
        return found[0]
    with lab.idempotency_token(role) as token:
        return ec2.create_route_table(VpcId=vpc.id, TagSpecifications=lab.tag_specs("route-table", role),
                                      ClientToken=token)["RouteTable"]


def describe_subnets(cloud, subnet_ids: list[str], vpc_id: str | None = None) -> list[Subnet]:
    try:
        found = cloud.client("ec2").describe_subnets(SubnetIds=list(subnet_ids))["Subnets"]
    except ClientError as exc:
        raise ParameterError("subnet_ids", f"{subnet_ids} not found ({exc.response['Error']['Code']})",
                             "pass ids of existing subnets in this region") from None
    subnets = [_subnet(s) for s in found]
    for subnet in subnets:
        if vpc_id and subnet.vpc_id != vpc_id:
            raise ParameterError("subnet_ids", f"{subnet.id} is in {subnet.vpc_id}, not in vpc_id {vpc_id}",
                                 "pass subnets of the VPC given as vpc_id")
    return subnets


def routes_to_internet(cloud, subnet: Subnet) -> list[str]:
    """Internet gateway ids that ``subnet``'s route table (explicit or main) routes to."""
    ec2 = cloud.client("ec2")
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet.id]}])["RouteTables"]
    if not tables:
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [subnet.vpc_id]},
                                                    {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    return sorted({r["GatewayId"] for t in tables for r in t["Routes"] if r.get("GatewayId", "").startswith("igw-")})


# Security groups ---------------------------------------------------------------
def ensure_security_group(lab, vpc: Vpc, role: str, description: str) -> SecurityGroup:
    ec2 = _ec2(lab)
    found = ec2.describe_security_groups(Filters=lab.ec2_filters(role))["SecurityGroups"]
    if found:
        return SecurityGroup(found[0]["GroupId"], found[0]["GroupName"], found[0]["VpcId"])
    group = ec2.create_security_group(GroupName=lab.resource_name(role), Description=description, VpcId=vpc.id,
                                      TagSpecifications=lab.tag_specs("security-group", role))
    return SecurityGroup(group["GroupId"], lab.resource_name(role), vpc.id)


def ensure_ingress(lab, group: SecurityGroup, port: int, *, source_group: str | None = None,
                   cidr: str | None = None, description: str = "") -> bool:
    """Allow TCP ``port`` from a security group or a CIDR; True if a rule was added."""
    if (source_group is None) == (cidr is None):
        raise ValueError("give exactly one of source_group and cidr")
    ec2 = _ec2(lab)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group.id]}])["SecurityGroupRules"]
    for rule in rules:
        if rule["IsEgress"] or rule["IpProtocol"] != "tcp" or rule["FromPort"] != port or rule["ToPort"] != port:
            continue
        if source_group and rule.get("ReferencedGroupInfo", {}).get("GroupId") == source_group:
            return False
        if cidr and rule.get("CidrIpv4") == cidr:
            return False
    permission = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if source_group:
        permission["UserIdGroupPairs"] = [{"GroupId": source_group, "Description": description}]
    else:
        permission["IpRanges"] = [{"CidrIp": cidr, "Description": description}]
    ec2.authorize_security_group_ingress(GroupId=group.id, IpPermissions=[permission])
    return True


# Instances -----------------------------------------------------------------------
# The lab's web server: 200 with a small JSON body on every path and method. User data runs at the first boot
# only (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html), so the server is a systemd service
# that starts again with the instance. APIGW_KIT_WEB_PORT is also the marker the embedded AWS reads the port from.
WEB_SERVER = """#!/bin/bash
APIGW_KIT_WEB_PORT=%d
cat > /usr/local/bin/apigw-kit-web.py <<'PY'
import http.server
import sys

BODY = b'{"hello": "from a private instance"}'


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(BODY)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET


http.server.ThreadingHTTPServer(("", int(sys.argv[1])), Answer).serve_forever()
PY
cat > /etc/systemd/system/apigw-kit-web.service <<UNIT
[Unit]
Description=apigw-kit lab web server
After=network-online.target

[Service]
ExecStart=/usr/bin/python3 /usr/local/bin/apigw-kit-web.py $APIGW_KIT_WEB_PORT
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now apigw-kit-web.service
"""


def instance_state(cloud, instance_id: str) -> str:
    return cloud.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


def wait_instance(lab, instance_id: str, state: str) -> None:
    """Wait for ``state`` (running, stopped); a target can be registered only while its instance is running."""
    wait_for(lab.cloud, f"instance {instance_id}", lambda: instance_state(lab.cloud, instance_id), {state},
             failed=frozenset({"terminated", "shutting-down"}), timeout=600, poll=10,
             cause="Instances usually start in under a minute and stop within a few minutes.")


def latest_amazon_linux(cloud) -> str:
    parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    return cloud.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]


def ensure_instance(lab, subnet: Subnet, group: SecurityGroup, port: int, role: str = "web") -> str:
    """A small instance serving HTTP on ``port`` (no public IP), running; returns its id."""
    ec2 = _ec2(lab)
    found = _paged(ec2, "describe_instances", "Reservations", Filters=lab.ec2_filters(role) + [
        {"Name": "instance-state-name", "Values": ["pending", "running"]}])
    if found:
        instance_id = found[0]["Instances"][0]["InstanceId"]
    else:
        with lab.idempotency_token(role) as token:
            instance_id = ec2.run_instances(
                ImageId=latest_amazon_linux(lab.cloud), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                SubnetId=subnet.id, SecurityGroupIds=[group.id], UserData=WEB_SERVER % port,
                TagSpecifications=lab.tag_specs("instance", role), ClientToken=token,
            )["Instances"][0]["InstanceId"]
    wait_instance(lab, instance_id, "running")
    return instance_id


# Teardown -----------------------------------------------------------------------
def _find_instances(lab) -> list[Found]:
    reservations = _paged(_ec2(lab), "describe_instances", "Reservations", Filters=lab.ec2_filters() + [
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
    return [Found("ec2:instance", i["InstanceId"], name_of(i.get("Tags")), i["State"]["Name"])
            for r in reservations for i in r["Instances"]]


def _delete_instance(lab, found: Found) -> None:
    ec2 = _ec2(lab)
    ec2.terminate_instances(InstanceIds=[found.id])
    wait_for(lab.cloud, f"instance {found.id}", lambda: ec2.describe_instances(InstanceIds=[found.id])
             ["Reservations"][0]["Instances"][0]["State"]["Name"], {"terminated"}, timeout=600, poll=10,
             cause="Instances usually terminate within two minutes.")


def _find_groups(lab) -> list[Found]:
    groups = _paged(_ec2(lab), "describe_security_groups", "SecurityGroups", Filters=lab.ec2_filters())
    return [Found("ec2:security-group", g["GroupId"], g["GroupName"]) for g in groups]


def _find_referencing_rules(lab) -> list[Found]:
    """Lab groups whose ingress names another group: such rules block that group's deletion."""
    groups = _paged(_ec2(lab), "describe_security_groups", "SecurityGroups", Filters=lab.ec2_filters())
    return [Found("ec2:security-group-ingress", g["GroupId"], g["GroupName"])
            for g in groups if any(p.get("UserIdGroupPairs") for p in g["IpPermissions"])]


def _revoke_referencing_rules(lab, found: Found) -> None:
    ec2 = _ec2(lab)
    group = ec2.describe_security_groups(GroupIds=[found.id])["SecurityGroups"][0]
    referencing = [p for p in group["IpPermissions"] if p.get("UserIdGroupPairs")]
    if referencing:
        ec2.revoke_security_group_ingress(GroupId=found.id, IpPermissions=referencing)


def _delete_group(lab, found: Found) -> None:
    # ENIs of deleted load balancers, VPC links and endpoints are released asynchronously on AWS;
    # teardown gives all groups, subnets and the VPC one deadline for that (shared=True).
    retry_while(lab.cloud, f"security group {found.id}", lambda: _ec2(lab).delete_security_group(GroupId=found.id),
                {"DependencyViolation"}, timeout=900, shared=True)


def _find_route_tables(lab) -> list[Found]:
    tables = _ec2(lab).describe_route_tables(Filters=lab.ec2_filters())["RouteTables"]
    return [Found("ec2:route-table", t["RouteTableId"], name_of(t.get("Tags")),
                  extra=tuple(("association", a["RouteTableAssociationId"]) for a in t["Associations"] if not a.get("Main")))
            for t in tables]


def _delete_route_table(lab, found: Found) -> None:
    ec2 = _ec2(lab)
    for _, association in found.extra:
        ec2.disassociate_route_table(AssociationId=association)
    ec2.delete_route_table(RouteTableId=found.id)


def _find_internet_gateways(lab) -> list[Found]:
    gateways = _ec2(lab).describe_internet_gateways(Filters=lab.ec2_filters())["InternetGateways"]
    return [Found("ec2:internet-gateway", g["InternetGatewayId"], name_of(g.get("Tags")),
                  extra=tuple(("vpc", a["VpcId"]) for a in g.get("Attachments", []))) for g in gateways]


def _delete_internet_gateway(lab, found: Found) -> None:
    ec2 = _ec2(lab)
    for _, vpc in found.extra:
        ec2.detach_internet_gateway(InternetGatewayId=found.id, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=found.id)


def _find_subnets(lab) -> list[Found]:
    subnets = _ec2(lab).describe_subnets(Filters=lab.ec2_filters())["Subnets"]
    return [Found("ec2:subnet", s["SubnetId"], name_of(s.get("Tags")), s.get("State", ""), ) for s in subnets]


def _delete_subnet(lab, found: Found) -> None:
    # ENIs of deleted load balancers and VPC links linger for a while on AWS.
    retry_while(lab.cloud, f"subnet {found.id}", lambda: _ec2(lab).delete_subnet(SubnetId=found.id),
                {"DependencyViolation"}, timeout=900, shared=True)


def _find_vpcs(lab) -> list[Found]:
    return [Found("ec2:vpc", v["VpcId"], name_of(v.get("Tags")), v["State"])
            for v in _ec2(lab).describe_vpcs(Filters=lab.ec2_filters())["Vpcs"]]


def _delete_vpc(lab, found: Found) -> None:
    retry_while(lab.cloud, f"VPC {found.id}", lambda: _ec2(lab).delete_vpc(VpcId=found.id),
                {"DependencyViolation"}, timeout=300, shared=True)


register("ec2:instance", 60, _find_instances, _delete_instance)
register("ec2:security-group-ingress", 79, _find_referencing_rules, _revoke_referencing_rules)
register("ec2:security-group", 80, _find_groups, _delete_group)
register("ec2:internet-gateway", 84, _find_internet_gateways, _delete_internet_gateway)  # the catalogue's exercises add some
register("ec2:route-table", 85, _find_route_tables, _delete_route_table)
register("ec2:subnet", 90, _find_subnets, _delete_subnet)
register("ec2:vpc", 99, _find_vpcs, _delete_vpc)
