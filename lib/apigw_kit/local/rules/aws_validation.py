"""API Gateway's checks on private integration targets that moto accepts without looking.

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html ; https://docs.aws.amazon.com/apigateway/latest/api/API_CreateVpcLink.html
"""
from __future__ import annotations

import re

from moto.apigateway.exceptions import BadRequestException as RestBadRequest
from moto.apigateway.models import APIGatewayBackend
from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.models import ApiGatewayV2Backend

from . import Rule
from ._aws import elbv2_of
from ._patch import wrap

_VPC_LINK_TARGET = re.compile(
    r"^arn:aws[a-z-]*:(elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/(app|net)/[^/]+/[0-9a-f]+/[0-9a-f]+"
    r"|servicediscovery:[a-z0-9-]+:\d{12}:service/srv-[a-z0-9]+)$"
)


def check_http_private_integration(backend: ApiGatewayV2Backend, connection_type, connection_id, uri) -> None:
    if connection_type != "VPC_LINK":
        return
    if not _VPC_LINK_TARGET.match(uri or ""):
        raise BadRequestException(
            f"Invalid integration URI specified {uri}: for a VPC_LINK integration it must be the ARN of an "
            "Application or Network Load Balancer listener, or of a Cloud Map service."
        )
    if connection_id not in backend.vpc_links:
        raise BadRequestException(f"Invalid VpcLink identifier specified {connection_id}")


def _create_integration(original, self: ApiGatewayV2Backend, **kwargs):
    check_http_private_integration(self, kwargs["connection_type"], kwargs["connection_id"], kwargs["integration_uri"])
    return original(self, **kwargs)


def _update_integration(original, self: ApiGatewayV2Backend, **kwargs):
    current = self.get_integration(kwargs["api_id"], kwargs["integration_id"])
    check_http_private_integration(
        self,
        kwargs["connection_type"] or current.connection_type,
        kwargs["connection_id"] or current.connection_id,
        kwargs["integration_uri"] or current.integration_uri,
    )
    return original(self, **kwargs)


def _create_rest_vpc_link(original, self: APIGatewayBackend, name, description, target_arns, tags):
    balancers = elbv2_of(self).load_balancers
    for arn in target_arns or []:
        if arn not in balancers or balancers[arn].type != "network":
            raise RestBadRequest(f"Invalid target ARN {arn}: a REST API VPC link targets Network Load Balancers only.")
    return original(self, name, description, target_arns, tags)


def install() -> None:
    wrap(ApiGatewayV2Backend, "create_integration", _create_integration)
    wrap(ApiGatewayV2Backend, "update_integration", _update_integration)
    wrap(APIGatewayBackend, "create_vpc_link", _create_rest_vpc_link)


RULE = Rule(
    name="aws_validation",
    mirrors="HTTP API VPC_LINK integrations need a listener or Cloud Map ARN and a v2 VPC link; "
            "REST API VPC links v1 (CreateVpcLink) target NLBs only.",
    install=install,
)
