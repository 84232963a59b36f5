"""VPC Reachability Analyzer beside the tracer: ``apigw-kit doctor --reachability`` (real accounts only).

The tracer judges each network hop from security groups it reads; Reachability Analyzer
builds AWS's own model of the path (security groups, network ACLs, route tables, load
balancers) without sending a packet
(https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html).
For every network hop the tracer judged, this module names a source and a destination AWS
accepts for a path (an internet gateway, a peering connection, a network interface or an
instance; load balancers are intermediate components only, so their network interfaces
stand for them), creates the path and starts its analysis, waits for all of them, reads
each verdict and its first explanation (the blocking component,
https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html) and deletes
every path and analysis it created, tagged as the kit tags its resources.

Each analysis is billed (costs.REACHABILITY_ANALYSIS). The embedded AWS has none of this
API (moto implements no Network Insights call), so nothing here runs there.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd
from botocore.exceptions import ClientError

from .costs import REACHABILITY_ANALYSIS, REACHABILITY_PRICE_AS_OF, REACHABILITY_PRICING
from .iam import Policy, policy_for
from .lab import Lab
from .steps.network import network_interfaces
from .tracer import Trace
from .waits import wait_for

DOC_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInsightsAnalysis.html"
DOC_EXPLANATIONS = "https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html"
LAB = "doctor"  # the apigw-kit:lab tag value of paths and analyses the doctor creates (and deletes)
REACHABLE, NOT_REACHABLE, NOT_ANALYSED = "reachable", "not reachable", "not analysed"
COLUMNS = ["hop", "path", "port", "tracer", "analyzer", "detail"]
VPCE_ID = re.compile(r"vpce-[0-9a-f]+")
ANALYSIS_TIMEOUT = 600  # seconds; an analysis usually takes well under a minute
# The analyzer's own calls, the first two with tags (tag on create). The analysis also describes the network
# on the caller's behalf, with the caller's permissions: AWS lists those describes in the managed policy
# AmazonVPCReachabilityAnalyzerFullAccessPolicy
# (https://docs.aws.amazon.com/vpc/latest/reachability/security_iam_required-API-permissions.html).
OPERATIONS = {"ec2:CreateNetworkInsightsPath", "ec2:StartNetworkInsightsAnalysis", "ec2:DescribeNetworkInsightsAnalyses",
              "ec2:DeleteNetworkInsightsAnalysis", "ec2:DeleteNetworkInsightsPath"}
TAGGED = {"ec2:CreateNetworkInsightsPath", "ec2:StartNetworkInsightsAnalysis"}


@dataclass(frozen=True)
class Segment:
    """One network hop the tracer judged, as a path Reachability Analyzer can analyse."""
    hop: str          # the tracer's hop name
    label: str        # what the path goes from and to, readable
    source: str       # igw-, pcx-, eni- or i- id; "" when no resource stands for the source
    destination: str  # eni- or i- id
    port: int
    tracer: str       # reachable | not reachable
    why_not: str = ""  # when source is "": why the hop cannot be analysed


@dataclass(frozen=True)
class Verdict:
    segment: Segment
    analyzer: str  # reachable | not reachable | not analysed
    detail: str

    @property
    def disagrees(self) -> bool:
        return self.analyzer != NOT_ANALYSED and self.analyzer != self.segment.tracer


def cost_line(segments: list[Segment]) -> str:
    count = sum(1 for s in segments if s.source)
    return (f"Reachability Analyzer: {count} analys{'is' if count == 1 else 'es'} at ${REACHABILITY_ANALYSIS:.2f} "
            f"each = ${count * REACHABILITY_ANALYSIS:.2f} (price of {REACHABILITY_PRICE_AS_OF}, {REACHABILITY_PRICING})")


# From the tracer's hops to paths ----------------------------------------------------------------
class _Resolver:
    """Reads the configuration the trace named (load balancers, links, target groups) to find ENIs and ports."""

    def __init__(self, cloud):
        self.ec2, self.elb, self.v2 = cloud.client("ec2"), cloud.client("elbv2"), cloud.client("apigatewayv2")

    def load_balancer(self, name: str) -> dict:
        return self.elb.describe_load_balancers(Names=[name])["LoadBalancers"][0]

    def lb_enis(self, lb: dict) -> list[dict]:
        """A load balancer's network interfaces: AWS describes each as ``ELB app|net/<name>/<id>``."""
        description = "ELB " + lb["LoadBalancerArn"].split(":loadbalancer/")[1]
        return sorted(network_interfaces(self.ec2, [{"Name": "description", "Values": [description]}]),
                      key=lambda e: e["NetworkInterfaceId"])

    def endpoint_enis(self, endpoint_id: str) -> list[dict]:
        endpoint = self.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]
        ids = endpoint.get("NetworkInterfaceIds") or []
        return self.ec2.describe_network_interfaces(NetworkInterfaceIds=ids)["NetworkInterfaces"] if ids else []

    def link_enis(self, link_id: str) -> list[dict]:
        """A VPC link v2's ENIs: requester-managed, in its subnets, carrying exactly its security groups."""
        link = self.v2.get_vpc_link(VpcLinkId=link_id)
        enis = network_interfaces(self.ec2, [{"Name": "subnet-id", "Values": link["SubnetIds"]}])
        return sorted((e for e in enis if {g["GroupId"] for g in e.get("Groups", [])} == set(link["SecurityGroupIds"])
                       and e.get("Description", "").startswith("VPC Endpoint Interface")),
                      key=lambda e: e["NetworkInterfaceId"])

    def vpc_of(self, enis: list[dict]) -> str | None:
        return enis[0]["VpcId"] if enis else None

    def internet_gateway(self, vpc_id: str) -> str | None:
        gateways = self.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        return gateways[0]["InternetGatewayId"] if gateways else None

    def target(self, target_id: str) -> tuple[str, str]:
        """(resource id, Availability Zone) of a target: an instance, or the ENI holding an IP target's address."""
        if target_id.startswith("i-"):
            instance = self.ec2.describe_instances(InstanceIds=[target_id])["Reservations"][0]["Instances"][0]
            return target_id, instance["Placement"]["AvailabilityZone"]
        enis = network_interfaces(self.ec2, [{"Name": "addresses.private-ip-address", "Values": [target_id]}])
        return (enis[0]["NetworkInterfaceId"], enis[0]["AvailabilityZone"]) if enis else ("", "")


