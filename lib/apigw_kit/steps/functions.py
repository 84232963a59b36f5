"""Lambda functions from ``apigw_kit/lambdas/``: zip, least-privilege role, log group, schedule, invoke.

On a real account the function runs in Lambda, started every minute by an EventBridge
rule. The embedded AWS stores the function (moto accepts CreateFunction) but cannot run
its code without Docker, so :func:`invoke` calls the same handler in this process,
against the embedded endpoint, with the role's credentials, and says so in its result.

What AWS makes a deployment wait for, and the kit waits for everywhere:

- a new role cannot be given to CreateFunction until IAM has propagated it
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency);
- a new function is ``Pending`` and an update ``InProgress`` for a while; Invoke and further
  updates fail until then (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html);
- the function's own calls are denied until its role's policy has propagated, so the first
  run is retried for a bounded time.
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

import boto3
import botocore.session
from botocore.exceptions import ClientError

from ..errors import KitError, ParameterError, WaitTimeout
from ..iam import partition_of
from ..local import transport
from ..tagged import tagged
from ..waits import wait_for
from . import Found, register

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
RUNTIME = "python3.12"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
IN_PROCESS = "in-process: the embedded AWS cannot run Lambda code (no Docker), so the handler ran here against it"
LOG_RETENTION_DAYS = 7
# Botocore's function_active_v2 / function_updated_v2 waiters: poll every second, give up after 300.
FUNCTION_WAIT = {"timeout": 300, "poll": 1}
# How long IAM may take to propagate a new role or policy before the kit gives up (simulated seconds).
PROPAGATION_TIMEOUT = 180
# Error codes a call gets from an identity whose permissions have not propagated yet.
DENIED = ("AccessDenied", "UnauthorizedOperation", "AccessDeniedException")


class FunctionFailed(KitError, RuntimeError):
    """A run of the function raised (Lambda's ``FunctionError``); names the function and its error."""

    def __init__(self, function: str, payload: dict):
        self.function, self.payload = function, payload if isinstance(payload, dict) else {"errorMessage": str(payload)}
        self.error = f"{self.payload.get('errorType', 'Error')}: {self.payload.get('errorMessage', '')}"
        super().__init__(f"{function} failed: {self.error}")

    @property
    def denied(self) -> bool:
        """True when the function's own AWS calls were refused (its role's policy not in effect yet)."""
        return any(f"({code})" in self.error for code in DENIED)


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
    """The execution role ``<lab>-<region>-<function_role>-role``: Lambda may assume it, and it allows only
    ``statements`` plus writing into the function's own log group (which the kit creates, so the
    role needs no ``logs:CreateLogGroup``). Returns its ARN.

    IAM names are account-wide: the region in the name keeps a lab of the same name in another region
    from sharing (or deleting) this one's role."""
    iam = lab.cloud.client("iam")
    role = f"{function_role}-role"
    name = lab.global_name(role)  # fits IAM's 64 characters (tests/unit/test_pattern5_functions.py)
    log_group = f"arn:{partition_of(lab.cloud.region)}:logs:{lab.cloud.region}:*:log-group:/aws/lambda/{lab.resource_name(function_role)}"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group, f"{log_group}:*"]}, *statements]}
    try:
        found = iam.get_role(RoleName=name)["Role"]
        if not lab.owns_global(iam.list_role_tags(RoleName=name)["Tags"]):
            raise ParameterError("lab_name", f"IAM role {name} exists and is not this lab's", "choose another lab_name")
        arn = found["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST), Tags=lab.global_tag_list(role),
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
def log_group_name(function_name: str) -> str:
    """Where Lambda writes a function's logs."""
    return f"/aws/lambda/{function_name}"


def _log_group_tags(logs, group: dict) -> dict:
    return logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]


def ensure_log_group(lab, role: str) -> str:
    """The log group of the function ``<lab>-<role>``, tagged for the lab and kept ``LOG_RETENTION_DAYS`` days.

    Created by the kit before the function, so it is tagged, expires and is torn down with the lab
    (Lambda would create one that is kept forever and belongs to nobody)."""
    logs = lab.cloud.client("logs")
    name = log_group_name(lab.resource_name(role))
    found = next((g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name), None)
    if found is None:
        logs.create_log_group(logGroupName=name, tags=lab.tags(role))
    elif not lab.owns(_log_group_tags(logs, found)):
        raise ParameterError("lab_name", f"log group {name} exists and is not this lab's", "choose another lab_name")
    if (found or {}).get("retentionInDays") != LOG_RETENTION_DAYS:
        logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
    return name


