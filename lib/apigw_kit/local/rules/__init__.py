"""Fidelity rules: AWS behaviours the lessons depend on that moto does not model.

Each rule is a module in this package exposing ``RULE = Rule(name, mirrors, install)``;
its docstring names the AWS documentation page(s) it mirrors (``documentation(rule)``).
``install`` patches moto's models in this process; it must be idempotent.
Rules are tested against the moto range pinned in pyproject.toml.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Rule:
    name: str
    mirrors: str  # one line: the AWS behaviour this rule reproduces
    install: Callable[[], None]


# Imported after Rule, which each module uses. Order matters where rules wrap the same
# moto method: nlb_arn renames the ARN before load_balancer_enis describes it, and a
# forced VPC link state (vpc_link_states) overrides the clock's (provisioning_clock), and a
# deletion in progress (deletion_clock) overrides both.
from . import (  # noqa: E402
    acm_dns_validation,
    acm_idempotency,
    apigw_api_mapping_update,
    apigw_rest_disable_endpoint,
    apigw_stage_update,
    apigw_rest_redeploy,
    rest_domain_access_associations,
    apigw_domain_fields,
    aws_validation,
    cloudmap_namespace_zone,
    deletion_clock,
    dependency_violation,
    eni_paging,
    iam_propagation,
    instance_lifecycle,
    instance_primary_eni,
    lambda_states,
    load_balancer_enis,
    load_balancer_scaling,
    nlb_arn,
    nlb_privatelink_enforcement,
    provisioning_clock,
    vpc_endpoint_enis,
    vpc_endpoint_private_dns,
    rest_private_integration,
    rest_vpc_link_endpoint_service,
    route53_name_servers,
    service_quotas,
    tagging_api_coverage,
    target_health,
    vpc_link_states,
    vpc_link_v2,
    vpc_link_v2_zones,
)

RULES: list[Rule] = [
    nlb_arn.RULE,
    load_balancer_enis.RULE,
    load_balancer_scaling.RULE,
    nlb_privatelink_enforcement.RULE,
    vpc_link_v2.RULE,
    vpc_link_v2_zones.RULE,  # after vpc_link_v2: a refused link gets no ENIs
    vpc_endpoint_enis.RULE,
    vpc_endpoint_private_dns.RULE,
    provisioning_clock.RULE,
    vpc_link_states.RULE,
    rest_private_integration.RULE,
    instance_primary_eni.RULE,
    dependency_violation.RULE,
    aws_validation.RULE,
    apigw_domain_fields.RULE,
    apigw_api_mapping_update.RULE,
    apigw_rest_disable_endpoint.RULE,
    apigw_stage_update.RULE,
    apigw_rest_redeploy.RULE,
    rest_vpc_link_endpoint_service.RULE,  # after aws_validation: only a valid link gets a service
    deletion_clock.RULE,  # after vpc_link_states and the links' clean-up rules: DELETING wins, then they run
    acm_idempotency.RULE,
    route53_name_servers.RULE,
    acm_dns_validation.RULE,  # after provisioning_clock: no clock runs until the records exist
    cloudmap_namespace_zone.RULE,
    rest_domain_access_associations.RULE,
    instance_lifecycle.RULE,
    target_health.RULE,
    lambda_states.RULE,
    iam_propagation.RULE,
    eni_paging.RULE,
    service_quotas.RULE,
    tagging_api_coverage.RULE,
]
_installed = False


def install_all() -> None:
    global _installed
    if _installed:
        return
    for rule in RULES:
        rule.install()
    _installed = True


def documentation(rule: Rule) -> list[str]:
    """The AWS documentation pages a rule's module docstring names, in order."""
    found = re.findall(r"https://[^\s)>\]]+", sys.modules[rule.install.__module__].__doc__ or "")
    return [url.rstrip(".,;:") for url in found]
