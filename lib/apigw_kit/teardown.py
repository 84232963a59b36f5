"""List and delete a lab's resources, in reverse dependency order."""
from __future__ import annotations

import pandas as pd
from botocore.exceptions import ClientError

from .steps import all_kinds

COLUMNS = ["type", "id", "name", "state"]
GONE = {"NotFoundException", "ResourceNotFoundException", "LoadBalancerNotFound", "TargetGroupNotFound",
        "InvalidGroup.NotFound", "InvalidSubnetID.NotFound", "InvalidVpcID.NotFound", "InvalidRouteTableID.NotFound"}


def list_resources(lab) -> pd.DataFrame:
    """Every resource tagged for ``lab``, one row each, in teardown order."""
    rows = [{"type": f.type, "id": f.id, "name": f.name, "state": f.state}
            for kind in all_kinds() if kind.type != "ec2:security-group-ingress" for f in kind.find(lab)]
    return pd.DataFrame(rows, columns=COLUMNS)


def teardown(lab) -> pd.DataFrame:
    """Delete the lab's resources and return what is still listed afterwards (empty on success)."""
    for kind in all_kinds():
        for found in kind.find(lab):
            try:
                kind.delete(lab, found)
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in GONE:
                    raise
    return list_resources(lab)
