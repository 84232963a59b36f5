"""A lab: the set of resources one run creates, found and deleted by tag."""
from __future__ import annotations

import re

from .errors import ParameterError

LAB_TAG = "apigw-kit:lab"
ROLE_TAG = "apigw-kit:role"
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

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, {self.cloud!r})"

    # Tagging -------------------------------------------------------------
    def resource_name(self, role: str) -> str:
        return f"{self.name}-{role}"

    def tags(self, role: str) -> dict[str, str]:
        return {LAB_TAG: self.name, ROLE_TAG: role, "Name": self.resource_name(role)}

    def tag_list(self, role: str) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags(role).items()]

    def tag_specs(self, resource_type: str, role: str) -> list[dict]:
        return [{"ResourceType": resource_type, "Tags": self.tag_list(role)}]

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

    # State ----------------------------------------------------------------
    def resources(self):
        """Every resource of this lab still in the account, as a DataFrame."""
        from .teardown import list_resources
        return list_resources(self)

    def inventory(self):
        from .inventory import Inventory
        return Inventory.of(self)

    def teardown(self):
        """Delete the lab's resources in reverse dependency order; return what is left."""
        from .teardown import teardown
        return teardown(self)
