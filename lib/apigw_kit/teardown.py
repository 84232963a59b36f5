"""List and delete a lab's resources, in reverse dependency order."""
from __future__ import annotations

import pandas as pd
from botocore.exceptions import ClientError

from .errors import KitError
from .steps import all_kinds
from .tagged import services_to_ask
from .waits import shared_deadline

COLUMNS = ["type", "id", "name", "state"]
GONE = {"NotFoundException", "ResourceNotFoundException", "LoadBalancerNotFound", "TargetGroupNotFound",
        "InvalidGroup.NotFound", "InvalidSubnetID.NotFound", "InvalidVpcID.NotFound", "InvalidRouteTableID.NotFound",
        "InvalidVpcEndpointId.NotFound"}
# Still in use by something outside the lab: report it, never delete the user's resource to get our way.
BLOCKED = {"DependencyViolation", "ResourceInUse", "ConflictException"}
# Simulated seconds that all security groups, subnets and the VPC share, in all, while the ENIs of
# deleted load balancers, VPC links and endpoints are released (minutes on AWS; a foreign ENI never is).
ENI_RELEASE_DEADLINE = 900


def list_resources(lab) -> pd.DataFrame:
    """Every resource tagged for ``lab``, one row each, in teardown order. Services that hold nothing of the lab
    are not asked (see ``_kinds``)."""
    rows = [{"type": f.type, "id": f.id, "name": f.name, "state": f.state}
            for kind in _kinds(lab, set()) if kind.type != "ec2:security-group-ingress" for f in kind.find(lab)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _kinds(lab, expected: set[str] | None) -> list:
    """The kinds to ask, in teardown order: all of them (``expected`` None), or those of the services that may
    hold something of the lab: ``services_to_ask`` (reported by the Tagging API, used by this connection, IAM) and
    the ``expected`` ones (what the caller knows it builds). A client for a service the lab never used costs a
    model read from disk (a tenth of a second each)."""
    kinds = all_kinds()
    if expected is None:
        return kinds
    ask = services_to_ask(lab, {_service(kind) for kind in kinds}) | expected
    return [kind for kind in kinds if _service(kind) in ask]


def _service(kind) -> str:
    return kind.type.split(":", 1)[0]


def _reason(exc: Exception) -> str:
    """Why a resource is still there after its delete failed; empty when it is already gone."""
    if isinstance(exc, ClientError):
        code = exc.response["Error"]["Code"]
        reason = f"{code}: {exc.response['Error'].get('Message', '')}"
        return "" if code in GONE else reason if code in BLOCKED else f"unexpected error {reason}"
    return f"unexpected error {type(exc).__name__}: {exc}"


def _find(lab, kind) -> tuple[list, str]:
    """The kind's resources in the lab, and why they could not be listed (empty when they could)."""
    try:
        return kind.find(lab), ""
    except (ClientError, KitError) as exc:
        return [], _reason(exc)


def _left(lab, kinds: list, reasons: dict[str, str]) -> pd.DataFrame:
    """What is still listed, each with why; a kind that cannot be listed shows as one row saying so."""
    rows = []
    for kind in kinds:
        if kind.type == "ec2:security-group-ingress":
            continue
        found, problem = _find(lab, kind)
        rows += [{"type": f.type, "id": f.id, "name": f.name, "state": f.state, "reason": reasons.get(f.id, "")}
                 for f in found]
        if problem:
            rows.append({"type": kind.type, "id": "", "name": "(could not be listed)", "state": "", "reason": problem})
    return pd.DataFrame(rows, columns=[*COLUMNS, "reason"])


def teardown(lab, eni_release_deadline: float = ENI_RELEASE_DEADLINE, expected: set[str] | None = None) -> pd.DataFrame:
    """Delete the lab's resources; return what is still listed afterwards, with why (empty on success), and in
    its ``attrs["found"]`` what teardown found to delete (type -> ids), so no caller lists the lab twice.

    Every kind is asked unless ``expected`` names the services the caller built in (a pattern run: see
    ``_kinds``). Only the process that built the lab may pass it: another one, tearing down a moment after a
    run failed, could miss what the eventually consistent Tagging API does not report yet.

    An unexpected error does not stop the teardown: the resource is reported with the error and
    every other resource is still deleted (only ever the lab's own, found by its tags).
    """
    reasons: dict[str, str] = {}
    found: dict[str, list[str]] = {}
    held = []  # kinds that had something to delete or could not be listed: the only ones worth listing again
    with shared_deadline(eni_release_deadline):
        for kind in _kinds(lab, expected):
            resources, problem = _find(lab, kind)  # a kind that cannot be listed is reported by _left
            held += [kind] if resources or problem else []
            for resource in resources:
                if kind.type != "ec2:security-group-ingress":  # rules, not a resource: never listed
                    found.setdefault(resource.type, []).append(resource.id)
                try:
                    kind.delete(lab, resource)
                except (ClientError, KitError) as exc:
                    reasons[resource.id] = _reason(exc)
    left = _left(lab, held, reasons)
    left.attrs["found"] = {kind: sorted(ids) for kind, ids in sorted(found.items())}
    return left
