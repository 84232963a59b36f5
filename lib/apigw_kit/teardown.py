"""List and delete a lab's resources, in reverse dependency order."""
from __future__ import annotations

import pandas as pd
from botocore.exceptions import ClientError

from .steps import all_kinds

COLUMNS = ["type", "id", "name", "state"]
GONE = {"NotFoundException", "ResourceNotFoundException", "LoadBalancerNotFound", "TargetGroupNotFound",
        "InvalidGroup.NotFound", "InvalidSubnetID.NotFound", "InvalidVpcID.NotFound", "InvalidRouteTableID.NotFound"}
# Still in use by something outside the lab: report it, never delete the user's resource to get our way.
BLOCKED = {"DependencyViolation", "ResourceInUse", "ConflictException"}


def list_resources(lab) -> pd.DataFrame:
    """Every resource tagged for ``lab``, one row each, in teardown order."""
    rows = [{"type": f.type, "id": f.id, "name": f.name, "state": f.state}
            for kind in all_kinds() if kind.type != "ec2:security-group-ingress" for f in kind.find(lab)]
    return pd.DataFrame(rows, columns=COLUMNS)


def teardown(lab) -> pd.DataFrame:
    """Delete the lab's resources; return what is still listed afterwards, with why (empty on success)."""
    blocked: dict[str, str] = {}
    for kind in all_kinds():
        for found in kind.find(lab):
            try:
                kind.delete(lab, found)
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code in BLOCKED:
                    blocked[found.id] = f"{code}: {exc.response['Error'].get('Message', '')}"
                elif code not in GONE:
                    raise
    left = list_resources(lab)
    left["reason"] = [blocked.get(i, "") for i in left["id"]]
    return left
