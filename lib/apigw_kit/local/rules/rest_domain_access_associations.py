"""Private custom domain names (2024): an id and ARN of their own, and domain name access associations.

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains.html
"""
from __future__ import annotations

import json
from urllib.parse import unquote

from moto.apigateway import urls
from moto.apigateway.exceptions import BadRequestException, NotFoundException
from moto.apigateway.models import APIGatewayBackend
from moto.apigateway.models import DomainName as RestDomainName
from moto.apigateway.responses import APIGatewayResponse
from moto.moto_api._internal import mock_random

from . import Rule
from ._patch import wrap


def _private(domain: RestDomainName) -> bool:
    return "PRIVATE" in ((domain.endpoint_configuration or {}).get("types") or [])


def _create_domain_name(original, self: APIGatewayBackend, domain_name: str, *args, **kwargs) -> RestDomainName:
    domain = original(self, domain_name, *args, **kwargs)
    if _private(domain):
        domain.apigw_kit_id = mock_random.get_random_string(10, lower_case=True)
        domain.apigw_kit_arn = (f"arn:aws:apigateway:{self.region_name}:{self.account_id}:/domainnames/"
                                f"{domain_name}+{domain.apigw_kit_id}")
    return domain


def _base_path_mappings(original, self: APIGatewayBackend, domain_name: str):
    if domain_name in self.domain_names and domain_name not in self.base_path_mappings:
        return []  # moto raises KeyError (a 500) for a domain without mappings yet; AWS lists none
    return original(self, domain_name)


def _domain_json(original, self: RestDomainName) -> dict:
    data = original(self)
    if getattr(self, "apigw_kit_arn", None):
        data.update(domainNameId=self.apigw_kit_id, domainNameArn=self.apigw_kit_arn)
    return data


def _associations(backend: APIGatewayBackend) -> dict[str, dict]:
    if not hasattr(backend, "apigw_kit_access_associations"):
        backend.apigw_kit_access_associations = {}
    return backend.apigw_kit_access_associations


def create_domain_name_access_association(self: APIGatewayResponse):
    domain_arn, kind, source = (self._get_param(k) for k in
                                ("domainNameArn", "accessAssociationSourceType", "accessAssociationSource"))
    domains = [d for d in self.backend.domain_names.values() if getattr(d, "apigw_kit_arn", None) == domain_arn]
    if not domains:
        raise NotFoundException(f"Invalid domain name identifier specified: {domain_arn}")
    if kind != "VPCE" or not str(source).startswith("vpce-"):
        raise BadRequestException("accessAssociationSource must be the id of a VPC endpoint (type VPCE)")
    associations = _associations(self.backend)
    if any(a["domainNameArn"] == domain_arn and a["accessAssociationSource"] == source for a in associations.values()):
        raise BadRequestException(f"An access association for {source} already exists")  # AWS: ConflictException
    arn = (f"arn:aws:apigateway:{self.backend.region_name}:{self.backend.account_id}:/domainnameaccessassociations/"
           f"domainname/{domains[0].domain_name}+{domains[0].apigw_kit_id}/vpcesource/{source}")
    associations[arn] = {"domainNameAccessAssociationArn": arn, "domainNameArn": domain_arn,
                         "accessAssociationSourceType": kind, "accessAssociationSource": source,
                         "tags": self._get_param("tags") or {}}
    return 201, {"status": 201}, json.dumps(associations[arn])


def get_domain_name_access_associations(self: APIGatewayResponse) -> str:
    return json.dumps({"item": list(_associations(self.backend).values())})


def delete_domain_name_access_association(self: APIGatewayResponse):
    arn = unquote(self.path.split("/domainnameaccessassociations/", 1)[1])
    if _associations(self.backend).pop(arn, None) is None:
        raise NotFoundException(f"Invalid domain name access association identifier specified: {arn}")
    return 202, {"status": 202}, "{}"


def install() -> None:
    urls.url_paths.setdefault("{0}/domainnameaccessassociations$", APIGatewayResponse.dispatch)
    urls.url_paths.setdefault("{0}/domainnameaccessassociations/(?P<association_arn>.+)$", APIGatewayResponse.dispatch)
    for handler in (create_domain_name_access_association, get_domain_name_access_associations,
                    delete_domain_name_access_association):
        setattr(APIGatewayResponse, handler.__name__, handler)
    wrap(APIGatewayBackend, "create_domain_name", _create_domain_name)
    wrap(RestDomainName, "to_json", _domain_json)
    wrap(APIGatewayBackend, "get_base_path_mappings", _base_path_mappings)


RULE = Rule(
    name="rest_domain_access_associations",
    mirrors="Private REST custom domains carry domainNameId/domainNameArn; domain name access associations "
            "(Create/Get/Delete) admit a VPC endpoint to a private custom domain; a domain without mappings lists none.",
    install=install,
)
