"""Every create the kit sends whose API takes an idempotency token carries one the kit chose.

Botocore fills some of these members with a fresh uuid4 when they are missing, which covers botocore's own
retries of one call but not a step the kit retries, and botocore fills none for CreateVpcEndpoint. The
operations come from botocore's models (members with the idempotencyToken trait, or named like one) over
every call a pattern's apply and teardown make. The hook records parameters at before-parameter-build, where
the Cloud's handler runs first, before botocore's generate_idempotent_uuid could fill them in.
"""
from __future__ import annotations

import re

import pytest

from apigw_kit import connect
from apigw_kit.patterns import MODULES, load

REGION = "eu-west-1"
TOKEN_NAMES = {"ClientToken", "ClientRequestToken", "CallerReference", "CreatorRequestId", "IdempotencyToken"}
KIT_TOKEN = re.compile(r"[0-9a-f]{32}$")  # Lab.idempotency_token (a CallerReference ends with it)


def token_members(cloud, service: str, operation: str) -> list[str]:
    shape = cloud.client(service).meta.service_model.operation_model(operation).input_shape
    if shape is None:
        return []
    return [name for name, member in shape.members.items()
            if member.metadata.get("idempotencyToken") or name in TOKEN_NAMES]


@pytest.mark.parametrize("pattern", list(MODULES))
def test_every_create_that_takes_a_token_is_given_the_kits(endpoint, pattern):
    cloud = connect("local", REGION)
    sent: list[tuple[str, str, dict]] = []
    cloud.on_call(lambda service, operation, params: sent.append((service, operation, dict(params or {}))))
    run = load(pattern)(cloud=cloud, lab_name="tokens").apply()
    assert run.teardown().empty
    tokened = [(s, op, p, token_members(cloud, s, op)) for s, op, p in sent]
    tokened = [t for t in tokened if t[3]]
    assert any(op in ("RunInstances", "CreateRouteTable") for _, op, _, _ in tokened), pattern  # the check ran
    missing = [f"{s}:{op} {name}={p.get(name)!r}" for s, op, p, names in tokened for name in names
               if not KIT_TOKEN.search(str(p.get(name, "")))]
    assert not missing, missing


def test_a_token_is_kept_by_a_retry_and_changed_by_a_new_create_or_a_later_run(endpoint):
    """A later run must not reuse one: EC2 remembers a token at least 24 hours after its instance is terminated."""
    cloud = connect("local", REGION)
    lab, sent = cloud.lab("tokens"), []
    for _ in range(2):  # the answer was lost: the kit's retry sends the same token
        with pytest.raises(TimeoutError), lab.idempotency_token("web") as token:
            sent.append(token)
            raise TimeoutError
    for _ in range(2):  # the retry that returns, then a new create (the instance was deleted since)
        with lab.idempotency_token("web") as token:
            sent.append(token)
    assert sent[0] == sent[1] == sent[2] != sent[3]
    with lab.idempotency_token("web", "other subnet") as other, cloud.lab("tokens").idempotency_token("web") as later, \
            connect("local", "us-east-1").lab("tokens").idempotency_token("web") as east:
        assert not {other, later, east} & set(sent) and len({other, later, east}) == 3
