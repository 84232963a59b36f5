"""Rule iam_propagation: a new role or inline policy works only after IAM has propagated it."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from apigw_kit.local import admin

from test_local_lambda_states import zipped

REGION = "eu-west-1"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]})


@pytest.fixture
def slow_iam(endpoint):
    """IAM propagation takes far longer than a test; returns a function that completes it."""
    saved = admin(endpoint, "clock")
    admin(endpoint, "clock", {"scale": 1000.0, "delays": {"lambda_function": 0, "lambda_update": 0}})
    yield lambda: admin(endpoint, "clock", {"delays": {"iam_propagation": 0}})
    admin(endpoint, "clock", saved)


def role(client) -> str:
    iam = client("iam")
    arn = iam.create_role(RoleName="fresh", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="fresh", PolicyName="p", PolicyDocument=POLICY)
    return arn


def as_role(client, endpoint, arn: str, service: str):
    """A client signed with the role's session credentials, as a function's code is."""
    creds = client("sts").assume_role(RoleArn=arn, RoleSessionName="fn")["Credentials"]
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_create_function_with_a_role_too_new_cannot_assume_it(client, slow_iam):
    arn = role(client)
    lam = client("lambda", REGION)
    spec = dict(FunctionName="fn", Runtime="python3.12", Role=arn, Handler="app.handler", Code={"ZipFile": zipped()})
    with pytest.raises(ClientError) as error:
        lam.create_function(**spec)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    slow_iam()
    assert lam.create_function(**spec)["FunctionName"] == "fn"


def test_calls_with_the_role_are_denied_until_its_policy_propagated(client, endpoint, slow_iam):
    arn = role(client)
    ec2, elbv2 = as_role(client, endpoint, arn, "ec2"), as_role(client, endpoint, arn, "elbv2")
    for call, code, action in ((ec2.describe_vpcs, "UnauthorizedOperation", "ec2:DescribeVpcs"),
                               (elbv2.describe_load_balancers, "AccessDenied", "elasticloadbalancing:DescribeLoadBalancers")):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == code
        assert f"assumed-role/fresh/fn is not authorized to perform: {action}" in error.value.response["Error"]["Message"]
    slow_iam()
    assert ec2.describe_vpcs()["Vpcs"]
    client("iam").put_role_policy(RoleName="fresh", PolicyName="p", PolicyDocument=POLICY)  # a change propagates again
    admin(endpoint, "clock", {"delays": {"iam_propagation": 10.0}})
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        ec2.describe_vpcs()


def test_calls_with_ordinary_credentials_are_untouched(client, slow_iam):
    role(client)
    assert client("ec2").describe_vpcs()["Vpcs"]