def _verdict(hops) -> str:
    return NOT_REACHABLE if any(h.verdict == "fail" for h in hops) else REACHABLE


def _near(enis: list[dict], zone: str) -> dict:
    """The ENI in ``zone`` if there is one (a load balancer node sends from its own zone), else the first."""
    return next((e for e in enis if e["AvailabilityZone"] == zone), enis[0])


def _client_segments(r: _Resolver, result: Trace) -> list[Segment]:
    """Client -> entry: one path per ENI of the entry (a client may reach any of them)."""
    first = next((i for i, h in enumerate(result.hops) if h.hop.startswith("source -> ")), None)
    if not first:  # None, or a source hop with no entry before it
        return []
    hops = [h for h in result.hops if h.hop.startswith("source -> ")]
    entry = result.hops[first - 1]
    if entry.component == "load balancer":
        enis, name = r.lb_enis(r.load_balancer(entry.id)), f"load balancer {entry.id}"
    elif entry.component.startswith("VPC endpoint"):
        endpoint_id = VPCE_ID.search(f"{entry.id} {entry.reason}").group(0)
        enis, name = r.endpoint_enis(endpoint_id), f"VPC endpoint {endpoint_id}"
    else:
        return []
    port = urlsplit(result.url).port or (443 if result.url.startswith("https") else 80)
    source, why_not = "", ""
    if result.source == "internet":
        source = r.internet_gateway(r.vpc_of(enis)) if enis else None
        why_not = "" if source else "no internet gateway is attached to the entry's VPC"
    else:
        peering = next((h.id for h in result.hops if h.component == "VPC peering"), None)
        source = peering or ""
        why_not = "" if peering else (f"no single resource stands for the client {result.source}: "
                                      "run the analyzer from one of its instances or ENIs in the console")
    label = f"{result.source} -> {name}"
    if not enis:
        return [Segment(hops[0].hop, label, "", "", port, _verdict(hops), f"no network interface of {name} found")]
    return [Segment(hops[0].hop, f"{label} ({e['NetworkInterfaceId']})", source or "", e["NetworkInterfaceId"], port,
                    _verdict(hops), why_not) for e in enis]


