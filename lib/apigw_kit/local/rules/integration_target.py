"""REST API integrations keep ``integrationTarget`` (private integration to an ALB over a v2 VPC link)."""
from __future__ import annotations

import json

from moto.apigateway.models import Integration
from moto.apigateway.responses import APIGatewayResponse

from . import Rule
from ._patch import wrap


def _put_integration(original, self: APIGatewayResponse):
    status, headers, _ = original(self)
    parts = self.path.split("/")
    integration = self.backend.get_integration(parts[2], parts[4], parts[6])
    integration.integration_target = self._get_param("integrationTarget")
    return status, headers, json.dumps(integration.to_json())


def _to_json(original, self: Integration) -> dict:
    data = original(self)
    if getattr(self, "integration_target", None):
        data["integrationTarget"] = self.integration_target
    return data


def install() -> None:
    wrap(APIGatewayResponse, "put_integration", _put_integration)
    wrap(Integration, "to_json", _to_json)


RULE = Rule(
    name="integration_target",
    mirrors="PutIntegration accepts integrationTarget (an ALB or listener ARN behind a VPC link v2) and "
            "GetIntegration/GetMethod return it.",
    install=install,
)
