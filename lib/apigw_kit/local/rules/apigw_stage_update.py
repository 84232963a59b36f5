"""UpdateStage for HTTP APIs: change a stage's default route settings (throttling) and access log settings.

moto has no UpdateStage for apigatewayv2. AWS updates only the members the request names; within
DefaultRouteSettings and AccessLogSettings the members given replace the stage's, the others stay.
AWS documentation: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html
(throttling: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html,
access logs: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html)
"""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import unquote

from moto.apigatewayv2.responses import ApiGatewayV2Response

from . import Rule

MERGED = {"defaultRouteSettings": "default_route_settings", "accessLogSettings": "access_log_settings"}
REPLACED = {"autoDeploy": "auto_deploy", "description": "description", "stageVariables": "stage_variables",
            "routeSettings": "route_settings", "clientCertificateId": "client_certificate_id"}


def update_stage(self: ApiGatewayV2Response):
    parts = self.path.split("/")
    stage = self.apigatewayv2_backend.get_stage(parts[-3], unquote(parts[-1]))  # NotFoundException if missing
    params = json.loads(self.body or "{}")
    for member, attribute in MERGED.items():
        if member in params:
            setattr(stage, attribute, {**(getattr(stage, attribute) or {}), **params[member]})
    for member, attribute in REPLACED.items():
        if member in params:
            setattr(stage, attribute, params[member])
    stage.updated = datetime.now()
    return 200, {}, json.dumps(stage.to_json())


def install() -> None:
    ApiGatewayV2Response.update_stage = update_stage


RULE = Rule(
    name="apigw_stage_update",
    mirrors="UpdateStage sets an HTTP API stage's throttling (default route settings) and access log settings, "
            "keeping the members the request does not name.",
    install=install,
)
