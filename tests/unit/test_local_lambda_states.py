"""Rule lambda_states: Pending then Active after CreateFunction, InProgress then Successful after an update."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from apigw_kit.local import admin

REGION = "eu-west-1"
BUSY = "The operation cannot be performed at this time."


@pytest.fixture
def slow_functions(endpoint):
    """Functions and updates take far longer than a test; roles are usable at once."""
    saved = admin(endpoint, "clock")
    admin(endpoint, "clock", {"scale": 1000.0, "delays": {"iam_propagation": 0}})
    yield lambda: admin(endpoint, "clock", {"delays": {"lambda_function": 0, "lambda_update": 0}})
    admin(endpoint, "clock", saved)


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def create(client, name="fn"):
    role = client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    return client("lambda", REGION).create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                                    Handler="app.handler", Code={"ZipFile": zipped()})


def test_a_new_function_is_pending_and_cannot_be_invoked_or_updated(client, slow_functions):
    created = create(client)
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    lam = client("lambda", REGION)
    assert lam.get_function(FunctionName="fn")["Configuration"]["State"] == "Pending"
    for call in (lambda: lam.invoke(FunctionName="fn", InvocationType="DryRun"),
                 lambda: lam.update_function_configuration(FunctionName="fn", Timeout=10)):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "ResourceConflictException"
        assert error.value.response["Error"]["Message"] == f"{BUSY} The function is currently in the following state: Pending"
    slow_functions()
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Active"
    assert lam.invoke(FunctionName="fn", InvocationType="DryRun")["StatusCode"] == 204


def test_an_update_is_in_progress_and_blocks_the_next_one(client, endpoint, slow_functions):
    create(client)
    admin(endpoint, "clock", {"delays": {"lambda_function": 0}})
    lam = client("lambda", REGION)
    updated = lam.update_function_configuration(FunctionName="fn", Timeout=10)
    assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "InProgress")
    with pytest.raises(ClientError) as error:
        lam.update_function_code(FunctionName="fn", ZipFile=zipped())
    assert error.value.response["Error"]["Code"] == "ResourceConflictException"
    assert "An update is in progress for resource: arn:aws:lambda:eu-west-1:" in error.value.response["Error"]["Message"]
    slow_functions()
    assert lam.get_function_configuration(FunctionName="fn")["LastUpdateStatus"] == "Successful"
