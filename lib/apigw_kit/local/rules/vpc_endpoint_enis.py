"""Interface VPC endpoints: managed ENIs inside their subnets, pinnable IPs, AWS-shaped DNS entries.

"For each subnet that you specify from your VPC, we create an endpoint network interface in the subnet"
(https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html); the endpoint is
``pending`` meanwhile (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html).
When inside ``pending`` the interfaces appear is not documented: the harder case is emulated, no ENI
(and no NetworkInterfaceIds) before the endpoint is ``available``; pinned addresses are reserved meanwhile.
"""
from __future__ import annotations

from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.responses.vpcs import VPCs
from moto.moto_api._internal import mock_random

from . import Rule
from ._enis import Deferred, create_managed_eni, defer, install_settling, release
from ._patch import created_at, wrap


def _dns_entries(endpoint: VPCEndPoint, ec2, zone_id: str) -> list[dict]:
    region = ec2.region_name
    service = endpoint.service_name.rsplit(".", 1)[-1]
    base = f"{endpoint.id}-{mock_random.get_random_string(8, lower_case=True)}"
    names = [f"{base}.{service}.{region}.vpce.amazonaws.com"] + [
        f"{base}-{ec2.get_subnet(subnet_id).availability_zone}.{service}.{region}.vpce.amazonaws.com"
        for subnet_id in endpoint.subnet_ids
    ]
    if endpoint.private_dns_enabled:
        names.append(f"{service}.{region}.amazonaws.com")
    return [{"dns_name": name, "hosted_zone_id": zone_id} for name in names]


def _rebuild(ec2, endpoint: VPCEndPoint, pinned: dict[str, str]) -> None:
    # moto gives interface endpoints plain ENIs with addresses outside their subnets.
    release(ec2, endpoint.network_interface_ids)
    endpoint.subnet_ids = endpoint.subnet_ids or list(pinned)
    # Without groups AWS attaches the VPC's default security group.
    endpoint.security_group_ids = endpoint.security_group_ids or [ec2.get_default_security_group(endpoint.vpc_id).id]
    endpoint.network_interface_ids = []
    # Same stamp and delay as the endpoint's pending -> available (rule provisioning_clock).
    defer(ec2, Deferred(("vpc_endpoint",), created_at(endpoint), lambda: _provision_enis(ec2, endpoint, pinned),
                        frozenset((subnet, ip) for subnet, ip in pinned.items() if ip)))
    endpoint.dns_entries = _dns_entries(endpoint, ec2, endpoint.dns_entries[0]["hosted_zone_id"])


def _provision_enis(ec2, endpoint: VPCEndPoint, pinned: dict[str, str]) -> None:
    if endpoint.state in ("deleting", "deleted"):
        return
    endpoint.network_interface_ids = [
        create_managed_eni(
            ec2, subnet_id, f"VPC Endpoint Interface {endpoint.id}", endpoint.security_group_ids,
            interface_type="vpc_endpoint", ip=pinned.get(subnet_id),
        ).id
        for subnet_id in endpoint.subnet_ids
    ]


def _create_vpc_endpoint(original, self: VPCs):
    result = original(self)
    endpoint = result.result["VpcEndpoint"]
    if (endpoint.vpc_endpoint_type or "").lower() == "interface":
        pinned = {c["SubnetId"]: c.get("Ipv4") for c in self._get_param("SubnetConfigurations", [])}
        _rebuild(self.ec2_backend, endpoint, pinned)
    return result


def install() -> None:
    install_settling()
    wrap(VPCs, "create_vpc_endpoint", _create_vpc_endpoint)


RULE = Rule(
    name="vpc_endpoint_enis",
    mirrors="Interface endpoints own a requester-managed ENI per subnet, inside its CIDR (SubnetConfigurations pin IPs), "
            "described 'VPC Endpoint Interface vpce-<id>', created by the time the endpoint is available.",
    install=install,
)
