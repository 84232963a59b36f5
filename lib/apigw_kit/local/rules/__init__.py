"""Fidelity rules: AWS behaviours the lessons depend on that moto does not model.

Each rule is a module in this package exposing ``RULE = Rule(name, mirrors, install)``.
``install`` patches moto's models in this process; it must be idempotent.
Rules are tested against the moto range pinned in pyproject.toml.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rule:
    name: str
    mirrors: str  # one line: the AWS behaviour this rule reproduces
    install: Callable[[], None]


# Imported after Rule, which each module uses. Order matters where rules wrap the same
# moto method: nlb_arn renames the ARN before load_balancer_enis describes it.
from . import (  # noqa: E402
    acm_dns_validation,
    apigw_domain_fields,
    aws_validation,
    dependency_violation,
    integration_target,
    load_balancer_enis,
    load_balancer_scaling,
    nlb_arn,
    provisioning_clock,
    vpc_endpoint_enis,
    vpc_link_v2,
)

RULES: list[Rule] = [
    nlb_arn.RULE,
    load_balancer_enis.RULE,
    load_balancer_scaling.RULE,
    vpc_link_v2.RULE,
    vpc_endpoint_enis.RULE,
    provisioning_clock.RULE,
    dependency_violation.RULE,
    aws_validation.RULE,
    apigw_domain_fields.RULE,
    integration_target.RULE,
    acm_dns_validation.RULE,  # after provisioning_clock: no clock runs until the records exist
]
_installed = False


def install_all() -> None:
    global _installed
    if _installed:
        return
    for rule in RULES:
        rule.install()
    _installed = True
