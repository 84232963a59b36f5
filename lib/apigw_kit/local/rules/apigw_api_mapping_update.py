"""UpdateApiMapping: point an HTTP API custom domain's mapping at another API or stage.

AWS documentation: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/domainnames-domainname-apimappings-apimappingid.html
"""
from __future__ import annotations

import json
from urllib.parse import unquote

from moto.apigatewayv2.responses import ApiGatewayV2Response

from . import Rule


def update_api_mapping(self: ApiGatewayV2Response):
    parts = self.path.split("/")
    mapping_id, domain_name = parts[-1], unquote(parts[-3])
    mapping = self.apigatewayv2_backend.get_api_mapping(api_mapping_id=mapping_id, domain_name=domain_name)
    params = json.loads(self.body or "{}")
    if params.get("apiId"):
        self.apigatewayv2_backend.get_api(params["apiId"])  # NotFoundException for an API that does not exist
        mapping.api_id = params["apiId"]
    if "stage" in params:
        mapping.stage = params["stage"]
    if "apiMappingKey" in params:
        mapping.api_mapping_key = params["apiMappingKey"]
    return 200, {}, json.dumps(mapping.to_json())


def install() -> None:
    ApiGatewayV2Response.update_api_mapping = update_api_mapping


RULE = Rule(
    name="apigw_api_mapping_update",
    mirrors="UpdateApiMapping changes the API, stage or key of an HTTP API custom domain's mapping "
            "(a re-run repoints a mapping whose API was deleted and re-created).",
    install=install,
)
