"""30% of requests throttled (the code each service really uses): apply and teardown still finish, same result.

The throttling answers are real HTTP responses (see conftest.Throttle), so
the kit's retry mode (legacy: no shared quota) handles them as it would on AWS; the tests
skip only its backoff sleeps. The undisturbed run of the same pattern is the
reference: same resources (by name), same checks, same count of mutating calls.
"""
from __future__ import annotations

from conftest import Throttle, count, listing, make_run, new_cloud

RATE, SEED = 0.3, 2024


def outcome(pattern: str, cloud, endpoint: str, baseline):
    run = make_run(pattern, cloud).apply()
    checks = sorted(map(tuple, run.verify()[["check", "passed"]].values.tolist()))
    shape = listing(endpoint).shape(baseline)
    mutating = cloud.calls.totals()["mutating"]
    left = run.teardown()
    return {"checks": checks, "account": shape, "mutating_calls": mutating, "left": len(left)}


def test_throttled_run_equals_undisturbed_run(pattern, endpoint, instant_retries):
    baseline = listing(endpoint)
    undisturbed = outcome(pattern, new_cloud(), endpoint, baseline)

    cloud = new_cloud()
    throttle = Throttle(cloud, RATE, SEED)
    throttled = outcome(pattern, cloud, endpoint, baseline)

    assert throttle.throttled >= 0.2 * throttle.sent > 0, (throttle.throttled, throttle.sent)
    count("throttled calls retried", throttle.throttled)
    assert throttled["account"] - undisturbed["account"] == {}, "more than undisturbed"
    assert undisturbed["account"] - throttled["account"] == {}, "missing"
    assert throttled == undisturbed
    assert undisturbed["left"] == 0 and all(passed for _, passed in undisturbed["checks"])
    assert listing(endpoint) - baseline == {}


def test_throttling_reaches_every_service_in_its_own_protocol(endpoint, instant_retries):
    """The injected answers parse as the throttling codes AWS uses (a broken body would not be retried)."""
    from botocore.exceptions import ClientError
    cloud = new_cloud()
    Throttle(cloud, 1.0, SEED)
    expected = {"ec2": ("describe_vpcs", {}, "RequestLimitExceeded"),
                "elbv2": ("describe_load_balancers", {}, "Throttling"),
                "apigatewayv2": ("get_apis", {}, "TooManyRequestsException"),
                "apigateway": ("get_rest_apis", {}, "TooManyRequestsException"),
                "acm": ("list_certificates", {}, "ThrottlingException")}
    for service, (operation, kwargs, code) in expected.items():
        client = cloud.client(service)
        try:
            getattr(client, operation)(**kwargs)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == code
            assert exc.response["ResponseMetadata"]["RetryAttempts"] >= 7  # retried (max_attempts 8), then given up
        else:
            raise AssertionError(f"{service} was not throttled")