def _link_segments(r: _Resolver, result: Trace) -> list[Segment]:
    """VPC link v2 -> its load balancer, on the listener's port (from the integration's listener ARN)."""
    api = next((h.id for h in result.hops if h.component == "HTTP API"), None)
    integration = next((h.id for h in result.hops if h.hop == "integration" and h.verdict == "ok"), None)
    link = next((h.id for h in result.hops if h.component == "VPC link (v2)" and h.verdict == "ok"), None)
    if not (api and integration and link):
        return []
    uri = r.v2.get_integration(ApiId=api, IntegrationId=integration)["IntegrationUri"]
    listener = r.elb.describe_listeners(ListenerArns=[uri])["Listeners"][0]
    lb = r.elb.describe_load_balancers(LoadBalancerArns=[listener["LoadBalancerArn"]])["LoadBalancers"][0]
    hops = [h for h in result.hops if h.hop in ("vpc link -> load balancer", "vpc link egress", "ALB ingress", "NLB ingress")]
    link_enis, lb_enis = r.link_enis(link), r.lb_enis(lb)
    if not link_enis or not lb_enis:
        return [Segment("vpc link -> load balancer", f"VPC link {link} -> {lb['LoadBalancerName']}", "", "",
                        listener["Port"], _verdict(hops), "the link's or the load balancer's ENIs were not found")]
    return [Segment("vpc link -> load balancer", f"VPC link {link} ({source['NetworkInterfaceId']}) -> "
                    f"{lb['LoadBalancerName']} ({eni['NetworkInterfaceId']})", source["NetworkInterfaceId"],
                    eni["NetworkInterfaceId"], listener["Port"], _verdict(hops))
            for eni in lb_enis for source in [_near(link_enis, eni["AvailabilityZone"])]]


def _target_segments(r: _Resolver, result: Trace) -> list[Segment]:
    """Load balancer -> each target whose security groups the tracer judged, from the load balancer's ENI
    in the target's zone."""
    segments, lb = [], None
    for i, hop in enumerate(result.hops):
        if hop.component == "load balancer" and hop.hop in ("entry", "load balancer") and hop.verdict == "ok":
            lb = hop.id
        if hop.hop != "target group" or lb is None:
            continue
        balancer = r.load_balancer(lb)
        tg = r.elb.describe_target_groups(Names=[hop.id])["TargetGroups"][0]
        ports = {t["Target"]["Id"]: t["Target"].get("Port", tg["Port"])
                 for t in r.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]}
        lb_enis = r.lb_enis(balancer)
        # A target's rows (its security groups, the network ACLs on the way) each start with its id; it is
        # reachable when every one of them is ok.
        verdicts: dict[str, list[str]] = {}
        for judged in (h for h in result.hops[i + 1:] if h.hop == "target ingress"):
            target = next((t for t in ports if judged.reason.startswith((f"{t}: ", f"{t}'s groups"))), None)
            if target is not None:
                verdicts.setdefault(target, []).append(judged.verdict)
        for target, found in verdicts.items():
            resource, zone = r.target(target)
            tracer = REACHABLE if all(v == "ok" for v in found) else NOT_REACHABLE
            label = f"{lb} -> {hop.id} target {target}"
            if not resource or not lb_enis:
                segments.append(Segment("target ingress", label, "", "", ports[target], tracer,
                                        "the target's or the load balancer's network interface was not found"))
                continue
            source = _near(lb_enis, zone)["NetworkInterfaceId"]
            segments.append(Segment("target ingress", f"{label} ({source} -> {resource})", source, resource,
                                    ports[target], tracer))
    return segments


def segments(cloud, result: Trace) -> list[Segment]:
    """The network hops ``result`` judged, as paths: client -> entry, VPC link -> load balancer, load balancer ->
    targets. Reads only; hops the trace never reached are not included."""
    r = _Resolver(cloud)
    return _client_segments(r, result) + _link_segments(r, result) + _target_segments(r, result)


