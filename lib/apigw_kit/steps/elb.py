"""Load balancers (ALB, NLB), target groups, targets and listeners."""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from ..errors import MissingResource, ParameterError
from ..tagged import tagged
from ..waits import retry_while, wait_deleted, wait_for
from . import Found, register
from .network import network_interfaces


@dataclass(frozen=True)
class LoadBalancer:
    arn: str
    name: str
    type: str  # application | network
    scheme: str
    dns_name: str
    vpc_id: str
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetGroup:
    arn: str
    name: str
    protocol: str
    port: int
    target_type: str


@dataclass(frozen=True)
class Listener:
    arn: str
    load_balancer_arn: str
    protocol: str
    port: int


def _elb(lab_or_cloud):
    cloud = getattr(lab_or_cloud, "cloud", lab_or_cloud)
    return cloud.client("elbv2")


def _record(lb: dict) -> LoadBalancer:
    return LoadBalancer(lb["LoadBalancerArn"], lb["LoadBalancerName"], lb["Type"], lb["Scheme"], lb["DNSName"],
                        lb["VpcId"], tuple(lb.get("SecurityGroups") or ()))


def _tagged(lab, arns: list[str]) -> dict[str, dict[str, str]]:
    """Tags of ``arns`` (in batches of 20, the API's limit) for the ones this lab owns."""
    owned = {}
    for start in range(0, len(arns), 20):
        for description in _elb(lab).describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]:
            tags = {t["Key"]: t["Value"] for t in description["Tags"]}
            if lab.owns(tags):
                owned[description["ResourceArn"]] = tags
    return owned


def _lab_load_balancers(lab) -> list[dict]:
    pages = _elb(lab).get_paginator("describe_load_balancers").paginate()
    lbs = [lb for page in pages for lb in page["LoadBalancers"]]
    owned = _tagged(lab, [lb["LoadBalancerArn"] for lb in lbs])
    return [lb for lb in lbs if lb["LoadBalancerArn"] in owned]


def _lab_target_groups(lab) -> list[dict]:
    pages = _elb(lab).get_paginator("describe_target_groups").paginate()
    groups = [tg for page in pages for tg in page["TargetGroups"]]
    owned = _tagged(lab, [tg["TargetGroupArn"] for tg in groups])
    return [tg for tg in groups if tg["TargetGroupArn"] in owned]


def ensure_load_balancer(lab, role: str, kind: str, subnets, security_groups=(), scheme: str = "internal") -> LoadBalancer:
    """Create the load balancer if the lab has none named ``<lab>-<role>``; do not wait for it."""
    name = lab.resource_name(role)
    for lb in _lab_load_balancers(lab):
        if lb["LoadBalancerName"] == name:
            return _record(lb)
    kwargs = {"SecurityGroups": list(security_groups)} if security_groups else {}
    lb = _elb(lab).create_load_balancer(Name=name, Subnets=[s.id for s in subnets], Scheme=scheme, Type=kind,
                                        Tags=lab.tag_list(role), **kwargs)["LoadBalancers"][0]
    return _record(lb)


def load_balancer_state(cloud, arn: str) -> str:
    return _elb(cloud).describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]


def wait_load_balancer(lab, lb: LoadBalancer) -> None:
    wait_for(lab.cloud, f"load balancer {lb.name}", lambda: load_balancer_state(lab.cloud, lb.arn), {"active"},
             failed=frozenset({"failed"}), timeout=900, poll=15,
             cause="Load balancers usually take 2-4 minutes; 'failed' usually means a subnet has too few free IPs.")


def load_balancer_ips(cloud, lb_arn: str) -> list[str]:
    """Private addresses of a load balancer's managed ENIs (exact description ``ELB app|net/<name>/<id>``),
    as they are now: none while it provisions."""
    description = "ELB " + lb_arn.split(":loadbalancer/")[1]
    enis = network_interfaces(cloud.client("ec2"), [{"Name": "description", "Values": [description]}])
    return sorted(e["PrivateIpAddress"] for e in enis if e.get("Description") == description)


def active_load_balancer_ips(lab, lb: LoadBalancer) -> list[str]:
    """The addresses of ``lb``'s ENIs once it is active, for rules that must admit them.

    Elastic Load Balancing creates the ENIs while the load balancer provisions, so they are read only
    after it is ``active`` (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html).
    None then is an error: an empty list would silently write no rule at all.
    """
    wait_load_balancer(lab, lb)
    addresses = load_balancer_ips(lab.cloud, lb.arn)
    if not addresses:
        raise MissingResource(
            f"load balancer {lb.name} is active but no network interface has the description "
            f"'ELB {lb.arn.split(':loadbalancer/')[1]}': it was probably deleted or re-created meanwhile, "
            "or the caller may not call ec2:DescribeNetworkInterfaces in this region.")
    return addresses


def describe_load_balancer(cloud, arn: str) -> LoadBalancer:
    return _record(_elb(cloud).describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0])


