"""The instance_lifecycle rule: EC2 state changes on the clock, user data at first boot only (fails with it disabled)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from test_local_target_health import FILE_SERVER, PORT, admit, clock, group_behind, health, instance, lab, register  # noqa: F401


def state(client, instance_id: str) -> str:
    return client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_launch_and_start_are_pending_then_running(client, lab, clock):
    clock(1000.0)
    web = instance(client, lab)
    assert state(client, web) == "pending"
    clock(0)
    assert state(client, web) == "running"
    client("ec2").stop_instances(InstanceIds=[web])
    assert state(client, web) == "stopped"
    clock(1000.0)
    started = client("ec2").start_instances(InstanceIds=[web])["StartingInstances"][0]
    assert started["CurrentState"]["Name"] == "pending" and state(client, web) == "pending"
    clock(0)
    assert state(client, web) == "running"


def test_stop_is_stopping_then_stopped_and_start_fails_while_stopping(client, lab, clock):
    ec2 = client("ec2")
    web = instance(client, lab)
    clock(1000.0)
    ec2.stop_instances(InstanceIds=[web])
    assert state(client, web) == "stopping"
    with pytest.raises(ClientError) as error:
        ec2.start_instances(InstanceIds=[web])
    assert error.value.response["Error"]["Code"] == "IncorrectInstanceState"
    assert f"'{web}' is not in a state from which it can be started" in error.value.response["Error"]["Message"]
    clock(0)
    assert state(client, web) == "stopped"
    ec2.start_instances(InstanceIds=[web])
    assert state(client, web) == "running"


def test_a_server_user_data_started_is_gone_after_a_restart_unless_it_is_a_service(client, lab):
    ec2 = client("ec2")
    admit(client, lab["web_sg"], source_group=lab["alb_sg"])
    service, script = instance(client, lab), instance(client, lab, FILE_SERVER % PORT)
    group = group_behind(client, lab["alb"])
    register(client, group, service, script)
    assert health(client, group) == {service: ("healthy", None), script: ("healthy", None)}
    ec2.stop_instances(InstanceIds=[service, script])
    ec2.start_instances(InstanceIds=[service, script])
    assert health(client, group) == {service: ("healthy", None), script: ("unhealthy", "Target.FailedHealthChecks")}
