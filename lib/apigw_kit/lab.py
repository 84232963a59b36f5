"""A lab: the set of resources one run creates, found and deleted by tag.

A lab lives in one region, but IAM roles and Route 53 hosted zones are global:
role names are unique within the account, 64 characters at most
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names),
and Route 53 serves every region from one endpoint, so a lab sees the zones of every region
(https://docs.aws.amazon.com/general/latest/gr/r53.html). Those carry the region in their name where they
have one and in an ``apigw-kit:region`` tag, so two labs of the same name in two regions neither share nor
delete each other's.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from contextlib import contextmanager

from .errors import ParameterError

LAB_TAG = "apigw-kit:lab"
ROLE_TAG = "apigw-kit:role"
REGION_TAG = "apigw-kit:region"  # on account-wide resources only (IAM roles, Route 53 zones)
# On an API left without authorization on purpose: the reason, which checks.api_authorized reports instead of failing.
AUTH_WAIVER_TAG = "apigw-kit:auth-waiver"
# The labs' APIs are open by design: a lesson calls them without credentials, and teardown removes them.
LAB_AUTH_WAIVER = "teaching lab open by design - no client credentials - torn down after the lesson"
# Load balancer and target group names (32 chars) must fit "<lab>-<role>".
LAB_NAME = re.compile(r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$")


def validate_lab_name(name: str) -> None:
    if not isinstance(name, str) or not LAB_NAME.match(name) or "--" in name:
        raise ParameterError(
            "lab_name", f"{name!r} is not a valid lab name",
            "use 2-20 characters: lowercase letters, digits and single hyphens, starting with a letter",
        )


class Lab:
    """Resources tagged ``apigw-kit:lab=<name>`` in one account and region."""

    def __init__(self, cloud, name: str):
        validate_lab_name(name)
        self.cloud = cloud
        self.name = name
        self.run_id = uuid.uuid4().hex  # this object's run: its idempotency tokens are no later run's
        self._created: Counter[str] = Counter()  # creates that returned, per idempotency_token key

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, {self.cloud!r})"

    # Tagging -------------------------------------------------------------
    def resource_name(self, role: str) -> str:
        return f"{self.name}-{role}"

    def tags(self, role: str) -> dict[str, str]:
        return {LAB_TAG: self.name, ROLE_TAG: role, "Name": self.resource_name(role)}

    def global_name(self, role: str) -> str:
        """``<lab>-<region>-<role>``: the name of an account-wide resource (an IAM role)."""
        return f"{self.name}-{self.cloud.region}-{role}"

    def global_tag_list(self, role: str) -> list[dict[str, str]]:
        """Tags of an account-wide resource: the lab's, and its region."""
        return self.tag_list(role) + [{"Key": REGION_TAG, "Value": self.cloud.region}]

    def tag_list(self, role: str) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags(role).items()]

    def tag_specs(self, resource_type: str, role: str) -> list[dict]:
        return [{"ResourceType": resource_type, "Tags": self.tag_list(role)}]

    @contextmanager
    def idempotency_token(self, role: str, *request):
        """The client token for this run's create of ``role`` (``request``: what else tells two creates apart).

        A create retried by the kit or by botocore (a timeout, a lost answer) sends the same token and gets the
        resource the first attempt made instead of a billed twin. Once a create has returned, the next create
        of the same (the resource was deleted since) gets a new token, and so does a later run: EC2 keeps a
        token for at least 24 hours after the instance it launched is terminated, and would answer with that
        instance (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html). 32 hex characters
        fit every such member the kit sends: EC2's ClientToken (64 ASCII), ACM's IdempotencyToken
        (``\\w{1,32}``), Route 53's CallerReference (128), Cloud Map's CreatorRequestId (64).
        """
        key = "|".join([role, *map(str, request)])
        text = "|".join([self.name, self.cloud.region, self.run_id, key, str(self._created[key])])
        yield hashlib.sha256(text.encode()).hexdigest()[:32]
        self._created[key] += 1  # not reached when the create raised: its retry keeps the token

    def ec2_filters(self, role: str | None = None) -> list[dict]:
        filters = [{"Name": f"tag:{LAB_TAG}", "Values": [self.name]}]
        if role is not None:
            filters.append({"Name": f"tag:{ROLE_TAG}", "Values": [role]})
        return filters

    def owns(self, tags) -> bool:
        """True for a tag dict or a [{Key, Value}] list that carries this lab's tag."""
        if isinstance(tags, list):
            tags = {t["Key"]: t["Value"] for t in tags}
        return (tags or {}).get(LAB_TAG) == self.name

    def owns_global(self, tags) -> bool:
        """True when an account-wide resource's tags name this lab and its region."""
        if isinstance(tags, list):
            tags = {t["Key"]: t["Value"] for t in tags}
        return self.owns(tags) and tags.get(REGION_TAG) == self.cloud.region

    # State ----------------------------------------------------------------
    def resources(self):
        """Every resource of this lab still in the account, as a DataFrame."""
        from .teardown import list_resources
        return list_resources(self)

    def inventory(self):
        from .inventory import Inventory
        return Inventory.of(self)

    def teardown(self, expected: set[str] | None = None):
        """Delete the lab's resources in reverse dependency order; return what is left (``expected``: see
        apigw_kit.teardown.teardown)."""
        from .teardown import teardown
        return teardown(self, expected=expected)
