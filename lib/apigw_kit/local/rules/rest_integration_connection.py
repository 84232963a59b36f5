"""REST API integrations keep their ``connectionId`` (moto drops it), so a VPC link can be followed."""
from __future__ import annotations

import json

from moto.apigateway.models import Integration
from moto.apigateway.responses import APIGatewayResponse

from . import Rule
from ._patch import wrap


def _put_integration(original, self: APIGatewayResponse):
    result = original(self)
    parts = self.path.split("/")
    integration = self.backend.get_integration(parts[2], parts[4], parts[6])
    integration.connection_id = self._get_param("connectionId")
    return result[0], result[1], json.dumps(integration.to_json())


def _to_json(original, self: Integration) -> dict:
    data = original(self)
    if getattr(self, "connection_id", None):
        data["connectionId"] = self.connection_id
    return data


def install() -> None:
    wrap(APIGatewayResponse, "put_integration", _put_integration)
    wrap(Integration, "to_json", _to_json)


RULE = Rule(
    name="rest_integration_connection",
    mirrors="PutIntegration stores connectionId and GetIntegration returns it (the VPC link of a private integration).",
    install=install,
)
