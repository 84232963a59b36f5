"""A fault at any mutating call of any pattern: the run names the step, a re-run repairs, teardown leaves nothing.

For each pattern a clean apply records its mutating calls; then, for each of
them, the call fails once, either refused (nothing happened on the server)
or with its answer lost (the server acted, the kit never saw the result: the
harder case, since the kit holds no id for what it created). Leftovers are
counted over the whole embedded account, not by the lab's tags.

The sweep runs with the provisioning clock stopped (scale 0: every resource is
ready at its first read). Faults are about calls, not time, and the calls are
the same ones (the clean apply records them at that scale, and the sweep
fails each of them); waiting through provisioning states is the subject of the
clock's own tests. At the default scale the polling alone cost most of the
sweep's time.
"""
from __future__ import annotations

import pytest
from conftest import LAB, Injector, clean_slate, count, listing, make_run, new_cloud

from apigw_kit import StepFailed
from apigw_kit.local import admin


@pytest.mark.parametrize("mode", ["refused", "lost"])
def test_fault_at_every_mutating_call(pattern, mode, endpoint, subtests):
    admin(endpoint, "clock", {"scale": 0.0})
    cloud = new_cloud()
    inject = Injector(cloud)
    baseline = listing(endpoint)
    run = make_run(pattern, cloud).apply()
    calls = list(inject.mutating)
    undisturbed = listing(endpoint).shape(baseline)
    assert run.teardown().empty and listing(endpoint) - baseline == {}

    for k, call in enumerate(calls):
        with subtests.test(msg=f"{mode} at {k}: {call}"):
            count("faults injected")
            inject.arm(k, mode)
            with pytest.raises(StepFailed) as failed:
                make_run(pattern, cloud).apply()
            inject.disarm()
            assert inject.fired == call, "the run took another path than the recorded one"
            assert failed.value.step in run.STEPS
            assert call in str(failed.value) and LAB in str(failed.value), str(failed.value)
            if mode == "lost":  # the kit never saw what it created: a re-run must find it, not add another
                make_run(pattern, cloud).apply()
                assert listing(endpoint).shape(baseline) == undisturbed
            left = make_run(pattern, cloud).teardown()
            leftovers = listing(endpoint) - baseline
            if leftovers or not left.empty:
                count("leaks found")
                baseline = clean_slate(endpoint)  # one case's leftovers must not fail the next
            assert left.empty, left.to_string()
            assert leftovers == {}
            count("faults survived")
