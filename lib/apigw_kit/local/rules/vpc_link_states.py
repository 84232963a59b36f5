"""Admin route ``vpc-link-state``: put an HTTP API VPC link into FAILED or INACTIVE.

AWS moves a link there on its own (FAILED when its ENIs cannot be created,
INACTIVE after 60 days without traffic); no API does it, so labs and
break-and-fix exercises on the embedded AWS set it through this route.

AWS documentation: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html
"""
from __future__ import annotations

from moto.apigatewayv2.models import VpcLink, apigatewayv2_backends

from . import Rule
from ._patch import wrap

STATES = {
    "FAILED": "VPC link failed to create network interfaces",
    "INACTIVE": "VPC link is inactive: no traffic for 60 days, network interfaces deleted",
    "AVAILABLE": None,
}
_FORCED = "_apigw_kit_forced_state"  # kept on the link object, so a reset forgets it


def _json(original, self: VpcLink) -> dict:
    data = original(self)
    state = getattr(self, _FORCED, None)
    if state:
        data.update(vpcLinkStatus=state, vpcLinkStatusMessage=STATES[state])
    return data


def set_state(body: dict) -> dict:
    """{"id": link id, "state": FAILED | INACTIVE | AVAILABLE} -> the state now forced."""
    state = body["state"]
    if state not in STATES:
        raise ValueError(f"state must be one of {sorted(STATES)}")
    links = [backend.vpc_links[body["id"]] for _, _, backend in apigatewayv2_backends.iter_backends()
             if body["id"] in backend.vpc_links]
    if not links:
        raise LookupError(f"no VPC link {body['id']}")
    setattr(links[0], _FORCED, None if state == "AVAILABLE" else state)
    return {"id": body["id"], "state": state}


def install() -> None:
    from ..server import ADMIN_ROUTES
    wrap(VpcLink, "to_json", _json)
    ADMIN_ROUTES["vpc-link-state"] = set_state


RULE = Rule(
    name="vpc_link_states",
    mirrors="HTTP API VPC links reach FAILED (ENIs not created) or INACTIVE (60 days idle) without any API call.",
    install=install,
)
