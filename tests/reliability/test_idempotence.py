"""Apply twice: same ids, no mutating call. Delete one resource behind the kit's back: only it comes back.

The resources deleted behind the kit's back are the ones a user or another
tool most plausibly removes by hand: the instance, the HTTP API, the REST
API, a Lambda function. Each is deleted with a plain boto3 client, never the
kit's own teardown code.
"""
from __future__ import annotations

import pytest
from conftest import listing, make_run, new_cloud

from apigw_kit.cloud import is_mutating

# Calls that run something rather than change it: a second apply runs pattern 5's sync again, as its schedule does.
RUNS = {("lambda", "Invoke")}


def _delete_instance(client, found):
    client("ec2").terminate_instances(InstanceIds=[found])


# type in the lab's resources() -> how a person deletes one with the console or CLI
BY_HAND = {
    "ec2:instance": _delete_instance,
    "apigatewayv2:api": lambda client, found: client("apigatewayv2").delete_api(ApiId=found),
    "apigateway:rest-api": lambda client, found: client("apigateway").delete_rest_api(restApiId=found),
    "lambda:function": lambda client, found: client("lambda").delete_function(FunctionName=found),
}


@pytest.fixture
def built(pattern, endpoint):
    cloud = new_cloud()
    baseline = listing(endpoint)
    run = make_run(pattern, cloud).apply()
    return run, baseline


def test_second_apply_keeps_every_id_and_changes_nothing(built, endpoint):
    run, baseline = built
    before, account = run.resources(), listing(endpoint)
    snapshot = run.cloud.calls.snapshot()
    again = make_run(run.PATTERN, run.cloud).apply()
    changes = {call: n for call, n in (run.cloud.calls.snapshot() - snapshot).items()
               if is_mutating(call[1]) and call not in RUNS}
    assert not changes, run.cloud.calls.frame().to_string()
    assert again.resources() == before
    assert listing(endpoint).items.keys() == account.items.keys()


@pytest.mark.parametrize("kind", sorted(BY_HAND))
def test_apply_recreates_only_what_was_deleted_by_hand(built, kind, client, endpoint):
    run, baseline = built
    before = run.resources()
    if kind not in before:
        pytest.skip(f"{run.PATTERN} builds no {kind}")
    victim = before[kind][0]
    BY_HAND[kind](client, victim)
    shape = listing(endpoint).shape(baseline)

    again = make_run(run.PATTERN, run.cloud).apply()
    after = again.resources()

    recreated = listing(endpoint).shape(baseline) - shape
    assert kind in {k for k, _ in recreated}, recreated  # ids may be names (Lambda ARNs): look at the account
    assert len(after[kind]) == len(before[kind])
    assert {t: ids for t, ids in after.items() if t != kind} == {t: ids for t, ids in before.items() if t != kind}
    assert all(passed for passed in again.verify()["passed"]), again.verify().to_string()  # ...and works again