# Running the analyses -------------------------------------------------------------------------------
def _tags(cloud, kind: str) -> list[dict]:
    tags = Lab(cloud, LAB).tags(f"reachability-{kind}")
    return [{"ResourceType": f"network-insights-{kind}", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _explain(analysis: dict) -> str:
    """The first explanation of an unreachable path: its code, the component and what of it blocks."""
    explanations = analysis.get("Explanations") or []
    if not explanations:
        return f"no path found and no explanation given ({DOC_API})"
    first = explanations[0]
    component = first.get("Component") or {}
    where = component.get("Id") or component.get("Arn", "")
    parts = [first.get("ExplanationCode", ""), f"at {where}" if where else ""]
    if first.get("Direction"):
        parts.append(f"({first['Direction']})")
    blocking = [g.get("Id") for g in first.get("SecurityGroups") or []] + [(first.get("Acl") or {}).get("Id")]
    blocking = [b for b in blocking if b and b != where]
    if blocking:
        parts.append(f"via {', '.join(blocking)}")
    more = f"; {len(explanations) - 1} more explanation(s)" if len(explanations) > 1 else ""
    return " ".join(p for p in parts if p) + more + f" ({DOC_EXPLANATIONS})"


def analyse(cloud, planned: list[Segment], *, timeout: float = ANALYSIS_TIMEOUT, poll: float = 5) -> list[Verdict]:
    """Create a path and start an analysis for each segment that has a source, wait for all, read the verdicts,
    then delete every analysis and path created (even when a call failed). Mutating: the caller confirms the account
    first (``Cloud.check_account``)."""
    ec2 = cloud.client("ec2")
    paths: list[str] = []
    started: dict[int, str] = {}  # segment index -> analysis id
    details: dict[int, tuple[str, str]] = {}
    try:
        for i, seg in enumerate(planned):
            if not seg.source:
                details[i] = (NOT_ANALYSED, seg.why_not)
                continue
            try:
                path = ec2.create_network_insights_path(
                    Source=seg.source, Destination=seg.destination, Protocol="tcp", DestinationPort=seg.port,
                    TagSpecifications=_tags(cloud, "path"), ClientToken=uuid.uuid4().hex)["NetworkInsightsPath"]
                paths.append(path["NetworkInsightsPathId"])
                analysis = ec2.start_network_insights_analysis(
                    NetworkInsightsPathId=path["NetworkInsightsPathId"], TagSpecifications=_tags(cloud, "analysis"),
                    ClientToken=uuid.uuid4().hex)["NetworkInsightsAnalysis"]
            except ClientError as exc:  # e.g. a source type the analyzer refuses: that hop only
                details[i] = (NOT_ANALYSED, f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}")
                continue
            started[i] = analysis["NetworkInsightsAnalysisId"]
        results: dict[str, dict] = {}

        def state() -> str:
            if started:
                found = ec2.describe_network_insights_analyses(NetworkInsightsAnalysisIds=list(started.values()))
                results.update({a["NetworkInsightsAnalysisId"]: a for a in found["NetworkInsightsAnalyses"]})
            # an analysis not listed yet (the API is eventually consistent) counts as running
            return "running" if any(results.get(i, {}).get("Status", "running") == "running"
                                    for i in started.values()) else "done"

        wait_for(cloud, f"{len(started)} Reachability Analyzer analyses", state, {"done"}, timeout=timeout, poll=poll,
                 cause="an analysis of a large network can take several minutes")
        for i, analysis_id in started.items():
            found = results[analysis_id]
            if found.get("Status") != "succeeded":
                details[i] = (NOT_ANALYSED, f"analysis {found.get('Status')}: {found.get('StatusMessage', '')}".strip())
            elif found.get("NetworkPathFound"):
                details[i] = (REACHABLE, f"path found ({analysis_id})")
            else:
                details[i] = (NOT_REACHABLE, _explain(found))
    finally:
        for analysis_id in started.values():
            ec2.delete_network_insights_analysis(NetworkInsightsAnalysisId=analysis_id)
        for path_id in paths:
            ec2.delete_network_insights_path(NetworkInsightsPathId=path_id)
    return [Verdict(seg, *details[i]) for i, seg in enumerate(planned)]


def frame(verdicts: list[Verdict]) -> pd.DataFrame:
    rows = [[v.segment.hop, v.segment.label, v.segment.port, v.segment.tracer, v.analyzer, v.detail] for v in verdicts]
    return pd.DataFrame(rows, columns=COLUMNS)


def iam_policy(region: str, account: str = "*") -> Policy:
    """The least-privilege policy of the analyzer's own calls: create and start tagged for the doctor, delete only
    what carries its tag."""
    return policy_for(OPERATIONS, region, lab=LAB, account=account, tagged=TAGGED)


def disagreements(verdicts: list[Verdict]) -> list[str]:
    return [f"{v.segment.label}: the tracer says {v.segment.tracer}, Reachability Analyzer says {v.analyzer} "
            f"({v.detail})" for v in verdicts if v.disagrees]
