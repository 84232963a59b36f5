"""The policy a pattern needs, found without touching an account: replay the run on a private embedded AWS.

The pattern is applied, verified and torn down on an embedded AWS started in this process for the
purpose, with the caller's parameters; the call counter then says what was called (and which creates
carried tags). For backend ``aws`` the operations only the real-account path makes are added.

What cannot be replayed:

- bring-your-own resources (``vpc_id``, ``listener_arn``, ``hosted_zone_id``, ...) do not exist on the
  private embedded AWS, so they are dropped and the lab creates its own: the policy is then a superset
  (it allows creating what you bring), plus the reads the run makes of what you bring (BRING_YOUR_OWN);
- the region: the replay runs in REPLAY_REGION (the calls a pattern makes do not depend on it), the policy
  is written for the region asked for, partition included.
"""
from __future__ import annotations

import contextlib
import os
import sys

from . import runbook
from .cloud import REGION_PATTERN
from .errors import ParameterError
from .iam import MANAGED_POLICY_LIMIT, ROLE_INLINE_LIMIT, Policy, policy_for, size
from .patterns import load

REPLAY_REGION = "eu-west-1"
# Parameters naming existing resources -> the reads the run makes of them on a real account.
BRING_YOUR_OWN = {
    "vpc_id": {"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables"},
    "subnet_ids": {"ec2:DescribeSubnets"},
    "listener_arn": {"elbv2:DescribeListeners", "elbv2:DescribeLoadBalancers", "elbv2:DescribeRules"},
    "hosted_zone_id": {"route53:GetHostedZone", "route53:ListResourceRecordSets"},
    "certificate_arn": {"acm:DescribeCertificate"},
}
# Operations only the real-account path calls, by the operation that leads to them (steps/functions.py:
# the embedded AWS runs a function in-process after a DryRun Invoke; Lambda runs it with a real Invoke).
AWS_ONLY = {"lambda:CreateFunction": {"lambda:Invoke"}}
NOT_REPLAYED = {"backend", "confirm_account", "result_path", "teardown", "region"}


def replay_values(pattern: str, values: dict) -> tuple[dict, list[str]]:
    """The parameters the replay runs with, and the bring-your-own ones it dropped."""
    values = runbook.coerce(pattern, dict(values)) if values else {}
    dropped = sorted(name for name in BRING_YOUR_OWN if values.get(name))
    kept = {k: v for k, v in values.items() if k not in NOT_REPLAYED and k not in BRING_YOUR_OWN}
    return kept, dropped


def operations_of(pattern: str, values: dict, endpoint: str | None = None) -> tuple[set[str], set[str], str]:
    """(operations called, those called with tags, lab name) of a run of ``pattern`` on an embedded AWS:
    a private one started for the purpose, or the one at ``endpoint`` (wiped first)."""
    from .local import EmbeddedAWS, reset
    server = None if endpoint else EmbeddedAWS().start()
    if endpoint:
        reset(endpoint)
    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = endpoint or server.url
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the run's notes must not mix with the policy
            run = load(pattern)(backend="local", region=REPLAY_REGION, **values)
            run.apply()
            run.verify()
            run.teardown()
            # Torn down by another process (`apigw-kit teardown`, a runbook cleaning up after a failed kernel),
            # a lab is asked of every kind, not only those its run used: those reads belong in the policy too.
            run.lab.teardown()
        return run.cloud.calls.operations(), run.cloud.calls.tagged(), run.lab.name
    finally:
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
        if server is not None:
            server.stop()


def needed(pattern: str, values: dict, backend: str = "aws",
           endpoint: str | None = None) -> tuple[set[str], set[str], str, list[str]]:
    """(operations, tagged operations, lab, notes) a run of ``pattern`` with ``values`` needs on ``backend``."""
    kept, dropped = replay_values(pattern, values)
    operations, tagged, lab = operations_of(pattern, kept, endpoint)
    notes = []
    if dropped:
        notes.append(f"bring-your-own parameters not replayed: {', '.join(dropped)}; the policy also allows the lab "
                     "to create them (a superset) and includes the reads of what you bring")
        for name in dropped:
            operations |= BRING_YOUR_OWN[name]
    if backend == "aws":
        for trigger, extra in AWS_ONLY.items():
            if trigger in operations:
                operations |= extra
    return operations, tagged, lab, notes


def policy_of(pattern: str, values: dict | None = None, region: str = "eu-west-1", backend: str = "aws",
              account: str = "*") -> tuple[Policy, list[str]]:
    """The policy a run of ``pattern`` with ``values`` needs in ``region`` on ``backend``, and notes on
    what the replay could not do (for stderr)."""
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ParameterError("region", f"{region!r} is not an AWS region name", "use a name such as 'eu-west-1'")
    operations, tagged, lab, notes = needed(pattern, values or {}, backend)
    policy = policy_for(operations, region, lab, account, tagged)
    if size(policy) > MANAGED_POLICY_LIMIT:
        notes.append(f"the policy has {size(policy)} characters; a managed policy holds {MANAGED_POLICY_LIMIT} and a "
                     f"role's inline policies {ROLE_INLINE_LIMIT} together: --split prints it as managed policies that fit")
    return policy, notes
