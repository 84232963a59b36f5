"""Managed ENIs: the network interfaces AWS services create in a customer's subnets."""
from __future__ import annotations

import ipaddress

from moto.ec2.models import EC2Backend
from moto.moto_api._internal import mock_random

# AWS reserves the first four addresses and the last one of every subnet.
_RESERVED_LOW, _RESERVED_HIGH = 4, 1


def held_addresses(ec2: EC2Backend, subnet=None) -> set[str]:
    """The private addresses (primary and secondary) that ENIs hold, in ``subnet`` or anywhere."""
    return {address["PrivateIpAddress"] for eni in ec2.enis.values() if subnet is None or eni.subnet.id == subnet.id
            for address in eni.private_ip_addresses}


def holder(ec2: EC2Backend, address: str):
    """The ENI holding ``address`` (primary or secondary), or None."""
    return next((eni for eni in ec2.enis.values()
                 if any(a["PrivateIpAddress"] == address for a in eni.private_ip_addresses)), None)


def free_ip(ec2: EC2Backend, subnet) -> str:
    network = ipaddress.IPv4Network(subnet.cidr_block)
    used = set(subnet._subnet_ips) | held_addresses(ec2, subnet)
    size = network.num_addresses - _RESERVED_LOW - _RESERVED_HIGH
    if len(used) >= size:
        raise ValueError(f"subnet {subnet.id} has no free IP addresses")
    while True:
        ip = str(network.network_address + _RESERVED_LOW + mock_random.randrange(size))
        if ip not in used:
            return ip


def create_managed_eni(
    ec2: EC2Backend,
    subnet_id: str,
    description: str,
    group_ids: list[str] | None,
    requester_id: str | None = None,
    interface_type: str = "interface",
    ip: str | None = None,
):
    """A requester-managed, in-use ENI. ``group_ids=None``: the VPC's default group; ``[]``: none."""
    subnet = ec2.get_subnet(subnet_id)
    eni = ec2.create_network_interface(subnet, ip or free_ip(ec2, subnet), group_ids=group_ids, description=description)
    if group_ids == []:
        eni._group_set = []
    eni.requester_managed = True
    eni.requester_id = requester_id or eni.requester_id
    eni.status = "in-use"
    eni.interface_type = interface_type
    return eni


def release(ec2: EC2Backend, eni_ids: list[str]) -> None:
    for eni_id in eni_ids:
        ec2.enis.pop(eni_id, None)