def ensure_target_group(lab, role: str, vpc_id: str, *, protocol: str, port: int, target_type: str,
                        health_path: str = "/", health_protocol: str | None = None,
                        matcher: str = "200") -> TargetGroup:
    name = lab.resource_name(role)
    for tg in _lab_target_groups(lab):
        if tg["TargetGroupName"] == name:
            return TargetGroup(tg["TargetGroupArn"], name, tg["Protocol"], tg["Port"], tg["TargetType"])
    kwargs = dict(Name=name, Protocol=protocol, Port=port, VpcId=vpc_id, TargetType=target_type,
                  HealthCheckProtocol=health_protocol or protocol, Tags=lab.tag_list(role))
    if protocol in ("HTTP", "HTTPS"):
        kwargs.update(HealthCheckPath=health_path, Matcher={"HttpCode": matcher})
    tg = _elb(lab).create_target_group(**kwargs)["TargetGroups"][0]
    return TargetGroup(tg["TargetGroupArn"], name, protocol, port, target_type)


PRESERVE_CLIENT_IP = "preserve_client_ip.enabled"


def client_ip_preserved(cloud, target_group_arn: str) -> bool:
    """Whether an NLB target group passes the client's address on to its targets.

    Unset, it takes AWS's default: on for instance targets (and UDP/TCP_UDP), off for IP targets over TCP or TLS
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation).
    """
    attributes = {a["Key"]: a["Value"] for a in
                  _elb(cloud).describe_target_group_attributes(TargetGroupArn=target_group_arn)["Attributes"]}
    if PRESERVE_CLIENT_IP in attributes:
        return attributes[PRESERVE_CLIENT_IP] == "true"
    group = _elb(cloud).describe_target_groups(TargetGroupArns=[target_group_arn])["TargetGroups"][0]
    return group["TargetType"] == "instance" or group.get("Protocol") in ("UDP", "TCP_UDP")


def ensure_client_ip_preservation(lab, group: TargetGroup, enabled: bool) -> None:
    """Set the NLB target group's client IP preservation, only when it differs."""
    if client_ip_preserved(lab.cloud, group.arn) != enabled:
        _elb(lab).modify_target_group_attributes(TargetGroupArn=group.arn, Attributes=[
            {"Key": PRESERVE_CLIENT_IP, "Value": str(enabled).lower()}])


def matcher_codes(codes: str) -> set[int]:
    """The HTTP codes a target group's health-check matcher accepts ("200,403", "200-299")."""
    accepted = set()
    for part in codes.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit():
            accepted |= set(range(int(low), int(high or low) + 1))
    return accepted


def target_health(cloud, target_group_arn: str) -> list[dict]:
    return _elb(cloud).describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]


def describe_target_group(cloud, arn: str) -> TargetGroup:
    tg = _elb(cloud).describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    return TargetGroup(tg["TargetGroupArn"], tg["TargetGroupName"], tg.get("Protocol", ""), tg.get("Port", 0), tg["TargetType"])


def _targets_state(cloud, group: TargetGroup, settled: set[str]) -> str:
    """'settled' when every registered target is in one of ``settled``, else each target with its state and
    reason (draining ones, already deregistered, do not count)."""
    health = [t for t in target_health(cloud, group.arn) if t["TargetHealth"]["State"] != "draining"]
    if health and all(t["TargetHealth"]["State"] in settled for t in health):
        return "settled"
    return "; ".join(f"{t['Target']['Id']} {t['TargetHealth']['State']} ({t['TargetHealth'].get('Reason', '')})"
                     for t in health) or "no targets registered"


def wait_targets_in_service(lab, group: TargetGroup, timeout: float = 600) -> None:
    """Wait until every target registered in ``group`` is healthy: no check or request meets an initial one."""
    wait_for(lab.cloud, f"targets of {group.name}", lambda: _targets_state(lab.cloud, group, {"healthy"}), {"settled"},
             timeout=timeout, poll=15,
             cause="A new target is 'initial' until its first check passes (about 35 s by default); an unhealthy one "
                   "is back after HealthyThresholdCount passing checks (2.5 minutes by default). 'unhealthy' usually means the targets' security groups do not admit the load "
                   "balancer on the health-check port, nothing listens on it, or the matcher refuses the code it "
                   "answers; 'unused' means a stopped instance or a group no listener forwards to.")


def wait_targets_judged(lab, group: TargetGroup, timeout: float = 600) -> None:
    """Wait until no target of ``group`` is 'initial' (healthy, unhealthy or unused: judged by its health checks)."""
    wait_for(lab.cloud, f"health checks of {group.name}",
             lambda: _targets_state(lab.cloud, group, {"healthy", "unhealthy", "unused"}), {"settled"},
             timeout=timeout, poll=15,
             cause="A new target is 'initial' until one check passes or UnhealthyThresholdCount checks fail "
                   "(about 35 s or a minute by default).")


