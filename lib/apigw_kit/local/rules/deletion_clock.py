"""Deletion takes time: VPC links (v1 and v2) are DELETING and interface endpoints ``deleting`` on the
shared CLOCK before they are gone, and the ENIs they held are released only after that.

- VPC link v1: status AVAILABLE | PENDING | DELETING | FAILED
  (https://docs.aws.amazon.com/apigateway/latest/api/API_VpcLink.html); its endpoint service goes
  with it, so its NLB stays in use until the link is gone.
- VPC link v2: VpcLinkStatus PENDING | AVAILABLE | DELETING | FAILED | INACTIVE
  (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/vpclinks-vpclinkid.html).
- Interface endpoints: State ... | Deleting | Deleted
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html); DeleteVpcEndpoints
  returns at once and reports failures in ``Unsuccessful`` without raising
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html).
Load balancers have no deleting state (see rule load_balancer_enis). No delay is published; the
figures are in clock.REALISTIC_DELAYS.
"""
from __future__ import annotations

from moto.apigateway.models import APIGatewayBackend
from moto.apigateway.models import VpcLink as RestVpcLink
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.apigatewayv2.models import VpcLink as HttpVpcLink
from moto.ec2.models import EC2Backend
from moto.ec2.models.vpcs import VPCEndPoint

from ..clock import CLOCK
from . import Rule
from ._aws import ec2_of
from ._enis import Deferred, defer, release
from ._patch import wrap

_SINCE = "_apigw_kit_deleting_since"  # on the deleted object, so a reset forgets it
_LINK_DELAY = ("vpc_link_deletion",)


def _deleting(obj) -> bool:
    return getattr(obj, _SINCE, None) is not None


def _deleted(obj, delays: tuple[str, ...]) -> bool:
    return _deleting(obj) and CLOCK.ready(delays, getattr(obj, _SINCE))


# VPC links, v1 and v2 ------------------------------------------------------------------------------
def _purge_links(backend) -> None:
    """Remove the links whose deletion is over (the wrapped delete runs the other rules' clean-up)."""
    for link_id in [i for i, link in backend.vpc_links.items() if _deleted(link, _LINK_DELAY)]:
        backend.delete_vpc_link(link_id)


def _delete_vpc_link(original, self, vpc_link_id: str) -> None:
    link = self.vpc_links.get(vpc_link_id)
    if link is None or _deleted(link, _LINK_DELAY):
        return original(self, vpc_link_id)
    if not _deleting(link):
        setattr(link, _SINCE, CLOCK.now())
        # Done by whichever comes first: a read of the links, or of the ENIs it leaves behind.
        defer(ec2_of(self), Deferred(_LINK_DELAY, getattr(link, _SINCE), lambda: self.delete_vpc_link(vpc_link_id)))


def _purged(original, self, *args, **kwargs):
    _purge_links(self)
    return original(self, *args, **kwargs)


def _http_link_json(original, self: HttpVpcLink) -> dict:
    data = original(self)
    if _deleting(self):
        data.update(vpcLinkStatus="DELETING", vpcLinkStatusMessage="VPC link is being deleted")
    return data


def _rest_link_json(original, self: RestVpcLink) -> dict:
    data = original(self)
    if _deleting(self):
        data.update(status="DELETING", statusMessage="VPC link is being deleted")
    return data


# Interface endpoints ---------------------------------------------------------------------------------
def _delete_vpc_endpoints(original, self: EC2Backend, vpce_ids: list[str] | None = None) -> None:
    interface = [i for i in vpce_ids or [] if (getattr(self.vpc_end_points.get(i), "vpc_endpoint_type", "") or "").lower()
                 == "interface"]
    original(self, vpce_ids=[i for i in vpce_ids or [] if i not in interface])
    for endpoint in (self.vpc_end_points[i] for i in interface):
        if _deleting(endpoint) or endpoint.state == "deleted":
            continue
        setattr(endpoint, _SINCE, CLOCK.now())
        defer(self, Deferred(("vpc_endpoint_deletion", "eni_release"), getattr(endpoint, _SINCE),
                             lambda e=endpoint: release(self, e.network_interface_ids)))


def _endpoint_state(getter):
    def state(self: VPCEndPoint) -> str:
        if _deleting(self):
            return "deleted" if _deleted(self, ("vpc_endpoint_deletion",)) else "deleting"
        return getter(self)
    return state


def install() -> None:
    for backend in (APIGatewayBackend, ApiGatewayV2Backend):
        wrap(backend, "delete_vpc_link", _delete_vpc_link)
        for name in ("get_vpc_link", "get_vpc_links"):
            wrap(backend, name, _purged)
    wrap(HttpVpcLink, "to_json", _http_link_json)
    wrap(RestVpcLink, "to_json", _rest_link_json)
    wrap(EC2Backend, "delete_vpc_endpoints", _delete_vpc_endpoints)
    current = VPCEndPoint.state
    if isinstance(current, property) and not getattr(current.fget, "_apigw_kit_deletion", False):
        getter = _endpoint_state(current.fget)
        getter._apigw_kit_deletion = True
        VPCEndPoint.state = property(getter, current.fset)


RULE = Rule(
    name="deletion_clock",
    mirrors="DeleteVpcLink (v1, v2) -> DELETING and DeleteVpcEndpoints -> deleting on the clock before they are "
            "gone; their ENIs are released after that, so groups and subnets stay in use meanwhile.",
    install=install,
)
