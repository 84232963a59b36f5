"""Lambda functions are Pending after CreateFunction and InProgress after an update, on the shared CLOCK.

Lambda's guide (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html): after CreateFunction
the function is ``Pending`` (StateReasonCode ``Creating``) and "Lambda does not invoke a function during
pending state. Any invocations or other API actions that operate on the function will fail"; it turns
``Active`` once ready. UpdateFunctionCode and UpdateFunctionConfiguration set ``LastUpdateStatus`` to
``InProgress`` until the update is done (``Successful``); meanwhile further updates fail. Both failures
are ResourceConflictException, with the messages Lambda returns ("The operation cannot be performed at
this time. The function is currently in the following state: Pending", "... An update is in progress
for resource: <arn>").

Invoke with ``InvocationType=DryRun`` answers 204 without running the code (moto would start a container):
on the embedded AWS the kit runs handlers in-process, and a DryRun Invoke first makes the state check the
real Invoke makes.
"""
from __future__ import annotations

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction

from ..clock import CLOCK
from . import Rule
from ._patch import provisioned, stamp_creation, wrap

_UPDATED = "_apigw_kit_updated"
_BUSY = "The operation cannot be performed at this time."


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str):
        super().__init__("ResourceConflictException", f"{_BUSY} {message}")


def pending(function: LambdaFunction) -> bool:
    return not provisioned(function, "lambda_function")


def updating(function: LambdaFunction) -> bool:
    return not CLOCK.ready("lambda_update", getattr(function, _UPDATED, float("-inf")))


def _require_active(function: LambdaFunction) -> None:
    if pending(function):
        raise ResourceConflict("The function is currently in the following state: Pending")


def _configuration(original, self: LambdaFunction, on_create: bool = False) -> dict:
    config = original(self, on_create)
    if pending(self):
        config.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
    elif updating(self):
        config.update(LastUpdateStatus="InProgress", LastUpdateStatusReason="The function is being updated.",
                      LastUpdateStatusReasonCode="Creating")
    return config


def _update(original, self: LambdaBackend, function_name: str, qualifier, body: dict):
    function = self.get_function(function_name, qualifier)
    _require_active(function)
    if updating(function):
        raise ResourceConflict(f"An update is in progress for resource: {function.function_arn}")
    setattr(function, _UPDATED, CLOCK.now())  # before the call: its answer already reports InProgress
    return original(self, function_name, qualifier, body)


def _invoke(original, self: LambdaBackend, function_name: str, qualifier, body, headers, response_headers):
    _require_active(self.get_function(function_name, qualifier))
    if (headers.get("X-Amz-Invocation-Type") or "") == "DryRun":
        response_headers["Content-Length"] = "0"
        return b""
    return original(self, function_name, qualifier, body, headers, response_headers)


def install() -> None:
    stamp_creation(LambdaFunction)
    wrap(LambdaFunction, "get_configuration", _configuration)
    wrap(LambdaBackend, "update_function_code", _update)
    wrap(LambdaBackend, "update_function_configuration", _update)
    wrap(LambdaBackend, "invoke", _invoke)


RULE = Rule(
    name="lambda_states",
    mirrors="Functions are Pending (StateReasonCode Creating) then Active, and InProgress then Successful after an "
            "update; Invoke while Pending and updates while Pending or InProgress fail with ResourceConflictException.",
    install=install,
)
