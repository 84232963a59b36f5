"""Interface VPC endpoints (execute-api) and VPC peering with its routes.

An interface endpoint places one requester-managed ENI per subnet; their
addresses are what an ALB in front of a private API targets. AWS picks them
unless ``SubnetConfigurations`` (2023) pins them, which is what keeps such a
target group from drifting when an endpoint is replaced.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pandas as pd
from botocore.exceptions import ClientError

from ..waits import retry_while, wait_deleted, wait_for
from . import Found, name_of, register
from .network import Subnet, Vpc, _ec2, _paged

ENDPOINT_ENI_COLUMNS = ["endpoint", "eni", "subnet", "az", "private_ip"]


@dataclass(frozen=True)
class Endpoint:
    id: str
    service: str
    subnet_ids: tuple[str, ...]
    private_dns: bool
    dns_name: str  # the endpoint's own regional name (works without private DNS)


@dataclass(frozen=True)
class Peering:
    id: str
    requester_vpc: str
    accepter_vpc: str


def service_name(cloud, service: str = "execute-api") -> str:
    return f"com.amazonaws.{cloud.region}.{service}"


def _record(endpoint: dict) -> Endpoint:
    entries = [e["DnsName"] for e in endpoint.get("DnsEntries", [])]
    return Endpoint(endpoint["VpcEndpointId"], endpoint["ServiceName"], tuple(endpoint.get("SubnetIds", [])),
                    bool(endpoint.get("PrivateDnsEnabled")), entries[0] if entries else "")


def pinned_addresses(subnets: list[Subnet], host: int = 10) -> dict[str, str]:
    """One address per subnet (its ``host``-th), for SubnetConfigurations; AWS keeps the first four."""
    return {s.id: str(ipaddress.ip_network(s.cidr)[host]) for s in subnets}


def ensure_interface_endpoint(lab, vpc: Vpc, subnets: list[Subnet], group_ids: list[str], *, service: str = "execute-api",
                              private_dns: bool = True, pinned: dict[str, str] | None = None,
                              role: str = "endpoint") -> Endpoint:
    """The lab's interface endpoint for ``service`` in ``subnets``; not waited for.

    ``pinned`` (subnet id -> IPv4) fixes the ENI addresses instead of letting AWS choose.
    """
    found = _paged(_ec2(lab), "describe_vpc_endpoints", "VpcEndpoints",
                   Filters=lab.ec2_filters(role) + [{"Name": "vpc-endpoint-state", "Values": ["pending", "available"]}])
    if found:
        return _record(found[0])
    kwargs = {"SubnetConfigurations": [{"SubnetId": s, "Ipv4": ip} for s, ip in pinned.items()]} if pinned else {}
    with lab.idempotency_token(role) as token:
        endpoint = _ec2(lab).create_vpc_endpoint(
            VpcEndpointType="Interface", VpcId=vpc.id, ServiceName=service_name(lab.cloud, service),
            SubnetIds=[s.id for s in subnets], SecurityGroupIds=list(group_ids), PrivateDnsEnabled=private_dns,
            TagSpecifications=lab.tag_specs("vpc-endpoint", role), ClientToken=token, **kwargs)["VpcEndpoint"]
    return _record(endpoint)


def describe_endpoint(cloud, endpoint_id: str) -> dict:
    return cloud.client("ec2").describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]


def wait_endpoint(lab, endpoint: Endpoint) -> None:
    wait_for(lab.cloud, f"VPC endpoint {endpoint.id}", lambda: describe_endpoint(lab.cloud, endpoint.id)["State"].lower(),
             {"available"}, failed=frozenset({"failed", "rejected"}), timeout=900, poll=15,
             cause="Interface endpoints usually take 1-3 minutes; 'failed' usually means private DNS clashes with "
                   "another endpoint's in the VPC, or the VPC lacks DNS support/hostnames.")


def endpoint_enis(cloud, endpoint_id: str) -> pd.DataFrame:
    """The endpoint's ENIs and their addresses, read from the API (never typed in)."""
    ids = describe_endpoint(cloud, endpoint_id).get("NetworkInterfaceIds", [])
    enis = cloud.client("ec2").describe_network_interfaces(NetworkInterfaceIds=ids)["NetworkInterfaces"] if ids else []
    rows = [{"endpoint": endpoint_id, "eni": e["NetworkInterfaceId"], "subnet": e["SubnetId"],
             "az": e["AvailabilityZone"], "private_ip": e["PrivateIpAddress"]} for e in enis]
    return pd.DataFrame(rows, columns=ENDPOINT_ENI_COLUMNS).sort_values(["az", "private_ip"], ignore_index=True)


