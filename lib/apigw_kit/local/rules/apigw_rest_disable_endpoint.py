"""UpdateRestApi's patch /disableExecuteApiEndpoint reads its value as a boolean ('True' or 'False').

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
"""
from __future__ import annotations

from moto.apigateway.models import RestAPI

from . import Rule
from ._patch import wrap


def _apply_patch_operations(original, self: RestAPI, patch_operations: list[dict]) -> None:
    original(self, patch_operations)
    for op in patch_operations:  # moto takes bool() of the string: 'False' would disable the endpoint
        if op.get("op") == "replace" and op.get("path", "").lower() == "/disableexecuteapiendpoint":
            self.disableExecuteApiEndpoint = str(op.get("value", "")).lower() == "true"


def install() -> None:
    wrap(RestAPI, "apply_patch_operations", _apply_patch_operations)


RULE = Rule(
    name="apigw_rest_disable_endpoint",
    mirrors="A REST API's default execute-api endpoint is disabled by the patch value 'True' and enabled again by 'False'.",
    install=install,
)
