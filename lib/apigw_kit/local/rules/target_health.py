"""DescribeTargetHealth as AWS reports it, worked out each time it is described, on the shared clock.

Mirrors the TargetHealth reference
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html) and the ELB
guide's health-check pages (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html,
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html):

- a registered target is ``initial``: ``Elb.RegistrationInProgress`` for its first health-check interval, then
  ``Elb.InitialHealthChecking`` until its first check has passed ("After your target is registered, it must
  pass one health check to be considered healthy", the ALB page) or UnhealthyThresholdCount checks have
  failed; then ``healthy`` or ``unhealthy``. A judged target changes state only after HealthyThresholdCount
  (or UnhealthyThresholdCount) consecutive checks, HealthCheckIntervalSeconds apart, say otherwise;
- a deregistered target is ``draining`` (``Target.DeregistrationInProgress``) for the group's
  ``deregistration_delay.timeout_seconds`` and listed until then;
- a stopping, stopped or terminated instance is ``unused`` (``Target.InvalidState``), and so is every target
  of a group no listener forwards to (``Target.NotInUse``). Health checks start once a listener forwards to
  the group and its load balancer is active: a target registered earlier is ``initial`` from then on;
- a check that nothing answers makes the target ``unhealthy``. Dropped (no ENI holds the address, or the
  target's security groups admit neither the load balancer's groups nor CIDRs covering its ENI addresses):
  ``Target.Timeout``. Refused (nothing listens on the port): ``Target.FailedHealthChecks``. A code the matcher
  does not accept: ``Target.ResponseCodeMismatch``. The reference says Timeout and ResponseCodeMismatch apply
  only to Application (and Gateway) Load Balancers, so an NLB reports ``Target.FailedHealthChecks`` for all three.

What answers: an instance's web server, as its user data set it up (rules/instance_lifecycle.py); the ENIs
of an execute-api VPC endpoint answer 403 on 443 (a health check carries no API Host header); an ALB (an
``alb`` target, or IP targets that are its ENIs) answers 200 on its listener ports. Addresses outside the
group's VPC (over peering or VPN) are out of view here and taken to answer 200.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable

from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup, elbv2_backends

from ...steps.elb import matcher_codes
from ..clock import CLOCK
from . import Rule
from ._enis import holder
from ._patch import wrap
from ._security_groups import admits
from .provisioning_clock import ACTIVE_AT
from .instance_lifecycle import booted_at, web_answer
from .load_balancer_enis import description as eni_description

TIMEOUT, REFUSED = "timeout", "refused"
_FAILED = ("Target.FailedHealthChecks", "Health checks failed")
_REGISTERED, _DEREGISTERED = "_apigw_kit_registered", "_apigw_kit_deregistered"
_VERDICTS = "_apigw_kit_verdicts"  # target id -> the state its checks settled on, and since when it is changing
_FORWARDING = "_apigw_kit_forwarding_since"  # on a listener: target group ARN -> when it began forwarding there
_LISTENER_CHANGES = ("create_listener", "modify_listener", "delete_listener", "create_rule", "modify_rule",
                     "delete_rule", "set_rule_priorities", "delete_load_balancer")
_NOT_RUNNING = {"stopping", "stopped", "shutting-down", "terminated"}
_ENDPOINT_ENI = "VPC Endpoint Interface "


@dataclass(frozen=True)
class _Target:
    """What a health check meets: the security groups guarding the target (None: out of view) and what answers."""
    groups: list | None
    answer: Callable[[int, str], int | None]  # the HTTP status for (port, path); None when nothing listens


def _stamps(group: FakeTargetGroup, key: str) -> dict[str, float]:
    return group.__dict__.setdefault(key, {})


def _register(original, self: FakeTargetGroup, targets: list[dict]) -> None:
    original(self, targets)
    for target in targets:
        _stamps(self, _REGISTERED)[target["Id"]] = CLOCK.now()
        _stamps(self, _DEREGISTERED).pop(target["Id"], None)


def _deregister(original, self: FakeTargetGroup, targets: list[dict]) -> None:
    original(self, targets)
    for target in targets:
        _stamps(self, _DEREGISTERED)[target["Id"]] = CLOCK.now()


def _draining(group: FakeTargetGroup, target_id: str) -> bool:
    since = _stamps(group, _DEREGISTERED).get(target_id)
    delay = float(group.attributes.get("deregistration_delay.timeout_seconds", 300))
    return since is not None and not CLOCK.passed(delay, since)


def _forwarded(elbv2: ELBv2Backend, listener) -> set[str]:
    """The target groups ``listener`` forwards to, by its default actions or any of its rules."""
    actions = list(listener.default_actions) + [a for rule in listener._non_default_rules.values() for a in rule.actions]
    return {arn for action in actions if action.type == "forward"
            for arn in elbv2._get_target_group_arns_from(action_data=action.data)}


def _track_forwarding(original, self: ELBv2Backend, *args, **kwargs):
    """After any listener or rule change: when each listener began forwarding to each group, and which load
    balancers each group serves (moto leaves LoadBalancerArns as they were when ModifyListener moves a listener)."""
    result = original(self, *args, **kwargs)
    serving: dict[str, list[str]] = {arn: [] for arn in self.target_groups}
    for lb in self.load_balancers.values():
        for listener in lb.listeners.values():
            forwarded, since = _forwarded(self, listener), listener.__dict__.setdefault(_FORWARDING, {})
            for arn in set(since) - forwarded:
                del since[arn]
            for arn in forwarded:
                since.setdefault(arn, CLOCK.now())
                if arn in serving and lb.arn not in serving[arn]:
                    serving[arn].append(lb.arn)
    for arn, balancers in serving.items():
        self.target_groups[arn].load_balancer_arns = balancers
    return result


def _active_since(lb) -> float:
    """When ``lb`` became active (infinity while it provisions; load balancers older than the rules: always)."""
    lb.activate()  # the provisioning clock decides
    return lb.__dict__.get(ACTIVE_AT, float("-inf")) if lb.state == "active" else float("inf")


def _checked_since(group: FakeTargetGroup, balancers: list) -> float:
    """When health checks of ``group`` began: a listener forwarding to it, on an active load balancer."""
    return min(max(_active_since(lb), listener.__dict__.get(_FORWARDING, {}).get(group.arn, float("-inf")))
               for lb in balancers for listener in lb.listeners.values() if group.arn in listener.__dict__.get(_FORWARDING, {}))


def _describe_target_health(original, self: ELBv2Backend, target_group_arn: str, targets: list[dict]):
    group = self.target_groups.get(target_group_arn)
    if group is not None and not targets:  # AWS lists draining targets too
        targets = list(group.targets.values()) + [
            t for target_id, t in group.deregistered_targets.items() if _draining(group, target_id)]
    return original(self, target_group_arn, targets)


def _health_for(original, self: FakeTargetGroup, target: dict, ec2) -> FakeHealthStatus:
    registered = self.targets.get(target["Id"])
    if registered is None:
        if not _draining(self, target["Id"]):
            return original(self, target, ec2)
        registered, judged = self.deregistered_targets[target["Id"]], (
            "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress")
    else:
        judged = _judge(self, registered, ec2, elbv2_backends[self.account_id][self.region_name])
    return FakeHealthStatus(registered["Id"], registered["Port"], self.health_check_port, *judged)


def _judge(group: FakeTargetGroup, registered: dict, ec2, elbv2: ELBv2Backend) -> tuple[str, str | None, str | None]:
    instance = ec2.get_instance_by_id(registered["Id"]) if registered["Id"].startswith("i-") else None
    if instance is not None and instance.state in _NOT_RUNNING:
        return "unused", "Target.InvalidState", f"Target is in the {instance.state} state"
    balancers = [lb for lb in elbv2.load_balancers.values()
                 if any(group.arn in _forwarded(elbv2, listener) for listener in lb.listeners.values())]
    if not balancers:
        return "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
    interval = float(group.health_check_interval_seconds)
    since = max(_stamps(group, _REGISTERED).get(registered["Id"], float("-inf")),
                booted_at(instance) if instance is not None else float("-inf"), _checked_since(group, balancers))
    if not CLOCK.passed(interval, since):
        return "initial", "Elb.RegistrationInProgress", "Target registration is in progress"
    target = _reach(group, registered["Id"], instance, ec2, elbv2)
    failure = next(filter(None, (_check(group, registered, target, lb, ec2) for lb in balancers)), None)
    return _settled(group, registered["Id"], since, failure)


def _settled(group: FakeTargetGroup, target_id: str, since: float, failure: tuple[str, str] | None):
    """The state AWS reports for what the checks find now (``failure``, None when they pass), after its thresholds.

    A new target is healthy after one passing check (the first one ends a check timeout after its first
    interval), unhealthy after UnhealthyThresholdCount failing ones, initial meanwhile. A judged target changes
    only after HealthyThresholdCount (or UnhealthyThresholdCount) consecutive checks say otherwise.
    """
    interval, timeout = float(group.health_check_interval_seconds), float(group.health_check_timeout_seconds)
    threshold = {True: int(group.unhealthy_threshold_count), False: int(group.healthy_threshold_count)}
    failing = failure is not None
    record = _stamps(group, _VERDICTS).get(target_id)
    if record is None or record["since"] != since:  # newly registered, or its instance restarted
        if not CLOCK.passed(interval * (threshold[True] if failing else 1) + timeout, since):
            return "initial", "Elb.InitialHealthChecking", "Initial health checks in progress"
        record = _stamps(group, _VERDICTS)[target_id] = {"since": since, "failure": failure, "change": None}
    if failing != (record["failure"] is not None):
        record["change"] = record["change"] or CLOCK.now()
        if CLOCK.passed(interval * threshold[failing], record["change"]):
            record.update(failure=failure, change=None)
    else:
        record.update(failure=failure, change=None)
    return ("healthy", None, None) if record["failure"] is None else ("unhealthy", *record["failure"])


def _check(group: FakeTargetGroup, registered: dict, target: _Target | None, lb, ec2) -> tuple[str, str] | None:
    """The (reason, description) of the load balancer ``lb``'s failed health check, or None when it passes."""
    port = int(registered["Port"] if group.health_check_port in (None, "traffic-port") else group.health_check_port)
    if target is None:
        result = TIMEOUT
    elif target.groups is not None and not admits(target.groups, port, lb.security_groups or [], _addresses(ec2, lb)):
        result = TIMEOUT
    else:
        code = target.answer(port, group.health_check_path or "/")
        result = REFUSED if code is None else code
    alb = lb.type == "application"
    if result == TIMEOUT:
        return ("Target.Timeout", "Request timed out") if alb else _FAILED
    if result == REFUSED:
        return _FAILED
    accepted = matcher_codes(getattr(group, "matcher", {}).get("HttpCode", "200"))
    if group.health_check_protocol in ("HTTP", "HTTPS") and result not in accepted:
        return ("Target.ResponseCodeMismatch", f"Health checks failed with these codes: [{result}]") if alb else _FAILED
    return None


