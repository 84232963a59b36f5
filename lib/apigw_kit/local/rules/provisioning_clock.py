"""Slow resources pass through their provisioning states on the shared CLOCK.

AWS documentation: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html ; https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html ; https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html
"""
from __future__ import annotations

from moto.acm.models import CertBundle
from moto.apigateway.models import VpcLink as RestVpcLink
from moto.apigatewayv2.models import VpcLink as HttpVpcLink
from moto.ec2.models.vpcs import VPCEndPoint
from moto.elbv2.models import FakeLoadBalancer

from . import Rule
from ..clock import CLOCK
from ._patch import provisioned, stamp_creation, wrap

# What AWS reports for an HTTP API VPC link while provisioning and once ready.
_HTTP_VPC_LINK_STATUS = {
    False: ("PENDING", "VPC link is provisioning ENIs"),
    True: ("AVAILABLE", "VPC link is ready to route traffic"),
}


ACTIVE_AT = "apigw_kit_active_at"  # when a load balancer was first seen active, on the clock


def _activate(original, self: FakeLoadBalancer) -> None:
    if provisioned(self, "load_balancer") and self.state == "provisioning":
        original(self)
        setattr(self, ACTIVE_AT, CLOCK.now())


def _http_vpc_link_json(original, self: HttpVpcLink) -> dict:
    status, message = _HTTP_VPC_LINK_STATUS[provisioned(self, "vpc_link")]
    return {**original(self), "vpcLinkStatus": status, "vpcLinkStatusMessage": message}


def _rest_vpc_link_json(original, self: RestVpcLink) -> dict:
    data = original(self)
    if data["status"] == "AVAILABLE" and not provisioned(self, "vpc_link"):
        data.update(status="PENDING", statusMessage="VPC link is provisioning")
    return data


def _certificate_check(original, self: CertBundle) -> None:
    if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION":
        # moto issues after a fixed wait (ACM_VALIDATION_WAIT); the clock decides instead.
        if provisioned(self, "certificate"):
            self.status = "ISSUED"
        return
    original(self)


def _endpoint_state_get(self: VPCEndPoint) -> str:
    state = self.__dict__["_apigw_kit_state"]
    if state == "available" and not provisioned(self, "vpc_endpoint"):
        return "pending"
    return state


def _endpoint_state_set(self: VPCEndPoint, value: str) -> None:
    self.__dict__["_apigw_kit_state"] = value


def install() -> None:
    for model in (FakeLoadBalancer, HttpVpcLink, RestVpcLink, VPCEndPoint, CertBundle):
        stamp_creation(model)
    wrap(FakeLoadBalancer, "activate", _activate)
    wrap(HttpVpcLink, "to_json", _http_vpc_link_json)
    wrap(RestVpcLink, "to_json", _rest_vpc_link_json)
    wrap(CertBundle, "check", _certificate_check)
    VPCEndPoint.state = property(_endpoint_state_get, _endpoint_state_set)


RULE = Rule(
    name="provisioning_clock",
    mirrors="LBs provisioning->active, VPC links PENDING->AVAILABLE, endpoints pending->available, "
            "ACM PENDING_VALIDATION->ISSUED, each after a delay on one scalable clock.",
    install=install,
)