# Peering ------------------------------------------------------------------------------------
def ensure_peering(lab, requester: Vpc, accepter: Vpc, role: str = "peering") -> Peering:
    """An accepted peering between two VPCs of this account and region."""
    ec2 = _ec2(lab)
    live = ("initiating-request", "pending-acceptance", "provisioning", "active")
    # Filtered again here: deleted peerings stay listed for a while, and the embedded AWS ignores status-code.
    found = [p for p in ec2.describe_vpc_peering_connections(Filters=lab.ec2_filters(role) + [
        {"Name": "status-code", "Values": list(live)}])["VpcPeeringConnections"] if p["Status"]["Code"] in live]
    peering = found[0] if found else ec2.create_vpc_peering_connection(
        VpcId=requester.id, PeerVpcId=accepter.id, TagSpecifications=lab.tag_specs("vpc-peering-connection", role),
    )["VpcPeeringConnection"]
    pcx = peering["VpcPeeringConnectionId"]

    def status() -> str:
        return ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]["Status"]["Code"]
    # A new peering is "initiating-request" for a moment and cannot be accepted until it is pending.
    if wait_for(lab.cloud, f"peering {pcx}", status, {"pending-acceptance", "provisioning", "active"},
                failed=frozenset({"failed", "rejected", "expired"}), timeout=120, poll=2,
                cause="overlapping CIDR blocks make a peering request fail") == "pending-acceptance":
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    return Peering(pcx, requester.id, accepter.id)


def ensure_route(lab, route_table_id: str, destination: str, peering: Peering) -> bool:
    """A route to ``destination`` through the peering; True if added."""
    ec2 = _ec2(lab)
    table = ec2.describe_route_tables(RouteTableIds=[route_table_id])["RouteTables"][0]
    if any(r.get("DestinationCidrBlock") == destination and r.get("VpcPeeringConnectionId") == peering.id
           for r in table["Routes"]):
        return False
    ec2.create_route(RouteTableId=route_table_id, DestinationCidrBlock=destination, VpcPeeringConnectionId=peering.id)
    return True


# Teardown ------------------------------------------------------------------------------------
def _find_endpoints(lab) -> list[Found]:
    found = _paged(_ec2(lab), "describe_vpc_endpoints", "VpcEndpoints", Filters=lab.ec2_filters())
    return [Found("ec2:vpc-endpoint", e["VpcEndpointId"], name_of(e.get("Tags")), e["State"].lower())
            for e in found if e["State"].lower() not in ("deleted", "deleting")]


def _delete_endpoint(lab, found: Found) -> None:
    answer = _ec2(lab).delete_vpc_endpoints(VpcEndpointIds=[found.id])
    # A refusal does not raise: it comes back in Unsuccessful
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html).
    for item in answer.get("Unsuccessful", []):
        raise ClientError({"Error": item["Error"]}, "DeleteVpcEndpoints")
    wait_deleted(lab.cloud, f"VPC endpoint {found.id}", lambda: describe_endpoint(lab.cloud, found.id)["State"].lower(),
                 {"InvalidVpcEndpointId.NotFound"}, timeout=600, poll=10,
                 cause="an interface endpoint is 'deleting' for a minute or so before its network interfaces go.")


def _find_peerings(lab) -> list[Found]:
    found = _ec2(lab).describe_vpc_peering_connections(Filters=lab.ec2_filters())["VpcPeeringConnections"]
    # The tags are checked again: moto ignores tag filters on this call, and teardown must never take another lab's.
    return [Found("ec2:vpc-peering", p["VpcPeeringConnectionId"], name_of(p.get("Tags")), p["Status"]["Code"])
            for p in found if p["Status"]["Code"] not in ("deleted", "deleting", "rejected", "failed")
            and lab.owns(p.get("Tags", []))]


def _delete_peering(lab, found: Found) -> None:
    retry_while(lab.cloud, f"peering {found.id}",
                lambda: _ec2(lab).delete_vpc_peering_connection(VpcPeeringConnectionId=found.id),
                {"DependencyViolation"}, timeout=300)


register("ec2:vpc-endpoint", 70, _find_endpoints, _delete_endpoint)
register("ec2:vpc-peering", 96, _find_peerings, _delete_peering)