def _until(lab, resource: str, attempt, timeout: float, cause: str):
    """Call ``attempt`` until it returns a result: it returns ``(None, why)`` while it should be retried,
    and the wait ends with an error naming ``resource`` and the last ``why``."""
    outcome = {}

    def state() -> str:
        result, why = attempt()
        if why is None:
            outcome["result"] = result
            return "done"
        return why

    wait_for(lab.cloud, resource, state, {"done"}, timeout=timeout, poll=5, cause=cause)
    return outcome["result"]


def _create(lab, client, spec: dict) -> dict:
    """CreateFunction, retried while Lambda cannot assume the (new) role yet."""
    def attempt():
        try:
            return client.create_function(**spec), None
        except ClientError as exc:
            if "cannot be assumed by Lambda" not in exc.response["Error"].get("Message", ""):
                raise
            return None, f"refused: {exc.response['Error']['Message']}"
    return _until(lab, f"function {spec['FunctionName']}", attempt, PROPAGATION_TIMEOUT,
                  f"Lambda could not assume {spec['Role']}: a new role takes a little while to propagate in IAM; "
                  "if it lasts, check that its trust policy lets lambda.amazonaws.com call sts:AssumeRole.")


def wait_function(lab, name: str) -> None:
    """Until the function is Active and its last update Successful (botocore's function_active_v2 and
    function_updated_v2 conditions, polled on the kit's clock)."""
    client = lab.cloud.client("lambda")

    def state() -> str:
        config = client.get_function_configuration(FunctionName=name)
        status = config.get("LastUpdateStatus", "Successful")
        return config["State"] if config["State"] != "Active" or status == "Successful" else f"update {status}"

    wait_for(lab.cloud, f"function {name}", state, {"Active"}, failed=frozenset({"Failed", "Inactive", "update Failed"}),
             cause="Lambda reports why in StateReason / LastUpdateStatusReason (get-function-configuration).",
             **FUNCTION_WAIT)


def ensure_function(lab, role: str, module: str, role_arn: str, environment: dict[str, str] | None = None,
                    handler: str = "handler", timeout: int = 30) -> Function:
    """The function ``<lab>-<role>`` running ``lambdas/<module>.py``; created if missing, code and settings
    kept current. Returns once it is Active with no update in progress."""
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
        ensure_log_group(lab, role)
        created = _create(lab, client, dict(FunctionName=name, Runtime=RUNTIME, Code={"ZipFile": code}, Tags=lab.tags(role),
                                            Description=f"apigw-kit lab {lab.name}: lambdas/{module}.py", **settings))
        wait_function(lab, name)
        return Function(name, created["FunctionArn"], module, role_arn)
    if not lab.owns(found.get("Tags")):
        raise ParameterError("lab_name", f"Lambda function {name} exists and is not this lab's", "choose another lab_name")
    ensure_log_group(lab, role)
    config = found["Configuration"]
    sha = base64.b64encode(hashlib.sha256(code).digest()).decode()
    current = {"Role": config["Role"], "Handler": config["Handler"], "Timeout": config["Timeout"],
               "Environment": {"Variables": (config.get("Environment") or {}).get("Variables", {})}}
    # Each update must wait for the one before: Lambda refuses a second while one is InProgress.
    for changed, update in ((config["CodeSha256"] != sha, lambda: client.update_function_code(FunctionName=name, ZipFile=code)),
                            (current != settings, lambda: client.update_function_configuration(FunctionName=name, **settings))):
        if changed:
            wait_function(lab, name)
            update()
    wait_function(lab, name)
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
class _Runtime(boto3.Session):
    """The session a handler's ``boto3.client`` uses in-process: fresh, so credentials come from the role's
    environment, but with the kit's service models already loaded (a model read from disk per client costs
    more than the whole sync) and its clients on the embedded AWS in-process, as the kit's own are."""

    def __init__(self, cloud):
        core = botocore.session.get_session()
        core.register_component("data_loader", cloud.session._session.get_component("data_loader"))
        super().__init__(botocore_session=core)

    def client(self, *args, **kwargs):
        made = super().client(*args, **kwargs)
        transport.attach(made, made.meta.endpoint_url)
        return made


