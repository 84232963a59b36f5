"""REST API integrations keep the fields of a private integration that moto drops, and refuse an
``integrationTarget`` that is not a load balancer: over a VPC link v2 a REST API reaches ALBs and NLBs, and
"Private integrations with AWS Cloud Map aren't supported" (the REST private integrations page).

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html ; https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html
"""
from __future__ import annotations

import json
import re

from moto.apigateway.exceptions import BadRequestException
from moto.apigateway.models import Integration
from moto.apigateway.responses import APIGatewayResponse

from . import Rule
from ._patch import wrap

# request parameter -> attribute on moto's Integration
KEPT = {"connectionId": "connection_id", "integrationTarget": "integration_target"}
_LOAD_BALANCER = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net)/[^/]+/[0-9a-f]+$")


def _put_integration(original, self: APIGatewayResponse):
    target = self._get_param("integrationTarget")
    if target and not _LOAD_BALANCER.match(target):
        raise BadRequestException(f"Invalid integrationTarget {target}: a REST API private integration over a VPC link "
                                  "v2 targets an Application or Network Load Balancer (Cloud Map is not supported).")
    status, headers, _ = original(self)
    parts = self.path.split("/")  # /restapis/{id}/resources/{id}/methods/{method}/integration
    integration = self.backend.get_integration(parts[2], parts[4], parts[6])
    for parameter, attribute in KEPT.items():
        setattr(integration, attribute, self._get_param(parameter))
    return status, headers, json.dumps(integration.to_json())


def _to_json(original, self: Integration) -> dict:
    data = original(self)
    for parameter, attribute in KEPT.items():
        if getattr(self, attribute, None):
            data[parameter] = getattr(self, attribute)
    return data


def install() -> None:
    wrap(APIGatewayResponse, "put_integration", _put_integration)
    wrap(Integration, "to_json", _to_json)


RULE = Rule(
    name="rest_private_integration",
    mirrors="PutIntegration keeps connectionId (the VPC link) and integrationTarget (the ARN of the ALB or NLB behind a "
            "VPC link v2, 2025), and refuses any other target (a Cloud Map service among them); GetIntegration/GetMethod "
            "return them.",
    install=install,
)