def wait_drained(lab, group: TargetGroup, timeout: float = 900) -> None:
    """Wait until no deregistered target of ``group`` is still listed as draining."""
    def state() -> str:
        draining = [t for t in target_health(lab.cloud, group.arn) if t["TargetHealth"]["State"] == "draining"]
        return f"{len(draining)} draining" if draining else "drained"
    wait_for(lab.cloud, f"deregistered targets of {group.name}", state, {"drained"}, timeout=timeout, poll=15,
             cause="A deregistered target drains for the group's deregistration_delay.timeout_seconds (300 s by default).")


def ensure_targets(lab, group: TargetGroup, target_ids: list[str], port: int | None = None) -> list[str]:
    """Register the targets not yet registered (a draining one is on its way out: registered again); return the ones added."""
    present = {t["Target"]["Id"] for t in target_health(lab.cloud, group.arn) if t["TargetHealth"]["State"] != "draining"}
    missing = [t for t in target_ids if t not in present]
    if missing:
        targets = [{"Id": t, "Port": port or group.port} for t in missing]
        _elb(lab).register_targets(TargetGroupArn=group.arn, Targets=targets)
    return missing


def ensure_listener(lab, lb: LoadBalancer, *, port: int, protocol: str, target_group: TargetGroup,
                    certificate_arn: str | None = None) -> Listener:
    elb = _elb(lab)
    for listener in elb.describe_listeners(LoadBalancerArn=lb.arn)["Listeners"]:
        if listener["Port"] == port:
            return Listener(listener["ListenerArn"], lb.arn, listener["Protocol"], port)
    kwargs = {"Certificates": [{"CertificateArn": certificate_arn}]} if certificate_arn else {}
    listener = elb.create_listener(
        LoadBalancerArn=lb.arn, Port=port, Protocol=protocol, Tags=lab.tag_list(f"listener-{port}"),
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group.arn}], **kwargs,
    )["Listeners"][0]
    return Listener(listener["ListenerArn"], lb.arn, protocol, port)


def describe_listener(cloud, listener_arn: str) -> Listener:
    try:
        listener = _elb(cloud).describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
    except ClientError as exc:
        raise ParameterError("listener_arn", f"{listener_arn!r} was not found ({exc.response['Error']['Code']})",
                             "pass the ARN of a listener (arn:...:listener/app/...), not of its load balancer") from None
    return Listener(listener["ListenerArn"], listener["LoadBalancerArn"], listener["Protocol"], listener["Port"])


# Teardown ------------------------------------------------------------------------
def _described(lab, resource_type: str, operation: str, key: str, missing: str) -> list[dict]:
    """The lab's load balancers or target groups as the Tagging API lists them, described 20 at a time.

    Describe refuses a whole batch when one ARN is gone (the Tagging API can lag a deletion):
    that batch is then described one by one, leaving the gone ones out.
    """
    def describe(arns: list[str]) -> list[dict]:
        try:
            return getattr(_elb(lab), operation)(**{f"{key[:-1]}Arns": arns})[key]  # LoadBalancers: LoadBalancerArns
        except ClientError as exc:
            if exc.response["Error"]["Code"] != missing:
                raise
            return [found for arn in arns for found in describe([arn])] if len(arns) > 1 else []

    arns = list(tagged(lab, resource_type))
    return [found for start in range(0, len(arns), 20) for found in describe(arns[start:start + 20])]


def _find_load_balancers(lab) -> list[Found]:
    return [Found("elbv2:load-balancer", lb["LoadBalancerArn"], lb["LoadBalancerName"], lb["State"]["Code"])
            for lb in _described(lab, "elasticloadbalancing:loadbalancer", "describe_load_balancers", "LoadBalancers",
                                 "LoadBalancerNotFound")]


def _delete_load_balancer(lab, found: Found) -> None:
    _elb(lab).delete_load_balancer(LoadBalancerArn=found.id)
    # As botocore's load_balancers_deleted waiter does: it may still be listed for a while.
    wait_deleted(lab.cloud, f"load balancer {found.name}", lambda: load_balancer_state(lab.cloud, found.id),
                 {"LoadBalancerNotFound"}, timeout=600, poll=15,
                 cause="deletion protection, or a VPC endpoint service (VPC link v1) still using the NLB.")


def _find_target_groups(lab) -> list[Found]:
    return [Found("elbv2:target-group", tg["TargetGroupArn"], tg["TargetGroupName"])
            for tg in _described(lab, "elasticloadbalancing:targetgroup", "describe_target_groups", "TargetGroups",
                                 "TargetGroupNotFound")]


def _delete_target_group(lab, found: Found) -> None:
    # A target group stays "in use" until its load balancer's listeners are gone.
    retry_while(lab.cloud, f"target group {found.name}",
                lambda: _elb(lab).delete_target_group(TargetGroupArn=found.id), {"ResourceInUse"}, timeout=300)


register("elbv2:load-balancer", 50, _find_load_balancers, _delete_load_balancer)
register("elbv2:target-group", 55, _find_target_groups, _delete_target_group)
