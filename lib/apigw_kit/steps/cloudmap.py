"""AWS Cloud Map: a private DNS namespace, a service and its registered instances.

An HTTP API VPC link can reach a Cloud Map service directly (the integration URI is
the service's ARN): API Gateway discovers the instances and connects to one of them.
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..tagged import tagged
from ..waits import retry_while, wait_for
from . import Found, register


@dataclass(frozen=True)
class Namespace:
    id: str
    name: str


@dataclass(frozen=True)
class Service:
    id: str
    arn: str
    name: str
    namespace_id: str


def _sd(lab_or_cloud):
    return getattr(lab_or_cloud, "cloud", lab_or_cloud).client("servicediscovery")


def _owned(lab, items: list[dict]) -> list[dict]:
    return [i for i in items if lab.owns(_sd(lab).list_tags_for_resource(ResourceARN=i["Arn"])["Tags"])]


def _lab_namespaces(lab) -> list[dict]:
    pages = _sd(lab).get_paginator("list_namespaces").paginate()
    return _owned(lab, [n for page in pages for n in page["Namespaces"]])


def _lab_services(lab) -> list[dict]:
    pages = _sd(lab).get_paginator("list_services").paginate()
    return _owned(lab, [s for page in pages for s in page["Services"]])


def ensure_namespace(lab, vpc, name: str | None = None) -> Namespace:
    """A private DNS namespace (``<lab>.internal`` by default) in ``vpc``; waits for its creation."""
    name = name or f"{lab.name}.internal"
    for namespace in _lab_namespaces(lab):
        if namespace["Name"] == name:
            return Namespace(namespace["Id"], name)
    sd = _sd(lab)
    with lab.idempotency_token("namespace", name) as token:
        operation = sd.create_private_dns_namespace(Name=name, Vpc=vpc.id, Tags=lab.tag_list("namespace"),
                                                    Description=f"apigw-kit lab {lab.name}",
                                                    CreatorRequestId=token)["OperationId"]
    wait_for(lab.cloud, f"Cloud Map namespace {name}", lambda: sd.get_operation(OperationId=operation)["Operation"]["Status"],
             {"SUCCESS"}, failed=frozenset({"FAIL"}), timeout=300, poll=5,
             cause="namespaces take up to a minute (a private hosted zone is created); FAIL usually means the name is taken in the VPC.")
    return Namespace(sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"], name)


def ensure_service(lab, namespace: Namespace, role: str = "service") -> Service:
    name = lab.resource_name(role)
    for service in _lab_services(lab):
        if service["Name"] == name and service.get("NamespaceId", namespace.id) == namespace.id:
            return Service(service["Id"], service["Arn"], name, namespace.id)
    with lab.idempotency_token(role, namespace.id) as token:
        service = _sd(lab).create_service(Name=name, NamespaceId=namespace.id, Tags=lab.tag_list(role), CreatorRequestId=token,
                                          DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 60}], "RoutingPolicy": "MULTIVALUE"})["Service"]
    return Service(service["Id"], service["Arn"], name, namespace.id)


def ensure_instance(lab, service: Service, instance_id: str, ip: str, port: int) -> bool:
    """Register ``ip:port`` as ``instance_id`` unless it already is; True if registered now."""
    sd = _sd(lab)
    wanted = {"AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": str(port)}
    for instance in sd.list_instances(ServiceId=service.id)["Instances"]:
        if instance["Id"] == instance_id and instance.get("Attributes") == wanted:
            return False
    # Registering again with other attributes is an update: a request of its own, with a token of its own.
    with lab.idempotency_token("instance", service.id, instance_id, ip, port) as token:
        sd.register_instance(ServiceId=service.id, InstanceId=instance_id, Attributes=wanted, CreatorRequestId=token)
    return True


def instances(cloud, service_id: str) -> list[dict]:
    return _sd(cloud).list_instances(ServiceId=service_id)["Instances"]


# Teardown --------------------------------------------------------------------------------
def _confirmed(lab, type_: str, get, missing: str) -> list[Found]:
    """The lab's namespaces or services from the Tagging API, each confirmed by Cloud Map (the Tagging API can lag)."""
    found = []
    for arn in tagged(lab, f"servicediscovery:{type_}"):
        try:
            item = get(Id=arn.split("/")[-1])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == missing:
                continue
            raise
        found.append(Found(f"servicediscovery:{type_}", item["Id"], item["Name"]))
    return found


def _find_services(lab) -> list[Found]:
    return _confirmed(lab, "service", lambda **kw: _sd(lab).get_service(**kw)["Service"], "ServiceNotFound")


def _delete_service(lab, found: Found) -> None:
    sd = _sd(lab)
    for instance in sd.list_instances(ServiceId=found.id)["Instances"]:
        sd.deregister_instance(ServiceId=found.id, InstanceId=instance["Id"])
    # Deregistration is asynchronous: the service stays in use until its instances are gone.
    retry_while(lab.cloud, f"Cloud Map service {found.name}", lambda: sd.delete_service(Id=found.id),
                {"ResourceInUse"}, timeout=300)


def _find_namespaces(lab) -> list[Found]:
    return _confirmed(lab, "namespace", lambda **kw: _sd(lab).get_namespace(**kw)["Namespace"], "NamespaceNotFound")


def _delete_namespace(lab, found: Found) -> None:
    try:
        retry_while(lab.cloud, f"Cloud Map namespace {found.name}", lambda: _sd(lab).delete_namespace(Id=found.id),
                    {"ResourceInUse"}, timeout=300)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NamespaceNotFound":
            raise


register("servicediscovery:service", 46, _find_services, _delete_service)
register("servicediscovery:namespace", 47, _find_namespaces, _delete_namespace)
