"""Managed ENIs: the network interfaces AWS services create in a customer's subnets."""
from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from typing import Callable

from moto.ec2.models import EC2Backend
from moto.moto_api._internal import mock_random

from ..clock import CLOCK
from ._patch import wrap

# AWS reserves the first four addresses and the last one of every subnet.
_RESERVED_LOW, _RESERVED_HIGH = 4, 1


@dataclass(frozen=True)
class Deferred:
    """An ENI change AWS makes on its own some time after the call that asked for it."""
    delays: tuple[str, ...]  # clock delay kinds, one after the other, from ``since``
    since: float
    apply: Callable[[], None]
    reserved: frozenset[tuple[str, str]] = frozenset()  # (subnet id, address) pinned for ENIs to come


_DEFERRED = "_apigw_kit_deferred"
# The server answers requests on several threads; applying a change creates ENIs, which settles again.
_SETTLING = threading.RLock()


def defer(ec2: EC2Backend, change: Deferred) -> None:
    with _SETTLING:
        setattr(ec2, _DEFERRED, [*getattr(ec2, _DEFERRED, []), change])


def settle(ec2: EC2Backend) -> None:
    """Apply the deferred ENI changes whose time has come. Every path that reads or depends on the
    ENIs calls this first, so the first describe after the delay sees the change."""
    with _SETTLING:
        pending = getattr(ec2, _DEFERRED, [])
        due = [change for change in pending if CLOCK.ready(change.delays, change.since)]
        setattr(ec2, _DEFERRED, [change for change in pending if change not in due])  # before applying: no re-entry
        for change in due:
            change.apply()


def _settled(original, self: EC2Backend, *args, **kwargs):
    settle(self)
    return original(self, *args, **kwargs)


def install_settling() -> None:
    """DescribeNetworkInterfaces, DescribeVpcEndpoints (and moto's own lookups) see the deferred changes that are due."""
    for name in ("get_all_network_interfaces", "describe_network_interfaces", "describe_vpc_endpoints"):
        wrap(EC2Backend, name, _settled)


def held_addresses(ec2: EC2Backend, subnet=None) -> set[str]:
    """The private addresses (primary and secondary) that ENIs hold, in ``subnet`` or anywhere."""
    settle(ec2)
    return {address["PrivateIpAddress"] for eni in ec2.enis.values() if subnet is None or eni.subnet.id == subnet.id
            for address in eni.private_ip_addresses}


def holder(ec2: EC2Backend, address: str):
    """The ENI holding ``address`` (primary or secondary), or None."""
    settle(ec2)
    return next((eni for eni in ec2.enis.values()
                 if any(a["PrivateIpAddress"] == address for a in eni.private_ip_addresses)), None)


def _reserved(ec2: EC2Backend, subnet) -> set[str]:
    """Addresses pinned for ENIs that a provisioning resource has yet to create."""
    return {ip for change in getattr(ec2, _DEFERRED, []) for subnet_id, ip in change.reserved if subnet_id == subnet.id}


def free_ip(ec2: EC2Backend, subnet) -> str:
    network = ipaddress.IPv4Network(subnet.cidr_block)
    used = set(subnet._subnet_ips) | held_addresses(ec2, subnet) | _reserved(ec2, subnet)
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
