"""Lambda functions from ``apigw_kit/lambdas/``: zip, least-privilege role, schedule, invoke.

On a real account the function runs in Lambda, started every minute by an EventBridge
rule. The embedded AWS stores the function (moto accepts CreateFunction) but cannot run
its code without Docker, so :func:`invoke` calls the same handler in this process,
against the embedded endpoint, and says so in its result.
"""
from __future__ import annotations

import base64
import hashlib
import importlib
import io
import json
import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from ..errors import ParameterError
from ..waits import retry_while, wait_for
from . import Found, register

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
RUNTIME = "python3.12"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
IN_PROCESS = "in-process: the embedded AWS cannot run Lambda code (no Docker), so the handler ran here against it"


@dataclass(frozen=True)
class Function:
    name: str
    arn: str
    module: str  # lambdas/<module>.py
    role_arn: str


@dataclass(frozen=True)
class Schedule:
    name: str
    arn: str
    expression: str
    function_arn: str


@dataclass(frozen=True)
class Invocation:
    where: str  # "lambda" or the in-process notice
    result: dict


def package(module: str) -> bytes:
    """A deterministic zip holding ``lambdas/<module>.py`` as ``<module>.py`` (standard library + boto3 only)."""
    source = LAMBDAS / f"{module}.py"
    if not source.is_file():
        raise ParameterError("module", f"{module!r} is not in {LAMBDAS}", f"use one of {', '.join(p.stem for p in LAMBDAS.glob('[!_]*.py'))}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(f"{module}.py", date_time=(2020, 1, 1, 0, 0, 0))  # same bytes every build
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, source.read_bytes())
    return buffer.getvalue()


# IAM -----------------------------------------------------------------------------
def ensure_function_role(lab, function_role: str, statements: list[dict]) -> str:
    """The execution role ``<lab>-<function_role>-role``: Lambda may assume it, and it allows only
    ``statements`` plus writing the function's own log group. Returns its ARN."""
    iam = lab.cloud.client("iam")
    role = f"{function_role}-role"
    name = lab.resource_name(role)
    log_group = f"arn:aws:logs:{lab.cloud.region}:*:log-group:/aws/lambda/{lab.resource_name(function_role)}"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group, f"{log_group}:*"]}, *statements]}
    try:
        found = iam.get_role(RoleName=name)["Role"]
        if not lab.owns(iam.list_role_tags(RoleName=name)["Tags"]):
            raise ParameterError("lab_name", f"IAM role {name} exists and is not this lab's", "choose another lab_name")
        arn = found["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST), Tags=lab.tag_list(role),
                              Description=f"apigw-kit lab {lab.name}: execution role of one function")["Role"]["Arn"]
    try:
        current = iam.get_role_policy(RoleName=name, PolicyName="least-privilege")["PolicyDocument"]
        current = json.loads(current) if isinstance(current, str) else current
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        current = None
    if current != policy:
        iam.put_role_policy(RoleName=name, PolicyName="least-privilege", PolicyDocument=json.dumps(policy))
    return arn


