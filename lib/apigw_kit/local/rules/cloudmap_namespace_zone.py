"""Deleting a Cloud Map DNS namespace deletes the hosted zone Cloud Map created for it (moto keeps the zone).

AWS documentation: https://docs.aws.amazon.com/cloud-map/latest/dg/deleting-namespaces.html
"""
from __future__ import annotations

from moto.route53 import route53_backends
from moto.servicediscovery.models import ServiceDiscoveryBackend
from moto.utilities.utils import get_partition

from . import Rule
from ._patch import wrap


def _delete_namespace(original, self: ServiceDiscoveryBackend, namespace_id: str):
    namespace = self.namespaces.get(namespace_id)
    zone_id = (getattr(namespace, "dns_properties", None) or {}).get("HostedZoneId")
    result = original(self, namespace_id)
    if zone_id:
        zones = route53_backends[self.account_id][get_partition(self.region_name)].zones
        zones.pop(zone_id.replace("/hostedzone/", ""), None)
    return result


def install() -> None:
    wrap(ServiceDiscoveryBackend, "delete_namespace", _delete_namespace)


RULE = Rule(
    name="cloudmap_namespace_zone",
    mirrors="DeleteNamespace also deletes the Route 53 hosted zone that CreatePrivate/PublicDnsNamespace created.",
    install=install,
)