@contextmanager
def _role_environment(cloud, function: Function):
    """The environment Lambda gives a handler, here against the embedded AWS: its endpoint and a session of
    the function's role (Lambda's own AssumeRole, not a call of the kit's, so it is not counted)."""
    sts = cloud.session.client("sts", endpoint_url=cloud.endpoint_url, region_name=cloud.region)
    credentials = sts.assume_role(RoleArn=function.role_arn, RoleSessionName=function.name)["Credentials"]
    values = {"AWS_ENDPOINT_URL": cloud.endpoint_url, "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
              "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"], "AWS_SESSION_TOKEN": credentials["SessionToken"]}
    saved = {k: os.environ.get(k) for k in values}
    saved_session, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, _Runtime(cloud)
    os.environ.update(values)
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = saved_session
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_in_process(cloud, function: Function, event: dict) -> tuple[str | None, object]:
    """(FunctionError, payload) as Lambda's Invoke reports them: an exception becomes an ``Unhandled`` error."""
    handler = getattr(importlib.import_module(f"apigw_kit.lambdas.{function.module}"), "handler")
    with _role_environment(cloud, function):
        try:
            return None, handler(event, None)
        except Exception as exc:  # what the Python runtime turns an uncaught exception into
            return "Unhandled", {"errorMessage": str(exc), "errorType": type(exc).__name__}


def invoke(lab, function: Function, event: dict) -> Invocation:
    """Run ``function`` once with ``event``: in Lambda on AWS, in this process on the embedded AWS.
    Raises FunctionFailed when the code fails (Lambda's FunctionError), and Invoke's ClientError
    (ResourceConflictException) while the function is Pending."""
    client = lab.cloud.client("lambda")
    if lab.cloud.backend == "local":
        # The checks Invoke makes before running anything (Pending fails), then the code itself.
        client.invoke(FunctionName=function.name, InvocationType="DryRun")
        where, (error, payload) = IN_PROCESS, _run_in_process(lab.cloud, function, event)
    else:
        response = client.invoke(FunctionName=function.name, Payload=json.dumps(event).encode())
        where, error, payload = "lambda", response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")
    if error:
        raise FunctionFailed(function.name, payload)
    return Invocation(where, payload)


def invoke_first(lab, function: Function, event: dict, timeout: float = PROPAGATION_TIMEOUT) -> Invocation:
    """The first run after deploying: retried while the function's calls are denied (its role's policy is
    still propagating in IAM) for up to ``timeout`` simulated seconds; any other failure raises at once."""
    def attempt():
        try:
            return invoke(lab, function, event), None
        except FunctionFailed as exc:
            if not exc.denied:
                raise
            return None, f"denied ({exc.error})"
    try:
        return _until(lab, f"first run of {function.name}", attempt, timeout,
                      f"its role {function.role_arn} may lack a permission, or IAM has not propagated it yet.")
    except WaitTimeout as exc:
        raise FunctionFailed(function.name, {"errorType": "AccessDenied", "errorMessage": str(exc)}) from None


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
    """The lab's functions from the Tagging API, each confirmed by Lambda (the Tagging API can lag a deletion)."""
    found = []
    for arn in tagged(lab, "lambda:function"):
        try:
            function = lab.cloud.client("lambda").get_function_configuration(FunctionName=arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                continue
            raise
        found.append(Found("lambda:function", function["FunctionArn"], function["FunctionName"]))
    return found


def _delete_function(lab, found: Found) -> None:
    lab.cloud.client("lambda").delete_function(FunctionName=found.name)


def _find_roles(lab) -> list[Found]:
    iam = lab.cloud.client("iam")
    roles = [r for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
    return [Found("iam:role", r["Arn"], r["RoleName"]) for r in roles  # this region's only: IAM is account-wide
            if r["RoleName"].startswith(lab.global_name("")) and lab.owns_global(iam.list_role_tags(RoleName=r["RoleName"])["Tags"])]


def _delete_role(lab, found: Found) -> None:
    iam = lab.cloud.client("iam")
    for policy in iam.list_role_policies(RoleName=found.name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=found.name, PolicyName=policy)
    iam.delete_role(RoleName=found.name)


def _find_log_groups(lab) -> list[Found]:
    logs = lab.cloud.client("logs")
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=log_group_name(f"{lab.name}-"))
    return [Found("logs:log-group", g["arn"], g["logGroupName"]) for page in pages for g in page["logGroups"]
            if lab.owns(_log_group_tags(logs, g))]


def _delete_log_group(lab, found: Found) -> None:
    lab.cloud.client("logs").delete_log_group(logGroupName=found.name)


register("events:rule", 20, _find_rules, _delete_rule)
register("lambda:function", 22, _find_functions, _delete_function)
register("logs:log-group", 23, _find_log_groups, _delete_log_group)  # after the function, which could write to it
register("iam:role", 25, _find_roles, _delete_role)