def role_policy(cloud, role_arn: str) -> dict:
    """The inline least-privilege policy of an execution role, as a dict."""
    document = cloud.client("iam").get_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="least-privilege")["PolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


# Lambda ------------------------------------------------------------------------------
def ensure_function(lab, role: str, module: str, role_arn: str, environment: dict[str, str] | None = None,
                    handler: str = "handler", timeout: int = 30) -> Function:
    """The function ``<lab>-<role>`` running ``lambdas/<module>.py``; created if missing, code and settings kept current."""
    code = package(module)
    client = lab.cloud.client("lambda")
    name = lab.resource_name(role)
    settings = dict(Role=role_arn, Handler=f"{module}.{handler}", Timeout=timeout,
                    Environment={"Variables": dict(environment or {})})
    try:
        found = client.get_function(FunctionName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        found = None
    if found is None:
        # A new role takes a few seconds before Lambda may assume it.
        created = retry_while(lab.cloud, f"function {name}", lambda: client.create_function(
            FunctionName=name, Runtime=RUNTIME, Code={"ZipFile": code}, Tags=lab.tags(role),
            Description=f"apigw-kit lab {lab.name}: lambdas/{module}.py", **settings), {"InvalidParameterValueException"}, timeout=60)
        return Function(name, created["FunctionArn"], module, role_arn)
    if not lab.owns(found.get("Tags")):
        raise ParameterError("lab_name", f"Lambda function {name} exists and is not this lab's", "choose another lab_name")
    config = found["Configuration"]
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    if config["CodeSha256"] != sha:
        client.update_function_code(FunctionName=name, ZipFile=code)
    current = {"Role": config["Role"], "Handler": config["Handler"], "Timeout": config["Timeout"],
               "Environment": {"Variables": (config.get("Environment") or {}).get("Variables", {})}}
    if current != settings:
        wait_for(lab.cloud, f"function {name}", lambda: client.get_function(FunctionName=name)["Configuration"]
                 .get("LastUpdateStatus", "Successful"), {"Successful"}, failed=frozenset({"Failed"}), timeout=120, poll=2)
        client.update_function_configuration(FunctionName=name, **settings)
    return Function(name, config["FunctionArn"], module, role_arn)


# EventBridge --------------------------------------------------------------------------
def ensure_schedule(lab, role: str, function: Function, event: dict, expression: str = "rate(1 minute)") -> Schedule:
    """An EventBridge rule calling ``function`` with ``event`` on ``expression``, and Lambda's permission for it."""
    events, client = lab.cloud.client("events"), lab.cloud.client("lambda")
    name = lab.resource_name(role)
    try:
        rule = events.describe_rule(Name=name)
        arn = rule["Arn"]
        if rule.get("ScheduleExpression") != expression or rule.get("State") != "ENABLED":
            events.put_rule(Name=name, ScheduleExpression=expression, State="ENABLED")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        arn = events.put_rule(Name=name, ScheduleExpression=expression, State="ENABLED", Tags=lab.tag_list(role),
                              Description=f"apigw-kit lab {lab.name}: runs {function.name}")["RuleArn"]
    target = {"Id": "function", "Arn": function.arn, "Input": json.dumps(event, sort_keys=True)}
    if events.list_targets_by_rule(Rule=name)["Targets"] != [target]:
        events.put_targets(Rule=name, Targets=[target])
    statement = f"{name}-invoke"
    try:
        policy = json.loads(client.get_policy(FunctionName=function.name)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        policy = {"Statement": []}
    if not any(s.get("Sid") == statement for s in policy["Statement"]):
        client.add_permission(FunctionName=function.name, StatementId=statement, Action="lambda:InvokeFunction",
                              Principal="events.amazonaws.com", SourceArn=arn)
    return Schedule(name, arn, expression, function.arn)


# Invocation ----------------------------------------------------------------------------
@contextmanager
def _embedded_environment(cloud):
    """The environment a handler needs to reach the embedded AWS from this process."""
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ENDPOINT_URL=cloud.endpoint_url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invoke(lab, function: Function, event: dict) -> Invocation:
    """Run ``function`` once with ``event``: in Lambda on AWS, in this process on the embedded AWS."""
    if lab.cloud.backend == "local":
        handler = getattr(importlib.import_module(f"apigw_kit.lambdas.{function.module}"), "handler")
        with _embedded_environment(lab.cloud):
            return Invocation(IN_PROCESS, handler(event, None))
    response = lab.cloud.client("lambda").invoke(FunctionName=function.name, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RuntimeError(f"{function.name} failed: {payload.get('errorType')}: {payload.get('errorMessage')}")
    return Invocation("lambda", payload)


# Teardown --------------------------------------------------------------------------------
def _find_rules(lab) -> list[Found]:
    events = lab.cloud.client("events")
    rules = [r for page in events.get_paginator("list_rules").paginate(NamePrefix=f"{lab.name}-") for r in page["Rules"]]
    return [Found("events:rule", r["Arn"], r["Name"], r.get("State", "")) for r in rules
            if lab.owns(events.list_tags_for_resource(ResourceARN=r["Arn"])["Tags"])]


def _delete_rule(lab, found: Found) -> None:
    events = lab.cloud.client("events")
    targets = [t["Id"] for t in events.list_targets_by_rule(Rule=found.name)["Targets"]]
    if targets:
        events.remove_targets(Rule=found.name, Ids=targets)
    events.delete_rule(Name=found.name)


def _find_functions(lab) -> list[Found]:
    client = lab.cloud.client("lambda")
    functions = [f for page in client.get_paginator("list_functions").paginate() for f in page["Functions"]]
    return [Found("lambda:function", f["FunctionArn"], f["FunctionName"]) for f in functions
            if f["FunctionName"].startswith(f"{lab.name}-") and lab.owns(client.list_tags(Resource=f["FunctionArn"])["Tags"])]


def _delete_function(lab, found: Found) -> None:
    lab.cloud.client("lambda").delete_function(FunctionName=found.name)


def _find_roles(lab) -> list[Found]:
    iam = lab.cloud.client("iam")
    roles = [r for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    return [Found("iam:role", r["Arn"], r["RoleName"]) for r in roles
            if r["RoleName"].startswith(f"{lab.name}-") and lab.owns(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])]


def _delete_role(lab, found: Found) -> None:
    iam = lab.cloud.client("iam")
    for policy in iam.list_role_policies(RoleName=found.name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=found.name, PolicyName=policy)
    iam.delete_role(RoleName=found.name)


register("events:rule", 20, _find_rules, _delete_rule)
register("lambda:function", 22, _find_functions, _delete_function)
register("iam:role", 25, _find_roles, _delete_role)
