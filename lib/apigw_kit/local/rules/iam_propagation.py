"""A new role, or a new or changed inline policy, takes effect only after IAM has propagated it.

IAM's troubleshooting guide, "Changes that I make are not always immediately visible"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency):
IAM is eventually consistent, so a role or policy just created or changed may not yet work where it is
used. Two places the labs meet it, each until ``iam_propagation`` has passed on the shared CLOCK:

- CreateFunction with a role that new fails as Lambda's CreateFunction does when it cannot assume the
  role: InvalidParameterValueException "The role defined for the function cannot be assumed by Lambda."
  (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html, Errors).
- Calls signed with the role's session credentials (what a function's code makes) are denied as an
  identity without the permission is: ``UnauthorizedOperation`` from EC2, ``AccessDenied`` elsewhere
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
"""
from __future__ import annotations

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend
from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.exceptions import EC2ClientError
from moto.elbv2.exceptions import ELBClientError
from moto.iam.exceptions import NotFoundException
from moto.iam.models import Role, iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from ..clock import CLOCK
from . import Rule
from ._patch import provisioned, stamp_creation, wrap

_POLICY_CHANGED = "_apigw_kit_policy_changed"
# The query-protocol services the labs' functions call: IAM action prefix, denial code, moto's error type.
_DENIED = {"ec2": ("ec2", "UnauthorizedOperation", EC2ClientError),
           "elbv2": ("elasticloadbalancing", "AccessDenied", ELBClientError)}


def propagated(role: Role) -> bool:
    """True once the role and its latest inline-policy change are visible everywhere."""
    return provisioned(role, "iam_propagation") and CLOCK.ready("iam_propagation", getattr(role, _POLICY_CHANGED, float("-inf")))


def _role(account_id: str, region: str, arn: str) -> Role | None:
    try:
        return iam_backends[account_id][get_partition(region)].get_role_by_arn(arn)
    except NotFoundException:  # an unknown role is moto's own case, not this rule's
        return None


def _put_policy(original, self: Role, *args, **kwargs):
    original(self, *args, **kwargs)
    setattr(self, _POLICY_CHANGED, CLOCK.now())


def _create_function(original, self: LambdaBackend, spec: dict):
    role = _role(self.account_id, self.region_name, spec.get("Role", ""))
    if role is not None and not provisioned(role, "iam_propagation"):
        raise InvalidParameterValueException("The role defined for the function cannot be assumed by Lambda.")
    return original(self, spec)


def _session_role(response: BaseResponse):
    """(assumed role session, role) when the request is signed with a role session's credentials."""
    key = response.get_access_key()
    if not key.startswith("ASIA"):
        return None, None
    account = response.get_current_account()
    region = response.region or "us-east-1"
    session = sts_backends[account][get_partition(region)].get_assumed_role_from_access_key(key)
    if session is None:
        return None, None
    return session, _role(account, region, session.role_arn)


def _call_action(original, self: BaseResponse):
    if self.service_name not in _DENIED:
        return original(self)
    session, role = _session_role(self)
    if role is None or propagated(role):
        return original(self)
    prefix, code, error = _DENIED[self.service_name]
    action = f"{prefix}:{self._get_action()}"
    message = (f"User: {session.arn} is not authorized to perform: {action} "
               f"because no identity-based policy allows the {action} action")
    if code == "UnauthorizedOperation":
        message = f"You are not authorized to perform this operation. {message}"
    status, headers, body = self.serialized(ActionResult(error(code, message)))
    headers["status"] = str(status)
    return status, headers, body


def install() -> None:
    stamp_creation(Role)
    wrap(Role, "put_policy", _put_policy)
    wrap(LambdaBackend, "create_function", _create_function)
    wrap(BaseResponse, "call_action", _call_action)


RULE = Rule(
    name="iam_propagation",
    mirrors="A new role (or inline policy) works only after IAM propagates it: CreateFunction with a role too new "
            "fails (InvalidParameterValueException), and calls with the role's credentials are denied until then.",
    install=install,
)