def _addresses(ec2, lb) -> list[str]:
    """Where the load balancer's health checks come from: its ENIs' addresses."""
    return [eni.private_ip_address for eni in ec2.enis.values() if eni.description == eni_description(lb)]


def _reach(group: FakeTargetGroup, target_id: str, instance, ec2, elbv2: ELBv2Backend) -> _Target | None:
    """What stands at the target (None: nothing holds its address)."""
    if instance is not None:
        groups = [g for nic in instance.nics.values() for g in nic.group_set]
        return _Target(groups, lambda port, path: web_answer(instance, port, path))
    if group.target_type == "alb":
        alb = elbv2.load_balancers.get(target_id)
        return None if alb is None else _alb(ec2, alb)
    vpc = ec2.vpcs.get(group.vpc_id)
    if vpc is None or ipaddress.ip_address(target_id) not in ipaddress.ip_network(vpc.cidr_block):
        return _Target(None, lambda port, path: 200)
    eni = holder(ec2, target_id)
    if eni is None:
        return None
    if eni.instance is not None:
        return _Target(list(eni.group_set), lambda port, path: web_answer(eni.instance, port, path))
    alb = next((lb for lb in elbv2.load_balancers.values() if eni_description(lb) == eni.description), None)
    if alb is not None:
        return _alb(ec2, alb)
    return _Target(list(eni.group_set), lambda port, path: 403 if port == 443 and _execute_api(ec2, eni) else None)


