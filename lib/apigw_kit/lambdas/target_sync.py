"""Keep an NLB's IP target group in step with the addresses of an ALB's network interfaces.

Scheduled (EventBridge, every minute) in the NLB -> ALB bridge: an ALB's nodes come and
go as it scales, so the NLB's ``ip`` targets must follow the ALB's ENIs.

Fixes to the article's recipe (seed 004, "nlb_target_group_updater"):

- ENIs are matched on the exact description ``ELB app/<name>/<id>`` taken from the ALB's
  ARN, not on ``*<name>*``: a wildcard on the name ``web`` also matches ``web2``'s ENIs
  and would route traffic to the wrong load balancer.
- Every page of DescribeNetworkInterfaces is read (paginator with a page size), not only the first:
  EC2 refuses an unpaginated call filtered only by description once the account holds many
  interfaces (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
- When the lookup finds no ENI it refuses and raises, instead of deregistering every
  target and leaving the NLB with nothing to send traffic to.
- Only the difference is written: nothing is registered or deregistered when nothing
  changed (the article re-registers every address every minute). New addresses are
  registered before stale ones are deregistered, so the group never empties mid-change.
- Targets are (address, port) pairs on the configured port; the article deregistered with
  ``event['targetPort']`` even when the port came from elsewhere.
- Parameters are validated with errors naming the key, and are read from the event
  with the function's environment as fallback.
"""
from __future__ import annotations

import os
import re

import boto3

ALB_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer/app/([^/]+)/([^/]+)$")
TG_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[^/]+/[^/]+$")
# Event key -> environment variable used when the event does not carry it.
PARAMETERS = {"loadBalancerArn": "LOAD_BALANCER_ARN", "targetGroupArn": "TARGET_GROUP_ARN",
              "targetPort": "TARGET_PORT"}
# The largest page DescribeNetworkInterfaces returns (MaxResults 5-1000): the fewest calls.
PAGE_SIZE = 1000
# A deregistered target stays listed while it drains; it no longer receives new traffic.
LEAVING = {"draining"}


class NoInterfacesFound(RuntimeError):
    """The ENI lookup came back empty: refusing to deregister every target."""


def eni_description(load_balancer_arn: str) -> str:
    """``ELB app/<name>/<id>``: the description AWS gives every ENI of this ALB."""
    match = ALB_ARN.match(load_balancer_arn or "")
    if not match:
        raise ValueError(f"loadBalancerArn: {load_balancer_arn!r} is not an ALB ARN "
                         "(arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)")
    return f"ELB app/{match.group(2)}/{match.group(3)}"


def interface_ips(ec2, description: str, page_size: int = PAGE_SIZE) -> tuple[set[str], int]:
    """Primary private addresses of the ENIs whose description is exactly ``description``,
    and the number of pages read."""
    pages = ec2.get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "description", "Values": [description]}], PaginationConfig={"PageSize": page_size})
    ips, reads = set(), 0
    for page in pages:
        reads += 1
        # The filter is exact already; comparing again guards against wildcard characters.
        ips.update(eni["PrivateIpAddress"] for eni in page["NetworkInterfaces"]
                   if eni.get("Description") == description and eni.get("PrivateIpAddress"))
    return ips, reads


def registered_targets(elbv2, target_group_arn: str) -> set[tuple[str, int]]:
    """(address, port) of the group's targets that are not already on their way out."""
    health = elbv2.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    return {(d["Target"]["Id"], int(d["Target"]["Port"])) for d in health
            if d.get("TargetHealth", {}).get("State") not in LEAVING}


def _targets(pairs) -> list[dict]:
    return [{"Id": ip, "Port": port} for ip, port in sorted(pairs)]


def sync(ec2, elbv2, *, load_balancer_arn: str, target_group_arn: str, port: int,
         page_size: int = PAGE_SIZE) -> dict:
    """Register the ALB's current ENI addresses in the NLB target group, then deregister
    the ones that are gone. Returns what changed and how many calls it took."""
    description = eni_description(load_balancer_arn)
    wanted_ips, reads = interface_ips(ec2, description, page_size)
    if not wanted_ips:
        raise NoInterfacesFound(
            f"no network interface has the description {description!r}: refusing to deregister "
            "every target. Check that loadBalancerArn names an existing ALB in this region, that it "
            "is active (its interfaces appear while it provisions) and that the function may call "
            "ec2:DescribeNetworkInterfaces.")
    current = registered_targets(elbv2, target_group_arn)
    reads += 1
    wanted = {(ip, port) for ip in wanted_ips}
    new, stale = wanted - current, current - wanted
    writes = 0
    if new:  # register first: the group must never be empty while it changes
        elbv2.register_targets(TargetGroupArn=target_group_arn, Targets=_targets(new))
        writes += 1
    if stale:
        elbv2.deregister_targets(TargetGroupArn=target_group_arn, Targets=_targets(stale))
        writes += 1
    return {
        "description": description,
        "registered": sorted(ip for ip, _ in new),
        "deregistered": sorted(ip for ip, _ in stale),
        "unchanged": sorted(ip for ip, _ in wanted & current),
        "read_calls": reads,
        "write_calls": writes,
    }


def parameters(event: dict | None, environ=os.environ) -> dict:
    """Validated parameters: each from the event, else from the environment."""
    event = event if isinstance(event, dict) else {}
    values = {}
    for key, env in PARAMETERS.items():
        value = event.get(key)
        if value in (None, ""):
            value = environ.get(env)
        if value in (None, ""):
            raise ValueError(f"{key}: missing. Pass it in the event or set the environment variable {env}.")
        values[key] = str(value).strip()
    eni_description(values["loadBalancerArn"])
    if not TG_ARN.match(values["targetGroupArn"]):
        raise ValueError(f"targetGroupArn: {values['targetGroupArn']!r} is not a target group ARN "
                         "(arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)")
    port = values["targetPort"]
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"targetPort: {port!r} is not a port number between 1 and 65535")
    values["targetPort"] = int(port)
    return values


def handler(event, context=None) -> dict:
    """Lambda entry point. Clients are made in the ALB's region and honour AWS_ENDPOINT_URL,
    so the same call runs in-process against the embedded AWS."""
    params = parameters(event)
    region = ALB_ARN.match(params["loadBalancerArn"]).group(1)
    summary = sync(boto3.client("ec2", region_name=region), boto3.client("elbv2", region_name=region),
                   load_balancer_arn=params["loadBalancerArn"], target_group_arn=params["targetGroupArn"],
                   port=params["targetPort"])
    print(f"target sync {summary['description']}: +{summary['registered']} -{summary['deregistered']} "
          f"={len(summary['unchanged'])}")
    return summary