def _alb(ec2, alb) -> _Target:
    groups = [g for g in (ec2.get_security_group_from_id(i) for i in alb.security_groups or []) if g is not None]
    ports = {int(listener.port) for listener in alb.listeners.values()}
    return _Target(groups, lambda port, path: 200 if port in ports else None)


def _execute_api(ec2, eni) -> bool:
    if not (eni.description or "").startswith(_ENDPOINT_ENI):
        return False
    endpoint = ec2.vpc_end_points.get(eni.description[len(_ENDPOINT_ENI):])
    return endpoint is not None and endpoint.service_name.endswith(".execute-api")


def install() -> None:
    wrap(FakeTargetGroup, "register", _register)
    wrap(FakeTargetGroup, "deregister", _deregister)
    wrap(FakeTargetGroup, "health_for", _health_for)
    wrap(ELBv2Backend, "describe_target_health", _describe_target_health)
    for change in _LISTENER_CHANGES:
        wrap(ELBv2Backend, change, _track_forwarding)


RULE = Rule(
    name="target_health",
    mirrors="Targets are initial (RegistrationInProgress, InitialHealthChecking) until one check passes (or the "
            "unhealthy threshold fails) once a listener forwards on an active LB, change state only after the "
            "healthy/unhealthy threshold, draining for the deregistration delay, unused when stopped, and unhealthy with AWS's reason when nothing "
            "answers (no ENI, security groups, no server, matcher).",
    install=install,
)
